"""Build the shipped Word templates (lembar_disposisi, kartu_kendali, surat_balasan).

Run from the repository root with the project's virtualenv:

    .venv/bin/python templates/build_templates.py

It writes each .docx into ``templates/`` and an identical copy into
``siapmas_sync/defaults/templates/`` (the package data the program actually uses).
Entry timestamps are fixed, so re-running it without changes gives the same bytes.
Placeholders are written as single runs, which is what docxtpl needs; see README.md
for the list of placeholders and for how to edit the templates in Word.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from siapmas_sync.docx_render import normalise_docx_zip  # noqa: E402

OUT_DIRS = (HERE, REPO / "siapmas_sync" / "defaults" / "templates")

BODY_FONT = "Arial"
KOP_FONT = "Times New Roman"
GREY = RGBColor(0x66, 0x66, 0x66)


# --- helpers --------------------------------------------------------------------------


def new_document(title: str, page_w: Cm, page_h: Cm, margins: tuple[float, float, float, float],
                 size: float) -> Document:
    """A document with one section of the given size/margins (cm) and a plain Normal style."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = page_w, page_h
    sec.orientation = WD_ORIENT.LANDSCAPE if page_w > page_h else WD_ORIENT.PORTRAIT
    sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = (Cm(m) for m in margins)
    sec.header_distance = sec.footer_distance = Cm(0.5)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(size)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), BODY_FONT)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    props = doc.core_properties
    props.title = title
    props.subject = "SIAPMAS – Sistem Informasi Aspirasi dan Pengaduan Masyarakat"
    props.author = "SIAPMAS Sync"
    props.last_modified_by = "SIAPMAS Sync"
    props.comments = "Templat docxtpl; lihat templates/README.md untuk daftar placeholder."
    props.keywords = "SIAPMAS"
    props.revision = 1
    props.created = props.modified = datetime(2026, 1, 1)
    props.last_printed = datetime(2026, 1, 1)
    return doc


def para(container, text: str = "", *, size: float | None = None, bold: bool = False,
         italic: bool = False, align=None, font: str | None = None, caps: bool = False,
         color: RGBColor | None = None, after: float = 0, before: float = 0, underline: bool = False,
         first: bool = False):
    """Add a paragraph with one run (placeholders stay whole). *first*: reuse the empty first paragraph of a cell."""
    reuse = first and container.paragraphs and not container.paragraphs[0].text
    p = container.paragraphs[0] if reuse else container.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(before)
    if text:
        run(p, text, size=size, bold=bold, italic=italic, font=font, caps=caps, color=color,
            underline=underline)
    return p


def run(p, text: str, *, size: float | None = None, bold: bool = False, italic: bool = False,
        font: str | None = None, caps: bool = False, color: RGBColor | None = None,
        underline: bool = False):
    r = p.add_run(text)
    r.bold = bold or None
    r.italic = italic or None
    r.underline = underline or None
    if size:
        r.font.size = Pt(size)
    if font:
        r.font.name = font
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if caps:
        r.font.all_caps = True
    if color is not None:
        r.font.color.rgb = color
    return r


def label_value(p, label: str, value: str, *, size: float | None = None, bold_value: bool = False) -> None:
    run(p, label, size=size)
    run(p, value, size=size, bold=bold_value)


def border_bottom(p, val: str = "thickThinSmallGap", sz: int = 24) -> None:
    """A paragraph bottom border — the kop's thick-over-thin double rule."""
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), val)
    bottom.set(qn("w:sz"), str(sz))
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    bdr.append(bottom)
    ppr.append(bdr)


def table(doc_or_cell, rows: int, widths_cm: list[float], *, borders: bool = True):
    """A fixed-layout table with the given column widths; 'Table Grid' borders or none."""
    t = doc_or_cell.add_table(rows=rows, cols=len(widths_cm))
    if borders:
        t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tblpr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    for i, w in enumerate(widths_cm):
        t.columns[i].width = Cm(w)
        for cell in t.columns[i].cells:
            cell.width = Cm(w)
    return t


