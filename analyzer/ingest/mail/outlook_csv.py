"""Outlook's mail CSV (Import/Export -> Comma Separated Values): 19 columns, no date."""

from __future__ import annotations

import logging
import re

import polars as pl

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector, per_distinct, sort_by_ints, stable_key, stable_keys
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.classify import address_hint, address_hints
from analyzer.ingest.mail.csv_common import (
    REPEATED_HEADER,
    _cell,
    _first_row,
    _repeated_header,
    count_bytes,
    rows_well_formed,
)
from analyzer.ingest.mail.folders import IGNORE_FOLDER, file_folder_kind
from analyzer.ingest.registry import Parser, register
from analyzer.ingest.text import (
    PY_WHITESPACE,
    clean_text,
    clean_texts,
    decode,
    detect_encoding,
    looks_binary,
    normalise_header,
    read_table,
    width_problem,
)
from analyzer.normalize import clean_email

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------------------
# Outlook mail CSV (Import/Export -> Comma Separated Values): 19 columns, no date
# ------------------------------------------------------------------------------------------------------------

_OUTLOOK_TYPED = re.compile(r"^[^:()]+ ?: ?\((.+)\)$")

#: files at least this big are read with polars' CSV reader (smaller ones, and any the fast path cannot prove it
#: reads as the csv module does, row by row): 150,000 messages (53 MB) took 2.8 s row by row, 0.65 s so
FAST_PATH_MIN_BYTES = 1 << 20

#: rows whose message keys are hashed at a time (their texts, copies of the bodies, are not all held at once)
_KEY_BATCH = 1 << 14

#: the (name, address) columns of From, To, CC and BCC
_GROUPS = ((2, 3), (5, 6), (8, 9), (11, 12))
#: the columns the fast path reads: subject, body and those
_KEPT = (0, 1, *(i for g in _GROUPS for i in g))


def _outlook_shape(keys: list[str]) -> bool:
    """Columns 3-14 are From/To/CC/BCC x (Name, Address, Type), in any Outlook language."""
    if len(keys) < 14:
        return False
    return all(_OUTLOOK_TYPED.match(k) for k in keys[2:14])


def _split_semicolons(value: str) -> list[str]:
    return [p.strip() for p in value.split(";")] if value.strip() else []


def _outlook_people(names: str, addrs: str) -> list[tuple[str | None, str | None]]:
    """Pair the ';'-separated names and addresses of one Outlook To/CC/BCC group."""
    ns, as_ = _split_semicolons(names), _split_semicolons(addrs)
    if len(ns) != len(as_):
        if as_:
            return [(None, a) for a in as_]
        return [(n, None) for n in ns]
    return list(zip(ns, as_, strict=True))


def parse_outlook_mail(f: InputFile, out: FileCollector) -> None:
    """Outlook's mail-folder CSV: identities and undated messages (the format has no date column).

    A large plain UTF-8 file is read by polars (:func:`_fast_rows`, :func:`_bulk_outlook`); any other, or one
    whose polars parse is not proven to be the csv module's, row by row (:func:`_parse_rows`): the same output.
    """
    held = [f.read_bytes()]
    out.advance(len(held[0]))
    rows = _fast_rows(held, f.display) if len(held[0]) >= FAST_PATH_MIN_BYTES else None
    if rows is not None:  # (the bytes are freed: held emptied)
        kind = file_folder_kind(f)
        _bulk_outlook(*rows, owner=kind == "sent",
                      ignore=IGNORE_FOLDER if kind in ("spam", "trash", "draft") else None, out=out)
    else:
        text = decode(held.pop(), f.display)
        _parse_rows(text, f, out)
    out.note("no dates in Outlook mail CSV: identities only")


