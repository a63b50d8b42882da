"""Evidence that two clusters carrying one name are two people (namesakes), read from what real exports hold.

SPEC §5 lists contradicting evidence that keeps records apart. This module adds the evidence about *mailboxes*
that the career rules of :mod:`analyzer.identity.decision` leave out, each the mailbox counterpart of a rule
there:

- **a numbered work address next to its un-numbered twin** (``szhou@tidewaterenergy.com`` and
  ``szhou170@tidewaterenergy.com``): a mail server gives a new employee a number when the plain local part is
  already taken, by a colleague with the same name; the two addresses are two people's, dated or not;
- **two personal addresses at one provider in use during the same months** (``laylaw8325@hotmail.com`` and
  ``layla.wang@hotmail.com``, both used for more than ``OVERLAP_DAYS`` at once): a person moves from one
  mailbox to the next, as from one employer to the next, but does not write from two at one provider at the
  same time (the same rule as two addresses at one employer).

:class:`NamesakeClusters` is the union-find of :class:`~analyzer.identity.decision.Clusters` with these
contradictions added to every probabilistic link (corroborated or made on a rare name); deterministic links
(the same address or profile URL, a config ``same``, one address one person) are never refused by them.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analyzer.identity.decision import OVERLAP_DAYS, Clusters

#: (address, stem with the trailing number removed, number) of a work address, per record
WorkBox = tuple[str, str, str]
#: (provider domain, address, first seen, last seen) of a dated personal address, per record
PersonalBox = tuple[str, str, date, date]

#: the number at the end of a local part (``szhou170@``)
_TRAILING_NUMBER_AT = r"(\d+)@"
#: a stem shorter than this (``js1@``) says too little about a name to call the number a namesake's
MIN_STEM = 3


def _years(a: date, b: date) -> str:
    return f"{a.year}" if a.year == b.year else f"{a.year}–{b.year}"


def numbered_twin(a: list[WorkBox], b: list[WorkBox]) -> str | None:
    """Why two sets of work addresses are two people's: the same local part at one domain, one of them with a
    number after it (``szhou@`` and ``szhou170@``, or ``szhou7@`` and ``szhou170@``), or None."""
    by_stem: dict[str, list[tuple[str, str]]] = {}  # (b's addresses by stem: not every pair, once clusters grow)
    for xb, sb, nb in b:
        by_stem.setdefault(sb, []).append((xb, nb))
    for xa, sa, na in a:
        for xb, nb in by_stem.get(sa, ()):
            if xa != xb and na != nb:
                return (f"two addresses at one employer that differ only by a number, which sets a namesake "
                        f"colleague apart ({xa}, {xb})")
    return None


def personal_overlap(a: list[PersonalBox], b: list[PersonalBox]) -> str | None:
    """Why two sets of dated personal addresses are two people's: two addresses at one provider both in use for
    more than ``OVERLAP_DAYS`` at the same time, or None."""
    by_domain: dict[str, list[tuple[str, date, date]]] = {}
    for db, xb, b1, b2 in b:
        by_domain.setdefault(db, []).append((xb, b1, b2))
    for da, xa, a1, a2 in a:
        for xb, b1, b2 in by_domain.get(da, ()):
            if xa != xb and (min(a2, b2) - max(a1, b1)).days > OVERLAP_DAYS:
                return (f"two personal addresses at one provider in use at the same time ({xa} {_years(a1, a2)}, "
                        f"{xb} {_years(b1, b2)})")
    return None


def work_boxes(work_org: pl.DataFrame) -> dict[int, list[WorkBox]]:
    """Per record (``work_org``: idx, addr = a work address), its work addresses whose local part ends in a
    number or could be the un-numbered twin of one: (address, domain + stem, number or "")."""
    if work_org.height == 0:
        return {}
    addr = work_org.get_column("addr").unique()
    parts = pl.DataFrame({"addr": addr}).with_columns(
        pl.col("addr").str.replace(_TRAILING_NUMBER_AT, "@").alias("key"),
        pl.col("addr").str.extract(_TRAILING_NUMBER_AT, 1).fill_null("").alias("num"))
    # only the stems that occur with two different local parts at one domain matter
    parts = parts.filter((pl.len().over("key") > 1) & (pl.col("key").str.find("@") >= MIN_STEM))
    if parts.height == 0:
        return {}
    parts = work_org.select("idx", "addr").unique().join(parts, on="addr")
    out: dict[int, list[WorkBox]] = {}
    for idx, addr, key, num in parts.select("idx", "addr", "key", "num").sort(["idx", "addr"]).rows():
        out.setdefault(idx, []).append((addr, key, num))
    return out


def personal_boxes(emails: pl.DataFrame, work_domains: pl.DataFrame, periods: pl.DataFrame) -> dict[int, list[
        PersonalBox]]:
    """Per record, its dated personal addresses at a provider where the network holds two or more addresses
    (``emails``: idx, tok = normalised personal address; ``work_domains``: idx, tok = a work address's domain;
    ``periods``: idx, first_seen, last_seen from the messages): (domain, address, first seen, last seen)."""
    if emails.height == 0 or periods.height == 0:
        return {}
    e = emails.select("idx", pl.col("tok").alias("addr")).with_columns(
        pl.col("addr").str.split("@").list.last().alias("domain"))
    e = e.join(work_domains.select(pl.col("tok").alias("domain")).unique(), on="domain", how="anti") \
        .join(periods, on="idx")
    e = e.filter(pl.col("addr").n_unique().over("domain") > 1)
    out: dict[int, list[PersonalBox]] = {}
    for idx, dom, addr, a, b in e.select("idx", "domain", "addr", "first_seen", "last_seen") \
            .sort(["idx", "addr"]).rows():
        out.setdefault(idx, []).append((dom, addr, a, b))
    return out


class NamesakeClusters(Clusters):
    """:class:`Clusters` that also refuses a probabilistic link between two clusters whose mailboxes say two
    people (:func:`numbered_twin`, :func:`personal_overlap`). Call :meth:`set_mailboxes` before the
    probabilistic links; until then it behaves exactly as :class:`Clusters`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.boxes: dict[int, tuple[list[WorkBox], list[PersonalBox]]] = {}

    def set_mailboxes(self, work: dict[int, list[WorkBox]], personal: dict[int, list[PersonalBox]]) -> None:
        """Per record, its work and personal boxes (:func:`work_boxes`, :func:`personal_boxes`), gathered per
        current root."""
        self.boxes = {}
        root = self.roots() if work or personal else []  # (every record's root at once, not a find() per record)
        for idx in sorted(set(work) | set(personal)):
            w, p = self.boxes.setdefault(root[idx], ([], []))
            w.extend(work.get(idx, ()))
            p.extend(personal.get(idx, ()))

    def conflict(self, ra: int, rb: int, kind: str) -> str | None:
        why = Clusters.conflict(self, ra, rb, kind)  # (not super(): a call per link)
        if why is not None or kind != "probabilistic":
            return why
        ba, bb = self.boxes.get(ra), self.boxes.get(rb)
        if ba is None or bb is None:
            return None
        return numbered_twin(ba[0], bb[0]) or personal_overlap(ba[1], bb[1])

    def _join(self, ra: int, rb: int) -> int:
        root = Clusters._join(self, ra, rb)
        boxes = self.boxes
        if boxes:
            merged = [boxes.pop(r) for r in (ra, rb) if r in boxes]
            if merged:
                boxes[root] = ([x for m in merged for x in m[0]], [x for m in merged for x in m[1]])
        return root
