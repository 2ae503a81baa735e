"""Lembar Aduan: the submission itself as a readable, paginated A4 printout (SOP step 1).

Contents: kop, title, agenda data, reporter identity (or "Dirahasiakan"), the full
chronology of any length, the evidence list with thumbnails for photos, extra form
columns, completeness findings and the (non-binding) routing suggestion. Every page
carries the agenda number and "Halaman X dari Y" in its footer.

One row cannot exhaust paper or CPU: runs of blank lines print as one gap, a long line
is laid out in pieces of at most :data:`PIECE` characters (reportlab re-wraps the rest
of a paragraph at every page break, so one huge paragraph costs quadratic time), and
free text stops at the page before ``max_pages`` (``[output] max_pages_aduan``) with a
note saying where the rest is: the full free text beside the PDF, in
:data:`FULL_TEXT_NAME` (a digital attachment, never printed).
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer,
    Table, TableStyle,
)

from siapmas_sync.documents.common import (
    PagedCanvas,
    HIDDEN, SANS, SANS_BOLD, SANS_ITALIC, SERIF_BOLD, atomic_write_bytes, clean_text,
    doc_info, fit_text, jenis_id, one_line, para_markup, redact, register_fonts, truncate,
    tanggal_id, telepon_id, ukuran_id, waktu_id,
)
from siapmas_sync.documents.drawing import (
    FULL, GREY, GRID, ImageFlowable, KopFlowable, fit_size, load_image,
)
from siapmas_sync.documents.flow import HeadingBar, KeyValueRows, OneLine, plain_line, plain_paragraph
from siapmas_sync.core.perihal import full_perihal
from siapmas_sync.core.unitext import shown
from siapmas_sync.core.models import KURANG, AgendaItem, Evidence, Finding, Kop

MARGIN = 20 * mm
TITLE = "LEMBAR ADUAN / ASPIRASI MASYARAKAT"
NO_IMAGE = "(gambar tidak dapat ditampilkan)"
THUMB_W = 6 * cm
THUMB_H = 6 * cm
HEADING_BG = Color(0.9, 0.9, 0.9)
#: the most characters laid out as one paragraph (a longer line continues in the next)
PIECE = 1500
#: the default page limit of one Lembar Aduan ([output] max_pages_aduan)
MAX_PAGES = 20
#: the digital attachment holding the free text a Lembar Aduan could not print
FULL_TEXT_NAME = "lembar-aduan-teks-lengkap.txt"

#: extra-column titles that carry personal data, hidden with the identity
_IDENTITY_TITLE = re.compile(
    r"nama|alamat|\bnik\b|\bktp\b|telp|telepon|\bhp\b|\bwa\b|whatsapp|e-?mail|surel|kontak",
    re.IGNORECASE,
)


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles (made once per process; platypus never changes them)."""
    base = ParagraphStyle("body", fontName=SANS, fontSize=9.5, leading=13.2)
    return {
        "body": base,
        "long": ParagraphStyle("long", parent=base),  # free text: the page limit cuts it (_LimitedDoc)
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=9.8),
        "cellb": ParagraphStyle("cellb", parent=base, fontName=SANS_BOLD, fontSize=8, leading=9.8),
        "label": ParagraphStyle("label", parent=base, fontSize=9.5, leading=12.5),
        "value": ParagraphStyle("value", parent=base, fontSize=9.5, leading=12.5),
        "valueb": ParagraphStyle("valueb", parent=base, fontName=SANS_BOLD, fontSize=9.5, leading=12.5),
        "title": ParagraphStyle(
            "title", fontName=SERIF_BOLD, fontSize=13.5, leading=17, alignment=TA_CENTER,
            spaceBefore=8, spaceAfter=1,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=SANS, fontSize=8, leading=10, alignment=TA_CENTER,
            textColor=GREY, spaceAfter=8,
        ),
        "heading": ParagraphStyle("heading", fontName=SANS_BOLD, fontSize=10, leading=12.5),
        "note": ParagraphStyle("note", parent=base, fontName=SANS_ITALIC, fontSize=8, leading=10, textColor=GREY),
        "caption": ParagraphStyle("caption", parent=base, fontSize=7.5, leading=9, alignment=TA_CENTER),
    }


def _p(text: object, style: ParagraphStyle, font: str | None = None) -> Paragraph | OneLine:
    """A value of a label/value block."""
    return plain_line(clean_text(text, font or style.fontName), style)


