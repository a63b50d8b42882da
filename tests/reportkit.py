"""Hand-made, deterministic :class:`analyzer.pipeline.Analysis` objects for the report, API and terminal tests.

Built directly from the schemas (no parser, identity or scoring code runs), so these tests do not move when
those stages change. ``make_analysis()`` gives a realistic network (people over 14 years, three jobs, every
channel and source family); ``hostile=True`` adds people whose names, companies and reasons are markup.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from analyzer import schemas
from analyzer.config import Config
from analyzer.identity import Resolved
from analyzer.ingest import Ingested, OwnerHints
from analyzer.ingest.collect import FileReport
from analyzer.owner import Owner
from analyzer.pipeline import Analysis
from analyzer.score import Scored

AS_OF = date(2025, 6, 30)

HOSTILE_FILE = 'mail/<img src=x onerror=alert("file")>.mbox'
HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[bold red]Markup[/] $x^2$ Person",
]

FIRST = ["Ada", "Bob", "Chen", "Dana", "Emeka", "Farah", "Giulia", "Hiro", "Ines", "José", "Kwame", "Lena",
         "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara"]
LAST = ["Lovelace", "García", "Okafor", "Nguyen", "Schmidt", "Haddad", "Rossi", "Tanaka", "Kowalski", "Mensah",
        "Johansson", "Patel", "O'Brien", "Fontaine", "Silva", "Müller"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Research", "Stark Industries and Partners International",
             "Wayne Enterprises", "Hooli", None]
POSITIONS = [
    {"company": "Acme Corp", "title": "Analyst", "started_on": date(2012, 3, 1), "finished_on": date(2015, 8, 1)},
    {"company": "Globex", "title": "Engineering Manager", "started_on": date(2015, 9, 1),
     "finished_on": date(2020, 5, 1)},
    {"company": "Initech", "title": "Director of Data", "started_on": date(2020, 6, 1), "finished_on": None},
]
SOURCE_SETS = [
    ["linkedin.connections"], ["linkedin.connections", "linkedin.messages"], ["mail.mbox"],
    ["linkedin.connections", "mail.mbox"], ["contacts.vcard", "mail.mbox"],
    ["contacts.google_csv", "linkedin.connections", "mail.mbox"], ["contacts.vcard"],
]
CHANNELS = ["email", "email", "email", "linkedin_message", "linkedin_message", "linkedin_invitation",
            "linkedin_endorsement", "linkedin_recommendation"]


def _ts(d: date, rng: random.Random) -> datetime:
    return datetime(d.year, d.month, d.day, rng.randrange(8, 20), rng.randrange(60), tzinfo=UTC)


def make_analysis(n_people: int = 40, seed: int = 3, hostile: bool = False, as_of: date = AS_OF,
                  positions: list[dict[str, Any]] | None = None) -> Analysis:
    """A consistent Analysis: people, records, matches, events, ranked, file reports."""
    rng = random.Random(seed)
    people_rows: list[dict[str, Any]] = []
    rec_rows: list[dict[str, Any]] = []
    rp_rows: list[dict[str, Any]] = []
    match_rows: list[dict[str, Any]] = []
    ev_rows: list[dict[str, Any]] = []
    rid = 0
    n_auto = 3
    names = [f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}" for i in range(n_people)]
    if hostile:
        names[:len(HOSTILE_NAMES)] = HOSTILE_NAMES
    total = n_people + n_auto + 1
    for i in range(total):
        pid = f"p{i:04d}"
        if i < n_people:
            kind, name = "person", names[i]
            company = COMPANIES[i % len(COMPANIES)]
            if hostile and i < len(HOSTILE_NAMES):
                company = "<b>Evil & Co</b>"
            sources = SOURCE_SETS[i % len(SOURCE_SETS)]
        elif i < n_people + n_auto:
            kind, name, company, sources = "automated", f"Newsletter {i}", None, ["mail.mbox"]
        else:
            kind, name, company, sources = "owner", "Olivia Owner", "Initech", ["linkedin.profile", "mail.mbox"]
        slug = name.lower().replace(" ", "-").replace("<", "").replace(">", "")
        email = f"{slug[:12].strip('-')}{i}@example.com"
        url = f"https://www.linkedin.com/in/{slug[:20]}-{i}" if any(s.startswith("linkedin") for s in sources) else None
        connected = (date(2011, 1, 15) + timedelta(days=rng.randrange(0, 14 * 365))
                     if "linkedin.connections" in sources and kind == "person" else None)
        rids = []
        for src in sources:
            rec_rows.append({
                "record_id": rid, "source_file": f"{src.split('.')[0]}/{src.split('.')[1]}.dat", "source_kind": src,
                "line": rid + 2, "role": {"person": "contact", "automated": "sender", "owner": "owner"}[kind],
                "name": name, "first_name": name.split(" ")[0], "last_name": name.split(" ")[-1],
                "emails": [email] if src.startswith(("mail", "contacts")) else [], "linkedin_url": url
                if src.startswith("linkedin") else None, "company": company, "position": "Engineer",
                "connected_on": connected if src == "linkedin.connections" else None, "n_mentions": 1,
                "owner_hint": kind == "owner", "automated_hint": "List-Id" if kind == "automated" else None,
            })
            rp_rows.append({"record_id": rid, "person_id": pid})
            rids.append(rid)
            rid += 1
        for a, b in itertools.pairwise(rids):
            match_rows.append({"person_id": pid, "record_id_l": a, "record_id_r": b,
                               "source_l": rec_rows[a]["source_file"], "source_r": rec_rows[b]["source_file"],
                               "name_l": name, "name_r": name, "rule": "same_email" if b % 2 else "probabilistic",
                               "levels": "first_name=exact; last_name=exact; email=same", "match_weight": 9.5})
        people_rows.append({"person_id": pid, "kind": kind, "name": name, "emails": [email],
                            "linkedin_urls": [url] if url else [], "company": company, "position": "Engineer",
                            "connected_on": connected, "sources": sources, "n_records": len(sources)})
        if kind == "owner":
            continue
        # events: a burst of exchanges in an era of the relationship
        n_msgs = 0 if i % 9 == 8 else (40 if kind == "automated" else rng.randrange(1, 30))
        start = date(2012, 1, 1) + timedelta(days=rng.randrange(0, 12 * 365))
        length = rng.randrange(20, 2000)
        reply_p = 0.0 if i % 7 == 3 else rng.random()
        for k in range(n_msgs):
            d = start + timedelta(days=rng.randrange(0, length))
            if d > as_of:
                d = as_of - timedelta(days=rng.randrange(1, 60))
            direction = "received" if (kind == "automated" or rng.random() < reply_p) else "sent"
            ev_rows.append({"record_id": rids[0], "timestamp": _ts(d, rng),
                            "channel": "email" if kind == "automated" else CHANNELS[(i + k) % len(CHANNELS)],
                            "direction": direction, "thread_id": f"t{i}-{k // 3}", "n_participants": 2,
                            "msg_key": f"m{i}-{k}", "message_id": None, "in_reply_to": None,
                            "source_file": "mail/mbox.dat", "line": k + 1, "person_id": pid})
    people = pl.DataFrame(people_rows, schema=schemas.PEOPLE)
    records = pl.DataFrame(rec_rows, schema=schemas.RECORDS)
    record_person = pl.DataFrame(rp_rows, schema=schemas.RECORD_PERSON)
    matches = pl.DataFrame(match_rows, schema=schemas.MATCHES)
    ev_schema = {**schemas.EVENTS, "person_id": pl.String()}
    events = pl.DataFrame(ev_rows, schema=ev_schema) if ev_rows else pl.DataFrame(schema=ev_schema)
    ranked = rank(people, events, as_of, hostile=hostile)
    messages = schemas.conform(
        events.unique("msg_key", keep="first", maintain_order=True).select(
            "msg_key", "timestamp", "channel", "thread_id", pl.col("record_id").alias("sender_id"),
            pl.lit([], dtype=pl.List(pl.Int64)).alias("recipient_ids"), "n_participants", "message_id",
            "in_reply_to", "source_file", "line"),
        schemas.MESSAGES)
    rejects = schemas.conform(pl.DataFrame({"source_file": ["linkedin/messages.dat", "mail/mbox.dat"],
                                            "line": [7, 99], "reason": ["no date", "no sender"]}), schemas.REJECTS)
    files = []
    if hostile:
        files.append(FileReport(source_file=HOSTILE_FILE, kind="mail.mbox", used=1))
    for src, n in sorted(Counter(r["source_file"] for r in rec_rows).items()):
        fr = FileReport(source_file=src, kind=src.replace("/", ".").removesuffix(".dat"), used=n)
        if src == "mail/mbox.dat":
            fr.rejected = 1
            fr.rejected_reasons["no sender"] = 1
            fr.ignored = 2
            fr.ignored_reasons["draft"] = 2
        files.append(fr)
    owner_ids = [r["record_id"] for r in rec_rows if r["owner_hint"]]
    ing = Ingested(records=records, messages=messages, rejects=rejects, files=files,
                   skipped=[("notes/readme.txt", "not a supported format")],
                   owner=OwnerHints(emails={"olivia@example.com"}, names={"Olivia Owner"},
                                    positions=POSITIONS if positions is None else positions))
    own = Owner(emails=["olivia@example.com"], linkedin_urls=[], names=["Olivia Owner"],
                record_ids=pl.Series("record_id", owner_ids, dtype=pl.Int64))
    measures = ranked.select("person_id", "messages_sent", "messages_received", "first_contact", "last_contact",
                             pl.lit(None, pl.String).alias("employer"), pl.lit(False).alias("worked_together"),
                             pl.lit(None, pl.Date).alias("overlap_start"), pl.lit(None, pl.Date).alias("overlap_end"))
    return Analysis(inputs=["linkedin.zip", "mail.mbox"], as_of=as_of, ingested=ing, owner=own, events=events,
                    resolved=Resolved(people=people, record_person=record_person, matches=matches, settings={}),
                    scored=Scored(ranked=ranked, measures=measures), config=Config(),
                    timings={"ingest": 0.1, "score": 0.01})


def rank(people: pl.DataFrame, events: pl.DataFrame, as_of: date, hostile: bool = False) -> pl.DataFrame:
    """A RANKED frame from people + events with a simple transparent score (not the product's model)."""
    m = events.group_by("person_id").agg(
        (pl.col("direction") == "sent").sum().cast(pl.Int64).alias("messages_sent"),
        (pl.col("direction") == "received").sum().cast(pl.Int64).alias("messages_received"),
        pl.col("timestamp").min().dt.date().alias("first_contact"),
        pl.col("timestamp").max().dt.date().alias("last_contact"),
    )
    s, r = pl.col("messages_sent"), pl.col("messages_received")
    p = people.filter(pl.col("kind") == "person").join(m, on="person_id", how="left").with_columns(
        s.fill_null(0), r.fill_null(0))
    out = p.with_columns(
        (pl.min_horizontal(s, r) / pl.max_horizontal(s, r, pl.lit(1))).alias("reciprocity"),
        (pl.lit(as_of) - pl.col("last_contact")).dt.total_days().cast(pl.Int64).alias("days_since_contact"),
    ).with_columns(
        ((s + r).cast(pl.Float64).log1p() * (0.5 + pl.col("reciprocity"))).alias("strength"),
    ).with_columns(
        (pl.col("strength") * (-pl.col("days_since_contact").fill_null(3650) / 365.0).exp()).alias("warmth"),
    ).with_columns(
        ((pl.col("strength") - pl.col("warmth")) * pl.col("reciprocity")).alias("score"),
        pl.format("Worked together at {}; {} messages both ways; last contact {}",
                  pl.col("company").fill_null("somewhere"), s + r,
                  pl.col("last_contact").cast(pl.String).fill_null("never")).alias("reason"),
        (pl.col("person_id").str.slice(1).cast(pl.Int64) % 5 == 1).cast(pl.Int64).alias("replies_owed"),
    )
    if hostile:
        out = out.with_columns(
            pl.when(pl.col("name").is_in(HOSTILE_NAMES)).then(pl.lit("<script>alert('reason')</script> & more"))
            .otherwise(pl.col("reason")).alias("reason"),
            pl.when(pl.col("name").is_in(HOSTILE_NAMES)).then(pl.lit(99.0)).otherwise(pl.col("score")).alias("score"),
            pl.when(pl.col("name").is_in(HOSTILE_NAMES)).then(pl.lit(3, dtype=pl.Int64))
            .otherwise(pl.col("replies_owed")).alias("replies_owed"),
        )
    out = out.sort(["score", "person_id"], descending=[True, False], nulls_last=True).with_row_index(
        "rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))
    return schemas.check(schemas.conform(out, schemas.RANKED).select(list(schemas.RANKED)), schemas.RANKED, "kit")


def empty_analysis(as_of: date = AS_OF) -> Analysis:
    """An Analysis with no people, events or files at all."""
    ev_schema = {**schemas.EVENTS, "person_id": pl.String()}
    ing = Ingested(records=schemas.empty(schemas.RECORDS), messages=schemas.empty(schemas.MESSAGES),
                   rejects=schemas.empty(schemas.REJECTS), files=[], skipped=[], owner=OwnerHints())
    own = Owner(emails=[], linkedin_urls=[], names=[], record_ids=pl.Series("record_id", [], dtype=pl.Int64))
    return Analysis(inputs=[], as_of=as_of, ingested=ing, owner=own, events=pl.DataFrame(schema=ev_schema),
                    resolved=Resolved(people=schemas.empty(schemas.PEOPLE),
                                      record_person=schemas.empty(schemas.RECORD_PERSON),
                                      matches=schemas.empty(schemas.MATCHES)),
                    scored=Scored(ranked=schemas.empty(schemas.RANKED), measures=pl.DataFrame()), config=Config())


SAMPLE_AS_OF = date(2026, 11, 1)  # the default as_of of `reconnect sample-data`


def sample_inputs(tmp_root: Path) -> Path | None:
    """The committed ``sample_data/`` folder when present, else a small sample generated into ``tmp_root``
    (None when neither is possible: the generator is not available)."""
    committed = Path(__file__).resolve().parents[1] / "sample_data"
    if committed.is_dir() and any(committed.rglob("*")):
        return committed
    try:
        from analyzer.sample_data import generate_sample_data
    except ImportError:
        return None
    out = tmp_root / "sample_data"
    generate_sample_data(out, size="small", seed=7, truth_dir=tmp_root / "sample_truth", as_of=SAMPLE_AS_OF)
    return out
