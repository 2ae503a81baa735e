"""The ledger's queries about items' stages, files, print batches and pending work
(:class:`ItemQueries`, a part of :class:`~siapmas_sync.ledger.Ledger`).

The engine's render and print steps, the uploads, the documents check and the tenant
runner ask these; each hands out typed records (:mod:`.records`) or plain values, never a
row. Methods taking a ``conn`` run inside the caller's transaction (``Ledger.tx``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import bindparam, func, insert, select, tuple_, update
from sqlalchemy.engine import Connection

from .. import codec
from .part import LedgerPart
from .records import ItemDocuments, OutboxEntry, PrintedDoc, ResponseRecord
from .schema import items, outbox, printed, responses
from .values import chunks, utc_iso

_DOCUMENT_COLUMNS = (items.c.key, items.c.agenda_no, items.c.year, items.c.seq, items.c.print_batch, items.c.documents)


class ItemChanges(TypedDict, total=False):
    """What a step changes on an item (cycle/steps.py); the ledger stores each as its column."""

    tahap: str
    previous_tahap: str | None
    stage_entered_at: datetime
    updated_at: datetime
    diteruskan_ke: str | None
    disposisi: Mapping[str, Any]  # core/recorded.py: kepada, harap, laporan, lampiran, oleh
    sifat: str
    rahasia: bool
    perihal: str
    pesan: str


class ItemQueries(LedgerPart):
    """Items' files, print batches, outbox entries and stage labels."""

    # --- stages ----------------------------------------------------------------------

    def relabel_stages(self, renames: Sequence[tuple[str, str]]) -> None:
        """Items recorded under an old stage label take the new one ((old, new) pairs):
        only what people read changes, the stage (its code) stays."""
        if not renames:
            return
        with self.tx() as conn:
            for old, new in renames:
                conn.execute(update(items).where(items.c.tahap == old).values(tahap=new))
                conn.execute(update(items).where(items.c.previous_tahap == old).values(previous_tahap=new))

    def open_and_pending(self, closed_stages: Collection[str]) -> tuple[int, int]:
        """(items not in one of *closed_stages*, unfinished outbox entries)."""
        with self.engine.connect() as conn:
            open_items = conn.execute(select(func.count()).select_from(items)
                                      .where(items.c.tahap.notin_(list(closed_stages)))).scalar_one()
            pending = conn.execute(select(func.count()).select_from(outbox)
                                   .where(outbox.c.done_at.is_(None))).scalar_one()
        return int(open_items), int(pending)

    @staticmethod
    def update_item(conn: Connection, key: str, changes: ItemChanges) -> None:
        """Apply *changes* to item *key* in the caller's transaction."""
        values: dict[str, Any] = dict(changes)
        for name in ("stage_entered_at", "updated_at"):
            if name in values:
                values[name] = utc_iso(values[name])
        if "disposisi" in values:
            values["disposisi"] = codec.dumps(dict(values["disposisi"]))
        if values:
            conn.execute(update(items).where(items.c.key == key).values(**values))

    @staticmethod
    def set_pesan(conn: Connection, agenda_no: str, message: str) -> None:
        """The answer to an operator shown in the item's Kendali *Pesan* cell."""
        conn.execute(update(items).where(items.c.agenda_no == agenda_no).values(pesan=message))

    @staticmethod
    def set_kendali_states(conn: Connection, states: Mapping[str, str]) -> None:
        """Remember the editable Kendali cells as written (item key → state)."""
        if states:
            conn.execute(update(items).where(items.c.key == bindparam("k")).values(kendali_state=bindparam("st")),
                         [{"k": k, "st": st} for k, st in states.items()])

    # --- submissions -----------------------------------------------------------------

    def responses_of(self, keys: Collection[str]) -> dict[str, ResponseRecord]:
        """The recorded responses of *keys* (those that exist)."""
        out: dict[str, ResponseRecord] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(keys):
                out.update((r.key, ResponseRecord.from_row(r))
                           for r in conn.execute(select(responses).where(responses.c.key.in_(chunk))))
        return out

    # --- files -----------------------------------------------------------------------

    def unbatched_items(self) -> list[ItemDocuments]:
        """Items with documents that are not in a print batch yet, in agenda order."""
        q = select(*_DOCUMENT_COLUMNS).where(items.c.print_batch.is_(None), items.c.documents != "{}")
        with self.engine.connect() as conn:
            return [ItemDocuments.from_row(r) for r in conn.execute(q.order_by(items.c.year, items.c.seq))]

    def batched_unrecorded_items(self) -> list[ItemDocuments]:
        """Items in a print batch with no document recorded as printed (print_history)."""
        known = select(printed.c.key).distinct()
        q = select(*_DOCUMENT_COLUMNS).where(items.c.print_batch.is_not(None), items.c.key.not_in(known))
        with self.engine.connect() as conn:
            return [ItemDocuments.from_row(r) for r in conn.execute(q)]

    def iter_item_documents(self, *, years: Collection[int] | None = None, page: int = 2000) -> Iterator[ItemDocuments]:
        """Every item with documents (of *years* when given), in agenda order, fetched
        *page* items at a time (never all held)."""
        q = select(*_DOCUMENT_COLUMNS).where(items.c.documents != "{}")
        if years is not None:
            q = q.where(items.c.year.in_(list(years)))
        last: tuple[int, int] = (-1, -1)
        while True:
            with self.engine.connect() as conn:
                rows = [ItemDocuments.from_row(r) for r in conn.execute(
                    q.where(tuple_(items.c.year, items.c.seq) > tuple_(*last))
                    .order_by(items.c.year, items.c.seq).limit(page))]
            yield from rows
            if len(rows) < page:
                return
            last = (rows[-1].year, rows[-1].seq)

    def document_years(self) -> list[int]:
        """The years that have items with documents, oldest first."""
        # the years from the (year, seq) index, then one item with documents looked up per
        # year: never a pass over every item's row (a cycle asks this of 100,000 items)
        years = select(items.c.year).distinct().subquery()
        some = select(items.c.key).where(items.c.year == years.c.year, items.c.documents != "{}").exists()
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(years.c.year).where(some)).scalars())

    @staticmethod
    def documents_of(conn: Connection, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """Item key → its recorded files (decoded), read in the caller's transaction."""
        out: dict[str, dict[str, Any]] = {}
        for chunk in chunks(keys):
            for r in conn.execute(select(items.c.key, items.c.documents).where(items.c.key.in_(chunk))):
                out[r.key] = dict(json.loads(r.documents or "{}"))
        return out

    @staticmethod
    def set_documents(conn: Connection, documents: Mapping[str, Mapping[str, Any]], *, unbatch: bool = False) -> None:
        """Record the files of items (key → documents); *unbatch*: they hold new PDFs, so
        the next print batch includes them."""
        if not documents:
            return
        values = [{"k": k, "docs": codec.dumps(dict(d))} for k, d in documents.items()]
        conn.execute(update(items).where(items.c.key == bindparam("k")).values(documents=bindparam("docs")), values)
        if unbatch:
            conn.execute(update(items).where(items.c.key == bindparam("k")).values(print_batch=None),
                         [{"k": v["k"]} for v in values])

    # --- print batches ---------------------------------------------------------------

    def printed_hashes(self, keys: Sequence[str]) -> set[tuple[str, str, str]]:
        """(key, relative path, sha256) of every document of *keys* already printed."""
        out: set[tuple[str, str, str]] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(keys):
                q = select(printed.c.key, printed.c.rel, printed.c.sha256).where(printed.c.key.in_(chunk))
                out.update((r.key, r.rel, r.sha256) for r in conn.execute(q))
        return out

    @staticmethod
    def record_printed(conn: Connection, docs: Sequence[PrintedDoc], *, batch_of: Mapping[str, str] | None = None) -> None:
        """Record *docs* as printed; *batch_of* (item key → print file): the items' batch."""
        if docs:
            conn.execute(insert(printed), [{"key": d.key, "rel": d.rel, "sha256": d.sha256, "batch": d.batch,
                                            "at": utc_iso(d.at)} for d in docs])
        if batch_of:
            conn.execute(update(items).where(items.c.key == bindparam("k")).values(print_batch=bindparam("b")),
                         [{"k": k, "b": b} for k, b in batch_of.items()])

    # --- outbox ----------------------------------------------------------------------

    def pending(self, kind: str) -> list[OutboxEntry]:
        """The unfinished outbox entries of *kind*, oldest first."""
        q = select(outbox).where(outbox.c.kind == kind, outbox.c.done_at.is_(None)).order_by(outbox.c.id)
        with self.engine.connect() as conn:
            return [OutboxEntry.from_row(r) for r in conn.execute(q)]

    @staticmethod
    def waiting(conn: Connection, keys: Collection[str], kind: str | None = None) -> set[tuple[str, str]]:
        """(key, kind) of the unfinished outbox entries of *keys* (of *kind* when given)."""
        out: set[tuple[str, str]] = set()
        for chunk in chunks(keys):
            q = select(outbox.c.key, outbox.c.kind).where(outbox.c.key.in_(chunk), outbox.c.done_at.is_(None))
            if kind is not None:
                q = q.where(outbox.c.kind == kind)
            out.update((r.key, r.kind) for r in conn.execute(q))
        return out
