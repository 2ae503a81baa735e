"""The batchGet reply parsed as it streams in: rows per range, in order; a cut-off reply
is a transient error (retried), never a short table taken for the whole sheet."""

from __future__ import annotations

import io
import json

import pytest
import requests

from siapmas_sync.backends.google_http import is_transient
from siapmas_sync.backends.base import FullTable
from siapmas_sync.backends.valuestream import read_value_ranges
from siapmas_sync.core.models import SheetTable


def reply(body: bytes) -> requests.Response:
    resp = requests.Response()
    resp.status_code = 200
    resp.raw = io.BytesIO(body)
    return resp


def readers(*titles: str) -> list[FullTable]:
    return [FullTable(t) for t in titles]


TITLES = ("Form Responses 1", "Buku Agenda", "Kendali")
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
    tables = read_value_ranges(reply(json.dumps(BODY).encode()), readers(*TITLES))
    first = BODY["valueRanges"][0]["values"]
    assert tables == [SheetTable(TITLES[0], first[0], [tuple(r) for r in first[1:]]),
                      SheetTable("Buku Agenda", [], []),
                      SheetTable("Kendali", ["No. Agenda", "Rahasia"], [("0001/SIAPMAS/2026", True)])]
    assert isinstance(tables[0].rows[0][0], float) and tables[2].rows[0][1] is True
    # short repeated cells are shared, not copied row after row
    again = read_value_ranges(reply(json.dumps(BODY).encode()), readers(*TITLES))
    assert again[0].rows[0][1] is tables[0].rows[0][1]


def test_each_row_reaches_its_reader_as_it_arrives() -> None:
    seen: list[tuple[str, object]] = []

    class Recorder(FullTable):
        def header(self, header):  # type: ignore[no-untyped-def]
            seen.append((self.table.title, "header"))

        def row(self, row):  # type: ignore[no-untyped-def]
            seen.append((self.table.title, row[0]))

    read_value_ranges(reply(json.dumps(BODY).encode()), [Recorder(t) for t in TITLES])
    assert seen == [("Form Responses 1", "header"), ("Form Responses 1", 46353.5), ("Form Responses 1", 46354.25),
                    ("Kendali", "header"), ("Kendali", "0001/SIAPMAS/2026")]


def test_missing_ranges_are_empty_tables() -> None:
    assert read_value_ranges(reply(b'{"spreadsheetId": "x"}'), readers("A", "B")) == [SheetTable("A"), SheetTable("B")]


def test_a_reply_cut_off_mid_way_is_a_transient_error() -> None:
    body = json.dumps(BODY).encode()
    with pytest.raises(ConnectionError) as err:
        read_value_ranges(reply(body[: len(body) // 2]), readers(*TITLES))
    assert is_transient(err.value)


def test_a_garbled_reply_is_retried_too() -> None:
    with pytest.raises(ConnectionError, match="terputus atau rusak") as err:
        read_value_ranges(reply(b"<html>Service Unavailable</html>"), readers("A"))
    assert is_transient(err.value)
