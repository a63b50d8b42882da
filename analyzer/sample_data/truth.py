"""The ground-truth writer: people, identities, activity, traps, owner and manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .formats import _csv_text, _to_date
from .model import _CHAT, _LI_RECV, _LI_SENT, _MAIL_RECV, _MAIL_SENT, _Person
from .pools import (
    _AUTOMATED,
    _EMPLOYERS,
    _HIGH,
    _OWNER_GMAIL,
    _OWNER_GMAIL_VARIANTS,
    _OWNER_NAME,
    _OWNER_URL,
    _OWNER_WORK,
    _POSITIONS,
    OWNER_ID,
)
from .world import WorldBase

_TRUTH_README = """# Ground truth for the synthetic sample data

Written by `analyzer.sample_data.generate_sample_data` next to the exports. The pipeline never reads this folder;
tests and benchmarks do. Everything here is a pure function of (size, seed, as_of).

## people.csv
`truth_id,name,category,should_rank_high,expected_priority,is_automated` -- one row per human or automated
sender behind the exports (the owner is `P00000`, category `owner`).

Categories: `dormant_close` (many one-to-one messages both ways over 1-5 years, then 1-4 years of silence; usually
a former colleague; these must rank at the top), `dormant_moderate` (lighter two-way tie gone quiet; should rank
fairly high), `active_close` (strong and in touch in the last three weeks; not top), `recent_collaborator`
(two-way only in the last few months), `acquaintance` (one or two exchanges), `connection_only` (LinkedIn
connection, never messaged), `recruiter`, `sales_pitch` (cold inbound, never answered), `cold_outbound` (the owner
wrote, never answered), `mass_mail_only` (only ever one of 40-120 recipients, or a silent member of a 40+ person
LinkedIn group thread), `newsletter` and `notification` (automated senders; includes mailing lists whose From
shows "Name via List" and notification senders whose display name is a real person's name),
`role_address` (info@/team@/hello@ shared mailboxes; the owner wrote to them and got answers, but they are not
people; `is_automated` is true for them).

`expected_priority`: higher = should rank higher. Bands: dormant_close 80-100, dormant_moderate 55-70,
active_close 35-45, recent_collaborator 25-34, acquaintance 15-20, connection_only 5, everything else 0. Inside a
band it grows with the number of direct messages (and +1 if they recommended the owner).
`should_rank_high` is true exactly for dormant_close and dormant_moderate.

## identities.csv
`key_type,key,truth_id` -- every identifier that appears in an export, mapped to its owner:
* `email`: the address lower-cased, exactly as written otherwise (Gmail dot / +tag / googlemail spellings of one
  mailbox are separate rows pointing at the same truth_id);
* `linkedin_url`: `https://www.linkedin.com/in/<slug>` with the slug percent-decoded and lower-cased;
* `name_in_source`: `<file basename>|<name>` for mentions that carry only a name: Recommendations_Received.csv /
  Recommendations_Given.csv (`First Name` + space + `Last Name`), messages.csv (sponsored InMail senders, FROM),
  contacts.csv (`First Middle Last Suffix` joined by spaces) and contacts.vcf (`FN`) for cards with neither an
  address nor a profile URL.
Not keyed: `LinkedIn Member` rows (anonymous by design), placeholder rows of Connections.csv, display names in mail
headers (the address is the key), and the human names shown by automated senders ("X via LinkedIn", GitHub).

## activity.csv
Per truth_id what the generator wrote: `li_sent, li_received, email_sent, email_received` (one-to-one messages
between the owner and this person, drafts excluded; sent = by the owner), `chat_messages` (Gmail Chat records),
`group_messages` (messages of small LinkedIn group chats, or mail where they were only Cc'd), `mass_messages`
(mass mail / big group threads they were in), `drafts` (unsent LinkedIn drafts addressed to them),
`first_direct_contact`, `last_direct_contact` (UTC dates of one-to-one messages and chats) and `shared_employer`
(the owner's employer they overlapped with, if any).

## traps.csv
`truth_id,name,trap` -- the identity and scoring traps each person carries (nickname in mail, "Last, First"
display names, Gmail address spellings, accents stripped, credentials/emoji/pronouns in LinkedIn names, maiden-name
change with the same address, namesakes at different companies, Jr./Sr. pair, role addresses, human names in
automated display names, non-ASCII LinkedIn slugs, recent unsent drafts to dormant contacts, ...).

## owner.json
The owner's name, addresses (and the other spellings of the gmail address that occur in mail), LinkedIn URL and
job history (mirrors Positions.csv).

## manifest.json
Counts: people per category, LinkedIn connections (placeholder rows included), messages.csv rows, mbox messages
(the number of `From ` separator lines), contact entries, and the files written.
"""



class TruthWriter(WorldBase):
    """Writes the truth folder."""

    # -- truth -------------------------------------------------------------------------------------------------
    def expected_priority(self, p: _Person) -> float:
        s = p.stats
        direct = s[_LI_SENT] + s[_LI_RECV] + s[_MAIL_SENT] + s[_MAIL_RECV] + s[_CHAT]
        bonus = 1.0 if "recommended_owner" in p.traps else 0.0
        c = p.category
        if c == "dormant_close":
            return round(80 + 19 * min(1.0, direct / 200) + bonus, 2)
        if c == "dormant_moderate":
            return round(55 + 14 * min(1.0, direct / 50) + bonus, 2)
        if c == "active_close":
            return round(35 + 10 * min(1.0, direct / 200), 2)
        if c == "recent_collaborator":
            return round(25 + 9 * min(1.0, direct / 40), 2)
        if c == "acquaintance":
            return round(15 + 5 * min(1.0, direct / 4), 2)
        if c == "connection_only":
            return 5.0
        return 0.0

    def write_truth(self, folder: Path, summary: dict[str, Any]) -> tuple[Path, ...]:
        folder.mkdir(parents=True, exist_ok=True)
        people_rows = [[OWNER_ID, _OWNER_NAME, "owner", "false", "0", "false"]]
        activity_rows = []
        trap_rows = []
        for p in self.people:
            name = p.list_name or p.name
            people_rows.append([p.tid, name, p.category, "true" if p.category in _HIGH else "false",
                                f"{self.expected_priority(p):g}", "true" if p.category in _AUTOMATED else "false"])
            s = p.stats
            activity_rows.append([p.tid, *map(str, s), _to_date(p.first_ts).isoformat() if p.first_ts else "",
                                  _to_date(p.last_ts).isoformat() if p.last_ts else "",
                                  _EMPLOYERS[p.employer].name if p.employer >= 0 else ""])
            for t in sorted(set(p.traps)):
                trap_rows.append([p.tid, name, t])
        paths = (folder / "people.csv", folder / "identities.csv", folder / "activity.csv", folder / "traps.csv",
                 folder / "owner.json", folder / "manifest.json", folder / "README.md")
        paths[0].write_text(_csv_text(people_rows, ["truth_id", "name", "category", "should_rank_high",
                                                    "expected_priority", "is_automated"]), encoding="utf-8")
        ids = sorted((k, key, tid) for (k, key), tid in self.truth.keys.items())
        paths[1].write_text(_csv_text(ids, ["key_type", "key", "truth_id"]), encoding="utf-8")
        paths[2].write_text(_csv_text(activity_rows, [
            "truth_id", "li_sent", "li_received", "email_sent", "email_received", "chat_messages", "group_messages",
            "mass_messages", "drafts", "first_direct_contact", "last_direct_contact", "shared_employer"]),
            encoding="utf-8")
        paths[3].write_text(_csv_text(trap_rows, ["truth_id", "name", "trap"]), encoding="utf-8")
        owner = {"truth_id": OWNER_ID, "name": _OWNER_NAME, "emails": [_OWNER_GMAIL, _OWNER_WORK],
                 "email_spellings_in_mail": list(_OWNER_GMAIL_VARIANTS), "linkedin_url": _OWNER_URL,
                 "positions": [{"company": _EMPLOYERS[i].name, "domain": _EMPLOYERS[i].domain, "title": t,
                                "start": s.isoformat(), "end": e.isoformat() if e else None}
                               for i, t, _, _, s, e in _POSITIONS]}
        paths[4].write_text(json.dumps(owner, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths[5].write_text(json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        paths[6].write_text(_TRUTH_README, encoding="utf-8")
        return paths
