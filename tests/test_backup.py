"""Backups and restoring, through the CLI as an operator would: a consistent copy while a
worker writes, owner-only files, retention, the daily backup of `run`, the Drive copy on
Google (through the stand-in), and a restore that refuses what it must and moves the
current ledger aside instead of deleting it."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from siapmas_sync.backends.google_http import SCOPE_DRIVE_FILE
from siapmas_sync.worker.backup import backup_due, daily_backup, keep_newest, newest_backup, prune
from siapmas_sync.cycle.binding import source_identity
from siapmas_sync.config import load_settings

from .conftest import WIB, Clock
from .google_standin.server import GoogleStandin
from .test_contract import response
from .test_engine import run_cli
from .worlds import SA_EMAIL, GoogleWorld

FAST = {"SIAPMAS_OUTPUT__DOCX": "false", "SIAPMAS_OUTPUT__PRINT_BATCH": "false"}


# --- helpers ---------------------------------------------------------------------------------


def var(project: Path) -> Path:
    return project.parent.parent / "var" / "demo"


def db_of(project: Path) -> Path:
    return var(project) / "siapmas.db"


def backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("siapmas-*.db"))


def open_backup(path: Path) -> tuple[str, int, dict[int, list[int]]]:
    """(integrity_check, item count, seqs per year) of a backup file, read as an outsider."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        n = con.execute("SELECT count(*) FROM items").fetchone()[0]
        seqs: dict[int, list[int]] = {}
        for year, seq in con.execute("SELECT year, seq FROM items ORDER BY year, seq"):
            seqs.setdefault(year, []).append(seq)
        counters = dict(con.execute("SELECT year, last_seq FROM agenda_counters"))
    finally:
        con.close()
    # a consistent snapshot: every number given has its item (numbers and items are written
    # in one transaction), gapless from 1
    assert {y: len(s) for y, s in seqs.items()} == {y: c for y, c in counters.items() if c}
    assert all(s == list(range(1, len(s) + 1)) for s in seqs.values())
    return integrity, n, seqs


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def synced(project: Path) -> Path:
    r = run_cli(project, "sync", env=FAST)
    assert r.returncode == 0, r.stderr
    return db_of(project)


