"""A fast, streaming splitter for mbox files that returns each message's header block and skips its body.

It reads the file in large binary chunks, finds ``From `` separator lines with ``bytes.find`` and hands out,
for every message, the physical line number of its separator, the separator line and the header block (up to
the first blank line). Bodies are never decoded or kept: only the bytes of the current chunk are held, so
memory does not depend on the size of the file or of any message.

A line is a separator when it starts with ``From ``, the next line looks like a header (``Name:`` or the bogus
``>From `` line some ImportExportTools versions write), and either the line carries a ctime-like date (a time
with seconds, and a year: then it may follow any line) or it follows a blank line (or is at the start of the file) and
looks like a separator itself (``_SEPLINE``): after ``From `` nothing, or a sender token — ``-``, an address
(anything with an ``@``: ``???@???``, ``1234@xxx``), ``MAILER-DAEMON`` — followed by nothing or by something
date-like (a time ``h:mm`` or a year). That accepts every producer in formats.md §2 — Gmail Takeout
(``From 1773664405479613283@xxx Tue Aug 08 12:36:29 +0000 2023``), Thunderbird (``From - Mon Aug 28 ...``),
Apple Mail, Eudora (``From ???@???``), bare ``From `` / ``From - `` lines — with LF or CRLF line ends, and
rejects body lines such as ``From my point of view`` or ``From the recruiter's note, forwarded below:`` that
were not escaped, even after a blank line and before a ``Name: value`` line.

Two readers share these rules: :func:`iter_messages` (one message at a time, in Python; the reference) and the
vectorised one used by ``mbox``: :func:`iter_line_chunks` cuts the file into pieces of a few MB that end
after a blank line, read into reused buffers, and :func:`header_table` finds, with numpy over a piece's bytes,
its line ends, separators, header blocks and the wanted header names, and copies out only their values (an
arrow array over the piece, then polars). Python runs only for unusual lines (``Name :``, ``>From:``, a
separator without a blank line before it), so a 350 MB mailbox is read in about two seconds on two cores.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np
import polars as pl
import pyarrow as pa

from analyzer.ingest import text as _text  # noqa: F401  (registers the reconnect-cp1252 decoding error handler)
from analyzer.memory import use_arrow_jemalloc

use_arrow_jemalloc()

#: Bytes read at a time.
CHUNK = 8 << 20
#: A header block longer than this is cut (a file without blank lines must not be held whole).
MAX_HEADER = 1 << 20
#: Bytes after a separator that must be available to judge it (its line and the start of the next one).
_LOOKAHEAD = 4096

_HEADERISH = re.compile(rb"(?:[!-9;-~]+[ \t]*:|>+From )")
# A ctime-like date: a time with seconds and a year, either order (every producer in formats.md §2 writes the
# seconds; "From 9:00 on 3 May 2024:" in a body, before a "Location: ..." line, is no separator).
_DATEISH = re.compile(rb"\d{1,2}:\d\d:\d\d.*(?:19|20)\d\d|(?:19|20)\d\d.*\d{1,2}:\d\d:\d\d")
_TIME = re.compile(rb"\d{1,2}:\d\d:\d\d")
_YEAR = re.compile(rb"(?:19|20)\d\d")


def _dateish(buf: bytes, start: int, end: int) -> bool:
    """Whether ``_DATEISH.search(buf, start, end)`` finds a date in the line ``buf[start:end]`` (no line end in
    it), in linear time: the regex tries each time (or year) with every later position, and a 64 kB first line
    of years without a time took 3 s to judge. A time then a later year exists when one follows the first time
    (the first found ends first), and the same for a year then a time."""
    first = _TIME.search(buf, start, end)
    if first is None:
        return False
    if _YEAR.search(buf, first.end(), end) is not None:
        return True
    year = _YEAR.search(buf, start, end)
    return year is not None and _TIME.search(buf, year.end(), end) is not None


# What an undated separator after a blank line must look like (from its "From "): nothing, or a sender token
# ("-", MAILER-DAEMON, anything with an "@") followed by nothing or by something date-like (a time or a year).
# The same text as a Rust regex for polars (ASCII classes only), matched from the start of the line.
_RX_SEPLINE = (r"^From [ \t]*(?:$|(?:-|MAILER-DAEMON|[^ \t@]*@[^ \t]*)"
               r"(?:[ \t]*$|[ \t].*(?:[0-9]:[0-9][0-9]|(?:19|20)[0-9][0-9])))")
_SEPLINE = re.compile(_RX_SEPLINE[1:].encode())
_SEP = b"\nFrom "
_WS = " \t\r\n\x0b\x0c"  # what bytes.strip() treats as whitespace
# The "carries a date" separator rule above as a Rust regex for polars (ASCII classes only: \d is Unicode there).
_RX_DATEISH = (r"[0-9]{1,2}:[0-9][0-9]:[0-9][0-9].*(?:19|20)[0-9][0-9]"
               r"|(?:19|20)[0-9][0-9].*[0-9]{1,2}:[0-9][0-9]:[0-9][0-9]")


#: One message as found by the scanner: (1-based physical line of the separator, the separator line without
#: its line end such as ``b"From - Mon Aug 28 18:38:57 2023"``, the header block starting with ``b"\n"`` and
#: ending with the ``"\n"`` of its last line). A plain tuple: it is made 300,000 times for a large mailbox.
RawMessage = tuple[int, bytes, bytes]


def looks_like_mbox(head: bytes) -> bool:
    """True if ``head`` (the first bytes of a file) starts with an mbox separator followed by header lines (the
    rules of :func:`iter_messages` for a first line)."""
    data = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    data = data.lstrip(b"\r\n")
    if not data.startswith(b"From "):
        return False
    eol = data.find(b"\n")
    if eol < 0:
        return False
    end = eol - 1 if data[eol - 1] == 13 else eol
    if not (_SEPLINE.match(data, 0, end) or _dateish(data, 5, end)):
        return False
    nxt = data[eol + 1: eol + 201]
    if nxt.startswith(b">From "):  # ImportExportTools NG (macOS) bogus line before the headers
        eol2 = data.find(b"\n", eol + 1)
        nxt = data[eol2 + 1: eol2 + 201] if eol2 >= 0 else b""
    return bool(_HEADERISH.match(nxt))


def iter_messages(fh: IO[bytes], advance: Callable[[int], None] | None = None,
                  chunk_size: int = CHUNK) -> Iterator[RawMessage]:
    """Yield every message of the mbox stream ``fh`` (header blocks only), in file order.

    ``advance(nbytes)`` is called after each chunk read (progress). Text before the first separator is
    skipped. One flat loop with local variables only: this runs once per message of a large mailbox.
    """
    headerish = _HEADERISH.match
    sepline = _SEPLINE.match
    # A virtual newline in front of the data lets the same search find a separator on the first line.
    data = fh.read(chunk_size)
    if advance is not None and data:
        advance(len(data))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    buf = b"\n" + data
    eof = not data
    buf_start = -1  # file offset of buf[0] (the virtual newline is at -1)
    nl_before = -1  # newlines before buf[cnt], not counting the virtual one
    cnt = 0
    pos = 0  # where the next candidate search starts
    keep = -1  # >= 0: drop buf[:keep] and read the next chunk before going on
    limit = len(buf) if eof else len(buf) - _LOOKAHEAD
    find = buf.find
    while True:
        if keep >= 0:
            data = fh.read(chunk_size)
            if not data:
                eof = True
                limit = len(buf)
            else:
                if advance is not None:
                    advance(len(data))
                if cnt <= keep:
                    nl_before += buf.count(b"\n", cnt, keep)
                    cnt = 0
                else:
                    cnt -= keep
                buf = buf[keep:] + data
                buf_start += keep
                pos -= keep
                limit = len(buf) - _LOOKAHEAD
                find = buf.find
            keep = -1
        i = find(_SEP, pos)
        if i < 0:
            if eof:
                return
            pos = max(pos, len(buf) - len(_SEP) + 1)
            keep = max(0, pos - 2)
            continue
        if i > limit and not eof:  # the separator line and the next one must be in the buffer to judge it
            pos = i
            keep = max(0, i - 2)
            continue
        eol = find(b"\n", i + 1)
        if eol < 0:  # a last line without a line end cannot be followed by headers
            return
        if i == 0 and buf_start == -1:  # the virtual newline: start of file
            blank_before = True
        else:
            prev = buf[i - 1] if i >= 1 else 10
            blank_before = prev == 10 or (prev == 13 and (i < 2 or buf[i - 2] == 10))
        crlf = buf[eol - 1] == 13
        if not headerish(buf, eol + 1, eol + 201) or not (
                (blank_before and sepline(buf, i + 1, eol - 1 if crlf else eol)) or _dateish(buf, i + 6, eol)):
            pos = i + 1
            continue
        # Header block: up to the first blank line (or the next separator, for a message without a body).
        he = find(b"\n\r\n" if crlf else b"\n\n", eol)
        if he < 0 and not eof and len(buf) - eol <= MAX_HEADER:
            pos = i
            keep = max(0, i - 2)
            continue
        if he < 0 or he - eol > MAX_HEADER:
            he = min(len(buf) - 1, eol + MAX_HEADER)
        j = find(_SEP, eol, he)
        while j >= 0:
            jeol = find(b"\n", j + 1)
            if jeol >= 0 and headerish(buf, jeol + 1, jeol + 201) and _dateish(buf, j + 6, jeol):
                he = j
                break
            j = find(_SEP, j + 1, he)
        nl_before += buf.count(b"\n", cnt, i + 1)
        cnt = i + 1
        yield (nl_before + 1, buf[i + 1: eol - 1 if crlf else eol], buf[eol: he + 1])
        pos = he + 1 if j < 0 else he


# ------------------------------------------------------------------------------------------------------------
# Vectorised reading: the file in pieces
# ------------------------------------------------------------------------------------------------------------

#: Bytes read at a time by :func:`iter_line_chunks`: 8 MiB pieces stay in the processor's cache better than
#: larger ones (the header names and values are gathered from all over a piece) and keep the pipeline short.
LINE_CHUNK = 8 << 20
#: A piece without any blank line (a base64 attachment has none) is grown up to this size before it is cut at a
#: line end anyway (or, without any line end, where it stops): memory stays bounded whatever the file holds.
MAX_LINE_CHUNK = 32 << 20


def _last_blank_end(buf: bytes | bytearray, start: int = 0, end: int | None = None) -> int:
    """The offset just after the last blank line (``\\n\\n`` or ``\\n\\r\\n``) of ``buf[start:end]``, or 0
    without any.

    Both forms are looked for in the last 64 KiB first, then in 16 times more, and so on: a failed ``rfind`` of
    the form a file does not use would otherwise scan the whole piece."""
    end = len(buf) if end is None else end
    window = 1 << 16
    while True:
        lo = max(start, end - window)
        a, b = buf.rfind(b"\n\n", lo, end), buf.rfind(b"\n\r\n", lo, end)
        if a >= 0 or b >= 0 or lo == start:
            return max(a + 2 if a >= 0 else 0, b + 3 if b >= 0 else 0)
        window <<= 4


def _read_into(fh: IO[bytes], view: memoryview) -> int:
    """Fill ``view`` from ``fh`` (several reads if needed); the number of bytes read, short only at the end."""
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def iter_line_chunks(fh: IO[bytes], advance: Callable[[int], None] | None = None,
                     chunk_size: int = LINE_CHUNK, ring: int = 4) -> Iterator[tuple[bool, memoryview]]:
    """Yield ``(starts after a blank line, data)`` for consecutive pieces of the stream ``fh``.

    Every piece but the last ends just after a blank line, so that no header block spans two pieces and the
    separator rules ("follows a blank line", "the next line is a header") can be judged inside one piece; the
    first line of every piece starts after a blank line (or at the start of the file). A piece without any
    blank line in ``MAX_LINE_CHUNK`` bytes is cut at its last line end, or where it stops when it has none (its
    next piece then starts in the middle of a body or an overlong header block: lines before its first
    separator are skipped, as bodies are). A UTF-8 BOM at the start of the file is dropped. ``advance(nbytes)`` is called after each read.

    The pieces are views of ``ring`` buffers read into and reused in turn (fresh memory for every read costs
    more than the read itself): a piece stays valid while fewer than ``ring`` more pieces have been asked for.
    Callers that keep pieces longer copy them (``bytes(piece)``).
    """
    buffers: list[bytearray] = []
    carry: bytes | memoryview = b""
    after_blank = True
    first = True
    slot = 0
    while True:
        need = len(carry) + chunk_size
        # A buffer has room for a longer carry than this one (1/8 more): the carry changes from piece to piece,
        # and a new buffer is zero-filled holding the GIL while the workers wait for it.
        if slot == len(buffers):
            buffers.append(bytearray(need + (need >> 3)))
        elif not need <= len(buffers[slot]) <= 2 * need:  # grown for a long piece: back to size after it
            buffers[slot] = bytearray(need + (need >> 3))
        buf = buffers[slot]
        view = memoryview(buf)
        view[: len(carry)] = carry
        got = _read_into(fh, view[len(carry): need])
        if advance is not None and got:
            advance(got)
        start = 0
        if first:
            first = False
            if buf.startswith(b"\xef\xbb\xbf"):
                start = 3
        end = len(carry) + got
        if not got:  # the end: what is left is the last piece
            if end > start:
                _lone_crs_to_lf(buf, start, end)
                yield after_blank, view[start:end]
            return
        cut = _last_blank_end(buf, start, end)
        blank_end = cut > 0
        if not blank_end:
            if end - start < MAX_LINE_CHUNK:  # no blank line yet: read on, into the same buffer
                carry = bytes(view[start:end])
                continue
            cut = buf.rfind(b"\n", start, end) + 1
            if cut <= start:  # not even a line end: cut where the data stops
                cut = end
        _lone_crs_to_lf(buf, start, cut)
        yield after_blank, view[start:cut]
        carry = view[cut:end]
        after_blank = blank_end
        slot = (slot + 1) % ring


def _lone_crs_to_lf(buf: bytearray, start: int, stop: int) -> None:
    """Make each CR of ``buf[start:stop]`` that no LF follows an LF, in place: a mailbox whose lines end in LF or
    CRLF but some in CR alone (mailboxes of two systems joined into one file) has those lines read as lines, as
    the csv module and Python's universal newlines read them (a message whose lines end in CR alone was read as
    a line of the message before it: lost without a word). A piece ends at a line end or at the end of the file,
    so its last byte's next is in it or is none. Costs a byte search on a piece without CR (0.3 ms per 8 MiB),
    a numpy pass on one of CRLF lines (about 4 ms)."""
    if buf.find(b"\r", start, stop) < 0:
        return
    arr = np.frombuffer(buf, dtype=np.uint8, count=stop - start, offset=start)
    cr = np.flatnonzero(arr == _CR)
    lone = cr[(cr + 1 >= len(arr)) | (arr[np.minimum(cr + 1, len(arr) - 1)] != _LF)]
    if len(lone):
        arr[lone] = _LF


#: At most this many lines go to :func:`header_table` at a time (see :func:`dense_parts`): it keeps about 90 bytes
#: of arrays per line of a piece, so 8 MiB of blank lines (a body of nothing else) took 760 MB per worker. Mail
#: has lines of 40 bytes and more: an 8 MiB piece of it has about 200,000.
MAX_PIECE_LINES = 1 << 19


def dense_parts(data: bytes | memoryview, after_blank: bool,
                max_lines: int = MAX_PIECE_LINES) -> list[tuple[int, bool, bytes | memoryview]]:
    """``data`` (a piece from :func:`iter_line_chunks`) as consecutive parts of at most ``max_lines`` lines each
    (but for a part of one line), ``(lines before the part, starts after a blank line, part)``: the piece itself
    when it has no more lines.

    A part is cut in the next ``max_lines`` bytes (so it has at most that many lines) just after their last blank
    line, as a piece is cut (so a part read alone reads as it would within the piece), or, without any blank
    line there, after their last line end (the next part then starts after a line that is not blank, as the
    separator rules see it). The parts are views of ``data``; the arrays made are of ``max_lines`` bytes."""
    arr = np.frombuffer(data, dtype=np.uint8)
    left = int(np.count_nonzero(arr == _LF))  # line ends from `offset` on
    if left <= max_lines:
        return [(0, after_blank, data)]
    view = memoryview(data)
    parts: list[tuple[int, bool, bytes | memoryview]] = []
    first, offset = 0, 0  # the part's first line and byte
    while left > max_lines:
        nl = offset + np.flatnonzero(arr[offset: offset + max_lines] == _LF)
        if not len(nl):  # a line longer than the window: a part of its own
            nl = offset + max_lines + np.flatnonzero(arr[offset + max_lines:] == _LF)[:1]
        prev = np.empty_like(nl)
        prev[0] = offset - 1
        prev[1:] = nl[:-1]
        length = nl - prev - 1  # with the "\r" of a CRLF line end (lone CRs were made LFs)
        blank = np.flatnonzero((length == 0) | ((length == 1) & (arr[np.maximum(nl - 1, 0)] == _CR)))
        blank_end = len(blank) > 0
        if blank_end:
            last = int(blank[-1])
        else:  # before the last "From " line: a separator is read with the header block after it
            line_start = prev + 1
            sep_like = (length >= 5) & (arr[np.minimum(line_start, len(arr) - 1)] == ord("F"))
            for k, ch in enumerate(b"rom ", start=1):
                sep_like &= arr[np.minimum(line_start + k, len(arr) - 1)] == ch
            at = np.flatnonzero(sep_like)
            last = int(at[-1]) - 1 if len(at) and at[-1] > 0 else len(nl) - 1
        end = int(nl[last]) + 1
        parts.append((first, after_blank, view[offset:end]))
        first, offset, after_blank, left = first + last + 1, end, blank_end, left - last - 1
    parts.append((first, after_blank, view[offset:]))
    return parts


# ------------------------------------------------------------------------------------------------------------
# Vectorised reading: the header values of one piece
# ------------------------------------------------------------------------------------------------------------

_LF, _CR, _SP, _TAB, _COLON, _GT = 10, 13, 32, 9, 58, 62


def int64_arrow(values: np.ndarray, valid: np.ndarray | None = None,
                type: pa.DataType | None = None) -> pa.Array:
    """An arrow array of 64-bit integers (or of another 64-bit ``type``, such as a timestamp) over a numpy
    array, null where ``valid`` is false. Built from its buffers: ``pa.array`` on numpy input first looks for
    pandas, importing it (half a second, holding the GIL) on its first use."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))
    return pa.Array.from_buffers(type or pa.int64(), len(data), [bitmap, pa.py_buffer(data)])


