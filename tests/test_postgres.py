"""PostgreSQL as the ledger, beyond the shared suites (contract, recover, crash run on both):
gapless numbering under racing processes, the advisory worker lock across processes (a
SIGKILLed holder frees it), `doctor` and a wrong server/user as an operator meets them,
and the schema upgrade."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from siapmas_sync.ledger import Ledger
from siapmas_sync.worker.lock import ledger_lock

from .crash_support import pg_lock_holders
from .test_engine import run_cli
from .worlds import HEADER

REPO = Path(__file__).resolve().parent.parent
RACERS, EACH = 4, 15


def write_config(tmp: Path, url: str | None, extra: str = "") -> Path:
    (tmp / "evidence").mkdir(exist_ok=True)
    with (tmp / "responses.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(HEADER)
    storage = '[storage]\ndatabase = "var/siapmas.db"\n' + (f'url = "{url}"\n' if url else "") + extra
    config = tmp / "siapmas.toml"
    config.write_text('[source]\nresponses = "responses.csv"\nevidence_dir = "evidence"\nregister = "var/register.xlsx"\n'
                      + storage + '[output]\ndir = "var/output"\nprint_batch = false\n', encoding="utf-8")
    return config


def test_racing_processes_number_gaplessly(tmp_path: Path, ledger_url: str | None):
    config = write_config(tmp_path, ledger_url)
    url = ledger_url or f"sqlite:///{tmp_path / 'var' / 'siapmas.db'}"
    Ledger(url).close()  # the tables exist before the race (creating them is serialised too)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    racers = [subprocess.Popen([sys.executable, "-m", "tests.numbering_racer", str(config), str(i), str(EACH)],
                               cwd=REPO, env=env, stderr=subprocess.PIPE, text=True) for i in range(RACERS)]
    for p in racers:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
    engine = create_engine(url)
    with engine.connect() as conn:
        seqs = [r.seq for r in conn.execute(text("SELECT seq FROM items WHERE year = 2026 ORDER BY seq"))]
        keys = conn.execute(text("SELECT COUNT(DISTINCT key) FROM items")).scalar()
        counter = conn.execute(text("SELECT last_seq FROM agenda_counters WHERE year = 2026")).scalar()
    engine.dispose()
    total = RACERS * EACH + 6  # each racer's own + the shared ones, numbered once
    assert seqs == list(range(1, total + 1))
    assert keys == total and counter == total


HOLDER = """
import sys, time
from siapmas_sync.worker.lock import ledger_lock
with ledger_lock(sys.argv[1], __import__("pathlib").Path(sys.argv[2])):
    print("held", flush=True)
    time.sleep(600)
