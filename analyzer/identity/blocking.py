"""Blocking: comparison units and the union of equi-join blocking rules (never all pairs)."""

from __future__ import annotations

import logging
from typing import Any

import polars as pl

log = logging.getLogger(__name__)


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


def _asym_join(left: pl.DataFrame, right: pl.DataFrame, cap: int, distinct: bool = False) -> tuple[pl.DataFrame, int,
                                                                                                    int]:
    """Pairs of records whose ``key`` values meet across two key sets (e.g. name ~ nicknames of a name).
    ``distinct``: the rows of each side are known to be distinct (not made so again)."""
    if not distinct:
        left, right = left.unique(), right.unique()
    # a block (the records of a key on either side) is over the cap only if its two sides' counts add up to more
    # than the cap: only those keys are counted exactly
    counts = left.group_by("key").len("n_l").join(right.group_by("key").len("n_r"), on="key", how="full",
                                                  coalesce=True)
    maybe = counts.filter(pl.col("n_l").fill_null(0) + pl.col("n_r").fill_null(0) > cap).select("key")
    sizes = pl.concat([left.join(maybe, on="key", how="semi"), right.join(maybe, on="key", how="semi")]) \
        .unique().group_by("key").len()
    big = sizes.filter(pl.col("len") > cap)
    if big.height:
        left = left.join(big.select("key"), on="key", how="anti")
        right = right.join(big.select("key"), on="key", how="anti")
    pairs = (left.join(right, on="key", suffix="_r")
             .filter(pl.col("idx") != pl.col("idx_r"))
             .select(pl.min_horizontal("idx", "idx_r").alias("l"), pl.max_horizontal("idx", "idx_r").alias("r")))
    return pairs, big.height, int(big.get_column("len").sum() or 0)


