"""Safety and privacy guarantees (SPEC §8): archive safety, untrusted text, atomic outputs, no network,
inputs never modified, nothing written outside --out, and nothing lost (every input row accounted for)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner, Result
from conftest import REAL_SAMPLES, SAMPLE_DATA
from zipcraft import patch_member, write_zip, zeros_member

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.ingest import ingest
from analyzer.ingest.inputs import discover, safe_display
from analyzer.report.csvsafe import MAX_CELL, neutralise, to_csv_frame

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
CHECK_REPORT = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check-report"
AS_OF = "2026-11-01"
CONN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
MSG_HEADER = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
              "CONTENT,FOLDER")


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _analyze(out: Path, *inputs: Path | str, quiet: bool = True) -> Result:
    args = ["analyze", *map(str, inputs), "--out", str(out), "--as-of", AS_OF]
    return _run(*args, *(["--quiet"] if quiet else []))


def _tree(root: Path, skip: Path | None = None) -> dict[str, tuple[int, str]]:
    """Every file under ``root`` (outside ``skip``) -> (mode, sha256), and every folder -> (mode, "")."""
    out: dict[str, tuple[int, str]] = {}
    for p in sorted(root.rglob("*")):
        if skip is not None and (p == skip or skip in p.parents):
            continue
        rel = str(p.relative_to(root))
        if p.is_symlink() or not (p.is_file() or p.is_dir()):
            out[rel] = (0, "special")
        elif p.is_dir():
            out[rel] = (p.stat().st_mode, "")
        else:
            out[rel] = (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repo's sample_data/ if it exists, else a small sample generated for this session."""
    if SAMPLE_DATA.is_dir() and any(SAMPLE_DATA.rglob("*")):
        return SAMPLE_DATA
    from analyzer.sample_data import generate_sample_data

    folder = tmp_path_factory.mktemp("samples") / "exports"
    generate_sample_data(folder, size="small", seed=7, truth_dir=folder.parent / "truth")
    return folder


# ======================================= 3. archive safety ================================================
def test_zip_members_are_never_extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    z = work / "zip_slip.zip"
    shutil.copyfile(BAD / "zip_slip.zip", z)
    monkeypatch.chdir(work)
    before = _tree(tmp_path)
    out = tmp_path / "r"
    result = _analyze(out, z)
    assert result.exit_code == 0, result.output
    assert _tree(tmp_path, skip=out) == before
    assert not Path("/etc/reconnect_evil.csv").exists()
    assert not (tmp_path / "evil_Connections.csv").exists() and not (tmp_path / "a" / "evil_Connections.csv").exists()
    # both hostile members were read (from memory) under a display name that keeps their stored path visible
    files = json.loads((out / "summary.json").read_text(encoding="utf-8"))["files"]
    assert sorted(f["file"].split("!", 1)[1] for f in files) == ["../../evil_Connections.csv", "/etc/reconnect_evil.csv"]


def test_members_are_streamed_from_the_archive(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "x.zip", {"dir/Connections.csv": b"a,b\n", "../up.csv": b"c,d\n"})
    found = discover([z])
    assert {(f.path, f.member) for f in found.files} == {(z, "dir/Connections.csv"), (z, "../up.csv")}
    assert {f.read_bytes() for f in found.files} == {b"a,b\n", b"c,d\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.zip"]


def _measure(fn: Callable[[], Any]) -> tuple[int, BaseException | None]:
    """(peak traced bytes, exception raised) of ``fn()``. Not its time: timings belong to the benchmarks; a
    bomb read through would show in the memory peak (and in the run time of the suite)."""
    tracemalloc.start()
    err: BaseException | None = None
    try:
        fn()
    except BaseException as exc:
        err = exc
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, err


MiB = 1024 * 1024


def _bomb_declared(tmp: Path) -> Path:
    z = write_zip(tmp / "declared.zip", {"messages.csv": b"x" * 100})
    return patch_member(z, "messages.csv", file_size=2 * 1024**3)


