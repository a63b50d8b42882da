"""Benchmark `reconnect analyze` on performance-hostile mbox files, each case at two sizes (SPEC §9: time in
proportion to the input, memory growing with people and events, never with message bodies).

    python benchmarks/bench_hostile_mbox.py                  # every case, at its base size and 4x
    python benchmarks/bench_hostile_mbox.py --case group --case orphans --factor 4 --scale 0.5

Each run is `python -m analyzer analyze FILE -q --as-of 2026-12-01` in a child process (this repository first on
its path), its wall time and peak resident memory (``ru_maxrss`` from ``wait4``) its own. Per case it prints both
sizes, their time and memory ratios (a case is linear when the time ratio is about the size factor, not its
square), and the counts of summary.json (messages read, used, rejected; records; events), to check that the
larger file is read as the smaller one is. Files are written under the system's temporary folder, never into the
repository. No test runs or asserts on this.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = Path(tempfile.gettempdir()) / "reconnect-bench-hostile"
SEP = "From 1725212325015956191@xxx Sat Feb 19 17:11:24 +0000 2022\n"


def _msg(i: int, frm: str = "Alice Example <alice@example.com>", to: str = "Owner <me@example.com>",
         cc: str | None = None, extra: str = "", body: str = "hello\n", labels: str = "Inbox",
         thread: int | None = None) -> str:
    head = [SEP, f"X-GM-THRID: {1000 + i if thread is None else thread}\n", f"X-Gmail-Labels: {labels}\n",
            "Date: Sat, 19 Feb 2022 17:11:24 +0000\n", f"Message-ID: <m{i}@example.com>\n", f"From: {frm}\n"]
    if to:
        head.append(f"To: {to}\n")
    if cc:
        head.append(f"Cc: {cc}\n")
    return "".join([*head, extra, f"Subject: s{i}\n\n", body, "\n"])


def _folded(addrs: Iterable[str], sep: str = ",\n ") -> str:
    return sep.join(addrs)


def _write(path: Path, parts: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        for p in parts:
            f.write(p)


def _lists(n: int, item: Callable[[int], str], sep: str, before: str = "", after: str = "") -> Iterator[str]:
    rnd = random.Random(1)
    pool = [item(i) for i in range(20_000)]
    for i in range(n):
        to = before + _folded(rnd.sample(pool, 300), sep) + after
        yield _msg(i, frm=f"Sender {i % 500} <s{i % 500}@x.com>", to=to)


def _orphans(n: int) -> Iterator[str]:
    for i in range(n):
        if i % 2:
            yield _msg(i, frm="Me <me@example.com>", to="", labels="Sent", thread=77)
        else:
            yield _msg(i, frm=f"Sender {i} <s{i}@d{i}.com>", thread=77)


def _repeat(path: Path, head: str, block: str, mb: int, tail: str = "") -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(head)
        for _ in range(max(1, (mb << 20) // len(block))):
            f.write(block)
        f.write(tail)


#: name -> (base size, what the size counts, writer(path, size)).
CASES: dict[str, tuple[int, str, Callable[[Path, int], None]]] = {
    "recipients": (20_000, "To and Cc addresses of one message", lambda p, n: _write(p, [_msg(
        0, to=_folded(f"Person {i} <p{i}@ex{i % 97}.com>" for i in range(n)),
        cc=_folded(f"Cc Person {i} <c{i}@ex{i % 89}.com>" for i in range(n)))])),
    "group": (20_000, "addresses of one To group", lambda p, n: _write(p, [_msg(
        0, to="team: " + _folded(f"p{i}@ex{i % 97}.com" for i in range(n)) + ";"), _msg(1)])),
    "lists": (2_500, "messages of 300 recipients", lambda p, n: _write(
        p, _lists(n, lambda i: f"Member {i} <m{i}@list{i % 50}.org>", ",\n "))),
    "outlook-lists": (2_500, "messages of 300 ';'-separated recipients", lambda p, n: _write(
        p, _lists(n, lambda i: f'"Member, {i}" <m{i}@list{i % 50}.org>', ";\n "))),
    "references": (2_000, "ids in References (100 messages)", lambda p, n: _write(p, (_msg(
        i, extra="References: " + "\n ".join(f"<r{i}.{j}@example.com>" for j in range(n)) + "\n")
        for i in range(100)))),
    "reply-chain": (12_500, "messages each replying to the previous", lambda p, n: _write(p, (_msg(
        i, frm=f"P{i % 2} <p{i % 2}@x.com>", to=f"P{(i + 1) % 2} <p{(i + 1) % 2}@x.com>",
        extra=f"In-Reply-To: <m{i - 1}@example.com>\n" if i else "") for i in range(n)))),
    "long-header-line": (12, "MB of one header line", lambda p, n: _write(
        p, [_msg(0, extra="X-Long: " + "a" * (n << 20) + "\n"), _msg(1)])),
    "header-lines": (50_000, "lines of one header block", lambda p, n: _write(
        p, [_msg(0, extra="".join(f"X-H{i}: v{i}\n" for i in range(n))), _msg(1)])),
    "endless-headers": (25, "MB of headers without a blank line", lambda p, n: _repeat(
        p, SEP + "From: a <a@x.com>\nTo: b@x.com\n", "X-Junk: " + "z" * 70 + "\n", n)),
    "endless-folded-to": (10, "MB of one folded To without a blank line", lambda p, n: _repeat(
        p, SEP + "From: a <a@x.com>\nDate: Sat, 19 Feb 2022 17:11:24 +0000\nTo: b@x.com", ",\n p@x.com", n, "\n")),
    "tiny-messages": (250_000, "messages of a separator, From and Date", lambda p, n: _write(p, (
        f"From x@y Sat Feb 19 17:11:24 2022\nFrom: a{i % 1000}@x.com\nDate: Sat, 19 Feb 2022 17:11:24 +0000\n\n"
        for i in range(n)))),
    "one-pair": (25_000, "messages from one sender to one recipient", lambda p, n: _write(
        p, (_msg(i, frm="Bob <bob@x.com>", to="Carol <carol@y.com>") for i in range(n)))),
    "same-name": (25_000, "senders named John Smith", lambda p, n: _write(
        p, (_msg(i, frm=f"John Smith <john{i}@d{i % 1000}.com>") for i in range(n)))),
    "same-surname": (25_000, "senders named Smith", lambda p, n: _write(
        p, (_msg(i, frm=f"First{i} Smith <f{i}@d{i % 1000}.com>") for i in range(n)))),
    "from-lines": (5_000, "messages with 'From ' body lines", lambda p, n: _write(p, (_msg(
        i, frm=f"S{i % 300} <s{i % 300}@x.com>", body="From my point of view\nFrom: fake@x.com\n>From escaped\n"
        "\nFrom x@y Sat Feb 19 17:11:24 2022\nnot a header\n\nFrom 9:00 on 3 May 2024:\nLocation: here\n" * 5)
        for i in range(n)))),
    "no-separator": (50, "MB after one separator", lambda p, n: _repeat(
        p, "From x@y Sat Feb 19 17:11:24 2022\nFrom: a@x.com\n\n", "Lorem ipsum dolor sit amet elit\n" * 1000, n)),
    "crlf": (25_000, "messages with CRLF line ends", lambda p, n: _write(
        p, (_msg(i, frm=f"S{i % 300} <s{i % 300}@x.com>").replace("\n", "\r\n") for i in range(n)))),
    "nul-bytes": (5_000, "messages with NUL bytes", lambda p, n: _write(p, (_msg(
        i, frm=f"S{i % 300} \0<s{i % 300}@x.com>", body="\0" * 1000 + "\n") for i in range(n)))),
    "base64-line": (25, "MB of base64 without a line end", lambda p, n: _repeat(
        p, _msg(0) + SEP + "From: a <a@x.com>\nTo: me@example.com\nContent-Transfer-Encoding: base64\n\n",
        base64.b64encode(random.Random(2).randbytes(3 << 16)).decode(), n, "\n\n" + _msg(2))),
    "blank-body": (4, "MB of blank lines in a body", lambda p, n: _repeat(
        p, _msg(0, body=""), "\n" * 65536, n, _msg(1))),
    "owner-orphans": (2_000, "messages in one thread, half the owner's without a To", lambda p, n: _write(
        p, _orphans(n))),
    "long-first-line": (16_000, "bytes of '@' in the first line", lambda p, n: _write(
        p, ["From " + "@" * min(n, 65_000) + " x\nFrom: a@b.com\nTo: c@d.com\n\nbody\n"])),
}


def _run(path: Path, out: Path) -> tuple[float, int, int]:
    """(wall seconds, peak resident MB, exit status) of `analyze` on ``path`` in a child process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "analyzer", "analyze", str(path), "-q", "--out", str(out),
                             "--as-of", "2026-12-01"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        err = proc.stderr.read().decode("utf-8", "replace")
        if "Traceback" in err:
            print(err, file=sys.stderr)
    return wall, usage.ru_maxrss // 1024, proc.returncode


