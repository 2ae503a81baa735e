"""The ledger's queries of outgoing letters (cycle/surat_keluar.py): one gapless number per
year, taken in the approval's transaction, and the Buku Surat Keluar."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ..sqldialect import json_text, upsert_counter
from .part import LedgerPart
from .records import ItemRecord, SuratKeluarRecord
from .schema import events, items, responses, surat_keluar, surat_keluar_counters
from .values import utc_iso


class LetterQueries(LedgerPart):
    """Surat keluar and their counters."""

    @staticmethod
    def surat_keluar_of(conn: Connection, key: str) -> SuratKeluarRecord | None:
        """The approved letter of item *key*, or None."""
        r = conn.execute(select(surat_keluar).where(surat_keluar.c.key == key)).first()
        return SuratKeluarRecord.from_row(r) if r is not None else None

    @staticmethod
    def last_surat_keluar_seq(conn: Connection, year: int) -> int:
        """The last letter number of *year* (0 before any), locked for the caller's transaction."""
        return conn.execute(select(surat_keluar_counters.c.last_seq).where(
            surat_keluar_counters.c.year == year).with_for_update()).scalar() or 0

    @staticmethod
    def add_surat_keluar(conn: Connection, key: str, year: int, seq: int, nomor: str, at: datetime,
                         by: str, signer: Mapping[str, str]) -> None:
        """Record the letter numbered *seq* of *year* and move the year's counter to it."""
        conn.execute(insert(surat_keluar).values(key=key, year=year, seq=seq, nomor=nomor, approved_at=utc_iso(at),
                                                 approved_by=by, signer=json.dumps(dict(signer), ensure_ascii=False)))
        upsert_counter(conn, surat_keluar_counters, year, seq)

    @staticmethod
    def stage_entry_note(conn: Connection, key: str, stage: str) -> str:
        """The note of the latest event that moved item *key* into *stage* ("" when none)."""
        return conn.execute(select(events.c.note).where(events.c.key == key, events.c.to_stage == stage,
                                                        events.c.from_stage != stage)
                            .order_by(events.c.id.desc()).limit(1)).scalar() or ""

    def surat_keluar_listing(self) -> list[tuple[SuratKeluarRecord, ItemRecord, str]]:
        """(letter, its item, the reporter's name) of every approved letter, oldest first."""
        q = (select(surat_keluar, json_text(responses.c.payload, "nama").label("nama"))
             .join(responses, responses.c.key == surat_keluar.c.key, isouter=True)
             .order_by(surat_keluar.c.year, surat_keluar.c.seq))
        with self.engine.connect() as conn:
            letters = conn.execute(q).all()
            item_of = {r.key: ItemRecord.from_row(r) for r in conn.execute(
                select(items).where(items.c.key.in_(select(surat_keluar.c.key))))}
        return [(SuratKeluarRecord.from_row(r), item_of[r.key], r.nama or "") for r in letters if r.key in item_of]
