"""Microsoft 365 / Exchange Online message trace CSV."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from analyzer.ingest.collect import FileCollector, stable_key
from analyzer.ingest.dates import day_first_dates, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.addresses import Addr, parse_addresses
from analyzer.ingest.mail.csv_common import REPEATED_HEADER, _cell, _decode_file, _first_row, _repeated_header
from analyzer.ingest.mail.message_ids import mail_key, norm_message_id
from analyzer.ingest.mail.message_writer import add_mail
from analyzer.ingest.registry import Parser, register
from analyzer.ingest.text import normalise_header, read_table
from analyzer.normalize import clean_email

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# Microsoft 365 / Exchange Online message trace
# ------------------------------------------------------------------------------------------------------------

_TRACE_SPAM = frozenset({"filteredasspam", "quarantined"})


def _is_trace_header(keys: list[str]) -> bool:
    ks = set(keys)
    return ({"SENDERADDRESS", "RECIPIENTADDRESS"} <= ks and ("RECEIVED" in ks or "MESSAGEID" in ks)) or (
        "SENDER_ADDRESS" in ks and bool(ks & {"RECIPIENT_STATUS", "RECIPIENT_ADDRESS"})
        and bool(ks & {"ORIGIN_TIMESTAMP_UTC", "DATE_TIME_UTC", "ORIGIN_TIMESTAMP"}))


@dataclass
class _TraceMsg:
    line: int
    timestamp: datetime | None
    sender: Addr
    recipients: dict[str, str | None] = field(default_factory=dict)
    message_id: str | None = None
    trace_id: str | None = None  # MessageTraceId / network message id: tells apart messages without a MessageId


def _trace_recipients(status: str, addresses: str) -> list[str]:
    """Recipient addresses from ``a@x##Receive, Deliver;b@y##...`` and/or a ``;``-separated address list."""
    out: list[str] = []
    for part in status.split(";"):
        addr = clean_email(part.split("##", 1)[0])
        if addr:
            out.append(addr)
    for part in re.split(r"[;,]", addresses):
        addr = clean_email(part)
        if addr:
            out.append(addr)
    return out


def parse_message_trace(f: InputFile, out: FileCollector) -> None:
    """Microsoft 365 message trace: the PowerShell summary (one row per recipient) and the downloadable
    enhanced/extended reports (one row per message or per routing event), merged per message."""
    text = _decode_file(f, out)
    table = read_table(text, f.display, is_header=_is_trace_header)
    ix = table.index()

    def col(*names: str) -> int | None:
        for n in names:
            if n in ix:
                return ix[n]
        return None

    c_date = col("RECEIVED", "ORIGIN_TIMESTAMP_UTC", "ORIGIN_TIMESTAMP", "DATE_TIME_UTC")
    c_date2 = col("DATE_TIME_UTC")
    c_from = col("SENDERADDRESS", "SENDER_ADDRESS")
    c_to = col("RECIPIENTADDRESS", "RECIPIENT_ADDRESS")
    c_status = col("RECIPIENT_STATUS")
    c_state = col("STATUS")
    c_mid = col("MESSAGEID", "MESSAGE_ID")
    c_net = col("NETWORK_MESSAGE_ID", "MESSAGETRACEID", "INTERNAL_MESSAGE_ID")
    rows = list(table.rows())
    # PowerShell's Export-Csv writes Received in the machine's date order (29/11/2022 08:00:00): each date column
    # is read day first when its dates show it, as LinkedIn's (day_first_dates)
    first1 = c_date is not None and day_first_dates(_cell(row, c_date) for _, row in rows)
    first2 = c_date2 is not None and day_first_dates(_cell(row, c_date2) for _, row in rows)
    msgs: dict[str, _TraceMsg] = {}
    for line, row in rows:
        if _repeated_header(row, table.keys):
            out.ignore(REPEATED_HEADER)
            continue
        state = _cell(row, c_state).strip().casefold()
        if state in _TRACE_SPAM:
            out.ignore("spam/quarantined (message trace)")
            continue
        if state == "failed":
            out.ignore("delivery failed (message trace)")
            continue
        senders = parse_addresses(_cell(row, c_from))
        if not senders:
            out.reject(line, "no sender address")
            continue
        ts = parse_datetime(_cell(row, c_date), first1) or parse_datetime(_cell(row, c_date2), first2)
        if ts is None:
            out.reject(line, "unreadable date")
            continue
        mid = norm_message_id(_cell(row, c_mid))
        net = _cell(row, c_net).strip() or None
        ident = mid or net or stable_key(line)
        recips = _trace_recipients(_cell(row, c_status), _cell(row, c_to))
        if state == "expanded":  # a distribution group: its members have rows of their own; it received nothing
            recips = []
        m = msgs.get(ident)
        if m is None:
            m = msgs[ident] = _TraceMsg(line, ts, senders[0], message_id=mid, trace_id=net)
            new = True
        else:
            new = False
            if m.timestamp is None or ts < m.timestamp:
                m.timestamp = ts
        for r in recips:
            if r not in m.recipients:
                m.recipients[r] = None
                new = True
        if new:
            out.used()
        else:
            out.ignore("repeated trace event of the same message")
    for m in msgs.values():  # rows were counted above: several rows can make one message
        add_mail(out, sender=m.sender, recipients=[(r, None) for r in m.recipients], timestamp=m.timestamp,
                 line=m.line, message_id=m.message_id, count=False,
                 msg_key=mail_key(m.message_id, m.sender[0], m.timestamp, sorted(m.recipients),
                                  *([m.trace_id] if m.trace_id else [])))


register(Parser(
    kind="mail.m365_trace",
    label="Microsoft 365 / Exchange Online message trace CSV (summary, enhanced and extended reports)",
    export_help="Exchange admin center -> Mail flow -> Message trace -> download the report (or "
                "Get-MessageTraceV2 | Export-Csv in PowerShell).",
    matches=lambda s: _is_trace_header([normalise_header(c) for c in _first_row(
        "\n".join(ln for ln in s.text.splitlines()[:3] if not ln.startswith("#")))]),
    parse=parse_message_trace,
))
