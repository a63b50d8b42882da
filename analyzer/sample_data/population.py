"""Builds the population: every category's people, LinkedIn connection quotas, volumes, card chances."""

from __future__ import annotations

from .model import _Person
from .pools import _AUTOMATED, _CONNECTED_SHARE, _EMPLOYERS, _NORTHWIND, _POSITIONS_POOL, CATEGORIES
from .specials import SpecialsMixin


class PopulationMixin(SpecialsMixin):
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
        self._scale_volumes()
        self._contact_chances()

    def _setup_mass(self, p: _Person, kind: str) -> None:
        """People who only ever appear among 40-120 recipients (mass mail) or in a big LinkedIn group thread."""
        rng = self.rng
        co, _ = self._pick_company()
        p.company, p.position = co, rng.choice(_POSITIONS_POOL)
        if kind == "li":
            self._decorate_linkedin(p, plain=True)
            self._make_slug(p)
            p.kind = "li"
        elif kind == "nw":
            p.employer = _NORTHWIND
            p.company = _EMPLOYERS[_NORTHWIND].name
            self._add_work(p, self._work_address(p, _EMPLOYERS[_NORTHWIND].domain), _NORTHWIND)
            p.addrs[-1].valid_from, p.addrs[-1].valid_to = 0, 1 << 40
            p.kind = "nw"
        else:
            self._add_personal(p, self._personal_address(p))
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
                "cold_outbound": 0.5, "mass_mail_only": 0.03}
        for p in self.people:
            if not p.contact_p:
                p.contact_p = base.get(p.category, 0.0) * (1.0 if p.category in ("dormant_close", "active_close")
                                                           else self.prof.contacts_scale)
