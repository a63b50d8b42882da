"""Stage 1 — ingest: every input file into the canonical RECORDS / MESSAGES / REJECTS tables."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from analyzer import schemas
from analyzer.errors import InputError
from analyzer.ingest import contacts, linkedin, mail  # noqa: F401  (parsers register themselves)
from analyzer.ingest.collect import FileCollector, FileReport, one_copy_each
from analyzer.ingest.inputs import (
    SNIFF_BYTES,
    InputFile,
    archive_kind,
    close_shared_zips,
    discover,
    sniff_tar_members,
)
from analyzer.ingest.registry import REGISTRY, Parser, Sniff, detect, near_miss
from analyzer.ingest.text import decode_head, looks_binary

log = logging.getLogger(__name__)


@dataclass
class OwnerHints:
    """What the sources themselves say about the owner."""

    emails: set[str] = field(default_factory=set)
    linkedin_urls: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    positions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Ingested:
    """The output of the ingest stage.

    ``messages`` may have been released by the pipeline once the events were made from it (SPEC §9: the
    table is 150 MB on the large profile and no later stage reads it): it is then read again from the
    inputs on first access, see :meth:`release_messages`. :attr:`message_count` is its height either way.
    """

    records: pl.DataFrame
    messages: pl.DataFrame
    rejects: pl.DataFrame
    files: list[FileReport]
    skipped: list[tuple[str, str]]
    owner: OwnerHints
    duplicate_messages: int = 0

    @property
    def message_count(self) -> int:
        """The rows of ``messages`` (without reading it again when it was released)."""
        released = self.__dict__.get("_released_messages")
        return released[0] if released is not None else self.messages.height

    def release_messages(self, reload: Callable[[], pl.DataFrame]) -> None:
        """Free the messages table; the next access of ``messages`` calls ``reload()`` (which reads the inputs
        again: the same table, as ingest is deterministic) and keeps what it returns."""
        self.__dict__["_released_messages"] = (self.messages.height, reload)
        del self.messages

    def __getattr__(self, name: str) -> Any:
        # only called for an attribute that is not set: ``messages`` after release_messages()
        released = self.__dict__.get("_released_messages")
        if name != "messages" or released is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        messages: pl.DataFrame = released[1]()
        self.messages = messages
        del self.__dict__["_released_messages"]
        return messages


#: Why a compressed file that holds no tar archive (``mail.mbox.gz``) is not read.
COMPRESSED = "a compressed file: decompress it (gunzip, bunzip2 or unxz) and pass what it holds"
#: Why a 7-Zip or RAR archive is not read.
OTHER_ARCHIVE = "a 7-Zip or RAR archive, which reconnect does not open: extract it and pass its folder"
#: How to give reconnect the mail of an Outlook data file.
_OUTLOOK_EXPORT = "export its mail to CSV in Outlook (File > Open & Export > Import/Export > Export to a file) and pass that file"
#: Why an Outlook data file (.pst, .ost) is not read.
OUTLOOK_DATA = f"an Outlook data file (.pst or .ost), which reconnect does not read: {_OUTLOOK_EXPORT}"
#: Why an archive inside an archive is not read (its members are not searched).
NESTED_ARCHIVE = "an archive inside an archive: extract the outer one and pass its folder"
#: Why a message read a second time from another export is ignored.
SAME_MESSAGE = "same message already read from another export"
#: Why a message written twice in one file is ignored.
SAME_MESSAGE_IN_FILE = "same message already read from this file (a repeated row)"
#: Why any other file that no parser reads is skipped.
UNSUPPORTED = "not a supported format"
#: Why a file found in a folder or archive is skipped when it holds nothing (or a byte-order mark alone).
EMPTY_FILE = "empty file"


#: Files of at most this many bytes are looked at for whether they hold any text at all (:func:`_blank`).
_MOSTLY_EMPTY = 64


def _blank(f: InputFile) -> bool:
    """Whether a small file holds nothing but a byte-order mark and blank space (an empty file saved by a text
    editor or a spreadsheet program: "is empty", not "not a format reconnect reads")."""
    try:
        head = f.head(_MOSTLY_EMPTY)
    except InputError:
        return False
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom):]
            break
    return not head.replace(b"\x00", b"").strip()


def _unsupported_reason(f: InputFile, kind: str | None = "unknown") -> str:
    """Why a file that no parser reads is skipped: an archive inside an archive (its members are not searched:
    the outer archive must be extracted first), a compressed file that is no tar, a 7-Zip or RAR archive, an
    Outlook data file, or another format. ``kind``: what :func:`archive_kind` says of its head, when already known."""
    if kind == "unknown":
        try:
            kind = archive_kind(f.head(512))
        except InputError:
            return UNSUPPORTED
    if kind is None:
        return UNSUPPORTED
    if kind == "outlook":
        return OUTLOOK_DATA
    if f.member is not None:
        return NESTED_ARCHIVE
    return {"other": OTHER_ARCHIVE, "compressed": COMPRESSED}.get(kind, UNSUPPORTED)


#: The error for a file named on the command line that no parser reads: (what it is, what to do), by reason.
_EXPLICIT_ERRORS = {
    COMPRESSED: ("is a compressed file, not an archive reconnect reads",
                 "Decompress it (gunzip, bunzip2 or unxz) and pass the file it holds"),
    OTHER_ARCHIVE: ("is a 7-Zip or RAR archive, which reconnect does not open",
                    "Extract it and pass the folder it holds"),
    OUTLOOK_DATA: ("is an Outlook data file (.pst or .ost), which reconnect does not read",
                   _OUTLOOK_EXPORT[0].upper() + _OUTLOOK_EXPORT[1:]),
}


#: The files of LinkedIn's archive that hold the user's relationships, by their name as :func:`_sniff_name`
#: gives it: one of them that no parser recognises, beside other LinkedIn files, stops the run (the files about
#: the owner alone, Profile.csv and the like, are skipped then: the owner is also found in the messages).
LINKEDIN_FILE_LABELS = {
    "connections": "LinkedIn's Connections.csv", "messages": "LinkedIn's messages.csv",
    "invitations": "LinkedIn's Invitations.csv",
    "endorsement received info": "LinkedIn's Endorsement_Received_Info.csv",
    "endorsement given info": "LinkedIn's Endorsement_Given_Info.csv",
    "recommendations received": "LinkedIn's Recommendations_Received.csv",
    "recommendations given": "LinkedIn's Recommendations_Given.csv",
}


def _linkedin_file_label(name: str) -> str | None:
    """What LinkedIn file ``name`` (a CSV file's base name) is named as, among those reconnect reads, or None."""
    if not name.lower().endswith(".csv"):
        return None
    return LINKEDIN_FILE_LABELS.get(_sniff_name(name))


def _container(f: InputFile) -> Path:
    """The archive a member is in, or the folder a file is in."""
    return f.path if f.member is not None else f.path.parent


def _unreadable_linkedin_file(unreadable: list[tuple[InputFile, str]],
                              jobs: list[tuple[InputFile, Parser, FileCollector]]) -> InputError | None:
    """The error for the first file named as one of LinkedIn's that no parser recognised, found in an archive or
    folder with other LinkedIn files that were recognised: a damaged or altered export, whose connections or
    messages would otherwise be left out of the run without a word (a ``messages.csv`` elsewhere, beside no
    LinkedIn file, may be another program's: it is skipped, and listed in summary.json)."""
    # (recognised by their content: the unused files are recognised by their names alone, which other programs
    # use too: Events.csv, Notes.csv)
    with_linkedin = {_container(f) for f, parser, _ in jobs
                     if parser.kind.startswith("linkedin.") and parser.kind != "linkedin.other"}
    for f, label in unreadable:
        if _container(f) in with_linkedin:
            return InputError(f.display, f"is named as {label} but its content is not that file's (damaged, "
                              "or changed by another program: its header or its bytes are not the export's)",
                              hint="Download the LinkedIn archive again, or remove this file from it to go on "
                                   "without it")
    return None


def _sniff_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"[\s_\-]+", " ", stem).strip().lower()


