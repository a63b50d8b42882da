"""Parsers for every file of LinkedIn's "Get a copy of your data" archive, in every known layout (formats.md §1).

Each file kind is one registered :class:`~analyzer.ingest.registry.Parser`, detected by its header columns;
the file name only tells apart files with the same header (Recommendations Received/Given, messages.csv vs
the coach/guide message files). Columns are always looked up by their (upper-cased) NAME, never by position.

Used: Connections, messages (2018 ``Direction`` layout and the 9/10/11/12/13-column layouts, 2026 fully
quoted), Invitations (URL, URN and old layouts), Endorsements received/given (also the 2022 UTF-16 TSV
duplicate), Recommendations received/given, Positions, Profile, Email Addresses and imported contacts.
Recognised but not used: the coach/guide message files and every other file of the archive (skills, ads,
logins, ...): their rows are counted as ignored with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.linkedin.common import EXPORT_HELP
from analyzer.ingest.linkedin.connections import (
    _match_connections,
    _match_endorsements_given,
    _match_endorsements_received,
    _match_invitations,
    _match_recommendations_given,
    _match_recommendations_received,
    parse_connections,
    parse_endorsements_given,
    parse_endorsements_received,
    parse_invitations,
    parse_recommendations_given,
    parse_recommendations_received,
)
from analyzer.ingest.linkedin.messages import (
    _match_coach,
    _match_messages,
    parse_coach,
    parse_messages,
)
from analyzer.ingest.linkedin.other_files import (
    _match_imported_contacts,
    _match_unused,
    parse_imported_contacts,
    parse_unused,
)
from analyzer.ingest.linkedin.owner_files import (
    _match_email_addresses,
    _match_positions,
    _match_profile,
    parse_email_addresses,
    parse_positions,
    parse_profile,
)
from analyzer.ingest.registry import Parser, Sniff, register

__all__ = [
    "parse_coach", "parse_connections", "parse_email_addresses", "parse_endorsements_given",
    "parse_endorsements_received", "parse_imported_contacts", "parse_invitations", "parse_messages",
    "parse_positions", "parse_profile", "parse_recommendations_given", "parse_recommendations_received",
    "parse_unused",
]

# ---- registration ---------------------------------------------------------------------------------------------

_CONTENT = 10  # content-detected LinkedIn files win over generic CSV parsers

_PARSERS: list[tuple[str, str, Callable[[Sniff], bool], Callable[[InputFile, FileCollector], None], int, bool]] = [
    ("linkedin.connections", "LinkedIn Connections.csv (with/without preamble and URL, Excel re-saves)",
     _match_connections, parse_connections, _CONTENT, True),
    ("linkedin.coach_messages", "LinkedIn coach/guide message files (ignored: not person-to-person)",
     _match_coach, parse_coach, _CONTENT + 5, False),
    ("linkedin.messages", "LinkedIn messages.csv (2018 Direction layout, 9-13 column layouts, 2026 quoted)",
     _match_messages, parse_messages, _CONTENT, True),
    ("linkedin.invitations", "LinkedIn Invitations.csv (URL, URN and 5-column layouts)",
     _match_invitations, parse_invitations, _CONTENT, True),
    ("linkedin.endorsements_received", "LinkedIn Endorsement_Received_Info.csv (CSV and UTF-16 TSV)",
     _match_endorsements_received, parse_endorsements_received, _CONTENT, True),
    ("linkedin.endorsements_given", "LinkedIn Endorsement_Given_Info.csv",
     _match_endorsements_given, parse_endorsements_given, _CONTENT, True),
    ("linkedin.recommendations_received", "LinkedIn Recommendations_Received.csv",
     _match_recommendations_received, parse_recommendations_received, _CONTENT, True),
    ("linkedin.recommendations_given", "LinkedIn Recommendations_Given.csv",
     _match_recommendations_given, parse_recommendations_given, _CONTENT, True),
    ("linkedin.positions", "LinkedIn Positions.csv (your jobs)", _match_positions, parse_positions, _CONTENT, True),
    ("linkedin.profile", "LinkedIn Profile.csv (your name)", _match_profile, parse_profile, _CONTENT, True),
    ("linkedin.email_addresses", "LinkedIn Email Addresses.csv (your addresses)",
     _match_email_addresses, parse_email_addresses, _CONTENT, True),
    ("linkedin.imported_contacts", "LinkedIn Imported Contacts.csv / Contacts.csv (address-book uploads)",
     _match_imported_contacts, parse_imported_contacts, _CONTENT, True),
    ("linkedin.other", "Other LinkedIn archive files (skills, ads, logins ...: recognised, not used)",
     _match_unused, parse_unused, -50, False),
]

for _kind, _label, _matches, _parse, _priority, _used in _PARSERS:
    register(Parser(kind=_kind, label=_label, export_help=EXPORT_HELP, matches=_matches, parse=_parse,
                    priority=_priority, used=_used))

