"""Hostile and broken inputs, end to end through the CLI (SPEC §3 exit codes, §8 errors).

Every case either succeeds with its bad rows listed in rejects.csv (file and physical line), or stops with exit
code 1 and ONE line that names the file and says what to do — never a traceback. The table below is the
contract; the committed fixtures are in tests/fixtures/bad/ (regenerate with make_fixtures.py there), the big
and the hostile ones are built here into tmp_path.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from zipcraft import corrupt_member_data, patch_member, write_zip, zeros_member

from analyzer.cli import main

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
CHECK_REPORT = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check-report"
AS_OF = "2026-11-01"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class Err:
    """Exit code 1 with one line that contains ``says`` (case-insensitive) and the name of the culprit."""

    says: str = ""


@dataclass(frozen=True)
class Ok:
    """Exit code 0; ``rejects`` are the physical lines of the input file listed in rejects.csv."""

    rejects: tuple[int, ...] = ()


# ---- the corpus: case -> expected outcome -------------------------------------------------------------
CORPUS: dict[str, Err | Ok] = {
    # not data at all
    "empty.csv": Err("is empty"),
    "empty_messages.csv": Err("is empty"),  # given as messages.csv
    "png_as_csv.csv": Err("not a format reconnect reads"),
    "html_as_csv.csv": Err("not a format reconnect reads"),  # a LinkedIn login page saved as CSV
    "crlf_only.csv": Err("is empty"),  # (blank lines only; was "not a format reconnect reads")
    "bom_only.csv": Err("is empty"),
    "high_bytes_garbage.csv": Err("not a format reconnect reads"),
    # headers
    "connections_header_only.csv": Ok(),
    "connections_preamble_only.csv": Err("not a format reconnect reads"),
    "connections_missing_columns.csv": Err("not a format reconnect reads"),
    "connections_renamed_columns.csv": Err("not a format reconnect reads"),
    "connections_header_case.csv": Ok(),
    "connections_duplicate_columns.csv": Ok(),
    "connections_placeholder_rows.csv": Ok(),  # placeholder rows are ignored, not rejected
    "messages_header_only.csv": Ok(),
    # rows
    "ragged.csv": Ok((3, 4)),
    "unterminated_quote.csv": Ok((4,)),
    "stray_quote_middle.csv": Ok((3,)),  # the lines after the stray quote are still read
    "messages_badrow.csv": Ok((4,)),
    "impossible_dates_messages.csv": Ok((3, 4, 5)),  # 31 Feb, year 0001, year 2999
    "impossible_dates_connections.csv": Ok((3, 4)),
    "invitations_bad_rows.csv": Ok((3,)),
    "quote_closed_in_the_next_row.csv": Ok((3,)),  # one row of two, a cell more: the next row is still read
    "quote_swallows_whole_rows.csv": Ok((2, 4)),  # rows inside a cell: the rows that opened the quotes rejected
    "connections_reordered_columns.csv": Ok(),  # a spreadsheet's re-save
    "outlook_mail_short_row.csv": Ok((4, 5, 6)),  # a short row's body lines never become messages
    "ietng_quote_left_open.csv": Ok((3,)),  # no header row: the width of the first row tells
    # encodings
    "nul_in_a_cell_messages.csv": Ok(),  # one NUL byte: still a text file (the NUL is dropped)
    "one_latin1_byte_messages.csv": Ok(),  # only that byte read as Windows-1252
    "excel_resaved_connections.csv": Ok(),  # BOM + CRLF + 14-Feb-22
    "cp1252_connections.csv": Ok(),
    "utf16le_nobom_connections.csv": Ok(),
    "utf16be_bom_connections.csv": Ok(),
    # mail and contacts
    "mbox_no_valid_message.mbox": Err("not a format reconnect reads"),
    "mbox_just_text.mbox": Err("not a format reconnect reads"),
    "mbox_truncated.mbox": Ok((10,)),
    "mbox_mixed_line_ends.mbox": Ok(),  # LF, CRLF and CR alone: every message read (2 of 6 were lost)
    "vcard_no_end.vcf": Ok((6,)),
    "vcard_garbage_inside.vcf": Ok((6,)),
    # archives
    "truncated.zip": Err("not a readable zip archive"),
    "truncated.tgz": Err("not a readable tar archive"),  # a Google Takeout .tgz download cut short
    "zip_slip.zip": Ok(),  # ../../ and /etc/ member names: read in memory, never extracted
    "junk_only.zip": Err("contains no file reconnect can use"),
    "control_chars_member.zip": Ok(),
    "gen_empty_zip.zip": Err("archive contains no files"),
    "gen_zip_in_zip.zip": Ok(),  # the inner archive is skipped (listed in summary.json), the rest is read
    "gen_zip_bomb_declared.zip": Err("zip bomb"),
    "gen_zip_bomb_ratio.zip": Err("zip bomb"),
    "gen_zip_total_ratio.zip": Err("zip bomb"),
    "gen_zip_header_lies.zip": Err("damaged or its header does not match"),
    "gen_zip_header_lies_crc_too.zip": Err("more than its declared size"),
    "gen_zip_stored_header_lies.zip": Err("more than its declared size"),
    "gen_zip_corrupt_member.zip": Err("damaged"),
    "gen_zip_encrypted.zip": Err("encrypted"),
    "gen_zip_bad_local_header.zip": Err("damaged"),
    # folders and paths
    "empty_folder": Err("contains no files"),
    "unsupported_only": Err("contains no file reconnect can use"),
    "only_unused_linkedin_files": Err("contains no file reconnect can use"),  # Logins.csv: recognised, not used
    "folder_with_coach_file": Ok(),  # LearningCoachMessages.csv that is not even a CSV
    "deep_nesting": Ok(),
    "gen_nonexistent.csv": Err("no such file or folder"),
    "gen_fifo": Err("not a regular file"),
    "gen_report_as_input": Err("report written by reconnect"),
    "gen_unreadable.csv": Err("permission denied"),
    "gen_non_utf8_file_name": Ok((3, 4)),  # ragged.csv saved under a Latin-1 name, inside a folder
    "gen_control_chars_file_name.csv": Err("not a format reconnect reads"),  # "bad\n\x1b[2J.csv": escaped
    # big
    "gen_huge_field.csv": Ok(),  # one 8 MiB cell
    "gen_wide_10000_columns.csv": Ok(),
    "gen_nul_after_8k.csv": Ok(),
    "gen_all_same_company.csv": Ok(),  # 200 connections, one employer
    # --out and --config
    "out_is_file": Err("is a file"),
    "out_parent_is_file": Err("not a folder"),
    "out_not_report_folder": Err("not a reconnect report"),
    "out_report_with_foreign_files": Err("did not write"),
    # a first release's marker ("written by reconnect", no file list) or a damaged one: the user's files in the
    # folder were deleted with it, exit 0
    "out_old_marker_with_user_files": Err("did not write"),
    "out_damaged_marker_with_user_files": Err("did not write"),
    "out_marker_is_a_folder": Err("did not write"),
    "out_old_marker_report_only": Ok(),  # (and the litter of a file browser: replaced)
    "out_readonly_parent": Err("not writable"),
    "out_non_utf8_name": Ok(),
    "config_invalid_toml": Err("invalid toml"),
    "config_missing": Err("not found"),
    "config_bad_identity_value": Err("merge_unique_names must be true or false"),  # named, before any ingest
    "config_bad_scoring_value": Err("must be a number"),
    # found by hostile-input runs: each was "internal error (OverflowError ...)" or a report check-report refused
    "config_huge_days": Err("session_gap_days must be at most 36,500"),
    "config_huge_rhythm": Err("min_rhythm_days must be at most 36,500"),
    "config_different_from_itself": Err("cannot be different from itself"),
    "config_same_and_different": Err("in one same group and one different group"),
    "previous_as_of_year_1": Ok(),  # an edited summary.json: not compared, and the run goes on
}

RENAME = {"empty_messages.csv": "messages.csv"}

CONN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
ADA = "Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace,,Analytical Engines,Programmer,15 Jan 2024"


@dataclass
class Setup:
    """How a case is run: the CLI arguments besides ``analyze``, and what the message must name."""

    inputs: list[str]
    out: Path
    names: str  # the culprit's name, as it must appear in the message
    file: str = ""  # base name of the input file whose rejects are checked
    extra: list[str] = field(default_factory=list)
    before: dict[str, bytes] | None = None  # an --out that exists already: its content must survive


def _copy_fixture(name: str, dest: Path) -> Path:
    src = BAD / name
    target = dest / RENAME.get(name, name)
    if src.is_dir():
        shutil.copytree(src, target)
    else:
        shutil.copyfile(src, target)
    return target


def _good_input(tmp: Path) -> Path:
    p = tmp / "Connections.csv"
    p.write_text(f"{CONN_HEADER}\n{ADA}\n", encoding="utf-8")
    return p


def _zip_with_conn(path: Path) -> Path:
    return write_zip(path, {"Connections.csv": f"{CONN_HEADER}\n{ADA}\n".encode()})


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _gen(case: str, tmp: Path) -> Setup:
    inp = tmp / "in"
    out = tmp / "r"
    if case == "gen_zip_bomb_declared.zip":
        p = write_zip(inp / case, {"messages.csv": b"x" * 100})
        patch_member(p, "messages.csv", file_size=2 * 1024**3)  # 2 GiB declared from 100 bytes
        return Setup([str(p)], out, case)
    if case == "gen_zip_in_zip.zip":
        inner = _zip_with_conn(tmp / "inner.zip")
        p = write_zip(inp / case, {"Connections.csv": f"{CONN_HEADER}\n{ADA}\n".encode(),
                                   "nested/inner.zip": inner.read_bytes()})
        return Setup([str(p)], out, case, file="Connections.csv")
    if case == "gen_empty_zip.zip":
        p = write_zip(inp / case, {})
        return Setup([str(p)], out, case)
    if case == "gen_zip_bomb_ratio.zip":
        p = zeros_member(inp / case, "messages.csv", megabytes=40)  # honest header, ratio ~1000
        return Setup([str(p)], out, "messages.csv")
    if case == "gen_zip_total_ratio.zip":
        # 80 members of 1 MiB of zeros each: no member is suspicious alone, the archive is
        with zipfile.ZipFile(inp / case, "w", zipfile.ZIP_DEFLATED) as z:
            for i in range(80):
                z.writestr(f"part{i:02d}.txt", b"\0" * (1 << 20))
        return Setup([str(inp / case)], out, case)
    if case == "gen_zip_header_lies.zip":
        p = zeros_member(inp / case, "messages.csv", megabytes=8, prefix=f"{CONN_HEADER}\n".encode())
        patch_member(p, "messages.csv", file_size=4096)  # the header says 4 KiB, the data is 8 MiB
        return Setup([str(p)], out, "messages.csv")
    if case == "gen_zip_header_lies_crc_too.zip":
        content = f"{CONN_HEADER}\n{ADA}\n".encode() * 2000
        p = write_zip(inp / case, {"Connections.csv": content})
        patch_member(p, "Connections.csv", file_size=4096, crc=zlib.crc32(content[:4096]))
        return Setup([str(p)], out, "Connections.csv")
    if case == "gen_zip_stored_header_lies.zip":
        content = f"{CONN_HEADER}\n{ADA}\n".encode() * 200
        p = write_zip(inp / case, {"Connections.csv": content}, compression=zipfile.ZIP_STORED)
        patch_member(p, "Connections.csv", file_size=1000, crc=zlib.crc32(content[:1000]))
        return Setup([str(p)], out, "Connections.csv")
    if case == "gen_zip_corrupt_member.zip":
        rows = "".join(f"Person{i},Last{i},https://www.linkedin.com/in/p{i},,Co{i % 97},Pos,15 Jan 2024\n"
                       for i in range(3000))
        p = write_zip(inp / case, {"Connections.csv": (CONN_HEADER + "\n" + rows).encode()})
        corrupt_member_data(p, "Connections.csv", at=2000, length=64)
        return Setup([str(p)], out, "Connections.csv")
    if case == "gen_zip_encrypted.zip":
        p = _zip_with_conn(inp / case)
        patch_member(p, "Connections.csv", flag_bits=0x1)
        return Setup([str(p)], out, "Connections.csv")
    if case == "gen_zip_bad_local_header.zip":
        p = _zip_with_conn(inp / case)
        raw = bytearray(p.read_bytes())
        raw[30:32] = b"XX"  # the local header's copy of the name no longer matches the directory's
        p.write_bytes(bytes(raw))
        return Setup([str(p)], out, "Connections.csv")
    if case == "gen_nonexistent.csv":
        return Setup([str(inp / "no_such_export.csv")], out, "no_such_export.csv")
    if case == "gen_fifo":
        p = inp / "a_pipe.csv"
        os.mkfifo(p)
        return Setup([str(p)], out, "a_pipe.csv")
    if case == "gen_report_as_input":
        rep = inp / "old_report"
        rep.mkdir()
        (rep / ".reconnect-report").write_text("written by reconnect\n")
        (rep / "people.csv").write_text("person_id,kind,name\np1,person,Ada\n")
        return Setup([str(rep)], out, "old_report")
    if case == "gen_unreadable.csv":
        if IS_ROOT:
            pytest.skip("root can read any file")
        p = _good_input(inp)
        p = p.rename(inp / case)
        p.chmod(0)
        return Setup([str(p)], out, case)
    if case == "gen_all_same_company.csv":
        p = inp / case
        rows = "".join(f"Person{i},Last{i},https://www.linkedin.com/in/p{i},,Acme,Engineer,15 Jan 2024\n"
                       for i in range(200))
        p.write_text(f"{CONN_HEADER}\n{rows}", encoding="utf-8")
        return Setup([str(p)], out, case, file=case)
    if case == "gen_non_utf8_file_name":
        folder = inp / "export"
        folder.mkdir()
        name = os.fsdecode(b"caf\xe9_ragged.csv")
        shutil.copyfile(BAD / "ragged.csv", folder / name)
        return Setup([str(folder)], out, "export", file="caf\\xe9_ragged.csv")
    if case == "gen_control_chars_file_name.csv":
        p = inp / "bad\nname\x1b[2J.csv"
        shutil.copyfile(BAD / "png_as_csv.csv", p)
        return Setup([str(p)], out, "bad\\x0aname\\x1b[2J.csv")
    if case == "gen_huge_field.csv":
        p = inp / case
        big = "B" * (8 * 1024 * 1024)
        p.write_text(f"{CONN_HEADER}\n{ADA}\nGrace,Hopper,https://www.linkedin.com/in/ghopper,,{big},Admiral,"
                     "01 Jan 2020\n", encoding="utf-8")
        return Setup([str(p)], out, case, file=case)
    if case == "gen_wide_10000_columns.csv":
        p = inp / case
        extra = ",".join(f"Extra Column {i:05d}" for i in range(10_000 - 7))
        cells = "," * (10_000 - 7)
        p.write_text(f"{CONN_HEADER},{extra}\n{ADA}{cells}\n", encoding="utf-8")
        return Setup([str(p)], out, case, file=case)
    if case == "gen_nul_after_8k.csv":
        p = inp / case
        rows = "".join(f"Person{i},Last{i},https://www.linkedin.com/in/p{i},,Co{i % 17},Pos,15 Jan 2024\n"
                       for i in range(200))
        p.write_bytes(f"{CONN_HEADER}\n{rows}".encode() + b"Nul,By\x00te,https://www.linkedin.com/in/nul,,Co,Pos,"
                      b"15 Jan 2024\n")
        assert p.stat().st_size > 8192
        return Setup([str(p)], out, case, file=case)
    # --out and --config problems, with a good input
    good = str(_good_input(inp))
    if case == "out_is_file":
        out.write_text("my notes\n")
        return Setup([good], out, out.name, before={"": out.read_bytes()})
    if case == "out_parent_is_file":
        (tmp / "afile").write_text("my notes\n")
        return Setup([good], tmp / "afile" / "r", "afile")
    if case == "out_not_report_folder":
        out.mkdir()
        (out / "thesis.docx").write_bytes(b"precious")
        (out / "sub").mkdir()
        (out / "sub" / "data.csv").write_bytes(b"a,b\n")
        return Setup([good], out, out.name, before=_snapshot(out))
    if case == "out_report_with_foreign_files":
        r = CliRunner().invoke(main, ["analyze", good, "--out", str(out), "--quiet", "--as-of", AS_OF])
        if r.exit_code != 0:
            pytest.skip(f"a first run is needed for this case and failed: {r.output.strip()[:200]}")
        (out / "my_notes.txt").write_text("call Ada\n")
        return Setup([good], out, out.name, before=_snapshot(out))
    if case.startswith(("out_old_marker", "out_damaged_marker", "out_marker_is")):
        r = CliRunner().invoke(main, ["analyze", good, "--out", str(out), "--quiet", "--as-of", AS_OF])
        if r.exit_code != 0:
            pytest.skip(f"a first run is needed for this case and failed: {r.output.strip()[:200]}")
        marker = out / ".reconnect-report"
        if case == "out_marker_is_a_folder":
            marker.unlink()
            marker.mkdir()
        else:
            marker.write_text("written by reconnect\n" if "old" in case else "[" * 100_000, encoding="utf-8")
        if case.endswith("user_files") or case == "out_marker_is_a_folder":
            (out / "thesis.docx").write_bytes(b"precious")
            (out / "charts" / "mine").mkdir()
            return Setup([good], out, out.name, before=_snapshot(out))
        (out / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
        return Setup([good], out, "", file="Connections.csv")
    if case == "out_readonly_parent":
        if IS_ROOT:
            pytest.skip("root can write into a read-only folder")
        ro = tmp / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        return Setup([good], ro / "r", "ro")
    if case == "out_non_utf8_name":
        return Setup([good], tmp / os.fsdecode(b"r\xe9port"), "", file="Connections.csv")
    if case == "config_invalid_toml":
        cfg = tmp / "bad_config.toml"
        cfg.write_text("[identity\nsame = [", encoding="utf-8")
        return Setup([good], out, cfg.name, extra=["--config", str(cfg)])
    if case in ("config_bad_identity_value", "config_bad_scoring_value"):
        cfg = tmp / f"{case}.toml"
        cfg.write_text('[identity]\nmerge_unique_names = "yes"\n' if "identity" in case
                       else '[scoring]\ndormant_after_days = "soon"\n', encoding="utf-8")
        return Setup([good], out, cfg.name, extra=["--config", str(cfg)])
    extreme = {
        "config_huge_days": "[scoring]\nsession_gap_days = 1000000000\n",
        "config_huge_rhythm": "[scoring]\nmin_rhythm_days = 1e300\nmax_rhythm_days = 1e300\n",
        "config_different_from_itself": '[identity]\ndifferent = [["a@example.com", "A@example.com"]]\n',
        "config_same_and_different": ('[identity]\nsame = [["a@example.com", "b@example.com", "c@example.com"]]\n'
                                      'different = [["b@example.com", "a@example.com"]]\n'),
    }
    if case in extreme:
        cfg = tmp / f"{case}.toml"
        cfg.write_text(extreme[case], encoding="utf-8")
        return Setup([good], out, cfg.name, extra=["--config", str(cfg)])
    if case == "previous_as_of_year_1":
        first = CliRunner().invoke(main, ["analyze", good, "--out", str(tmp / "prev"), "--quiet", "--as-of", AS_OF])
        assert first.exit_code == 0, first.output
        summary = json.loads((tmp / "prev" / "summary.json").read_text(encoding="utf-8"))
        (tmp / "prev" / "summary.json").write_text(json.dumps(summary | {"as_of": "0001-01-01"}), encoding="utf-8")
        return Setup([good], out, "prev", extra=["--previous", str(tmp / "prev")])
    if case == "config_missing":
        return Setup([good], out, "no_config.toml", extra=["--config", str(tmp / "no_config.toml")])
    raise AssertionError(f"no builder for {case}")


def _setup(case: str, tmp: Path) -> Setup:
    (tmp / "in").mkdir()
    if (BAD / case).exists():
        target = _copy_fixture(case, tmp / "in")
        return Setup([str(target)], tmp / "r", target.name, file=target.name)
    return _gen(case, tmp)


def _run(s: Setup) -> Result:
    args = ["analyze", *s.inputs, "--out", str(s.out), "--quiet", "--as-of", AS_OF, *s.extra]
    return CliRunner().invoke(main, args)


def _rejects(out: Path) -> list[dict[str, str]]:
    with open(out / "rejects.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _leftovers(out: Path) -> list[str]:
    """Temporary or backup folders the writer left beside --out."""
    parent = out.parent
    if not parent.is_dir():
        return []
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_corpus_has_enough_cases() -> None:
    assert len(CORPUS) >= 30
    committed = {p.name for p in BAD.iterdir() if p.name != "make_fixtures.py" and not p.name.startswith(".")}
    assert committed <= set(CORPUS), f"fixtures without an expected outcome: {sorted(committed - set(CORPUS))}"


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_bad_input(case: str, tmp_path: Path) -> None:
    expected = CORPUS[case]
    s = _setup(case, tmp_path)
    result = _run(s)
    output = result.output
    assert "Traceback" not in output, output
    if isinstance(expected, Err):
        assert result.exit_code == 1, f"exit {result.exit_code}: {output[-2000:]}"
        lines = output.strip().splitlines()
        assert len(lines) == 1, f"the error must be one line, got {len(lines)}:\n{output[:3000]}"
        msg = lines[0]
        assert s.names in msg, f"message does not name {s.names!r}: {msg}"
        assert expected.says.lower() in msg.lower(), f"expected {expected.says!r} in: {msg}"
        assert "internal error" not in msg
        assert len(msg) < 2000, f"message too long to read ({len(msg)} chars)"
        # a failed run writes nothing: no report, no temporary folder, and a previous --out is untouched
        if s.before is None:
            assert not s.out.exists() or not any(s.out.iterdir())
        elif s.before.keys() == {""}:
            assert s.out.read_bytes() == s.before[""]
        else:
            assert _snapshot(s.out) == s.before
        assert _leftovers(s.out) == []
    else:
        assert result.exit_code == 0, f"exit {result.exit_code}: {output[-3000:]}"
        assert output.strip() == "", f"--quiet run printed: {output[:2000]}"
        rejects = _rejects(s.out)
        got = sorted((Path(r["source_file"]).name, int(r["line"])) for r in rejects if r["line"])
        want = sorted((s.file, line) for line in expected.rejects)
        assert got == want, f"rejects.csv: {rejects}"
        assert all(r["reason"].strip() for r in rejects)
        assert len(rejects) == len(expected.rejects), f"rejects without a line: {rejects}"
        summary = json.loads((s.out / "summary.json").read_text(encoding="utf-8"))
        assert summary["totals"]["rejected"] == len(expected.rejects)
        for f in summary["files"]:
            assert f["read"] == f["used"] + f["rejected"] + f["ignored"], f
        if CHECK_REPORT.exists():
            check = subprocess.run([sys.executable, str(CHECK_REPORT), str(s.out)], capture_output=True, text=True,
                                   check=False)
            assert check.returncode == 0, check.stdout + check.stderr
        assert _leftovers(s.out) == []


# ---- details of some cases --------------------------------------------------------------------------------
def _analyze(tmp_path: Path, *inputs: Path) -> Path:
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["analyze", *map(str, inputs), "--out", str(out), "--quiet", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    return out


def _people(out: Path) -> list[dict[str, str]]:
    with open(out / "people.csv", encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["kind"] == "person"]


def test_rows_after_a_stray_quote_are_read(tmp_path: Path) -> None:
    out = _analyze(tmp_path, BAD / "stray_quote_middle.csv")
    assert sorted(p["name"] for p in _people(out)) == ["Ada Lovelace", "Alan Turing", "Charles Babbage"]


def test_cp1252_names_are_decoded(tmp_path: Path) -> None:
    out = _analyze(tmp_path, BAD / "cp1252_connections.csv")
    names = {p["name"] for p in _people(out)}
    assert "Siobhán O\u2019Brien" in names
    assert {p["company"] for p in _people(out)} == {"Café Ltd"}


def test_excel_resave_dates(tmp_path: Path) -> None:
    out = _analyze(tmp_path, BAD / "excel_resaved_connections.csv")
    by_name = {p["name"]: p for p in _people(out)}
    assert by_name["Ada Lovelace"]["connected_on"].startswith("2022-02-14")
    assert by_name["Charles Babbage"]["connected_on"].startswith("2022-02-04")
    assert by_name["Charles Babbage"]["company"] == "Engines, Ltd."


@pytest.mark.parametrize("name", ["utf16le_nobom_connections.csv", "utf16be_bom_connections.csv"])
def test_utf16_reads_the_same_people(tmp_path: Path, name: str) -> None:
    out = _analyze(tmp_path, BAD / name)
    assert sorted(p["name"] for p in _people(out)) == ["Ada Lovelace", "Charles Babbage"]


def test_control_characters_in_member_names_are_escaped(tmp_path: Path) -> None:
    out = _analyze(tmp_path, BAD / "control_chars_member.zip")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (f,) = summary["files"]
    assert "\x1b" not in f["file"] and "\n" not in f["file"] and "\r" not in f["file"]
    assert f["file"].endswith("Connections.csv")


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "empty.csv"), "--out", str(tmp_path / "r"),
                                       "--verbose", "--as-of", AS_OF])
    assert result.exit_code == 1
    from analyzer.errors import InputError

    assert isinstance(result.exception, InputError)


def test_one_bad_file_among_good_ones_names_it(tmp_path: Path) -> None:
    good = _good_input(tmp_path)
    bad = tmp_path / "png_as_csv.csv"
    shutil.copyfile(BAD / "png_as_csv.csv", bad)
    result = CliRunner().invoke(main, ["analyze", str(good), str(bad), "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "png_as_csv.csv" in result.output


def test_unsupported_files_in_a_folder_are_skipped_and_listed(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(BAD / "unsupported_only", folder)
    _good_input(folder)
    out = _analyze(tmp_path, folder)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    skipped = sorted(Path(s["file"]).name for s in summary["skipped_files"])
    assert skipped == ["addresses.csv", "empty.csv", "notes.txt", "photo.jpg"]
    assert [Path(f["file"]).name for f in summary["files"]] == ["Connections.csv"]


def test_an_outlook_data_file_says_how_to_export_its_mail(tmp_path: Path) -> None:
    # Outlook's own mailbox (.pst) in a folder was skipped as "not a supported format", with no word at the
    # terminal: the user's mail was left out without being told how to give it
    folder = tmp_path / "Outlook Files"
    folder.mkdir()
    _good_input(folder)
    (folder / "Outlook.pst").write_bytes(b"!BDN\x00\x00\x00\x00SM" + bytes(range(256)) * 8)
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["analyze", str(folder), "--out", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [(Path(s["file"]).name, s["reason"].split(":")[0]) for s in summary["skipped_files"]] == [
        ("Outlook.pst", "an Outlook data file (.pst or .ost), which reconnect does not read")]
    assert f"Not read: {folder / 'Outlook.pst'}: an Outlook data file" in result.output
    alone = CliRunner().invoke(main, ["analyze", str(folder / "Outlook.pst"), "--out", str(tmp_path / "r2")])
    assert alone.exit_code == 1
    assert "Outlook.pst: is an Outlook data file (.pst or .ost)" in alone.output and "Export its mail" in alone.output


def test_a_previous_report_inside_the_input_folder_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _good_input(folder)
    out1 = folder / "report"
    r1 = CliRunner().invoke(main, ["analyze", str(folder), "--out", str(out1), "--quiet", "--as-of", AS_OF])
    assert r1.exit_code == 0, r1.output
    r2 = CliRunner().invoke(main, ["analyze", str(folder), "--out", str(out1), "--quiet", "--as-of", AS_OF])
    assert r2.exit_code == 0, r2.output
    summary = json.loads((out1 / "summary.json").read_text(encoding="utf-8"))
    assert [Path(f["file"]).name for f in summary["files"]] == ["Connections.csv"]


def test_fifo_does_not_hang(tmp_path: Path) -> None:
    """A named pipe given as input must be refused, not opened (opening a FIFO blocks until a writer comes)."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(fifo), "--out", str(tmp_path / "r"),
                           "--quiet"], capture_output=True, text=True, timeout=60, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 1
    assert "pipe.csv" in proc.stderr and "Traceback" not in proc.stderr



