"""Per-person relationship measures: what the scores of :mod:`analyzer.score` are built from.

Everything is computed with polars expressions over the whole events frame (group_by/agg, window functions,
joins); there is no Python loop over events or people. The only Python loops are over the owner's positions
(a handful of rows).

Vocabulary used throughout (see docs/scoring.md):

* **conversation channels**: ``email`` and ``linkedin_message``. Invitations, endorsements and recommendations
  are counted separately and never as messages.
* **participants**: ``n_participants`` = sender + all recipients. A message is *one-to-one* with 2, *group*
  with 3..``group_max_participants`` and *mass* above. Volumes are weighted by ``1 / (n_participants - 1)``
  (a message to 80 people says little about any of them).
* **two-way event**: a one-to-one or group message in a thread, or in a calendar month, where that person and
  the owner both wrote (to each other). The two-way events carry the tie's duration, active months, volume
  and recency.
* **conversation start**: the first message of a thread, or a message after ``session_gap_days`` of silence in
  that thread (LinkedIn keeps one conversation per pair forever).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer import names

if TYPE_CHECKING:
    from analyzer.scoring_config import ScoringConfig

CONVERSATION = ("email", "linkedin_message")

#: Legal-form words stripped from the end of company names before comparing them (shared with identity).
LEGAL_SUFFIXES = tuple(sorted(names.LEGAL_SUFFIXES))
_SUFFIX_RE = r"(?:\s+(?:" + "|".join(LEGAL_SUFFIXES) + r"))+$"

#: Consumer mail providers: their domain says nothing about an employer (matched on the domain's main label;
#: the same providers identity resolution treats as webmail).
WEBMAIL_LABELS = names.webmail_labels()
#: Domain endings removed to find the main label: any 2-letter country code and the common generic TLDs.
_DOMAIN_TAIL_RE = r"(?:\.(?:[a-z]{2}|com|org|net|edu|gov|mil|int|info|biz|io|ai|app|dev|tech|cloud|global))+$"


# ---- company names and email domains ------------------------------------------------------------------

def company_norm(expr: pl.Expr) -> pl.Expr:
    """Normalised company name: lower-case words separated by single spaces, legal suffixes and a leading
    "the" removed ("The ACME Corp., Inc." -> "acme")."""
    s = (
        expr.str.to_lowercase()
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
    )
    s = s.str.replace(r"^the\s+", "").str.replace(_SUFFIX_RE, "")
    return pl.when(s.str.len_chars() > 0).then(s).otherwise(None)


def company_norm_str(name: str | None) -> str | None:
    """:func:`company_norm` for one Python string."""
    if not name:
        return None
    s = re.sub(r"[^\w]+|_", " ", name.lower().replace("&", " and ")).strip()
    s = re.sub(r"^the\s+", "", s)
    s = re.sub(_SUFFIX_RE, "", s)
    return s or None


def domain_label(email: pl.Expr) -> pl.Expr:
    """The main label of an address's domain (``jo@eu.mail.acme-corp.co.uk`` -> ``acmecorp``), null for
    consumer mail providers."""
    dom = email.str.to_lowercase().str.extract(r"@([^@]+)$", 1).str.strip_chars(".")
    rest = dom.str.replace(_DOMAIN_TAIL_RE, "")
    label = rest.str.extract(r"([^.]+)$", 1)
    return (
        pl.when(label.is_in(list(WEBMAIL_LABELS)) | (label.str.len_chars() < 2))
        .then(None)
        .otherwise(label.str.replace_all("-", "", literal=True))
    )


def positions_frame(owner_positions: list[dict[str, Any]], as_of: date) -> pl.DataFrame:
    """The owner's positions as a frame with normalised company keys and tenure clipped to ``as_of``
    (a current job ends at ``as_of``; jobs starting after ``as_of`` are dropped)."""
    rows = []
    for i, p in enumerate(owner_positions or []):
        company = (p.get("company") or "").strip()
        start, end = p.get("started_on"), p.get("finished_on")
        start = start.date() if isinstance(start, datetime) else start
        end = end.date() if isinstance(end, datetime) else end
        if not company or (start is not None and start > as_of):
            continue
        end = as_of if end is None or end > as_of else end
        rows.append({"pos_id": i, "employer": company, "tenure_start": start, "tenure_end": end})
    df = pl.DataFrame(rows, schema={"pos_id": pl.Int64, "employer": pl.String, "tenure_start": pl.Date,
                                    "tenure_end": pl.Date})
    return df.with_columns(company_norm(pl.col("employer")).alias("pos_norm")).with_columns(
        pl.col("pos_norm").str.replace_all(" ", "", literal=True).alias("pos_compact"),
        pl.col("pos_norm").str.extract(r"^(\S+)", 1).alias("pos_first"),
    ).filter(pl.col("pos_norm").is_not_null())


#: Local parts of shared mailboxes (a team, not a person): never a relationship to rank high.
ROLE_LOCAL_PARTS = (
    "info", "hello", "hi", "team", "support", "help", "helpdesk", "contact", "contactus", "sales", "admin",
    "office", "billing", "accounts", "accounting", "invoices", "hr", "jobs", "careers", "recruiting", "talent",
    "press", "media", "marketing", "service", "customerservice", "enquiries", "inquiries", "general", "studio",
    "reception", "booking", "bookings", "orders", "shop", "store", "feedback", "partners", "legal", "privacy",
    "security", "webmaster", "postmaster", "hostmaster", "abuse", "mail", "email", "noreply", "no-reply",
)


def _shared_mailbox() -> pl.Expr:
    """True for a person known only by shared-mailbox addresses (info@, team@ ...) and no LinkedIn profile."""
    local = pl.element().str.extract(r"^([^@+]+)", 1).str.replace_all(r"[._-]", "")
    role = pl.col("emails").list.eval(local.is_in([r.replace("-", "") for r in ROLE_LOCAL_PARTS]))
    return (
        (pl.col("emails").list.len() > 0) & role.list.all() & (pl.col("linkedin_urls").list.len() == 0)
    ).fill_null(False)


# ---- helpers ------------------------------------------------------------------------------------------

def wilson_lower(k: pl.Expr, n: pl.Expr, z: float) -> pl.Expr:
    """Wilson score lower bound of the proportion k/n (0 when n == 0); k and n may be fractional."""
    nn = n.cast(pl.Float64)
    p = k.cast(pl.Float64) / nn
    z2 = z * z
    lb = (p + z2 / (2 * nn) - z * ((p * (1 - p) / nn + z2 / (4 * nn * nn)).clip(0.0).sqrt())) / (1 + z2 / nn)
    return pl.when(nn > 0).then(lb.clip(0.0, 1.0)).otherwise(0.0)


def saturate(x: pl.Expr, half: float) -> pl.Expr:
    """x / (x + half): 0 at 0, 0.5 at ``half``, approaching 1."""
    xx = x.cast(pl.Float64).fill_null(0.0).clip(0.0)
    return xx / (xx + half)


def _month_index(ts: pl.Expr) -> pl.Expr:
    return ts.dt.year().cast(pl.Int32) * 12 + ts.dt.month().cast(pl.Int32) - 1


# ---- measures -----------------------------------------------------------------------------------------

MEASURE_COLUMNS: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "kind": pl.String(),
    "first_contact": pl.Date(),
    "last_contact": pl.Date(),
    "days_since_contact": pl.Int64(),
    "first_message": pl.Date(),
    "last_message": pl.Date(),
    "messages_sent": pl.Int64(),
    "messages_received": pl.Int64(),
    "undated_messages": pl.Int64(),
    "weighted_sent": pl.Float64(),
    "weighted_received": pl.Float64(),
    "threads": pl.Int64(),
    "threads_sent": pl.Int64(),
    "threads_received": pl.Int64(),
    "threads_two_way": pl.Int64(),
    "threads_initiated_owner": pl.Int64(),
    "threads_initiated_them": pl.Int64(),
    "conversations_started_owner": pl.Int64(),
    "conversations_started_them": pl.Int64(),
    "replies_owner": pl.Int64(),
    "replies_them": pl.Int64(),
    "reply_rate_owner": pl.Float64(),
    "reply_rate_them": pl.Float64(),
    "one_to_one_messages": pl.Int64(),
    "group_messages": pl.Int64(),
    "mass_messages": pl.Int64(),
    "one_to_one_share": pl.Float64(),
    "group_share": pl.Float64(),
    "mass_share": pl.Float64(),
    "min_participants": pl.Int64(),
    "two_way_sent": pl.Int64(),
    "two_way_received": pl.Int64(),
    "two_way_weighted_sent": pl.Float64(),
    "two_way_weighted_received": pl.Float64(),
    "two_way_one_to_one": pl.Int64(),
    "first_two_way": pl.Date(),
    "last_two_way": pl.Date(),
    "last_direct": pl.Date(),  # last two-way event or one-to-one message either way: the silence starts here
    "two_way_span_days": pl.Int64(),
    "active_months": pl.Int64(),
    "two_way_months": pl.Int64(),
    "rhythm_days": pl.Float64(),
    "recommendations_received": pl.Int64(),
    "recommendations_given": pl.Int64(),
    "recommended_you_year": pl.Int32(),
    "you_recommended_year": pl.Int32(),
    "endorsements_received": pl.Int64(),
    "endorsements_given": pl.Int64(),
    "endorsed_you_year": pl.Int32(),
    "you_endorsed_year": pl.Int32(),
    "invitation": pl.String(),
    "invited_on": pl.Date(),
    "connected_on": pl.Date(),
    "employer": pl.String(),
    "employer_via": pl.String(),
    "employer_tenure_start": pl.Date(),
    "employer_tenure_end": pl.Date(),
    "worked_together": pl.Boolean(),
    "overlap_start": pl.Date(),
    "overlap_end": pl.Date(),
    "overlap_years": pl.Float64(),
    "replies_owed": pl.Int64(),
    "last_owed": pl.Date(),
    "shared_mailbox": pl.String(),  # the address when the person is only a shared mailbox (info@, team@ ...)
}


def _events_in_window(events: pl.DataFrame, index: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Events of the people in ``index`` (person_id -> integer ``pid``) up to the end of ``as_of``
    (undated events are kept), keyed by ``pid``."""
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)
    ev = events
    for col, dtype in (("n_participants", pl.Int32), ("thread_id", pl.String), ("message_id", pl.String),
                       ("in_reply_to", pl.String), ("msg_key", pl.String), ("line", pl.Int64)):
        if col not in ev.columns:
            ev = ev.with_columns(pl.lit(None, dtype=dtype).alias(col))
    ts = pl.col("timestamp")
    # pid is looked up on the person ids alone and the rows are copied once, by the filter (a filter then a
    # join of the whole selection copied its 100 MB of strings twice on the large profile)
    pid = ev.select("person_id").join(index, on="person_id", how="left", maintain_order="left").get_column("pid")
    return ev.select(
        "timestamp", "channel", "direction", "thread_id", "n_participants", "msg_key",
        "message_id", "in_reply_to", "line", pid,
    ).filter(pl.col("pid").is_not_null() & (ts.is_null() | (ts < end)))


