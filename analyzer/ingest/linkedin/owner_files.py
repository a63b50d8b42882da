"""The files about you: Positions.csv (your jobs), Profile.csv (your name), Email Addresses.csv (your addresses)."""

from __future__ import annotations

from datetime import date

from analyzer.ingest.collect import FileCollector
from analyzer.ingest.dates import parse_date
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.linkedin.common import (
    _cell,
    _Cols,
    _first_keys,
    _full_name,
    _load,
    _shown,
    _width_problem,
)
from analyzer.ingest.registry import Sniff
from analyzer.normalize import clean_email

# ---- Owner files: Positions, Profile, Email Addresses ---------------------------------------------------------

def _match_positions(s: Sniff) -> bool:
    return {"COMPANY NAME", "TITLE", "STARTED ON"} <= _first_keys(s)


def parse_positions(f: InputFile, out: FileCollector) -> None:
    """Positions.csv: the owner's jobs."""
    table = _load(f, lambda keys: "COMPANY NAME" in keys and "STARTED ON" in keys)
    c = _Cols(table)
    i_company, i_title = c.pos("COMPANY NAME"), c.pos("TITLE")
    i_start, i_end = c.pos("STARTED ON"), c.pos("FINISHED ON")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        company = _cell(row, i_company)
        if not company:
            out.reject(line, "no company name")
            continue
        dates: list[date | None] = []
        bad = None
        for i in (i_start, i_end):
            v = _cell(row, i)
            d = parse_date(v) if v else None
            if v and d is None:
                bad = v
            dates.append(d)
        if bad is not None:
            out.reject(line, f"impossible date '{_shown(bad)}'")
            continue
        out.owner_position(company, _cell(row, i_title), dates[0], dates[1])
        used += 1
    out.used(used)
    out.advance(f.size)


def _match_profile(s: Sniff) -> bool:
    k = _first_keys(s)
    return {"FIRST NAME", "LAST NAME", "HEADLINE"} <= k and ("MAIDEN NAME" in k or "SUMMARY" in k
                                                            or s.name == "profile")


def parse_profile(f: InputFile, out: FileCollector) -> None:
    """Profile.csv (2018 and 2022+ headers): the owner's name (and First + Maiden name)."""
    table = _load(f, lambda keys: "FIRST NAME" in keys and "HEADLINE" in keys)
    c = _Cols(table)
    i_first, i_last, i_maiden = c.pos("FIRST NAME"), c.pos("LAST NAME"), c.pos("MAIDEN NAME")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last, maiden = _cell(row, i_first), _cell(row, i_last), _cell(row, i_maiden)
        if not (first or last):
            out.reject(line, "no name")
            continue
        out.owner_identity(name=_full_name(first, last))
        if maiden and first:
            out.owner_identity(name=_full_name(first, maiden))
        used += 1
    out.used(used)
    out.advance(f.size)


def _match_email_addresses(s: Sniff) -> bool:
    return {"EMAIL ADDRESS", "CONFIRMED", "PRIMARY"} <= _first_keys(s)


def parse_email_addresses(f: InputFile, out: FileCollector) -> None:
    """Email Addresses.csv: the owner's own addresses."""
    table = _load(f, lambda keys: "EMAIL ADDRESS" in keys and "PRIMARY" in keys)
    c = _Cols(table)
    i_email = c.pos("EMAIL ADDRESS")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        email = _cell(row, i_email)
        if clean_email(email) is None:
            out.reject(line, f"not an email address '{_shown(email)}'" if email else "no email address")
            continue
        out.owner_identity(email=email)
        used += 1
    out.used(used)
    out.advance(f.size)
