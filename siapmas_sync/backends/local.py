"""The embedded local backend: the form's exported responses (CSV or XLSX) plus a local
evidence folder in, a local register workbook out.

The register workbook plays the part of the shared Google spreadsheet: its response tab
mirrors every exported response (new export rows are appended, whatever order staff
sorted the tab into), with our status columns beside them, and it holds the ``Buku
Agenda``, ``Riwayat`` and ``Kendali`` tabs. It is written atomically, and only when a
cell actually changed, so a cycle with no new input leaves the file byte-for-byte alone.
It is never replaced while Excel/LibreOffice has it open, nor when someone saved it
after the cycle read it (:mod:`siapmas_sync.backends.workbook_guard`): the write then waits for
the next cycle, which reads the operator's save first.
An export re-saved by a spreadsheet that dropped the seconds of the timestamps, or that
re-encoded the text (NFD/NFC, curly quotes, zero-width or look-alike characters), is the
same responses, not new rows (see :mod:`siapmas_sync.core.intake.resaved`). How the responses file
is decoded (encodings, delimiters) is :mod:`.csvtext`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zipfile import BadZipFile
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..config import Settings
from ..errors import SourceError
from ..core.intake import QuestionTitles, match_local_evidence, normalise_title, parse_timestamp
from ..core.intake.resaved import minute_only
from ..core.models import Evidence, Finding, SheetTable, Submission
from ..core.kendali_sheet import CHECKBOX_COLUMNS
from ..core.unitext import fold
from .workbook_guard import Fingerprint, fingerprint_of, read_register, replace_register
from ..core.sheetplan import TablePlan, cell_text, header_key
from .base import RESPONSE_TAB_NAMES, KeepAll, Readers, Snapshot, TabReader, feed, trimmed

if TYPE_CHECKING:
    from ..cycle.tailread import TailState
from .csvtext import read_csv
from ..dasbor.layout import TAB as DASBOR_TAB, DasborView
from ..dasbor.workbook import draw as draw_dasbor

#: Characters that make a spreadsheet treat text as a formula (CSV/XLSX injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _pick_tab(wb: Workbook, wanted: str, path: Path) -> Worksheet:
    names = wb.sheetnames
    if wanted:
        if wanted in names:
            return wb[wanted]
        raise SourceError(
            f"Tab '{wanted}' tidak ada di {path.name}. Tab yang ada: {', '.join(names)}",
            "Perbaiki [source] response_tab.",
        )
    for candidate in RESPONSE_TAB_NAMES:
        for n in names:
            if header_key(n) == header_key(candidate):
                return wb[n]
    return wb.worksheets[0]


def read_xlsx(path: Path, tab: str = "") -> tuple[str, list[list[Any]]]:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(
            f"Berkas jawaban {path} bukan XLSX yang dapat dibaca: {exc}",
            "Unduh ulang dari Google Spreadsheet (File → Download → Microsoft Excel).",
        ) from None
    try:
        ws = _pick_tab(wb, tab, path)
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        return ws.title, rows
    finally:
        wb.close()


def _through(reader: TabReader, table: SheetTable) -> Any:
    """A tab read from the workbook, as its reader keeps it."""
    return feed(reader, table.header or None, table.rows)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xlsx_safe(value: object) -> object:
    """Text as a workbook can hold it and give back unchanged: line ends normalised (XML
    turns \r into \n), control characters and lone surrogates from bad exports replaced."""
    return _safe_text(value) if isinstance(value, str) else value


def _safe_text(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


#: what the tabs write into a cell (an int or bool is a float to mypy; a datetime is a date)
CellValue = str | float | date | None


XLSX_CELL_MAX = 32767  # characters a workbook cell holds (Excel's limit; openpyxl cuts on read)


def _cap(text: str) -> str:
    return text[:XLSX_CELL_MAX]


#: a time as the registers write it ("28/11/2026 14.05", writeback.format_wib)
_WIB_TEXT = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}\.\d{2}\Z")
_WIB_FORMAT = "%d/%m/%Y %H.%M"
#: how a date cell shows in Excel/LibreOffice
DATE_NUMBER_FORMAT = "dd/mm/yyyy hh:mm"
#: text longer than this (or with a line break) wraps in its cell
WRAP_AT = 40
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
#: column widths (characters) of the register tabs: long texts wide, numbers narrow
_WIDTHS = {"no": 6, "id": 7, "no agenda": 20, "isi ringkas": 50, "perihal": 50, "catatan": 40, "kronologi": 60,
           "pesan": 40, "kelengkapan": 30, "dokumen": 30, "usulan tujuan": 30, "pengirim": 24, "pelapor": 24}


def _set_text(ws: Worksheet, row: int, col: int, value: CellValue, *, dates: bool = False) -> None:
    """Write a value as data, never as a formula (the RAW rule of the Google backend).

    With *dates* (the register tabs) a time the registers write as text ("28/11/2026
    14.05") is stored as a real date, shown dd/mm/yyyy hh:mm; :meth:`LocalBackend._table`
    reads it back as the same text, so the plan compares equal and nothing is rewritten.
    Long text wraps."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = _safe_text(value)
    if dates and isinstance(value, str) and _WIB_TEXT.match(value):
        try:
            cell.value = datetime.strptime(value, _WIB_FORMAT)
            cell.number_format = DATE_NUMBER_FORMAT
            return
        except ValueError:
            pass
    if isinstance(value, str):
        cell.value = _cap(value)
        cell.data_type = "s"
        if row > 1:
            wrap = len(value) > WRAP_AT or "\n" in value
            if wrap or cell.alignment.wrap_text:
                cell.alignment = _WRAP if wrap else _TOP
    else:
        cell.value = value


def _dates_as_text(value: object) -> object:
    """A date cell of a register tab as the registers compare it (the text they write)."""
    if isinstance(value, datetime):
        return value.strftime(_WIB_FORMAT)
    return value


def _format_sheet(ws: Worksheet, header: Sequence[str]) -> None:
    """Header row bold and frozen, sensible column widths (once per header change)."""
    bold = Font(bold=True)
    for j, title in enumerate(header, start=1):
        cell = ws.cell(row=1, column=j)
        if cell.value not in (None, "") and not cell.font.bold:
            cell.font = bold
        letter = get_column_letter(j)
        key = header_key(title)
        want = _WIDTHS.get(key) or (18 if key in ("tgl terima", "waktu", "diperbarui", "batas waktu") else
                                    max(12, min(30, len(str(title or "")) + 4)))
        if ws.column_dimensions[letter].width != want:
            ws.column_dimensions[letter].width = want
    ws.freeze_panes = "A2"


#: a printed row is never taller than this (points; Excel's own limit is 409)
_MAX_ROW_POINTS = 300
_LINE_POINTS = 15  # one line of the default 11 pt font


def _print_setup(ws: Worksheet) -> None:
    """The tab prints as the secretariat files it: A4 landscape, every column on the page
    width (as many pages down as needed), the header row repeated on each page, gridlines,
    the tab's name on top and "Halaman x dari y" below."""
    ps = ws.page_setup
    if ps.orientation == "landscape" and ws.print_title_rows in ("1:1", "$1:$1"):
        return
    fit, header, footer = ws.sheet_properties.pageSetUpPr, ws.oddHeader, ws.oddFooter
    assert fit is not None and header is not None and footer is not None  # openpyxl makes them with every sheet
    ps.orientation = "landscape"
    ps.paperSize = ws.PAPERSIZE_A4
    fit.fitToPage = True
    ps.fitToWidth, ps.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    header.center.text = "&A"
    footer.center.text = "Halaman &P dari &N"


def _fit_rows(ws: Worksheet, rows: Iterable[int]) -> None:
    """Row heights for wrapped text (LibreOffice does not grow a row it did not lay out
    itself, and wrapped cells would overlap the next row): the most lines of any cell of
    the row at its column's width."""
    widths: dict[int, float] = {}
    for r in rows:
        if r < 2:
            continue
        lines = 1
        for cell in ws[r]:
            v = cell.value
            if isinstance(cell, MergedCell) or not isinstance(v, str) or not (cell.alignment.wrap_text or "\n" in v):
                continue
            col = cell.column
            if col not in widths:
                widths[col] = float(ws.column_dimensions[get_column_letter(col)].width or 13)
            per_line = max(4, int(widths[col] * 1.15))
            lines = max(lines, sum(max(1, math.ceil(len(part) / per_line)) for part in v.split("\n")))
        height = min(_MAX_ROW_POINTS, lines * _LINE_POINTS) if lines > 1 else None
        if ws.row_dimensions[r].height != height:
            ws.row_dimensions[r].height = height


def _add_dropdowns(ws: Worksheet, header: Sequence[str], lists: Mapping[str, list[str]]) -> None:
    """Dropdowns (data validation) for the editable columns, and a TRUE/FALSE list for
    checkbox-like columns, so operators pick valid values in Excel/LibreOffice too."""
    ws.data_validations.dataValidation = []
    wanted = {**{k: list(v) for k, v in lists.items()}, **{c: ["TRUE", "FALSE"] for c in CHECKBOX_COLUMNS}}
    for title, choices in wanted.items():
        if title not in header:
            continue
        letter = get_column_letter(header.index(title) + 1)
        formula = '"' + ",".join(c.replace('"', "'") for c in choices) + '"'
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle="Nilai tidak dikenal", error="Pilih dari daftar.")
        dv.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(dv)


