"""Evaluate follow-through across runs (issue 14, SPEC §10) against the truth of a generated profile.

Generates the full export of a profile and the export of the SAME world taken ``--days`` days earlier
(``reconnect sample-data DIR --as-of-earlier DAYS``, whose truth folder holds ``changes.csv``: truth_id, change,
before, after, date), analyses the earlier export, then the full one compared with that first report, and scores
the second run's ``changes.csv`` against the truth. People are mapped to truth ids through their LinkedIn URLs
and addresses (``identities.csv``); a person split in two by identity resolution counts once.

Reports, per change kind: truth count, found, recall, precision (a change on a person without a truth id counts
as false); the two criteria of issue 14 (job changes + new connections: recall >= 0.90 with few false ones;
reconnected + awaiting reply: recall >= 0.80); and where the people reconnected with since, and those awaiting
a reply, now rank (how many remain in the top 25 / 50). CPU times are reported (the machine is shared).

Usage::

    .venv/bin/python benchmarks/eval_followup.py --size medium --days 365 [--workdir DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import analyzer  # noqa: E402
from analyzer.followup.changes import CHANGE_KINDS  # noqa: E402
from analyzer.normalize import normalize_email  # noqa: E402


def generate(workdir: Path, size: str, seed: int, days: int) -> tuple[Path, Path]:
    """The full export and the earlier one (generated once per workdir)."""
    full, earlier = workdir / f"{size}-{seed}", workdir / f"{size}-{seed}-earlier-{days}"
    for folder, extra in ((full, []), (earlier, ["--as-of-earlier", str(days)])):
        if not folder.is_dir():
            subprocess.run([sys.executable, "-m", "analyzer", "sample-data", str(folder), "--size", size,
                            "--seed", str(seed), *extra], check=True)
    return full, earlier


def _as_of(truth: Path) -> date:
    """The as-of date of a generated export (an earlier export's manifest gives the earlier date)."""
    return date.fromisoformat(str(json.loads((truth / "manifest.json").read_text(encoding="utf-8"))["as_of"]))


def truth_ids(people: pl.DataFrame, identities: pl.DataFrame) -> pl.DataFrame:
    """person_id -> truth_id (the truth id most of the person's addresses and URLs point to)."""
    ident = identities.filter(pl.col("key_type").is_in(["email", "linkedin_url"])).select(
        pl.col("key").str.to_lowercase().alias("k"), "truth_id")
    ident = pl.concat([ident, ident.with_columns(pl.col("k").map_elements(
        lambda e: normalize_email(e) or e, return_dtype=pl.String))]).unique()
    keys = (people.select("person_id", pl.concat_list(pl.col("emails").str.split(";"),
                                                      pl.col("linkedin_urls").str.split(";")).alias("k"))
            .explode("k").filter(pl.col("k").str.len_chars() > 0).with_columns(pl.col("k").str.to_lowercase()))
    keys = pl.concat([keys, keys.with_columns(pl.col("k").map_elements(
        lambda e: normalize_email(e) or e, return_dtype=pl.String))]).unique()
    return (keys.join(ident, on="k").group_by("person_id", "truth_id").len()
            .sort(["person_id", "len", "truth_id"], descending=[False, True, False])
            .unique("person_id", keep="first").drop("len"))


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def score(report: Path, truth_changes: pl.DataFrame, identities: pl.DataFrame) -> dict[str, Any]:
    """Recall and precision of report/changes.csv per kind, and where the moved-on people now rank."""
    people = _read(report / "people.csv").fill_null("")
    ids = truth_ids(people, identities)
    got = _read(report / "changes.csv").join(ids, on="person_id", how="left")
    out: dict[str, Any] = {"kinds": {}}

    def sets(kinds: tuple[str, ...]) -> tuple[set[str], set[str], int]:
        t = set(truth_changes.filter(pl.col("change").is_in(kinds)).select(
            pl.concat_str("change", "truth_id", separator="|")).to_series().to_list())
        g = got.filter(pl.col("change").is_in(kinds))
        unmapped = g.get_column("truth_id").null_count()
        p = set(g.drop_nulls("truth_id").select(pl.concat_str("change", "truth_id", separator="|"))
                .to_series().to_list())
        return t, p, unmapped

    def metrics(kinds: tuple[str, ...]) -> dict[str, Any]:
        t, p, unmapped = sets(kinds)
        hit = len(t & p)
        n_pred = len(p) + unmapped
        return {"truth": len(t), "found": n_pred, "correct": hit, "false": n_pred - hit,
                "recall": round(hit / len(t), 3) if t else None,
                "precision": round(hit / n_pred, 3) if n_pred else None}

    for kind in CHANGE_KINDS:
        out["kinds"][kind] = metrics((kind,))
    out["jobs_and_connections"] = metrics(("job_change", "new_connection"))
    out["reconnected_and_awaiting"] = metrics(("reconnected", "awaiting_reply"))
    ranked = _read(report / "reconnect.csv").join(ids, on="person_id", how="left").with_columns(
        pl.col("rank").cast(pl.Int64))
    best = ranked.drop_nulls("truth_id").group_by("truth_id").agg(pl.col("rank").min())
    for kind in ("reconnected", "awaiting_reply"):
        who = truth_changes.filter(pl.col("change") == kind).select("truth_id").unique()
        ranks = who.join(best, on="truth_id", how="left").get_column("rank")
        out[f"{kind}_ranks"] = {"n": who.height, "in_top_25": int((ranks <= 25).sum()),
                                "in_top_50": int((ranks <= 50).sum()),
                                "best_rank": int(ranks.min()) if ranks.drop_nulls().len() else None}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=365, help="how much earlier the first export is taken")
    ap.add_argument("--workdir", type=Path, default=None, help="where to generate (default: a temporary folder)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="reconnect-eval-followup-"))
    workdir.mkdir(parents=True, exist_ok=True)
    full, earlier = generate(workdir, args.size, args.seed, args.days)
    full_truth, earlier_truth = Path(f"{full}_truth"), Path(f"{earlier}_truth")
    as_of = _as_of(full_truth)
    as_of_earlier = _as_of(earlier_truth)
    assert as_of_earlier == as_of - timedelta(days=args.days), (as_of, as_of_earlier)
    t0 = time.process_time()
    first = analyzer.analyze(earlier, as_of=as_of_earlier)
    first.write(workdir / "report-earlier", charts=False)
    t1 = time.process_time()
    second = analyzer.analyze(full, as_of=as_of, previous=workdir / "report-earlier", plan=3)
    second.write(workdir / "report", charts=False)
    t2 = time.process_time()
    truth = _read(earlier_truth / "changes.csv")
    identities = _read(full_truth / "identities.csv")
    res = score(workdir / "report", truth, identities)
    res.update({"size": args.size, "seed": args.seed, "days": args.days, "as_of": as_of.isoformat(),
                "as_of_earlier": as_of_earlier.isoformat(), "cpu_s": {"earlier_run": round(t1 - t0, 2),
                                                                       "full_run": round(t2 - t1, 2)},
                "follow_through_stage_s": second.analysis.timings.get("follow-through")})
    print(f"follow-through, {args.size} seed {args.seed}: earlier export {as_of_earlier}, full {as_of}")
    print(f"{'change':<26}{'truth':>7}{'found':>7}{'correct':>9}{'false':>7}{'recall':>8}{'precision':>11}")
    rows = [*res["kinds"].items(), ("jobs + connections", res["jobs_and_connections"]),
            ("reconnected + awaiting", res["reconnected_and_awaiting"])]
    for name, m in rows:
        print(f"{name:<26}{m['truth']:>7}{m['found']:>7}{m['correct']:>9}{m['false']:>7}"
              f"{m['recall'] if m['recall'] is not None else '-':>8}"
              f"{m['precision'] if m['precision'] is not None else '-':>11}")
    for kind in ("reconnected", "awaiting_reply"):
        r = res[f"{kind}_ranks"]
        print(f"{kind}: {r['n']} people, {r['in_top_25']} in the top 25, {r['in_top_50']} in the top 50, "
              f"best rank {r['best_rank']}")
    print(f"CPU: earlier run {res['cpu_s']['earlier_run']} s, full run {res['cpu_s']['full_run']} s "
          f"(follow-through stage {res['follow_through_stage_s']} s wall)")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
