"""Writing one message (a sender record, a record per recipient, the message): shared by the CSV mail
parsers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import polars as pl
import pyarrow as pa

from analyzer.ingest.collect import FileCollector, sort_by_ints
from analyzer.ingest.mail.addresses import Addr
from analyzer.ingest.mail.classify import address_hint, address_hints
from analyzer.ingest.text import clean_texts
from analyzer.normalize import clean_email

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# Writing one message (shared by every mail parser)
# ------------------------------------------------------------------------------------------------------------


def add_mail(
    out: FileCollector,
    *,
    sender: Addr,
    recipients: Iterable[Addr],
    timestamp: datetime | None,
    line: int | None,
    owner: bool = False,
    header_hint: str | None = None,
    thread_id: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    msg_key: str | None = None,
    count: bool = True,
) -> None:
    """Add one email: a sender record, a record per recipient (one per distinct address), and the message
    (and count one used row unless ``count`` is False)."""
    s_addr, s_name = sender
    sid = out.record(role="sender", name=s_name, emails=(s_addr,), line=line, owner_hint=owner,
                     automated_hint=address_hint(s_addr, s_name) or header_hint,
                     key=(s_addr, s_name, owner, header_hint is not None))
    rids: list[int] = []
    seen = {s_addr}
    for addr, name in recipients:
        if addr in seen:
            continue
        seen.add(addr)
        rids.append(out.record(role="recipient", name=name, emails=(addr,), line=line,
                               automated_hint=address_hint(addr, name), key=(addr, name, False, False)))
    out.message(timestamp=timestamp, channel="email", sender=sid, recipients=rids, thread_id=thread_id,
                n_participants=1 + len(rids), msg_key=msg_key, message_id=message_id,
                in_reply_to=in_reply_to, line=line)
    if count:
        out.used()


def bulk_mail_records(used: pl.DataFrame, recipients: pl.DataFrame, people: pl.DataFrame,
                      sender_key: pl.Expr) -> tuple[pl.DataFrame, pl.Series, pl.Series, pl.Series]:
    """What :func:`add_mail` makes, called once per row of ``used``, in bulk (the mail CSV readers' fast paths):
    the records (line, role, name, emails, n_mentions, owner_hint, automated_hint), each row's sender id, its
    recipient ids (a list per row) and its number of recipients.

    ``used`` has one row per message in file order (``j``, ``line``); ``people`` the distinct (``addr``,
    ``name``) pairs, numbered by row (``pid``); ``recipients`` one row per recipient of a message that is not
    its sender's address (``j``, ``line``, ``pid``, and ``sub``, its place among the message's recipients from 1);
    ``sender_key`` is ``pid * 2 + owner`` of a row of ``used``. Records are keyed as there, (address, name,
    owner): a sender mention of a row, then one per distinct address of its recipients; a record is numbered,
    and has the line and role, of its first mention."""
    c = pl.col
    mentions = sort_by_ints(pl.concat([
        used.select("j", "line", sub=pl.lit(0, pl.Int64), key=sender_key),
        recipients.select("j", "line", "sub", key=c("pid") * 2),
    ]), "j", "sub")
    recs = mentions.group_by("key", maintain_order=True).agg(
        line=c("line").first(), sender=c("sub").first() == 0, n_mentions=pl.len().cast(pl.Int64))
    rid = pl.int_range(recs.height, dtype=pl.Int64, eager=True)
    pid = recs.get_column("key") // 2
    addr = people.get_column("addr")
    emails = pl.Series([clean_email(a) for a in addr.to_list()], dtype=pl.String())
    hints = address_hints(addr, people.get_column("name"))
    records = recs.select(
        "line", role=pl.when("sender").then(pl.lit("sender")).otherwise(pl.lit("recipient")),
        name=clean_texts(people.get_column("name")).gather(pid),
        emails=pl.when(emails.gather(pid).is_not_null()).then(pl.concat_list(pl.lit(emails.gather(pid))))
        .otherwise(pl.lit([], dtype=pl.List(pl.String()))),
        n_mentions="n_mentions", owner_hint=c("key") % 2 == 1, automated_hint=pl.lit(hints.gather(pid)))
    keys = recs.get_column("key")
    r_ids = (recipients.get_column("pid") * 2).replace_strict(keys, rid, return_dtype=pl.Int64)
    per_row = (used.select("j").join(recipients.group_by("j").len(), on="j", how="left", maintain_order="left")
               .get_column("len").fill_null(0).cast(pl.Int64))
    offsets = pl.concat([pl.Series([0], dtype=pl.Int64), per_row.cum_sum()])
    recipient_ids = pl.Series("recipient_ids", pa.LargeListArray.from_arrays(offsets.to_arrow(), r_ids.to_arrow()),
                              dtype=pl.List(pl.Int64()))
    sender_ids = used.select(sender_key.replace_strict(keys, rid, return_dtype=pl.Int64)).to_series()
    return records, sender_ids, recipient_ids, per_row
