"""Address books: Google Contacts CSV (current, legacy, Google's "Outlook CSV"), Outlook contacts CSV (desktop
incl. the 2003 layout, Outlook.com, LinkedIn's pre-2017 Outlook-format connections export) and vCard 2.1/3.0/4.0.

Every contact (CSV row or vCard) becomes ONE record with role ``contact`` carrying all its addresses, its
LinkedIn profile URL, company and title: a card that lists several addresses and a profile is the strongest
link between sources. Google's "Other Contacts" (addresses Gmail saved because you wrote to them) get role
``contact_other``. Contacts carry no dates: they are identity evidence, never messages.

vCards are parsed one card at a time (so one malformed card is rejected and the rest load): the plain cards most
writers produce by :mod:`vcard_plain` (vobject's reading of them, several times faster), the others by ``vobject``.
Before a card is handed over, its PHOTO/LOGO/SOUND/KEY properties are dropped (large base64 blobs that are
never used) and vCard 2.1 quoted-printable values are decoded here (soft line breaks, any CHARSET). Raw 8-bit
values are decoded in their CHARSET as the file is read (:func:`_decode_lines`).
"""

from __future__ import annotations

import base64
import codecs
import functools
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.outlook_languages import english_keys
from analyzer.ingest.registry import Parser, Sniff, register
from analyzer.ingest.text import (
    clean_text,
    decode,
    detect_encoding,
    looks_binary,
    read_table,
    wrong_width,
)
from analyzer.ingest.vcard_plain import plain_card
from analyzer.normalize import canonical_linkedin_url, clean_email

log = logging.getLogger(__name__)

ROLE = "contact"
ROLE_OTHER = "contact_other"  # Google "Other Contacts": auto-saved because the owner emailed them
EMPTY = "contact without name, email or profile"

# Google joins multiple values of one cell with " ::: ": the cell is split at each ":::" and the blanks beside it
# dropped (as re.split(r"\s*:::\s*") did, without its search from every blank of a long run: quadratic)
#: A LinkedIn profile URL in a cell or a note: a URL of its own, not the tail of another one (after the start, a
#: space, a quote, a bracket or a separator; ``evil.example/?to=https://linkedin.com/in/x``, ``notlinkedin.com``
#: hold none); it ends before a closing bracket.
_LINKEDIN_IN = re.compile(r"(?<![^\s\"'<>()\[\]{},;|:])(?:https?:/+)?(?:[a-z0-9-]+\.)*linkedin\.com/+in/[^\s\"'<>()\[\]{},;|]+",
                          re.IGNORECASE)
# (only from the start of a run of address characters, up to its first "@", then its whole rest: "x+@x+\.x+"
# tried every "@" and every "." from every start, cubic on a cell of "@"s: 8,000 of them for seconds)
_EMAIL_IN_TEXT = re.compile(r"(?<![^\s<>(),;:\"\[\]])(?>[^\s<>(),;:\"\[\]]+?@)[^\s<>(),;:\"\[\]]+?\.[^\s<>(),;:\"\[\]]++")
_SPACES = re.compile(r"\s+")


# ---- shared helpers -------------------------------------------------------------------------------------
def _squash(value: str | None) -> str | None:
    """Cleaned text with inner whitespace runs collapsed (``FN: Kate  Bell`` -> ``Kate Bell``)."""
    v = clean_text(value)
    if not v:
        return None
    if "  " not in v and v.isprintable():  # the only whitespace a printable text has is the space
        return v
    return _SPACES.sub(" ", v)


def _split_multi(value: str | None) -> list[str]:
    """The parts of a Google multi-value cell (``a ::: b``), cleaned, empty parts dropped."""
    if not value:
        return []
    if ":::" not in value:  # nearly every cell: one value
        v = clean_text(value)
        return [v] if v else []
    parts = value.split(":::")
    last = len(parts) - 1
    parts = [p.rstrip() if i == 0 else p.lstrip() if i == last else p.strip() for i, p in enumerate(parts)]
    return [p for p in (clean_text(x) for x in parts) if p]


def _linkedin_url(values: Iterable[str | None]) -> str | None:
    """The first LinkedIn profile URL (``linkedin.com/in/...``) found in ``values``, canonical."""
    for value in values:
        if not value or "linkedin" not in value.lower():
            continue
        for m in _LINKEDIN_IN.finditer(value.replace("\\:", ":")):
            url = canonical_linkedin_url(m.group(0))
            if url:
                return url
    return None


#: The most addresses one contact may hold: a person has a handful over a career; a card of thousands (a list
#: pasted into one contact) made identity resolution quadratic (2,000 cards of 500 addresses: 11 GB).
MAX_CONTACT_ADDRESSES = 20


