"""The :class:`Ledger`: the source of truth, in SQLite by default (SQLAlchemy Core, so
PostgreSQL can serve a larger deployment).

Owns the schema (with a version number, :mod:`.schema`), agenda-number allocation (one
gapless sequence per calendar year, allocated in the same transaction that records the
item and its pending work), the event log (the audit trail; never rewritten) and the
outbox of pending side effects. Everything is keyed by the response's stable key, never by
sheet row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    bindparam,
    event,
    func,
    inspect,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError

from ..errors import LedgerError
from ..sqldialect import json_text, lock_schema, masked_url
from .connect import _disable_pysqlite_begin, _prepare_private_file, _sqlite_begin, _sqlite_pragmas, open_engine
from .names import CONTENT_HASH_VERSION_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY
from .schema import CYCLE_INDEXES, counters, events, items, kelengkapan_links, messages, meta, metadata, outbox, responses
from .items import ItemQueries
from .kelengkapan import KelengkapanQueries
from .letters import LetterQueries
from .messages import MessageQueries
from .recovery import RecoveryQueries
from .registration import RegistrationQueries
from .reports import ReportQueries
from .records import EventRecord, ItemRecord, ResponseAgenda
from .values import chunks, from_iso, utc_iso


class Ledger(ItemQueries, RegistrationQueries, RecoveryQueries, MessageQueries, KelengkapanQueries, LetterQueries,
             ReportQueries):
    """Connection factory plus every query the rest of the product needs, in the parts it
    inherits: items' files and pending work (:mod:`.items`), numbering (:mod:`.registration`),
    recovery (:mod:`.recovery`), messages and notices (:mod:`.messages`), kelengkapan
    (:mod:`.kelengkapan`), outgoing letters (:mod:`.letters`) and the reports' reads
    (:mod:`.reports`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                _prepare_private_file(Path(path))
        self.engine: Engine = open_engine(url, future=True)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # let SQLAlchemy not emit its own BEGIN; we emit BEGIN IMMEDIATE
            event.listen(self.engine, "connect", _disable_pysqlite_begin)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._migrate()

    # --- schema ---------------------------------------------------------------------

    def _migrate(self) -> None:
        try:
            if self.is_sqlite:
                metadata.create_all(self.engine)
            with self.tx() as conn:
                if not self.is_sqlite:  # two workers starting at once must not both create the tables
                    lock_schema(conn)
                    metadata.create_all(conn)
                row = conn.execute(select(meta.c.value).where(meta.c.name == SCHEMA_VERSION_KEY)).first()
                if row is None:
                    conn.execute(insert(meta).values(name=SCHEMA_VERSION_KEY, value=str(SCHEMA_VERSION)))
                elif int(row.value) < SCHEMA_VERSION:  # create_all above added the new tables
                    _upgrade(conn, int(row.value))  # and this the new columns
                    conn.execute(update(meta).where(meta.c.name == SCHEMA_VERSION_KEY).values(value=str(SCHEMA_VERSION)))
                elif int(row.value) > SCHEMA_VERSION:
                    raise LedgerError(
                        f"Basis data berversi skema {row.value}, lebih baru dari program ini "
                        f"({SCHEMA_VERSION}).",
                        "Perbarui siapmas-sync ke versi terbaru.",
                    )
                for index in CYCLE_INDEXES:  # a ledger made before they existed gets them once
                    index.create(conn, checkfirst=True)
                _rehash_contents(conn)
        except DBAPIError as exc:  # damaged, read-only, full, locked…: said as such (failures)
            from ..failures import Where, describe

            path = Path(self.url.removeprefix("sqlite:///")) if self.is_sqlite else None
            raise describe(exc, Where(database=path)) or LedgerError(
                f"Basis data {masked_url(self.url)} rusak atau tidak dapat dibaca: {exc.orig}",
                "Pulihkan dari cadangan, atau jalankan `siapmas-sync recover`.",
            ) from None

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite)."""
        with self.engine.connect() as conn:
            conn.execution_options(siapmas_write=True)
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()

    # --- meta -----------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        """A value of the ``meta`` table (schema version, the source this ledger serves)."""
        with self.engine.connect() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.name == name)).scalar()

    @staticmethod
    def set_meta(conn: Connection, name: str, value: str) -> None:
        """Set a ``meta`` value inside the caller's transaction."""
        if conn.execute(update(meta).where(meta.c.name == name).values(value=value)).rowcount == 0:
            conn.execute(insert(meta).values(name=name, value=value))

    # --- queries --------------------------------------------------------------------

    def counters(self) -> dict[int, int]:
        """Year → the last agenda number given in that year."""
        with self.engine.connect() as conn:
            return {r.year: r.last_seq for r in conn.execute(select(counters))}

    def known_keys(self) -> set[str]:
        with self.engine.connect() as conn:
            return {r.key for r in conn.execute(select(responses.c.key))}

    def known_among(self, keys: Collection[str]) -> set[str]:
        """Those of *keys* the ledger has a response for (a change read asks for its few
        rows, not for every key; a whole sheet's worth is one pass over the key index)."""
        out = set[str]()
        with self.engine.connect() as conn:
            if len(keys) > 5000:
                return {r.key for r in conn.execute(select(responses.c.key))} & set(keys)
            for chunk in chunks(keys):
                out.update(conn.execute(select(responses.c.key).where(responses.c.key.in_(chunk))).scalars())
        return out

    def item_rows(self, columns: Sequence[str] | None = None) -> list[Any]:
        """Every item in agenda order; only *columns* when given (a 100,000-item write-back
        does not need the evidence lists)."""
        q = select(*(items.c[c] for c in columns)) if columns else select(items)
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(items.c.year, items.c.seq)))

    def iter_items(self, columns: Sequence[str], batch: int = 2000) -> Iterator[Any]:
        """Every item in agenda order with *columns*, plus ``received_at`` (when it counts as
        received, see intake.received) and ``nama`` of its submission, fetched *batch* rows at
        a time: the write-back of a 100,000-item ledger looks at each item once and never
        holds them all."""
        cols = [items.c[c] for c in columns if c not in ("year", "seq")]
        q = select(
            items.c.year, items.c.seq, *cols,
            responses.c.received_at,
            json_text(responses.c.payload, "nama").label("nama"),
        ).join(responses, responses.c.key == items.c.key)
        last: tuple[int, int] = (-1, -1)
        while True:
            page = q.where(tuple_(items.c.year, items.c.seq) > tuple_(*last))
            with self.engine.connect() as conn:
                rows = list(conn.execute(page.order_by(items.c.year, items.c.seq).limit(batch)))
            yield from rows
            if len(rows) < batch:
                return
            last = (rows[-1].year, rows[-1].seq)

    def items_touched_since(self, columns: Sequence[str], since: str, agenda_nos: Collection[str] = ()) -> list[Any]:
        """The items registered or changed (``updated_at``) at or after *since* (UTC ISO), and
        those of *agenda_nos*, as :meth:`iter_items` gives them: what a write-back after a
        tail read plans (tailread)."""
        cols = [items.c[c] for c in columns if c not in ("year", "seq")]
        q = select(
            items.c.year, items.c.seq, *cols,
            responses.c.received_at,
            json_text(responses.c.payload, "nama").label("nama"),
        ).join(responses, responses.c.key == items.c.key).where(
            (items.c.updated_at >= since) | (items.c.registered_at >= since) | items.c.agenda_no.in_(list(agenda_nos)))
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(items.c.year, items.c.seq)))

    def last_event_id(self) -> int:
        """The id of the newest event (0 when there is none)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(events.c.id))).scalar() or 0)

    def last_message_id(self) -> int:
        """The id of the newest message to a reporter (0 when there is none)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(messages.c.id))).scalar() or 0)

    def pending_render_keys(self) -> set[str]:
        """Keys of the items with a render still waiting in the outbox."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(outbox.c.key).where(outbox.c.done_at.is_(None))).scalars())

    def change_fingerprint(self, failed_message_states: Collection[str]) -> str:
        """Cheap aggregates that change whenever the ledger has something new for the
        sheet: items (added, stage or fields changed: ``updated_at``), events (Riwayat),
        responses (a duplicate), pending renders, and messages in *failed_message_states*
        (shown in the Pesan column). One statement, ~0.04 CPU-s on a 100,000-item SQLite
        ledger (cycle/idle.py)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(
                select(func.count()).select_from(items).scalar_subquery(),
                select(func.max(items.c.updated_at)).scalar_subquery(),
                select(func.max(events.c.id)).scalar_subquery(),
                # every response counted (duplicates included): through the key index, never the payloads
                select(func.count()).select_from(responses).scalar_subquery(),
                select(func.count()).select_from(outbox).where(outbox.c.done_at.is_(None)).scalar_subquery(),
                select(func.count()).select_from(messages).where(
                    messages.c.state.in_(list(failed_message_states))).scalar_subquery(),
            )).one()
        return "|".join("" if v is None else str(v) for v in row)

    def kendali_states(self, agendas: Collection[str] | None = None) -> dict[str, str]:
        """Agenda number → the Kendali state last written (JSON text), where there is one;
        of the *agendas* only, when given (a change read judges the rows that changed)."""
        q = select(items.c.agenda_no, items.c.kendali_state)
        if agendas is None:
            with self.engine.connect() as conn:
                return {r.agenda_no: r.kendali_state for r in conn.execute(q) if r.kendali_state not in ("", "{}")}
        out = dict[str, str]()
        with self.engine.connect() as conn:
            for chunk in chunks(agendas):
                for r in conn.execute(q.where(items.c.agenda_no.in_(chunk))):
                    if r.kendali_state not in ("", "{}"):
                        out[r.agenda_no] = r.kendali_state
        return out

    # --- typed records (#23: every reader moves to these) ------------------------------

    def item(self, key: str, conn: Connection | None = None) -> ItemRecord | None:
        """The item numbered for response *key* (inside the caller's transaction when
        *conn* is given), or None."""
        q = select(items).where(items.c.key == key)
        if conn is not None:
            row = conn.execute(q).first()
        else:
            with self.engine.connect() as own:
                row = own.execute(q).first()
        return ItemRecord.from_row(row) if row is not None else None

    def item_records(self, keys: Collection[str] | None = None) -> list[ItemRecord]:
        """The items of *keys* (every item when None), in agenda order."""
        q = select(items).order_by(items.c.year, items.c.seq)
        out: list[ItemRecord] = []
        with self.engine.connect() as conn:
            if keys is None:
                return [ItemRecord.from_row(r) for r in conn.execute(q)]
            for chunk in chunks(keys):
                out.extend(ItemRecord.from_row(r) for r in conn.execute(q.where(items.c.key.in_(chunk))))
        out.sort(key=lambda r: (r.year, r.seq))
        return out

    def events_of(self, key: str, conn: Connection | None = None) -> list[EventRecord]:
        """The audit trail of *key*, oldest first."""
        q = select(events).where(events.c.key == key).order_by(events.c.id)
        if conn is not None:
            return [EventRecord.from_row(r) for r in conn.execute(q)]
        with self.engine.connect() as own:
            return [EventRecord.from_row(r) for r in own.execute(q)]

    def iter_events(self, batch: int = 2000, after: int = 0) -> Iterator[Any]:
        """Every event in id order (those after id *after*) with its item's ``agenda_no``
        ("" for a response that has none), fetched *batch* rows at a time (never all held)."""
        q = select(events, func.coalesce(items.c.agenda_no, "").label("agenda_no")).outerjoin(
            items, items.c.key == events.c.key
        )
        last = after
        while True:
            with self.engine.connect() as conn:
                rows = list(conn.execute(q.where(events.c.id > last).order_by(events.c.id).limit(batch)))
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id

    def event_rows(self, key: str | None = None) -> list[EventRecord]:
        """Every event (of *key*, when given), oldest first."""
        q = select(events).order_by(events.c.id)
        if key is not None:
            q = q.where(events.c.key == key)
        with self.engine.connect() as conn:
            return [EventRecord.from_row(r) for r in conn.execute(q)]

    def response_payload(self, key: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(responses.c.payload).where(responses.c.key == key)).first()
        if row is None:
            raise LedgerError(f"Kunci {key[:12]} tidak ada di buku besar.")
        return json.loads(row.payload)

    def payloads(self) -> dict[str, dict[str, Any]]:
        """For every registered item, the two fields the registers show ({"received_at" — when
        it counts as received, see intake.received —, "nama"}), in one query. The rest of the
        submission (chronology, contacts) stays in the database: at 100,000 items it would
        cost ~270 MB."""
        q = select(
            responses.c.key,
            responses.c.received_at,
            json_text(responses.c.payload, "nama").label("nama"),
        ).where(responses.c.key.in_(select(items.c.key)))
        with self.engine.connect() as conn:
            return {r.key: {"received_at": r.received_at, "nama": r.nama} for r in conn.execute(q)}

    def response_received(self, key: str) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(select(responses.c.received_at).where(responses.c.key == key)).first()
        return row.received_at if row else ""

    def find_item(self, ref: str, conn: Connection | None = None) -> ItemRecord:
        """An item by agenda number, by sequence number ("12" = newest year's 12, or
        "12/2026"), or by a key prefix of at least 6 hex characters (as the log shows it);
        a LedgerError (GALAT + Saran) when there is none."""
        if conn is None:
            with self.engine.connect() as c:
                return ItemRecord.from_row(self._find_row(ref, c))
        return ItemRecord.from_row(self._find_row(ref, conn))

    @staticmethod
    def _find_row(ref: str, conn: Connection) -> Row[Any]:
        ref = ref.strip()
        row = conn.execute(select(items).where(items.c.agenda_no == ref)).first()
        if row is None and re.fullmatch(r"\d+(/\d{4})?", ref):
            seq, _, year = ref.partition("/")
            q = select(items).where(items.c.seq == int(seq))
            if year:
                q = q.where(items.c.year == int(year))
            found = list(conn.execute(q.order_by(items.c.year.desc())))
            row = found[0] if found else None
        if row is None and len(ref) >= 6 and re.fullmatch(r"[0-9A-Fa-f]+", ref):
            # keys are lowercase hex, and PostgreSQL's LIKE is case-sensitive
            q = select(items).where(items.c.key.startswith(ref.lower(), autoescape=True)).limit(2)
            found = list(conn.execute(q))
            if len(found) > 1:
                raise LedgerError(f"Awalan kunci '{ref}' cocok dengan lebih dari satu butir.",
                                  "Ketik lebih banyak karakter kuncinya, atau gunakan nomor agenda.")
            row = found[0] if found else None
        if row is None:
            raise LedgerError(
                f"Butir '{ref}' tidak ditemukan.",
                "Gunakan nomor agenda lengkap (mis. 0001/SIAPMAS/2026) atau lihat `siapmas-sync status`.",
            )
        return row

    @staticmethod
    def last_stage_event(conn: Connection, key: str) -> EventRecord | None:
        """The latest event that changed the item's stage (None before any)."""
        q = select(events).where(events.c.key == key, events.c.from_stage != events.c.to_stage)
        row = conn.execute(q.order_by(events.c.id.desc()).limit(1)).first()
        return EventRecord.from_row(row) if row is not None else None

    def form_times(self, hashes: Collection[str]) -> dict[str, list[tuple[str, datetime]]]:
        """Content hash → (key, the form's own timestamp) of every response with one of
        *hashes* (intake.resaved)."""
        out: dict[str, list[tuple[str, datetime]]] = {}
        stamp = json_text(responses.c.payload, "received_at").label("stamp")
        with self.engine.connect() as conn:
            for chunk in chunks(hashes):
                q = select(responses.c.key, responses.c.content_hash, stamp).where(responses.c.content_hash.in_(chunk))
                for r in conn.execute(q):
                    out.setdefault(r.content_hash, []).append((r.key, from_iso(r.stamp)))
        return out

    def duplicate_agendas(self) -> list[ResponseAgenda]:
        """(key, agenda_no) of every resubmission: the key of the duplicate response and the
        agenda number of the item it repeats."""
        q = select(responses.c.key, items.c.agenda_no).join(items, items.c.key == responses.c.duplicate_of).where(
            responses.c.key.not_in(select(kelengkapan_links.c.key)))
        with self.engine.connect() as conn:
            return [ResponseAgenda(r.key, r.agenda_no) for r in conn.execute(q)]

    def kelengkapan_agendas(self) -> list[ResponseAgenda]:
        """(key, agenda_no) of every response linked as the kelengkapan of an item."""
        q = select(kelengkapan_links.c.key, items.c.agenda_no).join(items, items.c.key == kelengkapan_links.c.item_key)
        with self.engine.connect() as conn:
            return [ResponseAgenda(r.key, r.agenda_no) for r in conn.execute(q)]

    @staticmethod
    def add_event(
        conn: Connection,
        key: str,
        at: datetime,
        event_name: str,
        *,
        from_stage: str | None,
        to_stage: str | None,
        actor: str,
        channel: str,
        note: str = "",
    ) -> None:
        conn.execute(
            insert(events).values(
                key=key,
                at=utc_iso(at),
                event=event_name,
                from_stage=from_stage,
                to_stage=to_stage,
                actor=actor,
                channel=channel,
                note=note,
            )
        )

    @staticmethod
    def add_outbox(conn: Connection, key: str, kind: str, at: datetime) -> None:
        conn.execute(insert(outbox).values(key=key, kind=kind, created_at=utc_iso(at)))

    @staticmethod
    def add_outbox_many(conn: Connection, keys: Sequence[str], kind: str, at: datetime) -> None:
        if keys:
            conn.execute(insert(outbox), [{"key": k, "kind": kind, "created_at": utc_iso(at)} for k in keys])

    @staticmethod
    def finish_outbox_many(conn: Connection, outbox_ids: Sequence[int], at: datetime) -> None:
        if outbox_ids:
            conn.execute(update(outbox).where(outbox.c.id == bindparam("i")).values(done_at=utc_iso(at)),
                         [{"i": i} for i in outbox_ids])


