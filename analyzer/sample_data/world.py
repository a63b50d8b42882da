"""The generator's shared state: random source, truth registry, identifier uniqueness, text blocks, thread plans."""

from __future__ import annotations

import base64
import quopri
import random
from datetime import date, timedelta

from .formats import _DAY, _alnum, _epoch, _escape_from
from .model import _CHAT, _FOREVER, _Person, _Truth
from .pools import (
    _CO_A,
    _CO_B,
    _CO_SUFFIX,
    _EMPLOYERS,
    _LI_SENTENCES,
    _MAIL_SENTENCES,
    _OWNER_GMAIL,
    _OWNER_GMAIL_VARIANTS,
    _OWNER_SLUG,
    _OWNER_WORK,
    OWNER_ID,
    _Profile,
)


class WorldBase:
    """State shared by every step of the generator (one `random.Random` drives all of it)."""

    def __init__(self, profile: _Profile, seed: int, as_of: date) -> None:
        self.prof = profile
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.export_day = as_of - timedelta(days=4)
        self.cutoff = _epoch(self.export_day, 9 * 3600)
        self.truth = _Truth()
        self.people: list[_Person] = []
        self.used_names: set[tuple[str, str]] = set()
        self.used_slugs: set[str] = {_OWNER_SLUG}
        self.used_boxes: set[str] = {self._box(_OWNER_GMAIL), self._box(_OWNER_WORK)}
        self.style_cache: dict[str, str] = {}
        self.companies = self._companies()
        self.by_employer: dict[int, list[_Person]] = {i: [] for i in range(len(_EMPLOYERS))}
        self.endorse_recv: list[list[str]] = []
        self.endorse_given: list[list[str]] = []
        self.recs_recv: list[list[str]] = []
        self.recs_given: list[list[str]] = []
        self.invitations: list[tuple[int, list[str]]] = []
        self.n_contacts = 0
        self.n_li_drafts = 0
        self.n_connections = 0
        self.handmade: set[str] = set()
        self.circles: dict[int, list[_Person]] = {}
        self.namesake_pool: list[tuple[str, str]] = []       # common full names carried by one human so far
        self.by_fullname: dict[tuple[str, str], list[_Person]] = {}
        self.domain_habits: dict[str, tuple[str, str]] = {}  # domain -> (local-part pattern, display style)
        self.signatures: dict[tuple[str, str, str, str, str], int] = {}   # what signature blocks said
        self.visible_until = _FOREVER       # an earlier export (--as-of-earlier) shows only what is dated up to this
        self.chat_threads = 0
        self.person_messages = 0         # one-to-one mails from people to the owner
        self.signed_messages = 0         # ... of which end with a signature block
        self._prebuild_text()
        self._register_owner()

    # -- world ----------------------------------------------------------------------------------------------
    def _companies(self) -> list[tuple[str, str]]:
        rng = self.rng
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        while len(out) < 240:
            a, b = rng.choice(_CO_A), rng.choice(_CO_B)
            name = f"{a} {b}"
            if name in seen:
                continue
            seen.add(name)
            dom = _alnum(a)[:14] + ("" if rng.random() < 0.6 else _alnum(b)[:8]) + rng.choice(
                (".com", ".com", ".com", ".io", ".co", ".net"))
            out.append((name + rng.choice(_CO_SUFFIX), dom))
        return out

    def _register_owner(self) -> None:
        for a in (_OWNER_GMAIL, _OWNER_WORK, *_OWNER_GMAIL_VARIANTS):
            self.truth.email(a, OWNER_ID)
        self.truth.url(_OWNER_SLUG, OWNER_ID)

    @staticmethod
    def _box(addr: str) -> str:
        local, _, dom = addr.lower().partition("@")
        local = local.split("+", 1)[0]
        if dom in ("gmail.com", "googlemail.com"):
            return local.replace(".", "") + "@gmail.com"
        return f"{local}@{dom}"

    def _unique_addr(self, local: str, dom: str) -> str:
        local = local.strip(".") or "contact"
        addr = f"{local}@{dom}"
        while self._box(addr) in self.used_boxes:
            addr = f"{local}{self.rng.randint(2, 999)}@{dom}"
        self.used_boxes.add(self._box(addr))
        return addr

    def _unique_slug(self, base: str) -> str:
        rng = self.rng
        slug = base
        while slug in self.used_slugs or not slug:
            slug = f"{base}-{rng.getrandbits(32):08x}" if rng.random() < 0.7 else f"{base}-{rng.randint(10, 9999)}"
        self.used_slugs.add(slug)
        return slug

    def _style_of(self, addr: str) -> str:
        dom = addr.rpartition("@")[2].lower()
        style = self.style_cache.get(dom)
        if style is None:
            if dom in ("gmail.com", "googlemail.com"):
                style = "gmail"
            elif dom in ("outlook.com", "hotmail.com") or dom in {e.domain for e in _EMPLOYERS[:3]}:
                style = "outlook"
            elif dom in ("icloud.com", "me.com"):
                style = "apple"
            elif dom == "yahoo.com":
                style = "yahoo"
            else:
                style = self.rng.choice(("gmail", "outlook", "outlook", "bare", "apple"))
            self.style_cache[dom] = style
        return style

    # -- text blocks ----------------------------------------------------------------------------------------
    def _prebuild_text(self) -> None:
        rng = self.rng
        self.li_texts: list[str] = []
        for _ in range(400):
            k = rng.choice((1, 1, 2, 2, 2, 3, 4))
            text = " ".join(rng.sample(_LI_SENTENCES, k))
            r = rng.random()
            if r < 0.06:
                text = ""
            elif r < 0.16:
                text = "<p>" + text.replace("'", "&#39;") + "</p>"
            elif r < 0.2:
                text = text.replace(". ", ".  ")
            self.li_texts.append(text)
        # personal mail bodies: (text/plain, text/html); some contain a line starting "From " (escaped)
        self.mail_bodies: list[tuple[str, str]] = []
        for _ in range(60):
            lines = ["Hi,", ""] if rng.random() < 0.5 else []
            for _s in range(rng.choice((1, 1, 2, 2, 3, 4))):
                lines.append(rng.choice(_MAIL_SENTENCES))
            lines += ["", rng.choice(("Cheers", "Best", "Thanks", "Talk soon", "-M", "x"))]
            text = _escape_from("\n".join(lines))
            html = '<div dir="ltr">' + "<br>".join(
                ln.replace("&", "&amp;").replace("<", "&lt;") for ln in lines) + "</div>"
            self.mail_bodies.append((text, html))
        self.attachment_b64 = "\n".join(
            base64.b64encode(rng.randbytes(6000)).decode()[i:i + 76] for i in range(0, 8000, 76))
        # newsletters: a short text teaser + an html part (quoted-printable) of a few sizes; the mbox of the
        # large profile must stay near 350 MB, so these are leaner than real newsletters
        self.news_bodies: list[tuple[str, str]] = []
        for size in (1, 1, 1, 1, 2, 2, 3, 5):
            paras = [" ".join(rng.sample(_MAIL_SENTENCES, 3)) for _ in range(size)]
            text = _escape_from("From the editor's desk: " + paras[0][:120] +
                                "...\n\nRead online: https://example.net/r\nUnsubscribe: https://example.net/u")
            html = ("<html><body><table width=\"100%\">" + "".join(f"<tr><td><p>{p}</p></td></tr>" for p in paras) +
                    "<tr><td style=\"font-size:11px\">Unsubscribe | Preferences</td></tr></table></body></html>")
            self.news_bodies.append((text, quopri.encodestring(html.encode()).decode("ascii")))
        self.notify_bodies: list[str] = []
        for _ in range(12):
            self.notify_bodies.append(_escape_from(
                " ".join(rng.sample(_LI_SENTENCES, 3)) + "\n\nView it on the web: https://example.net/n/" +
                f"{rng.getrandbits(40):010x}\n\nYou received this notification because of your account settings.\n"
                "To change how often you get these, visit your notification preferences."))

    # -- threads -----------------------------------------------------------------------------------------------
    def _threads(self, n: int, start: int, end: int, p_owner: float, reply: float,
                 force_ends: bool = True) -> list[list[tuple[int, bool]]]:
        """Split n messages into threads inside [start, end]; each message is (timestamp, sent_by_owner)."""
        rng = self.rng
        out: list[list[tuple[int, bool]]] = []
        total = 0
        end = max(end, start + 3600)
        while total < n:
            if force_ends and not out:
                t = start
            elif force_ends and len(out) == 1:
                t = end - rng.randint(0, 2 * 3600)
            else:
                t = rng.randint(start, end)
            by_owner = rng.random() < p_owner
            length = min(n - total, 1 + int(rng.expovariate(1 / 2.0)))
            msgs: list[tuple[int, bool]] = []
            for _ in range(length):
                if t > end:
                    break
                msgs.append((t, by_owner))
                if rng.random() < reply:
                    by_owner = not by_owner
                t += 90 + int(rng.expovariate(1 / (3600 * 16)))
            if not msgs:
                msgs.append((end, by_owner))
            out.append(msgs)
            total += len(msgs)
        return out

    def _person_threads(self, p: _Person, n: int) -> list[list[tuple[int, bool]]]:
        """Threads for one person and channel: acquaintances get one or two question-and-answer exchanges."""
        if p.category == "acquaintance":
            rng = self.rng
            out = []
            for k in range(max(1, n // 2)):
                t = p.start if k == 0 else rng.randint(p.start, p.end)
                who = rng.random() < 0.5
                out.append([(t, who), (t + rng.randint(600, 3 * _DAY), not who)])
            return out
        two_way = p.category not in ("recruiter", "sales_pitch", "cold_outbound")
        return self._threads(n, p.start, p.end, p.p_owner, 0.85 if two_way else 0.0)

    def _follow_thread(self, p: _Person) -> list[tuple[int, bool]]:
        """The owner's recent reach-out to a dormant tie: answered (reconnected) or not yet (awaiting_reply)."""
        rng, cut = self.rng, self.cutoff
        if p.category == "awaiting_reply":
            return [(cut - rng.randint(1 * _DAY, 21 * _DAY), True)]
        t = cut - rng.randint(25 * _DAY, 150 * _DAY)
        thread = [(t, True)]
        for k in range(rng.randint(1, 3)):
            t += rng.randint(3 * 3600, 5 * _DAY)
            thread.append((t, k % 2 == 1))
        return thread

    def _touch(self, p: _Person, ts: int, slot: int) -> None:
        if slot <= _CHAT:
            p.events.append((ts, slot))
        if ts > self.visible_until:
            return
        p.stats[slot] += 1
        if slot <= _CHAT:
            if not p.first_ts or ts < p.first_ts:
                p.first_ts = ts
            if ts > p.last_ts:
                p.last_ts = ts
