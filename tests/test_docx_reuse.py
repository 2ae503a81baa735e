"""A Word template is opened once per process and reused for every copy: each copy is
exactly what a freshly opened template gives — nothing of the previous item (name,
number, rahasia text) is carried into the next one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from siapmas_sync.docx_render import TEMPLATE_NAMES, render_docx, shipped_template_dir, template_context
from siapmas_sync.models import Kop
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
