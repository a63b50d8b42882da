"""The noised sample data sets of the ``pseudopeople`` package (IHME, BSD-3; built for testing entity resolution:
a simulated US town whose records carry typos, nicknames, phonetic and OCR errors, blanked and fake names), as
RECORDS with ``simulant_id`` as the truth. Its sample data ships in the wheel: nothing is downloaded.

The data sets chosen for a personal network (the fields a LinkedIn export, a mailbox and an address book share
are a name and a company; pseudopeople has no email address or profile URL):

* ``w2`` -- the W-2 and 1099 forms of tax year 2020 (9 903 forms of 7 220 people): one form per job, the
  employer as the company, so a person with several jobs is several records at different employers: the
  contact seen at each of their employers, linked by nothing but the name;
* ``census_w2`` -- the 2020 decennial census (no employer: an address-book card) together with those forms:
  the same town seen by two sources, one with the company and one without;
* ``careers`` -- the forms of every tax year (2019-2040), one per (person, employer), for a seeded sample of
  2 000 people (a personal network's size): the successive employers of a career.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

import polars as pl

from .labelled import LabelledRecords, labelled_records

DATASETS = ("w2", "census_w2", "careers")
CAREER_PEOPLE = 2_000


def _frame(raw: Any) -> pl.DataFrame:
    """A pseudopeople frame (pandas) as polars strings (missing = null)."""
    df = raw if isinstance(raw, pl.DataFrame) else pl.from_pandas(raw)
    return df.with_columns(pl.all().cast(pl.String))


def w2_rows(w2: Any, source_file: str = "taxes_w2_and_1099") -> pl.DataFrame:
    """W-2/1099 forms as evaluation rows: ``simulant_id`` as the truth, first name, middle initial, last name,
    and the employer's name as the company."""
    df = _frame(w2)
    return df.select(pl.col("simulant_id").alias("truth_id"), pl.lit(source_file).alias("source_file"),
                     pl.lit("pseudopeople.taxes_w2_and_1099").alias("source_kind"),
                     pl.col("first_name").alias("given_name"), pl.col("last_name").alias("surname"),
                     "middle_initial", pl.col("employer_name").alias("company"))


def census_rows(census: Any, source_file: str = "decennial_census") -> pl.DataFrame:
    """Decennial census rows as evaluation rows: ``simulant_id`` as the truth, first name, middle initial, last
    name, no company."""
    df = _frame(census)
    return df.select(pl.col("simulant_id").alias("truth_id"), pl.lit(source_file).alias("source_file"),
                     pl.lit("pseudopeople.decennial_census").alias("source_kind"),
                     pl.col("first_name").alias("given_name"), pl.col("last_name").alias("surname"),
                     "middle_initial", pl.lit(None, dtype=pl.String).alias("company"))


def career_rows(w2_all_years: Any, people: int, seed: int) -> pl.DataFrame:
    """One W-2/1099 form per (person, employer) -- the first tax year's -- for ``people`` people drawn with
    ``seed`` among those with a form."""
    df = _frame(w2_all_years).with_columns(pl.col("tax_year").cast(pl.Int64, strict=False))
    ids = df.get_column("simulant_id").unique().sort()
    chosen = ids.sample(min(people, ids.len()), seed=seed)
    first = (df.filter(pl.col("simulant_id").is_in(chosen.implode()))
             .sort("simulant_id", "employer_id", "tax_year")
             .unique(["simulant_id", "employer_id"], keep="first", maintain_order=True))
    return w2_rows(first)


def _generate(fn: Callable[..., Any], **kwargs: Any) -> pl.DataFrame:
    """Call a ``pseudopeople.generate_*`` function, its progress bar kept off standard output."""
    with contextlib.redirect_stdout(sys.stderr):
        return _frame(fn(verbose=False, **kwargs))


def pseudopeople_records(datasets: tuple[str, ...] = DATASETS, seed: int = 0) -> list[LabelledRecords]:
    """Generate (noise applied offline by ``pseudopeople``, with ``seed``) and map the chosen data sets."""
    import pseudopeople as psp

    fields = "first name + middle initial, last name, employer"
    w2 = census = None
    out = []
    for name in datasets:
        if name in ("w2", "census_w2") and w2 is None:
            w2 = w2_rows(_generate(psp.generate_taxes_w2_and_1099, seed=seed, year=2020))
        if name == "w2":
            assert w2 is not None
            out.append(labelled_records(w2, name="pseudopeople W-2/1099 2020", fields=fields))
        elif name == "census_w2":
            assert w2 is not None
            census = census_rows(_generate(psp.generate_decennial_census, seed=seed, year=2020))
            out.append(labelled_records(pl.concat([census, w2]), name="pseudopeople census 2020 + W-2/1099 2020",
                                        fields=fields + " (none in the census)"))
        elif name == "careers":
            allyears = _generate(psp.generate_taxes_w2_and_1099, seed=seed, year=None)
            out.append(labelled_records(career_rows(allyears, CAREER_PEOPLE, seed),
                                        name=f"pseudopeople careers 2019-2040 ({CAREER_PEOPLE} people)",
                                        fields=fields))
        else:
            raise ValueError(f"unknown pseudopeople data set {name!r} (one of {', '.join(DATASETS)})")
    return out
