"""Write a run's outputs into ``--out`` atomically: everything goes to a temporary folder beside it, which
replaces the previous report only once complete. A folder that is not a previous report is never replaced, nor
is a previous report into which the user has put files of their own (the marker lists what reconnect wrote)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from analyzer.errors import UsageError
from analyzer.ingest.inputs import REPORT_MARKER, read_regular_file, safe_display
from analyzer.pipeline import Analysis, summary
from analyzer.report.csvsafe import write_csv, write_csv_parts

log = logging.getLogger(__name__)

#: The file that marks a folder as a report written by reconnect; it lists the files written.
MARKER = REPORT_MARKER


#: The most of a marker that is read (one of a report lists a few dozen files in a few KB).
MAX_MARKER_BYTES = 1 << 20

#: What any release of reconnect writes into a report, for a marker that does not list its files (the first
#: release's plain "written by reconnect", or a damaged one): anything else in the folder is the user's.
REPORT_FILES = frozenset({
    "reconnect.csv", "people.csv", "interactions.csv", "interactions_undated.csv", "identity_matches.csv",
    "identity_near_misses.csv", "identity_settings.json", "rejects.csv", "changes.csv", "summary.json",
    "report.html", "plan.csv", "plan.ics"})

#: Files that a file browser or a spreadsheet program leaves in a folder it shows or opens (macOS Finder,
#: Windows Explorer, Excel's lock file of an open workbook): not the user's work, replaced with the report.
_LITTER = re.compile(r"\.DS_Store|Thumbs\.db|desktop\.ini|~\$.*|\._.*")


def _written_by_us(out: Path) -> set[str] | None:
    """The relative paths the marker of a previous report lists (None: an old marker without the list, or one
    that is damaged, too large or not a regular file)."""
    try:
        data = json.loads(read_regular_file(out / MARKER, MAX_MARKER_BYTES).decode("utf-8"))
    except (ValueError, OSError, RecursionError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    return {str(f) for f in files} if isinstance(files, list) else None


def _ours_by_name(rel: str) -> bool:
    """Whether ``rel`` is a file that some release of reconnect writes into a report (:data:`REPORT_FILES`,
    the marker, a chart)."""
    return rel in REPORT_FILES or rel == MARKER or (rel.startswith("charts/") and rel.count("/") == 1
                                                   and rel.endswith(".png"))


def _foreign(out: Path) -> list[str]:
    """Files and folders inside a previous report that reconnect did not write there (when its marker does not
    list them: anything but the files reconnect writes)."""
    listed = _written_by_us(out)
    if listed is not None:
        ours = listed | {MARKER}
        folders = {str(Path(f).parent.as_posix()) for f in ours} | {"."}
    else:
        ours, folders = set(), {".", "charts"}
    found = []
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_dir() and not p.is_symlink():
            if rel not in folders:
                found.append(rel + "/")
        elif rel in ours or (listed is None and _ours_by_name(rel) and p.is_file() and not p.is_symlink()):
            continue
        elif not _LITTER.fullmatch(p.name):
            found.append(rel)
    return found


def check_target(out: Path | str) -> None:
    """Raise :class:`UsageError` now if ``out`` cannot receive a report (so that a long run does not fail at
    the end): a file, a folder that is not a previous report, a report holding the user's own files, or a
    parent folder that is missing or not writable."""
    _check_target(report_folder(out))


def report_folder(out: Path | str) -> Path:
    """Where a report given as ``--out out`` is written: its absolute path or, when ``out`` is a symbolic link
    (a report kept on another disk, linked from the working folder), the path the link points to, so that the
    link stays and the report is replaced where it lies (a link to a link is followed to its end)."""
    path = Path(os.path.abspath(out))
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _check_target(out: Path) -> None:
    shown = safe_display(str(out))
    if not out.name:
        raise UsageError(f"{shown}: cannot write a report over the root folder; choose another --out folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{shown}: exists and is a file; choose another --out folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise UsageError(f"{shown}: folder exists and is not a reconnect report (it is never replaced); "
                             "choose an empty or new --out folder")
        foreign = _foreign(out)
        if foreign:
            listed = ", ".join(safe_display(f) for f in foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise UsageError(f"{shown}: holds files that reconnect did not write ({listed}); move them out or "
                             "choose another --out folder")
    parent = out.parent
    pshown = safe_display(str(parent))
    if not parent.exists():
        raise UsageError(f"{pshown}: folder does not exist; create it or choose another --out")
    if not parent.is_dir():
        raise UsageError(f"{pshown}: is not a folder; choose another --out")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{pshown}: folder is not writable; choose another --out")


def check_list_target(out: Path | str, inputs: list[str] | tuple[str, ...], columns: tuple[str, ...]) -> None:
    """Raise :class:`UsageError` if ``out`` cannot receive a one-file list (``company --out``): a folder, one of
    the inputs or a file inside an input folder (the run would overwrite what it reads), or an existing file
    that is not such a list written before (its first line is not ``columns``: the user's own file)."""
    path = Path(os.path.abspath(out))
    shown = safe_display(str(out))
    if path.is_dir():
        raise UsageError(f"{shown}: is a folder; --out names the CSV file to write")
    real = Path(os.path.realpath(path))
    for given in inputs:
        source = Path(os.path.realpath(given))
        if real == source or source in real.parents:
            raise UsageError(f"{shown}: is one of the inputs or inside one; write the list elsewhere")
    if path.exists():
        try:
            with open(path, "rb") as fh:
                first = fh.read(4096).split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")
        except OSError as exc:
            raise UsageError(f"{shown}: cannot be read ({exc.strerror or exc}); choose another --out") from None
        if first.decode("utf-8", "replace") != ",".join(columns):
            raise UsageError(f"{shown}: exists and is not a list written by reconnect (it is never replaced); "
                             "choose another --out file")
    if not path.parent.is_dir():
        raise UsageError(f"{safe_display(str(path.parent))}: folder does not exist; create it or choose another --out")


#: The columns of interactions.csv, as (column of the events, name in the file).
INTERACTION_COLUMNS = (("person_id", "person_id"), ("timestamp", "timestamp"), ("channel", "channel"),
                       ("direction", "direction"), ("thread_id", "thread_id"), ("source_file", "source"),
                       ("n_participants", "n_participants"))

#: Rows of interactions.csv gathered and written at a time: the file is written without a sorted copy of the
#: whole table (780,000 events on the large profile: 120 MB of the report's peak memory).
INTERACTION_BATCH = 1 << 17


def interactions_table(analysis: Analysis, dated: bool = True) -> pl.DataFrame:
    """interactions.csv: one row per dated event, no content. With ``dated=False``, the events whose source has
    no date (Outlook mail CSV, undated recommendations) for interactions_undated.csv."""
    return _interaction_rows(analysis.events, interactions_order(analysis.events, dated))


def _interaction_rows(events: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """The interactions.csv columns of the events at row numbers ``rows``, in that order."""
    return events.select(pl.col(c).alias(name) for c, name in INTERACTION_COLUMNS)[rows]


def write_interactions(analysis: Analysis, path: Path, dated: bool = True) -> None:
    """Write :func:`interactions_table` as CSV, :data:`INTERACTION_BATCH` rows at a time (the same bytes as
    ``write_csv(interactions_table(analysis, dated), path)``, without the whole sorted table in memory)."""
    events = analysis.events
    order = interactions_order(events, dated)
    parts = (_interaction_rows(events, order.slice(start, INTERACTION_BATCH))
             for start in range(0, max(order.len(), 1), INTERACTION_BATCH))
    write_csv_parts(parts, path)


def interactions_order(events: pl.DataFrame, dated: bool = True) -> pl.Series:
    """The row numbers of the dated (``dated=False``: undated) ``events`` in interactions.csv order:
    (person_id, timestamp, channel, thread_id, source_file), nulls last, rows equal in all five in their order
    in ``events`` (a stable sort).

    A quarter of the time of one five-key sort on 780,000 events: the person ids become integer codes in
    their sorted order (20,000 distinct ids sorted instead of 780,000 strings); the few rows that share a
    person and a timestamp get a rank by the other three keys among themselves; then stable one-key sorts,
    least significant key first. Only the two keys and the row numbers are sorted, not the table."""
    keys = events.select("person_id", "timestamp").with_row_index("_i").filter(
        pl.col("timestamp").is_not_null() if dated else pl.col("timestamp").is_null()).with_row_index("_k")
    if keys.height == 0:
        return keys.get_column("_i")
    ids = keys.get_column("person_id").unique().drop_nulls().sort()
    code = pl.col("person_id").replace_strict(ids, pl.int_range(ids.len(), dtype=pl.UInt32, eager=True),
                                              default=None, return_dtype=pl.UInt32)
    keys = keys.select("_i", "_k", code.alias("_p"), "timestamp")
    by_key = (keys.sort("timestamp", nulls_last=True, maintain_order=True)
              .sort("_p", nulls_last=True, maintain_order=True))
    # runs of equal (person, timestamp), a null equal to a null; the rows of runs longer than one are ties
    new_run = (pl.col("_p").ne_missing(pl.col("_p").shift(1))
               | pl.col("timestamp").ne_missing(pl.col("timestamp").shift(1))).fill_null(True)
    run = pl.col("_run")
    ties = by_key.with_columns(new_run.cum_sum().alias("_run")).filter(
        ((run == run.shift(1)) | (run == run.shift(-1))).fill_null(False))
    if ties.height == 0:
        return by_key.get_column("_i")
    tied = (events.select("channel", "thread_id", pl.col("source_file").alias("source"))[ties.get_column("_i")]
            .with_columns(ties.get_column("_run"), ties.get_column("_k"))
            .sort(["_run", "channel", "thread_id", "source"], nulls_last=True, maintain_order=True))
    rank = pl.zeros(keys.height, pl.UInt32, eager=True).scatter(
        tied.get_column("_k"), pl.int_range(1, tied.height + 1, dtype=pl.UInt32, eager=True))
    keys = keys.with_columns(rank.alias("_t")).sort("_t", maintain_order=True)
    return (keys.sort("timestamp", nulls_last=True, maintain_order=True)
            .sort("_p", nulls_last=True, maintain_order=True).get_column("_i"))


def write_tables(analysis: Analysis, folder: Path) -> list[Path]:
    """The CSVs and summary.json of SPEC §4 (charts and HTML are written by their own modules)."""
    written = []
    ranked = analysis.ranked
    # a table, or what writes it (the interactions, written by parts)
    tables: dict[str, pl.DataFrame | Callable[[Path], None]] = {
        "reconnect.csv": ranked,
        "people.csv": analysis.people.sort(["kind", "person_id"]),
        "interactions.csv": lambda path: write_interactions(analysis, path),
        "interactions_undated.csv": lambda path: write_interactions(analysis, path, dated=False),
        "identity_matches.csv": analysis.resolved.matches.sort(["person_id", "record_id_l", "record_id_r"]),
        "identity_near_misses.csv": analysis.resolved.near_misses,
        "rejects.csv": analysis.ingested.rejects.sort(["source_file", "line"], nulls_last=True),
    }
    ft = analysis.followup
    if ft is not None:  # SPEC §10: changes.csv always (header only on a first run), the plan with --plan
        tables["changes.csv"] = ft.changes
        if ft.plan is not None:
            tables["plan.csv"] = ft.plan.drop("uid")
    for name, table in tables.items():
        path = folder / name
        if isinstance(table, pl.DataFrame):
            write_csv(table, path)
        else:
            table(path)
        written.append(path)
    if ft is not None and ft.plan is not None:
        from analyzer.followup.ics import write_plan_ics

        written.append(write_plan_ics(ft.plan, analysis.as_of, folder / "plan.ics"))
    settings = folder / "identity_settings.json"
    settings.write_text(json.dumps(analysis.resolved.settings, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    written.append(settings)
    return written


def write_report(analysis: Analysis, out: Path | str, top: int = 25, charts: bool = True) -> list[Path]:
    """Write every output of SPEC §4 into ``out`` atomically; returns the paths written (final locations).

    Raises :class:`UsageError` when ``out`` cannot be used or written; a failed run leaves any previous
    report in ``out`` as it was and no temporary folder behind.
    """
    given = Path(out)
    out = report_folder(given)
    _check_target(out)
    # input paths are shown in the report: a file name that is not UTF-8 must not break writing it
    analysis = dataclasses.replace(analysis, inputs=[safe_display(i) for i in analysis.inputs])
    try:
        return _write_atomically(analysis, out, given, top, charts)
    except OSError as exc:
        where = safe_display(str(exc.filename or given))
        raise UsageError(f"{where}: cannot write the report ({exc.strerror or exc}); "
                         "check the free space and permissions of the --out folder") from None


def _write_atomically(analysis: Analysis, out: Path, given: Path, top: int, charts: bool) -> list[Path]:
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        written: list[Path] = []
        extra: dict[str, object] = {}
        if charts:
            # light imports: matplotlib is imported only where charts are drawn
            from analyzer.report import charts as charts_mod
            from analyzer.report import html as html_mod

            # on a large network the charts are drawn by worker processes (started ahead by the pipeline, or
            # now) while this process writes the tables and prepares the page (2 cores: the two overlap), which
            # then only needs the charts
            page: dict[str, object] = {}

            def meanwhile() -> None:
                written.extend(write_tables(analysis, tmp))
                page.update(html_mod.page_context(analysis, top))

            chart_list = charts_mod.make_charts(analysis, tmp / "charts", top=top, meanwhile=meanwhile)
            written += [tmp / "charts" / c.filename for c in chart_list]
            written.append(html_mod.write_html(analysis, chart_list, tmp / "report.html", top=top,
                                               context=page or None))
            extra["charts"] = [c.filename for c in chart_list]
        else:
            written = write_tables(analysis, tmp)
        summ = summary(analysis) | extra
        (tmp / "summary.json").write_text(json.dumps(summ, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
        written.append(tmp / "summary.json")
        manifest = sorted({p.relative_to(tmp).as_posix() for p in written} |
                          {p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()})
        (tmp / MARKER).write_text(json.dumps({"written_by": "reconnect", "files": manifest}, indent=1) + "\n",
                                  encoding="utf-8")
        if out.exists() or out.is_symlink():  # (a link here: one that leads nowhere, or in a loop)
            old = out.with_name(f".{out.name}.old-{os.getpid()}-{tmp.name.rsplit('-', 1)[-1]}")
            os.replace(out, old)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old, out)
                raise
            if old.is_symlink():
                old.unlink()
            else:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("report written to %s", given)
    return [given / p.relative_to(tmp) for p in written]
