"""Messages an operator can act on (issue 15, "Clearer messages"): a bad environment
override names its variable, a missing database driver says how to install it, and
configuration that silently degrades the documents is warned about once per cycle."""

from __future__ import annotations

import json
from pathlib import Path

from .test_engine import run_cli


def test_invalid_environment_override_names_the_variable(project: Path):
    r = run_cli(project, "sync", env={"SIAPMAS_SCHEDULE__INTERVAL_MINUTES": "abc"})
    assert r.returncode == 2
    assert "SIAPMAS_SCHEDULE__INTERVAL_MINUTES" in r.stderr and "schedule.interval_minutes" in r.stderr
    assert "variabel lingkungan" in r.stderr.split("Saran:")[1]
    assert "Traceback" not in r.stderr
    # a mistake in the file itself still points at the file, not at the environment
    project.write_text(project.read_text(encoding="utf-8").replace("interval_minutes = 5", "interval_minutes = 0"), encoding="utf-8")
    r = run_cli(project, "sync")
    assert r.returncode == 2 and "SIAPMAS_" not in r.stderr and str(project) in r.stderr


def test_database_url_without_its_driver_says_how_to_install_it(project: Path):
    # psycopg (the supported driver) ships with siapmas-sync; an URL naming another driver
    r = run_cli(project, "sync", env={"SIAPMAS_STORAGE__URL": "postgresql+psycopg2://siapmas:rahasia@localhost/siapmas"})
    assert r.returncode == 2
    assert "GALAT: Driver basis data 'psycopg2'" in r.stderr and "pip install psycopg2-binary" in r.stderr
    assert "No module named" not in r.stderr and "rahasia" not in r.stderr and "Traceback" not in r.stderr


def test_degraded_configuration_is_warned_once_per_cycle(project: Path):
    root = project.parent.parent
    broken_logo = project.parent / "logo-rusak.png"
    broken_logo.write_bytes(b"\x89PNG\r\n\x1a\n bukan gambar")
    responses = root / "examples" / "responses.csv"
    header, rest = responses.read_text(encoding="utf-8").split("\n", 1)
    responses.write_text(header.replace("Nama", "Identitas", 1) + "\n" + rest, encoding="utf-8")
    env = {
        "SIAPMAS_SOURCE__EVIDENCE_DIR": "folder-bukti-x",
        "SIAPMAS_KOP__LOGO": str(broken_logo),
        "SIAPMAS_TEMPLATES__DIR": "templat-tidak-ada",
    }
    expected = ["Folder bukti", "folder-bukti-x", "Logo kop", "logo-rusak.png", "Folder templat", "Kolom 'Nama'"]
    r = run_cli(project, "sync", "--json", env=env)
    assert r.returncode == 0, r.stderr
    warnings = json.loads(r.stdout)["warnings"]
    assert len(warnings) == 4, warnings
    for text in expected:
        assert sum(text in w for w in warnings) == 1, (text, warnings)
    logged = [line for line in r.stderr.splitlines() if " WARNING " in line]
    for w in warnings:
        assert sum(w in line for line in logged) == 1, w
    plain = run_cli(project, "sync", env=env)
    assert plain.stdout.count("Peringatan: ") == 4, plain.stdout
    d = run_cli(project, "doctor", env=env)
    for text in ("Logo kop", "Folder templat"):
        assert text in d.stdout
    assert "folder-bukti-x" in d.stdout


def test_summary_says_what_a_completeness_finding_means(project: Path):
    r = run_cli(project, "sync")
    assert r.returncode == 0, r.stderr
    assert "Pemeriksaan kelengkapan menemukan kekurangan pada 1 aduan (petugas memutuskan apakah diminta kelengkapan)." in r.stdout
    assert "Perlu kelengkapan:" not in r.stdout
    items = json.loads(run_cli(project, "status", "--json").stdout)
    assert all(i["stage"] != "PERLU KELENGKAPAN" for i in items)  # the finding is not a stage
