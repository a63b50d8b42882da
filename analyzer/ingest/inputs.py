"""Find the files behind the INPUT arguments: plain files, folders (searched recursively) and zip archives.

Zip members are streamed from the archive, never extracted to disk by their stored names. An archive whose
declared or actual uncompressed size, or compression ratio, is absurd is refused before it is read.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from analyzer.errors import InputError

#: Largest uncompressed size accepted for one zip member, and for a whole archive.
MAX_MEMBER_BYTES = 4 * 1024**3
MAX_ARCHIVE_BYTES = 16 * 1024**3
#: Largest compression ratio accepted for a member larger than 1 MiB (text compresses ~10-20x).
MAX_RATIO = 200
#: Names never worth reading (OS and tool clutter).
SKIP_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "table_of_contents", ".gitkeep"}


class _CappedReader(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes came out (the actual size check)."""

    def __init__(self, raw: IO[bytes], limit: int, display: str) -> None:
        self._raw = raw
        self._left = limit
        self._display = display

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise InputError(
                self._display,
                "archive member expands to more than its declared size (a zip bomb?)",
                hint="Re-download the export from its source",
            )
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True)
class InputFile:
    """One readable file: a plain file on disk or a member of a zip archive."""

    display: str  # how the file is named to the user and in outputs (path, or archive/member)
    name: str  # base name, e.g. "messages.csv"
    size: int  # uncompressed size in bytes
    path: Path  # the file on disk (the archive itself for a member)
    member: str | None = None  # member name inside the archive
    explicit: bool = False  # named directly on the command line (unrecognised -> error, not skip)

    def open(self) -> IO[bytes]:
        """Open for binary reading (a buffered stream; zip members are decompressed on the fly)."""
        if self.member is None:
            return open(self.path, "rb")
        zf = zipfile.ZipFile(self.path)
        raw = zf.open(self.member)
        return io.BufferedReader(_CappedReader(raw, self.size + 1024, self.display), buffer_size=1 << 20)

    def read_bytes(self) -> bytes:
        """The whole content (only for files that are small enough to hold in memory)."""
        with self.open() as fh:
            return fh.read()

    def head(self, n: int = 65536) -> bytes:
        """The first ``n`` bytes, for content detection."""
        with self.open() as fh:
            return fh.read(n)


@dataclass
class Discovery:
    """What the inputs expanded to."""

    files: list[InputFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (display, reason)


def _is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _zip_members(path: Path, display: str, explicit: bool) -> Iterator[InputFile]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(display, f"not a readable zip archive ({exc})",
                         hint="The download may be incomplete: download the archive again") from None
    except OSError as exc:
        raise InputError(display, f"cannot be read ({exc.strerror or exc})") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in infos)
        if total > MAX_ARCHIVE_BYTES:
            raise InputError(display, f"archive declares {total / 1024**3:.1f} GiB uncompressed, more than accepted",
                             hint="This does not look like a data export")
        for info in sorted(infos, key=lambda i: i.filename):
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            member_display = f"{display}!{info.filename}"
            if not base or base.lower() in SKIP_NAMES or base.startswith(("._", ".")) or "__MACOSX/" in info.filename:
                continue
            if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            ):
                raise InputError(member_display, "archive member has an absurd uncompressed size or compression ratio "
                                 "(a zip bomb?)", hint="Re-download the export from its source")
            if info.flag_bits & 0x1:
                raise InputError(member_display, "archive member is encrypted", hint="Extract it yourself and pass the folder")
            yield InputFile(display=member_display, name=base, size=info.file_size, path=path,
                            member=info.filename, explicit=explicit)


def discover(inputs: list[Path] | list[str]) -> Discovery:
    """Expand the INPUT arguments into the files to read, in a deterministic order.

    Raises :class:`InputError` for an input that does not exist, an unreadable or unsafe archive, and for
    inputs that contain no file at all.
    """
    found = Discovery()
    seen: set[tuple[str, str | None]] = set()

    def add(f: InputFile) -> None:
        key = (str(f.path.resolve()), f.member)
        if key not in seen:
            seen.add(key)
            found.files.append(f)

    for raw in inputs:
        p = Path(raw)
        display = str(raw)
        if not p.exists():
            raise InputError(display, "no such file or folder", hint="Check the path")
        if p.is_dir():
            n_before = len(found.files)
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
                for n in sorted(names):
                    fp = Path(root) / n
                    if n.lower() in SKIP_NAMES or n.startswith("."):
                        continue
                    if not fp.is_file():
                        continue
                    if _is_zip(fp):
                        for m in _zip_members(fp, str(fp), explicit=False):
                            add(m)
                    else:
                        add(InputFile(display=str(fp), name=n, size=fp.stat().st_size, path=fp))
            if len(found.files) == n_before:
                raise InputError(display, "folder contains no files", hint="Point at the folder your export was extracted to")
        elif _is_zip(p):
            n_before = len(found.files)
            for m in _zip_members(p, display, explicit=False):
                add(m)
            if len(found.files) == n_before:
                raise InputError(display, "archive contains no files", hint="Download the export again")
        else:
            if not os.access(p, os.R_OK):
                raise InputError(display, "cannot be read (permission denied)")
            add(InputFile(display=display, name=p.name, size=p.stat().st_size, path=p, explicit=True))
    return found
