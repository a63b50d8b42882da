"""Normalisation of identifiers: LinkedIn profile URLs and email addresses (ingest-time, cheap)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import polars as pl

_IN_SLUG = re.compile(r"(?:^|/)in/([^/?#\s<>\"]+)", re.IGNORECASE)
#: LinkedIn's host (scheme and subdomains optional) at the start of the value or after a blank, bracket, quote or
#: punctuation, and its path.
_LINKEDIN_HOST = re.compile(r"(?:^|[\s<(\"',;])(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com(?::\d+)?(/[^?#\s]*)?",
                            re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")


@lru_cache(maxsize=500_000)
def canonical_linkedin_url(value: str | None) -> str | None:
    """``https://www.linkedin.com/in/<slug>`` with the slug percent-decoded, composed (NFC) and lower-cased, or
    None.

    Accepts the forms the exports use: with or without scheme and ``www.``, percent-encoded or raw Unicode
    slugs, trailing slashes, query strings, country subdomains (``uk.linkedin.com``). URNs
    (``urn:li:member:123``) and other URLs give None.
    """
    if not value:
        return None
    v = value.strip()
    if "linkedin.com" not in v.lower():
        return None
    # the host must be LinkedIn's (``evil.example/?linkedin.com/in/x`` is not a profile): its path is searched
    host = _LINKEDIN_HOST.search(v)
    if host is None:
        return None
    m = _IN_SLUG.search(host.group(1) or "")
    if not m:
        return None
    # (one spelling of each slug: ``j%C3%BCrgen`` and ``ju%CC%88rgen`` are one profile, in its composed form)
    slug = unicodedata.normalize("NFC", unquote(m.group(1))).strip().lower()
    slug = re.sub(r"[\s/]+", "", slug)
    if not slug or slug in {"", "unavailable"}:
        return None
    return f"https://www.linkedin.com/in/{slug}"


def with_python_rest(s: pl.Series, ok: pl.Series, fast: pl.Series, fn: Callable[[Any], Any],
                     dtype: pl.DataType) -> pl.Series:
    """``fast`` where ``ok`` holds, ``fn`` (Python, once per distinct value) of ``s`` elsewhere.

    For the vectorised forms of the per-value functions: ``fast`` is the polars computation of the common
    case, ``ok`` says where it provably equals ``fn``; the other values (rare) take the Python path.
    """
    ok = ok.fill_null(False)
    fast = fast.cast(dtype)
    if bool(ok.all()):
        return fast.alias(s.name)
    idx = (~ok).arg_true()
    rest = s.gather(idx)
    u = rest.unique()
    vals = pl.Series("r", [fn(x) for x in u.to_list()], dtype=dtype)
    return fast.scatter(idx, rest.replace_strict(u, vals, return_dtype=dtype)).alias(s.name)


#: Letters, marks and signs beyond ASCII that Python counts as printable and not whitespace, and that Python's
#: ``str.lower`` and polars' ``to_lowercase`` treat alike (no context rule such as the Greek final sigma):
#: checked for every one of them in the tests.
PLAIN_NON_ASCII = "\u00a1-\u00ac\u00ae-\u02af\u0300-\u036f\u0400-\u04ff\u1e00-\u1eff"


def _anycase(text: str) -> str:
    """A regex matching ``text`` with its ASCII letters in either case (and nothing else: no Unicode folding)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in text)


#: The characters beyond ASCII of a slug read as it is written: those of :data:`PLAIN_NON_ASCII` that Unicode
#: normalisation (NFC) leaves as they are, so not the combining marks (``u`` + U+0308 is ``ü``).
_PLAIN_SLUG_NON_ASCII = "\u00a1-\u00ac\u00ae-\u02af\u0400-\u04ff\u1e00-\u1eff"

