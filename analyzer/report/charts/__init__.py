"""The charts of the report (SPEC §7): matplotlib PNGs that read at a glance.

Every chart is a pure function of the frames it plots, returning a :class:`Plotted` — the figure, plus the
exact numbers it drew (``Plotted.data``, a polars frame) so tests and notebooks can check them. The
``*_data`` functions compute those numbers alone. One module per chart family:

* :mod:`.base` — the fixed style, figure and text helpers, :class:`Plotted` and :class:`Chart`;
* :mod:`.ranking` — (1) top candidates, (2) strength × time since last contact;
* :mod:`.activity` — (3) dormancy, (4) reciprocity, (5) network growth, (6) interactions by channel;
* :mod:`.network` — (7) companies, (8) people met per job, (9) source overlap.

This module holds the table of the report's charts (:data:`CHARTS`: key, title, drawing function, inputs).
:func:`make_charts` draws them all from an :class:`~analyzer.pipeline.Analysis` and writes PNGs — on a large
network in worker processes (:mod:`~analyzer.report.chart_worker`), while this process writes the tables and
need not import matplotlib — and :func:`draw_all` returns the figures unsaved (the notebook API uses it). To add a chart: write its
``*_data`` and ``plot_*`` functions in the family's module, import the ``plot_*`` here and add a row to
:data:`CHARTS`.
"""

from __future__ import annotations

