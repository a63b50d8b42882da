"""Follow-through across runs (SPEC §10) on two hand-made exports of one account (tests/fixtures/followup/):
changes.csv, the list moving on, [plan] done/snooze, --plan with plan.csv and plan.ics, the report's
"Since last time" section, and previous reports that cannot be trusted."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from email.utils import format_datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from icalendar import Calendar

import analyzer
from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.followup import previous
from analyzer.followup.previous import read_previous, written_dates

FIXTURES = Path(__file__).parent / "fixtures" / "followup"
EARLIER, LATER = FIXTURES / "earlier", FIXTURES / "later"
AS_OF_EARLIER, AS_OF_LATER = "2025-12-31", "2026-06-30"
CHECK_REPORT = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check-report"
EXPECTED = {("Bob Baker", "reconnected"), ("Carol Chen", "awaiting_reply"), ("Alice Archer", "job_change"),
            ("Dan Diaz", "new_connection"), ("Erin Evans", "went_quiet")}


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _run(*args: str) -> str:
    res = CliRunner().invoke(main, ["analyze", *args])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The loop as a user runs it: the earlier export into --out, then the later export into the same --out
    (compared with the report it replaces), with a plan of 2 a week. Returns (first copy, report, output)."""
    base = tmp_path_factory.mktemp("loop")
    out = base / "report"
    _run(str(EARLIER), "--out", str(out), "--as-of", AS_OF_EARLIER, "-q")
    first = base / "first"
    shutil.copytree(out, first)
    output = _run(str(LATER), "--out", str(out), "--as-of", AS_OF_LATER, "--plan", "2")
    return first, out, output


def test_first_run_writes_the_header_only(loop: tuple[Path, Path, str]) -> None:
    first, _, _ = loop
    text = (first / "changes.csv").read_text(encoding="utf-8")
    assert text == "person_id,name,change,before,after,date,detail\n"
    assert json.loads((first / "summary.json").read_text())["since_last_time"]["counts"] == dict.fromkeys(
        ("reconnected", "awaiting_reply", "job_change", "new_connection", "went_quiet"), 0)
    assert not (first / "plan.csv").exists() and not (first / "plan.ics").exists()


def test_changes_since_the_previous_report(loop: tuple[Path, Path, str]) -> None:
    _, out, _ = loop
    rows = _csv(out / "changes.csv")
    assert {(r["name"], r["change"]) for r in rows} == EXPECTED
    by = {r["change"]: r for r in rows}
    assert (by["job_change"]["before"], by["job_change"]["after"]) == ("Data Engineer at Acme",
                                                                       "Head of Data at Northwind")
    assert by["job_change"]["date"] == ""  # the export does not say when: no date is claimed
    assert by["reconnected"]["date"] == "2026-03-03" and by["reconnected"]["before"] == "last contact 2022-09-11"
    assert by["awaiting_reply"]["date"] == "2026-06-20"
    assert by["new_connection"]["date"] == "2026-02-14"
    assert by["went_quiet"]["date"] == "2026-02-05"  # last contact 2025-12-06 + twice its monthly rhythm (61 d)
    assert by["went_quiet"]["before"] == "last contact 2025-12-06"
    people = {p["person_id"]: p["name"] for p in _csv(out / "people.csv")}
    assert all(people[r["person_id"]] == r["name"] for r in rows)
    s = json.loads((out / "summary.json").read_text())["since_last_time"]
    assert s["counts"] == dict.fromkeys(("reconnected", "awaiting_reply", "job_change", "new_connection",
                                         "went_quiet"), 1)
    assert s["previous_as_of"] == AS_OF_EARLIER and s["warning"] is None and s["planned"] == 4


def test_the_list_moves_on(loop: tuple[Path, Path, str]) -> None:
    _, out, _ = loop
    ranked = {r["name"]: r for r in _csv(out / "reconnect.csv")}
    assert [r["name"] for r in _csv(out / "reconnect.csv")][-2:] == ["Bob Baker", "Carol Chen"]
    assert ranked["Bob Baker"]["follow_up"] == "reconnected"
    assert ranked["Bob Baker"]["reason"].startswith("Reconnected since the last report (2026-03-03)")
    assert ranked["Carol Chen"]["follow_up"] == "awaiting_reply"
    assert ranked["Carol Chen"]["reason"].startswith(
        "You wrote on 2026-06-20 and have no answer yet: suggested again from 2026-07-18 (4 weeks later)")
    assert ranked["Alice Archer"]["reason"].startswith("Now Head of Data at Northwind (was Data Engineer at Acme). ")
    assert ranked["Frank Fox"]["follow_up"] == "" and ranked["Frank Fox"]["rank"] == "1"


