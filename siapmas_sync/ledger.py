"""The ledger: the source of truth, in SQLite by default (SQLAlchemy Core, so PostgreSQL can
serve a larger deployment).

Owns the schema (with a version number), agenda-number allocation (one gapless sequence per
calendar year, allocated in the same transaction that records the item and its pending
work), the event log (the audit trail; never rewritten) and the outbox of pending side
effects. Everything is keyed by the response's stable key, never by sheet row.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    bindparam,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .errors import LedgerError
from .filemodes import private_mkdir
from .sqldialect import json_text, lock_schema, masked_url

SCHEMA_VERSION = 2  # 2: messages (replies to citizens, notify/) and items.disposisi (recorded choices, follow-up report)

metadata = MetaData()


def Str(length: int) -> Any:
    """A VARCHAR(*length*) on SQLite (which never enforces the length) and TEXT on
    PostgreSQL (which would): the code was written to SQLite's rules and never truncates,
    so an operator's long "Oleh" cell must not fail on one database and pass on the other."""
    return String(length).with_variant(Text(), "postgresql")


meta = Table(
    "meta",
    metadata,
    Column("name", Str(64), primary_key=True),
    Column("value", Text, nullable=False),
)

responses = Table(
    "responses",
    metadata,
    Column("key", Str(64), primary_key=True),
    Column("content_hash", Str(64), nullable=False, index=True),
    # UTC ISO-8601: when it counts as received — the form's timestamp unless implausible
    # (then when the worker first saw it, intake.received); the payload keeps the form's
    Column("received_at", Str(32), nullable=False),
    Column("payload", Text, nullable=False),  # the Submission as JSON
    Column("duplicate_of", Str(64)),  # key of the first submission, when a resubmission
    Column("first_seen_at", Str(32), nullable=False),
)

#: responses that are the *kelengkapan* of an existing item (they quote its agenda number):
#: linked to it, never numbered (siapmas_sync/kelengkapan.py). The response row itself has
#: ``duplicate_of`` = the item's key, so it is never taken for an original.
kelengkapan_links = Table(
    "kelengkapan_links",
    metadata,
    Column("key", String(64), primary_key=True),  # the response's key
    Column("item_key", String(64), nullable=False, index=True),
    Column("at", String(32), nullable=False),
)

#: the reporter's private code of each item (kode_pelapor.py): a kelengkapan response is
#: linked only when it quotes the number *and* this code. Its own table, so that no export
#: of ``items`` (status/show JSON, registers, backups' listings) can carry it.
receipt_codes = Table(
    "receipt_codes",
    metadata,
    Column("key", Str(64), primary_key=True),  # the item's key
    Column("code", Str(16), nullable=False),
    Column("created_at", Str(32), nullable=False),
)

#: responses that quote a known agenda number without that item's code: they wait for an
#: operator's decision (kelengkapan.py) — nothing numbered, linked, sent or printed until then
kelengkapan_pending = Table(
    "kelengkapan_pending",
    metadata,
    Column("key", Str(64), primary_key=True),  # the response's key
    Column("item_key", Str(64)),  # the one known item it quotes (None when it quotes several)
    Column("agenda_nos", Text, nullable=False),  # the known numbers it quotes, ", "-separated
    Column("source_row", Integer, nullable=False),
    Column("content_hash", Str(64), nullable=False),
    Column("payload", Text, nullable=False),  # the Submission as JSON
    Column("evidence", Text, nullable=False, default="[]"),  # [Evidence] JSON found for it
    Column("at", Str(32), nullable=False),
    Column("decision", Str(16)),  # None while waiting; "tautkan" / "baru"
    Column("decided_by", Str(128)),
    Column("decided_at", Str(32)),
)

