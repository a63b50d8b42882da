"""Deterministic synthetic exports with ground truth (``reconnect sample-data``).

`generate_sample_data` writes, for one invented owner ("Morgan Reyes") and a population of people with a hidden
relationship category, the exports a real user would hand to the tool, in the current real formats documented in
``formats.md``:

* ``linkedin/Complete_LinkedInDataExport_MM-DD-YYYY.zip`` -- a LinkedIn archive (CSVs at the zip root);
* ``mail/Takeout/Mail/All mail Including Spam and Trash.mbox`` -- a Gmail Takeout mbox;
* ``contacts/contacts.csv`` (Google Contacts), ``contacts/contacts.vcf`` (iPhone vCard 3.0) and
  ``contacts/outlook_contacts.csv`` (Outlook desktop).

The ground truth (who is who, what each person's category is and how high they should rank) goes to a separate
folder that the pipeline never reads. Output is a pure function of ``(size, seed, as_of)``: one
``random.Random(seed)`` drives everything, no clock is read and zip entries carry fixed timestamps.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import quopri
import random
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

__all__ = ["CATEGORIES", "SIZES", "SampleDataSummary", "generate_sample_data"]

SIZES: tuple[str, ...] = ("small", "medium", "large")

CATEGORIES: tuple[str, ...] = (
    "dormant_close",
    "dormant_moderate",
    "active_close",
    "recent_collaborator",
    "acquaintance",
    "connection_only",
    "recruiter",
    "sales_pitch",
    "cold_outbound",
    "mass_mail_only",
    "newsletter",
    "notification",
    "role_address",
)
_AUTOMATED = frozenset({"newsletter", "notification", "role_address"})
_HIGH = frozenset({"dormant_close", "dormant_moderate"})

OWNER_ID = "P00000"


@dataclass(frozen=True)
class SampleDataSummary:
    """What `generate_sample_data` wrote: the paths, and counts that match the truth files."""

    out_dir: Path
    truth_dir: Path
    size: str
    seed: int
    linkedin_zip: Path
    mbox: Path
    google_contacts_csv: Path
    vcard: Path
    outlook_contacts_csv: Path
    truth_files: tuple[Path, ...]
    n_people: int
    n_connections: int
    n_linkedin_messages: int
    n_emails: int
    n_contacts: int
    category_counts: tuple[tuple[str, int], ...]


# ---------------------------------------------------------------------------------------------------------------
# Size profiles

@dataclass(frozen=True)
class _Profile:
    connections: int          # rows of Connections.csv, placeholders included
    placeholders: int         # hidden-profile rows ",,,,,,16 Dec 2024"
    counts: tuple[tuple[str, int], ...]   # every category except connection_only (derived)
    li_rows: int              # target rows of messages.csv
    emails: int               # exact number of mbox messages
    small_groups: int         # LinkedIn group chats of 3-7 people
    mass_mails: int           # minimum number of mass mails (40-120 recipients)
    contacts_scale: float     # multiplies the per-category chance of an address-book card


_PROFILES: dict[str, _Profile] = {
    "small": _Profile(
        connections=120, placeholders=5,
        counts=(("dormant_close", 10), ("dormant_moderate", 14), ("active_close", 6), ("recent_collaborator", 8),
                ("acquaintance", 18), ("recruiter", 8), ("sales_pitch", 8), ("cold_outbound", 6),
                ("mass_mail_only", 90), ("newsletter", 8), ("notification", 8), ("role_address", 3)),
        li_rows=1500, emails=1200, small_groups=3, mass_mails=3, contacts_scale=1.0),
    "medium": _Profile(
        connections=3000, placeholders=40,
        counts=(("dormant_close", 90), ("dormant_moderate", 260), ("active_close", 50), ("recent_collaborator", 160),
                ("acquaintance", 700), ("recruiter", 220), ("sales_pitch", 220), ("cold_outbound", 90),
                ("mass_mail_only", 600), ("newsletter", 40), ("notification", 30), ("role_address", 8)),
        li_rows=50_000, emails=30_000, small_groups=40, mass_mails=12, contacts_scale=0.8),
    "large": _Profile(
        connections=30_000, placeholders=600,
        counts=(("dormant_close", 1000), ("dormant_moderate", 3000), ("active_close", 500),
                ("recent_collaborator", 2000), ("acquaintance", 5000), ("recruiter", 1500), ("sales_pitch", 1500),
                ("cold_outbound", 600), ("mass_mail_only", 4000), ("newsletter", 150), ("notification", 100),
                ("role_address", 30)),
        li_rows=500_000, emails=300_000, small_groups=400, mass_mails=60, contacts_scale=0.5),
}

# share of each category that is a LinkedIn connection (exact quota, so category counts do not depend on the seed)
_CONNECTED_SHARE: dict[str, float] = {
    "dormant_close": 0.9, "dormant_moderate": 0.85, "active_close": 1.0, "recent_collaborator": 0.9,
    "acquaintance": 1.0, "recruiter": 0.5, "sales_pitch": 0.3, "cold_outbound": 0.5,
}

# ---------------------------------------------------------------------------------------------------------------
# Fixed world: owner, employers, pools

_OWNER_FIRST, _OWNER_LAST = "Morgan", "Reyes"
_OWNER_NAME = f"{_OWNER_FIRST} {_OWNER_LAST}"
_OWNER_GMAIL = "morgan.reyes.ops@gmail.com"
_OWNER_WORK = "morgan.reyes@northwindlogistics.com"
_OWNER_SLUG = "morgan-reyes-ops"
_OWNER_URL = f"https://www.linkedin.com/in/{_OWNER_SLUG}"
# spellings of the owner's gmail that other people's mail clients produced (same mailbox)
_OWNER_GMAIL_VARIANTS = ("morganreyes.ops@gmail.com", "Morgan.Reyes.Ops@gmail.com", "morgan.reyes.ops@googlemail.com")


@dataclass(frozen=True)
class _Employer:
    name: str
    domain: str
    start: date
    end: date | None
    style: str                # "last_first" (Exchange display names) or "first_last"
    local: str                # work address pattern: "first.last" or "flast"


_EMPLOYERS: tuple[_Employer, ...] = (
    _Employer("Brightline Analytics", "brightlineanalytics.com", date(2014, 6, 2), date(2017, 8, 25), "first_last", "flast"),
    _Employer("Northwind Logistics", "northwindlogistics.com", date(2017, 9, 5), date(2021, 3, 26), "last_first",
              "first.last"),
    _Employer("Castellan Health", "castellanhealth.com", date(2021, 4, 12), date(2024, 1, 19), "first_last", "first.last"),
    _Employer("Tidewater Energy", "tidewaterenergy.com", date(2024, 2, 5), None, "first_last", "flast"),
)
_NORTHWIND = 1

# rows of the owner's Positions.csv (company index, title, description, location, start, end)
_POSITIONS: tuple[tuple[int, str, str, str, date, date | None], ...] = (
    (3, "Head of Business Operations",
     "Own planning, pricing operations and the analytics team (9 people) for the retail energy business.",
     "Boston, Massachusetts, United States", date(2024, 2, 1), None),
    (2, "Director, Operations Analytics",
     "Built the operations analytics function across 14 clinics; led scheduling, staffing and capacity models.",
     "Boston, Massachusetts, United States", date(2021, 4, 1), date(2024, 1, 1)),
    (1, "Operations Manager", "Ran the dock scheduling, carrier scorecard and freight audit programmes.",
     "Providence, Rhode Island, United States", date(2019, 4, 1), date(2021, 3, 1)),
    (1, "Senior Operations Analyst", "Network planning, \"lane\" profitability and carrier analytics.",
     "Providence, Rhode Island, United States", date(2017, 9, 1), date(2019, 3, 1)),
    (0, "Data Analyst", "Reporting and forecasting for retail and logistics clients.",
     "Boston, Massachusetts, United States", date(2014, 6, 1), date(2017, 8, 1)),
)

def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words; in the surname pool "_" stands for a space."""
    return tuple(w.replace("_", " ") for w in text.split())


