"""The plain vCards nearly every writer produces, read as ``vobject.readOne(..., transform=True)`` reads them,
several times faster (vobject builds objects, behaviours and parameters for every line).

A card is plain when every line between BEGIN:VCARD and END:VCARD is one property on one line (see
:data:`_PLAIN_LINE`) that vobject reads without a behaviour of its own beyond text, N and ORG: the contacts reader
then takes :func:`plain_card`'s result; for any other card (folded lines, quoted parameters, encodings, nested
cards, ADR/CATEGORIES/PRODID/UID lines, lines vobject would refuse) it returns None and vobject reads the card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A property line in the plain shape nearly every writer uses: an optional group, a name, parameters without
# quotes or backslashes, a value on one line. vobject reads such a line exactly as :func:`plain_card` does;
# anything else (quoted or odd parameters, encodings, folded lines, nested cards, lines vobject would refuse)
# goes to vobject.
_PLAIN_LINE = re.compile(r"(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+(?:=[^\";:,\\=]*(?:,[^\";:,\\=]*)*)?)*)"
                         r":([^\r\n]*)")
_ESCAPABLE = '\\;,Nn"'  # the escapes vobject resolves in text values
_PLAIN_PARAM = re.compile(r";([A-Za-z0-9-]+)(?:=([^;]*))?")
_NOT_PLAIN_PARAMS = frozenset({"ENCODING", "CHARSET", "BASE64", "QUOTED-PRINTABLE", "B"})
_NAME_ORDER = ("family", "given", "additional", "prefix", "suffix")
#: Properties whose values vobject leaves as they are; N and ORG are split into fields, the other properties
#: vobject knows (ADR, CATEGORIES, PRODID, UID: read by behaviours of their own) go to vobject, all others are
#: text (the first of their comma-separated values).
_RAW_PROPS = frozenset({"VERSION", "GEO"})
_VOBJECT_PROPS = frozenset({"BEGIN", "END", "ADR", "CATEGORIES", "PRODID", "UID"})


@dataclass(frozen=True, slots=True)
class _PlainLine:
    """One property of a plain card: what ``_vcard_record`` reads of a vobject content line."""

    value: Any
    params: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class _PlainCard:
    contents: dict[str, list[_PlainLine]]


def _text_values(value: str, sep: str = ",", escapable: str = _ESCAPABLE) -> list[str]:
    """vobject's ``stringToTextValues``: ``value`` split at ``sep`` outside backslash escapes, the escapes of
    ``escapable`` resolved (``\\n`` is a line end), others kept with their backslash (a backslash at the very end
    becomes ``\\eof``, as there); an empty last piece after a separator is dropped."""
    if "\\" not in value:
        parts = value.split(sep)
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        return parts
    results: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            current.append(("\n" if ch in "nN" else ch) if ch in escapable else "\\" + ch)
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            results.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\eof")
    if current or not results:
        results.append("".join(current))
    return results


def _fields(value: str) -> list[str | list[str]]:
    """vobject's ``splitFields`` (N, ORG): the ``;`` parts, each a string, or a list when it holds commas."""
    out: list[str | list[str]] = []
    for part in _text_values(value, ";", ";"):
        items = _text_values(part)
        out.append(items[0] if len(items) == 1 else items)
    return out


def plain_card(lines: list[str]) -> _PlainCard | None:
    """The card as vobject (``readOne(..., transform=True)``) would read it, when every line is plain
    (:data:`_PLAIN_LINE`); None otherwise (the caller then hands the card to vobject)."""
    if len(lines) < 2 or lines[0].upper() != "BEGIN:VCARD" or lines[-1].upper() != "END:VCARD":
        return None
    contents: dict[str, list[_PlainLine]] = {}
    for line in lines[1:-1]:
        m = _PLAIN_LINE.fullmatch(line)
        if m is None:
            return None
        name, raw_params, value = m.group(1).upper(), m.group(2), m.group(3)
        if name in _VOBJECT_PROPS:
            return None
        params: dict[str, list[str]] = {}
        for key, vals in _PLAIN_PARAM.findall(raw_params) if raw_params else ():
            key = key.upper()
            values = [v for v in vals.split(",") if v]
            if key in _NOT_PLAIN_PARAMS:  # encoded values, and vCard 2.1 singletons such as BASE64
                return None
            if values:
                params.setdefault(key, []).extend(values)
        parsed: Any
        if name == "N":
            import vobject  # imported with the first card, not at start-up (a run without vCards never needs it)

            parsed = vobject.vcard.Name(**dict(zip(_NAME_ORDER, _fields(value), strict=False)))
        elif name == "ORG":
            parsed = _fields(value)
        elif name in _RAW_PROPS:
            parsed = value
        else:  # vobject's text behaviour: the first of the comma-separated values
            parsed = _text_values(value)[0]
        contents.setdefault(name.lower(), []).append(_PlainLine(parsed, params))
    return _PlainCard(contents)
