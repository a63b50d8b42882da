"""Find the files behind the INPUT arguments: plain files, folders (searched recursively), zip archives and tar
archives (plain or compressed: Google Takeout's ``.tgz``).

Archive members are streamed from the archive, never extracted to disk by their stored names. An archive whose
declared or actual uncompressed size, or compression ratio, is absurd is refused before it is read.
"""

from __future__ import annotations

import codecs
import copy
import functools
import hashlib
import io
import lzma
import os
import re
import stat
import struct
import tarfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from analyzer.errors import InputError

#: Largest uncompressed size accepted for one archive member, and for a whole archive. A real mailbox is the
#: largest member: Gmail gives 15 GB free and up to terabytes paid, and Takeout writes archives of up to 50 GB
#: (a 6 GB mailbox in a Takeout zip was refused as a "bomb" at the former 4 GiB). Bombs are caught by the
#: compression ratio (below); these bounds only stop a header declaring sizes no export has.
MAX_MEMBER_BYTES = 64 * 1024**3
MAX_ARCHIVE_BYTES = 256 * 1024**3
#: Largest compression ratio accepted for a member larger than 1 MiB (text compresses ~10-20x).
MAX_RATIO = 200
#: An archive declaring more than this in total must not compress better than MAX_RATIO overall.
ARCHIVE_RATIO_FLOOR = 64 * 1024**2
#: Names never worth reading (OS and tool clutter).
SKIP_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "table_of_contents", ".gitkeep"}
#: Most files accepted in one archive: an export has tens (LinkedIn) to a few thousand (a Takeout of Drive and
#: Mail); a million empty members compress to a few MB and would each be listed, sniffed and reported.
MAX_MEMBERS = 100_000
#: Bytes of a file's start that detection reads (see :meth:`InputFile.head`).
SNIFF_BYTES = 65536
#: A folder holding this file is a report written by reconnect: never read as input.
REPORT_MARKER = ".reconnect-report"

T = TypeVar("T")

_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: What decompressing a damaged member can raise (zipfile, zlib, bz2 and lzma all differ; zipfile decodes a local
#: header's name as UTF-8 when its flag says so, whatever its bytes: UnicodeDecodeError).
_DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError, RuntimeError,
            UnicodeDecodeError)
#: ... and reading a tar archive (tarfile's own errors; bz2 raises OSError, a broken header ValueError).
_TAR_DAMAGED = (tarfile.TarError, *_DAMAGED, ValueError)
#: How a compressed file starts: gzip, bzip2, xz (what may hold a tar archive).
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


#: Bytes decompressed at a time when a whole zip member is read (see ``_CappedReader.readall``).
_READALL_PIECE = 16 << 20
#: The read size of ``io.RawIOBase.readall`` (what the pieces of ``_CappedReader.readall`` are multiples of).
_BLOCK = io.DEFAULT_BUFFER_SIZE


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c < 0x100:
        return f"\\x{c:02x}"
    if 0xDC80 <= c <= 0xDCFF:  # a byte of a file name that is not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{c - 0xDC00:02x}"
    return f"\\u{c:04x}"


def safe_display(name: str) -> str:
    """``name`` with control and bidi-override characters (and the undecodable bytes of a file name that is
    not UTF-8) escaped, so that a hostile file or member name cannot break the one-line messages, the
    terminal or the report: ``a\\nb`` is shown as ``a\\x0ab``."""
    return _UNSAFE_CHARS.sub(_escape, name)


def _damaged(display: str, exc: BaseException) -> InputError:
    detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return InputError(display, f"archive member is damaged or its header does not match its data ({detail})",
                      hint="The download may be incomplete: download the archive again")


