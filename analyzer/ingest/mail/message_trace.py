"""Microsoft 365 / Exchange Online message trace CSV."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from analyzer.errors import InputError
from analyzer.ingest.collect import (
    FileCollector,
    _list_column,
    per_distinct,
    sort_by_ints,
    stable_key,
    stable_keys,
)
from analyzer.ingest.dates import day_first_dates, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.addresses import Addr, parse_addresses
from analyzer.ingest.mail.classify import address_hints
from analyzer.ingest.mail.csv_common import (
    DELIMITER_RX,
    REPEATED_HEADER,
    _cell,
    _first_row,
    _repeated_header,
    count_bytes,
    rows_well_formed,
)
from analyzer.ingest.mail.message_dates import UTC_DT, _utc_datetime
from analyzer.ingest.mail.message_ids import mail_key, norm_message_id
from analyzer.ingest.mail.message_writer import add_mail
from analyzer.ingest.registry import Parser, register
from analyzer.ingest.text import (
    PY_WHITESPACE,
    clean_texts,
    decode,
    detect_encoding,
    looks_binary,
    normalise_header,
    read_table,
)
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


def _trace_columns(ix: dict[str, int]) -> tuple[int | None, ...]:
    """The positions of (date, second date, sender, recipients, recipient status, status, Message-ID, trace id)
    among the header's keys ``ix`` (:meth:`CsvTable.index`); None for a column the file lacks."""
    def col(*names: str) -> int | None:
        for n in names:
            if n in ix:
                return ix[n]
        return None

    return (col("RECEIVED", "ORIGIN_TIMESTAMP_UTC", "ORIGIN_TIMESTAMP", "DATE_TIME_UTC"), col("DATE_TIME_UTC"),
            col("SENDERADDRESS", "SENDER_ADDRESS"), col("RECIPIENTADDRESS", "RECIPIENT_ADDRESS"),
            col("RECIPIENT_STATUS"), col("STATUS"), col("MESSAGEID", "MESSAGE_ID"),
            col("NETWORK_MESSAGE_ID", "MESSAGETRACEID", "INTERNAL_MESSAGE_ID"))


def parse_message_trace(f: InputFile, out: FileCollector) -> None:
    """Microsoft 365 message trace: the PowerShell summary (one row per recipient) and the downloadable
    enhanced/extended reports (one row per message or per routing event), merged per message.

    A large plain UTF-8 file is read by polars (:func:`_fast_trace`); any other, or one whose polars parse is not
    proven to be the csv module's, row by row (:func:`_parse_rows`): the same output."""
    held = [f.read_bytes()]
    out.advance(len(held[0]))
    if FAST_ENABLED and len(held[0]) >= FAST_PATH_MIN_BYTES and _fast_trace(held, f.display, out):
        return
    if not held:  # (the fast path let go of the bytes once polars had them: read again)
        held.append(f.read_bytes())
    _parse_rows(decode(held.pop(), f.display), f, out)


def _parse_rows(text: str, f: InputFile, out: FileCollector) -> None:
    """The rows of a message trace read one by one with the csv module (any encoding or quirk): the reference
    that :func:`_fast_trace` reproduces."""
    table = read_table(text, f.display, is_header=_is_trace_header)
    ix = table.index()

    c_date, c_date2, c_from, c_to, c_status, c_state, c_mid, c_net = _trace_columns(ix)
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


# ------------------------------------------------------------------------------------------------------------
# The same, vectorised: a large plain trace read by polars
# ------------------------------------------------------------------------------------------------------------

#: Files at least this big are tried with polars first: 150,000 rows of Get-MessageTrace (24 MB) took 2.9 s of
#: ingest row by row, 0.58 s so (whole run 4.1 -> 1.7 s, peak 468 -> 316 MB); a small file takes milliseconds
#: either way.
FAST_PATH_MIN_BYTES = 1 << 20
#: False reads every file row by row (the reference that the tests compare the fast path with).
FAST_ENABLED = True

