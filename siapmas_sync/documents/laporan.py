"""Laporan Hasil Tindak Lanjut: the AKD's follow-up report (SOP step 8's output,
*Hasil Laporan tindaklanjut*), recorded at TINDAK LANJUT → SELESAI.

One A4 document with the kop: the item (agenda number, dates, perihal, AKD), the report
text in full (wrapped, continued on further pages, never cut), the attachment link if
any, who recorded it and when, and the AKD's signature block (Mojokerto, the report's date;
Pimpinan <AKD>; a line to sign), kept whole. Drawn on the canvas like the other forms.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from siapmas_sync.documents.common import (
    SANS, SANS_BOLD, SERIF_BOLD, atomic_write_bytes, clean_text, one_line, redact, register_fonts, tanggal_id,
    waktu_id, wrap_lines,
)
from siapmas_sync.documents.drawing import FULL, draw_kop, new_canvas
from siapmas_sync.worddocs.text import lembaga as lembaga_of
from siapmas_sync.core.models import AgendaItem, Kop
from siapmas_sync.documents.lampiran import shown
from siapmas_sync.core.perihal import full_perihal

TITLE = "LAPORAN HASIL TINDAK LANJUT"


def lampiran_surat(laporan: object | None) -> str:
    """The surat balasan's *Lampiran* line: the Laporan Hasil Tindak Lanjut when one was
    recorded, else "" (the line is left out, in the PDF and in the Word copy alike)."""
    return "1 (satu) berkas Laporan Hasil Tindak Lanjut" if laporan is not None else ""


@dataclass(frozen=True)
class Laporan:
    """What the AKD reported (from the ledger)."""

    text: str
    lampiran: str = ""
    oleh: str = ""
    akd: tuple[str, ...] = ()
    at: datetime | None = None


def render_laporan(item: AgendaItem, kop: Kop, laporan: Laporan, path: Path) -> Path:
    """Render the report of *item* to *path* (A4); return *path*."""
    register_fonts()
    buf = io.BytesIO()
    page_w, page_h = A4
    mx, my = 20 * mm, 16 * mm
    width = page_w - 2 * mx
    size, lead = 10.0, 13.5
    c = new_canvas(buf, A4, f"Laporan Hasil Tindak Lanjut {item.agenda_no}", kop)
    y = draw_kop(c, kop, mx, page_h - my, width, FULL)
    y -= 12 * mm
    c.setFont(SERIF_BOLD, 14)
    c.drawCentredString(page_w / 2, y, TITLE)
    y -= 10 * mm

    def new_page() -> float:
        c.showPage()
        c.setFont(SANS, 8.5)
        c.drawString(mx, page_h - my, f"{TITLE} · {one_line(item.agenda_no)} (lanjutan)")
        return page_h - my - 10 * mm

    def line(text: str, font: str = SANS, x: float = mx) -> None:
        nonlocal y
        if y < my + lead:
            y = new_page()
        c.setFont(font, size)
        c.drawString(x, y, text)
        y -= lead

    label_w = 42 * mm
    rows = [
        ("Nomor Agenda", item.agenda_no),
        ("Diterima", waktu_id(item.submission.received_at)),
        ("Perihal", redact(full_perihal(item.perihal, item.submission.kronologi), item, item.rahasia)),
        ("Ditindaklanjuti oleh", ", ".join(laporan.akd) or "-"),
        ("Dilaporkan", (waktu_id(laporan.at) if laporan.at else "-") + (f" oleh {laporan.oleh}" if laporan.oleh else "")),
    ]
    for label, value in rows:
        lines = wrap_lines(one_line(value) or "-", SANS, size, width - label_w, 10_000)
        c.setFont(SANS, size)
        if y < my + lead:
            y = new_page()
        c.drawString(mx, y, label)
        c.drawString(mx + label_w - 8, y, ":")
        for ln in lines:
            line(ln, SANS, mx + label_w)
    y -= lead * 0.6
    line("Hasil tindak lanjut:", SANS_BOLD)
    body = redact(clean_text(laporan.text), item, item.rahasia)
    for part in body.split("\n"):
        for ln in wrap_lines(one_line(part), SANS, size, width, 10_000) or [""]:
            line(ln)
    if laporan.lampiran:
        y -= lead * 0.6
        line("Lampiran:", SANS_BOLD)
        for ln in wrap_lines(one_line(shown(laporan.lampiran)), SANS, size, width, 10_000):
            line(ln)
    # the AKD signs its report: the block is kept whole (a new page when it does not fit)
    akd = ", ".join(laporan.akd) or "Alat Kelengkapan DPRD"
    block = [f"Mojokerto, {tanggal_id(laporan.at) if laporan.at else '....................'}",
             f"Pimpinan {akd}", lembaga_of(kop), "", "", "", "(" + "." * 45 + ")"]
    y -= lead
    if y - lead * len(block) < my:
        y = new_page()
    sx = mx + width * 0.5
    for ln in block:
        for part in wrap_lines(one_line(ln), SANS, size, width * 0.5, 10_000) or [""]:
            line(part, SANS, sx)
    c.showPage()
    c.save()
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path