# ---- the other commands report the same way --------------------------------------------------------------
@pytest.mark.parametrize("command", [["company", "Acme"], ["person", "Ada"]])
@pytest.mark.parametrize("fixture", ["empty.csv", "png_as_csv.csv", "truncated.zip", "truncated.tgz"])
def test_other_commands_one_line_errors(tmp_path: Path, command: list[str], fixture: str) -> None:
    p = tmp_path / fixture
    shutil.copyfile(BAD / fixture, p)
    result = CliRunner().invoke(main, [*command, str(p), "--quiet", "--as-of", AS_OF])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and fixture in lines[0] and "Traceback" not in result.output


def test_company_out_that_is_a_folder(tmp_path: Path) -> None:
    good = _good_input(tmp_path)
    (tmp_path / "list.csv").mkdir()
    result = CliRunner().invoke(main, ["company", "Analytical", str(good), "--out", str(tmp_path / "list.csv"),
                                       "--quiet", "--as-of", AS_OF])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "list.csv" in lines[0] and "Traceback" not in result.output


def test_sample_data_into_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = CliRunner().invoke(main, ["sample-data", str(tmp_path / "afile" / "samples")])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "afile" in lines[0] and "Traceback" not in result.output


# ---- line ends of classic Mac OS (Excel's "CSV (Macintosh)") ---------------------------------------------------
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize(("lf_name", "cr_name"), [
    ("contacts/ragged.csv", "contacts/ragged_cr_line_ends.csv"),
    ("contacts/vcard40.vcf", "contacts/vcard40_cr_line_ends.vcf"),
    ("linkedin/connections_preamble_url.csv", "linkedin/connections_cr_line_ends.csv"),
    ("mail/gmail_takeout.mbox", "mail/gmail_takeout_cr_line_ends.mbox"),
], ids=["contacts_csv", "vcard", "linkedin_connections", "mbox"])
def test_a_file_whose_lines_end_in_cr_alone_reads_as_with_lf(lf_name: str, cr_name: str, tmp_path: Path) -> None:
    from analyzer.ingest import ingest

    lf_path, cr_path = FIXTURES / lf_name, FIXTURES / cr_name
    assert b"\n" not in cr_path.read_bytes() and b"\r" in cr_path.read_bytes()
    lf, cr = ingest([lf_path]), ingest([cr_path])
    assert lf.records.height > 0
    assert [f.kind for f in cr.files] == [f.kind for f in lf.files]
    # the same records, messages and rejected rows (at the same lines), only the file named differently
    for table in ("records", "messages", "rejects"):
        assert getattr(cr, table).drop("source_file").equals(getattr(lf, table).drop("source_file")), table
    # also inside a LinkedIn archive
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Connections.csv", (FIXTURES / "linkedin/connections_cr_line_ends.csv").read_bytes())
    zipped = ingest([archive])
    plain = ingest([FIXTURES / "linkedin/connections_preamble_url.csv"])
    assert zipped.records.drop("source_file").equals(plain.records.drop("source_file"))


