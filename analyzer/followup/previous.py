"""Read the previous report (``--previous DIR``, or the report ``--out`` is about to replace) for comparison.

Nothing read here is trusted: the folder may be damaged, from an older version, edited by hand or not a report
at all. Any of those gives a one-line warning and ``None`` (the run goes on without the comparison). Text
cells are read as plain strings, stripped of control characters and of the ``'`` that neutralised a formula,
and capped in length; they are escaped and neutralised again like any other input when written.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from analyzer.errors import InputError
from analyzer.followup.ics import REACH_PREFIX
from analyzer.ingest.dates import MAX_YEAR, MIN_YEAR, outside_years, parse_date
from analyzer.ingest.inputs import REPORT_MARKER, read_regular_file, safe_display
from analyzer.ingest.text import decode, sniff_delimiter

log = logging.getLogger(__name__)

#: Columns the comparison needs, per file (reports older than the follow-through release have them all).
PEOPLE_COLUMNS = ("person_id", "kind", "name", "emails", "linkedin_urls", "company", "position", "connected_on")
RANKED_COLUMNS = ("rank", "person_id", "last_contact", "days_since_contact", "score")
MAX_TEXT = 300


@dataclass(frozen=True)
class PreviousReport:
    """The parts of a previous report the comparison uses.

    ``people``: one row per person of kind ``person`` — ``prev_id, name, company, position, connected_on,
    rank, last_contact, days_since_contact`` (typed) and ``keys`` (their addresses and LinkedIn URLs).
    """

    folder: str
    as_of: date
    people: pl.DataFrame
    #: the date of the report that this one was compared with (its changes were told then), None for a first run
    compared_with: date | None = None
    #: ``key, uid``: the calendar UID of each reminder of the previous report's plan by the address or LinkedIn
    #: URL it said to reach the person at (None without a plan)
    plan_uids: pl.DataFrame | None = None


class NotAReport(ValueError):
    """The folder cannot be used as a previous report (the message says why, in a few words)."""


#: The most of a previous report's file that is read (a summary.json of thousands of input files is a few MB;
#: people.csv and reconnect.csv of 40,000 people are under 10 MB each): a larger one is not a report.
MAX_SUMMARY_BYTES = 64 << 20
MAX_TABLE_BYTES = 1 << 30


def comparable_text(c: pl.Expr) -> pl.Expr:
    """Text as a report's CSV cell gives it back (:func:`_clean_text`): control and bidi characters out, the
    neutralising ``'`` off, length capped. The current run's values are compared in this form, so that a value
    that the round trip changes (a leading ``'=``, a position of 400 characters) is not a change."""
    c = c.str.replace_all(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", " ") \
        .str.strip_chars()
    c = pl.when(c.str.contains(r"^'[=+@\-\s]")).then(c.str.slice(1)).otherwise(c)
    return pl.when(c.str.len_chars() == 0).then(None).otherwise(c.str.slice(0, MAX_TEXT))


def _clean_text(col: str) -> pl.Expr:
    """Untrusted text from a CSV cell: control and bidi characters out, the neutralising ``'`` off, length
    capped."""
    return comparable_text(pl.col(col)).alias(col)


def _read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a previous report's file (:func:`read_regular_file`), or :class:`NotAReport` saying why not."""
    try:
        return read_regular_file(path, limit)
    except ValueError as exc:
        raise NotAReport(f"{path.name} {exc}") from None
    except OSError as exc:
        raise NotAReport(f"{path.name} cannot be read ({type(exc).__name__})") from None


def _read_csv(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    """``columns`` of the report CSV ``path``, every cell as text. Read as written, and also as a spreadsheet
    program saves it again (UTF-8 with a BOM, Windows-1252 or UTF-16 text, semicolons or tabs between the
    cells, CRLF line ends): a user who opened the list in Excel keeps the comparison."""
    data = _read_bytes(path, MAX_TABLE_BYTES)
    try:
        text = decode(data, path.name)
    except InputError:
        raise NotAReport(f"{path.name} is not text") from None
    del data
    if "\r" in text and "\n" not in text:  # lines ending in CR alone (Excel's "CSV (Macintosh)")
        text = text.replace("\r", "\n")
    separator = sniff_delimiter(text.split("\n", 1)[0])
    buf = text.encode("utf-8")
    del text
    try:
        header = pl.read_csv(buf, separator=separator, infer_schema=False, n_rows=0).columns
        missing = [c for c in columns if c not in header]
        if missing:
            raise NotAReport(f"{path.name} lacks column(s) {', '.join(missing)} (an older version, or edited)")
        table = pl.read_csv(buf, separator=separator, infer_schema=False, columns=list(columns)).select(columns)
        # (a cell written "" — every cell quoted, as pandas' QUOTE_ALL writes — is an empty cell, not a value;
        # a row a spreadsheet cleared rather than deleted, ",,,,", holds no one)
        table = table.with_columns(pl.when(pl.all().str.strip_chars() != "").then(pl.all()))
        return table.filter(~pl.all_horizontal(pl.all().is_null()))
    except pl.exceptions.PolarsError as exc:
        raise NotAReport(f"{path.name} cannot be read ({type(exc).__name__})") from None


def _read_dates(cells: pl.Series, day_first: bool) -> pl.Series:
    """``cells`` read by :func:`~analyzer.ingest.dates.parse_date` (empty cells null); ValueError for a cell that
    is not a date in that order. The cells as reconnect writes them (``2026-03-03``, every one of an untouched
    report: 40,000 people's dates on large) are read by polars, to the same dates; the others one distinct value
    at a time."""
    iso = cells.str.to_date("%Y-%m-%d", strict=False)
    fast = pl.select(pl.when(cells.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
                             & iso.dt.year().is_between(MIN_YEAR, MAX_YEAR)).then(iso)).to_series()
    dates = {}
    for cell in cells.filter(fast.is_null()).drop_nulls().unique().to_list():  # (impossible ISO dates too)
        if cell.strip():
            if (d := parse_date(cell, day_first)) is None:
                raise ValueError(f"not a date: {cell[:20]!r}")
            dates[cell] = d
    if not dates:
        return fast.alias(cells.name)
    return fast.fill_null(cells.replace_strict(list(dates), list(dates.values()), default=None,
                                               return_dtype=pl.Date)).alias(cells.name)


def written_dates(cells: pl.Series, check: Callable[[pl.Series], bool] | None = None,
                  day_first: bool | None = None) -> pl.Series:
    """The dates of a report column as reconnect writes them (``2026-03-03``), or as a spreadsheet program
    wrote them back in a local form (``3/3/2026``, ``03.03.2026``, ``3/3/26``), as the inputs' dates are read
    (:func:`~analyzer.ingest.dates.parse_date`; dots are day first). Empty cells are null. Day and month of
    slashed dates are told apart by the column as a whole: the one order that reads every cell as a date; when
    both do and read differently, the one that ``check`` accepts (e.g. the day counts written beside the dates
    agree), else ``day_first`` if given (the order of another column of the same report). ValueError when that
    leaves no order or two."""
    return _written_dates(cells, check, day_first)[1]


def _written_dates(cells: pl.Series, check: Callable[[pl.Series], bool] | None,
                   day_first: bool | None) -> tuple[bool | None, pl.Series]:
    """:func:`written_dates`, and the order it read them in (None: both orders read the same)."""
    # (dotted dates, "03.04.2026", are day first in both readings: parse_date reads them so wherever)
    readings: list[tuple[bool | None, pl.Series]] = []
    for order in (False, True):
        try:
            readings.append((order, _read_dates(cells, order)))
        except ValueError:
            continue
    if len(readings) == 2 and readings[0][1].equals(readings[1][1]):
        return None, readings[0][1]
    if len(readings) == 2 and check is not None:
        readings = [r for r in readings if check(r[1])]
    if len(readings) == 2 and day_first is not None:
        readings = [r for r in readings if r[0] == day_first]
    if len(readings) != 1:
        raise ValueError("day and month cannot be told apart" if readings else "not a date")
    return readings[0]


def _load(folder: Path) -> PreviousReport:
    if not folder.exists():
        raise NotAReport("it does not exist")
    if not folder.is_dir():
        raise NotAReport("not a folder")
    if not (folder / REPORT_MARKER).is_file():
        raise NotAReport("not a reconnect report")
    try:
        summ = json.loads(_read_bytes(folder / "summary.json", MAX_SUMMARY_BYTES).decode("utf-8"))
        as_of = date.fromisoformat(str(summ["as_of"]))
    except (NotAReport, ValueError, KeyError, TypeError, RecursionError):
        raise NotAReport("summary.json is missing, damaged or has no as-of date") from None
    if why := outside_years(as_of):  # (no report can be of that date: an edited summary.json)
        raise NotAReport(f"its as-of date {why}")
    people = _read_csv(folder / "people.csv", PEOPLE_COLUMNS)
    ranked = _read_csv(folder / "reconnect.csv", RANKED_COLUMNS)
    if people.get_column("person_id").is_duplicated().any():
        raise NotAReport("people.csv repeats a person_id (edited?)")
    people = people.filter(pl.col("kind") == "person").drop("kind")
    if ranked.join(people, on="person_id", how="anti").height:
        raise NotAReport("reconnect.csv names people that people.csv does not have (edited?)")
    try:
        days = ranked.get_column("days_since_contact").str.strip_chars().cast(pl.Int64)

        def agrees(last: pl.Series) -> bool:  # the report wrote last_contact = as_of - days_since_contact
            ok = (pl.lit(as_of) - last).dt.total_days() == days
            return bool(pl.select(ok.fill_null(True).all()).item())

        order, last = _written_dates(ranked.get_column("last_contact"), agrees, None)
        ranked = ranked.select("person_id", pl.col("rank").str.strip_chars().cast(pl.Int64)).with_columns(
            last.alias("last_contact"), days.alias("days_since_contact"))
        # (both files saved by one program: the order the day counts showed decides an undecided connected_on)
        people = people.with_columns(written_dates(people.get_column("connected_on"), day_first=order)
                                     .alias("connected_on"))
    except (pl.exceptions.PolarsError, ValueError):
        raise NotAReport("a rank, date or day count is not in the form reconnect writes (edited?)") from None
    key_lists = [pl.col(c).fill_null("").str.split(";") for c in ("emails", "linkedin_urls")]
    out = (
        people.join(ranked, on="person_id", how="left")
        .with_columns(_clean_text("name"), _clean_text("company"), _clean_text("position"),
                      pl.concat_list(key_lists).list.eval(
                          pl.element().str.strip_chars().str.to_lowercase().filter(pl.element().str.len_chars() > 0)
                      ).list.unique().list.sort().alias("keys"))
        .rename({"person_id": "prev_id"})
        .select("prev_id", "name", "company", "position", "connected_on", "rank", "last_contact",
                "days_since_contact", "keys")
        .sort("prev_id")
    )
    return PreviousReport(folder=str(folder), as_of=as_of, people=out, compared_with=_compared_with(summ, as_of),
                          plan_uids=_plan_uids(folder))


#: The UIDs that a plan writes (:func:`analyzer.followup.plan.make_plan`): only these are taken from a plan.ics.
_PLAN_UID = re.compile(r"^[0-9a-f]{20}@reconnect\.local$")
#: The most of a previous plan.ics that is read (a plan of 100 a week for 52 weeks is about 3 MB).
MAX_CALENDAR_BYTES = 16 << 20


def _plan_uids(folder: Path) -> pl.DataFrame | None:
    """``key, uid``: each reminder of the previous report's plan.ics by the address or LinkedIn URL it says to
    reach the person at (lower case), with its UID; None when there is no plan, or one that cannot be read (the
    comparison does not depend on it)."""
    path = folder / "plan.ics"
    if not path.is_file():
        return None
    try:
        from icalendar import Calendar

        events = Calendar.from_ical(_read_bytes(path, MAX_CALENDAR_BYTES)).walk("VEVENT")
    except Exception:  # (NotAReport, or whatever a damaged calendar makes the library raise)
        return None
    rows = []
    for ev in events:
        uid, text = str(ev.get("UID", "")).strip(), str(ev.get("DESCRIPTION", ""))
        reach = text.rsplit(REACH_PREFIX, 1)[1].strip().lower() if REACH_PREFIX in text else ""
        if _PLAN_UID.match(uid) and reach:
            rows.append((reach, uid))
    return pl.DataFrame(rows, schema={"key": pl.String, "uid": pl.String}, orient="row").unique().sort("key", "uid")


def _compared_with(summary: object, as_of: date) -> date | None:
    """The as-of date of the report that a report's summary.json says it was compared with (None: a first run,
    a warning instead of a comparison, or anything not in the form reconnect writes)."""
    since = summary.get("since_last_time") if isinstance(summary, dict) else None
    if not isinstance(since, dict) or since.get("warning") or not isinstance(since.get("previous_as_of"), str):
        return None
    try:
        day = date.fromisoformat(since["previous_as_of"])
    except ValueError:
        return None
    return day if day <= as_of else None


def read_previous(folder: Path | str | None, as_of: date) -> tuple[PreviousReport | None, str | None]:
    """The previous report in ``folder`` and None, or None and a one-line warning saying why it is not used.

    ``as_of`` is this run's date: a report from a later date cannot be compared with.
    """
    if folder is None:
        return None, None
    path = Path(folder)
    shown = safe_display(str(folder))
    try:
        prev = _load(path)
    except NotAReport as exc:
        msg = f"{shown}: previous report not used ({exc}); this run has no comparison"
        log.info(msg)  # (the caller shows it: the terminal, the page and summary.json)
        return None, msg
    if prev.as_of > as_of:
        msg = (f"{shown}: previous report is as of {prev.as_of}, after this run's {as_of}; "
               "this run has no comparison")
        log.info(msg)  # (the caller shows it: the terminal, the page and summary.json)
        return None, msg
    return prev, None
