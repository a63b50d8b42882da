"""Fixed pools of the synthetic world: size profiles, the owner, employers, names, companies and text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    "reconnected",
    "awaiting_reply",
    "went_quiet",
)
_AUTOMATED = frozenset({"newsletter", "notification", "role_address"})
_HIGH = frozenset({"dormant_close", "dormant_moderate"})

OWNER_ID = "P00000"



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
    namesakes: float          # target share of distinct full names carried by more than one human


_PROFILES: dict[str, _Profile] = {
    "small": _Profile(
        connections=120, placeholders=5,
        counts=(("dormant_close", 10), ("dormant_moderate", 14), ("active_close", 6), ("recent_collaborator", 8),
                ("acquaintance", 18), ("recruiter", 8), ("sales_pitch", 8), ("cold_outbound", 6),
                ("mass_mail_only", 90), ("newsletter", 8), ("notification", 8), ("role_address", 3),
                ("reconnected", 2), ("awaiting_reply", 2), ("went_quiet", 2)),
        li_rows=1500, emails=1200, small_groups=3, mass_mails=3, contacts_scale=1.0,
        namesakes=0.05),
    "medium": _Profile(
        connections=3000, placeholders=40,
        counts=(("dormant_close", 90), ("dormant_moderate", 260), ("active_close", 50), ("recent_collaborator", 160),
                ("acquaintance", 700), ("recruiter", 220), ("sales_pitch", 220), ("cold_outbound", 90),
                ("mass_mail_only", 600), ("newsletter", 40), ("notification", 30), ("role_address", 8),
                ("reconnected", 12), ("awaiting_reply", 12), ("went_quiet", 12)),
        li_rows=50_000, emails=30_000, small_groups=40, mass_mails=12, contacts_scale=0.8,
        namesakes=0.08),
    "large": _Profile(
        connections=30_000, placeholders=600,
        counts=(("dormant_close", 1000), ("dormant_moderate", 3000), ("active_close", 500),
                ("recent_collaborator", 2000), ("acquaintance", 5000), ("recruiter", 1500), ("sales_pitch", 1500),
                ("cold_outbound", 600), ("mass_mail_only", 4000), ("newsletter", 150), ("notification", 100),
                ("role_address", 30), ("reconnected", 100), ("awaiting_reply", 100), ("went_quiet", 100)),
        li_rows=500_000, emails=300_000, small_groups=400, mass_mails=60, contacts_scale=0.5,
        namesakes=0.27),
}

# share of each category that is a LinkedIn connection (exact quota, so category counts do not depend on the seed)
_CONNECTED_SHARE: dict[str, float] = {
    "dormant_close": 0.9, "dormant_moderate": 0.85, "active_close": 1.0, "recent_collaborator": 0.9,
    "acquaintance": 1.0, "recruiter": 0.5, "sales_pitch": 0.3, "cold_outbound": 0.5,
    "reconnected": 1.0, "awaiting_reply": 1.0, "went_quiet": 1.0,
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
Charles Alexandra James Robert Michael William David Richard Joseph Thomas Christopher Daniel Matthew Anthony Steven Andrew Joshua
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
    "Anastasia": ("Nastya",), "Isabella": ("Bella",), "Caroline": ("Carrie",), "Beatriz": ("Bea",),
    "Charles": ("Charlie", "Chuck"), "Gonçalo": ("Gonça",), "Alexandra": ("Sasha", "Alex"),
}

# people with Chinese given names: an English given name at work, "Zhang Kaiwen" or "Kaiwen Zhang" elsewhere
_CN_GIVEN: tuple[str, ...] = _words("""
Kaiwen Zihan Yutong Haoran Xinyi Jiahao Ruoxi Zhiwei Yiming Shuang Xiaoming Jing Lei Yan Hui Tao Xin Ying Peng Fang
Qiang Min Yuxuan Chenxi Mingyu Jiayi Siyu Wenjie Zhihao Yifan
""")
_CN_SURNAMES: tuple[str, ...] = _words("Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo")
_ENGLISH_GIVEN: tuple[str, ...] = _words("""
Kevin Grace Tony Vivian Jason Eric Amy Cindy Frank Helen Jack Lily Leo Sophie Vincent Iris Ray Sunny Daisy Alan
""")
# Iberian given names, some of whom carry a double surname ("Beatriz Souza-Lima", "Bea Souza" at work)
_IBERIAN_GIVEN = frozenset(_words("""
José María Alejandro Sofía Lucía Javier Andrés Camila Mateo Valentina Diego Inês João Gonçalo Beatriz Renata Pilar
Carmen Ximena Rosa Paula Marta Elena Irene
"""))
_SECOND_SURNAMES: tuple[str, ...] = _words("""
Lima Souza Costa Pereira Oliveira Ferreira Almeida Carvalho Ribeiro Santos Martins Rocha Vidal Serrano Navarro Molina
Ortega Castro Iglesias Herrera
""")
# common surnames (the first of _LAST_NAMES and the Chinese ones): namesakes are drawn from these
_COMMON_SURNAMES_TOP = 90

# work address local parts, one pattern per employer (first.last@, first@, firstlast@, flast@, first_last@, firstl@)
_LOCAL_PATTERNS: tuple[tuple[str, int], ...] = (("first.last", 40), ("flast", 18), ("first", 10), ("firstlast", 12),
                                                ("first_last", 8), ("firstl", 12))

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
_CN_PERSONAL_DOMAINS = (("163.com", 40), ("qq.com", 30), ("gmail.com", 30), ("outlook.com", 10))
_PERSONAL_DOMAINS = (("gmail.com", 55), ("outlook.com", 9), ("yahoo.com", 8), ("icloud.com", 7), ("hotmail.com", 6),
                     ("proton.me", 3), ("me.com", 2), ("fastmail.com", 2),
                     ("163.com", 1), ("qq.com", 1))
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
