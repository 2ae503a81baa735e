"""A new form response quoting an agenda number is that item's kelengkapan only when it also
quotes the reporter's private code (sent in the reporter's own e-mails): then it is linked
and merged into the item (dated addition, completeness again, every document and the
recap). Anything else quoting a number — a stranger, even with the victim's phone or
e-mail, in any digits — waits for an operator and changes nothing. Through the CLI on the
local backend (a real SMTP server receives the mail) and on the Google stand-in."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
from pypdf import PdfReader
from sqlalchemy import select

from siapmas_sync.config import load_settings
from siapmas_sync.cycle.kelengkapan import Decision, Known, decide, quote_pattern, quoted_numbers
from siapmas_sync.cycle.kode_pelapor import mask_code, quotes_code
from siapmas_sync.ledger import Ledger
from siapmas_sync.ledger.schema import receipt_codes  # white-box: a ledger from before the codes
from siapmas_sync.core.models import Submission

from .smtp_support import SmtpServer, smtp_config
from .test_pemberitahuan import register, tab as register_tab
from .test_smtp import cli

GALIAN = "0001/SIAPMAS/2026"
JALAN = "0007/SIAPMAS/2026"  # the test's own vague complaint, after the six of the sample
WAITING = "PERLU KELENGKAPAN"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def sub(kronologi: str, *extra: tuple[str, str], telepon: str = "", email: str = "") -> Submission:
    return Submission("k", "h", datetime(2026, 11, 30), "Budi", telepon, email, kronologi, extra=extra)


def test_quoted_numbers_are_read_as_citizens_type_them() -> None:
    p = quote_pattern("{seq:04d}/SIAPMAS/{year}", "000.8.3.4", "DPRD")
    assert quoted_numbers(sub("kelengkapan untuk nomor 0003 / siapmas / 2026, foto terlampir"), p) == [(2026, 3)]
    assert quoted_numbers(sub("lihat 3/SIAPMAS/2026 dan 0003/SIAPMAS/2026"), p) == [(2026, 3)]
    assert quoted_numbers(sub("tanpa nomor", ("Nomor agenda sebelumnya", "0012/SIAPMAS/2026")), p) == [(2026, 12)]
    assert quoted_numbers(sub("nomor 10003/SIAPMAS/20261"), p) == []  # not a number of ours
    # digits of any script are digits: Arabic-Indic, fullwidth (and a fullwidth slash)
    assert quoted_numbers(sub("untuk ٠٠٠٣/SIAPMAS/٢٠٢٦"), p) == [(2026, 3)]
    assert quoted_numbers(sub("untuk ００１２／ＳＩＡＰＭＡＳ／２０２６"), p) == [(2026, 12)]


def test_only_the_number_with_its_code_links() -> None:
    waiting = Known("a", "0003/SIAPMAS/2026", WAITING, "K7PQ4XM2")
    moving = Known("b", "0004/SIAPMAS/2026", "PARAF KABAG", "ZZ23HJKA")
    old = Known("c", "0005/SIAPMAS/2026", WAITING, "")  # an older ledger's item without a code
    known = {(2026, 3): waiting, (2026, 4): moving, (2026, 5): old}
    assert decide([(2026, 3)], known, ["kode K7PQ-4XM2"]) == (Decision.TAUTKAN, [waiting])
    assert decide([(2026, 4)], known, ["kode zz23 hjka"]) == (Decision.TAUTKAN, [moving])  # any stage, any case
    assert decide([(2026, 3)], known, ["kelengkapan"]) == (Decision.TUNGGU, [waiting])  # the number alone
    assert decide([(2026, 3)], known, ["kode ZZ23-HJKA"]) == (Decision.TUNGGU, [waiting])  # another item's code
    assert decide([(2026, 3), (2026, 4)], known, ["K7PQ4XM2 ZZ23HJKA"])[0] is Decision.TUNGGU  # two items
    assert decide([(2026, 5)], known, [""]) == (Decision.TUNGGU, [old])  # no code yet: an operator decides
    assert decide([(2026, 9)], known, ["K7PQ4XM2"]) == (Decision.BARU, [])  # unknown number: a new complaint
    assert quotes_code(["kode k7pq-٤xm٢ terlampir"], "K7PQ4XM2")  # Arabic-Indic digits, lower case
    assert not quotes_code(["AK7PQ4XM2"], "K7PQ4XM2")  # part of a longer word is not the code
    assert mask_code("nomor 0003 kode K7PQ - 4XM2.", "K7PQ4XM2") == "nomor 0003 kode [kode pelapor]."


def add_response(project: Path, kronologi: str, bukti: str = "", **fields: str) -> None:
    path = project.parent.parent / "examples" / "responses.csv"
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([fields.get("ts", "2026/11/30 10:00:00 AM GMT+7"), fields.get("nama", "Budi Santoso"),
                                 fields.get("telepon", "0812-3456-7890"), fields.get("email", "budi.santoso@example.com"),
                                 kronologi, bukti, fields.get("tempat", "Mojorejo / Kemlagi")])


def code_in_mail(server: SmtpServer, kind: str, agenda: str) -> str:
    """The reporter's code as their e-mail of *kind* about *agenda* shows it."""
    for m in server.handler.received:
        if m["X-SIAPMAS-Jenis"] == kind and agenda in m["Subject"]:
            text = m.get_body(("plain",)).get_content()
            found = re.search(r"kode kelengkapan\s*:?\s*([A-Z0-9]{4}-[A-Z0-9]{4})", text, re.IGNORECASE)
            assert found, text
            return found.group(1)
    raise AssertionError(f"no {kind} e-mail for {agenda}")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def everything_shown(project: Path, *outputs: str) -> str:
    """Every register tab but the form's own, every PDF/HTML/CSV the worker wrote, and the
    given CLI outputs — where a code must never appear."""
    out_dir = project.parent.parent / "var" / "demo" / "output"
    wb = openpyxl.load_workbook(register(project))
    try:
        parts = [str(v) for ws in wb.worksheets if ws.title != "Jawaban Formulir 1"
                 for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    finally:
        wb.close()
    for f in out_dir.rglob("*"):
        if f.suffix == ".pdf":
            parts.append(pdf_text(f))
        elif f.suffix in (".html", ".csv", ".json", ".txt", ".log"):
            parts.append(f.read_text(encoding="utf-8", errors="replace"))
    return "\n".join([*parts, *outputs])


def test_a_stranger_quoting_a_number_changes_nothing_and_waits(project: Path, tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server:
        config = smtp_config(project, server)
        assert cli(config, "sync").returncode == 0
        for stage in ("PARAF KASUBAG TU", WAITING):
            out = cli(config, "advance", GALIAN, stage, "--by", "Dwi Lestari", "--note", "Mohon foto papan nama tambang")
            assert out.returncode == 0, out.stderr
        assert cli(config, "sync").returncode == 0  # the request for kelengkapan goes out
        before = json.loads(cli(config, "show", GALIAN, "--json").stdout)
        sent_before = len(server.handler.received)
        batches_before = sorted((project.parent.parent / "var" / "demo" / "output" / "cetak").glob("*.pdf"))
        # three strangers: the number alone; with the victim's own phone and e-mail; in Arabic-Indic digits
        evidence = project.parent.parent / "examples" / "evidence"
        shutil.copy(evidence / "1GalianC_Kemlagi_foto01.jpg", evidence / "1GalianC_palsu.jpg")
        add_response(project, "Kelengkapan untuk nomor 0001/SIAPMAS/2026: pelapor berbohong, tidak ada tambang.",
                     "https://drive.google.com/open?id=1GalianC_palsu", nama="Orang Lain", telepon="0813-9999-0000",
                     email="orang.lain@example.com")
        add_response(project, "Kelengkapan 0001/SIAPMAS/2026: laporan dicabut saja.", nama="Budi Santoso",
                     ts="2026/11/30 10:05:00 AM GMT+7")  # the victim's phone and e-mail, typed by anyone
        add_response(project, "Untuk ٠٠٠١/SIAPMAS/٢٠٢٦: aduan ini palsu, abaikan.", nama="Orang Ketiga",
                     telepon="0813-7777-0000", email="ketiga@example.com", ts="2026/11/30 10:10:00 AM GMT+7")
        out = cli(config, "sync")
        assert out.returncode == 0, out.stderr
        assert out.stdout.count(f"menyebut {GALIAN} tanpa kode pelapor: menunggu keputusan") == 3, out.stdout
        assert "kelengkapan untuk" not in out.stdout and "aduan baru diberi nomor agenda (" not in out.stdout
        after = json.loads(cli(config, "show", GALIAN, "--json").stdout)
        for field in ("stage", "findings", "history", "documents", "messages"):
            assert after[field] == before[field], field  # nothing changed, nothing queued
        assert after["tambahan"] == []
        assert len(server.handler.received) == sent_before  # nothing sent, to anyone
        assert sorted((project.parent.parent / "var" / "demo" / "output" / "cetak").glob("*.pdf")) == batches_before
        assert len(json.loads(cli(config, "status", "--json").stdout)) == 6  # nothing numbered
        rows = [r for r in register_tab(project, "Jawaban Formulir 1") if "0001/SIAPMAS" in str(
            r.get("Kronologi, Waktu dan Tempat")) or "SIAPMAS/٢" in str(r.get("Kronologi, Waktu dan Tempat"))]
        assert [(r["No. Agenda"], r["Tahap"]) for r in rows] == [(None, "MENUNGGU KEPUTUSAN")] * 3
        # the operator sees them, and a later cycle neither repeats nor changes anything
        listed = cli(config, "kelengkapan", "--json")
        assert listed.returncode == 0 and [p["menyebut"] for p in json.loads(listed.stdout)] == [GALIAN] * 3
        again = cli(config, "sync")
        assert again.returncode == 0 and "menunggu keputusan" not in again.stdout
        assert len(server.handler.received) == sent_before


def test_the_reporter_with_number_and_code_completes_the_item(project: Path, tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server:
        config = smtp_config(project, server)
        assert cli(config, "sync").returncode == 0
        # a vague complaint without place or evidence: its reporter is asked for kelengkapan
        add_response(project, "Jalan di desa kami rusak parah sejak Oktober 2026 dan belum diperbaiki, mohon segera "
                     "ditindaklanjuti karena membahayakan pengendara.", nama="Sri Wahyuni", telepon="0857-1111-2222",
                     email="sri.wahyuni@example.com", tempat="", ts="2026/11/29 08:00:00 AM GMT+7")
        assert f"({JALAN})" in cli(config, "sync").stdout
        rekap_before = json.loads(cli(config, "rekap", "--bulan", "2026-11", "--json").stdout)
        for stage in ("PARAF KASUBAG TU", WAITING):
            out = cli(config, "advance", JALAN, stage, "--by", "Dwi Lestari", "--note", "Mohon lokasi dan foto")
            assert out.returncode == 0, out.stderr
        assert cli(config, "sync").returncode == 0
        code = code_in_mail(server, "tanda_terima", JALAN)
        assert code == code_in_mail(server, "kelengkapan", JALAN)  # the request repeats it
        assert code_in_mail(server, "tanda_terima", GALIAN) != code  # each receipt its own
        # the reporter answers with the number and the code (Arabic-Indic digits, lower case)
        evidence = project.parent.parent / "examples" / "evidence"
        shutil.copy(evidence / "1GalianC_Kemlagi_foto01.jpg", evidence / "1Jalan_Gedeg_foto.jpg")
        typed = code.lower().translate(ARABIC)
        add_response(project, f"Kelengkapan untuk {JALAN} kode {typed}: lokasinya di Dusun Krajan, Desa Gedeg, "
                     "Kecamatan Gedeg, depan balai desa; foto terlampir.", "https://drive.google.com/open?id=1Jalan_Gedeg_foto",
                     nama="Sri W.", telepon="0813-5555-6666", email="sri.lain@example.com", tempat="Gedeg / Gedeg",
                     ts="2026/11/30 11:00:00 AM GMT+7")
        out = cli(config, "sync")
        assert out.returncode == 0, out.stderr
        assert f"kelengkapan untuk {JALAN} dicatat (tanpa nomor baru); tahap kembali ke PARAF KASUBAG TU." in out.stdout
        shown = json.loads(cli(config, "show", JALAN, "--json").stdout)
        assert shown["stage"] == "PARAF KASUBAG TU"
        assert not [f for f in shown["findings"] if f["severity"] == "kurang"], shown["findings"]
        assert len(shown["tambahan"]) == 1 and "Kecamatan Gedeg" in shown["tambahan"][0]["kronologi"]
        assert "[kode pelapor]" in shown["tambahan"][0]["kronologi"]
        text_show = cli(config, "show", JALAN)
        assert "Kelengkapan  : Lengkap" in text_show.stdout or "Kurang" not in text_show.stdout
        # the acknowledgement goes to the item's own reporter, never to the address typed now
        acks = [m for m in server.handler.received if m["X-SIAPMAS-Jenis"] == "kelengkapan_diterima"]
        assert [m["To"] for m in acks] == ["sri.wahyuni@example.com"]
        # the Lembar Aduan: the original chronology, the dated addition, the new photo, no "Kurang"
        aduan = pdf_text(Path(shown["documents"]["aduan"]))
        flat = " ".join(aduan.split())
        assert "Jalan di desa kami rusak parah" in flat and "Tambahan 30 November 2026" in flat
        assert "Desa Gedeg, Kecamatan Gedeg" in flat and "1Jalan_Gedeg_foto" in flat
        assert "Kurang" not in flat and "Belum lengkap" not in flat
        # Buku Agenda and Kendali show the merged item; the recap counts it once, in Gedeg
        buku = next(r for r in register_tab(project, "Buku Agenda") if r["No. Agenda"] == JALAN)
        assert "kurang" not in json.dumps(buku, default=str).lower()
        kendali = next(r for r in register_tab(project, "Kendali") if r["No. Agenda"] == JALAN)
        assert "belum dilampirkan" not in json.dumps(kendali, default=str)
        rekap = json.loads(cli(config, "rekap", "--bulan", "2026-11", "--json").stdout)
        assert rekap["total"] == rekap_before["total"] == 7
        assert rekap["duplicates"] == rekap_before["duplicates"]
        assert rekap["by_kecamatan"].get("Gedeg", 0) == rekap_before["by_kecamatan"].get("Gedeg", 0) + 1
        assert rekap["by_kecamatan"].get("Tidak diketahui", 0) == rekap_before["by_kecamatan"].get("Tidak diketahui", 0) - 1
        # the code is nowhere but in the reporter's own e-mails
        outputs = [out.stdout, out.stderr, text_show.stdout, cli(config, "show", JALAN, "--json").stdout,
                   cli(config, "status", "--json").stdout]
        seen = everything_shown(project, *outputs)
        for form in (code, code.replace("-", ""), typed):
            assert form not in seen
        ledger = Ledger(load_settings(config, environ={}).database_url())
        try:
            with ledger.engine.connect() as conn:
                assert conn.execute(select(receipt_codes.c.code)).scalars().all().count(code.replace("-", "")) == 1
        finally:
            ledger.close()


def test_the_operator_decides_what_a_held_response_is(project: Path) -> None:
    assert cli(project, "sync").returncode == 0
    add_response(project, "Menindaklanjuti aduan 0002/SIAPMAS/2026 yang belum selesai, kini jembatan di Desa "
                 "Gedeg juga retak dan membahayakan warga.", nama="Joko", telepon="0813-1111-2222",
                 email="joko@example.com")
    add_response(project, f"Tambahan untuk {GALIAN}: truk tambang lewat tiap malam pukul 22.00 di Desa Mojorejo.",
                 ts="2026/11/30 10:30:00 AM GMT+7")
    out = cli(project, "sync")
    assert out.returncode == 0 and out.stdout.count("tanpa kode pelapor: menunggu keputusan") == 2
    listed = cli(project, "kelengkapan")
    assert "0002/SIAPMAS/2026" in listed.stdout and GALIAN in listed.stdout
    rows = {p["menyebut"]: p["baris"] for p in json.loads(cli(project, "kelengkapan", "--json").stdout)}
    # a wrong row is refused with advice, nothing decided
    bad = cli(project, "kelengkapan", "baru", "999", "--by", "Dwi Lestari")
    assert bad.returncode != 0 and "GALAT" in bad.stderr + bad.stdout and "Traceback" not in bad.stderr
    # a new complaint that mentions an old number: registered as new by the operator
    done = cli(project, "kelengkapan", "baru", str(rows["0002/SIAPMAS/2026"]), "--by", "Dwi Lestari")
    assert done.returncode == 0, done.stderr
    # the reporter phoned to confirm the other one: linked by the operator
    done = cli(project, "kelengkapan", "tautkan", str(rows[GALIAN]), "--by", "Dwi Lestari")
    assert done.returncode == 0 and f"dicatat sebagai kelengkapan {GALIAN}" in done.stdout, done.stderr + done.stdout
    assert cli(project, "kelengkapan").stdout.startswith("Tidak ada kiriman")
    out = cli(project, "sync")
    assert out.returncode == 0 and "(0007/SIAPMAS/2026)" in out.stdout, out.stdout
    new = json.loads(cli(project, "show", "0007/SIAPMAS/2026", "--json").stdout)
    assert [(h["event"], h["actor"]) for h in new["history"]][0] == ("DIPUTUSKAN ADUAN BARU", "Dwi Lestari (Kasubag TU)")
    linked = json.loads(cli(project, "show", GALIAN, "--json").stdout)
    event = next(h for h in linked["history"] if h["event"] == "KELENGKAPAN DITERIMA")
    assert event["actor"] == "Dwi Lestari (Kasubag TU)" and event["channel"] == "cli"
    assert "truk tambang lewat tiap malam" in linked["tambahan"][0]["kronologi"]
    riwayat = [r for r in register_tab(project, "Riwayat") if r["Peristiwa"] == "KELENGKAPAN DITERIMA"]
    assert [r["No. Agenda"] for r in riwayat] == [GALIAN]
    status = {r["Kronologi, Waktu dan Tempat"][:20]: (r["No. Agenda"], r["Tahap"])
              for r in register_tab(project, "Jawaban Formulir 1")}
    assert status["Tambahan untuk 0001/"] == (GALIAN, "KELENGKAPAN")
    assert status["Menindaklanjuti adua"] == ("0007/SIAPMAS/2026", "TERAGENDA")


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
            engine.steps.advance(GALIAN, WAITING, note="Mohon foto lokasi", by="Dwi Lestari")
            with engine.ledger.engine.connect() as conn:
                code = conn.execute(select(receipt_codes.c.code)).scalar_one()
            # a stranger with the reporter's own phone and e-mail: held, nothing changes
            world.add_responses([["30/11/2026 09:00:00", "Ani Lestari", "0812-3456-7890", "ani@example.com",
                                  "Untuk aduan nomor 0001/SIAPMAS/2026: mohon dicabut.", ""]])
            report = engine.cycle()
            assert report.new == [] and report.row_errors == []
            rows = world.responses()
            assert (rows[1]["No. Agenda"], rows[1]["Tahap"]) == ("", "MENUNGGU KEPUTUSAN")
            assert engine.ledger.find_item(GALIAN).tahap == WAITING
            # the reporter, with the code
            world.add_responses([["30/11/2026 10:00:00", "Ani Lestari", "0812-3456-7890", "ani@example.com",
                                  f"Ini foto lokasi untuk aduan nomor 0001/SIAPMAS/2026, kode {code[:4]}-{code[4:]}.", ""]])
            report = engine.cycle()
            assert report.new == [] and report.row_errors == []
            rows = world.responses()
            assert (rows[2]["No. Agenda"], rows[2]["Tahap"]) == (GALIAN, "KELENGKAPAN")
            assert engine.ledger.find_item(GALIAN).tahap == "TERAGENDA"  # back where it left from
            for name in ("Buku Agenda", "Kendali", "Riwayat"):
                assert code not in json.dumps(world.tab(name))
            # the operator sets the stranger's response aside: recorded, nothing else
            engine.kelengkapan.decide_pending("3", Decision.ABAIKAN, "Dwi Lestari")  # sheet row 3
            engine.cycle()
            assert world.responses()[1]["Tahap"] == "DIABAIKAN"
            # someone edits the linked row's answers: the sheet shows a known number on a row the
            # ledger no longer knows — reported, neither numbered nor linked again
            values = world.tab(world.response_tab)
            header = [str(h) for h in values[0]]
            values[3][header.index("Kronologi, Waktu dan Tempat")] = "Ini foto lokasi (diubah) untuk 0001/SIAPMAS/2026."
            world.put_tab(world.response_tab, values)
            report = engine.cycle()
            assert report.new == []
            assert any("sudah bernomor 0001/SIAPMAS/2026" in e.message for e in report.row_errors)
            events = [e.event for e in engine.ledger.event_rows(engine.ledger.find_item(GALIAN).key)]
            assert events.count("KELENGKAPAN DITERIMA") == 1
            assert len(rows_as_dicts(world.tab("Buku Agenda"))) == 1
        finally:
            world.close()


def test_an_item_of_an_older_ledger_gets_its_code_with_the_next_request(project: Path, tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server:
        config = smtp_config(project, server)
        assert cli(config, "sync").returncode == 0
        ledger = Ledger(load_settings(config, environ={}).database_url())
        try:
            with ledger.tx() as conn:  # numbered before codes existed
                conn.execute(receipt_codes.delete())
        finally:
            ledger.close()
        # until it has one, a response quoting its number waits for an operator
        add_response(project, f"Kelengkapan untuk {GALIAN}: foto papan nama tambang.")
        out = cli(config, "sync")
        assert f"menyebut {GALIAN} tanpa kode pelapor: menunggu keputusan" in out.stdout, out.stdout
        out = cli(config, "advance", GALIAN, "PERLU KELENGKAPAN", "--by", "Dwi Lestari", "--note", "Mohon foto")
        assert out.returncode == 0, out.stderr
        assert cli(config, "sync").returncode == 0
        code = code_in_mail(server, "kelengkapan", GALIAN)  # the request carries a fresh code
        add_response(project, f"Kelengkapan {GALIAN}, kode {code}: truk tambang lewat tiap malam.",
                     ts="2026/11/30 11:30:00 AM GMT+7")
        out = cli(config, "sync")
        assert f"kelengkapan untuk {GALIAN} dicatat (tanpa nomor baru); tahap kembali ke TERAGENDA." in out.stdout, out.stdout
