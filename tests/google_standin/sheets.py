"""Sheets API v4 semantics over :class:`state.Store`.

Shapes verified against gspread's recorded cassettes (burnash/gspread tests/cassettes):
- values.get returns the *requested* range clamped to the grid, not trimmed to the data
  (whole sheet on a 1000x26 grid -> ``Sheet1!A1:Z1000``; ``'Sheet1'!A2:2`` ->
  ``Sheet1!A2:Z2``; ``A1:C`` -> ``Sheet1!A1:C1000``); an empty range has no ``values``;
  trailing empty cells and rows are dropped and a blank middle row is ``[]``.
- values.update/append/batchUpdate/batchClear/clear response bodies
  (``updatedRange``/``updatedRows``/``updatedColumns``/``updatedCells``; append has
  ``tableRange`` only when a table was found, plus ``updates``).
- batchUpdate replies (addSheet properties; addProtectedRange with proto3 zero values
  omitted, e.g. ``sheetId: 0`` absent from the GridRange).
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from typing import Any

from . import a1, cells, charts, fieldmask, schema
from .errors import ApiError, sheets_error
from .state import ROLE_RANK, SPREADSHEET_MIME, Store

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATETIME_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
INPUT_OPTIONS = ("RAW", "USER_ENTERED")

PROTECTED_MSG = ("You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
                 "to remove protection if you need to edit.")


def bad_request(message: str) -> ApiError:
    return sheets_error(400, message, "INVALID_ARGUMENT")


def not_found() -> ApiError:
    return sheets_error(404, "Requested entity was not found.", "NOT_FOUND")


def forbidden() -> ApiError:
    return sheets_error(403, "The caller does not have permission", "PERMISSION_DENIED")


# --- grid helpers ------------------------------------------------------------------------

def grid(sheet: dict[str, Any]) -> tuple[int, int]:
    gp = sheet["properties"]["gridProperties"]
    return gp["rowCount"], gp["columnCount"]


def get_cell(sheet: dict[str, Any], r: int, c: int) -> Any:
    """0-based."""
    data = sheet["data"]
    if r < len(data) and c < len(data[r]):
        return data[r][c]
    return None


def set_cell(sheet: dict[str, Any], r: int, c: int, value: Any) -> None:
    data = sheet["data"]
    if value is None and (r >= len(data) or c >= len(data[r])):
        return
    while len(data) <= r:
        data.append([])
    row = data[r]
    while len(row) <= c:
        row.append(None)
    row[c] = value
    if value is None:
        while row and row[-1] is None:
            row.pop()
        while data and not data[-1]:
            data.pop()


def truncate(sheet: dict[str, Any]) -> None:
    rows, cols = grid(sheet)
    data = sheet["data"]
    del data[rows:]
    for row in data:
        del row[cols:]
        while row and row[-1] is None:
            row.pop()
    while data and not data[-1]:
        data.pop()
    sheet["notes"] = {k: v for k, v in sheet.get("notes", {}).items() if k[0] < rows and k[1] < cols}


def insert_rows(sheet: dict[str, Any], at: int, n: int) -> None:
    data = sheet["data"]
    if at < len(data):
        data[at:at] = [[] for _ in range(n)]
    sheet["properties"]["gridProperties"]["rowCount"] += n
    _shift_ranges(sheet, "ROWS", at, n)


def delete_rows(sheet: dict[str, Any], start: int, end: int) -> None:
    del sheet["data"][start:end]
    sheet["properties"]["gridProperties"]["rowCount"] -= end - start
    _shift_ranges(sheet, "ROWS", end, -(end - start))
    truncate(sheet)


def insert_cols(sheet: dict[str, Any], at: int, n: int) -> None:
    for row in sheet["data"]:
        if at < len(row):
            row[at:at] = [None] * n
    sheet["properties"]["gridProperties"]["columnCount"] += n
    _shift_ranges(sheet, "COLUMNS", at, n)


def delete_cols(sheet: dict[str, Any], start: int, end: int) -> None:
    for row in sheet["data"]:
        del row[start:end]
    sheet["properties"]["gridProperties"]["columnCount"] -= end - start
    _shift_ranges(sheet, "COLUMNS", end, -(end - start))
    truncate(sheet)


def _shift_ranges(sheet: dict[str, Any], dim: str, at: int, n: int) -> None:
    """Keep protected ranges / validations anchored to their cells when rows/cols move."""
    s, e = ("startRowIndex", "endRowIndex") if dim == "ROWS" else ("startColumnIndex", "endColumnIndex")
    ranges = [p["range"] for p in sheet.get("protectedRanges", [])] + [v["range"] for v in sheet.get("dataValidations", [])]
    for rng in ranges:
        for key in (s, e):
            if key in rng and rng[key] >= at:
                rng[key] = max(at if n < 0 else 0, rng[key] + n)


# --- access -----------------------------------------------------------------------------

def open_spreadsheet(store: Store, sid: str, account: str | None, write: bool = False) -> dict[str, Any]:
    rec = store.files.get(sid)
    if rec is None or sid not in store.spreadsheets:
        if rec is not None and store.can_read(account, sid) and rec["mimeType"] != SPREADSHEET_MIME:
            raise sheets_error(400, "This operation is not supported for this document", "FAILED_PRECONDITION")
        raise not_found()
    if not store.can_read(account, sid):
        raise forbidden()
    if write and not store.can_write(account, sid):
        raise forbidden()
    return store.spreadsheets[sid]


def sheet_by_title(ss: dict[str, Any], title: str) -> dict[str, Any] | None:
    for sh in ss["sheets"]:
        if sh["properties"]["title"] == title:
            return sh
    low = title.lower()
    for sh in ss["sheets"]:
        if sh["properties"]["title"].lower() == low:
            return sh
    return None


def sheet_by_id(ss: dict[str, Any], sheet_id: Any) -> dict[str, Any] | None:
    for sh in ss["sheets"]:
        if sh["properties"]["sheetId"] == sheet_id:
            return sh
    return None


def first_sheet(ss: dict[str, Any]) -> dict[str, Any]:
    return sorted(ss["sheets"], key=lambda s: s["properties"]["index"])[0]


def resolve(ss: dict[str, Any], text: str) -> tuple[dict[str, Any], a1.CellSpan]:
    """A1 text -> (sheet, span).  Raises 400 'Unable to parse range: ...'."""
    try:
        name, cellpart = a1.split_sheet(text)
        if name is None:
            sheet = sheet_by_title(ss, cellpart or "")
            if sheet is not None:
                return sheet, a1.CellSpan(1, 1, None, None)
            for nr in ss.get("namedRanges", []):
                if nr.get("name") == cellpart:
                    g = nr["range"]
                    sheet = sheet_by_id(ss, g.get("sheetId", 0))
                    if sheet is not None:
                        return sheet, _span_from_grid(g)
            return first_sheet(ss), a1.parse_cells(cellpart or "")
        sheet = sheet_by_title(ss, name)
        if sheet is None:
            raise a1.RangeParseError(text)
        if cellpart is None:
            return sheet, a1.CellSpan(1, 1, None, None)
        return sheet, a1.parse_cells(cellpart)
    except a1.RangeParseError:
        raise bad_request(f"Unable to parse range: {text}") from None


def _span_from_grid(g: dict[str, Any]) -> a1.CellSpan:
    r2 = g.get("endRowIndex")
    c2 = g.get("endColumnIndex")
    return a1.CellSpan(g.get("startRowIndex", 0) + 1, g.get("startColumnIndex", 0) + 1, r2, c2)


def bounded(sheet: dict[str, Any], span: a1.CellSpan) -> tuple[int, int, int, int]:
    """Close open ends at the grid edge; 400 when the range lies outside the grid."""
    rows, cols = grid(sheet)
    r2 = span.r2 if span.r2 is not None else rows
    c2 = span.c2 if span.c2 is not None else cols
    if span.r1 > rows or span.c1 > cols or r2 > rows or c2 > cols:
        shown = a1.format_cells(span.r1, span.c1, span.r2 or span.r1, span.c2 or span.c1)
        raise grid_limits(sheet, shown)
    return span.r1, span.c1, r2, c2


def grid_limits(sheet: dict[str, Any], cells_text: str) -> ApiError:
    rows, cols = grid(sheet)
    return bad_request(f"Range ({a1.quote_sheet(sheet['properties']['title'])}!{cells_text}) exceeds grid limits. "
                       f"Max rows: {rows}, max columns: {cols}")


def title_of(sheet: dict[str, Any]) -> str:
    return sheet["properties"]["title"]


# --- reading ------------------------------------------------------------------------------

def _render_options(params: dict[str, Any], prefix: str = "") -> tuple[str, str, str]:
    vr = params.get(prefix + "valueRenderOption") or "FORMATTED_VALUE"
    dr = params.get(prefix + "dateTimeRenderOption") or "SERIAL_NUMBER"
    md = params.get("majorDimension") or "ROWS"
    if vr not in VALUE_RENDER:
        raise bad_request(f"Invalid value at 'value_render_option' "
                          f"(type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), \"{vr}\"")
    if dr not in DATETIME_RENDER:
        raise bad_request(f"Invalid value at 'date_time_render_option' "
                          f"(type.googleapis.com/google.apps.sheets.v4.DateTimeRenderOption), \"{dr}\"")
    if md == "DIMENSION_UNSPECIFIED":
        md = "ROWS"
    if md not in ("ROWS", "COLUMNS"):
        raise bad_request(f"Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), \"{md}\"")
    return vr, dr, md


def formula_env(ss: dict[str, Any], sheet: dict[str, Any], now: float | None = None) -> cells.FormulaEnv:
    """How formulas of *sheet* evaluate: the spreadsheet's locale, the tab's cells, and
    NOW() (epoch seconds *now*, default the real time) in the spreadsheet's time zone."""
    from zoneinfo import ZoneInfo

    props = ss["properties"]
    when = dt.datetime.fromtimestamp(time.time() if now is None else now, ZoneInfo(props.get("timeZone") or "UTC"))
    return cells.FormulaEnv(props.get("locale", "en_US"), sheet["data"], cells.serial_number(when))


