"""The stand-in's ``addChart`` / ``updateChartSpec`` (tests/google_standin/charts.py): what
Google documents is accepted and stored (and returned by ``spreadsheets.get`` with a
``fields`` mask listing ``sheets.charts``); malformed specs get Google's 400
``INVALID_ARGUMENT`` and leave the spreadsheet unchanged (the whole batch is refused)."""

from __future__ import annotations

import copy
from typing import Any

import gspread
import pytest

from tests.google_standin import GoogleStandin
from tests.google_standin.fixtures import SA_EMAIL

TAB = "Data"


@pytest.fixture
def sheet(gc: Any, standin: GoogleStandin) -> tuple[Any, int]:  # noqa: F811
    sid = standin.create_spreadsheet("Grafik", {TAB: [["Bulan", "Jumlah"], ["Jan", 3], ["Feb", 5]]},
                                     share_with=[(SA_EMAIL, "writer")], rows=20, cols=5)
    sh = gc.open_by_key(sid)
    return sh, sh.worksheet(TAB).id


def grid(sheet_id: int, r0: int, r1: int, c: int) -> dict[str, int]:
    return {"sheetId": sheet_id, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c, "endColumnIndex": c + 1}


def spec(sheet_id: int, rows: int = 3) -> dict[str, Any]:
    return {"title": "Aduan per bulan", "basicChart": {
        "chartType": "COLUMN", "legendPosition": "NO_LEGEND", "headerCount": 1,
        "axis": [{"position": "BOTTOM_AXIS"}, {"position": "LEFT_AXIS", "title": "Jumlah"}],
        "domains": [{"domain": {"sourceRange": {"sources": [grid(sheet_id, 0, rows, 0)]}}}],
        "series": [{"series": {"sourceRange": {"sources": [grid(sheet_id, 0, rows, 1)]}}, "targetAxis": "LEFT_AXIS"}],
    }}


def add(sheet_id: int, chart_id: int | None = 7, s: dict[str, Any] | None = None) -> dict[str, Any]:
    chart: dict[str, Any] = {"spec": s if s is not None else spec(sheet_id), "position": {"overlayPosition": {
        "anchorCell": {"sheetId": sheet_id, "rowIndex": 4, "columnIndex": 0}, "widthPixels": 400, "heightPixels": 300}}}
    if chart_id is not None:
        chart["chartId"] = chart_id
    return {"addChart": {"chart": chart}}


def refused(sh: Any, *requests: dict[str, Any]) -> str:
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": list(requests)})
    err = exc.value.error
    assert exc.value.code == 400 and err["status"] == "INVALID_ARGUMENT", err
    return str(err["message"])


def charts_via_get(sh: Any) -> list[dict[str, Any]]:
    meta = sh.client.fetch_sheet_metadata(
        sh.id, params={"fields": "sheets(properties(title),charts(chartId,spec(title,basicChart(chartType,domains))))"})
    return [c for s in meta["sheets"] for c in s.get("charts", [])]


def test_add_chart_is_stored_returned_by_get_and_updated(sheet: tuple[Any, int], standin: GoogleStandin):
    sh, sheet_id = sheet
    reply = sh.batch_update({"requests": [add(sheet_id)]})
    assert reply["replies"][0]["addChart"]["chart"]["chartId"] == 7
    got = charts_via_get(sh)
    assert [c["chartId"] for c in got] == [7] and got[0]["spec"]["basicChart"]["chartType"] == "COLUMN"
    assert "series" not in got[0]["spec"]["basicChart"]  # the mask is honoured
    # updateChartSpec replaces the spec (here: one more row)
    sh.batch_update({"requests": [{"updateChartSpec": {"chartId": 7, "spec": spec(sheet_id, rows=4)}}]})
    stored = standin.sheet_state(sh.id, TAB)["charts"][0]
    assert stored["spec"]["basicChart"]["domains"][0]["domain"]["sourceRange"]["sources"][0]["endRowIndex"] == 4
    # no chartId: one is generated
    new = sh.batch_update({"requests": [add(sheet_id, chart_id=None)]})["replies"][0]["addChart"]["chart"]["chartId"]
    assert isinstance(new, int) and new != 7 and len(charts_via_get(sh)) == 2


def test_malformed_chart_requests_are_refused_like_google(sheet: tuple[Any, int], standin: GoogleStandin):
    sh, sheet_id = sheet
    unknown = add(sheet_id)
    unknown["addChart"]["chart"]["spec"]["basicChart"]["colour"] = "red"
    assert refused(sh, unknown) == ("Invalid JSON payload received. Unknown name \"colour\" at "
                                    "'requests[0].add_chart.chart.spec.basic_chart': Cannot find field.")
    no_spec = add(sheet_id)
    del no_spec["addChart"]["chart"]["spec"]
    assert "Invalid requests[0].addChart: A chart spec is required." == refused(sh, no_spec)
    bad_type = add(sheet_id)
    bad_type["addChart"]["chart"]["spec"]["basicChart"]["chartType"] = "DONUT"
    assert "Invalid value at 'requests[0].add_chart.chart.spec.basic_chart.chart_type'" in refused(sh, bad_type)
    outside = spec(sheet_id)
    outside["basicChart"]["series"][0]["series"]["sourceRange"]["sources"][0]["endRowIndex"] = 21  # 20 rows
    assert "exceeds grid limits. Max rows: 20, max columns: 5" in refused(sh, add(sheet_id, s=outside))
    wrong_sheet = spec(sheet_id)
    wrong_sheet["basicChart"]["domains"][0]["domain"]["sourceRange"]["sources"][0]["sheetId"] = 424242
    assert refused(sh, add(sheet_id, s=wrong_sheet)) == "Invalid requests[0].addChart: No grid with id: 424242"
    assert refused(sh, {"updateChartSpec": {"chartId": 99, "spec": spec(sheet_id)}}) == \
        "Invalid requests[0].updateChartSpec: No chart with id: 99"
    # a duplicate chartId, even within one batch: the whole batch is refused, nothing stored
    msg = refused(sh, add(sheet_id), add(sheet_id))
    assert msg.startswith("Invalid requests[1].addChart: An embedded object with ID 7 already exists.")
    assert charts_via_get(sh) == [] and "charts" not in standin.sheet_state(sh.id, TAB)
    sh.batch_update({"requests": [add(sheet_id)]})
    assert "already exists" in refused(sh, add(sheet_id))
    no_spec_update = {"updateChartSpec": {"chartId": 7}}
    assert refused(sh, no_spec_update) == "Invalid requests[0].updateChartSpec: A chart spec is required."
    bad_update = {"updateChartSpec": {"chartId": 7, "spec": copy.deepcopy(spec(sheet_id)), "fields": "*"}}
    assert "Unknown name \"fields\" at 'requests[0].update_chart_spec'" in refused(sh, bad_update)
