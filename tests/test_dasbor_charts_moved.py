"""A Dasbor chart a user moved to its own sheet (the chart id kept), deleted or edited never
stops the write-back: new numbers still reach Buku Agenda. Google refuses an addChart whose
id exists anywhere in the spreadsheet (400), which is what every later cycle used to send."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from siapmas_sync.dasbor import sheets as dasbor_sheets
from siapmas_sync.dasbor.layout import TAB

from .conftest import WIB, Clock
from .google_standin import clients
from .google_standin.server import GoogleStandin
from .test_contract import response
from .worlds import GoogleWorld


@pytest.fixture
def standin() -> Iterator[GoogleStandin]:
    with GoogleStandin() as g:
        yield g


@pytest.fixture
def world(tmp_path: Path, standin: GoogleStandin) -> Iterator[GoogleWorld]:
    w = GoogleWorld(tmp_path, Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB)), standin)
    yield w
    w.close()


def charts_by_tab(standin: GoogleStandin, sid: str) -> dict[str, list[int]]:
    with standin.lock:
        return {sh["properties"]["title"]: [c["chartId"] for c in sh.get("charts", [])]
                for sh in standin.store.spreadsheets[sid]["sheets"] if sh.get("charts")}


def move_to_own_sheet(world: GoogleWorld, chart_id: int) -> dict:
    """What "Move to own sheet" in the chart's menu does, sent through the real gspread."""
    key = json.loads(world.key_path.read_text(encoding="utf-8"))
    sh = clients.gspread_client(key, world.standin.url, timeout=5).open_by_key(world.sid)
    return sh.batch_update({"requests": [{"updateEmbeddedObjectPosition": {
        "objectId": chart_id, "newPosition": {"newSheet": True}}}]})


def agenda(world: GoogleWorld) -> list[str]:
    return [r[2] for r in world.tab("Buku Agenda")[1:] if len(r) > 2]


def test_a_chart_moved_to_its_own_sheet_leaves_the_write_back_complete(world: GoogleWorld, standin: GoogleStandin):
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    moved = charts_by_tab(standin, world.sid)[TAB][1]
    reply = move_to_own_sheet(world, moved)
    new_sheet = reply["replies"][0]["updateEmbeddedObjectPosition"]["position"]["sheetId"]
    on_own = {t: ids for t, ids in charts_by_tab(standin, world.sid).items() if t != TAB}
    assert list(on_own.values()) == [[moved]] and len(charts_by_tab(standin, world.sid)[TAB]) == 2
    with standin.lock:
        props = next(s["properties"] for s in standin.store.spreadsheets[world.sid]["sheets"]
                     if s["properties"]["sheetId"] == new_sheet)
    assert props["sheetType"] == "OBJECT"

    world.add_responses([response(10, "Budi"), response(20, "Citra")])
    standin.reset_log()
    report = world.engine().cycle()  # the next scheduled process: fresh metadata
    assert report.new == ["0002/SIAPMAS/2026", "0003/SIAPMAS/2026"]
    assert agenda(world) == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026", "0003/SIAPMAS/2026"]
    assert standin.count(route="sheets.batchUpdate", status=400) == 0
    after = charts_by_tab(standin, world.sid)
    assert [moved] in after.values() and moved not in after[TAB] and len(after[TAB]) == 2  # left where the user put it
    assert any("dipindahkan" in n for n in report.notices)
    rows = {r[0]: r[1:] for r in world.tab(TAB) if r}
    assert rows["Total aduan 2026"][0] == 3


def test_a_dasbor_google_keeps_refusing_never_holds_the_register(world: GoogleWorld, standin: GoogleStandin,
                                                                 monkeypatch: pytest.MonkeyPatch):
    """The request the worker sent before this fix (addChart for every id not on the Dasbor
    tab) is still refused by Google; the register is written all the same."""
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    move_to_own_sheet(world, charts_by_tab(standin, world.sid)[TAB][0])
    original = dasbor_sheets.requests_for
    monkeypatch.setattr(dasbor_sheets, "requests_for",
                        lambda view, **kw: original(view, **{**kw, "elsewhere": None}))
    world.add_responses([response(10, "Budi")])
    standin.reset_log()
    report = world.engine().cycle()
    assert report.new == ["0002/SIAPMAS/2026"] and agenda(world) == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]
    assert standin.count(route="sheets.batchUpdate", status=400) == 2  # refused, looked again, refused
    assert any("Dasbor tidak diperbarui" in n and "already exists" in n for n in report.notices)
    monkeypatch.undo()
    report = world.engine().cycle()  # drawn again on the next cycle, now without the refused request
    assert not any("Dasbor tidak diperbarui" in n for n in report.notices)
    assert {r[0]: r[1:] for r in world.tab(TAB) if r}["Total aduan 2026"][0] == 2