def add_responses(project: Path, n: int, day: int = 29) -> None:
    csv_path = project.parent.parent / "examples" / "responses.csv"
    with csv_path.open("a", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for i in range(n):
            w.writerow([f"2026/11/{day} {9 + i % 3}:{i % 60:02d}:00 AM GMT+7", f"Warga Baru {day}-{i}", "081234500000",
                        "", f"Lampu penerangan jalan di Desa Baru nomor {day}-{i} padam sejak seminggu lalu.", "", ""])


def reseal(backup: Path) -> None:
    """Write *backup*'s manifest anew, as `sha256sum siapmas-….db > siapmas-….db.sha256` would."""
    backup.with_name(backup.name + ".sha256").write_text(f"{digest(backup)}  {backup.name}\n", encoding="ascii")


def items_of(project: Path) -> list[dict[str, object]]:
    r = run_cli(project, "status", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def refused(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "GALAT:" in r.stderr and "Saran:" in r.stderr and "Traceback" not in r.stderr
    return r.stderr


# --- backup ----------------------------------------------------------------------------------


def test_backup_while_another_process_holds_a_write_transaction(project: Path):
    db = synced(project)
    # a worker in the middle of a cycle: write lock taken, items deleted but not committed
    writer = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); c.execute('DELETE FROM items'); c.execute('DELETE FROM agenda_counters')\n"
         "print('ready', flush=True); sys.stdin.readline(); c.execute('ROLLBACK')\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        r = run_cli(project, "backup")
    finally:
        writer.communicate("\n", timeout=60)
    assert r.returncode == 0, r.stderr
    [copy] = backups(var(project) / "cadangan")
    assert f"Lokasi      : {copy}" in r.stdout
    assert "6 butir" in r.stdout and "2026: 0006/SIAPMAS/2026" in r.stdout and "integritas baik" in r.stdout
    integrity, n, _ = open_backup(copy)
    assert integrity == "ok" and n == 6  # the committed state, not the half-done cycle
    assert not copy.with_name(copy.name + "-wal").exists()  # one self-contained file


def test_backups_taken_during_a_sync_restore_to_a_consistent_ledger(project: Path, tmp_path: Path):
    synced(project)
    add_responses(project, 40)
    out = tmp_path / "usb"
    sync = subprocess.Popen([sys.executable, "-m", "siapmas_sync", "--config", str(project), "sync"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **FAST})
    try:
        taken = 0
        while sync.poll() is None and taken < 20:
            r = run_cli(project, "backup", "--to", str(out))
            assert r.returncode == 0, r.stderr
            taken += 1
    finally:
        _, err = sync.communicate(timeout=300)
    assert sync.returncode == 0, err
    copies = backups(out)
    assert len(copies) == taken
    counts = []
    for copy in copies:
        integrity, n, _ = open_backup(copy)  # consistent whichever moment it was taken
        assert integrity == "ok"
        counts.append(n)
    assert counts == sorted(counts) and all(6 <= n <= 46 for n in counts)
    r = run_cli(project, "restore", str(copies[-1]))
    assert r.returncode == 0, r.stderr
    assert [i["seq"] for i in items_of(project)] == list(range(1, counts[-1] + 1))


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_backup_file_is_owner_only_whatever_the_umask(project: Path):
    synced(project)
    r = subprocess.run([sys.executable, "-m", "siapmas_sync", "--config", str(project), "backup"],
                       capture_output=True, text=True, preexec_fn=lambda: os.umask(0), timeout=120)
    assert r.returncode == 0, r.stderr
    [copy] = backups(var(project) / "cadangan")
    assert copy.stat().st_mode & 0o777 == 0o600
    assert (var(project) / "cadangan").stat().st_mode & 0o077 == 0  # a new folder is private too
    assert not [p for p in copy.parent.iterdir() if p.name.startswith(".")]  # no temp file left


def test_backup_without_a_database_and_of_a_server_database_are_refused(project: Path, tmp_path: Path):
    err = refused(run_cli(project, "backup"))
    assert "Belum ada basis data" in err and "sync" in err
    server = {"SIAPMAS_STORAGE__URL": "postgresql+psycopg://siapmas@db.example/siapmas"}
    err = refused(run_cli(project, "backup", env=server))
    assert "server basis data" in err and "pg_dump" in err
    some = tmp_path / "x.db"
    some.write_bytes(b"x")
    assert "pg_dump" in refused(run_cli(project, "restore", str(some), env=server))


# --- restore ---------------------------------------------------------------------------------


def test_restore_refuses_corrupt_and_truncated_files_and_leaves_the_ledger_alone(project: Path, tmp_path: Path):
    db = synced(project)
    assert run_cli(project, "backup").returncode == 0
    [good] = backups(var(project) / "cadangan")
    data = good.read_bytes()
    page = int.from_bytes(data[16:18], "big")
    text = tmp_path / "catatan.db"
    text.write_text("ini bukan basis data\n", encoding="utf-8")
    truncated = tmp_path / "terpotong.db"
    truncated.write_bytes(data[: len(data) // 2])
    damaged = tmp_path / "rusak.db"  # whole length, but the tables' pages overwritten
    damaged.write_bytes(data[: 2 * page] + b"\xa5" * (len(data) - 2 * page))
    empty = tmp_path / "kosong.db"
    empty.write_bytes(b"")
    before = digest(db)
    for bad, words in ((text, "bukan basis data SQLite"), (truncated, "terpotong"), (damaged, "rusak"),
                       (empty, "kosong")):
        err = refused(run_cli(project, "restore", str(bad)))
        assert str(bad) in err and words in err, err
    assert digest(db) == before
    assert not [p for p in db.parent.iterdir() if "sebelum-pulih" in p.name or p.name.endswith(".tmp")]
    assert len(items_of(project)) == 6


def test_restore_refuses_a_backup_of_another_source(project: Path):
    db = synced(project)
    assert run_cli(project, "backup").returncode == 0
    [copy] = backups(var(project) / "cadangan")
    con = sqlite3.connect(copy)
    con.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('source', 'google:1AbcSpreadsheetLain')")
    con.commit()
    con.close()
    before = digest(db)
    err = refused(run_cli(project, "restore", str(copy)))
    register = (project.parent.parent / "var" / "demo" / "register.xlsx").resolve()
    assert "spreadsheet Google 1AbcSpreadsheetLain" in err and f"buku register lokal {register}" in err
    assert digest(db) == before


def test_restore_moves_the_current_ledger_aside_and_puts_the_backup_in_place(project: Path):
    db = synced(project)
    assert run_cli(project, "backup").returncode == 0
    [copy] = backups(var(project) / "cadangan")
    con = sqlite3.connect(copy)  # a backup that names this very source is accepted
    here = source_identity(load_settings(project, environ={}))
    con.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('source', ?)", (here,))
    con.commit()
    con.close()
    reseal(copy)  # as the worker of that source would have written it
    add_responses(project, 3)
    synced(project)
    assert len(items_of(project)) == 9

    r = run_cli(project, "restore", str(copy))
    assert r.returncode == 0, r.stderr
    assert "siapmas-sync recover" in r.stdout and "6 butir" in r.stdout
    [aside] = [p for p in db.parent.iterdir() if p.name.startswith("siapmas.db.sebelum-pulih-")
               and not p.name.endswith(("-wal", "-shm"))]
    assert f"disimpan sebagai {aside}" in r.stdout
    assert open_backup(aside)[1] == 9  # the newer ledger is kept, not deleted
    assert [i["seq"] for i in items_of(project)] == [1, 2, 3, 4, 5, 6]
    assert copy.exists()  # the backup itself is left as it was
    if os.name == "posix":
        assert db.stat().st_mode & 0o077 == 0


def test_restore_after_the_database_was_lost_ignores_a_stale_wal_left_behind(project: Path):
    db = synced(project)
    assert run_cli(project, "backup").returncode == 0
    [copy] = backups(var(project) / "cadangan")
    w = sqlite3.connect(db)  # later work, still in the WAL when the disk "failed"
    w.execute("PRAGMA wal_autocheckpoint=0")
    w.execute("DELETE FROM items")
    w.commit()
    stale = db.with_name(db.name + "-wal").read_bytes()
    w.close()
    db.unlink()
    db.with_name(db.name + "-wal").write_bytes(stale)
    r = run_cli(project, "restore", str(copy))
    assert r.returncode == 0, r.stderr
    assert len(items_of(project)) == 6  # the stale WAL was not replayed into the backup
    assert [p for p in db.parent.iterdir() if p.name.startswith("siapmas.db.sebelum-pulih-") and p.name.endswith("-wal")]


def test_a_damaged_ledger_is_not_backed_up_and_a_good_backup_restores_over_it(project: Path):
    db = synced(project)
    assert run_cli(project, "backup").returncode == 0
    [good] = backups(var(project) / "cadangan")
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[3 * page:5 * page] = b"\xa5" * (2 * page)
    db.write_bytes(bytes(data))
    err = refused(run_cli(project, "backup"))
    assert f"{db} rusak" in err and "restore" in err
    assert backups(var(project) / "cadangan") == [good]  # no damaged copy, no temp file
    assert not [p for p in good.parent.iterdir() if p.name.startswith(".")]
    r = run_cli(project, "restore", str(good))
    assert r.returncode == 0, r.stderr
    assert len(items_of(project)) == 6
    assert [p for p in db.parent.iterdir() if p.name.startswith("siapmas.db.sebelum-pulih-")]


def test_restore_refuses_while_a_worker_keeps_the_ledger_open(project: Path):
    db = synced(project)
    assert run_cli(project, "backup").returncode == 0
    [copy] = backups(var(project) / "cadangan")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\nfrom siapmas_sync.ledger import Ledger\n"
         f"l = Ledger('sqlite:///{db}'); l.item_rows()\n"
         "print('ready', flush=True); sys.stdin.readline(); l.close()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        err = refused(run_cli(project, "restore", str(copy)))
    finally:
        holder.communicate("\n", timeout=60)
    assert "sedang dibuka" in err and "siapmas-sync run" in err
    assert not [p for p in db.parent.iterdir() if "sebelum-pulih" in p.name]


# --- daily backup and retention --------------------------------------------------------------


def test_backup_due_once_a_day():
    now = datetime(2026, 12, 1, 0, 5, tzinfo=WIB)
    assert backup_due(now, None)
    assert backup_due(now, datetime(2026, 11, 30, 23, 55, tzinfo=WIB))  # first cycle after midnight WIB
    assert not backup_due(now, datetime(2026, 12, 1, 0, 1, tzinfo=WIB))
    assert not backup_due(datetime(2026, 12, 1, 23, 59, tzinfo=WIB), datetime(2026, 12, 1, 0, 1, tzinfo=WIB))
    assert backup_due(datetime(2026, 12, 3, 0, 30, tzinfo=WIB), datetime(2026, 12, 1, 22, 0, tzinfo=WIB))
    # midnight is Jakarta's, not the machine's (UTC here)
    utc = ZoneInfo("UTC")
    assert backup_due(datetime(2026, 12, 1, 17, 30, tzinfo=utc).astimezone(WIB),  # 00:30 WIB on 2 Dec
                      datetime(2026, 12, 1, 16, 30, tzinfo=utc))  # 23:30 WIB on 1 Dec, an hour earlier
    assert not backup_due(datetime(2026, 12, 1, 16, 30, tzinfo=utc).astimezone(WIB),  # 23:30 WIB on 1 Dec
                          datetime(2026, 11, 30, 17, 10, tzinfo=utc))  # 00:10 WIB on 1 Dec (UTC: 30 Nov)


def test_newest_backup_ignores_other_files_and_the_future():
    now = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    names = ["siapmas-20261130-080000.db", "siapmas-20261201-070000-2.db", "siapmas-20271201-070000.db",
             "siapmas-lain.db", "catatan.txt"]
    assert newest_backup(names, WIB, now) == datetime(2026, 12, 1, 7, 0, tzinfo=WIB)
    assert newest_backup(["catatan.txt"], WIB, now) is None


def test_retention_keeps_the_newest_and_only_touches_our_files(tmp_path: Path):
    ours = [f"siapmas-202611{d:02d}-070000.db" for d in range(1, 8)]
    others = ["siapmas.db", "siapmas-lain.db", "catatan.txt", "siapmas-20261101-070000.db.bak"]
    assert keep_newest(ours + others, 3) == ours[-3:] + others
    for n in ours + others:
        (tmp_path / n).write_bytes(b"x")
    gone = prune(tmp_path, 3)
    assert sorted(p.name for p in gone) == ours[:-3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ours[-3:] + others)


def test_run_makes_the_days_backup_and_applies_retention(project: Path):
    folder = var(project) / "cadangan"
    folder.mkdir(parents=True)
    old = [f"siapmas-202001{d:02d}-070000.db" for d in range(1, 6)]
    for n in old + ["catatan.txt"]:
        (folder / n).write_bytes(b"lama")
    env = {**FAST, "SIAPMAS_BACKUP__KEEP": "3"}
    r = run_cli(project, "run", "--once", env=env)
    assert r.returncode == 0, r.stderr
    assert "Cadangan harian dibuat" in r.stderr and "Traceback" not in r.stderr
    names = sorted(p.name for p in folder.iterdir())
    new = [n for n in names if n.startswith(("siapmas-2026", "siapmas-2027")) and n.endswith(".db")]
    assert len(new) == 1 and names == sorted(old[-2:] + new + [new[0] + ".sha256", "catatan.txt"])
    assert open_backup(folder / new[0])[:2] == ("ok", 6)
    r = run_cli(project, "run", "--once", env=env)  # the same day: not again
    assert r.returncode == 0 and "Cadangan harian dibuat" not in r.stderr
    assert sorted(p.name for p in folder.iterdir()) == names


def test_a_failing_daily_backup_does_not_stop_the_cycle(project: Path):
    (var(project)).mkdir(parents=True, exist_ok=True)
    blocker = var(project) / "bukan-folder"
    blocker.write_text("x", encoding="utf-8")
    r = run_cli(project, "run", "--once", env={**FAST, "SIAPMAS_BACKUP__DIR": str(blocker)})
    assert r.returncode == 0, r.stderr
    assert "Cadangan harian gagal" in r.stderr and "Traceback" not in r.stderr
    assert "Siklus selesai" in r.stderr and len(items_of(project)) == 6


# --- Google Drive copy (through the stand-in) -------------------------------------------------


@pytest.fixture
def gworld(tmp_path: Path, clock: Clock) -> Iterator[GoogleWorld]:
    with GoogleStandin() as standin:
        w = GoogleWorld(tmp_path, clock, standin)
        w.add_responses([response(0, "Ani"), response(10, "Budi")])
        w.engine().cycle()
        yield w
        w.close()


def test_backup_is_copied_into_the_drive_folder(gworld: GoogleWorld):
    standin = gworld.standin
    # a service account stores files only in a Shared Drive (README, "Running on Google")
    drive = standin.create_shared_drive("SIAPMAS", members=[(SA_EMAIL, "fileOrganizer")])
    folder = standin.create_folder("SIAPMAS Cadangan", parents=[drive])
    r = run_cli(gworld.config, "backup", env={"SIAPMAS_BACKUP__DRIVE_FOLDER_ID": folder})
    assert r.returncode == 0, r.stderr
    [local] = backups(gworld.tmp / "var" / "cadangan")
    [fid] = standin.find_files(parent=folder)
    assert standin.file_metadata(fid)["name"] == local.name
    assert standin.file_content(fid) == local.read_bytes()
    assert "Google Drive:" in r.stdout and "2 butir" in r.stdout


def test_a_missing_drive_folder_is_reported_after_the_local_copy(gworld: GoogleWorld):
    r = run_cli(gworld.config, "backup", env={"SIAPMAS_BACKUP__DRIVE_FOLDER_ID": "1FolderYangTidakAda"})
    err = refused(r)
    assert "1FolderYangTidakAda" in err
    [local] = backups(gworld.tmp / "var" / "cadangan")
    assert f"Lokasi      : {local}" in r.stdout  # the local backup stands


def test_daily_drive_copies_keep_the_newest(gworld: GoogleWorld):
    standin = gworld.standin
    drive = standin.create_shared_drive("SIAPMAS", members=[(SA_EMAIL, "organizer")])  # Manager: may delete
    folder = standin.create_folder("SIAPMAS Cadangan", parents=[drive])
    settings = load_settings(gworld.config, environ={"SIAPMAS_BACKUP__DRIVE_FOLDER_ID": folder,
                                                     "SIAPMAS_BACKUP__KEEP": "2"})
    plain = gworld.backend(load_settings(gworld.config, environ={}))
    assert SCOPE_DRIVE_FILE not in plain.credentials.scopes  # asked for only when a folder is configured
    plain.close()
    backend = gworld.backend(settings)
    assert SCOPE_DRIVE_FILE in backend.credentials.scopes
    try:
        day = datetime(2026, 11, 28, 8, 0, tzinfo=WIB)
        made = [daily_backup(settings, backend, now=day + timedelta(days=i)) for i in range(3)]
        assert daily_backup(settings, backend, now=day + timedelta(days=2, hours=1)) is None  # not due
    finally:
        backend.close()
    assert all(m is not None and m.drive_link for m in made)
    names = sorted(standin.file_metadata(f)["name"] for f in standin.find_files(parent=folder))
    assert names == ["siapmas-20261129-080000.db", "siapmas-20261130-080000.db"]
    assert sorted(p.name for p in backups(gworld.tmp / "var" / "cadangan")) == names


# --- restore, then recover: numbers given after the backup come back from the sheet ----------


def test_an_old_backup_then_recover_and_sync_keeps_every_number_the_sheet_shows(world):
    kron = "Lampu PJU mati di dusun nomor {} sejak seminggu, gelap dan rawan."
    world.add_responses([response(i, f"Warga {i}", kron.format(i)) for i in range(3)])
    world.engine().cycle()
    world.close()
    r = run_cli(world.config, "backup")
    assert r.returncode == 0, r.stderr
    [old] = backups(world.tmp / "var" / "cadangan")
    world.add_responses([response(10 + i, f"Warga {i}", kron.format(i)) for i in range(3, 6)])
    world.engine().cycle()
    world.close()
    world.delete_response(4)  # staff deleted the row of 0005 after the backup
    shown = {row["Nama"]: row["No. Agenda"] for row in world.responses()}
    assert shown["Warga 5"] == "0006/SIAPMAS/2026"

    r = run_cli(world.config, "restore", str(old))
    assert r.returncode == 0, r.stderr
    assert "3 butir" in r.stdout
    r = run_cli(world.config, "recover")
    assert r.returncode == 0, r.stderr
    world.add_responses([response(60, "Warga Baru", kron.format(60))])
    sync = run_cli(world.config, "sync", "--json")
    assert sync.returncode == 0, sync.stderr
    assert json.loads(sync.stdout)["new"] == ["0007/SIAPMAS/2026"]
    after = {row["Nama"]: row["No. Agenda"] for row in world.responses()}
    assert {n: after[n] for n in shown} == shown  # never reassigned, 0005 never reused
    assert after["Warga Baru"] == "0007/SIAPMAS/2026"


# --- the checksum manifest (issue #21.10) ------------------------------------------------------


def test_each_backup_has_a_manifest_that_sha256sum_accepts(project: Path):
    synced(project)
    assert run_cli(project, "backup").returncode == 0
    [copy] = backups(var(project) / "cadangan")
    manifest = copy.with_name(copy.name + ".sha256")
    assert manifest.read_text(encoding="ascii") == f"{digest(copy)}  {copy.name}\n"
    r = subprocess.run(["sha256sum", "-c", manifest.name], cwd=copy.parent, capture_output=True, text=True)
    assert r.returncode == 0 and f"{copy.name}: OK" in r.stdout
    if os.name == "posix":
        assert manifest.stat().st_mode & 0o077 == 0


def _altered(copy: Path, how: str) -> None:
    if how == "record-altered":  # the same length: one reporter's name changed in place
        data = copy.read_bytes()
        at = data.index(b"Budi Santoso")
        copy.write_bytes(data[:at] + b"Budi Sentosa" + data[at + 12:])
    elif how == "row-deleted":
        con = sqlite3.connect(copy)
        con.execute("DELETE FROM events WHERE id = (SELECT max(id) FROM events)")
        con.commit()
        con.close()
    else:  # truncated to whole pages: SQLite's header alone would not tell
        data = copy.read_bytes()
        page = int.from_bytes(data[16:18], "big")
        copy.write_bytes(data[: len(data) - page])


@pytest.mark.parametrize("how", ["record-altered", "row-deleted", "truncated"])
def test_an_altered_or_truncated_backup_is_refused_and_the_ledger_left_alone(project: Path, how: str):
    db = synced(project)
    assert run_cli(project, "backup").returncode == 0
    [copy] = backups(var(project) / "cadangan")
    size = copy.stat().st_size
    _altered(copy, how)
    if how == "record-altered":
        assert copy.stat().st_size == size
    add_responses(project, 2)
    synced(project)
    before = digest(db)
    err = refused(run_cli(project, "restore", str(copy)))
    assert str(copy) in err
    assert "manifest" in err or "terpotong" in err, err
    err = refused(run_cli(project, "restore", "--force", str(copy)))  # --force only waives a *missing* manifest
    assert digest(db) == before
    assert len(items_of(project)) == 8


def test_a_backup_without_a_manifest_needs_force_and_is_restored_with_a_warning(project: Path):
    synced(project)
    assert run_cli(project, "backup").returncode == 0
    [copy] = backups(var(project) / "cadangan")
    copy.with_name(copy.name + ".sha256").unlink()  # a backup made before manifests existed
    err = refused(run_cli(project, "restore", str(copy)))
    assert "tidak disertai manifest" in err and "--force" in err
    r = run_cli(project, "restore", "--force", str(copy))
    assert r.returncode == 0, r.stderr
    assert "PERINGATAN" in r.stdout and "manifest" in r.stdout
    assert len(items_of(project)) == 6


def test_retention_removes_the_manifests_of_removed_backups(tmp_path: Path):
    ours = [f"siapmas-202611{d:02d}-070000.db" for d in range(1, 6)]
    for n in ours:
        (tmp_path / n).write_bytes(b"x")
        (tmp_path / (n + ".sha256")).write_text("x", encoding="ascii")
    (tmp_path / "catatan.sha256").write_text("x", encoding="ascii")
    prune(tmp_path, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["catatan.sha256"] + ours[-2:] + [n + ".sha256" for n in ours[-2:]])
