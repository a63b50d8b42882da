"""Outlook's mail CSV (Import/Export -> Comma Separated Values): 19 columns, no date."""

from __future__ import annotations

import logging
import re

from analyzer.ingest.collect import FileCollector, stable_key
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.classify import address_hint
from analyzer.ingest.mail.csv_common import REPEATED_HEADER, _cell, _decode_file, _first_row, _repeated_header
from analyzer.ingest.mail.folders import IGNORE_FOLDER, file_folder_kind
from analyzer.ingest.registry import Parser, register
from analyzer.ingest.text import clean_text, normalise_header, read_table, width_problem
from analyzer.normalize import clean_email

log = logging.getLogger(__name__)

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
    width = len(table.keys)
    for line, row in table.rows():
        if ignore:
            out.ignore(ignore)
            continue
        if _repeated_header(row, table.keys):
            out.ignore(REPEATED_HEADER)
            continue
        if problem := width_problem(row, width):  # (a body's lines after a broken row: never messages)
            out.reject(line, problem)
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