def _upgrade(conn: Connection, version: int) -> None:
    """Bring an older database's tables up to :data:`SCHEMA_VERSION` (``create_all``
    adds missing tables, never missing columns)."""
    have = {c["name"] for c in inspect(conn).get_columns("items")}
    if version < 2 and "disposisi" not in have:
        conn.execute(text("ALTER TABLE items ADD COLUMN disposisi TEXT NOT NULL DEFAULT '{}'"))


def _rehash_contents(conn: Connection) -> None:
    """Recompute every response's content hash from its stored answers when the hash's
    definition changed (intake.rows.CONTENT_HASH_VERSION): duplicates and re-exports of
    responses recorded before an upgrade are still recognised. Keys and numbers are
    never touched."""
    from ..core.intake.hashversion import CONTENT_HASH_VERSION

    have = conn.execute(select(meta.c.value).where(meta.c.name == CONTENT_HASH_VERSION_KEY)).scalar()
    if have == CONTENT_HASH_VERSION:
        return
    last = ""
    while rows := conn.execute(select(responses.c.key, responses.c.content_hash, responses.c.payload)
                               .where(responses.c.key > last).order_by(responses.c.key).limit(500)).all():
        last = rows[-1].key
        _rehash_batch(conn, rows)
    Ledger.set_meta(conn, CONTENT_HASH_VERSION_KEY, CONTENT_HASH_VERSION)


def _rehash_batch(conn: Connection, rows: Sequence[Any]) -> None:
    from ..core.intake.rows import content_hash

    for r in rows:
        try:
            d = json.loads(r.payload)
            new = content_hash(d["nama"], d["telepon"], d["email"], d["kronologi"], d.get("bukti_urls") or ())
        except (ValueError, KeyError, TypeError):
            continue  # not a form response's payload: its hash stays
        if new != r.content_hash:
            conn.execute(update(responses).where(responses.c.key == r.key).values(content_hash=new))
