"""``status``'s read-only look at a SQLite ledger, with the standard library's sqlite3.

``status`` is what an operator types most. Opening the :class:`~.store.Ledger` means
importing SQLAlchemy (≈ 0.3 CPU-s, more than the whole command may cost), and then creating
missing tables, upgrading and rehashing. A ledger that needs none of that — SQLite, its file
there, its schema and content-hash versions this program's, every table of the schema
present — is read here instead: one read transaction on a read-only connection (``mode=ro``:
the database is never created, migrated or written; as any reader of a WAL database, SQLite
may leave the empty ``-wal``/``-shm`` files beside it, which the worker's next cycle
removes), the same query over ``items`` the full path runs (so a damaged page is met here
too), and the ``meta`` table.

Anything else gives None and the caller takes the full path, which migrates, or says what
is wrong (GALAT/Saran) as it always did: a PostgreSQL ledger, a URL with options, a file not
there yet, an older or newer schema, a locked, damaged or unreadable file. The names read
come from :mod:`.names`, shared with :mod:`.schema`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.intake.hashversion import CONTENT_HASH_VERSION
from . import names as n

SQLITE_PREFIX = "sqlite:///"


@dataclass(frozen=True)
class Glance:
    """What ``status`` shows of a ledger, read in one transaction."""

    stages: tuple[str, ...]  # each item's tahap, in agenda order
    meta: Mapping[str, str]

    def get_meta(self, name: str) -> str | None:
        """A value of the ``meta`` table, as :meth:`Ledger.get_meta` gives it."""
        return self.meta.get(name)


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (None for any other ledger, an in-memory
    one, or a URL with options)."""
    if not url.startswith(SQLITE_PREFIX) or "?" in url:
        return None
    path = url.removeprefix(SQLITE_PREFIX)
    return Path(path) if path and path != ":memory:" else None


def glance_at(url: str) -> Glance | None:
    """The ledger at *url* read without SQLAlchemy, or None when it must be opened in full."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        # timeout 0: a ledger locked by a writer goes to the full path, which waits as it always did
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=0, isolation_level=None)
    except (sqlite3.Error, ValueError):
        return None
    try:
        conn.execute("BEGIN")
        return _read(conn)
    except sqlite3.Error:  # locked, damaged, not a database…: the full path says which
        return None
    finally:
        conn.close()


def _read(conn: sqlite3.Connection) -> Glance | None:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables.issuperset(n.TABLES):
        return None  # a table to create first
    meta = dict(conn.execute(f'SELECT "{n.META_NAME}", "{n.META_VALUE}" FROM "{n.META}"').fetchall())
    if meta.get(n.SCHEMA_VERSION_KEY) != str(n.SCHEMA_VERSION) or meta.get(n.CONTENT_HASH_VERSION_KEY) != CONTENT_HASH_VERSION:
        return None  # new, older (to upgrade or rehash) or newer (refused) than this program
    # every column, in agenda order, as Ledger.item_records reads them: the same pages touched
    cur = conn.execute(f'SELECT * FROM "{n.ITEMS}" ORDER BY "{n.ITEM_YEAR}", "{n.ITEM_SEQ}"')
    at = [d[0] for d in cur.description].index(n.ITEM_STAGE)
    return Glance(tuple(r[at] for r in cur), meta)
