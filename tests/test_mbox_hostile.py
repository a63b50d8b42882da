"""Mailboxes that made the mbox reader slow or large (SPEC §9: time in proportion to the file, memory growing
with people and events, never with message bodies), read here at a small size: the results asserted are the
counts and values, never timings (benchmarks/bench_hostile_mbox.py measures those)."""

from __future__ import annotations

import email.utils
import io
import random
import re
from email import _parseaddr
from pathlib import Path

import polars as pl
import pytest

from analyzer.ingest import ingest
from analyzer.ingest.mail import addresses, mbox, mbox_scan
from analyzer.ingest.mail.addresses import _LinearGroupAddressList, parse_addresses

_SEP = b"From 1725212325015956191@xxx Sat Feb 19 17:11:24 +0000 2022\n"


def _message(i: int, to: str = "Owner <me@example.com>", body: bytes = b"hello\n") -> bytes:
    return _SEP + (
        f"X-GM-THRID: {1000 + i}\nX-Gmail-Labels: Inbox\nDate: Sat, 19 Feb 2022 17:11:24 +0000\n"
        f"Message-ID: <m{i}@example.com>\nFrom: Alice Example <alice@example.com>\nTo: {to}\nSubject: s{i}\n\n"
    ).encode() + body + b"\n"


# ---- a group of many addresses ("team: a@x, b@y, ...;") --------------------------------------------------------