def _counts(out: Path) -> str:
    try:
        s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no summary.json"
    t = s["totals"]
    return (f"read {t['read']}, used {t['used']}, rejected {t['rejected']}, ignored {t['ignored']}, "
            f"records {s['records']}, events {s['events']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="a case to run (repeatable; default all)")
    ap.add_argument("--factor", type=int, default=4, help="the larger size over the base size (default 4)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every base size by this (default 1)")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"where files go (default {DEFAULT_DIR})")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"{'case':<20} {'size':>10} {'MB':>6} {'time s':>8} {'peak MB':>8}   counts")
    for name in args.case or list(CASES):
        base, unit, write = CASES[name]
        rows = []
        for size in (max(1, int(base * args.scale)), max(1, int(base * args.scale)) * args.factor):
            path = args.dir / f"{name}-{size}.mbox"
            out = args.dir / f"{name}-{size}-report"
            write(path, size)
            mb = path.stat().st_size / 1e6
            wall, peak, code = _run(path, out)
            rows.append((wall, peak))
            status = "" if code == 0 else f" (exit {code})"
            print(f"{name:<20} {size:>10} {mb:>6.1f} {wall:>8.2f} {peak:>8}   {_counts(out)}{status}")
            if not args.keep:
                path.unlink()
        (t1, m1), (t2, m2) = rows
        print(f"{'':<20} {unit}: x{args.factor} input -> time x{t2 / t1:.1f}, peak x{m2 / m1:.1f}")


if __name__ == "__main__":
    main()
