"""The Google stand-in, driven by the REAL gspread / googleapiclient / google-auth clients.

Expected shapes come from Google's recorded responses in gspread's cassettes and from
the Sheets v4 / Drive v3 references (see tests/google_standin/*.py docstrings).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import google.auth.exceptions
import gspread
import pytest
import requests
from google.auth.transport.requests import AuthorizedSession
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload, MediaIoBaseDownload

from tests.clirun import run_cli
from tests.google_standin import GoogleStandin, clients
from tests.google_standin.auth import generate_key
from tests.google_standin.cells import Formula
from tests.google_standin.fixtures import SA_EMAIL

REPO = Path(__file__).resolve().parent.parent
WIB = dt.timezone(dt.timedelta(hours=7))
TAB = "Form Responses 1"
HEADER = ["Timestamp", "Nama Lengkap", "Nomor HP/WA", "Email", "Isi Aspirasi", "Lampiran"]


def form_rows() -> list[list]:
    return [
        HEADER,
        [dt.datetime(2026, 11, 28, 14, 5, 33, tzinfo=WIB), "Budi Santoso", "081234567890", "budi@example.com",
         "Jalan rusak di Kemlagi", ""],
        [],  # a blank row staff left in the middle
        [dt.datetime(2026, 11, 28, 15, 0, 0, tzinfo=WIB), "Ani", "", "", "Galian C ilegal", "", "", ""],
    ]


@pytest.fixture
def sid(standin: GoogleStandin, sa_key: dict) -> str:
    return standin.create_spreadsheet("SIAPMAS Aspirasi", tabs={TAB: form_rows(), "Register": []},
                                      share_with=[(sa_key["client_email"], "writer")])


# --- metadata & reading -----------------------------------------------------------------------

def test_open_by_key_metadata(gc, sid, standin):
    sh = gc.open_by_key(sid)
    assert sh.title == "SIAPMAS Aspirasi"
    assert sh.locale == "in_ID" and sh.timezone == "Asia/Jakarta"
    assert [w.title for w in sh.worksheets()] == [TAB, "Register"]
    ws = sh.worksheet(TAB)
    assert ws.id == 0 and ws.row_count == 1000 and ws.col_count == 26
    with pytest.raises(gspread.exceptions.WorksheetNotFound):
        sh.worksheet("Nope")
    meta = sh.fetch_sheet_metadata()
    assert meta["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    assert meta["sheets"][0]["properties"]["sheetType"] == "GRID"
    # fields masks as gspread asks for them
    only = sh.fetch_sheet_metadata(params={"fields": "sheets.properties,sheets.protectedRanges"})
    assert set(only) == {"sheets"} and set(only["sheets"][0]) == {"properties"}
    titled = sh.fetch_sheet_metadata(params={"fields": "properties.title,sheets(properties(sheetId,title))"})
    assert titled == {"properties": {"title": "SIAPMAS Aspirasi"},
                      "sheets": [{"properties": {"sheetId": 0, "title": TAB}},
                                 {"properties": {"sheetId": titled["sheets"][1]["properties"]["sheetId"],
                                                 "title": "Register"}}]}
    # gspread reads createdTime via Drive
    assert sh.creationTime.endswith("Z")


def test_values_shapes_match_google(gc, sid):
    sh = gc.open_by_key(sid)
    raw = sh.values_get(f"'{TAB}'")
    # Google echoes the requested range clamped to the grid (cassette CellTest.test_a1_value:
    # 'Sheet1' -> Sheet1!A1:Z1000), quotes names with spaces, drops trailing empties and
    # returns a blank middle row as [].
    assert raw["range"] == "'Form Responses 1'!A1:Z1000"
    assert raw["majorDimension"] == "ROWS"
    assert raw["values"][0] == HEADER
    assert raw["values"][1] == ["28/11/2026 14.05.33", "Budi Santoso", "081234567890", "budi@example.com",
                                "Jalan rusak di Kemlagi"]
    assert raw["values"][2] == []
    assert raw["values"][3] == ["28/11/2026 15.00.00", "Ani", "", "", "Galian C ilegal"]
    assert len(raw["values"]) == 4

    empty = sh.values_get(f"'{TAB}'!H1:J5")
    assert empty == {"range": "'Form Responses 1'!H1:J5", "majorDimension": "ROWS"}
    open_end = sh.values_get(f"'{TAB}'!A2:F")
    assert open_end["range"] == "'Form Responses 1'!A2:F1000"
    col = sh.values_get(f"'{TAB}'!B:B")
    assert col["range"] == "'Form Responses 1'!B1:B1000"
    assert col["values"] == [["Nama Lengkap"], ["Budi Santoso"], [], ["Ani"]]
    cols = sh.values_get(f"'{TAB}'!A1:C2", params={"majorDimension": "COLUMNS"})
    assert cols["values"] == [["Timestamp", "28/11/2026 14.05.33"], ["Nama Lengkap", "Budi Santoso"],
                              ["Nomor HP/WA", "081234567890"]]
    row2 = sh.values_get(f"'{TAB}'!A2:2")
    assert row2["range"] == "'Form Responses 1'!A2:Z2"

    ws = sh.worksheet(TAB)
    values = ws.get_all_values()  # gspread pads the gaps
    assert values[2] == [""] * 6 and len(values) == 4


def test_batch_get_unformatted_serial_numbers(gc, sid):
    ws = gc.open_by_key(sid).worksheet(TAB)
    header, first = ws.batch_get(["A1:F1", "A2:E2"], value_render_option="UNFORMATTED_VALUE",
                                 date_time_render_option="SERIAL_NUMBER")
    assert header == [HEADER]
    serial = first[0][0]
    assert isinstance(serial, float)
    assert dt.datetime(1899, 12, 30) + dt.timedelta(days=serial) == pytest.approx(
        dt.datetime(2026, 11, 28, 14, 5, 33), abs=dt.timedelta(milliseconds=1))
    assert header.range == "'Form Responses 1'!A1:F1"
    (as_text,) = ws.batch_get(["A2"], value_render_option="UNFORMATTED_VALUE",
                              date_time_render_option="FORMATTED_STRING")
    assert as_text == [["28/11/2026 14.05.33"]]


def test_quoting_of_sheet_names_like_google(gc, sid):
    sh = gc.open_by_key(sid)
    sh.add_worksheet("D3", 5, 5)
    sh.add_worksheet("Sheet_2", 5, 5)
    assert sh.values_get("'D3'")["range"] == "'D3'!A1:E5"  # cassette test_get_all_values_title_is_a1_notation
    assert sh.values_get("Sheet_2!A1:B2")["range"] == "Sheet_2!A1:B2"
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_get("'No such tab'!A1")
    assert exc.value.code == 400 and "Unable to parse range: 'No such tab'!A1" in exc.value.error["message"]


# --- writing --------------------------------------------------------------------------------------

def test_values_batch_update_raw_and_user_entered(gc, sid, standin):
    sh = gc.open_by_key(sid)
    resp = sh.values_batch_update({
        "valueInputOption": "RAW",
        "data": [{"range": "'Register'!A1:C1", "values": [["No", "Agenda", "Catatan"]]},
                 {"range": "'Register'!A2", "values": [[1, "0001/SIAPMAS/2026", "=HYPERLINK(\"x\")"]]}],
    })
    assert resp["totalUpdatedRows"] == 2 and resp["totalUpdatedCells"] == 6 and resp["totalUpdatedSheets"] == 1
    assert [r["updatedRange"] for r in resp["responses"]] == ["Register!A1:C1", "Register!A2:C2"]
    ws = sh.worksheet("Register")
    # RAW keeps citizen text that looks like a formula as a string
    assert ws.get("C2", value_render_option="FORMULA") == [['=HYPERLINK("x")']]
    assert standin.get_values(sid, "Register")[1] == [1, "0001/SIAPMAS/2026", '=HYPERLINK("x")']
    assert not isinstance(standin.get_values(sid, "Register")[1][2], Formula)

    ws.update([["=SUM(A2)", "=4/2", "'0812", "0812", "2026-11-28", "1,5", "TRUE"]], "A3",
              value_input_option="USER_ENTERED")
    assert ws.get("A3:G3") == [["#NAME?", "2", "0812", "812", "2026-11-28", "1,5", "TRUE"]]
    assert ws.get("A3:G3", value_render_option="UNFORMATTED_VALUE") == [["#NAME?", 2, "0812", 812, 46354, 1.5, True]]
    assert ws.get("A3:B3", value_render_option="FORMULA") == [["=SUM(A2)", "=4/2"]]
    assert isinstance(standin.get_values(sid, "Register")[2][0], Formula)
    # a null in the request leaves the cell alone; "" clears it
    sh.values_update("Register!A2:C2", params={"valueInputOption": "RAW"}, body={"values": [[None, "", "x"]]})
    assert standin.get_values(sid, "Register")[1] == [1, "", "x"]


def test_open_ended_reads_are_clamped_to_the_grid_and_past_it_refused(gc, sid, standin):
    # what a tail read (siapmas_sync/cycle/tailread.py) relies on: "A3:B" reads rows 3.. up to
    # the grid's last row; a start past the grid is Google's 400 (pygsheets#124, #528)
    sh = gc.open_by_key(sid)
    sh.add_worksheet("Tail", 4, 2)
    ws = sh.worksheet("Tail")
    ws.update([["h1", "h2"], ["a", "b"], ["c", "d"]], "A1", value_input_option="RAW")
    got = sh.values_batch_get(["'Tail'!A3:B", "'Tail'!A4:B"])["valueRanges"]
    assert got[0] == {"range": "Tail!A3:B4", "majorDimension": "ROWS", "values": [["c", "d"]]}
    assert got[1] == {"range": "Tail!A4:B4", "majorDimension": "ROWS"}  # within the grid, no data: no values
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_batch_get(["'Tail'!A5:B"])
    assert exc.value.code == 400 and "exceeds grid limits. Max rows: 4, max columns: 2" in exc.value.error["message"]


def test_pretty_print_false_gives_a_compact_reply(gc, sid, standin):
    sh = gc.open_by_key(sid)
    sh.add_worksheet("Compact", 3, 2)
    sh.worksheet("Compact").update([["a", "b"], ["c", "d"]], "A1", value_input_option="RAW")
    standin.reset_log()
    pretty = sh.values_batch_get(["'Compact'!A1:B"])
    compact = sh.values_batch_get(["'Compact'!A1:B"], params={"prettyPrint": "false"})
    assert pretty == compact
    sizes = [r.bytes_out for r in standin.requests if r.route == "sheets.values.batchGet"]
    assert len(sizes) == 2 and sizes[1] < sizes[0] * 0.6


def test_gzip_only_when_the_user_agent_says_gzip(gc, sid, standin):
    """Google gzips a reply only when the request accepts gzip AND its User-Agent contains
    "gzip": python-requests' own User-Agent gets it plain, though requests accepts gzip."""
    sh = gc.open_by_key(sid)
    sh.add_worksheet("Zip", 300, 2)
    sh.worksheet("Zip").update([["Tahap", "Sifat"]] + [["TERAGENDA", "Biasa"]] * 299, "A1", value_input_option="RAW")
    session = gc.http_client.session
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/values:batchGet"
    asked = {
        "requests' default": {},
        "agent only": {"User-Agent": "siapmas-sync (gzip)", "Accept-Encoding": "identity"},
        "both": {"User-Agent": "siapmas-sync (gzip)", "Accept-Encoding": "gzip"},
    }
    got = {}
    for name, headers in asked.items():
        standin.reset_log()
        r = session.get(url, params={"ranges": "'Zip'!A1:B", "prettyPrint": "false"}, headers=headers)
        [logged] = [x for x in standin.requests if x.route == "sheets.values.batchGet"]
        got[name] = (r.headers.get("Content-Encoding"), logged.bytes_out, r.json())
    assert [got[n][0] for n in asked] == [None, None, "gzip"]
    assert got["both"][2] == got["agent only"][2] == got["requests' default"][2]  # decoded by requests
    assert got["both"][1] < got["requests' default"][1] / 10  # 300 repeated rows compress well