def test_long_group_lists_are_read_with_the_linear_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard library gathers a group's members by concatenating lists (quadratic: a To header of one
    group of 80,000 addresses took 6 s, 160,000 over 20 s); a long list with a group is read with the class that
    appends them, without patching ``email.utils`` (a notebook's own code keeps the standard library's)."""
    assert email.utils._AddressList is _parseaddr.AddressList  # type: ignore[attr-defined]
    used: list[str] = []
    monkeypatch.setattr(addresses, "_LinearGroupAddressList",
                        lambda v: used.append(v) or _LinearGroupAddressList(v))  # type: ignore[func-returns-value]
    value = "team: " + ", ".join(f"p{i}@x{i % 7}.org" for i in range(5000)) + ";"
    got = parse_addresses(value)
    assert len(got) == 5000 and used == [value]
    assert got[0] == ("p0@x0.org", None) and got[-1] == ("p4999@x1.org", None)
    assert parse_addresses("team: a@x.org, b@y.org;") == (("a@x.org", None), ("b@y.org", None))  # (short: stdlib)
    assert used == [value]


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


# ---- long address lists, each message's its own ----------------------------------------------------------------


def test_long_address_lists_are_memoised_in_a_small_cache(tmp_path: Path) -> None:
    """Every message of a mailing list has its own list of recipients: memoised with the short values, 10,000
    lists of 300 held 630 MB while they were read. Lists of more than LONG_VALUE characters go to a cache of
    LONG_CACHED entries; the addresses read are the same."""
    from analyzer.memory import clear_lookup_caches

    clear_lookup_caches()
    rnd = random.Random(5)
    pool = [f'"Member, {i}" <m{i}@list{i % 50}.org>' for i in range(2000)]
    lists = [rnd.sample(pool, 40) for _ in range(addresses.LONG_CACHED + 100)]
    path = tmp_path / "lists.mbox"
    path.write_bytes(b"".join(_message(i, to=";\n ".join(members)) for i, members in enumerate(lists)))
    r = ingest([path])
    for cache in (addresses._parse_short, addresses._header_short):
        assert cache.cache_info().currsize < 10  # (the From values)
    for cache in (addresses._parse_long, addresses._header_long):
        assert cache.cache_info().currsize == addresses.LONG_CACHED
    assert r.messages.get_column("recipient_ids").list.len().to_list() == [40] * len(lists)
    members = {m.split("<")[1].rstrip(">") for ms in lists for m in ms}
    emails = {e for es in r.records.get_column("emails").to_list() for e in es}
    assert emails == members | {"alice@example.com"}
    value = ";".join(lists[0])
    assert len(value) > addresses.LONG_VALUE
    assert parse_addresses(value) == tuple((m.split("<")[1].rstrip(">"), m.split('"')[1]) for m in lists[0])


# ---- pieces of very many short lines (a body of blank lines, a header block of folded short lines) ----------


def _piece(data: bytes) -> memoryview:
    return memoryview(bytearray(data))


def test_dense_parts_of_a_piece_read_as_the_piece() -> None:
    """Cut into parts of at most ``max_lines`` lines (at blank lines), a piece gives the rows it gives whole."""
    rnd = random.Random(3)
    chunks = []
    for i in range(60):
        chunks.append(_message(i, to=f"p{i}@x.org", body=b"".join(
            rnd.choice([b"\n"] * 12 + [b"x\n", b"\r\n", b"From me\n", b"Note: y\n", b"-- \n", b"Ann Lee\n"])
            for _ in range(rnd.randint(0, 400)))))
    data = b"".join(chunks)
    whole, n_whole = mbox_scan.header_table(data, True, mbox._WANTED, frozenset(mbox._ADDR_HEADERS))
    parts = mbox_scan.dense_parts(_piece(data), True, max_lines=1000)
    assert len(parts) > 10
    assert b"".join(bytes(p) for _, _, p in parts) == data
    tables: list[pl.DataFrame] = []
    n_lines = 0
    for before, after_blank, part in parts:
        assert bytes(part).count(b"\n") <= 1000
        assert before == n_lines
        table, n = mbox_scan.header_table(part, after_blank, mbox._WANTED, frozenset(mbox._ADDR_HEADERS))
        tables.append(table.with_columns(pl.col("line") + before))
        n_lines += n
    assert n_lines == n_whole
    assert pl.concat(tables).equals(whole)


def test_dense_parts_without_blank_lines_keep_separators_with_their_headers() -> None:
    """Bodies without blank lines, each message's separator right after the one before's last line: a part cut
    where a window has no blank line ends before its last "From " line, so no separator is cut from the header
    line after it (which decides whether it is one) nor from its header block."""
    rnd = random.Random(4)
    chunks = []
    for i in range(80):
        body = b"".join(rnd.choice([b"x\n", b"From me\n", b"Note: y\n", b"Ann Lee\n", b"From\n"])
                        for _ in range(rnd.randint(0, 300)))
        chunks.append(_message(i, to=f"p{i}@x.org,\n q{i}@x.org", body=body)[:-1])  # (no blank line at its end)
    data = b"".join(chunks)
    whole, _ = mbox_scan.header_table(data, True, mbox._WANTED, frozenset(mbox._ADDR_HEADERS))
    assert whole.height == 80
    parts = mbox_scan.dense_parts(_piece(data), True, max_lines=600)
    assert sum(not after for _, after, _ in parts) > 5  # cut where no blank line was
    tables = []
    for before, after_blank, part in parts:
        table, _ = mbox_scan.header_table(part, after_blank, mbox._WANTED, frozenset(mbox._ADDR_HEADERS))
        tables.append(table.with_columns(pl.col("line") + before))
    assert pl.concat(tables).equals(whole)


def test_a_piece_is_read_in_parts_of_a_bounded_number_of_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body of blank lines: header_table keeps about 90 bytes of arrays per line of what it is given (8 MiB of
    blank lines took 760 MB per worker); it is given at most MAX_PIECE_LINES lines at a time, and the messages
    are those of the piece read whole."""
    monkeypatch.setattr(mbox_scan, "MAX_PIECE_LINES", 1000)
    monkeypatch.setattr(mbox_scan.dense_parts, "__defaults__", (1000,))
    seen: list[int] = []
    header_table = mbox_scan.header_table

    def counting(data: bytes | memoryview, *args: object, **kwargs: object) -> tuple[pl.DataFrame, int]:
        table, n = header_table(data, *args, **kwargs)  # type: ignore[arg-type]
        seen.append(n)
        return table, n

    monkeypatch.setattr(mbox_scan, "header_table", counting)
    data = _message(0, body=b"\n" * 20_000) + _message(1, body=b"x\n" * 3000) + _message(2, to="Bob <b@y.org>")
    table, n_lines = mbox._chunk_headers(_piece(data), True)
    assert n_lines == data.count(b"\n")
    assert max(seen) <= 1000 and sum(seen) == n_lines
    assert table.get_column("message-id").to_list() == ["<m0@example.com>", "<m1@example.com>", "<m2@example.com>"]
    assert table.get_column("to").to_list()[2] == "Bob <b@y.org>"
    starts = [i + 1 for i, line in enumerate(data.split(b"\n")) if line.startswith(b"From 17252")]
    assert table.get_column("line").to_list() == starts


def test_a_header_block_of_short_folded_lines_without_an_end(tmp_path: Path) -> None:
    """A To folded over 600,000 short lines and no blank line after it: read in parts, its first part's
    addresses kept (as a piece cut in a header block keeps its start)."""
    path = tmp_path / "noend.mbox"
    path.write_bytes(_SEP + b"From: a <a@x.com>\nDate: Sat, 19 Feb 2022 17:11:24 +0000\nTo: b@x.com"
                     + b",\n p@x.com" * 600_000 + b"\n")
    r = ingest([path])
    assert r.messages.height == 1
    emails = sorted(e for es in r.records.get_column("emails").to_list() for e in es)
    assert emails == ["a@x.com", "b@x.com", "p@x.com"]


