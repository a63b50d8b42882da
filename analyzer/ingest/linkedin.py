"""Parsers for every file of LinkedIn's "Get a copy of your data" archive, in every known layout (formats.md §1).

Each file kind is one registered :class:`~analyzer.ingest.registry.Parser`, detected by its header columns;
the file name only tells apart files with the same header (Recommendations Received/Given, messages.csv vs
the coach/guide message files). Columns are always looked up by their (upper-cased) NAME, never by position.

Used: Connections, messages (2018 ``Direction`` layout and the 9/10/11/12/13-column layouts, 2026 fully
quoted), Invitations (URL, URN and old layouts), Endorsements received/given (also the 2022 UTF-16 TSV
duplicate), Recommendations received/given, Positions, Profile, Email Addresses and imported contacts.
Recognised but not used: the coach/guide message files and every other file of the archive (skills, ads,
logins, ...): their rows are counted as ignored with the reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from hashlib import blake2b
from operator import itemgetter

import polars as pl

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector, stable_key
from analyzer.ingest.dates import MAX_YEAR, MIN_YEAR, parse_date, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.linkedin_messages import (
    HIDDEN_MEMBER_HINT,
    LINKEDIN_MEMBER,
    ROW_SCHEMA,
    SPONSORED_HINT,
    build_messages,
)
from analyzer.ingest.linkedin_messages import recipient_plan as _recipient_plan
from analyzer.ingest.linkedin_messages import split_names as _split_names
from analyzer.ingest.registry import Parser, Sniff, register
from analyzer.ingest.text import (
    CsvTable,
    decode,
    detect_encoding,
    normalise_header,
    read_table,
    sniff_delimiter,
)
from analyzer.normalize import canonical_linkedin_url, clean_email

EXPORT_HELP = (
    "LinkedIn: Me → Settings & Privacy → Data privacy → Get a copy of your data → 'Download larger data "
    "archive' (or pick the files); pass the downloaded zip or the folder it extracts to"
)

COACH_REASON = "LinkedIn coach/guide messages are not person-to-person"
_SPINMAIL = '<p class="spinmail'
#: messages.csv files from this size on are parsed by polars when the parse provably matches the csv module.
FAST_PATH_MIN_BYTES = 1 << 20

_PANDAS_SUFFIX = re.compile(r"\.\d+$")
_TRAILING_NUMBER = re.compile(r"(?: v?\d+| ?\(\d+\))+$")
_EMAIL_SPLIT = re.compile(r"[,;\s]+")
_LINKEDIN_IN = re.compile(r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/in/[^\s,;\]\[\"']+", re.IGNORECASE)


# ---- helpers -----------------------------------------------------------------------------------------------

def _head_rows(sniff: Sniff, max_lines: int = 12) -> list[list[str]]:
    """Normalised header cells of the first non-blank lines of the file's head (for detection)."""
    out: list[list[str]] = []
    for line in sniff.text.split("\n", max_lines)[:max_lines]:
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            cells = next(csv.reader([line], delimiter=sniff_delimiter(line)))
        except (csv.Error, StopIteration):
            continue
        out.append([normalise_header(c) for c in cells])
    return out


def _first_keys(sniff: Sniff) -> set[str]:
    """Normalised column names of the first non-blank line (``.1`` pandas suffixes removed)."""
    rows = _head_rows(sniff, 3)
    if not rows:
        return set()
    return {_PANDAS_SUFFIX.sub("", k) for k in rows[0]}


def _compact(name: str) -> str:
    """Sniff name without numbering suffixes and spaces: "Comments_123" -> "comments"."""
    return _TRAILING_NUMBER.sub("", name).replace(" ", "")


def _is_csv(sniff: Sniff) -> bool:
    return sniff.file.name.lower().endswith(".csv")


