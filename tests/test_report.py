"""Charts (on the numbers they plot), report.html (content, escaping, self-containedness) and the terminal views.

Everything here runs on hand-made frames and hand-made Analysis objects (tests/reportkit.py), so it does not
depend on the parsers, identity resolution or the scoring model.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import time
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import matplotlib.image as mpimg
import numpy as np
import polars as pl
import pytest
from reportkit import AS_OF, HOSTILE_FILE, HOSTILE_NAMES, empty_analysis, make_analysis
from rich.console import Console

from analyzer import schemas
from analyzer.report import charts as C
from analyzer.report import write_report
from analyzer.report.html import ago, esc, render_html
from analyzer.report.lookup import find_people, person_details
from analyzer.report.terminal import print_company, print_person, print_top
from tests.conftest import SAMPLE_DATA

EV_SCHEMA = {**schemas.EVENTS, "person_id": pl.String()}


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def ranked_frame(rows: list[dict]) -> pl.DataFrame:
    return schemas.conform(pl.DataFrame(rows, infer_schema_length=None), schemas.RANKED).select(list(schemas.RANKED))


def people_frame(rows: list[dict]) -> pl.DataFrame:
    return schemas.conform(pl.DataFrame(rows, infer_schema_length=None), schemas.PEOPLE).select(list(schemas.PEOPLE))


def events_frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    """rows: (person_id, 'YYYY-MM-DD', channel, direction)."""
    out = []
    for i, (pid, day, channel, direction) in enumerate(rows):
        d = date.fromisoformat(day)
        out.append({"record_id": i, "timestamp": datetime(d.year, d.month, d.day, 12, tzinfo=UTC), "channel": channel,
                    "direction": direction, "thread_id": f"t{i}", "n_participants": 2, "msg_key": f"m{i}",
                    "message_id": None, "in_reply_to": None, "source_file": "x", "line": i, "person_id": pid})
    return pl.DataFrame(out, schema=EV_SCHEMA)


def assert_png(path: Path, min_width: int = 900) -> np.ndarray:
    """The PNG exists, is a sensible size and is not blank (its pixels vary)."""
    assert path.exists() and path.stat().st_size > 5_000, path
    img = mpimg.imread(path)
    h, w = img.shape[:2]
    assert w >= min_width and h >= 400, (path, w, h)
    assert float(np.var(img[..., :3])) > 1e-4, f"{path} is blank"
    return img


# ---------------------------------------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------------------------------------


def test_shorten_and_abbreviate_reason() -> None:
    assert C.shorten("Ada   Lovelace", 20) == "Ada Lovelace"
    assert C.shorten("Stark Industries and Partners International", 20) == "Stark Industries an…"
    assert len(C.shorten("x" * 50, 10)) == 10
    reason = "Worked together at Acme 2017–2020; 64 messages both ways; last contact 2 years ago; recommended you"
    assert C.abbreviate_reason(reason, 60) == "Worked together at Acme 2017–2020; 64 messages both ways"
    assert C.abbreviate_reason(reason, 200) == reason
    assert C.abbreviate_reason("one very long clause without any separator at all", 20) == "one very long claus…"
    assert C.abbreviate_reason(None, 20) == ""


def test_ago_phrases() -> None:
    assert ago(None) == "never"
    assert ago(0) == "today"
    assert ago(1) == "1 day ago"
    assert ago(21) == "3 weeks ago"
    assert ago(92) == "3 months ago"
    assert ago(365) == "1 year ago"
    assert ago(830) == "2 years 3 months ago"


# ---------------------------------------------------------------------------------------------------------
# (1) top candidates
# ---------------------------------------------------------------------------------------------------------


def test_top_candidates_data_orders_by_rank_and_abbreviates() -> None:
    ranked = ranked_frame([
        {"rank": 2, "person_id": "b", "name": "Bea", "company": "Globex", "score": 0.5, "reason": "x; y"},
        {"rank": 1, "person_id": "a", "name": "Ann", "company": None, "score": 0.9, "reason": "Worked together; 3 msgs"},
        {"rank": 3, "person_id": "c", "name": "Cy", "company": "Acme", "score": None, "reason": "no score"},
    ])
    d = C.top_candidates_data(ranked, top=5)
    assert d["name"].to_list() == ["Ann", "Bea"]  # no score -> not plotted
    assert d["score"].to_list() == [0.9, 0.5]
    assert d["reason_short"].to_list() == ["Worked together; 3 msgs", "x; y"]
    assert C.top_candidates_data(ranked, top=1)["name"].to_list() == ["Ann"]
    p = C.plot_top_candidates(ranked, 5)
    assert not p.empty and p.title == "Top 2 people to reconnect with"


# ---------------------------------------------------------------------------------------------------------
# (2) quadrant
# ---------------------------------------------------------------------------------------------------------


def test_quadrant_data_classifies_and_labels_top() -> None:
    ranked = ranked_frame([
        {"rank": 1, "person_id": "a", "name": "Dormant Strong", "days_since_contact": 900, "strength": 0.9},
        {"rank": 2, "person_id": "b", "name": "Active Strong", "days_since_contact": 10, "strength": 0.8},
        {"rank": 3, "person_id": "c", "name": "Dormant Weak", "days_since_contact": 400, "strength": 0.1},
        {"rank": 4, "person_id": "d", "name": "Today Weak", "days_since_contact": 0, "strength": 0.2},
        {"rank": 5, "person_id": "e", "name": "Never", "days_since_contact": None, "strength": 0.0},
        {"rank": 6, "person_id": "f", "name": "Zero", "days_since_contact": 50, "strength": 0.0},
    ])
    d = C.quadrant_data(ranked, dormant_days=180, top_labels=2)
    # the split is the median of the positive strengths (0.1, 0.2, 0.8, 0.9) = 0.5
    assert C.strength_split(d) == pytest.approx(0.5)
    got = dict(zip(d["name"], d["quadrant"], strict=True))
    assert got == {"Dormant Strong": "dormant strong", "Active Strong": "active strong",
                   "Dormant Weak": "dormant weak", "Today Weak": "active weak", "Zero": "active weak"}
    assert d.filter(pl.col("name") == "Today Weak")["days"][0] == 1  # clamped for the log scale
    assert d.filter("labelled")["name"].to_list() == ["Dormant Strong", "Active Strong"]
    p = C.plot_quadrant(ranked, 180, 2)
    assert p.data.filter("label_drawn")["name"].to_list() == ["Dormant Strong", "Active Strong"]


# ---------------------------------------------------------------------------------------------------------
# (3) two-way dormancy
# ---------------------------------------------------------------------------------------------------------


def test_two_way_contact_is_the_earlier_of_last_sent_and_last_received() -> None:
    ev = events_frame([
        ("a", "2020-01-01", "email", "sent"), ("a", "2021-06-01", "email", "received"),
        ("a", "2019-01-01", "email", "received"),
        ("b", "2024-01-01", "email", "sent"),  # one-way
        ("c", "2025-06-01", "email", "sent"), ("c", "2025-06-10", "linkedin_message", "received"),
        ("c", "2030-01-01", "email", "received"),  # after as_of: ignored
    ])
    tw = C.two_way_contact(ev, AS_OF)
    got = {r["person_id"]: r["last_two_way"] for r in tw.iter_rows(named=True)}
    assert got == {"a": date(2020, 1, 1), "b": None, "c": date(2025, 6, 1)}


def test_dormancy_data_bins_by_tier() -> None:
    ranked = ranked_frame([
        {"rank": 1, "person_id": "a", "name": "A", "strength": 0.9},
        {"rank": 2, "person_id": "b", "name": "B", "strength": 0.5},
        {"rank": 3, "person_id": "c", "name": "C", "strength": 0.1},
        {"rank": 4, "person_id": "d", "name": "D", "strength": 0.3},  # never two-way
    ])
    ev = events_frame([
        ("a", "2020-01-01", "email", "sent"), ("a", "2020-02-01", "email", "received"),  # 5.5 y -> 5–10 years
        ("b", "2025-06-01", "email", "sent"), ("b", "2025-06-20", "email", "received"),  # 29 d -> < 1 month
        ("c", "2024-01-01", "email", "sent"), ("c", "2024-03-01", "email", "received"),  # 1.5 y -> 1–2 years
        ("d", "2024-01-01", "email", "sent"),
        ("zz", "2024-01-01", "email", "sent"), ("zz", "2024-01-02", "email", "received"),  # not ranked
    ])
    data, never = C.dormancy_data(ranked, ev, AS_OF)
    assert never == 1
    nonzero = {(r["bin"], r["tier"]): r["count"] for r in data.iter_rows(named=True) if r["count"]}
    assert nonzero == {("5–10 years", "strongest third"): 1, ("< 1 month", "middle third"): 1,
                       ("1–2 years", "weakest third"): 1}
    assert data.height == len(C.DORMANCY_BINS) * 3  # zero-filled
    assert data["bin"].unique(maintain_order=True).to_list() == [b for b, _ in C.DORMANCY_BINS]


def test_strength_tiers_split_in_thirds_deterministically() -> None:
    ranked = ranked_frame([{"person_id": f"p{i}", "strength": s} for i, s in enumerate([0.5, 0.5, 0.9, 0.1, 0.2, 0.7])])
    t = dict(C.strength_tiers(ranked).iter_rows())
    assert [t[p] for p in ("p2", "p5")] == ["strongest third"] * 2
    assert [t[p] for p in ("p0", "p1")] == ["middle third"] * 2
    assert [t[p] for p in ("p4", "p3")] == ["weakest third"] * 2


# ---------------------------------------------------------------------------------------------------------
# (4) reciprocity
# ---------------------------------------------------------------------------------------------------------


def test_reciprocity_data_counts_bins() -> None:
    ranked = ranked_frame([
        {"person_id": "a", "reciprocity": 0.0, "messages_sent": 3, "messages_received": 0},
        {"person_id": "b", "reciprocity": 0.05, "messages_sent": 1, "messages_received": 20},
        {"person_id": "c", "reciprocity": 0.5, "messages_sent": 5, "messages_received": 10},
        {"person_id": "d", "reciprocity": 1.0, "messages_sent": 4, "messages_received": 4},
        {"person_id": "e", "reciprocity": 0.0, "messages_sent": 0, "messages_received": 0},  # no messages
        {"person_id": "f", "reciprocity": None, "messages_sent": 2, "messages_received": 2},
    ])
    d = C.reciprocity_data(ranked)
    assert d["count"].to_list() == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    assert d["bin_start"][5] == pytest.approx(0.5)
    p = C.plot_reciprocity(ranked)
    assert "4 people; 2 are one-way" in p.caption


# ---------------------------------------------------------------------------------------------------------
# (5) growth
# ---------------------------------------------------------------------------------------------------------


def test_growth_data_counts_months_and_cumulates() -> None:
    people = people_frame([
        {"person_id": "a", "kind": "person", "connected_on": date(2020, 1, 5)},
        {"person_id": "b", "kind": "person", "connected_on": date(2020, 1, 25)},
        {"person_id": "c", "kind": "person", "connected_on": date(2020, 3, 1)},
        {"person_id": "d", "kind": "person", "connected_on": None},
        {"person_id": "o", "kind": "owner", "connected_on": date(2019, 1, 1)},  # not a connection
    ])
    d = C.growth_data(people)
    assert d["month"].to_list() == [date(2020, 1, 1), date(2020, 2, 1), date(2020, 3, 1)]
    assert d["connections"].to_list() == [2, 0, 1]
    assert d["cumulative"].to_list() == [2, 2, 3]
    assert "3 connections from Jan 2020 to Mar 2020" in C.plot_growth(people).caption
    # connections after the as-of date are not counted, as in the scores (the chart showed them)
    assert C.growth_data(people, date(2020, 2, 15))["cumulative"].to_list() == [2]
    assert "2 connections from Jan 2020 to Jan 2020" in C.plot_growth(people, date(2020, 2, 15)).caption


# ---------------------------------------------------------------------------------------------------------
# (6) channels
# ---------------------------------------------------------------------------------------------------------


def test_channel_data_per_month_people_only() -> None:
    people = people_frame([{"person_id": "a", "kind": "person"}, {"person_id": "n", "kind": "automated"}])
    ev = events_frame([
        ("a", "2024-01-03", "email", "sent"), ("a", "2024-01-20", "email", "received"),
        ("a", "2024-03-01", "linkedin_message", "received"),
        ("n", "2024-01-05", "email", "received"),  # automated: left out
        ("a", "2026-01-01", "email", "sent"),  # after as_of: left out
    ])
    d = C.channel_data(ev, people, AS_OF)
    assert d["period"].unique().to_list() == ["month"]
    got = {(r["period_start"], r["channel"]): r["interactions"] for r in d.iter_rows(named=True)}
    assert got == {(date(2024, 1, 1), "email"): 2, (date(2024, 1, 1), "linkedin_message"): 0,
                   (date(2024, 2, 1), "email"): 0, (date(2024, 2, 1), "linkedin_message"): 0,
                   (date(2024, 3, 1), "email"): 0, (date(2024, 3, 1), "linkedin_message"): 1}
    y = C.channel_data(ev, people, AS_OF, period="year")
    assert y.filter(pl.col("channel") == "email")["interactions"].to_list() == [2]
    assert C.plot_channels(ev, people, AS_OF).title == "Interactions per month, by channel"


def test_auto_period() -> None:
    assert C.auto_period(date(2020, 1, 1), date(2023, 12, 1)) == "month"
    assert C.auto_period(date(2015, 1, 1), date(2024, 1, 1)) == "quarter"
    assert C.auto_period(date(2005, 1, 1), date(2024, 1, 1)) == "year"


# ---------------------------------------------------------------------------------------------------------
# (7) companies
# ---------------------------------------------------------------------------------------------------------


def test_companies_data_groups_spellings() -> None:
    people = people_frame([
        {"person_id": "a", "kind": "person", "company": "Acme"},
        {"person_id": "b", "kind": "person", "company": "ACME "},
        {"person_id": "c", "kind": "person", "company": "Acme"},
        {"person_id": "d", "kind": "person", "company": "Globex"},
        {"person_id": "e", "kind": "person", "company": None},
        {"person_id": "f", "kind": "person", "company": "  "},
        {"person_id": "g", "kind": "automated", "company": "Spam Inc"},
    ])
    d, n_companies, no_company = C.companies_data(people, n=10)
    assert d.rows() == [("Acme", 3), ("Globex", 1)]
    assert (n_companies, no_company) == (2, 2)
    assert C.companies_data(people, n=1)[0].rows() == [("Acme", 3)]


# ---------------------------------------------------------------------------------------------------------
# (8) employer eras
# ---------------------------------------------------------------------------------------------------------


POSITIONS: list[dict[str, Any]] = [
    {"company": "Globex", "title": "Manager", "started_on": date(2018, 1, 1), "finished_on": date(2020, 6, 1)},
    {"company": "Acme", "title": "Analyst", "started_on": "2015-03", "finished_on": "Dec 2017"},
    {"company": "Initech", "title": None, "started_on": date(2020, 7, 1), "finished_on": None},
    {"company": "No Dates", "title": "x", "started_on": None, "finished_on": None},  # cannot be placed
]


def test_eras_data_counts_people_met_and_still_warm() -> None:
    ranked = ranked_frame([
        {"person_id": "a", "first_contact": date(2016, 5, 1), "strength": 0.8, "warmth": 0.6},  # Acme, warm
        {"person_id": "b", "first_contact": date(2017, 12, 31), "strength": 0.8, "warmth": 0.1},  # Acme (end month)
        {"person_id": "c", "first_contact": date(2019, 1, 1), "strength": 0.5, "warmth": 0.3},  # Globex, warm
        {"person_id": "d", "first_contact": date(2024, 1, 1), "strength": 0.4, "warmth": 0.0},  # Initech
        {"person_id": "e", "first_contact": date(2010, 1, 1), "strength": 0.4, "warmth": 0.4},  # outside, warm
        {"person_id": "f", "first_contact": None, "strength": 0.9, "warmth": 0.9},  # never contacted
    ])
    d = C.eras_data(POSITIONS, ranked, AS_OF)
    assert d.select("company", "met", "still_warm").rows() == [
        ("Acme", 2, 1), ("Globex", 1, 1), ("Initech", 1, 0), (None, 1, 1)]
    assert d["era"].to_list() == ["Acme (2015–2017)", "Globex (2018–2020)", "Initech (2020–now)", C.OUTSIDE]
    assert d["end"][2] == AS_OF
    # an absolute threshold instead of the ratio
    d2 = C.eras_data(POSITIONS, ranked, AS_OF, warm_threshold=0.35)
    assert d2["still_warm"].to_list() == [1, 0, 0, 1]
    assert "still warm" in C.plot_eras(POSITIONS, ranked, AS_OF).caption


def test_eras_without_positions_is_a_no_data_chart() -> None:
    ranked = ranked_frame([{"person_id": "a", "first_contact": date(2016, 5, 1)}])
    assert C.eras_data([], ranked, AS_OF).height == 0
    p = C.plot_eras([], ranked, AS_OF)
    assert p.empty and "Positions.csv" in p.note


# ---------------------------------------------------------------------------------------------------------
# (9) source overlap
# ---------------------------------------------------------------------------------------------------------


def test_overlap_data_groups_source_families() -> None:
    people = people_frame([
        {"person_id": "a", "kind": "person", "sources": ["linkedin.connections", "linkedin.messages"]},
        {"person_id": "b", "kind": "person", "sources": ["linkedin.connections", "mail.mbox"]},
        {"person_id": "c", "kind": "person", "sources": ["mail.mbox", "linkedin.messages", "contacts.vcard"]},
        {"person_id": "d", "kind": "person", "sources": ["mail.mbox"]},
        {"person_id": "e", "kind": "person", "sources": ["mail.outlook_csv", "linkedin.invitations"]},
        {"person_id": "f", "kind": "person", "sources": []},
        {"person_id": "g", "kind": "automated", "sources": ["mail.mbox"]},
    ])
    combos, sets = C.overlap_data(people)
    assert combos.select("combination", "people").rows() == [
        ("linkedin+mail", 2), ("linkedin", 1), ("mail", 1), ("contacts+linkedin+mail", 1)]
    assert sets.rows() == [("linkedin", 4), ("mail", 4), ("contacts", 1)]
    assert "5 people, 3 of them found in more than one" in C.plot_overlap(people).caption


# ---------------------------------------------------------------------------------------------------------
# every chart: empty data, PNGs, determinism, hostile text
# ---------------------------------------------------------------------------------------------------------


def test_every_chart_copes_with_empty_frames(tmp_path: Path) -> None:
    ranked, people = schemas.empty(schemas.RANKED), schemas.empty(schemas.PEOPLE)
    ev = pl.DataFrame(schema=EV_SCHEMA)
    plots = [C.plot_top_candidates(ranked), C.plot_quadrant(ranked), C.plot_dormancy(ranked, ev, AS_OF),
             C.plot_reciprocity(ranked), C.plot_growth(people), C.plot_channels(ev, people, AS_OF),
             C.plot_companies(people), C.plot_eras(POSITIONS, ranked, AS_OF), C.plot_overlap(people)]
    for p in plots:
        assert p.empty, p.key
        counts = [c for c in ("count", "connections", "interactions", "people", "met") if c in p.data.columns]
        assert p.data.height == 0 or all(int(p.data[c].sum()) == 0 for c in counts), p.key
        assert_png(C.save_png(p.figure, tmp_path / f"{p.key}.png"))
    # frames missing the columns entirely (a future scoring model) are no data, not a crash
    bare = pl.DataFrame({"person_id": ["a"]})
    assert C.plot_quadrant(bare).empty and C.plot_reciprocity(bare).empty and C.plot_top_candidates(bare).empty


def test_make_charts_writes_nine_readable_pngs(tmp_path: Path) -> None:
    a = make_analysis(n_people=50)
    charts = C.make_charts(a, tmp_path / "charts", top=25)
    assert [c.key for c in charts] == ["top_candidates", "quadrant", "dormancy", "reciprocity", "growth", "channels",
                                       "companies", "eras", "overlap"]
    assert [c.filename for c in charts] == [f"{i:02d}_{c.key}.png" for i, c in enumerate(charts, start=1)]
    for c in charts:
        assert not c.note, (c.key, c.note)
        assert c.title and c.caption and c.data_rows > 0
        assert c.path == tmp_path / "charts" / c.filename
        assert_png(c.path)
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == sorted(c.filename for c in charts)


def test_pngs_are_byte_stable(tmp_path: Path) -> None:
    """The same data gives byte-identical PNGs (fixed style, no software/date metadata); the charts with
    label placement and dates are the likeliest to vary."""
    a = make_analysis(n_people=30)
    draws = [lambda: C.plot_top_candidates(a.ranked, 10), lambda: C.plot_quadrant(a.ranked),
             lambda: C.plot_growth(a.people), lambda: C.plot_channels(a.events, a.people, a.as_of)]
    for i, draw in enumerate(draws):
        one = C.save_png(draw().figure, tmp_path / f"{i}a.png").read_bytes()
        two = C.save_png(draw().figure, tmp_path / f"{i}b.png").read_bytes()
        assert one == two, i
        assert b"Software" not in one[:400] and b"matplotlib" not in one[:400].lower()


def test_hostile_names_are_drawn_literally(tmp_path: Path) -> None:
    """Names with $...$ (mathtext), markup and brackets must not break or be interpreted by matplotlib."""
    a = make_analysis(n_people=20, hostile=True)
    p = C.plot_top_candidates(a.ranked, 10)
    texts = [t.get_text() for ax in p.figure.axes for t in ax.get_yticklabels()]
    assert any("$x^2$" in t for t in texts)
    for c in C.make_charts(a, tmp_path):
        assert not c.note, c.key
        assert c.path is not None
        assert_png(c.path)


def test_a_failing_chart_becomes_a_placeholder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> C.Plotted:
        raise RuntimeError("bug")

    monkeypatch.setattr(C, "plot_reciprocity", boom)
    charts = C.make_charts(make_analysis(n_people=10), tmp_path)
    bad = next(c for c in charts if c.key == "reciprocity")
    assert "could not be drawn" in bad.note and bad.path is not None
    assert_png(bad.path)
    assert all(not c.note for c in charts if c.key != "reciprocity")


def test_chart_inputs_are_only_what_the_charts_read() -> None:
    """Each chart's job carries only the columns (the top candidates: the rows) of the ranked and people tables
    that the chart reads: it draws the same data, title and caption as from the whole tables."""
    a = make_analysis(n_people=60)
    whole = {"top_candidates": (a.ranked, 20), "quadrant": (a.ranked, 180, 10), "reciprocity": (a.ranked,),
             "growth": (a.people,), "companies": (a.people, 15), "overlap": (a.people,),
             "eras": (list(a.ingested.owner.positions), a.ranked, a.as_of)}
    for spec in C.CHARTS:
        if spec.reads_events:
            continue
        args = spec.inputs(a, 25)
        slim = [x for x in args if isinstance(x, pl.DataFrame)]
        assert slim and all(x.width < max(a.ranked.width, a.people.width) for x in slim), spec.key
        got, want = C._plot(spec.plot, args), C._plot(spec.plot, whole[spec.key])
        assert got.data.equals(want.data), spec.key
        assert (got.title, got.caption, got.note) == (want.title, want.caption, want.note), spec.key


def test_fast_canvas_draws_the_same_pixels_as_matplotlibs_agg() -> None:
    """The chart canvas (cached glyph images, layouts and text sizes) draws exactly matplotlib's pixels: texts at
    many sub-pixel positions, sizes, weights and angles, non-antialiased, wrapped and hostile, each drawn twice
    (so that the second comes from the caches), in one figure and again in a second figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fastagg = pytest.importorskip("analyzer.report.charts.fastagg", reason="the fast canvas is for matplotlib 3.11",
                                  exc_type=ImportError)

    texts = ["Reconnect score 0.87", "Zoë Ångström-Øster", "$x^2$ <b>[bold]</b>", "lp", "Ag", "…", "10 yrs",
             "Worldwide Consolidated Engineering & Manufacturing", "中文 名字", "a\nb two lines"]

    def draw(canvas: type, second: bool) -> np.ndarray:
        with C.style():
            fig = Figure(figsize=(6.0, 4.0), dpi=C.DPI)
            canvas(fig)
            rng = np.random.default_rng(7)
            for k in range(140):
                fig.text(float(rng.uniform(0.0, 0.8)), float(rng.uniform(0.05, 0.95)), texts[k % len(texts)],
                         fontsize=float(rng.choice([7.0, 9.5, 10.0, 10.5, 13.0])), rotation=[0, 0, 90, 30][k % 4],
                         fontweight="bold" if k % 5 == 0 else "normal", antialiased=k % 7 != 0,
                         wrap=k % 11 == 0)
            fig.canvas.draw()
            if second:
                fig.canvas.draw()
            return np.asarray(fig.canvas.buffer_rgba()).copy()

    fastagg.clear_caches()
    plain = draw(FigureCanvasAgg, False)
    assert (draw(fastagg.FastCanvasAgg, False) == plain).all()  # caches filled as it draws
    assert (draw(fastagg.FastCanvasAgg, True) == plain).all()  # drawn from the caches
    assert fastagg._glyphs and fastagg._layouts and fastagg._sizes


