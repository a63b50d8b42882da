"""A chart worker's process: ``python -m analyzer.report.chart_process FOLDER [RENDERERS]``.

It imports matplotlib and warms it up (:func:`warm_up`: the fonts and the drawing machinery of the charts)
while the caller is still busy, then waits for its jobs: :meth:`analyzer.report.chart_worker.ChartWorker.send`
pickles each job into ``FOLDER`` and names it on the process's standard input, in a record of
:data:`RECORD` bytes. Once the input closes, the process pickles {index: Chart} of what it drew into
``FOLDER/charts.pickle`` and exits.

With ``RENDERERS`` of 2 or more on Linux, the process forks ``RENDERERS - 1`` copies of itself once matplotlib
is warm (:func:`can_fork`), so that its import and warm-up — most of a worker's own cost — are paid once for
all of them. Every renderer then imports polars and the charts (still while the caller is busy) and reads the
next record from the same pipe as soon as it is free (a pipe write of one record is atomic, so each record goes
whole to exactly one reader): the charts are shared out as they are drawn, the costly ones being sent first. A
copy pickles its charts into ``FOLDER/charts-K.pickle`` and ends; the first process waits for the copies and
merges their charts. A copy that fails loses only its own charts, which the caller then draws itself.

The fork happens before polars is imported: polars' thread pool and allocator are not safe to fork once
started. Elsewhere (macOS, Windows) the caller starts one process per renderer instead. The copies never
outlive the caller: they end when its end of the pipe closes, however it ended, and the caller stops the whole
process group (:meth:`~analyzer.report.chart_worker.ChartWorker.close`).

This module imports only the standard library at the top (matplotlib in :func:`warm_up`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: Bytes of one record on the worker's standard input: a job's file name, padded with spaces, and a newline.
#: At most PIPE_BUF (512 on every POSIX system), so that each write is atomic and each read takes one record.
RECORD = 64
#: A worker that was given no job for this long exits (a prestarted worker whose report was never written).
IDLE_TIMEOUT_S = 900


def encode_record(name: str) -> bytes:
    """The record that names the job file ``name`` (ASCII, shorter than :data:`RECORD`)."""
    data = name.encode("ascii")
    if len(data) >= RECORD or b"\n" in data:
        raise ValueError(f"job name too long for a record: {name!r}")
    return data.ljust(RECORD - 1) + b"\n"


def read_record(fd: int) -> str | None:
    """The next job file name on ``fd`` (None at the end of the input)."""
    data = os.read(fd, RECORD)
    while data and len(data) < RECORD:  # not expected (records are written whole): complete it
        more = os.read(fd, RECORD - len(data))
        if not more:
            break
        data += more
    return data.decode("ascii").strip() if data else None


def fork_supported() -> bool:
    """Whether a worker forks its renderers on this platform (Linux; elsewhere fork is unsafe with the system's
    libraries, e.g. on macOS, or missing)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def can_fork() -> bool:
    """Whether this process can fork renderers safely now: :func:`fork_supported`, and polars not imported."""
    return fork_supported() and "polars" not in sys.modules


#: The style of the charts' text that the warm-up draws (the full style is in :mod:`.charts.base`, which
#: imports polars).
_WARM_STYLE: dict[Any, Any] = {"font.family": "DejaVu Sans", "text.parse_math": False, "text.usetex": False}


def warm_up() -> None:
    """Import matplotlib and what the charts draw with, and load the fonts they use (a
    worker does it while it waits for its jobs; forked renderers inherit it all)."""
    import matplotlib
    import matplotlib.collections
    import matplotlib.legend
    import matplotlib.patches
    import matplotlib.ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_WARM_STYLE), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = Figure(figsize=(1.0, 1.0), dpi=120)
        FigureCanvasAgg(fig)
        fig.text(0.1, 0.5, "0.8 Ag", fontsize=10)
        fig.text(0.1, 0.2, "Ag", fontsize=13, fontweight="bold")
        fig.canvas.draw()


def _names(idle: threading.Timer) -> Iterator[str]:
    """The job names read from standard input until it closes (the first one stops the ``idle`` timer)."""
    while (name := read_record(0)) is not None:
        idle.cancel()
        if name:
            yield name


def ready_file(folder: Path, k: int) -> Path:
    """The file that renderer ``k`` creates in ``folder`` once it has imported everything and waits for jobs."""
    return folder / f"ready-{k}"


