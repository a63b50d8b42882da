"""Identity resolution (analyzer.identity, analyzer.linkage): levels, adversarial pairs, clustering rules,
corrections, explanations and accuracy on the sample data's truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer import identity, schemas
from analyzer.errors import InputError
from analyzer.identity import Resolved, explain_person, resolve, score_pairs
from analyzer.linkage import LinkageSettings, probability
from analyzer.owner import Owner

CONN = "linkedin.connections"
DEFAULTS: dict[str, Any] = {
    "source_file": "mail.mbox", "source_kind": "mail.mbox", "line": None, "role": "sender", "name": None,
    "first_name": None, "last_name": None, "emails": [], "linkedin_url": None, "company": None, "position": None,
    "connected_on": None, "n_mentions": 1, "owner_hint": False, "automated_hint": None,
}


def records(*rows: dict[str, Any]) -> pl.DataFrame:
    """A RECORDS frame; record ids are the row positions unless given."""
    out = []
    for i, r in enumerate(rows):
        d = {**DEFAULTS, "record_id": i, "line": i + 2, **r}
        out.append(d)
    return pl.DataFrame(out, schema=schemas.RECORDS)


def conn(first: str, last: str, company: str | None = None, url: str | None = None, **kw: Any) -> dict[str, Any]:
    """A Connections.csv row."""
    return {"source_file": "Connections.csv", "source_kind": CONN, "role": "connection", "first_name": first,
            "last_name": last, "company": company, "linkedin_url": url, **kw}


def mail(name: str | None, *emails: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "emails": list(emails), **kw}


def card(name: str, *emails: str, company: str | None = None, **kw: Any) -> dict[str, Any]:
    return {"source_file": "contacts.vcf", "source_kind": "contacts.vcard", "role": "contact", "name": name,
            "emails": list(emails), "company": company, **kw}


def no_owner(*ids: int) -> Owner:
    return Owner([], [], [], pl.Series("record_id", list(ids), dtype=pl.Int64))


def one_thread(*senders: int, to: int) -> pl.DataFrame:
    """MESSAGES: one small thread in which each of ``senders`` writes one message to record ``to``."""
    k = len(senders)
    return pl.DataFrame({
        "msg_key": [f"m{i}" for i in range(k)], "timestamp": [datetime(2024, 1, 1, tzinfo=UTC)] * k,
        "channel": ["email"] * k, "thread_id": ["t1"] * k, "sender_id": list(senders), "recipient_ids": [[to]] * k,
        "n_participants": [2] * k, "message_id": [None] * k, "in_reply_to": [None] * k,
        "source_file": ["mail.mbox"] * k, "line": list(range(1, k + 1))}, schema=schemas.MESSAGES)


def dated_mail(sent: list[tuple[int, int]], to: int) -> pl.DataFrame:
    """One mail to ``to`` on 1 June of each (sender, year), each on a thread of its own."""
    return pl.DataFrame([{"msg_key": f"m{k}", "timestamp": datetime(y, 6, 1, tzinfo=UTC), "channel": "email",
                          "thread_id": f"t{k}", "sender_id": s, "recipient_ids": [to], "n_participants": 2,
                          "message_id": None, "in_reply_to": None, "source_file": "mail.mbox", "line": k + 1}
                         for k, (s, y) in enumerate(sent)], schema=schemas.MESSAGES)


def person_of(res: Resolved) -> dict[int, str]:
    return dict(res.record_person.iter_rows())


def same(res: Resolved, *ids: int) -> bool:
    p = person_of(res)
    return len({p[i] for i in ids}) == 1


# ---------------------------------------------------------------------------------------------------------------
# comparison levels (table-driven, like splink's comparison tests)

LEVEL_CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, str]]] = [
    ("exact names", mail("Jane Doe"), mail("Doe, Jane"), {"first_name": "exact", "last_name": "exact"}),
    ("nickname", conn("Robert", "Smith"), mail("Bob Smith"), {"first_name": "nickname", "last_name": "exact"}),
    ("international nickname", mail("Katarzyna Nowak"), mail("Kasia Nowak"), {"first_name": "nickname"}),
    ("clipped form", mail("Natalie Scott"), mail("Nat Scott"), {"first_name": "nickname"}),
    ("typo jw92", mail("Siobhan Smith"), mail("Siobahn Smith"), {"first_name": "jw92"}),
    ("initial", mail("J. Smith"), mail("John Smith"), {"first_name": "initial", "last_name": "exact"}),
    ("different first", mail("Jane Smith"), mail("Oscar Smith"), {"first_name": "else"}),
    ("swapped", mail("Zhang Wei"), mail("Wei Zhang"), {"first_name": "swapped", "last_name": "swapped"}),
    ("surname typo", mail("Anna Kowalski"), mail("Anna Kowalsky"), {"last_name": "jw92"}),
    ("double surname", mail("Mary Smith-Jones"), mail("Mary Jones"), {"last_name": "token_overlap"}),
    ("unknown surname", mail("Jane"), mail("Jane Doe"), {"last_name": "null"}),
    ("first of two surnames", conn("María", "García Lorente"), mail("María García"), {"last_name": "token_overlap"}),
    ("siblings' double surnames", mail("Maria Garcia Lopez"), mail("Maria Garcia Ruiz"), {"last_name": "else"}),
    ("middle agree", mail("John Q. Public"), mail("John Quincy Public"), {"middle_initial": "agree"}),
    ("middle disagree", mail("John Q. Public"), mail("John R. Public"), {"middle_initial": "disagree"}),
    ("suffix conflict", mail("Michael Brown Jr."), mail("Michael Brown Sr."), {"suffix": "conflict"}),
    ("suffix one side", mail("Michael Brown Jr."), mail("Michael Brown"), {"suffix": "null"}),
    ("same address", mail("A B", "ab@x.com"), mail("A B", "AB@x.com"), {"email": "exact"}),
    ("same local part", mail("Al Ba", "alba.s@gmail.com"), mail("Al Ba", "alba.s@acme.com"), {"email": "same_local"}),
    ("two mailboxes of one employer", mail("J R", "jricci@acme.com"), mail("J R", "jricci42@acme.com"),
     {"email": "other_at_same_domain"}),
    ("role address is no identity", mail("Acme", "info@acme.com"), mail("Acme", "info@acme.com"),
     {"email": "null"}),
    ("local part pattern", mail(None, "jsmith@acme.com"), conn("John", "Smith", "Acme"),
     {"email_name": "pattern", "company": "same"}),
    ("nickname local part", mail(None, "joewillis@acme.com"), conn("Joseph", "Willis", "Acme"),
     {"email_name": "pattern", "company": "same"}),
    ("dotted gmail names a nameless record", mail(None, "priya.esposito@gmail.com"), mail("Priya Esposito"),
     {"first_name": "exact", "last_name": "exact"}),
    ("capitals mark the family name", mail("WANG Wei"), conn("Wei", "Wang"), {"first_name": "exact",
                                                                               "last_name": "exact"}),
    ("first-name address", mail(None, "priya@globex.io"), conn("Priya", "Patel", "Globex"),
     {"email_name": "first", "company": "same"}),
    ("company via domain", conn("Ann", "Lee", "Acme Widgets Inc."), mail("Ann Lee", "ann.lee@acmewidgets.com"),
     {"company": "same"}),
    ("company prefix of domain", card("Ann Lee", company="Northwind"), mail("Ann Lee", "ann@northwindlogistics.com"),
     {"company": "same"}),
    ("webmail is no company", conn("Ann", "Lee", "Acme"), mail("Ann Lee", "ann.lee@gmail.com"), {"company": "null"}),
    ("different company", conn("Ann", "Lee", "Acme"), mail("Ann Lee", "ann.lee@initech.com"), {"company": "else"}),
    ("self-employed is no company", conn("Ann", "Lee", "Self-employed"), mail("Ann Lee", "ann.lee@initech.com"),
     {"company": "null"}),
]


@pytest.mark.parametrize(("case", "a", "b", "expected"), LEVEL_CASES, ids=[c[0] for c in LEVEL_CASES])
def test_comparison_levels(case: str, a: dict[str, Any], b: dict[str, Any], expected: dict[str, str]) -> None:
    row = score_pairs(records(a, b), [(0, 1)]).row(0, named=True)
    assert {k: row[k] for k in expected} == expected


def test_weights_follow_the_settings() -> None:
    st = LinkageSettings()
    row = score_pairs(records(mail("Jane Doe"), mail("Jane Doe")), [(0, 1)], settings=st).row(0, named=True)
    assert row["corroborated"] is False and row["accept"] is False  # a name alone never merges
    assert row["probability"] == pytest.approx(probability(row["match_weight"]))
    # first/last exact weights are TF adjusted but stay within the documented clip
    exact_first = st.comparison("first_name").level("exact")
    assert st.term_frequency.min_weight <= exact_first.weight + st.term_frequency.max_boost
    d = st.to_dict()
    json.dumps(d)  # serialisable
    assert [lv["label"] for lv in d["comparisons"][0]["levels"]][:3] == ["null", "exact", "swapped"]


def test_common_names_weigh_less() -> None:
    rows = [mail("John Smith", f"js{i}@x{i}.com") for i in range(40)]
    rows += [mail("Portia Quayle", "pq1@a.com"), mail("Portia Quayle", "pq2@b.com")]
    res = resolve(records(*rows), no_owner())
    common = dict(res.settings["run"]["most_common_names"]["first"])
    assert common["john"] < LinkageSettings().comparison("first_name").level("exact").weight


# ---------------------------------------------------------------------------------------------------------------
# adversarial pairs

def test_two_david_lee_profiles_need_corroboration_to_take_a_record() -> None:
    """Namesakes (two LinkedIn profiles carry the name): a record goes to one of them only with corroboration
    that singles it out; a record with none stays apart, and says why."""
    res = resolve(records(conn("David", "Lee", "Acme", "https://www.linkedin.com/in/dlee1"),
                          conn("David", "Lee", "Initech", "https://www.linkedin.com/in/dlee2"),
                          mail("David Lee", "dlee@initech.com"),
                          card("David Lee", "david.lee@acme.com", company="Acme"),
                          mail("David Lee", "davidlee77@gmail.com")), no_owner())
    assert not same(res, 0, 1)
    assert same(res, 1, 2) and same(res, 0, 3)
    assert not same(res, 4, 0) and not same(res, 4, 1)
    reasons = res.near_misses.get_column("reason").to_list()
    assert any(r.startswith("namesakes: 2 LinkedIn profiles") for r in reasons)


def test_a_rare_name_links_its_records() -> None:
    """SPEC §5: a name that only one human in the network carries links its records (no company needed)."""
    res = resolve(records(conn("Riley", "Gonzalez", "Westfield"), mail("Riley Gonzalez", "riley_g@gmail.com"),
                          conn("Ann", "Other", "Acme")), no_owner())
    assert same(res, 0, 1)
    m = res.matches.filter(pl.col("rule") == "probabilistic (rare name)").row(0, named=True)
    assert m["evidence"] == "same rare name"


def test_a_common_name_needs_corroboration() -> None:
    """The rarity comes from the network itself: when many people share the given name and the surname, the
    expected number of namesakes without a LinkedIn profile is too high to merge on the name."""
    others = ["Abbot", "Baird", "Carver", "Dunmore", "Ellery", "Fairfax", "Garrick", "Holloway", "Ingram",
              "Jessop", "Kingsley", "Lockhart"]
    rows = [conn("John", o, None, f"https://www.linkedin.com/in/j-{o}") for o in others]
    rows += [conn(o, "Smith", None, f"https://www.linkedin.com/in/s-{o}") for o in others]
    rows += [conn("John", "Smith", "Acme", "https://www.linkedin.com/in/js"), mail("John Smith", "js1@gmail.com")]
    res = resolve(records(*rows), no_owner())
    assert not same(res, 24, 25)
    reason = res.near_misses.filter(pl.col("record_id_r") == 25).get_column("reason").to_list()
    assert reason and reason[0].startswith("common name: about")


def test_a_career_reads_in_sequence_and_the_evidence_says_so() -> None:
    """Maria Olsen wrote from three successive employers' addresses and LinkedIn shows a fourth: one person,
    and the merge says why in words."""
    recs = records(conn("Maria", "Olsen", "Fourth Bank", "https://www.linkedin.com/in/maria-olsen"),
                   mail("Maria Olsen", "maria.olsen@firstco.co.uk"), mail("Maria Olsen", "maria@secondgroup.com"),
                   mail("Olsen, Maria", "mariaolsen@thirdhealth.com"), mail(None, "owner@me.com"),
                   mail("Sam Other", "sam@other.org"))
    # the export goes on to 2026 (someone else's mail)
    msgs = dated_mail([(1, 2014), (1, 2017), (2, 2017), (2, 2020), (3, 2020), (3, 2023), (5, 2026), (5, 2026)], to=4)
    res = resolve(recs, no_owner(4), messages=msgs)
    assert same(res, 0, 1, 2, 3)
    ev = res.matches.filter(pl.col("rule") == "probabilistic (rare name)").get_column("evidence").to_list()
    assert ev and all(e.startswith("same rare name; addresses used one after another 2014–2017 (firstco), "
                                   "2017–2020 (secondgroup), 2020–2023 (thirdhealth)") for e in ev)


def test_work_addresses_in_use_at_the_same_time_are_two_people() -> None:
    """Two Maria Olsens writing from two employers during the same years: a contradiction, they stay apart."""
    recs = records(mail("Maria Olsen", "maria.olsen@firstco.co.uk"), mail("Maria Olsen", "maria@secondgroup.com"),
                   mail(None, "owner@me.com"))
    msgs = dated_mail([(s, y) for s in (0, 1) for y in (2015, 2019)], to=2)
    res = resolve(recs, no_owner(2), messages=msgs)
    assert not same(res, 0, 1)
    assert res.near_misses.row(0, named=True)["reason"].startswith(
        "work addresses at two employers in use at the same time (firstco 2015–2019, secondgroup 2015–2019)")


def test_two_addresses_at_one_employer_in_use_at_the_same_time_are_two_people() -> None:
    """A person has one work address per employer at a time: two Maria Olsens writing from two addresses at
    firstco during the same years stay apart, although the shared work domain would corroborate the name."""
    recs = records(mail("Maria Olsen", "maria.olsen@firstco.co.uk"), mail("Maria Olsen", "molsen@firstco.co.uk"),
                   mail(None, "owner@me.com"))
    msgs = dated_mail([(s, y) for s in (0, 1) for y in (2015, 2019)], to=2)
    res = resolve(recs, no_owner(2), messages=msgs)
    assert not same(res, 0, 1)
    reasons = res.near_misses.get_column("reason").to_list()
    assert any(r.startswith("two addresses at one employer in use at the same time (maria.olsen@firstco.co.uk "
                            "2015–2019, molsen@firstco.co.uk 2015–2019)") for r in reasons)
    # one after the other (2015 then 2019) they read as one career
    seq = dated_mail([(0, 2015), (1, 2019)], to=2)
    assert same(resolve(recs, no_owner(2), messages=seq), 0, 1)


def test_an_address_used_inside_another_employers_tenure_is_another_persons() -> None:
    """Maria Olsen wrote from firstco in 2014, 2017 and 2020; a Maria Olsen at secondgroup wrote once, in 2017:
    the firstco tenure spans it, so they are two people (a single message overlaps nothing by itself)."""
    recs = records(mail("Maria Olsen", "maria.olsen@firstco.co.uk"), mail("Maria Olsen", "maria@secondgroup.com"),
                   mail(None, "owner@me.com"))
    msgs = dated_mail([(0, 2014), (0, 2017), (0, 2020), (1, 2017)], to=2)
    res = resolve(recs, no_owner(2), messages=msgs)
    assert not same(res, 0, 1)
    assert res.near_misses.row(0, named=True)["reason"] == (
        "an address at secondgroup used while the firstco address was in use before and after it "
        "(firstco 2014–2020, secondgroup 2017)")


def _syllable_names(n: int, offset: int) -> list[str]:
    syl = ["ba", "ko", "ri", "tu", "me", "sa", "lo", "ni", "de", "va", "pu", "ge", "zo", "fi", "hu", "ja"]
    return [(syl[(i // 16) % 16] + syl[i % 16] + syl[(i // 7 + offset) % 16]).capitalize()
            for i in range(offset, offset + n)]


def test_a_surname_whose_profiles_share_names_makes_its_names_less_rare() -> None:
    """Given names and surnames are correlated (an English work name such as Jack is commoner among the Xus):
    the network's own LinkedIn profiles show how often names within a surname are shared, and a "Jack Xu" that
    the independence estimate calls rare is not merged on the name alone when the Xu profiles are full of
    namesakes. Without those namesakes the same records merge."""
    firsts, lasts = _syllable_names(300, 0), _syllable_names(300, 300)
    pairs = enumerate(zip(firsts, lasts, strict=True))
    fillers = [conn(f, la, None, f"https://www.linkedin.com/in/f{i}") for i, (f, la) in pairs]
    fillers += [conn("Jack", la, None, f"https://www.linkedin.com/in/jack{i}") for i, la in enumerate(lasts[:3])]
    jack = [conn("Jack", "Xu", "Acme", "https://www.linkedin.com/in/jack-xu"), mail("Jack Xu", "jackxu88@gmail.com")]
    given = ["Wei", "Ming", "Hao", "Lei", "Tao", "Bo", "Yan", "Jun"]
    namesakes = [conn(g, "Xu", None, f"https://www.linkedin.com/in/{g}-xu-{k}") for g in given for k in (1, 2)]
    res = resolve(records(*jack, *fillers, *namesakes), no_owner())
    assert not same(res, 0, 1)
    reason = res.near_misses.filter(pl.col("record_id_r") == 1).get_column("reason").to_list()
    assert reason and reason[0].startswith("common name: about")
    unique_xus = [conn(g, "Xu", None, f"https://www.linkedin.com/in/{g}-xu") for g in given]
    assert same(resolve(records(*jack, *fillers, *unique_xus), no_owner()), 0, 1)


def test_different_middle_initials_stay_apart() -> None:
    res = resolve(records(conn("Mary", "Quinlan", "Acme"), mail("Mary J. Quinlan", "mjq@gmail.com"),
                          mail("Mary K. Quinlan", "mkq@yahoo.com")), no_owner())
    assert not same(res, 1, 2)


def test_a_nameless_address_that_spells_the_only_fitting_name_links() -> None:
    res = resolve(records(conn("Anil", "Kowalczyk", "Delta"), mail(None, "anilk@oldjob.com"),
                          conn("Beth", "Other", "Acme")), no_owner())
    assert same(res, 0, 1)


def test_signature_evidence_links_profile_company_and_native_name() -> None:
    """RECORDS' signature columns: a LinkedIn URL in the signature links the sender to that profile; a native
    full name above the English work name makes Kevin and Kaiwen one person's given names."""
    res = resolve(records(conn("Kaiwen", "Zhang", "Globex", "https://www.linkedin.com/in/kaiwen-zhang"),
                          mail("Kevin Zhang", "kevin.zhang@globex.com", sig_name="Zhang Kaiwen",
                               sig_company="Globex"),
                          mail("Kevin Zhang", "kzhang@initech.com"),
                          mail("Pat Roe", "pat@roe.org", sig_linkedin_url="https://www.linkedin.com/in/patroe"),
                          conn("Pat", "Roe", None, "https://www.linkedin.com/in/patroe")), no_owner())
    assert same(res, 0, 1, 2)
    assert same(res, 3, 4)


