"""``reconnect sample-data`` exports and their truth: record -> truth id, scoring of ``identity.resolve``, and
why the true pairs that were not merged were not."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

from analyzer import identity
from analyzer.linkage import LinkageSettings
from analyzer.normalize import clean_email

from .metrics import cluster_metrics


def truth_of_records(records: pl.DataFrame, truth_dir: Path) -> pl.DataFrame:
    """``record_id -> truth_id`` via URL, else email, else ``<file basename>|<name>`` (None when unknown)."""
    ids = pl.read_csv(truth_dir / "identities.csv", schema_overrides={"key": pl.String, "truth_id": pl.String})
    by = {kt: dict(zip(g.get_column("key").to_list(), g.get_column("truth_id").to_list(), strict=True))
          for (kt,), g in ids.group_by("key_type")}
    urls, emails, names = by.get("linkedin_url", {}), by.get("email", {}), by.get("name_in_source", {})
    out: list[tuple[int, str | None]] = []
    for rid, src, name, url, ems in records.select("record_id", "source_file", "name", "linkedin_url",
                                                   "emails").iter_rows():
        t = urls.get(url) if url else None
        if t is None:
            for e in ems or []:
                t = emails.get(e) or emails.get(clean_email(e) or "")
                if t is not None:
                    break
        if t is None and name:
            base = src.replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            t = names.get(f"{base}|{name}")
        out.append((rid, t))
    return pl.DataFrame(out, schema={"record_id": pl.Int64, "truth_id": pl.String}, orient="row")


def human_truth_ids(truth_dir: Path) -> pl.Series:
    """The truth ids of humans: the owner (``P00000``) and automated senders left out."""
    people = pl.read_csv(truth_dir / "people.csv", schema_overrides={"truth_id": pl.String})
    return people.filter(~pl.col("is_automated").cast(pl.String).str.to_lowercase().is_in(["true", "1"])
                         & (pl.col("truth_id") != "P00000")).get_column("truth_id")


def evaluate_sample(size: str, seed: int, workdir: Path, verbose: bool,
                    settings: LinkageSettings | None = None) -> dict[str, Any]:
    """Generate (once) the ``size`` sample data, ingest it, resolve identities and score them."""
    from analyzer import owner as owner_mod
    from analyzer.ingest import ingest
    from analyzer.sample_data import generate_sample_data

    data = workdir / f"{size}-{seed}"
    truth = workdir / f"{size}-{seed}_truth"
    if not (truth / "identities.csv").exists():
        t = time.perf_counter()
        generate_sample_data(data, size=size, seed=seed, truth_dir=truth)
        print(f"  generated {size} sample data in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    t = time.perf_counter()
    ing = ingest([str(data)])
    t_ing = time.perf_counter() - t
    own = owner_mod.identify_owner(ing.records, ing.owner)
    t = time.perf_counter()
    res = identity.resolve(ing.records, own, None, messages=ing.messages, settings=settings)
    t_res = time.perf_counter() - t
    human = human_truth_ids(truth)
    tr = truth_of_records(ing.records, truth)
    df = tr.join(res.record_person, on="record_id").filter(pl.col("truth_id").is_in(human.implode()))
    m = cluster_metrics(df)
    m.update({"records": ing.records.height, "records_scored": df.height,
              "records_without_truth": tr.filter(pl.col("truth_id").is_null()).height,
              "people": res.people.height, "truth_humans": human.len(),
              "candidate_pairs": res.settings["run"]["candidate_pairs"],
              "ingest_s": round(t_ing, 2), "resolve_s": round(t_res, 2),
              "resolve_stages_s": res.settings["run"]["timings_s"]})
    m.update(missed_pairs(df, ing.records, ing.messages, settings))
    # humans merged into automated/owner people, and automated records merged with humans
    kinds = res.people.select("person_id", "kind")
    m["human_records_in_non_person"] = df.join(kinds, on="person_id").filter(pl.col("kind") != "person").height
    if verbose:
        print_errors(df, ing.records, res)
    return m


def missed_pairs(df: pl.DataFrame, records: pl.DataFrame, messages: pl.DataFrame,
                 settings: LinkageSettings | None) -> dict[str, Any]:
    """Why the true pairs that were not merged were not: every record pair across two people of one truth id
    is scored on its own (``identity.score_pairs``) and the pair of people is put in the best class any of its
    record pairs reaches: ``evidence`` (SPEC §5 evidence: same company/domain, a shared small thread, a shared
    address — yet not merged: below the threshold or refused by a cannot-link rule) or ``name_only`` (nothing
    but the names, which SPEC §5 forbids merging on). Also the recall over the pairs SPEC §5 lets one merge:
    the true pairs minus the ``name_only`` ones."""
    split = df.group_by("truth_id").agg(pl.col("person_id").unique().alias("people")).filter(
        pl.col("people").list.len() > 1)
    members = df.group_by("truth_id", "person_id").agg("record_id")
    pairs: list[tuple[int, int]] = []
    owner_of: list[tuple[str, str, str, int]] = []
    for tid in split.get_column("truth_id").to_list():
        groups = members.filter(pl.col("truth_id") == tid).sort("person_id").rows()
        for i, (_t, pa, ra) in enumerate(groups):
            for _t2, pb, rb in groups[i + 1:]:
                for a in ra:
                    for b in rb:
                        pairs.append((a, b))
                        owner_of.append((tid, pa, pb, len(ra) * len(rb)))
    out: dict[str, Any] = {"missed_evidence": 0, "missed_name_only": 0}
    if pairs:
        keys = pl.DataFrame({"record_id_l": [a for a, _b in pairs], "record_id_r": [b for _a, b in pairs],
                             "key": [f"{t}|{a}|{b}" for t, a, b, _n in owner_of],
                             "n": [n for *_x, n in owner_of]}, schema_overrides={"n": pl.Int64})
        sc = identity.score_pairs(records, pairs, messages=messages, settings=settings).join(
            keys, on=["record_id_l", "record_id_r"])  # by id: score_pairs does not promise its input's order
        per = sc.group_by("key").agg(pl.col("corroborated").any(), pl.col("n").first())
        out["missed_evidence"] = int(per.filter("corroborated").get_column("n").sum())
        out["missed_name_only"] = int(per.filter(~pl.col("corroborated")).get_column("n").sum())
    true_pairs = df.group_by("truth_id").len().select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item()
    linkable = true_pairs - out["missed_name_only"]
    found = true_pairs - out["missed_evidence"] - out["missed_name_only"]
    out["pairwise_r_linkable"] = found / linkable if linkable else 1.0
    return out


def print_errors(df: pl.DataFrame, records: pl.DataFrame, res: identity.Resolved, limit: int = 25) -> None:
    recs = records.select("record_id", "source_kind", "name", "emails", "linkedin_url", "company")
    merged = df.group_by("person_id").agg(pl.col("truth_id").n_unique().alias("k")).filter(pl.col("k") > 1)
    print(f"\n  false merges: {merged.height} people mix several truth ids", file=sys.stderr)
    for pid in merged.get_column("person_id").head(limit).to_list():
        rows = df.filter(pl.col("person_id") == pid).join(recs, on="record_id").sort("truth_id")
        print(f"  -- {pid}", file=sys.stderr)
        for r in rows.iter_rows(named=True):
            print(f"     {r['truth_id']} {r['source_kind']:<28} {r['name']!r:<34} {r['emails']} "
                  f"{r['linkedin_url'] or ''} {r['company'] or ''}", file=sys.stderr)
        mm = res.matches.filter(pl.col("person_id") == pid)
        for r in mm.iter_rows(named=True):
            print(f"       {r['record_id_l']}-{r['record_id_r']} {r['rule']} {r['levels']} {r['match_weight']}",
                  file=sys.stderr)
    split = df.group_by("truth_id").agg(pl.col("person_id").n_unique().alias("k")).filter(pl.col("k") > 1)
    print(f"\n  splits: {split.height} truth ids spread over several people", file=sys.stderr)
    for tid in split.get_column("truth_id").head(limit).to_list():
        rows = df.filter(pl.col("truth_id") == tid).join(recs, on="record_id").sort("person_id")
        print(f"  -- {tid}", file=sys.stderr)
        for r in rows.iter_rows(named=True):
            print(f"     {r['person_id']} {r['record_id']:>6} {r['source_kind']:<28} {r['name']!r:<34} {r['emails']} "
                  f"{r['linkedin_url'] or ''} {r['company'] or ''}", file=sys.stderr)
        ids = rows.get_column("record_id").to_list()
        nm = res.near_misses.filter(pl.col("record_id_l").is_in(ids) & pl.col("record_id_r").is_in(ids))
        for r in nm.iter_rows(named=True):
            print(f"       near miss {r['record_id_l']}-{r['record_id_r']} {r['levels']} w={r['match_weight']} "
                  f"({r['reason']})", file=sys.stderr)
