"""A queued message whose reason no longer holds is cancelled before it is sent, with a
Riwayat note: a request for kelengkapan withdrawn within the cycle never reaches the
citizen (a real SMTP server is listening), nor is it offered as a WhatsApp link."""

from __future__ import annotations

import json
from pathlib import Path

from siapmas_sync.cycle.engine import build_workflow
from siapmas_sync.config import load_settings
from siapmas_sync.notify.validity import still_holds

from .smtp_support import SmtpServer, kinds_and_agendas, smtp_config
from .test_pemberitahuan import tab
from .test_smtp import cli

GALIAN = "0001/SIAPMAS/2026"


def test_each_kind_holds_while_its_stage_does(project: Path) -> None:
    wf, _cal = build_workflow(load_settings(project, environ={}))
    assert still_holds(wf, "kelengkapan", "PERLU KELENGKAPAN")
    assert not still_holds(wf, "kelengkapan", "PARAF KASUBAG TU")
    assert still_holds(wf, "penolakan", "DITOLAK") and not still_holds(wf, "penolakan", "TERAGENDA")
    assert still_holds(wf, "diteruskan", "DICATAT & DIDISTRIBUSIKAN") and still_holds(wf, "diteruskan", "TINDAK LANJUT")
    assert not still_holds(wf, "diteruskan", "DIKEMBALIKAN") and not still_holds(wf, "diteruskan", "DISPOSISI KETUA")
    assert still_holds(wf, "balasan_akhir", "SELESAI") and not still_holds(wf, "balasan_akhir", "TINDAK LANJUT")
    for kind in ("tanda_terima", "duplikat", "kelengkapan_diterima"):  # true once caused
        assert still_holds(wf, kind, "DITOLAK")


def test_a_withdrawn_kelengkapan_request_never_reaches_the_citizen(project: Path, tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server:
        config = smtp_config(project, server)
        assert cli(config, "sync").returncode == 0
        # within one cycle: asked for kelengkapan, then the Kasubag TU takes it back and signs
        for stage in ("PERLU KELENGKAPAN", "TERAGENDA", "PARAF KASUBAG TU"):
            out = cli(config, "advance", GALIAN, stage, "--by", "Dwi Lestari", "--note", "Mohon foto papan nama")
            assert out.returncode == 0, out.stderr + out.stdout
        out = cli(config, "sync")
        assert out.returncode == 0, out.stderr
        assert "2 dibatalkan karena alasannya tidak berlaku lagi" in out.stdout, out.stdout  # e-mail and WhatsApp
        sent = [k for k, a in kinds_and_agendas(server.handler.received) if a == GALIAN]
        assert sent == ["tanda_terima"]  # the request never reached the SMTP server
        shown = json.loads(cli(config, "show", GALIAN, "--json").stdout)
        requests = [m for m in shown["messages"] if m["kind"] == "kelengkapan"]
        assert requests and {m["state"] for m in requests} == {"dibatalkan"}  # e-mail and WhatsApp
        notes = [h for h in shown["history"] if h["event"] == "PESAN DIBATALKAN"]
        assert len(notes) == len(requests) and "PARAF KASUBAG TU" in notes[0]["note"]
        riwayat = [r for r in tab(project, "Riwayat") if r["Peristiwa"] == "PESAN DIBATALKAN"]
        assert {r["No. Agenda"] for r in riwayat} == {GALIAN}
        # the operator is not offered a link to send it by hand
        wa = [r for r in tab(project, "Pemberitahuan")
              if r["No. Agenda"] == GALIAN and r["Jenis"] == "Permintaan kelengkapan"]
        assert wa and all(r["Tautan WhatsApp"] in (None, "") and str(r["Status"]).startswith("Dibatalkan") for r in wa)
        # later cycles send nothing more and record nothing twice
        assert cli(config, "sync").returncode == 0
        assert [k for k, a in kinds_and_agendas(server.handler.received) if a == GALIAN] == ["tanda_terima"]
        again = json.loads(cli(config, "show", GALIAN, "--json").stdout)
        assert [h["event"] for h in again["history"]].count("PESAN DIBATALKAN") == len(requests)


def test_a_request_still_waiting_is_sent(project: Path, tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server:
        config = smtp_config(project, server)
        assert cli(config, "sync").returncode == 0
        out = cli(config, "advance", GALIAN, "PERLU KELENGKAPAN", "--by", "Dwi Lestari", "--note", "Mohon foto")
        assert out.returncode == 0, out.stderr
        assert cli(config, "sync").returncode == 0
        assert [k for k, a in kinds_and_agendas(server.handler.received) if a == GALIAN] == ["tanda_terima", "kelengkapan"]
