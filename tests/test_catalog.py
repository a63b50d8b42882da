"""`reconnect formats` prints a static catalogue (fast start-up): it must list exactly what the registry reads."""

from __future__ import annotations

import subprocess
import sys

from analyzer.catalog import FORMAT_GROUPS, groups_of
from analyzer.ingest.registry import REGISTRY


def test_catalogue_equals_the_registry() -> None:
    assert groups_of(REGISTRY) == FORMAT_GROUPS


def test_formats_command_does_not_import_the_parsers() -> None:
    code = ("import sys; from click.testing import CliRunner; from analyzer.cli import main; "
            "r = CliRunner().invoke(main, ['formats']); assert r.exit_code == 0, r.output; "
            "print('- LinkedIn messages.csv' in r.output, 'polars' in sys.modules, 'analyzer.ingest' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "False"]
