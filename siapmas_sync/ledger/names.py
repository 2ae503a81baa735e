"""The names the ledger's database is read by, and its schema's version: one place, without
imports, shared by :mod:`.schema` (the SQLAlchemy tables) and :mod:`.glance` (``status``'s
read-only look at a SQLite ledger, which must not import SQLAlchemy)."""

from __future__ import annotations

SCHEMA_VERSION = 2  # 2: messages (replies to citizens, notify/) and items.disposisi (recorded choices, follow-up report)

# --- tables -------------------------------------------------------------------------------
META = "meta"
RESPONSES = "responses"
KELENGKAPAN_LINKS = "kelengkapan_links"
RECEIPT_CODES = "receipt_codes"
KELENGKAPAN_PENDING = "kelengkapan_pending"
COUNTERS = "agenda_counters"
ITEMS = "items"
EVENTS = "events"
OUTBOX = "outbox"
MESSAGES = "messages"
SURAT_KELUAR_COUNTERS = "surat_keluar_counters"
SURAT_KELUAR = "surat_keluar"
OFFICIAL_NOTICES = "official_notices"
PRINTED = "printed"

#: every table of :data:`SCHEMA_VERSION` (a ledger without one of them needs ``create_all``)
TABLES = (META, RESPONSES, KELENGKAPAN_LINKS, RECEIPT_CODES, KELENGKAPAN_PENDING, COUNTERS, ITEMS, EVENTS, OUTBOX,
          MESSAGES, SURAT_KELUAR_COUNTERS, SURAT_KELUAR, OFFICIAL_NOTICES, PRINTED)

# --- the columns read without SQLAlchemy ----------------------------------------------------
META_NAME = "name"
META_VALUE = "value"
ITEM_YEAR = "year"
ITEM_SEQ = "seq"
ITEM_STAGE = "tahap"

# --- keys of the meta table the ledger itself keeps -------------------------------------------
SCHEMA_VERSION_KEY = "schema_version"
CONTENT_HASH_VERSION_KEY = "content_hash_version"