def test_update_beyond_grid_is_rejected_but_append_grows(gc, sid, standin):
    sh = gc.open_by_key(sid)
    sh.add_worksheet("Small", 3, 2)
    ws = sh.worksheet("Small")
    with pytest.raises(gspread.exceptions.APIError) as exc:
        ws.update([["a", "b", "c"]], "A1")
    assert exc.value.code == 400
    assert exc.value.error == {"code": 400, "status": "INVALID_ARGUMENT",
                               "message": "Range (Small!C1) exceeds grid limits. Max rows: 3, max columns: 2"}
    with pytest.raises(gspread.exceptions.APIError) as exc:
        ws.update([["a"], ["b"]], "A1:A1")
    assert "Requested writing within range [Small!A1], but tried writing to row [2]" in exc.value.error["message"]
    res = ws.append_rows([["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["10", "11", "12"]],
                         value_input_option="RAW")
    assert "tableRange" not in res
    assert res["updates"]["updatedRange"] == "Small!A1:C4"
    props = standin.sheet_properties(sid, "Small")["gridProperties"]
    assert props == {"rowCount": 4, "columnCount": 3}


def test_append_rows_after_table(gc, sid, standin):
    ws = gc.open_by_key(sid).worksheet("Register")
    first = ws.append_rows([["No", "Agenda"]], value_input_option="RAW")
    assert first == {"spreadsheetId": sid, "updates": {"spreadsheetId": sid, "updatedRange": "Register!A1:B1",
                                                       "updatedRows": 1, "updatedColumns": 2, "updatedCells": 2}}
    second = ws.append_rows([[1, "0001/SIAPMAS/2026"], [2, "0002/SIAPMAS/2026"]], value_input_option="RAW",
                            table_range="A1")
    assert second["tableRange"] == "Register!A1:B1"
    assert second["updates"]["updatedRange"] == "Register!A2:B3"
    ins = ws.append_rows([[3, "0003"]], value_input_option="USER_ENTERED", insert_data_option="INSERT_ROWS")
    assert ins["updates"]["updatedRange"] == "Register!A4:B4"
    assert standin.get_values(sid, "Register")[3] == [3, 3]  # USER_ENTERED parsed "0003" as a number
    assert standin.sheet_properties(sid, "Register")["gridProperties"]["rowCount"] == 1001

    # The form tab has a blank row 3: like Google, append fills the gap after the first table.
    form = gc.open_by_key(sid).worksheet(TAB)
    gap = form.append_rows([["x"]], value_input_option="RAW")
    assert gap["tableRange"] == "'Form Responses 1'!A1:F2"
    assert gap["updates"]["updatedRange"] == "'Form Responses 1'!A3"


def test_add_worksheet_and_structure_requests(gc, sid, standin):
    sh = gc.open_by_key(sid)
    ws = sh.add_worksheet("Log Audit", rows=10, cols=5)
    assert ws.title == "Log Audit" and ws.row_count == 10 and ws.col_count == 5 and ws.index == 2
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.add_worksheet("log audit", rows=1, cols=1)
    assert exc.value.error["message"] == ('Invalid requests[0].addSheet: A sheet with the name "log audit" '
                                          'already exists. Please enter another name.')
    ws.update([["a"], ["b"], ["c"]], "A1")
    ws.insert_row(["new"], index=2)
    assert [r[0] for r in standin.get_values(sid, "Log Audit")] == ["a", "new", "b", "c"]
    ws.delete_rows(1)
    assert [r[0] for r in standin.get_values(sid, "Log Audit")] == ["new", "b", "c"]
    ws.resize(rows=20, cols=8)
    sh.batch_update({"requests": [
        {"appendDimension": {"sheetId": ws.id, "dimension": "ROWS", "length": 5}},
        {"repeatCell": {"range": {"sheetId": ws.id, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"autoResizeDimensions": {"dimensions": {"sheetId": ws.id, "dimension": "COLUMNS",
                                                 "startIndex": 0, "endIndex": 5}}},
        {"updateSheetProperties": {"properties": {"sheetId": ws.id, "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "gridProperties.frozenRowCount"}},
    ]})
    assert standin.sheet_properties(sid, "Log Audit")["gridProperties"] == {
        "rowCount": 25, "columnCount": 8, "frozenRowCount": 1}
    assert len(standin.sheet_state(sid, "Log Audit")["formats"]) == 2
    # batchUpdate is atomic: a failing request rolls back the earlier ones
    with pytest.raises(gspread.exceptions.APIError):
        sh.batch_update({"requests": [{"appendDimension": {"sheetId": ws.id, "dimension": "ROWS", "length": 5}},
                                      {"deleteSheet": {"sheetId": 424242}}]})
    assert standin.sheet_properties(sid, "Log Audit")["gridProperties"]["rowCount"] == 25
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [{"frobnicate": {}}]})
    assert "Unknown name \"frobnicate\"" in exc.value.error["message"]


def test_data_validation_and_protected_ranges(gc, sid, standin):
    sh = gc.open_by_key(sid)
    reg = sh.worksheet("Register")
    reply = sh.batch_update({"requests": [
        {"setDataValidation": {
            "range": {"sheetId": reg.id, "startRowIndex": 1, "endRowIndex": 1000, "startColumnIndex": 6,
                      "endColumnIndex": 7},
            "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "Baru"},
                                                                    {"userEnteredValue": "Selesai"}]},
                     "strict": True, "showCustomUi": True}}},
        {"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
            "description": "Header formulir", "warningOnly": False,
            "editors": {"users": [SA_EMAIL]}}}},
    ]})
    assert reply["replies"][0] == {}
    pr = reply["replies"][1]["addProtectedRange"]["protectedRange"]
    assert isinstance(pr["protectedRangeId"], int)
    assert pr["range"] == {"startRowIndex": 0, "endRowIndex": 1}  # sheetId 0 omitted, as Google does
    assert pr["description"] == "Header formulir" and pr["requestingUserCanEdit"] is True
    assert sh.list_protected_ranges(0)[0]["protectedRangeId"] == pr["protectedRangeId"]
    state = standin.sheet_state(sid, "Register")
    assert state["dataValidations"][0]["rule"]["condition"]["type"] == "ONE_OF_LIST"
    grid = sh.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": "Register!G2"})
    assert grid["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]["strict"] is True

    # another writer who is not an editor of the protected range cannot change the header
    other = standin.make_service_account_key("petugas@siapmas-test.iam.gserviceaccount.com")
    standin.share(sid, other["client_email"], "writer")
    ows = clients.gspread_client(other, standin.url).open_by_key(sid).worksheet(TAB)
    with pytest.raises(gspread.exceptions.APIError) as exc:
        ows.update([["Waktu"]], "A1")
    assert exc.value.code == 400 and "protected cell" in exc.value.error["message"]
    ows.update([["boleh"]], "G2")  # outside the protection


# --- errors ---------------------------------------------------------------------------------------

def test_not_found_and_permission_errors(gc, sid, standin):
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound) as nf:
        gc.open_by_key("1doesNotExist")
    err = nf.value.__cause__
    assert isinstance(err, gspread.exceptions.APIError) and err.code == 404
    assert err.error == {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}

    private = standin.create_spreadsheet("Private", tabs={"Sheet1": [["x"]]})
    with pytest.raises(PermissionError) as pe:
        gc.open_by_key(private)
    api = pe.value.__cause__
    assert isinstance(api, gspread.exceptions.APIError) and api.code == 403
    assert api.error == {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}

    readonly = standin.create_spreadsheet("Read only", tabs={"Sheet1": [["x"]]}, share_with=[(SA_EMAIL, "reader")])
    ws = gc.open_by_key(readonly).sheet1
    assert ws.get_all_values() == [["x"]]
    with pytest.raises(gspread.exceptions.APIError) as exc:
        ws.update([["y"]], "A1")
    assert exc.value.code == 403

    # sharing via a parent folder works too
    folder = standin.create_folder("Shared folder", share_with=[SA_EMAIL])
    inner = standin.create_spreadsheet("Inner", parents=[folder])
    assert gc.open_by_key(inner).title == "Inner"