def read_block(ss: dict[str, Any], sheet: dict[str, Any], box: tuple[int, int, int, int],
               vr: str, dr: str, major: str, now: float | None = None) -> list[list[Any]]:
    """Rendered, trimmed values of a 1-based inclusive box."""
    r1, c1, r2, c2 = box
    locale = ss["properties"].get("locale", "en_US")
    env = formula_env(ss, sheet, now)
    data = sheet["data"]
    last_row = min(r2, len(data))
    raw = []
    for r in range(r1 - 1, last_row):
        row = data[r]
        raw.append([row[c] if c < len(row) else None for c in range(c1 - 1, min(c2, len(row)))])
    if major == "COLUMNS":
        width = max((len(r) for r in raw), default=0)
        raw = [[raw[i][j] if j < len(raw[i]) else None for i in range(len(raw))] for j in range(width)]
    out = []
    for line in raw:
        while line and line[-1] is None:
            line = line[:-1]
        out.append([cells.render(v, vr, dr, locale, env) for v in line])
    while out and not out[-1]:
        out.pop()
    return out


def value_range(ss: dict[str, Any], text: str, params: dict[str, Any], prefix: str = "",
                now: float | None = None) -> dict[str, Any]:
    vr, dr, md = _render_options(params, prefix)
    sheet, span = resolve(ss, text)
    box = bounded(sheet, span)
    out: dict[str, Any] = {"range": a1.format_range(title_of(sheet), *box), "majorDimension": md}
    values = read_block(ss, sheet, box, vr, dr, md, now)
    if values:
        out["values"] = values
    return out


def values_get(store: Store, sid: str, account: str | None, rng: str, params: dict[str, Any]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account)
    return value_range(ss, rng, params, now=store.clock())


def values_batch_get(store: Store, sid: str, account: str | None, ranges: list[str], params: dict[str, Any]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account)
    out: dict[str, Any] = {"spreadsheetId": sid}
    if ranges:
        out["valueRanges"] = [value_range(ss, r, params, now=store.clock()) for r in ranges]
    return out


# --- writing ------------------------------------------------------------------------------

def _matrix(values: Any, major: str | None) -> list[list[Any]]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise bad_request(f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
                          f"{_json_repr(values)}")
    if major == "COLUMNS":
        height = max((len(c) for c in values), default=0)
        return [[col[i] if i < len(col) else None for col in values] for i in range(height)]
    if major not in (None, "ROWS", "DIMENSION_UNSPECIFIED"):
        raise bad_request(f"Invalid value at 'data.major_dimension' "
                          f"(type.googleapis.com/google.apps.sheets.v4.Dimension), \"{major}\"")
    return values


def _json_repr(v: Any) -> str:
    import json
    return json.dumps(v) if not isinstance(v, str) else f'"{v}"'


def check_cell_chars(value: Any) -> None:
    """50,000 characters per cell, whatever the input option (support.google.com/drive/answer/37603)."""
    if isinstance(value, str) and len(value) > schema.MAX_CELL_CHARS:
        raise bad_request(schema.CELL_CHARS_MESSAGE)