def make_sniff(f: InputFile, head: bytes | None = None) -> Sniff:
    """What detection looks at: the head of ``f`` (read now unless given)."""
    if head is None:
        head = f.head(SNIFF_BYTES)
    text = ""
    if not looks_binary(head):
        text = decode_head(head).lstrip("\ufeff")
    return Sniff(file=f, head=head, text=text, name=_sniff_name(f.name))


#: The one-line list of what is read, for error messages (`reconnect formats` has the details).
SUPPORTED_SHORT = ("LinkedIn archive (zip, folder or its CSVs), mbox mail, Outlook / Thunderbird / Microsoft 365 "
                   "mail CSVs, Google and Outlook contacts CSVs, vCard")


def supported_formats() -> list[str]:
    """Labels of the formats that are read."""
    return sorted({p.label for p in REGISTRY if p.used})


ProgressFactory = Callable[[int, str], Callable[[int], None]]

#: The interpreter's thread switch interval while files are read (its default is 5 ms). The readers' threads
#: alternate short numpy / polars calls (which release the GIL) with a little Python, and a thread that wants
#: the GIL back while another runs Python waits for the switch interval: at 5 ms, a thread parsing addresses
#: in Python stalled the numpy threads for most of their time.
_SWITCH_INTERVAL = 0.0005