def _conversation_measures(ev: pl.DataFrame, as_of: date, cfg: ScoringConfig) -> pl.DataFrame:
    """Message measures per person (email + LinkedIn messages), keyed by ``pid``."""
    gmax = cfg.group_max_participants
    sent = pl.col("is_sent")
    recv = ~pl.col("is_sent")
    # integer keys: ``tkey`` = 64-bit hash of (person, thread id) and ``mkey`` = (person, month); they only ever
    # group rows, nothing depends on their values
    c = ev.filter(pl.col("channel").is_in(CONVERSATION)).select(
        "pid", "timestamp", (pl.col("direction") == "sent").alias("is_sent"),
        pl.col("line").fill_null(0).alias("line"),
        pl.when(pl.col("message_id").is_not_null()).then(pl.struct("pid", "message_id").hash(7)).alias("mkey_id"),
        pl.when(pl.col("in_reply_to").is_not_null()).then(pl.struct("pid", "in_reply_to").hash(7)).alias("irt_id"),
        pl.col("n_participants").fill_null(2).cast(pl.Int64).clip(2).alias("np"),
        pl.struct(pl.col("pid"), pl.coalesce(pl.col("thread_id"), pl.lit("msg:") + pl.col("msg_key").fill_null("")))
        .hash(7).alias("tkey"),
        _month_index(pl.col("timestamp")).alias("month"),
    )
    # mail replies also by In-Reply-To: the parent (and children) of a message among that person's messages
    linked = c.filter(pl.col("mkey_id").is_not_null() | pl.col("irt_id").is_not_null())
    if linked.height and linked.get_column("irt_id").is_not_null().any():
        parents = linked.filter(pl.col("mkey_id").is_not_null()).group_by("mkey_id").agg(
            pl.col("is_sent").max().alias("parent_sent"))
        children = linked.filter(pl.col("irt_id").is_not_null()).group_by("irt_id").agg(
            pl.col("is_sent").any().alias("child_sent"), (~pl.col("is_sent")).any().alias("child_received"))
        c = c.join(parents, left_on="irt_id", right_on="mkey_id", how="left") \
            .join(children, left_on="mkey_id", right_on="irt_id", how="left")
        explicit_answered = pl.when(pl.col("is_sent")).then(pl.col("child_received")).otherwise(pl.col("child_sent"))
    else:
        c = c.with_columns(pl.lit(None, dtype=pl.Boolean).alias("parent_sent"))
        explicit_answered = pl.lit(False)
    c = c.select(
        "pid", "timestamp", "is_sent", "line", "np", "tkey", "month",
        (pl.col("parent_sent").is_not_null() & (pl.col("parent_sent") != pl.col("is_sent"))).alias("explicit_reply"),
        explicit_answered.fill_null(False).alias("explicit_answered"),
        (1.0 / (pl.col("np") - 1).cast(pl.Float64)).alias("w"),
        (pl.col("np") <= gmax).alias("small"),
        (pl.col("pid").cast(pl.Int64) * 1_000_000 + pl.col("month").fill_null(-1)).alias("mkey"),
        pl.col("timestamp").cast(pl.Int64).fill_null(pl.Int64.max()).alias("_ts_sort"),
    )
    # order each (person, thread) by time (undated last); "previous message" = the row above in the same thread
    c = c.sort(["tkey", "_ts_sort", "line", "is_sent"])
    same = (pl.col("tkey") == pl.col("tkey").shift(1)).fill_null(False)
    c = c.with_columns(
        pl.when(same).then(pl.col("is_sent").shift(1)).alias("prev_sent"),
        pl.when(same).then(pl.col("timestamp").shift(1)).alias("prev_ts"),
    )
    gap = timedelta(days=cfg.session_gap_days)
    window = timedelta(days=cfg.reply_window_days)
    elapsed = pl.col("timestamp") - pl.col("prev_ts")
    one = (pl.col("np") == 2)
    c = c.with_columns(
        # a reply: follows a message of the other side in the thread within the reply window (or undated)
        (pl.col("prev_sent").is_not_null() & (pl.col("prev_sent") != pl.col("is_sent"))
         & (elapsed.is_null() | (elapsed <= window))).alias("thread_reply"),
        pl.col("prev_sent").is_null().alias("thread_start"),
        (pl.col("prev_sent").is_null() | (elapsed.is_not_null() & (elapsed > gap))).alias("conv_start"),
        # runs of consecutive messages from the same side (ids are global, increasing within a thread)
        (pl.col("prev_sent").is_null() | (pl.col("prev_sent") != pl.col("is_sent"))).cast(pl.UInt32).cum_sum()
        .alias("run"),
        # fallback for mail whose threading is lost: one-to-one messages both ways in the same calendar month
        ((one & sent).any().over("mkey") & (one & recv).any().over("mkey") & one & pl.col("month").is_not_null())
        .alias("month_exchange"),
    )
    next_same = (pl.col("tkey") == pl.col("tkey").shift(-1)).fill_null(False)
    c = c.with_columns(
        (pl.col("prev_sent").is_not_null() & (pl.col("prev_sent") != pl.col("is_sent"))).alias("switch"),
        # who started the thread, on every row (rows are grouped by thread, each group opens with its start)
        pl.when(pl.col("thread_start")).then(pl.col("is_sent")).forward_fill().alias("owner_started"),
        (~next_same).alias("thread_last"),
        (pl.col("thread_reply") | pl.col("explicit_reply")).alias("is_reply"),
        # answered: the next message of the thread is the other side's reply (or an In-Reply-To child is)
        ((next_same & pl.col("thread_reply").shift(-1).fill_null(False)) | pl.col("explicit_answered"))
        .alias("answered"),
    ).with_columns(
        # two-way events: one-to-one or group messages that are part of an exchange
        (pl.col("small") & (pl.col("is_reply") | pl.col("answered") | pl.col("month_exchange"))).alias("two_way"),
    )
    tw = pl.col("two_way")
    dated = pl.col("timestamp").is_not_null()
    small_month = pl.col("month").filter(pl.col("small") & pl.col("month").is_not_null())
    per = c.group_by("pid").agg(
        sent.sum().cast(pl.Int64).alias("messages_sent"),
        recv.sum().cast(pl.Int64).alias("messages_received"),
        (~dated).sum().cast(pl.Int64).alias("undated_messages"),
        pl.col("timestamp").min().alias("_first_message"),
        pl.col("timestamp").max().alias("_last_message"),
        pl.col("w").filter(sent).sum().alias("weighted_sent"),
        pl.col("w").filter(recv).sum().alias("weighted_received"),
        (pl.col("thread_start") & sent).sum().cast(pl.Int64).alias("threads_initiated_owner"),
        (pl.col("thread_start") & recv).sum().cast(pl.Int64).alias("threads_initiated_them"),
        (pl.col("conv_start") & sent & pl.col("small")).sum().cast(pl.Int64).alias("conversations_started_owner"),
        (pl.col("conv_start") & recv & pl.col("small")).sum().cast(pl.Int64).alias("conversations_started_them"),
        (pl.col("is_reply") & sent).sum().cast(pl.Int64).alias("replies_owner"),
        (pl.col("is_reply") & recv).sum().cast(pl.Int64).alias("replies_them"),
        (pl.col("np") == 2).sum().cast(pl.Int64).alias("one_to_one_messages"),
        ((pl.col("np") > 2) & pl.col("small")).sum().cast(pl.Int64).alias("group_messages"),
        (~pl.col("small")).sum().cast(pl.Int64).alias("mass_messages"),
        pl.col("np").min().cast(pl.Int64).alias("min_participants"),
        (tw & sent).sum().cast(pl.Int64).alias("two_way_sent"),
        (tw & recv).sum().cast(pl.Int64).alias("two_way_received"),
        pl.col("w").filter(tw & sent).sum().alias("two_way_weighted_sent"),
        pl.col("w").filter(tw & recv).sum().alias("two_way_weighted_received"),
        (tw & (pl.col("np") == 2)).sum().cast(pl.Int64).alias("two_way_one_to_one"),
        pl.col("timestamp").filter(tw).min().alias("_first_two_way"),
        pl.col("timestamp").filter(tw).max().alias("_last_two_way"),
        pl.col("timestamp").filter(tw | (pl.col("np") == 2)).max().alias("_last_direct"),
        small_month.unique().sort().diff().median().alias("_median_month_gap"),
        small_month.n_unique().cast(pl.Int64).alias("active_months"),
        pl.col("month").filter(tw & pl.col("month").is_not_null()).n_unique().cast(pl.Int64)
        .alias("two_way_months"),
        # threads: how many, written in by each side, with both sides, answered
        pl.col("thread_start").sum().cast(pl.Int64).alias("threads"),
        pl.col("tkey").filter(sent).n_unique().cast(pl.Int64).alias("threads_sent"),
        pl.col("tkey").filter(recv).n_unique().cast(pl.Int64).alias("threads_received"),
        pl.col("tkey").filter(pl.col("switch")).n_unique().cast(pl.Int64).alias("threads_two_way"),
        pl.col("tkey").filter(pl.col("switch") & ~pl.col("owner_started")).n_unique().alias("_answered_by_owner"),
        pl.col("tkey").filter(pl.col("switch") & pl.col("owner_started")).n_unique().alias("_answered_by_them"),
    )
    # replies owed: a one-to-one thread they opened (or re-opened after session_gap_days) recently, whose last
    # message is theirs: the owner never answered
    owed_from = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) - timedelta(days=cfg.replies_owed_days)
    candidates = c.filter(pl.col("thread_last") & recv & pl.col("timestamp").is_not_null()
                          & (pl.col("timestamp") >= owed_from)).select("tkey")
    owed = (
        c.join(candidates, on="tkey", how="semi")
        .group_by("tkey").agg(
            pl.col("pid").first(),
            pl.col("timestamp").max().alias("last_ts"),
            pl.col("np").max().alias("max_np"),
            pl.col("conv_start").filter(pl.col("run") == pl.col("run").max()).any().alias("last_run_opens"),
        )
        .filter((pl.col("max_np") == 2) & pl.col("last_run_opens"))
        .group_by("pid").agg(
            pl.len().cast(pl.Int64).alias("replies_owed"), pl.col("last_ts").max().alias("_last_owed"))
    )
    per = per.join(owed, on="pid", how="left").with_columns(
        pl.col("threads_initiated_them").alias("_init_them"), pl.col("threads_initiated_owner").alias("_init_owner"))
    total = (pl.col("messages_sent") + pl.col("messages_received")).cast(pl.Float64)
    return per.with_columns(
        pl.col("_first_message").dt.date().alias("first_message"),
        pl.col("_last_message").dt.date().alias("last_message"),
        pl.col("_first_two_way").dt.date().alias("first_two_way"),
        pl.col("_last_two_way").dt.date().alias("last_two_way"),
        pl.col("_last_direct").dt.date().alias("last_direct"),
        (pl.col("_last_two_way") - pl.col("_first_two_way")).dt.total_days().cast(pl.Int64).alias("two_way_span_days"),
        pl.when(pl.col("_init_them") > 0).then(pl.col("_answered_by_owner") / pl.col("_init_them"))
        .alias("reply_rate_owner"),
        pl.when(pl.col("_init_owner") > 0).then(pl.col("_answered_by_them") / pl.col("_init_owner"))
        .alias("reply_rate_them"),
        (pl.col("one_to_one_messages") / total).alias("one_to_one_share"),
        (pl.col("group_messages") / total).alias("group_share"),
        (pl.col("mass_messages") / total).alias("mass_share"),
        # the tie's rhythm: median gap between its active months (one active month: the default rhythm)
        pl.when(pl.col("_median_month_gap").is_not_null())
        .then((pl.col("_median_month_gap") * 30.4375).clip(cfg.min_rhythm_days, cfg.max_rhythm_days))
        .otherwise(float(cfg.default_rhythm_days)).alias("rhythm_days"),
        pl.col("_last_owed").dt.date().alias("last_owed"),
    )


