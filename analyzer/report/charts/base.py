"""What every chart shares: the fixed style, figure and text helpers, and the :class:`Plotted` / :class:`Chart`
results.

Figures are built with the object-oriented API on an Agg canvas (no pyplot, so nothing depends on the
process-wide backend and nothing needs a display); styles are fixed and PNGs carry no software/date
metadata, so the same data gives byte-identical files. Untrusted text (names, companies) is drawn with
mathtext disabled, so a ``$`` in a name is just a dollar sign.

The layout is fixed, not searched: :func:`fit_axes` sets each chart's margins from the few texts that
decide them (the tick labels, measured once, and the title and axis labels, whose heights are known), where
matplotlib's constrained layout would measure every text of the figure several times (a third of the
report's drawing time). matplotlib itself is imported on first use (:func:`style`), so that the data
functions and the process that only hands charts to the worker do not pay for it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from cycler import cycler

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure


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
    "axes.titley": 1.0,  # titles at a fixed height above the axes (nothing is drawn above them): no search for room
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
    import matplotlib

    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        warnings.filterwarnings("ignore", message=r".*[Mm]atplotlib currently does not support")
        yield


def new_figure(size: tuple[float, float] = SIZE) -> Figure:
    """A white figure on an Agg canvas, without a layout engine: the chart places its axes with
    :func:`fit_axes` (call inside :func:`style`)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI)
    try:
        from analyzer.report.charts.fastagg import new_canvas
    except ImportError:  # a matplotlib other than 3.11: its own Agg canvas (drawn slower)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    else:
        new_canvas(fig)
    return fig


# ---------------------------------------------------------------------------------------------------------
# Fixed layout
# ---------------------------------------------------------------------------------------------------------

#: Room (points) between the figure's edge and the outermost text.
EDGE = 6.0
#: Line height of a text, as a multiple of its font size (matplotlib's line spacing is 1.2).
LINE = 1.25
#: A tick mark and the gap to its label (points): major tick length 3.5 + pad 3.5.
TICK = 7.0
#: Gap between the tick labels and the axis label (points, matplotlib's labelpad).
LABEL_PAD = 4.0
#: Gap between the axes and its title (points, axes.titlepad).
TITLE_PAD = 6.0


def text_width(fig: Figure, texts: Sequence[str], size: float, weight: str = "normal") -> float:
    """The width in points of the widest line of ``texts`` drawn at ``size`` points (0 for none)."""
    from matplotlib.font_manager import FontProperties

    try:  # matplotlib's own cache of text metrics: drawing the same text later measures it no more
        from matplotlib.text import _get_text_metrics_with_cache as metrics  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - a matplotlib without it
        def metrics(renderer: Any, text: str, prop: Any, ismath: bool, dpi: float) -> Any:
            return renderer.get_text_width_height_descent(text, prop, ismath=ismath)

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    prop = FontProperties(family=STYLE["font.family"], size=size, weight=weight)
    widest = 0.0
    for text in texts:
        for line in str(text).split("\n"):
            if line:
                w, _, _ = metrics(renderer, line, prop, False, fig.dpi)
                widest = max(widest, w)
    return widest * 72.0 / fig.dpi


def tick_labels(axis: Axis) -> list[str]:
    """The major tick labels ``axis`` will draw (those inside its view), formatted as matplotlib will."""
    lo, hi = sorted(axis.get_view_interval())
    eps = (hi - lo) * 1e-9
    locs = list(axis.get_majorticklocs())
    labels = axis.get_major_formatter().format_ticks(locs)
    return [lab for loc, lab in zip(locs, labels, strict=True) if lo - eps <= loc <= hi + eps and lab]


def label_height(size: float, lines: int = 1) -> float:
    """The height in points of ``lines`` lines of text at ``size`` points."""
    return size * LINE * lines


def title_room(title: bool = True) -> float:
    """Points above the axes for a title (and the figure's edge)."""
    return EDGE + (TITLE_PAD + label_height(float(STYLE["axes.titlesize"])) if title else 0.0)


def x_room(xlabel: bool = True, tick_lines: int = 1) -> float:
    """Points below the axes for its x tick labels (``tick_lines`` lines, none for 0) and x label."""
    ticks = TICK + label_height(float(STYLE["xtick.labelsize"]), tick_lines) if tick_lines else 0.0
    return EDGE + ticks + (LABEL_PAD + label_height(float(STYLE["axes.labelsize"])) if xlabel else 0.0)


def y_room(fig: Figure, labels: Sequence[str], ylabel: bool = True, size: float | None = None) -> float:
    """Points beside the axes for y tick labels ``labels`` and the y label."""
    size = float(STYLE["ytick.labelsize"]) if size is None else size
    ticks = TICK + text_width(fig, labels, size) if labels else 0.0
    return EDGE + ticks + (LABEL_PAD + label_height(float(STYLE["axes.labelsize"])) if ylabel else 0.0)


def fit_axes(fig: Figure, left: float, bottom: float, right: float, top: float, **space: float) -> None:
    """Place the figure's subplots with these margins in points (``space``: ``wspace``/``hspace``)."""
    w, h = fig.get_size_inches() * 72.0
    fig.subplots_adjust(left=left / w, right=1.0 - right / w, bottom=bottom / h, top=1.0 - top / h, **space)


def fit_single(fig: Figure, ax: Axes, *, right: float | None = None, title: bool = True,
               tick_lines: int = 1) -> None:
    """The fixed layout of a chart with one axes: room for its y tick labels and y label on the left, its x
    tick labels and x label below, its title above, and half its last x tick label on the right (or
    ``right`` points). Call once the limits, ticks and labels are set."""
    for _ in range(2):  # again once placed: a locator may choose other ticks for the new length of the axis
        left = y_room(fig, tick_labels(ax.yaxis), bool(ax.get_ylabel()))
        edge = right
        if edge is None:
            last = tick_labels(ax.xaxis)[-1:]
            edge = EDGE + max(text_width(fig, last, float(STYLE["xtick.labelsize"])) / 2.0, 6.0)
        fit_axes(fig, left, x_room(bool(ax.get_xlabel()), tick_lines), edge, title_room(title))


def bars(ax: Axes, x: Sequence[float], heights: Sequence[float], width: float,
         bottom: Sequence[float] | None = None, *, align: str = "center", **style: Any) -> Any:
    """Vertical bars as one ``PolyCollection`` — one artist drawn in one call, where ``ax.bar`` makes a patch
    per bar — looking the same (``style``: colour, edgecolor, linewidth, label), with no margin below 0."""
    import numpy as np
    from matplotlib.collections import PolyCollection

    xs = np.asarray(x, dtype=float)
    h = np.asarray(heights, dtype=float)
    b = np.zeros_like(h) if bottom is None else np.asarray(bottom, dtype=float)
    x0 = xs - width / 2.0 if align == "center" else xs
    x1 = x0 + width
    verts = np.stack([np.column_stack(c) for c in ((x0, b), (x1, b), (x1, b + h), (x0, b + h))], axis=1)
    colour = style.pop("color", None)
    coll = PolyCollection(list(verts), closed=True, facecolors=colour, edgecolors=style.pop("edgecolor", "face"),
                          linewidths=style.pop("linewidth", None), **style)
    coll.sticky_edges.y.append(0.0)
    ax.add_collection(coll)
    return coll


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
    fit_axes(fig, EDGE, EDGE, EDGE, title_room())
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