#: Files read at the same time: the parsers spend most of their time in numpy and polars, which release the
#: GIL, so a large mailbox and a LinkedIn archive read side by side keep both cores of the reference machine busy.
_FILE_WORKERS = 2
#: A unit of files (:func:`_units`) of at least this many bytes is read while no other such unit is: the
#: parsers hold two to four times a file's size at their peak, and two large files read side by side held both
#: peaks at once (the large profile's 351 MB mailbox and 144 MB messages.csv: peak 941-1036 MB over 4 runs,
#: 863-912 MB read one after the other, for 0.4-0.6 s more of wall time; the light files are still read beside them).
_HEAVY_UNIT_BYTES = 64 << 20


def _parse_one(f: InputFile, parser: Parser, out: FileCollector) -> None:
    """Run ``parser`` on ``f`` into ``out``; any failure becomes an :class:`InputError` naming the file."""
    try:
        parser.parse(f, out)
    except InputError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise InputError(f.display, f"is too large or too deeply nested to read ({type(exc).__name__})") from exc
    except Exception as exc:  # a parser bug must still name the file
        raise InputError(
            f.display, f"could not be read as {parser.label} ({type(exc).__name__}: {str(exc)[:120]})",
            hint="Run with --verbose for details and report it",
        ) from exc


#: Files of a format that reads several at once (:attr:`Parser.parse_many`) up to this size are read together,
#: up to :data:`_BATCH_BYTES` at a time: a whole run on 1,000 mailboxes of 15 KB took 82 s read one by one
#: (about 150 small polars queries each), 12 s together (3.6 s for the same messages in one mailbox).
_BATCH_FILE_BYTES = 8 << 20
_BATCH_BYTES = 64 << 20

_Job = tuple[InputFile, Parser, FileCollector]


def _units(jobs: list[_Job]) -> list[list[int]]:
    """The jobs read together (lists of their indices, in file order): the small files of each format that
    reads several at once (:data:`_BATCH_FILE_BYTES`, up to :data:`_BATCH_BYTES` a unit), every other file alone."""
    units: list[list[int]] = []
    open_batch: dict[str, tuple[list[int], int]] = {}  # parser kind -> (its unit being filled, its bytes)
    for i, (f, parser, _) in enumerate(jobs):
        if parser.parse_many is None or f.size > _BATCH_FILE_BYTES:
            units.append([i])
            continue
        unit, size = open_batch.get(parser.kind, ([], 0))
        if unit and size + f.size > _BATCH_BYTES:
            unit, size = [], 0
        if not unit:
            units.append(unit)
        unit.append(i)
        open_batch[parser.kind] = (unit, size + f.size)
    return units


