"""Looking people up in an analysis: find them by name, address, profile URL or id, and explain one person —
their identities (the records merged into them), the merges that joined those records, and their timeline.

Used by ``reconnect person`` (:func:`analyzer.report.terminal.print_person`) and by ``Result.person()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl
from anyascii import anyascii

from analyzer.normalize import canonical_linkedin_url, normalize_email

if TYPE_CHECKING:
    from analyzer.pipeline import Analysis

IDENTITY_COLUMNS = ("record_id", "source_file", "source_kind", "line", "role", "name", "emails", "linkedin_url",
                    "company", "position", "connected_on", "n_mentions")


def _fold(text: str | None) -> str:
    return " ".join(anyascii(text or "").lower().split())


def find_people(analysis: Analysis, query: str) -> pl.DataFrame:
    """People (PEOPLE rows) matching ``query``, best match first.

    ``query`` is a person_id, an email address (compared after normalisation: case, Gmail dots, +tags), a
    LinkedIn profile URL (any form), or part of a name — every word of it must appear in the name, ignoring
    case and accents ("jose garcia" finds "José García"). Exact ids, addresses and URLs come first; name
    matches follow, best-ranked first."""
    people = analysis.people
    q = query.strip()
    if not q or people.height == 0:
        return people.head(0)
    exact = people.filter(pl.col("person_id") == q)
    if exact.height:
        return exact
    if "@" in q and (e := normalize_email(q)) is not None:
        ids = [pid for pid, emails in people.select("person_id", "emails").iter_rows()
               if any(normalize_email(x) == e for x in (emails or []))]
        if ids:
            return people.filter(pl.col("person_id").is_in(ids))
    if (u := canonical_linkedin_url(q)) is not None:
        hit = people.filter(pl.col("linkedin_urls").list.contains(u))
        if hit.height:
            return hit
    words = _fold(q).split()
    ids = [pid for pid, name in people.select("person_id", "name").iter_rows()
           if words and all(w in _fold(name) for w in words)]
    hit = people.filter(pl.col("person_id").is_in(ids))
    ranked = analysis.ranked
    if hit.height and "rank" in ranked.columns:
        hit = (hit.join(ranked.select("person_id", pl.col("rank").alias("_rank")), on="person_id", how="left")
               .sort(["_rank", "name", "person_id"], nulls_last=True).drop("_rank"))
    return hit


def identities(analysis: Analysis, person_id: str) -> pl.DataFrame:
    """The records merged into ``person_id``: source file, kind, line, role, name as written, emails, URL ..."""
    rp = analysis.resolved.record_person.filter(pl.col("person_id") == person_id)
    recs = analysis.ingested.records
    cols = [c for c in IDENTITY_COLUMNS if c in recs.columns]
    return recs.join(rp.select("record_id"), on="record_id", how="semi").select(cols).sort(
        ["source_file", "line", "record_id"], nulls_last=True)


def merges(analysis: Analysis, person_id: str) -> pl.DataFrame:
    """The pairs of records that were merged into ``person_id`` and the evidence for each (MATCHES rows)."""
    m = analysis.resolved.matches
    if "person_id" not in m.columns:
        return m.head(0)
    return m.filter(pl.col("person_id") == person_id)


def timeline(analysis: Analysis, person_id: str) -> pl.DataFrame:
    """Events per year, channel and direction with ``person_id``: year, channel, sent, received, total."""
    ev = analysis.events
    schema = {"year": pl.Int32, "channel": pl.String, "sent": pl.Int64, "received": pl.Int64, "total": pl.Int64}
    if not {"person_id", "timestamp", "channel", "direction"} <= set(ev.columns):
        return pl.DataFrame(schema=schema)
    ev = ev.filter((pl.col("person_id") == person_id) & pl.col("timestamp").is_not_null())
    if ev.height == 0:
        return pl.DataFrame(schema=schema)
    return ev.group_by(pl.col("timestamp").dt.year().alias("year"), "channel").agg(
        (pl.col("direction") == "sent").sum().cast(pl.Int64).alias("sent"),
        (pl.col("direction") == "received").sum().cast(pl.Int64).alias("received"),
    ).with_columns((pl.col("sent") + pl.col("received")).alias("total")).sort(["year", "channel"]).cast(
        schema)  # type: ignore[arg-type]


def person_details(analysis: Analysis, person_id: str) -> dict[str, Any]:
    """Everything known about one person: ``person`` (their PEOPLE row as a dict), ``ranking`` (their
    RANKED row as a dict, or None if not ranked), ``identities``, ``merges`` and ``timeline`` (frames), and
    ``undated_events`` (events without a date)."""
    people = analysis.people.filter(pl.col("person_id") == person_id)
    if people.height == 0:
        raise KeyError(person_id)
    ranked = analysis.ranked.filter(pl.col("person_id") == person_id) if "person_id" in analysis.ranked.columns \
        else analysis.ranked.head(0)
    ev = analysis.events
    undated = (ev.filter((pl.col("person_id") == person_id) & pl.col("timestamp").is_null()).height
               if {"person_id", "timestamp"} <= set(ev.columns) else 0)
    return {
        "person": people.row(0, named=True),
        "ranking": ranked.row(0, named=True) if ranked.height else None,
        "identities": identities(analysis, person_id),
        "merges": merges(analysis, person_id),
        "timeline": timeline(analysis, person_id),
        "undated_events": undated,
    }
