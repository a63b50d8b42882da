"""The mail CSV readers on large files: Outlook's mail-folder CSV, Thunderbird ImportExportTools NG's index and a
Microsoft 365 message trace.

    python benchmarks/bench_mail_csv.py                  # 150,000 messages in each file, 3 runs of each
    python benchmarks/bench_mail_csv.py --rows 50000 --runs 1

Writes (once, seeded, into ``--workdir``) an Outlook mail CSV (the 19 columns, multi-line quoted bodies,
';'-separated recipient lists, UTF-8 with BOM) and a Thunderbird index CSV (no header; "Subject","Author
<addr>","Recipient <addr>",M/D/YYYY H:MM, ,size,) and a message trace (Get-MessageTrace's columns) of ``--rows``
messages among 6,000 correspondents, then times
a whole ``reconnect analyze`` of each (the stages, the process, the peak memory: the children of
``bench_pipeline.py``) with the polars fast path of each reader, and with it switched off (every row through
the csv module, as every file under 1 MB is read), alternating the two. The reports of the two are compared
file by file: the fast path must not change a byte. Issue 13: "parse at the speed of polars' CSV reader; no
per-row Python on the hot path. The same for every large CSV."
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import CHILD_RUN, run_child

#: The child of bench_pipeline.py with both fast paths switched off (after the imports, before the analysis).
CHILD_ROW_BY_ROW = CHILD_RUN.replace(
    "a = P.analyze(",
    "import analyzer.ingest.mail.outlook_csv as O, analyzer.ingest.mail.thunderbird_csv as T\n"
    "import analyzer.ingest.mail.message_trace as M\n"
    "O.FAST_PATH_MIN_BYTES = 1 << 62; T.FAST_ENABLED = False; M.FAST_ENABLED = False\n"
    "a = P.analyze(", 1)
assert CHILD_ROW_BY_ROW != CHILD_RUN

_OUTLOOK_COLUMNS = ["Subject", "Body", "From: (Name)", "From: (Address)", "From: (Type)", "To: (Name)",
                    "To: (Address)", "To: (Type)", "CC: (Name)", "CC: (Address)", "CC: (Type)", "BCC: (Name)",
                    "BCC: (Address)", "BCC: (Type)", "Billing Information", "Categories", "Importance", "Mileage",
                    "Sensitivity"]
_FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Maya", "Nils",
          "Omar", "Pia"]
_LAST = ["Smith", "Garcia", "Nguyen", "Khan", "Muller", "Rossi", "Silva", "Kim", "Ito", "Novak", "Brown", "Lopez"]
_OWNER = ("Owner Person", "owner@example.com")


def _people(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for i in range(6000):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        out.append((f"{first} {last}", f"{first.lower()}.{last.lower()}{i}@example{i % 50}.com"))
    return out


def write_outlook(path: Path, rows: int, seed: int) -> None:
    """An Outlook mail-folder CSV of ``rows`` messages, every other one from the owner."""
    rng = random.Random(seed)
    people = _people(rng)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(_OUTLOOK_COLUMNS)
        for i in range(rows):
            p = rng.choice(people)
            cc = rng.sample(people, rng.randint(0, 3))
            sender, to = (_OWNER, [p]) if i % 2 else (p, [_OWNER])
            body = ("Hi,\r\nThanks for the note about the project.\r\nBest,\r\n" + sender[0] + "\r\n"
                    + "> quoted line\r\n" * rng.randint(0, 10))
            w.writerow([f"Re: topic {i % 997}", body, sender[0], sender[1], "SMTP",
                        ";".join(x[0] for x in to), ";".join(x[1] for x in to), "SMTP",
                        ";".join(x[0] for x in cc), ";".join(x[1] for x in cc), "SMTP" if cc else "",
                        "", "", "", "", "", "Normal", "", "Normal"])


def write_thunderbird(path: Path, rows: int, seed: int) -> None:
    """A Thunderbird ImportExportTools NG index CSV of ``rows`` messages, every other one from the owner."""
    rng = random.Random(seed)
    people = _people(rng)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        for i in range(rows):
            p = rng.choice(people)
            sender, to = (_OWNER, p) if i % 2 else (p, _OWNER)
            date = (f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/20{rng.randint(15, 25)} "
                    f"{rng.randint(0, 23)}:{rng.randint(10, 59)}")
            fh.write(f'"Re: topic {i % 997}","{sender[0]} <{sender[1]}>","{to[0]} <{to[1]}>",{date}, ,'
                     f'{rng.randint(1000, 90000)},\r\n')


def write_trace(path: Path, rows: int, seed: int) -> None:
    """A Microsoft 365 message trace (Get-MessageTrace | Export-Csv) of ``rows`` messages, every other one from
    the owner."""
    rng = random.Random(seed)
    people = _people(rng)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "ToIP", "FromIP", "Size",
                    "MessageId", "MessageTraceId"])
        for i in range(rows):
            p = rng.choice(people)
            sender, to = (_OWNER, p) if i % 2 else (p, _OWNER)
            w.writerow([f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
                        f"{rng.randint(0, 59):02d}:08.2652371", sender[1], to[1], f"Re: topic {i % 991}", "Delivered",
                        "", "10.0.0.1", rng.randint(1000, 90000), f"<m{i}@mail.example>",
                        f"{i:08x}-aaaa-bbbb-cccc-000000000000"])


def _same_reports(a: Path, b: Path) -> list[str]:
    """The report files (every CSV and report.html) that differ between the folders ``a`` and ``b``."""
    names = sorted(p.name for p in a.iterdir() if p.suffix in (".csv", ".html"))
    return [n for n in names if not filecmp.cmp(a / n, b / n, shallow=False)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=150_000, help="messages in each file (default 150,000)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measurement (medians shown; default 3)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "reconnect-bench" / "mail-csv"),
                    help="scratch folder (the files, the reports)")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    files = {"Outlook mail CSV": (work / f"outlook-{args.rows}.csv", write_outlook),
             "Thunderbird index CSV": (work / f"thunderbird-{args.rows}.csv", write_thunderbird),
             "Microsoft 365 message trace": (work / f"trace-{args.rows}.csv", write_trace)}
    for label, (path, write) in files.items():
        if not path.exists():
            write(path, args.rows, args.seed)
        fast_runs, row_runs = [], []
        for _ in range(args.runs):
            fast_runs.append(run_child(CHILD_RUN, str(path), str(work / "report-fast")))
            row_runs.append(run_child(CHILD_ROW_BY_ROW, str(path), str(work / "report-rows")))
        differ = _same_reports(work / "report-fast", work / "report-rows")

        def med(runs: list[dict], key: str, stage: str | None = None) -> float:
            return statistics.median((r[key][stage] if stage else r[key]) for r in runs)

        fast_wall, row_wall = med(fast_runs, "process_wall"), med(row_runs, "process_wall")
        print(f"{label}: {args.rows} messages, {path.stat().st_size / 1e6:.0f} MB ({path.name})")
        for name, runs in (("polars fast path", fast_runs), ("row by row (csv module)", row_runs)):
            print(f"  {name:24s} ingest {med(runs, 'wall', 'ingest'):.2f} s wall / {med(runs, 'cpu', 'ingest'):.2f} s "
                  f"CPU; whole run {med(runs, 'process_wall'):.2f} s; peak {med(runs, 'peak_mb'):.0f} MB")
        print(f"  -> ingest {med(row_runs, 'wall', 'ingest') / med(fast_runs, 'wall', 'ingest'):.1f}x faster, "
              f"whole run {row_wall / fast_wall:.1f}x; reports "
              + ("identical" if not differ else f"DIFFER: {', '.join(differ)}"))


if __name__ == "__main__":
    main()
