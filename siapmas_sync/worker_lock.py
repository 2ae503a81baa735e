"""One worker at a time per ledger: an OS file lock beside the database.

The operating system releases the lock when its holder dies (even by SIGKILL or a power
cut), so there is no stale lock to clean up. Numbering would stay correct without it
(agenda numbers are allocated in database transactions), but two workers would render
and write the same things twice; with it, a second worker says so and waits.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import SiapmasError
from .filemodes import PRIVATE_FILE, open_private, private_mkdir

log = logging.getLogger("siapmas.lock")


class LockBusy(SiapmasError):
    """Another worker holds the ledger's lock and did not release it in time."""


def lock_path(database_url: str, fallback_dir: Path) -> Path:
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        db = Path(database_url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".lock")
    return fallback_dir / "siapmas.lock"


def _holder(info: Path) -> str:
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
        return f"pid {data['pid']} di {data['host']} sejak {data['since']}"
    except (OSError, ValueError, KeyError):
        return "proses lain"


@contextmanager
def worker_lock(path: Path, *, wait: float | None = None, say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the worker lock. ``wait``: seconds to wait for it (None = forever)."""
    private_mkdir(path.parent)
    lock = FileLock(str(path), mode=PRIVATE_FILE)
    info = path.with_name(path.name + ".info")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        message = f"Worker lain sedang memproses ({_holder(info)}); menunggu giliran…"
        (say or log.warning)(message)
        try:
            lock.acquire(timeout=-1 if wait is None else wait)
        except Timeout:
            raise LockBusy(
                f"Worker lain masih memproses ({_holder(info)}).",
                "Tunggu siklus itu selesai, atau hentikan layanan `siapmas-sync run` yang berjalan sebelum menjalankan sync manual.",
            ) from None
    try:
        with os.fdopen(open_private(info), "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "since": time.strftime("%Y-%m-%d %H:%M:%S")}))
        yield
    finally:
        lock.release()
