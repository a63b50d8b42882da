"""Address headers: RFC 2047 encoded words, address lists (a fast path for the common shapes, the standard
library for the rest) and display names."""

from __future__ import annotations

import importlib
import logging
import re
from email.header import decode_header, make_header
from email.utils import getaddresses
from functools import lru_cache
from typing import Any

import polars as pl

from analyzer.ingest.collect import map_distinct
from analyzer.ingest.text import clean_text
from analyzer.normalize import PLAIN_NON_ASCII, clean_email

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
    """Decode RFC 2047 encoded words (``=?utf-8?Q?...?=``); text that fails to decode is returned as is.

    A word whose bytes its charset cannot read (Latin-1 bytes labelled utf-8 or us-ascii, a charset Python does
    not know, ``unknown-8bit``) is read as UTF-8, else Windows-1252, as the headers themselves are: such a name
    was shown as its raw encoded word (``=?utf-8?Q?Ren=E9_Roy?=``), or with a blank for the letter."""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
        if not any(isinstance(c, str) and c.lower() == "unknown-8bit" for _, c in parts):
            try:
                return str(make_header(parts))
            except (LookupError, UnicodeError):  # bytes the charset cannot read, or a charset Python lacks
                pass
        return str(make_header([(_word_text(b, c).encode("utf-8"), "utf-8") if isinstance(b, bytes) and c
                                else (b, c) for b, c in parts]))
    except Exception:  # malformed encoded words in untrusted headers: keep the raw text
        return value


def _word_text(value: bytes, charset: str) -> str:
    """The text of an encoded word's bytes in its charset, else as UTF-8, else as Windows-1252."""
    if charset.lower() != "unknown-8bit":
        try:
            return value.decode(charset)
        except (LookupError, UnicodeError):
            pass
    return _text(value)


# One list item in the common shapes: `Name <a@x>`, `"Name, Jr" <a@x>`, `<a@x>`, `a@x` (then `,` or the end).
# An unquoted name may hold `@` and brackets, as non-conforming mailers write them (`bob@x.com <alice@y.com>`,
# `Jane Doe [ACME] <jdoe@acme.com>`): the address is the one in angle brackets (the standard library read
# `bob@x.com` as a second address, first, so the message was Bob's, and lost the name before `[ACME]`).
# (each run of blanks belongs to one quantifier: the name is its characters up to the last that is not a blank,
# the bare address its characters up to the first "@" and then all the rest. "[ \t]*([^...]*?)[ \t]*<" split a
# run of blanks every way, and the bare address tried every "@": 8,000 blanks or "@"s took seconds, cubic.)
_ADDR_ITEM = re.compile(
    r'[ \t]*+(?:(?:"((?:[^"\\\r\n]|\\.)*)"|((?:[^",<>();:\\ \t]|[ \t]++(?=[^",<>();:\\ \t]))*+))[ \t]*+<([^<>\s,"]+)>'
    r'|((?>[^\s,<>"();:\[\]\\]+?@)[^\s,<>"();:\[\]\\]++))[ \t]*(?:,[ \t,]*|$)')
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


_parseaddr: Any = importlib.import_module("email._parseaddr")  # (no type stubs)


class _LinearGroupAddressList(_parseaddr.AddressList):
    """The standard library's address list parser, but for a group (``team: a@x, b@y;``), whose members it
    gathers by concatenating lists (``returnlist = returnlist + ...``), quadratic in their number: a To header of
    one group of 80,000 addresses took 6 s to read, 160,000 over 20 s. The same group read here with the same
    steps, its members appended; everything else is the standard library's own code."""

    field: str
    pos: int
    commentlist: list[str]

    def __init__(self, field: str) -> None:
        self._colon = ":" in field  # (without one, no group: the standard library's code, the phrase read once)
        super().__init__(field)

    def getaddress(self) -> list[tuple[str, str]]:
        if not self._colon:
            return super().getaddress()
        start = self.pos
        self.commentlist = []
        self.gotonext()
        self.getphraselist()
        self.gotonext()
        fieldlen = len(self.field)
        if self.pos >= fieldlen or self.field[self.pos] != ":":
            self.pos = start
            return super().getaddress()
        members: list[tuple[str, str]] = []
        self.pos += 1
        while self.pos < fieldlen:
            self.gotonext()
            if self.pos < fieldlen and self.field[self.pos] == ";":
                self.pos += 1
                break
            members.extend(self.getaddress())
        self.gotonext()
        if self.pos < fieldlen and self.field[self.pos] == ",":
            self.pos += 1
        return members


