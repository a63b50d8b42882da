"""Arguments from the command line and the Python API that a careful user may get wrong (a hostile-input
helper's findings): each is refused in one line naming it, or read as the user meant."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import analyzer
from analyzer.cli import main
from analyzer.errors import InputError, UsageError

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
AS_OF = "2026-11-01"


@pytest.fixture(scope="module")
def result() -> analyzer.Result:
    return analyzer.analyze(SAMPLE, as_of=AS_OF)


def test_company_out_never_overwrites_an_input_or_a_file_of_the_user(tmp_path: Path) -> None:
    # `company X sd --out sd/contacts/contacts.csv` replaced the address book being read with the list
    sd = tmp_path / "sd"
    shutil.copytree(SAMPLE, sd)
    book = sd / "contacts" / "contacts.csv"
    before = book.read_bytes()
    notes = tmp_path / "notes.csv"
    notes.write_text("my own notes\n", encoding="utf-8")
    for target, message in ((book, "inside one"), (notes, "not a list written by reconnect"),
                            (tmp_path, "is a folder")):
        res = CliRunner().invoke(main, ["company", "Castellan", str(sd), "--out", str(target), "-q", "--as-of", AS_OF])
        assert res.exit_code == 1 and message in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert book.read_bytes() == before and notes.read_text(encoding="utf-8") == "my own notes\n"
    listed = tmp_path / "castellan.csv"
    for _ in range(2):  # a list written before is replaced
        res = CliRunner().invoke(main, ["company", "Castellan", str(sd), "--out", str(listed), "-q", "--as-of", AS_OF])
        assert res.exit_code == 0, res.output
    assert listed.read_text(encoding="utf-8").startswith("person_id,name,company,")


@pytest.mark.parametrize("value", ["not-an-address", "", "@", "a b@c.com", "https://www.linkedin.com/company/acme"])
def test_me_that_is_neither_an_address_nor_a_profile_is_refused(value: str) -> None:
    # it was dropped without a word: the run went on as if --me had not been given
    res = CliRunner().invoke(main, ["analyze", str(SAMPLE), "--me", value, "--out", "/nonexistent/r"])
    assert res.exit_code == 2 and "--me" in res.output and "not an email address or a LinkedIn profile URL" in res.output
    with pytest.raises(UsageError, match="not an email address"):
        analyzer.analyze(SAMPLE, me=value, as_of=AS_OF)


def test_me_as_a_mail_program_copies_it() -> None:
    from analyzer.normalize import owner_identity

    assert owner_identity("Morgan Reyes <Morgan.Reyes.Ops@gmail.com>") == "morgan.reyes.ops@gmail.com"
    assert owner_identity("linkedin.com/in/Morgan-Reyes-Ops/") == "https://www.linkedin.com/in/morgan-reyes-ops"


@pytest.mark.parametrize(("kwargs", "error", "names"), [
    ({"paths": None}, TypeError, "paths"),
    ({"paths": 5}, TypeError, "paths"),
    ({"paths": b"sample_data"}, TypeError, "paths"),
    ({"paths": [str(SAMPLE), None]}, TypeError, "paths"),
    ({"me": 5}, TypeError, "me"),
    ({"me": [5]}, TypeError, "me"),
    ({"as_of": "2026/11/01"}, ValueError, "as_of"),
    ({"as_of": "2025-02-29"}, ValueError, "as_of"),
    ({"as_of": 20261101}, TypeError, "as_of"),
    ({"config": {}}, TypeError, "config"),
    ({"plan": "3"}, TypeError, "plan"),
    ({"plan": -1}, ValueError, "plan"),
    ({"plan": 101}, ValueError, "plan"),
    ({"previous": 5}, TypeError, "previous"),
    ({"paths": ""}, ValueError, "paths"),  # (Path("") is the current folder: it was read whole)
    ({"paths": [str(SAMPLE), ""]}, ValueError, "paths"),
    ({"previous": [str(SAMPLE), "old-report"]}, TypeError, "previous"),  # (the first was taken, the rest dropped)
])
def test_api_arguments_of_the_wrong_kind_are_named(kwargs: dict[str, Any], error: type[Exception], names: str) -> None:
    # they failed deep inside: "'NoneType' object is not iterable", "can't compare datetime.datetime to
    # datetime.date" (after reading everything), a plan of weeks -139 to 1 ...
    args = {"paths": SAMPLE, "as_of": AS_OF, **kwargs}
    with pytest.raises(error, match=names):
        analyzer.analyze(args.pop("paths"), **args)


def test_an_empty_input_path_is_refused_not_read_as_the_current_folder(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    # `reconnect analyze "$EXPORT"` with the variable unset analysed the folder it was started in, exit 0
    monkeypatch.chdir(SAMPLE)
    for command in (["analyze", "", "--out", str(tmp_path / "r")], ["person", "Zoe", ""], ["company", "Acme", ""]):
        res = CliRunner().invoke(main, [*command, "--as-of", AS_OF, "-q"])
        assert res.exit_code == 1, (command, res.output)
        assert res.output.strip() == "Error: '': an empty path is no file or folder. Check the path"


def test_api_views_check_their_arguments(result: analyzer.Result, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="query"):
        result.person(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name"):
        result.company(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="top"):
        result.write(tmp_path / "r", top=0)
    with pytest.raises(TypeError, match="top"):
        result.charts(top="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Analysis"):
        analyzer.Result(None)  # type: ignore[arg-type]


def test_a_datetime_as_of_is_its_day() -> None:
    res = analyzer.analyze(SAMPLE / "contacts", as_of=datetime(2026, 11, 1, 23, 59))
    assert res.as_of == date(2026, 11, 1)


def test_the_order_of_the_inputs_does_not_change_the_report(tmp_path: Path) -> None:
    # an automated sender's id and a tie between two written forms of a name followed the argument order
    one = analyzer.analyze(SAMPLE, as_of=AS_OF)
    parts = analyzer.analyze([SAMPLE / "mail", SAMPLE / "contacts", SAMPLE / "linkedin"], as_of=AS_OF)
    assert parts.people.equals(one.people)
    assert parts.ranked.equals(one.ranked)


@pytest.mark.parametrize(("query", "name"), [
    ("Bob Smith", "Robert Smith"),  # a name his own records carry
    ("Smith, Robert", "Robert Smith"),
    ("Patricia Kirby <patricia.kirby83@gmail.com>", "Patricia Kirby"),  # as a mail program copies it
    ("https://www.linkedin.com/in/zoe%CC%88-mu%CC%88ller", "Zoë Müller"),  # a decomposed ë and ü
    ("zoe muller", "Zoë Müller"),
])
def test_person_finds_what_a_user_types(result: analyzer.Result, query: str, name: str) -> None:
    assert result.person(query)["person"]["name"] == name


def test_person_reads_german_spellings() -> None:
    from analyzer.report.lookup import _name_matches

    assert _name_matches(["joerg", "weiss"], ["Jörg Weiß"]) and _name_matches(["jorg"], ["Jörg Weiß"])
    assert not _name_matches(["jorge"], ["Jörg Weiß"])


def _anne_roy(tmp_path: Path, org: str, email: str) -> analyzer.Result:
    """The analysis of one card: Anne Roy at ``org``, writing from ``email``."""
    card = tmp_path / "c.vcf"
    card.write_text(f"BEGIN:VCARD\nVERSION:3.0\nFN:Anne Roy\nORG:{org}\nEMAIL:{email}\nEND:VCARD\n", encoding="utf-8")
    return analyzer.analyze(card, as_of=AS_OF)


@pytest.mark.parametrize("query", ["societe generale", "Societe Generale SA", "SOCIÉTÉ GÉNÉRALE S.A."])
def test_company_ignores_accents_and_initials(query: str, tmp_path: Path) -> None:
    res = _anne_roy(tmp_path, "Société Générale S.A.", "anne@roy.example")
    assert res.company(query).get_column("name").to_list() == ["Anne Roy"]


@pytest.mark.parametrize("query", ["https://www.roy.example/about", "www.roy.example", "http://roy.example/"])
def test_company_by_its_web_address_is_its_domain(query: str, tmp_path: Path) -> None:
    # a company's website pasted as the query found no one ("No one found at www.roy.example")
    found = _anne_roy(tmp_path, "Wholly Other Ltd", "anne@mail.roy.example").company(query)
    assert found.get_column("name").to_list() == ["Anne Roy"]
    assert found.get_column("match").to_list() == ["email domain @mail.roy.example"]


def test_strength_weights_of_nearly_nothing_are_refused(tmp_path: Path) -> None:
    # 1e-320 and five zeros made every score NaN
    cfg = tmp_path / "c.toml"
    cfg.write_text("[scoring]\nweight_volume = 1e-320\nweight_duration = 0\nweight_active_months = 0\n"
                   "weight_one_to_one = 0\nweight_services = 0\nweight_employer = 0\n", encoding="utf-8")
    with pytest.raises(InputError, match="must not all be 0"):
        analyzer.analyze(SAMPLE / "contacts", as_of=AS_OF, config=cfg)


def test_sample_data_refuses_an_earlier_export_before_1980(tmp_path: Path) -> None:
    # "internal error (ValueError: ZIP does not support timestamps before 1980)"
    res = CliRunner().invoke(main, ["sample-data", str(tmp_path / "s"), "--as-of-earlier", "100000"])
    assert res.exit_code == 2 and "100000" in res.output
