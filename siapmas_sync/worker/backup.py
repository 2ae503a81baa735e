"""Backups of the ledger and putting one back: ``siapmas-sync backup``, ``siapmas-sync
restore`` and the daily backup that ``run`` makes.

Owns the consistent copy of a live SQLite ledger (SQLite's online backup API, read from one
snapshot, so a worker may keep writing meanwhile), its verification by opening it, the
naming (``siapmas-YYYYMMDD-HHMMSS.db``) and retention of backup files, the checksum
manifest written beside each one (``siapmas-YYYYMMDD-HHMMSS.db.sha256``, the format of
``sha256sum``), the optional copy into a Drive folder, and the checks a file must pass
before it replaces the ledger: an SQLite file, whole, intact, a SIAPMAS ledger of this
very source, and byte for byte what its manifest says (a record altered, a row deleted, a
truncated copy are refused). A file without a manifest (made before manifests existed,
or copied without it) is refused unless the operator says ``--force``. Reconciling a restored
ledger with the sheet (numbers given after the backup) is ``recover``'s job.

A server database (PostgreSQL) is backed up with the server's own tools (pg_dump).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from ..cycle.binding import SOURCE_META, describe, source_identity
from ..config import Settings
from ..durable import fsync_dir, fsync_file
from ..errors import LedgerError, SiapmasError

if TYPE_CHECKING:
    from ..backends.base import Backend
    from ..backends.google import GoogleBackend

log = logging.getLogger("siapmas.backup")

PREFIX = "siapmas-"
NAME_RE = re.compile(r"^siapmas-(\d{8})-(\d{6})(?:-\d+)?\.db$")
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_MIME = "application/x-sqlite3"
DAY = timedelta(hours=24)
DRIVE_WHAT = "folder cadangan Drive"
MANIFEST_SUFFIX = ".sha256"


class BackupError(LedgerError):
    """A backup cannot be made or copied, or a file cannot be restored."""


@dataclass
class BackupInfo:
    """What a verified backup file holds."""

    path: Path
    size: int
    items: int
    schema_version: int
    source: str | None
    last_numbers: dict[int, str]  # year -> the highest agenda number of that year
    drive_link: str = ""

    def summary_id(self) -> str:
        numbers = ", ".join(f"{y}: {n}" for y, n in sorted(self.last_numbers.items())) or "-"
        lines = [
            f"Lokasi      : {self.path}",
            f"Ukuran      : {human_size(self.size)}",
            f"Isi         : {self.items} butir aduan",
            f"No. terakhir: {numbers}",
            f"Diperiksa   : integritas baik, versi skema {self.schema_version}",
        ]
        if self.drive_link:
            lines.append(f"Google Drive: {self.drive_link}")
        return "\n".join(lines)


@dataclass
class RestoreReport:
    restored: BackupInfo
    source_file: Path
    moved_aside: Path | None
    warning: str = ""  # restored with --force without a manifest

    def summary_id(self) -> str:
        lines = [f"Basis data dipulihkan dari {self.source_file}.", self.restored.summary_id()]
        if self.warning:
            lines.append(self.warning)
        if self.moved_aside:
            lines.append(f"Basis data sebelumnya disimpan sebagai {self.moved_aside}")
        lines += [
            "",
            "Langkah berikutnya: jalankan `siapmas-sync recover` untuk mencocokkan basis data dengan",
            "spreadsheet — nomor agenda yang diberikan setelah cadangan ini dibuat diambil kembali dari",
            "spreadsheet, tidak diberikan ulang. Sesudah itu `siapmas-sync sync`.",
        ]
        return "\n".join(lines)


def human_size(n: int) -> str:
    """``1,2 MB`` (Indonesian decimal comma)."""
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB".replace(".", ",")
    return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")


# --- where ----------------------------------------------------------------------------------


def database_file(settings: Settings) -> Path:
    """The SQLite ledger file; a server database is backed up with the server's tools."""
    url = settings.database_url()
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    raise BackupError(
        "[storage] url menunjuk server basis data; siapmas-sync hanya mencadangkan dan memulihkan basis data SQLite.",
        "Cadangkan server basis data dengan alat server itu sendiri (PostgreSQL: pg_dump, dipulihkan dengan "
        "pg_restore), dijadwalkan oleh pengelola server. Sesudah pemulihan server, jalankan `siapmas-sync recover`.",
    )


def backup_folder(settings: Settings) -> Path:
    """``[backup] dir``, or a ``cadangan`` folder beside the database."""
    return settings.backup.dir or database_file(settings).parent / "cadangan"


