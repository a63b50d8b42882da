"""Estimation from the run's own records: u of the company and thread levels by random sampling, m by EM
(opt-in)."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import polars as pl

from analyzer.identity.comparison import decide
from analyzer.linkage import LinkageSettings


def _random_pairs(values: np.ndarray, st: LinkageSettings) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``u_estimation.max_pairs`` random pairs drawn from ``values`` (deterministic seed; a pair may
    repeat or pair a value with itself -- callers filter)."""
    n = len(values)
    rng = np.random.default_rng(st.u_estimation.seed)
    k = min(st.u_estimation.max_pairs, n * (n - 1) // 2)
    return values[rng.integers(0, n, k)], values[rng.integers(0, n, k)]


def estimate_company_u(units: pl.DataFrame, ctok: dict[str, pl.DataFrame],
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
    n_same = _pairs_sharing_a_company_token(keys, ctok)
    lo = st.u_estimation.min_u
    u_same = min(max(n_same / keys.height, lo), 1.0 - lo)  # everyone at one employer: no information
    st = _with_u(st, "company", {"same": u_same, "else": 1.0 - u_same})
    comp = st.comparison("company")
    info.update({"u_same": round(u_same, 6), "weight_same": comp.level("same").weight,
                 "weight_else": comp.level("else").weight})
    return st, info


def _pairs_sharing_a_company_token(keys: pl.DataFrame, ctok: dict[str, pl.DataFrame]) -> int:
    """How many rows (comp_l, comp_r) of ``keys`` (repeats counted) share a company token, or a non-generic
    token is the other's prefix (what :func:`~analyzer.identity.comparison.shared_tokens` finds for the
    company levels). The tokens are numbered once, so that "does comp_r carry this token" is one integer
    ``is_in``, not a join on two columns of the random pairs."""
    toks = pl.concat([ctok[k].get_column("tok") for k in ("all", "nongeneric", "prefixes")]).unique()
    ids = pl.DataFrame({"tok": toks, "tid": pl.int_range(toks.len(), dtype=pl.Int64, eager=True)})
    coded = {k: ctok[k].join(ids, on="tok").select("idx", "tid") for k in ("all", "nongeneric", "prefixes")}
    base = toks.len() + 1
    rows = keys.lazy().with_row_index("row")
    hits = []
    for lt, rt in (("all", "all"), ("nongeneric", "prefixes"), ("prefixes", "nongeneric")):
        left, right = coded[lt], coded[rt]
        # only the tokens the right side has can be shared (a cheap filter before the join of the pairs)
        left = left.filter(pl.col("tid").is_in(right.get_column("tid").implode()))
        right_keys = right.select(pl.col("idx") * base + pl.col("tid")).to_series()
        hits.append(rows.join(left.lazy().rename({"idx": "comp_l"}), on="comp_l")
                    .filter((pl.col("comp_r") * base + pl.col("tid")).is_in(right_keys.implode())).select("row"))
    return pl.concat(hits).unique().collect(engine="in-memory").height  # (less CPU than streaming here)


def company_token_weights(ctok: dict[str, pl.DataFrame], st: LinkageSettings) -> pl.DataFrame | None:
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


def random_unit_pairs(units: pl.DataFrame, st: LinkageSettings) -> pl.DataFrame:
    """Up to ``u_estimation.max_pairs`` random pairs (l, r) of distinct units (deterministic seed)."""
    a, b = _random_pairs(units.get_column("idx").to_numpy(), st)
    return pl.DataFrame({"l": np.minimum(a, b), "r": np.maximum(a, b)}, schema={"l": pl.Int64, "r": pl.Int64}) \
        .filter(pl.col("l") != pl.col("r")).unique(maintain_order=True)


def _level_weights(c: str, w: dict[str, float]) -> pl.Expr:
    return pl.col(f"lv_{c}").replace_strict(w, default=0.0, return_dtype=pl.Float64)


def estimate_m_by_em(scored: pl.DataFrame, random_scored: pl.DataFrame, st: LinkageSettings, prior: float,
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
        counts = dict(random_scored.filter(pl.col(f"lv_{c}") != "null").group_by(f"lv_{c}").len().rows())
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
                           .agg(pl.col("p").sum()).rows())
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
    scored = decide(scored.with_columns(pl.Series("match_weight", prior + evidence, dtype=pl.Float64)), st)
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


def estimate_thread_u(units: pl.DataFrame, thread_tok: pl.DataFrame,
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
