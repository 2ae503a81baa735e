"""SOP: the Ketua DPRD decides the disposition; Kasubag TU records and distributes it.
DICATAT & DIDISTRIBUSIKAN keeps the Ketua's AKD; a different AKD is refused (CLI: GALAT +
Saran; Kendali: Pesan) unless the operator says why with ``--ubah-disposisi``."""

from __future__ import annotations

import json

from .test_engine import by_header, run_cli, sheet
from .test_kendali import edit, kendali, register_of

ITEM = "0002/SIAPMAS/2026"
WALK = (("PARAF KASUBAG TU", "Dwi Lestari"), ("PARAF KABAG", "Agus Santoso"), ("DISPOSISI SEKWAN", "Bambang Wahyudi"))


def to_reading_back(project) -> None:
    assert run_cli(project, "sync").returncode == 0
    for stage, who in WALK:
        assert run_cli(project, "advance", ITEM, stage, "--by", who).returncode == 0
    ok = run_cli(project, "advance", ITEM, "DISPOSISI KETUA", "--by", "Hadi Prasetyo", "--to", "Komisi II", "--to", "Komisi IV")
    assert ok.returncode == 0, ok.stderr
    assert run_cli(project, "advance", ITEM, "DISPOSISI DIBACAKAN", "--by", "Bambang Wahyudi").returncode == 0


def show(project) -> dict:
    return json.loads(run_cli(project, "show", ITEM, "--json").stdout)


def test_dicatat_keeps_the_ketuas_disposition_and_refuses_another(project):
    to_reading_back(project)
    bad = run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati", "--to", "Komisi III")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "GALAT" in bad.stderr and "Saran" in bad.stderr
    assert "berbeda dari disposisi Ketua DPRD (Komisi II, Komisi IV)" in bad.stderr and "--ubah-disposisi" in bad.stderr
    assert show(project)["stage"] == "DISPOSISI DIBACAKAN"
    # no --to: the Ketua's list is recorded as it is
    ok = run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati")
    assert ok.returncode == 0, ok.stderr
    assert run_cli(project, "sync").returncode == 0
    assert kendali(project)[ITEM]["Diteruskan ke"] == "Komisi II, Komisi IV"


def test_the_same_akd_in_another_order_is_the_ketuas_choice(project):
    to_reading_back(project)
    ok = run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati", "--to", "komisi 4, komisi 2")
    assert ok.returncode == 0, ok.stderr
    assert run_cli(project, "sync").returncode == 0
    assert kendali(project)[ITEM]["Diteruskan ke"] == "Komisi II, Komisi IV"


def test_a_changed_disposition_needs_a_reason_and_is_kept_in_riwayat(project):
    to_reading_back(project)
    empty = run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati",
                    "--to", "Komisi III", "--ubah-disposisi", " ")
    assert empty.returncode == 2 and "alasan" in empty.stderr
    ok = run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati", "--to", "Komisi III",
                 "--ubah-disposisi", "Ketua DPRD mengubah disposisi lewat telepon")
    assert ok.returncode == 0, ok.stderr
    notes = [h for h in show(project)["history"] if h["event"] == "UBAH DISPOSISI"]
    assert len(notes) == 1 and "Komisi II, Komisi IV" in notes[0]["note"] and "lewat telepon" in notes[0]["note"]
    assert run_cli(project, "sync").returncode == 0
    assert kendali(project)[ITEM]["Diteruskan ke"] == "Komisi III"
    riwayat = [r for r in by_header(sheet(register_of(project), "Riwayat")) if r["No. Agenda"] == ITEM]
    assert any("lewat telepon" in str(r["Catatan"]) for r in riwayat)


def test_ubah_disposisi_without_a_different_akd_is_refused(project):
    to_reading_back(project)
    r = run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati",
                "--ubah-disposisi", "salah ketik")
    assert r.returncode == 2 and "--ubah-disposisi" in r.stderr and show(project)["stage"] == "DISPOSISI DIBACAKAN"


def test_kendali_refuses_a_different_akd_at_dicatat_in_pesan(project, make_engine):
    to_reading_back(project)
    make_engine(project).cycle()
    edit(project, ITEM, Tahap="DICATAT & DIDISTRIBUSIKAN", Oleh="Siti Rahmawati (Staf Subbag TU)", Diteruskan_ke="Komisi I")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [False]
    row = kendali(project)[ITEM]
    assert "berbeda dari disposisi Ketua DPRD (Komisi II, Komisi IV)" in row["Pesan"]
    assert "Kembalikan kolom Diteruskan ke" in row["Pesan"] and "Tahap tetap DISPOSISI DIBACAKAN" in row["Pesan"]
    assert "Sementara itu" not in row["Pesan"]  # nobody else changed the stage
    assert row["Tahap"] == "DISPOSISI DIBACAKAN" and row["Diteruskan ke"] == "Komisi II, Komisi IV"
    # the Ketua's list left as it is: recorded
    edit(project, ITEM, Tahap="DICATAT & DIDISTRIBUSIKAN", Oleh="Siti Rahmawati (Staf Subbag TU)")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [True]
    assert kendali(project)[ITEM]["Diteruskan ke"] == "Komisi II, Komisi IV"


def test_after_distribution_kendali_cannot_change_the_akd(project, make_engine):
    to_reading_back(project)
    assert run_cli(project, "advance", ITEM, "DICATAT & DIDISTRIBUSIKAN", "--by", "Siti Rahmawati").returncode == 0
    make_engine(project).cycle()
    edit(project, ITEM, Diteruskan_ke="Komisi I")
    report = make_engine(project).cycle()
    assert [r.accepted for r in report.steps] == [False]
    row = kendali(project)[ITEM]
    assert "sudah dicatat dan didistribusikan (Komisi II, Komisi IV)" in row["Pesan"] and "DIKEMBALIKAN" in row["Pesan"]
    assert row["Diteruskan ke"] == "Komisi II, Komisi IV"
