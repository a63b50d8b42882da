"""Charts of the network's make-up: (7) where contacts work, (8) people met per job, (9) source overlap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl

from analyzer.report.charts.base import (
    ACCENT,
    EDGE,
    LIGHT,
    NOTE,
    SOURCE_LABELS,
    TEXT,
    TICK,
    Plotted,
    _as_date,
    _axes_style,
    _has,
    _integer_ticks,
    _month_end,
    _no_data,
    _persons,
    fit_axes,
    fit_single,
    new_figure,
    shorten,
    style,
    tick_labels,
    title_room,
    x_room,
    y_room,
)

# (7) Where contacts work now
# ---------------------------------------------------------------------------------------------------------


def companies_data(people: pl.DataFrame, n: int = 15) -> tuple[pl.DataFrame, int, int]:
    """The ``n`` companies with most people (company names compared case- and space-insensitively, shown in
    their most common spelling); also the number of distinct companies and of people without one."""
    schema = {"company": pl.String, "people": pl.Int64}
    if not _has(people, "company"):
        return pl.DataFrame(schema=schema), 0, _persons(people).height
    df = _persons(people).with_columns(
        pl.col("company").str.replace_all(r"\s+", " ").str.strip_chars().alias("_c")
    )
    no_company = df.filter(pl.col("_c").is_null() | (pl.col("_c") == "")).height
    df = df.filter(pl.col("_c").is_not_null() & (pl.col("_c") != "")).with_columns(
        pl.col("_c").str.to_lowercase().alias("_k"))
    if df.height == 0:
        return pl.DataFrame(schema=schema), 0, no_company
    spelling = (df.group_by("_k", "_c").len().sort(["_k", "len", "_c"], descending=[False, True, False])
                .group_by("_k", maintain_order=True).first().select("_k", pl.col("_c").alias("company")))
    counts = df.group_by("_k").len().rename({"len": "people"})
    out = (counts.join(spelling, on="_k").sort(["people", "company"], descending=[True, False])
           .select("company", pl.col("people").cast(pl.Int64)))
    return out.head(n), out.height, no_company


def plot_companies(people: pl.DataFrame, n: int = 15) -> Plotted:
    """Horizontal bars: how many of your contacts work at each of the most common companies."""
    data, n_companies, no_company = companies_data(people, n)
    title = "Where your contacts work now"
    caption = (f"Number of people per company (the company on their most recent record), the {data.height} most "
               f"common of {n_companies} companies; {no_company} people have no company on record.")
    with style():
        if data.height == 0:
            fig = new_figure()
            _no_data(fig, title, "no companies on record")
            return Plotted("companies", title, caption, fig, data, note="no companies")
        fig = new_figure((10.0, max(4.0, 0.38 * data.height + 1.6)))
        ax = fig.add_subplot()
        ys = list(range(data.height))
        vals = data["people"].to_list()
        ax.barh(ys, vals, color=ACCENT, height=0.7)
        ax.set_yticks(ys, [shorten(c, 34) for c in data["company"].to_list()])
        ax.invert_yaxis()
        for y, v in zip(ys, vals, strict=True):
            ax.text(v, y, f" {v}", va="center", ha="left", fontsize=10)
        ax.set_xlim(0, max(vals) * 1.12 + 0.5)
        _integer_ticks(ax, "x")
        ax.set_xlabel("People")
        ax.set_title(title)
        _axes_style(ax)
        fit_single(fig, ax)
        return Plotted("companies", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (8) Employer eras
# ---------------------------------------------------------------------------------------------------------

OUTSIDE = "outside these jobs"


def _still_warm(df: pl.DataFrame, warm_threshold: float | None, warm_ratio: float) -> list[bool]:
    """Per row: warmth > ``warm_threshold`` when one is given; otherwise warmth has kept at least
    ``warm_ratio`` of the tie's strength (the tie has not gone quiet relative to its own rhythm)."""
    if "warmth" not in df.columns:
        return [False] * df.height
    w = pl.col("warmth").fill_null(0.0)
    if warm_threshold is not None:
        expr = w > warm_threshold
    elif "strength" in df.columns:
        expr = (w > 0) & (w >= warm_ratio * pl.col("strength").fill_null(0.0))
    else:
        return [False] * df.height
    return df.select(expr.fill_null(False).alias("w"))["w"].to_list()