def _convert(value: Any, option: str, locale: str) -> Any:
    if isinstance(value, (dict, list)):
        raise bad_request(f"Invalid values[0][0]: {_json_repr(value)}")
    check_cell_chars(value)
    if option == "RAW":
        if value is None:
            return None
        if isinstance(value, str):
            return value if value != "" else None
        return cells.from_python(value)
    return cells.parse_user_entered(value, locale)


def check_protection(store: Store, sid: str, sheet: dict[str, Any], account: str | None,
                     box: tuple[int, int, int, int]) -> None:
    """Non-editors may not write into a (non warning-only) protected range."""
    rec = store.files.get(sid, {})
    if account is not None and store.role(account, sid) == "owner":
        return
    r1, c1, r2, c2 = box
    rows, cols = grid(sheet)
    for pr in sheet.get("protectedRanges", []):
        if pr.get("warningOnly"):
            continue
        if account in pr.get("editors", {}).get("users", []) or account == rec.get("owner"):
            continue
        g = pr.get("range", {})
        pr_r1, pr_r2 = g.get("startRowIndex", 0) + 1, g.get("endRowIndex", rows)
        pr_c1, pr_c2 = g.get("startColumnIndex", 0) + 1, g.get("endColumnIndex", cols)
        if r1 <= pr_r2 and pr_r1 <= r2 and c1 <= pr_c2 and pr_c1 <= c2:
            raise sheets_error(400, PROTECTED_MSG, "INVALID_ARGUMENT")


def write_values(store: Store, sid: str, ss: dict[str, Any], account: str | None, text: str,
                 values: Any, major: str | None, option: str) -> tuple[dict[str, Any], dict[str, Any], tuple[int, int, int, int] | None]:
    """values.update semantics. Returns (response, sheet, written box)."""
    sheet, span = resolve(ss, text)
    matrix = _matrix(values, major)
    height = len(matrix)
    width = max((len(r) for r in matrix), default=0)
    rows, cols = grid(sheet)
    title = title_of(sheet)
    r1, c1 = span.r1, span.c1
    if r1 > rows or c1 > cols:
        raise grid_limits(sheet, a1.format_cells(r1, c1, r1, c1))
    if not span.single:
        limit_r2 = span.r2 if span.r2 is not None else None
        limit_c2 = span.c2 if span.c2 is not None else None
        requested = a1.format_range(title, r1, c1, limit_r2 or rows, limit_c2 or cols)
        if limit_r2 is not None and r1 + height - 1 > limit_r2:
            raise bad_request(f"Requested writing within range [{requested}], but tried writing to row [{limit_r2 + 1}]")
        if limit_c2 is not None and c1 + width - 1 > limit_c2:
            raise bad_request(f"Requested writing within range [{requested}], but tried writing to column "
                              f"[{a1.col_letters(limit_c2 + 1)}]")
    if height == 0 or width == 0:
        box = (r1, c1, span.r2 or rows, span.c2 or cols) if not span.single else (r1, c1, r1, c1)
        return {"spreadsheetId": sid, "updatedRange": a1.format_range(title, *box)}, sheet, None
    if r1 + height - 1 > rows:
        raise grid_limits(sheet, a1.format_cells(rows + 1, c1, rows + 1, c1))
    if c1 + width - 1 > cols:
        raise grid_limits(sheet, a1.format_cells(r1, cols + 1, r1, cols + 1))
    box = (r1, c1, r1 + height - 1, c1 + width - 1)
    check_protection(store, sid, sheet, account, box)
    updated = _put(ss, sheet, r1, c1, matrix, option)
    return ({"spreadsheetId": sid, "updatedRange": a1.format_range(title, *box), "updatedRows": height,
             "updatedColumns": width, "updatedCells": updated}, sheet, box)


def _put(ss: dict[str, Any], sheet: dict[str, Any], r1: int, c1: int, matrix: list[list[Any]], option: str) -> int:
    locale = ss["properties"].get("locale", "en_US")
    converted = [[_convert(v, option, locale) if v is not None else _SKIP for v in row] for row in matrix]
    count = 0
    for i, row in enumerate(converted):
        for j, v in enumerate(row):
            if v is _SKIP:
                continue
            set_cell(sheet, r1 - 1 + i, c1 - 1 + j, v)
            count += 1
    return count


_SKIP = object()


def _updated_data(ss: dict[str, Any], sheet: dict[str, Any], box: tuple[int, int, int, int] | None,
                  params: dict[str, Any], major: str) -> dict[str, Any]:
    vr, dr, _ = _render_options({"valueRenderOption": params.get("responseValueRenderOption"),
                                 "dateTimeRenderOption": params.get("responseDateTimeRenderOption")})
    if box is None:
        return {"range": "", "majorDimension": major}
    out: dict[str, Any] = {"range": a1.format_range(title_of(sheet), *box), "majorDimension": major}
    values = read_block(ss, sheet, box, vr, dr, major)
    if values:
        out["values"] = values
    return out


def _input_option(value: Any) -> str:
    if not value:
        raise bad_request("'valueInputOption' is required but not specified")
    if value not in INPUT_OPTIONS:
        raise bad_request(f"Invalid value at 'value_input_option' "
                          f"(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), \"{value}\"")
    return value


def _truthy(v: Any) -> bool:
    return str(v).lower() in ("true", "1")


def values_update(store: Store, sid: str, account: str | None, rng: str, params: dict[str, Any],
                  body: dict[str, Any]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account, write=True)
    option = _input_option(params.get("valueInputOption"))
    if body.get("range") and body["range"] != rng:
        # Google compares the body range with the URL range.
        b_sheet, b_span = resolve(ss, body["range"])
        u_sheet, u_span = resolve(ss, rng)
        if b_sheet is not u_sheet or b_span != u_span:
            raise bad_request(f"Requested range [{body['range']}] must match the range in the URL [{rng}]")
    resp, sheet, box = write_values(store, sid, ss, account, rng, body.get("values"), body.get("majorDimension"), option)
    if _truthy(params.get("includeValuesInResponse")):
        resp["updatedData"] = _updated_data(ss, sheet, box, params, body.get("majorDimension") or "ROWS")
    store.touch(sid)
    return resp


def _snapshot(ss: dict[str, Any]) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in ss.items() if k != "sheets"}
    out["sheets"] = []
    for sh in ss["sheets"]:
        d = {k: copy.deepcopy(v) for k, v in sh.items() if k != "data"}
        d["data"] = [list(r) for r in sh["data"]]
        out["sheets"].append(d)
    return out


