"""Hostile LinkedIn, CSV and vCard inputs: does ``reconnect analyze`` stay linear in time and bounded in memory?

    python benchmarks/bench_hostile_csv.py                    # every case at its two default sizes
    python benchmarks/bench_hostile_csv.py --case tiny_files --case shared_address
    python benchmarks/bench_hostile_csv.py --scale 0.25       # all sizes a quarter (a quick look)
    python benchmarks/bench_hostile_csv.py --list

Each case writes an input of size n and of size 4n (under the system's temporary folder, never into the
repository) and runs ``python -m analyzer analyze INPUT -q --as-of 2026-12-01`` on each in a child process; its
wall time and peak resident memory (``ru_maxrss`` from ``wait4``) are printed with the ratio of the larger to the
smaller. An input 4x larger should take about 4x (a ratio much above, e.g. 8, says super-linear: the
verdict column says ``SUPER-LINEAR?``); a run that fails or prints a traceback is said so. On a machine shared
with other work, judge the ratios, not the absolute times.

Cases (what was once slow is said; the fix is in the git log):

* ``tiny_files``: a folder of one-card vCards (one frame per file: 50,000 files took 132 s and 22 GB);
* ``shared_address``: cards of different names listing one address (the names of the growing cluster compared
  at each link: 30,000 cards 83 s);
* ``role_address``: cards of one name, each with its own address and info@ (every pair of holders of the role
  address asked: 4,000 cards 8 million questions);
* ``messages_one_conversation``, ``messages_many_conversations``, ``messages_many_recipients``,
  ``messages_big_cell``: LinkedIn messages.csv;
* ``connections_one_name``, ``connections_no_name``: LinkedIn Connections.csv;
* ``vcards_many``, ``vcard_many_emails``, ``google_csv_wide``, ``outlook_ragged``: contacts;
* ``trace_rows``, ``outlook_mail_wide``: mail CSVs;
* ``zip_members``: a zip of many small members;
* ``deep_folders``: a vCard beside folders nested n deep (Python 3.11's os.walk recursed once per folder: a
  RecursionError past about 1,000; past about 2,000 the paths are too long to name and are skipped).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = Path(tempfile.gettempdir()) / "reconnect-bench-hostile"

OWNER = ("Morgan Reyes", "https://www.linkedin.com/in/morgan-reyes-ops")
PROFILE = ("First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,Geo Location\n"
           "Morgan,Reyes,,,,Operations,,Utilities,02139,Boston\n")
MSG_HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
              "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS"]
CONN_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _word(i: int, n: int = 3) -> str:
    """A lower-case word of ``n`` letters numbering ``i`` (names without digits: digits are not names)."""
    return "".join(_LETTERS[i // 26 ** k % 26] for k in range(n))


def _stamp(i: int) -> str:
    return (datetime(2020, 9, 13, tzinfo=UTC) + timedelta(seconds=37 * i)).strftime("%Y-%m-%d %H:%M:%S UTC")


def _connected(i: int) -> str:
    return (date(2010, 1, 1) + timedelta(days=i % 5000)).strftime("%d %b %Y")


def _csv(path: Path, header: list[str] | None, rows: object) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)  # type: ignore[arg-type]


def _profile(folder: Path) -> None:
    (folder / "Profile.csv").write_text(PROFILE, encoding="utf-8")


def _card(fn: str, n: str, *lines: str) -> str:
    return "".join(f"{x}\r\n" for x in ("BEGIN:VCARD", "VERSION:3.0", f"N:{n}", f"FN:{fn}", *lines, "END:VCARD"))


# ---- the cases: each writes its input of size n into an empty folder ------------------------------------------

def tiny_files(d: Path, n: int) -> None:
    for i in range(n):
        sub = d / f"d{i // 1000}"
        sub.mkdir(exist_ok=True)
        (sub / f"c{i}.vcf").write_text(_card(f"Person {_word(i)}", f"{_word(i)};Person;;;", f"EMAIL:p{i}@ex.com"))


def shared_address(d: Path, n: int) -> None:
    with (d / "c.vcf").open("w", encoding="utf-8") as fh:
        for i in range(n):
            last, first = f"surname{_word(i)}", f"given{_word(i // 17, 1)}"
            fh.write(_card(f"{first} {last}", f"{last};{first};;;", "EMAIL:shared@acme.com", "EMAIL:info@acme.com"))


def role_address(d: Path, n: int) -> None:
    with (d / "c.vcf").open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(_card("John Smith", "Smith;John;;;", f"EMAIL:jsmith{i}@gmail.com", "EMAIL:info@acme.com"))


def messages_one_conversation(d: Path, n: int) -> None:
    _profile(d)
    _csv(d / "messages.csv", MSG_HEADER, (
        ["conv-1", "", "Pat Lee", "https://www.linkedin.com/in/patlee", *OWNER, _stamp(i), "", f"hello {i}", "INBOX", ""]
        if i % 2 else
        ["conv-1", "", *OWNER, "Pat Lee", "https://www.linkedin.com/in/patlee", _stamp(i), "", f"hi {i}", "SENT", ""]
        for i in range(n)))


def messages_many_conversations(d: Path, n: int) -> None:
    _profile(d)
    _csv(d / "messages.csv", MSG_HEADER, (
        [f"conv-{i}", "", f"Person {_word(i, 4)}", f"https://www.linkedin.com/in/p{i}", *OWNER, _stamp(i), "",
         "hey", "INBOX", ""] for i in range(n)))


def messages_many_recipients(d: Path, n: int) -> None:
    _profile(d)
    to = ",".join(f"Recipient {_word(j)}" for j in range(200))
    urls = ",".join(f"https://www.linkedin.com/in/r{j}" for j in range(200))
    _csv(d / "messages.csv", MSG_HEADER, (
        [f"conv-{i % 1000}", "Group", *OWNER, to, urls, _stamp(i), "", "hi all", "SENT", ""] for i in range(n)))


def messages_big_cell(d: Path, n: int) -> None:
    _profile(d)
    _csv(d / "messages.csv", MSG_HEADER, [
        ["conv-1", "", "Pat Lee", "https://www.linkedin.com/in/patlee", *OWNER, _stamp(0), "", "x" * n, "INBOX", ""],
        ["conv-1", "", *OWNER, "Pat Lee", "https://www.linkedin.com/in/patlee", _stamp(1), "", "ok", "SENT", ""]])


def _connections(d: Path, n: int, row: Callable[[int], list[str]]) -> None:
    _profile(d)
    with (d / "Connections.csv").open("w", newline="", encoding="utf-8") as fh:
        fh.write('Notes:\n"When exporting your connection data..."\n\n')
        w = csv.writer(fh)
        w.writerow(CONN_HEADER)
        w.writerows(row(i) for i in range(n))


def connections_one_name(d: Path, n: int) -> None:
    _connections(d, n, lambda i: ["John", "Smith", f"https://www.linkedin.com/in/js{i}", "", "Acme", "Engineer",
                                  _connected(i)])


def connections_no_name(d: Path, n: int) -> None:
    _connections(d, n, lambda i: ["", "", f"https://www.linkedin.com/in/n{i}", "", f"Co {_word(i % 300)}",
                                  "Engineer", _connected(i)])


def vcards_many(d: Path, n: int) -> None:
    with (d / "c.vcf").open("w", encoding="utf-8") as fh:
        for i in range(n):
            first, last = f"First{_word(i % 300, 2)}", f"Last{_word(i % 5000)}"
            fh.write(_card(f"{first} {last}", f"{last};{first};;;", f"EMAIL;type=INTERNET:u{i}@ex{i % 100}.com",
                           f"ORG:Org {_word(i % 500, 2)};"))


def vcard_many_emails(d: Path, n: int) -> None:
    (d / "c.vcf").write_text(_card("John Smith", "Smith;John;;;", *(f"EMAIL:john{i}@ex{i}.com" for i in range(n))),
                             encoding="utf-8")


def google_csv_wide(d: Path, n: int) -> None:
    header = ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title",
              "E-mail 1 - Label", "E-mail 1 - Value", *(f"Custom Field {j} - Value" for j in range(293))]
    _csv(d / "contacts.csv", header, (
        [f"First{_word(i % 300, 2)}", "", f"Last{_word(i % 5000)}", f"Org {_word(i % 500, 2)}", "", "* Work",
         f"u{i}@ex{i % 100}.com", *("v" if j % 7 == 0 else "" for j in range(293))] for i in range(n)))


def outlook_ragged(d: Path, n: int) -> None:
    header = ["Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
              "E-mail Address", "E-mail Type", "E-mail Display Name", *(f"User {j}" for j in range(81))]
    rows = []
    for i in range(n):
        r = ["", f"First{_word(i % 300, 2)}", "", f"Last{_word(i % 5000)}", "", f"Org {_word(i % 500, 2)}", "", "",
             f"u{i}@ex{i % 100}.com", "SMTP", ""] + [""] * 81
        rows.append(r[: len(r) // 2] if i % 10 == 0 else r + ["extra"] * 5 if i % 13 == 0 else r)
    _csv(d / "outlook_contacts.csv", header, rows)


def trace_rows(d: Path, n: int) -> None:
    me = "morgan.reyes@northwindlogistics.com"
    header = ["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "ToIP", "FromIP", "Size",
              "MessageId", "MessageTraceId"]
    _csv(d / "trace.csv", header, (
        [(datetime(2025, 1, 1) + timedelta(seconds=7 * i)).isoformat(),
         *((f"p{i % 3000}@ex{i % 50}.com", me) if i % 2 else (me, f"p{i % 3000}@ex{i % 50}.com")),
         "s", "Delivered", "", "1.2.3.4", "1000", f"<m{i}@ex.com>", f"id{i}"] for i in range(n)))


def outlook_mail_wide(d: Path, n: int) -> None:
    header = ["Subject", "Body", "From: (Name)", "From: (Address)", "From: (Type)", "To: (Name)", "To: (Address)",
              "To: (Type)", "CC: (Name)", "CC: (Address)", "CC: (Type)", "BCC: (Name)", "BCC: (Address)",
              "BCC: (Type)", "Billing Information", "Categories", "Importance", "Mileage", "Sensitivity"]
    me = ["Morgan Reyes", "morganreyesops@gmail.com", "SMTP"]
    wide = [*me, ";".join(f"Person {_word(j)}" for j in range(n)), ";".join(f"p{j}@ex{j % 50}.com" for j in range(n)),
            "SMTP"]
    rows = [["hi", "body", *wide, *[""] * 8, "Normal", "", "Normal"]]
    rows += [["hi", "body", f"Person {_word(i)}", f"p{i}@ex{i % 50}.com", "SMTP", *me, *[""] * 8, "Normal", "",
              "Normal"] for i in range(100)]
    _csv(d / "mail.csv", header, rows)


def zip_members(d: Path, n: int) -> None:
    with zipfile.ZipFile(d / "contacts.zip", "w") as z:
        for i in range(n):
            z.writestr(f"c/c{i}.vcf", _card(f"Person {_word(i)}", f"{_word(i)};Person;;;", f"EMAIL:p{i}@ex.com"))


def deep_folders(d: Path, n: int) -> None:
    """A vCard beside folders nested ``n`` deep, a vCard in the deepest (once a RecursionError past ~1,000)."""
    (d / "c.vcf").write_text(_card("Ann Lee", "Lee;Ann;;;", "EMAIL:ann@example.com"), encoding="utf-8")
    cur = os.open(d, os.O_RDONLY)
    for _ in range(n):
        os.mkdir("d", dir_fd=cur)
        nxt = os.open("d", os.O_RDONLY, dir_fd=cur)
        os.close(cur)
        cur = nxt
    fd = os.open("deep.vcf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=cur)
    os.write(fd, _card("Bob Stone", "Stone;Bob;;;", "EMAIL:bob@example.com").encode())
    os.close(fd)
    os.close(cur)


def _remove(path: Path) -> None:
    """Remove a generated input (``rm -rf``: shutil.rmtree recurses once per nested folder)."""
    subprocess.run(["rm", "-rf", str(path)], check=False)


#: name -> (writer, the smaller size n; the larger is 4n)
CASES: dict[str, tuple[Callable[[Path, int], None], int]] = {
    "tiny_files": (tiny_files, 2_500),
    "shared_address": (shared_address, 5_000),
    "role_address": (role_address, 2_000),
    "messages_one_conversation": (messages_one_conversation, 100_000),
    "messages_many_conversations": (messages_many_conversations, 25_000),
    "messages_many_recipients": (messages_many_recipients, 2_500),
    "messages_big_cell": (messages_big_cell, 10_000_000),
    "connections_one_name": (connections_one_name, 7_500),
    "connections_no_name": (connections_no_name, 7_500),
    "vcards_many": (vcards_many, 25_000),
    "vcard_many_emails": (vcard_many_emails, 2_500),
    "google_csv_wide": (google_csv_wide, 25_000),
    "outlook_ragged": (outlook_ragged, 25_000),
    "trace_rows": (trace_rows, 100_000),
    "outlook_mail_wide": (outlook_mail_wide, 5_000),
    "zip_members": (zip_members, 2_500),
    "deep_folders": (deep_folders, 400),
}


def run(input_dir: Path, out: Path, timeout: float) -> tuple[float, float, str]:
    """(wall seconds, peak MB, status) of ``analyze`` on ``input_dir`` in a child process."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "analyzer", "analyze", str(input_dir), "-q", "--out", str(out),
           "--as-of", "2026-12-01"]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=tempfile.gettempdir())
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                return time.perf_counter() - t0, usage.ru_maxrss / 1024, "TIMEOUT"
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    state = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    if "Traceback" in text:
        state = "TRACEBACK"
    return wall, usage.ru_maxrss / 1024, state


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="a case to run (repeatable; default all)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every case's sizes (default 1)")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"working folder (default {DEFAULT_DIR})")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run (default 300)")
    ap.add_argument("--keep", action="store_true", help="keep the generated inputs")
    ap.add_argument("--list", action="store_true", help="list the cases and their sizes")
    args = ap.parse_args(argv)
    if args.list:
        for name, (_, n) in CASES.items():
            print(f"{name:30} {n:>12,} {4 * n:>12,}")
        return 0
    names = args.case or list(CASES)
    print(f"{'case':30} {'n':>11} {'time s':>8} {'peak MB':>8} {'4n':>11} {'time s':>8} {'peak MB':>8} "
          f"{'t ratio':>7} {'m ratio':>7}  verdict", flush=True)
    bad = 0
    for name in names:
        write, n0 = CASES[name]
        results = []
        for n in (max(1, int(n0 * args.scale)), max(4, int(4 * n0 * args.scale))):
            d = args.dir / f"{name}-{n}"
            _remove(d)
            d.mkdir(parents=True)
            write(d, n)
            results.append((n, *run(d, args.dir / f"out-{name}-{n}", args.timeout)))
            if not args.keep:
                _remove(d)
            _remove(args.dir / f"out-{name}-{n}")
        (n1, t1, m1, s1), (n2, t2, m2, s2) = results
        tr, mr = t2 / max(t1, 1e-9), m2 / max(m1, 1e-9)
        if s1 != "ok" or s2 != "ok":
            verdict = s1 if s1 != "ok" else s2
        else:
            verdict = "SUPER-LINEAR?" if tr > 8 or mr > 8 else "linear"
        bad += verdict != "linear"
        print(f"{name:30} {n1:>11,} {t1:>8.2f} {m1:>8.0f} {n2:>11,} {t2:>8.2f} {m2:>8.0f} {tr:>7.2f} {mr:>7.2f}  "
              f"{verdict}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
