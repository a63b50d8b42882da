"""The canonical tables of the pipeline, declared in one place and checked at every stage boundary.

Stage by stage:

* ingest  -> ``RECORDS`` (one row per mention of a person in a source file, de-duplicated per file),
             ``MESSAGES`` (one row per dated interaction: a message, an invitation, an endorsement ...),
             ``REJECTS``.
* owner   -> ``EVENTS`` (one row per (message, counterpart) with the direction relative to the owner).
* identity-> ``PEOPLE`` (one row per human), ``RECORD_PERSON`` (record -> person), ``MATCHES``.
* score   -> ``RANKED``.
"""

from __future__ import annotations

import polars as pl

UTC_DATETIME = pl.Datetime("us", "UTC")

RECORDS: dict[str, pl.DataType] = {
    "record_id": pl.Int64(),
    "source_file": pl.String(),
    "source_kind": pl.String(),  # parser name, e.g. "linkedin.connections", "mail.mbox", "contacts.vcard"
    "line": pl.Int64(),  # first line (1-based, physical) where the mention was seen; null if not line-based
    "role": pl.String(),  # connection | sender | recipient | contact | endorser | recommender | owner ...
    "name": pl.String(),  # display name as written (control characters removed)
    "first_name": pl.String(),
    "last_name": pl.String(),
    "emails": pl.List(pl.String()),  # lower-cased addresses as written (not yet normalised for identity)
    "linkedin_url": pl.String(),  # canonical https://www.linkedin.com/in/<slug>
    "company": pl.String(),
    "position": pl.String(),
    "connected_on": pl.Date(),
    "n_mentions": pl.Int64(),
    "owner_hint": pl.Boolean(),  # the source itself says this mention is the owner
    "automated_hint": pl.String(),  # why the source marks it as automated/bulk (List-Id, noreply ...), else null
    # identity evidence read from the signature block at the end of the sender's messages (mail only; the body
    # itself is never kept): the full name written there, a "Title | Company" line, a LinkedIn profile URL
    "sig_name": pl.String(),
    "sig_title": pl.String(),
    "sig_company": pl.String(),
    "sig_linkedin_url": pl.String(),  # canonical https://www.linkedin.com/in/<slug>
}

MESSAGES: dict[str, pl.DataType] = {
    "msg_key": pl.String(),  # identity of the message across overlapping exports (Message-ID, hash, ...)
    "timestamp": UTC_DATETIME,  # null when the source has no date (Outlook mail CSV)
    "channel": pl.String(),  # email | linkedin_message | linkedin_invitation | linkedin_endorsement | linkedin_recommendation
    "thread_id": pl.String(),
    "sender_id": pl.Int64(),  # record_id of the sender
    "recipient_ids": pl.List(pl.Int64()),  # record_ids of every recipient (to, cc, bcc)
    "n_participants": pl.Int32(),  # sender + all recipients, including ones without a record
    "message_id": pl.String(),  # RFC 5322 Message-ID for mail, else null
    "in_reply_to": pl.String(),  # parent Message-ID for mail replies, else null
    "source_file": pl.String(),
    "line": pl.Int64(),
}

REJECTS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "line": pl.Int64(),
    "reason": pl.String(),
}

EVENTS: dict[str, pl.DataType] = {
    "record_id": pl.Int64(),  # the counterpart's record
    "timestamp": UTC_DATETIME,
    "channel": pl.String(),
    "direction": pl.String(),  # sent (owner -> them) | received (them -> owner)
    "thread_id": pl.String(),
    "n_participants": pl.Int32(),
    "msg_key": pl.String(),
    "message_id": pl.String(),
    "in_reply_to": pl.String(),
    "source_file": pl.String(),
    "line": pl.Int64(),
}

#: The person_id of the owner (the user): one row of people.csv, never ranked.
OWNER_PERSON_ID = "owner"

PEOPLE: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "kind": pl.String(),  # person | automated | owner
    "name": pl.String(),
    "emails": pl.List(pl.String()),
    "linkedin_urls": pl.List(pl.String()),
    "company": pl.String(),
    "position": pl.String(),
    "connected_on": pl.Date(),
    "sources": pl.List(pl.String()),
    "n_records": pl.Int64(),
}

RECORD_PERSON: dict[str, pl.DataType] = {
    "record_id": pl.Int64(),
    "person_id": pl.String(),
}

MATCHES: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "record_id_l": pl.Int64(),
    "record_id_r": pl.Int64(),
    "source_l": pl.String(),
    "source_r": pl.String(),
    "name_l": pl.String(),
    "name_r": pl.String(),
    "rule": pl.String(),  # deterministic rule or "probabilistic"
    "levels": pl.String(),  # e.g. "first_name=nickname; last_name=exact; email_domain=same"
    "match_weight": pl.Float64(),
    "evidence": pl.String(),  # the evidence in words ("same rare name; addresses used one after another ...")
}

RANKED: dict[str, pl.DataType] = {
    "rank": pl.Int64(),
    "person_id": pl.String(),
    "name": pl.String(),
    "company": pl.String(),
    "position": pl.String(),
    "emails": pl.List(pl.String()),
    "linkedin_urls": pl.List(pl.String()),
    "first_contact": pl.Date(),
    "last_contact": pl.Date(),
    "days_since_contact": pl.Int64(),
    "messages_sent": pl.Int64(),
    "messages_received": pl.Int64(),
    "reciprocity": pl.Float64(),
    "strength": pl.Float64(),
    "warmth": pl.Float64(),
    "score": pl.Float64(),
    "reason": pl.String(),
    "replies_owed": pl.Int64(),
}


class SchemaError(AssertionError):
    """A stage produced a frame that does not match its declared schema (a bug, not bad input)."""


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with exactly ``schema``."""
    return pl.DataFrame(schema=schema)


def conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Select and cast ``df`` to ``schema`` (missing columns become nulls); extra columns are kept after."""
    cols = []
    for name, dtype in schema.items():
        if name in df.columns:
            cols.append(pl.col(name).cast(dtype, strict=False))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    extra = [c for c in df.columns if c not in schema]
    return df.select([*cols, *extra])


def check(df: pl.DataFrame, schema: dict[str, pl.DataType], stage: str) -> pl.DataFrame:
    """Assert that ``df`` has every column of ``schema`` with the declared dtype; return it unchanged."""
    for name, dtype in schema.items():
        if name not in df.columns:
            raise SchemaError(f"{stage}: column {name!r} missing")
        if df.schema[name] != dtype:
            raise SchemaError(f"{stage}: column {name!r} is {df.schema[name]}, expected {dtype}")
    return df
