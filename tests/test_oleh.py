"""Who gave each paraf: the configured officials ([[pejabat]]) in Kendali's *Oleh*
dropdown and in the CLI's ``--by``; a paraf without a person is refused."""

from __future__ import annotations

import json

import openpyxl

from siapmas_sync.core.kendali_sheet import KENDALI_TAB

from .test_engine import by_header, run_cli, sheet
from .test_kendali import edit, kendali, register_of

ITEM = "0002/SIAPMAS/2026"


def test_unknown_by_is_refused_with_the_allowed_names(project):
    assert run_cli(project, "sync").returncode == 0
    r = run_cli(project, "advance", ITEM, "PARAF KASUBAG TU", "--by", "Pak Joko")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "GALAT" in r.stderr and "Pak Joko" in r.stderr
    assert "Dwi Lestari (Kasubag TU)" in r.stderr and "Hadi Prasetyo (Ketua DPRD)" in r.stderr
    assert json.loads(run_cli(project, "show", ITEM, "--json").stdout)["stage"] == "TERAGENDA"


def test_a_paraf_through_the_cli_needs_a_person(project):
    assert run_cli(project, "sync").returncode == 0
    r = run_cli(project, "advance", ITEM, "PARAF KASUBAG TU")
    assert r.returncode == 2 and "--by" in r.stderr
    ok = run_cli(project, "advance", ITEM, "PARAF KASUBAG TU", "--by", "dwi lestari", "--note", "Lengkap.")
    assert ok.returncode == 0, ok.stderr
    show = json.loads(run_cli(project, "show", ITEM, "--json").stdout)
    assert show["history"][-1]["actor"] == "Dwi Lestari (Kasubag TU)"
    assert show["history"][-1]["note"] == "Lengkap."


def test_several_akd_and_harap_through_the_cli_are_validated(project):
    assert run_cli(project, "sync").returncode == 0
    for stage, who in (("PARAF KASUBAG TU", "Dwi Lestari"), ("PARAF KABAG", "Agus Santoso"),
                       ("DISPOSISI SEKWAN", "Bambang Wahyudi")):
        assert run_cli(project, "advance", ITEM, stage, "--by", who).returncode == 0
    bad = run_cli(project, "advance", ITEM, "DISPOSISI KETUA", "--by", "Hadi Prasetyo", "--to", "Komisi V")
    assert bad.returncode == 2 and "Komisi V" in bad.stderr and "Bapemperda" in bad.stderr
    bad = run_cli(project, "advance", ITEM, "DISPOSISI KETUA", "--by", "Hadi Prasetyo", "--harap", "Segera dibakar")
    assert bad.returncode == 2 and "Dijadwalkan RDP" in bad.stderr
    ok = run_cli(project, "advance", ITEM, "DISPOSISI KETUA", "--by", "Hadi Prasetyo", "--to", "Komisi II",
                 "--to", "komisi 4", "--harap", "rdp", "--harap", "Untuk diketahui")
    assert ok.returncode == 0, ok.stderr
    # the Ketua's reading back (SOP step 6) cannot be skipped
    skip = run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati")
    assert skip.returncode == 2 and "DISPOSISI DIBACAKAN" in skip.stderr
    assert run_cli(project, "sync").returncode == 0
    row = kendali(project)[ITEM]
    assert row["Diteruskan ke"] == "Komisi II, Komisi IV"
    assert row["Harap"] == "Dijadwalkan RDP, Untuk diketahui"


def test_oleh_dropdown_lists_the_configured_people_and_riwayat_shows_them(project, make_engine):
    make_engine(project).cycle()
    ws = openpyxl.load_workbook(register_of(project))[KENDALI_TAB]
    header = [c.value for c in ws[1]]
    col = openpyxl.utils.get_column_letter(header.index("Oleh") + 1)
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if col in str(dv.sqref)]
    assert lists and "Dwi Lestari (Kasubag TU)" in lists[0] and "Siti Rahmawati (Staf Subbag TU)" in lists[0]
    edit(project, ITEM, Tahap="PARAF KASUBAG TU", Oleh="Dwi Lestari (Kasubag TU)", Catatan="Sudah diteliti.")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [True]
    row = kendali(project)[ITEM]
    assert "Dwi Lestari" in row["Pesan"] and "Riwayat" in row["Pesan"]  # the note moved there, and it says so
    assert row["Oleh"] in (None, "")  # chosen again for the next step
    riwayat = [r for r in by_header(sheet(register_of(project), "Riwayat")) if r["No. Agenda"] == ITEM]
    assert riwayat[-1]["Oleh"] == "Dwi Lestari (Kasubag TU)" and riwayat[-1]["Catatan"] == "Sudah diteliti."
