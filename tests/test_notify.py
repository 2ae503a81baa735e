"""Replies to citizens through the SOP: the booklet's galian C example taken to SELESAI,
a rejection, configuration of which events send what, and the ledger migration."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from siapmas_sync.ledger import SCHEMA_VERSION, Ledger
from siapmas_sync.ledger.schema import messages  # white-box: an older ledger's rows

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
    # the request goes out while it holds (one withdrawn before a cycle is never sent: test_message_validity)
    assert cli(config, "sync").returncode == 0
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
    from siapmas_sync.cycle.engine import build_workflow
    from siapmas_sync.cycle.steps import StepRecorder

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


PHISH = "akun Anda diblokir, verifikasi di http://evil.example/login"


def stranger_rows(n: int = 10) -> str:
    """Rows addressed to strangers (seven to one victim, three to three others) carrying a
    phishing text in the name and the perihal (the first sentence of the chronology)."""
    rows = []
    for i in range(n):
        to = "korban@example.org" if i < 7 else f"korban{i}@example.net"
        rows.append(f'2026/11/28 1:{10 + i}:00 PM GMT+7,"Admin: {PHISH}?id={i}",,{to},'
                    f'"Akun Anda diblokir, verifikasi di http://evil.example/v?id={i} sekarang. Kasus {i}.",,Sooko / Sooko\n')
    return "".join(rows)


def add_rows(project: Path, rows: str) -> None:
    responses = project.parent.parent / "examples" / "responses.csv"
    header, rest = responses.read_text(encoding="utf-8").split("\n", 1)
    responses.write_text(header + "\n" + rows + rest, encoding="utf-8")


def everything_in(m) -> str:  # noqa: ANN001
    """All a recipient can read: headers, text, HTML and the text of attached PDFs."""
    import io

    from pypdf import PdfReader

    parts = [str(m["Subject"]), m.get_body(("plain",)).get_content(), m.get_body(("html",)).get_content()]
    for a in m.iter_attachments():
        parts += [p.extract_text() for p in PdfReader(io.BytesIO(a.get_content())).pages]
    return "\n".join(parts)


def test_the_office_mail_is_not_a_relay(project: Path, server: SmtpServer, make_engine, clock,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from .smtp_support import PASSWORD, PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    config = smtp_config(project, server, daily_limit=9)
    engine = make_engine(config)
    clock.now = clock.now.replace(hour=21)  # 21:00 WIB
    engine.cycle()
    assert len(server.handler.received) == 6  # the demo's five receipts and one duplikat
    add_rows(project, stranger_rows())
    clock.now += timedelta(minutes=30)
    summary = engine.cycle().summary_id()  # the ten rows numbered; three receipts fill the day's nine
    assert len(server.handler.received) == 9 and "7 menunggu hari berikutnya (batas harian)" in summary
    with engine.ledger.tx() as conn:  # an official acts (as `advance` does, on the engine's clock)
        engine.steps.advance("0002/SIAPMAS/2026", "DITOLAK", note="Bukan kewenangan DPRD; silakan ke Dinas Perhubungan.",
                             by="Dwi Lestari", channel="cli", conn=conn)
    clock.now += timedelta(days=1)
    summary = engine.cycle().summary_id()
    day2 = server.handler.received[9:]
    # the genuine reporter's reply goes before the receipts waiting since yesterday
    assert day2[0]["X-SIAPMAS-Jenis"] == "penolakan" and day2[0]["To"] == "siti.aminah@example.co.id"
    assert "Bukan kewenangan DPRD" in day2[0].get_body(("plain",)).get_content()
    # the victim gets three receipts a day (per_address_daily); the fourth waits, nothing lost
    assert "1 menunggu hari berikutnya (batas per alamat/aduan)" in summary
    status = json.loads(cli(config, "status", "--json").stdout)
    waiting = [m for i in status for m in i["messages"] if m["channel"] == "email" and m["state"] == "antri"]
    assert len(waiting) == 1
    clock.now += timedelta(days=1)
    engine.cycle()
    strangers = [m for m in server.handler.received if "korban" in m["To"]]
    assert len(strangers) == 10  # one minimal receipt per row, over three days
    per_day = Counter(m["Date"][:16] for m in strangers if m["To"] == "korban@example.org")
    assert sorted(per_day.values()) == [1, 3, 3]
    for m in strangers:
        seen = everything_in(m)
        assert "diblokir" not in seen.lower() and "evil" not in seen and "Admin" not in seen
        assert "<a " not in m.get_body(("html",)).get_content()  # no link at all
        assert "Demi keamanan, isi aduan tidak kami kutip" in seen and "Saudara Pelapor" in seen


def test_a_confirmed_address_is_quoted_with_its_links_made_inert(project: Path, server: SmtpServer) -> None:
    """With the form collecting verified addresses, a receipt to that very address quotes
    the perihal; a link in it arrives as text no mail client makes clickable."""
    import csv
    import io

    responses = project.parent.parent / "examples" / "responses.csv"
    table = list(csv.reader(io.StringIO(responses.read_text(encoding="utf-8"))))
    table[0].append("Email Address")
    for row in table[1:]:
        row.append(row[3] if row[1] == "Budi Santoso" else "")  # Budi signed in; the others did not
    table[1][4] = "Lihat foto di http://bukti.example/galian sebelum dihapus. " + table[1][4]
    out = io.StringIO()
    csv.writer(out).writerows(table)
    responses.write_text(out.getvalue(), encoding="utf-8")
    config = smtp_config(project, server)
    config.write_text(config.read_text(encoding="utf-8").replace(
        'status_url = ""', 'status_url = ""\nform_collects_verified_email = true'), encoding="utf-8")
    assert cli(config, "sync").returncode == 0
    budi = next(m for m in server.handler.received if m["To"] == "budi.santoso@example.com")
    seen = everything_in(budi)
    assert "Budi Santoso" in seen and "hxxp://bukti[.]example/galian" in seen
    assert "http://bukti" not in seen and "<a " not in budi.get_body(("html",)).get_content()
    siti = next(m for m in server.handler.received if m["To"] == "siti.aminah@example.co.id")
    assert "Siti" not in everything_in(siti)  # not confirmed: the minimal receipt
