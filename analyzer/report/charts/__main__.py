"""``python -m analyzer.report.charts FOLDER``: a chart worker with one renderer, as
``python -m analyzer.report.chart_process FOLDER`` (:mod:`analyzer.report.chart_process`), which the workers run."""

from __future__ import annotations

import sys

from analyzer.report.chart_process import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