def _other_channel_measures(ev: pl.DataFrame) -> pl.DataFrame:
    """Recommendations, endorsements, invitations and first/last contact over every channel."""
    ch = pl.col("channel")
    sent = pl.col("direction") == "sent"
    recv = pl.col("direction") == "received"
    year = pl.col("timestamp").dt.year().cast(pl.Int32)
    rec, end, inv = ch == "linkedin_recommendation", ch == "linkedin_endorsement", ch == "linkedin_invitation"
    return ev.group_by("pid").agg(
        pl.col("timestamp").min().dt.date().alias("first_contact"),
        pl.col("timestamp").max().dt.date().alias("last_contact"),
        (rec & recv).sum().cast(pl.Int64).alias("recommendations_received"),
        (rec & sent).sum().cast(pl.Int64).alias("recommendations_given"),
        year.filter(rec & recv).min().alias("recommended_you_year"),
        year.filter(rec & sent).min().alias("you_recommended_year"),
        (end & recv).sum().cast(pl.Int64).alias("endorsements_received"),
        (end & sent).sum().cast(pl.Int64).alias("endorsements_given"),
        year.filter(end & recv).min().alias("endorsed_you_year"),
        year.filter(end & sent).min().alias("you_endorsed_year"),
        pl.col("direction").filter(inv).sort_by(pl.col("timestamp").filter(inv), nulls_last=True).first()
        .alias("invitation"),
        pl.col("timestamp").filter(inv).min().dt.date().alias("invited_on"),
    )


