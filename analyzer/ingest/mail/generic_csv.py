"""A generic mail CSV read through a column mapping from the configuration."""

from __future__ import annotations

import csv
import logging

import polars as pl

from analyzer.ingest.collect import FileCollector, per_distinct, sort_by_ints, stable_keys
from analyzer.ingest.dates import day_first_dates, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.addresses import parse_addresses, single_addresses
from analyzer.ingest.mail.csv_common import (
    REPEATED_HEADER,
    _cell,
    _decode_file,
    _repeated_header,
    account_rows,
)
from analyzer.ingest.mail.folders import file_folder_kind
from analyzer.ingest.mail.message_dates import UTC_DT, _utc_datetime
from analyzer.ingest.mail.message_ids import mail_key, norm_message_id, subject_part
from analyzer.ingest.mail.message_writer import add_mail, bulk_mail_records
from analyzer.ingest.mail.thunderbird_csv import _fast_rows, _folded_subjects, _recipient_lists
from analyzer.ingest.registry import Parser, Sniff
from analyzer.ingest.text import (
    CsvTable,
    clean_text,
    normalise_header,
    read_table,
    sniff_delimiter,
    width_problem,
)

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# Generic mail CSV with a column mapping
# ------------------------------------------------------------------------------------------------------------

GENERIC_FIELDS = ("date", "from", "to", "cc", "bcc", "thread", "message_id")

#: Files at least this big are tried with polars first (:func:`_fast_generic`): the row-by-row reader spent
#: 2.25 s on a mail log of 150,000 rows (12.7 MB), a millisecond on a small one.
FAST_PATH_MIN_BYTES = 1 << 20
#: False reads every file row by row (the reference that the tests compare the fast path with).
FAST_ENABLED = True


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
        """The file's rows: a large plain file in polars (:func:`_fast_generic`, the same output), else one by
        one (the reference)."""
        text = _decode_file(f, out)
        table = read_table(text, f.display, is_header=is_header)
        ix = table.index()
        c = {k: ix.get(v) for k, v in want.items()}
        has_date = c.get("date") is not None
        c_subject = ix.get("SUBJECT")  # not mapped: only tells two messages apart (see subject_part)
        owner = file_folder_kind(f) == "sent"
        if FAST_ENABLED and f.size >= FAST_PATH_MIN_BYTES and _fast_generic(text, table, c, c_subject, owner, out):
            return
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


# ------------------------------------------------------------------------------------------------------------
# The same, vectorised: a large file in a plain layout
# ------------------------------------------------------------------------------------------------------------


#: The fewest columns the fast path reads: a log of date, sender and recipients has three (the Thunderbird
#: index's own minimum, four, refused it; nothing in the proof needs more than two).
_MIN_WIDTH = 2


