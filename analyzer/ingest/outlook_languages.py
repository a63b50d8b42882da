"""The column names of an Outlook contacts CSV in Outlook's other languages, as English ones.

Outlook writes the header of its contacts CSV in the language of its installation (``Vorname``,
``E-Mail-Adresse`` in German, ``Prénom``, ``Adresse de messagerie`` in French ...). The names below are those
of Microsoft Exchange's Outlook CSV import table, for the columns reconnect reads; :func:`english_keys` turns a
header in one of these languages into the English names the contacts reader knows.
"""

from __future__ import annotations

from analyzer.ingest.outlook_language_table import LOCALISED
from analyzer.ingest.text import normalise_header

#: The English column (normalised, see :func:`normalise_header`) of each property of the table.
ENGLISH = {
    "Title": "TITLE", "FirstName": "FIRST NAME", "MiddleName": "MIDDLE NAME", "LastName": "LAST NAME",
    "Suffix": "SUFFIX", "Company": "COMPANY", "Department": "DEPARTMENT", "JobTitle": "JOB TITLE",
    "EmailAddress": "E-MAIL ADDRESS", "EmailType": "E-MAIL TYPE", "EmailDisplayName": "E-MAIL DISPLAY NAME",
    "Email2Address": "E-MAIL 2 ADDRESS", "Email2DisplayName": "E-MAIL 2 DISPLAY NAME",
    "Email3Address": "E-MAIL 3 ADDRESS", "Email3DisplayName": "E-MAIL 3 DISPLAY NAME",
    "Notes": "NOTES", "WebPage": "WEB PAGE", "Categories": "CATEGORIES",
}
#: The order of those columns in an Outlook export: a name that a language gives to two of them (French
#: ``Titre`` for Title and Job Title) is read as the first in the header, then the second.
_ORDER = list(ENGLISH)


def _tables() -> dict[str, dict[str, list[str]]]:
    """Per language: normalised localised name -> the English columns it names, in export order."""
    out: dict[str, dict[str, list[str]]] = {}
    for lang, props in LOCALISED.items():
        table: dict[str, list[str]] = {}
        for prop in _ORDER:
            if prop in props:
                table.setdefault(normalise_header(props[prop]), []).append(ENGLISH[prop])
        out[lang] = table
    return out


_TABLES = _tables()


def english_keys(keys: list[str]) -> list[str] | None:
    """``keys`` (a normalised header row) with the columns of the Outlook language that names most of them
    renamed to their English names (the other columns as they are), or None when no language names its e-mail
    address column and at least three columns in all (an English header, or not an Outlook one)."""
    best: tuple[int, str] | None = None
    for lang, table in _TABLES.items():
        hits = sum(k in table for k in keys)
        if hits >= 3 and (best is None or hits > best[0]):
            best = (hits, lang)
    if best is None:
        return None
    table = _TABLES[best[1]]
    taken: dict[str, int] = {}
    renamed = []
    for k in keys:
        names = table.get(k)
        if names is None:
            renamed.append(k)
            continue
        n = taken.get(k, 0)
        taken[k] = n + 1
        renamed.append(names[n] if n < len(names) else k)
    if "E-MAIL ADDRESS" not in renamed or renamed == keys:
        return None
    return renamed
