"""Charts of activity over time: (3) dormancy by strength tier, (4) reciprocity, (5) network growth,
(6) interactions per period by channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:

    pass

from analyzer.report.charts.base import (
    ACCENT,
    CHANNELS,
    DORMANCY_BINS,
    LIGHT,
    PALETTE,
    TIER_COLOURS,
    TIERS,
    Plotted,
    _axes_style,
    _has,
    _integer_ticks,
    _month,
    _month_range,
    _no_data,
    _persons,
    bars,
    fit_single,
    new_figure,
    style,
    tick_labels,
    y_room,
)

# ---------------------------------------------------------------------------------------------------------
# (3) Days since the last two-way contact, by strength tier
# ---------------------------------------------------------------------------------------------------------


def _cutoff(as_of: date) -> datetime:
    return datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)


def two_way_contact(events: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """person_id, last_sent, last_received, last_two_way (dates) from EVENTS + person_id.

    The last two-way contact is the earlier of the last message each side sent: up to that day the
    relationship went both ways. Null when one side never wrote."""
    schema = {"person_id": pl.String, "last_sent": pl.Date, "last_received": pl.Date, "last_two_way": pl.Date}
    if not _has(events, "person_id", "timestamp", "direction"):
        return pl.DataFrame(schema=schema)
    ev = events.select("person_id", "timestamp", "direction").filter(  # the columns read: the filter copies them
        pl.col("person_id").is_not_null() & pl.col("timestamp").is_not_null() & (pl.col("timestamp") < _cutoff(as_of)))
    return ev.group_by("person_id").agg(
        pl.col("timestamp").filter(pl.col("direction") == "sent").max().dt.date().alias("last_sent"),
        pl.col("timestamp").filter(pl.col("direction") == "received").max().dt.date().alias("last_received"),
    ).with_columns(pl.min_horizontal("last_sent", "last_received").alias("last_two_way")).with_columns(
        pl.when(pl.col("last_sent").is_null() | pl.col("last_received").is_null()).then(None)
        .otherwise(pl.col("last_two_way")).alias("last_two_way")
    ).sort("person_id")


def strength_tiers(ranked: pl.DataFrame, ids: Sequence[str] | None = None) -> pl.DataFrame:
    """person_id, tier: strength terciles ("strongest third", ...) among ``ids`` (default: everyone).

    Ties are broken by person_id so the split is deterministic."""
    if not _has(ranked, "person_id"):
        return pl.DataFrame(schema={"person_id": pl.String, "tier": pl.String})
    df = ranked if ids is None else ranked.filter(pl.col("person_id").is_in(list(ids)))
    if "strength" not in df.columns:
        return df.select("person_id", pl.lit("everyone").alias("tier"))
    df = df.sort(["strength", "person_id"], descending=[True, False], nulls_last=True)
    n = max(df.height, 1)
    third = (pl.int_range(pl.len(), dtype=pl.Int64) * 3 // n).clip(upper_bound=2)
    return df.select("person_id", pl.lit(pl.Series(TIERS, dtype=pl.String)).gather(third).alias("tier"))


def dormancy_data(ranked: pl.DataFrame, events: pl.DataFrame, as_of: date) -> tuple[pl.DataFrame, int]:
    """Counts per (bin, tier) of days since the last two-way contact, zero-filled, bins in order; and the
    number of ranked people who never had a two-way exchange."""
    ids = ranked["person_id"].to_list() if _has(ranked, "person_id") else []
    tw = two_way_contact(events, as_of).filter(pl.col("person_id").is_in(ids))
    have = tw.filter(pl.col("last_two_way").is_not_null())
    never = len(ids) - have.height
    tiers = strength_tiers(ranked, have["person_id"].to_list())
    tier_names = list(dict.fromkeys(tiers["tier"].to_list())) if tiers.height else []
    tier_order = [t for t in (*TIERS, "everyone") if t in tier_names]
    df = have.join(tiers, on="person_id", how="left").with_columns(
        (pl.lit(as_of) - pl.col("last_two_way")).dt.total_days().cast(pl.Int64).alias("days")
    )
    labels = [lab for lab, _ in DORMANCY_BINS]
    days = pl.col("days").clip(lower_bound=0)
    in_bin = pl.sum_horizontal(*(days >= lo for _, lo in DORMANCY_BINS)) - 1  # the last bin whose bound is reached
    counts = {(labels[i], tier): n for i, tier, n in
              df.group_by(in_bin.alias("_bin"), "tier").len().iter_rows()}
    rows = [{"bin": lab, "bin_from_days": lo, "tier": t, "count": counts.get((lab, t), 0)}
            for lab, lo in DORMANCY_BINS for t in tier_order]
    out = pl.DataFrame(rows, schema={"bin": pl.String, "bin_from_days": pl.Int64, "tier": pl.String,
                                     "count": pl.Int64})
    return out, never


def plot_dormancy(ranked: pl.DataFrame, events: pl.DataFrame, as_of: date) -> Plotted:
    """Stacked histogram of time since the last two-way exchange, by strength tier."""
    data, never = dormancy_data(ranked, events, as_of)
    return draw_dormancy(data, never, as_of)


def draw_dormancy(data: pl.DataFrame, never: int, as_of: date) -> Plotted:
    """:func:`plot_dormancy` of its :func:`dormancy_data` (small: it can be drawn in another process)."""
    total = int(data["count"].sum()) if data.height else 0
    title = "Time since the last two-way exchange"
    caption = (f"When each relationship last went both ways (the earlier of the last message you sent them and the "
               f"last they sent you), as of {as_of.isoformat()}: {total} people, stacked by strength tier; "
               f"{never} more never had a two-way exchange.")
    with style():
        fig = new_figure()
        if total == 0:
            _no_data(fig, title, f"no two-way exchanges found ({never} people never had one)")
            return Plotted("dormancy", title, caption, fig, data, note="no two-way exchanges")
        ax = fig.add_subplot()
        labels = [lab for lab, _ in DORMANCY_BINS]
        xs = list(range(len(labels)))
        bottom = [0] * len(labels)
        tiers = list(dict.fromkeys(data["tier"].to_list()))
        colours = dict(zip(TIERS, TIER_COLOURS, strict=True)) | {"everyone": ACCENT}
        for tier in tiers:
            vals = [int(v) for v in data.filter(pl.col("tier") == tier).sort("bin_from_days")["count"]]
            ax.bar(xs, vals, bottom=bottom, color=colours.get(tier, ACCENT), width=0.75,
                   label=f"{tier} of ties" if tier != "everyone" else "everyone", edgecolor="white", linewidth=0.5)
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
        for x, b in zip(xs, bottom, strict=True):
            if b:
                ax.text(x, b, str(b), ha="center", va="bottom", fontsize=10)
        ax.set_xticks(xs, labels, rotation=0)
        ax.set_ylim(0, max(bottom) * 1.15 + 0.5)
        _integer_ticks(ax, "y")
        ax.set_xlabel(f"Time since the last two-way exchange ({never:,} people never had one)")
        ax.set_ylabel("People")
        ax.set_title(title)
        ax.legend(title="Strength", frameon=False, loc="best")
        _axes_style(ax)
        fit_single(fig, ax)
        return Plotted("dormancy", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (4) Reciprocity distribution
# ---------------------------------------------------------------------------------------------------------


def reciprocity_data(ranked: pl.DataFrame, bins: int = 10) -> pl.DataFrame:
    """Counts of reciprocity in ``bins`` equal bins over [0, 1] (1.0 falls in the last bin) among people who
    exchanged at least one message (when the message counts are known)."""
    schema = {"bin_start": pl.Float64, "bin_end": pl.Float64, "count": pl.Int64}
    if not _has(ranked, "reciprocity"):
        return pl.DataFrame(schema=schema)
    df = ranked.filter(pl.col("reciprocity").is_not_null() & pl.col("reciprocity").is_finite())
    if _has(df, "messages_sent", "messages_received"):
        df = df.filter((pl.col("messages_sent").fill_null(0) + pl.col("messages_received").fill_null(0)) > 0)
    counts = [0] * bins
    i = (pl.col("reciprocity").cast(pl.Float64) * bins + 1e-9).floor().clip(0, bins - 1).cast(pl.Int64)
    for k, n in df.group_by(i.alias("_bin")).len().iter_rows():
        counts[k] = n
    return pl.DataFrame({"bin_start": [i / bins for i in range(bins)],
                         "bin_end": [(i + 1) / bins for i in range(bins)], "count": counts}, schema=schema)


def plot_reciprocity(ranked: pl.DataFrame) -> Plotted:
    """Histogram of reciprocity, the one-way bin highlighted."""
    data = reciprocity_data(ranked)
    total = int(data["count"].sum()) if data.height else 0
    one_way = int(data["count"][0]) if data.height else 0
    title = "How two-way are your relationships?"
    caption = (f"Reciprocity per person who exchanged messages with you: 0 = only one side ever wrote, "
               f"1 = balanced both ways. {total} people; {one_way} are one-way (below 0.1).")
    with style():
        fig = new_figure()
        if total == 0:
            _no_data(fig, title, "no one exchanged messages with you")
            return Plotted("reciprocity", title, caption, fig, data, note="no messages")
        ax = fig.add_subplot()
        starts, ends, counts = data["bin_start"].to_list(), data["bin_end"].to_list(), data["count"].to_list()
        colours = ["#D55E00" if i == 0 else ACCENT for i in range(len(counts))]
        ax.bar(starts, counts, width=[e - s for s, e in zip(starts, ends, strict=True)], align="edge",
               color=colours, edgecolor="white", linewidth=1)
        for s, e, c in zip(starts, ends, counts, strict=True):
            if c:
                ax.text((s + e) / 2, c, str(c), ha="center", va="bottom", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, max(counts) * 1.15 + 0.5)
        _integer_ticks(ax, "y")
        ax.set_xticks([i / 10 for i in range(11)], [f"{i / 10:.1f}" for i in range(11)])
        ax.set_xlabel("Reciprocity (0 = one-way, 1 = balanced)")
        ax.set_ylabel("People")
        ax.set_title(title)
        ax.text(0.01, 0.98, f"one-way ties: {one_way}", transform=ax.transAxes, ha="left", va="top",
                fontsize=10.5, color="#D55E00", fontweight="bold")
        _axes_style(ax)
        fit_single(fig, ax)
        return Plotted("reciprocity", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (5) Network growth
# ---------------------------------------------------------------------------------------------------------


def growth_data(people: pl.DataFrame, as_of: date | None = None) -> pl.DataFrame:
    """month, connections, cumulative — LinkedIn connections per month (zero-filled), people only; up to
    ``as_of`` (a connection after it is not counted, as in the scores)."""
    schema = {"month": pl.Date, "connections": pl.Int64, "cumulative": pl.Int64}
    if not _has(people, "connected_on"):
        return pl.DataFrame(schema=schema)
    df = _persons(people).filter(pl.col("connected_on").is_not_null())
    if as_of is not None:
        df = df.filter(pl.col("connected_on") <= as_of)
    if df.height == 0:
        return pl.DataFrame(schema=schema)
    per = df.group_by(_month("connected_on").alias("month")).len().rename({"len": "connections"})
    months = pl.DataFrame({"month": _month_range(per["month"].min(), per["month"].max())},  # type: ignore[arg-type]
                          schema={"month": pl.Date})
    return months.join(per, on="month", how="left").with_columns(
        pl.col("connections").fill_null(0).cast(pl.Int64)
    ).with_columns(pl.col("connections").cum_sum().alias("cumulative")).sort("month")


def plot_growth(people: pl.DataFrame, as_of: date | None = None) -> Plotted:
    """Connections made per month (bars) and the running total (line, right axis), up to ``as_of``."""
    data = growth_data(people, as_of)
    title = "Your LinkedIn network over time"
    if data.height:
        caption = (f"LinkedIn connections made per month (bars, left axis) and the running total (line, right axis): "
                   f"{int(data['cumulative'][-1])} connections from {data['month'][0]:%b %Y} to "
                   f"{data['month'][-1]:%b %Y}.")
    else:
        caption = "LinkedIn connections made per month and the running total (no connection dates found)."
    with style():
        fig = new_figure()
        if data.height == 0:
            _no_data(fig, title, "no LinkedIn connection dates (Connections.csv) were read")
            return Plotted("growth", title, caption, fig, data, note="no connection dates")
        from matplotlib import dates as mdates

        ax = fig.add_subplot()
        months = data["month"].to_list()
        width = 25 if len(months) <= 240 else 20
        bars(ax, mdates.date2num(months), data["connections"].to_list(), width, color=LIGHT, edgecolor=ACCENT,
             linewidth=0.4, label="connections per month")
        ax.set_ylabel("New connections per month")
        ax.set_xlabel("Month")
        ax.set_title(title)
        ax2 = ax.twinx()
        ax2.plot(months, data["cumulative"].to_list(), color="#D55E00", lw=2, label="total connections")
        ax2.set_ylabel("Total connections", color="#D55E00")
        ax2.tick_params(axis="y", colors="#D55E00", labelsize=10)
        ax2.spines["right"].set_visible(True)
        ax2.set_ylim(0, max(data["cumulative"].to_list()) * 1.08 + 1)
        ax.set_ylim(0, max(data["connections"].to_list()) * 1.15 + 1)
        _integer_ticks(ax, "y")
        _integer_ticks(ax2, "y")
        loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        if len(months) == 1:
            ax.set_xlim(mdates.date2num(months[0]) - 45, mdates.date2num(months[0]) + 45)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", frameon=False)
        _axes_style(ax)
        fit_single(fig, ax, right=y_room(fig, tick_labels(ax2.yaxis)))  # the right axis's labels on the right
        return Plotted("growth", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
# (6) Interactions per month by channel
# ---------------------------------------------------------------------------------------------------------


PERIODS = {"month": ("1mo", 1), "quarter": ("3mo", 3), "year": ("1y", 12)}


def _period_range(first: date, last: date, months: int) -> list[date]:
    return _month_range(first, last)[::months]


def auto_period(first: date, last: date) -> str:
    """month up to 4 years of data, quarter up to 12 years, year beyond: about 12–50 bars."""
    n = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if n <= 48 else ("quarter" if n <= 144 else "year")


def channel_data(events: pl.DataFrame, people: pl.DataFrame | None = None, as_of: date | None = None,
                 period: str | None = None) -> pl.DataFrame:
    """period, period_start, channel, interactions — zero-filled over every period and channel seen, channels in a
    fixed order. One interaction per message per person (the rows of interactions.csv); only people of kind
    ``person`` when ``people`` is given; events after ``as_of`` left out. ``period`` is "month", "quarter"
    or "year" (default: :func:`auto_period`)."""
    schema = {"period": pl.String, "period_start": pl.Date, "channel": pl.String, "interactions": pl.Int64}
    if not _has(events, "timestamp", "channel"):
        return pl.DataFrame(schema=schema)
    # only the columns read below are filtered: the filters copy what they keep (the whole events were 100 MB more
    # of the large profile's peak when the pipeline draws this chart ahead)
    ev = events.select(c for c in ("timestamp", "channel", "person_id") if c in events.columns) \
        .filter(pl.col("timestamp").is_not_null())
    if as_of is not None:
        ev = ev.filter(pl.col("timestamp") < _cutoff(as_of))
    if people is not None and _has(people, "person_id", "kind") and "person_id" in ev.columns:
        ids = _persons(people)["person_id"]
        ev = ev.filter(pl.col("person_id").is_in(ids.implode()))
    if ev.height == 0:
        return pl.DataFrame(schema=schema)
    first = ev["timestamp"].min().date()  # type: ignore[union-attr]
    last = ev["timestamp"].max().date()  # type: ignore[union-attr]
    period = period or auto_period(first, last)
    every, months = PERIODS[period]
    per = ev.group_by(pl.col("timestamp").dt.truncate(every).cast(pl.Date).alias("period_start"),
                      pl.col("channel").fill_null("other")).len().rename({"len": "interactions"})
    seen = set(per["channel"].to_list())
    order = [c for c in CHANNELS if c in seen] + sorted(seen - set(CHANNELS))
    start = per["period_start"].min()
    grid = pl.DataFrame({"period_start": _period_range(start, per["period_start"].max(), months)},  # type: ignore[arg-type]
                        schema={"period_start": pl.Date}).join(
        pl.DataFrame({"channel": order, "_order": list(range(len(order)))}), how="cross")
    return grid.join(per, on=["period_start", "channel"], how="left").with_columns(
        pl.col("interactions").fill_null(0).cast(pl.Int64)
    ).sort(["period_start", "_order"]).select(pl.lit(period).alias("period"), "period_start", "channel",
                                             "interactions")


def plot_channels(events: pl.DataFrame, people: pl.DataFrame | None = None, as_of: date | None = None,
                  period: str | None = None) -> Plotted:
    """Interactions per month (or quarter, or year for long histories), stacked bars by channel."""
    return draw_channels(channel_data(events, people, as_of, period), period)


def draw_channels(data: pl.DataFrame, period: str | None = None) -> Plotted:
    """:func:`plot_channels` of its :func:`channel_data` (small: it can be drawn in another process)."""
    total = int(data["interactions"].sum()) if data.height else 0
    starts = sorted(set(data["period_start"].to_list()))
    period = data["period"][0] if data.height else (period or "month")
    title = f"Interactions per {period}, by channel"
    caption = (f"Messages, invitations, endorsements and recommendations exchanged with people per {period} "
               f"(automated senders left out; one per message per person): {total} interactions"
               + (f" from {starts[0]:%b %Y} to {starts[-1]:%b %Y}." if starts else "."))
    with style():
        fig = new_figure()
        if total == 0:
            _no_data(fig, title, "no dated interactions with people")
            return Plotted("channels", title, caption, fig, data, note="no dated interactions")
        from matplotlib import dates as mdates

        ax = fig.add_subplot()
        chans = list(dict.fromkeys(data["channel"].to_list()))
        width = {"month": 25, "quarter": 75, "year": 300}[period]
        bottom = [0] * len(starts)
        xs = mdates.date2num(starts)
        for i, c in enumerate(chans):
            vals = data.filter(pl.col("channel") == c)["interactions"].to_list()
            label, colour = CHANNELS.get(c, (c, PALETTE[(i + 5) % len(PALETTE)]))
            bars(ax, xs, vals, width, bottom, align="edge", color=colour, label=label, edgecolor="white",
                 linewidth=0.3)
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
        ax.set_ylim(0, max(bottom) * 1.3 + 1)
        _integer_ticks(ax, "y")
        loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        pad = width // 2 + 15
        ax.set_xlim(xs[0] - pad, xs[-1] + width + pad)
        ax.set_xlabel(period.capitalize())
        ax.set_ylabel(f"Interactions per {period}")
        ax.set_title(title)
        ax.legend(loc="upper left", frameon=False, ncols=min(len(chans), 3))
        _axes_style(ax)
        fit_single(fig, ax)
        return Plotted("channels", title, caption, fig, data)


# ---------------------------------------------------------------------------------------------------------
