"""The register workbook prints (issue: 24 portrait pages, Buku Agenda three pages wide,
wrapped cells overlapping in LibreOffice, the Dasbor's status red while the worker was
healthy). Checked on the file LibreOffice prints, as the secretariat would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from .test_engine import run_cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
REGISTER_TABS = ("Buku Agenda", "Riwayat", "Kendali", "Pemberitahuan")


def register_of(project: Path) -> Path:
    return project.parent.parent / "var" / "demo" / "register.xlsx"


def test_every_register_tab_has_a_print_setup_and_wrapped_rows_have_heights(project: Path) -> None:
    assert run_cli(project, "sync").returncode == 0
    wb = load_workbook(register_of(project))
    for tab in REGISTER_TABS:
        ws = wb[tab]
        assert ws.page_setup.orientation == "landscape", tab
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, tab
        assert ws.page_setup.fitToHeight == 0, tab  # as many pages down as needed
        assert ws.print_title_rows in ("1:1", "$1:$1") and ws.freeze_panes == "A2", tab
    ws = wb["Buku Agenda"]
    wrapped = [r for r in range(2, ws.max_row + 1) if any(c.alignment.wrap_text for c in ws[r])]
    assert wrapped and all((ws.row_dimensions[r].height or 0) >= 30 for r in wrapped)
    dasbor = wb["Dasbor"]
    status = dasbor["B5"]
    assert status.font.color is None or status.font.color.rgb not in ("00C00000", "FFC00000")  # not red by itself
    rules = [r for cf in dasbor.conditional_formatting for r in cf.rules]
    assert any("PERINGATAN" in r.formula[0] and r.dxf.font.color.rgb.endswith("C00000") for r in rules)
    assert "`" not in "".join(str(c.value) for row in dasbor.iter_rows() for c in row if c.value)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs libreoffice-calc)")
def test_libreoffice_prints_buku_agenda_on_one_page_width(project: Path, tmp_path: Path) -> None:
    assert run_cli(project, "sync").returncode == 0
    copy = tmp_path / "register.xlsx"
    shutil.copy(register_of(project), copy)
    subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(copy)],
                   capture_output=True, timeout=240, check=True)
    pages = [p.extract_text() or "" for p in PdfReader(tmp_path / "register.pdf").pages]
    # each printed page carries its tab's name on top (the page header)
    buku = [t for t in pages if t.lstrip().startswith("Buku Agenda")]
    assert len(buku) == 1, [t[:40] for t in pages]  # six items: one page, every column on it
    assert "Halaman" in buku[0] and "No. Agenda" in buku[0] and "Isi Ringkas" in buku[0] and "Ket." in buku[0]
    assert len(pages) <= 10  # was 24 portrait pages
