"""The filled Lembar Disposisi, built from a full walk through the Kendali sheet as the
secretariat would do it: every step named with *Oleh*, instructions typed, several AKD
and the Ketua's *Dengan hormat harap* choices. Read back as text (pypdf) and DOCX."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from siapmas_sync.documents.disposisi import DOTS, HARAP, TUJUAN

from .test_kendali import OLEH, STAGES, edit, kendali

GALIAN = "0001/SIAPMAS/2026"
LONG = ("Segera koordinasikan dengan Dinas Lingkungan Hidup dan Dinas ESDM Provinsi Jawa Timur, "
        "undang kepala desa Mojorejo, camat Kemlagi dan perwakilan warga Dusun Sugianyar untuk rapat "
        "dengar pendapat, periksa izin IUP-OP para penambang, dan laporkan hasilnya kepada pimpinan "
        "paling lambat dua minggu sejak disposisi ini diterima; tembuskan kepada Komisi I.")
INSTRUKSI = {
    "PARAF KASUBAG TU": "Berkas lengkap, mohon diteliti Kabag.",
    "PARAF KABAG": "Diteruskan ke Sekwan untuk disposisi.",
    "DISPOSISI SEKWAN": "Mohon disposisi Ketua.",
    "DISPOSISI KETUA": LONG,
    "DISPOSISI DIBACAKAN": "Disposisi Ketua dibacakan kepada Kabag Persidangan.",
}
GRID = {"PARAF KASUBAG TU": "Kasubag TU", "PARAF KABAG": "Kabag", "DISPOSISI SEKWAN": "Sekretaris DPRD",
        "DISPOSISI KETUA": "Ketua DPRD"}
KEPADA = ["Komisi III", "Komisi I"]
PERIHAL = "Penambangan galian C tanpa IUP-OP di Dusun Sugianyar, Desa Mojorejo, Kecamatan Kemlagi"
HARAP_CHOSEN = ["Untuk diketahui", "Dijadwalkan RDP"]


def walk(project: Path, make_engine, clock, paper: str) -> Path:
    make_engine(project, SIAPMAS_OUTPUT__DISPOSISI_PAPER=paper).cycle()
    for stage in STAGES[:STAGES.index("DICATAT & DIDISTRIBUSIKAN") + 1]:
        clock.now += timedelta(minutes=7)
        cells = {"Tahap": stage, "Oleh": OLEH[stage]}
        if stage in INSTRUKSI:
            cells["Catatan"] = INSTRUKSI[stage]
        if stage == "PARAF KASUBAG TU":  # the officials' perihal replaces the automatic summary
            cells["Perihal"] = PERIHAL
        if stage == "DISPOSISI KETUA":
            cells["Diteruskan_ke"] = ", ".join(KEPADA)
            cells["Harap"] = ", ".join(HARAP_CHOSEN)
        edit(project, GALIAN, **cells)
        report = make_engine(project, SIAPMAS_OUTPUT__DISPOSISI_PAPER=paper).cycle()
        assert [r.accepted for r in report.steps] == [True], report.steps
    return project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"


def _ticked(text: str, options: tuple[str, ...]) -> set[str]:
    """Options whose box is drawn ticked: the form prints "☑"/"✓" glyphs as paths, so
    ticks are read from the record's own words in the extracted text instead (below)."""
    return {o for o in options if o in text}


@pytest.mark.parametrize("paper", ["A4", "HALF_FOLIO"])
def test_filled_disposisi_from_a_full_kendali_walk(project, make_engine, clock, paper):
    folder = walk(project, make_engine, clock, paper)
    pdf = folder / "lembar-disposisi-terisi.pdf"
    pages = [p.extract_text() for p in PdfReader(str(pdf)).pages]
    text = "\n".join(pages)
    flat = " ".join(text.split())
    assert "…" not in text.replace(DOTS, "")  # nothing cut (the dotted "other" lines aside)
    assert PERIHAL in flat
    # every paraf row: who, the date and time in full, and the instruction
    for stage, jabatan in GRID.items():
        name = OLEH[stage]
        assert name in flat, (stage, name)
        assert " ".join(INSTRUKSI[stage].split()) in flat or stage == "DISPOSISI KETUA"
    stamps = re.findall(r"\d{2}/\d{2}/2026\s+\d{2}\.\d{2} WIB", text)
    assert len(stamps) >= 4
    # the Ketua's long instruction: every word present, in order (wrapped or continued)
    words = LONG.split()
    pos = 0
    for w in words:
        found = flat.find(w, pos)
        assert found >= 0, w
        pos = found + len(w)
    # the note typed with SOP step 6 (no paraf row of its own) is in Catatan, with who/when
    assert "Disposisi Ketua dibacakan" in flat and "Bambang Wahyudi" in flat
    assert "(usulan sistem)" not in text
    # ticks: exactly those recorded (the PDF's tick marks are drawn; the DOCX says it in words)
    doc = Document(str(folder / "lembar-disposisi-terisi.docx"))
    dtext = "\n".join(p.text for p in doc.paragraphs) + "\n" + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    ticked = {re.split(r"[☐\t]", part)[0].strip() for line in dtext.splitlines() for part in line.split("☒")[1:]}
    ticked &= set(TUJUAN + HARAP)
    assert ticked == set(KEPADA) | set(HARAP_CHOSEN), ticked
    assert "Untuk ditindaklanjuti" not in {t for t in ticked}
    for stage in GRID:
        assert OLEH[stage] in dtext
    assert " ".join(LONG.split()) in " ".join(dtext.split())
    if os.environ.get("SIAPMAS_TEST_KEEP"):  # for looking at the pages as images
        keep = Path(os.environ["SIAPMAS_TEST_KEEP"]) / paper
        keep.mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            (keep / f.name).write_bytes(f.read_bytes())


