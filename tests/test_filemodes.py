"""What the worker writes holds reporters' names, phones and e-mails: owner-only files
(0600) and folders (0700) whatever the umask, and a warning for a folder that others can
open (issue 15, "Personal data")."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from siapmas_sync.documents import atomic_write_bytes
from siapmas_sync.filemodes import exposed_folder_warnings, private_mkdir

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(p: Path) -> int:
    return stat.S_IMODE(p.lstat().st_mode)


def cli(config: Path, *args: str, umask: int = 0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "siapmas_sync", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(umask))


def test_writers_set_modes_explicitly_even_under_umask_000(tmp_path: Path):
    old = os.umask(0)
    try:
        atomic_write_bytes(tmp_path / "a" / "b" / "doc.pdf", b"%PDF-1.4")
        private_mkdir(tmp_path / "c" / "d")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path / "a" / "b" / "doc.pdf") == 0o600
    assert mode(tmp_path / "c") == mode(tmp_path / "c" / "d") == 0o700


def test_every_file_a_cycle_and_an_export_create_is_private_under_umask_000(project: Path):
    root = project.parent.parent
    var = root / "var" / "demo"
    (var / "output").mkdir(parents=True)
    os.chmod(root / "var", 0o700)
    os.chmod(var, 0o700)
    os.chmod(var / "output", 0o755)  # created beforehand by someone else, readable by all
    before = {p for p in root.rglob("*")}
    r = cli(project, "sync")
    assert r.returncode == 0, r.stderr
    e = cli(project, "buku-agenda", "--from", "2026-11-01", "--to", "2026-11-30")
    assert e.returncode == 0, e.stderr
    # the public status folder <output>/publik/ (index.html, status-aduan.csv) is world-readable
    # on purpose: it holds no personal data and staff publish it on the website (publik.page
    # PUBLIC_FILE_MODE / PUBLIC_DIR_MODE; test_publik.test_public_folder_is_world_readable_on_purpose).
    # Exempt exactly that folder and what is in it; everything else stays owner-only.
    publik = var / "output" / "publik"
    created = [p for p in root.rglob("*") if p not in before and p != publik and publik not in p.parents]
    files = [p for p in created if p.is_file()]
    folders = [p for p in created if p.is_dir()]
    assert any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".xlsx" and "buku-agenda" in p.name for p in files)
    assert {str(p.relative_to(root)): oct(mode(p)) for p in files if mode(p) != 0o600} == {}
    assert {str(p.relative_to(root)): oct(mode(p)) for p in folders if mode(p) != 0o700} == {}
    # the folder that was there keeps its mode, and the operator is told, once per cycle
    assert mode(var / "output") == 0o755
    warning = f"Folder keluaran {var / 'output'} dapat dibuka pengguna lain (izin 0755)"
    assert r.stdout.count(warning) == 1  # the cycle summary
    assert r.stderr.count(warning) == 1  # the log
    d = cli(project, "doctor")
    assert d.returncode == 0, d.stdout
    assert "[AWAS ]" in d.stdout and warning in d.stdout and "chmod 700" in d.stdout


def test_exposed_folder_warning_names_each_folder_once(tmp_path: Path):
    a = tmp_path / "a"
    a.mkdir()
    os.chmod(a, 0o750)
    b = tmp_path / "b"
    b.mkdir()
    os.chmod(b, 0o700)
    found = exposed_folder_warnings({"Folder keluaran": a, "Folder basis data": a, "Folder register": b})
    assert len(found) == 1 and "izin 0750" in found[0]