class _Sections:
    """Section headings lettered A, B, C, … in the order they are added."""

    def __init__(self, st: dict[str, ParagraphStyle]) -> None:
        self.st = st
        self.count = 0

    def heading(self, title: str) -> Flowable:
        letter = chr(ord("A") + self.count)
        self.count += 1
        bar = HeadingBar(plain_line(f"{letter}. {title}", self.st["heading"]), HEADING_BG)
        bar.spaceBefore = 10
        bar.spaceAfter = 5
        bar.keepWithNext = True  # never strand a heading at the foot of a page
        return bar


def _kv_table(rows: list[tuple[str, Any]], st: dict[str, ParagraphStyle], label_w: float = 4.2 * cm) -> Flowable:
    colon = st["label"]
    return KeyValueRows(
        [(plain_line(label, colon), plain_line(":", colon), value) for label, value in rows],
        (label_w, 0.35 * cm),
    )


class _Gap(Spacer):
    """The gap a run of blank lines of free text prints as (cut with the text)."""


def _pieces(line: str) -> list[str]:
    """*line* in pieces of at most PIECE characters, cut after a sentence or a word when possible."""
    out: list[str] = []
    while len(line) > PIECE:
        cut = line.rfind(". ", PIECE // 2, PIECE)
        cut = cut + 1 if cut > 0 else line.rfind(" ", PIECE // 2, PIECE)
        cut = cut if cut > 0 else PIECE
        out.append(line[:cut].strip())
        line = line[cut:].lstrip()
    return out + [line] if line else out


def _long_text(text: str, st: ParagraphStyle, empty: str, note: ParagraphStyle) -> list[Flowable]:
    """Free text of any length: one Paragraph per line (a long line in pieces) so it
    paginates in linear time; a run of blank lines is one gap. *st* must be the free-text
    style ``st["long"]``: the page limit recognises free text by it."""
    clean = clean_text(text, st.fontName).strip("\n")
    if not clean.strip():
        return [plain_paragraph(empty, note)]
    out: list[Flowable] = []
    for line in clean.split("\n"):
        if line.strip():
            out += [plain_paragraph(piece, st) for piece in _pieces(line)]
        elif not isinstance(out[-1], _Gap):
            out.append(_Gap(1, st.leading * 0.6))
    return out


class _LimitedDoc(BaseDocTemplate):
    """A document whose free text (``style`` *long*, and its gaps) stops at the page
    before *max_pages*: each remaining run of it becomes one *note* paragraph."""

    def __init__(self, buf: Any, *, long: ParagraphStyle, note: Flowable, max_pages: int, **kw: Any) -> None:
        super().__init__(buf, **kw)
        self._long, self._note, self._last = long, note, max(max_pages - 1, 1)
        self.cut = False

    def _is_long(self, f: Flowable) -> bool:
        return isinstance(f, _Gap) or (isinstance(f, Paragraph) and f.style is self._long)

    def filterFlowables(self, flowables: list[Flowable]) -> None:  # noqa: N802 - platypus API
        if self.page < self._last or not flowables or not self._is_long(flowables[0]):
            return
        n = 1
        while n < len(flowables) and self._is_long(flowables[n]):
            n += 1
        flowables[:n] = [self._note]
        self.cut = True


# --- sections -------------------------------------------------------------------------


def _header(item: AgendaItem, st: dict[str, ParagraphStyle], hide: bool) -> list[Flowable]:
    sub = item.submission
    perihal = truncate(one_line(redact(full_perihal(item.perihal, item.submission.kronologi), item, hide)), 600) or "-"
    rows: list[tuple[str, Any]] = [
        ("No. Agenda", _p(item.agenda_no, st["valueb"])),
        ("Diterima", _p(waktu_id(sub.received_at), st["value"])),
    ]
    if item.registered_at is not None:
        rows.append(("Diregistrasi", _p(waktu_id(item.registered_at), st["value"])))
    rows += [
        ("Kode Klasifikasi", _p(item.kode_klasifikasi or "-", st["value"])),
        ("Sifat", _p(item.sifat or "-", st["value"])),
        ("Perihal", _p(perihal, st["valueb"])),
    ]
    return [
        plain_paragraph(TITLE, st["title"]),
        plain_paragraph("SIAPMAS – Sistem Informasi Aspirasi dan Pengaduan Masyarakat", st["subtitle"]),
        _kv_table(rows, st),
    ]


def _identitas(item: AgendaItem, st: dict[str, ParagraphStyle], sec: _Sections, hide: bool) -> list[Flowable]:
    sub = item.submission
    if hide:
        rows = [("Nama", HIDDEN), ("No. Telp/WA", HIDDEN), ("E-mail", HIDDEN)]
    else:
        rows = [
            ("Nama", truncate(one_line(sub.nama), 200) or "(tanpa nama)"),
            ("No. Telp/WA", truncate(one_line(telepon_id(sub.telepon)), 100) or "-"),
            ("E-mail", truncate(one_line(sub.email), 200) or "-"),
        ]
        pengumpul = one_line(sub.email_pengumpul)
        if pengumpul and pengumpul.lower() != one_line(sub.email).lower():
            rows.append(("E-mail akun pengirim", truncate(pengumpul, 200)))
    out: list[Flowable] = [
        sec.heading("Identitas Pelapor"),
        _kv_table([(k, _p(v, st["value"])) for k, v in rows], st),
    ]
    if hide:
        out.append(plain_paragraph(
            "Identitas pelapor dirahasiakan (perlindungan pelapor, Perpres 76/2013; UU 27/2022 PDP).",
            st["note"],
        ))
    return out


def _kronologi(item: AgendaItem, st: dict[str, ParagraphStyle], sec: _Sections, hide: bool) -> list[Flowable]:
    text = redact(item.submission.kronologi or "", item, hide)
    out = [sec.heading("Kronologi, Waktu dan Tempat")] + _long_text(text, st["long"], "(tidak diisi)", st["note"])
    for a in item.tambahan:  # kelengkapan from the reporter: dated, after the original (cycle/tambahan.py)
        head = Paragraph(f"<b>Tambahan {tanggal_id(a.received_at)}</b> (kelengkapan dari pelapor)", st["body"])
        block: list[Flowable] = [Spacer(1, 5), head]
        block += _long_text(redact(a.kronologi or "", item, hide), st["long"], "(tanpa kronologi tambahan)", st["note"])
        for title, value in a.extra:
            if str(value or "").strip():
                label = truncate(one_line(title, SANS_BOLD), 200) or "(tanpa judul)"
                shown = HIDDEN if hide and _IDENTITY_TITLE.search(label) else redact(str(value), item, hide)
                block.append(plain_paragraph(f"{label}: {one_line(shown)}", st["body"]))
        out.append(KeepTogether(block[:4]))
        out += block[4:]
    return out


def _cell(text: str, st: ParagraphStyle, limit: int) -> Paragraph:
    return plain_paragraph(truncate(one_line(text, st.fontName), limit), st)


def _thumb_cell(no: int, ev: Evidence, name: str, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    img = load_image(ev.local_path, max_px=720)
    caption = plain_paragraph(clean_text(f"Bukti {no}: {truncate(name, 80)}"), st["caption"])
    if img is None:
        box = Table([[plain_paragraph(NO_IMAGE, st["note"])]], colWidths=[THUMB_W], rowHeights=[2.2 * cm])
        box.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), SANS),
            ("BOX", (0, 0), (-1, -1), 0.5, GREY),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        return [box, Spacer(1, 2), caption]
    w, h = fit_size(img, THUMB_W, THUMB_H)
    return [ImageFlowable(img, w, h), Spacer(1, 2), caption]


def _bukti(item: AgendaItem, st: dict[str, ParagraphStyle], sec: _Sections, hide: bool) -> list[Flowable]:
    out: list[Flowable] = [sec.heading("Bukti Dukung")]
    if not item.evidence:
        urls = item.submission.bukti_urls
        msg = "Tidak ada bukti dukung yang dilampirkan." if not urls else "Bukti dukung belum diperiksa."
        return out + [plain_paragraph(msg, st["body"])]
    head = ["No", "Nama berkas", "Ukuran", "Jenis", "Tautan", "Status"]
    data: list[list[Any]] = [[plain_paragraph(h, st["cellb"]) for h in head]]
    thumbs: list[list[Flowable]] = []
    for no, ev in enumerate(item.evidence, 1):
        name = redact(one_line(ev.name or ""), item, hide) or "-"
        data.append([
            plain_paragraph(str(no), st["cell"]),
            _cell(name, st["cell"], 160),
            plain_paragraph(ukuran_id(ev.size) if ev.found else "-", st["cell"]),
            _cell(jenis_id(ev.mime), st["cell"], 60),
            _cell(ev.url or "-", st["cell"], 300),
            plain_paragraph("Ditemukan", st["cell"]) if ev.found else Paragraph("<b>Tidak ditemukan</b>", st["cell"]),
        ])
        if ev.is_image and ev.local_path is not None:
            thumbs.append(_thumb_cell(no, ev, name, st))
    table = Table(
        data, colWidths=[0.8 * cm, 4.4 * cm, 1.7 * cm, 2.2 * cm, 5.4 * cm, 2.5 * cm],
        repeatRows=1, hAlign="LEFT",
    )
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADING_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    out.append(table)
    if thumbs:
        rows: list[Table] = []
        for i in range(0, len(thumbs), 2):
            pair: list[Any] = thumbs[i:i + 2] + ([[]] if i + 1 >= len(thumbs) else [])
            row = Table([pair], colWidths=[8.5 * cm, 8.5 * cm], hAlign="LEFT")
            row.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), SANS),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]))
            rows.append(row)
        label = Paragraph("<b>Pratinjau foto</b>", st["small"])
        out.append(KeepTogether([Spacer(1, 8), label, Spacer(1, 4), rows[0]]))
        out += rows[1:]
    return out


