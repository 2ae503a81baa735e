"""Which source a ledger serves: a ledger records the identity of its spreadsheet at first
use and refuses to run against another one.

The identity is the backend plus what plays the part of the shared spreadsheet: the
spreadsheet id on Google, the register workbook's absolute path on the local backend (the
register is where numbers are shown, as the spreadsheet is on Google). A demo ledger
pointed at the production sheet, or a production ledger pointed at a test copy, would
otherwise push one sheet's agenda numbers into the other.
"""

from __future__ import annotations

from ..config import Settings
from ..errors import LedgerError
from ..ledger import Ledger

SOURCE_META = "source"


def source_identity(settings: Settings) -> str:
    """``google:<spreadsheet id>`` or ``local:<absolute register path>``."""
    src = settings.source
    if src.backend == "google":
        return f"google:{src.spreadsheet_id.strip()}"
    return f"local:{src.register_file.resolve()}"


def describe(identity: str) -> str:
    """The identity as an operator reads it (Indonesian)."""
    kind, _, rest = identity.partition(":")
    if kind == "google":
        return f"spreadsheet Google {rest}"
    if kind == "local":
        return f"buku register lokal {rest}"
    return identity


def bind_source(ledger: Ledger, settings: Settings) -> None:
    """Record the source at the ledger's first use; refuse, with advice, another one."""
    identity = source_identity(settings)
    bound = ledger.get_meta(SOURCE_META)
    if bound == identity:
        return
    if bound is None:
        with ledger.tx() as conn:
            ledger.set_meta(conn, SOURCE_META, identity)
        return
    raise LedgerError(
        f"Buku besar (basis data) ini milik {describe(bound)}, bukan {describe(identity)} "
        "yang ditunjuk konfigurasi. Tidak ada yang dibaca atau ditulis.",
        "Setiap spreadsheet memakai basis datanya sendiri: atur [storage] database ke berkas baru untuk "
        "sumber ini (lalu `siapmas-sync recover` bila spreadsheet itu sudah bernomor). Bila spreadsheet "
        "yang sama memang dipindah (disalin ke berkas baru atau folder lain), jalankan "
        "`siapmas-sync rebind` sekali.",
    )


def rebind(ledger: Ledger, settings: Settings) -> tuple[str | None, str]:
    """Point the ledger at the configured source (the same sheet, moved); returns (old, new)."""
    identity = source_identity(settings)
    bound = ledger.get_meta(SOURCE_META)
    with ledger.tx() as conn:
        ledger.set_meta(conn, SOURCE_META, identity)
    return bound, identity