def _parse_rows(text: str, f: InputFile, out: FileCollector) -> None:
    """The rows of an Outlook mail CSV read one by one with the csv module (any encoding or quirk): the reference
    that :func:`_bulk_outlook` reproduces."""
    table = read_table(text, f.display, is_header=_outlook_shape)
    owner = file_folder_kind(f) == "sent"
    ignore = IGNORE_FOLDER if file_folder_kind(f) in ("spam", "trash", "draft") else None
    width = len(table.keys)
    for line, row in table.rows():
        if ignore:
            out.ignore(ignore)
            continue
        if _repeated_header(row, table.keys):
            out.ignore(REPEATED_HEADER)
            continue
        if problem := width_problem(row, width):  # (a body's lines after a broken row: never messages)
            out.reject(line, problem)
            continue
        people: list[list[tuple[str | None, str | None]]] = []
        for base in (2, 5, 8, 11):
            people.append(_outlook_people(_cell(row, base), _cell(row, base + 1)))
        frm = [(clean_text(n), clean_email(a)) for n, a in people[0]]
        if not frm or not (frm[0][0] or frm[0][1]):
            out.reject(line, "no sender")
            continue
        s_name, s_addr = frm[0]
        recips = [(clean_text(n), clean_email(a)) for grp in people[1:] for n, a in grp]
        recips = [(n, a) for n, a in recips if n or a]
        key = stable_key("outlook", s_addr or s_name, sorted((a or n or "") for n, a in recips),
                         _cell(row, 0), _cell(row, 1))
        sid = out.record(role="sender", name=s_name, emails=(s_addr,), line=line, owner_hint=owner,
                         automated_hint=address_hint(s_addr, s_name) if s_addr else None,
                         key=(s_addr, s_name, owner, False))
        rids: list[int] = []
        seen = {s_addr or s_name}
        for n, a in recips:
            ident = a or n
            if ident in seen:
                continue
            seen.add(ident)
            rids.append(out.record(role="recipient", name=n, emails=(a,), line=line,
                                   automated_hint=address_hint(a, n) if a else None, key=(a, n, False, False)))
        out.message(timestamp=None, channel="email", sender=sid, recipients=rids, n_participants=1 + len(rids),
                    msg_key=key, line=line)
        out.used()


# ---- the fast path --------------------------------------------------------------------------------------------