def _parse_unit(unit: list[_Job]) -> list[tuple[FileCollector, InputError | None]]:
    """Parse the files of ``unit``: each file's collector and error (None when read). Files read together
    that fail in an unexpected way are read again one by one (into new collectors), so that the failure names
    its file."""
    if len(unit) == 1:
        f, parser, out = unit[0]
        try:
            _parse_one(f, parser, out)
        except InputError as exc:
            return [(out, exc)]
        return [(out, None)]
    parse_many = unit[0][1].parse_many
    assert parse_many is not None
    try:
        errors = parse_many([(f, out) for f, _, out in unit])
        return [(out, error) for (_, _, out), error in zip(unit, errors, strict=True)]
    except Exception:  # read again one by one: the failure is then named with its file
        log.debug("reading %d files together failed: one by one", len(unit), exc_info=True)
    results: list[tuple[FileCollector, InputError | None]] = []
    for f, parser, out in unit:
        fresh = FileCollector(out.source_file, out.kind)
        results += _parse_unit([(f, parser, fresh)])
    return results


def _parse_all(jobs: list[_Job]) -> Iterator[_Job]:
    """Parse the files of ``jobs`` and yield them in their order, each once it has been read (up to
    ``_FILE_WORKERS`` units at a time (:func:`_units`), at most one of ``_HEAVY_UNIT_BYTES`` or more), with the collector that
    holds what was read. The first failure in file order is raised when its turn comes, as a sequential
    reader would; the files not started by then are not read."""
    units = _units(jobs)
    unit_of = {i: (u, k) for u, unit in enumerate(units) for k, i in enumerate(unit)}  # job -> (unit, place in it)
    pool: ThreadPoolExecutor | None = None
    if len(units) <= 1 or _FILE_WORKERS <= 1:  # each unit read when its first file's turn comes
        done: dict[int, list[tuple[FileCollector, InputError | None]]] = {}

        def result(u: int) -> list[tuple[FileCollector, InputError | None]]:
            if u not in done:
                done[u] = _parse_unit([jobs[j] for j in units[u]])
            return done[u]
    else:
        pool = ThreadPoolExecutor(max_workers=_FILE_WORKERS, thread_name_prefix="ingest")
        size = {u: sum(jobs[i][0].size for i in unit) for u, unit in enumerate(units)}
        by_size = sorted(range(len(units)), key=lambda u: -size[u])
        # the smallest heavy unit first, then the light ones (largest first), which the second worker reads
        # beside it, then the other heavy ones, each waiting for the one being read (the large profile's
        # messages.csv then mailbox: ingest 3.8 s; mailbox first: 4.1 s, the light files waiting for it)
        heavy = [u for u in reversed(by_size) if size[u] >= _HEAVY_UNIT_BYTES]
        order = heavy[:1] + [u for u in by_size if size[u] < _HEAVY_UNIT_BYTES] + heavy[1:]
        one_heavy_at_a_time = threading.Lock()

        def parse(u: int) -> list[tuple[FileCollector, InputError | None]]:
            if size[u] < _HEAVY_UNIT_BYTES:
                return _parse_unit([jobs[i] for i in units[u]])
            with one_heavy_at_a_time:
                return _parse_unit([jobs[i] for i in units[u]])

        futures = {u: pool.submit(parse, u) for u in order}

        def result(u: int) -> list[tuple[FileCollector, InputError | None]]:
            return futures[u].result()
    try:
        for i, job in enumerate(jobs):
            u, k = unit_of[i]
            out, error = result(u)[k]
            if error is not None:
                raise error
            yield job[0], job[1], out
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _repeated_messages(messages: pl.DataFrame, records: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Which messages repeat one read before (a mask), and the file where each message's first copy was read.

    A copy has the same ``msg_key``, and a mail keyed by its Message-ID also the same sender address (records
    differ from file to file, their addresses do not): two messages of different senders that carry one
    Message-ID (a server or script that writes the same id on every message) are two messages. A copy also has
    the same date (the same Date header, in any export): a sender whose mailer reuses one id wrote several
    messages (100,000 messages of 3,000 senders were counted as 3,000). (The other keys
    are made of the sender and more already; a LinkedIn sender is named by a URL in one export and by a name
    in another.)"""
    key = pl.col("msg_key")
    maybe = messages.select(key.is_duplicated()).to_series()
    mask = pl.Series("dup", [False] * messages.height, dtype=pl.Boolean)
    first_file = messages.get_column("source_file")
    if not maybe.any():
        return mask, first_file
    at = maybe.arg_true()
    sender = records.select(pl.col("record_id").alias("sender_id"),
                            pl.col("emails").list.first().str.to_lowercase().alias("_address"))
    cand = messages.select("msg_key", "sender_id", "source_file", "message_id", "timestamp")[at] \
        .join(sender, on="sender_id", how="left", maintain_order="left") \
        .select("msg_key", "source_file", "timestamp",
                pl.when(pl.col("message_id").is_not_null()).then(pl.col("_address")).fill_null("").alias("_sender"))
    key = pl.struct("msg_key", "_sender", "timestamp")
    copy = cand.select((key.is_duplicated() & ~key.is_first_distinct()).alias("dup"),
                       pl.col("source_file").first().over("msg_key", "_sender", "timestamp").alias("first_file"))
    return mask.scatter(at, copy.get_column("dup")), first_file.scatter(at, copy.get_column("first_file"))


def ingest(
    inputs: list[Path] | list[str],
    progress: Callable[[int], None] | None = None,
    extra_parsers: Sequence[Parser] = (),
) -> Ingested:
    """Read every input (files, folders, zips) into the canonical tables.

    ``extra_parsers`` are tried with the registered ones for this run only (e.g. the generic mail CSV mapping
    from the config file).

    Raises :class:`InputError` for a file that cannot be used at all. Files found inside folders or archives
    that are not a supported format are skipped and listed in ``Ingested.skipped``.
    """
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, _SWITCH_INTERVAL))
    try:
        return _ingest(inputs, progress, extra_parsers)
    finally:
        sys.setswitchinterval(switch)
        close_shared_zips()


#: the frames of this many files read are made one (see :class:`_Frames`)
_FILES_PER_FRAME = 256


class _Frames:
    """The frames of the files read, one per file; each run of :data:`_FILES_PER_FRAME` of them is made one
    contiguous frame. A folder of 20,000 one-card vCards gave 20,000 frames of 30 columns (peak 970 MB read)
    and tables of 20,000 chunks, the first join of which in identity took 3 GB (50,000 cards: 22 GB, 130 s)."""

    def __init__(self) -> None:
        self.done: list[pl.DataFrame] = []
        self.pending: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame) -> None:
        self.pending.append(frame)
        if len(self.pending) == _FILES_PER_FRAME:
            self.done.append(pl.concat(self.pending, rechunk=True))
            self.pending = []

    def concat(self, empty: pl.DataFrame) -> pl.DataFrame:
        """One table (``empty`` when no file was read); contiguous when made of more than one run of files, as
        it was otherwise."""
        frames = self.done + self.pending
        return pl.concat(frames, rechunk=bool(self.done)) if frames else empty


def _ingest(inputs: list[Path] | list[str], progress: Callable[[int], None] | None,
            extra_parsers: Sequence[Parser]) -> Ingested:
    found = discover(inputs)
    recs, msgs, rejs = _Frames(), _Frames(), _Frames()
    reports: list[FileReport] = []
    skipped = list(found.skipped)
    owner = OwnerHints()
    offset = 0
    n_used_files = 0
    # Detection first, in file order (it reads only the heads); an unusable file named on the command line
    # stops it there, and its error is raised once the files before it have been read, as in a sequential run.
    jobs: list[tuple[InputFile, Parser, FileCollector]] = []
    stop: InputError | None = None
    unreadable: list[tuple[InputFile, str]] = []  # LinkedIn's file names whose content no parser recognised
    # the members of tar archives are looked at in one pass per archive (in archive order), the others one by one
    in_tars = sniff_tar_members(
        found.files, lambda f, head: (detect(make_sniff(f, head), extra_parsers), archive_kind(head)))
    for f in found.files:
        if f.size == 0 or (f.size <= _MOSTLY_EMPTY and _blank(f)):
            if f.explicit:
                stop = InputError(f.display, "is empty", hint="Export the file again")
                break
            skipped.append((f.display, EMPTY_FILE))
            continue
        try:
            head_kind: str | None = "unknown"
            if (found_in_tar := in_tars.get(id(f))) is not None:
                if isinstance(found_in_tar, InputError):
                    raise found_in_tar
                parser, head_kind = found_in_tar
            else:
                parser = detect(make_sniff(f), extra_parsers)
        except InputError as exc:  # a damaged archive member
            stop = exc
            break
        if parser is None:
            reason = _unsupported_reason(f, head_kind)
            # a file that nearly is one of this run's own formats ([generic_mail_csv] without a mapped column)
            if reason == UNSUPPORTED and found_in_tar is None and any(p.near_miss for p in extra_parsers) \
                    and (why := near_miss(make_sniff(f), extra_parsers)):
                if f.explicit:
                    stop = InputError(f.display, why, hint="Check the column names in [generic_mail_csv] of "
                                                           "the configuration file against the file's header")
                    break
                skipped.append((f.display, why.removeprefix("is ")))
                continue
            if f.explicit:
                what, hint = _EXPLICIT_ERRORS.get(reason, (
                    "is not a format reconnect reads",
                    f"Supported: {SUPPORTED_SHORT}. Run `reconnect formats` for how to export each"))
                stop = InputError(f.display, what, hint=hint)
                break
            if reason == UNSUPPORTED and (label := _linkedin_file_label(f.name)) is not None:
                unreadable.append((f, label))
            skipped.append((f.display, reason))
            continue
        log.info("reading %s as %s", f.display, parser.kind)
        jobs.append((f, parser, FileCollector(f.display, parser.kind, advance=progress)))
    if stop is None and (damaged := _unreadable_linkedin_file(unreadable, jobs)) is not None:
        raise damaged  # before any file is read: nothing would be used of that run

    for _, parser, out in _parse_all(jobs):
        if parser.used:
            n_used_files += 1
        rec, msg, rej = out.frames(offset)
        offset += out.n_records
        recs.add(rec)
        msgs.add(msg)
        rejs.add(rej)
        reports.append(out.report)
        owner.emails |= out.owner_emails
        owner.linkedin_urls |= out.owner_urls
        owner.names |= out.owner_names
        owner.positions += out.owner_positions
    if stop is not None:
        raise stop

    if not n_used_files:
        shown = ", ".join(str(i) for i in inputs)
        # (a file it could have used, not read for a reason the user can act on: an archive inside the archive)
        telling = next(((d, why) for d, why in skipped if why not in (UNSUPPORTED, EMPTY_FILE)), None)
        raise InputError(shown, "contains no file reconnect can use" + (
            f" ({telling[0]}: {telling[1]})" if telling else ""),
            hint=f"It reads: {SUPPORTED_SHORT}. Run `reconnect formats` for how to export each")

    records = recs.concat(schemas.empty(schemas.RECORDS))
    messages = msgs.concat(schemas.empty(schemas.MESSAGES))
    rejects = rejs.concat(schemas.empty(schemas.REJECTS))

    # The same message read from two overlapping exports counts once: keep the first, account for the rest.
    dup_mask, first_file = _repeated_messages(messages, records)
    n_dup = int(dup_mask.sum())
    if n_dup:
        # where each repeated message was first read: the same file (a row written twice), or another export
        dups = (messages.select("source_file").with_columns(first_file.alias("first_file"))
                .filter(dup_mask)
                .group_by("source_file", pl.col("first_file") == pl.col("source_file")).len())
        by_file = {r.source_file: r for r in reports}
        for src, same_file, n in dups.iter_rows():
            rep = by_file[src]
            rep.used -= n
            rep.ignored += n
            rep.ignored_reasons[SAME_MESSAGE_IN_FILE if same_file else SAME_MESSAGE] += n
        messages = messages.filter(~dup_mask)

    # a thread's id is repeated on each of its messages (208,000 distinct in 768,000 rows on the large
    # profile): every row points to one copy of its value, in messages and then in the events gathered from them
    messages = messages.with_columns(one_copy_each(messages.get_column("thread_id")))
    return Ingested(
        records=schemas.check(records, schemas.RECORDS, "ingest.records"),
        messages=schemas.check(messages, schemas.MESSAGES, "ingest.messages"),
        rejects=schemas.check(rejects, schemas.REJECTS, "ingest.rejects"),
        files=reports,
        skipped=skipped,
        owner=owner,
        duplicate_messages=n_dup,
    )
