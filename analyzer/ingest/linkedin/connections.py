"""The files about the people in your network: Connections.csv, Invitations.csv, Endorsements received/given
(also the 2022 UTF-16 TSV duplicate) and Recommendations received/given."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from analyzer import schemas
from analyzer.ingest.collect import FileCollector, hashed_keys, sort_by_ints
from analyzer.ingest.dates import column_parser, parse_date, parse_datetime
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.linkedin.common import (
    _PANDAS_SUFFIX,
    NAME_KEY,
    OWNER_KEY,
    _bad_date,
    _cells_frame,
    _clean_names,
    _Cols,
    _compact,
    _first_keys,
    _head_rows,
    _keyed_records,
    _load,
    _mapped,
    _person_keys,
    _reject_all,
    _shown,
)
from analyzer.ingest.registry import Sniff
from analyzer.ingest.text import casefolded, clean_texts, uppercased
from analyzer.normalize import canonical_linkedin_urls, clean_email

# ---- Connections.csv -----------------------------------------------------------------------------------------

def _connections_header(keys: list[str]) -> bool:
    """LinkedIn's header (First Name first), or its columns in another order (a spreadsheet's re-save)."""
    return bool(keys) and "CONNECTED ON" in keys and (keys[0] == "FIRST NAME" or {"FIRST NAME", "LAST NAME"} <= set(keys))


def _match_connections(s: Sniff) -> bool:
    return any(_connections_header(k) for k in _head_rows(s))


def parse_connections(f: InputFile, out: FileCollector) -> None:
    """Connections.csv: one ``connection`` record per row (with or without the Notes: preamble and URL).

    Built with polars over the whole file (30,000 rows at LinkedIn's cap); names, addresses, URLs and dates
    are cleaned once per distinct value."""
    table = _load(f, _connections_header)
    c = _Cols(table)
    rejects: list[tuple[int, str]] = []
    df = _cells_frame(table, c.width, {
        "first": c.pos("FIRST NAME"), "last": c.pos("LAST NAME"), "url": c.pos("URL", "PROFILE URL"),
        "email": c.pos("EMAIL ADDRESS", "E-MAIL ADDRESS"), "company": c.pos("COMPANY"),
        "position": c.pos("POSITION"), "on": c.pos("CONNECTED ON"),
    }, rejects, out)
    del table
    # a hidden profile: every field empty but the date, or LinkedIn's name for it ("LinkedIn Member") and no
    # URL or address (a person of that name would be ranked; in messages.csv it is an automated party)
    member = (pl.concat_str(pl.col("first").str.strip_chars(), pl.col("last").str.strip_chars(), separator=" ")
              .str.strip_chars().str.to_lowercase() == "linkedin member")
    shown = (pl.all_horizontal(pl.col(k) == "" for k in ("first", "last", "url", "email"))
             | (member & (pl.col("url").str.strip_chars() == "") & (pl.col("email").str.strip_chars() == ""))).not_()
    if n_hidden := df.height - int(df.select(shown.sum()).item()):
        out.ignore("hidden profile (placeholder row)", n_hidden)
    df = df.filter(shown)
    df = df.with_columns(_mapped(df["on"], column_parser(df["on"], parse_date), pl.Date()).alias("connected_on"))
    impossible = df.filter((pl.col("on") != "") & pl.col("connected_on").is_null())
    rejects.extend(zip(impossible["line"].to_list(),
                       (f"impossible date '{_shown(v)}'" for v in impossible["on"].to_list()), strict=True))
    df = df.filter((pl.col("on") == "") | pl.col("connected_on").is_not_null())
    first = clean_texts(df["first"])
    last = clean_texts(df["last"])
    email = _mapped(df["email"], clean_email, pl.String())
    records = df.select(
        "line", pl.lit("connection").alias("role"),
        pl.when(first.is_not_null() | last.is_not_null())
        .then(pl.concat_str(first, last, separator=" ", ignore_nulls=True)).alias("name"),
        first.alias("first_name"), last.alias("last_name"),
        pl.concat_list(email).list.drop_nulls().alias("emails"),
        canonical_linkedin_urls(df["url"]).alias("linkedin_url"),
        clean_texts(df["company"]).alias("company"),
        clean_texts(df["position"]).alias("position"),
        "connected_on",
    )
    _reject_all(out, rejects)
    out.add_bulk(records, schemas.empty({k: v for k, v in schemas.MESSAGES.items() if k != "source_file"}))
    out.used(records.height)
    out.advance(f.size)



# ---- Invitations.csv ---------------------------------------------------------------------------------------

def _match_invitations(s: Sniff) -> bool:
    return {"FROM", "TO", "SENT AT", "DIRECTION"} <= _first_keys(s)


def parse_invitations(f: InputFile, out: FileCollector) -> None:
    """Invitations.csv (URL, URN and old 5-column layouts): one ``linkedin_invitation`` per row, built with
    polars over the whole file (Python once per distinct date, direction, name and URL)."""
    table = _load(f, lambda keys: "SENT AT" in keys and "DIRECTION" in keys)
    c = _Cols(table)
    rejects: list[tuple[int, str]] = []
    df = _cells_frame(table, c.width, {
        "frm": c.pos("FROM"), "to": c.pos("TO"), "at": c.pos("SENT AT"), "dir": c.pos("DIRECTION"),
        "inviter": c.pos("INVITERPROFILEURL"), "invitee": c.pos("INVITEEPROFILEURL"),
    }, rejects, out)
    del table
    df = df.with_columns(
        _mapped(df["at"], column_parser(df["at"], parse_datetime), pl.Datetime("us", "UTC")).alias("ts"),
        uppercased(df["dir"]).alias("dir"))
    bad = df.filter(pl.col("ts").is_null())
    rejects.extend(zip(bad["line"].to_list(), (_bad_date(d) for d in bad["at"].to_list()), strict=True))
    df = df.filter(pl.col("ts").is_not_null())
    out_, in_ = pl.col("dir") == "OUTGOING", pl.col("dir") == "INCOMING"
    for line, d in df.filter(~out_ & ~in_).select("line", "dir").iter_rows():
        rejects.append((line, f"unknown direction '{_shown(d)}'" if d else "no direction"))
    no_invitee = out_ & (pl.col("to") == "") & (pl.col("invitee") == "")
    no_inviter = in_ & (pl.col("frm") == "") & (pl.col("inviter") == "")
    rejects.extend((line, "no invitee (To is empty)") for line in df.filter(no_invitee)["line"].to_list())
    rejects.extend((line, "no inviter (From is empty)") for line in df.filter(no_inviter)["line"].to_list())
    df = df.filter((out_ & ~no_invitee) | (in_ & ~no_inviter)).with_row_index("seq")
    outgoing = df["dir"] == "OUTGOING"
    # the owner's side and the other person's side of each row
    own_name = pl.when(outgoing).then(df["frm"]).otherwise(df["to"])
    own_url = pl.when(outgoing).then(df["inviter"]).otherwise(df["invitee"])
    other_name = pl.when(outgoing).then(df["to"]).otherwise(df["frm"])
    other_url = pl.when(outgoing).then(df["invitee"]).otherwise(df["inviter"])
    sides = df.select("seq", "line", own_name.alias("own_name"), own_url.alias("own_url"),
                      other_name.alias("other_name"), other_url.alias("other_url"))
    for name, url in sides.select("own_name", "own_url").unique().sort("own_name", "own_url").iter_rows():
        out.owner_identity(name=name, linkedin_url=url or None)
    _, key = _person_keys(sides["other_url"], sides["other_name"])
    null_s = pl.lit(None, pl.String())
    owner = sides.select("seq", pl.lit(OWNER_KEY).alias("key"), pl.lit("owner").alias("role"),
                         pl.when(pl.col("own_name") != "").then("own_name").alias("name"),
                         pl.col("own_url").alias("linkedin_url"), pl.lit(None, pl.Int64()).alias("line"),
                         pl.lit(True).alias("owner_hint"), pl.when(outgoing).then(0).otherwise(1).alias("pos"))
    other = sides.select("seq", key.alias("key"),
                         pl.when(outgoing).then(pl.lit("invitee")).otherwise(pl.lit("inviter")).alias("role"),
                         pl.when(pl.col("other_name") != "").then("other_name").alias("name"),
                         pl.col("other_url").alias("linkedin_url"), "line", pl.lit(False).alias("owner_hint"),
                         pl.when(outgoing).then(1).otherwise(0).alias("pos"))
    mentions = sort_by_ints(pl.concat([owner, other]), "seq", "pos")
    records, rid = _keyed_records(mentions.drop("seq", "pos").with_columns(
        null_s.alias("first_name"), null_s.alias("last_name")))
    ids = mentions.select("seq", "pos", rid.alias("rid"))
    sender = ids.filter(pl.col("pos") == 0)["rid"]
    recip = ids.filter(pl.col("pos") == 1)["rid"]
    text = pl.concat_str(pl.lit("li-inv\x1f"), pl.col("ts").dt.epoch("us").cast(pl.String), pl.lit("\x1f"),
                         "dir", pl.lit("\x1f"), casefolded(df["frm"]), pl.lit("\x1f"),
                         casefolded(df["to"]))
    messages = df.select(
        hashed_keys(df.select(text).to_series()), pl.col("ts").alias("timestamp"),
        pl.lit("linkedin_invitation").alias("channel"), sender.alias("sender_id"),
        pl.concat_list(recip).alias("recipient_ids"), pl.lit(2, pl.Int32()).alias("n_participants"), "line")
    _reject_all(out, rejects)
    out.add_bulk(_clean_names(records.select("line", "role", "name", "first_name", "last_name", "linkedin_url",
                                             "n_mentions", "owner_hint")), messages)
    out.used(messages.height)
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
    """Endorsements received or given, built with polars over the whole file (Python once per distinct
    status, date, name and URL)."""
    received = who == "ENDORSER"
    table = _load(f, lambda keys: _endorsement_keys(keys, who))
    c = _Cols(table)
    rejects: list[tuple[int, str]] = []
    df = _cells_frame(table, c.width, {
        "date": c.pos("ENDORSEMENT DATE"), "skill": c.pos("SKILL NAME"), "first": c.pos(f"{who} FIRST NAME"),
        "last": c.pos(f"{who} LAST NAME"), "url": c.pos(f"{who} PUBLIC URL", f"{who} PROFILE URL"),
        "status": c.pos("ENDORSEMENT STATUS"), "display": c.pos("DISPLAY STATUS"),
    }, rejects, out)
    del table
    direction = "received" if received else "given"
    status = uppercased(df["status"])
    accepted = status.is_in(list(_ACCEPTED))
    for st, n in sorted(status.filter(~accepted).value_counts().iter_rows()):
        out.ignore(f"endorsement status {st}", n)
    df = df.filter(accepted)
    hidden = uppercased(df["display"]).is_in(["HIDE", "HIDDEN"])
    if n_hidden := int(hidden.sum()):
        out.ignore("endorsement hidden from profile", n_hidden)
    df = df.filter(~hidden)
    df = df.with_columns(_mapped(df["date"], column_parser(df["date"], parse_datetime), pl.Datetime("us", "UTC"))
                         .alias("ts"))
    bad = df.filter(pl.col("ts").is_null())
    rejects.extend(zip(bad["line"].to_list(), (_bad_date(d) for d in bad["date"].to_list()), strict=True))
    df = df.filter(pl.col("ts").is_not_null()).with_columns(
        pl.concat_str(pl.when(pl.col("first") != "").then("first"), pl.when(pl.col("last") != "").then("last"),
                      separator=" ", ignore_nulls=True).fill_null("").alias("name"))
    nameless = (pl.col("name") == "") & (pl.col("url") == "")
    rejects.extend((line, f"no {who.lower()} name") for line in df.filter(nameless)["line"].to_list())
    df = df.filter(~nameless).with_row_index("seq")
    _, key = _person_keys(df["url"], df["name"])
    other = df.select("seq", key.alias("key"), pl.lit(who.lower()).alias("role"), pl.col("first").alias("first_name"),
                      pl.col("last").alias("last_name"), pl.col("url").alias("linkedin_url"), "line",
                      pl.lit(False).alias("owner_hint"))
    owner = df.select("seq", pl.lit(OWNER_KEY).alias("key"), pl.lit("owner").alias("role"),
                      pl.lit(None, pl.String()).alias("first_name"), pl.lit(None, pl.String()).alias("last_name"),
                      pl.lit(None, pl.String()).alias("linkedin_url"), pl.lit(None, pl.Int64()).alias("line"),
                      pl.lit(True).alias("owner_hint"))
    mentions = sort_by_ints(pl.concat([other.with_columns(pl.lit(0).alias("pos")),
                                       owner.with_columns(pl.lit(1).alias("pos"))]), "seq", "pos")
    records, rid = _keyed_records(mentions.drop("seq", "pos").with_columns(pl.lit(None, pl.String()).alias("name")))
    ids = mentions.select("seq", "pos", rid.alias("rid"))
    other_id = ids.filter(pl.col("pos") == 0)["rid"]
    owner_id = ids.filter(pl.col("pos") == 1)["rid"]
    sender, recip = (other_id, owner_id) if received else (owner_id, other_id)
    text = pl.concat_str(pl.lit("li-endorse\x1f"), pl.col("ts").dt.epoch("us").cast(pl.String), pl.lit("\x1f"),
                         casefolded(df["skill"]), pl.lit("\x1f"),
                         casefolded(df["name"]), pl.lit("\x1f" + direction))
    messages = df.select(
        hashed_keys(df.select(text).to_series()), pl.col("ts").alias("timestamp"),
        pl.lit("linkedin_endorsement").alias("channel"), sender.alias("sender_id"),
        pl.concat_list(recip).alias("recipient_ids"), pl.lit(2, pl.Int32()).alias("n_participants"), "line")
    _reject_all(out, rejects)
    out.add_bulk(_clean_names(records.select("line", "role", "name", "first_name", "last_name", "linkedin_url",
                                             "n_mentions", "owner_hint")), messages)
    out.used(messages.height)
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
    """Recommendations received or given, built with polars over the whole file (Python once per distinct
    date, name, company and title)."""
    table = _load(f, lambda keys: _recommendation_keys(_PANDAS_SUFFIX.sub("", k) for k in keys))
    c = _Cols(table)
    rejects: list[tuple[int, str]] = []
    df = _cells_frame(table, c.width, {
        "first": c.pos("FIRST NAME"), "last": c.pos("LAST NAME"), "company": c.pos("COMPANY"),
        "title": c.pos("JOB TITLE", "TITLE"), "date": c.pos("CREATION DATE"),
    }, rejects, out)
    del table
    role = "recommender" if received else "recommendee"
    direction = "received" if received else "given"
    df = df.with_columns(
        pl.concat_str(pl.when(pl.col("first") != "").then("first"), pl.when(pl.col("last") != "").then("last"),
                      separator=" ", ignore_nulls=True).fill_null("").alias("name"))
    rejects.extend((line, "no name") for line in df.filter(pl.col("name") == "")["line"].to_list())
    df = df.filter(pl.col("name") != "").with_row_index("seq")
    read_date = column_parser(df["date"], parse_datetime)
    df = df.with_columns(_mapped(df["date"], lambda d: read_date(d) if d else None,
                                 pl.Datetime("us", "UTC")).alias("ts"))
    bad_dates = df.filter((pl.col("date") != "") & pl.col("ts").is_null())["date"].to_list()
    folded = casefolded(df["name"])
    null_s = pl.lit(None, pl.String())
    other = df.select("seq", (NAME_KEY + folded).alias("key"), pl.lit(role).alias("role"),
                      pl.col("first").alias("first_name"), pl.col("last").alias("last_name"),
                      pl.col("company"), pl.col("title").alias("position"), "line",
                      pl.lit(False).alias("owner_hint"), pl.lit(0).alias("pos"))
    owner = df.select("seq", pl.lit(OWNER_KEY).alias("key"), pl.lit("owner").alias("role"),
                      null_s.alias("first_name"), null_s.alias("last_name"), null_s.alias("company"),
                      null_s.alias("position"), pl.lit(None, pl.Int64()).alias("line"),
                      pl.lit(True).alias("owner_hint"), pl.lit(1).alias("pos"))
    mentions = sort_by_ints(pl.concat([other, owner]), "seq", "pos")
    records, rid = _keyed_records(mentions.drop("seq", "pos").with_columns(
        null_s.alias("name"), null_s.alias("linkedin_url")))
    ids = mentions.select("pos", rid.alias("rid"))
    other_id = ids.filter(pl.col("pos") == 0)["rid"]
    owner_id = ids.filter(pl.col("pos") == 1)["rid"]
    sender, recip = (other_id, owner_id) if received else (owner_id, other_id)
    when = pl.when(pl.col("ts").is_not_null()).then("t" + pl.col("ts").dt.epoch("us").cast(pl.String)
                                                    ).otherwise("d" + pl.col("date"))
    text = pl.concat_str(pl.lit(f"li-rec\x1f{direction}\x1f"), folded, pl.lit("\x1f"), when)
    messages = df.select(
        hashed_keys(df.select(text).to_series()), pl.col("ts").alias("timestamp"),
        pl.lit("linkedin_recommendation").alias("channel"), sender.alias("sender_id"),
        pl.concat_list(recip).alias("recipient_ids"), pl.lit(2, pl.Int32()).alias("n_participants"), "line")
    records = _clean_names(records.select("line", "role", "name", "first_name", "last_name", "linkedin_url",
                                          "company", "position", "n_mentions", "owner_hint"))
    records = records.with_columns(
        clean_texts(records["company"]).alias("company"),
        clean_texts(records["position"]).alias("position"))
    if bad_dates:
        out.note(f"{len(bad_dates)} recommendation(s) with an impossible Creation Date (e.g. "
                 f"'{_shown(bad_dates[0])}') used without a date")
    _reject_all(out, rejects)
    out.add_bulk(records, messages)
    out.used(messages.height)
    out.advance(f.size)


def parse_recommendations_received(f: InputFile, out: FileCollector) -> None:
    """Recommendations_Received.csv: recommender -> owner (undated rows are kept with no timestamp)."""
    _parse_recommendations(f, out, received=True)


def parse_recommendations_given(f: InputFile, out: FileCollector) -> None:
    """Recommendations_Given.csv: owner -> recommendee."""
    _parse_recommendations(f, out, received=False)