def _emit(
    out: FileCollector,
    *,
    line: int | None,
    role: str,
    name: str | None,
    first_name: str | None,
    last_name: str | None,
    emails: list[str],
    linkedin_url: str | None,
    company: str | None,
    position: str | None,
) -> None:
    """One contact -> one record (used), or ignored when it names nobody and has no address or profile."""
    name, first_name, last_name = _squash(name), _squash(first_name), _squash(last_name)
    good_emails = [e for e in (clean_email(x) for x in emails) if e]
    if not (name or first_name or last_name or good_emails or linkedin_url):
        out.ignore(EMPTY)
        return
    if len(set(good_emails)) > MAX_CONTACT_ADDRESSES:
        out.reject(line, f"a contact with {len(set(good_emails))} addresses (more than {MAX_CONTACT_ADDRESSES}: a "
                         "mailing list or a merge gone wrong, not one person)")
        return
    out.record(role=role, name=name, first_name=first_name, last_name=last_name, emails=good_emails,
               linkedin_url=linkedin_url, company=company, position=position, line=line)
    out.used()


def _with_middle(given: str | None, middle: str | None) -> str | None:
    """The given name with the middle name or initial of its own field (vCard N's additional name, a CSV's
    Middle Name): "Robert J." (a middle initial that differs tells two namesakes apart, as in LinkedIn's
    First Name); the given name alone without one, and no given name from a middle name alone."""
    return f"{given} {middle}" if given and middle else given


def _role_from_labels(labels: Iterable[str]) -> str:
    """``contact_other`` for Google's auto-saved "Other Contacts" (unless also in "My Contacts")."""
    norm = {re.sub(r"[\s_*]+", "", lab).lower() for lab in labels}
    if "othercontacts" in norm and "mycontacts" not in norm:
        return ROLE_OTHER
    return ROLE


# ---- CSV address books --------------------------------------------------------------------------------
_EMAIL_COL = re.compile(r"^E-?MAIL(?: \d+)?(?: - VALUE| ADDRESS)$")  # E-mail 1 - Value / E-mail 2 Address
_DISPLAY_COL = re.compile(r"^E-?MAIL(?: \d+)? DISPLAY NAME$")  # Outlook "E-mail Display Name"
_WEB_COL = re.compile(r"WEB|URL|SITE|PROFILE|LINKEDIN")
# Columns that name OTHER people (or free text): a LinkedIn URL there is not this contact's.
_NOT_THIS_PERSON = re.compile(r"^(?:NOTES?|RELATION.*|SPOUSE|CHILDREN|MANAGER'S NAME|ASSISTANT'S NAME|REFERRED BY)$")
_NAME_COLS = ("NAME",)  # a full-name column (Google legacy, Outlook Express)
_FIRST_COLS = ("FIRST NAME", "GIVEN NAME")
_MIDDLE_COLS = ("MIDDLE NAME", "ADDITIONAL NAME")
_LAST_COLS = ("LAST NAME", "FAMILY NAME", "SURNAME")
_COMPANY_COLS = ("ORGANIZATION NAME", "ORGANIZATION 1 - NAME", "COMPANY")
_TITLE_COLS = ("ORGANIZATION TITLE", "ORGANIZATION 1 - TITLE", "JOB TITLE")
_LABEL_COLS = ("LABELS", "GROUP MEMBERSHIP", "CATEGORIES")


@dataclass(frozen=True)
class _Columns:
    """Where each field of a contacts CSV is, by column position."""

    name: list[int]
    first: list[int]
    middle: list[int]
    last: list[int]
    company: list[int]
    title: list[int]
    labels: list[int]
    emails: list[int]
    displays: list[int]
    urls: list[int]  # every column that may hold this contact's profile URL, web-ish ones first

    @classmethod
    def of(cls, keys: list[str]) -> _Columns:
        """Locate the fields in a header (normalised keys)."""
        idx: dict[str, int] = {}
        for i, k in enumerate(keys):
            idx.setdefault(k, i)

        def find(names: tuple[str, ...]) -> list[int]:
            return [idx[n] for n in names if n in idx]

        emails = [i for i, k in enumerate(keys) if _EMAIL_COL.match(k)]
        displays = [i for i, k in enumerate(keys) if _DISPLAY_COL.match(k)]
        candidates = [i for i, k in enumerate(keys) if not _NOT_THIS_PERSON.match(k)]
        urls = [i for i in candidates if _WEB_COL.search(keys[i])] + [i for i in candidates if not _WEB_COL.search(keys[i])]
        return cls(name=find(_NAME_COLS), first=find(_FIRST_COLS),
                   middle=find(_MIDDLE_COLS), last=find(_LAST_COLS), company=find(_COMPANY_COLS),
                   title=find(_TITLE_COLS), labels=find(_LABEL_COLS), emails=emails, displays=displays, urls=urls)


