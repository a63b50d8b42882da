"""A generic mail CSV read through a column mapping from the configuration."""

from __future__ import annotations

import csv
import logging

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.dates import day_first_dates, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.addresses import parse_addresses
from analyzer.ingest.mail.csv_common import REPEATED_HEADER, _cell, _decode_file, _repeated_header
from analyzer.ingest.mail.folders import file_folder_kind
from analyzer.ingest.mail.message_ids import mail_key, norm_message_id, subject_part
from analyzer.ingest.mail.message_writer import add_mail
from analyzer.ingest.registry import Parser, Sniff
from analyzer.ingest.text import clean_text, normalise_header, read_table, sniff_delimiter, width_problem

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# Generic mail CSV with a column mapping
# ------------------------------------------------------------------------------------------------------------

GENERIC_FIELDS = ("date", "from", "to", "cc", "bcc", "thread", "message_id")


def generic_mail_csv_parser(mapping: dict[str, str]) -> Parser:
    """A parser for any mail CSV, given which column holds which field.

    ``mapping`` maps the canonical fields ``date``, ``from``, ``to``, ``cc``, ``bcc``, ``thread``, ``message_id``
    to the file's column names (matched case-insensitively); ``from`` is required. In the configuration file:

    .. code-block:: toml

        [generic_mail_csv]
        from = "Sender"           # required: "Name <addr>", a bare address, or a list (first one is used)
        to = "Recipients"         # ',' or ';'-separated addresses, "Name <addr>" allowed
        cc = "Copy"
        bcc = "Blind copy"        # (your sent mail's hidden recipients)
        date = "Sent On"          # any date format reconnect reads (ISO, RFC 5322, M/D/YYYY h:mm AM, ...)
        thread = "Conversation"   # any thread/conversation id
        message_id = "Internet Message ID"

    The file is recognised when its header has every mapped column; a file another parser recognises (a
    LinkedIn or Outlook export with the same column names) is read by that parser instead. A CSV whose header
    has some of the mapped columns but not all is named with the ones it lacks (:attr:`Parser.near_miss`). Rows without a
    sender address are rejected; a date column that cannot be read rejects the row; without a date column the
    messages are undated. A date column is read day first when its dates show it (``29/11/2022``:
    :func:`analyzer.ingest.dates.day_first_dates`). Without a Message-ID, a column headed ``Subject`` (not
    mapped: it is never kept) tells apart two messages of one sender in the same minute. Register the returned parser with :func:`analyzer.ingest.registry.register`
    before calling ``ingest``. Raises ValueError for an unknown field, a value that is not a column name, or
    a mapping without ``from``.
    """
    unknown = set(mapping) - set(GENERIC_FIELDS)
    if unknown:
        raise ValueError(f"unknown generic_mail_csv field(s): {', '.join(sorted(unknown))}; "
                         f"expected {', '.join(GENERIC_FIELDS)}")
    bad = sorted(k for k, v in mapping.items() if not isinstance(v, str) or not v.strip())
    if bad:
        raise ValueError(f"generic_mail_csv: {', '.join(bad)} must name a column (a non-empty string)")
    if not mapping.get("from"):
        raise ValueError("generic_mail_csv needs at least the 'from' column")
    want = {k: normalise_header(v) for k, v in mapping.items()}
    # (the sender's column as a recipients' one made every message go from its sender to itself: yours vanished)
    if same := sorted(k for k in ("to", "cc", "bcc") if k in want and want[k] == want["from"]):
        raise ValueError(f"generic_mail_csv: 'from' and {' and '.join(repr(k) for k in same)} name the same "
                         f"column ({mapping['from']!r}); the sender's column cannot hold the recipients")

    def is_header(keys: list[str]) -> bool:
        return set(want.values()) <= set(keys)

    def matches(s: Sniff) -> bool:
        for ln in s.text.splitlines()[:11]:
            if ln.strip():
                try:
                    row = next(csv.reader([ln], delimiter=sniff_delimiter(ln)))
                except (csv.Error, StopIteration):
                    continue
                if is_header([normalise_header(c) for c in row]):
                    return True
        return False

    def near_miss(s: Sniff) -> str | None:
        """Which mapped columns a CSV lacks whose header has the sender's column or two of the others."""
        for cells in s.line_cells:
            if not cells:
                continue
            have = set(cells)
            found = [k for k, v in want.items() if v in have]
            if found and ("from" in found or len(found) >= 2):
                missing = [f"{mapping[k]!r} ({k})" for k in GENERIC_FIELDS if k in want and k not in found]
                return (f"is not the mail CSV that [generic_mail_csv] describes: its header has no column "
                        f"{', '.join(missing)}")
        return None

    def parse(f: InputFile, out: FileCollector) -> None:
        text = _decode_file(f, out)
        table = read_table(text, f.display, is_header=is_header)
        ix = table.index()
        c = {k: ix.get(v) for k, v in want.items()}
        has_date = c.get("date") is not None
        c_subject = ix.get("SUBJECT")  # not mapped: only tells two messages apart (see subject_part)
        owner = file_folder_kind(f) == "sent"
        width = len(table.keys)
        rows = list(table.rows())
        # a date column is read day first when its dates show it (29/11/2022), as LinkedIn's (day_first_dates)
        day_first = has_date and day_first_dates(_cell(row, c.get("date")) for _, row in rows)
        for line, row in rows:
            if _repeated_header(row, table.keys):
                out.ignore(REPEATED_HEADER)
                continue
            if problem := width_problem(row, width):  # (a body's lines after a broken row: never messages)
                out.reject(line, problem)
                continue
            senders = parse_addresses(_cell(row, c.get("from")))
            if not senders:
                out.reject(line, "no sender address")
                continue
            ts = None
            if has_date:
                ts = parse_datetime(_cell(row, c.get("date")), day_first)
                if ts is None:
                    out.reject(line, "unreadable date")
                    continue
            recips = [a for k in ("to", "cc", "bcc") for a in parse_addresses(_cell(row, c.get(k)))]
            mid = norm_message_id(_cell(row, c.get("message_id")))
            add_mail(out, sender=senders[0], recipients=recips, timestamp=ts, line=line, owner=owner,
                     thread_id=clean_text(_cell(row, c.get("thread"))), message_id=mid,
                     msg_key=mail_key(mid, senders[0][0], ts, sorted({a for a, _ in recips}),
                                      *subject_part(_cell(row, c_subject))))
        if not has_date:
            out.note("no date column mapped: identities only")

    return Parser(
        kind="mail.generic_csv",
        label="Mail CSV with a column mapping ([generic_mail_csv] in the configuration)",
        export_help="Any CSV with one message per row: map its columns in the [generic_mail_csv] table of the "
                    "configuration file (from, to, cc, bcc, date, thread, message_id).",
        matches=matches,
        parse=parse,
        priority=-10,
        near_miss=near_miss,
    )
