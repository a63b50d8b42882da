"""The vectorised address parsing and address hints of the mbox reader equal the Python functions
(``parse_addresses``, ``_header_addresses``, ``address_hint``) on every value, and take the common shapes."""

from __future__ import annotations

import random
import re

import polars as pl
import pytest

from analyzer.ingest.mail.addresses import (
    _fast_single_address,
    _header_addresses,
    parse_addresses,
    single_addresses,
)
from analyzer.ingest.mail.classify import (
    _BULK_SUBDOMAINS,
    _MACHINE_TOKENS,
    _NOREPLY_EXACT,
    _NOREPLY_PARTS,
    _PLATFORM_DOMAINS,
    _PLATFORM_PARENTS,
    address_hint,
    address_hints,
)
from analyzer.normalize import clean_email

# (value, what parse_addresses gives) for the shapes the vectorised path reads, and some it must leave alone.
TABLE = [
    ("Alice <A@X.org>", (("a@x.org", "Alice"),)),
    ('"Smith, Jane" <jane@y.org>', (("jane@y.org", "Smith, Jane"),)),
    ("<bob@x.org>", (("bob@x.org", None),)),
    ("bob@x.org", (("bob@x.org", None),)),
    ("  Bob   Smith   <bob@x.org>  ", (("bob@x.org", "Bob   Smith"),)),
    ("'Bob' <bob@x.org>", (("bob@x.org", "Bob"),)),
    ('"" <bob@x.org>', (("bob@x.org", None),)),
    ('"  " <bob@x.org>', (("bob@x.org", None),)),
    ("bob@x.org <bob@x.org>", (("bob@x.org", None),)),
    # an unquoted name that is another address, or holds brackets: the address is the one in angle brackets (the
    # first was bob@x.org, the sender of alice's mail), and a name that is an address is no name
    ("bob@x.org <alice@y.org>", (("alice@y.org", None),)),
    ('"carol@z.org" <dave@w.org>', (("dave@w.org", None),)),
    ("Alan Turing [ACME] <at@acme.com>", (("at@acme.com", "Alan Turing [ACME]"),)),
    ("bob@x.org <alice@y.org>, Carl <c@x.org>", (("alice@y.org", None), ("c@x.org", "Carl"))),
    # encoded words whose bytes their charset cannot read: as UTF-8, else Windows-1252 (they were shown raw, or
    # with a blank for the letter)
    ("=?utf-8?Q?Ren=E9_Roy?= <rr@x.org>", (("rr@x.org", "René Roy"),)),
    ("=?us-ascii?Q?Zo=EB_Kay?= <zk@x.org>", (("zk@x.org", "Zoë Kay"),)),
    ("=?x-unknown?Q?Ana_L=F3pez?= <al@x.org>", (("al@x.org", "Ana López"),)),
    ("=?unknown-8bit?Q?Ren=C3=A9e_Fox?= <rf@x.org>", (("rf@x.org", "Renée Fox"),)),
    ("=?utf-8?Q?Ida?= =?x-bad?Q?J=F6rgensen?= <ij@x.org>", (("ij@x.org", "Ida Jörgensen"),)),
    ('"BOB@X.ORG" <bob@x.org>', (("bob@x.org", None),)),
    ("<mailto:Bob@X.org>", (("bob@x.org", None),)),
    ("MailTo:bob@x.org.", (("bob@x.org", None),)),
    ("<.bob@x.org.>", (("bob@x.org", None),)),
    ("José Müller <jose@x.org>", (("jose@x.org", "José Müller"),)),
    ("Bob via Hiking <list@x.org>", (("list@x.org", "Bob via Hiking"),)),
    # Google Groups' rewritten sender: the quotes around the poster's name go (it was "Jane Doe' via Team")
    ("\"'Jane Doe' via Team\" <team@googlegroups.com>", (("team@googlegroups.com", "Jane Doe via Team"),)),
    ("'Jane Doe' via Team <team@googlegroups.com>", (("team@googlegroups.com", "Jane Doe via Team"),)),
    ("=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <j@x.de>", (("j@x.de", "Jürgen Müller"),)),
    ("a@x.org; b@y.org", (("a@x.org", None), ("b@y.org", None))),
    ("Smith, John <j@x.com>", (("j@x.com", "Smith, John"),)),
    ("undisclosed-recipients:;", ()),
    ("bob@x.org (Bob)", (("bob@x.org", "Bob"),)),
    ("bob", ()),
    ("<bob@localhost>", ()),
    ("a@b@c.org", ()),
    ('"A \\"B\\" C" <abc@x.org>', (("abc@x.org", 'A "B" C'),)),
    ("Bob\t<bob@x.org>", (("bob@x.org", "Bob"),)),
]