def test_fast_canvas_takes_the_same_layout_from_the_measuring_as_matplotlib_shapes() -> None:
    """A plain text's layout taken from its measuring (``set_text``) is the layout ``_layout`` shapes to draw it;
    a text the shaper may change (a ligature, a zero-width space, a combining mark, right-to-left, a glyph of a
    fallback font) is shaped anew."""
    fastagg = pytest.importorskip("analyzer.report.charts.fastagg", reason="the fast canvas is for matplotlib 3.11",
                                  exc_type=ImportError)
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.font_manager import FontProperties, fontManager, get_font

    flags = get_hinting_flag()
    rng = np.random.default_rng(3)
    alphabet = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:·–—…×'\"()$%&/-éüñçøßÆŒΩЖ")
    texts = ["Reconnect score 0.87", "WAVA To", "Zoë Ångström-Øster", "10 yrs", ""]
    texts += ["".join(rng.choice(alphabet, size=int(rng.integers(1, 60)))) for _ in range(150)]
    checked = 0
    for weight in ("normal", "bold"):
        for size in (7.3, 10.0, 13.0):
            font = get_font(fontManager._find_fonts_by_props(FontProperties(family="DejaVu Sans", weight=weight)))
            for text in texts:
                font.clear()
                font.set_size(size, C.DPI)
                items = fastagg._simple_layout(font, text, font.set_text(text, 0.0, flags=flags))
                if items is None:  # a ligature (e.g. "fi" in a random text): fewer glyphs than characters
                    continue
                font.clear()
                font.set_size(size, C.DPI)
                shaped = tuple((i.ft_object, i.glyph_index, i.x, i.y) for i in font._layout(text, flags=flags))
                assert items == shaped, text
                checked += 1
            for text in ("ffi fl", "a\u200bb", "e\u0301", "\u05d0\u05d1", "\u0627\u0644", "中文", "a\u00a0b"):
                font.clear()
                font.set_size(size, C.DPI)
                assert fastagg._simple_layout(font, text, font.set_text(text, 0.0, flags=flags)) is None, text
    assert checked >= 6 * (len(texts) - 10)


