"""Every failure an outsider can cause ends in GALAT + Saran, exit code 2, no traceback, no
reporter's phone number or e-mail anywhere — and nothing is lost once it is fixed.

Each fault is made real where the test can make it (random bytes for a register, damaged
pages in a real ledger, a read-only bind mount, a tiny tmpfs; mounts live in a private
mount namespace, ``unshare -m``, so they vanish with the process); where it cannot, a
simulated fault through ``SIAPMAS_TEST_FAULT``."""

from __future__ import annotations

import csv
import errno
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import phonenumbers
import pytest

from siapmas_sync import failures
from siapmas_sync.failures import Where, describe, explain
from siapmas_sync.logs import mask_text
from siapmas_sync.core.sheetplan import STATUS_COLUMNS

from .clirun import CliResult, run_cli

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "responses.csv"


# --- what must never leave the process ----------------------------------------------------


def reporter_contacts() -> list[str]:
    """Every sample reporter's phone (as typed, and its national number) and e-mail."""
    out: set[str] = set()
    with SAMPLE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            phone = row["No. Tlp/WA (yang aktif)"].strip()
            email = row["E-mail (yang aktif)"].strip()
            if email:
                out.add(email)
            if len(re.sub(r"\D", "", phone)) >= 8:
                out.add(phone)
                number = phonenumbers.parse(phone if phone.startswith("+") else "0" + phone.lstrip("0"), "ID")
                out.add(str(number.national_number))
    assert len(out) >= 10  # the sample really has reporters to protect
    return sorted(out)


CONTACTS = reporter_contacts()


def assert_no_contact(text: str, where: str) -> None:
    low = text.casefold()
    leaked = [c for c in CONTACTS if c.casefold() in low]
    assert not leaked, f"{where} carries {leaked}"


# --- a world: a copy of config/ + examples/ with hostile rows, and the CLI ----------------

HOSTILE_ROWS = [
    # a phone number and an e-mail pasted into the Timestamp cell (the summary echoed it)
    ["0812-3456-7890", "Budi Santoso", "", "", "Salah tempel di kolom waktu.", "", ""],
    ["rahma.wati@example.com", "Rahmawati", "", "", "Salah tempel di kolom waktu.", "", ""],
    # contact details in each other's fields and in the chronology (the subject, Perihal, is shown everywhere)
    ["2026/11/28 1:00:00 PM GMT+7", "Siti Aminah 81234567891", "siti.aminah@example.co.id", "0812-3456-7890",
     "Hubungi saya di 085645678901 atau hendro@example.net. Jalan desa di Jatirejo rusak parah sejak Oktober 2026 "
     "dan belum diperbaiki; dua pengendara jatuh pada malam hari di depan balai desa.", "", "Jatirejo"],
]