_DELIMITERS = (",", ";", "\t")
#: The dates of parse_datetime's first form (_YMD_HMS) in the narrow shape polars reads exactly as it does:
#: ASCII digits, nothing around the value (no strip), a zone of UTC only. Any other value goes through
#: parse_datetime, once per distinct value.
_RX_FAST_DT = (r"^([0-9]{4})[-/]([0-9]{2})[-/]([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)?"
               r"(?i:Z|UTC|GMT)?$")
#: A Message-ID cell that is one ``<id>`` of printable ASCII without blanks: norm_message_id gives its inside.
_RX_SIMPLE_MID = r"^<[\x21-\x3b\x3d\x3f-\x7e]+>$"
#: What str.split() splits on among ASCII characters (normalise_header's folding of blanks).
_RX_ASCII_BLANKS = r"[\t\n\x0b\x0c\r\x1c-\x1f ]+"


def _fast_table(held: list[bytes], display: str) -> tuple[pl.DataFrame, list[str], list[int | None]] | None:
    """The rows :meth:`CsvTable.rows` yields for the file ``held[0]`` (as :func:`_parse_rows` reads it), parsed
    by polars: ``line`` and the cells the reader uses (``c<i>``, empty as ""), with ``_full``, the whole row
    where it may be a header again (else null); the header's keys; the columns (:func:`_trace_columns`). None
    unless the parse provably is the csv module's (then the file is read row by row, which also rejects what
    is broken).

    Only plain UTF-8 files (valid UTF-8, no NUL byte, no lone CR: the text decode() gives is the bytes'), the
    header on the first line or on the second after one line that is not a header (PowerShell's ``#TYPE``).
    Proof, as for Thunderbird's index (:func:`~analyzer.ingest.mail.thunderbird_csv._fast_rows`) and Outlook's
    mail CSV: every row is the header's number of cells, each quoted (quotes doubled inside) or without a quote
    (a regex over the text: on such rows the csv module and polars read the same cells; polars reads some
    malformed quoting without an error, and otherwise); the delimiters of the rows add up to their cells' and
    the ones inside them, the newlines to the rows and the ones inside cells (exact line numbers); no row of
    blank cells; no line inside a cell that reads as a row; no line break in the last row's last cell.
    ``held`` is emptied once polars has parsed the bytes."""

    data = held[0]
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data.startswith(b"\xef\xbb\xbf", bom) or detect_encoding(data[:4096]) not in ("utf-8", "utf-8-sig") \
            or looks_binary(data[:8192]) or b"\x00" in data:
        return None
    nl1 = data.find(b"\n")
    nl2 = data.find(b"\n", nl1 + 1) if nl1 >= 0 else -1
    if nl2 < 0:
        return None
    try:
        head = read_table(data[bom: nl2 + 1].decode("utf-8"), display, is_header=_is_trace_header, max_preamble=1)
    except (UnicodeDecodeError, InputError):
        return None
    if head.delimiter not in _DELIMITERS or head.header_line not in (1, 2):
        return None
    start = bom if head.header_line == 1 else nl1 + 1
    body = data[start:] if start else data
    end_header = body.find(b"\n")
    if body[:end_header].count(b'"') % 2:
        return None  # (a header line whose quote runs on: the csv module read one line of it)
    delim = head.delimiter.encode("ascii")
    width = len(head.keys)
    cols = list(_trace_columns(head.index()))
    header_delims = body[:end_header].count(delim)
    n_delim, newlines, n_cr, n_crlf_cr = *count_bytes(body, delim + b"\n\r"), body.count(b"\r\n")
    if n_cr != n_crlf_cr:
        return None  # a lone CR is a line break for the csv module
    ends_nl = body.endswith(b"\n")
    # Every row well-formed (exactly the header's cells, each quoted or without a quote), and UTF-8 (decode()
    # would read other bytes as Windows-1252): polars reads malformed quoting otherwise than the csv module,
    # without an error (a regex over pieces of the rows: 39 ms of 24 MB).
    if not rows_well_formed(body, head.delimiter, width):
        return None
    d = DELIMITER_RX[head.delimiter]
    try:
        lf = pl.scan_csv(body, has_header=True, infer_schema=False, quote_char='"', separator=head.delimiter,
                         raise_if_empty=False)
        names = lf.collect_schema().names()
        if len(names) != width or width < 2:
            return None
        cells = [pl.col(n).fill_null("") for n in names]
        rows_inside = rf"[\r\n](?:[^\r\n{d}]*{d}){{{width - 1}}}"
        first = cells[0]
        ascii_norm = (first.str.strip_chars(PY_WHITESPACE).str.strip_chars('"').str.replace_all(_RX_ASCII_BLANKS, " ")
                      .str.strip_chars(" ").str.to_uppercase())
        # The rows that may be a header again (or a #TYPE line), and those that may be blank (their first cell
        # is): their whole row is kept, checked in Python (the blank test over every row cost 40 ms of 24 MB).
        maybe_header = (first.str.starts_with("#TYPE") | ~first.str.contains(r"^[\x00-\x7f]*$")
                        | (ascii_norm == head.keys[0]) | (first.str.strip_chars(PY_WHITESPACE) == ""))
        used = sorted({i for i in cols if i is not None})
        rows = lf.select(
            *(cells[i].alias(f"c{i}") for i in used),
            pl.when(maybe_header).then(pl.concat_list(cells)).alias("_full"),
            pl.sum_horizontal(x.str.count_matches(head.delimiter, literal=True) for x in cells).cast(pl.Int64)
            .alias("_delims"),
            pl.sum_horizontal(x.str.count_matches("\n", literal=True) for x in cells).cast(pl.Int64)
            .alias("_newlines"),
        ).collect(engine="streaming")
        nl = rows.get_column("_newlines")
        inner = int(nl.sum())
        # Cells with line breaks (rare in a trace): no line inside one reads as a row, none in the last row's
        # last cell. Parsed again only then (these regexes cost 40 ms of 24 MB).
        if inner and bool(lf.select(pl.any_horizontal(x.str.contains(rows_inside) for x in cells).any()
                                    | cells[-1].last().str.contains(r"[\r\n]")).collect().item()):
            return None
    except (Exception, pl.exceptions.PanicException):  # any parse problem: the csv module reads it
        return None
    held.clear()
    n = rows.height
    if n == 0 or n_delim != header_delims + n * (width - 1) + int(rows.get_column("_delims").sum()) \
            or newlines != 1 + (n - 1) + inner + ends_nl:
        return None
    if any(not "".join(row).strip() for row in rows.get_column("_full").drop_nulls().to_list()):
        return None  # a row of blank cells (the csv module's reader skips it)
    lines = pl.int_range(0, n, dtype=pl.Int64, eager=True) + head.header_line + 1 + nl.cum_sum() - nl
    return rows.select(lines.alias("line"), *(f"c{i}" for i in used), "_full"), head.keys, cols


