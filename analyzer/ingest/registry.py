"""The registry of parsers: each knows how to recognise its file (by name and by content) and how to read it.

Parsers register themselves at import time with :func:`register`; :func:`detect` picks the parser for a file.
Detection looks at the content first (CSV header columns, mbox separators, vCard markers) and uses the file
name only to tell apart files whose content is the same (LinkedIn's Recommendations Received/Given).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analyzer.errors import InputError
from analyzer.ingest.collect import FileCollector
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.text import normalise_header, sniff_delimiter

#: Physical lines of a file's head whose cells detection may look at.
HEAD_LINES = 12


@dataclass(frozen=True)
class Sniff:
    """What detection gets to look at: the file and its first 64 KiB, plus the decoded first lines."""

    file: InputFile
    head: bytes
    text: str  # head decoded (best effort), BOM removed
    name: str  # lower-cased base name without extension, separators unified: "endorsement received info"

    @functools.cached_property
    def line_cells(self) -> tuple[list[str] | None, ...]:
        """The normalised cells (:func:`normalise_header`) of each of the first :data:`HEAD_LINES` physical lines
        of ``text`` as a CSV line in its own delimiter: None for a blank line, ``[]`` for one the csv module
        cannot split. Computed once: every parser's matcher reads them (a file with a long first line cost
        about 4 ms per file when each matcher split it again: 13 s for a Takeout archive of 3,000 JSON files)."""
        out: list[list[str] | None] = []
        for raw in self.text.split("\n", HEAD_LINES)[:HEAD_LINES]:
            line = raw.rstrip("\r")
            if not line.strip():
                out.append(None)
                continue
            try:
                cells = next(csv.reader([line], delimiter=sniff_delimiter(line)))
            except (csv.Error, StopIteration):
                out.append([])
                continue
            out.append([normalise_header(c) for c in cells])
        return tuple(out)


@dataclass(frozen=True)
class Parser:
    """One input format."""

    kind: str  # e.g. "linkedin.messages"
    label: str  # shown by `reconnect formats`, e.g. "LinkedIn messages.csv (2018-2026 layouts)"
    export_help: str  # how to get this file
    matches: Callable[[Sniff], bool]
    parse: Callable[[InputFile, FileCollector], None]
    priority: int = 0  # higher is tried first
    used: bool = True  # False: recognised but deliberately not read (rows counted as ignored)
    #: Reads several files at once, each into its own collector, as ``parse`` reads each, and returns each
    #: file's error (None when read): for a format whose per-file cost does not depend on the file's size.
    parse_many: Callable[[Sequence[tuple[InputFile, FileCollector]]], list[InputError | None]] | None = None
    #: For a file that no parser reads: why it is not this format although it nearly is (a [generic_mail_csv]
    #: file missing a mapped column: "has no column 'Copy' (cc)"), else None.
    near_miss: Callable[[Sniff], str | None] | None = None


def near_miss(sniff: Sniff, parsers: Sequence[Parser]) -> str | None:
    """The first of ``parsers``' :attr:`Parser.near_miss` explanations for a file that none of them reads."""
    for p in parsers:
        if p.near_miss is not None:
            try:
                if why := p.near_miss(sniff):
                    return why
            except Exception:  # an explanation must never break discovery
                continue
    return None


REGISTRY: list[Parser] = []


def register(parser: Parser) -> Parser:
    """Add ``parser`` to the registry (replacing one of the same kind)."""
    REGISTRY[:] = [p for p in REGISTRY if p.kind != parser.kind]
    REGISTRY.append(parser)
    REGISTRY.sort(key=lambda p: (-p.priority, p.kind))
    return parser


def detect(sniff: Sniff, extra: Sequence[Parser] = ()) -> Parser | None:
    """The first parser (registered, plus ``extra`` ones for this run) that recognises the file, or None."""
    parsers = sorted([*extra, *REGISTRY], key=lambda p: -p.priority) if extra else REGISTRY
    for p in parsers:
        try:
            if p.matches(sniff):
                return p
        except Exception:  # a detector must never break discovery
            continue
    return None
