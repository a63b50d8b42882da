"""Charts of the ranking: (1) the top reconnect candidates, (2) strength × time since last contact."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


from analyzer.report.charts.base import (
    _LOG_TICKS,
    ACCENT,
    EDGE,
    MUTED,
    NOTE,
    STYLE,
    TEXT,
    TITLE_PAD,
    Plotted,
    _axes_style,
    _has,
    _no_data,
    abbreviate_reason,
    fit_axes,
    fit_single,
    label_height,
    new_figure,
    shorten,
    style,
    text_width,
    x_room,
    y_room,
)

# ---------------------------------------------------------------------------------------------------------
# (1) Top reconnect candidates
# ---------------------------------------------------------------------------------------------------------


#: The columns of the ranked table that :func:`top_candidates_data` reads.
TOP_COLUMNS = ("rank", "person_id", "name", "company", "score", "reason")


def top_candidates_rows(ranked: pl.DataFrame, top: int = 15) -> pl.DataFrame:
    """The ``top`` best-ranked people with a score, best first, with only the columns of :data:`TOP_COLUMNS`
    they have (a ``rank`` is numbered when there is none): all that :func:`top_candidates_data` reads, which
    gives the same data from these rows as from the whole table (so that only they travel to a worker)."""
    df = ranked.select([c for c in TOP_COLUMNS if c in ranked.columns])
    if not _has(df, "name", "score"):
        return df.head(0)
    df = df.filter(pl.col("score").is_not_null() & pl.col("score").is_finite())
    if "rank" in df.columns:
        df = df.sort("rank")
    else:
        df = df.sort("score", descending=True, maintain_order=True).with_row_index("rank", offset=1)
    return df.head(top)


def top_candidates_data(ranked: pl.DataFrame, top: int = 15) -> pl.DataFrame:
    """rank, person_id, name, company, score, reason_short of the ``top`` best-ranked people with a score."""
    if not _has(ranked, "name", "score"):
        return pl.DataFrame(schema={"rank": pl.Int64, "person_id": pl.String, "name": pl.String,
                                    "company": pl.String, "score": pl.Float64, "reason_short": pl.String})
    df = top_candidates_rows(ranked, top)
    return df.select(
        pl.col("rank").cast(pl.Int64),
        (pl.col("person_id") if "person_id" in df.columns else pl.lit(None, pl.String)).alias("person_id"),
        pl.col("name"),
        (pl.col("company") if "company" in df.columns else pl.lit(None, pl.String)).alias("company"),
        pl.col("score").cast(pl.Float64),
        pl.Series("reason_short", [abbreviate_reason(r, 76 - len(shorten(c, 22)) - 3 if c else 76) for r, c in
                                   zip(df["reason"] if "reason" in df.columns else [None] * df.height,
                                       df["company"] if "company" in df.columns else [None] * df.height,
                                       strict=True)],
                  dtype=pl.String),
    )


def plot_top_candidates(ranked: pl.DataFrame, top: int = 15) -> Plotted:
    """Horizontal bars of the reconnect score of the ``top`` candidates, each with its reason abbreviated."""
    data = top_candidates_data(ranked, top)
    n = data.height
    title = f"Top {n} people to reconnect with" if n else "Top people to reconnect with"
    caption = ("Highest reconnect priority first — strong, two-way relationships that have gone quiet. "
               "Bars show the score; the text beside each bar abbreviates the reason in the list below.")
    with style():
        if n == 0:
            fig = new_figure()
            _no_data(fig, title, "no one has a reconnect score yet")
            return Plotted("top_candidates", title, caption, fig, data, note="no ranked people")
        fig = new_figure((12.0, max(4.5, 0.42 * n + 1.8)))
        names = [f"{r}. {shorten(nm, 26)}" for r, nm in zip(data["rank"], data["name"], strict=True)]
        whys = []
        for comp, why in zip(data["company"], data["reason_short"], strict=True):
            head = shorten(comp, 22) if comp else ""
            whys.append(shorten(f"{head} · {why}" if head and why else (head or why), 78))
        # fixed layout: the names decide the left margin; the reasons get the share of the width they need
        # (at least 1.55 times the bars'), the bars the rest
        left = y_room(fig, names, ylabel=False)
        gap, right = 20.0, EDGE
        avail = 12.0 * 72.0 - left - gap - right
        needed = text_width(fig, whys, 10.0) + 4.0
        side_w = min(max(avail / 2.55 * 1.55, needed), avail - 144.0)
        why_size = max(7.0, 10.0 * min(1.0, side_w / needed))  # reasons too wide even so: a smaller font
        ax, side = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [avail - side_w, side_w]})
        suptitle = float(STYLE["figure.titlesize"])
        above = EDGE + label_height(suptitle) + 4.0 + label_height(11.0) + TITLE_PAD
        fit_axes(fig, left, x_room(), right, above, wspace=gap / (avail / 2.0))
        ys = list(range(n))
        scores = data["score"].to_list()
        ax.barh(ys, scores, color=ACCENT, height=0.7)
        ax.set_yticks(ys, names)
        ax.invert_yaxis()
        hi = max(max(scores), 0.0)
        lo = min(min(scores), 0.0)
        span = (hi - lo) or 1.0
        ax.set_xlim(lo, hi + 0.18 * span)
        for y, s in zip(ys, scores, strict=True):
            ax.text(max(s, 0.0) + 0.015 * span, y, f"{s:.2f}", va="center", ha="left", fontsize=10, color=TEXT)
        ax.set_xlabel("Reconnect score (higher = reach out sooner)")
        ax.set_ylabel("")
        _axes_style(ax)
        side.set_axis_off()
        side.set_xlim(0, 1)
        for y, text in zip(ys, whys, strict=True):
            side.text(0.0, y, text, va="center", ha="left", fontsize=why_size, color=TEXT)
        side.set_title("Why (abbreviated)", loc="left", fontsize=11, fontweight="normal", color=NOTE)
        fig.suptitle(title, y=1.0 - EDGE / (fig.get_size_inches()[1] * 72.0), va="top")
        return Plotted("top_candidates", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (2) Strength × dormancy quadrant
# ---------------------------------------------------------------------------------------------------------

QUADRANTS = {
    "dormant strong": "dormant strong ties — reconnect",
    "active strong": "strong and in touch — keep it up",
    "dormant weak": "weak and dormant — low priority",
    "active weak": "weak but recent — nurture if useful",
}


def strength_split(df: pl.DataFrame) -> float:
    """The median strength of the people in ``df`` whose strength is above 0 (0 when no one's is): many
    contacts have no strength at all, and splitting at their median would call nearly everyone strong."""
    pos = df.filter(pl.col("strength").is_not_null() & pl.col("strength").is_finite() & (pl.col("strength") > 0))
    return float(pos["strength"].median() or 0.0) if pos.height else 0.0  # type: ignore[arg-type]


def quadrant_data(ranked: pl.DataFrame, dormant_days: int = 180, top_labels: int = 10) -> pl.DataFrame:
    """Per person with a last contact and a strength: days (≥ 1), years, strength, quadrant, labelled.

    The horizontal split is :func:`strength_split` of the people plotted; the vertical one ``dormant_days``.
    ``labelled`` marks the ``top_labels`` best-ranked of them (their names are drawn where there is room:
    :func:`plot_quadrant` adds ``label_drawn``)."""
    schema = {"person_id": pl.String, "name": pl.String, "rank": pl.Int64, "days": pl.Int64,
              "years": pl.Float64, "strength": pl.Float64, "quadrant": pl.String, "labelled": pl.Boolean}
    if not _has(ranked, "days_since_contact", "strength"):
        return pl.DataFrame(schema=schema)
    df = ranked.filter(pl.col("days_since_contact").is_not_null() & pl.col("strength").is_not_null()
                       & pl.col("strength").is_finite())
    if df.height == 0:
        return pl.DataFrame(schema=schema)
    if "rank" not in df.columns:
        df = df.with_row_index("rank", offset=1)
    mid = strength_split(df)
    df = df.sort("rank").with_columns(
        pl.col("days_since_contact").clip(lower_bound=1).cast(pl.Int64).alias("days"),
        pl.col("strength").cast(pl.Float64),
        pl.col("rank").cast(pl.Int64),
    ).with_columns(
        (pl.col("days") / 365.25).alias("years"),
        pl.when(pl.col("days") >= dormant_days).then(pl.lit("dormant")).otherwise(pl.lit("active"))
        .alias("_x"),
        pl.when(pl.col("strength") > mid).then(pl.lit("strong")).otherwise(pl.lit("weak")).alias("_y"),
        (pl.int_range(pl.len()) < top_labels).alias("labelled"),
    ).with_columns((pl.col("_x") + " " + pl.col("_y")).alias("quadrant"))
    return df.select(
        (pl.col("person_id") if "person_id" in df.columns else pl.lit(None, pl.String)).alias("person_id"),
        (pl.col("name") if "name" in df.columns else pl.lit(None, pl.String)).alias("name"),
        "rank", "days", "years", "strength", "quadrant", "labelled",
    )


_ARC3_ONCE: Any = None


def straight_leader() -> Any:
    """matplotlib's default connection of an annotation's arrow (a straight ``arc3``), clipped by the label's box
    in less time: the box's outline and transform are read once per drawing, where matplotlib's
    ``Patch.contains`` builds them anew at each of the points its clipping tries (about 20 per leader line, 5 ms
    each line). The points are tested in the same way (``Path.contains_point`` of each subpath), so the line ends
    at the same place."""
    global _ARC3_ONCE
    if _ARC3_ONCE is None:
        import numpy as np
        from matplotlib.patches import ConnectionStyle
        from matplotlib.path import Path

        class Arc3Once(ConnectionStyle.Arc3):
            def _in_patch(self, patch: Any) -> Any:
                radius = patch._process_radius(None)
                path = patch.get_path()
                transform = patch.get_transform()
                if path.codes is not None:
                    starts = np.where(path.codes == Path.MOVETO)[0][1:]
                    subpaths = list(map(Path, np.split(path.vertices, starts), np.split(path.codes, starts)))
                else:
                    subpaths = [path]
                return lambda xy: any(sub.contains_point((xy[0], xy[1]), transform, radius) for sub in subpaths)

        _ARC3_ONCE = Arc3Once
    return _ARC3_ONCE()


def _place_labels(fig: Figure, ax: Axes, points: Sequence[tuple[float, float, str]],
                  obstacles: Sequence[Any] = ()) -> list[bool]:
    """Name labels beside their points: each is tried at positions around its point, nearest first, until
    it overlaps no other label, no other labelled marker and no ``obstacles`` (the quadrant notes, the
    legend). A label that fits nowhere is left out rather than drawn over another; returns which were drawn."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the layout is fixed: positions are final
    frame = ax.get_window_extent(renderer)
    r = 4.0 * fig.dpi / 72.0
    marks = [Bbox.from_extents(px - r, py - r, px + r, py + r)
             for px, py in ax.transData.transform([(x, y) for x, y, _ in points])] if points else []
    blocked = [a.get_window_extent(renderer) for a in obstacles]
    offsets = [(5, 2), (5, -12), (-5, 2), (-5, -12)]
    for rad in (14, 26, 40, 56, 76, 100):
        offsets += [(rad, rad // 2), (rad, -rad // 2 - 10), (-rad, rad // 2), (-rad, -rad // 2 - 10), (0, rad),
                    (0, -rad - 10), (rad, -5), (-rad, -5)]
    box = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75}
    leader = {"arrowstyle": "-", "color": "#888888", "lw": 0.6, "shrinkA": 0, "shrinkB": 3}

    def align(dx: float) -> Literal["left", "center", "right"]:
        return "left" if dx > 0 else ("right" if dx < 0 else "center")

    drawn = []
    for k, (x, y, label) in enumerate(points):
        others = blocked + marks[:k] + marks[k + 1:]
        ok = False
        # one probe moved from position to position (the text's extent does not depend on its leader line),
        # then the label itself where it fits: a new annotation per position tried cost 0.3 ms each
        probe = ax.annotate(label, (x, y), xytext=offsets[0], textcoords="offset points", fontsize=10,
                            ha=align(offsets[0][0]), va="bottom", annotation_clip=False, bbox=box)
        # the text's extent at each position, as Text.get_window_extent computes it (its layout for the alignment,
        # moved to the position in display space) but with the layout made once per alignment and the
        # offset-points transform, which depends only on the point, made once per label
        probe.update_positions(renderer)
        to_display = probe.get_transform()
        layouts: dict[str, Any] = {}
        for dx, dy in offsets:
            ha = align(dx)
            layout = layouts.get(ha)
            if layout is None:
                probe.set_horizontalalignment(ha)
                layout = layouts[ha] = probe._get_layout(renderer)[0]  # type: ignore[attr-defined]
            px, py = to_display.transform((float(dx), float(dy)))
            # the text alone, without the leader line; with a margin, so that two labels never touch
            bb = layout.translated(px, py).padded(2.0)
            fits = bb.x0 >= frame.x0 and bb.x1 <= frame.x1 and bb.y0 >= frame.y0 and bb.y1 <= frame.y1
            if fits and not any(bb.overlaps(o) for o in others):
                blocked.append(bb)
                near = abs(dx) <= 5 and -12 <= dy <= 2
                arrow = None if near else dict(leader, connectionstyle=straight_leader())
                ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=10, ha=align(dx),
                            va="bottom", color=TEXT, arrowprops=arrow, annotation_clip=False,
                            zorder=5, bbox=box)
                ok = True
                break
        probe.remove()
        drawn.append(ok)
    return drawn


