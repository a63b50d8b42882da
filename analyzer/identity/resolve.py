"""Identity resolution end to end: ``resolve`` (SPEC §5) and ``score_pairs``."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Sequence
from hashlib import blake2b
from typing import Any

import numpy as np
import polars as pl

from analyzer import schemas
from analyzer.identity.blocking import candidate_pairs, comparison_units, useful_patterns
from analyzer.identity.comparison import cluster_company_tokens, compare_pairs
from analyzer.identity.corrections import Corrections, IdentityIndex
from analyzer.identity.decision import (
    CareerFacts,
    Edge,
    NameT,
    NearMissRows,
    family_names_compatible,
    first_names_compatible,
    name_edge,
    one_address_one_person,
    rare_name_merges,
    record_names,
    root_careers,
)
from analyzer.identity.estimation import (
    company_token_weights,
    estimate_company_u,
    estimate_m_by_em,
    estimate_thread_u,
    random_unit_pairs,
)
from analyzer.identity.explanations import (
    DETERMINISTIC_WEIGHT,
    MATCH_COLS,
    NEAR_MISSES,
    Resolved,
    build_people,
    evidence_words,
    levels_text,
    unlist_addresses,
)
from analyzer.identity.features import (
    Features,
    compute_features,
    connection_export_dates,
    record_activity,
    term_frequencies,
    thread_membership,
)
from analyzer.identity.namesakes import NamesakeClusters, personal_boxes, work_boxes
from analyzer.linkage import LinkageSettings, probability, weight_for_probability
from analyzer.names import (
    Nicknames,
    parse_name_frame,
)
from analyzer.normalize import normalize_email
from analyzer.owner import Owner

log = logging.getLogger(__name__)


def person_id_hash(key: str) -> str:
    return "p" + blake2b(key.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


def _person_ids(f: pl.DataFrame, feats: Features, roots: list[int]) -> dict[int, str]:
    """Stable person id per cluster root: a hash of the cluster's smallest strong key — its smallest LinkedIn
    URL, else its smallest personal address, else any address, else its first record (file, id, name)."""
    # one query (record-sized tables: the in-memory engine, as eager operations use)
    rt = pl.DataFrame({"idx": pl.int_range(len(roots), dtype=pl.Int64, eager=True),
                       "root": pl.Series(roots, dtype=pl.Int64)}).lazy()
    live = f.lazy().filter(pl.col("grp") != "ignored").select("idx", "grp", "linkedin_url", "source_file",
                                                              "record_id", "name").join(rt, on="idx")
    keys = live.group_by("root").agg(
        pl.col("grp").first().alias("grp"),
        pl.col("linkedin_url").drop_nulls().min().alias("url"),
        pl.concat_str(pl.col("source_file"), pl.lit("|"), pl.col("record_id").cast(pl.String), pl.lit("|"),
                      pl.col("name").fill_null("")).sort_by("idx").first().alias("fallback"),
        pl.col("idx").min().alias("first_idx"),
    )
    for name in ("email", "email_any"):
        e = feats.tok[name].lazy().join(rt, on="idx").group_by("root").agg(pl.col("tok").min().alias(name))
        keys = keys.join(e, on="root", how="left")
    key = (pl.when(pl.col("url").is_not_null()).then(pl.lit("url:") + pl.col("url"))
           .when(pl.col("email").is_not_null()).then(pl.lit("email:") + pl.col("email"))
           .when(pl.col("email_any").is_not_null()).then(pl.lit("email:") + pl.col("email_any"))
           .otherwise(pl.lit("rec:") + pl.col("fallback")).alias("key"))
    keys_found = keys.sort("first_idx").select("root", "grp", key).collect(engine="in-memory")
    out: dict[int, str] = {}
    used: set[str] = set()
    for root, grp, key in keys_found.rows():
        if grp == "owner":
            out[root] = schemas.OWNER_PERSON_ID
            continue
        pid, i = person_id_hash(key), 2
        while pid in used:  # two clusters with the same smallest key (e.g. a refused shared address)
            pid, i = person_id_hash(f"{key}#{i}"), i + 1
        used.add(pid)
        out[root] = pid
    return out


def _round3(w: np.ndarray) -> np.ndarray:
    """Python's ``round(x, 3)`` of every value, vectorised: ``rint(x * 1000) / 1000`` is the double nearest
    the correctly rounded decimal (what ``round`` returns) whenever ``x * 1000`` is not within 1e-6 of a
    half; those few values (and huge or non-finite ones) are rounded by Python."""
    scaled = w * 1000.0
    n = np.rint(scaled)
    with np.errstate(invalid="ignore"):
        unsafe = ~(np.abs(scaled - n) < 0.5 - 1e-6) | ~(np.abs(scaled) < 2.0 ** 50)
    out = n / 1000.0
    for i in np.flatnonzero(unsafe).tolist():
        out[i] = round(float(w[i]), 3)
    return out


def _by_record_id(records: pl.DataFrame) -> pl.DataFrame:
    """``records`` sorted by record_id: as they are, without a copy, when they already are (as ingest makes
    them: a sort copies every column, 40 MB held through identity on the large profile)."""
    return records if records.get_column("record_id").is_sorted() else records.sort("record_id")


def _near_miss_frame(rows: pl.DataFrame, rec: pl.DataFrame, pid_list: list[str | None]) -> pl.DataFrame:
    """The NEAR_MISSES rows of ``rows`` (:data:`NEAR_ROW_SCHEMA`: l, r, levels, weight, reason; l and r record
    positions in ``rec``: record_id, name); weights and probabilities rounded once per distinct weight."""
    # Python's round and probability (exactly what the rows always showed), once per distinct weight (bits)
    bits_ = rows.get_column("weight").to_numpy().astype(np.float64).view(np.int64)
    distinct, back = np.unique(bits_, return_inverse=True)
    ws = distinct.view(np.float64).tolist()
    rounded_w = _round3(distinct.view(np.float64))[back]
    rounded_p = np.array([round(probability(w), 4) for w in ws], dtype=np.float64)[back]
    ids = rec.get_column("record_id")
    names = rec.get_column("name")
    pids = pl.Series(pid_list, dtype=pl.String)
    pos_l, pos_r = rows.get_column("l"), rows.get_column("r")
    return pl.DataFrame({
        "record_id_l": ids.gather(pos_l), "record_id_r": ids.gather(pos_r),
        "person_id_l": pids.gather(pos_l), "person_id_r": pids.gather(pos_r),
        "name_l": names.gather(pos_l), "name_r": names.gather(pos_r),
        "levels": rows.get_column("levels"),
        "match_weight": pl.Series(rounded_w, dtype=pl.Float64),
        "probability": pl.Series(rounded_p, dtype=pl.Float64),
        "reason": rows.get_column("reason")}, schema=NEAR_MISSES)


def _match_frame(edges: list[Edge], rec: pl.DataFrame) -> pl.DataFrame:
    """The MATCH_COLS rows of ``edges`` (l, r record positions in ``rec``: record_id, source_file, name),
    built column by column."""
    left, right, rules, levels, weights, evidence = (list(c) for c in zip(*edges, strict=True)) if edges \
        else ([], [], [], [], [], [])
    pos_l, pos_r = pl.Series(left, dtype=pl.Int64), pl.Series(right, dtype=pl.Int64)
    ids, src, nm = (rec.get_column(c) for c in ("record_id", "source_file", "name"))
    return pl.DataFrame({
        "record_id_l": ids.gather(pos_l), "record_id_r": ids.gather(pos_r),
        "source_l": src.gather(pos_l), "source_r": src.gather(pos_r),
        "name_l": nm.gather(pos_l), "name_r": nm.gather(pos_r),
        "rule": pl.Series(rules, dtype=pl.String), "levels": pl.Series(levels, dtype=pl.String),
        "match_weight": pl.Series([float(w) for w in weights], dtype=pl.Float64),
        "evidence": pl.Series(evidence, dtype=pl.String)}, schema=MATCH_COLS)


def address_keys(f: pl.DataFrame, feats: Features) -> pl.DataFrame:
    """(idx, key, role): the normalised addresses and LinkedIn URLs of every person or automated record,
    ``role`` true for a role address (team@, info@)."""
    live = f.filter(pl.col("grp").is_in(["person", "automated"])).select("idx")
    personal = feats.tok["email"].join(live, on="idx").select("idx", "tok", pl.lit(False).alias("role"))
    return pl.concat([
        feats.tok["email_any"].join(live, on="idx").join(personal, on=["idx", "tok"], how="left")
        .select("idx", pl.col("tok").alias("key"), pl.col("role").fill_null(True)),
        f.filter(pl.col("grp").is_in(["person", "automated"]) & pl.col("linkedin_url").is_not_null())
        .select("idx", pl.col("linkedin_url").alias("key"), pl.lit(False).alias("role"))])


class _OwnersRelatives:
    """Tells a relative's record among those that share an address with the owner's: a spouse's card that
    lists the household's family@ (the owner's, by ``--me``) and her own address made her the owner, and all
    her mail the owner's. A record is a relative's when it lists an address of its own beside the owner's, is
    not one the owner signs (a sent message's sender, a source's own flag), and is named with a given name that
    none of the names the owner signs with has and a family name one of them has: the rule that keeps two
    people apart on a family address. The owner's names are those signed and the name of LinkedIn's Profile.csv
    (``profile_names``: an address book and received mail alone sign nothing). A record whose addresses are all
    the owner's stays the owner's (one address, one person); without any name of the owner's, nothing is told
    apart."""

    def __init__(self, recs: pl.DataFrame, feats: Features, profile_names: Sequence[str] = ()) -> None:
        # (the names and addresses are read only for the records asked about: the owner's and those sharing an
        # address with them, a few among 87,000 on the large profile, where reading them all took 0.2 s)
        self.f = feats.f.select("first", "last", "last_toks")
        self.emails = feats.tok["email"]
        self.signs: list[bool] = recs.select(pl.col("owner_hint").fill_null(False)
                                             | (pl.col("role") == "sender").fill_null(False)).to_series().to_list()
        profile = pl.DataFrame({"name": profile_names, "first_name": None, "last_name": None},
                               schema={"name": pl.String, "first_name": pl.String, "last_name": pl.String})
        self.profile_names = {n for n in record_names(parse_name_frame(profile)) if n is not None} \
            if profile.height else set()

    def _names(self, idxs: list[int]) -> list[NameT | None]:
        return record_names(self.f[idxs]) if idxs else []

    def _addresses(self, idxs: list[int]) -> dict[int, list[str]]:
        found = self.emails.filter(pl.col("idx").is_in(idxs)).group_by("idx").agg("tok")
        return dict(zip(found.get_column("idx").to_list(), found.get_column("tok").to_list(), strict=True))

    def of(self, is_owner: list[bool]) -> Callable[[list[int]], set[int]]:
        """What tells, of records (by position), those that are a relative's, the owner's records being those of
        ``is_owner``."""
        signed = [i for i, o in enumerate(is_owner) if o and self.signs[i]]
        owner_names = {name for name in self._names(signed) if name is not None} | self.profile_names
        owner_addresses = {a for tokens in self._addresses(signed).values() for a in tokens}

        def relatives(idxs: list[int]) -> set[int]:
            if not owner_names:
                return set()
            unsigned = [i for i in idxs if not self.signs[i]]
            named = [(i, name) for i, name in zip(unsigned, self._names(unsigned), strict=True) if name is not None]
            addresses = self._addresses([i for i, _ in named])
            found = set()
            for i, (fb, lb, tb) in named:
                if all(a in owner_addresses for a in addresses.get(i, ())):
                    continue
                if not any(first_names_compatible(fa, fb) for fa, _, _ in owner_names) and any(
                        family_names_compatible(la, lb, ta, tb) for _, la, ta in owner_names):
                    found.add(i)
            return found

        return relatives


def _owner_by_shared_address(recs: pl.DataFrame, feats: Features, is_owner: list[bool], ignored: set[int],
                             relatives: _OwnersRelatives) -> int:
    """SPEC §5, one human per address, for the owner too: a record that shares a personal address or a
    LinkedIn URL with one of the owner's records is the owner's (``is_owner`` is updated in place, to the end
    of the chain); how many records this marked. A card found by ``--me`` or a ``same`` group with the owner
    holds the owner's other addresses; left with another person, the same address was in two rows of
    people.csv. Role addresses (team@, info@) do not carry it: a card that lists the owner's shared mailbox
    is a colleague's, not the owner's; nor does a household's address (:class:`_OwnersRelatives`). Records the
    user asked to ignore stay ignored."""
    if not any(is_owner):
        return 0
    relatives_among = relatives.of(is_owner)
    # (the records' own profile URL: a signature's may be a quoted message's)
    urls = recs.filter(pl.col("linkedin_url").is_not_null()).select("idx", pl.col("linkedin_url").alias("key"))
    keys = pl.concat([feats.tok["email"].rename({"tok": "key"}), urls]) \
        .filter(pl.col("key").is_duplicated())  # (a key of one record links nothing)
    if keys.height == 0:
        return 0
    marked = 0
    owners = pl.Series("idx", [i for i, o in enumerate(is_owner) if o], dtype=pl.Int64)
    while True:
        owner_keys = keys.filter(pl.col("idx").is_in(owners.implode())).get_column("key")
        found = keys.filter(pl.col("key").is_in(owner_keys.implode()) & ~pl.col("idx").is_in(owners.implode())) \
            .get_column("idx").unique().sort().to_list()
        found = [i for i in found if i not in ignored]
        kin = relatives_among(found)
        found = [i for i in found if i not in kin]
        if not found:
            return marked
        for i in found:
            is_owner[i] = True
        marked += len(found)
        owners = pl.concat([owners, pl.Series("idx", found, dtype=pl.Int64)])


def _addresses_listed_elsewhere(recs: pl.DataFrame, feats: Features, pid_list: list[str | None],
                                people: pl.DataFrame) -> dict[str, set[str]]:
    """{person_id: the addresses (as its records write them) that its row of people.csv leaves to another row}:
    SPEC §5, one row per address, for the addresses that identity left with two people: a role address on the
    owner's card that also sends the team's mail (the owner's other addresses and profiles made every record
    holding them the owner's), on two colleagues' cards (:meth:`Clusters._two_people_on_a_role_address`), or
    one the config says two people use. The row that keeps it: an automated sender's, else the owner's, else the
    person's with the most records holding it (then the first person_id)."""
    pid = pl.Series("person_id", pid_list, dtype=pl.String)
    keys = feats.tok["email_any"].with_columns(pid.gather(feats.tok["email_any"].get_column("idx"))) \
        .drop_nulls("person_id")
    shared = keys.filter(pl.col("tok").is_in(
        keys.unique(["tok", "person_id"]).filter(pl.col("tok").is_duplicated()).get_column("tok").implode()))
    if shared.height == 0:
        return {}
    rank = {"automated": 0, "owner": 1, "person": 2}
    kind = people.select("person_id", pl.col("kind").replace_strict(rank, return_dtype=pl.Int64).alias("_rank"))
    holders = shared.group_by("tok", "person_id").agg(pl.len().alias("n"), pl.col("idx")) \
        .join(kind, on="person_id").sort(["tok", "_rank", "n", "person_id"], descending=[False, False, True, False])
    losers = holders.filter(pl.int_range(pl.len()).over("tok") > 0)
    emails = recs.get_column("emails")
    out: dict[str, set[str]] = {}
    for tok, person_id, idxs in losers.select("tok", "person_id", "idx").rows():
        raw = emails.gather(idxs).explode().drop_nulls().unique().to_list()
        out.setdefault(person_id, set()).update(e for e in raw if normalize_email(e) == tok)
    return out


def _current_companies(humans: pl.DataFrame, recs: pl.DataFrame) -> pl.DataFrame:
    """(idx, company) of the LinkedIn connections of ``humans``, the newest export last (of two exports of one
    account the newer shows the current employer: the rare-name decision keeps a cluster's last one)."""
    dates = connection_export_dates(recs).rename({"source_file": "conn_file"})
    return (humans.filter(pl.col("conn_file").is_not_null()).select("idx", "company", "conn_file")
            .join(dates, on="conn_file", how="left", maintain_order="left")
            .sort(["export_date", "idx"], nulls_last=False).select("idx", "company"))


def resolve(records: pl.DataFrame, owner: Owner, config: dict[str, Any] | None = None, *,
            messages: pl.DataFrame | None = None, settings: LinkageSettings | None = None) -> Resolved:
    """Group ``records`` (schemas.RECORDS) into people.

    ``config`` is the raw ``[identity]`` section (``same``/``different``/``ignore``/``merge_unique_names``);
    ``messages`` (schemas.MESSAGES, optional) lets a shared thread corroborate a name match. Owner records
    form the single person ``owner``; records with an automated hint, and records known only by role
    addresses (info@ ...), form ``automated`` people and are never merged with humans; ignored records are
    left out of every output (their ids are in ``settings["ignored_record_ids"]``). What the run estimated
    from its own records (company and thread u, EM results) is in ``settings["run"]["estimated"]``. Raises
    :class:`InputError` for an invalid ``[identity]`` section.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived tuples and sets, none cyclic: the collector's passes cost ~10 % CPU
    try:
        return _resolve(records, owner, config, messages=messages, settings=settings)
    finally:
        if gc_was_enabled:
            gc.enable()


def _resolve(records: pl.DataFrame, owner: Owner, config: dict[str, Any] | None, *,
             messages: pl.DataFrame | None, settings: LinkageSettings | None) -> Resolved:
    """:func:`resolve` (with the garbage collector paused)."""
    t0 = time.perf_counter()
    st = settings or LinkageSettings()
    corr = Corrections.from_config(config)
    corr.warn_retired()
    nick = Nicknames.default()
    recs = _by_record_id(schemas.check(records, schemas.RECORDS, "identity.input")) \
        .with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    recs = recs.with_columns(pl.col("record_id").is_in(owner.record_ids.implode()).alias("is_owner"),
                             pl.col("automated_hint").is_not_null().alias("is_auto"))
    feats = compute_features(recs)
    f = feats.f
    # nicknames from the table, plus the given names the records themselves show to be one person's
    evidence_pairs = [p for a, b, _ in feats.given_name_pairs for p in ((a, b), (b, a))]
    nick_df = nick.pairs_frame()
    if evidence_pairs:  # (sorted as the table's pairs are)
        nick_df = pl.concat([nick_df, pl.DataFrame(evidence_pairs, schema=nick_df.schema, orient="row")]) \
            .unique().sort(["first_l", "first_r"])
    # a record known only by shared/role addresses (info@, team@ ...) is not a person: it goes with the
    # automated senders (and is linked to the other records of the same address)
    f = f.with_columns(((pl.col("n_any") > 0) & (pl.col("n_email") == 0) & pl.col("linkedin_url").is_null())
                       .alias("role_only")).with_columns(pl.col("is_auto") | pl.col("role_only"))
    n = f.height
    rid: list[int] = f.get_column("record_id").to_list()
    timings: dict[str, float] = {"features": round(time.perf_counter() - t0, 3)}

    # ---- corrections -------------------------------------------------------------------------------------
    is_owner: list[bool] = f.get_column("is_owner").to_list()
    # (the owner stage marked every record holding an owner's address: a relative's card is hers)
    relatives = _OwnersRelatives(recs, feats, owner.names)
    kin = relatives.of(is_owner)([i for i, o in enumerate(is_owner) if o])
    is_owner = [o and i not in kin for i, o in enumerate(is_owner)]
    ignored: set[int] = set()
    forced: list[tuple[int, int]] = []
    diff_tags: dict[int, dict[int, set[int]]] = {}
    unmatched: list[str] = []
    if corr:
        index = IdentityIndex(f, feats.tok["email_any"])

        def look(ident: str) -> list[int]:
            found = index.lookup(ident)
            if not found:
                unmatched.append(ident)
            return found

        for ident in corr.ignore:
            ignored.update(look(ident))
        for group in corr.same:
            members = sorted({i for ident in group for i in look(ident)} - ignored)
            if any(is_owner[i] for i in members):  # "that address is me too"
                for i in members:
                    is_owner[i] = True
            forced += [(members[0], j) for j in members[1:]]
        for e, group in enumerate(corr.different):
            for side, ident in enumerate(group):
                for i in look(ident):
                    diff_tags.setdefault(i, {}).setdefault(e, set()).add(side)
        if unmatched:
            log.warning("identity corrections: no record matches %s", ", ".join(unmatched))
    n_owner_by_address = _owner_by_shared_address(recs, feats, is_owner, ignored, relatives)
    f = f.with_columns(pl.Series("is_owner", is_owner, dtype=pl.Boolean),
                       pl.col("idx").is_in(sorted(ignored)).alias("is_ignored"))
    f = f.with_columns(pl.when(pl.col("is_ignored")).then(pl.lit("ignored"))
                       .when(pl.col("is_owner")).then(pl.lit("owner"))
                       .when(pl.col("is_auto")).then(pl.lit("automated"))
                       .otherwise(pl.lit("person")).alias("grp"))
    grp_list: list[str] = f.get_column("grp").to_list()

    cl = NamesakeClusters(f, diff_tags, feats.given_name_pairs)
    edges: list[Edge] = []  # (l, r, rule, levels, weight, evidence) of the unions made
    near_rows = NearMissRows()
    name_near_rows = NearMissRows()  # why a name group stayed apart (listed before the other reasons)
    refused_count: dict[str, int] = {}

    def apply(l_: int, r_: int, kind: str, rule: str, levels: str, weight: float) -> None:
        ok, why = cl.union(l_, r_, kind)
        if ok:
            edges.append((l_, r_, rule, levels, weight, evidence_words(rule, levels)))
        elif why is not None:
            refused_count[why] = refused_count.get(why, 0) + 1
            near_rows.append((l_, r_, levels, weight, why))

    # ---- owner: one person --------------------------------------------------------------------------------
    owner_idx = [i for i in range(n) if grp_list[i] == "owner"]
    for j in owner_idx[1:]:
        cl.parent[j] = owner_idx[0]
        edges.append((owner_idx[0], j, "owner", "owner=identified", DETERMINISTIC_WEIGHT, "you (the owner)"))

    # ---- deterministic links -------------------------------------------------------------------------------
    for a, b in forced:
        if grp_list[a] != "owner" and grp_list[b] != "owner":
            apply(a, b, "config", "config same", "config=same", DETERMINISTIC_WEIGHT)
    # humans link on personal addresses; automated senders on any address (noreply@ is their identity) and
    # without the first-name guard ("X via LinkedIn" names are not theirs)
    grp = f.select("idx", "grp")
    url_keys = f.filter(pl.col("grp").is_in(["person", "automated"]) & pl.col("linkedin_url").is_not_null()) \
        .select("idx", "grp", pl.col("linkedin_url").alias("key"))
    email_keys = feats.tok["email"].join(grp.filter(pl.col("grp") == "person"), on="idx").rename({"tok": "key"})
    auto_keys = feats.tok["email_any"].join(grp.filter(pl.col("grp") == "automated"), on="idx") \
        .rename({"tok": "key"})
    # an automated sender known by its name alone (LinkedIn's sponsored senders, "LinkedIn Member"): one per
    # name and kind of file, so that the same export read twice (its zip and its folder) does not list it twice
    auto_name_keys = f.filter((pl.col("grp") == "automated") & pl.col("linkedin_url").is_null()
                              & (pl.col("n_any") == 0) & pl.col("name").is_not_null()) \
        .select("idx", pl.col("source_kind").alias("grp"), pl.col("name").str.to_lowercase().alias("key"))
    union = cl.union
    for ex, kind, rule, label in ((url_keys, "url", "same linkedin url", "linkedin_url=exact"),
                                  (email_keys, "email", "same email", "email=exact"),
                                  (auto_keys, "email_automated", "same email", "email=exact"),
                                  (auto_name_keys, "email_automated", "same automated sender", "automated_name=exact")):
        # each record linked to the first record of its key (keys are never null), as one query
        star = ex.lazy().with_columns(pl.col("idx").min().over("grp", "key").alias("root")) \
            .filter(pl.col("idx") != pl.col("root")).sort(["root", "idx", "key"]).select("root", "idx", "key") \
            .collect(engine="in-memory")
        words = evidence_words(rule, f"{label}: ")  # + the key: what apply() writes, without a call per link
        for root, i, k in star.rows():
            ok, why = union(root, i, kind)
            if ok:
                edges.append((root, i, rule, f"{label}: {k}", DETERMINISTIC_WEIGHT, words + k))
            elif why is not None:
                refused_count[why] = refused_count.get(why, 0) + 1
                near_rows.append((root, i, f"{label}: {k}", DETERMINISTIC_WEIGHT, why))
    timings["deterministic"] = round(time.perf_counter() - t0, 3)

    # ---- probabilistic links --------------------------------------------------------------------------------
    f = f.with_columns(pl.Series("comp", cl.roots(), dtype=pl.Int64))
    humans = f.filter(pl.col("grp") == "person")
    prior = st.prior_weight(humans.height)
    tf = term_frequencies(humans, st)
    estimated: dict[str, Any] = {}  # what this run estimated from its own records (JSON: run.estimated)
    blocking_stats: dict[str, Any] = {}
    n_candidates = n_compared = 0
    n_units = 0
    addresses: pl.DataFrame | None = None
    if humans.height > 1:
        threads = thread_membership(messages, f.select("record_id", "idx"))
        unit_tok = {**feats.tok, "pattern": useful_patterns(feats.tok["pattern"], feats.tok["local"], st.max_block_size),
                    **({"thread": threads} if threads is not None else {})}
        units, utok = comparison_units(humans, unit_tok)
        del unit_tok, threads
        n_units = units.height
        ctok = cluster_company_tokens(humans, feats.tok["comp"])
        prior = st.prior_weight(units.height)
        st, estimated["company"] = estimate_company_u(units, ctok, st)
        if (cw := company_token_weights(ctok, st)) is not None:
            ctok["weight"] = cw
        if "thread" in utok:
            st, estimated["thread"] = estimate_thread_u(units, utok["thread"], st)
        pairs, blocking_stats = candidate_pairs(units, utok, ctok["all"], nick_df, st.max_block_size,
                                                budget=max(st.min_pair_budget, int(st.max_pairs_per_unit * units.height)))
        n_candidates = pairs.height
        comp = f.get_column("comp")  # by record position: a unit's id is its smallest record's position
        pairs = pairs.filter(comp.gather(pairs.get_column("l")) != comp.gather(pairs.get_column("r")))
        n_compared = pairs.height
        timings["blocking"] = round(time.perf_counter() - t0, 3)
        report_w = min(st.threshold_weight, weight_for_probability(st.report_probability))
        # what the later steps read: merges and near misses (accept, or weight >= report_w) and the pairs
        # whose names agree (the name groups); EM re-estimates the weights from all pairs, so it keeps them all
        needed = None if st.m_estimation == "em" else \
            pl.col("accept") | (pl.col("match_weight") >= report_w) | name_edge()
        scored = compare_pairs(pairs, units, utok, ctok, tf, st, prior, nick_df, needed)
        if st.m_estimation == "em":
            rand = compare_pairs(random_unit_pairs(units, st), units, utok, ctok, tf, st, prior, nick_df)
            scored, st, prior, estimated["em"] = estimate_m_by_em(scored, rand, st, prior, units.height)
            report_w = min(st.threshold_weight, weight_for_probability(st.report_probability))
        timings["comparison"] = round(time.perf_counter() - t0, 3)
        del pairs, comp  # (the memory of each step's tables is given back as soon as it is done: SPEC §9)
        interesting = scored.filter(pl.col("accept") | (pl.col("match_weight") >= report_w)) \
            .sort(["match_weight", "l", "r"], descending=[True, False, False])
        interesting = interesting.with_columns(levels_text(interesting, st))
        # activity periods only matter for records with a work address: two addresses at one employer in use
        # at the same time are two people, whatever corroborates the pair
        at_work = feats.tok["work_org"].select("idx").unique()
        dated, together = record_activity(messages, f.select("record_id", "idx").join(humans.select("idx"), on="idx"),
                                          pl.concat([at_work, feats.tok["email"].select("idx")]).unique())
        periods = dated.join(at_work, on="idx", how="semi")
        facts = CareerFacts(names=humans.select("idx", "first", "last", "mi", "suffix", "linkedin_url"),
                            orgs=feats.tok["work_org"], periods=periods,
                            current=_current_companies(humans, recs),
                            together=together)
        cl.set_careers(root_careers(cl, None, facts))
        cl.set_mailboxes(work_boxes(feats.tok["work_org"]), personal_boxes(feats.tok["email"],
                                                                           feats.tok["work_domain"], dated))
        # the accepted pairs are linked in order; the others, and the links refused, are near misses
        interesting = interesting.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("pos"))
        refused_links: list[tuple[int, str]] = []  # (pos, why)
        for pos, l_, r_, w, lv in interesting.filter(pl.col("accept")).select(
                "pos", "l", "r", "match_weight", "levels").rows():
            ok, why = cl.union(l_, r_, "probabilistic")
            if ok:
                edges.append((l_, r_, "probabilistic", lv, round(w, 3), evidence_words("probabilistic", lv)))
            elif why is not None:
                refused_count[why.split(" (")[0]] = refused_count.get(why.split(" (")[0], 0) + 1
                refused_links.append((pos, why))
        refused = pl.DataFrame(refused_links, schema={"pos": pl.Int64, "why": pl.String}, orient="row")
        reason = (pl.when(pl.col("accept")).then(pl.col("why"))
                  .when(pl.col("lv_suffix") == "conflict").then(pl.lit("conflicting generational suffixes"))
                  .when(~pl.col("above")).then(pl.lit("below the merge threshold"))
                  .otherwise(pl.lit("no corroboration (same company/domain, shared thread or address)")))
        near_rows.add_frame(interesting.join(refused, on="pos", how="left", maintain_order="left")
                            .select("l", "r", "levels", "match_weight", reason.alias("reason"))
                            .filter(pl.col("reason").is_not_null()))
        timings["corroborated_merges"] = round(time.perf_counter() - t0, 3)
        del interesting, dated, together, periods, units, utok, ctok
        if st.uncorroborated_merges != "never":
            # (before the name groups: what they judge)
            one_address_one_person(cl, addresses := address_keys(f, feats), edges, near_rows, refused_count)
            estimated["names"] = rare_name_merges(scored, cl, st, facts, edges, name_near_rows, refused_count)
            timings["name_merges"] = round(time.perf_counter() - t0, 3)
        del scored, facts
    # one address, one person (SPEC §5): clusters still sharing an address or a profile URL are one person
    if addresses is None:  # (else done before the name groups: later links only join clusters further)
        one_address_one_person(cl, address_keys(f, feats), edges, near_rows, refused_count)
    timings["clustering"] = round(time.perf_counter() - t0, 3)

    # ---- outputs -------------------------------------------------------------------------------------------
    roots = cl.roots()
    pid_of_root = _person_ids(f, feats, roots)
    pid_list = [pid_of_root.get(r) for r in roots]
    keep = pl.Series([g != "ignored" for g in grp_list], dtype=pl.Boolean)
    record_person = pl.DataFrame({"record_id": rid, "person_id": pid_list}, schema=schemas.RECORD_PERSON).filter(keep)
    owner_set = {rid[i] for i in range(n) if grp_list[i] == "owner"}
    auto_set = {rid[i] for i in range(n) if grp_list[i] == "automated"}
    # (every record has a person unless the user asked to ignore some: then the others only, without a copy)
    people = build_people(records if not ignored else
                          records.filter(pl.col("record_id").is_in(record_person.get_column("record_id").implode())),
                          record_person, owner_set, auto_set, display=f.select("record_id", "display"))
    listed = [p if g != "ignored" else None for p, g in zip(pid_list, grp_list, strict=True)]
    people = unlist_addresses(people, _addresses_listed_elsewhere(recs, feats, listed, people))
    m = _match_frame(edges, f.select("record_id", "source_file", "name"))
    m = m.join(record_person.rename({"record_id": "record_id_l"}), on="record_id_l", how="left") \
        .select(list(schemas.MATCHES)).sort(["person_id", "record_id_l", "record_id_r"])
    near = _near_miss_frame(pl.concat([name_near_rows.frame(), near_rows.frame()]), f.select("record_id", "name"),
                            pid_list) \
        .unique(["record_id_l", "record_id_r"], keep="first", maintain_order=True) \
        .filter(pl.col("person_id_l").is_not_null() & pl.col("person_id_r").is_not_null()
                & (pl.col("person_id_l") != pl.col("person_id_r")))

    timings["total"] = round(time.perf_counter() - t0, 3)
    merges_by_rule = dict(sorted(m.group_by("rule").len().rows())) if m.height else {}
    run = {
        "records": n,
        "records_by_group": {g: grp_list.count(g) for g in ("person", "automated", "owner", "ignored")},
        "role_address_records": int(f.get_column("role_only").sum()),
        "owner_records_by_shared_address": n_owner_by_address,
        "prior_weight_bits": round(prior, 3),
        "threshold_weight_bits": round(st.threshold_weight, 3),
        "candidate_pairs_by_rule": blocking_stats,
        "units_compared": n_units,
        "candidate_pairs": n_candidates,
        "candidate_pairs_compared": n_compared,
        "merges_by_rule": merges_by_rule,
        "refused_by_rule": dict(sorted(refused_count.items())),
        "near_misses": near.height,
        "people": dict(sorted((k, int(v)) for k, v in people.group_by("kind").len().rows())),
        "estimated": estimated,
        "most_common_names": {col: [(v, round(w, 2)) for v, w in t.sort(["w", "value"]).head(10).rows()]
                              for col, t in tf.items()},
        "corrections_unmatched": unmatched,
        "timings_s": timings,
    }
    log.info("identity: %d records -> %d people; %d candidate pairs; merges %s", n, people.height, n_candidates,
             merges_by_rule)
    settings_out = st.to_dict()
    settings_out["run"] = run
    settings_out["ignored_record_ids"] = sorted(rid[i] for i in ignored)
    return Resolved(people=people, record_person=record_person,
                    matches=schemas.check(m, schemas.MATCHES, "identity.matches"),
                    settings=settings_out, near_misses=near)


def score_pairs(records: pl.DataFrame, pairs: list[tuple[int, int]], *, messages: pl.DataFrame | None = None,
                settings: LinkageSettings | None = None) -> pl.DataFrame:
    """Compare the given ``(record_id, record_id)`` pairs as :func:`resolve` compares candidates, each record
    on its own (no deterministic clustering first, the settings' starting company weights instead of the
    run's re-estimated ones): one row per pair with ``record_id_l``,
    ``record_id_r``, the level of every comparison (``first_name``, ``last_name``, ...), ``match_weight``
    (bits, prior included), ``probability``, ``corroborated`` and ``accept``. For tests and "why (not)?"."""
    st = settings or LinkageSettings()
    recs = schemas.check(records, schemas.RECORDS, "identity.input").sort("record_id") \
        .with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64), pl.lit(False).alias("is_owner"),
                                            pl.col("automated_hint").is_not_null().alias("is_auto"))
    feats = compute_features(recs)
    f = feats.f.with_columns(pl.col("idx").alias("comp"))
    threads = thread_membership(messages, f.select("record_id", "idx"))
    units, utok = comparison_units(f, {**feats.tok, **({"thread": threads} if threads is not None else {})})
    ctok = cluster_company_tokens(f, feats.tok["comp"])
    if (cw := company_token_weights(ctok, st)) is not None:
        ctok["weight"] = cw
    pos = dict(zip(f.get_column("record_id").to_list(), f.get_column("idx").to_list(), strict=True))
    pp = pl.DataFrame([(pos[a], pos[b]) for a, b in pairs], schema={"l": pl.Int64, "r": pl.Int64}, orient="row")
    scored = compare_pairs(pp, units, utok, ctok, term_frequencies(f, st), st, st.prior_weight(f.height),
                      Nicknames.default().pairs_frame())
    ids = f.select("idx", "record_id")
    return (pp.join(scored, on=["l", "r"], how="left", maintain_order="left")
            .join(ids.rename({"idx": "l", "record_id": "record_id_l"}), on="l", maintain_order="left")
            .join(ids.rename({"idx": "r", "record_id": "record_id_r"}), on="r", maintain_order="left")
            .rename({f"lv_{c.name}": c.name for c in st.comparisons})
            .with_columns(pl.col("match_weight").map_elements(probability, return_dtype=pl.Float64)
                          .alias("probability"))
            .select("record_id_l", "record_id_r", *[c.name for c in st.comparisons], "match_weight", "probability",
                    "corroborated", "accept"))
