"""The scoring configuration: every weight, window and threshold of the score (the ``[scoring]`` section).

It sits below :mod:`analyzer.measures` and :mod:`analyzer.score`, which both read it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from analyzer.errors import InputError


@dataclass(frozen=True)
class ScoringConfig:
    """Every weight, window and threshold of the score; each field can be set in the ``[scoring]`` section of
    the config file. Defaults and their rationale: docs/scoring.md."""

    # what counts as what
    group_max_participants: int = 10  # 3..this = group message; above = mass mail (not a two-way signal)
    session_gap_days: int = 30  # a message after this much silence in a thread starts a new conversation
    reply_window_days: int = 60  # a message of the other side later than this is not a reply
    min_messages_each_way: int = 1  # two-way history needs this many two-way messages in each direction
    replies_owed_days: int = 90  # replies owed: unanswered one-to-one threads whose last message is this recent
    # strength: weights of the six terms (normalised by their sum)
    weight_duration: float = 0.20
    weight_active_months: float = 0.25
    weight_volume: float = 0.15
    weight_one_to_one: float = 0.15
    weight_services: float = 0.10
    weight_employer: float = 0.15
    # strength: saturation points (the value at which a term reaches 0.5)
    duration_half_years: float = 1.0
    active_months_half: float = 6.0
    volume_half: float = 20.0
    recommendation_points: float = 0.5  # services = min(1, points x recommendations + points x endorsements)
    endorsement_points: float = 0.1
    employer_company_contact: float = 0.75  # employer term when matched on company name only (email domain: 1)
    employer_match_only: float = 0.25  # same employer but no contact during the owner's tenure there
    overlap_half_years: float = 1.0
    # reciprocity
    wilson_z: float = 1.96  # confidence of the Wilson lower bounds (reciprocity, one-to-one share)
    initiation_weight: float = 0.5  # reciprocity = balance x (1 - w + w x initiation balance)
    # warmth: rhythm and decay
    min_rhythm_days: float = 30.0
    max_rhythm_days: float = 365.0
    default_rhythm_days: float = 90.0  # rhythm of a tie seen in a single month
    decay_half_ratio: float = 3.0  # silence / rhythm at which warmth is half the strength
    decay_steepness: float = 2.0
    # priority
    dormant_after_days: float = 180.0  # dormancy ramp mid-point (half value) ...
    dormant_ramp_days: float = 45.0  # ... and its width (logistic scale)
    long_dormant_years: float = 5.0  # beyond this silence priority slowly declines ...
    long_dormant_tau_years: float = 10.0  # ... exp(-(years - long_dormant_years) / tau)
    unknown_recency_dormancy: float = 0.5  # dormancy of a two-way tie with only undated messages
    reciprocity_exponent: float = 0.5
    warm_floor: float = 0.1  # share of its priority a strong tie keeps while warm (still above weak dormant ties)
    novelty_weight: float = 0.0  # optional tilt towards moderately strong ties (Rajkumar 2022 inverted U)
    two_way_base: float = 0.05  # every two-way tie scores at least this ...
    connection_floor: float = 0.02  # ... and no other tie more than this
    one_way_factor: float = 0.5  # low-tier score multiplier for one-way ties

    @classmethod
    def from_mapping(cls, config: dict[str, Any] | ScoringConfig | None) -> ScoringConfig:
        """Defaults overridden by the raw ``[scoring]`` TOML section; unknown keys and bad values raise
        :class:`InputError`."""
        if config is None:
            return cls()
        if isinstance(config, ScoringConfig):
            return config
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in config.items():
            if key not in fields:
                raise InputError("config", f"unknown [scoring] key '{key}'",
                                 hint="Known keys: " + ", ".join(sorted(fields)))
            is_int = fields[key].type in ("int", int)
            ok = isinstance(value, int) if is_int else isinstance(value, int | float)
            if isinstance(value, bool) or not ok or (isinstance(value, float) and not math.isfinite(value)):
                raise InputError("config", f"[scoring] {key} must be {'an integer' if is_int else 'a number'}, "
                                 f"got {value!r}", hint="See docs/scoring.md for the defaults")
            if value < 0:
                raise InputError("config", f"[scoring] {key} must not be negative, got {value!r}")
            # (a span past a century, or any figure past a million, is a typo: and dates overflow past year 9999)
            limit = 36_500 if key.endswith("_days") else 100 if key.endswith("_years") else 1_000_000
            if value > limit:
                raise InputError("config", f"[scoring] {key} must be at most {limit:,}, got {value!r}")
            values[key] = int(value) if is_int else float(value)
        cfg = cls(**values)
        cfg._check()
        return cfg

    def _check(self) -> None:
        if self.group_max_participants < 2:
            raise InputError("config", "[scoring] group_max_participants must be at least 2")
        if self.min_messages_each_way < 1:
            raise InputError("config", "[scoring] min_messages_each_way must be at least 1")
        if self.strength_weight_total() < 1e-6:  # (1e-320 alone divided the scores into NaN)
            raise InputError("config", "[scoring] the strength weights (weight_*) must not all be 0 (or nearly)")
        for name in ("duration_half_years", "active_months_half", "volume_half", "overlap_half_years",
                     "min_rhythm_days", "default_rhythm_days", "decay_half_ratio", "dormant_ramp_days",
                     "long_dormant_tau_years", "wilson_z"):
            if getattr(self, name) <= 0:
                raise InputError("config", f"[scoring] {name} must be greater than 0")
        if self.max_rhythm_days < self.min_rhythm_days:
            raise InputError("config", "[scoring] max_rhythm_days must be at least min_rhythm_days")
        for name in ("initiation_weight", "novelty_weight", "two_way_base", "employer_company_contact", "warm_floor",
                     "employer_match_only", "one_way_factor", "unknown_recency_dormancy"):
            if getattr(self, name) > 1:
                raise InputError("config", f"[scoring] {name} must be between 0 and 1")
        if self.connection_floor >= self.two_way_base:
            raise InputError("config", "[scoring] connection_floor must be below two_way_base",
                             hint="Ties without two-way history must rank below every two-way tie")

    def strength_weight_total(self) -> float:
        """Sum of the six strength weights."""
        return (self.weight_duration + self.weight_active_months + self.weight_volume + self.weight_one_to_one
                + self.weight_services + self.weight_employer)
