"""The files about the people in your network: Connections.csv, Invitations.csv, Endorsements received/given
(also the 2022 UTF-16 TSV duplicate) and Recommendations received/given."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from analyzer.ingest.collect import FileCollector, stable_key
from analyzer.ingest.dates import parse_date, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.linkedin.common import (
    _PANDAS_SUFFIX,
    _bad_date,
    _cell,
    _Cols,
    _compact,
    _first_keys,
    _full_name,
    _head_rows,
    _load,
    _owner,
    _person_key,
    _shown,
    _width_problem,
)
from analyzer.ingest.registry import Sniff

# ---- Connections.csv -----------------------------------------------------------------------------------------

def _connections_header(keys: list[str]) -> bool:
    return bool(keys) and keys[0] == "FIRST NAME" and "CONNECTED ON" in keys


def _match_connections(s: Sniff) -> bool:
    return any(_connections_header(k) for k in _head_rows(s))


def parse_connections(f: InputFile, out: FileCollector) -> None:
    """Connections.csv: one ``connection`` record per row (with or without the Notes: preamble and URL)."""
    table = _load(f, _connections_header)
    c = _Cols(table)
    i_first, i_last, i_url = c.pos("FIRST NAME"), c.pos("LAST NAME"), c.pos("URL", "PROFILE URL")
    i_email, i_company = c.pos("EMAIL ADDRESS", "E-MAIL ADDRESS"), c.pos("COMPANY")
    i_pos, i_on = c.pos("POSITION"), c.pos("CONNECTED ON")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last, url = _cell(row, i_first), _cell(row, i_last), _cell(row, i_url)
        email = _cell(row, i_email)
        if not (first or last or url or email):
            out.ignore("hidden profile (placeholder row)")
            continue
        on_s = _cell(row, i_on)
        on: date | None = None
        if on_s:
            on = parse_date(on_s)
            if on is None:
                out.reject(line, f"impossible date '{_shown(on_s)}'")
                continue
        out.record(role="connection", first_name=first, last_name=last, linkedin_url=url or None,
                   emails=[email], company=_cell(row, i_company), position=_cell(row, i_pos),
                   connected_on=on, line=line)
        used += 1
    out.used(used)
    out.advance(f.size)



# ---- Invitations.csv ---------------------------------------------------------------------------------------

def _match_invitations(s: Sniff) -> bool:
    return {"FROM", "TO", "SENT AT", "DIRECTION"} <= _first_keys(s)


def parse_invitations(f: InputFile, out: FileCollector) -> None:
    """Invitations.csv (URL, URN and old 5-column layouts): one ``linkedin_invitation`` per row."""
    table = _load(f, lambda keys: "SENT AT" in keys and "DIRECTION" in keys)
    c = _Cols(table)
    i_from, i_to, i_at, i_dir = c.pos("FROM"), c.pos("TO"), c.pos("SENT AT"), c.pos("DIRECTION")
    i_inviter, i_invitee = c.pos("INVITERPROFILEURL"), c.pos("INVITEEPROFILEURL")
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        at = _cell(row, i_at)
        ts = parse_datetime(at)
        if ts is None:
            out.reject(line, _bad_date(at))
            continue
        frm, to, direction = _cell(row, i_from), _cell(row, i_to), _cell(row, i_dir).upper()
        inviter, invitee = _cell(row, i_inviter) or None, _cell(row, i_invitee) or None
        if direction == "OUTGOING":
            if not (to or invitee):
                out.reject(line, "no invitee (To is empty)")
                continue
            out.owner_identity(name=frm, linkedin_url=inviter)
            sender = _owner(out, frm or None, inviter)
            other = out.record(role="invitee", name=to or None, linkedin_url=invitee, line=line,
                               key=_person_key(invitee, to))
            recips = [other]
        elif direction == "INCOMING":
            if not (frm or inviter):
                out.reject(line, "no inviter (From is empty)")
                continue
            out.owner_identity(name=to, linkedin_url=invitee)
            sender = out.record(role="inviter", name=frm or None, linkedin_url=inviter, line=line,
                                key=_person_key(inviter, frm))
            recips = [_owner(out, to or None, invitee)]
        else:
            out.reject(line, f"unknown direction '{_shown(direction)}'" if direction else "no direction")
            continue
        out.message(timestamp=ts, channel="linkedin_invitation", sender=sender, recipients=recips, line=line,
                    msg_key=stable_key("li-inv", ts.isoformat(), direction, frm.casefold(), to.casefold()))
        used += 1
    out.used(used)
    out.advance(f.size)


# ---- Endorsements ------------------------------------------------------------------------------------------

def _endorsement_keys(keys: Iterable[str], who: str) -> bool:
    k = set(keys)
    return {"ENDORSEMENT DATE", f"{who} FIRST NAME"} <= k


def _match_endorsements_received(s: Sniff) -> bool:
    return _endorsement_keys(_first_keys(s), "ENDORSER")


def _match_endorsements_given(s: Sniff) -> bool:
    return _endorsement_keys(_first_keys(s), "ENDORSEE")


_ACCEPTED = {"", "ACCEPTED", "SHOW", "VISIBLE"}


def _parse_endorsements(f: InputFile, out: FileCollector, who: str) -> None:
    received = who == "ENDORSER"
    table = _load(f, lambda keys: _endorsement_keys(keys, who))
    c = _Cols(table)
    i_date, i_skill = c.pos("ENDORSEMENT DATE"), c.pos("SKILL NAME")
    i_first, i_last = c.pos(f"{who} FIRST NAME"), c.pos(f"{who} LAST NAME")
    i_url = c.pos(f"{who} PUBLIC URL", f"{who} PROFILE URL")
    i_status, i_display = c.pos("ENDORSEMENT STATUS"), c.pos("DISPLAY STATUS")
    direction = "received" if received else "given"
    used = 0
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        status = _cell(row, i_status).upper()
        if status not in _ACCEPTED:
            out.ignore(f"endorsement status {status}")
            continue
        if _cell(row, i_display).upper() in ("HIDE", "HIDDEN"):
            out.ignore("endorsement hidden from profile")
            continue
        d = _cell(row, i_date)
        ts = parse_datetime(d)
        if ts is None:
            out.reject(line, _bad_date(d))
            continue
        first, last, url = _cell(row, i_first), _cell(row, i_last), _cell(row, i_url) or None
        name = _full_name(first, last)
        if not (name or url):
            out.reject(line, f"no {who.lower()} name")
            continue
        other = out.record(role=who.lower(), first_name=first, last_name=last, linkedin_url=url, line=line,
                           key=_person_key(url, name))
        owner = _owner(out)
        sender, recips = (other, [owner]) if received else (owner, [other])
        skill = _cell(row, i_skill)
        out.message(timestamp=ts, channel="linkedin_endorsement", sender=sender, recipients=recips, line=line,
                    msg_key=stable_key("li-endorse", ts.isoformat(), skill.casefold(), name.casefold(), direction))
        used += 1
    out.used(used)
    out.advance(f.size)


def parse_endorsements_received(f: InputFile, out: FileCollector) -> None:
    """Endorsement_Received_Info.csv (also the 2022 UTF-16 TSV duplicate): endorser -> owner."""
    _parse_endorsements(f, out, "ENDORSER")


def parse_endorsements_given(f: InputFile, out: FileCollector) -> None:
    """Endorsement_Given_Info.csv: owner -> endorsee."""
    _parse_endorsements(f, out, "ENDORSEE")


# ---- Recommendations ---------------------------------------------------------------------------------------

def _recommendation_keys(keys: Iterable[str]) -> bool:
    k = set(keys)
    return ("FIRST NAME" in k or "LAST NAME" in k) and "TEXT" in k and "CREATION DATE" in k


def _is_given_name(name: str) -> bool:
    return "given" in name.split() or _compact(name).endswith("given")


def _match_recommendations_received(s: Sniff) -> bool:
    return _recommendation_keys(_first_keys(s)) and not _is_given_name(s.name)


def _match_recommendations_given(s: Sniff) -> bool:
    return _recommendation_keys(_first_keys(s)) and _is_given_name(s.name)


def _parse_recommendations(f: InputFile, out: FileCollector, received: bool) -> None:
    table = _load(f, lambda keys: _recommendation_keys(_PANDAS_SUFFIX.sub("", k) for k in keys))
    c = _Cols(table)
    i_first, i_last = c.pos("FIRST NAME"), c.pos("LAST NAME")
    i_company, i_title, i_date = c.pos("COMPANY"), c.pos("JOB TITLE", "TITLE"), c.pos("CREATION DATE")
    role = "recommender" if received else "recommendee"
    direction = "received" if received else "given"
    used = 0
    bad_dates: list[str] = []
    for line, row in table.rows():
        if problem := _width_problem(row, c.width):
            out.reject(line, problem)
            continue
        first, last = _cell(row, i_first), _cell(row, i_last)
        name = _full_name(first, last)
        if not name:
            out.reject(line, "no name")
            continue
        d = _cell(row, i_date)
        ts = parse_datetime(d) if d else None
        if d and ts is None:
            bad_dates.append(d)
        other = out.record(role=role, first_name=first, last_name=last, company=_cell(row, i_company),
                           position=_cell(row, i_title), line=line, key=("n", name.casefold()))
        owner = _owner(out)
        sender, recips = (other, [owner]) if received else (owner, [other])
        out.message(timestamp=ts, channel="linkedin_recommendation", sender=sender, recipients=recips, line=line,
                    msg_key=stable_key("li-rec", direction, name.casefold(), ts.isoformat() if ts else d))
        used += 1
    if bad_dates:
        out.note(f"{len(bad_dates)} recommendation(s) with an impossible Creation Date (e.g. "
                 f"'{_shown(bad_dates[0])}') used without a date")
    out.used(used)
    out.advance(f.size)


def parse_recommendations_received(f: InputFile, out: FileCollector) -> None:
    """Recommendations_Received.csv: recommender -> owner (undated rows are kept with no timestamp)."""
    _parse_recommendations(f, out, received=True)


def parse_recommendations_given(f: InputFile, out: FileCollector) -> None:
    """Recommendations_Given.csv: owner -> recommendee."""
    _parse_recommendations(f, out, received=False)