def _employer_overlap(people: pl.DataFrame, ev: pl.DataFrame, positions: pl.DataFrame,
                      cfg: ScoringConfig) -> pl.DataFrame:
    """The best employer match per person between the owner's positions and the person's company or work
    email domains, with the contact seen during the owner's tenure there."""
    schema = {"pid": pl.UInt32, "employer": pl.String, "employer_via": pl.String,
              "employer_tenure_start": pl.Date, "employer_tenure_end": pl.Date, "worked_together": pl.Boolean,
              "overlap_start": pl.Date, "overlap_end": pl.Date, "overlap_years": pl.Float64,
              "employer_factor": pl.Float64}
    if positions.height == 0 or people.height == 0:
        return pl.DataFrame(schema=schema)
    comp = people.select("pid", company_norm(pl.col("company")).alias("norm")).filter(
        pl.col("norm").is_not_null()
    ).with_columns(pl.col("norm").str.extract(r"^(\S+)", 1).alias("first"))
    by_company = comp.join(positions, left_on="first", right_on="pos_first", how="inner").filter(
        (pl.col("norm") == pl.col("pos_norm"))
        | pl.col("norm").str.starts_with(pl.col("pos_norm") + " ")
        | pl.col("pos_norm").str.starts_with(pl.col("norm") + " ")
    ).select("pid", "pos_id", pl.lit("company").alias("via"))
    labels = people.select("pid", pl.col("emails")).explode("emails").with_columns(
        domain_label(pl.col("emails")).alias("label")
    ).filter(pl.col("label").is_not_null()).select("pid", "label").unique()
    by_mail = pl.concat([
        labels.join(positions, left_on="label", right_on="pos_compact", how="inner"),
        labels.join(positions.filter(pl.col("pos_first").str.len_chars() >= 4), left_on="label",
                    right_on="pos_first", how="inner"),
    ], how="diagonal_relaxed").select("pid", "pos_id", pl.lit("email").alias("via"))
    m = pl.concat([by_company, by_mail]).group_by(["pid", "pos_id"]).agg(
        pl.col("via").unique().sort().str.join("+").alias("via")
    ).join(positions, on="pos_id")
    # contact during the tenure
    dated = ev.filter(pl.col("timestamp").is_not_null()).select(
        "pid", pl.col("timestamp").dt.date().alias("d")
    ).join(m.select("pid").unique(), on="pid", how="semi")
    inside = m.join(dated, on="pid", how="inner").filter(
        (pl.col("tenure_start").is_null() | (pl.col("d") >= pl.col("tenure_start")))
        & (pl.col("d") <= pl.col("tenure_end"))
    ).group_by(["pid", "pos_id"]).agg(
        pl.col("d").min().alias("overlap_start"), pl.col("d").max().alias("overlap_end")
    )
    m = m.join(inside, on=["pid", "pos_id"], how="left").with_columns(
        pl.col("overlap_start").is_not_null().alias("worked_together"),
        ((pl.col("overlap_end") - pl.col("overlap_start")).dt.total_days() / 365.25).alias("overlap_years"),
    )
    via_mail = pl.col("via").str.contains("email")
    factor = (
        pl.when(pl.col("worked_together"))
        .then(pl.when(via_mail).then(1.0).otherwise(cfg.employer_company_contact)
              * (0.5 + 0.5 * saturate(pl.col("overlap_years"), cfg.overlap_half_years)))
        .otherwise(cfg.employer_match_only)
    )
    return (
        m.with_columns(factor.alias("employer_factor"))
        .sort(["pid", "employer_factor", "overlap_years", "pos_id"], descending=[False, True, True, False],
              nulls_last=True)
        .group_by("pid", maintain_order=True).first()
        .select("pid", "employer", pl.col("via").alias("employer_via"),
                pl.col("tenure_start").alias("employer_tenure_start"),
                pl.col("tenure_end").alias("employer_tenure_end"), "worked_together", "overlap_start",
                "overlap_end", "overlap_years", "employer_factor")
    )


