"""One form row cannot exhaust paper or CPU (issue #21, point 7), through the CLI in local
mode: ~49,000 line breaks print as one gap, a chronology longer than the page limit stops
with a note and is written in full beside the PDF, an answer longer than Google's 50,000
characters per cell is read up to that with a note on the document, and the benchmark of
the layout cost runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from .test_inputs import export, run_cli

REPO = Path(__file__).resolve().parent.parent
HEADER = ["Cap waktu", "Nama", "No. Tlp/WA", "E-mail", "Kronologi, Waktu dan Tempat", "Bukti Dukung"]
SENTENCE = "Jalan poros Desa Kemlagi berlubang dan banjir setiap hujan, warga jatuh dari motor. "


def sync_with(project: Path, rows: list[list[str]], **env: str) -> dict:
    (project.parent.parent / "examples" / "responses.csv").write_bytes(export([HEADER, *rows], "utf-8"))
    r = run_cli(project, "sync", "--json", env={"SIAPMAS_OUTPUT__DOCX": "false", **env})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def aduan_of(project: Path, n: int) -> Path:
    [pdf] = (project.parent.parent / "var" / "demo" / "output" / "2026").glob(f"{n:04d}*/lembar-aduan.pdf")
    return pdf


def text_of(pdf: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages)


def test_answers_of_line_breaks_print_a_page_not_hundreds(project):
    kron = "Awal laporan." + "\n" * 49_000 + "Akhir laporan."
    out = sync_with(project, [["27/11/2026 09.12.05", "Budi Santoso", "081234567890", "", kron, ""]])
    assert out["new"] == ["0001/SIAPMAS/2026"]
    pdf = aduan_of(project, 1)
    assert len(PdfReader(pdf).pages) <= 2
    words = text_of(pdf)
    assert "Awal laporan." in words and "Akhir laporan." in words


def test_a_chronology_past_the_page_limit_is_cut_with_a_note_and_kept_in_full_beside_it(project):
    kron = "\n".join(f"{i}. {SENTENCE * 3}" for i in range(180))  # ~45,000 characters, ~15 pages
    out = sync_with(project, [["27/11/2026 09.12.05", "Budi Santoso", "081234567890", "", kron, ""]],
                    SIAPMAS_OUTPUT__MAX_PAGES_ADUAN="5")
    assert out["new"] == ["0001/SIAPMAS/2026"]
    pdf = aduan_of(project, 1)
    assert len(PdfReader(pdf).pages) <= 5
    words = text_of(pdf)
    assert "Teks tidak dicetak seluruhnya" in words and "lembar-aduan-teks-lengkap.txt" in words
    assert "Hasil Pemeriksaan Kelengkapan" in words  # the sections after the chronology still print
    full = (pdf.parent / "lembar-aduan-teks-lengkap.txt").read_text(encoding="utf-8")
    assert "179. Jalan poros" in full and "179. Jalan poros" not in words


def test_an_answer_longer_than_a_google_cell_is_read_up_to_50000_characters_with_a_note(project):
    kron = "\n".join(SENTENCE * 4 for _ in range(3_000))  # ~1 MB
    assert len(kron) > 1_000_000
    out = sync_with(project, [["27/11/2026 09.12.05", "Budi Santoso", "081234567890", "", kron, ""]],
                    SIAPMAS_OUTPUT__MAX_PAGES_ADUAN="8")
    assert out["new"] == ["0001/SIAPMAS/2026"]
    pdf = aduan_of(project, 1)
    assert len(PdfReader(pdf).pages) <= 8
    words = text_of(pdf)
    assert "hanya 50.000 karakter pertama yang dibaca" in words
    full = (pdf.parent / "lembar-aduan-teks-lengkap.txt").read_text(encoding="utf-8")
    assert 50_000 <= len(full) < 51_000
    item = json.loads(run_cli(project, "show", "0001/SIAPMAS/2026", "--json").stdout)
    assert [f["code"] for f in item["findings"] if "50.000 karakter" in f["message"]] == ["panjang"]


def test_the_long_text_benchmark_runs():
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "long_text_bench.py"), "--sizes", "3000", "60000"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:2] == ["ukuran", "CPU-s"] and len(lines) == 3
