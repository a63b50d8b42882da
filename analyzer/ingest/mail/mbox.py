"""The mbox reader (Gmail Takeout, Thunderbird, Apple Mail, Eudora, mboxrd): the pieces of the file turned into
one row per message by :mod:`mbox_scan`, then the fields, participants, records and messages of the whole file
with polars (Python runs once per distinct value, not per message)."""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa

from analyzer.errors import InputError
from analyzer.ingest.collect import (
    FileCollector,
    add_bulk_by_file,
    map_distinct,
    per_distinct,
    sort_by_ints,
    stable_key,
)
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail import mbox_scan
from analyzer.ingest.mail.addresses import _fast_single_address, _header_addresses, single_addresses
from analyzer.ingest.mail.classify import _WS, _header_hint_expr, address_hints
from analyzer.ingest.mail.folders import IGNORE_FOLDER, file_folder_kind, gmail_labels
from analyzer.ingest.mail.mbox_scan import int64_arrow, iter_line_chunks, looks_like_mbox
from analyzer.ingest.mail.message_dates import UTC_DT, _vector_dates, parse_mail_date, separator_date
from analyzer.ingest.mail.message_ids import _bare_id, _first_msgid, _last_msgid, _latin1
from analyzer.ingest.mail.signature import (
    SIG_COLUMNS,
    most_frequent_signature,
    no_signature_lines,
    read_signatures,
    signature_evidence,
)
from analyzer.ingest.registry import Parser, Sniff, register
from analyzer.ingest.text import clean_texts, detect_encoding
from analyzer.memory import release_free_memory

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# mbox
# ------------------------------------------------------------------------------------------------------------

# The headers read (lower-cased names); To, Cc and Bcc repeated in a message are combined with ",", for the
# others the first one counts.
_ADDR_HEADERS = ("to", "cc", "bcc")
_SINGLE_HEADERS = ("from", "date", "message-id", "in-reply-to", "references", "x-gm-thrid", "x-gmail-labels",
                   "list-unsubscribe", "list-id", "precedence", "auto-submitted", "x-auto-response-suppress",
                   "return-path", "x-mozilla-status")
# Read for the signature reader only (which part of a body is text), dropped once it has run.
_BODY_HEADERS = ("content-type", "content-transfer-encoding")
_WANTED = (*_SINGLE_HEADERS, *_ADDR_HEADERS, *_BODY_HEADERS)
_GMAIL_SEP_ID = re.compile(rb"^From (\d+)@xxx ")
_WORKERS = max(1, min(2, os.cpu_count() or 1))
_DELETED = "deleted message (Thunderbird folder not compacted)"
_T = TypeVar("_T")


def _b(value: str | None) -> bytes | None:
    return None if value is None else value.encode("utf-8", "surrogatepass")


def _chunk_headers(data: bytes | memoryview, after_blank: bool) -> tuple[pl.DataFrame, int]:
    """The messages of one piece of an mbox (see :func:`mbox_scan.header_table`), the headers read kept, and its
    number of lines, with the signature lines of each message (:func:`signature.read_signatures`). The values
    are copies, not views of the piece (whose buffer is reused)."""
    tables: list[pl.DataFrame] = []
    n_lines = 0
    # (a piece of very many short lines in parts: header_table's arrays grow with the lines)
    for lines_before, part_after_blank, part in mbox_scan.dense_parts(data, after_blank):
        table, n_part = mbox_scan.header_table(part, part_after_blank, _WANTED, frozenset(_ADDR_HEADERS),
                                               body_reader=read_signatures)
        if "sig_lines" not in table.columns:  # a piece without messages
            table = table.hstack(no_signature_lines(table.height))
        tables.append(table.drop(_BODY_HEADERS).with_columns(pl.col("line") + lines_before))
        n_lines += n_part
    return (tables[0] if len(tables) == 1 else pl.concat(tables)), n_lines


def parse_mbox(f: InputFile, out: FileCollector) -> None:
    """Read an mbox file's header blocks into records and messages (bodies are skipped).

    The file is read in pieces of ``mbox_scan.LINE_CHUNK`` bytes, each turned into one row per message with
    the headers read (see :func:`mbox_scan.header_table`), two pieces at a time; then, for the whole file, the
    messages' fields (labels, dates, ids: :func:`_message_fields`) while the two workers read the signature
    evidence and the participants (:func:`_parse_addresses`), then the records and messages
    (:func:`_mbox_messages`). Python runs once per DISTINCT unusual value (addresses in rare shapes, labels,
    unusual dates), not once per message.
    """
    if (error := parse_mbox_files([(f, out)])[0]) is not None:
        raise error


