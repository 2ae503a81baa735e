"""The ledger's side of ``recover`` (:class:`RecoveryQueries`, a part of
:class:`~siapmas_sync.ledger.Ledger`): the history put back with its original ids, and
the counters set from every number seen. Every method runs inside the caller's
transaction (worker/recover.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .part import LedgerPart
from ..sqldialect import resync_id_sequences, upsert_counter
from .schema import counters, events, items


class RecoveryQueries(LedgerPart):
    """What rebuilding a ledger from the spreadsheet needs beyond numbering's writes."""

    @staticmethod
    def stage_of(conn: Connection, key: str) -> str:
        """The stage label item *key* is recorded in (the item must exist)."""
        return conn.execute(select(items.c.tahap).where(items.c.key == key)).scalar_one()

    @staticmethod
    def resync_event_ids(conn: Connection) -> None:
        """After events went in with their own ids: the next new event takes a fresh one
        (PostgreSQL's sequence; SQLite needs nothing)."""
        resync_id_sequences(conn, [events])

    @staticmethod
    def agenda_seqs(conn: Connection) -> tuple[dict[int, int], dict[int, set[int]]]:
        """(year → counter, year → the sequence numbers its items hold)."""
        have = {r.year: r.last_seq for r in conn.execute(select(counters))}
        held: dict[int, set[int]] = {}
        for r in conn.execute(select(items.c.year, items.c.seq)):
            held.setdefault(r.year, set()).add(r.seq)
        return have, held

    @staticmethod
    def set_counter(conn: Connection, year: int, last_seq: int) -> None:
        """Set *year*'s last agenda number (created when the year is new)."""
        upsert_counter(conn, counters, year, last_seq)
