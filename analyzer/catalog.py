"""What `reconnect formats` prints: every format read, grouped by how to export it, without importing a parser.

It lives outside `analyzer.ingest` because importing that package loads every parser and polars (half a
second); this listing answers at once. It is kept
equal to the registry by ``tests/test_catalog.py`` (regenerate it with :func:`groups_of` when a parser's label
or export help changes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class _Described(Protocol):
    label: str
    export_help: str
    used: bool


#: (labels sorted, how to export them), ordered by first label: the registry's used parsers grouped by export help.
FORMAT_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "Google Contacts CSV (contacts.google.com, 'Google CSV')",
        ),
        "contacts.google.com > Export > Google CSV (include 'Other contacts' for people you emailed)",
    ),
    (
        (
            'Google Contacts CSV, legacy layout (before 2021; often UTF-16)',
        ),
        'Old Google Contacts manager: More > Export > Google CSV',
    ),
    (
        (
            'LinkedIn Connections.csv (with/without preamble and URL, Excel re-saves)',
            'LinkedIn Email Addresses.csv (your addresses)',
            'LinkedIn Endorsement_Given_Info.csv',
            'LinkedIn Endorsement_Received_Info.csv (CSV and UTF-16 TSV)',
            'LinkedIn Imported Contacts.csv / Contacts.csv (address-book uploads)',
            'LinkedIn Invitations.csv (URL, URN and 5-column layouts)',
            'LinkedIn Positions.csv (your jobs)',
            'LinkedIn Profile.csv (your name)',
            'LinkedIn Recommendations_Given.csv',
            'LinkedIn Recommendations_Received.csv',
            'LinkedIn messages.csv (2018 Direction layout, 9-13 column layouts, 2026 quoted)',
        ),
        "LinkedIn: Me → Settings & Privacy → Data privacy → Get a copy of your data → 'Download larger data archive' (or pick the files); pass the downloaded zip or the folder it extracts to",
    ),
    (
        (
            'LinkedIn connections exported before 2017 in Outlook CSV format',
        ),
        "Old LinkedIn 'Export connections' page (linkedin_connections_export_microsoft_outlook.csv)",
    ),
    (
        (
            'Microsoft 365 / Exchange Online message trace CSV (summary, enhanced and extended reports)',
        ),
        'Exchange admin center -> Mail flow -> Message trace -> download the report (or Get-MessageTraceV2 | Export-Csv in PowerShell).',
    ),
    (
        (
            "Outlook contacts CSV (Outlook desktop incl. 2003, Outlook.com, Google's 'Outlook CSV'; in any of "
            "Outlook's languages)",
        ),
        'Outlook: File > Open & Export > Import/Export > Export to a file > Comma Separated Values > Contacts; Outlook.com: People > Manage > Export contacts',
    ),
    (
        (
            'Outlook mail folder CSV (no dates: identities only)',
        ),
        'Outlook desktop: File -> Open & Export -> Import/Export -> Export to a file -> Comma Separated Values -> pick the mail folder (Inbox, Sent Items).',
    ),
    (
        (
            'Thunderbird ImportExportTools NG message index CSV (no header row)',
        ),
        'Thunderbird with the ImportExportTools NG add-on: right-click a folder -> ImportExportTools NG -> Export all messages in the folder -> Spreadsheet (CSV).',
    ),
    (
        (
            'mbox mail (Gmail Takeout, Thunderbird, Apple Mail .mbox folder, Eudora, mboxrd)',
        ),
        "Gmail: takeout.google.com -> Mail -> pass the Takeout .zip or .tgz as downloaded, or 'All mail Including Spam and Trash.mbox' from it. Thunderbird: the folder files in your profile's Mail/ImapMail directory (or ImportExportTools NG -> Export folder -> mbox). Apple Mail: Mailbox -> Export Mailbox... (pass the .mbox folder).",
    ),
    (
        (
            'vCard address book (.vcf, versions 2.1/3.0/4.0: iCloud, macOS/iOS Contacts, Google, Outlook, Android)',
        ),
        'iCloud.com or macOS Contacts: select all, File > Export > Export vCard; Google Contacts: Export > vCard; Outlook: save contacts as .vcf',
    ),
)


def groups_of(parsers: Iterable[_Described]) -> tuple[tuple[tuple[str, ...], str], ...]:
    """The used ``parsers`` grouped by export help, in the form of :data:`FORMAT_GROUPS`."""
    groups: dict[str, list[str]] = {}
    for p in parsers:
        labels = groups.setdefault(p.export_help, [])
        if p.used and p.label not in labels:
            labels.append(p.label)
    return tuple(sorted(((tuple(sorted(labels)), help_text) for help_text, labels in groups.items() if labels),
                        key=lambda kv: kv[0][0]))
