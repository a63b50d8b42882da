"""Collectors: what a parser writes into, so that every parser produces the same canonical tables and every
input row is accounted for (read = used + rejected + ignored)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from hashlib import blake2b
from itertools import accumulate, chain
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from analyzer import schemas
from analyzer.ingest.text import clean_text
from analyzer.normalize import canonical_linkedin_url, clean_email

# signature evidence columns of RECORDS: filled in bulk by the mail readers that find signatures, null here
_SIGNATURE_COLUMNS = ("sig_name", "sig_title", "sig_company", "sig_linkedin_url")


@dataclass
class FileReport:
    """Counts for one input file, as written to summary.json."""

    source_file: str
    kind: str
    used: int = 0
    rejected: int = 0
    ignored: int = 0
    ignored_reasons: Counter[str] = field(default_factory=Counter)
    rejected_reasons: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Rows read: every row is used, rejected or ignored."""
        return self.used + self.rejected + self.ignored

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "file": self.source_file,
            "kind": self.kind,
            "read": self.read,
            "used": self.used,
            "rejected": self.rejected,
            "ignored": self.ignored,
            "ignored_why": dict(sorted(self.ignored_reasons.items())),
            "rejected_why": dict(sorted(self.rejected_reasons.items())),
            "notes": self.notes,
        }


def stable_key(*parts: object) -> str:
    """A short deterministic hash of ``parts`` (for message keys that must match across exports)."""
    h = blake2b(digest_size=12)
    for p in parts:
        h.update(str(p).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


#: Key texts taken into Python at a time by :func:`stable_keys` (all at once: 20 MB more at the peak for 150,000).
_KEYS_AT_A_TIME = 1 << 16


def stable_keys(texts: pl.Series) -> list[str]:
    """:func:`stable_key` of the parts whose joined text (each part followed by ``\x1f``) is each of ``texts``:
    the same hash of the same bytes, for the mail CSV readers' fast paths (0.07 s for 150,000; their only step
    per row in Python)."""
    binary = texts.cast(pl.Binary)
    keys: list[str] = []
    for start in range(0, binary.len(), _KEYS_AT_A_TIME):
        keys += [blake2b(t, digest_size=12).hexdigest() for t in binary.slice(start, _KEYS_AT_A_TIME).to_list()]
    return keys


def per_distinct(values: pl.Series, fn: Callable[[str], object], dtype: pl.DataType) -> pl.Series:
    """``fn`` of each value of ``values`` (strings; null stays null), called once per distinct value: the
    results picked by the codes of an Enum of the distinct values (a third of the time of ``replace_strict``)."""
    uniq = values.drop_nulls().unique(maintain_order=True)
    mapped = pl.Series(values.name, [fn(v) for v in uniq.to_list()], dtype=dtype)
    return mapped.gather(values.cast(pl.Enum(uniq)).to_physical())


#: 64 characters, 6 bits each, for :func:`hashed_keys` (no "@": never a Message-ID, the mail readers' keys)
_KEY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_KEY_SEEDS = (0x7265636F, 0x6E6E6563)
_KEY_BYTES = np.frombuffer(_KEY_ALPHABET.encode("ascii"), dtype=np.uint8)


def hashed_keys(text: pl.Series) -> pl.Series:
    """A 12-character key per string of ``text``: 72 bits of two seeded 64-bit polars hashes, vectorised.

    For message keys that only have to be equal for equal texts within a run (overlapping exports read
    together): at 12 bytes a key is stored inline in polars' string view (no buffer), and a million keys
    collide with a chance of about 1e-10. Not stable across polars versions: never write such a key out.
    The characters are picked in numpy and the strings made from one fixed-width buffer (twelve polars
    gathers and a concatenation cost about three times as much).
    """
    h = text.to_frame("t").select(*(pl.col("t").hash(seed=s).alias(f"h{i}") for i, s in enumerate(_KEY_SEEDS)))
    n = h.height  # a hash is never null (a null value has one too)
    words = (h.get_column("h0").to_numpy(), h.get_column("h1").to_numpy())
    chars = np.empty((n, 12), dtype=np.uint8)  # character j of key i: 6 bits of the first hash, then the second
    for j, (w, shift) in enumerate([(0, i) for i in range(10)] + [(1, i) for i in range(2)]):
        # Indices as int64 (a view: they are below 64): numpy 1.x refuses unsigned indices with ``out``.
        np.take(_KEY_BYTES, ((words[w] >> np.uint64(6 * shift)) & np.uint64(63)).view(np.int64), out=chars[:, j])
    offsets = np.arange(0, 12 * (n + 1), 12, dtype=np.int64)
    keys = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))
    return pl.Series("msg_key", keys, dtype=pl.String())