def _cell(cells: list[str], cols: list[int]) -> str | None:
    """The first non-empty value among ``cols`` (first part of a multi-value cell)."""
    for i in cols:
        parts = _split_multi(cells[i]) if i < len(cells) else []
        if parts:
            return parts[0]
    return None


def _display_name(display: str | None) -> str | None:
    """``John Smith (john@x.com)`` -> ``John Smith``; None when it is only an address."""
    v = clean_text(display)
    if not v:
        return None
    v = re.sub(r"(?<!\s)\s*\([^()]*@[^()]*\)\s*$", "", v).strip()  # (from a run's start: quadratic on blanks)
    if not v or clean_email(v):
        return None
    return v


def _row_linkedin_url(cells: list[str], cols: list[int]) -> str | None:
    """:func:`_linkedin_url` of the cells at ``cols``, with one look at the whole row first (nearly every row
    has no LinkedIn URL at all; "linkedin" in a cell is "linkedin" in the lower-cased row)."""
    if "linkedin" not in "\x00".join(cells).lower():
        return None
    return _linkedin_url(cells[i] for i in cols)


def _csv_row(out: FileCollector, line: int, cells: list[str], cols: _Columns, width: int) -> None:
    if wrong_width(cells, width):
        out.reject(line, f"ragged row: {len(cells)} cells, header has {width}")
        return
    emails: list[str] = []
    for i in cols.emails:
        for part in _split_multi(cells[i]):
            if clean_email(part):
                emails.append(part)
            else:  # "Bob <bob@x.com>", "a@x.com; b@x.com": a hand-edited cell's addresses
                emails.extend(m.group(0) for m in _EMAIL_IN_TEXT.finditer(part))
    # Outlook "E-mail Display Name" is `Name (addr@x)`: the only SMTP address of an Exchange (type EX) entry.
    names_from_display: list[str] = []
    for i in cols.displays:
        raw = cells[i]
        emails.extend(m.group(0) for m in _EMAIL_IN_TEXT.finditer(raw))
        if dn := _display_name(raw):
            names_from_display.append(dn)
    labels: list[str] = []
    for i in cols.labels:
        labels.extend(p for part in _split_multi(cells[i]) for p in part.split(";"))
    first, last = _with_middle(_cell(cells, cols.first), _cell(cells, cols.middle)), _cell(cells, cols.last)
    name = _cell(cells, cols.name)
    if not (name or first or last) and names_from_display:
        name = names_from_display[0]
    _emit(out, line=line, role=_role_from_labels(labels), name=name, first_name=first, last_name=last,
          emails=emails, linkedin_url=_row_linkedin_url(cells, cols.urls),
          company=_cell(cells, cols.company), position=_cell(cells, cols.title))


def _parse_csv(is_header: Callable[[list[str]], bool], layout: Callable[[list[str]], str] | None = None,
               english: Callable[[list[str]], list[str]] | None = None
               ) -> Callable[[InputFile, FileCollector], None]:
    def parse(f: InputFile, out: FileCollector) -> None:
        text = decode(f.read_bytes(), f.display)
        out.advance(f.size)
        table = read_table(text, f.display, is_header=is_header)
        keys = english(table.keys) if english is not None else table.keys
        if layout is not None:
            out.note(f"layout: {layout(keys)}")
        cols = _Columns.of(keys)
        width = len(table.keys)
        for line, cells in table.rows():
            _csv_row(out, line, cells, cols, width)
    return parse


def _sniff_keys(sniff: Sniff) -> list[str]:
    """Normalised header cells of the first non-blank line of the head ([] when the csv module cannot split it)."""
    return next((list(cells) for cells in sniff.line_cells if cells is not None), [])  # (a copy: shared)


def _is_google(keys: list[str]) -> bool:
    ks = set(keys)
    numbered = any(re.match(r"^E-MAIL \d+ - (?:LABEL|VALUE)$", k) for k in keys)
    return ("LABELS" in ks or numbered) and bool(ks & {"FIRST NAME", "LAST NAME", "ORGANIZATION NAME"}) \
        and "GIVEN NAME" not in ks


def _is_google_legacy(keys: list[str]) -> bool:
    ks = set(keys)
    numbered = any(re.match(r"^E-MAIL \d+ - (?:TYPE|VALUE)$", k) for k in keys)
    return {"GIVEN NAME", "FAMILY NAME"} <= ks and ("GROUP MEMBERSHIP" in ks or numbered)


def _is_outlook(keys: list[str]) -> bool:
    """An Outlook contacts header, in English or (:func:`_outlook_keys`) in another of Outlook's languages."""
    return _is_english_outlook(keys) or _is_english_outlook(english_keys(keys) or [])


