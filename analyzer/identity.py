"""Stage 3 — identity resolution: one person per human across LinkedIn, mail and address books.

How (SPEC §5, design in ``research/identity.md`` §5; the settings are declared in :mod:`analyzer.linkage`):

1. **Features**, computed once per unique string (:mod:`analyzer.names`): name keys (cleaned of emoji,
   pronouns, taglines, credentials, titles; ``Last, First`` reordered; transliterated), middle initial,
   generational suffix, surname tokens, normalised personal emails (role addresses such as ``info@`` are not
   identities), work-domain and company tokens, name hints from email local parts. Set-valued features are
   kept as long ``(idx, tok)`` tables so that "do two records share a token" is a join, not a list operation.
2. **Corrections** from the ``[identity]`` config section: ``same`` (forced links), ``different``
   (cannot-link), ``ignore`` (records dropped; their ids are returned in ``settings["ignored_record_ids"]``).
3. **Deterministic links**: the same canonical LinkedIn URL; the same normalised personal address (a record —
   e.g. one contact card — listing several addresses links them all).
4. **Blocking** on *units* (one per deterministic cluster and name variant, so a person seen in five sources
   is compared once): a union of equi-joins (surname + first initial; first name + surname initial; nickname
   + surname initial; sorted names; company + first name; email local part ~ name patterns); oversized blocks
   are skipped and counted.
5. **Comparison** of the candidate pairs with Fellegi–Sunter levels and weights (term-frequency adjusted exact
   names; the company weight re-estimated on random pairs of this run), and a **decision**: merge at
   P ≥ threshold *and* with corroboration (same company or work domain for any record of either cluster, a
   shared thread, a shared address) — a name alone never merges.
6. **Clustering**: union-find over the links in order (config, URL, email, then probabilistic by descending
   weight) refusing unions that break a cannot-link rule (two LinkedIn URLs, Jr vs Sr, two rows of one
   Connections.csv, human with automated, incompatible first names, config ``different``). Owner records are
   the single person ``owner``.
7. **Explanations**: every link used is a MATCHES row; candidate pairs that were close but not merged are kept
   in ``Resolved.near_misses``; :func:`explain_person` answers ``reconnect person``.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import lru_cache
from hashlib import blake2b
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from analyzer import schemas
from analyzer.errors import InputError
from analyzer.linkage import LinkageSettings, probability, weight_for_probability
from analyzer.names import (
    Nicknames,
    clean_display_name,
    company_tokens,
    domain_tokens,
    email_info,
    is_generic_company,
    is_short_form,
    local_name_hint,
    name_patterns,
    parse_name,
    token_prefixes,
)
from analyzer.normalize import canonical_linkedin_url, normalize_email
from analyzer.owner import Owner

log = logging.getLogger(__name__)

DETERMINISTIC_WEIGHT = 40.0  # match_weight written for deterministic links (bits)
CONNECTIONS_KIND = "linkedin.connections"

_MATCH_COLS = {k: v for k, v in schemas.MATCHES.items() if k != "person_id"}
NEAR_MISSES: dict[str, pl.DataType] = {
    "record_id_l": pl.Int64(),
    "record_id_r": pl.Int64(),
    "person_id_l": pl.String(),
    "person_id_r": pl.String(),
    "name_l": pl.String(),
    "name_r": pl.String(),
    "levels": pl.String(),
    "match_weight": pl.Float64(),
    "probability": pl.Float64(),
    "reason": pl.String(),
}
_TOK = {"idx": pl.Int64, "tok": pl.String}


@dataclass
class Resolved:
    """The output of identity resolution."""

    people: pl.DataFrame  # schemas.PEOPLE
    record_person: pl.DataFrame  # schemas.RECORD_PERSON (ignored records are absent)
    matches: pl.DataFrame  # schemas.MATCHES
    settings: dict[str, Any] = field(default_factory=dict)  # written to identity_settings.json
    near_misses: pl.DataFrame = field(default_factory=lambda: schemas.empty(NEAR_MISSES))


# ==============================================================================================================
# Corrections ([identity] config section)
# ==============================================================================================================

CONFIG_KEYS = ("same", "different", "ignore", "merge_unique_names")


@dataclass
class Corrections:
    """User corrections: lists of identities (email address, LinkedIn URL or display name)."""

    same: list[list[str]] = field(default_factory=list)
    different: list[list[str]] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    #: opt-in, against SPEC §5's default: merge a full-name match without corroboration when it is unambiguous
    #: (``LinkageSettings.uncorroborated_merges = "unique"``)
    merge_unique_names: bool = False

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> Corrections:
        """Validate the raw ``[identity]`` section. Raises :class:`InputError` for unknown keys or bad types."""
        if not config:
            return cls()
        unknown = sorted(set(config) - set(CONFIG_KEYS))
        if unknown:
            raise InputError("config", f"unknown key(s) in [identity]: {', '.join(unknown)}",
                             hint=f"Known keys: {', '.join(CONFIG_KEYS)}")

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
        unique = config.get("merge_unique_names", False)
        if not isinstance(unique, bool):
            raise InputError("config", "[identity] merge_unique_names must be true or false",
                             hint="e.g. merge_unique_names = true")
        return cls(same=groups("same", 1), different=groups("different", 2), ignore=[x.strip() for x in ignore],
                   merge_unique_names=unique)

    def __bool__(self) -> bool:
        return bool(self.same or self.different or self.ignore)


class _IdentityIndex:
    """Finds the records an identity string refers to (exact, case-insensitive): an email address (also
    ``Name <address>``), a LinkedIn profile URL, or a display name (as written, or cleaned)."""

    def __init__(self, f: pl.DataFrame, emails: pl.DataFrame) -> None:
        self.by_url: dict[str, list[int]] = {}
        self.by_email: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        for idx, url, name, display in f.select("idx", "linkedin_url", "name", "display").iter_rows():
            if url:
                self.by_url.setdefault(url, []).append(idx)
            for nm in {(name or "").strip().casefold(), (display or "").strip().casefold()}:
                if nm:
                    self.by_name.setdefault(nm, []).append(idx)
        for idx, e in emails.iter_rows():
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


# ==============================================================================================================
# Features
# ==============================================================================================================

@dataclass
class _Features:
    """Scalar features per record (``f``, one row per record, ``idx`` = position) and set-valued features as
    long ``(idx, tok)`` tables (``tok``): email, email_any, local, local_long, work_local, work_domain, last,
    comp, pattern."""

    f: pl.DataFrame
    tok: dict[str, pl.DataFrame]


def _split_tokens(df: pl.DataFrame, col: str) -> pl.DataFrame:
    """(idx, space-separated string) -> long (idx, tok) table."""
    return (df.select("idx", pl.col(col).str.split(" ").alias("tok")).explode("tok")
            .filter(pl.col("tok").is_not_null() & (pl.col("tok") != "")).unique())


def _features(recs: pl.DataFrame) -> _Features:
    """Comparison features, each computed once per unique string (Python) and joined back (polars)."""
    tok: dict[str, pl.DataFrame] = {}
    # ---- names -------------------------------------------------------------------------------------------
    trip = recs.select("name", "first_name", "last_name").unique(maintain_order=True)
    parsed = [parse_name(n, fn, ln) for n, fn, ln in trip.iter_rows()]
    trip = trip.with_columns(
        pl.Series("first", [p.first for p in parsed], dtype=pl.String),
        pl.Series("mi", [p.middle_initial for p in parsed], dtype=pl.String),
        pl.Series("last", [p.last for p in parsed], dtype=pl.String),
        pl.Series("last_toks", [" ".join(p.last_tokens) for p in parsed], dtype=pl.String),
        pl.Series("suffix", [p.suffix for p in parsed], dtype=pl.String),
        pl.Series("display", [p.display for p in parsed], dtype=pl.String),
    )
    f = recs.select("idx", "record_id", "source_file", "source_kind", "name", "first_name", "last_name",
                    "linkedin_url", "company", "is_owner", "is_auto") \
        .join(trip, on=["name", "first_name", "last_name"], how="left", nulls_equal=True)

    # ---- emails ------------------------------------------------------------------------------------------
    ex = recs.select("idx", pl.col("emails").alias("raw")).explode("raw").drop_nulls("raw")
    rows = []
    for raw in ex.get_column("raw").unique(maintain_order=True).to_list():
        n = normalize_email(raw)
        if n is None:
            continue
        ei = email_info(n)
        hint = (ei.hint_first, ei.hint_last)
        if not ei.role and not hint[0]:  # Gmail: "jane.doe@" is normalised to "janedoe@"
            hint = local_name_hint(raw.strip().rpartition("@")[0])
        rows.append((raw, n, ei.role, ei.webmail, ei.domain, " ".join(domain_tokens(ei.org)), ei.local_alpha,
                     ei.local_key, *hint))
    einfo = pl.DataFrame(rows, schema={"raw": pl.String, "email": pl.String, "role": pl.Boolean,
                                       "webmail": pl.Boolean, "domain": pl.String, "org": pl.String,
                                       "local_alpha": pl.String, "local_key": pl.String,
                                       "hint_first": pl.String, "hint_last": pl.String}, orient="row")
    ex = ex.join(einfo, on="raw", how="inner")
    tok["email_any"] = ex.select("idx", pl.col("email").alias("tok")).unique()
    pe = ex.filter(~pl.col("role"))
    la = pl.col("local_alpha")
    tok["email"] = pe.select("idx", pl.col("email").alias("tok")).unique()
    tok["local_long"] = pe.filter(la.str.len_chars() >= 5).select("idx", la.alias("tok")).unique()
    tok["work_domain"] = pe.filter(~pl.col("webmail")).select("idx", pl.col("domain").alias("tok")).unique()
    tok["local"] = pe.filter(la.str.len_chars() >= 2).select("idx", la.alias("tok")).unique()
    tok["work_local"] = pe.filter(~pl.col("webmail") & (la.str.len_chars() >= 3)).select("idx", la.alias("tok")) \
        .unique()
    org = _split_tokens(pe, "org")
    hints = (pe.filter(pl.col("hint_first") != "").sort(["idx", "email"])
             .group_by("idx").agg(pl.col("hint_first").first(), pl.col("hint_last").first()))
    counts = [tok["email"].group_by("idx").len("n_email"), tok["email_any"].group_by("idx").len("n_any"),
              tok["local"].group_by("idx").len("n_local")]
    f = f.join(hints, on="idx", how="left")
    for c in counts:
        f = f.join(c, on="idx", how="left")

    # ---- companies ---------------------------------------------------------------------------------------
    comps = recs.get_column("company").drop_nulls().unique(maintain_order=True).to_list()
    cmap = pl.DataFrame({"company": comps, "ctoks": [" ".join(company_tokens(c)) for c in comps]},
                        schema={"company": pl.String, "ctoks": pl.String})
    ctok = _split_tokens(f.select("idx", "company").join(cmap, on="company"), "ctoks")
    tok["comp"] = pl.concat([ctok, org]).unique()

    # ---- a nameless record takes its name from a "john.smith@" / "j.smith@" address ----------------------
    hinted = (pl.col("first") == "") & (pl.col("last") == "") & pl.col("hint_first").is_not_null()
    f = f.with_columns(
        pl.when(hinted).then(pl.col("hint_first")).otherwise(pl.col("first")).alias("first"),
        pl.when(hinted).then(pl.col("hint_last")).otherwise(pl.col("last")).alias("last"),
        pl.when(hinted).then(pl.col("hint_last")).otherwise(pl.col("last_toks")).alias("last_toks"),
        hinted.alias("from_email"),
        *[pl.col(c).fill_null(0).cast(pl.Int64) for c in ("n_email", "n_any", "n_local")],
    ).with_columns(
        ((pl.col("first") == "") & (pl.col("last") == "")).alias("nameless"),
        pl.when(pl.col("source_kind") == CONNECTIONS_KIND).then(pl.col("source_file")).alias("conn_file"),
    ).drop("hint_first", "hint_last").sort("idx")
    tok["last"] = _split_tokens(f, "last_toks")
    fl = f.select("first", "last").unique()
    nick = Nicknames.default()
    fl = fl.with_columns(pl.Series("pats", [" ".join(_local_part_patterns(a, b, nick)) for a, b in fl.iter_rows()],
                                   dtype=pl.String))
    tok["pattern"] = _split_tokens(f.select("idx", "first", "last").join(fl, on=["first", "last"]), "pats")
    return _Features(f, {k: v.cast(_TOK) for k, v in tok.items()})  # type: ignore[arg-type]


def _local_part_patterns(first: str, last: str, nick: Nicknames) -> tuple[str, ...]:
    """:func:`name_patterns` of the name and of its one-hop nicknames' full forms (joewillis for Joseph
    Willis): a pattern only ever matches the local part of a nameless address."""
    out = set(name_patterns(first, last))
    if len(last) >= 2:
        out.update(n + last for n in nick.neighbours(first) if len(n) >= 2 and n.isalpha())
    return tuple(sorted(out))


# ==============================================================================================================
# Clustering with cannot-link rules
# ==============================================================================================================

@lru_cache(maxsize=200_000)
def _first_compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    if Nicknames.default().related(a, b) or is_short_form(a, b):
        return True
    return bool(JaroWinkler.normalized_similarity(a, b) >= 0.88)


@lru_cache(maxsize=200_000)
def _last_compatible(a: str, b: str, ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
    if a == b or set(ta) & set(tb):
        return True
    return bool(JaroWinkler.normalized_similarity(a, b) >= 0.92)


NameT = tuple[str, str, tuple[str, ...]]


class _Clusters:
    """Union-find whose roots carry what the cannot-link rules need (the sets of a singleton are read from its
    record; they are materialised only when clusters merge)."""

    _ATTRS = ("urls", "suffixes", "conn", "names")

    def __init__(self, f: pl.DataFrame, diff_tags: dict[int, dict[int, set[int]]]) -> None:
        self.parent = list(range(f.height))
        self.auto: list[bool] = f.get_column("is_auto").to_list()
        self.diff: dict[int, dict[int, set[int]]] = diff_tags
        first, last, toks = (f.get_column(c).to_list() for c in ("first", "last", "last_toks"))
        self.base: dict[str, list[Any]] = {
            "urls": f.get_column("linkedin_url").to_list(),
            "suffixes": [x or None for x in f.get_column("suffix").to_list()],
            "conn": f.get_column("conn_file").to_list(),
            "names": [(a, b, tuple(t.split())) if len(a) > 1 and b else None
                      for a, b, t in zip(first, last, toks, strict=True)],
        }
        self.sets: dict[str, dict[int, set[Any]]] = {k: {} for k in self._ATTRS}

    def find(self, x: int) -> int:
        p = self.parent
        root = x
        while p[root] != root:
            root = p[root]
        while p[x] != root:
            p[x], x = root, p[x]
        return root

    def _get(self, attr: str, root: int) -> set[Any] | None:
        s = self.sets[attr].get(root)
        if s is not None:
            return s
        v = self.base[attr][root]
        return {v} if v is not None else None

    def conflict(self, ra: int, rb: int, kind: str) -> str | None:
        """Why ``ra`` and ``rb`` must not be joined by a link of ``kind``, or None."""
        da, db = self.diff.get(ra), self.diff.get(rb)
        if da and db:
            for entry, sa in da.items():
                sb = db.get(entry)
                if sb and len(sa | sb) > 1:
                    return "listed as different in the config"
        if kind == "config":
            return None
        if self.auto[ra] != self.auto[rb]:
            return "automated sender with a human"
        ua, ub = self._get("urls", ra), self._get("urls", rb)
        if ua and ub and ua != ub:
            return "two different LinkedIn profiles"
        sa_, sb_ = self._get("suffixes", ra), self._get("suffixes", rb)
        if sa_ and sb_ and sa_ != sb_:
            return "conflicting generational suffixes"
        ca, cb = self._get("conn", ra), self._get("conn", rb)
        if ca and cb and ca & cb:
            return "two rows of the same Connections.csv"
        if kind in ("email", "probabilistic"):
            na, nb = self._get("names", ra), self._get("names", rb)
            if na and nb:
                for fa, la, ta in na:
                    for fb, lb, tb in nb:
                        if _first_compatible(fa, fb) or (
                                kind == "probabilistic" and _first_compatible(fa, lb) and _first_compatible(la, fb)):
                            continue  # same first name (or the same two names in the other order)
                        if kind == "probabilistic":
                            return "different first names in one cluster"
                        if _last_compatible(la, lb, ta, tb):
                            return "shared family address (different first names)"
        return None

    def union(self, a: int, b: int, kind: str) -> tuple[bool, str | None]:
        """Join the clusters of ``a`` and ``b`` unless a rule forbids it: (joined, reason refused)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False, None
        why = self.conflict(ra, rb, kind)
        if why is not None:
            return False, why
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        for attr in self._ATTRS:
            sa, sb = self._get(attr, ra), self._get(attr, rb)
            self.sets[attr].pop(rb, None)
            if sa or sb:
                self.sets[attr][ra] = (sa or set()) | (sb or set())
        db = self.diff.pop(rb, None)
        if db:
            da = self.diff.setdefault(ra, {})
            for entry, sides in db.items():
                da.setdefault(entry, set()).update(sides)
        return True, None

    def roots(self) -> list[int]:
        return [self.find(i) for i in range(len(self.parent))]


