"""Declarative linkage settings for identity resolution, in the style of splink.

A :class:`LinkageSettings` lists the deterministic rules, the blocking rules (a union of equi-joins), the
comparisons with their ordered, labelled levels and Fellegi–Sunter weights in bits (``log2 m/u``), the prior,
the auto-merge threshold, the corroboration rule and the cannot-link rules. ``analyzer.identity`` evaluates
it; :meth:`LinkageSettings.to_dict` is written next to each run as ``identity_settings.json`` together with the
run's own numbers (candidate pairs per blocking rule, term frequencies used, merges per rule).

Starting weights come from the measured table in ``research/identity.md`` §5.4 (pseudopeople W2: u from
300 k random pairs, m from true pairs); the levels the fixtures could not measure (nickname, initial, swapped,
surname-token overlap, email, company, thread) are set by judgement and checked on the sample-data truth
(``benchmarks/eval_identity.py``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


def bits(m: float, u: float) -> float:
    """Fellegi–Sunter match weight ``log2(m / u)``."""
    return math.log2(m / u)


def probability(weight: float) -> float:
    """Match probability of a total weight in bits (prior included)."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    return 2.0**weight / (1.0 + 2.0**weight)


def weight_for_probability(p: float) -> float:
    """The total weight (bits) at which the match probability is ``p``."""
    return math.log2(p / (1.0 - p))


@dataclass
class Level:
    """One outcome of a comparison, in evaluation order (the first level whose condition holds applies)."""

    label: str
    condition: str  # human-readable condition, evaluated by analyzer.identity
    weight: float  # bits; 0 for the null level
    m: float | None = None  # P(level | match), when the weight was derived from m/u
    u: float | None = None  # P(level | non-match)
    tf_adjusted: bool = False  # exact level: u replaced by the value's frequency in this run
    u_estimated: bool = False  # u re-estimated on random pairs of this run's records (weight = log2(m/u))


@dataclass
class Comparison:
    """A field comparison with ordered, labelled levels."""

    name: str
    description: str
    levels: list[Level]

    def weight(self, label: str) -> float:
        """The weight of level ``label``."""
        for lv in self.levels:
            if lv.label == label:
                return lv.weight
        raise KeyError(f"{self.name}: no level {label!r}")

    def level(self, label: str) -> Level:
        """The level called ``label``."""
        for lv in self.levels:
            if lv.label == label:
                return lv
        raise KeyError(f"{self.name}: no level {label!r}")


@dataclass
class BlockingRule:
    """An equi-join generating candidate pairs; the candidates are the union over all rules."""

    name: str
    key: str  # what is joined on


@dataclass
class TermFrequency:
    """Term-frequency adjustment of exact-name levels: u = (count + pseudo·u_base) / (n + pseudo), where count
    is the number of distinct people (deterministic clusters) with the value; the weight is then clipped to
    [min_weight, base + max_boost]. The "same company" level likewise: u = the shared token's share of the
    clusters with a company, the weight clipped to [base, base + max_boost] (rare companies weigh more)."""

    pseudo_count: float = 2000.0
    max_boost: float = 3.0
    min_weight: float = 2.0


def _lv(label: str, condition: str, *, weight: float | None = None, m: float | None = None,
        u: float | None = None, tf: bool = False, u_estimated: bool = False) -> Level:
    if weight is None:
        assert m is not None and u is not None
        weight = round(bits(m, u), 3)
    return Level(label, condition, weight, m, u, tf, u_estimated)


