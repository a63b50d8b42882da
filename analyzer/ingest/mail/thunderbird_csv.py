"""Thunderbird ImportExportTools NG CSV (no header row)."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

import polars as pl

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector, stable_keys
from analyzer.ingest.dates import MAX_YEAR, MIN_YEAR, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.addresses import parse_addresses, single_addresses
from analyzer.ingest.mail.csv_common import (
    DELIMITER_RX,
    _cell,
    _decode_file,
    _first_line,
    _first_row,
    _headerless_table,
    account_rows,
    row_chunks,
    well_formed_pattern,
)
from analyzer.ingest.mail.folders import IGNORE_FOLDER, file_folder_kind, folder_kind
from analyzer.ingest.mail.message_dates import UTC_DT, _utc_datetime
from analyzer.ingest.mail.message_ids import mail_key, subject_part
from analyzer.ingest.mail.message_writer import add_mail, bulk_mail_records
from analyzer.ingest.registry import Parser, Sniff, register
from analyzer.ingest.text import PY_WHITESPACE, sniff_delimiter

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


def _date_vote(cell: str) -> int:
    """What one date cell says of the order: 1 day-first, -1 month-first, 0 nothing (see :func:`_day_first`)."""
    m = _NUM_DT.match(cell.strip())
    if not m or len(m.group(1)) == 4:
        return 0
    a, sep, b = int(m.group(1)), m.group(2), int(m.group(3))
    if sep == "." or a > 12:
        return 1
    return -1 if b > 12 else 0


def _day_first(cells: Iterable[str]) -> bool:
    """Are the file's numeric dates day-first (27/03/2020, 27.3.2020)? Decided once per file."""
    votes_day = votes_month = 0
    for c in cells:
        v = _date_vote(c)
        votes_day += v == 1
        votes_month += v == -1
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
    """Thunderbird ImportExportTools NG 'Spreadsheet (CSV)' index: Subject, Author, Recipients, date, ...

    A large file in a plain layout is read with polars (:func:`_fast_ietng`); the rows below are the reference
    and read every other file."""
    text = _decode_file(f, out)
    delimiter = sniff_delimiter(_first_line(text))
    if FAST_ENABLED and f.size >= FAST_PATH_MIN_BYTES and _fast_ietng(text, f, delimiter, out):
        return
    table = _headerless_table(text, f.display, delimiter)
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


# ------------------------------------------------------------------------------------------------------------
# The same, vectorised: a large index in a plain layout
# ------------------------------------------------------------------------------------------------------------

#: Files at least this big are tried with polars first: the row-by-row reader spent 2.4 s on an index of
#: 150,000 messages (18 MB), a millisecond on a small one.
FAST_PATH_MIN_BYTES = 1 << 20
#: False reads every file row by row (the reference that the tests compare the fast path with).
FAST_ENABLED = True

# The date-times of _NUM_DT in the narrow form read in polars exactly as _local_datetime reads them: ASCII
# digits, spaces, nothing around the value (no strip); the two separators, equal for _NUM_DT (\2), are compared
# apart (Rust's regexes have no back-references). Any other value goes through _local_datetime, once per value.
_RX_FAST_DT = (r"^([0-9]{1,4})([./-])([0-9]{1,2})([./-])([0-9]{1,4}),? +([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
               r"(?: *([AaPp])\.?[Mm]\.?)?$")


