"""report.html: one self-contained page — summary, charts, the ranked list, replies owed, how the score works.

Self-contained: the charts are embedded as base64 ``data:`` URIs, the CSS is inline, there is no JavaScript
and no external resource, and a Content-Security-Policy forbids scripts and remote loads, so the page works
offline and, even if some text escaped escaping, nothing in it could run.

The page is the Jinja2 template ``templates/report.html.j2``, rendered with autoescaping on: this module only
gathers plain values (text from the inputs stays text), so no value can reach the page unescaped.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from markupsafe import escape

if TYPE_CHECKING:
    from analyzer.pipeline import Analysis
    from analyzer.report.charts import Chart

log = logging.getLogger(__name__)

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d8dee4; --accent:#0072B2; --bg:#f6f8fa; --warm:#A05A00; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
header { border-bottom: 1px solid var(--line); margin-bottom: 20px; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 14px; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 12px 0; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .n { font-size: 24px; font-weight: 700; }
.card .l { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td { overflow-wrap: anywhere; }  /* a long name or address without spaces wraps instead of widening the page */
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.why { min-width: 280px; }
td.nowrap { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfcfd; }
figure { margin: 18px 0 28px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; }
figcaption b { color: var(--ink); }
.note { color: var(--muted); font-size: 13px; }
.small { font-size: 13px; }
code { background: var(--bg); padding: 1px 4px; border-radius: 4px; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 10px; }
@media print { nav { display: none; } h2 { break-before: auto; } figure { break-inside: avoid; } }
"""

def esc(value: Any) -> str:
    """Untrusted text -> HTML text (``None`` -> empty). Quotes are escaped too, so it is safe in attributes."""
    return "" if value is None else str(escape(str(value)))


