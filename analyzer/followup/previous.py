"""Read the previous report (``--previous DIR``, or the report ``--out`` is about to replace) for comparison.

Nothing read here is trusted: the folder may be damaged, from an older version, edited by hand or not a report
at all. Any of those gives a one-line warning and ``None`` (the run goes on without the comparison). Text
cells are read as plain strings, stripped of control characters and of the ``'`` that neutralised a formula,
and capped in length; they are escaped and neutralised again like any other input when written.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from analyzer.ingest.inputs import REPORT_MARKER, safe_display

log = logging.getLogger(__name__)

#: Columns the comparison needs, per file (reports older than the follow-through release have them all).
PEOPLE_COLUMNS = ("person_id", "kind", "name", "emails", "linkedin_urls", "company", "position", "connected_on")
RANKED_COLUMNS = ("rank", "person_id", "last_contact", "days_since_contact", "score")
MAX_TEXT = 300


@dataclass(frozen=True)
class PreviousReport:
    """The parts of a previous report the comparison uses.

    ``people``: one row per person of kind ``person`` — ``prev_id, name, company, position, connected_on,
    rank, last_contact, days_since_contact`` (typed) and ``keys`` (their addresses and LinkedIn URLs).
    """

    folder: str
    as_of: date
    people: pl.DataFrame


class NotAReport(ValueError):
    """The folder cannot be used as a previous report (the message says why, in a few words)."""


def _clean_text(col: str) -> pl.Expr:
    """Untrusted text from a CSV cell: control characters out, the neutralising ``'`` off, length capped."""
    c = pl.col(col).str.replace_all(r"[\x00-\x1f\x7f-\x9f]", " ").str.strip_chars()
    c = pl.when(c.str.contains(r"^'[=+@\-\s]")).then(c.str.slice(1)).otherwise(c)
    return pl.when(c.str.len_chars() == 0).then(None).otherwise(c.str.slice(0, MAX_TEXT)).alias(col)


def _read_csv(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    if not path.is_file():
        raise NotAReport(f"{path.name} is missing")
    try:
        with open(path, "rb") as fh:
            header = pl.read_csv(fh, infer_schema=False, encoding="utf8", n_rows=0).columns
            missing = [c for c in columns if c not in header]
            if missing:
                raise NotAReport(f"{path.name} lacks column(s) {', '.join(missing)} (an older version, or edited)")
            fh.seek(0)
            return pl.read_csv(fh, infer_schema=False, encoding="utf8", columns=list(columns)).select(columns)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise NotAReport(f"{path.name} cannot be read ({type(exc).__name__})") from None


def _load(folder: Path) -> PreviousReport:
    if not folder.is_dir():
        raise NotAReport("not a folder")
    if not (folder / REPORT_MARKER).is_file():
        raise NotAReport("not a reconnect report")
    try:
        summ = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        as_of = date.fromisoformat(str(summ["as_of"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise NotAReport("summary.json is missing, damaged or has no as-of date") from None
    people = _read_csv(folder / "people.csv", PEOPLE_COLUMNS)
    ranked = _read_csv(folder / "reconnect.csv", RANKED_COLUMNS)
    if people.get_column("person_id").is_duplicated().any():
        raise NotAReport("people.csv repeats a person_id (edited?)")
    people = people.filter(pl.col("kind") == "person").drop("kind")
    if ranked.join(people, on="person_id", how="anti").height:
        raise NotAReport("reconnect.csv names people that people.csv does not have (edited?)")
    try:
        ranked = ranked.select(
            "person_id",
            pl.col("rank").cast(pl.Int64),
            pl.col("last_contact").str.to_date("%Y-%m-%d", strict=True),
            pl.col("days_since_contact").cast(pl.Int64),
        )
        people = people.with_columns(pl.col("connected_on").str.to_date("%Y-%m-%d", strict=True))
    except pl.exceptions.PolarsError:
        raise NotAReport("a rank, date or day count is not in the form reconnect writes (edited?)") from None
    key_lists = [pl.col(c).fill_null("").str.split(";") for c in ("emails", "linkedin_urls")]
    out = (
        people.join(ranked, on="person_id", how="left")
        .with_columns(_clean_text("name"), _clean_text("company"), _clean_text("position"),
                      pl.concat_list(key_lists).list.eval(
                          pl.element().str.strip_chars().str.to_lowercase().filter(pl.element().str.len_chars() > 0)
                      ).list.unique().list.sort().alias("keys"))
        .rename({"person_id": "prev_id"})
        .select("prev_id", "name", "company", "position", "connected_on", "rank", "last_contact",
                "days_since_contact", "keys")
        .sort("prev_id")
    )
    return PreviousReport(folder=str(folder), as_of=as_of, people=out)


def read_previous(folder: Path | str | None, as_of: date) -> tuple[PreviousReport | None, str | None]:
    """The previous report in ``folder`` and None, or None and a one-line warning saying why it is not used.

    ``as_of`` is this run's date: a report from a later date cannot be compared with.
    """
    if folder is None:
        return None, None
    path = Path(folder)
    shown = safe_display(str(folder))
    try:
        prev = _load(path)
    except NotAReport as exc:
        msg = f"{shown}: previous report not used ({exc}); this run has no comparison"
        log.warning(msg)
        return None, msg
    if prev.as_of > as_of:
        msg = (f"{shown}: previous report is as of {prev.as_of}, after this run's {as_of}; "
               "this run has no comparison")
        log.warning(msg)
        return None, msg
    return prev, None
