"""The *Dasbor* tab as Sheets API requests, for the one ``spreadsheets.batchUpdate`` of a
cycle: ``addSheet`` (first time), ``updateCells`` over the whole rectangle (typed values:
``stringValue`` is never parsed as a formula; the one ``formulaValue`` is ours), and
``addChart`` / ``updateChartSpec`` (``BasicChartSpec`` over ``ChartSourceRange`` grid
ranges of the tab). A chart is added once with a stable ``chartId`` and updated only when
its ranges changed; existing charts are known from the spreadsheet metadata (``fields``
mask ``sheets(charts(chartId,spec(basicChart(chartType,domains,series))))``).

Field names: Sheets v4 reference (AddChartRequest, EmbeddedChart, ChartSpec,
BasicChartSpec, BasicChartDomain, BasicChartSeries, ChartData, ChartSourceRange,
GridRange, UpdateChartSpecRequest, UpdateCellsRequest).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from .layout import COLUMNS, SYNC_CELL, SYNC_FORMAT, TAB, ChartDef, DasborView, Formula, Span

#: the tab's grid when it is created (charts sit below the tables)
NEW_ROWS = 200
NEW_COLS = 26
CHART_WIDTH, CHART_HEIGHT = 600, 371

Ranges = tuple[tuple[int, int, int], ...]


def chart_id(sheet_id: int, key: str) -> int:
    """A stable chart id for (tab, chart): the same on every cycle and every host."""
    return (zlib.crc32(f"{sheet_id}:{key}".encode()) % 1_000_000_000) + 1_000_000_000


def grid_range(sheet_id: int, s: Span) -> dict[str, int]:
    return {"sheetId": sheet_id, "startRowIndex": s.row0, "endRowIndex": s.row1 + 1,
            "startColumnIndex": s.col, "endColumnIndex": s.col + 1}


def _data(sheet_id: int, s: Span) -> dict[str, Any]:
    return {"sourceRange": {"sources": [grid_range(sheet_id, s)]}}


def chart_spec(c: ChartDef, sheet_id: int) -> dict[str, Any]:
    """A ChartSpec with a BasicChartSpec: categories in the domain, one series per column."""
    value_axis = "BOTTOM_AXIS" if c.kind == "BAR" else "LEFT_AXIS"
    category_axis = "LEFT_AXIS" if c.kind == "BAR" else "BOTTOM_AXIS"
    return {
        "title": c.title,
        "basicChart": {
            "chartType": c.kind,
            "legendPosition": "BOTTOM_LEGEND" if len(c.series) > 1 else "NO_LEGEND",
            "axis": [{"position": value_axis, "title": c.y_title}, {"position": category_axis}],
            "domains": [{"domain": _data(sheet_id, c.domain)}],
            "series": [{"series": _data(sheet_id, s), "targetAxis": value_axis} for s in c.series],
            "headerCount": 1,
        },
    }


def spec_ranges(spec: Mapping[str, Any]) -> Ranges | None:
    """The (row0, row1, col) of each source of a stored BasicChartSpec (None: not ours / not basic)."""
    basic = spec.get("basicChart")
    if not basic:
        return None
    out = []
    try:
        for part, key in [(d, "domain") for d in basic.get("domains", [])] + [(s, "series") for s in basic.get("series", [])]:
            for g in part[key]["sourceRange"]["sources"]:
                out.append((int(g.get("startRowIndex", 0)), int(g["endRowIndex"]) - 1, int(g.get("startColumnIndex", 0))))
    except (KeyError, TypeError, ValueError):
        return None
    return tuple(out)


def cell_data(v: Any, at: tuple[int, int], locale: str = "") -> dict[str, Any]:
    if v is None:
        return {}
    if isinstance(v, Formula):  # parsed in the spreadsheet's locale (argument separator)
        ev: dict[str, Any] = {"formulaValue": v.in_locale(locale)}
    elif isinstance(v, bool):
        ev = {"boolValue": v}
    elif isinstance(v, (int, float)):
        ev = {"numberValue": v}
    else:
        ev = {"stringValue": str(v)}
    cd: dict[str, Any] = {"userEnteredValue": ev}
    if at == SYNC_CELL:
        cd["userEnteredFormat"] = {"numberFormat": {"type": "DATE_TIME", "pattern": SYNC_FORMAT}}
    return cd


def requests_for(view: DasborView, *, sheet_id: int, exists: bool, grid: tuple[int, int],
                 charts: Mapping[int, Ranges | None], locale: str = "",
                 elsewhere: Mapping[int, Ranges | None] | None = None) -> list[dict[str, Any]]:
    """The batchUpdate requests that make the tab show *view*.

    *exists*: the tab is already there (*grid*: its rows and columns), *charts*: the ids of
    the charts already on it with their source ranges; *locale*: the spreadsheet's
    ``properties.locale`` (formulas are written in its form); *elsewhere*: the charts on
    the spreadsheet's other tabs. One of ours a user moved (to its own sheet, id kept) is
    left where it is and kept up to date — adding it again would be Google's 400 "It is an
    error to specify the ID of an embedded object that already exists"."""
    known = {**(elsewhere or {}), **charts}
    reqs: list[dict[str, Any]] = []
    rows, cols = grid
    anchor_rows = max(c.anchor[0] for c in view.charts) + 1 if view.charts else 0
    need_rows = max(view.rows, anchor_rows)
    if not exists:
        rows, cols = max(NEW_ROWS, need_rows), NEW_COLS
        reqs.append({"addSheet": {"properties": {"sheetId": sheet_id, "title": TAB,
                                                 "gridProperties": {"rowCount": rows, "columnCount": cols}}}})
    else:
        if need_rows > rows:
            reqs.append({"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": need_rows - rows}})
        if COLUMNS > cols:
            reqs.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS", "length": COLUMNS - cols}})
    reqs.append({"updateCells": {
        "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": view.rows,
                  "startColumnIndex": 0, "endColumnIndex": COLUMNS},
        "rows": [{"values": [cell_data(v, (r, c), locale) for c, v in enumerate(row)]}
                 for r, row in enumerate(view.cells)],
        "fields": "userEnteredValue,userEnteredFormat.numberFormat",
    }})
    for c in view.charts:
        cid = chart_id(sheet_id, c.key)
        if cid not in known:
            reqs.append({"addChart": {"chart": {
                "chartId": cid,
                "spec": chart_spec(c, sheet_id),
                "position": {"overlayPosition": {
                    "anchorCell": {"sheetId": sheet_id, "rowIndex": c.anchor[0], "columnIndex": c.anchor[1]},
                    "widthPixels": CHART_WIDTH, "heightPixels": CHART_HEIGHT}},
            }}})
        elif known[cid] != c.ranges():
            reqs.append({"updateChartSpec": {"chartId": cid, "spec": chart_spec(c, sheet_id)}})
    return reqs


def moved(view: DasborView, sheet_id: int, elsewhere: Mapping[int, Any]) -> list[str]:
    """The titles of the Dasbor's charts a user moved to another tab (found there by id)."""
    return [c.title for c in view.charts if chart_id(sheet_id, c.key) in elsewhere]


def charts_of(sheet: Mapping[str, Any]) -> dict[int, Ranges | None]:
    """{chartId: source ranges} of a sheet as ``spreadsheets.get`` returns it."""
    return {int(ch["chartId"]): spec_ranges(ch.get("spec") or {}) for ch in sheet.get("charts", []) if "chartId" in ch}


def applied(reqs: list[dict[str, Any]], charts: dict[int, Ranges | None]) -> None:
    """Keep a cached chart map in step with requests Google accepted."""
    for r in reqs:
        if "addChart" in r:
            ch = r["addChart"]["chart"]
            charts[int(ch["chartId"])] = spec_ranges(ch["spec"])
        elif "updateChartSpec" in r:
            charts[int(r["updateChartSpec"]["chartId"])] = spec_ranges(r["updateChartSpec"]["spec"])
