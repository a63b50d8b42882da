"""Mail folder and Gmail label names in the supported languages: which messages are the owner's sent mail,
which are spam, trash or drafts (ignored)."""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.addresses import _text, _unfold, decode_words

log = logging.getLogger(__name__)

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
    """'sent', 'spam', 'trash', 'draft' or None for a mail folder name (any of the supported languages), in
    either Unicode form: macOS writes file names decomposed (``Envoye\u0301s``, ``Entwu\u0308rfe``), and a
    folder copied from a Mac, or zipped there, keeps them so."""
    if not name:
        return None
    n = unicodedata.normalize("NFC", name.strip().casefold())
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
