"""The README stays true: its commands match .ci/run and --help, and every option of every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = next(line for line in README.splitlines() if "python -m pytest" in line and "pip install" in line)
    assert test_cmd.strip() in ci


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_option_is_in_the_readme(command: str) -> None:
    cmd = main.commands[command]
    assert f"reconnect {command}" in README
    for param in cmd.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            assert any(opt in README for opt in param.opts), f"{command} {param.opts} not in README"
    helptext = CliRunner().invoke(main, [command, "--help"]).output
    for opt in set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", helptext, flags=re.M)) - {"--help"}:
        assert opt in README, f"{command}: {opt} from --help is not in the README"


def test_the_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    """The TOML block of "Configuration file" loads, and each stage accepts its section."""
    from analyzer.config import load_config
    from analyzer.identity import Corrections
    from analyzer.ingest.mail import generic_mail_csv_parser
    from analyzer.score import ScoringConfig

    block = re.search(r"## Configuration file\s+```toml\n(.*?)```", README, flags=re.S)
    assert block is not None
    path = tmp_path / "reconnect.toml"
    path.write_text(block.group(1), encoding="utf-8")
    cfg = load_config(path)
    corr = Corrections.from_config(cfg.identity)
    assert corr.same and corr.different and corr.ignore and corr.merge_unique_names is None
    assert ScoringConfig.from_mapping(cfg.scoring).dormant_after_days == 180
    generic_mail_csv_parser(cfg.generic_mail_csv)
    from analyzer.followup import PlanSettings

    plan = PlanSettings.from_config(cfg.plan)
    assert plan.done == ("jane.roe@example.com",) and plan.awaiting_reply_days == 28 and plan.weeks == 4
    assert [d.isoformat() for d in plan.snooze.values()] == ["2027-01-15"]
