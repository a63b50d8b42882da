"""The Python API, for notebooks and scripts.

Example::

    import analyzer

    res = analyzer.analyze(["~/Downloads/Complete_LinkedInDataExport_03-01-2025.zip", "~/mail/All mail.mbox"],
                           me=["me@example.com"], as_of="2025-03-01")
    res.ranked.head(10)                  # polars frame, best first (the columns of reconnect.csv)
    res.pandas.ranked                    # the same as a pandas frame
    res.person("Ada Lovelace")           # her merged identities, why they were merged, her timeline
    res.company("Acme")                  # who you know at Acme, strongest first
    figs = res.figures()                 # the report's charts as matplotlib Figures, unsaved
    res.write("reconnect-report")        # the full report, as `reconnect analyze` writes it
    later = analyzer.analyze("~/Downloads/newer-export.zip", previous="reconnect-report", plan=3)
    later.changes                        # what changed since that report (changes.csv)
    later.plan                           # 3 people a week for the coming weeks (plan.csv)

Nothing here prints or reads anything but the inputs; every table is computed once by :func:`analyze`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.config import Config
from analyzer.ingest.dates import parse_day
from analyzer.pipeline import Analysis, summary
from analyzer.pipeline import analyze as _run

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from analyzer.report.charts import Plotted

__all__ = ["Result", "analyze"]

#: The tables a :class:`Result` exposes by name (``to_pandas(name)``, ``result.pandas.<name>``).
TABLES = ("ranked", "people", "interactions", "matches", "rejects", "events", "records", "messages", "measures",
          "changes", "plan")


def _as_of(value: date | str | None) -> date | None:
    """``as_of`` as a date: a date, a datetime (its date) or ``"YYYY-MM-DD"``."""
    if value is None:
        return None
    if isinstance(value, datetime):  # (also a pandas Timestamp)
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"as_of must be a date or a 'YYYY-MM-DD' string, not {type(value).__name__}")
    try:
        return parse_day(value)
    except ValueError as exc:
        raise ValueError(f"as_of {exc}") from None


def _paths(value: Any, name: str) -> list[Path]:
    """``value`` (one path or a sequence of them) as paths; TypeError naming ``name`` for anything else."""
    items = [value] if isinstance(value, str | Path) else value
    if isinstance(items, bytes | bytearray) or not isinstance(items, Iterable):
        raise TypeError(f"{name} must be a path or a list of paths, not {type(value).__name__}")
    items = list(items)
    bad = [p for p in items if not isinstance(p, str | Path)]
    if bad or not items:
        raise TypeError(f"{name} must be a path or a non-empty list of paths (str or Path); got {value!r}"[:300])
    if any(isinstance(p, str) and p == "" for p in items):  # (Path("") is the current folder)
        raise ValueError(f"{name} holds an empty path; got {value!r}"[:300])
    return [Path(p).expanduser() for p in items]


def _count(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as a whole number from ``low`` to ``high`` (the command line's bounds)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, not {value}")
    return value


def analyze(
    paths: str | Path | Sequence[str | Path],
    *,
    me: str | Sequence[str] = (),
    as_of: date | str | None = None,
    config: Config | str | Path | None = None,
    previous: str | Path | None = None,
    plan: int | None = None,
    keep_messages: bool = False,
) -> Result:
    """Run the whole pipeline on ``paths`` (files, folders, zips — one or a list) and return a :class:`Result`.

    ``me`` is your own email address(es) or LinkedIn profile URL(s), when the exports do not say;
    ``as_of`` fixes "today" (a date or ``"YYYY-MM-DD"``) so that results are reproducible; ``config`` is a
    TOML file (or a :class:`~analyzer.config.Config`) with identity corrections, scoring weights and ``[plan]``;
    ``previous`` is the folder of an earlier report to compare with (``Result.changes``); ``plan`` is N of
    ``--plan N`` (``Result.plan``). The messages table is freed once the events are made (memory), and
    ``Result.messages`` reads the inputs again on first access; ``keep_messages=True`` keeps it instead.
    No chart worker process is started ahead here (the command does, for a large network's report): in a
    notebook that may never write a report they would wait in the background for minutes; ``Result.write``
    starts them when it draws. Raises :class:`analyzer.errors.InputError` for unusable input.

    >>> res = analyze("sample_data", as_of="2025-06-30")        # doctest: +SKIP
    >>> res.ranked.select("rank", "name", "score", "reason").head(3)  # doctest: +SKIP
    """
    expanded = _paths(paths, "paths")
    given = [me] if isinstance(me, str) else me if me is not None else ()
    mine = list(given) if isinstance(given, Iterable) else None
    if mine is None or not all(isinstance(m, str) for m in mine):
        raise TypeError(f"me must be an address or profile URL, or a list of them; got {me!r}"[:300])
    if config is not None and not isinstance(config, Config | str | Path):
        raise TypeError(f"config must be a path to a TOML file or a Config, not {type(config).__name__}")
    if previous is not None and not isinstance(previous, str | Path):  # (of a list, the first was taken)
        raise TypeError(f"previous must be one report folder (str or Path), not {type(previous).__name__}")
    prev = _paths(previous, "previous")[0] if previous is not None else None
    if isinstance(config, str | Path):  # ("~/reconnect.toml": as the inputs, the previous report and the output)
        config = Path(config).expanduser()
    return Result(_run(expanded, me=mine, as_of=_as_of(as_of), config=config, previous=prev,
                       plan=None if plan is None else _count(plan, "plan", 1, 100),
                       keep_messages=keep_messages, charts=False))


class _PandasTables:
    """``result.pandas.ranked`` etc.: each table as a pandas DataFrame (converted on access)."""

    def __init__(self, result: Result) -> None:
        self._result = result

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._result.to_pandas(name)
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return list(TABLES)


@dataclass
class Result:
    """The outcome of :func:`analyze`: every table of the run, plus views, charts and the report writer.

    Wraps an :class:`~analyzer.pipeline.Analysis` (``result.analysis``) — build one by hand with
    ``Result(analysis)``.

    >>> res.ranked.filter(pl.col("replies_owed") > 0)  # doctest: +SKIP
    >>> res.pandas.people.groupby("kind").size()        # doctest: +SKIP
    """

    analysis: Analysis

    def __post_init__(self) -> None:
        if not isinstance(self.analysis, Analysis):
            raise TypeError(f"Result wraps an Analysis (from analyzer.pipeline.analyze), not {type(self.analysis).__name__}")

    # ---- tables ---------------------------------------------------------------------------------------
    @property
    def ranked(self) -> pl.DataFrame:
        """Everyone of kind ``person``, best reconnect candidate first (the rows of reconnect.csv)."""
        return self.analysis.ranked

    @property
    def people(self) -> pl.DataFrame:
        """One row per human, automated sender and the owner (people.csv)."""
        return self.analysis.people

    @property
    def interactions(self) -> pl.DataFrame:
        """One row per interaction with a person, no content (interactions.csv)."""
        from analyzer.report.writer import interactions_table

        return interactions_table(self.analysis)

    @property
    def events(self) -> pl.DataFrame:
        """The full event table: every (message, counterpart) with direction, record_id and person_id."""
        return self.analysis.events

    @property
    def matches(self) -> pl.DataFrame:
        """The record pairs merged into one person and the evidence for each (identity_matches.csv)."""
        return self.analysis.resolved.matches

    @property
    def rejects(self) -> pl.DataFrame:
        """Input rows that could not be used, with the reason (rejects.csv)."""
        return self.analysis.ingested.rejects

    @property
    def records(self) -> pl.DataFrame:
        """Every mention of a person in a source file, before merging."""
        return self.analysis.ingested.records

    @property
    def messages(self) -> pl.DataFrame:
        """Every dated interaction read (messages, invitations, endorsements ...), before direction.

        The run frees this table once the events are made (memory): the first access reads the inputs again."""
        return self.analysis.ingested.messages

    @property
    def measures(self) -> pl.DataFrame:
        """The per-person measures the scores are built from (columns depend on the scoring model)."""
        return self.analysis.scored.measures

    @property
    def changes(self) -> pl.DataFrame:
        """What changed since the previous report (changes.csv): ``person_id, name, change, before, after, date,
        detail``; empty without a previous report."""
        from analyzer.followup.changes import CHANGES

        ft = self.analysis.followup
        return ft.changes if ft is not None else pl.DataFrame(schema=CHANGES)

    @property
    def plan(self) -> pl.DataFrame:
        """The reconnect plan (plan.csv, plus each reminder's calendar ``uid``); empty unless ``plan=N``."""
        from analyzer.followup.plan import PLAN

        ft = self.analysis.followup
        return ft.plan if ft is not None and ft.plan is not None else pl.DataFrame(schema=PLAN)

    @property
    def summary(self) -> dict[str, Any]:
        """The run summary of summary.json: counts per source file, owner identities, as-of date, timings."""
        return summary(self.analysis)

    @property
    def as_of(self) -> date:
        """The date treated as today."""
        return self.analysis.as_of

    def table(self, name: str) -> pl.DataFrame:
        """A table by name: one of ``TABLES``."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; one of {', '.join(TABLES)}")
        df = getattr(self, name)
        assert isinstance(df, pl.DataFrame)
        return df

    def to_pandas(self, name: str = "ranked") -> pd.DataFrame:
        """A table as a pandas DataFrame, e.g. ``res.to_pandas("people")`` (list columns become lists)."""
        return self.table(name).to_pandas()

    @property
    def pandas(self) -> _PandasTables:
        """Every table as pandas, by attribute: ``res.pandas.ranked``, ``res.pandas.interactions`` ..."""
        return _PandasTables(self)

    # ---- views ----------------------------------------------------------------------------------------
    def person(self, query: str) -> dict[str, Any]:
        """One person, found by name (accents and case ignored), email address, LinkedIn URL or person_id.

        Returns a dict: ``person`` (their people.csv row), ``ranking`` (their reconnect.csv row, or None),
        ``identities`` (the records merged into them: source file, name as written, emails, URL),
        ``merges`` (which rule joined which records, with the evidence), ``timeline`` (events per year by
        channel and direction), ``undated_events``, and ``other_matches`` (other people the query matched).
        Raises KeyError when no one matches.

        >>> res.person("ada@example.com")["timeline"]  # doctest: +SKIP
        """
        from analyzer.report.lookup import find_people, person_details

        if not isinstance(query, str):
            raise TypeError(f"query must be a name, address, profile URL or person_id (str), not {type(query).__name__}")
        hits = find_people(self.analysis, query)
        if hits.height == 0:
            raise KeyError(f"no person matches {query!r}")
        details = person_details(self.analysis, hits["person_id"][0])
        details["other_matches"] = hits.slice(1).select("person_id", "name", "kind").to_dicts()
        return details

    def company(self, name: str) -> pl.DataFrame:
        """Who you know at ``name`` (current or past, by company name or email domain), strongest first."""
        from analyzer.report.lookup import people_at_company

        if not isinstance(name, str):
            raise TypeError(f"name must be a company name or email domain (str), not {type(name).__name__}")
        return people_at_company(self.analysis, name)

    # ---- charts and report ----------------------------------------------------------------------------
    def charts(self, top: int = 25) -> list[Plotted]:
        """The report's charts, drawn but not saved: each with ``.figure``, ``.data`` (the numbers plotted),
        ``.title`` and ``.caption``."""
        from analyzer.report.charts import draw_all

        return draw_all(self.analysis, _count(top, "top", 1, 10_000))

    def figures(self, top: int = 25) -> dict[str, Figure]:
        """The report's charts as matplotlib Figures, by name (``top_candidates``, ``quadrant``, ``dormancy``,
        ``reciprocity``, ``growth``, ``channels``, ``companies``, ``eras``, ``overlap``).

        >>> res.figures()["quadrant"]  # doctest: +SKIP
        """
        return {p.key: p.figure for p in self.charts(top)}

    def write(self, out_dir: str | Path, top: int = 25, charts: bool = True) -> list[Path]:
        """Write the full report (CSVs, summary.json, charts/, report.html) into ``out_dir``, as
        ``reconnect analyze --out`` does; returns the paths written."""
        from analyzer.report import write_report

        return write_report(self.analysis, _paths(out_dir, "out_dir")[0], top=_count(top, "top", 1, 10_000),
                            charts=charts)

    def __repr__(self) -> str:
        s = self.summary
        p = s.get("people", {})
        return (f"<reconnect Result as of {s.get('as_of')}: {p.get('person', 0)} people ranked "
                f"({p.get('automated', 0)} automated kept out), {s.get('messages', 0)} messages, "
                f"{len(s.get('files', []))} files>")

    def _repr_html_(self) -> str:
        from analyzer.report.html import esc

        s = self.summary
        p = s.get("people", {})
        top = self.ranked.head(5)
        rows = "".join(f"<tr><td>{esc(r.get('rank'))}</td><td>{esc(r.get('name'))}</td>"
                       f"<td>{esc(r.get('company'))}</td><td>{esc(r.get('reason'))}</td></tr>"
                       for r in top.iter_rows(named=True))
        return (f"<p><b>reconnect</b> as of {esc(s.get('as_of'))}: {esc(p.get('person', 0))} people, "
                f"{esc(p.get('automated', 0))} automated kept out, {esc(s.get('messages', 0))} messages from "
                f"{esc(len(s.get('files', [])))} files.</p>"
                f"<table><tr><th>#</th><th>Name</th><th>Company</th><th>Why</th></tr>{rows}</table>")