def test_awaiting_reply_needs_no_previous_report(tmp_path: Path) -> None:
    res = analyzer.analyze(LATER, as_of=AS_OF_LATER)
    assert res.changes.height == 0
    status = dict(res.ranked.select("name", "follow_up").iter_rows())
    assert status["Carol Chen"] == "awaiting_reply" and status["Bob Baker"] is None
    later = analyzer.analyze(LATER, as_of="2026-07-18")  # four weeks on: suggested again, with a nudge
    row = later.ranked.filter(later.ranked["name"] == "Carol Chen").row(0, named=True)
    assert row["follow_up"] is None
    assert row["reason"].startswith("No answer to your message of 2026-06-20 yet: a short follow-up is fine now")


def test_report_html_and_terminal_say_what_changed(loop: tuple[Path, Path, str]) -> None:
    _, out, output = loop
    page = (out / "report.html").read_text(encoding="utf-8")
    since = page.split('<section id="since">')[1].split("</section>")[0]
    assert page.index('id="since"') < page.index('id="summary"')
    assert ">None<" not in page  # a missing value (no date for a job change) shows as nothing
    ids = {r["name"]: r["person_id"] for r in _csv(out / "reconnect.csv")}
    for name, _change in EXPECTED:
        assert f'<a href="#p-{ids[name]}">{name}</a>' in since
        assert f'<td id="p-{ids[name]}">' in page
    assert "Since last time (2025-12-31): 1 reconnected, 1 awaiting your reply, 1 changed" in " ".join(output.split())
    assert "Planned 4 people (plan.csv, plan.ics)" in " ".join(output.split())


