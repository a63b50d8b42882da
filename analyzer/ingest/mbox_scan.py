"""A fast, streaming splitter for mbox files that returns each message's header block and skips its body.

It reads the file in large binary chunks, finds ``From `` separator lines with ``bytes.find`` and hands out,
for every message, the physical line number of its separator, the separator line and the header block (up to
the first blank line). Bodies are never decoded or kept: only the bytes of the current chunk are held, so
memory does not depend on the size of the file or of any message.

A line is a separator when it starts with ``From ``, is at the start of the file or follows a blank line (or
carries a ctime-like date), and the next line looks like a header (``Name:`` or the bogus ``>From `` line
some ImportExportTools versions write). That accepts every producer in formats.md §2 — Gmail Takeout
(``From 1773664405479613283@xxx Tue Aug 08 12:36:29 +0000 2023``), Thunderbird (``From - Mon Aug 28 ...``),
Apple Mail, Eudora (``From ???@???``), bare ``From `` lines — with LF or CRLF line ends, and rejects body lines
such as ``From my point of view`` that were not escaped.

Two readers share these rules: :func:`iter_messages` (one message at a time, in Python) and
:func:`iter_line_chunks`, which only cuts the file into large pieces ending after a blank line, for the vectorised
reader in ``mail.py`` (polars applies the same separator rules to a whole piece at once; 10x faster).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO

#: Bytes read at a time.
CHUNK = 8 << 20
#: A header block longer than this is cut (a file without blank lines must not be held whole).
MAX_HEADER = 1 << 20
#: Bytes after a separator that must be available to judge it (its line and the start of the next one).
_LOOKAHEAD = 4096

_HEADERISH = re.compile(rb"(?:[!-9;-~]+[ \t]*:|>+From )")
_DATEISH = re.compile(rb"\d{1,2}:\d\d.*(?:19|20)\d\d|(?:19|20)\d\d.*\d{1,2}:\d\d")
_SEP = b"\nFrom "


#: One message as found by the scanner: (1-based physical line of the separator, the separator line without
#: its line end such as ``b"From - Mon Aug 28 18:38:57 2023"``, the header block starting with ``b"\n"`` and
#: ending with the ``"\n"`` of its last line). A plain tuple: it is made 300,000 times for a large mailbox.
RawMessage = tuple[int, bytes, bytes]


def looks_like_mbox(head: bytes) -> bool:
    """True if ``head`` (the first bytes of a file) starts with an mbox separator followed by header lines."""
    data = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    data = data.lstrip(b"\r\n")
    if not data.startswith(b"From "):
        return False
    eol = data.find(b"\n")
    if eol < 0:
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
        if not headerish(buf, eol + 1, eol + 201) or not (
                blank_before or _DATEISH.search(buf, i + 6, eol)):
            pos = i + 1
            continue
        # Header block: up to the first blank line (or the next separator, for a message without a body).
        crlf = buf[eol - 1] == 13
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
            if jeol >= 0 and headerish(buf, jeol + 1, jeol + 201) and _DATEISH.search(buf, j + 6, jeol):
                he = j
                break
            j = find(_SEP, j + 1, he)
        nl_before += buf.count(b"\n", cnt, i + 1)
        cnt = i + 1
        yield (nl_before + 1, buf[i + 1: eol - 1 if crlf else eol], buf[eol: he + 1])
        pos = he + 1 if j < 0 else he


# ------------------------------------------------------------------------------------------------------------
# Vectorised reading: the file as frames of lines
# ------------------------------------------------------------------------------------------------------------

#: Bytes read at a time by :func:`iter_line_chunks` (32 MiB: ~0.4 s of work, ~150 MB of polars frames).
LINE_CHUNK = 32 << 20
#: A chunk without any blank line is grown up to this size before it is cut at a line end anyway.
MAX_LINE_CHUNK = 256 << 20


def _last_blank_end(buf: bytes) -> int:
    """The offset just after the last blank line (``\\n\\n`` or ``\\n\\r\\n``) of ``buf``, or 0 without any.

    Both forms are looked for in the last MiB first: a failed ``rfind`` of the form a file does not use would
    otherwise scan the whole piece."""
    lo = max(0, len(buf) - (1 << 20))
    while True:
        a, b = buf.rfind(b"\n\n", lo), buf.rfind(b"\n\r\n", lo)
        if a >= 0 or b >= 0 or lo == 0:
            return max(a + 2 if a >= 0 else 0, b + 3 if b >= 0 else 0)
        lo = 0


def iter_line_chunks(fh: IO[bytes], advance: Callable[[int], None] | None = None,
                     chunk_size: int = LINE_CHUNK) -> Iterator[tuple[int, bool, bytes]]:
    """Yield ``(lines before, starts after a blank line, data)`` for consecutive pieces of the stream ``fh``.

    Every piece but the last ends just after a blank line, so that no header block spans two pieces and the
    separator rules ("follows a blank line", "the next line is a header") can be judged inside one piece; the
    first line of every piece starts after a blank line (or at the start of the file). A piece without any
    blank line in ``MAX_LINE_CHUNK`` bytes is cut at its last line end (its next piece then starts in the
    middle of a body or an overlong header block: lines before its first separator are skipped, as bodies
    are). A UTF-8 BOM at the start of the file is dropped. ``advance(nbytes)`` is called after each read.
    """
    carry = b""
    lines_before = 0
    after_blank = True
    first = True
    eof = False
    while not eof:
        data = fh.read(chunk_size)
        if advance is not None and data:
            advance(len(data))
        if first:
            first = False
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        if not data:
            eof = True
            buf = carry
        else:
            c = _last_blank_end(data)
            if c > 0:  # the common case: cut in this read, with one copy (a blank line of the carry ends earlier)
                buf = data if not carry and c == len(data) else b"".join((carry, memoryview(data)[:c]))
                carry = data[c:]
                yield lines_before, after_blank, buf
                lines_before += buf.count(b"\n")
                after_blank = True
                continue
            buf = carry + data if carry else data
        carry = b""
        if not buf:
            break
        if not eof:
            cut = _last_blank_end(buf)
            blank_end = cut > 0
            if not blank_end:
                if len(buf) < MAX_LINE_CHUNK:
                    carry = buf
                    continue
                cut = buf.rfind(b"\n") + 1
            if cut <= 0:  # no line end at all in MAX_LINE_CHUNK bytes: hold on (a giant single line)
                carry = buf
                continue
            buf, carry = buf[:cut], buf[cut:]
        else:
            blank_end = True
        yield lines_before, after_blank, buf
        lines_before += buf.count(b"\n")
        after_blank = blank_end
