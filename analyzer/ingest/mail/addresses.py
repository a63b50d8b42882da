"""Address headers: RFC 2047 encoded words, address lists (a fast path for the common shapes, the standard
library for the rest) and display names."""

from __future__ import annotations

import logging
import re
from email.header import decode_header, make_header
from email.utils import getaddresses
from functools import lru_cache

from analyzer.ingest.text import clean_text
from analyzer.normalize import clean_email

log = logging.getLogger(__name__)

Addr = tuple[str, str | None]  # (lower-cased address, display name or None)

# ------------------------------------------------------------------------------------------------------------
# Addresses and names
# ------------------------------------------------------------------------------------------------------------

_FOLD = re.compile(rb"\r?\n[ \t]*")


def _unfold(value: bytes) -> bytes:
    if b"\n" in value:
        value = _FOLD.sub(b" ", value)
    return value.strip()


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", errors="replace")


@lru_cache(maxsize=50_000)
def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?Q?...?=``); text that fails to decode is returned as is."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # malformed encoded words in untrusted headers: keep the raw text
        return value


# One list item in the common shapes: `Name <a@x>`, `"Name, Jr" <a@x>`, `<a@x>`, `a@x` (then `,` or the end).
_ADDR_ITEM = re.compile(
    r'[ \t]*(?:(?:"((?:[^"\\\r\n]|\\.)*)"|([^",<>()@;:\\\[\]]*?))[ \t]*<([^<>\s,"]+)>'
    r'|([^\s,<>"();:\[\]\\]+@[^\s,<>"();:\[\]\\]+))[ \t]*(?:,[ \t,]*|$)')
_QUOTED_PAIR = re.compile(r"\\(.)")


def _split_addresses(value: str) -> list[tuple[str, str]] | None:
    """(name, address) pairs for the common list shapes, or None when the value needs the full RFC 5322
    parser (comments, groups, unquoted commas...). Much faster than ``email.utils.getaddresses``."""
    pos, end = 0, len(value)
    out: list[tuple[str, str]] = []
    match = _ADDR_ITEM.match
    while pos < end:
        m = match(value, pos)
        if m is None or m.end() == pos:
            return None
        quoted, plain, angle, bare = m.groups()
        if bare is not None:
            out.append(("", bare))
        elif quoted is not None:
            out.append((_QUOTED_PAIR.sub(r"\1", quoted) if "\\" in quoted else quoted, angle))
        else:
            out.append((plain or "", angle))
        pos = m.end()
    return out


@lru_cache(maxsize=100_000)
def parse_addresses(value: str) -> tuple[Addr, ...]:
    """The (address, name) pairs of an address-list header or cell, in order; invalid addresses dropped.

    Accepts RFC 5322 lists (``A <a@x>, "B, Jr" <b@y>``), ``;``-separated lists and bare addresses. Names are
    RFC 2047-decoded after splitting (a decoded name may contain a comma).
    """
    if "@" not in value:
        return ()
    value = value.strip()
    if ";" in value and "," not in value.replace('","', ""):
        value = value.replace(";", ",")
    out: list[Addr] = []
    pairs = _split_addresses(value)
    if pairs is None:
        try:
            pairs = getaddresses([value])
        except Exception:  # email.utils on hostile input: fall back to a plain split
            pairs = [("", p) for p in re.split(r"[,;\s]+", value)]
    pending: list[str] = []  # pieces of an unquoted "Last, First" name split at its comma
    for name, addr in pairs:
        a = clean_email(addr)
        if a is None:
            piece = (name or addr).strip()
            if piece and "@" not in piece and len(pending) < 3:
                pending.append(piece)
            continue
        if pending and name:
            name = ", ".join([*pending, name])
        pending = []
        out.append((a, _display_name(name, a) if name else None))
    return tuple(out)


@lru_cache(maxsize=100_000)
def _display_name(name: str, addr: str) -> str | None:
    """A display name decoded (RFC 2047) and cleaned; None when empty or just the address again."""
    n = clean_text(decode_words(name))
    if n is not None:
        n = n.strip("'\" ") or None
        if n is not None and n.lower() == addr:
            n = None
    return n


@lru_cache(maxsize=60_000)
def _header_addresses(value: bytes) -> tuple[Addr, ...]:
    return parse_addresses(_text(_unfold(value)))
