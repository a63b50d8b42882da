"""How realistic a generated export is, measured on its truth folder (or on the world alone, without files).

The shares the sample data promises (issue 12): most people with one-to-one mail write from more than one
address; a profile-dependent share of full names is carried by different people; about half of work mail from
people who sign ends with a signature block.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

from .pools import _AUTOMATED, _PROFILES, SIZES


def realism_stats(truth_dir: Path) -> dict[str, float]:
    """Measured on `truth_dir`: `multi_address_share` (people with one-to-one mail whose addresses in the exports
    number more than one; `_two_way` for those with mail in both directions), `namesake_share` (distinct full names of humans carried by more than one human), `signature_share`
    (one-to-one mails from people that end with a signature block), and the counts behind them."""
    truth_dir = Path(truth_dir)
    people = pl.read_csv(truth_dir / "people.csv", schema_overrides={"truth_id": pl.String, "name": pl.String})
    humans = people.filter((pl.col("is_automated").cast(pl.String).str.to_lowercase() != "true")
                           & (pl.col("category") != "owner"))
    activity = pl.read_csv(truth_dir / "activity.csv", schema_overrides={"truth_id": pl.String})
    mailers = activity.filter((pl.col("email_sent") + pl.col("email_received")) > 0)
    mailers = mailers.join(humans.select("truth_id"), on="truth_id")
    two_way = mailers.filter((pl.col("email_sent") > 0) & (pl.col("email_received") > 0))
    ids = pl.read_csv(truth_dir / "identities.csv", schema_overrides={"truth_id": pl.String, "key": pl.String})
    per_person = ids.filter(pl.col("key_type") == "email").group_by("truth_id").agg(pl.len().alias("n"))
    n_addr = mailers.join(per_person, on="truth_id", how="left").with_columns(pl.col("n").fill_null(0))
    n_two = two_way.join(per_person, on="truth_id", how="left").with_columns(pl.col("n").fill_null(0))
    names = humans.group_by("name").agg(pl.col("truth_id").n_unique().alias("n"))
    manifest = json.loads((truth_dir / "manifest.json").read_text(encoding="utf-8"))
    sent, signed = manifest.get("mails_from_people", 0), manifest.get("mails_from_people_signed", 0)
    return {
        "people_with_mail": float(n_addr.height),
        "multi_address_share": n_addr.filter(pl.col("n") > 1).height / max(1, n_addr.height),
        "people_with_two_way_mail": float(n_two.height),
        "multi_address_share_two_way": n_two.filter(pl.col("n") > 1).height / max(1, n_two.height),
        "distinct_names": float(names.height),
        "namesake_share": names.filter(pl.col("n") > 1).height / max(1, names.height),
        "mails_from_people": float(sent),
        "signature_share": signed / max(1, sent),
    }


def world_namesake_share(size: str, seed: int = 7, as_of: date = date(2026, 11, 1)) -> float:
    """The namesake share of a profile's world, built without writing any export (fast even for ``large``)."""
    from .generate import _Generator

    if size not in SIZES:
        raise ValueError(f"unknown sample-data size {size!r}")
    gen = _Generator(_PROFILES[size], seed, as_of)
    gen.build_population()
    carriers: dict[str, set[str]] = {}
    for p in gen.people:
        if p.category not in _AUTOMATED:
            carriers.setdefault(p.name, set()).add(p.tid)
    return sum(1 for tids in carriers.values() if len(tids) > 1) / max(1, len(carriers))
