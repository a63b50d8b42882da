"""The identity evaluation harness maps external data to RECORDS with the right truth (benchmarks/identity_eval)."""

from __future__ import annotations

import sys

import polars as pl
import pytest

from analyzer import schemas
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from identity_eval.labelled import labelled_records
from identity_eval.metrics import cluster_metrics
from identity_eval.pseudopeople_records import career_rows, census_rows, w2_rows

# rows in pseudopeople's own column layout (as its generate_* functions return them, noise included)
W2 = pl.DataFrame({
    "simulant_id": ["0_4", "0_5", "0_5", "0_757"],
    "employer_id": ["95", "29", "30", "12"],
    "employer_name": ["Pikes Creek Campground", "Red's Dairy Queen", "Warrensburg", None],
    "first_name": ["Eric", "Erin", "Erin", "Miss"],
    "middle_initial": ["R", "R", None, "J"],
    "last_name": ["Alonso Tellez", "Alonso Tellez", "Alonso Tellez", "Franklin"],
    "tax_year": ["2020", "2020", "2021", "2020"],
})
CENSUS = pl.DataFrame({
    "simulant_id": ["0_5", "0_923"],
    "first_name": ["Erin", "Gerald"],
    "middle_initial": [" ", "R"],
    "last_name": ["Alonso Tellez", ""],
})


def test_pseudopeople_rows_map_to_records_with_simulant_truth() -> None:
    lr = labelled_records(pl.concat([census_rows(CENSUS), w2_rows(W2)]), name="t", fields="names, employer")
    recs = lr.records
    assert recs.schema == pl.Schema(schemas.RECORDS)
    assert recs.get_column("record_id").to_list() == [0, 1, 2, 3, 4, 5]
    assert lr.truth.get_column("truth_id").to_list() == ["0_5", "0_923", "0_4", "0_5", "0_5", "0_757"]
    assert recs.get_column("source_kind").to_list() == ["pseudopeople.decennial_census"] * 2 \
        + ["pseudopeople.taxes_w2_and_1099"] * 4
    # the given name carries the middle initial (as a "First Name" field may); blanks are missing values
    assert recs.get_column("first_name").to_list() == ["Erin", "Gerald R", "Eric R", "Erin R", "Erin", "Miss J"]
    assert recs.get_column("last_name").to_list() == ["Alonso Tellez", None, "Alonso Tellez", "Alonso Tellez",
                                                       "Alonso Tellez", "Franklin"]
    assert recs.get_column("name").to_list() == ["Erin Alonso Tellez", "Gerald R", "Eric R Alonso Tellez",
                                                  "Erin R Alonso Tellez", "Erin Alonso Tellez", "Miss J Franklin"]
    assert recs.get_column("company").to_list() == [None, None, "Pikes Creek Campground", "Red's Dairy Queen",
                                                    "Warrensburg", None]
    assert recs.get_column("emails").to_list() == [[]] * 6
    assert recs.select(pl.col("linkedin_url").is_null().all()).item()
    # splink sees the same records and fields, lower-cased
    assert lr.splink_fields == ["middle_initial", "company"]
    assert lr.splink.columns == ["unique_id", "given_name", "surname", "middle_initial", "company"]
    assert lr.splink.row(3) == (3, "erin", "alonso tellez", "r", "red's dairy queen")
    # the truth scores itself perfectly: 2 true pairs (0_5 three times)
    m = cluster_metrics(lr.truth.rename({"truth_id": "person_id"}).with_columns(truth_id=pl.col("person_id")))
    assert (m["pairs_true"], m["pairwise_f1"], m["b3_f1"]) == (3, 1.0, 1.0)


def test_careers_keep_one_form_per_person_and_employer() -> None:
    rows = career_rows(W2, people=10, seed=0)
    assert sorted(zip(rows.get_column("truth_id"), rows.get_column("company"), strict=True),
                  key=lambda r: (r[0], r[1] or "")) == [
        ("0_4", "Pikes Creek Campground"), ("0_5", "Red's Dairy Queen"), ("0_5", "Warrensburg"), ("0_757", None)]
    assert career_rows(W2, people=1, seed=0).get_column("truth_id").n_unique() == 1


def test_pseudopeople_sample_data_loads_offline_and_maps() -> None:
    psp = pytest.importorskip("pseudopeople")
    raw = psp.generate_taxes_w2_and_1099(seed=0, year=2020, verbose=False)
    lr = labelled_records(w2_rows(raw), name="w2", fields="names, employer")
    assert lr.records.height == len(raw) > 1000
    assert lr.records.schema == pl.Schema(schemas.RECORDS)
    assert lr.truth.get_column("truth_id").to_list() == [str(s) for s in raw["simulant_id"]]
    first = raw.iloc[0]
    rec = lr.records.row(0, named=True)
    assert rec["first_name"].split(" ")[0] == str(first["first_name"]).strip()
    assert rec["company"] == str(first["employer_name"]).strip()
    # several forms per person: true pairs to find
    assert lr.truth.get_column("truth_id").n_unique() < lr.records.height