def test_a_paraf_step_without_oleh_is_refused_in_pesan(project, make_engine):
    make_engine(project).cycle()
    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Catatan="sudah diteliti")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [False]
    row = kendali(project)[GALIAN]
    assert row["Tahap"] == "TERAGENDA"
    assert "Oleh" in row["Pesan"] and "Dwi Lestari (Kasubag TU)" in row["Pesan"]
    assert "lebih dulu" not in row["Pesan"] and "diubah" not in row["Pesan"]  # nobody else changed it


def test_selesai_with_laporan_renders_the_report_and_the_letter_summarises_it(project, make_engine, clock):
    folder = walk(project, make_engine, clock, "A4")
    laporan = ("RDP dengan DLH dan Dinas ESDM pada 10/12/2026: kegiatan tambang di Dusun Sugianyar "
               "dihentikan sampai IUP-OP terbit; Komisi III memantau setiap bulan.")
    link = "https://drive.google.com/file/d/1AbCdEf/view"
    for stage in ("TINDAK LANJUT", "SELESAI"):
        clock.now += timedelta(minutes=30)
        cells = {"Tahap": stage, "Oleh": OLEH[stage]}
        if stage == "SELESAI":
            cells.update(Laporan=laporan, Lampiran=link)
        edit(project, GALIAN, **cells)
        report = make_engine(project).cycle()
        assert [r.accepted for r in report.steps] == [True], report.steps
    # Kendali shows what was recorded (it was emptied as a one-step input); a cycle later
    # it is still there and nothing is taken for an edit
    row = kendali(project)[GALIAN]
    assert (row["Tahap"], row["Laporan"], row["Lampiran"]) == ("SELESAI", laporan, link)
    clock.now += timedelta(minutes=5)
    assert make_engine(project).cycle().steps == []
    assert kendali(project)[GALIAN]["Laporan"] == laporan
    pdf = folder / "laporan-hasil-tindak-lanjut.pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(pdf)).pages).split())
    assert "LAPORAN HASIL TINDAK LANJUT" in text and GALIAN in text
    assert laporan in text and link in text and "Rina Kusuma" in text and "Komisi III, Komisi I" in text
    assert "SEKRETARIAT DPRD" in text  # the kop
    letter = Document(str(folder / "surat-balasan.docx"))
    ltext = " ".join(" ".join(p.text for p in letter.paragraphs).split())
    assert laporan in ltext and "Laporan Hasil Tindak Lanjut" in ltext
    assert PERIHAL in ltext and "…" not in ltext.replace(DOTS, "")
    if os.environ.get("SIAPMAS_TEST_KEEP"):
        keep = Path(os.environ["SIAPMAS_TEST_KEEP"]) / "laporan"
        keep.mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            (keep / f.name).write_bytes(f.read_bytes())


def test_a_database_from_before_the_recorded_choices_is_upgraded(tmp_path):
    """Schema 1 had no items.disposisi: opening it adds the column (existing rows: {})."""
    import sqlite3

    from siapmas_sync.ledger import SCHEMA_VERSION, Ledger

    db = tmp_path / "old.db"
    Ledger(f"sqlite:///{db}").close()
    con = sqlite3.connect(db)
    con.execute("ALTER TABLE items DROP COLUMN disposisi")
    con.execute("UPDATE meta SET value='1' WHERE name='schema_version'")
    con.commit()
    con.close()
    Ledger(f"sqlite:///{db}").close()
    con = sqlite3.connect(db)
    cols = {r[1] for r in con.execute("PRAGMA table_info(items)")}
    version = con.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()[0]
    con.close()
    assert "disposisi" in cols and version == str(SCHEMA_VERSION) == "2"
