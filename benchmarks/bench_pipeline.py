"""Benchmark the whole `reconnect analyze` run on a generated profile (SPEC §9).

    python benchmarks/bench_pipeline.py --size large            # generates /tmp/reconnect-bench-large once
    python benchmarks/bench_pipeline.py --size medium --keep

Prints each stage's wall time, the total, the peak resident memory of the run (measured in a child process,
so generation does not count) and the budget verdict: large in <= 30 s and <= 1.5 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BUDGET_S = 30.0
BUDGET_MB = 1536.0

CHILD = r"""
import json, resource, sys, time
from datetime import date
t0 = time.perf_counter()
from analyzer.pipeline import analyze
from analyzer.report import write_report
a = analyze([sys.argv[1]], as_of=date(2026, 11, 1))
t1 = time.perf_counter()
write_report(a, sys.argv[2], top=25)
t2 = time.perf_counter()
timings = dict(a.timings)
timings["report"] = round(t2 - t1, 3)
print(json.dumps({"timings": timings, "total": round(t2 - t0, 3),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "records": a.ingested.records.height, "messages": a.ingested.messages.height,
                  "events": a.events.height, "people": a.people.height, "ranked": a.ranked.height}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="large", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None, help="where the profile is (generated if missing)")
    args = ap.parse_args()
    data = args.dir or Path(f"/tmp/reconnect-bench-{args.size}")
    if not data.exists():
        from analyzer.sample_data import generate_sample_data

        t = time.perf_counter()
        generate_sample_data(data, size=args.size, seed=args.seed)
        print(f"generated {args.size} profile in {time.perf_counter() - t:.1f} s -> {data}")
    size_mb = sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) / 1e6
    out = Path(f"/tmp/reconnect-bench-report-{args.size}")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(data), str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-4000:])
        return 1
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"profile: {args.size}, {size_mb:.0f} MB of exports; {res['records']} records, {res['messages']} messages, "
          f"{res['events']} events, {res['people']} people, {res['ranked']} ranked")
    for stage, s in res["timings"].items():
        print(f"  {stage:<10} {s:7.2f} s")
    print(f"  {'total':<10} {res['total']:7.2f} s (incl. imports)   peak memory {res['peak_mb']:.0f} MB")
    if args.size == "large":
        ok = res["total"] <= BUDGET_S and res["peak_mb"] <= BUDGET_MB
        print(f"budget (<= {BUDGET_S:.0f} s, <= {BUDGET_MB:.0f} MB): {'MET' if ok else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