def _getaddresses(value: str) -> list[tuple[str, str]]:
    """``email.utils.getaddresses([value])``, but a long list holding a group (a ``:``) is read by
    :class:`_LinearGroupAddressList` (the same pairs: tested against the standard library's on random lists with
    groups). Not a patch of ``email.utils``: other code in the process (a notebook's) keeps the standard library's
    parser, and so do short lists (whose strict checks differ between Python versions)."""
    if len(value) > LONG_VALUE and ":" in value:
        return list(_LinearGroupAddressList(value).addresslist)
    return getaddresses([value])


#: Address values longer than this are memoised in caches of LONG_CACHED entries (the others in caches of tens
#: of thousands): a list of 300 recipients is 10 kB and its result 60 kB, and every message of a mailing list has
#: its own, so 10,000 such messages held 630 MB in the memos while they were read (60,000, up to 3.8 GB).
LONG_VALUE = 1000
LONG_CACHED = 256


def parse_addresses(value: str) -> tuple[Addr, ...]:
    """The (address, name) pairs of an address-list header or cell, in order; invalid addresses dropped.

    Accepts RFC 5322 lists (``A <a@x>, "B, Jr" <b@y>``), ``;``-separated lists and bare addresses. Names are
    RFC 2047-decoded after splitting (a decoded name may contain a comma). Memoised (see :data:`LONG_VALUE`).
    """
    return _parse_short(value) if len(value) <= LONG_VALUE else _parse_long(value)


def _parse_addresses(value: str) -> tuple[Addr, ...]:
    if "@" not in value:
        return ()
    value = value.strip()
    if ";" in value and "," not in value.replace('","', ""):
        value = value.replace(";", ",")
    out: list[Addr] = []
    pairs = _split_addresses(value)
    if pairs is None:
        try:
            pairs = _getaddresses(value)
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


#: Google Groups' rewritten sender, "'Jane Doe' via Team": the quotes go (stripping them at both ends left
#: "Jane Doe' via Team").
_RX_GROUP_VIA = r"^'([^']*)' via "
_GROUP_VIA = re.compile(_RX_GROUP_VIA)


_parse_short = lru_cache(maxsize=100_000)(_parse_addresses)
_parse_long = lru_cache(maxsize=LONG_CACHED)(_parse_addresses)


@lru_cache(maxsize=100_000)
def _display_name(name: str, addr: str) -> str | None:
    """A display name decoded (RFC 2047) and cleaned; None when empty or an address (this one again, or another:
    ``"carol@z.com" <dave@w.com>`` was shown as Dave's name)."""
    n = clean_text(decode_words(name))
    if n is not None:
        n = _GROUP_VIA.sub(r"\1 via ", n).strip("'\" ") or None
        if n is not None and (n.lower() == addr or ("@" in n and clean_email(n) is not None)):
            n = None
    return n


def _header_addresses(value: bytes) -> tuple[Addr, ...]:
    """:func:`parse_addresses` of a header value's bytes (unfolded). Memoised as it is."""
    return _header_short(value) if len(value) <= LONG_VALUE else _header_long(value)


def _read_header_addresses(value: bytes) -> tuple[Addr, ...]:
    return parse_addresses(_text(_unfold(value)))


_header_short = lru_cache(maxsize=60_000)(_read_header_addresses)
_header_long = lru_cache(maxsize=LONG_CACHED)(_read_header_addresses)


# ------------------------------------------------------------------------------------------------------------
# Vectorised: the common single-address shapes in polars, the rest through parse_addresses
# ------------------------------------------------------------------------------------------------------------