def _is_english_outlook(keys: list[str]) -> bool:
    ks = set(keys)
    return "E-MAIL ADDRESS" in ks and bool(ks & {"FIRST NAME", "LAST NAME", "NAME"}) \
        and bool(ks & {"COMPANY", "JOB TITLE", "E-MAIL 2 ADDRESS"})


def _outlook_keys(keys: list[str]) -> list[str]:
    """An Outlook header with its columns named in English (Outlook writes them in its own language)."""
    return keys if _is_english_outlook(keys) else english_keys(keys) or keys


def _outlook_layout(keys: list[str]) -> str:
    ks = set(keys)
    if ks & {"E-MAIL TYPE", "E-MAIL DISPLAY NAME"}:
        era = "2003" if "BUSINESS COUNTRY" in ks else "2007+"
        return f"Outlook desktop ({era}, {len(keys)} columns)"
    if ks & {"IMADDRESS", "SCHOOLS", "GIVEN YOMI"}:
        return f"Outlook.com ({len(keys)} columns)"
    return f"Outlook format without e-mail types, e.g. Google's 'Outlook CSV' ({len(keys)} columns)"


# ---- vCard ----------------------------------------------------------------------------------------------
_BINARY_PROPS = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_READ_PROPS = frozenset({"VERSION", "FN", "N", "ORG", "TITLE", "EMAIL", "URL", "X-SOCIALPROFILE", "X-ABSHOWAS", "KIND",
                         "X-ADDRESSBOOKSERVER-KIND"})
GROUP = "contact group (a list of contacts, not a person)"
_OTHER_PEOPLE_PROPS = frozenset({"NOTE", "X-ABRELATEDNAMES", "RELATED", "AGENT"})  # their URLs are not this contact's
_PROP = re.compile(r"^\s*(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)")
_BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
_QP = re.compile(r"QUOTED-PRINTABLE", re.IGNORECASE)
#: base64 (vCard 3.0 ``ENCODING=b``, 2.1 ``ENCODING=BASE64`` or a bare ``BASE64``) on a property that is read
_BASE64 = re.compile(r"B|BASE64", re.IGNORECASE)
_BLOB = re.compile(r"^(?:[A-Za-z0-9_-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:][^\n]*(?:\n[ \t][^\n]*)+",
                   re.IGNORECASE | re.MULTILINE)
_QP_RUN = re.compile(r"(?:=[0-9A-Fa-f]{2})+")
_TRUNCATED = "vCard without END:VCARD (file truncated?)"  # the file's last card


def _physical_lines(f: InputFile, out: FileCollector) -> Iterator[tuple[int, str]]:
    """(1-based physical line, text without line end) of a text file, streamed in 1 MiB chunks. Lines end at
    LF; CRs before it are dropped (CRLF, and the CR CR LF some tools write). UTF-8 that does not decode falls
    back, line by line, to the CHARSET of a raw 8-bit value or to cp1252 (:func:`_decode_lines`); UTF-16 (by
    BOM or NUL pattern) is read as such."""
    head = f.head(8192)
    if looks_binary(head):
        raise InputError(f.display, "is binary data, not a text export", hint="Pass the .vcf file itself")
    enc = detect_encoding(head)
    n = 0
    rest = ""
    with f.open() as fh:
        blocks: Iterator[str]
        if enc.startswith("utf-16"):
            stream = io.TextIOWrapper(fh, encoding=enc, errors="replace", newline="\n")
            blocks = iter(lambda: stream.read(1 << 19), "")
        else:
            blocks = _utf8_blocks(fh, out)
        for block in blocks:
            if enc.startswith("utf-16"):
                out.advance(2 * len(block))
            text = rest + block
            cut = text.rfind("\n")
            if cut < 0:
                rest = text
                continue
            rest = text[cut + 1:]
            body = text[:cut]
            if n == 0:
                body = body.lstrip("\ufeff")
            # Folded base64 blobs (PHOTO ...) are most of a big address book: skip them with one regex
            # match instead of line by line; only their first line is passed on (it tells they are there).
            pos = 0
            for m in _BLOB.finditer(body):
                for line in body[pos:m.start()].split("\n")[:-1]:
                    n += 1
                    yield n, line.rstrip("\r")
                blob = m.group(0)
                yield n + 1, blob[:blob.find("\n")].rstrip("\r")
                n += blob.count("\n") + 1
                pos = m.end() + 1
            if pos <= len(body):
                for line in body[pos:].split("\n"):
                    n += 1
                    yield n, line.rstrip("\r")
    if rest:
        yield n + 1, rest.rstrip("\r").lstrip("\ufeff") if n == 0 else rest.rstrip("\r")