class LocalBackend:
    name = "local"
    upload_folder_id = ""  # documents are never uploaded from a local deployment
    dasbor_skipped = False  # the Dasbor is saved with the workbook, never left out
    reads_tail = False  # a CSV/XLSX file is read whole
    part_cells = 0  # the write-back in one write: the file is saved once

    def __init__(
        self,
        responses: Path,
        evidence_dir: Path,
        register: Path,
        *,
        response_tab: str = "",
        thumbnail_max_bytes: int = 5_000_000,
        titles: Sequence[str] = (),
        timestamp_titles: Sequence[str] = (),
        tz: ZoneInfo | None = None,
        day_first: bool = True,
    ) -> None:
        self.responses_path = responses
        self.evidence_dir = evidence_dir
        self.register_path = register
        self.response_tab = response_tab
        self.thumbnail_max_bytes = thumbnail_max_bytes
        self.titles = tuple(titles)  # the form's question titles: they decide a CSV's delimiter
        # how to read the timestamp column: a re-saved export whose timestamps lost their
        # seconds is recognised by the mirror instead of being appended a second time
        self._ts_titles = {normalise_title(t) for t in timestamp_titles}
        self._tz = tz
        self._day_first = day_first
        self._wb: Workbook | None = None
        self._dirty = False
        self._tab_title = "Jawaban Formulir 1"
        self._ident_cols: list[int | None] = []
        self._read_as = Fingerprint(False)  # the register file as this cycle read it
        self.notices: list[str] = []  # for the cycle summary (e.g. a stale lock file ignored)

    @classmethod
    def from_settings(cls, s: Settings) -> LocalBackend:
        return cls(
            s.source.responses,
            s.source.evidence_dir,
            s.source.register_file,
            response_tab=s.source.response_tab,
            thumbnail_max_bytes=s.source.thumbnail_max_bytes,
            titles=[t for f in fields(QuestionTitles) for t in s.question_titles().candidates(f.name)],
            timestamp_titles=s.question_titles().timestamp,
            tz=s.tz,
            day_first=s.source.day_first,
        )

    # --- reading ------------------------------------------------------------------------

    def change_stamp(self) -> dict[str, str]:
        """Size and modification time of the responses file and the register workbook:
        an idle cycle need not read them when neither changed (siapmas_sync/cycle/idle.py)."""
        out = {}
        for name, p in (("responses", self.responses_path), ("register", self.register_path)):
            try:
                st = p.stat()
                out[name] = f"{st.st_mtime_ns}:{st.st_size}"
            except OSError:
                out[name] = "-"
        return out

    def _read_source(self) -> tuple[str, list[list[Any]]]:
        p = self.responses_path
        if not p.exists():
            raise SourceError(
                f"Berkas jawaban formulir tidak ditemukan: {p}",
                "Unduh jawaban dari Google Formulir dan simpan di path [source] responses.",
            )
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            return read_xlsx(p, self.response_tab)
        return (self.response_tab or "Jawaban Formulir 1"), read_csv(p, self.titles)

    def _open_register(self) -> Workbook:
        try:
            data, self._read_as = read_register(self.register_path)
        except OSError as exc:
            raise SourceError(
                f"Register {self.register_path} tidak dapat dibaca: {exc.strerror}",
                "Periksa [source] register dan hak akses berkas/foldernya.",
            ) from None
        if data is not None:
            try:
                return openpyxl.load_workbook(io.BytesIO(data))
            except (OSError, InvalidFileException, BadZipFile, KeyError, ValueError) as exc:
                raise SourceError(
                    f"Register {self.register_path} tidak dapat dibuka: {exc}",
                    "Jika berkas rusak, pindahkan/hapus berkas itu; siklus berikutnya "
                    "membuatnya ulang dari buku besar.",
                ) from None
        wb = openpyxl.Workbook()
        wb.remove(wb.worksheets[0])  # the empty sheet a new workbook starts with
        self._dirty = True
        return wb

    def read(self, register_tabs: Sequence[str], readers: Readers | None = None) -> Snapshot:
        title, src_rows = self._read_source()
        src_rows = trimmed([[xlsx_safe(v) for v in r] for r in src_rows])
        self._tab_title = title
        self._dirty = False
        self.notices = []
        wb = self._open_register()
        self._wb = wb
        if title not in wb.sheetnames:
            wb.create_sheet(title, 0)
            self._dirty = True
        ws = wb[title]
        full = self._mirror(ws, src_rows)
        responses = self._table(ws) or SheetTable(title)
        self._restore_long_text(responses, full)
        readers = readers or KeepAll()
        tabs: dict[str, Any] = {}
        for name in register_tabs:
            table = self._table(wb[name], dates=True) if name in wb.sheetnames else None
            tabs[name] = None if table is None else _through(readers.register(name), table)
        return Snapshot(responses=_through(readers.responses(title, None), responses), tabs=tabs, sheet_tz=None)

    def _mirror(self, ws: Worksheet, src_rows: list[list[Any]]) -> dict[tuple[str, ...], dict[str, Any]]:
        """Append to the register's response tab every exported row it does not hold yet.
        A row is identified by its values under the export's own column titles (as a
        workbook cell can hold them). Returns, for rows with a text longer than a cell
        holds, the full values by identity, so nothing a citizen wrote is cut off."""
        full: dict[tuple[str, ...], dict[str, Any]] = {}
        if not src_rows:
            return full
        src_header = [cell_text(h) for h in src_rows[0]]
        existing = trimmed([list(r) for r in ws.iter_rows(values_only=True)])
        if not existing:
            for c, title in enumerate(src_header, start=1):
                _set_text(ws, 1, c, title)
            existing = [src_header]
            self._dirty = True
        reg_header = [cell_text(h) for h in existing[0]]
        pos = {header_key(h): i for i, h in reversed(list(enumerate(reg_header))) if h}
        for t in src_header:
            if header_key(t) and header_key(t) not in pos:
                reg_header.append(t)
                pos[header_key(t)] = len(reg_header) - 1
                _set_text(ws, 1, len(reg_header), t)
                self._dirty = True
        cols = [pos.get(header_key(t)) for t in src_header]

        def ident_reg(row: list[Any]) -> tuple[str, ...]:
            return tuple(cell_text(row[c]) if c is not None and c < len(row) else "" for c in cols)

        def ident_src(row: list[Any]) -> tuple[str, ...]:
            return tuple(_cap(cell_text(row[i])) if i < len(row) else "" for i in range(len(src_header)))

        have = {ident_reg(r) for r in existing[1:]}
        ts = next((i for i, t in enumerate(src_header) if normalise_title(t) in self._ts_titles), None)
        stamps: dict[tuple[str, ...], list[str]] | None = None  # identity without timestamp → timestamps
        by_stamp: dict[str, set[tuple[str, ...]]] | None = None  # timestamp → folded identities
        next_row = len(existing) + 1
        self._ident_cols = cols
        for row in src_rows[1:]:
            ident = ident_src(row)
            if any(isinstance(v, str) and len(v) > XLSX_CELL_MAX for v in row):
                full[ident] = {src_header[i]: row[i] for i in range(min(len(row), len(src_header)))}
            if not any(ident) or ident in have:
                continue
            if ts is not None:  # the same response re-exported with its text re-encoded (unitext.fold)?
                if by_stamp is None:
                    by_stamp = {}
                    for r in existing[1:]:
                        reg = ident_reg(r)
                        by_stamp.setdefault(reg[ts], set()).add(tuple(map(fold, reg)))
                if tuple(map(fold, ident)) in by_stamp.get(ident[ts], ()):
                    continue
                minute = self._minute(ident[ts], lost_seconds=True)
                if minute is not None:  # the same response re-saved without its seconds?
                    if stamps is None:
                        stamps = {}
                        for r in existing[1:]:
                            reg = ident_reg(r)
                            stamps.setdefault(reg[:ts] + reg[ts + 1:], []).append(reg[ts])
                    if any(self._minute(t) == minute for t in stamps.get(ident[:ts] + ident[ts + 1:], ())):
                        continue
            have.add(ident)
            for i, col in enumerate(cols):
                if col is not None and i < len(row) and cell_text(row[i]) != "":
                    value = row[i]
                    _set_text(ws, next_row, col + 1, value if not isinstance(value, float) else value)
            next_row += 1
            self._dirty = True
        return full

    def _minute(self, text: str, lost_seconds: bool = False) -> str | None:
        """The UTC minute of a timestamp cell; None when unreadable (or, with
        *lost_seconds*, when it has seconds)."""
        if self._tz is None:
            return None
        try:
            stamp = parse_timestamp(text, tz=self._tz, day_first=self._day_first)
        except (ValueError, TypeError, OverflowError):
            return None
        if lost_seconds and not minute_only(stamp):
            return None
        return stamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")

    def _restore_long_text(self, table: SheetTable, full: dict[tuple[str, ...], dict[str, Any]]) -> None:
        if not full:
            return
        pos = {header_key(h): i for i, h in enumerate(table.header)}
        for r, row in enumerate(table.rows):
            ident = tuple(cell_text(row[c]) if c is not None and c < len(row) else "" for c in self._ident_cols)
            values = full.get(ident)
            if values is None:
                continue
            row = list(row) + [None] * (len(table.header) - len(row))
            for title, v in values.items():
                c = pos.get(header_key(title))
                if c is not None:
                    row[c] = v
            table.rows[r] = row

    @staticmethod
    def _table(ws: Worksheet, *, dates: bool = False) -> SheetTable:
        if dates:  # a register tab: its date cells compare as the text the plan writes
            rows = trimmed([[_dates_as_text(v) for v in r] for r in ws.iter_rows(values_only=True)])
        else:
            rows = trimmed([list(r) for r in ws.iter_rows(values_only=True)])
        if not rows:
            return SheetTable(ws.title, [], [])
        return SheetTable(ws.title, [cell_text(h) for h in rows[0]], rows[1:])

    # --- writing ------------------------------------------------------------------------

    def write(self, plans: Sequence[TablePlan], controls: Mapping[str, Mapping[str, list[str]]] | None = None,
              *, dasbor: DasborView | None = None) -> None:
        wb = self._wb
        if wb is None:
            raise RuntimeError("write() before read()")
        for plan in plans:
            if plan.empty:
                continue
            if plan.tab not in wb.sheetnames:
                wb.create_sheet(plan.tab)
            ws = wb[plan.tab]
            dates = plan.tab != self._tab_title  # the register tabs (not the form's responses)
            for u in plan.updates:
                _set_text(ws, u.row + 1, u.col + 1, u.value, dates=dates)
            if plan.header_changed or ws.freeze_panes != "A2":
                _format_sheet(ws, plan.header)
                _fit_rows(ws, range(2, ws.max_row + 1))  # new column widths: every row
            else:
                _fit_rows(ws, {u.row + 1 for u in plan.updates})
            if controls and plan.tab in controls and (plan.header_changed or not ws.data_validations.dataValidation):
                _add_dropdowns(ws, plan.header, controls[plan.tab])
            self._dirty = True
        if dasbor is not None:  # the Dasbor tab (last), in the same atomic save
            draw_dasbor(wb, dasbor, self._tz or dasbor.last_sync.tzinfo)
            self._dirty = True
        if self._dirty:
            self._save(wb)
            self._dirty = False

    def _save(self, wb: Workbook) -> None:
        for ws in wb.worksheets:
            if ws.max_row > 1 and ws.freeze_panes is None:
                ws.freeze_panes = "A2"
            if ws.title != DASBOR_TAB:  # the Dasbor sets its own (one page)
                _print_setup(ws)
        buf = io.BytesIO()
        wb.save(buf)
        # raises RegisterDeferred when the file is open in an office suite or changed since read
        data = buf.getvalue()
        self.notices += replace_register(self.register_path, data, self._read_as)
        self._read_as = fingerprint_of(data)  # what is on disk now: ours

    # --- evidence -----------------------------------------------------------------------

    def find_evidence(self, submissions: Sequence[Submission]) -> dict[str, tuple[list[Evidence], list[Finding]]]:
        return {
            s.key: match_local_evidence(
                list(s.bukti_urls), self.evidence_dir, s.nama, thumb_max_bytes=self.thumbnail_max_bytes
            )
            for s in submissions
        }

    def publish(self, files: Sequence[Path], *, folder_id: str | None = None) -> list[str]:
        return [str(f) for f in files]

    def read_tail(self, tail: TailState, readers: Readers) -> Snapshot | None:
        return None  # never asked (reads_tail is false): a file is read whole

    def close(self) -> None:
        self._wb = None