def test_charts_keep_matplotlibs_canvas_where_the_fast_one_is_not_made_for_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With another matplotlib than 3.11 the fast canvas refuses to load (ImportError); the charts then draw on
    matplotlib's own Agg canvas, with the same data."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if matplotlib.__version_info__[:2] == (3, 11):
        from analyzer.report.charts import fastagg

        assert type(C.new_figure().canvas) is fastagg.FastCanvasAgg
    monkeypatch.setitem(sys.modules, "analyzer.report.charts.fastagg", None)  # importing it raises ImportError
    fig = C.new_figure()
    assert type(fig.canvas) is FigureCanvasAgg
    a = make_analysis(n_people=12)
    chart = C.plot_top_candidates(a.ranked)
    assert chart.figure is not None and type(chart.figure.canvas) is FigureCanvasAgg
    chart.figure.canvas.draw()
    assert np.asarray(chart.figure.canvas.buffer_rgba()).shape[2] == 4


def test_large_top_is_capped_and_long_names_truncated() -> None:
    a = make_analysis(n_people=60)
    p = C.plot_top_candidates(a.ranked.with_columns(pl.lit("Maximiliana Wilhelmina von Lichtenstein-Habsburg")
                                                    .alias("name")), 20)
    labels = [t.get_text() for t in p.figure.axes[0].get_yticklabels()]
    assert len(labels) == 20 and all(len(t) <= 30 and t.endswith("…") for t in labels)


