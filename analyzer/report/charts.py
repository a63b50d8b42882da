"""The charts of the report (SPEC §7): matplotlib PNGs that read at a glance.

Every chart is a pure function of the frames it plots, returning a :class:`Plotted` — the figure, plus the
exact numbers it drew (``Plotted.data``, a polars frame) so tests and notebooks can check them. The
``*_data`` functions compute those numbers alone. :func:`make_charts` draws them all from an
:class:`~analyzer.pipeline.Analysis` and writes PNGs; :func:`draw_all` returns the figures unsaved (the
notebook API uses it).

Figures are built with the object-oriented API on an Agg canvas (no pyplot, so nothing depends on the
process-wide backend and nothing needs a display); styles are fixed and PNGs carry no software/date
metadata, so the same data gives byte-identical files. Untrusted text (names, companies) is drawn with
mathtext disabled, so a ``$`` in a name is just a dollar sign.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import polars as pl
from cycler import cycler
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from analyzer.pipeline import Analysis

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------
# Style
# ---------------------------------------------------------------------------------------------------------

DPI = 120
SIZE = (10.0, 6.0)
#: Colour-blind-safe palette (Okabe–Ito), fixed order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCENT = "#0072B2"
MUTED = "#9AA5B1"
LIGHT = "#C9DCEB"
TEXT = "#222222"
NOTE = "#555555"

STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",  # shipped with matplotlib: same glyphs on every machine
    "font.size": 10.5,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": TEXT,
    "text.color": TEXT,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "axes.prop_cycle": cycler(color=PALETTE),
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "text.parse_math": False,  # names are untrusted: "$x$" must not be parsed as mathtext
    "text.usetex": False,
    "svg.hashsalt": "reconnect",
}

CHANNELS: dict[str, tuple[str, str]] = {  # channel -> (label, colour)
    "email": ("Email", "#0072B2"),
    "linkedin_message": ("LinkedIn messages", "#56B4E9"),
    "linkedin_invitation": ("LinkedIn invitations", "#E69F00"),
    "linkedin_endorsement": ("Endorsements", "#009E73"),
    "linkedin_recommendation": ("Recommendations", "#CC79A7"),
}

SOURCE_LABELS = {"linkedin": "LinkedIn", "mail": "Mail", "contacts": "Address books"}

TIERS = ("strongest third", "middle third", "weakest third")
TIER_COLOURS = ("#0072B2", "#56B4E9", "#C9DCEB")

#: Bins of the two-way dormancy histogram: (label, lower bound in days inclusive).
DORMANCY_BINS: tuple[tuple[str, int], ...] = (
    ("< 1 month", 0), ("1–3 months", 30), ("3–6 months", 91), ("6–12 months", 182),
    ("1–2 years", 365), ("2–5 years", 730), ("5–10 years", 1826), ("10+ years", 3652),
)

_LOG_TICKS = ((1, "1 day"), (7, "1 wk"), (30, "1 mo"), (91, "3 mo"), (182, "6 mo"), (365, "1 yr"), (730, "2 yrs"),
              (1826, "5 yrs"), (3652, "10 yrs"), (7305, "20 yrs"))


@contextmanager
def style() -> Iterator[None]:
    """The fixed chart style (and silence for glyphs a name uses that the font lacks)."""
    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        warnings.filterwarnings("ignore", message=r".*[Mm]atplotlib currently does not support")
        yield


def new_figure(size: tuple[float, float] = SIZE) -> Figure:
    """A white figure with constrained layout on an Agg canvas (call inside :func:`style`)."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _axes_style(ax: Axes) -> None:
    ax.tick_params(labelsize=10)