@pytest.mark.parametrize(("value", "expected"), TABLE)
def test_table(value: str, expected: tuple[tuple[str, str | None], ...]) -> None:
    assert parse_addresses(value) == expected
    got = single_addresses(pl.Series([value])).row(0)
    assert got == ((*expected[0], len(expected)) if expected else (None, None, 0))


def test_common_shapes_are_vectorised() -> None:
    values = ["Alice <a@x.org>", '"Smith, Jane" <jane@y.org>', "<bob@x.org>", "bob@x.org", "José <j@x.org>",
              "<MAILTO:a@x.org>", "=?UTF-8?Q?Jos=C3=A9?= <j@x.org>", '"=?utf-8?B?SsO8cmdlbg==?=" <j@x.org>']
    assert _fast_single_address(pl.Series(values)).get_column("ok").all()
    rare = ["=?UTF-8?Q?Jos=C3=A9?= X <j@x.org>", "=?iso-8859-1?q?Jos=E9?= <j@x.org>", "=?UTF-8?Q?=FF?= <j@x.org>",
            "A\\B <a@x.org>", "a@x.org; b@x.org", "Bob\t<b@x.org>", "Bob <bob@localhost>", "Bob (x) <b@x.org>"]
    assert not _fast_single_address(pl.Series(rare)).get_column("ok").any()


_NAMES = ["Bob", "Bob Smith", "Smith, Bob", "José", "O'Brien", "=?UTF-8?Q?Jos=C3=A9_M?=", "=?utf-8?b?SsO8cmdlbg==?=",
          "=?UTF-8?B?Ym9iQHgub3Jn?=", "Bob via Group", "Bob (via x)", "=?bad?", "=?UTF-8?Q?=FF?=", "=?UTF-8?Q?=22B=22?=",
          "=?UTF-8?Q?a=09b?=", "=?UTF-8?B?4oCL?=", "=?UTF-8?Q?=E2=80=A8?=", "=?UTF-8?q?=c3=a9_?=", "=?UTF-8?B?SsO8cmdlbh==?=",
          "=?UTF-8?B?SsO8cmdlbg?=", "=?UTF-8?B??=", "=?UTF-8?Q?a=3Fb?=", "=?UTF-8?Q?a?b?=", "=?UTF-8?Q?a=?=",
          "=?UTF-8?B?IiBCb2IgJw==?=", "=?utf-8?Q?A=2C_B?=", "=?UTF-8?B?w4FsdmFyZXosIEtlbmRhbGw=?=", "=?ISO-8859-1?Q?Jos=E9?=", "A;B", "A\\B", "", " ", "'", '"', "\t", "Δ", "İ", "K", "ß", "\u00a0",
          "\u200b", "\x00", "\x1c", "\u2028", "BOB@X.ORG", "bob@x.org", "@", "<", ">", "(", ")", ":", "[", "]",
          "Σ", "ς", "ǅ", "\U0001f600", "\u0301", "x" * 1100]
