"""The ledger's side of numbering (:class:`RegistrationQueries`, a part of
:class:`~siapmas_sync.ledger.Ledger`): what a group of responses finds already recorded,
the year's last agenda number (locked), and the group's rows written one statement per
table. Every method runs inside the registering transaction (numbering/assign.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from .part import LedgerPart
from ..sqldialect import upsert_counter
from .schema import counters, events, items, messages, outbox, receipt_codes, responses
from .values import from_iso


@dataclass
class Registrations:
    """The rows a group of responses adds, by table (column → value, as numbering/assign.py and
    notify/kode_pelapor build them), and each year's new last agenda number."""

    responses: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # replies to reporters (notify)
    codes: list[dict[str, Any]] = field(default_factory=list)  # the reporters' private codes (kode_pelapor)
    last_seq: dict[int, int] = field(default_factory=dict)  # year → last agenda number given


@dataclass
class Recorded:
    """What the ledger already holds for a group of responses."""

    keys: set[str]  # responses recorded (by a worker that got there first)
    agenda_of: dict[str, str]  # key → agenda number, for those that are items
    #: content hash → (key, received) of earlier non-duplicate responses, oldest first
    originals: dict[str, list[tuple[str, datetime]]]


class RegistrationQueries(LedgerPart):
    """Numbering's reads and writes, in the caller's transaction."""

    @staticmethod
    def recorded_for(conn: Connection, keys: Collection[str], hashes: Collection[str]) -> Recorded:
        """What is recorded for *keys*, and the candidate originals of *hashes*."""
        wanted = list(keys)
        found = set(conn.execute(select(responses.c.key).where(responses.c.key.in_(wanted))).scalars())
        agenda_of = {r.key: r.agenda_no
                     for r in conn.execute(select(items.c.key, items.c.agenda_no).where(items.c.key.in_(wanted)))}
        originals: dict[str, list[tuple[str, datetime]]] = {}
        if hashes:
            q = select(responses.c.key, responses.c.content_hash, responses.c.received_at).where(
                responses.c.content_hash.in_(list(hashes)), responses.c.duplicate_of.is_(None)
            ).order_by(responses.c.received_at)
            for r in conn.execute(q):
                originals.setdefault(r.content_hash, []).append((r.key, from_iso(r.received_at)))
        return Recorded(found, agenda_of, originals)

    @staticmethod
    def agenda_no_of(conn: Connection, key: str) -> str:
        """The agenda number of item *key* (which must exist)."""
        return conn.execute(select(items.c.agenda_no).where(items.c.key == key)).scalar_one()

    @staticmethod
    def last_agenda_seq(conn: Connection, year: int) -> int:
        """The last agenda number given in *year* (0 before the first), its row locked
        until the transaction ends (PostgreSQL)."""
        q = select(counters.c.last_seq).where(counters.c.year == year).with_for_update()
        return conn.execute(q).scalar() or 0

    @staticmethod
    def add_registrations(conn: Connection, rows: Registrations) -> None:
        """The group's rows, one statement per table (executemany), and the counters."""
        for table, values in ((responses, rows.responses), (items, rows.items), (events, rows.events),
                              (outbox, rows.outbox), (messages, rows.messages), (receipt_codes, rows.codes)):
            if values:
                conn.execute(insert(table), values)
        for year, last in rows.last_seq.items():
            upsert_counter(conn, counters, year, last)
