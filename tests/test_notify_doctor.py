"""`doctor` checks [notify] without sending anything: the sender, the SMTP password
variable, the SMTP login against a real server on loopback, the WhatsApp token."""

from __future__ import annotations

from pathlib import Path

import pytest

from .smtp_support import PASSWORD_ENV, SmtpServer, free_port, smtp_config
from .test_smtp import cli


@pytest.fixture
def server(tmp_path: Path):
    with SmtpServer(tmp_path) as srv:
        yield srv


def line(out: str, name: str) -> str:
    found = [ln for i, ln in enumerate(out.splitlines()) if name in ln]
    assert found, out
    return found[0]


def test_the_demo_writes_files_and_whatsapp_is_manual(project: Path) -> None:
    r = cli(project, "doctor")
    assert r.returncode == 0, r.stdout
    assert line(r.stdout, "Pesan e-mail ke pelapor").startswith("[OK   ]") and ".eml" in r.stdout
    assert "tab Pemberitahuan" in line(r.stdout, "Pesan WhatsApp ke pelapor")


def test_smtp_login_is_checked_without_sending(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    r = cli(config, "doctor")
    assert r.returncode == 0, r.stdout
    assert line(r.stdout, "Server SMTP").startswith("[OK   ]") and "tidak ada pesan dikirim" in r.stdout
    assert line(r.stdout, "Kata sandi SMTP").startswith("[OK   ]")
    assert server.handler.received == []
    assert "sandi-aplikasi-uji" not in r.stdout + r.stderr


def test_wrong_password_missing_variable_bad_sender_and_no_server(project: Path, server: SmtpServer) -> None:
    config = smtp_config(project, server)
    r = cli(config, "doctor", password="salah")
    assert r.returncode == 1
    assert line(r.stdout, "Server SMTP").startswith("[GAGAL]") and "menolak login" in r.stdout
    assert "Sandi Aplikasi" in r.stdout and "Saran" in r.stdout
    r = cli(config, "doctor", password="")
    assert line(r.stdout, "Kata sandi SMTP").startswith("[GAGAL]") and PASSWORD_ENV in r.stdout
    config.write_text(config.read_text(encoding="utf-8").replace(f"<{'sekwan@example.go.id'}>", "<bukan-alamat>"),
                      encoding="utf-8")
    r = cli(config, "doctor")
    assert line(r.stdout, "Alamat pengirim").startswith("[GAGAL]")
    config.write_text(config.read_text(encoding="utf-8").replace(f"port = {server.port}", f"port = {free_port()}"),
                      encoding="utf-8")
    r = cli(config, "doctor")
    assert line(r.stdout, "Server SMTP").startswith("[GAGAL]") and "firewall" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_cloud_api_needs_its_token_variable(project: Path) -> None:
    project.write_text(project.read_text(encoding="utf-8") + '\n[notify.whatsapp]\nmode = "cloud_api"\n'
                       'phone_number_id = "106540352242922"\ntoken_env = "WA_UJI_TOKEN"\n'
                       '[notify.whatsapp.templates]\ntanda_terima = "siapmas_tanda_terima"\n', encoding="utf-8")
    r = cli(project, "doctor")
    assert r.returncode == 1
    assert line(r.stdout, "Token WhatsApp").startswith("[GAGAL]") and "WA_UJI_TOKEN" in r.stdout
    r = cli(project, "doctor", WA_UJI_TOKEN="EAAG-uji")
    assert r.returncode == 0, r.stdout
    assert line(r.stdout, "Token WhatsApp").startswith("[OK   ]") and "EAAG-uji" not in r.stdout
    assert "tanda_terima" in line(r.stdout, "Pesan WhatsApp ke pelapor")
