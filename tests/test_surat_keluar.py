"""The final letter leaves only approved and numbered (DESIGN.md, "The final letter"):
SELESAI makes a draft and sends nothing; `setujui-surat` by the Sekretaris DPRD (or their
Plh.) takes the next surat keluar number, records it in the Buku Surat Keluar and dates
the letter; then the reporter receives it with its lampiran. Checked as the office would,
through the CLI, the register workbook, the PDF and Word copies and the test SMTP server."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from siapmas_sync.config import load_settings
from siapmas_sync.documents.common import tanggal_id
from siapmas_sync.cycle.engine import build_workflow
from siapmas_sync.ledger import Ledger
from siapmas_sync.cycle.steps import StepRecorder

from .smtp_support import SmtpServer, kinds_and_agendas, smtp_config
from .test_docx_pdf_agree import word_text
from .test_smtp import cli

GALIAN = "0001/SIAPMAS/2026"
PUSKESMAS = "0004/SIAPMAS/2026"
TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()
LAPORAN = "Komisi III meninjau lokasi bersama DLH dan Satpol PP; kegiatan tambang tanpa izin dihentikan."
PLH = (f'\n[[pejabat]]\nnama = "Wahyu Nugroho"\njabatan = "Kabag Persidangan & PUU"\nplh = "Sekretaris DPRD"\n'
       f"plh_dari = {(TODAY - timedelta(days=1)).isoformat()}\nplh_sampai = {(TODAY + timedelta(days=2)).isoformat()}\n")


@pytest.fixture
def server(tmp_path: Path):
    with SmtpServer(tmp_path) as srv:
        yield srv


def ok(config: Path, *args: str) -> str:
    out = cli(config, *args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def refused(config: Path, *args: str) -> str:
    out = cli(config, *args)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert "GALAT" in out.stderr and "Saran" in out.stderr
    return " ".join(out.stderr.split())


def walk_to_selesai(config: Path, agenda: str, akd: str, member: str, laporan: str) -> None:
    for stage, by in (("PARAF KASUBAG TU", "Dwi Lestari"), ("PARAF KABAG", "Agus Santoso"),
                      ("DISPOSISI SEKWAN", "Bambang Wahyudi")):
        ok(config, "advance", agenda, stage, "--by", by)
    ok(config, "advance", agenda, "DISPOSISI KETUA", "--by", "Hadi Prasetyo", "--to", akd)
    ok(config, "advance", agenda, "DISPOSISI DIBACAKAN", "--by", "Bambang Wahyudi")
    ok(config, "advance", agenda, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati")
    ok(config, "advance", agenda, "TINDAK LANJUT", "--by", member)
    ok(config, "advance", agenda, "SELESAI", "--by", member, "--laporan", laporan)


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def make_rahasia(config: Path, agenda: str) -> None:
    s = load_settings(config)
    ledger = Ledger(s.database_url())
    try:
        with ledger.tx() as conn:
            row = ledger.find_item(agenda, conn=conn)
            StepRecorder(ledger, build_workflow(s)[0], lambda: datetime.now(timezone.utc), s.tz).set_fields(
                conn, row, rahasia=True, by="Dwi Lestari (Kasubag TU)", channel="cli")
    finally:
        ledger.close()


def test_selesai_is_a_draft_and_only_the_approved_numbered_letter_leaves(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    config.write_text(config.read_text(encoding="utf-8") + PLH, encoding="utf-8")
    ok(config, "sync")
    make_rahasia(config, PUSKESMAS)
    walk_to_selesai(config, GALIAN, "Komisi III", "Rina Kusuma", LAPORAN)
    walk_to_selesai(config, PUSKESMAS, "Komisi IV", "Yuni Astuti", "Antrean dibagi dua loket sejak 1 Desember.")
    ok(config, "sync")
    # nothing final leaves before approval; the office has a draft
    assert "balasan_akhir" not in [k for k, _a in kinds_and_agendas(server.handler.received)]
    folder = project.parent.parent / "var" / "demo" / "output" / "2026"
    draft = pdf_text((folder / "0001-SIAPMAS-2026" / "surat-balasan.pdf").read_bytes())
    assert "DRAF" in draft and "000.8.3.4/1/416-050/2026" not in draft

    # who may approve: the Sekretaris DPRD (or their Plh.), nobody else
    msg = refused(config, "setujui-surat", GALIAN, "--by", "Dwi Lestari")
    assert "tahap ini untuk Sekretaris DPRD" in msg
    assert "Bambang Wahyudi (Sekretaris DPRD)" in msg and "Wahyu Nugroho (Plh. Sekretaris DPRD)" in msg
    assert "--by" in refused(config, "setujui-surat", GALIAN)
    assert "surat balasan baru ada setelah SELESAI" in refused(config, "setujui-surat", "0002/SIAPMAS/2026",
                                                               "--by", "Bambang Wahyudi")
    out = ok(config, "setujui-surat", GALIAN, "--by", "Bambang Wahyudi")
    assert "nomor 000.8.3.4/1/416-050/2026" in out
    out = ok(config, "setujui-surat", PUSKESMAS, "--by", "Wahyu Nugroho")
    assert "nomor 000.8.3.4/2/416-050/2026" in out and "Wahyu Nugroho (Plh. Sekretaris DPRD)" in out
    again = ok(config, "setujui-surat", GALIAN, "--by", "Bambang Wahyudi")  # asked twice: the same number
    assert "sudah disetujui" in again and "000.8.3.4/1/416-050/2026" in again
    ok(config, "sync")

    finals = {a: m for (k, a), m in zip(kinds_and_agendas(server.handler.received), server.handler.received)
              if k == "balasan_akhir"}
    assert set(finals) == {GALIAN, PUSKESMAS}
    today = tanggal_id(datetime.now(ZoneInfo("Asia/Jakarta")))
    # the galian letter: numbered, dated today, with what it says is attached
    mail = finals[GALIAN]
    files = {a.get_filename(): a.get_content() for a in mail.iter_attachments()}
    assert sorted(files) == ["laporan-hasil-tindak-lanjut-0001-SIAPMAS-2026.pdf", "surat-balasan-0001-SIAPMAS-2026.pdf"]
    letter = pdf_text(files["surat-balasan-0001-SIAPMAS-2026.pdf"])
    for words in ("Nomor : 000.8.3.4/1/416-050/2026", "Lampiran : 1 (satu) berkas Laporan Hasil Tindak Lanjut",
                  "Yth. Sdr. Budi Santoso", "di –", "Tempat", f"Mojokerto, {today}", "Tembusan Yth.:",
                  "Pimpinan DPRD Kabupaten Mojokerto", "Komisi III", "Arsip", LAPORAN, "Bambang Wahyudi"):
        assert words in letter, words
    assert "DRAF" not in letter
    assert LAPORAN in pdf_text(files["laporan-hasil-tindak-lanjut-0001-SIAPMAS-2026.pdf"])
    assert "nomor 000.8.3.4/1/416-050/2026" in mail.get_body(("plain",)).get_content()
    # the Word copy says the same
    word = word_text(folder / "0001-SIAPMAS-2026" / "surat-balasan.docx")
    for words in ("000.8.3.4/1/416-050/2026", "1 (satu) berkas Laporan Hasil Tindak Lanjut", "Yth. Sdr. Budi Santoso",
                  "di –", "Tempat", f"Mojokerto, {today}", "Tembusan Yth.:", "Bambang Wahyudi", LAPORAN):
        assert words in word, words

    # the rahasia reporter at an address the form did not verify as theirs: the copy e-mailed
    # is the office's (never their name where someone else might read it); like the office copy
    mine = {a.get_filename(): a.get_content() for a in finals[PUSKESMAS].iter_attachments()}
    theirs = pdf_text(mine["surat-balasan-0004-SIAPMAS-2026.pdf"])
    assert "Rahmawati" not in theirs and "Yth. Pelapor Aduan Nomor Agenda 0004/SIAPMAS/2026" in theirs
    assert "Plh. Sekretaris DPRD" in theirs and "Wahyu Nugroho" in theirs
    office = pdf_text((folder / "0004-SIAPMAS-2026" / "surat-balasan.pdf").read_bytes())
    assert "Rahmawati" not in office and "Dirahasiakan" not in office
    assert "Yth. Pelapor Aduan Nomor Agenda 0004/SIAPMAS/2026" in office
    office_word = word_text(folder / "0004-SIAPMAS-2026" / "surat-balasan.docx")
    assert "Rahmawati" not in office_word and "Yth. Pelapor Aduan Nomor Agenda 0004/SIAPMAS/2026" in office_word

    # the Buku Surat Keluar, in the register
    wb = openpyxl.load_workbook(project.parent.parent / "var" / "demo" / "register.xlsx", read_only=True)
    rows = list(wb["Buku Surat Keluar"].values)
    wb.close()
    col = {h: i for i, h in enumerate(rows[0])}
    got = [(r[col["Nomor Surat"]], r[col["No. Agenda"]], r[col["Kepada"]]) for r in rows[1:]]
    assert got == [("000.8.3.4/1/416-050/2026", GALIAN, "Budi Santoso"),
                   ("000.8.3.4/2/416-050/2026", PUSKESMAS, "Pelapor aduan 0004/SIAPMAS/2026 (dirahasiakan)")]
    show = json.loads(ok(config, "show", GALIAN, "--json"))
    assert any(h["event"] == "SURAT KELUAR" and "000.8.3.4/1/416-050/2026" in h["note"] for h in show["history"])
    # a later cycle sends nothing again
    before = len(server.handler.received)
    ok(config, "sync")
    assert len(server.handler.received) == before
    if os.environ.get("SIAPMAS_TEST_KEEP"):  # for looking at the letters as images
        keep = Path(os.environ["SIAPMAS_TEST_KEEP"])
        keep.mkdir(parents=True, exist_ok=True)
        for name, data in {**files, **{"rahasia-" + k: v for k, v in mine.items()}}.items():
            (keep / name).write_bytes(data)
        for f in ("surat-balasan.pdf", "surat-balasan.docx"):
            (keep / f"kantor-0004-{f}").write_bytes((folder / "0004-SIAPMAS-2026" / f).read_bytes())
            (keep / f"kantor-0001-{f}").write_bytes((folder / "0001-SIAPMAS-2026" / f).read_bytes())


def test_a_signed_scan_in_the_folder_replaces_the_generated_letter(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    ok(config, "sync")
    walk_to_selesai(config, GALIAN, "Komisi III", "Rina Kusuma", LAPORAN)
    ok(config, "setujui-surat", GALIAN, "--by", "Bambang Wahyudi")
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
    folder.mkdir(parents=True, exist_ok=True)
    scan = b"%PDF-1.4\n% hasil pindaian surat bertanda tangan\n"
    (folder / "surat-balasan-ttd.pdf").write_bytes(scan)
    ok(config, "sync")
    (mail,) = [m for m in server.handler.received if m["X-SIAPMAS-Jenis"] == "balasan_akhir"]
    files = {a.get_filename(): a.get_content() for a in mail.iter_attachments()}
    assert files["surat-balasan-0001-SIAPMAS-2026.pdf"] == scan
    assert "laporan-hasil-tindak-lanjut-0001-SIAPMAS-2026.pdf" in files
