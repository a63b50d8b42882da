"""The 2021+ layouts of LinkedIn's messages.csv (9 to 13 columns), built as frames.

The rows arrive as one polars frame (:data:`ROW_SCHEMA`); every step is a polars operation or Python work on
the *distinct* values of a column (profile URLs, names, TO/URL pairs: tens of thousands, not 500 000 rows).
The result is the same as processing the rows one by one, which is the contract:

* a row is skipped (draft), rejected (bad date, no sender) or becomes one message;
* people are keyed by canonical profile URL, else by name ("LinkedIn Member" and sponsored senders have their
  own keys); a record is created at a key's first mention (its role, line and name are those of that mention)
  and later mentions only count (``n_mentions``); record ids follow the order of first mentions;
* a sender known by name only whose conversation has a title is sponsored unless it is the owner: those rows
  ("deferred") are processed after all the others, once the owner is recognised from the conversations;
* the message key hashes (conversation, date, sender, TO), numbered when consecutive rows repeat it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import polars as pl

from analyzer.ingest.collect import FileCollector, hashed_keys, sort_by_ints
from analyzer.ingest.dates import MAX_YEAR, MIN_YEAR, column_parser, parse_datetime
from analyzer.ingest.mail.csv_common import REPEATED_HEADER
from analyzer.ingest.text import PY_WHITESPACE, casefolded, clean_texts
from analyzer.normalize import canonical_linkedin_url, canonical_linkedin_urls

LINKEDIN_MEMBER = "linkedin member"
HIDDEN_MEMBER_HINT = "hidden LinkedIn member"
SPONSORED_HINT = "linkedin sponsored message"
#: Share of conversations (with any profile URL) a URL must appear in to be taken as the owner's.
OWNER_SHARE = 0.6

#: One row of a modern messages.csv as the builder reads it (bodies and titles already reduced to flags).
ROW_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(), "cid": pl.String(), "title": pl.Boolean(), "from": pl.String(), "surl": pl.String(),
    "to": pl.String(), "rurls": pl.String(), "date": pl.String(), "spin": pl.Boolean(), "skip": pl.String(),
}

# record keys: canonical profile URLs as they are; the other kinds behind a NUL prefix (never in a URL)
_MEMBER_KEY = "\x00m"
_NAME = "\x00n"
_SPONSORED = "\x00s"
_UTC_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC$"
_SPLIT_TO = re.compile(r",(?! )")


def _mapped(s: pl.Series, fn: Callable[[str], Any], dtype: pl.DataType) -> pl.Series:
    """``fn`` applied to each distinct value of ``s`` (no nulls), spread back to every row."""
    if not s.len():
        return pl.Series(s.name, [], dtype=dtype)
    u = s.unique()
    results = pl.Series("r", [fn(x) for x in u.to_list()], dtype=dtype)
    return s.replace_strict(u, results, return_dtype=dtype)


def _by_distinct(s: pl.Series, vectorised: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``vectorised`` (a Series -> Series function) applied to the distinct values of ``s``, spread back to every
    row (for columns with many repeats)."""
    u = s.unique()
    r = vectorised(u)
    return s.replace_strict(u, r, return_dtype=r.dtype)


def split_names(to: str) -> list[str]:
    """TO split on commas not followed by a space (``A B,C D`` -> two; ``Jane Doe, PhD`` -> one)."""
    if "," not in to:
        t = to.strip()
        return [t] if t else []
    return [n for n in (p.strip() for p in _SPLIT_TO.split(to)) if n]


def recipient_plan(to: str, urls_raw: str, canon_of: Callable[[str], str | None] = canonical_linkedin_url
                   ) -> list[tuple[str | None, str]]:
    """(canonical URL or None, name) per recipient of a TO cell and its RECIPIENT PROFILE URLS cell.

    With one URL the whole TO is one name (``Jane Doe, PhD``); with several, TO is split on commas not
    followed by a space and paired in order; hidden members ("LinkedIn Member", no URL) are taken out of the
    names first. When the counts still disagree, names are paired in order as far as they go.
    ``canon_of`` is :func:`canonical_linkedin_url` (or a lookup of its results).
    """
    urls = [u.strip() for u in urls_raw.split(",") if u.strip()] if urls_raw else []
    if not urls:
        return [(None, n) for n in split_names(to)]
    if len(urls) == 1 and "," not in to:
        canon = canon_of(urls[0])
        return [(canon, to)] if canon is not None or to else []
    names = split_names(to)
    plan: list[tuple[str | None, str]] = []
    extra = len(names) - len(urls)
    if extra > 0:
        kept: list[str] = []
        for n in names:
            if extra > 0 and n.casefold() == LINKEDIN_MEMBER:
                plan.append((None, n))
                extra -= 1
            else:
                kept.append(n)
        names = kept
    if len(urls) == 1:
        names = [",".join(names)]
    for i, u in enumerate(urls):
        name = names[i] if i < len(names) else ""
        canon = canon_of(u)
        if canon is not None or name:
            plan.append((canon, name))
    return plan


