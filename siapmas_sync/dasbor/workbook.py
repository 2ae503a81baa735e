"""The *Dasbor* tab in the local register workbook (openpyxl): the same cells as on Google,
the last sync as a date-time value, the warning as a formula Excel/LibreOffice evaluate
when the file is opened, and native charts (BarChart / LineChart) over the same ranges.

The tab is drawn afresh whenever the view changed (it is ours alone); openpyxl keeps the
charts when the workbook is loaded and saved for other tabs' changes.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from .layout import SYNC_CELL, SYNC_FORMAT, SYNC_TEXT_CELL, TAB, WARNING_CELL, DasborView, Formula

__all__ = ["draw"]

OK_COLOUR = "1E7B34"  # green: the worker syncs
WARN_COLOUR = "C00000"  # red: the formula's PERINGATAN


def draw(wb: Workbook, view: DasborView, tz: tzinfo | None) -> None:
    """Replace the workbook's Dasbor tab (last in the workbook) with *view*."""
    if TAB in wb.sheetnames:
        index = wb.sheetnames.index(TAB)
        wb.remove(wb[TAB])
    else:
        index = len(wb.sheetnames)
    ws = wb.create_sheet(TAB, index)
    for r, row in enumerate(view.cells, start=1):
        for c, v in enumerate(row, start=1):
            if v is None:
                continue
            cell = ws.cell(row=r, column=c)
            if (r - 1, c - 1) == SYNC_CELL:
                cell.value = datetime.fromtimestamp(view.last_sync.timestamp(), tz).replace(tzinfo=None, microsecond=0)
                cell.number_format = SYNC_FORMAT
            elif isinstance(v, Formula):
                cell.value = v.text
            else:
                cell.value = v
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"  # a label, never a formula
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    # the worker's status: green while it syncs, red only when the formula warns (the
    # spreadsheet decides when it opens the file, as it evaluates the formula)
    warning = ws.cell(row=WARNING_CELL[0] + 1, column=WARNING_CELL[1] + 1)
    warning.font = Font(bold=True)
    warning.alignment = Alignment(wrap_text=False)
    at = warning.coordinate
    ws.conditional_formatting.add(at, FormulaRule(formula=[f'LEFT({at},10)="PERINGATAN"'],
                                                  font=Font(bold=True, color=WARN_COLOUR), stopIfTrue=True))
    ws.conditional_formatting.add(at, FormulaRule(formula=[f'LEFT({at},12)="Worker aktif"'],
                                                  font=Font(bold=True, color=OK_COLOUR), stopIfTrue=True))
    # the last sync as a value (B3) and as text (C3): apart, left-aligned
    ws.cell(row=SYNC_CELL[0] + 1, column=SYNC_CELL[1] + 1).alignment = Alignment(horizontal="left")
    ws.cell(row=SYNC_TEXT_CELL[0] + 1, column=SYNC_TEXT_CELL[1] + 1).alignment = Alignment(horizontal="left", indent=1)
    # printed: landscape, on one page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    for col, width in zip("ABCDEFGHIJ", (30, 18, 24, 30, 10, 4, 12, 10, 10, 14)):
        ws.column_dimensions[col].width = width
    for spec in view.charts:
        chart: LineChart | BarChart
        if spec.kind == "LINE":
            chart = LineChart()
        else:
            chart = BarChart()
            chart.type = "bar" if spec.kind == "BAR" else "col"
            if spec.kind == "BAR":  # categories top-down, in the table's order
                chart.x_axis.scaling.orientation = "maxMin"
        chart.title = spec.title
        chart.y_axis.title = spec.y_title
        chart.height, chart.width = 9, 13
        for s in spec.series:
            chart.add_data(Reference(ws, min_col=s.col + 1, min_row=s.row0 + 1, max_row=s.row1 + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=spec.domain.col + 1, min_row=spec.domain.row0 + 2, max_row=spec.domain.row1 + 1))
        if spec.kind == "LINE":
            for s in chart.series:
                s.smooth = False  # counts per month: straight segments, no invented curve
        if len(spec.series) == 1:
            chart.legend = None
        ws.add_chart(chart, f"{get_column_letter(spec.anchor[1] + 1)}{spec.anchor[0] + 1}")
