"""What the LinkedIn parsers share: the export help, column lookup by name, cells, dates, the owner record."""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import polars as pl

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail.csv_common import REPEATED_HEADER, _repeated_header
from analyzer.ingest.registry import Sniff
from analyzer.ingest.text import (
    PY_WHITESPACE,
    CsvTable,
    casefolded,
    clean_texts,
    decode,
    read_table,
)
from analyzer.ingest.text import width_problem as _width_problem
from analyzer.normalize import canonical_linkedin_url, canonical_linkedin_urls

EXPORT_HELP = (
    "LinkedIn: Me → Settings & Privacy → Data privacy → Get a copy of your data → 'Download larger data "
    "archive' (or pick the files); pass the downloaded zip or the folder it extracts to"
)

COACH_REASON = "LinkedIn coach/guide messages are not person-to-person"
_SPINMAIL = '<p class="spinmail'
#: messages.csv files from this size on are parsed by polars when the parse provably matches the csv module.

_PANDAS_SUFFIX = re.compile(r"\.\d+$")
_TRAILING_NUMBER = re.compile(r"(?: v?\d+| ?\(\d+\))+$")
_EMAIL_SPLIT = re.compile(r"[,;\s]+")
_LINKEDIN_IN = re.compile(r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/in/[^\s,;\]\[\"']+", re.IGNORECASE)


# ---- helpers -----------------------------------------------------------------------------------------------

def _head_rows(sniff: Sniff, max_lines: int = 12) -> list[list[str]]:
    """Normalised header cells of the first non-blank lines of the file's head (for detection; lines the csv
    module cannot split are left out)."""
    return [list(cells) for cells in sniff.line_cells[:max_lines] if cells]  # (copies: the sniff's are shared)


def _first_keys(sniff: Sniff) -> set[str]:
    """Normalised column names of the first non-blank line (``.1`` pandas suffixes removed)."""
    rows = _head_rows(sniff, 3)
    if not rows:
        return set()
    return {_PANDAS_SUFFIX.sub("", k) for k in rows[0]}


#: The longest tail of a name :data:`_TRAILING_NUMBER` is matched against: the pattern is tried from every space
#: and digit of what it is given, each try to the end (a zip member named "Messages 1 1 1 ... x.csv", 40,000
#: characters, took ~15 s, quadratic); a numbering suffix is never that long.
_TRAILING_NUMBER_TAIL = 256


def _compact(name: str) -> str:
    """Sniff name without numbering suffixes and spaces: "Comments_123" -> "comments"."""
    cut = max(len(name) - _TRAILING_NUMBER_TAIL, 0)
    return (name[:cut] + _TRAILING_NUMBER.sub("", name[cut:])).replace(" ", "")


def _is_csv(sniff: Sniff) -> bool:
    return sniff.file.name.lower().endswith(".csv")


class _Cols:
    """Column positions by name, with aliases and pandas ``.1`` suffixes tolerated."""

    def __init__(self, table: CsvTable) -> None:
        self.width = len(table.keys)
        self._idx = table.index()
        for i, k in enumerate(table.keys):
            self._idx.setdefault(_PANDAS_SUFFIX.sub("", k), i)

    def pos(self, *names: str) -> int | None:
        """Position of the first of ``names`` present, else None."""
        for n in names:
            i = self._idx.get(n)
            if i is not None:
                return i
        return None

    def has(self, *names: str) -> bool:
        """True if any of ``names`` is a column."""
        return self.pos(*names) is not None


def _cell(row: list[str], i: int | None) -> str:
    """The stripped cell at ``i`` ('' for a missing column)."""
    if i is None or i >= len(row):
        return ""
    return row[i].strip()


def _shown(value: str, limit: int = 40) -> str:
    v = value if len(value) <= limit else value[: limit - 1] + "…"
    return v.replace("\n", " ").replace("\r", " ")


def _bad_date(value: str) -> str:
    """The reject reason for a date cell that did not parse."""
    return f"unparseable date '{_shown(value)}'" if value else "no date"


def _load(f: InputFile, is_header: Callable[[list[str]], bool] | None) -> CsvTable:
    """Decode ``f`` and locate its header line."""
    return read_table(decode(f.read_bytes(), f.display), f.display, is_header=is_header)


def _full_name(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p)


def _owner(out: FileCollector, name: str | None = None, url: str | None = None) -> int:
    """The owner's record in this file (one per file)."""
    return out.record(role="owner", name=name, linkedin_url=url, owner_hint=True, key=("owner",))


def _person_key(url: str | None, name: str) -> str | tuple[str, str]:
    """Record key: the canonical profile URL, else the name."""
    canon = canonical_linkedin_url(url) if url else None
    if canon:
        return canon
    return ("n", name.casefold())


def _count_rows(f: InputFile, is_header: Callable[[list[str]], bool] | None = None) -> int:
    """Data rows of a CSV file; a file that is not a CSV (or has no such header) counts as one item."""
    try:
        table = _load(f, is_header)
        return sum(1 for _ in table.rows())
    except InputError:
        return 1


def _cells_frame(table: CsvTable, width: int, columns: dict[str, int | None],
                 rejects: list[tuple[int, str]], out: FileCollector) -> pl.DataFrame:
    """The rows of ``table`` as a frame: ``line`` and one column per entry of ``columns`` (name -> position)
    holding the stripped cell ('' for a missing column). Rows without the header's number of cells are not
    in it: they go to ``rejects`` as (line, reason), in line order. Nor is the header row met again (two
    exports joined into one file): ignored in ``out`` as in the mail CSVs (it was rejected as an impossible date).

    The csv module still splits the rows (it knows every quirk and the physical line numbers); everything
    after that is done by polars over the whole file, or by Python once per distinct value.
    """
    get = itemgetter(*(width if i is None else i for i in columns.values()), width)
    lines: list[int] = []
    cells: list[tuple[str, ...]] = []
    repeated = 0
    for line, row in table.rows():
        if _repeated_header(row, table.keys):
            repeated += 1
            continue
        if len(row) != width:
            if problem := _width_problem(row, width):
                rejects.append((line, problem))
                continue
            del row[width:]
        row.append("")
        lines.append(line)
        cells.append(get(row))
    if repeated:
        out.ignore(REPEATED_HEADER, repeated)
    names = list(columns)
    # built column by column (the rows transposed by zip): much cheaper than polars' row-wise construction
    by_column = list(zip(*cells, strict=True)) if cells else [() for _ in names]
    frame = pl.DataFrame([pl.Series(n, values, dtype=pl.String()) for n, values in zip(names, by_column, strict=False)])
    return frame.select(pl.Series("line", lines, dtype=pl.Int64()),
                        *(pl.col(n).str.strip_chars(PY_WHITESPACE) for n in names))


def _mapped(s: pl.Series, fn: Callable[[str], Any], dtype: pl.DataType) -> pl.Series:
    """``fn`` applied to each distinct value of ``s`` (no nulls), spread back to every row."""
    if not s.len():
        return pl.Series(s.name, [], dtype=dtype)
    u = s.unique()
    results = pl.Series("r", [fn(x) for x in u.to_list()], dtype=dtype)
    return s.replace_strict(u, results, return_dtype=dtype)


def _reject_all(out: FileCollector, rejects: list[tuple[int, str]]) -> None:
    """Report ``rejects`` (line, reason) in line order, as a row-by-row reader would have."""
    for line, reason in sorted(rejects, key=lambda r: r[0]):
        out.reject(line, reason)


#: record keys of the bulk builders: canonical profile URLs as they are, the others behind a NUL prefix
OWNER_KEY = "\x00o"
NAME_KEY = "\x00n"


def _person_keys(url: pl.Series, name: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(canonical URL or null, record key) per row: the canonical profile URL, else the case-folded name
    (:func:`_person_key` over whole columns, Python once per distinct value)."""
    canon = canonical_linkedin_urls(url)
    folded = casefolded(name)
    key = pl.select(pl.coalesce(pl.lit(canon), NAME_KEY + pl.lit(folded))).to_series()
    return canon, key


def _keyed_records(mentions: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """Records of ``mentions`` (one row per mention, in processing order: ``key`` and the RECORDS columns a
    record takes from its first mention), numbered in the order of first mentions as
    :meth:`FileCollector.record` with ``key`` numbers them, with ``n_mentions``; and each mention's record
    number."""
    m = mentions.with_row_index("mi")
    firsts = (m.group_by("key").agg(pl.col("mi").first(), pl.len().alias("n_mentions"))
              .sort("mi").with_row_index("rid").with_columns(pl.col("rid").cast(pl.Int64)))
    records = firsts.join(m, on="mi", how="left").sort("rid").drop("mi", "rid", "key", "key_right",
                                                                      strict=False)
    rid = m.join(firsts.select("key", "rid"), on="key", how="left").sort("mi")["rid"]
    return records, rid


def _clean_names(records: pl.DataFrame) -> pl.DataFrame:
    """``name``, ``first_name``, ``last_name`` and ``linkedin_url`` cleaned as :meth:`FileCollector.record`
    cleans them (the name defaults to first + last), once per distinct value."""
    first = clean_texts(records["first_name"])
    last = clean_texts(records["last_name"])
    name = clean_texts(records["name"])
    joined = pl.when(first.is_not_null() | last.is_not_null()).then(
        pl.concat_str(first, last, separator=" ", ignore_nulls=True))
    url = canonical_linkedin_urls(records["linkedin_url"])
    return records.with_columns(pl.coalesce(pl.lit(name), joined).alias("name"), first.alias("first_name"),
                                last.alias("last_name"), url.alias("linkedin_url"))