def _utf8_blocks(fh: IO[bytes], out: FileCollector) -> Iterator[str]:
    """Decoded text of a byte stream, cut at line ends (UTF-8, or :func:`_decode_lines` for lines that are not)."""
    rest = b""
    while True:
        chunk = fh.read(1 << 20)
        out.advance(len(chunk))
        data = rest + chunk
        cut = data.rfind(b"\n") + 1 if chunk else len(data)
        rest = data[cut:]
        if cut:
            part = data[:cut]
            try:
                yield part.decode("utf-8")
            except UnicodeDecodeError:
                yield _decode_lines(part)
        if not chunk:
            return


def _decode_lines(part: bytes) -> str:
    """Text of lines that are not all UTF-8: each line as UTF-8 if it is; else a property's raw 8-bit value
    (vCard 2.1 ``FN;CHARSET=SHIFT_JIS:...``) and its folded lines in that CHARSET (:func:`_raw_charset`); else
    (no CHARSET, an unknown one, or bytes that are not in it) as cp1252."""
    if b"CHARSET" not in part.upper():  # (nearly every file: each line UTF-8, else cp1252)
        return "".join(_decode_line(raw) for raw in part.splitlines(keepends=True))
    texts = []
    charset: str | None = None  # the CHARSET of the current property's raw value, for its folded lines
    for raw in part.splitlines(keepends=True):
        folded = raw[:1] in (b" ", b"\t") or not raw.strip()  # (a blank line does not end the property)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            head = ""  # a property's name and parameters (ASCII), before the colon
            if not folded:
                head = _split_property(raw.decode("latin-1"))[0]  # (latin-1: one character per byte)
                charset = _raw_charset(head) if head.isascii() and len(head) < len(raw) else None
            start = len(head) + 1 if head else 0
            value = _charset_text(raw[start:], charset) if charset is not None else None
            text = raw.decode("cp1252", errors="replace") if value is None else raw[:start].decode("ascii") + value
        else:
            if not folded:
                charset = _raw_charset(_split_property(text)[0]) if "CHARSET" in text.upper() and ":" in text \
                    else None
        texts.append(text)
    return "".join(texts)


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


#: The Windows supersets of East Asian charsets (as the WHATWG Encoding Standard reads these labels): the
#: names phones write, for bytes of the vendors' extensions (髙 and 﨑 of Japanese names are in cp932 only).
_SUPERSETS = {"shift_jis": "cp932", "gb2312": "gbk", "euc_kr": "cp949"}


@functools.lru_cache(maxsize=64)
def _codec(name: str) -> str | None:
    """Python's name of the codec of a CHARSET, if it is known and reads ASCII as ASCII (not UTF-16 or EBCDIC)."""
    try:
        ok = b"FN;X=y:a b\r\n".decode(name) == "FN;X=y:a b\r\n"  # (LookupError for bytes-to-bytes codecs too)
    except (LookupError, ValueError):  # (ValueError: UnicodeError, of punycode and idna too)
        return None
    return codecs.lookup(name).name if ok else None


def _raw_charset(head: str) -> str | None:
    """The codec of a property's CHARSET parameter when its value is raw 8-bit text (not quoted-printable or
    base64, which are decoded later); None without one or for an unknown one."""
    if "CHARSET" not in head.upper() or _QP.search(head) or _is_base64(head):
        return None
    charset = None
    for p in head.split(";")[1:]:
        key, _, val = p.partition("=")
        if key.strip().upper() == "CHARSET":
            charset = val.strip().strip('"')
    return _codec(charset) if charset else None


def _charset_text(data: bytes, charset: str) -> str | None:
    """``data`` decoded in ``charset`` (or its Windows superset, :data:`_SUPERSETS`); None when it is not."""
    for enc in (charset, _SUPERSETS.get(codecs.lookup(charset).name)):
        if enc is not None:
            try:
                return data.decode(enc)
            except (LookupError, ValueError):
                continue
    return None


def _split_property(line: str) -> tuple[str, str]:
    """(name;params, value) at the first colon outside double quotes."""
    i = line.find(":")
    if i >= 0 and '"' not in line[:i]:  # nearly every line: no quote before the first colon
        return line[:i], line[i + 1:]
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], line[i + 1:]
    return line, ""


def _encoded_head(head: str, encoding: re.Pattern[str]) -> tuple[str, str]:
    """A property's name and parameters without its ENCODING (``encoding`` matching its value, or a bare
    vCard 2.1 parameter) and CHARSET; and that charset (UTF-8 when none is given or it is unknown)."""
    parts = head.split(";")
    charset = "utf-8"
    kept = [parts[0]]
    for p in parts[1:]:
        key, _, val = p.partition("=")
        k = key.strip().upper()
        if k == "CHARSET":
            charset = val.strip().strip('"') or charset
            continue
        if encoding.fullmatch(p.strip()) or (k == "ENCODING" and encoding.fullmatch(val.strip().strip('"'))):
            continue
        kept.append(p)
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return ";".join(kept), charset