def _repeated_rows(rows: pl.DataFrame, keys: list[str]) -> list[int]:
    """The rows (numbers) of ``rows`` that :func:`_repeated_header` takes for the header again: the few whose
    first cell may start one (``#TYPE``, or the header's first key) are checked by that function itself.

    A first cell is normalised (in Python, once per distinct value) only when each ASCII letter or digit in it is
    one of the first key's, in either case (normalise_header keeps them all, upper-cased): a column of dates or
    addresses first had 129,000 distinct values to normalise, 0.2 s."""
    first = rows.get_column("c0")
    other = sorted(set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") - set(keys[0] if keys else ""))
    foreign = "".join(ch + ch.lower() if ch.isalpha() else ch for ch in other)
    maybe_rows = first.str.starts_with("#TYPE")
    if keys:
        maybe_rows = maybe_rows | ~first.str.contains(f"[{foreign}]" if foreign else "[^\\s\\S]")
    maybe = [v for v in first.filter(maybe_rows).unique().to_list()
             if v.startswith("#TYPE") or (keys and normalise_header(v) == keys[0])]
    if not maybe:
        return []
    width = len(keys)
    return [i for i in first.is_in(maybe).arg_true().to_list()
            if _repeated_header(list(rows.row(i)[:width]), keys)]


#: The ISO date-times read in polars exactly as :func:`parse_datetime` reads them (its ``_YMD_HMS`` without
#: zone or fraction, ASCII digits, nothing around the value); any other value goes through parse_datetime once.
_RX_ISO = r"^([0-9]{4})[-/]([0-9]{2})[-/]([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?$"


def _timestamps(dates: pl.Series) -> tuple[pl.Series, pl.Series]:
    """:func:`parse_datetime` of each value of ``dates`` (day first when :func:`day_first_dates` of them all
    says so) and its ``str`` (as :func:`mail_key` writes it; "None" for none): the values of :data:`_RX_ISO` in
    polars, the others in Python once per distinct value (129,000 distinct values took 0.5 s there)."""
    uniq = dates.unique(maintain_order=True)
    codes = dates.cast(pl.Enum(uniq)).to_physical()
    # (only a value with "/" can be a slashed date: the rest never votes)
    day_first = day_first_dates(uniq.filter(uniq.str.contains("/", literal=True)).to_list())
    c = pl.col
    g = uniq.to_frame("v").select(c("v").str.extract_groups(_RX_ISO)).unnest("v")
    fast = g.get_column("1").is_not_null()
    parts = g.select(y=c("1").cast(pl.Int64), mo=c("2").cast(pl.Int64), d=c("3").cast(pl.Int64),
                     hh=c("4").cast(pl.Int64).fill_null(0), mi=c("5").cast(pl.Int64).fill_null(0),
                     ss=c("6").cast(pl.Int64).fill_null(0), off=pl.lit(0, pl.Int64))
    parts = parts.with_columns(ok=fast & (c("ss") < 60))  # (datetime() has no leap second)
    ts = _utc_datetime(parts)
    text = pl.select(pl.when(ts.is_not_null()).then(ts.dt.strftime("%Y-%m-%d %H:%M:%S") + "+00:00")
                     .otherwise(pl.lit("None"))).to_series()
    rest = (~fast).arg_true()
    if rest.len():
        parsed = [parse_datetime(v, day_first) for v in uniq.gather(rest).to_list()]
        ts = ts.scatter(rest, pl.Series(parsed, dtype=UTC_DT))
        text = text.scatter(rest, pl.Series([str(t) for t in parsed], dtype=pl.String()))
    return ts.gather(codes), text.gather(codes)


def _row_recipients(used: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """(j, addr, name) of every row ``j`` of ``used``: the addresses of its cells ``cols`` (to, cc, bcc) as
    :func:`parse_addresses` gives them one cell after the other, each address once (its first name), in order:
    what :func:`add_mail` iterates (before it drops the sender's address)."""
    parts = []
    for g, name in enumerate(cols):
        values = used.get_column(name)
        uniq = values.unique(maintain_order=True)
        lists, _texts = _recipient_lists(uniq)  # (each value's distinct addresses, in order: q from 1)
        rv = values.cast(pl.Enum(uniq)).to_physical().cast(pl.Int64)
        parts.append(used.select("j").with_columns(rv=rv, g=pl.lit(g, pl.Int64))
                     .join(lists, on="rv", how="inner", maintain_order="left_right"))
    if not parts:
        return pl.DataFrame(schema={"j": pl.Int64(), "addr": pl.String(), "name": pl.String()})
    found = sort_by_ints(pl.concat(parts), "j", "g", "q")
    return found.filter(pl.struct("j", "addr").is_first_distinct()).select("j", "addr", "name")


def _address_list_texts(recips: pl.DataFrame, n: int) -> pl.Series:
    """For rows 0..n-1: ``str(sorted({addresses}))`` of each row's recipients ``recips`` (j, addr), as
    :func:`mail_key` writes the list (``repr`` of each address, sorted by code point: polars sorts strings by
    their UTF-8 bytes, the same order)."""
    addr = recips.get_column("addr")
    uniq = addr.unique().sort()
    reprs = pl.Series([repr(v) for v in uniq.to_list()], dtype=pl.String())
    codes = recips.select("j", code=addr.cast(pl.Enum(uniq)).to_physical().cast(pl.Int64))
    codes = sort_by_ints(codes, "j", "code")
    listed = codes.select("j", r=reprs.gather(codes.get_column("code"))).group_by(
        "j", maintain_order=True).agg("r").select("j", r=pl.col("r").list.join(", "))
    joined = pl.DataFrame({"j": pl.int_range(n, dtype=pl.Int64, eager=True)}).join(
        listed, on="j", how="left", maintain_order="left")
    return ("[" + joined.get_column("r").fill_null("") + "]").alias("list")


def _fast_generic(text: str, table: CsvTable, c: dict[str, int | None], c_subject: int | None, owner: bool,
                  out: FileCollector) -> bool:
    """What the row-by-row reader of :func:`generic_mail_csv_parser` makes of ``text``, in polars: the same
    records, messages (with the same keys), rejects, counts and note; False (``out`` untouched) unless the file
    is one that :func:`~analyzer.ingest.mail.thunderbird_csv._fast_rows` reads provably as the csv module does
    (every row of the header's width, each cell quoted or without quotes, the line breaks and delimiters adding
    up, no blank row, no row inside a cell), with its header on the first line.

    Python runs once per distinct value (dates, address cells, Message-IDs, threads, the first cells that may
    be a header again), and per row only to hash the message keys without a Message-ID (as
    :func:`~analyzer.ingest.collect.stable_key` does)."""
    if table.header_line != 1:
        return False
    frame = _fast_rows(text, table.delimiter, min_width=_MIN_WIDTH)
    width = len(table.keys)
    if frame is None or frame.width != width + 1:
        return False
    if [normalise_header(v) for v in frame.row(0)[:width]] != table.keys \
            or (frame.height > 1 and frame.item(1, "line") != 2):
        return False  # (a header read otherwise than read_table reads it, or holding a line break)
    rows = frame.slice(1)
    del frame
    col = pl.col
    n = rows.height
    dated = c.get("date") is not None
    repeated = _repeated_rows(rows, table.keys)
    cells = {k: rows.get_column(f"c{i}") for k, i in c.items() if i is not None}
    senders = single_addresses(cells["from"])
    ts_text = pl.repeat("None", n, dtype=pl.String(), eager=True)  # (str(None): no date column)
    ts = pl.repeat(None, n, dtype=UTC_DT, eager=True)
    if dated:
        ts, ts_text = _timestamps(cells["date"])
    subjects = rows.get_column(f"c{c_subject}") if c_subject is not None else pl.repeat("", n, eager=True)
    frame = pl.DataFrame([
        rows.get_column("line"), senders.get_column("addr").alias("s_addr"),
        senders.get_column("name").alias("s_name"), (senders.get_column("n") > 0).alias("has_sender"),
        ts.alias("ts"), ts_text.alias("ts_text"), subjects.alias("subject"),
        *(cells[k].alias(k) for k in ("to", "cc", "bcc", "thread", "message_id") if k in cells),
    ]).with_row_index("k").with_columns(col("k").cast(pl.Int64))
    del rows, cells
    frame = frame.with_columns(
        reason=pl.when(col("k").is_in(repeated)).then(pl.lit(REPEATED_HEADER))
        .when(~col("has_sender")).then(pl.lit("no sender address"))
        .when(col("ts").is_null() & pl.lit(dated)).then(pl.lit("unreadable date")))
    outcomes = frame.filter(col("reason").is_not_null()).select("line", "reason")
    used = frame.filter(col("reason").is_null()).drop("reason", "has_sender", "k").with_columns(
        j=pl.int_range(pl.len(), dtype=pl.Int64))
    del frame
    if used.height:
        records, messages = _fast_messages(used, owner)
        out.add_bulk(records, messages)
        out.used(used.height)
    account_rows(out, outcomes, REPEATED_HEADER)
    if not dated:
        out.note("no date column mapped: identities only")
    return True


def _fast_messages(used: pl.DataFrame, owner: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The records and messages :func:`add_mail` makes of the rows ``used`` (line, s_addr, s_name, ts, ts_text,
    subject, the mapped cells to/cc/bcc/thread/message_id, j), as frames for :meth:`FileCollector.add_bulk`.

    Records are keyed as there, (address, name, owner): a sender mention of a row, then one per distinct address
    of its recipients but the sender's; a record is numbered, and has the line and role, of its first mention
    (as :func:`analyzer.ingest.mail.thunderbird_csv._fast_mail`)."""
    c = pl.col
    n = used.height
    listed = _row_recipients(used, [k for k in ("to", "cc", "bcc") if k in used.columns])
    list_texts = _address_list_texts(listed, n)
    people = pl.concat([used.select(addr="s_addr", name="s_name"), listed.select("addr", "name")]).unique(
        maintain_order=True).with_row_index("pid").with_columns(c("pid").cast(pl.Int64))
    used = used.join(people, left_on=["s_addr", "s_name"], right_on=["addr", "name"], how="left",
                     nulls_equal=True, maintain_order="left")
    listed = listed.join(people, on=["addr", "name"], how="left", nulls_equal=True, maintain_order="left")
    recipients = (listed.join(used.select("j", "line", "s_addr"), on="j", how="inner", maintain_order="left")
                  .filter(c("addr") != c("s_addr")).with_row_index("sub", offset=1)
                  .with_columns(c("sub").cast(pl.Int64)))
    records, sender_ids, recipient_ids, per_row = bulk_mail_records(used, recipients, people,
                                                                    c("pid") * 2 + int(owner))
    mids = (per_distinct(used.get_column("message_id"), norm_message_id, pl.String()) if "message_id" in used.columns
            else pl.repeat(None, n, dtype=pl.String(), eager=True))
    threads = (per_distinct(used.get_column("thread"), clean_text, pl.String()) if "thread" in used.columns
               else pl.repeat(None, n, dtype=pl.String(), eager=True))
    # The key of a message without a Message-ID: stable_key("email", sender, ts, sorted addresses, subject)
    key_text = pl.concat_str(
        pl.lit("email\x1f"), c("s_addr"), pl.lit("\x1f"), c("ts_text"), pl.lit("\x1f"), c("list"), pl.lit("\x1f"),
        pl.when(c("folded") != "").then(c("folded") + "\x1f").otherwise(pl.lit("")))
    texts = used.select("s_addr", "ts_text", list_texts, folded=_folded_subjects(used.get_column("subject")),
                        mid=mids).filter(c("mid").is_null()).select(key_text).to_series()
    hashed = pl.Series(stable_keys(texts), dtype=pl.String())
    msg_key = mids.clone().scatter(mids.is_null().arg_true(), hashed) if hashed.len() else mids  # (in place: a copy)
    messages = used.select(
        msg_key=msg_key, timestamp="ts", channel=pl.lit("email"), thread_id=threads,
        sender_id=sender_ids,
        recipient_ids=recipient_ids, n_participants=(per_row + 1).cast(pl.Int32), message_id=mids, line="line")
    return records, messages
