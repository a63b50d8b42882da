"""Outputs and explanations: the PEOPLE table, the MATCHES / near-miss columns and ``reconnect person``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from analyzer import schemas
from analyzer.identity.features import CONNECTIONS_KIND, connection_export_dates
from analyzer.linkage import LinkageSettings
from analyzer.names import (
    clean_display_name,
    parse_name,
)
from analyzer.normalize import canonical_linkedin_url, normalize_email

DETERMINISTIC_WEIGHT = 40.0  # match_weight written for deterministic links (bits)

MATCH_COLS = {k: v for k, v in schemas.MATCHES.items() if k != "person_id"}
NEAR_MISSES: dict[str, pl.DataType] = {
    "record_id_l": pl.Int64(),
    "record_id_r": pl.Int64(),
    "person_id_l": pl.String(),
    "person_id_r": pl.String(),
    "name_l": pl.String(),
    "name_r": pl.String(),
    "levels": pl.String(),
    "match_weight": pl.Float64(),
    "probability": pl.Float64(),
    "reason": pl.String(),
}
_TOK = {"idx": pl.Int64, "tok": pl.String}


@dataclass
class Resolved:
    """The output of identity resolution."""

    people: pl.DataFrame  # schemas.PEOPLE
    record_person: pl.DataFrame  # schemas.RECORD_PERSON (ignored records are absent)
    matches: pl.DataFrame  # schemas.MATCHES
    settings: dict[str, Any] = field(default_factory=dict)  # written to identity_settings.json
    near_misses: pl.DataFrame = field(default_factory=lambda: schemas.empty(NEAR_MISSES))


def levels_text(p: pl.DataFrame, st: LinkageSettings) -> pl.Series:
    """``first_name=nickname; last_name=exact; company=same`` (null levels left out)."""
    parts = [pl.when(pl.col(f"lv_{c.name}") != "null").then(pl.lit(f"{c.name}=") + pl.col(f"lv_{c.name}"))
             for c in st.comparisons]
    return p.select(pl.concat_str(parts, separator="; ", ignore_nulls=True).alias("levels")).to_series()


#: words for the comparison levels of a probabilistic merge (levels not listed say nothing for the merge)
_LEVEL_WORDS = {
    "first_name=exact": "same given name", "first_name=nickname": "given name and its nickname",
    "first_name=swapped": "same names in the other order", "first_name=jw92": "nearly the same given name",
    "first_name=jw88": "similar given name", "first_name=initial": "initial of the given name",
    "last_name=exact": "same surname", "last_name=token_overlap": "one double surname contains the other",
    "last_name=jw92": "nearly the same surname", "middle_initial=agree": "same middle initial",
    "email=exact": "a shared address", "email=other_at_same_domain": "addresses at the same work domain",
    "email=same_local": "the same address name at another domain", "email_name=pattern": "the address spells the name",
    "email_name=first": "the address holds the given name", "company=same": "same company or work domain",
    "thread=shared": "in the same small conversation",
}


@lru_cache(maxsize=4096)
def evidence_words(rule: str, levels: str) -> str:
    """The evidence of one merge in words a user understands, from its rule and levels (memoised: the
    thousands of probabilistic merges of a run show a few dozen distinct levels)."""
    if rule == "same linkedin url":
        return "same LinkedIn profile " + levels.partition(": ")[2]
    if rule == "same email":
        return "same email address " + levels.partition(": ")[2]
    if rule == "same automated sender":
        return "the same automated sender: " + levels.partition(": ")[2]
    if rule == "config same":
        return "you listed them as one person in the config"
    words = [_LEVEL_WORDS[lv] for lv in (x.strip() for x in levels.split(";")) if lv in _LEVEL_WORDS]
    return "; ".join(words) or rule


def _display(records: pl.DataFrame) -> pl.Series:
    trip = records.select("name", "first_name", "last_name").unique()
    shown = [parse_name(nm, fn, ln).display or clean_display_name(nm) or None for nm, fn, ln in trip.rows()]
    trip = trip.with_columns(pl.Series("_shown", shown, dtype=pl.String))
    return records.join(trip, on=["name", "first_name", "last_name"], how="left", nulls_equal=True,
                        maintain_order="left").get_column("_shown")


#: The columns of RECORDS that :func:`build_people` reads.
_DISPLAY_INPUTS = ("name", "first_name", "last_name")
_PEOPLE_INPUTS = ("record_id", *_DISPLAY_INPUTS, "automated_hint", "source_kind", "emails", "linkedin_url", "company",
                  "position", "connected_on", "source_file")


def build_people(records: pl.DataFrame, record_person: pl.DataFrame, owner_ids: set[int],
                 automated_ids: set[int] | None = None, display: pl.DataFrame | None = None) -> pl.DataFrame:
    """Aggregate records into the PEOPLE table. Name: the cleaned display name (emoji, taglines, credentials
    removed, "Last, First" reordered) of the LinkedIn connection, else of the record with the most complete
    name, a human's before an automated sender's ("Okafor Studio <info@...>" on a person's card);
    company/position: the LinkedIn connection's (the newest export's when several exports hold it, see
    :func:`connection_export_dates`: an older one's is a past job), else any. A person is ``automated`` when
    all its records have an automated hint or are in ``automated_ids`` (e.g. role addresses such as info@).
    ``display`` (record_id, display) gives the cleaned names when already computed."""
    # only the columns read below are joined and sorted (a copy of every column of 87,000 records: 60 MB)
    records = records.select(c for c in _PEOPLE_INPUTS if c in records.columns)
    r = records.join(record_person, on="record_id")
    if display is not None:
        r = r.join(display.select("record_id", pl.col("display").alias("_shown")), on="record_id", how="left",
                   maintain_order="left").with_columns(pl.when(pl.col("_shown") != "").then(pl.col("_shown"))
                                                       .alias("_shown"))
    else:
        r = r.with_columns(_display(r).alias("_shown"))
    r = r.with_columns(
        pl.col("record_id").is_in(sorted(owner_ids)).alias("_owner"),
        (pl.col("automated_hint").is_not_null()
         | pl.col("record_id").is_in(sorted(automated_ids or ()))).alias("_auto"),
        (pl.col("source_kind") == CONNECTIONS_KIND).alias("_conn"),
    )
    # a LinkedIn connection in an older export than another of the same person's shows a past job
    if "source_file" in r.columns:
        r = r.join(connection_export_dates(records), on="source_file", how="left", maintain_order="left")
    else:
        r = r.with_columns(pl.lit(None, pl.Date).alias("export_date"))
    newest = pl.col("export_date").filter(pl.col("_conn")).max().over("person_id")
    r = r.with_columns(
        (pl.col("_conn") & newest.is_not_null()
         & (pl.col("export_date") < newest).fill_null(True)).alias("_older"),
    ).with_columns(
        pl.col("_shown").str.len_chars().fill_null(0).alias("_nlen"),
        (~pl.col("_auto")).alias("_human"),
        pl.col("_shown").str.contains(" ").fill_null(False).alias("_full"),
    )
    people = (
        r.sort(["_conn", "_human", "_full", "_nlen", "record_id"], descending=[True, True, True, True, False])
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("_owner").any().alias("_owner"),
            pl.col("_auto").all().alias("_auto"),
            pl.coalesce(pl.col("_shown"), pl.col("name")).drop_nulls().first().alias("name"),
            pl.col("emails").explode().drop_nulls().unique().sort().alias("emails"),
            pl.col("linkedin_url").drop_nulls().unique().sort().alias("linkedin_urls"),
            pl.col("company").filter(~pl.col("_older")).drop_nulls().first().alias("company"),
            pl.col("position").filter(~pl.col("_older")).drop_nulls().first().alias("position"),
            pl.col("connected_on").drop_nulls().min().alias("connected_on"),
            pl.col("source_kind").unique().sort().alias("sources"),
            pl.len().cast(pl.Int64).alias("n_records"),
        )
        .with_columns(
            pl.when(pl.col("_owner")).then(pl.lit("owner"))
            .when(pl.col("_auto")).then(pl.lit("automated"))
            .otherwise(pl.lit("person")).alias("kind")
        )
        .sort("person_id")
    )
    return schemas.check(people.select(list(schemas.PEOPLE)), schemas.PEOPLE, "identity.people")


def unlist_addresses(people: pl.DataFrame, left_out: dict[str, set[str]]) -> pl.DataFrame:
    """``people`` with the addresses of ``left_out`` ({person_id: addresses as written}) taken out of their
    rows' ``emails``, except from a row that would then list no address and no profile URL."""
    if not left_out:
        return people
    drop = pl.DataFrame({"person_id": list(left_out), "_drop": [sorted(v) for v in left_out.values()]},
                        schema={"person_id": pl.String, "_drop": pl.List(pl.String)})
    kept = pl.col("emails").list.set_difference(pl.col("_drop")).list.sort()
    return people.join(drop, on="person_id", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("_drop").is_not_null() & ((kept.list.len() > 0) | (pl.col("linkedin_urls").list.len() > 0)))
        .then(kept).otherwise(pl.col("emails")).alias("emails")).drop("_drop")


