"""Date parsing for every format the exports use, to timezone-aware UTC datetimes.

Dates without a zone (LinkedIn's ``M/D/YY, h:mm AM`` and ``DD Mon YYYY``) are taken as UTC: LinkedIn does not
say, and a day's error does not change a relationship's history. Impossible dates return None (the caller
rejects the row).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TypeVar

import polars as pl

T = TypeVar("T")

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTHS["sept"] = 9

# numeric dates: month first with slashes (LinkedIn's own M/D/YY), day first with dots (a European spreadsheet
# that re-saved the file); slashes are day first too when the file's column says so (day_first_dates)
_US_DT = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{2}|\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_US_D = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{2}|\d{4})$")
_SLASH_DATE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(?:\d{2}|\d{4})\b")
_D_MON_Y = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,4})[a-z]*\.?[ ,-]*(\d{2}|\d{4})$")
_MON_D_Y = re.compile(r"^([A-Za-z]{3,4})[a-z]*\.? (\d{1,2}),? (\d{4})$")
_MON_Y = re.compile(r"^([A-Za-z]{3,4})[a-z]* (\d{4})$")
_YMD_HMS = re.compile(r"^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(UTC|Z|GMT|[+-]\d{2}:?\d{2})?$",
                     re.IGNORECASE)  # ("utc": a spreadsheet's or a script's lower case)
_YEAR = re.compile(r"^(\d{4})$")
# A date with its month in words, or an ISO date, then a time of day (12-hour with AM/PM, or 24-hour) and perhaps a
# zone: what spreadsheets, message traces and contact managers write ("March 1, 2024 10:00 PM EST", "Friday, 1
# March 2024 at 22:00", "1-Mar-2024 10:00 PM", "Mar 1 2024 10:00PM", "2024-03-01 10:00 PM"). The mail parser of the
# standard library took such AM/PM for a zone: 10 PM was read as 10:00, twelve hours early.
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
# (each run of blanks belongs to what follows it: "\s*(pm)?\s*(zone)?" backtracked quadratically over a run of
# blanks before something that is neither, 200,000 blanks for minutes)
_CLOCK = (r"(?:,?\s+(?:at\s+)?|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([ap]\.?m\.?))?"
          r"(?:\s*(z|utc|gmt|ut|[ecmp][sd]t|[+-]\d{2}:?\d{2}))?")
#: A date longer than this is not one of :data:`_TEXT_DT`'s (the longest, a weekday and month in full with a
#: time and a zone, is under 50 characters): a long cell is not matched against them.
_TEXT_DT_MAX = 80
_TEXT_DT = (
    ("mdy", re.compile(rf"^{_WEEKDAY}([a-z]{{3,9}})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}}){_CLOCK}$", re.I)),
    ("dmy", re.compile(rf"^{_WEEKDAY}(\d{{1,2}})(?:st|nd|rd|th)?[ -]([a-z]{{3,9}})\.?[ ,-]+(\d{{4}}|\d{{2}}){_CLOCK}$",
                       re.I)),
    ("ymd", re.compile(rf"^(\d{{4}})-(\d{{2}})-(\d{{2}}){_CLOCK}$", re.I)),
)
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
# RFC 5322's zone names (North American), the only ones with one meaning; any other name is no date's zone
_ZONE_HOURS = {"z": 0, "ut": 0, "utc": 0, "gmt": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
               "mdt": -6, "pst": -8, "pdt": -7}

MIN_YEAR = 1970
MAX_YEAR = 2100
#: The largest UTC offset any place uses (+14:00, Kiribati); a larger one is no zone.
MAX_OFFSET_HOURS = 14


def outside_years(day: date) -> str | None:
    """Why ``day`` cannot be "today" of a run (or of a report): outside the years dates are read in; else None."""
    if MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    return f"{day.isoformat()} is outside the years the exports' dates are read in ({MIN_YEAR}-{MAX_YEAR})"


def _year(y: str) -> int:
    v = int(y)
    if len(y) == 2:
        v += 2000 if v < 70 else 1900
    return v


def _mk(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, tz: str | None = None) -> datetime | None:
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return None
    try:
        dt = datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None
    if tz and tz.lower() in _ZONE_HOURS:
        offset = _ZONE_HOURS[tz.lower()] * 60
    elif tz:
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4])
        # an offset no place has (+9999): the zone is unknown, the time read as UTC (as in mail dates)
        offset = 0 if hours > MAX_OFFSET_HOURS or minutes > 59 else sign * (hours * 60 + minutes)
    else:
        return dt
    return dt - timedelta(minutes=offset)


def _month(word: str) -> int | None:
    """The month a word names: its full English name or any abbreviation of it of 3 letters or more ("Sept",
    "Mar."), any case; None otherwise ("Mayday")."""
    w = word.lower().rstrip(".")
    if len(w) < 3:
        return None
    return next((i for i, name in enumerate(_MONTH_NAMES, start=1) if name.startswith(w)), None)


def _text_datetime(s: str) -> tuple[bool, datetime | None]:
    """Whether ``s`` has one of :data:`_TEXT_DT`'s shapes, and then the moment it names as aware UTC (None when it
    is no moment: 13 PM, 31 February, an unknown month)."""
    for order, rx in _TEXT_DT:
        m = rx.match(s)
        if m is None:
            continue
        a, b, c, h, mi, sec, ampm, tz = m.groups()
        if order == "mdy":
            mo, d, y = _month(a), int(b), int(c)
        elif order == "dmy":
            mo, d, y = _month(b), int(a), _year(c)
        else:
            mo, d, y = int(b), int(c), int(a)
        hour = int(h)
        if ampm:
            if not 1 <= hour <= 12:
                return True, None
            hour = hour % 12 + (12 if ampm[0].lower() == "p" else 0)
        return True, _mk(y, mo, d, hour, int(mi), int(sec or 0), tz) if mo else None
    return False, None


@lru_cache(maxsize=200_000)
def parse_datetime(value: str | None, day_first: bool = False) -> datetime | None:
    """Parse any supported date/time string to an aware UTC datetime; None if empty or impossible.
    ``day_first``: numeric dates with slashes are day first (``16/12/2024``; see :func:`day_first_dates`)."""
    if not value:
        return None
    s = value.strip().replace("\u202f", " ").replace("\xa0", " ")
    if not s:
        return None
    m = _YMD_HMS.match(s)
    if m:
        y, mo, d, h, mi, sec, tz = m.groups()
        return _mk(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), tz)
    m = _US_DT.match(s)
    if m:
        mo, sep, d, y, h, mi, sec, ampm = m.groups()
        if day_first or sep == ".":
            mo, d = d, mo
        hour = int(h)
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
        return _mk(_year(y), int(mo), int(d), hour, int(mi), int(sec or 0))
    m = _US_D.match(s)
    if m:
        mo, sep, d, y = m.groups()
        if day_first or sep == ".":
            mo, d = d, mo
        return _mk(_year(y), int(mo), int(d))
    m = _D_MON_Y.match(s)
    if m:
        d, mon, y = m.groups()
        mo = _MONTHS.get(mon.lower()[:4]) or _MONTHS.get(mon.lower()[:3])
        return _mk(_year(y), mo, int(d)) if mo else None
    m = _MON_D_Y.match(s)
    if m:
        mon, d, y = m.groups()
        mo = _MONTHS.get(mon.lower()[:3])
        return _mk(int(y), mo, int(d)) if mo else None
    m = _MON_Y.match(s)
    if m:
        mon, y = m.groups()
        mo = _MONTHS.get(mon.lower()[:3])
        return _mk(int(y), mo, 1) if mo else None
    m = _YEAR.match(s)
    if m:
        return _mk(int(m.group(1)), 1, 1)
    shaped, got = _text_datetime(s) if len(s) <= _TEXT_DT_MAX else (False, None)
    if shaped:
        return got
    return parse_rfc5322(s)


def parse_rfc5322(value: str) -> datetime | None:
    """An RFC 5322 mail date (``Tue, 08 Aug 2023 12:36:28 +0200``) as aware UTC; None if unreadable or out of
    range. A date without a zone is taken as UTC."""
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return dt if MIN_YEAR <= dt.year <= MAX_YEAR else None


def parse_date(value: str | None, day_first: bool = False) -> date | None:
    """Like :func:`parse_datetime` but returns the calendar date."""
    dt = parse_datetime(value, day_first)
    return dt.date() if dt else None


def day_first_dates(values: Iterable[str | None]) -> bool:
    """Whether the numeric dates with slashes of one column (``values``) are written day first.

    LinkedIn writes them month first (``12/16/24``); a spreadsheet program that re-saved the file may have
    written them in its locale's order (``16/12/2024``). The column as a whole decides: day first when some
    date's first number is above 12 and no date's second number is; otherwise month first, as LinkedIn writes
    them (a column whose every day is 12 or less cannot tell, and is read as LinkedIn's)."""
    first_big = second_big = False
    for value in values:
        if value and (m := _SLASH_DATE.match(value)):
            first_big = first_big or int(m[1]) > 12
            second_big = second_big or int(m[2]) > 12
    return first_big and not second_big


def column_parser(cells: pl.Series, parse: Callable[..., T]) -> Callable[[str], T]:
    """``parse`` (:func:`parse_date` or :func:`parse_datetime`) for the cells of one date column: numeric dates
    with slashes are read day first when the column shows that a spreadsheet re-saved them so
    (:func:`day_first_dates`)."""
    return functools.partial(parse, day_first=day_first_dates(cells.unique().to_list()))


def parse_day(value: str) -> date:
    """A run's date written ``YYYY-MM-DD`` (``--as-of``, ``as_of=``); :class:`ValueError` naming the value when it
    is no such day ("2025-02-29", "2026/11/01")."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"{value!r} is not a day in the form YYYY-MM-DD") from None