def backup_time(name: str, tz: ZoneInfo) -> datetime | None:
    """When a backup was made, read from its name; None for other files."""
    m = NAME_RE.match(name)
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").replace(tzinfo=tz)
    except ValueError:
        return None


def _free_name(folder: Path, now: datetime) -> Path:
    base = f"{PREFIX}{now:%Y%m%d-%H%M%S}"
    path, n = folder / f"{base}.db", 1
    while path.exists():  # two backups within one second
        n += 1
        path = folder / f"{base}-{n}.db"
    return path


# --- pure decisions --------------------------------------------------------------------------


def backup_due(now: datetime, newest: datetime | None) -> bool:
    """Is the daily backup due? When there is none yet, on the first cycle of a new day (in
    ``now``'s time zone: WIB), and whenever the newest one is 24 hours old."""
    if newest is None:
        return True
    return now - newest >= DAY or now.date() > newest.astimezone(now.tzinfo).date()


def keep_newest(names: Sequence[str], keep: int) -> list[str]:
    """The names that survive retention: every name that is not one of our backups, and
    the ``keep`` newest of ours (names sort by time)."""
    ours = sorted(n for n in names if NAME_RE.match(n))
    survivors = set(ours[-keep:] if keep > 0 else ours)
    return [n for n in names if n in survivors or not NAME_RE.match(n)]


def newest_backup(names: Sequence[str], tz: ZoneInfo, now: datetime) -> datetime | None:
    """The newest backup time not in the future (a clock set back must not stop backups)."""
    times = [t for t in (backup_time(n, tz) for n in names) if t is not None and t <= now]
    return max(times, default=None)


# --- files ------------------------------------------------------------------------------------


def _create_private(path: Path) -> None:
    """An empty file readable and writable by its owner only, whatever the umask."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)


def _unlink_all(path: Path) -> None:
    """Remove a temp file and its SQLite side files (cleanup: never raises)."""
    for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        with suppress(OSError):
            p.unlink(missing_ok=True)


def check_header(path: Path, label: Path) -> None:
    """Refuse what is not an SQLite file, or one shorter than its header says."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(100)
    if size == 0:
        raise BackupError(f"Berkas {label} kosong (0 bita).", "Pilih berkas cadangan lain, mis. yang terbaru di folder cadangan.")
    if len(head) < 100 or head[:16] != SQLITE_MAGIC:
        raise BackupError(
            f"Berkas {label} bukan basis data SQLite.",
            "Pilih berkas cadangan buatan `siapmas-sync backup` (siapmas-YYYYMMDD-HHMMSS.db).",
        )
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    counted = head[24:28] == head[92:96] and pages > 0  # the header's page count is current
    if page_size < 512 or size % page_size or (counted and size < pages * page_size):
        expected = f", seharusnya {pages * page_size} bita" if counted else ""
        raise BackupError(
            f"Berkas {label} terpotong ({size} bita{expected}).",
            "Berkas tidak tersalin utuh. Salin ulang dari sumbernya, atau pilih cadangan lain.",
        )


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def manifest_of(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def _write_manifest(staged: Path, final: Path) -> None:
    """The manifest of *final* (whose bytes are *staged* now), written atomically first:
    a backup never exists without its manifest."""
    manifest = manifest_of(final)
    tmp = manifest.with_name(f".{manifest.name}.{os.getpid()}.tmp")
    try:
        _create_private(tmp)
        tmp.write_text(f"{sha256_of(staged)}  {final.name}\n", encoding="ascii")
        fsync_file(tmp)
        os.replace(tmp, manifest)
    finally:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)


def check_manifest(file: Path, digest: str, force: bool) -> str:
    """Refuse *file* (whose bytes hash to *digest*) unless it is what its manifest says;
    without a manifest, refuse unless *force*. Returns a warning to show, or ""."""
    manifest = manifest_of(file)
    if not manifest.is_file():
        if force:
            return (f"PERINGATAN: {file.name} tidak punya manifest {manifest.name}; isinya tidak dapat dipastikan "
                    "sama dengan saat dicadangkan (hanya pemeriksaan integritas SQLite).")
        raise BackupError(
            f"Berkas cadangan {file} tidak disertai manifest {manifest.name}, sehingga tidak dapat dipastikan utuh.",
            f"Salin juga berkas {manifest.name} yang dibuat bersama cadangan itu ke folder yang sama. Untuk cadangan "
            "lama tanpa manifest (atau unduhan dari Google Drive) yang Anda yakini benar: ulangi dengan "
            "`siapmas-sync restore --force FILE`.")
    try:
        text = manifest.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise BackupError(f"Manifest {manifest} tidak dapat dibaca ({exc.strerror or exc}).",
                          "Periksa izin baca berkas itu, lalu ulangi restore.") from None
    expected = {parts[1].lstrip("*"): parts[0].lower() for line in text.splitlines()
                if len(parts := line.split(None, 1)) == 2}
    if file.name not in expected and len(expected) == 1:  # the backup renamed after it was made
        expected = {file.name: next(iter(expected.values()))}
    if expected.get(file.name) != digest:
        raise BackupError(
            f"Berkas cadangan {file} tidak cocok dengan manifest {manifest.name} (SHA-256 berbeda): isinya telah "
            "berubah atau rusak sejak dicadangkan.",
            "Jangan pakai berkas ini. Pilih cadangan lain di folder cadangan (mis. yang sebelumnya), atau salin "
            "ulang berkas ini dari sumber aslinya.")
    return ""


