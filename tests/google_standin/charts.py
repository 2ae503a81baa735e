"""``addChart`` and ``updateChartSpec`` for the stand-in's ``spreadsheets.batchUpdate``.

Charts are stored on their sheet (``sheet["charts"]``, EmbeddedChart objects) and returned
by ``spreadsheets.get`` (``sheets.charts``). What Google documents, enforced here:

* every field name is checked against Google's discovery document (``sheets.v4.json``:
  AddChartRequest, EmbeddedChart, ChartSpec, BasicChartSpec, ChartSourceRange, GridRange…);
  an unknown one is Google's 400 "Invalid JSON payload received. Unknown name "x" at
  'requests[0].add_chart.chart.spec': Cannot find field.", an enum value outside the
  document's list a 400 "Invalid value at '…chart_type' (…), "X"";
* ``addChart``: ``chart.spec`` is required; ``chartId`` is optional (generated when absent)
  and "it is an error to specify the ID of an embedded object that already exists"
  (AddChartRequest reference);
* ``updateChartSpec``: ``chartId`` must name an existing chart, ``spec`` is required;
* every GridRange (sources, position) names an existing ``sheetId`` and lies inside its grid;
* ``updateEmbeddedObjectPosition`` (what "Move to own sheet" / dragging a chart does):
  ``newPosition.newSheet = true`` puts the chart, id kept, on a new object sheet
  (``sheetType: OBJECT``, no ``gridProperties``: "If the sheet is an object sheet,
  containing a chart or image, then this field will be absent", SheetProperties reference);
  ``newPosition.sheetId`` moves it to an existing sheet; the reply carries the new position;
* ``deleteEmbeddedObject``: ``objectId`` must name an existing object.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from . import schema
from .errors import ApiError, sheets_error


def bad_request(message: str) -> ApiError:
    return sheets_error(400, message, "INVALID_ARGUMENT")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def check_fields(value: Any, schema_name: str, where: str) -> None:
    """Refuse unknown field names and out-of-list enum values, as Google's JSON parser does."""
    doc = schema.discovery("sheets.v4")
    if doc is None:
        return
    _walk(value, {"$ref": schema_name}, doc["schemas"], where)