_FIRST_NAMES: tuple[str, ...] = _words("""
James Robert Michael William David Richard Joseph Thomas Christopher Daniel Matthew Anthony Steven Andrew Joshua
Kevin Brian Timothy Jonathan Benjamin Nicholas Samuel Patrick Alexander Jacob Ryan Nathan Gregory Peter Edward
Jennifer Elizabeth Katherine Margaret Patricia Susan Rebecca Samantha Jessica Sarah Emily Laura Rachel Megan Hannah
Olivia Abigail Victoria Natalie Claire Grace Lauren Amanda Stephanie Nicole Heather Melissa Christina Deborah Caroline
José María Alejandro Sofía Lucía Javier Andrés Camila Mateo Valentina Diego Inês João Gonçalo François Amélie Hélène
Léa Étienne Chloé Mathieu Céline Benoît Jürgen Björn Søren Åsa Jörg Lena Matthias Katrin Sven Ingrid Łukasz Małgorzata
Katarzyna Paweł Tomáš Zuzana Agnieszka Priya Rahul Ananya Arjun Sanjay Deepa Vikram Neha Rohan Aditi Karthik Lakshmi
Wei Mei Jun Hiroshi Yuki Haruto Sakura Min-jun Ji-woo Seo-yeon Minh Linh Thảo Quân Ahmed Fatima Omar Layla Yusuf Elif
Mehmet Zeynep Reza Shirin Chinedu Amara Kwame Ayodele Thandiwe Kofi Nia Aisha Noah Liam Ethan Zoë Mia Ava Isabella
Mason Logan Aria Nora Ivan Olga Dmitri Anastasia Giulia Marco Francesca Luca Niamh Siobhán Seán Eoin Tyler Brandon
Jordan Taylor Casey Dana Jamie Kendall Riley Avery Quinn Parker Marcus Derek Trevor Colin Graham Oscar Felix Hugo Ines
Maya Leah Ruth Naomi Tessa Vera Alma Rosa Carmen Pilar Beatriz Renata Bianca Elena Irene Marta Paula Ximena Yara
""")

_LAST_NAMES: tuple[str, ...] = _words("""
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson
Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young
Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz
Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett
Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry
Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez Simmons Romero Jordan Patterson Hamilton Graham
Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford
Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker
Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Muñoz Hunt Hicks Holmes
Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson
Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Hansen Peters Santos
Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry
Perkins Hoffman Johnston Matthews Richards Willis Carpenter Lawrence Sandoval Müller Schröder Weiß Fischer Becker
Köhler Lefèvre Dubois Moreau Girard Bélanger Núñez Ibáñez Peña García Álvarez Gómez Sørensen Ødegaard Åberg Lindqvist
Kowalski Nowak Wiśniewski Wójcik Dvořák Novák Kovačević Jovanović Rossi Bianchi Ricci Esposito Romano O'Brien O'Connor
McCarthy Sharma Gupta Iyer Reddy Nair Agarwal Krishnan Banerjee Wang Zhang Liu Huang Zhao Wu Yang Sato Suzuki
Takahashi Tanaka Watanabe Park Choi Jung Kang Pham Le Hoang Vũ Đặng Khan Hussain Haddad Nasser Yılmaz Kaya Demir
Öztürk Hosseini Karimi Okafor Adeyemi Mensah Boateng Nkosi Ivanov Petrov Smirnova Kuznetsov de_Vries van_Dijk Jansen
Bakker Janssen van_der_Berg Abbott Barker Chambers Dalton Eaton Fleming Goodwin Hammond Ingram Kirby Lambert Maddox
Norris Osborne Pruitt Quintero Rasmussen Sinclair Thornton Underwood Vance Whitaker Yates Zamora Blackwood Calloway
""")

_NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob"), "William": ("Bill", "Will"), "Michael": ("Mike",), "Richard": ("Rick",),
    "Joseph": ("Joe",), "Thomas": ("Tom",), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Anthony": ("Tony",), "Steven": ("Steve",), "Andrew": ("Andy", "Drew"),
    "Timothy": ("Tim",), "Jonathan": ("Jon",), "Benjamin": ("Ben",), "Nicholas": ("Nick",), "Samuel": ("Sam",),
    "Patrick": ("Pat",), "Alexander": ("Alex",), "Jacob": ("Jake",), "Gregory": ("Greg",), "Peter": ("Pete",),
    "Edward": ("Ed", "Ted"), "James": ("Jim", "Jamie"), "David": ("Dave",), "Jennifer": ("Jen", "Jenny"),
    "Elizabeth": ("Liz", "Beth"), "Katherine": ("Kate", "Katie"), "Margaret": ("Maggie", "Peggy"),
    "Patricia": ("Patty", "Trish"), "Susan": ("Sue",), "Rebecca": ("Becky",), "Samantha": ("Sam",),
    "Jessica": ("Jess",), "Victoria": ("Vicky", "Tori"), "Abigail": ("Abby",), "Christina": ("Tina",),
    "Deborah": ("Deb",), "Stephanie": ("Steph",), "Natalie": ("Nat",), "Alejandro": ("Alex",), "Javier": ("Javi",),
    "Katarzyna": ("Kasia",), "Małgorzata": ("Gosia",), "Francesca": ("Fran",), "Dmitri": ("Dima",),
    "Anastasia": ("Nastya",), "Isabella": ("Bella",), "Caroline": ("Carrie",),
}

_CREDENTIALS = (", MBA", ", PhD", ", PMP", ", CFA®", ", CPA", ", Ph.D.", ", PsyD", ", EMBA", ", CSM®", ", SHRM-CP")
_DECORATIONS = (" 🚀", " ✨", " 🌱", " (she/her)", " (he/him)", " (they/them)", " | Hiring!", " – Growth @ Scale")

_CO_A = ("Blue Harbor", "Ironwood", "Meridian", "Quayside", "Helix", "Summit Ridge", "Copperline", "Northstar",
         "Bright Fork", "Cedar & Pine", "Lumen", "Redwater", "Granite Bay", "Silverline", "Keystone", "Orchard",
         "Pioneer Valley", "Harborview", "Westfield", "Clearpath", "Beacon Hill", "Tallgrass", "Windward", "Sable",
         "Oakmont", "Crescent", "Falcon", "Juniper", "Mosaic", "Ridgeway", "Stonebridge", "Evergreen", "Lakeshore",
         "Ashford", "Bluestem", "Corbel", "Driftwood", "Emberly", "Foxglove", "Gullwing")
_CO_B = ("Systems", "Labs", "Group", "Health", "Logistics", "Partners", "Capital", "Analytics", "Software", "Freight",
         "Biosciences", "Energy", "Robotics", "Consulting", "Foods", "Networks", "Insurance", "Retail", "Media",
         "Manufacturing")
_CO_SUFFIX = ("", "", "", "", ", Inc.", " LLC", " Inc.", " Co.")

_POSITIONS_POOL = (
    "Senior Product Manager", "Director, Supply Chain", "Software Engineer", "VP of Operations", "Data Scientist",
    "Operations Analyst", "Head of Finance", "Program Manager", "Senior Data Engineer", "Chief of Staff",
    "Director of Operations", "Business Analyst", "Engineering Manager", "Customer Success Lead", "Controller",
    "Strategy & Operations Manager", "Head of \"Special Projects\"", "Principal Consultant", "Supply Chain Planner",
    "Clinical Operations Manager", "Founder & CEO", "Analytics Manager", "Procurement Lead", "UX Researcher",
    "Senior Associate", "Logistics Coordinator", "Director, Revenue Operations", "Staff Engineer", "COO",
)
_RECRUITER_FIRMS = (("TalentBridge Search", "talentbridgesearch.com"), ("Apex Talent Partners", "apextalent.co"),
                    ("Kestrel Executive Search", "kestrelsearch.com"), ("Hireloop", "hireloop.io"),
                    ("Beaconfield Recruiting", "beaconfield.com"))
_RECRUITER_TITLES = ("Senior Technical Recruiter", "Executive Search Consultant", "Talent Partner",
                     "Principal Recruiter, Operations", "Head of Talent Acquisition")
_VENDORS = (("GrowthStack", "growthstack.io"), ("PipelinePro", "pipelinepro.com"), ("FreightGenie", "freightgenie.ai"),
            ("Stacklytics", "stacklytics.com"), ("OpsPilot", "opspilot.app"), ("LeadForge", "leadforge.co"))
_SALES_TITLES = ("Account Executive", "Business Development Representative", "Sales Development Rep",
                 "Enterprise Account Director", "Partnerships Manager")
_SKILLS = ("Supply Chain Management", "SQL", "Data Analysis", "Operations Management", "Process Improvement",
           "Lean Six Sigma", "Stakeholder Management", "Python (Programming Language)", "Forecasting",
           "Team Leadership", "Logistics Management", "Healthcare Analytics", "Business Operations", "Tableau",
           "Project Management", "Strategic Planning", "Change Management", "Microsoft Excel")
_PERSONAL_DOMAINS = (("gmail.com", 55), ("outlook.com", 9), ("yahoo.com", 8), ("icloud.com", 7), ("hotmail.com", 6),
                     ("proton.me", 3), ("me.com", 2), ("fastmail.com", 2))
# UTC offsets in minutes, weighted towards the US east coast
_TZS = (-300, -300, -300, -240, -240, -360, -420, -480, 0, 60, 120, 330, 480, 540)
_TZ_NAMES = {-240: "EDT", -300: "EST", -360: "CST", -420: "PDT", -480: "PST", 0: "GMT"}

