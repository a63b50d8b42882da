"""Benchmark reading a large mbox (SPEC §9): our header-only parser against ``mailbox.mbox`` and a byte scan.

    python benchmarks/bench_mbox.py                     # the mbox of the SPEC §9 large profile (generated once,
                                                        # as by `reconnect sample-data --size large`)
    python benchmarks/bench_mbox.py --mbox PATH          # an existing mbox
    python benchmarks/bench_mbox.py --synthetic          # a Gmail-like file of its own: 300 000 messages, 350 MB,
                                                        # and peak memory at 10x fewer messages
    python benchmarks/bench_mbox.py --synthetic --messages 100000 --mb 120 --memory-sizes

Each measurement runs in its own child process, so its peak resident memory (ru_maxrss from ``wait4``) is
its own:

(a) byte scan: count ``\\nFrom `` with ``bytes.find`` over 16 MiB chunks (the floor);
(b) ``mailbox.mbox``: iterate every message and read the headers we read (From, To, Cc, Bcc, Date, Message-ID,
    In-Reply-To, References, X-GM-THRID, X-Gmail-Labels, the list/bulk headers...) — on the whole file when a
    first estimate says that takes under ``--stdlib-limit`` seconds (default 600), else on a prefix,
    extrapolated (said so);
(c) ours: ``analyzer.ingest.ingest([path])`` end to end (detection, chunked vectorised header parsing, records,
    messages, frames), best of three runs by wall time (as timeit: the others measure the machine's noise).

The verdict compares wall times (SPEC §9 asks for the mbox to be *read* 20x faster on a 2-core machine; our
reader uses both cores, ``mailbox`` one); the CPU-time ratio is printed as well.

Then our peak memory on a second file 10x smaller (peak memory must grow with the number of messages only, not
with the file's bytes; ``--memory-sizes`` adds a file with 10x fewer messages of the same size).

Generated files are Gmail-Takeout-like: Gmail separators, X-GM-THRID/X-Gmail-Labels, Received headers, DKIM on bulk mail,
RFC 2047 names, replies with References, newsletters with List-Unsubscribe, mass mail, chat records,
``>From `` escaped body lines, bodies of 200 B - 20 KB (lognormal), a third multipart/alternative.
They are written under the system's temporary folder (``tempfile.gettempdir()``), never into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = Path(tempfile.gettempdir()) / "reconnect-bench-mbox"

# ---------------------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------------------

_FIRST = ["Anna", "Ben", "Chloé", "David", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kenji", "Lena",
          "Marta", "Nils", "Olga", "Pablo", "Qiang", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Ximena",
          "Yusuf", "Zoë", "Jürgen", "Søren", "Anaïs", "Łukasz"]
_LAST = ["Adams", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Huang", "Ivanova", "Jensen",
         "Kowalski", "Lopez", "Müller", "Nakamura", "O'Brien", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
         "Ueda", "Volkov", "Weber", "Xu", "Yilmaz", "Zimmermann"]
_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "acme-corp.com", "globex.io", "initech.net", "example.org",
            "umbrella.co.uk", "hooli.com", "stark.industries", "wayne-enterprises.com", "fastmail.com"]
_WORDS_TEXT = ("the of and to in is you that it he was for on are as with his they at be this have from or one had by "
          "word but not what all were we when your can said there use an each which she do how their if will up "
          "other about out many then them these so some her would make like him into time has look two more write "
          "go see number no way could people my than first water been call who oil its now find long down day did "
          "get come made may part meeting project budget quarter review launch plan deadline thanks regards")
_WORDS = _WORDS_TEXT.split()


def _b2047(name: str) -> str:
    if all(ord(c) < 128 for c in name):
        return f'"{name}"' if "'" in name else name
    import base64

    return "=?UTF-8?B?" + base64.b64encode(name.encode()).decode() + "?="


def _text_pool(rng: random.Random, size: int) -> str:
    lines: list[str] = []
    total = 0
    while total < size:
        n = rng.randint(6, 14)
        ln = " ".join(rng.choice(_WORDS) for _ in range(n))
        if rng.random() < 0.002:
            ln = ">From " + ln  # Gmail escapes body lines starting with "From "
        lines.append(ln)
        total += len(ln) + 1
    return "\n".join(lines) + "\n"


def _body_sizes(rng: random.Random, n: int, mean: float) -> list[int]:
    raw = [rng.lognormvariate(0.0, 1.1) for _ in range(n)]
    scale = mean / (sum(raw) / n)
    for _ in range(6):  # rescale after clipping to keep the requested mean
        cap = max(20_000, int(3 * mean))  # 200 B - 20 KB, unless a larger mean is asked for
        sizes = [min(cap, max(200, int(r * scale))) for r in raw]
        got = sum(sizes) / n
        if abs(got - mean) / mean < 0.01:
            break
        scale *= mean / got
    return sizes


def generate(path: Path, n_messages: int, target_mb: float, seed: int = 7) -> None:
    """Write a Gmail-Takeout-like mbox of about ``target_mb`` MB with ``n_messages`` messages."""
    rng = random.Random(seed)
    owner = ("Alex Morgan", "alex.morgan@gmail.com")
    people = []
    for i in range(4000):
        fn, ln = rng.choice(_FIRST), rng.choice(_LAST)
        dom = rng.choice(_DOMAINS)
        people.append((f"{fn} {ln}", f"{fn.lower()}.{ln.lower()}{i}@{dom}".encode("ascii", "ignore").decode()
                       .replace("'", "")))
    lists = [(f"News {i}", f"newsletter@news{i}.example.com") for i in range(60)]
    noreply = [("LinkedIn", "messages-noreply@linkedin.com"), ("GitHub", "notifications@github.com"),
               ("Calendar", "calendar-notification@google.com")]
    pool = _text_pool(rng, 1 << 20)
    # Header (and MIME part) bytes are about 880 B a message; the rest of the budget goes to bodies.
    mean_body = max(200.0, (target_mb * 1e6 - n_messages * 880) / n_messages)
    sizes = _body_sizes(rng, n_messages, mean_body)
    t0 = datetime(2016, 1, 1, tzinfo=UTC)
    span = int((datetime(2026, 1, 1, tzinfo=UTC) - t0).total_seconds())
    stamps = sorted(rng.randrange(span) for _ in range(n_messages))
    threads: list[tuple[int, str, tuple[str, str]]] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        buf: list[str] = []
        for k in range(n_messages):
            when = t0 + timedelta(seconds=stamps[k])
            gmid = 1500000000000000000 + k * 7919
            roll = rng.random()
            refs = ""
            list_hdr = ""
            labels = "Inbox,Category Personal"
            if roll < 0.22:  # sent by the owner
                frm = owner
                to = [rng.choice(people) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
                labels = rng.choice(("Sent", "Sent,Opened", "Gesendet"))
            elif roll < 0.37:
                frm = rng.choice(lists)
                to = [owner]
                labels = "Inbox,Category Promotions,Unread"
                list_hdr = f"List-Unsubscribe: <mailto:unsub@{frm[1].split('@')[1]}?subject=unsubscribe>\n"
            elif roll < 0.42:
                frm = rng.choice(noreply)
                to = [owner]
                labels = "Inbox,Category Updates"
            elif roll < 0.425:
                frm = rng.choice(people)
                to = [owner, *rng.sample(people, 59)]
                labels = '"Travel, 2023",Inbox'
            elif roll < 0.43:  # chat record
                frm = rng.choice(people)
                sep = f"From {gmid}@xxx {when.strftime('%a %b %d %H:%M:%S +0000 %Y')}\n"
                buf.append(f"{sep}X-GM-THRID: {gmid}\nX-Gmail-Labels: Chat\nFrom: {_b2047(frm[0])} <{frm[1]}>\n"
                           f"MIME-Version: 1.0\nContent-Type: text/plain\n\nhi, are you around?\n\n")
                continue
            else:
                frm = rng.choice(people)
                to = [owner, *([rng.choice(people)] if rng.random() < 0.3 else [])]
            mid = f"<{k:08d}.{rng.getrandbits(40):010x}@mail.{frm[1].split('@')[1]}>"
            if threads and rng.random() < 0.35:
                thrid, root, _ = threads[rng.randrange(len(threads))]
                refs = f"In-Reply-To: {root}\nReferences: {root}\n"
            else:
                thrid = gmid
                threads.append((gmid, mid, frm))
                if len(threads) > 5000:
                    threads.pop(0)
            cc = ""
            if rng.random() < 0.1:
                cc = "Cc: " + ", ".join(f"{_b2047(n)} <{a}>" for n, a in rng.sample(people, 2)) + "\n"
            size = sizes[k]
            off = rng.randrange(len(pool) - size - 1)
            body = pool[off: off + size]
            body = (body[body.find("\n") + 1:] if "\n" in body[:200] else body).rstrip("\n") + "\n"
            if rng.random() < 0.33:
                bnd = f"000000000000{rng.getrandbits(48):012x}"
                half = len(body) // 2
                content = (f'Content-Type: multipart/alternative; boundary="{bnd}"\n\n--{bnd}\n'
                           f'Content-Type: text/plain; charset="UTF-8"\n\n{body[:half]}\n--{bnd}\n'
                           f'Content-Type: text/html; charset="UTF-8"\n\n<div dir="ltr">{body[half:]}</div>\n'
                           f"--{bnd}--\n")
            else:
                content = f'Content-Type: text/plain; charset="UTF-8"\n\n{body}'
            date = format_datetime(when)
            dom = frm[1].split("@")[1]
            dkim = ""
            if frm in lists or frm in noreply:  # bulk senders sign their mail
                dkim = (f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={dom}; s=s1;\n"
                        f"        h=to:subject:message-id:date:from:mime-version; bh={gmid:x}{k:x}=;\n"
                        f"        b={rng.getrandbits(256):064x}\n")
            buf.append(
                f"From {gmid}@xxx {when.strftime('%a %b %d %H:%M:%S +0000 %Y')}\n"
                f"X-GM-THRID: {thrid}\nX-Gmail-Labels: {labels}\nDelivered-To: {owner[1]}\n"
                f"Received: from mail-{k % 97}.{dom} (mail-{k % 97}.{dom}. [192.0.2.{k % 250}])\n"
                f"        by mx.google.com with ESMTPS id {gmid:x}.{k}\n        for <{owner[1]}>; {date}\n"
                f"Return-Path: <{frm[1]}>\n{dkim}"
                f"MIME-Version: 1.0\nDate: {date}\nMessage-ID: {mid}\n{refs}"
                f"Subject: {' '.join(rng.choice(_WORDS) for _ in range(5))}\n"
                f"From: {_b2047(frm[0])} <{frm[1]}>\n"
                f"To: {', '.join(f'{_b2047(n)} <{a}>' for n, a in to)}\n{cc}{list_hdr}"
                f"{content}\n"
            )
            if len(buf) >= 2000:
                fh.write("".join(buf).encode("utf-8"))
                buf.clear()
        fh.write("".join(buf).encode("utf-8"))
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------------------------
# Measurements (each in a child process)
# ---------------------------------------------------------------------------------------------------------------

CHILD_SCAN = r"""
import json, sys, time
t = time.perf_counter(); c = time.process_time(); n = 0; tail = b""
with open(sys.argv[1], "rb") as fh:
    while True:
        chunk = fh.read(16 << 20)
        if not chunk:
            break
        data = tail + chunk
        i = data.find(b"\nFrom ")
        while i >= 0:
            n += 1
            i = data.find(b"\nFrom ", i + 1)
        tail = data[-5:]
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "messages": n + 1}))
"""

CHILD_STDLIB = r"""
import json, mailbox, sys, time
HEADERS = ("From", "To", "Cc", "Bcc", "Date", "Message-ID", "In-Reply-To", "References", "X-GM-THRID",
           "X-Gmail-Labels", "List-Unsubscribe", "List-Id", "Precedence", "Auto-Submitted",
           "X-Auto-Response-Suppress", "Return-Path", "X-Mozilla-Status")
