"""The ground-truth writer: people, identities, activity, traps, owner and manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .followthrough import changes_between
from .formats import _csv_text, _to_date
from .model import _CHAT, _FOREVER, _LI_RECV, _LI_SENT, _MAIL_RECV, _MAIL_SENT, _Person
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

## The world behind the exports
People with a history hold 1-4 jobs over the decade before the export (`careers.csv`). Each employer has its own
work-address pattern (`first.last@`, `flast@`, `first@`, `firstlast@`, `first_last@`, `firstl@`) and display
style ("First Last", or "Last, First" from an Exchange server); a work address is used only during its tenure
(successive jobs overlap by three weeks at most). One or two personal addresses (gmail.com, outlook.com,
yahoo.com, 163.com, qq.com, proton.me, icloud.com ...) are used across; an older one may be given up for a newer
one. LinkedIn's Connections.csv shows only the job held at the export; address-book cards are as old as the tie
(the job and work address of then). Name forms differ per source: nicknames at work ("Jess" / "Jessica"), an
English given name at work for people with Chinese given names ("Kevin Zhang" / "Kaiwen Zhang", "Zhang Kaiwen"
in personal mail), a shortened double surname ("Bea Souza" / "Beatriz Souza-Lima"), "Last, First", bare
addresses, accents dropped, credentials / emoji / taglines on LinkedIn. Different humans share full names
(common surnames; about one distinct full name in five on `large`, 5-10 % on `medium` and `small`; trap
`same_name_different_person`); they never share an address. About half of the people sign their work mail
(fewer their personal mail): an optional "-- " line, the name (sometimes the native name above the English work
name), "Title | Company" (or "Title, Company", "Title at Company", two lines) for the job held when the message
was written, sometimes a phone and a LinkedIn URL. Replies may quote the earlier message with "> ", the owner's
own signature included (not the sender's evidence).

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
people; `is_automated` is true for them), and three follow-through categories in the world's last months:
`reconnected` (a dormant tie the owner wrote to 25-150 days before the export, who answered: in touch again, so
not "should rank high"), `awaiting_reply` (a dormant tie the owner wrote to in the last three weeks, no answer
yet: not to be suggested again until a decent interval has passed) and `went_quiet` (in touch for years until
2-6 months before the export).

`expected_priority`: higher = should rank higher. Bands: dormant_close 80-100, dormant_moderate 55-70,
went_quiet 46-54, active_close and reconnected 35-45, recent_collaborator 25-34, acquaintance 15-20,
awaiting_reply 10, connection_only 5, everything else 0. Inside a band it grows with the number of direct
messages (and +1 if they recommended the owner).
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

## careers.csv
`truth_id,company,position,start,end,work_email` -- every job of every person, oldest first; `end` empty = the
current job (what Connections.csv shows); `work_email` is the address that tenure gave (empty when none; it
appears in an export only if it was used or kept on a card).

## signatures.csv
`truth_id,email,name,company,linkedin_url,messages` -- what the signature blocks under one-to-one mail from
people said: the sending address, the name line, the company line (empty when the block had none) and the
canonical LinkedIn URL (empty when none), with the number of messages. The manifest's `mails_from_people` and
`mails_from_people_signed` count those messages and the signed ones.

## changes.csv (only with `--as-of-earlier DAYS`)
`truth_id,change,before,after,date` -- what changes between this earlier export and the full export of the same
size and seed (SPEC §10), sorted by change and truth_id: `new_connection` (connected after the earlier date;
`after` = "Position at Company"), `job_change` (a connection in both exports whose LinkedIn position or company
differs; `before` / `after`, `date` = the new job's start), `reconnected` (one-to-one contact since, the owner
writing and the person answering, after more than a year of silence; `before` = the last contact before,
`date` = the first answer), `awaiting_reply` (the owner wrote since and no answer came; `date` = the owner's last
message; cold outreach counts too), `went_quiet` (at least three direct messages in the year before the earlier
date, the last within 90 days of it, none since, and the silence up to the full export longer than 60 days and
twice the tie's usual gap). With `--as-of-earlier`, `people.csv` keeps the categories of the full world (a
`reconnected` person was still dormant at the earlier date), while the one-to-one counts and dates of
`activity.csv` and the manifest's counts cover only what the earlier export holds.

## owner.json
The owner's name, addresses (and the other spellings of the gmail address that occur in mail), LinkedIn URL and
job history (mirrors Positions.csv).

## manifest.json
Counts: people per category, LinkedIn connections (placeholder rows included), messages.csv rows, mbox messages
(the number of `From ` separator lines), contact entries, one-to-one mails from people and how many of them are
signed, and the files written. `analyzer.sample_data.stats.realism_stats(truth_dir)` measures the shares above.
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
        if c == "reconnected":
            return round(35 + 10 * min(1.0, direct / 200), 2)
        if c == "awaiting_reply":
            return 10.0
        if c == "went_quiet":
            return round(46 + 8 * min(1.0, direct / 120), 2)
        return 0.0

    def write_truth(self, folder: Path, summary: dict[str, Any]) -> tuple[Path, ...]:
        folder.mkdir(parents=True, exist_ok=True)
        people_rows = [[OWNER_ID, _OWNER_NAME, "owner", "false", "0", "false"]]
        activity_rows = []
        trap_rows = []
        career_rows = []
        shared = {n for n, ps in self.by_fullname.items() if len({q.tid for q in ps}) > 1}
        for p in self.people:
            if (p.first, p.last) in shared and "same_name_different_person" not in p.traps:
                p.traps.append("same_name_different_person")
            for j in p.jobs:
                career_rows.append([p.tid, j.company, j.position, _to_date(j.start).isoformat(),
                                    "" if j.end >= _FOREVER else _to_date(j.end).isoformat(), j.addr.lower()])
            name = p.list_name or p.name
            people_rows.append([p.tid, name, p.category, "true" if p.category in _HIGH else "false",
                                f"{self.expected_priority(p):g}", "true" if p.category in _AUTOMATED else "false"])
            s = p.stats
            activity_rows.append([p.tid, *map(str, s), _to_date(p.first_ts).isoformat() if p.first_ts else "",
                                  _to_date(p.last_ts).isoformat() if p.last_ts else "",
                                  _EMPLOYERS[p.employer].name if p.employer >= 0 else ""])
            for t in sorted(set(p.traps)):
                trap_rows.append([p.tid, name, t])
        paths: tuple[Path, ...] = (folder / "people.csv", folder / "identities.csv", folder / "activity.csv", folder / "traps.csv",
                 folder / "owner.json", folder / "manifest.json", folder / "README.md", folder / "careers.csv",
                 folder / "signatures.csv")
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
        paths[7].write_text(_csv_text(career_rows, ["truth_id", "company", "position", "start", "end", "work_email"]),
                            encoding="utf-8")
        sig_rows = [[*k, str(n)] for k, n in sorted(self.signatures.items())]
        paths[8].write_text(_csv_text(sig_rows, ["truth_id", "email", "name", "company", "linkedin_url",
                                                 "messages"]), encoding="utf-8")
        if self.visible_until < self.cutoff:
            changes = folder / "changes.csv"
            changes.write_text(_csv_text(changes_between(self.people, self.visible_until, self.cutoff),
                                         ["truth_id", "change", "before", "after", "date"]), encoding="utf-8")
            paths = (*paths, changes)
        return paths
