"""Helpers shared by the mail CSV dialects: decoding the file, the first row, a cell."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator

import numpy as np
import polars as pl

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.text import CsvTable, decode, normalise_header, sniff_delimiter

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# CSV helpers
# ------------------------------------------------------------------------------------------------------------


def _decode_file(f: InputFile, out: FileCollector) -> str:
    data = f.read_bytes()
    out.advance(len(data))
    return decode(data, f.display)


def _headerless_table(text: str, display: str, delimiter: str) -> CsvTable:
    """A file without a header row as a table whose width is its first row's (so that a row spanning lines
    with another width, a quote left open, is told apart: see :meth:`CsvTable.rows`)."""
    width = len(_first_row(text))
    return CsvTable(display, [], [""] * width, 0, 0, text, delimiter, 0)


def _first_line(text: str) -> str:
    """The first non-blank line (without splitting the whole text)."""
    pos = 0
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        if text[pos:end].strip():
            return text[pos:end].rstrip("\r")
        pos = end + 1
    return ""


def _first_row(text: str) -> list[str]:
    line = _first_line(text)
    delim = sniff_delimiter(line)
    try:
        return next(csv.reader([line], delimiter=delim))
    except (csv.Error, StopIteration):
        return []


def _cell(row: list[str], i: int | None) -> str:
    if i is None or i >= len(row):
        return ""
    return row[i]


def account_rows(out: FileCollector, outcomes: pl.DataFrame, ignored: str) -> None:
    """The rows of ``outcomes`` (``line``, ``reason``) that a fast path did not use: those of the reason
    ``ignored`` counted as ignored, every other one rejected with its reason, in order (as the row reader does)."""
    n_ignored = 0
    for line, reason in outcomes.select("line", "reason").iter_rows():
        if reason == ignored:
            n_ignored += 1
        else:
            out.reject(line, reason)
    if n_ignored:
        out.ignore(ignored, n_ignored)


#: Ignore reason of a header row met again among the data rows (two exports joined into one file).
REPEATED_HEADER = "header row repeated (exports joined into one file)"


def _repeated_header(row: list[str], keys: list[str]) -> bool:
    """Is ``row`` the header again (two exports of one kind concatenated), or PowerShell's ``#TYPE`` line before
    it? Such a row made people named after the columns (``From: (Name)`` -> "From", "To", "CC", "BCC")."""
    if not row:
        return False
    if row[0].startswith("#TYPE"):
        return True
    if not keys or normalise_header(row[0]) != keys[0]:  # (nearly every row: one cell normalised, not all of them)
        return False
    cells = [normalise_header(c) for c in row]
    while cells and not cells[-1]:
        cells.pop()
    n = len(keys)
    while n and not keys[n - 1]:
        n -= 1
    return n > 0 and cells == keys[:n]


#: Bytes compared at a time by :func:`count_bytes` (its temporary arrays are this big).
_COUNT_BLOCK = 1 << 22


def count_bytes(data: bytes, chars: bytes) -> list[int]:
    """How many times each byte of ``chars`` occurs in ``data`` (numpy, block by block: several times faster
    than ``bytes.count``, without a temporary array the size of the file)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    counts = [0] * len(chars)
    for start in range(0, len(arr), _COUNT_BLOCK):
        block = arr[start:start + _COUNT_BLOCK]
        for k, ch in enumerate(chars):
            counts[k] += int(np.count_nonzero(block == ch))
    return counts


# ------------------------------------------------------------------------------------------------------------
# The proof behind the polars fast paths: well-formed rows
# ------------------------------------------------------------------------------------------------------------

#: Characters matched at a time by the well-formed-rows regex: one match over a whole 18 MB text held 80 MB
#: more at its peak (and took 61 ms), 1 MB pieces 10 MB (29 ms, in parallel).
ROW_CHUNK = 1 << 20
#: Pieces matched per polars call by :func:`rows_well_formed` (their copies are what it holds beside the text).
_PIECES_AT_A_TIME = 16
#: The delimiters the fast paths read, as they are written in a regex.
DELIMITER_RX = {",": ",", ";": ";", "\t": r"\t"}