def _fast_dates(values: pl.Series, day_first: bool) -> pl.Series:
    """``parse_datetime(v, day_first)`` of each value: the narrow ISO form (:data:`_RX_FAST_DT`) in polars,
    the others through parse_datetime once per distinct value."""
    c = pl.col
    g = values.to_frame("v").select(c("v").str.extract_groups(_RX_FAST_DT)).unnest("v").select(
        fast=c("1").is_not_null(), y=c("1").cast(pl.Int64), mo=c("2").cast(pl.Int64), d=c("3").cast(pl.Int64),
        hh=c("4").cast(pl.Int64).fill_null(0), mi=c("5").cast(pl.Int64).fill_null(0),
        ss=c("6").cast(pl.Int64).fill_null(0))
    fast = g.get_column("fast")
    ts = _utc_datetime(g.with_columns(off=pl.lit(0, pl.Int64), ok=c("fast") & (c("ss") < 60)))  # (no leap second)
    rest = (~fast).arg_true()
    if rest.len():
        ts = ts.scatter(rest, per_distinct(values.gather(rest), lambda v: parse_datetime(v, day_first), UTC_DT))
    return ts


def _day_first(values: pl.Series) -> bool:
    """:func:`day_first_dates` of a column (only values with a slash can tell; the order does not matter)."""
    return day_first_dates(values.filter(values.str.contains("/", literal=True)).unique().to_list())


