"""Every failure as an operator reads it: ``GALAT`` (what went wrong) + ``Saran`` (what to do).

Owns the one mapping from exception classes to :class:`SiapmasError` — operating-system
errors by errno (naming the path involved), SQLite/SQLAlchemy errors (a damaged, read-only,
full or locked database), corrupt files (a register that is not an XLSX, a broken PDF) and
configuration errors — and the private log that receives the traceback of an *unexpected*
error, masked, so that the terminal never shows one. Messages are masked (no reporter's
phone number or e-mail, no SQL parameters) before they leave this module.

``SIAPMAS_TEST_FAULT`` injects faults for the hostile-run tests (:func:`fault_point`); it
is read only at the few named points and ignored otherwise.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, LedgerError, SiapmasError, SourceError
from .logs import mask_text
from .pg_errors import describe_error

#: the private log of unexpected errors, rotated once past this size
LOG_NAME = "siapmas-galat.log"
LOG_MAX_BYTES = 2_000_000
SYSTEM_ROOTS = ("/proc", "/sys", "/dev")


class FileSystemError(SiapmasError):
    """A file or folder the worker needs cannot be read or written (disk full, permissions…)."""


class CorruptFileError(SiapmasError):
    """A file exists but is not what it should be (an XLSX that is not a zip, a broken PDF)."""


class UnexpectedError(SiapmasError):
    """A failure no rule knows; its traceback is in the private log named in the advice."""


@dataclass
class Where:
    """What the mapping may name: the paths of the current configuration, when known."""

    database: Path | None = None
    output: Path | None = None
    register: Path | None = None
    log_dirs: list[Path] = field(default_factory=list)


_where = Where()


def remember(database: Path | None = None, output: Path | None = None, register: Path | None = None) -> None:
    """Record the configured paths (called once the configuration is loaded)."""
    global _where
    dirs = [database.parent / "log"] if database is not None else []
    _where = Where(database, output, register, dirs)


# --- the mapping --------------------------------------------------------------------------


def describe(exc: BaseException, where: Where | None = None) -> SiapmasError | None:
    """The operator's sentence for *exc*, or None when no rule knows it (unexpected)."""
    w = where or _where
    if isinstance(exc, SiapmasError):
        return exc
    orig = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's error
    if isinstance(orig, BaseException) and _is_dbapi_wrapper(exc):
        return _database(orig, w) or _database_generic(orig, w)
    if isinstance(exc, sqlite3.Error):
        return _database(exc, w) or _database_generic(exc, w)
    if _is_network(exc):
        return SiapmasError(
            f"Koneksi jaringan ke Google gagal ({type(exc).__name__}).",
            "Periksa koneksi internet, DNS atau proxy server ini, lalu jalankan lagi; siklus berikutnya melanjutkan.",
        )
    if isinstance(exc, OSError) and exc.errno is not None:
        return _os_error(exc, w)
    if isinstance(exc, MemoryError):
        return SiapmasError("Memori komputer tidak cukup untuk menyelesaikan siklus ini.",
                            "Tutup program lain atau tambah memori, lalu jalankan lagi; yang sudah tercatat tidak hilang.")
    corrupt = _corrupt_file(exc, w)
    if corrupt is not None:
        return corrupt
    return _config(exc)


_NETWORK = ("requests.exceptions.ConnectionError", "requests.exceptions.Timeout", "google.auth.exceptions.TransportError",
            "urllib3.exceptions.HTTPError", "httplib2.error.ServerNotFoundError", "ssl.SSLError", "socket.gaierror",
            "builtins.TimeoutError", "builtins.ConnectionError")


def _is_network(exc: BaseException) -> bool:
    names = {c.__module__ + "." + c.__name__ for c in type(exc).__mro__}
    return any(n in names for n in _NETWORK)


def _is_dbapi_wrapper(exc: BaseException) -> bool:
    try:
        from sqlalchemy.exc import DBAPIError
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        return False
    return isinstance(exc, DBAPIError)


def _db_name(w: Where) -> str:
    return str(w.database) if w.database is not None else "basis data"