import logging
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.report.chart_process import warm_up
from analyzer.report.chart_worker import (
    PARALLEL_MIN_PEOPLE,
    ChartWorker,
    has_ready_workers,
    ready_workers,
    take_workers,
    wants_worker,
    worker_count,
)
from analyzer.report.charts.activity import (
    PERIODS,
    auto_period,
    channel_data,
    dormancy_data,
    draw_channels,
    draw_dormancy,
    growth_data,
    plot_channels,
    plot_dormancy,
    plot_growth,
    plot_reciprocity,
    reciprocity_data,
    strength_tiers,
    two_way_contact,
)
from analyzer.report.charts.base import (
    ACCENT,
    CHANNELS,
    DORMANCY_BINS,
    DPI,
    PALETTE,
    SIZE,
    SOURCE_LABELS,
    STYLE,
    TIERS,
    Chart,
    Plotted,
    abbreviate_reason,
    new_figure,
    shorten,
    style,
)
from analyzer.report.charts.network import (
    OUTSIDE,
    companies_data,
    eras_data,
    overlap_data,
    plot_companies,
    plot_eras,
    plot_overlap,
    source_family,
)
from analyzer.report.charts.ranking import (
    QUADRANTS,
    plot_quadrant,
    plot_top_candidates,
    quadrant_data,
    strength_split,
    top_candidates_data,
    top_candidates_rows,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from analyzer.pipeline import Analysis

__all__ = [
    "ACCENT", "CHANNELS", "CHARTS", "DORMANCY_BINS", "DPI", "OUTSIDE", "PALETTE", "PARALLEL_MIN_PEOPLE", "PERIODS",
    "QUADRANTS", "SIZE", "SOURCE_LABELS", "STYLE", "TIERS", "Chart", "ChartSpec", "Plotted", "abbreviate_reason",
    "auto_period", "channel_data", "chart_makers", "companies_data", "dormancy_data", "draw_ahead", "draw_all",
    "draw_channels",
    "draw_dormancy", "encode_png", "eras_data",
    "growth_data", "make_charts", "new_figure", "overlap_data", "plot_channels", "plot_companies", "plot_dormancy",
    "plot_eras", "plot_growth", "plot_overlap", "plot_quadrant", "plot_reciprocity", "plot_top_candidates",
    "quadrant_data", "reciprocity_data", "save_png", "shorten", "source_family", "strength_split", "strength_tiers",
    "style", "top_candidates_data", "top_candidates_rows", "two_way_contact", "warm_up",
]

log = logging.getLogger(__name__)

#: CPU seconds to draw and save each chart (measured on the 100,000-message mailbox, in a warm renderer with the
#: fast canvas: the text still dominates): the order in which the charts are sent to the workers (the most
#: costly first) and the basis on which :func:`share_charts` shares them out.
CHART_COST = {"top_candidates": 0.23, "quadrant": 0.2, "dormancy": 0.11, "reciprocity": 0.09, "growth": 0.045,
              "channels": 0.085, "companies": 0.04, "eras": 0.045, "overlap": 0.08}
#: CPU seconds this process spends on the inputs of a chart that reads the events (sent to a worker after the
#: others), on the large profile.
PREPARE_COST = 0.3


def _dormant_days(analysis: Analysis) -> int:
    try:
        v = int(analysis.config.scoring.get("dormant_after_days", 180))
    except (TypeError, ValueError, AttributeError):
        return 180
    return v if v > 0 else 180


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the report: its key, title, the name of its ``plot_*`` (or ``draw_*``) function in this
    module, and its inputs taken from the analysis — always small, so that a worker process can draw it.
    ``reads_events``: the inputs are counted from the events (the ``draw_*`` functions take those counts),
    which takes this process some time; such charts go to the workers last."""

    key: str
    title: str
    plot: str
    inputs: Callable[[Analysis, int], tuple[Any, ...]]
    reads_events: bool = False
    #: the inputs are taken from ``analysis.people`` (and the as-of date) alone (``"people"``), or from the people, the events and the
    #: as-of date (``"events"``), not from the scores: :func:`draw_ahead` has the chart drawn before the report
    ahead: str = ""


def _positions(a: Analysis) -> list[Any]:
    return list(getattr(a.ingested.owner, "positions", []) or [])


def _only(df: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """``df`` with only those of ``columns`` it has: what a chart reads of the ranked or people table (a
    chart's inputs are pickled for a worker process: the whole tables were 100 MB on the large profile)."""
    return df.select([c for c in columns if c in df.columns])


def _top(top: int) -> int:
    return max(1, min(top, 20))


#: The report's charts, in report order (the PNGs are numbered in this order). The inputs are the columns (and
#: for the top candidates the rows) that the chart's functions read, nothing more.
CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("top_candidates", "Top people to reconnect with", "plot_top_candidates",
              lambda a, top: (top_candidates_rows(a.ranked, _top(top)), _top(top))),
    ChartSpec("quadrant", "Relationship strength × time since last contact", "plot_quadrant",
              lambda a, top: (_only(a.ranked, "person_id", "name", "rank", "days_since_contact", "strength"),
                              _dormant_days(a), 10)),
    ChartSpec("dormancy", "Time since the last two-way exchange", "draw_dormancy",
              lambda a, top: (*dormancy_data(a.ranked, a.events, a.as_of), a.as_of), reads_events=True),
    ChartSpec("reciprocity", "How two-way are your relationships?", "plot_reciprocity",
              lambda a, top: (_only(a.ranked, "reciprocity", "messages_sent", "messages_received"),)),
    ChartSpec("growth", "Your LinkedIn network over time", "plot_growth",
              lambda a, top: (_only(a.people, "kind", "connected_on"), a.as_of), ahead="people"),
    ChartSpec("channels", "Interactions per month, by channel", "draw_channels",
              lambda a, top: (channel_data(a.events, a.people, a.as_of),), reads_events=True, ahead="events"),
    ChartSpec("companies", "Where your contacts work now", "plot_companies",
              lambda a, top: (_only(a.people, "kind", "company"), 15), ahead="people"),
    ChartSpec("eras", "People met during each of your jobs", "plot_eras",
              lambda a, top: (_positions(a), _only(a.ranked, "first_contact", "warmth", "strength"), a.as_of)),
    ChartSpec("overlap", "Which sources each person was found in", "plot_overlap",
              lambda a, top: (_only(a.people, "kind", "sources"),), ahead="people"),
)


def _png_name(i: int, spec: ChartSpec) -> str:
    """The file name of the ``i``-th chart of :data:`CHARTS` (counted from 0)."""
    return f"{i + 1:02d}_{spec.key}.png"


#: Added to a chart's index in :data:`CHARTS` for the job that :func:`draw_ahead` sends (its result is used only
#: when the report's inputs of that chart turn out the same).
AHEAD = 100


def draw_ahead(people: pl.DataFrame, events: pl.DataFrame | None = None, as_of: date | None = None,
               top: int = 25) -> int:
    """Hand the chart workers that :func:`~analyzer.report.chart_worker.prestart` started the charts that do not
    read the scores (:attr:`ChartSpec.ahead`): those of the people table alone, and, once ``events`` (with
    ``person_id``) and ``as_of`` are given too, those of the events. The pipeline calls it once identity has made
    the people, then once the events are made: the workers draw them while it scores (on two cores they are
    otherwise idle then), into their own folders, and :func:`make_charts` takes those PNGs when the report's
    inputs of the chart are the same. A chart already handed over is not sent again. Nothing is sent while no
    renderer is ready to draw it yet (a busy machine: the report sends the costliest charts first instead).
    Returns the number of charts sent (none without prestarted workers)."""
    workers = [w for w in ready_workers() if w.ready]
    if not workers:
        return 0
    view = SimpleNamespace(people=people, events=events, as_of=as_of)
    handed = {j for w in workers for j in w.ahead}
    sent = 0
    for i, spec in enumerate(CHARTS):
        if (not spec.ahead or AHEAD + i in handed
                or (spec.ahead == "events" and (events is None or as_of is None))):
            continue
        try:
            args = spec.inputs(view, top)  # type: ignore[arg-type]
        except Exception:  # left to make_charts, where a failure becomes a placeholder
            continue
        w = workers[(len(handed) + sent) % len(workers)]
        folder = w.folder / "ahead"
        folder.mkdir(exist_ok=True)
        w.send([(AHEAD + i, spec.key, spec.title, spec.plot, args, folder / _png_name(i, spec))], last=False)
        w.ahead[AHEAD + i] = args
        sent += 1
    return sent


def _same_inputs(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Whether two charts' inputs are equal (frames by value)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, pl.DataFrame) or isinstance(y, pl.DataFrame):
            if not (isinstance(x, pl.DataFrame) and isinstance(y, pl.DataFrame) and x.equals(y)):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


def _plot(name: str, args: tuple[Any, ...]) -> Plotted:
    """Call the ``plot_*`` function ``name`` of this module (looked up at call time, so it can be replaced)."""
    fn: Callable[..., Plotted] = globals()[name]
    return fn(*args)


def chart_makers(analysis: Analysis, top: int = 25) -> list[tuple[str, str, Callable[[], Plotted]]]:
    """(key, title, draw) for every chart, in report order; nothing is drawn until ``draw()`` is called."""
    return [(s.key, s.title, lambda s=s: _plot(s.plot, s.inputs(analysis, top))) for s in CHARTS]  # type: ignore[misc]


def _failed(key: str, title: str, exc: Exception) -> Plotted:
    log.warning("chart %s could not be drawn: %s: %s", key, type(exc).__name__, exc, exc_info=True)
    with style():
        fig = new_figure()
        from analyzer.report.charts.base import _no_data

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


#: zlib level of the PNGs. The pixels are stored unfiltered (PNG filter type 0 on every row): the charts are mostly
#: flat colour, which zlib compresses well as it is; with level 3 the nine charts of a report are encoded in less
#: than half the time PIL took (its adaptive row filters, level 3) and the files are about 7 % smaller.
PNG_COMPRESS_LEVEL = 3


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def encode_png(rgba: Any, dpi: float = DPI) -> bytes:
    """The bytes of an RGB PNG of the (height, width, 4) uint8 RGBA pixels ``rgba`` (an opaque image: the alpha is
    dropped), its resolution ``dpi`` recorded (pHYs) and nothing else: no software, no date (byte-stable)."""
    import numpy as np

    pixels = np.asarray(rgba)
    height, width = pixels.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # each row: filter type 0, then its RGB bytes
    rows[:, 1:] = pixels[:, :, :3].reshape(height, 3 * width)
    per_metre = int(dpi / 0.0254 + 0.5)  # as PIL records it
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),  # 8-bit RGB, not interlaced
        _png_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        _png_chunk(b"IDAT", zlib.compress(rows.data, PNG_COMPRESS_LEVEL)),
        _png_chunk(b"IEND", b""),
    ))


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG on white at :data:`DPI`, without software/date metadata (byte-stable for the
    same figure).

    One draw of the Agg canvas (the layout, then the pixels) and one encoding (:func:`encode_png`): ``savefig``
    would lay the figure out in a draw pass of its own before the drawing pass, and write an RGBA image whose
    alpha is always opaque here."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):  # a figure made elsewhere (pyplot): matplotlib's own way
        with style():
            fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None}, facecolor="white")
        return path
    facecolor, dpi = fig.get_facecolor(), fig.dpi
    try:
        with style():
            fig.set_facecolor("white")
            if dpi != DPI:
                fig.set_dpi(DPI)
            fig.canvas.draw()
            data = encode_png(fig.canvas.buffer_rgba(), DPI)
    finally:
        fig.set_facecolor(facecolor)
        if dpi != DPI:
            fig.set_dpi(dpi)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def _render(key: str, title: str, draw: Callable[[], Plotted], path: Path) -> Chart:
    """Draw one chart and write its PNG (a placeholder when drawing or saving fails)."""
    try:
        p = draw()
    except Exception as exc:
        p = _failed(key, title, exc)
    try:
        save_png(p.figure, path)
    except Exception as exc:  # drawing happens at save time too
        p = _failed(p.key, p.title, exc)
        save_png(p.figure, path)
    return Chart(filename=path.name, title=p.title, caption=p.caption, key=p.key, path=path, note=p.note,
                 data_rows=p.data.height)


