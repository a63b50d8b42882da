"""Stage 2 — owner: recognise the owner's records and turn messages into events seen from the owner's side."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import polars as pl

from analyzer import schemas
from analyzer.ingest import OwnerHints
from analyzer.ingest.collect import one_copy_each
from analyzer.normalize import canonical_linkedin_url, normalize_email

log = logging.getLogger(__name__)


@dataclass
class Owner:
    """Who the owner is, as found across sources."""

    emails: list[str]
    linkedin_urls: list[str]
    names: list[str]
    record_ids: pl.Series  # Int64: records that are the owner


def identify_owner(
    records: pl.DataFrame,
    hints: OwnerHints,
    me: list[str] | tuple[str, ...] = (),
    messages: pl.DataFrame | None = None,
) -> Owner:
    """Mark the owner's records: ``--me`` addresses/URLs, what Profile.csv and Email Addresses.csv say, and
    the records a source flags (sent mail, outgoing invitations). Names alone mark the owner only within
    LinkedIn files (where a name-only mention of the owner is common and a namesake is not).

    When nothing identifies the owner in the mail (no Sent label, no known address), the address that takes
    part in most of the mail messages — at least half, and clearly ahead of the next — is taken as the
    owner's: every message of a mailbox is from or to its owner."""
    emails = {normalize_email(e) for e in hints.emails}
    urls = set(hints.linkedin_urls)
    for m in me:
        if "@" in m:
            emails.add(normalize_email(m))
        elif (u := canonical_linkedin_url(m)) is not None:
            urls.add(u)
    flagged = records.filter(pl.col("owner_hint"))
    for em in flagged.get_column("emails").explode().drop_nulls().to_list():
        emails.add(normalize_email(em))
    urls |= set(flagged.get_column("linkedin_url").drop_nulls().to_list())
    emails.discard(None)
    names = {n.casefold() for n in hints.names}

    norm = records.select(
        "record_id",
        pl.col("emails").list.eval(
            pl.element().map_elements(normalize_email, return_dtype=pl.String, skip_nulls=True)
        ).alias("norm_emails"),
        "linkedin_url", "name", "source_kind", "owner_hint",
    )
    if names and (url := _profile_named_url(norm, names, urls)) is not None:
        urls.add(url)
    owner_emails = sorted(e for e in emails if e)
    # (a "+tag" of one of the owner's addresses is the owner's mailbox, on any domain: me+jobs@home.example)
    untagged = pl.element().str.replace(r"^([^+@]+)\+[^@]*@", "${1}@")
    is_owner = (
        pl.col("owner_hint")
        | pl.col("norm_emails").list.eval(pl.element().is_in(owner_emails) | untagged.is_in(owner_emails)).list.any()
        | pl.col("linkedin_url").is_in(sorted(urls)).fill_null(False)
        | (
            pl.col("source_kind").str.starts_with("linkedin")
            & pl.col("linkedin_url").is_null()
            & (pl.col("norm_emails").list.len() == 0)
            & pl.col("name").str.to_lowercase().is_in(sorted(names)).fill_null(False)
        )
    )
    if messages is not None:
        mail_records = norm.filter(pl.col("source_kind").str.starts_with("mail."))
        known = mail_records.filter(is_owner.fill_null(False)).height
        if mail_records.height and not known and (busiest := _busiest_mail_address(norm, records, messages)):
            log.info("owner: %s inferred from the mail (it takes part in most messages)", busiest)
            emails.add(busiest)
            is_owner = is_owner | pl.col("norm_emails").list.contains(busiest)
    ids = norm.filter(is_owner.fill_null(False)).get_column("record_id")
    log.info("owner: %d records, %d emails, %d profile URLs", ids.len(), len(emails), len(urls))
    return Owner(sorted(e for e in emails if e), sorted(urls), sorted(hints.names), ids)


def _profile_named_url(norm: pl.DataFrame, names: set[str], urls: set[str]) -> str | None:
    """The owner's profile URL read from their name, when no LinkedIn record has a profile URL known to be the
    owner's: the one URL that LinkedIn records named as Profile.csv names the owner carry (a messages.csv whose
    every conversation is with one person does not tell the owner's URL; Owen Owner was then ranked as a
    person and Alice's replies had no direction). None when two URLs carry the name (a namesake)."""
    linked = norm.filter(pl.col("source_kind").str.starts_with("linkedin") & pl.col("linkedin_url").is_not_null())
    if linked.height == 0 or linked.filter(pl.col("linkedin_url").is_in(sorted(urls))).height:
        return None
    named = linked.filter(pl.col("name").str.to_lowercase().is_in(sorted(names)).fill_null(False)) \
        .get_column("linkedin_url").unique()
    return str(named[0]) if named.len() == 1 else None


def _busiest_mail_address(norm: pl.DataFrame, records: pl.DataFrame, messages: pl.DataFrame) -> str | None:
    """The normalised address in at least half of the email messages and strictly more than any other (not an
    automated one), or None."""
    mail = messages.filter(pl.col("channel") == "email")
    if mail.height < 3:
        return None
    human = records.filter(pl.col("automated_hint").is_null()).get_column("record_id")
    addresses = (
        norm.filter(pl.col("record_id").is_in(human.implode()))
        .select("record_id", pl.col("norm_emails").alias("email")).explode("email").drop_nulls()
    )
    counts = (
        mail.select("msg_key", pl.concat_list(pl.col("sender_id"), pl.col("recipient_ids")).alias("rid"))
        .explode("rid")
        .join(addresses, left_on="rid", right_on="record_id")
        .group_by("email").agg(pl.col("msg_key").n_unique().alias("n"))
        .sort(["n", "email"], descending=[True, False])
    )
    if counts.height == 0:
        return None
    email, n = counts.row(0)
    runner_up = counts.row(1)[1] if counts.height > 1 else 0
    return str(email) if n * 2 >= mail.height and n > runner_up else None


