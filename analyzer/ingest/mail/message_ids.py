"""Message-IDs: reading them from References/In-Reply-To/Message-ID (one value or a whole column) and the key
that identifies a message across overlapping exports."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import polars as pl

from analyzer.ingest.collect import stable_key
from analyzer.ingest.mail.addresses import _text, _unfold

log = logging.getLogger(__name__)

_MSGID = re.compile(rb"<([^<>\s]+)>")
_MSGID_S = re.compile(r"<([^<>\s]+)>")


def message_ids(value: bytes) -> list[str]:
    """The message ids (without angle brackets) in a Message-ID / In-Reply-To / References value."""
    found = _MSGID.findall(value)
    if found:
        return [_text(x) for x in found]
    bare = _unfold(value).split()
    return [_text(bare[0]).strip("<>")] if bare and b"@" in bare[0] else []


def norm_message_id(value: str | None) -> str | None:
    """A Message-ID as written in a CSV cell, without angle brackets; None if empty."""
    if not value:
        return None
    m = _MSGID_S.search(value)
    v = m.group(1) if m else value.strip().strip("<>").strip()
    return v or None


def mail_key(message_id: str | None, *parts: object) -> str:
    """``msg_key`` of a mail message: its Message-ID (so copies in two exports dedupe), else a hash of parts.
    A Message-ID (nearly always with an "@") and a 24-hex-digit hash do not collide in practice."""
    if message_id:
        return message_id
    return stable_key("email", *parts)


def subject_part(subject: str) -> list[str]:
    """What a CSV row's subject adds to the parts of its :func:`mail_key` (no Message-ID): two messages from one
    sender in the same minute to the same people ("Quick question", then "Forgot the attachment") are two, and
    one message in two overlapping exports is still one (its subject is the same). The subject with its blanks
    folded, only ever hashed into the key (no key carries a subject); nothing for an empty subject, so that such
    a row keeps the key it had (that of a message read without a subject: an mbox without a Message-ID)."""
    folded = " ".join(subject.split())
    return [folded] if folded else []



_RX_MSGID = r"<([^<>\x20\t\n\r\x0b\x0c]+)>"


def _latin1(s: pl.Series) -> pl.Series:
    """Values with non-ASCII characters re-read as Latin-1 bytes, as the per-message parser wrote ids."""
    odd = (s.str.len_bytes() != s.str.len_chars()).fill_null(False).arg_true()
    if odd.len() == 0:
        return s
    return s.scatter(odd, [v.encode("utf-8").decode("latin-1") for v in s.gather(odd).to_list()])


def _ids_read_simply(s: pl.Series, inner: pl.Series, shape: pl.Series,
                     by_regex: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``inner`` where ``shape`` holds and ``inner`` is a plausible id (not empty, no brackets or blanks); for
    the other non-null values of ``s``, ``by_regex`` of them."""
    simple = (shape & (inner.str.len_bytes() > 0) & ~inner.str.contains(r"[<>\x20\t\n\r\x0b\x0c]")).fill_null(False)
    out = pl.select(pl.when(simple).then(inner)).to_series()
    rest = (~simple & s.is_not_null()).arg_true()
    return out.scatter(rest, by_regex(s.gather(rest))) if rest.len() else out


def _first_msgid(s: pl.Series, *, latin1: bool = False) -> pl.Series:
    """The first ``<id>`` of each value (without brackets), or null; the common value that is just one
    ``<id>`` is read without a regex capture."""
    out = _ids_read_simply(s, s.str.strip_prefix("<").str.strip_suffix(">"),
                           s.str.starts_with("<") & s.str.ends_with(">"), lambda v: v.str.extract(_RX_MSGID))
    return _latin1(out) if latin1 else out


def _last_msgid(s: pl.Series) -> pl.Series:
    """The last ``<id>`` of each value (without brackets), or null; the common value that ends with an ``<id>``
    is read without a regex."""
    return _ids_read_simply(
        s, s.str.split("<").list.last().str.strip_suffix(">"),
        s.str.contains("<", literal=True) & s.str.ends_with(">"),
        lambda v: v.str.extract_all(_RX_MSGID).list.last().str.slice(1).str.strip_suffix(">"))



def _bare_id(value: bytes) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None
