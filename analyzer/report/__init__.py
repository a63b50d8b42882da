"""Stage 5 — report: write the CSVs, summary.json, charts and the HTML page into the output folder."""

from analyzer.report.writer import write_report

__all__ = ["write_report"]
