"""CSV output that is safe to open in a spreadsheet: formula-like cells neutralised, lists joined with ';'."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

#: A cell starting with one of these runs as a formula in spreadsheet programs (OWASP CSV injection); some
#: programs also skip leading spaces before ``=``, ``+`` or ``@``. The full-width forms (U+FF1D ``＝``, U+FF0B
#: ``＋``, U+FF20 ``＠``, U+FF0D ``－``) are neutralised too: a spreadsheet with an East Asian input method may
#: read them as their ASCII forms, and no name, address or company starts with one.
_FORMULA = r"^[=+@\t\r\x{FF1D}\x{FF0B}\x{FF20}\x{FF0D}]|^-|^\s+[=+@\x{FF1D}\x{FF0B}\x{FF20}]"
_NUMBER = r"^-\d+(\.\d+)?([eE][-+]?\d+)?$"
#: Longest cell written (Excel holds at most 32 767 characters in a cell; longer ones break CSV readers too).
MAX_CELL = 32_000


def _may_be_formula(expr: pl.Expr) -> pl.Expr:
    """True for every cell that :data:`_FORMULA` can match (and some more), by the first byte alone: the
    characters that start a match are ASCII below ``0`` (``+ - \\t \\r``, ASCII spaces), ``=`` and ``@``, or
    Unicode spaces (non-ASCII, so at least ``\\u0080`` in UTF-8 byte order)."""
    return (expr < "0") | ((expr >= "=") & (expr < "A")) | (expr >= "\u0080")


def neutralise(expr: pl.Expr) -> pl.Expr:
    """Prefix ``'`` to string cells that a spreadsheet would evaluate; negative numbers stay as they are."""
    return (
        pl.when(expr.str.contains(_FORMULA) & ~expr.str.contains(_NUMBER))
        .then(pl.lit("'") + expr)
        .otherwise(expr)
    )


def _cap(expr: pl.Expr, joined: bool) -> pl.Expr:
    """Cut cells longer than :data:`MAX_CELL`; a joined list keeps whole items only."""
    cut = expr.str.slice(0, MAX_CELL)
    if joined:
        cut = cut.str.replace(r";[^;]*$", "")
    return pl.when(expr.str.len_chars() > MAX_CELL).then(cut).otherwise(expr)


def to_csv_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Stringify ``df`` for CSV: lists joined by ';', dates ISO 8601, floats rounded, text neutralised."""
    as_text = []
    joined_cols = set()
    # columns whose text can never start a formula nor be too long: integers ("-5" is kept as a number), booleans
    plain = {n for n, dtype in df.schema.items() if dtype.is_integer() or dtype == pl.Boolean}
    for name, dtype in df.schema.items():
        c = pl.col(name)
        joined = isinstance(dtype, pl.List)
        if joined:
            c = c.list.eval(pl.element().cast(pl.String)).list.join(";")
        elif isinstance(dtype, pl.Datetime):
            c = c.dt.strftime(_UTC_FORMAT) if dtype.time_zone else c.dt.strftime("%Y-%m-%dT%H:%M:%S")
        elif dtype == pl.Date:
            c = c.dt.strftime("%Y-%m-%d")
        elif dtype.is_float():
            c = c.round(4).cast(pl.String)
        else:
            c = c.cast(pl.String)
        as_text.append(c.alias(name))
        if joined:
            joined_cols.add(name)
    # the text is made once, then read by the several expressions of _cap and neutralise (in one select each
    # of them would format the column again: 6x the work for a timestamp column)
    text = df.select(as_text)
    # most columns hold no formula-like and no over-long cell: one cheap pass finds the columns that do, and
    # only those are rewritten (the rewrite builds a prefixed and a cut copy of every cell: 3x the work)
    # (the regex runs only on the cells whose first byte could start a match: a byte comparison is 20x cheaper)
    flagged = text.select(
        ((pl.col(n).str.len_bytes().max() > MAX_CELL)
         | pl.col(n).filter(_may_be_formula(pl.col(n))).str.contains(_FORMULA).any()).alias(n)
        for n in text.columns if n not in plain
    )
    touch = [n for n in flagged.columns if flagged.get_column(n).fill_null(False).item(0)] if text.height else []
    if not touch:
        return text
    return text.with_columns(neutralise(_cap(pl.col(n), n in joined_cols)).alias(n) for n in touch)


def write_csv(df: pl.DataFrame, path: Path) -> None:
    """Write ``df`` as UTF-8 CSV (header always present) with neutralised cells."""
    write_csv_parts([df], path)


def write_csv_parts(parts: Iterable[pl.DataFrame], path: Path) -> None:
    """Write the frames of ``parts`` (one schema; at least one, possibly empty) one after another as one CSV
    file, header first: the same bytes as :func:`write_csv` of their concatenation, one part in memory at a
    time (every cell is made safe on its own)."""
    with open(path, "wb") as fh:  # opened here: polars cannot open every path Python can (non-UTF-8 names)
        for i, part in enumerate(parts):
            _csv_frame_to_write(part).write_csv(fh, null_value="", include_header=i == 0,
                                                datetime_format=_UTC_FORMAT)


#: How :func:`to_csv_frame` writes a UTC timestamp.
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _csv_frame_to_write(df: pl.DataFrame) -> pl.DataFrame:
    """:func:`to_csv_frame` of ``df`` for writing, with the columns whose text the CSV writer makes itself (the
    same bytes) left as they are: integers and UTC timestamps (written with :data:`_UTC_FORMAT`), which never
    need neutralising. Formatting the timestamps into strings first was a third of writing interactions.csv
    (780,000 rows on the large profile)."""
    native = [n for n, dtype in df.schema.items()
              if dtype.is_integer() or (isinstance(dtype, pl.Datetime) and dtype.time_zone == "UTC")]
    if not native:
        return to_csv_frame(df)
    if len(native) == df.width:
        return df
    text = to_csv_frame(df.drop(native))
    return pl.concat([df.select(native), text], how="horizontal").select(df.columns)
