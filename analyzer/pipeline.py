"""The pipeline: ingest -> owner -> identity -> score, as plain functions over frames.

``analyze()`` computes everything in memory and returns an :class:`Analysis`; ``analyzer.report`` writes it.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer import identity, owner, schemas, score
from analyzer.config import Config, load_config
from analyzer.errors import InputError, UsageError
from analyzer.ingest import Ingested, ingest
from analyzer.ingest.dates import outside_years
from analyzer.memory import clear_lookup_caches, release_free_memory
from analyzer.normalize import owner_identity
from analyzer.report.chart_worker import has_ready_workers as has_ready_chart_workers
from analyzer.report.chart_worker import prestart as prestart_chart_workers

if TYPE_CHECKING:
    from analyzer.followup import FollowThrough

log = logging.getLogger(__name__)


#: The steps after reading that :func:`analyze` announces through ``on_stage``, in order, with what each does.
STAGES: dict[str, str] = {
    "owner": "recognising your own addresses and profile",
    "identity": "resolving identities: one person per human",
    "events": "listing the interactions",
    "score": "scoring the relationships",
    "follow-through": "changes since the last report, and the plan",
}


@dataclass
class Analysis:
    """Everything a run computed: the tables of every stage and the timings."""

    inputs: list[str]
    as_of: date
    ingested: Ingested
    owner: owner.Owner
    events: pl.DataFrame  # EVENTS + person_id
    resolved: identity.Resolved
    scored: score.Scored
    config: Config
    timings: dict[str, float] = field(default_factory=dict)
    followup: FollowThrough | None = None  # changes since the previous report, the plan (SPEC §10)

    @property
    def people(self) -> pl.DataFrame:
        """One row per human (PEOPLE)."""
        return self.resolved.people

    @property
    def ranked(self) -> pl.DataFrame:
        """The reconnect list, best first (RANKED)."""
        return self.scored.ranked


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    release_free_memory()
    # a stage timed in two parts (owner: its events are made after identity) adds up
    timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - t0, 3)
    log.info("%s: %.2f s, peak memory so far %s", stage, timings[stage], _peak_memory())


def _peak_memory() -> str:
    """The process's peak resident memory so far, for the log ("?" where the platform does not tell)."""
    try:
        import resource
    except ImportError:  # Windows
        return "?"
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return f"{kib / (1 << 20 if sys.platform == 'darwin' else 1 << 10):.0f} MB"


