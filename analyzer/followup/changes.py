"""What changed since the previous report (``changes.csv``), and the list moving on.

A run is compared with the previous report person by person; people are matched by their addresses and
LinkedIn URLs (person ids differ when the inputs differ). The changes (SPEC §10):

* ``reconnected`` — someone on the previous list, written to before but silent at the previous run for
  ``dormant_after_days`` and for twice the tie's own rhythm (a yearly tie's yearly note is no reconnection),
  whom you wrote to since and who answered;
* ``awaiting_reply`` — someone you wrote to since who has not answered at all (cold outreach too), or whose
  answer to your last message is overdue (longer than the tie's usual gap);
* ``job_change`` — a LinkedIn connection in both exports whose company or position differs;
* ``new_connection`` — a LinkedIn connection made after the previous run's date (or its export's, up to 30 days
  earlier);
* ``went_quiet`` — a tie in touch at the previous run (3+ direct messages in the year before it, the last
  within the tie's own rhythm or 90 days) with no message since, now silent for twice its rhythm (it missed a
  whole beat; at least 60 days) since the previous run.

The list moves on: people reconnected since the previous run, and people whose last message is yours and
unanswered for fewer than ``awaiting_reply_days`` (known from the events alone, with or without a previous
report), keep a tenth of their score, so they leave the top; people marked done or snoozed in ``[plan]``
get a score of 0. ``follow_up`` says which, and ``reason`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl

from analyzer import schemas
from analyzer.errors import InputError
from analyzer.followup.previous import PreviousReport, comparable_text
from analyzer.followup.settings import PlanSettings
from analyzer.normalize import normalize_email
from analyzer.report.lookup import company_key
from analyzer.scoring_config import ScoringConfig

CHANGE_KINDS = ("reconnected", "awaiting_reply", "job_change", "new_connection", "went_quiet")
CHANGES: dict[str, pl.DataType] = {
    "person_id": pl.String(), "name": pl.String(), "change": pl.String(), "before": pl.String(),
    "after": pl.String(), "date": pl.Date(), "detail": pl.String(),
}
#: Channels that count as writing to each other (not invitations, endorsements or recommendations).
DIRECT = ("email", "linkedin_message")
#: Share of the score kept by someone reconnected or awaiting a reply (they leave the top, keep their order).
MOVED_ON_FACTOR = 0.1
#: A connection dated up to this many days before the previous run but missing from its export (downloaded before
#: the run) is a new connection.
EXPORT_LAG_DAYS = 30
#: A tie has gone quiet when its silence exceeds this many of its own rhythms (it missed a whole beat).
QUIET_AFTER_RHYTHMS = 2.0


@dataclass
class FollowThrough:
    """The follow-through of one run: its changes, the adjusted ranking and (with ``--plan``) the plan."""

    changes: pl.DataFrame
    ranked: pl.DataFrame
    previous: str | None = None
    previous_as_of: date | None = None
    warning: str | None = None
    plan: pl.DataFrame | None = None
    settings: PlanSettings = field(default_factory=PlanSettings)

    @property
    def counts(self) -> dict[str, int]:
        """Changes per kind, every kind present (0 when none)."""
        got = dict(self.changes.group_by("change").len().iter_rows()) if self.changes.height else {}
        return {k: int(got.get(k, 0)) for k in CHANGE_KINDS}

    def summary(self) -> dict[str, Any]:
        """The ``since_last_time`` block of summary.json."""
        return {"previous": self.previous, "previous_as_of": self.previous_as_of.isoformat()
                if self.previous_as_of else None, "warning": self.warning, "counts": self.counts,
                "planned": self.plan.height if self.plan is not None else None}


def _job(position: pl.Expr, company: pl.Expr) -> pl.Expr:
    """"Head of Data at Northwind", "at Northwind" or "Head of Data"."""
    return (pl.when(position.is_not_null() & company.is_not_null()).then(pl.format("{} at {}", position, company))
            .when(company.is_not_null()).then(pl.format("at {}", company))
            .otherwise(position))


def person_keys(people: pl.DataFrame) -> pl.DataFrame:
    """person_id, key: every lower-cased address and LinkedIn URL of each person of kind ``person``."""
    p = people.filter(pl.col("kind") == "person")
    return (
        p.select("person_id", pl.concat_list(pl.col("emails").fill_null([]), pl.col("linkedin_urls").fill_null([]))
                 .alias("key"))
        .explode("key").drop_nulls("key").with_columns(pl.col("key").str.to_lowercase()).unique()
    )


def _plan_keys(people: pl.DataFrame) -> pl.DataFrame:
    """person_id, key: every address (as :func:`normalize_email` gives it) and LinkedIn URL of everyone."""
    emails = people.select("person_id", pl.col("emails").fill_null([]).alias("key")).explode("key").drop_nulls("key")
    emails = emails.with_columns(pl.col("key").map_elements(normalize_email, return_dtype=pl.String))
    urls = people.select("person_id", pl.col("linkedin_urls").fill_null([]).alias("key")).explode("key")
    return pl.concat([emails, urls.with_columns(pl.col("key").str.to_lowercase())]).drop_nulls("key").unique()


def match_previous(people: pl.DataFrame, prev: PreviousReport) -> pl.DataFrame:
    """person_id -> the previous report's row sharing most addresses/URLs with them (ties: smallest prev_id)."""
    pk = prev.people.select("prev_id", pl.col("keys").alias("key")).explode("key").drop_nulls("key")
    best = (
        person_keys(people).join(pk, on="key").group_by("person_id", "prev_id").len()
        .sort(["person_id", "len", "prev_id"], descending=[False, True, False])
        .unique("person_id", keep="first").drop("len")
    )
    return best.join(prev.people.drop("keys"), on="prev_id", how="left")