# ---- the owner's messages without recipients in a thread of many people --------------------------------------


def _thread_mbox(thread: int, senders: int, owner_messages: int) -> bytes:
    out = []
    for i in range(senders):
        out.append(_SEP + (f"X-GM-THRID: {thread}\nX-Gmail-Labels: Inbox\nDate: Sat, 19 Feb 2022 17:11:24 +0000\n"
                           f"Message-ID: <t{thread}s{i}@example.com>\nFrom: Sender {i} <s{i}@d{i}.com>\n"
                           "To: Me <me@example.com>\nSubject: x\n\nbody\n\n").encode())
    for i in range(owner_messages):
        out.append(_SEP + (f"X-GM-THRID: {thread}\nX-Gmail-Labels: Sent\nDate: Sat, 19 Feb 2022 17:11:24 +0000\n"
                           f"Message-ID: <t{thread}o{i}@example.com>\nFrom: Me <me@example.com>\nSubject: x\n\n"
                           "body\n\n").encode())
    return b"".join(out)


def test_owner_messages_without_recipients_go_to_a_small_thread_only(tmp_path: Path) -> None:
    """Each of the owner's messages without a To went to every other person of its thread: 4,000 such messages
    in a thread of 4,000 senders made 16 million events (5 GB). A thread of more than THREAD_RECIPIENTS_MAX
    other people does not say who such a message was for: it yields no event; a small thread still does."""
    from analyzer.owner import THREAD_RECIPIENTS_MAX, identify_owner, to_events

    path = tmp_path / "threads.mbox"
    big = THREAD_RECIPIENTS_MAX + 1
    path.write_bytes(_thread_mbox(1, 3, 4) + _thread_mbox(2, big, 40))
    r = ingest([path])
    owner = identify_owner(r.records, r.owner, ["me@example.com"])
    events = to_events(r.messages, owner)
    counts = events.group_by("thread_id", "direction").len().sort("thread_id", "direction").rows()
    assert counts == [("1", "received", 3), ("1", "sent", 4 * 3), ("2", "received", big)]


# ---- separator lines that made the regexes backtrack ---------------------------------------------------------------

_OLD_SEPLINE = re.compile(rb"From [ \t]*(?:$|(?:-|MAILER-DAEMON|[^ \t]*@[^ \t]*)"
                          rb"(?:[ \t]*$|[ \t].*(?:[0-9]:[0-9][0-9]|(?:19|20)[0-9][0-9])))")
_PIECES = [b"1", b"2", b"0", b"9", b":", b" ", b"\t", b"@", b"-", b"x", b"\r", b"MAILER-DAEMON", b"19", b"20",
           b"12:34:56", b"2023", b"a@b"]


def test_separator_rules_read_as_their_regexes() -> None:
    """``_dateish`` is ``_DATEISH.search`` without its backtracking (each time, or year, tried with every later
    position: a 64 kB first line of years took 3 s to judge), and the separator pattern's address token no longer
    tries every "@" of a token ("From @@@...": 44 s for a 64 kB first line) yet accepts the same lines."""
    rnd = random.Random(11)
    hits = 0
    for _ in range(30_000):
        body = b"".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 14)))
        line = b"From " + body
        assert bool(mbox_scan._SEPLINE.match(line, 0, len(line))) == bool(_OLD_SEPLINE.match(line, 0, len(line)))
        start = rnd.randint(0, 3)
        found = mbox_scan._dateish(body, start, len(body))
        assert found == bool(mbox_scan._DATEISH.search(body, start, len(body))), body
        hits += found
    assert hits > 1000


@pytest.mark.parametrize("first", [b"From " + b"@" * 60_000 + b" x", b"From x " + b"2020 " * 12_000,
                                   b"From x " + b"1:00:00 " * 7_500, b"From a@b" + b" @x" * 20_000])
def test_long_first_lines_are_judged(first: bytes) -> None:
    """Such first lines (within the 64 kB that detection reads) are judged as before: no separator, but one when
    the line ends with a date."""
    head = first + b"\nFrom: a@b.com\n\n"
    assert not mbox_scan.looks_like_mbox(head)
    assert [line for line, _, _ in mbox_scan.iter_messages(io.BytesIO(head * 3))] == []
    dated = first + b" Mon Aug 28 18:38:57 2023\nFrom: a@b.com\n\n"
    assert mbox_scan.looks_like_mbox(dated)
    assert [line for line, _, _ in mbox_scan.iter_messages(io.BytesIO(dated * 3))] == [1, 4, 7]
