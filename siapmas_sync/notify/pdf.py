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
from ..core.models import Kop

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


#: the values of the Word copy's context (worddocs.balasan, template_context) the PDF letter
#: is drawn from: one source for both, kept beside the PDF as surat-balasan.json
LETTER_KEYS = ("nomor_balasan", "tanggal_balasan", "lampiran_surat", "kepada_surat", "diterima", "agenda_no",
               "perihal", "tujuan", "tindak_lanjut", "lembaga", "tembusan", "penandatangan", "draf")


def surat_balasan_pdf(kop: Kop, letter: dict) -> bytes:
    """The Surat Balasan as an official letter, from the Word copy's own values (*letter*:
    :data:`LETTER_KEYS`): Nomor · Sifat · Lampiran · Perihal, "Kepada Yth. … di – Tempat",
    the same paragraphs as the shipped surat_balasan.docx, the signature and Tembusan.
    A draft (not yet approved) says so across its head."""
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=True)
    c.setTitle(f"Surat Balasan {letter.get('agenda_no', '')}")
    size, lead = 10.5, 10.5 * 1.45
    bottom = 22 * mm
    y = _kop(c, kop)

    def text(x: float, yy: float, value: str, font: str = SANS) -> None:
        c.setFont(font, size)
        c.drawString(x, yy, clean_text(value, font, multiline=False))

    def room(yy: float, need: float) -> float:
        if yy - need >= bottom:
            return yy
        c.showPage()
        return _H - 25 * mm

    if letter.get("draf"):
        c.setFont(SANS_BOLD, 11)
        c.setFillColorRGB(0.75, 0.1, 0.1)
        c.drawCentredString(_W / 2, y + 4 * mm, "DRAF — belum disetujui; nomor dan tanggal diberikan saat disetujui")
        c.setFillColorRGB(0, 0, 0)
        y -= 4 * mm
    text(_W / 2 + 20 * mm, y, f"Mojokerto, {letter['tanggal_balasan']}")
    y -= lead * 1.5
    rows = [("Nomor", letter["nomor_balasan"]), ("Sifat", "Biasa")]
    if letter.get("lampiran_surat"):
        rows.append(("Lampiran", letter["lampiran_surat"]))
    rows.append(("Perihal", "Tindak Lanjut Aspirasi/Pengaduan"))
    colon = _LEFT + 22 * mm
    top = y
    for label, value in rows:
        text(_LEFT, y, label)
        text(colon, y, ":")
        for line in wrap_lines(clean_text(value), SANS, size, _W / 2 + 5 * mm - colon, 3) or [""]:
            text(colon + 4 * mm, y, line)
            y -= lead
    right, y2 = _W / 2 + 15 * mm, top  # the addressee beside the heading, as in the Word copy
    for line in ("Kepada", f"Yth. {letter['kepada_surat']}", "di –", "Tempat"):
        for part in wrap_lines(clean_text(line), SANS, size, _W - 25 * mm - right, 3) or [""]:
            text(right + (8 * mm if line == "Tempat" else 0), y2, part)
            y2 -= lead
    y = min(y, y2) - lead * 0.5
    paragraphs = [
        "Dengan hormat,",
        "Menindaklanjuti aspirasi/pengaduan Saudara yang kami terima melalui SIAPMAS (Sistem Informasi Aspirasi "
        f"dan Pengaduan Masyarakat) pada tanggal {letter['diterima']} dan telah dicatat dalam Buku Agenda Surat "
        f"Masuk dengan Nomor Agenda {letter['agenda_no']} perihal “{letter['perihal']}”, bersama ini kami "
        "sampaikan bahwa aspirasi/pengaduan tersebut telah diteruskan kepada dan ditindaklanjuti oleh "
        f"{letter['tujuan']}.",
        "Adapun tindak lanjut yang telah dilakukan adalah sebagai berikut:",
        letter["tindak_lanjut"],
        "Demikian kami sampaikan. Atas perhatian dan partisipasi Saudara dalam menyampaikan aspirasi kepada "
        f"{letter['lembaga']}, kami ucapkan terima kasih.",
    ]
    for para in paragraphs:
        for chunk in clean_text(para).split("\n"):
            for line in wrap_lines(chunk, SANS, size, _WIDTH, 10_000) or [""]:
                y = room(y, lead)
                text(_LEFT, y, line)
                y -= lead
        y -= size * 0.6
    ttd = letter.get("penandatangan") or {}
    sign = [f"{ttd.get('jabatan', '')},", "", "", "", ttd.get("nama", ""), ttd.get("pangkat", ""),
            f"NIP. {ttd.get('nip', '')}"]
    y = room(y - lead, lead * len(sign))
    for line in sign:
        if line:
            for part in wrap_lines(clean_text(line), SANS, size, _W / 2 - 25 * mm, 3):
                text(_W / 2 + 10 * mm, y, part, SANS_BOLD if line == ttd.get("nama") else SANS)
                y -= lead
        else:
            y -= lead
    tembusan = [f"{n}. {t}{'.' if n == len(letter['tembusan']) else ';'}" for n, t in enumerate(letter["tembusan"], 1)]
    y = room(y - lead, lead * (len(tembusan) + 1))
    text(_LEFT, y, "Tembusan Yth.:")
    y -= lead
    for line in tembusan:
        text(_LEFT, y, line)
        y -= lead
    c.setFont(SANS, 7.5)
    c.drawString(_LEFT, 12 * mm, clean_text(f"SIAPMAS · {letter['agenda_no']}", SANS, multiline=False))
    c.showPage()
    c.save()
    return buf.getvalue()


def render_surat_balasan(path: Path, kop: Kop, letter: dict) -> Path:
    """:func:`surat_balasan_pdf` written atomically to *path*, its values beside it as
    ``surat-balasan.json`` (the reporter's own copy of a rahasia item is drawn from it)."""
    import json

    atomic_write_bytes(path.with_suffix(".json"), json.dumps(letter, ensure_ascii=False).encode("utf-8"), mode=0o600)
    atomic_write_bytes(path, surat_balasan_pdf(kop, letter), mode=0o600)
    return path