def shade(cell, fill: str = "E6E6E6") -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def min_height(row, cm: float) -> None:
    row.height = Cm(cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def kop(doc, *, big: bool = True) -> None:
    """The letterhead: pemerintah, instansi (bold), address and contacts, double rule."""
    s = (13, 15.5, 9, 8.5) if big else (7.5, 8.5, 0, 0)
    center = WD_ALIGN_PARAGRAPH.CENTER
    para(doc, "{{ kop.pemerintah }}", size=s[0], font=KOP_FONT, caps=True, align=center, first=True)
    last = para(doc, "{{ kop.instansi }}", size=s[1], font=KOP_FONT, bold=True, caps=True, align=center)
    if big:
        para(doc, "{{ kop.alamat }}", size=s[2], align=center)
        last = para(doc, "{{ kop.kontak }}", size=s[3], align=center)
    border_bottom(last, sz=24 if big else 12)
    last.paragraph_format.space_after = Pt(6 if big else 2)


def save(doc, name: str) -> None:
    buf = io.BytesIO()
    doc.save(buf)
    data = normalise_docx_zip(buf.getvalue())
    for d in OUT_DIRS:
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
        print(f"ditulis: {(d / name).relative_to(REPO)}")


# --- Lembar Disposisi (A4) ------------------------------------------------------------


def build_disposisi() -> None:
    doc = new_document("Lembar Disposisi", Cm(21), Cm(29.7), (1.5, 2.0, 1.3, 2.0), 9.5)
    kop(doc)
    para(doc, "LEMBAR DISPOSISI", size=15, bold=True, font=KOP_FONT, align=WD_ALIGN_PARAGRAPH.CENTER,
         after=8)
    w = 17.0

    # info block: Surat dari · Nomor Surat · Tanggal Surat | Diterima Tanggal · Nomor Agenda · Sifat
    t = table(doc, 3, [2.9, 5.0, 3.4, 5.7])
    rows = [
        ("Surat dari", ": {{ pelapor }}", "Diterima Tanggal", ": {{ diterima_waktu }}"),
        ("Nomor Surat", ": {{ nomor_surat }}", "Nomor Agenda", ": {{ agenda_no }}"),
        ("Tanggal Surat", ": {{ tanggal_surat }}", "Sifat", None),
    ]
    for r, (l1, v1, l2, v2) in enumerate(rows):
        cells = t.rows[r].cells
        min_height(t.rows[r], 0.75)
        para(cells[0], l1, first=True)
        para(cells[1], v1, first=True)
        para(cells[2], l2, first=True)
        if v2 is not None:
            p = para(cells[3], "", first=True)
            run(p, v2, bold=(l2 == "Nomor Agenda"))
        else:
            for k, text in enumerate((
                ": {{ cek.sifat_sangat_segera }} Sangat Segera\t{{ cek.sifat_segera }} Segera",
                "  {{ cek.sifat_rahasia }} Rahasia\t{{ cek.sifat_biasa }} Biasa",
            )):
                p = para(cells[3], text, first=(k == 0))
                p.paragraph_format.tab_stops.add_tab_stop(Cm(3.4), WD_TAB_ALIGNMENT.LEFT)

    # perihal + kode klasifikasi
    t = table(doc, 1, [12.5, 4.5])
    min_height(t.rows[0], 1.5)
    p = para(t.rows[0].cells[0], "Perihal : ", first=True)
    run(p, "{{ perihal }}", bold=True)
    para(t.rows[0].cells[1], "Kode Klasifikasi:", first=True)
    para(t.rows[0].cells[1], "{{ kode_klasifikasi }}", bold=True)

    # checklists
    t = table(doc, 1, [9.3, 7.7])
    left, right = t.rows[0].cells
    para(left, "Diteruskan kepada Sdr.:", bold=True, first=True, after=2)
    tujuan = [
        ("kabag_umum", "Kabag Umum & Keuangan"), ("kabag_persidangan", "Kabag Persidangan & PUU"),
        ("komisi_i", "Komisi I"), ("komisi_ii", "Komisi II"), ("komisi_iii", "Komisi III"),
        ("komisi_iv", "Komisi IV"), ("bapemperda", "Bapemperda"), ("banggar", "Banggar"),
        ("badan_kehormatan", "Badan Kehormatan"), ("bamus", "Bamus"),
    ]
    for key, label in tujuan:
        p = para(left, f"{{{{ cek.{key} }}}} {label} ", after=1.5)
        run(p, f"{{{{ usulan.{key} }}}}", italic=True, size=8, color=GREY)
    para(left, "{{ cek.tujuan_lainnya }} {{ tujuan_lainnya }}", after=1.5)
    para(right, "Dengan hormat harap:", bold=True, first=True, after=2)
    harap = [
        ("tanggapan_saran", "Tanggapan dan saran"), ("proses_lanjut", "Proses lebih lanjut"),
        ("koordinasi", "Koordinasi/konfirmasikan"), ("ditindaklanjuti", "Untuk ditindaklanjuti"),
        ("diketahui", "Untuk diketahui"), ("rdp", "Dijadwalkan RDP"), ("diarsipkan", "Diarsipkan"),
    ]
    for key, label in harap:
        para(right, f"{{{{ cek.{key} }}}} {label}", after=1.5)
    para(right, "{{ cek.harap_lainnya }} {{ harap_lainnya }}", after=1.5)
    # the suggestion as a note only while nothing is decided and it is none of the options
    para(right, "{%p if usulan_catatan %}")
    para(right, "{{ usulan_catatan }}", italic=True, size=8, color=GREY, before=6)
    para(right, "{%p endif %}")

    # catatan
    t = table(doc, 1, [w])
    min_height(t.rows[0], 4.6)
    para(t.rows[0].cells[0], "Catatan:", bold=True, first=True)
    para(t.rows[0].cells[0], "{{ catatan }}")

    # paraf grid
    t = table(doc, 5, [3.6, 2.8, 2.6, 8.0])
    for i, head in enumerate(("Jabatan", "Tanggal", "Paraf", "Instruksi")):
        cell = t.rows[0].cells[i]
        shade(cell)
        para(cell, head, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first=True)
    paraf = [("kasubag_tu", "Kasubag TU"), ("kabag", "Kabag"), ("sekretaris_dprd", "Sekretaris DPRD"),
             ("ketua_dprd", "Ketua DPRD")]
    for r, (key, label) in enumerate(paraf, start=1):
        row = t.rows[r]
        min_height(row, 1.7)
        cant_split(row)
        para(row.cells[0], label, bold=True, first=True)
        para(row.cells[0], f"{{{{ paraf.{key}.oleh }}}}", italic=True, size=8)  # who gave it
        para(row.cells[1], f"{{{{ paraf.{key}.tanggal }}}}", first=True)
        para(row.cells[2], "", first=True)
        para(row.cells[3], f"{{{{ paraf.{key}.instruksi }}}}", first=True)

    para(doc, "Mohon tidak memisahkan lembar disposisi ini dari suratnya", italic=True,
         align=WD_ALIGN_PARAGRAPH.CENTER, before=8)
    para(doc, "SIAPMAS · {{ agenda_no }}", size=7.5, color=GREY, align=WD_ALIGN_PARAGRAPH.RIGHT)
    save(doc, "lembar_disposisi.docx")


# --- Kartu Kendali (15 × 10 cm, three copies) -----------------------------------------

COPIES = (
    ("Lembar 1 – Putih", "arsip/kontrol"),
    ("Lembar 2 – Kuning", "bukti terima"),
    ("Lembar 3 – Merah", "pengarah"),
)


def build_kendali() -> None:
    doc = new_document("Kartu Kendali Surat Masuk", Cm(15), Cm(10), (0.6, 0.7, 0.5, 0.7), 7.5)
    fs = 7.5
    for n, (copy, role) in enumerate(COPIES):
        if n == 0:
            kop(doc, big=False)
        else:
            p = para(doc, "{{ kop.pemerintah }}", size=7.5, font=KOP_FONT, caps=True,
                     align=WD_ALIGN_PARAGRAPH.CENTER)
            p.paragraph_format.page_break_before = True
            last = para(doc, "{{ kop.instansi }}", size=8.5, font=KOP_FONT, bold=True, caps=True,
                        align=WD_ALIGN_PARAGRAPH.CENTER)
            border_bottom(last, sz=12)
            last.paragraph_format.space_after = Pt(2)
        p = para(doc, "{{ judul_kartu }}", size=10, bold=True, font=KOP_FONT,
                 align=WD_ALIGN_PARAGRAPH.CENTER)
        run(p, f"   ({copy}: {role})", size=7.5, italic=True, color=GREY)
        p.paragraph_format.space_after = Pt(3)

        t = table(doc, 7, [1.15] * 12)
        r0 = t.rows[0].cells
        for k, (label, value) in enumerate((
            ("Indeks", "{{ indeks }}"), ("Kode", "{{ kode_klasifikasi }}"),
            ("No. Urut", "{{ agenda_no }}"), ("M/K", "M"),
        )):
            cell = r0[3 * k].merge(r0[3 * k + 2])
            para(cell, f"{label}:", size=7.5, color=GREY, first=True)
            para(cell, value, size=fs, bold=(label == "No. Urut"))

        def full_row(r: int, label: str, value: str, height: float):
            cells = t.rows[r].cells
            cell = cells[0].merge(cells[11])
            min_height(t.rows[r], height)
            p = para(cell, f"{label}: ", size=fs, first=True)
            run(p, value, size=fs)
            return p

        def split_row(r: int, parts: list[tuple[str, str]], height: float) -> None:
            cells = t.rows[r].cells
            span = 12 // len(parts)
            min_height(t.rows[r], height)
            for k, (label, value) in enumerate(parts):
                cell = cells[span * k].merge(cells[span * k + span - 1])
                para(cell, f"{label}:", size=7.5, color=GREY, first=True)
                para(cell, value, size=fs)

        full_row(1, "Isi Ringkas", "{{ isi_ringkas }}", 1.1)
        full_row(2, "Lampiran", "{{ lampiran }}", 0.45)
        split_row(3, [("Dari", "{{ pelapor }}"), ("Kepada", "{{ kepada }}")], 0.7)
        split_row(4, [("Tanggal Surat", "{{ tanggal_surat }}"), ("Nomor Surat", "{{ nomor_surat }}"),
                      ("Pengolah", "{{ pengolah }}")], 0.7)
        split_row(5, [("Tgl Diteruskan", "{{ tgl_diteruskan }}"), ("Paraf/Tanda Terima", "")], 0.8)
        p = full_row(6, "Catatan", "{{ catatan }}", 1.1)
        # the routing suggestion, marked as such, while nothing is decided (as the PDF)
        run(p, "{{ usulan_kartu }}", size=fs, italic=True, color=GREY)
    save(doc, "kartu_kendali.docx")


# --- Surat balasan tindak lanjut (A4) ---------------------------------------------------


def build_balasan() -> None:
    doc = new_document("Surat Balasan Tindak Lanjut Aspirasi/Pengaduan", Cm(21), Cm(29.7),
                       (1.5, 2.0, 2.0, 2.5), 11)
    kop(doc)
    para(doc, "Mojokerto, {{ tanggal_balasan }}", align=WD_ALIGN_PARAGRAPH.RIGHT, before=6, after=8)

    t = table(doc, 1, [9.3, 7.2], borders=False)
    left, right = t.rows[0].cells
    # the Lampiran row only when something is attached (the Laporan Hasil Tindak Lanjut)
    lines = [("Nomor", "{{ nomor_balasan }}"), ("Sifat", "Biasa"), ("{%tr if lampiran_surat %}", None),
             ("Lampiran", "{{ lampiran_surat }}"), ("{%tr endif %}", None),
             ("Perihal", "Tindak Lanjut Aspirasi/Pengaduan")]
    inner = table(left, len(lines), [2.6, 0.4, 6.0], borders=False)
    for r, (label, value) in enumerate(lines):
        cells = inner.rows[r].cells
        para(cells[0], label, first=True)
        if value is None:  # a docxtpl row tag: the row itself disappears when filled
            continue
        para(cells[1], ":", first=True)
        para(cells[2], value, first=True, bold=(label == "Perihal"))
    empty = left.paragraphs[0]._p  # the cell's initial empty paragraph, before the inner table
    empty.getparent().remove(empty)
    para(right, "Kepada", first=True)
    para(right, "Yth. Sdr. {{ pelapor }}")
    para(right, "di –")
    para(right, "Tempat").paragraph_format.left_indent = Cm(1.0)

    body = [
        "Dengan hormat,",
        "Menindaklanjuti aspirasi/pengaduan Saudara yang kami terima melalui SIAPMAS (Sistem "
        "Informasi Aspirasi dan Pengaduan Masyarakat) pada tanggal {{ diterima }} dan telah "
        "dicatat dalam Buku Agenda Surat Masuk dengan Nomor Agenda {{ agenda_no }} perihal "
        "\u201c{{ perihal }}\u201d, bersama ini kami sampaikan bahwa aspirasi/pengaduan tersebut "
        "telah diteruskan kepada dan ditindaklanjuti oleh {{ tujuan }}.",
        "Adapun tindak lanjut yang telah dilakukan adalah sebagai berikut:",
    ]
    first = para(doc, body[0], before=14, after=8)
    first.paragraph_format.keep_with_next = True
    for text in body[1:]:
        p = para(doc, text, after=8, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        p.paragraph_format.first_line_indent = Cm(1.25)
        p.paragraph_format.line_spacing = 1.15
    p = para(doc, "{{ tindak_lanjut }}", after=8, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    p.paragraph_format.left_indent = Cm(1.25)
    p.paragraph_format.line_spacing = 1.15
    p = para(doc, "Demikian kami sampaikan. Atas perhatian dan partisipasi Saudara dalam "
             "menyampaikan aspirasi kepada {{ lembaga }}, kami ucapkan terima kasih.",
             after=18, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    p.paragraph_format.first_line_indent = Cm(1.25)
    p.paragraph_format.line_spacing = 1.15

    # signature block on the right
    t = table(doc, 1, [8.5, 8.0], borders=False)
    cant_split(t.rows[0])
    sig = t.rows[0].cells[1]
    para(sig, "{{ penandatangan.jabatan }},", align=WD_ALIGN_PARAGRAPH.CENTER, first=True, after=54)
    para(sig, "{{ penandatangan.nama }}", bold=True, underline=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(sig, "{{ penandatangan.pangkat }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(sig, "NIP. {{ penandatangan.nip }}", align=WD_ALIGN_PARAGRAPH.CENTER)

    para(doc, "Tembusan Yth.:", size=9.5, before=18, underline=True)
    para(doc, "1. Pimpinan {{ lembaga }};", size=9.5)
    para(doc, "2. {{ tujuan }};", size=9.5)
    para(doc, "3. Arsip.", size=9.5)
    para(doc, "SIAPMAS · {{ agenda_no }}", size=7.5, color=GREY, align=WD_ALIGN_PARAGRAPH.RIGHT, before=10)
    save(doc, "surat_balasan.docx")


def main() -> None:
    build_disposisi()
    build_kendali()
    build_balasan()


if __name__ == "__main__":
    main()
