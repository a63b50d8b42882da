"""report.html: one self-contained page — summary, charts, the ranked list, replies owed, how the score works.

Self-contained: the charts are embedded as base64 ``data:`` URIs, the CSS is inline, there is no JavaScript
and no external resource, and a Content-Security-Policy forbids scripts and remote loads, so the page works
offline and, even if some text escaped escaping, nothing in it could run. Every piece of text that comes from
the inputs (names, companies, positions, reasons, file names) goes through :func:`esc`.
"""

from __future__ import annotations

import base64
import html
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

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

SCORE_TEXT = """
<p>Every relationship is measured from all your interactions with that person, across LinkedIn, mail and
address books (after the same person's records were merged into one):</p>
<ul>
<li><b>Strength</b> — how strong the relationship was at its best, not decaying with time: two-way exchanges,
months with contact in both directions, how long it lasted, one-to-one rather than group or mass mail,
recommendations and endorsements, and having worked at the same employer.</li>
<li><b>Warmth</b> — strength discounted by silence, measured against the relationship's own rhythm: a tie that
was in touch every month goes cold after a silent year sooner than one that was in touch once a year.</li>
<li><b>Reciprocity</b> — how two-way it is (0 to 1): both of you started conversations and both replied.
Newsletters, cold outreach and messages that never got an answer score low.</li>
<li><b>Score</b> — the reconnect priority: high for strong, reciprocal relationships that have gone quiet;
low for ties that are already warm, one-way, automated or that never really existed.</li>
<li><b>Replies owed</b> — conversations whose last message came from them and was never answered.</li>
</ul>
<p>Research behind it: dormant ties are worth reviving because they combine trust with new information
(Levin, Walter &amp; Murnighan 2011); tie strength shows in reciprocity, recency and the length and intensity of
contact (Gilbert &amp; Karahalios 2009; Granovetter 1973). The exact formula and its weights are in the project's
documentation (<code>docs/scoring.md</code> and the README); the weights can be changed in the
<code>[scoring]</code> section of the config file.</p>
"""


def esc(value: Any) -> str:
    """Untrusted text -> HTML text (``None`` -> empty). Quotes are escaped too, so it is safe in attributes."""
    return "" if value is None else html.escape(str(value), quote=True)


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return "—" if value != value else f"{value:.{digits}f}"  # NaN
    return esc(value)


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


def _table(headers: Sequence[tuple[str, str]], rows: Iterable[Sequence[tuple[str, str]]]) -> str:
    """headers: (label, css class); rows: (already-escaped html, css class) cells."""
    head = "".join(f'<th class="{c}">{esc(h)}</th>' if c else f"<th>{esc(h)}</th>" for h, c in headers)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' if c else f"<td>{v}</td>" for v, c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _col(row: Mapping[str, Any], name: str) -> Any:
    return row.get(name)


def _cards(s: Mapping[str, Any]) -> str:
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
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="n">{esc(f"{n:,}" if isinstance(n, int) else n)}</div>'
        f'<div class="l">{esc(label)}</div></div>' for n, label in cards) + "</div>"


def _why(counts: Mapping[str, Any] | None) -> str:
    if not counts:
        return ""
    return "; ".join(f"{esc(k)} ×{esc(v)}" for k, v in counts.items())


def _sources(s: Mapping[str, Any]) -> str:
    files = s.get("files", []) or []
    rows = [[(esc(f.get("file")), ""), (esc(f.get("kind")), "nowrap"), (_num(f.get("read")), "num"),
             (_num(f.get("used")), "num"), (_num(f.get("rejected")), "num"), (_num(f.get("ignored")), "num"),
             (" ".join(x for x in (_why(f.get("rejected_why")) and "rejected: " + _why(f.get("rejected_why")),
                                   _why(f.get("ignored_why")) and "ignored: " + _why(f.get("ignored_why"))) if x),
              "small")]
            for f in files]
    totals = s.get("totals", {}) or {}
    if files:
        rows.append([("<b>total</b>", ""), ("", ""), (f"<b>{_num(totals.get('read'))}</b>", "num"),
                     (f"<b>{_num(totals.get('used'))}</b>", "num"), (f"<b>{_num(totals.get('rejected'))}</b>", "num"),
                     (f"<b>{_num(totals.get('ignored'))}</b>", "num"), ("", "")])
    out = _table([("File", ""), ("Read as", ""), ("Rows read", "num"), ("Used", "num"), ("Rejected", "num"),
                  ("Ignored", "num"), ("Why", "")], rows) if files else '<p class="note">No files were read.</p>'
    skipped = s.get("skipped_files", []) or []
    if skipped:
        items = "".join(f"<li>{esc(k.get('file'))} — {esc(k.get('reason'))}</li>" for k in skipped[:50])
        more = f"<li>… and {len(skipped) - 50} more</li>" if len(skipped) > 50 else ""
        out += f'<h3>Files skipped</h3><ul class="small">{items}{more}</ul>'
    dup = s.get("duplicate_messages_dropped") or 0
    if dup:
        out += f'<p class="note">{esc(dup)} messages found in two overlapping exports were counted once.</p>'
    return out


def _figure(chart: Chart, folder: Path) -> str:
    path = chart.path if chart.path is not None and chart.path.exists() else folder / chart.filename
    cap = f"<figcaption><b>{esc(chart.title)}.</b> {esc(chart.caption)}</figcaption>"
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        log.warning("chart %s not found; left out of report.html", chart.filename)
        return f"<figure><p class=\"note\">(chart {esc(chart.filename)} missing)</p>{cap}</figure>"
    return (f'<figure id="chart-{esc(chart.key or chart.filename)}"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(chart.title)}">{cap}</figure>')