# ==============================================================================================================
# Blocking
# ==============================================================================================================

def _self_join(keys: pl.DataFrame, cap: int) -> tuple[pl.DataFrame, int, int]:
    """Pairs (l < r) of records sharing ``key``; blocks larger than ``cap`` are skipped.
    Returns (pairs, blocks skipped, records in skipped blocks)."""
    keys = keys.unique()
    sizes = keys.group_by("key").len()
    big = sizes.filter(pl.col("len") > cap)
    if big.height:
        keys = keys.join(big.select("key"), on="key", how="anti")
    pairs = (keys.join(keys, on="key", suffix="_r")
             .filter(pl.col("idx") < pl.col("idx_r"))
             .select(pl.col("idx").alias("l"), pl.col("idx_r").alias("r")))
    return pairs, big.height, int(big.get_column("len").sum() or 0)


def _asym_join(left: pl.DataFrame, right: pl.DataFrame, cap: int) -> tuple[pl.DataFrame, int, int]:
    """Pairs of records whose ``key`` values meet across two key sets (e.g. name ~ nicknames of a name)."""
    left, right = left.unique(), right.unique()
    sizes = pl.concat([left, right]).unique().group_by("key").len()
    big = sizes.filter(pl.col("len") > cap)
    if big.height:
        left = left.join(big.select("key"), on="key", how="anti")
        right = right.join(big.select("key"), on="key", how="anti")
    pairs = (left.join(right, on="key", suffix="_r")
             .filter(pl.col("idx") != pl.col("idx_r"))
             .select(pl.min_horizontal("idx", "idx_r").alias("l"), pl.max_horizontal("idx", "idx_r").alias("r")))
    return pairs, big.height, int(big.get_column("len").sum() or 0)


