"""Decoding and CSV reading shared by every text parser.

Encodings: UTF-8 with or without BOM, UTF-16 LE/BE with or without BOM, and (for Excel re-saved files)
Windows-1252. Binary data gets a clear error. Delimiters: comma, tab or semicolon, sniffed from the header.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from analyzer.errors import InputError

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(value: str | None) -> str | None:
    """Strip whitespace and control/bidi characters from an untrusted cell; empty becomes None."""
    if value is None:
        return None
    v = _CONTROL.sub("", value).strip()
    return v or None


def detect_encoding(head: bytes) -> str:
    """Best guess of the encoding from the first bytes (BOMs, then NUL-byte patterns, then UTF-8)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith(b"\xff\xfe"):
        return "utf-16"
    if head.startswith(b"\xfe\xff"):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) / 2
        if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
    return "utf-8"


def looks_binary(head: bytes) -> bool:
    """True for data that is not text in any supported encoding (NUL bytes outside UTF-16)."""
    if detect_encoding(head).startswith("utf-16"):
        return False
    return b"\x00" in head[:8192]


def decode(data: bytes, display: str) -> str:
    """Decode a whole file to text. Raises :class:`InputError` for binary data."""
    if looks_binary(data[:8192]):
        raise InputError(display, "is binary data, not a text export", hint="Pass the CSV/mbox/vCard file itself")
    enc = detect_encoding(data[:4096])
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        if enc.startswith("utf-16"):
            raise InputError(display, "is not valid UTF-16 text", hint="Re-export the file as UTF-8") from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    return text.lstrip("\ufeff")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a header line: tab, semicolon or comma (the most frequent outside quotes)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def normalise_header(name: str) -> str:
    """Header cell as a lookup key: quotes and whitespace stripped, upper-case, inner spaces single."""
    return re.sub(r"\s+", " ", name.replace("\ufeff", "").strip().strip('"').strip()).upper()


@dataclass
class CsvTable:
    """A CSV file split into its header and its data rows, with physical line numbers."""

    display: str
    header: list[str]  # as written
    keys: list[str]  # normalised (see normalise_header)
    header_line: int  # 1-based physical line of the header
    preamble_lines: int  # lines before the header (e.g. LinkedIn's Notes: block)
    text: str
    delimiter: str
    _start: int  # character offset of the first data line

    def index(self) -> dict[str, int]:
        """Normalised header name -> column position (first occurrence wins)."""
        out: dict[str, int] = {}
        for i, k in enumerate(self.keys):
            out.setdefault(k, i)
        return out

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield (physical line number where the row starts, cells). Blank lines are skipped."""
        reader = csv.reader(io.StringIO(self.text[self._start:], newline=""), delimiter=self.delimiter)
        prev_end = 0
        base = self.header_line
        try:
            for row in reader:
                start_line = base + prev_end + 1
                prev_end = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                yield start_line, row
        except csv.Error as exc:
            raise InputError(self.display, f"broken CSV ({exc})", line=base + prev_end + 1,
                             hint="The file may be truncated or not a CSV export") from None


def read_table(
    text: str,
    display: str,
    is_header: Callable[[list[str]], bool] | None = None,
    max_preamble: int = 10,
) -> CsvTable:
    """Locate the header line (the first line for which ``is_header`` holds, within ``max_preamble``
    lines) and return the table. Without ``is_header`` the first non-blank line is the header."""
    pos = 0
    for line_no in range(1, max_preamble + 2):
        if pos >= len(text):
            break
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl + 1
        line = text[pos:end].rstrip("\r\n")
        if line.strip():
            delim = sniff_delimiter(line)
            try:
                header = next(csv.reader([line], delimiter=delim))
            except (csv.Error, StopIteration):
                header = []
            keys = [normalise_header(h) for h in header]
            if is_header is None or is_header(keys):
                return CsvTable(display, [h.strip().strip('"') for h in header], keys, line_no, line_no - 1,
                                text, delim, end)
        pos = end
    raise InputError(display, "no header row found", hint="Is this the right file? Run `reconnect formats` for what is read")