def _fast_rows(held: list[bytes], display: str) -> tuple[pl.DataFrame, list[str]] | None:
    """The rows :meth:`~analyzer.ingest.text.CsvTable.rows` yields for the file ``held[0]``, with the header's
    keys, parsed by polars: ``line``, the cells read (``c<i>`` for the columns :data:`_KEPT`, empty as "") and
    ``_full``, the whole row where it may be a repeated header (else null). None unless the parse provably is the
    csv module's (then the caller reads the file row by row, which also rejects what is broken).

    Only plain UTF-8 files (no NUL byte, no lone CR: the text :func:`~analyzer.ingest.text.decode` gives is the
    bytes'), comma-separated, header on the first line. Proof, as for LinkedIn's messages.csv
    (:func:`~analyzer.ingest.linkedin.messages._fast_message_rows`): the file's commas add up to the rows' cells
    and the commas inside them (every row has the header's width); its newlines to the rows and the newlines
    inside cells (no blank line: exact line numbers); no row of blank cells (skipped by the csv module); no line
    inside a cell with a row's commas (rows swallowed by a quote left open); the last row's last cell on one line
    (no quote left open at the end); every row well-formed, each cell quoted or without a quote
    (:func:`~analyzer.ingest.mail.csv_common.rows_well_formed`: polars reads some malformed quoting without an
    error, otherwise than the csv module).

    ``held`` holds the file's bytes: emptied when the rows are returned (the bytes are not kept beside them).
    """
    data = held[0]
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # (polars skips it: the bytes are not copied without it)
    if data.startswith(b"\xef\xbb\xbf", bom) or detect_encoding(data[:4096]) not in ("utf-8", "utf-8-sig") \
            or looks_binary(data[:8192]):
        return None
    first_nl = data.find(b"\n")
    try:
        head = read_table(data[bom: first_nl + 1 if first_nl >= 0 else len(data)].decode("utf-8"), display,
                          is_header=_outlook_shape, max_preamble=0)
    except (UnicodeDecodeError, InputError):
        return None
    if head.header_line != 1 or head.delimiter != ",":
        return None
    width = len(head.keys)
    header_commas = data[: first_nl if first_nl >= 0 else len(data)].count(b",")
    commas, newlines, n_cr, n_nul = count_bytes(data, b",\n\r\x00")
    if n_nul or (n_cr and n_cr != data.count(b"\r\n")):
        return None  # NULs are dropped from the text; a lone CR is a line break for the csv module
    # every row well-formed (the header's cells, each quoted or without a quote): polars reads malformed quoting
    # otherwise than the csv module, without an error ('"Cleo" "Park"' is Cleo Park for it, Cleo "Park" there)
    if not rows_well_formed(data, ",", width, start=bom):
        return None
    try:
        lf = pl.scan_csv(data, has_header=True, infer_schema=False, quote_char='"', raise_if_empty=False)
        names = lf.collect_schema().names()
        if len(names) != width:
            return None
        cells = [pl.col(n).fill_null("") for n in names]
        rows_inside = rf"[\r\n](?:[^\r\n,]*,){{{width - 1}}}"
        # Only the cells read later are kept (each cell costs a 16-byte view), and the whole row where it may be
        # a header again (its From name has a "(": it normalises to "FROM: (NAME)") or a #TYPE line, or be blank.
        full = (cells[0].str.starts_with("#TYPE") | cells[2].str.contains("(", literal=True)
                | (cells[0].str.strip_chars(PY_WHITESPACE) == ""))
        rows = lf.select(
            *(cells[i].alias(f"c{i}") for i in _KEPT),
            pl.when(full).then(pl.concat_list(cells)).alias("_full"),
            pl.sum_horizontal(x.str.count_matches(",", literal=True) for x in cells).cast(pl.Int64)
            .alias("_commas"),
            pl.sum_horizontal(x.str.count_matches("\n", literal=True) for x in cells).cast(pl.Int64)
            .alias("_newlines"),
            pl.any_horizontal(x.str.contains(rows_inside) for x in cells).alias("_rows_inside"),
            cells[-1].str.contains(r"[\r\n]").alias("_last_nl"),
        ).collect(engine="streaming")
    except (Exception, pl.exceptions.PanicException):  # any parse problem: the csv module reads it, rejects what is broken
        return None
    n = rows.height
    if commas != header_commas + n * (width - 1) + int(rows.get_column("_commas").sum()):
        return None
    nl = rows.get_column("_newlines")
    if newlines not in (1 + n + int(nl.sum()), n + int(nl.sum())):
        return None
    if n and (bool(rows.get_column("_rows_inside").any()) or rows.item(-1, "_last_nl")):
        return None
    # a row of blank cells (a blank line reads so)
    if any(not "".join(row).strip() for row in rows.get_column("_full").drop_nulls().to_list()):
        return None
    lines = pl.int_range(0, n, dtype=pl.Int64, eager=True) + 2 + nl.cum_sum() - nl
    held.clear()
    return rows.select(lines.alias("line"), *(f"c{i}" for i in _KEPT), "_full"), head.keys