_LI_SENTENCES = (
    "Great to hear from you!", "Thanks for reaching out.", "Are you free for a quick call next week?",
    "I saw the news about your new role, congratulations!", "Happy to help, send me the details.",
    "Let me check my calendar and get back to you.", "That sounds like a great opportunity.",
    "We should catch up over coffee soon.", "I'll send over the deck tonight.", "Thanks, that was really helpful.",
    "How's the new team treating you?", "Would love your take on this, no rush.", "Sure, Tuesday at 3 works for me.",
    "Haha, that brings back memories.", "Sending you the intro now.", "Long time! Hope all is well.",
    "Did you end up going to the conference?", "I'm putting together a panel and thought of you.",
    "Can you recommend someone for a data role?", "Just wanted to say thanks again for the reference.",
    "Sorry for the slow reply, it's been a busy quarter.", "Absolutely, count me in.",
    "Let's aim for the week after, things are hectic right now.", "Here's the link I mentioned.",
    "The project finally shipped, thanks for your help early on!", "Hope the move went smoothly.",
    "I'd be glad to introduce you to the team.", "Good luck with the launch!", "Will do, talk soon.",
    "Quick question about your experience with carrier scorecards.",
)
_MAIL_SENTENCES = (
    *_LI_SENTENCES,
    "Attached is the latest version of the forecast, numbers for October are still preliminary.",
    "I talked to finance this morning and they are fine with the revised timeline.",
    "From what I remember, the vendor contract renews in March, so we have some time.",
    "Let me know if anything in the summary below looks off.", "The kids say hi, and so does Sam.",
    "I'm in town the week of the 14th if you want to grab lunch.",
    "Here are my notes from the session; the second half is the interesting part.",
    "From my side everything is ready, we just need sign-off from legal.",
    "Thanks for the intro, we had a great first call.", "I booked a table for 7pm, see you there.",
)
_SUBJECTS = (
    "Coffee next week?", "Quick question about the Q3 forecast", "Checking in", "Lunch on Thursday?",
    "Slides from today", "Follow-up from our call", "Your thoughts on the vendor shortlist?", "Happy birthday!",
    "Drinks after work?", "Reference request", "Congrats on the new role!", "Draft for review",
    "Notes from the offsite", "Weekend plans", "Job lead you might like", "Book recommendation",
    "Photos from the wedding", "Can you review my résumé?", "Café on Friday?", "Grüße aus München",
    "Recap: Tuesday's workshop", "Team dinner 🍕", "✈️ Trip notes", "Thank you!", "Portfolio feedback",
    "Intro to a friend", "Conference in Chicago", "Podcast episode you'd like", "Moving update",
    "Question about SQL window functions", "Hiring at my company", "Budget spreadsheet", "Pictures from the hike",
    "Mentoring session follow-up", "Reading list", "Old project files", "Salary negotiation advice?",
    "Señor Frog's reunion, who's in?", "Naïve question about pricing", "Catch-up call",
)
_WORK_SUBJECTS = ("Carrier scorecard - week 32", "Dock scheduling pilot", "Freight audit findings", "Lane review deck",
                  "Q2 network plan", "Staffing model v3", "Clinic capacity dashboard", "Vendor QBR prep",
                  "Headcount request", "Forecast accuracy by region", "Post-mortem: peak season")
_RECRUITER_SUBJECTS = ("Opportunity: Director of Operations", "Exploring a VP Ops role?",
                       "Confidential search – Head of Business Operations", "Quick chat about your next move?",
                       "Operations leadership role in Boston")
_SALES_SUBJECTS = ("Quick question, Morgan", "Cut your freight spend by 20%", "Following up",
                   "15 minutes next week?", "Re: your ops stack", "Morgan <> GrowthStack")
_COLD_SUBJECTS = ("Question about operations roles on your team", "Fellow Northwind alum – quick question",
                  "Coffee chat request", "Advice on moving into energy operations")
_MASS_SUBJECTS = ("Holiday party 🎄 – save the date", "Save the date: Brightline reunion", "All-hands: Q3 results",
                  "Farewell drinks on Friday", "Boston ops meetup – March edition", "Charity 5k sign-up",
                  "New office move – what you need to know", "Book club picks for the year")
_GROUP_TITLES = ("Northwind ops crew", "Brightline alumni", "Castellan analytics", "Reunion planning 🎉",
                 "Boston ops meetup organisers", "Book club", "Fantasy football 2024", "Side project")
_BIG_GROUP_TITLES = ("Brightline 10-year reunion", "Ops leaders roundtable", "Class of 2014 alumni",
                     "Boston analytics community", "Northwind alumni network")


_SPONSORED_TITLES = ("Grow your pipeline with GrowthStack", "Free webinar: AI for operations teams",
                     "Morgan, your peers are switching to OpsPilot", "Exclusive invite: Supply Chain Summit 2026")


# ---------------------------------------------------------------------------------------------------------------
# Small helpers (pure)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY = 86_400
_YEAR = 365 * _DAY
_ORD_1970 = date(1970, 1, 1).toordinal()
_ASCII_MAP = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "đ": "d",
                            "Đ": "D", "ı": "i", "œ": "oe", "þ": "th"})


def _epoch(d: date, seconds: int = 0) -> int:
    return (d.toordinal() - _ORD_1970) * _DAY + seconds


