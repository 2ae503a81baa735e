"""Every document kind of one item says the same perihal and the same AKD, read back by
text extraction as an official would (PDF, Word, register tabs, buku-agenda export) —
the officials' Perihal once they set it, the whole first sentence before (never a cut
one on a sheet, a letter or the kartu kendali's Isi Ringkas, PDF and Word copy alike)."""

from __future__ import annotations

from datetime import timedelta

import openpyxl

from siapmas_sync.core.perihal import full_perihal

from .test_documents_dates import docx_text, pdf_text, tab
from .test_inputs import run_cli

ITEM = "0001/SIAPMAS/2026"
PERIHAL = "Penambangan galian C tanpa izin di Desa Mojorejo, Kemlagi"
WALK = (("PARAF KASUBAG TU", "Dwi Lestari"), ("PARAF KABAG", "Agus Santoso"), ("DISPOSISI SEKWAN", "Bambang Wahyudi"))


def test_every_document_agrees_on_perihal_and_akd(project, make_engine, clock) -> None:
    var = project.parent.parent / "var" / "demo"
    folder = var / "output" / "2026" / "0001-SIAPMAS-2026"
    engine = make_engine(project)
    engine.cycle()
    row = engine.ledger.find_item(ITEM)
    auto = full_perihal(row.perihal, engine.agenda_item(row).submission.kronologi)
    assert row.perihal.endswith("…") and not auto.endswith("…")  # a long first sentence
    # before the officials write one: the whole first sentence on the sheets, PDF and Word alike
    for text in (pdf_text(folder / "lembar-aduan.pdf"), pdf_text(folder / "lembar-disposisi.pdf"),
                 docx_text(folder / "lembar-disposisi.docx")):
        assert " ".join(auto.split()) in text
    # the kartu's Isi Ringkas too: the whole sentence, never the cut summary (issue 20)
    assert " ".join(auto.split()) in docx_text(folder / "kartu-kendali.docx")
    assert " ".join(row.perihal.split()) not in docx_text(folder / "kartu-kendali.docx")

    for stage, who in WALK:
        engine.steps.advance(ITEM, stage, by=who)
    engine.steps.advance(ITEM, "DISPOSISI KETUA", by="Hadi Prasetyo", akd="Komisi I", harap="Untuk ditindaklanjuti",
                         note="Komisi I agar berkoordinasi dengan Satpol PP.")
    with engine.ledger.tx() as conn:
        engine.steps.set_fields(conn, engine.ledger.find_item(ITEM, conn=conn), perihal=PERIHAL,
                                by="Dwi Lestari (Kasubag TU)", channel="cli")
    engine.steps.advance(ITEM, "DISPOSISI DIBACAKAN", by="Bambang Wahyudi")
    engine.steps.advance(ITEM, "DICATAT & DIDISTRIBUSIKAN", by="Siti Rahmawati")
    engine.steps.advance(ITEM, "TINDAK LANJUT", by="Yuni Astuti")  # Komisi I's secretariat staff
    engine.steps.advance(ITEM, "SELESAI", by="Yuni Astuti", laporan="Lokasi ditinjau; kegiatan dihentikan.")
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()

    texts = {
        "lembar aduan": pdf_text(folder / "lembar-aduan.pdf"),
        "lembar disposisi": pdf_text(folder / "lembar-disposisi.pdf"),
        "lembar disposisi (Word)": docx_text(folder / "lembar-disposisi.docx"),
        "disposisi terisi": pdf_text(folder / "lembar-disposisi-terisi.pdf"),
        "disposisi terisi (Word)": docx_text(folder / "lembar-disposisi-terisi.docx"),
        "kartu kendali": pdf_text(folder / "kartu-kendali.pdf"),
        "kartu kendali (Word)": docx_text(folder / "kartu-kendali.docx"),
        "surat balasan": pdf_text(folder / "surat-balasan.pdf"),
        "surat balasan (Word)": docx_text(folder / "surat-balasan.docx"),
        "laporan": pdf_text(folder / "laporan-hasil-tindak-lanjut.pdf"),
    }
    for name, text in texts.items():
        assert PERIHAL in text, name
        if name != "lembar aduan":  # which prints the whole chronology as well
            assert auto not in text, name  # the automatic perihal is gone everywhere
    showing_akd = [n for n in texts if n not in ("lembar aduan", "lembar disposisi", "lembar disposisi (Word)")]
    for name in showing_akd:
        assert "Komisi I" in texts[name], name
        if "disposisi" not in name:  # the forms print every AKD as a checklist
            assert "Komisi III" not in texts[name].replace("Rina Kusuma (Komisi III)", ""), name  # never the suggestion
    assert texts["kartu kendali"].count("Komisi I ") >= 3 and texts["kartu kendali (Word)"].count("Indeks: Komisi I ") == 3
    assert "☒ Komisi I " in texts["disposisi terisi (Word)"] + " "

    register = var / "register.xlsx"
    book = {r["No. Agenda"]: r for r in tab(register, "Buku Agenda")}[ITEM]
    assert book["Isi Ringkas"] == PERIHAL and book["Diteruskan ke"] == "Komisi I"
    kendali = {r["No. Agenda"]: r for r in tab(register, "Kendali")}[ITEM]
    assert kendali["Perihal"] == PERIHAL and kendali["Diteruskan ke"] == "Komisi I"
    r = run_cli(project, "buku-agenda", "--from", "2026-01-01", "--to", "2026-12-31")
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(next((var / "output" / "buku-agenda").glob("*.xlsx"))).active
    exported = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[2] == ITEM)
    assert PERIHAL in exported and "Komisi I" in exported


def test_a_settled_item_with_the_automatic_perihal_never_prints_it_cut(project, make_engine, clock) -> None:
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
    engine = make_engine(project)
    engine.cycle()
    row = engine.ledger.find_item(ITEM)
    auto = full_perihal(row.perihal, engine.agenda_item(row).submission.kronologi)
    for stage, who in (*WALK, ("DISPOSISI KETUA", "Hadi Prasetyo"), ("DISPOSISI DIBACAKAN", "Bambang Wahyudi")):
        engine.steps.advance(ITEM, stage, by=who, akd="Komisi III" if stage == "DISPOSISI KETUA" else None)
    engine.steps.advance(ITEM, "DICATAT & DIDISTRIBUSIKAN", by="Siti Rahmawati")
    engine.steps.advance(ITEM, "TINDAK LANJUT", by="Rina Kusuma")
    engine.steps.advance(ITEM, "SELESAI", by="Rina Kusuma", laporan="Lokasi ditinjau; kegiatan dihentikan.")
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    for name in ("surat-balasan.pdf", "laporan-hasil-tindak-lanjut.pdf", "lembar-disposisi-terisi.pdf"):
        text = pdf_text(folder / name)
        assert " ".join(auto.split()) in text and row.perihal not in text, name
    for name in ("surat-balasan.docx", "lembar-disposisi-terisi.docx"):
        assert " ".join(auto.split()) in docx_text(folder / name), name
