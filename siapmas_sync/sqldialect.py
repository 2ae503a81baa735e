"""What differs between the two ledgers SIAPMAS supports, SQLite and PostgreSQL, in one place.

Owns the SQL that is not portable: reading a field of a JSON text column, serialising
agenda-number allocation (SQLite: the write lock ``BEGIN IMMEDIATE`` already holds;
PostgreSQL: a transaction-level advisory lock plus a row lock on the year counter),
advisory-lock keys, moving id sequences past explicitly inserted ids, and masking a
database URL's password before it is shown.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, literal, select, text
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Text


class json_text(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """``json_text(column, "field")``: a top-level field of a JSON text column, as text
    (NULL when absent or JSON null). SQLite: ``json_extract``; PostgreSQL: ``::json ->>``."""

    type = Text()
    inherit_cache = True
    name = "json_text"


@compiles(json_text)
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column, field = list(element.clauses)
    return f"json_extract({compiler.process(column, **kw)}, '$.' || {compiler.process(field, **kw)})"


@compiles(json_text, "postgresql")
def _json_text_pg(element: json_text, compiler: Any, **kw: Any) -> str:
    column, field = list(element.clauses)
    return f"(CAST({compiler.process(column, **kw)} AS JSON) ->> {compiler.process(field, **kw)})"


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def advisory_key(purpose: str, scope: str = "") -> int:
    """A signed 64-bit key for ``pg_advisory_lock``: stable across hosts and versions (not
    Python's salted ``hash``). Advisory locks are per database already; *scope* tells apart
    several ledgers (tenants) inside one database."""
    digest = hashlib.blake2b(f"siapmas-sync:{purpose}:{scope}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_numbering(conn: Connection, scope: str = "") -> None:
    """Serialise agenda-number allocation for the rest of the caller's transaction.

    SQLite: nothing to do, every write transaction began with ``BEGIN IMMEDIATE``.
    PostgreSQL (READ COMMITTED): two workers would both read the same counter and both
    take its next number (the unique (year, seq) constraint then fails one of them), and
    both would find a new response unregistered. The advisory lock, released at commit or
    rollback, makes the second wait until the first has committed; every statement after
    it sees what the first wrote."""
    if is_postgresql(conn):
        key = literal(advisory_key("numbering", scope), type_=pg_dialect.BIGINT)
        conn.execute(select(func.pg_advisory_xact_lock(key)))


def lock_schema(conn: Connection) -> None:
    """PostgreSQL: serialise creating and upgrading the tables (two workers starting at
    once would otherwise race on CREATE TABLE) for the rest of the transaction."""
    if is_postgresql(conn):
        key = literal(advisory_key("schema"), type_=pg_dialect.BIGINT)
        conn.execute(select(func.pg_advisory_xact_lock(key)))


def upsert_counter(conn: Connection, table: Any, year: int, last_seq: int) -> None:
    """Set a year's counter, creating its row when the year is new."""
    dialect = pg_dialect if is_postgresql(conn) else sqlite_dialect
    stmt = dialect.insert(table).values(year=year, last_seq=last_seq)
    conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.year], set_={"last_seq": last_seq}))


def resync_id_sequences(conn: Connection, tables: list[Any]) -> None:
    """PostgreSQL: move each table's ``id`` sequence past the highest id (``recover`` inserts
    the history with its original ids, which a sequence does not see). SQLite's
    AUTOINCREMENT-less rowid already takes max(id) + 1."""
    if not is_postgresql(conn):
        return
    for t in tables:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {t.name}), 0) + 1, false)"))


def with_password(url: str, env_name: str) -> str:
    """*url* with the password read from the environment variable *env_name*
    (``[storage] password_env``), so the configuration file holds no secret."""
    import os

    from .errors import ConfigError

    password = os.environ.get(env_name)
    if password is None:
        raise ConfigError(
            f"Variabel lingkungan {env_name} ([storage] password_env) belum diisi.",
            f"Isi {env_name} dengan kata sandi basis data di lingkungan layanan siapmas-sync "
            "(systemd: Environment=/EnvironmentFile=; Windows: variabel lingkungan sistem), lalu jalankan lagi.",
        )
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def masked_url(url: str) -> str:
    """The database URL as it may be shown: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show only its scheme
        return url.split("://", 1)[0] + "://…"


__all__ = ["advisory_key", "is_postgresql", "json_text", "lock_numbering", "lock_schema", "masked_url",
           "resync_id_sequences", "upsert_counter", "with_password"]
