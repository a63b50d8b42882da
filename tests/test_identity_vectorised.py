"""The vectorised helpers of identity resolution give what the plain Python they replaced gives: connected
components (numpy) against a dict union-find, roots by pointer jumping against find(), shared-token hits
(one query, integer pair keys) against a per-pair set intersection, blocking's integer-key unique/sort."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analyzer.identity.blocking import candidate_pairs
from analyzer.identity.comparison import KEY_BASE, pair_key, shared_tokens
from analyzer.identity.decision import Clusters, min_label_components


def _python_components(edges: list[tuple[int, int]]) -> dict[int, int]:
    """The dict union-find that rare_name_merges used: the larger root hangs under the smaller one."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in list(parent)}


@pytest.mark.parametrize("edges", [
    [],
    [(5, 5)],
    [(3, 9)],
    [(9, 3), (3, 1)],
    [(10, 20), (30, 40), (40, 20)],  # two chains that meet late
    [(i, i + 1) for i in range(0, 50)],  # a long path
    [(i + 1, i) for i in range(50, 0, -1)],  # the same path given from its far end
    [(7, 100), (100, 2), (55, 56), (56, 57), (57, 7), (300, 301)],
])
def test_min_label_components_is_the_union_find(edges: list[tuple[int, int]]) -> None:
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    nodes, labels = min_label_components(a, b)
    assert dict(zip(nodes.tolist(), labels.tolist(), strict=True)) == _python_components(edges)
    assert nodes.tolist() == sorted(nodes.tolist())


def test_min_label_components_random_graphs() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        a = rng.integers(0, 300, 200)
        b = rng.integers(0, 300, 200)
        nodes, labels = min_label_components(a, b)
        expected = _python_components(list(zip(a.tolist(), b.tolist(), strict=True)))
        assert dict(zip(nodes.tolist(), labels.tolist(), strict=True)) == expected


def _clusters(n: int) -> Clusters:
    f = pl.DataFrame({"is_auto": [False] * n, "first": ["ann"] * n, "last": ["lee"] * n, "last_toks": ["lee"] * n,
                      "linkedin_url": [None] * n, "suffix": [""] * n, "conn_file": [None] * n},
                     schema={"is_auto": pl.Boolean, "first": pl.String, "last": pl.String, "last_toks": pl.String,
                             "linkedin_url": pl.String, "suffix": pl.String, "conn_file": pl.String})
    return Clusters(f, {})


def test_roots_are_what_find_answers() -> None:
    cl = _clusters(12)
    cl.parent = [0, 0, 1, 2, 3, 5, 5, 6, 7, 9, 9, 10]  # chains of several hops, as unions leave them
    expected = [0, 0, 0, 0, 0, 5, 5, 5, 5, 9, 9, 9]
    assert cl.roots() == expected
    assert [cl.find(i) for i in range(12)] == expected


def test_union_merges_the_sets_of_both_roots() -> None:
    f = pl.DataFrame({"is_auto": [False] * 4, "first": ["ann", "ann", "ann", "bob"], "last": ["lee"] * 4,
                      "last_toks": ["lee"] * 4, "linkedin_url": ["u1", None, None, None], "suffix": ["", "", "jr", ""],
                      "conn_file": [None, "c.csv", None, None]})
    cl = Clusters(f, {})
    assert cl.union(1, 0, "email") == (True, None)
    assert cl.union(2, 1, "email") == (True, None)
    assert cl._get("urls", 0) == {"u1"}
    assert cl._get("conn", 0) == {"c.csv"}
    assert cl._get("suffixes", 0) == {"jr"}
    assert cl._get("names", 0) == {("ann", "lee", ("lee",))}
    assert cl.union(3, 0, "probabilistic") == (False, "different first names in one cluster")
    assert cl.roots() == [0, 0, 0, 3]


def test_shared_tokens_and_pair_keys_against_set_intersection() -> None:
    left = pl.DataFrame({"idx": [1, 1, 2, 3, 4], "tok": ["a", "b", "c", "a", "z"]})
    right = pl.DataFrame({"idx": [5, 6, 6, 7, 8], "tok": ["b", "c", "a", "x", "z"]})
    keys = pl.DataFrame({"l": [1, 1, 2, 3, 3, 4, 2], "r": [5, 6, 6, 6, 7, 8, 5]})
    toks_l = {i: set(left.filter(pl.col("idx") == i).get_column("tok")) for i in (1, 2, 3, 4)}
    toks_r = {i: set(right.filter(pl.col("idx") == i).get_column("tok")) for i in (5, 6, 7, 8)}
    expected = {(a, b) for a, b in keys.iter_rows() if toks_l[a] & toks_r[b]}
    hits = shared_tokens(keys, left, right).collect()
    assert set(hits.iter_rows()) == expected == {(1, 5), (1, 6), (2, 6), (3, 6), (4, 8)}
    coded = hits.select(pair_key("l", "r").alias("k")).get_column("k").to_list()
    assert sorted(coded) == sorted(a * KEY_BASE + b for a, b in expected)


