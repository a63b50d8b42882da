"""Name, email and company normalisation for identity resolution (analyzer.names)."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import names
from analyzer.names import (
    Nicknames,
    clean_display_name,
    company_key,
    company_tokens,
    domain_tokens,
    email_info,
    is_generic_company,
    is_role_local,
    is_short_form,
    is_webmail,
    key,
    name_patterns,
    parse_display_name,
    parse_name,
    token_prefixes,
)
from analyzer.normalize import normalize_email

FIX = Path(__file__).parent / "fixtures" / "identity"


def _rows(name: str) -> list[dict[str, str]]:
    with (FIX / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------------------------------
# display names

@pytest.mark.parametrize("row", _rows("display_names.csv"), ids=lambda r: r["case"])
def test_display_name_table(row: dict[str, str]) -> None:
    p = parse_display_name(row["input"])
    assert (p.first, p.middle_initial, p.last, p.suffix, p.display) == (
        row["first"], row["middle_initial"], row["last"], row["suffix"], row["display"])


def test_clean_display_name_examples() -> None:
    assert clean_display_name("Jane Doe, MBA 🚀 | Hiring") == "Jane Doe, MBA"  # credentials go in parse
    assert clean_display_name("Sarah O'Connor ✨ | Hiring!") == "Sarah O'Connor"
    assert clean_display_name("John Smith (he/him)") == "John Smith"
    assert clean_display_name("Ana Lima (she/her) 🇧🇷") == "Ana Lima"
    assert clean_display_name("Zoë 👩🏽‍💻 Müller") == "Zoë Müller"  # ZWJ sequence and skin tone removed
    assert clean_display_name("") == ""
    assert clean_display_name(None) == ""
    # "Name @ Company" is a tagline: "Tom Hart @ ACME" was Tom Hart @ with the surname ACME (written in
    # capitals), so his mail never met his other address's "Tom Hart"; an address keeps its "@"
    assert clean_display_name("Tom Hart @ ACME") == "Tom Hart"
    p = parse_display_name("Tom Hart @ ACME")
    assert (p.first, p.last, p.display) == ("tom", "hart", "Tom Hart")
    assert clean_display_name("tom@acme.example") == "tom@acme.example"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc XYZ,.-|()'éł🚀✨®")), max_size=30))
def test_clean_display_name_is_idempotent(s: str) -> None:
    once = clean_display_name(s)
    assert clean_display_name(once) == once


def test_key_transliterates() -> None:
    assert key("Łukasz Żółć") == "lukasz zolc"
    assert key("Straße") == "strasse"
    assert key("O’Connor") == "oconnor"
    assert key("Smith-Jones") == "smith jones"
    assert key("王小明") == "wangxiaoming"


def test_separate_fields_are_cleaned_like_display_names() -> None:
    p = parse_name(None, "Jane M.", "Doe, MBA 🚀")
    assert (p.first, p.middle_initial, p.last, p.display) == ("jane", "m", "doe", "Jane M. Doe")
    p = parse_name("Jean-Pierre van der Berg Jr.", "Jean-Pierre", "van der Berg Jr.")
    assert (p.first, p.last, p.last_tokens, p.suffix) == ("jeanpierre", "vanderberg", ("berg",), "jr")
    # first name field only: parsed as a display name
    assert parse_name(None, "Maria Lopez", None).last == "lopez"
    # the display name is used when the fields are empty or placeholders
    assert parse_name("Doe, Jane", None, None).first == "jane"
    assert parse_name("Doe, Jane", "LinkedIn Member", None).first == "jane"


@pytest.mark.parametrize(
    ("name", "first", "last", "display"),
    [
        ("张三", "三", "张", "张三"),  # family_name_first: a vCard's N:张;三 with FN:张三 (iPhone, Android)
        ("山田 太郎", "太郎", "山田", "山田 太郎"),
        ("Kovács  János", "János", "Kovács", "Kovács János"),
        ("Jane Doe", "Jane", "Doe", "Jane Doe"),
        ("Doe Jane", "Jane", "Doe", "Doe Jane"),
        ("Dr. Jane Doe", "Jane", "Doe", "Jane Doe"),
        ("Lee Lee", "Lee", "Lee", "Lee Lee"),
        (None, "三", "张", "三 张"),  # no display name: given name first, as the fields say nothing more
        ("Zhang San", "三", "张", "三 张"),
    ],
)
def test_display_keeps_a_family_name_first_order(name: str | None, first: str, last: str, display: str) -> None:
    assert parse_name(name, first, last).display == display
    frame = names.parse_name_frame(pl.DataFrame({"name": [name], "first_name": [first], "last_name": [last]},
                                                schema={"name": pl.String, "first_name": pl.String,
                                                        "last_name": pl.String}))
    assert frame.get_column("display").to_list() == [display]


def test_double_surnames_share_tokens() -> None:
    a = parse_display_name("María José García Márquez")
    b = parse_name(None, "María José", "García Márquez")
    assert a.first == b.first == "maria"
    assert a.middle_initial == b.middle_initial == "j"
    assert set(a.last_tokens) & set(b.last_tokens) == {"garcia", "marquez"}


# ---------------------------------------------------------------------------------------------------------------
# nicknames

def test_nicknames_are_one_hop_and_symmetric() -> None:
    nk = Nicknames.default()
    for a, b in (("bob", "robert"), ("bill", "william"), ("liz", "elizabeth"), ("kate", "katherine")):
        assert nk.related(a, b) and nk.related(b, a), (a, b)
    # "bill" is listed under robert and william: one hop only, never robert ~ william
    assert nk.related("bill", "robert") and nk.related("bill", "william")
    assert not nk.related("robert", "william")
    assert not nk.related("robert", "robert")


@pytest.mark.parametrize("pair", [("alejandro", "alex"), ("aleksandr", "sasha"), ("jose", "pepe"),
                                  ("francisco", "paco"), ("katarzyna", "kasia"), ("malgorzata", "gosia"),
                                  ("giuseppe", "beppe"), ("dmitry", "dima"),
                                  # common English forms the package lacks
                                  ("katherine", "katie"), ("catherine", "katie"), ("william", "liam"),
                                  ("charlotte", "charlie"), ("jeremy", "jerry")])
def test_international_short_forms(pair: tuple[str, str]) -> None:
    nk = Nicknames.default()
    assert nk.related(*pair) and nk.related(pair[1], pair[0])


def test_extra_csv_is_package_data() -> None:
    text = (Path(names.__file__).parent / "data" / "nicknames_extra.csv").read_text(encoding="utf-8")
    assert text.startswith("name,nickname")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) > 100
    assert all(r["name"] and r["nickname"] and r["name"] != r["nickname"] for r in rows)


def test_beto_hub_does_not_chain() -> None:
    nk = Nicknames.default()
    assert nk.related("roberto", "beto") and nk.related("alberto", "beto")
    assert not nk.related("roberto", "alberto")


def test_short_forms() -> None:
    assert is_short_form("nat", "natalie") and is_short_form("francesca", "fran")
    assert not is_short_form("paul", "paula")
    assert not is_short_form("eric", "erica")
    assert not is_short_form("al", "alan")  # too short to mean anything
    assert not is_short_form("anna", "anna")


# ---------------------------------------------------------------------------------------------------------------
# emails

@pytest.mark.parametrize("row", _rows("email_rules.csv"), ids=lambda r: r["address"])
def test_email_rules_table(row: dict[str, str]) -> None:
    n = normalize_email(row["address"])
    assert n == row["normalised"]
    ei = email_info(n)
    assert ei.role is (row["role"] == "true")
    assert ei.webmail is (row["webmail"] == "true")
    assert ei.org == row["org"]
    assert (ei.hint_first, ei.hint_last) == (row["hint_first"], row["hint_last"])


def test_role_and_webmail_helpers() -> None:
    assert is_role_local("noreply-12") and is_role_local("do-not-reply") and is_role_local("sales+eu")
    assert not is_role_local("jsmith") and not is_role_local("bob+info")
    assert is_webmail("gmail.com") and is_webmail("yahoo.fr") and is_webmail("hotmail.co.jp")
    assert not is_webmail("acme.com") and not is_webmail("mail.acme.com")


def test_name_patterns() -> None:
    assert set(name_patterns("john", "smith")) == {"johnsmith", "jsmith", "smithjohn", "smithj", "johns"}
    assert name_patterns("j", "smith") == ()


# ---------------------------------------------------------------------------------------------------------------
# companies

@pytest.mark.parametrize("row", _rows("companies.csv"), ids=lambda r: r["company"])
def test_company_key_table(row: dict[str, str]) -> None:
    assert company_key(row["company"]) == row["key"]


def test_company_tokens_and_domains() -> None:
    assert company_tokens("Massachusetts Institute of Technology") == ("massachusettsinstituteoftechnology", "mit")
    assert company_tokens("Self-employed") == ()
    assert domain_tokens("acme-corp") == ("acme", "acmecorp")
    assert domain_tokens("") == ()
    # a truncated domain label agrees with the company by prefix
    assert "clearpathconsulti" in token_prefixes("clearpathconsulting")
    assert token_prefixes("abc") == ()
    assert is_generic_company("digital") and not is_generic_company("northwind")


@pytest.mark.parametrize(("first", "last", "want"), [
    ("Jane", "Doe ✅ Open to work", ("jane", "doe")),  # a last-name column: the emoji ends it after one word
    ("🌟 Jane", "Doe", ("jane", "doe")),
    ("Wei", "WANG", ("wei", "wang")),
])
def test_name_columns_drop_emoji_taglines(first: str, last: str, want: tuple[str, str]) -> None:
    p = parse_name(None, first, last)
    assert (p.first, p.last) == want


def test_local_name_hint_reads_the_address_as_written() -> None:
    assert names.local_name_hint("priya.esposito") == ("priya", "esposito")
    assert names.local_name_hint("j_smith2+news") == ("j", "smith")
    assert names.local_name_hint("priyaesposito") == ("", "")  # what Gmail normalisation leaves: no hint
    assert email_info(normalize_email("Priya.Esposito@gmail.com") or "").hint_first == ""
