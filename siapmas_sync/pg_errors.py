"""The operator's sentences for the errors a PostgreSQL ledger server gives — a wrong
``[storage] url``, a wrong password, a stopped server (no traceback, never the password).

Imports no ledger: :mod:`.failures` (which the ledger itself calls) asks here, and the
``doctor`` check of the server (:mod:`.pgserver`) too.
"""

from __future__ import annotations

from .errors import LedgerError, SiapmasError
from .logs import mask_text

URL_ADVICE = ("Periksa [storage] url (postgresql+psycopg://pengguna@host:port/nama_basis_data) dan kata sandinya "
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
                           "firewall, pg_hba.conf), lalu jalankan lagi; yang sudah tercatat tidak hilang. " + URL_ADVICE)
    if "permission denied" in low:
        return LedgerError(f"Pengguna PostgreSQL tidak berhak atas tabel buku besar ({first}).",
                           "Minta admin basis data memberi pengguna itu hak CREATE dan hak tulis pada basis data "
                           "buku besar (atau jadikan pemiliknya).")
    return None
