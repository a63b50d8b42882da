"""Writing one message (a sender record, a record per recipient, the message): shared by the CSV mail
parsers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.mail.addresses import Addr
from analyzer.ingest.mail.classify import address_hint

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
