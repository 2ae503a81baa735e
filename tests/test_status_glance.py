"""`status` on a SQLite ledger that needs nothing done to it is read without SQLAlchemy
(siapmas_sync/ledger/glance.py) and says exactly what opening the ledger in full says;
every other ledger — to upgrade, newer, damaged, PostgreSQL — is opened in full, with its
upgrade or its GALAT/Saran as before. Behaviour only: which path ran is seen through the
modules a real process loaded, never through timing (benchmarks/startup_bench.py prints
the CPU-seconds)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import siapmas_sync.ledger as ledger_pkg
from siapmas_sync.config import load_settings
from siapmas_sync.dasbor.service import META_LAST_SYNC
from siapmas_sync.ledger import Ledger, utc_iso
from siapmas_sync.ledger import names
from siapmas_sync.ledger.schema import metadata  # white-box: the glance's table list is the schema's

from .clirun import CliResult, run_cli

ITEM = "0001/SIAPMAS/2026"

#: runs the console entry point, then says on stderr which SQLAlchemy modules the process loaded
PROBE = """
import runpy, sys
try:
    runpy.run_module("siapmas_sync", run_name="__main__", alter_sys=True)
finally:
    print("SQLALCHEMY:" + ",".join(sorted(m for m in sys.modules if m.split(".")[0] == "sqlalchemy")), file=sys.stderr)