def share_charts(n_workers: int) -> list[frozenset[str]]:
    """The keys of the charts each of ``n_workers`` workers draws: the most costly first, each to the worker
    with the least work so far (a chart that reads the events counting from when its inputs are ready).
    Deterministic."""
    loads = [0.0] * max(n_workers, 1)
    out: list[set[str]] = [set() for _ in loads]
    for s in sorted(CHARTS, key=lambda s: (-CHART_COST[s.key], s.key)):
        k = min(range(len(loads)), key=lambda k: (loads[k], k))
        ready = PREPARE_COST * sum(1 for t in CHARTS if t.reads_events) if s.reads_events else 0.0
        loads[k] = max(loads[k], ready) + CHART_COST[s.key]
        out[k].add(s.key)
    return [frozenset(o) for o in out]


def make_charts(analysis: Analysis, folder: Path, top: int = 25, parallel: bool | None = None,
                meanwhile: Callable[[], object] | None = None, meanwhile_cost: float = 0.0,
                worker: ChartWorker | None = None) -> list[Chart]:
    """Write every chart as ``folder/NN_key.png``; returns what was written, in report order.

    With ``parallel`` (default: on a network of :data:`PARALLEL_MIN_PEOPLE` people or more with two or more
    CPUs; ``RECONNECT_CHART_WORKERS=0/1/2`` forces it), worker processes (:mod:`~analyzer.report.chart_worker`:
    those started ahead by :func:`~analyzer.report.chart_worker.prestart`, or ``worker``, or new ones) draw
    the charts (:func:`share_charts`) while this process computes the inputs of the charts that read the events
    and then calls ``meanwhile`` (the report's tables); a chart that no worker delivered is drawn here. The PNGs
    are the same either way. ``meanwhile_cost`` (estimated CPU seconds of ``meanwhile``) is no longer needed
    to share the charts; it is accepted for compatibility.
    """
    del meanwhile_cost
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / _png_name(i, s) for i, s in enumerate(CHARTS)]
    makers = chart_makers(analysis, top)
    if parallel is None:  # workers already started ahead are used whatever the size: they have imported
        parallel = wants_worker(analysis.people.height) or has_ready_workers()
    if not parallel:
        if worker is not None:
            worker.close()
        if meanwhile is not None:
            meanwhile()
        return [_render(key, title, draw, path) for (key, title, draw), path in zip(makers, paths, strict=True)]
    workers = [worker] if worker is not None else []
    got: dict[int, Chart] = {}
    try:
        workers += take_workers(worker_count() - sum(w.renderers for w in workers))
        # the charts drawn ahead (draw_ahead) whose inputs are still the same are not sent again
        ahead = {j: args for w in workers for j, args in w.ahead.items()}
        taken: set[int] = set()
        if workers:
            shares = share_charts(len(workers))
            # the charts whose inputs are ready at once first, so that the workers start drawing, the most costly
            # first (a worker's renderers take them in this order, each the next one as soon as it is free)
            for i, s in sorted(enumerate(CHARTS), key=lambda t: (t[1].reads_events, -CHART_COST[t[1].key])):
                try:
                    args = s.inputs(analysis, top)
                except Exception:  # drawn here below, where the failure becomes a placeholder
                    continue
                if AHEAD + i in ahead and _same_inputs(ahead[AHEAD + i], args):
                    taken.add(i)
                    continue
                k = next(k for k, share in enumerate(shares) if s.key in share)
                workers[k].send([(i, s.key, s.title, s.plot, args, paths[i])], last=False)
            for w in workers:
                w.finish()
        if meanwhile is not None:
            meanwhile()
        for w in workers:
            got.update(w.results())
        for j in [j for j in got if j >= AHEAD]:  # drawn ahead into the worker's folder: copied into ours
            chart = got.pop(j)
            i = j - AHEAD
            if i in taken and chart.path is not None and chart.path.is_file():
                shutil.copyfile(chart.path, paths[i])
                got[i] = replace(chart, filename=paths[i].name, path=paths[i])
    finally:
        for w in workers:
            w.close()
    # a chart no worker delivered (the worker failed, which it logged): drawn here
    return [got[i] if i in got else _render(key, title, draw, paths[i])
            for i, (key, title, draw) in enumerate(makers)]
