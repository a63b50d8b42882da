"""Mailboxes that made the mbox reader slow or large (SPEC §9: time in proportion to the file, memory growing
with people and events, never with message bodies), read here at a small size: the results asserted are the
counts and values, never timings (benchmarks/bench_hostile_mbox.py measures those)."""

from __future__ import annotations

import email.utils
import random
from email import _parseaddr
from pathlib import Path

from analyzer.ingest import ingest
from analyzer.ingest.mail.addresses import _LinearGroupAddressList, parse_addresses

_SEP = b"From 1725212325015956191@xxx Sat Feb 19 17:11:24 +0000 2022\n"


def _message(i: int, to: str = "Owner <me@example.com>", body: bytes = b"hello\n") -> bytes:
    return _SEP + (
        f"X-GM-THRID: {1000 + i}\nX-Gmail-Labels: Inbox\nDate: Sat, 19 Feb 2022 17:11:24 +0000\n"
        f"Message-ID: <m{i}@example.com>\nFrom: Alice Example <alice@example.com>\nTo: {to}\nSubject: s{i}\n\n"
    ).encode() + body + b"\n"


# ---- a group of many addresses ("team: a@x, b@y, ...;") --------------------------------------------------------


def test_getaddresses_reads_groups_with_the_linear_parser() -> None:
    """The standard library gathers a group's members by concatenating lists (quadratic: a To header of one
    group of 80,000 addresses took 6 s, 160,000 over 20 s); ``email.utils.getaddresses`` now parses with the
    class that appends them."""
    assert email.utils._AddressList is _LinearGroupAddressList  # type: ignore[attr-defined]
    value = "team: " + ", ".join(f"p{i}@x{i % 7}.org" for i in range(5000)) + ";"
    got = parse_addresses(value)
    assert len(got) == 5000
    assert got[0] == ("p0@x0.org", None) and got[-1] == ("p4999@x1.org", None)


_ITEMS = ['a@x.org', 'Bob <b@y.org>', '"Smith, Jane" <j@z.org>', "(comment) c@x.org", "d@x.org (Dee)",
          "<e@x.org>", "f@x", "bad", '"q\\"uote" <q@x.org>', "", " ", "g@x.org;", "<h@x.org",
          "i@[1.2.3.4]", "@j.org", "k@", "a.b@c.d.e", "=?utf-8?q?R=C3=A9?= <r@x.org>"]


def _random_list(rnd: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rnd.randint(0, 6)):
        if depth < 2 and rnd.random() < 0.25:  # a group, maybe nested, maybe not closed
            parts.append(rnd.choice(["team", '"The team"', "undisclosed-recipients", "(c) g", ""]) + ":"
                         + _random_list(rnd, depth + 1) + rnd.choice([";", "", ";;", "; "]))
        else:
            parts.append(rnd.choice(_ITEMS))
    return rnd.choice([", ", ",", " , ", "; "]).join(parts)


def test_linear_group_parser_gives_what_the_standard_librarys_gives() -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        value = _random_list(rnd)
        assert _LinearGroupAddressList(value).addresslist == _parseaddr.AddressList(value).addresslist, value


def test_a_group_of_thousands_of_recipients_gives_each_one(tmp_path: Path) -> None:
    path = tmp_path / "group.mbox"
    to = "team: " + ",\n ".join(f"p{i}@ex{i % 97}.com" for i in range(5000)) + ";"
    path.write_bytes(_message(0, to=to) + _message(1))
    r = ingest([path])
    assert r.messages.height == 2
    assert r.messages.get_column("recipient_ids").list.len().to_list() == [5000, 1]
    assert r.records.height == 5000 + 2
