"""Write a run's outputs into ``--out`` atomically: everything goes to a temporary folder beside it, which
replaces the previous report only once complete. A folder that is not a previous report is never replaced."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import polars as pl

from analyzer.errors import UsageError
from analyzer.pipeline import Analysis, summary
from analyzer.report.csvsafe import write_csv

log = logging.getLogger(__name__)

MARKER = ".reconnect-report"


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is a file; choose another --out folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"{out}: folder exists and is not a reconnect report; choose an empty or new --out folder")
    parent = out.resolve().parent
    if not parent.exists():
        raise UsageError(f"{parent}: folder does not exist; create it or choose another --out")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{parent}: folder is not writable; choose another --out")


def interactions_table(analysis: Analysis) -> pl.DataFrame:
    """interactions.csv: one row per event, no content."""
    return (
        analysis.events.select(
            "person_id", "timestamp", "channel", "direction", "thread_id",
            pl.col("source_file").alias("source"), "n_participants",
        )
        .sort(["person_id", "timestamp", "channel", "thread_id"], nulls_last=True)
    )


def write_tables(analysis: Analysis, folder: Path) -> list[Path]:
    """The CSVs and summary.json of SPEC §4 (charts and HTML are written by their own modules)."""
    written = []
    ranked = analysis.ranked
    tables = {
        "reconnect.csv": ranked,
        "people.csv": analysis.people.sort(["kind", "person_id"]),
        "interactions.csv": interactions_table(analysis),
        "identity_matches.csv": analysis.resolved.matches.sort(["person_id", "record_id_l", "record_id_r"]),
        "rejects.csv": analysis.ingested.rejects.sort(["source_file", "line"], nulls_last=True),
    }
    for name, df in tables.items():
        path = folder / name
        write_csv(df, path)
        written.append(path)
    settings = folder / "identity_settings.json"
    settings.write_text(json.dumps(analysis.resolved.settings, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    written.append(settings)
    return written


def write_report(analysis: Analysis, out: Path | str, top: int = 25, charts: bool = True) -> list[Path]:
    """Write every output of SPEC §4 into ``out`` atomically; returns the paths written (final locations)."""
    out = Path(out)
    _check_target(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.resolve().parent))
    try:
        (tmp / MARKER).write_text("written by reconnect\n", encoding="utf-8")
        written = write_tables(analysis, tmp)
        extra: dict[str, object] = {}
        if charts:
            from analyzer.report import charts as charts_mod
            from analyzer.report import html as html_mod

            chart_list = charts_mod.make_charts(analysis, tmp / "charts", top=top)
            written += [tmp / "charts" / c.filename for c in chart_list]
            written.append(html_mod.write_html(analysis, chart_list, tmp / "report.html", top=top))
            extra["charts"] = [c.filename for c in chart_list]
        summ = summary(analysis) | extra
        (tmp / "summary.json").write_text(json.dumps(summ, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
        written.append(tmp / "summary.json")
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / p.relative_to(tmp) for p in written]