def test_one_stray_byte_leaves_the_other_names_in_utf8(tmp_path: Path) -> None:
    # the whole file was read as Windows-1252: "Jürgen Öz" became "JÃ¼rgen Ã–z" (and no longer matched his
    # Connections.csv row)
    out = _analyze(tmp_path, BAD / "one_latin1_byte_messages.csv")
    assert sorted(p["name"] for p in _people(out)) == ["Ada Lovelace", "Jürgen Öz"]


def test_a_nul_byte_in_a_cell_loses_no_row(tmp_path: Path) -> None:
    out = _analyze(tmp_path, BAD / "nul_in_a_cell_messages.csv")
    assert sorted(p["name"] for p in _people(out)) == ["Ada Lovelace", "Alan Turing"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"read": 2, "used": 2, "rejected": 0, "ignored": 0}


def test_rows_swallowed_by_an_open_quote_are_read_again(tmp_path: Path) -> None:
    out = _analyze(tmp_path, BAD / "quote_swallows_whole_rows.csv")
    # rows 3 and 5 were lines of the cells of rows 2 and 4 (whose quotes never closed): read, not lost
    assert sorted(p["name"] for p in _people(out)) == ["Ada Lovelace", "Alan Turing"]
    (tmp_path / "next").mkdir()
    out = _analyze(tmp_path / "next", BAD / "quote_closed_in_the_next_row.csv")
    assert sorted(p["name"] for p in _people(out)) == ["Ada Lovelace", "Charles Babbage"]