def _walk(value: Any, node: dict[str, Any], schemas: dict[str, Any], where: str) -> None:
    if "$ref" in node:
        node = schemas.get(node["$ref"], {})
    if node.get("type") == "array":
        if not isinstance(value, list):
            raise bad_request(f"Invalid value at '{where}', expected a list.")
        for i, item in enumerate(value):
            _walk(item, node.get("items", {}), schemas, f"{where}[{i}]")
        return
    if "enum" in node and isinstance(value, str) and value not in node["enum"]:
        raise bad_request(f"Invalid value at '{where}', \"{value}\"")
    props = node.get("properties")
    if props is None:
        return
    if not isinstance(value, dict):
        raise bad_request(f"Invalid value at '{where}', expected an object.")
    for key, sub in value.items():
        if key not in props:
            raise bad_request(f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field.")
        _walk(sub, props[key], schemas, f"{where}.{_snake(key)}")


def _all_charts(ss: dict[str, Any]) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    return {int(ch["chartId"]): (sh, ch) for sh in ss["sheets"] for ch in sh.get("charts", [])}


def _embedded_ids(ss: dict[str, Any]) -> set[int]:
    """Ids of embedded objects (charts; sheet ids share the space in Google's model too)."""
    return set(_all_charts(ss))


def _check_spec(ctx: Any, spec: Any) -> None:
    if not spec:
        raise ctx.fail("A chart spec is required.")
    kinds = [k for k in ("basicChart", "pieChart", "bubbleChart", "candlestickChart", "orgChart", "histogramChart",
                         "waterfallChart", "treemapChart", "scorecardChart") if k in spec]
    if len(kinds) != 1:
        raise ctx.fail("Exactly one chart type must be set in the chart spec.")
    basic = spec.get("basicChart")
    if basic is not None:
        if basic.get("chartType") in (None, "BASIC_CHART_TYPE_UNSPECIFIED"):
            raise ctx.fail("basicChart.chartType must be specified.")
        if len(basic.get("domains") or []) > 1:
            raise ctx.fail("Only one domain is supported for basic charts.")
        if not basic.get("series"):
            raise ctx.fail("A basic chart requires at least one series.")
        parts = [d.get("domain") for d in basic.get("domains") or []] + [s.get("series") for s in basic["series"]]
        for data in parts:
            sources = ((data or {}).get("sourceRange") or {}).get("sources") or []
            if not sources:
                raise ctx.fail("Chart data must have a sourceRange with at least one source.")
            for g in sources:
                ctx.grid_box(g)  # unknown sheetId → "No grid with id"; outside → "exceeds grid limits"


def _check_position(ctx: Any, pos: dict[str, Any] | None) -> None:
    if not pos:
        return
    if "sheetId" in pos:
        ctx.sheet(pos["sheetId"])
    anchor = (pos.get("overlayPosition") or {}).get("anchorCell")
    if anchor is not None:
        ctx.grid_box({"sheetId": anchor.get("sheetId", 0), "startRowIndex": anchor.get("rowIndex", 0),
                      "endRowIndex": anchor.get("rowIndex", 0) + 1, "startColumnIndex": anchor.get("columnIndex", 0),
                      "endColumnIndex": anchor.get("columnIndex", 0) + 1})


def add_chart(ctx: Any, req: dict[str, Any]) -> dict[str, Any]:
    check_fields(req, "AddChartRequest", f"requests[{ctx.index}].add_chart")
    chart = copy.deepcopy(req.get("chart") or {})
    _check_spec(ctx, chart.get("spec"))
    _check_position(ctx, chart.get("position"))
    cid = chart.get("chartId")
    if cid is not None and int(cid) in _embedded_ids(ctx.ss):
        raise ctx.fail(f"An embedded object with ID {cid} already exists. (It is an error to specify the ID "
                       "of an embedded object that already exists.)")
    if cid is None:
        cid = ctx.store.new_int_id()
    chart["chartId"] = int(cid)
    pos = chart.get("position") or {}
    anchor = (pos.get("overlayPosition") or {}).get("anchorCell") or {}
    host_id = pos.get("sheetId", anchor.get("sheetId"))
    if host_id is None:  # no position: Google puts it on a new sheet; here: the first source's sheet
        srcs = chart["spec"]["basicChart"]["domains"] if "basicChart" in chart["spec"] else []
        host_id = ((srcs[0]["domain"]["sourceRange"]["sources"][0]).get("sheetId", 0) if srcs else 0)
    chart.setdefault("position", {"sheetId": host_id})
    ctx.sheet(host_id).setdefault("charts", []).append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def update_chart_spec(ctx: Any, req: dict[str, Any]) -> dict[str, Any]:
    check_fields(req, "UpdateChartSpecRequest", f"requests[{ctx.index}].update_chart_spec")
    cid = req.get("chartId")
    found = _all_charts(ctx.ss).get(int(cid)) if cid is not None else None
    if found is None:
        raise ctx.fail(f"No chart with id: {cid}")
    _check_spec(ctx, req.get("spec"))
    found[1]["spec"] = copy.deepcopy(req["spec"])
    return {}


def _object(ctx: Any, oid: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    found = _all_charts(ctx.ss).get(int(oid)) if isinstance(oid, (int, str)) and str(oid).lstrip("-").isdigit() else None
    if found is None:
        raise ctx.fail(f"No embedded object with id: {oid}")
    return found


def update_embedded_object_position(ctx: Any, req: dict[str, Any]) -> dict[str, Any]:
    check_fields(req, "UpdateEmbeddedObjectPositionRequest", f"requests[{ctx.index}].update_embedded_object_position")
    host, chart = _object(ctx, req.get("objectId"))
    pos = req.get("newPosition") or {}
    if pos.get("newSheet"):
        titles = {sh["properties"]["title"] for sh in ctx.ss["sheets"]}
        base = str((chart.get("spec") or {}).get("title") or "Chart")
        title, n = base, 1
        while title in titles:
            n += 1
            title = f"{base} {n}"
        new_id = ctx.store.new_int_id()
        target = ctx.store.new_sheet(title, new_id, len(ctx.ss["sheets"]), 0, 0)
        target["properties"]["sheetType"] = "OBJECT"
        ctx.ss["sheets"].append(target)
        position: dict[str, Any] = {"sheetId": new_id}
    elif "sheetId" in pos:
        target = ctx.sheet(pos["sheetId"])
        position = {"sheetId": pos["sheetId"]}
    elif "overlayPosition" in pos:
        _check_position(ctx, pos)
        target = host
        anchor = (pos["overlayPosition"].get("anchorCell") or {}).get("sheetId")
        if anchor is not None:
            target = ctx.sheet(anchor)
        position = {"overlayPosition": copy.deepcopy(pos["overlayPosition"])}
    else:
        raise ctx.fail("newPosition must set one of sheetId, overlayPosition or newSheet.")
    host["charts"].remove(chart)
    chart["position"] = position
    target.setdefault("charts", []).append(chart)
    return {"updateEmbeddedObjectPosition": {"position": copy.deepcopy(position)}}


def delete_embedded_object(ctx: Any, req: dict[str, Any]) -> dict[str, Any]:
    check_fields(req, "DeleteEmbeddedObjectRequest", f"requests[{ctx.index}].delete_embedded_object")
    host, chart = _object(ctx, req.get("objectId"))
    host["charts"].remove(chart)
    return {}


__all__ = ["ApiError", "add_chart", "check_fields", "delete_embedded_object", "update_chart_spec",
           "update_embedded_object_position"]
