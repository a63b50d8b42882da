"""Scoring (analyzer.score / analyzer.measures) on small hand-made people/events frames with known answers."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from analyzer import schemas
from analyzer.errors import InputError
from analyzer.report.lookup import people_at_company
from analyzer.score import Scored, ScoringConfig, score

AS_OF = date(2024, 11, 1)
ACME = [{"company": "ACME Corporation", "title": "Engineer", "started_on": date(2017, 1, 1),
         "finished_on": date(2020, 12, 31)}]


def ts(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


@dataclass
class World:
    """A tiny owner world: people and the events between them and the owner."""

    people: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def person(self, pid: str, name: str, *, kind: str = "person", company: str | None = None,
               emails: tuple[str, ...] = (), urls: tuple[str, ...] = (), connected: date | None = None) -> str:
        self.people.append({"person_id": pid, "kind": kind, "name": name, "emails": list(emails),
                            "linkedin_urls": list(urls), "company": company, "position": None,
                            "connected_on": connected, "sources": ["test"], "n_records": 1})
        return pid

    def msg(self, pid: str, when: datetime | None, direction: str, *, channel: str = "email",
            thread: str | None = None, n: int = 2, message_id: str | None = None,
            in_reply_to: str | None = None) -> None:
        i = len(self.events)
        self.events.append({"record_id": i, "timestamp": when, "channel": channel, "direction": direction,
                            "thread_id": thread, "n_participants": n, "msg_key": f"k{i}",
                            "message_id": message_id, "in_reply_to": in_reply_to, "source_file": "test",
                            "line": i + 1, "person_id": pid})

    def exchange(self, pid: str, when: datetime, thread: str, *, first: str = "sent", n: int = 2,
                 channel: str = "email") -> None:
        """One message each way in ``thread``: ``first`` writes, the other side answers a day later."""
        other = "received" if first == "sent" else "sent"
        self.msg(pid, when, first, thread=thread, n=n, channel=channel)
        self.msg(pid, when + timedelta(days=1), other, thread=thread, n=n, channel=channel)

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        people = pl.DataFrame(self.people, schema=schemas.PEOPLE)
        schema = {**schemas.EVENTS, "person_id": pl.String()}
        events = pl.DataFrame(self.events, schema=schema) if self.events else pl.DataFrame(schema=schema)
        return people, events

    def score(self, positions: list[dict[str, Any]] | None = None, as_of: date = AS_OF,
              config: dict[str, Any] | None = None) -> Scored:
        people, events = self.frames()
        return score(people, events, positions or [], as_of, config or {})


def row(scored: Scored, pid: str) -> dict[str, Any]:
    return scored.ranked.filter(pl.col("person_id") == pid).row(0, named=True)


def measure(scored: Scored, pid: str) -> dict[str, Any]:
    return scored.measures.filter(pl.col("person_id") == pid).row(0, named=True)


def colleague(w: World, pid: str = "colleague") -> str:
    """Ann: two-way e-mail every other month 2017-2020 at Acme (24 threads, 48 messages), she recommended
    the owner in 2019, silent since November 2020."""
    w.person(pid, "Ann Colleague", company="Acme Inc", emails=("ann@acme.com",),
             urls=("https://www.linkedin.com/in/ann",), connected=date(2017, 2, 1))
    for y in range(2017, 2021):
        for mo in range(1, 13, 2):
            w.exchange(pid, ts(y, mo, 5), f"{pid}-{y}-{mo}", first="sent" if mo % 4 == 1 else "received")
    w.msg(pid, ts(2019, 5, 1), "received", channel="linkedin_recommendation")
    return pid


@pytest.fixture
def world() -> World:
    w = World()
    w.person("owner", "Me", kind="owner")
    colleague(w)
    # a recruiter: 12 LinkedIn messages in one thread, never answered
    w.person("recruiter", "Rita Recruiter", company="TalentCo", connected=date(2023, 1, 5))
    for i in range(12):
        w.msg("recruiter", ts(2024, 1 + i % 10, 3 + i), "received", channel="linkedin_message", thread="r1")
    # a warm friend: monthly two-way, last exchange a week ago
    w.person("friend", "Fay Friend", emails=("fay@gmail.com",))
    for i in range(24):
        d = date(2022, 11, 20) + timedelta(days=30 * i)
        w.exchange("friend", ts(d.year, d.month, d.day), f"f{i}", first="sent" if i % 2 else "received")
    # only ever one of 40 recipients
    w.person("mass", "Max Mass", emails=("max@bigcorp.com",))
    for i in range(5):
        w.msg("mass", ts(2023, i + 1, 1), "received", thread=f"m{i}", n=40)
    # a connection, never messaged
    w.person("conn", "Connie Only", connected=date(2021, 6, 1))
    # cold outbound: the owner wrote twice, never answered
    w.person("cold", "Colin Cold", emails=("colin@prospect.io",))
    w.msg("cold", ts(2023, 3, 1), "sent", thread="c1")
    w.msg("cold", ts(2023, 3, 20), "sent", thread="c1")
    # an automated sender
    w.person("bot", "Notifier", kind="automated", emails=("noreply@service.com",))
    w.msg("bot", ts(2024, 10, 25), "received", thread="b1")
    return w


# ---- ranking -------------------------------------------------------------------------------------------

def test_dormant_colleague_outranks_everyone(world: World) -> None:
    s = world.score(ACME)
    order = s.ranked.get_column("person_id").to_list()
    assert order[0] == "colleague"
    # the warm friend has real two-way history: above every tie without it
    assert order[1] == "friend"
    assert set(order[2:]) == {"recruiter", "mass", "conn", "cold"}
    assert row(s, "colleague")["score"] > 5 * row(s, "friend")["score"] > 0
    # a connection alone is a small floor, below every two-way tie
    floor = ScoringConfig().connection_floor
    for pid in ("recruiter", "mass", "conn", "cold"):
        assert row(s, pid)["score"] <= floor < row(s, "friend")["score"]


def test_ranked_matches_schema_and_only_people(world: World) -> None:
    s = world.score(ACME)
    schemas.check(s.ranked, schemas.RANKED, "test")
    assert list(s.ranked.columns) == list(schemas.RANKED)
    assert s.ranked.get_column("rank").to_list() == list(range(1, s.ranked.height + 1))
    assert "bot" not in s.ranked.get_column("person_id").to_list()
    assert "owner" not in s.ranked.get_column("person_id").to_list()
    # measures: one row per non-owner person, automated included
    assert sorted(s.measures.get_column("person_id").to_list()) == sorted(
        ["colleague", "recruiter", "friend", "mass", "conn", "cold", "bot"])


def test_ties_are_broken_by_person_id() -> None:
    w = World()
    for pid in ("p3", "p1", "p2"):
        w.person(pid, f"Same {pid}", connected=date(2020, 1, 1))
    s = w.score()
    assert s.ranked.get_column("person_id").to_list() == ["p1", "p2", "p3"]


def test_counts_and_dates(world: World) -> None:
    s = world.score(ACME)
    r = row(s, "colleague")
    assert (r["messages_sent"], r["messages_received"]) == (24, 24)
    assert r["first_contact"] == date(2017, 1, 5)
    assert r["last_contact"] == date(2020, 11, 6)
    assert r["days_since_contact"] == (AS_OF - date(2020, 11, 6)).days
    m = measure(s, "colleague")
    assert m["threads"] == 24 and m["threads_two_way"] == 24
    assert (m["threads_initiated_owner"], m["threads_initiated_them"]) == (12, 12)
    assert (m["replies_owner"], m["replies_them"]) == (12, 12)
    assert m["reply_rate_owner"] == 1.0 and m["reply_rate_them"] == 1.0
    assert m["active_months"] == 24 and m["two_way_months"] == 24
    assert m["one_to_one_share"] == 1.0
    assert m["recommendations_received"] == 1 and m["recommended_you_year"] == 2019
    assert m["employer"] == "ACME Corporation" and m["worked_together"]
    assert (m["overlap_start"], m["overlap_end"]) == (date(2017, 1, 5), date(2020, 11, 6))
    rec = measure(s, "recruiter")
    assert (rec["messages_sent"], rec["messages_received"]) == (0, 12)
    assert rec["threads_initiated_them"] == 1 and rec["reply_rate_owner"] == 0.0
    mass = measure(s, "mass")
    assert mass["mass_messages"] == 5 and mass["mass_share"] == 1.0 and mass["min_participants"] == 40


def test_reciprocity_is_zero_for_one_way(world: World) -> None:
    s = world.score(ACME)
    for pid in ("recruiter", "cold", "mass"):
        assert row(s, pid)["reciprocity"] == 0.0
        assert row(s, pid)["strength"] < 0.05
    assert row(s, "colleague")["reciprocity"] > 0.8
    assert row(s, "friend")["reciprocity"] > 0.8


def test_group_messages_weigh_less_than_one_to_one() -> None:
    w = World()
    w.person("solo", "One To One")
    w.person("group", "Group Only")
    for i in range(10):
        w.exchange("solo", ts(2019, 1 + i, 10), f"s{i}")
        w.exchange("group", ts(2019, 1 + i, 10), f"g{i}", n=8)
    s = w.score()
    assert 0 < row(s, "group")["strength"] < row(s, "solo")["strength"]
    assert row(s, "group")["score"] < row(s, "solo")["score"]
    assert measure(s, "group")["group_share"] == 1.0


# ---- warmth and strength over time --------------------------------------------------------------------------

def _rhythm_world() -> World:
    w = World()
    w.person("monthly", "Monthly Tie")
    w.person("yearly", "Yearly Tie")
    # monthly for three years, then silent from November 2023
    for i in range(36):
        d = date(2020, 12, 15) + timedelta(days=30 * i)
        w.exchange("monthly", ts(d.year, d.month, d.day), f"mo{i}")
    # once a year for eight years, last in November 2023
    for y in range(2016, 2024):
        w.exchange("yearly", ts(y, 11, 1), f"y{y}")
    return w


def test_warmth_decays_relative_to_rhythm() -> None:
    s = _rhythm_world().score()
    mo, yr = measure(s, "monthly"), measure(s, "yearly")
    assert 300 < mo["silence_days"] < 400 and 300 < yr["silence_days"] < 400
    assert mo["rhythm_days"] < 40 and yr["rhythm_days"] >= 360
    # the same year of silence: a monthly tie has gone cold, a yearly one is on its usual schedule
    assert mo["decay"] < 0.1 < 0.8 < yr["decay"]
    assert mo["warmth"] < yr["warmth"]


def test_strength_does_not_decay() -> None:
    w = _rhythm_world()
    now = w.score(as_of=AS_OF)
    later = w.score(as_of=date(2029, 11, 1))
    for pid in ("monthly", "yearly"):
        assert row(later, pid)["strength"] == row(now, pid)["strength"]
        assert row(later, pid)["warmth"] < row(now, pid)["warmth"]


def test_as_of_is_respected() -> None:
    w = World()
    w.person("p", "Pat", connected=date(2025, 3, 1))
    w.exchange("p", ts(2020, 5, 1), "t1")
    w.exchange("p", ts(2025, 2, 1), "t2")  # after as_of: ignored
    w.msg("p", None, "received", thread="undated")  # undated: kept
    s = w.score(as_of=date(2021, 5, 1))
    r = row(s, "p")
    assert (r["messages_sent"], r["messages_received"]) == (1, 2)
    assert r["last_contact"] == date(2020, 5, 2)
    assert r["days_since_contact"] == (date(2021, 5, 1) - date(2020, 5, 2)).days
    m = measure(s, "p")
    assert m["connected_on"] is None and m["undated_messages"] == 1
    # the later run sees everything
    r2 = row(w.score(as_of=date(2025, 6, 1)), "p")
    assert (r2["messages_sent"], r2["messages_received"]) == (2, 3)


def test_mail_replies_by_in_reply_to() -> None:
    w = World()
    w.person("m", "Mail Only")
    # no thread ids: each message its own thread; replies are linked by In-Reply-To
    w.msg("m", ts(2019, 1, 2), "received", message_id="<a@x>")
    w.msg("m", ts(2019, 2, 20), "sent", message_id="<b@x>", in_reply_to="<a@x>")
    w.msg("m", ts(2019, 4, 3), "received", message_id="<c@x>", in_reply_to="<b@x>")
    m = measure(w.score(), "m")
    assert (m["replies_owner"], m["replies_them"]) == (1, 1)
    assert m["two_way_sent"] == 1 and m["two_way_received"] == 2
    assert m["last_two_way"] == date(2019, 4, 3)


# ---- reasons -------------------------------------------------------------------------------------------------

def test_reasons_state_the_facts(world: World) -> None:
    s = world.score(ACME)
    reason = row(s, "colleague")["reason"]
    assert reason == ("Worked together at ACME Corporation 2017–2020; 48 messages both ways, 2017–2020; "
                      "last contact 3 years 11 months ago; recommended you in 2019.")
    assert row(s, "recruiter")["reason"].startswith("Only one-way: 12 messages from them, never answered")
    assert row(s, "cold")["reason"].startswith("Only one-way: you sent 2 messages, never answered")
    assert row(s, "mass")["reason"].startswith("Only in group mail with 40+ people (5 messages)")
    assert row(s, "conn")["reason"] == "Connected on LinkedIn in 2021; no messages."
    assert row(s, "friend")["reason"].startswith("In touch recently; 48 messages both ways, 2022–2024;")


def test_reason_for_company_match_without_shared_time() -> None:
    w = World()
    w.person("later", "Later Hire", company="Acme, Inc.")
    w.exchange("later", ts(2022, 6, 1), "t")
    r = row(w.score(ACME), "later")["reason"]
    assert r == "At ACME Corporation (you worked there 2017–2020); 2 messages both ways, 2022; last contact 2 years " \
        "4 months ago."


def test_reason_for_a_company_you_work_at_now() -> None:
    """A current job in Positions.csv (no Finished On) is in the present perfect, and one without a Started On
    is "work there now" (the reasons read "you worked there since 2018" and "you worked there now")."""
    w = World()
    w.person("before", "Early Contact", company="Acme, Inc.")
    w.exchange("before", ts(2014, 6, 1), "t")  # before the owner joined: no contact during the tenure
    w.person("conn", "Connie Only", company="Globex", connected=date(2015, 1, 1))
    jobs = [{"company": "Acme Corp", "title": "Engineer", "started_on": date(2018, 6, 1), "finished_on": None},
            {"company": "Globex", "title": "Dev", "started_on": None, "finished_on": None}]
    s = w.score(jobs)
    assert row(s, "before")["reason"].startswith("At Acme Corp (you have worked there since 2018); ")
    assert row(s, "conn")["reason"] == "Connected on LinkedIn in 2015; no messages; at Globex (you work there now)."


def test_reason_for_messages_both_ways_that_answer_nothing() -> None:
    """Both wrote in small group threads in one month, neither answering the other: the reason said "never in
    the same conversation or month", false for them; it says there was no reply between them."""
    w = World()
    w.person("grp", "Group Writer")
    w.msg("grp", ts(2020, 3, 2), "sent", thread="g1", n=5)
    w.msg("grp", ts(2020, 3, 10), "received", thread="g2", n=5)
    s = w.score()
    assert row(s, "grp")["reason"].startswith(
        "No real exchange: 1 message from you and 1 from them, no reply between you in a one-to-one or small "
        "thread; last contact ")
    assert row(s, "grp")["reciprocity"] > 0


