"""The `reconnect` command as a process (console script / ``python -m analyzer``): it ends without the
interpreter's teardown (:func:`analyzer.cli.run`), so its exit status, its flushed output and its files must be
what the click command gives in-process."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import _exit_status, main
from tests.conftest import REPO, SAMPLE_DATA


def _env() -> dict[str, str]:
    """The environment of a child that imports this checkout's analyzer."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))


def _reconnect(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, text=True, env=_env(),
                          cwd=cwd, timeout=300)


@pytest.mark.parametrize(("code", "status", "echoed"), [
    (None, 0, ""),
    (0, 0, ""),
    (1, 1, ""),
    (2, 2, ""),
    (256 + 3, 3, ""),  # as the operating system keeps it
    ("fatal: bad", 1, "fatal: bad\n"),
])
def test_exit_status_is_what_sys_exit_gives(code: object, status: int, echoed: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status(code) == status
    assert capsys.readouterr().err == echoed


def test_piped_output_is_flushed_whole(tmp_path: Path) -> None:
    # stdout into a pipe is block-buffered: ending the process without flushing it would lose the text
    expected = CliRunner().invoke(main, ["formats"]).output
    proc = _reconnect("formats", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert len(expected.splitlines()) > 20


def test_user_error_exits_1_with_one_line(tmp_path: Path) -> None:
    proc = _reconnect("analyze", str(tmp_path / "missing.mbox"), "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"Error: {tmp_path / 'missing.mbox'}: no such file or folder. "
                                                "Check the path"]
    assert not (tmp_path / "r").exists()


def test_usage_error_exits_2(tmp_path: Path) -> None:
    proc = _reconnect("analyze", "--no-such-option", cwd=tmp_path)
    assert proc.returncode == 2
    # (click 8.2 writes "No such option '--no-such-option'", 8.1 "No such option: --no-such-option")
    assert re.search(r"Error: No such option:? '?--no-such-option'?\.?$", proc.stderr, re.M), proc.stderr


def test_whole_run_writes_the_same_report_as_in_process(tmp_path: Path) -> None:
    proc = _reconnect("analyze", str(SAMPLE_DATA), "--out", str(tmp_path / "cli"), "--as-of", "2026-11-01",
                      cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("(reconnect.csv, people.csv, report.html, ...)")
    res = CliRunner().invoke(main, ["analyze", str(SAMPLE_DATA), "--out", str(tmp_path / "lib"),
                                    "--as-of", "2026-11-01", "-q"])
    assert res.exit_code == 0, res.output
    for name in ("reconnect.csv", "people.csv", "interactions.csv", "rejects.csv"):
        with open(tmp_path / "cli" / name, encoding="utf-8", newline="") as a, \
                open(tmp_path / "lib" / name, encoding="utf-8", newline="") as b:
            assert list(csv.reader(a)) == list(csv.reader(b)), name
    assert sorted(p.name for p in (tmp_path / "cli" / "charts").iterdir()) == \
        sorted(p.name for p in (tmp_path / "lib" / "charts").iterdir())
    assert (tmp_path / "cli" / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [("formats",), ("analyze", str(SAMPLE_DATA), "--as-of", "2026-11-01")])
def test_output_to_a_full_disk_is_one_line_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    # the terminal table and the closing line go to stdout: a full disk there is the user's to fix, no traceback
    full_args = (*args, "--out", str(tmp_path / "r")) if args[0] == "analyze" else args
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "analyzer", *full_args], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=_env(), cwd=tmp_path, timeout=300)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["Error: the output could not be written (No space left on device)"]


@pytest.mark.skipif(sys.platform == "win32", reason="closes a descriptor in the child (POSIX)")
@pytest.mark.parametrize("closed", [1, 2])
def test_closed_standard_stream_is_no_error(tmp_path: Path, closed: int) -> None:
    # started with stdout (or stderr) closed, as `reconnect ... >&-` does: the report is written all the same
    out = tmp_path / "r"
    other = subprocess.PIPE  # the stream left open is read
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "analyze", str(SAMPLE_DATA), "--out", str(out), "--as-of", "2026-11-01"],
        stdout=other if closed == 2 else None, stderr=other if closed == 1 else None, text=True, env=_env(),
        cwd=tmp_path, timeout=300, preexec_fn=lambda: os.close(closed))
    assert proc.returncode == 0
    assert "Traceback" not in ((proc.stderr if closed == 1 else proc.stdout) or "")
    assert (out / "reconnect.csv").is_file() and (out / "report.html").is_file()


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the command with standard error on a pseudo-terminal: (the process, what the terminal received)."""
    import threading

    master, slave = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal's other side closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = dict(_env(), COLUMNS="200", TERM="xterm")
    proc = subprocess.run([sys.executable, "-m", "analyzer", *args], stdout=subprocess.PIPE, stderr=slave,
                          text=True, env=env, cwd=cwd, timeout=300)
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    return proc, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("args", "result"), [
    (["analyze", str(SAMPLE_DATA), "--out", "r"], "Wrote 20 files"),
    (["company", "Stripe", str(SAMPLE_DATA)], "Stripe"),
], ids=["analyze", "company"])
def test_a_terminal_is_told_each_step_after_the_reading(tmp_path: Path, args: list[str], result: str) -> None:
    """On a terminal, the bar of the bytes read is followed by a status line naming the step under way (the
    long steps after reading used to show a full bar, then nothing; company and person showed nothing at all);
    it goes when the run ends, before the result on standard output."""
    from analyzer.pipeline import STAGES

    proc, terminal = _on_a_terminal([*args, "--as-of", "2026-11-01"], tmp_path)
    assert proc.returncode == 0
    assert "reading" in terminal
    for step, words in STAGES.items():  # each drawn as it begins, however short
        assert words in terminal, step
    assert ("writing the report: tables, charts and the HTML page" in terminal) is (args[0] == "analyze")
    assert result in proc.stdout


def test_the_pipeline_announces_its_steps_in_order() -> None:
    from datetime import date

    from analyzer.pipeline import STAGES, analyze

    seen: list[str] = []
    analyze([SAMPLE_DATA], as_of=date(2026, 11, 1), charts=False, on_stage=seen.append)
    assert seen == list(STAGES) == ["owner", "identity", "events", "score", "follow-through"]


@pytest.mark.parametrize(("args", "rows"), [([], 10), (["--top", "12"], 12), (["--top", "3"], 3)])
def test_the_terminal_table_shows_the_top_the_user_gives(tmp_path: Path, args: list[str], rows: int) -> None:
    """`--top 12` printed "Top 10": the terminal table was capped at 10 whatever --top said (SPEC §3: --top
    limits the terminal table); without --top it stays short (10 of the HTML list's 25)."""
    res = CliRunner().invoke(main, ["analyze", str(SAMPLE_DATA), "--out", str(tmp_path / "r"),
                                    "--as-of", "2026-11-01", *args], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert f"Top {rows} people to reconnect with" in res.output
