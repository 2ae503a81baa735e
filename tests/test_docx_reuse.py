"""A Word template is opened once per process and reused for every copy: each copy is
exactly what a freshly opened template gives — nothing of the previous item (name,
number, rahasia text) is carried into the next one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from siapmas_sync.worddocs.render import TEMPLATE_NAMES, render_docx, shipped_template_dir, template_context
from siapmas_sync.core.models import Kop
from siapmas_sync.worddocs import templates

from .test_documents import make_item


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_each_copy_is_what_a_fresh_template_gives(tmp_path: Path, name: str):
    first = make_item(agenda_no="0001/SIAPMAS/2026", seq=1, sub_nama="Budi Santoso")
    second = make_item(agenda_no="0777/SIAPMAS/2026", seq=777, sub_nama="Siti Aminah", rahasia=True)
    dirs = (shipped_template_dir(),)

    def render(item, out: str) -> bytes:
        return render_docx(name, template_context(item, Kop()), tmp_path / out, template_dirs=dirs).read_bytes()

    templates._OPENED.clear()  # a fresh process
    fresh = render(second, "fresh.docx")
    templates._OPENED.clear()
    render(first, "first.docx")
    again = render(second, "second.docx")  # the same template object, reused
    assert again == fresh
    text = zipfile.ZipFile(tmp_path / "second.docx").read("word/document.xml").decode()
    assert "0777/SIAPMAS/2026" in text and "0001/SIAPMAS/2026" not in text and "Budi Santoso" not in text


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_line_breaks_tabs_and_optional_rows_survive_reuse(tmp_path: Path, name: str):
    """Copies after a template's first are filled without python-docx (worddocs.fastfill):
    a text with line breaks and tabs, and the Lampiran row that a letter shows only when
    there is a report, come out exactly as a freshly opened template makes them."""
    item = make_item(agenda_no="0042/SIAPMAS/2026", seq=42, sub_nama="Dewi Lestari",
                     sub_kronologi="Baris pertama.\nBaris kedua\tdengan tab.\n\nParagraf baru.")
    dirs = (shipped_template_dir(),)

    def render(ctx: dict, out: str) -> bytes:
        return render_docx(name, ctx, tmp_path / out, template_dirs=dirs).read_bytes()

    for lampiran in ("1 (satu) berkas Laporan Hasil Tindak Lanjut", ""):
        ctx = template_context(item, Kop(), tindak_lanjut="Sudah ditinjau.\nRapat\tkomisi.", lampiran_surat=lampiran)
        templates._OPENED.clear()
        fresh = render(ctx, "fresh.docx")
        render(template_context(make_item(), Kop()), "other.docx")
        again = render(ctx, "again.docx")  # the reused template
        assert again == fresh
        body = zipfile.ZipFile(tmp_path / "again.docx").read("word/document.xml").decode()
        assert "0042/SIAPMAS/2026" in body
        if name == "surat_balasan.docx":  # the follow-up's line break and tab, the Lampiran row
            assert "Sudah ditinjau.</w:t><w:br/>" in body and "<w:tab/>" in body
            assert ("Laporan Hasil Tindak Lanjut" in body) == bool(lampiran)