def _find_people(resolved: Resolved, records: pl.DataFrame, query: str) -> list[str]:
    q = query.strip()
    people = resolved.people
    if q in set(people.get_column("person_id").to_list()):
        return [q]
    rp = resolved.record_person
    if (u := canonical_linkedin_url(q)) is not None:
        ids = records.filter(pl.col("linkedin_url") == u).get_column("record_id")
    elif "@" in q and (e := normalize_email(q)) is not None:
        hit = records.select("record_id", "emails").explode("emails").drop_nulls("emails")
        norm = {x: normalize_email(x) for x in hit.get_column("emails").unique().to_list()}
        ids = hit.filter(pl.col("emails").replace_strict(norm, default=None, return_dtype=pl.String) == e) \
            .get_column("record_id")
    else:
        low = q.casefold()
        found = people.filter(pl.col("name").str.to_lowercase() == low).get_column("person_id").to_list()
        if not found:
            rec = records.filter(pl.col("name").str.to_lowercase() == low).get_column("record_id")
            found = rp.filter(pl.col("record_id").is_in(rec.implode())).get_column("person_id").unique().to_list()
        if not found:
            found = people.filter(pl.col("name").str.to_lowercase().str.contains(low, literal=True)) \
                .get_column("person_id").to_list()
        return sorted(set(found))
    return sorted(set(rp.filter(pl.col("record_id").is_in(ids.implode())).get_column("person_id").to_list()))