def test_in_touch_recently_needs_a_recent_exchange() -> None:
    """Your own unanswered message last month after three years without an exchange read "In touch recently";
    it takes an exchange both ways within the dormancy span."""
    w = World()
    w.person("old", "Old Friend")
    for i in range(6):
        w.exchange("old", ts(2021, 1 + i, 5), f"o{i}")
    w.msg("old", ts(2024, 10, 1), "sent", thread="late")
    w.person("now", "Current Friend")
    w.exchange("now", ts(2024, 9, 1), "n1")
    s = w.score()
    reason = row(s, "old")["reason"]
    assert not reason.startswith("In touch recently"), reason
    assert "last contact 1 month ago; last exchange both ways 3 years" in reason
    assert row(s, "now")["reason"].startswith("In touch recently; 2 messages both ways, 2024")


# ---- replies owed ----------------------------------------------------------------------------------------------

def test_replies_owed() -> None:
    w = World()
    w.person("p", "Pending")
    w.msg("p", ts(2024, 10, 20), "received", thread="asked")  # they opened, unanswered: owed
    w.exchange("p", ts(2024, 10, 10), "answered", first="sent")  # they answered the owner: not owed
    w.msg("p", ts(2024, 10, 22), "received", thread="group", n=5)  # group thread: not owed
    w.msg("p", ts(2024, 3, 1), "received", thread="old")  # too old (90 days)
    w.exchange("p", ts(2024, 9, 1), "reopened", first="sent")
    w.msg("p", ts(2024, 10, 25), "received", thread="reopened")  # re-opened after 50 days: owed
    w.person("bot", "Bot", kind="automated")
    w.msg("bot", ts(2024, 10, 20), "received", thread="b")
    s = w.score()
    assert row(s, "p")["replies_owed"] == 2
    assert "you owe a reply (2 unanswered threads from them, the last 7 days ago)" in row(s, "p")["reason"]
    assert measure(s, "bot")["replies_owed"] == 0
    # a shorter window
    assert row(w.score(config={"replies_owed_days": 10}), "p")["replies_owed"] == 1


