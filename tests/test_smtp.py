"""E-mail replies through a real SMTP server on loopback (aiosmtpd with STARTTLS, a
certificate the client verifies, AUTH), driven through the CLI as an operator would."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest


from .smtp_support import PASSWORD, PASSWORD_ENV, SmtpServer, kinds_and_agendas, smtp_config
from .clirun import CliResult, run_cli

REPO = Path(__file__).resolve().parent.parent
VALID = {"0001/SIAPMAS/2026", "0002/SIAPMAS/2026", "0004/SIAPMAS/2026", "0005/SIAPMAS/2026", "0006/SIAPMAS/2026"}


def cli(config: Path, *args: str, password: str = PASSWORD, **env: str) -> CliResult:
    return run_cli(config, *args, env={PASSWORD_ENV: password, **env})


@pytest.fixture
def server(tmp_path: Path):
    with SmtpServer(tmp_path) as srv:
        yield srv


def receipts(server: SmtpServer) -> Counter[str]:
    return Counter(a for k, a in kinds_and_agendas(server.handler.received) if k == "tanda_terima")


def test_one_receipt_per_numbered_item_never_twice(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    first = cli(config, "sync")
    assert first.returncode == 0, first.stderr
    assert "Pesan ke pelapor: 6 terkirim." in first.stdout  # five receipts and one duplikat
    assert "Tanpa alamat e-mail yang sah (tidak dikirimi pesan): 1 aduan (0003/SIAPMAS/2026)" in first.stdout
    for _ in range(2):  # later cycles, each a new process (a restart)
        again = cli(config, "sync")
        assert again.returncode == 0, again.stderr
    assert receipts(server) == Counter(VALID)  # exactly one each, none for 0003
    assert all(server.handler.sessions_tls)  # every message went over STARTTLS after AUTH
    got = server.handler.received
    assert len({m["Message-ID"] for m in got}) == len(got) == 6
    dup = [m for m in got if m["X-SIAPMAS-Jenis"] == "duplikat"]
    assert len(dup) == 1 and "0004/SIAPMAS/2026" in dup[0].get_body(("plain",)).get_content()
    assert dup[0]["To"] == "rahma.wati@example.com"
    budi = next(m for m in got if "0001/SIAPMAS/2026" in m["Subject"])
    assert budi["To"] == "budi.santoso@example.com" and budi["Reply-To"] == "sekwankabmojk@gmail.com"
    assert [a.get_filename() for a in budi.iter_attachments()] == ["tanda-terima-0001-SIAPMAS-2026.pdf"]
    assert next(budi.iter_attachments()).get_content().startswith(b"%PDF")
    print("\n===== Tanda terima as received by the test SMTP server =====")
    print("\n".join(f"{h}: {budi[h]}" for h in ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")))
    print()
    print(budi.get_body(("plain",)).get_content())
    shown = json.loads(cli(config, "show", "0001/SIAPMAS/2026", "--json").stdout)
    # the e-mail went; the WhatsApp one waits for the operator (Pemberitahuan tab, manual mode)
    assert [(m["channel"], m["kind"], m["state"]) for m in shown["messages"]] == [
        ("email", "tanda_terima", "terkirim"), ("whatsapp", "tanda_terima", "antri")]
    assert "budi.santoso" not in json.dumps(shown["messages"])  # the recipient is never in JSON
    assert not re.search(r"8\d{8,}", json.dumps(shown["messages"]))  # nor the number
    log = (project.parent.parent / "var" / "demo").rglob("*.log")
    assert not any("budi.santoso@" in p.read_text(errors="replace") for p in log)


def test_kill_after_sending_resends_once_with_the_same_message_id(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    # the worker dies right after the server accepted the first message, before recording it
    crashed = cli(config, "sync", SIAPMAS_TEST_FAILPOINT="notify_after_send")
    assert crashed.returncode == 86
    assert len(server.handler.received) == 1
    first_id = server.handler.received[0]["Message-ID"]
    after = cli(config, "sync")
    assert after.returncode == 0, after.stderr
    cli(config, "sync")
    ids = Counter(m["Message-ID"] for m in server.handler.received)
    assert ids[first_id] == 2  # resent once, with the same Message-ID (the receiver de-duplicates)
    assert all(n == 1 for i, n in ids.items() if i != first_id)
    assert receipts(server).keys() == VALID  # none lost


def test_permanent_and_temporary_failures(project: Path, server: SmtpServer) -> None:
    server.handler.rcpt_rules = {"budi.santoso": "550 5.1.1 Mailbox budi.santoso@example.com unavailable",
                                 "siti.aminah": "450 4.2.1 Mailbox busy, try later"}
    config = smtp_config(project, server)
    out = cli(config, "sync")
    assert out.returncode == 0, out.stderr
    assert "1 gagal sementara (diulang otomatis), 1 gagal tetap" in out.stdout
    assert "Pesan tanda_terima untuk 0001/SIAPMAS/2026 tidak dapat dikirim: 550" in out.stdout
    assert "budi.santoso@" not in out.stdout + out.stderr
    status = {i["agenda"]: i for i in json.loads(cli(config, "status", "--json").stdout)}
    assert status["0001/SIAPMAS/2026"]["messages"][0]["state"] == "gagal_tetap"
    assert "550" in status["0001/SIAPMAS/2026"]["messages"][0]["error"]
    assert status["0002/SIAPMAS/2026"]["messages"][0]["state"] == "gagal_sementara"
    # the operator sees it in Kendali (Pesan) once the next cycle writes the sheet
    server.handler.rcpt_rules = {}
    cli(config, "sync")
    from openpyxl import load_workbook

    wb = load_workbook(project.parent.parent / "var" / "demo" / "register.xlsx", read_only=True)
    ws = wb["Kendali"]
    rows = list(ws.values)
    col = rows[0].index("Pesan")
    pesan = {r[0]: r[col] for r in rows[1:]}
    assert "Pesan tanda_terima ke pelapor (email) gagal: 550" in pesan["0001/SIAPMAS/2026"]
    assert "b***@example.com" in pesan["0001/SIAPMAS/2026"]  # the address is masked
    # the temporary failure waits for its backoff: not retried within the same minutes
    assert receipts(server)["0002/SIAPMAS/2026"] == 0


def test_auth_failure_is_a_galat_and_numbering_goes_on(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    out = cli(config, "sync", password="salah")
    assert out.returncode == 2
    assert "GALAT" in out.stderr and "menolak login" in out.stderr and "Sandi Aplikasi" in out.stderr
    assert "Traceback" not in out.stderr
    status = json.loads(cli(config, "status", "--json").stdout)
    assert len(status) == 6  # numbered and recorded all the same
    assert {m["state"] for i in status for m in i["messages"]} == {"antri"}
    assert server.handler.received == []
    fixed = cli(config, "sync")
    assert fixed.returncode == 0 and receipts(server) == Counter(VALID)


def test_421_is_temporary_and_stops_the_cycle(project: Path, server: SmtpServer) -> None:
    server.handler.mail_reply = "421 4.7.0 Too many connections, try again later"
    config = smtp_config(project, server)
    out = cli(config, "sync")
    assert out.returncode == 0, out.stderr
    status = json.loads(cli(config, "status", "--json").stdout)
    states = Counter(m["state"] for i in status for m in i["messages"] if m["channel"] == "email")
    assert states == Counter({"gagal_sementara": 1, "antri": 5})  # five receipts and the duplikat  # one try, then the server is left alone


def test_unverified_certificate_is_refused(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server, ca_file="")
    out = cli(config, "sync")
    assert out.returncode == 2 and "Sertifikat server SMTP" in out.stderr
    assert server.handler.received == []


def test_daily_limit_carries_the_rest_to_the_next_day(project: Path, server: SmtpServer, make_engine, clock,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    config = smtp_config(project, server, daily_limit=2)
    engine = make_engine(config)
    clock.now = clock.now.replace(hour=22)  # 22:00 WIB
    report = engine.cycle()
    assert "Pesan ke pelapor: 2 terkirim, 4 menunggu hari berikutnya (batas harian)." in report.summary_id()
    clock.now += timedelta(hours=1, minutes=30)  # 23:30 WIB, the same day
    engine.cycle()
    assert len(server.handler.received) == 2
    clock.now += timedelta(hours=1)  # 00:30 WIB: a new day (still the previous day in UTC)
    engine.cycle()
    assert len(server.handler.received) == 4
    clock.now += timedelta(days=1)
    engine.cycle()
    assert len(server.handler.received) == 6
    assert len({m["Message-ID"] for m in server.handler.received}) == 6


@pytest.mark.crash
def test_sigkill_while_the_server_holds_a_message_loses_none_and_resends_at_most_once(
        project: Path, server: SmtpServer) -> None:
    """An outside SIGKILL (not a failpoint) while the worker waits for a slow server's
    answer to DATA: the restarted worker completes; every message arrives once or twice,
    never zero times, and a duplicate carries the same Message-ID."""
    config = smtp_config(project, server)
    server.handler.hold = threading.Event()
    environ = {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(REPO)}
    worker = subprocess.Popen([sys.executable, "-m", "siapmas_sync", "--config", str(config), "sync"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environ)
    try:
        assert server.handler.holding.wait(timeout=170), "the worker never reached the SMTP DATA step"
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=60) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    server.handler.hold.set()  # the server finishes the message the killed worker was sending
    again = cli(config, "sync")
    assert again.returncode == 0, again.stderr
    assert cli(config, "sync").returncode == 0  # and nothing more later
    got = server.handler.received
    by_message: dict[tuple[str, str], list[str]] = {}
    for m, (kind, agenda) in zip(got, kinds_and_agendas(got)):
        by_message.setdefault((kind, agenda), []).append(m["Message-ID"])
    assert receipts(server).keys() == VALID  # none lost
    assert all(1 <= len(ids) <= 2 for ids in by_message.values())
    assert all(len(set(ids)) == 1 for ids in by_message.values())  # a resend keeps its Message-ID
    assert sum(len(ids) - 1 for ids in by_message.values()) <= 1  # only the message in flight


def test_a_server_slower_than_the_timeout_gets_each_message_once(project: Path, server: SmtpServer) -> None:
    """RFC 5321 §4.5.3.2.6: the reply to the final dot may take 10 minutes; the configured
    timeout (1 s here) bounds the connection and the commands, not that wait."""
    server.handler.answer_delays = [3.0, 3.0]  # the first two messages are accepted 3 s late
    config = smtp_config(project, server, timeout_seconds=1)
    for _ in range(3):
        out = cli(config, "sync")
        assert out.returncode == 0, out.stderr
        assert "gagal sementara" not in out.stdout
    ids = Counter(m["Message-ID"] for m in server.handler.received)
    assert len(ids) == 6 and set(ids.values()) == {1}
    assert receipts(server) == Counter(VALID)


def test_a_message_whose_fate_is_unknown_is_sent_at_most_twice_then_left_to_the_operator(
        project: Path, server: SmtpServer, make_engine, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server takes Budi's receipt and drops the connection without answering: the
    worker cannot know it arrived. It resends once, then stops and tells the operator."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    server.handler.drop_after_data = {"budi.santoso"}
    config = smtp_config(project, server, timeout_seconds=2)
    engine = make_engine(config)
    summaries = []
    for _ in range(8):  # many cycles, hours apart (every backoff over)
        summaries.append(engine.cycle().summary_id())
        clock.now += timedelta(hours=7)
    budi = [m for m in server.handler.received if m["To"] == "budi.santoso@example.com"]
    assert len(budi) == 2 and len({m["Message-ID"] for m in budi}) == 1  # the one resend, same Message-ID
    assert receipts(server).keys() == VALID  # the others went all the same
    galat = [s for s in summaries if "GALAT: Pesan tanda_terima untuk 0001/SIAPMAS/2026 mungkin sudah sampai" in s]
    assert len(galat) == 1 and "Saran: Periksa folder Terkirim" in galat[0]  # said once
    shown = json.loads(cli(config, "show", "0001/SIAPMAS/2026", "--json").stdout)
    email_msg = next(m for m in shown["messages"] if m["channel"] == "email")
    assert email_msg["state"] == "perlu_periksa" and "tidak dikirim lagi" in email_msg["error"]
    assert "budi.santoso@" not in json.dumps(shown)
    plain = cli(config, "show", "0001/SIAPMAS/2026").stdout
    assert "Pesan        : tanda_terima (email): perlu_periksa — " in plain and "budi.santoso@" not in plain
    from openpyxl import load_workbook

    wb = load_workbook(project.parent.parent / "var" / "demo" / "register.xlsx", read_only=True)
    rows = list(wb["Kendali"].values)
    wb.close()
    pesan = {r[0]: r[rows[0].index("Pesan")] for r in rows[1:]}
    assert "perlu diperiksa" in pesan["0001/SIAPMAS/2026"] and "budi.santoso@" not in pesan["0001/SIAPMAS/2026"]


UNICODE_ROWS = (  # before every demo row: the first messages of the cycle
    "2026/11/27 7:01:00 AM GMT+7,Dewi Kartika,,dewi@bücher.example,"
    "\"Lampu PJU di Jalan Raya Trowulan padam sejak sepekan, mohon diperbaiki.\",,Trowulan / Trowulan\n"
    "2026/11/27 7:02:00 AM GMT+7,Siti Rahmawatí,,siti.rahmawatí@gmail.com,"
    "\"Saluran irigasi di Desa Jatirejo tersumbat sampah sehingga sawah tergenang.\",,Jatirejo / Jatirejo\n")


def add_rows(project: Path, rows: str) -> None:
    responses = project.parent.parent / "examples" / "responses.csv"
    header, rest = responses.read_text(encoding="utf-8").split("\n", 1)
    responses.write_text(header + "\n" + rows + rest, encoding="utf-8")


@pytest.mark.parametrize("smtputf8", [False, True], ids=["tanpa-SMTPUTF8", "dengan-SMTPUTF8"])
def test_a_unicode_address_never_blocks_the_others(project: Path, tmp_path: Path, smtputf8: bool) -> None:
    add_rows(project, UNICODE_ROWS)
    (tmp_path / "srv").mkdir()
    with SmtpServer(tmp_path / "srv", smtputf8=smtputf8) as srv:
        config = smtp_config(project, srv)
        out = cli(config, "sync")
        assert out.returncode == 0, out.stderr
        got = srv.handler.received
        to = [m["To"] for m in got]
        # the domain in Unicode goes as IDNA (RFC 5890), with or without SMTPUTF8
        assert "dewi@xn--bcher-kva.example" in to
        # the five demo receipts and the duplikat went in the same cycle as the bad address
        sent = Counter(a for k, a in kinds_and_agendas(got) if k == "tanda_terima")
        assert len(sent) == (7 if smtputf8 else 6) and set(sent.values()) == {1}
        assert [k for k, _ in kinds_and_agendas(got)].count("duplikat") == 1
        siti_agenda = "0002/SIAPMAS/2026"  # numbered second (the second oldest row)
        shown = json.loads(cli(config, "show", siti_agenda, "--json").stdout)
        siti = next(m for m in shown["messages"] if m["channel"] == "email")
        if smtputf8:  # the mailbox in Unicode goes with SMTPUTF8 (RFC 6531)
            assert "siti.rahmawatí@gmail.com" in to and siti["state"] == "terkirim"
            assert "gagal" not in out.stdout
        else:  # one message's permanent failure, its reason in Indonesian; the channel goes on
            assert siti["state"] == "gagal_tetap" and "tidak mendukung SMTPUTF8" in siti["error"]
            assert f"Pesan tanda_terima untuk {siti_agenda} tidak dapat dikirim: bagian sebelum @" in out.stdout
            assert "1 gagal tetap" in out.stdout and "gagal sementara" not in out.stdout
            assert "siti.rahmawat" not in out.stdout + out.stderr + json.dumps(shown)