def _fast_rows(text: str, delimiter: str, min_width: int = 4) -> pl.DataFrame | None:
    """The rows :meth:`CsvTable.rows` gives for ``text`` read as :func:`_headerless_table` reads it, parsed by
    polars: String columns ``c0``.. and ``line``, the physical line where each row starts. None unless the two
    parses provably agree: the whole text is rows of exactly the first row's number of cells, each cell either
    quoted (quotes doubled inside) or without any quote (a regex over the text: 29 ms for 18 MB; on such a
    text the csv module and polars read the same cells), polars' rows account for every line break and
    delimiter of the text, lines end in LF or CRLF (a lone CR is a line break for the csv module), no blank
    row (skipped there), no line inside a cell that reads as a row (:meth:`CsvTable._holds_rows`: the csv
    module then cuts the row) and no line break in the last row's last cell (:meth:`CsvTable._open_quote_at_end`).
    Anything else, however harmless, is left to the rows."""
    width = len(_first_row(text))
    pattern = well_formed_pattern(delimiter, width)
    if width < min_width or len(text) >= 1 << 31 or pattern is None:
        return None
    d = DELIMITER_RX[delimiter]
    names = [f"c{i}" for i in range(width)]
    try:
        chunks = row_chunks(text).to_frame("t")
        # (counted in polars, piece by piece in parallel: str.count took 26 ms for these three)
        n_cr, n_crlf, n_lf, n_delim, plain = chunks.select(
            cr=pl.col("t").str.count_matches("\r", literal=True).sum(),
            crlf=pl.col("t").str.count_matches("\r\n", literal=True).sum(),
            lf=pl.col("t").str.count_matches("\n", literal=True).sum(),
            delim=pl.col("t").str.count_matches(delimiter, literal=True).sum(),
            plain=pl.col("t").str.contains(pattern).all()).row(0)
        del chunks
        if not plain or n_cr != n_crlf:
            return None
        frame = pl.read_csv(text.encode("utf-8"), has_header=False, new_columns=names, separator=delimiter,
                            quote_char='"', infer_schema=False, raise_if_empty=False)
    except Exception:  # (a character UTF-8 cannot hold, a parse polars refuses: the csv module reads it)
        return None
    if frame.width != width or frame.height == 0:
        return None
    cells = [pl.col(n).fill_null("") for n in names]
    frame = frame.select(cells)
    stats = frame.select(
        nl=pl.sum_horizontal(c.str.count_matches("\n", literal=True) for c in cells).cast(pl.Int64),
        delim=pl.sum_horizontal(c.str.count_matches(delimiter, literal=True) for c in cells).cast(pl.Int64),
        blank=pl.concat_str(cells).str.strip_chars(PY_WHITESPACE) == "",
    )
    nl = stats.get_column("nl")
    inner = int(nl.sum())
    # The text's rows as polars cut them: its line breaks and delimiters are those of its rows and cells (a row
    # cut in two, or two rows in one, would break these sums).
    if n_lf != frame.height - 1 + inner + text.endswith("\n") or stats.get_column("blank").any() \
            or n_delim != frame.height * (width - 1) + int(stats.get_column("delim").sum()):
        return None
    index = pl.int_range(1, frame.height + 1, dtype=pl.Int64, eager=True)
    if not inner:
        return frame.with_columns(index.alias("line"))
    rows_inside = f"[\\r\\n](?:[^\\r\\n{d}]*{d}){{{width - 1}}}"
    if frame.select(pl.any_horizontal(c.str.contains(rows_inside) for c in cells)).to_series().any() \
            or "\n" in frame.item(frame.height - 1, width - 1):
        return None
    return frame.with_columns((index + nl.cum_sum() - nl).alias("line"))


def _fast_timestamps(dates: pl.Series) -> pl.Series:
    """:func:`_local_datetime` of every value of ``dates`` in the order :func:`_day_first` finds in them all:
    the values of :data:`_RX_FAST_DT` in polars, the others through the Python functions once per value."""
    c = pl.col
    g = dates.to_frame("v").select(c("v").str.extract_groups(_RX_FAST_DT)).unnest("v").select(
        fast=(c("2") == c("4")).fill_null(False), four=c("1").str.len_bytes() == 4, dot=c("2") == ".",
        a=c("1").cast(pl.Int64), b=c("3").cast(pl.Int64), c=c("5").cast(pl.Int64), two=c("5").str.len_bytes() == 2,
        hh=c("6").cast(pl.Int64), mi=c("7").cast(pl.Int64), ss=c("8").cast(pl.Int64).fill_null(0),
        ampm=c("9").is_not_null(), pm=c("9").str.to_lowercase() == "p")
    fast = g.get_column("fast")
    votes = g.select(pl.when(c("fast") & ~c("four")).then(
        pl.when(c("dot") | (c("a") > 12)).then(1).when(c("b") > 12).then(-1).otherwise(0)).otherwise(0)).to_series()
    slow = dates.filter(~fast).value_counts()
    slow_votes = [(_date_vote(v), cnt) for v, cnt in slow.iter_rows()]
    day = int((votes == 1).sum()) + sum(cnt for v, cnt in slow_votes if v == 1)
    month = int((votes == -1).sum()) + sum(cnt for v, cnt in slow_votes if v == -1)
    day_first = day > month
    first, second = (c("b"), c("a")) if day_first else (c("a"), c("b"))
    parts = g.select(
        y=pl.when(c("four")).then(c("a")).otherwise(
            c("c") + pl.when(c("two")).then(pl.when(c("c") < 70).then(2000).otherwise(1900)).otherwise(0)),
        mo=pl.when(c("four")).then(c("b")).otherwise(first), d=pl.when(c("four")).then(c("c")).otherwise(second),
        hh=pl.when(c("ampm")).then(c("hh") % 12 + pl.when(c("pm")).then(12).otherwise(0)).otherwise(c("hh")),
        mi="mi", ss="ss", off=pl.lit(0, pl.Int64), ok=c("fast") & (c("ss") < 60),  # (datetime() has no leap second)
    )
    ts = _utc_datetime(parts)
    rest = (~fast).arg_true()
    if rest.len():
        values = dates.gather(rest)
        uniq = values.unique()
        parsed = pl.Series([_local_datetime(v, day_first) for v in uniq.to_list()], dtype=UTC_DT)
        ts = ts.scatter(rest, values.replace_strict(uniq, parsed, return_dtype=UTC_DT))
    return ts


