"""The Gmail Takeout mbox writer: one-to-one mail, chats, mass mail and automated senders."""

from __future__ import annotations

import base64
import math
import time
import uuid
from datetime import date

from .formats import (
    _DAY,
    _MONTHS,
    _SPECIALS,
    _WDAYS,
    _YEAR,
    _alnum,
    _canonical_url,
    _encoded_words,
    _epoch,
    _escape_from,
    _fold,
    _from_line,
    _rfc_date,
)
from .model import _CHAT, _GROUP, _MAIL_RECV, _MAIL_SENT, _MASS, _Addr, _MailSink, _Person
from .pools import (
    _AUTOMATED,
    _COLD_SUBJECTS,
    _EMPLOYERS,
    _LI_SENTENCES,
    _MASS_SUBJECTS,
    _NORTHWIND,
    _OWNER_GMAIL,
    _OWNER_GMAIL_VARIANTS,
    _OWNER_NAME,
    _OWNER_SLUG,
    _OWNER_WORK,
    _POSITIONS,
    _RECRUITER_SUBJECTS,
    _SALES_SUBJECTS,
    _SUBJECTS,
    _WORK_SUBJECTS,
    OWNER_ID,
)
from .signatures import mime_body, multipart, quoted, signature_block
from .world import WorldBase


