"""External data as this project's engine and splink see it: a RECORDS frame, its truth, and the same records
as splink's input."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analyzer import schemas


@dataclass(frozen=True)
class LabelledRecords:
    """One evaluation data set.

    ``records`` follows ``schemas.RECORDS``; ``truth`` is ``record_id -> truth_id`` for every record;
    ``splink`` is the same records for splink (``unique_id`` = ``record_id``, ``given_name``, ``surname`` and
    the ``splink_fields``), the names lower-cased and trimmed and nothing else cleaned."""

    name: str
    fields: str  # what both systems see, in words
    records: pl.DataFrame
    truth: pl.DataFrame
    splink: pl.DataFrame
    splink_fields: list[str]


def _blank_to_null(col: str) -> pl.Expr:
    c = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(c.str.len_chars() > 0).then(c).otherwise(None).alias(col)


def labelled_records(df: pl.DataFrame, *, name: str, fields: str) -> LabelledRecords:
    """Build a :class:`LabelledRecords` from one row per record with the columns ``truth_id``, ``source_file``,
    ``source_kind``, ``given_name``, ``surname`` and optionally ``middle_initial`` and ``company``/``postcode``
    (strings, blank = missing). Record ids are the row numbers. The engine sees the given name and middle
    initial in ``first_name`` (as a LinkedIn or address-book "First Name" field often holds them), the surname
    in ``last_name``, the company or postcode in ``company``, and the display name they make together; no
    email, URL or message."""
    cols = ["given_name", "surname", "middle_initial", "company", "postcode"]
    df = df.with_columns([_blank_to_null(c) for c in cols if c in df.columns])
    for c in cols:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    df = df.with_row_index("record_id").with_columns(pl.col("record_id").cast(pl.Int64))
    first = pl.concat_str([pl.col("given_name"), pl.col("middle_initial")], separator=" ", ignore_nulls=True)
    first = pl.when(first.str.len_chars() > 0).then(first).otherwise(None)
    display = pl.concat_str([pl.col("given_name"), pl.col("middle_initial"), pl.col("surname")], separator=" ",
                            ignore_nulls=True)
    n = df.height
    recs = df.select(
        "record_id", "source_file", "source_kind",
        pl.lit(None, dtype=pl.Int64).alias("line"),
        pl.lit("contact").alias("role"),
        pl.when(display.str.len_chars() > 0).then(display).otherwise(None).alias("name"),
        first.alias("first_name"),
        pl.col("surname").alias("last_name"),
        pl.lit([], dtype=pl.List(pl.String)).alias("emails"),
        pl.coalesce("company", "postcode").alias("company"),
        pl.lit(1, dtype=pl.Int64).alias("n_mentions"),
        pl.lit(False).alias("owner_hint"),
    )
    recs = schemas.check(schemas.conform(recs, schemas.RECORDS).select(list(schemas.RECORDS)), schemas.RECORDS,
                         f"{name} records")
    splink_fields = [c for c in ("middle_initial", "company", "postcode") if df.get_column(c).null_count() < n]
    lower = [pl.col(c).str.to_lowercase() for c in ("given_name", "surname", "middle_initial", "company")]
    splink = df.select(pl.col("record_id").alias("unique_id"), *lower, "postcode").select(
        "unique_id", "given_name", "surname", *splink_fields)
    return LabelledRecords(name=name, fields=fields, records=recs,
                           truth=df.select("record_id", pl.col("truth_id").cast(pl.String)), splink=splink,
                           splink_fields=splink_fields)