counters = Table(
    "agenda_counters",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("key", Str(64), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("agenda_no", Str(128), nullable=False, unique=True),
    Column("registered_at", Str(32), nullable=False),
    Column("updated_at", Str(32), nullable=False),
    Column("tahap", Str(64), nullable=False),
    Column("stage_entered_at", Str(32), nullable=False),
    Column("previous_tahap", Str(64)),
    Column("diteruskan_ke", Str(64)),
    Column("rahasia", Boolean, nullable=False, default=False),
    Column("sifat", Str(32), nullable=False, default="Biasa"),
    Column("perihal", Text, nullable=False),
    Column("kode_klasifikasi", Str(64), nullable=False),
    Column("routing", Text, nullable=False),  # RoutingSuggestion JSON
    Column("findings", Text, nullable=False),  # [Finding] JSON
    Column("evidence", Text, nullable=False),  # [Evidence] JSON
    Column("documents", Text, nullable=False, default="{}"),  # {kind: relative path}
    Column("print_batch", Text),  # relative path of the batch PDF that included it
    Column("pesan", Text, nullable=False, default=""),  # last answer to an operator (Kendali)
    Column("kendali_state", Text, nullable=False, default="{}"),  # editable cells as last written
    # what officials recorded beyond the stage: {"kepada": [AKD…], "harap": [...],
    # "laporan": text, "lampiran": link} (see disposisi_fields.py); schema version 2
    Column("disposisi", Text, nullable=False, default="{}"),
    UniqueConstraint("year", "seq", name="uq_items_year_seq"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Str(64), nullable=False, index=True),
    Column("at", Str(32), nullable=False),
    Column("event", Str(64), nullable=False),
    Column("from_stage", Str(64)),
    Column("to_stage", Str(64)),
    Column("actor", Str(128), nullable=False),
    Column("channel", Str(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Str(64), nullable=False, index=True),
    Column("kind", Str(32), nullable=False),
    Column("created_at", Str(32), nullable=False),
    Column("done_at", Str(32)),
)

#: replies to citizens (notify/): queued in the transaction of the event that causes them
messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Str(64), nullable=False, index=True),  # the item's key (a duplicate: its response's)
    Column("channel", Str(16), nullable=False),  # "email" (later "whatsapp")
    Column("kind", Str(32), nullable=False),  # tanda_terima, kelengkapan, penolakan, …
    Column("recipient", Text, nullable=False),  # as given by the reporter; never logged in clear
    Column("context", Text, nullable=False, default="{}"),  # what the event said (reason, AKD, …) JSON
    Column("message_id", Str(255), nullable=False, unique=True),  # stable Message-ID
    Column("state", Str(24), nullable=False, index=True),  # antri/mengirim/terkirim/gagal_sementara/gagal_tetap/perlu_periksa
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Str(32), nullable=False),
    Column("next_attempt_at", Str(32), nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("sent_at", Str(32)),
)


