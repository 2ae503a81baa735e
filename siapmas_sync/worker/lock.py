"""One worker at a time per ledger: an OS file lock beside an SQLite database; on PostgreSQL,
whose ledger workers on several hosts share, an advisory lock held by a session of its own.

The operating system (PostgreSQL: the server, when the session ends) releases the lock
when its holder dies (even by SIGKILL or a power cut), so there is no stale lock to clean up. Numbering would stay correct without it
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
from typing import Any

from filelock import FileLock, Timeout

from ..errors import SiapmasError
from ..filemodes import PRIVATE_FILE, open_private, private_mkdir

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


# --- PostgreSQL: an advisory lock (a file lock does not span hosts) -------------------------

#: server-side TCP keepalive of the lock's session: a host that dies without closing its
#: connection (power cut, network gone) loses the lock within about a minute
_KEEPALIVE = "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"
_POLL_SECONDS = 0.5


def _pg_holder(conn: Any, key: int) -> str:
    """Who holds the advisory lock *key*, as the other worker named itself."""
    row = conn.exec_driver_sql(
        "SELECT a.application_name, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS') FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = %(hi)s AND l.objid::bigint = %(lo)s AND l.objsubid = 1",
        {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
    ).first()
    if row is None or not row[0]:
        return "proses lain"
    return f"{row[0].removeprefix('siapmas-sync ')} sejak {row[1]}"


@contextmanager
def advisory_worker_lock(database_url: str, scope: str = "", *, wait: float | None = None,
                         say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the worker lock of a PostgreSQL ledger: ``pg_try_advisory_lock`` on a session of
    its own, kept open while the lock is held. The server releases it when that session
    ends — the holder exits, is killed, or its host stops answering keepalives."""
    from sqlalchemy.pool import NullPool

    from ..ledger import open_engine

    from ..sqldialect import advisory_key

    key = advisory_key("worker", scope)
    name = f"siapmas-sync pid {os.getpid()} di {socket.gethostname()}"[:63]
    engine = open_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                         connect_args={"application_name": name, "options": _KEEPALIVE})
    try:
        with engine.connect() as conn:
            take = "SELECT pg_try_advisory_lock(%(k)s)"
            if not conn.exec_driver_sql(take, {"k": key}).scalar():
                (say or log.warning)(f"Worker lain sedang memproses ({_pg_holder(conn, key)}); menunggu giliran…")
                end = None if wait is None else time.monotonic() + wait
                while not conn.exec_driver_sql(take, {"k": key}).scalar():
                    if end is not None and time.monotonic() >= end:
                        raise LockBusy(
                            f"Worker lain masih memproses ({_pg_holder(conn, key)}).",
                            "Tunggu siklus itu selesai, atau hentikan layanan `siapmas-sync run` yang berjalan "
                            "sebelum menjalankan sync manual.",
                        )
                    time.sleep(_POLL_SECONDS if end is None else max(0.0, min(_POLL_SECONDS, end - time.monotonic())))
            try:
                yield
            finally:
                try:
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(%(k)s)", {"k": key})
                except Exception:  # the session is gone: the server released the lock with it
                    log.debug("advisory unlock failed; the session ended", exc_info=True)
    finally:
        engine.dispose()


def ledger_lock(database_url: str, fallback_dir: Path, *, scope: str = "", wait: float | None = None,
                say: Callable[[str], None] | None = None) -> Any:
    """The worker lock of a ledger: an advisory lock on PostgreSQL (shared by every host),
    the file lock beside the database otherwise (SQLite)."""
    if database_url.startswith("postgresql"):
        return advisory_worker_lock(database_url, scope, wait=wait, say=say)
    return worker_lock(lock_path(database_url, fallback_dir), wait=wait, say=say)
