"""`doctor` catches what would break or quietly degrade a cycle: impossible paths, a
renamed question (with the columns that are there), the Drive folder even when the sheet
is refused, a holiday calendar missing this or next year, a key file others can read."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from siapmas_sync.doctor.checkup import Doctor, render

from .google_standin.server import GoogleStandin
from .test_engine import run_cli
from .test_google_backend import standin, world  # noqa: F401  (fixtures)
from .worlds import SA_EMAIL, GoogleWorld

WIB = ZoneInfo("Asia/Jakarta")


def test_impossible_database_and_output_paths_fail_with_the_reason(project: Path, tmp_path: Path):
    blocker = tmp_path / "bukan-folder"
    blocker.write_text("x")
    env = {"SIAPMAS_STORAGE__DATABASE": str(blocker / "siapmas.db")}
    if os.name == "posix":
        env["SIAPMAS_OUTPUT__DIR"] = "/proc/siapmas-keluaran"
    r = run_cli(project, "doctor", env=env)
    assert r.returncode == 1
    assert f"{blocker} adalah berkas, bukan folder" in r.stdout and "[storage] database" in r.stdout
    if os.name == "posix":
        assert "sistem berkas virtual" in r.stdout and "[output] dir" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_a_question_that_does_not_match_lists_the_columns_that_are_there(project: Path):
    responses = project.parent.parent / "examples" / "responses.csv"
    text = responses.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    renamed = header.replace("Nama", "Identitas Pengadu", 1).replace("Kronologi", "Cerita", 1)
    responses.write_text(renamed + "\n" + rest, encoding="utf-8")
    r = run_cli(project, "doctor")
    assert r.returncode == 1
    assert "Kolom yang ada: A 'Timestamp', B 'Identitas Pengadu'" in r.stdout, r.stdout
    assert "Cerita" in r.stdout


def test_holiday_calendar_incomplete_for_this_or_next_year_is_a_warning(project: Path):
    def checks_at(now: datetime):
        checks = Doctor(project, clock=lambda: now).run()
        return [c for c in checks if "Kalender hari libur" in c.name], checks

    january, checks = checks_at(datetime(2027, 1, 15, 9, 0, tzinfo=WIB))  # 2027 is "BELUM LENGKAP" in the file
    assert len(january) == 1 and january[0].warn and january[0].ok
    assert "belum lengkap untuk 2027" in january[0].detail and "tahun_lengkap" in january[0].advice
    assert "[AWAS ] Kalender hari libur" in render(checks)
    assert all(c.ok for c in checks)  # a warning does not fail doctor
    november, _ = checks_at(datetime(2026, 11, 20, 9, 0, tzinfo=WIB))  # the SLA clocks now reach 2027
    assert len(november) == 1 and "2027" in november[0].detail and "2026" not in november[0].detail.split("untuk")[1]
    march, _ = checks_at(datetime(2026, 3, 2, 9, 0, tzinfo=WIB))
    assert march == []
    full = project.parent / "libur-lengkap.toml"
    full.write_text('tahun_lengkap = [2026, 2027]\n[[libur]]\ntanggal = 2027-01-01\nnama = "Tahun Baru"\n', encoding="utf-8")
    project.write_text(project.read_text(encoding="utf-8") + '\n[workflow]\nholidays = "libur-lengkap.toml"\n', encoding="utf-8")
    assert checks_at(datetime(2027, 1, 15, 9, 0, tzinfo=WIB))[0] == []


def test_holiday_advice_points_to_the_config_folder_never_into_the_package(project: Path):
    """An office without its own calendar is told to copy the shipped one beside its
    configuration (read from there automatically), not to edit the installed package."""
    (project.parent / "hari_libur.toml").unlink()  # the sample ships a copy beside demo.toml
    january = datetime(2027, 1, 15, 9, 0, tzinfo=WIB)
    [check] = [c for c in Doctor(project, clock=lambda: january).run() if "Kalender hari libur" in c.name]
    own = project.parent / "hari_libur.toml"
    assert "Salin " in check.advice and f"ke {own} (dibaca otomatis dari folder konfigurasi)" in check.advice
    assert f"tahun_lengkap di {own}" in check.advice
    own.write_text('tahun_lengkap = [2026, 2027]\n[[libur]]\ntanggal = 2027-01-01\nnama = "Tahun Baru"\n', encoding="utf-8")
    assert [c for c in Doctor(project, clock=lambda: january).run() if "Kalender hari libur" in c.name] == []


def test_drive_folder_is_checked_after_the_sheet_is_refused(world: GoogleWorld, standin: GoogleStandin):  # noqa: F811
    standin.unshare(world.sid, SA_EMAIL)
    r = run_cli(world.config, "doctor")
    assert r.returncode == 1
    assert "[GAGAL] Spreadsheet dapat dibuka" in r.stdout
    assert "[OK   ] Folder bukti dapat dibaca" in r.stdout, r.stdout
    standin.unshare(world.folder, SA_EMAIL)
    r = run_cli(world.config, "doctor")
    assert "[GAGAL] Folder bukti dapat dibaca" in r.stdout and "Viewer" in r.stdout, r.stdout


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_key_file_others_can_read_is_a_warning(world: GoogleWorld):  # noqa: F811
    os.chmod(world.key_path, 0o644)
    r = run_cli(world.config, "doctor")
    assert r.returncode == 0, r.stdout
    assert "[AWAS ] Izin berkas kunci" in r.stdout and "chmod 600" in r.stdout
    os.chmod(world.key_path, 0o600)
    r = run_cli(world.config, "doctor")
    assert r.returncode == 0 and "Izin berkas kunci" not in r.stdout


def test_a_database_folder_on_a_read_only_file_system_fails(project: Path, tmp_path: Path):
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here (needs root)")
    try:
        r = run_cli(project, "doctor", env={"SIAPMAS_STORAGE__DATABASE": str(ro / "siapmas.db")})
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)
    assert r.returncode == 1
    assert "[GAGAL] Lokasi basis data" in r.stdout and f"{ro} tidak dapat ditulis" in r.stdout, r.stdout
