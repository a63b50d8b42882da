"""The LinkedIn archive writer: static CSVs (connections, endorsements, invitations) and messages.csv."""

from __future__ import annotations

import base64
import uuid
from datetime import date
from urllib.parse import quote

from .formats import (
    _DAY,
    _MONTHS,
    _YEAR,
    _conn_date,
    _csv_text,
    _endorse_date,
    _epoch,
    _li_date,
    _to_date,
    _us_short,
)
from .model import _DRAFT, _GROUP, _LI_RECV, _LI_SENT, _MASS, _LinkedInSink, _Person
from .pools import (
    _BIG_GROUP_TITLES,
    _COLD_SUBJECTS,
    _EMPLOYERS,
    _GROUP_TITLES,
    _LI_SENTENCES,
    _OWNER_FIRST,
    _OWNER_GMAIL,
    _OWNER_LAST,
    _OWNER_NAME,
    _OWNER_URL,
    _OWNER_WORK,
    _POSITIONS,
    _RECRUITER_SUBJECTS,
    _SKILLS,
    _SPONSORED_TITLES,
)
from .world import WorldBase


class LinkedInWriter(WorldBase):
    """Writes the LinkedIn archive's files."""

    # -- LinkedIn static files ----------------------------------------------------------------------------
    def linkedin_static(self) -> dict[str, str]:
        rng = self.rng
        files: dict[str, str] = {}
        conns: list[tuple[date, str, list[str]]] = []
        for p in self.people:
            if p.connected is None:
                continue
            self.truth.url(p.slug, p.tid)
            email = ""
            if p.addrs and rng.random() < 0.08:
                email = p.personal or p.work
                self.truth.email(email, p.tid)
            if _epoch(p.connected) > self.visible_until:
                continue                          # connected after an earlier export's date
            company, position = p.company, p.position
            if self.visible_until < self.cutoff:  # an earlier export shows the job held then
                shown = p.job_shown_at(self.visible_until)
                company, position = (shown.company, shown.position) if shown is not None else ("", "")
            conns.append((p.connected, p.tid, [p.li_first, p.li_last, "https://www.linkedin.com/in/" +
                                               quote(p.slug, safe="-"), email, company, position,
                                               _conn_date(p.connected)]))
        lo = _epoch(date(2013, 1, 1))
        for i in range(self.prof.placeholders):
            d = _to_date(rng.randint(lo, self.cutoff))
            if _epoch(d) <= self.visible_until:
                conns.append((d, f"~{i:05d}", ["", "", "", "", "", "", _conn_date(d)]))
        conns.sort(key=lambda x: (x[0], x[1]), reverse=True)
        preamble = ("Notes:\n\"When exporting your connection data, you may notice that some of the email addresses "
                    "are missing. You will only see email addresses for connections who have allowed their "
                    "connections to see or download their email address using this setting "
                    "https://www.linkedin.com/psettings/privacy/email. You can learn more here "
                    "https://www.linkedin.com/help/linkedin/answer/261\"\n\n")
        files["Connections.csv"] = preamble + _csv_text(
            (r for _, _, r in conns),
            ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"],
            trailing=False)
        self.n_connections = len(conns)
        files["Email Addresses.csv"] = _csv_text(
            [[_OWNER_GMAIL, "Yes", "Yes", _us_short(_epoch(date(2019, 3, 2), 16 * 3600 + 660), False)],
             [_OWNER_WORK, "Yes", "No", _us_short(_epoch(date(2017, 9, 14), 9 * 3600 + 120), False)]],
            ["Email Address", "Confirmed", "Primary", "Updated On"], trailing=False)
        files["Positions.csv"] = _csv_text(
            [[_EMPLOYERS[i].name, title, desc, loc, f"{_MONTHS[s.month - 1]} {s.year}",
              f"{_MONTHS[e.month - 1]} {e.year}" if e else ""] for i, title, desc, loc, s, e in _POSITIONS],
            ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"])
        files["Profile.csv"] = _csv_text(
            [[_OWNER_FIRST, _OWNER_LAST, "", "", "Mar 15",
              "Operations leader | Analytics, logistics & healthcare operations",
              "I turn messy operations into measurable systems. 12 years across logistics, healthcare and energy.",
              "Utilities", "02139", "Boston, Massachusetts, United States", "[morganreyes_ops]",
              "[PORTFOLIO:https://morganreyes.dev,BLOG:https://morganreyes.dev/notes]", ""]],
            ["First Name", "Last Name", "Maiden Name", "Address", "Birth Date", "Headline", "Summary", "Industry",
             "Zip Code", "Geo Location", "Twitter Handles", "Websites", "Instant Messengers"])
        self._endorsements_and_recommendations()
        files["Endorsement_Received_Info.csv"] = _csv_text(
            self.endorse_recv, ["Endorsement Date", "Skill Name", "Endorser First Name", "Endorser Last Name",
                                "Endorser Public Url", "Endorsement Status"])
        files["Endorsement_Given_Info.csv"] = _csv_text(
            self.endorse_given, ["Endorsement Date", "Skill Name", "Endorsee First Name", "Endorsee Last Name",
                                 "Endorsee Public Url", "Endorsement Status"])
        rec_header = ["First Name", "Last Name", "Company", "Job Title", "Text", "Creation Date", "Status"]
        files["Recommendations_Received.csv"] = _csv_text(self.recs_recv, rec_header)
        files["Recommendations_Given.csv"] = _csv_text(self.recs_given, rec_header)
        self._invitations()
        files["Invitations.csv"] = _csv_text(
            (r for ts, r in sorted(self.invitations, key=lambda x: x[0], reverse=True) if ts <= self.visible_until),
            ["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"])
        files["coach_messages.csv"] = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
                                       "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER\n")
        files["LearningCoachMessages.csv"] = "No conversations found\n\n"
        return files

    def _endorsements_and_recommendations(self) -> None:
        rng = self.rng
        p_recv = {"dormant_close": 0.7, "dormant_moderate": 0.4, "active_close": 0.6, "recent_collaborator": 0.15,
                  "acquaintance": 0.1, "connection_only": 0.03}
        for p in self.people:
            if not p.slug or p.connected is None or rng.random() >= p_recv.get(p.category, 0.0):
                continue
            lo = max(_epoch(p.connected), p.start or 0)
            hi = max(lo + _DAY, min(self.cutoff, (p.end or self.cutoff) + 60 * _DAY))
            pub = "www.linkedin.com/in/" + p.slug
            for skill in rng.sample(_SKILLS, rng.randint(1, 3)):
                ts = rng.randint(lo, hi)
                if ts <= self.visible_until:
                    self.endorse_recv.append([_endorse_date(ts), skill, p.li_first, p.li_last, pub, "ACCEPTED"])
            if p.category in ("dormant_close", "active_close", "dormant_moderate") and rng.random() < 0.5:
                ts = rng.randint(lo, hi)
                skill = rng.choice(_SKILLS)
                if ts <= self.visible_until:
                    self.endorse_given.append([_endorse_date(ts), skill, p.li_first, p.li_last, pub, "ACCEPTED"])
            self.truth.url(p.slug, p.tid)
        self.endorse_recv.sort(key=lambda r: r[0])
        self.endorse_given.sort(key=lambda r: r[0])
        texts = ("{f} is the colleague you want in the room when the plan meets reality. {f2} rebuilt our carrier "
                 "scorecard, and the \"lane\" reviews we still use came from that work.",
                 "I worked with {f} for years. Rigorous, kind, and always two steps ahead on the numbers.",
                 "{f} managed me at {co}. Clear priorities, honest feedback, and a lot of patience with my SQL.",
                 "Anyone hiring an operations leader should talk to {f}, simple as that.")
        for p in self.people:
            if not p.slug or p.category not in ("dormant_close", "active_close", "dormant_moderate"):
                continue
            chance = {"dormant_close": 0.45, "active_close": 0.25, "dormant_moderate": 0.1}[p.category]
            company = _EMPLOYERS[p.employer].name if p.employer >= 0 else p.company
            when = min(self.cutoff - _DAY, max(p.start, (p.start + p.end) // 2 + rng.randint(-90, 90) * _DAY))
            if rng.random() < chance:
                text = rng.choice(texts).format(f=_OWNER_FIRST, f2="Morgan", co=company.rstrip("."))
                if when <= self.visible_until and self.truth.name("Recommendations_Received.csv", p.li_name, p.tid):
                    self.recs_recv.append([p.li_first, p.li_last, company, p.position, text, _us_short(when, True),
                                           "VISIBLE"])
                    p.traps.append("recommended_owner")
            if rng.random() < chance * 0.6:
                text = rng.choice(texts).format(f=p.first, f2=p.first, co=company.rstrip("."))
                if when <= self.visible_until and self.truth.name("Recommendations_Given.csv", p.li_name, p.tid):
                    self.recs_given.append([p.li_first, p.li_last, company, p.position, text,
                                            _us_short(when + 3 * _DAY, True), ""])
        self.recs_recv.sort(key=lambda r: r[5])
        self.recs_given.sort(key=lambda r: r[5])

    def _invitations(self) -> None:
        rng = self.rng
        recent = self.cutoff - 200 * _DAY
        for p in self.people:
            if not p.slug or p.connected is not None:
                continue
            if p.category in ("recruiter", "sales_pitch") and rng.random() < 0.5:
                ts = rng.randint(recent, self.cutoff)
                msg = "" if rng.random() < 0.8 else "Hi Morgan, I'd love to connect and share an opportunity."
                self.invitations.append((ts, [p.li_name, _OWNER_NAME, _us_short(ts, False), msg, "INCOMING",
                                              p.url, _OWNER_URL]))
            elif p.category == "cold_outbound" and rng.random() < 0.6:
                ts = rng.randint(recent, self.cutoff)
                self.invitations.append((ts, [_OWNER_NAME, p.li_name, _us_short(ts, False), "", "OUTGOING",
                                              _OWNER_URL, p.url]))
            else:
                continue
            self.truth.url(p.slug, p.tid)
        # a few recent accepted-connection invitations still listed
        for p in self.people:
            if p.connected and _epoch(p.connected) > recent and rng.random() < 0.5:
                ts = _epoch(p.connected) - rng.randint(0, 3) * _DAY + rng.randint(0, _DAY - 1)
                if rng.random() < 0.5:
                    row = [p.li_name, _OWNER_NAME, _us_short(ts, False), "", "INCOMING", p.url, _OWNER_URL]
                else:
                    row = [_OWNER_NAME, p.li_name, _us_short(ts, False), "", "OUTGOING", _OWNER_URL, p.url]
                self.invitations.append((ts, row))

    # -- LinkedIn messages ----------------------------------------------------------------------------------
    def _conv_id(self) -> str:
        u = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        suffix = self.rng.choice(("100", "100", "100", "010", "012", "013"))
        return "2-" + base64.b64encode(f"{u}_{suffix}".encode()).decode()

    def _content(self) -> str:
        return self.li_texts[int(self.rng.random() * len(self.li_texts))]

    def _attachments(self) -> str:
        rng = self.rng
        if rng.random() >= 0.02:
            return ""
        kinds = ("image", "vid", "image")
        return ",".join(
            f"https://www.linkedin.com/dms/prv/{rng.choice(kinds)}/v2/D4E06AQ{rng.getrandbits(60):015x}/"
            f"messaging-attachmentFile/0/{rng.randint(1_600_000_000_000, 1_790_000_000_000)}?m=AQ"
            f"{rng.getrandbits(64):016x}&ne=1&v=beta&t={rng.getrandbits(64):016x}"
            for _ in range(rng.choice((1, 1, 2))))

    def _li_person(self, p: _Person, sink: _LinkedInSink) -> None:
        rng = self.rng
        follow = p.category in ("reconnected", "awaiting_reply") and p.follow_li
        if not (p.n_li or follow) or not p.slug:
            return
        threads = self._person_threads(p, p.n_li) if p.n_li else []
        if follow:
            threads.append(self._follow_thread(p))
        msgs = sorted((m for t in threads for m in t), reverse=True)
        conv = self._conv_id()
        folder = "INBOX" if rng.random() < 0.82 else "ARCHIVE"
        if p.category == "sales_pitch" and rng.random() < 0.3:
            folder = "SPAM"
        inmail_subject = ""
        if p.category == "recruiter" and rng.random() < 0.6:
            inmail_subject = rng.choice(_RECRUITER_SUBJECTS)
        elif p.category == "cold_outbound" and p.connected is None:
            inmail_subject = rng.choice(_COLD_SUBJECTS)
        rows: list[list[str]] = []
        oldest = len(msgs) - 1
        for i, (ts, by_owner) in enumerate(msgs):
            subject = inmail_subject if i == oldest else ""
            if by_owner:
                rows.append([conv, "", _OWNER_NAME, _OWNER_URL, p.li_name, p.url, _li_date(ts), subject,
                             self._content(), folder, self._attachments()])
                self._touch(p, ts, _LI_SENT)
            else:
                rows.append([conv, "", p.li_name, p.url, _OWNER_NAME, _OWNER_URL, _li_date(ts), subject,
                             self._content(), folder, self._attachments()])
                self._touch(p, ts, _LI_RECV)
        # an unsent draft to a dormant contact, newer than everything else: must not count as contact
        if p.category in ("dormant_close", "dormant_moderate") and rng.random() < 0.25:
            ts = rng.randint(self.cutoff - 120 * _DAY, self.cutoff - _DAY)
            text = "Hi! It's been way too long. Would you be up for a catch-up call in the next few weeks?"
            rows.insert(0, [conv, "", _OWNER_NAME, _OWNER_URL, p.li_name, p.url, _li_date(ts), "", text, "", ""])
            if ts <= self.visible_until:
                p.stats[_DRAFT] += 1
                self.n_li_drafts += 1
            p.traps.append("recent_unsent_draft")
        self.truth.url(p.slug, p.tid)
        sink.add(rows)

    def _li_specials(self, sink: _LinkedInSink) -> None:
        """Group chats, big group threads, LinkedIn Member rows, sponsored InMail, conversation-less drafts."""
        rng = self.rng
        pool = [p for p in self.people if p.slug and p.category in
                ("dormant_close", "dormant_moderate", "active_close", "recent_collaborator")]
        for _ in range(self.prof.small_groups if len(pool) >= 3 else 0):
            # members whose own windows overlap: a group chat never breaks anyone's silence
            seed = rng.choice(pool)
            overlap = [q for q in pool if q is not seed and min(q.end, seed.end) - max(q.start, seed.start) > 45 * _DAY]
            members = [seed, *rng.sample(overlap, min(len(overlap), rng.randint(1, 5)))]
            start = max(m.start for m in members)
            end = min(min(m.end for m in members), self.cutoff - _DAY)
            if len(members) < 2 or end - start < 20 * _DAY:
                continue
            title = rng.choice(_GROUP_TITLES) if rng.random() < 0.8 else ""
            self._li_group(sink, members, [], title, rng.randint(8, 36), start, end, p_owner=0.25)
        # big group threads: everyone on LinkedIn who is in mass_mail_only is a silent member of one
        silent = [p for p in self.people if p.category == "mass_mail_only" and p.slug]
        rng.shuffle(silent)
        speakers = [p for p in self.people if p.slug and p.category in ("acquaintance", "recent_collaborator")]
        i = 0
        while i < len(silent) and speakers:
            size = min(len(silent) - i, rng.randint(38, 46))
            if len(silent) - i - size < 38:
                size = len(silent) - i
            group = silent[i:i + size]
            i += size
            talkers = rng.sample(speakers, min(len(speakers), rng.randint(1, 3)))
            ts_end = rng.randint(self.cutoff - 4 * _YEAR, self.cutoff - 10 * _DAY)
            self._li_group(sink, talkers, group, rng.choice(_BIG_GROUP_TITLES), rng.randint(3, 9),
                           ts_end - rng.randint(3, 60) * _DAY, ts_end, p_owner=0.1, big=True)
        # LinkedIn Member: hidden / closed accounts, never identifiable
        for _ in range(max(2, self.prof.li_rows // 500)):
            conv = self._conv_id()
            title = rng.choice(("Opportunity at a stealth startup", "Quick question", "")) if rng.random() < 0.6 \
                else ""
            ts = rng.randint(self.cutoff - 5 * _YEAR, self.cutoff - _DAY)
            rows = [[conv, title, "LinkedIn Member", "", _OWNER_NAME, _OWNER_URL, _li_date(ts), "", self._content(),
                     "INBOX", ""]]
            if rng.random() < 0.4:
                ts2 = ts + rng.randint(3600, 5 * _DAY)
                rows.insert(0, [conv, title, _OWNER_NAME, _OWNER_URL, "LinkedIn Member", "", _li_date(ts2), "",
                                self._content(), "INBOX", ""])
            sink.add(rows)
        # sponsored InMail: advertiser name, no URL, title set, spinmail HTML content
        for p in self.people:
            if p.kind != "sponsored" or not self.truth.name("messages.csv", p.name, p.tid):
                continue
            for _ in range(rng.randint(1, 2)):
                ts = rng.randint(p.start, p.end)
                content = ('<p class="spinmail-quill-editor__spin-break">Hi %FIRSTNAME%,</p>'
                           '<p class="spinmail-quill-editor__spin-break">' + " ".join(rng.sample(_LI_SENTENCES, 3)) +
                           "</p>")
                sink.add([[self._conv_id(), rng.choice(_SPONSORED_TITLES), p.name, "", _OWNER_NAME, "",
                           _li_date(ts), "", content, "ARCHIVE" if rng.random() < 0.8 else "INBOX", ""]])
                self._touch(p, ts, _LI_RECV)
        # drafts without a conversation: empty id, empty TO, empty FOLDER
        for _ in range(2):
            ts = rng.randint(self.cutoff - _YEAR, self.cutoff - _DAY)
            sink.add([["", "", _OWNER_NAME, _OWNER_URL, "", "", _li_date(ts), "",
                       "Thanks so much for thinking of me, I'd love to", "", ""]])
            self.n_li_drafts += ts <= self.visible_until

    def _li_group(self, sink: _LinkedInSink, talkers: list[_Person], silent: list[_Person], title: str, n: int,
                  start: int, end: int, p_owner: float, big: bool = False) -> None:
        rng = self.rng
        members = talkers + silent
        conv = self._conv_id()
        slot = _MASS if big else _GROUP
        rows: list[list[str]] = []
        times = sorted((rng.randint(start, max(start + 3600, end)) for _ in range(n)), reverse=True)
        for ts in times:
            sender: _Person | None = None if rng.random() < p_owner else rng.choice(talkers)
            if sender is None:
                others = members
                frm, frm_url = _OWNER_NAME, _OWNER_URL
            else:
                others = [m for m in members if m is not sender]
                frm, frm_url = sender.li_name, sender.url
            names = ([] if sender is None else [_OWNER_NAME]) + [m.li_name for m in others]
            urls = ([] if sender is None else [_OWNER_URL]) + [m.url for m in others]
            rows.append([conv, title, frm, frm_url, ",".join(names), ",".join(urls), _li_date(ts), "",
                         self._content(), "INBOX", ""])
            for m in members:
                m.stats[slot] += 1
        for m in members:
            self.truth.url(m.slug, m.tid)
        sink.add(rows)
