"""The follow-through step of the pipeline: read the previous report, compare, move the list on, plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from analyzer.followup.changes import FollowThrough, follow_through
from analyzer.followup.plan import make_plan
from analyzer.followup.previous import read_previous
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
        ft.plan = make_plan(ft.ranked, events, records, as_of, plan_per_week, settings.weeks)
    return ft
