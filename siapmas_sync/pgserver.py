"""A PostgreSQL ledger server as the operator meets it: the `doctor` check (server version,
reachable, the ledger's schema) and the sentences for the errors a wrong ``[storage] url``,
a wrong password or a stopped server give (no traceback, never the password).
"""

from __future__ import annotations

from typing import Any

from .errors import LedgerError, SiapmasError
from .logs import mask_text

_URL_ADVICE = ("Periksa [storage] url (postgresql+psycopg://pengguna@host:port/nama_basis_data) dan kata sandinya "
               "([storage] password_env, PGPASSWORD atau berkas .pgpass).")


def describe_error(orig: BaseException | None) -> SiapmasError | None:
    """The operator's sentence for a PostgreSQL driver error (psycopg), None for another."""
    if not type(orig).__module__.startswith("psycopg"):
        return None
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = text.lower()
    first = mask_text(text)
    if "password authentication failed" in low or "no password supplied" in low or ("role" in low and "does not exist" in low):
        return LedgerError(f"Server PostgreSQL menolak login buku besar ({first}).",
                           "Periksa nama pengguna di [storage] url dan kata sandinya ([storage] password_env, "
                           "PGPASSWORD atau berkas .pgpass); minta admin basis data membuat/memberi hak pengguna itu.")
    if "database" in low and "does not exist" in low:
        return LedgerError(f"Basis data buku besar tidak ada di server PostgreSQL ({first}).",
                           "Buat basis data itu (createdb NAMA, pemiliknya pengguna siapmas-sync) atau perbaiki "
                           "nama basis data di [storage] url.")
    if ("connection refused" in low or "could not connect" in low or "failed to resolve host" in low
            or "timeout" in low or "timed out" in low or "server closed the connection" in low
            or "no route to host" in low or "connection failed" in low):
        return LedgerError(f"Server PostgreSQL buku besar tidak dapat dihubungi ({first}).",
                           "Pastikan server PostgreSQL berjalan dan dapat dijangkau dari komputer ini (host, port, "
                           "firewall, pg_hba.conf), lalu jalankan lagi; yang sudah tercatat tidak hilang. " + _URL_ADVICE)
    if "permission denied" in low:
        return LedgerError(f"Pengguna PostgreSQL tidak berhak atas tabel buku besar ({first}).",
                           "Minta admin basis data memberi pengguna itu hak CREATE dan hak tulis pada basis data "
                           "buku besar (atau jadikan pemiliknya).")
    return None


def check_server(url: str) -> str:
    """The doctor's line for a PostgreSQL ledger: server version, where, whether the ledger's
    tables are there and their schema version. Reads only (the first `sync` creates them)."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from .ledger import SCHEMA_VERSION, open_engine

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