def _day_after(day: date) -> pl.Expr:
    """Midnight UTC at the end of ``day`` (timestamps compare faster than their dates)."""
    return pl.lit(datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)).cast(schemas.UTC_DATETIME)


def direct_messages(events: pl.DataFrame, after: date | None, as_of: date) -> pl.DataFrame:
    """Per person, their direct messages up to ``as_of``: ``last_sent``, ``last_received`` (all time), and
    after ``after`` (the previous report's date; None: no comparison, nulls): ``sent_since``,
    ``received_since``, ``first_sent``, ``first_received``."""
    ts = pl.col("timestamp")
    ev = events.filter(pl.col("channel").is_in(DIRECT) & (ts < _day_after(as_of)))  # (a null date fails it)
    sent, recv = pl.col("direction") == "sent", pl.col("direction") == "received"
    aggs = [ts.filter(sent).max().alias("last_sent"), ts.filter(recv).max().alias("last_received")]
    if after is not None:
        new = ts >= _day_after(after)
        before = ts < _day_after(after)
        year_before = before & (ts >= _day_after(after - timedelta(days=365)))
        aggs += [year_before.sum().cast(pl.Int64).alias("year_before"), ts.filter(before).max().alias("last_before"),
                 (sent & new).sum().cast(pl.Int64).alias("sent_since"),
                 (recv & new).sum().cast(pl.Int64).alias("received_since"),
                 ts.filter(sent & new).min().alias("first_sent"), ts.filter(recv & new).min().alias("first_received")]
    return ev.group_by("person_id").agg(aggs)


