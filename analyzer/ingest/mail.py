"""Mail parsers: mbox (Gmail Takeout, Thunderbird, Apple Mail, Eudora, mboxrd), Outlook mail CSV, Thunderbird
ImportExportTools NG CSV, Microsoft 365 message trace CSV, and a generic CSV with a column mapping.

Only headers are read: bodies are skipped (mbox) or dropped as soon as a row is parsed (CSV), subjects are
never kept. Every message becomes one ``email`` message in MESSAGES with a sender record and one record per
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

import codecs
import csv
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.utils import getaddresses
from functools import lru_cache
from pathlib import PurePosixPath

import polars as pl

from analyzer.errors import InputError
from analyzer.ingest import mbox_scan
from analyzer.ingest.collect import FileCollector, stable_key
from analyzer.ingest.dates import MAX_YEAR, MIN_YEAR, parse_datetime, parse_rfc5322
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mbox_scan import iter_line_chunks, looks_like_mbox
from analyzer.ingest.registry import Parser, Sniff, register
from analyzer.ingest.text import CsvTable, clean_text, decode, normalise_header, read_table, sniff_delimiter
from analyzer.normalize import clean_email

log = logging.getLogger(__name__)

Addr = tuple[str, str | None]  # (lower-cased address, display name or None)

# ------------------------------------------------------------------------------------------------------------
# Folder and label names
# ------------------------------------------------------------------------------------------------------------

SENT_NAMES = frozenset({
    "sent", "sent mail", "sent messages", "sent items",
    "gesendet", "gesendete objekte", "gesendete elemente", "gesendete nachrichten",
    "enviados", "enviadas", "enviado", "elementos enviados", "correo enviado", "mensajes enviados",
    "envoyés", "envoyes", "messages envoyés", "éléments envoyés", "courrier envoyé",
    "enviats", "correu enviat", "elements enviats", "missatges enviats",
    "inviata", "inviati", "posta inviata", "elementi inviati", "messaggi inviati",
    "itens enviados", "mensagens enviadas", "e-mails enviados",
    "verzonden", "verzonden items", "verzonden berichten",
})
SPAM_NAMES = frozenset({
    "spam", "junk", "junk e-mail", "junk email", "junk mail", "bulk mail",
    "spam-verdacht", "junk-e-mail",
    "correo no deseado", "no deseado", "indésirables", "courrier indésirable", "pourriel",
    "correu brossa", "correu no desitjat", "posta indesiderata", "lixo eletrônico", "lixo eletronico",
    "ongewenst", "ongewenste e-mail", "ongewenste mail",
})
TRASH_NAMES = frozenset({
    "trash", "bin", "deleted", "deleted items", "deleted messages",
    "papierkorb", "gelöschte elemente", "gelöschte objekte", "gelöscht",
    "papelera", "elementos eliminados", "corbeille", "éléments supprimés", "paperera", "elements suprimits",
    "cestino", "posta eliminata", "elementi eliminati", "lixeira", "lixo", "itens excluídos", "itens eliminados",
    "prullenbak", "verwijderde items",
})
DRAFT_NAMES = frozenset({
    "draft", "drafts", "templates", "entwürfe", "entwurf", "vorlagen", "borradores", "borrador", "plantillas",
    "brouillons", "brouillon", "modèles", "esborranys", "bozze", "bozza", "rascunhos", "rascunho", "concepten",
})
CHAT_NAMES = frozenset({"chat", "chats"})

IGNORE_LABEL = "gmail spam/trash/draft"
IGNORE_FOLDER = "spam/trash/draft folder"


def folder_kind(name: str | None) -> str | None:
    """'sent', 'spam', 'trash', 'draft' or None for a mail folder name (any of the supported languages)."""
    if not name:
        return None
    n = name.strip().casefold()
    for prefix in ("[gmail]/", "[google mail]/", "inbox/", "inbox."):
        if n.startswith(prefix):
            n = n[len(prefix):]
    n = re.sub(r"[\s_]+", " ", n).strip()
    if n in SENT_NAMES:
        return "sent"
    if n in SPAM_NAMES:
        return "spam"
    if n in TRASH_NAMES:
        return "trash"
    if n in DRAFT_NAMES:
        return "draft"
    return None


def file_folder_kind(f: InputFile) -> str | None:
    """The folder kind a mail file's own name says (Thunderbird ``Sent``, Apple ``Sent Messages.mbox/mbox``,
    Outlook ``Sent Items.csv``), or None."""
    parts = PurePosixPath(f.display.replace("\\", "/").replace("!", "/")).parts
    name = parts[-1] if parts else f.name
    if name.lower() == "mbox" and len(parts) >= 2:
        name = parts[-2]
    for ext in (".mbox", ".mbx", ".csv", ".txt"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return folder_kind(name)


@dataclass(frozen=True, slots=True)
class Labels:
    """What a message's X-Gmail-Labels say."""

    ignore: str | None  # reason to ignore the message, else None
    sent: bool
    chat: bool


@lru_cache(maxsize=20_000)
def gmail_labels(value: bytes) -> Labels:
    """Parse an ``X-Gmail-Labels`` value: comma-separated, quoted when a label has a comma, maybe folded or
    RFC 2047-encoded, case and language varying."""
    s = _text(_unfold(value))
    if "=?" in s:
        s = decode_words(s)
    try:
        cells = next(csv.reader([s], skipinitialspace=True))
    except (csv.Error, StopIteration):
        cells = s.split(",")
    kinds = {folder_kind(c) for c in cells}
    chat = any(c.strip().casefold() in CHAT_NAMES for c in cells)
    ignore = IGNORE_LABEL if kinds & {"spam", "trash", "draft"} else None
    return Labels(ignore, "sent" in kinds, chat)


# ------------------------------------------------------------------------------------------------------------
# Addresses, names, automated hints
# ------------------------------------------------------------------------------------------------------------

_FOLD = re.compile(rb"\r?\n[ \t]*")


def _unfold(value: bytes) -> bytes:
    if b"\n" in value:
        value = _FOLD.sub(b" ", value)
    return value.strip()


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", errors="replace")


@lru_cache(maxsize=50_000)
def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?Q?...?=``); text that fails to decode is returned as is."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # malformed encoded words in untrusted headers: keep the raw text
        return value


# One list item in the common shapes: `Name <a@x>`, `"Name, Jr" <a@x>`, `<a@x>`, `a@x` (then `,` or the end).
_ADDR_ITEM = re.compile(
    r'[ \t]*(?:(?:"((?:[^"\\\r\n]|\\.)*)"|([^",<>()@;:\\\[\]]*?))[ \t]*<([^<>\s,"]+)>'
    r'|([^\s,<>"();:\[\]\\]+@[^\s,<>"();:\[\]\\]+))[ \t]*(?:,[ \t,]*|$)')
_QUOTED_PAIR = re.compile(r"\\(.)")


def _split_addresses(value: str) -> list[tuple[str, str]] | None:
    """(name, address) pairs for the common list shapes, or None when the value needs the full RFC 5322
    parser (comments, groups, unquoted commas...). Much faster than ``email.utils.getaddresses``."""
    pos, end = 0, len(value)
    out: list[tuple[str, str]] = []
    match = _ADDR_ITEM.match
    while pos < end:
        m = match(value, pos)
        if m is None or m.end() == pos:
            return None
        quoted, plain, angle, bare = m.groups()
        if bare is not None:
            out.append(("", bare))
        elif quoted is not None:
            out.append((_QUOTED_PAIR.sub(r"\1", quoted) if "\\" in quoted else quoted, angle))
        else:
            out.append((plain or "", angle))
        pos = m.end()
    return out


@lru_cache(maxsize=100_000)
def parse_addresses(value: str) -> tuple[Addr, ...]:
    """The (address, name) pairs of an address-list header or cell, in order; invalid addresses dropped.

    Accepts RFC 5322 lists (``A <a@x>, "B, Jr" <b@y>``), ``;``-separated lists and bare addresses. Names are
    RFC 2047-decoded after splitting (a decoded name may contain a comma).
    """
    if "@" not in value:
        return ()
    value = value.strip()
    if ";" in value and "," not in value.replace('","', ""):
        value = value.replace(";", ",")
    out: list[Addr] = []
    pairs = _split_addresses(value)
    if pairs is None:
        try:
            pairs = getaddresses([value])
        except Exception:  # email.utils on hostile input: fall back to a plain split
            pairs = [("", p) for p in re.split(r"[,;\s]+", value)]
    pending: list[str] = []  # pieces of an unquoted "Last, First" name split at its comma
    for name, addr in pairs:
        a = clean_email(addr)
        if a is None:
            piece = (name or addr).strip()
            if piece and "@" not in piece and len(pending) < 3:
                pending.append(piece)
            continue
        if pending and name:
            name = ", ".join([*pending, name])
        pending = []
        out.append((a, _display_name(name, a) if name else None))
    return tuple(out)