# What a value must be for the vectorised forms: printable ASCII and the plain non-ASCII letters (no tab, no
# control or other Unicode white space: Python's str.strip and \s would see more than polars' here), without
# ";" (a ";"-separated list) or "\" (quoted pairs), at most _FAST_LEN characters (names are cut at MAX_TEXT).
_FAST_CHARS = f"^[\\x20-\\x3a\\x3c-\\x5b\\x5d-\\x7e{PLAIN_NON_ASCII}]*$"
_FAST_LEN = 1000
# Inside angle brackets: printable ASCII but for the space and `"` `,` `;` `<` `>` (the class of _ADDR_ITEM).
_ANGLE = r"[\x21\x23-\x2b\x2d-\x3a\x3d\x3f-\x7e]"
# A bare address: printable ASCII but for the space and `"` `(` `)` `,` `:` `;` `<` `>` `[` `\` `]`.
_BARE = r"[\x21\x23-\x27\x2a\x2b\x2d-\x39\x3d\x3f-\x5a\x5e-\x7e]"
# A display name before `<`, unquoted: the allowed characters but for `"` `(` `)` `,` `:` `;` `<` `>` `@` `[` `]`.
_PLAIN_NAME = f"[\\x20\\x21\\x23-\\x27\\x2a\\x2b\\x2d-\\x39\\x3d\\x3f\\x41-\\x5a\\x5e-\\x7e{PLAIN_NON_ASCII}]"
# A quoted display name: the allowed characters but for `"`.
_QUOTED_NAME = f"[\\x20\\x21\\x23-\\x3a\\x3c-\\x5b\\x5d-\\x7e{PLAIN_NON_ASCII}]"
_RX_QUOTED = f'^ *"({_QUOTED_NAME}*)" *<({_ANGLE}+)> *$'
_RX_PLAIN = f"^({_PLAIN_NAME}*)<({_ANGLE}+)> *$"
_RX_BARE = f"^ *({_BARE}+@{_BARE}+) *$"
# clean_email's address pattern, for printable ASCII without spaces.
_EMAIL_PART = r"[\x21\x23-\x27\x2a\x2b\x2d-\x39\x3d\x3f\x41-\x5a\x5c\x5e-\x7e]"
_RX_EMAIL = f"^{_EMAIL_PART}+@{_EMAIL_PART}+\\.{_EMAIL_PART}+$"


# A display name that is one RFC 2047 encoded word in UTF-8 (as Gmail writes non-ASCII names), well formed: base64
# with its padding (group 2), or Q of printable ASCII and =XX escapes (group 3). decode_header reads such a name
# into the bytes these decode to, make_header into their UTF-8 text (and keeps the raw name when it is not UTF-8).
_RX_WORD = (r"^=\?[Uu][Tt][Ff]-8\?(?:([Bb])\?((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)"
            r"|[Qq]\?((?:[\x21-\x3c\x3e\x40-\x7e]|=[0-9A-Fa-f]{2})*))\?=$")
_NAME_TEXT = f"^[\\x20-\\x7e{PLAIN_NON_ASCII}]*$"


def _decoded_words(names: pl.Series) -> pl.Series:
    """:func:`decode_words` of each name of ``names`` (each matching ``_RX_WORD``), or null where polars does not
    give its exact result (the decoded bytes are not UTF-8)."""
    parts = names.to_frame("w").select(pl.col("w").str.extract_groups(_RX_WORD)).unnest("w")
    q_hex = (parts.get_column("3").str.extract_all(r"=[0-9A-Fa-f]{2}|[^=]")
             .list.eval(pl.when(pl.element().str.len_bytes() == 3).then(pl.element().str.slice(1))
                        .otherwise(pl.element().str.replace("_", " ", literal=True).str.encode("hex")))
             .list.join(""))
    raw = pl.select(pl.when(parts.get_column("1").is_not_null())
                    .then(parts.get_column("2").str.decode("base64", strict=False))
                    .otherwise(q_hex.str.decode("hex", strict=False))).to_series()
    try:
        return raw.cast(pl.String).alias(names.name)
    except pl.exceptions.ComputeError:  # some are not UTF-8 (rare): those are left to the Python function
        return pl.Series(names.name, [_utf8_or_none(b) for b in raw.to_list()], dtype=pl.String())


