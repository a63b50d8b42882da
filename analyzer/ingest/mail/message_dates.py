"""Mail dates: the Date header (RFC 5322 and the variants old mailers write) and the mbox separator line, one
value at a time (``parse_mail_date``, ``separator_date``) and vectorised over a column (``vector_dates``)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pyarrow as pa

from analyzer.ingest.dates import MAX_OFFSET_HOURS, MAX_YEAR, MIN_YEAR, parse_datetime, parse_rfc5322
from analyzer.ingest.mail.addresses import _text, _unfold
from analyzer.ingest.mail.mbox_scan import int64_arrow

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# One value at a time
# ------------------------------------------------------------------------------------------------------------

_MON = {m: i for i, m in enumerate(
    (b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"), start=1)}
_TZ = {b"gmt": 0, b"ut": 0, b"utc": 0, b"z": 0, b"est": -300, b"edt": -240, b"cst": -360, b"cdt": -300,
       b"mst": -420, b"mdt": -360, b"pst": -480, b"pdt": -420, b"cet": 60, b"cest": 120, b"bst": 60}
_RFC_DATE = re.compile(
    rb"\s*(?:[A-Za-z]{2,9},?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})"
    rb"(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp])\.?[Mm]\.?(?![A-Za-z]))?"
    rb"\s*(?:(?:GMT|UTC?)(?=[+-]\d\d:?\d\d))?([+-]\d\d:?\d\d|[A-Za-z]{1,5})?")
# Separator dates: ctime "Mon Aug 28 18:38:57 2023" and Gmail's "Tue Aug 08 12:36:29 +0000 2023".
_SEP_DATE = re.compile(
    rb"([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([+-]\d{4}|[A-Za-z]{1,5})\s+)?(\d{4})")
_OFFSETS: dict[int, timedelta] = {}
_LEAP = timedelta(seconds=1)


def _mk(y: int, mo: int, d: int, h: int, mi: int, s: int, tz: bytes | None) -> datetime | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    if tz is None:
        off = 0
    elif tz[:1] in (b"+", b"-"):
        hours, minutes = int(tz[1:3]), int(tz[3:5])
        # an offset no place has (+9999, a broken mailer's): the zone is unknown, the time read as UTC (RFC 5322's
        # -0000), not shifted by four days
        off = 0 if hours > MAX_OFFSET_HOURS or minutes > 59 else (hours * 60 + minutes) * (-1 if tz[:1] == b"-" else 1)
    else:
        off = _TZ.get(tz.lower(), 0)
    leap = s == 60  # a leap second is read as the next minute's first, as the vectorised reading does
    try:
        dt = datetime(y, mo, d, h, mi, s - leap, tzinfo=UTC)
    except ValueError:
        return None
    if leap:
        dt += _LEAP
    if off:
        delta = _OFFSETS.get(off)
        if delta is None:
            delta = _OFFSETS[off] = timedelta(minutes=off)
        dt -= delta
    return dt


_DAY_BASES: dict[tuple[bytes, bytes, bytes, bytes], datetime | None] = {}


def _day_base(d: bytes, mon: bytes, y: bytes, tz: bytes) -> datetime | None:
    """Midnight of a (day, month name, year, zone) as UTC, or None; memoised (many messages share a day)."""
    key = (d, mon, y, tz)
    try:
        return _DAY_BASES[key]
    except KeyError:
        pass
    base = None
    mo = _MON.get(mon[:3].lower())
    if mo and d.isdigit() and y.isdigit() and len(d) <= 2:
        year = int(y)
        if len(y) == 2:
            year += 2000 if year < 50 else 1900
        elif len(y) == 3:
            year += 1900
        base = _mk(year, mo, int(d), 0, 0, 0, tz or None) if (not tz or _TZ_OK.match(tz)) else None
    if len(_DAY_BASES) > 50_000:
        _DAY_BASES.clear()
    _DAY_BASES[key] = base
    return base


_TIMES: dict[bytes, timedelta] = {}  # "HH:MM:SS" -> offset in the day (at most 86,400 entries)
_TZ_OK = re.compile(rb"^(?:[+-]\d{4}|[A-Za-z]{1,5})$")


def parse_mail_date(value: bytes) -> datetime | None:
    """An RFC 5322 ``Date`` header value as an aware UTC datetime, or None if unusable."""
    parts = value.split()
    if parts and not parts[0][:1].isdigit():  # weekday, with or without its comma
        parts = parts[1:]
    if len(parts) >= 4 and (len(parts) < 5 or parts[4].lower() not in (b"am", b"pm")):
        base = _day_base(parts[0], parts[1], parts[2], parts[4] if len(parts) > 4 else b"")
        if base is not None:
            t = parts[3]
            delta = _TIMES.get(t)
            # (each field checked on its own: ":2:00:00" has the colons in place and digits elsewhere)
            if delta is None and len(t) == 8 and t[2] == 58 and t[5] == 58 \
                    and t[:2].isdigit() and t[3:5].isdigit() and t[6:].isdigit() \
                    and int(t[:2]) < 24 and int(t[3:5]) < 60 and int(t[6:]) < 61:
                delta = _TIMES[t] = timedelta(seconds=int(t[:2]) * 3600 + int(t[3:5]) * 60 + int(t[6:]))
            if delta is not None:
                return base + delta
    m = _RFC_DATE.match(value)
    if m:
        d, mon, y, h, mi, s, ap, tz = m.groups()
        mo = _MON.get(mon.lower())
        hour = int(h)
        if ap:  # a 12-hour clock ("10:00:00 PM -0500", as a few scripts write it)
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ap in b"Pp" else 0)
        if tz:  # (+01:00 and GMT+0100, as some scripts write the zone, are +0100)
            tz = tz.replace(b":", b"")
        if mo:
            year = int(y)
            if len(y) == 2:
                year += 2000 if year < 50 else 1900
            elif len(y) == 3:
                year += 1900
            return _mk(year, mo, int(d), hour, int(mi), int(s or 0), tz)
    text = _text(_unfold(value))
    got = parse_rfc5322(text) or parse_datetime(text)
    if got is None and b"(" in value and (bare := _COMMENT.sub(b" ", value).strip()) != value.strip():
        return parse_mail_date(bare)  # a comment before the date: "(Sent from my phone) Fri, 1 Mar 2024 ..."
    return got


_COMMENT = re.compile(rb"\([^()]*\)")


def separator_date(sep: bytes) -> datetime | None:
    """The date of an mbox separator line (Gmail's, ctime, Eudora's forms), or None."""
    m = _SEP_DATE.search(sep)
    if not m:
        return None
    mon, d, h, mi, s, tz, y = m.groups()
    mo = _MON.get(mon.lower())
    if not mo:
        return None
    return _mk(int(y), mo, int(d), int(h), int(mi), int(s or 0), tz)


# ------------------------------------------------------------------------------------------------------------
# Vectorised over a column (the mbox reader)
# ------------------------------------------------------------------------------------------------------------

UTC_DT = pl.Datetime("us", "UTC")
# The common Date forms, read in Rust: [weekday] d Mon yyyy h:mm[:ss] [zone [anything]]. Anything else
# (2-digit years, odd spacing, glued zones...) goes through parse_mail_date once per distinct value.
_RX_DATE = (r"^[ \t\x0b\x0c]*(?:[^0-9 \t\x0b\x0c][^ \t\x0b\x0c]*[ \t\x0b\x0c]+)?(?<d>[0-9]{1,2})[ \t\x0b\x0c]+"
            r"(?<mon>[A-Za-z]{3})[^ \t\x0b\x0c]*[ \t\x0b\x0c]+(?<y>[0-9]{4})[ \t\x0b\x0c]+"
            r"(?<hh>[0-9]{1,2}):(?<mi>[0-9]{2})(?::(?<ss>[0-9]{2}))?"
            r"(?:[ \t\x0b\x0c]+(?<zone>[+-][0-9]{4}|[A-Za-z]{1,5})(?:[ \t\x0b\x0c].*)?)?[ \t\x0b\x0c]*$")
# The usual Date form (see _vector_dates), matched without captures (a DFA scan).
_RX_DATE_FAST = (r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?[0-9]{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                 r"[0-9]{4} [0-9]{2}:[0-5][0-9]:[0-6][0-9] (?:[+-][0-9]{4}|GMT|UTC|UT|Z|[ECMP][SD]T)(?: \([^()]*\))?$")
_MON_NUM = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10,
            "Nov": 11, "Dec": 12}
_DAYS_IN_MONTH = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_MON_LOWER = {k.lower(): v for k, v in _MON_NUM.items()}
_TZ_MINUTES = {k.decode(): v for k, v in _TZ.items()}


def _utc_datetime(f: pl.DataFrame) -> pl.Series:
    """The UTC datetime of each row of ``f`` (Int64 columns y, mo, d, hh, mi, ss and off, the offset in minutes;
    an optional Boolean column ok, false for rows to leave null), by integer arithmetic (H. Hinnant's days_from_civil); null for impossible dates and years out of range. In
    stages: one expression tree would evaluate its shared parts again and again."""
    c = pl.col
    if "ok" not in f.columns:
        f = f.with_columns(ok=pl.lit(True))
    return f.lazy().with_columns(
        leap=((c("y") % 4 == 0) & (c("y") % 100 != 0)) | (c("y") % 400 == 0),
        yy=c("y") - (c("mo") <= 2).cast(pl.Int64),
    ).with_columns(
        dim=c("mo").replace_strict(_DAYS_IN_MONTH, default=None, return_dtype=pl.Int64)
        + (c("leap") & (c("mo") == 2)).cast(pl.Int64),
        era=c("yy").floordiv(400),
    ).with_columns(yoe=c("yy") - c("era") * 400).with_columns(
        doe=c("yoe") * 365 + c("yoe").floordiv(4) - c("yoe").floordiv(100)
        + (153 * (c("mo") + pl.when(c("mo") > 2).then(-3).otherwise(9)) + 2).floordiv(5) + c("d") - 1,
    ).select(
        ts=pl.when(c("ok") & c("y").is_between(MIN_YEAR, MAX_YEAR) & (c("hh") < 24) & (c("mi") < 60) & (c("ss") <= 60)
                   & c("d").is_between(1, c("dim")))
        .then((((c("era") * 146097 + c("doe") - 719468) * 86400 + c("hh") * 3600 + c("mi") * 60 + c("ss")
                - c("off") * 60) * 1_000_000).cast(UTC_DT))
    ).collect().get_column("ts")


def _zone_minutes(zone: pl.Expr, name: pl.Expr) -> pl.Expr:
    """The UTC offset in minutes of a Date's zone: ``+hhmm``/``-hhmm`` read from ``zone``, else the zone
    ``name`` (GMT, EST ...) looked up in ``_TZ`` (unknown names count as UTC, as in parse_mail_date)."""
    sign = zone.str.slice(0, 1)
    hours, minutes = zone.str.slice(1, 2).str.to_integer(strict=False), zone.str.slice(3, 2).str.to_integer(strict=False)
    return (pl.when(sign.is_in(["+", "-"]) & ((hours > MAX_OFFSET_HOURS) | (minutes > 59))).then(0)
            .when(sign.is_in(["+", "-"]))
            .then((hours * 60 + minutes) * pl.when(sign == "-").then(-1).otherwise(1))
            .otherwise(name.str.to_lowercase().replace_strict(_TZ_MINUTES, default=0, return_dtype=pl.Int64)))


#: Month numbers by the three bytes of the English abbreviation, as one integer (big-endian).
_MON_CODE = {int.from_bytes(k.encode(), "big"): n for k, n in _MON_NUM.items()}
#: The named zones EST ... PDT of _RX_DATE_FAST by their first two bytes, in minutes (GMT, UT, UTC, Z: 0).
_ZONE2 = {int.from_bytes(k[:2].upper().encode(), "big"): v for k, v in _TZ_MINUTES.items()
          if len(k) == 3 and k[0] in "ecmp" and k[1] in "sd" and k[2] == "t"}
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _lookup(keys: np.ndarray, table: dict[int, int], default: int) -> np.ndarray:
    """``table[k]`` for each of ``keys`` (``default`` for keys not in it)."""
    known = np.array(sorted(table), dtype=np.int64)
    vals = np.array([table[k] for k in sorted(table)], dtype=np.int64)
    at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return np.where(known[at] == keys, vals[at], default)


def _fast_dates(date: pl.Series, is_fast: pl.Series) -> pl.Series:
    """The UTC datetime of the ``date`` values in the usual form (``is_fast``: ``_RX_DATE_FAST``), null for the
    others and for impossible dates: in numpy over the values' bytes, the weekday dropped and a one-digit day
    padded, then the fields read at fixed offsets ("dd Mon yyyy hh:mm:ss zone") and the rules of
    :func:`_utc_datetime` applied."""
    n = date.len()
    rows = np.flatnonzero(is_fast.to_numpy())
    out = np.zeros(n, dtype=np.int64)
    valid = np.zeros(n, dtype=bool)
    if len(rows):
        fast = date.gather(rows).to_arrow().cast(pa.large_string())
        offsets = np.frombuffer(fast.buffers()[1], dtype=np.int64)[fast.offset: fast.offset + len(rows) + 1]
        raw = np.frombuffer(fast.buffers()[2], dtype=np.uint8)
        data = np.concatenate([raw[: offsets[-1]], np.zeros(32, np.uint8)])  # room to read past the last value
        o = offsets[:-1].copy()
        o += 5 * (data[o + 3] == ord(","))  # "Www, "
        one = data[o + 1] == ord(" ")  # one-digit day: read as if a "0" came before it
        base = o - one

        def byte(k: int) -> np.ndarray:
            return data[base + k].astype(np.int64)

        def num(*ks: int) -> np.ndarray:
            v = np.zeros(len(base), dtype=np.int64)
            for k in ks:
                v = v * 10 + byte(k) - ord("0")
            return v

        d = np.where(one, byte(1) - ord("0"), num(0, 1))
        mo = _lookup((byte(3) << 16) | (byte(4) << 8) | byte(5), _MON_CODE, 0)
        y, hh, mi, ss = num(7, 8, 9, 10), num(12, 13), num(15, 16), num(18, 19)
        zone = byte(21)
        numeric = (zone == ord("+")) | (zone == ord("-"))
        off_h, off_m = num(22, 23), num(24, 25)
        off = np.where(numeric, (off_h * 60 + off_m) * np.where(zone == ord("-"), -1, 1),
                       _lookup((zone << 8) | byte(22), _ZONE2, 0))
        off[numeric & ((off_h > MAX_OFFSET_HOURS) | (off_m > 59))] = 0  # no place's offset: unknown, as UTC
        leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
        dim = _MONTH_DAYS[np.clip(mo, 0, 12)] + (leap & (mo == 2))
        yy = y - (mo <= 2)
        era = yy // 400
        yoe = yy - era * 400
        doe = yoe * 365 + yoe // 4 - yoe // 100 + (153 * (mo + np.where(mo > 2, -3, 9)) + 2) // 5 + d - 1
        ok = ((mo > 0) & (y >= MIN_YEAR) & (y <= MAX_YEAR) & (hh < 24) & (mi < 60) & (ss <= 60) & (d >= 1)
              & (d <= dim))
        out[rows] = (((era * 146097 + doe - 719468) * 86400 + hh * 3600 + mi * 60 + ss - off * 60) * 1_000_000)
        valid[rows] = ok
    arr = int64_arrow(out, valid, pa.timestamp("us", tz="UTC"))
    ts = pl.from_arrow(arr)
    assert isinstance(ts, pl.Series)
    return ts.alias("ts").cast(UTC_DT)


def _vector_dates(date: pl.Series) -> pl.Series:
    """``Date`` values in the forms nearly every mailer writes, as UTC datetimes, by integer arithmetic (no
    per-value Python, no strptime); null for anything else, including impossible dates and years out of range,
    which go to ``parse_mail_date``. The usual form ``[Www, ]d Mon yyyy hh:mm:ss +hhmm|GMT|UT|EST...[ (comment)]``
    is checked with one capture-free regex, brought to one layout (weekday dropped, a one-digit day padded) and
    read at fixed offsets in numpy (:func:`_fast_dates`); rarer spellings (other spacing, no seconds, long month names) with a capturing regex. The weekday is not checked (as in
    parse_mail_date); a named zone not in ``_TZ`` counts as UTC, as there."""
    v = pl.col("v")
    c = pl.col
    is_fast = date.str.contains(_RX_DATE_FAST).fill_null(False)
    ts = _fast_dates(date, is_fast)
    rest = (~is_fast & date.is_not_null()).arg_true()
    if rest.len() == 0:
        return ts
    g = pl.DataFrame({"v": date.gather(rest)}).select(p=v.str.extract_groups(_RX_DATE)).unnest("p").select(
        y=c("y").str.to_integer(strict=False),
        mo=c("mon").str.to_lowercase().replace_strict(_MON_LOWER, default=None, return_dtype=pl.Int64),
        d=c("d").str.to_integer(strict=False), hh=c("hh").str.to_integer(strict=False),
        mi=c("mi").str.to_integer(strict=False), ss=c("ss").str.to_integer(strict=False).fill_null(0),
        off=_zone_minutes(c("zone"), c("zone")).fill_null(0),
        ok=~c("zone").str.to_lowercase().is_in(["am", "pm"]).fill_null(False),  # a 12-hour clock: parse_mail_date's
    )
    return ts.scatter(rest, _utc_datetime(g))
