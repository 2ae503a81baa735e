"""How many pixels an evidence image may cost to decode, judged from its header alone.

A 481 KB PNG can declare 13,000 × 13,000 pixels: decoding it holds half a gigabyte of
pixels and, with the conversions a thumbnail needs, took the worker to 1.4 GB. So an
image is measured before it is decoded (Pillow reads only the header on ``open``):

* a baseline JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers the
  thumbnail (libjpeg's scaled decoding, Pillow's ``draft``), so it costs the *reduced*
  size — a 50-megapixel phone photo costs under a megapixel;
* a progressive JPEG keeps its coefficients at full size whatever the scale, and every
  other format is decoded whole: they cost their full size;
* above :data:`MAX_DECODE_PIXELS` the image gets no thumbnail: intake records the finding
  "Gambar terlalu besar untuk pratinjau: W×H piksel" and the renderer never decodes it.

Pillow's own decompression-bomb guard (``DecompressionBombError`` above twice
``Image.MAX_IMAGE_PIXELS``) becomes the same finding instead of an exception.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from .models import CATATAN, Finding

#: most pixels one evidence image may hold while decoded (about 120 MB as RGB)
MAX_DECODE_PIXELS = 40_000_000
#: the thumbnail size the Lembar Aduan draws evidence at (documents/aduan.py)
EVIDENCE_THUMB_PX = 720
#: the largest scale-down libjpeg decodes directly
JPEG_MAX_REDUCTION = 8

FINDING_CODE = "bukti_besar"


@dataclass(frozen=True)
class ImageHeader:
    """What an image file says about itself before any pixel is decoded."""

    format: str
    width: int
    height: int
    progressive: bool = False  # JPEG only

    @property
    def pixels(self) -> int:
        return self.width * self.height


class TooLarge(Exception):
    """Pillow refused to open the image as a decompression bomb (``pixels``: what it declared, 0 if unknown)."""

    def __init__(self, pixels: int) -> None:
        super().__init__(pixels)
        self.pixels = pixels


def header_of(im: object) -> ImageHeader:
    """The header of an image Pillow has opened (not loaded)."""
    fmt = str(getattr(im, "format", "") or "")
    w, h = getattr(im, "size")
    info = getattr(im, "info", {}) or {}
    progressive = fmt == "JPEG" and bool(info.get("progressive") or info.get("progression"))
    return ImageHeader(fmt, int(w), int(h), progressive)


def read_header(path: Path | str) -> ImageHeader | None:
    """The header of the image at *path*; None when it is not an image Pillow reads.
    Raises :class:`TooLarge` for a file Pillow refuses as a decompression bomb."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: judged below
            with Image.open(path) as im:
                return header_of(im)
    except Image.DecompressionBombError as exc:
        m = re.search(r"\((\d+) pixels\)", str(exc))
        raise TooLarge(int(m.group(1)) if m else 0) from None
    except Exception:
        return None


def jpeg_reduction(header: ImageHeader, max_px: int) -> int:
    """The scale-down (1, 2, 4 or 8) libjpeg applies when a thumbnail of *max_px* is asked
    for (:func:`siapmas_sync.documents.drawing.load_image` asks for exactly that)."""
    if header.format != "JPEG" or header.progressive or max(header.width, header.height) <= max_px:
        return 1
    k = 1
    while k < JPEG_MAX_REDUCTION and max(header.width, header.height) / (k * 2) >= max_px:
        k *= 2
    return k


def decode_pixels(header: ImageHeader, max_px: int = EVIDENCE_THUMB_PX) -> int:
    """Pixels held while decoding the image for a thumbnail of *max_px*."""
    k = jpeg_reduction(header, max_px)
    return -(-header.width // k) * -(-header.height // k)


def within_budget(header: ImageHeader, max_px: int = EVIDENCE_THUMB_PX, budget: int = MAX_DECODE_PIXELS) -> bool:
    return decode_pixels(header, max_px) <= budget


def too_large_message(width: int | None = None, height: int | None = None, pixels: int = 0) -> str:
    if width and height:
        return f"Gambar terlalu besar untuk pratinjau: {width}×{height} piksel"
    if pixels:
        return f"Gambar terlalu besar untuk pratinjau: {pixels:,} piksel".replace(",", ".")
    return "Gambar terlalu besar untuk pratinjau"


def oversize_finding(path: Path | str, name: str | None = None, *, budget: int = MAX_DECODE_PIXELS) -> Finding | None:
    """The finding for an evidence image too large to decode for a thumbnail, else None
    (also None for a file that is not a readable image: other checks judge that)."""
    label = f" ({name})" if name else ""
    try:
        header = read_header(path)
    except TooLarge as exc:
        return Finding(FINDING_CODE, too_large_message(pixels=exc.pixels) + label, CATATAN)
    if header is None or within_budget(header, budget=budget):
        return None
    return Finding(FINDING_CODE, too_large_message(header.width, header.height) + label, CATATAN)