def _keep_headings(story: list[Flowable]) -> list[Flowable]:
    """A heading (keepWithNext) followed by a KeepTogether block goes into that block:
    reportlab's keepWithNext does not join a container, so "D. Data Tambahan" could be
    left alone at the foot of a page."""
    out: list[Flowable] = []
    i = 0
    while i < len(story):
        f = story[i]
        if getattr(f, "keepWithNext", False) and i + 1 < len(story) and isinstance(story[i + 1], KeepTogether):
            out.append(KeepTogether([f, *story[i + 1]._content]))  # type: ignore[attr-defined]  # KeepTogether's flowables; absent from types-reportlab
            i += 2
            continue
        out.append(f)
        i += 1
    return out


def _tambahan(item: AgendaItem, st: dict[str, ParagraphStyle], sec: _Sections, hide: bool) -> list[Flowable]:
    extra = [(t, v) for t, v in item.submission.extra if str(t or "").strip() or str(v or "").strip()]
    if not extra:
        return []
    out: list[Flowable] = [sec.heading("Data Tambahan")]
    for title, value in extra:
        label = truncate(one_line(title, SANS_BOLD), 200) or "(tanpa judul)"
        if hide and _IDENTITY_TITLE.search(label):
            value = HIDDEN
        block: list[Flowable] = [plain_paragraph(label, st["cellb"])]
        block += _long_text(redact(str(value or ""), item, hide), st["long"], "-", st["note"])
        out.append(KeepTogether(block[:3]))
        out += block[3:]
        out.append(Spacer(1, 4))
    return out


