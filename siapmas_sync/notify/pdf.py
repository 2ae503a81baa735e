"""The attachments of replies: a one-page *Tanda Terima* and the *Surat Balasan* as PDF.

Simple reportlab letters under the configured kop (the Surat Balasan's editable Word
version stays docx_render's). Both address the reporter only: a rahasia item's letter
names nobody but the reporter, and quotes nothing but their own item.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..documents.common import SANS, SANS_BOLD, atomic_write_bytes, clean_text, register_fonts, tanggal_id, wrap_lines
from ..documents.drawing import FULL, draw_kop
from ..models import Kop

_W, _H = A4
_LEFT = 25 * mm
_WIDTH = _W - 50 * mm


def _kop(c: Canvas, kop: Kop) -> float:
    """The same kop (with its logo) as every other document of the secretariat."""
    return draw_kop(c, kop, _LEFT, _H - 16 * mm, _WIDTH, FULL) - 12 * mm


def _paragraphs(c: Canvas, y: float, paragraphs: list[str], size: float = 10.5) -> float:
    for para in paragraphs:
        for line in wrap_lines(clean_text(para), SANS, size, _WIDTH, 40) or [""]:
            c.setFont(SANS, size)
            c.drawString(_LEFT, y, line)
            y -= size * 1.45
        y -= size * 0.6
    return y


def _letter(title: str, kop: Kop, rows: list[tuple[str, str]], paragraphs: list[str], closing: list[str]) -> bytes:
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=True)
    c.setTitle(title)
    y = _kop(c, kop)
    c.setFont(SANS_BOLD, 13)
    c.drawCentredString(_W / 2, y, title.upper())
    y -= 12 * mm
    colon = c.stringWidth(": ", SANS, 10.5)
    for label, value in rows:
        c.setFont(SANS, 10.5)
        c.drawString(_LEFT, y, label)
        c.drawString(_LEFT + 45 * mm, y, ":")
        # the value wraps within the page's right margin, aligned after the colon
        for line in wrap_lines(clean_text(value), SANS, 10.5, _WIDTH - 45 * mm - colon, 6) or [""]:
            c.drawString(_LEFT + 45 * mm + colon, y, line)
            y -= 15
    y -= 6 * mm
    y = _paragraphs(c, y, paragraphs)
    y -= 4 * mm
    for line in closing:
        c.setFont(SANS, 10.5)
        c.drawString(_W / 2, y, clean_text(line, SANS, multiline=False))
        y -= 15
    c.showPage()
    c.save()
    return buf.getvalue()


def render_tanda_terima(kop: Kop, *, agenda_no: str, received: datetime, issued: datetime, perihal: str,
                        pelapor: str, next_steps: str, status_hint: str) -> bytes:
    """The one-page receipt attached to the tanda_terima message (kept in the message
    only: the item's folder holds the secretariat's documents). Dated *issued*, the day
    it is sent; *received* is printed as the Tanggal diterima."""
    return _letter(
        "Tanda Terima Aduan", kop,
        [("Nomor agenda", agenda_no), ("Tanggal diterima", tanggal_id(received)), ("Pelapor", pelapor),
         ("Perihal", perihal)],
        ["Aspirasi/pengaduan Saudara telah kami terima dan dicatat dalam Buku Agenda Sekretariat DPRD "
         "dengan nomor agenda tersebut di atas.", next_steps, status_hint,
         "Mohon sebutkan nomor agenda ini setiap kali menghubungi kami mengenai aduan ini."],
        [f"Mojokerto, {tanggal_id(issued)}", kop.instansi, "", "(dokumen elektronik, tanpa tanda tangan)"],
    )


def render_surat_balasan(path: Path, kop: Kop, *, agenda_no: str, tanggal: datetime, received: datetime,
                         perihal: str, kepada: str, tujuan: str, tindak_lanjut: str, penandatangan: dict[str, str],
                         lampiran: str = "") -> Path:
    """The Surat Balasan as PDF, beside its DOCX (rendering, kind "balasan"), written atomically.
    *lampiran*: what is attached (documents.laporan.lampiran_surat; "" leaves the line out)."""
    closing = [f"Mojokerto, {tanggal_id(tanggal)}", penandatangan.get("jabatan") or "Sekretaris DPRD", "", "",
               penandatangan.get("nama") or "", (f"NIP. {penandatangan['nip']}" if penandatangan.get("nip") else "")]
    data = _letter(
        "Surat Balasan", kop,
        [("Nomor agenda", agenda_no), *([("Lampiran", lampiran)] if lampiran else []),
         ("Perihal", f"Tindak lanjut aduan: {perihal}"), ("Kepada Yth.", kepada)],
        [f"Menindaklanjuti aspirasi/pengaduan Saudara yang kami terima pada {tanggal_id(received)} "
         f"dengan nomor agenda {agenda_no}" + (f" dan telah ditangani oleh {tujuan}" if tujuan else "")
         + ", dengan hormat kami sampaikan hasil tindak lanjutnya sebagai berikut:",
         tindak_lanjut or "(ringkasan tindak lanjut tidak dicatat)",
         "Demikian kami sampaikan. Atas perhatian dan partisipasi Saudara dalam pengawasan penyelenggaraan "
         "pemerintahan daerah, kami ucapkan terima kasih."],
        [line for line in closing if line is not None],
    )
    atomic_write_bytes(path, data, mode=0o600)
    return path
