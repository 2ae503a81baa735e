"""Owner-only files and folders, whatever the umask (POSIX; a no-op on Windows).

Documents, exports, the evidence cache, the ledger and the register hold reporters'
names, phone numbers and e-mails (UU 27/2022 PDP). Everything the worker creates is
made ``0600`` (files) / ``0700`` (folders) explicitly, so neither ``umask 000`` nor a
permissive parent changes it; ``siapmas-sync`` also sets ``umask 077`` at start as a
second line of defence (SQLite journals, lock files, anything a library creates).

A folder that already existed (made by hand, by a package, by an older version) keeps
its mode — the worker never changes permissions it did not set — but one that other
users can open is reported by ``sync`` (once per cycle) and ``doctor``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
PRIVATE_UMASK = 0o077

POSIX = os.name == "posix"


def restrict_umask() -> None:
    """Make the process's default modes owner-only (files 0600, folders 0700)."""
    if POSIX:
        os.umask(PRIVATE_UMASK)


def private_mkdir(path: Path | str) -> None:
    """Create *path* and any missing parents, each created folder ``0700``.

    Folders that already exist are left as they are (see :func:`exposed_folder_warnings`).
    """
    path = Path(path)
    if path.is_dir():  # the common case (one stat per written file)
        return
    missing: list[Path] = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    if not missing:
        path.mkdir()  # exists but is not a folder: FileExistsError as Path.mkdir gives it
    for d in reversed(missing):
        try:
            d.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            if not d.is_dir():
                raise
            continue  # made by someone else meanwhile: not ours to change
        chmod_private(d, PRIVATE_DIR)


def chmod_private(path: Path | str, mode: int = PRIVATE_FILE) -> None:
    """Set *mode* on a file or folder the worker created (POSIX only)."""
    if POSIX:
        os.chmod(path, mode)


def open_private(path: Path | str, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """``os.open`` a file that is ``0600`` whatever the umask (an existing file is made so
    too: it is one of ours). Returns the descriptor."""
    fd = os.open(path, flags, PRIVATE_FILE)
    if POSIX:
        try:
            os.fchmod(fd, PRIVATE_FILE)
        except OSError:
            os.close(fd)
            raise
    return fd


def others_can_open(path: Path | str) -> int | None:
    """The permission bits of *path* when users other than its owner can read (or enter)
    it, else None (also on Windows and for a missing path)."""
    if not POSIX:
        return None
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    return mode if mode & 0o055 else None  # a read or execute bit for group or others


def exposed_folder_warnings(folders: dict[str, Path]) -> list[str]:
    """Indonesian warnings for the existing folders of *folders* (label → path) that other
    users of the computer can open."""
    out: list[str] = []
    seen: set[Path] = set()
    for label, folder in folders.items():
        folder = Path(folder)
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        mode = others_can_open(folder)
        if mode is not None:
            out.append(
                f"{label} {folder} dapat dibuka pengguna lain (izin {mode:04o}); berkas di dalamnya memuat "
                f"data pribadi pelapor. Jalankan: chmod 700 '{folder}'"
            )
    return out


def exposed_key_warning(path: Path | str | None) -> str | None:
    """Indonesian warning when the service-account key file can be read by others."""
    if path is None:
        return None
    mode = others_can_open(path)
    if mode is None:
        return None
    return (f"Berkas kunci akun layanan {path} dapat dibaca pengguna lain (izin {mode:04o}). "
            f"Jalankan: chmod 600 '{path}'")