def _bomb_declared_member(tmp: Path) -> Path:
    # the archive total stays small, but one member declares 3.9 GiB from a few bytes
    z = write_zip(tmp / "member.zip", {"messages.csv": b"x" * 100, "Connections.csv": b"a,b\n"})
    return patch_member(z, "messages.csv", file_size=0xF0000000)


def _bomb_ratio(tmp: Path) -> Path:
    return zeros_member(tmp / "ratio.zip", "messages.csv", megabytes=64)


def _bomb_many(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "many.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(100):
            z.writestr(f"part{i:03d}.csv", b"\0" * MiB)
    return tmp / "many.zip"


@pytest.mark.parametrize("build", [_bomb_declared, _bomb_declared_member, _bomb_ratio, _bomb_many],
                         ids=["declared-2GiB", "member-declares-3.9GiB", "ratio-1000", "100-members-1MiB-zeros"])
def test_zip_bomb_is_refused_cheaply(tmp_path: Path, build: Callable[[Path], Path]) -> None:
    z = build(tmp_path)
    assert z.stat().st_size < 2 * MiB
    peak, err = _measure(lambda: ingest([str(z)]))
    assert isinstance(err, InputError), err
    assert "zip bomb" in str(err) and z.name in str(err)
    assert peak < 200 * MiB, f"peak {peak / MiB:.0f} MiB"


def _lying_zip(tmp: Path, crc_too: bool) -> Path:
    """messages.csv holds a header and 16 MiB of zeros, but its header says 4 KiB."""
    z = zeros_member(tmp / "lies.zip", "messages.csv", megabytes=16, prefix=(MSG_HEADER + "\n").encode())
    if crc_too:
        import zlib

        with zipfile.ZipFile(z) as zf, zf.open("messages.csv") as fh:
            first = fh.read(4096)
        return patch_member(z, "messages.csv", file_size=4096, crc=zlib.crc32(first))
    return patch_member(z, "messages.csv", file_size=4096)


@pytest.mark.parametrize("crc_too", [False, True], ids=["size-lies", "size-and-crc-lie"])
def test_member_whose_header_lies_about_its_size(tmp_path: Path, crc_too: bool) -> None:
    z = _lying_zip(tmp_path, crc_too)
    (member,) = discover([z]).files
    assert member.size == 4096
    if crc_too:  # the declared part is consistent: reading a little of it is fine
        assert member.head(100).startswith(b"CONVERSATION ID")

    def read_all() -> None:
        with member.open() as fh:
            while fh.read(1 << 16):
                pass

    peak, err = _measure(read_all)
    assert isinstance(err, InputError), err
    assert "lies.zip!messages.csv" in str(err)
    assert peak < 200 * MiB
    # and end to end: one line naming the member, exit code 1
    result = _analyze(tmp_path / "r", z)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "messages.csv" in lines[0] and "Traceback" not in result.output


def test_capped_reader_stops_a_member_that_expands_past_its_size(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if zipfile did not stop at the declared size, the reader does."""
    z = write_zip(tmp_path / "x.zip", {"Connections.csv": b"a,b\n" * 10})
    (member,) = discover([z]).files
    real_open = zipfile.ZipFile.open

    def endless(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        real_open(self, name, *args, **kwargs).close()
        return io.BytesIO(b"a,b\n" * (1 << 20))  # 4 MiB where 40 bytes were declared

    monkeypatch.setattr(zipfile.ZipFile, "open", endless)
    with pytest.raises(InputError, match="more than its declared size"):
        member.read_bytes()


def test_damaged_member_is_an_input_error(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "x.zip", {"Connections.csv": (CONN_HEADER + "\n").encode() + os.urandom(50_000).hex()
                                       .encode()})
    data = bytearray(z.read_bytes())
    data[200:260] = b"\xff" * 60
    z.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"x\.zip!Connections\.csv: archive member is damaged"):
        ingest([str(z)])


def test_archive_member_names_are_shown_safely() -> None:
    assert safe_display("a\nb\rc\x1b[2Jd\u202eé") == "a\\x0ab\\x0dc\\x1b[2Jd\\u202eé"
    assert safe_display("Connections.csv") == "Connections.csv"


# ======================================= 4. untrusted text ================================================
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1", "'+1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-x", "'-x"),
        (" =1", "' =1"),
        ("\uff1dSUM(1)", "'\uff1dSUM(1)"),  # full-width_equals
        ("\uff0b1", "'\uff0b1"),
        ("\uff20SUM(1)", "'\uff20SUM(1)"),
        ("\uff0d2", "'\uff0d2"),
        ("\u00a0\uff1d1", "'\u00a0\uff1d1"),
        ("Ａda", "Ａda"),  # a full-width letter is text
        ("-1", "-1"),
        ("-1.5", "-1.5"),
        ("-2e5", "-2e5"),
        ("0", "0"),
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        ("José-María", "José-María"),
        ("", ""),
        (None, None),
    ],
)
def test_neutralise(value: str | None, expected: str | None) -> None:
    got = pl.DataFrame({"v": [value]}, schema={"v": pl.String}).select(neutralise(pl.col("v")).alias("v"))["v"][0]
    assert got == expected


def test_csv_frame_keeps_numbers_and_neutralises_lists() -> None:
    df = pl.DataFrame({
        "n": [-5, 3], "f": [-0.25, 1.0], "d": [date(2024, 1, 2), None],
        "emails": [["=x@evil.com", "a@b.com"], ["a@b.com", "=c@d.com"]],
        "name": ["-2+3", "Ada"],
    })
    out = to_csv_frame(df)
    assert out["n"].to_list() == ["-5", "3"]
    assert out["f"].to_list() == ["-0.25", "1.0"]
    assert out["d"].to_list() == ["2024-01-02", None]
    assert out["emails"].to_list() == ["'=x@evil.com;a@b.com", "a@b.com;=c@d.com"]
    assert out["name"].to_list() == ["'-2+3", "Ada"]


def test_csv_cells_are_capped() -> None:
    df = pl.DataFrame({"s": ["x" * (MAX_CELL + 50)], "l": [[f"p{i}@example.com" for i in range(5000)]]})
    out = to_csv_frame(df)
    assert len(out["s"][0]) == MAX_CELL
    joined = out["l"][0]
    assert len(joined) <= MAX_CELL
    assert all(re.fullmatch(r"p\d+@example\.com", e) for e in joined.split(";"))


HOSTILE = ['=HYPERLINK("http://x")', "@SUM(1)", "-2+3", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
           "+cmd|' /C calc'!A0", "[bold red]Markup[/]", "\tTab", "Name\nWith Newline"]
SECRET_SUBJECT = "SUBJECT-TOKEN-8f3a"
SECRET_BODY = "BODY-TOKEN-91c2"


def _hostile_inputs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    w_rows = io.StringIO()
    w = csv.writer(w_rows, lineterminator="\n")
    w.writerow(CONN_HEADER.split(","))
    for i, h in enumerate(HOSTILE):
        w.writerow([h, f"Last{i}", f"https://www.linkedin.com/in/hostile-{i}", f"h{i}@example.com", h, h, "15 Jan 2024"])
    (folder / "Connections.csv").write_text(w_rows.getvalue(), encoding="utf-8")
    m = io.StringIO()
    mw = csv.writer(m, lineterminator="\n")
    mw.writerow(MSG_HEADER.split(","))
    for i, h in enumerate(HOSTILE):
        url = f"https://www.linkedin.com/in/hostile-{i}"
        mw.writerow([f"c{i}", h, h, url, "Pat Owner", "https://www.linkedin.com/in/pat-owner",
                     f"2024-03-{10 + i:02d} 09:30:00 UTC", SECRET_SUBJECT, SECRET_BODY, "INBOX"])
        mw.writerow([f"c{i}", h, "Pat Owner", "https://www.linkedin.com/in/pat-owner", h, url,
                     f"2024-03-{10 + i:02d} 10:30:00 UTC", SECRET_SUBJECT, SECRET_BODY, "INBOX"])
    (folder / "messages.csv").write_text(m.getvalue(), encoding="utf-8")
    mbox = []
    for i, h in enumerate(HOSTILE):
        display = h.replace("\n", " ").replace('"', "'")
        mbox += [f"From {i}@xxx Thu Jun 30 12:31:44 +0000 2016", f'From: "{display}" <h{i}@example.com>',
                 "To: Pat Owner <pat@example.com>", f"Date: Thu, 30 Jun 2016 12:{i:02d}:44 +0000",
                 f"Message-ID: <m{i}@example.com>", f"Subject: {SECRET_SUBJECT} {display}",
                 "X-Gmail-Labels: Inbox", "", f"{SECRET_BODY} <script>alert(1)</script>", ""]
    (folder / "mail.mbox").write_text("\n".join(mbox), encoding="utf-8")
    cards = []
    for i, h in enumerate(HOSTILE):
        fn = h.replace("\n", " ").replace(",", "\\,").replace(";", "\\;")
        cards += ["BEGIN:VCARD", "VERSION:3.0", f"FN:{fn}", f"EMAIL:h{i}@example.com", f"ORG:{fn}",
                  f"NOTE:{SECRET_BODY}", "END:VCARD"]
    (folder / "contacts.vcf").write_text("\r\n".join(cards) + "\r\n", encoding="utf-8")
    return [folder]


def _check_cells(out: Path) -> None:
    """Every CSV cell, checked the way ../shared/tools/check-report checks them."""
    for path in sorted(out.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows, f"{path.name} is empty"
        for row in rows[1:]:
            assert len(row) == len(rows[0]), path.name
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                assert not cell.startswith("-") or re.match(r"^-\d", cell), (path.name, cell)


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of an HTML page with its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(page)
    return found


def test_hostile_names_end_to_end(tmp_path: Path) -> None:
    inputs = _hostile_inputs(tmp_path / "in")
    out = tmp_path / "r"
    result = _analyze(out, *inputs)
    assert result.exit_code == 0, result.output
    _check_cells(out)
    if CHECK_REPORT.exists():
        check = subprocess.run([sys.executable, str(CHECK_REPORT), str(out)], capture_output=True, text=True,
                               check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    people = pl.read_csv(out / "people.csv", infer_schema=False)
    names = set(people["name"].drop_nulls().to_list())
    assert any(n.startswith("'=HYPERLINK") for n in names), names
    assert any(n.startswith("'@SUM") for n in names), names
    assert any(n.startswith("'-2+3") for n in names), names
    assert any("<script>" in n for n in names), names  # kept as text in the CSV
    page = (out / "report.html").read_text(encoding="utf-8")
    tags = _tags(page)
    assert "script" not in {t for t, _ in tags}
    assert not [(t, a) for t, attrs in tags for a, _v in attrs if a.lower().startswith("on")], "event handler"
    assert all((v or "").startswith("data:") for t, attrs in tags if t == "img" for a, v in attrs if a == "src")
    assert "&lt;script&gt;" in page
    assert "&lt;img src=x" in page
    # subjects and bodies are never stored in any output
    for p in out.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert SECRET_SUBJECT.encode() not in data, p.name
            assert SECRET_BODY.encode() not in data, p.name


def test_hostile_names_in_the_terminal_table(tmp_path: Path) -> None:
    """Without --quiet the top table is printed: markup in names must neither crash nor be interpreted."""
    inputs = _hostile_inputs(tmp_path / "in")
    result = _analyze(tmp_path / "r", *inputs, quiet=False)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


# ======================================= 5. atomic outputs ================================================
def _good(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "Connections.csv"
    p.write_text(f"{CONN_HEADER}\nAda,Lovelace,https://www.linkedin.com/in/ada,,Acme,Eng,15 Jan 2024\n"
                 "Grace,Hopper,https://www.linkedin.com/in/grace,,Navy,Admiral,16 Jan 2024\n", encoding="utf-8")
    return p


def test_a_failed_run_leaves_the_previous_report_intact(tmp_path: Path) -> None:
    good = _good(tmp_path / "in")
    out = tmp_path / "r"
    assert _analyze(out, good).exit_code == 0
    before = _tree(out)
    bad = tmp_path / "in2" / "png_as_csv.csv"
    bad.parent.mkdir()
    shutil.copyfile(BAD / "png_as_csv.csv", bad)
    result = _analyze(out, good, bad)
    assert result.exit_code == 1
    assert _tree(out) == before
    assert _leftovers(out) == []


@pytest.mark.parametrize("failure", ["charts", "html", "disk-full", "interrupt"])
def test_a_failure_while_writing_leaves_the_previous_report_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   failure: str) -> None:
    good = _good(tmp_path / "in")
    out = tmp_path / "r"
    assert _analyze(out, good).exit_code == 0
    before = _tree(out)
    from analyzer.report import charts, html

    def boom(*_a: Any, **_k: Any) -> Any:
        if failure == "disk-full":
            raise OSError(28, "No space left on device", str(tmp_path / "r" / "report.html"))
        if failure == "interrupt":
            raise KeyboardInterrupt
        raise RuntimeError("chart failed")

    if failure == "charts":
        monkeypatch.setattr(charts, "make_charts", boom)
    else:
        monkeypatch.setattr(html, "write_html", boom)
    result = _analyze(out, good)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    if failure == "disk-full":
        assert "No space left on device" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert _tree(out) == before
    assert _leftovers(out) == []


def test_nothing_written_outside_out_and_inputs_untouched(tmp_path: Path, sample_folder: Path) -> None:
    inputs = tmp_path / "exports"
    shutil.copytree(sample_folder, inputs)
    real = tmp_path / "real"
    if REAL_SAMPLES.is_dir():
        shutil.copytree(REAL_SAMPLES, real)
    for p in tmp_path.rglob("*"):
        if p.is_file():
            p.chmod(0o444)  # read-only: any attempt to write an input fails (unless root)
    before = _tree(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    out = tmp_path / "out" / "r"
    out.parent.mkdir()
    args = [inputs] + ([real] if real.exists() else [])
    result = _analyze(out, *args)
    assert result.exit_code == 0, result.output
    after = _tree(tmp_path, skip=out)
    before["out"] = after["out"]  # the --out parent, created above
    assert after == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    assert sorted(p.name for p in out.parent.iterdir()) == ["r"]


def test_out_folder_with_the_users_files_is_never_deleted(tmp_path: Path) -> None:
    good = _good(tmp_path / "in")
    out = tmp_path / "r"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    result = _analyze(out, good)
    assert result.exit_code == 1
    assert (out / "thesis.docx").read_bytes() == b"precious"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]


def test_out_as_a_symbolic_link_writes_where_it_points_and_keeps_the_link(tmp_path: Path) -> None:
    """A report kept elsewhere (another disk) and linked from the working folder: the link stays a link, the
    report is written, and on the next run replaced, where it points; a link leading nowhere yet is created
    where it points too."""
    good = _good(tmp_path / "in")
    (tmp_path / "disk").mkdir()
    target, link = tmp_path / "disk" / "report", tmp_path / "report"
    link.symlink_to(target, target_is_directory=True)
    assert _analyze(link, good).exit_code == 0  # the link leads nowhere yet
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert (target / "people.csv").is_file()
    first = (target / "people.csv").read_bytes()
    assert _analyze(link, good).exit_code == 0  # a re-run replaces the report where it lies
    assert link.is_symlink() and (target / "people.csv").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk", "in", "report"]
    assert sorted(p.name for p in (tmp_path / "disk").iterdir()) == ["report"]
    assert _leftovers(target) == []
    (target / "thesis.docx").write_bytes(b"precious")  # what protects a folder protects it through a link
    assert _analyze(link, good).exit_code == 1
    assert (target / "thesis.docx").read_bytes() == b"precious"


def test_rerun_replaces_its_own_report(tmp_path: Path) -> None:
    good = _good(tmp_path / "in")
    out = tmp_path / "r"
    assert _analyze(out, good).exit_code == 0
    (out / "charts").mkdir(exist_ok=True)
    assert _analyze(out, good).exit_code == 0
    marker = json.loads((out / ".reconnect-report").read_text(encoding="utf-8"))
    listed = set(marker["files"])
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {".reconnect-report"}
    assert listed == on_disk
    assert _leftovers(out) == []


# ======================================= 6. no network ====================================================
def test_the_whole_pipeline_runs_without_network(tmp_path: Path, sample_folder: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def refuse(name: str) -> Callable[..., Any]:
        def f(*_a: Any, **_k: Any) -> Any:
            calls.append(name)
            raise OSError(f"network access attempted ({name})")
        return f

    for method in ("connect", "connect_ex", "sendto", "bind"):
        monkeypatch.setattr(socket.socket, method, refuse(f"socket.{method}"))
    monkeypatch.setattr(socket, "socket", refuse("socket.socket"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    inputs = [sample_folder] + ([REAL_SAMPLES] if REAL_SAMPLES.is_dir() else [])
    result = _analyze(tmp_path / "r", *inputs)
    assert result.exit_code == 0, result.output
    assert calls == []
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "report.html loads a remote resource"


# ======================================= 7. nothing lost ==================================================
def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if len(data) > 3 and data[1:40:2].count(0) > 10:
        return data.decode("utf-16-le")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _count_rows(data: bytes, kind: str) -> int:
    """Data rows in a file, counted without the project's code."""
    text = _decode(data)
    if kind == "mail.mbox":
        lines = text.split("\n")
        return sum(1 for i, ln in enumerate(lines) if ln.startswith("From ") and (i == 0 or not lines[i - 1].strip()))
    if kind == "contacts.vcard":
        return sum(1 for ln in text.splitlines() if ln.strip().upper() == "BEGIN:VCARD")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delim = "\t" if first.count("\t") > first.count(",") else ";" if first.count(";") > first.count(",") else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if any(c.strip() for c in r)]
    if kind == "mail.thunderbird_csv":
        return len(rows)
    header = next((i for i, r in enumerate(rows) if len(r) >= 2), None)
    return len(rows) if header is None else len(rows) - header - 1


def _file_bytes(display: str) -> bytes:
    if "!" in display and not Path(display).exists():
        archive, member = display.split("!", 1)
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    return Path(display).read_bytes()


@pytest.mark.parametrize("which", ["real", "sample_data"])
def test_every_row_is_accounted_for(tmp_path: Path, which: str, sample_folder: Path) -> None:
    if which == "real":
        if not REAL_SAMPLES.is_dir():
            pytest.skip("../shared/real-samples not available")
        folder = REAL_SAMPLES
    else:
        folder = sample_folder
    out = tmp_path / "r"
    result = _analyze(out, folder)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    with open(out / "rejects.csv", encoding="utf-8", newline="") as fh:
        rejects = Counter(r["source_file"] for r in csv.DictReader(fh))
    assert summary["files"], "nothing was read"
    mismatches = []
    for f in summary["files"]:
        assert f["read"] == f["used"] + f["rejected"] + f["ignored"], f
        assert sum(f["ignored_why"].values()) == f["ignored"], f
        assert sum(f["rejected_why"].values()) == f["rejected"], f
        assert rejects.get(f["file"], 0) == f["rejected"], (f["file"], rejects)
        expected = _count_rows(_file_bytes(f["file"]), f["kind"])
        if f["read"] != expected:
            mismatches.append(f"{f['file']} ({f['kind']}): read {f['read']}, independent count {expected}")
    assert not mismatches, "\n".join(mismatches)
    assert sum(rejects.values()) == summary["totals"]["rejected"]
    totals = {k: sum(f[k] for f in summary["files"]) for k in ("read", "used", "rejected", "ignored")}
    assert totals == summary["totals"]