def _group_people(rows: pl.DataFrame) -> pl.DataFrame:
    """(k, g, n, a) of every person of every row as :func:`_outlook_people` pairs them: the row's number k, the
    group g (0 From, 1 To, 2 CC, 3 BCC), the name and address cleaned (:func:`clean_text`, :func:`clean_email`),
    in the order of the row-by-row reader."""
    def count(v: pl.Expr) -> pl.Expr:  # the number of parts of _split_semicolons
        return (pl.when(v.str.strip_chars(PY_WHITESPACE) == "").then(0)
                .otherwise(v.str.count_matches(";", literal=True) + 1))

    groups = pl.concat([rows.select("k", g=pl.lit(g, pl.Int8), n=f"c{ni}", a=f"c{ai}")
                        for g, (ni, ai) in enumerate(_GROUPS)])
    groups = groups.with_columns(ln=count(pl.col("n")), la=count(pl.col("a"))).filter(
        (pl.col("ln") > 0) | (pl.col("la") > 0)).with_columns(pl.col("n", "a").str.split(";"))
    none = pl.lit(None, pl.String())
    paired = pl.col("ln") == pl.col("la")
    people = sort_by_ints(pl.concat([
        groups.filter(paired).select("k", "g", "n", "a").explode("n", "a"),
        # unequal lengths: the addresses alone if any, else the names alone
        groups.filter(~paired & (pl.col("la") > 0)).select("k", "g", n=none, a="a").explode("a"),
        groups.filter(~paired & (pl.col("la") == 0)).select("k", "g", "n", a=none).explode("n"),
    ]), "k", "g")  # (ties, a group's people, keep their order)
    people = people.with_columns(pl.col("n", "a").str.strip_chars(PY_WHITESPACE))
    return people.with_columns(per_distinct(people.get_column("n"), clean_text, pl.String()),
                               per_distinct(people.get_column("a"), clean_email, pl.String()))