def _database(orig: BaseException, w: Where) -> SiapmasError | None:
    """SQLite's error codes (Python 3.11+ gives the name), else its message; PostgreSQL's
    connection and login errors (pg_errors)."""
    server = describe_error(orig)
    if server is not None:
        return server
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    low = text.lower()
    db = _db_name(w)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in low or "not a database" in low:
        return LedgerError(
            f"Basis data {db} rusak ({mask_text(text)}).",
            "Jalankan `siapmas-sync recover` untuk membangun ulang basis data dari spreadsheet (berkas lama "
            "disimpan dengan akhiran .rusak-…, tidak dihapus), atau pulihkan dari cadangan terakhir.",
        )
    if name.startswith("SQLITE_READONLY") or "readonly database" in low or "read-only" in low:
        return LedgerError(
            f"Basis data {db} hanya dapat dibaca; perubahan tidak dapat disimpan.",
            f"Beri pengguna yang menjalankan siapmas-sync izin tulis pada {db}, berkas -wal/-shm di sampingnya "
            "dan foldernya (atau pasang ulang disknya agar dapat ditulis), lalu jalankan lagi.",
        )
    if name.startswith("SQLITE_FULL") or "disk is full" in low:
        return LedgerError(
            f"Ruang disk penuh: basis data {db} tidak dapat ditulis.",
            "Kosongkan ruang pada disk itu (hapus atau pindahkan berkas yang tidak diperlukan), lalu jalankan lagi. "
            "Transaksi yang gagal dibatalkan utuh; nomor agenda yang sudah tercatat tidak hilang.",
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in low:
        return LedgerError(
            f"Basis data {db} sedang dikunci oleh proses lain.",
            "Tunggu sebentar lalu coba lagi; tutup program lain yang membuka basis data (mis. DB Browser for SQLite).",
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open database" in low:
        parent = w.database.parent if w.database is not None else "folder basis data"
        return LedgerError(
            f"Basis data {db} tidak dapat dibuka.",
            f"Pastikan folder {parent} ada dan dapat ditulis oleh pengguna yang menjalankan siapmas-sync, "
            "atau ubah [storage] database.",
        )
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in low:
        return LedgerError(
            f"Kesalahan baca/tulis disk pada basis data {db} ({mask_text(text)}).",
            "Periksa disk (penuh, rusak, atau folder jaringan terputus); bila basis data rusak, "
            "jalankan `siapmas-sync recover` atau pulihkan dari cadangan.",
        )
    return None


def _database_generic(orig: BaseException, w: Where) -> SiapmasError:
    """Any other database error: its first line only (never the statement or its parameters)."""
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    return LedgerError(
        f"Basis data {_db_name(w)} menolak perintah: {mask_text(text)}",
        "Periksa [storage] database / url dan bahwa server basis data berjalan; bila basis data rusak, "
        "jalankan `siapmas-sync recover` atau pulihkan dari cadangan.",
    )


def _blocking_component(path: Path) -> Path | None:
    """The nearest existing ancestor of *path* (or *path* itself) that is a file, not a folder."""
    for p in [path, *path.parents]:
        try:
            if p.exists():
                return None if p.is_dir() else p
        except OSError:
            return None
    return None


def _system_root(path: Path) -> str | None:
    text = str(path)
    for root in SYSTEM_ROOTS:
        if text == root or text.startswith(root + "/"):
            return root
    return None


def _os_error(exc: OSError, w: Where) -> SiapmasError:
    path = Path(os.fsdecode(exc.filename)) if isinstance(exc.filename, (str, bytes, os.PathLike)) and exc.filename else None
    shown = mask_text(str(path)) if path is not None else "sebuah berkas"
    code = exc.errno
    config_hint = "ubah path itu di konfigurasi ([storage] database, [output] dir, [source] register/evidence_dir)"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what = "kuota disk habis" if code != errno.ENOSPC else "ruang disk penuh"
        return FileSystemError(
            f"Tidak dapat menulis {shown}: {what}.",
            f"Kosongkan ruang pada disk yang memuat {shown} (hapus atau pindahkan berkas yang tidak diperlukan), "
            "lalu jalankan lagi. Nomor agenda yang sudah tercatat tidak hilang; siklus berikutnya melanjutkan.",
        )
    if path is not None and (root := _system_root(path)) is not None:
        return FileSystemError(
            f"{shown} berada di folder sistem {root}, yang tidak dapat dipakai untuk menyimpan berkas.",
            f"Arahkan ke folder data biasa (mis. /var/lib/siapmas-sync): {config_hint}.",
        )
    if code == errno.EROFS:
        return FileSystemError(
            f"Tidak dapat menulis {shown}: disk atau folder itu hanya-baca.",
            f"Pasang ulang disk itu agar dapat ditulis, atau {config_hint} ke folder yang dapat ditulis.",
        )
    if code in (errno.EACCES, errno.EPERM):
        return FileSystemError(
            f"Tidak ada izin untuk membuka atau menulis {shown}.",
            f"Beri pengguna yang menjalankan siapmas-sync izin tulis pada {shown} dan foldernya "
            "(Linux: chown/chmod; Windows: Properties → Security). Jika berkas itu sedang dibuka di "
            f"Excel/LibreOffice, tutup dahulu. Atau {config_hint}.",
        )
    if code in (errno.ENOTDIR, errno.EEXIST) and path is not None and (blocker := _blocking_component(path)):
        said = (f"folder {shown} tidak dapat dibuat: sudah ada berkas (bukan folder) dengan nama itu." if blocker == path
                else f"{shown} tidak dapat dipakai: {mask_text(str(blocker))} adalah berkas, bukan folder.")
        return FileSystemError(
            said[0].upper() + said[1:],
            f"Pindahkan atau ganti nama berkas {mask_text(str(blocker))}, atau {config_hint}.",
        )
    if code == errno.EISDIR:
        return FileSystemError(
            f"{shown} adalah folder, padahal yang diharapkan sebuah berkas.",
            f"Pindahkan folder itu atau {config_hint} agar menunjuk ke berkas.",
        )
    if code == errno.ENOENT:
        return FileSystemError(
            f"Berkas atau folder tidak ditemukan: {shown}.",
            "Periksa path di konfigurasi (path relatif dihitung dari folder berkas konfigurasi) dan pastikan "
            "disk atau folder jaringannya terpasang.",
        )
    if code == errno.EIO:
        return FileSystemError(
            f"Kesalahan baca/tulis perangkat pada {shown} (disk rusak atau terlepas).",
            "Periksa disk, kabel atau folder jaringan; salin data ke disk yang sehat dan pulihkan dari cadangan bila perlu.",
        )
    if code in (errno.EMFILE, errno.ENFILE):
        return FileSystemError(
            "Terlalu banyak berkas terbuka sekaligus.",
            "Naikkan batas berkas terbuka (`ulimit -n`, atau LimitNOFILE= pada layanan systemd) lalu jalankan lagi.",
        )
    if code == errno.ENAMETOOLONG:
        return FileSystemError(f"Path terlalu panjang: {shown}.", f"Pakai folder dengan path lebih pendek: {config_hint}.")
    if code == errno.ELOOP:
        return FileSystemError(f"Tautan simbolik berputar pada {shown}.", "Perbaiki tautan simbolik itu atau ubah path di konfigurasi.")
    if code == errno.ENOMEM:
        return SiapmasError("Memori komputer tidak cukup.", "Tutup program lain atau tambah memori, lalu jalankan lagi.")
    if code in (errno.ECONNREFUSED, errno.ECONNRESET, errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH,
                errno.ENETDOWN, errno.ECONNABORTED):
        return SiapmasError(
            f"Koneksi jaringan gagal ({mask_text(exc.strerror or '')}).",
            "Periksa koneksi internet atau proxy server ini, lalu jalankan lagi; siklus berikutnya melanjutkan.",
        )
    if code in (errno.EBUSY, getattr(errno, "ETXTBSY", -1)):
        return FileSystemError(f"{shown} sedang dipakai program lain.", "Tutup program itu lalu jalankan lagi.")
    return FileSystemError(
        f"Kesalahan sistem berkas pada {shown}: {mask_text(exc.strerror or type(exc).__name__)}.",
        f"Periksa disk dan izin folder itu, atau {config_hint}.",
    )


def _corrupt_file(exc: BaseException, w: Where) -> SiapmasError | None:
    names = {c.__module__ + "." + c.__name__ for c in type(exc).__mro__}
    detail = mask_text(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if isinstance(exc, zipfile.BadZipFile) or "openpyxl.utils.exceptions.InvalidFileException" in names:
        register = f" ({w.register})" if w.register is not None else ""
        return CorruptFileError(
            f"Sebuah berkas XLSX/DOCX rusak atau bukan berkas yang diharapkan: {detail}.",
            f"Jika itu register{register}, pindahkan berkas itu; siklus berikutnya membuatnya ulang dari buku besar. "
            "Jika itu berkas jawaban atau templat Word, ganti dengan salinan yang utuh.",
        )
    if any(n.startswith("pypdf.errors.") for n in names):
        return CorruptFileError(
            f"Sebuah berkas PDF rusak: {detail}.",
            "Hapus PDF yang rusak di folder keluaran; siklus berikutnya membuatnya lagi.",
        )
    if any(n.startswith(("lxml.etree.XMLSyntaxError", "xml.etree.ElementTree.ParseError", "xml.parsers.expat")) for n in names):
        return CorruptFileError(
            f"Isi sebuah berkas XLSX/DOCX rusak: {detail}.",
            "Ganti berkas itu dengan salinan yang utuh (register: pindahkan; siklus berikutnya membuatnya ulang).",
        )
    return None


def _config(exc: BaseException) -> SiapmasError | None:
    names = {c.__module__ + "." + c.__name__ for c in type(exc).__mro__}
    if "tomllib.TOMLDecodeError" in names:
        return ConfigError(f"Berkas TOML tidak dapat dibaca: {mask_text(str(exc))}", "Perbaiki penulisan pada baris yang disebut.")
    if "pydantic_core._pydantic_core.ValidationError" in names:
        return ConfigError(f"Isian konfigurasi tidak sah: {mask_text(str(exc).splitlines()[0])}",
                           "Perbaiki isian itu di berkas konfigurasi atau variabel lingkungan SIAPMAS_….")
    if names & {"sqlalchemy.exc.ArgumentError", "sqlalchemy.exc.NoSuchModuleError"}:
        return ConfigError(f"Alamat basis data tidak sah: {mask_text(str(exc).splitlines()[0])}",
                           "Periksa [storage] url (mis. postgresql+psycopg://…) dan bahwa drivernya terpasang.")
    if isinstance(exc, UnicodeDecodeError):
        return SourceError("Sebuah berkas teks bukan UTF-8 dan tidak dapat dibaca.",
                           "Simpan ulang berkas itu sebagai UTF-8.")
    return None


# --- unexpected errors: the private log ---------------------------------------------------


def _state_dir() -> Path:
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "siapmas-sync"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "siapmas-sync"


def log_dirs(where: Where | None = None) -> list[Path]:
    """Where the private log may go, first choice first: beside the database, the user's
    state folder, then the temp folder (one sub-folder per user)."""
    w = where or _where
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return [*w.log_dirs, _state_dir(), Path(tempfile.gettempdir()) / f"siapmas-sync-{user}"]


def _open_private(folder: Path) -> tuple[Path, int]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        st = folder.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            os.chmod(folder, 0o700)  # fails (PermissionError) on someone else's folder: try the next
    path = folder / LOG_NAME
    try:
        if path.stat().st_size > LOG_MAX_BYTES:
            os.replace(path, path.with_name(LOG_NAME + ".1"))
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    if os.name == "posix":
        os.fchmod(fd, 0o600)
    return path, fd


def write_private_log(exc: BaseException, where: Where | None = None, command: str = "") -> Path | None:
    """Append *exc*'s traceback, masked, to the first writable private log; its path, or None."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    entry = mask_text(f"=== {stamp} pid {os.getpid()} {command}\n{text}\n")
    for folder in log_dirs(where):
        try:
            path, fd = _open_private(folder)
            try:
                os.write(fd, entry.encode("utf-8", "replace"))
            finally:
                os.close(fd)
            return path
        except OSError:
            continue
    return None


def explain(exc: BaseException, where: Where | None = None, command: str = "") -> SiapmasError:
    """Always a SiapmasError: the mapped sentence, or — for an unexpected error — one that
    names the private log holding its (masked) traceback."""
    known = describe(exc, where)
    if known is not None:
        return masked(known)
    path = write_private_log(exc, where, command)
    kind = type(exc).__name__
    where_log = f"Rincian teknis tersimpan di {path}." if path else "Rincian teknis tidak dapat disimpan (tidak ada folder yang dapat ditulis)."
    return UnexpectedError(
        f"Terjadi kesalahan tak terduga ({kind}). {where_log}",
        "Jalankan lagi; pekerjaan yang sudah tercatat tidak hilang. Jika terulang, kirim berkas rincian itu "
        "kepada pengelola TI (isinya sudah disamarkan: tanpa nomor telepon dan e-mail pelapor).",
    )


def masked(err: SiapmasError) -> SiapmasError:
    """The same error with message and advice masked (a SiapmasError may quote a cell)."""
    message, advice = mask_text(err.message), mask_text(err.advice)
    if message == err.message and advice == err.advice:
        return err
    out = type(err).__new__(type(err))
    SiapmasError.__init__(out, message, advice)
    return out


# --- test fault injection -----------------------------------------------------------------


def fault_point(name: str, path: Path | None = None) -> None:
    """Raise the fault ``SIAPMAS_TEST_FAULT`` names at this point (hostile-run tests only).

    ``unexpected@NAME``: an error no rule knows (its message carries a sample reporter's
    contact details, which must never reach the terminal); ``enospc@NAME``: a full disk
    where the test cannot mount a small file system."""
    spec = os.environ.get("SIAPMAS_TEST_FAULT", "")
    if not spec:
        return
    kind, _, point = spec.partition("@")
    if point != name:
        return
    if kind == "unexpected":
        raise RuntimeError("kesalahan uji untuk budi.santoso@example.com / 0812-3456-7890")
    if kind == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path or name))
    print(f"SIAPMAS_TEST_FAULT tidak dikenal: {spec}", file=sys.stderr)


def at_path(exc: BaseException, path: Path | None) -> BaseException:
    """*exc* naming *path* when the OS did not say which file failed (a full disk found by
    a flush); other exceptions unchanged."""
    if path is not None and isinstance(exc, OSError) and exc.errno is not None and not exc.filename:
        named = OSError(exc.errno, exc.strerror, str(path))
        named.__traceback__ = exc.__traceback__
        return named
    return exc
