"""The follow-through step of the pipeline: read the previous report, compare, move the list on, plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from analyzer.followup.changes import FollowThrough, follow_through, person_keys
from analyzer.followup.plan import make_plan
from analyzer.followup.previous import PreviousReport, read_previous
from analyzer.followup.settings import PlanSettings
from analyzer.scoring_config import ScoringConfig


def run_follow_through(people: pl.DataFrame, events: pl.DataFrame, ranked: pl.DataFrame, measures: pl.DataFrame,
                       records: pl.DataFrame, as_of: date, *, plan_config: dict[str, object] | None,
                       scoring_config: dict[str, object] | None, previous: str | Path | None,
                       plan_per_week: int | None, config_path: str | None) -> FollowThrough:
    """Everything SPEC §10 adds to a run; ``previous`` is the earlier report's folder (None: no comparison),
    ``plan_per_week`` the N of ``--plan N`` (None: no plan)."""
    settings = PlanSettings.from_config(dict(plan_config or {}))
    prev, warning = read_previous(previous, as_of)
    ft = follow_through(people, events, ranked, measures, as_of, previous=prev, settings=settings,
                        scoring=ScoringConfig.from_mapping(dict(scoring_config or {})), warning=warning,
                        config_path=config_path)
    if plan_per_week:
        ft.plan = make_plan(ft.ranked, events, records, as_of, plan_per_week, settings.weeks,
                            previous_uids=_previous_uids(people, prev))
    return ft


def _previous_uids(people: pl.DataFrame, prev: PreviousReport | None) -> pl.DataFrame | None:
    """``person_id, uid``: the UID of the previous report's reminder for each person of this run (found by the
    address or LinkedIn URL the reminder said to reach them at), so that a re-imported calendar updates their
    reminder even when the key the UID is made from changed (a LinkedIn URL or an address added since). A UID
    that two people of this run would inherit, or a person two UIDs would go to, is left out."""
    if prev is None or prev.plan_uids is None or prev.plan_uids.height == 0:
        return None
    inherited = person_keys(people).join(prev.plan_uids, on="key").select("person_id", "uid").unique()
    return inherited.filter(pl.col("uid").is_unique() & pl.col("person_id").is_unique()).sort("person_id")