def _message_ids(values: pl.Series) -> pl.Series:
    """:func:`norm_message_id` of each cell: a lone ``<id>`` in polars, others once per distinct value."""
    simple = values.str.contains(_RX_SIMPLE_MID)
    out = pl.select(pl.when(simple).then(values.str.slice(1, values.str.len_chars() - 2))).to_series()
    rest = (~simple & (values != "")).arg_true()
    if rest.len():
        out = out.scatter(rest, per_distinct(values.gather(rest), norm_message_id, pl.String()))
    return out.alias("mid")


def _fast_trace(held: list[bytes], display: str, out: FileCollector) -> bool:
    """:func:`_parse_rows` in polars for a file :func:`_fast_table` reads: the same records, messages (with the
    same keys), rejects and counts; False (``out`` untouched) when the file is not such."""
    table = _fast_table(held, display)
    if table is None:
        return False
    rows, keys, (c_date, c_date2, c_from, c_to, c_status, c_state, c_mid, c_net) = table
    c = pl.col

    def cell(i: int | None) -> pl.Series:  # (of the rows left: "" for a column the file lacks)
        return rows.get_column(f"c{i}") if i is not None else pl.repeat("", rows.height, dtype=pl.String(),
                                                                          eager=True)

    # (over every row, as the rows' reader decides it: repeated headers too)
    first1 = c_date is not None and _day_first(cell(c_date))
    first2 = c_date2 is not None and _day_first(cell(c_date2))
    k = pl.int_range(rows.height, dtype=pl.Int64, eager=True)
    repeated = [i for i, full in zip(k.filter(rows.get_column("_full").is_not_null()).to_list(),
                                     rows.get_column("_full").drop_nulls().to_list(), strict=True)
                if _repeated_header(full, keys)]
    state = per_distinct(cell(c_state), lambda v: v.strip().casefold(), pl.String())
    frame = pl.DataFrame([k.alias("k"), rows.get_column("line"), state.alias("state")])
    reason = (pl.when(c("k").is_in(repeated)).then(pl.lit(REPEATED_HEADER))
              .when(c("state").is_in(list(_TRACE_SPAM))).then(pl.lit("spam/quarantined (message trace)"))
              .when(c("state") == "failed").then(pl.lit("delivery failed (message trace)")))
    frame = frame.with_columns(reason=reason)
    ignored = frame.filter(c("reason").is_not_null()).get_column("reason").value_counts()
    keep = frame.get_column("reason").is_null()
    frame = frame.filter(keep)
    rows = rows.filter(keep)
    # The sender: the first address of the cell (parse_addresses, once per distinct cell)
    senders = per_distinct(cell(c_from), lambda v: (lambda a: {"a": a[0][0], "n": a[0][1]} if a else None)(
        parse_addresses(v)), pl.Struct({"a": pl.String(), "n": pl.String()}))
    frame = frame.with_columns(s=senders).unnest("s").rename({"a": "s_addr", "n": "s_name"})
    rejects = frame.filter(c("s_addr").is_null()).select("k", "line", reason=pl.lit("no sender address"))
    has_sender = frame.get_column("s_addr").is_not_null()
    frame, rows = frame.filter(has_sender), rows.filter(has_sender)
    ts = _fast_dates(cell(c_date), first1)
    if ts.null_count():  # (the second date column only where the first gave none, as `or` does)
        miss = ts.is_null().arg_true()
        ts = ts.scatter(miss, _fast_dates(cell(c_date2).gather(miss), first2))
    frame = frame.with_columns(ts=ts)
    rejects = pl.concat([rejects, frame.filter(c("ts").is_null()).select("k", "line",
                                                                         reason=pl.lit("unreadable date"))])
    dated = frame.get_column("ts").is_not_null()
    frame, rows = frame.filter(dated), rows.filter(dated)
    # The message each row belongs to: its Message-ID, else its trace id, else its own line
    net = cell(c_net).str.strip_chars(PY_WHITESPACE)
    frame = frame.with_columns(_message_ids(cell(c_mid)), net=pl.when(net != "").then(net))
    ident = pl.coalesce("mid", "net")
    lone = frame.filter(ident.is_null()).get_column("line")
    frame = frame.with_columns(ident=ident)
    if lone.len():
        idents = frame.get_column("ident")
        frame = frame.with_columns(idents.scatter(idents.is_null().arg_true(),
                                                  pl.Series([stable_key(x) for x in lone.to_list()])))
    # The recipients of each row, per distinct (status, addresses) cell pair
    pairs = pl.DataFrame([cell(c_status).alias("st"), cell(c_to).alias("to")])
    uniq = pairs.unique(maintain_order=True)
    code = pairs.join(uniq.with_row_index("u"), on=["st", "to"], how="left", maintain_order="left").get_column("u")
    # (lists built from flat values: map_distinct's column of Python lists took 0.15 s for 5,000 of them)
    recips = _list_column("r", [_trace_recipients(st, to) for st, to in uniq.iter_rows()], pl.String()) \
        .cast(pl.List(pl.String())).gather(code)
    frame = frame.with_columns(r=pl.when(c("state") == "expanded").then(pl.lit([], pl.List(pl.String())))
                               .otherwise(recips))
    idents = frame.get_column("ident")
    frame = frame.with_columns(m=idents.cast(pl.Enum(idents.unique(maintain_order=True))).to_physical()
                               .cast(pl.Int64))
    listed = frame.select("k", "m", "r").explode("r").filter(c("r").is_not_null())
    listed = listed.filter(pl.struct("m", "r").is_first_distinct())
    adds = np.zeros(int(k.len()), dtype=bool)  # (the rows that add a recipient to their message)
    adds[listed.get_column("k").to_numpy()] = True
    new_row = frame.get_column("m").is_first_distinct() | pl.Series(adds).gather(frame.get_column("k"))
    n_used = int(new_row.sum())
    n_repeated = frame.height - n_used
    msgs = frame.filter(c("m").is_first_distinct()).select("m", "line", "s_addr", "s_name", "mid", "net").join(
        frame.group_by("m").agg(ts=c("ts").min()), on="m", how="left", maintain_order="left")
    del frame
    records, messages = _trace_mail(msgs, listed.select("m", "r"))
    if records is not None:
        out.add_bulk(records, messages)
    out.used(n_used)
    for line, why in rejects.sort("k").select("line", "reason").iter_rows():
        out.reject(line, why)
    for why, n in ignored.iter_rows():
        out.ignore(why, n)
    if n_repeated:
        out.ignore("repeated trace event of the same message", n_repeated)
    return True


