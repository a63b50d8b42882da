"""The chart worker's process: ``python -m analyzer.report.charts RESULTS`` imports the charts, then draws the
pickled jobs that :meth:`analyzer.report.chart_worker.ChartWorker.send` writes to its standard input and
pickles back what it wrote into ``RESULTS``."""

from __future__ import annotations

import pickle
import sys
from collections.abc import Sequence

from analyzer.report.chart_worker import Job
from analyzer.report.charts import _plot, _render


def main(argv: Sequence[str]) -> int:
    """Draw the jobs read from standard input and pickle {index: Chart} into ``argv[0]``."""
    jobs: list[Job] = pickle.load(sys.stdin.buffer)
    done = {}
    for i, key, title, plot, args, path in jobs:
        done[i] = _render(key, title, lambda plot=plot, args=args: _plot(plot, args), path)  # type: ignore[misc]
    with open(argv[0], "wb") as fh:
        pickle.dump(done, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
