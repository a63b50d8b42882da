"""``plan.ics``: one all-day reminder per planned person (RFC 5545), written with the ``icalendar`` library.

UIDs are stable (see :func:`analyzer.followup.plan.make_plan`), so importing a newer plan into Google, Apple
or Outlook calendars updates the reminders instead of duplicating them; DTSTAMP is the run's as-of date, so the
file is the same for the same inputs, and SEQUENCE the number of days from 2000-01-01 to it, so that a later
run's reminder is a newer revision of the same event (RFC 5545 3.8.7.4: calendars keep the highest). The reason goes into the description; names and reasons are text
properties, escaped by the library.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl

PRODID = "-//reconnect//follow-through plan//EN"
#: What precedes the address or URL in a reminder's description (a later run finds each person's reminder by it).
REACH_PREFIX = "Reach them at: "
#: SEQUENCE counts days from this date to the run's as-of date (a later run: a higher revision).
SEQUENCE_EPOCH = date(2000, 1, 1)


def _text(value: object) -> str:
    """Untrusted text for a calendar property: control characters out."""
    return "".join(c if c.isprintable() else " " for c in str(value or "")).strip()


def plan_calendar(plan: pl.DataFrame, as_of: date) -> bytes:
    """The plan as an iCalendar file (bytes, CRLF lines as RFC 5545 requires)."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "reconnect plan")
    stamp = datetime.combine(as_of, time(0, 0), tzinfo=UTC)
    sequence = max(0, (as_of - SEQUENCE_EPOCH).days)
    for r in plan.iter_rows(named=True):
        who = _text(r["name"]) or _text(r["reach"])  # (someone known only by an address has no name)
        ev = Event()
        ev.add("uid", r["uid"])
        ev.add("dtstamp", stamp)
        ev.add("sequence", sequence)
        ev.add("dtstart", r["date"])
        ev.add("dtend", r["date"] + timedelta(days=1))
        ev.add("summary", f"Reconnect with {who}")
        reach = _text(r["reach"])
        ev.add("description", _text(r["reason"]) + (f"\n{REACH_PREFIX}{reach}" if reach else ""))
        ev.add("transp", "TRANSPARENT")
        ev.add("categories", ["reconnect"])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Reconnect with {who}")
        alarm.add("trigger", timedelta(hours=9))
        ev.add_component(alarm)
        cal.add_component(ev)
    return cal.to_ical()


def write_plan_ics(plan: pl.DataFrame, as_of: date, path: Path) -> Path:
    """Write ``plan.ics``; returns its path."""
    path.write_bytes(plan_calendar(plan, as_of))
    return path