def _findings(item: AgendaItem) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for f in (*item.submission.findings, *item.findings):
        if (f.code, f.message) not in seen:
            seen.add((f.code, f.message))
            out.append(f)
    return out


def _kelengkapan(item: AgendaItem, st: dict[str, ParagraphStyle], sec: _Sections, hide: bool) -> list[Flowable]:
    findings = _findings(item)
    out: list[Flowable] = [sec.heading("Hasil Pemeriksaan Kelengkapan")]
    if not findings:
        return out + [Paragraph("<b>Lengkap</b> — tidak ada kekurangan yang ditemukan.", st["body"])]
    kurang = any(f.severity == KURANG for f in findings)
    status = "<b>Belum lengkap</b> — perlu kelengkapan dari pelapor." if kurang else "<b>Lengkap</b> (dengan catatan)."
    out.append(Paragraph(status, st["body"]))
    for f in findings:
        tag = "Kurang" if f.severity == KURANG else "Catatan"
        msg = truncate(one_line(redact(f.message, item, hide)), 500)
        out.append(Paragraph(f"• <b>{tag}:</b> {para_markup(msg)}", st["body"]))
    return out


def _usulan(item: AgendaItem, st: dict[str, ParagraphStyle], sec: _Sections) -> list[Flowable]:
    r = item.routing
    rows: list[tuple[str, Any]] = [("Tujuan", _p(r.label or r.tujuan or "-", st["valueb"]))]
    words = ", ".join(one_line(w) for w in r.matched if one_line(w))
    rows.append(("Kata kunci cocok", _p(truncate(words, 400) or "-", st["value"])))
    if r.alasan:
        rows.append(("Keterangan", _p(truncate(one_line(r.alasan), 400), st["value"])))
    # the last section moves to the next page whole: a page never holds only its closing note
    return [KeepTogether([
        sec.heading("Usulan Tujuan (saran sistem, bukan keputusan)"),
        _kv_table(rows, st),
        Spacer(1, 2),
        plain_paragraph(
            "Usulan ini dihasilkan otomatis dari isi aduan. Tujuan tindak lanjut ditetapkan "
            "melalui disposisi pimpinan.", st["note"],
        ),
    ])]


