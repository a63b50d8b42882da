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


@dataclass(slots=True, eq=False)
class _Addr:
    addr: str
    display: str              # "" = written bare
    valid_from: int
    valid_to: int
    weight: float
    style: str                # Date / Message-ID style of the sending client


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

    def __init__(self, fh: IO[bytes], rng: random.Random, chunk: int = 3000) -> None:
        self.fh, self.rng, self.chunk = fh, rng, chunk
        self.buf: list[str] = []
        self.count = 0

    def add(self, msg: str) -> None:
        self.buf.append(msg)
        self.count += 1
        if len(self.buf) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        self.rng.shuffle(self.buf)
        self.fh.write("".join(self.buf).encode("utf-8"))
        self.buf.clear()


class _LinkedInSink:
    """Buffers whole conversations (rows newest first), shuffles chunks of conversations, writes CSV rows."""

    def __init__(self, fh: IO[str], rng: random.Random, chunk: int = 20_000) -> None:
        self.fh = fh
        self.w = csv.writer(fh, lineterminator="\n")
        self.rng, self.chunk = rng, chunk
        self.buf: list[list[list[str]]] = []
        self.buffered = 0
        self.count = 0

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
            w.writerows(conv)
        self.fh.write(out.getvalue())
        self.buf.clear()
        self.buffered = 0
