"""Kartu Kendali (masuk): the 10 × 15 cm incoming control card, in three coloured copies.

Page 1 is the white copy (arsip/kontrol), page 2 yellow (bukti terima), page 3 red
(pengarah). Each page carries a band in its copy's colour with the copy label, a compact
kop and the card's grid: Indeks · Kode · No. Urut · M/K; Isi Ringkas; Lampiran;
Dari · Kepada; Tanggal Surat · Nomor Surat · Pengolah; Tgl Diteruskan · Paraf/Tanda
Terima (left blank for handwriting); Catatan.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.colors import Color, black, white
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from siapmas_sync.documents.common import (
    SANS, SANS_BOLD, SANS_ITALIC, SERIF_BOLD, atomic_write_bytes, fit_text, one_line,
    register_fonts, wrap_lines,
)
from siapmas_sync.documents.drawing import GREY, MINI, draw_kop, kop_bottom, kop_key, new_canvas
from siapmas_sync.documents.kartu import JUDUL, KartuConfig, kartu_fields, kepada_dari_kop
from siapmas_sync.documents.layers import BLANK_ITEM, draw_fixed
from siapmas_sync.core.models import AgendaItem, Kop

PAGE = (150 * mm, 100 * mm)
MARGIN = 5 * mm

#: (label, band fill, band text colour)
COPIES: tuple[tuple[str, Color, Color], ...] = (
    ("Lembar 1 – Putih: Arsip/Kontrol", Color(1, 1, 1), black),
    ("Lembar 2 – Kuning: Bukti Terima", Color(0.98, 0.84, 0.1), black),
    ("Lembar 3 – Merah: Pengarah", Color(0.78, 0.16, 0.16), white),
)

#: the form (PDF XObject) holding the card below the band, shown on each copy's page
_CARD = "kartu"

LABEL_SIZE = 7.5  # nothing an official must read below 7.5 pt
VALUE_SIZE = 8.5


def kepada(kop: Kop) -> str:
    """'Sekretariat DPRD Kab. Mojokerto' from the kop's instansi line (see documents.kartu)."""
    return kepada_dari_kop(kop)


def _cell(c: Canvas, x: float, top: float, w: float, h: float, label: str, value: str = "",
          *, bold: bool = False, lines: int = 1, fixed: bool) -> None:
    """A grid cell: border, small label at the top (*fixed*), else the value below it
    (wrapped to *lines*)."""
    pad = 1.3 * mm
    if fixed:
        c.setStrokeColor(black)
        c.setLineWidth(0.5)
        c.rect(x, top - h, w, h, stroke=1, fill=0)
        c.setFillColor(GREY)
        c.setFont(SANS, LABEL_SIZE)
        c.drawString(x + pad, top - pad - LABEL_SIZE * 0.8, fit_text(label, SANS, LABEL_SIZE, w - 2 * pad))
        return
    if not value:
        return
    font = SANS_BOLD if bold else SANS
    c.setFillColor(black)
    c.setFont(font, VALUE_SIZE)
    y = top - pad - LABEL_SIZE - VALUE_SIZE * 1.05
    for line in wrap_lines(one_line(value, font), font, VALUE_SIZE, w - 2 * pad, lines):
        c.drawString(x + pad, y, line)
        y -= VALUE_SIZE * 1.2


_BAND_H = 5.5 * mm


def _band(c: Canvas, x: float, top: float, w: float, label: str, fill: Color, ink: Color, copy: int) -> float:
    h = _BAND_H
    c.setFillColor(fill)
    c.setStrokeColor(black)
    c.setLineWidth(0.6)
    c.rect(x, top - h, w, h, stroke=1, fill=1)
    c.setFillColor(ink)
    c.setFont(SANS_BOLD, 8)
    c.drawString(x + 2 * mm, top - h / 2 - 2.8, label)
    c.setFont(SANS_BOLD, 9)
    c.drawRightString(x + w - 2 * mm, top - h / 2 - 3.1, f"{copy}/3")
    c.setFillColor(black)
    return top - h


