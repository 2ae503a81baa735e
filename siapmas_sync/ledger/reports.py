"""The ledger's read-only queries of the reports: the rekap's period (rekap/source.py),
the Dasbor's change fingerprint (dasbor/service.py) and the public status's stage moves
(publik/step.py). Nothing here writes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, tuple_

from ..sqldialect import json_text
from .part import LedgerPart
from .records import EventRecord, PublicStamp, RekapItemRecord
from .schema import events, items, kelengkapan_links, responses
from .values import chunks, from_iso, utc_iso


def _public_items(columns: Sequence[str]) -> Select[Any]:
    """Items with *columns* and ``received_at``, as the public view reads them."""
    return select(items.c.year, items.c.seq, *(items.c[c] for c in columns if c not in ("year", "seq")),
                  responses.c.received_at).join(responses, responses.c.key == items.c.key)


class ReportQueries(LedgerPart):
    """Reads for rekap, Dasbor and the public status."""

    def figures_fingerprint(self) -> str:
        """Changes whenever an item, an event or a response is added or an item is updated
        (four aggregates, a few milliseconds)."""
        with self.engine.connect() as conn:
            n_items, last_update = conn.execute(select(func.count(), func.max(items.c.updated_at))).one()
            last_event = conn.execute(select(func.max(events.c.id))).scalar()
            n_resp = conn.execute(select(func.count()).select_from(responses)).scalar()
        return f"{n_items}|{last_update}|{last_event}|{n_resp}"

    def public_events(self, keys: Collection[str] | None = None) -> list[tuple[str, str, str | None, bool]]:
        """(key, at as stored, stage entered, whether the stage moved) of every event a
        public figure shows — stage moves (an exit and a return included) and the handling
        AKD decided (TUJUAN) — by key, then time; of *keys* only when given. One query
        (one per 500 keys)."""
        public = events.c.event != "PERUBAHAN DITOLAK"
        stage_move = or_(events.c.from_stage.is_(None), events.c.from_stage != events.c.to_stage)
        q = (select(events.c.key, events.c.at, events.c.to_stage, stage_move.label("moved"))
             .where(public, or_(stage_move, events.c.event == "TUJUAN")).order_by(events.c.key, events.c.at, events.c.id))
        with self.engine.connect() as conn:
            batches = [conn.execute(q)] if keys is None else [conn.execute(q.where(events.c.key.in_(c)))
                                                               for c in chunks(keys)]
            return [(r.key, r.at, r.to_stage, bool(r.moved)) for rows in batches for r in rows]

    def public_stamp(self) -> PublicStamp:
        """How far the ledger has gone, for the public view's kept rows: one statement of
        aggregates (publik/step.py)."""
        with self.engine.connect() as conn:
            n, updated, last_event = conn.execute(select(
                select(func.count()).select_from(items).scalar_subquery(),
                select(func.max(items.c.updated_at)).scalar_subquery(),  # an item is registered "updated"
                select(func.max(events.c.id)).scalar_subquery(),
            )).one()
        return PublicStamp(int(n), updated or "", int(last_event or 0))

    def public_items_since(self, columns: Sequence[str], since: PublicStamp) -> list[Any]:
        """The items that may show something new since *since*: registered or changed
        (``updated_at``) at or after its time, or with an event after its last one — with
        *columns* and ``received_at``, in agenda order (as :meth:`iter_items` gives them)."""
        moved = select(events.c.key).where(events.c.id > since.last_event)
        q = _public_items(columns).where(
            (items.c.updated_at >= since.changed) | (items.c.registered_at >= since.changed) | items.c.key.in_(moved))
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(items.c.year, items.c.seq)))

    def public_items_after(self, columns: Sequence[str], year: int, seq: int, limit: int) -> list[Any]:
        """The next *limit* items in agenda order after (*year*, *seq*), as
        :meth:`public_items_since` gives them (the public view's rolling check)."""
        q = _public_items(columns).where(tuple_(items.c.year, items.c.seq) > tuple_(year, seq))
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(items.c.year, items.c.seq).limit(limit)))

    def rekap_items(self, lo: datetime, hi: datetime) -> list[RekapItemRecord]:
        """The items received in ``[lo, hi)`` (stored times are UTC ISO-8601 of one format,
        so the window is a string range)."""
        lo_s, hi_s = utc_iso(lo), utc_iso(hi)
        q = select(
            items.c.key, items.c.agenda_no, items.c.tahap, items.c.stage_entered_at, items.c.diteruskan_ke,
            items.c.rahasia, items.c.perihal, items.c.findings, responses.c.received_at,
            json_text(items.c.routing, "tujuan").label("suggested"),
            json_text(responses.c.payload, "kronologi").label("kronologi"),
            json_text(responses.c.payload, "extra").label("extra"),
        ).join(responses, responses.c.key == items.c.key).where(
            responses.c.received_at >= lo_s, responses.c.received_at < hi_s
        )
        with self.engine.connect() as conn:
            return [RekapItemRecord.from_row(r) for r in conn.execute(q)]

    def resubmissions_received(self, lo: datetime, hi: datetime) -> list[datetime]:
        """When each resubmission received in ``[lo, hi)`` was received (a kelengkapan is
        merged into its item, not a resubmission)."""
        lo_s, hi_s = utc_iso(lo), utc_iso(hi)
        q = select(responses.c.received_at).where(
            responses.c.duplicate_of.is_not(None), responses.c.received_at >= lo_s, responses.c.received_at < hi_s,
            responses.c.key.not_in(select(kelengkapan_links.c.key)),
        )
        with self.engine.connect() as conn:
            return [from_iso(r.received_at) for r in conn.execute(q)]

    def stage_moves_before(self, hi: datetime) -> list[EventRecord]:
        """Every event that moved an item into a stage (its first included) before *hi*, in order."""
        q = select(events).where(
            events.c.to_stage.is_not(None),
            or_(events.c.from_stage.is_(None), events.c.from_stage != events.c.to_stage),
            events.c.at < utc_iso(hi),
        ).order_by(events.c.id)
        with self.engine.connect() as conn:
            return [EventRecord.from_row(r) for r in conn.execute(q)]
