"""A second process that draws charts while the main one writes the tables and draws others (2 cores).

:func:`start_worker` starts ``python -m analyzer.report.charts RESULTS`` (:mod:`analyzer.report.charts.__main__`)
at once; the worker imports polars and matplotlib (about a second) while this process goes on, then reads its
jobs from its standard input: :meth:`ChartWorker.send` pickles them there as soon as they are known. This
module imports only the standard library, so that the worker can start before this process has imported the
charts. A plain subprocess rather than :mod:`multiprocessing`, whose spawned children re-run the caller's main
script (a user's script or notebook without an ``if __name__ == "__main__"`` guard would start its whole
analysis again). The jobs carry only the small people tables; a failure of any kind leaves the charts to the
main process, which draws whatever the worker did not deliver.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: A worker that has not delivered after this long is stopped (its charts are then drawn by the caller).
WORKER_TIMEOUT_S = 600
#: From this many people on, the report's charts are drawn in two processes (below, starting one costs more
#: than it saves).
PARALLEL_MIN_PEOPLE = 2_000

#: One job: (index in the report, key, title, name of the plot function, its arguments, PNG path).
Job = tuple[int, str, str, str, tuple[Any, ...], Path]


def wants_worker(n_people: int) -> bool:
    """Whether a report of ``n_people`` people draws its charts in two processes: from
    :data:`PARALLEL_MIN_PEOPLE` people on with two or more CPUs; ``RECONNECT_CHART_WORKERS=0/1`` decides."""
    env = os.environ.get("RECONNECT_CHART_WORKERS")
    if env is not None:
        return env.strip() not in ("", "0")
    return (os.cpu_count() or 1) > 1 and n_people >= PARALLEL_MIN_PEOPLE


class ChartWorker:
    """A started worker process, waiting for its jobs (:meth:`send`); :meth:`results` waits for its charts,
    :meth:`close` stops it if it still runs and removes its temporary folder."""

    def __init__(self, proc: subprocess.Popen[bytes], folder: Path) -> None:
        self.proc = proc
        self.folder = folder
        self.result_file = folder / "charts.pickle"

    def send(self, jobs: Sequence[Job]) -> None:
        """Hand the worker its jobs (none: it exits at once)."""
        stdin, self.proc.stdin = self.proc.stdin, None  # closed here: communicate() must not touch it
        if stdin is None:
            return
        try:
            with stdin:
                pickle.dump(list(jobs), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as exc:  # the worker died before reading them: results() reports it
            log.debug("chart worker did not take its jobs: %s", exc)

    def results(self) -> dict[int, Any]:
        """Wait for the worker; {index: Chart} of the charts it wrote (empty when it failed, which is logged)."""
        try:
            _, err = self.proc.communicate(timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            log.warning("chart worker did not finish in %d s: its charts are drawn here", WORKER_TIMEOUT_S)
            return {}
        if self.proc.returncode != 0:
            log.warning("chart worker failed (exit %s): %s", self.proc.returncode,
                        err.decode("utf-8", "replace").strip().splitlines()[-1:])
            return {}
        with open(self.result_file, "rb") as fh:
            got: dict[int, Any] = pickle.load(fh)
        return got

    def close(self) -> None:
        """Stop the worker if it still runs; remove its folder."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_worker() -> ChartWorker | None:
    """Start a worker now (it waits for :meth:`ChartWorker.send`); None when no interpreter can be started
    (frozen app, sandbox: every chart is then drawn here), which is logged."""
    folder = Path(tempfile.mkdtemp(prefix="reconnect-charts-"))
    root = str(Path(__file__).resolve().parents[2])  # the folder holding analyzer/: importable from a checkout
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    try:
        proc = subprocess.Popen([sys.executable, "-m", "analyzer.report.charts", str(folder / "charts.pickle")],
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        log.warning("chart worker could not start (%s): its charts are drawn here", exc)
        return None
    return ChartWorker(proc, folder)


@contextmanager
def run_worker(jobs: Sequence[Job], worker: ChartWorker | None = None) -> Iterator[Callable[[], dict[int, Any]]]:
    """Hand ``jobs`` to ``worker`` (default: one started now); yields a function that waits for it and returns
    {index: Chart} of the charts it wrote (empty when it failed). The worker is stopped on the way out."""
    if worker is None and jobs:
        worker = start_worker()
    if worker is None:
        yield dict
        return
    try:
        worker.send(jobs)
        yield worker.results if jobs else dict
    finally:
        worker.close()
