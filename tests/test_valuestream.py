"""The batchGet reply parsed as it streams in: rows per range, in order; a cut-off reply
is a transient error (retried), never a short table taken for the whole sheet."""

from __future__ import annotations

import io
import json

import pytest
import requests

from siapmas_sync.backends.google_http import is_transient
from siapmas_sync.backends.valuestream import read_value_ranges


def reply(body: bytes) -> requests.Response:
    resp = requests.Response()
    resp.status_code = 200
    resp.raw = io.BytesIO(body)
    return resp


BODY = {
    "spreadsheetId": "x",
    "valueRanges": [
        {"range": "'Form Responses 1'!A1:C3", "majorDimension": "ROWS",
         "values": [["Timestamp", "Nama", "Kronologi"], [46353.5, "Siti", "Jalan rusak " * 400], [46354.25, "Budi"]]},
        {"range": "'Buku Agenda'!A1:Z1000", "majorDimension": "ROWS"},  # an empty tab has no "values"
        {"range": "Kendali!A1:B2", "majorDimension": "ROWS", "values": [["No. Agenda", "Rahasia"], ["0001/SIAPMAS/2026", True]]},
    ],
}


def test_rows_of_each_range_in_request_order_with_their_types() -> None:
    tables = read_value_ranges(reply(json.dumps(BODY).encode()), 3)
    assert tables == [[tuple(r) for r in BODY["valueRanges"][0]["values"]], [],
                      [("No. Agenda", "Rahasia"), ("0001/SIAPMAS/2026", True)]]
    assert isinstance(tables[0][1][0], float) and tables[2][1][1] is True
    # short repeated cells are shared, not copied row after row
    again = read_value_ranges(reply(json.dumps(BODY).encode()), 3)
    assert again[0][1][1] is tables[0][1][1]


def test_missing_ranges_are_empty_tables() -> None:
    assert read_value_ranges(reply(b'{"spreadsheetId": "x"}'), 2) == [[], []]


def test_a_reply_cut_off_mid_way_is_a_transient_error() -> None:
    body = json.dumps(BODY).encode()
    with pytest.raises(ConnectionError) as err:
        read_value_ranges(reply(body[: len(body) // 2]), 3)
    assert is_transient(err.value)


def test_a_garbled_reply_is_retried_too() -> None:
    with pytest.raises(ConnectionError, match="terputus atau rusak") as err:
        read_value_ranges(reply(b"<html>Service Unavailable</html>"), 1)
    assert is_transient(err.value)