@lru_cache(maxsize=100_000)
def _display_name(name: str, addr: str) -> str | None:
    """A display name decoded (RFC 2047) and cleaned; None when empty or just the address again."""
    n = clean_text(decode_words(name))
    if n is not None:
        n = n.strip("'\" ") or None
        if n is not None and n.lower() == addr:
            n = None
    return n


@lru_cache(maxsize=60_000)
def _header_addresses(value: bytes) -> tuple[Addr, ...]:
    return parse_addresses(_text(_unfold(value)))


_NOREPLY_EXACT = frozenset({
    "notifications", "notification", "notify", "notifier", "mailer-daemon", "mailerdaemon", "postmaster",
    "bounce", "bounces", "alerts", "alert", "news", "newsletter", "newsletters", "updates", "update", "digest",
    "marketing", "automated", "auto-reply", "autoreply", "auto-confirm", "invitations", "jobs-listings",
    "member", "hit-reply", "inmail-hit-reply", "calendar", "reminders", "reminder", "mailer", "nobody",
})
# Words that, as one part of a local part (shipment-tracking@, order.confirmation@), mean a machine sender.
_MACHINE_TOKENS = frozenset({
    "tracking", "shipment", "shipments", "shipping", "order", "orders", "receipt", "receipts", "confirmation",
    "confirmations", "confirm", "verification", "verify", "billing", "invoice", "invoices", "statement",
    "statements", "delivery", "notifications", "notification", "alerts", "alert", "digest", "newsletter",
    "auto", "automated", "autoreply", "mailer", "daemon", "bounce", "bounces", "updates", "reminders",
})
_LOCAL_SEPARATORS = re.compile(r"[-._]")
_NOREPLY_PARTS = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
                  "mailer-daemon", "notification", "newsletter", "bounce")
_NOREPLY_RX = re.compile("|".join(map(re.escape, _NOREPLY_PARTS)))
# Domains (and their subdomains) that only send machine mail: notification services and bulk-mail senders.
# Not the platforms' own domains (linkedin.com, github.com, slack.com): their employees write from those.
_PLATFORM_DOMAINS = (
    "facebookmail.com", "googlegroups.com", "amazonses.com", "sendgrid.net", "mcsv.net", "mcdlv.net",
    "mailchimpapp.net", "mandrillapp.com", "hubspotemail.net", "mktomail.com", "intercom-mail.com",
    "bounces.google.com", "docs.google.com", "reply.github.com", "noreply.github.com", "linkedin.email",
    "mail.linkedin.com", "sparkpostmail.com", "rsgsv.net", "list-manage.com", "ccsend.com", "discoursemail.com",
)
# Services whose customers get subdomains that send tickets and notifications (acme.zendesk.com).
_PLATFORM_PARENTS = (".zendesk.com", ".freshdesk.com", ".atlassian.net")
_PLATFORM_DOMAIN_SET = frozenset(_PLATFORM_DOMAINS)
_PLATFORM_SUFFIXES = tuple("." + d for d in _PLATFORM_DOMAINS) + _PLATFORM_PARENTS
_BULK_SUBDOMAINS = frozenset({
    "e", "em", "email", "emails", "news", "newsletter", "newsletters", "mailer", "mailers", "mailing",
    "mailings", "bounce", "bounces", "notifications", "notification", "notify", "marketing", "campaign",
    "campaigns", "updates", "alerts", "reply", "mkt", "promo", "offers",
})
_VIA = re.compile(r"\S\s+via\s+\S|\(via\s")


@lru_cache(maxsize=100_000)
def address_hint(addr: str, name: str | None) -> str | None:
    """Why an address (with its display name) is automated, from the address alone, else None."""
    local, _, domain = addr.rpartition("@")
    local = local.split("+", 1)[0]
    if local in _NOREPLY_EXACT or _NOREPLY_RX.search(local):
        return "noreply/notification address"
    if _MACHINE_TOKENS.intersection(_LOCAL_SEPARATORS.split(local)):
        return "machine-mail address (tracking, orders, receipts ...)"
    if domain in _PLATFORM_DOMAIN_SET or domain.endswith(_PLATFORM_SUFFIXES):
        return "notification platform domain"
    labels = domain.split(".")
    if len(labels) >= 3 and labels[0] in _BULK_SUBDOMAINS:
        return "bulk-mail subdomain"
    if name and _VIA.search(name):
        return "sent via a group or service"
    return None


# ------------------------------------------------------------------------------------------------------------
# Dates and message ids
# ------------------------------------------------------------------------------------------------------------

