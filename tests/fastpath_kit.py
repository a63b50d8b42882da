"""What the fast-path tests of the mail CSV readers share: a reader's outcome on a file with its polars fast path
tried (whatever the file's size) or not, whether the fast path gave it, the comparison of the two, and the
fixtures the registry reads as one kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from analyzer.errors import InputError
from analyzer.ingest import make_sniff
from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.registry import detect
from tests.conftest import FIXTURES

Outcome = tuple[Any, bool]


def input_file(path: Path) -> InputFile:
    return InputFile(display=str(path), name=path.name, size=path.stat().st_size, path=path)


def read_outcome(module: ModuleType, fast_function: str, parse: Callable[[InputFile, FileCollector], None],
                 path: Path, kind: str, *, fast: bool, monkeypatch: pytest.MonkeyPatch, offset: int = 0) -> Outcome:
    """(what ``parse`` made of ``path``: frames, report, owner hints; or the InputError's text), and whether
    ``module``'s fast path (its function ``fast_function``, which says whether it read the file) gave it.
    ``fast`` tries the fast path whatever the file's size (``FAST_PATH_MIN_BYTES`` 0); else the rows only
    (``FAST_ENABLED`` False). ``offset``: the first record id (ids shifted alike in both)."""
    taken: list[bool] = []
    real = getattr(module, fast_function)

    def spy(*args: Any) -> bool:
        taken.append(real(*args))
        return taken[-1]

    out = FileCollector(str(path), kind)
    with monkeypatch.context() as m:
        m.setattr(module, "FAST_ENABLED", fast)
        m.setattr(module, "FAST_PATH_MIN_BYTES", 0)
        m.setattr(module, fast_function, spy)
        try:
            parse(input_file(path), out)
        except InputError as exc:
            return f"InputError: {exc}", any(taken)
    frames = out.frames(offset)
    owner = (out.owner_emails, out.owner_urls, out.owner_names, out.owner_positions)
    return (frames, out.report.as_dict(), owner), any(taken)


def same_both_ways(read: Callable[[bool], Outcome]) -> bool:
    """Assert that the rows and the fast path (``read(False)``, ``read(True)``) give the same; return whether
    the fast path was taken."""
    slow, slow_taken = read(False)
    fast, taken = read(True)
    assert not slow_taken
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return taken
    (s_frames, s_report, s_owner), (f_frames, f_report, f_owner) = slow, fast
    for name, a, b in zip(("records", "messages", "rejects"), s_frames, f_frames, strict=True):
        assert a.schema == b.schema, name
        assert a.height == b.height, name
        assert a.equals(b), f"{name} differ:\n{a}\n{b}"
    assert f_report == s_report
    assert f_owner == s_owner
    return taken


def fixtures_of_kind(kind: str, name_part: str) -> list[Path]:
    """Every fixture the registry reads as ``kind`` (and those whose name holds ``name_part``)."""
    found = set()
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in (".csv", ".txt"):
            continue
        if name_part in path.name.lower():
            found.add(path)
            continue
        try:
            parser = detect(make_sniff(input_file(path)))
        except Exception:  # (a fixture that is not readable at all)
            continue
        if parser is not None and parser.kind == kind:
            found.add(path)
    return sorted(found)
