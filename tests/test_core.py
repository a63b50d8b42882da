"""Core mechanics: decoding, dates, input discovery and archive safety, CSV neutralisation, config."""

from __future__ import annotations

import subprocess
import sys
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.config import load_config
from analyzer.errors import InputError
from analyzer.ingest.dates import day_first_dates, parse_datetime
from analyzer.ingest.inputs import discover
from analyzer.ingest.text import decode, detect_encoding, read_table
from analyzer.normalize import canonical_linkedin_url, normalize_email
from analyzer.report.csvsafe import to_csv_frame


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-12-16 18:24:37 UTC", datetime(2024, 12, 16, 18, 24, 37, tzinfo=UTC)),
        ("10/16/18, 8:36 AM", datetime(2018, 10, 16, 8, 36, tzinfo=UTC)),
        ("3/7/26, 1:07 PM", datetime(2026, 3, 7, 13, 7, tzinfo=UTC)),
        ("12/1/26, 12:05 AM", datetime(2026, 12, 1, 0, 5, tzinfo=UTC)),
        ("16 Dec 2024", datetime(2024, 12, 16, tzinfo=UTC)),
        ("14-Feb-22", datetime(2022, 2, 14, tzinfo=UTC)),
        ("4-Feb-22", datetime(2022, 2, 4, tzinfo=UTC)),
        ("2022/09/10 10:00:00 UTC", datetime(2022, 9, 10, 10, tzinfo=UTC)),
        ("2024-12-16 18:24:37 utc", datetime(2024, 12, 16, 18, 24, 37, tzinfo=UTC)),  # a script's lower case
        ("2022-11-29t05:35:08z", datetime(2022, 11, 29, 5, 35, 8, tzinfo=UTC)),
        ("Jun 2018", datetime(2018, 6, 1, tzinfo=UTC)),
        ("2018", datetime(2018, 1, 1, tzinfo=UTC)),
        ("Tue, 08 Aug 2023 12:36:28 GMT", datetime(2023, 8, 8, 12, 36, 28, tzinfo=UTC)),
        ("Thu, 30 Jun 2016 14:22:39 +0200 (CEST)", datetime(2016, 6, 30, 12, 22, 39, tzinfo=UTC)),
        ("2022-11-29T05:35:08.2652371", datetime(2022, 11, 29, 5, 35, 8, tzinfo=UTC)),
        ("2022-11-29T05:35:08+02:00", datetime(2022, 11, 29, 3, 35, 8, tzinfo=UTC)),
        # a month in words or an ISO day, then a 12-hour time: PM was dropped (10 PM read as 10:00)
        ("March 1, 2024 10:00 PM EST", datetime(2024, 3, 2, 3, tzinfo=UTC)),
        ("Mar 1, 2024, 10:00:00 PM", datetime(2024, 3, 1, 22, tzinfo=UTC)),
        ("Friday, March 1, 2024 10:00 PM", datetime(2024, 3, 1, 22, tzinfo=UTC)),
        ("Friday, 1 March 2024 at 22:00", datetime(2024, 3, 1, 22, tzinfo=UTC)),
        ("1-Mar-2024 10:00 PM", datetime(2024, 3, 1, 22, tzinfo=UTC)),
        ("Mar 1 2024 10:00PM", datetime(2024, 3, 1, 22, tzinfo=UTC)),  # (was none)
        ("2024-03-01 10:00 PM", datetime(2024, 3, 1, 22, tzinfo=UTC)),  # (was none)
        ("Sept 3, 2024 9:05 a.m.", datetime(2024, 9, 3, 9, 5, tzinfo=UTC)),
        ("Mar 1, 2024 12:30 AM PST", datetime(2024, 3, 1, 8, 30, tzinfo=UTC)),
        ("Mar 1, 2024 12:30 PM", datetime(2024, 3, 1, 12, 30, tzinfo=UTC)),
        ("1 March 2024 22:00", datetime(2024, 3, 1, 22, tzinfo=UTC)),
        ("Fri, 1 Mar 2024 22:00:00 +0100", datetime(2024, 3, 1, 21, tzinfo=UTC)),
        ("Mar 1, 2024 13:30 PM", None),
        ("Mayday 1, 2024 10:00", None),
        ("Fri, 1 Mar 2024 22:00:00 +9999", datetime(2024, 3, 1, 22, tzinfo=UTC)),  # no place's offset: as UTC
        ("2024-03-01 22:00 +25:00", datetime(2024, 3, 1, 22, tzinfo=UTC)),
        ("31 Feb 2024", None),
        ("13/45/22, 9:00 AM", None),
        ("0001-01-01 00:00:00 UTC", None),
        ("", None),
        ("not a date", None),
    ],
)
def test_parse_datetime(raw: str, expected: datetime | None) -> None:
    assert parse_datetime(raw) == expected


def test_text_dates_read_a_long_run_of_blanks_in_one_pass() -> None:
    """A run of blanks before something that is neither AM/PM nor a zone made the clock's regex try every split
    of the run (200,000 blanks: minutes); each run of blanks now belongs to what follows it. (No timing asserted:
    the former pattern does not finish on these values.)"""
    from analyzer.ingest.dates import _TEXT_DT

    for value in ("Mar 1, 2024 10:00" + " " * 20_000 + "PM x", "1 Mar 2024 10:00 PM" + " \t" * 10_000 + "x"):
        assert all(rx.match(value) is None for _, rx in _TEXT_DT)
        assert parse_datetime(value) in (None, datetime(2024, 3, 1, 10, tzinfo=UTC))  # (the mail parser's guess)


