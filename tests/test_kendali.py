"""Recording SOP steps through the Kendali sheet and the CLI (local backend)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from docx import Document
from pypdf import PdfReader

from siapmas_sync.core.kendali_sheet import KENDALI_TAB

from .conftest import WIB
from .test_engine import by_header, run_cli, sheet, write_csv, HEADER, KRON

from siapmas_sync.core.workflow import default_workflow

HOLDER_TERAGENDA = default_workflow().by_code(1).actor
# the SOP's steps after registration, in order (the table in DESIGN.md)
STAGES = [s.label for s in default_workflow().main][2:]
#: who records each step (the demo configuration's [[pejabat]])
OLEH = {
    "PARAF KASUBAG TU": "Dwi Lestari", "PARAF KABAG": "Agus Santoso", "DISPOSISI SEKWAN": "Bambang Wahyudi",
    "DISPOSISI KETUA": "Hadi Prasetyo", "DISPOSISI DIBACAKAN": "Bambang Wahyudi",
    "DICATAT & DIDISTRIBUSIKAN": "Siti Rahmawati", "TINDAK LANJUT": "Rina Kusuma", "SELESAI": "Rina Kusuma",
}


def register_of(project: Path) -> Path:
    return project.parent.parent / "var" / "demo" / "register.xlsx"


def kendali(project: Path) -> dict[str, dict[str, object]]:
    return {r["No. Agenda"]: r for r in by_header(sheet(register_of(project), KENDALI_TAB))}


def edit(project: Path, agenda: str, **cells: object) -> None:
    """What an operator does in Excel: type into the Kendali row of an item."""
    path = register_of(project)
    wb = openpyxl.load_workbook(path)
    ws = wb[KENDALI_TAB]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("No. Agenda")].value == agenda:
            for title, value in cells.items():
                row[header.index(title.replace("_", " "))].value = value
    wb.save(path)


def test_galian_c_from_form_to_selesai_through_kendali_alone(project, make_engine, clock):
    engine = make_engine(project)
    engine.cycle()
    galian = "0001/SIAPMAS/2026"
    k = kendali(project)[galian]
    assert k["Tahap"] == "TERAGENDA" and k["Pelapor"] == "Budi Santoso"
    assert k["Usulan Tujuan"].startswith("Komisi III")
    assert k["Posisi"] and k["Batas Waktu"] != "—"

    for stage in STAGES:
        clock.now += timedelta(minutes=5)
        extra = {"Oleh": OLEH[stage]}
        if stage == "DICATAT & DIDISTRIBUSIKAN":
            extra["Diteruskan_ke"] = "Komisi III"
        if stage == "SELESAI":
            extra["Catatan"] = "RDP dengan DLH dan ESDM 10/12/2026; penambangan dihentikan."
        edit(project, galian, Tahap=stage, **extra)
        report = make_engine(project).cycle()
        assert [r.accepted for r in report.steps] == [True], report.steps
        row = kendali(project)[galian]
        assert row["Tahap"] == stage
        assert row["Pesan"].startswith("✓")

    show = json.loads(run_cli(project, "show", galian, "--json").stdout)
    assert show["stage"] == "SELESAI" and show["diteruskan_ke"] == "Komisi III"
    moves = [h for h in show["history"] if h["from"] != h["to"]]
    assert [h["to"] for h in moves][-len(STAGES):] == STAGES
    assert all(h["channel"] == "kendali" for h in moves[-len(STAGES):])
    assert [h["actor"].split(" (")[0] for h in moves][-len(STAGES):] == [OLEH[s] for s in STAGES]
    assert "penambangan dihentikan" in moves[-1]["note"]

    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
    filled = "\n".join(p.extract_text() for p in PdfReader(str(folder / "lembar-disposisi-terisi.pdf")).pages)
    assert "Komisi III" in filled and "Kasubag TU" in filled
    letter = Document(str(folder / "surat-balasan.docx"))
    text = "\n".join(p.text for p in letter.paragraphs) + "\n".join(
        c.text for t in letter.tables for r in t.rows for c in r.cells)
    assert galian in text and "penambangan dihentikan" in text

    riwayat = by_header(sheet(register_of(project), "Riwayat"))
    mine = [r for r in riwayat if r["No. Agenda"] == galian and r["Dari Tahap"] != r["Ke Tahap"]]
    assert [r["Ke Tahap"] for r in mine][-len(STAGES):] == STAGES
    assert mine[-1]["Oleh"] == "Rina Kusuma (Komisi III)"
    buku = {r["No. Agenda"]: r for r in by_header(sheet(register_of(project), "Buku Agenda"))}
    assert buku[galian]["Diteruskan ke"] == "Komisi III" and buku[galian]["Ket."].startswith("SELESAI")
    assert "Rina Kusuma" in buku[galian]["Ket."]


def test_refused_edit_is_answered_and_the_cell_restored(project, make_engine):
    make_engine(project).cycle()
    edit(project, "0002/SIAPMAS/2026", Tahap="SELESAI")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [False]
    row = kendali(project)["0002/SIAPMAS/2026"]
    assert row["Tahap"] == "TERAGENDA"  # restored to the true stage
    assert row["Pesan"].startswith("✗") and "PARAF KASUBAG TU" in row["Pesan"]  # names the allowed move
    riwayat = by_header(sheet(register_of(project), "Riwayat"))
    assert any(r["Peristiwa"] == "PERUBAHAN DITOLAK" and "SELESAI" in r["Catatan"] for r in riwayat)
    # the answer does not repeat: the next cycle sees no new edit
    assert make_engine(project).cycle().steps == []


def test_rejection_needs_a_reason_and_distribution_needs_an_akd(project, make_engine):
    make_engine(project).cycle()
    edit(project, "0003/SIAPMAS/2026", Tahap="DITOLAK")
    make_engine(project).cycle()
    row = kendali(project)["0003/SIAPMAS/2026"]
    assert row["Tahap"] == "TERAGENDA" and "alasan" in row["Pesan"].lower()
    edit(project, "0003/SIAPMAS/2026", Tahap="DITOLAK", Oleh="Dwi Lestari (Kasubag TU)",
         Catatan="Bukan kewenangan DPRD; identitas tidak jelas.")
    make_engine(project).cycle()
    assert kendali(project)["0003/SIAPMAS/2026"]["Tahap"] == "DITOLAK"


def test_cli_and_kendali_change_the_same_item_between_two_cycles(project, make_engine):
    make_engine(project).cycle()
    # the operator types in the sheet …
    edit(project, "0002/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Dwi Lestari (Kasubag TU)")
    # … while someone at the server records the same step and the next one
    assert run_cli(project, "advance", "0002/SIAPMAS/2026", "PARAF KASUBAG TU", "--by", "Dwi Lestari").returncode == 0
    assert run_cli(project, "advance", "0002/SIAPMAS/2026", "PARAF KABAG", "--by", "agus santoso").returncode == 0
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [False]
    row = kendali(project)["0002/SIAPMAS/2026"]
    assert row["Tahap"] == "PARAF KABAG"  # the first recorded (CLI) wins
    assert "Agus Santoso (Kabag Umum)" in row["Pesan"] and "cli" in row["Pesan"]


def test_same_target_through_both_channels_is_acknowledged(project, make_engine):
    make_engine(project).cycle()
    edit(project, "0002/SIAPMAS/2026", Tahap="PARAF KASUBAG TU")
    assert run_cli(project, "advance", "0002/SIAPMAS/2026", "PARAF KASUBAG TU", "--by", "Dwi Lestari").returncode == 0
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [True]
    assert kendali(project)["0002/SIAPMAS/2026"]["Tahap"] == "PARAF KASUBAG TU"


def test_rahasia_masks_everywhere_and_regenerates_documents(project, make_engine):
    make_engine(project).cycle()
    edit(project, "0001/SIAPMAS/2026", Rahasia=True, Sifat="Rahasia")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [True]
    assert kendali(project)["0001/SIAPMAS/2026"]["Pelapor"] == "Dirahasiakan"
    buku = {r["No. Agenda"]: r for r in by_header(sheet(register_of(project), "Buku Agenda"))}
    assert buku["0001/SIAPMAS/2026"]["Pengirim"] == "Dirahasiakan"
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
    for pdf in folder.glob("*.pdf"):
        text = "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
        assert "Budi Santoso" not in text and "budi.santoso" not in text and "3456" not in text, pdf.name
        assert "Dirahasiakan" in text or "dirahasiakan" in text
    for docx in folder.glob("*.docx"):
        d = Document(str(docx))
        text = "\n".join(p.text for p in d.paragraphs) + "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
        assert "Budi Santoso" not in text, docx.name
    status = json.loads(run_cli(project, "show", "0001/SIAPMAS/2026", "--json").stdout)
    assert status["rahasia"] is True and status["sifat"] == "Rahasia"


def test_invalid_dropdown_value_is_refused_not_lost(project, make_engine):
    make_engine(project).cycle()
    edit(project, "0004/SIAPMAS/2026", Sifat="Penting sekali", Catatan="cek lagi")
    make_engine(project).cycle()
    row = kendali(project)["0004/SIAPMAS/2026"]
    assert row["Sifat"] == "Biasa" and "Penting sekali" in row["Pesan"]
    riwayat = by_header(sheet(register_of(project), "Riwayat"))
    assert any("Penting sekali" in (r["Catatan"] or "") for r in riwayat)


def test_overdue_lists_late_items_by_holder(project, make_engine):
    responses = project.parent.parent / "examples" / "responses.csv"
    now = datetime.now(WIB)
    write_csv(responses, [HEADER, [now.strftime("%d/%m/%Y %H.%M.%S"), "A", "081234567890", "", KRON, ""]])
    assert run_cli(project, "sync").returncode == 0
    # registered a moment ago: the 10-minute standard has not run out
    assert json.loads(run_cli(project, "overdue", "--json").stdout) == []
    with_holiday = run_cli(project, "advance", "1", "PARAF KASUBAG TU", "--by", "Dwi Lestari", "--json")
    assert json.loads(with_holiday.stdout)["to"] == "PARAF KASUBAG TU"
    refused = run_cli(project, "advance", "1", "SELESAI")
    assert refused.returncode == 2 and "PARAF KABAG" in refused.stderr and "Traceback" not in refused.stderr


def test_overdue_with_items_registered_two_weeks_ago(project, make_engine, clock):
    clock.now = datetime.now(WIB) - timedelta(days=14)
    make_engine(project).cycle()  # the sample, registered two weeks ago
    late = json.loads(run_cli(project, "overdue", "--json").stdout)
    assert len(late) == 6
    assert {d["holder"] for d in late} == {HOLDER_TERAGENDA}
    assert all(d["late_minutes"] > 0 for d in late)
    assert [d["late_minutes"] for d in late] == sorted((d["late_minutes"] for d in late), reverse=True)
    human = run_cli(project, "overdue").stdout
    assert "0001/SIAPMAS/2026" in human and "terlambat" in human
    # the next cycle (now) shows how late each item is on the Kendali sheet
    clock.now = datetime.now(WIB)
    make_engine(project).cycle()
    assert kendali(project)["0001/SIAPMAS/2026"]["Terlambat"]


def test_buku_agenda_export_for_a_period(project):
    assert run_cli(project, "sync").returncode == 0
    r = run_cli(project, "buku-agenda", "--from", "2026-11-28", "--to", "28/11/2026")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("3 aduan")  # the sample has three numbered items received on 28 Nov
    out = project.parent.parent / "var" / "demo" / "output" / "buku-agenda"
    text = "\n".join(p.extract_text() for p in PdfReader(str(out / "buku-agenda-20261128-20261128.pdf")).pages)
    assert "0004/SIAPMAS/2026" in text and "0001/SIAPMAS/2026" not in text
    wb = openpyxl.load_workbook(out / "buku-agenda-20261128-20261128.xlsx")
    cells = [c.value for row in wb.active.iter_rows() for c in row if c.value]
    assert "0006/SIAPMAS/2026" in cells
    bad = run_cli(project, "buku-agenda", "--from", "2026-12-01", "--to", "2026-11-01")
    assert bad.returncode != 0 and "--to" in bad.stderr
