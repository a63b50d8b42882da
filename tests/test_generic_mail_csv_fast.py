"""The vectorised reader of a [generic_mail_csv] mail log gives exactly what its row-by-row reader gives: the
collector's frames (records, messages with their keys, rejects), the counts, reasons, notes and owner hints, for
the fixtures and for generated files of every mapping and quirk (a spreadsheet's, a damaged file's); and it is
taken for a large plain file (else it would be proven identical by never running)."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail import generic_csv as gc
from analyzer.ingest.mail.generic_csv import generic_mail_csv_parser
from tests.conftest import FIXTURES
from tests.fastpath_kit import read_outcome, same_both_ways

KIND = "mail.generic_csv"

#: The fixture of tests/test_mail.py and its mapping.
FIXTURE_MAPPINGS = {
    "mail/generic_mail.csv": [
        {"date": "Sent On", "from": "sender", "to": "Recipients", "cc": "Copy", "thread": "Conversation",
         "message_id": "Internet Message ID"},
        {"from": "Sender", "to": "Recipients", "cc": "Copy"},
        {"date": "Sent On", "from": "Sender", "bcc": "Copy", "thread": "Internet Message ID"},
    ],
}


def _input(path: Path) -> InputFile:
    return InputFile(display=str(path), name=path.name, size=path.stat().st_size, path=path)


def _read(path: Path, mapping: dict[str, str], *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, bool]:
    return read_outcome(gc, "_fast_generic", generic_mail_csv_parser(mapping).parse, path, KIND, fast=fast,
                        monkeypatch=monkeypatch, offset=5)


def _same(path: Path, mapping: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> bool:
    """Assert that both readers give the same for ``path``; return whether the fast path was taken."""
    return same_both_ways(lambda fast: _read(path, mapping, fast=fast, monkeypatch=monkeypatch))


@pytest.mark.parametrize(("name", "k"), [(n, k) for n, ms in FIXTURE_MAPPINGS.items() for k in range(len(ms))])
def test_fixture_read_the_same(name: str, k: int, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _same(FIXTURES / name, FIXTURE_MAPPINGS[name][k], monkeypatch)  # (plain: read fast)


def test_the_fixtures_are_all_here() -> None:
    """Every fixture a generic mail CSV test reads is compared above."""
    named = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*generic*") if p.is_file()}
    assert named <= set(FIXTURE_MAPPINGS)


# ---- generated mail logs ---------------------------------------------------------------------------------------

_PEOPLE = ["Ann Able <ann@able.example>", "Bob <bob@b.example>", "\"Smith, Jane\" <jane@corp.example>",
           "Smith, Jane <jane@corp.example>", "Jörg Weiß <joerg@example.de>", "noreply@github.com",
           "Ann Other <ANN@able.example>", "Mail Delivery System", "", "'Team' via Group <group@g.example>",
           "Owner <me@example.com>", "Zoë <zoe@x.example>", "=?UTF-8?B?w4lsaWU=?= <e@x.example>",
           "bob@b.example", "<carol@c.example>", "Dan \"The Man\" <dan@d.example>", "O'Brien <o'brien@x.example>",
           "  Padded   Name  <pad@x.example> ", "news@mailer.shop.example", "carol@c.example (Carol)"]
_LISTS = [*_PEOPLE, "Ann Able <ann@able.example>, Bob <bob@b.example>",
          "Bob <bob@b.example>; Ann Able <ann@able.example>",
          "Owner <me@example.com>, Smith, Jane <jane@corp.example>, Bob <bob@b.example>, bob@b.example",
          "ann@able.example, Ann Able <ann@able.example>", "undisclosed-recipients:;", "a@x.example;b@x.example;",
          "Last, First <lf@x.example>; Other, Name <on@x.example>", "ann@able.example;bob@b.example,carol@c.example"]
_DATES = ["2024-02-12 21:08", "2024-02-12 21:08:07", "2024-02-12T21:08:07", "2024/02/12 21:08", "2024-02-12",
          "2024-02-30 10:00", "2024-02-12 24:00", "2024-02-12 23:59:60", "1969-12-31 23:59", "2101-01-01 00:00",
          "2024-02-12 21:08 +01:00", "2024-02-12T21:08:07Z", "2024-02-12 21:08:07.250", " 2024-02-12 21:08 ",
          "2024-02-12t21:08", "3/27/2020 15:26", "3/27/2020 3:26 PM", "12/01/2021", "Fri, 27 Mar 2020 15:26:00 +0100",
          "", "not a date", "March 1, 2024 10:00 PM", "2024-13-01 10:00", "٢٠٢٤-٠٢-١٢ 10:00", "2024-2-12 10:00"]
_DAY_FIRST = ["29/11/2022 08:00", "03/11/2022 08:00", "2022-11-30 09:00", "01/02/2023", "31/12/2022 23:59"]
_SUBJECTS = ["Lunch", "Re: lunch", "", "  spaced   out  ", "tab\there", "Quote \"this\"", "comma, inside",
             "semi; colon", "Ünïcödé", "line\u2028sep", "x" * 300, "two\nlines", "three\r\nline\r\nbreaks"]
_MIDS = ["<g1@example.com>", "g2@example.com", "", " <g3@example.com> ", "<a@x> <b@y>", "<>", "<g1@example.com>",
         "x"]
_THREADS = ["c-1", "", "  spaced  thread ", "c-2", "\u200bzero", "z" * 1100]

#: (header names in the file's order, the mapping)
MAPPINGS: dict[str, tuple[list[str], dict[str, str]]] = {
    "everything": (["Conversation", "Sent On", "Sender", "Recipients", "Copy", "Blind", "Message ID", "Subject"],
                   {"date": "Sent On", "from": "Sender", "to": "Recipients", "cc": "Copy", "bcc": "Blind",
                    "thread": "Conversation", "message_id": "Message ID"}),
    "benchmark_shape": (["Sent", "Sender", "Recipients", "Copy"],
                        {"date": "Sent", "from": "Sender", "to": "Recipients", "cc": "Copy"}),
    "no_date": (["From", "To", "Subject", "Size"], {"from": "from", "to": "TO"}),
    "only_from": (["Size", "Who", "Subject", "Notes"], {"from": "Who"}),
    "bcc_and_thread": (["Thread", " sender ", "BCC", "When", "Subject", "Notes"],
                       {"date": "When", "from": "Sender", "bcc": "bcc", "thread": "Thread"}),
    "three_columns": (["Sent", "Sender", "Recipients"], {"date": "Sent", "from": "Sender", "to": "Recipients"}),
    "two_columns": (["From", "Date"], {"from": "From", "date": "Date"}),
    # (one column for two fields: the recipients twice, the date as the thread, the subject as the Message-ID)
    "shared_columns": (["Sent On", "Sender", "Recipients", "Subject"],
                       {"date": "Sent On", "thread": "sent on", "from": "Sender", "to": "Recipients",
                        "cc": "RECIPIENTS", "message_id": "Subject"}),
    "message_ids": (["Internet Message ID", "Date", "From", "To", "CC"],
                    {"date": "Date", "from": "From", "to": "To", "cc": "CC", "message_id": "Internet Message ID"}),
}


def _q(cell: str, quote: bool, delimiter: str) -> str:
    """A cell as a CSV writer writes it (quoted when needed, or always)."""
    if quote or any(ch in cell for ch in f'{delimiter}"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _value(column: str, rng: random.Random, dates: list[str]) -> str:
    col = column.strip().lower()
    if col in ("sender", "from", "who"):
        return rng.choice(_PEOPLE)
    if col in ("recipients", "copy", "blind", "to", "cc", "bcc"):
        return rng.choice(_LISTS) if rng.random() < 0.8 else ""
    if col in ("sent on", "sent", "when", "date"):
        return rng.choice(dates)
    if col == "subject":
        return rng.choice(_SUBJECTS)
    if col in ("message id", "internet message id"):
        return rng.choice(_MIDS)
    if col in ("conversation", "thread"):
        return rng.choice(_THREADS)
    if col == "notes":
        return rng.choice(["", "a note", "multi\nline, note", "row-like\n1,2,3"])
    return str(rng.randrange(100000))


def _log(rng: random.Random, n: int, header: list[str], *, delimiter: str = ",", eol: str = "\r\n",
         quote: bool = False, dates: list[str] | None = None, duplicates: bool = False, flat: bool = False) -> str:
    """A mail log of ``n`` random rows under ``header`` (``flat``: no line break inside a cell)."""
    lines = [delimiter.join(_q(h, quote, delimiter) for h in header)]
    rows: list[str] = []
    for i in range(n):
        if duplicates and rows and rng.random() < 0.2 and i < n - 1:
            rows.append(rng.choice(rows))
            continue
        values = [_value(h, rng, dates or _DATES) for h in header]
        if flat:
            values = [v.replace("\r", " ").replace("\n", " ") for v in values]
        if i == n - 1:  # (a line break in the very last cell is read row by row: see thunderbird_csv._fast_rows)
            values[-1] = values[-1].replace("\r", "").replace("\n", " ")
        rows.append(delimiter.join(_q(v, quote, delimiter) for v in values))
    return eol.join(lines + rows) + eol


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


SHAPES: dict[str, dict[str, Any]] = {
    "clean_crlf": {},
    "clean_lf": {"eol": "\n"},
    "always_quoted": {"quote": True},
    "semicolon": {"delimiter": ";"},
    "tab": {"delimiter": "\t"},
    "day_first": {"dates": _DAY_FIRST},
    "duplicates": {"duplicates": True},
}


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("mapping", list(MAPPINGS))
def test_generated_read_the_same(mapping: str, shape: str, seed: int, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(f"{mapping}-{shape}-{seed}")
    header, fields = MAPPINGS[mapping]
    name = "Sent.csv" if seed == 1 else "log.csv"  # (a Sent folder's file: every sender is the owner)
    text = _log(rng, 300, header, **SHAPES[shape])
    taken = _same(_write(tmp_path, name, text), fields, monkeypatch)
    # all plain, read fast; but a row of blank cells (in a file of two or three columns) is skipped by the csv
    # module: such a file is read row by row
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=SHAPES[shape].get("delimiter", ","))
    assert taken == all("".join(row).strip() for row in rows)


def _body(rng: random.Random, n: int = 60) -> list[str]:
    header, _ = MAPPINGS["everything"]
    return _log(rng, n, header, flat=True).split("\r\n")[:-1]  # (one line a row: lines are inserted between)


_HEADER_LINE = "Conversation,Sent On,Sender,Recipients,Copy,Blind,Message ID,Subject"
ROW = "c-9,2024-02-12 21:08,Bob <bob@b.example>,me@example.com,,,,hi"

ODD = {
    # (text, whether the fast path reads it)
    "repeated_header": (lambda r: "\r\n".join([*_body(r)[:30], _HEADER_LINE, *_body(r)[1:]]) + "\r\n", True),
    "repeated_header_other_case": (lambda r: "\r\n".join([*_body(r)[:30], _HEADER_LINE.upper() + ",,",
                                                          *_body(r)[1:]]) + "\r\n", False),
    "repeated_header_spaced": (lambda r: "\r\n".join([*_body(r)[:30], _HEADER_LINE.replace(",", " , "),
                                                      *_body(r)[1:]]) + "\r\n", True),
    "type_line": (lambda r: "\r\n".join([*_body(r)[:30], "#TYPE Selected.Object,,,,,,,", *_body(r)[1:]]) + "\r\n",
                  True),
    "first_cell_like_the_header": (lambda r: "\r\n".join([*_body(r)[:5], "CONVERSATION,,x@y.example,,,,,",
                                                          " conversation ,2024-01-01,,,,,,", *_body(r)[5:]]) + "\r\n",
                                   True),
    "ragged_row": (lambda r: "\r\n".join([*_body(r)[:30], "c-9,2024-02-12 21:08,Bob <bob@b.example>",
                                          *_body(r)[30:]]) + "\r\n", False),
    "long_row": (lambda r: "\r\n".join([*_body(r)[:30], ROW + ",,x", *_body(r)[30:]]) + "\r\n", False),
    "trailing_empty_cells": (lambda r: "\r\n".join([*_body(r)[:30], ROW + ",,", *_body(r)[30:]]) + "\r\n", False),
    "blank_lines": (lambda r: "\r\n".join([*_body(r)[:5], "", *_body(r)[5:], "", ""]) + "\r\n", False),
    "blank_cells_row": (lambda r: "\r\n".join([*_body(r)[:5], " , , , , , , , ", *_body(r)[5:]]) + "\r\n", False),
    "lone_cr": (lambda r: "\r\n".join([*_body(r)[:5], ROW.replace("hi", "h\ri"), *_body(r)[5:]]) + "\r\n", False),
    "lone_cr_quoted": (lambda r: "\r\n".join([*_body(r)[:5], ROW.replace("hi", '"h\ri"'), *_body(r)[5:]]) + "\r\n",
                       False),
    "stray_quote": (lambda r: "\r\n".join([*_body(r)[:5], ROW.replace("hi", 'h"i'), *_body(r)[5:]]) + "\r\n", False),
    "quote_left_open": (lambda r: "\r\n".join([*_body(r)[:5], ROW.replace("hi", '"hi'), *_body(r)[5:]]) + "\r\n",
                        False),
    "row_inside_a_cell": (lambda r: "\r\n".join([*_body(r)[:5], ROW.replace("hi", '"quoted:\r\n' + ROW + '"'),
                                                 *_body(r)[5:]]) + "\r\n", False),
    "break_in_last_cell": (lambda r: "\r\n".join([*_body(r), ROW.replace("hi", '"x\r\ny"')]) + "\r\n", False),
    "no_final_line_break": (lambda r: "\r\n".join(_body(r)), True),
    "header_only": (lambda r: _HEADER_LINE + "\r\n", True),
    "preamble_line": (lambda r: "My mail log\r\n" + "\r\n".join(_body(r)) + "\r\n", False),
    "leading_blank_line": (lambda r: "\r\n" + "\r\n".join(_body(r)) + "\r\n", False),
    "header_with_a_line_break": (lambda r: '"Conver\r\nsation",' + "\r\n".join(_body(r))[13:] + "\r\n", False),
    "bom": (lambda r: "\ufeff" + "\r\n".join(_body(r)) + "\r\n", True),
    "every_row_rejected": (lambda r: _HEADER_LINE + "\r\n" + "c,2024-01-01,Mail Delivery System,a@b.example,,,,\r\n" * 20
                           + "c,someday,Bob <bob@b.example>,a@b.example,,,,\r\n" * 20, True),
    "same_person_sends_and_receives": (lambda r: _HEADER_LINE + "\r\n"
                                       + "c,2024-01-01,Bob <bob@b.example>,Bob <bob@b.example>,bob@b.example,,,\r\n"
                                       + "c,2024-01-02,Ann <ann@a.example>,Bob <bob@b.example>,,Ann <ann@a.example>,,\r\n"
                                       * 5, True),
}


@pytest.mark.parametrize("name", ["log.csv", "Sent Items.csv"])
@pytest.mark.parametrize("case", list(ODD))
def test_odd_files_read_the_same(case: str, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make, plain = ODD[case]
    path = _write(tmp_path, name, make(random.Random(case)))
    taken = _same(path, MAPPINGS["everything"][1], monkeypatch)
    assert taken == plain, "an unusual file must be left to the row-by-row reader, a plain one read fast"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_other_encodings_read_the_same(encoding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    header, fields = MAPPINGS["everything"]
    text = _log(random.Random(encoding), 200, header)
    text = "".join(ch for ch in text if ch.encode(encoding, errors="ignore"))
    path = _write(tmp_path, "log.csv", text, encoding)
    _same(path, fields, monkeypatch)  # (the decoded text is read: the fast path may read them too)


def test_one_stray_cp1252_byte_in_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    header, fields = MAPPINGS["everything"]
    data = _log(random.Random(7), 200, header).encode("utf-8") + \
        "c-1,2024-01-01 10:00,Caf\xe9 <cafe@x.example>,me@example.com,,,,Caf\xe9\r\n".encode("latin-1")
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    assert _same(path, fields, monkeypatch)


def test_random_mixtures_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small random files of every option at once; most are plain (read fast), some not."""
    n_fast = 0
    for seed in range(40):
        rng = random.Random(seed)
        header, fields = MAPPINGS[rng.choice(list(MAPPINGS))]
        opts: dict[str, Any] = {"delimiter": rng.choice([",", ";", "\t"]), "eol": rng.choice(["\r\n", "\n"]),
                                "quote": rng.random() < 0.3, "duplicates": rng.random() < 0.3,
                                "dates": _DAY_FIRST if rng.random() < 0.3 else _DATES}
        text = _log(rng, rng.randrange(1, 40), header, **opts)
        if rng.random() < 0.2:  # a damaged line somewhere
            lines = text.split(opts["eol"])
            lines.insert(rng.randrange(1, len(lines)), rng.choice(['"open', "", "x;y", '"a""b"']))
            text = opts["eol"].join(lines)
        n_fast += _same(_write(tmp_path, f"{seed}.csv", text), fields, monkeypatch)
    assert n_fast >= 15


