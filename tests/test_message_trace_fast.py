"""The vectorised reader of Microsoft 365 message traces gives exactly what the row-by-row reader gives: the
collector's frames (records, messages with their keys, rejects), the counts, reasons, notes and owner hints, for
every fixture and for generated files of the three reports (Get-MessageTrace's summary, the enhanced summary,
the extended per-event report) with the quirks formats.md §2.5 lists; and it is taken for a large plain file
(else it would be proven identical by never running)."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail import message_trace as mt
from tests.fastpath_kit import fixtures_of_kind, input_file, read_outcome, same_both_ways

KIND = "mail.m365_trace"


def _input(path: Path) -> InputFile:
    return input_file(path)


def _read(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, bool]:
    return read_outcome(mt, "_fast_trace", lambda f, out: mt.parse_message_trace(f, out), path, KIND, fast=fast,
                        monkeypatch=monkeypatch)


def _same(path: Path, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Assert that both readers give the same for ``path``; return whether the fast path was taken."""
    return same_both_ways(lambda fast: _read(path, fast=fast, monkeypatch=monkeypatch))


FIXTURE_FILES = fixtures_of_kind(KIND, "trace")


def test_the_fixtures_are_found() -> None:
    names = {p.name for p in FIXTURE_FILES}
    assert {"m365_trace_summary.csv", "m365_trace_extended_utf16le_nobom.csv"} <= names


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fixture_read_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = _same(path, monkeypatch)
    if path.name == "m365_trace_summary.csv":
        assert taken  # (plain UTF-8 after its #TYPE line: the fast path read it)


# ---- generated traces ------------------------------------------------------------------------------------------

SUMMARY = ["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "ToIP", "FromIP", "Size",
           "MessageId", "MessageTraceId"]
ENHANCED = ["origin_timestamp_utc", "sender_address", "recipient_status", "message_subject", "total_bytes",
            "message_id", "network_message_id", "original_client_ip", "directionality", "connector_id",
            "delivery_priority"]
EXTENDED = ["date_time_utc", "client_ip", "client_hostname", "server_ip", "server_hostname", "source_context",
            "connector_id", "source", "event_id", "internal_message_id", "message_id", "network_message_id",
            "recipient_address", "recipient_status", "total_bytes", "recipient_count", "related_recipient_address",
            "reference", "message_subject", "sender_address", "return_path", "message_info", "directionality",
            "tenant_id", "original_client_ip", "original_server_ip", "custom_data"]
HEADERS = {"summary": SUMMARY, "enhanced": ENHANCED, "extended": EXTENDED}
TYPE_LINE = "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace"

_SENDERS = ["alice@contoso.com", "owner@example.com", "Owner <owner@example.com>", "", "not an address",
            "noreply@github.com", "Bob <BOB@fabrikam.com>", "'Team' via Group <group@g.example>",
            "o'brien@x.example", "Jörg Weiß <joerg@example.de>", "MAILER-DAEMON@x.example", " carol@fabrikam.com ",
            "\"Smith, Jane\" <jane@corp.example>", "<dan@d.example>"]
_ADDRS = ["bob@fabrikam.com", "carol@fabrikam.com", "owner@example.com", "alice@contoso.com", "dave@x.example",
          "noreply@github.com", "o'brien@x.example", "ÉLISE@x.example", "bad", "", "erin@fabrikam.com",
          "sales-emea@example.com"]
_DATES = ["2022-11-29T05:35:08.2652371", "2022-11-29T05:35:08", "2022-11-30T10:00:00.0000000", "2022-11-29 05:35",
          "2022-11-29", "2022-11-29T05:35:08Z", "2022-11-29T05:35:08utc", "2022-11-29T05:35:08 +02:00",
          "2022-11-29T05:35:08+0530", " 2022-11-29T05:35:08 ", "2022-02-30T00:00:00", "2022-11-29T24:00:00",
          "2022-11-29T05:35:60", "2101-01-01T00:00:00", "1969-12-31T23:59:59", "", "garbage", "29/11/2022 08:00:00",
          "11/03/2022 08:00:00", "11/29/2022 8:00:00 AM", "Tue, 29 Nov 2022 05:35:08 GMT", "2022/11/29 05:35:08",
          "2022-11-29t05:35:08", "2022-11-29T05:35:08.123Z", "٢٠٢٢-11-29T05:35:08", "2022-11-29\xa005:35:08"]