def test_candidate_pairs_are_unique_and_sorted() -> None:
    units = pl.DataFrame({"idx": [0, 1, 2, 3, 4], "first": ["ann", "ann", "anne", "bob", "ann"],
                          "last": ["lee", "lee", "lee", "lee", "li"], "comp": [0, 1, 2, 3, 4]})
    tok = {"local": pl.DataFrame(schema={"idx": pl.Int64, "tok": pl.String}),
           "pattern": pl.DataFrame(schema={"idx": pl.Int64, "tok": pl.String})}
    nick = pl.DataFrame({"first_l": ["ann", "anne"], "first_r": ["anne", "ann"]})
    pairs, stats = candidate_pairs(units, tok, pl.DataFrame(schema={"idx": pl.Int64, "tok": pl.String}), nick, 500)
    assert pairs.schema == pl.Schema({"l": pl.Int64, "r": pl.Int64})
    got = list(pairs.iter_rows())
    assert got == sorted(set(got))
    assert (0, 1) in got and (0, 2) in got and (0, 4) in got  # surname, nickname, first name + initial
    assert stats["last_name+first_initial"]["pairs"] >= 1


def _one_name_block(n: int) -> tuple[pl.DataFrame, dict[str, pl.DataFrame], pl.DataFrame, pl.DataFrame]:
    """``n`` units of one name (john smith) and two of another (ann lee), without address tokens, nicknames or
    companies: (units, tokens, nicknames, company tokens) for :func:`candidate_pairs`."""
    units = pl.DataFrame({"idx": list(range(n + 2)), "first": ["john"] * n + ["ann", "ann"],
                          "last": ["smith"] * n + ["lee", "lee"], "comp": list(range(n + 2))})
    tok = {"local": pl.DataFrame(schema={"idx": pl.Int64, "tok": pl.String}),
           "pattern": pl.DataFrame(schema={"idx": pl.Int64, "tok": pl.String})}
    nick = pl.DataFrame(schema={"first_l": pl.String, "first_r": pl.String})
    return units, tok, nick, pl.DataFrame(schema={"idx": pl.Int64, "tok": pl.String})


def test_candidate_pairs_over_the_budget_halve_the_block_cap() -> None:
    """Twelve units of one name (66 pairs) and two others of another name (1 pair): within a budget of 66 the
    pairs are as without one; with a budget of 10 the cap halves (12 -> 6) until the one-name block is skipped,
    and the small one's pair is kept."""
    n = 12
    units, tok, nick, no_comp = _one_name_block(n)
    pairs, stats = candidate_pairs(units, tok, no_comp, nick, 12, budget=67)
    assert pairs.height == 66 + 1 and "block_size_cap" not in stats["sorted_name"]
    pairs, stats = candidate_pairs(units, tok, no_comp, nick, 12, budget=10)
    assert list(pairs.iter_rows()) == [(n, n + 1)]
    assert stats["sorted_name"]["block_size_cap"] == 6 and stats["sorted_name"]["blocks_skipped"] == 1


def test_candidate_pairs_certainly_over_the_budget_are_not_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cap at which one name rule alone makes more pairs than the budget (counted from its block sizes) is
    halved without making the pairs: 100,000 newsletter senders of a thousand names made 4 M pairs three
    times over (18 s, 1 GB; 200,000 ran out of memory). Same pairs and stats as before, one round of joins."""
    from analyzer.identity import blocking
    calls: list[int] = []
    real = blocking._candidate_pairs

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args[4])  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(blocking, "_candidate_pairs", counting)
    n = 12
    units, tok, nick, no_comp = _one_name_block(n)
    pairs, stats = candidate_pairs(units, tok, no_comp, nick, 12, budget=10)
    assert list(pairs.iter_rows()) == [(n, n + 1)]
    assert stats["sorted_name"]["block_size_cap"] == 6 and stats["sorted_name"]["blocks_skipped"] == 1
    assert calls == [6]  # the 66 pairs of cap 12 were never made
