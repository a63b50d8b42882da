"""The people of the synthetic world, the truth registry and the buffered writers of the big files."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from .formats import _canonical_url

# ---------------------------------------------------------------------------------------------------------------
# Truth registry


class _Truth:
    """Every identifier written to an export, mapped to the human (or automated sender) behind it."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], str] = {}

    def email(self, addr: str, tid: str) -> None:
        self._put("email", addr.lower(), tid, strict=True)

    def url(self, slug: str, tid: str) -> None:
        self._put("linkedin_url", _canonical_url(slug), tid, strict=True)

    def name(self, source: str, name: str, tid: str) -> bool:
        """Register a name-only mention; returns False (and registers nothing) if the name is ambiguous there."""
        return self._put("name_in_source", f"{source}|{name}", tid, strict=False)

    def _put(self, kind: str, key: str, tid: str, strict: bool) -> bool:
        old = self.keys.setdefault((kind, key), tid)
        if old != tid:
            if strict:
                raise RuntimeError(f"sample data bug: {kind} {key!r} belongs to both {old} and {tid}")
            return False
        return True


# ---------------------------------------------------------------------------------------------------------------
# People


_FOREVER = 1 << 40


@dataclass(slots=True, eq=False)
class _Job:
    """One employment of a person: the company, the title held, the tenure and the work address it gave."""

    company: str
    domain: str
    position: str
    start: int                # epoch seconds
    end: int                  # epoch seconds; _FOREVER = still there
    employer: int = -1        # index into _EMPLOYERS when the owner worked there too
    addr: str = ""            # the work address of this tenure ("" = none)


@dataclass(slots=True, eq=False)
class _Addr:
    addr: str
    display: str              # "" = written bare
    valid_from: int
    valid_to: int
    weight: float
    style: str                # Date / Message-ID style of the sending client
    job: _Job | None = None   # the job that gave this work address (None = personal)


@dataclass(slots=True, eq=False)
class _Person:
    tid: str
    category: str
    first: str
    last: str
    suffix: str = ""
    nick: str = ""
    li_first: str = ""
    li_last: str = ""
    slug: str = ""
    connected: date | None = None
    company: str = ""
    position: str = ""
    employer: int = -1
    personal: str = ""
    work: str = ""
    addrs: list[_Addr] = field(default_factory=list)
    tz: int = 0
    start: int = 0
    end: int = 0
    n_li: int = 0
    n_mail: int = 0
    p_owner: float = 0.5
    kind: str = ""            # automated senders: list / notify / github / linkedin / group / role
    list_name: str = ""
    volume: float = 0.0
    old_last: str = ""        # maiden-name trap: last name before `name_change`
    name_change: int = 0
    traps: list[str] = field(default_factory=list)
    stats: list[int] = field(default_factory=lambda: [0] * 8)
    first_ts: int = 0
    last_ts: int = 0
    contact_p: float = 0.0
    phone: str = ""
    raw_utf8: bool = False    # this person's client writes non-ASCII display names unencoded
    jobs: list[_Job] = field(default_factory=list)   # the career, oldest first; the last one is current
    english: str = ""         # English given name used at work (people with Chinese given names)
    native: str = ""          # full name in native order ("Zhang Kaiwen")
    short_last: str = ""      # first part of a double surname, used at work ("Souza" for "Souza-Lima")
    sig_work: float = 0.0     # chance that a message from a work address ends with a signature block
    sig_personal: float = 0.0  # the same for personal addresses
    events: list[tuple[int, int]] = field(default_factory=list)  # every one-to-one message: (ts, stats slot)
    follow_li: bool = False   # the recent reach-out (reconnected / awaiting_reply) goes through LinkedIn
    sig_lines: int = 0        # bit set: 1 "-- " line, 2 phone, 4 LinkedIn URL, 8 native name above the work name

    def job_shown_at(self, ts: int) -> _Job | None:
        """The job a LinkedIn profile shows at `ts`: the latest one started by then."""
        shown = None
        for j in self.jobs:
            if j.start <= ts:
                shown = j
        return shown

    def job_at(self, ts: int) -> _Job | None:
        """The job held at `ts` (the latest one started if two overlap), or None."""
        held = None
        for j in self.jobs:
            if j.start <= ts < j.end:
                held = j
        return held

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}" + (f" {self.suffix}" if self.suffix else "")

    @property
    def li_name(self) -> str:
        return f"{self.li_first} {self.li_last}".strip()

    @property
    def url(self) -> str:
        return f"https://www.linkedin.com/in/{self.slug}"


# stats slots
_LI_SENT, _LI_RECV, _MAIL_SENT, _MAIL_RECV, _CHAT, _GROUP, _MASS, _DRAFT = range(8)


class _MailSink:
    """Buffers rendered mbox messages, shuffles each chunk (so a person's mail is not contiguous), writes bytes."""

    def __init__(self, fh: IO[bytes], rng: random.Random, chunk: int = 3000, visible_until: int = _FOREVER) -> None:
        self.fh, self.rng, self.chunk = fh, rng, chunk
        self.visible_until = visible_until
        self.buf: list[tuple[int, str]] = []
        self.count = 0            # generated (drives the world's volumes, the same for every export date)
        self.written = 0          # written: dated up to `visible_until`

    def add(self, msg: str, ts: int) -> None:
        self.buf.append((ts, msg))
        self.count += 1
        if len(self.buf) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        self.rng.shuffle(self.buf)
        kept = [m for ts, m in self.buf if ts <= self.visible_until]
        self.written += len(kept)
        self.fh.write("".join(kept).encode("utf-8"))
        self.buf.clear()


class _LinkedInSink:
    """Buffers whole conversations (rows newest first), shuffles chunks of conversations, writes CSV rows."""

    def __init__(self, fh: IO[str], rng: random.Random, chunk: int = 20_000, visible_until: str = "~") -> None:
        self.fh = fh
        self.w = csv.writer(fh, lineterminator="\n")
        self.rng, self.chunk = rng, chunk
        self.visible_until = visible_until        # rows dated later (DATE compares as text) are not written
        self.buf: list[list[list[str]]] = []
        self.buffered = 0
        self.count = 0
        self.written = 0

    def add(self, rows: list[list[str]]) -> None:
        if rows:
            self.buf.append(rows)
            self.count += len(rows)
            self.buffered += len(rows)
            if self.buffered >= self.chunk:
                self.flush()

    def flush(self) -> None:
        self.rng.shuffle(self.buf)
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        for conv in self.buf:
            kept = [r for r in conv if r[6] <= self.visible_until]
            self.written += len(kept)
            w.writerows(kept)
        self.fh.write(out.getvalue())
        self.buf.clear()
        self.buffered = 0
