"""Stage 4 — scoring: per-person measures, strength, warmth, reciprocity, reconnect priority and a reason.

The model (docs/scoring.md has the full formula, every default and the research behind each term):

* ``strength`` in [0, 1] — the relationship at its best, never decaying: a weighted mean of six saturating
  terms (two-way duration, active two-way months, intimacy-weighted two-way volume, one-to-one share,
  reciprocal services, employer overlap).
* ``warmth`` = strength x decay(silence / the tie's own rhythm), decay(x) = 1 / (1 + (x / 3)^2): a tie
  silent for its usual gap keeps 90 %, for 8x its usual gap 12 % (Navarro et al. 2017: > 8x -> decayed).
* ``reciprocity`` in [0, 1] = Wilson lower bound of min/max(sent, received) (intimacy-weighted) x an
  initiation-balance term; one-way ties are 0.
* ``score`` — reconnect priority. Ties with a real two-way history get
  ``two_way_base + (1 - two_way_base) x strength x reciprocity^0.5 x dormancy``, where dormancy is high for
  ties cold relative to their rhythm and silent for months to years (a warm tie keeps ``warm_floor`` of it);
  everyone else (one-way, mass mail only, connection only, shared mailboxes) gets at most
  ``connection_floor``, below every two-way tie.

Everything is polars expressions over whole frames; the measures are in :mod:`analyzer.measures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from analyzer import schemas
from analyzer.measures import (
    compute_measures,
    saturate,
    wilson_lower,
)
from analyzer.scoring_config import ScoringConfig


@dataclass
class Scored:
    """The output of scoring."""

    ranked: pl.DataFrame  # schemas.RANKED: every person of kind "person", best first
    measures: pl.DataFrame  # one row per (non-owner) person: every measure, term and score


# ---- the scores ---------------------------------------------------------------------------------------

def _scores(m: pl.DataFrame, as_of: date, cfg: ScoringConfig) -> pl.DataFrame:
    """Add the strength terms, strength, reciprocity, warmth, dormancy, tier and score to the measures."""
    ws, wr = pl.col("two_way_weighted_sent"), pl.col("two_way_weighted_received")
    aws, awr = pl.col("weighted_sent"), pl.col("weighted_received")
    io, it = pl.col("conversations_started_owner"), pl.col("conversations_started_them")
    two_way = (pl.col("two_way_sent") >= cfg.min_messages_each_way) & (
        pl.col("two_way_received") >= cfg.min_messages_each_way)
    services = (cfg.recommendation_points * (pl.col("recommendations_received") + pl.col("recommendations_given"))
                + cfg.endorsement_points * (pl.col("endorsements_received") + pl.col("endorsements_given")))
    m = m.with_columns(
        two_way.alias("two_way"),
        saturate(pl.col("two_way_span_days") / 365.25, cfg.duration_half_years).alias("f_duration"),
        saturate(pl.col("two_way_months"), cfg.active_months_half).alias("f_active_months"),
        saturate(2.0 * (ws * wr).sqrt(), cfg.volume_half).alias("f_volume"),
        wilson_lower(pl.col("two_way_one_to_one"), pl.col("two_way_sent") + pl.col("two_way_received"),
                     cfg.wilson_z).alias("f_one_to_one"),
        services.cast(pl.Float64).clip(0.0, 1.0).alias("f_services"),
        pl.col("employer_factor").clip(0.0, 1.0).alias("f_employer"),
        # reciprocity: Wilson lower bound of the weighted balance x initiation balance
        (
            wilson_lower(pl.min_horizontal(aws, awr), pl.max_horizontal(aws, awr), cfg.wilson_z)
            * (1 - cfg.initiation_weight + cfg.initiation_weight
               * (pl.min_horizontal(io, it) + 1).cast(pl.Float64) / (pl.max_horizontal(io, it) + 1))
        ).alias("reciprocity"),
    )
    total = cfg.strength_weight_total()
    strength = (cfg.weight_duration * pl.col("f_duration") + cfg.weight_active_months * pl.col("f_active_months")
                + cfg.weight_volume * pl.col("f_volume") + cfg.weight_one_to_one * pl.col("f_one_to_one")
                + cfg.weight_services * pl.col("f_services") + cfg.weight_employer * pl.col("f_employer")) / total
    m = m.with_columns(strength.clip(0.0, 1.0).alias("strength"))
    # silence since the last two-way contact, relative to the tie's rhythm
    silence = (pl.lit(as_of) - pl.coalesce(pl.col("last_direct"), pl.col("last_message"), pl.col("last_contact"))
               ).dt.total_days().cast(pl.Float64).clip(0.0)
    m = m.with_columns(silence.alias("silence_days")).with_columns(
        (pl.col("silence_days") / pl.col("rhythm_days")).alias("silence_ratio"),
    ).with_columns(
        pl.when(pl.col("silence_ratio").is_null()).then(pl.lit(None, dtype=pl.Float64))
        .otherwise(1.0 / (1.0 + (pl.col("silence_ratio") / cfg.decay_half_ratio).pow(cfg.decay_steepness)))
        .alias("decay"),
    )
    years = pl.col("silence_days") / 365.25
    ramp = 1.0 / (1.0 + ((cfg.dormant_after_days - pl.col("silence_days")) / cfg.dormant_ramp_days).exp())
    tail = (-(years - cfg.long_dormant_years).clip(0.0) / cfg.long_dormant_tau_years).exp()
    dormancy = pl.when(pl.col("decay").is_null()).then(cfg.unknown_recency_dormancy) \
        .otherwise((1.0 - pl.col("decay")) * ramp * tail)
    dormancy = cfg.warm_floor + (1.0 - cfg.warm_floor) * dormancy
    s = pl.col("strength")
    novelty = 1.0 - cfg.novelty_weight + cfg.novelty_weight * 4.0 * s * (1.0 - s)
    history = s * pl.col("reciprocity").pow(cfg.reciprocity_exponent) * pl.col("dormancy") * novelty
    one_way = ((pl.col("messages_sent") == 0) != (pl.col("messages_received") == 0))
    connected = pl.col("connected_on").is_not_null() | pl.col("invitation").is_not_null()
    low = cfg.connection_floor * (0.5 * connected.cast(pl.Float64) + 0.5 * s) \
        * pl.when(one_way).then(cfg.one_way_factor).otherwise(1.0)
    mass_only = (pl.col("messages_sent") + pl.col("messages_received") > 0) & (
        pl.col("mass_messages") == pl.col("messages_sent") + pl.col("messages_received"))
    shared = pl.col("shared_mailbox").is_not_null()
    tier = (
        pl.when(shared).then(pl.lit("shared_mailbox"))
        .when(pl.col("two_way")).then(pl.lit("two_way"))
        .when(mass_only).then(pl.lit("mass_only"))
        .when(pl.col("messages_sent") == 0).then(
            pl.when(pl.col("messages_received") > 0).then(pl.lit("one_way_them")).otherwise(pl.lit("no_messages")))
        .when(pl.col("messages_received") == 0).then(pl.lit("one_way_owner"))
        .otherwise(pl.lit("no_exchange"))
    )
    m = m.with_columns(
        # no dated message: warmth unknown for undated-only exchanges (half), else none
        (pl.col("strength") * pl.col("decay").fill_null(
            pl.when(pl.col("undated_messages") > 0).then(cfg.unknown_recency_dormancy).otherwise(0.0)))
        .alias("warmth"),
        dormancy.alias("dormancy"),
        tier.alias("tier"),
    ).with_columns(
        pl.when(pl.col("two_way") & ~shared).then(cfg.two_way_base + (1 - cfg.two_way_base) * history)
        .otherwise(low).alias("score"),
    )
    r4 = [pl.col(c).round(4) for c in ("strength", "warmth", "reciprocity", "score")]
    return m.with_columns(r4)


# ---- reasons ------------------------------------------------------------------------------------------

def _plural(n: pl.Expr, word: str, words: str | None = None) -> pl.Expr:
    """"1 message" / "3 messages"."""
    return pl.format("{} {}", n, pl.when(n == 1).then(pl.lit(word)).otherwise(pl.lit(words or word + "s")))


def ago_expr(d: pl.Expr, as_of: date) -> pl.Expr:
    """"2 years 3 months ago" / "5 months ago" / "12 days ago" / "today" for a date column."""
    months = (as_of.year * 12 + as_of.month) - (d.dt.year().cast(pl.Int64) * 12 + d.dt.month().cast(pl.Int64)) \
        - pl.when(d.dt.day() > as_of.day).then(1).otherwise(0)
    days = (pl.lit(as_of) - d).dt.total_days()
    y, mo = months // 12, months % 12
    return (
        pl.when(d.is_null()).then(pl.lit(None, dtype=pl.String))
        .when(months >= 12).then(
            pl.when(mo > 0).then(pl.format("{} {} ago", _plural(y, "year"), _plural(mo, "month")))
            .otherwise(pl.format("{} ago", _plural(y, "year"))))
        .when(months >= 1).then(pl.format("{} ago", _plural(months, "month")))
        .when(days >= 1).then(pl.format("{} ago", _plural(days, "day")))
        .otherwise(pl.lit("today"))
    )


def year_span(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """"2017–2020" or "2019" from two year expressions."""
    return pl.when(a == b).then(a.cast(pl.String)).otherwise(pl.format("{}–{}", a, b))


def _in_year(prefix: str, year: pl.Expr) -> pl.Expr:
    return pl.when(year.is_not_null()).then(pl.format(prefix + " in {}", year)).otherwise(pl.lit(prefix))


def _reasons(m: pl.DataFrame, as_of: date, cfg: ScoringConfig) -> pl.DataFrame:
    """One sentence per person from the measures (facts only; never message content)."""
    s, r = pl.col("messages_sent"), pl.col("messages_received")
    n = s + r
    tier = pl.col("tier")
    ts, te = pl.col("employer_tenure_start"), pl.col("employer_tenure_end")
    current = te >= pl.lit(as_of)
    tenure = (
        pl.when(ts.is_null()).then(pl.when(current).then(pl.lit("work there now")).otherwise(pl.lit("worked there")))
        .when(current).then(pl.format("have worked there since {}", ts.dt.year()))
        .otherwise(pl.format("worked there {}", year_span(ts.dt.year(), te.dt.year())))
    )
    employer = (
        pl.when(pl.col("worked_together")).then(pl.format(
            "worked together at {} {}", pl.col("employer"),
            year_span(pl.col("overlap_start").dt.year(), pl.col("overlap_end").dt.year())))
        .when(pl.col("employer").is_not_null() & pl.col("employer_via").str.contains("company")).then(
            pl.format("at {} (you {})", pl.col("employer"), tenure))
        .when(pl.col("employer").is_not_null()).then(
            pl.format("email address at {} (you {})", pl.col("employer"), tenure))
    )
    fy, ly = pl.col("first_two_way").dt.year(), pl.col("last_two_way").dt.year()
    volume = (
        pl.when(tier != "two_way").then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.format(
            "{} both ways{}{}", _plural(n, "message"),
            pl.when(pl.col("one_to_one_messages") == 0).then(pl.lit(" in group threads")).otherwise(pl.lit("")),
            pl.when(fy.is_not_null()).then(pl.format(", {}", year_span(fy, ly))).otherwise(pl.lit("")),
        ))
    )
    lopsided = pl.when((tier == "two_way") & (pl.min_horizontal(s, r) * 5 < pl.max_horizontal(s, r))).then(
        pl.format("mostly one-sided ({} from you, {} from them)", s, r))
    recent = pl.col("silence_days") < cfg.dormant_after_days
    last = pl.when(pl.col("last_contact").is_not_null() & (tier != "no_messages")).then(
        pl.format("last contact {}", ago_expr(pl.col("last_contact"), as_of)))
    last_two_way = pl.when((tier == "two_way") & pl.col("last_two_way").is_not_null() & (
        pl.col("last_two_way").dt.strftime("%Y-%m") != pl.col("last_contact").dt.strftime("%Y-%m"))).then(
        pl.format("last exchange both ways {}", ago_expr(pl.col("last_two_way"), as_of)))
    rhythm_months = (pl.col("rhythm_days") / 30.4375).round(0).cast(pl.Int64)
    on_rhythm = pl.when((tier == "two_way") & ~recent & pl.col("silence_ratio").is_not_null()
                        & (pl.col("silence_ratio") <= 2.0) & (pl.col("active_months") >= 3)).then(
        pl.format("usually in touch about every {}", _plural(rhythm_months, "month")))
    # (recent contact that is only your unanswered message, after years without an exchange, is not "in touch")
    exchanged_lately = (pl.lit(as_of) - pl.col("last_two_way")).dt.total_days() < cfg.dormant_after_days
    in_touch = pl.when((tier == "two_way") & recent & exchanged_lately.fill_null(False)).then(
        pl.lit("In touch recently"))
    services = [
        pl.when(pl.col("recommendations_received") > 0).then(_in_year("recommended you", pl.col("recommended_you_year"))),
        pl.when(pl.col("recommendations_given") > 0).then(_in_year("you recommended them", pl.col("you_recommended_year"))),
        pl.when(pl.col("endorsements_received") > 0).then(pl.format(
            "{}{}", _in_year("endorsed you", pl.col("endorsed_you_year")),
            pl.when(pl.col("endorsements_received") > 1).then(
                pl.format(" ({})", _plural(pl.col("endorsements_received"), "skill"))).otherwise(pl.lit("")))),
        pl.when(pl.col("endorsements_given") > 0).then(_in_year("you endorsed them", pl.col("you_endorsed_year"))),
    ]
    owed = pl.when(pl.col("replies_owed") > 0).then(pl.format(
        "you owe a reply ({} from them, the last {})",
        pl.when(pl.col("replies_owed") == 1).then(pl.lit("1 unanswered thread"))
        .otherwise(pl.format("{} unanswered threads", pl.col("replies_owed"))),
        ago_expr(pl.col("last_owed"), as_of)))
    conn_year = pl.col("connected_on").dt.year()
    inv_year = pl.col("invited_on").dt.year()
    linked = (
        pl.when(conn_year.is_not_null()).then(pl.format("Connected on LinkedIn in {}", conn_year))
        .when(pl.col("invitation") == "sent").then(_in_year("You invited them on LinkedIn", inv_year))
        .when(pl.col("invitation") == "received").then(_in_year("They invited you on LinkedIn", inv_year))
    )
    low = (
        pl.when(tier == "shared_mailbox").then(pl.format(
            "Shared mailbox ({}), not a person", pl.col("shared_mailbox")))
        .when(tier == "mass_only").then(pl.format(
            "Only in group mail with {}+ people ({})", pl.col("min_participants"), _plural(n, "message")))
        .when(tier == "one_way_them").then(pl.format("Only one-way: {} from them, never answered",
                                                     _plural(r, "message")))
        .when(tier == "one_way_owner").then(pl.format("Only one-way: you sent {}, never answered",
                                                      _plural(s, "message")))
        .when(tier == "no_exchange").then(pl.format(
            "No real exchange: {} from you and {} from them, no reply between you in a one-to-one or small thread",
            _plural(s, "message"), r))
        .when(tier == "no_messages").then(
            pl.when(linked.is_not_null()).then(pl.format("{}; no messages", linked))
            .otherwise(pl.lit("No messages on record")))
    )
    parts = [in_touch, low, employer, volume, lopsided, last, last_two_way, on_rhythm, *services, owed]
    sentence = pl.concat_str([p.cast(pl.String) for p in parts], separator="; ", ignore_nulls=True)
    return m.with_columns(sentence.alias("reason")).with_columns(
        pl.when(pl.col("reason").str.len_chars() == 0).then(pl.lit("No messages on record."))
        .otherwise(pl.col("reason").str.slice(0, 1).str.to_uppercase() + pl.col("reason").str.slice(1) + pl.lit("."))
        .alias("reason")
    )


# ---- entry points ---------------------------------------------------------------------------------------

def score(
    people: pl.DataFrame,
    events: pl.DataFrame,
    owner_positions: list[dict[str, Any]],
    as_of: date,
    config: dict[str, Any] | ScoringConfig | None = None,
) -> Scored:
    """Score every person of kind ``person`` from their ``events`` (EVENTS + ``person_id``) up to ``as_of``.

    ``owner_positions`` are the owner's jobs (``company, title, started_on, finished_on``); ``config`` is the
    raw ``[scoring]`` section (see :class:`ScoringConfig`). Returns the RANKED list (best first, ties broken
    by person_id) and one row of measures per non-owner person. Raises :class:`InputError` for a bad config.
    """
    cfg = ScoringConfig.from_mapping(config)
    m = compute_measures(people, events, owner_positions, as_of, cfg)
    m = _reasons(_scores(m, as_of, cfg), as_of, cfg)
    info = people.filter(pl.col("kind") == "person").select(
        "person_id", "name", "company", "position", "emails", "linkedin_urls")
    ranked = (
        info.join(m.drop("kind", "company", "emails", strict=False), on="person_id", how="left")
        .sort(["score", "person_id"], descending=[True, False], nulls_last=True)
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    ranked = schemas.conform(ranked, schemas.RANKED).select(list(schemas.RANKED))
    return Scored(ranked=schemas.check(ranked, schemas.RANKED, "score.ranked"), measures=m)
