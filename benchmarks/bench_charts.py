"""CPU time of each report chart as a chart worker draws it (the report's critical path on a mailbox-only run).

    python benchmarks/bench_charts.py INPUT [INPUT ...] [--runs 5]

Runs the pipeline on the inputs (as ``reconnect analyze`` does, as of 2026-11-01), makes each chart's job (its
inputs, as :func:`analyzer.report.charts.make_charts` sends them to a worker), then warms matplotlib up as a
worker does (:func:`analyzer.report.chart_process.warm_up`) and, for each chart and run, forks a fresh renderer
that imports the charts and draws and saves that one chart (so no chart profits from another's text caches,
as in a worker where the first chart of each renderer does not). Prints the CPU seconds per chart, median and
minimum of ``--runs``: the machine may be shared, so compare minima, or medians of alternating runs.
The PNGs go to a temporary folder that is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("POLARS_MAX_THREADS", "1")  # as in a worker (the analysis itself runs in a child below)


def _jobs(inputs: list[str], folder: Path) -> list[tuple[str, Path]]:
    """Run the pipeline in a child process (polars must not be imported here before forking the renderers)
    and pickle each chart's job into ``folder``; (key, job file) in report order."""
    code = (
        "import os, pickle, sys\n"
        "os.environ.pop('POLARS_MAX_THREADS', None)\n"
        "os.environ['RECONNECT_CHART_WORKERS'] = '0'\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from analyzer.pipeline import analyze\n"
        "from analyzer.report.charts import CHARTS\n"
        "folder = Path(sys.argv[1])\n"
        "a = analyze(sys.argv[2:], as_of=date(2026, 11, 1))\n"
        "for i, s in enumerate(CHARTS):\n"
        "    with open(folder / f'job-{i:02d}.pickle', 'wb') as fh:\n"
        "        pickle.dump((i, s.key, s.title, s.plot, s.inputs(a, 25), folder / f'{i + 1:02d}_{s.key}.png'), fh)\n"
        "    print(s.key)\n"
    )
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    out = subprocess.run([sys.executable, "-c", code, str(folder), *inputs], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return [(key, folder / f"job-{i:02d}.pickle") for i, key in enumerate(out)]


def _draw_in_fresh_renderer(job: Path) -> float:
    """Fork a renderer (after the warm-up, as a worker does), draw the job there; its CPU seconds."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the renderer: imports as a worker's renderer does, then draws and saves one chart
        code = 1
        try:
            os.close(r)
            import gc
            import pickle

            from analyzer.report.charts import _plot, _render

            gc.collect()
            gc.freeze()
            with open(job, "rb") as fh:
                _, key, title, plot, args, path = pickle.load(fh)
            start = time.process_time()
            _render(key, title, lambda: _plot(plot, args), path)
            os.write(w, json.dumps(time.process_time() - start).encode())
            code = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not data:
        raise RuntimeError(f"renderer failed on {job.name}")
    return float(json.loads(data))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="files or folders, as for reconnect analyze")
    ap.add_argument("--runs", type=int, default=5, help="draws of each chart (default 5)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        jobs = _jobs(args.inputs, Path(tmp))
        from analyzer.report.chart_process import warm_up

        warm_up()
        cpu: dict[str, list[float]] = {key: [] for key, _ in jobs}
        for _ in range(max(1, args.runs)):
            for key, job in jobs:
                cpu[key].append(_draw_in_fresh_renderer(job))
    print(f"{'chart':16s} {'median':>7s} {'min':>7s}   CPU seconds, {args.runs} draws each in a fresh warm renderer")
    for key, times in cpu.items():
        print(f"{key:16s} {statistics.median(times):7.3f} {min(times):7.3f}")
    print(f"{'all nine':16s} {sum(statistics.median(t) for t in cpu.values()):7.3f} "
          f"{sum(min(t) for t in cpu.values()):7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
