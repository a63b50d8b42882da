"""The Outlook mail CSV's fast path (polars) gives exactly what its row-by-row reader (the csv module) gives:
records, messages, rejects and counts, for the fixtures and for generated files of every quirk; files it cannot
prove it reads alike fall back to the row-by-row reader."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import analyzer.ingest  # noqa: F401  (parsers register themselves)
from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail import outlook_csv

FIXTURES = Path(__file__).parent / "fixtures"

HEADER = ["Subject", "Body", "From: (Name)", "From: (Address)", "From: (Type)", "To: (Name)", "To: (Address)",
          "To: (Type)", "CC: (Name)", "CC: (Address)", "CC: (Type)", "BCC: (Name)", "BCC: (Address)",
          "BCC: (Type)", "Billing Information", "Categories", "Importance", "Mileage", "Sensitivity"]
GERMAN = ["Betreff", "Nachricht", "Von: (Name)", "Von: (Adresse)", "Von: (Typ)", "An: (Name)", "An: (Adresse)",
          "An: (Typ)", "CC: (Name)", "CC: (Adresse)", "CC: (Typ)", "BCC: (Name)", "BCC: (Adresse)", "BCC: (Typ)",
          "Abrechnungsinformationen", "Kategorien", "Wichtigkeit", "Reisekilometer", "Vertraulichkeit"]
EX = "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=DAN"


def _parse_spied(path: Path, monkeypatch: pytest.MonkeyPatch,
                 out: FileCollector) -> tuple[list[bool], InputError | None]:
    """parse_outlook_mail of ``path`` into ``out``: for each fast-path attempt whether it was taken, and the
    reader's error (None when the file was read)."""
    taken: list[bool] = []
    real = outlook_csv._fast_rows

    def spy(data: bytes, display: str) -> object:
        got = real(data, display)
        taken.append(got is not None)
        return got

    with monkeypatch.context() as m:
        m.setattr(outlook_csv, "_fast_rows", spy)
        f = InputFile(display=str(path), name=path.name, size=path.stat().st_size, path=path)
        try:
            outlook_csv.parse_outlook_mail(f, out)
        except InputError as exc:
            return taken, exc
    return taken, None


