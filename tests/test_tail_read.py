"""A change read as a change (siapmas_sync/cycle/tailread.py): after a new response the cycle
reads the response tab from the last known row, Kendali's key and editable columns and
Pemberitahuan — never the product's own tabs — and writes what a full read would; an
edited old answer, a deleted row and an inserted row are each caught, by the same cycle
(the last known row moved) or by the next periodic full read, with the existing guards.
Through the stand-in, whose Drive shows a new version minutes after the edit."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from siapmas_sync.core.kendali_sheet import KENDALI_TAB

from .conftest import Clock
from .google_standin.server import GoogleStandin
from .test_contract import agenda_by_name, response
from .test_idle import STEP, run, settle
from .worlds import GoogleWorld, rows_as_dicts

OWN_TABS = ("Buku Agenda", "Riwayat", "Buku Surat Keluar")


@pytest.fixture
def standin(clock: Clock) -> Iterator[GoogleStandin]:
    with GoogleStandin(drive_lag=180, drive_clock=lambda: clock().timestamp()) as g:
        yield g


@pytest.fixture
def world(tmp_path: Path, clock: Clock, standin: GoogleStandin) -> Iterator[GoogleWorld]:
    w = GoogleWorld(tmp_path, clock, standin)
    yield w
    w.close()


def ranges_read(standin: GoogleStandin) -> list[str]:
    gets = [r for r in standin.requests if r.route == "sheets.values.batchGet"]
    return [rng for r in gets for rng in urllib.parse.parse_qs(r.query).get("ranges", [])]


def registered(world: GoogleWorld, standin: GoogleStandin, clock: Clock, n: int):
    engine = world.engine()
    world.add_responses([response(i, f"Warga {i}", f"Jalan rusak di dusun {i}, mohon diperbaiki segera.")
                         for i in range(n)])
    report, _ = run(engine, standin)
    assert len(report.new) == n
    settle(engine, standin, clock)
    return engine


def until_read(engine, standin: GoogleStandin, clock: Clock):
    """Cycle every STEP until one reads the sheet (Drive shows the change minutes later)."""
    for _ in range(6):
        clock.now += STEP
        report, c = run(engine, standin)
        if c["sheets"]:
            return report
    raise AssertionError("the change was never read")


def full_read(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    """The periodic full read (`full_read_minutes` later)."""
    clock.now += timedelta(minutes=61)
    report, c = run(world.engine(), standin)
    assert any(r.startswith("'Buku Agenda'") for r in ranges_read(standin))
    return report


def test_one_new_response_is_read_as_a_change(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    engine = registered(world, standin, clock, 12)
    world.add_responses([response(300, "Citra", "Pupuk langka di Kecamatan Dawarblandong.")])
    report = until_read(engine, standin, clock)
    assert report.new == ["0013/SIAPMAS/2026"]
    ranges = ranges_read(standin)
    # the header, the rows from the last known one (sheet row 13), Kendali's key and editable columns
    assert ranges[:2] == ["'Form Responses 1'!A1:" + ranges[0].split(":")[1], ranges[1]]
    assert ranges[1].startswith("'Form Responses 1'!A13:") and ranges[1][-1].isalpha()  # open-ended, as Google takes it
    assert any(r.startswith(f"'{KENDALI_TAB}'!A1:A") for r in ranges)
    assert not any(r.startswith(tuple(f"'{t}'" for t in OWN_TABS)) for r in ranges)  # own tabs never read back
    gets = [r for r in standin.requests if r.route == "sheets.values.batchGet"]
    assert gets and all(r.encoding == "gzip" for r in gets)  # asked as Google requires for a compressed reply
    assert "majorDimension=COLUMNS" in gets[-1].query  # the operators' columns come column by column
    # everything a full read writes is there: the status, the registers, the Kendali row
    assert agenda_by_name(world)["Citra"] == "0013/SIAPMAS/2026"
    assert world.responses()[-1]["Tahap"] == "TERAGENDA"
    assert [b["No. Agenda"] for b in rows_as_dicts(world.tab("Buku Agenda"))][-2:] == [
        "0012/SIAPMAS/2026", "0013/SIAPMAS/2026"]
    assert len(rows_as_dicts(world.tab("Buku Agenda"))) == 13
    assert [k["No. Agenda"] for k in rows_as_dicts(world.tab(KENDALI_TAB))][-1] == "0013/SIAPMAS/2026"
    assert {r["No. Agenda"] for r in rows_as_dicts(world.tab("Riwayat"))} >= {"0013/SIAPMAS/2026"}
    # so the periodic full read finds nothing to write: what the tail cycle wrote is exactly right
    before = {t: world.tab(t) for t in ("Buku Agenda", "Riwayat")}
    report = full_read(world, standin, clock)
    assert report.new == [] and report.cells_written == 0
    assert {t: world.tab(t) for t in before} == before


def test_a_kendali_edit_is_read_from_the_editable_columns(world: GoogleWorld, standin: GoogleStandin, clock: Clock):
    engine = registered(world, standin, clock, 5)
    world.edit(KENDALI_TAB, "0002/SIAPMAS/2026", Sifat="Segera", Catatan="Mohon segera ditindaklanjuti")
    report = until_read(engine, standin, clock)
    assert not any(r.startswith(tuple(f"'{t}'" for t in OWN_TABS)) for r in ranges_read(standin))
    assert [s.agenda_no for s in report.steps if s.accepted] == ["0002/SIAPMAS/2026"]
    row = {k["No. Agenda"]: k for k in rows_as_dicts(world.tab(KENDALI_TAB))}["0002/SIAPMAS/2026"]
    assert row["Sifat"] == "Segera" and row["Catatan"] == "" and row["Pesan"].startswith("✓")
    # the step's rows the tail read did not see (Buku Agenda, the response row) follow in the next cycle, read in full
    clock.now += STEP
    run(engine, standin)
    assert any(r.startswith("'Buku Agenda'") for r in ranges_read(standin))
    notes = [r["Catatan"] for r in rows_as_dicts(world.tab("Riwayat")) if r["No. Agenda"] == "0002/SIAPMAS/2026"]
    assert notes.count("Mohon segera ditindaklanjuti") == 1  # judged once, never twice


def test_an_edited_old_answer_is_caught_by_the_next_full_read(world: GoogleWorld, standin: GoogleStandin,
                                                             clock: Clock):
    engine = registered(world, standin, clock, 6)
    values = world.tab(world.response_tab)
    values[2][4] = "Isi kronologi diubah oleh staf setelah diberi nomor."  # Warga 1, numbered 0002
    world.put_tab(world.response_tab, values)
    world.add_responses([response(300, "Citra")])
    report = until_read(engine, standin, clock)
    assert report.new == ["0007/SIAPMAS/2026"]  # the tail read numbers the new one
    assert not any(r.startswith("'Buku Agenda'") for r in ranges_read(standin))
    report = full_read(world, standin, clock)  # the periodic full read sees the edit: never numbered again
    assert report.new == []
    assert any("sudah bernomor 0002/SIAPMAS/2026" in e.message for e in report.row_errors)
    assert [r["No. Agenda"] for r in world.responses()] == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 8)]


@pytest.mark.parametrize("change", ["delete", "insert"])
def test_a_deleted_or_inserted_row_makes_the_cycle_read_in_full(world: GoogleWorld, standin: GoogleStandin,
                                                               clock: Clock, change: str):
    engine = registered(world, standin, clock, 6)
    before = agenda_by_name(world)
    if change == "delete":
        world.delete_response(2)  # Warga 2 (0003) deleted by staff
        del before["Warga 2"]
    else:  # a response pasted in the middle by staff
        values = world.tab(world.response_tab)
        world.put_tab(world.response_tab, values[:3] + [response(200, "Dewi")] + values[3:])
    world.add_responses([response(300, "Citra")])
    report = until_read(engine, standin, clock)
    ranges = ranges_read(standin)
    # the last known row no longer reads as it did: the same cycle reads the whole sheet
    assert any(r.startswith("'Form Responses 1'!A") for r in ranges) and "'Buku Agenda'" in ranges
    shown = agenda_by_name(world)
    assert {n: shown[n] for n in before} == before  # every status row still beside its own response
    if change == "delete":
        assert report.new == ["0007/SIAPMAS/2026"] and shown["Citra"] == "0007/SIAPMAS/2026"
    else:
        assert sorted(report.new) == ["0007/SIAPMAS/2026", "0008/SIAPMAS/2026"]
        assert {shown["Dewi"], shown["Citra"]} == set(report.new)
    assert full_read(world, standin, clock).cells_written == 0


def test_old_rows_ticked_or_edited_are_caught_by_a_change_read(world: GoogleWorld, standin: GoogleStandin,
                                                             clock: Clock):
    """A read keeps the operators' columns as it read them and a change read judges only the
    rows that differ since: a Rahasia ticked and a Sifat chosen on old Kendali rows, and a
    Terkirim ticked on an old Pemberitahuan row, arrive with a new response and are all
    taken by the change read — twice over, the second time after a change read."""
    engine = registered(world, standin, clock, 8)
    for n, (agenda, wa_agenda) in enumerate([("0002", "0003"), ("0006", "0004")]):
        wa = [r for r in rows_as_dicts(world.tab("Pemberitahuan")) if r["No. Agenda"] == f"{wa_agenda}/SIAPMAS/2026"]
        assert wa and all(r["Terkirim"] in ("", None, False) for r in wa)
        world.edit(KENDALI_TAB, f"{agenda}/SIAPMAS/2026", Rahasia=True)
        world.edit(KENDALI_TAB, "0005/SIAPMAS/2026", Sifat=["Segera", "Sangat Segera"][n])
        world.edit("Pemberitahuan", f"{wa_agenda}/SIAPMAS/2026", Terkirim=True, Oleh="Siti")
        world.add_responses([response(300 + n, f"Citra {n}", "Pupuk langka di Kecamatan Dawarblandong.")])
        report = until_read(engine, standin, clock)
        assert not any(r.startswith(tuple(f"'{t}'" for t in OWN_TABS)) for r in ranges_read(standin))  # a change read
        assert report.new == [f"{9 + n:04d}/SIAPMAS/2026"]
        assert sorted(s.agenda_no for s in report.steps if s.accepted) == sorted([f"{agenda}/SIAPMAS/2026",
                                                                                  "0005/SIAPMAS/2026"])
        assert any("dicatat terkirim" in line for line in report.notices)
        assert engine.ledger.find_item(f"{agenda}/SIAPMAS/2026").rahasia
        settle(engine, standin, clock)  # the ticked rows' status follows with the next read, a full one
        wa = [r for r in rows_as_dicts(world.tab("Pemberitahuan")) if r["No. Agenda"] == f"{wa_agenda}/SIAPMAS/2026"]
        assert all(r["Status"] == "Terkirim" for r in wa)


def test_changed_rows_compares_value_and_type_past_block_edges():
    from siapmas_sync.cycle.tailread import changed_rows

    old = {0: [f"{i:04d}/SIAPMAS/2026" for i in range(2000)], 7: [False] * 1999 + [1]}
    same = {c: list(v) for c, v in old.items()}
    assert changed_rows(same, old) == set()
    new = {c: list(v) for c, v in old.items()}
    new[7][513] = True  # a ticked checkbox
    new[7][1999] = True  # True == 1 in Python, but a checkbox ticked is not the number 1
    new[0].append("2000/SIAPMAS/2026")  # a row appended
    assert changed_rows(new, old) == {513, 1999, 2000}
    assert changed_rows(new, None) is None and changed_rows(new, {0: old[0]}) is None  # nothing to compare with


@pytest.mark.parametrize("damage", ["deleted", "garbled"])
def test_without_the_kept_columns_every_row_is_judged(world: GoogleWorld, standin: GoogleStandin, clock: Clock,
                                                      tmp_path: Path, damage: str):
    """The columns kept beside the ledger lost or damaged: the change read judges every row,
    so an operator's edit on an old row is still taken, and the columns are kept again."""
    engine = registered(world, standin, clock, 5)
    [kept] = list(tmp_path.rglob("kolom-operator.bin"))
    if damage == "deleted":
        kept.unlink()
    else:
        kept.write_bytes(b"\x00rusak" * 10)
    world.edit(KENDALI_TAB, "0003/SIAPMAS/2026", Sifat="Segera")
    world.add_responses([response(300, "Citra")])
    report = until_read(engine, standin, clock)
    assert not any(r.startswith("'Buku Agenda'") for r in ranges_read(standin))  # still a change read
    assert report.new == ["0006/SIAPMAS/2026"]
    assert [s.agenda_no for s in report.steps if s.accepted] == ["0003/SIAPMAS/2026"]
    assert kept.exists() and kept.read_bytes() != b"\x00rusak" * 10