def test_check_report_passes(loop: tuple[Path, Path, str]) -> None:
    if not CHECK_REPORT.exists():
        pytest.skip("check-report is not on this machine")
    for folder in loop[:2]:
        r = subprocess.run([sys.executable, str(CHECK_REPORT), str(folder)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


# ---- the plan and its calendar ------------------------------------------------------------------------

def _calendar(path: Path) -> list:  # type: ignore[type-arg]
    cal = Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


def test_plan_csv_and_ics(loop: tuple[Path, Path, str]) -> None:
    _, out, _ = loop
    plan = _csv(out / "plan.csv")
    assert Counter(r["week"] for r in plan) == {"1": 2, "2": 2}
    assert [r["name"] for r in plan] == ["Frank Fox", "Alice Archer", "Erin Evans", "Dan Diaz"]
    assert plan[0]["reach"] == "frank.fox@example.org" and plan[0]["week_of"] == "2026-07-06"
    events = _calendar(out / "plan.ics")
    assert len(events) == 4
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 4
    for e, row in zip(events, plan, strict=True):
        start = e.decoded("DTSTART")
        assert isinstance(start, date) and start.isoformat() == row["date"] and start.weekday() < 5
        assert (e.decoded("DTEND") - start).days == 1  # all-day
        assert str(e["SUMMARY"]) == f"Reconnect with {row['name']}"
        assert row["reason"] in str(e["DESCRIPTION"]) and row["reach"] in str(e["DESCRIPTION"])
        assert e.walk("VALARM")


def test_plan_uids_are_stable_across_runs(tmp_path: Path) -> None:
    a = analyzer.analyze(LATER, as_of=AS_OF_LATER, plan=3)
    b = analyzer.analyze(LATER, as_of=AS_OF_LATER, plan=3)
    a.write(tmp_path / "a")
    b.write(tmp_path / "b")
    assert (tmp_path / "a" / "plan.ics").read_bytes() == (tmp_path / "b" / "plan.ics").read_bytes()
    ua = {str(e["SUMMARY"]): str(e["UID"]) for e in _calendar(tmp_path / "a" / "plan.ics")}
    # a later run with other inputs keeps each person's UID (a re-import updates the reminder)
    c = analyzer.analyze(EARLIER, as_of=AS_OF_EARLIER, plan=3)
    c.write(tmp_path / "c")
    uc = {str(e["SUMMARY"]): str(e["UID"]) for e in _calendar(tmp_path / "c" / "plan.ics")}
    shared = set(ua) & set(uc)
    assert shared and all(ua[k] == uc[k] for k in shared)
    assert Counter(a.plan["week"].to_list()) == {1: 3, 2: 2}  # 5 people to suggest (Carol awaits a reply)


def test_plan_uid_kept_when_a_person_gains_a_linkedin_url(tmp_path: Path) -> None:
    """A person planned from their mail alone, then again once the LinkedIn export (their profile URL) is added,
    keeps the UID of the previous plan: it was made from the URL now, and a re-import duplicated the reminder.
    SEQUENCE counts the days from 2000-01-01 to the as-of date: a later run's reminder is a newer revision."""
    mail_only = tmp_path / "mail_only"
    shutil.copytree(LATER / "mail", mail_only / "mail")
    for name in ("Profile.csv", "Email Addresses.csv"):  # (the owner, without the connections)
        (mail_only / "linkedin").mkdir(exist_ok=True)
        shutil.copy(LATER / "linkedin" / name, mail_only / "linkedin" / name)
    out = tmp_path / "report"
    _run(str(mail_only), "--out", str(out), "--as-of", AS_OF_LATER, "--plan", "3", "-q")
    first = {str(e["SUMMARY"]): str(e["UID"]) for e in _calendar(out / "plan.ics")}
    cal = _calendar(out / "plan.ics")
    assert {int(e["SEQUENCE"]) for e in cal} == {(date.fromisoformat(AS_OF_LATER) - date(2000, 1, 1)).days}
    fresh = analyzer.analyze(LATER, as_of=AS_OF_LATER, plan=3)  # the same inputs without the previous report
    made = {f"Reconnect with {n}": u for n, u in fresh.plan.select("name", "uid").iter_rows()}
    _run(str(LATER), "--out", str(out), "--as-of", AS_OF_LATER, "--plan", "3", "-q")
    second = {str(e["SUMMARY"]): str(e["UID"]) for e in _calendar(out / "plan.ics")}
    both = sorted(set(first) & set(second))
    assert both and all(first[n] == second[n] for n in both)
    assert any(made[n] != first[n] for n in both)  # (made from the URL, the UID would have changed)
    assert len(set(second.values())) == len(second)


# ---- [plan] in the config -----------------------------------------------------------------------------

def test_done_and_snoozed_people_are_not_suggested(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[plan]\ndone = ["frank.fox@example.org"]\n'
                   'snooze = { "https://www.linkedin.com/in/Alice-Archer" = "2027-01-15" }\n', encoding="utf-8")
    res = analyzer.analyze(LATER, as_of=AS_OF_LATER, config=cfg, plan=2)
    status = dict(res.ranked.select("name", "follow_up").iter_rows())
    assert status["Frank Fox"] == "done" and status["Alice Archer"] == "snoozed"
    assert res.plan["name"].to_list() == ["Erin Evans", "Bob Baker", "Dan Diaz"]  # no comparison: Bob stays
    alice = res.ranked.filter(res.ranked["name"] == "Alice Archer").row(0, named=True)
    assert alice["score"] == 0 and "Snoozed until 2027-01-15" in alice["reason"]


@pytest.mark.parametrize(("text", "message"), [
    ('[plan]\nsnooze = { "jane@x.com" = "15/01/2027" }\n', "'15/01/2027' for 'jane@x.com' is not a date"),
    ('[plan]\ndone = ["Jane Doe"]\n', "'Jane Doe' is not an email address or a LinkedIn profile URL"),
    ('[plan]\ndone = "jane@x.com"\n', "done must be a list"),
    ('[plan]\nsnoze = {}\n', "unknown key(s) in [plan]: snoze"),
])
def test_bad_plan_config_is_one_line_naming_the_file_before_reading_input(tmp_path: Path, text: str,
                                                                          message: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:  # the input does not exist: the config is checked first
        analyzer.analyze(tmp_path / "no-such-export", config=cfg)
    assert str(cfg) in str(exc.value) and message in str(exc.value)
    res = CliRunner().invoke(main, ["analyze", str(tmp_path / "nope"), "--config", str(cfg), "--out",
                                    str(tmp_path / "r")])
    assert res.exit_code == 1 and len(res.output.strip().splitlines()) == 1 and str(cfg) in res.output


def test_unknown_identity_in_plan_is_an_error_naming_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[plan]\ndone = ["nobody@nowhere.example"]\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        analyzer.analyze(LATER, as_of=AS_OF_LATER, config=cfg)
    assert str(cfg) in str(exc.value) and "nobody@nowhere.example" in str(exc.value)


# ---- previous reports that cannot be trusted ----------------------------------------------------------

def _unusable(tmp_path: Path, first: Path) -> dict[str, Path]:
    cases = {}
    cases["missing"] = tmp_path / "does-not-exist"
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("hello", encoding="utf-8")
    cases["not a report"] = plain
    for name, edit in {
        "damaged summary": lambda d: (d / "summary.json").write_text("{not json", encoding="utf-8"),
        "older version": lambda d: (d / "people.csv").write_text("person_id,name\np1,X\n", encoding="utf-8"),
        "edited rank": lambda d: (d / "reconnect.csv").write_text(
            (d / "reconnect.csv").read_text(encoding="utf-8").replace("\n1,", "\none,", 1), encoding="utf-8"),
        "binary people": lambda d: (d / "people.csv").write_bytes(b"\xff\xfe\x00\x00garbage\x00"),
        # (a pipe blocked the run; /dev/zero filled 24 GB; nesting was "internal error (RecursionError)")
        "summary is a pipe": lambda d: ((d / "summary.json").unlink(), os.mkfifo(d / "summary.json")),
        "summary is endless": lambda d: ((d / "summary.json").unlink(), (d / "summary.json").symlink_to("/dev/zero")),
        "summary nested deep": lambda d: (d / "summary.json").write_text("[" * 100_000 + "]" * 100_000),
        "people too large": lambda d: os.truncate(d / "people.csv", previous.MAX_TABLE_BYTES + 1),
    }.items():
        d = tmp_path / name.replace(" ", "_")
        shutil.copytree(first, d)
        edit(d)
        cases[name] = d
    return cases


def test_unusable_previous_reports_warn_and_the_run_goes_on(loop: tuple[Path, Path, str], tmp_path: Path) -> None:
    first, _, _ = loop
    for case, folder in _unusable(tmp_path, first).items():
        prev, warning = read_previous(folder, date(2026, 6, 30))
        assert prev is None and warning and "\n" not in warning and "previous report not used" in warning, case
        out = tmp_path / f"out-{case.replace(' ', '_')}"
        res = CliRunner().invoke(main, ["analyze", str(LATER), "--out", str(out), "--as-of", AS_OF_LATER,
                                        "--previous", str(folder)])
        assert res.exit_code == 0, (case, res.output)
        assert "previous report not used" in res.output, case
        assert (out / "changes.csv").read_text(encoding="utf-8").count("\n") == 1, case
        assert json.loads((out / "summary.json").read_text())["since_last_time"]["warning"], case
    newer, warning = read_previous(first, date(2025, 1, 1))
    assert newer is None and warning and "after this run's 2025-01-01" in warning


def _resaved(src: Path, delimiter: str, encoding: str, date_form: str | None = None, line_end: str = "\r\n") -> bytes:
    """A report CSV as a spreadsheet program saves it again: other cell separator, encoding and line ends, and
    with ``date_form`` (a strftime form) the ISO dates rewritten in a local form, as Excel does."""
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if date_form:
        rows = [[date.fromisoformat(c).strftime(date_form).replace("/0", "/").lstrip("0")
                 if re.fullmatch(r"\d{4}-\d{2}-\d{2}", c) else c for c in row] for row in rows]
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize(("delimiter", "encoding", "date_form"),
                         [(";", "cp1252", None), ("\t", "utf-16", None), (";", "utf-8-sig", None),
                          (",", "cp1252", "%m/%d/%Y"), (";", "cp1252", "%d.%m.%Y"), (",", "mac_roman", None)],
                         ids=["semicolons_cp1252", "tabs_utf16", "semicolons_utf8_bom", "excel_us_dates",
                              "excel_german_dates", "excel_mac_cr_line_ends"])
def test_a_previous_report_saved_again_by_a_spreadsheet_is_compared(
        loop: tuple[Path, Path, str], tmp_path: Path, delimiter: str, encoding: str, date_form: str | None) -> None:
    first, out, _ = loop
    resaved = tmp_path / "resaved"
    shutil.copytree(first, resaved)
    for name in ("people.csv", "reconnect.csv"):
        line_end = "\r" if encoding == "mac_roman" else "\r\n"  # (ASCII content: the same bytes as cp1252)
        (resaved / name).write_bytes(_resaved(first / name, delimiter, encoding, date_form, line_end))
    if date_form:
        text = (resaved / "reconnect.csv").read_text(encoding="cp1252")
        assert re.search(r"[,;]\d{1,2}[./]\d{1,2}[./]\d{4}[,;]", text)
        assert not re.search(r"[,;]\d{4}-\d{2}-\d{2}[,;]", text)
    prev, warning = read_previous(resaved, date(2026, 6, 30))
    original, _ = read_previous(first, date(2026, 6, 30))
    assert warning is None and prev is not None and original is not None
    assert prev.people.equals(original.people) and prev.people.height > 0
    again = tmp_path / "report"
    _run(str(LATER), "--out", str(again), "--as-of", AS_OF_LATER, "--plan", "2", "--previous", str(resaved), "-q")
    assert _csv(again / "changes.csv") == _csv(out / "changes.csv")


@pytest.mark.parametrize(("cells", "expected"), [
    (["2026-03-03", None, " "], [date(2026, 3, 3), None, None]),
    (["3/3/2026", "12/25/2025"], [date(2026, 3, 3), date(2025, 12, 25)]),  # month first: 25 is a day
    (["25/12/2025", "3/4/2026"], [date(2025, 12, 25), date(2026, 4, 3)]),  # day first: 25 is a day
    (["03.04.2026"], [date(2026, 4, 3)]),  # dots: day first
    (["3/3/26"], [date(2026, 3, 3)]),
    (["2026-03-03", "25.12.2025"], [date(2026, 3, 3), date(2025, 12, 25)]),
    (["3/4/2026"], ValueError),  # April 3 or March 4: not guessed
    (["13/14/2026"], ValueError),
    (["2026-02-30"], ValueError),
    (["next week"], ValueError),
], ids=["iso", "us", "uk", "german", "two_digit_year", "mixed", "ambiguous", "no_order", "no_such_day", "text"])
def test_dates_as_a_spreadsheet_wrote_them_back(cells: list[str | None], expected: object) -> None:
    series = pl.Series(cells, dtype=pl.String)
    if expected is ValueError:
        with pytest.raises(ValueError):
            written_dates(series)
    else:
        assert written_dates(series).to_list() == expected


def test_undecided_dates_take_the_order_the_report_shows() -> None:
    april_3 = pl.Series(["3/4/2026"], dtype=pl.String)
    assert written_dates(april_3, check=lambda d: d.to_list() == [date(2026, 4, 3)]).to_list() == [date(2026, 4, 3)]
    assert written_dates(april_3, day_first=False).to_list() == [date(2026, 3, 4)]
    assert written_dates(april_3, day_first=True).to_list() == [date(2026, 4, 3)]


def test_text_from_the_previous_report_is_not_trusted(loop: tuple[Path, Path, str], tmp_path: Path) -> None:
    first, _, _ = loop
    prev = tmp_path / "edited"
    shutil.copytree(first, prev)
    people = (prev / "people.csv").read_text(encoding="utf-8")
    hostile = '"=HYPERLINK(""http://x"")<script>alert(1)</script>"'
    (prev / "people.csv").write_text(people.replace(",Acme,", f",{hostile},"), encoding="utf-8")
    out = tmp_path / "report"
    _run(str(LATER), "--out", str(out), "--as-of", AS_OF_LATER, "--previous", str(prev), "-q")
    job = next(r for r in _csv(out / "changes.csv") if r["change"] == "job_change")
    assert job["before"].startswith("Data Engineer at =HYPERLINK")  # a cell that does not start with "="
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    ranked = {r["name"]: r for r in _csv(out / "reconnect.csv")}
    assert "(was Data Engineer at =HYPERLINK" in ranked["Alice Archer"]["reason"]


@pytest.mark.parametrize("day_first", [False, True])
def test_dates_read_as_parse_date_reads_each_cell(day_first: bool) -> None:
    # the ISO cells take polars' path, the others parse_date's: the same date for every cell, the same refusals
    from analyzer.followup.previous import _read_dates
    from analyzer.ingest.dates import parse_date

    readable = ["2026-03-03", "1970-01-01", "2100-12-31", "2024-02-29", " 2026-03-03", "2026-03-03 ", "3/4/2026",
                "03.04.2026", "2026-03-03T10:00:00", "2026/03/03", "Mar 3, 2026", "", "  ", None, "2026-03-03",
                "٢٠٢٦-٠٣-٠٤"]  # (other scripts' digits: parse_date's \d reads them)
    series = pl.Series("d", readable, dtype=pl.String)
    expected = [parse_date(c, day_first) if c and c.strip() else None for c in readable]
    got = _read_dates(series, day_first)
    assert got.name == "d" and got.dtype == pl.Date
    assert got.to_list() == expected
    for bad in ("2026-02-30", "1969-12-31", "2101-01-01", "0000-01-01", "2026-13-01", "2026-3-3x"):
        with pytest.raises(ValueError, match="not a date"):
            _read_dates(pl.Series("d", ["2026-03-03", bad], dtype=pl.String), day_first)


def test_the_same_export_twice_changes_no_job(tmp_path: Path) -> None:
    """Values that the report's CSV round trip changes are no job change on the next run: a company written
    with a leading ``'=`` (the reader took the ``'`` off), one with a bidi mark, a position longer than what is
    read back. Each was listed as "changed jobs" between two runs of the same export."""
    conn = tmp_path / "Connections.csv"
    rows = [("Ada", "'=1+1", "Programmer"), ("Bea", "Evil\u202eCorp", "Analyst"), ("Cy", "Acme", "Head " * 80)]
    conn.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + "".join(
        f'{f},Lee,https://www.linkedin.com/in/{f.lower()}-lee,,"{c}","{p.strip()}",15 Jan 2024\n' for f, c, p in rows),
        encoding="utf-8")
    out = tmp_path / "r"
    for as_of in ("2025-06-01", "2026-06-01"):
        res = CliRunner().invoke(main, ["analyze", str(conn), "--out", str(out), "-q", "--as-of", as_of])
        assert res.exit_code == 0, res.output
    with open(out / "changes.csv", encoding="utf-8") as fh:
        assert [r["change"] for r in csv.DictReader(fh)] == []


def _quote_every_cell(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("edit", [
    _quote_every_cell,  # pandas' to_csv(quoting=QUOTE_ALL): an empty day count "" was "not in the form reconnect writes"
    lambda text: text.replace("\n", "\n,,,,,,\n", 2) + ",,,,,,,,\n\n",  # rows cleared, not deleted: "repeats a person_id"
], ids=["every_cell_quoted", "rows_cleared_in_a_spreadsheet"])
def test_a_previous_report_with_empty_cells_written_otherwise_is_compared(
        loop: tuple[Path, Path, str], tmp_path: Path, edit: object) -> None:
    first, _, _ = loop
    plain, edited = tmp_path / "plain", tmp_path / "edited"
    shutil.copytree(first, plain)
    rows = _csv(plain / "reconnect.csv")  # (someone never in touch: no last contact, no day count, as written)
    rows[-1].update(last_contact="", days_since_contact="")
    with open(plain / "reconnect.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    shutil.copytree(plain, edited)
    for name in ("people.csv", "reconnect.csv"):
        text = (plain / name).read_text(encoding="utf-8")
        (edited / name).write_text(edit(text), encoding="utf-8", newline="")  # type: ignore[operator]
    prev, warning = read_previous(edited, date(2026, 6, 30))
    original, _ = read_previous(plain, date(2026, 6, 30))
    assert warning is None and prev is not None and original is not None
    assert prev.people.equals(original.people)
    assert prev.people.filter(pl.col("days_since_contact").is_null()).height == 1


# ---- consecutive runs, as a user makes them over weeks -------------------------------------------------

def _mbox(path: Path, messages: list[tuple[str, str, str]]) -> Path:
    """An mbox of (ISO time, from, to) messages; the owner is owner@example.org."""
    out = []
    for i, (when, frm, to) in enumerate(messages):
        t = datetime.fromisoformat(when)
        label = "Sent" if "owner@example.org" in frm else "Inbox"
        out.append(f"From x {t:%a %b %d %H:%M:%S %Y}\nFrom: {frm}\nTo: {to}\nSubject: s{i}\n"
                   f"Date: {format_datetime(t)}\nMessage-ID: <m{i}@example.org>\nX-Gmail-Labels: {label}\n\nhi\n\n")
    path.write_text("".join(out), encoding="utf-8")
    return path


OWNER = "Owner Person <owner@example.org>"


def _analyze_runs(tmp_path: Path, inputs: list[Path], dates: list[str], *args: str) -> list[list[dict[str, str]]]:
    """Run each input at its date into one --out (each run compared with the one before); changes.csv of each."""
    out, seen = tmp_path / "report", []
    for given, as_of in zip(inputs, dates, strict=True):
        _run(str(given), "--out", str(out), "--as-of", as_of, "--me", "owner@example.org", "-q", *args)
        seen.append(_csv(out / "changes.csv"))
    return seen


def test_a_tie_that_went_quiet_is_said_once(tmp_path: Path) -> None:
    """Mia, in touch every month until 2026-05-28, crossed twice her rhythm on 2026-07-28: the run of 08-03 says
    she went quiet; the run of 09-02 said it again (dated 07-28, before the previous report), as did each later
    run while her last message was within 90 days of the previous one."""
    msgs = []
    for month in range(1, 13):
        day = f"2025-{month:02d}-28T10:00:00+00:00" if month > 5 else f"2026-{month:02d}-28T10:00:00+00:00"
        msgs += [(day, "Mia Monthly <mia@acme.example>", OWNER),
                 (day.replace("T10", "T12"), OWNER, "Mia Monthly <mia@acme.example>")]
    mbox = _mbox(tmp_path / "mail.mbox", msgs)
    runs = _analyze_runs(tmp_path, [mbox] * 3, ["2026-07-04", "2026-08-03", "2026-09-02"])
    assert [[(r["name"], r["change"], r["date"]) for r in changes] for changes in runs] == [
        [], [("Mia Monthly", "went_quiet", "2026-07-28")], []]
    # a first run (08-03) tells no change: the next one says she went quiet, though she crossed before 08-03
    (tmp_path / "first").mkdir()
    runs = _analyze_runs(tmp_path / "first", [mbox] * 2, ["2026-08-03", "2026-09-02"])
    assert [[(r["name"], r["change"], r["date"]) for r in changes] for changes in runs] == [
        [], [("Mia Monthly", "went_quiet", "2026-07-28")]]


def test_a_connection_made_after_the_previous_export_was_downloaded_is_new(tmp_path: Path) -> None:
    """The previous run (as of 2026-07-04) read an export downloaded on 2026-06-30 (its latest connection); Cy
    connected on 07-02, in neither that export nor after the run's date: he was no new connection anywhere.
    Ed, connected in 2025 and in neither export's "before" window, is not new (the previous export lacked him
    for another reason); Bo, in the previous export, is not new either."""
    head = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"

    def row(first: str, on: str) -> str:
        return f"{first},Lee,https://www.linkedin.com/in/{first.lower()}-lee,,Acme,Engineer,{on}\n"

    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    (before / "Connections.csv").write_text(head + row("Bo", "30 Jun 2026") + row("Al", "15 Jan 2024"),
                                            encoding="utf-8")
    (after / "Connections.csv").write_text(head + row("Bo", "30 Jun 2026") + row("Al", "15 Jan 2024")
                                           + row("Cy", "02 Jul 2026") + row("Di", "20 Jul 2026")
                                           + row("Ed", "15 Mar 2025"), encoding="utf-8")
    runs = _analyze_runs(tmp_path, [before, after], ["2026-07-04", "2026-08-03"])
    assert [(r["name"], r["date"]) for r in runs[1] if r["change"] == "new_connection"] == [
        ("Cy Lee", "2026-07-02"), ("Di Lee", "2026-07-20")]


def test_the_plan_reaches_people_at_the_address_they_last_wrote_from(tmp_path: Path) -> None:
    """Pat wrote from pat.quill@personal.example for two years; in 2026 you wrote once to the old work address on
    her card and got no answer. plan.csv said to reach her at that work address, the one you last wrote to."""
    msgs = []
    for k in range(20):
        day = date(2021, 1, 5).toordinal() + 14 * k
        when = date.fromordinal(day).isoformat()
        msgs += [(f"{when}T10:00:00+00:00", "Pat Quill <pat.quill@personal.example>", OWNER),
                 (f"{when}T12:00:00+00:00", OWNER, "Pat Quill <pat.quill@personal.example>")]
    msgs.append(("2026-03-01T10:00:00+00:00", OWNER, "Pat Quill <pat.quill@oldcorp.example>"))
    _mbox(tmp_path / "mail.mbox", msgs)
    (tmp_path / "c.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Pat Quill\r\nN:Quill;Pat;;;\r\n"
                                    "EMAIL:pat.quill@personal.example\r\nEMAIL:pat.quill@oldcorp.example\r\n"
                                    "END:VCARD\r\n", encoding="utf-8")
    res = analyzer.analyze(tmp_path, as_of="2026-07-04", me="owner@example.org", plan=1)
    assert res.plan.select("name", "reach").rows() == [("Pat Quill", "pat.quill@personal.example")]


def test_plan_identities_are_read_as_identity_corrections_are(tmp_path: Path) -> None:
    """[plan] done = ["bobsmith@gmail.com"] for Bob, who writes from bob.smith@gmail.com (the same Gmail address,
    as [identity] reads it), and the address of a newsletter, were refused: "names identities no one in the inputs
    has". Bob is done; the newsletter, never suggested anyway, is no error."""
    msgs = []
    for k in range(10):
        when = date.fromordinal(date(2022, 1, 5).toordinal() + 14 * k).isoformat()
        msgs += [(f"{when}T10:00:00+00:00", "Bob Smith <bob.smith@gmail.com>", OWNER),
                 (f"{when}T12:00:00+00:00", OWNER, "Bob Smith <bob.smith@gmail.com>"),
                 (f"{when}T11:00:00+00:00", "Ann Wu <ann.wu@acme.example>", OWNER),
                 (f"{when}T13:00:00+00:00", OWNER, "Ann Wu <ann.wu@acme.example>"),
                 (f"{when}T08:00:00+00:00", "Ops Weekly <newsletter@opsweekly.example>", OWNER)]
    _mbox(tmp_path / "mail.mbox", msgs)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[plan]\ndone = ["BobSmith+jobs@googlemail.com", "newsletter@opsweekly.example"]\n',
                   encoding="utf-8")
    res = analyzer.analyze(tmp_path / "mail.mbox", as_of="2026-07-04", me="owner@example.org", config=cfg, plan=2)
    assert dict(res.ranked.select("name", "follow_up").iter_rows()) == {"Bob Smith": "done", "Ann Wu": None}
    assert res.plan["name"].to_list() == ["Ann Wu"]
    kinds = dict(res.people.select("name", "kind").iter_rows())
    assert kinds["Ops Weekly"] == "automated"


def test_a_run_back_in_time_still_says_it_planned(loop: tuple[Path, Path, str], tmp_path: Path) -> None:
    """A run dated before the report in --out warns that it is not compared; the terminal then said nothing of
    the plan it wrote (the "Planned N people" line rode on the "Since last time" line the warning replaced)."""
    _, out, _ = loop
    again = tmp_path / "report"
    shutil.copytree(out, again)
    res = CliRunner().invoke(main, ["analyze", str(EARLIER), "--out", str(again), "--as-of", AS_OF_EARLIER,
                                    "--plan", "2"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert f"previous report is as of {AS_OF_LATER}, after this run's {AS_OF_EARLIER}" in said
    planned = len(_csv(again / "plan.csv"))
    assert planned and f"Planned {planned} people (plan.csv, plan.ics)." in said


def test_a_company_written_without_its_accents_or_initials_dots_is_no_job_change(tmp_path: Path) -> None:
    """Between two exports Lu's company went from "Café Ltd" to "Cafe Ltd" and Mo's from "Nestlé S.A." to
    "Nestle SA": both were "changed jobs". Case and legal forms were already no change; Kim's move is one."""
    head = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    jobs = {"before": [("Lu", "Café Ltd"), ("Mo", "Nestlé S.A."), ("Ada", "Acme Inc."), ("Kim", "Acme")],
            "after": [("Lu", "Cafe Ltd"), ("Mo", "Nestle SA"), ("Ada", "ACME"), ("Kim", "Globex")]}
    for name, rows in jobs.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "Connections.csv").write_text(head + "".join(
            f'{f},Lee,https://www.linkedin.com/in/{f.lower()}-lee,,"{c}",Engineer,15 Jan 2024\n' for f, c in rows),
            encoding="utf-8")
    runs = _analyze_runs(tmp_path, [tmp_path / "before", tmp_path / "after"], ["2025-06-01", "2026-06-01"])
    assert [(r["name"], r["change"], r["before"], r["after"]) for r in runs[1]] == [
        ("Kim Lee", "job_change", "Engineer at Acme", "Engineer at Globex")]


def test_a_reminder_for_someone_without_a_name_names_their_address() -> None:
    """People known only by an address have no name (people.csv: rayl3164@163.com); their reminder read
    "Reconnect with " and nothing else."""
    from analyzer.followup.ics import plan_calendar

    plan = pl.DataFrame({"uid": ["u1@reconnect.local"], "date": [date(2026, 7, 6)], "name": [None],
                         "reach": ["rayl3164@163.com"], "reason": ["54 messages both ways."]},
                        schema_overrides={"name": pl.String})
    cal = Calendar.from_ical(plan_calendar(plan, date(2026, 7, 4)))
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Reconnect with rayl3164@163.com"
    assert str(next(iter(event.walk("VALARM")))["DESCRIPTION"]) == "Reconnect with rayl3164@163.com"