def clear_winner(counts: Counter[str], total: int) -> str | None:
    """The most frequent key if it is in at least OWNER_SHARE of ``total`` and strictly ahead of the next."""
    if not counts or total == 0:
        return None
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    best, n = top[0]
    if n < OWNER_SHARE * total or (len(top) > 1 and top[1][1] == n):
        return None
    return best


def _name_key(name: str) -> tuple[str, str]:
    """(key, name) of a person known by name only."""
    if name.casefold() == LINKEDIN_MEMBER:
        return _MEMBER_KEY, "LinkedIn Member"
    return _NAME + name, name


def _recipients(to: str, rurls: str, deferred: bool,
                canon_of: Callable[[str], str | None] = canonical_linkedin_url) -> list[tuple[str, str]]:
    """(key, name) of each recipient of a row with these TO and URLs cells (deferred or not)."""
    plan: list[tuple[str | None, str]]
    if deferred or "," in rurls:
        plan = recipient_plan(to.strip(), rurls, canon_of)
    elif not rurls:
        plan = [(None, n) for n in split_names(to.strip())]
    elif (rc := canon_of(rurls)) is not None:
        plan = [(rc, to)]
    else:
        plan = recipient_plan(to.strip(), rurls, canon_of)
    return [(canon, name) if canon is not None else _name_key(name) for canon, name in plan]


def _timestamps(dates: pl.Series) -> pl.Series:
    """``YYYY-MM-DD HH:MM:SS UTC`` parsed by polars (within the accepted years), anything else by Python."""
    ts = dates.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S UTC", strict=False).dt.replace_time_zone("UTC")
    fast = dates.str.contains(_UTC_DATE) & ts.is_not_null()
    ts = ts.set(~fast | ~ts.dt.year().is_between(MIN_YEAR, MAX_YEAR).fill_null(False), None)
    rest = dates.filter(~fast)
    if rest.len():
        slow = _mapped(rest, column_parser(rest, _slow_ts), pl.Datetime("us", "UTC"))
        ts = ts.scatter((~fast).arg_true(), slow)
    return ts


def _slow_ts(value: str, day_first: bool = False) -> datetime | None:
    """A messages.csv date that is not the plain UTC layout (or not a valid date in it); ``day_first`` as in
    :func:`~analyzer.ingest.dates.parse_datetime`."""
    if len(value) == 23 and value[19:] == " UTC" and value[4] == "-":
        try:
            dt = datetime.fromisoformat(value[:19] + "+00:00")
        except ValueError:
            return parse_datetime(value)
        return dt if MIN_YEAR <= dt.year <= MAX_YEAR else None
    return parse_datetime(value, day_first)


def _shown(value: str, limit: int = 40) -> str:
    v = value if len(value) <= limit else value[: limit - 1] + "…"
    return v.replace("\n", " ").replace("\r", " ")


def _bad_date(value: str) -> str:
    return f"unparseable date '{_shown(value)}'" if value else "no date"