def _draw(folder: Path, names: Iterator[str], k: int = 0) -> dict[int, Any]:
    """Draw the jobs ``names`` names (pickles in ``folder``) as renderer ``k``; {index: Chart}. The charts (and
    polars) are imported first, before the first job is read: while the caller is still busy; then the objects
    they made are frozen out of the collector's reach (:func:`gc.freeze`): each collection during the drawing
    would otherwise walk all of matplotlib's and polars' modules again (about 5 % of the drawing time). Then
    :func:`ready_file` tells the caller that this renderer would draw a job at once."""
    from analyzer.report.charts import _plot, _render

    # the fast canvas too, which the first chart would otherwise import (10 to 40 ms) while the caller waits (with
    # a matplotlib other than 3.11 it cannot be imported: the charts draw on matplotlib's own canvas)
    with contextlib.suppress(ImportError):
        import analyzer.report.charts.fastagg  # noqa: F401
    gc.collect()
    gc.freeze()
    ready_file(folder, k).touch()
    done = {}
    for name in names:
        with open(folder / name, "rb") as fh:
            job = pickle.load(fh)
        i, key, title, plot, args, path = job
        done[i] = _render(key, title, lambda plot=plot, args=args: _plot(plot, args), path)  # type: ignore[misc]
    return done


def _dump(done: dict[int, Any], path: Path) -> None:
    with open(path, "wb") as fh:
        pickle.dump(done, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _fork_renderers(folder: Path, renderers: int) -> tuple[int, list[int]]:
    """Fork ``renderers - 1`` copies; (this renderer's number, the copies' pids: empty in a copy)."""
    pids: list[int] = []
    for k in range(1, renderers):
        with warnings.catch_warnings():  # Python 3.12+ warns when other threads run: none of ours do
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                pid = os.fork()
            except OSError as exc:  # no more processes: the renderers already forked draw everything
                sys.stderr.write(f"chart renderer {k} could not start: {exc}\n")
                break
        if pid == 0:
            return k, []
        pids.append(pid)
    (folder / "renderers.txt").write_text("".join(f"{p}\n" for p in pids), encoding="ascii")
    return 0, pids


def _run_copy(folder: Path, k: int, idle: threading.Timer) -> None:
    """A forked renderer: draw the jobs it takes, pickle them into ``charts-K.pickle``, end (never returns)."""
    code = 1
    try:
        _dump(_draw(folder, _names(idle), k), folder / f"charts-{k}.pickle")
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)  # no atexit handlers, no buffers flushed twice: they belong to the first process


#: The scheduling weight of a worker's session on Linux (the nice value of its autogroup, shared by the renderers it
#: forks): the caller's multi-threaded queries (score) go first when both want the cores, the charts take the rest.
AUTOGROUP_NICE = 5


def lower_priority(nice: int = AUTOGROUP_NICE) -> None:
    """Give this process's session (a worker runs in its own) a lower CPU weight than the caller's, where Linux
    groups the CPU time by session (autogroups); elsewhere, or when it cannot be set, nothing happens."""
    try:
        with open("/proc/self/autogroup", "w", encoding="ascii") as fh:
            fh.write(str(nice))
    except OSError:  # no autogroups (another system, a kernel without them): the worker runs as it is
        pass


def main(argv: Sequence[str]) -> int:
    """Draw the jobs named on standard input (with ``argv[1]`` renderers) and pickle {index: Chart} into
    ``argv[0]/charts.pickle``."""
    lower_priority()
    folder = Path(argv[0])
    renderers = max(1, int(argv[1])) if len(argv) > 1 and argv[1].isdigit() else 1
    forking = renderers > 1 and can_fork()
    if not forking:  # nothing to fork: the charts (and polars) imported now too, while the caller is busy
        import analyzer.report.charts  # noqa: F401
    warm_up()  # matplotlib imported and its fonts loaded while the caller is still busy
    k, pids = 0, list[int]()
    if forking:
        k, pids = _fork_renderers(folder, renderers)
    idle = threading.Timer(IDLE_TIMEOUT_S, os._exit, (3,))  # no job for so long: the caller forgot this worker
    idle.daemon = True
    idle.start()
    if k:
        _run_copy(folder, k, idle)
    done = _draw(folder, _names(idle))
    for n, pid in enumerate(pids, start=1):
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        try:
            if code != 0:
                raise OSError(f"exit {code}")
            with open(folder / f"charts-{n}.pickle", "rb") as fh:
                done.update(pickle.load(fh))
        except (OSError, pickle.UnpicklingError, EOFError) as exc:  # its charts are drawn by the caller
            sys.stderr.write(f"chart renderer {n} failed: {exc}\n")
    _dump(done, folder / "charts.pickle")
    return 0


def _exit_now(code: int) -> None:
    """End the process at once, its output flushed: the caller waits for the worker's exit, and a normal
    interpreter shutdown (tearing down matplotlib's and polars' modules) took about 0.08 s more. Nothing is
    left to clean up: the results are written and closed, the renderers it forked have ended."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main(sys.argv[1:]))
