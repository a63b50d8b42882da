"""Imported contacts (address-book uploads), and every other file of the archive: recognised, not used."""

from __future__ import annotations

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.linkedin.common import (
    _EMAIL_SPLIT,
    _LINKEDIN_IN,
    _cell,
    _Cols,
    _compact,
    _count_rows,
    _first_keys,
    _full_name,
    _is_csv,
    _load,
    _width_problem,
)
from analyzer.ingest.registry import Sniff

# ---- Imported contacts ---------------------------------------------------------------------------------------

def _contacts_2018_keys(k: set[str]) -> bool:
    return {"FIRST NAME", "LAST NAME", "COMPANIES", "EMAIL ADDRESS"} <= k


def _contacts_2022_keys(k: set[str]) -> bool:
    return {"FIRSTNAME", "LASTNAME", "EMAILS"} <= k and ("COMPANIES" in k or "SOURCE" in k)


def _match_imported_contacts(s: Sniff) -> bool:
    k = _first_keys(s)
    return _contacts_2018_keys(k) or _contacts_2022_keys(k)


def _null(v: str) -> str:
    return "" if v.lower() in ("null", "none", "n/a") else v


def parse_imported_contacts(f: InputFile, out: FileCollector) -> None:
    """Imported Contacts.csv (2018) and Contacts.csv (2022): address-book uploads, one ``contact`` record each."""
    table = _load(f, lambda keys: _contacts_2018_keys(set(keys)) or _contacts_2022_keys(set(keys)))
    c = _Cols(table)
    i_first, i_last = c.pos("FIRST NAME", "FIRSTNAME"), c.pos("LAST NAME", "LASTNAME")
    i_full, i_company = c.pos("FULL NAME", "FULLNAME"), c.pos("COMPANIES")
    i_title, i_email = c.pos("TITLE"), c.pos("EMAIL ADDRESS", "EMAILS")
    i_profiles, i_sites = c.pos("PROFILES"), c.pos("SITES")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last = _null(_cell(row, i_first)), _null(_cell(row, i_last))
        full = _null(_cell(row, i_full))
        emails = sorted({e for e in _EMAIL_SPLIT.split(_cell(row, i_email)) if "@" in e})
        m = _LINKEDIN_IN.search(_cell(row, i_profiles) + " " + _cell(row, i_sites))
        url = m.group(0) if m else None
        name = full or _full_name(first, last)
        if not (name or emails or url):
            out.ignore("empty contact (no name, email or profile)")
            continue
        company = _null(_cell(row, i_company)).strip("[]")
        out.record(role="contact", name=name or None, first_name=first, last_name=last, emails=emails,
                   linkedin_url=url, company=company, position=_null(_cell(row, i_title)), line=line,
                   key=("contact", name.casefold(), tuple(emails), url))
        used += 1
    out.used(used)
    out.advance(f.size)


# ---- Every other LinkedIn file: recognised, not used ----------------------------------------------------------

#: Compact names (lower-case, no spaces/underscores, numbering removed) of archive files that say nothing
#: about relationships. Matched by name only, at low priority.
UNUSED_NAMES = frozenset({
    "accountstatushistory", "adtargeting", "adsclicked", "adstargeting", "articles", "calendar",
    "causesyoucareabout", "certifications", "comments", "companyfollows", "courses", "education", "events",
    "groups", "hashtagfollows", "honors", "inferencesaboutyou", "instantmessengers", "jobapplicantsavedanswers",
    "jobapplicantsavedscreeningquestionresponses", "jobapplications", "jobseekerpreferences", "savedjobalerts",
    "languages", "learning", "logins", "memberfollows", "memberhashtags", "notes", "onlinejobpostings",
    "organizations", "patents", "phonenumbers", "whatsappphonenumbers", "profilesummary", "projects",
    "providers", "publications", "reactions", "receipts", "receiptsv2", "registration", "reviews", "richmedia",
    "saveditems", "savedjobs", "searchqueries", "securitychallenges", "servicesmarketplace", "shares", "skills",
    "testscores", "verifications", "volunteering", "volunteerexperiences", "votes", "lanadsengagement",
    "marketingoptouts", "companyfollowers", "invitationsreceived",
})


def _match_unused(s: Sniff) -> bool:
    return _is_csv(s) and _compact(s.name) in UNUSED_NAMES


def parse_unused(f: InputFile, out: FileCollector) -> None:
    """Count the rows of a LinkedIn file that is not used, as ignored."""
    if n := _count_rows(f):
        out.ignore(f"not used: {f.name} does not describe relationships", n)
    out.advance(f.size)