class _Cols:
    """Column positions by name, with aliases and pandas ``.1`` suffixes tolerated."""

    def __init__(self, table: CsvTable) -> None:
        self.width = len(table.keys)
        self._idx = table.index()
        for i, k in enumerate(table.keys):
            self._idx.setdefault(_PANDAS_SUFFIX.sub("", k), i)

    def pos(self, *names: str) -> int | None:
        """Position of the first of ``names`` present, else None."""
        for n in names:
            i = self._idx.get(n)
            if i is not None:
                return i
        return None

    def has(self, *names: str) -> bool:
        """True if any of ``names`` is a column."""
        return self.pos(*names) is not None


def _cell(row: list[str], i: int | None) -> str:
    """The stripped cell at ``i`` ('' for a missing column)."""
    if i is None or i >= len(row):
        return ""
    return row[i].strip()


def _width_problem(row: list[str], width: int) -> str | None:
    """A reject reason when the row does not have the header's number of cells (extra empty cells are fine)."""
    n = len(row)
    if n == width or (n > width and not any(c.strip() for c in row[width:])):
        return None
    return f"row has {n} cells, header has {width}"


def _shown(value: str, limit: int = 40) -> str:
    v = value if len(value) <= limit else value[: limit - 1] + "…"
    return v.replace("\n", " ").replace("\r", " ")


def _bad_date(value: str) -> str:
    """The reject reason for a date cell that did not parse."""
    return f"unparseable date '{_shown(value)}'" if value else "no date"


def _load(f: InputFile, is_header: Callable[[list[str]], bool] | None) -> CsvTable:
    """Decode ``f`` and locate its header line."""
    return read_table(decode(f.read_bytes(), f.display), f.display, is_header=is_header)


def _fast_ts(value: str) -> datetime | None:
    """messages.csv dates: fast path for ``YYYY-MM-DD HH:MM:SS UTC``, else the general parser."""
    if len(value) == 23 and value[19:] == " UTC" and value[4] == "-":
        try:
            dt = datetime.fromisoformat(value[:19] + "+00:00")
        except ValueError:
            return parse_datetime(value)
        return dt if MIN_YEAR <= dt.year <= MAX_YEAR else None
    return parse_datetime(value)


def _full_name(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p)


def _owner(out: FileCollector, name: str | None = None, url: str | None = None) -> int:
    """The owner's record in this file (one per file)."""
    return out.record(role="owner", name=name, linkedin_url=url, owner_hint=True, key=("owner",))


def _person_key(url: str | None, name: str) -> str | tuple[str, str]:
    """Record key: the canonical profile URL, else the name."""
    canon = canonical_linkedin_url(url) if url else None
    if canon:
        return canon
    return ("n", name.casefold())


# ---- Connections.csv -----------------------------------------------------------------------------------------

def _connections_header(keys: list[str]) -> bool:
    return bool(keys) and keys[0] == "FIRST NAME" and "CONNECTED ON" in keys


def _match_connections(s: Sniff) -> bool:
    return any(_connections_header(k) for k in _head_rows(s))


def parse_connections(f: InputFile, out: FileCollector) -> None:
    """Connections.csv: one ``connection`` record per row (with or without the Notes: preamble and URL)."""
    table = _load(f, _connections_header)
    c = _Cols(table)
    i_first, i_last, i_url = c.pos("FIRST NAME"), c.pos("LAST NAME"), c.pos("URL", "PROFILE URL")
    i_email, i_company = c.pos("EMAIL ADDRESS", "E-MAIL ADDRESS"), c.pos("COMPANY")
    i_pos, i_on = c.pos("POSITION"), c.pos("CONNECTED ON")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last, url = _cell(row, i_first), _cell(row, i_last), _cell(row, i_url)
        email = _cell(row, i_email)
        if not (first or last or url or email):
            out.ignore("hidden profile (placeholder row)")
            continue
        on_s = _cell(row, i_on)
        on: date | None = None
        if on_s:
            on = parse_date(on_s)
            if on is None:
                out.reject(line, f"impossible date '{_shown(on_s)}'")
                continue
        out.record(role="connection", first_name=first, last_name=last, linkedin_url=url or None,
                   emails=[email], company=_cell(row, i_company), position=_cell(row, i_pos),
                   connected_on=on, line=line)
        used += 1
    out.used(used)
    out.advance(f.size)


# ---- messages.csv --------------------------------------------------------------------------------------------

