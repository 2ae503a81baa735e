"""The ledger's queries of kelengkapan (kelengkapan.py, tambahan.py): responses linked to
an item, responses waiting for an operator's decision, and the reporters' private codes
(kode_pelapor.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from .part import LedgerPart
from .records import ResponseRecord
from .schema import kelengkapan_links, receipt_codes, responses
from .values import utc_iso


class KelengkapanQueries(LedgerPart):
    """Kelengkapan links, pending decisions and receipt codes."""

    @staticmethod
    def receipt_code(conn: Connection, key: str) -> str:
        """The item's private code ("" when it has none yet)."""
        return conn.execute(select(receipt_codes.c.code).where(receipt_codes.c.key == key)).scalar() or ""

    @staticmethod
    def add_receipt_code(conn: Connection, key: str, code: str, at: datetime) -> None:
        conn.execute(insert(receipt_codes).values(key=key, code=code, created_at=utc_iso(at)))

    @staticmethod
    def linked_responses(conn: Connection, item_keys: Sequence[str]) -> list[tuple[str, ResponseRecord]]:
        """(item key, response) of every response linked as the kelengkapan of one of *item_keys*."""
        out: list[tuple[str, ResponseRecord]] = []
        wanted = list(item_keys)
        for start in range(0, len(wanted), 500):
            q = select(kelengkapan_links.c.item_key, responses).join(
                responses, responses.c.key == kelengkapan_links.c.key).where(
                kelengkapan_links.c.item_key.in_(wanted[start : start + 500]))
            out.extend((r.item_key, ResponseRecord.from_row(r)) for r in conn.execute(q))
        return out
