"""Build hostile zip archives for the tests: lying size fields, encryption flags, bombs, corrupt members.

Only the standard library; every archive is written into a test's tmp_path, never committed.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"


def write_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A plain zip with ``members`` (name -> content), written as stored names (no normalisation)."""
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _entries(data: bytes) -> list[tuple[int, int, str]]:
    """(central header offset, local header offset, name) of every member, from the end-of-central-directory."""
    eocd = data.rfind(_EOCD)
    assert eocd >= 0, "no end of central directory"
    n, _cd_size, cd_off = struct.unpack_from("<HII", data, eocd + 10)
    out = []
    pos = cd_off
    for _ in range(n):
        assert data[pos:pos + 4] == _CENTRAL
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        (local_off,) = struct.unpack_from("<I", data, pos + 42)
        name = data[pos + 46:pos + 46 + name_len].decode("utf-8", "replace")
        out.append((pos, local_off, name))
        pos += 46 + name_len + extra_len + comment_len
    return out


def patch_member(
    path: Path,
    member: str,
    *,
    file_size: int | None = None,
    crc: int | None = None,
    flag_bits: int | None = None,
    local: bool = True,
) -> Path:
    """Rewrite the size/CRC/flag fields of ``member`` in the central directory (and the local header).

    Lets a test declare 2 GiB for a tiny member, or a tiny size for a big one (a header that lies).
    """
    data = bytearray(path.read_bytes())
    found = False
    for central, local_off, name in _entries(bytes(data)):
        if name != member:
            continue
        found = True
        assert data[local_off:local_off + 4] == _LOCAL
        if file_size is not None:
            struct.pack_into("<I", data, central + 24, file_size)
            if local:
                struct.pack_into("<I", data, local_off + 22, file_size)
        if crc is not None:
            struct.pack_into("<I", data, central + 16, crc)
            if local:
                struct.pack_into("<I", data, local_off + 14, crc)
        if flag_bits is not None:
            struct.pack_into("<H", data, central + 8, flag_bits)
            if local:
                struct.pack_into("<H", data, local_off + 6, flag_bits)
    assert found, f"{member} not in {path}"
    path.write_bytes(bytes(data))
    return path


def corrupt_member_data(path: Path, member: str, at: int = 8, length: int = 32) -> Path:
    """Overwrite ``length`` bytes of ``member``'s compressed data (starting ``at`` bytes in) with junk."""
    data = bytearray(path.read_bytes())
    for _central, local_off, name in _entries(bytes(data)):
        if name != member:
            continue
        name_len, extra_len = struct.unpack_from("<HH", data, local_off + 26)
        start = local_off + 30 + name_len + extra_len + at
        for i in range(length):
            data[start + i] ^= 0xA5
    path.write_bytes(bytes(data))
    return path


def zeros_member(path: Path, name: str = "messages.csv", megabytes: int = 50, prefix: bytes = b"") -> Path:
    """A zip with one member of ``prefix`` + ``megabytes`` MiB of zeros (compresses ~1000x), written in chunks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open(name, "w", force_zip64=False) as fh:
        fh.write(prefix)
        chunk = b"\0" * (1 << 20)
        for _ in range(megabytes):
            fh.write(chunk)
    return path
