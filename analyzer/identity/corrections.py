"""Identity corrections: the ``[identity]`` config section (``same``, ``different``, ``ignore``) and the
lookup of the records an identity string names."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

import polars as pl

from analyzer.config import reject_unknown_keys
from analyzer.errors import InputError
from analyzer.normalize import canonical_linkedin_url, normalize_email

log = logging.getLogger(__name__)

CONFIG_KEYS = ("same", "different", "ignore", "merge_unique_names")


@dataclass
class Corrections:
    """User corrections: lists of identities (email address, LinkedIn URL or display name)."""

    same: list[list[str]] = field(default_factory=list)
    different: list[list[str]] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    #: retired: rare names now link by default (SPEC §5); accepted, ignored, with a warning
    merge_unique_names: bool | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> Corrections:
        """Validate the raw ``[identity]`` section. Raises :class:`InputError` for unknown keys or bad types."""
        if not config:
            return cls()
        reject_unknown_keys("identity", config, CONFIG_KEYS)

        def groups(name: str, min_len: int) -> list[list[str]]:
            v = config.get(name, [])
            ok = isinstance(v, list) and all(
                isinstance(g, list) and len(g) >= min_len and all(isinstance(x, str) and x.strip() for x in g)
                for g in v)
            if not ok:
                raise InputError("config", f"[identity] {name} must be a list of lists of at least {min_len} "
                                           "identities (email addresses, LinkedIn URLs or names)",
                                 hint=f'e.g. {name} = [["bob@example.com", "https://www.linkedin.com/in/bob"]]')
            return [[x.strip() for x in g] for g in v]

        ignore = config.get("ignore", [])
        if not (isinstance(ignore, list) and all(isinstance(x, str) and x.strip() for x in ignore)):
            raise InputError("config", "[identity] ignore must be a list of identities (email addresses, "
                                       "LinkedIn URLs or names)", hint='e.g. ignore = ["newsletter@example.com"]')
        unique = config.get("merge_unique_names")
        if unique is not None and not isinstance(unique, bool):
            raise InputError("config", "[identity] merge_unique_names must be true or false",
                             hint="e.g. merge_unique_names = true")
        same, different = groups("same", 1), groups("different", 2)
        _check_contradictions(same, different)
        return cls(same=same, different=different, ignore=[x.strip() for x in ignore], merge_unique_names=unique)

    def warn_retired(self) -> None:
        """Log the one-line deprecation of ``merge_unique_names`` when the config still sets it."""
        if self.merge_unique_names is not None:
            log.warning("[identity] merge_unique_names is retired and ignored: a name only one person in your "
                        "network carries now links its records by default (README, \"Identity resolution\")")

    def __bool__(self) -> bool:
        return bool(self.same or self.different or self.ignore)


def _check_contradictions(same: list[list[str]], different: list[list[str]]) -> None:
    """Raise :class:`InputError` for a ``different`` group that names one identity twice (different from
    itself), or two identities that a ``same`` group joins and a ``different`` group keeps apart (as written,
    case aside): the config cannot be followed."""
    joined: dict[str, int] = {}
    for k, group in enumerate(same):
        for ident in group:
            joined.setdefault(ident.casefold(), k)
    for group in different:
        seen: dict[str, str] = {}
        for ident in group:
            key = ident.casefold()
            if key in seen:
                raise InputError("config", f"[identity] different lists '{ident}' twice in one group: an identity "
                                           "cannot be different from itself",
                                 hint="List each identity once per group")
            seen[key] = ident
        in_same: dict[int, str] = {}
        for key, ident in seen.items():
            if (group_no := joined.get(key)) is not None:
                if group_no in in_same:
                    raise InputError("config", f"[identity] '{in_same[group_no]}' and '{ident}' are in one same group "
                                               "and one different group", hint="Keep them in only one of the two")
                in_same[group_no] = ident


class IdentityIndex:
    """Finds the records an identity string refers to (exact, case-insensitive): an email address (also
    ``Name <address>``), a LinkedIn profile URL, or a display name (as written, or cleaned)."""

    def __init__(self, f: pl.DataFrame, emails: pl.DataFrame) -> None:
        self.by_url: dict[str, list[int]] = {}
        self.by_email: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        for idx, url, name, display in f.select("idx", "linkedin_url", "name", "display").rows():
            if url:
                self.by_url.setdefault(url, []).append(idx)
            for nm in {(name or "").strip().casefold(), (display or "").strip().casefold()}:
                if nm:
                    self.by_name.setdefault(nm, []).append(idx)
        for idx, e in emails.rows():
            self.by_email.setdefault(e, []).append(idx)

    def lookup(self, ident: str) -> list[int]:
        s = ident.strip()
        if "<" in s and ">" in s:
            _, addr = parseaddr(s)
            if addr:
                s = addr
        if (u := canonical_linkedin_url(s)) is not None:
            return self.by_url.get(u, [])
        if "@" in s and (e := normalize_email(s)) is not None:
            return self.by_email.get(e, [])
        return self.by_name.get(s.casefold(), [])
