"""The ledger: the source of truth, and the only package that knows its tables.

* :mod:`.schema` — the tables and their version;
* :mod:`.connect` — opening a database (SQLite's pragmas and write lock, drivers);
* :mod:`.store` — :class:`Ledger`: connections, migrations, and the general reads; every
  other query lives in a part it inherits (:mod:`.part`): :mod:`.items` (items' files,
  print batches, outbox, stage labels), :mod:`.registration` (numbering),
  :mod:`.recovery` (rebuilding from the sheet), :mod:`.messages` (replies to citizens,
  officials' notices), :mod:`.kelengkapan` (codes, linked and held responses),
  :mod:`.letters` (surat keluar) and :mod:`.reports` (rekap, Dasbor, public page);
* :mod:`.records` — the typed, frozen records those queries hand out;
* :mod:`.aside` — ``recover`` on a server ledger: its tables moved to a schema aside;
* :mod:`.values` — how timestamps and structures are stored.

Modules outside this package import from here, never from ``.schema`` (only tests that
build an older or damaged ledger, and a benchmark's bulk seeding, reach the tables).
"""

from __future__ import annotations

from .connect import DRIVER_PACKAGES, missing_driver, open_engine
from .items import ItemChanges
from .registration import Registrations
from .records import (EventRecord, ItemDocuments, ItemRecord, MessageRecord, OutboxEntry, PrintedDoc, PublicStamp,
                      ResponseRecord)
from .schema import SCHEMA_VERSION
from .store import Ledger
from .values import from_iso, to_json, utc_iso

__all__ = [
    "DRIVER_PACKAGES", "EventRecord", "ItemChanges", "ItemDocuments", "ItemRecord", "Ledger", "MessageRecord", "OutboxEntry",
    "PrintedDoc", "PublicStamp", "Registrations", "ResponseRecord", "SCHEMA_VERSION", "from_iso", "missing_driver", "open_engine",
    "to_json", "utc_iso",
]
