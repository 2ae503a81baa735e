"""Printable SOP documents (PDF via reportlab) for registered SIAPMAS items.

* :func:`render_lembar_aduan` — the submission itself (A4, paginated, with thumbnails);
* :func:`render_lembar_disposisi` — the disposition form (A4 or ½ folio, one page);
* :func:`render_kartu_kendali` — the incoming control card (15 × 10 cm, three copies);
* :func:`render_print_batch` — one PDF concatenating a cycle's documents for printing;
* :func:`atomic_write_bytes` — how every file here reaches the disk.

Rendering is deterministic: the same item and kop give byte-identical files.
"""

from __future__ import annotations

from siapmas_sync.documents.aduan import render_lembar_aduan
from siapmas_sync.documents.batch import render_print_batch
from siapmas_sync.documents.common import atomic_write_bytes
from siapmas_sync.documents.disposisi import render_lembar_disposisi
from siapmas_sync.documents.kendali import render_kartu_kendali

__all__ = [
    "atomic_write_bytes",
    "render_kartu_kendali",
    "render_lembar_aduan",
    "render_lembar_disposisi",
    "render_print_batch",
]
