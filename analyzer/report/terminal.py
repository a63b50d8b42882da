"""The terminal side: the table of top candidates, and the ``person`` and ``company`` views.

Untrusted text (names, companies, reasons, file names) is always passed to rich as :class:`rich.text.Text`,
never as a markup string, so ``[bold]x[/]`` in a name prints literally.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from analyzer.ingest.inputs import safe_display

if TYPE_CHECKING:
    from analyzer.pipeline import Analysis

CHANNEL_SHORT = {"email": "email", "linkedin_message": "LinkedIn msg", "linkedin_invitation": "invitation",
                 "linkedin_endorsement": "endorsement", "linkedin_recommendation": "recommendation"}


def _console(console: Console | None = None) -> Console:
    return console or Console(highlight=False, soft_wrap=False)


def _t(value: Any, style: str = "") -> Text:
    """Plain text (never markup) for a cell."""
    if value is None:
        return Text("")
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value if v is not None)
    return Text(str(value), style=style)


def _f(value: Any, digits: int = 2) -> Text:
    if value is None or (isinstance(value, float) and value != value):
        return Text("—")
    return Text(f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def _date(value: Any) -> Text:
    if value is None:
        return Text("never", style="dim")
    return Text(value.isoformat() if isinstance(value, date) else str(value))


def top_table(analysis: Analysis, top: int = 10) -> Table:
    """The rich table of the ``top`` candidates: rank, name, company, last contact, score, reason.

    Widths are capped so that it fits 100 columns (names and companies are cut with an ellipsis, the reason
    wraps)."""
    n = min(top, analysis.ranked.height)
    t = Table(title=Text(f"Top {n} people to reconnect with (as of {analysis.as_of})"), show_lines=False,
              expand=False, pad_edge=False)
    t.add_column("#", justify="right", no_wrap=True, min_width=2)
    t.add_column("Name", no_wrap=True, overflow="ellipsis", max_width=20)
    t.add_column("Company", no_wrap=True, overflow="ellipsis", max_width=14)
    t.add_column("Last contact", no_wrap=True, min_width=12)
    t.add_column("Score", justify="right", no_wrap=True)
    t.add_column("Why", overflow="fold", ratio=1, min_width=20)
    for r in analysis.ranked.head(top).iter_rows(named=True):
        t.add_row(_t(r.get("rank")), _t(r.get("name"), "bold"), _t(r.get("company")), _date(r.get("last_contact")),
                  _f(r.get("score")), _t(r.get("reason")))
    return t


def print_top(analysis: Analysis, top: int = 10, console: Console | None = None) -> None:
    """Print the top ``top`` reconnect candidates with their reasons."""
    c = _console(console)
    if analysis.ranked.height == 0:
        c.print(Text("No one to rank: no people with interactions were found."))
        return
    c.print(top_table(analysis, top))


CHANGE_WORDS = {"reconnected": "reconnected", "awaiting_reply": "awaiting your reply", "job_change": "changed jobs",
                "new_connection": "new connections", "went_quiet": "went quiet"}


def changes_line(analysis: Analysis) -> Text | None:
    """"Since last time (2026-09-01): 3 reconnected, 2 awaiting your reply, ..." — or the warning about an
    unusable previous report; None on a first run."""
    ft = analysis.followup
    if ft is None:
        return None
    if ft.warning:
        return Text(f"Warning: {ft.warning}")
    if ft.previous_as_of is None:
        return None
    counts = ft.counts
    parts = ", ".join(f"{counts[k]} {w}" for k, w in CHANGE_WORDS.items())
    line = Text(f"Since last time ({ft.previous_as_of}): {parts}.")
    if ft.plan is not None:
        line.append(f" Planned {ft.plan.height} people (plan.csv, plan.ics).")
    return line


def print_changes(analysis: Analysis, console: Console | None = None) -> None:
    """Print the follow-through counts (see :func:`changes_line`), if there is anything to say."""
    line = changes_line(analysis)
    ft = analysis.followup
    if line is None and ft is not None and ft.plan is not None:
        line = Text(f"Planned {ft.plan.height} people (plan.csv, plan.ics).")
    if line is not None:
        # (one line, however long: the terminal wraps it; a warning on the error stream, as other warnings)
        out = console or (Console(highlight=False, stderr=True) if ft is not None and ft.warning else _console())
        out.print(line, soft_wrap=True)
    if ft is not None and ft.warning and ft.plan is not None:  # (the plan is written all the same)
        _console(console).print(Text(f"Planned {ft.plan.height} people (plan.csv, plan.ics)."), soft_wrap=True)


def print_company(table: pl.DataFrame, name: str, console: Console | None = None) -> None:
    """Print everyone known at a company (the frame of ``score.people_at_company``), strongest first."""
    c = _console(console)
    name = safe_display(name)  # (the user's own words, but a pasted escape sequence is not printed as one)
    if table.height == 0:
        c.print(Text(f"No one found at {name}."))
        return
    t = Table(title=Text(f"People you know at {name}"))
    t.add_column("Name", no_wrap=True, overflow="ellipsis", max_width=24)
    t.add_column("Company", no_wrap=True, overflow="ellipsis", max_width=20)
    t.add_column("Strength", justify="right", no_wrap=True)
    t.add_column("How", overflow="fold", max_width=28)
    t.add_column("Why", overflow="fold", ratio=1, min_width=20)
    for r in table.iter_rows(named=True):
        t.add_row(_t(r.get("name"), "bold"), _t(r.get("company")), _f(r.get("strength")), _t(r.get("match")),
                  _t(r.get("reason")))
    c.print(t)


def short_source(display: str | None) -> str:
    """The file part of a source display name: ``a/b/export.zip!Connections.csv`` -> ``Connections.csv``,
    ``mail/Takeout/All mail.mbox`` -> ``All mail.mbox`` (the full path is in ``Result.person()``)."""
    if not display:
        return ""
    tail = display.rsplit("!", 1)[-1]
    return tail.replace("\\", "/").rsplit("/", 1)[-1] or display


def _identities_table(ids: pl.DataFrame) -> Table:
    t = Table()
    for col, kw in (("Source file", {"overflow": "fold", "max_width": 30}), ("Line", {"justify": "right"}),
                    ("Role", {}), ("Name as written", {"overflow": "fold"}), ("Emails", {"overflow": "fold"}),
                    ("LinkedIn", {"overflow": "fold"})):
        t.add_column(col, **kw)
    for r in ids.iter_rows(named=True):
        t.add_row(_t(short_source(r.get("source_file"))), _t(r.get("line")), _t(r.get("role")), _t(r.get("name")),
                  _t(r.get("emails")), _t((r.get("linkedin_url") or "").removeprefix("https://www.linkedin.com/")))
    return t


def _merges_table(m: pl.DataFrame) -> Table:
    t = Table()
    for col, kw in (("Records", {"no_wrap": True}), ("Names", {"overflow": "fold"}), ("Rule", {}),
                    ("Evidence", {"overflow": "fold"}), ("Weight", {"justify": "right"})):
        t.add_column(col, **kw)
    for r in m.iter_rows(named=True):
        names = r.get("name_l") if r.get("name_l") == r.get("name_r") else f"{r.get('name_l')} / {r.get('name_r')}"
        t.add_row(_t(f"{r.get('record_id_l')} + {r.get('record_id_r')}"), _t(names), _t(r.get("rule")),
                  _t(r.get("levels")), _f(r.get("match_weight"), 1))
    return t


def _timeline_table(tl: pl.DataFrame) -> Table:
    """Years down, channels across, each cell "sent↑ received↓"."""
    t = Table()
    chans = [c for c in CHANNEL_SHORT if c in set(tl["channel"].to_list())]
    chans += sorted(set(tl["channel"].to_list()) - set(chans))
    t.add_column("Year", justify="right")
    for ch in chans:
        t.add_column(CHANNEL_SHORT.get(ch, ch), justify="right", no_wrap=True)
    t.add_column("Total", justify="right")
    cells = {(r["year"], r["channel"]): (r["sent"], r["received"]) for r in tl.iter_rows(named=True)}
    for year in sorted({y for y, _ in cells}):
        row = [_t(year)]
        total = 0
        for ch in chans:
            s, rcv = cells.get((year, ch), (0, 0))
            total += s + rcv
            row.append(Text(f"{s}↑ {rcv}↓") if s or rcv else Text("·", style="dim"))
        row.append(Text(str(total), style="bold"))
        t.add_row(*row)
    return t


def person_view(analysis: Analysis, person_id: str) -> Group:
    """The renderable for one person: header, ranking, identities, merges and timeline."""
    from analyzer.report.lookup import person_details

    d = person_details(analysis, person_id)
    p, rk = d["person"], d["ranking"]
    head = Text()
    head.append(str(p.get("name") or "(no name)"), style="bold")
    head.append(f"  {p.get('person_id')} · {p.get('kind')}")
    if p.get("company"):
        head.append(" · ")
        head.append(str(p["company"]))
    if p.get("position"):
        head.append(f" ({p['position']})")
    parts: list[Any] = [head]
    if rk is not None:
        line = Text(f"Rank {rk.get('rank')} · score {_f(rk.get('score'))} · strength {_f(rk.get('strength'))} · "
                    f"warmth {_f(rk.get('warmth'))} · reciprocity {_f(rk.get('reciprocity'))} · "
                    f"{rk.get('messages_sent') or 0} sent, {rk.get('messages_received') or 0} received · "
                    f"first contact {rk.get('first_contact') or '—'}, last {rk.get('last_contact') or '—'}")
        parts.append(line)
        if rk.get("reason"):
            parts.append(Text("Why: ") + Text(str(rk["reason"]), style="italic"))
        if rk.get("replies_owed"):
            parts.append(Text(f"Replies owed: {rk['replies_owed']}", style="bold"))
    elif p.get("kind") == "automated":
        parts.append(Text("Automated sender (newsletter, notification or mailing list): kept out of the ranking.",
                          style="dim"))
    ids = d["identities"]
    parts.append(Text(f"\nIdentities: {ids.height} source record(s) merged into this person", style="bold"))
    if ids.height:
        parts.append(_identities_table(ids))
    m = d["merges"]
    parts.append(Text("\nWhy these records were merged", style="bold"))
    parts.append(_merges_table(m) if m.height else Text("Found in one record only: no merges.", style="dim"))
    tl = d["timeline"]
    parts.append(Text("\nTimeline: interactions per year (sent by you ↑ / received ↓)", style="bold"))
    parts.append(_timeline_table(tl) if tl.height else Text("No dated interactions.", style="dim"))
    if d["undated_events"]:
        parts.append(Text(f"{d['undated_events']} more interactions have no date.", style="dim"))
    return Group(*parts)


def print_person(analysis: Analysis, query: str, console: Console | None = None, limit: int = 3) -> None:
    """Print one person's identities (their source records), the merges that joined them, and a timeline of
    events per year by channel and direction. ``query`` is a name, email address, LinkedIn URL or person_id;
    when several people match, the first ``limit`` are shown and the rest listed."""
    from analyzer.report.lookup import find_people

    c = _console(console)
    hits = find_people(analysis, query)
    if hits.height == 0:
        c.print(Text(f"No person matches {query!r}."))
        return
    if hits.height > 1:
        c.print(Text(f"{hits.height} people match {query!r}:"))
    for i, pid in enumerate(hits["person_id"].head(limit).to_list()):
        if i:
            c.rule()
        c.print(person_view(analysis, pid))
    rest = hits.slice(limit)
    if rest.height:
        c.rule()
        c.print(Text("Also matching: " + "; ".join(f"{n} ({pid})" for pid, n in
                                                    rest.select("person_id", "name").head(20).iter_rows())))