_ODD_CHARS = ['"', ",", ";", "\t", "\n", "\r\n", " ", "a", "@", "<", ">", "x.y", "\u2028", "\x1c", "\xa0", "é",
              "2024-02-12 21:08", "3/27/2020", "'", "Sender"]


def test_adversarial_cells_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random cells of quotes, delimiters, line breaks and odd blanks, written as a CSV writer would (and now
    and then a raw row), in files of four, three and two columns: whatever the fast path reads, it reads as the
    rows do."""
    shapes = ["benchmark_shape", "three_columns", "two_columns"]
    n_fast = 0
    for seed in range(240):
        rng = random.Random(seed)
        header, fields = MAPPINGS[shapes[seed % 3]]
        width = len(header)

        def cell(rng: random.Random = rng) -> str:
            return "".join(rng.choice(_ODD_CHARS) for _ in range(rng.randrange(0, 6)))

        lines = [",".join(header)]
        for _ in range(rng.randrange(1, 8)):
            if rng.random() < 0.9:
                lines.append(",".join(_q(cell(), rng.random() < 0.5, ",") for _ in range(width)))
            else:
                lines.append(",".join(cell() for _ in range(rng.randrange(1, width + 2))))
            if rng.random() < 0.4:
                good = [rng.choice(["2024-02-12 21:08", "29/11/2022 1:00", cell()]),
                        _q(rng.choice(["Bob <bob@b.example>", "x@y.z", cell()]), True, ","),
                        _q(cell() + "a@b.example", True, ","), _q(cell(), False, ",")]
                lines.append(",".join(good[:width]))
        text = rng.choice(["\r\n", "\n"]).join(lines) + rng.choice(["", "\n", "\r\n"])
        n_fast += _same(_write(tmp_path, f"{seed}.csv", text), fields, monkeypatch)
    assert n_fast >= 90, n_fast  # (105 of the 240 when written)


def test_a_large_plain_log_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real threshold: a clean log above it is read by polars (and the same), one below by rows."""
    header, fields = MAPPINGS["everything"]
    big = _write(tmp_path, "big.csv", _log(random.Random(1), 12_000, header, duplicates=True))
    assert big.stat().st_size >= gc.FAST_PATH_MIN_BYTES
    calls: list[bool] = []
    real = gc._fast_generic

    def spy(*args: Any) -> bool:
        calls.append(real(*args))
        return calls[-1]

    monkeypatch.setattr(gc, "_fast_generic", spy)
    parser = generic_mail_csv_parser(fields)
    parser.parse(_input(big), FileCollector(str(big), KIND))
    assert calls == [True]
    small = _write(tmp_path, "small.csv", _log(random.Random(1), 10, header))
    parser.parse(_input(small), FileCollector(str(small), KIND))
    assert calls == [True]  # not tried
    monkeypatch.undo()
    assert _same(big, fields, monkeypatch)


def test_the_fast_path_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison fails when the fast path gives something else (here: one message key changed)."""
    header, fields = MAPPINGS["benchmark_shape"]
    path = _write(tmp_path, "log.csv", _log(random.Random(3), 50, header))
    real = gc.stable_keys

    def wrong(texts: pl.Series) -> list[str]:
        keys = real(texts)
        return ["0" * 24, *keys[1:]]

    monkeypatch.setattr(gc, "stable_keys", wrong)
    with pytest.raises(AssertionError):
        _same(path, fields, monkeypatch)
