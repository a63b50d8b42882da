"""Helpers shared by the mail CSV dialects: decoding the file, the first row, a cell."""

from __future__ import annotations

import csv
import logging

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