@pytest.mark.parametrize(("raw", "day_first", "expected"), [
    ("16/12/2024", True, datetime(2024, 12, 16, tzinfo=UTC)),  # a European spreadsheet's re-save
    ("16/12/2024", False, None),  # LinkedIn's order: no 16th month
    ("05/12/2024", True, datetime(2024, 12, 5, tzinfo=UTC)),
    ("05/12/2024", False, datetime(2024, 5, 12, tzinfo=UTC)),
    ("16.12.2024", False, datetime(2024, 12, 16, tzinfo=UTC)),  # dots are day first wherever they are written
    ("10.01.2025 10:00", False, datetime(2025, 1, 10, 10, tzinfo=UTC)),
    ("10/01/2025 10:00", True, datetime(2025, 1, 10, 10, tzinfo=UTC)),
    ("16/12/24, 1:07 PM", True, datetime(2024, 12, 16, 13, 7, tzinfo=UTC)),
    ("16 Dec 2024", True, datetime(2024, 12, 16, tzinfo=UTC)),  # month names are not affected
    ("2024-12-16 18:24:37 UTC", True, datetime(2024, 12, 16, 18, 24, 37, tzinfo=UTC)),
    ("12.5/2024", True, None),  # mixed separators: not a date
])
def test_parse_datetime_day_first(raw: str, day_first: bool, expected: datetime | None) -> None:
    assert parse_datetime(raw, day_first) == expected


@pytest.mark.parametrize(("cells", "expected"), [
    (["16/12/2024", "03/02/2024"], True),  # a 16th day: the column is day first, 03/02 is February 3
    (["12/16/2024", "03/02/2024"], False),  # a 16th month cannot be: LinkedIn's month first
    (["03/02/2024", "01/01/2025"], False),  # cannot tell: read as LinkedIn writes them
    (["16/12/2024", "12/16/2024"], False),  # contradictory: as LinkedIn writes them (the other row is rejected)
    (["16 Dec 2024", "", None], False),
], ids=["day_first", "month_first", "undecided", "contradictory", "no_numeric_dates"])
def test_day_first_dates(cells: list[str | None], expected: bool) -> None:
    assert day_first_dates(cells) is expected


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbfa,b\n", "utf-8-sig"),
        ("a,b\n".encode("utf-16"), "utf-16"),
        ("a,b\n".encode("utf-16-le"), "utf-16-le"),
        ("a,b\n".encode("utf-16-be"), "utf-16-be"),
        (b"a,b\n", "utf-8"),
    ],
)
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


def test_decode_cp1252_and_binary() -> None:
    assert decode(b"O\x92Brien,x\n", "f.csv") == "O\u2019Brien,x\n"
    with pytest.raises(InputError, match=r"^f\.bin: is binary data"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "f.bin")


def _text_with_nuls(where: list[int], run: int = 1) -> bytes:
    """A CSV of 8 KiB or more with ``run`` NUL bytes at each offset of ``where``."""
    data = bytearray(b"".join(b"Ann Lee,ann@example.com,Acme Corp,Engineer %d\n" % i for i in range(200)))
    for at in sorted(where, reverse=True):
        data[at:at] = b"\x00" * run
    return bytes(data)


@pytest.mark.parametrize(("data", "binary"), [
    (_text_with_nuls([]), False),
    (_text_with_nuls([100]), False),
    (_text_with_nuls(list(range(300, 7000, 580))), False),  # 12 stray NULs (the whole file was refused)
    (_text_with_nuls([2000], run=4096), False),  # a block of zeros a crash left in the text
    (b"\x00" * 8192, True),
    (zlib.compress(_text_with_nuls([]) * 8, 9), True),
    (bytes(range(256)) * 32, True),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\xb0" + bytes(8000), True),
], ids=["text", "one_nul", "twelve_stray_nuls", "zero_block", "zeros", "deflate", "all_bytes", "png_head"])
def test_looks_binary(data: bytes, binary: bool) -> None:
    from analyzer.ingest.text import looks_binary

    assert looks_binary(data) is binary


def test_read_table_skips_preamble_and_counts_lines() -> None:
    text = 'Notes:\n"long note, with comma"\n\nFirst Name,Last Name\nAda,"Love\nlace"\nBob,Smith\n'
    t = read_table(text, "c.csv", is_header=lambda k: bool(k) and k[0] == "FIRST NAME")
    assert t.header_line == 4
    assert t.keys == ["FIRST NAME", "LAST NAME"]
    assert list(t.rows()) == [(5, ["Ada", "Love\nlace"]), (7, ["Bob", "Smith"])]