def _candidates(f: pl.DataFrame, tok: dict[str, pl.DataFrame], comp_tok: pl.DataFrame, nick_df: pl.DataFrame,
                cap: int) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The union of the blocking rules over the units ``f``; returns (unique pairs, stats per rule).
    ``comp_tok``: (idx = cluster id, tok) company tokens of each cluster."""
    first, last = pl.col("first"), pl.col("last")
    has_first, has_last = first.str.len_chars() > 1, last.str.len_chars() > 1
    l0 = last.str.slice(0, 1)
    rules: dict[str, pl.DataFrame] = {}
    skipped: dict[str, tuple[int, int]] = {}
    ids = f.select("idx")

    def add(name: str, res: tuple[pl.DataFrame, int, int]) -> None:
        rules[name], nb, nr = res
        skipped[name] = (nb, nr)

    # surname + first initial; a unit without a first name meets every unit with its surname
    f0 = first.str.slice(0, 1)
    add("last_name+first_initial", _self_join(
        f.filter(has_last & (first != "")).select("idx", pl.concat_str(last, pl.lit("|"), f0).alias("key")), cap))
    add("last_name (no first name)", _asym_join(
        f.filter(has_last & (first == "")).select("idx", last.alias("key")),
        f.filter(has_last & (first != "")).select("idx", last.alias("key")), cap))
    add("first_name+last_initial", _self_join(
        f.filter(has_first & (last != "")).select("idx", pl.concat_str(first, pl.lit("|"), l0).alias("key")), cap))
    base = f.filter(has_first & (last != "")).select("idx", "first", l0.alias("l0"))
    right = base.join(nick_df.rename({"first_l": "first", "first_r": "nick"}), on="first") \
        .select("idx", pl.concat_str("nick", pl.lit("|"), "l0").alias("key"))
    left = base.select("idx", pl.concat_str("first", pl.lit("|"), "l0").alias("key"))
    add("nickname+last_initial", _asym_join(left, right, cap))
    add("sorted_name", _self_join(
        f.filter(has_first & has_last).select(
            "idx", pl.concat_str(pl.min_horizontal(first, last), pl.lit("|"), pl.max_horizontal(first, last))
            .alias("key")), cap))
    add("company+first_name", _self_join(
        f.filter(has_first).select("idx", "comp", "first")
        .join(comp_tok.rename({"idx": "comp"}), on="comp")
        .select("idx", pl.concat_str("tok", pl.lit("|"), "first").alias("key")), cap))
    loc = tok["local"].join(ids, on="idx").filter(pl.col("tok").str.len_chars() >= 3).rename({"tok": "key"})
    pat = tok["pattern"].join(ids, on="idx").rename({"tok": "key"})
    add("email_local~name", _asym_join(loc, pat, cap))

    stats: dict[str, Any] = {}
    for name, p in rules.items():
        stats[name] = {"pairs": p.height, "blocks_skipped": skipped[name][0],
                       "records_in_skipped_blocks": skipped[name][1]}
        if skipped[name][0]:
            log.info("identity blocking %s: skipped %d blocks over the size cap (%d records)", name,
                     skipped[name][0], skipped[name][1])
    allp = pl.concat(list(rules.values())).unique().sort(["l", "r"])
    return allp, stats


# ==============================================================================================================
# Comparison
# ==============================================================================================================

def _jw(a: list[str], b: list[str]) -> list[float]:
    if not a:
        return []
    return process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=-1).tolist()


def _shared(keys: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, lk: str = "l",
            rk: str = "r") -> pl.DataFrame:
    """The ``(lk, rk)`` keys whose ``left`` tokens (of ``lk``) and ``right`` tokens (of ``rk``) intersect —
    long tables ``(idx, tok)``; a join (exploding the smaller side), not a list operation."""
    if left.height <= right.height:
        x = keys.join(left.rename({"idx": lk}), on=lk).join(right.rename({"idx": rk}), on=[rk, "tok"], how="semi")
    else:
        x = keys.join(right.rename({"idx": rk}), on=rk).join(left.rename({"idx": lk}), on=[lk, "tok"], how="semi")
    return x.select(lk, rk).unique()


def _units(humans: pl.DataFrame, tok: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Collapse the human records into comparison units: one per (deterministic cluster, name variant), its
    ``idx`` the smallest record of the unit; token tables are re-keyed to the units (union of their records).
    Records of one person repeated across sources are then compared once; a cluster's nameless records go with
    its first named unit."""
    key = ["comp", "first", "mi", "last", "suffix", "last_toks"]
    umap = humans.select("idx", *key).join(
        humans.group_by(key).agg(pl.col("idx").min().alias("uidx")), on=key, nulls_equal=True).select("idx", "uidx")
    # the nameless records of a cluster that has a name join its first named unit: "bjornb5581@" of Björn
    # Bianchi's cluster is compared as Björn Bianchi, never as a nameless address fitting Björn Barker
    named = humans.filter(~pl.col("nameless")).group_by("comp").agg(pl.col("idx").min().alias("named_uidx"))
    umap = umap.join(humans.select("idx", "comp", "nameless"), on="idx").join(named, on="comp", how="left") \
        .select("idx", pl.when(pl.col("nameless") & pl.col("named_uidx").is_not_null()).then(pl.col("named_uidx"))
                .otherwise(pl.col("uidx")).alias("uidx"))
    utok = {k: v.join(umap, on="idx").select(pl.col("uidx").alias("idx"), "tok").unique() for k, v in tok.items()}
    units = humans.join(umap, on="idx").filter(pl.col("idx") == pl.col("uidx")) \
        .select("idx", *key, "nameless", "from_email")
    for name, col in (("email", "n_email"), ("local", "n_local")):
        units = units.join(utok[name].group_by("idx").len(col), on="idx", how="left")
    units = units.with_columns(pl.col("n_email").fill_null(0).cast(pl.Int64),
                               pl.col("n_local").fill_null(0).cast(pl.Int64)).sort("idx")
    return units, utok


