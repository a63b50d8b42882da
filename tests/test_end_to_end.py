"""`reconnect analyze sample_data` end to end through the CLI, checked against the sample's truth."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.normalize import normalize_email
from tests.conftest import REPO, SAMPLE_DATA

TRUTH = REPO / "sample_data_truth"


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "report"
    res = CliRunner().invoke(main, ["analyze", str(SAMPLE_DATA), "--out", str(out), "--as-of", "2026-11-01", "-q"])
    assert res.exit_code == 0, res.output
    return out


def _truth_of(row: dict[str, str], keys: dict[tuple[str, str], str]) -> str | None:
    for url in filter(None, row["linkedin_urls"].split(";")):
        if ("linkedin_url", url) in keys:
            return keys[("linkedin_url", url)]
    for e in filter(None, row["emails"].split(";")):
        if ("email", e) in keys:
            return keys[("email", e)]
    return None


def test_owner_counts_and_directions(report: Path) -> None:
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    owner = json.loads((TRUTH / "owner.json").read_text(encoding="utf-8"))
    assert set(summary["owner"]["emails"]) == {normalize_email(e) for e in owner["emails"]}
    assert summary["owner"]["linkedin_urls"] == [owner["linkedin_url"]]
    for f in summary["files"]:
        assert f["read"] == f["used"] + f["rejected"] + f["ignored"], f["file"]
    messages = next(f for f in summary["files"] if f["kind"] == "linkedin.messages")
    assert (messages["read"], messages["ignored_why"]) == (1430, {"draft": 8})
    people = _csv(report / "people.csv")
    assert [p["kind"] for p in people].count("owner") == 1
    interactions = _csv(report / "interactions.csv")
    assert {i["direction"] for i in interactions} == {"sent", "received"}
    assert summary["events"] == len(interactions) + len(_csv(report / "interactions_undated.csv"))


def test_every_connection_url_is_in_people(report: Path) -> None:
    archive = next((SAMPLE_DATA / "linkedin").glob("*.zip"))
    with zipfile.ZipFile(archive) as zf:
        text = zf.read("Connections.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text.split("\n\n", 1)[1])))
    urls = {r["URL"].lower() for r in rows if r["URL"]}
    from urllib.parse import unquote

    urls = {unquote(u) for u in urls}
    in_people = {u for p in _csv(report / "people.csv") for u in p["linkedin_urls"].split(";") if u}
    assert len(urls) == 115 and urls <= in_people


def test_dormant_colleagues_outrank_recruiters_and_automated_are_not_ranked(report: Path) -> None:
    keys = {(r["key_type"], r["key"]): r["truth_id"] for r in _csv(TRUTH / "identities.csv")}
    category = {r["truth_id"]: r["category"] for r in _csv(TRUTH / "people.csv")}
    ranked = _csv(report / "reconnect.csv")
    by_cat: dict[str, list[int]] = {}
    for row in ranked:
        tid = _truth_of(row, keys)
        if tid:
            by_cat.setdefault(category[tid], []).append(int(row["rank"]))
    assert min(by_cat["dormant_close"]) == 1
    assert max(by_cat["dormant_close"]) < min(by_cat["recruiter"])
    assert max(by_cat["dormant_close"]) < min(by_cat["sales_pitch"] + by_cat["mass_mail_only"])
    assert not {"newsletter", "notification", "owner"} & set(by_cat)
    top = ranked[0]
    assert top["reason"].startswith("Worked together at") and "messages both ways" in top["reason"]
    assert int(top["messages_sent"]) > 0 and int(top["messages_received"]) > 0