def one_copy_each(values: pl.Series, order: pl.Series | None = None) -> pl.Series:
    """``values`` (strings; gathered at the row numbers ``order`` when given) as one chunk in which equal
    values share one copy of their text. A column of a few distinct values repeated on many rows (file names,
    channels, thread ids) otherwise holds a copy per row once gathered or concatenated: 70 MB for the file
    names of the large profile's 780,000 events, against 12 MB; 30 MB less for its thread ids."""
    distinct = values.drop_nulls().unique(maintain_order=True)
    codes = values.cast(pl.Enum(distinct)).to_physical()
    return distinct.gather(codes if order is None else codes.gather(order)).alias(values.name)


def sort_by_ints(frame: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """``frame.sort(*cols)`` for non-negative integer columns whose combined values are distinct, through one
    64-bit key (a sort on several columns encodes every row first: about five times slower). Ties, if any,
    keep their order; with a negative or null value, or values too large for one key, the plain sort."""
    if frame.height == 0:
        return frame.sort(*cols)
    bounds = frame.select(*(pl.col(c).min().alias(f"lo{i}") for i, c in enumerate(cols)),
                          *(pl.col(c).max().alias(f"hi{i}") for i, c in enumerate(cols))).row(0)
    lows, highs = bounds[: len(cols)], bounds[len(cols):]
    if any(v is None or v < 0 for v in lows):
        return frame.sort(*cols)
    key: pl.Expr | None = None
    span = 1
    for c, hi in zip(reversed(cols), reversed(highs), strict=True):
        part = pl.col(c).cast(pl.Int64) * span if span > 1 else pl.col(c).cast(pl.Int64)
        key = part if key is None else key + part
        span *= int(hi) + 1
    if span >= 1 << 62 or key is None:
        return frame.sort(*cols)
    return frame.sort(key, maintain_order=True)


def text_keys(texts: list[str]) -> list[str]:
    """:func:`hashed_keys` of Python strings (for the row-by-row readers of rare layouts)."""
    if not texts:
        return []
    return hashed_keys(pl.Series(texts, dtype=pl.String())).to_list()


class FileCollector:
    """Receives the records, messages and row outcomes of one input file.

    Record ids handed out are local to the file; :meth:`frames` shifts them by an offset so that ids are
    unique across the run.
    """

    def __init__(self, source_file: str, kind: str, advance: Callable[[int], None] | None = None) -> None:
        self.report = FileReport(source_file, kind)
        self.source_file = source_file
        self.kind = kind
        self._advance = advance
        self._rec: dict[str, list[Any]] = {k: [] for k in schemas.RECORDS if k not in ("record_id", "source_file", "source_kind")}
        self._rec_keys: dict[Any, int] = {}
        self._bulk: list[tuple[pl.DataFrame, pl.DataFrame]] = []
        self._n_bulk_records = 0
        self._n_row_records = 0  # records added row by row, once frames() has taken them
        self._msg: dict[str, list[Any]] = {k: [] for k in schemas.MESSAGES if k != "source_file"}
        self._rejects: list[tuple[int | None, str]] = []
        self.owner_emails: set[str] = set()
        self.owner_urls: set[str] = set()
        self.owner_names: set[str] = set()
        self.owner_positions: list[dict[str, Any]] = []

    # ---- row outcomes -------------------------------------------------------------------------------
    def used(self, n: int = 1) -> None:
        """``n`` rows were used."""
        self.report.used += n

    def reject(self, line: int | None, reason: str) -> None:
        """A row could not be used: it is listed in rejects.csv."""
        self.report.rejected += 1
        self.report.rejected_reasons[reason] += 1
        self._rejects.append((line, reason))

    def ignore(self, reason: str, n: int = 1) -> None:
        """``n`` rows were deliberately not used (drafts, coach messages, ...); counted with the reason."""
        self.report.ignored += n
        self.report.ignored_reasons[reason] += n

    def note(self, text: str) -> None:
        """A remark about the whole file for summary.json (e.g. 'no dates: identities only')."""
        self.report.notes.append(text)

    def advance(self, nbytes: int) -> None:
        """Report progress in bytes read."""
        if self._advance is not None:
            self._advance(nbytes)

    # ---- owner --------------------------------------------------------------------------------------
    def owner_identity(self, *, email: str | None = None, linkedin_url: str | None = None, name: str | None = None) -> None:
        """The source states that this address/profile/name is the owner's."""
        if e := clean_email(email):
            self.owner_emails.add(e)
        if u := canonical_linkedin_url(linkedin_url):
            self.owner_urls.add(u)
        if n := clean_text(name):
            self.owner_names.add(n)

    def owner_position(self, company: str | None, title: str | None, started: date | None, finished: date | None) -> None:
        """One job of the owner (from Positions.csv)."""
        if company := clean_text(company):
            self.owner_positions.append({"company": company, "title": clean_text(title),
                                         "started_on": started, "finished_on": finished})

    # ---- records and messages -------------------------------------------------------------------------
    def record(
        self,
        *,
        role: str,
        name: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        emails: Iterable[str | None] = (),
        linkedin_url: str | None = None,
        company: str | None = None,
        position: str | None = None,
        connected_on: date | None = None,
        line: int | None = None,
        owner_hint: bool = False,
        automated_hint: str | None = None,
        key: Any = None,
    ) -> int:
        """Add one mention of a person; returns its (file-local) record id.

        With ``key``, mentions with the same key are counted into one record (``n_mentions``).
        """
        if key is not None:
            rid = self._rec_keys.get(key)
            if rid is not None:
                self._rec["n_mentions"][rid] += 1
                if automated_hint and not self._rec["automated_hint"][rid]:
                    self._rec["automated_hint"][rid] = automated_hint
                return rid
        first_name = clean_text(first_name)
        last_name = clean_text(last_name)
        name = clean_text(name) or (" ".join(p for p in (first_name, last_name) if p) or None)
        clean_emails = sorted({e for e in (clean_email(x) for x in emails) if e})
        rid = len(self._rec["role"])
        r = self._rec
        r["line"].append(line)
        r["role"].append(role)
        r["name"].append(name)
        r["first_name"].append(first_name)
        r["last_name"].append(last_name)
        r["emails"].append(clean_emails)
        r["linkedin_url"].append(canonical_linkedin_url(linkedin_url))
        r["company"].append(clean_text(company))
        r["position"].append(clean_text(position))
        r["connected_on"].append(connected_on)
        r["n_mentions"].append(1)
        r["owner_hint"].append(owner_hint)
        r["automated_hint"].append(automated_hint)
        for col in _SIGNATURE_COLUMNS:
            r[col].append(None)
        if key is not None:
            self._rec_keys[key] = rid
        return rid

    def message(
        self,
        *,
        timestamp: datetime | None,
        channel: str,
        sender: int,
        recipients: list[int],
        thread_id: str | None = None,
        n_participants: int | None = None,
        msg_key: str | None = None,
        message_id: str | None = None,
        in_reply_to: str | None = None,
        line: int | None = None,
    ) -> None:
        """Add one dated interaction from ``sender`` to ``recipients`` (file-local record ids)."""
        m = self._msg
        m["msg_key"].append(msg_key or stable_key(self.source_file, line, len(m["channel"])))
        m["timestamp"].append(timestamp)
        m["channel"].append(channel)
        m["thread_id"].append(thread_id)
        m["sender_id"].append(sender)
        m["recipient_ids"].append(recipients)
        m["n_participants"].append(n_participants if n_participants is not None else 1 + len(recipients))
        m["message_id"].append(message_id)
        m["in_reply_to"].append(in_reply_to)
        m["line"].append(line)

    def add_bulk(self, records: pl.DataFrame, messages: pl.DataFrame) -> None:
        """Add records and messages built as frames (for vectorised parsers).

        ``records`` has the RECORDS columns except ``record_id``, ``source_file`` and ``source_kind``, one row per
        record; its records are numbered 0..n-1 in row order, and ``messages`` (MESSAGES columns except
        ``source_file``) refers to them by those numbers in ``sender_id`` and ``recipient_ids``. Row outcomes
        (used/rejected/ignored) are still reported with :meth:`used` etc.
        """
        self._add_conformed(_bulk_records(records), _bulk_messages(messages))

    def _add_conformed(self, records: pl.DataFrame, messages: pl.DataFrame) -> None:
        base = self._n_bulk_records
        if base:
            messages = messages.with_columns(_shift_ids(base))
        self._bulk.append((records, messages))
        self._n_bulk_records += records.height

    @property
    def n_records(self) -> int:
        """Records added so far."""
        n_rows = len(self._rec["role"]) if "role" in self._rec else self._n_row_records
        return n_rows + self._n_bulk_records

    def frames(self, offset: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """(records, messages, rejects) with record ids shifted by ``offset``: called once, after the parse.

        The rows are handed over: each Python list is dropped as soon as its column is built, so that a large
        file's rows are not held both as lists and as columns (:attr:`n_records` stays right). List columns
        are built from flat values and offsets through pyarrow: polars' per-row construction of nested lists
        costs ~10 us per row, a third of the time of reading a large mbox.
        """
        n = len(self._rec["role"])
        self._n_row_records = n
        if self._bulk and n == 0 and not self._msg["channel"]:  # a vectorised parser's file: its frames alone
            self._rec.clear()
            self._msg.clear()
            rec, msg = self._bulk_frames(offset)
            return rec, msg, self._reject_frame()
        rec_cols = [pl.int_range(offset, offset + n, dtype=pl.Int64, eager=True).alias("record_id")]
        for k, t in schemas.RECORDS.items():
            if k in self._rec:
                values = self._rec.pop(k)
                rec_cols.append(_list_column(k, values, pl.String()) if k == "emails"
                                else pl.Series(k, values, dtype=t))
                del values
        rec = pl.DataFrame(rec_cols).with_columns(
            pl.lit(self.source_file, pl.String()).alias("source_file"),
            pl.lit(self.kind, pl.String()).alias("source_kind"),
        ).select(list(schemas.RECORDS))
        del rec_cols
        msg_cols = []
        for k, t in schemas.MESSAGES.items():
            if k in self._msg:
                values = self._msg.pop(k)
                msg_cols.append(_list_column(k, values, pl.Int64()) if k == "recipient_ids"
                                else pl.Series(k, values, dtype=t))
                del values
        msg = pl.DataFrame(msg_cols).with_columns(
            pl.lit(self.source_file, pl.String()).alias("source_file"), *_shift_ids(offset),
        ).select(list(schemas.MESSAGES))
        del msg_cols
        if self._bulk:
            b_rec, b_msg = self._bulk_frames(offset + n)
            rec = pl.concat([rec, b_rec])
            msg = pl.concat([msg, b_msg])
        return rec, msg, self._reject_frame()

    def _bulk_frames(self, start: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The records and messages given by :meth:`add_bulk`, record ids from ``start`` (handed over)."""
        b_rec = pl.concat([r for r, _ in self._bulk]) if len(self._bulk) > 1 else self._bulk[0][0]
        b_rec = b_rec.select(
            pl.int_range(start, start + b_rec.height, dtype=pl.Int64).alias("record_id"),
            *[pl.lit(self.source_file, pl.String()).alias(k) if k == "source_file"
              else pl.lit(self.kind, pl.String()).alias(k) if k == "source_kind" else pl.col(k)
              for k in schemas.RECORDS if k != "record_id"])
        b_msg = pl.concat([m for _, m in self._bulk]) if len(self._bulk) > 1 else self._bulk[0][1]
        shifted = {e.meta.output_name(): e for e in _shift_ids(start)}
        b_msg = b_msg.select(
            pl.lit(self.source_file, pl.String()).alias(k) if k == "source_file" else shifted.get(k, pl.col(k))
            for k in schemas.MESSAGES)
        self._bulk = []
        return b_rec, b_msg

    def _reject_frame(self) -> pl.DataFrame:
        """The rejected rows (handed over)."""
        rej = pl.DataFrame(
            {"source_file": [self.source_file] * len(self._rejects),
             "line": [r[0] for r in self._rejects], "reason": [r[1] for r in self._rejects]},
            schema=schemas.REJECTS,
        )
        self._rejects = []
        return rej


_BULK_RECORDS = {k: v for k, v in schemas.RECORDS.items() if k not in ("record_id", "source_file", "source_kind")}
_BULK_MESSAGES = {k: v for k, v in schemas.MESSAGES.items() if k != "source_file"}


def _bulk_records(records: pl.DataFrame, *keep: str) -> pl.DataFrame:
    """``records`` as :meth:`FileCollector.add_bulk` keeps them (and the columns ``keep``)."""
    return schemas.conform(records, _BULK_RECORDS).select(*_BULK_RECORDS, *keep).with_columns(
        pl.col("n_mentions").fill_null(1), pl.col("owner_hint").fill_null(False),
        pl.col("emails").fill_null(pl.lit([], dtype=pl.List(pl.String()))),
    )


def _bulk_messages(messages: pl.DataFrame, *keep: str) -> pl.DataFrame:
    """``messages`` as :meth:`FileCollector.add_bulk` keeps them (and the columns ``keep``)."""
    return schemas.conform(messages, _BULK_MESSAGES).select(*_BULK_MESSAGES, *keep)


def add_bulk_by_file(outs: Sequence[FileCollector], records: pl.DataFrame, messages: pl.DataFrame,
                     file_col: str = "file_no") -> None:
    """:meth:`FileCollector.add_bulk` for several files read together: the rows of ``records`` and ``messages``
    whose ``file_col`` is i go to ``outs[i]``; each file's messages refer to its records by their numbers
    among that file's records (from 0, in row order). The frames are checked once, not once per file."""
    records = _bulk_records(records, file_col)
    messages = _bulk_messages(messages, file_col)
    if len(outs) == 1:
        outs[0]._add_conformed(records.drop(file_col), messages.drop(file_col))
        return
    by_file = records.partition_by(file_col, as_dict=True, include_key=False, maintain_order=True)
    for key, file_messages in messages.partition_by(file_col, as_dict=True, include_key=False,
                                                    maintain_order=True).items():
        outs[int(key[0])]._add_conformed(by_file[key], file_messages)


def _shift_ids(shift: int) -> list[pl.Expr]:
    """``sender_id`` and every element of ``recipient_ids`` plus ``shift`` (no work when it is 0): list
    arithmetic on the flat values, much faster than ``list.eval``."""
    if not shift:
        return []
    return [pl.col("sender_id") + shift, pl.col("recipient_ids") + shift]


def _list_column(name: str, rows: list[Any], inner: pl.DataType) -> pl.Series:
    """A list column from Python lists, via flat values and offsets (fast for millions of short lists).

    The flat values and offsets are made by polars and handed to pyarrow as arrow arrays: pyarrow's own
    conversion of Python lists imports pandas (half a second of start-up) on its first use."""
    if not rows:
        return pl.Series(name, [], dtype=pl.List(inner))
    offsets = pl.Series(list(accumulate(map(len, rows), initial=0)), dtype=pl.Int64()).to_arrow()
    values = pl.Series(list(chain.from_iterable(rows)), dtype=inner).to_arrow()
    return pl.Series(name, pa.LargeListArray.from_arrays(offsets, values))


def map_distinct(frame: pl.DataFrame, cols: list[str], fn: Callable[..., tuple[object, ...]],
                outputs: dict[str, pl.DataType]) -> pl.DataFrame:
    """The columns ``outputs`` = ``fn(*row)`` for the rows of ``frame`` (in its order), ``fn`` called once per
    distinct ``cols`` (nulls equal): the Python step of a reader that vectorises what it can."""
    keys = frame.select(cols)
    uniq = keys.unique(maintain_order=True)
    values = [fn(*row) for row in uniq.iter_rows()]
    new = [pl.Series(name, [v[i] for v in values], dtype=dtype) for i, (name, dtype) in enumerate(outputs.items())]
    return keys.join(uniq.with_columns(new), on=cols, how="left", nulls_equal=True,
                     maintain_order="left").select(list(outputs))