_SUBJECTS = ["Hello", "Re: Hello", "", "comma, inside", 'Quote "this"', "two\r\nlines", "lf\nonly", "Ünïcödé",
             "x" * 300, "semi;colon", "tab\there"]
_STATUSES = ["Delivered", "Delivered", "Delivered", "FilteredAsSpam", "Quarantined", "Failed", "Expanded",
             "Pending", " delivered ", "FAILED", "GettingStatus", ""]
_MIDS = ["<m{i}@mail.example>", "<m{i}@mail.example>", "m{i}@mail.example", "", " <m{i}@mail.example> ",
         "<a b>", "<é{i}@x>", "<>", "<m{i}@x> <n@y>"]


def _q(cell: str, quote: bool) -> str:
    """A cell as Export-Csv writes it (always quoted) or a spreadsheet (quoted only when needed)."""
    if quote or any(ch in cell for ch in ',;\t"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _status(rng: random.Random, recips: list[str]) -> str:
    return ";".join(f"{r}##{rng.choice(['Receive, Deliver', 'Receive, Send', 'Fail'])}" for r in recips)


def _trace(rng: random.Random, n: int, *, variant: str = "summary", eol: str = "\r\n", quote: bool = True,
           type_line: bool = False, dates: list[str] | None = None, delimiter: str = ",",
           day_first: bool = False) -> str:
    """About ``n`` random rows of a trace (several rows per message: one per recipient or per event)."""
    keys = HEADERS[variant]
    lines = [TYPE_LINE] if type_line else []
    lines.append(delimiter.join(_q(k, quote) for k in keys))
    i = 0
    while len(lines) < n:
        i += 1
        mid = rng.choice(_MIDS).format(i=i)
        net = rng.choice([f"{i:08d}-aaaa-bbbb-cccc-000000000000", "", " ", f"{i % 7:08d}-x"])
        sender = rng.choice(_SENDERS)
        subject = rng.choice(_SUBJECTS)
        date = rng.choice(dates or _DATES)
        if day_first and rng.random() < 0.5:
            date = "29/11/2022 08:00:00"
        recips = rng.sample(_ADDRS, rng.randrange(0, 4))
        for _ in range(rng.randrange(1, 4)):  # rows of one message
            row: dict[str, str] = {}
            if variant == "summary":
                row = {"Received": date, "SenderAddress": sender, "RecipientAddress": rng.choice(recips or [""]),
                       "Subject": subject, "Status": rng.choice(_STATUSES), "ToIP": "", "FromIP": "10.0.0.1",
                       "Size": str(rng.randrange(9999)), "MessageId": mid, "MessageTraceId": net}
            elif variant == "enhanced":
                row = {"origin_timestamp_utc": date, "sender_address": sender, "recipient_status": _status(rng, recips),
                       "message_subject": subject, "total_bytes": "123", "message_id": mid,
                       "network_message_id": net, "directionality": rng.choice(["Incoming", "Outgoing"])}
            else:
                some = rng.sample(recips, len(recips) // 2) if recips else []
                row = {"date_time_utc": rng.choice([date, "2022-11-29T05:35:09.123Z"]), "source": "SMTP",
                       "event_id": rng.choice(["RECEIVE", "DELIVER", "SEND"]), "message_id": mid,
                       "network_message_id": net, "internal_message_id": str(i),
                       "recipient_address": rng.choice([";", ","]).join(some), "recipient_status": _status(rng, some),
                       "recipient_count": str(len(some)), "message_subject": subject, "sender_address": sender,
                       "directionality": "Originating"}
            lines.append(delimiter.join(_q(row.get(k, ""), quote) for k in keys))
    return eol.join(lines) + eol


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


GENERATED: dict[str, dict[str, Any]] = {
    "summary_crlf": dict(),
    "summary_lf": dict(eol="\n"),
    "summary_type_line": dict(type_line=True),
    "summary_unquoted": dict(quote=False),
    "summary_semicolon": dict(delimiter=";"),
    "summary_day_first": dict(day_first=True, dates=["03/11/2022 08:00:00", "2022-11-29T05:35:08", ""]),
    "summary_clean_dates": dict(dates=["2022-11-29T05:35:08.2652371", "2023-01-02T03:04:05.1234567"]),
    "enhanced": dict(variant="enhanced"),
    "enhanced_lf_unquoted": dict(variant="enhanced", eol="\n", quote=False),
    "extended": dict(variant="extended"),
    "extended_type_line_lf": dict(variant="extended", type_line=True, eol="\n"),
}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", list(GENERATED))
def test_generated_read_the_same(shape: str, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(f"{shape}-{seed}")
    path = _write(tmp_path, "trace.csv", _trace(rng, 300, **GENERATED[shape]))
    assert _same(path, monkeypatch)  # all of these are plain: the fast path read them


def _lines(rng: random.Random, **kw: Any) -> list[str]:
    return _trace(rng, 60, **kw).split("\r\n")[:-1]


_ROW = '"2022-11-29T05:35:08","ann@a.example","bob@b.example","s","Delivered","","","1","<z@z>",""'
ODD = {
    # (text, whether the fast path reads it)
    "repeated_header_rows": (lambda r: "\r\n".join([*_lines(r)[:20], _lines(r)[0], *_lines(r)[1:30],
                                                    '"received","SENDERADDRESS ","RecipientAddress","Subject",'
                                                    '"Status","ToIP","FromIP","Size","MessageId","MessageTraceId"',
                                                    *_lines(r)[30:]]) + "\r\n", True),
    # (blanks around a quoted cell: the csv module keeps the quotes, polars not always)
    "repeated_header_with_spaced_quotes": (lambda r: "\r\n".join([*_lines(r)[:20], '"received", "SENDERADDRESS" ,'
                                                                  '"RecipientAddress","Subject","Status","ToIP",'
                                                                  '"FromIP","Size","MessageId","MessageTraceId"',
                                                                  *_lines(r)[20:]]) + "\r\n", False),
    # text after a closing quote that polars reads without an error, otherwise than the csv module ("m1@x"y"":
    # m1@xy for polars, m1@xy"" for the csv module; found by a run of 3,000 random files)
    "text_after_quote_polars_accepts": (lambda r: "\r\n".join([*_lines(r)[:3], _ROW.replace('"<z@z>"', '"m1@x"y""'),
                                                               _ROW.replace('"<z@z>"', '""\x1c""'), *_lines(r)[3:]])
                                        + "\r\n", False),
    "joined_exports_with_type_lines": (lambda r: "\r\n".join([*_lines(r, type_line=True),
                                                              *_lines(r, type_line=True)]) + "\r\n", False),
    "header_cells_only_in_first_column": (lambda r: "\r\n".join([*_lines(r)[:5], '"Received","x","y","z","","","",'
                                                                 '"","",""', " RECEIVED ,a@b.example,,,,,,,,",
                                                                 *_lines(r)[5:]]) + "\r\n", True),
    "ragged_row": (lambda r: "\r\n".join([*_lines(r)[:30], '"2022-11-29T05:35:08","ann@a.example","bob@b.example"',
                                          *_lines(r)[30:]]) + "\r\n", False),
    "long_row": (lambda r: "\r\n".join([*_lines(r)[:30], _ROW + ',"x","y"', *_lines(r)[30:]]) + "\r\n", False),
    "trailing_empty_cells": (lambda r: "\r\n".join([*_lines(r)[:30], _ROW + ",,", *_lines(r)[30:]]) + "\r\n", False),
    "blank_lines": (lambda r: "\r\n".join([*_lines(r)[:5], "", *_lines(r)[5:], "", ""]) + "\r\n", False),
    "blank_cells_row": (lambda r: "\r\n".join([*_lines(r)[:5], " , , , , , , , , , ", *_lines(r)[5:]]) + "\r\n",
                        False),
    "lone_cr": (lambda r: "\r\n".join([*_lines(r)[:5], _ROW.replace('"s"', '"a\rb"'), *_lines(r)[5:]]) + "\r\n",
                False),
    "stray_quote": (lambda r: "\r\n".join([*_lines(r)[:3], _ROW.replace('"s"', 'x"y'), *_lines(r)[3:]]) + "\r\n",
                    False),
    "text_after_quote": (lambda r: "\r\n".join([*_lines(r)[:3], _ROW.replace('"s"', '"x"y'), *_lines(r)[3:]])
                         + "\r\n", False),
    "quote_left_open": (lambda r: "\r\n".join([*_lines(r)[:3], _ROW.replace('"s"', '"x'), *_lines(r)[3:]])
                        + "\r\n", False),
    "row_inside_a_cell": (lambda r: "\r\n".join([*_lines(r)[:3], _ROW.replace('"s"', '"q\r\n' + _ROW.replace('"', "")
                                                                              + '"'), *_lines(r)[3:]]) + "\r\n",
                          False),
    "break_in_last_cell": (lambda r: "\r\n".join([*_lines(r), _ROW[:-2] + '"x\r\ny"']) + "\r\n", False),
    "no_final_line_break": (lambda r: "\r\n".join(_lines(r)), True),
    "two_preamble_lines": (lambda r: "note\r\n" + "\r\n".join(_lines(r, type_line=True)) + "\r\n", False),
    "leading_blank_line": (lambda r: "\r\n" + "\r\n".join(_lines(r)) + "\r\n", True),
    "header_only": (lambda r: _lines(r)[0] + "\r\n", False),
    "nul_byte": (lambda r: "\r\n".join(_lines(r)).replace("Hello", "He\x00llo", 1) + "\r\n", False),
    "every_row_rejected": (lambda r: _lines(r)[0] + "\r\n" + (_ROW.replace("ann@a.example", "nobody") + "\r\n") * 20
                           + (_ROW.replace("2022-11-29T05:35:08", "someday") + "\r\n") * 20, True),
    "every_row_ignored": (lambda r: _lines(r)[0] + "\r\n" + (_ROW.replace("Delivered", "Quarantined") + "\r\n") * 20,
                          True),
    "one_message_many_rows": (lambda r: _lines(r)[0] + "\r\n" + "".join(
        _ROW.replace("bob@b.example", f"p{i % 7}@b.example") + "\r\n" for i in range(40)), True),
    "no_message_ids": (lambda r: _lines(r)[0] + "\r\n" + "".join(
        _ROW.replace('"<z@z>",""', f'"","{i % 3 or ""}"').replace("bob", f"b{i % 4}") + "\r\n" for i in range(40)),
        True),
    "owner_sent_mail": (lambda r: _lines(r)[0] + "\r\n" + "".join(
        _ROW.replace("ann@a.example", "Me <owner@example.com>").replace("<z@z>", f"<s{i}@me>")
        .replace("bob@b.example", f"owner@example.com;p{i}@x.example") + "\r\n" for i in range(30)), True),
}


@pytest.mark.parametrize("case", list(ODD))
def test_odd_files_read_the_same(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make, plain = ODD[case]
    path = _write(tmp_path, "trace.csv", make(random.Random(case)))
    taken = _same(path, monkeypatch)
    assert taken == plain, "an unusual file must be left to the row-by-row reader, a plain one read fast"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16", "utf-16-le"])
@pytest.mark.parametrize("variant", ["summary", "extended"])
def test_other_encodings_read_the_same(encoding: str, variant: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """cp1252 and UTF-16 (with a BOM, and LE without: the extended report's usual form) are read row by row;
    UTF-8 with a BOM fast."""
    text = _trace(random.Random(encoding), 200, variant=variant, type_line=variant == "summary")
    if encoding == "cp1252":  # (Jörg Weiß, Ünïcödé, ÉLISE: the characters it has)
        text = "".join(ch for ch in text if ch.encode("cp1252", errors="ignore"))
    path = _write(tmp_path, "trace.csv", text, encoding)
    assert _same(path, monkeypatch) == (encoding == "utf-8-sig")


def test_one_stray_cp1252_byte_in_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _trace(random.Random(7), 200).encode("utf-8") + _ROW.replace('"s"', '"Caf\xe9"').encode("latin-1") + b"\r\n"
    path = tmp_path / "trace.csv"
    path.write_bytes(data)
    assert not _same(path, monkeypatch)


def test_random_mixtures_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small random files of every option at once; most are plain (read fast), some not."""
    n_fast = 0
    for seed in range(40):
        rng = random.Random(seed)
        opts: dict[str, Any] = dict(variant=rng.choice(list(HEADERS)), eol=rng.choice(["\r\n", "\n"]),
                                    quote=rng.random() < 0.7, type_line=rng.random() < 0.3,
                                    delimiter=rng.choice([",", ",", ";"]))
        text = _trace(rng, rng.randrange(2, 40), **opts)
        if rng.random() < 0.2:  # a damaged line somewhere
            lines = text.split(opts["eol"])
            lines.insert(rng.randrange(2, len(lines)), rng.choice(['"open', "", "x;y", '"a""b"']))
            text = opts["eol"].join(lines)
        path = _write(tmp_path, f"{seed}.csv", text)
        n_fast += _same(path, monkeypatch)
    assert n_fast >= 20


def test_a_large_plain_trace_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real threshold: a clean trace above it is read by polars (and the same), one below by rows."""
    big = _write(tmp_path, "big.csv", _trace(random.Random(1), 12_000, type_line=True))
    assert big.stat().st_size >= mt.FAST_PATH_MIN_BYTES
    calls: list[bool] = []
    real = mt._fast_trace

    def spy(*args: Any) -> bool:
        calls.append(real(*args))
        return calls[-1]

    monkeypatch.setattr(mt, "_fast_trace", spy)
    out = FileCollector(str(big), KIND)
    mt.parse_message_trace(_input(big), out)
    assert calls == [True]
    assert out.report.used > 1000
    small = _write(tmp_path, "small.csv", _trace(random.Random(1), 10))
    mt.parse_message_trace(_input(small), FileCollector(str(small), KIND))
    assert calls == [True]  # not tried
    monkeypatch.undo()
    assert _same(big, monkeypatch)


def test_the_fast_path_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison fails when the fast path gives something else: one message key changed, or one date a
    second off."""
    path = _write(tmp_path, "trace.csv", _trace(random.Random(3), 50))
    assert _same(path, monkeypatch)
    real_mail, real_dates = mt._trace_mail, mt._fast_dates

    def wrong_key(*args: Any) -> Any:
        records, messages = real_mail(*args)
        return records, messages.with_columns(messages.get_column("msg_key").scatter(0, "x"))

    def wrong_date(values: pl.Series, day_first: bool) -> pl.Series:
        ts = real_dates(values, day_first)
        dated = ts.is_not_null().arg_true()
        if dated.len() == 0:
            return ts
        i = int(dated[-1])
        return ts.scatter(i, ts[i] - timedelta(days=1))  # (earlier: the message's date, its first row's)

    for name, wrong in (("_trace_mail", wrong_key), ("_fast_dates", wrong_date)):
        with monkeypatch.context() as m:
            m.setattr(mt, name, wrong)
            with pytest.raises(AssertionError):
                _same(path, monkeypatch)


_ODD_CHARS = ['"', ",", ";", "\n", "\r\n", " ", "a", "@", "<", ">", "x.y", "##", "\u2028", "\x1c", "\xa0", "é",
              "2022-11-29T05:35:08", "29/11/2022 08:00", "'", "Delivered", "Failed", "Received"]


def test_adversarial_cells_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random cells of quotes, delimiters, line breaks and odd blanks, written as a CSV writer would (and now
    and then a raw row): whatever the fast path reads, it reads as the rows do."""
    n_fast = 0
    for seed in range(150):
        rng = random.Random(seed)

        def cell(rng: random.Random = rng) -> str:
            return "".join(rng.choice(_ODD_CHARS) for _ in range(rng.randrange(0, 6)))

        lines = [",".join(_q(k, True) for k in SUMMARY), _ROW]
        for _ in range(rng.randrange(1, 8)):
            if rng.random() < 0.95:
                lines.append(",".join(_q(cell(), rng.random() < 0.5) for _ in range(10)))
            else:
                lines.append(",".join(cell() for _ in range(rng.randrange(1, 12))))
            if rng.random() < 0.4:
                lines.append(_ROW.replace('"s"', _q(cell(), True)).replace("<z@z>", rng.choice(["<z@z>", cell()])))
        text = rng.choice(["\r\n", "\n"]).join(lines) + rng.choice(["", "\n", "\r\n"])
        n_fast += _same(_write(tmp_path, f"{seed}.csv", text), monkeypatch)
    assert n_fast >= 50


def test_the_quoting_proof_is_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the regex over the rows (every cell quoted or quote-free), polars reads "b"x"" without an error
    and otherwise than the csv module: the comparison then fails. With it, the file is left to the rows."""
    make, _ = ODD["text_after_quote_polars_accepts"]
    path = _write(tmp_path, "trace.csv", make(random.Random(5)))
    assert not _same(path, monkeypatch)
    monkeypatch.setattr(mt, "rows_well_formed", lambda text, delimiter, width: True)
    with pytest.raises(AssertionError):
        _same(path, monkeypatch)


def test_cp1252_in_the_first_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A byte that is not UTF-8 in the lines the header is looked for in: read row by row (not an error)."""
    lines = _trace(random.Random(9), 50).split("\r\n")
    lines.insert(1, _ROW.replace('"s"', '"Café"'))
    path = tmp_path / "trace.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    assert not _same(path, monkeypatch)
