"""Which source a ledger serves: a ledger records the identity of its spreadsheet at first
use and refuses to run against another one.

The identity is the backend plus what plays the part of the shared spreadsheet: the
spreadsheet id on Google, the register workbook's absolute path on the local backend (the
register is where numbers are shown, as the spreadsheet is on Google). A demo ledger
pointed at the production sheet, or a production ledger pointed at a test copy, would
otherwise push one sheet's agenda numbers into the other.
"""

from __future__ import annotations

from .config import Settings

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
