"""Normalisation of identifiers: LinkedIn profile URLs and email addresses (ingest-time, cheap)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

_IN_SLUG = re.compile(r"(?:^|/)in/([^/?#\s]+)", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")


@lru_cache(maxsize=500_000)
def canonical_linkedin_url(value: str | None) -> str | None:
    """``https://www.linkedin.com/in/<slug>`` with the slug percent-decoded and lower-cased, or None.

    Accepts the forms the exports use: with or without scheme and ``www.``, percent-encoded or raw Unicode
    slugs, trailing slashes, query strings, country subdomains (``uk.linkedin.com``). URNs
    (``urn:li:member:123``) and other URLs give None.
    """
    if not value:
        return None
    v = value.strip()
    if "linkedin.com" not in v.lower():
        return None
    m = _IN_SLUG.search(v)
    if not m:
        return None
    slug = unquote(m.group(1)).strip().lower()
    slug = re.sub(r"[\s/]+", "", slug)
    if not slug or slug in {"", "unavailable"}:
        return None
    return f"https://www.linkedin.com/in/{slug}"


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