def _bulk_outlook(rows: pl.DataFrame, keys: list[str], *, owner: bool, ignore: str | None,
                  out: FileCollector) -> None:
    """What :func:`_parse_rows` does with the rows of :func:`_fast_rows`, in bulk: the same records, messages,
    rejects and counts, in the same order."""
    if ignore:
        if rows.height:
            out.ignore(ignore, rows.height)
        return
    rows = rows.with_row_index("k").with_columns(pl.col("k").cast(pl.Int64))
    # A header met again (or PowerShell's #TYPE line): the few rows that may be one (``_full``) are checked by
    # the row-by-row reader's own test.
    repeated = [k for k, cells in rows.filter(pl.col("_full").is_not_null()).select("k", "_full").iter_rows()
                if _repeated_header(cells, keys)]
    if repeated:
        out.ignore(REPEATED_HEADER, len(repeated))
        rows = rows.filter(~pl.col("k").is_in(repeated))
    people = _group_people(rows).with_columns(ident=pl.coalesce("a", "n"))
    texts = rows.select("c0", "c1")  # (the subject and body, for the message keys: not gathered, never copied)
    # The sender: the From group's first person, with a name or an address; else the row is rejected.
    senders = people.filter((pl.col("g") == 0) & pl.col("k").is_first_distinct()).filter(
        pl.col("ident").is_not_null()).select("k", s_name="n", s_addr="a", s_ident="ident")
    rows = rows.select("k", "line").join(senders, on="k", how="left", maintain_order="left")
    used = rows.get_column("s_ident").is_not_null().alias("used")
    for line in rows.filter(~used).get_column("line").to_list():
        out.reject(line, "no sender")
    if not used.any():
        return
    recips = people.filter((pl.col("g") > 0) & pl.col("ident").is_not_null()).join(
        rows.filter(used).select("k", "s_ident"), on="k", how="inner", maintain_order="left")
    del people
    # The message key (stable_key of the row-by-row reader): its text built here, hashed in Python.
    # (sorted as Python sorts: polars orders strings by their UTF-8 bytes, which is by code point)
    ident = recips.get_column("ident")
    uniq = ident.unique().sort()  # (an Enum's codes are its categories' places)
    recips = recips.with_columns(code=ident.cast(pl.Enum(uniq)).to_physical().cast(pl.Int64))
    listed = sort_by_ints(recips.select("k", "code"), "k", "code")
    reprs = pl.Series([repr(v) for v in uniq.to_list()], dtype=pl.String())
    listed = listed.select("k", r=reprs.gather(listed.get_column("code"))).group_by("k", maintain_order=True).agg(
        "r").select("k", r=pl.col("r").list.join(", "))  # (5x faster than str.join in the aggregation)
    texts = texts.hstack(rows.join(listed, on="k", how="left", maintain_order="left").select("s_ident", "r", used))
    text = pl.concat_str(pl.lit("outlook"), "s_ident", pl.lit("[") + pl.col("r").fill_null("") + pl.lit("]"),
                         "c0", "c1", separator="\x1f") + pl.lit("\x1f")
    keys_: list[str] = []
    for start in range(0, texts.height, _KEY_BATCH):
        keys_ += stable_keys(texts.slice(start, _KEY_BATCH).filter("used").select(text).to_series())
    del texts
    msg_keys = pl.Series("msg_key", keys_, dtype=pl.String())
    rows = rows.filter(used)
    # Mentions in the reader's order: each row's sender, then its recipients but the sender and repeats.
    recips = recips.filter(pl.col("ident") != pl.col("s_ident")).filter(
        (pl.col("k") * uniq.len() + pl.col("code")).is_first_distinct())
    lines = rows.select("k", "line")
    mentions = sort_by_ints(pl.concat([
        rows.select("k", "line", pos=pl.lit(0, pl.Int64), n="s_name", a="s_addr", flag=pl.lit(owner)),
        recips.join(lines, on="k", how="left", maintain_order="left").select(
            "k", "line", pos=pl.int_range(1, pl.len() + 1, dtype=pl.Int64), n="n", a="a", flag=pl.lit(False)),
    ]), "k", "pos")  # (pos: 0 for the sender, then increasing in the recipients' order)
    recs = mentions.group_by("a", "n", "flag", maintain_order=True).agg(
        line=pl.col("line").first(), role=pl.when(pl.col("pos").first() == 0).then(pl.lit("sender"))
        .otherwise(pl.lit("recipient")), n_mentions=pl.len().cast(pl.Int64)).with_row_index("rid")
    recs = recs.with_columns(pl.col("rid").cast(pl.Int64))
    mentions = mentions.join(recs.select("a", "n", "flag", "rid"), on=["a", "n", "flag"], how="left",
                             nulls_equal=True, maintain_order="left")
    # record() cleans the name and address again, and hints from the once-cleaned ones
    names, addrs = recs.get_column("n"), recs.get_column("a")
    recs = recs.with_columns(name=clean_texts(names), email=per_distinct(addrs, clean_email, pl.String()),
                             automated_hint=address_hints(addrs, names))
    records = recs.select(
        "line", "role", "name",
        emails=pl.when(pl.col("email").is_not_null()).then(pl.concat_list("email"))
        .otherwise(pl.lit([], dtype=pl.List(pl.String()))),
        n_mentions="n_mentions", owner_hint="flag", automated_hint="automated_hint")
    rec_ids = mentions.filter(pl.col("pos") > 0).group_by("k", maintain_order=True).agg(recipient_ids="rid")
    messages = (mentions.filter(pl.col("pos") == 0).select("k", "line", sender_id="rid")
                .join(rec_ids, on="k", how="left", maintain_order="left")
                .with_columns(pl.col("recipient_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64()))))
                .select(msg_keys, "sender_id", "recipient_ids", "line", channel=pl.lit("email"),
                        n_participants=(pl.col("recipient_ids").list.len() + 1).cast(pl.Int32)))
    out.add_bulk(records, messages)
    out.used(rows.height)


register(Parser(
    kind="mail.outlook_csv",
    label="Outlook mail folder CSV (no dates: identities only)",
    export_help="Outlook desktop: File -> Open & Export -> Import/Export -> Export to a file -> Comma Separated "
                "Values -> pick the mail folder (Inbox, Sent Items).",
    matches=lambda s: _outlook_shape([normalise_header(c) for c in _first_row(s.text)]),
    parse=parse_outlook_mail,
))
