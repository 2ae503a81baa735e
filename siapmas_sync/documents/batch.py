"""Print batches: a cycle's new documents, one file per kind of paper.

Operators load one kind of paper per file: the A4 documents (lembar aduan, lembar
disposisi, filled disposisi…) in agenda order in one file; a document of another size
(a ½-folio disposisi) in a file of its own; the kartu kendali grouped by copy colour —
every white copy, then every yellow, then every red — either on card-size pages
(``[output] kartu_cetak = "kartu"``) or two cards to an A4 sheet with cut marks
(``"a4"``; a sheet never mixes colours). Pages are copied unchanged: byte for byte by
:mod:`.pdfcopy` (our own reportlab files: no parsing, a fraction of the CPU of drawing
them), or by pypdf for a file it does not read and for two cards on a sheet; every file
is written atomically like every document.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from siapmas_sync.documents.common import PDF_CREATOR, atomic_write_bytes
from siapmas_sync.documents.pdfcopy import Page, Unsupported, join_pieces, pages_of

__all__ = ["COPY_NAMES", "render_print_batch", "render_print_batches"]

#: the kartu kendali's copies, in page order (see documents.kendali.COPIES)
COPY_NAMES = ("putih", "kuning", "merah")
#: cards per A4 sheet (15 × 10 cm cards on 21 × 29.7 cm: two, one above the other)
CARDS_PER_SHEET = 2
_CUT = 4 * mm  # length of a cut mark
_GAP = 8 * mm  # space between two cards on a sheet (room for the cut marks)


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
    return _write(writer, Path(path))


def _write(writer: PdfWriter, path: Path) -> Path:
    writer.add_metadata({"/Title": "Berkas cetak SIAPMAS", "/Creator": PDF_CREATOR, "/Producer": PDF_CREATOR})
    buf = io.BytesIO()
    writer.write(buf)
    atomic_write_bytes(path, buf.getvalue())
    return path


def paper_name(page: PageObject) -> str:
    """"a4" for an A4 page (either orientation), else "<w>x<h>mm"."""
    return _paper(float(page.mediabox.width), float(page.mediabox.height))


def _paper(width: float, height: float) -> str:
    w, h = sorted((width, height))
    if abs(w - A4[0]) < 3 and abs(h - A4[1]) < 3:
        return "a4"
    return f"{round(w / mm)}x{round(h / mm)}mm"


def render_print_batches(sheets: Sequence[Path], kartu: Sequence[Path], stem: Path,
                         *, kartu_cetak: str = "kartu") -> list[Path]:
    """Write the print files of one batch; return their paths (none when nothing to print).

    *sheets*: the sheet documents in agenda order, grouped by paper into
    ``<stem>-a4.pdf`` (and ``<stem>-<w>x<h>mm.pdf`` for other sizes); *kartu*: the kartu
    kendali PDFs (three copies each), into ``<stem>-kartu.pdf`` (card pages, colours
    grouped) or, with *kartu_cetak* "a4", ``<stem>-kartu-a4.pdf`` (two cards a sheet).
    """
    stem = Path(stem)
    try:
        return _copy_batches(sheets, kartu, stem, kartu_cetak)
    except Unsupported:  # not a file as reportlab writes it: parsed and copied by pypdf
        pass
    by_paper: dict[str, PdfWriter] = {}
    for pdf in sheets:
        for page in PdfReader(str(pdf)).pages:
            by_paper.setdefault(paper_name(page), PdfWriter()).add_page(page)
    out = [_write(w, stem.with_name(f"{stem.name}-{name}.pdf")) for name, w in by_paper.items()]
    if kartu:
        readers = [PdfReader(str(p)) for p in kartu]
        colours: list[list[PageObject]] = [
            [r.pages[i] for r in readers if len(r.pages) > i] for i in range(len(COPY_NAMES))
        ]
        if kartu_cetak == "a4":
            out.append(_write(_cards_on_a4(colours), stem.with_name(f"{stem.name}-kartu-a4.pdf")))
        else:
            writer = PdfWriter()
            for pages in colours:
                for page in pages:
                    writer.add_page(page)
            out.append(_write(writer, stem.with_name(f"{stem.name}-kartu.pdf")))
    return out


def _copy_batches(sheets: Sequence[Path], kartu: Sequence[Path], stem: Path, kartu_cetak: str) -> list[Path]:
    """render_print_batches by :mod:`.pdfcopy` (Unsupported: the caller starts again with
    pypdf, which rewrites every file). One file's documents are held at a time."""
    info = {"Title": "Berkas cetak SIAPMAS", "Creator": PDF_CREATOR, "Producer": PDF_CREATOR}
    by_paper: dict[str, list[Page]] = {}
    for pdf in sheets:
        for page in pages_of(pdf.read_bytes()):
            by_paper.setdefault(_paper(*page.media), []).append(page)
    out = []
    for name in list(by_paper):  # in the order met (the first file names the batch); each freed once written
        pages = by_paper.pop(name)
        path = stem.with_name(f"{stem.name}-{name}.pdf")
        atomic_write_bytes(path, join_pieces(pages, info))  # never the whole file at once
        out.append(path)
        del pages
    if kartu and kartu_cetak == "a4":  # two cards on a sheet: drawn by pypdf
        readers = [PdfReader(str(p)) for p in kartu]
        colours = [[r.pages[i] for r in readers if len(r.pages) > i] for i in range(len(COPY_NAMES))]
        out.append(_write(_cards_on_a4(colours), stem.with_name(f"{stem.name}-kartu-a4.pdf")))
    elif kartu:
        docs = [pages_of(p.read_bytes()) for p in kartu]
        path = stem.with_name(f"{stem.name}-kartu.pdf")
        atomic_write_bytes(path, join_pieces([d[i] for i in range(len(COPY_NAMES)) for d in docs if len(d) > i], info))
        out.append(path)
    return out


def _cards_on_a4(colours: Sequence[Sequence[PageObject]]) -> PdfWriter:
    """Two cards to a portrait A4 sheet, centred, with cut marks at their corners; a new
    sheet starts with each colour (an operator loads one colour of paper at a time)."""
    writer = PdfWriter()
    pw, ph = A4
    for pages in colours:
        for start in range(0, len(pages), CARDS_PER_SHEET):
            group = pages[start : start + CARDS_PER_SHEET]
            sheet = writer.add_blank_page(pw, ph)
            cw, ch = float(group[0].mediabox.width), float(group[0].mediabox.height)
            total = CARDS_PER_SHEET * ch + (CARDS_PER_SHEET - 1) * _GAP
            x0 = (pw - cw) / 2
            top = (ph + total) / 2
            boxes = []
            for n, card in enumerate(group):
                y0 = top - (n + 1) * ch - n * _GAP
                sheet.merge_transformed_page(card, Transformation().translate(x0, y0))
                boxes.append((x0, y0, cw, ch))
            sheet.merge_page(_cut_marks(boxes))
    return writer


def _cut_marks(boxes: Sequence[tuple[float, float, float, float]]) -> PageObject:
    """An A4 page holding only cut marks outside each box's corners."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setLineWidth(0.4)
    off = 1.5 * mm
    for x, y, w, h in boxes:
        for cx, sx in ((x, -1), (x + w, 1)):
            for cy, sy in ((y, -1), (y + h, 1)):
                c.line(cx + sx * off, cy, cx + sx * (off + _CUT), cy)  # horizontal
                c.line(cx, cy + sy * off, cx, cy + sy * (off + _CUT))  # vertical
    c.showPage()
    c.save()
    return PdfReader(io.BytesIO(buf.getvalue())).pages[0]