def build_messages(held: pl.DataFrame | list[pl.DataFrame], has_urls: bool, out: FileCollector,
                   rejects: list[tuple[int, str]] | None = None) -> None:
    """Records, messages, rejects and counts of the rows of a modern messages.csv, into ``out``.

    ``held`` is the rows frame, or a one-element list of it that is emptied here: the rows (485,000 on a large
    export) are then freed once filtered, instead of being held by the caller until the end (70 MB of the
    LinkedIn ingest's peak). ``rejects`` are (line, reason) found while reading (malformed rows): they are
    reported in line order together with the rows rejected here.
    """
    rows = held.pop() if isinstance(held, list) else held
    rejected: list[tuple[int, str]] = list(rejects or [])
    skipped = rows.filter(pl.col("skip").is_not_null())["skip"].value_counts(sort=True, name="n")
    for reason, n in sorted(skipped.iter_rows()):
        out.ignore(reason, n)
    df = rows.filter(pl.col("skip").is_null()).drop("skip")
    del rows

    # dates
    df = df.with_columns(_timestamps(df["date"]).alias("ts"))
    bad = df.filter(pl.col("ts").is_null())
    if bad.height:
        # the header row met again (two exports joined into one file): ignored, as in the other CSVs
        header = ((bad["date"].str.strip_chars(PY_WHITESPACE).str.to_uppercase() == "DATE")
                  & (bad["from"].str.strip_chars(PY_WHITESPACE).str.to_uppercase() == "FROM"))
        if n_header := int(header.sum()):
            out.ignore(REPEATED_HEADER, n_header)
            bad = bad.filter(~header)
        reason = _mapped(bad["date"], lambda d: _bad_date(d.strip()), pl.String())
        rejected.extend(zip(bad["line"].to_list(), reason.to_list(), strict=True))
        df = df.filter(pl.col("ts").is_not_null())

    # senders
    canon = _by_distinct(df["surl"], canonical_linkedin_urls)
    fstrip = df["from"].str.strip_chars(PY_WHITESPACE)
    df = df.with_columns(canon.alias("canon"), fstrip.alias("fs"))
    df = df.with_columns(
        (_by_distinct(df["fs"], casefolded) == LINKEDIN_MEMBER).alias("member"))
    nameless = pl.col("canon").is_null() & (pl.col("fs") == "")
    bad = df.filter(nameless)
    rejected.extend((line, "no sender (FROM and SENDER PROFILE URL are empty)") for line in bad["line"].to_list())
    df = df.filter(~nameless)
    deferred = pl.col("canon").is_null() & ~pl.col("member") & ~pl.col("spin") & pl.col("title")
    df = df.drop("surl").with_columns(deferred.alias("deferred"))
    later = df.filter(pl.col("deferred")).drop("deferred", "member", "spin", "title", "canon", "from")
    now = df.filter(~pl.col("deferred")).drop("deferred", "title")
    del df
    # the sender's record key, name and key part ("who") are expressions over the row's columns, evaluated where
    # they are read: kept as columns they were three more copies of the senders' URLs and names (50 MB of a
    # large export's 485,000 rows, at the peak of the whole ingest)
    now_key = (pl.when(pl.col("canon").is_not_null()).then(pl.col("canon"))
               .when(pl.col("member")).then(pl.lit(_MEMBER_KEY))
               .when(pl.col("spin")).then(_SPONSORED + pl.col("fs"))
               .otherwise(_NAME + pl.col("fs")))
    now_name = (pl.when(pl.col("canon").is_not_null()).then(pl.col("from"))
                .when(pl.col("member")).then(pl.lit("LinkedIn Member"))
                .otherwise(pl.col("fs")))
    now_who = pl.coalesce("canon", "fs")
    now = now.with_row_index("seq")
    m_now = _mentions(now, now_key, now_name, deferred=False)
    url_name = dict(m_now.filter(~pl.col("key").str.starts_with("\x00"))
                    .unique("key", keep="first", maintain_order=True).select("key", "name").iter_rows())
    owner_url, owner_name, other_owner_urls = _owner(now, has_urls, url_name)
    if owner_url is not None:
        out.owner_identity(linkedin_url=owner_url, name=owner_name)
        for url in other_owner_urls:
            out.owner_identity(linkedin_url=url)
    elif owner_name is not None:
        out.owner_identity(name=owner_name)
    elif bool((now["cid"] != "").any()):
        out.note("the owner could not be recognised from the conversations (no profile takes part in most of "
                 "them): directions rely on Profile.csv, other files or --me")

    owner_cf = owner_name.casefold() if owner_name else None
    later = later.with_columns(
        (_by_distinct(later["fs"], casefolded) == owner_cf if owner_cf is not None
         else pl.repeat(False, later.height, eager=True)).alias("is_owner"))
    later_key = pl.when(pl.col("is_owner")).then(_NAME + pl.col("fs")).otherwise(_SPONSORED + pl.col("fs"))
    later = later.with_row_index("seq", offset=now.height)
    m_later = _mentions(later, later_key, pl.col("fs"), deferred=True)

    # message keys: numbered within runs of equal (conversation, date, sender, TO), deferred rows never
    base = [pl.col("cid"), pl.col("date"), now_who, pl.col("to")]
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    starts = pl.when(pl.any_horizontal(b.ne_missing(b.shift(1)) for b in base)).then(row).forward_fill()
    now = now.with_columns((row - starts).alias("dup"))
    now = now.with_columns(_message_keys(now, now_who))
    later = later.with_columns(pl.lit(0, pl.Int64).alias("dup"))
    later = later.with_columns(_message_keys(later, pl.col("fs")))
    cols = ["seq", "msg_key", "ts", "cid", "line"]
    msgs = pl.concat([now.select(cols), later.select(cols)])
    del now, later
    records, msgs = _records(msgs, pl.concat([m_now, m_later]))
    out.add_bulk(records, msgs)
    used = msgs.height
    for line, reason in sorted(rejected, key=lambda r: r[0]):
        out.reject(line, reason)
    out.used(used)