def test_body_lines_of_a_broken_mail_csv_row_are_not_messages(tmp_path: Path) -> None:
    out = _analyze(tmp_path, BAD / "outlook_mail_short_row.csv")
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".html", ".json"):
            text = path.read_text(encoding="utf-8")
            assert "SECRET" not in text and "bye@example.net" not in text, path.name
    assert sorted(p["name"] for p in _people(out)) == ["Ann Lee", "Pat Owner"]  # (no owner in an Inbox CSV)


def _linkedin_zip(path: Path, messages: bytes) -> Path:
    conn = f"{CONN_HEADER}\n{ADA}\n".encode()
    return write_zip(path, {"Connections.csv": conn, "messages.csv": messages})


@pytest.mark.parametrize(("content", "says"), [
    (b"\x00\x01\x02\x03PK binary" * 40, "is named as LinkedIn's messages.csv"),
    (b"FROM,TO,DATE,CONTENT\nAda,Pat,2024-01-01,hi\n", "is named as LinkedIn's messages.csv"),
])
def test_an_unreadable_messages_csv_in_a_linkedin_archive_stops_the_run(tmp_path: Path, content: bytes,
                                                                       says: str) -> None:
    # it was skipped (listed in summary.json only) and the run went on without any message, with exit code 0
    (tmp_path / "in").mkdir()
    archive = _linkedin_zip(tmp_path / "in" / "export.zip", content)
    result = CliRunner().invoke(main, ["analyze", str(archive), "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "export.zip!messages.csv" in lines[0] and says in lines[0], result.output
    assert not (tmp_path / "r").exists()


def test_a_messages_csv_of_another_program_beside_no_linkedin_file_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    (folder / "phone").mkdir(parents=True)
    (folder / "phone" / "messages.csv").write_bytes(b"number,text,sent\n+15550100,hello,2024-01-01\n")
    # (Events.csv is also the name of a LinkedIn file that is recognised by its name alone: no evidence)
    (folder / "phone" / "Events.csv").write_bytes(b"title,when\nDentist,2024-01-02\n")
    shutil.copy(BAD / "connections_reordered_columns.csv", folder / "Connections.csv")
    out = _analyze(tmp_path, folder)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [(Path(s["file"]).name, s["reason"]) for s in summary["skipped_files"]] == [
        ("messages.csv", "not a supported format")]
    assert [p["name"] for p in _people(out)] == ["Ada Lovelace"]


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_an_as_of_outside_the_years_of_the_dates_is_a_usage_error(tmp_path: Path, as_of: str) -> None:
    # it was "internal error (OverflowError: date value out of range)"
    result = CliRunner().invoke(main, ["analyze", str(BAD / "ragged.csv"), "--out", str(tmp_path / "r"), "--quiet",
                                       "--as-of", as_of])
    assert result.exit_code == 2 and "outside the years" in result.output, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


@pytest.mark.parametrize("command", ["company", "person"])
@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_is_a_usage_error(command: str, query: str) -> None:
    # it ran the whole analysis, then said "No one found" with exit code 0
    result = CliRunner().invoke(main, [command, query, str(BAD / "ragged.csv")])
    assert result.exit_code == 2 and "is empty" in result.output, result.output


def _mbox_message(i: int, nl: str) -> str:
    """Message ``i`` of a mailbox, its lines ended by ``nl``."""
    return nl.join([f"From a{i}@example.com Mon Jan  1 10:00:00 2024", f"From: A{i} <a{i}@example.com>",
                    "To: pat@example.org", f"Date: Mon, 1 Jan 2024 10:00:{i % 60:02d} +0000",
                    f"Message-ID: <m{i}@example.com>", "", "body " * 60, ""]) + nl


def test_every_message_of_a_mailbox_with_mixed_line_ends_is_read(tmp_path: Path) -> None:
    # the line ends are guessed from the first 64 KiB: lines ending in CR alone after them were read as one
    # line of the message before, and the messages they held were lost without a word
    out = _analyze(tmp_path, BAD / "mbox_mixed_line_ends.mbox")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"read": 6, "used": 6, "rejected": 0, "ignored": 0}
    big = tmp_path / "in" / "joined.mbox"
    big.parent.mkdir()
    big.write_bytes(("".join(_mbox_message(i, "\n") for i in range(300)) + "".join(_mbox_message(i, "\r") for i in range(300, 310)))
                    .encode())
    assert big.stat().st_size > 65536
    (tmp_path / "big").mkdir()
    out = _analyze(tmp_path / "big", big)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["read"] == 310 and summary["totals"]["used"] == 310


@pytest.mark.parametrize("rest", ["\r\n", "\n"])
def test_a_mailbox_in_cr_alone_then_crlf_reads_every_message(rest: str, tmp_path: Path) -> None:
    # its first 64 KiB end their lines in CR alone, so every CR was read as an LF, byte for byte: the CRLF
    # messages after them had a blank line after each line, their headers ended at the first line (no sender,
    # no date) and they were rejected
    box = tmp_path / "in" / "joined.mbox"
    box.parent.mkdir()
    box.write_bytes(("".join(_mbox_message(i, "\r") for i in range(300)) + "".join(_mbox_message(i, rest) for i in range(300, 310)))
                    .encode())
    assert b"\n" not in box.read_bytes()[:65536]
    (tmp_path / "out").mkdir()
    out = _analyze(tmp_path / "out", box)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"read": 310, "used": 310, "rejected": 0, "ignored": 0}


