"""Decoding and CSV reading shared by every text parser.

Encodings: UTF-8 with or without BOM, UTF-16 LE/BE with or without BOM, and (for Excel re-saved files)
Windows-1252 or, where the bytes tell it, another Windows or Mac code page. Binary data gets a clear error.
Delimiters: comma, tab or semicolon, sniffed from the header.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl

from analyzer.errors import InputError
from analyzer.normalize import PLAIN_NON_ASCII, with_python_rest

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
#: The C1 control characters (U+0080..U+009F) as the Windows-1252 characters of the same bytes: text labelled
#: ISO-8859-1 that is Windows-1252 (Outlook's "O\x92Brien" is O’Brien; browsers read the label so); the five
#: bytes Windows-1252 leaves undefined, and U+0085 (a line break), are left to the patterns (dropped, a space).
_C1_AS_CP1252 = str.maketrans({chr(b): bytes([b]).decode("cp1252") for b in range(0x80, 0xa0)
                               if b != 0x85 and bytes([b]).decode("cp1252", errors="ignore")})
_LINE_BREAKS = re.compile(r"[\t\r\n\x85\u2028\u2029]")

#: Longest text kept from one cell (a name, company, title or id): anything longer is not a name but junk,
#: and would slow every later stage and break spreadsheets (Excel holds at most 32 767 characters per cell).
MAX_TEXT = 1024


#: The characters ``str.strip()`` removes (``str.isspace``), for polars' ``strip_chars``: its default set is
#: Unicode White_Space, which lacks the separators U+001C..U+001F.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def clean_text(value: str | None) -> str | None:
    """Strip whitespace and control/bidi characters from an untrusted cell, put it on one line (tabs and line
    breaks become spaces) and cut it to :data:`MAX_TEXT` characters; empty becomes None."""
    if value is None:
        return None
    if len(value) > 4 * MAX_TEXT:
        value = value[: 4 * MAX_TEXT]
    # Every character the two patterns replace is unprintable (Cc, Cf, Zl, Zp): a printable value skips them.
    v = value.strip() if value.isprintable() else \
        _LINE_BREAKS.sub(" ", _CONTROL.sub("", value.translate(_C1_AS_CP1252))).strip()
    if len(v) > MAX_TEXT:
        v = v[:MAX_TEXT].rstrip()
    return v or None


#: Characters that are printable and not whitespace for Python (checked for every one of them in the tests),
#: with the space: a value made of them only is left alone by :func:`clean_text` but for the strip of spaces.
_PLAIN = f"^[ -~{PLAIN_NON_ASCII}]*$"
_ASCII = "^[ -~]*$"


def clean_texts(s: pl.Series) -> pl.Series:
    """:func:`clean_text` of every value of ``s`` (null stays null), vectorised: values of plain printable
    characters only and at most :data:`MAX_TEXT` long are stripped by polars, the others go through Python
    (once per distinct value)."""
    v = s.cast(pl.String).to_frame("v")
    col = pl.col("v")
    stripped = col.str.strip_chars(" ")
    res = v.select((col.is_null() | (col.str.contains(_PLAIN) & (col.str.len_chars() <= MAX_TEXT))).alias("ok"),
                   pl.when(stripped != "").then(stripped).alias("f"))
    return with_python_rest(s, res["ok"], res["f"], clean_text, pl.String())


def casefolded(s: pl.Series) -> pl.Series:
    """``str.casefold`` of every value of ``s`` (null stays null): polars for printable ASCII values, Python
    (once per distinct value) for the others."""
    v = s.cast(pl.String).to_frame("v")
    col = pl.col("v")
    res = v.select((col.is_null() | col.str.contains(_ASCII)).alias("ok"), col.str.to_lowercase().alias("f"))
    return with_python_rest(s, res["ok"], res["f"], str.casefold, pl.String())


def uppercased(s: pl.Series) -> pl.Series:
    """``str.upper`` of every value of ``s`` (null stays null): polars for printable ASCII values, Python
    (once per distinct value) for the others."""
    v = s.cast(pl.String).to_frame("v")
    col = pl.col("v")
    res = v.select((col.is_null() | col.str.contains(_ASCII)).alias("ok"), col.str.to_uppercase().alias("f"))
    return with_python_rest(s, res["ok"], res["f"], str.upper, pl.String())


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


#: Control bytes that no text export holds (C0 controls but tab, line feed, form feed and carriage return).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_NO_DELETE = bytes.maketrans(b"", b"")


_NUL_RUN = re.compile(rb"\x00+")


def looks_binary(head: bytes) -> bool:
    """True for data that is not text in any supported encoding: outside UTF-16, more places with NUL bytes than
    a stray few (compressed or image data hold one in every 256 bytes or more), mostly NULs, or a share of other
    control bytes no text has. A few NULs in a text export, or a run of them (a damaged cell, a block of zeros
    a crash left) leave it text: :func:`decode` drops them."""
    if detect_encoding(head).startswith("utf-16"):
        return False
    sample = head[:8192]
    if not sample:
        return False
    n_nul = sample.count(0)
    if n_nul:
        n_runs = len(_NUL_RUN.findall(sample))
        if n_runs > max(2, len(sample) // 512) or n_runs * 64 > len(sample) or n_nul * 2 > len(sample):
            return True
        sample = sample.replace(b"\x00", b"")
    n_control = len(sample) - len(sample.translate(_NO_DELETE, _BINARY_BYTES))
    return n_control > max(8, len(sample) // 20) or n_control * 8 > len(sample)


def cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decoding error handler ``reconnect-cp1252``: bytes that are not UTF-8 read as Windows-1252, the rest of
    the text staying UTF-8 (a file of UTF-8 with a few bytes of another encoding keeps its UTF-8 names)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start:err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("reconnect-cp1252", cp1252_fallback)


#: The code pages that Windows and the Mac write text files in (Excel's "CSV", Outlook's export), Windows-1252
#: first: a file that is neither UTF-8 nor UTF-16 is read in one of them (:func:`code_page`). Multi-byte ones are
#: the Windows supersets of their standards (cp932 of Shift JIS, GB18030 of GBK, cp949 of EUC-KR).
CODE_PAGES = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
              "mac_roman", "cp932", "gb18030", "big5", "cp949", "koi8_r")
#: Bytes of a file's lines that are not UTF-8 given to the code page detector: a large file costs little more.
CODE_PAGE_SAMPLE = 64 * 1024

_NON_ASCII_LINE = re.compile(rb"(?<![^\r\n])[^\r\n]*[\x80-\xff][^\r\n]*")  # (from a line's start: was quadratic per line)
#: Symbols that text does not write against a letter, but that other code pages' letters read as in
#: Windows-1252 (Polish ł ż ą as ³ ¿ ¹, Mac Roman ß as §, ...) or Western letters in Mac Roman (ä ö ü as ‰ ˆ ˙).
#: ``¿`` and ``¡`` open Spanish words: counted only after a letter.
_ODD_SYMBOLS = frozenset("§¤¦¨¬¯±²³´¶¸¹¼½¾¿¡¢£¥÷×†‡‰ˆ˜ƒ˙˚˝˛ˇ◊∆≈√∑∏∫Ω≠∞≤≥∂")
_WORD = re.compile(r"[^\W\d_]+")


def _odd_marks(text: str) -> int:
    """Marks of text read in the wrong code page, in any script: characters that are not text (undefined
    bytes, C1 controls), symbols of :data:`_ODD_SYMBOLS` against a letter (``Spó³ka``, ``Wei§``), a non-ASCII
    capital inside a word, after a small letter or before one (``MŸller``, ``CafŽ``), and words that mix
    ASCII letters with letters of another script than Latin (``Mьller``, ``Jόrgen``: Western text read as
    Cyrillic or Greek)."""
    n = 0
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        if ch == "\ufffd" or "\x80" <= ch <= "\x9f":
            n += 1
        elif ch in _ODD_SYMBOLS:
            before = i > 0 and text[i - 1].isalpha()
            after = i < last and text[i + 1].isalpha() and ch not in "¿¡"
            n += before or after
        elif ch.isupper() and i > 0 and text[i - 1].isalpha() and (
                text[i - 1].islower() or (i < last and text[i + 1].islower())):
            n += 1
    for m in _WORD.finditer(text):
        w = m.group()
        if not w.isascii() and any(c.isascii() for c in w) and any(
                c >= "\u0370" and not "\u1e00" <= c <= "\u1eff" for c in w):
            n += 1
    return n


def _not_western(text: str) -> tuple[int, int]:
    """(words of two letters or more that are all non-ASCII, as no Western language writes them — ``Èâàí`` is
    Russian read as Windows-1252 —, words with a non-ASCII character) of ``text``."""
    odd = words = 0
    for m in _WORD.finditer(text):
        w = m.group()
        if not w.isascii():
            words += 1
            odd += len(w) >= 2 and not any(c.isascii() for c in w)
    return odd, words


def code_page(data: bytes) -> str:
    """The code page of ``data``, a text that is not UTF-8 or UTF-16: Windows-1252 (nearly every such file:
    Western Excel and Outlook) unless its lines that are not UTF-8 (at most :data:`CODE_PAGE_SAMPLE` bytes of
    them) read wrong as Western text in Windows-1252 (:func:`_odd_marks`, :func:`_not_western`: in a tenth of
    their words with a non-ASCII letter or more, or with a byte it leaves undefined), and charset-normalizer,
    given those lines and the :data:`CODE_PAGES`, finds another code page that reads them with less than half
    as many marks of a wrong one: the first of those in its ranking. (It ranks Windows-1252 first for a short
    Polish text, ``Spó³ka``: it is not asked whether the text is Western, only which code page it is in.)
    A UTF-8 file with a few lines in another encoding is Windows-1252 too: its text stays UTF-8, only those
    bytes are read as Windows-1252 (:func:`decode`)."""
    sample: list[bytes] = []
    size = utf8_lines = 0
    for m in _NON_ASCII_LINE.finditer(data):
        line = m.group()
        try:
            line.decode("utf-8")
            utf8_lines += 1
            continue
        except UnicodeDecodeError:
            pass
        sample.append(line)
        size += len(line) + 1
        if size >= CODE_PAGE_SAMPLE:
            break
    if not sample or utf8_lines * 10 > len(sample):
        return "cp1252"
    text = b"\n".join(sample)[:CODE_PAGE_SAMPLE]
    western = text.decode("cp1252", errors="replace")
    odd_words, words = _not_western(western)
    wrong = _odd_marks(western) + odd_words
    if not wrong or (wrong * 10 < words and "\ufffd" not in western):
        return "cp1252"
    from charset_normalizer import from_bytes  # (imported only for a file that is not UTF-8: not at start-up)

    for match in from_bytes(text, cp_isolation=list(CODE_PAGES), preemptive_behaviour=False):
        if "cp1252" in match.could_be_from_charset:
            continue
        try:
            other = text.decode(match.encoding, errors="replace")
        except LookupError:
            continue
        if _odd_marks(other) * 2 < wrong:
            return match.encoding
    return "cp1252"


def _decode_utf8(data: bytes, enc: str) -> str:
    """``data`` (``enc`` UTF-8, but not UTF-8 as a whole) decoded in its :func:`code_page` (a file with a UTF-8
    BOM is UTF-8); for Windows-1252, the sequences that are UTF-8 stay UTF-8 (a file of UTF-8 with a few bytes
    of another encoding keeps its UTF-8 names)."""
    page = code_page(data) if enc == "utf-8" else "cp1252"
    if page == "cp1252":
        return data.decode(enc, errors="reconnect-cp1252")
    return data.decode(page, errors="replace")


def decode_head(head: bytes) -> str:
    """The first bytes of a file as text for detection (best effort, BOM kept): as :func:`decode` reads the whole
    file (UTF-16, UTF-8, else its code page), a character cut at the end of ``head`` replaced."""
    enc = detect_encoding(head)
    if enc != "utf-8":
        return head.decode(enc, errors="replace")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # (only a character cut at the end of the head)
            return head.decode("utf-8", errors="replace")
    return _decode_utf8(head, enc)


def decode(data: bytes, display: str) -> str:
    """Decode a whole file to text: UTF-8, UTF-16, or a file in none of them in its Windows or Mac code page
    (:func:`code_page`: nearly always Windows-1252; where a UTF-8 file has a byte sequence that is not UTF-8, that
    sequence is read as Windows-1252, so one stray byte does not turn every other name into mojibake). NUL bytes
    are dropped. Raises :class:`InputError` for binary data."""
    if looks_binary(data[:8192]):
        raise InputError(display, "is binary data, not a text export", hint="Pass the CSV/mbox/vCard file itself")
    enc = detect_encoding(data[:4096])
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        if enc.startswith("utf-16"):
            raise InputError(display, "is not valid UTF-16 text", hint="Re-export the file as UTF-8") from None
        text = _decode_utf8(data, enc)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.lstrip("\ufeff")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a header line: tab, semicolon or comma (the most frequent outside quotes)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def normalise_header(name: str) -> str:
    """Header cell as a lookup key: quotes and whitespace stripped, upper-case, inner spaces single."""
    # (" ".join of str.split is re.sub(r"\s+", " ") on a stripped text: the same Unicode white space, 5x faster
    # on the long first line of a file that is no CSV)
    return " ".join(name.replace("\ufeff", "").strip().strip('"').split()).upper()


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
        """Yield (physical line number where the row starts, cells). Blank lines are skipped.

        A quote that is opened and never closed would make the CSV reader swallow the following lines into one
        field (all of them lost in a single bad row). When a row spanning several lines comes out with another
        number of cells than the header (or than the one-line row before it, whose trailing empty cells the
        header may not count), or holds a line that reads as a whole row (:meth:`_holds_rows`), or ends the
        file inside an open quote, only its first line is yielded (as a broken row the parser rejects) and
        reading resumes on the next line.
        """
        width = len(self.keys)
        offset = self._start  # character offset where the current reader starts
        first = self.header_line + 1  # physical line number at ``offset``
        restarts = 0
        src = io.StringIO(self.text, newline="")  # (one copy of the text, read again from each restart)
        remaining = len(self.text)
        while True:
            src.seek(offset)
            reader = csv.reader(src, delimiter=self.delimiter)
            prev_end = 0
            broken: int | None = None
            check = bool(width) and restarts < _MAX_RESTARTS
            usual = width  # the number of cells of the last one-line row (trailing empty cells included)
            try:
                for row in reader:
                    start_line = first + prev_end
                    end = reader.line_num
                    if end - prev_end == 1:
                        if len(row) != usual and row and not wrong_width(row, width):
                            usual = len(row)
                    elif check and (
                        # (also trailing empty cells that the one-line rows do not have: a quote opened in one
                        # row and closed in the next makes one row of the two, with a cell more or less)
                        (len(row) != width and (wrong_width(row, width) or len(row) != usual))
                        # a quote opened in one row and closed in a later one: the rows between are lines of a
                        # cell, each with a row's number of cells
                        or self._holds_rows(row, usual)
                        # a quote left open swallows up to the end of the file into the row's last cell
                        or (("\n" in row[-1] or "\r" in row[-1]) and src.tell() >= remaining
                            and self._open_quote_at_end(offset, start_line, first))
                    ):
                        broken = start_line
                        break
                    prev_end = end
                    # skip blank lines (checking the first cell first is the cheap common case)
                    if row and (row[0].strip() or "".join(row).strip()):
                        yield start_line, row
            except csv.Error as exc:
                raise InputError(self.display, f"broken CSV ({exc})", line=first + prev_end,
                                 hint="The file may be truncated or not a CSV export") from None
            if broken is None:
                return
            restarts += 1
            line_start = _advance_lines(self.text, offset, broken - first)
            next_start = _advance_lines(self.text, line_start, 1)
            line = self.text[line_start:next_start].rstrip("\r\n")
            cells = next(csv.reader([line], delimiter=self.delimiter), [])
            if cells and "".join(cells).strip():
                yield broken, cells
            offset, first = next_start, broken + 1

    def _holds_rows(self, row: list[str], usual: int) -> bool:
        """Does a cell of ``row`` (a row spanning several lines) hold a line that reads as a whole row of this
        file (``usual`` cells, three or more)? Then a quote left open in one row swallowed the rows after it."""
        if usual < 3:
            return False
        for cell in row:
            if "\n" not in cell and "\r" not in cell:
                continue
            for line in _LINE_BREAK.split(cell)[1:]:
                if line.count(self.delimiter) >= usual - 1 and len(next(
                        csv.reader([line], delimiter=self.delimiter), ())) == usual:
                    return True
        return False

    def _open_quote_at_end(self, offset: int, start_line: int, first: int) -> bool:
        """Did the last row, starting at ``start_line``, run to the end of the file inside a quoted field?"""
        raw = self.text[_advance_lines(self.text, offset, start_line - first):]
        try:
            for _ in csv.reader(io.StringIO(raw, newline=""), delimiter=self.delimiter, strict=True):
                pass
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
        return False


_MAX_RESTARTS = 10_000


def width_problem(row: list[str], width: int) -> str | None:
    """A reject reason when ``row`` does not have the header's ``width`` cells (extra empty cells are fine)."""
    if not wrong_width(row, width):
        return None
    return f"row has {len(row)} cells, header has {width}"


def wrong_width(row: list[str], width: int) -> bool:
    """Fewer cells than the header, or more that are not just trailing empty cells."""
    n = len(row)
    return n < width or (n > width and any(c.strip() for c in row[width:]))
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _advance_lines(text: str, pos: int, n: int) -> int:
    """Offset of the line ``n`` physical lines after the one starting at ``pos`` (line breaks as the csv
    module counts them: CRLF, CR or LF)."""
    for _ in range(n):
        m = _LINE_BREAK.search(text, pos)
        if m is None:
            return len(text)
        pos = m.end()
    return pos


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