def _text_of(data: bytes, charset: str) -> str:
    """Decoded bytes of a text value: its CHARSET (:func:`_charset_text`), else UTF-8, else Windows-1252."""
    text = _charset_text(data, charset)
    if text is not None:
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _plain_line(head: str, text: str) -> str:
    """A decoded value as a vCard line (its line ends written as the escaped ``\\n`` of vCard text)."""
    return head + ":" + text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _decode_qp(line: str) -> str:
    """A quoted-printable property (soft line breaks already joined) as a plain vCard line: the value decoded
    with its CHARSET (falling back to UTF-8, then cp1252), ENCODING and CHARSET parameters removed."""
    head, value = _split_property(line)
    head, charset = _encoded_head(head, _QP)
    return _plain_line(head, _QP_RUN.sub(lambda m: _text_of(bytes.fromhex(m.group(0).replace("=", "")), charset),
                                         value))


def _is_base64(head: str) -> bool:
    """Whether a property's name and parameters say its value is base64."""
    for p in head.split(";")[1:]:
        key, _, val = p.partition("=")
        if _BASE64.fullmatch(p.strip()) or (key.strip().upper() == "ENCODING"
                                            and _BASE64.fullmatch(val.strip().strip('"'))):
            return True
    return False


def _decode_base64(lines: list[str]) -> str | None:
    """A base64 text property (``FN;ENCODING=b:``, vCard 2.1 ``N;BASE64:``; its folded lines) as a plain vCard
    line, decoded as :func:`_decode_qp` does; None when the value is not base64 (dropped: no name rather than
    a name of base64 letters)."""
    head, value = _split_property(lines[0])
    value = "".join([value, *(ln.strip() for ln in lines[1:])])
    head, charset = _encoded_head(head, _BASE64)
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except ValueError:
        return None
    return _plain_line(head, _text_of(data, charset))


@dataclass
class _Card:
    """The lines of one BEGIN:VCARD ... END:VCARD block as handed to vobject."""

    line: int  # physical line of BEGIN:VCARD
    lines: list[str]


def _vcard_blocks(lines: Iterable[tuple[int, str]]) -> Iterator[_Card | tuple[int, str]]:
    """Split a vCard file into cards: a :class:`_Card`, or (line of BEGIN, reason) for a card that cannot be
    delimited. Text outside cards is skipped. Only the properties that are read (and any property that mentions
    LinkedIn) are passed on: binary blobs, phones, addresses, notes and embedded AGENT cards are dropped here,
    which keeps big address books fast. A line that is not a property at all (no colon) is passed on, so that
    vobject rejects the card. Quoted-printable values are joined across soft line breaks and decoded."""
    card: _Card | None = None
    depth = 0
    skipping = False  # inside a dropped binary property (its folded or 2.1 unindented base64 lines)
    keep = False  # the current property is passed on
    qp = False  # the current property is quoted-printable (decoded once it is complete)
    soft_break = False  # ... and its last line ended in a QP soft line break (`=`)
    last_prop = ""

    b64 = -1  # the current property is base64 text: where its first line is in card.lines (decoded when complete)

    def finish() -> None:
        """Decode the last passed-on property if it is quoted-printable or base64."""
        if card is not None and keep and qp:
            card.lines[-1] = _decode_qp(card.lines[-1])
        elif card is not None and keep and b64 >= 0:
            decoded = _decode_base64(card.lines[b64:])
            card.lines[b64:] = [] if decoded is None else [decoded]

    for n, line in lines:
        if card is None:
            if _BEGIN.match(line):
                card, depth, last_prop = _Card(n, [line]), 1, "BEGIN"
                skipping = keep = qp = soft_break = False
            continue
        if soft_break and (_END.match(line) or _BEGIN.match(line)):
            soft_break = False  # a stray `=` at the end of the card's last value
        if soft_break:  # the physical line continues the QP value whatever it starts with
            soft_break = line.endswith("=")
            if keep:
                card.lines[-1] = card.lines[-1][:-1] + line
            continue
        if skipping:
            if not line.strip() or line[0] in " \t" or ":" not in line:
                continue
            skipping = False
        if not line.strip():
            continue
        if line[0] in " \t":  # folded continuation of the current property
            if keep and depth == 1:
                if qp:  # some 2.1 writers fold QP values: unfold here, before decoding
                    card.lines[-1] += line[1:]
                    soft_break = line.endswith("=")
                else:
                    card.lines.append(line)
            continue
        finish()
        keep = qp = False
        b64 = -1
        if _END.match(line):
            depth -= 1
            if depth == 0:
                card.lines.append(line)
                yield card
                card = None
            continue
        if _BEGIN.match(line):
            if last_prop == "AGENT":  # vCard 2.1 embeds the agent's card after `AGENT:`; it is not read
                depth += 1
                continue
            yield card.line, "vCard without END:VCARD"
            card, depth, skipping, last_prop = _Card(n, [line]), 1, False, "BEGIN"
            continue
        if depth > 1:
            continue
        m = _PROP.match(line)
        last_prop = m.group(1).upper() if m else ""
        if last_prop in _BINARY_PROPS:
            skipping = True
            continue
        keep = ":" not in line or last_prop in _READ_PROPS or (
            last_prop not in _OTHER_PEOPLE_PROPS and "linkedin" in line.lower())
        head = _split_property(line)[0]
        qp = bool(_QP.search(head))
        soft_break = qp and line.endswith("=")
        if keep:
            if not qp and _is_base64(head):
                b64 = len(card.lines)
            card.lines.append(line)
    if card is not None:
        yield card.line, _TRUNCATED


