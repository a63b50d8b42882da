"""Looking people up in an analysis: find them by name, address, profile URL or id, and explain one person —
their identities (the records merged into them), the merges that joined those records, and their timeline.

Used by ``reconnect person`` (:func:`analyzer.report.terminal.print_person`) and by ``Result.person()``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

import polars as pl
from anyascii import anyascii

from analyzer.measures import company_norm, company_norm_str, domain_label
from analyzer.normalize import canonical_linkedin_url, normalize_email, without_display_name
from analyzer.score import year_span

if TYPE_CHECKING:
    from analyzer.pipeline import Analysis

IDENTITY_COLUMNS = ("record_id", "source_file", "source_kind", "line", "role", "name", "emails", "linkedin_url",
                    "company", "position", "connected_on", "n_mentions")


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def _fold(text: str | None) -> str:
    """``text`` in lower-case ASCII words ("Smith, Robert" -> "smith robert"; "Jörg" -> "jorg")."""
    return " ".join(re.split(r"[^a-z0-9]+", anyascii(text or "").lower())).strip()


def _folds(text: str | None) -> tuple[str, ...]:
    """:func:`_fold` of ``text``, and of its German spelling without umlauts ("Jörg Weiß" is also "joerg
    weiss") where it differs."""
    plain = _fold(text)
    german = _fold((text or "").translate(_GERMAN))
    return (plain,) if german == plain else (plain, german)


def _name_matches(words: list[str], names: list[str | None]) -> bool:
    """Whether every word of the query is a word, or the start of one, of one of ``names`` (in any spelling of
    :func:`_folds`)."""
    for name in names:
        for folded in _folds(name):
            have = folded.split()
            if all(any(h.startswith(w) for h in have) for w in words):
                return True
    return False


def find_people(analysis: Analysis, query: str) -> pl.DataFrame:
    """People (PEOPLE rows) matching ``query``, best match first.

    ``query`` is a person_id, an email address (compared after normalisation: case, Gmail dots, +tags), a
    LinkedIn profile URL (any form), or part of a name — every word of it must appear in the name, ignoring
    case and accents ("jose garcia" finds "José García"). Exact ids, addresses and URLs come first; name
    matches follow, best-ranked first."""
    people = analysis.people
    q = without_display_name(unicodedata.normalize("NFC", query))
    if not q or people.height == 0:
        return people.head(0)
    exact = people.filter(pl.col("person_id") == q)
    if exact.height:
        return exact
    if "@" in q and (e := normalize_email(q)) is not None:
        ids = [pid for pid, emails in people.select("person_id", "emails").iter_rows()
               if any(normalize_email(x) == e for x in (emails or []))]
        if ids:
            return people.filter(pl.col("person_id").is_in(ids))
    if (u := canonical_linkedin_url(q)) is not None:
        u = unicodedata.normalize("NFC", u)  # (a slug percent-encoded in decomposed form: zoe%CC%88)
        hit = people.filter(pl.col("linkedin_urls").list.eval(
            pl.element().str.normalize("NFC")).list.contains(u))
        if hit.height:
            return hit
    words = _fold(q).split()
    if not words:
        return people.head(0)
    # every name the person is known by: the one shown, and each record's ("Bob Smith", "Smith, Robert")
    rp = analysis.resolved.record_person
    recs = analysis.ingested.records.select("record_id", "name", "first_name", "last_name")
    known = (rp.join(recs, on="record_id")
             .select("person_id", pl.concat_str(pl.col("first_name"), pl.col("last_name"), separator=" ",
                                                ignore_nulls=True).alias("parts"), "name")
             .unpivot(index="person_id", value_name="names").drop_nulls("names")
             .group_by("person_id").agg(pl.col("names").unique()))
    by_id = dict(known.rows())
    ids = [pid for pid, name in people.select("person_id", "name").iter_rows()
           if _name_matches(words, [name, *by_id.get(pid, [])])]
    hit = people.filter(pl.col("person_id").is_in(ids))
    ranked = analysis.ranked
    if hit.height and "rank" in ranked.columns:
        hit = (hit.join(ranked.select("person_id", pl.col("rank").alias("_rank")), on="person_id", how="left")
               .sort(["_rank", "name", "person_id"], nulls_last=True).drop("_rank"))
    return hit


def identities(analysis: Analysis, person_id: str) -> pl.DataFrame:
    """The records merged into ``person_id``: source file, kind, line, role, name as written, emails, URL ..."""
    rp = analysis.resolved.record_person.filter(pl.col("person_id") == person_id)
    recs = analysis.ingested.records
    cols = [c for c in IDENTITY_COLUMNS if c in recs.columns]
    return recs.join(rp.select("record_id"), on="record_id", how="semi").select(cols).sort(
        ["source_file", "line", "record_id"], nulls_last=True)


def merges(analysis: Analysis, person_id: str) -> pl.DataFrame:
    """The pairs of records that were merged into ``person_id`` and the evidence for each (MATCHES rows)."""
    m = analysis.resolved.matches
    if "person_id" not in m.columns:
        return m.head(0)
    return m.filter(pl.col("person_id") == person_id)


def timeline(analysis: Analysis, person_id: str) -> pl.DataFrame:
    """Events per year, channel and direction with ``person_id``: year, channel, sent, received, total."""
    ev = analysis.events
    schema = {"year": pl.Int32, "channel": pl.String, "sent": pl.Int64, "received": pl.Int64, "total": pl.Int64}
    if not {"person_id", "timestamp", "channel", "direction"} <= set(ev.columns):
        return pl.DataFrame(schema=schema)
    ev = ev.filter((pl.col("person_id") == person_id) & pl.col("timestamp").is_not_null())
    if ev.height == 0:
        return pl.DataFrame(schema=schema)
    return ev.group_by(pl.col("timestamp").dt.year().alias("year"), "channel").agg(
        (pl.col("direction") == "sent").sum().cast(pl.Int64).alias("sent"),
        (pl.col("direction") == "received").sum().cast(pl.Int64).alias("received"),
    ).with_columns((pl.col("sent") + pl.col("received")).alias("total")).sort(["year", "channel"]).cast(
        schema)  # type: ignore[arg-type]


def person_details(analysis: Analysis, person_id: str) -> dict[str, Any]:
    """Everything known about one person: ``person`` (their PEOPLE row as a dict), ``ranking`` (their
    RANKED row as a dict, or None if not ranked), ``identities``, ``merges`` and ``timeline`` (frames), and
    ``undated_events`` (events without a date)."""
    people = analysis.people.filter(pl.col("person_id") == person_id)
    if people.height == 0:
        raise KeyError(person_id)
    ranked = analysis.ranked.filter(pl.col("person_id") == person_id) if "person_id" in analysis.ranked.columns \
        else analysis.ranked.head(0)
    ev = analysis.events
    undated = (ev.filter((pl.col("person_id") == person_id) & pl.col("timestamp").is_null()).height
               if {"person_id", "timestamp"} <= set(ev.columns) else 0)
    return {
        "person": people.row(0, named=True),
        "ranking": ranked.row(0, named=True) if ranked.height else None,
        "identities": identities(analysis, person_id),
        "merges": merges(analysis, person_id),
        "timeline": timeline(analysis, person_id),
        "undated_events": undated,
    }


COMPANY_COLUMNS = ("person_id", "name", "company", "position", "emails", "strength", "warmth", "score",
                   "reason", "match")


def _domain_query(name: str) -> str | None:
    """The email domain a query names (``acme.com``, ``@acme.co.uk``: one word with a dot), lower case, or None.
    A company's web address names its domain (``https://www.acme.com/about``: ``acme.com``)."""
    v = name.strip().lstrip("@").lower()
    if re.match(r"(https?://)?www\.|https?://", v):
        v = re.sub(r"^(https?://)?(www\.)?", "", v).split("/", 1)[0].split("?", 1)[0]
    if " " in v or "." not in v.strip(".") or "@" in v:
        return None
    return v.strip(".")


#: A letter and its dot, as initials are written ("S.A.", "J.P."): the dot goes, so "S.A." is the legal form "SA".
_INITIAL_DOT = r"\b(\p{L})\."


def company_key(expr: pl.Expr) -> pl.Expr:
    """A company name as ``company`` matches it: :func:`company_norm` of the name without accents ("Société
    Générale S.A." -> "societe generale", as "Societe Generale SA" is)."""
    return company_norm(expr.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
                        .str.replace_all(_INITIAL_DOT, "$1"))


def _company_key_str(name: str) -> str | None:
    """:func:`company_key` of one name."""
    return pl.select(company_key(pl.lit(name, dtype=pl.String))).item()


def people_at_company(analysis: Analysis, name: str) -> pl.DataFrame:
    """Everyone (kind ``person``) the owner knows at company ``name``, current or past, strongest first.

    A person matches by their company (normalised, case-insensitive; the query's words appear as whole
    words: "Acme" matches "Acme Robotics Inc."), by a work email domain ("Acme" matches ``@acme.com`` and
    ``@acme.co.uk``; a query of five letters or more also matches domains it starts: "Northwind" matches
    ``@northwindlogistics.com``; a query that is a domain, ``acme.com`` or ``@acme.com``, matches that domain and
    its subdomains), or by having worked with the owner at a matching employer. ``match`` says how.
    """
    domain = _domain_query(name)
    q = _company_key_str(name) if domain is None else company_norm_str(domain.split(".")[0])
    empty = pl.DataFrame(schema={"person_id": pl.String, "name": pl.String, "company": pl.String,
                                 "position": pl.String, "emails": pl.List(pl.String), "strength": pl.Float64,
                                 "warmth": pl.Float64, "score": pl.Float64, "reason": pl.String,
                                 "match": pl.String})
    if q is None:
        return empty
    qc = q.replace(" ", "")
    people = analysis.people.filter(pl.col("kind") == "person")
    padded = pl.lit(" ") + company_key(pl.col("company")).fill_null("") + pl.lit(" ")
    by_company = people.filter(padded.str.contains(f" {q} ", literal=True)).select(
        "person_id", pl.lit("company").alias("match"))
    if domain is not None:  # "acme.com", "@acme.com": that domain and its subdomains
        at_domain = (pl.col("emails").str.to_lowercase().str.ends_with(f"@{domain}")
                     | pl.col("emails").str.to_lowercase().str.ends_with(f".{domain}"))
    else:
        at_domain = (pl.col("_label") == qc) | (pl.lit(len(qc) >= 5) & pl.col("_label").str.starts_with(qc))
    by_mail = (
        people.select("person_id", "emails").explode("emails")
        .with_columns(domain_label(pl.col("emails")).alias("_label"))
        .filter(at_domain)
        .group_by("person_id").agg(
            pl.format("email domain @{}", pl.col("emails").str.extract(r"@(.+)$", 1)).unique().sort()
            .str.join(", ").alias("match"))
    )
    measures = analysis.scored.measures
    emp = measures.filter(pl.col("employer").is_not_null()).select(
        "person_id", "employer", "worked_together", "overlap_start", "overlap_end")
    emp = emp.filter((pl.lit(" ") + company_key(pl.col("employer")).fill_null("") + pl.lit(" "))
                     .str.contains(f" {q} ", literal=True) & pl.col("worked_together"))
    by_overlap = emp.select("person_id", pl.format(
        "worked together at {} {}", pl.col("employer"),
        year_span(pl.col("overlap_start").dt.year(), pl.col("overlap_end").dt.year())).alias("match"))
    hits = pl.concat([by_company, by_mail, by_overlap]).group_by("person_id").agg(
        pl.col("match").unique().sort().str.join("; "))
    if hits.height == 0:
        return empty
    ranked = analysis.scored.ranked.select("person_id", "strength", "warmth", "score", "reason")
    out = (
        people.join(hits, on="person_id", how="inner")
        .join(ranked, on="person_id", how="left")
        .sort(["strength", "score", "person_id"], descending=[True, True, False], nulls_last=True)
    )
    return out.select(list(COMPANY_COLUMNS))