def _cluster_company_tokens(f: pl.DataFrame, comp_tok: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Per cluster (``comp``): its company/work-domain tokens (all records of the cluster count, so a contact
    card listing the work address corroborates the LinkedIn connection), the non-generic ones and their
    prefixes (``acme`` ~ ``acmewidgets``; ``clearpathconsulti.com`` ~ Clearpath Consulting)."""
    c = comp_tok.join(f.select("idx", "comp"), on="idx").select(pl.col("comp").alias("idx"), "tok").unique()
    toks = c.get_column("tok").unique().to_list()
    meta = pl.DataFrame({"tok": toks, "generic": [is_generic_company(t) for t in toks],
                         "pre": [" ".join(token_prefixes(t)) for t in toks]},
                        schema={"tok": pl.String, "generic": pl.Boolean, "pre": pl.String})
    c = c.join(meta, on="tok")
    nongeneric = c.filter(~pl.col("generic")).select("idx", "tok")
    prefixes = _split_tokens(c.filter(~pl.col("generic")).select("idx", "pre"), "pre")
    return {"all": c.select("idx", "tok"), "nongeneric": nongeneric, "prefixes": prefixes,
            "count": c.group_by("idx").len("n_comp").rename({"idx": "comp"})}


def _compare(pairs: pl.DataFrame, f: pl.DataFrame, tok: dict[str, pl.DataFrame], ctok: dict[str, pl.DataFrame],
             tf: dict[str, pl.DataFrame], st: LinkageSettings, prior: float, nick_df: pl.DataFrame) -> pl.DataFrame:
    """Levels, weights and decision for every candidate pair of units ``f`` (name variants of clusters, with
    their long token tables ``tok``; ``ctok`` = company tokens per cluster)."""
    t0 = time.perf_counter()

    def tick(what: str) -> None:
        log.debug("compare %s: %.2f s", what, time.perf_counter() - t0)

    g = f.select("idx", "first", "mi", "last", "suffix", "nameless", "n_email", "n_local", "comp", "last_toks") \
        .join(ctok["count"], on="comp", how="left").with_columns(pl.col("n_comp").fill_null(0))
    cols = [c for c in g.columns if c != "idx"]
    p = (pairs.join(g.select(pl.col("idx").alias("l"), *[pl.col(c).alias(c + "_l") for c in cols]), on="l")
         .join(g.select(pl.col("idx").alias("r"), *[pl.col(c).alias(c + "_r") for c in cols]), on="r"))
    tick("pair features")

    # string similarities, once per unique string pair
    for ca, cb, name in (("first_l", "first_r", "jw_first"), ("last_l", "last_r", "jw_last"),
                         ("first_l", "last_r", "jw_fl"), ("last_l", "first_r", "jw_lf")):
        u = p.select(pl.col(ca).alias("a"), pl.col(cb).alias("b")).unique() \
            .filter((pl.col("a").str.len_chars() > 1) & (pl.col("b").str.len_chars() > 1))
        u = u.with_columns(pl.Series(name, _jw(u.get_column("a").to_list(), u.get_column("b").to_list()),
                                     dtype=pl.Float64))
        p = p.join(u, left_on=[ca, cb], right_on=["a", "b"], how="left", maintain_order="left") \
            .with_columns(pl.col(name).fill_null(0.0))
    p = p.join(nick_df.with_columns(pl.lit(True).alias("nick")), on=["first_l", "first_r"], how="left") \
        .with_columns(pl.col("nick").fill_null(False))
    lmin = pl.min_horizontal(pl.col("first_l").str.len_chars(), pl.col("first_r").str.len_chars())
    lmax = pl.max_horizontal(pl.col("first_l").str.len_chars(), pl.col("first_r").str.len_chars())
    clipped = (lmin >= 3) & (lmax >= lmin + 2) & (
        pl.col("first_l").str.starts_with(pl.col("first_r")) | pl.col("first_r").str.starts_with(pl.col("first_l")))
    p = p.with_columns(pl.col("nick") | clipped)  # nat ~ natalie counts as a nickname
    tick("string similarities")

    # shared tokens (joins on the long tables), computed on a narrow frame and added at once
    b = p.select("l", "r", "comp_l", "comp_r")
    keys = b.select("l", "r")
    ckeys = b.select("comp_l", "comp_r").unique()
    firsts = f.filter(pl.col("first").str.len_chars() >= 3).select("idx", pl.col("first").alias("tok"))
    specs: list[tuple[str, pl.DataFrame, pl.DataFrame, bool]] = [
        ("sh_email", tok["email"], tok["email"], False), ("sh_local", tok["local_long"], tok["local_long"], False),
        ("sh_domain", tok["work_domain"], tok["work_domain"], False),
        ("sh_last", tok["last"], tok["last"], False), ("pat_lr", tok["local"], tok["pattern"], False),
        ("pat_rl", tok["pattern"], tok["local"], False), ("fo_lr", tok["work_local"], firsts, False),
        ("fo_rl", firsts, tok["work_local"], False), ("cs1", ctok["all"], ctok["all"], True),
        ("cs2", ctok["nongeneric"], ctok["prefixes"], True), ("cs3", ctok["prefixes"], ctok["nongeneric"], True)]
    if "thread" in tok and tok["thread"].height:
        specs.append(("thread", tok["thread"], tok["thread"], False))
    for name, left, right, by_comp in specs:
        on = ["comp_l", "comp_r"] if by_comp else ["l", "r"]
        hit = _shared(ckeys if by_comp else keys, left, right, *on).with_columns(pl.lit(True).alias(name))
        b = b.join(hit, on=on, how="left", maintain_order="left")
    flags = [name for name, *_ in specs]
    p = p.hstack(b.select(pl.col(c).fill_null(False) for c in flags))
    if "thread" not in flags:
        p = p.with_columns(pl.lit(False).alias("thread"))
    if "weight" in ctok:  # the weight of the rarest company token the two clusters share
        shared = ckeys.join(ctok["all"].rename({"idx": "comp_l"}), on="comp_l") \
            .join(ctok["all"].rename({"idx": "comp_r"}), on=["comp_r", "tok"], how="semi") \
            .join(ctok["weight"], on="tok").group_by("comp_l", "comp_r").agg(pl.col("w").max().alias("tfw_company"))
        p = p.join(shared, on=["comp_l", "comp_r"], how="left", maintain_order="left")
    tick("shared tokens")
    for col, t in tf.items():  # term-frequency weights of exact names
        p = p.join(t.rename({"value": f"{col}_l", "w": f"tfw_{col}"}), on=f"{col}_l", how="left")

    fl, fr, ll, lr = pl.col("first_l"), pl.col("first_r"), pl.col("last_l"), pl.col("last_r")
    flen, frlen = fl.str.len_chars(), fr.str.len_chars()
    both_full = (flen > 1) & (frlen > 1)
    swapped = (both_full & (ll.str.len_chars() > 1) & (lr.str.len_chars() > 1)
               & (pl.col("jw_fl") >= 0.92) & (pl.col("jw_lf") >= 0.92) & ~((fl == fr) & (ll == lr)))
    first_lv = (
        pl.when((fl == "") | (fr == "")).then(pl.lit("null"))
        .when(both_full & (fl == fr)).then(pl.lit("exact"))
        .when(swapped).then(pl.lit("swapped"))
        .when(both_full & pl.col("nick")).then(pl.lit("nickname"))
        .when(both_full & (pl.col("jw_first") >= 0.92)).then(pl.lit("jw92"))
        .when(both_full & (pl.col("jw_first") >= 0.88)).then(pl.lit("jw88"))
        .when(((flen == 1) | (frlen == 1)) & (fl.str.slice(0, 1) == fr.str.slice(0, 1))).then(pl.lit("initial"))
        .when(both_full & (pl.col("jw_first") >= 0.70)).then(pl.lit("jw70"))
        .otherwise(pl.lit("else"))
    )
    # a shared surname token counts when one side's surnames are all in the other's (Smith-Jones ~ Jones,
    # García Lorente ~ García), not when each has one of its own (García López vs García Ruiz: siblings)
    tl, tr = pl.col("last_toks_l").str.split(" "), pl.col("last_toks_r").str.split(" ")
    nested = (tl.list.set_difference(tr).list.len() == 0) | (tr.list.set_difference(tl).list.len() == 0)
    last_lv = (
        pl.when((ll == "") | (lr == "")).then(pl.lit("null"))
        .when(ll == lr).then(pl.lit("exact"))
        .when(pl.col("jw_last") >= 0.92).then(pl.lit("jw92"))
        .when(swapped).then(pl.lit("swapped"))
        .when(pl.col("sh_last") & nested).then(pl.lit("token_overlap"))
        .when(pl.col("jw_last") >= 0.88).then(pl.lit("jw88"))
        .when(pl.col("jw_last") >= 0.70).then(pl.lit("jw70"))
        .otherwise(pl.lit("else"))
    )
    mi_lv = (pl.when((pl.col("mi_l") == "") | (pl.col("mi_r") == "")).then(pl.lit("null"))
             .when(pl.col("mi_l") == pl.col("mi_r")).then(pl.lit("agree")).otherwise(pl.lit("disagree")))
    sfx_lv = (pl.when((pl.col("suffix_l") != "") & (pl.col("suffix_r") != "")
                      & (pl.col("suffix_l") != pl.col("suffix_r"))).then(pl.lit("conflict")).otherwise(pl.lit("null")))
    email_lv = (pl.when((pl.col("n_email_l") == 0) | (pl.col("n_email_r") == 0)).then(pl.lit("null"))
                .when(pl.col("sh_email")).then(pl.lit("exact"))
                .when(pl.col("sh_domain")).then(pl.lit("other_at_same_domain"))
                .when(pl.col("sh_local")).then(pl.lit("same_local"))
                .otherwise(pl.lit("else")))
    app_l = pl.col("nameless_l") & (pl.col("n_local_l") > 0) & ~pl.col("nameless_r")
    app_r = pl.col("nameless_r") & (pl.col("n_local_r") > 0) & ~pl.col("nameless_l")
    email_name_lv = (pl.when((~app_l & ~app_r) | email_lv.is_in(["exact", "same_local"])).then(pl.lit("null"))
                     .when((app_l & pl.col("pat_lr")) | (app_r & pl.col("pat_rl"))).then(pl.lit("pattern"))
                     .when((app_l & pl.col("fo_lr")) | (app_r & pl.col("fo_rl"))).then(pl.lit("first"))
                     .otherwise(pl.lit("else")))
    comp_lv = (pl.when((pl.col("n_comp_l") == 0) | (pl.col("n_comp_r") == 0)).then(pl.lit("null"))
               .when(pl.col("cs1") | pl.col("cs2") | pl.col("cs3")).then(pl.lit("same")).otherwise(pl.lit("else")))
    thread_lv = pl.when(pl.col("thread")).then(pl.lit("shared")).otherwise(pl.lit("null"))
    tick("term frequencies")
    p = p.with_columns(first_lv.alias("lv_first_name"), last_lv.alias("lv_last_name"),
                       mi_lv.alias("lv_middle_initial"), sfx_lv.alias("lv_suffix"), email_lv.alias("lv_email"),
                       email_name_lv.alias("lv_email_name"), comp_lv.alias("lv_company"),
                       thread_lv.alias("lv_thread"))

    def wexpr(comp: str, tf_col: str | None = None) -> pl.Expr:
        c = st.comparison(comp)
        e: Any = pl
        for lv in c.levels:
            val: pl.Expr = pl.lit(lv.weight)
            if lv.tf_adjusted and tf_col is not None:
                val = pl.col(tf_col).fill_null(lv.weight)
            e = e.when(pl.col(f"lv_{comp}") == lv.label).then(val)
        return e.otherwise(pl.lit(0.0)).alias(f"w_{comp}")

    tfc = {"first_name": "tfw_first" if "first" in tf else None, "last_name": "tfw_last" if "last" in tf else None,
           "company": "tfw_company" if "weight" in ctok else None}
    p = p.with_columns([wexpr(c.name, tfc.get(c.name)) for c in st.comparisons])
    wnames = [f"w_{c.name}" for c in st.comparisons]
    corro = pl.lit(not st.require_corroboration)
    for rule in st.corroboration:
        comp, _, label = rule.partition("=")
        corro = corro | (pl.col(f"lv_{comp}") == label)
    p = p.with_columns((pl.lit(prior) + pl.sum_horizontal(wnames)).alias("match_weight"), corro.alias("corroborated"))
    p = _decide(p, st)
    tick("levels and weights")
    return p.select("l", "r", "match_weight", "corroborated", "above", "accept",
                    *[f"lv_{c.name}" for c in st.comparisons],
                    *([f"w_{c.name}" for c in st.comparisons] if st.m_estimation == "em" else []))


def _decide(p: pl.DataFrame, st: LinkageSettings) -> pl.DataFrame:
    """``above`` (the weight reaches the merge threshold) and ``accept`` (above, corroborated, no suffix
    conflict) from ``match_weight``, ``corroborated`` and ``lv_suffix``."""
    return p.with_columns((pl.col("match_weight") >= st.threshold_weight).alias("above")) \
        .with_columns((pl.col("above") & pl.col("corroborated") & (pl.col("lv_suffix") != "conflict")).alias("accept"))


def _random_pairs(values: np.ndarray, st: LinkageSettings) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``u_estimation.max_pairs`` random pairs drawn from ``values`` (deterministic seed; a pair may
    repeat or pair a value with itself -- callers filter)."""
    n = len(values)
    rng = np.random.default_rng(st.u_estimation.seed)
    k = min(st.u_estimation.max_pairs, n * (n - 1) // 2)
    return values[rng.integers(0, n, k)], values[rng.integers(0, n, k)]


def _estimate_company_u(units: pl.DataFrame, ctok: dict[str, pl.DataFrame],
                        st: LinkageSettings) -> tuple[LinkageSettings, dict[str, Any]]:
    """Re-estimate ``u`` of the company levels on random pairs of units (how often two unrelated people share
    a company token in *this* network) and return settings with the resulting weights."""
    comp = st.comparison("company")
    if not any(lv.u_estimated for lv in comp.levels):
        return st, {}
    cu = units.select("comp").join(ctok["count"], on="comp").get_column("comp").sort().to_list()  # join order varies
    n = len(cu)
    info: dict[str, Any] = {"units_with_company": n}
    if n < 2:
        return st, info
    a, b = _random_pairs(np.asarray(cu, dtype=np.int64), st)
    keys = pl.DataFrame({"comp_l": a, "comp_r": b}, schema={"comp_l": pl.Int64, "comp_r": pl.Int64})
    keys = keys.filter(pl.col("comp_l") != pl.col("comp_r"))
    info["pairs"] = keys.height
    if keys.height < st.u_estimation.min_pairs:
        return st, info
    uk = keys.unique()
    same = pl.concat([_shared(uk, ctok["all"], ctok["all"], "comp_l", "comp_r"),
                      _shared(uk, ctok["nongeneric"], ctok["prefixes"], "comp_l", "comp_r"),
                      _shared(uk, ctok["prefixes"], ctok["nongeneric"], "comp_l", "comp_r")]).unique()
    n_same = keys.join(same, on=["comp_l", "comp_r"], how="semi").height
    lo = st.u_estimation.min_u
    u_same = min(max(n_same / keys.height, lo), 1.0 - lo)  # everyone at one employer: no information
    st = _with_u(st, "company", {"same": u_same, "else": 1.0 - u_same})
    comp = st.comparison("company")
    info.update({"u_same": round(u_same, 6), "weight_same": comp.level("same").weight,
                 "weight_else": comp.level("else").weight})
    return st, info


def _company_token_weights(ctok: dict[str, pl.DataFrame], st: LinkageSettings) -> pl.DataFrame | None:
    """Weight of the "same company" level per company token, from how many clusters carry the token: sharing a
    ten-person firm is stronger evidence than the average shared company (``log2(m / u)`` with ``u`` the
    token's share of the clusters that have a company, clipped to [base, base + ``max_boost``]). Never below
    the base: your own employer, shared with hundreds of contacts, is where most corroboration comes from, and
    lowering it cost a tenth of the recall on the large profile. None when the level is not term-frequency
    adjusted."""
    lv = st.comparison("company").level("same")
    n = ctok["count"].height
    if not lv.tf_adjusted or lv.m is None or n == 0:
        return None
    t = st.term_frequency
    u = pl.max_horizontal(pl.col("c") / n, pl.lit(st.u_estimation.min_u))
    return ctok["all"].group_by("tok").len("c").select(
        "tok", (pl.lit(lv.m) / u).log(2).clip(lv.weight, lv.weight + t.max_boost).alias("w"))


def _random_unit_pairs(units: pl.DataFrame, st: LinkageSettings) -> pl.DataFrame:
    """Up to ``u_estimation.max_pairs`` random pairs (l, r) of distinct units (deterministic seed)."""
    a, b = _random_pairs(units.get_column("idx").to_numpy(), st)
    return pl.DataFrame({"l": np.minimum(a, b), "r": np.maximum(a, b)}, schema={"l": pl.Int64, "r": pl.Int64}) \
        .filter(pl.col("l") != pl.col("r")).unique(maintain_order=True)


def _level_weights(c: str, w: dict[str, float]) -> pl.Expr:
    return pl.col(f"lv_{c}").replace_strict(w, default=0.0, return_dtype=pl.Float64)


def _estimate_m_by_em(scored: pl.DataFrame, random_scored: pl.DataFrame, st: LinkageSettings, prior: float,
                      n_units: int) -> tuple[pl.DataFrame, LinkageSettings, float, dict[str, Any]]:
    """Opt-in (``LinkageSettings.m_estimation = "em"``): splink's unsupervised training. ``u`` of every level of
    ``em_comparisons`` from random pairs of units; ``m`` by expectation-maximisation in sessions, each over the
    candidate pairs that agree exactly on one name with that name left out of the model (so it cannot absorb the
    match class); then the prior, as the expected number of matches among the candidates over all unit pairs (a
    fixed point). Levels never met keep their weights; exact-name levels keep their per-value weights, shifted by
    ``log2(m_new / m_old)``. Returns ``scored`` re-weighted, the settings with the learnt m/u/weights, the prior
    and a summary."""
    names = [c for c in st.em_comparisons if f"lv_{c}" in scored.columns]
    n_rand = random_scored.height
    if not names or n_rand < st.u_estimation.min_pairs or scored.height == 0:
        return scored, st, prior, {}
    st = copy.deepcopy(st)
    floor = 1.0 / (2 * n_rand)
    u: dict[str, dict[str, float]] = {}
    m: dict[str, dict[str, float]] = {}
    seen: dict[str, set[str]] = {}
    for c in names:
        labels = [lv.label for lv in st.comparison(c).levels if lv.label != "null"]
        counts = dict(random_scored.filter(pl.col(f"lv_{c}") != "null").group_by(f"lv_{c}").len().iter_rows())
        total = sum(counts.values()) or 1
        in_candidates = set(scored.get_column(f"lv_{c}").unique().to_list())
        seen[c] = {lb for lb in labels if counts.get(lb, 0) > 0 and lb in in_candidates}
        u[c] = {lb: max(counts.get(lb, 0) / total, floor) for lb in labels}
        m[c] = {lb: min(max(u[c][lb] * 2.0 ** st.comparison(c).weight(lb), 1e-4), 1.0) for lb in labels}
    fixed = pl.sum_horizontal([f"w_{c.name}" for c in st.comparisons if c.name not in names]).alias("fixed")
    info: dict[str, Any] = {"random_pairs": n_rand, "sessions": {}}
    for block in ("last_name", "first_name"):
        learn = [c for c in names if c != block]
        if block not in names or not learn:
            continue
        sess = scored.filter(pl.col(f"lv_{block}") == "exact").select(*[f"lv_{c}" for c in learn], fixed)
        if sess.height == 0:
            continue
        lam = 0.5
        for _ in range(st.em_iterations):
            logit = (math.log2(lam / (1 - lam)) + pl.col("fixed")
                     + pl.sum_horizontal([_level_weights(c, {lb: math.log2(m[c][lb] / u[c][lb]) for lb in m[c]})
                                          for c in learn]))
            e = sess.with_columns((1.0 / (1.0 + 2.0 ** -logit.clip(-60, 60))).alias("p"))
            lam = min(max(float(e.get_column("p").sum()) / e.height, 1e-6), 1 - 1e-6)
            for c in learn:
                per = dict(e.filter(pl.col(f"lv_{c}") != "null").group_by(f"lv_{c}")
                           .agg(pl.col("p").sum()).iter_rows())
                tot = sum(per.values()) or 1.0
                m[c] = {lb: max(per.get(lb, 0.0) / tot, 1e-4) for lb in m[c]}
        info["sessions"][f"{block}=exact"] = {"pairs": sess.height, "match_share": round(lam, 4)}
    shift: dict[str, float] = {}
    for c in names:
        for lv in st.comparison(c).levels:
            if lv.label not in seen[c]:
                continue
            if lv.tf_adjusted and lv.m is not None:
                shift[c] = math.log2(m[c][lv.label] / lv.m)
            lv.m, lv.u = round(m[c][lv.label], 6), round(u[c][lv.label], 6)
            lv.weight = round(math.log2(m[c][lv.label] / u[c][lv.label]), 3)
        info[c] = {lv.label: lv.weight for lv in st.comparison(c).levels if lv.label != "null"}

    def wexpr(c: str) -> pl.Expr:
        new = _level_weights(c, {lv.label: lv.weight for lv in st.comparison(c).levels})
        if c in shift:  # the exact level keeps its per-value (term-frequency) weight, shifted
            new = pl.when(pl.col(f"lv_{c}") == "exact").then(pl.col(f"w_{c}") + shift[c]).otherwise(new)
        return new.alias(f"w_{c}")

    scored = scored.with_columns([wexpr(c) for c in names])
    evidence = scored.select(pl.sum_horizontal([f"w_{c.name}" for c in st.comparisons])).to_series().to_numpy()
    lam = 2.0 ** prior / (1 + 2.0 ** prior)
    all_pairs = n_units * (n_units - 1) / 2
    for _ in range(50):
        p = 1.0 / (1.0 + 2.0 ** -np.clip(math.log2(lam / (1 - lam)) + evidence, -60, 60))
        lam = min(max(float(p.sum()) / all_pairs, 1e-12), 0.5)
    prior = math.log2(lam / (1 - lam))
    info["prior_weight_bits"] = round(prior, 3)
    scored = _decide(scored.with_columns(pl.Series("match_weight", prior + evidence, dtype=pl.Float64)), st)
    return scored, st, prior, info


def _with_u(st: LinkageSettings, comparison: str, u: dict[str, float]) -> LinkageSettings:
    """A copy of ``st`` where the estimated levels of ``comparison`` get the ``u`` given (by label) and the
    weight ``log2(m / u)``."""
    st = copy.deepcopy(st)
    for label, value in u.items():
        lv = st.comparison(comparison).level(label)
        if lv.u_estimated and lv.m is not None:
            lv.u = round(value, 6)
            lv.weight = round(math.log2(lv.m / value), 3)
    return st


def _estimate_thread_u(units: pl.DataFrame, thread_tok: pl.DataFrame,
                       st: LinkageSettings) -> tuple[LinkageSettings, dict[str, Any]]:
    """Estimate ``u`` of the shared-thread level for this network: the share of unit pairs that are on a small
    thread together, counted thread by thread (pairs on several threads counted several times, which errs on
    the side of a weaker level). In a large network two unrelated people rarely share a small thread, so the
    level weighs more there — as the prior, which falls with the network's size, weighs less."""
    lv = st.comparison("thread").level("shared")
    n = units.height
    if not lv.u_estimated or lv.m is None or n < 2:
        return st, {}
    per_thread = thread_tok.join(units.select("idx"), on="idx", how="semi").group_by("tok").len("k")
    shared = per_thread.select((pl.col("k") * (pl.col("k") - 1) // 2).sum()).item() or 0
    lo = st.u_estimation.min_u
    st = _with_u(st, "thread", {"shared": min(max(shared / (n * (n - 1) / 2), lo), 1.0 - lo)})
    lv = st.comparison("thread").level("shared")
    return st, {"unit_pairs_on_a_thread": int(shared), "u_shared": lv.u, "weight_shared": lv.weight}


def _levels_text(p: pl.DataFrame, st: LinkageSettings) -> pl.Series:
    """``first_name=nickname; last_name=exact; company=same`` (null levels left out)."""
    parts = [pl.when(pl.col(f"lv_{c.name}") != "null").then(pl.lit(f"{c.name}=") + pl.col(f"lv_{c.name}"))
             for c in st.comparisons]
    return p.select(pl.concat_str(parts, separator="; ", ignore_nulls=True).alias("levels")).to_series()


def _term_frequencies(f: pl.DataFrame, st: LinkageSettings) -> dict[str, pl.DataFrame]:
    """Exact-level weights per first/last name value from this run's own records, counted once per
    deterministic cluster (``comp``): ``log2(m / u)`` with ``u`` the smoothed share of clusters with the value."""
    out: dict[str, pl.DataFrame] = {}
    t = st.term_frequency
    for col, comp in (("first", "first_name"), ("last", "last_name")):
        lv = st.comparison(comp).level("exact")
        if not lv.tf_adjusted or lv.m is None or lv.u is None:
            continue
        v = f.filter(pl.col(col).str.len_chars() > 1).select(col, "comp").unique()
        n = v.get_column("comp").n_unique() if v.height else 0
        u = (pl.col("len") + t.pseudo_count * lv.u) / (n + t.pseudo_count)
        w = (pl.lit(lv.m) / u).log(2).clip(t.min_weight, lv.weight + t.max_boost)
        out[col] = v.group_by(col).len().select(pl.col(col).alias("value"), w.alias("w"))
    return out


def _unique_name_merges(scored: pl.DataFrame, cl: _Clusters, st: LinkageSettings,
                        edges: list[tuple[int, int, str, str, float]], refused_count: dict[str, int]) -> None:
    """Opt-in (``LinkageSettings.uncorroborated_merges``, not SPEC §5): merge a full-name match (first name
    exact or swapped -- a nickname is too loose without corroboration, Nathan ~ Jonathan -- surname exact or
    JW >= 0.92, P >= ``uncorroborated_min_probability``) without corroboration when it is unambiguous (neither
    cluster has any other such candidate) and nothing contradicts it (no suffix conflict; with ``unique`` also
    no different company; ``unique_any_company`` allows job changes)."""
    rt = pl.DataFrame({"idx": list(range(len(cl.parent))), "root": cl.roots()}, schema={"idx": pl.Int64,
                                                                                      "root": pl.Int64})
    floor = weight_for_probability(st.uncorroborated_min_probability)
    above = (scored.filter((pl.col("match_weight") >= floor) & (pl.col("lv_suffix") != "conflict"))
             .join(rt.rename({"idx": "l", "root": "rl"}), on="l").join(rt.rename({"idx": "r", "root": "rr"}), on="r")
             .filter(pl.col("rl") != pl.col("rr")))
    cp = above.select(pl.min_horizontal("rl", "rr").alias("a"), pl.max_horizontal("rl", "rr").alias("b")).unique()
    deg = pl.concat([cp.select(pl.col("a").alias("root")), cp.select(pl.col("b").alias("root"))]) \
        .group_by("root").len("deg")
    cand = above.filter(~pl.col("corroborated") & pl.col("lv_first_name").is_in(["exact", "swapped"])
                        & pl.col("lv_last_name").is_in(["exact", "jw92", "swapped"]))
    if st.uncorroborated_merges == "unique":
        cand = cand.filter(pl.col("lv_company") != "else")
    cand = (cand.join(deg.rename({"root": "rl", "deg": "dl"}), on="rl")
            .join(deg.rename({"root": "rr", "deg": "dr"}), on="rr")
            .filter((pl.col("dl") == 1) & (pl.col("dr") == 1))
            .sort(["match_weight", "l", "r"], descending=[True, False, False])
            .unique(["rl", "rr"], keep="first", maintain_order=True))
    cand = cand.with_columns(_levels_text(cand, st))
    for l_, r_, w, lv in cand.select("l", "r", "match_weight", "levels").iter_rows():
        ok, why = cl.union(l_, r_, "probabilistic")
        if ok:
            edges.append((l_, r_, "probabilistic (unambiguous name)", lv or "", round(w, 3)))
        elif why is not None:
            refused_count[why] = refused_count.get(why, 0) + 1


# ==============================================================================================================
# resolve()
# ==============================================================================================================

def _hash(key: str) -> str:
    return "p" + blake2b(key.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


#: A thread with more records than this (mass mail, a company-wide thread) corroborates nothing: two namesakes
#: may well both be on it.
MAX_THREAD_RECORDS = 6


def _thread_membership(messages: pl.DataFrame | None, id_to_idx: pl.DataFrame) -> pl.DataFrame | None:
    """(idx, tok = hash of the thread id) for every record that sent or received a message of a small thread
    (at most ``MAX_THREAD_RECORDS`` records)."""
    if messages is None or messages.height == 0:
        return None
    m = messages.lazy().filter(pl.col("thread_id").is_not_null()) \
        .select(pl.col("thread_id").hash(7).alias("tok"), "sender_id", "recipient_ids")  # u64: lighter joins
    mem = pl.concat([
        m.select("tok", pl.col("sender_id").alias("record_id")),
        m.select("tok", pl.col("recipient_ids").alias("record_id")).explode("record_id"),
    ]).drop_nulls().unique()
    mem = mem.filter(pl.len().over("tok") <= MAX_THREAD_RECORDS)
    return mem.join(id_to_idx.lazy(), on="record_id").select("idx", "tok").collect()


def _person_ids(f: pl.DataFrame, feats: _Features, roots: list[int]) -> dict[int, str]:
    """Stable person id per cluster root: a hash of the cluster's smallest strong key — its smallest LinkedIn
    URL, else its smallest personal address, else any address, else its first record (file, id, name)."""
    rt = pl.DataFrame({"idx": list(range(len(roots))), "root": roots}, schema={"idx": pl.Int64, "root": pl.Int64})
    live = f.filter(pl.col("grp") != "ignored").select("idx", "grp", "linkedin_url", "source_file", "record_id",
                                                       "name").join(rt, on="idx")
    keys = live.group_by("root").agg(
        pl.col("grp").first().alias("grp"),
        pl.col("linkedin_url").drop_nulls().min().alias("url"),
        pl.concat_str(pl.col("source_file"), pl.lit("|"), pl.col("record_id").cast(pl.String), pl.lit("|"),
                      pl.col("name").fill_null("")).sort_by("idx").first().alias("fallback"),
        pl.col("idx").min().alias("first_idx"),
    )
    for name in ("email", "email_any"):
        e = feats.tok[name].join(rt, on="idx").group_by("root").agg(pl.col("tok").min().alias(name))
        keys = keys.join(e, on="root", how="left")
    keys = keys.sort("first_idx").with_columns(
        pl.when(pl.col("url").is_not_null()).then(pl.lit("url:") + pl.col("url"))
        .when(pl.col("email").is_not_null()).then(pl.lit("email:") + pl.col("email"))
        .when(pl.col("email_any").is_not_null()).then(pl.lit("email:") + pl.col("email_any"))
        .otherwise(pl.lit("rec:") + pl.col("fallback")).alias("key"))
    out: dict[int, str] = {}
    used: set[str] = set()
    for root, grp, key in keys.select("root", "grp", "key").iter_rows():
        if grp == "owner":
            out[root] = "owner"
            continue
        pid, i = _hash(key), 2
        while pid in used:  # two clusters with the same smallest key (e.g. a refused shared address)
            pid, i = _hash(f"{key}#{i}"), i + 1
        used.add(pid)
        out[root] = pid
    return out


def resolve(records: pl.DataFrame, owner: Owner, config: dict[str, Any] | None = None, *,
            messages: pl.DataFrame | None = None, settings: LinkageSettings | None = None) -> Resolved:
    """Group ``records`` (schemas.RECORDS) into people.

    ``config`` is the raw ``[identity]`` section (``same``/``different``/``ignore``/``merge_unique_names``);
    ``messages`` (schemas.MESSAGES, optional) lets a shared thread corroborate a name match. Owner records
    form the single person ``owner``; records with an automated hint, and records known only by role
    addresses (info@ ...), form ``automated`` people and are never merged with humans; ignored records are
    left out of every output (their ids are in ``settings["ignored_record_ids"]``). What the run estimated
    from its own records (company and thread u, EM results) is in ``settings["run"]["estimated"]``. Raises
    :class:`InputError` for an invalid ``[identity]`` section.
    """
    t0 = time.perf_counter()
    st = settings or LinkageSettings()
    corr = Corrections.from_config(config)
    if corr.merge_unique_names and st.uncorroborated_merges == "never":
        st = dataclasses.replace(st, uncorroborated_merges="unique")
    nick = Nicknames.default()
    nick_df = pl.DataFrame(nick.pairs(), schema={"first_l": pl.String, "first_r": pl.String}, orient="row")
    recs = schemas.check(records, schemas.RECORDS, "identity.input").sort("record_id") \
        .with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    recs = recs.with_columns(pl.col("record_id").is_in(owner.record_ids.implode()).alias("is_owner"),
                             pl.col("automated_hint").is_not_null().alias("is_auto"))
    feats = _features(recs)
    f = feats.f
    # a record known only by shared/role addresses (info@, team@ ...) is not a person: it goes with the
    # automated senders (and is linked to the other records of the same address)
    f = f.with_columns(((pl.col("n_any") > 0) & (pl.col("n_email") == 0) & pl.col("linkedin_url").is_null())
                       .alias("role_only")).with_columns(pl.col("is_auto") | pl.col("role_only"))
    n = f.height
    rid: list[int] = f.get_column("record_id").to_list()
    timings: dict[str, float] = {"features": round(time.perf_counter() - t0, 3)}

    # ---- corrections -------------------------------------------------------------------------------------
    is_owner: list[bool] = f.get_column("is_owner").to_list()
    ignored: set[int] = set()
    forced: list[tuple[int, int]] = []
    diff_tags: dict[int, dict[int, set[int]]] = {}
    unmatched: list[str] = []
    if corr:
        index = _IdentityIndex(f, feats.tok["email_any"])

        def look(ident: str) -> list[int]:
            found = index.lookup(ident)
            if not found:
                unmatched.append(ident)
            return found

        for ident in corr.ignore:
            ignored.update(look(ident))
        for group in corr.same:
            members = sorted({i for ident in group for i in look(ident)} - ignored)
            if any(is_owner[i] for i in members):  # "that address is me too"
                for i in members:
                    is_owner[i] = True
            forced += [(members[0], j) for j in members[1:]]
        for e, group in enumerate(corr.different):
            for side, ident in enumerate(group):
                for i in look(ident):
                    diff_tags.setdefault(i, {}).setdefault(e, set()).add(side)
        if unmatched:
            log.warning("identity corrections: no record matches %s", ", ".join(unmatched))
    f = f.with_columns(pl.Series("is_owner", is_owner, dtype=pl.Boolean),
                       pl.col("idx").is_in(sorted(ignored)).alias("is_ignored"))
    f = f.with_columns(pl.when(pl.col("is_ignored")).then(pl.lit("ignored"))
                       .when(pl.col("is_owner")).then(pl.lit("owner"))
                       .when(pl.col("is_auto")).then(pl.lit("automated"))
                       .otherwise(pl.lit("person")).alias("grp"))
    grp_list: list[str] = f.get_column("grp").to_list()

    cl = _Clusters(f, diff_tags)
    edges: list[tuple[int, int, str, str, float]] = []  # (l, r, rule, levels, weight) of the unions made
    near_rows: list[tuple[int, int, str, float, str]] = []
    refused_count: dict[str, int] = {}

    def apply(l_: int, r_: int, kind: str, rule: str, levels: str, weight: float) -> None:
        ok, why = cl.union(l_, r_, kind)
        if ok:
            edges.append((l_, r_, rule, levels, weight))
        elif why is not None:
            refused_count[why] = refused_count.get(why, 0) + 1
            near_rows.append((l_, r_, levels, weight, why))

    # ---- owner: one person --------------------------------------------------------------------------------
    owner_idx = [i for i in range(n) if grp_list[i] == "owner"]
    for j in owner_idx[1:]:
        cl.parent[j] = owner_idx[0]
        edges.append((owner_idx[0], j, "owner", "owner=identified", DETERMINISTIC_WEIGHT))

    # ---- deterministic links -------------------------------------------------------------------------------
    for a, b in forced:
        if grp_list[a] != "owner" and grp_list[b] != "owner":
            apply(a, b, "config", "config same", "config=same", DETERMINISTIC_WEIGHT)
    # humans link on personal addresses; automated senders on any address (noreply@ is their identity) and
    # without the first-name guard ("X via LinkedIn" names are not theirs)
    grp = f.select("idx", "grp")
    url_keys = f.filter(pl.col("grp").is_in(["person", "automated"]) & pl.col("linkedin_url").is_not_null()) \
        .select("idx", "grp", pl.col("linkedin_url").alias("key"))
    email_keys = feats.tok["email"].join(grp.filter(pl.col("grp") == "person"), on="idx").rename({"tok": "key"})
    auto_keys = feats.tok["email_any"].join(grp.filter(pl.col("grp") == "automated"), on="idx") \
        .rename({"tok": "key"})
    for ex, kind, rule, label in ((url_keys, "url", "same linkedin url", "linkedin_url=exact"),
                                  (email_keys, "email", "same email", "email=exact"),
                                  (auto_keys, "email_automated", "same email", "email=exact")):
        star = ex.join(ex.group_by("grp", "key").agg(pl.col("idx").min().alias("root")), on=["grp", "key"]) \
            .filter(pl.col("idx") != pl.col("root")).sort(["root", "idx", "key"])
        for root, i, k in star.select("root", "idx", "key").iter_rows():
            apply(root, i, kind, rule, f"{label}: {k}", DETERMINISTIC_WEIGHT)
    timings["deterministic"] = round(time.perf_counter() - t0, 3)

    # ---- probabilistic links --------------------------------------------------------------------------------
    f = f.with_columns(pl.Series("comp", cl.roots(), dtype=pl.Int64))
    humans = f.filter(pl.col("grp") == "person")
    prior = st.prior_weight(humans.height)
    tf = _term_frequencies(humans, st)
    estimated: dict[str, Any] = {}  # what this run estimated from its own records (JSON: run.estimated)
    blocking_stats: dict[str, Any] = {}
    n_candidates = n_compared = 0
    n_units = 0
    if humans.height > 1:
        threads = _thread_membership(messages, f.select("record_id", "idx"))
        units, utok = _units(humans, {**feats.tok, **({"thread": threads} if threads is not None else {})})
        n_units = units.height
        ctok = _cluster_company_tokens(humans, feats.tok["comp"])
        prior = st.prior_weight(units.height)
        st, estimated["company"] = _estimate_company_u(units, ctok, st)
        if (cw := _company_token_weights(ctok, st)) is not None:
            ctok["weight"] = cw
        if "thread" in utok:
            st, estimated["thread"] = _estimate_thread_u(units, utok["thread"], st)
        pairs, blocking_stats = _candidates(units, utok, ctok["all"], nick_df, st.max_block_size)
        n_candidates = pairs.height
        comp = units.select("idx", "comp")
        pairs = pairs.join(comp.rename({"idx": "l", "comp": "cl"}), on="l") \
            .join(comp.rename({"idx": "r", "comp": "cr"}), on="r") \
            .filter(pl.col("cl") != pl.col("cr")).select("l", "r")
        n_compared = pairs.height
        timings["blocking"] = round(time.perf_counter() - t0, 3)
        chunk = st.compare_chunk_pairs  # bounds the memory of the wide intermediate frames
        scored = pl.concat([_compare(pairs.slice(i, chunk), units, utok, ctok, tf, st, prior, nick_df)
                            for i in range(0, max(pairs.height, 1), chunk)])
        if st.m_estimation == "em":
            rand = _compare(_random_unit_pairs(units, st), units, utok, ctok, tf, st, prior, nick_df)
            scored, st, prior, estimated["em"] = _estimate_m_by_em(scored, rand, st, prior, units.height)
        timings["comparison"] = round(time.perf_counter() - t0, 3)
        report_w = min(st.threshold_weight, weight_for_probability(st.report_probability))
        interesting = scored.filter(pl.col("accept") | (pl.col("match_weight") >= report_w)) \
            .sort(["match_weight", "l", "r"], descending=[True, False, False])
        interesting = interesting.with_columns(_levels_text(interesting, st))
        for l_, r_, w, acc, above, sfx, lv in interesting.select(
                "l", "r", "match_weight", "accept", "above", "lv_suffix", "levels").iter_rows():
            if acc:
                ok, why = cl.union(l_, r_, "probabilistic")
                if ok:
                    edges.append((l_, r_, "probabilistic", lv, round(w, 3)))
                elif why is not None:
                    refused_count[why] = refused_count.get(why, 0) + 1
                    near_rows.append((l_, r_, lv, w, why))
            elif sfx == "conflict":
                near_rows.append((l_, r_, lv, w, "conflicting generational suffixes"))
            elif not above:
                near_rows.append((l_, r_, lv, w, "below the merge threshold"))
            else:
                near_rows.append((l_, r_, lv, w, "no corroboration (same company/domain, shared thread or address)"))
        if st.uncorroborated_merges != "never":
            _unique_name_merges(scored, cl, st, edges, refused_count)
    timings["clustering"] = round(time.perf_counter() - t0, 3)

    # ---- outputs -------------------------------------------------------------------------------------------
    roots = cl.roots()
    pid_of_root = _person_ids(f, feats, roots)
    pid_list = [pid_of_root.get(r) for r in roots]
    keep = pl.Series([g != "ignored" for g in grp_list], dtype=pl.Boolean)
    record_person = pl.DataFrame({"record_id": rid, "person_id": pid_list}, schema=schemas.RECORD_PERSON).filter(keep)
    owner_set = {rid[i] for i in range(n) if grp_list[i] == "owner"}
    auto_set = {rid[i] for i in range(n) if grp_list[i] == "automated"}
    people = build_people(records.filter(pl.col("record_id").is_in(record_person.get_column("record_id").implode())),
                          record_person, owner_set, auto_set, display=f.select("record_id", "display"))
    src = f.get_column("source_file").to_list()
    nm = f.get_column("name").to_list()
    m = pl.DataFrame(
        [(rid[a], rid[b], src[a], src[b], nm[a], nm[b], rule, lv, float(w)) for a, b, rule, lv, w in edges],
        schema=_MATCH_COLS, orient="row")
    m = m.join(record_person.rename({"record_id": "record_id_l"}), on="record_id_l", how="left") \
        .select(list(schemas.MATCHES)).sort(["person_id", "record_id_l", "record_id_r"])
    near = pl.DataFrame(
        [(rid[a], rid[b], pid_list[a], pid_list[b], nm[a], nm[b], lv, round(float(w), 3),
          round(probability(float(w)), 4), why) for a, b, lv, w, why in near_rows],
        schema=NEAR_MISSES, orient="row") \
        .unique(["record_id_l", "record_id_r"], keep="first", maintain_order=True) \
        .filter(pl.col("person_id_l").is_not_null() & pl.col("person_id_r").is_not_null()
                & (pl.col("person_id_l") != pl.col("person_id_r")))

    timings["total"] = round(time.perf_counter() - t0, 3)
    merges_by_rule = dict(sorted(m.group_by("rule").len().iter_rows())) if m.height else {}
    run = {
        "records": n,
        "records_by_group": {g: grp_list.count(g) for g in ("person", "automated", "owner", "ignored")},
        "role_address_records": int(f.get_column("role_only").sum()),
        "prior_weight_bits": round(prior, 3),
        "threshold_weight_bits": round(st.threshold_weight, 3),
        "candidate_pairs_by_rule": blocking_stats,
        "units_compared": n_units,
        "candidate_pairs": n_candidates,
        "candidate_pairs_compared": n_compared,
        "merges_by_rule": merges_by_rule,
        "refused_by_rule": dict(sorted(refused_count.items())),
        "near_misses": near.height,
        "people": dict(sorted((k, int(v)) for k, v in people.group_by("kind").len().iter_rows())),
        "estimated": estimated,
        "most_common_names": {col: [(v, round(w, 2)) for v, w in t.sort(["w", "value"]).head(10).iter_rows()]
                              for col, t in tf.items()},
        "corrections_unmatched": unmatched,
        "timings_s": timings,
    }
    log.info("identity: %d records -> %d people; %d candidate pairs; merges %s", n, people.height, n_candidates,
             merges_by_rule)
    settings_out = st.to_dict()
    settings_out["run"] = run
    settings_out["ignored_record_ids"] = sorted(rid[i] for i in ignored)
    return Resolved(people=people, record_person=record_person,
                    matches=schemas.check(m, schemas.MATCHES, "identity.matches"),
                    settings=settings_out, near_misses=near)


def score_pairs(records: pl.DataFrame, pairs: list[tuple[int, int]], *, messages: pl.DataFrame | None = None,
                settings: LinkageSettings | None = None) -> pl.DataFrame:
    """Compare the given ``(record_id, record_id)`` pairs as :func:`resolve` compares candidates, each record
    on its own (no deterministic clustering first, the settings' starting company weights instead of the
    run's re-estimated ones): one row per pair with ``record_id_l``,
    ``record_id_r``, the level of every comparison (``first_name``, ``last_name``, ...), ``match_weight``
    (bits, prior included), ``probability``, ``corroborated`` and ``accept``. For tests and "why (not)?"."""
    st = settings or LinkageSettings()
    recs = schemas.check(records, schemas.RECORDS, "identity.input").sort("record_id") \
        .with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64), pl.lit(False).alias("is_owner"),
                                            pl.col("automated_hint").is_not_null().alias("is_auto"))
    feats = _features(recs)
    f = feats.f.with_columns(pl.col("idx").alias("comp"))
    threads = _thread_membership(messages, f.select("record_id", "idx"))
    units, utok = _units(f, {**feats.tok, **({"thread": threads} if threads is not None else {})})
    ctok = _cluster_company_tokens(f, feats.tok["comp"])
    if (cw := _company_token_weights(ctok, st)) is not None:
        ctok["weight"] = cw
    pos = dict(zip(f.get_column("record_id").to_list(), f.get_column("idx").to_list(), strict=True))
    pp = pl.DataFrame([(pos[a], pos[b]) for a, b in pairs], schema={"l": pl.Int64, "r": pl.Int64}, orient="row")
    scored = _compare(pp, units, utok, ctok, _term_frequencies(f, st), st, st.prior_weight(f.height),
                      pl.DataFrame(Nicknames.default().pairs(), schema={"first_l": pl.String, "first_r": pl.String},
                                   orient="row"))
    ids = f.select("idx", "record_id")
    return (pp.join(scored, on=["l", "r"], how="left", maintain_order="left")
            .join(ids.rename({"idx": "l", "record_id": "record_id_l"}), on="l", maintain_order="left")
            .join(ids.rename({"idx": "r", "record_id": "record_id_r"}), on="r", maintain_order="left")
            .rename({f"lv_{c.name}": c.name for c in st.comparisons})
            .with_columns(pl.col("match_weight").map_elements(probability, return_dtype=pl.Float64)
                          .alias("probability"))
            .select("record_id_l", "record_id_r", *[c.name for c in st.comparisons], "match_weight", "probability",
                    "corroborated", "accept"))


# ==============================================================================================================
# PEOPLE and explanations
# ==============================================================================================================

def _display(records: pl.DataFrame) -> pl.Series:
    trip = records.select("name", "first_name", "last_name").unique()
    shown = [parse_name(nm, fn, ln).display or clean_display_name(nm) or None for nm, fn, ln in trip.iter_rows()]
    trip = trip.with_columns(pl.Series("_shown", shown, dtype=pl.String))
    return records.join(trip, on=["name", "first_name", "last_name"], how="left", nulls_equal=True,
                        maintain_order="left").get_column("_shown")


def build_people(records: pl.DataFrame, record_person: pl.DataFrame, owner_ids: set[int],
                 automated_ids: set[int] | None = None, display: pl.DataFrame | None = None) -> pl.DataFrame:
    """Aggregate records into the PEOPLE table. Name: the cleaned display name (emoji, taglines, credentials
    removed, "Last, First" reordered) of the LinkedIn connection, else of the record with the most complete
    name; company/position: the LinkedIn connection's, else any. A person is ``automated`` when all its
    records have an automated hint or are in ``automated_ids`` (e.g. role addresses such as info@).
    ``display`` (record_id, display) gives the cleaned names when already computed."""
    r = records.join(record_person, on="record_id")
    if display is not None:
        r = r.join(display.select("record_id", pl.col("display").alias("_shown")), on="record_id", how="left",
                   maintain_order="left").with_columns(pl.when(pl.col("_shown") != "").then(pl.col("_shown"))
                                                       .alias("_shown"))
    else:
        r = r.with_columns(_display(r).alias("_shown"))
    r = r.with_columns(
        pl.col("record_id").is_in(sorted(owner_ids)).alias("_owner"),
        (pl.col("automated_hint").is_not_null()
         | pl.col("record_id").is_in(sorted(automated_ids or ()))).alias("_auto"),
        (pl.col("source_kind") == CONNECTIONS_KIND).alias("_conn"),
    ).with_columns(
        pl.col("_shown").str.len_chars().fill_null(0).alias("_nlen"),
        pl.col("_shown").str.contains(" ").fill_null(False).alias("_full"),
    )
    people = (
        r.sort(["_conn", "_full", "_nlen", "record_id"], descending=[True, True, True, False])
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("_owner").any().alias("_owner"),
            pl.col("_auto").all().alias("_auto"),
            pl.coalesce(pl.col("_shown"), pl.col("name")).drop_nulls().first().alias("name"),
            pl.col("emails").explode().drop_nulls().unique().sort().alias("emails"),
            pl.col("linkedin_url").drop_nulls().unique().sort().alias("linkedin_urls"),
            pl.col("company").drop_nulls().first().alias("company"),
            pl.col("position").drop_nulls().first().alias("position"),
            pl.col("connected_on").drop_nulls().min().alias("connected_on"),
            pl.col("source_kind").unique().sort().alias("sources"),
            pl.len().cast(pl.Int64).alias("n_records"),
        )
        .with_columns(
            pl.when(pl.col("_owner")).then(pl.lit("owner"))
            .when(pl.col("_auto")).then(pl.lit("automated"))
            .otherwise(pl.lit("person")).alias("kind")
        )
        .sort("person_id")
    )
    return schemas.check(people.select(list(schemas.PEOPLE)), schemas.PEOPLE, "identity.people")


def _find_people(resolved: Resolved, records: pl.DataFrame, query: str) -> list[str]:
    q = query.strip()
    people = resolved.people
    if q in set(people.get_column("person_id").to_list()):
        return [q]
    rp = resolved.record_person
    if (u := canonical_linkedin_url(q)) is not None:
        ids = records.filter(pl.col("linkedin_url") == u).get_column("record_id")
    elif "@" in q and (e := normalize_email(q)) is not None:
        hit = records.select("record_id", "emails").explode("emails").drop_nulls("emails")
        norm = {x: normalize_email(x) for x in hit.get_column("emails").unique().to_list()}
        ids = hit.filter(pl.col("emails").replace_strict(norm, default=None, return_dtype=pl.String) == e) \
            .get_column("record_id")
    else:
        low = q.casefold()
        found = people.filter(pl.col("name").str.to_lowercase() == low).get_column("person_id").to_list()
        if not found:
            rec = records.filter(pl.col("name").str.to_lowercase() == low).get_column("record_id")
            found = rp.filter(pl.col("record_id").is_in(rec.implode())).get_column("person_id").unique().to_list()
        if not found:
            found = people.filter(pl.col("name").str.to_lowercase().str.contains(low, literal=True)) \
                .get_column("person_id").to_list()
        return sorted(set(found))
    return sorted(set(rp.filter(pl.col("record_id").is_in(ids.implode())).get_column("person_id").to_list()))


def explain_person(resolved: Resolved, records: pl.DataFrame, query: str) -> list[dict[str, Any]]:
    """Why the person(s) matching ``query`` (person_id, email address, LinkedIn URL or name; names match
    exactly, case-insensitively, else as a substring) are who they are: one dict per person with its PEOPLE
    fields, its ``records`` (source, line, name, emails, URL, company), the ``merges`` that joined them (rule,
    levels, weight) and the ``near_misses`` (close candidates that were not merged, with the reason)."""
    out: list[dict[str, Any]] = []
    for pid in _find_people(resolved, records, query):
        person = resolved.people.filter(pl.col("person_id") == pid).to_dicts()
        if not person:
            continue
        ids = resolved.record_person.filter(pl.col("person_id") == pid).get_column("record_id")
        recs = records.filter(pl.col("record_id").is_in(ids.implode())).sort("record_id").select(
            "record_id", "source_file", "line", "role", "name", "emails", "linkedin_url", "company", "position",
            "automated_hint").to_dicts()
        merges = resolved.matches.filter(pl.col("person_id") == pid).drop("person_id").to_dicts()
        nm = resolved.near_misses
        near = nm.filter((pl.col("person_id_l") == pid) | (pl.col("person_id_r") == pid)) \
            .sort("match_weight", descending=True).to_dicts() if nm.height else []
        out.append({**person[0], "records": recs, "merges": merges, "near_misses": near})
    return out
