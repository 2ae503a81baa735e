"""Canvas-level drawing shared by the documents: kop surat, images, boxes and checkboxes.

The kop (letterhead) is the classic Indonesian government one: optional logo on the left,
centred lines (pemerintah, instansi in bold, address, contacts) and a thick-over-thin double
rule. It comes in three sizes: FULL (A4 documents), COMPACT (½ folio disposisi) and MINI
(the 10 × 15 cm kartu kendali). Images are decoded and re-encoded through Pillow before
reportlab sees them, so a corrupt or hostile file yields ``None`` instead of an exception
in the middle of a build.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from siapmas_sync.documents.common import (
    SANS, SANS_BOLD, SERIF, SERIF_BOLD, PagedCanvas, doc_info, fit_text, one_line,
)
from siapmas_sync.documents.layers import draw_fixed
from siapmas_sync.core.imagebudget import header_of, within_budget
from siapmas_sync.core.models import Kop

log = logging.getLogger(__name__)

GREY = Color(0.45, 0.45, 0.45)
LIGHT_GREY = Color(0.85, 0.85, 0.85)
GRID = Color(0.25, 0.25, 0.25)


# --- images ---------------------------------------------------------------------------


class EncodedImage:
    """An image already encoded for embedding (the JPEG or PNG bytes :func:`load_image`
    made), handed to ``canvas.drawImage``.

    Given an ImageReader, drawImage names the image XObject after an MD5 of its fully
    decoded pixels: for a photo thumbnail that is a second JPEG decode and a hash of a
    megabyte, about 4 ms, only to pick a name. This wrapper is not an ImageReader, so
    drawImage names it after ``str()`` instead, which carries a digest of the encoded
    bytes (the same bytes are still one XObject, different ones never share a name).
    What is embedded is unchanged: a JPEG is passed through as it is (DCTDecode), any
    other image deflated from its pixels, exactly as reportlab does for the reader."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reader = ImageReader(io.BytesIO(data))
        self.key = f"siapmas-image:{hashlib.md5(data).hexdigest()}:{len(data)}"

    def __str__(self) -> str:
        return self.key

    def getSize(self) -> tuple[int, int]:  # noqa: N802 - ImageReader API
        return self.reader.getSize()

    def __getattr__(self, name: str) -> object:  # jpeg_fh, getRGBData, mode, …
        if name.startswith("__") or name in ("reader", "data"):  # copy/pickle probes, half-made copies
            raise AttributeError(name)
        return getattr(self.reader, name)


#: an image up to this multiple of max_px is not resampled again (see load_image)
RESAMPLE_ABOVE = 1.25


def load_image(path: Path | str | None, *, max_px: int = 1200, lossless: bool = False) -> EncodedImage | None:
    """Decode an image fully and return a reportlab reader for a bounded copy of it.

    Returns ``None`` (no warning, no exception) when the path is missing, unreadable,
    not an image, truncated or too large to decode — judged from the header before any
    pixel is decoded (:mod:`siapmas_sync.core.imagebudget`), never by running out of memory. EXIF rotation is applied (phone
    photos), transparency is flattened onto white, and the pixel size is capped at
    *max_px* so thumbnails stay small in the print batch — give or take a quarter: a JPEG
    the decoder already scaled down to within 1.25 × *max_px* (a 1600×1200 photo decoded
    at half size, 800×600, for 720) is kept as decoded; resampling it once more would
    cost more than the whole decode and show nothing on paper.
    """
    if path is None:
        return None
    try:
        from PIL import Image, ImageOps

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as src:
                if not within_budget(header_of(src), max_px):
                    log.debug("gambar terlalu besar untuk didekode (%s×%s)", *src.size)
                    return None  # intake recorded "Gambar terlalu besar untuk pratinjau"
                if src.format == "JPEG" and max(src.size) > max_px:
                    # decode at 1/2, 1/4 or 1/8 scale when that still covers the thumbnail
                    scale = max_px / max(src.size)
                    src.draft("RGB", (max(1, int(src.size[0] * scale)), max(1, int(src.size[1] * scale))))
                src.load()
                ImageOps.exif_transpose(src, in_place=True)  # a copy would double the peak
                im: Image.Image = src
                if max(im.size) > max_px * RESAMPLE_ABOVE:
                    im.thumbnail((max_px, max_px))
                if im.mode in ("RGBA", "LA", "P", "PA"):
                    im = im.convert("RGBA")
                    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                    im = Image.alpha_composite(bg, im)
                im = im.convert("RGB")
                buf = io.BytesIO()
                if lossless:
                    im.save(buf, "PNG")
                else:
                    im.save(buf, "JPEG", quality=85)
        if im.size[0] < 1 or im.size[1] < 1:
            return None
        return EncodedImage(buf.getvalue())
    except Exception as exc:  # any decoder failure degrades to "no image"
        log.debug("gambar tidak dapat dibuka (%s)", type(exc).__name__)
        return None


