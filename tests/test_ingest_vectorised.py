"""The vectorised forms of the per-value cleaning functions equal the Python functions on every value."""

from __future__ import annotations

import random

import polars as pl
import pytest

from analyzer.ingest.text import casefolded, clean_text, clean_texts, uppercased
from analyzer.normalize import canonical_linkedin_url, canonical_linkedin_urls

_PIECES = [*"abcdefghijklmnopqrstuvwxyzINKLDE/.:?#%_- \t\n\r,;@", "\u212a", "\u017f", "ß", "İ", "ı", "é", "ả",
           "\u00a0", "\u200b", "\u202e", "\x00", "\x85", "\u2028", "\ufeff", "%20", "%2F", "%C3%A9", "%zz", "in/",
           "/in/", "IN/", "linkedin.com", "LINKEDIN.COM", "linkedin.com.evil", "https://", "httpſ://", "www.", "uk.",
           "unavailable", "UNAVAILABLE", "\U0001f600", "ǅ", "ﬀ", "Σ", "ς", "\u0345", "\u0130", "\u1e9e", "Ω",
           "\u0300", "a" * 600]
_PREFIXES = ["", "https://www.linkedin.com/in/", "http://uk.linkedin.com/in/", "linkedin.com/in/",
             "www.linkedin.com/IN/", " https://www.linkedin.com/in/", "HTTPS://WWW.LINKEDIN.COM/in/",
             "https://www.linkedin.com/pub/", "urn:li:member:", "https://x.y.linkedin.com/in/"]


def _values() -> list[str]:
    rnd = random.Random(13)
    vals = {rnd.choice(_PREFIXES) + "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 10)))
            for _ in range(20_000)}
    for c in [*range(0x3000), *range(0x1e00, 0x2100), *range(0xfe00, 0x10000), 0x1f600, 0x10ffff]:
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        vals.update((ch, ch * 3, f" x{ch}y ", f"https://www.linkedin.com/in/a{ch}", f"linkedin.com/in/{ch}b/",
                     f"ΑΣ{ch}", f"{ch}Σ"))
    vals.update(("a" * 1024, "a" * 1025, " " + "a" * 1024 + " ", "é" * 1030, "a" * 5000, ""))
    return sorted(vals)


@pytest.mark.parametrize(("vectorised", "fn"), [
    (canonical_linkedin_urls, lambda v: canonical_linkedin_url(v) if v else None),
    (clean_texts, clean_text),
    (casefolded, str.casefold),
    (uppercased, str.upper),
])
def test_vectorised_equals_python(vectorised, fn) -> None:  # type: ignore[no-untyped-def]
    values = _values()
    got = vectorised(pl.Series("v", [*values, None], dtype=pl.String())).to_list()
    expected = [fn(v) for v in values] + [None]
    diff = [(v, g, e) for v, g, e in zip([*values, None], got, expected, strict=True) if g != e]
    assert not diff, diff[:5]


def test_vectorised_empty_and_null() -> None:
    empty = pl.Series("v", [], dtype=pl.String())
    assert canonical_linkedin_urls(empty).to_list() == []
    assert clean_texts(pl.Series("v", [None, None], dtype=pl.String())).to_list() == [None, None]


@pytest.mark.parametrize(("raw", "clean"), [
    ("O\x92Brien", "O\u2019Brien"),  # Windows-1252 text decoded as Latin-1 (an iso-8859-1 label on Outlook mail)
    ("Caf\xe9 \x80 10", "Caf\xe9 \u20ac 10"),
    ("Eve\x9b2J\x9b31mRED", "Eve\u203a2J\u203a31mRED"),  # an 8-bit CSI is no escape sequence any more
    ("Acme\x9d0;title\x9c", "Acme0;title\u0153"),  # (0x9D is undefined in Windows-1252: dropped)
    ("a\x85b", "a b"),  # NEL, a line break
    ("x\x81\x8d\x8f\x90y", "xy"),
])
def test_c1_control_characters_read_as_windows_1252(raw: str, clean: str) -> None:
    # they reached the terminal, people.csv and report.html as they were
    assert clean_text(raw) == clean
    assert clean_texts(pl.Series([raw])).to_list() == [clean]