def _card(c: Canvas, item: AgendaItem, kop: Kop, top: float, fixed: bool,
          cfg: KartuConfig | None = None, diteruskan_ke: str = "", tgl_diteruskan: str = "") -> None:
    """Everything below the copy band (the same on all three copies): with *fixed* what is
    the same on every item's card (called with a blank item), else the rest."""
    pw, _ = PAGE
    x, w = MARGIN, pw - 2 * MARGIN
    if fixed:
        draw_kop(c, kop, x, top - 1.5 * mm, w, MINI, part="text")
    elif kop.logo:
        draw_kop(c, kop, x, top - 1.5 * mm, w, MINI, part="logo")
    top = kop_bottom(kop, top - 1.5 * mm, MINI)
    if fixed:
        c.setFont(SERIF_BOLD, 9.5)
        c.drawCentredString(pw / 2, top - 4.2 * mm, JUDUL)
    top -= 6 * mm
    k = kartu_fields(item, kop, cfg, diteruskan_ke=diteruskan_ke, tgl_diteruskan=tgl_diteruskan)
    isi, lanjutan = _split_isi(k.isi_ringkas, w * 0.74 - 2 * 1.3 * mm)

    def row(h: float, cells: list[tuple[float, str, str, bool, int]]) -> None:
        nonlocal top
        cx = x
        for frac, lab, val, bold, lines in cells:
            cw = w * frac
            _cell(c, cx, top, cw, h, lab, val, bold=bold, lines=lines, fixed=fixed)
            cx += cw
        top -= h

    row(9 * mm, [(0.27, "Indeks", k.indeks, True, 1), (0.22, "Kode", k.kode, True, 1),
                 (0.39, "No. Urut", k.no_urut, True, 1), (0.12, "M/K", "M", True, 1)])
    row(12 * mm, [(0.74, "Isi Ringkas", isi, False, 2), (0.26, "Lampiran", k.lampiran, False, 2)])
    row(9 * mm, [(0.5, "Dari", k.dari, False, 1), (0.5, "Kepada", k.kepada, False, 1)])
    row(9 * mm, [(0.34, "Tanggal Surat", k.tanggal_surat, False, 1),
                 (0.33, "Nomor Surat", k.nomor_surat, False, 1), (0.33, "Pengolah", k.pengolah, False, 1)])
    row(10 * mm, [(0.4, "Tgl Diteruskan", k.tgl_diteruskan, False, 1), (0.6, "Paraf/Tanda Terima", "", False, 1)])
    h = top - MARGIN
    _cell(c, x, top, w, h, "Catatan", fixed=fixed)
    if not fixed and k.usulan:
        size = 7.5
        c.setFont(SANS_ITALIC, size)
        c.setFillColor(GREY)
        nx = x + 1.3 * mm + stringWidth("Catatan", SANS, LABEL_SIZE) + 2 * mm
        c.drawString(nx, top - 1.3 * mm - LABEL_SIZE * 0.8, fit_text(k.usulan, SANS_ITALIC, size, x + w - nx - 1.3 * mm))
        c.setFillColor(black)
    if not fixed and lanjutan:  # the rest of Isi Ringkas, whole, under the Catatan label
        c.setFont(SANS, LABEL_SIZE)
        y = top - 1.3 * mm - LABEL_SIZE * 0.8 - LABEL_SIZE * 1.3
        for line in wrap_lines("Isi Ringkas (lanjutan): " + lanjutan, SANS, LABEL_SIZE, w - 2.6 * mm, 10_000):
            c.drawString(x + 1.3 * mm, y, line)
            y -= LABEL_SIZE * 1.2


#: the end of Isi Ringkas when the rest continues in Catatan
LANJUT = "(lanjut di Catatan)"


def _split_isi(text: str, width: float) -> tuple[str, str]:
    """Isi Ringkas as two lines of the card, and the rest ("" when it fits): never cut."""
    lines = wrap_lines(text, SANS, VALUE_SIZE, width, 10_000)
    if len(lines) <= 2:
        return text, ""
    words = text.split()
    used = len(lines[0].split())
    second: list[str] = []
    for word in words[used:]:
        if stringWidth(" ".join([*second, word, LANJUT]), SANS, VALUE_SIZE) > width:
            break
        second.append(word)
    rest = words[used + len(second):]
    return " ".join([lines[0], *second, LANJUT]), " ".join(rest)


def render_kartu_kendali(item: AgendaItem, kop: Kop, path: Path, *, cfg: KartuConfig | None = None,
                         diteruskan_ke: str = "", tgl_diteruskan: str = "") -> Path:
    """Render the three-copy Kartu Kendali (15 × 10 cm pages) of *item* to *path*
    (fields from documents.kartu, as the Word copy)."""
    register_fonts()
    buf = io.BytesIO()
    c = new_canvas(buf, PAGE, f"Kartu Kendali {item.agenda_no}", kop)
    # the card is drawn once, as a form every copy shows; its fixed parts (kop, grid,
    # labels) are drawn once per process and replayed (see layers.py), then the values
    top = PAGE[1] - MARGIN - _BAND_H
    c.beginForm(_CARD)
    draw_fixed(c, ("kendali", kop_key(kop)), lambda cc: _card(cc, BLANK_ITEM, kop, top, fixed=True))
    _card(c, item, kop, top, fixed=False, cfg=cfg, diteruskan_ke=diteruskan_ke, tgl_diteruskan=tgl_diteruskan)
    c.endForm()
    for copy in (1, 2, 3):
        label, fill, ink = COPIES[copy - 1]
        _band(c, MARGIN, PAGE[1] - MARGIN, PAGE[0] - 2 * MARGIN, label, fill, ink, copy)
        c.doForm(_CARD)
        c.showPage()
    c.save()
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path