#: the kop logo, encoded once per process: (path, mtime, size, max_px) → bytes
_logos: dict[tuple[str, int, int, int], bytes | None] = {}


def load_logo(path: Path | str, *, max_px: int = 600) -> EncodedImage | None:
    """:func:`load_image` (lossless) of the kop logo, decoded and encoded once per process
    while the file is unchanged (every document of every item draws it)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (str(path), st.st_mtime_ns, st.st_size, max_px)
    if key not in _logos:
        img = load_image(path, max_px=max_px, lossless=True)
        if len(_logos) >= 8:  # a changed or reconfigured logo: drop the old entries
            _logos.clear()
        _logos[key] = None if img is None else img.data
    data = _logos[key]
    return None if data is None else EncodedImage(data)


def fit_size(img: EncodedImage | ImageReader, max_w: float, max_h: float, max_scale: float = 2.0) -> tuple[float, float]:
    """Size of *img* scaled to fit inside max_w × max_h, keeping its aspect ratio.

    Tiny images are enlarged at most *max_scale* points per pixel (no giant pixels).
    """
    iw, ih = img.getSize()
    scale = min(max_w / iw, max_h / ih, max_scale)
    return iw * scale, ih * scale


# --- kop surat ------------------------------------------------------------------------


@dataclass(frozen=True)
class KopStyle:
    """Sizes (points) of one kop variant; 0 omits a line."""

    logo_h: float
    pemerintah: float
    instansi: float
    alamat: float
    kontak: float
    thick: float
    thin: float


FULL = KopStyle(logo_h=24 * mm, pemerintah=13, instansi=15.5, alamat=9, kontak=8.5, thick=2.2, thin=0.7)
COMPACT = KopStyle(logo_h=15 * mm, pemerintah=9.5, instansi=12, alamat=7.5, kontak=7.5, thick=1.6, thin=0.5)
MINI = KopStyle(logo_h=8.5 * mm, pemerintah=7.5, instansi=8.5, alamat=0, kontak=0, thick=1.0, thin=0.4)


def kontak_line(kop: Kop) -> str:
    """'E-mail: … · Laman: … · Telp: …' with empty parts left out."""
    parts = [
        f"{label}: {value}"
        for label, value in (("E-mail", kop.email), ("Laman", kop.website), ("Telp", kop.telepon))
        if str(value or "").strip()
    ]
    return " · ".join(parts)


@functools.lru_cache(maxsize=32)
def _kop_lines(kop: Kop, style: KopStyle) -> tuple[tuple[str, str, float], ...]:
    """The kop's lines (text, font, size), cleaned once per process and kop."""
    lines = [
        (one_line(kop.pemerintah, SERIF).upper(), SERIF, style.pemerintah),
        (one_line(kop.instansi, SERIF_BOLD).upper(), SERIF_BOLD, style.instansi),
    ]
    if style.alamat:
        lines.append((one_line(kop.alamat, SANS), SANS, style.alamat))
    if style.kontak:
        lines.append((one_line(kontak_line(kop), SANS), SANS, style.kontak))
    return tuple(line for line in lines if line[0])