"""


def probe(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[CliResult, list[str]]:
    """``siapmas-sync --config CONFIG ARGS`` in a real process, and the SQLAlchemy modules it loaded."""
    import os

    r = subprocess.run([sys.executable, "-c", PROBE, "--config", str(config), *args], capture_output=True, text=True,
                       timeout=120, env={**os.environ, **(env or {})})
    err, _, last = r.stderr.rstrip("\n").rpartition("\n")
    assert last.startswith("SQLALCHEMY:"), r.stderr
    loaded = [m for m in last.removeprefix("SQLALCHEMY:").split(",") if m]
    return CliResult(list(args), r.returncode, r.stdout, err + "\n" if err else "", in_process=False), loaded


def db_of(config: Path) -> Path:
    return load_settings(config, environ={}).storage.database


def both_paths(config: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliResult, CliResult, list[Any]]:
    """`status` as the CLI runs it, then with the glance refused (the full path), and what
    the glance returned in the first run (None: it sent the command to the full path)."""
    real = ledger_pkg.glance_at
    seen: list[Any] = []

    def spy(url: str) -> Any:
        seen.append(real(url))
        return seen[-1]

    monkeypatch.setattr(ledger_pkg, "glance_at", spy)
    light = run_cli(config, "status")
    monkeypatch.setattr(ledger_pkg, "glance_at", lambda url: None)
    full = run_cli(config, "status")
    monkeypatch.setattr(ledger_pkg, "glance_at", real)
    return light, full, seen


def same(a: CliResult, b: CliResult) -> None:
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)


@pytest.fixture
def synced(project: Path) -> Path:
    assert run_cli(project, "sync").returncode == 0
    r = run_cli(project, "advance", ITEM, "PARAF KASUBAG TU", "--by", "Dwi Lestari")
    assert r.returncode == 0, r.stderr
    return project


def test_status_of_a_ready_sqlite_ledger_is_read_by_the_glance_and_says_what_the_full_path_says(
        synced: Path, monkeypatch: pytest.MonkeyPatch):
    light, full, seen = both_paths(synced, monkeypatch)
    assert seen and seen[0] is not None, "the glance read the ledger"
    assert light.returncode == 0, light.stderr
    same(light, full)
    lines = light.stdout.splitlines()
    assert [ln.split()[-1] for ln in lines if ln.startswith(("TERAGENDA", "PARAF KASUBAG TU", "Total"))] == ["1", "5", "6"]
    assert lines[-1].startswith("Sinkron terakhir: ")
    # the worker stopped 20 minutes ago (interval 5): the warning, and the advice on stderr
    ledger = Ledger(load_settings(synced, environ={}).database_url())
    with ledger.tx() as conn:
        ledger.set_meta(conn, META_LAST_SYNC, utc_iso(datetime.now().astimezone() - timedelta(minutes=20)))
    ledger.close()
    light, full, seen = both_paths(synced, monkeypatch)
    assert seen[0] is not None
    same(light, full)
    assert "PERINGATAN: worker belum sinkron sejak " in light.stdout and "Saran: Periksa komputer worker" in light.stderr


def test_an_empty_ledger_never_synced(project: Path, monkeypatch: pytest.MonkeyPatch):
    Ledger(load_settings(project, environ={}).database_url()).close()  # created, nothing recorded
    light, full, seen = both_paths(project, monkeypatch)
    assert seen[0] is not None
    same(light, full)
    assert light.stdout.splitlines() == ["Belum ada aduan tercatat. Jalankan `siapmas-sync sync`.",
                                         "Sinkron terakhir: belum pernah."]


def test_no_ledger_yet_is_created_by_the_full_path_as_before(project: Path):
    assert not db_of(project).exists()
    r = run_cli(project, "status")
    assert r.returncode == 0 and "Belum ada aduan tercatat" in r.stdout
    assert db_of(project).is_file()


def _older_schema(db: sqlite3.Connection) -> None:  # a ledger of schema 1: no items.disposisi
    db.execute(f"ALTER TABLE {names.ITEMS} DROP COLUMN disposisi")
    db.execute(f"UPDATE {names.META} SET value = '1' WHERE name = '{names.SCHEMA_VERSION_KEY}'")


def _older_hashes(db: sqlite3.Connection) -> None:  # content hashes of an earlier definition
    db.execute(f"UPDATE {names.META} SET value = '1' WHERE name = '{names.CONTENT_HASH_VERSION_KEY}'")


def _missing_table(db: sqlite3.Connection) -> None:  # a table this version added
    db.execute(f"DROP TABLE {names.PRINTED}")


@pytest.mark.parametrize("change", [_older_schema, _older_hashes, _missing_table], ids=lambda f: f.__name__[1:])
def test_a_ledger_to_upgrade_is_opened_in_full_then_read_by_the_glance(synced: Path, change: Any,
                                                                         monkeypatch: pytest.MonkeyPatch):
    url = load_settings(synced, environ={}).database_url()
    before = run_cli(synced, "status")
    with sqlite3.connect(db_of(synced)) as db:
        change(db)
    db.close()
    assert ledger_pkg.glance_at(url) is None
    upgraded = run_cli(synced, "status")  # the full path upgrades it
    same(upgraded, before)
    assert ledger_pkg.glance_at(url) is not None, "upgraded: the next status needs no SQLAlchemy"
    light, full, _ = both_paths(synced, monkeypatch)
    same(light, before)
    same(full, before)


def test_a_newer_ledger_is_refused_as_before(synced: Path, monkeypatch: pytest.MonkeyPatch):
    with sqlite3.connect(db_of(synced)) as db:
        db.execute(f"UPDATE {names.META} SET value = '{names.SCHEMA_VERSION + 1}' WHERE name = '{names.SCHEMA_VERSION_KEY}'")
    db.close()
    light, full, seen = both_paths(synced, monkeypatch)
    assert seen == [None]
    same(light, full)
    assert light.returncode == 2 and "lebih baru dari program ini" in light.stderr
    assert "Saran: Perbarui siapmas-sync" in light.stderr and "Traceback" not in light.stderr


def test_a_file_that_is_not_a_ledger_is_said_as_before(synced: Path, monkeypatch: pytest.MonkeyPatch):
    db = db_of(synced)
    db.write_bytes(b"bukan basis data " * 512)
    light, full, seen = both_paths(synced, monkeypatch)
    assert seen == [None]
    same(light, full)
    assert light.returncode == 2 and "GALAT: " in light.stderr and "Saran: " in light.stderr
    assert "Traceback" not in light.stderr


def test_status_while_a_cycle_holds_the_write_lock_shows_what_is_committed(synced: Path):
    before = run_cli(synced, "status")
    writer = sqlite3.connect(db_of(synced), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(f"UPDATE {names.ITEMS} SET {names.ITEM_STAGE} = 'TAHAP SETENGAH JADI'")
        during = run_cli(synced, "status")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    same(during, before)


def test_status_in_a_real_process_loads_no_sqlalchemy_and_says_what_the_in_process_run_says(synced: Path):
    stored = db_of(synced).read_bytes()
    real, loaded = probe(synced, "status")
    assert real.returncode == 0, real.stderr
    assert loaded == []
    assert db_of(synced).read_bytes() == stored, "read, never written"
    same(real, run_cli(synced, "status"))
    real, loaded = probe(synced, "--help")
    assert real.returncode == 0 and "status" in real.stdout and loaded == []
    _json, loaded = probe(synced, "status", "--json")  # the full list keeps the full path
    assert _json.returncode == 0 and "sqlalchemy" in loaded


def test_a_postgresql_ledger_is_opened_in_full(project: Path, pg_url: str):
    env = {"SIAPMAS_STORAGE__URL": pg_url}
    r = run_cli(project, "sync", env=env)
    assert r.returncode == 0, r.stderr
    real, loaded = probe(project, "status", env=env)
    assert real.returncode == 0, real.stderr
    assert "sqlalchemy" in loaded
    lines = real.stdout.splitlines()
    assert [ln.split() for ln in lines if ln.startswith(("TERAGENDA", "Total"))] == [["TERAGENDA", "6"], ["Total", "6"]]
    assert lines[-1].startswith("Sinkron terakhir: ")
    same(real, run_cli(project, "status", env=env))
    assert not db_of(project).exists(), "no SQLite file was looked for or made"


def test_the_glance_knows_every_table_of_the_schema():
    """A table added to ledger/schema.py without ledger/names.py would let the glance read a
    ledger that still needs it created."""
    assert set(metadata.tables) == set(names.TABLES)