def test_quota_429_with_retry_after():
    now = [time.time()]
    with GoogleStandin(quota_per_minute=3, clock=lambda: now[0]) as g:
        key = g.make_service_account_key(SA_EMAIL)
        sid = g.create_spreadsheet("Q", tabs={"Sheet1": [["a"]]}, share_with=[SA_EMAIL])
        sh = clients.gspread_client(key, g.url).open_by_key(sid)  # read 1
        sh.values_get("Sheet1")  # read 2
        sh.values_get("Sheet1")  # read 3
        sh.values_update("Sheet1!B1", params={"valueInputOption": "RAW"}, body={"values": [["w"]]})  # own bucket
        now[0] += 10
        with pytest.raises(gspread.exceptions.APIError) as exc:
            sh.values_get("Sheet1")
        err = exc.value
        assert err.code == 429 and err.error["status"] == "RESOURCE_EXHAUSTED"
        assert err.error["message"].startswith("Quota exceeded for quota metric 'Read requests' and limit "
                                               "'Read requests per minute per user' of service 'sheets.googleapis.com'")
        assert err.response.headers["Retry-After"] == "50"
        assert g.count(api="sheets", status=429) == 1
        now[0] += 51  # the rolling minute has passed
        assert sh.values_get("Sheet1")["values"] == [["a", "w"]]


