"""Message-id columns of the mbox reader: what the thread and reply fields rely on."""

from __future__ import annotations

import random

import polars as pl

from analyzer.ingest.mail.message_ids import _first_msgid, _last_msgid


def test_first_id_exactly_when_last_id() -> None:
    """A References value has a first id exactly when it has a last one (the reader reads the first one only
    where the thread comes from it, and finds the values without any id from the last one)."""
    rnd = random.Random(1)
    pieces = ["<a@b>", "<c@d>", "<>", "< x@y>", "<x y>", "<<z@w>>", "a@b", " ", ",", "\t", "\n", "<é@x>", "<", ">",
              "<a@b", "a@b>", "<\u00a0@x>", "<x@y>junk", "junk<x@y>"]
    values = sorted({"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 5))) for _ in range(20_000)})
    s = pl.Series("references", [*values, None], dtype=pl.String())
    first, last = _first_msgid(s), _last_msgid(s)
    assert (first.is_null() == last.is_null()).all()
    assert 0.05 < first.is_null().mean() < 0.8  # type: ignore[operator]
