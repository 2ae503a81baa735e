"""`recover`: the ledger rebuilt from the spreadsheet after it was lost or corrupted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from siapmas_sync.core.kendali_sheet import KENDALI_TAB

from .conftest import Clock
from .test_contract import response
from .worlds import World, rows_as_dicts
from .test_engine import run_cli


@pytest.fixture
def db_url(ledger_url: str | None) -> str | None:
    return ledger_url  # every test on SQLite and on PostgreSQL


def status(world: World) -> list[dict]:
    r = run_cli(world.config, "status", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_recover_after_the_database_is_deleted(world: World, clock: Clock):
    world.add_responses([response(i, f"Warga {i}", f"Jalan rusak di desa nomor {i} sejak Oktober 2026, mohon diperbaiki.") for i in range(5)])
    world.add_responses([response(7, "Warga 2", "Jalan rusak di desa nomor 2 sejak Oktober 2026, mohon diperbaiki.")])  # duplicate
    world.engine().cycle()
    world.edit(KENDALI_TAB, "0002/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Kasubag TU", Sifat="Segera")
    clock.now += timedelta(minutes=5)
    world.engine().cycle()
    world.close()
    before = {i["agenda"]: (i["stage"], i["sifat"]) for i in status(world)}

    world.wipe_ledger()
    r = run_cli(world.config, "recover")
    assert r.returncode == 0, r.stderr
    assert "Dipulihkan: 5 butir, 1 duplikat" in r.stdout
    after = {i["agenda"]: (i["stage"], i["sifat"]) for i in status(world)}
    assert after == before
    show = json.loads(run_cli(world.config, "show", "0002/SIAPMAS/2026", "--json").stdout)
    assert [h["to"] for h in show["history"] if h["event"] != "DIPULIHKAN"][-1] == "PARAF KASUBAG TU"

    # the next cycle continues the sequence, writes no duplicate numbers, re-renders nothing
    world.add_responses([response(60, "Warga baru", "Sampah menumpuk di pasar Mojosari sejak dua minggu lalu.")])
    sync = run_cli(world.config, "sync", "--json")
    assert sync.returncode == 0, sync.stderr
    out = json.loads(sync.stdout)
    assert out["new"] == ["0006/SIAPMAS/2026"] and out["rendered"] == ["0006/SIAPMAS/2026"]
    numbers = [r["No. Agenda"] for r in world.responses()]
    assert numbers.count("0003/SIAPMAS/2026") == 2  # Warga 2 (0003) and its duplicate
    assert len(rows_as_dicts(world.tab("Buku Agenda"))) == 6


def test_a_deleted_row_number_is_never_reused(world: World):
    world.add_responses([response(i, f"Warga {i}", f"Lampu PJU mati di dusun nomor {i} sejak seminggu, gelap dan rawan.") for i in range(3)])
    world.engine().cycle()
    world.close()
    world.delete_response(1)  # staff deleted the row of 0002
    if world.db_url:  # a server database does not get corrupted by us: it is lost (tables dropped)
        world.wipe_ledger()
    else:
        (world.tmp / "var" / "siapmas.db").write_bytes(b"this is not a database")
    r = run_cli(world.config, "recover")
    assert r.returncode == 0, r.stderr
    assert "2" in r.stdout and "tidak akan dipakai ulang" in r.stdout
    assert world.db_url or "disimpan sebagai" in r.stdout  # the corrupt file was kept aside
    world.add_responses([response(90, "Baru", "Drainase tersumbat di Jalan Raya Mojosari, banjir setiap hujan deras.")])
    out = json.loads(run_cli(world.config, "sync", "--json").stdout)
    assert out["new"] == ["0004/SIAPMAS/2026"]


def test_recover_on_a_healthy_ledger_changes_nothing_and_force_rebuilds(world: World):
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    world.close()
    before = status(world)
    r = run_cli(world.config, "recover")
    assert r.returncode == 0, r.stderr
    assert "Dipulihkan: 0 butir, 0 duplikat, 0 peristiwa riwayat." in r.stdout
    assert status(world) == before
    r = run_cli(world.config, "recover", "--force")
    assert r.returncode == 0 and "Dipulihkan: 1 butir" in r.stdout
    assert "disimpan sebagai" in r.stdout
    after = status(world)
    assert [(i["agenda"], i["stage"], i["registered_at"]) for i in after] == \
        [(i["agenda"], i["stage"], i["registered_at"]) for i in before]