_LOCALS = ["bob", "Bob", "no-reply", "noreply", "notifications", "a.tracking", "order_confirmation", "auto",
           "automated.x", "news", "x+news", "news+x", "bob.smith", "b", "mailto:bob", "MAILTO:bob", ".bob", "bob.",
           "b\u00e9b", "b ob", "b,ob", "b;ob", "b\"ob", "b@ob", "", "x" * 250, "İ", "\u212a"]
_DOMAINS = ["x.org", "X.ORG", "e.shop.example", "em.shop", "news.x.y.z", "facebookmail.com", "a.facebookmail.com",
            "xfacebookmail.com", "acme.zendesk.com", "zendesk.com", "bounces.google.com", "localhost", "x.org.",
            "x..org", "x.org>", "", "b\u00fccher.de", "x.ORG", "docs.google.com", "reply.github.com"]
_SHAPES = ["{n} <{a}>", '"{n}" <{a}>', "<{a}>", "{a}", "  {n}  <{a}>  ", "{n}<{a}>", '"{n}"<{a}>', "{n} {a}",
           "{a} ({n})", "{n} <{a}", "{n} <<{a}>>", "{n}, <{a}>", "{a}; {a}", "{a},{a}", "mailto:{a}", "<mailto:{a}>",
           "{n}:{a};", "\t{a}\t", "{a}\r\n", "{n} <{a}> x"]