def _num(value: Any, digits: int = 2) -> str:
    """A number as shown in the tables (plain text: the template escapes it)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return "—" if value != value else f"{value:.{digits}f}"  # NaN
    return str(value)


def ago(days: int | None) -> str:
    """``days`` as a phrase: "today", "3 weeks ago", "2 years 3 months ago"; "never" for None."""
    if days is None:
        return "never"
    if days <= 0:
        return "today"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    months = round(days / 30.44)
    years, months = divmod(months, 12)
    if years == 0:
        return f"{months} months ago"
    ys = f"{years} year{'s' if years != 1 else ''}"
    return f"{ys} {months} month{'s' if months != 1 else ''} ago" if months else f"{ys} ago"


@lru_cache(maxsize=1)
def _template() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("analyzer.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True,
                      finalize=lambda v: "" if v is None else v)  # a missing value shows as nothing
    return env.get_template("report.html.j2")


def _who(name: Any, *addresses: Any) -> Any:
    """The name a row shows: ``name``, or for someone known only by an address (mail with no display name,
    a card with only an email) the first address, so that no row of the page has an empty name."""
    if name is not None and str(name).strip():
        return name
    for a in addresses:
        first = a[0] if isinstance(a, list | tuple) and a else a
        if isinstance(first, str) and first.strip():
            return first
    return name


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _cards(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    people = s.get("people", {}) or {}
    totals = s.get("totals", {}) or {}
    cards = [
        (people.get("person", 0), "people"),
        (s.get("ranked", 0), "ranked"),
        (people.get("automated", 0), "automated senders kept out"),
        (s.get("messages", 0), "messages and other interactions"),
        (s.get("identity_merges", 0), "identity merges"),
        (len(s.get("files", []) or []), "files read"),
        (totals.get("rejected", 0), "rows rejected"),
        (totals.get("ignored", 0), "rows ignored"),
    ]
    return [(f"{n:,}" if isinstance(n, int) else str(n), label) for n, label in cards]


def _why(counts: Mapping[str, Any] | None) -> str:
    if not counts:
        return ""
    return "; ".join(f"{k} ×{v}" for k, v in counts.items())


def _files(s: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for f in s.get("files", []) or []:
        rej, ign = _why(f.get("rejected_why")), _why(f.get("ignored_why"))
        why = " ".join(x for x in (rej and "rejected: " + rej, ign and "ignored: " + ign) if x)
        rows.append({"file": f.get("file"), "kind": f.get("kind"), "read": _num(f.get("read")),
                     "used": _num(f.get("used")), "rejected": _num(f.get("rejected")),
                     "ignored": _num(f.get("ignored")), "why": why})
    return rows


def _figures(charts: Sequence[Chart], folder: Path) -> list[dict[str, Any]]:
    out = []
    for chart in charts:
        path = chart.path if chart.path is not None and chart.path.exists() else folder / chart.filename
        try:
            data: str | None = base64.b64encode(path.read_bytes()).decode("ascii")
        except OSError:
            log.warning("chart %s not found; left out of report.html", chart.filename)
            data = None
        heading = chart.title if chart.title.endswith((".", "?", "!")) else chart.title + "."  # not "…?."
        alt = f"{chart.title} — {chart.note}" if chart.note else chart.title  # a placeholder says why
        out.append({"key": chart.key or chart.filename, "data": data, "title": chart.title, "heading": heading,
                    "alt": alt,
                    "caption": chart.caption, "filename": chart.filename})
    return out


def _ranked(ranked: pl.DataFrame, top: int) -> dict[str, Any]:
    rows = []
    for r in ranked.head(top).iter_rows(named=True):
        last = r.get("last_contact")
        rows.append({"rank": _num(r.get("rank")), "person_id": r.get("person_id"),
                     "name": _who(r.get("name"), r.get("emails"), r.get("linkedin_urls")),
                     "company": r.get("company"), "position": r.get("position"), "score": _num(r.get("score")),
                     "strength": _num(r.get("strength")), "warmth": _num(r.get("warmth")),
                     "reciprocity": _num(r.get("reciprocity")), "last": _iso(last),
                     "phrase": r.get("_ago") or ago(r.get("days_since_contact")), "reason": r.get("reason")})
    return {"rows": rows, "shown": min(top, ranked.height), "total": f"{ranked.height:,}"}


def _replies(ranked: pl.DataFrame, limit: int = 100) -> dict[str, Any]:
    if "replies_owed" not in ranked.columns:
        return {"rows": None}
    owed = ranked.filter(pl.col("replies_owed").fill_null(0) > 0)
    order = ["replies_owed", "rank"] if "rank" in owed.columns else ["replies_owed"]
    owed = owed.sort(order, descending=[True, False][: len(order)])
    rows = [{"name": _who(r.get("name"), r.get("emails"), r.get("linkedin_urls")), "company": r.get("company"),
             "owed": _num(r.get("replies_owed")),
             "last": _iso(r.get("last_contact")), "rank": _num(r.get("rank"))}
            for r in owed.head(limit).iter_rows(named=True)]
    return {"rows": rows, "total": f"{owed.height:,}", "more": max(owed.height - limit, 0)}


CHANGE_LABELS = {"reconnected": "reconnected", "awaiting_reply": "awaiting your reply",
                 "job_change": "changed jobs", "new_connection": "new connections", "went_quiet": "went quiet"}


def _addresses(analysis: Analysis, rows: pl.DataFrame) -> dict[str, str]:
    """person_id -> first address (email, else LinkedIn URL) of the people in ``rows`` who have no name."""
    blank = rows.filter(pl.col("name").fill_null("").str.strip_chars() == "").get_column("person_id")
    if blank.is_empty():
        return {}
    people = analysis.people.filter(pl.col("person_id").is_in(blank.implode()))
    return {pid: a for pid, a in people.select(
        "person_id", pl.coalesce(pl.col("emails").list.first(), pl.col("linkedin_urls").list.first())).iter_rows()
        if a}


def _since(analysis: Analysis, shown: set[str], limit: int = 50) -> dict[str, Any]:
    ft = analysis.followup
    if ft is None:
        return {"warning": None, "previous_as_of": None, "groups": []}
    groups = []
    nameless = _addresses(analysis, ft.changes)
    for kind, label in CHANGE_LABELS.items():
        part = ft.changes.filter(pl.col("change") == kind)
        rows = [{"person_id": r["person_id"], "name": _who(r["name"], nameless.get(r["person_id"])),
                 "linked": r["person_id"] in shown,
                 "before": r["before"], "after": r["after"], "date": _iso(r["date"]), "detail": r["detail"]}
                for r in part.head(limit).iter_rows(named=True)]
        groups.append({"label": label, "n": f"{part.height:,}", "rows": rows, "more": max(part.height - limit, 0)})
    return {"warning": ft.warning, "previous_as_of": _iso(ft.previous_as_of), "groups": groups}


def _plan(analysis: Analysis, shown: set[str]) -> list[dict[str, Any]]:
    ft = analysis.followup
    if ft is None or ft.plan is None:
        return []
    return [{"week": r["week"], "date": _iso(r["date"]), "person_id": r["person_id"],
             "name": _who(r["name"], r["reach"]),
             "linked": r["person_id"] in shown, "reach": r["reach"]} for r in ft.plan.iter_rows(named=True)]


def page_context(analysis: Analysis, top: int = 25) -> dict[str, Any]:
    """Everything report.html shows but the charts, with its template compiled: a report computes it while
    the chart workers draw (:func:`render_html` then only adds the charts)."""
    from analyzer.pipeline import summary
    from analyzer.version import __version__

    _template()
    s = summary(analysis)
    owner = s.get("owner", {}) or {}
    ranked = analysis.ranked
    if "last_contact" in ranked.columns:  # the same wording as the reasons ("2 years 3 months ago")
        from analyzer.score import ago_expr

        ranked = ranked.with_columns(ago_expr(pl.col("last_contact"), analysis.as_of).alias("_ago"))
    shown = set(ranked.head(top).get_column("person_id").to_list()) if ranked.height else set()
    ft = analysis.followup
    waiting = ft.settings.awaiting_reply_days if ft is not None else 28
    skipped = s.get("skipped_files", []) or []
    totals = s.get("totals", {}) or {}
    return dict(
        csp=CSP, css=CSS, as_of=s.get("as_of"), who=", ".join(owner.get("names") or owner.get("emails") or []),
        sections=[("since", "Since last time"), ("summary", "Summary"), ("charts", "Charts"),
                  ("ranked", "People to reconnect with"), ("replies", "Replies owed"),
                  ("score", "How the score works"), ("sources", "Sources read")],
        since=_since(analysis, shown), plan=_plan(analysis, shown), cards=_cards(s),
        ranked=_ranked(ranked, top), replies=_replies(ranked),
        awaiting=f"{waiting // 7} weeks" if waiting % 7 == 0 else f"{waiting} days",
        files=_files(s), totals={k: _num(totals.get(k)) for k in ("read", "used", "rejected", "ignored")},
        skipped=skipped[:50], skipped_more=max(len(skipped) - 50, 0),
        duplicates=s.get("duplicate_messages_dropped") or 0,
        version=__version__, inputs=", ".join(s.get("inputs", []) or []),
    )


def render_html(analysis: Analysis, charts: Sequence[Chart], charts_folder: Path, top: int = 25,
                context: Mapping[str, Any] | None = None) -> str:
    """The report page as a string (see :func:`write_html`); ``context``: its :func:`page_context`, when
    already computed."""
    ctx = page_context(analysis, top) if context is None else context
    page: str = _template().render(**ctx, figures=_figures(charts, charts_folder))
    return page


def write_html(analysis: Analysis, charts: list[Chart], path: Path, top: int = 25,
               context: Mapping[str, Any] | None = None) -> Path:
    """Write report.html (charts read from their PNGs, embedded); returns its path. ``context``: its
    :func:`page_context`, when already computed."""
    path.write_text(render_html(analysis, charts, path.parent / "charts", top, context), encoding="utf-8")
    return path
