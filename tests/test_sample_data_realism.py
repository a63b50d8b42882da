"""The sample data's realism (issue 12): careers, addresses per person, name forms, namesakes, signatures."""

from __future__ import annotations

import csv
import email.utils
import io
import itertools
import mailbox
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from analyzer.sample_data import SampleDataSummary, generate_sample_data
from analyzer.sample_data.stats import realism_stats, world_namesake_share


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SampleDataSummary:
    return generate_sample_data(tmp_path_factory.mktemp("real") / "sample", "small", seed=7)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> SampleDataSummary:
    return generate_sample_data(tmp_path_factory.mktemp("realm") / "sample", "medium", seed=7)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _careers(s: SampleDataSummary) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for r in _rows(s.truth_dir / "careers.csv"):
        out.setdefault(r["truth_id"], []).append(r)
    return out


def test_careers_are_successive_with_one_current_job(medium: SampleDataSummary) -> None:
    careers = _careers(medium)
    people = {r["truth_id"]: r for r in _rows(medium.truth_dir / "people.csv")}
    history = [t for t, p in people.items() if p["category"] in ("dormant_close", "dormant_moderate",
                                                                  "active_close", "acquaintance")]
    lengths = Counter(len(careers.get(t, [])) for t in history)
    assert set(lengths) <= {1, 2, 3, 4} and lengths[1] < 0.4 * len(history)
    assert sum(n for k, n in lengths.items() if k >= 3) > 0.25 * len(history)
    for jobs in careers.values():
        assert [j["end"] for j in jobs].count("") == 1 and jobs[-1]["end"] == ""
        for a, b in itertools.pairwise(jobs):
            overlap = (date.fromisoformat(a["end"]) - date.fromisoformat(b["start"])).days
            assert overlap <= 21, (a, b)
        domains = [j["work_email"].rpartition("@")[2] for j in jobs if j["work_email"]]
        assert len(domains) == len(set(domains))


def test_connections_show_the_current_job(small: SampleDataSummary) -> None:
    ids = {(r["key_type"], r["key"]): r["truth_id"] for r in _rows(small.truth_dir / "identities.csv")}
    current = {t: jobs[-1]["company"] for t, jobs in _careers(small).items()}
    with zipfile.ZipFile(small.linkedin_zip) as zf:
        text = zf.read("Connections.csv").decode("utf-8").split("\n", 3)[3]
    checked = 0
    for r in csv.DictReader(io.StringIO(text)):
        if not r["URL"]:
            continue
        tid = ids[("linkedin_url", "https://www." + unquote(r["URL"]).lower().split("://www.")[1])]
        if tid in current:
            assert r["Company"] == current[tid]
            checked += 1
    assert checked >= 100


def test_work_addresses_are_used_only_during_their_tenure(small: SampleDataSummary) -> None:
    tenure = {}
    for jobs in _careers(small).values():
        for j in jobs:
            if j["work_email"]:
                end = date.fromisoformat(j["end"]) if j["end"] else date(9999, 1, 1)
                tenure[j["work_email"]] = (date.fromisoformat(j["start"]), end)
    used = 0
    for msg in mailbox.mbox(small.mbox, create=False):
        if msg["Date"] is None or msg["List-Id"]:
            continue
        day = email.utils.parsedate_to_datetime(msg["Date"]).date()
        addr = email.utils.parseaddr(str(msg["From"]))[1].lower()
        if addr in tenure and not addr.endswith("@northwindlogistics.com"):   # mass mail: any time
            lo, hi = tenure[addr]
            assert lo - timedelta(days=1) <= day <= hi + timedelta(days=1), (addr, day, lo, hi)
            used += 1
    assert used > 30


def test_most_people_with_mail_write_from_several_addresses(small: SampleDataSummary,
                                                            medium: SampleDataSummary) -> None:
    for s, two_way in ((small, 0.75), (medium, 0.85)):       # small: 40 people, acquaintances weigh more
        stats = realism_stats(s.truth_dir)
        assert stats["multi_address_share"] > 0.5, stats
        assert stats["multi_address_share_two_way"] >= two_way, stats
        assert 0.2 <= stats["signature_share"] <= 0.6, stats
    assert 0.05 <= realism_stats(medium.truth_dir)["namesake_share"] <= 0.10


def test_namesake_shares_per_profile() -> None:
    assert 0.05 <= world_namesake_share("medium") <= 0.10
    assert 0.17 <= world_namesake_share("large") <= 0.25      # about one full name in five


def test_namesakes_never_share_an_address(medium: SampleDataSummary) -> None:
    people = {r["truth_id"]: r["name"] for r in _rows(medium.truth_dir / "people.csv") if r["is_automated"] == "false"}
    by_name: dict[str, set[str]] = {}
    for tid, name in people.items():
        by_name.setdefault(name, set()).add(tid)
    owner_of: dict[str, str] = {}
    for r in _rows(medium.truth_dir / "identities.csv"):
        if r["key_type"] == "email":
            assert owner_of.setdefault(r["key"], r["truth_id"]) == r["truth_id"]
    shared = [tids for tids in by_name.values() if len(tids) > 1]
    assert len(shared) > 100
    traps = {(r["truth_id"], r["trap"]) for r in _rows(medium.truth_dir / "traps.csv")}
    assert all((t, "same_name_different_person") in traps for tids in shared for t in tids)


def test_name_forms_and_traps_on_medium(medium: SampleDataSummary) -> None:
    traps = Counter(r["trap"] for r in _rows(medium.truth_dir / "traps.csv"))
    for trap in ("english_name_at_work", "double_surname_shortened", "last_first_display_name", "bare_work_address",
                 "nickname_in_mail", "namesake_at_same_company", "old_work_address_in_card",
                 "two_personal_addresses", "accent_stripped_in_mail"):
        assert traps[trap] >= 3, trap


def test_signatures_name_the_employer_of_the_time(small: SampleDataSummary) -> None:
    sigs = _rows(small.truth_dir / "signatures.csv")
    assert sigs and any(s["linkedin_url"] for s in sigs)
    work = {j["work_email"]: j["company"] for jobs in _careers(small).values() for j in jobs if j["work_email"]}
    for s in sigs:
        if s["email"] in work and s["company"]:
            assert s["company"] == work[s["email"]], s
    ids = {(r["key_type"], r["key"]) for r in _rows(small.truth_dir / "identities.csv")}
    assert all(("linkedin_url", s["linkedin_url"]) in ids for s in sigs if s["linkedin_url"])
    raw = small.mbox.read_bytes()
    assert b"\n-- \n" in raw and b"Content-Transfer-Encoding: quoted-printable" in raw
    # the owner's own signature quoted inside a reply from someone else
    assert b"\n> Morgan Reyes\n" in raw
