"""Stages by code everywhere: an office renames every stage label (README allows it) and
walks an item from the form to the last stage through the CLI. Only what people read
changes: numbering, the guard, the documents and the register keep working."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .test_engine import pdf_text, run_cli
from .test_kendali import OLEH, kendali

GALIAN = "0001/SIAPMAS/2026"
#: every stage renamed (code -> new label), as an office might word them
RENAMED = {
    "0": "1. Masuk", "1": "2. Diagendakan", "2": "3. Paraf Kasubag", "3": "4. Paraf Kabag", "4": "5. Disposisi Sekwan",
    "5": "6. Disposisi Ketua", "6": "7. Disposisi Dibacakan", "7": "8. Didistribusikan", "8": "9. Ditindaklanjuti",
    "9": "10. Tuntas", "kelengkapan": "Minta Kelengkapan", "ditolak": "Tidak Diterima", "dikembalikan": "Dikembalikan Satu Langkah",
}
DEFAULT = ["DITERIMA", "TERAGENDA", "PARAF KASUBAG TU", "PARAF KABAG", "DISPOSISI SEKWAN", "DISPOSISI KETUA",
           "DISPOSISI DIBACAKAN", "DICATAT & DIDISTRIBUSIKAN", "TINDAK LANJUT", "SELESAI"]


def renamed_project(project: Path) -> Path:
    text = project.read_text(encoding="utf-8")
    text += "\n[workflow.tahap]\n" + "".join(f'"{code}" = {{ label = "{label}" }}\n' for code, label in RENAMED.items())
    project.write_text(text, encoding="utf-8")
    return project


def test_every_label_renamed_midway_walks_on_to_the_last_stage(project: Path) -> None:
    first = run_cli(project, "sync")
    assert first.returncode == 0, first.stdout + first.stderr
    # two steps recorded under the shipped labels, then the office renames every stage
    for code in (2, 3):
        out = run_cli(project, "advance", GALIAN, DEFAULT[code], "--by", OLEH[DEFAULT[code]], "--note", f"paraf {code}")
        assert out.returncode == 0, out.stdout + out.stderr
    renamed_project(project)
    synced = run_cli(project, "sync")
    assert synced.returncode == 0 and "GALAT" not in synced.stdout + synced.stderr, synced.stdout + synced.stderr
    assert kendali(project)[GALIAN]["Tahap"] == RENAMED["3"]  # the recorded stage, shown by its new label
    for code in range(4, 10):
        label = RENAMED[str(code)]
        args = ["advance", GALIAN, label, "--by", OLEH[DEFAULT[code]], "--note", f"instruksi {code}"]
        if code == 5:
            args += ["--to", "Komisi III"]
        if code == 9:
            args += ["--laporan", "RDP dengan DLH; penambangan dihentikan."]
        out = run_cli(project, *args)
        assert out.returncode == 0, (label, out.stdout + out.stderr)
        synced = run_cli(project, "sync")
        assert synced.returncode == 0, (label, synced.stdout + synced.stderr)
        assert "GALAT" not in synced.stdout + synced.stderr, synced.stdout + synced.stderr
        assert kendali(project)[GALIAN]["Tahap"] == label
    shown = json.loads(run_cli(project, "show", GALIAN, "--json").stdout)
    assert shown["stage"] == RENAMED["9"]
    # the filled disposisi keeps the paraf given under the old label, in its row
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
    text = " ".join(pdf_text(folder / "lembar-disposisi-terisi.pdf").split())
    assert "Dwi Lestari" in text and "paraf 2" in text and "instruksi 5" in text
    # a side exit and its return by their new labels; an old label still names its stage
    other = "0002/SIAPMAS/2026"
    assert run_cli(project, "advance", other, RENAMED["kelengkapan"], "--by", "Dwi Lestari", "--note", "foto").returncode == 0
    assert run_cli(project, "sync").returncode == 0
    back = run_cli(project, "advance", other, RENAMED["1"], "--by", "Dwi Lestari")
    assert back.returncode == 0, back.stdout + back.stderr
    unknown = run_cli(project, "advance", other, "PARAF LURAH", "--by", "Dwi Lestari")
    assert unknown.returncode == 2 and RENAMED["2"] in unknown.stdout + unknown.stderr
    # a response that arrives after the rename is numbered under the new label
    with (project.parent.parent / "examples" / "responses.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["2026/11/28 10:00:00 AM GMT+7", "Sri Wahyuni", "0813-1111-2222", "sri@example.com",
                                 "Lampu PJU mati sejak seminggu di Jalan Raya Sooko, mohon segera diperbaiki.", "", "Sooko"])
    assert run_cli(project, "sync").returncode == 0
    stages = {r["agenda"]: r["stage"] for r in json.loads(run_cli(project, "status", "--json").stdout)}
    assert all(s in RENAMED.values() for s in stages.values()), stages
    assert "TERAGENDA" not in run_cli(project, "status").stdout