def _recipient_lists(values: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    """For the distinct recipient cells ``values``: (rv, q, addr, name), the q-th of the distinct addresses of
    value number rv as :func:`parse_addresses` gives them (the first name of each), and the text of each value's
    sorted addresses in a :func:`mail_key` (``str`` of the list). One address: in polars; more: in Python."""
    first = single_addresses(values)
    n = first.get_column("n")
    one = first.with_row_index("rv").filter(pl.col("n") == 1)
    addrs = one.get_column("addr").unique()
    reprs = pl.Series([repr(a) for a in addrs.to_list()], dtype=pl.String())
    texts = pl.select(pl.when(n == 0).then(pl.lit("[]")).when(n == 1).then(
        "[" + first.get_column("addr").replace_strict(addrs, reprs, default=None) + "]")).to_series()
    cols: dict[str, list[object]] = {"rv": [], "q": [], "addr": [], "name": []}
    many = (n > 1).arg_true()
    if many.len():
        many_texts = []
        for rv, v in zip(many.to_list(), values.gather(many).to_list(), strict=True):
            found = parse_addresses(v)
            many_texts.append(str(sorted({a for a, _ in found})))
            seen: set[str] = set()
            for addr, name in found:
                if addr not in seen:
                    seen.add(addr)
                    cols["rv"].append(rv)
                    cols["q"].append(len(seen))
                    cols["addr"].append(addr)
                    cols["name"].append(name)
        texts = texts.scatter(many, many_texts)
    lists = pl.concat([
        one.select(pl.col("rv").cast(pl.Int64), q=pl.lit(1, pl.Int64), addr="addr", name="name"),
        pl.DataFrame(cols, schema={"rv": pl.Int64(), "q": pl.Int64(), "addr": pl.String(), "name": pl.String()}),
    ])
    return lists, texts


def _folded_subjects(subjects: pl.Series) -> pl.Series:
    """:func:`subject_part`'s text of each subject (blanks folded; empty: none): printable ASCII in polars
    (its only blank is the space), the rest in Python once per value."""
    ascii_ = subjects.str.contains(r"^[ -~]*$")
    folded = subjects.str.replace_all(" {2,}", " ").str.strip_chars(" ")
    rest = (~ascii_).arg_true()
    if rest.len():
        values = subjects.gather(rest)
        uniq = values.unique()
        done = pl.Series([" ".join(v.split()) for v in uniq.to_list()], dtype=pl.String())
        folded = folded.scatter(rest, values.replace_strict(uniq, done, return_dtype=pl.String()))
    return folded


def _unescaped(cells: pl.Series) -> pl.Series:
    """``cell.replace("&lt;", "<").replace("&gt;", ">")`` of each cell (an address cell as the rows read it)."""
    return cells.str.replace_all("&lt;", "<", literal=True).str.replace_all("&gt;", ">", literal=True)


def _fast_ietng(text: str, f: InputFile, delimiter: str, out: FileCollector) -> bool:
    """:func:`parse_ietng` in polars, for a file :func:`_fast_rows` reads: the same records, messages (with the
    same keys), rejects and counts as the rows give; False (``out`` untouched) when the file is not such."""
    frame = _fast_rows(text, delimiter)
    if frame is None:
        return False
    k = _ietng_layout([list(r) for r in frame.head(_SHAPE_ROWS).drop("line").rows()])
    if k is None:
        return False  # (the rows say why)
    c = pl.col
    if k == 1:
        folders = frame.get_column("c0")
        uniq = folders.unique()
        kinds = folders.replace_strict(uniq, pl.Series(
            [folder_kind(v.replace("\\", "/").rsplit("/", 1)[-1]) for v in uniq.to_list()], dtype=pl.String()),
            return_dtype=pl.String())
    else:
        kinds = pl.repeat(file_folder_kind(f), frame.height, dtype=pl.String(), eager=True)
    senders = single_addresses(_unescaped(frame.get_column(f"c{k + 1}")))
    rows = pl.DataFrame([
        frame.get_column("line"), kinds.alias("kind"), senders.get_column("addr").alias("s_addr"),
        senders.get_column("name").alias("s_name"), (senders.get_column("n") > 0).alias("has_sender"),
        _fast_timestamps(frame.get_column(f"c{k + 3}")).alias("ts"),
        _unescaped(frame.get_column(f"c{k + 2}")).alias("rval"), frame.get_column(f"c{k}").alias("subject"),
    ])
    del frame
    ignored = c("kind").is_in(["spam", "trash", "draft"]).fill_null(False)
    rows = rows.with_columns(reason=pl.when(ignored).then(pl.lit(IGNORE_FOLDER))
                             .when(~c("has_sender")).then(pl.lit("no sender address"))
                             .when(c("ts").is_null()).then(pl.lit("unreadable date")))
    outcomes = rows.filter(c("reason").is_not_null()).select("line", "reason")
    used = rows.filter(c("reason").is_null()).drop("reason", "has_sender").with_columns(
        j=pl.int_range(pl.len(), dtype=pl.Int64), owner=(c("kind") == "sent").fill_null(False))
    del rows
    records, messages = _fast_mail(used)
    if records is not None and messages is not None:
        out.add_bulk(records, messages)
        out.used(used.height)
    account_rows(out, outcomes, IGNORE_FOLDER)
    out.note("ImportExportTools NG dates are local time without a zone: read as UTC")
    return True


def _fast_mail(used: pl.DataFrame) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """The records and messages :func:`add_mail` makes of the rows ``used`` (in order: line, kind, s_addr,
    s_name, ts, rval, subject, j, owner), as frames for :meth:`FileCollector.add_bulk`; (None, None) for none.

    Records are keyed as there, (address, name, owner): a sender mention of a row, then one per distinct address
    of its recipients but the sender's; a record is numbered, and has the line and role, of its first mention."""
    if used.height == 0:
        return None, None
    c = pl.col
    rvalues = used.get_column("rval").unique(maintain_order=True)
    lists, list_texts = _recipient_lists(rvalues)
    used = used.with_columns(rv=c("rval").replace_strict(rvalues, pl.int_range(rvalues.len(), dtype=pl.Int64,
                                                                                eager=True), return_dtype=pl.Int64))
    people = pl.concat([used.select(addr="s_addr", name="s_name"), lists.select("addr", "name")]).unique(
        maintain_order=True).with_row_index("pid").with_columns(c("pid").cast(pl.Int64))
    used = used.join(people, left_on=["s_addr", "s_name"], right_on=["addr", "name"], how="left",
                     nulls_equal=True, maintain_order="left")
    lists = lists.join(people, on=["addr", "name"], how="left", nulls_equal=True, maintain_order="left")
    recipients = (used.select("j", "line", "rv", "s_addr")
                  .join(lists, on="rv", how="inner", maintain_order="left_right")
                  .filter(c("addr") != c("s_addr")))
    records, sender_ids, recipient_ids, per_row = bulk_mail_records(
        used, recipients.rename({"q": "sub"}), people, c("pid") * 2 + c("owner").cast(pl.Int64))
    key_text = pl.concat_str(
        pl.lit("email\x1f"), c("s_addr"), pl.lit("\x1f"), c("ts").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.lit("+00:00\x1f"), pl.lit(list_texts).gather(c("rv")), pl.lit("\x1f"),
        pl.when(c("folded") != "").then(c("folded") + "\x1f").otherwise(pl.lit("")))
    texts = used.with_columns(folded=_folded_subjects(used.get_column("subject"))).select(key_text).to_series()
    messages = used.select(
        msg_key=pl.Series(stable_keys(texts), dtype=pl.String()), timestamp="ts", channel=pl.lit("email"),
        sender_id=sender_ids,
        recipient_ids=recipient_ids, n_participants=(per_row + 1).cast(pl.Int32), line="line")
    return records, messages


register(Parser(
    kind="mail.thunderbird_csv",
    label="Thunderbird ImportExportTools NG message index CSV (no header row)",
    export_help="Thunderbird with the ImportExportTools NG add-on: right-click a folder -> ImportExportTools NG "
                "-> Export all messages in the folder -> Spreadsheet (CSV).",
    matches=_match_ietng,
    parse=parse_ietng,
))