def plot_quadrant(ranked: pl.DataFrame, dormant_days: int = 180, top_labels: int = 10) -> Plotted:
    """Scatter of strength against time since last contact (log scale), split in four quadrants."""
    data = quadrant_data(ranked, dormant_days, top_labels)
    title = "Relationship strength × time since last contact"
    nl = int(data["labelled"].sum()) if data.height else 0
    caption = (f"Each dot is a person: further right = longer silence (log scale), higher = stronger at its best. "
               f"Top right are the dormant strong ties worth reconnecting with; the {nl} highest-ranked are named. "
               f"Lines: {dormant_days} days of silence and the median strength of ties with any.")
    with style():
        fig = new_figure()
        if data.height == 0:
            _no_data(fig, title, "no one with both a last contact date and a strength")
            return Plotted("quadrant", title, caption, fig, data, note="no contacts with dates")
        ax = fig.add_subplot()
        mid = strength_split(data)
        days = data["days"].to_list()
        lo_x = min([*days, dormant_days]) / 1.6
        hi_x = max([*days, dormant_days]) * 1.6
        ax.set_xscale("log")
        ax.set_xlim(max(lo_x, 0.7), hi_x)
        s = data["strength"].to_list()
        span = (max(s) - min(s)) or 1.0
        ax.set_ylim(min(s) - 0.08 * span, max(s) + 0.2 * span)
        ax.axvspan(dormant_days, hi_x, ymin=0, ymax=1, color="#FFF4E0", zorder=0)
        ax.axvline(dormant_days, color="#888888", lw=1, ls="--", zorder=1)
        ax.axhline(mid, color="#888888", lw=1, ls="--", zorder=1)
        rest = data.filter(~pl.col("labelled"))
        top = data.filter(pl.col("labelled"))
        n = rest.height  # smaller, lighter dots as the network grows, so that density still shows
        size, alpha = (22, 0.8) if n <= 500 else ((12, 0.55) if n <= 3000 else (6, 0.35))
        # numpy arrays, not lists: matplotlib checks a list for masked values element by element (0.3 s for 40,000).
        # Markers of a line rather than a scatter: Agg stamps one rendered dot (draw_markers) instead of filling
        # a path per point, in half the time for 20,000 dots, and they look the same (size = sqrt of the area)
        ax.plot(rest["days"].to_numpy(), rest["strength"].to_numpy(), linestyle="none", marker="o",
                markersize=size ** 0.5, markeredgewidth=0, color=MUTED, alpha=alpha, zorder=2, label="others")
        ax.scatter(top["days"].to_list(), top["strength"].to_list(), s=46, color=ACCENT, edgecolors="white",
                   linewidths=0.6, zorder=3, label=f"top {top.height} by reconnect score")
        ticks = [(d, lab) for d, lab in _LOG_TICKS if ax.get_xlim()[0] <= d <= ax.get_xlim()[1]]
        ax.set_xticks([d for d, _ in ticks], [lab for _, lab in ticks])
        ax.minorticks_off()
        ax.set_xlabel("Time since last contact (log scale)")
        ax.set_ylabel("Relationship strength (at its best)")
        ax.set_title(title)
        _axes_style(ax)
        fit_single(fig, ax)
        box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "none", "alpha": 0.85}
        notes = []
        for (xa, ya, ha, va), key in (((0.99, 0.98, "right", "top"), "dormant strong"),
                                      ((0.01, 0.98, "left", "top"), "active strong"),
                                      ((0.99, 0.02, "right", "bottom"), "dormant weak"),
                                      ((0.01, 0.02, "left", "bottom"), "active weak")):
            bold = key == "dormant strong"
            notes.append(ax.text(xa, ya, QUADRANTS[key], transform=ax.transAxes, ha=ha, va=va,
                                 fontsize=10.5 if bold else 10, fontweight="bold" if bold else "normal",
                                 color="#A05A00" if bold else NOTE, bbox=box, zorder=4))
        legend = ax.legend(loc="center left", fontsize=10, bbox_to_anchor=(0.0, 0.62), frameon=True,
                           framealpha=0.9, edgecolor="none", facecolor="white")
        legend.set_zorder(6)
        from matplotlib.lines import Line2D

        for h in legend.legend_handles:  # legend dots at full size and colour, whatever the cloud's
            if isinstance(h, Line2D):
                h.set_alpha(1.0)
                h.set_markersize(30 ** 0.5)
            elif h is not None:
                h.set_alpha(1.0)
                h.set_sizes([30])  # type: ignore[attr-defined]
        drawn = _place_labels(fig, ax, [(float(d), float(st), shorten(nm, 22))
                                        for d, st, nm in top.select("days", "strength", "name").iter_rows()],
                              obstacles=[*notes, legend])
        ids = set(top.with_columns(pl.Series("_d", drawn, dtype=pl.Boolean)).filter(pl.col("_d"))["rank"])
        data = data.with_columns(pl.col("rank").is_in(list(ids)).alias("label_drawn"))
        if len(ids) < nl:
            caption = caption.replace(f"the {nl} highest-ranked are named",
                                      f"{len(ids)} of the {nl} highest-ranked are named (no room for the rest)")
        return Plotted("quadrant", title, caption, fig, data)
