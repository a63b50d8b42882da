"""Python ``re`` patterns on hostile values: each pattern that backtracked polynomially on a long run of the
characters its quantifiers accept gets the hostile value that used to hang (the OLD pattern need not finish on
it: minutes to hours), asserted on its result, and a comparison of the old and the new pattern on a few thousand
generated ordinary values. No timings: a regression shows as a test that does not finish."""

from __future__ import annotations

import random
import re

import pytest

from analyzer import names
from analyzer.ingest import contacts, text
from analyzer.ingest.contacts import _display_name, _split_multi
from analyzer.ingest.mail import addresses, thunderbird_csv
from analyzer.ingest.mail.addresses import parse_addresses
from analyzer.ingest.text import clean_text, code_page
from analyzer.names import clean_display_name

N = 200_000  # long enough that the old patterns ran for minutes or more

_OLD_EMAIL_IN_TEXT = re.compile(r"[^\s<>(),;:\"\[\]]+@[^\s<>(),;:\"\[\]]+\.[^\s<>(),;:\"\[\]]+")
_OLD_EMAILISH = re.compile(r"\S+@\S+\.\S+")
_OLD_TAGLINE = re.compile(r"\s+[-–—•·|/@]+\s+|\s*[|•·]\s*")
_OLD_ADDR_IN = re.compile(r"[^\s@<>\"]+@[^\s@<>\"]+\.[^\s@<>\"]+")
_OLD_NON_ASCII_LINE = re.compile(rb"[^\r\n]*[\x80-\xff][^\r\n]*")
_OLD_MULTI = re.compile(r"\s*:::\s*")
_OLD_DISPLAY_TAIL = re.compile(r"\s*\([^()]*@[^()]*\)\s*$")
_NEW_DISPLAY_TAIL = re.compile(r"(?<!\s)\s*\([^()]*@[^()]*\)\s*$")
_OLD_ADDR_ITEM = re.compile(
    r'[ \t]*(?:(?:"((?:[^"\\\r\n]|\\.)*)"|([^",<>();:\\]*?))[ \t]*<([^<>\s,"]+)>'
    r'|([^\s,<>"();:\[\]\\]+@[^\s,<>"();:\[\]\\]+))[ \t]*(?:,[ \t,]*|$)')

_PIECES = [*"aaabbc.@@ \t,;:<>()\"'|-•/[]\\\n\r", "é", "jo", "x.com", " <a@b.c>", '"J, D" ', " ::: ", " | ",
           "(a@b.c)", "  ", "\u00a0"]
_PREFIXES = ["Jane Doe <jd@x.com>", '"Doe, J" <j@x.org>, b@y.com', "Jane Doe | CEO", "a@b.co ::: c@d.com",
             "John (j@x.com)", "Jane Doe - ACME", "x@y.z"]


def _ordinary(n: int = 4000) -> list[str]:
    rnd = random.Random(20261207)
    out = []
    for _ in range(n):
        s = "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 25)))
        out.append(rnd.choice(_PREFIXES) + s if rnd.random() < 0.3 else s)
    return out


def _spans(p: re.Pattern, s):  # type: ignore[type-arg]
    return [(m.span(), m.groups()) for m in p.finditer(s)]


# ---- contacts: addresses in a cell, Google's ":::" cells, Outlook's display names ----------------------------

def test_email_in_text_on_a_cell_of_at_signs():
    """``x+@x+\\.x+`` tried every "@" and every "." from every start: cubic on a cell of "@"s (8,000 took
    seconds; the old pattern does not finish on these)."""
    assert contacts._EMAIL_IN_TEXT.findall("@" * N) == []
    assert contacts._EMAIL_IN_TEXT.findall("a" + "@" * N + "!") == []
    assert contacts._EMAIL_IN_TEXT.findall("a" * N + " jd@x.com") == ["jd@x.com"]
    assert contacts._EMAIL_IN_TEXT.findall("a@" + "." * N + "b") == ["a@" + "." * N + "b"]
    assert contacts._EMAIL_IN_TEXT.findall("Bob <bob@x.com>; a@b@c.com") == ["bob@x.com", "a@b@c.com"]


def test_email_in_text_same_matches_as_before():
    for s in _ordinary():
        assert _spans(contacts._EMAIL_IN_TEXT, s) == _spans(_OLD_EMAIL_IN_TEXT, s), s


def test_multi_value_cell_with_a_long_run_of_blanks():
    """``re.split(r"\\s*:::\\s*")`` searched from every blank of a run not followed by ":::" (quadratic:
    100,000 blanks took ~20 s)."""
    assert _split_multi("a@b.com" + " " * N + "x ::: b@c.com") == [clean_text("a@b.com" + " " * N + "x"), "b@c.com"]
    assert _split_multi("a@b.com  :::  c@d.com ::: ") == ["a@b.com", "c@d.com"]
    assert _split_multi("a ::::: b") == ["a", ":: b"]


def test_multi_value_cell_same_parts_as_before():
    for s in _ordinary():
        old = [p for p in (clean_text(x) for x in _OLD_MULTI.split(s)) if p]
        assert _split_multi(s) == old, s


def test_display_name_with_a_long_run_of_blanks():
    """``\\s*\\(...@...\\)\\s*$`` searched from every blank of a run (quadratic)."""
    assert _display_name("John" + " " * N + "x (j@x.com)!") == clean_text("John" + " " * N + "x (j@x.com)!")
    assert _display_name("John   (j@x.com)") == "John"
    for s in _ordinary():
        assert _NEW_DISPLAY_TAIL.sub("", s) == _OLD_DISPLAY_TAIL.sub("", s), s