def analyze(
    inputs: Sequence[str | Path],
    *,
    me: Sequence[str] = (),
    as_of: date | None = None,
    config: Config | str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    previous: str | Path | None = None,
    plan: int | None = None,
    keep_messages: bool = False,
    charts: bool = True,
    on_stage: Callable[[str], None] | None = None,
) -> Analysis:
    """Run every stage on ``inputs`` (files, folders, zips) and return the :class:`Analysis`.

    ``me`` adds owner addresses or profile URLs; ``as_of`` fixes "today" (default: the current UTC date);
    ``previous`` is the folder of an earlier report to compare with; ``plan`` the people a week of the plan.
    Once the events are made, the ingested messages table is freed (no later stage reads it) and
    ``Analysis.ingested.messages`` reads the inputs again on first access; ``keep_messages=True`` keeps it in
    memory instead. ``charts=False`` says that no report's charts will be drawn from this analysis (the CLI's
    ``company`` and ``person``): no chart worker is started ahead for them. ``on_stage(name)`` is called as each
    step after reading begins (:data:`STAGES` names them), for a caller that shows where the run is.
    Raises :class:`analyzer.errors.InputError` for unusable input.
    """
    try:
        me = [owner_identity(m) for m in me]
    except ValueError as exc:
        raise UsageError(f"me: {exc}") from None
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    elif as_of is not None and not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, not {type(as_of).__name__}")
    cfg = config if isinstance(config, Config) else load_config(config)
    _check_config(cfg)
    as_of = as_of or datetime.now(UTC).date()
    if why := outside_years(as_of):
        raise UsageError(f"as_of {why}")
    timings: dict[str, float] = {}
    extra = []
    if cfg.generic_mail_csv:
        from analyzer.ingest.mail import generic_mail_csv_parser

        try:
            extra.append(generic_mail_csv_parser(dict(cfg.generic_mail_csv)))
        except ValueError as exc:
            raise InputError(cfg.path or "config", f"[generic_mail_csv]: {exc}") from None
    with _timed(timings, "ingest"):
        ing = ingest([str(p) for p in inputs], progress=progress, extra_parsers=extra)
    # a large network's report draws its charts in worker processes: they import matplotlib while this one works
    # on (records per person: 2.5 to 3); unused, they exit with this process
    if charts:
        prestart_chart_workers(ing.records.height // 2)
    announce = on_stage or (lambda name: None)
    announce("owner")
    with _timed(timings, "owner"):
        own = owner.identify_owner(ing.records, ing.owner, list(me), messages=ing.messages)
    announce("identity")
    with _timed(timings, "identity"):
        resolved = identity.resolve(ing.records, own, cfg.identity, messages=ing.messages)
        # the owner's records as identity settled them: with a ``same`` group holding the owner's address and the
        # records sharing an address with the owner's, whose messages are the owner's own (sent, not received)
        owner_records = resolved.record_person.filter(pl.col("person_id") == schemas.OWNER_PERSON_ID)
        own = dataclasses.replace(own, record_ids=owner_records.get_column("record_id").sort())
    # the charts of the people table alone are drawn now, by the idle chart workers, while this process goes on
    _draw_charts_ahead(resolved.people)
    # the events once identity's working set is freed: held through it, they were 180 MB of the peak
    announce("events")
    with _timed(timings, "owner"):
        # records the user asked to ignore have no person: their events go; so does the bulk mail of people
        # (left out as the events are made: filtering them afterwards held a second copy of the 780,000 events)
        ignored = pl.Series(resolved.settings.get("ignored_record_ids", []), dtype=pl.Int64)
        exclude = pl.concat([ignored, bulk_mail_records_of_people(ing.records, resolved.record_person,
                                                                  resolved.people)])
        events = owner.to_events(ing.messages, own, exclude=exclude)
        if not keep_messages:
            # nothing after this reads the messages (the events carry what the report needs): 150 MB freed
            # for the rest of the run on the large profile; read again from the inputs if asked for
            paths = [str(p) for p in inputs]
            ing.release_messages(lambda: ingest(paths, extra_parsers=extra).messages)
    with _timed(timings, "identity"):
        # person_id is looked up on the record ids alone and added as a column: a join of the whole table
        # would copy every column of the 780,000 events
        events = events.with_columns(events.select("record_id").join(
            resolved.record_person, on="record_id", how="left", maintain_order="left").get_column("person_id"))
        if events.get_column("person_id").null_count():
            raise schemas.SchemaError("identity: some event's record has no person")
        clear_lookup_caches()  # the parsers' memos served ingest and identity; later they only slow the collector
    _draw_charts_ahead(resolved.people, events, as_of)  # and those of the events, while this process scores
    announce("score")
    with _timed(timings, "score"):
        scored = score.score(resolved.people, events, ing.owner.positions, as_of, cfg.scoring)
    announce("follow-through")
    with _timed(timings, "follow-through"):
        from analyzer.followup.stage import run_follow_through

        ft = run_follow_through(resolved.people, events, scored.ranked, scored.measures, ing.records, as_of,
                                plan_config=cfg.plan, scoring_config=cfg.scoring, previous=previous,
                                plan_per_week=plan, config_path=cfg.path)
        scored = dataclasses.replace(scored, ranked=ft.ranked)
    schemas.check(scored.ranked, schemas.RANKED, "score.ranked")
    return Analysis(
        inputs=[str(p) for p in inputs], as_of=as_of, ingested=ing, owner=own, events=events,
        resolved=resolved, scored=scored, config=cfg, timings=timings, followup=ft,
    )


def _draw_charts_ahead(people: pl.DataFrame, events: pl.DataFrame | None = None, as_of: date | None = None) -> None:
    """Hand the prestarted chart workers the report's charts that do not read the scores
    (:func:`analyzer.report.charts.draw_ahead`); nothing without prestarted workers. Only a head start: a
    failure is logged and leaves those charts to the report."""
    if not has_ready_chart_workers():
        return
    try:
        from analyzer.report.charts import draw_ahead

        draw_ahead(people, events, as_of)
    except Exception as exc:  # the report draws them
        log.debug("charts not drawn ahead: %s", exc, exc_info=True)


def bulk_mail_records_of_people(records: pl.DataFrame, record_person: pl.DataFrame,
                                people: pl.DataFrame) -> pl.Series:
    """The record ids whose events :func:`drop_bulk_mail_of_people` drops: records with an automated hint
    whose person is of kind ``person``."""
    bulk = records.filter(pl.col("automated_hint").is_not_null()).select("record_id")
    persons = people.filter(pl.col("kind") == "person").select("person_id")
    return record_person.join(bulk, on="record_id", how="semi").join(persons, on="person_id", how="semi") \
        .get_column("record_id")


def drop_bulk_mail_of_people(events: pl.DataFrame, records: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """An address that is both a person's own and used for their newsletter stays with the person (SPEC §5),
    but its bulk messages (the records with an automated hint: List-Unsubscribe, Precedence: bulk ...) are not
    one-to-one mail: their events are dropped from a person's events."""
    drop = bulk_mail_records_of_people(records, events.select("record_id", "person_id").unique(), people)
    if drop.len() == 0:
        return events
    return events.filter(~pl.col("record_id").is_in(drop.implode()))


def _check_config(cfg: Config) -> None:
    """Validate every section before reading any input (a typo should not cost a long ingest), naming the
    config file in the error."""
    try:
        identity.Corrections.from_config(cfg.identity)
        score.ScoringConfig.from_mapping(cfg.scoring)
        from analyzer.followup.settings import PlanSettings

        PlanSettings.from_config(cfg.plan)
    except InputError as exc:
        if cfg.path is None or exc.source != "config":
            raise
        raise InputError(cfg.path, exc.problem, hint=exc.hint) from None


def summary(analysis: Analysis) -> dict[str, Any]:
    """The JSON-ready run summary (counts per source file, owner, as-of date, timings)."""
    ing = analysis.ingested
    people = analysis.people
    kinds = dict(people.group_by("kind").len().sort("kind").iter_rows())
    files = [f.as_dict() for f in ing.files]
    totals = {k: sum(f[k] for f in files) for k in ("read", "used", "rejected", "ignored")}
    return {
        "as_of": analysis.as_of.isoformat(),
        "inputs": analysis.inputs,
        "owner": {"emails": analysis.owner.emails, "linkedin_urls": analysis.owner.linkedin_urls,
                  "names": analysis.owner.names, "n_records": int(analysis.owner.record_ids.len())},
        "totals": totals,
        "files": files,
        "skipped_files": [{"file": d, "reason": r} for d, r in ing.skipped],
        "duplicate_messages_dropped": ing.duplicate_messages,
        "records": ing.records.height,
        "messages": ing.message_count,
        "events": analysis.events.height,
        "undated_events": int(analysis.events.get_column("timestamp").null_count()),
        "people": {"person": kinds.get("person", 0), "automated": kinds.get("automated", 0),
                   "owner": kinds.get("owner", 0)},
        "ranked": analysis.ranked.height,
        "identity_merges": analysis.resolved.matches.height,
        "since_last_time": analysis.followup.summary() if analysis.followup else None,
        "timings_s": analysis.timings,
    }
