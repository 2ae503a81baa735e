"""Small image files that declare huge pixel sizes (decompression bombs), written without
ever holding their pixels: for the image-budget test and benchmarks/image_budget.py."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_declared_png(path: Path, width: int, height: int, *, rgb: bool = True) -> Path:
    """A valid PNG of *width* × *height* black pixels: rows of zeros deflate about
    1000:1, so 13,000 × 13,000 RGB is ~0.5 MB on disk and 507 MB once decoded."""
    channels = 3 if rgb else 1
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2 if rgb else 0, 0, 0, 0)
    z = zlib.compressobj(9)
    row = b"\x00" * (1 + width * channels)  # filter byte 0 + the pixels
    parts = []
    for _ in range(height):
        parts.append(z.compress(row))
    parts.append(z.flush())
    idat = b"".join(parts)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))
    return path
