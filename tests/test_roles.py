"""Who may act at each step (DESIGN.md, "Who may act at each step"): checked as an
official would, through the CLI and the Kendali sheet, with the demo's [[pejabat]]
(Siti: Staf Subbag TU, Dwi: Kasubag TU, Agus: Kabag Umum, Bambang: Sekretaris DPRD,
Hadi: Ketua DPRD, Rina: Komisi III, Yuni: secretariat staff of every AKD)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from .test_doctor_pejabat import line_of
from .test_engine import run_cli
from .test_kendali import edit, kendali

ITEM = "0002/SIAPMAS/2026"
TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()


def add_people(project: Path, blocks: str) -> Path:
    project.write_text(project.read_text(encoding="utf-8") + "\n" + blocks, encoding="utf-8")
    return project


def plh(nama: str, jabatan: str, acting: str, start: date, end: date) -> str:
    return (f'[[pejabat]]\nnama = "{nama}"\njabatan = "{jabatan}"\nplh = "{acting}"\n'
            f"plh_dari = {start.isoformat()}\nplh_sampai = {end.isoformat()}\n\n")


def stage_of(project: Path, item: str = ITEM) -> str:
    return json.loads(run_cli(project, "show", item, "--json").stdout)["stage"]


def galat(r) -> str:
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "GALAT" in r.stderr and "Saran" in r.stderr
    return " ".join(r.stderr.split())


def to_ketua(project: Path, item: str = ITEM) -> None:
    for stage, who in (("PARAF KASUBAG TU", "Dwi Lestari"), ("PARAF KABAG", "Agus Santoso"),
                       ("DISPOSISI SEKWAN", "Bambang Wahyudi")):
        r = run_cli(project, "advance", item, stage, "--by", who)
        assert r.returncode == 0, r.stderr


def test_a_staff_member_is_refused_as_kasubag_tu(project):
    assert run_cli(project, "sync").returncode == 0
    msg = galat(run_cli(project, "advance", ITEM, "PARAF KASUBAG TU", "--by", "Siti Rahmawati"))
    assert "Siti Rahmawati (Staf Subbag TU) tidak berwenang mencatat PARAF KASUBAG TU" in msg
    assert "Yang boleh pada" in msg and "Dwi Lestari (Kasubag TU)" in msg
    assert "Siti Rahmawati" not in msg.split("Yang boleh")[1]
    assert stage_of(project) == "TERAGENDA"
    assert run_cli(project, "advance", ITEM, "PARAF KASUBAG TU", "--by", "Dwi Lestari").returncode == 0


def test_the_kasubag_is_refused_as_ketua_and_the_refusal_is_never_printed(project):
    assert run_cli(project, "sync").returncode == 0
    to_ketua(project)
    msg = galat(run_cli(project, "advance", ITEM, "DISPOSISI KETUA", "--by", "Dwi Lestari", "--to", "Komisi III"))
    assert "tahap ini untuk Ketua DPRD" in msg and "Hadi Prasetyo (Ketua DPRD)" in msg
    assert stage_of(project) == "DISPOSISI SEKWAN"
    for stage, who, extra in (("DISPOSISI KETUA", "Hadi Prasetyo", ["--to", "Komisi III"]),
                              ("DISPOSISI DIBACAKAN", "Bambang Wahyudi", []),
                              ("DICATAT & DIDISTRIBUSIKAN", "Siti Rahmawati", [])):
        r = run_cli(project, "advance", ITEM, stage, "--by", who, *extra)
        assert r.returncode == 0, r.stderr
    assert run_cli(project, "sync").returncode == 0
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0002-SIAPMAS-2026"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(folder / "lembar-disposisi-terisi.pdf")).pages).split())
    assert "Hadi Prasetyo" in text and "Dwi Lestari" in text
    assert text.count("Dwi Lestari") == 1  # her own paraf only: the refused disposition is not on the form


def test_a_plh_is_accepted_only_inside_their_dates_and_the_disposisi_says_plh(project):
    add_people(project, plh("Sugeng Riyadi", "Wakil Ketua DPRD", "Ketua DPRD", TODAY - timedelta(days=1),
                            TODAY + timedelta(days=1))
               + plh("Lilik Handayani", "Wakil Ketua DPRD", "Ketua DPRD", TODAY - timedelta(days=10),
                     TODAY - timedelta(days=3)))
    assert run_cli(project, "sync").returncode == 0
    to_ketua(project)
    # a Wakil Ketua outside their Plh. dates is refused, and told the dates
    msg = galat(run_cli(project, "advance", ITEM, "DISPOSISI KETUA", "--by", "Lilik Handayani", "--to", "Komisi III"))
    assert "Lilik Handayani (Wakil Ketua DPRD) tidak berwenang" in msg
    assert (TODAY - timedelta(days=3)).strftime("%d/%m/%Y") in msg
    assert "Sugeng Riyadi (Plh. Ketua DPRD)" in msg.split("Yang boleh")[1]
    r = run_cli(project, "advance", ITEM, "DISPOSISI KETUA", "--by", "Sugeng Riyadi", "--to", "Komisi III",
                "--note", "Segera tindak lanjuti.")
    assert r.returncode == 0, r.stderr
    show = json.loads(run_cli(project, "show", ITEM, "--json").stdout)
    assert show["history"][-1]["actor"] == "Sugeng Riyadi (Plh. Ketua DPRD)"
    # a Wakil Ketua is no Ketua as themselves: not for the Ketua's steps without a Plh.
    for stage, who in (("DISPOSISI DIBACAKAN", "Bambang Wahyudi"), ("DICATAT & DIDISTRIBUSIKAN", "Siti Rahmawati")):
        assert run_cli(project, "advance", ITEM, stage, "--by", who).returncode == 0
    assert run_cli(project, "sync").returncode == 0
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0002-SIAPMAS-2026"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(folder / "lembar-disposisi-terisi.pdf")).pages).split())
    assert "Plh. Ketua DPRD" in text and "Sugeng Riyadi" in text
    from docx import Document

    doc = Document(str(folder / "lembar-disposisi-terisi.docx"))
    dtext = " ".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "Sugeng Riyadi (Plh. Ketua DPRD)" in dtext


def test_follow_up_only_by_the_receiving_akd(project):
    assert run_cli(project, "sync").returncode == 0
    to_ketua(project)
    for stage, who, extra in (("DISPOSISI KETUA", "Hadi Prasetyo", ["--to", "Badan Kehormatan"]),
                              ("DISPOSISI DIBACAKAN", "Agus Santoso", []),
                              ("DICATAT & DIDISTRIBUSIKAN", "Siti Rahmawati", [])):
        r = run_cli(project, "advance", ITEM, stage, "--by", who, *extra)
        assert r.returncode == 0, r.stderr
    # a Komisi III member may not follow up a Badan Kehormatan matter
    msg = galat(run_cli(project, "advance", ITEM, "TINDAK LANJUT", "--by", "Rina Kusuma"))
    assert "anggota atau staf sekretariat Badan Kehormatan" in msg and "Yuni Astuti" in msg
    assert "Rina Kusuma" not in msg.split("Yang boleh")[1]
    # nobody named: refused with who may (every step names a person)
    msg = galat(run_cli(project, "advance", ITEM, "TINDAK LANJUT"))
    assert "--by" in msg and "Yuni Astuti" in msg
    assert run_cli(project, "advance", ITEM, "TINDAK LANJUT", "--by", "Yuni Astuti").returncode == 0
    msg = galat(run_cli(project, "advance", ITEM, "SELESAI", "--by", "Rina Kusuma", "--laporan", "Selesai."))
    assert "tidak berwenang mencatat SELESAI" in msg
    assert stage_of(project) == "TINDAK LANJUT"


def test_rejection_and_kelengkapan_need_kasubag_or_above(project):
    assert run_cli(project, "sync").returncode == 0
    msg = galat(run_cli(project, "advance", ITEM, "DITOLAK", "--by", "Siti Rahmawati", "--note", "Bukan kewenangan."))
    assert "Kasubag TU / Kabag / Sekretaris DPRD / Ketua DPRD" in msg
    msg = galat(run_cli(project, "advance", ITEM, "PERLU KELENGKAPAN", "--by", "Rina Kusuma", "--note", "Foto?"))
    assert "tidak berwenang" in msg
    r = run_cli(project, "advance", ITEM, "DITOLAK", "--by", "Agus Santoso", "--note", "Bukan kewenangan DPRD.")
    assert r.returncode == 0, r.stderr


def test_kendali_refuses_the_wrong_official_in_pesan(project, make_engine):
    make_engine(project).cycle()
    edit(project, ITEM, Tahap="PARAF KASUBAG TU", Oleh="Siti Rahmawati (Staf Subbag TU)", Catatan="Sudah dicek.")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [False]
    row = kendali(project)[ITEM]
    assert row["Tahap"] == "TERAGENDA"
    assert "tidak berwenang" in row["Pesan"] and "Dwi Lestari (Kasubag TU)" in row["Pesan"]


def test_doctor_names_steps_and_akd_nobody_can_record(project):
    text = project.read_text(encoding="utf-8")
    cut = text.index('[[pejabat]]\nnama = "Yuni Astuti"')
    project.write_text(text[:cut], encoding="utf-8")
    add_people(project, '[peran]\n"7" = ["Pengadministrasi Umum"]\n')
    r = run_cli(project, "doctor")
    found = " ".join(line_of(r.stdout))
    assert "DICATAT & DIDISTRIBUSIKAN (Pengadministrasi Umum)" in found
    assert ("Tidak ada anggota atau staf sekretariat untuk: Komisi I, Komisi II, Komisi IV, Bapemperda, Banggar, "
            "Badan Kehormatan, Bamus —") in found  # Komisi III has Rina, Pimpinan the Ketua


def test_a_plh_without_dates_is_a_config_error(project):
    add_people(project, '[[pejabat]]\nnama = "Sugeng Riyadi"\njabatan = "Wakil Ketua DPRD"\nplh = "Ketua DPRD"\n')
    r = run_cli(project, "doctor")
    assert r.returncode != 0 and "Traceback" not in r.stdout + r.stderr
    assert "plh_dari" in r.stdout + r.stderr
