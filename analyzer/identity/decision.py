"""Decision and clustering: union-find with cannot-link rules (contradictions keep records apart) and the
name-based merge decisions."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz.distance import JaroWinkler

from analyzer.identity.comparison import KEY_BASE, pair_key
from analyzer.identity.explanations import levels_text
from analyzer.linkage import LinkageSettings
from analyzer.names import (
    Nicknames,
    is_short_form,
)


@lru_cache(maxsize=200_000)
def first_names_compatible(a: str, b: str) -> bool:
    """Whether given names ``a`` and ``b`` (normalised) may be one person's: equal, nicknames, a short form, or
    close spellings."""
    if a == b:
        return True
    if Nicknames.default().related(a, b) or is_short_form(a, b):
        return True
    return bool(JaroWinkler.normalized_similarity(a, b) >= 0.88)


@lru_cache(maxsize=200_000)
def family_names_compatible(a: str, b: str, ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
    """Whether family names ``a`` and ``b`` (with their tokens ``ta``, ``tb``) may be one family's: equal, a
    shared token (a double-barrelled name), or close spellings."""
    if a == b or set(ta) & set(tb):
        return True
    return bool(JaroWinkler.normalized_similarity(a, b) >= 0.92)


NameT = tuple[str, str, tuple[str, ...]]

#: a cluster with more distinct full names than this is a crowd: its names are not compared name by name
#: (:meth:`Clusters.conflict`); one person's records show a handful of forms of their name
MAX_CLUSTER_NAMES = 32


def record_names(f: pl.DataFrame) -> list[NameT | None]:
    """Each record's (given name, family name, family name tokens) of the features ``f``, as the name rules
    compare them; None without a given name of two letters or more and a family name."""
    return [(a, b, tuple(t.split())) if len(a) > 1 and b else None
            for a, b, t in f.select("first", "last", "last_toks").iter_rows()]
Career = tuple[str, date, date, str]  # (employer, first seen, last seen, work address)


class Clusters:
    """Union-find whose roots carry what the cannot-link rules need (the sets of a singleton are read from its
    record; they are materialised only when clusters merge)."""

    _ATTRS = ("urls", "suffixes", "conn", "names")

    def __init__(self, f: pl.DataFrame, diff_tags: dict[int, dict[int, set[int]]],
                 given_name_pairs: list[tuple[str, str, str]] | None = None) -> None:
        self.parent = list(range(f.height))
        #: given names the records show to be one person's (signature evidence), with that person's family name
        self.given_pairs = {(frozenset((a, b)), last) for a, b, last in given_name_pairs or ()}
        self.auto: list[bool] = f.get_column("is_auto").to_list()
        self.diff: dict[int, dict[int, set[int]]] = diff_tags
        self.base: dict[str, list[Any]] = {
            "urls": f.get_column("linkedin_url").to_list(),
            "suffixes": [x or None for x in f.get_column("suffix").to_list()],
            "conn": f.get_column("conn_file").to_list(),
            "names": record_names(f),
        }
        self.sets: dict[str, dict[int, set[Any]]] = {k: {} for k in self._ATTRS}
        #: (sets, base) of every attribute, in ``_ATTRS`` order (what :meth:`union` walks)
        self._attr_pairs = [(self.sets[k], self.base[k]) for k in self._ATTRS]
        #: the pairs :meth:`_join` merges: an attribute no record carries (no Connections.csv in a mailbox) never
        #: gets a set
        self._carried_pairs = [(sets, base) for sets, base in self._attr_pairs
                               if any(v is not None for v in base)]
        #: per root, its work addresses and their dates (set by :meth:`set_careers`)
        self.work: dict[int, set[Career]] = {}
        #: whether :meth:`set_careers` was given every root's careers (then ``work`` holds every root's)
        self.careers_set = False

    def set_careers(self, careers: dict[int, list[Career]]) -> None:
        """Record each root's work addresses with their dates: a probabilistic link that would put two
        addresses at one employer in use at the same time into one cluster is refused."""
        self.work = {r: set(c) for r, c in careers.items()}
        self.careers_set = True

    def careers_of(self, roots: list[int]) -> dict[int, list[Career]]:
        """What :func:`root_careers` answers for ``roots`` (current roots), read from the careers given to
        :meth:`set_careers` (every root's) as the joins merged them: per (employer, address), its first and
        last dates over the cluster, earliest first."""
        out: dict[int, list[Career]] = {}
        for r in roots:
            w = self.work.get(r)
            if not w:
                continue
            if len(w) == 1:  # (most clusters: one work address)
                out[r] = list(w)
                continue
            span: dict[tuple[str, str], tuple[date, date]] = {}
            for org, a, b, addr in w:
                k = (org, addr)
                have = span.get(k)
                span[k] = (a, b) if have is None else (min(a, have[0]), max(b, have[1]))
            out[r] = sorted(((org, a, b, addr) for (org, addr), (a, b) in span.items()),
                            key=lambda c: (c[1], c[0], c[3]))
        return out

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

    def _names(self, root: int) -> set[NameT] | tuple[NameT] | None:
        """The full names of ``root``'s cluster (a singleton's as a one-tuple: no set built), or None."""
        s = self.sets["names"].get(root)
        if s is not None:
            return s
        v = self.base["names"][root]
        return (v,) if v is not None else None

    def _differ(self, attr: str, ra: int, rb: int) -> bool:
        """Both roots carry a value of ``attr`` and their sets differ (a singleton's set is its record's
        value, compared without building the set)."""
        sets = self.sets[attr]
        sa, sb = sets.get(ra), sets.get(rb)
        if sa is None and sb is None:
            base = self.base[attr]
            va, vb = base[ra], base[rb]
            return va is not None and vb is not None and va != vb
        sa, sb = self._get(attr, ra), self._get(attr, rb)
        return bool(sa and sb and sa != sb)

    def _share(self, attr: str, ra: int, rb: int) -> bool:
        """Both roots carry a value of ``attr`` and their sets share one."""
        sets = self.sets[attr]
        sa, sb = sets.get(ra), sets.get(rb)
        if sa is None and sb is None:
            base = self.base[attr]
            va = base[ra]
            return va is not None and va == base[rb]
        sa, sb = self._get(attr, ra), self._get(attr, rb)
        return bool(sa and sb and sa & sb)

    def conflict(self, ra: int, rb: int, kind: str) -> str | None:
        """Why ``ra`` and ``rb`` must not be joined by a link of ``kind``, or None."""
        if self.diff:
            da, db = self.diff.get(ra), self.diff.get(rb)
            if da and db:
                for entry, sa in da.items():
                    sb = db.get(entry)
                    if sb and len(sa | sb) > 1:
                        return "listed as different in the config"
        if kind in ("config", "address"):  # the user's word; one address, one person (SPEC §5)
            return None
        if kind == "role_address":  # (asked before joining on a role address)
            return self._two_people_on_a_role_address(ra, rb)
        if self.auto[ra] != self.auto[rb]:
            return "automated sender with a human"
        (s_url, b_url), (s_sfx, b_sfx), (s_conn, b_conn), _ = self._attr_pairs
        # two singletons (most links): their records' values, compared without a call
        if (s_url or s_sfx or s_conn) and (ra in s_url or rb in s_url or ra in s_sfx or rb in s_sfx
                                           or ra in s_conn or rb in s_conn):
            if self._differ("urls", ra, rb):
                return "two different LinkedIn profiles"
            if self._differ("suffixes", ra, rb):
                return "conflicting generational suffixes"
            if self._share("conn", ra, rb):
                return "two rows of the same Connections.csv"
        else:
            va, vb = b_url[ra], b_url[rb]
            if va is not None and vb is not None and va != vb:
                return "two different LinkedIn profiles"
            va, vb = b_sfx[ra], b_sfx[rb]
            if va is not None and vb is not None and va != vb:
                return "conflicting generational suffixes"
            va = b_conn[ra]
            if va is not None and va == b_conn[rb]:
                return "two rows of the same Connections.csv"
        if kind == "probabilistic" and (wa := self.work.get(ra)) and (wb := self.work.get(rb)):
            why = _overlap(sorted(wa), sorted(wb), same_employer_only=True)
            if why is not None:
                return why
        if kind in ("email", "probabilistic"):
            # the full names of both clusters (a singleton's as a one-tuple: no set built), as _names() reads them
            s_names, b_names = self._attr_pairs[3]
            na: set[NameT] | tuple[NameT] | None = s_names.get(ra) if s_names else None
            if na is None:
                va = b_names[ra]
                na = (va,) if va is not None else None
            nb: set[NameT] | tuple[NameT] | None = s_names.get(rb) if s_names else None
            if nb is None:
                vb = b_names[rb]
                nb = (vb,) if vb is not None else None
            if na and nb:
                if len(na) > MAX_CLUSTER_NAMES or len(nb) > MAX_CLUSTER_NAMES:
                    # a crowd, not one person's names (an address on thousands of cards of different names): each
                    # link compared the crowd's every name, the links of one address took quadratic time. An
                    # address joins it anyway (one address, one person); a name-based link does not
                    return None if kind == "email" else "too many names in one cluster"
                given_pairs = self.given_pairs
                for fa, la, ta in na:
                    for fb, lb, tb in nb:
                        if (fa == fb or first_names_compatible(fa, fb)) or (
                                given_pairs and (frozenset((fa, fb)), la) in given_pairs) or (
                                kind == "probabilistic" and first_names_compatible(fa, lb) and first_names_compatible(la, fb)):
                            continue  # same first name (or the same two names in the other order)
                        if kind == "probabilistic":
                            return "different first names in one cluster"
                        if family_names_compatible(la, lb, ta, tb):
                            return "shared family address (different first names)"
        return None

    def _two_people_on_a_role_address(self, ra: int, rb: int) -> str | None:
        """A role address (team@, info@) that two people's cards list is not one person's: two human clusters
        whose names all differ (given and family name) stay apart. A person's card and the mail the address
        sends (an automated sender, a freelancer's info@) are joined, as a shared personal address is."""
        if self.auto[ra] or self.auto[rb]:
            return None
        na, nb = self._names(ra), self._names(rb)
        if not na or not nb:
            return None
        for fa, la, ta in na:
            for fb, lb, tb in nb:
                if first_names_compatible(fa, fb) and family_names_compatible(la, lb, ta, tb):
                    return None
        return "a shared role address (two people's names)"

    def union(self, a: int, b: int, kind: str) -> tuple[bool, str | None]:
        """Join the clusters of ``a`` and ``b`` unless a rule forbids it: (joined, reason refused)."""
        p = self.parent  # find() of both, inline (a call per link is a share of its cost)
        ra = a
        while p[ra] != ra:
            ra = p[ra]
        while p[a] != ra:
            p[a], a = ra, p[a]
        rb = b
        while p[rb] != rb:
            rb = p[rb]
        while p[b] != rb:
            p[b], b = rb, p[b]
        if ra == rb:
            return False, None
        why = self.conflict(ra, rb, kind)
        if why is not None:
            return False, why
        self._join(ra, rb)
        return True, None

    def _join(self, ra: int, rb: int) -> int:
        """Hang the larger of two distinct roots under the smaller one, merging what they carry; returns the new
        root."""
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        for sets, base in self._carried_pairs:  # ra's set becomes the union of both (made only when rb adds)
            sb = sets.pop(rb, None) if sets else None
            if sb is None:
                if (v := base[rb]) is None:
                    continue
                sa = sets.get(ra)
                if sa is not None:
                    sa.add(v)
                elif (va := base[ra]) != v:  # (the same value: ra's set stays its record's value)
                    sets[ra] = {v} if va is None else {va, v}
                continue
            sa = sets.get(ra)
            if sa is not None:
                sa |= sb
            else:
                if (v := base[ra]) is not None:
                    sb.add(v)
                sets[ra] = sb
        if self.work:
            wb = self.work.pop(rb, None)
            if wb:
                self.work.setdefault(ra, set()).update(wb)
        if self.diff:
            db = self.diff.pop(rb, None)
            if db:
                da = self.diff.setdefault(ra, {})
                for entry, sides in db.items():
                    da.setdefault(entry, set()).update(sides)
        return ra

    def roots(self) -> list[int]:
        """The root of every record (what :meth:`find` answers for each), by pointer jumping over the whole
        parent array at once; the parents are then compressed to point at their roots."""
        p = np.asarray(self.parent, dtype=np.int64)
        while True:
            q = p[p]
            if np.array_equal(q, p):
                break
            p = q
        self.parent = p.tolist()
        return list(self.parent)


#: a name edge: the two units' full names agree (given name exact, a nickname, or the two names swapped;
#: surname exact, swapped, or one double surname containing the other), or a nameless address's local part
#: spells the other's name (``jdoyle``, ``jessica_doyle``)
NAME_FIRST_LEVELS = ("exact", "nickname", "swapped")
NAME_LAST_LEVELS = ("exact", "swapped", "token_overlap")


def name_edge() -> pl.Expr:
    """A compared pair whose names agree (the name levels above), or a nameless address spelling the other's
    name: the pairs :func:`rare_name_merges` groups."""
    return ((pl.col("lv_first_name").is_in(NAME_FIRST_LEVELS) & pl.col("lv_last_name").is_in(NAME_LAST_LEVELS))
            | (pl.col("lv_email_name") == "pattern"))


#: two addresses at different employers both in use for longer than this are two people's
OVERLAP_DAYS = 90
#: a name group larger than this is a common name, never one human
MAX_GROUP_ROOTS = 12
#: a network with fewer distinct full names than this is counted as this many (a handful of names says little
#: about how common each is)
MIN_NAMES_FOR_RARITY = 200
#: at least this share of a network is taken to be without a LinkedIn profile (a small or LinkedIn-only
#: network says little about who is missing from it)
MIN_HIDDEN_SHARE = 0.2

Edge = tuple[int, int, str, str, float, str]  # (l, r, rule, levels, weight, evidence)
NearMiss = tuple[int, int, str, float, str]  # (l, r, levels, weight, reason)
#: the columns of :class:`NearMissRows` (``l``, ``r``: record positions; ``weight``: bits, not yet rounded)
NEAR_ROW_SCHEMA = {"l": pl.Int64, "r": pl.Int64, "levels": pl.String, "weight": pl.Float64, "reason": pl.String}


class NearMissRows:
    """The near misses of a run in the order they were found: rows ``(l, r, levels, weight, reason)`` added
    one at a time (:meth:`append`, :meth:`extend`) or, where a frame already holds them, as a frame
    (:meth:`add_frame`, no Python tuple per row)."""

    def __init__(self) -> None:
        self._parts: list[list[NearMiss] | pl.DataFrame] = []

    def _rows(self) -> list[NearMiss]:
        last = self._parts[-1] if self._parts else None
        if not isinstance(last, list):
            last = []
            self._parts.append(last)
        return last

    def append(self, row: NearMiss) -> None:
        """Add one row."""
        self._rows().append(row)

    def extend(self, rows: Iterable[NearMiss]) -> None:
        """Add rows, in their order."""
        self._rows().extend(rows)

    def add_frame(self, rows: pl.DataFrame) -> None:
        """Add the rows of a frame whose five columns are those of :data:`NEAR_ROW_SCHEMA` (in that order, by
        position), in its order."""
        self._parts.append(rows.select(pl.col(have).cast(dtype).alias(name)
                                       for have, (name, dtype) in zip(rows.columns, NEAR_ROW_SCHEMA.items(),
                                                                      strict=True)))

    def frame(self) -> pl.DataFrame:
        """Every row added, in order, as one frame (:data:`NEAR_ROW_SCHEMA`)."""
        frames = [p if isinstance(p, pl.DataFrame) else
                  pl.DataFrame(dict(zip(NEAR_ROW_SCHEMA, (list(c) for c in zip(*p, strict=True)), strict=True))
                               if p else None, schema=NEAR_ROW_SCHEMA)
                  for p in self._parts]
        return pl.concat(frames) if frames else pl.DataFrame(schema=NEAR_ROW_SCHEMA)


@dataclass
class CareerFacts:
    """What the rare-name decision reads per record: its name (``names``: idx, first, last, mi, suffix,
    linkedin_url), the
    employers
    (``orgs``: idx, tok = organisation label of a work address) and the dates it was in use (``periods``:
    idx, first_seen, last_seen)."""

    names: pl.DataFrame
    orgs: pl.DataFrame
    periods: pl.DataFrame
    #: (idx, company) of the LinkedIn connections: the employer their profile shows today (of several exports'
    #: connections of one cluster, the last one is the newest export's)
    current: pl.DataFrame | None = None
    #: (idx, msg, n participants) for every message a record sent or received: two records on one message are
    #: two people; a record seen only on mass mail is known by a name that singles no one out
    together: pl.DataFrame | None = None


def _years(a: date, b: date) -> str:
    return f"{a.year}" if a.year == b.year else f"{a.year}–{b.year}"


def root_careers(cl: Clusters, roots: list[int] | None, facts: CareerFacts) -> dict[int, list[Career]]:
    """Per root of ``roots`` (every root when None): (employer, first seen, last seen, address) of its work addresses, earliest
    first."""
    rt = pl.DataFrame({"idx": list(range(len(cl.parent))), "root": cl.roots()},
                      schema={"idx": pl.Int64, "root": pl.Int64})
    if roots is not None:
        rt = rt.filter(pl.col("root").is_in(roots))
    orgs = facts.orgs if "addr" in facts.orgs.columns else facts.orgs.with_columns(pl.col("tok").alias("addr"))
    per = (orgs.join(rt, on="idx").join(facts.periods, on="idx")
           .group_by("root", "tok", "addr").agg(pl.col("first_seen").min(), pl.col("last_seen").max())
           .sort(["root", "first_seen", "tok", "addr"]))
    out: dict[int, list[Career]] = {}
    for root, org, addr, a, b in per.select("root", "tok", "addr", "first_seen", "last_seen").rows():
        out.setdefault(root, []).append((org, a, b, addr))
    return out


def _overlap(ca: list[Career], cb: list[Career], same_employer_only: bool = False) -> str | None:
    """Why two careers are two people: work addresses at two employers in use during the same months, an
    address at one employer used only while another employer's address was in use before and after it (both
    by more than ``OVERLAP_DAYS``: that tenure spans it), or two different addresses at one employer in use
    during the same months (a person has one work address per employer at a time)."""
    for oa, a1, a2, xa in ca:
        for ob, b1, b2, xb in cb:
            if oa != ob and not same_employer_only:
                inner = next(((o, x1, x2, y1, y2) for o, x1, x2, y1, y2 in ((oa, a1, a2, b1, b2), (ob, b1, b2, a1, a2))
                              if (y1 - x1).days > OVERLAP_DAYS and (x2 - y2).days > OVERLAP_DAYS), None)
                if inner is not None:
                    o, x1, x2, y1, y2 = inner
                    other = ob if o == oa else oa
                    return (f"an address at {other} used while the {o} address was in use before and after it "
                            f"({o} {_years(x1, x2)}, {other} {_years(y1, y2)})")
            if (min(a2, b2) - max(a1, b1)).days <= OVERLAP_DAYS:
                continue
            if oa != ob and not same_employer_only:
                return (f"work addresses at two employers in use at the same time ({oa} {_years(a1, a2)}, "
                        f"{ob} {_years(b1, b2)})")
            if oa == ob and xa != xb:
                return (f"two addresses at one employer in use at the same time ({xa} {_years(a1, a2)}, "
                        f"{xb} {_years(b1, b2)})")
    return None


def _career_words(career: list[Career]) -> str:
    """"2014–2017 (firstco), 2017–2020 (secondgroup)": one entry per employer, earliest first."""
    span: dict[str, tuple[date, date]] = {}
    for org, a, b, _ in career:
        x, y = span.get(org, (a, b))
        span[org] = (min(a, x), max(b, y))
    return ", ".join(f"{_years(a, b)} ({org})" for org, (a, b) in sorted(span.items(), key=lambda kv: (kv[1][0], kv[0])))


#: a message with more participants than this is mass mail (a company-wide list, a newsletter's recipients)
MASS_MAIL_PARTICIPANTS = 10
#: a work address last used this close to the end of the data is still in use
RECENT_DAYS = 180


def _same_employer(org: str, company: str) -> bool:
    """Whether a mail domain's organisation label (``mosaicbioscien``) may be the company (``Mosaic
    Biosciences``): they share a word's first four letters."""
    words = [w for w in re.split(r"[^a-z0-9]+", company.casefold()) if len(w) >= 3]
    o = re.sub(r"[^a-z0-9]", "", org.casefold())
    return any(o[:4] == w[:4] or w[:4] in o for w in words)


def _not_current(current: dict[int, str], careers: dict[int, list[Career]], roots: list[int],
                 end: date | None) -> str | None:
    """Why a group is two people: LinkedIn shows one current employer while a work address at another is still
    in use at the end of the data."""
    if end is None:
        return None
    for a in roots:
        if a not in current:
            continue
        for b in roots:
            for org, _, last, _ in careers.get(b, []):
                if (end - last).days <= RECENT_DAYS and not _same_employer(org, current[a]):
                    return (f"current LinkedIn employer differs from a work address still in use (LinkedIn: "
                            f"{current[a]}; {org} until {last.year})")
    return None


def _names_agree(cl: Clusters, a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Strictly one person's two names: same surname (or one double surname in the other) and the same given
    name, a nickname of it with the same initial, or one the records show to be theirs."""
    (fa, la), (fb, lb) = a, b
    if (fa, la) == (fb, lb) or (fa, la) == (lb, fb):
        return True
    same_last = la == lb or (len(la) > 2 and len(lb) > 2 and (la.startswith(lb) or lb.startswith(la)
                                                                or la.endswith(lb) or lb.endswith(la)))
    if not same_last:
        return False
    # the nickname table is noisy (Hannah ~ Susan, Lena ~ Helene): on a name alone only the nicknames that keep
    # the initial (Jess ~ Jessica, Jon ~ Jonathan) count; Bob ~ Robert needs corroboration
    return ((frozenset((fa, fb)), la) in cl.given_pairs or (frozenset((fa, fb)), lb) in cl.given_pairs
            or is_short_form(fa, fb)
            or (fa[:1] == fb[:1] and Nicknames.default().related(fa, fb)))


def name_rarity(names: pl.DataFrame) -> tuple[dict[str, int], dict[str, int], int]:
    """Term frequencies of given names and surnames over the distinct full names of the network's humans
    (``names``: first, last, after deterministic links): (given name -> count, surname -> count, number of
    distinct full names). A person seen in five sources counts once, not five times."""
    full = names.filter((pl.col("first").str.len_chars() > 1) & (pl.col("last").str.len_chars() > 1)) \
        .select("first", "last").unique()
    firsts = dict(full.group_by("first").len().rows())
    lasts = dict(full.group_by("last").len().rows())
    return firsts, lasts, max(full.height, MIN_NAMES_FOR_RARITY)


#: how many expected namesake pairs a surname's own count is worth before its factor moves from the network's
#: (shrinkage of :func:`surname_namesake_factors`)
SURNAME_FACTOR_PRIOR_PAIRS = 1.0
#: bounds of a surname's factor
SURNAME_FACTOR_MIN = 1.0


def surname_namesake_factors(names: pl.DataFrame) -> tuple[dict[str, float], float]:
    """How much more often full names are shared within each surname than the given-name x surname
    independence estimate predicts (given names and surnames are correlated by origin: among the Xus of a
    network "Jack" may be far commoner than among everyone). Measured on the LinkedIn profiles (``names``:
    linkedin_url, first, last): distinct URLs are distinct humans, an unbiased sample of the network's
    namesakes. Per surname, the observed pairs of profiles with one full name over the pairs independence
    expects, shrunk towards the network's factor; returns (surname -> factor, network factor)."""
    p = names.filter(pl.col("linkedin_url").is_not_null() & (pl.col("first").str.len_chars() > 1)
                     & (pl.col("last").str.len_chars() > 1)).group_by("linkedin_url") \
        .agg(pl.col("first").min(), pl.col("last").min())
    n = p.height
    if n < MIN_NAMES_FOR_RARITY:
        return {}, 1.0
    share_first = p.group_by("first").len().select((pl.col("len").cast(pl.Float64) ** 2).sum()).item() / n ** 2
    per_last = p.group_by("last", "first").len().group_by("last").agg(
        (pl.col("len") * (pl.col("len") - 1) / 2).sum().alias("observed"), pl.col("len").sum().alias("n"))
    per_last = per_last.with_columns((pl.col("n") * (pl.col("n") - 1) / 2 * share_first).alias("expected"))
    observed, expected = per_last.select(pl.col("observed").sum(), pl.col("expected").sum()).row(0)
    network = max(SURNAME_FACTOR_MIN, float(observed) / expected) if expected else 1.0
    k = SURNAME_FACTOR_PRIOR_PAIRS
    per_last = per_last.with_columns(((pl.col("observed") + k * network) / (pl.col("expected") + k))
                                     .clip(SURNAME_FACTOR_MIN).alias("factor"))
    return dict(per_last.select("last", "factor").rows()), network


def min_label_components(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the graph with edges ``a[i] - b[i]`` (integer node ids): ``(nodes, label)``,
    the sorted distinct nodes and, for each, the smallest node of its component (what a union-find that always
    hangs the larger root under the smaller one answers). Min-label propagation with pointer jumping."""
    nodes, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = inv[:len(a)], inv[len(a):]
    label = np.arange(len(nodes))
    while True:
        m = np.minimum(label[ia], label[ib])
        new = label.copy()
        np.minimum.at(new, ia, m)
        np.minimum.at(new, ib, m)
        new = new[new]
        if np.array_equal(new, label):
            return nodes, nodes[label]
        label = new


def _group_refusal(cl: Clusters, roots: list[int], names: list[tuple[str, str]],
                   names_of: dict[int, set[tuple[str, str]]], marks_of: dict[int, set[tuple[str, str]]],
                   expected_namesakes: Callable[[list[tuple[str, str]]], float], st: LinkageSettings) -> str | None:
    """Why the name group of ``roots`` (carrying ``names``; none when it has too many roots to read them) is
    not one person on its names and profiles alone, or None: a common name, two LinkedIn profiles, two rows of
    one Connections.csv, names that do not agree, different middle initials or suffixes."""
    if len(roots) > MAX_GROUP_ROOTS or not names:
        return "common name: too many records carry it to single one person out"
    urls = {u for r in roots for u in (cl._get("urls", r) or ())}
    if len(urls) > 1:
        return f"namesakes: {len(urls)} LinkedIn profiles carry this name"
    conn = [c for r in roots for c in (cl._get("conn", r) or ())]
    if len(conn) != len(set(conn)):
        return "namesakes: two rows of one Connections.csv carry this name"
    # two name forms that one cluster already carries (linked by an address) are one person's
    if any(not _names_agree(cl, a, b) and not any({a, b} <= names_of.get(r, set()) for r in roots)
           for a, b in combinations(names, 2)):
        return "the names in this group do not all agree (a nickname chain or different surnames)"
    marks = {m for r in roots for m in marks_of.get(r, ())}
    if len({mi for mi, _ in marks if mi}) > 1 or len({sx for _, sx in marks if sx}) > 1:
        return "different middle initials or generational suffixes"
    expected = expected_namesakes(names)
    if expected > st.max_expected_namesakes:
        return (f"common name: about {expected:.2f} other people in this network without a LinkedIn profile could "
                "carry it, and nothing singles one out")
    return None


def rare_name_merges(scored: pl.DataFrame, cl: Clusters, st: LinkageSettings, facts: CareerFacts,
                     edges: list[Edge], near_rows: NearMissRows, refused_count: dict[str, int]) -> dict[str, Any]:
    """SPEC §5's decision for names: the candidate pairs whose names agree (``NAME_*_LEVELS``, or a nameless
    address spelling the name) group the clusters that carry one name. A group is merged into one person when
    the name is rare in this network (the expected number of other humans carrying it, from the given-name and
    surname frequencies of :func:`name_rarity` times the surname's factor of :func:`surname_namesake_factors`,
    is at most ``st.max_expected_namesakes``) and nothing in it says two people: two LinkedIn profiles, two
    rows of one Connections.csv, names that do not agree, work addresses at two employers in use during the
    same months (or one inside the other's tenure, or two addresses at one employer at once), different middle
    initials or suffixes. A group
    that fails is left as it is (corroborated merges were made before) and its pairs are near misses with the
    reason. Returns what the run measured (for ``identity_settings.json``)."""
    root_of = pl.Series("root", cl.roots(), dtype=pl.Int64)  # by record position
    rt = pl.DataFrame({"idx": pl.int_range(root_of.len(), dtype=pl.Int64, eager=True), "root": root_of})
    cand = scored.filter(name_edge() & (pl.col("lv_middle_initial") != "disagree") & (pl.col("lv_suffix") != "conflict"))
    cand = cand.with_columns(root_of.gather(cand.get_column("l")).alias("rl"),
                             root_of.gather(cand.get_column("r")).alias("rr")).filter(pl.col("rl") != pl.col("rr"))
    if cand.height == 0:
        return {}
    cand = cand.with_columns(levels_text(cand, st)).sort(["match_weight", "l", "r"], descending=[True, False, False])
    humans = facts.names.join(rt, on="idx")
    firsts, lasts, n_names = name_rarity(humans)
    # a namesake with a LinkedIn profile shows itself (two profiles in one group); only the humans without one
    # can hide, so the risk is the expected number of namesakes times the share of humans without a profile
    n_profiles = humans.get_column("linkedin_url").drop_nulls().n_unique()
    hidden = max(MIN_HIDDEN_SHARE, 1.0 - n_profiles / max(n_names, n_profiles, 1))
    factors, network_factor = surname_namesake_factors(humans)
    marks_of: dict[int, set[tuple[str, str]]] = {}  # (middle initial, suffix) written on the records
    for root, mi, sfx in humans.filter((pl.col("mi") != "") | (pl.col("suffix") != "")) \
            .select("root", "mi", "suffix").unique().rows():
        marks_of.setdefault(root, set()).add((mi, sfx))
    names_of: dict[int, set[tuple[str, str]]] = {}
    for root, first, last in humans.filter((pl.col("first").str.len_chars() > 1) & (pl.col("last") != "")) \
            .select("root", "first", "last").unique().rows():
        names_of.setdefault(root, set()).add((first, last))
    # a cluster known only from mass mail (one of many recipients) is a name in a crowd: it needs corroboration
    mass_only = pl.Series("root", [], dtype=pl.Int64)
    if facts.together is not None:
        seen = facts.together.group_by("idx").agg(pl.col("n").min().alias("n_min"))
        crowd = rt.join(seen, on="idx", how="left").group_by("root") \
            .agg((pl.col("n_min") > MASS_MAIL_PARTICIPANTS).fill_null(False).all().alias("crowd"))
        mass_only = crowd.filter(pl.col("crowd")).get_column("root")
    named_roots = pl.Series("root", list(names_of), dtype=pl.Int64).implode()
    cand = cand.select("l", "r", "rl", "rr", "levels", "match_weight").with_columns(
        (pl.col("rl").is_in(mass_only.implode()) | pl.col("rr").is_in(mass_only.implode())).alias("crowd"),
        pl.col("rl").is_in(named_roots).alias("named_l"), pl.col("rr").is_in(named_roots).alias("named_r"))
    cols = ["l", "r", "rl", "rr", "levels", "match_weight"]
    if mass_only.len():
        crowd = cand.filter(pl.col("crowd"))
        refused_count["known only from mass mail"] = crowd.height
        near_rows.add_frame(crowd.select("l", "r", "levels", "match_weight", pl.lit(
            "known only from mass mail: a name among many recipients singles no one out").alias("reason")))
        cand = cand.filter(~pl.col("crowd"))
    spelled = cand.filter(pl.col("named_l") != pl.col("named_r")).select(cols).rows()
    # the groups: connected components of the named roots over the name edges, each keyed by its smallest root
    # (``g``; ``pos``: the edge's place among the name edges); a nameless address that spells a name
    # (``anilk@``) is attached afterwards, and only when it fits one group
    named = cand.filter(pl.col("named_l") & pl.col("named_r")).select(cols)
    nodes, labels = min_label_components(named.get_column("rl").to_numpy(), named.get_column("rr").to_numpy())
    rep_of: dict[int, int] = dict(zip(nodes.tolist(), labels.tolist(), strict=True))
    named = named.with_columns(pl.Series("g", labels, dtype=pl.Int64).gather(
        pl.Series(np.searchsorted(nodes, named.get_column("rl").to_numpy()))),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("pos"))

    def find(x: int) -> int:
        return rep_of.get(x, x)

    # every group's roots (sorted) and number of edges; a named root with no other name edge is a group of its
    # own, without edges
    roots_of: dict[int, list[int]] = dict(
        pl.concat([named.select("g", pl.col("rl").alias("root")), named.select("g", pl.col("rr").alias("root"))])
        .unique().group_by("g").agg(pl.col("root").sort()).rows())
    n_edges: dict[int, int] = dict(named.group_by("g").len().rows())
    for row in spelled:
        g = find(row[2] if row[2] in names_of else row[3])
        roots_of.setdefault(g, [g])
    all_roots = pl.concat([cand.get_column("rl"), cand.get_column("rr")]).unique().sort().to_list()
    # (the careers the clusters carry since set_careers, as the joins merged them: no query)
    careers = cl.careers_of(all_roots) if cl.careers_set else root_careers(cl, all_roots, facts)
    last_seen = facts.periods.get_column("last_seen").max() if facts.periods.height else None
    end = last_seen if isinstance(last_seen, date) else None
    current: dict[int, str] = {}
    if facts.current is not None:
        for root, company in facts.current.join(rt, on="idx", maintain_order="left") \
                .filter(pl.col("root").is_in(all_roots)).select("root", "company").drop_nulls().rows():
            current[root] = company
    apart: set[tuple[int, int]] = set()  # roots seen on one message together
    if facts.together is not None and all_roots:
        # the distinct (message, root) pairs, found as one integer key (one column to hash, not two)
        key = facts.together.join(rt.filter(pl.col("root").is_in(all_roots)), on="idx") \
            .select(pair_key("msg", "root").alias("key")).get_column("key").unique()
        on_msg = pl.DataFrame({"msg": key // KEY_BASE, "root": key % KEY_BASE})
        shared = on_msg.filter(pl.len().over("msg") > 1)
        if shared.height:
            pairs = shared.join(shared, on="msg", suffix="_b").filter(pl.col("root") < pl.col("root_b"))
            apart = set(pairs.select("root", "root_b").unique().rows())

    def count_refusal(why: str) -> None:
        key = why.split(":")[0].split(" (")[0]
        refused_count[key] = refused_count.get(key, 0) + 1

    def refuse(group: list[tuple[int, int, int, int, str, float]], why: str) -> None:
        count_refusal(why)
        near_rows.extend((l_, r_, lv, w, why) for l_, r_, _, _, lv, w in group)

    def expected_namesakes(names: list[tuple[str, str]]) -> float:
        return max(firsts.get(f, 1) * lasts.get(la, 1) / n_names * factors.get(la, network_factor)
                   for f, la in names) * hidden

    # each group is decided on its own roots (groups share none), refused whole or merged: the decisions first,
    # then the merges, group by group; the near misses are the refused groups' edges and the refused links
    fits: dict[int, str] = {}  # group -> why it is one person (the groups that merged)
    refused_groups: list[tuple[int, str]] = []
    for g in sorted(roots_of):
        roots = roots_of[g]
        names = sorted({nm for r in roots for nm in names_of.get(r, ())}) if len(roots) <= MAX_GROUP_ROOTS else []
        why = _group_refusal(cl, roots, names, names_of, marks_of, expected_namesakes, st)
        if why is None:
            # a domain that spells the person's name (``aditikohler.com``) is a personal address, not an employer
            own = {t for nm in names for t in nm if len(t) >= 3}
            work = {r: [c for c in careers.get(r, []) if not any(t in c[0] for t in own)] for r in roots}
            why = next((o for a, b in combinations(roots, 2)
                        if (o := _overlap(work[a], work[b])) is not None), None)
            if why is None and any((a, b) in apart for a, b in combinations(roots, 2)):
                why = "two of these addresses are on one message together"
            if why is None:
                why = _not_current(current, work, roots, end)
        if why is not None:
            count_refusal(why)
            refused_groups.append((g, why))
            continue
        career = sorted((c for r in roots for c in work[r]), key=lambda c: (c[1], c[0]))
        evidence = "same rare name" if len(names) == 1 else "same rare name (nickname or other form)"
        if len({c[0] for c in career}) > 1:
            evidence += "; addresses used one after another " + _career_words(career)
        fits[g] = evidence
    n_merged = sum(1 for g in fits if n_edges.get(g))
    refused_links: list[tuple[int, str]] = []  # (pos, why)
    merging = named.filter(pl.col("g").is_in(list(fits))).sort("g", "pos")
    for pos, g, l_, r_, lv, w in merging.select("pos", "g", "l", "r", "levels", "match_weight").rows():
        ok, refused = cl.union(l_, r_, "probabilistic")
        if ok:
            edges.append((l_, r_, "probabilistic (rare name)", lv or "", round(w, 3), fits[g]))
        elif refused is not None:
            refused_count[refused.split(" (")[0]] = refused_count.get(refused.split(" (")[0], 0) + 1
            refused_links.append((pos, refused))
    reasons = pl.concat([
        named.join(pl.DataFrame(refused_groups, schema={"g": pl.Int64, "reason": pl.String}, orient="row"), on="g"),
        named.join(pl.DataFrame(refused_links, schema={"pos": pl.Int64, "reason": pl.String}, orient="row"),
                   on="pos")])
    near_rows.add_frame(reasons.sort("g", "pos").select("l", "r", "levels", "match_weight", "reason"))
    by_nameless: dict[int, list[tuple[int, int, int, int, str, float]]] = {}
    for row in spelled:
        by_nameless.setdefault(row[3] if row[2] in names_of else row[2], []).append(row)
    n_spelled = 0
    for nameless, its in sorted(by_nameless.items()):
        targets = {find(row[2] if row[2] in names_of else row[3]) for row in its}
        g = next(iter(targets))
        if len(targets) > 1:
            refuse(its, "the address spells more than one name in this network")
        elif g not in fits:
            refuse(its, "the address spells a name that does not single out one person")
        elif (why := next((o for r in roots_of[g] if (o := _overlap(careers.get(nameless, []),
                                                                   careers.get(r, []))) is not None), None)):
            refuse(its, why)
        else:
            l_, r_, _, _, lv, w = its[0]
            ok, refused = cl.union(l_, r_, "probabilistic")
            if ok:
                n_spelled += 1
                edges.append((l_, r_, "probabilistic (rare name)", lv or "", round(w, 3),
                              "the address spells the " + fits[g].removeprefix("same ")))
            elif refused is not None:
                refused_count[refused.split(" (")[0]] = refused_count.get(refused.split(" (")[0], 0) + 1
                near_rows.append((l_, r_, lv, w, refused))
    return {"name_groups": len(roots_of), "name_groups_merged": n_merged, "spelled_addresses_linked": n_spelled, "distinct_full_names": n_names,
            "linkedin_profiles": n_profiles, "share_without_profile": round(hidden, 4),
            "namesake_factor_network": round(network_factor, 3),
            "namesake_factor_by_surname_max": round(max(factors.values(), default=1.0), 3),
            "max_expected_namesakes": st.max_expected_namesakes, "overlap_days": OVERLAP_DAYS}


#: at most this many kinds of holder of a role address are compared kind by kind (:func:`_first_role_refusal`)
_MAX_HOLDER_KINDS = 64


def _first_role_refusal(cl: Clusters, held: list[tuple[int, int]]) -> tuple[int, int, str] | None:
    """The first pair (in ``held`` order: (root, its first record)) of the clusters holding one role address
    that :meth:`Clusters._two_people_on_a_role_address` keeps apart, as (record, record, why), or None.

    Every pair was asked: 4,000 cards of one name listing info@ beside their own address were 8 million
    questions (30,000 cards: minutes). What is asked depends only on a cluster's names and whether it is an
    automated sender (without a config ``different`` rule): the pairs of kinds of holder are asked once, and
    each holder is then paired with the first later holder of a kind kept apart from its own."""
    if cl.diff or len(held) < 3:
        return next(((a, b, why) for x, (ra, a) in enumerate(held) for rb, b in held[x + 1:]
                     if (why := cl.conflict(ra, rb, "role_address")) is not None), None)
    kind_of: dict[tuple[bool, frozenset[NameT] | None], int] = {}
    kinds: list[int] = []  # per holder, its kind
    reps: list[int] = []  # per kind, its first holder's root
    for ra, _ in held:
        names = cl._names(ra)
        key = (cl.auto[ra], frozenset(names) if names else None)
        k = kind_of.setdefault(key, len(kind_of))
        if k == len(reps):
            reps.append(ra)
        kinds.append(k)
    if len(reps) > _MAX_HOLDER_KINDS:
        return next(((a, b, why) for x, (ra, a) in enumerate(held) for rb, b in held[x + 1:]
                     if (why := cl.conflict(ra, rb, "role_address")) is not None), None)
    apart = {(i, j): why for i, j in combinations(range(len(reps)), 2)
             if (why := cl.conflict(reps[i], reps[j], "role_address")) is not None}
    if not apart:
        return None
    at: list[list[int]] = [[] for _ in reps]  # per kind, the positions of its holders (ascending)
    for x, k in enumerate(kinds):
        at[k].append(x)
    for x, k in enumerate(kinds):
        best: tuple[int, str] | None = None
        for j in range(len(reps)):
            why = apart.get((k, j) if k < j else (j, k))
            if why is None:
                continue
            later = at[j]
            y = later[bisect_right(later, x)] if bisect_right(later, x) < len(later) else None
            if y is not None and (best is None or y < best[0]):
                best = (y, why)
        if best is not None:
            return held[x][1], held[best[0]][1], best[1]
    return None


def one_address_one_person(cl: Clusters, keys: pl.DataFrame, edges: list[Edge],
                           near_rows: NearMissRows | None = None, refused_count: dict[str, int] | None = None) -> None:
    """SPEC §5: an address or a LinkedIn URL is one person's, always. ``keys`` (idx, key, role) lists the
    normalised addresses and URLs of every non-owner record, ``role`` true for a role address (team@, info@);
    the clusters that still share one are joined (a person's own address that also sent their newsletter, a
    work address under an English and a native given name), except two people whose cards list the same role
    address (:meth:`Clusters._two_people_on_a_role_address`: the address is then listed in one row only,
    see ``resolve``); those refusals go to ``near_rows`` and ``refused_count``."""
    root_of = pl.Series("root", cl.roots(), dtype=pl.Int64)  # by record position
    keys = keys.filter(pl.col("key").is_duplicated())  # (a key of one record is one cluster's)
    shared = (keys.with_columns(root_of.gather(keys.get_column("idx")))
              .group_by("key").agg(pl.col("idx").sort_by("root", "idx").unique(maintain_order=True),
                                   pl.col("root").n_unique().alias("n"))
              .filter(pl.col("n") > 1).sort("key"))
    role_keys = set(keys.filter(pl.col("role")).get_column("key").to_list())
    for key, idxs, _ in shared.rows():
        if key in role_keys:
            # two people on it: nobody is joined on it (else the address's own mail would go to one of them)
            first: dict[int, int] = {}  # {root: its first record holding the key}
            for i in idxs:
                first.setdefault(cl.find(i), i)
            refusal = _first_role_refusal(cl, list(first.items()))
            if refusal is not None:
                a, b, why = refusal
                if refused_count is not None:
                    refused_count[why] = refused_count.get(why, 0) + 1
                if near_rows is not None:
                    near_rows.append((a, b, f"address={key}", 40.0, why))
                continue
        for j in idxs[1:]:
            if cl.union(idxs[0], j, "address")[0]:
                edges.append((idxs[0], j, "same address (one address, one person)", f"address={key}",
                              40.0, f"both use {key}"))