def test_a_linkedin_slug_settles_the_name_order() -> None:
    """"WANG Wei" vs "Wei Wang": the slug is written given name first."""
    res = resolve(records(conn("Wang", "Wei", "Acme", "https://www.linkedin.com/in/wei-wang-8a"),
                          mail("Wei Wang", "wei.wang@acme.com")), no_owner())
    assert same(res, 0, 1)
    lv = score_pairs(records(conn("Wang", "Wei", "Acme", "https://www.linkedin.com/in/wei-wang-8a"),
                             mail("Wei Wang", "wei.wang@acme.com")), [(0, 1)]).row(0, named=True)
    assert lv["first_name"] == "exact" and lv["last_name"] == "exact"


def test_one_address_is_one_person_always() -> None:
    """The same Gmail address under an English and a native given name, and a person's own address that also
    sent their newsletter: one row each, the newsletter's bulk records inside the person."""
    res = resolve(records(mail("Kevin Liu", "liu.k@gmail.com"), mail("Liu Jianguo", "liu.k@gmail.com"),
                          mail("Dana Pike", "dana@pike.io"),
                          mail("Dana Pike", "dana@pike.io", automated_hint="List-Unsubscribe", source_file="b.mbox")),
                  no_owner())
    assert same(res, 0, 1) and same(res, 2, 3)
    emails = res.people.select("emails").explode("emails").drop_nulls().get_column("emails").to_list()
    assert len(emails) == len(set(emails))
    kinds = dict(res.people.select("person_id", "kind").iter_rows())
    assert kinds[person_of(res)[2]] == "person"