# --- page furniture -------------------------------------------------------------------


def _canvas_class(agenda_no: str) -> type[Canvas]:
    """A canvas that defers page output so every footer can say 'Halaman X dari Y'."""
    agenda = one_line(agenda_no, SANS)

    class _NumberedCanvas(PagedCanvas):
        def furniture(self, number: int, total: int) -> None:
            width, _ = A4
            self.saveState()
            self.setStrokeColor(GREY)
            self.setLineWidth(0.5)
            self.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
            self.setFillColor(black)
            self.setFont(SANS, 8)
            self.drawString(MARGIN, 10 * mm, fit_text(f"No. Agenda: {agenda}", SANS, 8, 9 * cm))
            self.drawRightString(width - MARGIN, 10 * mm, f"Halaman {number} dari {total}")
            self.setFillColor(GREY)
            self.setFont(SANS, 7.5)  # nothing an official reads below 7.5 pt
            self.drawCentredString(width / 2, 10 * mm, "Lembar Aduan")
            if number > 1:
                top = A4[1] - 12 * mm
                self.drawString(MARGIN, top, fit_text(f"Lembar Aduan · No. Agenda {agenda}", SANS, 7.5, 12 * cm))
                self.drawRightString(width - MARGIN, top, "lanjutan")
                self.line(MARGIN, top - 2.5 * mm, width - MARGIN, top - 2.5 * mm)
            self.restoreState()

    return _NumberedCanvas


# --- entry point ----------------------------------------------------------------------


def _full_text(item: AgendaItem, hide: bool) -> str:
    """The free text of *item* as the attachment holds it (redacted like the paper)."""
    parts = [f"Lembar Aduan No. Agenda {item.agenda_no} — teks lengkap (lampiran digital)", "",
             "Kronologi, Waktu dan Tempat:", redact(item.submission.kronologi or "", item, hide)]
    for title, value in item.submission.extra:
        if hide and _IDENTITY_TITLE.search(str(title)):
            value = HIDDEN
        parts += ["", f"{title}:", redact(str(value or ""), item, hide)]
    return shown("\n".join(parts)) + "\n"


def render_lembar_aduan(item: AgendaItem, kop: Kop, path: Path, *, show_identity: bool = True,
                        max_pages: int = MAX_PAGES) -> Path:
    """Render the Lembar Aduan of *item* to *path* (A4, paginated); return *path*.

    The reporter's name, phone and e-mail are replaced by "Dirahasiakan" (and removed
    from free text) when ``item.rahasia`` is set or *show_identity* is False. Free text
    that would run past *max_pages* is not printed; it is written in full beside the PDF
    (FULL_TEXT_NAME, or ``<name>-teks-lengkap.txt`` for another file name) and the page
    says so.
    """
    register_fonts()
    hide = item.rahasia or not show_identity
    st = _styles()
    sec = _Sections(st)
    buf = io.BytesIO()
    path = Path(path)
    attachment = path.with_name(FULL_TEXT_NAME if path.name == "lembar-aduan.pdf" else f"{path.stem}-teks-lengkap.txt")
    note = Paragraph(
        f"<b>Teks tidak dicetak seluruhnya:</b> Lembar Aduan dibatasi {max_pages} halaman. Teks lengkap ada di "
        f"lampiran digital <b>{para_markup(attachment.name)}</b> di folder yang sama dengan PDF ini.", st["body"])
    doc = _LimitedDoc(
        buf, long=st["long"], note=note, max_pages=max_pages,
        pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=19 * mm,
        bottomMargin=19 * mm, invariant=1, pageCompression=1, initialFontName=SANS, initialFontSize=9,
        **doc_info(f"Lembar Aduan {item.agenda_no}", kop.instansi),
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="isi",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="aduan", frames=[frame])])
    story: list[Flowable] = [KopFlowable(kop, FULL)]
    story += _header(item, st, hide)
    story += _identitas(item, st, sec, hide)
    story += _kronologi(item, st, sec, hide)
    story += _bukti(item, st, sec, hide)
    story += _tambahan(item, st, sec, hide)
    story += _kelengkapan(item, st, sec, hide)
    story += _usulan(item, st, sec)
    doc.build(_keep_headings(story), canvasmaker=_canvas_class(item.agenda_no))
    if doc.cut:
        atomic_write_bytes(attachment, _full_text(item, hide).encode("utf-8"))
    elif attachment.exists():
        attachment.unlink()  # re-rendered shorter: no attachment of an older text
    atomic_write_bytes(path, buf.getvalue())
    return path