def test_read_table_tab_utf16() -> None:
    raw = '"Endorsement Date"\t"Skill Name"\n"2022/09/10 10:00:00 UTC"\t"Python"\n'.encode("utf-16")
    t = read_table(decode(raw, "e.csv"), "e.csv")
    assert t.delimiter == "\t"
    assert list(t.rows()) == [(2, ["2022/09/10 10:00:00 UTC", "Python"])]


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://www.linkedin.com/in/j%C3%BCrgen-m", "https://www.linkedin.com/in/jürgen-m"),
        ("www.linkedin.com/in/Jane-Doe/", "https://www.linkedin.com/in/jane-doe"),
        ("http://uk.linkedin.com/in/jane?trk=x", "https://www.linkedin.com/in/jane"),
        ("https://www.linkedin.com/in/jürgen-m", "https://www.linkedin.com/in/jürgen-m"),
        ("https://www.linkedin.com/in/ju\u0308rgen-m", "https://www.linkedin.com/in/jürgen-m"),  # decomposed (NFD)
        ("https://www.linkedin.com/in/ju%CC%88rgen-m", "https://www.linkedin.com/in/jürgen-m"),
        ("urn:li:member:12345", None),
        ("https://example.com/in/x", None),
        ("https://evil.example/?linkedin.com/in/victim", None),  # LinkedIn named only in another host's query
        ("javascript:alert(1)//linkedin.com/in/x", None),
        ("https://linkedin.com.evil.example/in/x", None),
        ("LinkedIn: <https://www.linkedin.com/in/Ann>", "https://www.linkedin.com/in/ann"),
        ("https://www.linkedin.com/mwlite/in/ann", "https://www.linkedin.com/in/ann"),
        ("", None),
    ],
)
def test_canonical_linkedin_url(raw: str, url: str | None) -> None:
    assert canonical_linkedin_url(raw) == url


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("J.Smith+news@GoogleMail.com", "jsmith@gmail.com"),
        ("john.smith@acme.com", "john.smith@acme.com"),
        ("bob+x@outlook.com", "bob@outlook.com"),
        ("a+b@yahoo.com", "a+b@yahoo.com"),
        ("<Ann@Me.com>", "ann@icloud.com"),
        ("not an address", None),
    ],
)
def test_normalize_email(raw: str, key: str | None) -> None:
    assert normalize_email(raw) == key


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_discover_zip_nested_and_skips_clutter(tmp_path: Path) -> None:
    z = _zip(tmp_path / "Complete_LinkedInDataExport_07-05-2026.zip.zip",
             {"Export/Export/Connections.csv": b"x", "__MACOSX/._Connections.csv": b"y", ".DS_Store": b"z"})
    found = discover([z])
    assert [f.name for f in found.files] == ["Connections.csv"]
    assert found.files[0].display.endswith("!Export/Export/Connections.csv")
    assert found.files[0].read_bytes() == b"x"


def test_zip_member_paths_are_never_extracted(tmp_path: Path) -> None:
    z = _zip(tmp_path / "evil.zip", {"../../outside.csv": b"a,b\n1,2\n"})
    found = discover([z])
    assert found.files[0].read_bytes() == b"a,b\n1,2\n"
    assert not (tmp_path.parent / "outside.csv").exists()


def test_zip_bomb_is_refused_quickly(tmp_path: Path) -> None:
    z = _zip(tmp_path / "bomb.zip", {"messages.csv": b"\0" * (300 * 1024 * 1024)})
    assert z.stat().st_size < 1024 * 1024
    with pytest.raises(InputError, match="absurd"):
        discover([z])


def test_truncated_zip_is_an_input_error(tmp_path: Path) -> None:
    good = _zip(tmp_path / "good.zip", {"a.csv": b"x" * 1000})
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(good.read_bytes()[:40])
    with pytest.raises(InputError, match=r"truncated\.zip: not a readable zip archive"):
        discover([bad])


def test_missing_input_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        discover([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="folder contains no files"):
        discover([tmp_path / "empty"])


def test_csv_cells_are_neutralised_but_numbers_kept() -> None:
    df = pl.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1 boss", "@SUM(A1)", "-cmd", "\tx", "Ann", "-12.5", None],
                       "n": [-1, 2, 3, 4, 5, 6, 7, 8]})
    out = to_csv_frame(df)
    assert out["name"].to_list() == ["'=HYPERLINK(\"x\")", "'+1 boss", "'@SUM(A1)", "'-cmd", "'\tx", "Ann", "-12.5", None]
    assert out["n"].to_list()[0] == "-1"


