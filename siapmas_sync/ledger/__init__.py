"""The ledger: the source of truth, and the only package that knows its tables.

* :mod:`.schema` — the tables and their version;
* :mod:`.connect` — opening a database (SQLite's pragmas and write lock, drivers);
* :mod:`.store` — :class:`Ledger`, every query the rest of the product needs, as named
  methods that hand out the typed records of :mod:`.records`;
* :mod:`.registration` — numbering's reads and writes (register.py);
* :mod:`.recovery` — rebuilding from the spreadsheet (recover.py);
* :mod:`.items` — the part of the Ledger about items' files, print batches, outbox
  entries and stage labels;
* :mod:`.values` — how timestamps and structures are stored.

Modules outside this package import from here, never from ``.schema``.
"""

from __future__ import annotations

from .connect import DRIVER_PACKAGES, missing_driver, open_engine
from .items import ItemChanges
from .registration import Registrations
from .records import EventRecord, ItemDocuments, ItemRecord, MessageRecord, OutboxEntry, PrintedDoc, ResponseRecord
from .schema import SCHEMA_VERSION, metadata
from .store import Ledger
from .values import from_iso, to_json, utc_iso

# Transitional (#23): the tables, for the modules whose queries have not yet moved into
# Ledger methods. Each name disappears from here when its last outside user is gone.
from .schema import (  # noqa: E402,F401
    events,
    items,
    kelengkapan_links,
    kelengkapan_pending,
    messages,
    official_notices,
    outbox,
    receipt_codes,
    responses,
    surat_keluar,
    surat_keluar_counters,
)

__all__ = [
    "DRIVER_PACKAGES", "EventRecord", "ItemChanges", "ItemDocuments", "ItemRecord", "Ledger", "MessageRecord", "OutboxEntry",
    "PrintedDoc", "Registrations", "ResponseRecord", "SCHEMA_VERSION", "from_iso", "metadata", "missing_driver", "open_engine",
    "to_json", "utc_iso",
]
