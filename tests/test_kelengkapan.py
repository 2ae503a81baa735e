"""A new form response quoting an agenda number is that item's kelengkapan: linked to it
(Riwayat, evidence), the item resumes the stage it left PERLU KELENGKAPAN from, no new
number, no receipt — through the CLI on the local backend and on the Google stand-in."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from pathlib import Path

from siapmas_sync.config import load_settings
from siapmas_sync.ledger import Ledger

from siapmas_sync.kelengkapan import Known, link_target, quote_pattern, quoted_numbers
from siapmas_sync.models import Submission

from .smtp_support import SmtpServer, kinds_and_agendas, smtp_config
from .test_pemberitahuan import tab as register_tab
from .test_smtp import cli

GALIAN = "0001/SIAPMAS/2026"
WAITING = "PERLU KELENGKAPAN"


def sub(kronologi: str, *extra: tuple[str, str], telepon: str = "", email: str = "") -> Submission:
    return Submission("k", "h", datetime(2026, 11, 30), "Budi", telepon, email, kronologi, extra=extra)


def test_quoted_numbers_are_read_as_citizens_type_them() -> None:
    p = quote_pattern("{seq:04d}/SIAPMAS/{year}", "000.8.3.4", "DPRD")
    assert quoted_numbers(sub("kelengkapan untuk nomor 0003 / siapmas / 2026, foto terlampir"), p) == [(2026, 3)]
    assert quoted_numbers(sub("lihat 3/SIAPMAS/2026 dan 0003/SIAPMAS/2026"), p) == [(2026, 3)]
    assert quoted_numbers(sub("tanpa nomor", ("Nomor agenda sebelumnya", "0012/SIAPMAS/2026")), p) == [(2026, 12)]
    assert quoted_numbers(sub("nomor 10003/SIAPMAS/20261"), p) == []  # not a number of ours


def test_link_decision() -> None:
    waiting = Known("a", "0003/SIAPMAS/2026", WAITING, "+6281234567890", "budi@example.com")
    moving = Known("b", "0004/SIAPMAS/2026", "PARAF KABAG", "+6285712345678", "rahma@example.com")
    known = {(2026, 3): waiting, (2026, 4): moving}
    assert link_target([(2026, 3)], known, "", "") is waiting  # the item waits for exactly this
    assert link_target([(2026, 4)], known, "", "") is None  # someone refers to an item that waits for nothing
    assert link_target([(2026, 4)], known, "", "rahma@example.com") is moving  # its own reporter adds something
    assert link_target([(2026, 4)], known, "+6285712345678", "") is moving
    assert link_target([(2026, 3), (2026, 4)], known, "", "") is None  # two items: a new complaint
    assert link_target([(2026, 9)], known, "", "") is None  # unknown number


def add_response(project: Path, kronologi: str, bukti: str = "", **fields: str) -> None:
    path = project.parent.parent / "examples" / "responses.csv"
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([fields.get("ts", "2026/11/30 10:00:00 AM GMT+7"), fields.get("nama", "Budi Santoso"),
                                 fields.get("telepon", "0812-3456-7890"), fields.get("email", "budi.santoso@example.com"),
                                 kronologi, bukti, "Mojorejo / Kemlagi"])


def test_a_response_quoting_the_number_completes_the_item(project: Path, tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server:
        config = smtp_config(project, server)
        assert cli(config, "sync").returncode == 0
        for stage in ("PARAF KASUBAG TU", "PERLU KELENGKAPAN"):
            out = cli(config, "advance", GALIAN, stage, "--by", "Dwi Lestari", "--note", "Mohon foto papan nama tambang")
            assert out.returncode == 0, out.stderr
        evidence = project.parent.parent / "examples" / "evidence"
        shutil.copy(evidence / "1GalianC_Kemlagi_foto01.jpg", evidence / "1GalianC_papan_nama.jpg")
        add_response(project, "Kelengkapan untuk nomor agenda 0001/SIAPMAS/2026: foto papan nama tambang terlampir.",
                     "https://drive.google.com/open?id=1GalianC_papan_nama")
        out = cli(config, "sync")
        assert out.returncode == 0, out.stderr
        assert f"kelengkapan untuk {GALIAN} dicatat (tanpa nomor baru); tahap kembali ke PARAF KASUBAG TU." in out.stdout
        assert "aduan baru diberi nomor agenda (" not in out.stdout  # "0 aduan baru": nothing numbered
        shown = json.loads(cli(config, "show", GALIAN, "--json").stdout)
        assert shown["stage"] == "PARAF KASUBAG TU"
        events = [h["event"] for h in shown["history"]]
        assert "KELENGKAPAN DITERIMA" in events
        ledger = Ledger(load_settings(config, environ={}).database_url())
        try:
            item = ledger.find_item(GALIAN)
        finally:
            ledger.close()
        assert "1GalianC_papan_nama" in item.evidence  # the new evidence joined the item's
        status = json.loads(cli(config, "status", "--json").stdout)
        assert len(status) == 6 and "0007/SIAPMAS/2026" not in json.dumps(status)  # no new number
        # the e-mails: a request for kelengkapan, then only a short acknowledgement — no receipt
        sent = kinds_and_agendas(server.handler.received)
        assert [k for k, a in sent if a == GALIAN] == ["tanda_terima", "kelengkapan", "kelengkapan_diterima"]
        # the response's own row says what it is; Riwayat records it
        row = next(r for r in register_tab(project, "Jawaban Formulir 1") if "Kelengkapan untuk nomor" in str(
            r.get("Kronologi, Waktu dan Tempat")))
        assert (row["No. Agenda"], row["Tahap"]) == (GALIAN, "KELENGKAPAN")
        riwayat = [r for r in register_tab(project, "Riwayat") if r["Peristiwa"] == "KELENGKAPAN DITERIMA"]
        assert len(riwayat) == 1 and riwayat[0]["No. Agenda"] == GALIAN
        # later cycles neither number it nor link it again
        again = cli(config, "sync")
        assert again.returncode == 0 and "kelengkapan untuk" not in again.stdout
        assert len(json.loads(cli(config, "status", "--json").stdout)) == 6
        assert [k for k, a in kinds_and_agendas(server.handler.received) if a == GALIAN].count("kelengkapan_diterima") == 1


def test_a_new_complaint_that_mentions_an_old_number_is_numbered(project: Path) -> None:
    assert cli(project, "sync").returncode == 0
    add_response(project, "Menindaklanjuti aduan 0002/SIAPMAS/2026 yang belum selesai, kini jembatan di Desa "
                 "Gedeg juga retak dan membahayakan warga.", nama="Joko", telepon="0813-1111-2222",
                 email="joko@example.com")
    out = cli(project, "sync")
    assert out.returncode == 0, out.stderr
    assert "(0007/SIAPMAS/2026)" in out.stdout and "kelengkapan untuk" not in out.stdout


def test_kelengkapan_on_google_and_the_number_guard_agree(tmp_path: Path, clock) -> None:
    from .google_standin.server import GoogleStandin
    from .worlds import GoogleWorld, rows_as_dicts

    with GoogleStandin() as standin:
        world = GoogleWorld(tmp_path, clock, standin)
        world.add_responses([["27/11/2026 09:12:05", "Ani Lestari", "0812-3456-7890", "ani@example.com",
                              "Jalan desa rusak parah di Desa Mojorejo, Kecamatan Kemlagi, sejak Oktober 2026.", ""]])
        try:
            engine = world.engine()
            engine.cycle()
            engine.steps.advance(GALIAN, WAITING, note="Mohon foto lokasi")
            world.add_responses([["30/11/2026 10:00:00", "Ani Lestari", "0812-3456-7890", "ani@example.com",
                                  "Ini foto lokasi untuk aduan nomor 0001/SIAPMAS/2026.", ""]])
            report = engine.cycle()
            assert report.new == [] and report.row_errors == []
            rows = world.responses()
            assert (rows[1]["No. Agenda"], rows[1]["Tahap"]) == (GALIAN, "KELENGKAPAN")
            assert engine.ledger.find_item(GALIAN).tahap == "TERAGENDA"  # back where it left from
            # someone edits that row's answers: the sheet shows a known number on a row the
            # ledger no longer knows — reported, neither numbered nor linked again
            values = world.tab(world.response_tab)
            header = [str(h) for h in values[0]]
            values[2][header.index("Kronologi, Waktu dan Tempat")] = "Ini foto lokasi (diubah) untuk 0001/SIAPMAS/2026."
            world.put_tab(world.response_tab, values)
            report = engine.cycle()
            assert report.new == []
            assert any("sudah bernomor 0001/SIAPMAS/2026" in e.message for e in report.row_errors)
            events = [e.event for e in engine.ledger.event_rows(engine.ledger.find_item(GALIAN).key)]
            assert events.count("KELENGKAPAN DITERIMA") == 1
            assert len(rows_as_dicts(world.tab("Buku Agenda"))) == 1
        finally:
            world.close()
