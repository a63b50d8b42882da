"""messages.csv in every layout (2018 ``Direction``, the 9/10/11/12/13-column layouts, 2026 fully quoted) and the
coach/guide message files (recognised, ignored). The 2021+ layouts are built with polars in :mod:`.messages_frame`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from operator import itemgetter

import polars as pl

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector, stable_key, text_keys
from analyzer.ingest.dates import day_first_dates, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.linkedin.common import (
    _PANDAS_SUFFIX,
    _SPINMAIL,
    COACH_REASON,
    _bad_date,
    _cell,
    _Cols,
    _compact,
    _count_rows,
    _first_keys,
    _is_csv,
    _owner,
    _width_problem,
)
from analyzer.ingest.linkedin.messages_frame import (
    HIDDEN_MEMBER_HINT,
    LINKEDIN_MEMBER,
    ROW_SCHEMA,
    build_messages,
)
from analyzer.ingest.linkedin.messages_frame import recipient_plan as _recipient_plan
from analyzer.ingest.linkedin.messages_frame import split_names as _split_names
from analyzer.ingest.mail.csv_common import count_bytes, rows_well_formed
from analyzer.ingest.registry import Sniff
from analyzer.ingest.text import (
    CsvTable,
    decode,
    detect_encoding,
    read_table,
)

# ---- messages.csv --------------------------------------------------------------------------------------------

_COACH_MARKERS = ("coachmessages", "guidemessages", "roleplaymessages")

#: files at least this big are read with polars' CSV reader (smaller ones with the csv module)
FAST_PATH_MIN_BYTES = 1 << 20


def _is_coach_name(name: str) -> bool:
    """guide_messages, learning_coach_messages, learning_role_play_messages, coach_messages,
    LearningCoachMessages (also with suffixes such as " (1)")."""
    c = _compact(name)
    return any(m in c for m in _COACH_MARKERS)


def _messages_keys(keys: Iterable[str]) -> bool:
    k = set(keys)
    if not {"FROM", "DATE"} <= k:
        return False
    return "CONVERSATION ID" in k or {"TO", "DIRECTION"} <= k


def _match_messages(s: Sniff) -> bool:
    return not _is_coach_name(s.name) and _messages_keys(_first_keys(s))


class _MessageReader:
    """State of one messages.csv in the 2018 layout (read row by row): the people seen and the recipient splits."""

    def __init__(self, out: FileCollector) -> None:
        self.out = out
        self.url_name: dict[str, str] = {}  # canonical URL -> first name seen with it
        self._plans: dict[tuple[str, str], list[tuple[str | None, str]]] = {}  # (TO, URLs) -> recipients

    def by_name(self, role: str, name: str, line: int | None = None) -> int:
        """Record of a person known by name only ("LinkedIn Member" is the hidden-member record)."""
        if name.casefold() == LINKEDIN_MEMBER:
            return self.member(role, line)
        return self.out.record(role=role, name=name, line=line, key=("n", name))

    def member(self, role: str, line: int | None = None) -> int:
        """The unknown party LinkedIn shows as "LinkedIn Member" (never a person)."""
        return self.out.record(role=role, name="LinkedIn Member", automated_hint=HIDDEN_MEMBER_HINT, line=line,
                               key=("member",))

    def recipients(self, to: str, urls_raw: str, line: int | None = None) -> list[int]:
        """Recipient records of one row, split using the URL list (names may contain ", ")."""
        plan = self._plans.get((to, urls_raw))
        if plan is None:
            plan = self._plans[(to, urls_raw)] = _recipient_plan(to, urls_raw)
        rids: list[int] = []
        for canon, name in plan:
            if canon is not None:
                if canon in self.url_name:  # known person: only the mention is counted
                    rids.append(self.out.record(role="recipient", key=canon))
                    continue
                self.url_name[canon] = name
                rids.append(self.out.record(role="recipient", name=name or None, linkedin_url=canon, line=line,
                                            key=canon))
            else:
                rids.append(self.by_name("recipient", name, line))
        return rids


_NO = frozenset({"No", "", "no", "NO", "False", "false"})


def _msg_key_text(*parts: str) -> str:
    """The text of a message key (as :func:`~.messages_frame.message_key_text` makes it): the parts joined."""
    return "li-msg\x1f" + "\x1f".join(parts) + "\x1f"


def _yes(value: str) -> bool:
    return value.strip().lower() in ("yes", "true", "1", "y")


def _is_messages_header(keys: list[str]) -> bool:
    return _messages_keys(_PANDAS_SUFFIX.sub("", k) for k in keys)


def parse_messages(f: InputFile, out: FileCollector) -> None:
    """messages.csv / Messages.csv: one ``linkedin_message`` per non-draft row.

    Rows in LinkedIn's SPAM folder are kept: they are real messages (mostly cold outreach), and their one-way
    senders rank low anyway; dropping them would lose rows the user can see in LinkedIn."""
    data = f.read_bytes()
    if len(data) >= FAST_PATH_MIN_BYTES and detect_encoding(data[:4096]).startswith("utf-8"):
        # large UTF-8 file: try polars first, decoding only the header line (no 500 MB str for nothing)
        nl = data.find(b"\n")
        try:
            head = read_table(data[: nl + 1 if nl >= 0 else len(data)].decode("utf-8-sig"), f.display,
                              is_header=_is_messages_header, max_preamble=0)
        except (UnicodeDecodeError, InputError):
            head = None
        if head is not None:
            hc = _Cols(head)
            if hc.has("CONVERSATION ID"):
                held = [data]
                del data  # the fast path frees the bytes once polars has parsed them
                fast = _fast_message_rows(held, head, hc)
                if fast is not None:
                    # handed over in a list that build_messages empties: it frees the rows once it has filtered them
                    rows, fast = [fast], None
                    build_messages(rows, _has_recipient_urls(hc), out)
                    out.advance(f.size)
                    return
                data = held[0] if held else f.read_bytes()
    table = read_table(decode(data, f.display), f.display, is_header=_is_messages_header)
    del data
    c = _Cols(table)
    if not c.has("CONVERSATION ID") and c.has("DIRECTION"):
        _parse_messages_2018(table, c, out)
    else:
        rejects: list[tuple[int, str]] = []
        rows = [pl.DataFrame(list(_csv_message_rows(table, c, rejects)), schema=ROW_SCHEMA, orient="row")]
        del table
        build_messages(rows, _has_recipient_urls(c), out, rejects)  # it frees the rows once it has filtered them
    out.advance(f.size)


def _has_recipient_urls(c: _Cols) -> bool:
    return c.has("RECIPIENT PROFILE URLS", "RECIPIENT PROFILE URL")


#: The columns of a modern messages.csv that are read, in the order of a :data:`_MsgRow`.
_MSG_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("CONVERSATION ID",), ("CONVERSATION TITLE",), ("FROM",), ("SENDER PROFILE URL",), ("TO",),
    ("RECIPIENT PROFILE URLS", "RECIPIENT PROFILE URL"), ("DATE",), ("CONTENT",), ("FOLDER",),
    ("IS MESSAGE DRAFT",), ("IS CONVERSATION DRAFT",),
)
_YES = ("yes", "true", "1", "y")

#: One row as :func:`~analyzer.ingest.linkedin_messages.build_messages` sees it (:data:`ROW_SCHEMA`): (line,
#: conversation id, has a title, FROM, sender URL, TO, recipient URLs, DATE, content is sponsored HTML, skip
#: reason or None). Bodies and titles are reduced to flags here.
_MsgRow = tuple[int, str, bool, str, str, str, str, str, bool, "str | None"]


def _csv_message_rows(table: CsvTable, c: _Cols, rejects: list[tuple[int, str]]) -> Iterator[_MsgRow]:
    """Rows of a messages.csv read with the csv module (any encoding or quirk); malformed rows go to
    ``rejects`` as (line, reason)."""
    width = c.width
    get = itemgetter(*(width if (i := c.pos(*names)) is None else i for names in _MSG_COLUMNS))
    has_folder = c.has("FOLDER")
    no = _NO
    for line, row in table.rows():
        if len(row) != width:
            if problem := _width_problem(row, width):
                rejects.append((line, problem))
                continue
            del row[width:]
        row.append("")
        cid, title, fname, surl, to, rurls, date_s, content, folder, mdraft, cdraft = get(row)
        if not has_folder:
            folder = "INBOX"
        skip = None
        if (not folder or (not cid and not to)
                or (mdraft not in no and _yes(mdraft)) or (cdraft not in no and _yes(cdraft))):
            skip = "draft"
        yield (line, cid, bool(title.strip()), fname, surl, to, rurls, date_s,
               content.lstrip().startswith(_SPINMAIL), skip)


def _fast_message_rows(held: bytes | list[bytes], table: CsvTable, c: _Cols) -> pl.DataFrame | None:
    """The same rows as :func:`_csv_message_rows` (as a :data:`ROW_SCHEMA` frame), parsed by polars.

    Only for plain UTF-8 comma-separated files without preamble, and only when the parse provably agrees with
    the csv module: every row has the header's number of cells (the commas of the file add up), no blank
    line and the newlines add up (so physical line numbers are exact). Otherwise None: the caller falls back
    to the csv module, which also rejects the malformed rows.

    ``held`` is the file's bytes, or a one-element list of them that is emptied as soon as polars has parsed
    them (so that the bytes and the frames are not held at the same time; the caller reads the file again if
    it then gets None). The cells are read in polars' streaming batches and only the columns read later are
    kept, with each row's commas and newlines: the message texts are never held all at once (the large
    profile's 144 MB file: 359 -> 261 MB at the peak of this step, and 0.59 -> 0.49 s of CPU).
    """
    data = held[0] if isinstance(held, list) else held
    if table.header_line != 1 or table.delimiter != "," or len(data) < FAST_PATH_MIN_BYTES:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif detect_encoding(data[:4096]) != "utf-8":
        return None
    width = c.width
    first_nl = data.find(b"\n")
    header_commas = data[: first_nl if first_nl >= 0 else len(data)].count(b",")
    commas, newlines, n_cr = count_bytes(data, b",\n\r")
    if n_cr and n_cr != data.count(b"\r\n"):
        return None  # a lone CR is a line break for the csv module: line numbers would differ
    # every row well-formed (the header's cells, each quoted or without a quote): polars reads malformed quoting
    # otherwise than the csv module, without an error ('"Alice" "Archer"' is Alice Archer for it, Alice "Archer"
    # for the csv module; '"Alice"x""' Alicex against Alicex"")
    if not rows_well_formed(data, ",", width):
        return None
    try:
        lf = pl.scan_csv(data, has_header=True, infer_schema=False, quote_char='"', raise_if_empty=False)
        names = lf.collect_schema().names()
        if len(names) != width:
            return None

        def col(names_: tuple[str, ...]) -> pl.Expr:
            i = c.pos(*names_)
            return pl.lit("") if i is None else pl.col(names[i]).fill_null("")

        cid, title, frm, surl, to, rurls, date_s, content, folder, mdraft, cdraft = (col(x) for x in _MSG_COLUMNS)
        if not c.has("FOLDER"):
            folder = pl.lit("INBOX")
        draft = ((folder == "") | ((cid == "") & (to == ""))
                 | mdraft.str.strip_chars().str.to_lowercase().is_in(_YES)
                 | cdraft.str.strip_chars().str.to_lowercase().is_in(_YES))
        skip = pl.when(draft).then(pl.lit("draft")).otherwise(pl.lit(None, dtype=pl.String))
        cells = [pl.col(n) for n in names]
        rows_inside = rf"[\r\n](?:[^\r\n,]*,){{{width - 1}}}"
        sel = lf.select(
            cid.alias("cid"), (title.str.strip_chars() != "").alias("title"), frm.alias("from"),
            surl.alias("surl"), to.alias("to"), rurls.alias("rurls"), date_s.alias("date"),
            content.str.strip_chars_start().str.starts_with(_SPINMAIL).alias("spin"), skip.alias("skip"),
            pl.sum_horizontal(x.str.count_matches(",", literal=True).fill_null(0) for x in cells)
            .cast(pl.Int64).alias("_commas"),
            pl.sum_horizontal(x.str.count_matches("\n", literal=True).fill_null(0) for x in cells)
            .cast(pl.Int64).alias("_newlines"),
            pl.all_horizontal(x.is_null() for x in cells).alias("_blank"),
            # a line inside a cell with a row's commas: maybe rows swallowed by a quote left open (the csv
            # module's reading tells, and rejects the row that opened it)
            pl.any_horizontal(x.str.contains(rows_inside, literal=False).fill_null(False) for x in cells)
            .alias("_rows_inside"),
        ).collect(engine="streaming")
    except Exception:  # any parse problem: let the csv module read it and reject what is broken
        return None
    finally:
        del data
        if isinstance(held, list):
            held.clear()
    n = sel.height
    inner_commas = int(sel.get_column("_commas").sum())
    # a row with fewer cells than the header (which polars pads) or a blank line breaks this sum
    if commas != header_commas + n * (width - 1) + inner_commas:
        return None
    nl = sel.get_column("_newlines")
    inner_nl = int(nl.sum())
    if newlines in (n + 1, n):  # no newline inside any cell (every export before 2026)
        lines = pl.int_range(0, n, dtype=pl.Int64, eager=True) + 2
    elif newlines in (1 + n + inner_nl, n + inner_nl):
        lines = pl.int_range(0, n, dtype=pl.Int64, eager=True) + 2 + nl.cum_sum() - nl
    else:
        return None
    if bool(sel.get_column("_blank").any()) or bool(sel.get_column("_rows_inside").any()):
        return None  # a blank line (only possible with a one-column header), or rows inside a cell
    return sel.drop("_commas", "_newlines", "_blank", "_rows_inside").insert_column(0, lines.alias("line"))


def _parse_messages_2018(table: CsvTable, c: _Cols, out: FileCollector) -> None:
    """The 2018 ``From,To,Date,Subject,Content,Direction,Folder`` layout: Direction names the owner's side."""
    width = c.width
    i_from, i_to, i_date = c.pos("FROM"), c.pos("TO"), c.pos("DATE")
    i_dir, i_folder = c.pos("DIRECTION"), c.pos("FOLDER")
    r = _MessageReader(out)
    owner_names: set[str] = set()
    used = 0
    prev_base: tuple[str, ...] = ()
    dup_n = 0
    # messages are added once all rows are read: their keys are computed together
    pending: list[tuple[datetime, int, list[int], str | None, int]] = []
    key_texts: list[str] = []
    # numeric dates read day first when the column shows a spreadsheet re-saved them so (a first pass: old files
    # of this layout are small)
    first_day = i_date is not None and day_first_dates(_cell(row, i_date) for _, row in table.rows())
    for line, row in table.rows():
        if problem := _width_problem(row, width):
            out.reject(line, problem)
            continue
        folder = _cell(row, i_folder) if i_folder is not None else "INBOX"
        if not folder or folder.upper() in ("DRAFT", "DRAFTS"):
            out.ignore("draft")
            continue
        date_s = _cell(row, i_date)
        ts = parse_datetime(date_s, first_day)
        if ts is None:
            out.reject(line, _bad_date(date_s))
            continue
        fname, to, direction = _cell(row, i_from), _cell(row, i_to), _cell(row, i_dir).upper()
        if direction == "OUTGOING":
            if fname:
                owner_names.add(fname)
            sender = _owner(out, fname or None)
            recips = r.recipients(to, "", line)
            counterpart = to
        elif direction == "INCOMING":
            if not fname:
                out.reject(line, "no sender (From is empty)")
                continue
            if len(_split_names(to)) == 1:
                owner_names.add(to)
            sender = r.by_name("sender", fname, line)
            recips = [_owner(out, to or None)]
            counterpart = fname
        else:
            if not fname:
                out.reject(line, "no sender (From is empty)")
                continue
            sender = r.by_name("sender", fname, line)
            recips = r.recipients(to, "", line)
            counterpart = to
        base = (date_s, fname, to)
        if base == prev_base:
            dup_n += 1
        else:
            prev_base, dup_n = base, 0
        # 2018 has no conversation ids; LinkedIn keeps one conversation per pair of members
        thread = "li2018-" + stable_key(counterpart.casefold()) if counterpart else None
        pending.append((ts, sender, recips, thread, line))
        key_texts.append(_msg_key_text("", date_s, fname, to, *([str(dup_n)] if dup_n else [])))
        used += 1
    for (ts, sender, recips, thread, line), key in zip(pending, text_keys(key_texts), strict=True):
        out.message(timestamp=ts, channel="linkedin_message", sender=sender, recipients=recips, thread_id=thread,
                    n_participants=1 + len(recips), line=line, msg_key=key)
    for n in sorted(owner_names):
        out.owner_identity(name=n)
    out.used(used)


# ---- coach / guide message files ----------------------------------------------------------------------------

def _match_coach(s: Sniff) -> bool:
    return _is_csv(s) and _is_coach_name(s.name)


def parse_coach(f: InputFile, out: FileCollector) -> None:
    """guide/coach/learning-coach message files: recognised, every row ignored."""
    if n := _count_rows(f, lambda keys: "CONVERSATION ID" in keys):
        out.ignore(COACH_REASON, n)
    out.advance(f.size)