def parse_mbox_files(files: Sequence[tuple[InputFile, FileCollector]]) -> list[InputError | None]:
    """Read several mbox files as :func:`parse_mbox` reads each, each into its own collector, and return the
    error of each file (None for a file read).

    After their header blocks, the files' messages are read together, as one table with the number of the
    file of each row: what costs the same for a file of 10 messages as for one of 100,000 (about 150 polars
    queries, 70 ms) is paid once for all. An Apple Mail or Thunderbird export of 1,000 small mailboxes took
    over a minute read one by one. Every step is per message or per distinct value (an address, a signature
    line, a date), and records are made per file (the file's number is part of their key), so each file's
    records, messages, rejects, counts and notes are those it gives alone (tested).
    """
    errors: list[InputError | None] = [None] * len(files)
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        if len(files) == 1:  # its pieces two at a time
            f, out = files[0]
            reads = [_read_or_error(f, out, pool)]
        else:  # small files: two at a time, each one piece
            reads = list(pool.map(lambda job: _read_or_error(job[0], job[1], _INLINE), files))
        parts: list[pl.DataFrame] = []
        for i, read in enumerate(reads):
            if isinstance(read, InputError):
                errors[i] = read
            elif read.height:
                parts.append(read.with_columns(file_no=pl.lit(i, pl.Int64)))
        reads.clear()
        raw = pl.concat(parts, rechunk=True) if parts else pl.DataFrame()
        parts.clear()
        release_free_memory()  # the pieces' arrow buffers, now copied: returned at once, not a second later
        n_seen = [0] * len(files)
        msgs = raw
        addresses: Future[_ParsedAddresses] | None = None
        folders = [file_folder_kind(f) for f, _ in files]
        if raw.height:
            for i, n in raw.group_by("file_no").len().iter_rows():
                n_seen[i] = n
            # The signature evidence of a message depends on its lines only, and its addresses on its headers: both
            # are read for every message here (the ignored ones dropped with their rows later), in the workers,
            # while this thread reads the fields.
            evidence = pool.submit(signature_evidence, raw.select("sig_lines", "sig_dashed"))
            if any(folder not in _UNREAD_FOLDERS for folder in folders):
                addresses = pool.submit(_parse_addresses, raw.select("from", *_ADDR_HEADERS))
            msgs = _message_fields(raw.drop("sig_lines", "sig_dashed"))
            del raw
            msgs = msgs.hstack(evidence.result())
    notes: list[list[str]] = [[] for _ in files]
    to_read = [i for i, folder in enumerate(folders) if n_seen[i] and folder not in _UNREAD_FOLDERS]
    for i, folder in enumerate(folders):
        if n_seen[i] and folder in _UNREAD_FOLDERS:
            files[i][1].ignore(IGNORE_FOLDER, n_seen[i])
    if to_read and addresses is not None:
        msgs = msgs.with_row_index("k").with_columns(pl.col("k").cast(pl.Int64))
        if len(to_read) < len(files):
            msgs = msgs.filter(pl.col("file_no").is_in(to_read))
        notes = _mbox_messages(msgs, [out for _, out in files], addresses.result(),
                               folder_sent=[folder == "sent" for folder in folders])
    for i, (f, out) in enumerate(files):
        if errors[i] is not None:
            continue
        rep = out.report
        if n_seen[i] == 0 or rep.used + rep.ignored == 0:
            errors[i] = InputError(f.display, "contains no valid mail message" + (
                f" ({n_seen[i]} separator lines, none followed by a message with a sender address)"
                if n_seen[i] else ""),
                hint="Is this an mbox export? It should start with a 'From ' line followed by headers")
            continue
        if folders[i] == "sent":
            out.note("folder named as Sent: every sender is taken as the owner")
        for note in notes[i]:
            out.note(note)
    return errors


#: Folders whose messages are counted, not read.
_UNREAD_FOLDERS = ("spam", "trash", "draft")


class _InlineExecutor(Executor):
    """Runs what it is given at once, in the calling thread (a small file's one piece, read by a worker)."""

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        done: Future[_T] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller by result(), as a pool would
            done.set_exception(exc)
        return done


_INLINE = _InlineExecutor()


def _read_or_error(f: InputFile, out: FileCollector, pool: Executor) -> pl.DataFrame | InputError:
    """:func:`_read_headers`, or the error that makes the file unusable."""
    try:
        return _read_headers(f, out, pool)
    except InputError as exc:
        return exc