def test_config_errors(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[scoring\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid TOML"):
        load_config(p)
    p.write_text("[colour]\nx = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown section"):
        load_config(p)
    p.write_text("[identity]\nsame = [[\"a@x.com\", \"b@y.com\"]]\n", encoding="utf-8")
    assert load_config(p).identity == {"same": [["a@x.com", "b@y.com"]]}


def test_config_that_cannot_be_read_is_an_input_error_naming_it(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"  # (was "internal error (RecursionError ...)")
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(deep)
    assert str(err.value) == f"{deep}: invalid TOML (nested too deeply)"
    folder = tmp_path / "config.toml"  # (the notebook API: was a bare IsADirectoryError)
    folder.mkdir()
    with pytest.raises(InputError) as err:
        load_config(folder)
    assert str(err.value) == f"{folder}: config file cannot be read (Is a directory)"
    res = CliRunner().invoke(main, ["analyze", str(tmp_path), "--config", str(deep)])
    assert res.exit_code == 1 and res.output.strip() == f"Error: {deep}: invalid TOML (nested too deeply)"


def test_config_file_is_read_up_to_a_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `--config /dev/zero` (or a file that is no config) was read whole: it filled the memory
    import analyzer.config

    monkeypatch.setattr(analyzer.config, "MAX_CONFIG_CHARS", 1000, raising=False)
    big = tmp_path / "big.toml"
    big.write_text("# a comment\n" * 200 + "[scoring]\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(big)
    assert str(err.value) == f"{big}: config file is larger than 16 MB: not a configuration file"
    big.write_text("# a comment\n" * 50 + "[scoring]\r\ndormant_after_days = 10\r\n", encoding="utf-8")
    assert load_config(big).scoring == {"dormant_after_days": 10}


def test_owner_message_without_recipients_goes_to_the_thread(tmp_path: Path) -> None:
    """A LinkedIn row from the owner with an empty TO still becomes an event, for the thread's other person."""
    from analyzer.ingest import ingest
    from analyzer.owner import identify_owner, to_events

    f = tmp_path / "messages.csv"
    f.write_text(
        "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER\n"
        "c1,,Ann Lee,https://www.linkedin.com/in/ann,Me Owner,https://www.linkedin.com/in/me,2024-03-02 10:00:00 UTC,,hi,INBOX\n"
        "c1,,Me Owner,https://www.linkedin.com/in/me,,,2024-03-01 10:00:00 UTC,,hello,INBOX\n",
        encoding="utf-8",
    )
    ing = ingest([f])
    own = identify_owner(ing.records, ing.owner, ["https://www.linkedin.com/in/me"])
    ev = to_events(ing.messages, own).join(ing.records.select("record_id", "name"), on="record_id")
    assert sorted(zip(ev["name"], ev["direction"], strict=True)) == [("Ann Lee", "received"), ("Ann Lee", "sent")]


def test_generic_mail_csv_from_config(tmp_path: Path) -> None:
    """A mail log with the user's own column names is read through the [generic_mail_csv] mapping."""
    from datetime import date

    from analyzer.pipeline import analyze

    log_csv = tmp_path / "maillog.csv"
    log_csv.write_text(
        "Sent On,Sender,Recipients\n"
        "2024-01-02 10:00,Me <me@example.org>,Ann Lee <ann@lee.example>\n"
        "2024-01-03 11:00,Ann Lee <ann@lee.example>,me@example.org\n"
        "2024-01-04 11:00,,me@example.org\n",
        encoding="utf-8",
    )
    cfg = tmp_path / "reconnect.toml"
    cfg.write_text('[generic_mail_csv]\ndate = "Sent On"\nfrom = "Sender"\nto = "Recipients"\n', encoding="utf-8")
    a = analyze([log_csv], me=["me@example.org"], as_of=date(2024, 6, 1), config=cfg)
    ann = a.ranked.filter(pl.col("name") == "Ann Lee").row(0, named=True)
    assert (ann["messages_sent"], ann["messages_received"]) == (1, 1)
    assert a.ingested.rejects.select("line", "reason").rows() == [(4, a.ingested.rejects["reason"][0])]
    cfg.write_text('[generic_mail_csv]\nsubject = "Subject"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[generic_mail_csv\]"):
        analyze([log_csv], config=cfg)
    # the sender's column named as the recipients' too made every message its sender's to itself
    cfg.write_text('[generic_mail_csv]\nfrom = "Sender"\nto = "sender"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"'from' and 'to' name the same column"):
        analyze([log_csv], config=cfg)


def test_generic_mail_csv_bcc_and_missing_columns_named(tmp_path: Path) -> None:
    """[generic_mail_csv] reads a bcc column (your sent mail's hidden recipients); a CSV lacking a mapped column
    is named with the columns it lacks (it was "not a format reconnect reads"), given alone or in a folder."""
    from datetime import date

    from analyzer.pipeline import analyze

    folder = tmp_path / "logs"
    folder.mkdir()
    log_csv = folder / "maillog.csv"
    log_csv.write_text(
        "Sent On,Sender,Recipients,Blind\n"
        "2024-01-02 10:00,Me <me@example.org>,Ann Lee <ann@lee.example>,Bo Park <bo@park.example>\n"
        "2024-01-03 11:00,Bo Park <bo@park.example>,me@example.org,\n",
        encoding="utf-8",
    )
    cfg = tmp_path / "reconnect.toml"
    cfg.write_text('[generic_mail_csv]\ndate = "Sent On"\nfrom = "Sender"\nto = "Recipients"\nbcc = "Blind"\n',
                   encoding="utf-8")
    a = analyze([log_csv], me=["me@example.org"], as_of=date(2024, 6, 1), config=cfg)
    bo = a.ranked.filter(pl.col("name") == "Bo Park").row(0, named=True)
    assert (bo["messages_sent"], bo["messages_received"]) == (1, 1)
    cfg.write_text('[generic_mail_csv]\ndate = "Sent On"\nfrom = "Sender"\nto = "Recipients"\ncc = "Copy"\n',
                   encoding="utf-8")
    with pytest.raises(InputError, match=r"\[generic_mail_csv\] describes: its header has no column 'Copy' \(cc\)"):
        analyze([log_csv], config=cfg)
    (folder / "other.csv").write_text("Sent On,Subject\n2024-01-02,hello\n", encoding="utf-8")  # one column: no
    (folder / "more.csv").write_text("Sender,Recipients\nann@lee.example,me@example.org\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"contains no file .*maillog.csv: not the mail CSV .*'Copy' \(cc\)"):
        analyze([folder], config=cfg)
    cfg.write_text('[generic_mail_csv]\ndate = "Sent On"\nfrom = "Sender"\nto = "Recipients"\n', encoding="utf-8")
    a = analyze([folder], me=["me@example.org"], as_of=date(2024, 6, 1), config=cfg)
    assert sorted((Path(d).name, r) for d, r in a.ingested.skipped) == [
        ("more.csv", "not the mail CSV that [generic_mail_csv] describes: its header has no column 'Sent On' (date)"),
        ("other.csv", "not a supported format")]


def test_real_samples_end_to_end_meet_the_output_contract(tmp_path: Path) -> None:
    """All the public real samples together: the report passes ../shared/tools/check-report, undated
    interactions are listed apart, the malformed row is rejected with its line."""
    import csv
    import json
    import subprocess
    import sys

    from click.testing import CliRunner

    from analyzer.cli import main
    from tests.conftest import REAL_SAMPLES

    if not REAL_SAMPLES.exists():
        pytest.skip("real samples not available")
    out = tmp_path / "report"
    res = CliRunner().invoke(main, ["analyze", str(REAL_SAMPLES), "--out", str(out), "-q", "--as-of", "2026-11-01"])
    assert res.exit_code == 0, res.output
    checker = REAL_SAMPLES.parent / "tools" / "check-report"
    if checker.exists():
        done = subprocess.run([sys.executable, str(checker), str(out)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "interactions_undated.csv", encoding="utf-8") as fh:
        undated = list(csv.DictReader(fh))
    assert len(undated) == 27 and {r["channel"] for r in undated} == {"linkedin_recommendation"}
    with open(out / "rejects.csv", encoding="utf-8") as fh:
        rejects = [(r["source_file"].rsplit("/", 1)[-1], r["line"]) for r in csv.DictReader(fh)]
    assert rejects == [("kawsay_messages.csv", "5")]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["undated_events"] == 27
    assert all(f["read"] == f["used"] + f["rejected"] + f["ignored"] for f in summary["files"])


def test_owner_inferred_from_an_unlabelled_mbox(tmp_path: Path) -> None:
    """A Thunderbird-style mbox with no Sent label and no --me: the address in most messages is the owner."""
    from analyzer.ingest import ingest
    from analyzer.owner import identify_owner, to_events

    msgs = [("Me <me@home.example>", "Ann <ann@a.example>"), ("Ann <ann@a.example>", "me@home.example"),
            ("Bob <bob@b.example>", "Me <me@home.example>"), ("Me <me@home.example>", "bob@b.example")]
    body = "".join(
        f"From - Mon Aug 28 18:38:5{i} 2023\nX-Mozilla-Status: 0001\nFrom: {f}\nTo: {t}\n"
        f"Date: Mon, 28 Aug 2023 18:38:5{i} +0000\nMessage-ID: <m{i}@x>\nSubject: s\n\nbody\n\n"
        for i, (f, t) in enumerate(msgs)
    )
    p = tmp_path / "Inbox"
    p.write_text(body, encoding="utf-8")
    ing = ingest([p])
    own = identify_owner(ing.records, ing.owner, messages=ing.messages)
    assert own.emails == ["me@home.example"]
    ev = to_events(ing.messages, own).join(
        ing.records.select("record_id", pl.col("emails").list.first().alias("email")), on="record_id")
    assert sorted(zip(ev["email"], ev["direction"], strict=True)) == [
        ("ann@a.example", "received"), ("ann@a.example", "sent"), ("bob@b.example", "received"), ("bob@b.example", "sent")]
    # the events of excluded records are left out: the same rows, in the same order, as filtering them out after
    every = to_events(ing.messages, own)
    ann = ing.records.filter(pl.col("emails").list.first() == "ann@a.example").get_column("record_id")
    assert to_events(ing.messages, own, exclude=ann).equals(every.filter(~pl.col("record_id").is_in(ann.implode())))
    assert to_events(ing.messages, own, exclude=ann.head(0)).equals(every)


def test_clear_lookup_caches_empties_the_parser_memos_and_they_still_answer() -> None:
    from analyzer.memory import clear_lookup_caches

    normalize_email("Ann.Lee@Example.COM")
    canonical_linkedin_url("https://www.linkedin.com/in/ann-lee/")
    assert normalize_email.cache_info().currsize >= 1  # type: ignore[attr-defined]
    assert clear_lookup_caches() >= 2
    assert normalize_email.cache_info().currsize == 0  # type: ignore[attr-defined]
    assert normalize_email("Ann.Lee@Example.COM") == "ann.lee@example.com"
    assert normalize_email.cache_info().currsize == 1  # type: ignore[attr-defined]


def _mbox_of(path: Path, messages: list[tuple[str, str]]) -> Path:
    """An mbox of one message per (From, To), a day apart from 2024-01-01."""
    path.write_text("".join(
        f"From x@y Mon Jan  1 10:00:00 2024\nFrom: {frm}\nTo: {to}\nSubject: s{i}\n"
        f"Date: Mon, {1 + i % 28:02d} Jan 2024 10:00:00 +0000\nMessage-ID: <m{i}@x.example>\n\nbody\n\n"
        for i, (frm, to) in enumerate(messages)), encoding="utf-8")
    return path


def _rows_per_address(people: pl.DataFrame) -> dict[str, list[str]]:
    """{normalised address or URL: the person_ids of the people.csv rows listing it} (SPEC §5: one each)."""
    rows: dict[str, list[str]] = {}
    for pid, emails, urls in people.select("person_id", "emails", "linkedin_urls").rows():
        for key in {normalize_email(e) for e in emails} | set(urls):
            rows.setdefault(str(key), []).append(pid)
    return rows


def test_my_old_address_in_a_same_group_sends_my_messages(tmp_path: Path) -> None:
    """``same = [[my address, my old address]]``: the mail I sent from the old address is mine, sent to its
    recipient (it was "received" from a person named owner, and Eli had none)."""
    from datetime import date

    from analyzer.pipeline import analyze

    box = _mbox_of(tmp_path / "mail.mbox", [("Me <me@home.example>", "Dana <dana@acme.example>"),
                                            ("Dana <dana@acme.example>", "Me <me@home.example>"),
                                            ("Me <me.old@old.example>", "Eli Stone <eli@acme.example>"),
                                            ("Me <me.old@old.example>", "Eli Stone <eli@acme.example>")])
    cfg = tmp_path / "reconnect.toml"
    cfg.write_text('[identity]\nsame = [["me@home.example", "me.old@old.example"]]\n', encoding="utf-8")
    a = analyze([box], me=["me@home.example"], as_of=date(2024, 6, 1), config=cfg)
    eli = a.ranked.filter(pl.col("name") == "Eli Stone").row(0, named=True)
    assert (eli["messages_sent"], eli["messages_received"]) == (2, 0)
    assert "owner" not in set(a.events.get_column("person_id").to_list())
    assert a.people.filter(pl.col("kind") == "owner").get_column("emails").to_list() == [
        ["me.old@old.example", "me@home.example"]]


def test_me_on_one_address_of_a_card_takes_the_card_and_its_other_address(tmp_path: Path) -> None:
    """``--me`` names one address of a card that lists two: the card is the owner's, and so is the other address
    (SPEC §5, one human per address): it was in the owner's row and in its sender's (check-report refused)."""
    from datetime import date

    from analyzer.pipeline import analyze

    card = tmp_path / "contacts.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Lea Cook\nEMAIL:lea@home.example\nEMAIL:lea.cook@work.example\n"
                    "END:VCARD\n", encoding="utf-8")
    box = _mbox_of(tmp_path / "mail.mbox", [("Lea Cook <lea.cook@work.example>", "Dana <dana@acme.example>"),
                                            ("Dana <dana@acme.example>", "Lea Cook <lea@home.example>")])
    a = analyze([card, box], me=["lea@home.example"], as_of=date(2024, 6, 1))
    rows = _rows_per_address(a.people)
    assert rows["lea.cook@work.example"] == ["owner"] and rows["lea@home.example"] == ["owner"]
    assert all(len(pids) == 1 for pids in rows.values())
    assert a.resolved.settings["run"]["owner_records_by_shared_address"] == 1  # the work address's mail record
    dana = a.ranked.filter(pl.col("name") == "Dana").row(0, named=True)
    assert (dana["messages_sent"], dana["messages_received"]) == (1, 1)


def test_a_spouses_card_listing_the_family_address_stays_hers(tmp_path: Path) -> None:
    """``--me family@``, the household's address, which the owner signs as John Smith; Jane Smith's card lists
    family@ and her own work address: the card is Jane's, not the owner's. It made her the owner: her mail to the
    owner vanished and her mail to Carol counted as the owner's. A card of the owner's own with a second address
    is still the owner's (the test above)."""
    from datetime import date

    from analyzer.pipeline import analyze

    card = tmp_path / "contacts.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Jane Smith\nN:Smith;Jane;;;\nEMAIL:family@smith.example\n"
                    "EMAIL:jane.smith@work.example\nEND:VCARD\n", encoding="utf-8")
    box = _mbox_of(tmp_path / "mail.mbox", [("John Smith <family@smith.example>", "Bob Jones <bob@jones.example>"),
                                            ("Jane Smith <jane.smith@work.example>", "family@smith.example"),
                                            ("Jane Smith <jane.smith@work.example>", "Carol <carol@white.example>"),
                                            ("John Smith <family@smith.example>", "jane.smith@work.example")])
    a = analyze([card, box], me=["family@smith.example"], as_of=date(2024, 6, 1))
    kinds = dict(a.people.select("name", "kind").rows())
    assert kinds == {"John Smith": "owner", "Jane Smith": "person", "Bob Jones": "person", "Carol": "person"}
    rows = _rows_per_address(a.people)
    assert all(len(pids) == 1 for pids in rows.values())
    assert a.people.filter(pl.col("kind") == "owner").get_column("emails").to_list() == [["family@smith.example"]]
    # (her message to Carol is in the owner's mailbox: received, as a Bcc is)
    jane = a.ranked.filter(pl.col("name") == "Jane Smith").row(0, named=True)
    assert (jane["messages_sent"], jane["messages_received"]) == (1, 2)
    carol = a.ranked.filter(pl.col("name") == "Carol").row(0, named=True)
    assert (carol["messages_sent"], carol["messages_received"]) == (0, 0)  # Jane's mail, not the owner's


def test_a_spouses_card_stays_hers_when_only_profile_csv_names_the_owner(tmp_path: Path) -> None:
    """The same household without a message the owner sent (an address book and received mail): the owner's
    name comes from LinkedIn's Profile.csv (John Smith), and Jane Smith's card listing family@ stays hers. It
    made her the owner, named Jane Smith, with her work address."""
    from datetime import date

    from analyzer.pipeline import analyze

    (tmp_path / "li").mkdir()
    (tmp_path / "li" / "Profile.csv").write_text(
        "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,Geo Location,"
        "Twitter Handles,Websites,Instant Messengers\nJohn,Smith,,,,Engineer,,,,,,,\n", encoding="utf-8")
    card = tmp_path / "contacts.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Jane Smith\nN:Smith;Jane;;;\nEMAIL:family@smith.example\n"
                    "EMAIL:jane.smith@work.example\nEND:VCARD\n", encoding="utf-8")
    box = _mbox_of(tmp_path / "mail.mbox", [("Jane Smith <jane.smith@work.example>", "family@smith.example"),
                                            ("Jane Smith <jane.smith@work.example>", "Carol <carol@white.example>"),
                                            ("Bob Jones <bob@jones.example>", "family@smith.example")])
    a = analyze([tmp_path / "li", card, box], me=["family@smith.example"], as_of=date(2024, 6, 1))
    assert a.owner.names == ["John Smith"]
    kinds = dict(a.people.select("name", "kind").rows())
    assert kinds == {None: "owner", "Jane Smith": "person", "Bob Jones": "person", "Carol": "person"}
    assert a.people.filter(pl.col("kind") == "owner").get_column("emails").to_list() == [["family@smith.example"]]
    jane = a.ranked.filter(pl.col("name") == "Jane Smith").row(0, named=True)
    assert (jane["messages_sent"], jane["messages_received"]) == (0, 2)


def test_my_card_listing_the_team_mailbox_leaves_it_to_the_team(tmp_path: Path) -> None:
    """The owner's own card lists the team's shared mailbox, which also sends mail: the address is listed in
    the team's row only (it was in both), the owner keeps their own, and the role address takes no one with it."""
    from datetime import date

    from analyzer.pipeline import analyze

    card = tmp_path / "contacts.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Morgan Reyes\nEMAIL:morgan@home.example\nEMAIL:team@acme.example\n"
                    "END:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Dana Wolf\nEMAIL:dana@acme.example\nEND:VCARD\n",
                    encoding="utf-8")
    box = _mbox_of(tmp_path / "mail.mbox", [("Morgan Reyes <morgan@home.example>", "Dana Wolf <dana@acme.example>"),
                                            ("Dana Wolf <dana@acme.example>", "morgan@home.example"),
                                            ("Acme Team <team@acme.example>", "morgan@home.example")])
    a = analyze([card, box], me=["morgan@home.example"], as_of=date(2024, 6, 1))
    rows = _rows_per_address(a.people)
    kinds = dict(a.people.select("person_id", "kind").rows())
    assert [kinds[p] for p in rows["team@acme.example"]] == ["automated"]
    assert rows["morgan@home.example"] == ["owner"]
    assert a.people.filter(pl.col("kind") == "owner").get_column("emails").to_list() == [["morgan@home.example"]]
    assert a.resolved.settings["run"]["owner_records_by_shared_address"] == 0


def test_a_team_mailbox_on_two_colleagues_cards_joins_neither(tmp_path: Path) -> None:
    """Two colleagues' cards both list the team's mailbox (a role address): two people, not one, and the
    mailbox's own mail stays the team's; the address is listed in one row (the team's). They were one person."""
    from datetime import date

    from analyzer.pipeline import analyze

    cards = tmp_path / "contacts.vcf"
    cards.write_text("".join(f"BEGIN:VCARD\nVERSION:3.0\nFN:{n}\nEMAIL:{e}\nEMAIL:team@acme.example\nEND:VCARD\n"
                             for n, e in (("Dana Wolf", "dana@acme.example"), ("Eli Stone", "eli@acme.example"))),
                     encoding="utf-8")
    box = _mbox_of(tmp_path / "mail.mbox", [("Me <me@home.example>", "Dana Wolf <dana@acme.example>"),
                                            ("Eli Stone <eli@acme.example>", "Me <me@home.example>"),
                                            ("Acme Team <team@acme.example>", "Me <me@home.example>")])
    a = analyze([cards, box], me=["me@home.example"], as_of=date(2024, 6, 1))
    kinds = dict(a.people.select("name", "kind").rows())
    assert kinds == {"Dana Wolf": "person", "Eli Stone": "person", "Acme Team": "automated", "Me": "owner"}
    rows = _rows_per_address(a.people)
    assert all(len(pids) == 1 for pids in rows.values())
    assert [kinds[n] for n in a.people.filter(pl.col("person_id").is_in(rows["team@acme.example"]))
            .get_column("name")] == ["automated"]
    assert a.resolved.settings["run"]["refused_by_rule"] == {"a shared role address (two people's names)": 1}
    near = a.resolved.near_misses.select("name_l", "name_r", "reason").rows()
    assert near == [("Dana Wolf", "Eli Stone", "a shared role address (two people's names)")]


def test_a_freelancers_info_address_on_their_card_stays_theirs(tmp_path: Path) -> None:
    """One person's card lists their own address and their studio's info@: the mail they write from info@ is
    theirs (one card, one person), as before."""
    from datetime import date

    from analyzer.pipeline import analyze

    card = tmp_path / "contacts.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Jane Okafor\nEMAIL:jane.okafor@gmail.com\n"
                    "EMAIL:info@okafor-studio.example\nEND:VCARD\n", encoding="utf-8")
    box = _mbox_of(tmp_path / "mail.mbox", [("Okafor Studio <info@okafor-studio.example>", "Me <me@home.example>"),
                                            ("Me <me@home.example>", "info@okafor-studio.example"),
                                            ("Jane Okafor <jane.okafor@gmail.com>", "Me <me@home.example>")])
    a = analyze([card, box], me=["me@home.example"], as_of=date(2024, 6, 1))
    jane = a.ranked.filter(pl.col("name") == "Jane Okafor").row(0, named=True)
    assert (jane["messages_sent"], jane["messages_received"]) == (1, 2)
    assert a.people.filter(pl.col("kind") == "person").height == 1


# ---- Code pages ---------------------------------------------------------------------------------------------
#: Western names as Western Excel and Outlook write them (Windows-1252), with its punctuation.
_WESTERN = ("First Name,Last Name,Company,Position\r\n"
            "Jürgen,Müller,Müller & Söhne GmbH,Geschäftsführer\r\n"
            "José,Núñez,Telefónica,¿Qué tal? Nº 1\r\n"
            "Françoise,Lefèvre,Société Générale,Directrice – 5 €\r\n"
            "Seán,O’Brien,“Café Olé” Ltd,Maître d’hôtel™\r\n"
            "Björn,Ångström,Ørsted A/S,Straße §5\r\n")


def test_decode_western_utf8_utf16_as_before() -> None:
    """Genuine Windows-1252, UTF-8 (BOM or not) and UTF-16 (LE/BE, BOM or not) files read exactly as before the
    code pages were told apart; a UTF-8 file with a line in another encoding keeps its UTF-8 text, only that
    line's bytes read as Windows-1252."""
    cp1252 = _WESTERN.encode("cp1252")
    assert decode(cp1252, "w.csv") == _WESTERN == cp1252.decode("utf-8", errors="reconnect-cp1252")
    for enc in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"):
        assert decode(_WESTERN.encode(enc), "w.csv") == _WESTERN
    mixed = _WESTERN.encode("utf-8") + "Иван,Петров,Яндекс,x\r\n".encode("cp1251")
    assert decode(mixed, "m.csv") == _WESTERN + "Èâàí,Ïåòðîâ,ßíäåêñ,x\r\n"
    stray = cp1252 + b"Ann,Lee,Acme \x81,x\r\n"  # a byte Windows-1252 leaves undefined: still Windows-1252
    assert decode(stray, "s.csv") == _WESTERN + "Ann,Lee,Acme \ufffd,x\r\n"


@pytest.mark.parametrize(("text", "encoding"), [
    ("Иван;Петров;Яндекс;Разработчик\r\n", "cp1251"),
    ("Łukasz,Żółć,Spółka,l@test.pl\r\n", "cp1250"),
    ("Γιώργος,Παπαδόπουλος,Εταιρεία,g@test.gr\r\n", "cp1253"),
    ("Jürgen,Weiß,Müller GmbH,Geschäftsführer\rFrançoise,Lefèvre,Crédit Agricole,x\r", "mac_roman"),
    ("太郎,山田,株式会社テスト,部長\r\n", "cp932"),
    ("名,姓,单位,职务,电子邮件地址\r\n伟,王,中国银行股份有限公司,经理,wang@test.cn\r\n", "gb18030"),
    (_WESTERN, "cp1252"),
], ids=["cp1251", "cp1250", "cp1253", "mac_roman", "cp932", "gb18030", "cp1252"])
def test_decode_other_code_pages(text: str, encoding: str) -> None:
    """A file in another Windows or Mac code page than Windows-1252 is read in it (it was read as Windows-1252:
    ``Èâàí``, ``£ukasz``, ``JŸrgen Wei§``), and the detection reads the head the same way."""
    from analyzer.ingest.text import code_page, decode_head

    data = b"First,Last,Company,Position\r\n" + text.encode(encoding)
    assert code_page(data) == encoding
    assert decode(data, "c.csv") == "First,Last,Company,Position\r\n" + text
    assert decode_head(data) == decode(data, "c.csv")


def test_code_pages_are_told_apart_without_a_start_up_cost() -> None:
    """charset-normalizer is imported only to read a file that is not UTF-8 and does not read as Western text."""
    code = ("import sys; import analyzer.cli, analyzer.ingest; from analyzer.ingest.text import decode; "
            f"decode({_WESTERN.encode('utf-8')!r}, 'u'); decode({_WESTERN.encode('cp1252')!r}, 'w'); "
            "print('charset_normalizer' in sys.modules, end=' '); "
            f"decode({'Иван,Петров'.encode('cp1251')!r}, 'r'); print('charset_normalizer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_a_tagged_form_of_an_owner_address_is_the_owners(tmp_path: Path) -> None:
    """Mail to me+jobs@home.example (a "+tag" of --me me@home.example, on a domain whose tags are not dropped
    by normalisation) made a nameless person with no messages in reconnect.csv; it is the owner's mailbox."""
    from datetime import date

    from analyzer.pipeline import analyze

    box = _mbox_of(tmp_path / "mail.mbox", [("Me <me@home.example>", "Ann Lee <ann@lee.example>"),
                                            ("Ann Lee <ann@lee.example>", "me+jobs@home.example"),
                                            ("Ann Lee <ann@lee.example>", "Me <me@home.example>"),
                                            ("Bo <bo+x@lee.example>", "Me <me@home.example>")])
    a = analyze([box], me=["me@home.example"], as_of=date(2024, 6, 1))
    owner_row = a.people.filter(pl.col("kind") == "owner").row(0, named=True)
    assert "me+jobs@home.example" in owner_row["emails"]
    assert a.ranked.filter(pl.col("emails").list.contains("me+jobs@home.example")).height == 0
    ann = a.ranked.filter(pl.col("name") == "Ann Lee").row(0, named=True)
    assert (ann["messages_sent"], ann["messages_received"]) == (1, 2)
    assert a.ranked.filter(pl.col("emails").list.contains("bo+x@lee.example")).height == 1  # not the owner's
