"""Text that prints: emoji as their Indonesian names (never a replacement box), phone
numbers as Indonesians write them, "Kepala Subbagian", nothing below 7.5 pt; and the
register workbook an operator opens (bold frozen header, widths, dates as dates)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from siapmas_sync.documents import render_kartu_kendali, render_lembar_aduan, render_lembar_disposisi
from siapmas_sync.documents.common import clean_text, telepon_id
from siapmas_sync.documents.kartu import KartuConfig, kartu_fields
from siapmas_sync.worddocs.render import render_docx, shipped_template_dir, template_context
from siapmas_sync.documents.buku_agenda import AgendaRow, export_buku_agenda_pdf
from siapmas_sync.core.models import DisposisiRecord, Kop

from .test_documents import make_item

REPO = Path(__file__).resolve().parent.parent


def text_of(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)


def test_emoji_print_as_their_names_never_as_a_box(tmp_path: Path) -> None:
    item = make_item(sub_kronologi="Jalan rusak parah 😡🙏 mohon segera ✅ terima kasih ❤️")
    text = text_of(render_lembar_aduan(item, Kop(), tmp_path / "a.pdf"))
    assert "(wajah sangat marah, melipat tangan)" in text
    assert "(tanda centang putih tebal)" in text
    assert "\ufffd" not in text and "😡" not in text
    assert clean_text("👍🏽") == "(jempol ke atas warna kulit sedang)"
    assert clean_text("a\x00b\x01c") == "abc"  # control characters never become parentheses


@pytest.mark.parametrize("raw,shown", [
    ("+6281234567890", "0812-3456-7890"),
    ("081234567890", "0812-3456-7890"),
    ("+62321123456", "(0321) 123456"),
    ("bukan nomor", "bukan nomor"),
    ("", ""),
])
def test_phone_numbers_as_indonesians_write_them(raw: str, shown: str) -> None:
    assert telepon_id(raw) == shown


def test_phone_on_the_lembar_aduan_and_the_word_copy(tmp_path: Path) -> None:
    item = make_item()
    assert "0812-3456-7890" in text_of(render_lembar_aduan(item, Kop(), tmp_path / "a.pdf"))
    assert template_context(item, Kop())["telepon"] == "0812-3456-7890"
    # a hidden identity hides the number in its printed form too
    hidden = make_item(rahasia=True, sub_kronologi="Hubungi saya di 0812-3456-7890 ya.")
    text = text_of(render_lembar_aduan(hidden, Kop(), tmp_path / "h.pdf"))
    assert "0812-3456-7890" not in text and "3456" not in text


def test_kepala_subbagian_everywhere() -> None:
    found = [str(p.relative_to(REPO)) for p in (REPO / "siapmas_sync").rglob("*.py")
             if "Sub Bagian" in p.read_text(encoding="utf-8")]
    assert found == []


def _font_sizes(obj, out: list[float], seen: set[int]) -> None:
    """Every Tf size in a content stream and the forms it draws, recursively."""
    data = obj.get_data()
    out += [float(m) for m in re.findall(rb"([\d.]+) Tf", data)]
    xobjects = (obj.get("/Resources") or {}).get("/XObject") or {}
    for ref in xobjects.values():
        key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
        x = ref.get_object()
        if key in seen or x.get("/Subtype") != "/Form":
            continue
        seen.add(key)
        _font_sizes(x, out, seen)


def sizes_in(path: Path) -> list[float]:
    out: list[float] = []
    for page in PdfReader(str(path)).pages:
        contents = page.get_contents()
        if contents is not None:
            out += [float(m) for m in re.findall(rb"([\d.]+) Tf", contents.get_data())]
        seen: set[int] = set()
        for ref in ((page.get("/Resources") or {}).get("/XObject") or {}).values():
            x = ref.get_object()
            if x.get("/Subtype") == "/Form":
                _font_sizes(x, out, seen)
    return out


@pytest.mark.parametrize("paper", ["A4", "HALF_FOLIO"])
def test_nothing_an_official_reads_is_below_7_5_pt(tmp_path: Path, paper: str) -> None:
    item = make_item()
    rec = DisposisiRecord(diteruskan_kepada=("Komisi III",), harap=("Untuk ditindaklanjuti",), catatan="Segera.",
                          paraf=(("Kasubag TU", "28-11-2026", "Teruskan"),))
    rows = [AgendaRow(1, item.submission.received_at, item.agenda_no, "Siti", "-", "Isi", "Komisi III", "")]
    pdfs = [
        render_lembar_aduan(item, Kop(), tmp_path / "a.pdf"),
        render_lembar_disposisi(item, Kop(), tmp_path / "d.pdf", paper=paper),
        render_lembar_disposisi(item, Kop(), tmp_path / "t.pdf", disposisi=rec, paper=paper),
        render_kartu_kendali(item, Kop(), tmp_path / "k.pdf"),
        export_buku_agenda_pdf(rows, tmp_path / "b.pdf", period=(item.submission.received_at.date(),) * 2, kop=Kop()),
    ]
    for pdf in pdfs:
        sizes = sizes_in(pdf)
        assert sizes, pdf.name
        assert min(sizes) >= 7.5, (pdf.name, sorted(set(sizes))[:5])


def test_word_templates_have_nothing_below_7_5_pt() -> None:
    from docx import Document

    for name in ("kartu_kendali.docx", "lembar_disposisi.docx", "surat_balasan.docx"):
        doc = Document(str(shipped_template_dir() / name))
        small = set()
        for el in doc.element.body.iter():
            if el.tag.endswith("}sz"):
                half_points = int(el.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val"))
                if half_points < 15:
                    small.add(half_points / 2)
        assert not small, (name, small)


def test_kartu_kendali_pdf_and_word_copy_share_their_fields(tmp_path: Path) -> None:
    item = make_item()
    cfg = KartuConfig(indeks="akd", kepada="Pimpinan DPRD Kab. Mojokerto", pengolah="Staf TU Persuratan")
    k = kartu_fields(item, Kop(), cfg, diteruskan_ke="Komisi I")
    assert (k.indeks, k.kepada, k.pengolah, k.judul) == (
        "Komisi I", "Pimpinan DPRD Kab. Mojokerto", "Staf TU Persuratan", "KARTU KENDALI SURAT MASUK")
    assert kartu_fields(item, Kop()).indeks == "Komisi III"  # not decided yet: the suggestion
    assert kartu_fields(item, Kop(), KartuConfig(indeks="kode")).indeks == "000.8.3.4"
    pdf = text_of(render_kartu_kendali(item, Kop(), tmp_path / "k.pdf", cfg=cfg, diteruskan_ke="Komisi I"))
    ctx = template_context(item, Kop(), tujuan="Komisi I", kartu=cfg)
    out = render_docx("kartu_kendali.docx", ctx, tmp_path / "k.docx", template_dirs=[shipped_template_dir()])
    from docx import Document

    word = " ".join(" ".join(c.text for c in r.cells) for t in Document(str(out)).tables for r in t.rows)
    word += " ".join(p.text for p in Document(str(out)).paragraphs)
    for value in (k.judul, k.indeks, k.kepada, k.pengolah, k.no_urut):
        assert value in pdf and value in word, value
    assert "Usulan sistem" not in pdf  # decided: no suggestion beside it


def test_register_workbook_has_a_bold_frozen_header_widths_and_real_dates(project, make_engine) -> None:
    make_engine(project).cycle()
    wb = openpyxl.load_workbook(project.parent.parent / "var" / "demo" / "register.xlsx")
    for name in ("Buku Agenda", "Kendali", "Riwayat"):
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert all(c.font.bold for c in ws[1] if c.value), name
        assert all(ws.column_dimensions[c.column_letter].width and ws.column_dimensions[c.column_letter].width >= 6
                   for c in ws[1] if c.value), name
    book = wb["Buku Agenda"]
    head = [c.value for c in book[1]]
    tgl = book.cell(row=2, column=head.index("Tgl Terima") + 1)
    assert tgl.is_date and tgl.number_format == "dd/mm/yyyy hh:mm"
    isi = book.cell(row=2, column=head.index("Isi Ringkas") + 1)
    assert isi.alignment.wrap_text
    assert book.column_dimensions["F"].width >= 40  # Isi Ringkas is wide


def test_a_lembar_aduan_never_ends_with_a_page_holding_only_its_closing_note(tmp_path: Path) -> None:
    """Whatever the chronology's length, the last page holds the whole last section."""
    pages_seen = set()
    for n in range(10, 80, 2):  # around n = 23 an old layout left only the closing note on page 2
        kron = "kata " * (n * 20)
        reader = PdfReader(str(render_lembar_aduan(make_item(sub_kronologi=kron), Kop(), tmp_path / "a.pdf")))
        pages_seen.add(len(reader.pages))
        last = " ".join(reader.pages[-1].extract_text().split())
        assert "Usulan Tujuan" in last and "disposisi pimpinan" in last, (n, last[:120])
    assert len(pages_seen) >= 2  # the lengths tried do cross a page break