def _restore(ss: dict[str, Any], snap: dict[str, Any]) -> None:
    ss.clear()
    ss.update(snap)


def values_batch_update(store: Store, sid: str, account: str | None, body: dict[str, Any]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account, write=True)
    option = _input_option(body.get("valueInputOption"))
    data = body.get("data") or []
    snap = _snapshot(ss)
    responses, sheets_touched = [], set()
    try:
        for item in data:
            resp, sheet, box = write_values(store, sid, ss, account, item.get("range", ""), item.get("values"),
                                            item.get("majorDimension"), option)
            if body.get("includeValuesInResponse"):
                resp["updatedData"] = _updated_data(ss, sheet, box, body, item.get("majorDimension") or "ROWS")
            responses.append(resp)
            if box is not None:
                sheets_touched.add(sheet["properties"]["sheetId"])
    except ApiError:
        _restore(ss, snap)
        raise
    out: dict[str, Any] = {"spreadsheetId": sid}
    if responses:
        out.update({"totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
                    "totalUpdatedColumns": max(r.get("updatedColumns", 0) for r in responses),
                    "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
                    "totalUpdatedSheets": len(sheets_touched),
                    "responses": responses})
    store.touch(sid)
    return out


def _find_table(sheet: dict[str, Any], box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """The 'table' values.append appends to: the connected block of non-empty cells that
    contains the first non-empty cell of the range (row-major), as a bounding box.  The
    block may extend beyond the input range (appending to "A1" finds the whole table)."""
    r1, c1, r2, c2 = box
    data = sheet["data"]
    start = None
    for r in range(r1 - 1, min(r2, len(data))):
        row = data[r]
        for c in range(c1 - 1, min(c2, len(row))):
            if row[c] is not None:
                start = (r, c)
                break
        if start:
            break
    if start is None:
        return None
    seen = {start}
    todo = [start]
    br1, bc1, br2, bc2 = start[0], start[1], start[0], start[1]
    while todo:
        r, c = todo.pop()
        br1, bc1, br2, bc2 = min(br1, r), min(bc1, c), max(br2, r), max(bc2, c)
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if (nr, nc) in seen or nr < 0 or nc < 0:
                continue
            if get_cell(sheet, nr, nc) is not None:
                seen.add((nr, nc))
                todo.append((nr, nc))
    return br1 + 1, bc1 + 1, br2 + 1, bc2 + 1


def values_append(store: Store, sid: str, account: str | None, rng: str, params: dict[str, Any],
                  body: dict[str, Any]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account, write=True)
    option = _input_option(params.get("valueInputOption"))
    insert = params.get("insertDataOption") or "OVERWRITE"
    if insert not in ("OVERWRITE", "INSERT_ROWS"):
        raise bad_request(f"Invalid value at 'insert_data_option' "
                          f"(type.googleapis.com/google.apps.sheets.v4.InsertDataOption), \"{insert}\"")
    sheet, span = resolve(ss, rng)
    box = bounded(sheet, span)
    matrix = _matrix(body.get("values"), body.get("majorDimension"))
    height = len(matrix)
    width = max((len(r) for r in matrix), default=0)
    title = title_of(sheet)
    table = _find_table(sheet, box)
    out: dict[str, Any] = {"spreadsheetId": sid}
    if table is not None:
        out["tableRange"] = a1.format_range(title, *table)
        at_r, at_c = table[2] + 1, table[1]
    else:
        at_r, at_c = box[0], box[1]
    if height == 0 or width == 0:
        out["updates"] = {"spreadsheetId": sid}
        return out
    gp = sheet["properties"]["gridProperties"]
    before = schema.total_cells(ss)
    grown_rows = height if insert == "INSERT_ROWS" else max(0, at_r + height - 1 - gp["rowCount"])
    grown_cols = max(0, at_c + width - 1 - gp["columnCount"])
    after = before + grown_rows * gp["columnCount"] + grown_cols * (gp["rowCount"] + grown_rows)
    if after > schema.MAX_CELLS and after > before:
        raise bad_request(schema.cells_over_limit_message())
    if insert == "INSERT_ROWS":
        insert_rows(sheet, at_r - 1, height)
    elif at_r + height - 1 > gp["rowCount"]:
        gp["rowCount"] = at_r + height - 1
    if at_c + width - 1 > gp["columnCount"]:
        gp["columnCount"] = at_c + width - 1
    written = (at_r, at_c, at_r + height - 1, at_c + width - 1)
    check_protection(store, sid, sheet, account, written)
    count = _put(ss, sheet, at_r, at_c, matrix, option)
    updates = {"spreadsheetId": sid, "updatedRange": a1.format_range(title, *written), "updatedRows": height,
               "updatedColumns": width, "updatedCells": count}
    if _truthy(params.get("includeValuesInResponse")):
        updates["updatedData"] = _updated_data(ss, sheet, written, params, body.get("majorDimension") or "ROWS")
    out["updates"] = updates
    store.touch(sid)
    return out


def _clear(store: Store, sid: str, ss: dict[str, Any], account: str | None, text: str) -> str:
    sheet, span = resolve(ss, text)
    box = bounded(sheet, span)
    check_protection(store, sid, sheet, account, box)
    r1, c1, r2, c2 = box
    for r in range(r1 - 1, min(r2, len(sheet["data"]))):
        row = sheet["data"][r]
        for c in range(c1 - 1, min(c2, len(row))):
            row[c] = None
    truncate(sheet)
    return a1.format_range(title_of(sheet), *box)


def values_clear(store: Store, sid: str, account: str | None, rng: str) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account, write=True)
    cleared = _clear(store, sid, ss, account, rng)
    store.touch(sid)
    return {"spreadsheetId": sid, "clearedRange": cleared}


def values_batch_clear(store: Store, sid: str, account: str | None, body: dict[str, Any]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account, write=True)
    snap = _snapshot(ss)
    try:
        cleared = [_clear(store, sid, ss, account, r) for r in body.get("ranges", [])]
    except ApiError:
        _restore(ss, snap)
        raise
    store.touch(sid)
    out: dict[str, Any] = {"spreadsheetId": sid}
    if cleared:
        out["clearedRanges"] = cleared
    return out


# --- spreadsheets.get ---------------------------------------------------------------------

def clean_grid_range(g: dict[str, Any]) -> dict[str, Any]:
    """proto3 JSON: sheetId 0 is a default and is omitted."""
    out = {k: v for k, v in g.items() if v is not None}
    if out.get("sheetId") == 0:
        del out["sheetId"]
    return out


