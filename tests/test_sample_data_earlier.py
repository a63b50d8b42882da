"""`reconnect sample-data --as-of-earlier DAYS`: the same world's export taken DAYS earlier, and changes.csv."""

from __future__ import annotations

import csv
import email.utils
import io
import mailbox
import re
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.sample_data import SampleDataSummary, generate_sample_data

DAYS = 365
FULL_EXPORT = date(2026, 10, 28)
EARLY_EXPORT = FULL_EXPORT - timedelta(days=DAYS)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[SampleDataSummary, SampleDataSummary]:
    root = tmp_path_factory.mktemp("earlier")
    return (generate_sample_data(root / "full", "small", seed=7),
            generate_sample_data(root / "early", "small", seed=7, as_of_earlier=DAYS))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _connections(s: SampleDataSummary) -> dict[str, dict[str, str]]:
    with zipfile.ZipFile(s.linkedin_zip) as zf:
        text = zf.read("Connections.csv").decode("utf-8").split("\n", 3)[3]
    return {unquote(r["URL"]).lower(): r for r in csv.DictReader(io.StringIO(text)) if r["URL"]}


def _url_of(truth: Path) -> dict[str, str]:
    return {r["truth_id"]: r["key"] for r in _rows(truth / "identities.csv") if r["key_type"] == "linkedin_url"}


def test_earlier_export_is_dated_and_holds_nothing_later(pair: tuple[SampleDataSummary, SampleDataSummary]) -> None:
    full, early = pair
    assert early.linkedin_zip.name == f"Complete_LinkedInDataExport_{EARLY_EXPORT:%m-%d-%Y}.zip"
    limit = datetime(EARLY_EXPORT.year, EARLY_EXPORT.month, EARLY_EXPORT.day, 9).astimezone()
    with zipfile.ZipFile(early.linkedin_zip) as zf:
        messages = list(csv.reader(io.StringIO(zf.read("messages.csv").decode("utf-8"))))[1:]
        invitations = list(csv.DictReader(io.StringIO(zf.read("Invitations.csv").decode("utf-8"))))
    assert messages and all(r[6] <= f"{EARLY_EXPORT:%Y-%m-%d} 09:00:00 UTC" for r in messages)
    assert all(datetime.strptime(r["Sent At"], "%m/%d/%y, %I:%M %p").date() <= EARLY_EXPORT for r in invitations)
    ids_full = set()
    for msg in mailbox.mbox(full.mbox, create=False):
        ids_full.add(msg["Message-ID"])
    n = 0
    for msg in mailbox.mbox(early.mbox, create=False):
        if msg["Date"] is not None:
            assert email.utils.parsedate_to_datetime(msg["Date"]) <= limit
            assert msg["Message-ID"] in ids_full          # the same world: the same mail, fewer of it
            n += 1
    assert 0 < n < full.n_emails
    assert early.n_connections < full.n_connections


def test_changes_match_the_two_exports(pair: tuple[SampleDataSummary, SampleDataSummary]) -> None:
    full, early = pair
    changes = _rows(early.truth_dir / "changes.csv")
    kinds = Counter(r["change"] for r in changes)
    assert set(kinds) == {"new_connection", "job_change", "reconnected", "awaiting_reply"} | (
        {"went_quiet"} & set(kinds))
    urls = _url_of(full.truth_dir)
    before, after = _connections(early), _connections(full)
    new = {urls[r["truth_id"]] for r in changes if r["change"] == "new_connection"}
    assert new == set(after) - set(before)
    for r in changes:
        if r["change"] == "job_change":
            b, a = before[urls[r["truth_id"]]], after[urls[r["truth_id"]]]
            assert r["before"] == f"{b['Position']} at {b['Company']}" != r["after"]
            assert r["after"] == f"{a['Position']} at {a['Company']}"
            assert EARLY_EXPORT < date.fromisoformat(r["date"]) <= FULL_EXPORT
    assert kinds["job_change"] >= 2 and kinds["new_connection"] >= 5


def test_follow_through_people_in_the_ranking_truth(pair: tuple[SampleDataSummary, SampleDataSummary]) -> None:
    full, early = pair
    people = {r["truth_id"]: r for r in _rows(full.truth_dir / "people.csv")}
    changes = {(r["truth_id"], r["change"]) for r in _rows(early.truth_dir / "changes.csv")}
    for tid, r in people.items():
        if r["category"] in ("reconnected", "awaiting_reply", "went_quiet"):
            assert r["should_rank_high"] == "false"
        if r["category"] == "reconnected":
            assert (tid, "reconnected") in changes
        if r["category"] == "awaiting_reply":
            assert (tid, "awaiting_reply") in changes and r["expected_priority"] == "10"
    activity = {r["truth_id"]: r for r in _rows(full.truth_dir / "activity.csv")}
    for tid, r in people.items():
        if r["category"] == "awaiting_reply":          # the owner's reach-out is in the last three weeks
            last = date.fromisoformat(activity[tid]["last_direct_contact"])
            assert (date(2026, 11, 1) - last).days <= 25


def test_cli_option_and_truth_files(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["sample-data", str(tmp_path / "s"), "--as-of-earlier", "30"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "s_truth" / "changes.csv").read_text(encoding="utf-8").startswith(
        "truth_id,change,before,after,date\n")
    assert not re.search(r"\d", (tmp_path / "s_truth" / "changes.csv").read_text(encoding="utf-8").split("\n")[0])
    bad = CliRunner().invoke(main, ["sample-data", str(tmp_path / "t"), "--as-of-earlier", "-3"])
    assert bad.exit_code == 2
    again = generate_sample_data(tmp_path / "u", "small", seed=7, as_of_earlier=30)
    assert (again.truth_dir / "changes.csv").read_bytes() == (tmp_path / "s_truth" / "changes.csv").read_bytes()
    assert again.linkedin_zip.read_bytes() == next((tmp_path / "s" / "linkedin").glob("*.zip")).read_bytes()