def _trace_mail(msgs: pl.DataFrame, recips: pl.DataFrame) -> tuple[pl.DataFrame | None, pl.DataFrame]:
    """The records and messages add_mail makes of the messages ``msgs`` (m, line, s_addr, s_name, mid, net, ts;
    in order) with their recipients ``recips`` (m, r; each message's in order), as :meth:`FileCollector.add_bulk`
    takes them; (None, ...) for none. A record is keyed (address, name): a recipient has no name."""
    c = pl.col
    if msgs.height == 0:
        return None, msgs
    # The message keys: the Message-ID, else mail_key's hash of the sender, the time, the sorted recipients and
    # the trace id (the texts built here, hashed in Python as stable_key hashes them).
    addrs = recips.get_column("r").unique().sort()  # (polars sorts strings by code point, as Python)
    code = recips.get_column("r").cast(pl.Enum(addrs)).to_physical().cast(pl.Int64)
    reprs = pl.Series([repr(a) for a in addrs.to_list()], dtype=pl.String())
    listed = sort_by_ints(recips.select("m", code=code), "m", "code")
    listed = listed.select("m", r=reprs.gather(listed.get_column("code"))).group_by("m", maintain_order=True) \
        .agg("r").select("m", r=c("r").list.join(", "))
    no_mid = msgs.filter(c("mid").is_null()).join(listed, on="m", how="left", maintain_order="left")
    text = pl.concat_str(pl.lit("email\x1f"), c("s_addr"), pl.lit("\x1f"), c("ts").dt.strftime("%Y-%m-%d %H:%M:%S"),
                         pl.lit("+00:00\x1f["), c("r").fill_null(""), pl.lit("]\x1f"),
                         pl.when(c("net").is_not_null()).then(c("net") + "\x1f").otherwise(pl.lit("")))
    texts = no_mid.select(text).to_series()
    hashed = stable_keys(texts)
    keys = msgs.get_column("mid")
    if hashed:
        keys = keys.scatter(keys.is_null().arg_true(), pl.Series(hashed, dtype=pl.String()))
    # Mentions in add_mail's order: each message's sender, then its recipients but the sender
    others = recips.join(msgs.select("m", "line", "s_addr"), on="m", how="left", maintain_order="left").filter(
        c("r") != c("s_addr"))
    mentions = sort_by_ints(pl.concat([
        msgs.select("m", "line", pos=pl.lit(0, pl.Int64), a="s_addr", n="s_name"),
        others.select("m", "line", pos=pl.int_range(1, pl.len() + 1, dtype=pl.Int64), a="r",
                      n=pl.lit(None, pl.String())),
    ]), "m", "pos")
    recs = mentions.group_by("a", "n", maintain_order=True).agg(
        line=c("line").first(), role=pl.when(c("pos").first() == 0).then(pl.lit("sender"))
        .otherwise(pl.lit("recipient")), n_mentions=pl.len().cast(pl.Int64)).with_row_index("rid")
    recs = recs.with_columns(c("rid").cast(pl.Int64))
    mentions = mentions.join(recs.select("a", "n", "rid"), on=["a", "n"], how="left", nulls_equal=True,
                             maintain_order="left")
    names, emails = recs.get_column("n"), recs.get_column("a")
    clean = per_distinct(emails, clean_email, pl.String())
    records = recs.with_columns(name=clean_texts(names), email=clean, automated_hint=address_hints(emails, names)) \
        .select("line", "role", "name",
                emails=pl.when(c("email").is_not_null()).then(pl.concat_list("email"))
                .otherwise(pl.lit([], dtype=pl.List(pl.String()))),
                n_mentions="n_mentions", owner_hint=pl.lit(False), automated_hint="automated_hint")
    rec_ids = mentions.filter(c("pos") > 0).group_by("m", maintain_order=True).agg(recipient_ids="rid")
    messages = (mentions.filter(c("pos") == 0).select("m", sender_id="rid")
                .join(rec_ids, on="m", how="left", maintain_order="left")
                .with_columns(c("recipient_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64()))))
                .select(keys.alias("msg_key"), msgs.get_column("ts").alias("timestamp"), "sender_id",
                        "recipient_ids", msgs.get_column("mid").alias("message_id"), msgs.get_column("line"),
                        channel=pl.lit("email"),
                        n_participants=(c("recipient_ids").list.len() + 1).cast(pl.Int32)))
    return records, messages


register(Parser(
    kind="mail.m365_trace",
    label="Microsoft 365 / Exchange Online message trace CSV (summary, enhanced and extended reports)",
    export_help="Exchange admin center -> Mail flow -> Message trace -> download the report (or "
                "Get-MessageTraceV2 | Export-Csv in PowerShell).",
    matches=lambda s: _is_trace_header([normalise_header(c) for c in _first_row(
        "\n".join(ln for ln in s.text.splitlines()[:3] if not ln.startswith("#")))]),
    parse=parse_message_trace,
))