class World:
    def __init__(self, tmp: Path) -> None:
        self.root = tmp
        shutil.copytree(REPO / "config", tmp / "config")
        shutil.copytree(REPO / "examples", tmp / "examples")
        self.config = tmp / "config" / "demo.toml"
        self.csv = tmp / "examples" / "responses.csv"
        self.var = tmp / "var" / "demo"
        self.db = self.var / "siapmas.db"
        self.register = self.var / "register.xlsx"
        self.outputs: list[tuple[str, str]] = []  # (what, text) of every command run
        self.add_rows(HOSTILE_ROWS)

    def add_rows(self, rows: list[list[str]]) -> None:
        with self.csv.open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)

    def add_new_responses(self, n: int = 1, start: int = 0, words: int = 40) -> None:
        text = " ".join(["Saluran irigasi di Desa Kedungsari tersumbat sejak 3 November 2026"] * max(1, words // 8))
        self.add_rows([[f"2026/11/29 {8 + (start + i) // 60}:{(start + i) % 60:02d}:00 AM GMT+7", f"Warga {start + i}",
                        "", "", f"{text} ({start + i}).", "", ""] for i in range(n)])

    def cli(self, *args: str, env: dict[str, str] | None = None, wrap: list[str] | None = None,
            ) -> subprocess.CompletedProcess[str] | CliResult:
        """In-process (tests/clirun.py); a real process under a *wrap* (unshare, prlimit…)."""
        env = {"SIAPMAS_LOG_LEVEL": "DEBUG", **(env or {})}
        if not wrap:
            r: subprocess.CompletedProcess[str] | CliResult = run_cli(self.config, *args, env=env)
        else:
            cmd = [sys.executable, "-m", "siapmas_sync", "--config", str(self.config), *args]
            r = subprocess.run([*wrap, *cmd], capture_output=True, text=True, timeout=300,
                               env={**os.environ, **env})
        self.outputs.append((" ".join(args), r.stdout + r.stderr))
        return r

    def status(self) -> list[dict[str, object]]:
        r = self.cli("status", "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    # --- the checks ---------------------------------------------------------------------

    def assert_galat(self, r: subprocess.CompletedProcess[str], *words: str) -> str:
        """Exit code 2, a GALAT and a Saran line, no traceback; returns the GALAT text."""
        both = r.stdout + r.stderr
        assert r.returncode == 2, both
        assert "Traceback" not in both and 'File "' not in both, both
        galat = [line for line in r.stderr.splitlines() if line.startswith("GALAT: ")]
        saran = [line for line in r.stderr.splitlines() if line.startswith("Saran: ")]
        assert galat and saran, both
        for w in words:
            assert w.casefold() in (galat[0] + saran[0]).casefold(), (w, galat, saran)
        return galat[0] + "\n" + saran[0]

    def assert_nothing_leaked(self) -> None:
        for what, text in self.outputs:
            assert_no_contact(text, f"output of `{what}`")
        for log in self.root.rglob("siapmas-galat.log*"):
            assert_no_contact(log.read_text(encoding="utf-8"), str(log))
        if self.register.is_file():
            wb = openpyxl.load_workbook(self.register)
            for ws in wb.worksheets:
                rows = list(ws.iter_rows(values_only=True))
                header = [str(h or "") for h in rows[0]] if rows else []
                # the response tab's own cells belong to the reporters; the worker's columns do not.
                # The operator's WhatsApp link must carry the reporter's number (wa.me/<number>):
                # it is checked to be the only place, until the message is sent (test_pemberitahuan).
                cols = [i for i, h in enumerate(header)
                        if (ws.title != "Jawaban Formulir 1" or h in STATUS_COLUMNS)
                        and not (ws.title == "Pemberitahuan" and h == "Tautan WhatsApp")]
                for row in rows[1:]:
                    for i in cols:
                        if i < len(row) and row[i] is not None:
                            assert_no_contact(str(row[i]), f"register {ws.title}!{header[i]}")

    def assert_invariants(self) -> None:
        """One number per response, gapless per year, every item's documents present,
        register rows equal ledger items."""
        items = self.status()
        assert items
        assert len({i["key"] for i in items}) == len(items)  # one number per response
        assert len({i["agenda"] for i in items}) == len(items)
        by_year: dict[int, list[int]] = {}
        for i in items:
            by_year.setdefault(int(i["year"]), []).append(int(i["seq"]))
        for year, seqs in by_year.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), (year, seqs)
        for i in items:
            assert {"aduan", "disposisi", "kendali"} <= set(i["documents"]), i["agenda"]
            for p in i["documents"].values():
                assert Path(p).is_file(), p
        wb = openpyxl.load_workbook(self.register)
        ledger = sorted(str(i["agenda"]) for i in items)
        for tab in ("Buku Agenda", "Kendali"):
            rows = list(wb[tab].iter_rows(values_only=True))
            col = list(rows[0]).index("No. Agenda")
            assert sorted(str(r[col]) for r in rows[1:] if r[col]) == ledger, tab
        responses = list(wb["Jawaban Formulir 1"].iter_rows(values_only=True))
        col = list(responses[0]).index("No. Agenda")
        numbered = [r for r in responses[1:] if r[col] and r[list(responses[0]).index("Tahap")] != "DUPLIKAT"]
        assert sorted(str(r[col]) for r in numbered) == ledger


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


@pytest.fixture
def synced(world: World) -> World:
    r = world.cli("sync")
    assert r.returncode == 0, r.stderr
    return world


# --- what the test can make real ------------------------------------------------------------


def _can_mount() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt 2>/dev/null || "
                               "mount -t tmpfs -o size=4k tmpfs /tmp"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


CAN_MOUNT = _can_mount()
needs_mount = pytest.mark.skipif(not CAN_MOUNT, reason="needs root and `unshare -m` to mount (read-only bind, tmpfs)")


def in_namespace(*shell: str) -> list[str]:
    """A command prefix: run the CLI after *shell* (mounts) in a private mount namespace."""
    return ["unshare", "-m", "sh", "-ec", " && ".join([*shell, 'exec "$@"']), "sh"]


def read_only(path: Path) -> str:
    return f"mount --bind '{path}' '{path}' && mount -o remount,bind,ro '{path}'"


@contextmanager
def made_read_only(path: Path) -> Iterator[list[str]]:
    """*path* read-only for the CLI run with the yielded prefix: a read-only bind mount
    (root ignores permission bits), else the permission bits (an ordinary user)."""
    if CAN_MOUNT:
        yield in_namespace(read_only(path))
        return
    if os.name != "posix" or os.geteuid() == 0:
        pytest.skip("cannot make a path read-only here (root without `unshare -m`)")
    mode = path.stat().st_mode
    path.chmod(0o500 if path.is_dir() else 0o400)
    try:
        yield []
    finally:
        path.chmod(mode)


# --- the hostile run, class by class --------------------------------------------------------


@pytest.mark.parametrize("damage", ["random", "truncated"])
def test_a_register_that_is_not_an_xlsx(synced: World, damage: str):
    w = synced
    good = w.register.read_bytes()
    w.register.write_bytes(random.Random(15).randbytes(20_000) if damage == "random" else good[: len(good) // 2])
    w.add_new_responses(1)
    r = w.cli("sync")
    w.assert_galat(r, "register", "pindahkan")
    # the operator moves it away, as advised: the next cycle rebuilds it from the ledger
    w.register.rename(w.register.with_name("register-rusak.xlsx"))
    r = w.cli("sync")
    assert r.returncode == 0, r.stderr
    w.assert_invariants()
    assert len(w.status()) == 8  # 6 of the sample, the hostile valid row, the new response
    w.assert_nothing_leaked()


def test_a_database_damaged_in_the_middle(synced: World):
    w = synced
    before = {i["key"]: i["agenda"] for i in w.status()}
    assert not w.db.with_name(w.db.name + "-wal").exists() or w.db.with_name(w.db.name + "-wal").stat().st_size == 0
    data = bytearray(w.db.read_bytes())
    page = 4096
    assert len(data) >= 8 * page
    rnd = random.Random(15)
    for off in range(2 * page, len(data) - page, page):  # header and first pages intact: only the middle
        data[off : off + page] = rnd.randbytes(page)
    w.db.write_bytes(bytes(data))
    for args in (["sync"], ["sync", "--json"], ["status"], ["show", "1"], ["advance", "1", "PARAF KASUBAG TU", "--by", "Dwi Lestari"]):
        w.assert_galat(w.cli(*args), "rusak", "recover")
    r = w.cli("recover")
    assert r.returncode == 0, r.stdout + r.stderr
    assert list(w.var.glob("siapmas.db.rusak-*")), "the damaged ledger is kept aside"
    r = w.cli("sync")
    assert r.returncode == 0, r.stderr
    assert {i["key"]: i["agenda"] for i in w.status()} == before  # the same numbers, none reused
    w.assert_invariants()
    w.assert_nothing_leaked()


def test_a_read_only_database_file(synced: World):
    w = synced
    w.add_new_responses(1)
    with made_read_only(w.db) as ro:
        w.assert_galat(w.cli("sync", wrap=ro), "hanya dapat dibaca", str(w.db))
        w.assert_galat(w.cli("advance", "1", "PARAF KASUBAG TU", "--by", "Dwi Lestari", wrap=ro), "hanya dapat dibaca")
    assert len(w.status()) == 7  # nothing half-written
    assert w.cli("advance", "1", "PARAF KASUBAG TU", "--by", "Dwi Lestari").returncode == 0
    assert w.cli("sync").returncode == 0
    w.assert_invariants()
    assert len(w.status()) == 8
    w.assert_nothing_leaked()


def test_a_read_only_database_folder(synced: World):
    w = synced
    w.add_new_responses(1)
    with made_read_only(w.var) as ro:
        w.assert_galat(w.cli("sync", wrap=ro), "siapmas.db.lock")
    assert w.cli("sync").returncode == 0
    w.assert_invariants()
    w.assert_nothing_leaked()


def test_a_database_path_whose_parent_is_a_file(synced: World):
    w = synced
    blocker = w.root / "bukan-folder"
    blocker.write_text("x")
    r = w.cli("sync", env={"SIAPMAS_STORAGE__DATABASE": str(blocker / "siapmas.db")})
    w.assert_galat(r, str(blocker), "bukan folder")
    r = w.cli("sync", env={"SIAPMAS_OUTPUT__DIR": str(blocker / "keluaran")})
    w.assert_galat(r, "bukan folder")
    assert w.cli("sync").returncode == 0
    w.assert_invariants()
    w.assert_nothing_leaked()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_an_output_folder_inside_proc(world: World):
    w = world
    r = w.cli("sync", env={"SIAPMAS_OUTPUT__DIR": "/proc/siapmas-keluaran"})
    w.assert_galat(r, "/proc")
    assert w.cli("sync").returncode == 0
    w.assert_invariants()
    w.assert_nothing_leaked()


def test_a_full_output_disk_keeps_the_numbers_and_the_status(world: World):
    w = world
    out = w.var / "output"
    out.mkdir(parents=True)
    if CAN_MOUNT:  # a real full disk: a 4 KiB tmpfs over the output folder
        r = w.cli("sync", "--json", wrap=in_namespace(f"mount -t tmpfs -o size=4k tmpfs '{out}'"))
    else:
        r = w.cli("sync", "--json", env={"SIAPMAS_TEST_FAULT": "enospc@render"})
    w.assert_galat(r, "ruang disk penuh", str(out))
    report = json.loads(r.stdout)
    assert len(report["new"]) == 7 and report["rendered"] == [] and report["failures"]
    # numbering was committed and the status written back before the documents failed
    items = w.status()
    assert [i["seq"] for i in items] == list(range(1, 8))
    rows = list(openpyxl.load_workbook(w.register)["Kendali"].iter_rows(values_only=True))
    assert len(rows) - 1 == 7
    # space freed: the next cycle renders what was missing, no number changes
    r = w.cli("sync")
    assert r.returncode == 0, r.stderr
    assert [(i["key"], i["agenda"]) for i in w.status()] == [(i["key"], i["agenda"]) for i in items]
    w.assert_invariants()
    w.assert_nothing_leaked()


@needs_mount
def test_a_full_database_disk_loses_nothing(synced: World):
    w = synced
    before = {i["key"]: i["agenda"] for i in w.status()}
    w.add_new_responses(12, words=1500)  # one transaction larger than the space left
    disk = w.root / "disk-basis-data"
    disk.mkdir()
    size = w.db.stat().st_size + 48 * 1024
    db = disk / "siapmas.db"
    # the ledger on a small disk; what the failed cycle left is copied back for the next cycle
    wrap = in_namespace(f"mount -t tmpfs -o size={size} tmpfs '{disk}'", f"cp '{w.db}' '{db}'")
    r = subprocess.run([*wrap, "sh", "-c",
                        '"$0" -m siapmas_sync --config "$1" sync; rc=$?; cp "$2" "$3"; exit $rc',
                        sys.executable, str(w.config), str(db), str(w.db)],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "SIAPMAS_STORAGE__DATABASE": str(db)})
    w.outputs.append(("sync (full database disk)", r.stdout + r.stderr))
    w.assert_galat(r, "penuh", str(db))
    after = {i["key"]: i["agenda"] for i in w.status()}
    assert {k: after[k] for k in before} == before
    r = w.cli("sync")
    assert r.returncode == 0, r.stderr
    assert len(w.status()) == len(before) + 12
    w.assert_invariants()
    w.assert_nothing_leaked()


def test_an_unexpected_error_goes_to_a_private_log(synced: World):
    w = synced
    w.add_new_responses(1)
    r = w.cli("sync", env={"SIAPMAS_TEST_FAULT": "unexpected@cycle"})
    text = w.assert_galat(r, "tak terduga", "pengelola TI")
    log = Path(re.search(r"tersimpan di (\S+siapmas-galat\.log)", text).group(1))
    assert log.is_file() and log.parent == w.var / "log"
    content = log.read_text(encoding="utf-8")
    assert "Traceback" in content and "RuntimeError" in content  # the details are there, for IT
    if os.name == "posix":
        assert log.stat().st_mode & 0o077 == 0 and log.parent.stat().st_mode & 0o077 == 0
    assert w.cli("sync").returncode == 0
    w.assert_invariants()
    w.assert_nothing_leaked()


def test_the_scheduled_worker_logs_a_failed_cycle_as_a_sentence(synced: World):
    w = synced
    r = w.cli("run", "--once", env={"SIAPMAS_TEST_FAULT": "unexpected@cycle"})
    assert r.returncode == 0, r.stderr  # the worker goes on (here: --once stops it)
    assert "Siklus gagal: Terjadi kesalahan tak terduga" in r.stderr and "siapmas-galat.log" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    w.assert_nothing_leaked()


def test_a_full_run_with_hostile_rows_shows_no_contact_detail(world: World):
    """Summary, --json, logs, show/status and the register's worker columns: masked."""
    w = world
    r = w.cli("sync", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    messages = " ".join(e["message"] for e in report["row_errors"])
    assert "0812****90" in messages and "r***@example.com" in messages  # still says what the cell held
    for args in (["sync"], ["status"], ["status", "--json"], ["show", "7", "--json"], ["show", "7"], ["overdue"]):
        assert w.cli(*args).returncode == 0
    w.assert_invariants()
    w.assert_nothing_leaked()


# --- the mapping itself ----------------------------------------------------------------------


@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "ruang disk penuh"), (errno.EACCES, "izin"), (errno.EPERM, "izin"), (errno.EROFS, "hanya-baca"),
    (errno.EISDIR, "adalah folder"), (errno.ENOENT, "tidak ditemukan"), (errno.EIO, "perangkat"),
    (errno.EMFILE, "terlalu banyak berkas"), (errno.ENAMETOOLONG, "terlalu panjang"),
])
def test_os_errors_by_errno_name_the_path(code: int, words: str, tmp_path: Path):
    path = tmp_path / "keluaran" / "berkas.pdf"
    err = describe(OSError(code, os.strerror(code), str(path)))
    assert err is not None and err.advice
    assert words in err.message.casefold()
    if code not in (errno.EMFILE,):
        assert str(path) in err.message


def test_an_os_error_on_a_bytes_path_names_the_path(tmp_path: Path):
    """A path given as bytes (os functions then report it as bytes) is named like any other."""
    path = tmp_path / "hilang.pdf"
    with pytest.raises(OSError) as caught:
        open(os.fsencode(path), "rb")
    err = describe(caught.value)
    assert err is not None and "tidak ditemukan" in err.message.casefold()
    assert str(path) in err.message


def test_sqlite_errors_say_what_the_database_needs(tmp_path: Path):
    db = tmp_path / "siapmas.db"
    where = Where(database=db)
    for text, words in (("database disk image is malformed", "recover"), ("attempt to write a readonly database", "izin tulis"),
                        ("database or disk is full", "penuh"), ("database is locked", "dikunci")):
        err = describe(sqlite3.OperationalError(text), where)
        assert err is not None and str(db) in err.message and words in (err.message + err.advice), text


def test_sqlalchemy_errors_never_carry_the_row_values(tmp_path: Path):
    from siapmas_sync.ledger import Ledger

    ledger = Ledger(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with pytest.raises(Exception) as info:
            with ledger.engine.connect() as conn:
                conn.exec_driver_sql("INSERT INTO nope VALUES (?, ?)", ("0812-3456-7890", "budi.santoso@example.com"))
        assert "budi.santoso" not in str(info.value) and "3456" not in str(info.value)
    finally:
        ledger.close()


def test_network_errors_say_so():
    import requests

    for exc in (requests.exceptions.ConnectionError("Max retries exceeded"), TimeoutError(), ConnectionResetError()):
        err = describe(exc)
        assert err is not None and "jaringan" in err.message, exc


def test_corrupt_files_and_unknown_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert "register" in describe(zipfile.BadZipFile("File is not a zip file")).advice
    assert describe(ValueError("0812-3456-7890")) is None  # unknown: not guessed at
    monkeypatch.setattr(failures, "_where", Where(log_dirs=[tmp_path / "log"]))
    err = explain(ValueError("pelapor 0812-3456-7890 budi.santoso@example.com"))
    assert "tak terduga" in err.message and str(tmp_path / "log") in err.message
    text = (tmp_path / "log" / failures.LOG_NAME).read_text(encoding="utf-8")
    assert "ValueError" in text and "budi.santoso@" not in text and "3456-7890" not in text
    assert mask_text(err.message) == err.message


def test_the_private_log_falls_back_when_a_folder_is_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "berkas"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "state"))
    path = failures.write_private_log(RuntimeError("x"), Where(log_dirs=[blocker / "log"]))
    assert path == tmp_path / "state" / "siapmas-sync" / failures.LOG_NAME