# ---------------------------------------------------------------------------------------------------------
# report.html
# ---------------------------------------------------------------------------------------------------------


VOID = {"meta", "img", "br", "link", "input", "hr", "col", "source", "wbr", "area", "base", "embed", "track"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("rep") / "report"
    a = make_analysis(n_people=40, hostile=True)
    write_report(a, out, top=25)
    return out, (out / "report.html").read_text(encoding="utf-8")


def test_html_escapes_every_hostile_string(hostile_report: tuple[Path, str]) -> None:
    _, page = hostile_report
    assert "<script" not in page.lower()
    assert "<img src=x" not in page and "<b>Evil" not in page
    parser = _Balance()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "p", "nav",
               "a", "section", "div", "table", "thead", "tbody", "tr", "th", "td", "figure", "img", "figcaption",
               "b", "span", "br", "ul", "li", "code", "footer"}
    assert {tag for tag, _ in parser.tags} <= allowed
    assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")]
    for name in HOSTILE_NAMES:
        assert esc(name) in page, name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page  # Jinja2/markupsafe escaping
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(&#39;reason&#39;)&lt;/script&gt; &amp; more" in page
    assert esc(HOSTILE_FILE) in page  # file names in the sources table


def test_html_is_self_contained_and_well_formed(hostile_report: tuple[Path, str]) -> None:
    out, page = hostile_report
    lowered = page.lower()
    for bad in ('src="http', "src='http", "<link", "<script", "@import", "url(", "<iframe", "<object", "href=\"http"):
        assert bad not in lowered, bad
    parser = _Balance()
    parser.feed(page)
    assert parser.errors == [] and parser.stack == []
    imgs = [attrs for tag, attrs in parser.tags if tag == "img"]
    assert len(imgs) == 9
    assert all((attrs.get("src") or "").startswith("data:image/png;base64,") for attrs in imgs)
    assert all(attrs.get("alt") for attrs in imgs)
    links = [attrs.get("href") or "" for tag, attrs in parser.tags if tag == "a"]
    assert links and all(h.startswith("#") for h in links)
    csp = [attrs for tag, attrs in parser.tags if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and (csp[0].get("content") or "").startswith("default-src 'none'; img-src data:;")
    # the embedded images are the PNGs of charts/
    first = (out / "charts" / "01_top_candidates.png").read_bytes()
    import base64

    assert base64.b64encode(first).decode() in page


def test_html_content(hostile_report: tuple[Path, str]) -> None:
    _, page = hostile_report
    for section in ("Summary", "Charts", "People to reconnect with", "Replies owed", "How the score works",
                    "Sources read"):
        assert f">{section}</h2>" in page
    text = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"\b40\s+people\b", text)  # people card
    assert re.search(r"\b3\s+automated senders kept out\b", text)
    assert "The top 25 of 40 people" in page
    assert page.count("<figcaption>") == 9
    ranked_rows = page.split('id="ranked"')[1].split("</section>")[0].count("<tr>") - 1
    assert ranked_rows == 25
    replies = page.split('id="replies"')[1].split("</section>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in replies and ">3</td>" in replies
    assert "Strength" in page and "Reciprocity" in page and "Warmth" in page


def test_html_for_an_empty_analysis(tmp_path: Path) -> None:
    a = empty_analysis()
    charts = C.make_charts(a, tmp_path / "charts")
    page = render_html(a, charts, tmp_path / "charts")
    assert "No one to rank" in page and page.count("<img") == 9 and "No files were read" in page


# ---------------------------------------------------------------------------------------------------------
# terminal
# ---------------------------------------------------------------------------------------------------------


def _console() -> Console:
    return Console(width=100, record=True, highlight=False, color_system=None)


def test_print_top_fits_100_columns_and_prints_markup_literally() -> None:
    a = make_analysis(n_people=30, hostile=True)
    c = _console()
    print_top(a, 10, console=c)
    out = c.export_text()
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "[bold red]Markup[/]" in out
    assert "<script>alert(1)</s" in out
    for col in ("#", "Name", "Company", "Last contact", "Score", "Why"):
        assert col in out
    assert "2017-01-18" in out  # last contact of rank 1


def test_print_person_shows_identities_merges_and_timeline() -> None:
    a = make_analysis(n_people=40)
    # the kit's person 33 has three source records (SOURCE_SETS[33 % 7] = 3 sources) and events
    pid = "p0033"
    name = a.people.filter(pl.col("person_id") == pid)["name"][0]
    d = person_details(a, pid)
    assert d["identities"].height == 3 and d["merges"].height == 2
    ev = a.events.filter(pl.col("person_id") == pid)
    assert int(d["timeline"]["total"].sum()) == ev.height
    c = _console()
    print_person(a, name.upper(), console=c)
    out = c.export_text()
    assert name in out and "Identities: 3 source record(s)" in out
    assert "google_cs" in out and "same_email" in out and "probabilistic" in out
    for year in ev["timestamp"].dt.year().unique().to_list():
        assert str(year) in out


def test_print_person_markup_name_is_literal_and_unknown_query() -> None:
    a = make_analysis(n_people=10, hostile=True)
    c = _console()
    print_person(a, "markup person", console=c)
    out = c.export_text()
    assert "[bold red]Markup[/] $x^2$ Person" in out
    c = _console()
    print_person(a, "[nobody]", console=c)
    assert "No person matches '[nobody]'." in c.export_text()


def test_find_people_by_email_url_id_and_accentless_name() -> None:
    a = make_analysis(n_people=40)
    row = a.people.filter(pl.col("person_id") == "p0033").row(0, named=True)
    assert find_people(a, "p0033")["person_id"].to_list() == ["p0033"]
    assert find_people(a, row["emails"][0].upper())["person_id"].to_list() == ["p0033"]
    url = row["linkedin_urls"][0].replace("https://www.", "http://uk.") + "/?trk=x"
    assert find_people(a, url)["person_id"].to_list() == ["p0033"]
    jose = find_people(a, "jose")
    assert jose.height >= 2 and all("José" in n for n in jose["name"])
    assert find_people(a, "nobody at all").height == 0


def test_print_company_literal_and_empty() -> None:
    table = pl.DataFrame({"name": ["[red]Eve[/red]"], "company": ["Acme"], "strength": [0.5],
                          "match": ["company"], "reason": ["[link=http://x]y[/link]"]})
    c = _console()
    print_company(table, "[b]Acme[/b]", console=c)
    out = c.export_text()
    assert "[red]Eve[/red]" in out and "[link=http://x]y[/link]" in out and "[b]Acme[/b]" in out
    c = _console()
    print_company(table.head(0), "Nowhere", console=c)
    assert "No one found at Nowhere." in c.export_text()


@pytest.mark.parametrize("fork", ["1", "0"])
def test_charts_drawn_by_the_worker_process_are_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         fork: str) -> None:
    """The two-process drawing of a large network writes the same PNGs and the same chart list as one process,
    whether one worker forks its second renderer (Linux) or each renderer is a process of its own."""
    monkeypatch.setenv("RECONNECT_CHART_FORK", fork)
    a = make_analysis(n_people=30)
    one = C.make_charts(a, tmp_path / "one", parallel=False)
    two = C.make_charts(a, tmp_path / "two", parallel=True)
    assert [(c.filename, c.title, c.caption, c.note, c.data_rows) for c in one] == \
        [(c.filename, c.title, c.caption, c.note, c.data_rows) for c in two]
    for c in one:
        assert (tmp_path / "one" / c.filename).read_bytes() == (tmp_path / "two" / c.filename).read_bytes(), c.key


def test_charts_of_a_failed_worker_are_drawn_by_the_main_process(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.report import chart_worker

    monkeypatch.setattr(chart_worker.sys, "executable", str(tmp_path / "no-python"))  # the worker cannot start
    a = make_analysis(n_people=12)
    charts = C.make_charts(a, tmp_path, parallel=True)
    assert [c.key for c in charts] == [s.key for s in C.CHARTS]
    assert all(not c.note and c.path is not None and c.path.exists() for c in charts)


def _texts_outside(fig: Any) -> list[str]:
    """The visible, non-empty texts of a drawn figure that reach beyond its edges (clipped in the PNG)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    out = []
    axes = [a for a in fig.axes if a.axison]
    ticks = [t for a in fig.axes for axis in (a.xaxis, a.yaxis)
             for tick in axis.get_major_ticks() + axis.get_minor_ticks() for t in (tick.label1, tick.label2)]
    drawn = [t for a in axes for axis in (a.xaxis, a.yaxis) if axis.get_visible()
             for tick in axis._update_ticks() for t in (tick.label1, tick.label2)]  # the ticks in view
    skip = {id(t) for t in ticks}
    for t in [t for t in fig.findobj(Text) if id(t) not in skip] + drawn:
        if not t.get_visible() or not t.get_text().strip():
            continue
        bb = Text.get_window_extent(t, renderer)
        if bb.x0 < box.x0 - 1 or bb.x1 > box.x1 + 1 or bb.y0 < box.y0 - 1 or bb.y1 > box.y1 + 1:
            out.append(t.get_text())
    return out


def test_fixed_layout_clips_no_text_even_with_long_names_and_large_numbers() -> None:
    """The layout is fixed (no constrained layout): the margins follow the labels, so no title, tick label,
    axis label, legend or name is cut off, with realistic data and with long names and large numbers."""
    a = make_analysis(n_people=60)
    long_name = "Maximiliana Wilhelmina von Lichtenstein-Habsburg de la Tour"
    long_company = "Worldwide Consolidated Engineering & Manufacturing Holdings International"
    ranked = a.ranked.with_columns(pl.lit(long_name).alias("name"), pl.lit(long_company).alias("company"))
    people = a.people.with_columns(pl.lit(long_company).alias("company"))
    positions = [{"company": long_company, "title": "Senior Vice President, Global Strategic Operations",
                  "started_on": f"{2010 + i}-01-01", "finished_on": f"{2010 + i}-12-01"} for i in range(8)]
    many = C.channel_data(a.events).with_columns(pl.col("interactions") * 100_000)
    plots = [*C.draw_all(a), C.plot_top_candidates(ranked, 20), C.plot_quadrant(ranked), C.plot_companies(people),
             C.plot_eras(positions, ranked, a.as_of), C.draw_channels(many), C.plot_top_candidates(ranked.head(1)),
             C.plot_overlap(people.head(1)), C.plot_growth(people.head(1))]
    for p in plots:
        assert p.figure.get_layout_engine() is None, p.key
        assert _texts_outside(p.figure) == [], p.key


def test_prestarted_workers_are_used_and_never_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker started ahead (as the pipeline does for a large network) draws the next report's charts, whatever
    its size; workers left over are stopped, and a worker whose caller closes its input exits on its own."""
    from analyzer.report import chart_worker

    monkeypatch.setenv("RECONNECT_CHART_WORKERS", "1")
    chart_worker.prestart()
    assert chart_worker.has_ready_workers()
    proc = chart_worker._ready[0][1].proc
    charts = C.make_charts(make_analysis(n_people=12), tmp_path / "charts")  # parallel=None: the waiting worker
    assert not chart_worker.has_ready_workers() and proc.poll() is not None
    assert all(not c.note and c.path is not None and c.path.exists() for c in charts)
    chart_worker.prestart()
    w = chart_worker._ready[0][1]
    w.finish()  # as when the caller dies: its end of the pipe closes
    assert w.proc.wait(timeout=120) == 0
    chart_worker._close_ready()
    assert not chart_worker._ready and not w.folder.exists()


@pytest.mark.parametrize("changed", [False, True])
def test_charts_drawn_ahead_are_used_when_their_inputs_are_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    changed: bool) -> None:
    """The charts that do not read the scores, handed to the prestarted workers once identity is done
    (draw_ahead), end up in the report as the same PNGs; when the report's people differ, they are drawn again."""
    from analyzer.report import chart_worker

    monkeypatch.setenv("RECONNECT_CHART_WORKERS", "2")
    a = make_analysis(n_people=30)
    one = C.make_charts(a, tmp_path / "one", parallel=False)
    chart_worker.prestart()
    people = a.people.with_columns(pl.lit("Elsewhere Ltd").alias("company")) if changed else a.people
    end = time.monotonic() + 120
    while C.draw_ahead(people, as_of=a.as_of) == 0:  # nothing is sent until a renderer is ready
        assert time.monotonic() < end
        time.sleep(0.05)
    assert sum(w.ready for w in chart_worker.ready_workers()) >= 1
    assert sum(len(w.ahead) for w in chart_worker.ready_workers()) == sum(s.ahead == "people" for s in C.CHARTS) == 3
    assert C.draw_ahead(people, a.events, a.as_of) == 1  # the channels; the people's charts are not sent again
    workers = chart_worker.ready_workers()
    two = C.make_charts(a, tmp_path / "two")
    # the charts drawn ahead are not sent again, but for the companies chart when the companies changed
    assert sum(w.sent for w in workers) == len(C.CHARTS) + changed  # 4 ahead, the 5 others (+ companies)
    assert [(c.filename, c.title, c.caption, c.note, c.data_rows) for c in one] == \
        [(c.filename, c.title, c.caption, c.note, c.data_rows) for c in two]
    for c in two:
        assert c.path == tmp_path / "two" / c.filename
        assert (tmp_path / "one" / c.filename).read_bytes() == c.path.read_bytes(), c.key
    assert not chart_worker.has_ready_workers()


def test_a_failed_draw_ahead_leaves_the_charts_to_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing charts ahead is only a head start: when it fails, analyze goes on and the report draws them."""
    from datetime import date

    from analyzer import pipeline

    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("no room for the jobs")

    calls: list[int] = []
    monkeypatch.setattr(pipeline, "has_ready_chart_workers", lambda: calls.append(1) or True)
    monkeypatch.setattr(C, "draw_ahead", broken)
    mail = tmp_path / "mail.csv"
    mail.write_text("Date,From,To\n2024-01-02 10:00,Me <me@example.org>,Ann Lee <ann@lee.example>\n"
                    "2024-01-03 11:00,Ann Lee <ann@lee.example>,me@example.org\n", encoding="utf-8")
    cfg = tmp_path / "reconnect.toml"
    cfg.write_text('[generic_mail_csv]\ndate = "Date"\nfrom = "From"\nto = "To"\n', encoding="utf-8")
    a = pipeline.analyze([mail], me=["me@example.org"], as_of=date(2024, 6, 1), config=cfg)
    assert len(calls) == 2 and a.ranked.height == 1


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie not yet reaped by its new parent counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


def _wait_for(path: Path, timeout: float = 120.0) -> str:
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, path
        time.sleep(0.05)
    time.sleep(0.05)
    return path.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a worker forks its renderers on Linux only")
def test_one_worker_forks_its_second_renderer_and_leaves_none_behind(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """On Linux the two renderers are one worker process and the copy it forks when the jobs arrive (matplotlib
    imported once); the copy draws its share of the same PNGs and ends with the worker."""
    from analyzer.report import chart_worker

    monkeypatch.delenv("RECONNECT_CHART_FORK", raising=False)
    a = make_analysis(n_people=30)
    one = C.make_charts(a, tmp_path / "one", parallel=False)
    (w,) = chart_worker.take_workers(2)
    assert w.renderers == 2
    forked: list[list[str]] = []
    close = chart_worker.ChartWorker.close

    def closing(self: chart_worker.ChartWorker) -> None:
        forked.append((self.folder / "renderers.txt").read_text().split())
        close(self)

    monkeypatch.setattr(chart_worker.ChartWorker, "close", closing)
    two = C.make_charts(a, tmp_path / "two", parallel=True, worker=w)
    assert [c.filename for c in one] == [c.filename for c in two]
    for c in one:
        assert (tmp_path / "one" / c.filename).read_bytes() == (tmp_path / "two" / c.filename).read_bytes(), c.key
    assert len(forked) == 1 and len(forked[0]) == 1
    assert _gone(int(forked[0][0]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a worker forks its renderers on Linux only")
@pytest.mark.parametrize("how", ["input closed", "worker stopped"])
def test_a_forked_renderer_never_outlives_its_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     how: str) -> None:
    """The copy a worker forked ends when the caller's end of the pipe closes (the caller ended) and when the
    caller stops the worker (close(): the whole process group)."""
    from analyzer.report import chart_worker

    monkeypatch.delenv("RECONNECT_CHART_FORK", raising=False)
    a = make_analysis(n_people=12)
    w = chart_worker.start_worker(2)
    assert w is not None
    try:
        spec = C.CHARTS[-1]
        w.send([(8, spec.key, spec.title, spec.plot, spec.inputs(a, 25), tmp_path / "x.png")], last=False)
        (pid,) = (int(p) for p in _wait_for(w.folder / "renderers.txt").split())
        assert not _gone(pid)
        if how == "input closed":
            w.finish()
            assert w.proc.wait(timeout=120) == 0
        else:
            w.close()
        end = time.monotonic() + 60
        while not _gone(pid):
            assert time.monotonic() < end, "the forked renderer outlived its worker"
            time.sleep(0.05)
    finally:
        w.close()
    assert not w.folder.exists() and w.proc.returncode is not None


def test_interactions_written_by_parts_are_one_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """interactions.csv is written a batch of rows at a time: the same bytes as the whole sorted table at once,
    whatever the batch size (ties of person and time included)."""
    from analyzer.report import writer as W
    from analyzer.report.csvsafe import write_csv

    a = make_analysis(n_people=30)
    ev = a.events
    # ties: the same person and time on several rows that differ in channel, thread or file, and undated rows
    ev = pl.concat([ev, ev.head(7).with_columns(pl.lit("b-thread").alias("thread_id")),
                    ev.head(5).with_columns(pl.lit(None, ev.schema["timestamp"]).alias("timestamp"))])
    a = dataclasses.replace(a, events=ev)
    for dated in (True, False):
        write_csv(W.interactions_table(a, dated), tmp_path / "whole.csv")
        table = W.interactions_table(a, dated)
        plain = ev.filter(pl.col("timestamp").is_not_null() == dated).select(
            "person_id", "timestamp", "channel", "direction", "thread_id", pl.col("source_file").alias("source"),
            "n_participants").sort(["person_id", "timestamp", "channel", "thread_id", "source"], nulls_last=True,
                                   maintain_order=True)
        assert table.equals(plain) and table.height > 0
        for batch in (1, 3, 1 << 17):
            monkeypatch.setattr(W, "INTERACTION_BATCH", batch)
            W.write_interactions(a, tmp_path / "parts.csv", dated)
            assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def _sized(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:  # (sparse: no disk used)
        fh.truncate(size)
    return path


@pytest.mark.parametrize(("layout", "limit", "reached"), [
    ({"a.mbox": 10}, 10, True),
    ({"a.mbox": 9}, 10, False),
    ({"d/a.csv": 4, "d/e/b.vcf": 4, "d/e/f/c.mbox": 2}, 10, True),  # folders walked, nested
    ({"d/a.csv": 4, "d/e/b.vcf": 5}, 10, False),
    ({"a.mbox": 6, "d/b.csv": 4}, 10, True),  # the inputs add up
    ({}, 1, False),
])
def test_inputs_reach_adds_the_sizes_of_files_and_folders(tmp_path: Path, layout: dict[str, int], limit: int,
                                                          reached: bool) -> None:
    from analyzer.report.chart_worker import inputs_reach

    for name, size in layout.items():
        _sized(tmp_path / "in" / name, size)
    tops = sorted({name.split("/")[0] for name in layout})
    assert inputs_reach([str(tmp_path / "in" / t) for t in tops], limit) is reached


def test_inputs_reach_skips_missing_paths_and_link_loops(tmp_path: Path) -> None:
    from analyzer.report.chart_worker import inputs_reach

    _sized(tmp_path / "d" / "a.mbox", 5)
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d", target_is_directory=True)  # a folder linking to itself
    assert not inputs_reach([tmp_path / "missing.zip", tmp_path / "d"], 6)
    assert inputs_reach([tmp_path / "missing.zip", tmp_path / "d"], 5)


@pytest.mark.parametrize(("size", "env", "started"), [
    (16 << 20, None, True),
    ((16 << 20) - 1, None, False),
    (16 << 20, "0", False),  # the user turned the workers off
])
def test_large_inputs_start_the_chart_workers_before_they_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   size: int, env: str | None,
                                                                   started: bool) -> None:
    from analyzer.report import chart_worker

    calls: list[int | None] = []
    monkeypatch.setattr(chart_worker, "prestart", lambda n=None: calls.append(n))
    monkeypatch.setattr(chart_worker.os, "cpu_count", lambda: 2)
    if env is None:
        monkeypatch.delenv("RECONNECT_CHART_WORKERS", raising=False)
    else:
        monkeypatch.setenv("RECONNECT_CHART_WORKERS", env)
    chart_worker.prestart_for_inputs([_sized(tmp_path / "mail.mbox", size)])
    assert calls == ([chart_worker.PARALLEL_MIN_PEOPLE] if started else [])


@pytest.mark.parametrize("charts", [True, False])
def test_chart_workers_are_started_ahead_only_for_a_report(monkeypatch: pytest.MonkeyPatch, charts: bool) -> None:
    """analyze() starts the chart workers once the inputs are read when a report will follow; the commands that
    write none (company, person) pass charts=False and start nothing."""
    from analyzer.pipeline import analyze
    from analyzer.report import chart_worker

    monkeypatch.delenv("RECONNECT_CHART_WORKERS", raising=False)
    monkeypatch.setattr(chart_worker, "PARALLEL_MIN_PEOPLE", 1)  # the sample counts as a large network
    monkeypatch.setattr(chart_worker.os, "cpu_count", lambda: 2)
    try:
        analyze([SAMPLE_DATA], as_of=date(2026, 11, 1), charts=charts)
        assert chart_worker.has_ready_workers() is charts
    finally:
        chart_worker._close_ready()
    assert not chart_worker.has_ready_workers()


def test_the_notebook_api_starts_no_chart_worker_ahead(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """analyzer.analyze() (the notebook API) leaves no worker process waiting in the background, even for a
    large network; Result.write still draws every chart (starting its workers then)."""
    import analyzer
    from analyzer.report import chart_worker

    monkeypatch.delenv("RECONNECT_CHART_WORKERS", raising=False)
    monkeypatch.setattr(chart_worker, "PARALLEL_MIN_PEOPLE", 1)  # the sample counts as a large network
    monkeypatch.setattr(chart_worker.os, "cpu_count", lambda: 2)
    try:
        res = analyzer.analyze(SAMPLE_DATA, as_of="2026-11-01")
        assert not chart_worker.has_ready_workers()
        res.write(tmp_path / "report")
        assert len(list((tmp_path / "report" / "charts").glob("*.png"))) == 9
    finally:
        chart_worker._close_ready()


def test_inputs_reach_looks_at_a_bounded_number_of_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.report import chart_worker

    for i in range(30):
        _sized(tmp_path / "d" / f"f{i:02d}.json", 1)
    monkeypatch.setattr(chart_worker, "_MAX_ENTRIES", 10)
    assert not chart_worker.inputs_reach([tmp_path / "d"], 20)  # 30 bytes, but only 10 entries looked at
    monkeypatch.setattr(chart_worker, "_MAX_ENTRIES", 100)
    assert chart_worker.inputs_reach([tmp_path / "d"], 20)


def _mail(when: str, sender: str, to: str, n: int, label: str) -> list[str]:
    reply = [f"In-Reply-To: <n{n - 2}@example.com>"] if n > 1 else []
    return [f"From x@x {when}", f"From: {sender}", f"To: {to}", f"Date: {when}", f"Message-ID: <n{n}@example.com>",
            *reply, f"Subject: {'Re: ' if reply else ''}hello {n % 2}", f"X-Gmail-Labels: {label}", "", "body", ""]


def test_people_known_only_by_an_address_are_named_by_it_in_the_html(tmp_path: Path) -> None:
    """Mail from a bare address (no display name) made a person with no name: their rows in the ranked list,
    replies owed, "Since last time" and the plan showed an empty name cell (a blank link in the latter two)."""
    from click.testing import CliRunner

    from analyzer.cli import main

    me, quiet, owed = "Pat Owner <pat@example.com>", "quiet@nameless.example", "owed@nameless.example"
    msgs: list[str] = []
    for i, day in enumerate(("03 Mar 2023", "10 Mar 2023", "17 Mar 2023", "24 Mar 2023")):
        when = f"Fri, {day} 10:00:00 +0000"
        msgs += _mail(when, quiet, me, 2 * i, "Inbox") if i % 2 == 0 else _mail(when, me, quiet, 2 * i, "Sent")
        msgs += _mail(when, me, owed, 2 * i + 1, "Sent") if i % 2 == 0 else _mail(when, owed, me, 2 * i + 1, "Inbox")
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "mail.mbox").write_text("\n".join(msgs), encoding="utf-8")
    out = tmp_path / "report"
    runner = CliRunner()
    first = runner.invoke(main, ["analyze", str(inputs), "--out", str(out), "--as-of", "2025-01-01", "-q"])
    assert first.exit_code == 0, first.output
    # since then: you wrote to the quiet one, no answer yet; the other one wrote and you owe them a reply
    msgs += _mail("Mon, 02 Jun 2025 10:00:00 +0000", me, quiet, 99, "Sent")
    msgs += _mail("Tue, 10 Jun 2025 10:00:00 +0000", owed, me, 103, "Inbox")
    (inputs / "mail.mbox").write_text("\n".join(msgs), encoding="utf-8")
    second = runner.invoke(main, ["analyze", str(inputs), "--out", str(out), "--as-of", "2025-06-30", "-q",
                                  "--plan", "1"])
    assert second.exit_code == 0, second.output
    ranked = pl.read_csv(out / "reconnect.csv", infer_schema=False)
    assert ranked["name"].fill_null("").to_list() == ["", ""]  # (the CSV keeps the name empty)
    ids = dict(zip(ranked["emails"], ranked["person_id"], strict=True))
    page = (out / "report.html").read_text(encoding="utf-8")
    part = {key: page.split(f'<section id="{key}">')[1].split("</section>")[0] for key in ("ranked", "replies",
                                                                                         "since")}
    for address in (quiet, owed):
        assert f'<td id="p-{ids[address]}">{address}</td>' in part["ranked"]
    assert f"<tr><td>{owed}</td>" in part["replies"]
    since, plan = part["since"].split("<h3>The plan</h3>")
    assert f'<a href="#p-{ids[quiet]}">{quiet}</a>' in since  # awaiting your reply
    assert plan.count("</a></td>") == 2 and "></a>" not in plan
    assert "></a>" not in page


def test_a_long_name_without_spaces_wraps_in_its_cell(tmp_path: Path) -> None:
    """A 500-character name with no space (a hostile or broken vCard FN) set the width of its table cell, and so
    of the table: the page scrolled sideways by several screens. Table cells may now break such a word."""
    a = make_analysis(n_people=12)
    long_name = "L" * 500
    ranked = a.ranked.with_columns(pl.when(pl.col("rank") == 1).then(pl.lit(long_name)).otherwise(pl.col("name"))
                                   .alias("name"))
    a = dataclasses.replace(a, scored=dataclasses.replace(a.scored, ranked=ranked))
    page = render_html(a, [], tmp_path / "charts")
    assert f">{long_name}</td>" in page
    style = page.split("<style>")[1].split("</style>")[0]
    td_rules = re.findall(r"(?:^|\})\s*td\s*\{([^}]*)\}", style)
    assert any(re.search(r"overflow-wrap:\s*anywhere", rule) for rule in td_rules), td_rules


def test_a_chart_title_ending_in_a_question_mark_gets_no_full_stop(tmp_path: Path) -> None:
    """The reciprocity chart's caption read "How two-way are your relationships?." (a full stop after every
    title)."""
    from analyzer.report.charts.base import Chart

    charts = [Chart("a.png", "How two-way are your relationships?", "Reciprocity per person."),
              Chart("b.png", "Where your contacts work now", "People per company.")]
    page = render_html(make_analysis(n_people=5), charts, tmp_path)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert captions == ["<b>How two-way are your relationships?</b> Reciprocity per person.",
                        "<b>Where your contacts work now.</b> People per company."]


def test_the_alt_text_of_a_placeholder_chart_says_it_has_no_data(tmp_path: Path) -> None:
    """Without Connections.csv the growth chart is a "no data" picture, but its alt text still read "Your
    LinkedIn network over time", as if it showed the network; a placeholder's alt text now says why it is one."""
    a = make_analysis(n_people=8)
    a = dataclasses.replace(a, resolved=dataclasses.replace(
        a.resolved, people=a.people.with_columns(pl.lit(None, pl.Date).alias("connected_on"))))
    charts = C.make_charts(a, tmp_path / "charts")
    page = render_html(a, charts, tmp_path / "charts")
    alts = dict(re.findall(r'<figure id="chart-([a-z_]+)"><img src="data:image/png;base64,[^"]+" alt="([^"]*)"',
                           page))
    assert alts["growth"] == "Your LinkedIn network over time — no connection dates"
    assert alts["companies"] == "Where your contacts work now"  # a chart with data: its title