def test_junior_and_senior_stay_apart() -> None:
    res = resolve(records(mail("Michael Brown Sr.", "mbrown@brownandsons.com"),
                          mail("Michael Brown Jr.", "mike.brown@brownandsons.com"),
                          conn("Michael", "Brown Jr.", "Brown & Sons"),
                          card("Michael Brown", "mbrown@brownandsons.com", company="Brown & Sons")), no_owner())
    assert not same(res, 0, 1)
    assert same(res, 0, 3)  # same address
    assert same(res, 1, 2)  # Jr with Jr
    assert not same(res, 2, 3)


def test_initial_never_bridges_two_first_names() -> None:
    res = resolve(records(conn("Jane", "Smith", "Acme", "https://www.linkedin.com/in/janesmith"),
                          card("John Smith", "john.smith@acme.com", company="Acme"),
                          mail("J. Smith", "j.smith@acme.com")), no_owner())
    assert not same(res, 0, 1)


def test_shared_family_address_is_one_row() -> None:
    """SPEC §5: one address, one person, always -- a household address is one row, and the merge says so."""
    res = resolve(records(mail("John Smith", "smiths@gmail.com"),
                          card("Jane Smith", "smiths@gmail.com")), no_owner())
    assert same(res, 0, 1)
    assert res.settings["run"]["refused_by_rule"]["shared family address (different first names)"] == 1
    m = res.matches.row(0, named=True)
    assert m["rule"] == "same address (one address, one person)" and m["evidence"] == "both use smiths@gmail.com"


