"""Errors the user can fix. The CLI turns them into one-line messages and exit code 1."""

from __future__ import annotations


class InputError(Exception):
    """A file (and optionally a row) that cannot be used, with what to do about it.

    ``str(err)`` is the one-line message shown to the user: ``FILE[:LINE]: PROBLEM. HINT``.
    """

    def __init__(self, source: str, problem: str, *, line: int | None = None, hint: str = "") -> None:
        self.source = source
        self.problem = problem
        self.line = line
        self.hint = hint
        where = f"{source}:{line}" if line is not None else source
        text = f"{where}: {problem}"
        if hint:
            text += f". {hint}"
        super().__init__(text.replace("\n", " ").replace("\r", " "))


class UsageError(Exception):
    """A problem with the command line or configuration (not tied to one input file)."""