#: outgoing letters (surat keluar, surat_keluar.py): one gapless sequence per year, its own
#: counter; a number is taken in the approval's transaction and never given again
surat_keluar_counters = Table(
    "surat_keluar_counters",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

surat_keluar = Table(
    "surat_keluar",
    metadata,
    Column("key", Str(64), primary_key=True),  # the item the letter answers (one final letter each)
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("nomor", Str(128), nullable=False, unique=True),
    Column("approved_at", Str(32), nullable=False),
    Column("approved_by", Str(128), nullable=False),  # "Nama (Plh. Sekretaris DPRD)"
    Column("signer", Text, nullable=False, default="{}"),  # {nama, nip, jabatan} as printed
    UniqueConstraint("year", "seq", name="uq_surat_keluar_year_seq"),
)


#: what officials were told (notify/pejabat.py): one row per item arrival (digest) or per
#: item, stage and day (escalation) and recipient — each told at most once
official_notices = Table(
    "official_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Str(32), nullable=False),
    Column("recipient", Str(255), nullable=False),
    Column("ref", Str(255), nullable=False),
    Column("at", Str(32), nullable=False),
    UniqueConstraint("kind", "recipient", "ref", name="uq_official_notices"),
)


#: every PDF that reached a print batch, by content: a re-render that changes a file
#: makes it print again (once), an identical one does not
printed = Table(
    "printed",
    metadata,
    Column("key", Str(64), nullable=False, index=True),
    Column("rel", Text, nullable=False),  # the document's path relative to the output folder
    Column("sha256", Str(64), nullable=False),  # of its bytes when printed
    Column("batch", Text, nullable=False),  # the print file (relative path) that held it
    Column("at", Str(32), nullable=False),
    UniqueConstraint("key", "rel", "sha256", name="uq_printed"),
)


def utc_iso(dt: datetime) -> str:
    """A timestamp as stored: UTC, second precision, ISO-8601."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime in the ledger")
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def to_json(value: Any) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return utc_iso(o)
        if isinstance(o, Path):
            return str(o)
        if hasattr(o, "__dataclass_fields__"):
            return asdict(o)
        raise TypeError(type(o).__name__)

    return json.dumps(value, default=default, ensure_ascii=False, sort_keys=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Write transactions take the write lock at BEGIN, so two workers serialise instead of
    # failing on lock upgrade; reads stay deferred and never block anyone (WAL).
    if conn.get_execution_options().get("siapmas_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


#: pip requirement of the Python module SQLAlchemy imports for a database URL
DRIVER_PACKAGES = {
    "psycopg": '"psycopg[binary]"',
    "psycopg2": "psycopg2-binary",
    "pymysql": "pymysql",
    "MySQLdb": "mysqlclient",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "oracledb": "oracledb",
    "pyodbc": "pyodbc",
}


def open_engine(url: str, *, failed: str = "Basis data tidak dapat dibuka",
                advice: str = "Periksa [storage] url.", **options: Any) -> Engine:
    """``create_engine`` for a configured URL: parameters never shown in errors (a row's
    values may be a reporter's phone or e-mail); a driver that is not installed or a bad URL
    becomes a LedgerError with the password masked."""
    try:
        return create_engine(url, hide_parameters=True, **options)
    except ImportError as exc:  # e.g. postgresql+psycopg2:// without psycopg2 installed
        raise missing_driver(url, exc) from None
    except Exception as exc:  # bad URL (the message of make_url never holds the password)
        shown = str(exc).replace(url, masked_url(url))
        raise LedgerError(f"{failed}: {shown}", advice) from None


def missing_driver(url: str, exc: ImportError) -> LedgerError:
    """The message for a database URL whose Python driver is not installed."""
    module = (exc.name or "").split(".")[0] or "?"
    package = DRIVER_PACKAGES.get(module, module)
    scheme = url.split("://", 1)[0]
    return LedgerError(
        f"Driver basis data '{module}' untuk [storage] url ({scheme}://…) belum terpasang.",
        f"Pasang driver itu di lingkungan Python siapmas-sync: .venv/bin/pip install {package} "
        f"(Windows: .venv\\Scripts\\pip install {package}), lalu jalankan lagi; "
        "atau kosongkan [storage] url untuk memakai SQLite.",
    )


class Ledger:
    """Connection factory plus the handful of queries the engine needs."""

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
                row = conn.execute(select(meta.c.value).where(meta.c.name == "schema_version")).first()
                if row is None:
                    conn.execute(insert(meta).values(name="schema_version", value=str(SCHEMA_VERSION)))
                elif int(row.value) < SCHEMA_VERSION:  # create_all above added the new tables
                    _upgrade(conn, int(row.value))  # and this the new columns
                    conn.execute(update(meta).where(meta.c.name == "schema_version").values(value=str(SCHEMA_VERSION)))
                elif int(row.value) > SCHEMA_VERSION:
                    raise LedgerError(
                        f"Basis data berversi skema {row.value}, lebih baru dari program ini "
                        f"({SCHEMA_VERSION}).",
                        "Perbarui siapmas-sync ke versi terbaru.",
                    )
                _rehash_contents(conn)
        except DBAPIError as exc:  # damaged, read-only, full, locked…: said as such (failures)
            from .failures import Where, describe

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

    def unbatched_items(self) -> list[Any]:
        """Items with documents that are not in a print batch yet, in agenda order."""
        q = select(items.c.key, items.c.documents).where(items.c.print_batch.is_(None), items.c.documents != "{}")
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(items.c.year, items.c.seq)))

    def printed_hashes(self, keys: Sequence[str]) -> set[tuple[str, str, str]]:
        """(key, relative path, sha256) of every document of *keys* already printed."""
        out: set[tuple[str, str, str]] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                q = select(printed.c.key, printed.c.rel, printed.c.sha256).where(printed.c.key.in_(keys[start : start + 500]))
                out.update((r.key, r.rel, r.sha256) for r in conn.execute(q))
        return out

    def items_with_payloads(self, keys: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
        """The item rows of *keys* and their submissions' JSON, in two queries."""
        with self.engine.connect() as conn:
            rows = {r.key: r for r in conn.execute(select(items).where(items.c.key.in_(keys)))}
            payloads = dict(conn.execute(
                select(responses.c.key, responses.c.payload).where(responses.c.key.in_(keys))).all())
        return rows, payloads

    def kendali_states(self) -> dict[str, str]:
        """Agenda number → the Kendali state last written (JSON text), where there is one."""
        q = select(items.c.agenda_no, items.c.kendali_state)
        with self.engine.connect() as conn:
            return {r.agenda_no: r.kendali_state for r in conn.execute(q) if r.kendali_state not in ("", "{}")}

    def item_by_key(self, conn: Connection, key: str) -> Any:
        return conn.execute(select(items).where(items.c.key == key)).first()

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

    def event_rows(self, key: str | None = None) -> list[Any]:
        q = select(events).order_by(events.c.id)
        if key is not None:
            q = q.where(events.c.key == key)
        with self.engine.connect() as conn:
            return list(conn.execute(q))

    def pending(self, kind: str) -> list[Any]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(outbox).where(outbox.c.kind == kind, outbox.c.done_at.is_(None)).order_by(outbox.c.id)
                )
            )

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

    def find_item(self, ref: str, conn: Connection | None = None) -> Any:
        """An item by agenda number, by sequence number ("12" = newest year's 12, or
        "12/2026"), or by a key prefix of at least 6 hex characters (as the log shows it)."""
        if conn is None:
            with self.engine.connect() as c:
                return self.find_item(ref, c)
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
    def last_event(conn: Connection, key: str) -> Any:
        return conn.execute(select(events).where(events.c.key == key).order_by(events.c.id.desc()).limit(1)).first()

    @staticmethod
    def last_stage_event(conn: Connection, key: str) -> Any:
        """The latest event that changed the item's stage (None before any)."""
        q = select(events).where(events.c.key == key, events.c.from_stage != events.c.to_stage)
        return conn.execute(q.order_by(events.c.id.desc()).limit(1)).first()

    def form_times(self, hashes: Collection[str]) -> dict[str, list[tuple[str, datetime]]]:
        """Content hash → (key, the form's own timestamp) of every response with one of
        *hashes* (intake.resaved)."""
        out: dict[str, list[tuple[str, datetime]]] = {}
        wanted = list(hashes)
        stamp = json_text(responses.c.payload, "received_at").label("stamp")
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                q = select(responses.c.key, responses.c.content_hash, stamp).where(
                    responses.c.content_hash.in_(wanted[start : start + 500]))
                for r in conn.execute(q):
                    out.setdefault(r.content_hash, []).append((r.key, from_iso(r.stamp)))
        return out

    def duplicate_agendas(self) -> list[Any]:
        """(key, agenda_no) of every resubmission: the key of the duplicate response and the
        agenda number of the item it repeats."""
        q = select(responses.c.key, items.c.agenda_no).join(items, items.c.key == responses.c.duplicate_of).where(
            responses.c.key.not_in(select(kelengkapan_links.c.key)))
        with self.engine.connect() as conn:
            return list(conn.execute(q))

    def kelengkapan_agendas(self) -> list[Any]:
        """(key, agenda_no) of every response linked as the kelengkapan of an item."""
        q = select(kelengkapan_links.c.key, items.c.agenda_no).join(items, items.c.key == kelengkapan_links.c.item_key)
        with self.engine.connect() as conn:
            return list(conn.execute(q))

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


def _disable_pysqlite_begin(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _prepare_private_file(path: Path) -> None:
    """Create the database's folder and file readable by the owner only (POSIX)."""
    private_mkdir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


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
    from .intake.rows import CONTENT_HASH_VERSION

    have = conn.execute(select(meta.c.value).where(meta.c.name == "content_hash_version")).scalar()
    if have == CONTENT_HASH_VERSION:
        return
    last = ""
    while rows := conn.execute(select(responses.c.key, responses.c.content_hash, responses.c.payload)
                               .where(responses.c.key > last).order_by(responses.c.key).limit(500)).all():
        last = rows[-1].key
        _rehash_batch(conn, rows)
    Ledger.set_meta(conn, "content_hash_version", CONTENT_HASH_VERSION)


def _rehash_batch(conn: Connection, rows: Sequence[Any]) -> None:
    from .intake.rows import content_hash

    for r in rows:
        try:
            d = json.loads(r.payload)
            new = content_hash(d["nama"], d["telepon"], d["email"], d["kronologi"], d.get("bukti_urls") or ())
        except (ValueError, KeyError, TypeError):
            continue  # not a form response's payload: its hash stays
        if new != r.content_hash:
            conn.execute(update(responses).where(responses.c.key == r.key).values(content_hash=new))