def inspect(path: Path, label: Path | None = None) -> BackupInfo:
    """Open a file this module owns (a fresh copy), fold any WAL into it so that it stands
    alone, and verify it: integrity check, schema version, what it holds."""
    label = label or path
    corrupt = "Pilih cadangan lain (mis. yang sebelumnya di folder cadangan)."
    check_header(path, label)
    try:
        con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=DELETE").fetchall()
            result = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                raise BackupError(f"Berkas {label} rusak: pemeriksaan integritas SQLite gagal ({result[0]}).", corrupt)
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"meta", "items", "agenda_counters"} <= tables:
                raise BackupError(f"Berkas {label} bukan basis data SIAPMAS Sync.", corrupt)
            meta = {str(k): str(v) for k, v in con.execute("SELECT name, value FROM meta")}
            items = int(con.execute("SELECT count(*) FROM items").fetchone()[0])
            last = {int(y): str(a) for y, a in con.execute(
                "SELECT year, agenda_no FROM items AS i WHERE seq = (SELECT max(seq) FROM items WHERE year = i.year)")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Berkas {label} rusak atau bukan basis data SQLite ({exc}).", corrupt) from None
    try:
        version = int(meta.get("schema_version", ""))
    except ValueError:
        raise BackupError(f"Berkas {label} tidak memuat versi skema SIAPMAS Sync.", corrupt) from None
    return BackupInfo(path, path.stat().st_size, items, version, meta.get(SOURCE_META), last)


# --- backup -----------------------------------------------------------------------------------


def _copy_snapshot(db: Path, target: Path) -> int:
    """Copy the ledger through the online backup API from one read snapshot; the number of
    items in that snapshot."""
    src = sqlite3.connect(str(db), timeout=30, isolation_level=None)
    try:
        src.execute("BEGIN")  # the count and the copy see the same snapshot
        expected = int(src.execute("SELECT count(*) FROM items").fetchone()[0])
        dst = sqlite3.connect(str(target), isolation_level=None)
        try:
            src.backup(dst)
        finally:
            dst.close()
        src.execute("COMMIT")
        return expected
    finally:
        src.close()


def make_backup(settings: Settings, to: Path | None = None, now: datetime | None = None) -> BackupInfo:
    """Write a verified backup into ``to`` (default ``[backup] dir``); atomic, owner-only."""
    db = database_file(settings)
    if not db.is_file():
        raise BackupError(f"Belum ada basis data di {db}.",
                          "Jalankan `siapmas-sync sync` dahulu; cadangan dibuat dari basis data yang sudah ada.")
    folder = to or backup_folder(settings)
    now = now or datetime.now(settings.tz)
    tmp = folder / f".{PREFIX}{os.getpid()}.tmp"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # backups hold reporters' contacts
        final = _free_name(folder, now)
        _unlink_all(tmp)
        _create_private(tmp)
        expected = _copy_snapshot(db, tmp)
        try:
            info = inspect(tmp, label=db)
        except BackupError as exc:  # a page-exact copy: the ledger itself is damaged
            raise BackupError(f"Tidak ada cadangan dibuat. {exc}",
                              "Basis data mungkin rusak: pulihkan cadangan terakhir yang baik (`siapmas-sync restore`) "
                              "atau bangun ulang dengan `siapmas-sync recover`.") from None
        if info.items != expected:
            raise BackupError(f"Salinan berisi {info.items} butir, basis data {expected} butir.",
                              "Ulangi `siapmas-sync backup`; jika berulang, periksa disk.")
        fsync_file(tmp)
        _write_manifest(tmp, final)
        os.replace(tmp, final)
        fsync_dir(folder)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Basis data {db} tidak dapat dicadangkan ({exc}).",
                          "Jika basis data rusak, pulihkan dari cadangan (`siapmas-sync restore`) "
                          "atau bangun ulang dengan `siapmas-sync recover`.") from None
    except OSError as exc:
        what = "bukan folder" if folder.exists() and not folder.is_dir() else (exc.strerror or str(exc))
        raise BackupError(f"Cadangan tidak dapat ditulis ke {folder} ({what}).",
                          "Periksa ruang disk dan izin tulis folder itu, atau pilih folder lain "
                          "([backup] dir, atau --to pada `siapmas-sync backup`).") from None
    finally:
        _unlink_all(tmp)
    info.path = final
    return info


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete our backups in ``folder`` beyond the ``keep`` newest; other files stay."""
    names = [p.name for p in folder.iterdir() if p.is_file()]
    kept = set(keep_newest(names, keep))
    gone = [folder / n for n in sorted(names) if n not in kept]
    for p in gone:
        p.unlink(missing_ok=True)
    for n in names:  # a manifest whose backup is gone (pruned now, or deleted by hand)
        if n.endswith(MANIFEST_SUFFIX) and NAME_RE.match(n.removesuffix(MANIFEST_SUFFIX)) \
                and not (folder / n.removesuffix(MANIFEST_SUFFIX)).exists():
            (folder / n).unlink(missing_ok=True)
    return gone


def copy_to_drive(settings: Settings, backend: Backend, info: BackupInfo) -> str:
    """Upload a backup into ``[backup] drive_folder_id`` through the Google backend."""
    folder_id = settings.backup.drive_folder_id
    if settings.source.backend != "google" or backend.name != "google":
        raise BackupError("[backup] drive_folder_id hanya berlaku untuk backend google.",
                          'Kosongkan drive_folder_id, atau gunakan [source] backend = "google".')
    google = cast("GoogleBackend", backend)  # the only backend named "google"
    link = google.upload(
        info.path, folder_id, info.path.name, SQLITE_MIME, DRIVE_WHAT, resumable=True)
    if not link:
        raise BackupError(f"Folder cadangan Drive {folder_id} tidak ditemukan.",
                          f"Periksa [backup] drive_folder_id dan bagikan folder itu kepada {google.account} sebagai Editor.")
    info.drive_link = link
    return link


def backup_command(settings: Settings, to: Path | None, echo: Callable[[str], Any],
                   open_backend: Callable[[Settings], Any]) -> BackupInfo:
    """``siapmas-sync backup``: the local copy, then (if configured) the Drive copy."""
    info = make_backup(settings, to)
    echo("Cadangan basis data dibuat.")
    echo(info.summary_id())
    if settings.backup.drive_folder_id:
        backend = open_backend(settings)
        try:
            link = copy_to_drive(settings, backend, info)
            echo(f"Google Drive: {link}")
            keep = settings.backup.keep  # the Drive copies kept like the local ones (or the role is named)
            gone = backend.trim_folder(settings.backup.drive_folder_id, PREFIX, lambda n: keep_newest(n, keep), DRIVE_WHAT)
            if gone:
                echo(f"Cadangan lama di Google Drive dihapus: {len(gone)}.")
        finally:
            backend.close()
    return info


def daily_backup(settings: Settings, backend: Any = None, now: datetime | None = None) -> BackupInfo | None:
    """``run``'s hook, called every cycle: the day's backup when one is due, retention, the
    Drive copy. Logs failures and never raises: the cycle goes on."""
    try:
        if settings.storage.url and not settings.storage.url.startswith("sqlite:///"):
            return None  # a server database: the server's own backups (README)
        db = database_file(settings)
        folder = backup_folder(settings)
        now = now or datetime.now(settings.tz)
        names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        if not db.is_file() or not backup_due(now, newest_backup(names, settings.tz, now)):
            return None
        info = make_backup(settings, now=now)
        removed = prune(folder, settings.backup.keep)
        log.info("Cadangan harian dibuat: %s (%s, %d butir); %d cadangan lama dihapus",
                 info.path, human_size(info.size), info.items, len(removed))
    except SiapmasError as exc:
        log.error("Cadangan harian gagal: %s — %s", exc, exc.advice)
        return None
    except Exception:
        log.exception("Cadangan harian gagal karena kesalahan tak terduga; siklus tetap berjalan")
        return None
    if settings.backup.drive_folder_id:
        try:
            copy_to_drive(settings, backend, info)
            keep = settings.backup.keep
            backend.trim_folder(settings.backup.drive_folder_id, PREFIX, lambda n: keep_newest(n, keep), DRIVE_WHAT)
        except SiapmasError as exc:  # e.g. pruning as a Contributor: the missing role is named
            log.error("GALAT: Salinan cadangan di Google Drive gagal: %s Saran: %s", exc, exc.advice)
        except Exception:
            log.exception("Salinan cadangan ke Google Drive gagal karena kesalahan tak terduga")
    return info


# --- restore ----------------------------------------------------------------------------------


def _refuse_if_open(db: Path) -> None:
    """Another program (a running ``siapmas-sync run``) keeps the ledger open: leaving WAL
    mode needs every other connection closed, so SQLite itself tells us."""
    try:
        con = sqlite3.connect(str(db), timeout=2, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=DELETE").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(
                f"Basis data {db} sedang dibuka program lain (mis. layanan `siapmas-sync run`).",
                "Hentikan layanan itu dahulu (Linux: systemctl stop siapmas-sync; Windows: Task Scheduler → End), "
                "lalu ulangi restore.",
            ) from None
    except sqlite3.DatabaseError:
        pass  # a damaged ledger is what one restores over


def _move_side_files_aside(db: Path) -> None:
    """A WAL or rollback journal left beside the database (with no database, or a damaged
    one SQLite did not open) would be replayed into the restored file: keep it aside."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ("-wal", "-shm", "-journal"):
        side = db.with_name(db.name + suffix)
        if side.exists():
            os.replace(side, db.with_name(f"{db.name}.sebelum-pulih-{stamp}{suffix}"))


