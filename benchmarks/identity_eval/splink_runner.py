"""splink 5 on the same records as this project's engine, run by the python of a separate venv (splink pulls in
duckdb): one script for the sample data's records (names, address, profile URL, company), one for name-based data
sets (given name and surname, plus any of middle initial, company, postcode)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from .metrics import cluster_metrics
from .sample_truth import human_truth_ids, truth_of_records

# run by splink's own venv; prefixed to every splink script
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
t0, c0 = time.perf_counter(), time.process_time()
linker = make_linker(df, settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("email"), block_on("linkedin_url"), block_on("first_name", "surname", "company")], recall=0.8)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
t1 = time.perf_counter()
pred, out = clusters_at(linker, 0.95)
t2, c2 = time.perf_counter(), time.process_time()
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
print(json.dumps({"train_s": round(t1 - t0, 2), "predict_cluster_s": round(t2 - t1, 2), "wall_s": round(t2 - t0, 2),
                  "cpu_s": round(c2 - c0, 2)}))
'''


# for name-based data sets: given_name, surname and the extra fields named in argv[2] (middle_initial, company,
# postcode); the same settings as splink's own FEBRL examples, unsupervised (u by random sampling, m by EM)
SPLINK_NAMES_SCRIPT = SPLINK_PRELUDE + r"""

df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).replace({"": None})
fields = [f for f in sys.argv[2].split(",") if f]
comparisons = [cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
               cl.NameComparison("surname").configure(term_frequency_adjustments=True)]
blocking = [block_on("given_name"), block_on("surname"), block_on("substr(given_name,1,1)", "substr(surname,1,1)")]
if "middle_initial" in fields:
    comparisons.append(cl.ExactMatch("middle_initial"))
for col in ("company", "postcode"):
    if col in fields:
        comparisons.append(cl.ExactMatch(col).configure(term_frequency_adjustments=True))
        blocking.append(block_on(col))
settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="unique_id",
                           comparisons=comparisons, blocking_rules_to_generate_predictions=blocking,
                           retain_intermediate_calculation_columns=False)
t0, c0 = time.perf_counter(), time.process_time()
linker = make_linker(df, settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("given_name", "surname")], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name"))
t1 = time.perf_counter()
_pred, out = clusters_at(linker, 0.95)
t2, c2 = time.perf_counter(), time.process_time()
out.to_csv(sys.argv[3], index=False)
print(json.dumps({"train_s": round(t1 - t0, 2), "predict_cluster_s": round(t2 - t1, 2), "wall_s": round(t2 - t0, 2),
                  "cpu_s": round(c2 - c0, 2)}))
"""


def run_splink_names(frame: pl.DataFrame, fields: list[str], splink_python: str,
                     workdir: Path | None = None) -> tuple[pl.DataFrame, dict[str, float]] | None:
    """splink 5 on ``frame`` (``unique_id``, ``given_name``, ``surname`` and the ``fields``), clustered at 0.95:
    ``(record_id, person_id)`` and the timings (``wall_s``, ``cpu_s``: train + predict + cluster), or None when
    the splink script failed (its error is printed)."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        src, script, out = Path(tmp) / "records.csv", Path(tmp) / "run_splink.py", Path(tmp) / "clusters.csv"
        frame.select("unique_id", "given_name", "surname", *fields).write_csv(src)
        script.write_text(SPLINK_NAMES_SCRIPT, encoding="utf-8")
        proc = subprocess.run([splink_python, str(script), str(src), ",".join(fields), str(out)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return None
        timing = json.loads(proc.stdout.strip().splitlines()[-1])
        clusters = pl.read_csv(out, schema_overrides={"unique_id": pl.Int64, "cluster_id": pl.String}).rename(
            {"unique_id": "record_id", "cluster_id": "person_id"})
    return clusters, timing


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
            m.update({"records_scored": recs.height, "time_s": timing["wall_s"], "cpu_s": timing["cpu_s"]})
            rows.append((label, m))
    return rows