def default_comparisons() -> list[Comparison]:
    """The comparisons and levels used by default (weights in bits)."""
    return [
        Comparison("first_name", "first given name (ASCII key)", [
            _lv("null", "either side unknown", weight=0.0),
            _lv("exact", "equal", m=0.923, u=0.0032, tf=True),
            _lv("swapped", "first/last reversed (weight counted on last_name)", weight=0.0),
            _lv("nickname", "one hop in the nickname relation (Bob~Robert), or a clipped form of >= 3 letters "
                            "(Nat~Natalie)", m=0.05, u=0.0015),
            _lv("jw92", "Jaro-Winkler >= 0.92", m=0.011, u=0.0012),
            _lv("jw88", "Jaro-Winkler >= 0.88", m=0.0035, u=0.0011),
            _lv("initial", "one side is an initial equal to the other's first letter", weight=3.0),
            _lv("jw70", "Jaro-Winkler >= 0.70", m=0.0063, u=0.025),
            _lv("else", "different", m=0.018, u=0.949),
        ]),
        Comparison("last_name", "surname (ASCII key, particles kept, joined)", [
            _lv("null", "either side unknown", weight=0.0),
            _lv("exact", "equal", m=0.943, u=0.00078, tf=True),
            _lv("jw92", "Jaro-Winkler >= 0.92", weight=5.2),
            _lv("swapped", "first and last name reversed (both exact or JW >= 0.92)", weight=15.0),
            _lv("token_overlap", "one side's surnames are all among the other's (Smith-Jones ~ Jones, García "
                                 "Márquez ~ Márquez; not García López ~ García Ruiz)", weight=5.0),
            _lv("jw88", "Jaro-Winkler >= 0.88", weight=3.6),
            _lv("jw70", "Jaro-Winkler >= 0.70", weight=-1.6),
            _lv("else", "different", m=0.022, u=0.962),
        ]),
        Comparison("middle_initial", "first letter of the second given name", [
            _lv("null", "either side unknown", weight=0.0),
            _lv("agree", "equal", m=0.977, u=0.077),
            _lv("disagree", "different", weight=-6.0),
        ]),
        Comparison("suffix", "generational suffix (Jr/Sr/II/III)", [
            _lv("null", "either side has none, or equal", weight=0.0),
            _lv("conflict", "different suffixes (father/son): also a cannot-link rule", weight=-20.0),
        ]),
        Comparison("email", "normalised personal addresses (role addresses are not identities)", [
            _lv("null", "either side has no personal address", weight=0.0),
            _lv("exact", "share an address (normally a deterministic link)", weight=16.0),
            _lv("other_at_same_domain", "different addresses at the same work domain (jricci@ vs jricci42@: "
                                        "two mailboxes of one employer, usually two people)", weight=-4.0),
            _lv("same_local", "same local part (>= 5 letters, digits ignored) at different domains", weight=6.0),
            _lv("else", "different addresses", weight=-1.0),
        ]),
        Comparison("email_name", "local part of a nameless record's address against the other's name", [
            _lv("null", "not applicable (both named, or no address)", weight=0.0),
            _lv("pattern", "local part is johnsmith/jsmith/smithj/smithjohn/johns of the other's name "
                           "(about an initial plus an exact surname)", weight=13.0),
            _lv("first", "local part is the other's first name at a company domain", weight=4.0),
            _lv("else", "local part fits no pattern of the other's name", weight=0.0),
        ]),
        Comparison("company", "company names and work email domains (whole cluster), legal suffixes stripped", [
            _lv("null", "either side has no company evidence", weight=0.0),
            _lv("same", "a shared company token (acme.com ~ Acme Inc, prefix for truncated names); weighted by "
                        "how rare the token is among your contacts", m=0.6, u=0.025, u_estimated=True, tf=True),
            _lv("else", "different (people change jobs: about neutral)", m=0.4, u=0.975, u_estimated=True),
        ]),
        Comparison("thread", "both appear in the same small conversation/thread (at most 6 records)", [
            _lv("null", "no shared thread (or no messages given)", weight=0.0),
            # m: a person's work and personal addresses on one small thread (judgement); u re-estimated per run
            # from the threads (about 3 partners per person among thousands: u ~ 1e-4, clipped at min_u)
            _lv("shared", "at least one shared thread", m=0.15, u=0.0005, u_estimated=True),
        ]),
    ]


def default_blocking_rules() -> list[BlockingRule]:
    """The union of equi-joins that generates candidate pairs."""
    return [
        BlockingRule("last_name+first_initial", "surname key + first initial"),
        BlockingRule("last_name (no first name)", "surname key, for records without a first name, against all"),
        BlockingRule("first_name+last_initial", "first name key + first letter of surname"),
        BlockingRule("nickname+last_initial", "first name joined to the one-hop nicknames of the other's first "
                                              "name + first letter of surname"),
        BlockingRule("sorted_name", "sorted(first, last): catches swapped orders"),
        BlockingRule("company+first_name", "company token of the cluster (names and work domains) + first name: "
                                           "catches surname changes at the same employer"),
        BlockingRule("email_local~name", "email local part (letters) joined to name patterns "
                                         "(johnsmith, jsmith, smithj, smithjohn, johns)"),
    ]


@dataclass
class UEstimation:
    """Random-pair estimation of ``u`` for the levels marked ``u_estimated`` (deterministic seed)."""

    max_pairs: int = 200_000
    seed: int = 1
    min_u: float = 0.0005  # weights are clipped to log2(m / min_u) at most
    min_pairs: int = 2000  # below this many informative pairs the starting u is kept