limit = int(sys.argv[2])
t = time.perf_counter(); c = time.process_time()
box = mailbox.mbox(sys.argv[1], create=False)
keys = box.keys()  # builds the table of contents: a full pass over the file
t_toc = time.perf_counter() - t
n = 0
for key in keys:
    if limit and n >= limit:
        break
    msg = box[key]
    for name in HEADERS:
        msg.get_all(name)
    n += 1
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "toc_seconds": t_toc,
                  "messages": n, "total": len(keys)}))
"""

CHILD_OURS = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from analyzer.ingest import ingest
t = time.perf_counter(); c = time.process_time()
r = ingest([sys.argv[1]])
rep = r.files[0]
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "messages": r.messages.height, "records": r.records.height,
                  "read": rep.read, "used": rep.used, "ignored": rep.ignored, "rejected": rep.rejected}))
"""


def run_child_rss(code: str, *args: str) -> dict[str, float]:
    """Like :func:`run_child` but reaps the child with ``wait4`` to get its own peak RSS."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: exec python with stdout to the pipe
        os.close(r)
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.chdir(REPO)
        os.execv(sys.executable, [sys.executable, "-c", code, *args])
    os.close(w)
    chunks = []
    while True:
        data = os.read(r, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit(f"child failed (status {status}); rerun the step alone to see the error")
    res = json.loads(b"".join(chunks).decode().strip().splitlines()[-1])
    res["peak_mb"] = usage.ru_maxrss / 1024
    return res


def measure_ours(path: Path) -> dict[str, float]:
    """Our parser on ``path`` (child process)."""
    return run_child_rss(CHILD_OURS, str(path), str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mbox", type=Path, help="benchmark this mbox instead of generating one")
    ap.add_argument("--profile-dir", type=Path, default=Path(tempfile.gettempdir()) / "reconnect-bench" / "profile-large",
                    help="where the large profile is (generated if missing; shared with bench_pipeline.py)")
    ap.add_argument("--synthetic", action="store_true",
                    help="generate and read a Gmail-like mbox of its own instead of the large profile's")
    ap.add_argument("--messages", type=int, default=300_000)
    ap.add_argument("--mb", type=float, default=350.0, help="approximate size of the generated file")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where generated files go (default under the system temporary folder)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--stdlib-limit", type=float, default=600.0,
                    help="run mailbox.mbox on the whole file only if estimated under this many seconds")
    ap.add_argument("--skip-stdlib", action="store_true")
    ap.add_argument("--memory-sizes", action="store_true",
                    help="also measure our peak memory on a file with 10x fewer messages but the same size "
                         "(bodies 10x larger)")
    args = ap.parse_args()

    def ensure(n: int, mb: float) -> Path:
        p = args.dir / f"gmail_{n}_{int(mb)}mb.mbox"
        if not p.exists():
            t = time.perf_counter()
            generate(p, n, mb, args.seed)
            print(f"generated {p} ({p.stat().st_size / 1e6:.0f} MB, {n} messages) in {time.perf_counter() - t:.1f} s")
        return p

    def large_profile_mbox() -> Path:
        if not args.profile_dir.exists():
            sys.path.insert(0, str(REPO))
            from analyzer.sample_data import generate_sample_data

            t = time.perf_counter()
            generate_sample_data(args.profile_dir, size="large", seed=args.seed)
            print(f"generated the large profile in {time.perf_counter() - t:.1f} s -> {args.profile_dir}")
        found = sorted(args.profile_dir.rglob("*.mbox"), key=lambda p: p.stat().st_size, reverse=True)
        if not found:
            raise SystemExit(f"{args.profile_dir}: no .mbox file in it")
        return found[0]

    path = args.mbox or (ensure(args.messages, args.mb) if args.synthetic else large_profile_mbox())
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path}  ({size_mb:.0f} MB)")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(wall times suffer on a busy machine; CPU times much less)")

    run_child_rss(CHILD_SCAN, str(path))  # warms the page cache for the others
    scan = run_child_rss(CHILD_SCAN, str(path))
    n_total = int(scan["messages"])
    ours = min((measure_ours(path) for _ in range(3)), key=lambda r: r["seconds"])  # best of three (timeit-style)
    n_ours = int(ours["read"])
    rows = [("byte scan (bytes.find)", scan, n_total, "")]

    std: dict[str, float] | None = None
    if not args.skip_stdlib:
        probe_n = 5000
        probe = run_child_rss(CHILD_STDLIB, str(path), str(probe_n))
        frac = probe["total"] / max(1, probe["messages"])
        estimate = probe["toc_seconds"] + (probe["seconds"] - probe["toc_seconds"]) * frac
        if estimate <= args.stdlib_limit:
            std = run_child_rss(CHILD_STDLIB, str(path), "0")
            note = "full file"
        else:
            std = dict(probe)
            std["seconds"] = estimate
            std["cpu"] = probe["toc_seconds"] + (probe["cpu"] - probe["toc_seconds"]) * frac
            std["messages"] = probe["total"]
            note = (f"EXTRAPOLATED from the first {probe_n} messages + table of contents "
                    f"({probe['toc_seconds']:.1f} s): estimated {estimate:.0f} s > limit {args.stdlib_limit:.0f} s")
        rows.append(("mailbox.mbox (same headers)", std, int(std["messages"]), note))
    rows.append(("ours: analyzer.ingest.ingest", ours, n_ours,
                 f"{int(ours['messages'])} messages kept, {int(ours['ignored'])} ignored, "
                 f"{int(ours['rejected'])} rejected, {int(ours['records'])} records"))

    print(f"\n{'method':30} {'wall s':>8} {'CPU s':>8} {'messages':>9} {'msgs/s (CPU)':>13} {'MB/s':>7} {'peak MB':>8}")
    for name, r, n, note in rows:
        print(f"{name:30} {r['seconds']:8.2f} {r['cpu']:8.2f} {n:9d} {n / r['cpu']:13,.0f} "
              f"{size_mb / r['cpu']:7.0f} {r['peak_mb']:8.0f}  {note}")
    if std is not None:
        ratio_wall = std["seconds"] / ours["seconds"]
        ratio_cpu = std["cpu"] / ours["cpu"]
        # SPEC §9: "read at least 20x faster" on the 2-core reference machine, i.e. in wall time (the reader
        # uses both cores; its CPU time is printed too, for what it costs).
        verdict = "OK" if ratio_wall >= 20 else "BELOW TARGET"
        print(f"\nours vs mailbox.mbox: {ratio_wall:.1f}x faster in wall time (target >= 20x: {verdict}), "
              f"{ratio_cpu:.1f}x less CPU time; ours vs byte scan: {ours['cpu'] / scan['cpu']:.1f}x the CPU")

    if args.synthetic and not args.mbox:
        print("\npeak memory of ours at other sizes:")
        variants = [(args.messages // 10, args.mb / 10), (args.messages, args.mb)]
        if args.memory_sizes:
            variants.insert(1, (args.messages // 10, args.mb))
        for n, mb in variants:
            p = ensure(n, mb)
            r = measure_ours(p)
            print(f"  {n:7d} messages, {p.stat().st_size / 1e6:5.0f} MB file: {r['seconds']:6.2f} s wall, "
                  f"{r['cpu']:6.2f} s CPU, peak {r['peak_mb']:5.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
