"""Idle cycles (siapmas_sync/cycle/idle.py): when nothing changed, a cycle costs one small Drive
request and no Sheets request; an edit is still picked up although Drive shows it only
minutes later; the sheet is read in full at least every `full_read_minutes`; our own
write-back does not keep the worker reading forever. Through the stand-in, whose Drive
shows a spreadsheet's new version `drive_lag` seconds after the edit (on the test clock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from siapmas_sync.cycle.idle import Cursor, decide

from .conftest import Clock
from .google_standin.server import GoogleStandin
from .test_contract import response
from .worlds import GoogleWorld, LocalWorld, rows_as_dicts

STANDIN_LAG = timedelta(minutes=3)  # what Google's Drive shows (googleapis/google-api-go-client#444)
LAG = timedelta(minutes=5)  # [schedule] drive_lag_minutes (default)
STEP = timedelta(minutes=2)  # the cycle interval of these tests


@pytest.fixture
def standin(clock: Clock) -> Iterator[GoogleStandin]:
    with GoogleStandin(drive_lag=STANDIN_LAG.total_seconds(), drive_clock=lambda: clock().timestamp()) as g:
        yield g


@pytest.fixture
def world(tmp_path: Path, clock: Clock, standin: GoogleStandin) -> Iterator[GoogleWorld]:
    w = GoogleWorld(tmp_path, clock, standin)
    yield w
    w.close()


def run(engine, standin: GoogleStandin) -> tuple[object, dict[str, int]]:
    standin.reset_log()
    report = engine.cycle()
    drive = [r for r in standin.requests if r.api == "drive"]
    return report, {"sheets": standin.count(api="sheets"), "drive": len(drive),
                    "drive_bytes": sum(r.bytes_out for r in drive)}


def settle(engine, standin: GoogleStandin, clock: Clock, limit: int = 12) -> int:
    """Cycle every STEP until a cycle makes no Sheets request; the number of full reads."""
    full = 0
    for _ in range(limit):
        clock.now += STEP
        _report, c = run(engine, standin)
        if c["sheets"] == 0:
            return full
        full += 1
    raise AssertionError("never idle")


def test_idle_cycle_is_one_small_drive_request(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    engine = world.engine()
    world.add_responses([response(0, "Ani"), response(5, "Budi")])
    report, _ = run(engine, standin)
    assert len(report.new) == 2
    settle(engine, standin, clock)
    for _ in range(3):
        clock.now += STEP
        report, c = run(engine, standin)
        assert c == {"sheets": 0, "drive": 1, "drive_bytes": c["drive_bytes"]}
        assert 0 < c["drive_bytes"] <= 2048
        get = [r for r in standin.requests if r.api == "drive"][0]
        assert get.route == "drive.files.get" and world.sid in get.path and "version" in get.query
        assert report.new == [] and report.cells_written == 0
        assert any("tidak dibaca ulang" in n for n in report.notices)


def test_edit_inside_the_lag_window_is_picked_up(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    engine = world.engine()
    world.add_responses([response(0, "Ani")])
    run(engine, standin)
    settle(engine, standin, clock)
    # a citizen answers the form; Drive shows the new version only STANDIN_LAG later
    clock.now += timedelta(seconds=30)
    world.add_responses([response(30, "Citra")])
    seen_at = None
    for _ in range(6):
        clock.now += timedelta(minutes=1)
        report, c = run(engine, standin)
        if report.new:
            seen_at = clock.now
            break
    assert seen_at is not None, "the edit was never read"
    assert report.new == ["0002/SIAPMAS/2026"]
    assert world.responses()[-1]["No. Agenda"] == "0002/SIAPMAS/2026"


def test_full_read_at_least_every_full_read_minutes(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    engine = world.engine()
    world.add_responses([response(0, "Ani")])
    first = clock.now
    run(engine, standin)  # the first read is a periodic one (it also writes the clock cells)
    settle(engine, standin, clock)
    reads = []
    while clock.now < first + timedelta(minutes=60):
        clock.now = min(clock.now + timedelta(minutes=10), first + timedelta(minutes=60))
        _report, c = run(engine, standin)
        reads.append((clock.now - first, c["sheets"]))
    assert [n for age, n in reads if age < timedelta(minutes=60)] == [0] * (len(reads) - 1)
    assert reads[-1] == (timedelta(minutes=60), reads[-1][1]) and reads[-1][1] >= 1  # the hourly full read
    # and with the check switched off, every cycle reads in full ("before")
    off = world.engine(SIAPMAS_SCHEDULE__FULL_READ_MINUTES="0")
    for _ in range(2):
        clock.now += STEP
        _report, c = run(off, standin)
        assert c["sheets"] >= 1 and c["drive"] == 0


def test_own_write_back_settles_after_the_lag_window(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    engine = world.engine()
    run(engine, standin)
    settle(engine, standin, clock)
    world.add_responses([response(0, "Ani")])
    clock.now += STEP
    report, c = run(engine, standin)
    while not report.new:  # Drive shows the new response a little later
        clock.now += STEP
        report, c = run(engine, standin)
    assert report.cells_written > 0  # our own write-back: Drive's version changes because of it
    wrote_at = clock.now
    full = settle(engine, standin, clock)
    # bounded: our write shows in Drive after its lag, then one lag window of full reads
    assert clock.now <= wrote_at + STANDIN_LAG + LAG + 2 * STEP
    assert full <= (STANDIN_LAG + LAG) // STEP + 1
    for _ in range(5):  # and stays idle
        clock.now += STEP
        _report, c = run(engine, standin)
        assert c["sheets"] == 0


def test_a_step_recorded_in_the_ledger_is_written_back(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    """The ledger changing without the sheet (a step recorded from the command line, a
    render done) must still reach the sheet: the idle check compares the ledger too."""
    engine = world.engine()
    world.add_responses([response(0, "Ani")])
    run(engine, standin)
    settle(engine, standin, clock)
    with engine.ledger.tx() as conn:
        for item in engine.ledger.item_records():
            engine.ledger.update_item(conn, item.key, {"tahap": "PARAF KASUBAG TU", "updated_at": clock.now})
    clock.now += STEP
    report, c = run(engine, standin)
    assert c["sheets"] >= 1 and report.cells_written > 0
    assert world.responses()[-1]["Tahap"] == "PARAF KASUBAG TU"


def test_local_backend_skips_an_unchanged_register(tmp_path: Path, clock: Clock):
    world = LocalWorld(tmp_path, clock)
    try:
        engine = world.engine()
        world.add_responses([response(0, "Ani")])
        assert engine.cycle().new == ["0001/SIAPMAS/2026"]
        clock.now += STEP
        engine.cycle()  # our own register write changed its mtime: read once more
        clock.now += STEP
        idle = engine.cycle()
        assert any("tidak dibaca ulang" in n for n in idle.notices)
        world.add_responses([response(10, "Budi")])
        clock.now += STEP
        assert engine.cycle().new == ["0002/SIAPMAS/2026"]
    finally:
        world.close()


def test_decide_never_trusts_a_stamp_inside_the_lag_window(clock: Clock):
    from siapmas_sync.ledger import utc_iso

    now = clock.now
    stamp = {"version": "7", "modifiedTime": "2026-11-28T06:50:00.000Z"}
    cur = Cursor(stamp, utc_iso(now - timedelta(minutes=10)), utc_iso(now - timedelta(minutes=4)), "L")
    kw = {"lag": LAG, "full_every": timedelta(minutes=60)}
    assert decide(now, stamp, cur, "L", **kw) == "perubahan terakhir masih dalam jeda Drive"
    assert decide(now + timedelta(minutes=1), stamp, cur, "L", **kw) is None
    assert decide(now + timedelta(minutes=1), {**stamp, "version": "8"}, cur, "L", **kw) == "spreadsheet berubah"
    assert decide(now + timedelta(minutes=1), stamp, cur, "M", **kw) == "buku besar berubah"
    assert decide(now + timedelta(minutes=50), stamp, cur, "L", **kw) == "pembacaan penuh berkala"
    assert decide(now, None, cur, "L", **kw) is not None and decide(now, stamp, None, "L", **kw) is not None
    due = Cursor(stamp, cur.read_at, cur.changed_at, "L", utc_iso(now + timedelta(minutes=2)))
    assert decide(now + timedelta(minutes=3), stamp, due, "L", **kw) == "batas waktu SLA terlewati"
    # frequent reads caused by changes do not postpone the periodic one (the clock cells)
    busy = Cursor(stamp, utc_iso(now - timedelta(minutes=6)), utc_iso(now - timedelta(minutes=6)), "L", None,
                  utc_iso(now - timedelta(minutes=61)))
    assert decide(now, stamp, busy, "L", **kw) == "pembacaan penuh berkala"


def test_late_items_do_not_keep_the_sheet_busy(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    """A late item's "Terlambat" changes every minute. Only the periodic full read rewrites
    it: otherwise each read would write it, Drive would show that write as a change, and
    the sheet would be read in full forever."""
    from siapmas_sync.core.kendali_sheet import KENDALI_TAB

    clock.now = clock.now.replace(day=30, hour=8, minute=0)  # Monday, office hours
    engine = world.engine()
    world.add_responses([response(0, "Ani")])
    assert run(engine, standin)[0].new == ["0001/SIAPMAS/2026"]
    clock.now += timedelta(minutes=30)  # TERAGENDA's 10 minutes are long gone: late
    run(engine, standin)  # a deadline passed: read, and the clocks written
    late = {r["No. Agenda"]: r["Terlambat"] for r in rows_as_dicts(world.tab(KENDALI_TAB))}["0001/SIAPMAS/2026"]
    assert late
    settle(engine, standin, clock)
    for _ in range(5):  # late, every minute a different "Terlambat", and yet idle
        clock.now += STEP
        _report, c = run(engine, standin)
        assert c["sheets"] == 0
    clock.now += timedelta(minutes=60)  # the periodic full read brings the clock up to date
    report, c = run(engine, standin)
    assert c["sheets"] >= 1 and report.cells_written >= 1
    now_late = {r["No. Agenda"]: r["Terlambat"] for r in rows_as_dicts(world.tab(KENDALI_TAB))}["0001/SIAPMAS/2026"]
    assert now_late != late
