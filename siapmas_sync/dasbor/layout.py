"""What the *Dasbor* tab shows, as plain data: a rectangle of cells and the charts over its
ranges, computed from the recap's figures (:mod:`siapmas_sync.rekap.figures`) for the
current year — so the tab always agrees with ``rekap --tahun <this year> --json``.

Pure: no I/O, no clock. Both backends draw the same :class:`DasborView` (Google: one
``updateCells`` plus ``addChart``/``updateChartSpec``; local: an openpyxl sheet with
BarChart/LineChart).

The worker-alive warning must show when the worker is dead, i.e. when nothing writes any
more: the last sync is written as a *value* (a date-time serial in :data:`SYNC_CELL`) and the
warning is a *formula* comparing ``NOW()`` with it and a limit in minutes (:data:`LIMIT_CELL`),
which Google Sheets, Excel and LibreOffice evaluate on their own. How often the worker
refreshes the value and where the limit lies is :func:`timing`: an idle cycle does not touch
the sheet (cycle/idle.py), so the value is refreshed with the periodic full read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

TAB = "Dasbor"
#: ``status``/``doctor`` warn when the ledger's last sync is older than this many intervals
WARN_INTERVALS = 3
#: without idle cycles (every cycle reads the sheet) the last-sync value is rewritten when the
#: one in the sheet is this many intervals old
HEARTBEAT_INTERVALS = 2
#: the rectangle always covers at least this many rows (stale rows of a shorter table are cleared)
MIN_ROWS = 40
COLUMNS = 10  # A..J

# fixed cells (0-based row, column)
SYNC_CELL = (2, 1)  # B3: the last sync as a date-time value (the formula's input)
SYNC_TEXT_CELL = (2, 2)  # C3: the same, as Indonesian text
LIMIT_CELL = (3, 1)  # B4: the warning's limit in minutes (see timing())
WARNING_CELL = (4, 1)  # B5: the formula
OVERDUE_CELL = (5, 1)
TOTAL_CELL = (6, 1)
TABLE_ROW = 9  # header row of the three tables (row 10 in the sheet)
STAGE_COL, AKD_COL, MONTH_COL = 0, 3, 6
#: where the charts sit (0-based row, column of the top-left cell), below the tables
CHART_ROW_GAP = 2

SYNC_FORMAT = "dd/mm/yyyy hh.mm"


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (``text`` starts with '=')."""

    text: str

    def in_locale(self, locale: str) -> str:
        """The formula as a Google spreadsheet of *locale* parses it: where the decimal
        separator is a comma (in_ID, de_DE, …) arguments are separated by ``;`` and decimals
        written with ``,`` (a ``,`` between arguments there is "Formula parse error",
        googleapis/google-api-nodejs-client#1994). Text inside quotes is left alone."""
        if not comma_decimal_locale(locale):
            return self.text
        out, quoted = [], False
        for i, ch in enumerate(self.text):
            if ch == '"':
                quoted = not quoted
            elif not quoted and ch == ",":
                ch = ";"
            elif not quoted and ch == "." and 0 < i < len(self.text) - 1 and \
                    self.text[i - 1].isdigit() and self.text[i + 1].isdigit():
                ch = ","
            out.append(ch)
        return "".join(out)


#: languages whose spreadsheets write 1,5 (Google Sheets: File → Settings → Locale); with
#: the locales of those languages that write 1.5 nonetheless
_COMMA_DECIMAL = frozenset("id in ms_ de fr es it pt nl ru tr pl sv da nb no fi cs sk hu ro bg el hr sl sr uk vi lt lv "
                           "et ca is".split()) - {"ms_"}
_POINT_DECIMAL = frozenset({"es_MX", "es_US", "de_CH", "it_CH", "fr_CH", "de_LI"})


def comma_decimal_locale(locale: str) -> bool:
    """Whether a spreadsheet's ``properties.locale`` writes decimals with a comma."""
    return locale not in _POINT_DECIMAL and locale.split("_", 1)[0].lower() in _COMMA_DECIMAL


@dataclass(frozen=True)
class Span:
    """A column run of cells: rows ``row0``..``row1`` (inclusive, 0-based) of column ``col``."""

    row0: int
    row1: int
    col: int

    def a1(self, tab: str = TAB) -> str:
        from ..core.sheetplan import a1_column

        return f"'{tab}'!{a1_column(self.col)}{self.row0 + 1}:{a1_column(self.col)}{self.row1 + 1}"


@dataclass(frozen=True)
class ChartDef:
    """One native chart: its kind (Sheets ``BasicChartType``: COLUMN, BAR, LINE), the
    category labels and the series (each span includes its header row), where it sits."""

    key: str  # stable name: "tahap", "akd", "bulan"
    title: str
    kind: str
    domain: Span
    series: tuple[Span, ...]
    anchor: tuple[int, int]  # 0-based row, column
    y_title: str = "Jumlah aduan"

    def ranges(self) -> tuple[tuple[int, int, int], ...]:
        """What decides whether a chart must be updated: its source ranges and kind."""
        return tuple((s.row0, s.row1, s.col) for s in (self.domain, *self.series))


