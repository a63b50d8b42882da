"""Mail parsers: mbox (Gmail Takeout, Thunderbird, Apple Mail, Eudora, mboxrd), Outlook mail CSV, Thunderbird
ImportExportTools NG CSV, Microsoft 365 message trace CSV, and a generic CSV with a column mapping.

One module per format (``mbox``, ``outlook_csv``, ``thunderbird_csv``, ``message_trace``, ``generic_csv``),
the automated-sender classifier on its own (``classify``), and what they share (``addresses``, ``folders``,
``message_dates``, ``message_ids``, ``message_writer``). Importing the package registers the parsers.

Only headers are read, plus, in mbox files, the signature block at the end of a message (``signature``: a
LinkedIn URL, the name, a title line, kept as four short values on the sender's record); bodies are otherwise
skipped (mbox) or dropped as soon as a row is parsed (CSV), subjects are never kept. Every message becomes one ``email`` message in MESSAGES with a sender record and one record per
recipient (To, Cc, Bcc); records are de-duplicated per file by (address, display name).

Decisions (see also formats.md §2):

* Gmail labels Spam, Trash and Drafts (and their translations) -> ignored, counted as
  ``gmail spam/trash/draft``. Mail in a Sent label (or a file/folder named Sent, Gesendet, ...) marks its
  sender record ``owner_hint``: that is how the owner is found from mail alone. Folders named like Spam,
  Trash or Drafts are ignored the same way. Thunderbird messages flagged deleted (``X-Mozilla-Status`` bit
  0x8, still in the file until it is compacted) are ignored.
* Gmail chat records (label ``Chat``: no Date, no To, no Message-ID) are kept as ``email`` messages dated from
  the separator line, with at least two participants; a note gives their count. They are real conversations
  (received ones show who wrote to the owner); when the owner wrote them they have no recipient and produce no
  event.
* A message whose Date is missing or unusable is dated from its separator line; when that has no date either
  the message is kept undated (noted), like the Outlook CSV.
* Outlook's mail CSV has no date column: its rows become undated messages (identities and direction counts
  only) and the file gets a note.
* Automated/bulk hints go on the sender's record (``automated_hint``): header signals (Auto-Submitted,
  Precedence, List-Id, List-Unsubscribe, X-Auto-Response-Suppress, a null Return-Path) and address signals
  (no-reply/notification local parts, notification platforms and bulk-mail subdomains, ``Name via Group``
  display names). Header signals describe a message, not an address, so a person's list posts get a record of
  their own (keyed apart from their personal mail) and one list post does not mark the person as automated.
"""

from __future__ import annotations

from analyzer.ingest.mail import generic_csv, mbox, message_trace, outlook_csv, thunderbird_csv  # noqa: F401  (register)
from analyzer.ingest.mail.addresses import Addr, decode_words, parse_addresses
from analyzer.ingest.mail.classify import address_hint
from analyzer.ingest.mail.folders import Labels, file_folder_kind, folder_kind, gmail_labels
from analyzer.ingest.mail.generic_csv import GENERIC_FIELDS, generic_mail_csv_parser
from analyzer.ingest.mail.mbox import parse_mbox
from analyzer.ingest.mail.message_dates import parse_mail_date, separator_date
from analyzer.ingest.mail.message_ids import mail_key, message_ids, norm_message_id
from analyzer.ingest.mail.message_trace import parse_message_trace
from analyzer.ingest.mail.message_writer import add_mail
from analyzer.ingest.mail.outlook_csv import parse_outlook_mail
from analyzer.ingest.mail.thunderbird_csv import parse_ietng

__all__ = [
    "GENERIC_FIELDS",
    "Addr",
    "Labels",
    "add_mail",
    "address_hint",
    "decode_words",
    "file_folder_kind",
    "folder_kind",
    "generic_mail_csv_parser",
    "gmail_labels",
    "mail_key",
    "message_ids",
    "norm_message_id",
    "parse_addresses",
    "parse_ietng",
    "parse_mail_date",
    "parse_mbox",
    "parse_message_trace",
    "parse_outlook_mail",
    "separator_date",
]