def test_maiden_name_change_with_the_same_address_merges() -> None:
    res = resolve(records(mail("Emily Novak", "emily.home@gmail.com"),
                          mail("Emily Carter", "emily.home@gmail.com", source_file="other.mbox"),
                          conn("Emily", "Carter", "Northstar")), no_owner())
    assert same(res, 0, 1)


def test_robert_bob_and_a_card_listing_both() -> None:
    res = resolve(records(conn("Robert", "Smith", "Acme Inc", "https://www.linkedin.com/in/rsmith"),
                          mail("Bob Smith", "bob.smith@acme.com"),
                          card("Robert Smith", "bob.smith@acme.com", "bob1984@gmail.com"),
                          mail("Bob", "bob1984@gmail.com")), no_owner())
    assert same(res, 0, 1, 2, 3)
    assert res.people.filter(pl.col("kind") == "person").height == 1
    rules = sorted(res.matches.get_column("rule").to_list())
    assert rules == ["probabilistic", "same email", "same email"]
    prob = res.matches.filter(pl.col("rule") == "probabilistic").row(0, named=True)
    assert "company=same" in prob["levels"] and prob["match_weight"] > 4.25


def test_a_small_shared_company_weighs_more_than_a_big_one() -> None:
    """Company term frequency: sharing a firm few of your contacts work at is stronger evidence than sharing the
    employer of thirty of them -- never weaker than the network's average shared company."""
    colleagues = [conn(f"Person{i}", f"Colleague{i}", "Acme") for i in range(30)]
    others = [conn(f"Other{i}", f"Contact{i}", f"Firm{i} Ltd") for i in range(200)]
    recs = records(conn("Ann", "Lee", "Tinyco"), mail("Ann Lee", "ann.lee@tinyco.com"),
                   conn("Ann", "Lee", "Acme"), mail("Ann Lee", "ann.lee@acme.com"), *colleagues, *others)
    sc = score_pairs(recs, [(0, 1), (2, 3)]).sort("record_id_l")
    small, big = sc.get_column("match_weight").to_list()
    assert sc.get_column("company").to_list() == ["same", "same"]
    assert 0 < small - big <= LinkageSettings().term_frequency.max_boost


