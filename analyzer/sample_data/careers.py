"""Careers and name forms: successive employers with their own work addresses, personal addresses, namesakes.

A person with a history holds one to four jobs over the decade before the export; each employer gives a work
address in that company's own local-part pattern, valid only during the tenure (successive jobs overlap by three
weeks at most). One or two personal addresses are used across. LinkedIn shows only the job held at the export.
How a name is written depends on the source: a nickname or an English given name at work, "Last, First" from an
Exchange server, a shortened double surname, accents dropped, or no display name at all.
"""

from __future__ import annotations

from .formats import _DAY, _YEAR, _alnum, _ascii, _epoch
from .model import _FOREVER, _Addr, _Job, _Person
from .people import PeopleMixin
from .pools import (
    _CN_GIVEN,
    _CN_PERSONAL_DOMAINS,
    _CN_SURNAMES,
    _COMMON_SURNAMES_TOP,
    _EMPLOYERS,
    _ENGLISH_GIVEN,
    _FIRST_NAMES,
    _IBERIAN_GIVEN,
    _LAST_NAMES,
    _LOCAL_PATTERNS,
    _PERSONAL_DOMAINS,
    _POSITIONS_POOL,
    _SECOND_SURNAMES,
    _TZS,
)

_COMMON = frozenset(_LAST_NAMES[:_COMMON_SURNAMES_TOP]) | frozenset(_CN_SURNAMES)