_COACH_MARKERS = ("coachmessages", "guidemessages", "roleplaymessages")


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
    """State of one messages.csv: people seen, conversations per profile URL (to find the owner)."""

    def __init__(self, out: FileCollector) -> None:
        self.out = out
        self.url_name: dict[str, str] = {}  # canonical URL -> first name seen with it
        self.conv_urls: dict[str, set[str]] = {}  # conversation -> raw URL strings (sender, recipient lists)
        self.conv_names: dict[str, set[str]] = {}  # conversation -> raw names (FROM, TO) when there are no URLs
        self._plans: dict[tuple[str, str], list[tuple[str | None, str]]] = {}  # (TO, URLs) -> recipients

    def by_url(self, role: str, url: str, name: str, line: int | None = None) -> int:
        """Record of a profile URL (falls back to the name if the URL is not a profile URL)."""
        canon = canonical_linkedin_url(url)
        if canon is None:
            return self.by_name(role, name, line)
        if canon not in self.url_name:
            self.url_name[canon] = name
        return self.out.record(role=role, name=name or None, linkedin_url=canon, line=line, key=canon)

    def by_name(self, role: str, name: str, line: int | None = None) -> int:
        """Record of a person known by name only ("LinkedIn Member" is the hidden-member record)."""
        if name.casefold() == LINKEDIN_MEMBER:
            return self.member(role, line)
        return self.out.record(role=role, name=name, line=line, key=("n", name))

    def member(self, role: str, line: int | None = None) -> int:
        """The unknown party LinkedIn shows as "LinkedIn Member" (never a person)."""
        return self.out.record(role=role, name="LinkedIn Member", automated_hint=HIDDEN_MEMBER_HINT, line=line,
                               key=("member",))

    def sponsored(self, name: str, line: int | None = None) -> int:
        """The sender of a sponsored/InMail campaign message."""
        return self.out.record(role="sender", name=name, automated_hint=SPONSORED_HINT, line=line,
                               key=("sponsored", name))

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


def _msg_key(*parts: str) -> str:
    """``stable_key("li-msg", *parts)`` computed with one hash update (same value, cheaper)."""
    return blake2b(("li-msg\x1f" + "\x1f".join(parts) + "\x1f").encode("utf-8", "surrogatepass"),
                   digest_size=12).hexdigest()


def _msg_key4(cid: str, date_s: str, who: str, to: str) -> str:
    """:func:`_msg_key` of four parts, for the hot loop."""
    return blake2b(f"li-msg\x1f{cid}\x1f{date_s}\x1f{who}\x1f{to}\x1f".encode("utf-8", "surrogatepass"),
                   digest_size=12).hexdigest()


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
                rows = _fast_message_rows(held, head, hc)
                if rows is not None:
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
        rows = pl.DataFrame(list(_csv_message_rows(table, c, rejects)), schema=ROW_SCHEMA, orient="row")
        del table
        build_messages(rows, _has_recipient_urls(c), out, rejects)
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
    it then gets None).
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
    commas = data.count(b",")
    newlines = data.count(b"\n")
    if (n_cr := data.count(b"\r")) and n_cr != data.count(b"\r\n"):
        return None  # a lone CR is a line break for the csv module: line numbers would differ
    try:
        df = pl.read_csv(data, has_header=True, infer_schema=False, quote_char='"', raise_if_empty=False)
    except Exception:  # any parse problem: let the csv module read it and reject what is broken
        return None
    finally:
        del data
        if isinstance(held, list):
            held.clear()
    if df.width != width:
        return None
    names = df.columns
    cells = [pl.col(n) for n in names]
    n = df.height
    inner_commas = sum(df.select(x.str.count_matches(",", literal=True).sum() for x in cells).row(0))
    # a row with fewer cells than the header (which polars pads) or a blank line breaks this sum
    if commas != header_commas + n * (width - 1) + inner_commas:
        return None
    if newlines in (n + 1, n):  # no newline inside any cell (every export before 2026)
        lines = pl.int_range(0, n, dtype=pl.Int64) + 2
    else:
        nl = df.select(pl.sum_horizontal(x.str.count_matches("\n", literal=True).fill_null(0) for x in cells)
                       ).to_series()
        inner_nl = int(nl.sum())
        if newlines not in (1 + n + inner_nl, n + inner_nl):
            return None
        lines = pl.int_range(0, n, dtype=pl.Int64) + 2 + nl.cum_sum() - nl
    if bool(df.select(pl.all_horizontal(x.is_null() for x in cells).any()).item()):
        return None  # a blank line (only possible with a one-column header)

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
    sel = df.select(
        lines.alias("line"), cid.alias("cid"), (title.str.strip_chars() != "").alias("title"), frm.alias("from"),
        surl.alias("surl"), to.alias("to"), rurls.alias("rurls"), date_s.alias("date"),
        content.str.strip_chars_start().str.starts_with(_SPINMAIL).alias("spin"), skip.alias("skip"),
    )
    return sel


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
    for line, row in table.rows():
        if problem := _width_problem(row, width):
            out.reject(line, problem)
            continue
        folder = _cell(row, i_folder) if i_folder is not None else "INBOX"
        if not folder or folder.upper() in ("DRAFT", "DRAFTS"):
            out.ignore("draft")
            continue
        date_s = _cell(row, i_date)
        ts = parse_datetime(date_s)
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
        out.message(timestamp=ts, channel="linkedin_message", sender=sender, recipients=recips, thread_id=thread,
                    n_participants=1 + len(recips), line=line,
                    msg_key=_msg_key("", date_s, fname, to, *([str(dup_n)] if dup_n else [])))
        used += 1
    for n in sorted(owner_names):
        out.owner_identity(name=n)
    out.used(used)