def explain_person(resolved: Resolved, records: pl.DataFrame, query: str) -> list[dict[str, Any]]:
    """Why the person(s) matching ``query`` (person_id, email address, LinkedIn URL or name; names match
    exactly, case-insensitively, else as a substring) are who they are: one dict per person with its PEOPLE
    fields, its ``records`` (source, line, name, emails, URL, company), the ``merges`` that joined them (rule,
    levels, weight) and the ``near_misses`` (close candidates that were not merged, with the reason)."""
    out: list[dict[str, Any]] = []
    for pid in _find_people(resolved, records, query):
        person = resolved.people.filter(pl.col("person_id") == pid).to_dicts()
        if not person:
            continue
        ids = resolved.record_person.filter(pl.col("person_id") == pid).get_column("record_id")
        recs = records.filter(pl.col("record_id").is_in(ids.implode())).sort("record_id").select(
            "record_id", "source_file", "line", "role", "name", "emails", "linkedin_url", "company", "position",
            "automated_hint").to_dicts()
        merges = resolved.matches.filter(pl.col("person_id") == pid).drop("person_id").to_dicts()
        nm = resolved.near_misses
        near = nm.filter((pl.col("person_id_l") == pid) | (pl.col("person_id_r") == pid)) \
            .sort("match_weight", descending=True).to_dicts() if nm.height else []
        out.append({**person[0], "records": recs, "merges": merges, "near_misses": near})
    return out