class _CappedReader(io.RawIOBase):
    """A read-only stream over one zip member that never yields more than the member's declared size.

    zipfile itself stops at the declared size; this reader also turns every decompression failure into an
    :class:`InputError`, and at the end checks that the member's data really ended there (a header that
    declares less than the data holds is refused, rather than silently read in part).
    """

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str) -> None:
        self._zf = zf  # (shared: see :func:`shared_zip`; not closed here)
        self._info = info
        self._display = display
        self._left = info.file_size + 1024
        try:
            self._raw: IO[bytes] = zf.open(info)
        except _DAMAGED as exc:
            raise _damaged(display, exc) from None
        self._checked = False

    def readable(self) -> bool:
        return True

    def _read(self, size: int) -> bytes:
        """Up to ``size`` decompressed bytes (``b""`` at the end), with the checks of this reader."""
        try:
            data = self._raw.read(size)
        except _DAMAGED as exc:
            raise _damaged(self._display, exc) from None
        if not data and not self._checked:
            self._checked = True
            self._check_ended()
        self._left -= len(data)
        if self._left < 0:
            raise self._too_big()
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def readall(self) -> bytes:
        """The rest of the member in one piece (what ``read()`` of the buffered stream asks for): read in
        pieces of ``_READALL_PIECE`` bytes, not the 8 KiB of ``RawIOBase.readall``, whose per-call cost was
        most of the time of reading a 140 MB member.

        A piece never reaches further than the 8 KiB boundary after the declared size, as the 8 KiB reads did:
        the decompressor must not run past the declared end, or a header declaring less than the data holds
        would go unnoticed (``_check_ended`` looks at whether it stopped there)."""
        pieces: list[bytes] = []
        while True:
            left = self._left - 1024  # declared bytes not read yet
            size = min(_READALL_PIECE, max(_BLOCK, -(-left // _BLOCK) * _BLOCK))
            data = self._read(size)
            if not data:
                return b"".join(pieces)
            pieces.append(data)

    def _too_big(self) -> InputError:
        return InputError(self._display, "archive member expands to more than its declared size (a zip bomb?)",
                          hint="Re-download the export from its source")

    def _check_ended(self) -> None:
        """At the declared end: if compressed data is left over, read the member again past its declared
        size (bounded) to tell a lying header from a stream whose end marker was simply not consumed yet."""
        raw = self._raw
        dec = getattr(raw, "_decompressor", None)
        pending = getattr(raw, "_compress_left", 0) > 0 or (dec is not None and getattr(dec, "eof", True) is False)
        if not pending:
            return
        probe = copy.copy(self._info)
        probe.file_size = self._info.file_size + 1
        probe.CRC = None  # type: ignore[assignment]  # no CRC check on the probe: we only count bytes
        total = 0
        try:
            with self._zf.open(probe) as fh:
                while chunk := fh.read(1 << 20):
                    total += len(chunk)
                    if total > self._info.file_size:
                        break
        except _DAMAGED as exc:
            raise _damaged(self._display, exc) from None
        if total > self._info.file_size:
            raise self._too_big()

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


class _TarMemberReader(io.RawIOBase):
    """A read-only stream over one member of a tar archive (plain or compressed), opened from the header that
    discovery read (:attr:`InputFile.tar_info`): decompression failures and data that ends before the member's
    declared size become an :class:`InputError`; the archive is closed with the stream. A compressed archive
    cannot be entered in the middle: opening a member decompresses the archive up to it."""

    def __init__(self, path: Path, info: tarfile.TarInfo, display: str) -> None:
        self._display = display
        try:
            self._tf = tarfile.open(path, "r:*")  # noqa: SIM115  (closed with this stream)
        except _TAR_DAMAGED as exc:
            raise _damaged(display, exc) from None
        try:
            raw = self._tf.extractfile(info)
        except _TAR_DAMAGED as exc:
            self._tf.close()
            raise _damaged(display, exc) from None
        if raw is None:  # not a regular file (discovery keeps only those)
            self._tf.close()
            raise InputError(display, "archive member is not a file")
        self._raw: IO[bytes] = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return int(self._raw.readinto(buffer))  # type: ignore[attr-defined]
        except _TAR_DAMAGED as exc:
            raise _damaged(self._display, exc) from None

    def readall(self) -> bytes:
        """The rest of the member in one call (not the 8 KiB reads of ``RawIOBase.readall``)."""
        try:
            return self._raw.read()
        except _TAR_DAMAGED as exc:
            raise _damaged(self._display, exc) from None

    def close(self) -> None:
        try:
            self._raw.close()
            self._tf.close()
        finally:
            super().close()


#: Members from this size on are inflated in one piece by :func:`_inflate_member`.
_INFLATE_MIN = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s22xHH")


#: Zip archives opened once and shared by the opens of their members: {(path, mtime, size): ZipFile}. A new
#: ZipFile reads the whole central directory, and each member is opened about three times (sniffed, checked
#: for its line ends, read): a Takeout zip of 5,000 photos' members took 381 s.
_open_zips: dict[tuple[str, int, int], zipfile.ZipFile] = {}
_open_zips_lock = threading.Lock()
#: Archives held open at most (their file handles): past it, the oldest are closed.
MAX_OPEN_ZIPS = 32


def shared_zip(path: Path) -> zipfile.ZipFile:
    """The zip archive ``path``, opened once for all the reads of its members (its members may be read from
    several threads at once: zipfile locks its file for each read). Raises what :class:`zipfile.ZipFile`
    raises. Never closed by a reader; :func:`close_shared_zips` closes them all."""
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    with _open_zips_lock:
        zf = _open_zips.get(key)
        if zf is None:
            if len(_open_zips) >= MAX_OPEN_ZIPS:
                _open_zips.pop(next(iter(_open_zips))).close()  # (a member being read keeps its file open)
            zf = _open_zips[key] = zipfile.ZipFile(path)
        return zf


def close_shared_zips() -> None:
    """Close the archives :func:`shared_zip` holds open (at the end of reading the inputs)."""
    with _open_zips_lock:
        for zf in _open_zips.values():
            zf.close()
        _open_zips.clear()


def _inflates_to(packed: bytes, size: int) -> bool:
    """Whether the raw deflate stream ``packed`` ends after exactly ``size`` bytes of output: inflated in
    pieces whose output is thrown away, so that the memory stays bounded whatever the stream holds (a header
    declaring 3 MiB of a stream of 3 GB: inflated in one call, it took 6.4 GB before its length could be
    checked). Costs a second inflate of the member (about 1 ms per MB)."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    total, data = 0, packed
    try:
        while True:
            n = len(d.decompress(data, _VERIFY_PIECE))  # (with no input left, the output still held back)
            total += n
            if total > size:
                return False
            if d.eof:
                return total == size
            data = d.unconsumed_tail
            if not n and not data:  # the stream stops without its end
                return False
    except zlib.error:
        return False


#: Output bytes inflated at a time by :func:`_inflates_to` (and thrown away).
_VERIFY_PIECE = 16 << 20


def _inflate_member(path: Path, member: str) -> bytes | None:
    """The content of a deflated zip member, inflated by zlib in one call (which releases the GIL, and fills
    one buffer of the declared size instead of pieces joined afterwards), or None when the member is small, not
    plainly deflated, or anything about it is unusual: the stream must end exactly at the declared size and
    match the declared CRC. On None the caller reads the member through :class:`_CappedReader`, which reports
    every problem."""
    try:
        info = shared_zip(path).getinfo(member)
        if (info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or info.file_size < _INFLATE_MIN
                or info.file_size > MAX_MEMBER_BYTES):
            return None
        with open(path, "rb") as fp:  # (its own handle: the shared archive's may be read by another thread)
            fp.seek(info.header_offset)
            sig, name_len, extra_len = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
            if sig != b"PK\x03\x04":
                return None
            fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
            packed = fp.read(info.compress_size)
    except (KeyError, OSError, ValueError, EOFError, struct.error, zipfile.BadZipFile, NotImplementedError):
        return None
    if len(packed) != info.compress_size or not _inflates_to(packed, info.file_size):
        return None
    try:
        # One call with the declared size as its buffer: the result is that buffer (a decompress object builds
        # it from growing blocks joined at the end: a second copy of the file, and twice the page faults). It
        # raises on a stream that does not end.
        data = zlib.decompress(packed, -zlib.MAX_WBITS, info.file_size)
    except zlib.error:
        return None
    del packed
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        return None
    return data


def _cr_only(head: bytes) -> bool:
    """``head`` (a file's first 64 KiB) is text whose lines end in CR alone: a CR, no LF, no NUL."""
    return b"\r" in head and b"\n" not in head and b"\x00" not in head


def _universal_line_ends(data: bytes) -> bytes:
    """``data`` with each CRLF and each CR alone as an LF."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


class _CrAsLf(io.RawIOBase):
    """A byte stream read with every CR as an LF, a CRLF as one LF (see :attr:`InputFile.cr_line_ends`): a file
    whose first 64 KiB end their lines in CR alone and the rest in CRLF (two systems' files joined) reads that
    rest without a blank line after each line."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._after_cr = False  # the last byte passed on was a CR (an LF starting the next read ends its line)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while True:
            n = self._raw.readinto(view)  # type: ignore[attr-defined]
            if not n:
                return int(n or 0)
            data = bytes(view[:n])
            if self._after_cr and data.startswith(b"\n"):
                data = data[1:]
            self._after_cr = data.endswith(b"\r")
            data = _universal_line_ends(data)
            if data:  # (a read of a lone LF after a CR gives nothing: read on)
                view[:len(data)] = data
                return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Prefixed(io.RawIOBase):
    """The bytes ``head`` already read from the stream ``raw``, then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: IO[bytes]) -> None:
        self._head = head
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return int(self._raw.readinto(view) or 0)  # type: ignore[attr-defined]

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Utf16AsUtf8(io.RawIOBase):
    """A UTF-16 byte stream read as UTF-8 (see :meth:`InputFile.open_utf8`): the byte-level readers (mbox) see
    the same text, line for line; undecodable units become U+FFFD."""

    def __init__(self, raw: IO[bytes] | io.RawIOBase, encoding: str) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            data = self._raw.read(max(len(view), 2))
            self._pending = self._decoder.decode(data, final=not data).encode("utf-8")
            if not data:
                break
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True)
class InputFile:
    """One readable file: a plain file on disk or a member of a zip or tar archive."""

    display: str  # how the file is named to the user and in outputs (path, or archive/member)
    name: str  # base name, e.g. "messages.csv"
    size: int  # uncompressed size in bytes
    path: Path  # the file on disk (the archive itself for a member)
    member: str | None = None  # member name inside the archive
    explicit: bool = False  # named directly on the command line (unrecognised -> error, not skip)
    #: a tar archive's member: its header as discovery read it (where its data starts); None for a zip member
    tar_info: tarfile.TarInfo | None = field(default=None, compare=False, repr=False)

    def open(self) -> IO[bytes]:
        """Open for binary reading (a buffered stream; zip members are decompressed on the fly). A text file
        whose lines end in CR alone reads with LF line ends (see :attr:`cr_line_ends`)."""
        fh = self._open_raw()
        if self.cr_line_ends:
            return io.BufferedReader(_CrAsLf(fh), buffer_size=1 << 20)
        return fh

    def open_utf8(self) -> IO[bytes]:
        """:meth:`open`, except that a UTF-16 text file (by its BOM or NUL pattern in its first bytes) reads as
        UTF-8, for the readers of bytes (an mbox saved as UTF-16 by an editor or a Windows tool). The stream is
        opened once (an archive member of a .tgz is not decompressed from the start again to look at it)."""
        from analyzer.ingest.text import detect_encoding  # (polars: not imported for --help)

        fh = self.open()
        head = fh.read(4096)
        encoding = detect_encoding(head)
        if not encoding.startswith("utf-16") and fh.seekable():
            fh.seek(0)
            return fh
        raw = _Prefixed(head, fh)
        if encoding.startswith("utf-16"):
            return io.BufferedReader(_Utf16AsUtf8(raw, encoding), buffer_size=1 << 20)
        return io.BufferedReader(raw, buffer_size=1 << 20)

    @functools.cached_property
    def cr_line_ends(self) -> bool:
        """Whether this is a text file whose lines end in CR alone (classic Mac OS; Excel's "CSV (Macintosh)"):
        its first 64 KiB hold a CR and no LF, in an 8-bit or UTF-8 text. Every reader then sees each CR as an
        LF (and a CRLF further on as one LF), so that it reads like any other export."""
        try:
            with self._open_raw() as fh:
                head = fh.read(min(SNIFF_BYTES, self.size))  # (never past a member's declared size)
        except InputError:  # the reader that follows says what is wrong with the file
            return False
        return _cr_only(head)

    def _open_raw(self) -> IO[bytes]:
        if self.member is None:
            try:
                return open(self.path, "rb")
            except OSError as exc:
                raise InputError(self.display, f"cannot be read ({exc.strerror or exc})") from None
        if self.tar_info is not None:
            return io.BufferedReader(_TarMemberReader(self.path, self.tar_info, self.display), buffer_size=1 << 20)
        try:
            zf = shared_zip(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(self.display, f"archive cannot be read ({exc})",
                             hint="The download may be incomplete: download the archive again") from None
        try:
            info = zf.getinfo(self.member)
        except KeyError:
            raise InputError(self.display, "archive member disappeared while reading") from None
        return io.BufferedReader(_CappedReader(zf, info, self.display), buffer_size=1 << 20)

    def read_bytes(self) -> bytes:
        """The whole content (only for files that are small enough to hold in memory)."""
        if (self.member is not None and self.tar_info is None
                and (data := _inflate_member(self.path, self.member)) is not None):
            return _universal_line_ends(data) if self.cr_line_ends else data
        with self.open() as fh:
            return fh.read()

    def head(self, n: int = SNIFF_BYTES) -> bytes:
        """The first ``n`` bytes, for content detection."""
        with self.open() as fh:
            return fh.read(n)


@dataclass
class Discovery:
    """What the inputs expanded to."""

    files: list[InputFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (display, reason)



#: How a zip archive starts: a member first, or an empty archive's end record.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
#: How the archives that reconnect does not open start: 7-Zip, RAR (4 and 5).
_OTHER_ARCHIVE_MAGIC = (b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07")
#: How an Outlook data file (.pst, .ost: Outlook for Windows' mailboxes) starts.
_OUTLOOK_DATA_MAGIC = b"!BDN"


def archive_kind(head: bytes) -> str | None:
    """What ``head`` (a file's first 512 bytes) starts, if an archive or a compressed file: ``"archive"`` (zip or
    tar, which discovery opens), ``"compressed"`` (gzip, bzip2, xz: a tar, or a single compressed file),
    ``"other"`` (7-Zip, RAR: not opened) or ``"outlook"`` (an Outlook data file, .pst or .ost: not read); else
    None."""
    if head.startswith(_ZIP_MAGIC) or _is_plain_tar(head):
        return "archive"
    if head.startswith(_COMPRESSED_MAGIC):
        return "compressed"
    if head.startswith(_OTHER_ARCHIVE_MAGIC):
        return "other"
    if head.startswith(_OUTLOOK_DATA_MAGIC):
        return "outlook"
    return None


def _is_plain_tar(head: bytes) -> bool:
    """``head`` (a file's first 512 bytes) is an uncompressed tar's first header (its ustar magic)."""
    return head[257:262] == b"ustar"


def _is_compressed_tar(path: Path) -> bool:
    """``path`` (compressed with gzip, bzip2 or xz) decompresses to a tar: a first tar header can be read from it
    (Google Takeout's ``.tgz``; a compressed file that holds no tar, such as ``mail.mbox.gz``, is not one)."""
    try:
        with tarfile.open(path, "r:*"):
            return True
    except _TAR_DAMAGED:
        return False


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its maker wrote it: a name without the UTF-8 flag is read by zipfile as cp437,
    but macOS (Archive Utility, ``ditto``) and other tools write UTF-8 without setting the flag
    (``Envoy\u251c\u2310s`` for ``Envoyés``); such a name that is valid UTF-8 is read as UTF-8, as unzip tools do."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError:
        return name


def _base_name(member: str) -> str:
    """The file name of an archive member's stored path (``/`` or ``\\`` separated)."""
    return member.replace("\\", "/").rsplit("/", 1)[-1]


def _skipped_member(name: str) -> bool:
    """Archive members never read: folders' clutter (``.DS_Store``, ``__MACOSX/``, ``._`` files...)."""
    base = _base_name(name)
    return not base or base.lower() in SKIP_NAMES or base.startswith(("._", ".")) or "__MACOSX/" in name


#: The listings of the tar archives read last, by (path, modification time, size, first and last bytes): the
#: progress bar's discovery and the run's each list the inputs, and a compressed archive is listed by reading it
#: all through. (The bytes: a file rewritten within the file system's clock tick keeps its time.)
_TAR_LISTINGS: dict[tuple[str, int, int, bytes], list[tarfile.TarInfo]] = {}
_TAR_LISTINGS_KEPT = 4


def _tar_members(path: Path, display: str, explicit: bool) -> Iterator[InputFile]:
    """The regular files of the tar archive ``path``, by name. Listing a compressed archive reads it through once
    (a tar has no table of contents; the listing is kept for the next discovery of the same unchanged file);
    the declared sizes are checked as they are read, so that a bomb is refused at its header, not after it was
    decompressed. Links, folders and devices are not files: never followed."""
    try:
        st = path.stat()
        with open(path, "rb") as fh:
            ends = fh.read(1 << 16)
            if st.st_size > 1 << 17:
                fh.seek(-(1 << 16), os.SEEK_END)
                ends += fh.read()
    except OSError as exc:
        raise InputError(display, f"cannot be read ({exc.strerror or exc})") from None
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, hashlib.blake2b(ends, digest_size=16).digest())
    infos = _TAR_LISTINGS.get(key)
    if infos is None:
        infos = _list_tar(path, display, max(st.st_size, 1))
        while len(_TAR_LISTINGS) >= _TAR_LISTINGS_KEPT:
            del _TAR_LISTINGS[next(iter(_TAR_LISTINGS))]
        _TAR_LISTINGS[key] = infos
    for info in infos:
        base = _base_name(info.name)
        shown = info.name[2:] if info.name.startswith("./") else info.name  # (tar -C folder . writes "./x")
        yield InputFile(display=f"{display}!{safe_display(shown)}", name=safe_display(base), size=info.size,
                        path=path, member=info.name, explicit=explicit, tar_info=info)


def _list_tar(path: Path, display: str, packed: int) -> list[tarfile.TarInfo]:
    """The headers of the regular, not skipped members of ``path`` (``packed`` bytes on disk), by name; an
    :class:`InputError` for a damaged archive, a bomb or too many members."""
    total = 0
    infos: list[tarfile.TarInfo] = []
    try:
        with tarfile.open(path, "r:*") as tf:
            for n, info in enumerate(tf):
                if n >= MAX_MEMBERS:
                    raise _too_many_members(display)
                if not info.isfile():
                    continue
                if info.size > MAX_MEMBER_BYTES:
                    raise InputError(f"{display}!{safe_display(info.name)}",
                                     "archive member has an absurd uncompressed size (a tar bomb?)",
                                     hint="Re-download the export from its source")
                total += info.size
                _check_archive_total(display, total, packed, "tar")
                if not _skipped_member(info.name):
                    infos.append(info)
            damaged = _tar_damaged_after(tf)
    except _TAR_DAMAGED as exc:
        raise _unreadable_tar(display, str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__) from None
    if damaged:
        after = f" after {safe_display(infos[-1].name)}" if infos else ""
        raise _unreadable_tar(display, f"damaged{after}: the members after it cannot be read")
    return sorted(infos, key=lambda i: i.name)


def _check_archive_total(display: str, total: int, packed: int, kind: str) -> None:
    """An :class:`InputError` when an archive of ``packed`` bytes declares ``total`` uncompressed bytes (so far)
    that no export has: more than :data:`MAX_ARCHIVE_BYTES`, or past :data:`ARCHIVE_RATIO_FLOOR` at a ratio above
    :data:`MAX_RATIO` (``kind``: zip or tar, as the message names the bomb)."""
    if total > MAX_ARCHIVE_BYTES or (total > ARCHIVE_RATIO_FLOOR and total > MAX_RATIO * max(packed, 1)):
        raise InputError(display, f"archive has an absurd uncompressed size ({total / 1024**3:.1f} GiB declared "
                         f"from {packed / 1024**2:.1f} MiB; a {kind} bomb?)",
                         hint="This does not look like a data export: download it again from its source")


def _unreadable_tar(display: str, detail: str) -> InputError:
    return InputError(display, f"not a readable tar archive ({detail})",
                      hint="The download may be incomplete: download the archive again")


def _too_many_members(display: str) -> InputError:
    return InputError(display, f"archive holds more than {MAX_MEMBERS:,} files: not a data export",
                      hint="Extract it and pass the folders of the exports you want read")


def _tar_damaged_after(tf: tarfile.TarFile) -> bool:
    """Whether the listing of ``tf`` stopped before the end of its data: tarfile ends the listing quietly at a
    header it cannot read (damaged, or cut short) when it is not the first, which would lose every member after
    it without a word. A tar ends with blocks of zeros; anything else where the listing stopped is damage."""
    fileobj = tf.fileobj
    if fileobj is None:
        return False
    fileobj.seek(tf.offset)
    at_end = False
    for _ in range(128):  # 64 KiB: the end blocks and the padding of the last record
        try:
            block = fileobj.read(tarfile.BLOCKSIZE)
        except _TAR_DAMAGED:
            if at_end:  # bytes after the compressed archive's end (gzip -t: "trailing garbage ignored")
                return False
            raise
        if not block:
            return False
        if block.strip(b"\0"):
            return True
        at_end = True
    return False


def sniff_tar_members(files: list[InputFile], use: Callable[[InputFile, bytes], T]) -> dict[int, T | InputError]:
    """``use(f, head)`` for every tar member ``f`` of ``files``, where ``head`` is what ``f.head()`` gives, read
    in one pass through each archive, in archive order: a compressed archive cannot be entered in the middle, so
    reading each member's head on its own would decompress the archive up to that member again and again (a
    Takeout ``.tgz`` with thousands of files). Each member's :attr:`InputFile.cr_line_ends` is settled on the way.
    Returns ``{id(f): use's result}``; an archive that fails to read gives each of its members the error."""
    results: dict[int, T | InputError] = {}
    by_path: dict[Path, dict[int, InputFile]] = {}
    for f in files:
        if f.tar_info is not None:
            by_path.setdefault(f.path, {})[f.tar_info.offset] = f
    for path, members in by_path.items():
        left = dict(members)
        try:
            with tarfile.open(path, "r:*") as tf:
                while left and (info := tf.next()) is not None:
                    tf.members.clear()  # type: ignore[attr-defined]  # (tarfile keeps every header it read)
                    if info.offset not in left:
                        continue
                    f = left.pop(info.offset)
                    fh = tf.extractfile(info)
                    raw = fh.read(SNIFF_BYTES) if fh is not None else b""
                    cr_only = _cr_only(raw)
                    f.__dict__["cr_line_ends"] = cr_only  # (what the cached property would find)
                    try:
                        results[id(f)] = use(f, raw.replace(b"\r", b"\n") if cr_only else raw)
                    except InputError as exc:
                        results[id(f)] = exc
        except _TAR_DAMAGED as exc:
            for f in left.values():
                results[id(f)] = _damaged(f.display, exc)
    return results


def _archive_members(path: Path, display: str,
                     skipped: list[tuple[str, str]] | None = None) -> Iterator[InputFile] | None:
    """The members of ``path`` when it is a zip or tar archive (plain or compressed), else None (what is not
    read of it is listed in ``skipped``)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    if head.startswith(_ZIP_MAGIC):
        return _zip_members(path, display, explicit=False, skipped=skipped)
    if _is_plain_tar(head) or (head.startswith(_COMPRESSED_MAGIC) and _is_compressed_tar(path)):
        return _tar_members(path, display, explicit=False)
    return None


def _open_zip(path: Path, display: str) -> zipfile.ZipFile:
    try:
        return shared_zip(path)
    except OSError as exc:
        raise InputError(display, f"cannot be read ({exc.strerror or exc})") from None
    except (zipfile.BadZipFile, ValueError, EOFError, struct.error, NotImplementedError) as exc:
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(display, f"not a readable zip archive ({detail})",
                         hint="The download may be incomplete: download the archive again") from None


def _zip_members(path: Path, display: str, explicit: bool,
                 skipped: list[tuple[str, str]] | None = None) -> Iterator[InputFile]:
    """The members of the zip archive ``path`` to read (the archive stays open for their reads:
    :func:`shared_zip`). A name that the archive holds twice (a hand-made archive) is read in its last copy, as
    every unzip tool extracts it; the earlier copies are listed in ``skipped``."""
    zf = _open_zip(path, display)
    # (not ZipInfo.is_dir(): it fails on an empty stored name, which a NUL byte in a damaged name leaves)
    infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
    if len(infos) > MAX_MEMBERS:
        raise _too_many_members(display)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    _check_archive_total(display, total, packed, "zip")
    last = {i.filename: i for i in infos}  # (what getinfo() answers for a repeated name)
    for info in sorted(infos, key=lambda i: i.filename):
        shown = _zip_name(info)
        base = _base_name(shown)
        member_display = f"{display}!{safe_display(shown)}"
        if _skipped_member(info.filename):
            continue
        if last[info.filename] is not info:
            if skipped is not None:
                skipped.append((member_display, REPEATED_MEMBER))
            continue
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise InputError(member_display, "archive member has an absurd uncompressed size or compression ratio "
                             "(a zip bomb?)", hint="Re-download the export from its source")
        if info.flag_bits & 0x1:
            raise InputError(member_display, "archive member is encrypted", hint="Extract it yourself and pass the folder")
        yield InputFile(display=member_display, name=safe_display(base), size=info.file_size, path=path,
                        member=info.filename, explicit=explicit)


#: Why a link to a folder is not followed: its folder is read already, or is being read (a loop).
LINKED_FOLDER_READ = "a link to a folder read already"
#: Why an earlier copy of a member name that a zip archive holds twice is not read.
REPEATED_MEMBER = "an earlier copy of a name the archive holds twice (its last copy is read)"


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` when it is a regular file (not a pipe or a device, which could block or never end)
    of at most ``limit`` bytes. Raises :class:`ValueError` saying why not ("is missing", "is larger than ...");
    :class:`OSError` when it cannot be read."""
    if not path.is_file():
        raise ValueError("is missing")
    too_large = f"is larger than {limit >> 20} MB" if limit >= 1 << 20 else f"is larger than {limit} bytes"
    if path.stat().st_size > limit:
        raise ValueError(too_large)
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)  # (no more, should it grow meanwhile)
    if len(data) > limit:
        raise ValueError(too_large)
    return data


#: Why a link found in a folder is not read when what it points to is missing (a disk not mounted, a moved file).
MISSING_LINK_TARGET = "a link to a file that is missing"
#: Why a link named ``lock`` that points nowhere is not read: Thunderbird's (and Firefox's) profile lock on Linux,
#: ``lock -> 127.0.1.1:+4242``, present while the program runs (no word at the terminal: not the user's file).
PROFILE_LOCK = "a mail program's profile lock"


def _not_a_file(path: Path) -> str | None:
    """Why ``path``, found in a folder and not a regular file, is not read: a link to a missing file or a link
    loop, a pipe, socket or device; None for a file gone meanwhile (or a folder), which is nothing to read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if not path.is_symlink():
            return None
        return PROFILE_LOCK if path.name == "lock" else MISSING_LINK_TARGET
    except OSError as exc:  # a link loop: "Too many levels of symbolic links"
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(st.st_mode):
        return None
    return "not a regular file (a pipe, socket or device)"


def _is_report(folder: Path) -> bool:
    return (folder / REPORT_MARKER).exists()


def _walk(top: str, onerror: Callable[[OSError], None]) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, onerror=onerror, followlinks=True)`` (top-down, the folders in the order the caller leaves
    in ``dirs``), without recursion: Python 3.11's ``os.walk`` recurses once per nested folder, and a tree
    3,000 folders deep ended the run with a RecursionError ("internal error")."""
    stack = [top]
    while stack:
        root = stack.pop()
        try:
            with os.scandir(root) as it:
                entries = list(it)
        except OSError as exc:
            onerror(exc)
            continue
        dirs: list[str] = []
        names: list[str] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else names).append(entry.name)
        yield root, dirs, names
        stack.extend(os.path.join(root, d) for d in reversed(dirs))


def discover(inputs: list[Path] | list[str]) -> Discovery:
    """Expand the INPUT arguments into the files to read, in a deterministic order.

    Raises :class:`InputError` for an input that does not exist, an unreadable or unsafe archive, and for
    inputs that contain no file at all. Inside folders, sub-folders that are reports written by reconnect
    and files that cannot be read are skipped (and listed in ``Discovery.skipped``).
    """
    found = Discovery()
    # {(real path, member): file}: a file found through two inputs is read once; the files are read in the order
    # of these keys whatever the order of the inputs (`a b` or `b a`, a folder or its sub-folders one by one): the
    # record ids, and with them the ties they break (a display name, an automated sender's id), follow it
    seen: dict[tuple[str, str], InputFile] = {}
    real_paths: dict[Path, str] = {}  # (the members of an archive share its path: resolved once)
    offered = 0  # files found so far, whether new or already found through another input

    def add(f: InputFile) -> None:
        nonlocal offered
        offered += 1
        if (path := real_paths.get(f.path)) is None:
            path = real_paths[f.path] = os.path.realpath(f.path)
        seen.setdefault((path, f.member or ""), f)

    for raw in inputs:
        if str(raw) == "":  # (an unset variable, "$EXPORT": Path("") is the current folder, read whole)
            raise InputError(repr(str(raw)), "an empty path is no file or folder", hint="Check the path")
        p = Path(raw)
        display = safe_display(str(raw))
        try:
            st = p.stat()
        except FileNotFoundError:
            raise InputError(display, "no such file or folder", hint="Check the path") from None
        except OSError as exc:
            raise InputError(display, f"cannot be read ({exc.strerror or exc})", hint="Check the path") from None
        if stat.S_ISDIR(st.st_mode):
            n_before = offered
            if not os.access(p, os.R_OK | os.X_OK):
                raise InputError(display, "cannot be read (permission denied)", hint="Check the folder's permissions")
            if _is_report(p):
                raise InputError(display, "is a report written by reconnect, not an export",
                                 hint="Point at the folder your export was extracted to")

            def unreadable(exc: OSError) -> None:
                found.skipped.append((safe_display(str(exc.filename)),
                                      f"cannot be read ({exc.strerror or exc})"))

            # Links to folders are followed (an export kept elsewhere and linked in), each real folder once: a
            # link back to a folder being read (a loop) or to one read already is skipped.
            walked = {os.path.realpath(p)}
            real_of = {str(p): os.path.realpath(p)}  # each folder's real path, made from its parent's
            for root, dirs, names in _walk(str(p), unreadable):
                kept = []
                for d in sorted(dirs):
                    if d.startswith(".") or d == "__MACOSX":
                        continue
                    sub = os.path.join(root, d)
                    try:
                        report = _is_report(Path(sub))
                    except OSError as exc:  # (a path longer than the system allows, in a tree 2,000 folders deep)
                        found.skipped.append((safe_display(sub), f"cannot be read ({exc.strerror or exc})"))
                        continue
                    if report:
                        found.skipped.append((safe_display(str(Path(root) / d)), "a report written by reconnect"))
                        continue
                    # (a folder that is no link is its parent's real path and its name: the real path of each
                    # folder resolved whole read every folder above it, 3,000 nested folders 4.5 million times)
                    real = os.path.realpath(sub) if os.path.islink(sub) else os.path.join(real_of[root], d)
                    if real in walked:
                        found.skipped.append((safe_display(str(Path(root) / d)), LINKED_FOLDER_READ))
                        continue
                    walked.add(real)
                    real_of[sub] = real
                    kept.append(d)
                dirs[:] = kept
                for n in sorted(names):
                    fp = Path(root) / n
                    if n.lower() in SKIP_NAMES or n.startswith("."):
                        continue
                    try:
                        is_file = fp.is_file()
                    except OSError as exc:  # (a path longer than the system allows)
                        found.skipped.append((safe_display(str(fp)), f"cannot be read ({exc.strerror or exc})"))
                        continue
                    if not is_file:  # sockets, FIFOs, devices, dangling links
                        if (why := _not_a_file(fp)) is not None:
                            found.skipped.append((safe_display(str(fp)), why))
                        continue
                    fdisplay = safe_display(str(fp))
                    if not os.access(fp, os.R_OK):
                        found.skipped.append((fdisplay, "cannot be read (permission denied)"))
                        continue
                    members = _archive_members(fp, fdisplay, found.skipped)
                    if members is not None:
                        for m in members:
                            add(m)
                    else:
                        add(InputFile(display=fdisplay, name=safe_display(n), size=fp.stat().st_size, path=fp))
            if offered == n_before:
                raise InputError(display, "folder contains no files", hint="Point at the folder your export was extracted to")
        elif not stat.S_ISREG(st.st_mode):
            raise InputError(display, "is not a regular file (a device, socket or pipe?)",
                             hint="Pass the export file or folder itself")
        elif not os.access(p, os.R_OK):
            raise InputError(display, "cannot be read (permission denied)", hint="Check the file's permissions")
        elif (members := _archive_members(p, display, found.skipped)) is not None:
            n_before = offered
            for m in members:
                add(m)
            if offered == n_before:
                raise InputError(display, "archive contains no files", hint="Download the export again")
        else:
            add(InputFile(display=display, name=safe_display(p.name), size=st.st_size, path=p, explicit=True))
    found.files = [seen[key] for key in sorted(seen)]
    return found
