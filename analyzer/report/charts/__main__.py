"""A chart worker's process: ``python -m analyzer.report.charts FOLDER`` imports the charts and matplotlib, then
draws each job as soon as :meth:`analyzer.report.chart_worker.ChartWorker.send` names its pickle (in
``FOLDER``) on standard input, and once the input closes pickles what it wrote into ``FOLDER/charts.pickle``."""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from analyzer.report.chart_worker import IDLE_TIMEOUT_S, Job
from analyzer.report.charts import _plot, _render, warm_up


def main(argv: Sequence[str]) -> int:
    """Draw the jobs named on standard input and pickle {index: Chart} into ``argv[0]/charts.pickle``."""
    folder = Path(argv[0])
    idle = threading.Timer(IDLE_TIMEOUT_S, os._exit, (3,))  # no job for so long: the caller forgot this worker
    idle.daemon = True
    idle.start()
    warm_up()  # matplotlib imported and its fonts loaded while the caller is still busy
    done = {}
    for line in sys.stdin.buffer:
        idle.cancel()
        name = line.strip().decode("ascii")
        if not name:
            continue
        with open(folder / name, "rb") as fh:
            job: Job = pickle.load(fh)
        i, key, title, plot, args, path = job
        done[i] = _render(key, title, lambda plot=plot, args=args: _plot(plot, args), path)  # type: ignore[misc]
    with open(folder / "charts.pickle", "wb") as fh:
        pickle.dump(done, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
