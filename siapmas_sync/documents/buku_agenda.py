"""Buku Agenda Surat Masuk export: the register of a period as a worksheet and as a PDF.

* :func:`export_buku_agenda_xlsx` — sheet "Buku Agenda": title, period, a bold frozen
  header row, one row per item; wrapped text, column widths, landscape fit-to-width print
  setup with the header repeated on every printed page.
* :func:`agenda_row` — the line of one registered item (identity hidden when rahasia);
* :func:`export_buku_agenda_pdf` — A4 landscape: kop, title, period, a bordered table whose
  header repeats on every page, page numbers, and the Kasubag TU's signature block.

Both are written atomically. Rows arrive ready for display: a *rahasia* item's
``pengirim`` must already read "Dirahasiakan" (:func:`agenda_row` does that). Any text a
citizen typed is treated as data: XLSX cells holding text are stored with the string type
(never a formula, and exactly as typed — no apostrophe added); :func:`neutralise_formula`
remains for plain-text outputs that have no cell types (OWASP CSV-injection guidance).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)

from siapmas_sync.documents.common import (
    BULAN, SANS, SANS_BOLD, SERIF_BOLD, atomic_write_bytes, doc_info, one_line, para_markup,
    redact, register_fonts, tanggal_id, truncate,
)
from siapmas_sync.documents.drawing import FULL, KopFlowable, footer_canvas, signature_block
from siapmas_sync.core.models import AgendaItem, Kop
from siapmas_sync.core.sheetplan import BUKU_AGENDA_COLUMNS, BUKU_AGENDA_TAB

__all__ = [
    "AgendaRow", "EMPTY_MESSAGE", "TITLE", "agenda_row", "export_buku_agenda_pdf", "export_buku_agenda_xlsx",
    "neutralise_formula", "periode_id",
]

TITLE = "BUKU AGENDA SURAT MASUK — ASPIRASI/PENGADUAN MASYARAKAT"
EMPTY_MESSAGE = "Tidak ada aduan pada periode ini."
SIGNER = "Kepala Subbagian Tata Usaha"
PLACE = "Mojokerto"
_WIB = ZoneInfo("Asia/Jakarta")

#: characters that make a spreadsheet treat a cell as a formula (OWASP)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit for one cell's text
_XLSX_CELL_MAX = 32767
#: per-cell text limits in the PDF (so a single row always fits on a page)
_PDF_LIMITS = (12, 40, 60, 160, 200, 1200, 200, 400)


@dataclass(frozen=True)
class AgendaRow:
    """One line of the Buku Agenda, display-ready (identity already hidden when rahasia)."""

    no: int
    tgl_terima: datetime
    agenda_no: str
    pengirim: str
    tgl_no_surat: str
    isi_ringkas: str
    diteruskan_ke: str
    ket: str

    def texts(self) -> tuple[str, ...]:
        """The seven text columns after No., as plain strings (Tgl Terima in Indonesian)."""
        return (
            _tgl_terima_id(self.tgl_terima), str(self.agenda_no or ""), str(self.pengirim or ""),
            str(self.tgl_no_surat or ""), str(self.isi_ringkas or ""), str(self.diteruskan_ke or ""),
            str(self.ket or ""),
        )


def agenda_row(item: AgendaItem, *, no: int, diteruskan_ke: str = "", ket: str | None = None) -> AgendaRow:
    """The Buku Agenda line of a registered *item* (identity hidden when rahasia).

    *diteruskan_ke* is what the officials decided (never the routing suggestion); *ket*
    defaults to the item's stage.
    """
    sub = item.submission
    return AgendaRow(
        no=no,
        tgl_terima=sub.received_at,
        agenda_no=item.agenda_no,
        pengirim=item.pelapor,
        tgl_no_surat=f"{tanggal_id(sub.received_at)} / -",
        isi_ringkas=redact(item.perihal, item, item.rahasia),
        diteruskan_ke=diteruskan_ke,
        ket=item.tahap if ket is None else ket,
    )


def neutralise_formula(text: str) -> str:
    """*text* with a leading apostrophe when it starts like a formula (= + - @ TAB CR)."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def periode_id(period: tuple[date, date]) -> str:
    """'Periode: 1 November 2026 s.d. 30 November 2026'."""
    start, end = period

    def d(x: date) -> str:
        return f"{x.day} {BULAN[x.month - 1]} {x.year}"

    return f"Periode: {d(start)} s.d. {d(end)}"


def _wib(dt: datetime) -> datetime:
    """*dt* in WIB without tzinfo (naive datetimes are taken as WIB already)."""
    return dt.astimezone(_WIB).replace(tzinfo=None) if dt.tzinfo else dt