def eras_data(positions: Sequence[Mapping[str, Any]], ranked: pl.DataFrame, as_of: date,
              warm_threshold: float | None = None, warm_ratio: float = 0.5) -> pl.DataFrame:
    """Per owner job (earliest first), the people first contacted during it (start month to end month,
    inclusive; an open job runs to ``as_of``) and how many are still warm — warmth at least ``warm_ratio``
    of their strength, or warmth > ``warm_threshold`` when given. A last row counts people first contacted
    outside every job. A person first contacted during two overlapping jobs counts in both."""
    schema = {"era": pl.String, "company": pl.String, "title": pl.String, "start": pl.Date, "end": pl.Date,
              "met": pl.Int64, "still_warm": pl.Int64}
    if not _has(ranked, "first_contact"):
        return pl.DataFrame(schema=schema)
    people = ranked.filter(pl.col("first_contact").is_not_null())
    firsts = people["first_contact"].to_list()
    warm = _still_warm(people, warm_threshold, warm_ratio)
    jobs = []
    for p in positions:
        start = _as_date(p.get("started_on"))
        if start is None or not p.get("company"):
            continue
        end_raw = _as_date(p.get("finished_on"))
        end = _month_end(end_raw) if end_raw is not None else as_of
        jobs.append((start, end, str(p.get("company") or ""), str(p.get("title") or "")))
    jobs.sort(key=lambda j: (j[0], j[1], j[2], j[3]))
    rows = []
    covered = [False] * len(firsts)
    for start, end, comp, ttl in jobs:
        inside = [start <= f <= end for f in firsts]
        covered = [c or i for c, i in zip(covered, inside, strict=True)]
        is_open = end == as_of
        span = f"{start.year}–{'now' if is_open else end.year}"
        rows.append({"era": f"{comp} ({span})", "company": comp, "title": ttl or None, "start": start, "end": end,
                     "met": sum(inside), "still_warm": sum(i and w for i, w in zip(inside, warm, strict=True))})
    if jobs:
        out_n = sum(not c for c in covered)
        out_w = sum((not c) and w for c, w in zip(covered, warm, strict=True))
        rows.append({"era": OUTSIDE, "company": None, "title": None, "start": None, "end": None,
                     "met": out_n, "still_warm": out_w})
    return pl.DataFrame(rows, schema=schema)