# --- OAuth token endpoint -------------------------------------------------------------------------

def test_token_flow_and_rejected_keys(standin, sa_key, sid):
    gc_ = clients.gspread_client(sa_key, standin.url)
    gc_.open_by_key(sid)
    tokens = [r for r in standin.requests if r.route == "oauth.token"]
    assert len(tokens) == 1 and tokens[0].status == 200
    assert standin.requests[1].account == SA_EMAIL and tokens[0].account == SA_EMAIL

    # same key id, different private key -> signature check fails
    forged = dict(sa_key, private_key=generate_key("x@y.iam.gserviceaccount.com", standin.token_url)[0]["private_key"])
    with pytest.raises(google.auth.exceptions.RefreshError) as exc:
        clients.gspread_client(forged, standin.url).open_by_key(sid)
    assert "invalid_grant" in str(exc.value) and "Invalid JWT Signature." in str(exc.value)

    stray, _pem = generate_key("stranger@elsewhere.iam.gserviceaccount.com", standin.token_url)
    with pytest.raises(google.auth.exceptions.RefreshError):
        clients.gspread_client(stray, standin.url).open_by_key(sid)

    # revoked key: no new tokens; revoked tokens: the client refreshes on 401 and carries on
    standin.revoke_tokens()
    assert gc_.open_by_key(sid).title == "SIAPMAS Aspirasi"
    assert standin.count(route="oauth.token", status=200) == 2
    assert standin.count(api="sheets", status=401) == 1


def test_token_endpoint_raw_and_bearer_checks(standin, sa_key, sid):
    url = f"{standin.url}/v4/spreadsheets/{sid}"
    r = requests.get(url, timeout=5)
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
    assert "WWW-Authenticate" in r.headers
    r = requests.get(url, headers={"Authorization": "Bearer ya29.bogus"}, timeout=5)
    assert r.status_code == 401
    r = requests.post(standin.token_url, data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                               "assertion": "a.b.c"}, timeout=5)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # a read-only scope cannot write
    ro = clients.gspread_client(sa_key, standin.url, scopes=["https://www.googleapis.com/auth/spreadsheets.readonly"])
    sh = ro.open_by_key(sid)
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_update("Register!A1", params={"valueInputOption": "RAW"}, body={"values": [["x"]]})
    assert exc.value.code == 403 and "insufficient authentication scopes" in exc.value.error["message"]
    tok = json.loads(requests.post(standin.token_url, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": clients.credentials(sa_key, ["https://www.googleapis.com/auth/drive"])
        ._make_authorization_grant_assertion()}, timeout=5).text)
    assert set(tok) == {"access_token", "expires_in", "token_type"} and tok["expires_in"] == 3599


def test_self_signed_jwt_access(standin, sa_key, sid):
    creds = clients.credentials(sa_key, clients.SHEETS_SCOPES).with_always_use_jwt_access(True)
    session = clients.mount_standin(AuthorizedSession(creds), standin.url)
    sh = gspread.Client(auth=creds, session=session).open_by_key(sid)
    assert sh.title == "SIAPMAS Aspirasi"
    assert standin.count(route="oauth.token") == 0


# --- Drive ----------------------------------------------------------------------------------------

@pytest.fixture
def evidence(standin, sa_key):
    folder = standin.create_folder("SIAPMAS Lampiran", share_with=[(sa_key["client_email"], "writer")])
    base = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.timezone.utc)
    ids = []
    for i in range(5):
        ids.append(standin.add_drive_file(f"foto_{i}.jpg", bytes([i]) * (100 + i), [folder], "image/jpeg",
                                          created_time=base + dt.timedelta(minutes=i)))
    standin.add_drive_file("old.pdf", b"%PDF-1.4", [folder], "application/pdf",
                           created_time=base - dt.timedelta(days=1), trashed=True)
    standin.add_drive_file("elsewhere.jpg", b"x", [], "image/jpeg")  # not visible to the account
    return folder, ids


