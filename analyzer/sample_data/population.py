"""Builds the population: every category's people, LinkedIn connection quotas, volumes, card chances."""

from __future__ import annotations

from datetime import date

from .followthrough import FOLLOW_CATEGORIES, FollowThroughMixin
from .formats import _DAY, _epoch
from .model import _Addr, _Job, _Person
from .pools import (
    _AUTOMATED,
    _CONNECTED_SHARE,
    _EMPLOYERS,
    _NICKNAMES,
    _NORTHWIND,
    _POSITIONS_POOL,
    _RECRUITER_FIRMS,
    _RECRUITER_TITLES,
    _SALES_TITLES,
    _VENDORS,
    CATEGORIES,
)


class PopulationMixin(FollowThroughMixin):
    """Builds the whole population of the world."""

    def build_population(self) -> None:
        prof, rng = self.prof, self.rng
        counts = dict(prof.counts)
        self._specials()
        have = {c: sum(1 for p in self.people if p.category == c) for c in CATEGORIES}
        for c in CATEGORIES:
            if c in _AUTOMATED or c == "connection_only":
                continue
            n_new = counts.get(c, 0) - have[c]
            # mass_mail_only: enough silent LinkedIn members for big (40+) group threads, the rest by mail
            n_li = min(n_new, max(40, round(0.35 * n_new))) if c == "mass_mail_only" and n_new >= 60 else 0
            for j in range(n_new):
                p = self._new(c)
                if c == "mass_mail_only":
                    self._setup_mass(p, "li" if j < n_li else rng.choice(("nw", "mail")))
                else:
                    self._setup_human(p)
        # exact connection quotas: category counts do not depend on the seed
        n_connected = 0
        for c, share in _CONNECTED_SHARE.items():
            total = counts.get(c, 0)
            k = round(share * total)
            members = [p for p in self.people if p.category == c and p.slug]
            if len(members) < k:              # put a few more of them on LinkedIn
                for p in [p for p in self.people if p.category == c and not p.slug][: k - len(members)]:
                    self._decorate_linkedin(p)
                    self._make_slug(p)
                    members.append(p)
            special = [p for p in members if p.tid in self.handmade]
            rest = [p for p in members if p.tid not in self.handmade]
            chosen = special[:k] + rng.sample(rest, max(0, k - len(special)))
            for p in chosen:
                p.connected = self._connect_date(p)
            n_connected += len(chosen)
        n_connected += sum(1 for p in self.people if p.category == "connection_only")   # the special David Lee
        for p in self.people:
            if p.category == "connection_only":
                p.connected = self._connect_date(p)
        for _ in range(max(0, prof.connections - prof.placeholders - n_connected)):
            p = self._new("connection_only")
            self._setup_human(p)
            p.connected = self._connect_date(p)
        self._automated(counts)
        self._plan_follow_through()
        self._scale_volumes()
        self._contact_chances()

    def _setup_human(self, p: _Person) -> None:
        """Name forms, window, LinkedIn profile, career, addresses, signature habits and volume of one person."""
        rng, c = self.rng, p.category
        if p.first in _NICKNAMES and not p.nick and rng.random() < 0.55:
            p.nick = rng.choice(_NICKNAMES[p.first])
        self._name_forms(p)
        self._window(p)
        on_li = c in ("active_close", "acquaintance", "connection_only", "recruiter") or (
            rng.random() < {"dormant_close": 0.92, "dormant_moderate": 0.88, "recent_collaborator": 0.92,
                            "sales_pitch": 0.6, "cold_outbound": 0.75, "mass_mail_only": 0.0}.get(c, 1.0))
        if on_li:
            self._decorate_linkedin(p)
            self._make_slug(p)
        # employer overlap with the owner
        if c in ("dormant_close", "dormant_moderate", "active_close", "recent_collaborator", "acquaintance",
                 *FOLLOW_CATEGORIES):
            p_colleague = {"dormant_close": 0.85, "dormant_moderate": 0.55, "active_close": 0.5,
                           "recent_collaborator": 0.6, "acquaintance": 0.2, "reconnected": 0.6,
                           "awaiting_reply": 0.6, "went_quiet": 0.5}[c]
            emp = self._owner_employer_at(p.start + (p.end - p.start) // 4)
            if emp >= 0 and rng.random() < p_colleague:
                p.employer = emp
                self.by_employer[emp].append(p)
        if c == "recruiter":
            firm, dom = rng.choice(_RECRUITER_FIRMS)
            self._single_job(p, firm, dom, rng.choice(_RECRUITER_TITLES))
            if rng.random() < 0.55:
                self._add_job_address(p, p.jobs[-1], 1.0, bare=0.0)
        elif c == "sales_pitch":
            firm, dom = rng.choice(_VENDORS)
            self._single_job(p, firm, dom, rng.choice(_SALES_TITLES))
            if not p.slug and rng.random() < 0.5:
                p.kind = "sponsored"          # only ever a sponsored InMail: a name, no URL, no address
            elif rng.random() < 0.7 or not p.slug:
                self._add_job_address(p, p.jobs[-1], 1.0, bare=0.0)
        else:
            namesakes = self.by_fullname.get((p.first, p.last), [])
            twin = namesakes[0] if len(namesakes) > 1 and namesakes[0].jobs and rng.random() < 0.1 else None
            self._build_career(p, twin)
            if p.employer >= 0:
                for job in p.jobs:
                    if job.employer >= 0 or (job.start < p.end and job.end > p.start) or rng.random() < 0.4:
                        self._add_job_address(p, job, 2.5 if job.employer >= 0 else 1.0)
                self._add_personals(p, 0.8, 0.3)
            else:
                p_mail = {"dormant_close": 1.0, "dormant_moderate": 0.8, "active_close": 0.95,
                          "recent_collaborator": 0.85, "acquaintance": 0.3, "connection_only": 0.12,
                          "cold_outbound": 0.6, "mass_mail_only": 1.0}.get(c, 0.9)
                if c == "cold_outbound":
                    if rng.random() < p_mail:
                        self._add_job_address(p, p.jobs[-1], 1.0, bare=0.0)
                elif rng.random() < p_mail or not p.slug:
                    self._add_personals(p, 1.0, 0.3)
                    p_work = 0.8 if c in ("dormant_close", "active_close", "recent_collaborator",
                                          "dormant_moderate", *FOLLOW_CATEGORIES) else 0.5
                    for job in p.jobs:
                        during = job.start < p.end and job.end > p.start
                        if rng.random() < (p_work if during else 0.25):
                            self._add_job_address(p, job, 1.0)
        if not p.slug and not p.addrs and p.kind != "sponsored":      # every human needs a channel
            self._add_personals(p, 1.0, 0.0)
        self._pick_main_work_address(p)
        local, _, dom = p.personal.partition("@")
        if dom == "gmail.com" and "." in local and rng.random() < 0.08:
            # the same mailbox typed without dots (or via googlemail.com) by some of their clients
            variant = local.replace(".", "") + "@gmail.com" if rng.random() < 0.7 else f"{local}@googlemail.com"
            home = next(a for a in p.addrs if a.addr == p.personal)
            p.addrs.append(_Addr(variant, home.display, 0, 1 << 40, 0.4, "gmail"))
            p.traps.append("gmail_address_variant")
        if rng.random() < 0.6:
            p.phone = f"+1 {rng.choice((617, 401, 857, 212, 415, 312, 508))}-555-01{rng.randint(0, 99):02d}"
        self._signature_habits(p)
        self._plan_volume(p)

    def _pick_main_work_address(self, p: _Person) -> None:
        """`p.work`: the shared employer's address, else the one of the tenure that overlaps the window most."""
        best, overlap = "", -(1 << 42)
        for a in p.addrs:
            if a.job is None:
                continue
            o = (1 << 41) if a.job.employer >= 0 else min(a.valid_to, p.end) - max(a.valid_from, p.start)
            if o > overlap:
                best, overlap = a.addr, o
        p.work = best

    def _setup_mass(self, p: _Person, kind: str) -> None:
        """People who only ever appear among 40-120 recipients (mass mail) or in a big LinkedIn group thread."""
        rng = self.rng
        co, dom = self._pick_company()
        self._name_forms(p)
        self._single_job(p, co, dom, rng.choice(_POSITIONS_POOL))
        if kind == "li":
            self._decorate_linkedin(p, plain=True)
            self._make_slug(p)
            p.kind = "li"
        elif kind == "nw":
            p.employer = _NORTHWIND
            nw = _EMPLOYERS[_NORTHWIND]
            job = _Job(nw.name, nw.domain, rng.choice(_POSITIONS_POOL), _epoch(nw.start), _epoch(nw.end or date.max),
                       _NORTHWIND)
            p.jobs.insert(0, job)
            p.jobs[-1].start = max(p.jobs[-1].start, job.end - 14 * _DAY)
            self._add_work(p, self._work_address(p, nw.domain), _NORTHWIND)
            p.addrs[-1].valid_from, p.addrs[-1].valid_to, p.addrs[-1].job = 0, 1 << 40, job
            job.addr = p.addrs[-1].addr
            p.kind = "nw"
        else:
            self._add_personals(p, 1.0, 0.0)
            p.kind = "mail"

    def _scale_volumes(self) -> None:
        """Scale the heavy categories so messages.csv and the personal part of the mbox hit the size targets."""
        prof = self.prof
        close = ("dormant_close", "active_close")
        mid = ("dormant_moderate", "recent_collaborator")
        groups_rows = prof.small_groups * 22 + 60
        for attr, target in (("n_li", prof.li_rows * 0.97 - groups_rows), ("n_mail", prof.emails * 0.48)):
            light = sum(getattr(p, attr) for p in self.people if p.category not in close + mid)
            s_close = sum(getattr(p, attr) for p in self.people if p.category in close)
            s_mid = sum(getattr(p, attr) for p in self.people if p.category in mid)
            if s_close + s_mid == 0:
                continue
            # close *= f, mid *= 1 + (f - 1) / 2
            f = max(1.0, (target - light - s_mid * 0.5) / (s_close + 0.5 * s_mid))
            for p in self.people:
                if p.category in close:
                    setattr(p, attr, round(getattr(p, attr) * f))
                elif p.category in mid:
                    setattr(p, attr, round(getattr(p, attr) * (1 + (f - 1) / 2)))

    def _contact_chances(self) -> None:
        base = {"dormant_close": 0.8, "dormant_moderate": 0.6, "active_close": 0.9, "recent_collaborator": 0.55,
                "acquaintance": 0.35, "connection_only": 0.08, "recruiter": 0.3, "sales_pitch": 0.1,
                "cold_outbound": 0.5, "mass_mail_only": 0.03, "reconnected": 0.7, "awaiting_reply": 0.7,
                "went_quiet": 0.6}
        for p in self.people:
            if not p.contact_p:
                p.contact_p = base.get(p.category, 0.0) * (1.0 if p.category in ("dormant_close", "active_close")
                                                           else self.prof.contacts_scale)