class CareersMixin(PeopleMixin):
    """Names (with namesakes), careers, and the addresses and name forms each career produces."""

    # -- names ------------------------------------------------------------------------------------------------
    def _pick_name(self) -> tuple[str, str]:
        """A full name: fresh, or (at the profile's namesake rate) one another human already carries."""
        rng = self.rng
        share = self.prof.namesakes
        if self.namesake_pool and rng.random() < share / (1 + share):
            i = rng.randrange(len(self.namesake_pool))
            name = self.namesake_pool[i]
            if rng.random() < 0.85:                    # mostly pairs, now and then three people
                self.namesake_pool[i] = self.namesake_pool[-1]
                self.namesake_pool.pop()
            return name
        r = rng.random()
        for _ in range(30):
            if r < 0.1:
                first, last = rng.choice(_CN_GIVEN), rng.choice(_CN_SURNAMES)
            else:
                first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
                if first in _IBERIAN_GIVEN and " " not in last and rng.random() < 0.35:
                    last = f"{last}-{rng.choice(_SECOND_SURNAMES)}" if rng.random() < 0.6 else \
                        f"{rng.choice(_SECOND_SURNAMES)} {last}"
            if (first, last) not in self.used_names:
                break
        self.used_names.add((first, last))
        if last in _COMMON:
            self.namesake_pool.append((first, last))
        return first, last

    def _new(self, category: str, first: str | None = None, last: str | None = None, suffix: str = "") -> _Person:
        if first is None or last is None:
            first, last = self._pick_name()
        else:
            self.used_names.add((first, last))
        p = _Person(tid=f"P{len(self.people) + 1:05d}", category=category, first=first, last=last, suffix=suffix)
        p.tz = self.rng.choice(_TZS)
        p.raw_utf8 = self.rng.random() < 0.06
        self.people.append(p)
        self.by_fullname.setdefault((first, last), []).append(p)
        return p

    def _name_forms(self, p: _Person) -> None:
        """English work name for Chinese given names, the short form of a double surname."""
        rng = self.rng
        if p.first in _CN_GIVEN and p.last in _CN_SURNAMES:
            p.native = f"{p.last} {p.first}"
            if rng.random() < 0.65:
                p.english = rng.choice(_ENGLISH_GIVEN)
                p.traps.append("english_name_at_work")
        elif ("-" in p.last or " " in p.last) and p.first in _IBERIAN_GIVEN:
            p.short_last = p.last.split("-")[0].split(" ")[0]
            p.traps.append("double_surname_shortened")

    def _work_display(self, p: _Person, style: str) -> str:
        """The display name a work mail server shows for this person (nickname, English name, Last, First)."""
        rng = self.rng
        first = p.english or (p.nick if p.nick and rng.random() < 0.6 else p.first)
        last = p.short_last if p.short_last and rng.random() < 0.7 else p.last
        if p.nick and first == p.nick and "nickname_in_mail" not in p.traps:
            p.traps.append("nickname_in_mail")
        name = f"{last}, {first}" if style == "last_first" else f"{first} {last}"
        if style == "last_first" and "last_first_display_name" not in p.traps:
            p.traps.append("last_first_display_name")
        if not name.isascii() and rng.random() < 0.5:
            name = _ascii(name)
            if "accent_stripped_in_mail" not in p.traps:
                p.traps.append("accent_stripped_in_mail")
        return name

    def _personal_display(self, p: _Person) -> str:
        """How a personal mail client shows the name (native order or English name for some)."""
        if p.native:
            r = self.rng.random()
            if r < 0.4:
                return p.native
            if r < 0.7 and p.english:
                return f"{p.english} {p.last}"
        return self._display(p)

    # -- careers ------------------------------------------------------------------------------------------------
    def _domain_habits(self, dom: str) -> tuple[str, str]:
        """(local-part pattern, display style) of one employer's mail server, fixed per domain."""
        got = self.domain_habits.get(dom)
        if got is None:
            rng = self.rng
            owner_emp = next((e for e in _EMPLOYERS if e.domain == dom), None)
            if owner_emp is not None:
                got = (owner_emp.local, owner_emp.style)
            else:
                pattern = rng.choices([x for x, _ in _LOCAL_PATTERNS], [w for _, w in _LOCAL_PATTERNS])[0]
                got = (pattern, "last_first" if rng.random() < 0.2 else "first_last")
            self.domain_habits[dom] = got
        return got

    def _work_local(self, p: _Person, pattern: str) -> str:
        given = p.english if p.english and self.rng.random() < 0.8 else p.first
        f = _alnum(given)
        la = _alnum(p.short_last or p.last) if self.rng.random() < 0.5 else _alnum(p.last)
        return {"first.last": f"{f}.{la}", "flast": f"{f[:1]}{la}", "first": f, "firstlast": f"{f}{la}",
                "first_last": f"{f}_{la}", "firstl": f"{f}{la[:1]}"}[pattern]

    def _segments(self, lo: int, hi: int, n: int, min_last: int = 120 * _DAY) -> list[tuple[int, int]]:
        """n successive tenures covering [lo, hi]: each ends between 45 days before and 21 days after the next
        starts; the last one lasts at least `min_last` (job changes of the last year are planned apart)."""
        rng = self.rng
        n = max(1, min(n, int((hi - lo) / (240 * _DAY)) or 1))
        cuts: list[int] = []
        for c in sorted(rng.randint(lo + 120 * _DAY, hi - 120 * _DAY) for _ in range(n - 1)) if n > 1 else []:
            if c - (cuts[-1] if cuts else lo) >= 150 * _DAY and hi - c >= min_last:
                cuts.append(c)
        bounds = [lo, *cuts, hi]
        out = []
        for k in range(len(bounds) - 1):
            end = bounds[k + 1] + (rng.randint(-45, 21) * _DAY if k < len(bounds) - 2 else 0)
            out.append((bounds[k], end))
        return out

    def _other_company(self, taken: set[str]) -> tuple[str, str]:
        for _ in range(20):
            co, dom = self._pick_company()
            if dom not in taken:
                return co, dom
        return co, dom

    def _build_career(self, p: _Person, same_company_as: _Person | None = None) -> None:
        """1-4 jobs over the decade; a colleague of the owner holds a job at the shared employer around p.start."""
        rng, cut = self.rng, self.cutoff
        lo = cut - int(rng.uniform(7.0, 12.0) * _YEAR)
        n_total = rng.choices((1, 2, 3, 4), (20, 35, 30, 15))[0]
        spans: list[tuple[int, int, int]] = []          # (start, end, owner employer index or -1)
        if p.employer >= 0:
            e = _EMPLOYERS[p.employer]
            q = p.start + (p.end - p.start) // 4
            s = max(lo, min(p.start, q) - rng.randint(30, 700) * _DAY)
            if e.end is None and rng.random() < 0.5:
                end = _FOREVER
            else:
                end = q + int(rng.uniform(0.2, 1.0) * max(p.end - q, 120 * _DAY)) + 60 * _DAY
                end = max(min(end, cut - 430 * _DAY), s + 90 * _DAY)   # job changes of the last year: apart
            lo = min(lo, s - 30 * _DAY)
            before = self._segments(lo, s, rng.randint(0, max(0, n_total - 2))) if s - lo > 300 * _DAY and \
                n_total > 1 else []
            spans += [(a, b, -1) for a, b in before]
            if before:
                spans[-1] = (spans[-1][0], min(spans[-1][1], s + 21 * _DAY), -1)
            spans.append((s, end, p.employer))
            if end < _FOREVER:
                k = max(1, n_total - len(spans))
                after = self._segments(end + rng.randint(-21, 60) * _DAY, cut, k, min_last=400 * _DAY)
                spans += [(a, b, -1) for a, b in after]
        else:
            spans = [(a, b, -1) for a, b in self._segments(lo, cut, n_total, min_last=400 * _DAY)]
        last_start, _, last_emp = spans[-1]
        spans[-1] = (last_start, _FOREVER, last_emp)
        taken: set[str] = set()
        for k, (a, b, emp) in enumerate(spans):
            if emp >= 0:
                co, dom = _EMPLOYERS[emp].name, _EMPLOYERS[emp].domain
            elif k == len(spans) - 1 and same_company_as is not None and same_company_as.jobs and \
                    same_company_as.jobs[-1].domain not in taken:
                co, dom = same_company_as.jobs[-1].company, same_company_as.jobs[-1].domain
                p.traps.append("namesake_at_same_company")
            else:
                co, dom = self._other_company(taken)
            taken.add(dom)
            p.jobs.append(_Job(co, dom, rng.choice(_POSITIONS_POOL), a, b, emp))
        p.company, p.position = p.jobs[-1].company, p.jobs[-1].position

    def _handmade_career(self, p: _Person) -> None:
        """Jobs for a hand-made person: the shared employer (if any) and the current company; addresses linked."""
        if p.jobs:
            return
        if p.employer >= 0:
            e = _EMPLOYERS[p.employer]
            p.jobs.append(_Job(e.name, e.domain, self.rng.choice(_POSITIONS_POOL), _epoch(e.start),
                               _epoch(e.end) if e.end else _FOREVER, p.employer))
            if e.end is None:
                p.jobs[-1].position = p.position
                p.company = e.name
        if p.jobs and p.jobs[-1].end == _FOREVER:
            start = 0
        elif p.jobs:
            start = p.jobs[-1].end - 14 * _DAY
        else:
            start = min(self.cutoff - 3 * _YEAR, (p.start or self.cutoff) - 200 * _DAY)
        dom = next((a.addr.rpartition("@")[2] for a in p.addrs if p.employer < 0 and a.addr == p.work), "")
        if start:
            p.jobs.append(_Job(p.company, dom, p.position, start, _FOREVER))
        for a in p.addrs:
            for job in p.jobs:
                if job.domain and a.addr.endswith("@" + job.domain):
                    a.job, job.addr = job, a.addr

    def _single_job(self, p: _Person, company: str, domain: str, position: str) -> None:
        """A career of one current job (recruiters, vendors, people seen only once)."""
        start = min(self.cutoff - int(self.rng.uniform(0.5, 6.0) * _YEAR), (p.start or self.cutoff) - 30 * _DAY)
        p.jobs = [_Job(company, domain, position, start, _FOREVER)]
        p.company, p.position = company, position

    def _add_job_address(self, p: _Person, job: _Job, weight: float, bare: float = 0.1) -> None:
        """The work address of one tenure, in that employer's pattern, used only during the tenure."""
        pattern, style = self._domain_habits(job.domain)
        job.addr = self._unique_addr(self._work_local(p, pattern), job.domain)
        disp = "" if self.rng.random() < bare else self._work_display(p, style)
        if not disp and "bare_work_address" not in p.traps:
            p.traps.append("bare_work_address")
        p.addrs.append(_Addr(job.addr, disp, job.start, job.end, weight, self._style_of(job.addr), job))

    def _add_personals(self, p: _Person, weight: float, second: float) -> None:
        """One personal address used across; sometimes an older one that was given up for it."""
        rng = self.rng
        new = self._personal_address(p)
        p.personal = p.personal or new
        disp = "" if rng.random() < 0.07 else self._personal_display(p)
        if rng.random() < second:
            old = self._personal_address(p, older=True)
            switch = rng.randint(self.cutoff - 9 * _YEAR, self.cutoff - 2 * _YEAR)
            if p.start and p.end > p.start:
                switch = rng.randint(p.start, p.end)
            odisp = "" if rng.random() < 0.07 else self._personal_display(p)
            p.addrs.append(_Addr(old, odisp, 0, switch + 45 * _DAY, weight, self._style_of(old)))
            p.addrs.append(_Addr(new, disp, switch, _FOREVER, weight, self._style_of(new)))
            p.traps.append("two_personal_addresses")
        else:
            p.addrs.append(_Addr(new, disp, 0, _FOREVER, weight, self._style_of(new)))

    def _personal_address(self, p: _Person, older: bool = False) -> str:
        rng = self.rng
        given = p.english if p.english and rng.random() < 0.4 else (p.nick or p.first)
        f, la = _alnum(given), _alnum(p.last)
        pool = _CN_PERSONAL_DOMAINS if p.native else _PERSONAL_DOMAINS
        domain = rng.choices([d for d, _ in pool], [w for _, w in pool])[0]
        if older and rng.random() < 0.6:
            domain = rng.choice(("yahoo.com", "hotmail.com", "aol.com", "comcast.net"))
        elif rng.random() < 0.06:
            domain = f"{la}{f[:1]}.net" if rng.random() < 0.5 else f"{f}{la}.com"
        r = rng.random()
        if domain in ("163.com", "qq.com") and r < 0.3:
            local = f"{la}{f}{rng.randint(1, 99)}"
        elif r < 0.25:
            local = f"{f}.{la}"
        elif r < 0.4:
            local = f"{f}{la}"
        elif r < 0.62:
            local = f"{f}.{la}{rng.randint(70, 99)}"
        elif r < 0.75:
            local = f"{f[:1]}{la}{rng.randint(1, 999)}"
        elif r < 0.85:
            local = f"{f}_{la}{rng.randint(1, 99)}"
        else:
            local = f"{f}{la[:1]}{rng.randint(1, 9999)}"
        return self._unique_addr(local, domain)

    def _signature_habits(self, p: _Person) -> None:
        """Whether and how this person signs: about half sign work mail, fewer sign personal mail."""
        rng = self.rng
        if rng.random() < 0.55:
            p.sig_work = rng.uniform(0.75, 1.0)
        if rng.random() < 0.3:
            p.sig_personal = rng.uniform(0.5, 1.0)
        p.sig_lines = (1 if rng.random() < 0.4 else 0) | (2 if rng.random() < 0.4 else 0) | \
            (4 if p.slug and rng.random() < 0.35 else 0) | (8 if p.native and p.english and rng.random() < 0.6 else 0)