# ---- names ------------------------------------------------------------------------------------------------

def test_emailish_name_of_at_signs():
    """``\\S+@\\S+\\.\\S+`` tried every "@" and "." from every start: cubic on a name of "@"s."""
    assert names._looks_like_email("@" * N) is False
    assert names._looks_like_email("a@" + "b" * N) is False
    assert names._looks_like_email("a@" + "b" * N + ".c") is True
    assert names._looks_like_email("Jane jd@x.com") is True
    assert names._looks_like_email("@x.com") is False
    for s in _ordinary():
        assert bool(names._EMAILISH.search(s)) == bool(_OLD_EMAILISH.search(s)), s


def test_tagline_after_a_long_run_of_blanks():
    """``\\s+[-|...]+\\s+|\\s*[|...]\\s*`` searched from every blank of a run (quadratic: 100,000 blanks before a
    "|" took ~15 s)."""
    assert clean_display_name("Jane" + " " * N + "x |") == "Jane x"
    assert clean_display_name("Jane Doe | CEO") == "Jane Doe"
    for s in _ordinary():  # only the first piece is used
        assert names._TAGLINE.split(s)[0] == _OLD_TAGLINE.split(s)[0], s


# ---- mail ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["@" * N + "<", "a" + " " * N + "!", " " * N + "x", "Jane" + " " * N + "x <",
                                   '"Jane"' + " " * N + "!", "a@b" + " " * N + "!"])
def test_address_list_hostile(value):
    """``[ \\t]*([^...]*?)[ \\t]*<`` split a run of blanks every way and the bare address tried every "@":
    cubic (a To: of 100,000 "@"s took ~2 minutes). None of these is an address list."""
    assert addresses._split_addresses(value) is None
    assert parse_addresses(value) == ()


def test_address_list_hostile_but_valid():
    assert addresses._split_addresses("Jane" + " " * N + "Doe <jd@x.com>") == [("Jane" + " " * N + "Doe", "jd@x.com")]
    assert [a for a, _ in parse_addresses("Jane" + " " * N + "Doe <jd@x.com>")] == ["jd@x.com"]
    assert addresses._split_addresses(" " * N + "Jane Doe" + " " * N + "<jd@x.com>") == [("Jane Doe", "jd@x.com")]
    assert parse_addresses('Jane Doe  <jd@x.com>, "Doe, J" <j@y.org>, b@c.com') == (
        ("jd@x.com", "Jane Doe"), ("j@y.org", "Doe, J"), ("b@c.com", None))


def test_address_item_same_matches_as_before():
    for s in _ordinary(2000):
        for pos in range(len(s) + 1):
            new, old = addresses._ADDR_ITEM.match(s, pos), _OLD_ADDR_ITEM.match(s, pos)
            assert (new and (new.span(), new.groups())) == (old and (old.span(), old.groups())), (s, pos)


def test_thunderbird_author_address():
    """``x+@x+\\.x+`` (no "@" in x) searched from every character of a long run: quadratic."""
    assert thunderbird_csv._ADDR_IN.search("a" * N + "!") is None
    assert thunderbird_csv._ADDR_IN.search(("a@" * (N // 2)) + "!") is None
    assert thunderbird_csv._ADDR_IN.search("Jane <jd@x.com>").group() == "jd@x.com"
    for s in _ordinary():
        new, old = thunderbird_csv._ADDR_IN.search(s), _OLD_ADDR_IN.search(s)
        assert (new and new.span()) == (old and old.span()), s


# ---- text: lines that are not UTF-8 ---------------------------------------------------------------------------

def test_non_ascii_lines_of_a_long_ascii_line():
    """``[^\\r\\n]*[\\x80-\\xff][^\\r\\n]*`` searched from every byte of a long ASCII line (quadratic: a file
    with a 200,000-byte line and a Windows-1252 "é" ran for more than 2 minutes)."""
    data = b"x" * N + b"\nJos\xe9\n" + b";" * N
    assert [m.group() for m in text._NON_ASCII_LINE.finditer(data)] == [b"Jos\xe9"]
    assert code_page(data) == "cp1252"
    rnd = random.Random(7)
    for _ in range(3000):
        s = bytes(rnd.choice(b"ab \r\n\xe9\x80;") for _ in range(rnd.randint(0, 30)))
        assert _spans(text._NON_ASCII_LINE, s) == _spans(_OLD_NON_ASCII_LINE, s), s


# ---- LinkedIn file names ----------------------------------------------------------------------------------------

def test_compact_name_of_numbers_before_something_else():
    """``(?: v?\\d+| ?\\(\\d+\\))+$`` was tried from every space of a long name, each try to its end (quadratic: a
    zip member named "Messages 1 1 1 ... x.csv", 40,000 characters, took ~15 s; 200,000 would take minutes): it
    is matched against the last 256 characters only."""
    from analyzer.ingest.linkedin.common import _TRAILING_NUMBER, _compact
    assert _compact("Messages" + " 1" * (N // 2) + " x") == "Messages" + "1" * (N // 2) + "x"
    assert _compact("Messages" + " 1" * (N // 2)) == "Messages" + "1" * (N // 2 - 128)
    rnd = random.Random(3)
    stems = ["Comments", "messages", "Connections", "guide_messages", "Learning Coach Messages", "Invitations"]
    for _ in range(3000):
        tail = "".join(rnd.choice([" 1", " v2", "(3)", " (12)", "_4", " ", "x", "7", ".csv"])
                       for _ in range(rnd.randint(0, 6)))
        name = rnd.choice(stems) + tail
        assert _compact(name) == _TRAILING_NUMBER.sub("", name).replace(" ", ""), name