@dataclass
class DasborView:
    """The whole tab: ``cells[r][c]`` (None = empty), the charts, and the figures shown."""

    cells: list[list[Any]]
    charts: list[ChartDef]
    year: int
    last_sync: datetime  # aware
    sync_serial: float  # the last sync as a spreadsheet serial in the sheet's zone
    limit_minutes: float
    figures: dict[str, Any] = field(default_factory=dict)  # by_stage, by_akd, by_month, overdue, total

    @property
    def rows(self) -> int:
        return len(self.cells)

    def content_hash(self) -> str:
        """A fingerprint of everything but the last-sync cells (a heartbeat alone is not a figure change)."""
        skip = {SYNC_CELL, SYNC_TEXT_CELL}
        flat = [[None if (r, c) in skip else (v.text if isinstance(v, Formula) else v)
                 for c, v in enumerate(row)] for r, row in enumerate(self.cells)]
        charts = [(c.key, c.kind, c.ranges()) for c in self.charts]
        return hashlib.sha256(json.dumps([flat, charts], default=str, ensure_ascii=False).encode()).hexdigest()


def serial(dt: datetime, tz: tzinfo) -> float:
    """A date-time as a spreadsheet serial number (days since 1899-12-30) in zone *tz*
    (what ``NOW()`` returns in a sheet whose zone is *tz*)."""
    local = dt.astimezone(tz).replace(tzinfo=None)
    delta = local - datetime(1899, 12, 30)
    return round(delta.days + delta.seconds / 86400, 8)


def format_sync(dt: datetime, tz: tzinfo) -> str:
    """Indonesian display of a time: '01/12/2026 10.05 WIB'."""
    local = dt.astimezone(tz)
    zone = local.strftime("%Z")
    return local.strftime("%d/%m/%Y %H.%M") + (f" {zone}" if zone and zone[0] not in "+-" else "")


@dataclass(frozen=True)
class Timing:
    """How often the sheet's last-sync value is refreshed, and after how long without a
    refresh the sheet itself warns (both in minutes)."""

    heartbeat: float
    limit: float


def timing(interval: float, full_read: float, drive_lag: float) -> Timing:
    """An idle cycle makes no Sheets request (cycle/idle.py), so the sheet can only learn that the
    worker lives when a cycle reads it in full: at least every *full_read* minutes, plus
    Drive's lag window after our own write. The value is refreshed at that pace, and the
    sheet warns three intervals after a refresh was due. With the check off (*full_read*
    0: every cycle reads), every two intervals and a warning at three."""
    if full_read <= 0:
        return Timing(HEARTBEAT_INTERVALS * interval, WARN_INTERVALS * interval)
    heartbeat = max(HEARTBEAT_INTERVALS * interval, full_read)
    return Timing(heartbeat, heartbeat + drive_lag + WARN_INTERVALS * interval)


def warning_formula() -> Formula:
    """The worker-alive check as a formula (English function names, commas: the form the
    XLSX format stores; :meth:`Formula.in_locale` gives the sheet's own form)."""
    b, c, i = _a1(SYNC_CELL), _a1(SYNC_TEXT_CELL), _a1(LIMIT_CELL)
    return Formula(
        f'=IF({b}="","Worker belum pernah sinkron.",'
        f'IF(NOW()-{b}>{i}/1440,'
        f'"PERINGATAN: worker belum sinkron sejak "&{c}&" (lebih dari "&{i}&" menit). '
        f'Periksa komputer/layanan worker SIAPMAS Sync.",'
        f'"Worker aktif: sinkron terakhir "&{c}))'
    )


def warning_text(last_sync: datetime | None, now: datetime, interval_minutes: float, tz: tzinfo) -> str | None:
    """The same check in Python, from the ledger's last sync (``status`` and ``doctor``):
    the warning sentence, or None while the worker is on time."""
    if last_sync is None:
        return None
    if (now - last_sync).total_seconds() <= WARN_INTERVALS * interval_minutes * 60:
        return None
    return (f"PERINGATAN: worker belum sinkron sejak {format_sync(last_sync, tz)} "
            f"(lebih dari {WARN_INTERVALS} × interval {interval_minutes:g} menit).")


def _a1(cell: tuple[int, int]) -> str:
    from ..core.sheetplan import a1_column

    return f"{a1_column(cell[1])}{cell[0] + 1}"