def plot_eras(positions: Sequence[Mapping[str, Any]], ranked: pl.DataFrame, as_of: date,
              warm_threshold: float | None = None, warm_ratio: float = 0.5) -> Plotted:
    """Horizontal bars per owner job: people first met then, and how many are still warm."""
    data = eras_data(positions, ranked, as_of, warm_threshold, warm_ratio)
    title = "People met during each of your jobs"
    rule = (f"warmth above {warm_threshold:.2f}" if warm_threshold is not None else
            f"warmth still at least {warm_ratio:.0%} of the relationship's strength")
    caption = (f"For each job in your LinkedIn positions: the people you were first in touch with during it, and "
               f"how many of them are still warm ({rule}). The last bar counts people first contacted outside "
               f"these dates.")
    with style():
        if data.height == 0 or int(data["met"].sum()) == 0:
            fig = new_figure()
            why = ("no jobs with dates (Positions.csv) were read" if data.height == 0
                   else "no first-contact dates fall in any job")
            _no_data(fig, title, why)
            return Plotted("eras", title, caption, fig, data, note=why)
        fig = new_figure((10.0, max(4.0, 0.55 * data.height + 1.8)))
        ax = fig.add_subplot()
        ys = list(range(data.height))
        met, warm = data["met"].to_list(), data["still_warm"].to_list()
        labels = []
        for era, ttl in data.select("era", "title").iter_rows():
            labels.append(shorten(era, 40) + (f"\n{shorten(ttl, 40)}" if ttl else ""))
        ax.barh(ys, met, color=LIGHT, height=0.72, label="first met during the job")
        ax.barh(ys, warm, color=ACCENT, height=0.72, label="of whom still warm")
        for y, m, w in zip(ys, met, warm, strict=True):
            ax.text(m, y, f" {w} of {m} warm" if m else " 0", va="center", ha="left", fontsize=10)
        ax.set_yticks(ys, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, max(met) * 1.3 + 0.5)
        _integer_ticks(ax, "x")
        ax.set_xlabel("People")
        ax.set_title(title)
        ax.legend(loc="lower right", frameon=False)
        _axes_style(ax)
        fit_single(fig, ax)
        return Plotted("eras", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (9) Source overlap (UpSet-style)
# ---------------------------------------------------------------------------------------------------------


def source_family(kind: str) -> str:
    """``linkedin.connections`` -> ``linkedin``."""
    return kind.split(".", 1)[0]


def overlap_data(people: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(combinations, sets). combinations: combination (e.g. "contacts+linkedin"), families (list),
    n_sources, people — per distinct set of source families, most people first. sets: family, people."""
    cschema: dict[str, Any] = {"combination": pl.String, "families": pl.List(pl.String), "n_sources": pl.Int64,
               "people": pl.Int64}
    sschema: dict[str, Any] = {"family": pl.String, "people": pl.Int64}
    if not _has(people, "sources"):
        return pl.DataFrame(schema=cschema), pl.DataFrame(schema=sschema)
    # per person the sorted distinct families of its sources (source_family, vectorised); then counted.
    # Exploded rather than list.eval: string functions inside list.eval cost 15x more on 40,000 people.
    fams = (
        _persons(people).select(pl.col("sources")).with_row_index("_person")
        .explode("sources")
        .filter(pl.col("sources").is_not_null() & (pl.col("sources") != ""))
        .group_by("_person")
        .agg(pl.col("sources").str.split(".").list.first().unique().sort().alias("f"))
        .select("f")
    )
    combos: dict[tuple[str, ...], int] = {tuple(f): n for f, n in fams.group_by("f").len().iter_rows()}
    sets: dict[str, int] = dict(fams.select(pl.col("f").explode()).group_by("f").len().iter_rows())
    crow = sorted(combos.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
    cdf = pl.DataFrame({"combination": ["+".join(k) for k, _ in crow], "families": [list(k) for k, _ in crow],
                        "n_sources": [len(k) for k, _ in crow], "people": [v for _, v in crow]}, schema=cschema)
    order = [f for f in SOURCE_LABELS if f in sets] + sorted(set(sets) - set(SOURCE_LABELS))
    sdf = pl.DataFrame({"family": order, "people": [sets[f] for f in order]}, schema=sschema)
    return cdf, sdf


def plot_overlap(people: pl.DataFrame, max_combinations: int = 12) -> Plotted:
    """UpSet-style chart: people per combination of sources (bars) over a membership matrix (dots)."""
    combos, sets = overlap_data(people)
    title = "Which sources each person was found in"
    total = int(combos["people"].sum()) if combos.height else 0
    multi = int(combos.filter(pl.col("n_sources") > 1)["people"].sum()) if combos.height else 0
    caption = (f"People (after merging identities) per combination of sources: {total} people, {multi} of them "
               f"found in more than one of LinkedIn, mail and address books — the overlaps show the merging at work.")
    with style():
        fig = new_figure()
        if combos.height == 0:
            _no_data(fig, title, "no people with known sources")
            return Plotted("overlap", title, caption, fig, combos, note="no sources")
        shown = combos.head(max_combinations)
        fams = sets["family"].to_list()
        ax, mat = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3.0, 0.3 * len(fams) + 0.3]})
        xs = list(range(shown.height))
        vals = shown["people"].to_list()
        ax.bar(xs, vals, color=ACCENT, width=0.6)
        for x, v in zip(xs, vals, strict=True):
            ax.text(x, v, str(v), ha="center", va="bottom", fontsize=10)
        ax.set_ylim(0, max(vals) * 1.15 + 0.5)
        _integer_ticks(ax, "y")
        ax.set_ylabel("People")
        ax.set_title(title)
        ax.tick_params(axis="x", bottom=False, labelbottom=False)
        _axes_style(ax)
        # the membership matrix: every dot grey, the member dots black on top, joined by a line (three artists)
        ys = list(range(len(fams)))
        on = [[fams.index(f) for f in members if f in fams] for members in shown["families"].to_list()]
        mat.scatter([x for x in xs for _ in ys], [y for _ in xs for y in ys], s=70, color="#DDDDDD", zorder=1)
        mat.scatter([x for x, o in zip(xs, on, strict=True) for _ in o], [y for o in on for y in o], s=70,
                    color=TEXT, zorder=3)
        joins = [[(x, min(o)), (x, max(o))] for x, o in zip(xs, on, strict=True) if len(o) > 1]
        if joins:
            from matplotlib.collections import LineCollection

            mat.add_collection(LineCollection(joins, colors=TEXT, linewidths=2, zorder=2), autolim=False)
        labels = [f"{SOURCE_LABELS.get(f, f)} ({n})" for f, n in sets.iter_rows()]
        mat.set_yticks(ys, labels)
        mat.set_ylim(len(fams) - 0.5, -0.5)
        mat.tick_params(axis="x", bottom=False, labelbottom=False)
        mat.set_xlim(-0.6, max(xs) + 0.6)
        for sp in ("left", "bottom", "top", "right"):
            mat.spines[sp].set_visible(False)
        mat.set_xlabel("Combination of sources (dots: found there)")
        _axes_style(mat)
        # fixed layout: the widest of the matrix's labels and the bars' tick labels with their label on the left
        left = max(y_room(fig, labels, ylabel=False), y_room(fig, tick_labels(ax.yaxis)))
        bottom, top = x_room(tick_lines=0) + TICK, title_room()
        gap = 14.0
        plot_h = fig.get_size_inches()[1] * 72.0 - bottom - top
        fit_axes(fig, left, bottom, EDGE + 6.0, top, hspace=2.0 * gap / (plot_h - gap))
        note = "" if combos.height <= max_combinations else f"{combos.height - max_combinations} rarer combinations not shown"
        if note:
            ax.text(0.99, 0.98, note, transform=ax.transAxes, ha="right", va="top", fontsize=10, color=NOTE)
        return Plotted("overlap", title, caption, fig, combos)


# ---------------------------------------------------------------------------------------------------------
# All charts of an analysis
