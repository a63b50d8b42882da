"""Worker processes that draw the report's charts while the main process writes the tables (2 cores).

:func:`start_worker` starts ``python -m analyzer.report.chart_process FOLDER RENDERERS``
(:mod:`analyzer.report.chart_process`); the worker imports matplotlib and warms it up, then waits for its
jobs: :meth:`ChartWorker.send` pickles each job into the worker's folder and names it on the worker's standard
input (a short record: the pipe never fills, so the caller never waits for the worker), and the worker draws
it at once. :meth:`ChartWorker.finish` closes the input; the worker then pickles what it wrote into
``FOLDER/charts.pickle`` and exits. On Linux one worker process forks its second renderer once matplotlib is warm
(:func:`forks`), so that matplotlib's import and warm-up are paid once; elsewhere each renderer is a process
of its own.

The imports are the worker's largest cost, so a worker can be started early — :func:`prestart`, which the
pipeline calls once the inputs are read — to import while this process resolves identities and scores; the
next :func:`take_workers` uses it. This process need not import matplotlib at all when the workers draw every
chart. A worker never outlives its caller: it exits when its standard input closes (the caller ended, however
it ended), when it had no job for :data:`IDLE_TIMEOUT_S` seconds, and the workers still waiting are stopped
(with the renderers they forked) when the caller exits.

This module imports only the standard library, so that a worker can start before the charts are imported. A
plain subprocess rather than :mod:`multiprocessing`, whose spawned children re-run the caller's main script (a
user's script or notebook without an ``if __name__ == "__main__"`` guard would start its whole analysis again).
The jobs carry only small tables (the people tables, the counts of the charts that read the events); a failure
of any kind leaves the charts to the caller, which draws whatever the workers did not deliver.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analyzer.report.chart_process import IDLE_TIMEOUT_S as IDLE_TIMEOUT_S
from analyzer.report.chart_process import encode_record, fork_supported, ready_file

log = logging.getLogger(__name__)

#: A worker that has not delivered after this long is stopped (its charts are then drawn by the caller).
WORKER_TIMEOUT_S = 600
#: From this many people on, the report's charts are drawn in worker processes (below, starting them costs
#: more than it saves).
PARALLEL_MIN_PEOPLE = 2_000
#: How many renderers draw the charts (the caller meanwhile writes the tables): on two cores, two renderers
#: finish sooner than one, which would draw alone for longer than the tables take.
WORKERS = 2
#: Whether one worker process forks its other renderers (Linux: :func:`forks`) rather than one process each.
FORK_ENV = "RECONNECT_CHART_FORK"

#: One job: (index in the report, key, title, name of the plot function, its arguments, PNG path).
Job = tuple[int, str, str, str, tuple[Any, ...], Path]


def wants_worker(n_people: int) -> bool:
    """Whether a report of ``n_people`` people draws its charts in worker processes: from
    :data:`PARALLEL_MIN_PEOPLE` people on with two or more CPUs; ``RECONNECT_CHART_WORKERS=0/1`` decides."""
    env = os.environ.get("RECONNECT_CHART_WORKERS")
    if env is not None:
        return env.strip() not in ("", "0")
    return (os.cpu_count() or 1) > 1 and n_people >= PARALLEL_MIN_PEOPLE


def worker_count() -> int:
    """How many renderers to use when the charts are drawn in workers: :data:`WORKERS`, or the number that
    ``RECONNECT_CHART_WORKERS`` gives (``1`` or more; any other value, e.g. ``yes``: :data:`WORKERS`)."""
    env = (os.environ.get("RECONNECT_CHART_WORKERS") or "").strip()
    return max(1, min(int(env), 8)) if env.isascii() and env.isdigit() and int(env) > 0 else WORKERS


def forks() -> bool:
    """Whether a worker process forks its other renderers (on Linux, unless ``RECONNECT_CHART_FORK=0``)
    rather than each renderer being a process of its own."""
    return fork_supported() and os.environ.get(FORK_ENV, "").strip() != "0"


class ChartWorker:
    """A started worker process, waiting for its jobs (:meth:`send`, then :meth:`finish`); :meth:`results`
    waits for its charts, :meth:`close` stops it if it still runs and removes its temporary folder."""

    def __init__(self, proc: subprocess.Popen[bytes], folder: Path, renderers: int = 1) -> None:
        self.proc = proc
        self.folder = folder
        self.renderers = renderers  # how many charts it draws at a time (itself and the copies it forks)
        self.result_file = folder / "charts.pickle"
        self.sent = 0
        #: {job index: inputs} of the charts sent ahead of the report (``charts.draw_ahead``)
        self.ahead: dict[int, tuple[Any, ...]] = {}

    @property
    def alive(self) -> bool:
        """Whether the process still runs and still takes jobs."""
        return self.proc.poll() is None and self.proc.stdin is not None

    @property
    def ready(self) -> int:
        """How many of its renderers have imported everything and wait for jobs (or draw them)."""
        return sum(ready_file(self.folder, k).exists() for k in range(self.renderers))

    def send(self, jobs: Sequence[Job], last: bool = True) -> None:
        """Hand the worker ``jobs`` (drawn in this order, as soon as they arrive); ``last``: they are its last
        (:meth:`finish`)."""
        stdin = self.proc.stdin
        if stdin is not None:
            try:
                for job in jobs:
                    name = f"job-{self.sent:03d}.pickle"
                    with open(self.folder / name, "wb") as fh:
                        pickle.dump(job, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    self.sent += 1
                    os.write(stdin.fileno(), encode_record(name))  # one write: atomic, read whole by one renderer
            except OSError as exc:  # the worker died before reading them: results() reports it
                log.debug("chart worker did not take its jobs: %s", exc)
                last = True
        if last:
            self.finish()

    def finish(self) -> None:
        """Tell the worker that it has all its jobs (it exits once they are drawn)."""
        stdin, self.proc.stdin = self.proc.stdin, None  # closed here: communicate() must not touch it
        if stdin is not None:
            try:
                stdin.close()
            except OSError as exc:
                log.debug("chart worker input already closed: %s", exc)

    def results(self) -> dict[int, Any]:
        """Wait for the worker; {index: Chart} of the charts it wrote (empty when it failed, which is logged)."""
        self.finish()
        try:
            _, err = self.proc.communicate(timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._kill()
            self.proc.communicate()
            log.warning("chart worker did not finish in %d s: its charts are drawn here", WORKER_TIMEOUT_S)
            return {}
        if self.proc.returncode != 0:
            log.warning("chart worker failed (exit %s): %s", self.proc.returncode,
                        (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:])
            return {}
        try:
            with open(self.result_file, "rb") as fh:
                got: dict[int, Any] = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            log.warning("chart worker's results could not be read (%s): its charts are drawn here", exc)
            return {}
        return got

    def _kill(self) -> None:
        """Stop the worker and the renderers it forked (its process group), while it still runs (its pid, and
        so its group, cannot have been reused then)."""
        if self.proc.poll() is not None:
            return
        if os.name == "posix":
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
                return
            except OSError as exc:  # not the leader of its own group after all
                log.debug("chart worker's group could not be stopped: %s", exc)
        self.proc.kill()

    def close(self) -> None:
        """Stop the worker (and the renderers it forked) if it still runs; remove its folder."""
        self._kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        self.proc.stdin = None
        shutil.rmtree(self.folder, ignore_errors=True)


def start_worker(renderers: int = 1) -> ChartWorker | None:
    """Start a worker now (it waits for :meth:`ChartWorker.send`) that draws with ``renderers`` processes (it
    forks the others: only where :func:`forks`); None when no interpreter can be started (frozen app, sandbox:
    every chart is then drawn here), which is logged."""
    folder = Path(tempfile.mkdtemp(prefix="reconnect-charts-"))
    root = str(Path(__file__).resolve().parents[2])  # the folder holding analyzer/: importable from a checkout
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    # its tables are small: one polars thread, rather than a pool per worker competing for the same cores
    env.setdefault("POLARS_MAX_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # nor a BLAS pool: no thread of numpy's runs when it forks
    try:
        # its own process group, so that close() stops the renderers it forked too
        proc = subprocess.Popen([sys.executable, "-m", "analyzer.report.chart_process", str(folder), str(renderers)],
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=os.name == "posix")
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        log.warning("chart worker could not start (%s): its charts are drawn here", exc)
        return None
    return ChartWorker(proc, folder, renderers)


#: Workers started ahead by :func:`prestart`, with the id of the process that started them.
_ready: list[tuple[int, ChartWorker]] = []


def _close_ready() -> None:
    while _ready:
        _, w = _ready.pop()
        w.close()


atexit.register(_close_ready)


def prestart(n_people: int | None = None) -> None:
    """Start the report's chart workers now, so that they import matplotlib while this process goes on with the
    analysis; the next :func:`take_workers` uses them. Nothing happens when the charts of ``n_people`` people
    (an estimate; None: any number) would not be drawn in workers (:func:`wants_worker`). Workers never used
    exit on their own (:data:`IDLE_TIMEOUT_S`) or with this process."""
    if n_people is not None and not wants_worker(n_people):
        return
    if n_people is None and os.environ.get("RECONNECT_CHART_WORKERS", "").strip() in ("0",):
        return
    pid = os.getpid()
    ready = sum(w.renderers for p, w in _ready if p == pid and w.alive)
    while ready < worker_count():
        w = start_worker(worker_count() - ready if forks() else 1)
        if w is None:
            return
        _ready.append((pid, w))
        ready += w.renderers


#: Inputs of at least this many bytes start the chart workers before they are read
#: (:func:`prestart_for_inputs`): a network of :data:`PARALLEL_MIN_PEOPLE` people comes with more (a LinkedIn
#: archive of 2,000 connections and their messages, a mailbox of a few thousand messages).
EARLY_START_BYTES = 16 << 20
#: Folder entries looked at, at most, to tell whether the inputs reach :data:`EARLY_START_BYTES`.
_MAX_ENTRIES = 20_000


def inputs_reach(paths: Sequence[str | os.PathLike[str]], limit: int) -> bool:
    """Whether the files that ``paths`` name hold ``limit`` bytes or more: files by their size, folders walked
    (links to folders not followed, at most :data:`_MAX_ENTRIES` entries), unreadable paths left out. It stops
    as soon as the sizes reach ``limit``: a large export answers after its first big file."""
    total = 0
    seen = 0
    stack = [os.fspath(p) for p in reversed(paths)]
    while stack and seen < _MAX_ENTRIES:
        path = stack.pop()
        seen += 1
        try:
            if os.path.isdir(path):
                with os.scandir(path) as entries:
                    for entry in entries:
                        seen += 1
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file():
                            total += entry.stat().st_size
                        if total >= limit:
                            return True
                        if seen >= _MAX_ENTRIES:  # (a folder of a million small files: not worth walking on)
                            return False
            elif os.path.isfile(path):
                total += os.path.getsize(path)
        except OSError:  # a path the run itself will report (missing, unreadable)
            continue
        if total >= limit:
            return True
    return False


def prestart_for_inputs(paths: Sequence[str | os.PathLike[str]]) -> None:
    """:func:`prestart` the chart workers now, before the inputs are read, when they are large
    (:data:`EARLY_START_BYTES`): a worker then imports matplotlib while this process imports the pipeline
    (one core busy) and is ready to draw once identity is done (after ingest, with identity and scoring
    competing for the cores, it was ready only as the report began). Smaller inputs are judged after ingest by
    the number of records, as before; a worker started for a network that turns out small draws its charts
    all the same (and this process never imports matplotlib)."""
    if wants_worker(PARALLEL_MIN_PEOPLE) and inputs_reach(paths, EARLY_START_BYTES):
        prestart(PARALLEL_MIN_PEOPLE)


def ready_workers() -> list[ChartWorker]:
    """The workers started ahead by :func:`prestart` that are waiting (and still running)."""
    pid = os.getpid()
    return [w for p, w in _ready if p == pid and w.alive]


def has_ready_workers() -> bool:
    """Whether workers started ahead by :func:`prestart` are waiting (and still running)."""
    pid = os.getpid()
    return any(p == pid and w.alive for p, w in _ready)


def take_workers(n: int) -> list[ChartWorker]:
    """Workers waiting for jobs with ``n`` renderers in all: those :func:`prestart` started (still running),
    then new ones (fewer when some cannot start). The caller closes them (:meth:`ChartWorker.close`)."""
    pid = os.getpid()
    out: list[ChartWorker] = []
    have = 0
    while _ready:
        p, w = _ready.pop(0)
        if p == pid and w.alive and have < n:
            out.append(w)
            have += w.renderers
        elif p == pid:
            w.close()
    while have < n:
        new = start_worker(n - have if forks() else 1)
        if new is None:
            break
        out.append(new)
        have += new.renderers
    return out