def test_drive_list_query_fields_paging_order(drive, evidence):
    folder, ids = evidence
    fields = "nextPageToken, files(id,name,mimeType,size,createdTime,modifiedTime,webViewLink,parents)"
    q = f"'{folder}' in parents and trashed = false and mimeType = 'image/jpeg'"
    page1 = drive.files().list(q=q, fields=fields, pageSize=2, orderBy="createdTime desc").execute()
    assert [f["name"] for f in page1["files"]] == ["foto_4.jpg", "foto_3.jpg"]
    assert set(page1) == {"nextPageToken", "files"}
    f0 = page1["files"][0]
    assert f0["size"] == "104" and isinstance(f0["size"], str)
    assert f0["createdTime"] == "2026-11-28T07:04:00.000Z" and f0["parents"] == [folder]
    assert f0["webViewLink"] == f"https://drive.google.com/file/d/{f0['id']}/view?usp=drivesdk"
    names = [f["name"] for f in page1["files"]]
    token = page1["nextPageToken"]
    while token:
        page = drive.files().list(q=q, fields=fields, pageSize=2, orderBy="createdTime desc", pageToken=token).execute()
        names += [f["name"] for f in page["files"]]
        token = page.get("nextPageToken")
    assert names == [f"foto_{i}.jpg" for i in (4, 3, 2, 1, 0)]

    cursor = drive.files().list(q=f"'{folder}' in parents and createdTime > '2026-11-28T07:02:00Z'",
                                fields="files(name)", orderBy="createdTime").execute()
    assert [f["name"] for f in cursor["files"]] == ["foto_3.jpg", "foto_4.jpg"]
    wib_cursor = drive.files().list(q="modifiedTime >= '2026-11-28T14:03:00+07:00' and trashed = false and "
                                      "not mimeType = 'application/vnd.google-apps.folder'",
                                    fields="files(name)", orderBy="name desc").execute()
    assert [f["name"] for f in wib_cursor["files"]] == ["foto_4.jpg", "foto_3.jpg"]
    everything = drive.files().list(q=f"'{folder}' in parents").execute()  # trashed included by default
    assert everything["kind"] == "drive#fileList" and len(everything["files"]) == 6
    assert set(everything["files"][0]) == {"kind", "id", "name", "mimeType"}
    named = drive.files().list(q="name = 'foto_2.jpg'", fields="files(id)").execute()
    assert named["files"] == [{"id": ids[2]}]
    with pytest.raises(HttpError) as exc:
        drive.files().list(q="name === 'x'").execute()
    assert exc.value.resp.status == 400


def test_drive_get_media_with_range_and_metadata(drive, evidence, standin, sa_key):
    _folder, ids = evidence
    meta = drive.files().get(fileId=ids[1], fields="id,name,size,mimeType,md5Checksum").execute()
    assert meta["name"] == "foto_1.jpg" and meta["size"] == "101" and len(meta["md5Checksum"]) == 32
    assert drive.files().get(fileId=ids[1]).execute() == {"kind": "drive#file", "id": ids[1],
                                                          "name": "foto_1.jpg", "mimeType": "image/jpeg"}
    buf = io.BytesIO()
    downloader = MediaIoBaseDownload(buf, drive.files().get_media(fileId=ids[1]), chunksize=40)
    done = False
    while not done:
        _status, done = downloader.next_chunk()
    assert buf.getvalue() == bytes([1]) * 101
    ranged = [r for r in standin.requests if r.route == "drive.files.media"]
    assert [r.status for r in ranged] == [206, 206, 206]
    session = AuthorizedSession(clients.credentials(sa_key, clients.DRIVE_SCOPES))
    r = session.get(f"{standin.url}/drive/v3/files/{ids[1]}", params={"alt": "media"},
                    headers={"Range": "bytes=10-19"}, timeout=5)
    assert r.status_code == 206 and r.headers["Content-Range"] == "bytes 10-19/101" and len(r.content) == 10
    hidden = standin.find_files("elsewhere.jpg")[0]
    with pytest.raises(HttpError) as exc:
        drive.files().get(fileId=hidden).execute()
    assert exc.value.resp.status == 404
    assert json.loads(exc.value.content)["error"]["errors"][0]["reason"] == "notFound"


def test_drive_create_multipart_folder_and_resumable(drive, evidence, standin):
    folder, _ids = evidence
    standin.service_account_quota = True  # upload mechanics, not ownership: the old permissive rule, asked for
    sub = drive.files().create(body={"name": "2026-0001", "mimeType": "application/vnd.google-apps.folder",
                                     "parents": [folder]}, fields="id,name,mimeType,webViewLink").execute()
    assert sub["webViewLink"] == f"https://drive.google.com/drive/folders/{sub['id']}"
    payload = bytes(range(256)) * 40 + b"\r\n--boundary-lookalike\n\r\n"
    made = drive.files().create(body={"name": "Lembar Disposisi.pdf", "parents": [sub["id"]]},
                                media_body=MediaInMemoryUpload(payload, mimetype="application/pdf"),
                                fields="id,name,size,mimeType,parents").execute()
    assert made["size"] == str(len(payload)) and made["mimeType"] == "application/pdf"
    assert made["parents"] == [sub["id"]]
    assert standin.file_content(made["id"]) == payload
    assert standin.count(route="drive.files.upload") == 1
    big = os.urandom(600_000)
    res = drive.files().create(body={"name": "scan.tiff", "parents": [sub["id"]]},
                               media_body=MediaInMemoryUpload(big, mimetype="image/tiff", resumable=True,
                                                              chunksize=256 * 1024),
                               fields="id,size").execute()
    assert res["size"] == "600000" and standin.file_content(res["id"]) == big
    # a reader cannot add files to a folder
    ro_folder = standin.create_folder("Arsip", share_with=[(SA_EMAIL, "reader")])
    with pytest.raises(HttpError) as exc:
        drive.files().create(body={"name": "x", "parents": [ro_folder]},
                             media_body=MediaInMemoryUpload(b"x", mimetype="text/plain")).execute()
    assert exc.value.resp.status == 403


def test_drive_with_plain_api_endpoint(standin, sa_key, evidence):
    """build(..., credentials=..., client_options={"api_endpoint": standin.url}) calls /files."""
    from googleapiclient.discovery import build

    creds = clients.credentials(sa_key, clients.DRIVE_SCOPES)
    svc = build("drive", "v3", credentials=creds, client_options={"api_endpoint": standin.url},
                static_discovery=True, cache_discovery=False)
    got = svc.files().list(q="trashed = false", fields="files(name)", orderBy="name").execute()
    assert [f["name"] for f in got["files"]][:2] == ["foto_0.jpg", "foto_1.jpg"]
    assert [r.path for r in standin.requests if r.route == "drive.files.list"] == ["/files"]


# --- faults -----------------------------------------------------------------------------------------

