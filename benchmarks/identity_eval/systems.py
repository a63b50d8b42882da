"""The systems under test on a :class:`LabelledRecords`: this project's engine, called only through its public
API (``identity.resolve(records, owner, config, messages=..., settings=LinkageSettings(...))``) so that the
harness runs unchanged on a rewritten engine, and splink 5 on exactly the same records."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from analyzer import identity, schemas
from analyzer.errors import InputError
from analyzer.linkage import LinkageSettings
from analyzer.owner import Owner

from .labelled import LabelledRecords
from .metrics import cluster_metrics
from .splink_runner import run_splink_names

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Variant:
    """One way to run the engine: the ``[identity]`` config section and the ``LinkageSettings`` fields."""

    label: str
    config: dict[str, Any] | None = None
    settings: dict[str, Any] = field(default_factory=dict)


VARIANTS = (
    Variant("reconnect, default (SPEC §5)"),
    Variant("reconnect, merge_unique_names = true", config={"merge_unique_names": True}),
    Variant("reconnect, unique names at any company", settings={"uncorroborated_merges": "unique_any_company"}),
    Variant("reconnect, plain Fellegi–Sunter", settings={"require_corroboration": False}),
    Variant("reconnect, plain FS, m by EM", settings={"require_corroboration": False, "m_estimation": "em"}),
)


def run_reconnect(lr: LabelledRecords, variant: Variant) -> dict[str, Any] | None:
    """Resolve ``lr.records`` with ``variant`` and score it; None when this engine has no such option (a
    rewritten engine may retire some: the variant is then skipped, not failed)."""
    try:
        settings = LinkageSettings(**variant.settings) if variant.settings else None
    except TypeError as e:
        log.warning("%s: skipped, this engine has no such setting (%s)", variant.label, e)
        return None
    nobody = Owner([], [], [], pl.Series("record_id", [], dtype=pl.Int64))
    messages = schemas.empty(schemas.MESSAGES)
    c0, t0 = time.process_time(), time.perf_counter()
    try:
        res = identity.resolve(lr.records, nobody, variant.config, messages=messages, settings=settings)
    except InputError as e:
        log.warning("%s: skipped, this engine refuses the config (%s)", variant.label, e)
        return None
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    ev = lr.truth.join(res.record_person, on="record_id")
    m = cluster_metrics(ev)
    m.update({"system": variant.label, "fields": lr.fields, "records": lr.records.height,
              "records_scored": ev.height, "cpu_s": round(cpu, 2), "time_s": round(wall, 2)})
    return m


def run_splink(lr: LabelledRecords, splink_python: str, workdir: Path | None = None) -> dict[str, Any] | None:
    """splink 5 (unsupervised, clustered at 0.95) on the same records; None when splink failed."""
    got = run_splink_names(lr.splink, lr.splink_fields, splink_python, workdir)
    if got is None:
        return None
    clusters, timing = got
    ev = lr.truth.join(clusters, on="record_id")
    m = cluster_metrics(ev)
    m.update({"system": "splink 5 (EM, cluster@0.95)", "fields": lr.fields, "records": lr.records.height,
              "records_scored": ev.height, "cpu_s": timing["cpu_s"], "time_s": timing["wall_s"]})
    return m


def compare(lr: LabelledRecords, splink_python: str | None, variants: tuple[Variant, ...] = VARIANTS,
            workdir: Path | None = None) -> list[dict[str, Any]]:
    """Every engine variant, then splink when ``splink_python`` is given, on ``lr``."""
    rows = [m for v in variants if (m := run_reconnect(lr, v)) is not None]
    if splink_python:
        sm = run_splink(lr, splink_python, workdir)
        if sm is not None:
            rows.append(sm)
    return rows


def truth_summary(lr: LabelledRecords) -> dict[str, int]:
    """Records, true entities and true pairs of ``lr``."""
    sizes = lr.truth.group_by("truth_id").len("n")
    return {"records": lr.truth.height, "entities": sizes.height,
            "pairs": int(sizes.select((pl.col("n") * (pl.col("n") - 1) // 2).sum()).item())}
