"""One meaning per date label, in every document and register tab of the same item:
*Diterima* (Tgl Terima, Tanggal Surat) is when the citizen sent it — the effective
received time of the ledger (responses.received_at: an implausible form timestamp is
replaced by when the secretariat got it) —, *Diregistrasi/Diagendakan* when the
secretariat numbered it (items.registered_at). Read back as an official would: text
extracted from the PDFs (pypdf), the Word copies (python-docx), the register workbook
and the buku-agenda export."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import openpyxl
from docx import Document
from pypdf import PdfReader

from siapmas_sync.documents.common import tanggal_id, waktu_id
from siapmas_sync.ledger import from_iso

from .conftest import WIB
from .test_inputs import run_cli


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    seen: list[object] = []  # kept alive: lxml gives the same proxy for the same element
    for t in doc.tables:
        for row in t.rows:
            for c in row.cells:  # a merged cell is listed once per grid column: read it once
                if not any(c._tc is e for e in seen):
                    seen.append(c._tc)
                    parts.append(c.text)
    return " ".join(" ".join(parts).split())


def tab(path: Path, name: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def write_responses(project: Path, stamps: list[str]) -> None:
    """Responses with the given form timestamps (one may be implausible)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Cap waktu", "Nama", "No. Tlp/WA", "E-mail", "Kronologi, Waktu dan Tempat", "Bukti Dukung"])
    for n, stamp in enumerate(stamps):
        w.writerow([stamp, f"Warga {n}", "081234567890", "", f"Jalan rusak parah di Desa Kemlagi nomor {n}, "
                    "berlubang di depan balai desa sejak Oktober, mohon segera diperbaiki.", ""])
    (project.parent.parent / "examples" / "responses.csv").write_text(buf.getvalue(), encoding="utf-8")


def test_every_document_and_tab_agrees_on_each_date(project, make_engine, clock) -> None:
    now = clock.now  # 28/11/2026 14.00 WIB
    sent = datetime(2026, 11, 28, 8, 30, 5, tzinfo=WIB)
    # 1: sent this morning, numbered at 14.00; 2: a timestamp years ahead (a wrong clock):
    # it counts as received when the secretariat got it
    write_responses(project, [sent.strftime("%d/%m/%Y %H.%M.%S"), f"15/06/{now.year + 5} 10.00.00"])
    var = project.parent.parent / "var" / "demo"
    engine = make_engine(project)
    engine.cycle()
    for agenda in (f"0001/SIAPMAS/{now.year}", f"0002/SIAPMAS/{now.year}"):
        row = engine.ledger.find_item(agenda)
        received = from_iso(engine.ledger.response_received(row.key)).astimezone(WIB)
        registered = row.registered_at.astimezone(WIB)
        if agenda.startswith("0001"):
            assert received == sent and registered.date() == now.date()
            assert waktu_id(received) != waktu_id(registered)  # the two labels are told apart
        else:
            assert received == now  # never the impossible year: when the worker first saw it
        folder = var / "output" / str(now.year) / agenda.replace("/", "-")

        aduan = pdf_text(folder / "lembar-aduan.pdf")
        assert f"Diterima : {waktu_id(received)}" in aduan
        assert f"Diregistrasi : {waktu_id(registered)}" in aduan
        # the forms' labels are a fixed layer: extracted apart from the values
        disposisi = pdf_text(folder / "lembar-disposisi.pdf")
        assert "Diterima Tanggal" in disposisi and waktu_id(received, with_day=False) in disposisi
        assert waktu_id(registered, with_day=False) not in disposisi or registered == received
        kartu = pdf_text(folder / "kartu-kendali.pdf")
        assert kartu.count(tanggal_id(received)) == 3
        word = docx_text(folder / "lembar-disposisi.docx")
        assert f"Diterima Tanggal : {waktu_id(received, with_day=False)}" in word
        assert f"Tanggal Surat : {tanggal_id(received)}" in word
        assert docx_text(folder / "kartu-kendali.docx").count(f"Tanggal Surat: {tanggal_id(received)}") == 3
        # the Kartu Kendali's Indeks is the same on the PDF and the Word copy (the suggested AKD)
        akd = row.routing.tujuan
        assert kartu.count(akd) >= 3 and docx_text(folder / "kartu-kendali.docx").count(f"Indeks: {akd}") == 3

        naive = received.replace(tzinfo=None, second=0)
        book = {r["No. Agenda"]: r for r in tab(var / "register.xlsx", "Buku Agenda")}[agenda]
        assert book["Tgl Terima"] == naive  # a real date cell
        assert str(book["Tgl & No. Surat"]).startswith(f"{received:%d/%m/%Y}")
        kendali = {r["No. Agenda"]: r for r in tab(var / "register.xlsx", "Kendali")}[agenda]
        assert kendali["Tgl Terima"] == naive

    r = run_cli(project, "buku-agenda", "--from", f"{now.year}-01-01", "--to", f"{now.year}-12-31")
    assert r.returncode == 0, r.stderr
    export = next((var / "output" / "buku-agenda").glob("*.xlsx"))
    ws = openpyxl.load_workbook(export).active
    rows = {r[2]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    book = {r["No. Agenda"]: r["Tgl Terima"] for r in tab(var / "register.xlsx", "Buku Agenda")}
    for agenda, tgl in book.items():
        assert rows[agenda][1].replace(second=0) == tgl
