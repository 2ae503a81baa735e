"""The ledger: the source of truth, and the only package that knows its tables.

* :mod:`.schema` — the tables (their names and version: :mod:`.names`);
* :mod:`.connect` — opening a database (SQLite's pragmas and write lock, drivers);
* :mod:`.store` — :class:`Ledger`: connections, migrations, and the general reads; every
  other query lives in a part it inherits (:mod:`.part`): :mod:`.items` (items' files,
  print batches, outbox, stage labels), :mod:`.registration` (numbering),
  :mod:`.recovery` (rebuilding from the sheet), :mod:`.messages` (replies to citizens,
  officials' notices), :mod:`.kelengkapan` (codes, linked and held responses),
  :mod:`.letters` (surat keluar) and :mod:`.reports` (rekap, Dasbor, public page);
* :mod:`.records` — the typed, frozen records those queries hand out;
* :mod:`.aside` — ``recover`` on a server ledger: its tables moved to a schema aside;
* :mod:`.values` — how timestamps and structures are stored;
* :mod:`.glance` — ``status``'s read-only look at a SQLite ledger that needs nothing done to
  it, with the standard library's sqlite3 (no SQLAlchemy).

Modules outside this package import from here, never from ``.schema`` (only tests that
build an older or damaged ledger, and a benchmark's bulk seeding, reach the tables).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import exports

if TYPE_CHECKING:
    from .connect import DRIVER_PACKAGES, missing_driver, open_engine
    from .glance import Glance, glance_at
    from .items import ItemChanges
    from .registration import Registrations
    from .records import (EventRecord, ItemDocuments, ItemRecord, MessageRecord, OutboxEntry, PrintedDoc, PublicStamp,
                          ResponseRecord)
    from .names import SCHEMA_VERSION
    from .store import Ledger
    from .values import from_iso, to_json, utc_iso

#: where each name lives, imported on first use: the package itself imports nothing, so
#: ``status`` on a SQLite ledger (:mod:`.glance`) and ``from siapmas_sync.ledger import from_iso``
#: never load SQLAlchemy (README, "Performance")
_HOME = {
    "DRIVER_PACKAGES": ".connect", "missing_driver": ".connect", "open_engine": ".connect",
    "Glance": ".glance", "glance_at": ".glance", "ItemChanges": ".items", "Registrations": ".registration", "SCHEMA_VERSION": ".names", "Ledger": ".store",
    **dict.fromkeys(("EventRecord", "ItemDocuments", "ItemRecord", "MessageRecord", "OutboxEntry", "PrintedDoc",
                     "PublicStamp", "ResponseRecord"), ".records"),
    **dict.fromkeys(("from_iso", "to_json", "utc_iso"), ".values"),
}

__all__ = [
    "DRIVER_PACKAGES", "EventRecord", "Glance", "ItemChanges", "ItemDocuments", "ItemRecord", "Ledger", "MessageRecord", "OutboxEntry",
    "PrintedDoc", "PublicStamp", "Registrations", "ResponseRecord", "SCHEMA_VERSION", "from_iso", "glance_at", "missing_driver", "open_engine",
    "to_json", "utc_iso",
]


__getattr__ = exports(__name__, _HOME, globals())