_MON = {m: i for i, m in enumerate(
    (b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"), start=1)}
_TZ = {b"gmt": 0, b"ut": 0, b"utc": 0, b"z": 0, b"est": -300, b"edt": -240, b"cst": -360, b"cdt": -300,
       b"mst": -420, b"mdt": -360, b"pst": -480, b"pdt": -420, b"cet": 60, b"cest": 120, b"bst": 60}
_RFC_DATE = re.compile(
    rb"\s*(?:[A-Za-z]{2,9},?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})"
    rb"(?::(\d{2})(?:\.\d+)?)?\s*([+-]\d{4}|[A-Za-z]{1,5})?")
# Separator dates: ctime "Mon Aug 28 18:38:57 2023" and Gmail's "Tue Aug 08 12:36:29 +0000 2023".
_SEP_DATE = re.compile(
    rb"([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([+-]\d{4}|[A-Za-z]{1,5})\s+)?(\d{4})")
_OFFSETS: dict[int, timedelta] = {}


def _mk(y: int, mo: int, d: int, h: int, mi: int, s: int, tz: bytes | None) -> datetime | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    if tz is None:
        off = 0
    elif tz[:1] in (b"+", b"-"):
        off = (int(tz[1:3]) * 60 + int(tz[3:5])) * (-1 if tz[:1] == b"-" else 1)
    else:
        off = _TZ.get(tz.lower(), 0)
    try:
        dt = datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None
    if off:
        delta = _OFFSETS.get(off)
        if delta is None:
            delta = _OFFSETS[off] = timedelta(minutes=off)
        dt -= delta
    return dt


_DAY_BASES: dict[tuple[bytes, bytes, bytes, bytes], datetime | None] = {}


def _day_base(d: bytes, mon: bytes, y: bytes, tz: bytes) -> datetime | None:
    """Midnight of a (day, month name, year, zone) as UTC, or None; memoised (many messages share a day)."""
    key = (d, mon, y, tz)
    try:
        return _DAY_BASES[key]
    except KeyError:
        pass
    base = None
    mo = _MON.get(mon[:3].lower())
    if mo and d.isdigit() and y.isdigit() and len(d) <= 2:
        year = int(y)
        if len(y) == 2:
            year += 2000 if year < 50 else 1900
        elif len(y) == 3:
            year += 1900
        base = _mk(year, mo, int(d), 0, 0, 0, tz or None) if (not tz or _TZ_OK.match(tz)) else None
    if len(_DAY_BASES) > 50_000:
        _DAY_BASES.clear()
    _DAY_BASES[key] = base
    return base


_TIMES: dict[bytes, timedelta] = {}  # "HH:MM:SS" -> offset in the day (at most 86,400 entries)
_TZ_OK = re.compile(rb"^(?:[+-]\d{4}|[A-Za-z]{1,5})$")


def parse_mail_date(value: bytes) -> datetime | None:
    """An RFC 5322 ``Date`` header value as an aware UTC datetime, or None if unusable."""
    parts = value.split()
    if parts and not parts[0][:1].isdigit():  # weekday, with or without its comma
        parts = parts[1:]
    if len(parts) >= 4:
        base = _day_base(parts[0], parts[1], parts[2], parts[4] if len(parts) > 4 else b"")
        if base is not None:
            t = parts[3]
            delta = _TIMES.get(t)
            if delta is None and len(t) == 8 and t[2] == 58 and t[5] == 58 and t.replace(b":", b"").isdigit() \
                    and int(t[:2]) < 24 and int(t[3:5]) < 60 and int(t[6:]) < 61:
                delta = _TIMES[t] = timedelta(seconds=int(t[:2]) * 3600 + int(t[3:5]) * 60 + int(t[6:]))
            if delta is not None:
                return base + delta
    m = _RFC_DATE.match(value)
    if m:
        d, mon, y, h, mi, s, tz = m.groups()
        mo = _MON.get(mon.lower())
        if mo:
            year = int(y)
            if len(y) == 2:
                year += 2000 if year < 50 else 1900
            elif len(y) == 3:
                year += 1900
            return _mk(year, mo, int(d), int(h), int(mi), int(s or 0), tz)
    text = _text(_unfold(value))
    return parse_rfc5322(text) or parse_datetime(text)


def separator_date(sep: bytes) -> datetime | None:
    """The date of an mbox separator line (Gmail's, ctime, Eudora's forms), or None."""
    m = _SEP_DATE.search(sep)
    if not m:
        return None
    mon, d, h, mi, s, tz, y = m.groups()
    mo = _MON.get(mon.lower())
    if not mo:
        return None
    return _mk(int(y), mo, int(d), int(h), int(mi), int(s or 0), tz)


_MSGID = re.compile(rb"<([^<>\s]+)>")
_MSGID_S = re.compile(r"<([^<>\s]+)>")


def message_ids(value: bytes) -> list[str]:
    """The message ids (without angle brackets) in a Message-ID / In-Reply-To / References value."""
    found = _MSGID.findall(value)
    if found:
        return [_text(x) for x in found]
    bare = _unfold(value).split()
    return [_text(bare[0]).strip("<>")] if bare and b"@" in bare[0] else []


def norm_message_id(value: str | None) -> str | None:
    """A Message-ID as written in a CSV cell, without angle brackets; None if empty."""
    if not value:
        return None
    m = _MSGID_S.search(value)
    v = m.group(1) if m else value.strip().strip("<>").strip()
    return v or None


def mail_key(message_id: str | None, *parts: object) -> str:
    """``msg_key`` of a mail message: its Message-ID (so copies in two exports dedupe), else a hash of parts.
    A Message-ID (nearly always with an "@") and a 24-hex-digit hash do not collide in practice."""
    if message_id:
        return message_id
    return stable_key("email", *parts)


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


# ------------------------------------------------------------------------------------------------------------
# mbox
# ------------------------------------------------------------------------------------------------------------

# The headers read (lower-cased names); To, Cc and Bcc repeated in a message are combined with ",", for the
# others the first one counts.
_ADDR_HEADERS = ("to", "cc", "bcc")
_SINGLE_HEADERS = ("from", "date", "message-id", "in-reply-to", "references", "x-gm-thrid", "x-gmail-labels",
                   "list-unsubscribe", "list-id", "precedence", "auto-submitted", "x-auto-response-suppress",
                   "return-path", "x-mozilla-status")
_WANTED = (*_SINGLE_HEADERS, *_ADDR_HEADERS)
_BULK_PRECEDENCE = ("bulk", "list", "junk")
_GMAIL_SEP_ID = re.compile(rb"^From (\d+)@xxx ")
UTC_DT = pl.Datetime("us", "UTC")
_WORKERS = max(1, min(2, os.cpu_count() or 1))
# The same rules as mbox_scan, as polars (Rust) regexes: ASCII classes only (\s and \d are Unicode there).
_WS = " \t\r\n\x0b\x0c"  # what bytes.strip() and bytes.split() treat as whitespace
_RX_MSGID = r"<([^<>\x20\t\n\r\x0b\x0c]+)>"
# The common Date forms, read in Rust: [weekday] d Mon yyyy h:mm[:ss] [zone [anything]]. Anything else
# (2-digit years, odd spacing, glued zones...) goes through parse_mail_date once per distinct value.
_RX_DATE = (r"^[ \t\x0b\x0c]*(?:[^0-9 \t\x0b\x0c][^ \t\x0b\x0c]*[ \t\x0b\x0c]+)?(?<d>[0-9]{1,2})[ \t\x0b\x0c]+"
            r"(?<mon>[A-Za-z]{3})[^ \t\x0b\x0c]*[ \t\x0b\x0c]+(?<y>[0-9]{4})[ \t\x0b\x0c]+"
            r"(?<hh>[0-9]{1,2}):(?<mi>[0-9]{2})(?::(?<ss>[0-9]{2}))?"
            r"(?:[ \t\x0b\x0c]+(?<zone>[+-][0-9]{4}|[A-Za-z]{1,5})(?:[ \t\x0b\x0c].*)?)?[ \t\x0b\x0c]*$")
# The usual Date form (see _vector_dates), matched without captures (a DFA scan).
_RX_DATE_FAST = (r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?[0-9]{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                 r"[0-9]{4} [0-9]{2}:[0-5][0-9]:[0-6][0-9] (?:[+-][0-9]{4}|GMT|UTC|UT|Z|[ECMP][SD]T)(?: \([^()]*\))?$")
_MON_NUM = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10,
            "Nov": 11, "Dec": 12}
_DAYS_IN_MONTH = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_MON_LOWER = {k.lower(): v for k, v in _MON_NUM.items()}
_TZ_MINUTES = {k.decode(): v for k, v in _TZ.items()}


def _utc_datetime(f: pl.DataFrame) -> pl.Series:
    """The UTC datetime of each row of ``f`` (Int64 columns y, mo, d, hh, mi, ss and off, the offset in minutes;
    an optional Boolean column ok, false for rows to leave null), by integer arithmetic (H. Hinnant's days_from_civil); null for impossible dates and years out of range. In
    stages: one expression tree would evaluate its shared parts again and again."""
    c = pl.col
    if "ok" not in f.columns:
        f = f.with_columns(ok=pl.lit(True))
    return f.lazy().with_columns(
        leap=((c("y") % 4 == 0) & (c("y") % 100 != 0)) | (c("y") % 400 == 0),
        yy=c("y") - (c("mo") <= 2).cast(pl.Int64),
    ).with_columns(
        dim=c("mo").replace_strict(_DAYS_IN_MONTH, default=None, return_dtype=pl.Int64)
        + (c("leap") & (c("mo") == 2)).cast(pl.Int64),
        era=c("yy").floordiv(400),
    ).with_columns(yoe=c("yy") - c("era") * 400).with_columns(
        doe=c("yoe") * 365 + c("yoe").floordiv(4) - c("yoe").floordiv(100)
        + (153 * (c("mo") + pl.when(c("mo") > 2).then(-3).otherwise(9)) + 2).floordiv(5) + c("d") - 1,
    ).select(
        ts=pl.when(c("ok") & c("y").is_between(MIN_YEAR, MAX_YEAR) & (c("hh") < 24) & (c("mi") < 60) & (c("ss") <= 60)
                   & c("d").is_between(1, c("dim")))
        .then((((c("era") * 146097 + c("doe") - 719468) * 86400 + c("hh") * 3600 + c("mi") * 60 + c("ss")
                - c("off") * 60) * 1_000_000).cast(UTC_DT))
    ).collect().get_column("ts")


def _zone_minutes(zone: pl.Expr, name: pl.Expr) -> pl.Expr:
    """The UTC offset in minutes of a Date's zone: ``+hhmm``/``-hhmm`` read from ``zone``, else the zone
    ``name`` (GMT, EST ...) looked up in ``_TZ`` (unknown names count as UTC, as in parse_mail_date)."""
    sign = zone.str.slice(0, 1)
    return (pl.when(sign.is_in(["+", "-"]))
            .then((zone.str.slice(1, 2).str.to_integer(strict=False) * 60 + zone.str.slice(3, 2).str.to_integer(strict=False))
                  * pl.when(sign == "-").then(-1).otherwise(1))
            .otherwise(name.str.to_lowercase().replace_strict(_TZ_MINUTES, default=0, return_dtype=pl.Int64)))


def _vector_dates(date: pl.Series) -> pl.Series:
    """``Date`` values in the forms nearly every mailer writes, as UTC datetimes, by integer arithmetic (no
    per-value Python, no strptime); null for anything else, including impossible dates and years out of range,
    which go to ``parse_mail_date``. The usual form ``[Www, ]d Mon yyyy hh:mm:ss +hhmm|GMT|UT|EST...[ (comment)]``
    is checked with one capture-free regex, brought to one layout (weekday dropped, a one-digit day padded) and
    read at fixed offsets; rarer spellings (other spacing, no seconds, long month names) with a capturing regex. The weekday is not checked (as in
    parse_mail_date); a named zone not in ``_TZ`` counts as UTC, as there."""
    v = pl.col("v")
    c = pl.col

    # The form is fixed once the weekday is dropped and a one-digit day is padded: "dd Mon yyyy hh:mm:ss zone".
    is_fast = date.str.contains(_RX_DATE_FAST).fill_null(False)
    fast = pl.DataFrame({"v": date, "ok": is_fast}).lazy().with_columns(
        v=pl.when(v.str.slice(3, 1) == ",").then(v.str.slice(5)).otherwise(v)).with_columns(
        v=pl.when(v.str.slice(1, 1) == " ").then(pl.lit("0") + v).otherwise(v)).with_columns(
        zone=v.str.slice(21, 5)).select(
        "ok", y=v.str.slice(7, 4).str.to_integer(strict=False),
        mo=v.str.slice(3, 3).replace_strict(_MON_NUM, default=None, return_dtype=pl.Int64),
        d=v.str.slice(0, 2).str.to_integer(strict=False), hh=v.str.slice(12, 2).str.to_integer(strict=False),
        mi=v.str.slice(15, 2).str.to_integer(strict=False), ss=v.str.slice(18, 2).str.to_integer(strict=False),
        off=_zone_minutes(c("zone"), c("zone").str.slice(0, 3).str.strip_chars_end(" (")),
    ).collect()
    ts = _utc_datetime(fast)
    rest = (~is_fast & date.is_not_null()).arg_true()
    if rest.len() == 0:
        return ts
    g = pl.DataFrame({"v": date.gather(rest)}).select(p=v.str.extract_groups(_RX_DATE)).unnest("p").select(
        y=c("y").str.to_integer(strict=False),
        mo=c("mon").str.to_lowercase().replace_strict(_MON_LOWER, default=None, return_dtype=pl.Int64),
        d=c("d").str.to_integer(strict=False), hh=c("hh").str.to_integer(strict=False),
        mi=c("mi").str.to_integer(strict=False), ss=c("ss").str.to_integer(strict=False).fill_null(0),
        off=_zone_minutes(c("zone"), c("zone")).fill_null(0),
    )
    return ts.scatter(rest, _utc_datetime(g))


def _latin1(s: pl.Series) -> pl.Series:
    """Values with non-ASCII characters re-read as Latin-1 bytes, as the per-message parser wrote ids."""
    odd = (s.str.len_bytes() != s.str.len_chars()).fill_null(False).arg_true()
    if odd.len() == 0:
        return s
    return s.scatter(odd, [v.encode("utf-8").decode("latin-1") for v in s.gather(odd).to_list()])


def _ids_read_simply(s: pl.Series, inner: pl.Series, shape: pl.Series,
                     by_regex: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``inner`` where ``shape`` holds and ``inner`` is a plausible id (not empty, no brackets or blanks); for
    the other non-null values of ``s``, ``by_regex`` of them."""
    simple = (shape & (inner.str.len_bytes() > 0) & ~inner.str.contains(r"[<>\x20\t\n\r\x0b\x0c]")).fill_null(False)
    out = pl.select(pl.when(simple).then(inner)).to_series()
    rest = (~simple & s.is_not_null()).arg_true()
    return out.scatter(rest, by_regex(s.gather(rest))) if rest.len() else out


def _first_msgid(s: pl.Series, *, latin1: bool = False) -> pl.Series:
    """The first ``<id>`` of each value (without brackets), or null; the common value that is just one
    ``<id>`` is read without a regex capture."""
    out = _ids_read_simply(s, s.str.strip_prefix("<").str.strip_suffix(">"),
                           s.str.starts_with("<") & s.str.ends_with(">"), lambda v: v.str.extract(_RX_MSGID))
    return _latin1(out) if latin1 else out


def _last_msgid(s: pl.Series) -> pl.Series:
    """The last ``<id>`` of each value (without brackets), or null; the common value that ends with an ``<id>``
    is read without a regex."""
    return _ids_read_simply(
        s, s.str.split("<").list.last().str.strip_suffix(">"),
        s.str.contains("<", literal=True) & s.str.ends_with(">"),
        lambda v: v.str.extract_all(_RX_MSGID).list.last().str.slice(1).str.strip_suffix(">"))


def _header_hint_expr() -> pl.Expr:
    """Why a message's headers mark it automated (Auto-Submitted, Precedence, List-Id, ...), else null."""
    auto = pl.col("auto-submitted").str.strip_chars(_WS).str.to_lowercase()
    prec = pl.col("precedence").str.strip_chars(_WS).str.to_lowercase()
    return (
        pl.when(auto.is_not_null() & ~auto.is_in(["no", ""])).then(pl.lit("Auto-Submitted"))
        .when(prec.is_in(list(_BULK_PRECEDENCE))).then(pl.lit("Precedence: ") + prec)
        .when(pl.col("list-id").is_not_null()).then(pl.lit("List-Id"))
        .when(pl.col("list-unsubscribe").is_not_null()).then(pl.lit("List-Unsubscribe"))
        .when(pl.col("x-auto-response-suppress").is_not_null()).then(pl.lit("X-Auto-Response-Suppress"))
        .when(pl.col("return-path").str.strip_chars(_WS) == "<>").then(pl.lit("null Return-Path"))
        .otherwise(None)
    )


_DELETED = "deleted message (Thunderbird folder not compacted)"


def _b(value: str | None) -> bytes | None:
    return None if value is None else value.encode("utf-8", "surrogatepass")


def _cp1252_bytes(err: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: bytes that are not UTF-8 read as Windows-1252 (as ``_text`` does)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start:err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("reconnect-cp1252", _cp1252_bytes)


def _chunk_headers(data: bytes | memoryview, after_blank: bool) -> tuple[pl.DataFrame, int]:
    """The messages of one piece of an mbox (see :func:`mbox_scan.header_table`), the headers read kept, and its
    number of lines. The values are copies, not views of the piece (whose buffer is reused)."""
    return mbox_scan.header_table(data, after_blank, _WANTED, frozenset(_ADDR_HEADERS))


def parse_mbox(f: InputFile, out: FileCollector) -> None:
    """Read an mbox file's header blocks into records and messages (bodies are skipped).

    The file is read in pieces of ``mbox_scan.LINE_CHUNK`` bytes, each turned into one row per message with
    the headers read (see :func:`mbox_scan.header_table`), two pieces at a time; then, for the whole file, the
    messages' fields (labels, dates, ids: :func:`_message_fields`) while another thread parses the distinct
    addresses (:func:`_warm_caches`), and the participants and records (:func:`_mbox_messages`). Python runs
    once per DISTINCT value (addresses, labels, unusual dates), not once per message.
    """
    folder = file_folder_kind(f)
    try:
        fh = f.open()
    except OSError as exc:
        raise InputError(f.display, f"cannot be read ({exc.strerror or exc})") from None
    parts: list[pl.DataFrame] = []
    lines_before = 0

    def collect(done: Future[tuple[pl.DataFrame, int]]) -> None:
        nonlocal lines_before
        part, n_lines = done.result()
        if part.height:
            parts.append(part.with_columns(pl.col("line") + lines_before))
        lines_before += n_lines

    # Two pieces are turned into frames at a time and one more is read ahead: numpy and polars release the
    # GIL, so this keeps both cores of the reference machine busy. Memory holds at most four pieces.
    with fh, ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        try:
            pending: deque[Future[tuple[pl.DataFrame, int]]] = deque()
            # A piece's buffer is reused `ring` pieces later: at most _WORKERS + 1 are in use at any time.
            for after_blank, data in iter_line_chunks(fh, out.advance, mbox_scan.LINE_CHUNK, ring=_WORKERS + 2):
                pending.append(pool.submit(_chunk_headers, data, after_blank))
                del data
                while len(pending) > _WORKERS:
                    collect(pending.popleft())
            while pending:
                collect(pending.popleft())
        except OSError as exc:
            raise InputError(f.display, f"cannot be read ({exc.strerror or exc})",
                             hint="The file may be truncated: export it again") from None
        raw = pl.concat(parts, rechunk=True) if parts else pl.DataFrame()
        parts.clear()
        # Python parses the addresses (holding the GIL) while polars reads the fields (releasing it).
        warmed = pool.submit(_warm_caches, raw) if raw.height else None
        msgs = _message_fields(raw) if raw.height else raw
        if warmed is not None:
            warmed.result()
    n_seen = msgs.height
    notes: list[str] = []
    if n_seen and folder in ("spam", "trash", "draft"):
        out.ignore(IGNORE_FOLDER, n_seen)
    elif n_seen:
        notes = _mbox_messages(msgs, out, folder_sent=folder == "sent")
    rep = out.report
    if n_seen == 0 or rep.used + rep.ignored == 0:
        raise InputError(f.display, "contains no valid mail message" + (
            f" ({n_seen} separator lines, none followed by a message with a sender address)" if n_seen else ""),
            hint="Is this an mbox export? It should start with a 'From ' line followed by headers")
    if folder == "sent":
        out.note("folder named as Sent: every sender is taken as the owner")
    for note in notes:
        out.note(note)


#: At most this many distinct values are parsed ahead (below the sizes of the caches they fill).
_WARM_MAX = 50_000


def _warm_caches(m: pl.DataFrame) -> None:
    """Parse the distinct From values and To/Cc/Bcc list items of ``m`` (and their addresses' hints) into the
    caches of ``_header_addresses``, ``parse_addresses`` and ``address_hint``, exactly as
    :func:`_mbox_messages` and :func:`_address_rows` will ask for them: Python work done while polars works on
    something else. Pure cache warming: nothing is returned or recorded."""
    froms = m.get_column("from").drop_nulls().unique(maintain_order=True).head(_WARM_MAX).to_list()
    lists = pl.concat([m.get_column(c) for c in _ADDR_HEADERS]).drop_nulls().unique(maintain_order=True)
    simple = lists.filter(~lists.str.contains(_RX_LIST_SLOW))
    split = simple.str.split(",").explode().unique(maintain_order=True)
    pieces = split.filter(split.str.contains(_RX_SIMPLE_ADDR)).head(_WARM_MAX).to_list()
    whole = lists.filter(lists.str.contains(_RX_LIST_SLOW)).head(_WARM_MAX).to_list()
    for v in froms:
        addrs = _header_addresses(_b(v) or b"")
        if addrs:
            address_hint(*addrs[0])
    for p in pieces:
        for a in parse_addresses(p):
            address_hint(*a)
    for v in whole:
        for a in _header_addresses(_b(v) or b""):
            address_hint(*a)


def _per_value(col: pl.Series, fn: Callable[[str], object], dtype: pl.DataType) -> pl.Series:
    """``fn`` of each value of ``col`` (null stays null), called once per distinct value."""
    uniq = col.drop_nulls().unique()
    if uniq.len() == 0:
        return pl.Series(col.name, [None] * col.len(), dtype=dtype)
    vals = pl.Series(col.name, [fn(v) for v in uniq.to_list()], dtype=dtype)
    return col.replace_strict(uniq, vals, default=None, return_dtype=dtype)


def _map_unique(frame: pl.DataFrame, cols: list[str], fn: Callable[..., tuple[object, ...]],
                outputs: dict[str, pl.DataType]) -> pl.DataFrame:
    """The columns ``outputs`` = ``fn(*row)`` for the rows of ``frame``, computed once per distinct ``cols``."""
    keys = frame.select(cols)
    uniq = keys.unique(maintain_order=True)
    values = [fn(*row) for row in uniq.iter_rows()]
    new = [pl.Series(name, [v[i] for v in values], dtype=dtype) for i, (name, dtype) in enumerate(outputs.items())]
    return keys.join(uniq.with_columns(new), on=cols, how="left", nulls_equal=True,
                     maintain_order="left").select(list(outputs))


# One item of an address list in the simple shapes `Name <a@x>`, `"Name" <a@x>`, `<a@x>`, `a@x` (_ADDR_ITEM).
# A list made only of these, without ';' or control characters, is split at its commas and each distinct item
# parsed once: lists differ from message to message, their addresses repeat. A comma inside a quoted name makes
# pieces that do not match: such lists go whole through parse_addresses.
_RX_SIMPLE_ADDR = (r'^[ \t]*(?:(?:"(?:[^"\\\r\n]|\\.)*"|[^",<>()@;:\\\[\]]*?)[ \t]*<[^<>\s,"]*@[^<>\s,"]*>'
                   r'|[^\s,<>"();:\[\]\\]+@[^\s,<>"();:\[\]\\]+)[ \t]*$')


# Address lists that go whole through parse_addresses (';' separators, control characters), not split at commas.
_RX_LIST_SLOW = r"[;\x00-\x08\x0e-\x1f\x7f]"


class _Participants:
    """Distinct (address, display name) pairs and addresses of one file, numbered in Python (pid, aid)."""

    def __init__(self) -> None:
        self.pids: dict[tuple[str, str | None], int] = {}
        self.aids: dict[str, int] = {}
        self.addr: list[str] = []
        self.name: list[str | None] = []
        self.aid: list[int] = []

    def pid(self, addr: str, name: str | None) -> int:
        """The number of (addr, name)."""
        k = self.pids.get((addr, name))
        if k is None:
            k = self.pids[(addr, name)] = len(self.addr)
            self.addr.append(addr)
            self.name.append(name)
            self.aid.append(self.aids.setdefault(addr, len(self.aids)))
        return k


def _address_rows(m: pl.DataFrame, people: _Participants) -> pl.DataFrame:
    """(k, f, j, pid, aid) sorted by (k, f, j): the addresses of each message's To (f=0), Cc (1) and Bcc (2) in
    order, as ``parse_addresses`` reads them."""
    long = pl.concat([m.select("k", f=pl.lit(i, pl.Int8), v=pl.col(c)).drop_nulls("v")
                      for i, c in enumerate(_ADDR_HEADERS)])
    # Distinct values get an integer id: the long strings of mass mail are not copied around.
    values = long.select("v").unique().with_row_index("vid")
    long = long.join(values, on="v", how="left").select("k", "f", "vid")
    pieces = (
        values.filter(~pl.col("v").str.contains(_RX_LIST_SLOW))
        .select("vid", p=pl.col("v").str.split(","))
        .explode("p")
        .filter(~pl.col("p").str.contains(r"^[ \t]*$"))
        .with_columns(ok=pl.col("p").str.contains(_RX_SIMPLE_ADDR))
    )
    uniq = pieces.filter("ok").select("p").unique()
    parsed = [parse_addresses(p) for p in uniq.get_column("p").to_list()]
    uniq = uniq.with_columns(pl.Series("pid", [people.pid(*a[0]) if len(a) == 1 else None for a in parsed],
                                       dtype=pl.Int64()))
    pieces = pieces.join(uniq, on="p", how="left")
    good = pieces.group_by("vid").agg(pl.col("pid").is_not_null().all().alias("one")).filter("one").select("vid")
    simple = pieces.join(good, on="vid", how="semi").select("vid", "pid")
    simple = simple.with_columns(j=_rank_in_group(pl.col("vid")))
    rest = values.join(good, on="vid", how="anti")
    cols: dict[str, list[int]] = {"vid": [], "j": [], "pid": []}
    for vid, v in rest.select("vid", "v").iter_rows():
        for j, (addr, name) in enumerate(_header_addresses(_b(v) or b"")):
            cols["vid"].append(vid)
            cols["j"].append(j)
            cols["pid"].append(people.pid(addr, name))
    slow = pl.DataFrame(cols, schema={"vid": pl.UInt32(), "j": pl.Int64(), "pid": pl.Int64()})
    per_value = pl.concat([simple.select(slow.columns), slow])
    aid = pl.Series("aid", people.aid, dtype=pl.Int64())
    out = long.join(per_value, on="vid", how="inner").select("k", "f", "j", "pid").sort("k", "f", "j")
    return out.with_columns(aid=aid.gather(out.get_column("pid")))


def _rank_in_group(key: pl.Expr, start: int = 0) -> pl.Expr:
    """Position of each row within its run of equal ``key`` values (rows of a group must be adjacent)."""
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.when(key.ne_missing(key.shift(1))).then(idx).forward_fill()
    return idx - first + start


def _message_fields(m: pl.DataFrame) -> pl.DataFrame:
    """Per message: label flags, Thunderbird's deleted flag, the header hint, the date (from the Date header,
    else the separator line), the ids and thread; the raw headers not needed later are dropped."""
    m = m.with_row_index("k").with_columns(pl.col("k").cast(pl.Int64))
    # Labels and Thunderbird's deleted flag: ignored messages.
    def label_flags(v: str | None) -> tuple[object, ...]:
        if v is None:
            return None, False, False
        lab = gmail_labels(_b(v) or b"")
        return lab.ignore, lab.sent, lab.chat

    m = pl.concat([m, _map_unique(m, ["x-gmail-labels"], label_flags,
                                  {"l_ignore": pl.String(), "l_sent": pl.Boolean(), "l_chat": pl.Boolean()})],
                  how="horizontal")
    status = m.get_column("x-mozilla-status")
    m = m.with_columns(deleted=pl.repeat(False, m.height, eager=True) if status.null_count() == m.height else
                       _per_value(status, lambda v: _mozilla_deleted(_b(v) or b""), pl.Boolean()).fill_null(False))
    m = m.with_columns(hint=_header_hint_expr())

    # Dates: the common forms in Rust, the others once per distinct value, then the separator line.
    m = m.with_columns(ts=_vector_dates(m.get_column("date")))
    slow = m.filter(pl.col("ts").is_null() & pl.col("date").is_not_null()).select("k", "date")
    if slow.height:
        slow = slow.select("k", ts2=_per_value(slow.get_column("date"), lambda v: parse_mail_date(_b(v) or b""), UTC_DT))
        m = m.join(slow, on="k", how="left", maintain_order="left").with_columns(pl.coalesce("ts", "ts2")).drop("ts2")
    m = m.with_columns(sep_dated=pl.col("ts").is_null())
    undated = m.filter(pl.col("ts").is_null())
    if undated.height:
        sep_ts = [separator_date(_b(s) or b"") for s in undated.get_column("sep").to_list()]
        fill = undated.select("k", pl.Series("ts3", sep_ts, dtype=UTC_DT))
        m = m.join(fill, on="k", how="left", maintain_order="left").with_columns(
            pl.coalesce("ts", "ts3")).drop("ts3")
    m = m.with_columns(sep_dated=pl.col("sep_dated") & pl.col("ts").is_not_null())

    # Message ids, replies and threads (X-GM-THRID, else the first reference, else In-Reply-To or the id).
    refs = pl.col("references")
    m = m.with_columns(
        mid=_first_msgid(m.get_column("message-id"), latin1=True),
        irt0=_first_msgid(m.get_column("in-reply-to"), latin1=True),
        thrid=_latin1(m.get_column("x-gm-thrid").str.strip_chars(_WS)),
        ref_first=_first_msgid(m.get_column("references")),
        ref_last=_last_msgid(m.get_column("references")),
    )
    odd = m.filter((pl.col("mid").is_null() & pl.col("message-id").is_not_null())
                   | (pl.col("ref_first").is_null() & refs.is_not_null()))
    if odd.height:  # bare ids without angle brackets
        fix = odd.select("k", mid2=pl.col("message-id").map_elements(
            lambda v: _bare_id(_b(v) or b""), return_dtype=pl.String()),
            ref2=refs.map_elements(lambda v: _bare_id(_b(v) or b""), return_dtype=pl.String()))
        m = m.join(fix, on="k", how="left", maintain_order="left").with_columns(
            pl.coalesce("mid", "mid2"), pl.coalesce("ref_first", "ref2"), pl.coalesce("ref_last", "ref2")
        ).drop("mid2", "ref2")
    irt = pl.coalesce("irt0", "ref_last")
    m = m.with_columns(
        in_reply_to=irt,
        thread_id=pl.when(pl.col("thrid").is_not_null() & (pl.col("thrid") != "")).then("thrid")
        .when(pl.col("thrid").is_not_null() & pl.col("irt0").is_not_null()).then(pl.lit(""))
        .otherwise(pl.coalesce("ref_first", irt, "mid")),
    )
    return m.select(
        "line", pl.when(pl.col("mid").is_null()).then("sep").alias("sep"), "from", "to", "cc", "bcc", "l_ignore",
        "deleted", "l_sent", "l_chat", "hint", "ts", "sep_dated", "mid", "in_reply_to", "thread_id")


def _mbox_messages(m: pl.DataFrame, out: FileCollector, *, folder_sent: bool) -> list[str]:
    """Records and messages from the one-row-per-message frame of an mbox file; returns the notes to add."""
    m = m.with_row_index("k").with_columns(pl.col("k").cast(pl.Int64))
    for reason, cnt in m.filter(pl.col("l_ignore").is_not_null()).group_by("l_ignore").len().sort("l_ignore").iter_rows():
        out.ignore(reason, cnt)
    n_deleted = m.filter(pl.col("l_ignore").is_null() & pl.col("deleted")).height
    if n_deleted:
        out.ignore(_DELETED, n_deleted)
    m = m.filter(pl.col("l_ignore").is_null() & ~pl.col("deleted"))
    if m.height == 0:
        return []

    # Senders, once per distinct From value; the address's own hint, else the message's header hint.
    m = m.with_columns(owner=pl.lit(folder_sent) | pl.col("l_sent"))
    people = _Participants()

    def sender(frm: str | None) -> tuple[object, ...]:
        senders = _header_addresses(_b(frm) or b"") if frm is not None else ()
        if not senders:
            return None, None
        s_addr, s_name = senders[0]
        return people.pid(s_addr, s_name), address_hint(s_addr, s_name)

    m = m.hstack(_map_unique(m, ["from"], sender, {"s_pid": pl.Int64(), "a_hint": pl.String()})).with_columns(
        s_hint=pl.coalesce("a_hint", "hint"))
    for line in m.filter(pl.col("s_pid").is_null()).get_column("line").to_list():
        out.reject(line, "no sender address")
    m = m.filter(pl.col("s_pid").is_not_null())
    if m.height == 0:
        return []

    # Recipients: one per distinct address of To, Cc, Bcc (the first one's name), not the sender (mail to
    # oneself, the sender in Cc).
    ar = _address_rows(m, people)
    ar = ar.filter((pl.col("k") * (1 << 32) + pl.col("aid")).is_first_distinct())
    p_aid = pl.Series("aid", people.aid, dtype=pl.Int64())
    m = m.with_columns(s_aid=p_aid.gather(m.get_column("s_pid")))
    rm = (ar.join(m.select("k", "line", "s_aid"), on="k", how="inner", maintain_order="left")
          .filter(pl.col("aid") != pl.col("s_aid"))
          .with_columns(pos=_rank_in_group(pl.col("k"), 1)))
    n_rec = rm.group_by("k").len("n_rec")
    # Mentions, keyed like record(): (pid, owner, header-hinted) as one integer; sender mentions first, each
    # part in file order (so a group's first row is its first mention).
    mentions = pl.concat([
        m.select("k", "line", pos=pl.lit(0, pl.Int64),
                 key=pl.col("s_pid") * 4 + pl.col("owner").cast(pl.Int64) * 2 + pl.col("hint").is_not_null().cast(pl.Int64),
                 hint="s_hint"),
        rm.select("k", "line", "pos", key=pl.col("pid") * 4, hint=pl.lit(None, pl.String())),
    ])
    order = pl.col("k") * (1 << 24) + pl.col("pos")
    recs = mentions.group_by("key").agg(
        first=order.min(), line=pl.col("line").min(), hint=pl.col("hint").drop_nulls().first(),
        n_mentions=pl.len().cast(pl.Int64),
    ).sort("first").with_row_index("rid").with_columns(pl.col("rid").cast(pl.Int64))
    rec_pid = recs.get_column("key") // 4
    p_hint = pl.Series([address_hint(a, n) for a, n in zip(people.addr, people.name, strict=True)], dtype=pl.String())
    names = pl.Series([clean_text(n) if n is not None else None for n in people.name], dtype=pl.String())
    emails = pl.Series([clean_email(a) for a in people.addr], dtype=pl.String()).gather(rec_pid)
    records = recs.select(
        "line",
        role=pl.when(pl.col("first") % (1 << 24) == 0).then(pl.lit("sender")).otherwise(pl.lit("recipient")),
        name=names.gather(rec_pid),
        emails=pl.when(emails.is_not_null()).then(pl.concat_list(pl.lit(emails)))
        .otherwise(pl.lit([], dtype=pl.List(pl.String()))),
        n_mentions="n_mentions", owner_hint=(pl.col("key") // 2 % 2) == 1,
        automated_hint=pl.coalesce(pl.lit(p_hint.gather(rec_pid)), "hint"),
    )
    rid = pl.col("key").replace_strict(recs.get_column("key"), recs.get_column("rid"), return_dtype=pl.Int64)

    n_undated = m.filter(pl.col("ts").is_null()).height
    n_sep_dated = m.filter(pl.col("sep_dated") & ~pl.col("l_chat")).height
    nokey = m.filter(pl.col("mid").is_null()).select("k", "sep", "s_pid", "ts")
    if nokey.height:
        p_addr = pl.Series(people.addr, dtype=pl.String())
        r_addrs = ar.join(nokey.select("k"), on="k", how="semi")
        r_addrs = r_addrs.with_columns(addr=p_addr.gather(r_addrs.get_column("pid"))).group_by("k").agg(
            pl.col("addr").sort().alias("r_addrs"))
        nokey = nokey.join(r_addrs, on="k", how="left", maintain_order="left")
        keys_ = []
        for sep, s_pid, ts_, addrs in nokey.select("sep", "s_pid", "ts", "r_addrs").iter_rows():
            g = _GMAIL_SEP_ID.match(_b(sep) or b"")
            keys_.append(stable_key("gmail", g.group(1)) if g else
                         stable_key("email", people.addr[s_pid], ts_, addrs or []))
        m = m.join(nokey.select("k", pl.Series("key2", keys_, dtype=pl.String())), on="k", how="left",
                   maintain_order="left")
    else:
        m = m.with_columns(key2=pl.lit(None, pl.String()))

    # Messages, referring to the records by their row numbers.
    rids = rm.select("k", key=pl.col("pid") * 4).select("k", rid=rid).group_by("k", maintain_order=True).agg(
        pl.col("rid").alias("recipient_ids"))
    m = (m.with_columns(key=pl.col("s_pid") * 4 + pl.col("owner").cast(pl.Int64) * 2
                        + pl.col("hint").is_not_null().cast(pl.Int64))
         .with_columns(sender_id=rid)
         .join(rids, on="k", how="left", maintain_order="left")
         .join(n_rec, on="k", how="left", maintain_order="left"))
    n_part = pl.col("n_rec").fill_null(0).cast(pl.Int32) + 1
    messages = m.select(
        msg_key=pl.coalesce("mid", "key2"), timestamp="ts", channel=pl.lit("email"), thread_id="thread_id",
        sender_id=pl.col("sender_id").cast(pl.Int64),
        recipient_ids=pl.col("recipient_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64()))),
        n_participants=pl.when(pl.col("l_chat")).then(pl.max_horizontal(n_part, 2)).otherwise(n_part),
        message_id="mid", in_reply_to="in_reply_to", line="line",
    )
    out.add_bulk(records, messages)
    out.used(m.height)
    n_chat = m.filter(pl.col("l_chat")).height
    notes = []
    if n_chat:
        notes.append(f"{_n(n_chat, 'Gmail chat record')} read as email, dated from the mbox separator line")
    if n_sep_dated:
        notes.append(f"{_n(n_sep_dated, 'message')} with a missing or unusable Date header dated from the separator "
                     "line")
    if n_undated:
        notes.append(f"{_n(n_undated, 'message')} without any date kept undated")
    return notes


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _bare_id(value: bytes) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None


def _mozilla_deleted(status: bytes) -> bool:
    """Thunderbird's X-Mozilla-Status has the 0x0008 (expunged) bit: deleted but not yet compacted away."""
    try:
        return bool(int(status.strip()[:4], 16) & 0x0008)
    except ValueError:
        return False


def _match_mbox(s: Sniff) -> bool:
    return looks_like_mbox(s.head)


register(Parser(
    kind="mail.mbox",
    label="mbox mail (Gmail Takeout, Thunderbird, Apple Mail .mbox folder, Eudora, mboxrd)",
    export_help="Gmail: takeout.google.com -> Mail -> 'All mail Including Spam and Trash.mbox'. Thunderbird: the "
                "folder files in your profile's Mail/ImapMail directory (or ImportExportTools NG -> Export folder "
                "-> mbox). Apple Mail: Mailbox -> Export Mailbox... (pass the .mbox folder).",
    matches=_match_mbox,
    parse=parse_mbox,
    priority=20,
))


# ------------------------------------------------------------------------------------------------------------
# CSV helpers
# ------------------------------------------------------------------------------------------------------------


def _decode_file(f: InputFile, out: FileCollector) -> str:
    data = f.read_bytes()
    out.advance(len(data))
    return decode(data, f.display)


def _headerless_table(text: str, display: str, delimiter: str) -> CsvTable:
    return CsvTable(display, [], [], 0, 0, text, delimiter, 0)


def _first_line(text: str) -> str:
    """The first non-blank line (without splitting the whole text)."""
    pos = 0
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        if text[pos:end].strip():
            return text[pos:end].rstrip("\r")
        pos = end + 1
    return ""


def _first_row(text: str) -> list[str]:
    line = _first_line(text)
    delim = sniff_delimiter(line)
    try:
        return next(csv.reader([line], delimiter=delim))
    except (csv.Error, StopIteration):
        return []


def _cell(row: list[str], i: int | None) -> str:
    if i is None or i >= len(row):
        return ""
    return row[i]


# ------------------------------------------------------------------------------------------------------------
# Outlook mail CSV (Import/Export -> Comma Separated Values): 19 columns, no date
# ------------------------------------------------------------------------------------------------------------

_OUTLOOK_TYPED = re.compile(r"^[^:()]+ ?: ?\((.+)\)$")


def _outlook_shape(keys: list[str]) -> bool:
    """Columns 3-14 are From/To/CC/BCC x (Name, Address, Type), in any Outlook language."""
    if len(keys) < 14:
        return False
    return all(_OUTLOOK_TYPED.match(k) for k in keys[2:14])


def _split_semicolons(value: str) -> list[str]:
    return [p.strip() for p in value.split(";")] if value.strip() else []


def _outlook_people(names: str, addrs: str) -> list[tuple[str | None, str | None]]:
    """Pair the ';'-separated names and addresses of one Outlook To/CC/BCC group."""
    ns, as_ = _split_semicolons(names), _split_semicolons(addrs)
    if len(ns) != len(as_):
        if as_:
            return [(None, a) for a in as_]
        return [(n, None) for n in ns]
    return list(zip(ns, as_, strict=True))


def parse_outlook_mail(f: InputFile, out: FileCollector) -> None:
    """Outlook's mail-folder CSV: identities and undated messages (the format has no date column)."""
    text = _decode_file(f, out)
    table = read_table(text, f.display, is_header=_outlook_shape)
    owner = file_folder_kind(f) == "sent"
    ignore = IGNORE_FOLDER if file_folder_kind(f) in ("spam", "trash", "draft") else None
    for line, row in table.rows():
        if ignore:
            out.ignore(ignore)
            continue
        people: list[list[tuple[str | None, str | None]]] = []
        for base in (2, 5, 8, 11):
            people.append(_outlook_people(_cell(row, base), _cell(row, base + 1)))
        frm = [(clean_text(n), clean_email(a)) for n, a in people[0]]
        if not frm or not (frm[0][0] or frm[0][1]):
            out.reject(line, "no sender")
            continue
        s_name, s_addr = frm[0]
        recips = [(clean_text(n), clean_email(a)) for grp in people[1:] for n, a in grp]
        recips = [(n, a) for n, a in recips if n or a]
        key = stable_key("outlook", s_addr or s_name, sorted((a or n or "") for n, a in recips),
                         _cell(row, 0), _cell(row, 1))
        sid = out.record(role="sender", name=s_name, emails=(s_addr,), line=line, owner_hint=owner,
                         automated_hint=address_hint(s_addr, s_name) if s_addr else None,
                         key=(s_addr, s_name, owner, False))
        rids: list[int] = []
        seen = {s_addr or s_name}
        for n, a in recips:
            ident = a or n
            if ident in seen:
                continue
            seen.add(ident)
            rids.append(out.record(role="recipient", name=n, emails=(a,), line=line,
                                   automated_hint=address_hint(a, n) if a else None, key=(a, n, False, False)))
        out.message(timestamp=None, channel="email", sender=sid, recipients=rids, n_participants=1 + len(rids),
                    msg_key=key, line=line)
        out.used()
    out.note("no dates in Outlook mail CSV: identities only")


register(Parser(
    kind="mail.outlook_csv",
    label="Outlook mail folder CSV (no dates: identities only)",
    export_help="Outlook desktop: File -> Open & Export -> Import/Export -> Export to a file -> Comma Separated "
                "Values -> pick the mail folder (Inbox, Sent Items).",
    matches=lambda s: _outlook_shape([normalise_header(c) for c in _first_row(s.text)]),
    parse=parse_outlook_mail,
))


# ------------------------------------------------------------------------------------------------------------
# Thunderbird ImportExportTools NG CSV: no header row
# ------------------------------------------------------------------------------------------------------------

_NUM_DT = re.compile(
    r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?$")
_ADDR_IN = re.compile(r"[^\s@<>\"]+@[^\s@<>\"]+\.[^\s@<>\"]+")


def _ietng_offset(row: list[str]) -> int | None:
    """Index of the Subject column (0, or 1 with the account/folder column) if ``row`` has the IETNG shape."""
    for k in (0, 1):
        if len(row) < k + 4:
            continue
        author, date = row[k + 1], row[k + 3].strip()
        if _ADDR_IN.search(author) and (_NUM_DT.match(date) or parse_datetime(date)):
            return k
    return None


def _day_first(cells: Iterable[str]) -> bool:
    """Are the file's numeric dates day-first (27/03/2020, 27.3.2020)? Decided once per file."""
    votes_day = votes_month = 0
    for c in cells:
        m = _NUM_DT.match(c.strip())
        if not m or len(m.group(1)) == 4:
            continue
        a, sep, b = int(m.group(1)), m.group(2), int(m.group(3))
        if sep == "." or a > 12:
            votes_day += 1
        elif b > 12:
            votes_month += 1
    return votes_day > votes_month


def _local_datetime(value: str, day_first: bool) -> datetime | None:
    """A numeric date-time as IETNG writes it (locale order, no zone: taken as UTC)."""
    v = value.strip()
    m = _NUM_DT.match(v)
    if not m:
        return parse_datetime(v)
    a, _sep, b, c, h, mi, s, ampm = m.groups()
    if len(a) == 4:
        y, mo, d = int(a), int(b), int(c)
    else:
        y = int(c) + (2000 if len(c) == 2 and int(c) < 70 else 1900 if len(c) == 2 else 0)
        mo, d = (int(b), int(a)) if day_first else (int(a), int(b))
    hour = int(h)
    if ampm:
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return datetime(y, mo, d, hour, int(mi), int(s or 0), tzinfo=UTC)
    except ValueError:
        return None


def _match_ietng(s: Sniff) -> bool:
    line = _first_line(s.text)
    if not line.startswith('"'):
        return False
    row = _first_row(s.text)
    return _ietng_offset(row) is not None


def parse_ietng(f: InputFile, out: FileCollector) -> None:
    """Thunderbird ImportExportTools NG 'Spreadsheet (CSV)' index: Subject, Author, Recipients, date, ..."""
    text = _decode_file(f, out)
    table = _headerless_table(text, f.display, sniff_delimiter(_first_line(text)))
    rows = list(table.rows())
    if not rows:
        raise InputError(f.display, "contains no message rows")
    k = _ietng_offset(rows[0][1])
    if k is None:
        raise InputError(f.display, "is not an ImportExportTools NG message index", line=rows[0][0])
    day_first = _day_first(_cell(r, k + 3) for _, r in rows)
    file_kind = file_folder_kind(f)
    for line, row in rows:
        kind = folder_kind(_cell(row, 0).replace("\\", "/").rsplit("/", 1)[-1]) if k == 1 else file_kind
        if kind in ("spam", "trash", "draft"):
            out.ignore(IGNORE_FOLDER)
            continue
        senders = parse_addresses(_cell(row, k + 1).replace("&lt;", "<").replace("&gt;", ">"))
        if not senders:
            out.reject(line, "no sender address")
            continue
        ts = _local_datetime(_cell(row, k + 3), day_first)
        if ts is None:
            out.reject(line, "unreadable date")
            continue
        recips = parse_addresses(_cell(row, k + 2).replace("&lt;", "<").replace("&gt;", ">"))
        add_mail(out, sender=senders[0], recipients=recips, timestamp=ts, line=line, owner=kind == "sent",
                 msg_key=mail_key(None, senders[0][0], ts, sorted({a for a, _ in recips})))
    out.note("ImportExportTools NG dates are local time without a zone: read as UTC")


register(Parser(
    kind="mail.thunderbird_csv",
    label="Thunderbird ImportExportTools NG message index CSV (no header row)",
    export_help="Thunderbird with the ImportExportTools NG add-on: right-click a folder -> ImportExportTools NG "
                "-> Export all messages in the folder -> Spreadsheet (CSV).",
    matches=_match_ietng,
    parse=parse_ietng,
))


# ------------------------------------------------------------------------------------------------------------
# Microsoft 365 / Exchange Online message trace
# ------------------------------------------------------------------------------------------------------------

_TRACE_SPAM = frozenset({"filteredasspam", "quarantined"})


def _is_trace_header(keys: list[str]) -> bool:
    ks = set(keys)
    return ({"SENDERADDRESS", "RECIPIENTADDRESS"} <= ks and ("RECEIVED" in ks or "MESSAGEID" in ks)) or (
        "SENDER_ADDRESS" in ks and bool(ks & {"RECIPIENT_STATUS", "RECIPIENT_ADDRESS"})
        and bool(ks & {"ORIGIN_TIMESTAMP_UTC", "DATE_TIME_UTC", "ORIGIN_TIMESTAMP"}))


@dataclass
class _TraceMsg:
    line: int
    timestamp: datetime | None
    sender: Addr
    recipients: dict[str, str | None] = field(default_factory=dict)
    message_id: str | None = None


def _trace_recipients(status: str, addresses: str) -> list[str]:
    """Recipient addresses from ``a@x##Receive, Deliver;b@y##...`` and/or a ``;``-separated address list."""
    out: list[str] = []
    for part in status.split(";"):
        addr = clean_email(part.split("##", 1)[0])
        if addr:
            out.append(addr)
    for part in re.split(r"[;,]", addresses):
        addr = clean_email(part)
        if addr:
            out.append(addr)
    return out


def parse_message_trace(f: InputFile, out: FileCollector) -> None:
    """Microsoft 365 message trace: the PowerShell summary (one row per recipient) and the downloadable
    enhanced/extended reports (one row per message or per routing event), merged per message."""
    text = _decode_file(f, out)
    table = read_table(text, f.display, is_header=_is_trace_header)
    ix = table.index()

    def col(*names: str) -> int | None:
        for n in names:
            if n in ix:
                return ix[n]
        return None

    c_date = col("RECEIVED", "ORIGIN_TIMESTAMP_UTC", "ORIGIN_TIMESTAMP", "DATE_TIME_UTC")
    c_date2 = col("DATE_TIME_UTC")
    c_from = col("SENDERADDRESS", "SENDER_ADDRESS")
    c_to = col("RECIPIENTADDRESS", "RECIPIENT_ADDRESS")
    c_status = col("RECIPIENT_STATUS")
    c_state = col("STATUS")
    c_mid = col("MESSAGEID", "MESSAGE_ID")
    c_net = col("NETWORK_MESSAGE_ID", "MESSAGETRACEID", "INTERNAL_MESSAGE_ID")
    msgs: dict[str, _TraceMsg] = {}
    for line, row in table.rows():
        state = _cell(row, c_state).strip().casefold()
        if state in _TRACE_SPAM:
            out.ignore("spam/quarantined (message trace)")
            continue
        if state == "failed":
            out.ignore("delivery failed (message trace)")
            continue
        senders = parse_addresses(_cell(row, c_from))
        if not senders:
            out.reject(line, "no sender address")
            continue
        ts = parse_datetime(_cell(row, c_date)) or parse_datetime(_cell(row, c_date2))
        if ts is None:
            out.reject(line, "unreadable date")
            continue
        mid = norm_message_id(_cell(row, c_mid))
        ident = mid or _cell(row, c_net).strip() or stable_key(line)
        recips = _trace_recipients(_cell(row, c_status), _cell(row, c_to))
        m = msgs.get(ident)
        if m is None:
            m = msgs[ident] = _TraceMsg(line, ts, senders[0], message_id=mid)
            new = True
        else:
            new = False
            if m.timestamp is None or ts < m.timestamp:
                m.timestamp = ts
        for r in recips:
            if r not in m.recipients:
                m.recipients[r] = None
                new = True
        if new:
            out.used()
        else:
            out.ignore("repeated trace event of the same message")
    for m in msgs.values():  # rows were counted above: several rows can make one message
        add_mail(out, sender=m.sender, recipients=[(r, None) for r in m.recipients], timestamp=m.timestamp,
                 line=m.line, message_id=m.message_id, count=False,
                 msg_key=mail_key(m.message_id, m.sender[0], m.timestamp, sorted(m.recipients)))


register(Parser(
    kind="mail.m365_trace",
    label="Microsoft 365 / Exchange Online message trace CSV (summary, enhanced and extended reports)",
    export_help="Exchange admin center -> Mail flow -> Message trace -> download the report (or "
                "Get-MessageTraceV2 | Export-Csv in PowerShell).",
    matches=lambda s: _is_trace_header([normalise_header(c) for c in _first_row(
        "\n".join(ln for ln in s.text.splitlines()[:3] if not ln.startswith("#")))]),
    parse=parse_message_trace,
))


# ------------------------------------------------------------------------------------------------------------
# Generic mail CSV with a column mapping
# ------------------------------------------------------------------------------------------------------------

GENERIC_FIELDS = ("date", "from", "to", "cc", "thread", "message_id")


def generic_mail_csv_parser(mapping: dict[str, str]) -> Parser:
    """A parser for any mail CSV, given which column holds which field.

    ``mapping`` maps the canonical fields ``date``, ``from``, ``to``, ``cc``, ``thread``, ``message_id`` to the
    file's column names (matched case-insensitively); ``from`` is required. In the configuration file:

    .. code-block:: toml

        [generic_mail_csv]
        from = "Sender"           # required: "Name <addr>", a bare address, or a list (first one is used)
        to = "Recipients"         # ',' or ';'-separated addresses, "Name <addr>" allowed
        cc = "Copy"
        date = "Sent On"          # any date format reconnect reads (ISO, RFC 5322, M/D/YYYY h:mm AM, ...)
        thread = "Conversation"   # any thread/conversation id
        message_id = "Internet Message ID"

    The file is recognised when its header has every mapped column; a file another parser recognises (a
    LinkedIn or Outlook export with the same column names) is read by that parser instead. Rows without a
    sender address are rejected; a date column that cannot be read rejects the row; without a date column the
    messages are undated. Register the returned parser with :func:`analyzer.ingest.registry.register`
    before calling ``ingest``. Raises ValueError for an unknown field, a value that is not a column name, or
    a mapping without ``from``.
    """
    unknown = set(mapping) - set(GENERIC_FIELDS)
    if unknown:
        raise ValueError(f"unknown generic_mail_csv field(s): {', '.join(sorted(unknown))}; "
                         f"expected {', '.join(GENERIC_FIELDS)}")
    bad = sorted(k for k, v in mapping.items() if not isinstance(v, str) or not v.strip())
    if bad:
        raise ValueError(f"generic_mail_csv: {', '.join(bad)} must name a column (a non-empty string)")
    if not mapping.get("from"):
        raise ValueError("generic_mail_csv needs at least the 'from' column")
    want = {k: normalise_header(v) for k, v in mapping.items()}

    def is_header(keys: list[str]) -> bool:
        return set(want.values()) <= set(keys)

    def matches(s: Sniff) -> bool:
        for ln in s.text.splitlines()[:11]:
            if ln.strip():
                try:
                    row = next(csv.reader([ln], delimiter=sniff_delimiter(ln)))
                except (csv.Error, StopIteration):
                    continue
                if is_header([normalise_header(c) for c in row]):
                    return True
        return False

    def parse(f: InputFile, out: FileCollector) -> None:
        text = _decode_file(f, out)
        table = read_table(text, f.display, is_header=is_header)
        ix = table.index()
        c = {k: ix.get(v) for k, v in want.items()}
        has_date = c.get("date") is not None
        owner = file_folder_kind(f) == "sent"
        for line, row in table.rows():
            senders = parse_addresses(_cell(row, c.get("from")))
            if not senders:
                out.reject(line, "no sender address")
                continue
            ts = None
            if has_date:
                ts = parse_datetime(_cell(row, c.get("date")))
                if ts is None:
                    out.reject(line, "unreadable date")
                    continue
            recips = [*parse_addresses(_cell(row, c.get("to"))), *parse_addresses(_cell(row, c.get("cc")))]
            mid = norm_message_id(_cell(row, c.get("message_id")))
            add_mail(out, sender=senders[0], recipients=recips, timestamp=ts, line=line, owner=owner,
                     thread_id=clean_text(_cell(row, c.get("thread"))), message_id=mid,
                     msg_key=mail_key(mid, senders[0][0], ts, sorted({a for a, _ in recips})))
        if not has_date:
            out.note("no date column mapped: identities only")

    return Parser(
        kind="mail.generic_csv",
        label="Mail CSV with a column mapping ([generic_mail_csv] in the configuration)",
        export_help="Any CSV with one message per row: map its columns in the [generic_mail_csv] table of the "
                    "configuration file (from, to, cc, date, thread, message_id).",
        matches=matches,
        parse=parse,
        priority=-10,
    )

