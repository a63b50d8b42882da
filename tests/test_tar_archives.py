"""Tar archives as inputs: Google Takeout's ``.tgz`` export (and plain, bzip2 and xz tars), read like the folder
they hold; compressed files that are not archives, and archives inside archives, named as such.

``fixtures/mail/takeout_mail.tgz`` was written by GNU tar and gzip, in Takeout's layout::

    Takeout/archive_browser.html
    Takeout/Contacts/My Contacts/My Contacts.vcf          (= fixtures/contacts/vcard40.vcf)
    Takeout/Mail/All mail Including Spam and Trash.mbox   (= fixtures/mail/gmail_takeout.mbox)

    tar --sort=name --mtime='2026-11-30 10:00:00Z' --owner=0 --group=0 --numeric-owner -cf - Takeout | gzip -n -9

``fixtures/bad/truncated.tgz`` is its first 900 bytes (a download cut short).
"""

from __future__ import annotations

import io
import shutil
import tarfile
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.ingest import ingest
from analyzer.ingest import inputs as inputs_module
from analyzer.ingest.inputs import discover
from tests.conftest import FIXTURES
from tests.zipcraft import write_zip

TAKEOUT_TGZ = FIXTURES / "mail" / "takeout_mail.tgz"
MBOX = FIXTURES / "mail" / "gmail_takeout.mbox"
VCARD = FIXTURES / "contacts" / "vcard40.vcf"