def kop_height(kop: Kop, style: KopStyle) -> float:
    """Height the kop occupies including its double rule."""
    text_h = sum(size * 1.28 for _, _, size in _kop_lines(kop, style))
    logo_h = style.logo_h if kop.logo else 0
    return max(text_h, logo_h) + 3 + style.thick + 1.8 + style.thin


def draw_kop(c: Canvas, kop: Kop, x: float, top: float, width: float, style: KopStyle = FULL,
             part: str = "all") -> float:
    """Draw the kop with its top edge at *top*; return the y just below the double rule.

    *part* "text" draws the lines and rules only, "logo" the logo only (together: "all")."""
    lines = _kop_lines(kop, style)
    text_h = sum(size * 1.28 for _, _, size in lines)
    logo = load_logo(kop.logo) if kop.logo else None  # "text" needs its size too
    block_h = max(text_h, style.logo_h if kop.logo else 0)
    side = 0.0
    if logo is not None:
        lw, lh = fit_size(logo, style.logo_h * 1.1, style.logo_h, max_scale=100)
        if part != "text":
            c.drawImage(logo, x, top - (block_h + lh) / 2, lw, lh, mask=None)
        side = lw + 2 * mm
    y = top - block_h - 3
    if part == "logo":
        return kop_bottom(kop, top, style)
    avail = width - 2 * side
    ty = top - (block_h - text_h) / 2
    c.setFillColor(black)
    for text, font, size in lines:
        ty -= size * 1.28
        shown_size = size
        while stringWidth(text, font, shown_size) > avail and shown_size > max(size * 0.75, min(size, 7.5)):  # never below 7.5 pt
            shown_size -= 0.25
        c.setFont(font, shown_size)
        c.drawCentredString(x + width / 2, ty + size * 0.28, fit_text(text, font, shown_size, avail))
    c.setStrokeColor(black)
    c.setLineWidth(style.thick)
    c.line(x, y - style.thick / 2, x + width, y - style.thick / 2)
    y -= style.thick + 1.8
    c.setLineWidth(style.thin)
    c.line(x, y - style.thin / 2, x + width, y - style.thin / 2)
    return y - style.thin


def kop_key(kop: Kop) -> tuple[Kop, tuple[int, int] | None]:
    """What a kop's drawn text depends on: the kop and its logo's pixel size (the text
    is centred between the logo and its mirror; the logo file may change or break)."""
    logo = load_logo(kop.logo) if kop.logo else None
    return kop, (None if logo is None else logo.getSize())


def kop_bottom(kop: Kop, top: float, style: KopStyle = FULL) -> float:
    """The y :func:`draw_kop` returns for a kop whose top edge is at *top*, without drawing."""
    return top - kop_height(kop, style)


class KopFlowable(Flowable):
    """The kop as a platypus flowable spanning the frame width."""

    def __init__(self, kop: Kop, style: KopStyle = FULL) -> None:
        super().__init__()
        self.kop = kop
        self.style = style
        self.width = 0.0
        self.height = kop_height(kop, style)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        # the lines and rules are the same in every document: drawn once per process and
        # replayed where the document is in the same state (the first thing on page 1)
        kop, style, width, height = self.kop, self.style, self.width, self.height
        draw_fixed(self.canv, ("kop", kop_key(kop), style, width, height),
                   lambda c: draw_kop(c, kop, 0, height, width, style, part="text"))
        if kop.logo:
            draw_kop(self.canv, kop, 0, height, width, style, part="logo")


# --- boxes ----------------------------------------------------------------------------


def draw_checkbox(c: Canvas, x: float, y: float, size: float, checked: bool = False) -> None:
    """A square box with its lower-left corner at (x, y), ticked with a check mark."""
    draw_box(c, x, y, size)
    if checked:
        draw_tick(c, x, y, size)


