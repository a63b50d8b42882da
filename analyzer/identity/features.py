"""Features of identity records, each computed once per unique string: cleaned names, emails, local-part
name patterns, company tokens, term frequencies of names, small-thread membership."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote

import polars as pl

from analyzer.linkage import LinkageSettings
from analyzer.names import (
    _NON_ALPHA,
    _SEPS,
    Nicknames,
    company_tokens,
    domain_token,
    domain_tokens,
    is_ascii_expr,
    is_role_local,
    is_webmail,
    key,
    local_name_hint,
    local_name_hint_exprs,
    local_name_parts,
    parse_name_frame,
    role_local_expr,
)
from analyzer.normalize import _FOLD, _GMAIL, _PLUS_PROVIDERS, normalize_email

CONNECTIONS_KIND = "linkedin.connections"
_TOK = {"idx": pl.Int64, "tok": pl.String}

#: the date LinkedIn writes in an archive's name, month first: ``Complete_LinkedInDataExport_10-28-2026.zip``,
#: ``Basic_LinkedInDataExport_04-29-2021``, ``… (1)``, ``….zip.zip``
_EXPORT_NAME = re.compile(r"LinkedInDataExport_(\d{2})-(\d{2})-(\d{4})(?!\d)", re.IGNORECASE)


def export_name_date(source_file: str) -> date | None:
    """The export date in the name of the LinkedIn archive or folder holding ``source_file`` (the innermost
    one that has LinkedIn's ``…LinkedInDataExport_MM-DD-YYYY`` name), else None."""
    for part in reversed(re.split(r"[/\\!]", source_file)):
        for m in reversed(list(_EXPORT_NAME.finditer(part))):
            month, day, year = (int(g) for g in m.groups())
            try:
                day_of = date(year, month, day)
            except ValueError:
                continue
            if 1970 <= year <= 2100:
                return day_of
    return None


def connection_export_dates(records: pl.DataFrame) -> pl.DataFrame:
    """(source_file, export_date) of each LinkedIn Connections file of ``records`` (RECORDS columns
    source_kind, source_file, connected_on): the date in its archive's or folder's name (LinkedIn's), else the
    latest ``Connected On`` in it (an export holds every connection made up to its date), else null. Of two
    exports of one account, the newer one shows a connection's current company and position."""
    schema = {"source_file": pl.String, "export_date": pl.Date}
    if not {"source_kind", "source_file", "connected_on"} <= set(records.columns):
        return pl.DataFrame(schema=schema)
    files = (records.filter(pl.col("source_kind") == CONNECTIONS_KIND)
             .group_by("source_file").agg(pl.col("connected_on").max().alias("latest")).sort("source_file"))
    named = pl.Series("named", [export_name_date(f) for f in files.get_column("source_file").to_list()],
                      dtype=pl.Date)
    return files.select("source_file", pl.coalesce(named, pl.col("latest")).alias("export_date")) \
        .cast(schema)  # type: ignore[arg-type]


@dataclass
class Features:
    """Scalar features per record (``f``, one row per record, ``idx`` = position) and set-valued features as
    long ``(idx, tok)`` tables (``tok``): email, email_any, local, local_long, work_local, work_domain, work_org (with
    ``addr``, the work address),
    last, comp, pattern. ``given_name_pairs``: given names that the records show to be one person's (a
    signature "Zhang Kaiwen" above the work name "Kevin Zhang"), with the family name they were seen with:
    (work given name, other given name, family name); one person's, so they link only names with that family name."""

    f: pl.DataFrame
    tok: dict[str, pl.DataFrame]
    given_name_pairs: list[tuple[str, str, str]] = field(default_factory=list)


def split_tokens(df: pl.DataFrame, col: str, *, distinct: bool = True) -> pl.DataFrame:
    """(idx, space-separated string) -> long (idx, tok) table; ``distinct=False``: a row may repeat (for a
    table only ever searched, the hashing of every row saved)."""
    long = (df.select("idx", pl.col(col).str.split(" ").alias("tok")).explode("tok")
            .filter(pl.col("tok").is_not_null() & (pl.col("tok") != "")))
    return long.unique() if distinct else long


def compute_features(recs: pl.DataFrame) -> Features:
    """Comparison features, each computed once per unique string (Python) and joined back (polars)."""
    tok: dict[str, pl.DataFrame] = {}
    # ---- names -------------------------------------------------------------------------------------------
    trip = recs.select("name", "first_name", "last_name").unique(maintain_order=True)
    # the signatures' names are parsed in the same call (display names alone), after the records' names
    sig_names = recs.get_column("sig_name").drop_nulls().unique()
    parsed = parse_name_frame(pl.concat([trip, pl.DataFrame(
        {"name": sig_names, "first_name": None, "last_name": None},
        schema={"name": pl.String, "first_name": pl.String, "last_name": pl.String})]))
    sig_parsed = pl.DataFrame({"sig_name": sig_names}).hstack(
        parsed.slice(trip.height).select(pl.col("first").alias("p_first"), pl.col("last").alias("p_last")))
    trip = trip.hstack(parsed.head(trip.height))
    # a signature's LinkedIn URL is the sender's profile (SPEC §5: linking evidence)
    f = recs.select("idx", "record_id", "source_file", "source_kind", "name", "first_name", "last_name",
                    "linkedin_url", "sig_linkedin_url", "sig_name", "company", "is_owner", "is_auto") \
        .join(trip, on=["name", "first_name", "last_name"], how="left", nulls_equal=True)
    f = _with_signature_urls(f, recs, sig_parsed)
    f = _slug_order(f)
    pairs = _signature_given_names(recs, f, sig_parsed)

    # ---- emails ------------------------------------------------------------------------------------------
    ex = recs.select("idx", pl.col("emails").alias("raw")).explode("raw").drop_nulls("raw")
    ex = ex.join(_email_facts(ex.get_column("raw").unique(maintain_order=True).to_list()), on="raw", how="inner")
    tok["email_any"] = ex.select("idx", pl.col("email").alias("tok")).unique()
    pe = ex.filter(~pl.col("role"))
    la = pl.col("local_alpha")
    tok["email"] = pe.select("idx", pl.col("email").alias("tok")).unique()
    tok["local_long"] = pe.filter(la.str.len_chars() >= 5).select("idx", la.alias("tok")).unique()
    tok["work_domain"] = pe.filter(~pl.col("webmail")).select("idx", pl.col("domain").alias("tok")).unique()
    # the organisation of each work address, with the address itself (two addresses at one employer in use at
    # the same time are two people's)
    tok["work_org"] = pe.filter(~pl.col("webmail") & (pl.col("org_key") != "")) \
        .select("idx", pl.col("org_key").alias("tok"), pl.col("email").alias("addr")).unique()
    tok["local"] = pe.filter(la.str.len_chars() >= 2).select("idx", la.alias("tok")).unique()
    tok["work_local"] = pe.filter(~pl.col("webmail") & (la.str.len_chars() >= 3)).select("idx", la.alias("tok")) \
        .unique()
    org = split_tokens(pe, "org")
    hints = (pe.filter(pl.col("hint_first") != "").sort(["idx", "email"])
             .group_by("idx").agg(pl.col("hint_first").first(), pl.col("hint_last").first()))
    counts = [tok["email"].group_by("idx").len("n_email"), tok["email_any"].group_by("idx").len("n_any"),
              tok["local"].group_by("idx").len("n_local")]
    f = f.join(hints, on="idx", how="left")
    for c in counts:
        f = f.join(c, on="idx", how="left")

    # ---- companies ---------------------------------------------------------------------------------------
    # a signature's "Title | Company" says which company the sender's mail domain belongs to
    rc = pl.concat([recs.select("idx", "company"), recs.select("idx", pl.col("sig_company").alias("company"))]) \
        .drop_nulls("company")
    comps = rc.get_column("company").unique(maintain_order=True).to_list()
    cmap = pl.DataFrame({"company": comps, "ctoks": [" ".join(company_tokens(c)) for c in comps]},
                        schema={"company": pl.String, "ctoks": pl.String})
    ctok = split_tokens(rc.join(cmap, on="company"), "ctoks")
    tok["comp"] = pl.concat([ctok, org]).unique()

    # ---- a nameless record takes its name from a "john.smith@" / "j.smith@" address ----------------------
    hinted = (pl.col("first") == "") & (pl.col("last") == "") & pl.col("hint_first").is_not_null()
    f = f.with_columns(
        pl.when(hinted).then(pl.col("hint_first")).otherwise(pl.col("first")).alias("first"),
        pl.when(hinted).then(pl.col("hint_last")).otherwise(pl.col("last")).alias("last"),
        pl.when(hinted).then(pl.col("hint_last")).otherwise(pl.col("last_toks")).alias("last_toks"),
        hinted.alias("from_email"),
        *[pl.col(c).fill_null(0).cast(pl.Int64) for c in ("n_email", "n_any", "n_local")],
    ).with_columns(
        ((pl.col("first") == "") & (pl.col("last") == "")).alias("nameless"),
        pl.when(pl.col("source_kind") == CONNECTIONS_KIND).then(pl.col("source_file")).alias("conn_file"),
    ).drop("hint_first", "hint_last").sort("idx")
    tok["last"] = split_tokens(f, "last_toks")
    # split per distinct name (one row per record and name: the join with the records adds no duplicates)
    pats = _local_part_pattern_frame(f, Nicknames.default()).with_columns(pl.col("pats").str.split(" ")) \
        .explode("pats").filter(pl.col("pats").is_not_null() & (pl.col("pats") != "")).unique()
    tok["pattern"] = f.select("idx", "first", "last").join(pats, on=["first", "last"]) \
        .select("idx", pl.col("pats").alias("tok"))
    return Features(f, {k: v.cast(_TOK) for k, v in tok.items()}, pairs)  # type: ignore[arg-type]


_EMAIL_FACTS = {"raw": pl.String, "email": pl.String, "role": pl.Boolean, "webmail": pl.Boolean, "domain": pl.String,
                "org": pl.String, "org_key": pl.String, "local_alpha": pl.String, "local_key": pl.String,
                "hint_first": pl.String, "hint_last": pl.String}
#: what Python's ``str.strip()`` strips from an ASCII string
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


#: an address :func:`normalize_email` returns unchanged, unless it is at a provider whose dots or ``+tags`` it
#: drops or whose domain it folds (tested apart): lower-case ASCII, no space, bracket or dot around it
_NORMAL_EMAIL = r"^[a-z0-9_%+'-][a-z0-9._%+'-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+$"


def _email_facts(raws: list[str]) -> pl.DataFrame:
    """(raw, email, role, webmail, domain, org tokens, org, local_alpha, local_key, hint_first, hint_last) of
    every raw address that normalises, in the order of ``raws``: :func:`analyzer.names.email_info` field by
    field, the domain's facts once per domain (Python); the other facts of an ASCII address as columns, of the
    few others by the same functions in Python (:func:`_email_rows`). A Gmail address normalised to
    ``janedoe@`` reads its name hint from the address as written (``jane.doe@``)."""
    # an address already in its normal form (what ingest mostly hands over) is its own normal form: only the
    # others go through normalize_email in Python
    r = pl.Series("raw", raws, dtype=pl.String)
    done = r.str.contains(_NORMAL_EMAIL) & (r.str.len_bytes() <= 254)
    dom = r.str.extract(r"@(.*)$", 1)
    done = done & ~(dom.is_in(sorted(_GMAIL)) & r.str.contains(r"\..*@"))
    done = done & ~(dom.is_in(sorted(_PLUS_PROVIDERS)) & r.str.contains(r"\+.*@")) & ~dom.is_in(sorted(_FOLD))
    todo = r.filter(~done).to_list()
    e = pl.DataFrame({"raw": r, "done": done})
    if todo:
        normal = pl.DataFrame({"raw": todo, "email": [normalize_email(x) for x in todo]},
                              schema={"raw": pl.String, "email": pl.String})
        e = e.join(normal, on="raw", how="left", maintain_order="left") \
            .with_columns(pl.when(pl.col("done")).then(pl.col("raw")).otherwise(pl.col("email")).alias("email"))
    else:
        e = e.with_columns(pl.col("raw").alias("email"))
    e = e.select("raw", "email").drop_nulls("email")
    fast = e.filter(is_ascii_expr(pl.col("raw")) & is_ascii_expr(pl.col("email")))
    slow = e.join(fast, on="raw", how="anti").get_column("raw").to_list()
    # (a normalised address has one "@": split, not searched with a regex)
    at = pl.col("email").str.split_exact("@", 1)
    local = at.struct.field("field_0").str.split_exact("+", 1).struct.field("field_0")
    domain = at.struct.field("field_1")
    domains = fast.select(domain.unique().alias("domain")).get_column("domain").to_list()
    dfacts = pl.DataFrame([(d, *_domain_facts(d)) for d in domains],
                          schema={"domain": pl.String, "webmail": pl.Boolean, "org_key": pl.String, "org": pl.String},
                          orient="row")
    # Gmail: "jane.doe@" is normalised to "janedoe@": the hint of the address as written
    # (only where the address was changed by normalising: elsewhere the address as written is its normal form,
    # whose words are the parts', so the hint from it is the one already read)
    raw_local = pl.when(pl.col("raw") != pl.col("email")).then(pl.col("raw")).str.strip_chars(_ASCII_SPACE) \
        .str.extract(r"(?s)^(.*)@", 1).fill_null("")
    facts = fast.with_columns(local.alias("local"), domain.alias("domain")) \
        .join(dfacts, on="domain", how="left", maintain_order="left") \
        .with_columns(pl.col("local").str.to_lowercase().alias("low"), local_name_parts(raw_local).alias("raw_parts")) \
        .with_columns(  # local_name_parts of the local part, read from its lower-case form (it has no +tag)
            pl.col("low").str.replace_all("[0-9]+", "").str.extract_all(r"[^-_.]+").alias("parts"))
    hint_first, hint_last = local_name_hint_exprs(pl.col("parts"))
    raw_first, raw_last = local_name_hint_exprs(pl.col("raw_parts"))
    role, low = pl.col("role"), pl.col("low")
    facts = facts.with_columns(role_local_expr(low).alias("role")).with_columns(
        pl.when(role).then(pl.lit("")).otherwise(hint_first).alias("hint_first"),
        pl.when(role).then(pl.lit("")).otherwise(hint_last).alias("hint_last"),
        low.str.replace_all(_NON_ALPHA.pattern, "").alias("local_alpha"),
        low.str.replace_all(_SEPS.pattern, "").alias("local_key"))
    from_raw = ~role & (pl.col("hint_first") == "")
    facts = facts.with_columns(pl.when(from_raw).then(raw_first).otherwise(pl.col("hint_first")).alias("hint_first"),
                               pl.when(from_raw).then(raw_last).otherwise(pl.col("hint_last")).alias("hint_last")) \
        .select(list(_EMAIL_FACTS))
    rest = pl.DataFrame(_email_rows(slow), schema=_EMAIL_FACTS, orient="row")
    return pl.DataFrame({"raw": raws}, schema={"raw": pl.String}) \
        .join(pl.concat([facts, rest]), on="raw", how="inner", maintain_order="left")


def _domain_facts(domain: str) -> tuple[bool, str, str]:
    """(webmail, organisation label, its company tokens space-separated) of a domain."""
    web = is_webmail(domain)
    org = "" if web else domain_token(domain)
    return web, org, " ".join(domain_tokens(org))


def _email_rows(raws: list[str]) -> list[tuple[object, ...]]:
    """The rows of :func:`_email_facts` of ``raws`` (those that normalise) in Python, one address at a time."""
    rows: list[tuple[object, ...]] = []
    domains: dict[str, tuple[bool, str, str]] = {}
    seen: dict[str, tuple[object, ...]] = {}
    for raw in raws:
        n = normalize_email(raw)
        if n is None:
            continue
        info = seen.get(n)
        if info is None:
            local, _, domain = n.rpartition("@")
            local = local.split("+", 1)[0]
            d = domains.get(domain)
            if d is None:
                d = domains[domain] = _domain_facts(domain)
            role = is_role_local(local)
            low = local.lower()
            hf, hl = ("", "") if role else local_name_hint(local)
            info = seen[n] = (n, role, d[0], domain, d[2], d[1], _NON_ALPHA.sub("", low), _SEPS.sub("", low), hf,
                              hl)
        hint = info[8:10]
        if not info[1] and not hint[0]:  # Gmail: "jane.doe@" is normalised to "janedoe@"
            hint = local_name_hint(raw.strip().rpartition("@")[0])
        rows.append((raw, *info[:8], *hint))
    return rows


def slug_names_the_person(url: str, first: str, last_toks: str) -> bool:
    """Whether the profile URL ``url``'s slug can be the profile of a person named ``first`` ``last_toks`` (the
    name keys of :func:`~analyzer.names.parse_name_frame`): a word of the slug holds one of the family name's
    tokens (equal, at its start or end, or inside it for four letters or more: ``jane-doe-42``, ``jdoe``,
    ``huixu``), and no word of the slug is a given name (one the nickname table knows) that is not ``first``
    or one of its nicknames (``jane-smith`` is not Bob Smith's; ``yuxuan-li``, a native given name, can be
    Tony Li's)."""
    words = _slug_words(url)
    family = [tok for tok in last_toks.split() if len(tok) >= 2]
    held = {w for w in words for tok in family
            if w == tok or w.startswith(tok) or w.endswith(tok) or (len(tok) >= 4 and tok in w)}
    if not held:
        return False
    nick = Nicknames.default()
    return all(w == first or w in held or not nick.neighbours(w) or nick.related(w, first) for w in words)


def _slug_words(url: str) -> list[str]:
    """The words of a profile URL's slug (name keys), without the id LinkedIn adds (``-2c7bea``)."""
    slug = unquote(url.rsplit("/in/", 1)[-1])
    head, _, tail = slug.rpartition("-")
    if head and any(c.isdigit() for c in tail):
        slug = head
    return key(slug).split()


def _slug_spells(url: str, local: str) -> bool:
    """Whether the slug of ``url`` spells the address's local part ``local`` (its letters: ``fwang64`` and
    ``fwang@``, ``shirin-white-d3ccee`` and ``shirinwhite78@``)."""
    letters = "".join(key(local).split())
    return len(letters) >= 4 and "".join(_slug_words(url)) == letters


def _with_signature_urls(f: pl.DataFrame, recs: pl.DataFrame, sig_parsed: pl.DataFrame) -> pl.DataFrame:
    """``f`` whose ``linkedin_url`` is the record's own, else its signature's (``sig_linkedin_url``) when that
    URL's slug can name the record's name, the name in the signature or, for a record without a name, the name
    its address spells (``brian.bell@``) (:func:`slug_names_the_person`), or spells that address (``fwang@``,
    ``fwang64``); the signature columns dropped. A
    profile URL at the end of a message is often someone else's, passed on ("here is her profile"): taken as the
    sender's, it made two senders who passed on one profile one person, and a sender the profile's owner."""
    sig = pl.col("sig_linkedin_url")
    asked = f.filter(pl.col("linkedin_url").is_null() & sig.is_not_null())
    if asked.height == 0:
        return f.drop("sig_linkedin_url", "sig_name")
    named = asked.join(sig_parsed.select("sig_name", "p_first", pl.col("p_last").alias("p_last_toks")),
                       on="sig_name", how="left") \
        .join(recs.select("idx", "emails"), on="idx", how="left") \
        .select("idx", "sig_linkedin_url", pl.col("first").fill_null(""), pl.col("last_toks").fill_null(""),
                pl.col("p_first").fill_null(""), pl.col("p_last_toks").fill_null(""), "emails")
    own = []
    for i, url, first, toks, p_first, p_toks, emails in named.rows():
        names = [(first, toks), (p_first, p_toks)]
        locals_ = [e.split("@", 1)[0] for e in emails or ()] if not first and not toks else []
        names += [local_name_hint(local) for local in locals_]
        # (and read the other way round: "Guo Zhiwei", family name first, is zguo31)
        if any(slug_names_the_person(url, a, b) or slug_names_the_person(url, b, a) for a, b in names if a and b) \
                or any(_slug_spells(url, local) for local in locals_):
            own.append(i)
    ok = pl.col("idx").is_in(pl.Series(own, dtype=pl.Int64).implode())
    return f.with_columns(pl.when(pl.col("linkedin_url").is_null() & ok).then(sig).otherwise(pl.col("linkedin_url"))
                          .alias("linkedin_url")).drop("sig_linkedin_url", "sig_name")


def _slug_order(f: pl.DataFrame) -> pl.DataFrame:
    """A LinkedIn slug is written given name first (``wei-wang-1a2b``): a record whose parsed name is that
    slug's two names the other way round ("WANG Wei" read as given name Wang) takes the slug's order."""
    slug = pl.col("_slug")
    s0, s1 = slug.list.get(0, null_on_oob=True), slug.list.get(1, null_on_oob=True)
    swap = (pl.col("linkedin_url").is_not_null() & (pl.col("first") != pl.col("last"))
            & (pl.col("first").str.len_chars() > 1) & (s0 == pl.col("last")) & (s1 == pl.col("first"))) \
        .fill_null(False)
    # the slug and the swap flag are materialised once (as expressions, each of the three columns recomputed them)
    f = f.with_columns(pl.col("linkedin_url").str.extract(r"/in/([^/?#]+)").str.split("-").alias("_slug")) \
        .with_columns(swap.alias("_swap"))
    sw = pl.col("_swap")
    return f.with_columns(
        pl.when(sw).then(pl.col("last")).otherwise(pl.col("first")).alias("first"),
        pl.when(sw).then(pl.col("first")).otherwise(pl.col("last")).alias("last"),
        pl.when(sw).then(pl.col("first")).otherwise(pl.col("last_toks")).alias("last_toks"),
    ).drop("_slug", "_swap")


def _signature_given_names(recs: pl.DataFrame, f: pl.DataFrame,
                           parsed: pl.DataFrame | None = None) -> list[tuple[str, str, str]]:
    """(work given name, given name of the signature, family name) for every mail whose signature gives the
    sender's full name with the same family name and another given name ("Zhang Kaiwen" above "Kevin Zhang"):
    the evidence that links an English work name to the native one, for that family name only (another
    Kevin's native name may be another). Never invented from a table. ``parsed`` (sig_name, p_first, p_last):
    the signatures' names already parsed as display names (parsed here when None)."""
    sig = recs.select("idx", "sig_name").drop_nulls("sig_name").join(f.select("idx", "first", "last"), on="idx") \
        .select("sig_name", "first", "last").unique()
    if parsed is None:
        names = sig.select(pl.col("sig_name").unique().alias("name"),
                           pl.lit(None, dtype=pl.String).alias("first_name"),
                           pl.lit(None, dtype=pl.String).alias("last_name"))
        parsed = names.select(pl.col("name").alias("sig_name")).hstack(
            parse_name_frame(names).select(pl.col("first").alias("p_first"), pl.col("last").alias("p_last")))
    first, last, p_first, p_last = pl.col("first"), pl.col("last"), pl.col("p_first"), pl.col("p_last")
    other = pl.when(p_last == last).then(p_first).when(p_first == last).then(p_last).otherwise(pl.lit(""))
    found = sig.join(parsed, on="sig_name") \
        .filter((first.str.len_chars() >= 2) & (last != "") & (p_first.str.len_chars() >= 2) & (p_last != "")) \
        .select("first", other.alias("other"), "last").filter((pl.col("other") != "") & (pl.col("other") != first))
    return sorted(set(found.rows()))


def record_activity(messages: pl.DataFrame | None, id_to_idx: pl.DataFrame,
                    at_work: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """What the messages say about the records of ``id_to_idx`` (record_id, idx), in one pass over them:
    (periods: idx, first_seen, last_seen -- the dates each record of ``at_work`` (idx) was in use; together:
    idx, msg, n -- every message each record sent or received, with its number of participants; a pair may
    repeat)."""
    empty = pl.DataFrame(schema={"idx": pl.Int64, "first_seen": pl.Date, "last_seen": pl.Date})
    if messages is None or messages.height == 0:
        return empty, None
    m = messages.lazy().with_row_index("msg").select(
        "msg", pl.col("n_participants").alias("n"), pl.col("timestamp").dt.date().alias("d"), "sender_id",
        "recipient_ids")
    part = pl.concat([m.select("msg", "n", "d", pl.col("sender_id").alias("record_id")),
                      m.select("msg", "n", "d", pl.col("recipient_ids").alias("record_id")).explode("record_id")])
    act = part.drop_nulls("record_id").join(id_to_idx.lazy(), on="record_id").select("idx", "msg", "n", "d") \
        .collect()
    periods = act.join(at_work, on="idx", how="semi").drop_nulls("d").group_by("idx") \
        .agg(pl.col("d").min().alias("first_seen"), pl.col("d").max().alias("last_seen"))
    # not made distinct (a record both sender and recipient of a message is listed twice): what reads it takes
    # the smallest n per record or the distinct (message, cluster) pairs
    return periods, act.select("idx", "msg", "n")


def _local_part_pattern_frame(f: pl.DataFrame, nick: Nicknames) -> pl.DataFrame:
    """(first, last, pats): the email local parts that spell every distinct (first, last) of ``f``, one row per
    pattern, computed as columns: the name's :func:`analyzer.names.name_patterns` and its one-hop nicknames'
    full forms (joewillis for Joseph Willis). A pattern only ever matches the local part of a nameless address."""
    fl = f.select("first", "last").unique()
    first, last = pl.col("first"), pl.col("last")
    long_last = last.str.len_chars() >= 2
    own = fl.filter((first.str.len_chars() >= 2) & long_last).select(
        "first", "last", pl.concat_list(first + last, first.str.slice(0, 1) + last, last + first,
                                        last + first.str.slice(0, 1), first + last.str.slice(0, 1)).alias("pats")) \
        .explode("pats")
    nb = nick.spelled_pairs_frame()
    nicks = fl.filter(long_last).join(nb, on="first").select("first", "last", (pl.col("nick") + last).alias("pats"))
    return pl.concat([own, nicks])


def term_frequencies(f: pl.DataFrame, st: LinkageSettings) -> dict[str, pl.DataFrame]:
    """Exact-level weights per first/last name value from this run's own records, counted once per
    deterministic cluster (``comp``): ``log2(m / u)`` with ``u`` the smoothed share of clusters with the value."""
    out: dict[str, pl.DataFrame] = {}
    t = st.term_frequency
    for col, comp in (("first", "first_name"), ("last", "last_name")):
        lv = st.comparison(comp).level("exact")
        if not lv.tf_adjusted or lv.m is None or lv.u is None:
            continue
        v = f.filter(pl.col(col).str.len_chars() > 1).select(col, "comp").unique()
        n = v.get_column("comp").n_unique() if v.height else 0
        u = (pl.col("len") + t.pseudo_count * lv.u) / (n + t.pseudo_count)
        w = (pl.lit(lv.m) / u).log(2).clip(t.min_weight, lv.weight + t.max_boost)
        out[col] = v.group_by(col).len().select(pl.col(col).alias("value"), w.alias("w"))
    return out


#: A thread with more records than this (mass mail, a company-wide thread) corroborates nothing: two namesakes
#: may well both be on it.
MAX_THREAD_RECORDS = 6


def thread_membership(messages: pl.DataFrame | None, id_to_idx: pl.DataFrame) -> pl.DataFrame | None:
    """(idx, tok = hash of the thread id) for every record that sent or received a message of a small thread
    (at most ``MAX_THREAD_RECORDS`` records)."""
    if messages is None or messages.height == 0:
        return None
    m = messages.lazy().filter(pl.col("thread_id").is_not_null()) \
        .select(pl.col("thread_id").hash(7).alias("tok"), "sender_id", "recipient_ids")  # u64: lighter joins
    mem = pl.concat([
        m.select("tok", pl.col("sender_id").alias("record_id")),
        m.select("tok", pl.col("recipient_ids").alias("record_id")).explode("record_id"),
    ]).drop_nulls().unique()
    mem = mem.filter(pl.len().over("tok") <= MAX_THREAD_RECORDS)
    return mem.join(id_to_idx.lazy(), on="record_id").select("idx", "tok").collect()
