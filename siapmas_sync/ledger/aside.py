"""``recover`` on a server ledger (PostgreSQL): what moving a damaged or replaced SQLite file
aside means there.

A server database is not a file we can rename. ``recover --force`` moves the ledger's
tables into a new schema ``siapmas_cadangan_<time>`` of the same database (nothing is
deleted; ``DROP SCHEMA … CASCADE`` removes it once it is no longer wanted), the ledger is
created again empty in the usual schema and rebuilt from the sheet, and the history the
sheet never received is salvaged from the moved tables. Damage to the server's files is
the server's business (its own recovery, ``pg_dump`` backups), so without ``--force`` a
reachable ledger is kept and brought up to the sheet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect, text

from .connect import open_engine
from .schema import metadata
from .store import Ledger

SCHEMA_PREFIX = "siapmas_cadangan_"


def move_tables_aside(url: str) -> str | None:
    """Move the ledger's tables into a new schema; return its name (None when the database
    holds no ledger yet). One transaction: all of them move, or none."""
    ledger = Ledger(url)  # reachable, our schema version (else a GALAT from Ledger)
    ledger.close()
    schema = SCHEMA_PREFIX + datetime.now().strftime("%Y%m%d_%H%M%S_%f")
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            have = set(inspect(conn).get_table_names())
            ours = [t.name for t in metadata.sorted_tables if t.name in have]
            if not ours:
                return None
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            for name in ours:
                conn.execute(text(f'ALTER TABLE "{name}" SET SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    return schema


def salvage(url: str, schema: str, after_id: int) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]] | None:
    """Events with id > *after_id* and every item row of the tables moved to *schema*."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            evs = [dict(r._mapping) for r in conn.execute(
                text(f'SELECT * FROM "{schema}".events WHERE id > :i ORDER BY id'), {"i": after_id})]
            its = {r.key: dict(r._mapping) for r in conn.execute(text(f'SELECT * FROM "{schema}".items'))}
    except Exception:  # a salvage is a bonus: what cannot be read is reported as possibly lost
        return None
    finally:
        engine.dispose()
    return evs, its
