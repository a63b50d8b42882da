"""A second process that draws charts while the main one draws others (2 cores: about half the wall time).

:func:`run_worker` starts ``python -m analyzer.report.charts JOBS RESULTS`` (:mod:`.__main__`) on pickle files in a
temporary folder: a plain subprocess rather than :mod:`multiprocessing`, whose spawned children re-run the
caller's main script (a user's script or notebook without an ``if __name__ == "__main__"`` guard would start
its whole analysis again). The jobs carry only the small people tables; a failure of any kind leaves the
charts to the main process, which draws whatever the worker did not deliver.
"""

from __future__ import annotations

import logging
import os
import pickle
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

#: One job: (index in the report, key, title, name of the plot function, its arguments, PNG path).
Job = tuple[int, str, str, str, tuple[Any, ...], Path]


@contextmanager
def run_worker(jobs: Sequence[Job]) -> Iterator[Callable[[], dict[int, Any]]]:
    """Start a worker on ``jobs``; yields a function that waits for it and returns {index: Chart} of the
    charts it wrote (empty when it failed, which is logged)."""
    if not jobs:
        yield dict
        return
    with tempfile.TemporaryDirectory(prefix="reconnect-charts-") as tmp:
        job_file, result_file = Path(tmp) / "jobs.pickle", Path(tmp) / "charts.pickle"
        with open(job_file, "wb") as fh:
            pickle.dump(list(jobs), fh, protocol=pickle.HIGHEST_PROTOCOL)
        root = str(Path(__file__).resolve().parents[3])  # the folder holding analyzer/: importable from a checkout
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        try:
            proc = subprocess.Popen([sys.executable, "-m", "analyzer.report.charts", str(job_file),
                                     str(result_file)], env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:  # no interpreter to start (frozen app, sandbox): everything is drawn here
            log.warning("chart worker could not start (%s): its charts are drawn here", exc)
            yield dict
            return

        def results() -> dict[int, Any]:
            try:
                _, err = proc.communicate(timeout=WORKER_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                log.warning("chart worker did not finish in %d s: its charts are drawn here", WORKER_TIMEOUT_S)
                return {}
            if proc.returncode != 0:
                log.warning("chart worker failed (exit %s): %s", proc.returncode,
                            err.decode("utf-8", "replace").strip().splitlines()[-1:])
                return {}
            with open(result_file, "rb") as fh:
                got: dict[int, Any] = pickle.load(fh)
            return got

        try:
            yield results
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