# ---- coach / guide message files ----------------------------------------------------------------------------

def _match_coach(s: Sniff) -> bool:
    return _is_csv(s) and _is_coach_name(s.name)


def _count_rows(f: InputFile, is_header: Callable[[list[str]], bool] | None = None) -> int:
    """Data rows of a CSV file; a file that is not a CSV (or has no such header) counts as one item."""
    try:
        table = _load(f, is_header)
        return sum(1 for _ in table.rows())
    except InputError:
        return 1


def parse_coach(f: InputFile, out: FileCollector) -> None:
    """guide/coach/learning-coach message files: recognised, every row ignored."""
    if n := _count_rows(f, lambda keys: "CONVERSATION ID" in keys):
        out.ignore(COACH_REASON, n)
    out.advance(f.size)


# ---- Invitations.csv ---------------------------------------------------------------------------------------

def _match_invitations(s: Sniff) -> bool:
    return {"FROM", "TO", "SENT AT", "DIRECTION"} <= _first_keys(s)


def parse_invitations(f: InputFile, out: FileCollector) -> None:
    """Invitations.csv (URL, URN and old 5-column layouts): one ``linkedin_invitation`` per row."""
    table = _load(f, lambda keys: "SENT AT" in keys and "DIRECTION" in keys)
    c = _Cols(table)
    i_from, i_to, i_at, i_dir = c.pos("FROM"), c.pos("TO"), c.pos("SENT AT"), c.pos("DIRECTION")
    i_inviter, i_invitee = c.pos("INVITERPROFILEURL"), c.pos("INVITEEPROFILEURL")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        at = _cell(row, i_at)
        ts = parse_datetime(at)
        if ts is None:
            out.reject(line, _bad_date(at))
            continue
        frm, to, direction = _cell(row, i_from), _cell(row, i_to), _cell(row, i_dir).upper()
        inviter, invitee = _cell(row, i_inviter) or None, _cell(row, i_invitee) or None
        if direction == "OUTGOING":
            if not (to or invitee):
                out.reject(line, "no invitee (To is empty)")
                continue
            out.owner_identity(name=frm, linkedin_url=inviter)
            sender = _owner(out, frm or None, inviter)
            other = out.record(role="invitee", name=to or None, linkedin_url=invitee, line=line,
                               key=_person_key(invitee, to))
            recips = [other]
        elif direction == "INCOMING":
            if not (frm or inviter):
                out.reject(line, "no inviter (From is empty)")
                continue
            out.owner_identity(name=to, linkedin_url=invitee)
            sender = out.record(role="inviter", name=frm or None, linkedin_url=inviter, line=line,
                                key=_person_key(inviter, frm))
            recips = [_owner(out, to or None, invitee)]
        else:
            out.reject(line, f"unknown direction '{_shown(direction)}'" if direction else "no direction")
            continue
        out.message(timestamp=ts, channel="linkedin_invitation", sender=sender, recipients=recips, line=line,
                    msg_key=stable_key("li-inv", ts.isoformat(), direction, frm.casefold(), to.casefold()))
        used += 1
    out.used(used)
    out.advance(f.size)