def _hostile_values(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = set()
    for _ in range(n):
        plain = rnd.random() < 0.5  # half of them in the common shapes, with plain names and addresses
        locs, doms, names = (_LOCALS[:14], _DOMAINS[:14], _NAMES[:8]) if plain else (_LOCALS, _DOMAINS, _NAMES)
        addr = rnd.choice(locs) + ("@" if plain else rnd.choice(["@", "@", "@", "", "@@"])) + rnd.choice(doms)
        name = "".join(rnd.choice(names) + rnd.choice(["", " ", ", ", "  "]) for _ in range(rnd.randint(0, 3)))
        out.add(rnd.choice(_SHAPES[:8] if plain else _SHAPES).format(n=name, a=addr))
    return sorted(out)


def test_fuzz_single_addresses_equal_python() -> None:
    values = _hostile_values(12_000)
    series = pl.Series("v", [*values, None], dtype=pl.String())
    fast = _fast_single_address(series)
    ok = fast.get_column("ok")
    assert 0.1 < ok.mean() < 0.9  # type: ignore[operator]  # both paths are exercised
    assert series.filter(ok).str.contains("=?", literal=True).sum() > 200  # encoded names too
    for header in (False, True):
        got = single_addresses(series, header=header).rows()
        parse = (lambda v: _header_addresses(v.encode("utf-8", "surrogatepass"))) if header else parse_addresses
        diff = []
        for v, g in zip(values, got, strict=False):
            found = parse(v)
            want = (*found[0], len(found)) if found else (None, None, 0)
            if g != want:
                diff.append((v, g, want))
            for a, _ in found:  # the reader uses the addresses as they are: clean_email leaves them alone
                assert clean_email(a) == a
        assert got[-1] == (None, None, 0)
        assert not diff, diff[:5]


def test_fuzz_address_hints_equal_python() -> None:
    rnd = random.Random(11)
    words = [*_NOREPLY_EXACT, *_MACHINE_TOKENS, *_NOREPLY_PARTS, "bob", "smith", "x", "Auto", "é", "+", "-", ".",
             "_", "", "İ"]
    domains = [*_PLATFORM_DOMAINS, *(p.lstrip(".") for p in _PLATFORM_PARENTS), *_BULK_SUBDOMAINS, "x", "org",
               "com", "", "é", "sub"]
    seps = ["", ".", "-", "_", "+", "x"]
    pairs = set()
    for _ in range(20_000):
        local = "".join(rnd.choice(words) + rnd.choice(seps) for _ in range(rnd.randint(1, 3)))
        domain = ".".join(rnd.choice(domains) for _ in range(rnd.randint(1, 4)))
        addr = local + rnd.choice(["@", "@", "@", "@@"]) + domain
        name = rnd.choice([None, "", "Bob", "Bob via Group", "Bob  via  Group", "x (via y)", "(via y)", "via",
                           "Bob via", " via Group", "Bob\u00a0via\u00a0Group", "Bob\tvia\tGroup", "José via Ñ",
                           "Bob via\u2028Group"])
        pairs.add((addr, name))
    pairs.add((None, None))  # type: ignore[arg-type]
    rows = sorted(pairs, key=repr)
    addr = pl.Series("a", [a for a, _ in rows], dtype=pl.String())
    name = pl.Series("n", [n for _, n in rows], dtype=pl.String())
    got = address_hints(addr, name).to_list()
    want = [address_hint(a, n) if a is not None else None for a, n in rows]
    assert sum(w is not None for w in want) > 1000
    diff = [(r, g, w) for r, g, w in zip(rows, got, want, strict=True) if g != w]
    assert not diff, diff[:5]


def _list_addresses_reference(value: str) -> list[tuple[str, str | None]]:
    """What the mbox reader gives for a To/Cc list, in Python: its items at the commas, each parsed alone, when
    they all are one address in a simple shape; else the standard parse of the whole list."""
    from analyzer.ingest.mail.mbox import _RX_SIMPLE_ADDR

    if not re.search(r"[;\x00-\x08\x0e-\x1f\x7f]", value):
        pieces = [p for p in value.split(",") if not re.fullmatch(r"[ \t]*", p)]
        simple = pl.Series(pieces, dtype=pl.String()).str.contains(_RX_SIMPLE_ADDR).to_list()
        if pieces and all(simple) and all(len(parse_addresses(p)) == 1 for p in pieces):
            return [parse_addresses(p)[0] for p in pieces]
    return list(_header_addresses(value.encode("utf-8", "surrogatepass")))


def test_fuzz_address_lists_equal_python() -> None:
    """Whole To/Cc lists as the mbox reader reads them (items at commas, items with quoted commas, the rest whole
    through Python) give the reference, address by address."""
    from analyzer.ingest.mail.mbox import _distinct_addresses

    rnd = random.Random(3)
    items = [*_hostile_values(3000, seed=9), '"Smith, Jane" <jane@y.org>', '"Doe, J." <j@x.org>', "Bob <b@x.org>",
             "=?UTF-8?Q?Haddad=2C_J=C3=B6rg?= <jh@x.org>", '"a,b" c <d@x.org>', '"unclosed <u@x.org>',
             '"A, B" <a@b.org>', " ", ""]
    lists = set()
    for _ in range(8000):
        sep = rnd.choice([",", ", ", " , ", ",,", ";", ",\t"])
        n = rnd.randint(1, 4)
        lists.add(rnd.choice(["", "", " ", ",", " , "]) + sep.join(
            rnd.choice(items[-9:] if rnd.random() < 0.5 else items) for _ in range(n)))
    values = sorted(lists)
    frame = pl.DataFrame({"from": ["a@x.org"] * len(values), "to": values, "cc": [None] * len(values),
                          "bcc": [None] * len(values)}, schema={c: pl.String() for c in ("from", "to", "cc", "bcc")})
    _, distinct, per_value = _distinct_addresses(frame)
    got: dict[str, list[tuple[str, str | None]]] = {}
    vids = dict(distinct.select("vid", "v").iter_rows())
    for vid, _, addr, name in per_value.sort("vid", "j").iter_rows():
        got.setdefault(vids[vid], []).append((addr, name))
    diff = [(v, got.get(v, []), _list_addresses_reference(v)) for v in values
            if got.get(v, []) != _list_addresses_reference(v)]
    assert not diff, diff[:5]
    quoted = [v for v in values if re.search(r'"[^"]*,[^"]*"', v) and got.get(v)]
    assert len(quoted) > 300  # lists with quoted commas read