def draw_box(c: Canvas, x: float, y: float, size: float) -> None:
    """The empty box of :func:`draw_checkbox`."""
    c.saveState()
    c.setStrokeColor(black)
    c.setLineWidth(0.7)
    c.rect(x, y, size, size, stroke=1, fill=0)
    c.restoreState()


def draw_tick(c: Canvas, x: float, y: float, size: float) -> None:
    """The check mark of :func:`draw_checkbox` (drawn over its box)."""
    c.saveState()
    c.setStrokeColor(black)
    c.setLineWidth(max(size * 0.14, 0.9))
    c.setLineCap(1)
    c.setLineJoin(1)
    p = c.beginPath()
    p.moveTo(x + size * 0.18, y + size * 0.52)
    p.lineTo(x + size * 0.42, y + size * 0.22)
    p.lineTo(x + size * 0.86, y + size * 0.84)
    c.drawPath(p, stroke=1, fill=0)
    c.restoreState()


def draw_label_value(
    c: Canvas, x: float, y: float, width: float, label: str, value: str,
    *, size: float = 8, label_w: float | None = None, bold: bool = False, part: str = "all",
) -> None:
    """'Label : value' on one baseline, the value truncated to the remaining width.

    *part* "label" draws the label and colon only, "value" the value only."""
    lw = label_w if label_w is not None else stringWidth(label, SANS, size) + 2
    if part != "value":
        c.setFont(SANS, size)
        c.setFillColor(black)
        c.drawString(x, y, label)
        c.drawString(x + lw, y, ":")
    if part == "label":
        return
    vx = x + lw + stringWidth(": ", SANS, size)
    font = SANS_BOLD if bold else SANS
    c.setFont(font, size)
    if part == "value":
        c.setFillColor(black)
    c.drawString(vx, y, fit_text(one_line(value, font), font, size, x + width - vx))


class ImageFlowable(Flowable):
    """An already-decoded image (see :func:`load_image`) at a fixed size."""

    def __init__(self, img: EncodedImage | ImageReader, width: float, height: float) -> None:
        super().__init__()
        self.img = img
        self.width = width
        self.height = height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.img, 0, 0, self.width, self.height)


def new_canvas(buf: io.BytesIO, pagesize: tuple[float, float], title: str, kop: Kop) -> Canvas:
    """A deterministic canvas (fixed dates and file id) with document information set."""
    c = Canvas(buf, pagesize=pagesize, invariant=1, pageCompression=1,
               initialFontName=SANS,  # type: ignore[arg-type]  # a font name; types-reportlab says float
               initialFontSize=9)
    info = doc_info(title, kop.instansi)
    c.setTitle(info["title"])
    c.setAuthor(info["author"])
    c.setCreator(info["creator"])
    c.setSubject(info["subject"])
    return c


def footer_canvas(left: str, page_width: float, margin_x: float, y: float) -> type[Canvas]:
    """A :class:`PagedCanvas` whose footer is a thin rule, *left* and "Halaman X dari Y" at
    height *y* (the register export, the recap)."""

    class _Footer(PagedCanvas):
        def furniture(self, number: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(GREY)
            self.setLineWidth(0.5)
            self.line(margin_x, y + 3.5 * mm, page_width - margin_x, y + 3.5 * mm)
            self.setFillColor(GREY)
            self.setFont(SANS, 7.5)
            self.drawString(margin_x, y, fit_text(left, SANS, 7.5, 120 * mm))
            self.setFillColor(black)
            self.setFont(SANS, 8)
            self.drawRightString(page_width - margin_x, y, f"Halaman {number} dari {total}")
            self.restoreState()

    return _Footer


def signature_block(cells: list[list[Any]], width: float, sign_w: float) -> KeepTogether:
    """The signature at the right of the page (place and date, jabatan, room to sign, name,
    NIP — *cells*, one flowable a row), kept together (the register export, the recap)."""
    inner = Table(cells, colWidths=[sign_w])
    inner.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    outer = Table([["", inner]], colWidths=[width - sign_w, sign_w])
    outer.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 8 * mm), outer])
