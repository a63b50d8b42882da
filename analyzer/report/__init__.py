"""Stage 5 — report: write the CSVs, summary.json, charts and the HTML page into the output folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analyzer.report.writer import write_report

__all__ = ["write_report"]


def __getattr__(name: str) -> Any:
    # imported on first use: the chart worker process imports analyzer.report.charts without the pipeline
    if name == "write_report":
        from analyzer.report.writer import write_report

        return write_report
    raise AttributeError(f"module 'analyzer.report' has no attribute {name!r}")