def _sheet_metadata(ss: dict[str, Any], sheet: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"properties": copy.deepcopy(sheet["properties"])}
    if meta["properties"].get("sheetType") == "OBJECT":  # a chart's own sheet has no grid
        meta["properties"].pop("gridProperties", None)
    if sheet.get("merges"):
        meta["merges"] = [clean_grid_range(m) for m in sheet["merges"]]
    if sheet.get("protectedRanges"):
        meta["protectedRanges"] = [_protected_out(p) for p in sheet["protectedRanges"]]
    if sheet.get("basicFilter"):
        meta["basicFilter"] = copy.deepcopy(sheet["basicFilter"])
    if sheet.get("conditionalFormats"):
        meta["conditionalFormats"] = copy.deepcopy(sheet["conditionalFormats"])
    if sheet.get("charts"):
        meta["charts"] = copy.deepcopy(sheet["charts"])
    return meta


def _protected_out(p: dict[str, Any], account: str | None = None) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in p.items() if v not in (None, False, "")}
    out["range"] = clean_grid_range(p.get("range", {}))
    editors = {k: v for k, v in p.get("editors", {}).items() if v}
    out["editors"] = editors
    out.setdefault("requestingUserCanEdit", True)
    return out


def _grid_data(ss: dict[str, Any], sheet: dict[str, Any], box: tuple[int, int, int, int] | None,
               now: float | None = None) -> dict[str, Any]:
    rows, cols = grid(sheet)
    r1, c1, r2, c2 = box or (1, 1, rows, cols)
    locale = ss["properties"].get("locale", "en_US")
    env = formula_env(ss, sheet, now)
    validations = sheet.get("dataValidations", [])
    row_data = []
    for r in range(r1 - 1, r2):
        values = []
        for c in range(c1 - 1, c2):
            cell = get_cell(sheet, r, c)
            cd: dict[str, Any] = {}
            if cell is not None:
                cd["userEnteredValue"] = cells.user_entered_value(cell)
                ev = cells.effective_value(cell, env)
                if ev is not None:
                    cd["effectiveValue"] = ev
                cd["formattedValue"] = cells.render(cell, "FORMATTED_VALUE", "FORMATTED_STRING", locale, env)
            note = sheet.get("notes", {}).get((r, c))
            if note:
                cd["note"] = note
            for v in validations:
                g = v["range"]
                if (g.get("startRowIndex", 0) <= r < g.get("endRowIndex", rows)
                        and g.get("startColumnIndex", 0) <= c < g.get("endColumnIndex", cols)):
                    cd["dataValidation"] = copy.deepcopy(v["rule"])
            values.append(cd)
        while values and not values[-1]:
            values.pop()
        row_data.append({"values": values} if values else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    out: dict[str, Any] = {}
    if r1 > 1:
        out["startRow"] = r1 - 1
    if c1 > 1:
        out["startColumn"] = c1 - 1
    if row_data:
        out["rowData"] = row_data
    return out


def spreadsheet_get(store: Store, sid: str, account: str | None, params: dict[str, Any], ranges: list[str]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account)
    include = _truthy(params.get("includeGridData"))
    fields = params.get("fields")
    want_data = include or (fields is not None and "data" in fields and bool(ranges))
    per_sheet: dict[int, list[tuple[int, int, int, int] | None]] = {}
    for r in ranges:
        sheet, span = resolve(ss, r)
        per_sheet.setdefault(sheet["properties"]["sheetId"], []).append(bounded(sheet, span))
    sheets_out = []
    for sheet in sorted(ss["sheets"], key=lambda s: s["properties"]["index"]):
        sid_ = sheet["properties"]["sheetId"]
        if ranges and sid_ not in per_sheet:
            continue
        meta = _sheet_metadata(ss, sheet)
        if want_data:
            boxes = per_sheet.get(sid_, [None])
            meta["data"] = [_grid_data(ss, sheet, b, store.clock()) for b in boxes]
        sheets_out.append(meta)
    out: dict[str, Any] = {"spreadsheetId": sid, "properties": copy.deepcopy(ss["properties"]),
                           "sheets": sheets_out,
                           "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sid}/edit"}
    if ss.get("namedRanges"):
        out["namedRanges"] = [dict(nr, range=clean_grid_range(nr["range"])) for nr in ss["namedRanges"]]
    try:
        return fieldmask.select(out, fields)
    except fieldmask.FieldMaskError:
        raise bad_request(f"Invalid field selection {fields}") from None


def spreadsheet_create(store: Store, account: str | None, body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties", {})
    tabs = {}
    for i, sh in enumerate(body.get("sheets", []) or []):
        tabs[sh.get("properties", {}).get("title", f"Sheet{i + 1}")] = []
    sid = store.create_spreadsheet(props.get("title", "Untitled spreadsheet"), tabs or None,
                                   locale=props.get("locale", "en_US"), time_zone=props.get("timeZone", "Etc/GMT"),
                                   owner=account or "anonymous")
    return spreadsheet_get(store, sid, account, {}, [])


# --- spreadsheets.batchUpdate ---------------------------------------------------------------

class _Ctx:
    def __init__(self, store: Store, sid: str, ss: dict[str, Any], account: str | None, index: int, kind: str):
        self.store, self.sid, self.ss, self.account, self.index, self.kind = store, sid, ss, account, index, kind

    def fail(self, message: str) -> ApiError:
        return bad_request(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def sheet(self, sheet_id: Any) -> dict[str, Any]:
        sh = sheet_by_id(self.ss, sheet_id if sheet_id is not None else 0)
        if sh is None:
            raise self.fail(f"No grid with id: {sheet_id if sheet_id is not None else 0}")
        return sh

    def grid_box(self, g: dict[str, Any]) -> tuple[dict[str, Any], tuple[int, int, int, int]]:
        sh = self.sheet(g.get("sheetId", 0))
        rows, cols = grid(sh)
        box = (g.get("startRowIndex", 0) + 1, g.get("startColumnIndex", 0) + 1,
               g.get("endRowIndex", rows), g.get("endColumnIndex", cols))
        if box[2] > rows or box[3] > cols:
            raise self.fail(f"Range ({a1.quote_sheet(title_of(sh))}!{a1.format_cells(*box)}) exceeds grid limits. "
                            f"Max rows: {rows}, max columns: {cols}")
        return sh, box


def _reindex(ss: dict[str, Any]) -> None:
    for i, sh in enumerate(sorted(ss["sheets"], key=lambda s: s["properties"]["index"])):
        sh["properties"]["index"] = i


def _add_sheet(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    props = copy.deepcopy(req.get("properties", {}))
    titles = {s["properties"]["title"].lower() for s in ctx.ss["sheets"]}
    title = props.get("title")
    if not title:
        n = len(ctx.ss["sheets"]) + 1
        while f"sheet{n}" in titles:
            n += 1
        title = f"Sheet{n}"
    if title.lower() in titles:
        raise ctx.fail(f"A sheet with the name \"{title}\" already exists. Please enter another name.")
    sheet_id = props.get("sheetId")
    if sheet_id is not None and sheet_by_id(ctx.ss, sheet_id) is not None:
        raise ctx.fail(f"Sheet with id {sheet_id} already exists.")
    if sheet_id is None:
        sheet_id = ctx.store.new_int_id()
    gp = props.get("gridProperties", {})
    index = props.get("index", len(ctx.ss["sheets"]))
    index = max(0, min(index, len(ctx.ss["sheets"])))
    for sh in ctx.ss["sheets"]:
        if sh["properties"]["index"] >= index:
            sh["properties"]["index"] += 1
    sheet = ctx.store.new_sheet(title, sheet_id, index, gp.get("rowCount", 1000), gp.get("columnCount", 26))
    for k in ("frozenRowCount", "frozenColumnCount", "hideGridlines"):
        if gp.get(k):
            sheet["properties"]["gridProperties"][k] = gp[k]
    for k in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
        if props.get(k):
            sheet["properties"][k] = props[k]
    ctx.ss["sheets"].append(sheet)
    _reindex(ctx.ss)
    return {"addSheet": {"properties": copy.deepcopy(sheet["properties"])}}


def _delete_sheet(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    sh = ctx.sheet(req.get("sheetId"))
    if len(ctx.ss["sheets"]) == 1:
        raise ctx.fail("You can't remove all the sheets in a document.")
    ctx.ss["sheets"].remove(sh)
    _reindex(ctx.ss)
    return {}


def _apply_mask(target: dict[str, Any], source: dict[str, Any], fields: str, ctx: _Ctx) -> None:
    if not fields:
        raise ctx.fail("You must specify which fields to update.")
    for path in fields.replace(" ", "").split(","):
        if path == "*":
            for k, v in source.items():
                if k != "sheetId":
                    target[k] = copy.deepcopy(v)
            continue
        parts = path.replace("/", ".").split(".")
        src: Any = source
        dst = target
        for p in parts[:-1]:
            src = src.get(p, {}) if isinstance(src, dict) else {}
            dst = dst.setdefault(p, {})
        last = parts[-1]
        if isinstance(src, dict) and last in src:
            dst[last] = copy.deepcopy(src[last])
        else:
            dst.pop(last, None)


def _update_sheet_properties(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    props = req.get("properties", {})
    sh = ctx.sheet(props.get("sheetId", 0))
    before = copy.deepcopy(sh["properties"])
    new = copy.deepcopy(before)
    _apply_mask(new, props, req.get("fields", ""), ctx)
    new["sheetId"] = before["sheetId"]
    if new.get("title") != before["title"]:
        if not new.get("title"):
            raise ctx.fail("Sheet title cannot be empty.")
        other = sheet_by_title(ctx.ss, new["title"])
        if other is not None and other is not sh:
            raise ctx.fail(f"A sheet with the name \"{new['title']}\" already exists. Please enter another name.")
    gp = new.setdefault("gridProperties", {})
    gp.setdefault("rowCount", before["gridProperties"]["rowCount"])
    gp.setdefault("columnCount", before["gridProperties"]["columnCount"])
    if gp["rowCount"] < 1 or gp["columnCount"] < 1:
        raise ctx.fail("Sheet must have at least one row and one column.")
    if new.get("hidden") and all(s is sh or s["properties"].get("hidden") for s in ctx.ss["sheets"]):
        raise ctx.fail("You can't hide all the sheets in a document.")
    if not new.get("hidden"):
        new.pop("hidden", None)
    if new.get("index") != before["index"]:
        idx = max(0, min(new["index"], len(ctx.ss["sheets"]) - 1))
        order = sorted((s for s in ctx.ss["sheets"] if s is not sh), key=lambda s: s["properties"]["index"])
        order.insert(idx, sh)
        for i, s in enumerate(order):
            s["properties"]["index"] = i
        new["index"] = idx
    sh["properties"] = new
    truncate(sh)
    return {}


def _update_spreadsheet_properties(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    _apply_mask(ctx.ss["properties"], req.get("properties", {}), req.get("fields", ""), ctx)
    title = ctx.ss["properties"].get("title")
    if title and ctx.sid in ctx.store.files:
        ctx.store.files[ctx.sid]["name"] = title
    return {}


def _dimension(ctx: _Ctx, rng: dict[str, Any]) -> tuple[dict[str, Any], str, int, int]:
    sh = ctx.sheet(rng.get("sheetId", 0))
    dim = rng.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise ctx.fail("dimension must be ROWS or COLUMNS")
    rows, cols = grid(sh)
    count = rows if dim == "ROWS" else cols
    start = rng.get("startIndex", 0)
    end = rng.get("endIndex", count)
    if start < 0 or end < start:
        raise ctx.fail("Invalid dimension range")
    return sh, dim, start, end


def _append_dimension(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    sh = ctx.sheet(req.get("sheetId", 0))
    length = req.get("length", 0)
    if length < 1:
        raise ctx.fail("length must be at least 1")
    key = "rowCount" if req.get("dimension") == "ROWS" else "columnCount"
    sh["properties"]["gridProperties"][key] += length
    return {}


def _insert_dimension(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    sh, dim, start, end = _dimension(ctx, req.get("range", {}))
    rows, cols = grid(sh)
    if start > (rows if dim == "ROWS" else cols):
        raise ctx.fail(f"Cannot insert {dim.lower()} at index {start}: out of bounds")
    if req.get("inheritFromBefore") and start == 0:
        raise ctx.fail("Cannot inherit from before when inserting at index 0.")
    (insert_rows if dim == "ROWS" else insert_cols)(sh, start, end - start)
    return {}


def _delete_dimension(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    sh, dim, start, end = _dimension(ctx, req.get("range", {}))
    rows, cols = grid(sh)
    count = rows if dim == "ROWS" else cols
    if end > count:
        raise ctx.fail(f"Range exceeds grid limits. Max {dim.lower()}: {count}")
    if start == 0 and end >= count:
        raise ctx.fail(f"You can't delete all the {dim.lower()} on the sheet.")
    (delete_rows if dim == "ROWS" else delete_cols)(sh, start, end)
    return {}


def _set_data_validation(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    g = req.get("range", {})
    sh, _box = ctx.grid_box(g)
    rule = req.get("rule")
    rng = {k: v for k, v in g.items()}
    sh["dataValidations"] = [v for v in sh["dataValidations"] if v["range"] != rng]
    if rule:
        cond = rule.get("condition", {})
        if not cond.get("type"):
            raise ctx.fail("Invalid ConditionType: CONDITION_TYPE_UNSPECIFIED")
        sh["dataValidations"].append({"range": rng, "rule": copy.deepcopy(rule)})
    return {}


def _add_protected_range(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    pr = copy.deepcopy(req.get("protectedRange", {}))
    g = pr.get("range")
    if g is None and pr.get("namedRangeId") is None:
        raise ctx.fail("A protected range must have a range or a named range.")
    if g is not None:
        ctx.grid_box(g)
    existing = {p["protectedRangeId"] for s in ctx.ss["sheets"] for p in s["protectedRanges"]}
    pid = pr.get("protectedRangeId") or ctx.store.new_int_id()
    if pid in existing:
        raise ctx.fail(f"Protected range with id {pid} already exists.")
    pr["protectedRangeId"] = pid
    pr.pop("requestingUserCanEdit", None)
    editors = pr.get("editors") or {}
    users = list(editors.get("users") or [])
    if ctx.account and ctx.store.role(ctx.account, ctx.sid) != "owner" and ctx.account not in users:
        users.append(ctx.account)  # the requesting user keeps edit rights
    pr["editors"] = {k: v for k, v in {"users": users, "groups": editors.get("groups") or [],
                                          "domainUsersCanEdit": editors.get("domainUsersCanEdit")}.items() if v}
    pr["requestingUserCanEdit"] = True
    sh = ctx.sheet((g or {}).get("sheetId", 0))
    sh["protectedRanges"].append(pr)
    return {"addProtectedRange": {"protectedRange": _protected_out(pr)}}


def _find_protected(ctx: _Ctx, pid: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    for sh in ctx.ss["sheets"]:
        for p in sh["protectedRanges"]:
            if p["protectedRangeId"] == pid:
                return sh, p
    raise ctx.fail(f"No protected range with id: {pid}")


def _update_protected_range(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    src = req.get("protectedRange", {})
    _sh, p = _find_protected(ctx, src.get("protectedRangeId"))
    _apply_mask(p, src, req.get("fields", ""), ctx)
    return {}


def _delete_protected_range(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    sh, p = _find_protected(ctx, req.get("protectedRangeId"))
    sh["protectedRanges"].remove(p)
    return {}


def _extended_to_cell(ev: dict[str, Any] | None) -> Any:
    if not ev:
        return None
    for v in ev.values():
        check_cell_chars(v)
    if "formulaValue" in ev:
        return cells.Formula(ev["formulaValue"])
    if "stringValue" in ev:
        return ev["stringValue"] if ev["stringValue"] != "" else None
    if "numberValue" in ev:
        return cells.from_python(ev["numberValue"])
    if "boolValue" in ev:
        return bool(ev["boolValue"])
    return None


def _fields_has(fields: str, name: str) -> bool:
    parts = [p.strip() for p in fields.replace("/", ".").split(",")]
    return any(p == "*" or p == name or p.startswith(name + ".") for p in parts)


def _write_cell_data(ctx: _Ctx, sh: dict[str, Any], r: int, c: int, cd: dict[str, Any], fields: str) -> None:
    if _fields_has(fields, "userEnteredValue"):
        set_cell(sh, r, c, _extended_to_cell(cd.get("userEnteredValue")))
    if _fields_has(fields, "note"):
        if cd.get("note"):
            sh["notes"][(r, c)] = cd["note"]
        else:
            sh["notes"].pop((r, c), None)


def _repeat_cell(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    g = req.get("range", {})
    sh, box = ctx.grid_box(g)
    fields = req.get("fields", "")
    if not fields:
        raise ctx.fail("At least one field must be updated. Specify fields to update.")
    cd = req.get("cell", {})
    if _fields_has(fields, "userEnteredValue") or _fields_has(fields, "note"):
        check_protection(ctx.store, ctx.sid, sh, ctx.account, box)
        for r in range(box[0] - 1, box[2]):
            for c in range(box[1] - 1, box[3]):
                _write_cell_data(ctx, sh, r, c, cd, fields)
    sh["formats"].append({"range": dict(g), "cell": copy.deepcopy(cd), "fields": fields})
    return {}


def _update_cells(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    fields = req.get("fields", "")
    if not fields:
        raise ctx.fail("At least one field must be updated. Specify fields to update.")
    rows = req.get("rows", [])
    if "start" in req:
        st = req["start"]
        sh = ctx.sheet(st.get("sheetId", 0))
        r0, c0 = st.get("rowIndex", 0), st.get("columnIndex", 0)
        r_end = r0 + len(rows)
        c_end = c0 + max((len(rd.get("values", [])) for rd in rows), default=0)
        nrows, ncols = grid(sh)
        if r_end > nrows or c_end > ncols:
            raise ctx.fail(f"Attempting to write row: {r_end - 1}, beyond the last requested row of: {nrows - 1}"
                           if r_end > nrows else
                           f"Attempting to write column: {c_end - 1}, beyond the last requested column of: {ncols - 1}")
        box = (r0 + 1, c0 + 1, max(r_end, r0 + 1), max(c_end, c0 + 1))
    else:
        sh, box = ctx.grid_box(req.get("range", {}))
        r0, c0 = box[0] - 1, box[1] - 1
    check_protection(ctx.store, ctx.sid, sh, ctx.account, box)
    for i, rd in enumerate(rows):
        for j, cd in enumerate(rd.get("values", [])):
            _write_cell_data(ctx, sh, r0 + i, c0 + j, cd, fields)
    sh["formats"].append({"updateCells": True, "box": list(box), "fields": fields})
    return {}


def _append_cells(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    sh = ctx.sheet(req.get("sheetId", 0))
    rows = req.get("rows", [])
    r0 = len(sh["data"])
    gp = sh["properties"]["gridProperties"]
    need_cols = max((len(rd.get("values", [])) for rd in rows), default=0)
    if need_cols > gp["columnCount"]:
        raise ctx.fail(f"Attempting to write column: {need_cols - 1}, beyond the last requested column of: "
                       f"{gp['columnCount'] - 1}")
    if r0 + len(rows) > gp["rowCount"]:
        gp["rowCount"] = r0 + len(rows)
    for i, rd in enumerate(rows):
        for j, cd in enumerate(rd.get("values", [])):
            _write_cell_data(ctx, sh, r0 + i, j, cd, req.get("fields", "*"))
    return {}


def _merge_cells(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    g = req.get("range", {})
    sh, _ = ctx.grid_box(g)
    sh["merges"].append(dict(g))
    return {}


def _unmerge_cells(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    g = req.get("range", {})
    sh, _ = ctx.grid_box(g)
    sh["merges"] = [m for m in sh["merges"] if m != g]
    return {}


def _set_basic_filter(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    f = copy.deepcopy(req.get("filter", {}))
    sh = ctx.sheet(f.get("range", {}).get("sheetId", 0))
    f["range"] = clean_grid_range(f.get("range", {}))
    sh["basicFilter"] = f
    return {}


def _clear_basic_filter(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    sh = ctx.sheet(req.get("sheetId", 0))
    sh.pop("basicFilter", None)
    return {}


def _add_named_range(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    nr = copy.deepcopy(req.get("namedRange", {}))
    ctx.grid_box(nr.get("range", {}))
    if any(x.get("name") == nr.get("name") for x in ctx.ss["namedRanges"]):
        raise ctx.fail(f"Named range with name {nr.get('name')} already exists.")
    nr.setdefault("namedRangeId", f"{ctx.store.new_int_id():x}")
    ctx.ss["namedRanges"].append(nr)
    return {"addNamedRange": {"namedRange": dict(nr, range=clean_grid_range(nr["range"]))}}


def _delete_named_range(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    before = len(ctx.ss["namedRanges"])
    ctx.ss["namedRanges"] = [x for x in ctx.ss["namedRanges"] if x.get("namedRangeId") != req.get("namedRangeId")]
    if len(ctx.ss["namedRanges"]) == before:
        raise ctx.fail(f"No named range with id: {req.get('namedRangeId')}")
    return {}


def _store_format(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    """Formatting-only requests: validate the referenced sheet and remember the request."""
    g = req.get("range") or (req.get("dimensions") or {})
    sheet_id = (g or {}).get("sheetId", req.get("sheetId", 0))
    sh = ctx.sheet(sheet_id)
    sh["formats"].append({ctx.kind: copy.deepcopy(req)})
    return {}


def _conditional_format(ctx: _Ctx, req: dict[str, Any]) -> dict[str, Any]:
    rule = req.get("rule", {})
    ranges = rule.get("ranges") or [{}]
    sh = ctx.sheet(ranges[0].get("sheetId", 0))
    sh.setdefault("conditionalFormats", []).insert(req.get("index", 0), copy.deepcopy(rule))
    return {}


HANDLERS = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateSpreadsheetProperties": _update_spreadsheet_properties,
    "appendDimension": _append_dimension,
    "insertDimension": _insert_dimension,
    "deleteDimension": _delete_dimension,
    "setDataValidation": _set_data_validation,
    "addProtectedRange": _add_protected_range,
    "updateProtectedRange": _update_protected_range,
    "deleteProtectedRange": _delete_protected_range,
    "repeatCell": _repeat_cell,
    "updateCells": _update_cells,
    "appendCells": _append_cells,
    "mergeCells": _merge_cells,
    "unmergeCells": _unmerge_cells,
    "setBasicFilter": _set_basic_filter,
    "clearBasicFilter": _clear_basic_filter,
    "addNamedRange": _add_named_range,
    "deleteNamedRange": _delete_named_range,
    "addConditionalFormatRule": _conditional_format,
    "autoResizeDimensions": _store_format,
    "updateDimensionProperties": _store_format,
    "updateBorders": _store_format,
    "addBanding": _store_format,
    "sortRange": _store_format,
    "setBasicFilterSettings": _store_format,
    "updateEmbeddedObjectPosition": charts.update_embedded_object_position,
    "deleteEmbeddedObject": charts.delete_embedded_object,
    "autoFill": _store_format,
    "textToColumns": _store_format,
    "trimWhitespace": _store_format,
    "deleteDuplicates": _store_format,
    "addChart": charts.add_chart,
    "updateChartSpec": charts.update_chart_spec,
}
KNOWN_BUT_UNSUPPORTED = {
    "duplicateSheet", "findReplace", "copyPaste", "cutPaste", "pasteData",
    "addFilterView", "updateFilterView", "deleteFilterView", "duplicateFilterView",
    "addSlicer", "updateSlicerSpec", "addDimensionGroup", "deleteDimensionGroup", "updateDimensionGroup",
    "moveDimension", "insertRange", "deleteRange", "deleteConditionalFormatRule", "updateConditionalFormatRule",
    "updateBanding", "deleteBanding", "createDeveloperMetadata", "updateDeveloperMetadata",
    "deleteDeveloperMetadata", "randomizeRange", "addDataSource", "updateDataSource", "deleteDataSource",
    "refreshDataSource", "cancelDataSourceRefresh", "addTable", "updateTable", "deleteTable", "updateNamedRange",
}


def batch_update(store: Store, sid: str, account: str | None, body: dict[str, Any]) -> dict[str, Any]:
    ss = open_spreadsheet(store, sid, account, write=True)
    requests = body.get("requests") or []
    if not isinstance(requests, list):
        raise bad_request("Invalid JSON payload received. 'requests' must be a list.")
    if not requests:  # Google's own answer to an empty list (public client-library threads)
        raise bad_request("Must specify at least one request.")
    snap = _snapshot(ss)
    replies = []
    try:
        for i, req in enumerate(requests):
            if not isinstance(req, dict) or len(req) != 1:
                raise bad_request(f"Invalid requests[{i}]: No request set." if not req else
                                  f"Invalid requests[{i}]: only one request kind may be set.")
            kind, payload = next(iter(req.items()))
            handler = HANDLERS.get(kind)
            if handler is None:
                if kind in KNOWN_BUT_UNSUPPORTED:
                    raise sheets_error(501, f"The Google stand-in does not implement requests[{i}].{kind}",
                                       "UNIMPLEMENTED")
                raise bad_request(f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                                  f"Cannot find field.")
            ctx = _Ctx(store, sid, ss, account, i, kind)
            before = schema.total_cells(ss)
            replies.append(handler(ctx, payload or {}))
            after = schema.total_cells(ss)
            if after > schema.MAX_CELLS and after > before:  # the whole batch is refused
                raise ctx.fail(schema.cells_over_limit_message())
    except ApiError:
        _restore(ss, snap)
        raise
    store.touch(sid)
    out: dict[str, Any] = {"spreadsheetId": sid, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        out["updatedSpreadsheet"] = spreadsheet_get(store, sid, account, {}, [])
    return out


def role_rank(role: str | None) -> int:
    return ROLE_RANK.get(role or "", 0)
