"""Decision and clustering: union-find with cannot-link rules (contradictions keep records apart) and the
name-based merge decisions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import polars as pl
from rapidfuzz.distance import JaroWinkler

from analyzer.identity.explanations import levels_text
from analyzer.linkage import LinkageSettings, weight_for_probability
from analyzer.names import (
    Nicknames,
    is_short_form,
)


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


class Clusters:
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


def unique_name_merges(scored: pl.DataFrame, cl: Clusters, st: LinkageSettings,
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
    cand = cand.with_columns(levels_text(cand, st))
    for l_, r_, w, lv in cand.select("l", "r", "match_weight", "levels").iter_rows():
        ok, why = cl.union(l_, r_, "probabilistic")
        if ok:
            edges.append((l_, r_, "probabilistic (unambiguous name)", lv or "", round(w, 3)))
        elif why is not None:
            refused_count[why] = refused_count.get(why, 0) + 1