def _outcome(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    """What parse_outlook_mail makes of ``path`` with the fast path allowed for any size (``fast``) or never;
    with whether the fast path was taken."""
    monkeypatch.setattr(outlook_csv, "FAST_PATH_MIN_BYTES", 0 if fast else 1 << 62)
    out = FileCollector(str(path), "mail.outlook_csv")
    taken, error = _parse_spied(path, monkeypatch, out)
    if error is not None:
        return ("error", str(error)), any(taken)
    frames = out.frames(3)  # (an offset: ids shifted alike)
    report = out.report.as_dict()
    owner = (out.owner_emails, out.owner_names, out.owner_urls, out.owner_positions)
    return (frames, report, owner), any(taken)


def _same(path: Path, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Assert that both readers give the same for ``path``; return whether the fast path was taken."""
    slow, slow_taken = _outcome(path, False, monkeypatch)
    fast, fast_taken = _outcome(path, True, monkeypatch)
    assert not slow_taken
    if slow[0] == "error" or fast[0] == "error":
        assert slow == fast
        return fast_taken
    (s_frames, s_report, s_owner), (f_frames, f_report, f_owner) = slow, fast
    for s, f in zip(s_frames, f_frames, strict=True):  # type: ignore[call-overload]
        assert_frame_equal(s, f)
    assert s_report == f_report
    assert s_owner == f_owner
    return fast_taken


def _outlook_fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.csv") if outlook_csv._outlook_shape(
        [outlook_csv.normalise_header(c) for c in outlook_csv._first_row(p.read_bytes().decode("utf-8-sig",
                                                                                                "replace"))]))


def test_there_are_outlook_mail_fixtures() -> None:
    names = {p.name for p in _outlook_fixtures()}
    assert {"outlook_mail.csv", "outlook_mail_short_row.csv"} <= names


@pytest.mark.parametrize("path", _outlook_fixtures(), ids=lambda p: p.name)
def test_fixtures_read_alike(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(path, monkeypatch)


# ---- generated files ------------------------------------------------------------------------------------------

def _row(subject: str, body: str, frm: tuple[str, str], to: tuple[str, str] = ("", ""),
         cc: tuple[str, str] = ("", ""), bcc: tuple[str, str] = ("", ""), ftype: str = "SMTP") -> list[str]:
    return [subject, body, frm[0], frm[1], ftype if frm[1] else "", to[0], to[1], "SMTP" if to[1] else "",
            cc[0], cc[1], "SMTP" if cc[1] else "", bcc[0], bcc[1], "", "", "", "Normal", "", "Normal"]


def _csv(rows: list[list[str]], header: list[str] = HEADER, eol: str = "\r\n", quote_all: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=eol, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


_FIRST = ["Ana", "Ben", "Chen", "Dara", "Émile", "Zoë", "Ægir", "O'Brien", 'Jo "JJ"', "Łukasz", "Иван", "李", "😀 Smile",
          "  Kai  ", "Back\\slash", "Tab\tName", "Nils (Sales)", "Ctl\x07Char", "Ö", "a" * 1100]
_ADDRS = ["ana@example.com", "BEN@Example.COM", "<chen@example.org>", "mailto:dara@example.net", "noreply@mail.com",
          "news@bulk.example.com", "zoe@exa.mple.de", "not an address", "", EX, "ägir@example.com",
          "team+x@outlook.com", ".dot.@example.com", "owner@example.com", "x@y"]


def _people(rng: random.Random, k: int) -> tuple[str, str]:
    names = [rng.choice(_FIRST) for _ in range(k)]
    addrs = [rng.choice(_ADDRS) for _ in range(k)]
    shape = rng.random()
    if shape < 0.1:  # unequal lengths
        addrs = addrs[: max(0, k - 1)]
    elif shape < 0.15:
        names = []
    elif shape < 0.2:
        addrs = []
    sep = rng.choice([";", "; ", " ;"])
    return sep.join(names), sep.join(addrs)


def _random_rows(seed: int, n: int) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        frm = _people(rng, 1) if rng.random() < 0.9 else rng.choice([("", ""), ("  ", ""), ("", "not an address")])
        subject = rng.choice([f"Re: topic {i}", "Hello, world", 'Say "hi"', "line\nbreak", "(no subject)", ""])
        body = rng.choice(["Hi,\nthanks.\n-- A", "plain", "a, b, c", 'He said ""ok""', "", "x\r\ny", "é ü ñ 😀"])
        rows.append(_row(subject, body, frm, _people(rng, rng.randint(0, 3)), _people(rng, rng.randint(0, 4)),
                         _people(rng, rng.randint(0, 2)) if rng.random() < 0.2 else ("", ""),
                         ftype=rng.choice(["SMTP", "EX"])))
    return rows


def _kickoff() -> list[list[str]]:
    return [
        _row("Project kickoff", "Hi all,\nsee you Monday.\n-- Kim", ("Kim Lee", "kim.lee@example.com"),
             ("Alex Morgan;Ben Ode", "me@example.com;ben@example.com"), ("Cleo Park", "cleo@example.com")),
        _row("Budget", "numbers, attached", ("Dan Exchange", EX), ("Alex Morgan", "me@example.com"), ftype="EX"),
        _row("(no sender)", "orphan", ("", ""), ("Alex Morgan", "me@example.com")),
        _row("Self", "to me", ("Kim Lee", "kim.lee@example.com"), ("Kim Lee;Kim", "kim.lee@example.com;KIM.LEE@example.com"),
             ("Ben Ode;Ben Ode", "ben@example.com;ben@example.com")),
        _row("Names only", "x", ("Solo", ""), ("A;B;C", "a@example.com;b@example.com")),
        _row("Addr only", "y", ("", "solo@example.com"), ("A;B", ""), ("", "c@example.com;;d@example.com")),
    ]


#: (file name, text or bytes, is the fast path taken?)
CASES: list[tuple[str, str | bytes, bool]] = [
    ("clean.csv", _csv(_kickoff()), True),
    # malformed quoting that polars reads without an error, otherwise than the csv module: left to the rows
    ("text_after_quote.csv", _csv(_kickoff()).replace('"cleo@example.com"', '"cleo@example.com"x""', 1), False),
    ("two_quoted_parts.csv", _csv(_kickoff()).replace('"Cleo Park"', '"Cleo" "Park"', 1), False),
    ("clean_lf.csv", _csv(_kickoff(), eol="\n"), True),
    ("minimal_quotes.csv", _csv(_kickoff(), quote_all=False), True),
    ("bom.csv", "\ufeff" + _csv(_kickoff()), True),
    ("no_final_newline.csv", _csv(_kickoff()).rstrip("\r\n"), True),
    # unquoted empty last cells before CRLF (the CR is no part of a cell)
    ("empty_last_cell.csv", _csv([[*r[:-1], ""] for r in _kickoff()], quote_all=False), True),
    ("empty_last_cell_no_final_newline.csv", _csv([[*r[:-1], ""] for r in _kickoff()], quote_all=False)[:-2], True),
    ("random_1.csv", _csv(_random_rows(1, 300)), True),
    ("random_2.csv", _csv(_random_rows(2, 300), eol="\n"), True),
    ("random_3.csv", _csv(_random_rows(3, 300), quote_all=False), True),
    ("german.csv", _csv(_random_rows(4, 100), header=GERMAN), True),
    ("Sent Items.csv", _csv(_random_rows(5, 200)), True),
    ("Gesendete Elemente.csv", _csv(_random_rows(6, 50)), True),
    ("Deleted Items.csv", _csv(_random_rows(7, 50)), True),
    ("Junk E-mail.csv", _csv(_random_rows(8, 50)), True),
    ("Drafts.csv", _csv(_random_rows(9, 50)), True),
    ("Drafts header only.csv", _csv([]), True),
    ("Papierkorb.csv", _csv(_kickoff()[:1]), True),
    ("header_only.csv", _csv([]), True),
    ("no_recipients.csv", _csv([_row("a", "b", ("Ann", "ann@example.com")), _row("c", "d", ("Bo", ""))]), True),
    ("no_addresses.csv", _csv([_row("a", "b", ("Ann", ""), ("Bo;Cy", "")), _row("c", "d", ("Bo", ""), ("Ann", ""))]),
     True),
    ("no_sender_at_all.csv", _csv([_row("a", "b", ("", ""), ("Bo", "bo@example.com")), _row("c", "d", (" ", " "))]),
     True),
    ("sender_list.csv", _csv([_row("a", "b", (";Ann", "x@example.com;ann@example.com")),
                              _row("c", "d", ("Ann;Bo", "ann@example.com;bo@example.com"), ("Bo", "bo@example.com"))]),
     True),
    ("repeated_header.csv", _csv(_kickoff()) + _csv(_kickoff()), True),
    ("repeated_header_lower.csv", _csv(_kickoff()) + _csv(_kickoff(), header=[h.lower() for h in HEADER]), True),
    # (a subject starting "#TYPE" is taken for PowerShell's type line by the row-by-row reader: ignored alike)
    ("type_subject.csv", _csv([_row("#TYPE not a header", "b", ("Ann", "ann@example.com")), *_kickoff()]), True),
    ("paren_names.csv", _csv([_row("s", "b", ("From: (Name)", "x@example.com"), ("Nils (Sales)", "n@example.com")),
                              *_kickoff()]), True),
    ("type_line.csv", "#TYPE System.Object\r\n" + _csv(_kickoff()), False),
    ("type_line_inside.csv", _csv(_kickoff()) + "#TYPE System.Object\r\n" + _csv(_kickoff())[len(_csv([])):], False),
    ("ragged.csv", _csv(_kickoff()) + '"Short","row","Ann","ann@example.com"\r\n' + _csv(_kickoff())[len(_csv([])):],
     False),
    ("trailing_empty_cells.csv", _csv(_kickoff()).replace('"Normal"\r\n', '"Normal",,\r\n'), False),
    ("blank_line.csv", _csv(_kickoff()).replace("\r\n", "\r\n\r\n", 2), False),
    ("blank_cells_row.csv", _csv(_kickoff()) + " ," * 18 + " \r\n", False),
    ("empty_cells_row.csv", _csv(_kickoff()) + "," * 18 + "\r\n" + _csv(_kickoff())[len(_csv([])):], False),
    ("lone_cr.csv", _csv(_kickoff()).replace("see you Monday.", "see you\rMonday."), False),
    ("nul.csv", _csv(_kickoff()).replace("orphan", "orp\x00han"), False),
    ("open_quote_at_end.csv", _csv(_kickoff()) + '"Open","body\r\nmore', False),
    ("open_quote_last_cell.csv", _csv(_kickoff())[:-3] + "\r\nmore\r\n", False),
    ("rows_inside_a_cell.csv", _csv(_kickoff()).replace('"numbers, attached"', '"numbers\r\n' + "a," * 18 + 'b"'),
     False),
    ("quote_swallows_rows.csv", _csv(_kickoff()).replace('"numbers, attached"', '"numbers, attached'), False),
    ("stray_quote.csv", _csv(_kickoff(), quote_all=False).replace("orphan", 'orp"han'), False),
    ("text_after_quote.csv", _csv(_kickoff()).replace('"orphan"', '"orp"han'), False),
    ("semicolons.csv", _csv(_kickoff()).replace('","', '";"'), False),
    ("tabs.csv", _csv(_kickoff()).replace('","', '"\t"'), False),
    ("multiline_header.csv", _csv(_kickoff()).replace('"Billing Information"', '"Billing\r\nInformation"'), False),
    ("preamble.csv", "Exported from Outlook\r\n" + _csv(_kickoff()), False),
    ("double_bom.csv", "\ufeff\ufeff" + _csv(_kickoff()), False),
]

_BINARY_CASES: list[tuple[str, bytes, bool]] = [
    ("cp1252.csv", _csv(_kickoff()).replace("Kim Lee", "Kim L\u00e9e \u2019O").encode("cp1252"), False),
    ("utf16.csv", _csv(_kickoff()).encode("utf-16"), False),
    ("one_stray_byte.csv", _csv(_kickoff()).encode("utf-8").replace(b"orphan", b"orph\xe9n"), False),
    ("binary.csv", _csv(_kickoff()).encode("utf-8") + bytes(range(32)) * 300, False),
]


@pytest.mark.parametrize(("name", "content", "fast"), CASES + _BINARY_CASES, ids=[c[0] for c in CASES + _BINARY_CASES])
def test_generated_files_read_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                    content: str | bytes, fast: bool) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert _same(path, monkeypatch) is fast


def test_large_clean_file_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At the default threshold a large clean export is read by polars (the test fails if it always fell back)."""
    rows = _random_rows(11, 200) * 40
    text = _csv(rows)
    assert len(text.encode()) >= outlook_csv.FAST_PATH_MIN_BYTES
    path = tmp_path / "Inbox.csv"
    path.write_text(text, encoding="utf-8-sig")
    out = FileCollector(str(path), "mail.outlook_csv")
    assert _parse_spied(path, monkeypatch, out) == ([True], None)
    assert out.report.used > 0
    assert _same(path, monkeypatch)


def test_a_small_file_is_read_row_by_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "Inbox.csv"
    path.write_text(_csv(_kickoff()), encoding="utf-8")
    (_, taken) = _outcome(path, False, monkeypatch)
    assert not taken