def _without_source(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop([c for c in ("source_file", "record_id", "sender_id", "recipient_ids") if c in frame.columns])


def _write_tar(path: Path, members: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_takeout_tgz_reads_like_the_files_it_holds() -> None:
    from_tar = ingest([str(TAKEOUT_TGZ)])
    from_files = ingest([str(VCARD), str(MBOX)])
    assert [r.source_file for r in from_tar.files] == [
        f"{TAKEOUT_TGZ}!Takeout/Contacts/My Contacts/My Contacts.vcf",
        f"{TAKEOUT_TGZ}!Takeout/Mail/All mail Including Spam and Trash.mbox",
    ]
    assert [r.kind for r in from_tar.files] == ["contacts.vcard", "mail.mbox"]
    assert [(r.read, r.used, r.rejected) for r in from_tar.files] == \
        [(r.read, r.used, r.rejected) for r in from_files.files]
    assert from_tar.records.height == from_files.records.height > 0
    assert from_tar.messages.height == from_files.messages.height > 0
    assert _without_source(from_tar.records).equals(_without_source(from_files.records))
    assert _without_source(from_tar.messages).equals(_without_source(from_files.messages))
    # the HTML page Takeout adds is not a format: skipped, not an error
    assert from_tar.skipped == [(f"{TAKEOUT_TGZ}!Takeout/archive_browser.html", "not a supported format")]


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"], ids=["plain", "gzip", "bzip2", "xz"])
def test_every_tar_compression_is_read(tmp_path: Path, mode: str) -> None:
    mbox = FIXTURES / "mail" / "crlf.mbox"
    tar = _write_tar(tmp_path / "export.tar", {"mail/inbox.mbox": mbox.read_bytes(), "vcards/me.vcf": VCARD.read_bytes()},
                     mode)
    got = ingest([str(tar)])
    direct = ingest([str(mbox), str(VCARD)])
    assert [r.kind for r in got.files] == ["mail.mbox", "contacts.vcard"]
    assert _without_source(got.messages).equals(_without_source(direct.messages))
    assert _without_source(got.records).sort("role", "name").equals(_without_source(direct.records).sort("role", "name"))


def test_a_tgz_inside_a_folder_is_searched(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copyfile(TAKEOUT_TGZ, folder / "takeout-20261130T100000Z-001.tgz")
    found = discover([folder])
    assert [f.name for f in found.files] == ["My Contacts.vcf", "All mail Including Spam and Trash.mbox",
                                             "archive_browser.html"]
    assert all(f.member is not None for f in found.files)


def test_only_regular_members_are_read_and_nothing_is_extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tar = tmp_path / "hostile.tgz"
    with tarfile.open(tar, "w:gz") as tf:
        for name, kind in (("../../evil.mbox", tarfile.REGTYPE), ("link.mbox", tarfile.SYMTYPE),
                           ("hard.mbox", tarfile.LNKTYPE), ("folder", tarfile.DIRTYPE), ("fifo", tarfile.FIFOTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            data = MBOX.read_bytes() if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = "/etc/passwd"
            tf.addfile(info, io.BytesIO(data))
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    found = discover([tar])
    assert [(f.display, f.member) for f in found.files] == [(f"{tar}!../../evil.mbox", "../../evil.mbox")]
    got = ingest([str(tar)])
    assert got.messages.height == ingest([str(MBOX)]).messages.height > 0
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_truncated_tgz_is_a_one_line_error() -> None:
    result = CliRunner().invoke(main, ["analyze", str(FIXTURES / "bad" / "truncated.tgz"), "--out", "unused", "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "truncated.tgz: not a readable tar archive" in lines[0]
    assert "download the archive again" in lines[0]


def test_a_tar_bomb_is_refused_at_its_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs_module, "ARCHIVE_RATIO_FLOOR", 1 << 20)
    bomb = _write_tar(tmp_path / "bomb.tgz", {"a.mbox": b"\0" * (4 << 20)})
    assert bomb.stat().st_size < 20_000  # 4 MiB of zeros: a ratio over 200
    with pytest.raises(InputError, match=r"absurd uncompressed size .*a tar bomb"):
        discover([bomb])
    monkeypatch.setattr(inputs_module, "MAX_MEMBER_BYTES", 1 << 20)
    monkeypatch.setattr(inputs_module, "ARCHIVE_RATIO_FLOOR", 64 << 20)
    with pytest.raises(InputError, match=r"bomb.tgz!a.mbox: archive member has an absurd uncompressed size"):
        discover([bomb])


def test_a_compressed_mailbox_is_named_not_guessed(tmp_path: Path) -> None:
    import gzip

    gz = tmp_path / "mail.mbox.gz"
    gz.write_bytes(gzip.compress(MBOX.read_bytes()))
    result = CliRunner().invoke(main, ["analyze", str(gz), "--out", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {gz}: is a compressed file, not an archive reconnect reads. "
                                     "Decompress it (gunzip, bunzip2 or unxz) and pass the file it holds")
    # in a folder it is skipped with that reason, said at the terminal (and in summary.json)
    shutil.copyfile(VCARD, tmp_path / "contacts.vcf")
    result = CliRunner().invoke(main, ["analyze", str(tmp_path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert f"Not read: {gz}: a compressed file: decompress it" in result.output


def test_an_archive_inside_an_archive_is_named(tmp_path: Path) -> None:
    inner = write_zip(tmp_path / "inner.zip", {"Connections.csv": b"First Name,Last Name\n"})
    tar = _write_tar(tmp_path / "outer.tgz", {"linkedin/export.zip": inner.read_bytes(), "mail/a.mbox": MBOX.read_bytes()})
    got = ingest([str(tar)])
    assert got.skipped == [(f"{tar}!linkedin/export.zip",
                            "an archive inside an archive: extract the outer one and pass its folder")]
    assert got.messages.height > 0


@pytest.mark.parametrize("damage", ["bad_header", "cut_in_header"])
def test_a_damaged_header_after_the_first_is_an_error_not_a_silent_end(tmp_path: Path, damage: str) -> None:
    """tarfile ends a listing quietly at a header it cannot read unless it is the first: the members after it
    would be lost without a word."""
    data = bytearray(_write_tar(tmp_path / "ok.tar", {"a/contacts.vcf": VCARD.read_bytes(),
                                                      "b/mail.mbox": MBOX.read_bytes()}, "w").read_bytes())
    second = 512 + -(-len(VCARD.read_bytes()) // 512) * 512  # where the second header starts
    assert data[second: second + 10] == b"b/mail.mbo"
    if damage == "bad_header":
        data[second + 148: second + 156] = b"0000000\0"  # a wrong header checksum
    else:
        del data[second + 300:]
    tar = tmp_path / "damaged.tar"
    tar.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged.tar: not a readable tar archive \(damaged after a/contacts.vcf"):
        discover([tar])
    assert len(discover([tmp_path / "ok.tar"]).files) == 2


def test_a_compressed_archive_is_read_through_a_fixed_number_of_times(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A .tgz cannot be entered in the middle: sniffing each member on its own would decompress the archive up to
    it again, for every member (a Takeout of Drive files and mail). Listing, sniffing every member, then reading
    the one mailbox: three opens of the archive, whatever the number of members."""
    members = {f"Takeout/Drive/doc{i:03d}.json": b'{"title": "' + b"x" * 5000 + b'"}' for i in range(60)}
    members["Takeout/Mail/All mail Including Spam and Trash.mbox"] = MBOX.read_bytes()
    tar = _write_tar(tmp_path / "takeout.tgz", members)
    opened: list[str] = []
    real_open = tarfile.open

    def counting_open(*args: object, **kwargs: object) -> tarfile.TarFile:
        opened.append(str(args[0]))
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(inputs_module.tarfile, "open", counting_open)
    got = ingest([str(tar)])
    assert got.messages.height == ingest([str(MBOX)]).messages.height > 0
    assert len(got.skipped) == 60
    assert opened == [str(tar)] * 4  # (the first: is it a tar at all?)


def test_a_member_with_cr_line_ends_reads_like_the_file(tmp_path: Path) -> None:
    cr_csv = FIXTURES / "contacts" / "ragged_cr_line_ends.csv"
    tar = _write_tar(tmp_path / "contacts.tgz", {"contacts/ragged.csv": cr_csv.read_bytes()})
    got, direct = ingest([str(tar)]), ingest([str(cr_csv)])
    assert got.records.height == direct.records.height > 0
    assert _without_source(got.records).equals(_without_source(direct.records))
    assert got.rejects.get_column("line").to_list() == direct.rejects.get_column("line").to_list() != []


def test_a_large_mailbox_member_is_not_taken_for_a_bomb(tmp_path: Path) -> None:
    """A 6 GiB mailbox in a Takeout archive is a real export (Gmail gives 15 GB free): the former 4 GiB bound
    refused it as a bomb. Its header declares 6 GiB, and the (sparse) file holds them and the end blocks."""
    info = tarfile.TarInfo("Takeout/Mail/All mail Including Spam and Trash.mbox")
    info.size = 6 * 1024**3
    tar = tmp_path / "takeout.tar"
    with open(tar, "wb") as fh:
        fh.write(info.tobuf(tarfile.GNU_FORMAT))
        fh.write(b"From 1@xxx Mon Jan 01 00:00:00 +0000 2024\nFrom: a@example.com\n\nhi\n")
        fh.truncate(512 + 6 * 1024**3 + 1024)
    found = discover([tar])
    assert [(f.name, f.size) for f in found.files] == [("All mail Including Spam and Trash.mbox", 6 * 1024**3)]


def test_bytes_after_the_end_of_a_tgz_are_ignored_as_gzip_does(tmp_path: Path) -> None:
    padded = tmp_path / "takeout.tgz"
    padded.write_bytes(TAKEOUT_TGZ.read_bytes() + b"garbage a download manager appended")
    assert ingest([str(padded)]).messages.height == ingest([str(MBOX)]).messages.height > 0


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT], ids=["gnu-longlink", "pax"])
def test_long_and_non_ascii_member_names(tmp_path: Path, fmt: int) -> None:
    name = "Takeout/Mail/" + "Überlange Ordnernamen " * 6 + "/Alle E-Mails einschließlich Spam und Papierkorb.mbox"
    assert len(name.encode()) > 100  # past the 100 bytes of a plain tar header's name field
    tar = tmp_path / "takeout.tgz"
    with tarfile.open(tar, "w:gz", format=fmt) as tf:
        info = tarfile.TarInfo(name)
        info.size = MBOX.stat().st_size
        tf.addfile(info, io.BytesIO(MBOX.read_bytes()))
    got = ingest([str(tar)])
    assert [r.source_file for r in got.files] == [f"{tar}!{name}"]
    assert got.messages.height == ingest([str(MBOX)]).messages.height > 0


@pytest.mark.parametrize("magic", [b"7z\xbc\xaf\x27\x1c\x00\x04", b"Rar!\x1a\x07\x01\x00"], ids=["7z", "rar"])
def test_a_7z_or_rar_archive_is_named_with_what_to_do(tmp_path: Path, magic: bytes) -> None:
    archive = tmp_path / "Complete_LinkedInDataExport.7z"
    archive.write_bytes(magic + bytes(range(256)) * 4)
    result = CliRunner().invoke(main, ["analyze", str(archive), "--out", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {archive}: is a 7-Zip or RAR archive, which reconnect does not open. "
                                     "Extract it and pass the folder it holds")
    shutil.copyfile(VCARD, tmp_path / "contacts.vcf")
    got = ingest([str(tmp_path)])
    assert got.skipped == [(str(archive), "a 7-Zip or RAR archive, which reconnect does not open: extract it and "
                                          "pass its folder")]


@pytest.mark.parametrize("kind", ["tgz", "zip"])
def test_an_archive_of_too_many_files_is_refused_while_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               kind: str) -> None:
    """A million empty members compress to a few MB: each would be listed, sniffed and reported."""
    monkeypatch.setattr(inputs_module, "MAX_MEMBERS", 50)
    members = {f"f{i:04d}.txt": b"" for i in range(51)}
    archive = _write_tar(tmp_path / "many.tgz", members) if kind == "tgz" else write_zip(tmp_path / "many.zip", members)
    with pytest.raises(InputError, match=r"many\.(tgz|zip): archive holds more than 50 files: not a data export"):
        discover([archive])
    members.popitem()
    archive = _write_tar(tmp_path / "ok.tgz", members) if kind == "tgz" else write_zip(tmp_path / "ok.zip", members)
    assert len(discover([archive]).files) == 50


def test_a_tgz_is_listed_once_for_the_progress_bar_and_the_run(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress bar's total and the run each discover the inputs; listing a .tgz reads it all through."""
    tar = tmp_path / "takeout.tgz"
    shutil.copyfile(TAKEOUT_TGZ, tar)
    listed: list[Path] = []
    real_list = inputs_module._list_tar

    def counting_list(path: Path, display: str, packed: int) -> list[tarfile.TarInfo]:
        listed.append(path)
        return real_list(path, display, packed)

    monkeypatch.setattr(inputs_module, "_list_tar", counting_list)
    first, second = discover([tar]), discover([tar])
    assert [f.display for f in first.files] == [f.display for f in second.files] != []
    assert listed == [tar]
    tar.write_bytes(tar.read_bytes() + b"\0" * 1024)  # changed: listed again
    discover([tar])
    assert listed == [tar, tar]


def test_the_terminal_says_what_happens_while_archives_are_listed(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the progress bar can have its total, a .tgz is read through to be listed (a minute for a large
    Takeout): a status line says so meanwhile; the bar then counts the bytes the run reads."""
    from rich.console import Console

    from analyzer import cli

    tar = tmp_path / "takeout.tgz"
    shutil.copyfile(TAKEOUT_TGZ, tar)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    seen: list[str] = []
    real_discover = inputs_module.discover

    def watching_discover(paths: list[str]) -> object:
        end = time.monotonic() + 5  # (the status is drawn by its own thread, a few times a second)
        while "finding" not in screen.getvalue() and time.monotonic() < end:
            time.sleep(0.02)
        seen.append(screen.getvalue())  # what the terminal shows while the inputs are listed
        return real_discover(paths)

    monkeypatch.setattr(cli, "_stderr_console", lambda: console)
    monkeypatch.setattr(inputs_module, "discover", watching_discover)
    with cli._progress((str(tar),), True) as advance:
        assert advance is not None
        advance(100)
    assert len(seen) == 1 and "finding the files to read (archives are listed)" in seen[0]
    total = sum(f.size for f in real_discover([tar]).files)
    assert f"/{total / 1000:.1f} kB" in screen.getvalue() or f"/{total} bytes" in screen.getvalue()