#: A plain profile URL (made of printable characters without spaces only): scheme and subdomains optional, a slug
#: without percent-escapes or combining marks, then nothing or a path / query / fragment.
_FAST_URL = (rf"^(?:{_anycase('http')}[{'Ss'}]?://)?(?:[A-Za-z0-9-]+\.)*{_anycase('linkedin.com/in/')}"
             rf"([A-Za-z0-9_.{_PLAIN_SLUG_NON_ASCII}-]+)(?:[/?#][!-~{PLAIN_NON_ASCII}]*)?$")


def canonical_linkedin_urls(s: pl.Series) -> pl.Series:
    """:func:`canonical_linkedin_url` of every value of ``s`` (null and "" give null), vectorised.

    Plain profile URLs (printable, slug without escapes) are made by polars, ASCII values without
    ``linkedin.com`` are null; anything else (percent-escapes, non-ASCII, spaces) goes through the Python
    function, once per distinct value.
    """
    v = s.cast(pl.String).to_frame("v")
    col = pl.col("v")
    slug = pl.col("slug")
    res = v.with_columns(col.str.extract(_FAST_URL, 1).str.to_lowercase().alias("slug")).select(
        (col.is_null() | (col == "") | slug.is_not_null()
         | (col.str.contains(r"^[\x00-\x7f]*$") & ~col.str.to_lowercase().str.contains("linkedin.com", literal=True))
         ).alias("ok"),
        pl.when(slug != "unavailable").then(pl.lit("https://www.linkedin.com/in/") + slug).alias("f"),
    )
    return with_python_rest(s, res["ok"], res["f"], canonical_linkedin_url, pl.String())


@lru_cache(maxsize=500_000)
def clean_email(value: str | None) -> str | None:
    """An address lower-cased and stripped of brackets/mailto:, or None if it is not an address."""
    if not value:
        return None
    v = value.strip().strip("<>").strip()
    if v.lower().startswith("mailto:"):
        v = v[7:]
    v = v.strip().strip(".").lower()
    if not _EMAIL.match(v) or len(v) > 254:
        return None
    return v


_GMAIL = {"gmail.com", "googlemail.com"}
_PLUS_PROVIDERS = {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com",
                   "mac.com", "fastmail.com", "fastmail.fm", "protonmail.com", "proton.me", "pm.me", "yandex.com",
                   "yandex.ru", "zoho.com"}
_FOLD = {"googlemail.com": "gmail.com", "me.com": "icloud.com", "mac.com": "icloud.com"}


@lru_cache(maxsize=500_000)
def normalize_email(value: str | None) -> str | None:
    """Identity key of an address: lower-case; ``+tags`` dropped at providers that support them; dots
    dropped for consumer Gmail; googlemail.com -> gmail.com, me.com/mac.com -> icloud.com."""
    e = clean_email(value)
    if e is None:
        return None
    local, _, domain = e.rpartition("@")
    domain = domain.rstrip(".")
    if domain in _PLUS_PROVIDERS and "+" in local:
        local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local = local.replace(".", "")
    domain = _FOLD.get(domain, domain)
    if not local:
        return None
    return f"{local}@{domain}"


def without_display_name(value: str) -> str:
    """``Name <address>`` (as a mail program copies an address) as its address; anything else stripped."""
    v = value.strip()
    return v[v.rindex("<") + 1:-1].strip() if v.endswith(">") and "<" in v else v


def owner_identity(value: str) -> str:
    """A ``--me`` value as the address or canonical LinkedIn profile URL it gives: an address (also written
    ``Name <address>``, as a mail program copies it) or a profile URL in any of its forms. Raises
    :class:`ValueError` for anything else (it was dropped without a word: a run as someone nobody is)."""
    v = without_display_name(value or "")
    if "@" in v and "/" not in v:
        if (email := clean_email(v)) is not None and " " not in v:
            return email
    elif (url := canonical_linkedin_url(v)) is not None:
        return url
    raise ValueError(f"{value!r} is not an email address or a LinkedIn profile URL (https://www.linkedin.com/in/...)")