#: An owner's message without recipients goes to the other people of its thread only when they are at most this
#: many: each such message became an event for every one of them, so a thread of 4,000 senders and 4,000 of the
#: owner's messages without a To made 16 million events (28 s, 5 GB for a 2 MB mbox); over this many, the thread
#: does not tell who such a message was for.
THREAD_RECIPIENTS_MAX = 50


def to_events(messages: pl.DataFrame, owner: Owner, exclude: pl.Series | None = None) -> pl.DataFrame:
    """One event per (message, counterpart): the owner's messages become ``sent`` events for every recipient
    who is not the owner; everyone else's become ``received`` events for their sender.

    A message of the owner's with no recipient (LinkedIn rows with an empty TO) goes to the other people of
    the same thread, so that every message yields an event where the thread says who it was for (a thread of
    at most :data:`THREAD_RECIPIENTS_MAX` other people: with more, it says nothing and the message yields none).

    The events are worked out on row numbers of ``messages`` and put in order there; each message column is
    then gathered once, in the final order: carrying every column through the explode, concat and sort cost
    three copies of the table at once (520 MB over the messages, for a 180 MB result, on the large profile).

    ``exclude``: record ids whose events are left out (the same rows as filtering the result, without a copy
    of the table)."""
    owner_ids = owner.record_ids.implode()
    m = messages.select("sender_id", "recipient_ids", "thread_id").with_row_index("_row").with_columns(
        pl.col("sender_id").is_in(owner_ids).alias("_from_owner"))
    orphan = (pl.col("_from_owner") & (pl.col("recipient_ids").list.len() == 0)
              & pl.col("thread_id").is_not_null()).fill_null(False)
    orphans = m.filter(orphan)
    if orphans.height:
        # only the threads of the orphans are read (a few hundred of 700,000 messages on a large export)
        people_in_thread = (
            m.join(orphans.select("thread_id").unique(), on="thread_id", how="semi")
            .select("thread_id", pl.concat_list(pl.col("sender_id"), pl.col("recipient_ids")).alias("_ids"))
            .explode("_ids")
            .filter(pl.col("_ids").is_not_null() & ~pl.col("_ids").is_in(owner_ids))
            .group_by("thread_id")
            .agg(pl.col("_ids").unique().sort().alias("_thread_people"))
            .filter(pl.col("_thread_people").list.len() <= THREAD_RECIPIENTS_MAX)
        )
        orphans = orphans.join(people_in_thread, on="thread_id", how="left").with_columns(
            pl.col("_thread_people").fill_null(pl.lit([], dtype=pl.List(pl.Int64()))).alias("recipient_ids")
        ).drop("_thread_people")
        m = pl.concat([m.filter(~orphan), orphans])  # the order does not matter: the events are sorted below
    sent = (
        m.filter(pl.col("_from_owner"))
        .select("_row", pl.col("recipient_ids").alias("record_id"))
        .explode("record_id")
        .filter(pl.col("record_id").is_not_null() & ~pl.col("record_id").is_in(owner_ids))
        .with_columns(pl.lit("sent").alias("direction"))
    )
    received = m.filter(~pl.col("_from_owner")).select(
        "_row", pl.col("sender_id").alias("record_id"), pl.lit("received").alias("direction"))
    del m, orphans
    rows = pl.concat([sent, received])
    del sent, received
    if exclude is not None and exclude.len():
        rows = rows.filter(~pl.col("record_id").is_in(exclude.implode()))
    rows = rows.with_columns(messages.get_column("timestamp").gather(rows.get_column("_row")),
                             messages.get_column("msg_key").gather(rows.get_column("_row")))
    rows = sort_events(rows)
    order = rows.get_column("_row")
    events = rows.select(*(
        rows.get_column(c) if c in rows.columns
        else one_copy_each(messages.get_column(c), order) if c in ("source_file", "channel")
        else messages.get_column(c).gather(order)
        for c in schemas.EVENTS))
    return schemas.check(events, schemas.EVENTS, "owner.events")



def sort_events(events: pl.DataFrame) -> pl.DataFrame:
    """``events`` sorted by timestamp (nulls last), msg_key, record_id.

    The same order as one three-key sort, in a third of its time on 780,000 events: a stable sort on the
    timestamp alone (one integer key), the few rows that share a timestamp (4 % on a large export) having
    been put in their full order beforehand. Rows equal in all three keys are copies of one event."""
    keys = ["timestamp", "msg_key", "record_id"]
    shared = pl.col("timestamp").is_duplicated()
    ties = events.filter(shared)
    if ties.height == 0:
        return events.sort("timestamp", nulls_last=True)
    ties = ties.sort(keys, nulls_last=True)
    return pl.concat([events.filter(~shared), ties]).sort("timestamp", nulls_last=True, maintain_order=True)