# ---- Endorsements ------------------------------------------------------------------------------------------

def _endorsement_keys(keys: Iterable[str], who: str) -> bool:
    k = set(keys)
    return {"ENDORSEMENT DATE", f"{who} FIRST NAME"} <= k


def _match_endorsements_received(s: Sniff) -> bool:
    return _endorsement_keys(_first_keys(s), "ENDORSER")


def _match_endorsements_given(s: Sniff) -> bool:
    return _endorsement_keys(_first_keys(s), "ENDORSEE")


_ACCEPTED = {"", "ACCEPTED", "SHOW", "VISIBLE"}


def _parse_endorsements(f: InputFile, out: FileCollector, who: str) -> None:
    received = who == "ENDORSER"
    table = _load(f, lambda keys: _endorsement_keys(keys, who))
    c = _Cols(table)
    i_date, i_skill = c.pos("ENDORSEMENT DATE"), c.pos("SKILL NAME")
    i_first, i_last = c.pos(f"{who} FIRST NAME"), c.pos(f"{who} LAST NAME")
    i_url = c.pos(f"{who} PUBLIC URL", f"{who} PROFILE URL")
    i_status, i_display = c.pos("ENDORSEMENT STATUS"), c.pos("DISPLAY STATUS")
    direction = "received" if received else "given"
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        status = _cell(row, i_status).upper()
        if status not in _ACCEPTED:
            out.ignore(f"endorsement status {status}")
            continue
        if _cell(row, i_display).upper() in ("HIDE", "HIDDEN"):
            out.ignore("endorsement hidden from profile")
            continue
        d = _cell(row, i_date)
        ts = parse_datetime(d)
        if ts is None:
            out.reject(line, _bad_date(d))
            continue
        first, last, url = _cell(row, i_first), _cell(row, i_last), _cell(row, i_url) or None
        name = _full_name(first, last)
        if not (name or url):
            out.reject(line, f"no {who.lower()} name")
            continue
        other = out.record(role=who.lower(), first_name=first, last_name=last, linkedin_url=url, line=line,
                           key=_person_key(url, name))
        owner = _owner(out)
        sender, recips = (other, [owner]) if received else (owner, [other])
        skill = _cell(row, i_skill)
        out.message(timestamp=ts, channel="linkedin_endorsement", sender=sender, recipients=recips, line=line,
                    msg_key=stable_key("li-endorse", ts.isoformat(), skill.casefold(), name.casefold(), direction))
        used += 1
    out.used(used)
    out.advance(f.size)


def parse_endorsements_received(f: InputFile, out: FileCollector) -> None:
    """Endorsement_Received_Info.csv (also the 2022 UTF-16 TSV duplicate): endorser -> owner."""
    _parse_endorsements(f, out, "ENDORSER")


def parse_endorsements_given(f: InputFile, out: FileCollector) -> None:
    """Endorsement_Given_Info.csv: owner -> endorsee."""
    _parse_endorsements(f, out, "ENDORSEE")


# ---- Recommendations ---------------------------------------------------------------------------------------

def _recommendation_keys(keys: Iterable[str]) -> bool:
    k = set(keys)
    return ("FIRST NAME" in k or "LAST NAME" in k) and "TEXT" in k and "CREATION DATE" in k


def _is_given_name(name: str) -> bool:
    return "given" in name.split() or _compact(name).endswith("given")