def _binary_spans(data: bytes | memoryview, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """The byte ranges ``data[start[i]:end[i]]`` (in file order, not overlapping; at least one) as an arrow
    ``large_binary`` array of their own: one array over ``data`` whose odd elements are the gaps between the
    ranges, of which only the even ones are copied out."""
    n = len(start)
    offsets = np.empty(2 * n, dtype=np.int64)
    offsets[0::2] = start
    offsets[1::2] = end
    whole = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 2 * n - 1,
                                             [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return whole.take(int64_arrow(np.arange(0, 2 * n, 2, dtype=np.int64)))


def _span_array(data: bytes | memoryview, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """The byte ranges ``data[start[i]:end[i]]`` (in file order, not overlapping) as an arrow ``large_string``
    array of their own (no view of ``data``): one arrow array over ``data`` whose odd elements are the gaps
    between the ranges, of which only the even ones are copied out. When some ranges are not UTF-8 (8-bit
    Windows-1252 names in old mail), every range is decoded in Python with those bytes read as Windows-1252, as
    ``_text`` in ``mail`` does."""
    if len(start) == 0:
        return pa.array([], type=pa.large_string())
    ranges = _binary_spans(data, start, end)
    try:
        return ranges.cast(pa.large_string())
    except pa.ArrowInvalid:
        return pa.array([v.decode("utf-8", "reconnect-cp1252") for v in ranges.to_pylist()], type=pa.large_string())


def _spans(data: bytes | memoryview, start: np.ndarray, end: np.ndarray) -> pl.Series:
    """The byte ranges ``data[start[i]:end[i]]`` as a String series (see :func:`_span_array`)."""
    series = pl.from_arrow(_span_array(data, start, end))
    assert isinstance(series, pl.Series)
    return series


_LOWER = 0x2020202020202020
#: Code of a name that could not be compared in words (too close to the end of the piece).
_NEAR_END = -2


def _name_codes(data: bytes | memoryview, start: np.ndarray, length: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """For each header name ``data[start[i]:start[i] + length[i]]``: its index in ``names`` (lower-case
    ASCII, compared case-insensitively), -1 when it is none of them, ``_NEAR_END`` when it was not compared.

    The names are compared 8 bytes at a time (lower-cased by setting bit 0x20 of every byte, which also maps
    ``"\\r"`` onto ``"-"``): one gather of every name's first word, looked up among the wanted names' first
    words of the same length, then the further words of the few longer names."""
    size = len(data)
    codes = np.full(len(start), -1, dtype=np.int64)
    longest = max(len(n) for n in names)
    far = start + 8 * ((longest + 7) // 8) <= size
    codes[~far] = _NEAR_END
    if size < 8 or not far.any():
        return codes
    rows = np.flatnonzero(far)
    words = np.ndarray((size - 7,), dtype="<u8", buffer=data, strides=(1,))
    # Masks keeping the first min(length, 8) bytes of a word.
    masks = np.array([(1 << (8 * min(n, 8))) - 1 if n else 0 for n in range(longest + 1)], dtype=np.uint64)
    lens = length[rows]
    rows, lens = rows[lens <= longest], lens[lens <= longest]
    first = (words[start[rows]] | np.uint64(_LOWER)) & masks[lens]
    encoded = [n.encode().ljust(8 * ((len(n) + 7) // 8), b"\0") for n in names]
    for code, name in enumerate(names):
        key = int.from_bytes(encoded[code][:8], "little")
        hit = rows[(lens == len(name)) & (first == np.uint64(key))]
        for j in range(1, (len(name) + 7) // 8):
            if not len(hit):
                break
            key = int.from_bytes(encoded[code][8 * j: 8 * j + 8], "little")
            mask = (1 << (8 * min(8, len(name) - 8 * j))) - 1
            hit = hit[((words[start[hit] + 8 * j] | np.uint64(_LOWER)) & np.uint64(mask)) == np.uint64(key)]
        codes[hit] = code
    return codes


def _empty_table(names: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(schema={"line": pl.Int64(), "sep": pl.String(), **{n: pl.String() for n in names}})


#: Header names longer than this are judged by the regex (in Python), not byte by byte.
_NAME_WINDOW = 32


def _headerish(data: bytes | memoryview, arr: np.ndarray, start: np.ndarray, end: np.ndarray,
               colons: np.ndarray) -> np.ndarray:
    """For each line ``data[start[i]:end[i]]``: does it look like a header (``_HEADERISH``)? Vectorised for
    the usual ``Name:`` (up to ``_NAME_WINDOW`` printable bytes, then the line's first colon, found among the
    sorted positions ``colons``); the others (``Name :``, ``>From `` ...) through the regex."""
    at = np.searchsorted(colons, start)
    colon = np.where(at < len(colons), colons[np.minimum(at, len(colons) - 1)], end) if len(colons) else end
    length = colon - start
    ok = (colon < end) & (length >= 1) & (length <= _NAME_WINDOW)
    window = arr[np.minimum(start[:, None] + np.arange(_NAME_WINDOW), len(arr) - 1)]
    ok &= (((window >= 33) & (window <= 126)) | (np.arange(_NAME_WINDOW) >= length[:, None])).all(axis=1)
    headerish = _HEADERISH.match
    for i in np.flatnonzero(~ok).tolist():
        ok[i] = headerish(data, int(start[i]), int(end[i])) is not None
    return ok


@dataclass(frozen=True, slots=True)
class PieceLines:
    """The lines of one piece as :func:`header_table` found them, for a reader of the message bodies: the piece's
    bytes as numpy (``arr``), each line's start and end offsets (``starts``, ``ends``: the end without its line
    end, a ``\\r`` before ``\\n`` dropped), each line's first and last byte (``first``, ``last``: 0 for an
    empty line), and per
    message (in table order) the index of its first body line (``body_first``: after the blank line that ends the
    headers) and of the line after its body (``body_end``: the next separator, or the end of the piece)."""

    arr: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    first: np.ndarray
    last: np.ndarray
    body_first: np.ndarray
    body_end: np.ndarray


#: Reads something from the bodies of a piece's messages: ``(data, lines, table) -> frame`` with one row per row
#: of ``table``, whose columns are added to it. It must copy what it keeps (the piece's buffer is reused).
BodyReader = Callable[[bytes | memoryview, PieceLines, pl.DataFrame], pl.DataFrame]


def header_table(data: bytes | memoryview, after_blank: bool, names: tuple[str, ...],
                 joined: frozenset[str] = frozenset(),
                 body_reader: BodyReader | None = None) -> tuple[pl.DataFrame, int]:
    """The messages of ``data`` (a piece from :func:`iter_line_chunks`; ``after_blank`` tells whether its first
    line follows a blank line) as one row each: ``line`` (1-based line of the separator within the piece),
    ``sep`` (the separator line), and, per header name of ``names`` (lower case), its value, unfolded and
    stripped (null when absent). A header repeated in one message counts once: its first value, or, for the
    names in ``joined`` (To, Cc...), all its values joined with ``","``. Also returns the piece's number of
    lines (what ``data.count(b"\n")`` gives, plus one for a last line without a line end).

    Lines end at ``\\n`` (a ``\\r`` before it is dropped); separators follow the rules of :func:`iter_messages`;
    a header block runs from its separator to the first blank line (or the next separator). A header name is
    matched case-insensitively, with optional ``>`` quotes before it and blanks before its colon.
    Vectorised with numpy over the piece's bytes: Python runs only for unusual lines. With ``body_reader``, its
    columns (from the bodies, see :data:`BodyReader`) are added to the table of a piece that has messages.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    size = len(arr)
    # Two scans (line ends, colons) cost less than one for both whose result is then split in two.
    nl = np.flatnonzero(arr == _LF)
    colons = np.flatnonzero(arr == _COLON)
    n_lines = len(nl) + (1 if size and arr[-1] != _LF else 0)
    if n_lines == 0:
        return _empty_table(names), 0
    starts = np.empty(n_lines, dtype=np.int64)
    starts[0] = 0
    starts[1:] = nl[: n_lines - 1] + 1
    ends = np.empty(n_lines, dtype=np.int64)
    ends[: len(nl)] = nl
    ends[len(nl):] = size
    nonempty = ends > starts
    last = arr[np.maximum(ends - 1, 0)]
    cr = nonempty & (last == _CR)
    ends -= cr
    blank = ends == starts
    first = np.where(blank, 0, arr[np.minimum(starts, size - 1)])

    # Separator candidates: lines starting with "From " whose next line looks like a header, and that follow a
    # blank line and look like a separator (_RX_SEPLINE), or carry a date (the rules of iter_messages, as regexes
    # over the candidates' lines: copied once, they are also the table's "sep" column).
    cand = np.flatnonzero((first == ord("F")) & (ends - starts >= 5))
    for k, ch in enumerate(b"rom ", start=1):
        cand = cand[arr[starts[cand] + k] == ch]
    cand = cand[cand + 1 < n_lines]
    cand = cand[_headerish(data, arr, starts[cand + 1], ends[cand + 1], colons)]
    if not len(cand):
        return _empty_table(names), n_lines
    cand_lines = _spans(data, starts[cand], ends[cand])
    prev_blank = np.where(cand > 0, blank[np.maximum(cand - 1, 0)], after_blank)
    ok = prev_blank & cand_lines.str.contains(_RX_SEPLINE).to_numpy()
    undated = np.flatnonzero(~ok)
    if len(undated):
        ok[undated] = cand_lines.gather(undated).str.contains(_RX_DATEISH).to_numpy()
    seps = cand[ok]
    if not len(seps):
        return _empty_table(names), n_lines
    sep_lines = cand_lines if len(seps) == len(cand) else cand_lines.filter(pl.Series(ok))
    n_msg = len(seps)

    # Header lines: after each separator, up to the first blank line or the next separator.
    blank_at = np.append(np.flatnonzero(blank), n_lines)
    stop = np.minimum(blank_at[np.searchsorted(blank_at, seps)], np.append(seps[1:], n_lines))
    count = stop - seps - 1
    msg = np.repeat(np.arange(n_msg, dtype=np.int64), count)
    hl = np.arange(len(msg), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count) + np.repeat(seps + 1, count)
    cont = (first[hl] == _SP) | (first[hl] == _TAB)

    # Names: up to the first colon of each header line (not a continuation).
    own = np.flatnonzero(~cont)
    line_start = starts[hl[own]]
    line_end = ends[hl[own]]
    colons = np.append(colons, size)
    colon = colons[np.searchsorted(colons, line_start)]
    has_colon = colon < line_end
    codes = np.full(len(own), -1, dtype=np.int64)
    name_len = colon - line_start
    odd = has_colon & ((first[hl[own]] == _GT) | np.isin(arr[np.maximum(colon - 1, 0)], (_SP, _TAB)))
    plain = has_colon & ~odd
    codes[plain] = _name_codes(data, line_start[plain], name_len[plain], names)
    odd |= plain & (codes == _NEAR_END)
    code_of = {name.encode(): code for code, name in enumerate(names)}
    for r in np.flatnonzero(odd).tolist():  # ">From:" (bogus quoting) or "To :" (blanks before the colon)
        codes[r] = code_of.get(bytes(data[line_start[r]: colon[r]]).rstrip(b" \t").lstrip(b">").lower(), -1)

    # Values: from after the colon to the end of the header's last continuation line.
    kept = np.flatnonzero(codes >= 0)
    if len(kept):
        # The next line (in hl) that is not a continuation of this header: another header or another message's.
        brk = np.append(np.flatnonzero(~cont | np.r_[True, msg[1:] != msg[:-1]]), len(hl))
        last_line = brk[np.searchsorted(brk, own[kept], side="right")] - 1
        v_start, v_end = colon[kept] + 1, ends[hl[last_line]]
        # Stripped of ASCII white space (as bytes.strip) before they are copied: a few rounds of one byte.
        is_ws = np.zeros(256, dtype=bool)
        is_ws[list(_WS.encode())] = True
        # (The start byte looked at is clamped into the data: a file may end right after a header's colon.)
        last_byte = len(arr) - 1
        moving = np.arange(len(kept))
        while len(moving := moving[(v_start[moving] < v_end[moving])
                                   & is_ws[arr[np.minimum(v_start[moving], last_byte)]]]):
            v_start[moving] += 1
        moving = np.arange(len(kept))
        while len(moving := moving[(v_end[moving] > v_start[moving]) & is_ws[arr[v_end[moving] - 1]]]):
            v_end[moving] -= 1
        values = _spans(data, v_start, v_end)
        folded = np.flatnonzero(last_line != own[kept])
        if len(folded):  # unfolded: each line end and the blanks after it become one space
            values = values.scatter(folded, values.gather(folded).str.replace_all(r"\r?\n[ \t]*", " "))
    else:
        values = pl.Series([], dtype=pl.String())
    kept_msg = msg[own[kept]]
    kept_code = codes[kept]

    # One column per name: a value per message (the first, or all joined).
    frame = pl.DataFrame({"msg": kept_msg, "code": kept_code, "val": values})
    if len(kept) and np.bincount(kept_msg * len(names) + kept_code).max() > 1:
        join_codes = [c for c, name in enumerate(names) if name in joined]
        is_joined = pl.col("code").is_in(join_codes)
        frame = pl.concat([
            frame.filter(~is_joined & pl.struct("msg", "code").is_first_distinct()),
            frame.filter(is_joined).group_by("msg", "code", maintain_order=True).agg(pl.col("val").str.join(",")),
        ])
    # Where each (message, name) value is in frame, name by name; -1 (null) where a message has none.
    where = np.full(len(names) * n_msg, -1, dtype=np.int64)
    where[frame.get_column("code").to_numpy() * n_msg + frame.get_column("msg").to_numpy()] = np.arange(frame.height)
    gathered = frame.get_column("val").gather(pl.Series(where).replace(-1, None))
    cols = [gathered.slice(code * n_msg, n_msg).alias(name) for code, name in enumerate(names)]
    table = pl.DataFrame([pl.Series("line", seps + 1), sep_lines.alias("sep"), *cols])
    if body_reader is not None:
        # A body starts after the blank line that ends its headers (a message cut short by the next separator
        # has none) and runs to the next separator.
        next_sep = np.append(seps[1:], n_lines)
        body_first = np.where(stop < next_sep, stop + 1, stop)
        # Each line's last byte (its "\\r" dropped with the line end), 0 for an empty line.
        at_cr = np.flatnonzero(cr)
        if len(at_cr):
            last[at_cr] = arr[np.maximum(ends[at_cr] - 1, 0)]
        last[blank] = 0
        lines = PieceLines(arr, starts, ends, first, last, body_first, next_sep)
        table = table.hstack(body_reader(data, lines, table))
    return table, n_lines