def build(fig: Mapping[str, Any], *, last_sync: datetime, tz: tzinfo, sheet_tz: tzinfo | None = None,
          limit_minutes: float, min_rows: int = MIN_ROWS) -> DasborView:
    """The tab for the figures *fig* of one year (``rekap.figures.compute`` of ``Period.year``)."""
    year = int(fig["period"]["from"][:4])
    by_stage: dict[str, int] = dict(fig["by_stage"])
    by_akd: dict[str, int] = dict(fig["by_akd"])
    months = [m for m in fig["by_month"] if m["month"].startswith(f"{year:04d}-")]
    stage_rows = max(len(by_stage), 1)
    akd_rows = max(len(by_akd), 1)
    month_rows = max(len(months), 1)
    last_row = TABLE_ROW + max(stage_rows, akd_rows, month_rows)
    chart_row = last_row + CHART_ROW_GAP
    height = max(min_rows, chart_row + 1)
    cells: list[list[Any]] = [[None] * COLUMNS for _ in range(height)]

    def put(r: int, c: int, v: Any) -> None:
        cells[r][c] = v

    put(0, 0, f"DASBOR SIAPMAS — Tahun {year}")
    put(1, 0, "Diisi otomatis oleh SIAPMAS Sync dari buku besar; angka sama dengan rekap tahun "
              f"{year} (perintah: siapmas-sync rekap --tahun {year}). Jangan diubah.")
    put(SYNC_CELL[0], 0, "Sinkron terakhir")
    put(*SYNC_CELL, serial(last_sync, sheet_tz or tz))
    put(*SYNC_TEXT_CELL, format_sync(last_sync, tz))
    put(LIMIT_CELL[0], 0, "Batas peringatan (menit)")
    put(*LIMIT_CELL, limit_minutes)
    put(WARNING_CELL[0], 0, "Status worker")
    put(*WARNING_CELL, warning_formula())
    overdue = int(fig["overdue"]["count"])
    put(OVERDUE_CELL[0], 0, "Terlambat (lewat batas waktu)")
    put(*OVERDUE_CELL, overdue)
    put(TOTAL_CELL[0], 0, f"Total aduan {year}")
    put(*TOTAL_CELL, int(fig["total"]))
    put(TABLE_ROW - 1, STAGE_COL, "Per tahap")
    put(TABLE_ROW - 1, AKD_COL, "Per AKD (diputuskan)")
    put(TABLE_ROW - 1, MONTH_COL, f"Per bulan {year}")

    put(TABLE_ROW, STAGE_COL, "Tahap")
    put(TABLE_ROW, STAGE_COL + 1, "Jumlah")
    for i, (label, n) in enumerate(by_stage.items() or [("-", 0)]):
        put(TABLE_ROW + 1 + i, STAGE_COL, label)
        put(TABLE_ROW + 1 + i, STAGE_COL + 1, int(n))
    put(TABLE_ROW, AKD_COL, "AKD")
    put(TABLE_ROW, AKD_COL + 1, "Jumlah")
    for i, (label, n) in enumerate(by_akd.items() or [("-", 0)]):
        put(TABLE_ROW + 1 + i, AKD_COL, label)
        put(TABLE_ROW + 1 + i, AKD_COL + 1, int(n))
    for j, title in enumerate(("Bulan", "Diterima", "Selesai", "Masih proses")):
        put(TABLE_ROW, MONTH_COL + j, title)
    for i, m in enumerate(months):
        put(TABLE_ROW + 1 + i, MONTH_COL, m["label"])
        put(TABLE_ROW + 1 + i, MONTH_COL + 1, int(m["received"]))
        put(TABLE_ROW + 1 + i, MONTH_COL + 2, int(m["finished"]))
        put(TABLE_ROW + 1 + i, MONTH_COL + 3, int(m["open"]))

    def span(col: int, n: int) -> Span:
        return Span(TABLE_ROW, TABLE_ROW + n, col)

    charts = [
        ChartDef("tahap", f"Aduan per tahap {year}", "BAR", span(STAGE_COL, stage_rows),
                 (span(STAGE_COL + 1, stage_rows),), (chart_row, 0)),
        ChartDef("akd", f"Aduan per AKD (diputuskan) {year}", "COLUMN", span(AKD_COL, akd_rows),
                 (span(AKD_COL + 1, akd_rows),), (chart_row, AKD_COL)),
        ChartDef("bulan", f"Aduan per bulan {year}", "LINE", span(MONTH_COL, month_rows),
                 tuple(span(MONTH_COL + k, month_rows) for k in (1, 2, 3)), (chart_row + 20, 0)),
    ]
    figures = {"total": int(fig["total"]), "overdue": overdue, "by_stage": by_stage, "by_akd": by_akd,
               "by_month": [{k: m[k] for k in ("month", "received", "finished", "open")} for m in months]}
    return DasborView(cells, charts, year, last_sync, float(cells[SYNC_CELL[0]][SYNC_CELL[1]]),
                      limit_minutes, figures)