def _match_recommendations_received(s: Sniff) -> bool:
    return _recommendation_keys(_first_keys(s)) and not _is_given_name(s.name)


def _match_recommendations_given(s: Sniff) -> bool:
    return _recommendation_keys(_first_keys(s)) and _is_given_name(s.name)


def _parse_recommendations(f: InputFile, out: FileCollector, received: bool) -> None:
    table = _load(f, lambda keys: _recommendation_keys(_PANDAS_SUFFIX.sub("", k) for k in keys))
    c = _Cols(table)
    i_first, i_last = c.pos("FIRST NAME"), c.pos("LAST NAME")
    i_company, i_title, i_date = c.pos("COMPANY"), c.pos("JOB TITLE", "TITLE"), c.pos("CREATION DATE")
    role = "recommender" if received else "recommendee"
    direction = "received" if received else "given"
    used = 0
    bad_dates: list[str] = []
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last = _cell(row, i_first), _cell(row, i_last)
        name = _full_name(first, last)
        if not name:
            out.reject(line, "no name")
            continue
        d = _cell(row, i_date)
        ts = parse_datetime(d) if d else None
        if d and ts is None:
            bad_dates.append(d)
        other = out.record(role=role, first_name=first, last_name=last, company=_cell(row, i_company),
                           position=_cell(row, i_title), line=line, key=("n", name.casefold()))
        owner = _owner(out)
        sender, recips = (other, [owner]) if received else (owner, [other])
        out.message(timestamp=ts, channel="linkedin_recommendation", sender=sender, recipients=recips, line=line,
                    msg_key=stable_key("li-rec", direction, name.casefold(), ts.isoformat() if ts else d))
        used += 1
    if bad_dates:
        out.note(f"{len(bad_dates)} recommendation(s) with an impossible Creation Date (e.g. "
                 f"'{_shown(bad_dates[0])}') used without a date")
    out.used(used)
    out.advance(f.size)


def parse_recommendations_received(f: InputFile, out: FileCollector) -> None:
    """Recommendations_Received.csv: recommender -> owner (undated rows are kept with no timestamp)."""
    _parse_recommendations(f, out, received=True)


def parse_recommendations_given(f: InputFile, out: FileCollector) -> None:
    """Recommendations_Given.csv: owner -> recommendee."""
    _parse_recommendations(f, out, received=False)


# ---- Owner files: Positions, Profile, Email Addresses ---------------------------------------------------------

def _match_positions(s: Sniff) -> bool:
    return {"COMPANY NAME", "TITLE", "STARTED ON"} <= _first_keys(s)


def parse_positions(f: InputFile, out: FileCollector) -> None:
    """Positions.csv: the owner's jobs."""
    table = _load(f, lambda keys: "COMPANY NAME" in keys and "STARTED ON" in keys)
    c = _Cols(table)
    i_company, i_title = c.pos("COMPANY NAME"), c.pos("TITLE")
    i_start, i_end = c.pos("STARTED ON"), c.pos("FINISHED ON")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        company = _cell(row, i_company)
        if not company:
            out.reject(line, "no company name")
            continue
        dates: list[date | None] = []
        bad = None
        for i in (i_start, i_end):
            v = _cell(row, i)
            d = parse_date(v) if v else None
            if v and d is None:
                bad = v
            dates.append(d)
        if bad is not None:
            out.reject(line, f"impossible date '{_shown(bad)}'")
            continue
        out.owner_position(company, _cell(row, i_title), dates[0], dates[1])
        used += 1
    out.used(used)
    out.advance(f.size)


def _match_profile(s: Sniff) -> bool:
    k = _first_keys(s)
    return {"FIRST NAME", "LAST NAME", "HEADLINE"} <= k and ("MAIDEN NAME" in k or "SUMMARY" in k)