def restore(settings: Settings, file: Path, lock: Callable[[], AbstractContextManager[Any]],
            force: bool = False) -> RestoreReport:
    """Put a verified backup of this source in place of the ledger; the old one is moved
    aside, never deleted. Nothing is touched until the file has passed every check."""
    from ..ledger import SCHEMA_VERSION, Ledger
    from .recover import move_aside

    db = database_file(settings)
    if not file.is_file():
        raise BackupError(f"Berkas cadangan {file} tidak ditemukan.",
                          f"Periksa path-nya; cadangan harian ada di {backup_folder(settings)}.")
    if db.exists() and file.resolve() == db.resolve():
        raise BackupError(f"{file} adalah basis data yang sedang dipakai, bukan cadangan.",
                          f"Pilih berkas di folder cadangan ({backup_folder(settings)}).")
    check_header(file, file)  # before copying anything
    staging = db.with_name(f".{db.name}.pulih-{os.getpid()}.tmp")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        _unlink_all(staging)
        _create_private(staging)
        shutil.copyfile(file, staging)
        wal = file.with_name(file.name + "-wal")
        if wal.is_file():  # a raw copy of a ledger with its WAL: fold it in
            staged_wal = staging.with_name(staging.name + "-wal")
            _create_private(staged_wal)
            shutil.copyfile(wal, staged_wal)
        digest = sha256_of(staging)  # the file's bytes, before SQLite opens the copy
        info = inspect(staging, label=file)
        current = source_identity(settings)
        if info.source and info.source != current:
            raise BackupError(
                f"Cadangan {file} milik {describe(info.source)}, bukan {describe(current)} yang dipakai konfigurasi ini.",
                "Pulihkan cadangan dari sumber yang sama, atau jalankan restore dengan konfigurasi sumber itu (--config).",
            )
        if info.schema_version > SCHEMA_VERSION:
            raise BackupError(f"Cadangan {file} berversi skema {info.schema_version}, lebih baru dari program ini "
                              f"({SCHEMA_VERSION}).", "Perbarui siapmas-sync ke versi terbaru, lalu ulangi restore.")
        warning = check_manifest(file, digest, force)
        fsync_file(staging)
        with lock():
            moved = None
            if db.exists():
                _refuse_if_open(db)
                moved = move_aside(db, "sebelum-pulih")
            _move_side_files_aside(db)
            os.replace(staging, db)
            fsync_dir(db.parent)
    except OSError as exc:
        raise BackupError(f"Pemulihan gagal: {exc.strerror or exc} ({exc.filename or db}).",
                          "Periksa ruang disk dan izin tulis folder basis data, lalu ulangi restore.") from None
    finally:
        _unlink_all(staging)
    ledger = Ledger(settings.database_url())  # opens as the worker will (WAL, migrations)
    try:
        info.items = len(ledger.item_rows(["key"]))
    finally:
        ledger.close()
    info.path, info.size = db, db.stat().st_size
    return RestoreReport(info, file, moved, warning)
