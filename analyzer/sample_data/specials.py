"""Hand-made identity traps present in every size, and the automated senders."""

from __future__ import annotations

from datetime import date

from .careers import CareersMixin
from .formats import _DAY, _YEAR, _alnum, _epoch
from .model import _Addr, _Person
from .pools import _CO_A, _EMPLOYERS, _NORTHWIND, _POSITIONS_POOL


class SpecialsMixin(CareersMixin):
    """The hand-made people and the automated senders."""

    def _specials(self) -> None:
        """Hand-made identity traps, present in every size."""
        rng = self.rng
        nw = _EMPLOYERS[_NORTHWIND]

        def colleague(p: _Person, emp: int, gap: tuple[float, float] = (1.3, 3.5),
                      span: tuple[float, float] = (2.0, 5.0)) -> None:
            """Silent for `gap` years before the export; in touch for about `span` years from the shared job."""
            e = _EMPLOYERS[emp]
            p.employer = emp
            self.by_employer[emp].append(p)
            p.end = self.cutoff - int(rng.uniform(*gap) * _YEAR)
            lo, hi = _epoch(e.start) + 60 * _DAY, _epoch(e.end or self.export_day) - 120 * _DAY
            p.start = min(max(p.end - int(rng.uniform(*span) * _YEAR), lo), hi) + 10 * 3600

        # Robert Smith: Bob in personal mail, "Smith, Robert" at Northwind, a card holding both addresses
        bob = self._new("dormant_close", "Robert", "Smith")
        bob.nick = "Bob"
        colleague(bob, _NORTHWIND)
        bob.start = _epoch(date(2018, 9, 3)) + 10 * 3600       # in touch from the shared job on
        bob.li_first, bob.li_last = "Robert", "Smith"
        self._make_slug(bob)
        bob.company, bob.position = "Quayside Freight", "Director, Network Planning"
        self._add_work(bob, self._unique_addr("robert.smith", nw.domain), _NORTHWIND, weight=3.0)
        self._add_personal(bob, self._unique_addr("bob.smith.1984", "gmail.com"))
        bob.addrs[-1].display = "Bob Smith"
        bob.traps += ["nickname_in_mail", "last_first_display_name", "card_links_work_and_personal"]
        bob.contact_p = 1.0

        # Jennifer Walsh: gmail dot / +tag / googlemail / case spellings of one mailbox
        jen = self._new("dormant_close", "Jennifer", "Walsh")
        colleague(jen, 2)
        jen.li_first, jen.li_last = "Jennifer", "Walsh, MBA 🚀"
        self._make_slug(jen)
        jen.company, jen.position = "Helix Health", "VP, Clinical Operations"
        base = self._unique_addr("jen.walsh.pm", "gmail.com")
        jen.personal = base
        for spelling, w in ((base, 3.0), ("jenwalshpm@gmail.com", 1.0), ("jen.walsh.pm+linkedin@gmail.com", 0.6),
                            ("jen.walsh.pm@googlemail.com", 0.6), ("Jen.Walsh.PM@gmail.com", 0.5)):
            jen.addrs.append(_Addr(spelling, "Jen Walsh", 0, 1 << 40, w, "gmail"))
        jen.nick = "Jen"
        jen.traps += ["gmail_dot_plus_googlemail_variants", "credential_in_linkedin_name", "emoji_in_linkedin_name"]
        jen.contact_p = 1.0

        # José Núñez: accents in LinkedIn (percent-encoded slug in Connections), stripped in mail
        jose = self._new("dormant_moderate", "José", "Núñez")
        colleague(jose, _NORTHWIND, gap=(4.0, 4.9), span=(1.5, 3.0))
        jose.li_first, jose.li_last = "José", "Núñez"
        jose.slug = self._unique_slug("josé-núñez-8b1a2c")
        jose.company, jose.position = "Redwater Logistics", "Senior Planner"
        self._add_personal(jose, self._unique_addr("jose.nunez.ops", "outlook.com"))
        jose.addrs[-1].display = "Jose Nunez"
        jose.traps += ["accent_stripped_in_mail", "non_ascii_linkedin_slug"]

        # Zoë Müller: same trap, German transliteration ambiguity (Muller vs Mueller)
        zoe = self._new("dormant_close", "Zoë", "Müller")
        colleague(zoe, 2)
        zoe.li_first, zoe.li_last = "Zoë", "Müller"
        zoe.slug = self._unique_slug("zoë-müller")
        zoe.company, zoe.position = "Castellan Health", "Senior Data Scientist"
        self._add_personal(zoe, self._unique_addr("zoe.muller", "icloud.com"))
        zoe.addrs[-1].display = "Zoe Muller"
        zoe.traps += ["accent_stripped_in_mail", "non_ascii_linkedin_slug"]

        # Emily Novak -> Emily Carter: surname change, same address before and after
        emily = self._new("dormant_close", "Emily", "Carter")
        emily.old_last = "Novak"
        colleague(emily, _NORTHWIND)
        emily.start = self.cutoff - int(6.5 * _YEAR)
        emily.end = self.cutoff - int(1.6 * _YEAR)
        emily.name_change = emily.start + int(2.5 * _YEAR)
        emily.li_first, emily.li_last = "Emily", "Carter"
        self._make_slug(emily)
        emily.company, emily.position = "Northstar Analytics", "Head of Data"
        ea = self._unique_addr("emily.novak.home", "gmail.com")
        emily.personal = ea
        emily.addrs += [_Addr(ea, "Emily Novak", 0, emily.name_change, 1.0, "gmail"),
                        _Addr(ea, "Emily Carter", emily.name_change, 1 << 40, 1.0, "gmail")]
        emily.traps += ["maiden_name_change_same_email"]
        emily.contact_p = 1.0

        # two David Lees at different companies
        d1 = self._new("dormant_close", "David", "Lee")
        colleague(d1, _NORTHWIND)
        d1.li_first, d1.li_last = "David", "Lee"
        self._make_slug(d1)
        d1.company, d1.position = "Quayside Freight", "Operations Manager"
        self._add_work(d1, self._unique_addr("david.lee", nw.domain), _NORTHWIND, weight=3.0)
        self._add_personal(d1, self._unique_addr("davidlee.pvd", "gmail.com"))
        d2 = self._new("connection_only", "David", "Lee")
        d2.li_first, d2.li_last = "David", "Lee"
        self._make_slug(d2)
        d2.company, d2.position = "Helix Biosciences", "Principal Scientist"
        self._add_work(d2, self._unique_addr("dlee", "helixbio.com"), None)
        d2.contact_p = 1.0
        for d in (d1, d2):
            d.traps.append("same_name_different_person")

        # Michael Brown Sr. (former client) and Michael Brown Jr. (recent collaborator)
        sr = self._new("dormant_moderate", "Michael", "Brown", "Sr.")
        sr.start = self.cutoff - int(4.5 * _YEAR)
        sr.end = self.cutoff - int(2.2 * _YEAR)
        sr.company, sr.position = "Brown & Sons HVAC", "Owner"
        self._add_work(sr, self._unique_addr("mbrown", "brownandsonshvac.com"), None)
        sr.addrs[-1].display = "Michael Brown"
        sr.contact_p = 1.0
        jr = self._new("recent_collaborator", "Michael", "Brown", "Jr.")
        jr.nick = "Mike"
        jr.start = self.cutoff - 70 * _DAY
        jr.end = self.cutoff - 6 * _DAY
        jr.li_first, jr.li_last = "Michael", "Brown Jr."
        self._make_slug(jr)
        jr.company, jr.position = "Tidewater Energy", "Field Operations Lead"
        self._add_personal(jr, self._unique_addr("mike.brown.jr", "gmail.com"))
        jr.addrs[-1].display = "Mike Brown"
        jr.contact_p = 1.0
        for m in (sr, jr):
            m.traps.append("generational_suffix_pair")

        # credentials / pronouns / taglines in LinkedIn names
        aisha = self._new("active_close", "Aisha", "Rahman")
        aisha.start, aisha.end = self.cutoff - 5 * _YEAR, self.cutoff - 4 * _DAY
        aisha.li_first, aisha.li_last = "Aisha", "Rahman, PhD"
        self._make_slug(aisha)
        aisha.company, aisha.position = "Meridian Health", "Chief Data Officer"
        self._add_personal(aisha, self._unique_addr("aisha.rahman", "proton.me"))
        aisha.traps.append("credential_in_linkedin_name")
        priya = self._new("acquaintance", "Priya", "Sharma")
        priya.li_first, priya.li_last = "Priya", "Sharma (she/her)"
        self._make_slug(priya)
        priya.traps.append("pronouns_in_linkedin_name")
        sarah = self._new("dormant_moderate", "Sarah", "O'Connor")
        sarah.li_first, sarah.li_last = "Sarah", "O'Connor ✨ | Hiring!"
        self._make_slug(sarah)
        sarah.traps.append("tagline_in_linkedin_name")
        kwame = self._new("dormant_close", "Kwame", "Mensah")
        kwame.li_first, kwame.li_last = "Dr. Kwame", "Mensah"
        self._make_slug(kwame)
        kwame.traps.append("title_in_linkedin_name")

        for p in (priya, sarah, kwame):
            self._window(p)
            p.company, p.position = self._pick_company()[0], rng.choice(_POSITIONS_POOL)
            self._add_personal(p, self._personal_address(p))
        for p in (bob, jen, jose, zoe, emily, d1, d2, sr, jr, aisha, priya, sarah, kwame):
            self.handmade.add(p.tid)
            if p.category == "dormant_close":
                p.contact_p = max(p.contact_p, 0.8)
            p.phone = f"+1 617-555-01{rng.randint(0, 99):02d}"
            self._handmade_career(p)
            self._signature_habits(p)
            self._plan_volume(p)

    def _automated(self, counts: dict[str, int]) -> None:
        rng = self.rng
        news = [("The Logistics Ledger", "news@logisticsledger.com", "list"),
                ("Ops Weekly", "newsletter@opsweekly.io", "list"),
                ("Product Leaders", "product-leaders@googlegroups.com", "group"),
                ("Boston Analytics Meetup", "info@bostonanalyticsmeetup.org", "list"),
                ("Morning Dispatch", "morningdispatch@substack.com", "list"),
                ("Castellan Health Alumni", "alumni@castellanhealth.com", "list"),
                ("The Data Skeptic Digest", "digest@dataskeptic.news", "list"),
                ("Northwind Alumni Network", "northwind-alumni@googlegroups.com", "group")]
        notes = [("LinkedIn", "messages-noreply@linkedin.com", "linkedin"),
                 ("LinkedIn Job Alerts", "jobalerts-noreply@linkedin.com", "notify"),
                 ("GitHub", "notifications@github.com", "github"),
                 ("Google", "no-reply@accounts.google.com", "notify"),
                 ("Calendly", "notifications@calendly.com", "notify"),
                 ("Zoom", "no-reply@zoom.us", "notify"),
                 ("Harbor Bank Alerts", "alerts@harborbank.com", "notify"),
                 ("Amazon.com", "shipment-tracking@amazon.com", "notify")]
        roles = [("Hubly Support", "info@hubly.io"), ("The Launchpad Team", "team@launchpadhq.com"),
                 ("Brightside Studio", "hello@brightsidestudio.com")]
        words = ("Signal", "Ledger", "Brief", "Digest", "Dispatch", "Roundup", "Insider", "Pulse", "Memo", "Wire")
        while len({a for _, a, _ in news}) < counts.get("newsletter", 0):
            a, w = rng.choice(_CO_A), rng.choice(words)
            dom = f"{_alnum(a)}{_alnum(w)}{rng.randint(1, 99)}.com"
            news.append((f"The {a} {w}", f"{rng.choice(('news', 'newsletter', 'hello', 'digest'))}@{dom}", "list"))
        apps = ("Asana", "Notion", "Dropbox", "Trello", "Figma", "Workday", "Expensify", "DocuSign", "Okta", "Jira")
        while len({a for _, a, _ in notes}) < counts.get("notification", 0):
            a = rng.choice(apps)
            local = rng.choice(("no-reply", "noreply", "notifications", "alerts", "do-not-reply"))
            notes.append((a, f"{local}@{_alnum(a)}{rng.randint(1, 999)}.com", "notify"))
        while len(roles) < counts.get("role_address", 0):
            co, dom = self._pick_company()
            addr = f"{rng.choice(('info', 'team', 'hello', 'support', 'careers'))}@{dom}"
            if all(a != addr for _, a in roles):
                roles.append((co.split(",")[0], addr))
        news = list({a: (n, a, k) for n, a, k in news}.values())
        notes = list({a: (n, a, k) for n, a, k in notes}.values())
        specs = ([("newsletter", *x) for x in news[: counts.get("newsletter", 0)]] +
                 [("notification", *x) for x in notes[: counts.get("notification", 0)]] +
                 [("role_address", n, a, "role") for n, a in roles[: counts.get("role_address", 0)]])
        for cat, disp, addr, kind in specs:
            if self._box(addr) in self.used_boxes:
                raise RuntimeError(f"sample data bug: automated address {addr} reused")
            self.used_boxes.add(self._box(addr))
            p = _Person(tid=f"P{len(self.people) + 1:05d}", category=cat, first=disp, last="", kind=kind)
            p.list_name = disp
            style = rng.choice(("bulk", "bulk_paren", "outlook", "bare"))
            p.addrs.append(_Addr(addr, disp, 0, 1 << 40, 1.0, style))
            p.personal = addr
            p.volume = rng.lognormvariate(0, 0.8) * {"linkedin": 1.6, "github": 1.3, "list": 0.6}.get(kind, 1.0)
            p.start = self.cutoff - int(rng.uniform(1.5, 11.0) * _YEAR)
            p.contact_p = 0.6 if kind == "role" else 0.0
            if kind in ("group", "linkedin", "github"):
                p.traps.append("human_name_in_automated_display")
            if kind == "role":
                p.traps.append("role_address")
                p.n_mail = rng.randint(2, 6)
                p.p_owner = 0.9
                p.start = self.cutoff - int(rng.uniform(0.5, 5.0) * _YEAR)
                p.end = self.cutoff - rng.randint(10, 300) * _DAY
            self.people.append(p)
