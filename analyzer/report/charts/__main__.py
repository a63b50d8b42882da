"""The chart worker's process: ``python -m analyzer.report.charts JOBS RESULTS`` draws the pickled jobs that
:func:`analyzer.report.charts.worker.run_worker` hands it and pickles back what it wrote."""

from __future__ import annotations

import pickle
import sys
from collections.abc import Sequence

from analyzer.report.charts import _plot, _render
from analyzer.report.charts.worker import Job


def main(argv: Sequence[str]) -> int:
    """Draw the jobs of ``argv[0]`` and pickle {index: Chart} into ``argv[1]``."""
    with open(argv[0], "rb") as fh:
        jobs: list[Job] = pickle.load(fh)
    done = {}
    for i, key, title, plot, args, path in jobs:
        done[i] = _render(key, title, lambda plot=plot, args=args: _plot(plot, args), path)  # type: ignore[misc]
    with open(argv[1], "wb") as fh:
        pickle.dump(done, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
