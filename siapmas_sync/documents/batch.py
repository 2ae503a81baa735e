"""The print batch: one PDF with a cycle's documents in the given order.

Operators print a single file per cycle instead of opening dozens; pages are copied
unchanged (pypdf), and the file is written atomically like every document.
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from siapmas_sync.documents.common import PDF_CREATOR, atomic_write_bytes


def render_print_batch(pdfs: list[Path], path: Path) -> Path:
    """Concatenate *pdfs* in the given order into *path*; return *path*.

    Raises ValueError for an empty list (there is nothing to print) and lets
    FileNotFoundError / pypdf errors through for a missing or unreadable input — the
    batch is never silently short of a document.
    """
    if not pdfs:
        raise ValueError("Tidak ada dokumen untuk digabungkan ke berkas cetak.")
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(str(pdf)))
    writer.add_metadata({"/Title": "Berkas cetak SIAPMAS", "/Creator": PDF_CREATOR, "/Producer": PDF_CREATOR})
    buf = io.BytesIO()
    writer.write(buf)
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path
