"""A PostgreSQL ledger server as the operator meets it: the `doctor` check (server version,
reachable, the ledger's schema) and the sentences for the errors a wrong ``[storage] url``,
a wrong password or a stopped server give (no traceback, never the password) — those
sentences live in :mod:`.pg_errors`, which imports no ledger (``failures`` needs them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ..errors import LedgerError
from ..ledger import SCHEMA_VERSION, open_engine
from ..logs import mask_text
from ..pg_errors import URL_ADVICE as _URL_ADVICE, describe_error


def check_server(url: str) -> str:
    """The doctor's line for a PostgreSQL ledger: server version, where, whether the ledger's
    tables are there and their schema version. Reads only (the first `sync` creates them)."""
    engine = open_engine(url, failed="[storage] url tidak sah", advice=_URL_ADVICE, poolclass=NullPool,
                         connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
            where = conn.execute(text("SELECT current_user || ' @ ' || current_database()")).scalar()
            has_meta = inspect(conn).has_table("meta")
            schema: Any = conn.execute(text("SELECT value FROM meta WHERE name = 'schema_version'")).scalar() \
                if has_meta else None
    except DBAPIError as exc:
        raise describe_error(exc.orig) or LedgerError(
            f"Server PostgreSQL buku besar: {mask_text(str(exc.orig).splitlines()[0])}", _URL_ADVICE) from None
    finally:
        engine.dispose()
    ledger = (f"buku besar skema versi {schema}" if schema is not None
              else "belum ada tabel buku besar (dibuat pada `sync` pertama)")
    if schema is not None and int(schema) > SCHEMA_VERSION:
        raise LedgerError(f"Basis data berversi skema {schema}, lebih baru dari program ini ({SCHEMA_VERSION}).",
                          "Perbarui siapmas-sync ke versi terbaru.")
    return f"PostgreSQL {version}, terhubung sebagai {where}; {ledger}"
