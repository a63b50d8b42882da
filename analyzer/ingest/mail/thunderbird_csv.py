"""Thunderbird ImportExportTools NG CSV (no header row)."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector
from analyzer.ingest.dates import MAX_YEAR, MIN_YEAR, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.addresses import parse_addresses
from analyzer.ingest.mail.csv_common import _cell, _decode_file, _first_line, _headerless_table
from analyzer.ingest.mail.folders import IGNORE_FOLDER, file_folder_kind, folder_kind
from analyzer.ingest.mail.message_ids import mail_key, subject_part
from analyzer.ingest.mail.message_writer import add_mail
from analyzer.ingest.registry import Parser, Sniff, register
from analyzer.ingest.text import sniff_delimiter

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# Thunderbird ImportExportTools NG CSV: no header row
# ------------------------------------------------------------------------------------------------------------

_NUM_DT = re.compile(
    r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?$")
_ADDR_IN = re.compile(r"(?<![^\s@<>\"])[^\s@<>\"]+@[^\s@<>\"]+\.[^\s@<>\"]+")  # (from a run's start: was quadratic)


def _ietng_offset(row: list[str]) -> int | None:
    """Index of the Subject column (0, or 1 with the account/folder column) if ``row`` has the IETNG shape."""
    for k in (0, 1):
        if len(row) < k + 4:
            continue
        author, date = row[k + 1], row[k + 3].strip()
        if _ADDR_IN.search(author) and (_NUM_DT.match(date) or parse_datetime(date)):
            return k
    return None


#: Rows looked at to find the IETNG shape: the first message may have an author without an address or no date.
_SHAPE_ROWS = 10


def _ietng_layout(rows: Iterable[list[str]]) -> int | None:
    """The Subject column's index from the first row of the IETNG shape among the first :data:`_SHAPE_ROWS`
    rows, when every row before it is one of the same width whose author has no address or whose date is
    empty (a message of "Mail Delivery System" or an undated one sorted first made the whole file unreadable).
    A header row ("Date" in the date column) is none of those: a CSV with a header is not taken for an index."""
    before: list[list[str]] = []
    for row in rows:
        if (k := _ietng_offset(row)) is not None:
            ok = all(len(b) == len(row) and (_ADDR_IN.search(b[k + 1]) or not b[k + 3].strip()
                                             or _NUM_DT.match(b[k + 3].strip()) or parse_datetime(b[k + 3]))
                     for b in before)
            return k if ok else None
        before.append(row)
        if len(before) >= _SHAPE_ROWS:
            break
    return None


def _head_rows(text: str) -> list[list[str]]:
    """The first non-blank rows of ``text`` (a file's head: a last row cut short by the head's end is dropped)."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(_first_line(text)))
    try:
        for row in reader:
            if any(c.strip() for c in row):
                rows.append(row)
            if len(rows) > _SHAPE_ROWS:
                break
    except csv.Error:
        pass
    return rows[:_SHAPE_ROWS]


def _day_first(cells: Iterable[str]) -> bool:
    """Are the file's numeric dates day-first (27/03/2020, 27.3.2020)? Decided once per file."""
    votes_day = votes_month = 0
    for c in cells:
        m = _NUM_DT.match(c.strip())
        if not m or len(m.group(1)) == 4:
            continue
        a, sep, b = int(m.group(1)), m.group(2), int(m.group(3))
        if sep == "." or a > 12:
            votes_day += 1
        elif b > 12:
            votes_month += 1
    return votes_day > votes_month


def _local_datetime(value: str, day_first: bool) -> datetime | None:
    """A numeric date-time as IETNG writes it (locale order, no zone: taken as UTC)."""
    v = value.strip()
    m = _NUM_DT.match(v)
    if not m:
        return parse_datetime(v)
    a, _sep, b, c, h, mi, s, ampm = m.groups()
    if len(a) == 4:
        y, mo, d = int(a), int(b), int(c)
    else:
        y = int(c) + (2000 if len(c) == 2 and int(c) < 70 else 1900 if len(c) == 2 else 0)
        mo, d = (int(b), int(a)) if day_first else (int(a), int(b))
    hour = int(h)
    if ampm:
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return datetime(y, mo, d, hour, int(mi), int(s or 0), tzinfo=UTC)
    except ValueError:
        return None


def _match_ietng(s: Sniff) -> bool:
    """A first row has the IETNG shape (an address in the Author column, a date in the fourth, see
    :func:`_ietng_layout`): quoted as the add-on writes every cell, or not, as a spreadsheet saves it again
    (quotes only where a cell needs them)."""
    return _ietng_layout(_head_rows(s.text)) is not None


def parse_ietng(f: InputFile, out: FileCollector) -> None:
    """Thunderbird ImportExportTools NG 'Spreadsheet (CSV)' index: Subject, Author, Recipients, date, ..."""
    text = _decode_file(f, out)
    table = _headerless_table(text, f.display, sniff_delimiter(_first_line(text)))
    rows = list(table.rows())
    if not rows:
        raise InputError(f.display, "contains no message rows")
    k = _ietng_layout(r for _, r in rows[:_SHAPE_ROWS])
    if k is None:
        raise InputError(f.display, "is not an ImportExportTools NG message index", line=rows[0][0])
    day_first = _day_first(_cell(r, k + 3) for _, r in rows)
    file_kind = file_folder_kind(f)
    for line, row in rows:
        kind = folder_kind(_cell(row, 0).replace("\\", "/").rsplit("/", 1)[-1]) if k == 1 else file_kind
        if kind in ("spam", "trash", "draft"):
            out.ignore(IGNORE_FOLDER)
            continue
        senders = parse_addresses(_cell(row, k + 1).replace("&lt;", "<").replace("&gt;", ">"))
        if not senders:
            out.reject(line, "no sender address")
            continue
        ts = _local_datetime(_cell(row, k + 3), day_first)
        if ts is None:
            out.reject(line, "unreadable date")
            continue
        recips = parse_addresses(_cell(row, k + 2).replace("&lt;", "<").replace("&gt;", ">"))
        add_mail(out, sender=senders[0], recipients=recips, timestamp=ts, line=line, owner=kind == "sent",
                 msg_key=mail_key(None, senders[0][0], ts, sorted({a for a, _ in recips}),
                                  *subject_part(_cell(row, k))))
    out.note("ImportExportTools NG dates are local time without a zone: read as UTC")


register(Parser(
    kind="mail.thunderbird_csv",
    label="Thunderbird ImportExportTools NG message index CSV (no header row)",
    export_help="Thunderbird with the ImportExportTools NG add-on: right-click a folder -> ImportExportTools NG "
                "-> Export all messages in the folder -> Spreadsheet (CSV).",
    matches=_match_ietng,
    parse=parse_ietng,
))