def compute_measures(people: pl.DataFrame, events: pl.DataFrame, owner_positions: list[dict[str, Any]],
                     as_of: date, cfg: ScoringConfig) -> pl.DataFrame:
    """One row per non-owner person of ``people`` with every measure of :data:`MEASURE_COLUMNS` (plus
    ``employer_factor``), from ``events`` (EVENTS + ``person_id``) up to ``as_of``."""
    ppl = people.filter(pl.col("kind") != "owner").select(
        "person_id", "kind", "company", "emails", pl.when(_shared_mailbox()).then(pl.col("emails").list.first()).alias("shared_mailbox"),
        pl.when(pl.col("connected_on") <= as_of).then(pl.col("connected_on")).alias("connected_on"),
    ).sort("person_id").with_row_index("pid")
    ev = _events_in_window(events, ppl.select("person_id", "pid"), as_of)
    conv = _conversation_measures(ev, as_of, cfg)
    other = _other_channel_measures(ev)
    emp = _employer_overlap(ppl, ev, positions_frame(owner_positions, as_of), cfg)
    m = ppl.join(other, on="pid", how="left").join(conv, on="pid", how="left").join(emp, on="pid", how="left")
    ints = [k for k, t in MEASURE_COLUMNS.items() if t == pl.Int64() and k not in ("days_since_contact",
            "min_participants", "two_way_span_days", "replies_owed")]
    m = m.with_columns(
        *[pl.col(k).fill_null(0) for k in ints],
        pl.col("weighted_sent", "weighted_received", "two_way_weighted_sent", "two_way_weighted_received",
               "employer_factor").fill_null(0.0),
        pl.col("worked_together").fill_null(False),
        pl.col("rhythm_days").fill_null(float(cfg.default_rhythm_days)),
        (pl.lit(as_of) - pl.col("last_contact")).dt.total_days().cast(pl.Int64).alias("days_since_contact"),
        # automated senders owe no replies
        pl.when(pl.col("kind") == "person").then(pl.col("replies_owed").fill_null(0)).otherwise(0)
        .cast(pl.Int64).alias("replies_owed"),
    )
    cols = [*MEASURE_COLUMNS, "employer_factor"]
    return m.select([pl.col(k).cast(MEASURE_COLUMNS[k]) if k in MEASURE_COLUMNS else pl.col(k) for k in cols]) \
        .sort("person_id")