def _to_date(ts: int) -> date:
    return date.fromordinal(_ORD_1970 + ts // _DAY)


def _ascii(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.translate(_ASCII_MAP))
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def _alnum(s: str) -> str:
    return "".join(ch for ch in _ascii(s).lower() if ch.isalnum())


def _canonical_url(slug: str) -> str:
    return f"https://www.linkedin.com/in/{slug.lower()}"


def _li_date(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def _conn_date(d: date) -> str:
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _us_short(ts: int, pad: bool) -> str:
    """`3/7/26, 1:07 PM` (pad=False) or `05/14/24, 10:03 AM` (pad=True)."""
    t = time.gmtime(ts)
    h12 = t.tm_hour % 12 or 12
    ampm = "AM" if t.tm_hour < 12 else "PM"
    if pad:
        return f"{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_year % 100:02d}, {h12:02d}:{t.tm_min:02d} {ampm}"
    return f"{t.tm_mon}/{t.tm_mday}/{t.tm_year % 100:02d}, {h12}:{t.tm_min:02d} {ampm}"


def _endorse_date(ts: int) -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S UTC", time.gmtime(ts))


def _from_line(gmid: int, ts: int) -> str:
    t = time.gmtime(ts)
    return (f"From {gmid}@xxx {_WDAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000 {t.tm_year}\n")


def _rfc_date(ts: int, style: str, tz: int) -> str:
    """An RFC 5322 Date value in one of the forms real clients write."""
    if style in ("outlook", "bulk", "bulk_paren", "yahoo"):
        tz = 0
    t = time.gmtime(ts + tz * 60)
    sign = "-" if tz < 0 else "+"
    off = f"{sign}{abs(tz) // 60:02d}{abs(tz) % 60:02d}"
    hms = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    wd, mon = _WDAYS[t.tm_wday], _MONTHS[t.tm_mon - 1]
    if style == "gmail" or style == "outlook":
        return f"{wd}, {t.tm_mday} {mon} {t.tm_year} {hms} {off}"
    if style == "apple":
        name = _TZ_NAMES.get(tz)
        tail = f" ({name})" if name and tz else ""
        return f"{wd}, {t.tm_mday:02d} {mon} {t.tm_year} {hms} {off}{tail}"
    if style == "yahoo":
        return f"{wd}, {t.tm_mday} {mon} {t.tm_year} {hms} +0000 (UTC)"
    if style == "bulk":
        return f"{wd}, {t.tm_mday:02d} {mon} {t.tm_year} {hms} GMT"
    if style == "bulk_paren":
        return f"{wd}, {t.tm_mday:02d} {mon} {t.tm_year} {hms} +0000 (GMT)"
    return f"{t.tm_mday} {mon} {t.tm_year} {hms} {off}"          # "bare": no weekday


def _encoded_words(s: str, b64: bool) -> str:
    """RFC 2047 encoded words (UTF-8), split so that each word stays under 76 characters, folded."""
    words: list[str] = []
    if b64:
        chunk = ""
        for ch in s:
            if len((chunk + ch).encode()) > 42:
                words.append("=?UTF-8?B?" + base64.b64encode(chunk.encode()).decode() + "?=")
                chunk = ""
            chunk += ch
        if chunk:
            words.append("=?UTF-8?B?" + base64.b64encode(chunk.encode()).decode() + "?=")
    else:
        cur = ""
        for ch in s:
            if ch == " ":
                enc = "_"
            elif ch.isascii() and (ch.isalnum() or ch in "!*+-/"):
                enc = ch
            else:
                enc = "".join(f"={x:02X}" for x in ch.encode())
            if len(cur) + len(enc) > 60:
                words.append("=?UTF-8?Q?" + cur + "?=")
                cur = ""
            cur += enc
        if cur:
            words.append("=?UTF-8?Q?" + cur + "?=")
    return "\n ".join(words)


_SPECIALS = set(',;:@<>()[]".\\')


def _fold(items: Sequence[str]) -> str:
    """Join address items with ', ' folding lines at about 76 columns (continuation lines start with a space)."""
    out: list[str] = []
    width = 4
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if out and width + len(piece) + 1 > 76:
            out.append("\n " + piece)
            width = 1 + len(piece)
        else:
            out.append((" " if out else "") + piece)
            width += len(piece) + 1
    return "".join(out)


def _escape_from(text: str) -> str:
    """Gmail's mbox escaping: body lines starting with `From ` (or `>From `) get one more `>`."""
    lines = text.split("\n")
    return "\n".join(">" + ln if ln.lstrip(">").startswith("From ") else ln for ln in lines)


def _csv_text(rows: Iterable[Sequence[str]], header: Sequence[str] | None = None, *, quote_all: bool = False,
              newline: str = "\n", trailing: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    text = buf.getvalue()
    return text if trailing else text[: -len(newline)] if text.endswith(newline) else text


# ---------------------------------------------------------------------------------------------------------------
# Truth registry


class _Truth:
    """Every identifier written to an export, mapped to the human (or automated sender) behind it."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], str] = {}

    def email(self, addr: str, tid: str) -> None:
        self._put("email", addr.lower(), tid, strict=True)

    def url(self, slug: str, tid: str) -> None:
        self._put("linkedin_url", _canonical_url(slug), tid, strict=True)

    def name(self, source: str, name: str, tid: str) -> bool:
        """Register a name-only mention; returns False (and registers nothing) if the name is ambiguous there."""
        return self._put("name_in_source", f"{source}|{name}", tid, strict=False)

    def _put(self, kind: str, key: str, tid: str, strict: bool) -> bool:
        old = self.keys.setdefault((kind, key), tid)
        if old != tid:
            if strict:
                raise RuntimeError(f"sample data bug: {kind} {key!r} belongs to both {old} and {tid}")
            return False
        return True


# ---------------------------------------------------------------------------------------------------------------
# People


@dataclass(slots=True, eq=False)
class _Addr:
    addr: str
    display: str              # "" = written bare
    valid_from: int
    valid_to: int
    weight: float
    style: str                # Date / Message-ID style of the sending client


@dataclass(slots=True, eq=False)
class _Person:
    tid: str
    category: str
    first: str
    last: str
    suffix: str = ""
    nick: str = ""
    li_first: str = ""
    li_last: str = ""
    slug: str = ""
    connected: date | None = None
    company: str = ""
    position: str = ""
    employer: int = -1
    personal: str = ""
    work: str = ""
    addrs: list[_Addr] = field(default_factory=list)
    tz: int = 0
    start: int = 0
    end: int = 0
    n_li: int = 0
    n_mail: int = 0
    p_owner: float = 0.5
    kind: str = ""            # automated senders: list / notify / github / linkedin / group / role
    list_name: str = ""
    volume: float = 0.0
    old_last: str = ""        # maiden-name trap: last name before `name_change`
    name_change: int = 0
    traps: list[str] = field(default_factory=list)
    stats: list[int] = field(default_factory=lambda: [0] * 8)
    first_ts: int = 0
    last_ts: int = 0
    contact_p: float = 0.0
    phone: str = ""
    raw_utf8: bool = False    # this person's client writes non-ASCII display names unencoded

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}" + (f" {self.suffix}" if self.suffix else "")

    @property
    def li_name(self) -> str:
        return f"{self.li_first} {self.li_last}".strip()

    @property
    def url(self) -> str:
        return f"https://www.linkedin.com/in/{self.slug}"


# stats slots
_LI_SENT, _LI_RECV, _MAIL_SENT, _MAIL_RECV, _CHAT, _GROUP, _MASS, _DRAFT = range(8)


class _MailSink:
    """Buffers rendered mbox messages, shuffles each chunk (so a person's mail is not contiguous), writes bytes."""

    def __init__(self, fh: IO[bytes], rng: random.Random, chunk: int = 3000) -> None:
        self.fh, self.rng, self.chunk = fh, rng, chunk
        self.buf: list[str] = []
        self.count = 0

    def add(self, msg: str) -> None:
        self.buf.append(msg)
        self.count += 1
        if len(self.buf) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        self.rng.shuffle(self.buf)
        self.fh.write("".join(self.buf).encode("utf-8"))
        self.buf.clear()


class _LinkedInSink:
    """Buffers whole conversations (rows newest first), shuffles chunks of conversations, writes CSV rows."""

    def __init__(self, fh: IO[str], rng: random.Random, chunk: int = 20_000) -> None:
        self.fh = fh
        self.w = csv.writer(fh, lineterminator="\n")
        self.rng, self.chunk = rng, chunk
        self.buf: list[list[list[str]]] = []
        self.buffered = 0
        self.count = 0

    def add(self, rows: list[list[str]]) -> None:
        if rows:
            self.buf.append(rows)
            self.count += len(rows)
            self.buffered += len(rows)
            if self.buffered >= self.chunk:
                self.flush()

    def flush(self) -> None:
        self.rng.shuffle(self.buf)
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        for conv in self.buf:
            w.writerows(conv)
        self.fh.write(out.getvalue())
        self.buf.clear()
        self.buffered = 0


# ---------------------------------------------------------------------------------------------------------------
# The generator


class _Generator:
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

    # -- population ---------------------------------------------------------------------------------------
    def _pick_name(self) -> tuple[str, str]:
        rng = self.rng
        for _ in range(30):
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            if (first, last) not in self.used_names:
                break
        self.used_names.add((first, last))
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
        return p

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

    def _personal_address(self, p: _Person) -> str:
        rng = self.rng
        f, la = _alnum(p.nick or p.first), _alnum(p.last)
        domain = rng.choices([d for d, _ in _PERSONAL_DOMAINS], [w for _, w in _PERSONAL_DOMAINS])[0]
        if rng.random() < 0.06:
            domain = f"{la}{f[:1]}.net" if rng.random() < 0.5 else f"{f}{la}.com"
        r = rng.random()
        if r < 0.25:
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

    def _setup_human(self, p: _Person) -> None:
        """Identifiers, company, window and volume for a freshly named person of a human category."""
        rng, c = self.rng, p.category
        if p.first in _NICKNAMES and not p.nick and rng.random() < 0.55:
            p.nick = rng.choice(_NICKNAMES[p.first])
            p.traps.append("nickname_in_mail")
        self._window(p)
        on_li = c in ("active_close", "acquaintance", "connection_only", "recruiter") or (
            rng.random() < {"dormant_close": 0.92, "dormant_moderate": 0.88, "recent_collaborator": 0.92,
                            "sales_pitch": 0.6, "cold_outbound": 0.75, "mass_mail_only": 0.0}.get(c, 1.0))
        if on_li:
            self._decorate_linkedin(p)
            self._make_slug(p)
        # employer overlap with the owner
        if c in ("dormant_close", "dormant_moderate", "active_close", "recent_collaborator", "acquaintance"):
            p_colleague = {"dormant_close": 0.85, "dormant_moderate": 0.55, "active_close": 0.5,
                           "recent_collaborator": 0.6, "acquaintance": 0.2}[c]
            emp = self._owner_employer_at(p.start + (p.end - p.start) // 4)
            if emp >= 0 and rng.random() < p_colleague:
                p.employer = emp
                self.by_employer[emp].append(p)
        if p.employer >= 0:
            e = _EMPLOYERS[p.employer]
            stayed = p.employer == 3 or rng.random() < 0.25
            p.company = e.name if stayed else self._pick_company()[0]
            p.position = rng.choice(_POSITIONS_POOL)
            self._add_work(p, self._work_address(p, e.domain, e.local), p.employer,
                           weight=3.0 if p.employer == _NORTHWIND else 0.6)
            if rng.random() < 0.92 or p.employer == 3:
                self._add_personal(p, self._personal_address(p))
        elif c == "recruiter":
            firm, dom = rng.choice(_RECRUITER_FIRMS)
            p.company, p.position = firm, rng.choice(_RECRUITER_TITLES)
            if rng.random() < 0.55:
                self._add_work(p, self._work_address(p, dom), None)
        elif c == "sales_pitch":
            firm, dom = rng.choice(_VENDORS)
            p.company, p.position = firm, rng.choice(_SALES_TITLES)
            if not p.slug and rng.random() < 0.5:
                p.kind = "sponsored"          # only ever a sponsored InMail: a name, no URL, no address
            elif rng.random() < 0.7 or not p.slug:
                self._add_work(p, self._work_address(p, dom, rng.choice(("first.last", "flast"))), None)
        else:
            co, dom = self._pick_company()
            p.company, p.position = co, rng.choice(_POSITIONS_POOL)
            p_mail = {"dormant_close": 1.0, "dormant_moderate": 0.8, "active_close": 0.95,
                      "recent_collaborator": 0.85, "acquaintance": 0.3, "connection_only": 0.12,
                      "cold_outbound": 0.6, "mass_mail_only": 1.0}.get(c, 0.5)
            if c == "cold_outbound" and rng.random() < p_mail:
                self._add_work(p, self._work_address(p, dom, rng.choice(("first.last", "flast"))), None)
            elif rng.random() < p_mail or not p.slug:
                self._add_personal(p, self._personal_address(p))
                if c in ("dormant_close", "active_close", "recent_collaborator") and rng.random() < 0.3:
                    self._add_work(p, self._work_address(p, dom), None, weight=0.5)
        if not p.slug and not p.addrs and p.kind != "sponsored":      # every human needs a channel
            self._add_personal(p, self._personal_address(p))
        local, _, dom = p.personal.partition("@")
        if dom == "gmail.com" and "." in local and rng.random() < 0.08:
            # the same mailbox typed without dots (or via googlemail.com) by some of their clients
            variant = local.replace(".", "") + "@gmail.com" if rng.random() < 0.7 else f"{local}@googlemail.com"
            home = next(a for a in p.addrs if a.addr == p.personal)
            p.addrs.append(_Addr(variant, home.display, 0, 1 << 40, 0.4, "gmail"))
            p.traps.append("gmail_address_variant")
        if rng.random() < 0.6:
            p.phone = f"+1 {rng.choice((617, 401, 857, 212, 415, 312, 508))}-555-01{rng.randint(0, 99):02d}"
        self._plan_volume(p)

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
            conns.append((p.connected, p.tid, [p.li_first, p.li_last, "https://www.linkedin.com/in/" +
                                               quote(p.slug, safe="-"), email, p.company, p.position,
                                               _conn_date(p.connected)]))
        lo = _epoch(date(2013, 1, 1))
        for i in range(self.prof.placeholders):
            d = _to_date(rng.randint(lo, self.cutoff))
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
            (r for _, r in sorted(self.invitations, key=lambda x: x[0], reverse=True)),
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
                self.endorse_recv.append([_endorse_date(ts), skill, p.li_first, p.li_last, pub, "ACCEPTED"])
            if p.category in ("dormant_close", "active_close", "dormant_moderate") and rng.random() < 0.5:
                ts = rng.randint(lo, hi)
                self.endorse_given.append([_endorse_date(ts), rng.choice(_SKILLS), p.li_first, p.li_last, pub,
                                           "ACCEPTED"])
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
                if self.truth.name("Recommendations_Received.csv", p.li_name, p.tid):
                    self.recs_recv.append([p.li_first, p.li_last, company, p.position, text, _us_short(when, True),
                                           "VISIBLE"])
                    p.traps.append("recommended_owner")
            if rng.random() < chance * 0.6:
                text = rng.choice(texts).format(f=p.first, f2=p.first, co=company.rstrip("."))
                if self.truth.name("Recommendations_Given.csv", p.li_name, p.tid):
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

    def _touch(self, p: _Person, ts: int, slot: int) -> None:
        p.stats[slot] += 1
        if slot <= _CHAT:
            if not p.first_ts or ts < p.first_ts:
                p.first_ts = ts
            if ts > p.last_ts:
                p.last_ts = ts

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
        if not p.n_li or not p.slug:
            return
        threads = self._person_threads(p, p.n_li)
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
            self.n_li_drafts += 1

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
        if r > 0.975:
            m = f"000000000000{rng.getrandbits(48):012x}"
            name = rng.choice(("notes.pdf", "forecast_v3.pdf", "Résumé.pdf", "photo.jpg"))
            fname = name if name.isascii() else "=?UTF-8?Q?R=C3=A9sum=C3=A9=2Epdf?="
            return (f"Content-Type: multipart/mixed; boundary=\"{m}\"",
                    f"--{m}\nContent-Type: multipart/alternative; boundary=\"{b}\"\n\n{alt}\n"
                    f"--{m}\nContent-Type: application/pdf; name=\"{fname}\"\nContent-Disposition: attachment; "
                    f"filename=\"{fname}\"\nContent-Transfer-Encoding: base64\n\n{self.attachment_b64}\n--{m}--\n")
        return f"Content-Type: multipart/alternative; boundary=\"{b}\"", alt

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

    def _mail_person(self, p: _Person, sink: _MailSink) -> None:
        rng = self.rng
        if not p.n_mail or not p.addrs:
            return
        threads = self._person_threads(p, p.n_mail)
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
            for i, (ts, by_owner) in enumerate(thread):
                a = a0 if i == 0 else self._pick_addr(p, ts)
                if a.addr != a0.addr and a.addr.endswith("@" + _EMPLOYERS[_NORTHWIND].domain) != is_nw:
                    a = a0                      # keep a thread on one side of the work/personal split
                subject = subj0 if i == 0 else ("RE: " if is_nw else "Re: ") + subj0
                cc = ", ".join(self._fmt(c.name if not is_nw else f"{c.last}, {c.first}",
                                         self._pick_addr(c, ts).addr, c.tid) for c in cc_people)
                gmid = self._gmid(ts)
                thrid = thrid or gmid
                if by_owner:
                    od, oa = self._owner_addr(a.addr, ts)
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
                                             delivered="", date_style=style, tz=-300)
                    self._touch(p, ts, _MAIL_SENT)
                else:
                    frm = self._fmt(a.display, a.addr, p.tid, raw_utf8=p.raw_utf8)
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
                                             extra=extra)
                    self._touch(p, ts, _MAIL_RECV)
                for c in cc_people:
                    c.stats[_GROUP] += 1
                refs.append(msgid)
                sink.add(msg)

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
        if not gmail or p.category not in ("dormant_close", "active_close") or rng.random() > 0.8:
            return
        lo, hi = max(p.start, _epoch(date(2014, 1, 1))), min(p.end, _epoch(date(2019, 12, 31)))
        if hi <= lo:
            return
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
                     f"MIME-Version: 1.0\nContent-Type: text/plain\n\n{text}\n\n")
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
            sink.add(msg)

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
                    tz=0, extra=extra, body=(ctype, text)))
                p.stats[_MAIL_RECV] += 1

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
            if in_vcf and rng.random() < 0.6 and "card_links_work_and_personal" not in p.traps:
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
        row[10], row[11] = p.company, p.position
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
        if p.company:
            lines.append(f"ORG:{p.company.replace(',', chr(92) + ',')};")
        if p.position:
            lines.append(f"TITLE:{p.position.replace(',', chr(92) + ',')}")
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
        return 0.0

    def write_truth(self, folder: Path, summary: dict[str, Any]) -> tuple[Path, ...]:
        folder.mkdir(parents=True, exist_ok=True)
        people_rows = [[OWNER_ID, _OWNER_NAME, "owner", "false", "0", "false"]]
        activity_rows = []
        trap_rows = []
        for p in self.people:
            name = p.list_name or p.name
            people_rows.append([p.tid, name, p.category, "true" if p.category in _HIGH else "false",
                                f"{self.expected_priority(p):g}", "true" if p.category in _AUTOMATED else "false"])
            s = p.stats
            activity_rows.append([p.tid, *map(str, s), _to_date(p.first_ts).isoformat() if p.first_ts else "",
                                  _to_date(p.last_ts).isoformat() if p.last_ts else "",
                                  _EMPLOYERS[p.employer].name if p.employer >= 0 else ""])
            for t in sorted(set(p.traps)):
                trap_rows.append([p.tid, name, t])
        paths = (folder / "people.csv", folder / "identities.csv", folder / "activity.csv", folder / "traps.csv",
                 folder / "owner.json", folder / "manifest.json", folder / "README.md")
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
        return paths


