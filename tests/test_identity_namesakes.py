"""Namesakes (SPEC §5 contradictions): the mailbox evidence of ``analyzer.identity.namesakes``, signature names
scoped to their family name, and the address closure judged by the name groups. Each case is a tiny export in
the shape of the real ones; each fails without the behaviour it names."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from analyzer.identity import resolve
from analyzer.identity.namesakes import numbered_twin, personal_overlap, work_boxes
from tests.test_identity import card, conn, dated_mail, mail, no_owner, person_of, records, same

OWNER = mail(None, "owner@me.com")


def _reasons(res: Any) -> list[str]:
    return res.near_misses.get_column("reason").to_list()


# ---- a numbered work address next to its un-numbered twin ------------------------------------------------------

NUMBERED_CASES: list[tuple[str, list[dict[str, Any]], bool, str | None]] = [
    # (case, records, one person?, reason the pair stayed apart)
    ("number sets a namesake colleague apart",
     [mail("Shuang Zhou", "szhou@tidewater.com"), card("Shuang Zhou", "szhou170@tidewater.com", company="Tidewater")],
     False, "two addresses at one employer that differ only by a number, which sets a namesake colleague apart "
            "(szhou@tidewater.com, szhou170@tidewater.com)"),
    ("two numbers, two people",
     [mail("Xin Sun", "xin.sun7@castellan.com"), mail("Xin Sun", "xin.sun254@castellan.com")], False,
     "two addresses at one employer that differ only by a number"),
    ("an alias without a number is still one person",
     [mail("Shuang Zhou", "szhou@tidewater.com"), card("Shuang Zhou", "shuang.zhou@tidewater.com",
                                                       company="Tidewater")], True, None),
    ("a number at another employer says nothing",
     [mail("Shuang Zhou", "szhou@tidewater.com"), mail("Shuang Zhou", "szhou170@harbor.com")], True, None),
]


@pytest.mark.parametrize(("case", "rows", "one", "reason"), NUMBERED_CASES, ids=[c[0] for c in NUMBERED_CASES])
def test_a_numbered_work_address_is_a_namesake_colleagues(case: str, rows: list[dict[str, Any]], one: bool,
                                                          reason: str | None) -> None:
    res = resolve(records(*rows), no_owner())
    assert same(res, 0, 1) is one
    if reason is not None:
        assert any(r.startswith(reason) for r in _reasons(res))
        # refused_by_rule counts the rule, not the addresses
        assert all("(" not in k for k in res.settings["run"]["refused_by_rule"])


def test_numbered_twin_reads_the_domain_and_the_stem() -> None:
    boxes = work_boxes(pl.DataFrame({"idx": [0, 1, 2, 3], "tok": ["acme"] * 4,
                                     "addr": ["joe@acme.com", "joe12@acme.com", "ann@acme.com", "joe12@other.com"]}))
    assert sorted(boxes) == [0, 1]  # only the stems that occur with two local parts at one domain
    assert numbered_twin(boxes[0], boxes[1]) is not None
    assert numbered_twin(boxes[1], boxes[1]) is None


# ---- two personal addresses at one provider in use at the same time ---------------------------------------------

PERSONAL_CASES: list[tuple[str, list[tuple[int, int]], bool]] = [
    # (case, (record, year) of each mail to the owner, one person?)
    ("both in use 2019-2021: two people", [(0, 2019), (0, 2021), (1, 2019), (1, 2021)], False),
    ("one given up for the next: one person", [(0, 2015), (0, 2016), (1, 2019), (1, 2021)], True),
]


@pytest.mark.parametrize(("case", "sent", "one"), PERSONAL_CASES, ids=[c[0] for c in PERSONAL_CASES])
def test_two_personal_addresses_at_one_provider_at_once_are_two_people(case: str, sent: list[tuple[int, int]],
                                                                       one: bool) -> None:
    recs = records(mail("Layla Wang", "layla.wang@hotmail.com"), mail("Layla Wang", "laylaw8325@hotmail.com"),
                   OWNER)
    res = resolve(recs, no_owner(2), messages=dated_mail(sent, to=2))
    assert same(res, 0, 1) is one
    if not one:
        assert any(r.startswith("two personal addresses at one provider in use at the same time "
                                "(layla.wang@hotmail.com 2019–2021, laylaw8325@hotmail.com 2019–2021)")
                   for r in _reasons(res))


def test_personal_overlap_needs_one_provider_and_more_than_the_allowed_overlap() -> None:
    from datetime import date
    a = [("hotmail.com", "a@hotmail.com", date(2019, 1, 1), date(2021, 1, 1))]
    assert personal_overlap(a, [("hotmail.com", "b@hotmail.com", date(2020, 1, 1), date(2022, 1, 1))])
    assert personal_overlap(a, [("gmail.com", "b@gmail.com", date(2020, 1, 1), date(2022, 1, 1))]) is None
    assert personal_overlap(a, [("hotmail.com", "b@hotmail.com", date(2020, 12, 1), date(2022, 1, 1))]) is None


# ---- a signature's native given name is one family's ------------------------------------------------------------

def test_a_signature_links_two_given_names_for_its_family_name_only() -> None:
    """"Zhang Kaiwen" above "Kevin Zhang" makes Kevin and Kaiwen one Zhang's given names, not every family's:
    a Kevin Li and a Kaiwen Li stay apart."""
    res = resolve(records(conn("Kaiwen", "Zhang", "Globex", "https://www.linkedin.com/in/kaiwen-zhang"),
                          mail("Kevin Zhang", "kevin.zhang@globex.com", sig_name="Zhang Kaiwen"),
                          mail("Kevin Zhang", "kzhang@initech.com"),
                          conn("Kaiwen", "Li", "Hooli", "https://www.linkedin.com/in/kaiwen-li"),
                          mail("Kevin Li", "kevin.li88@gmail.com")), no_owner())
    assert same(res, 0, 1, 2)
    assert not same(res, 3, 4)


# ---- the name groups judge the clusters that their addresses will join ------------------------------------------

def test_a_name_group_sees_the_profile_an_address_brings() -> None:
    """Ray Lin's Gmail address is on Shuang Lin's card (his English name at work: the card and the mail are one
    person by the address). Another Ray Lin has a LinkedIn profile of his own: the name group would hold two
    profiles once the address joins, so it is refused and no row carries two profiles."""
    res = resolve(records(card("Shuang Lin", "shuanglin@qq.com", linkedin_url="https://www.linkedin.com/in/shuang-lin"),
                          conn("Shuang", "Lin", "Ironwood", "https://www.linkedin.com/in/shuang-lin"),
                          mail("Ray Lin", "shuanglin@qq.com"),
                          conn("Ray", "Lin", "Ashford", "https://www.linkedin.com/in/ray-lin-38"),
                          mail("Ray Lin", "ray.lin@ashford.com")), no_owner())
    assert same(res, 0, 1, 2) and same(res, 3, 4)
    assert not same(res, 2, 3)
    urls = res.people.select("linkedin_urls").to_series().to_list()
    assert all(len(u or []) <= 1 for u in urls)


NAME_FORM_CASES: list[tuple[str, list[dict[str, Any]], bool]] = [
    ("two forms one address already joins",
     [card("Edward Ferguson", "ted.ferguson@gmail.com"), mail("Ted Ferguson", "ted.ferguson@gmail.com"),
      conn("Edward", "Ferguson", "Acme", "https://www.linkedin.com/in/edward-ferguson")], True),
    ("forms of two clusters that contradict",
     [card("Alejandro Pereira Le", "alejandrop9727@gmail.com"),
      card("Alejandro Pereira Knight", "apereira@tidewater.com"), mail("Alex Pereira", "apereira@tidewater.com")],
     False),
]


@pytest.mark.parametrize(("case", "rows", "one"), NAME_FORM_CASES, ids=[c[0] for c in NAME_FORM_CASES])
def test_name_forms_of_one_cluster_agree(case: str, rows: list[dict[str, Any]], one: bool) -> None:
    res = resolve(records(*rows), no_owner())
    p = person_of(res)
    assert (len({p[i] for i in range(len(rows))}) == 1) is one


def test_twin_and_overlap_checks_answer_as_every_pair_would() -> None:
    """The checks look b's boxes up by stem / provider (every pair was compared: 50 cards of 1,000 addresses
    took 46 s); on random boxes they answer as the pairwise loops did."""
    import random
    from datetime import date, timedelta

    from analyzer.identity.namesakes import OVERLAP_DAYS, numbered_twin, personal_overlap

    def twin_pairwise(a: list[tuple[str, str, str]], b: list[tuple[str, str, str]]) -> str | None:
        for xa, sa, na in a:
            for xb, sb, nb in b:
                if xa != xb and sa == sb and na != nb:
                    return f"{xa} {xb}"
        return None

    def overlap_pairwise(a: list[Any], b: list[Any]) -> str | None:
        for da, xa, a1, a2 in a:
            for db, xb, b1, b2 in b:
                if da == db and xa != xb and (min(a2, b2) - max(a1, b1)).days > OVERLAP_DAYS:
                    return f"{xa} {xb}"
        return None

    rnd = random.Random(5)
    for _ in range(500):
        boxes = [[(f"s{rnd.randint(0, 3)}{n}@x", f"x|s{rnd.randint(0, 3)}", n)
                  for n in (str(rnd.choice(["", "1", "2"])) for _ in range(rnd.randint(0, 4)))] for _ in range(2)]
        want = twin_pairwise(*boxes)
        got = numbered_twin(*boxes)
        assert (got is None) == (want is None) and (want is None or (want.split()[0] in got and want.split()[1] in got))
        day = date(2015, 1, 1)
        dated = [[(rnd.choice(["gmail", "yahoo"]), f"p{rnd.randint(0, 3)}",
                   day + timedelta(rnd.randint(0, 900)), day + timedelta(rnd.randint(900, 2000)))
                  for _ in range(rnd.randint(0, 4))] for _ in range(2)]
        want = overlap_pairwise(*dated)
        got = personal_overlap(*dated)
        assert (got is None) == (want is None) and (want is None or want.split()[0] in got)