def _read_headers(f: InputFile, out: FileCollector, pool: Executor) -> pl.DataFrame:
    """One row per message of the mbox ``f`` with the headers read and its signature lines (its pieces
    given to ``pool``, two at a time); ``line`` is the separator's line in the file."""
    try:
        fh = f.open_utf8()
    except OSError as exc:
        raise InputError(f.display, f"cannot be read ({exc.strerror or exc})") from None
    parts: list[pl.DataFrame] = []
    lines_before = 0

    def collect(done: Future[tuple[pl.DataFrame, int]], cut_in_a_line: bool) -> None:
        nonlocal lines_before
        part, n_lines = done.result()
        if part.height:
            parts.append(part.with_columns(pl.col("line") + lines_before))
        # (a piece cut inside an overlong line counts its start as a line; the next piece, its rest)
        lines_before += n_lines - cut_in_a_line

    # Two pieces are turned into frames at a time and one more is read ahead: numpy and polars release the
    # GIL, so this keeps both cores of the reference machine busy. Memory holds at most four pieces.
    with fh:
        try:
            pending: deque[tuple[Future[tuple[pl.DataFrame, int]], bool]] = deque()
            # A piece's buffer is reused `ring` pieces later: at most _WORKERS + 1 are in use at any time.
            # (a small file's pieces are not given buffers of a large one's: 9 MB zero-filled per piece of a
            # one-message mailbox was most of its reading time)
            piece = min(mbox_scan.LINE_CHUNK, max(f.size + 1, 1 << 16))
            for after_blank, data in iter_line_chunks(fh, out.advance, piece, ring=_WORKERS + 2):
                pending.append((pool.submit(_chunk_headers, data, after_blank), data[-1] != 10))  # (no LF at its end)
                del data
                while len(pending) > _WORKERS:
                    collect(*pending.popleft())
            while pending:
                collect(*pending.popleft())
        except OSError as exc:
            raise InputError(f.display, f"cannot be read ({exc.strerror or exc})",
                             hint="The file may be truncated: export it again") from None
    # (contiguous here, while the pieces can go: made so only once they are all read, the large mailbox's peak
    # was 25 MB higher)
    return pl.concat(parts, rechunk=True) if len(parts) > 1 else parts[0] if parts else pl.DataFrame()


# One item of an address list in the simple shapes `Name <a@x>`, `"Name" <a@x>`, `<a@x>`, `a@x` (_ADDR_ITEM).
# A list made only of these, without ';' or control characters, is split at its commas and each distinct item
# parsed once: lists differ from message to message, their addresses repeat. A comma inside a quoted name makes
# pieces that do not match: such lists go whole through parse_addresses.
_RX_SIMPLE_ADDR = (r'^[ \t]*(?:(?:"(?:[^"\\\r\n]|\\.)*"|[^",<>()@;:\\\[\]]*?)[ \t]*<[^<>\s,"]*@[^<>\s,"]*>'
                   r'|[^\s,<>"();:\[\]\\]+@[^\s,<>"();:\[\]\\]+)[ \t]*$')


# Address lists that go whole through parse_addresses (';' separators, control characters), not split at commas.
_RX_LIST_SLOW = r"[;\x00-\x08\x0e-\x1f\x7f]"


def _people(*pairs: pl.DataFrame) -> pl.DataFrame:
    """The distinct (addr, name) pairs of the frames ``pairs`` (addr not null), numbered: ``pid`` per pair,
    ``aid`` per address (any numbering: records are ordered by their first mention, not by these numbers)."""
    people = pl.concat([p.select("addr", "name") for p in pairs]).filter(pl.col("addr").is_not_null()).unique()
    return people.with_row_index("pid").select(
        pl.col("pid").cast(pl.Int64), "addr", "name", aid=pl.col("addr").rank("dense").cast(pl.Int64))