def _text(value: Any) -> str | None:
    """A vobject value (str, list of str, or structured part) as one string."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return _squash(" ".join(str(v) for v in value if v))
    if isinstance(value, bytes):
        return None
    return _squash(str(value))


def _contents(card: Any, name: str) -> list[Any]:
    return list(card.contents.get(name, []))


def _vcard_record(card: Any, line: int, out: FileCollector) -> None:
    """Fields of one parsed card -> one record (none for a group card: iCloud's X-ADDRESSBOOKSERVER-KIND:group,
    vCard 4.0 KIND:group; its name is the group's, such as "Friends")."""
    kinds = _contents(card, "kind") + _contents(card, "x-addressbookserver-kind")
    if any((_text(cl.value) or "").lower() == "group" for cl in kinds):
        out.ignore(GROUP)
        return
    fn = next((t for cl in _contents(card, "fn") if (t := _text(cl.value))), None)
    import vobject  # imported with the first card, not at start-up (a run without vCards never needs it)

    first = last = None
    for cl in _contents(card, "n"):
        v = cl.value
        if isinstance(v, vobject.vcard.Name):
            first, last = _with_middle(_text(v.given), _text(v.additional)), _text(v.family)
        elif isinstance(v, str):
            parts = v.split(";")
            last, first = _text(parts[0]), _text(parts[1]) if len(parts) > 1 else None
            first = _with_middle(first, _text(parts[2]) if len(parts) > 2 else None)
        if first or last:
            break
    # An Apple company card (X-ABShowAs:COMPANY) or a vCard 4.0 KIND:org has the company as FN.
    show_as = {(_text(cl.value) or "").upper() for cl in _contents(card, "x-abshowas") + _contents(card, "kind")}
    if show_as & {"COMPANY", "ORG", "ORGANIZATION"} and not (first or last):
        fn = None
    company = None
    for cl in _contents(card, "org"):
        v = cl.value
        first_part = v[0] if isinstance(v, list | tuple) and v else v if isinstance(v, str) else None
        if isinstance(first_part, str) and ";" in first_part:
            first_part = first_part.split(";")[0]
        if company := _text(first_part):
            break
    title = next((t for cl in _contents(card, "title") if (t := _text(cl.value))), None)
    emails = [t for cl in _contents(card, "email") if (t := _text(cl.value))]
    url = None
    for cl in _contents(card, "x-socialprofile"):
        value = _text(cl.value) or ""
        url = _linkedin_url([value])
        types = {t.lower() for t in cl.params.get("TYPE", [])}
        user = (cl.params.get("X-USER") or [None])[0]
        if not url and "linkedin" in types and user and re.fullmatch(r"[\w%.-]+", user):
            url = canonical_linkedin_url(f"https://www.linkedin.com/in/{user}")
        if url:
            break
    if url is None:
        url = _linkedin_url(_text(cl.value) for cl in _contents(card, "url"))
    if url is None:
        others = [cl.value for key, cls in sorted(card.contents.items())
                  if key.upper() not in _OTHER_PEOPLE_PROPS for cl in cls]
        url = _linkedin_url(v for v in others if isinstance(v, str))
    _emit(out, line=line, role=ROLE, name=fn, first_name=first, last_name=last, emails=emails,
          linkedin_url=url, company=company, position=title)


#: Single text values that writers leave with bare commas (vCard 2.1 has no comma escape; many 3.0 writers omit
#: it): read as written, not as a list of which only the first item is kept (``FN:Smith, Robert`` was "Smith").
_WHOLE_TEXT_PROPS = frozenset({"FN", "TITLE"})
_ESCAPE_OR_COMMA = re.compile(r"\\.|,", re.DOTALL)


def _commas_kept(lines: list[str]) -> list[str]:
    """The card's lines with the bare commas of its FN and TITLE values escaped (``\\,``), those properties
    unfolded onto one line; other lines as they are."""
    if not any("," in ln for ln in lines):
        return lines
    out: list[str] = []
    wholes: list[int] = []  # indices in ``out`` of the FN/TITLE properties, the last one still being unfolded
    for line in lines:
        if line[:1] in (" ", "\t") and wholes and wholes[-1] == len(out) - 1:
            out[-1] += line[1:]
            continue
        if line[:1] not in (" ", "\t") and (m := _PROP.match(line)) \
                and m.group(1).upper() in _WHOLE_TEXT_PROPS and ":" in line:
            wholes.append(len(out))
        out.append(line)
    for i in wholes:
        head, value = _split_property(out[i])
        if "," in value:
            out[i] = head + ":" + _ESCAPE_OR_COMMA.sub(lambda e: "\\," if e.group(0) == "," else e.group(0), value)
    return out


def _parse_vcard(f: InputFile, out: FileCollector) -> None:
    """Read a .vcf file card by card: plain cards directly (:func:`vcard_plain.plain_card`), the others with
    vobject. A file in which no card ends (a truncated export) is an error: nothing of it can be used."""
    ended = False  # a card ended (END:VCARD): the file is not one truncated card
    for item in _vcard_blocks(_physical_lines(f, out)):
        if isinstance(item, tuple):
            if not ended and item[1] == _TRUNCATED:
                raise InputError(f.display, f"is truncated: no vCard in it ends (the one on line {item[0]} has no "
                                 "END:VCARD)", hint="Export the file again")
            out.reject(*item)
            continue
        ended = True
        item.lines = _commas_kept(item.lines)
        plain = plain_card(item.lines)
        if plain is not None:
            _vcard_record(plain, item.line, out)
            continue
        import vobject

        try:
            card = vobject.readOne("\r\n".join(item.lines) + "\r\n", transform=True)
        except Exception as exc:  # vobject raises many kinds on malformed input; one card must not stop the file
            log.debug("%s:%d: vobject: %s", f.display, item.line, exc)
            out.reject(item.line, "malformed vCard (a property line cannot be read)")
            continue
        _vcard_record(card, item.line, out)


def _is_vcard(sniff: Sniff) -> bool:
    for raw in sniff.text.split("\n", 20)[:20]:
        if raw.strip():
            return bool(_BEGIN.match(raw.rstrip("\r")))
    return False


# ---- registration ---------------------------------------------------------------------------------------
register(Parser(
    kind="contacts.vcard",
    label="vCard address book (.vcf, versions 2.1/3.0/4.0: iCloud, macOS/iOS Contacts, Google, Outlook, Android)",
    export_help="iCloud.com or macOS Contacts: select all, File > Export > Export vCard; Google Contacts: "
                "Export > vCard; Outlook: save contacts as .vcf",
    matches=_is_vcard,
    parse=_parse_vcard,
))
register(Parser(
    kind="contacts.google_csv",
    label="Google Contacts CSV (contacts.google.com, 'Google CSV')",
    export_help="contacts.google.com > Export > Google CSV (include 'Other contacts' for people you emailed)",
    matches=lambda s: _is_google(_sniff_keys(s)),
    parse=_parse_csv(_is_google),
))
register(Parser(
    kind="contacts.google_legacy_csv",
    label="Google Contacts CSV, legacy layout (before 2021; often UTF-16)",
    export_help="Old Google Contacts manager: More > Export > Google CSV",
    matches=lambda s: _is_google_legacy(_sniff_keys(s)),
    parse=_parse_csv(_is_google_legacy),
))
register(Parser(
    kind="contacts.outlook_csv",
    label="Outlook contacts CSV (Outlook desktop incl. 2003, Outlook.com, Google's 'Outlook CSV'; in any of "
          "Outlook's languages)",
    export_help="Outlook: File > Open & Export > Import/Export > Export to a file > Comma Separated Values > "
                "Contacts; Outlook.com: People > Manage > Export contacts",
    matches=lambda s: _is_outlook(_sniff_keys(s)),
    parse=_parse_csv(_is_outlook, _outlook_layout, _outlook_keys),
))
register(Parser(
    kind="contacts.linkedin_legacy_csv",
    label="LinkedIn connections exported before 2017 in Outlook CSV format",
    export_help="Old LinkedIn 'Export connections' page (linkedin_connections_export_microsoft_outlook.csv)",
    matches=lambda s: "linkedin" in s.name and _is_outlook(_sniff_keys(s)),
    parse=_parse_csv(_is_outlook, english=_outlook_keys),
    priority=1,
))