def _integer_ticks(ax: Axes, which: str) -> None:
    """Counts: ticks on whole numbers only."""
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if which == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def shorten(text: str | None, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    s = " ".join((text or "").split())
    return s if len(s) <= width else s[: max(width - 1, 1)].rstrip() + "…"


def abbreviate_reason(reason: str | None, width: int = 80) -> str:
    """The first clauses of a reason (split at ``;``) that fit in ``width`` characters."""
    parts = [p.strip().rstrip(".") for p in (reason or "").split(";") if p.strip()]
    out = ""
    for p in parts:
        cand = f"{out}; {p}" if out else p
        if len(cand) > width:
            break
        out = cand
    return out or shorten(parts[0] if parts else "", width)


def _has(df: pl.DataFrame | None, *cols: str) -> bool:
    return df is not None and all(c in df.columns for c in cols)


def _persons(people: pl.DataFrame) -> pl.DataFrame:
    """Humans only (no owner, no automated senders) when ``kind`` is known."""
    return people.filter(pl.col("kind") == "person") if _has(people, "kind") else people


def _no_data(fig: Figure, title: str, message: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, f"No data to show\n{message}", ha="center", va="center", fontsize=12, color=NOTE,
            transform=ax.transAxes, wrap=True)


def _month(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1mo").cast(pl.Date)


def _month_range(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _as_date(value: Any) -> date | None:
    """A date from a date, datetime or a string such as ``2018-06-01``, ``2018-06``, ``Jun 2018``, ``2018``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%b %Y", "%B %Y", "%Y", "%m/%Y", "%d %b %Y"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def _month_end(d: date) -> date:
    nxt = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
    return nxt - timedelta(days=1)


# ---------------------------------------------------------------------------------------------------------
# The result of drawing one chart
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Plotted:
    """One drawn chart: the figure and the numbers it shows."""

    key: str  # stable name, e.g. "quadrant"; the PNG is <NN>_<key>.png
    title: str
    caption: str  # one line for the HTML report
    figure: Figure
    data: pl.DataFrame  # exactly what was plotted
    note: str = ""  # set when the chart shows "no data" (or could not be drawn)

    @property
    def empty(self) -> bool:
        """True when the chart is a "no data" placeholder."""
        return bool(self.note)


@dataclass(frozen=True)
class Chart:
    """One PNG written into charts/."""

    filename: str
    title: str
    caption: str
    key: str = ""
    path: Path | None = None  # where the PNG was written
    note: str = ""  # "no data ..." when the chart is a placeholder
    data_rows: int = 0


# ---------------------------------------------------------------------------------------------------------
# (1) Top reconnect candidates
# ---------------------------------------------------------------------------------------------------------


def top_candidates_data(ranked: pl.DataFrame, top: int = 15) -> pl.DataFrame:
    """rank, person_id, name, company, score, reason_short of the ``top`` best-ranked people with a score."""
    if not _has(ranked, "name", "score"):
        return pl.DataFrame(schema={"rank": pl.Int64, "person_id": pl.String, "name": pl.String,
                                    "company": pl.String, "score": pl.Float64, "reason_short": pl.String})
    df = ranked.filter(pl.col("score").is_not_null() & pl.col("score").is_finite())
    if "rank" in df.columns:
        df = df.sort("rank")
    else:
        df = df.sort("score", descending=True, maintain_order=True).with_row_index("rank", offset=1)
    df = df.head(top)
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
        ax, side = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.0, 1.55]})
        ys = list(range(n))
        scores = data["score"].to_list()
        ax.barh(ys, scores, color=ACCENT, height=0.7)
        ax.set_yticks(ys, [f"{r}. {shorten(nm, 26)}" for r, nm in zip(data["rank"], data["name"], strict=True)])
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
        for y, comp, why in zip(ys, data["company"], data["reason_short"], strict=True):
            head = shorten(comp, 22) if comp else ""
            text = f"{head} · {why}" if head and why else (head or why)
            side.text(0.0, y, shorten(text, 78), va="center", ha="left", fontsize=10, color=TEXT)
        side.set_title("Why (abbreviated)", loc="left", fontsize=11, fontweight="normal", color=NOTE)
        fig.suptitle(title)
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


def _place_labels(fig: Figure, ax: Axes, points: Sequence[tuple[float, float, str]],
                  obstacles: Sequence[Any] = ()) -> list[bool]:
    """Name labels beside their points: each is tried at positions around its point, nearest first, until
    it overlaps no other label, no other labelled marker and no ``obstacles`` (the quadrant notes, the
    legend). A label that fits nowhere is left out rather than drawn over another; returns which were drawn."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    fig.canvas.draw()  # settle the layout so that display coordinates are final
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
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
    drawn = []
    for k, (x, y, label) in enumerate(points):
        others = blocked + marks[:k] + marks[k + 1:]
        ok = False
        for dx, dy in offsets:
            near = abs(dx) <= 5 and -12 <= dy <= 2
            t = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=10,
                            ha="left" if dx > 0 else ("right" if dx < 0 else "center"), va="bottom", color=TEXT,
                            arrowprops=None if near else {"arrowstyle": "-", "color": "#888888", "lw": 0.6,
                                                          "shrinkA": 0, "shrinkB": 3},
                            annotation_clip=False, zorder=5, bbox=box)
            t.set_in_layout(False)
            t.update_positions(renderer)
            bb = Text.get_window_extent(t, renderer)  # the text alone, without the leader line
            fits = bb.x0 >= frame.x0 and bb.x1 <= frame.x1 and bb.y0 >= frame.y0 and bb.y1 <= frame.y1
            if fits and not any(bb.overlaps(o) for o in others):
                blocked.append(bb)
                ok = True
                break
            t.remove()
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
        ax.scatter(rest["days"].to_list(), rest["strength"].to_list(), s=size, color=MUTED, alpha=alpha,
                   edgecolors="none", zorder=2, label="others")
        ax.scatter(top["days"].to_list(), top["strength"].to_list(), s=46, color=ACCENT, edgecolors="white",
                   linewidths=0.6, zorder=3, label=f"top {top.height} by reconnect score")
        ticks = [(d, lab) for d, lab in _LOG_TICKS if ax.get_xlim()[0] <= d <= ax.get_xlim()[1]]
        ax.set_xticks([d for d, _ in ticks], [lab for _, lab in ticks])
        ax.minorticks_off()
        ax.set_xlabel("Time since last contact (log scale)")
        ax.set_ylabel("Relationship strength (at its best)")
        ax.set_title(title)
        _axes_style(ax)
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
        for h in legend.legend_handles:  # legend dots at full size and colour, whatever the cloud's
            if h is not None:
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


# ---------------------------------------------------------------------------------------------------------
# (3) Days since the last two-way contact, by strength tier
# ---------------------------------------------------------------------------------------------------------


def _cutoff(as_of: date) -> datetime:
    return datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)


def two_way_contact(events: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """person_id, last_sent, last_received, last_two_way (dates) from EVENTS + person_id.

    The last two-way contact is the earlier of the last message each side sent: up to that day the
    relationship went both ways. Null when one side never wrote."""
    schema = {"person_id": pl.String, "last_sent": pl.Date, "last_received": pl.Date, "last_two_way": pl.Date}
    if not _has(events, "person_id", "timestamp", "direction"):
        return pl.DataFrame(schema=schema)
    ev = events.filter(pl.col("person_id").is_not_null() & pl.col("timestamp").is_not_null()
                       & (pl.col("timestamp") < _cutoff(as_of)))
    return ev.group_by("person_id").agg(
        pl.col("timestamp").filter(pl.col("direction") == "sent").max().dt.date().alias("last_sent"),
        pl.col("timestamp").filter(pl.col("direction") == "received").max().dt.date().alias("last_received"),
    ).with_columns(pl.min_horizontal("last_sent", "last_received").alias("last_two_way")).with_columns(
        pl.when(pl.col("last_sent").is_null() | pl.col("last_received").is_null()).then(None)
        .otherwise(pl.col("last_two_way")).alias("last_two_way")
    ).sort("person_id")


def strength_tiers(ranked: pl.DataFrame, ids: Sequence[str] | None = None) -> pl.DataFrame:
    """person_id, tier: strength terciles ("strongest third", ...) among ``ids`` (default: everyone).

    Ties are broken by person_id so the split is deterministic."""
    if not _has(ranked, "person_id"):
        return pl.DataFrame(schema={"person_id": pl.String, "tier": pl.String})
    df = ranked if ids is None else ranked.filter(pl.col("person_id").is_in(list(ids)))
    if "strength" not in df.columns:
        return df.select("person_id", pl.lit("everyone").alias("tier"))
    df = df.sort(["strength", "person_id"], descending=[True, False], nulls_last=True)
    n = df.height
    return df.select("person_id", pl.Series("tier", [TIERS[min(3 * i // max(n, 1), 2)] for i in range(n)],
                                            dtype=pl.String))


def dormancy_data(ranked: pl.DataFrame, events: pl.DataFrame, as_of: date) -> tuple[pl.DataFrame, int]:
    """Counts per (bin, tier) of days since the last two-way contact, zero-filled, bins in order; and the
    number of ranked people who never had a two-way exchange."""
    ids = ranked["person_id"].to_list() if _has(ranked, "person_id") else []
    tw = two_way_contact(events, as_of).filter(pl.col("person_id").is_in(ids))
    have = tw.filter(pl.col("last_two_way").is_not_null())
    never = len(ids) - have.height
    tiers = strength_tiers(ranked, have["person_id"].to_list())
    tier_names = list(dict.fromkeys(tiers["tier"].to_list())) if tiers.height else []
    tier_order = [t for t in (*TIERS, "everyone") if t in tier_names]
    df = have.join(tiers, on="person_id", how="left").with_columns(
        (pl.lit(as_of) - pl.col("last_two_way")).dt.total_days().cast(pl.Int64).alias("days")
    )
    bounds = [lo for _, lo in DORMANCY_BINS]
    labels = [lab for lab, _ in DORMANCY_BINS]
    counts: dict[tuple[str, str], int] = {}
    for d, tier in df.select("days", "tier").iter_rows():
        i = max(k for k, lo in enumerate(bounds) if max(d, 0) >= lo)
        counts[(labels[i], tier)] = counts.get((labels[i], tier), 0) + 1
    rows = [{"bin": lab, "bin_from_days": lo, "tier": t, "count": counts.get((lab, t), 0)}
            for lab, lo in DORMANCY_BINS for t in tier_order]
    out = pl.DataFrame(rows, schema={"bin": pl.String, "bin_from_days": pl.Int64, "tier": pl.String,
                                     "count": pl.Int64})
    return out, never


def plot_dormancy(ranked: pl.DataFrame, events: pl.DataFrame, as_of: date) -> Plotted:
    """Stacked histogram of time since the last two-way exchange, by strength tier."""
    data, never = dormancy_data(ranked, events, as_of)
    total = int(data["count"].sum()) if data.height else 0
    title = "Time since the last two-way exchange"
    caption = (f"When each relationship last went both ways (the earlier of the last message you sent them and the "
               f"last they sent you), as of {as_of.isoformat()}: {total} people, stacked by strength tier; "
               f"{never} more never had a two-way exchange.")
    with style():
        fig = new_figure()
        if total == 0:
            _no_data(fig, title, f"no two-way exchanges found ({never} people never had one)")
            return Plotted("dormancy", title, caption, fig, data, note="no two-way exchanges")
        ax = fig.add_subplot()
        labels = [lab for lab, _ in DORMANCY_BINS]
        xs = list(range(len(labels)))
        bottom = [0] * len(labels)
        tiers = list(dict.fromkeys(data["tier"].to_list()))
        colours = dict(zip(TIERS, TIER_COLOURS, strict=True)) | {"everyone": ACCENT}
        for tier in tiers:
            vals = [int(v) for v in data.filter(pl.col("tier") == tier).sort("bin_from_days")["count"]]
            ax.bar(xs, vals, bottom=bottom, color=colours.get(tier, ACCENT), width=0.75,
                   label=f"{tier} of ties" if tier != "everyone" else "everyone", edgecolor="white", linewidth=0.5)
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
        for x, b in zip(xs, bottom, strict=True):
            if b:
                ax.text(x, b, str(b), ha="center", va="bottom", fontsize=10)
        ax.set_xticks(xs, labels, rotation=0)
        ax.set_ylim(0, max(bottom) * 1.15 + 0.5)
        _integer_ticks(ax, "y")
        ax.set_xlabel(f"Time since the last two-way exchange ({never:,} people never had one)")
        ax.set_ylabel("People")
        ax.set_title(title)
        ax.legend(title="Strength", frameon=False, loc="best")
        _axes_style(ax)
        return Plotted("dormancy", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (4) Reciprocity distribution
# ---------------------------------------------------------------------------------------------------------


def reciprocity_data(ranked: pl.DataFrame, bins: int = 10) -> pl.DataFrame:
    """Counts of reciprocity in ``bins`` equal bins over [0, 1] (1.0 falls in the last bin) among people who
    exchanged at least one message (when the message counts are known)."""
    schema = {"bin_start": pl.Float64, "bin_end": pl.Float64, "count": pl.Int64}
    if not _has(ranked, "reciprocity"):
        return pl.DataFrame(schema=schema)
    df = ranked.filter(pl.col("reciprocity").is_not_null() & pl.col("reciprocity").is_finite())
    if _has(df, "messages_sent", "messages_received"):
        df = df.filter((pl.col("messages_sent").fill_null(0) + pl.col("messages_received").fill_null(0)) > 0)
    counts = [0] * bins
    for v in df["reciprocity"].to_list():
        counts[min(max(math.floor(float(v) * bins + 1e-9), 0), bins - 1)] += 1
    return pl.DataFrame({"bin_start": [i / bins for i in range(bins)],
                         "bin_end": [(i + 1) / bins for i in range(bins)], "count": counts}, schema=schema)


def plot_reciprocity(ranked: pl.DataFrame) -> Plotted:
    """Histogram of reciprocity, the one-way bin highlighted."""
    data = reciprocity_data(ranked)
    total = int(data["count"].sum()) if data.height else 0
    one_way = int(data["count"][0]) if data.height else 0
    title = "How two-way are your relationships?"
    caption = (f"Reciprocity per person who exchanged messages with you: 0 = only one side ever wrote, "
               f"1 = balanced both ways. {total} people; {one_way} are one-way (below 0.1).")
    with style():
        fig = new_figure()
        if total == 0:
            _no_data(fig, title, "no one exchanged messages with you")
            return Plotted("reciprocity", title, caption, fig, data, note="no messages")
        ax = fig.add_subplot()
        starts, ends, counts = data["bin_start"].to_list(), data["bin_end"].to_list(), data["count"].to_list()
        colours = ["#D55E00" if i == 0 else ACCENT for i in range(len(counts))]
        ax.bar(starts, counts, width=[e - s for s, e in zip(starts, ends, strict=True)], align="edge",
               color=colours, edgecolor="white", linewidth=1)
        for s, e, c in zip(starts, ends, counts, strict=True):
            if c:
                ax.text((s + e) / 2, c, str(c), ha="center", va="bottom", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, max(counts) * 1.15 + 0.5)
        _integer_ticks(ax, "y")
        ax.set_xticks([i / 10 for i in range(11)], [f"{i / 10:.1f}" for i in range(11)])
        ax.set_xlabel("Reciprocity (0 = one-way, 1 = balanced)")
        ax.set_ylabel("People")
        ax.set_title(title)
        ax.text(0.01, 0.98, f"one-way ties: {one_way}", transform=ax.transAxes, ha="left", va="top",
                fontsize=10.5, color="#D55E00", fontweight="bold")
        _axes_style(ax)
        return Plotted("reciprocity", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (5) Network growth
# ---------------------------------------------------------------------------------------------------------


def growth_data(people: pl.DataFrame) -> pl.DataFrame:
    """month, connections, cumulative — LinkedIn connections per month (zero-filled), people only."""
    schema = {"month": pl.Date, "connections": pl.Int64, "cumulative": pl.Int64}
    if not _has(people, "connected_on"):
        return pl.DataFrame(schema=schema)
    df = _persons(people).filter(pl.col("connected_on").is_not_null())
    if df.height == 0:
        return pl.DataFrame(schema=schema)
    per = df.group_by(_month("connected_on").alias("month")).len().rename({"len": "connections"})
    months = pl.DataFrame({"month": _month_range(per["month"].min(), per["month"].max())},  # type: ignore[arg-type]
                          schema={"month": pl.Date})
    return months.join(per, on="month", how="left").with_columns(
        pl.col("connections").fill_null(0).cast(pl.Int64)
    ).with_columns(pl.col("connections").cum_sum().alias("cumulative")).sort("month")


def plot_growth(people: pl.DataFrame) -> Plotted:
    """Connections made per month (bars) and the running total (line, right axis)."""
    data = growth_data(people)
    title = "Your LinkedIn network over time"
    if data.height:
        caption = (f"LinkedIn connections made per month (bars, left axis) and the running total (line, right axis): "
                   f"{int(data['cumulative'][-1])} connections from {data['month'][0]:%b %Y} to "
                   f"{data['month'][-1]:%b %Y}.")
    else:
        caption = "LinkedIn connections made per month and the running total (no connection dates found)."
    with style():
        fig = new_figure()
        if data.height == 0:
            _no_data(fig, title, "no LinkedIn connection dates (Connections.csv) were read")
            return Plotted("growth", title, caption, fig, data, note="no connection dates")
        ax = fig.add_subplot()
        months = data["month"].to_list()
        width = 25 if len(months) <= 240 else 20
        ax.bar(months, data["connections"].to_list(), width=width, color=LIGHT, edgecolor=ACCENT, linewidth=0.4,
               label="connections per month")
        ax.set_ylabel("New connections per month")
        ax.set_xlabel("Month")
        ax.set_title(title)
        ax2 = ax.twinx()
        ax2.plot(months, data["cumulative"].to_list(), color="#D55E00", lw=2, label="total connections")
        ax2.set_ylabel("Total connections", color="#D55E00")
        ax2.tick_params(axis="y", colors="#D55E00", labelsize=10)
        ax2.spines["right"].set_visible(True)
        ax2.set_ylim(0, max(data["cumulative"].to_list()) * 1.08 + 1)
        ax.set_ylim(0, max(data["connections"].to_list()) * 1.15 + 1)
        _integer_ticks(ax, "y")
        _integer_ticks(ax2, "y")
        loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        if len(months) == 1:
            ax.set_xlim(months[0] - timedelta(days=45), months[0] + timedelta(days=45))
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", frameon=False)
        _axes_style(ax)
        return Plotted("growth", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (6) Interactions per month by channel
# ---------------------------------------------------------------------------------------------------------


PERIODS = {"month": ("1mo", 1), "quarter": ("3mo", 3), "year": ("1y", 12)}


def _period_range(first: date, last: date, months: int) -> list[date]:
    return _month_range(first, last)[::months]


def auto_period(first: date, last: date) -> str:
    """month up to 4 years of data, quarter up to 12 years, year beyond: about 12–50 bars."""
    n = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if n <= 48 else ("quarter" if n <= 144 else "year")


def channel_data(events: pl.DataFrame, people: pl.DataFrame | None = None, as_of: date | None = None,
                 period: str | None = None) -> pl.DataFrame:
    """period, period_start, channel, interactions — zero-filled over every period and channel seen, channels in a
    fixed order. One interaction per message per person (the rows of interactions.csv); only people of kind
    ``person`` when ``people`` is given; events after ``as_of`` left out. ``period`` is "month", "quarter"
    or "year" (default: :func:`auto_period`)."""
    schema = {"period": pl.String, "period_start": pl.Date, "channel": pl.String, "interactions": pl.Int64}
    if not _has(events, "timestamp", "channel"):
        return pl.DataFrame(schema=schema)
    ev = events.filter(pl.col("timestamp").is_not_null())
    if as_of is not None:
        ev = ev.filter(pl.col("timestamp") < _cutoff(as_of))
    if people is not None and _has(people, "person_id", "kind") and "person_id" in ev.columns:
        ids = _persons(people)["person_id"]
        ev = ev.filter(pl.col("person_id").is_in(ids.implode()))
    if ev.height == 0:
        return pl.DataFrame(schema=schema)
    first = ev["timestamp"].min().date()  # type: ignore[union-attr]
    last = ev["timestamp"].max().date()  # type: ignore[union-attr]
    period = period or auto_period(first, last)
    every, months = PERIODS[period]
    per = ev.group_by(pl.col("timestamp").dt.truncate(every).cast(pl.Date).alias("period_start"),
                      pl.col("channel").fill_null("other")).len().rename({"len": "interactions"})
    seen = set(per["channel"].to_list())
    order = [c for c in CHANNELS if c in seen] + sorted(seen - set(CHANNELS))
    start = per["period_start"].min()
    grid = pl.DataFrame({"period_start": _period_range(start, per["period_start"].max(), months)},  # type: ignore[arg-type]
                        schema={"period_start": pl.Date}).join(
        pl.DataFrame({"channel": order, "_order": list(range(len(order)))}), how="cross")
    return grid.join(per, on=["period_start", "channel"], how="left").with_columns(
        pl.col("interactions").fill_null(0).cast(pl.Int64)
    ).sort(["period_start", "_order"]).select(pl.lit(period).alias("period"), "period_start", "channel",
                                             "interactions")


def plot_channels(events: pl.DataFrame, people: pl.DataFrame | None = None, as_of: date | None = None,
                  period: str | None = None) -> Plotted:
    """Interactions per month (or quarter, or year for long histories), stacked bars by channel."""
    data = channel_data(events, people, as_of, period)
    total = int(data["interactions"].sum()) if data.height else 0
    starts = sorted(set(data["period_start"].to_list()))
    period = data["period"][0] if data.height else (period or "month")
    title = f"Interactions per {period}, by channel"
    caption = (f"Messages, invitations, endorsements and recommendations exchanged with people per {period} "
               f"(automated senders left out; one per message per person): {total} interactions"
               + (f" from {starts[0]:%b %Y} to {starts[-1]:%b %Y}." if starts else "."))
    with style():
        fig = new_figure()
        if total == 0:
            _no_data(fig, title, "no dated interactions with people")
            return Plotted("channels", title, caption, fig, data, note="no dated interactions")
        ax = fig.add_subplot()
        chans = list(dict.fromkeys(data["channel"].to_list()))
        width = {"month": 25, "quarter": 75, "year": 300}[period]
        bottom = [0] * len(starts)
        for i, c in enumerate(chans):
            vals = data.filter(pl.col("channel") == c)["interactions"].to_list()
            label, colour = CHANNELS.get(c, (c, PALETTE[(i + 5) % len(PALETTE)]))
            ax.bar(starts, vals, bottom=bottom, width=width, align="edge", color=colour, label=label,
                   edgecolor="white", linewidth=0.3)
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
        ax.set_ylim(0, max(bottom) * 1.3 + 1)
        _integer_ticks(ax, "y")
        loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        pad = timedelta(days=width // 2 + 15)
        ax.set_xlim(starts[0] - pad, starts[-1] + timedelta(days=width) + pad)
        ax.set_xlabel(period.capitalize())
        ax.set_ylabel(f"Interactions per {period}")
        ax.set_title(title)
        ax.legend(loc="upper left", frameon=False, ncols=min(len(chans), 3))
        _axes_style(ax)
        return Plotted("channels", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
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
    combos: dict[tuple[str, ...], int] = {}
    sets: dict[str, int] = {}
    for srcs in _persons(people)["sources"].to_list():
        fams = tuple(sorted({source_family(s) for s in (srcs or []) if s}))
        if not fams:
            continue
        combos[fams] = combos.get(fams, 0) + 1
        for f in fams:
            sets[f] = sets.get(f, 0) + 1
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
        ax.tick_params(axis="x", bottom=False)
        _axes_style(ax)
        ys = list(range(len(fams)))
        for x, members in zip(xs, shown["families"].to_list(), strict=True):
            on = [fams.index(f) for f in members if f in fams]
            mat.scatter([x] * len(ys), ys, s=70, color="#DDDDDD", zorder=1)
            mat.scatter([x] * len(on), on, s=70, color=TEXT, zorder=3)
            if len(on) > 1:
                mat.plot([x, x], [min(on), max(on)], color=TEXT, lw=2, zorder=2)
        mat.set_yticks(ys, [f"{SOURCE_LABELS.get(f, f)} ({n})" for f, n in sets.iter_rows()])
        mat.set_ylim(len(fams) - 0.5, -0.5)
        mat.set_xticks(xs, [""] * len(xs))
        mat.tick_params(axis="x", bottom=False)
        mat.set_xlim(-0.6, max(xs) + 0.6)
        for sp in ("left", "bottom", "top", "right"):
            mat.spines[sp].set_visible(False)
        mat.set_xlabel("Combination of sources (dots: found there)")
        _axes_style(mat)
        note = "" if combos.height <= max_combinations else f"{combos.height - max_combinations} rarer combinations not shown"
        if note:
            ax.text(0.99, 0.98, note, transform=ax.transAxes, ha="right", va="top", fontsize=10, color=NOTE)
        return Plotted("overlap", title, caption, fig, combos)


# ---------------------------------------------------------------------------------------------------------
# All charts of an analysis
# ---------------------------------------------------------------------------------------------------------


def _dormant_days(analysis: Analysis) -> int:
    try:
        v = int(analysis.config.scoring.get("dormant_after_days", 180))
    except (TypeError, ValueError, AttributeError):
        return 180
    return v if v > 0 else 180


def chart_makers(analysis: Analysis, top: int = 25) -> list[tuple[str, str, Callable[[], Plotted]]]:
    """(key, title, draw) for every chart, in report order; nothing is drawn until ``draw()`` is called."""
    ranked, people, events, as_of = analysis.ranked, analysis.people, analysis.events, analysis.as_of
    positions = list(getattr(analysis.ingested.owner, "positions", []) or [])
    n_top = max(1, min(top, 20))
    return [
        ("top_candidates", "Top people to reconnect with", lambda: plot_top_candidates(ranked, n_top)),
        ("quadrant", "Relationship strength × time since last contact",
         lambda: plot_quadrant(ranked, _dormant_days(analysis), 10)),
        ("dormancy", "Time since the last two-way exchange", lambda: plot_dormancy(ranked, events, as_of)),
        ("reciprocity", "How two-way are your relationships?", lambda: plot_reciprocity(ranked)),
        ("growth", "Your LinkedIn network over time", lambda: plot_growth(people)),
        ("channels", "Interactions per month, by channel", lambda: plot_channels(events, people, as_of)),
        ("companies", "Where your contacts work now", lambda: plot_companies(people, 15)),
        ("eras", "People met during each of your jobs", lambda: plot_eras(positions, ranked, as_of)),
        ("overlap", "Which sources each person was found in", lambda: plot_overlap(people)),
    ]


def _failed(key: str, title: str, exc: Exception) -> Plotted:
    log.warning("chart %s could not be drawn: %s: %s", key, type(exc).__name__, exc, exc_info=True)
    with style():
        fig = new_figure()
        _no_data(fig, title, "this chart could not be drawn (run with --verbose for details)")
    note = f"could not be drawn ({type(exc).__name__})"
    return Plotted(key, title, f"{title}: {note}.", fig, pl.DataFrame(), note=note)


def draw_all(analysis: Analysis, top: int = 25) -> list[Plotted]:
    """Every chart of the report as unsaved figures, in report order. A chart that fails to draw (a bug)
    becomes a placeholder and is logged, so that one chart never costs the whole report."""
    out = []
    for key, title, draw in chart_makers(analysis, top):
        try:
            out.append(draw())
        except Exception as exc:
            out.append(_failed(key, title, exc))
    return out


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG without software/date metadata (byte-stable for the same figure)."""
    with style():
        fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None}, facecolor="white")
    return path


def make_charts(analysis: Analysis, folder: Path, top: int = 25) -> list[Chart]:
    """Write every chart as ``folder/NN_key.png``; returns what was written, in report order."""
    folder.mkdir(parents=True, exist_ok=True)
    charts = []
    for i, p in enumerate(draw_all(analysis, top), start=1):
        fname = f"{i:02d}_{p.key}.png"
        path = folder / fname
        try:
            save_png(p.figure, path)
        except Exception as exc:  # drawing happens at save time too
            p = _failed(p.key, p.title, exc)
            save_png(p.figure, path)
        charts.append(Chart(filename=fname, title=p.title, caption=p.caption, key=p.key, path=path, note=p.note,
                            data_rows=p.data.height))
        p.figure.clear()
    return charts