def _with_pid(frame: pl.DataFrame, people: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """``frame`` (with addr and name columns) with the ``pid`` and ``cols`` of its pair in ``people``."""
    return frame.join(people.select("addr", "name", "pid", *cols), on=["addr", "name"], how="left",
                      nulls_equal=True, maintain_order="left")


@dataclass(frozen=True, slots=True)
class _ParsedAddresses:
    """The participants of a file's messages, from their address headers as ``parse_addresses`` reads them.

    ``people``: the distinct (addr, name) pairs, with ``pid`` (per pair), ``aid`` (per address), ``a_hint`` (the
    address's automated hint) and ``clean_name``; ``froms``: each From value that gives a sender, with its
    ``s_pid``, ``s_aid`` and ``a_hint``; ``ar``: (k, f, j, pid, aid), the j-th address of To (f=0), Cc (1) and
    Bcc (2) of message k (its row number), sorted, an address only at its first place in a message."""

    people: pl.DataFrame
    froms: pl.DataFrame
    ar: pl.DataFrame


def _parse_addresses(m: pl.DataFrame) -> _ParsedAddresses:
    """The :class:`_ParsedAddresses` of the From, To, Cc and Bcc columns of ``m`` (one row per message)."""
    froms, values, per_value = _distinct_addresses(m)
    people = _people(froms, per_value)
    people = people.with_columns(a_hint=address_hints(people.get_column("addr"), people.get_column("name")),
                                 clean_name=clean_texts(people.get_column("name")))
    froms = _with_pid(froms.filter(pl.col("addr").is_not_null()), people, "aid", "a_hint").select(
        "from", s_pid="pid", s_aid="aid", a_hint="a_hint")
    per_value = _with_pid(per_value, people, "aid")
    ar = _address_rows(_list_values(m.with_row_index("k").with_columns(pl.col("k").cast(pl.Int64)), values),
                       per_value)
    ar = ar.filter((pl.col("k") * (1 << 32) + pl.col("aid")).is_first_distinct())
    return _ParsedAddresses(people, froms, ar)


def _distinct_addresses(m: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The distinct address headers of ``m`` read: (from, addr, name: its first address, null without any),
    (v, vid: each distinct To, Cc or Bcc value numbered) and (vid, j, addr, name: the j-th address of each)."""
    froms = m.select("from").unique()
    froms = froms.hstack(single_addresses(froms.get_column("from"), header=True).select("addr", "name"))
    # Distinct values get an integer id: the long strings of mass mail are not copied around.
    values = pl.concat([m.get_column(c) for c in _ADDR_HEADERS]).drop_nulls().unique().to_frame("v")
    values = values.with_row_index("vid")
    pieces = (
        values.filter(~pl.col("v").str.contains(_RX_LIST_SLOW))
        .select("vid", p=pl.col("v").str.split(","))
        .explode("p")
        .filter(~pl.col("p").str.contains(r"^[ \t]*$"))
        .with_columns(ok=pl.col("p").str.contains(_RX_SIMPLE_ADDR))
    )
    uniq = pieces.filter("ok").select("p").unique()
    uniq = uniq.hstack(single_addresses(uniq.get_column("p")))
    pieces = pieces.join(uniq, on="p", how="left")
    one = pl.col("n") == 1
    good = pieces.group_by("vid").agg(one.fill_null(False).all().alias("one")).filter("one").select("vid")
    simple = pieces.join(good, on="vid", how="semi").select("vid", "addr", "name")
    simple = simple.select("vid", j=_rank_in_group(pl.col("vid")), addr="addr", name="name")
    rest = values.join(good, on="vid", how="anti")
    quoted, rest = _quoted_lists(rest)
    cols: dict[str, list[object]] = {"vid": [], "j": [], "addr": [], "name": []}
    for vid, v in rest.select("vid", "v").iter_rows():
        for j, (addr, name) in enumerate(_header_addresses(_b(v) or b"")):
            cols["vid"].append(vid)
            cols["j"].append(j)
            cols["addr"].append(addr)
            cols["name"].append(name)
    slow = pl.DataFrame(cols, schema={"vid": pl.UInt32(), "j": pl.Int64(), "addr": pl.String(),
                                      "name": pl.String()})
    return froms, values, pl.concat([simple, quoted, slow])


# An item of an address list whose quoted names may hold commas ("Smith, Jane" <j@x>): quoted strings and
# anything but quotes and commas.
_RX_QUOTED_ITEM = r'(?:"[^"]*"|[^",])+'


def _quoted_lists(values: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For the lists ``values`` (vid, v) that were not read item by item at their commas: (vid, j, addr, name) of
    those made of items (:data:`_RX_QUOTED_ITEM`, between commas) that are each one address of the shapes
    :func:`~analyzer.ingest.mail.addresses.single_addresses` reads in polars, and the other lists.

    ``parse_addresses`` reads such a list item after item, each as it reads the item alone (its shapes cannot
    reach past a comma outside quotes), so the list's addresses are its items' in order (tested with random
    lists against it)."""
    # (not a list starting with a comma: _split_addresses gives up there, the standard library reads it)
    items = (values.filter(pl.col("v").str.replace_all(_RX_QUOTED_ITEM, "").str.contains(r"^,*$")
                           & ~pl.col("v").str.contains(_RX_LIST_SLOW) & ~pl.col("v").str.contains(r"^ *,"))
             .select("vid", item=pl.col("v").str.extract_all(_RX_QUOTED_ITEM)).explode("item"))
    uniq = items.select("item").drop_nulls().unique()
    uniq = uniq.hstack(_fast_single_address(uniq.get_column("item")))
    items = items.join(uniq, on="item", how="left", maintain_order="left")
    ok = items.group_by("vid").agg(pl.col("ok").fill_null(False).all()).filter("ok").select("vid")
    read = (items.join(ok, on="vid", how="semi", maintain_order="left")
            .select("vid", j=_rank_in_group(pl.col("vid")), addr="addr", name="name"))
    return read, values.join(ok, on="vid", how="anti", maintain_order="left")


def _list_values(m: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """(k, f, vid): the value of each message's To (f=0), Cc (1) and Bcc (2), by its number in ``values``."""
    long = pl.concat([m.select("k", f=pl.lit(i, pl.Int8), v=pl.col(c)).drop_nulls("v")
                      for i, c in enumerate(_ADDR_HEADERS)])
    return long.join(values, on="v", how="inner").select("k", "f", "vid")


def _address_rows(long: pl.DataFrame, per_value: pl.DataFrame) -> pl.DataFrame:
    """(k, f, j, pid, aid) sorted by (k, f, j), from :func:`_list_values` and ``per_value`` (of
    :class:`_ParsedAddresses`, with the pid and aid of each address)."""
    out = long.join(per_value.select("vid", "j", "pid", "aid"), on="vid", how="inner").select(
        "k", "f", "j", "pid", "aid")
    return sort_by_ints(out, "k", "f", "j")


def _rank_in_group(key: pl.Expr, start: int = 0) -> pl.Expr:
    """Position of each row within its run of equal ``key`` values (rows of a group must be adjacent)."""
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.when(key.ne_missing(key.shift(1))).then(idx).forward_fill()
    return idx - first + start


def _message_fields(m: pl.DataFrame) -> pl.DataFrame:
    """Per message: label flags, Thunderbird's deleted flag, the header hint, the date (from the Date header,
    else the separator line), the ids and thread; the raw headers not needed later are dropped (``file_no``
    and ``line`` are kept)."""
    m = m.with_row_index("k").with_columns(pl.col("k").cast(pl.Int64))
    # Labels and Thunderbird's deleted flag: ignored messages.
    def label_flags(v: str | None) -> tuple[object, ...]:
        if v is None:
            return None, False, False
        lab = gmail_labels(_b(v) or b"")
        return lab.ignore, lab.sent, lab.chat

    m = pl.concat([m, map_distinct(m, ["x-gmail-labels"], label_flags,
                                  {"l_ignore": pl.String(), "l_sent": pl.Boolean(), "l_chat": pl.Boolean()})],
                  how="horizontal")
    status = m.get_column("x-mozilla-status")
    m = m.with_columns(deleted=pl.repeat(False, m.height, eager=True) if status.null_count() == m.height else
                       per_distinct(status, lambda v: _mozilla_deleted(_b(v) or b""), pl.Boolean()).fill_null(False))
    m = m.with_columns(hint=_header_hint_expr(), list_addr=_list_address_expr())

    # Dates: the common forms in Rust, the others once per distinct value, then the separator line.
    m = m.with_columns(ts=_vector_dates(m.get_column("date")))
    slow = m.filter(pl.col("ts").is_null() & pl.col("date").is_not_null()).select("k", "date")
    if slow.height:
        slow = slow.select("k", ts2=per_distinct(slow.get_column("date"), lambda v: parse_mail_date(_b(v) or b""), UTC_DT))
        m = m.join(slow, on="k", how="left", maintain_order="left").with_columns(pl.coalesce("ts", "ts2")).drop("ts2")
    # a Date of exactly the Unix epoch (1970-01-01 00:00:00 UTC) is a mail clock's zero, not a date: the
    # separator's date is used instead, as for no Date (it made a "two-way tie since 1970")
    m = m.with_columns(ts=pl.when(pl.col("ts") != datetime(1970, 1, 1, tzinfo=UTC)).then(pl.col("ts")))
    m = m.with_columns(sep_dated=pl.col("ts").is_null())
    undated = m.filter(pl.col("ts").is_null())
    if undated.height:
        sep_ts = [separator_date(_b(s) or b"") for s in undated.get_column("sep").to_list()]
        fill = undated.select("k", pl.Series("ts3", sep_ts, dtype=UTC_DT))
        m = m.join(fill, on="k", how="left", maintain_order="left").with_columns(
            pl.coalesce("ts", "ts3")).drop("ts3")
    m = m.with_columns(sep_dated=pl.col("sep_dated") & pl.col("ts").is_not_null())

    # Message ids, replies and threads (X-GM-THRID, else the first reference, else In-Reply-To or the id).
    refs = pl.col("references")
    m = m.with_columns(
        mid=_first_msgid(m.get_column("message-id"), latin1=True),
        irt0=_first_msgid(m.get_column("in-reply-to"), latin1=True),
        thrid=_latin1(m.get_column("x-gm-thrid").str.strip_chars(_WS)),
        ref_last=_last_msgid(m.get_column("references")),
    )
    # The first reference only where the thread comes from it (no X-GM-THRID, or an empty one without
    # In-Reply-To): Gmail's messages all have one.
    need_first = m.select((pl.col("thrid").is_null() | ((pl.col("thrid") == "") & pl.col("irt0").is_null()))
                          & refs.is_not_null()).to_series().arg_true()
    ref_first = pl.Series("ref_first", [None] * m.height, dtype=pl.String())
    if need_first.len():
        ref_first = ref_first.scatter(need_first, _first_msgid(m.get_column("references").gather(need_first)))
    m = m.with_columns(ref_first)
    # (a References value has a first id exactly when it has a last one)
    odd = m.filter((pl.col("mid").is_null() & pl.col("message-id").is_not_null())
                   | (pl.col("ref_last").is_null() & refs.is_not_null()))
    if odd.height:  # bare ids without angle brackets
        fix = odd.select("k", mid2=pl.col("message-id").map_elements(
            lambda v: _bare_id(_b(v) or b""), return_dtype=pl.String()),
            ref2=refs.map_elements(lambda v: _bare_id(_b(v) or b""), return_dtype=pl.String()))
        m = m.join(fix, on="k", how="left", maintain_order="left").with_columns(
            pl.coalesce("mid", "mid2"), pl.coalesce("ref_first", "ref2"), pl.coalesce("ref_last", "ref2")
        ).drop("mid2", "ref2")
    irt = pl.coalesce("irt0", "ref_last")
    m = m.with_columns(
        in_reply_to=irt,
        thread_id=pl.when(pl.col("thrid").is_not_null() & (pl.col("thrid") != "")).then("thrid")
        .when(pl.col("thrid").is_not_null() & pl.col("irt0").is_not_null()).then(pl.lit(""))
        .otherwise(pl.coalesce("ref_first", irt, "mid")),
    )
    return m.select(
        "file_no", "line", pl.when(pl.col("mid").is_null()).then("sep").alias("sep"), "from", "to", "cc", "bcc",
        "l_ignore",
        "deleted", "l_sent", "l_chat", "hint", "list_addr", "ts", "sep_dated", "mid", "in_reply_to", "thread_id")


def _list_hints(people: pl.DataFrame, m: pl.DataFrame) -> pl.Series:
    """The automated hint of each address of ``people`` (``a_hint``), and "List-Id" for a mailing list's own
    address (:func:`_list_address_expr`): mail to a list (the owner's posts to python-list@) is not one
    person's, and the list, in every message, was taken for the owner's address without ``--me``."""
    lists = m.get_column("list_addr").drop_nulls().unique()
    hints = people.get_column("a_hint")
    if lists.len() == 0:
        return hints
    listed = people.get_column("addr").is_in(lists.implode())
    return pl.select(pl.coalesce(hints, pl.when(listed).then(pl.lit("List-Id")))).to_series()


def _list_address_expr() -> pl.Expr:
    """The posting address of a mailing list from its List-Id (``Python users <python-list.python.org>`` ->
    ``python-list@python.org``: the list's name, then its domain, as Mailman and Google Groups write it), or
    null; it names an address only where some message is to or from that address."""
    lid = pl.col("list-id")
    ident = pl.coalesce(lid.str.extract(r"<([^<>@\s]+\.[^<>@\s]+)>\s*$", 1),
                        lid.str.extract(r"^\s*([^<>@\s]+\.[^<>@\s]+)\s*$", 1))
    return ident.str.to_lowercase().str.replace(".", "@", literal=True)


def _mbox_messages(m: pl.DataFrame, outs: Sequence[FileCollector], parsed: _ParsedAddresses, *,
                   folder_sent: Sequence[bool]) -> list[list[str]]:
    """Records and messages from the one-row-per-message frame of mbox files (fields and signature evidence
    read; ``k``: the row's number in the table ``parsed`` was read from; ``file_no``: its file's place in
    ``outs``, rows in file order), each file's given to its collector; returns the notes to add to each file."""
    notes: list[list[str]] = [[] for _ in outs]
    for i, reason, cnt in (m.filter(pl.col("l_ignore").is_not_null()).group_by("file_no", "l_ignore").len()
                           .sort("file_no", "l_ignore").iter_rows()):
        outs[i].ignore(reason, cnt)
    for i, cnt in (m.filter(pl.col("l_ignore").is_null() & pl.col("deleted")).group_by("file_no").len()
                   .sort("file_no").iter_rows()):
        outs[i].ignore(_DELETED, cnt)
    m = m.filter(pl.col("l_ignore").is_null() & ~pl.col("deleted"))
    if m.height == 0:
        return notes

    # Senders, once per distinct From value; the address's own hint, else the message's header hint.
    sent_folder = pl.col("file_no").replace_strict(list(range(len(folder_sent))), list(folder_sent),
                                                   return_dtype=pl.Boolean)
    m = m.with_columns(owner=sent_folder | pl.col("l_sent"))
    people = parsed.people
    m = m.join(parsed.froms, on="from", how="left", maintain_order="left").with_columns(
        s_hint=pl.coalesce("a_hint", "hint"))
    for i, line in m.filter(pl.col("s_pid").is_null()).select("file_no", "line").iter_rows():
        outs[i].reject(line, "no sender address")
    m = m.filter(pl.col("s_pid").is_not_null())
    if m.height == 0:
        return notes

    # Recipients: one per distinct address of To, Cc, Bcc (the first one's name), not the sender (mail to
    # oneself, the sender in Cc).
    ar = parsed.ar  # of every message: those left out here are dropped by the join
    rm = (ar.join(m.select("k", "line", "s_aid", "file_no"), on="k", how="inner", maintain_order="left")
          .filter(pl.col("aid") != pl.col("s_aid"))
          .with_columns(pos=_rank_in_group(pl.col("k"), 1)))
    # Recipients per message (rm is in message order, as m): counted by message number, and the offsets of each
    # message's run of rows.
    m_k = m.get_column("k").to_numpy()
    n_rec = np.bincount(rm.get_column("k").to_numpy(), minlength=int(m_k[-1]) + 1)[m_k]
    rec_offsets = np.zeros(len(m_k) + 1, dtype=np.int64)
    np.cumsum(n_rec, out=rec_offsets[1:])
    # Mentions, keyed like record(): (file, pid, owner, header-hinted) as one integer; sender mentions first,
    # each part in file order (so a group's first row is its first mention). A file's records are its own.
    n_people = people.height
    sender_key = ((pl.col("file_no") * n_people + pl.col("s_pid")) * 4 + pl.col("owner").cast(pl.Int64) * 2
                  + pl.col("hint").is_not_null().cast(pl.Int64))
    mentions = pl.concat([
        m.select("k", "line", pos=pl.lit(0, pl.Int64), key=sender_key, hint="s_hint"),
        rm.select("k", "line", "pos", key=(pl.col("file_no") * n_people + pl.col("pid")) * 4,
                  hint=pl.lit(None, pl.String())),
    ])
    order = pl.col("k") * (1 << 24) + pl.col("pos")
    # (rows in file order, so a file's records are adjacent: numbered from 0 in each file)
    recs = mentions.group_by("key").agg(
        first=order.min(), line=pl.col("line").min(), hint=pl.col("hint").drop_nulls().first(),
        n_mentions=pl.len().cast(pl.Int64),
    ).sort("first").with_row_index("rid").with_columns(file_no=pl.col("key") // 4 // n_people).with_columns(
        rid=pl.col("rid").cast(pl.Int64) - pl.col("rid").min().over("file_no").cast(pl.Int64))
    # A sender record's signature: the most frequent value over its messages.
    recs = recs.join(most_frequent_signature(m.with_columns(key=sender_key), "key"), on="key", how="left",
                     maintain_order="left")
    rec_pid = recs.get_column("key") // 4 % n_people
    names = people.get_column("clean_name")
    # clean_email of an address it made is that address.
    emails = people.get_column("addr").gather(rec_pid)
    records = recs.select(
        "file_no", "line", *SIG_COLUMNS,
        role=pl.when(pl.col("first") % (1 << 24) == 0).then(pl.lit("sender")).otherwise(pl.lit("recipient")),
        name=names.gather(rec_pid),
        emails=pl.when(emails.is_not_null()).then(pl.concat_list(pl.lit(emails)))
        .otherwise(pl.lit([], dtype=pl.List(pl.String()))),
        n_mentions="n_mentions", owner_hint=(pl.col("key") // 2 % 2) == 1,
        automated_hint=pl.coalesce(pl.lit(_list_hints(people, m).gather(rec_pid)), "hint"),
    )
    rid = pl.col("key").replace_strict(recs.get_column("key"), recs.get_column("rid"), return_dtype=pl.Int64)

    counts = m.group_by("file_no").agg(
        n=pl.len(), undated=pl.col("ts").is_null().sum(), sep_dated=(pl.col("sep_dated") & ~pl.col("l_chat")).sum(),
        chat=pl.col("l_chat").sum()).sort("file_no")
    nokey = m.filter(pl.col("mid").is_null()).select("k", "sep", "s_pid", "ts")
    if nokey.height:
        p_addr = people.get_column("addr")
        r_addrs = ar.join(nokey.select("k"), on="k", how="semi")
        r_addrs = r_addrs.with_columns(addr=p_addr.gather(r_addrs.get_column("pid"))).group_by("k").agg(
            pl.col("addr").sort().alias("r_addrs"))
        nokey = nokey.join(r_addrs, on="k", how="left", maintain_order="left")
        keys_ = []
        for sep, s_pid, ts_, addrs in nokey.select("sep", "s_pid", "ts", "r_addrs").iter_rows():
            g = _GMAIL_SEP_ID.match(_b(sep) or b"")
            keys_.append(stable_key("gmail", g.group(1)) if g else
                         stable_key("email", p_addr[s_pid], ts_, addrs or []))
        m = m.join(nokey.select("k", pl.Series("key2", keys_, dtype=pl.String())), on="k", how="left",
                   maintain_order="left")
    else:
        m = m.with_columns(key2=pl.lit(None, pl.String()))

    # Messages, referring to the records by their row numbers in their file.
    rids = rm.select(key=(pl.col("file_no") * n_people + pl.col("pid")) * 4).select(rid=rid).get_column("rid")
    recipient_ids = pl.Series("recipient_ids", pa.LargeListArray.from_arrays(
        int64_arrow(rec_offsets), rids.to_arrow()), dtype=pl.List(pl.Int64()))
    m = (m.with_columns(key=sender_key)
         .with_columns(sender_id=rid, recipient_ids=recipient_ids, n_rec=pl.Series(n_rec, dtype=pl.Int64())))
    n_part = pl.col("n_rec").cast(pl.Int32) + 1
    messages = m.select(
        "file_no",
        msg_key=pl.coalesce("mid", "key2"), timestamp="ts", channel=pl.lit("email"), thread_id="thread_id",
        sender_id=pl.col("sender_id").cast(pl.Int64),
        recipient_ids="recipient_ids",
        n_participants=pl.when(pl.col("l_chat")).then(pl.max_horizontal(n_part, 2)).otherwise(n_part),
        message_id="mid", in_reply_to="in_reply_to", line="line",
    )
    add_bulk_by_file(outs, records, messages)
    for i, n_used, n_undated, n_sep_dated, n_chat in counts.iter_rows():
        outs[i].used(n_used)
        if n_chat:
            notes[i].append(f"{_n(n_chat, 'Gmail chat record')} read as email, dated from the mbox separator line")
        if n_sep_dated:
            notes[i].append(f"{_n(n_sep_dated, 'message')} with a missing or unusable Date header dated from the "
                            "separator line")
        if n_undated:
            notes[i].append(f"{_n(n_undated, 'message')} without any date kept undated")
    return notes


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")



def _mozilla_deleted(status: bytes) -> bool:
    """Thunderbird's X-Mozilla-Status has the 0x0008 (expunged) bit: deleted but not yet compacted away."""
    try:
        return bool(int(status.strip()[:4], 16) & 0x0008)
    except ValueError:
        return False


def _match_mbox(s: Sniff) -> bool:
    # (an mbox saved as UTF-16 is read as UTF-8: InputFile.open_utf8)
    return looks_like_mbox(s.head) or (detect_encoding(s.head).startswith("utf-16")
                                       and looks_like_mbox(s.text.encode("utf-8")))


register(Parser(
    kind="mail.mbox",
    label="mbox mail (Gmail Takeout, Thunderbird, Apple Mail .mbox folder, Eudora, mboxrd)",
    export_help="Gmail: takeout.google.com -> Mail -> pass the Takeout .zip or .tgz as downloaded, or 'All mail "
                "Including Spam and Trash.mbox' from it. Thunderbird: the folder files in your profile's Mail/ImapMail directory (or ImportExportTools NG -> Export folder "
                "-> mbox). Apple Mail: Mailbox -> Export Mailbox... (pass the .mbox folder).",
    matches=_match_mbox,
    parse=parse_mbox,
    priority=20,
    parse_many=parse_mbox_files,
))
