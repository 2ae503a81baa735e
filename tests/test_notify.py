"""Replies to citizens through the SOP: the booklet's galian C example taken to SELESAI,
a rejection, configuration of which events send what, and the ledger migration."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from siapmas_sync.ledger import SCHEMA_VERSION, Ledger, messages

from .smtp_support import SmtpServer, kinds_and_agendas, smtp_config
from .test_smtp import cli

GALIAN = "0001/SIAPMAS/2026"


@pytest.fixture
def server(tmp_path: Path):
    with SmtpServer(tmp_path) as srv:
        yield srv


def advance(config: Path, agenda: str, stage: str, *extra: str) -> None:
    out = cli(config, "advance", agenda, stage, *extra)
    assert out.returncode == 0, out.stderr


def test_galian_c_to_selesai_and_a_rejection_send_the_five_messages_in_order(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    assert cli(config, "sync").returncode == 0
    # each step by the official the demo configuration names ([[pejabat]] in config/demo.toml)
    advance(config, GALIAN, "PARAF KASUBAG TU", "--by", "Dwi Lestari")
    advance(config, GALIAN, "PERLU KELENGKAPAN", "--by", "Dwi Lestari",
            "--note", "Mohon kirim foto lokasi tambang yang menunjukkan papan nama")
    advance(config, GALIAN, "PARAF KASUBAG TU", "--by", "Dwi Lestari")  # the reporter sent it: back where it left from
    for stage, by in (("PARAF KABAG", "Agus Santoso"), ("DISPOSISI SEKWAN", "Bambang Wahyudi"),
                      ("DISPOSISI KETUA", "Hadi Prasetyo"), ("DISPOSISI DIBACAKAN", "Bambang Wahyudi")):
        advance(config, GALIAN, stage, "--by", by)
    advance(config, GALIAN, "DICATAT & DIDISTRIBUSIKAN", "--to", "Komisi III", "--by", "Siti Rahmawati")
    advance(config, GALIAN, "TINDAK LANJUT", "--by", "Rina Kusuma")
    advance(config, GALIAN, "SELESAI", "--by", "Rina Kusuma", "--note",
            "Komisi III telah meninjau lokasi bersama DLH dan Satpol PP; kegiatan tambang tanpa izin dihentikan.")
    assert cli(config, "setujui-surat", GALIAN, "--by", "Bambang Wahyudi").returncode == 0  # the letter approved
    advance(config, "0002/SIAPMAS/2026", "DITOLAK", "--by", "Dwi Lestari",
            "--note", "Bukan kewenangan DPRD; silakan ke Dinas Perhubungan.")
    out = cli(config, "sync")
    assert out.returncode == 0, out.stderr
    got = server.handler.received
    sent = kinds_and_agendas(got)
    assert [k for k, a in sent if a == GALIAN] == ["tanda_terima", "kelengkapan", "diteruskan", "balasan_akhir"]
    assert [k for k, a in sent if a == "0002/SIAPMAS/2026"] == ["tanda_terima", "penolakan"]
    # the five kinds, in the order their events happened
    later = [k for k, a in sent[6:]]
    assert later == ["kelengkapan", "diteruskan", "balasan_akhir", "penolakan"]
    by_kind = {m["X-SIAPMAS-Jenis"]: m for m in got if GALIAN in m["Subject"]}
    body = {k: m.get_body(("plain",)).get_content() for k, m in by_kind.items()}
    assert "foto lokasi tambang yang menunjukkan papan nama" in body["kelengkapan"]
    assert "menuliskan nomor agenda 0001/SIAPMAS/2026" in body["kelengkapan"]  # how to send it
    assert "Komisi III" in body["diteruskan"]
    assert "kegiatan tambang tanpa izin dihentikan" in body["balasan_akhir"]
    pdfs = [a.get_filename() for a in by_kind["balasan_akhir"].iter_attachments()]
    assert pdfs == ["surat-balasan-0001-SIAPMAS-2026.pdf"]
    reject = next(m for m in got if m["X-SIAPMAS-Jenis"] == "penolakan")
    assert "Bukan kewenangan DPRD" in reject.get_body(("plain",)).get_content()
    assert reject["To"] == "siti.aminah@example.co.id"
    assert len({m["Message-ID"] for m in got}) == len(got)
    final = by_kind["balasan_akhir"]
    print("\n===== Balasan akhir as received by the test SMTP server =====")
    print("\n".join(f"{h}: {final[h]}" for h in ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")))
    print("Lampiran:", ", ".join(pdfs))
    print()
    print(body["balasan_akhir"])
    # a later cycle sends nothing again
    assert cli(config, "sync").returncode == 0
    assert len(server.handler.received) == len(got)
    # the same four replies wait, in order, for the operator's WhatsApp (Pemberitahuan tab)
    from openpyxl import load_workbook

    wb = load_workbook(project.parent.parent / "var" / "demo" / "register.xlsx", read_only=True)
    rows = list(wb["Pemberitahuan"].values)
    wb.close()
    col = {h: i for i, h in enumerate(rows[0])}
    wa = [r[col["Jenis"]] for r in rows[1:] if r[col["No. Agenda"]] == GALIAN]
    assert wa == ["Tanda terima", "Permintaan kelengkapan", "Diteruskan", "Balasan akhir"]


def test_which_events_send_what_is_configuration(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^kinds = \[.*\]$", 'kinds = ["penolakan"]', text), encoding="utf-8")
    assert cli(config, "sync").returncode == 0
    advance(config, "0002/SIAPMAS/2026", "DITOLAK", "--by", "Dwi Lestari", "--note", "Bukan kewenangan DPRD.")
    advance(config, GALIAN, "PERLU KELENGKAPAN", "--by", "Dwi Lestari", "--note", "Foto kurang jelas.")
    assert cli(config, "sync").returncode == 0
    assert kinds_and_agendas(server.handler.received) == [("penolakan", "0002/SIAPMAS/2026")]


def test_a_rahasia_item_still_answers_its_reporter_only(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    assert cli(config, "sync").returncode == 0
    from siapmas_sync.config import load_settings
    from siapmas_sync.engine import build_workflow
    from siapmas_sync.steps import StepRecorder

    ledger = Ledger(load_settings(config).database_url())
    try:
        with ledger.tx() as conn:
            row = ledger.find_item("0004/SIAPMAS/2026", conn=conn)
            wf = build_workflow(load_settings(config))[0]
            recorder = StepRecorder(ledger, wf, lambda: datetime.now(timezone.utc), timezone.utc)
            recorder.set_fields(conn, row, rahasia=True, by="uji", channel="cli")
    finally:
        ledger.close()
    advance(config, "0004/SIAPMAS/2026", "DITOLAK", "--by", "Dwi Lestari", "--note", "Di luar kewenangan.")
    assert cli(config, "sync").returncode == 0
    reject = [m for m in server.handler.received if m["X-SIAPMAS-Jenis"] == "penolakan"]
    assert len(reject) == 1 and reject[0]["To"] == "rahma.wati@example.com"
    text = reject[0].get_body(("plain",)).get_content() + reject[0].get_body(("html",)).get_content()
    for other in ("Budi", "Siti", "Hendro", "Dewi", "budi.santoso", "0812"):  # nobody else's data
        assert other not in text


def test_an_existing_database_is_migrated(project: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    Ledger(f"sqlite:///{db}").close()
    with sqlite3.connect(db) as con:  # as version 1 left it: no messages table
        con.execute("DROP TABLE messages")
        con.execute("UPDATE meta SET value = '1' WHERE name = 'schema_version'")
    ledger = Ledger(f"sqlite:///{db}")
    try:
        assert ledger.get_meta("schema_version") == str(SCHEMA_VERSION) == "2"
        with ledger.engine.connect() as conn:
            assert list(conn.execute(select(messages))) == []
    finally:
        ledger.close()