def _message_keys(df: pl.DataFrame, who: pl.Expr) -> pl.Series:
    """``msg_key`` of each row: the key of (conversation, date, sender ``who``, TO[, number when ``dup`` > 0])."""
    return hashed_keys(df.select(message_key_text(pl.col("cid"), pl.col("date"), who, pl.col("to"),
                                                  pl.col("dup"))).to_series())


def message_key_text(cid: pl.Expr, date: pl.Expr, who: pl.Expr, to: pl.Expr, dup: pl.Expr) -> pl.Expr:
    """The text a LinkedIn message's key is made from (the 2018 and the 2021+ layouts share it, so that the
    same message read from two exports is one): the parts joined by US characters, the number last when > 0."""
    return pl.concat_str(
        pl.lit("li-msg\x1f"), cid, pl.lit("\x1f"), date, pl.lit("\x1f"), who, pl.lit("\x1f"), to,
        pl.lit("\x1f"), pl.when(dup > 0).then(dup.cast(pl.String) + "\x1f").otherwise(pl.lit("")),
    )


def _spread(keys: pl.DataFrame, fn: Callable[..., list[tuple[Any, ...]]], schema: dict[str, pl.DataType],
            fast: Callable[[pl.DataFrame], tuple[pl.Series, pl.DataFrame]] | None = None) -> pl.DataFrame:
    """``fn(*values)`` (a list of items) of each distinct row of ``keys``, as rows (i, pos, *item) for every row
    i of ``keys``: Python runs once per distinct value, polars spreads the result.

    ``fast``, given the distinct rows (with their ``uid``), says which of them it computes itself (a boolean
    per distinct row) and returns their items (uid, pos, *item): ``fn`` runs on the others only."""
    cols = keys.columns
    # each row's distinct-row number, from one grouping (a join of the rows with their distinct values would
    # copy the key columns of every row: 100 MB over a large export's messages)
    groups = keys.with_row_index("i").group_by(cols, maintain_order=True).agg(pl.col("i"))
    u = groups.select(cols).with_row_index("uid")
    row_uid = groups.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("uid"), "i").explode("i")
    del groups
    types: dict[str, pl.DataType] = {"uid": pl.UInt32(), "pos": pl.Int64(), **schema}
    parts: list[pl.DataFrame] = []
    rest = u
    if fast is not None:
        handled, fast_items = fast(u)
        parts.append(fast_items.select(pl.col(k).cast(t) for k, t in types.items()))
        rest = u.filter(~handled)
    flat = [(j, p, *item) for j, *v in rest.iter_rows() for p, item in enumerate(fn(*v))]
    parts.append(pl.DataFrame(flat, schema=types, orient="row"))
    items = pl.concat(parts)
    return row_uid.join(items, on="uid").select("i", pl.exclude("i", "uid"))


def _mentions(df: pl.DataFrame, sender_key: pl.Expr, sender_name: pl.Expr, deferred: bool) -> pl.DataFrame:
    """One row per mention (sender, then recipients in order) in processing order: seq, pos, key, name; the
    sender's key and name are the expressions given.

    The role (pos 0 is the sender), the line (the message's) and the automated hint (a property of the key's
    kind) are not carried: only a record's first mention needs them."""
    senders = df.select("seq", pl.lit(0, pl.Int64).alias("pos"), sender_key.alias("key"), sender_name.alias("name"))
    # the recipients of each distinct (TO, URLs) pair, spread to the rows by a pair number
    canon_of = _url_lookup(df["rurls"])
    plan = _spread(df.select("to", "rurls"), lambda to, urls: _recipients(to, urls, deferred, canon_of),
                   {"key": pl.String(), "name": pl.String()}, fast=None if deferred else _one_recipient)
    # (each plan row names its row of df: the sequence number is gathered, not joined)
    recips = plan.select(df.get_column("seq").gather(plan.get_column("i")).alias("seq"), pl.col("pos") + 1,
                         "key", "name")
    del plan
    return sort_by_ints(pl.concat([senders, recips]), "seq", "pos")


