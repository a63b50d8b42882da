"""Pure helpers that render dates, headers and CSV text in the exact shapes of the real exports."""

from __future__ import annotations

import base64
import csv
import io
import time
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

from .pools import _TZ_NAMES

# ---------------------------------------------------------------------------------------------------------------
# Small helpers (pure)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY = 86_400
_YEAR = 365 * _DAY
_ORD_1970 = date(1970, 1, 1).toordinal()
_ASCII_MAP = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "đ": "d",
                            "Đ": "D", "ı": "i", "œ": "oe", "þ": "th"})


def _epoch(d: date, seconds: int = 0) -> int:
    return (d.toordinal() - _ORD_1970) * _DAY + seconds


def _to_date(ts: int) -> date:
    return date.fromordinal(_ORD_1970 + ts // _DAY)


def _ascii(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.translate(_ASCII_MAP))
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def _alnum(s: str) -> str:
    return "".join(ch for ch in _ascii(s).lower() if ch.isalnum())


def _canonical_url(slug: str) -> str:
    return f"https://www.linkedin.com/in/{slug.lower()}"


def _li_date(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def _conn_date(d: date) -> str:
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _us_short(ts: int, pad: bool) -> str:
    """`3/7/26, 1:07 PM` (pad=False) or `05/14/24, 10:03 AM` (pad=True)."""
    t = time.gmtime(ts)
    h12 = t.tm_hour % 12 or 12
    ampm = "AM" if t.tm_hour < 12 else "PM"
    if pad:
        return f"{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_year % 100:02d}, {h12:02d}:{t.tm_min:02d} {ampm}"
    return f"{t.tm_mon}/{t.tm_mday}/{t.tm_year % 100:02d}, {h12}:{t.tm_min:02d} {ampm}"


def _endorse_date(ts: int) -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S UTC", time.gmtime(ts))


def _from_line(gmid: int, ts: int) -> str:
    t = time.gmtime(ts)
    return (f"From {gmid}@xxx {_WDAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000 {t.tm_year}\n")


def _rfc_date(ts: int, style: str, tz: int) -> str:
    """An RFC 5322 Date value in one of the forms real clients write."""
    if style in ("outlook", "bulk", "bulk_paren", "yahoo"):
        tz = 0
    t = time.gmtime(ts + tz * 60)
    sign = "-" if tz < 0 else "+"
    off = f"{sign}{abs(tz) // 60:02d}{abs(tz) % 60:02d}"
    hms = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    wd, mon = _WDAYS[t.tm_wday], _MONTHS[t.tm_mon - 1]
    if style == "gmail" or style == "outlook":
        return f"{wd}, {t.tm_mday} {mon} {t.tm_year} {hms} {off}"
    if style == "apple":
        name = _TZ_NAMES.get(tz)
        tail = f" ({name})" if name and tz else ""
        return f"{wd}, {t.tm_mday:02d} {mon} {t.tm_year} {hms} {off}{tail}"
    if style == "yahoo":
        return f"{wd}, {t.tm_mday} {mon} {t.tm_year} {hms} +0000 (UTC)"
    if style == "bulk":
        return f"{wd}, {t.tm_mday:02d} {mon} {t.tm_year} {hms} GMT"
    if style == "bulk_paren":
        return f"{wd}, {t.tm_mday:02d} {mon} {t.tm_year} {hms} +0000 (GMT)"
    return f"{t.tm_mday} {mon} {t.tm_year} {hms} {off}"          # "bare": no weekday


def _encoded_words(s: str, b64: bool) -> str:
    """RFC 2047 encoded words (UTF-8), split so that each word stays under 76 characters, folded."""
    words: list[str] = []
    if b64:
        chunk = ""
        for ch in s:
            if len((chunk + ch).encode()) > 42:
                words.append("=?UTF-8?B?" + base64.b64encode(chunk.encode()).decode() + "?=")
                chunk = ""
            chunk += ch
        if chunk:
            words.append("=?UTF-8?B?" + base64.b64encode(chunk.encode()).decode() + "?=")
    else:
        cur = ""
        for ch in s:
            if ch == " ":
                enc = "_"
            elif ch.isascii() and (ch.isalnum() or ch in "!*+-/"):
                enc = ch
            else:
                enc = "".join(f"={x:02X}" for x in ch.encode())
            if len(cur) + len(enc) > 60:
                words.append("=?UTF-8?Q?" + cur + "?=")
                cur = ""
            cur += enc
        if cur:
            words.append("=?UTF-8?Q?" + cur + "?=")
    return "\n ".join(words)


_SPECIALS = set(',;:@<>()[]".\\')


def _fold(items: Sequence[str]) -> str:
    """Join address items with ', ' folding lines at about 76 columns (continuation lines start with a space)."""
    out: list[str] = []
    width = 4
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if out and width + len(piece) + 1 > 76:
            out.append("\n " + piece)
            width = 1 + len(piece)
        else:
            out.append((" " if out else "") + piece)
            width += len(piece) + 1
    return "".join(out)


def _escape_from(text: str) -> str:
    """Gmail's mbox escaping: body lines starting with `From ` (or `>From `) get one more `>`."""
    lines = text.split("\n")
    return "\n".join(">" + ln if ln.lstrip(">").startswith("From ") else ln for ln in lines)


def _csv_text(rows: Iterable[Sequence[str]], header: Sequence[str] | None = None, *, quote_all: bool = False,
              newline: str = "\n", trailing: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    text = buf.getvalue()
    return text if trailing else text[: -len(newline)] if text.endswith(newline) else text