def test_fault_kinds_seen_by_clients(standin, sa_key, sid):
    gc_ = clients.gspread_client(sa_key, standin.url, timeout=0.5)
    sh = gc_.open_by_key(sid)

    standin.faults.add("sheets.values.get", "429", retry_after=7)
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_get("Register")
    assert exc.value.code == 429 and exc.value.response.headers["Retry-After"] == "7"
    assert exc.value.error["status"] == "RESOURCE_EXHAUSTED"

    for kind, status in (("500", "INTERNAL"), ("503", "UNAVAILABLE")):
        standin.faults.add("sheets", kind)
        with pytest.raises(gspread.exceptions.APIError) as exc:
            sh.values_get("Register")
        assert exc.value.code == int(kind) and exc.value.error["status"] == status

    standin.faults.add("sheets.values.get", "slow", seconds=2)
    t0 = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        sh.values_get("Register")
    assert time.monotonic() - t0 < 1.5

    standin.faults.add(r"GET /v4/spreadsheets/[^/]+/values/", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        sh.values_get("Register")
    assert standin.requests[-1].status is None and standin.requests[-1].fault == "drop"

    # drop_after: the append happened although the client saw a dead connection
    standin.faults.add("sheets.values.append", "drop_after")
    with pytest.raises(requests.exceptions.ConnectionError):
        sh.worksheet("Register").append_rows([["dup?"]], value_input_option="RAW")
    assert standin.get_values(sid, "Register") == [["dup?"]]

    assert sh.values_get("Register")["values"] == [["dup?"]]  # faults are used up
    assert all(f.exhausted for f in standin.faults.rules)


def test_fault_probability_is_seeded(standin, sa_key, sid):
    def run() -> list[int]:
        with GoogleStandin(seed=42) as g:
            key = g.make_service_account_key(SA_EMAIL)
            s = g.create_spreadsheet("P", share_with=[SA_EMAIL])
            sh = clients.gspread_client(key, g.url).open_by_key(s)
            g.faults.add("sheets.values.get", "503", probability=0.5)
            codes = []
            for _ in range(12):
                try:
                    sh.values_get("Sheet1")
                    codes.append(200)
                except gspread.exceptions.APIError as e:
                    codes.append(e.code)
            return codes

    a, b = run(), run()
    assert a == b and 503 in a and 200 in a


def test_drive_faults(drive, evidence, standin):
    folder, _ids = evidence
    standin.faults.add("drive.files.list", "403")
    with pytest.raises(HttpError) as exc:
        drive.files().list(q=f"'{folder}' in parents").execute()
    body = json.loads(exc.value.content)
    assert exc.value.resp.status == 403
    assert body["error"]["errors"][0] == {"domain": "usageLimits", "reason": "rateLimitExceeded",
                                          "message": "Rate Limit Exceeded"}
    assert body["error"]["code"] == 403 and body["error"]["message"] == "Rate Limit Exceeded"
    standin.faults.add("drive", "503")
    with pytest.raises(HttpError) as exc:
        drive.files().list().execute()
    assert exc.value.resp.status == 503
    standin.faults.add("drive.files.list", "drop", count=5)  # httplib2 retries a dropped connection once
    with pytest.raises(Exception):
        drive.files().list().execute()
    standin.faults.clear()
    assert "files" in drive.files().list().execute()


# --- log & state -------------------------------------------------------------------------------------

def test_request_log_counts(gc, sid, standin, drive, evidence):
    standin.reset_log()
    sh = gc.open_by_key(sid)
    sh.values_batch_get([f"'{TAB}'!A1:F", "Register!A:C"])
    sh.worksheet("Register").append_rows([["a"]], value_input_option="RAW")
    drive.files().list().execute()
    assert standin.count(api="sheets") == 4  # open (get), batchGet, worksheet() (get), append
    assert standin.count(route="sheets.get") == 2
    assert standin.count(route="sheets.values") == 2
    assert standin.count(api="drive") == 1
    assert standin.count(api="oauth") == 2  # gspread's session and the Drive client each fetched a token
    assert [r.account for r in standin.requests if r.route == "oauth.token"] == [SA_EMAIL, SA_EMAIL]
    method, path, query, account, status = standin.requests[1]
    assert (method, path, account, status) == ("GET", f"/v4/spreadsheets/{sid}", SA_EMAIL, 200)
    assert query == "includeGridData=false"
    standin.reset_log()
    assert standin.count() == 0


def test_dump_and_load_state_roundtrip(tmp_path, standin, sa_key, sid, evidence):
    gc_ = clients.gspread_client(sa_key, standin.url)
    sh = gc_.open_by_key(sid)
    sh.worksheet("Register").update([["=1+2", "2026-11-28 08:00:00", 3.25]], "A1", value_input_option="USER_ENTERED")
    path = tmp_path / "state.json"
    standin.dump_state(path)
    before = {"form": standin.get_values(sid, TAB), "reg": standin.get_values(sid, "Register")}
    with GoogleStandin() as other:
        other.load_state(path)
        assert other.get_values(sid, TAB) == before["form"]
        assert other.get_values(sid, "Register") == before["reg"]
        assert isinstance(other.get_values(sid, "Register")[0][0], Formula)
        # the registered key travels with the state, so the same key file works
        key = dict(sa_key, token_uri=other.token_url)
        sh2 = clients.gspread_client(key, other.url).open_by_key(sid)
        # an ISO date-time typed by a user keeps its ISO display pattern, as in Google
        assert sh2.worksheet("Register").get("A1:C1") == [["3", "2026-11-28 08:00:00", "3,25"]]
        d2 = clients.drive_service(key, other.url)
        folder = evidence[0]
        assert len(d2.files().list(q=f"'{folder}' in parents and trashed = false").execute()["files"]) == 5
        assert other.file_content(evidence[1][0]) == bytes([0]) * 100
    assert json.loads(path.read_text())["version"] == 1


def test_main_serves_a_state_file(tmp_path):
    state = tmp_path / "state.json"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "tests.google_standin", "--state", str(state), "--port", "0"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line1 = proc.stdout.readline()
        line2 = proc.stdout.readline()
        assert line1.startswith("Google stand-in listening on http://127.0.0.1:")
        url = line1.rsplit(" ", 1)[1].strip()
        key_path = Path(line2.split(": ", 1)[1].strip())
        key = json.loads(key_path.read_text())
        assert key["type"] == "service_account" and key["token_uri"] == url + "/token"
        gc_ = clients.gspread_client(key, url)
        titles = [f["name"] for f in gc_.list_spreadsheet_files()]
        assert titles == ["SIAPMAS (Jawaban)"]  # the bundled sample, as README's trial says
        ws = gc_.open("SIAPMAS (Jawaban)").worksheet("Form Responses 1")
        assert ws.row_values(1)[0] == "Timestamp"
        # the configuration it prints is one `doctor` accepts (README: "Trying Google mode without Google")
        lines = []
        while not lines or not lines[-1].startswith("dir = "):
            lines.append(proc.stdout.readline().rstrip("\n"))
        block = "\n".join(lines[next(i for i, x in enumerate(lines) if x == "[source]"):])
        (tmp_path / "config").mkdir()
        config = tmp_path / "config" / "standin.toml"
        config.write_text(block + "\n", encoding="utf-8")
        doctor = run_cli(config, "doctor", env=env)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "Spreadsheet dapat ditulis" in doctor.stdout and "Traceback" not in doctor.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_service_account_key_shape(standin):
    key = standin.make_service_account_key("sync@siapmas-prod.iam.gserviceaccount.com")
    assert set(key) == {"type", "project_id", "private_key_id", "private_key", "client_email", "client_id",
                        "auth_uri", "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url",
                        "universe_domain"}
    assert key["project_id"] == "siapmas-prod" and key["token_uri"] == standin.url + "/token"
    assert key["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")
    assert len(key["private_key_id"]) == 40 and key["client_id"].isdigit()


def test_clear_columns_and_locale_input(gc, sid, standin):
    sh = gc.open_by_key(sid)
    sh.values_update("Register!A1", params={"valueInputOption": "USER_ENTERED"},
                     body={"majorDimension": "COLUMNS", "values": [["28/11/2026 14.05.33", "1.234,5"], ["+62812", "x"]]})
    assert standin.get_values(sid, "Register") == [[dt.datetime(2026, 11, 28, 14, 5, 33), 62812],
                                                   [1234.5, "x"]]
    got = sh.values_get("Register!A1:B2", params={"valueRenderOption": "UNFORMATTED_VALUE",
                                                  "dateTimeRenderOption": "FORMATTED_STRING"})
    assert got["values"] == [["28/11/2026 14.05.33", 62812], [1234.5, "x"]]
    cleared = sh.values_batch_clear(body={"ranges": ["Register!A1", "Register!B:B"]})
    assert cleared == {"spreadsheetId": sid, "clearedRanges": ["Register!A1", "Register!B1:B1000"]}
    assert standin.get_values(sid, "Register") == [[], [1234.5]]
    assert sh.values_clear("Register")["clearedRange"] == "Register!A1:Z1000"
    assert standin.get_values(sid, "Register") == []


def test_drive_update_trash_and_permissions(drive, evidence, standin, sa_key):
    folder, ids = evidence
    standin.service_account_quota = True  # an account that owns what it makes (the old rule, asked for)
    mine = drive.files().create(body={"name": "draft.txt", "parents": [folder]},
                                media_body=MediaInMemoryUpload(b"v1", mimetype="text/plain"), fields="id").execute()
    archive = drive.files().create(body={"name": "Arsip", "mimeType": "application/vnd.google-apps.folder",
                                         "parents": [folder]}, fields="id").execute()
    moved = drive.files().update(fileId=mine["id"], addParents=archive["id"], removeParents=folder,
                                 body={"name": "final.txt"},
                                 media_body=MediaInMemoryUpload(b"v2", mimetype="text/plain"),
                                 fields="name,parents,size").execute()
    assert moved == {"name": "final.txt", "parents": [archive["id"]], "size": "2"}
    assert standin.file_content(mine["id"]) == b"v2"
    owned = drive.files().list(q="'me' in owners and trashed = false", fields="files(name)", orderBy="name").execute()
    assert [f["name"] for f in owned["files"]] == ["Arsip", "final.txt"]
    drive.files().update(fileId=mine["id"], body={"trashed": True}).execute()
    assert drive.files().get(fileId=mine["id"], fields="trashed").execute() == {"trashed": True}
    perm = drive.permissions().create(fileId=archive["id"], body={"type": "user", "role": "reader",
                                                                  "emailAddress": "kabag@dprd.example"},
                                      sendNotificationEmail=False).execute()
    assert perm["role"] == "reader" and perm["type"] == "user"
    assert standin.store.role("kabag@dprd.example", mine["id"]) == "reader"  # inherited through the folder
    with pytest.raises(HttpError) as exc:  # only the owner may delete; the folder belongs to the operator
        drive.files().delete(fileId=folder).execute()
    assert exc.value.resp.status == 403
    drive.files().delete(fileId=archive["id"]).execute()
    assert standin.find_files("final.txt") == []


# --- Google's published constraints (tests/google_standin/README.md, "Constraints") ---------------

def _api_error(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.error if isinstance(exc.value, gspread.exceptions.APIError) else json.loads(exc.value.content)["error"]


def test_empty_batch_update_is_refused_as_google_does(gc, sid, standin):
    sh = gc.open_by_key(sid)
    for body in ({"requests": []}, {"requests": [], "includeSpreadsheetInResponse": False}, {}):
        with pytest.raises(gspread.exceptions.APIError) as exc:
            sh.batch_update(body)
        assert exc.value.code == 400
        assert exc.value.error == {"code": 400, "message": "Must specify at least one request.",
                                   "status": "INVALID_ARGUMENT"}
    assert standin.count(route="sheets.batchUpdate", status=200) == 0


def test_drive_capabilities_follow_the_sharing(drive, standin, sa_key):
    writer = standin.create_spreadsheet("Editor", share_with=[(SA_EMAIL, "writer")])
    reader = standin.create_spreadsheet("Viewer", share_with=[(SA_EMAIL, "reader")])
    commenter = standin.create_spreadsheet("Komentar", share_with=[(SA_EMAIL, "commenter")])
    got = {fid: drive.files().get(fileId=fid, fields="capabilities(canEdit)", supportsAllDrives=True).execute()
           for fid in (writer, reader, commenter)}
    assert got[writer] == {"capabilities": {"canEdit": True}}
    assert got[reader] == {"capabilities": {"canEdit": False}}
    assert got[commenter] == {"capabilities": {"canEdit": False}}
    standin.unshare(writer, SA_EMAIL)
    with pytest.raises(HttpError) as exc:
        drive.files().get(fileId=writer, fields="capabilities(canEdit)").execute()
    assert exc.value.resp.status == 404  # Drive hides what the account cannot see


def test_fields_masks_naming_unknown_fields_are_refused(gc, sid, drive, evidence):
    ok = gc.http_client.fetch_sheet_metadata(sid, params={"fields": "properties(title,timeZone),sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)))"})
    assert ok["properties"]["title"] == "SIAPMAS Aspirasi" and set(ok) == {"properties", "sheets"}
    for mask, path in (("properties(titel)", "properties.titel"), ("sheets.propertees", "sheets.propertees"),
                       ("properties, sheets.properties", " sheets")):  # Sheets reads the space literally
        with pytest.raises(gspread.exceptions.APIError) as exc:
            gc.http_client.fetch_sheet_metadata(sid, params={"fields": mask})
        assert exc.value.code == 400
        assert exc.value.error == {"code": 400, "status": "INVALID_ARGUMENT", "message":
                                   f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'."}
    folder, _ids = evidence
    listed = drive.files().list(q=f"'{folder}' in parents", fields="nextPageToken, files(id, name, capabilities(canEdit))").execute()
    assert listed["files"] and set(listed["files"][0]) == {"id", "name", "capabilities"}  # Drive tolerates the spaces
    with pytest.raises(HttpError) as exc:
        drive.files().list(q=f"'{folder}' in parents", fields="nextPageToken, items(id, title)").execute()
    err = json.loads(exc.value.content)["error"]
    assert exc.value.resp.status == 400 and err["message"] == "Invalid field selection items"
    assert err["errors"][0]["reason"] == "invalidParameter" and err["errors"][0]["location"] == "fields"


def test_a_cell_holds_at_most_50000_characters(gc, sid, standin):
    sh = gc.open_by_key(sid)
    before = standin.get_values(sid, "Register")
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_batch_update({"valueInputOption": "RAW", "data": [
            {"range": "Register!A1", "values": [["ok"]]},
            {"range": "Register!B1", "values": [["x" * 50_001]]}]})
    assert exc.value.code == 400
    assert exc.value.error == {"code": 400, "status": "INVALID_ARGUMENT", "message":
                               "Your input contains more than the maximum of 50000 characters in a single cell."}
    assert standin.get_values(sid, "Register") == before  # nothing of the batch was applied
    for option in ("RAW", "USER_ENTERED"):
        with pytest.raises(gspread.exceptions.APIError):
            sh.values_update("Register!A1", params={"valueInputOption": option}, body={"values": [["y" * 50_001]]})
    sh.values_update("Register!A1", params={"valueInputOption": "RAW"}, body={"values": [["z" * 50_000]]})
    assert len(standin.get_values(sid, "Register")[0][0]) == 50_000


def test_growing_past_ten_million_cells_is_refused(gc, sid, standin):
    sh = gc.open_by_key(sid)
    sheet_id = sh.worksheet("Register").id
    rows_total = sum(w.row_count * w.col_count for w in sh.worksheets())
    room = 10_000_000 - rows_total
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [
            {"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": 10}},
            {"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": room // 26 + 1}}]})
    assert exc.value.code == 400
    assert exc.value.error["message"] == ("Invalid requests[1].appendDimension: This action would increase the number "
                                          "of cells in the workbook above the limit of 10000000 cells.")
    assert sh.worksheet("Register").row_count == 1000  # the whole batch was refused
    sh.batch_update({"requests": [{"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": room // 26}}]})
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [{"addSheet": {"properties": {"title": "Lagi"}}}]})
    assert "above the limit of 10000000 cells" in exc.value.error["message"]


def test_request_payload_over_ten_megabytes_is_refused(gc, sid):
    sh = gc.open_by_key(sid)
    data = [{"range": f"Register!A{i + 1}", "values": [["x" * 40_000]]} for i in range(270)]
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_batch_update({"valueInputOption": "RAW", "data": data})
    assert exc.value.code == 400
    assert exc.value.error["message"] == "Request payload size exceeds the limit: 10485760 bytes."


def test_drive_query_and_page_size_rules(drive, evidence):
    folder, _ids = evidence
    files = drive.files()
    assert files.list(q=f"'{folder}' in parents and modifiedTime > '2026-11-28T07:00:00.000Z'",
                      pageSize=1000, orderBy="modifiedTime").execute()["files"]
    assert files.list(q="name = 'O\\'Brien.jpg'", pageSize=1).execute()["files"] == []  # escaped quote
    bad = [dict(q=f"'{folder}' in parents and modifiedTime > '2026-11-28'"),   # not RFC 3339
           dict(q=f"'{folder}' in parents and modifiedTime > '2026-11-28 07:00:00'"),
           dict(q="name = 'O'Brien.jpg'"),                                     # unescaped quote
           dict(q=f"'{folder}' in parents", pageSize=0),
           dict(q=f"'{folder}' in parents", orderBy="modified")]
    for kwargs in bad:
        with pytest.raises(HttpError) as exc:
            files.list(**kwargs).execute()
        assert exc.value.resp.status == 400, kwargs


def test_upload_metadata_must_be_writable(drive, evidence, standin):
    folder, ids = evidence
    standin.service_account_quota = True  # which fields may be written, not who owns the file
    media = MediaInMemoryUpload(b"%PDF-1.4 x", mimetype="application/pdf")
    with pytest.raises(HttpError) as exc:
        drive.files().create(body={"name": "a.pdf", "parents": [folder], "size": "10"}, media_body=media).execute()
    assert exc.value.resp.status == 403 and json.loads(exc.value.content)["error"]["errors"][0]["reason"] == "fieldNotWritable"
    with pytest.raises(HttpError) as exc:
        drive.files().update(fileId=ids[0], body={"parents": [folder]}).execute()
    assert exc.value.resp.status == 403 and "addParents" in json.loads(exc.value.content)["error"]["message"]
    created = drive.files().create(body={"name": "a.pdf", "parents": [folder]}, media_body=media, fields="id").execute()
    assert standin.find_files("a.pdf", folder) == [created["id"]]


def test_spreadsheet_version_shows_in_drive_after_the_lag(gc, sid, drive, standin):
    """Every edit bumps the spreadsheet's Drive version and modifiedTime, visible in
    files.get only `drive_lag` seconds later (googleapis/google-api-go-client#444); the
    request log keeps the bytes of each answer."""
    now = [1_800_000_000.0]
    standin.store.lag_clock = lambda: now[0]
    standin.store.drive_lag = 180.0

    def stamp() -> dict:
        return drive.files().get(fileId=sid, fields="modifiedTime,version").execute()

    before = stamp()
    assert set(before) == {"modifiedTime", "version"}
    standin.reset_log()
    gc.open_by_key(sid).sheet1.update([["diubah"]], "A2")
    now[0] += 60
    assert stamp() == before  # inside the lag: Drive still shows the old version
    now[0] += 121
    after = stamp()
    assert int(after["version"]) > int(before["version"])
    gets = [r for r in standin.requests if r.route == "drive.files.get"]
    assert gets and all(0 < r.bytes_out <= 2048 for r in gets)
    write = [r for r in standin.requests if r.api == "sheets" and r.method == "PUT"]
    assert write and write[0].bytes_in > 0
    standin.store.drive_lag = 0.0
    assert stamp()["version"] == after["version"]