"""


def test_second_worker_is_refused_and_a_killed_holder_frees_the_lock(tmp_path: Path, pg_url: str):
    config = write_config(tmp_path, pg_url)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, pg_url, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert holder.pid in pg_lock_holders(pg_url)
        r = run_cli(config, "sync", "--wait", "0.5")
        assert r.returncode == 2, r.stderr
        assert "Worker lain sedang memproses" in r.stderr and f"pid {holder.pid}" in r.stderr
        assert "GALAT: Worker lain masih memproses" in r.stderr and "Saran:" in r.stderr
        assert "Traceback" not in r.stderr
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
        r = run_cli(config, "sync", "--wait", "30")
        assert r.returncode == 0, r.stderr
        assert "Worker lain" not in r.stderr  # the server released the dead session's lock at once
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_the_lock_is_per_ledger_and_sqlite_keeps_its_file_lock(tmp_path: Path, pg_url: str):
    with ledger_lock(pg_url, tmp_path, scope="a"):
        with ledger_lock(pg_url, tmp_path, scope="b", wait=0):  # another tenant's ledger: not blocked
            pass
        with pytest.raises(Exception, match="Worker lain"):
            with ledger_lock(pg_url, tmp_path, scope="a", wait=0.2):
                pass
    sqlite_url = f"sqlite:///{tmp_path / 'x.db'}"
    with ledger_lock(sqlite_url, tmp_path):
        assert (tmp_path / "x.db.lock").exists()


def test_doctor_reports_the_server_and_its_ledger(tmp_path: Path, pg_url: str):
    config = write_config(tmp_path, pg_url)
    r = run_cli(config, "doctor")
    line = next(x for x in r.stdout.splitlines() if "Server basis data" in x)
    assert line.startswith("[OK   ]") and "PostgreSQL 1" in line and "belum ada tabel" in line, r.stdout
    assert run_cli(config, "sync").returncode == 0
    line = next(x for x in run_cli(config, "doctor").stdout.splitlines() if "Server basis data" in x)
    assert "buku besar skema versi" in line


@pytest.mark.parametrize("case", ["unreachable", "unknown user", "missing database", "password env unset"])
def test_a_wrong_server_or_login_ends_in_galat_and_saran(tmp_path: Path, pg_server: str, case: str):
    host_port = pg_server.rsplit("@", 1)[1]
    secret = "rahasia-Sekali-123"
    url, extra, env = {
        "unreachable": (f"postgresql+psycopg://siapmas:{secret}@127.0.0.1:1/siapmas", "", {}),
        "unknown user": (f"postgresql+psycopg://tidakada:{secret}@{host_port}/postgres", "", {}),
        "missing database": (f"postgresql+psycopg://postgres:{secret}@{host_port}/tidak_ada", "", {}),
        "password env unset": (f"postgresql+psycopg://postgres@{host_port}/postgres",
                               'password_env = "SIAPMAS_TEST_DB_PASSWORD"\n', {}),
    }[case]
    config = write_config(tmp_path, url, extra)
    r = run_cli(config, "sync", env=env)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith("GALAT: ") and "\nSaran: " in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert secret not in r.stderr + r.stdout
    d = run_cli(config, "doctor", env=env)
    assert d.returncode == 1 and "[GAGAL] Server basis data" in d.stdout and "Saran / fix:" in d.stdout, d.stdout
    assert secret not in d.stdout + d.stderr and "Traceback" not in d.stdout + d.stderr


def test_backup_of_a_postgresql_ledger_points_to_pg_dump(tmp_path: Path, pg_url: str):
    r = run_cli(write_config(tmp_path, pg_url), "backup")
    assert r.returncode == 2 and r.stderr.startswith("GALAT: ") and "pg_dump" in r.stderr, r.stderr


def test_password_from_the_environment(tmp_path: Path, pg_url: str):
    """[storage] password_env: the URL in the file has no password; the variable gives it
    (the test server trusts loopback, so any password passes: what is tested is that the
    variable is read and never shown)."""
    config = write_config(tmp_path, pg_url, 'password_env = "SIAPMAS_TEST_DB_PASSWORD"\n')
    r = run_cli(config, "doctor", env={"SIAPMAS_TEST_DB_PASSWORD": "sandi-XYZ-987"})
    assert "[OK   ] Server basis data" in r.stdout and "sandi-XYZ-987" not in r.stdout + r.stderr, r.stdout


def test_an_older_schema_is_upgraded_on_postgresql(pg_url: str):
    Ledger(pg_url).close()
    engine = create_engine(pg_url)
    with engine.begin() as conn:  # a version-1 ledger: no disposisi column yet
        conn.execute(text("ALTER TABLE items DROP COLUMN disposisi"))
        conn.execute(text("UPDATE meta SET value = '1' WHERE name = 'schema_version'"))
    ledger = Ledger(pg_url)
    assert ledger.get_meta("schema_version") == "2"
    ledger.close()
    with engine.connect() as conn:
        cols = {r[0] for r in conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'items'"))}
    engine.dispose()
    assert "disposisi" in cols


def test_long_operator_text_fits_as_on_sqlite(pg_url: str):
    """Column lengths were never enforced on SQLite; PostgreSQL must not refuse what SQLite took."""
    from datetime import datetime, timezone

    ledger = Ledger(pg_url)
    with ledger.tx() as conn:
        Ledger.add_event(conn, "k" * 64, datetime.now(timezone.utc), "CATATAN", from_stage=None, to_stage=None,
                         actor="Kepala Sub Bagian Tata Usaha " * 10, channel="kendali " * 10)
    assert ledger.event_rows("k" * 64)[0].actor.startswith("Kepala")
    ledger.close()


def test_known_keys_among_a_few_or_a_whole_sheet(tmp_path: Path, ledger_url: str | None):
    """A cycle asks which of the keys it read the ledger already has: the same answer for
    a handful (one query per 500) as for a whole sheet's worth (one pass over the index)."""
    from siapmas_sync.ledger.schema import responses  # white-box: 6,000 responses seeded in one statement

    url = ledger_url or f"sqlite:///{tmp_path / 'l.db'}"
    ledger = Ledger(url)
    have = [f"{i:064x}" for i in range(6000)]
    with ledger.tx() as conn:
        conn.execute(responses.insert(), [{"key": k, "content_hash": k, "received_at": "2026-01-01T00:00:00Z",
                                           "payload": "{}", "first_seen_at": "2026-01-01T00:00:00Z"} for k in have])
    unknown = [f"{i:064x}" for i in range(6000, 7000)]
    few = have[10:1200:7] + unknown[:3]
    assert ledger.known_among(few) == set(have[10:1200:7])
    assert ledger.known_among(have[:5500] + unknown) == set(have[:5500])  # past 5,000: the whole index read
    assert ledger.known_among([]) == set()
    assert ledger.known_keys() == set(have)
    ledger.close()


def test_a_ledger_made_before_the_cycle_indexes_gets_them_when_opened(tmp_path: Path, ledger_url: str | None):
    """The indexes that keep a 100,000-item cycle from scanning whole tables are added to an
    existing ledger on open, its schema version and its rows unchanged."""
    from sqlalchemy import inspect

    url = ledger_url or f"sqlite:///{tmp_path / 'l.db'}"
    Ledger(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:  # as a ledger of the previous release was made
        for name in ("ix_items_updated_at", "ix_items_registered_at", "ix_items_print_batch", "ix_outbox_open"):
            conn.execute(text(f"DROP INDEX {name}"))
    ledger = Ledger(url)
    assert ledger.get_meta("schema_version") == "2"
    ledger.close()
    insp = inspect(engine)
    have = {ix["name"] for t in ("items", "outbox") for ix in insp.get_indexes(t)}
    engine.dispose()
    assert {"ix_items_updated_at", "ix_items_registered_at", "ix_items_print_batch", "ix_outbox_open"} <= have
