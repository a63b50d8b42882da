"""The address-book writers: Google Contacts CSV, iPhone vCard and Outlook CSV."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from .formats import _csv_text, _epoch
from .model import _FOREVER, _Person
from .pools import _AUTOMATED, _EMPLOYERS, _NORTHWIND, _POSITIONS_POOL
from .world import WorldBase


class ContactsWriter(WorldBase):
    """Writes the three address books."""

    # -- contacts --------------------------------------------------------------------------------------------
    def contacts(self, folder: Path) -> tuple[Path, Path, Path]:
        rng = self.rng
        google = folder / "contacts.csv"
        vcf = folder / "contacts.vcf"
        outlook = folder / "outlook_contacts.csv"
        g_rows: list[list[str]] = []
        cards: list[str] = []
        o_rows: list[dict[str, str]] = []
        for p in self.people:
            if p.category == "owner" or rng.random() >= p.contact_p:
                continue
            met = min(p.start or _FOREVER, _epoch(p.connected) if p.connected else _FOREVER)
            if met > self.visible_until and met < _FOREVER:
                continue                          # not met yet at an earlier export's date
            if p.category in _AUTOMATED:
                g_rows.append(self._google_other(p.addrs[0].display, p.addrs[0].addr, p.tid))
                continue
            in_vcf = p.category in ("dormant_close", "active_close", "dormant_moderate", "recent_collaborator") \
                and (rng.random() < 0.55 or "maiden_name_change_same_email" in p.traps
                     or "generational_suffix_pair" in p.traps)
            if p.category in ("recruiter", "sales_pitch", "cold_outbound", "mass_mail_only"):
                if p.addrs:
                    a = p.addrs[0]
                    g_rows.append(self._google_other(a.display, a.addr, p.tid))
                continue
            if in_vcf and rng.random() < 0.6 and not {"card_links_work_and_personal",
                                                           "gmail_dot_plus_googlemail_variants"} & set(p.traps):
                cards.append(self._vcard(p))
            else:
                g_rows.append(self._google(p))
                if in_vcf:
                    cards.append(self._vcard(p))
            if p.employer == _NORTHWIND and p.work and rng.random() < 0.9:
                o_rows.append(self._outlook(p))
        self.n_contacts = len(g_rows) + len(cards) + len(o_rows)
        g_header = ["First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
                    "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name",
                    "Organization Title", "Organization Department", "Birthday", "Notes", "Photo", "Labels",
                    "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value",
                    "E-mail 3 - Label", "E-mail 3 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
                    "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street",
                    "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code",
                    "Address 1 - Country", "Address 1 - Extended Address", "Website 1 - Label", "Website 1 - Value",
                    "Event 1 - Label", "Event 1 - Value", "Relation 1 - Label", "Relation 1 - Value",
                    "Custom Field 1 - Label", "Custom Field 1 - Value"]
        google.write_bytes(("\ufeff" + _csv_text(g_rows, g_header, newline="\r\n")).encode("utf-8"))
        vcf.write_bytes("".join(cards).encode("utf-8"))
        o_header = ["Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
                    "Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State",
                    "Business Postal Code", "Business Country/Region", "Home Street", "Home Street 2",
                    "Home Street 3", "Home City", "Home State", "Home Postal Code", "Home Country/Region",
                    "Other Street", "Other Street 2", "Other Street 3", "Other City", "Other State",
                    "Other Postal Code", "Other Country/Region", "Assistant's Phone", "Business Fax",
                    "Business Phone", "Business Phone 2", "Callback", "Car Phone", "Company Main Phone", "Home Fax",
                    "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax", "Other Phone", "Pager",
                    "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "Account", "Anniversary",
                    "Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box", "Categories",
                    "Children", "Directory Server", "E-mail Address", "E-mail Type", "E-mail Display Name",
                    "E-mail 2 Address", "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address",
                    "E-mail 3 Type", "E-mail 3 Display Name", "Gender", "Government ID Number", "Hobby",
                    "Home Address PO Box", "Initials", "Internet Free Busy", "Keywords", "Language", "Location",
                    "Manager's Name", "Mileage", "Notes", "Office Location", "Organizational ID Number",
                    "Other Address PO Box", "Priority", "Private", "Profession", "Referred By", "Sensitivity",
                    "Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page"]
        outlook.write_bytes(_csv_text([self._outlook_row(r, o_header) for r in o_rows], o_header,
                                      quote_all=True, newline="\r\n").encode("utf-8"))
        return google, vcf, outlook

    def _google_other(self, display: str, addr: str, tid: str) -> list[str]:
        self.truth.email(addr, tid)
        first, _, last = display.partition(" ") if display and self.rng.random() < 0.6 else ("", "", "")
        row = [""] * 44
        row[0], row[2], row[16], row[17], row[18] = first, last, "* Other Contacts", "* ", addr
        return row

    def _google(self, p: _Person) -> list[str]:
        rng = self.rng
        row = [""] * 44
        last = p.old_last if p.old_last and rng.random() < 0.5 else p.last
        row[0], row[2], row[7] = p.first, last, p.suffix
        row[8] = p.nick if p.nick and rng.random() < 0.5 else ""
        era = next((j for j in p.jobs if j.addr and j.addr == p.work), None)
        row[10], row[11] = (era.company, era.position) if era is not None and rng.random() < 0.5 else \
            (p.company, p.position)
        if rng.random() < 0.2:
            row[13] = f"--{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.5 else \
                f"{rng.randint(1965, 1998)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.15:
            emp = _EMPLOYERS[p.employer].name if p.employer >= 0 else p.company
            row[14] = f"Met at {emp}.\nGreat at SQL, loves trail running."
        labels = ["* myContacts"]
        if p.category in ("dormant_close", "active_close") and rng.random() < 0.4:
            labels.insert(0, "* starred")
        if p.employer >= 0 and rng.random() < 0.5:
            labels.insert(0, "* coworkers")
        row[16] = " ::: ".join(labels)
        emails: list[tuple[str, str]] = []
        seen: set[str] = set()
        for a in p.addrs:
            if a.addr.lower() in seen:
                continue
            seen.add(a.addr.lower())
            label = "* Work" if a.addr == p.work else "* Home" if a.addr == p.personal else "* Other"
            emails.append((label, a.addr))
        name_only = not emails or (rng.random() < 0.12 and not p.traps)
        if name_only:
            emails = []
        if "gmail_dot_plus_googlemail_variants" in p.traps:
            emails = [("* Home", f"{emails[0][1]} ::: {emails[1][1]}"), *emails[2:3]]
        for j, (label, value) in enumerate(emails[:3]):
            row[17 + 2 * j], row[18 + 2 * j] = label, value
            for v in value.split(" ::: "):
                self.truth.email(v, p.tid)
        if p.phone:
            row[23], row[24] = "Mobile", p.phone
        if p.slug and rng.random() < 0.3:
            row[36] = "LinkedIn" if rng.random() < 0.5 else "Profile"
            row[37] = f"https://www.linkedin.com/in/{p.slug}/" if rng.random() < 0.5 else f"linkedin.com/in/{p.slug}"
            self.truth.url(p.slug, p.tid)
            name_only = False
        if name_only:
            name = " ".join(x for x in (row[0], row[1], row[2], row[7]) if x)
            if not self.truth.name("contacts.csv", name, p.tid):
                row[23] = row[24] = ""
                return self._google_other(p.name, p.addrs[0].addr, p.tid) if p.addrs else row
        return row

    def _vcard(self, p: _Person) -> str:
        rng = self.rng
        last = p.old_last or p.last
        fn = f"{p.nick or p.first} {last}" + (f" {p.suffix}" if p.suffix else "")
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"PRODID:-//Apple Inc.//iPhone OS {rng.choice(('17.5.1', '16.6', '18.1'))}//EN",
                 f"N:{last};{p.first};;;{p.suffix}", f"FN:{fn}"]
        if p.nick:
            lines.append(f"NICKNAME:{p.nick}")
        # a card is as old as the tie: it shows the job held then, with that job's work address
        era = next((j for j in p.jobs if j.addr and j.addr == p.work), None)
        company, position = (era.company, era.position) if era is not None else (p.company, p.position)
        if era is not None and era is not p.jobs[-1] and "old_work_address_in_card" not in p.traps:
            p.traps.append("old_work_address_in_card")
        if company:
            lines.append(f"ORG:{company.replace(',', chr(92) + ',')};")
        if position:
            lines.append(f"TITLE:{position.replace(',', chr(92) + ',')}")
        item = 0
        seen: set[str] = set()
        has_key = False
        for a in p.addrs:
            if a.addr.lower() in seen or (a.addr != p.personal and a.addr != p.work and rng.random() < 0.7):
                continue
            seen.add(a.addr.lower())
            self.truth.email(a.addr, p.tid)
            has_key = True
            if a.addr == p.work and rng.random() < 0.5:
                item += 1
                emp = _EMPLOYERS[p.employer].name.split()[0] if p.employer >= 0 else "_$!<Other>!$_"
                lines += [f"item{item}.EMAIL;type=INTERNET:{a.addr}", f"item{item}.X-ABLabel:{emp}"]
            else:
                t = "WORK" if a.addr == p.work else "HOME"
                lines.append(f"EMAIL;type=INTERNET;type={t}{';type=pref' if item == 0 else ''}:{a.addr}")
        if p.phone:
            lines.append(f"TEL;type=CELL;type=VOICE;type=pref:{p.phone}")
        if p.slug and rng.random() < 0.6:
            url = f"https://www.linkedin.com/in/{p.slug}"
            if rng.random() < 0.5:
                lines.append(f"X-SOCIALPROFILE;type=linkedin:{url}")
            else:
                lines.append(f"X-SOCIALPROFILE;type=linkedin;x-user={p.slug}:{url}/")
            self.truth.url(p.slug, p.tid)
            has_key = True
        if rng.random() < 0.2:
            lines.append(f"NOTE:Worked together at {_EMPLOYERS[max(p.employer, 0)].name}\\nIntro'd me to the "
                         f"Castellan team\\, owes me a coffee")
        if rng.random() < 0.2:
            lines.append(f"BDAY;value=date:{rng.randint(1965, 1998)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        if rng.random() < 0.05:
            photo = base64.b64encode(b"\xff\xd8\xff\xe0" + rng.randbytes(1500)).decode()
            first_line = "PHOTO;ENCODING=b;TYPE=JPEG:" + photo[:48]
            lines.append(first_line + "".join(f"\r\n {photo[i:i + 74]}" for i in range(48, len(photo), 74)))
        lines.append(f"X-ABUID:{uuid.UUID(int=rng.getrandbits(128), version=4)}:ABPerson".upper().replace(
            ":ABPERSON", ":ABPerson"))
        lines.append("END:VCARD")
        if not has_key:
            self.truth.name("contacts.vcf", fn, p.tid)
        return "\r\n".join(lines) + "\r\n"

    def _outlook(self, p: _Person) -> dict[str, str]:
        rng = self.rng
        emp = _EMPLOYERS[_NORTHWIND]
        rec = {"First Name": p.first, "Last Name": p.last, "Suffix": p.suffix, "Company": emp.name,
               "Department": rng.choice(("Operations", "Finance", "Network Planning", "IT", "Customer Success")),
               "Job Title": rng.choice(_POSITIONS_POOL), "Business City": "Providence", "Business State": "RI",
               "Business Country/Region": "United States of America", "E-mail Address": p.work,
               "E-mail Display Name": f"{p.first} {p.last} ({p.work})",
               "Initials": f"{p.first[:1]}.{p.last[:1]}.", "Business Phone": f"(401) 555-01{rng.randint(0, 99):02d}"}
        self.truth.email(p.work, p.tid)
        if p.personal and rng.random() < 0.4:
            rec["E-mail 2 Address"] = p.personal
            rec["E-mail 2 Display Name"] = f"{p.first} {p.last} ({p.personal})"
            self.truth.email(p.personal, p.tid)
        if p.phone:
            rec["Mobile Phone"] = p.phone
        return rec

    @staticmethod
    def _outlook_row(rec: dict[str, str], header: list[str]) -> list[str]:
        defaults = {"Anniversary": "0/0/00", "Birthday": "0/0/00", "Gender": "Unspecified", "Priority": "Normal",
                    "Private": "False", "Sensitivity": "Normal", "E-mail Type": "SMTP"}
        if rec.get("E-mail 2 Address"):
            defaults["E-mail 2 Type"] = "SMTP"
        return [rec.get(h, defaults.get(h, "")) for h in header]
