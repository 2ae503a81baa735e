"""`siapmas-sync rekap`: every figure against counts worked out by hand from a fixture
built for it (responses across months with known kecamatan, steps recorded at known
times), month and year boundaries in WIB, an empty period, the PDF's text, rahasia items
never named, the monthly run and the Drive upload."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from siapmas_sync.config import load_settings
from siapmas_sync.cycle.engine import build_workflow
from siapmas_sync.ledger import Ledger
from siapmas_sync.rekap.figures import Period
from siapmas_sync.rekap.kecamatan import place_of
from siapmas_sync.rekap.service import recap_due
from siapmas_sync.cycle.steps import StepRecorder

from .conftest import WIB, Clock
from .test_engine import run_cli

HEADER = ["Timestamp", "Nama", "No. Tlp/WA (yang aktif)", "E-mail (yang aktif)", "Kronologi, Waktu dan Tempat",
          "Bukti Dukung (Foto/Dokumen/Video)", "Desa/Kecamatan"]
LINK = "https://drive.google.com/open?id=1Bukti{}"

# (timestamp as the form writes it (WIB), name, phone, e-mail, chronology, evidence?, place field, kecamatan expected)
ROWS: list[tuple[str, str, str, str, str, bool, str, str]] = [
    ("31/12/2025 23:30:00", "Andi Prasetyo", "081234567801", "", "Jalan rusak berlubang di Desa Mojorejo, Kecamatan "
     "Kemlagi sejak Oktober 2026, sudah banyak pengendara jatuh.", True, "Mojorejo / Kemlagi", "Kemlagi"),
    ("01/01/2026 00:10:00", "Bambang Sutrisno", "081234567802", "", "Guru honorer di sekolah dasar wilayah Dawar "
     "Blandong belum menerima gaji sejak bulan Oktober 2026.", True, "", "Dawarblandong"),
    ("05/01/2026 09:00:00", "Citra Lestari", "", "citra@example.com", "Pungutan pajak PBB di desa kami di Mojo Anyar "
     "naik dua kali lipat pada tahun 2026 tanpa sosialisasi.", True, "", "Mojoanyar"),
    ("10/01/2026 10:00:00", "Dedi Kurniawan", "081234567804", "", "Banjir di perbatasan Trowulan dan Sooko setiap "
     "hujan deras sejak Januari 2026, drainase tersumbat sampah.", True, "", "Lebih dari satu"),
    ("20/01/2026 14:00:00", "-", "081234567805", "", "Mohon perbaikan lampu PJU yang mati di jalan desa kami sejak "
     "tiga bulan lalu, gelap sekali pada malam hari.", True, "", "Tidak diketahui"),
    ("31/01/2026 23:59:00", "Eko Saputra", "", "", "Dana desa di PACET tidak transparan, kades tidak memasang baliho "
     "APBDes pada tahun 2026 ini.", True, "", "Pacet"),
    ("01/02/2026 00:01:00", "Fitri Handayani", "081234567807", "", "Perumahan Purimas kebanjiran setiap hujan deras "
     "sejak Desember 2025, saluran air tersumbat.", False, "", "Tidak diketahui"),
    ("14/02/2026 08:00:00", "Gilang Ramadhan", "081234567808", "", "Puskesmas di Mojosari antre sangat panjang, pasien "
     "BPJS diminta kembali esok hari sejak Februari 2026.", True, "Ngoro", "Ngoro"),
    ("28/02/2026 16:30:00", "Hana Wulandari", "081234567809", "", "Pupuk bersubsidi langka di Kecamatan Jetis sejak "
     "musim tanam Februari 2026, harga naik dua kali lipat.", True, "Jetis", "Jetis"),
]
# an identical resubmission of row 3 (ten minutes later): a duplicate, never numbered
DUPLICATE_OF = 2
DUPLICATE_AT = "05/01/2026 09:10:00"
NAMES = [r[1] for r in ROWS if r[1] != "-"]
RAHASIA_ROW = 5  # Eko Saputra's item is made rahasia
REGISTERED = datetime(2026, 3, 2, 8, 0, tzinfo=WIB)  # Monday, office hours


def at(day: int, hh: int, mm: int) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=WIB)


def write_responses(project: Path, rows: list[tuple[Any, ...]], duplicate: bool = True) -> None:
    path = project.parent.parent / "examples" / "responses.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for n, (ts, nama, tel, mail, kron, bukti, place, _k) in enumerate(rows):
            w.writerow([ts, nama, tel, mail, kron, LINK.format(n) if bukti else "", place])
        if duplicate:
            ts, nama, tel, mail, kron, bukti, place, _k = rows[DUPLICATE_OF]
            w.writerow([DUPLICATE_AT, nama, tel, mail, kron, LINK.format(DUPLICATE_OF) if bukti else "", place])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The fixture ledger (built once for this module; no test changes it): ROWS
    registered on Monday 2 March 2026 08:00 WIB, then steps recorded at known times."""
    from siapmas_sync.backends.local import LocalBackend
    from siapmas_sync.cycle.engine import Engine

    from .conftest import REPO

    root = tmp_path_factory.mktemp("rekap")
    shutil.copytree(REPO / "config", root / "config")
    shutil.copytree(REPO / "examples", root / "examples")
    project = root / "config" / "demo.toml"
    write_responses(project, ROWS)
    settings = load_settings(project, environ={"SIAPMAS_OUTPUT__DOCX": "false", "SIAPMAS_OUTPUT__PRINT_BATCH": "false"})
    ledger = Ledger(settings.database_url())
    backend = LocalBackend.from_settings(settings)
    try:
        report = Engine(settings, backend, ledger, clock=Clock(REGISTERED)).cycle()
    finally:
        backend.close()
        ledger.close()
    assert len(report.new) == len(ROWS) and len(report.duplicates) == 1
    status = json.loads(run_cli(project, "status", "--json").stdout)
    by_time = {datetime.fromisoformat(i["received_at"]): i["agenda"] for i in status}
    agenda = [by_time[datetime.strptime(r[0], "%d/%m/%Y %H:%M:%S").replace(tzinfo=WIB)] for r in ROWS]

    s = load_settings(project)
    wf, _cal = build_workflow(s)
    ledger = Ledger(s.database_url())
    step_clock = Clock(REGISTERED)
    rec = StepRecorder(ledger, wf, step_clock, WIB)

    def step(row: int, stage: str, when: datetime, **kw: Any) -> None:
        step_clock.now = when
        kw.setdefault("by", "Petugas")
        assert rec.advance(agenda[row], stage, **kw).accepted

    # row 0: 5 min in TERAGENDA, 25 in PARAF KASUBAG TU, 5 in PARAF KABAG; stays at DISPOSISI SEKWAN
    step(0, "PARAF KASUBAG TU", at(2, 8, 5))
    step(0, "PARAF KABAG", at(2, 8, 30))
    step(0, "DISPOSISI SEKWAN", at(2, 8, 35))
    # row 1: 120 min in TERAGENDA
    step(1, "PARAF KASUBAG TU", at(2, 10, 0))
    # row 2: the whole SOP to SELESAI, decided for Komisi II; TINDAK LANJUT spans the night
    for stage, when in (("PARAF KASUBAG TU", at(2, 8, 9)), ("PARAF KABAG", at(2, 8, 15)),
                        ("DISPOSISI SEKWAN", at(2, 8, 20)), ("DISPOSISI KETUA", at(2, 8, 40))):
        step(2, stage, when)
    step(2, "DISPOSISI DIBACAKAN", at(2, 8, 42), by="Sekwan")  # SOP step 6
    step(2, "DICATAT & DIDISTRIBUSIKAN", at(2, 8, 45), akd="Komisi II")
    step(2, "TINDAK LANJUT", at(2, 15, 0))
    step(2, "SELESAI", at(3, 8, 30), note="Sudah dibahas dalam RDP")
    # row 3: rejected after 20 min
    step(3, "DITOLAK", at(2, 8, 20), note="Bukan kewenangan DPRD")
    # row 4: asked for more after 2 min
    step(4, "PERLU KELENGKAPAN", at(2, 8, 2))
    # row 5: rahasia (and decided for Komisi I on the way)
    with ledger.tx() as conn:
        row = ledger.find_item(agenda[RAHASIA_ROW], conn)
        rec.set_fields(conn, row, rahasia=True, by="Operator", channel="cli")
    ledger.close()
    return {"agenda": agenda, "status": status, "project": project}