def _tgl_terima_id(dt: datetime | None) -> str:
    if dt is None:
        return "-"
    d = _wib(dt)
    return f"{d.day} {BULAN[d.month - 1]} {d.year} {d.hour:02d}.{d.minute:02d}"


def _today() -> date:
    return datetime.now(_WIB).date()


# --- XLSX -------------------------------------------------------------------------------

_XLSX_WIDTHS = (6, 17, 20, 24, 22, 55, 22, 22)


def _xlsx_text(value: object) -> str:
    """Text safe for a worksheet cell: no XML-illegal characters, within Excel's limit.
    No apostrophe is added: :func:`_set_text` stores it as text (data type "s"), so a
    text starting with = + - @ is never a formula and reads exactly as typed."""
    s = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    s = s.replace("\r\n", "\n")
    return truncate(s, _XLSX_CELL_MAX - 1)


def _set_text(cell: Any, value: object) -> None:
    text = _xlsx_text(value)
    if not text:
        cell.value = None  # an empty cell, not an empty string
        return
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever the text


def export_buku_agenda_xlsx(rows: Sequence[AgendaRow], path: Path, *, period: tuple[date, date], kop: Kop) -> Path:
    """Write the Buku Agenda of *period* as an .xlsx workbook to *path*; return *path*."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook starts with one ordinary sheet
    ws.title = BUKU_AGENDA_TAB
    ncol = len(BUKU_AGENDA_COLUMNS)
    last = get_column_letter(ncol)
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")

    _set_text(ws["A1"], TITLE)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    _set_text(ws["A2"], periode_id(period))
    ws["A2"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[1].height = 22

    header_row = 3
    for col, title in enumerate(BUKU_AGENDA_COLUMNS, 1):
        c = ws.cell(row=header_row, column=col)
        _set_text(c, title)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E6E6E6")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = box
    for col, width in enumerate(_XLSX_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width

    r = header_row
    for row in rows:
        r += 1
        no = ws.cell(row=r, column=1, value=int(row.no))
        no.alignment = Alignment(horizontal="center", vertical="top")
        no.border = box
        tgl = ws.cell(row=r, column=2)
        if isinstance(row.tgl_terima, datetime):
            tgl.value = _wib(row.tgl_terima)
            tgl.number_format = "dd/mm/yyyy hh:mm"
        else:
            _set_text(tgl, row.tgl_terima)
        tgl.alignment = wrap_top
        tgl.border = box
        for col, value in enumerate(row.texts()[1:], 3):
            c = ws.cell(row=r, column=col)
            _set_text(c, value)
            c.alignment = wrap_top
            c.border = box
    if not rows:
        r += 1
        _set_text(ws.cell(row=r, column=1), EMPTY_MESSAGE)
        ws.cell(row=r, column=1).font = Font(italic=True)
        ws.merge_cells(f"A{r}:{last}{r}")
    else:
        ws.auto_filter.ref = f"A{header_row}:{last}{r}"

    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    fit, header, footer = ws.sheet_properties.pageSetUpPr, ws.oddHeader, ws.oddFooter
    assert fit is not None and header is not None and footer is not None  # openpyxl makes them with every sheet
    fit.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    header.center.text = ILLEGAL_CHARACTERS_RE.sub("", one_line(kop.instansi)).replace("&", "&&")
    footer.right.text = "Halaman &P dari &N"

    wb.properties.creator = "SIAPMAS Sync"
    wb.properties.title = "Buku Agenda Surat Masuk"
    buf = io.BytesIO()
    wb.save(buf)
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path


# --- PDF --------------------------------------------------------------------------------

_PAGE = landscape(A4)
_MARGIN_X = 12 * mm
_MARGIN_TOP = 12 * mm
_MARGIN_BOTTOM = 16 * mm
#: column width shares for No., Tgl Terima, No. Agenda, Pengirim, Tgl & No. Surat, Isi Ringkas, Diteruskan ke, Ket.
_PDF_SHARES = (0.035, 0.095, 0.11, 0.13, 0.11, 0.30, 0.11, 0.11)
_HEAD_BG = Color(0.9, 0.9, 0.9)


def _pdf_styles() -> dict[str, ParagraphStyle]:
    cell = ParagraphStyle("cell", fontName=SANS, fontSize=7.5, leading=9.3)
    return {
        "cell": cell,
        "head": ParagraphStyle("head", parent=cell, fontName=SANS_BOLD, alignment=TA_CENTER),
        "no": ParagraphStyle("no", parent=cell, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=SERIF_BOLD, fontSize=13, leading=16, alignment=TA_CENTER,
                                spaceBefore=4),
        "period": ParagraphStyle("period", fontName=SANS, fontSize=9.5, leading=12, alignment=TA_CENTER,
                                 spaceAfter=8),
        "empty": ParagraphStyle("empty", fontName=SANS, fontSize=10, leading=13, alignment=TA_CENTER,
                                spaceBefore=18, spaceAfter=18),
        "sign": ParagraphStyle("sign", fontName=SANS, fontSize=9.5, leading=12.5, alignment=TA_CENTER),
    }


def _pdf_cell(text: str, style: ParagraphStyle, limit: int) -> Paragraph:
    return Paragraph(para_markup(truncate(str(text or ""), limit), style.fontName), style)


def _signature(st: dict[str, ParagraphStyle], width: float, today: date) -> KeepTogether:
    sign_w = 80 * mm
    lines = [
        f"{PLACE}, {tanggal_id(datetime(today.year, today.month, today.day))}",
        SIGNER,
    ]
    cells: list[list[Flowable]] = [[Paragraph(para_markup(s), st["sign"])] for s in lines]
    cells.append([Spacer(1, 20 * mm)])
    cells.append([Paragraph("(.......................................................)", st["sign"])])
    cells.append([Paragraph("NIP. .......................................", st["sign"])])
    return signature_block(cells, width, sign_w)


#: rows of the Buku Agenda kept on the signature's page when it would otherwise be alone
_KEEP_WITH_SIGNATURE = 2


class _PageMark(Flowable):
    """Records the page it lands on (nothing drawn)."""

    def __init__(self, pages: list[int]) -> None:
        super().__init__()
        self.pages = pages

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.pages.append(self.canv.getPageNumber())


def _agenda_table(data: list[list[Any]], widths: list[float]) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, black),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _build(doc: BaseDocTemplate, story: list[Any]) -> None:
    doc.build(story, canvasmaker=footer_canvas("Buku Agenda Surat Masuk — SIAPMAS", _PAGE[0], _MARGIN_X,
                                               _MARGIN_BOTTOM - 7 * mm))


def export_buku_agenda_pdf(
    rows: Sequence[AgendaRow], path: Path, *, period: tuple[date, date], kop: Kop, tanggal: date | None = None,
) -> Path:
    """Write the Buku Agenda of *period* as a printable PDF (A4 landscape) to *path*; return *path*.

    *tanggal* is the date above the signature (default: today in WIB); with it fixed the
    same rows give a byte-identical file.
    """
    register_fonts()
    st = _pdf_styles()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=_PAGE, leftMargin=_MARGIN_X, rightMargin=_MARGIN_X, topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM, invariant=1, pageCompression=1, initialFontName=SANS,
        initialFontSize=9, **doc_info("Buku Agenda Surat Masuk", kop.instansi),
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="isi",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="buku", frames=[frame])])

    head: list[Any] = [
        KopFlowable(kop, FULL),
        Paragraph(para_markup(TITLE, SERIF_BOLD), st["title"]),
        Paragraph(para_markup(periode_id(period)), st["period"]),
    ]
    widths = [doc.width * s for s in _PDF_SHARES]
    data: list[list[Any]] = [[_pdf_cell(h, st["head"], 40) for h in BUKU_AGENDA_COLUMNS]]
    for row in rows:
        texts = (str(row.no),) + row.texts()
        data.append([
            _pdf_cell(t, st["no"] if i == 0 else st["cell"], _PDF_LIMITS[i]) for i, t in enumerate(texts)
        ])
    signature = _signature(st, doc.width, tanggal or _today())
    if not rows:
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        _build(doc, head + [table, Paragraph(para_markup(EMPTY_MESSAGE), st["empty"]), signature])
    else:
        # the Kasubag TU signs the register, never a page of its own: when the signature
        # would land alone on the next page, the table's last rows go with it (their header
        # repeated, as on every page the table continues on)
        pages: list[int] = []
        _build(doc, head + [_agenda_table(data, widths), _PageMark(pages), signature, _PageMark(pages)])
        if pages[1] > pages[0]:
            keep = min(_KEEP_WITH_SIGNATURE, len(rows))
            rest = [_agenda_table(data[: len(data) - keep], widths)] if len(rows) > keep else []
            buf.seek(0)
            buf.truncate()
            _build(doc, head + rest + [KeepTogether([_agenda_table(data[:1] + data[-keep:], widths), signature])])
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path
