"""The `reconnect` command line: a thin click layer over the library."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.errors import InputError, UsageError

if TYPE_CHECKING:
    from analyzer.pipeline import Analysis

log = logging.getLogger("analyzer")


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else (logging.ERROR if quiet else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)


def _one_line(text: str, limit: int = 1500) -> str:
    """``text`` as a single terminal-safe line: control characters (newlines, escapes) shown as spaces."""
    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


@contextmanager
def _user_errors(verbose: bool) -> Iterator[None]:
    """Turn errors the user can fix into one-line messages with exit code 1 (tracebacks only with --verbose)."""
    try:
        yield
    except (InputError, UsageError) as exc:
        if verbose:
            raise
        raise click.ClickException(_one_line(str(exc))) from None
    except KeyboardInterrupt:
        raise click.Abort() from None
    except click.ClickException:
        raise
    except OSError as exc:  # the file system refused (disk full, permissions, a file vanished): fixable
        if verbose:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        raise click.ClickException(_one_line(
            f"{where}{exc.strerror or exc}; check the path, its permissions and the free disk space")) from None
    except MemoryError:
        if verbose:
            raise
        raise click.ClickException("ran out of memory; close other programs or analyse fewer inputs at once") from None
    except Exception as exc:  # a bug: still one line unless --verbose
        if verbose:
            raise
        msg = str(exc).splitlines()[0] if str(exc) else ""
        raise click.ClickException(_one_line(
            f"internal error ({type(exc).__name__}: {msg[:200]}); run again with --verbose for details")) from None


def _parse_as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    from analyzer.ingest.dates import outside_years, parse_day  # (here: --help imports no parser)

    try:
        day = parse_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if why := outside_years(day):
        raise click.BadParameter(why)
    return day


class _Feedback:
    """What the terminal shows during a run: the bar of the bytes read (called with each read's size), then a
    status line naming the step under way (:meth:`stage`); all of it goes when the run ends."""

    def __init__(self, console: Any, prog: Any, task: Any) -> None:
        self._console = console
        self._prog: Any = prog
        self._task = task
        self._status: Any = None

    def __call__(self, nbytes: int) -> None:
        if self._prog is not None:
            self._prog.advance(self._task, nbytes)

    def stage(self, name: str) -> None:
        """Show the step ``name`` (a key of ``pipeline.STAGES``, or words of its own): the bar is done."""
        from analyzer.pipeline import STAGES

        words = STAGES.get(name, name)
        self._stop_bar()
        if self._status is None:
            self._status = self._console.status(words)
            self._status.start()
        # (drawn now: a status is otherwise drawn at its next refresh, 80 ms on, and a new spinner redraws it)
        self._status.update(words, spinner="dots")

    def _stop_bar(self) -> None:
        if self._prog is not None:
            self._prog.stop()
            self._prog = None

    def close(self) -> None:
        self._stop_bar()
        if self._status is not None:
            self._status.stop()
            self._status = None


@contextmanager
def _progress(inputs: tuple[str, ...], enabled: bool) -> Iterator[_Feedback | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from analyzer.ingest.inputs import discover

    console = _stderr_console()
    try:
        # (a compressed tar is read through to be listed: a Takeout .tgz of many GB takes a while, said so)
        with console.status("finding the files to read (archives are listed)"):
            total = sum(f.size for f in discover(list(inputs)).files)
    except InputError:
        yield None  # the run itself reports the problem
        return
    prog = Progress(TextColumn("reading"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                    transient=True, console=console)
    prog.start()
    feedback = _Feedback(console, prog, prog.add_task("read", total=total or None))
    try:
        yield feedback
    finally:
        feedback.close()


def _on_terminal(quiet: bool) -> bool:
    """Whether the run shows its progress: not ``--quiet``, and standard error is a terminal (None: the command
    was started with it closed)."""
    return not quiet and sys.stderr is not None and sys.stderr.isatty()


def _analysed(inputs: tuple[str, ...], quiet: bool, **options: Any) -> Analysis:
    """``pipeline.analyze(inputs, **options)`` without a report's charts (``company``, ``person``), with the bar of
    the bytes read and the steps on a terminal."""
    from analyzer.pipeline import analyze as run

    with _progress(inputs, _on_terminal(quiet)) as feedback:
        return run(inputs, progress=feedback, on_stage=feedback.stage if feedback else None, charts=False,
                   **options)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _parse_me(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        return values
    from analyzer.normalize import owner_identity

    try:
        return tuple(owner_identity(v) for v in values)
    except ValueError as exc:
        raise click.BadParameter(_one_line(str(exc))) from None


def _inputs_arg() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))


def _common_run_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed([
        click.option("--me", "me", multiple=True, metavar="ADDRESS", callback=_parse_me,
                     help="Your own email address or LinkedIn profile URL (repeatable)."),
        click.option("--as-of", callback=_parse_as_of, metavar="YYYY-MM-DD",
                     help="Treat this date as today, for reproducible runs."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=str),
                     help="TOML file with identity corrections, scoring weights and column mappings."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or table; errors only."),
        click.option("--verbose", "-v", is_flag=True, help="Log each step; show tracebacks."),
    ]):
        f = opt(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reconnect")
def main() -> None:
    """reconnect: find the people worth reconnecting with, from your LinkedIn export, mail and contacts."""


@main.command()
@_inputs_arg()
@click.option("--out", "out", default="reconnect-report", show_default=True, type=click.Path(path_type=Path),
              help="Folder to write the report into (replaced atomically).")
@click.option("--top", default=25, show_default=True, type=click.IntRange(1, 10_000),
              help="How many people the HTML list shows, and the terminal table when given (else 10).")
@click.option("--previous", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="An earlier report to compare with (default: the report --out replaces).")
@click.option("--plan", "plan", type=click.IntRange(1, 100), default=None, metavar="N",
              help="Plan N people a week: write plan.csv and plan.ics.")
@_common_run_options
def analyze(inputs: tuple[str, ...], out: Path, top: int, previous: Path | None, plan: int | None,
            me: tuple[str, ...], as_of: date | None, config_path: str | None, quiet: bool, verbose: bool) -> None:
    """Analyse exports and write the ranked reconnect list and report.

    INPUT is any mix of LinkedIn archive zips or folders, Google Takeout zips or .tgz, mbox files, mail
    and contact CSVs and vCards; folders are searched recursively. Writes reconnect.csv, people.csv, interactions.csv,
    identity_matches.csv, rejects.csv, changes.csv, summary.json, charts/ and report.html into --out
    (and plan.csv, plan.ics with --plan). Changes are counted against --previous, else the report in --out."""
    _setup_logging(verbose, quiet)
    from analyzer.report.chart_worker import prestart_for_inputs

    prestart_for_inputs(inputs)  # large inputs: the chart workers import matplotlib while the pipeline is imported
    from analyzer.ingest.inputs import safe_display
    from analyzer.pipeline import analyze as run
    from analyzer.report import write_report
    from analyzer.report.terminal import print_changes, print_top
    from analyzer.report.writer import MARKER, check_target

    with _user_errors(verbose):
        check_target(out)  # before the long part: an unusable --out is reported at once
        if previous is None and (out / MARKER).is_file():
            previous = out  # read now, before the new report replaces it
        with _progress(inputs, _on_terminal(quiet)) as feedback:
            analysis = run(inputs, me=me, as_of=as_of, config=config_path, progress=feedback,
                           previous=previous, plan=plan, on_stage=feedback.stage if feedback else None)
            if feedback is not None:
                feedback.stage("writing the report: tables, charts and the HTML page")
            written = write_report(analysis, out, top=top)
    if not quiet:
        print_top(analysis, top=_terminal_rows(top))
        print_changes(analysis)
        _echo_unread(analysis.ingested.skipped)
        click.echo(f"Wrote {len(written)} files to {safe_display(str(out))}/ (reconnect.csv, people.csv, report.html, "
                   "...)")


#: People in the terminal table when ``--top`` is not given (SPEC §3: "a short terminal table").
TERMINAL_ROWS = 10


def _terminal_rows(top: int) -> int:
    """The terminal table's length: ``--top`` when the user gave it, else :data:`TERMINAL_ROWS` (at most the
    default ``--top``): `--top 12` printed "Top 10"."""
    given = click.get_current_context().get_parameter_source("top") not in (
        click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP, None)
    return top if given else min(top, TERMINAL_ROWS)


#: Reasons for skipping a file that need no word at the terminal (an export folder holds many such files).
_UNREMARKABLE_SKIPS = ("not a supported format", "empty file", "a report written by reconnect",
                       "a link to a folder read already", "a mail program's profile lock")


def _echo_unread(skipped: list[tuple[str, str]], limit: int = 10) -> None:
    """One line on stderr per file found in a folder or archive that could have held data but was not read (a
    compressed mailbox, an archive inside an archive, a file without read permission); all skipped files are
    listed in summary.json and report.html."""
    shown = [(f, why) for f, why in skipped if why not in _UNREMARKABLE_SKIPS]
    for f, why in shown[:limit]:
        click.echo(f"Not read: {f}: {why}", err=True)
    if len(shown) > limit:
        click.echo(f"Not read: {len(shown) - limit} more files (see summary.json)", err=True)


def _not_blank(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("is empty: give a name (or, for person, an address, URL or person_id)")
    return value


@main.command()
@click.argument("name", callback=_not_blank)
@_inputs_arg()
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Also write the list to this CSV file.")
@_common_run_options
def company(name: str, inputs: tuple[str, ...], out: Path | None, me: tuple[str, ...], as_of: date | None,
            config_path: str | None, quiet: bool, verbose: bool) -> None:
    """Who do I know at NAME (current or past, by company name or email domain)? Strongest first."""
    _setup_logging(verbose, quiet)
    from analyzer.report.lookup import COMPANY_COLUMNS, people_at_company
    from analyzer.report.terminal import print_company
    from analyzer.report.writer import check_list_target

    with _user_errors(verbose):
        if out is not None:
            check_list_target(out, inputs, COMPANY_COLUMNS)  # before the long part
        analysis = _analysed(inputs, quiet, me=me, as_of=as_of, config=config_path)
        table = people_at_company(analysis, name)
        if out is not None:
            from analyzer.report.csvsafe import write_csv

            write_csv(table, out)
    print_company(table, name)


@main.command()
@click.argument("query", callback=_not_blank)
@_inputs_arg()
@_common_run_options
def person(query: str, inputs: tuple[str, ...], me: tuple[str, ...], as_of: date | None,
           config_path: str | None, quiet: bool, verbose: bool) -> None:
    """One person's merged identities, why they were merged, and their timeline. QUERY is a name, an email
    address, a LinkedIn URL or a person_id."""
    _setup_logging(verbose, quiet)
    from analyzer.report.terminal import print_person

    with _user_errors(verbose):
        analysis = _analysed(inputs, quiet, me=me, as_of=as_of, config=config_path)
        print_person(analysis, query)


@main.command("sample-data")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--truth-dir", type=click.Path(path_type=Path), default=None,
              help="Where to write the truth (default: FOLDER_truth beside FOLDER).")
@click.option("--as-of-earlier", "earlier", type=click.IntRange(0, 3650), default=0, metavar="DAYS",
              help="Write the same world's export as it was DAYS days earlier (truth gets changes.csv).")
def sample_data(folder: Path, size: str, seed: int, truth_dir: Path | None, earlier: int) -> None:
    """Write deterministic synthetic exports into FOLDER.

    A LinkedIn archive zip, a Gmail Takeout mbox and address books go into FOLDER; the truth (who is who,
    who should rank high) goes into a separate folder that the pipeline never reads."""
    from analyzer.sample_data import generate_sample_data

    with _user_errors(False):
        s = generate_sample_data(folder, size=size, seed=seed, truth_dir=truth_dir, as_of_earlier=earlier)
    click.echo(f"Wrote {size} sample exports to {folder}/ and the truth to {s.truth_dir}/")


@main.command()
def formats() -> None:
    """What reconnect reads, and how to export each source."""
    from analyzer.catalog import FORMAT_GROUPS  # a static table: the parsers and polars stay unimported

    for labels, help_text in FORMAT_GROUPS:
        click.echo("\n".join(f"- {label}" for label in labels))
        click.echo(f"    How to get it: {help_text}\n")


def run() -> None:
    """The ``reconnect`` command (console script and ``python -m analyzer``): :func:`main`, then a quick exit.

    Once the command is done (its files written and closed), the exit handlers run (the chart workers stop,
    logging is flushed) and the standard streams are flushed, then the process ends without the interpreter's
    teardown: freeing every object of a large analysis one by one took 0.1 to 0.2 s of each run that nothing
    needs (the memory goes back to the system whole). An exception that is not an exit propagates as usual."""
    try:
        main.main()
    except SystemExit as exc:
        code = _exit_status(exc.code)
    except OSError as exc:  # only the terminal output is outside _user_errors: stdout to a full disk, say
        click.echo(f"Error: the output could not be written ({_one_line(exc.strerror or str(exc))})", err=True)
        code = 1
    else:  # (standalone mode always exits)
        code = 0
    _quick_exit(code)


def _exit_status(code: object) -> int:
    """The process status ``sys.exit(code)`` gives: 0 for None, the number, else 1 with ``code`` on stderr."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    click.echo(str(code), err=True)
    return 1


def _quick_exit(code: int) -> None:
    """Run the exit handlers, flush the standard streams, then end the process at once with status ``code``."""
    import atexit
    import os

    atexit._run_exitfuncs()  # ours (the prestarted chart workers) and the libraries' (logging)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # (None: the process was started with that stream closed)
                stream.flush()
        except (OSError, ValueError):  # a reader that went away (| head), a full disk, a closed stream
            if code == 0 and stream is sys.stdout:
                code = 120  # what the interpreter returns when it cannot flush stdout at exit
    os._exit(code)
