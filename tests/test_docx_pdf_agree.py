"""The Word copies say what the PDFs say, checked by text extraction: the kartu
kendali's Lampiran in one wording; the surat balasan's Lampiran names what is attached
(the Laporan Hasil Tindak Lanjut) or is left out, never "Lampiran : -"; the lembar
disposisi shows the system's suggestion only beside its AKD, never as a leftover hint."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from docx import Document
from pypdf import PdfReader

from siapmas_sync.worddocs.render import shipped_template_dir
from siapmas_sync.documents.kartu import KartuConfig, kartu_fields
from siapmas_sync.documents.laporan import Laporan
from siapmas_sync.core.models import DisposisiRecord, Kop, RoutingSuggestion
from siapmas_sync.cycle.rendering import RenderJob, render_job

from .test_documents import WIB, make_item
from .test_documents_dates import docx_text


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)


def word_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]

    def cells(table) -> None:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
                for inner in cell.tables:
                    cells(inner)

    for t in doc.tables:
        cells(t)
    return " ".join(" ".join(parts).split())


def job(tmp_path: Path, kind: str, item=None, **kw) -> dict[str, Path]:
    return render_job(RenderJob(kind=kind, item=item or make_item(), kop=Kop(), folder=tmp_path,
                                template_dirs=(shipped_template_dir(),), **kw))


def test_kartu_kendali_words_lampiran_as_the_pdf(tmp_path: Path) -> None:
    item = make_item()
    out = job(tmp_path, "kartu", salinan=True)
    lampiran = kartu_fields(item, Kop(), KartuConfig()).lampiran
    assert lampiran == "2 berkas (1 tidak ditemukan)"
    assert lampiran in pdf_text(out["kendali"])  # the PDF's text lists labels, then values
    assert f"Lampiran: {lampiran} " in word_text(out["kartu_kendali_docx"]) + " "
    assert "bukti dukung" not in word_text(out["kartu_kendali_docx"])
    none = make_item(evidence=(), sub_bukti_urls=())
    out = job(tmp_path / "none", "kartu", item=none, salinan=True)
    assert "Tidak ada" in pdf_text(out["kendali"]) and "Lampiran: Tidak ada" in word_text(out["kartu_kendali_docx"])


def test_surat_balasan_names_the_laporan_as_lampiran_or_leaves_the_line_out(tmp_path: Path) -> None:
    laporan = Laporan("Komisi III meninjau lokasi galian C dan meminta penutupan.", "", "Rina Kusuma (Komisi III)",
                      ("Komisi III",), datetime(2026, 12, 1, 9, 0, tzinfo=WIB))
    out = job(tmp_path, "balasan", laporan=laporan, context_extra={"tujuan": "Komisi III", "tindak_lanjut": laporan.text})
    pdf, word = pdf_text(out["surat_balasan"]), word_text(out["surat_balasan_docx"])
    assert "Lampiran : 1 (satu) berkas Laporan Hasil Tindak Lanjut" in pdf
    assert "Lampiran : 1 (satu) berkas Laporan Hasil Tindak Lanjut" in word
    assert "LAPORAN HASIL TINDAK LANJUT" in pdf_text(out["laporan"])
    for same in ("0007/SIAPMAS/2026", "Komisi III", "28 November 2026", laporan.text):
        assert same in pdf and same in word, same
    out = job(tmp_path / "tanpa", "balasan", context_extra={"tujuan": "Komisi III", "tindak_lanjut": "Sudah ditinjau."})
    pdf, word = pdf_text(out["surat_balasan"]), word_text(out["surat_balasan_docx"])
    assert "Lampiran" not in pdf and "Lampiran" not in word and "laporan" not in out


def test_disposisi_word_copy_shows_the_suggestion_only_beside_its_akd(tmp_path: Path) -> None:
    blank = job(tmp_path, "render", salinan=True)
    word = word_text(blank["lembar_disposisi_docx"])
    assert "Komisi III (usulan sistem)" in word and "Usulan sistem" not in word  # no leftover hint
    assert "(usulan sistem)" in pdf_text(blank["disposisi"]) and "Usulan sistem:" not in pdf_text(blank["disposisi"])
    # a suggestion that is none of the printed options: a note, as the PDF
    odd = make_item(routing=RoutingSuggestion(tujuan="Inspektorat", label="Inspektorat", matched=()))
    other = job(tmp_path / "odd", "render", item=odd, salinan=True)
    assert "Usulan sistem: Inspektorat" in word_text(other["lembar_disposisi_docx"])
    assert "Usulan sistem: Inspektorat" in pdf_text(other["disposisi"])
    # decided: no suggestion anywhere, the ticks and texts agree with the filled PDF
    rec = DisposisiRecord(diteruskan_kepada=("Komisi II",), harap=("Untuk diketahui",),
                          paraf=(("Ketua DPRD", "01/12/2026 09.10 WIB", "Tindak lanjuti.", "Hadi Prasetyo (Ketua DPRD)"),))
    filled = job(tmp_path / "isi", "disposisi", item=replace(make_item(), tahap="DICATAT & DIDISTRIBUSIKAN"), disposisi=rec)
    pdf, word = pdf_text(filled["disposisi_terisi"]), word_text(filled["lembar_disposisi_docx-terisi"])
    assert "usulan sistem" not in pdf.lower() and "usulan sistem" not in word.lower()
    for same in ("0007/SIAPMAS/2026", "28 November 2026", "01/12/2026 09.10", "Tindak lanjuti.", "Hadi Prasetyo"):
        assert same in pdf and same in word, same
    assert "☒ Komisi II " in word + " " and "☒ Untuk diketahui" in word
    assert word.count("☒") == 3 and "☒ Biasa" in word  # and the Sifat: exactly what is recorded


def test_kartu_kendali_word_copy_notes_the_suggestion_until_the_akd_is_decided(tmp_path: Path) -> None:
    out = job(tmp_path, "kartu", salinan=True)
    usulan = "Usulan sistem (bukan keputusan): Komisi III – Pembangunan & Lingkungan"
    assert usulan in pdf_text(out["kendali"]) and docx_text(out["kartu_kendali_docx"]).count(usulan) == 3
    out = job(tmp_path / "putus", "kartu", salinan=True, context_extra={"tujuan": "Komisi I"})
    for text in (pdf_text(out["kendali"]), word_text(out["kartu_kendali_docx"])):
        assert "Usulan sistem" not in text and "Komisi I" in text
