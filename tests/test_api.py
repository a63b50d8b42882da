"""The Python API (analyzer.analyze / analyzer.Result): on a hand-made Analysis, and end to end on sample data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from matplotlib.figure import Figure
from reportkit import SAMPLE_AS_OF, make_analysis, sample_inputs

import analyzer
from analyzer.api import TABLES, Result

CHART_KEYS = ["top_candidates", "quadrant", "dormancy", "reciprocity", "growth", "channels", "companies", "eras",
              "overlap"]


@pytest.fixture(scope="module")
def res() -> Result:
    return Result(make_analysis(n_people=40))


def test_package_exports_the_api_lazily() -> None:
    assert analyzer.analyze is analyzer.api.analyze
    assert analyzer.Result is Result
    assert isinstance(analyzer.__version__, str) and analyzer.__version__
    with pytest.raises(AttributeError):
        _ = analyzer.no_such_thing
    # importing the package alone does not load the pipeline (the CLI's `formats` stays fast)
    code = "import sys, analyzer; print('analyzer.pipeline' in sys.modules, 'polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_tables(res: Result) -> None:
    a = res.analysis
    assert res.ranked.equals(a.ranked) and res.people.equals(a.people)
    assert res.matches.equals(a.resolved.matches) and res.rejects.equals(a.ingested.rejects)
    assert res.events.height == a.events.height
    inter = res.interactions
    assert inter.columns[:6] == ["person_id", "timestamp", "channel", "direction", "thread_id", "source"]
    assert inter.height == a.events.height
    s = res.summary
    assert s["people"] == {"person": 40, "automated": 3, "owner": 1} and s["ranked"] == 40
    assert res.as_of == a.as_of
    for name in TABLES:
        assert isinstance(res.table(name), pl.DataFrame)
    with pytest.raises(KeyError):
        res.table("nope")


def test_pandas_views(res: Result) -> None:
    df = res.to_pandas("ranked")
    assert isinstance(df, pd.DataFrame) and len(df) == 40 and list(df.columns) == res.ranked.columns
    assert df["name"].tolist() == res.ranked["name"].to_list()
    people = res.pandas.people
    assert isinstance(people, pd.DataFrame) and len(people) == res.people.height
    assert "ranked" in dir(res.pandas)
    with pytest.raises(AttributeError):
        _ = res.pandas.nope


def test_figures_and_charts(res: Result) -> None:
    figs = res.figures()
    assert list(figs) == CHART_KEYS
    assert all(isinstance(f, Figure) for f in figs.values())
    charts = res.charts()
    assert [c.key for c in charts] == CHART_KEYS
    top = next(c for c in charts if c.key == "top_candidates")
    assert top.data["name"].to_list() == res.ranked["name"].head(20).to_list()


def test_person(res: Result) -> None:
    d = res.person("p0033")
    assert d["person"]["person_id"] == "p0033"
    assert d["ranking"] is not None and d["ranking"]["person_id"] == "p0033"
    assert d["identities"].height == 3 and d["merges"].height == 2
    assert int(d["timeline"]["total"].sum()) == res.events.filter(pl.col("person_id") == "p0033").height
    several = res.person("jose")
    assert several["other_matches"] and all("José" in m["name"] for m in several["other_matches"])
    with pytest.raises(KeyError, match="no person matches"):
        res.person("Nobody Whatsoever")


def test_company(res: Result) -> None:
    acme = res.company("Acme Corp")
    assert acme.height > 0
    assert set(acme["company"].to_list()) == {"Acme Corp"}
    assert res.company("No Such Company Ltd").height == 0


def test_write(res: Result, tmp_path: Path) -> None:
    written = res.write(tmp_path / "out", top=10)
    names = {p.name for p in written}
    assert {"reconnect.csv", "people.csv", "report.html", "summary.json", "01_top_candidates.png"} <= names
    assert (tmp_path / "out" / "report.html").read_text(encoding="utf-8").count("<img") == 9


def test_repr(res: Result) -> None:
    assert "40 people ranked" in repr(res)
    assert "<table>" in res._repr_html_()


def test_analyze_end_to_end_on_sample_data(tmp_path: Path) -> None:
    data = sample_inputs(tmp_path)
    if data is None:
        pytest.skip("no sample_data/ and no generator")
    res = analyzer.analyze(data, as_of=SAMPLE_AS_OF.isoformat())
    assert res.as_of == SAMPLE_AS_OF
    assert res.ranked.height > 0 and res.summary["people"]["person"] == res.ranked.height
    assert res.summary["totals"]["read"] > 0
    top = res.ranked.row(0, named=True)
    d = res.person(top["person_id"])
    assert d["ranking"]["rank"] == 1 and d["identities"].height >= 1
    again = analyzer.analyze([str(data)], as_of=SAMPLE_AS_OF)
    assert again.ranked.equals(res.ranked)  # deterministic
    # the run frees the messages once the events are made: the first access reads the inputs again
    ing = res.analysis.ingested
    assert "messages" not in vars(ing)
    count = res.summary["messages"]
    assert ing.message_count == count > 0
    kept = analyzer.analyze(data, as_of=SAMPLE_AS_OF, keep_messages=True).analysis.ingested
    assert "messages" in vars(kept)
    assert res.messages.equals(kept.messages) and res.messages.height == count
    assert ing.message_count == count and res.table("messages") is res.messages
    figs = res.figures()
    assert list(figs) == CHART_KEYS


def test_paths_under_the_home_folder_are_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # config="~/reconnect.toml" was "config file not found", while the inputs, previous and the output folder
    # given with "~" were found
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Connections.csv").write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ada,Lovelace,https://www.linkedin.com/in/ada,,Engines,Programmer,15 Jan 2024\n"
        "Al,Turing,https://www.linkedin.com/in/al,,Bletchley,Cryptanalyst,16 Jan 2024\n", encoding="utf-8")
    (tmp_path / "reconnect.toml").write_text('[identity]\nignore = ["Al Turing"]\n', encoding="utf-8")
    res = analyzer.analyze("~/Connections.csv", as_of="2026-12-01", config="~/reconnect.toml")
    assert res.ranked.get_column("name").to_list() == ["Ada Lovelace"]
    res.write("~/report")
    assert (tmp_path / "report" / "people.csv").is_file()


def test_company_by_a_bare_email_domain() -> None:
    # "acme.com" and "@acme.com" found no one (the query was taken for a company name, "acme com")
    res = analyzer.analyze(Path(__file__).resolve().parents[1] / "sample_data", as_of="2026-11-01")
    by_name = res.company("Northwind")
    by_domain, by_at = res.company("northwindlogistics.com"), res.company("@NorthwindLogistics.com")
    assert by_domain.height > 10 and by_domain.equals(by_at)
    assert all(any(e.endswith("@northwindlogistics.com") for e in emails) for emails in by_domain["emails"])
    assert set(by_domain["person_id"]) <= set(by_name["person_id"])
    assert res.company("example-nobody.com").height == 0