@pytest.fixture
def world(built: dict[str, Any]) -> dict[str, Any]:
    return built


@pytest.fixture
def project(built: dict[str, Any]) -> Path:
    """The module's fixture project (replaces conftest's fresh copy of the sample)."""
    return built["project"]


def rekap_json(project: Path, *args: str) -> dict[str, Any]:
    r = run_cli(project, "rekap", *args, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def received_month(ts: str) -> str:
    d = datetime.strptime(ts, "%d/%m/%Y %H:%M:%S")
    return f"{d.year:04d}-{d.month:02d}"


def test_every_figure_of_the_year_matches_the_fixture(project: Path, world: dict[str, Any]):
    fig = rekap_json(project, "--tahun", "2026")
    in_2026 = list(range(1, len(ROWS)))  # row 0 is 31/12/2025 23:30 WIB
    assert fig["period"] == {"from": "2026-01-01", "to": "2026-12-31", "label": "Tahun 2026",
                             "dates": "1 Januari 2026 s.d. 31 Desember 2026"}
    assert fig["total"] == 8
    assert fig["duplicates"] == 1
    assert (fig["finished"], fig["rejected"], fig["open"]) == (1, 1, 6)
    assert fig["rahasia"] == 1

    months = Counter(received_month(ROWS[i][0]) for i in in_2026)
    assert [m["month"] for m in fig["by_month"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert {m["month"]: m["received"] for m in fig["by_month"]} == {f"2026-{m:02d}": months.get(f"2026-{m:02d}", 0)
                                                                     for m in range(1, 13)}
    jan = next(m for m in fig["by_month"] if m["month"] == "2026-01")
    assert (jan["received"], jan["finished"], jan["rejected"], jan["open"]) == (5, 1, 1, 3)  # rows 1..5

    suggested = Counter(i["suggested_routing"]["tujuan"] for i in world["status"]
                        if datetime.fromisoformat(i["received_at"]).year == 2026)
    assert fig["by_suggested_akd"] == dict(suggested)
    # the rejected item is counted as rejected, not as waiting for a decision
    assert fig["by_akd"] == {"Belum diputuskan": 6, "Ditolak (tidak diteruskan)": 1, "Komisi II": 1}

    expected_stages = {"PARAF KASUBAG TU": 1, "SELESAI": 1, "DITOLAK": 1, "PERLU KELENGKAPAN": 1, "TERAGENDA": 4}
    assert {k: v for k, v in fig["by_stage"].items() if v} == expected_stages
    assert list(fig["by_stage"])[:3] == ["DITERIMA", "TERAGENDA", "PARAF KASUBAG TU"]  # SOP order

    kec = Counter(ROWS[i][7] for i in in_2026)
    assert {k: v for k, v in fig["by_kecamatan"].items() if v} == dict(kec)
    assert len(fig["by_kecamatan"]) == 18 + 2

    # completeness: row 4 has no name ("-"), row 5 no contact at all, row 6 no evidence
    assert fig["completeness"] == {"identitas": 1, "kontak": 1, "kronologi": 0, "bukti": 1, "lengkap": 5}

    # every open item of 2026 is past the 60-day settlement clock today
    open_rows = [1, 4, 5, 6, 7, 8]
    assert fig["overdue"]["count"] == len(open_rows)
    holders = Counter(o["holder"] for v in fig["overdue"]["by_holder"].values() for o in v)
    assert holders == {"Kasubag TU": 1, "Staf Subbag TU": 1, "Sistem + Staf Subbag TU": 4}
    oldest = [o["agenda"] for o in fig["open_oldest"]]
    assert oldest == [world["agenda"][i] for i in open_rows]  # oldest first


def test_sop_time_standards_in_working_minutes(project: Path, world: dict[str, Any]):
    """Moves recorded in March 2026 (none of the items was received then)."""
    fig = rekap_json(project, "--bulan", "2026-03")
    assert fig["total"] == 0
    expected = {  # (moves, within, median): worked out by hand from the fixture's times
        "TERAGENDA": (5, 3, 9.0),  # 5, 120, 9, 20, 2 minutes
        "PARAF KASUBAG TU": (2, 1, 15.5),  # 25, 6
        "PARAF KABAG": (2, 2, 5.0),  # 5, 5
        "DISPOSISI SEKWAN": (1, 0, 20.0),
        "DISPOSISI KETUA": (1, 1, 2.0),  # 08:40 → 08:42
        "DISPOSISI DIBACAKAN": (1, 1, 3.0),  # 08:42 → 08:45
        "DICATAT & DIDISTRIBUSIKAN": (1, 0, 375.0),  # 08:45 → 15:00
        "TINDAK LANJUT": (1, 1, 120.0),  # Mon 15:00 → Tue 08:30: 60 + 60 working minutes
    }
    got = {k: (v["count"], v["within"], v["median_minutes"]) for k, v in fig["sla"].items()}
    assert got == expected
    assert fig["sla"]["TINDAK LANJUT"]["standard_minutes"] == 120
    assert rekap_json(project, "--bulan", "2026-04")["sla"]["TERAGENDA"]["count"] == 0


def test_month_and_year_boundaries_are_wib(project: Path, world: dict[str, Any]):
    dec = rekap_json(project, "--bulan", "2025-12")
    assert dec["total"] == 1 and dec["by_kecamatan"]["Kemlagi"] == 1  # 31/12 23:30 WIB = 16:30 UTC
    assert rekap_json(project, "--tahun", "2025")["total"] == 1
    jan = rekap_json(project, "--bulan", "2026-01")
    assert jan["total"] == 5  # 01/01 00:10 … 31/01 23:59
    feb = rekap_json(project, "--from", "2026-02-01", "--to", "2026-02-01")
    assert feb["total"] == 1  # 01/02 00:01 WIB is 31/01 17:01 UTC, still February here
    assert [m["month"] for m in dec["by_month"]][-1] == "2025-12" and len(dec["by_month"]) == 12


def test_empty_period_gives_zeros_and_a_pdf(project: Path, world: dict[str, Any], tmp_path: Path):
    out = tmp_path / "kosong"
    fig = rekap_json(project, "--bulan", "2024-06", "--out", str(out))
    assert fig["total"] == 0 and fig["duplicates"] == 0 and fig["overdue"]["count"] == 0
    assert all(m["received"] == 0 for m in fig["by_month"])
    assert sum(fig["by_kecamatan"].values()) == 0 and fig["open_oldest"] == []
    pdf = Path(fig["files"]["pdf"])
    assert pdf.parent == out and pdf.is_file() and Path(fig["files"]["xlsx"]).is_file()
    text = pdf_text(pdf)
    assert "Tidak ada aduan yang masih terbuka" in text and "Aduan diterima dan diberi nomor agenda 0" in text


def pdf_text(path: Path) -> str:
    """The PDF's text with whitespace collapsed (table cells come out on separate lines)."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def test_pdf_carries_the_totals_and_the_signer_and_never_a_name(project: Path, world: dict[str, Any]):
    env = {"SIAPMAS_TEMPLATES__PENANDATANGAN_NAMA": "Drs. Penanda Tangan", "SIAPMAS_TEMPLATES__PENANDATANGAN_NIP": "\"197001011990031001\""}  # quoted: read as TOML
    r = run_cli(project, "rekap", "--tahun", "2026", env=env)
    assert r.returncode == 0, r.stderr
    pdf = Path(next(line.split(":", 1)[1].strip() for line in r.stdout.splitlines() if line.startswith("PDF")))
    xlsx = pdf.with_suffix(".xlsx")
    assert "8 aduan" in r.stdout and str(xlsx) in r.stdout
    # the summary line names every outcome, the rejected included, and the period in words
    assert "Rekap Tahun 2026 (1 Januari 2026 s.d. 31 Desember 2026): 8 aduan, 1 selesai" in r.stdout
    assert "1 ditolak" in r.stdout
    text = pdf_text(pdf)
    assert "Periode 1 Januari 2026 s.d. 31 Desember 2026 (WIB)" in text and "2026-01-01" not in text
    # nobody holds a settled or rejected item; the rejected one is not "waiting for a decision"
    assert "SELESAI — (sudah selesai)" in text and "DITOLAK — (sudah ditolak)" in text
    assert "Ditolak (tidak diteruskan) 0 1" in text
    assert "REKAPITULASI ASPIRASI DAN PENGADUAN MASYARAKAT" in text and "Tahun 2026" in text
    assert "Aduan diterima dan diberi nomor agenda 8" in text
    assert "Selesai ditindaklanjuti (SELESAI) 1" in text and "Kiriman ganda (duplikat, tidak diberi nomor baru) 1" in text
    assert "Drs. Penanda Tangan" in text and "197001011990031001" in text
    assert "PEMERINTAH KABUPATEN MOJOKERTO" in text  # the kop
    # rahasia: counted, its agenda number may show, its subject never; no reporter name at all
    rahasia_agenda = world["agenda"][RAHASIA_ROW]
    assert rahasia_agenda in text and "PACET tidak transparan" not in text and "Dana desa di" not in text
    assert "(dirahasiakan)" in text
    for name in NAMES:
        assert name not in text, name
    raw = json.dumps(rekap_json(project, "--tahun", "2026"))
    assert all(n not in raw for n in NAMES) and "PACET tidak transparan" not in raw
    if os.name == "posix":
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600 and stat.S_IMODE(xlsx.stat().st_mode) == 0o600


def test_xlsx_has_the_same_figures_with_a_frozen_bold_header(project: Path, world: dict[str, Any]):
    from openpyxl import load_workbook

    fig = rekap_json(project, "--tahun", "2026")
    wb = load_workbook(fig["files"]["xlsx"])
    ws = wb["Ringkasan"]
    assert ws.freeze_panes == "A4" and ws["A3"].font.b
    assert ws["B4"].value == 8
    kec = {r[0]: r[1] for r in wb["Kecamatan"].iter_rows(min_row=4, values_only=True)}
    assert kec == fig["by_kecamatan"]
    sla = {r[0]: (r[2], r[3]) for r in wb["Mutu Baku Waktu"].iter_rows(min_row=4, values_only=True)}
    assert sla == {k: (v["count"], v["within"]) for k, v in fig["sla"].items()}
    perihal = [r[5] for r in wb["Terbuka Terlama"].iter_rows(min_row=4, values_only=True)]
    assert "(dirahasiakan)" in perihal


def test_period_errors_are_indonesian_with_advice(project: Path):
    for args in ([], ["--bulan", "2026-13"], ["--tahun", "26"], ["--bulan", "2026-01", "--tahun", "2026"],
                 ["--from", "2026-03-01"], ["--from", "2026-03-02", "--to", "2026-03-01"],
                 ["--from", "kemarin", "--to", "2026-03-01"],
                 # years no date can hold, or whose 12-month trend or next month cannot (issue #21.11)
                 ["--bulan", "0000-01"], ["--bulan", "0001-01"], ["--bulan", "9999-12"], ["--tahun", "0000"],
                 ["--from", "0001-01-01", "--to", "2026-03-01"], ["--from", "2026-01-01", "--to", "9999-12-31"],
                 ["--from", "2026-02-30", "--to", "2026-03-01"]):
        r = run_cli(project, "rekap", *args)
        assert r.returncode == 2, args
        assert "GALAT:" in r.stderr and "Saran:" in r.stderr and "Traceback" not in r.stderr, args
        assert "tak terduga" not in r.stderr, (args, r.stderr)


def test_kecamatan_matching_rules():
    assert place_of("di Kecamatan Kemlagi", ["Mojorejo / Kemlagi"]) == "Kemlagi"
    assert place_of("Dawar-Blandong dan dawarblandong", []) == "Dawarblandong"
    assert place_of("Perumahan Purimas, Kota Mojokerto", []) == "Tidak diketahui"  # word boundary
    assert place_of("jalan dari Trawas ke Kec. Pacet", []) == "Pacet"  # explicit mention wins
    assert place_of("Trowulan dan Sooko", []) == "Lebih dari satu"
    assert place_of("di Mojosari", ["Ngoro"]) == "Ngoro"  # the form's place field first
    assert place_of("di Kutorejo", [], {"Kutorejo": ["Kuto Rejo"], "Bangsal": []}) == "Kutorejo"


def test_recap_due_on_the_first_working_day_until_written():
    from siapmas_sync.core.workflow import load_calendar

    cal = load_calendar(None)
    # 1 January 2026 is a holiday (Tahun Baru), 2 January a Friday: the first working day
    assert recap_due(date(2026, 1, 1), cal, set()) is None
    assert recap_due(date(2026, 1, 2), cal, set()) == Period.month(2025, 12)
    assert recap_due(date(2026, 1, 5), cal, set()) == Period.month(2025, 12)  # caught up later
    assert recap_due(date(2026, 1, 5), cal, {"rekap-2025-12.pdf"}) is None
    assert recap_due(date(2026, 3, 2), cal, {"rekap-2026-01.pdf"}) == Period.month(2026, 2)


def test_monthly_recap_in_run_uploads_to_drive(tmp_path: Path, clock: Clock):
    """`run`'s monthly step on Google, through the stand-in: written once, uploaded to
    [rekap] drive_folder_id, not again on the next cycle."""
    from siapmas_sync.backends.google import GoogleBackend
    from siapmas_sync.rekap.service import monthly_recap

    from .google_standin.server import GoogleStandin
    from .worlds import SA_EMAIL, GoogleWorld

    with GoogleStandin() as standin:
        w = GoogleWorld(tmp_path, clock, standin)
        # a service account stores files only in a Shared Drive (README, "Running on Google")
        drive = standin.create_shared_drive("SIAPMAS", members=[(SA_EMAIL, "fileOrganizer")])
        folder = standin.create_folder("Rekap SIAPMAS", parents=[drive])
        with w.config.open("a", encoding="utf-8") as fh:
            fh.write(f'[rekap]\ndrive_folder_id = "{folder}"\n')
        s = load_settings(w.config)
        wf, cal = build_workflow(s)
        ledger = Ledger(s.database_url())
        backend = GoogleBackend.from_settings(s)
        try:
            now = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)  # Tuesday 1 December: first working day
            files = monthly_recap(s, ledger, backend, wf=wf, cal=cal, now=now)
            assert [f.name for f in files] == ["rekap-2026-11.pdf", "rekap-2026-11.xlsx"]
            assert sorted(standin.file_metadata(f)["name"] for f in standin.find_files(parent=folder)) == \
                ["rekap-2026-11.pdf", "rekap-2026-11.xlsx"]
            assert standin.file_content(standin.find_files(name="rekap-2026-11.pdf")[0]).startswith(b"%PDF")
            assert monthly_recap(s, ledger, backend, wf=wf, cal=cal, now=now) == []  # already there
        finally:
            backend.close()
            ledger.close()
            w.close()