def test_shared_tokens_are_flagged_once_for_all_pairs_not_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pair's shared-token flags are read from the hit sets of all pairs in one pass: flagged chunk by
    chunk, every chunk hashed every hit set again, and the hit sets grow with the pairs (a mailbox of 200,000
    newsletter senders: 4 M pairs in 40 chunks of 0.8 s each, then out of memory). Same levels and weights
    with one pair per chunk, and the pair keys built as often."""
    from analyzer.identity import comparison
    calls = [0]
    real = comparison.pair_key

    def counting(a: str, b: str) -> pl.Expr:
        calls[0] += 1
        return real(a, b)

    monkeypatch.setattr(comparison, "pair_key", counting)
    recs = records(card("Ann Lee", "ann.lee@tinyco.com", company="Tinyco"), mail("Ann Lee", "ann.lee@tinyco.com"),
                   conn("Ann", "Lee", "Tinyco"), mail("Bob Stone", "bob@stone.dev"), mail("Bob Stone", "bstone@x.org"))
    pairs = [(0, 1), (0, 2), (1, 2), (3, 4)]
    whole = score_pairs(recs, pairs)
    n_whole, calls[0] = calls[0], 0
    chunked = score_pairs(recs, pairs, settings=LinkageSettings(compare_chunk_pairs=1))
    assert chunked.equals(whole)
    assert whole.get_column("email").to_list()[:2] == ["exact", "null"]
    assert whole.get_column("company").to_list()[1] == "same"
    assert calls[0] == n_whole


def test_shared_tokens_are_searched_slice_by_slice_with_the_same_hits(monkeypatch: pytest.MonkeyPatch) -> None:
    """4 million candidate pairs of a 100,000-card address book were searched for shared tokens at once: each
    pair's side joined to its company tokens, and the company hits hashed for all cluster pairs together (peak
    2.4 GB). The pairs are searched a slice at a time: with one pair per slice, the same levels and weights."""
    from analyzer.identity import comparison

    recs = records(card("Ann Lee", "ann.lee@tinyco.com", company="Tinyco"), mail("Ann Lee", "ann.lee@tinyco.com"),
                   conn("Ann", "Lee", "Tinyco"), mail("Bob Stone", "bob@stone.dev"), mail("Bob Stone", "bstone@x.org"),
                   conn("Bob", "Stone", "Stone Labs"), card("Bob Stone", "bob@stonelabs.com", company="Stone Labs"))
    pairs = [(0, 1), (0, 2), (1, 2), (3, 4), (5, 6), (3, 6), (2, 5)]
    whole = score_pairs(recs, pairs)
    monkeypatch.setattr(comparison, "_HIT_CHUNK", 1)
    sliced = score_pairs(recs, pairs)
    assert sliced.equals(whole)
    by_pair = {(a, b): (e, c) for a, b, e, c in whole.select("record_id_l", "record_id_r", "email", "company").rows()}
    assert by_pair[(0, 1)][0] == "exact" and by_pair[(0, 2)][1] == by_pair[(5, 6)][1] == "same"


def test_em_learns_that_typos_are_common_among_matches() -> None:
    """``m_estimation = "em"`` (splink's unsupervised training, for data unlike personal networks): when most
    matching pairs carry a first-name typo, the JW >= 0.92 level is learnt far stronger than its fixed weight,
    and the run is deterministic."""
    firsts = ["alexander", "benjamin", "catherine", "dominique", "elizabeth", "frederick", "gabriella",
              "harrison", "isabella", "jonathan", "kimberly", "leonardo", "margaret", "nathaniel", "octavia"]
    lasts = [f"{a}{b}son" for a in ("black", "brook", "fair", "green", "hart", "lind", "mor", "rich", "stan", "wood")
             for b in ("ley", "ing", "er", "ton", "ford", "well", "by", "more")]
    rows = []
    for i, last in enumerate(lasts):
        first = firsts[i % len(firsts)]
        typo = first[:3] + first[4] + first[3] + first[5:]  # two letters swapped
        rows += [mail(f"{first} {last}"), mail(f"{typo} {last}", source_file="b.mbox")]
    st = LinkageSettings(require_corroboration=False, m_estimation="em")
    res = resolve(records(*rows), no_owner(), settings=st)
    learnt = res.settings["run"]["estimated"]["em"]
    assert learnt["first_name"]["jw92"] > st.comparison("first_name").weight("jw92") + 1
    assert learnt["sessions"]["last_name=exact"]["match_share"] > 0.5
    again = resolve(records(*rows), no_owner(), settings=st)
    assert again.record_person.equals(res.record_person)


def test_swapped_family_name_first() -> None:
    res = resolve(records(conn("Wei", "Zhang", "Acme"), mail("Zhang Wei", "zhang.wei@acme.com")), no_owner())
    assert same(res, 0, 1)
    assert "last_name=swapped" in res.matches.row(0, named=True)["levels"]


def test_shared_thread_corroborates() -> None:
    recs = records(mail("Ann Lee", "ann.lee@gmail.com"), mail("Ann Lee", "annlee77@yahoo.com", source_file="b.mbox"),
                   mail("Me", "me@x.com"))
    msgs = one_thread(0, 1, to=2)
    strict = LinkageSettings(uncorroborated_merges="never")  # a name alone never merges
    assert not same(resolve(recs, no_owner(2), settings=strict), 0, 1)
    res = resolve(recs, no_owner(2), messages=msgs, settings=strict)
    assert same(res, 0, 1)
    assert "thread=shared" in res.matches.filter(pl.col("rule") == "probabilistic").row(0, named=True)["levels"]


def test_double_surname_shortened_in_mail_merges_at_the_same_company() -> None:
    """María García Lorente on LinkedIn and "María García" at her employer's domain are one person, with the
    prior of a 5,000-person network (``min_records_for_prior``)."""
    recs = records(conn("María", "García Lorente", "Wayne Enterprises"),
                   mail("María García", "maria.garcia.lorente@wayne.com"))
    assert same(resolve(recs, no_owner(), settings=LinkageSettings(min_records_for_prior=5000)), 0, 1)


def test_nameless_address_of_a_named_person_is_not_matched_to_a_namesake_pattern() -> None:
    """bjornb5581@gmail.com is Björn Bianchi's (a named record has it); that its letters fit "Björn B." must not
    pull in Björn Barker, a colleague at the same company."""
    recs = records(card("Björn Bianchi", "bjorn.bianchi@northwind.com", "bjornb5581@gmail.com"),
                   mail(None, "bjornb5581@gmail.com"),
                   mail("Barker, Björn", "bjorn.barker@northwind.com"))
    res = resolve(recs, no_owner())
    assert same(res, 0, 1)
    assert not same(res, 1, 2)


def test_nameless_gmail_address_on_a_small_thread_merges() -> None:
    """priya.esposito@gmail.com (no display name) and Priya Esposito's work address on one small thread: the
    dotted Gmail address names its owner although normalisation drops the dots."""
    recs = records(mail(None, "priya.esposito@gmail.com"), mail("Priya Esposito", "priya.esposito@castellan.com"),
                   mail("Me", "me@x.com"))
    msgs = one_thread(0, 1, to=2)
    strict = LinkageSettings(uncorroborated_merges="never")  # a name alone never merges
    assert not same(resolve(recs, no_owner(2), settings=strict), 0, 1)  # without the thread: a name alone
    assert same(resolve(recs, no_owner(2), messages=msgs, settings=strict), 0, 1)


def test_two_rows_of_one_connections_file_never_merge() -> None:
    res = resolve(records(conn("Ana", "Silva", "Acme"), conn("Ana", "Silva", "Acme"),
                          mail("Ana Silva", "ana.silva@acme.com")), no_owner())
    assert not same(res, 0, 1)


def test_two_linkedin_profiles_never_merge() -> None:
    res = resolve(records(conn("Bob", "Stone", "Acme", "https://www.linkedin.com/in/bob-stone-1"),
                          mail("Bob Stone", "bob.stone@acme.com"),
                          {"source_file": "messages.csv", "source_kind": "linkedin.messages", "name": "Bob Stone",
                           "linkedin_url": "https://www.linkedin.com/in/bob-stone-2"},
                          card("Bob Stone", "bob.stone@acme.com",
                               linkedin_url="https://www.linkedin.com/in/bob-stone-2")), no_owner())
    assert not same(res, 0, 2)
    assert same(res, 1, 2, 3)  # URL and address are deterministic; the name link to profile 1 is refused


def test_automated_senders_are_never_merged_with_humans() -> None:
    res = resolve(records(conn("Jane", "Doe", "LinkedIn"),
                          mail("Jane Doe via LinkedIn", "messages-noreply@linkedin.com", automated_hint="noreply"),
                          mail("Jane Doe", "jane.doe@acme.com"),
                          mail("Jane Doe", "jane.doe@acme.com", automated_hint="List-Id", source_file="b.mbox"),
                          mail("Sam Roe via LinkedIn", "messages-noreply@linkedin.com", automated_hint="noreply")),
                  no_owner())
    kinds = dict(res.people.select("person_id", "kind").iter_rows())
    p = person_of(res)
    assert kinds[p[1]] == "automated"
    assert kinds[p[0]] == kinds[p[2]] == "person"
    assert same(res, 2, 3)  # a person's own address that also sent a newsletter stays with the person
    assert not same(res, 0, 1)
    assert same(res, 1, 4)  # the automated sender is one "person" whatever display name it shows


def test_role_addresses_are_automated_not_people() -> None:
    res = resolve(records(mail("Hubly Support", "info@hubly.io"), mail(None, "info@hubly.io"),
                          card("Hubly Support", "info@hubly.io")), no_owner())
    assert res.people.height == 1
    assert res.people.row(0, named=True)["kind"] == "automated"


def test_owner_is_one_person_and_never_merged() -> None:
    res = resolve(records(mail("Morgan Reyes", "morgan@northwind.com", owner_hint=True),
                          {"source_file": "Invitations.csv", "source_kind": "linkedin.invitations", "role": "owner",
                           "name": "Morgan Reyes"},
                          conn("Morgan", "Reyes", "Northwind"),
                          mail("Morgan Reyes", "m.reyes@northwind.com")), no_owner(0, 1))
    p = person_of(res)
    assert p[0] == p[1] == "owner"
    assert p[2] != "owner" and p[3] != "owner"
    assert res.people.filter(pl.col("kind") == "owner").height == 1
    assert "owner" in res.matches.get_column("rule").to_list()


# ---------------------------------------------------------------------------------------------------------------
# clustering, ids, outputs

def test_empty_and_tiny_inputs() -> None:
    res = resolve(schemas.empty(schemas.RECORDS), no_owner())
    assert res.people.height == res.record_person.height == res.matches.height == 0
    res = resolve(records(mail("Me", "me@x.com")), no_owner(0))
    assert person_of(res) == {0: "owner"}
    res = resolve(records(mail(None), mail(None)), no_owner())
    assert res.people.height == 2


def test_matches_explain_every_merge() -> None:
    res = resolve(records(conn("Robert", "Smith", "Acme Inc", "https://www.linkedin.com/in/rsmith"),
                          mail("Bob Smith", "bob.smith@acme.com"),
                          card("Robert Smith", "bob.smith@acme.com", "bob1984@gmail.com"),
                          {"source_file": "messages.csv", "source_kind": "linkedin.messages", "name": "Robert Smith",
                           "linkedin_url": "https://www.linkedin.com/in/rsmith"},
                          mail("Solo Person", "solo@x.com")), no_owner())
    n_people = res.people.height
    assert res.matches.height == res.record_person.height - n_people
    schemas.check(res.matches, schemas.MATCHES, "test")
    schemas.check(res.people, schemas.PEOPLE, "test")
    assert set(res.matches.get_column("person_id")) <= set(res.people.get_column("person_id"))


def test_person_ids_are_stable() -> None:
    rows = [conn("Robert", "Smith", "Acme", "https://www.linkedin.com/in/rsmith"), mail("Bob Smith", "bob@acme.com"),
            mail("Zed Alpha", "zed@x.com"), mail("No Address")]
    a = resolve(records(*rows), no_owner())
    b = resolve(records(*rows).sample(fraction=1.0, shuffle=True, seed=3), no_owner())
    assert person_of(a) == person_of(b)
    assert person_of(a)[0] == identity.person_id_hash("url:https://www.linkedin.com/in/rsmith")
    assert person_of(a)[2] == identity.person_id_hash("email:zed@x.com")
    assert person_of(a)[3].startswith("p") and len(person_of(a)[3]) == 13


def test_people_table_uses_the_cleaned_connection_name() -> None:
    res = resolve(records(conn("Jane", "Doe, MBA 🚀", "Acme"), mail("Doe, Jane", "jane.doe@acme.com")), no_owner())
    row = res.people.row(0, named=True)
    assert row["name"] == "Jane Doe" and row["company"] == "Acme" and row["n_records"] == 2
    assert row["emails"] == ["jane.doe@acme.com"]


def test_settings_are_json_with_run_numbers() -> None:
    res = resolve(records(conn("Robert", "Smith", "Acme"), mail("Bob Smith", "bob.smith@acme.com")), no_owner())
    s = json.loads(json.dumps(res.settings, default=str))
    assert s["threshold_probability"] == 0.95
    assert {r["name"] for r in s["blocking_rules"]} >= {"nickname+last_initial", "sorted_name"}
    assert s["run"]["candidate_pairs"] >= 1
    assert "nickname+last_initial" in s["run"]["candidate_pairs_by_rule"]
    assert s["ignored_record_ids"] == []


def test_company_weight_is_estimated_on_the_run() -> None:
    firsts = ["Ann", "Bea", "Cy", "Dan", "Eve", "Fay", "Gus", "Hal", "Ida", "Jo"]
    lasts = ["Ames", "Bell", "Cole", "Dunn", "Eads", "Frye", "Gale", "Hoyt", "Irby"]
    rows = [conn(f, la, "Acme") for f in firsts for la in lasts]  # everyone works at one employer
    res = resolve(records(*rows), no_owner())
    est = res.settings["run"]["estimated"]["company"]
    assert est["u_same"] > 0.9 and est["weight_same"] < 0  # a shared employer tells nothing here
    assert res.people.height == len(rows)


def test_oversized_blocks_are_skipped_and_counted() -> None:
    rows = [mail(f"Person{i} Garcia", f"p{i}@x{i}.com") for i in range(12)]
    res = resolve(records(*rows), no_owner(), settings=LinkageSettings(max_block_size=5))
    stats = res.settings["run"]["candidate_pairs_by_rule"]
    assert stats["last_name+first_initial"]["blocks_skipped"] == 1
    assert stats["last_name+first_initial"]["records_in_skipped_blocks"] == 12


# ---------------------------------------------------------------------------------------------------------------
# corrections

def test_config_same_forces_a_merge() -> None:
    recs = records(mail("Robert Smith", "rs@acme.com"), conn("Bobby", "Smyth", None, "https://www.linkedin.com/in/bs"))
    res = resolve(recs, no_owner(), {"same": [["rs@acme.com", "https://www.linkedin.com/in/bs/"]]})
    assert same(res, 0, 1)
    assert res.matches.get_column("rule").to_list() == ["config same"]


def test_config_different_splits_a_shared_address() -> None:
    recs = records(mail("Alex Kim", "alex@kim.family"), mail("Alex Kim", "alex@kim.family", source_file="b.mbox"))
    assert same(resolve(recs, no_owner()), 0, 1)
    res = resolve(recs, no_owner(), {"different": [["Alex Kim <alex@kim.family>", "nobody@else.com"]]})
    assert same(res, 0, 1)  # only one side matched: nothing to separate
    recs2 = records(mail("Alex Kim", "alex@kim.family"), conn("Alex", "Kim", "Kim Family",
                                                                "https://www.linkedin.com/in/alexkim"),
                    card("Alex Kim", "alex@kim.family", linkedin_url="https://www.linkedin.com/in/alexkim"))
    assert same(resolve(recs2, no_owner()), 0, 1, 2)
    res2 = resolve(recs2, no_owner(), {"different": [["alex@kim.family", "https://www.linkedin.com/in/alexkim"]]})
    assert not same(res2, 0, 1)
    assert res2.settings["run"]["refused_by_rule"].get("listed as different in the config", 0) >= 1


def test_config_ignore_drops_records() -> None:
    recs = records(mail("Newsletter", "news@letters.io"), mail("Ann Lee", "ann@x.com"), mail("Spam King"))
    res = resolve(recs, no_owner(), {"ignore": ["NEWS@letters.io", "spam king"]})
    assert res.settings["ignored_record_ids"] == [0, 2]
    assert res.record_person.get_column("record_id").to_list() == [1]
    assert res.people.height == 1
    assert res.settings["run"]["corrections_unmatched"] == []


def test_config_unmatched_identity_is_reported() -> None:
    res = resolve(records(mail("Ann Lee", "ann@x.com")), no_owner(), {"ignore": ["ghost@nowhere.org"]})
    assert res.settings["run"]["corrections_unmatched"] == ["ghost@nowhere.org"]


@pytest.mark.parametrize("config", [{"sam": []}, {"same": "a@b.c"}, {"same": [["a@b.c", 3]]},
                                    {"different": [["only-one@x.com"]]}, {"ignore": "x@y.z"},
                                    {"merge_unique_names": "yes"}])
def test_config_errors(config: dict[str, Any]) -> None:
    with pytest.raises(InputError) as err:
        resolve(records(mail("Ann Lee", "ann@x.com")), no_owner(), config)
    assert str(err.value).startswith("config: ")


def test_config_merge_unique_names_is_retired_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """``merge_unique_names`` is what the default now does (rare names link): accepted, ignored, and said so."""
    recs = records(conn("Olusegun", "Adebayo", "Globex"), mail("Olusegun Adebayo", "olusegun77@gmail.com"))
    with caplog.at_level("WARNING"):
        res = resolve(recs, no_owner(), {"merge_unique_names": False})
    assert same(res, 0, 1)
    assert any("merge_unique_names is retired" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------------------------------------------
# explanations

def test_explain_person() -> None:
    recs = records(conn("Robert", "Smith", "Acme Inc", "https://www.linkedin.com/in/rsmith"),
                   mail("Bob Smith", "bob.smith@acme.com"), mail("Robert Smith", "rob@gmail.com"),
                   conn("Robert", "Smith", "Globex", "https://www.linkedin.com/in/robert-smith-2"))
    res = resolve(recs, no_owner())
    for query in ("bob.smith@ACME.com", "https://linkedin.com/in/rsmith/", person_of(res)[0]):
        out = explain_person(res, recs, query)
        assert [o["person_id"] for o in out][:1] == [person_of(res)[0]], query
    assert {o["person_id"] for o in explain_person(res, recs, "robert smith")} == {
        person_of(res)[i] for i in (0, 2, 3)}  # the gmail namesake stays apart
    one = explain_person(res, recs, "bob.smith@acme.com")[0]
    assert [r["record_id"] for r in one["records"]] == [0, 1]
    assert one["merges"][0]["rule"] == "probabilistic"
    near = {(n["record_id_r"], n["reason"]) for n in one["near_misses"]}
    assert (2, "namesakes: 2 LinkedIn profiles carry this name") in near  # the gmail Robert Smith: name only
    assert explain_person(res, recs, "nobody at all") == []


# ---------------------------------------------------------------------------------------------------------------
# accuracy on the sample data's truth

def test_sample_data_small_precision_and_recall(tmp_path: Path) -> None:
    sd = pytest.importorskip("analyzer.sample_data")
    import sys

    from analyzer import owner as owner_mod
    from analyzer.ingest import ingest

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from eval_identity import cluster_metrics, truth_of_records

    data, truth = tmp_path / "small", tmp_path / "truth"
    sd.generate_sample_data(data, size="small", seed=7, truth_dir=truth)
    ing = ingest([str(data)])
    own = owner_mod.identify_owner(ing.records, ing.owner)
    people = pl.read_csv(truth / "people.csv", schema_overrides={"truth_id": pl.String})
    humans = people.filter(~pl.col("is_automated").cast(pl.String).str.to_lowercase().is_in(["true", "1"])
                           & (pl.col("truth_id") != "P00000")).get_column("truth_id")
    record_truth = truth_of_records(ing.records, truth)

    def evaluate(settings: LinkageSettings | None = None) -> tuple[dict[str, float], pl.DataFrame]:
        res = resolve(ing.records, own, None, messages=ing.messages, settings=settings)
        df = record_truth.join(res.record_person, on="record_id").filter(pl.col("truth_id").is_in(humans.implode()))
        return cluster_metrics(df), df

    m, df = evaluate()
    assert m["pairwise_p"] >= 0.99
    # SPEC §5: a rare name links its records (a LinkedIn connection and the same name at a gmail address)
    assert m["pairwise_r"] >= 0.98
    strict, _ = evaluate(LinkageSettings(uncorroborated_merges="never"))  # the former "name alone never merges"
    assert strict["pairwise_p"] >= 0.99 and strict["pairwise_r"] < m["pairwise_r"]
    # the hand-made traps of the generator
    traps = pl.read_csv(truth / "traps.csv", schema_overrides={"truth_id": pl.String})
    names = dict(people.select("truth_id", "name").iter_rows())
    for trap in ("same_name_different_person", "generational_suffix_pair"):
        tids = traps.filter(pl.col("trap") == trap).get_column("truth_id").unique().sort().to_list()
        assert len(tids) >= 2, trap
        pids = {t: set(df.filter(pl.col("truth_id") == t).get_column("person_id").to_list()) for t in tids}
        # namesakes (the same full name, or the same name but for Jr/Sr) never share a row of people.csv
        for i, a in enumerate(tids):
            for b in tids[i + 1:]:
                if trap == "generational_suffix_pair" or names[a] == names[b]:
                    assert not (pids[a] & pids[b]), (trap, a, b)
    for trap in ("maiden_name_change_same_email", "card_links_work_and_personal",
                 "gmail_dot_plus_googlemail_variants"):
        for t in traps.filter(pl.col("trap") == trap).get_column("truth_id").to_list():
            assert df.filter(pl.col("truth_id") == t).get_column("person_id").n_unique() == 1, trap


def test_bulk_mail_from_a_persons_own_address_is_not_one_to_one_mail() -> None:
    """The newsletter records of a person's address join the person (one address, one person), and the
    pipeline drops their events: an issue of the newsletter is not a message from that person."""
    from analyzer.pipeline import drop_bulk_mail_of_people

    recs = records(mail("Dana Pike", "dana@pike.io"),
                   mail("Dana Pike", "dana@pike.io", automated_hint="List-Unsubscribe", source_file="b.mbox"),
                   mail("Some Newsletter", "news@letter.io", automated_hint="List-Id"))
    res = resolve(recs, no_owner())
    events = pl.DataFrame({"record_id": [0, 1, 1, 2]}).join(res.record_person, on="record_id")
    kept = drop_bulk_mail_of_people(events, recs, res.people)
    assert kept.get_column("record_id").to_list() == [0, 2]


def test_a_nameless_address_that_spells_two_names_stays_apart() -> None:
    res = resolve(records(conn("Anil", "Kowalczyk", "Delta"), conn("Anil", "Kapoor", "Acme"),
                          mail(None, "anilk@oldjob.com")), no_owner())
    assert not same(res, 2, 0) and not same(res, 2, 1)
    assert "the address spells more than one name in this network" in res.near_misses.get_column("reason").to_list()


def test_a_current_profile_and_another_employers_address_still_in_use_are_two_people() -> None:
    """LinkedIn shows the employer someone has today: a namesake still writing from another employer's address
    at the end of the export is someone else."""
    recs = records(conn("Maria", "Olsen", "Fourth Bank", "https://www.linkedin.com/in/maria-olsen"),
                   mail("Maria Olsen", "maria@secondgroup.com"), mail(None, "owner@me.com"))
    msgs = pl.DataFrame([{"msg_key": f"m{y}", "timestamp": datetime(y, 6, 1, tzinfo=UTC), "channel": "email",
                          "thread_id": f"t{y}", "sender_id": 1, "recipient_ids": [2], "n_participants": 2,
                          "message_id": None, "in_reply_to": None, "source_file": "mail.mbox", "line": 1}
                         for y in (2024, 2026)], schema=schemas.MESSAGES)
    res = resolve(recs, no_owner(2), messages=msgs)
    assert not same(res, 0, 1)
    assert res.near_misses.row(0, named=True)["reason"] == (
        "current LinkedIn employer differs from a work address still in use (LinkedIn: Fourth Bank; "
        "secondgroup until 2026)")


def test_a_name_seen_only_on_mass_mail_needs_corroboration() -> None:
    """A record known only as one of forty recipients of a company-wide mail is a name in a crowd."""
    recs = records(conn("Haruto", "Diaz", "Beacon Hill", "https://www.linkedin.com/in/haruto-diaz"),
                   mail("Haruto Diaz", "haruto.diaz@northwind.com", role="recipient"), mail(None, "owner@me.com"))
    msgs = pl.DataFrame([{"msg_key": "m1", "timestamp": datetime(2020, 6, 1, tzinfo=UTC), "channel": "email",
                          "thread_id": "t1", "sender_id": 2, "recipient_ids": [1], "n_participants": 41,
                          "message_id": None, "in_reply_to": None, "source_file": "mail.mbox", "line": 1}],
                        schema=schemas.MESSAGES)
    res = resolve(recs, no_owner(2), messages=msgs)
    assert not same(res, 0, 1)
    assert res.near_misses.row(0, named=True)["reason"].startswith("known only from mass mail")
    assert same(resolve(recs, no_owner(2)), 0, 1)  # without the mail: a rare name links


def test_a_crowd_on_one_address_is_not_compared_name_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """30,000 cards of different names (given names alike) listing one address: each link on the address
    compared every name the cluster had gathered, the links of one address quadratic (30,000 cards: identity
    81 s). A cluster of more than MAX_CLUSTER_NAMES names is a crowd: the address joins it (as one address,
    one person does in the end) without comparing its names; a name-based link to it is refused."""
    from analyzer.identity import decision

    n = 400
    firsts = [f"given{chr(97 + i % 26)}" for i in range(n)] + ["zed", "givena"]
    lasts = [f"surname{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(n)] + ["surnameaa", "surnamezz"]
    m = n + 2
    f = pl.DataFrame({"is_auto": [False] * m, "first": firsts, "last": lasts, "last_toks": lasts,
                      "linkedin_url": [None] * m, "suffix": [""] * m, "conn_file": [None] * m},
                     schema={"is_auto": pl.Boolean, "first": pl.String, "last": pl.String, "last_toks": pl.String,
                             "linkedin_url": pl.String, "suffix": pl.String, "conn_file": pl.String})
    calls = 0
    compatible = decision.first_names_compatible

    def counted(a: str, b: str) -> bool:
        nonlocal calls
        calls += 1
        return compatible(a, b)

    monkeypatch.setattr(decision, "first_names_compatible", counted)
    cl = decision.Clusters(f, {})
    assert all(cl.union(0, i, "email") == (True, None) for i in range(1, n))
    assert decision.MAX_CLUSTER_NAMES == 32 and calls <= 32 * n  # (each name of the cluster at each link: 79,800)
    # a family member's card on the address, before a crowd's, is refused; the crowd's address joins it
    assert cl.union(0, n, "email") == (True, None)
    assert cl.union(n + 1, 0, "probabilistic") == (False, "too many names in one cluster")
    assert len(set(cl.roots()[:n + 1])) == 1
    small = decision.Clusters(f.slice(0, 2).vstack(f.slice(n, 1)), {})
    assert small.union(0, 1, "email") == (True, None)
    assert small.union(0, 2, "email") == (False, "shared family address (different first names)")


def _name_clusters(names: list[tuple[str, str]], auto: list[bool] | None = None) -> Any:
    from analyzer.identity import decision

    m = len(names)
    f = pl.DataFrame({"is_auto": auto or [False] * m, "first": [a for a, _ in names], "last": [b for _, b in names],
                      "last_toks": [b for _, b in names], "linkedin_url": [None] * m, "suffix": [""] * m,
                      "conn_file": [None] * m},
                     schema={"is_auto": pl.Boolean, "first": pl.String, "last": pl.String, "last_toks": pl.String,
                             "linkedin_url": pl.String, "suffix": pl.String, "conn_file": pl.String})
    return decision.Clusters(f, {})


def test_a_role_address_on_many_cards_of_one_name_asks_each_kind_of_holder_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """4,000 cards of "John Smith", each with its own address and info@: the clusters holding the role address
    were asked pair by pair whether two people hold it (8 million questions; 30,000 cards: minutes). Holders
    of the same names are asked once; the cards are one person (the address joins them), nothing refused."""
    from analyzer.identity import decision

    n = 500
    cl = _name_clusters([("john", "smith")] * n)
    calls = 0
    conflict = decision.Clusters.conflict

    def counted(self: Any, ra: int, rb: int, kind: str) -> str | None:
        nonlocal calls
        calls += 1
        return conflict(self, ra, rb, kind)

    monkeypatch.setattr(decision.Clusters, "conflict", counted)
    keys = pl.DataFrame({"idx": list(range(n)), "key": ["info@acme.com"] * n, "role": [True] * n})
    edges: list[Any] = []
    near: list[Any] = []
    decision.one_address_one_person(cl, keys, edges, near)
    assert (len(set(cl.roots())), len(edges), near) == (1, n - 1, [])
    assert calls <= 2 * n  # (each pair of holders: 124,750)


def test_the_first_role_address_refusal_is_the_pairwise_one() -> None:
    """The refusal found kind by kind is the one the pairwise walk finds first (which near miss is listed)."""
    import random

    from analyzer.identity import decision

    rng = random.Random(5)
    pool = [("john", "smith"), ("jon", "smith"), ("mary", "jones"), ("maria", "jones"), ("bob", "zed"),
            ("robert", "zed"), ("ann", "lee")]
    for _ in range(200):
        m = rng.randint(3, 12)
        names = [rng.choice(pool) for _ in range(m)]
        auto = [rng.random() < 0.15 for _ in range(m)]
        cl = _name_clusters(names, auto)
        held = [(i, i) for i in rng.sample(range(m), m)]
        brute = next(((a, b, why) for x, (ra, a) in enumerate(held) for rb, b in held[x + 1:]
                      if (why := cl.conflict(ra, rb, "role_address")) is not None), None)
        assert decision._first_role_refusal(cl, held) == brute