def _utf8_or_none(value: bytes | None) -> str | None:
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _fast_single_address(values: pl.Series) -> pl.DataFrame:
    """For each value of ``values`` (a String series): ``ok``, whether the value is one address in a shape whose
    :func:`parse_addresses` result polars computes exactly (``Name <a@x>``, ``"Name" <a@x>``, ``<a@x>``,
    ``a@x`` with printable characters, no quoted pair, a name in plain text or one UTF-8 encoded word, and an
    address ``clean_email`` keeps), and there ``addr`` and ``name``: that one (address, display name) pair."""
    v = pl.col("v")
    quoted = v.str.extract_groups(_RX_QUOTED)
    plain = v.str.extract_groups(_RX_PLAIN)
    frame = values.to_frame("v").select(
        gate=v.str.contains(_FAST_CHARS) & (v.str.len_chars() <= _FAST_LEN),
        raw_addr=pl.coalesce(quoted.struct.field("2"), plain.struct.field("2"), v.str.extract(_RX_BARE, 1)),
        # the name as _split_addresses gives it (no tab here: blanks around an unquoted name are spaces)
        raw_name=pl.coalesce(quoted.struct.field("1"), plain.struct.field("1").str.strip_chars(" ")),
    )
    # Names with an encoded word: decoded when they are exactly one, else left to Python.
    raw_name = frame.get_column("raw_name")
    coded = raw_name.str.contains("=?", literal=True).fill_null(False) & frame.get_column("gate")
    text = raw_name
    text_ok = ~coded
    if coded.any():
        idx = coded.arg_true()
        words = raw_name.gather(idx)
        decoded = pl.select(pl.when(words.str.contains(_RX_WORD)).then(_decoded_words(words))).to_series()
        decoded_ok = (decoded.str.contains(_NAME_TEXT) & (decoded.str.len_chars() <= _FAST_LEN)).fill_null(False)
        text = text.scatter(idx, decoded)
        text_ok = text_ok.scatter(idx, decoded_ok)
    # clean_email on printable ASCII without spaces or brackets: "mailto:" (any case) once, dots at both ends.
    addr = (pl.col("raw_addr").str.replace(r"^[Mm][Aa][Ii][Ll][Tt][Oo]:", "").str.strip_chars(".")
            .str.to_lowercase())
    # _display_name: clean_text (a strip of spaces here), then quotes and spaces stripped, None when empty or
    # an address (clean_email, on a name of its characters: dots stripped at both ends; a name with "@" and
    # other characters is left to the Python function).
    name = pl.col("text").str.strip_chars(" ").str.replace(_RX_GROUP_VIA, "${1} via ").str.strip_chars("'\" ")
    at = name.str.contains("@", literal=True).fill_null(False)
    addr_chars = name.str.contains(f"^[@{_EMAIL_PART[1:-1]}]*$").fill_null(False)
    cleaned = name.str.strip_chars(".").str.to_lowercase()
    is_addr = at & addr_chars & cleaned.str.contains(_RX_EMAIL) & (cleaned.str.len_chars() <= 254)
    return (
        frame.select("gate", "raw_addr", text=text, text_ok=text_ok)
        .with_columns(addr=addr)
        .select(
            ok=(pl.col("gate") & pl.col("text_ok") & pl.col("addr").str.contains(_RX_EMAIL) & (~at | addr_chars)
                & (pl.col("addr").str.len_chars() <= 254)).fill_null(False),
            addr="addr",
            name=pl.when((name != "") & (name.str.to_lowercase() != pl.col("addr")) & ~is_addr).then(name),
        )
        .with_columns(pl.when("ok").then(pl.col("addr", "name")))
    )


def single_addresses(values: pl.Series, header: bool = False) -> pl.DataFrame:
    """The addresses of each value of ``values`` (a String series; null gives none): ``n``, how many
    :func:`parse_addresses` finds (``_header_addresses`` of its UTF-8 bytes with ``header``), and ``addr``,
    ``name``, its first (address, display name) pair (null without any). One row per value, in order.

    Vectorised for the common single-address shapes (see :func:`_fast_single_address`); the other values go
    through the Python function, once per distinct value."""
    uniq = values.drop_nulls().unique()
    fast = _fast_single_address(uniq)
    schema = {"addr": pl.String(), "name": pl.String(), "n": pl.Int64()}
    rest = uniq.filter(~fast.get_column("ok"))
    parse = (lambda v: _header_addresses(v.encode("utf-8", "surrogatepass"))) if header else parse_addresses

    def first_and_count(v: str) -> tuple[str | None, str | None, int]:
        found = parse(v)
        return (*found[0], len(found)) if found else (None, None, 0)

    slow = map_distinct(rest.to_frame("v"), ["v"], first_and_count, schema)
    table = pl.concat([
        pl.DataFrame({"v": uniq}).hstack(fast).filter("ok").select("v", "addr", "name", n=pl.lit(1, pl.Int64)),
        pl.DataFrame({"v": rest}).hstack(slow),
    ])
    return (values.to_frame("v").join(table, on="v", how="left", maintain_order="left")
            .select("addr", "name", pl.col("n").fill_null(0)))