# ---- configuration ---------------------------------------------------------------------------------------------

def test_config_override_changes_the_result(world: World) -> None:
    base = world.score(ACME)
    no_employer = world.score(ACME, config={"weight_employer": 0})
    assert row(no_employer, "colleague")["strength"] != row(base, "colleague")["strength"]
    no_floor = world.score(ACME, config={"warm_floor": 0.0})
    assert row(no_floor, "friend")["score"] < row(base, "friend")["score"]
    cfg = ScoringConfig.from_mapping({"dormant_after_days": 365, "group_max_participants": 5})
    assert cfg.dormant_after_days == 365.0 and cfg.group_max_participants == 5
    assert ScoringConfig.from_mapping(None) == ScoringConfig()


@pytest.mark.parametrize(("config", "message"), [
    ({"weight_friendship": 1}, "unknown [scoring] key 'weight_friendship'"),
    ({"weight_volume": "high"}, "[scoring] weight_volume must be a number"),
    ({"group_max_participants": 2.5}, "[scoring] group_max_participants must be an integer"),
    ({"session_gap_days": True}, "must be an integer"),
    ({"dormant_after_days": -1}, "must not be negative"),
    ({"connection_floor": 0.5}, "connection_floor must be below two_way_base"),
])
def test_bad_config_is_an_input_error(world: World, config: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as err:
        world.score(ACME, config=config)
    assert message in str(err.value)
    assert str(err.value).startswith("config: ")


# ---- who do I know at a company ----------------------------------------------------------------------------

def test_people_at_company(world: World) -> None:
    world.person("domain", "Dan Domain", company="Something Else", emails=("dan@acme.co.uk", "dan@gmail.com"))
    world.exchange("domain", ts(2021, 3, 3), "d1")
    world.person("webmail", "Wendy Web", company="Globex", emails=("wendy@gmail.com",))
    world.person("prefix", "Pete Prefix", emails=("pete@globexcorp.com", "pete@acmerobotics.com"))
    s = world.score(ACME)
    people, _ = world.frames()
    analysis = SimpleNamespace(people=people, scored=s)
    by_name = people_at_company(analysis, "acme")  # type: ignore[arg-type]
    assert by_name.columns == ["person_id", "name", "company", "position", "emails", "strength", "warmth",
                               "score", "reason", "match"]
    assert by_name.get_column("person_id").to_list() == ["colleague", "domain"]  # strongest first
    matches = dict(zip(by_name["person_id"], by_name["match"], strict=True))
    assert matches["colleague"] == "company; email domain @acme.com; worked together at ACME Corporation 2017–2020"
    assert matches["domain"] == "email domain @acme.co.uk"
    assert people_at_company(analysis, "ACME Corp.").get_column("person_id").to_list() == [  # type: ignore[arg-type]
        "colleague", "domain"]
    # a query of five letters or more also matches the domains it starts ("acme" is too short to)
    globex = people_at_company(analysis, "Globex")  # type: ignore[arg-type]
    assert dict(zip(globex["person_id"], globex["match"], strict=True)) == {
        "webmail": "company", "prefix": "email domain @globexcorp.com"}
    assert people_at_company(analysis, "Initech").height == 0  # type: ignore[arg-type]


def test_shared_mailbox_is_not_ranked_high() -> None:
    w = World()
    w.person("team", "Acme Team", emails=("info@acme.com",))
    w.person("pal", "Pal", emails=("pal@acme.com",))
    for i in range(6):
        w.exchange("team", ts(2020, 1 + i, 3), f"t{i}")
    w.exchange("pal", ts(2020, 1, 3), "p")
    s = w.score()
    assert s.ranked.get_column("person_id").to_list() == ["pal", "team"]
    assert row(s, "team")["reason"].startswith("Shared mailbox (info@acme.com), not a person")


def test_no_events_at_all() -> None:
    w = World()
    w.person("a", "Alone")
    s = w.score()
    assert s.ranked.height == 1
    assert row(s, "a")["reason"] == "No messages on record."
    assert row(s, "a")["score"] == 0.0


# ---- the generated profile ----------------------------------------------------------------------------------

def _eval_module() -> Any:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "eval_ranking.py"
    spec = importlib.util.spec_from_file_location("eval_ranking", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["eval_ranking"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_ranking_floors_on_the_small_profile(tmp_path: Path) -> None:
    sample = pytest.importorskip("analyzer.sample_data")
    from analyzer.pipeline import analyze

    sample.generate_sample_data(tmp_path / "data", size="small", seed=7, truth_dir=tmp_path / "truth")
    analysis = analyze([tmp_path / "data"], as_of=date(2026, 11, 1))
    metrics = _eval_module().ranking_metrics(analysis.ranked, tmp_path / "truth")
    # 24 true candidates on small: each is 4 points. The realistic world also holds ties that went quiet 2-6
    # months ago (truth: not a candidate yet), one of which ranks just inside (21/24 = 0.875 at seed 7);
    # the medium profile, with 10x the candidates, is measured by benchmarks/eval_ranking.py (0.96).
    assert metrics["precision_at_k"] >= 0.85
    assert metrics["candidates_worst_rank"] <= 60 and metrics["candidates_not_ranked"] == 0
    assert metrics["bad_in_top_50"] == 0
    # NDCG of the ranking itself: a person split in two by identity resolution counts once (the raw figure,
    # which also charges the split rows, is reported by benchmarks/eval_ranking.py)
    assert metrics["ndcg_at_50_unique_people"] >= 0.95


def test_undated_mail_only() -> None:
    w = World()
    w.person("u", "Undated")
    for i in range(3):
        w.msg("u", None, "sent", thread=f"t{i}")
        w.msg("u", None, "received", thread=f"t{i}")
    w.person("c", "Connection", connected=date(2020, 1, 1))
    s = w.score()
    r, m = row(s, "u"), measure(s, "u")
    assert m["undated_messages"] == 6 and m["tier"] == "two_way"
    assert r["last_contact"] is None and r["days_since_contact"] is None
    assert r["reason"] == "6 messages both ways."
    assert r["warmth"] == pytest.approx(r["strength"] * 0.5, abs=1e-4)
    assert r["score"] > row(s, "c")["score"]
    assert row(s, "c")["warmth"] == 0.0
