"""``--plan N``: the top candidates spread over the coming weeks, N a week (``plan.csv``).

People marked done, snoozed, reconnected since the last report or awaiting your reply are skipped (their
``follow_up`` is set). Week 1 starts on the Monday after the as-of date; within a week the reminders fall on
weekdays, spread from Monday to Friday. Each person is reached at the address they last wrote from (else the
address on their record, else their LinkedIn profile).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import polars as pl

PLAN: dict[str, pl.DataType] = {
    "week": pl.Int64(), "week_of": pl.Date(), "date": pl.Date(), "rank": pl.Int64(), "person_id": pl.String(),
    "name": pl.String(), "company": pl.String(), "reach": pl.String(), "reason": pl.String(), "uid": pl.String(),
}


def first_monday_after(day: date) -> date:
    """The Monday strictly after ``day``."""
    return day + timedelta(days=7 - day.weekday())


def best_address(events: pl.DataFrame, records: pl.DataFrame, people: pl.Series) -> pl.DataFrame:
    """person_id, address: the address of the most recent mail from each of ``people`` (null when none; not an
    address you wrote to, which may be one they no longer read)."""
    last = (events.filter(pl.col("person_id").is_in(people.implode()) & (pl.col("channel") == "email")
                          & (pl.col("direction") == "received")
                          & pl.col("timestamp").is_not_null())
            .sort(["person_id", "timestamp", "record_id"]).group_by("person_id").agg(pl.col("record_id").last()))
    return (last.join(records.select("record_id", "emails"), on="record_id", how="left")
            .select("person_id", pl.col("emails").list.first().alias("address")))


def _uid(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20] + "@reconnect.local"


def make_plan(ranked: pl.DataFrame, events: pl.DataFrame, records: pl.DataFrame, as_of: date,
              per_week: int, weeks: int, previous_uids: pl.DataFrame | None = None) -> pl.DataFrame:
    """The plan: ``per_week`` people a week for ``weeks`` weeks, best first (columns :data:`PLAN`).

    ``uid`` is the one the previous report's plan gave the person (``previous_uids``: person_id, uid), else
    derived from their LinkedIn URL (else their first address, else person_id), so that the same person keeps
    the same calendar UID across runs and a re-import updates the reminder.
    """
    cand = ranked
    if "follow_up" in cand.columns:
        cand = cand.filter(pl.col("follow_up").is_null())
    cand = cand.filter(pl.col("score").fill_null(0.0) > 0).head(per_week * weeks)
    if cand.height == 0:
        return pl.DataFrame(schema=PLAN)
    start = first_monday_after(as_of)
    i = pl.int_range(0, pl.len(), dtype=pl.Int64)
    week = i // per_week
    day = (i % per_week) * 5 // per_week
    addr = best_address(events, records, cand.get_column("person_id"))
    key = pl.coalesce(pl.col("linkedin_urls").list.sort().list.first(), pl.col("emails").list.sort().list.first(),
                      pl.col("person_id"))
    out = (
        cand.join(addr, on="person_id", how="left", maintain_order="left")
        .with_columns(
            (week + 1).alias("week"),
            (pl.lit(start) + pl.duration(days=week * 7)).alias("week_of"),
            (pl.lit(start) + pl.duration(days=week * 7 + day)).alias("date"),
            pl.coalesce("address", pl.col("emails").list.first(), pl.col("linkedin_urls").list.first()).alias("reach"),
            key.map_elements(_uid, return_dtype=pl.String).alias("uid"),
        )
    )
    if previous_uids is not None and previous_uids.height:
        made = pl.col("uid")
        # (a kept UID that another planned person's own key gives too: that one keeps the new UID instead)
        kept = pl.coalesce("_kept", made)
        out = out.join(previous_uids.rename({"uid": "_kept"}), on="person_id", how="left", maintain_order="left") \
            .with_columns(pl.when(kept.is_first_distinct()).then(kept).otherwise(made).alias("uid"))
    return out.select([pl.col(c).cast(t) for c, t in PLAN.items()])