def _ranked(ranked: pl.DataFrame, top: int) -> str:
    if ranked.height == 0:
        return '<p class="note">No one to rank: no people with interactions were found.</p>'
    rows = []
    for r in ranked.head(top).iter_rows(named=True):
        last = _col(r, "last_contact")
        phrase = _col(r, "_ago") or ago(_col(r, "days_since_contact"))
        last_s = (f'{esc(last.isoformat() if isinstance(last, date) else last)}<br>'
                  f'<span class="note">{esc(phrase)}</span>') if last else "never"
        who = esc(_col(r, "name"))
        pos = _col(r, "position")
        comp = "<br>".join(x for x in (esc(_col(r, "company")), f'<span class="note">{esc(pos)}</span>' if pos else "")
                            if x)
        rows.append([(_num(_col(r, "rank")), "num"), (who, ""), (comp, ""), (_num(_col(r, "score")), "num"),
                     (_num(_col(r, "strength")), "num"), (_num(_col(r, "warmth")), "num"),
                     (_num(_col(r, "reciprocity")), "num"), (last_s, "nowrap"), (esc(_col(r, "reason")), "why")])
    shown = min(top, ranked.height)
    note = (f'<p class="note">The top {shown} of {ranked.height:,} people; everyone is in '
            f"<code>reconnect.csv</code>.</p>")
    return note + _table([("#", "num"), ("Name", ""), ("Company", ""), ("Score", "num"), ("Strength", "num"),
                          ("Warmth", "num"), ("Reciprocity", "num"), ("Last contact", ""), ("Why", "")], rows)


def _replies(ranked: pl.DataFrame, limit: int = 100) -> str:
    if "replies_owed" not in ranked.columns:
        return '<p class="note">Not computed in this run.</p>'
    owed = ranked.filter(pl.col("replies_owed").fill_null(0) > 0)
    if owed.height == 0:
        return '<p class="note">None: every conversation someone started with you got an answer.</p>'
    order = ["replies_owed", "rank"] if "rank" in owed.columns else ["replies_owed"]
    owed = owed.sort(order, descending=[True, False][: len(order)])
    rows = []
    for r in owed.head(limit).iter_rows(named=True):
        last = _col(r, "last_contact")
        rows.append([(esc(_col(r, "name")), ""), (esc(_col(r, "company")), ""),
                     (_num(_col(r, "replies_owed")), "num"),
                     (esc(last.isoformat() if isinstance(last, date) else last) if last else "never", "nowrap"),
                     (_num(_col(r, "rank")), "num")])
    more = f'<p class="note">… and {owed.height - limit} more in reconnect.csv.</p>' if owed.height > limit else ""
    return (f'<p class="note">{owed.height:,} people wrote last in a conversation that you never answered.</p>'
            + _table([("Name", ""), ("Company", ""), ("Replies owed", "num"), ("Last contact", ""),
                      ("Rank", "num")], rows) + more)


def render_html(analysis: Analysis, charts: Sequence[Chart], charts_folder: Path, top: int = 25) -> str:
    """The report page as a string (see :func:`write_html`)."""
    from analyzer import __version__
    from analyzer.pipeline import summary

    s = summary(analysis)
    owner = s.get("owner", {}) or {}
    who = ", ".join(owner.get("names") or owner.get("emails") or [])
    ranked = analysis.ranked
    if "last_contact" in ranked.columns:  # the same wording as the reasons ("2 years 3 months ago")
        from analyzer.score import ago_expr

        ranked = ranked.with_columns(ago_expr(pl.col("last_contact"), analysis.as_of).alias("_ago"))
    sections = [
        ("summary", "Summary"), ("charts", "Charts"), ("ranked", "People to reconnect with"),
        ("replies", "Replies owed"), ("score", "How the score works"), ("sources", "Sources read"),
    ]
    nav = "<nav>" + "".join(f'<a href="#{k}">{esc(t)}</a>' for k, t in sections) + "</nav>"
    figs = "".join(_figure(c, charts_folder) for c in charts) or '<p class="note">Charts were not drawn.</p>'
    inputs = ", ".join(esc(i) for i in s.get("inputs", []) or [])
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>reconnect report — {esc(s.get('as_of'))}</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<header>",
        f"<h1>Who to reconnect with</h1><p class=\"lead\">As of {esc(s.get('as_of'))}"
        + (f" · for {esc(who)}" if who else "") + "</p>",
        nav, "</header>",
        f'<section id="summary"><h2>Summary</h2>{_cards(s)}</section>',
        f'<section id="charts"><h2>Charts</h2>{figs}</section>',
        f'<section id="ranked"><h2>People to reconnect with</h2>{_ranked(ranked, top)}</section>',
        f'<section id="replies"><h2>Replies owed</h2>{_replies(ranked)}</section>',
        f'<section id="score"><h2>How the score works</h2>{SCORE_TEXT}</section>',
        f'<section id="sources"><h2>Sources read</h2>{_sources(s)}</section>',
        f"<footer>Written by reconnect {esc(__version__)} from: {inputs or '—'}. "
        "Computed on this computer; nothing was sent anywhere. Message contents are not stored in any output."
        "</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_html(analysis: Analysis, charts: list[Chart], path: Path, top: int = 25) -> Path:
    """Write report.html (charts read from their PNGs, embedded); returns its path."""
    path.write_text(render_html(analysis, charts, path.parent / "charts", top), encoding="utf-8")
    return path
