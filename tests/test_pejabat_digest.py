"""The next official told (notify/pejabat.py): each official with an e-mail gets one digest
per cycle in which items reached them, listing every item waiting for them with its
deadline and no reporter contact data; an overdue step is escalated to the superior once
a day. Driven through cycles with the test clock and received by the test SMTP server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from .conftest import WIB
from .smtp_support import PASSWORD, PASSWORD_ENV, SmtpServer, smtp_config

EMAILS = {"Dwi Lestari": "dwi@dprd.example.go.id", "Agus Santoso": "agus@dprd.example.go.id",
          "Bambang Wahyudi": "sekwan@dprd.example.go.id"}


@pytest.fixture(autouse=True)
def password(monkeypatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


@pytest.fixture
def server(tmp_path: Path):
    with SmtpServer(tmp_path) as srv:
        yield srv


def with_emails(config: Path) -> Path:
    text = config.read_text(encoding="utf-8")
    for nama, email in EMAILS.items():
        text = re.sub(rf'(nama = "{nama}"\njabatan = "[^"]*"\n)', rf'\1email = "{email}"\n', text)
    config.write_text(text, encoding="utf-8")
    return config


def official_mail(server: SmtpServer, start: int = 0) -> list[tuple[str, str, str]]:
    """(kind, recipient, plain text) of the officials' messages received after *start*."""
    return [(m["X-SIAPMAS-Jenis"], m["To"], m.get_body(("plain",)).get_content())
            for m in server.handler.received[start:] if m["X-SIAPMAS-Jenis"].startswith("pejabat_")]


def test_digest_per_cycle_and_daily_escalation(project: Path, server: SmtpServer, make_engine, clock) -> None:
    config = with_emails(smtp_config(project, server))
    make_engine(config).cycle()  # Saturday 28/11 14.00: six items numbered, waiting for the Kasubag TU
    got = official_mail(server)
    assert [(k, to) for k, to, _t in got] == [("pejabat_menunggu", EMAILS["Dwi Lestari"])]
    text = got[0][2]
    agendas = re.findall(r"\d{4}/SIAPMAS/2026", text)
    assert agendas == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 7)]
    assert text.count("PARAF KASUBAG TU") == 6 and "batas waktu 30/11/2026 07.40 WIB" in text
    for private in ("Budi", "Santoso", "0812", "@example.com", "siti.aminah", "Rahmawati"):  # no reporter data
        assert private not in text

    seen = len(server.handler.received)
    clock.now += timedelta(minutes=5)
    make_engine(config).cycle()
    assert official_mail(server, seen) == []  # nothing new reached anyone: no second digest

    engine = make_engine(config)
    engine.steps.advance("0001/SIAPMAS/2026", "PARAF KASUBAG TU", by="Dwi Lestari")
    clock.now += timedelta(minutes=5)
    seen = len(server.handler.received)
    make_engine(config).cycle()
    got = official_mail(server, seen)
    assert [(k, to) for k, to, _t in got] == [("pejabat_menunggu", EMAILS["Agus Santoso"])]
    assert re.findall(r"\d{4}/SIAPMAS/2026", got[0][2]) == ["0001/SIAPMAS/2026"] and "PARAF KABAG" in got[0][2]

    # Monday 09.00: the SOP's 10 minutes are over; each step's superior is told once that day
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
    seen = len(server.handler.received)
    make_engine(config).cycle()
    got = official_mail(server, seen)
    late = {to: t for k, to, t in got if k == "pejabat_terlambat"}
    assert set(late) == {EMAILS["Agus Santoso"], EMAILS["Bambang Wahyudi"]}
    assert len(re.findall(r"\d{4}/SIAPMAS/2026", late[EMAILS["Agus Santoso"]])) == 5  # waiting for the Kasubag TU
    assert re.findall(r"\d{4}/SIAPMAS/2026", late[EMAILS["Bambang Wahyudi"]]) == ["0001/SIAPMAS/2026"]
    assert "TERLAMBAT" in late[EMAILS["Agus Santoso"]]
    clock.now += timedelta(hours=2)
    seen = len(server.handler.received)
    make_engine(config).cycle()
    assert [k for k, _to, _t in official_mail(server, seen)] == []  # once a day
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    seen = len(server.handler.received)
    make_engine(config).cycle()
    assert sorted(to for k, to, _t in official_mail(server, seen) if k == "pejabat_terlambat") == sorted(
        [EMAILS["Agus Santoso"], EMAILS["Bambang Wahyudi"]])