def candidate_pairs(f: pl.DataFrame, tok: dict[str, pl.DataFrame], comp_tok: pl.DataFrame, nick_df: pl.DataFrame,
                    cap: int, budget: int | None = None) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The union of the blocking rules over the units ``f``, blocks of more than ``cap`` units skipped; returns
    (unique pairs, stats per rule). ``comp_tok``: (idx = cluster id, tok) company tokens of each cluster.

    ``budget``: at most this many pairs. Over it, the cap is halved until they fit (a hostile or
    machine-made address book, thousands of cards of one name: blocks just under the cap made millions of
    pairs, and gigabytes); each rule's stats then say the ``block_size_cap`` used. A cap whose pairs are
    certainly over the budget (one rule alone makes more, counted from its block sizes) is halved without
    making them: 100,000 newsletter senders of a thousand names made 4 M pairs three times over, then 16 M."""
    first_cap = cap
    name_keys = _name_keys(f) if budget is not None else {}
    while True:
        least = _least_pairs(name_keys, cap) if budget is not None and cap > 2 else 0
        if budget is not None and least > budget:
            log.warning("identity blocking: at least %d candidate pairs, over the budget of %d: blocks of more "
                        "than %d records skipped", least, budget, cap // 2)
            cap //= 2
            continue
        pairs, stats = _candidate_pairs(f, tok, comp_tok, nick_df, cap, name_keys or None)
        if budget is None or pairs.height <= budget or cap <= 2:
            break
        log.warning("identity blocking: %d candidate pairs, over the budget of %d: blocks of more than %d "
                    "records skipped", pairs.height, budget, cap // 2)
        cap //= 2
    if cap != first_cap:
        for rule in stats.values():
            rule["block_size_cap"] = cap
    return pairs, stats


def _name_keys(f: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """(idx, key) of the blocking rules on names alone, one key per unit: within such a rule every pair of a
    block is made once, so its pair count (:func:`_least_pairs`) is exact and a lower bound of the union."""
    first, last = pl.col("first"), pl.col("last")
    has_first, has_last = first.str.len_chars() > 1, last.str.len_chars() > 1
    return {
        "last_name+first_initial": f.filter(has_last & (first != "")).select(
            "idx", pl.concat_str(last, pl.lit("|"), first.str.slice(0, 1)).alias("key")).unique(),
        "first_name+last_initial": f.filter(has_first & (last != "")).select(
            "idx", pl.concat_str(first, pl.lit("|"), last.str.slice(0, 1)).alias("key")).unique(),
        "sorted_name": f.filter(has_first & has_last).select(
            "idx", pl.concat_str(pl.min_horizontal(first, last), pl.lit("|"), pl.max_horizontal(first, last))
            .alias("key")).unique(),
    }


def _least_pairs(name_keys: dict[str, pl.DataFrame], cap: int) -> int:
    """At least this many unique candidate pairs with blocks of at most ``cap`` units: the most that one rule of
    ``name_keys`` makes (k (k - 1) / 2 per block of k), counted without making them."""
    most = 0
    for keys in name_keys.values():
        k = keys.group_by("key").len().get_column("len").cast(pl.Int64)
        k = k.filter(k <= cap)
        most = max(most, int((k * (k - 1) // 2).sum() or 0))
    return most


def _candidate_pairs(f: pl.DataFrame, tok: dict[str, pl.DataFrame], comp_tok: pl.DataFrame, nick_df: pl.DataFrame,
                     cap: int, name_keys: dict[str, pl.DataFrame] | None = None) -> tuple[pl.DataFrame, dict[str, Any]]:
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
    nk = name_keys if name_keys is not None else _name_keys(f)
    add("last_name+first_initial", _self_join(nk["last_name+first_initial"], cap))
    add("last_name (no first name)", _asym_join(
        f.filter(has_last & (first == "")).select("idx", last.alias("key")),
        f.filter(has_last & (first != "")).select("idx", last.alias("key")), cap))
    add("first_name+last_initial", _self_join(nk["first_name+last_initial"], cap))
    base = f.filter(has_first & (last != "")).select("idx", "first", l0.alias("l0"))
    right = base.join(nick_df.rename({"first_l": "first", "first_r": "nick"}), on="first") \
        .select("idx", pl.concat_str("nick", pl.lit("|"), "l0").alias("key"))
    left = base.select("idx", pl.concat_str("first", pl.lit("|"), "l0").alias("key"))
    add("nickname+last_initial", _asym_join(left, right, cap))
    add("sorted_name", _self_join(nk["sorted_name"], cap))
    add("company+first_name", _self_join(
        f.filter(has_first).select("idx", "comp", "first")
        .join(comp_tok.rename({"idx": "comp"}), on="comp")
        .select("idx", pl.concat_str("tok", pl.lit("|"), "first").alias("key")), cap))
    loc = tok["local"].join(ids, on="idx").filter(pl.col("tok").str.len_chars() >= 3).rename({"tok": "key"})
    pat = tok["pattern"].join(ids, on="idx").rename({"tok": "key"})
    add("email_local~name", _asym_join(loc, pat, cap, distinct=True))  # unit token tables: distinct rows

    stats: dict[str, Any] = {}
    for name, p in rules.items():
        stats[name] = {"pairs": p.height, "blocks_skipped": skipped[name][0],
                       "records_in_skipped_blocks": skipped[name][1]}
        if skipped[name][0]:
            log.info("identity blocking %s: skipped %d blocks over the size cap (%d records)", name,
                     skipped[name][0], skipped[name][1])
    # unique and sorted by (l, r) as one integer key (l * 2**32 + r): one column to hash and sort, not two
    key_base = 1 << 32
    key = pl.concat([p.select((pl.col("l").cast(pl.Int64) * key_base + pl.col("r").cast(pl.Int64)).alias("key"))
                     for p in rules.values()]).get_column("key").unique().sort()
    allp = pl.DataFrame({"l": key // key_base, "r": key % key_base})
    return allp, stats


#: the token tables that blocking and the comparison of units read: :func:`comparison_units` re-keys only these
UNIT_TOKENS = ("email", "local", "local_long", "work_domain", "work_local", "pattern", "thread")


def useful_patterns(pattern: pl.DataFrame, local: pl.DataFrame, cap: int) -> pl.DataFrame:
    """The rows of ``pattern`` (idx, tok = a local part spelling the record's name) that blocking and comparison
    can read: a pattern is only ever matched against local parts (``local``: idx, tok), so the patterns no
    address has are dropped — except those carried by more than ``cap`` records, which the email_local~name
    rule counts as skipped blocks. Most of the table (five spellings of every name, and their nicknames')."""
    return pattern.filter(pl.col("tok").is_in(local.get_column("tok").unique().implode())
                          | (pl.len().over("tok") > cap))


def comparison_units(humans: pl.DataFrame, tok: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Collapse the human records into comparison units: one per (deterministic cluster, name variant), its
    ``idx`` the smallest record of the unit; token tables are re-keyed to the units (union of their records).
    Records of one person repeated across sources are then compared once; a cluster's nameless records go with
    its first named unit. Only the tables of :data:`UNIT_TOKENS` are re-keyed (and returned)."""
    key = ["comp", "first", "mi", "last", "suffix", "last_toks"]
    umap = humans.select("idx", *key).join(
        humans.group_by(key).agg(pl.col("idx").min().alias("uidx")), on=key, nulls_equal=True).select("idx", "uidx")
    # the nameless records of a cluster that has a name join its first named unit: "bjornb5581@" of Björn
    # Bianchi's cluster is compared as Björn Bianchi, never as a nameless address fitting Björn Barker
    named = humans.filter(~pl.col("nameless")).group_by("comp").agg(pl.col("idx").min().alias("named_uidx"))
    umap = umap.join(humans.select("idx", "comp", "nameless"), on="idx").join(named, on="comp", how="left") \
        .select("idx", pl.when(pl.col("nameless") & pl.col("named_uidx").is_not_null()).then(pl.col("named_uidx"))
                .otherwise(pl.col("uidx")).alias("uidx"))
    names = [k for k in tok if k in UNIT_TOKENS]  # the token tables read later, re-keyed in one parallel query
    # (by the in-memory engine: the streaming one, polars' default, costs more CPU on these small joins)
    utok = dict(zip(names, pl.collect_all([tok[k].lazy().join(umap.lazy(), on="idx")
                                           .select(pl.col("uidx").alias("idx"), "tok").unique() for k in names],
                                          engine="in-memory"),
                    strict=True))
    units = humans.join(umap, on="idx").filter(pl.col("idx") == pl.col("uidx")) \
        .select("idx", *key, "nameless", "from_email")
    for name, col in (("email", "n_email"), ("local", "n_local")):
        units = units.join(utok[name].group_by("idx").len(col), on="idx", how="left")
    units = units.with_columns(pl.col("n_email").fill_null(0).cast(pl.Int64),
                               pl.col("n_local").fill_null(0).cast(pl.Int64)).sort("idx")
    return units, utok
