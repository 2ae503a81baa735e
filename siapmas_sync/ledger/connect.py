"""Opening a ledger database: the engine, SQLite's pragmas and write lock, a missing
driver said as such, and the private file a SQLite ledger lives in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import (
    create_engine,
)
from sqlalchemy.engine import Engine

from ..errors import LedgerError
from ..filemodes import private_mkdir
from ..sqldialect import masked_url

def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Write transactions take the write lock at BEGIN, so two workers serialise instead of
    # failing on lock upgrade; reads stay deferred and never block anyone (WAL).
    if conn.get_execution_options().get("siapmas_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


#: pip requirement of the Python module SQLAlchemy imports for a database URL
DRIVER_PACKAGES = {
    "psycopg": '"psycopg[binary]"',
    "psycopg2": "psycopg2-binary",
    "pymysql": "pymysql",
    "MySQLdb": "mysqlclient",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "oracledb": "oracledb",
    "pyodbc": "pyodbc",
}


def open_engine(url: str, *, failed: str = "Basis data tidak dapat dibuka",
                advice: str = "Periksa [storage] url.", **options: Any) -> Engine:
    """``create_engine`` for a configured URL: parameters never shown in errors (a row's
    values may be a reporter's phone or e-mail); a driver that is not installed or a bad URL
    becomes a LedgerError with the password masked."""
    try:
        return create_engine(url, hide_parameters=True, **options)
    except ImportError as exc:  # e.g. postgresql+psycopg2:// without psycopg2 installed
        raise missing_driver(url, exc) from None
    except Exception as exc:  # bad URL (the message of make_url never holds the password)
        shown = str(exc).replace(url, masked_url(url))
        raise LedgerError(f"{failed}: {shown}", advice) from None


def missing_driver(url: str, exc: ImportError) -> LedgerError:
    """The message for a database URL whose Python driver is not installed."""
    module = (exc.name or "").split(".")[0] or "?"
    package = DRIVER_PACKAGES.get(module, module)
    scheme = url.split("://", 1)[0]
    return LedgerError(
        f"Driver basis data '{module}' untuk [storage] url ({scheme}://…) belum terpasang.",
        f"Pasang driver itu di lingkungan Python siapmas-sync: .venv/bin/pip install {package} "
        f"(Windows: .venv\\Scripts\\pip install {package}), lalu jalankan lagi; "
        "atau kosongkan [storage] url untuk memakai SQLite.",
    )


def _disable_pysqlite_begin(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _prepare_private_file(path: Path) -> None:
    """Create the database's folder and file readable by the owner only (POSIX)."""
    private_mkdir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
