"""The ledger's queries of kelengkapan (cycle/kelengkapan.py, cycle/tambahan.py): responses linked to
an item, responses waiting for an operator's decision, and the reporters' private codes
(cycle/kode_pelapor.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from .part import LedgerPart
from .records import ItemRecord, KelengkapanPending, ResponseRecord
from .schema import items, kelengkapan_links, kelengkapan_pending, receipt_codes, responses
from .values import chunks, utc_iso


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
        for chunk in chunks(item_keys):
            q = select(kelengkapan_links.c.item_key, responses).join(
                responses, responses.c.key == kelengkapan_links.c.key).where(
                kelengkapan_links.c.item_key.in_(chunk))
            out.extend((r.item_key, ResponseRecord.from_row(r)) for r in conn.execute(q))
        return out

    def items_quoted(self, numbers: Iterable[tuple[int, int]]) -> list[tuple[ItemRecord, str]]:
        """(item, its private code or "") of each item numbered (year, seq) in *numbers*."""
        wanted = list(numbers)
        if not wanted:
            return []
        cond = or_(*[and_(items.c.year == y, items.c.seq == q) for y, q in wanted])
        q = select(items, receipt_codes.c.code.label("receipt_code")).outerjoin(
            receipt_codes, receipt_codes.c.key == items.c.key).where(cond)
        with self.engine.connect() as conn:
            return [(ItemRecord.from_row(r), r.receipt_code or "") for r in conn.execute(q)]

    @staticmethod
    def add_linked_response(conn: Connection, key: str, item_key: str, content_hash: str, received_at: datetime,
                            payload_json: str, at: datetime) -> None:
        """Record response *key* as the kelengkapan of *item_key* (never numbered)."""
        conn.execute(insert(responses).values(
            key=key, content_hash=content_hash, received_at=utc_iso(received_at),
            payload=payload_json, duplicate_of=item_key, first_seen_at=utc_iso(at)))
        conn.execute(insert(kelengkapan_links).values(key=key, item_key=item_key, at=utc_iso(at)))

    @staticmethod
    def set_item_completeness(conn: Connection, key: str, evidence_json: str, findings_json: str,
                              at: datetime) -> None:
        """An item's evidence and completeness findings after a kelengkapan joined it."""
        conn.execute(update(items).where(items.c.key == key).values(
            evidence=evidence_json, findings=findings_json, updated_at=utc_iso(at)))

    # --- held responses (kelengkapan_pending) ---------------------------------------------

    def pending_keys(self, keys: Sequence[str], decisions: Collection[str | None]) -> set[str]:
        """Which of *keys* are held responses with one of *decisions* (None: undecided)."""
        chosen = [d for d in decisions if d is not None]
        cond: ColumnElement[bool] = kelengkapan_pending.c.decision.in_(chosen)
        if None in decisions:
            cond = or_(kelengkapan_pending.c.decision.is_(None), cond)
        out: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(keys):
                q = select(kelengkapan_pending.c.key).where(kelengkapan_pending.c.key.in_(chunk), cond)
                out.update(conn.execute(q).scalars())
        return out

    @staticmethod
    def hold_response(conn: Connection, key: str, item_key: str | None, agenda_nos: str, source_row: int,
                      content_hash: str, payload_json: str, evidence_json: str, at: datetime) -> bool:
        """Hold response *key* for an operator's decision; False when it is held already."""
        if conn.execute(select(kelengkapan_pending.c.key).where(kelengkapan_pending.c.key == key)).first():
            return False
        conn.execute(insert(kelengkapan_pending).values(
            key=key, item_key=item_key, agenda_nos=agenda_nos, source_row=source_row, content_hash=content_hash,
            payload=payload_json, evidence=evidence_json, at=utc_iso(at)))
        return True

    def pending_responses(self, include_decided: bool = False) -> list[KelengkapanPending]:
        """Held responses, oldest first (only those waiting, unless *include_decided*)."""
        q = select(kelengkapan_pending)
        if not include_decided:
            q = q.where(kelengkapan_pending.c.decision.is_(None))
        with self.engine.connect() as conn:
            return [KelengkapanPending.from_row(r) for r in conn.execute(
                q.order_by(kelengkapan_pending.c.at, kelengkapan_pending.c.source_row))]

    @staticmethod
    def decide_held(conn: Connection, key: str, decision: str, by: str, at: datetime) -> None:
        """Record an operator's decision on held response *key* (once: a decided one stays)."""
        conn.execute(update(kelengkapan_pending).where(
            kelengkapan_pending.c.key == key, kelengkapan_pending.c.decision.is_(None)).values(
            decision=decision, decided_by=by, decided_at=utc_iso(at)))
