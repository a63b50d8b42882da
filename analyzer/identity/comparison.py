"""Comparison: Fellegi–Sunter levels and weights of candidate pairs of units."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from analyzer.identity.features import split_tokens
from analyzer.linkage import LinkageSettings
from analyzer.names import (
    is_generic_company,
    token_prefixes,
)

log = logging.getLogger(__name__)


def _jw(a: list[str], b: list[str]) -> list[float]:
    if not a:
        return []
    return process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=-1).tolist()


def shared_tokens(keys: pl.DataFrame | pl.LazyFrame, left: pl.DataFrame, right: pl.DataFrame, lk: str = "l",
                  rk: str = "r", *, narrowed: dict[tuple[int, int], tuple[pl.DataFrame, pl.DataFrame]] | None = None
                  ) -> pl.LazyFrame:
    """The ``(lk, rk)`` keys whose ``left`` tokens (of ``lk``) and ``right`` tokens (of ``rk``) intersect —
    long tables ``(idx, tok)``; a join (exploding the smaller side), not a list operation. Lazy, so that
    several are computed at once (:func:`polars.collect_all`). ``narrowed``: a memo of the two tables cut to
    the tokens they share, per pair of tables (searched both ways, they are cut once)."""
    k = keys.lazy()
    # only the tokens both sides have can be shared: a cheap filter before the big joins (a unit's many name
    # patterns or company prefixes rarely are anyone's local part or company)
    memo = narrowed if narrowed is not None else {}
    if (id(left), id(right)) in memo:
        left, right = memo[(id(left), id(right))]
    elif (id(right), id(left)) in memo:
        right, left = memo[(id(right), id(left))]
    elif left is not right or left.get_column("tok").null_count():
        # (a table searched against itself keeps every row that has a token)
        key = (id(left), id(right))
        left = left.filter(pl.col("tok").is_in(right.get_column("tok").implode()))
        right = right.filter(pl.col("tok").is_in(left.get_column("tok").implode()))
        memo[key] = (left, right)
    if left.height <= right.height:
        x = k.join(left.lazy().rename({"idx": lk}), on=lk).join(right.lazy().rename({"idx": rk}), on=[rk, "tok"],
                                                                how="semi")
    else:
        x = k.join(right.lazy().rename({"idx": rk}), on=rk).join(left.lazy().rename({"idx": lk}), on=[lk, "tok"],
                                                                 how="semi")
    return x.select(lk, rk).unique()


def cluster_company_tokens(f: pl.DataFrame, comp_tok: pl.DataFrame) -> dict[str, pl.DataFrame]:
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
    # a prefix is only ever searched among the other clusters' whole tokens: the prefixes that are no cluster's
    # token are dropped once here, not at each search (a cluster's tokens may share prefixes: the rows repeat,
    # which the searches ignore)
    prefixes = split_tokens(c.filter(~pl.col("generic")).select("idx", "pre"), "pre", distinct=False)
    prefixes = prefixes.filter(pl.col("tok").is_in(nongeneric.get_column("tok").implode()))
    return {"all": c.select("idx", "tok"), "nongeneric": nongeneric, "prefixes": prefixes,
            "count": c.group_by("idx").len("n_comp").rename({"idx": "comp"})}


#: Pair keys ``l * KEY_BASE + r`` (unit or cluster ids are record positions, far below 2**32): one integer
#: column to test "is this pair among the hits" with ``is_in`` instead of a join per flag.
KEY_BASE = 1 << 32


def pair_key(a: str, b: str) -> pl.Expr:
    """The integer key of the pair of ids in columns ``a`` and ``b`` (see :data:`KEY_BASE`)."""
    return pl.col(a).cast(pl.Int64) * KEY_BASE + pl.col(b).cast(pl.Int64)


@dataclass
class SharedTokenHits:
    """The pairs that share a token, per flag (``keys[flag]``: pair keys of ``(l, r)`` units, or of
    ``(comp_l, comp_r)`` clusters when ``flag in by_comp``), and ``tfw_company`` (comp_l, comp_r, tfw_company:
    the weight of the rarest company token two clusters share) when company token weights are known."""

    keys: dict[str, pl.Series]
    by_comp: set[str]
    tfw_company: pl.DataFrame | None


def _pair_sides(pairs: pl.DataFrame, f: pl.DataFrame) -> pl.DataFrame:
    """(l, r, comp_l, comp_r, app_l, app_r, nameless_l, nameless_r) of the ``pairs`` whose two units are in ``f``
    (``app``: a nameless unit with local parts), read by position in arrays indexed by unit id (the ids are
    record positions): what joining ``f`` twice gives, without hashing every pair twice."""
    idx = f.get_column("idx").to_numpy()
    size = int(idx.max()) + 1 if len(idx) else 0
    present = np.zeros(size, dtype=bool)
    present[idx] = True
    comp = np.zeros(size, dtype=np.int64)
    comp[idx] = f.get_column("comp").to_numpy()
    nameless = np.zeros(size, dtype=bool)
    nameless[idx] = f.get_column("nameless").to_numpy()
    app = np.zeros(size, dtype=bool)
    app[idx] = (f.get_column("nameless") & (f.get_column("n_local") > 0)).to_numpy()
    lv, rv = pairs.get_column("l").to_numpy(), pairs.get_column("r").to_numpy()
    inside = (lv >= 0) & (lv < size) & (rv >= 0) & (rv < size)
    keep = np.zeros(len(lv), dtype=bool)
    keep[inside] = present[lv[inside]] & present[rv[inside]]
    lv, rv = lv[keep], rv[keep]
    return pl.DataFrame({"l": lv, "r": rv, "comp_l": comp[lv], "comp_r": comp[rv], "app_l": app[lv],
                         "app_r": app[rv], "nameless_l": nameless[lv], "nameless_r": nameless[rv]},
                        schema={"l": pairs.schema["l"], "r": pairs.schema["r"], "comp_l": pl.Int64, "comp_r": pl.Int64,
                                "app_l": pl.Boolean, "app_r": pl.Boolean, "nameless_l": pl.Boolean,
                                "nameless_r": pl.Boolean})


def _shared_thread_keys(keys: pl.DataFrame, thread: pl.DataFrame) -> pl.LazyFrame:
    """The pair keys (:func:`pair_key`) of the ``keys`` (l, r) on a small thread together (``thread``: idx, tok):
    the thread table joined with itself (a small thread has at most
    :data:`~analyzer.identity.features.MAX_THREAD_RECORDS` records, so that join stays a few times the table)
    and kept where it is a candidate pair -- cheaper than joining the candidate pairs to the threads of both
    sides."""
    wanted = keys.select(pair_key("l", "r")).to_series()
    t = thread.lazy()
    return t.join(t, on="tok", suffix="_r").select(pair_key("idx", "idx_r").alias("key")) \
        .filter(pl.col("key").is_in(wanted.implode())).unique()


#: the candidate pairs searched for shared tokens together (:func:`shared_token_hits`)
_HIT_CHUNK = 1_000_000


def _chunks(keys: pl.DataFrame) -> list[pl.DataFrame]:
    """``keys`` in slices of at most :data:`_HIT_CHUNK` rows (itself when no more)."""
    if keys.height <= _HIT_CHUNK:
        return [keys]
    return [keys.slice(start, _HIT_CHUNK) for start in range(0, keys.height, _HIT_CHUNK)]


def shared_token_hits(pairs: pl.DataFrame, f: pl.DataFrame, tok: dict[str, pl.DataFrame],
                      ctok: dict[str, pl.DataFrame]) -> SharedTokenHits:
    """Which candidate ``pairs`` (l, r) of units ``f`` share an email, a local part, a work domain, a local
    part ~ name pattern, a work local part ~ first name, a company token or prefix, a small
    thread: one query over all pairs (every token table is hashed once, not once per chunk)."""
    b = _pair_sides(pairs, f)
    keys = b.select("l", "r")
    # the distinct cluster pairs, found as one integer key (one column to hash, not two)
    ck = b.select(pair_key("comp_l", "comp_r").alias("key")).get_column("key").unique()
    ckeys = pl.DataFrame({"comp_l": ck // KEY_BASE, "comp_r": ck % KEY_BASE})
    # a local part ~ name pattern or work local part ~ first name is read only when that side is a nameless
    # address of a unit with local parts and the other side has a name (``app_l``/``app_r`` of the
    # email_name level): the few such pairs are the only ones searched
    keys_lr = b.filter(pl.col("app_l") & ~pl.col("nameless_r")).select("l", "r")
    keys_rl = b.filter(pl.col("app_r") & ~pl.col("nameless_l")).select("l", "r")
    firsts = f.filter(pl.col("first").str.len_chars() >= 3).select("idx", pl.col("first").alias("tok"))
    specs: list[tuple[str, pl.DataFrame, pl.DataFrame, pl.DataFrame | None]] = [
        ("sh_email", tok["email"], tok["email"], keys), ("sh_local", tok["local_long"], tok["local_long"], keys),
        ("sh_domain", tok["work_domain"], tok["work_domain"], keys),
        ("pat_lr", tok["local"], tok["pattern"], keys_lr),
        ("pat_rl", tok["pattern"], tok["local"], keys_rl), ("fo_lr", tok["work_local"], firsts, keys_lr),
        ("fo_rl", firsts, tok["work_local"], keys_rl),
        ("cs2", ctok["nongeneric"], ctok["prefixes"], None), ("cs3", ctok["prefixes"], ctok["nongeneric"], None)]
    narrowed: dict[tuple[int, int], tuple[pl.DataFrame, pl.DataFrame]] = {}  # (the specs search three pairs both ways)
    # each search over at most _HIT_CHUNK pairs at a time: a pair's side joined to its tokens is several rows
    # (a cluster's company tokens and their prefixes: dozens), 4 million pairs of a 100,000-card address book
    # were over 100 million rows at once (peak 2.4 GB)
    queries = [pl.concat([shared_tokens(part, left, right, *(["comp_l", "comp_r"] if k is None else ["l", "r"]),
                                        narrowed=narrowed)
                          .select((pair_key("comp_l", "comp_r") if k is None else pair_key("l", "r")).alias("key"))
                          for part in _chunks(ckeys if k is None else k)], parallel=False)
               for _, left, right, k in specs]
    names = [name for name, *_ in specs]
    if "thread" in tok and tok["thread"].height:
        queries.append(_shared_thread_keys(keys, tok["thread"]))
        names.append("thread")
    # the company tokens two clusters share: the pairs of cs1 and the weight of the rarest of them, one join (per
    # slice of the cluster pairs: their distinct pairs and weights were hashed for 4 million at once, +1 GB)
    boths = [part.lazy().join(ctok["all"].lazy().rename({"idx": "comp_l"}), on="comp_l")
             .join(ctok["all"].lazy().rename({"idx": "comp_r"}), on=["comp_r", "tok"], how="semi").collect()
             for part in _chunks(ckeys)]
    queries.append(pl.concat([both.lazy().select(pair_key("comp_l", "comp_r").alias("key")).unique()
                              for both in boths], parallel=False))
    if "weight" in ctok:  # the weight of the rarest company token the two clusters share
        queries.append(pl.concat([both.lazy().join(ctok["weight"].lazy(), on="tok").group_by("comp_l", "comp_r")
                                  .agg(pl.col("w").max().alias("tfw_company")) for both in boths], parallel=False))
    # the in-memory engine: on these joins the streaming one (polars' default) costs more CPU (this step
    # 47 -> 38 ms on the 100,000-message mailbox); the peak memory of the large profile is the same
    found = pl.collect_all(queries, engine="in-memory")
    names.append("cs1")
    return SharedTokenHits(keys={name: hit.get_column("key") for name, hit in zip(names, found, strict=False)},
                           by_comp={name for name, _, _, k in specs if k is None} | {"cs1"},
                           tfw_company=found[-1] if "weight" in ctok else None)


def compare_pairs(pairs: pl.DataFrame, f: pl.DataFrame, tok: dict[str, pl.DataFrame], ctok: dict[str, pl.DataFrame],
             tf: dict[str, pl.DataFrame], st: LinkageSettings, prior: float, nick_df: pl.DataFrame,
             keep: pl.Expr | None = None) -> pl.DataFrame:
    """Levels, weights and decision for every candidate pair of units ``f`` (name variants of clusters, with
    their long token tables ``tok``; ``ctok`` = company tokens per cluster). The shared tokens of all pairs are
    found at once; the wide per-pair frames are built ``st.compare_chunk_pairs`` pairs at a time (memory).
    ``keep``: a filter on the compared pairs, applied chunk by chunk (the pairs no later step reads are not
    kept: most candidate pairs end far below any threshold)."""
    hits = shared_token_hits(pairs, f, tok, ctok)
    g = f.select("idx", "first", "mi", "last", "suffix", "nameless", "n_email", "n_local", "comp", "last_toks") \
        .join(ctok["count"], on="comp", how="left").with_columns(pl.col("n_comp").fill_null(0))
    pairs = pairs.select("l", "r").hstack(name_similarities(pairs, g)).hstack(_shared_flags(pairs, g, hits))
    chunk = st.compare_chunk_pairs
    out = []
    for i in range(0, max(pairs.height, 1), chunk):
        scored = _compare_chunk(pairs.slice(i, chunk), g, hits, tf, st, prior, nick_df)
        out.append(scored if keep is None else scored.filter(keep))
    return pl.concat(out).with_columns(pl.col(f"lv_{c.name}").cast(pl.String) for c in st.comparisons)


#: every comparison level label: the levels are built as this enum (integer codes, cheap to compare and
#: filter) and cast to strings once the pairs no later step reads are dropped
LEVEL_LABELS = pl.Enum(["null", "exact", "swapped", "nickname", "jw92", "jw88", "initial", "jw70", "else",
                        "token_overlap", "agree", "disagree", "conflict", "other_at_same_domain", "same_local",
                        "pattern", "first", "same", "shared"])


def _level(label: str) -> pl.Expr:
    return pl.lit(label, dtype=LEVEL_LABELS)


#: the Jaro-Winkler similarity from which two names count as the same name written differently (jw92 levels)
#: and two names read the other way round (the swapped levels)
JW_SWAPPED = 0.92


def name_similarities(pairs: pl.DataFrame, g: pl.DataFrame) -> pl.DataFrame:
    """Jaro-Winkler similarities of the names of every pair (l, r) of units ``g`` (idx, first, last), in the
    order of ``pairs``: ``jw_first``, ``jw_last`` (0.0 when a name has fewer than two letters), and ``jw_fl``
    (first_l ~ last_r), ``jw_lf`` (last_l ~ first_r), which only the swapped levels read: they are computed
    for the pairs that can be swapped (four names of two letters or more, not the same two names), ``jw_lf``
    only where ``jw_fl`` reaches :data:`JW_SWAPPED`, and 0.0 elsewhere. Each distinct pair of names is
    compared once over all pairs (names as integer ids)."""
    names = pl.concat([g.get_column("first"), g.get_column("last")]).unique().sort()
    vocab = pl.DataFrame({"name": names, "id": pl.int_range(names.len(), dtype=pl.Int64, eager=True)})
    ids = g.select("idx", "first", "last").join(vocab.rename({"name": "first", "id": "fid"}), on="first") \
        .join(vocab.rename({"name": "last", "id": "lid"}), on="last").select("idx", "fid", "lid")
    pp = _with_sides(pairs.select("l", "r"), ids)
    fl, fr, ll, lr = (pp.get_column(c).to_numpy() for c in ("fid_l", "fid_r", "lid_l", "lid_r"))
    words = names.to_list()
    long_ = names.str.len_chars().to_numpy() > 1
    base = np.int64(names.len())

    def jw(a: np.ndarray, b: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.zeros(len(a), dtype=np.float64)
        rows = rows & long_[a] & long_[b]
        key = pl.Series("key", a[rows] * base + b[rows])
        distinct = key.unique()
        ua, ub = (distinct // base).to_list(), (distinct % base).to_list()
        sims = pl.DataFrame({"key": distinct, "jw": _jw([words[i] for i in ua], [words[i] for i in ub])},
                            schema={"key": pl.Int64, "jw": pl.Float64})
        out[rows] = key.to_frame().join(sims, on="key", how="left", maintain_order="left").get_column("jw") \
            .to_numpy()
        return out

    every = np.ones(len(fl), dtype=bool)
    jw_fl = jw(fl, lr, long_[fl] & long_[fr] & long_[ll] & long_[lr] & ~((fl == fr) & (ll == lr)))
    return pl.DataFrame({"jw_first": jw(fl, fr, every), "jw_last": jw(ll, lr, every), "jw_fl": jw_fl,
                         "jw_lf": jw(ll, fr, jw_fl >= JW_SWAPPED)})


def _shared_flags(pairs: pl.DataFrame, g: pl.DataFrame, hits: SharedTokenHits) -> pl.DataFrame:
    """Per pair (l, r) of units ``g``, in the order of ``pairs``: whether its key is among each flag's ``hits``
    (a boolean column per flag, ``thread`` always) and ``tfw_company`` when known. One pass over all pairs:
    flagged chunk by chunk, every chunk hashed each hit set again, and a hit set grows with the pairs (100,000
    newsletter senders at 5,000 domains: 4 M pairs, 40 chunks, 0.7 s each)."""
    p = _with_sides(pairs.select("l", "r"), g.select("idx", "comp"))
    unit_key, comp_key = pair_key("l", "r"), pair_key("comp_l", "comp_r")
    p = p.with_columns((comp_key if name in hits.by_comp else unit_key).is_in(keys.implode()).alias(name)
                       for name, keys in hits.keys.items())
    if "thread" not in hits.keys:
        p = p.with_columns(pl.lit(False).alias("thread"))
    if hits.tfw_company is not None:
        p = p.join(hits.tfw_company, on=["comp_l", "comp_r"], how="left", maintain_order="left")
    return p.drop("l", "r", "comp_l", "comp_r")


def _with_sides(pairs: pl.DataFrame, g: pl.DataFrame) -> pl.DataFrame:
    """``pairs`` (l, r, ...) with every column of the units ``g`` (one row per ``idx``) for both sides
    (``<col>_l``, ``<col>_r``), the pairs whose two units are in ``g`` only, in the order of ``pairs``: what
    joining ``g`` twice gives, read by position (unit ids are record positions)."""
    idx = g.get_column("idx").to_numpy()
    size = int(idx.max()) + 1 if len(idx) else 0
    row_of = np.full(size, -1, dtype=np.int64)
    row_of[idx] = np.arange(len(idx))
    rows = []
    for side in ("l", "r"):
        v = pairs.get_column(side).to_numpy()
        inside = (v >= 0) & (v < size)
        r = np.full(len(v), -1, dtype=np.int64)
        r[inside] = row_of[v[inside]]
        rows.append(r)
    keep = (rows[0] >= 0) & (rows[1] >= 0)
    if not keep.all():
        pairs = pairs.filter(pl.Series(keep))
        rows = [r[keep] for r in rows]
    cols = [c for c in g.columns if c != "idx"]
    return pl.concat([pairs, *(g.select(pl.col(c).alias(f"{c}_{side}") for c in cols).gather(r)
                               for side, r in zip(("l", "r"), rows, strict=True))], how="horizontal")


def _compare_chunk(pairs: pl.DataFrame, g: pl.DataFrame, hits: SharedTokenHits, tf: dict[str, pl.DataFrame],
                   st: LinkageSettings, prior: float, nick_df: pl.DataFrame) -> pl.DataFrame:
    """:func:`compare_pairs` of one chunk of pairs (``g``: the units' scalar features, ``n_comp`` included)."""
    t0 = time.perf_counter()

    def tick(what: str) -> None:
        log.debug("compare %s: %.2f s", what, time.perf_counter() - t0)

    p = _with_sides(pairs, g)
    tick("pair features")

    # string similarities: computed for all pairs at once (``pairs`` carries them, :func:`name_similarities`)
    fl, fr, ll, lr = pl.col("first_l"), pl.col("first_r"), pl.col("last_l"), pl.col("last_r")
    # what several levels read, computed once (an eager query does not share common subexpressions, and every
    # branch of a when/then chain is evaluated on every row)
    p = p.with_columns(fl.str.len_chars().alias("_flen"), fr.str.len_chars().alias("_frlen"),
                       (fl == fr).alias("_same_first"), (ll == lr).alias("_same_last"))
    flen, frlen, same_first, same_last = pl.col("_flen"), pl.col("_frlen"), pl.col("_same_first"), pl.col("_same_last")
    p = p.join(nick_df.with_columns(pl.lit(True).alias("nick")), on=["first_l", "first_r"], how="left") \
        .with_columns(pl.col("nick").fill_null(False))
    lmin, lmax = pl.min_horizontal(flen, frlen), pl.max_horizontal(flen, frlen)
    clipped = (lmin >= 3) & (lmax >= lmin + 2) & (
        pl.col("first_l").str.starts_with(pl.col("first_r")) | pl.col("first_r").str.starts_with(pl.col("first_l")))
    p = p.with_columns(pl.col("nick") | clipped)  # nat ~ natalie counts as a nickname
    tick("string similarities")

    tick("shared tokens")  # flagged for all pairs at once (:func:`_shared_flags`)
    for col, t in tf.items():  # term-frequency weights of exact names
        p = p.join(t.rename({"value": f"{col}_l", "w": f"tfw_{col}"}), on=f"{col}_l", how="left")

    p = p.with_columns(((flen > 1) & (frlen > 1)).alias("_both_full"))
    both_full = pl.col("_both_full")
    p = p.with_columns((both_full & (ll.str.len_chars() > 1) & (lr.str.len_chars() > 1)
                        & (pl.col("jw_fl") >= JW_SWAPPED) & (pl.col("jw_lf") >= JW_SWAPPED)
                        & ~(same_first & same_last)).alias("_swapped"))
    swapped = pl.col("_swapped")
    first_lv = (
        pl.when((fl == "") | (fr == "")).then(_level("null"))
        .when(both_full & same_first).then(_level("exact"))
        .when(swapped).then(_level("swapped"))
        .when(both_full & pl.col("nick")).then(_level("nickname"))
        .when(both_full & (pl.col("jw_first") >= 0.92)).then(_level("jw92"))
        .when(both_full & (pl.col("jw_first") >= 0.88)).then(_level("jw88"))
        .when(((flen == 1) | (frlen == 1)) & (fl.str.slice(0, 1) == fr.str.slice(0, 1))).then(_level("initial"))
        .when(both_full & (pl.col("jw_first") >= 0.70)).then(_level("jw70"))
        .otherwise(_level("else"))
    )
    # a shared surname token counts when one side's surnames are all in the other's (Smith-Jones ~ Jones,
    # García Lorente ~ García), not when each has one of its own (García López vs García Ruiz: siblings). A
    # unit's surname tokens are its ``last_toks`` (space-separated, never empty tokens): two non-empty token
    # sets, one inside the other, share a token, so no token table is searched; two single tokens nest when
    # they are equal, and only the rows with a compound surname need the list operations
    tks_l, tks_r = pl.col("last_toks_l"), pl.col("last_toks_r")
    tl, tr = tks_l.str.split(" "), tks_r.str.split(" ")
    nested_expr = (tl.list.set_difference(tr).list.len() == 0) | (tr.list.set_difference(tl).list.len() == 0)
    compound = tks_l.str.contains(" ", literal=True) | tks_r.str.contains(" ", literal=True)
    # only the rows that can reach the token_overlap level (surname tokens on both sides, different surnames,
    # no jw92): every other row stops at an earlier level
    can_overlap = (tks_l != "") & (tks_r != "") & (~same_last).fill_null(True) \
        & (pl.col("jw_last") < 0.92).fill_null(True)
    rows = pl.int_range(pl.len(), dtype=pl.Int64)
    cand = p.select(rows.alias("row"), can_overlap.alias("can"), compound.alias("compound"), "last_toks_l",
                    "last_toks_r").filter(pl.col("can"))
    overlapping = pl.concat([cand.filter(~pl.col("compound") & (tks_l == tks_r)).get_column("row"),
                             cand.filter(pl.col("compound")).filter(nested_expr).get_column("row")])
    nested = rows.is_in(overlapping.implode())
    last_lv = (
        pl.when((ll == "") | (lr == "")).then(_level("null"))
        .when(same_last).then(_level("exact"))
        .when(pl.col("jw_last") >= 0.92).then(_level("jw92"))
        .when(swapped).then(_level("swapped"))
        .when(nested).then(_level("token_overlap"))
        .when(pl.col("jw_last") >= 0.88).then(_level("jw88"))
        .when(pl.col("jw_last") >= 0.70).then(_level("jw70"))
        .otherwise(_level("else"))
    )
    mi_lv = (pl.when((pl.col("mi_l") == "") | (pl.col("mi_r") == "")).then(_level("null"))
             .when(pl.col("mi_l") == pl.col("mi_r")).then(_level("agree")).otherwise(_level("disagree")))
    sfx_lv = (pl.when((pl.col("suffix_l") != "") & (pl.col("suffix_r") != "")
                      & (pl.col("suffix_l") != pl.col("suffix_r"))).then(_level("conflict")).otherwise(_level("null")))
    email_lv = (pl.when((pl.col("n_email_l") == 0) | (pl.col("n_email_r") == 0)).then(_level("null"))
                .when(pl.col("sh_email")).then(_level("exact"))
                .when(pl.col("sh_domain")).then(_level("other_at_same_domain"))
                .when(pl.col("sh_local")).then(_level("same_local"))
                .otherwise(_level("else")))
    app_l = pl.col("nameless_l") & (pl.col("n_local_l") > 0) & ~pl.col("nameless_r")
    app_r = pl.col("nameless_r") & (pl.col("n_local_r") > 0) & ~pl.col("nameless_l")
    email_name_lv = (pl.when((~app_l & ~app_r) | pl.col("lv_email").is_in(["exact", "same_local"]))
                     .then(_level("null"))
                     .when((app_l & pl.col("pat_lr")) | (app_r & pl.col("pat_rl"))).then(_level("pattern"))
                     .when((app_l & pl.col("fo_lr")) | (app_r & pl.col("fo_rl"))).then(_level("first"))
                     .otherwise(_level("else")))
    comp_lv = (pl.when((pl.col("n_comp_l") == 0) | (pl.col("n_comp_r") == 0)).then(_level("null"))
               .when(pl.col("cs1") | pl.col("cs2") | pl.col("cs3")).then(_level("same")).otherwise(_level("else")))
    thread_lv = pl.when(pl.col("thread")).then(_level("shared")).otherwise(_level("null"))
    tick("term frequencies")
    p = p.with_columns(first_lv.alias("lv_first_name"), last_lv.alias("lv_last_name"),
                       mi_lv.alias("lv_middle_initial"), sfx_lv.alias("lv_suffix"), email_lv.alias("lv_email"),
                       comp_lv.alias("lv_company"), thread_lv.alias("lv_thread")) \
        .with_columns(email_name_lv.alias("lv_email_name"))

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
           "company": "tfw_company" if hits.tfw_company is not None else None}
    p = p.with_columns([wexpr(c.name, tfc.get(c.name)) for c in st.comparisons])
    wnames = [f"w_{c.name}" for c in st.comparisons]
    corro = pl.lit(not st.require_corroboration)
    for rule in st.corroboration:
        comp, _, label = rule.partition("=")
        corro = corro | (pl.col(f"lv_{comp}") == label)
    p = p.with_columns((pl.lit(prior) + pl.sum_horizontal(wnames)).alias("match_weight"), corro.alias("corroborated"))
    p = decide(p, st)
    tick("levels and weights")
    return p.select("l", "r", "match_weight", "corroborated", "above", "accept",
                    *[f"lv_{c.name}" for c in st.comparisons],
                    *([f"w_{c.name}" for c in st.comparisons] if st.m_estimation == "em" else []))


def decide(p: pl.DataFrame, st: LinkageSettings) -> pl.DataFrame:
    """``above`` (the weight reaches the merge threshold) and ``accept`` (above, corroborated, no suffix
    conflict) from ``match_weight``, ``corroborated`` and ``lv_suffix``."""
    return p.with_columns((pl.col("match_weight") >= st.threshold_weight).alias("above")) \
        .with_columns((pl.col("above") & pl.col("corroborated") & (pl.col("lv_suffix") != "conflict")).alias("accept"))