def _changes(people: pl.DataFrame, direct: pl.DataFrame, measures: pl.DataFrame, prev: PreviousReport,
             as_of: date, cfg: ScoringConfig) -> pl.DataFrame:
    cur = people.filter(pl.col("kind") == "person").select("person_id", "name", "company", "position",
                                                           "connected_on")
    matched = match_previous(people, prev).rename(lambda c: c if c == "person_id" else f"prev_{c}")
    m = measures.select("person_id", "rhythm_days", "silence_days", "tier")
    t = (cur.join(matched, on="person_id", how="left").join(direct, on="person_id", how="left")
         .join(m, on="person_id", how="left"))
    matched_ = pl.col("prev_prev_id").is_not_null()
    dormant_after = pl.max_horizontal(pl.lit(cfg.dormant_after_days),
                                      QUIET_AFTER_RHYTHMS * pl.col("rhythm_days").fill_null(0.0))
    silent_then = (pl.lit(prev.as_of) - pl.col("last_before").dt.date()).dt.total_days()
    quiet_before = silent_then >= dormant_after
    sent_n, recv_n = pl.col("sent_since").fill_null(0), pl.col("received_since").fill_null(0)
    counts = pl.format("{} sent, {} received since {}", sent_n, recv_n, pl.lit(prev.as_of.isoformat()))
    frames = []

    def add(cond: pl.Expr, kind: str, before: pl.Expr, after: pl.Expr, when: pl.Expr, detail: pl.Expr) -> None:
        frames.append(t.filter(cond).select(
            "person_id", "name", pl.lit(kind).alias("change"), before.cast(pl.String).alias("before"),
            after.cast(pl.String).alias("after"), when.cast(pl.Date).alias("date"),
            detail.cast(pl.String).alias("detail")))

    both = pl.max_horizontal(pl.col("first_sent"), pl.col("first_received")).dt.date()
    had_contact = pl.col("last_before").is_not_null()  # a first exchange is not a reconnection
    # reconnected: you wrote and they answered (a reply after your first message since)
    answered = pl.col("first_sent").is_not_null() & (pl.col("last_received") > pl.col("first_sent"))
    add(matched_ & had_contact & quiet_before & answered, "reconnected",
        pl.format("last contact {}", pl.col("last_before").dt.date()), pl.lit("two-way contact"), both, counts)
    # awaiting a reply: you wrote since and got no answer at all, or your last message is the last word and has
    # gone unanswered for longer than the tie's usual gap (inside it, a lively exchange simply paused)
    waited = (pl.lit(as_of) - pl.col("last_sent").dt.date()).dt.total_days()
    unanswered = (sent_n > 0) & ((recv_n == 0) | (
        (pl.col("last_received") < pl.col("last_sent")) & (waited > pl.col("rhythm_days").fill_null(
            float(cfg.default_rhythm_days)))))
    add(unanswered & ~(matched_ & had_contact & quiet_before & answered), "awaiting_reply",
        pl.format("last contact {}", pl.col("last_before").dt.date().cast(pl.String).fill_null("never")),
        pl.lit("you wrote, no answer yet"),
        pl.col("last_sent").dt.date(), counts)
    # (the current values as the previous report's cells give them back: a round trip is not a change)
    # (companies as `reconnect company` matches them: "Café Ltd" is "Cafe Ltd", "Acme S.A." is "ACME SA")
    comp_now, comp_then = company_key(comparable_text(pl.col("company"))), company_key(pl.col("prev_company"))
    pos_now = comparable_text(pl.col("position")).str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    pos_then = pl.col("prev_position").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    job_changed = (
        matched_ & pl.col("connected_on").is_not_null() & pl.col("prev_connected_on").is_not_null()
        & pl.col("company").is_not_null() & pl.col("prev_company").is_not_null()
        & ((comp_now != comp_then) | (pos_now.is_not_null() & pos_then.is_not_null() & (pos_now != pos_then)))
    )
    add(job_changed, "job_change", _job(pl.col("prev_position"), pl.col("prev_company")),
        _job(pl.col("position"), pl.col("company")), pl.lit(None, dtype=pl.Date),
        pl.format("seen between the exports of {} and {}", pl.lit(prev.as_of.isoformat()), pl.lit(as_of.isoformat())))
    # (or after the previous export's latest connection, when that is up to EXPORT_LAG_DAYS earlier: an export is
    # downloaded days before the run, and a connection made in between is in neither report's "before")
    latest = prev.people.get_column("connected_on").max()
    since = prev.as_of
    if isinstance(latest, date) and latest < since:
        since = max(latest, since - timedelta(days=EXPORT_LAG_DAYS))
    add(pl.col("connected_on").is_not_null() & (pl.col("connected_on") > since)
        & (pl.col("connected_on") <= as_of) & pl.col("prev_connected_on").is_null(), "new_connection",
        pl.lit(None, dtype=pl.String), pl.lit("connected"), pl.col("connected_on"),
        pl.lit("a LinkedIn connection made since the previous report"))
    # went quiet: in touch at the previous run (3+ direct messages in the year before it, the last one within
    # the tie's rhythm, at least 90 days), nothing since, and now silent for twice its rhythm (at least 60 days);
    # it crossed since the previous run, unless that run was a first one (when it compared itself with an earlier
    # report, one that had crossed before it was said then, and is no news now)
    rhythm = pl.col("rhythm_days").fill_null(float(cfg.default_rhythm_days))
    then = (pl.lit(prev.as_of) - pl.col("last_before").dt.date()).dt.total_days()
    now = (pl.lit(as_of) - pl.col("last_before").dt.date()).dt.total_days()
    cold_after = pl.max_horizontal(pl.lit(60.0), QUIET_AFTER_RHYTHMS * rhythm)
    add((pl.col("year_before").fill_null(0) >= 3) & (then <= pl.max_horizontal(pl.lit(90.0), rhythm))
        & (sent_n == 0) & (recv_n == 0) & (now > cold_after)
        & ((then <= cold_after) | pl.lit(prev.compared_with is None)), "went_quiet",
        pl.format("last contact {}", pl.col("last_before").dt.date()), pl.format("silent for {} days", now),
        pl.col("last_before").dt.date() + pl.duration(days=cold_after.ceil().cast(pl.Int64)),
        pl.format("usually in touch every {} days", rhythm.round(0).cast(pl.Int64)))
    order = {k: i for i, k in enumerate(CHANGE_KINDS)}
    out = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=CHANGES)
    return (out.with_columns(pl.col("change").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
            .sort(["_o", "date", "person_id"], nulls_last=True).drop("_o"))


def _moved_on(ranked: pl.DataFrame, people: pl.DataFrame, direct: pl.DataFrame, changes: pl.DataFrame,
              settings: PlanSettings, as_of: date, config_path: str | None) -> pl.DataFrame:
    """The ranking with ``follow_up`` set and scores lowered for people who should not be suggested now."""
    wanted = settings.keys
    # (addresses as [plan] gives them, see identity_key; everyone's, so that an address that is now an automated
    # sender's or yours is not "no one's": it is simply never suggested; no [plan] identities, no keys to read)
    keys = _plan_keys(people) if wanted else pl.DataFrame(schema={"person_id": pl.String, "key": pl.String})
    if wanted:
        found = set(keys.filter(pl.col("key").is_in(sorted(wanted))).get_column("key").to_list())
        missing = sorted(wanted - found)
        if missing:
            shown = ", ".join(settings.written.get(k, k) for k in missing[:3]) + (", ..." if len(missing) > 3 else "")
            raise InputError(config_path or "config", f"[plan] names identities no one in the inputs has: {shown}",
                             hint="Use an email address or LinkedIn URL from people.csv")
    done_ids = keys.filter(pl.col("key").is_in(list(settings.done))).get_column("person_id").unique()
    snoozed = (keys.join(pl.DataFrame({"key": list(settings.snooze), "until": list(settings.snooze.values())},
                                      schema={"key": pl.String, "until": pl.Date}), on="key")
               .filter(pl.col("until") > as_of).group_by("person_id").agg(pl.col("until").max()))
    last = direct.select("person_id", "last_sent", "last_received")
    waiting = settings.awaiting_reply_days
    unanswered = pl.col("last_sent").is_not_null() & (
        pl.col("last_received").is_null() | (pl.col("last_received") < pl.col("last_sent")))
    sent_day = pl.col("last_sent").dt.date()
    last = last.filter(unanswered).select(
        "person_id", sent_day.alias("_sent"), (pl.lit(as_of) - sent_day).dt.total_days().alias("_waited"))
    reconnected = changes.filter(pl.col("change") == "reconnected").select("person_id", pl.col("date").alias("_rc"))
    jobs = changes.filter(pl.col("change") == "job_change").select("person_id", pl.col("after").alias("_now"),
                                                                    pl.col("before").alias("_was"))
    r = (ranked.join(last, on="person_id", how="left").join(reconnected, on="person_id", how="left")
         .join(snoozed, on="person_id", how="left").join(jobs, on="person_id", how="left"))
    again = pl.col("_sent") + pl.duration(days=waiting)
    interval = f"{waiting // 7} weeks" if waiting % 7 == 0 else f"{waiting} days"
    status = (pl.when(pl.col("person_id").is_in(done_ids.implode())).then(pl.lit("done"))
              .when(pl.col("until").is_not_null()).then(pl.lit("snoozed"))
              .when(pl.col("_rc").is_not_null()).then(pl.lit("reconnected"))
              .when(pl.col("_waited") < waiting).then(pl.lit("awaiting_reply")))
    note = (pl.when(pl.col("follow_up") == "done").then(pl.lit("Marked done in the config: not suggested again"))
            .when(pl.col("follow_up") == "snoozed").then(pl.format("Snoozed until {}", pl.col("until")))
            .when(pl.col("follow_up") == "reconnected").then(
                pl.format("Reconnected since the last report ({}): not suggested now", pl.col("_rc")))
            .when(pl.col("follow_up") == "awaiting_reply").then(pl.format(
                "You wrote on {} and have no answer yet: suggested again from {} ({} later)",
                pl.col("_sent"), again, pl.lit(interval)))
            .when(pl.col("_waited") < 3 * waiting).then(pl.format(
                "No answer to your message of {} yet: a short follow-up is fine now", pl.col("_sent"))))
    job = pl.format("Now {} (was {})", pl.col("_now"), pl.col("_was").fill_null("?"))
    factor = (pl.when(pl.col("follow_up").is_in(["done", "snoozed"])).then(0.0)
              .when(pl.col("follow_up").is_not_null()).then(MOVED_ON_FACTOR).otherwise(1.0))
    r = r.with_columns(status.alias("follow_up")).with_columns(
        pl.concat_str([job, note, pl.col("reason")], separator=". ", ignore_nulls=True)
        .str.replace_all(r"\.\.", ".").alias("reason"),
        (pl.col("score") * factor).round(4).alias("score"),
    )
    return (r.drop("_sent", "_waited", "_rc", "until", "_now", "_was")
            .sort(["score", "person_id"], descending=[True, False], nulls_last=True)
            .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("rank")))


def follow_through(people: pl.DataFrame, events: pl.DataFrame, ranked: pl.DataFrame, measures: pl.DataFrame,
                   as_of: date, *, previous: PreviousReport | None, settings: PlanSettings,
                   scoring: ScoringConfig, warning: str | None = None,
                   config_path: str | None = None) -> FollowThrough:
    """Compare this run with ``previous`` (None: a first run, changes empty) and move the list on.

    Raises :class:`InputError` naming ``config_path`` when ``[plan]`` names an identity no one has.
    """
    direct = direct_messages(events, previous.as_of if previous else None, as_of)
    if previous is None:
        changes = pl.DataFrame(schema=CHANGES)
    else:
        changes = _changes(people, direct, measures, previous, as_of, scoring).select(list(CHANGES))
    moved = _moved_on(ranked, people, direct, changes, settings, as_of, config_path)
    return FollowThrough(changes=changes, ranked=moved, previous=previous.folder if previous else None,
                         previous_as_of=previous.as_of if previous else None, warning=warning, settings=settings)