def parse_profile(f: InputFile, out: FileCollector) -> None:
    """Profile.csv (2018 and 2022+ headers): the owner's name (and First + Maiden name)."""
    table = _load(f, lambda keys: "FIRST NAME" in keys and "HEADLINE" in keys)
    c = _Cols(table)
    i_first, i_last, i_maiden = c.pos("FIRST NAME"), c.pos("LAST NAME"), c.pos("MAIDEN NAME")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last, maiden = _cell(row, i_first), _cell(row, i_last), _cell(row, i_maiden)
        if not (first or last):
            out.reject(line, "no name")
            continue
        out.owner_identity(name=_full_name(first, last))
        if maiden and first:
            out.owner_identity(name=_full_name(first, maiden))
        used += 1
    out.used(used)
    out.advance(f.size)


def _match_email_addresses(s: Sniff) -> bool:
    return {"EMAIL ADDRESS", "CONFIRMED", "PRIMARY"} <= _first_keys(s)


def parse_email_addresses(f: InputFile, out: FileCollector) -> None:
    """Email Addresses.csv: the owner's own addresses."""
    table = _load(f, lambda keys: "EMAIL ADDRESS" in keys and "PRIMARY" in keys)
    c = _Cols(table)
    i_email = c.pos("EMAIL ADDRESS")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        email = _cell(row, i_email)
        if clean_email(email) is None:
            out.reject(line, f"not an email address '{_shown(email)}'" if email else "no email address")
            continue
        out.owner_identity(email=email)
        used += 1
    out.used(used)
    out.advance(f.size)


# ---- Imported contacts ---------------------------------------------------------------------------------------

def _contacts_2018_keys(k: set[str]) -> bool:
    return {"FIRST NAME", "LAST NAME", "COMPANIES", "EMAIL ADDRESS"} <= k


def _contacts_2022_keys(k: set[str]) -> bool:
    return {"FIRSTNAME", "LASTNAME", "EMAILS"} <= k and ("COMPANIES" in k or "SOURCE" in k)


def _match_imported_contacts(s: Sniff) -> bool:
    k = _first_keys(s)
    return _contacts_2018_keys(k) or _contacts_2022_keys(k)


def _null(v: str) -> str:
    return "" if v.lower() in ("null", "none", "n/a") else v


def parse_imported_contacts(f: InputFile, out: FileCollector) -> None:
    """Imported Contacts.csv (2018) and Contacts.csv (2022): address-book uploads, one ``contact`` record each."""
    table = _load(f, lambda keys: _contacts_2018_keys(set(keys)) or _contacts_2022_keys(set(keys)))
    c = _Cols(table)
    i_first, i_last = c.pos("FIRST NAME", "FIRSTNAME"), c.pos("LAST NAME", "LASTNAME")
    i_full, i_company = c.pos("FULL NAME", "FULLNAME"), c.pos("COMPANIES")
    i_title, i_email = c.pos("TITLE"), c.pos("EMAIL ADDRESS", "EMAILS")
    i_profiles, i_sites = c.pos("PROFILES"), c.pos("SITES")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last = _null(_cell(row, i_first)), _null(_cell(row, i_last))
        full = _null(_cell(row, i_full))
        emails = sorted({e for e in _EMAIL_SPLIT.split(_cell(row, i_email)) if "@" in e})
        m = _LINKEDIN_IN.search(_cell(row, i_profiles) + " " + _cell(row, i_sites))
        url = m.group(0) if m else None
        name = full or _full_name(first, last)
        if not (name or emails or url):
            out.ignore("empty contact (no name, email or profile)")
            continue
        company = _null(_cell(row, i_company)).strip("[]")
        out.record(role="contact", name=name or None, first_name=first, last_name=last, emails=emails,
                   linkedin_url=url, company=company, position=_null(_cell(row, i_title)), line=line,
                   key=("contact", name.casefold(), tuple(emails), url))
        used += 1
    out.used(used)
    out.advance(f.size)


# ---- Every other LinkedIn file: recognised, not used ----------------------------------------------------------