def test_cr_as_lf_reads_a_crlf_split_across_reads_as_one_line_end() -> None:
    from analyzer.ingest.inputs import _CrAsLf

    class Pieces(io.RawIOBase):  # hands out its pieces one read at a time
        def __init__(self, pieces: list[bytes]) -> None:
            self.pieces = pieces

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            if not self.pieces:
                return 0
            piece = self.pieces.pop(0)
            memoryview(b).cast("B")[:len(piece)] = piece
            return len(piece)

    stream = io.BufferedReader(_CrAsLf(Pieces([b"a\rb\r", b"\n", b"\nc\r\nd\r", b"\ne"])))  # type: ignore[arg-type]
    assert stream.read() == b"a\nb\n\nc\nd\ne"


def test_a_query_with_an_escape_sequence_is_shown_escaped(tmp_path: Path) -> None:
    # `company` printed "No one found at ^[[2Jfoo" with the escape itself (and `--out` names likewise)
    result = CliRunner().invoke(main, ["company", "\x1b[2Jfoo\x9b31m", str(BAD / "ragged.csv")])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x9b" not in result.output and "foo" in result.output
    out = tmp_path / "r\x1b[31m"
    result = CliRunner().invoke(main, ["analyze", str(BAD / "ragged.csv"), "--out", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "Wrote" in result.output


# ---- archives and discovery (a hostile-input helper's findings) --------------------------------------------------

def _lying_zip(path: Path, declared: int, real_lines: int) -> Path:
    """A zip whose one member, messages.csv, says ``declared`` bytes and inflates to far more."""
    import struct

    header = b"CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT\n"
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = c.compress(header) + c.compress(b",,,,,,,\n" * real_lines) + c.flush()
    name = b"messages.csv"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\3\4", 20, 0, 8, 0, 0, 0, len(data), declared, len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\1\2", 20, 20, 0, 8, 0, 0, 0, len(data), declared, len(name),
                          0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)
    return path


def test_a_zip_member_larger_than_its_header_says_is_never_inflated_whole(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # a 6 MB zip whose header says 3 MiB for 3 GB of text took 6.4 GB of memory before "Bad CRC-32": the member
    # was inflated in one call, which stops only at the end of the stream
    from analyzer.ingest import inputs

    lying = _lying_zip(tmp_path / "lie.zip", declared=2 << 20, real_lines=4_000_000)  # 32 MB of text
    packed = lying.read_bytes()[42:-100]
    assert inputs._inflates_to(zlib.compress(b"abc")[2:-4], 3) and not inputs._inflates_to(packed, 2 << 20)

    def refuse(*args: Any) -> bytes:
        raise AssertionError("inflated in one call")

    monkeypatch.setattr(inputs.zlib, "decompress", refuse)
    result = CliRunner().invoke(main, ["analyze", str(lying), "--out", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 1 and "lie.zip!messages.csv" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_zip_is_opened_once_for_all_its_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # each open of a member read the archive's whole table of contents again: a Takeout zip with 5,000 photos'
    # members took 381 s (now about 4 s)
    from analyzer.ingest import inputs

    archive = tmp_path / "takeout.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(300):
            zf.writestr(f"Takeout/Google Photos/IMG_{i}.jpg.json", '{"title": "x"}')
        zf.write(BAD / "mbox_mixed_line_ends.mbox", "Takeout/Mail/All mail.mbox")
    opened: list[str] = []

    class Counted(zipfile.ZipFile):
        def __init__(self, file: Any, *args: Any, **kwargs: Any) -> None:
            opened.append(str(file))
            super().__init__(file, *args, **kwargs)

    monkeypatch.setattr(inputs.zipfile, "ZipFile", Counted)
    out = _analyze(tmp_path, archive)
    assert opened == [str(archive)]
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"]["used"] == 6


def test_the_same_input_twice_is_read_once(tmp_path: Path) -> None:
    # "archive contains no files. Download the export again" (and "folder contains no files" for a folder
    # given with one of its sub-folders): every file of the second was found already
    zipped = _zip_with_conn(tmp_path / "export.zip")
    for sub in "abc":
        (tmp_path / sub).mkdir()
    once = json.loads((_analyze(tmp_path / "a", zipped) / "summary.json").read_text(encoding="utf-8"))["totals"]
    twice = json.loads((_analyze(tmp_path / "b", zipped, zipped) / "summary.json").read_text(encoding="utf-8"))
    assert twice["totals"] == once
    folder = tmp_path / "exports"
    (folder / "mail").mkdir(parents=True)
    shutil.copy(BAD / "mbox_mixed_line_ends.mbox", folder / "mail" / "box.mbox")
    shutil.copy(zipped, folder / "export.zip")
    _analyze(tmp_path / "c", folder, folder / "mail")


def test_a_linked_folder_is_read_and_a_loop_is_not_followed(tmp_path: Path) -> None:
    # the messages in a linked folder were left out without a word
    real = tmp_path / "elsewhere" / "Mail"
    real.mkdir(parents=True)
    shutil.copy(BAD / "mbox_mixed_line_ends.mbox", real / "box.mbox")
    exports = tmp_path / "exports"
    exports.mkdir()
    _zip_with_conn(exports / "export.zip")
    (exports / "Mail").symlink_to(real)
    (exports / "again").symlink_to(exports)
    summary = json.loads((_analyze(tmp_path, exports) / "summary.json").read_text(encoding="utf-8"))
    assert sorted(Path(f["file"]).name for f in summary["files"]) == ["box.mbox", "export.zip!Connections.csv"]
    assert [(Path(s["file"]).name, s["reason"]) for s in summary["skipped_files"]] == [
        ("again", "a link to a folder read already")]


def test_links_to_missing_files_loops_and_pipes_in_a_folder_are_named(tmp_path: Path) -> None:
    # a link to a mailbox on a disk not mounted, a link loop and a pipe were left out without a word
    exports = tmp_path / "exports"
    exports.mkdir()
    _good_input(exports)
    (exports / "All mail.mbox").symlink_to(tmp_path / "usb" / "All mail.mbox")
    (exports / "loop1").symlink_to(exports / "loop2")
    (exports / "loop2").symlink_to(exports / "loop1")
    os.mkfifo(exports / "pipe.mbox")
    (exports / "lock").symlink_to("127.0.1.1:+4242")  # a running Thunderbird's profile lock: listed, no word
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["analyze", str(exports), "--out", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    loop = f"cannot be read ({os.strerror(errno.ELOOP)})"
    assert [(Path(s["file"]).name, s["reason"]) for s in summary["skipped_files"]] == [
        ("All mail.mbox", "a link to a file that is missing"), ("lock", "a mail program's profile lock"),
        ("loop1", loop), ("loop2", loop), ("pipe.mbox", "not a regular file (a pipe, socket or device)")]
    assert "profile lock" not in result.output
    assert f"Not read: {exports / 'All mail.mbox'}: a link to a file that is missing" in result.output
    assert [p["name"] for p in _people(out)] == ["Ada Lovelace"]


def test_a_name_a_zip_holds_twice_is_read_in_its_last_copy_and_the_first_is_listed(tmp_path: Path) -> None:
    # the first copy's rows were lost without a word
    archive = tmp_path / "dup.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (zipfile warns of the duplicate name)
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("Connections.csv", f"{CONN_HEADER}\n{ADA}\n")
            zf.writestr("Connections.csv", f"{CONN_HEADER}\nAl,Turing,https://www.linkedin.com/in/al,,Bletchley,"
                        "Cryptanalyst,15 Jan 2024\n")
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["analyze", str(archive), "--out", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "Not read: " + str(archive) + "!Connections.csv: an earlier copy of a name" in result.output
    assert [p["name"] for p in _people(out)] == ["Al Turing"]


def test_an_archive_inside_an_archive_alone_says_so(tmp_path: Path) -> None:
    inner = _zip_with_conn(tmp_path / "inner.zip")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "inner.zip")
    result = CliRunner().invoke(main, ["analyze", str(outer), "--out", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 1 and "an archive inside an archive: extract the outer one" in result.output
