"""Names, identifiers, activity windows and message volumes of one person."""

from __future__ import annotations

from datetime import date

from .formats import _DAY, _YEAR, _alnum, _ascii, _epoch, _to_date
from .model import _Addr, _Person
from .pools import (
    _CREDENTIALS,
    _DECORATIONS,
    _EMPLOYERS,
)
from .world import WorldBase


class PeopleMixin(WorldBase):
    """Per-person names, addresses, slugs, windows and volumes."""

    # -- population ---------------------------------------------------------------------------------------
    def _decorate_linkedin(self, p: _Person, plain: bool = False) -> None:
        rng = self.rng
        first = p.first
        if p.nick and rng.random() < 0.15:
            first, p.nick = p.nick, ""          # uses the short name on LinkedIn, full name in mail
            p.traps = [t for t in p.traps if t != "nickname_in_mail"] + ["nickname_on_linkedin"]
        p.li_first, p.li_last = first, p.last + (f" {p.suffix}" if p.suffix else "")
        if plain:
            return
        r = rng.random()
        if r < 0.07:
            p.li_last += rng.choice(_CREDENTIALS)
            p.traps.append("credential_in_linkedin_name")
        elif r < 0.12:
            deco = rng.choice(_DECORATIONS)
            p.li_last += deco
            p.traps.append("pronouns_in_linkedin_name" if "(" in deco else
                           "tagline_in_linkedin_name" if ("|" in deco or "–" in deco) else "emoji_in_linkedin_name")
        elif r < 0.16:
            p.li_first += f" {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            p.traps.append("middle_initial_in_linkedin_name")

    def _make_slug(self, p: _Person) -> None:
        rng = self.rng
        first = p.first if not p.li_first or p.li_first.startswith("Dr. ") else p.li_first.split(" ")[0]
        keep = rng.random() < 0.55 and not (first + p.last).isascii()
        f = (first.lower() if keep else _ascii(first).lower()).replace("'", "")
        la = (p.last.lower() if keep else _ascii(p.last).lower()).replace("'", "").replace(" ", "-")
        r = rng.random()
        if r < 0.45:
            base = f"{f}-{la}-{rng.getrandbits(24):06x}"
        elif r < 0.7:
            base = f"{f}-{la}"
        elif r < 0.85:
            base = f"{f}{la}".replace("-", "")
        else:
            base = f"{f[:1]}{la}{rng.randint(1, 99)}".replace("-", "")
        p.slug = self._unique_slug(base)
        if keep:
            p.traps.append("non_ascii_linkedin_slug")

    def _work_address(self, p: _Person, domain: str, pattern: str = "first.last") -> str:
        f, la = _alnum(p.first), _alnum(p.last)
        local = f"{f}.{la}" if pattern == "first.last" else f"{f[:1]}{la}"
        return self._unique_addr(local, domain)

    def _display(self, p: _Person, formal: bool = False) -> str:
        """How this person's own mail client signs their name."""
        rng = self.rng
        first = p.first if formal or not p.nick else p.nick
        name = f"{first} {p.last}" + (f" {p.suffix}" if p.suffix and rng.random() < 0.5 else "")
        if not name.isascii() and rng.random() < 0.5:
            name = _ascii(name)
            if "accent_stripped_in_mail" not in p.traps:
                p.traps.append("accent_stripped_in_mail")
        return name

    def _add_personal(self, p: _Person, addr: str, weight: float = 1.0) -> None:
        p.personal = p.personal or addr
        bare = self.rng.random() < 0.07
        p.addrs.append(_Addr(addr, "" if bare else self._display(p), 0, 1 << 40, weight, self._style_of(addr)))

    def _add_work(self, p: _Person, addr: str, employer: int | None, weight: float = 1.0) -> None:
        if employer is not None:
            emp = _EMPLOYERS[employer]
            lo = _epoch(emp.start)
            hi = _epoch(emp.end) if emp.end else 1 << 40
            disp = f"{p.last}, {p.first}" if emp.style == "last_first" else f"{p.first} {p.last}"
            if emp.style == "last_first" and "last_first_display_name" not in p.traps:
                p.traps.append("last_first_display_name")
        else:
            lo, hi, disp = 0, 1 << 40, self._display(p, formal=True)
        p.work = p.work or addr
        p.addrs.append(_Addr(addr, disp, lo, hi, weight, self._style_of(addr)))

    def _pick_company(self) -> tuple[str, str]:
        return self.rng.choice(self.companies)

    # windows --------------------------------------------------------------------------------------------------
    def _owner_employer_at(self, ts: int) -> int:
        for i, e in enumerate(_EMPLOYERS):
            if _epoch(e.start) <= ts <= (_epoch(e.end) if e.end else 1 << 40):
                return i
        return -1

    def _window(self, p: _Person) -> None:
        rng, cut = self.rng, self.cutoff
        c = p.category
        if c == "dormant_close":
            p.end = cut - int(rng.uniform(1.05, 4.0) * _YEAR)
            p.start = max(_epoch(date(2013, 3, 1)), p.end - int(rng.uniform(1.0, 5.0) * _YEAR))
        elif c == "dormant_moderate":
            p.end = cut - int(rng.uniform(1.05, 5.0) * _YEAR)
            p.start = p.end - int(rng.uniform(0.3, 3.0) * _YEAR)
        elif c in ("reconnected", "awaiting_reply"):     # a dormant tie the owner wrote to recently
            p.end = cut - int(rng.uniform(1.3, 4.0) * _YEAR)
            p.start = max(_epoch(date(2013, 3, 1)), p.end - int(rng.uniform(1.0, 4.0) * _YEAR))
        elif c == "went_quiet":                           # in touch for years until a few months ago
            p.start = cut - int(rng.uniform(2.0, 6.0) * _YEAR)
            p.end = cut - rng.randint(60, 180) * _DAY
        elif c == "active_close":
            p.start = cut - int(rng.uniform(2.0, 9.0) * _YEAR)
            p.end = cut - rng.randint(1, 21) * _DAY + rng.randint(-3600, 3600)
        elif c == "recent_collaborator":
            p.start = cut - rng.randint(25, 120) * _DAY
            p.end = cut - rng.randint(1, 20) * _DAY
        elif c == "acquaintance":
            p.start = rng.randint(_epoch(date(2013, 1, 1)), cut - 90 * _DAY)
            p.end = min(cut - 30 * _DAY, p.start + rng.randint(1, 500) * _DAY)
        elif c in ("recruiter", "sales_pitch", "cold_outbound"):
            p.start = rng.randint(cut - 6 * _YEAR, cut - 20 * _DAY)
            p.end = min(cut - _DAY, p.start + rng.randint(1, 150) * _DAY)
        p.start += rng.randint(8 * 3600, 20 * 3600) - (p.start % _DAY) if p.start else 0

    def _connect_date(self, p: _Person) -> date:
        rng = self.rng
        lo = _epoch(date(2012, 3, 1))
        if p.category == "connection_only" or not p.start:
            u = rng.random() ** 0.6
            ts = lo + int(u * (self.cutoff - lo))
        elif p.category == "acquaintance":
            ts = p.start - rng.randint(0, 4) * _DAY
        elif p.category in ("recruiter", "sales_pitch", "cold_outbound", "recent_collaborator"):
            ts = p.start - rng.randint(0, 40) * _DAY
        else:
            ts = p.start - rng.randint(0, 240) * _DAY
        return _to_date(min(max(ts, lo), self.cutoff))

    def _plan_volume(self, p: _Person) -> None:
        rng, c = self.rng, p.category
        has_li, has_mail = bool(p.slug), bool(p.addrs)
        share = 1.0 if not has_mail else 0.0 if not has_li else rng.uniform(0.25, 0.75)
        if c in ("dormant_close", "active_close"):
            n = rng.randint(40, 120)
            p.p_owner = rng.uniform(0.35, 0.65)
        elif c in ("dormant_moderate", "recent_collaborator"):
            n = rng.randint(6, 25)
            p.p_owner = rng.uniform(0.3, 0.7)
        elif c in ("reconnected", "awaiting_reply"):
            n = rng.randint(10, 60)
            p.p_owner = rng.uniform(0.35, 0.65)
        elif c == "went_quiet":
            n = rng.randint(50, 120)
            p.p_owner = rng.uniform(0.35, 0.65)
        elif c == "acquaintance":
            n = rng.choice((2, 2, 2, 4))
            share = 1.0 if not has_mail or rng.random() < 0.8 else 0.0
            p.p_owner = 0.5
        elif c in ("recruiter", "sales_pitch"):
            n = rng.randint(1, 4) if c == "recruiter" else rng.randint(1, 3)
            p.p_owner = 0.0
        elif c == "cold_outbound":
            n = rng.randint(1, 3)
            p.p_owner = 1.0
        else:
            n = 0
        p.n_li = round(n * share)
        p.n_mail = n - p.n_li
        if c in ("recruiter", "sales_pitch", "cold_outbound") and n:
            if has_li and has_mail:           # one channel per cold contact, mostly LinkedIn
                if rng.random() < 0.6:
                    p.n_li, p.n_mail = n, 0
                else:
                    p.n_li, p.n_mail = 0, n
            elif has_li:
                p.n_li, p.n_mail = n, 0
            else:
                p.n_li, p.n_mail = 0, n
