"""The ``[plan]`` section of the config file: people marked done or snoozed, and the follow-through intervals.

::

    [plan]
    done = ["jane@example.com", "https://www.linkedin.com/in/bob-smith"]   # do not suggest again
    snooze = { "lee@example.com" = "2027-01-15" }                           # not before that date
    awaiting_reply_days = 28     # after writing to someone, wait this long before suggesting them again
    weeks = 4                    # how many weeks --plan N fills

Identities are email addresses or LinkedIn profile URLs (a name could be several people).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from analyzer.config import reject_unknown_keys
from analyzer.errors import InputError
from analyzer.normalize import canonical_linkedin_url, normalize_email

CONFIG_KEYS = ("done", "snooze", "awaiting_reply_days", "weeks")

#: After you write to someone who has not answered, how long before they are suggested again: four weeks, the
#: usual advice for a polite follow-up to an unanswered note (one to two weeks is pushy, two months is lost).
AWAITING_REPLY_DAYS = 28
PLAN_WEEKS = 4


def identity_key(value: str) -> str | None:
    """An identity as written in the config -> the key people are matched by (the address as
    :func:`~analyzer.normalize.normalize_email` gives it, so ``Bob.Smith@gmail.com`` is ``bobsmith@gmail.com``,
    as in ``[identity]``; or the canonical LinkedIn URL), or None when it is neither."""
    v = value.strip()
    if "linkedin.com/" in v.lower():
        return canonical_linkedin_url(v)
    if "@" in v:
        return normalize_email(v)
    return None


@dataclass(frozen=True)
class PlanSettings:
    """The validated ``[plan]`` section: identity keys (see :func:`identity_key`) as given by the user."""

    done: tuple[str, ...] = ()
    snooze: dict[str, date] = field(default_factory=dict)
    awaiting_reply_days: int = AWAITING_REPLY_DAYS
    weeks: int = PLAN_WEEKS
    #: the identity as written in the config, by key (for error messages)
    written: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> PlanSettings:
        """Validate the raw ``[plan]`` section. Raises :class:`InputError` (source "config") for unknown keys,
        identities that are neither an address nor a LinkedIn URL, and dates that are not YYYY-MM-DD."""
        if not config:
            return cls()
        reject_unknown_keys("plan", config, CONFIG_KEYS)
        written: dict[str, str] = {}

        def key(value: Any, where: str) -> str:
            k = identity_key(value) if isinstance(value, str) else None
            if k is None:
                raise InputError("config", f"[plan] {where}: {str(value)[:80]!r} is not an email address or a "
                                           "LinkedIn profile URL",
                                 hint='e.g. done = ["jane@example.com", "https://www.linkedin.com/in/jane-doe"]')
            written.setdefault(k, value.strip())
            return k

        done = config.get("done", [])
        if not isinstance(done, list):
            raise InputError("config", "[plan] done must be a list of email addresses or LinkedIn URLs",
                             hint='e.g. done = ["jane@example.com"]')
        snooze_raw = config.get("snooze", {})
        if not isinstance(snooze_raw, dict):
            raise InputError("config", "[plan] snooze must be a table of identity = date",
                             hint='e.g. snooze = { "jane@example.com" = "2027-01-15" }')
        snooze: dict[str, date] = {}
        for ident, until in sorted(snooze_raw.items()):
            k = key(ident, "snooze")
            if isinstance(until, date):
                snooze[k] = until
                continue
            try:
                snooze[k] = date.fromisoformat(until) if isinstance(until, str) else date.fromisoformat("")
            except ValueError:
                raise InputError("config", f"[plan] snooze: {str(until)[:40]!r} for {ident!r} is not a date "
                                           "in the form YYYY-MM-DD",
                                 hint='e.g. snooze = { "jane@example.com" = "2027-01-15" }') from None

        def count(name: str, default: int, low: int, high: int) -> int:
            v = config.get(name, default)
            if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
                raise InputError("config", f"[plan] {name} must be a whole number from {low} to {high}")
            return v

        return cls(done=tuple(sorted({key(d, "done") for d in done})), snooze=snooze,
                   awaiting_reply_days=count("awaiting_reply_days", AWAITING_REPLY_DAYS, 1, 365),
                   weeks=count("weeks", PLAN_WEEKS, 1, 52), written=written)

    @property
    def keys(self) -> set[str]:
        """Every identity the section names."""
        return set(self.done) | set(self.snooze)
