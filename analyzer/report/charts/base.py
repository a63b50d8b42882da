"""What every chart shares: the fixed style, figure and text helpers, and the :class:`Plotted` / :class:`Chart`
results.

Figures are built with the object-oriented API on an Agg canvas (no pyplot, so nothing depends on the
process-wide backend and nothing needs a display); styles are fixed and PNGs carry no software/date
metadata, so the same data gives byte-identical files. Untrusted text (names, companies) is drawn with
mathtext disabled, so a ``$`` in a name is just a dollar sign.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import polars as pl
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes



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