#: Compact names (lower-case, no spaces/underscores, numbering removed) of archive files that say nothing
#: about relationships. Matched by name only, at low priority.
UNUSED_NAMES = frozenset({
    "accountstatushistory", "adtargeting", "adsclicked", "adstargeting", "articles", "calendar",
    "causesyoucareabout", "certifications", "comments", "companyfollows", "courses", "education", "events",
    "groups", "hashtagfollows", "honors", "inferencesaboutyou", "instantmessengers", "jobapplicantsavedanswers",
    "jobapplicantsavedscreeningquestionresponses", "jobapplications", "jobseekerpreferences", "savedjobalerts",
    "languages", "learning", "logins", "memberfollows", "memberhashtags", "notes", "onlinejobpostings",
    "organizations", "patents", "phonenumbers", "whatsappphonenumbers", "profilesummary", "projects",
    "providers", "publications", "reactions", "receipts", "receiptsv2", "registration", "reviews", "richmedia",
    "saveditems", "savedjobs", "searchqueries", "securitychallenges", "servicesmarketplace", "shares", "skills",
    "testscores", "verifications", "volunteering", "volunteerexperiences", "votes", "lanadsengagement",
    "marketingoptouts", "companyfollowers", "invitationsreceived",
})


def _match_unused(s: Sniff) -> bool:
    return _is_csv(s) and _compact(s.name) in UNUSED_NAMES


def parse_unused(f: InputFile, out: FileCollector) -> None:
    """Count the rows of a LinkedIn file that is not used, as ignored."""
    if n := _count_rows(f):
        out.ignore(f"not used: {f.name} does not describe relationships", n)
    out.advance(f.size)


# ---- registration ---------------------------------------------------------------------------------------------

_CONTENT = 10  # content-detected LinkedIn files win over generic CSV parsers

_PARSERS: list[tuple[str, str, Callable[[Sniff], bool], Callable[[InputFile, FileCollector], None], int, bool]] = [
    ("linkedin.connections", "LinkedIn Connections.csv (with/without preamble and URL, Excel re-saves)",
     _match_connections, parse_connections, _CONTENT, True),
    ("linkedin.coach_messages", "LinkedIn coach/guide message files (ignored: not person-to-person)",
     _match_coach, parse_coach, _CONTENT + 5, False),
    ("linkedin.messages", "LinkedIn messages.csv (2018 Direction layout, 9-13 column layouts, 2026 quoted)",
     _match_messages, parse_messages, _CONTENT, True),
    ("linkedin.invitations", "LinkedIn Invitations.csv (URL, URN and 5-column layouts)",
     _match_invitations, parse_invitations, _CONTENT, True),
    ("linkedin.endorsements_received", "LinkedIn Endorsement_Received_Info.csv (CSV and UTF-16 TSV)",
     _match_endorsements_received, parse_endorsements_received, _CONTENT, True),
    ("linkedin.endorsements_given", "LinkedIn Endorsement_Given_Info.csv",
     _match_endorsements_given, parse_endorsements_given, _CONTENT, True),
    ("linkedin.recommendations_received", "LinkedIn Recommendations_Received.csv",
     _match_recommendations_received, parse_recommendations_received, _CONTENT, True),
    ("linkedin.recommendations_given", "LinkedIn Recommendations_Given.csv",
     _match_recommendations_given, parse_recommendations_given, _CONTENT, True),
    ("linkedin.positions", "LinkedIn Positions.csv (your jobs)", _match_positions, parse_positions, _CONTENT, True),
    ("linkedin.profile", "LinkedIn Profile.csv (your name)", _match_profile, parse_profile, _CONTENT, True),
    ("linkedin.email_addresses", "LinkedIn Email Addresses.csv (your addresses)",
     _match_email_addresses, parse_email_addresses, _CONTENT, True),
    ("linkedin.imported_contacts", "LinkedIn Imported Contacts.csv / Contacts.csv (address-book uploads)",
     _match_imported_contacts, parse_imported_contacts, _CONTENT, True),
    ("linkedin.other", "Other LinkedIn archive files (skills, ads, logins ...: recognised, not used)",
     _match_unused, parse_unused, -50, False),
]

for _kind, _label, _matches, _parse, _priority, _used in _PARSERS:
    register(Parser(kind=_kind, label=_label, export_help=EXPORT_HELP, matches=_matches, parse=_parse,
                    priority=_priority, used=_used))
