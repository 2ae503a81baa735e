"""The Dasbor's worker-alive formula parses in the spreadsheet's locale: in an in_ID sheet
(decimal comma) Google separates arguments with ';' and shows #ERROR! ("Formula parse
error") for the commas an en_US sheet uses. Read back through the real gspread client as
the officials see it (FORMATTED_VALUE); NOW() is the stand-in's (real) time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from siapmas_sync.dasbor.layout import TAB, warning_formula

from .conftest import WIB, Clock
from .google_standin import clients
from .google_standin.server import GoogleStandin
from .test_contract import response
from .worlds import GoogleWorld


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(WIB))  # the service account's JWT is checked against real time


@pytest.fixture
def standin() -> Iterator[GoogleStandin]:
    with GoogleStandin() as g:
        yield g


def shown(world: GoogleWorld, cell: str) -> str:
    key = json.loads(world.key_path.read_text(encoding="utf-8"))
    ws = clients.gspread_client(key, world.standin.url, timeout=5).open_by_key(world.sid).worksheet(TAB)
    return ws.acell(cell).value


@pytest.mark.parametrize("locale", ["in_ID", "en_US"])
def test_the_worker_warning_evaluates_in_the_sheets_locale(tmp_path: Path, standin: GoogleStandin, clock: Clock,
                                                           locale: str):
    world = GoogleWorld(tmp_path, clock, standin)
    with standin.lock:
        standin.store.spreadsheets[world.sid]["properties"]["locale"] = locale
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    assert shown(world, "B5").startswith("Worker aktif: sinkron terakhir ")
    # six hours later without a sync (the last-sync value moved back): the sheet says so on its own
    standin.set_values(world.sid, TAB, [["Sinkron terakhir", (clock.now - timedelta(hours=6)).replace(tzinfo=None)]],
                       start_row=3)
    assert shown(world, "B5").startswith("PERINGATAN: worker belum sinkron sejak ")


def test_comma_separated_arguments_do_not_parse_in_an_in_id_sheet(tmp_path: Path, standin: GoogleStandin,
                                                                  clock: Clock):
    """What the stand-in refuses, as Google does: the formula as the XLSX stores it."""
    world = GoogleWorld(tmp_path, clock, standin)
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    key = json.loads(world.key_path.read_text(encoding="utf-8"))
    ws = clients.gspread_client(key, standin.url, timeout=5).open_by_key(world.sid).worksheet(TAB)
    ws.update([[warning_formula().text]], "F5", value_input_option="USER_ENTERED")
    assert ws.acell("F5").value == "#ERROR!"
    ws.update([[warning_formula().in_locale("in_ID")]], "F5", value_input_option="USER_ENTERED")
    assert ws.acell("F5").value.startswith("Worker aktif")