_TRUTH_README = """# Ground truth for the synthetic sample data

Written by `analyzer.sample_data.generate_sample_data` next to the exports. The pipeline never reads this folder;
tests and benchmarks do. Everything here is a pure function of (size, seed, as_of).

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
people; `is_automated` is true for them).

`expected_priority`: higher = should rank higher. Bands: dormant_close 80-100, dormant_moderate 55-70,
active_close 35-45, recent_collaborator 25-34, acquaintance 15-20, connection_only 5, everything else 0. Inside a
band it grows with the number of direct messages (and +1 if they recommended the owner).
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

## owner.json
The owner's name, addresses (and the other spellings of the gmail address that occur in mail), LinkedIn URL and
job history (mirrors Positions.csv).

## manifest.json
Counts: people per category, LinkedIn connections (placeholder rows included), messages.csv rows, mbox messages
(the number of `From ` separator lines), contact entries, and the files written.
"""


# ---------------------------------------------------------------------------------------------------------------
# Entry point


def generate_sample_data(out_dir: Path, size: str = "small", seed: int = 7, truth_dir: Path | None = None,
                         as_of: date = date(2026, 11, 1)) -> SampleDataSummary:
    """Write synthetic LinkedIn, Gmail and address-book exports to `out_dir` and their ground truth to `truth_dir`.

    The output is byte-identical for the same (size, seed, as_of). `size` is ``small`` (about 120 connections,
    1 500 LinkedIn message rows and 1 200 emails, under 2.5 MB), ``medium`` (3 000 / 50 000 / 30 000) or
    ``large`` (the SPEC §9 reference: 30 000 / about 500 000 / 300 000 in an mbox of about 350 MB). `truth_dir`
    defaults to a sibling folder named ``<out_dir name>_truth``. The LinkedIn archive is dated four days before
    `as_of`, and nothing in the exports is later than that.
    """
    if size not in _PROFILES:
        raise ValueError(f"unknown sample-data size {size!r}; choose one of {', '.join(SIZES)}")
    out_dir = Path(out_dir).absolute()
    truth = Path(truth_dir).absolute() if truth_dir is not None else out_dir.parent / f"{out_dir.name}_truth"
    gen = _Generator(_PROFILES[size], seed, as_of)
    gen.build_population()

    li_dir = out_dir / "linkedin"
    mail_dir = out_dir / "mail" / "Takeout" / "Mail"
    contacts_dir = out_dir / "contacts"
    for d in (li_dir, mail_dir, contacts_dir):
        d.mkdir(parents=True, exist_ok=True)
    zip_path = li_dir / f"Complete_LinkedInDataExport_{gen.export_day:%m-%d-%Y}.zip"
    mbox_path = mail_dir / "All mail Including Spam and Trash.mbox"
    stamp = (gen.export_day.year, gen.export_day.month, gen.export_day.day, 8, 30, 0)

    def info(name: str) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=stamp)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.create_system = 0
        zi.external_attr = 0
        return zi

    static = gen.linkedin_static()
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf, \
            mbox_path.open("wb") as mbox:
        for name in sorted([*static, "messages.csv"]):
            if name != "messages.csv":
                zf.writestr(info(name), static[name].encode("utf-8"))
        with zf.open(info("messages.csv"), "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            li = _LinkedInSink(text, gen.rng)
            li.w.writerow(["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                           "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS"])
            mail = _MailSink(mbox, gen.rng)
            for p in gen.people:
                gen._li_person(p, li)
                gen._mail_person(p, mail)
                gen._chats(p, mail)
            gen._li_specials(li)
            gen._mass_mails(mail)
            gen._automated_mail(mail, gen.prof.emails - mail.count)
            li.flush()
            mail.flush()
            text.flush()
    google, vcf, outlook = gen.contacts(contacts_dir)

    counts = {c: sum(1 for p in gen.people if p.category == c) for c in CATEGORIES}
    summary = {
        "size": size, "seed": seed, "as_of": as_of.isoformat(), "export_date": gen.export_day.isoformat(),
        "people": len(gen.people), "category_counts": counts, "connections": gen.n_connections,
        "connection_placeholders": gen.prof.placeholders, "linkedin_message_rows": li.count,
        "linkedin_drafts": gen.n_li_drafts, "emails": mail.count, "contacts": gen.n_contacts,
        "files": [str(p.relative_to(out_dir)) for p in (zip_path, mbox_path, google, vcf, outlook)],
    }
    truth_files = gen.write_truth(truth, summary)
    return SampleDataSummary(
        out_dir=out_dir, truth_dir=truth, size=size, seed=seed, linkedin_zip=zip_path, mbox=mbox_path,
        google_contacts_csv=google, vcard=vcf, outlook_contacts_csv=outlook, truth_files=truth_files,
        n_people=len(gen.people), n_connections=gen.n_connections, n_linkedin_messages=li.count,
        n_emails=mail.count, n_contacts=gen.n_contacts, category_counts=tuple(counts.items()))