@dataclass
class LinkageSettings:
    """Everything that decides a merge, serialisable to JSON (``identity_settings.json``)."""

    deterministic_rules: list[str] = field(default_factory=lambda: [
        "config same: identities the user lists as one person",
        "same linkedin url: same canonical LinkedIn profile URL",
        "same email: same normalised non-role address (a record/contact card listing several addresses "
        "links them all); refused when the first names clearly differ and the surnames agree "
        "(a shared family address)",
    ])
    blocking_rules: list[BlockingRule] = field(default_factory=default_blocking_rules)
    max_block_size: int = 500  # blocks with more records are skipped (and counted in the run stats)
    # at most this many candidate pairs per unit compared (or the minimum budget, if more): past it, the size cap
    # is halved until they fit (an address book of 20,000 cards of one name at 50 companies: 4 M pairs, 2.6 GB)
    max_pairs_per_unit: float = 40.0
    min_pair_budget: int = 1_000_000
    compare_chunk_pairs: int = 100_000  # candidate pairs compared per batch (memory bound; each pair on its own)
    comparisons: list[Comparison] = field(default_factory=default_comparisons)
    matches_per_record: float = 1.0  # prior: λ = matches_per_record / (n - 1), n = units compared
    min_records_for_prior: int = 100
    threshold_probability: float = 0.95
    report_probability: float = 0.5  # candidate pairs above this that were not merged are kept as near misses
    term_frequency: TermFrequency = field(default_factory=TermFrequency)
    u_estimation: UEstimation = field(default_factory=UEstimation)
    require_corroboration: bool = True  # SPEC §5; False = plain Fellegi–Sunter (benchmarks only)
    corroboration: list[str] = field(default_factory=lambda: [
        "company=same", "thread=shared", "email=exact",
    ])
    # "rare" (SPEC §5): a name that only one human in this network carries links its records unless something
    # contradicts it (``identity.decision.rare_name_merges``) | "never": a name alone never merges (the former
    # default; benchmarks). "unique" and "unique_any_company", the former opt-ins, mean "rare".
    uncorroborated_merges: str = "rare"
    # THE strictness knob: a name is rare when the expected number of other humans in this network carrying it
    # (given-name count x surname count / distinct full names) is at most this
    max_expected_namesakes: float = 0.1
    # "fixed": the m above, set by judgement for personal networks and checked on labelled samples | "em":
    # learn m of ``em_comparisons`` by expectation-maximisation on this run's candidate pairs, u on random
    # pairs, and the prior (splink's unsupervised training; for data unlike personal networks, e.g. FEBRL's
    # heavy typos -- benchmarks only)
    m_estimation: str = "fixed"
    em_comparisons: list[str] = field(default_factory=lambda: ["first_name", "last_name"])
    em_iterations: int = 25
    cannot_link: list[str] = field(default_factory=lambda: [
        "two different LinkedIn profile URLs",
        "conflicting generational suffixes (Jr vs Sr, II vs III)",
        "two different rows of the same Connections.csv",
        "an automated sender with a human",
        "anyone with the owner (owner records form the single person 'owner')",
        "identities listed as different in the config",
        "probabilistic merges: two clearly different full first names in one cluster (an initial such as "
        "'J. Smith' never bridges Jane and John)",
        "rare-name merges (a name group): two LinkedIn profiles or two Connections.csv rows carrying the name, "
        "names that do not all agree, different middle initials or suffixes, work addresses at two employers in "
        "use during the same months, a current LinkedIn employer while another employer's address is still in "
        "use, two of the addresses on one message, a cluster known only from mass mail",
        "one address, one person: clusters still sharing an email address or profile URL at the end are joined",
    ])

    def comparison(self, name: str) -> Comparison:
        """The comparison called ``name``."""
        for c in self.comparisons:
            if c.name == name:
                return c
        raise KeyError(name)

    def prior_weight(self, n_records: int) -> float:
        """Prior log-odds (bits) that two random records are the same person."""
        n = max(n_records, self.min_records_for_prior)
        lam = min(self.matches_per_record / (n - 1), 0.5)
        return math.log2(lam / (1.0 - lam))

    @property
    def threshold_weight(self) -> float:
        """Total weight (prior included) at which a pair auto-merges."""
        return weight_for_probability(self.threshold_probability)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d = asdict(self)
        d["threshold_weight_bits"] = round(self.threshold_weight, 3)
        return d