def _url_lookup(rurls: pl.Series) -> Callable[[str], str | None]:
    """:func:`canonical_linkedin_url` of the URLs of the lists of several URLs in ``rurls``, computed together
    (vectorised) and looked up by the stripped URL as :func:`recipient_plan` has it; other URLs are
    computed when asked for."""
    pieces = rurls.filter(rurls.str.contains(",", literal=True)).str.split(",").explode().unique()
    # canonical_linkedin_url strips its argument: a piece and the piece stripped have the same result
    known = dict(zip((p.strip() for p in pieces.to_list()), canonical_linkedin_urls(pieces).to_list(), strict=True))

    def canon_of(url: str) -> str | None:
        return known[url] if url in known else canonical_linkedin_url(url)
    return canon_of


def _one_recipient(pairs: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """The common case of :func:`_recipients` (not deferred) over distinct (TO, URLs) pairs, vectorised: one
    URL that is a profile URL, the whole TO its name."""
    rurls = pairs["rurls"]
    canon = canonical_linkedin_urls(rurls)
    one = (~rurls.str.contains(",", literal=True) & (rurls != "") & canon.is_not_null()).alias("one")
    items = pairs.filter(one).select("uid", pl.lit(0, pl.Int64).alias("pos"), canon.filter(one).alias("key"),
                                     pl.col("to").alias("name"))
    return one, items


def _urls_of_chunks(chunks: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """:func:`_chunk_urls` of every distinct chunk, vectorised (the URLs of a comma-separated list)."""
    parts = (chunks.select("uid", pl.col("chunk").str.split(",").alias("u")).explode("u")
             .with_columns(pl.int_range(pl.len()).over("uid").alias("pos")))
    parts = parts.with_columns(_by_distinct(parts["u"], canonical_linkedin_urls).alias("u")
                               ).filter(pl.col("u").is_not_null())
    return pl.Series("all", [True] * chunks.height, dtype=pl.Boolean()), parts.select("uid", "pos", "u")


def _owner(now: pl.DataFrame, has_urls: bool,
           url_name: dict[str, str]) -> tuple[str | None, str | None, list[str]]:
    """(owner URL, owner name, the owner's other URLs) from the conversations, or (None, None, []) when no one
    stands out. Another URL is the owner's when it is written with the owner's name and never takes part in a
    message with the owner's URL (a profile whose address changed; a namesake writes to the owner, or is written
    to with them)."""
    # (lazy: each query filters only the columns it reads; a filter of the six columns read here copied 90 MB of
    # a large export's 485,000 messages, at the peak of the whole ingest)
    conv = now.lazy().filter(pl.col("cid") != "")
    chunks = pl.concat([
        conv.select("cid", pl.col("canon").alias("chunk")).filter(pl.col("chunk").is_not_null()).unique(),
        conv.select("cid", pl.col("rurls").alias("chunk")).filter(pl.col("chunk") != "").unique(),
    ]).unique().collect()
    found = _spread(chunks.select("chunk"), _chunk_urls, {"u": pl.String()}, fast=_urls_of_chunks)
    found = chunks.with_row_index("i").join(found, on="i").select("cid", "u").unique()
    per_url = Counter(dict(found["u"].value_counts(name="n").iter_rows()))
    best = clear_winner(per_url, found["cid"].n_unique())
    if best is not None:
        return best, url_name.get(best) or None, _other_owner_urls(now, best, url_name)
    if has_urls:
        return None, None, []
    nm = pl.concat([
        conv.select("cid", pl.when(pl.col("canon").is_not_null()).then(pl.col("from")).otherwise(pl.col("fs"))
                    .alias("chunk")),
        conv.select("cid", pl.col("to").alias("chunk")).filter(pl.col("chunk") != ""),
    ]).unique().collect()
    names = _spread(nm.select("chunk"), _chunk_names, {"n": pl.String()})
    names = nm.with_row_index("i").join(names, on="i").select("cid", "n").unique()
    per_name = Counter(dict(names["n"].value_counts(name="c").iter_rows()))
    name = clear_winner(per_name, names["cid"].n_unique())
    if name is None:
        return None, None, []
    # the 9-column layout has sender URLs only: the one URL written with the owner's name is theirs
    same = [u for u, n in url_name.items() if n.strip().casefold() == name.casefold()]
    return (same[0] if len(same) == 1 else None), name, []


def _other_owner_urls(now: pl.DataFrame, best: str, url_name: dict[str, str]) -> list[str]:
    """The URLs other than ``best`` (the owner's) written with the owner's name that never take part in one
    message with ``best`` (``now``: the rows, with ``canon`` the sender's URL and ``rurls`` the recipients')."""
    name = (url_name.get(best) or "").strip().casefold()
    if not name:
        return []
    same = sorted(u for u, n in url_name.items() if u != best and n.strip().casefold() == name)
    if not same:
        return []
    # the rows that may hold one of them (sent by it, or naming its profile's address among the recipients)
    slugs = [u.rsplit("/", 1)[-1] for u in same]
    rows = now.filter(pl.col("canon").is_in(same)
                      | pl.col("rurls").str.contains_any(slugs, ascii_case_insensitive=True)) \
        .select("canon", "rurls").unique()
    together: set[str] = set()
    for canon, rurls in rows.iter_rows():
        in_message = {canon, *(u for (u,) in _chunk_urls(rurls or ""))}
        if best in in_message:
            together |= in_message
    return [u for u in same if u not in together]


def _chunk_urls(chunk: str) -> list[tuple[str]]:
    return [(c,) for u in chunk.split(",") if (c := canonical_linkedin_url(u.strip())) is not None]


def _chunk_names(chunk: str) -> list[tuple[str]]:
    return [(n,) for n in split_names(chunk) if n.casefold() != LINKEDIN_MEMBER]


def _records(msgs: pl.DataFrame, mentions: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records numbered by first mention, and the messages with ``sender_id`` and ``recipient_ids``."""
    m = mentions.with_row_index("mi")
    firsts = (m.group_by("key").agg(pl.col("mi").first(), pl.len().alias("n_mentions"),
                                    pl.col("name", "seq", "pos").first())
              .sort("mi").with_row_index("rid").with_columns(pl.col("rid").cast(pl.Int64)))
    firsts = (firsts.join(msgs.select("seq", "line"), on="seq", how="left").sort("rid")
              .with_columns(pl.when(pl.col("pos") == 0).then(pl.lit("sender")).otherwise(pl.lit("recipient"))
                            .alias("role"),
                            pl.when(pl.col("key") == _MEMBER_KEY).then(pl.lit(HIDDEN_MEMBER_HINT))
                            .when(pl.col("key").str.starts_with(_SPONSORED)).then(pl.lit(SPONSORED_HINT))
                            .alias("hint")))
    # (joins that keep the left frame's order instead of a sort afterwards: each sort copied the table again)
    rid = m.select("seq", "pos", "key").join(firsts.select("key", "rid"), on="key", how="left",
                                             maintain_order="left").select("seq", "pos", "rid")
    sender = rid.filter(pl.col("pos") == 0).select("seq", pl.col("rid").alias("sender_id"))
    recips = rid.filter(pl.col("pos") > 0).group_by("seq", maintain_order=True).agg(
        pl.col("rid").alias("recipient_ids"))
    # (msgs are in seq order: the concatenation of two frames numbered in order)
    messages = (msgs.join(sender, on="seq", how="left", maintain_order="left")
                .join(recips, on="seq", how="left", maintain_order="left")
                .select("msg_key", pl.col("ts").alias("timestamp"), pl.lit("linkedin_message").alias("channel"),
                        pl.when(pl.col("cid") != "").then(pl.col("cid")).alias("thread_id"), "sender_id",
                        pl.col("recipient_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64()))),
                        (pl.col("recipient_ids").list.len().fill_null(0) + 1).cast(pl.Int32).alias("n_participants"),
                        "line"))
    keys = firsts["key"]
    records = firsts.select(
        "line", "role",
        _by_distinct(firsts["name"].fill_null(""), clean_texts).alias("name"),
        pl.when(~pl.col("key").str.starts_with("\x00"))
        .then(_by_distinct(keys, canonical_linkedin_urls)).alias("linkedin_url"),
        "n_mentions", pl.col("hint").alias("automated_hint"),
    )
    return records, messages
