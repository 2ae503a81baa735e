"""Confidentiality is a one-way door, checked as an official would: the register saved by
LibreOffice or Excel keeps a ticked *Rahasia* ticked whatever it writes in the cell; an
unticked cell changes nothing (answered in Pesan, re-ticked); only the Kasubag TU lifts it,
through the CLI, with a reason; a keyword item is rahasia from its first print batch;
Sifat reads Rahasia; the public page shows no AKD for it; its WhatsApp text names nobody."""

from __future__ import annotations

import csv
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from .test_engine import run_cli
from .test_kendali import edit, kendali, register_of

GALIAN = "0001/SIAPMAS/2026"
BUDI = ("Budi Santoso", "0812-3456-7890", "081234567890", "budi.santoso@example.com")


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def folder_of(project: Path, agenda: str) -> Path:
    return project.parent.parent / "var" / "demo" / "output" / "2026" / agenda.replace("/", "-")


def identity_in(text: str, identity: tuple[str, ...]) -> list[str]:
    flat = " ".join(text.split())
    digits = re.sub(r"\D", "", text)
    return [v for v in identity if v in flat or (re.sub(r"\D", "", v) and re.sub(r"\D", "", v) in digits
                                                 and len(re.sub(r"\D", "", v)) > 8)]


def history(project: Path, agenda: str) -> list[dict[str, str]]:
    out = run_cli(project, "show", agenda, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["history"]


@pytest.mark.parametrize("ticked", ["=TRUE()", "TRUE", 1, "Ya", "x", "✓"])
def test_rahasia_survives_what_an_office_suite_writes(project, make_engine, clock, ticked):
    make_engine(project).cycle()
    edit(project, GALIAN, Rahasia=ticked)  # the operator ticks it; the suite saves it its own way
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert kendali(project)[GALIAN]["Pelapor"] == "Dirahasiakan"
    # the next save by LibreOffice turns the worker's TRUE into its formula text again
    edit(project, GALIAN, Rahasia=ticked)
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    row = kendali(project)[GALIAN]
    assert row["Pelapor"] == "Dirahasiakan" and row["Sifat"] == "Rahasia"
    notes = [h["note"] for h in history(project, GALIAN) if h["event"] == "KERAHASIAAN"]
    assert notes == ["Identitas pelapor dirahasiakan"]
    for pdf in ("lembar-aduan.pdf", "kartu-kendali.pdf", "lembar-disposisi.pdf"):
        assert identity_in(pdf_text(folder_of(project, GALIAN) / pdf), BUDI) == [], pdf


def test_an_unticked_cell_changes_nothing_and_says_so(project, make_engine, clock):
    make_engine(project).cycle()
    edit(project, GALIAN, Rahasia="=TRUE()")
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    for unticked in (False, "=FALSE()", None):
        edit(project, GALIAN, Rahasia=unticked)
        clock.now += timedelta(minutes=5)
        make_engine(project).cycle()
        row = kendali(project)[GALIAN]
        assert row["Pelapor"] == "Dirahasiakan"
        assert row["Rahasia"] is True  # re-ticked on write-back
        assert "tetap dirahasiakan" in row["Pesan"] and "buka-rahasia" in row["Pesan"]
    assert identity_in(pdf_text(folder_of(project, GALIAN) / "lembar-aduan.pdf"), BUDI) == []
    notes = [h["note"] for h in history(project, GALIAN) if h["event"] == "KERAHASIAAN"]
    assert len(notes) == 4 and all("TETAP dirahasiakan" in n for n in notes[1:])
    assert not any("tidak lagi" in n for n in notes)


def test_only_the_kasubag_tu_lifts_it_with_a_reason(project, make_engine, clock):
    make_engine(project).cycle()
    edit(project, GALIAN, Rahasia=True)
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()

    staff = run_cli(project, "buka-rahasia", GALIAN, "--by", "Siti Rahmawati", "--alasan", "diminta pelapor")
    assert staff.returncode == 2 and "GALAT:" in staff.stderr + staff.stdout
    assert "Dwi Lestari (Kasubag TU)" in staff.stderr + staff.stdout  # who may
    assert "Traceback" not in staff.stderr
    blank = run_cli(project, "buka-rahasia", GALIAN, "--by", "Dwi Lestari", "--alasan", "  ")
    assert blank.returncode == 2 and "alasan" in (blank.stderr + blank.stdout).lower()
    assert json.loads(run_cli(project, "show", GALIAN, "--json").stdout)["rahasia"] is True

    ok = run_cli(project, "buka-rahasia", GALIAN, "--by", "Dwi Lestari", "--alasan",
                 "Pelapor menyatakan tertulis bersedia disebut namanya")
    assert ok.returncode == 0, ok.stderr
    shown = json.loads(run_cli(project, "show", GALIAN, "--json").stdout)
    assert shown["rahasia"] is False
    last = [h for h in shown["history"] if h["event"] == "KERAHASIAAN"][-1]
    assert last["actor"] == "Dwi Lestari (Kasubag TU)" and "bersedia disebut namanya" in last["note"]
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert kendali(project)[GALIAN]["Pelapor"] == "Budi Santoso"
    assert "Budi Santoso" in pdf_text(folder_of(project, GALIAN) / "lembar-aduan.pdf")


WAHYU = ("Wahyu Nugroho", "0813-5555-2468", "081355552468", "wahyu.nugroho@example.com")
SECRET = ("Oknum anggota dewan dari dapil 3 meminta fee proyek pengaspalan jalan di Desa Ngrame, Kecamatan "
          "Pungging, kepada kontraktor pada Senin 23 November 2026 di rumah makan dekat pasar, dan "
          "mengancam proyek dibatalkan bila fee tidak dibayar.")


def add_response(project: Path, row: list[str]) -> None:
    with (project.parent.parent / "examples" / "responses.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(row)


def test_a_keyword_item_is_rahasia_from_the_first_print_batch(project, make_engine):
    add_response(project, ["2026/11/28 9:40:00 AM GMT+7", *WAHYU[:2], WAHYU[3], SECRET, "", "Ngrame / Pungging"])
    report = make_engine(project).cycle()
    agenda = next(a for a in report.new if json.loads(run_cli(project, "show", a, "--json").stdout)["rahasia"])
    assert report.batches
    for batch in report.batches:  # everything the operator prints first
        assert identity_in(pdf_text(batch), WAHYU) == [], batch.name
    assert kendali(project)[agenda]["Pelapor"] == "Dirahasiakan"
    assert kendali(project)[agenda]["Usulan Tujuan"].startswith("Badan Kehormatan")
    folder = folder_of(project, agenda)
    for pdf in folder.glob("*.pdf"):
        assert identity_in(pdf_text(pdf), WAHYU) == [], pdf.name
    # Sifat Rahasia on every document that has a Sifat: the Lembar Aduan, the disposisi (PDF and Word)
    assert re.search(r"Sifat\s*:?\s*Rahasia", pdf_text(folder / "lembar-aduan.pdf"))
    doc = Document(str(folder / "lembar-disposisi.docx"))
    words = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert re.search(r"☒\s*Rahasia", words) and not re.search(r"☒\s*Biasa", words)
    # the whole perihal, never cut mid-word
    flat = " ".join(pdf_text(folder / "lembar-disposisi.pdf").split())
    assert "mengancam proyek dibatalkan bila fee tidak dibayar" in flat
    # the officials decide: its history says why it was hidden
    note = [h["note"] for h in history(project, agenda) if h["event"] == "KERAHASIAAN"][0]
    assert "oknum" in note
    assert "Budi Santoso" in kendali(project)[GALIAN]["Pelapor"]  # the other items are untouched


def test_public_page_shows_no_akd_for_a_rahasia_item(project, make_engine, clock):
    from .test_kendali import OLEH, STAGES

    add_response(project, ["2026/11/28 9:40:00 AM GMT+7", *WAHYU[:2], WAHYU[3], SECRET, "", "Ngrame / Pungging"])
    report = make_engine(project).cycle()
    agenda = next(a for a in report.new if kendali(project)[a]["Pelapor"] == "Dirahasiakan")
    for stage in STAGES[:STAGES.index("DICATAT & DIDISTRIBUSIKAN") + 1]:
        clock.now += timedelta(minutes=7)
        cells = {"Tahap": stage, "Oleh": OLEH[stage]}
        if stage == "DISPOSISI KETUA":
            cells["Diteruskan_ke"] = "Badan Kehormatan"
        edit(project, agenda, **cells)
        assert all(r.accepted for r in make_engine(project).cycle().steps)
    assert kendali(project)[agenda]["Diteruskan ke"] == "Badan Kehormatan"
    publik = project.parent.parent / "var" / "demo" / "output" / "publik"
    page = (publik / "index.html").read_text(encoding="utf-8") + (publik / "status-aduan.csv").read_text(encoding="utf-8")
    assert agenda in page
    assert "Badan Kehormatan" not in page and "Kehormatan" not in page
    assert "fee" not in page and "oknum" not in page.lower()
    rows = list(csv.DictReader((publik / "status-aduan.csv").open(encoding="utf-8-sig")))
    assert next(r for r in rows if r["No. Agenda"] == agenda)["Ditangani oleh"] == "-"


def test_whatsapp_text_of_a_rahasia_item_names_nobody_and_terkirim_reads_like_rahasia(project):
    from urllib.parse import parse_qs, urlparse

    import openpyxl

    from .test_pemberitahuan import tab

    add_response(project, ["2026/11/28 9:40:00 AM GMT+7", *WAHYU[:2], WAHYU[3], SECRET, "", "Ngrame / Pungging"])
    assert run_cli(project, "sync").returncode == 0
    rows = [r for r in tab(project, "Pemberitahuan") if r["Pelapor"] == "Dirahasiakan"]
    assert len(rows) == 1
    text = parse_qs(urlparse(str(rows[0]["Tautan WhatsApp"])).query)["text"][0]
    assert rows[0]["No. Agenda"] in text and "Wahyu" not in text and "Nugroho" not in text
    # LibreOffice keeps the ticked Terkirim checkbox as =TRUE(): it reads as sent, like Rahasia
    wb = openpyxl.load_workbook(register_of(project))
    ws = wb["Pemberitahuan"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("ID")].value == rows[0]["ID"]:
            row[header.index("Terkirim")].value = "=TRUE()"
            row[header.index("Oleh")].value = "Siti Rahmawati"
    wb.save(register_of(project))
    second = run_cli(project, "sync")
    assert "Pesan WhatsApp dicatat terkirim: " + rows[0]["No. Agenda"] in second.stdout, second.stdout