def _row_pieces(text: str | bytes, start: int = 0) -> Iterator[str | bytes]:
    """``text`` (from ``start``) cut into pieces of about :data:`ROW_CHUNK` characters or bytes, each ending with
    a line break outside quotes (an even number of quotes before it) or at the end. In a text of well-formed rows
    every piece is whole rows; if a cut falls elsewhere, a piece is not, and fails the regex (read row by row:
    never wrong)."""
    nl, quote = ("\n", '"') if isinstance(text, str) else (b"\n", b'"')
    while start < len(text):
        end = text.find(nl, start + ROW_CHUNK)  # type: ignore[arg-type]
        quotes = text.count(quote, start, end) if end >= 0 else 0  # type: ignore[arg-type]
        while end >= 0 and quotes % 2:
            nxt = text.find(nl, end + 1)  # type: ignore[arg-type]
            quotes += text.count(quote, end, nxt) if nxt >= 0 else 0  # type: ignore[arg-type]
            end = nxt
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def row_chunks(text: str) -> pl.Series:
    """The pieces of :func:`_row_pieces` as one String series (matched in parallel by polars)."""
    return pl.Series(list(_row_pieces(text)), dtype=pl.String())


def well_formed_pattern(delimiter: str, width: int) -> str | None:
    """The regex that a piece of :func:`row_chunks` matches when it is whole rows of exactly ``width`` cells
    separated by ``delimiter`` and ending in LF or CRLF, each cell quoted (quotes doubled inside) or without any
    quote: on such text the csv module and polars read the same cells. On malformed quoting they differ, and
    polars says nothing: ``"b"x""`` is ``bx`` for it, ``bx""`` for the csv module; ``"Alice" "Archer"`` is
    ``Alice Archer`` for it, ``Alice "Archer"`` for the csv module (LinkedIn's messages.csv and Outlook's mail
    CSV were read so by their fast paths). None for a delimiter other than a comma, a semicolon or a tab."""
    d = DELIMITER_RX.get(delimiter)
    if d is None or width < 1:
        return None
    cell = f'(?:"(?:[^"]|"")*"|[^"{d}\\r\\n]*)'
    row = f"{cell}(?:{d}{cell}){{{width - 1}}}"
    return f"\\A(?:{row}\\r?\\n)*(?:{row})?\\z"


def rows_well_formed(text: str | bytes, delimiter: str, width: int, start: int = 0) -> bool:
    """Whether all of ``text`` from ``start`` is well-formed rows (:func:`well_formed_pattern`), matched piece
    by piece, :data:`_PIECES_AT_A_TIME` pieces per polars call (in parallel; what is held beside ``text`` stays
    about 16 MB). Bytes are read as UTF-8 (not UTF-8: False), piece by piece too: a Python ``str`` of a large
    file holds up to 4 bytes a character as soon as one character needs them (LinkedIn's 144 MB messages.csv
    decoded whole: 350 MB more at the peak). False when the regex cannot be built or run (a header too wide for
    the regex engine's size limit)."""
    pattern = well_formed_pattern(delimiter, width)
    if pattern is None:
        return False
    kind = pl.String() if isinstance(text, str) else pl.Binary()

    def matches(batch: list[str | bytes]) -> bool:
        pieces = pl.Series(batch, dtype=kind)
        if kind == pl.Binary():
            pieces = pieces.cast(pl.String())  # (strict: bytes that are not UTF-8 raise)
        return bool(pieces.str.contains(pattern).all())

    batch: list[str | bytes] = []
    try:
        for piece in _row_pieces(text, start):
            batch.append(piece)
            if len(batch) == _PIECES_AT_A_TIME:
                if not matches(batch):
                    return False
                batch = []
        return not batch or matches(batch)
    except Exception:  # (polars: bytes that are not UTF-8, a regex over its size limit)
        return False