class MailWriter(WorldBase):
    """Writes the mbox messages."""

    # -- mail ----------------------------------------------------------------------------------------------
    def _pick_addr(self, p: _Person, ts: int) -> _Addr:
        valid = [a for a in p.addrs if a.valid_from <= ts < a.valid_to] or p.addrs
        if len(valid) == 1:
            return valid[0]
        return self.rng.choices(valid, [a.weight for a in valid])[0]

    def _fmt(self, display: str, addr: str, tid: str, raw_utf8: bool = False) -> str:
        self.truth.email(addr, tid)
        if not display:
            return addr if self.rng.random() < 0.6 else f"<{addr}>"
        if not display.isascii() and not raw_utf8:
            return f"{_encoded_words(display, b64=self.rng.random() < 0.3)} <{addr}>"
        if any(ch in _SPECIALS for ch in display):
            return f"\"{display}\" <{addr}>"
        return f"{display} <{addr}>"

    def _owner_addr(self, counterpart: str, ts: int) -> tuple[str, str]:
        """The owner's (display, address) for a message with `counterpart` at `ts`."""
        emp = _EMPLOYERS[_NORTHWIND]
        if counterpart.endswith("@" + emp.domain) and _epoch(emp.start) <= ts <= _epoch(emp.end or date.max):
            return "Reyes, Morgan", _OWNER_WORK
        return _OWNER_NAME, _OWNER_GMAIL

    def _owner_as_recipient(self, counterpart: str, ts: int) -> tuple[str, str, str]:
        """(To header value, Delivered-To address) for mail sent to the owner."""
        disp, addr = self._owner_addr(counterpart, ts)
        delivered = addr
        r = self.rng.random()
        if addr == _OWNER_GMAIL:
            if r < 0.08:
                addr = self.rng.choice(_OWNER_GMAIL_VARIANTS)
            elif r < 0.16:
                disp = ""
            elif r < 0.2:
                disp = "Morgan"
        return self._fmt(disp, addr, OWNER_ID), delivered, addr

    def _msgid(self, style: str, addr: str) -> str:
        rng = self.rng
        if style == "gmail":
            tok = base64.b64encode(rng.randbytes(33), altchars=b"+_").decode().rstrip("=")
            return f"<CA{tok}@mail.gmail.com>"
        if style == "outlook":
            box = f"{rng.choice(('BN8PR12', 'DM6PR04', 'SJ0PR11', 'MN2PR15', 'CH3PR19'))}MB{rng.randint(1000, 9999)}"
            return f"<{box}{rng.getrandbits(128):032X}@{box}.namprd{rng.randint(10, 22)}.prod.outlook.com>"
        if style == "apple":
            return f"<{uuid.UUID(int=rng.getrandbits(128), version=4)}@icloud.com>".upper().replace("@ICLOUD.COM",
                                                                                                   "@icloud.com")
        if style == "yahoo":
            return f"<{rng.randint(10**8, 10**9)}.{rng.randint(10**6, 10**7)}.{rng.randint(10**12, 10**13)}" \
                   f"@mail.yahoo.com>"
        dom = addr.rpartition("@")[2] or "mail.example.net"
        return f"<{rng.getrandbits(64):016x}.{rng.randint(10**5, 10**6)}@{dom}>"

    def _gmid(self, ts: int) -> int:
        return ((ts * 1000 + self.rng.randrange(1000)) << 20) | self.rng.getrandbits(20)

    def _body(self) -> tuple[str, str]:
        """(Content-Type header block, body) of a personal message."""
        rng = self.rng
        text, html = rng.choice(self.mail_bodies)
        r = rng.random()
        if r < 0.45:
            return "Content-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: 7bit", text + "\n"
        b = f"000000000000{rng.getrandbits(48):012x}"
        alt = (f"--{b}\nContent-Type: text/plain; charset=\"UTF-8\"\n\n{text}\n\n"
               f"--{b}\nContent-Type: text/html; charset=\"UTF-8\"\n\n{html}\n\n--{b}--\n")
        return multipart(rng, b, alt, self.attachment_b64, attach=r > 0.975)

    def _subject(self, s: str) -> str:
        if s.isascii():
            return s
        return _encoded_words(s, b64=self.rng.random() < 0.4)

    def _labels_received(self, p: _Person, to_addr: str) -> str:
        rng = self.rng
        if to_addr == _OWNER_WORK:
            base = rng.choice(("Inbox,Opened,Work/Northwind", "Opened,Work/Northwind", "Important,Opened,Work/Northwind"))
        elif p.category == "sales_pitch":
            base = rng.choice(("Spam,Unread", "Spam", "Inbox,Unread,Category Promotions", "Trash,Opened"))
        elif p.category == "recruiter":
            base = rng.choice(("Inbox,Opened,Category Personal", "Inbox,Unread", "Archived,Opened", "Trash,Opened"))
        else:
            base = rng.choice(("Inbox,Important,Opened,Category Personal", "Opened,Inbox", "Inbox,Opened",
                               "Important,Opened,Inbox", "Archived,Opened", "Opened,Category Personal",
                               "Inbox,Unread", "Inbox,Important,Opened"))
            if rng.random() < 0.03:
                base += ',"Travel, 2019"'
        return base

    def _mail_message(self, *, ts: int, thrid: int, gmid: int, labels: str, frm: str, to: str, cc: str,
                      subject: str, msgid: str, refs: list[str], delivered: str, date_style: str, tz: int,
                      extra: str = "", body: tuple[str, str] | None = None) -> str:
        ctype, text = body or self._body()
        h = [_from_line(gmid, ts + (self.rng.randint(1, 40) if delivered else 0)),
             f"X-GM-THRID: {thrid}\nX-Gmail-Labels: {labels}\n"]
        if delivered:
            h.append(f"Delivered-To: {delivered}\n")
            if self.rng.random() < 0.3:
                summer = 4 <= time.gmtime(ts).tm_mon <= 10
                t = time.gmtime(ts + 2 - (7 if summer else 8) * 3600)
                zone = "-0700 (PDT)" if summer else "-0800 (PST)"
                h.append(f"Received: by 2002:a05:6a10:{self.rng.getrandbits(16):x}:b0:{self.rng.getrandbits(12):x} "
                         f"with SMTP id {self.rng.getrandbits(40):x};\n        {_WDAYS[t.tm_wday]}, {t.tm_mday} "
                         f"{_MONTHS[t.tm_mon - 1]} {t.tm_year} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} "
                         f"{zone}\n")
        h.append(f"MIME-Version: 1.0\nDate: {_rfc_date(ts, date_style, tz)}\n")
        if refs:
            h.append(f"References: {_fold(refs)}\nIn-Reply-To: {refs[-1]}\n")
        h.append(f"Message-ID: {msgid}\nSubject: {subject}\nFrom: {frm}\nTo: {to}\n")
        if cc:
            h.append(f"Cc: {cc}\n")
        h.append(extra)
        h.append(f"{ctype}\n\n{text}\n")
        return "".join(h)

    def _owner_signature(self, ts: int) -> str:
        """The owner signs about half of their mail: name, the title and employer held at `ts`, profile URL."""
        rng = self.rng
        if rng.random() >= 0.5:
            return ""
        title, company = "", ""
        for emp, t, _, _, s, e in _POSITIONS:
            if _epoch(s) <= ts < (_epoch(e) + 31 * _DAY if e else 1 << 40):
                title, company = t, _EMPLOYERS[emp].name
                break
        return signature_block(rng, name=_OWNER_NAME, title=title, company=company,
                               slug=_OWNER_SLUG if rng.random() < 0.5 else "", dash=rng.random() < 0.3)

    def _person_signature(self, p: _Person, a: _Addr, ts: int) -> str:
        """The signature block this person puts under a message sent from `a` at `ts` ("" when they do not)."""
        rng = self.rng
        at_work = a.job is not None
        chance = p.sig_work if at_work else p.sig_personal
        if p.category in _AUTOMATED or not chance or rng.random() >= chance:
            return ""
        job = a.job if a.job is not None else p.job_at(ts)
        if p.english:
            name = f"{p.english} {p.short_last or p.last}"
        elif p.nick and rng.random() < 0.3:
            name = f"{p.nick} {p.last}"
        else:
            name = f"{p.first} {p.last}"
        if p.old_last and ts < p.name_change:
            name = f"{p.first} {p.old_last}"
        native = p.native if p.sig_lines & 8 else ""
        title, company = (job.position, job.company) if job is not None and (at_work or rng.random() < 0.3) else \
            ("", "")
        slug = p.slug if p.sig_lines & 4 else ""
        if slug:
            self.truth.url(slug, p.tid)
        key = (p.tid, a.addr.lower(), name, company, _canonical_url(slug) if slug else "")
        self.signatures[key] = self.signatures.get(key, 0) + 1
        self.signed_messages += 1
        return signature_block(rng, name=name, native=native, title=title, company=company,
                               phone=p.phone if p.sig_lines & 2 else "", slug=slug, dash=bool(p.sig_lines & 1))

    def _mail_person(self, p: _Person, sink: _MailSink) -> None:
        rng = self.rng
        follow = p.category in ("reconnected", "awaiting_reply") and not p.follow_li
        if not (p.n_mail or follow) or not p.addrs:
            return
        threads = self._person_threads(p, p.n_mail) if p.n_mail else []
        if follow:
            threads.append(self._follow_thread(p))
        circle = [q for q in self._circle(p.employer) if q is not p] if p.employer >= 0 else []
        for thread in threads:
            first_ts = thread[0][0]
            a0 = self._pick_addr(p, first_ts)
            is_nw = a0.addr.endswith("@" + _EMPLOYERS[_NORTHWIND].domain)
            if p.category == "recruiter":
                subj0 = rng.choice(_RECRUITER_SUBJECTS)
            elif p.category == "sales_pitch":
                subj0 = rng.choice(_SALES_SUBJECTS)
            elif p.category == "cold_outbound":
                subj0 = rng.choice(_COLD_SUBJECTS)
            elif p.category == "role_address":
                subj0 = rng.choice(("Question about pricing", "Invoice #4471", "Account access", "Partnership"))
            else:
                subj0 = rng.choice(_WORK_SUBJECTS if is_nw else _SUBJECTS)
            cc_people: list[_Person] = []
            if circle and rng.random() < 0.1:
                awake = [q for q in circle if q.start <= first_ts and thread[-1][0] <= q.end]
                cc_people = rng.sample(awake, min(len(awake), rng.randint(1, 2)))
            refs: list[str] = []
            thrid = 0
            prev_text, prev_who = "", ""
            for i, (ts, by_owner) in enumerate(thread):
                a = a0 if i == 0 else self._pick_addr(p, ts)
                if a.addr != a0.addr and a.addr.endswith("@" + _EMPLOYERS[_NORTHWIND].domain) != is_nw:
                    a = a0                      # keep a thread on one side of the work/personal split
                subject = subj0 if i == 0 else ("RE: " if is_nw else "Re: ") + subj0
                cc = ", ".join(self._fmt(c.name if not is_nw else f"{c.last}, {c.first}",
                                         self._pick_addr(c, ts).addr, c.tid) for c in cc_people)
                gmid = self._gmid(ts)
                thrid = thrid or gmid
                base = self.mail_bodies[int(rng.random() * len(self.mail_bodies))][0]
                sig = self._owner_signature(ts) if by_owner else self._person_signature(p, a, ts)
                text = base + ("\n\n" + sig if sig else "")
                if prev_text and rng.random() < 0.5:
                    when = _rfc_date(thread[i - 1][0], "gmail", -300)
                    text += "\n\n" + quoted(f"On {when}, {prev_who} wrote:", prev_text)
                prev_text = base + ("\n\n" + sig if sig else "")
                body = mime_body(rng, text, self.attachment_b64)
                if by_owner:
                    od, oa = self._owner_addr(a.addr, ts)
                    prev_who = f"{od} <{oa}>"
                    frm = self._fmt(od, oa, OWNER_ID)
                    disp = a.display if rng.random() < 0.75 else ""
                    if p.old_last and ts >= p.name_change:
                        disp = p.name
                    to = self._fmt(disp, a.addr, p.tid, raw_utf8=False)
                    style = "outlook" if oa == _OWNER_WORK else "gmail"
                    msgid = self._msgid(style, oa)
                    labels = rng.choice(("Sent", "Sent,Opened", "Sent,Important,Opened")) if oa == _OWNER_GMAIL \
                        else "Sent,Work/Northwind"
                    msg = self._mail_message(ts=ts, thrid=thrid, gmid=gmid, labels=labels, frm=frm, to=to, cc=cc,
                                             subject=self._subject(subject), msgid=msgid, refs=refs[-8:],
                                             delivered="", date_style=style, tz=-300, body=body)
                    self._touch(p, ts, _MAIL_SENT)
                else:
                    frm = self._fmt(a.display, a.addr, p.tid, raw_utf8=p.raw_utf8)
                    prev_who = f"{a.display} <{a.addr}>" if a.display else a.addr
                    to, delivered, oaddr = self._owner_as_recipient(a.addr, ts)
                    msgid = self._msgid(a.style, a.addr)
                    extra = ""
                    if p.category == "sales_pitch" and rng.random() < 0.5:
                        extra = (f"List-Unsubscribe: <https://{a.addr.rpartition('@')[2]}/unsubscribe?u="
                                 f"{rng.getrandbits(48):012x}>\n")
                    if p.category == "role_address" and rng.random() < 0.5:
                        extra = "Auto-Submitted: auto-replied\n" if i == 0 and rng.random() < 0.3 else ""
                    msg = self._mail_message(ts=ts, thrid=thrid, gmid=gmid,
                                             labels=self._labels_received(p, oaddr if oaddr == _OWNER_WORK else ""),
                                             frm=frm, to=to, cc=cc, subject=self._subject(subject), msgid=msgid,
                                             refs=refs[-8:], delivered=delivered, date_style=a.style, tz=p.tz,
                                             extra=extra, body=body)
                    self._touch(p, ts, _MAIL_RECV)
                    self.person_messages += 1
                for c in cc_people:
                    c.stats[_GROUP] += 1
                refs.append(msgid)
                sink.add(msg, ts)

    def _circle(self, employer: int) -> list[_Person]:
        """Colleagues at one of the owner's employers who have an address (candidates for Cc)."""
        got = self.circles.get(employer)
        if got is None:
            got = self.circles[employer] = [q for q in self.by_employer[employer] if q.addrs][:60]
        return got

    def _chats(self, p: _Person, sink: _MailSink) -> None:
        """Old Hangouts chat records: label Chat, no Date / To / Message-ID."""
        rng = self.rng
        gmail = [a for a in p.addrs if a.addr.lower().endswith(("@gmail.com", "@googlemail.com"))]
        if not gmail or p.category not in ("dormant_close", "active_close") or (rng.random() > 0.8
                                                                                and self.chat_threads):
            return
        lo, hi = max(p.start, _epoch(date(2014, 1, 1))), min(p.end, _epoch(date(2021, 12, 31)))   # Hangouts era
        if hi <= lo:
            return
        self.chat_threads += 1
        ts = rng.randint(lo, hi)
        thrid = 0
        for _ in range(rng.randint(2, 6)):
            by_owner = rng.random() < 0.5
            gmid = self._gmid(ts)
            thrid = thrid or gmid
            frm = self._fmt(_OWNER_NAME, _OWNER_GMAIL, OWNER_ID) if by_owner else \
                self._fmt(gmail[0].display or p.name, gmail[0].addr, p.tid)
            text = _escape_from(rng.choice(_LI_SENTENCES))
            sink.add(f"{_from_line(gmid, ts)}X-GM-THRID: {thrid}\nX-Gmail-Labels: Chat\nFrom: {frm}\n"
                     f"MIME-Version: 1.0\nContent-Type: text/plain\n\n{text}\n\n", ts)
            self._touch(p, ts, _CHAT)
            ts += rng.randint(20, 900)

    def _mass_mails(self, sink: _MailSink) -> None:
        rng = self.rng
        pool = [p for p in self.people if p.category == "mass_mail_only" and p.addrs]
        extras = [p for p in self.people if p.addrs and p.category in ("dormant_close", "dormant_moderate",
                                                                      "active_close", "acquaintance")]
        organisers = [p for p in self.people if p.addrs and p.category in ("acquaintance", "recent_collaborator",
                                                                          "active_close")]
        nw_senders = [p for p in self.by_employer[_NORTHWIND] if p.work.endswith(_EMPLOYERS[_NORTHWIND].domain)]
        rng.shuffle(pool)
        n_mails = max(1, math.ceil(len(pool) / 80), self.prof.mass_mails)
        chunks: list[list[_Person]] = [[] for _ in range(n_mails)]
        for j, p in enumerate(pool):              # everyone is in at least one mass mail
            chunks[j % n_mails].append(p)
        plans: list[tuple[str, list[_Person]]] = []
        for chunk in chunks:
            if len(chunk) < 40:
                inside = {id(p) for p in chunk}
                others = [p for p in pool if id(p) not in inside]
                chunk = chunk + rng.sample(others, min(len(others), rng.randint(40, 60) - len(chunk)))
            n_nw = sum(1 for p in chunk if p.kind == "nw")
            plans.append(("nw" if n_nw * 2 > len(chunk) else "mail", chunk))
        for kind, recips in plans:
            if kind == "nw" and nw_senders:
                sender: _Person | None = rng.choice(nw_senders)
                emp = _EMPLOYERS[_NORTHWIND]
                ts = rng.randint(_epoch(emp.start) + 30 * _DAY, _epoch(emp.end or date.max) - 30 * _DAY)
            else:
                sender = rng.choice(organisers) if organisers and rng.random() < 0.6 else None
                ts = rng.randint(self.cutoff - 8 * _YEAR, self.cutoff - 5 * _DAY)
            extra_people = rng.sample(extras, min(len(extras), rng.randint(0, 6)))
            everyone = [q for q in recips + extra_people if q is not sender]
            items = []
            for q in everyone:
                a = self._pick_addr(q, ts)
                items.append(self._fmt(a.display, a.addr, q.tid))
                q.stats[_MASS] += 1
            gmid = self._gmid(ts)
            subject = self._subject(rng.choice(_MASS_SUBJECTS))
            if sender is None:
                frm = self._fmt(_OWNER_NAME, _OWNER_GMAIL, OWNER_ID)
                to, cc = _fold(items[: len(items) // 2]), _fold(items[len(items) // 2:])
                msg = self._mail_message(ts=ts, thrid=gmid, gmid=gmid, labels="Sent", frm=frm, to=to, cc=cc,
                                         subject=subject, msgid=self._msgid("gmail", _OWNER_GMAIL), refs=[],
                                         delivered="", date_style="gmail", tz=-300)
            else:
                a = self._pick_addr(sender, ts)
                frm = self._fmt(a.display, a.addr, sender.tid)
                owner_to, delivered, _ = self._owner_as_recipient(a.addr, ts)
                split = rng.randint(0, len(items))
                to = _fold([*items[:split], owner_to])
                cc = _fold(items[split:])
                msg = self._mail_message(ts=ts, thrid=gmid, gmid=gmid, labels=rng.choice(("Inbox,Opened", "Opened")),
                                         frm=frm, to=to, cc=cc, subject=subject, msgid=self._msgid(a.style, a.addr),
                                         refs=[], delivered=delivered, date_style=a.style, tz=sender.tz)
                sender.stats[_MASS] += 1
            sink.add(msg, ts)

    def _automated_mail(self, sink: _MailSink, n_total: int) -> None:
        rng = self.rng
        senders = [p for p in self.people if p.category in ("newsletter", "notification")]
        if not senders or n_total <= 0:
            return
        weights = [p.volume for p in senders]
        wsum = sum(weights)
        counts = [int(n_total * w / wsum) for w in weights]
        for j in range(n_total - sum(counts)):
            counts[j % len(counts)] += 1
        humans = [p for p in self.people if p.slug and p.category in ("acquaintance", "recent_collaborator",
                                                                      "dormant_moderate", "active_close")]
        for p, n in zip(senders, counts, strict=True):
            a = p.addrs[0]
            dom = a.addr.rpartition("@")[2]
            list_id = f"{p.list_name} <{_alnum(p.list_name)[:20]}.{dom}>"
            for _ in range(n):
                ts = rng.randint(p.start, self.cutoff)
                gmid = self._gmid(ts)
                display = a.display
                kind = p.kind
                extra = ""
                if kind in ("list", "group"):
                    extra = (f"List-Unsubscribe: <mailto:unsubscribe-{rng.getrandbits(40):010x}@{dom}>, "
                             f"<https://{dom}/unsubscribe?e={rng.getrandbits(40):010x}>\n"
                             f"List-Id: {list_id}\nPrecedence: {'list' if kind == 'group' else 'bulk'}\n")
                    labels = rng.choice(("Inbox,Category Promotions,Unread", "Category Updates,Opened",
                                         "Archived,Category Promotions,Opened", "Inbox,Category updates,Unread",
                                         "Trash,Opened,Category Promotions", "Category Forums,Unread"))
                    if kind == "group" and humans:
                        h = rng.choice(humans)
                        display = f"{h.name} via {p.list_name}"
                    body = rng.choice(self.news_bodies)
                    b = f"----=_Part_{rng.randint(10**5, 10**6)}_{rng.randint(10**8, 10**9)}.{ts}"
                    ctype = f"Content-Type: multipart/alternative; \n\tboundary=\"{b}\""
                    text = (f"--{b}\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 7bit"
                            f"\n\n{body[0]}\n\n--{b}\nContent-Type: text/html; charset=\"utf-8\"\n"
                            f"Content-Transfer-Encoding: quoted-printable\n\n{body[1]}\n\n--{b}--\n")
                else:
                    if kind in ("github", "linkedin") and humans:
                        h = rng.choice(humans)
                        display = h.name if kind == "github" else f"{h.li_name} via LinkedIn"
                    if kind != "linkedin" and rng.random() < 0.5:
                        extra = "Auto-Submitted: auto-generated\n"
                    if kind == "github":
                        extra += "List-Id: acme/ops-tools <ops-tools.acme.github.com>\nPrecedence: list\n"
                    labels = rng.choice(("Inbox,Category Updates,Unread", "Category updates,Opened",
                                         "Archived,Category Social,Opened", "Inbox,Opened", "Trash,Opened",
                                         "Inbox,Important,Category Updates,Opened"))
                    ctype = "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 7bit"
                    text = rng.choice(self.notify_bodies) + "\n"
                if rng.random() < 0.01:
                    labels = "Spam,Unread"
                frm = self._fmt(display, a.addr, p.tid)
                to = self._fmt("", _OWNER_GMAIL, OWNER_ID) if rng.random() < 0.5 else \
                    self._fmt(_OWNER_NAME, _OWNER_GMAIL, OWNER_ID)
                sink.add(self._mail_message(
                    ts=ts, thrid=gmid, gmid=gmid, labels=labels, frm=frm, to=to, cc="",
                    subject=self._subject(rng.choice(("Your weekly digest", "New activity", "Reminder",
                                                      "This week in operations", "Action required",
                                                      "Top stories for you", "Votre résumé hebdomadaire"))),
                    msgid=self._msgid("bulk", a.addr), refs=[], delivered=_OWNER_GMAIL, date_style=a.style,
                    tz=0, extra=extra, body=(ctype, text)), ts)
                if ts <= self.visible_until:
                    p.stats[_MAIL_RECV] += 1
