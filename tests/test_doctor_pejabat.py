"""`doctor` checks [[pejabat]] (who may be named as Oleh / --by): present, names and
jabatan filled, no name twice, someone for every paraf and disposition step."""

from __future__ import annotations

import re
from pathlib import Path

from .test_engine import run_cli

HEAD = "Daftar pejabat / officials ([[pejabat]])"


def with_pejabat(project: Path, blocks: str) -> Path:
    text = project.read_text(encoding="utf-8")
    text = re.sub(r"\[\[pejabat\]\]\nnama = .*\njabatan = .*\n(?:[a-z_]+ = .*\n)*\n*", "", text)
    project.write_text(text + "\n" + blocks, encoding="utf-8")
    return project


def line_of(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    out = []
    for n, line in enumerate(lines):
        if HEAD in line:
            out.append(line + (("\n" + lines[n + 1]) if n + 1 < len(lines) and "Saran" in lines[n + 1] else ""))
    return out


def test_the_demo_officials_cover_every_paraf_step(project: Path) -> None:
    r = run_cli(project, "doctor")
    assert r.returncode == 0, r.stdout
    (found,) = line_of(r.stdout)
    assert found.startswith("[OK   ]") and "7 orang" in found and "tindak lanjut" in found


def test_no_pejabat_is_a_warning_with_an_example(project: Path) -> None:
    r = run_cli(with_pejabat(project, ""), "doctor")
    assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr
    (found,) = line_of(r.stdout)
    assert found.startswith("[AWAS ]") and "tidak diisi" in found
    assert 'Saran / fix: Tambahkan setiap pejabat/staf' in found


def test_a_name_twice_fails_and_a_missing_ketua_is_named(project: Path) -> None:
    blocks = "".join(f'[[pejabat]]\nnama = "{n}"\njabatan = "{j}"\n\n' for n, j in (
        ("Dwi Lestari", "Kasubag TU"), ("dwi  lestari", "Staf Subbag TU"), ("Agus Santoso", "Kabag Persidangan & PUU"),
        ("Bambang Wahyudi", "Sekretaris DPRD"), ("Rina Kusuma", " ")))
    r = run_cli(with_pejabat(project, blocks), "doctor")
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr
    found = line_of(r.stdout)
    gagal = [f for f in found if f.startswith("[GAGAL]")]
    assert len(gagal) == 1 and "Nama ganda" in gagal[0] and "Dwi Lestari" in gagal[0] and "Saran / fix:" in gagal[0]
    awas = " ".join(f for f in found if f.startswith("[AWAS ]"))
    assert "Jabatan kosong untuk: Rina Kusuma" in awas
    assert "untuk: DISPOSISI KETUA (Ketua DPRD)." in awas  # only the Ketua missing: Kabag Persidangan fits PARAF KABAG
