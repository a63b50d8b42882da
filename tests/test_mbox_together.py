"""Small mailboxes read together (``parse_mbox_files``, used by ingest for every mbox up to 8 MB) give each file
exactly what it gives read alone: the same records, messages, rejects, counts, notes and errors. An Apple Mail
or Thunderbird export of 1,000 small mailboxes took 82 s read one by one (about 150 polars queries each)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import analyzer.ingest as ingest_module
from analyzer.errors import InputError
from analyzer.ingest import ingest
from analyzer.ingest.collect import FileCollector, FileReport
from analyzer.ingest.inputs import InputFile, discover
from analyzer.ingest.mail.mbox import parse_mbox, parse_mbox_files
from tests.conftest import FIXTURES, REAL_SAMPLES

MAIL = FIXTURES / "mail"

# Every mbox the tests have (Gmail with labels and chats, Thunderbird with deleted flags, Apple Mail's folder,
# CR and CRLF line ends, missing dates, signatures of every kind, no valid message, truncated), plus copies
# named as the folders whose messages are read as the owner's (Sent) or only counted (Spam, Trash, Drafts).
_MBOXES = sorted(
    p for p in [*MAIL.glob("*.mbox"), *MAIL.glob("**/mbox"), *(FIXTURES / "bad").glob("mbox_*.mbox"),
                *(FIXTURES / "followup").glob("**/*.mbox"), *REAL_SAMPLES.glob("mbox/*.mbox")]
    if p.is_file())
_AS_FOLDERS = {"Sent.mbox": MAIL / "gmail_takeout.mbox", "Spam.mbox": MAIL / "thunderbird_from_dash.mbox",
               "Trash.mbox": MAIL / "overlap.mbox", "Drafts.mbox": MAIL / "missing_date.mbox"}


def _files(tmp_path: Path) -> list[InputFile]:
    folder = tmp_path / "mail"
    folder.mkdir()
    for i, p in enumerate(_MBOXES):
        shutil.copyfile(p, folder / f"{i:02d}_{p.parent.name}_{p.name}")
    for name, p in _AS_FOLDERS.items():
        shutil.copyfile(p, folder / name)
    files = discover([str(folder)]).files
    assert len(files) == len(_MBOXES) + len(_AS_FOLDERS) >= 28
    return files


def _outcome(out: FileCollector, error: InputError | None) -> tuple[object, ...]:
    if error is not None:
        return ("error", str(error))
    rec, msg, rej = out.frames(0)
    return (rec.to_dicts(), msg.to_dicts(), rej.to_dicts(), _report_tuple(out.report))


def _report_tuple(r: FileReport) -> tuple[object, ...]:
    return (r.source_file, r.used, r.rejected, r.ignored, dict(r.ignored_reasons), dict(r.rejected_reasons),
            r.notes)


def _alone(f: InputFile) -> tuple[object, ...]:
    out = FileCollector(f.display, "mail.mbox")
    try:
        parse_mbox(f, out)
    except InputError as exc:
        return _outcome(out, exc)
    return _outcome(out, None)


def test_read_together_each_file_as_alone(tmp_path: Path) -> None:
    files = _files(tmp_path)
    alone = [_alone(f) for f in files]
    outs = [FileCollector(f.display, "mail.mbox") for f in files]
    errors = parse_mbox_files(list(zip(files, outs, strict=True)))
    together = [_outcome(out, error) for out, error in zip(outs, errors, strict=True)]
    for f, a, t in zip(files, alone, together, strict=True):
        assert t == a, f.display
    # the cases are there: errors, ignored folders, the owner's Sent folder, rejects and notes
    assert sum(a[0] == "error" for a in alone) >= 3
    reports = [a[3] for a in alone if a[0] != "error"]
    assert any("folder named as Sent: every sender is taken as the owner" in r[6] for r in reports)  # type: ignore[operator, index]
    assert any(r[4] for r in reports)  # type: ignore[index]   (ignored: labels, deleted flags, folders)
    assert any(r[2] for r in reports)  # type: ignore[index]   (rejected rows)


def test_records_of_a_person_in_two_files_stay_two(tmp_path: Path) -> None:
    """The same sender in two mailboxes read together: a record in each file (as read one by one), each file's
    messages pointing to its own record."""
    for name in ("a.mbox", "b.mbox"):
        shutil.copyfile(MAIL / "gmail_takeout.mbox", tmp_path / name)
    files = discover([str(tmp_path)]).files
    outs = [FileCollector(f.display, "mail.mbox") for f in files]
    assert parse_mbox_files(list(zip(files, outs, strict=True))) == [None, None]
    (rec_a, msg_a, _), (rec_b, msg_b, _) = outs[0].frames(0), outs[1].frames(100)
    assert rec_a.drop("record_id", "source_file").equals(rec_b.drop("record_id", "source_file"))
    assert rec_b.get_column("record_id").min() == 100
    assert msg_b.get_column("sender_id").is_in(rec_b.get_column("record_id").implode()).all()
    assert msg_a.get_column("sender_id").max() < 100


def test_ingest_of_many_small_mailboxes_equals_reading_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(tmp_path)
    good = [f.path for f in files if _alone(f)[0] != "error"]
    together = ingest(good)
    monkeypatch.setattr(ingest_module, "_BATCH_FILE_BYTES", 0)  # every file alone
    one_by_one = ingest(good)
    for name in ("records", "messages", "rejects"):
        assert getattr(together, name).equals(getattr(one_by_one, name)), name
    assert [_report_tuple(r) for r in together.files] == [_report_tuple(r) for r in one_by_one.files]
    assert together.owner == one_by_one.owner
    assert together.duplicate_messages == one_by_one.duplicate_messages > 0


def test_a_bad_mailbox_among_small_ones_is_named(tmp_path: Path) -> None:
    for i in range(3):
        shutil.copyfile(MAIL / "gmail_takeout.mbox", tmp_path / f"{i}_good.mbox")
    shutil.copyfile(MAIL / "no_valid_message.mbox", tmp_path / "1_bad.mbox")
    with pytest.raises(InputError) as caught:
        ingest([str(tmp_path)])
    alone = _alone(discover([str(tmp_path / "1_bad.mbox")]).files[0])
    assert str(caught.value) == alone[1]
    assert "1_bad.mbox" in str(caught.value)


def test_an_unexpected_failure_reading_together_reads_one_by_one(tmp_path: Path) -> None:
    """A bug in reading files together must not lose them, nor blame the wrong file: they are read again one
    by one, each into a new collector."""
    for i in range(3):
        shutil.copyfile(MAIL / "gmail_takeout.mbox", tmp_path / f"{i}.mbox")
    expected = ingest([str(tmp_path)])
    at = next(i for i, p in enumerate(ingest_module.REGISTRY) if p.kind == "mail.mbox")

    def broken(jobs: object) -> list[InputError | None]:
        raise ValueError("a bug")

    mbox = ingest_module.REGISTRY[at]
    ingest_module.REGISTRY[at] = dataclasses.replace(mbox, parse_many=broken)
    try:
        got = ingest([str(tmp_path)])
    finally:
        ingest_module.REGISTRY[at] = mbox
    assert got.records.equals(expected.records)
    assert [_report_tuple(r) for r in got.files] == [_report_tuple(r) for r in expected.files]


def test_units_group_small_files_of_formats_that_read_several() -> None:
    """Small mailboxes go together (up to the unit's bytes), large ones and other formats alone, in file order."""
    mbox = next(p for p in ingest_module.REGISTRY if p.kind == "mail.mbox")
    vcard = next(p for p in ingest_module.REGISTRY if p.parse_many is None)

    def job(size: int, parser: object) -> object:
        return (InputFile(display="x", name="x", size=size, path=Path("x")), parser, None)

    mb = 1 << 20
    jobs = [job(mb, mbox), job(mb, vcard), job(9 * mb, mbox), *[job(7 * mb, mbox) for _ in range(9)], job(mb, mbox)]
    # 1 + 9 x 7 MB make the 64 MB of a unit; the 9 MB mailbox is read alone (over 8 MB), as is the vCard file
    assert ingest_module._units(jobs) == [[0, *range(3, 12)], [1], [2], [12]]  # type: ignore[arg-type]


@pytest.mark.parametrize(("heavy_bytes", "most_at_once"), [(0, 1), (1 << 40, 2)])
def test_heavy_files_are_read_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            heavy_bytes: int, most_at_once: int) -> None:
    """Files of at least ``_HEAVY_UNIT_BYTES`` are never read side by side (each parser's peak memory is a few
    times its file's size: two at once held both peaks); lighter ones are, and what is read is the same."""
    import threading
    import time

    for i in range(4):
        shutil.copyfile(MAIL / "gmail_takeout.mbox", tmp_path / f"{i}.mbox")
    monkeypatch.setattr(ingest_module, "_BATCH_FILE_BYTES", 0)  # every file a unit of its own
    expected = ingest([str(tmp_path)])
    reading, most, lock = [0], [0], threading.Lock()
    parse_unit = ingest_module._parse_unit

    def counted(unit: list) -> list:  # type: ignore[type-arg]
        with lock:
            reading[0] += 1
            most[0] = max(most[0], reading[0])
        time.sleep(0.2)  # long enough for the other worker to start its unit meanwhile, if it may
        try:
            return parse_unit(unit)
        finally:
            with lock:
                reading[0] -= 1

    monkeypatch.setattr(ingest_module, "_parse_unit", counted)
    monkeypatch.setattr(ingest_module, "_HEAVY_UNIT_BYTES", heavy_bytes)
    got = ingest([str(tmp_path)])
    assert most[0] == most_at_once
    for name in ("records", "messages", "rejects"):
        assert getattr(got, name).equals(getattr(expected, name)), name
    assert [_report_tuple(r) for r in got.files] == [_report_tuple(r) for r in expected.files]
