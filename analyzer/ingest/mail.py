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

import csv
import gc
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from pathlib import PurePosixPath

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector, stable_key
from analyzer.ingest.dates import MAX_YEAR, MIN_YEAR, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mbox_scan import iter_messages, looks_like_mbox
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


@lru_cache(maxsize=30_000)
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


@lru_cache(maxsize=30_000)
def _header_addresses(value: bytes) -> tuple[Addr, ...]:
    return parse_addresses(_text(_unfold(value)))


_NOREPLY_EXACT = frozenset({
    "notifications", "notification", "notify", "notifier", "mailer-daemon", "mailerdaemon", "postmaster",
    "bounce", "bounces", "alerts", "alert", "news", "newsletter", "newsletters", "updates", "update", "digest",
    "marketing", "automated", "auto-reply", "autoreply", "auto-confirm", "invitations", "jobs-listings",
    "member", "hit-reply", "inmail-hit-reply", "calendar", "reminders", "reminder", "mailer", "nobody",
})
_NOREPLY_PARTS = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
                  "mailer-daemon", "notification", "newsletter", "bounce")
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
    if local in _NOREPLY_EXACT or any(p in local for p in _NOREPLY_PARTS):
        return "noreply/notification address"
    for d in _PLATFORM_DOMAINS:
        if domain == d or domain.endswith("." + d):
            return "notification platform domain"
    if domain.endswith(_PLATFORM_PARENTS):
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
    try:
        dt = parsedate_to_datetime(_text(_unfold(value)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return parse_datetime(_text(_unfold(value)))
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return dt if MIN_YEAR <= dt.year <= MAX_YEAR else None


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

# The headers read, as a first-letter trie (twice as fast as a flat alternation under IGNORECASE).
_HEADERS = re.compile(
    rb"\n(?=[FfTtCcBbDdMmIiRrXxLlPpAa>])>*(from|to|cc|bcc|date|message-id|in-reply-to|re(?:ferences|turn-path)"
    rb"|x-(?:gm-thrid|gmail-labels|auto-response-suppress|mozilla-status)|list-(?:unsubscribe|id)|precedence"
    rb"|auto-submitted)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)",
    re.IGNORECASE,
)
_ADDR_HEADERS = frozenset({b"to", b"cc", b"bcc"})
_HEADER_NAMES = (b"From", b"To", b"Cc", b"CC", b"Bcc", b"BCC", b"Date", b"Message-ID", b"Message-Id", b"In-Reply-To",
                 b"References", b"X-GM-THRID", b"X-Gmail-Labels", b"List-Unsubscribe", b"List-Id", b"List-ID",
                 b"Precedence", b"Auto-Submitted", b"X-Auto-Response-Suppress", b"Return-Path", b"X-Mozilla-Status")
_CANON = {n: n.lower() for n in _HEADER_NAMES}
_BULK_PRECEDENCE = (b"bulk", b"list", b"junk")
_GMAIL_SEP_ID = re.compile(rb"^From (\d+)@xxx ")


def _header_hint(h: dict[bytes, bytes]) -> str | None:
    v = h.get(b"auto-submitted")
    if v is not None and v.strip().lower() not in (b"no", b""):
        return "Auto-Submitted"
    v = h.get(b"precedence")
    if v is not None and v.strip().lower() in _BULK_PRECEDENCE:
        return "Precedence: " + v.strip().lower().decode("ascii")
    if b"list-id" in h:
        return "List-Id"
    if b"list-unsubscribe" in h:
        return "List-Unsubscribe"
    if b"x-auto-response-suppress" in h:
        return "X-Auto-Response-Suppress"
    v = h.get(b"return-path")
    if v is not None and v.strip() == b"<>":
        return "null Return-Path"
    return None


# The participants of a message, resolved once per distinct (From, To, Cc, Bcc, owner, hint) combination (mass
# mail and one-to-one mail repeat the same header values many times): the sender's address, the sorted recipient
# addresses (for message keys without a Message-ID), and the record() arguments of the sender and of each
# distinct recipient as (name, emails, automated_hint, key).
_RecordArgs = tuple[str | None, tuple[str], str | None, tuple[str, str | None, bool, bool]]


def _sender(frm: bytes | None, owner: bool, hint: str | None) -> tuple[str, _RecordArgs] | None:
    """(address, record() arguments) of a message's sender; None without a usable address."""
    senders = _header_addresses(frm) if frm is not None else ()
    if not senders:
        return None
    s_addr, s_name = senders[0]
    return s_addr, (s_name, (s_addr,), address_hint(s_addr, s_name) or hint, (s_addr, s_name, owner, hint is not None))


def _recipients(to: bytes | None, cc: bytes | None, bcc: bytes | None) -> tuple[tuple[_RecordArgs, ...], frozenset[str]]:
    """record() arguments of each distinct recipient (To, Cc, Bcc), and their addresses."""
    seen: set[str] = set()
    recips: list[_RecordArgs] = []
    for v in (to, cc, bcc):
        if v is None:
            continue
        for addr, name in _header_addresses(v):
            if addr not in seen:
                seen.add(addr)
                recips.append((name, (addr,), address_hint(addr, name), (addr, name, False, False)))
    return tuple(recips), frozenset(seen)


_NO_LABELS = Labels(None, False, False)
_DELETED = "deleted message (Thunderbird folder not compacted)"


def parse_mbox(f: InputFile, out: FileCollector) -> None:
    """Read an mbox file's header blocks into records and messages (bodies are skipped).

    The cyclic garbage collector is paused meanwhile: the loop makes millions of small tuples and lists and
    no reference cycle, and the collector's repeated passes over them cost a fifth of the time.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _parse_mbox(f, out)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_mbox(f: InputFile, out: FileCollector) -> None:
    folder = file_folder_kind(f)
    folder_ignore = IGNORE_FOLDER if folder in ("spam", "trash", "draft") else None
    folder_sent = folder == "sent"
    n_seen = n_chat = n_undated = n_sep_dated = 0
    findall = _HEADERS.findall
    canon = _CANON
    # Participants resolved once per distinct header value: mass mail and one-to-one mail repeat them.
    senders: dict[tuple[bytes | None, bool, str | None], tuple[str, _RecordArgs] | None] = {}
    recipients: dict[tuple[bytes | None, bytes | None, bytes | None],
                     tuple[tuple[_RecordArgs, ...], frozenset[str]]] = {}
    record, message, used = out.record, out.message, out.used
    msgid = _MSGID.search
    threads: dict[str, str] = {}
    try:
        fh = f.open()
    except OSError as exc:
        raise InputError(f.display, f"cannot be read ({exc.strerror or exc})") from None
    with fh:
        try:
            for line, sep, header in iter_messages(fh, out.advance):
                n_seen += 1
                if folder_ignore:
                    out.ignore(folder_ignore)
                    continue
                h: dict[bytes, bytes] = {}
                for name, value in findall(header):
                    k = canon.get(name) or name.lower()
                    if k in h:
                        if k in _ADDR_HEADERS:
                            h[k] += b"," + value
                        continue
                    h[k] = value
                get = h.get
                lv = get(b"x-gmail-labels")
                labels = gmail_labels(lv) if lv is not None else _NO_LABELS
                if labels.ignore:
                    out.ignore(labels.ignore)
                    continue
                if b"x-mozilla-status" in h and _mozilla_deleted(h[b"x-mozilla-status"]):
                    out.ignore(_DELETED)
                    continue
                hint = _header_hint(h)
                skey = (get(b"from"), folder_sent or labels.sent, hint)
                try:
                    sender = senders[skey]
                except KeyError:
                    if len(senders) > 50_000:  # bounded: the keys hold header bytes
                        senders.clear()
                    sender = senders[skey] = _sender(*skey)
                if sender is None:
                    out.reject(line, "no sender address")
                    continue
                s_addr, (s_name, s_emails, s_hint, s_key) = sender
                rkey = (get(b"to"), get(b"cc"), get(b"bcc"))
                try:
                    recips, r_addrs = recipients[rkey]
                except KeyError:
                    if len(recipients) > 50_000:
                        recipients.clear()
                    recips, r_addrs = recipients[rkey] = _recipients(*rkey)
                if s_addr in r_addrs:  # mail to oneself, or the sender also in Cc: not a recipient
                    recips = tuple(r for r in recips if r[1][0] != s_addr)
                d = get(b"date")
                ts = parse_mail_date(d) if d is not None else None
                if ts is None:
                    ts = separator_date(sep)
                    if ts is None:
                        n_undated += 1
                    elif not labels.chat:
                        n_sep_dated += 1
                v = get(b"message-id")
                m = msgid(v) if v is not None else None
                message_id = m.group(1).decode("latin-1") if m is not None else (
                    _bare_id(v) if v is not None else None)
                v = get(b"in-reply-to")
                m = msgid(v) if v is not None else None
                in_reply_to = m.group(1).decode("latin-1") if m is not None else None
                v = get(b"x-gm-thrid")
                thread_id = v.strip().decode("latin-1") if v is not None else None
                if in_reply_to is None or thread_id is None:
                    v = get(b"references")
                    refs = message_ids(v) if v is not None else []
                    if in_reply_to is None and refs:
                        in_reply_to = refs[-1]
                    if not thread_id:
                        thread_id = refs[0] if refs else (in_reply_to or message_id)
                if thread_id is not None:  # one string object per thread, not per message
                    thread_id = threads.setdefault(thread_id, thread_id)
                if message_id:
                    key = message_id  # the Message-ID itself (hashes never contain '@'), one object for both
                else:
                    g = _GMAIL_SEP_ID.match(sep)
                    key = (stable_key("gmail", g.group(1)) if g else stable_key("email", s_addr, ts, sorted(r_addrs)))
                sid = record(role="sender", name=s_name, emails=s_emails, line=line, owner_hint=s_key[2],
                             automated_hint=s_hint, key=s_key)
                rids = [record(role="recipient", name=r_name, emails=r_emails, line=line, automated_hint=r_hint,
                               key=r_key) for r_name, r_emails, r_hint, r_key in recips]
                n_part = 1 + len(rids)
                if labels.chat:
                    n_chat += 1
                    n_part = max(2, n_part)
                message(timestamp=ts, channel="email", sender=sid, recipients=rids, thread_id=thread_id,
                        n_participants=n_part, msg_key=key, message_id=message_id, in_reply_to=in_reply_to,
                        line=line)
                used()
        except OSError as exc:
            raise InputError(f.display, f"cannot be read ({exc.strerror or exc})",
                             hint="The file may be truncated: export it again") from None
    rep = out.report
    if n_seen == 0 or rep.used + rep.ignored == 0:
        raise InputError(f.display, "contains no valid mail message" + (
            f" ({n_seen} separator lines, none followed by a message with a sender address)" if n_seen else ""),
            hint="Is this an mbox export? It should start with a 'From ' line followed by headers")
    if folder_sent:
        out.note("folder named as Sent: every sender is taken as the owner")
    if n_chat:
        out.note(f"{_n(n_chat, 'Gmail chat record')} read as email, dated from the mbox separator line")
    if n_sep_dated:
        out.note(f"{_n(n_sep_dated, 'message')} with a missing or unusable Date header dated from the separator line")
    if n_undated:
        out.note(f"{_n(n_undated, 'message')} without any date kept undated")


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

