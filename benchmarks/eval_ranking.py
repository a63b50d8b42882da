"""Validate the reconnect ranking against the ground truth of a generated profile (docs/scoring.md).

    python benchmarks/eval_ranking.py                       # small profile, seed 7
    python benchmarks/eval_ranking.py --size medium --json

Generates (once) a profile with ``analyzer.sample_data.generate_sample_data``, runs the whole pipeline on it and
maps every ranked person to a truth id through their LinkedIn URLs, then their email addresses. Reports:

* precision@k, k = the number of true candidates (``should_rank_high``): the share of the top k (one row per
  truth id: a person split by identity resolution counts once, at their best rank) that are true candidates;
* NDCG@50 against ``expected_priority`` (linear gains; the ideal ordering is over every truth person);
* how many automated / recruiter / sales_pitch / cold_outbound / mass_mail_only people reach the top 50;
* a temporal back-test: the same people and events re-scored as of T-12 months (scoring ignores every later
  event), against whether each person with earlier messages was in touch again in the following 12 months (any
  message either way; and messages both ways): AUC of warmth (and of strength and plain recency, for
  comparison) and precision@k (k = the number who were).

Targets: precision@k >= 0.9, NDCG@50 >= 0.95, no bad category in the top 50.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

BAD_CATEGORIES = ("recruiter", "sales_pitch", "cold_outbound", "mass_mail_only")
TARGETS = {"precision_at_k": 0.9, "ndcg_at_50": 0.95, "bad_in_top_50": 0}


@dataclass
class Profile:
    """A generated profile: its export folder and its truth folder."""

    data: Path
    truth: Path


def ensure_profile(size: str, seed: int, root: Path | None = None) -> Profile:
    """Generate the profile once (deterministic for (size, seed)) and return its folders."""
    base = root or Path(tempfile.gettempdir()) / f"reconnect-eval-{size}-{seed}"
    prof = Profile(base / "data", base / "truth")
    if not (prof.truth / "people.csv").exists():
        from analyzer.sample_data import generate_sample_data

        generate_sample_data(prof.data, size=size, seed=seed, truth_dir=prof.truth)
    return prof


def truth_map(ranked: pl.DataFrame, truth_dir: Path) -> pl.DataFrame:
    """``person_id -> truth_id`` through the person's LinkedIn URLs first, then their emails (the first key in
    sorted order that the truth knows)."""
    ids = pl.read_csv(truth_dir / "identities.csv", schema_overrides={"key": pl.String})
    keys = pl.concat([
        ranked.select("person_id", pl.col("linkedin_urls").alias("key"), pl.lit(0).alias("pri"))
        .explode("key").with_columns(pl.lit("linkedin_url").alias("key_type")),
        ranked.select("person_id", pl.col("emails").alias("key"), pl.lit(1).alias("pri"))
        .explode("key").with_columns(pl.lit("email").alias("key_type")),
    ]).filter(pl.col("key").is_not_null()).with_columns(pl.col("key").str.to_lowercase())
    hit = keys.join(ids.with_columns(pl.col("key").str.to_lowercase()), on=["key_type", "key"], how="inner")
    return hit.sort(["person_id", "pri", "key"]).group_by("person_id", maintain_order=True).agg(
        pl.col("truth_id").first())


def ranking_metrics(ranked: pl.DataFrame, truth_dir: Path) -> dict[str, Any]:
    """precision@k, NDCG@50 and bad categories in the top 50 for one RANKED table."""
    people = pl.read_csv(truth_dir / "people.csv", schema_overrides={"expected_priority": pl.Float64})
    people = people.with_columns(
        (pl.col("should_rank_high").cast(pl.String).str.to_lowercase() == "true").alias("high"),
        (pl.col("is_automated").cast(pl.String).str.to_lowercase() == "true").alias("auto"),
    )
    tm = truth_map(ranked, truth_dir)
    r = (
        ranked.select("rank", "person_id", "name", "score", "reason")
        .join(tm, on="person_id", how="left")
        .join(people.select("truth_id", "category", "high", "auto", "expected_priority"), on="truth_id", how="left")
        .sort("rank")
        .with_columns(
            # one row per truth id: later rows of a split person carry no new information
            (pl.col("truth_id").is_null() | pl.col("truth_id").is_first_distinct()).alias("first_of_truth"),
        )
    )
    dedup = r.filter(pl.col("first_of_truth"))
    n_high = int(people.get_column("high").sum())
    top_k = dedup.head(n_high)
    precision = float(top_k.get_column("high").fill_null(False).sum()) / max(n_high, 1)
    gains = r.head(50).select(
        pl.when(pl.col("first_of_truth")).then(pl.col("expected_priority").fill_null(0.0)).otherwise(0.0)
    ).to_series().to_list()
    ideal = sorted(people.filter(pl.col("category") != "owner").get_column("expected_priority").to_list(),
                   reverse=True)[:50]
    # the same with later rows of split people removed (the ranking alone, whatever identity resolution did)
    gains_unique = dedup.head(50).get_column("expected_priority").fill_null(0.0).to_list()
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    dcg_unique = sum(g / math.log2(i + 2) for i, g in enumerate(gains_unique))
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    top50 = r.head(50)
    bad = top50.filter(pl.col("category").is_in(BAD_CATEGORIES) | pl.col("auto").fill_null(False))
    cats = top50.group_by(pl.col("category").fill_null("(unmapped)")).len().sort(["len", "category"],
                                                                                  descending=[True, False])
    high_ranks = r.filter(pl.col("high").fill_null(False) & pl.col("first_of_truth")).get_column("rank")
    missing = people.filter(pl.col("high")).join(r.select("truth_id"), on="truth_id", how="anti")
    return {
        "n_ranked": ranked.height,
        "n_mapped": int(r.get_column("truth_id").is_not_null().sum()),
        "n_candidates": n_high,
        "precision_at_k": round(precision, 4),
        "ndcg_at_50": round(dcg / idcg if idcg else 0.0, 4),
        "ndcg_at_50_unique_people": round(dcg_unique / idcg if idcg else 0.0, 4),
        "split_rows_in_top_50": int((~r.head(50).get_column("first_of_truth")).sum()),
        "bad_in_top_50": bad.height,
        "bad_in_top_50_by_category": dict(bad.group_by(pl.col("category").fill_null("automated")).len().iter_rows()),
        "top_50_categories": dict(cats.iter_rows()),
        "candidates_worst_rank": max(high_ranks.to_list()) if high_ranks.len() else None,
        "candidates_not_ranked": missing.height,
        "top_k_misses": top_k.filter(~pl.col("high").fill_null(False))
        .select("rank", "name", pl.col("category").fill_null("(unmapped)"), "score", "reason").to_dicts(),
    }


def _auc(scores: list[float], labels: list[bool]) -> float:
    """Mann-Whitney AUC (ties count half)."""
    df = pl.DataFrame({"s": scores, "y": labels}).with_columns(pl.col("s").rank("average").alias("r"))
    n_pos = int(df.get_column("y").sum())
    n_neg = df.height - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    rank_sum = float(df.filter(pl.col("y")).get_column("r").sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, min(d.day, 28))


def backtest(people: pl.DataFrame, events: pl.DataFrame, positions: list[dict[str, Any]], as_of: date,
             config: dict[str, Any] | None = None, months: int = 12) -> dict[str, Any]:
    """Warmth at T-``months`` against being in touch again in (T-months, T]: the same people and events
    re-scored as of T-``months`` (scoring ignores every event after its as-of date)."""
    from analyzer.score import score

    t0 = _months_before(as_of, months)
    m = score(people, events, positions, t0, config).measures.filter(pl.col("kind") == "person")
    start = datetime(t0.year, t0.month, t0.day, tzinfo=UTC) + timedelta(days=1)
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)
    later = (
        events.filter(pl.col("channel").is_in(["email", "linkedin_message"]) & (pl.col("timestamp") >= start)
                      & (pl.col("timestamp") < end))
        .group_by("person_id").agg(
            (pl.col("direction") == "sent").any().alias("sent"),
            (pl.col("direction") == "received").any().alias("received"),
        )
    )
    pop = m.filter(pl.col("last_message").is_not_null()).join(later, on="person_id", how="left").with_columns(
        (pl.col("sent").fill_null(False) | pl.col("received").fill_null(False)).alias("again"),
        (pl.col("sent").fill_null(False) & pl.col("received").fill_null(False)).alias("again_two_way"),
    )
    out: dict[str, Any] = {"as_of_past": t0.isoformat(), "window_months": months, "population": pop.height}
    for label in ("again", "again_two_way"):
        y = pop.get_column(label).to_list()
        k = int(sum(y))
        top = pop.sort(["warmth", "person_id"], descending=[True, False]).head(k)
        out[label] = {
            "positives": k,
            "auc_warmth": round(_auc(pop.get_column("warmth").to_list(), y), 4),
            "auc_strength": round(_auc(pop.get_column("strength").to_list(), y), 4),
            "auc_recency": round(_auc((-pop.get_column("silence_days").fill_null(1e9)).to_list(), y), 4),
            "precision_at_k_warmth": round(float(top.get_column(label).sum()) / k, 4) if k else None,
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="small", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None, help="profile root (data/ and truth/); generated if missing")
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 1))
    ap.add_argument("--no-backtest", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args()

    from analyzer.pipeline import analyze

    prof = ensure_profile(args.size, args.seed, args.dir)
    t = time.perf_counter()
    a = analyze([prof.data], as_of=args.as_of)
    result: dict[str, Any] = {"size": args.size, "seed": args.seed, "as_of": args.as_of.isoformat(),
                              "pipeline_s": round(time.perf_counter() - t, 2), "timings_s": a.timings}
    result["ranking"] = ranking_metrics(a.ranked, prof.truth)
    if not args.no_backtest:
        result["backtest"] = backtest(a.people, a.events, a.ingested.owner.positions, args.as_of, a.config.scoring)
    rk = result["ranking"]
    ok = (rk["precision_at_k"] >= TARGETS["precision_at_k"] and rk["ndcg_at_50"] >= TARGETS["ndcg_at_50"]
          and rk["bad_in_top_50"] <= TARGETS["bad_in_top_50"])
    result["targets_met"] = ok
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(f"profile {args.size} seed {args.seed}: {rk['n_ranked']} ranked, {rk['n_mapped']} mapped to truth, "
              f"{rk['n_candidates']} true candidates; pipeline {result['pipeline_s']} s (score "
              f"{a.timings.get('score')} s)")
        print(f"precision@k  {rk['precision_at_k']:.3f}   (target >= {TARGETS['precision_at_k']})")
        print(f"NDCG@50      {rk['ndcg_at_50']:.3f}   (target >= {TARGETS['ndcg_at_50']}; "
              f"{rk['ndcg_at_50_unique_people']:.3f} with the {rk['split_rows_in_top_50']} extra rows of people "
              f"split by identity resolution removed)")
        print(f"bad in top50 {rk['bad_in_top_50']}       {rk['bad_in_top_50_by_category']}")
        print(f"top-50 categories: {rk['top_50_categories']}")
        print(f"worst rank of a candidate: {rk['candidates_worst_rank']}; candidates not ranked: "
              f"{rk['candidates_not_ranked']}")
        for miss in rk["top_k_misses"][:10]:
            print(f"  top-k miss #{miss['rank']} {miss['name']} [{miss['category']}] {miss['score']}: {miss['reason']}")
        if "backtest" in result:
            bt = result["backtest"]
            for label in ("again", "again_two_way"):
                b = bt[label]
                print(f"back-test ({label}, as of {bt['as_of_past']}, {bt['population']} people with history, "
                      f"{b['positives']} in touch in the next {bt['window_months']} months): AUC warmth "
                      f"{b['auc_warmth']} (strength {b['auc_strength']}, recency {b['auc_recency']}), "
                      f"precision@k {b['precision_at_k_warmth']}")
        print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
