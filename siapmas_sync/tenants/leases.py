"""Tenant leases in PostgreSQL: which worker serves which tenant, until when.

Tables (schema ``siapmas`` of the deployment's database):

- ``tenant_leases`` — one row per tenant: ``holder`` (host:pid:random, NULL when free),
  ``generation`` (+1 each time a different worker takes the tenant: the fencing token),
  ``expires_at``, and what the last cycle did (``last_cycle_at``, ``last_result``,
  ``backlog`` = open items, ``pending`` = unfinished outbox work);
- ``tenant_workers`` — one heartbeat row per running worker (how many are alive, for the
  fair share).

Every comparison uses the server's clock (``now()``): hosts' clocks may disagree.
Acquiring is one atomic ``UPDATE … WHERE expires_at < now() OR holder = me``. The
*fence* (:func:`install_fence`) runs at the start of every write transaction of the
tenant's ledger, in that same transaction: it finds the lease still held by this worker
with the same generation and not expired, extends it, and keeps the row locked until the
transaction commits — so a worker that was paused past its lease (and whose tenant another
worker took) cannot give a number when it wakes up, and nobody can take the tenant while a
numbering transaction is open.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from ..errors import SiapmasError

SCHEMA = "siapmas"

DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.tenant_leases (
        tenant text PRIMARY KEY,
        holder text,
        generation bigint NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL DEFAULT 'epoch',
        acquired_at timestamptz,
        last_cycle_at timestamptz,
        last_ok boolean,
        last_result text NOT NULL DEFAULT '',
        backlog integer,
        pending integer)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.tenant_workers (
        holder text PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL)""",
]

#: how long an acquisition waits for a lease row locked by an open numbering transaction
ACQUIRE_LOCK_TIMEOUT = "2s"


class LeaseLost(SiapmasError):
    """The tenant's lease is no longer this worker's: another worker took it (or it expired)."""


def new_holder_id() -> str:
    """host:pid:random — unique for this process's life, readable in `tenants`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Held:
    tenant: str
    generation: int


class Leases:
    """The lease operations of one worker (``holder``) on one deployment database."""

    def __init__(self, url: str, seconds: float, holder: str | None = None) -> None:
        self.seconds = float(seconds)
        self.holder = holder or new_holder_id()
        from ..ledger import open_engine

        self.engine: Engine = open_engine(url, failed="Basis data deployment tidak dapat dibuka", future=True,
                                          pool_pre_ping=True)

    def close(self) -> None:
        self.engine.dispose()

    # --- schema -----------------------------------------------------------------------

    def prepare(self, tenant_ids: list[str], schemas: list[str]) -> None:
        """Create the lease tables, one row per tenant and each tenant's schema (idempotent;
        serialised by a transaction advisory lock so concurrent first starts do not race)."""
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('siapmas.tenants.prepare'))"))
            for stmt in DDL:
                conn.execute(text(stmt))
            for schema in schemas:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            for t in tenant_ids:
                conn.execute(text(f"INSERT INTO {SCHEMA}.tenant_leases (tenant) VALUES (:t) ON CONFLICT DO NOTHING"),
                             {"t": t})

    # --- workers ----------------------------------------------------------------------

    def heartbeat(self) -> int:
        """Say this worker is alive for one lease period; return how many workers are."""
        host, _, rest = self.holder.partition(":")
        with self.engine.begin() as conn:
            conn.execute(text(
                f"INSERT INTO {SCHEMA}.tenant_workers (holder, host, pid, expires_at) "
                "VALUES (:me, :host, :pid, now() + make_interval(secs => :s)) "
                "ON CONFLICT (holder) DO UPDATE SET expires_at = excluded.expires_at"),
                {"me": self.holder, "host": host, "pid": os.getpid(), "s": self.seconds})
            conn.execute(text(f"DELETE FROM {SCHEMA}.tenant_workers WHERE expires_at < now() - interval '1 day'"))
            return int(conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.tenant_workers WHERE expires_at > now()"))
                       .scalar_one())

    def leave(self) -> None:
        """Clean exit: free every tenant this worker holds and remove its heartbeat."""
        with self.engine.begin() as conn:
            conn.execute(text(f"UPDATE {SCHEMA}.tenant_leases SET holder = NULL, expires_at = 'epoch' "
                              "WHERE holder = :me"), {"me": self.holder})
            conn.execute(text(f"DELETE FROM {SCHEMA}.tenant_workers WHERE holder = :me"), {"me": self.holder})

    # --- leases -----------------------------------------------------------------------

    def held(self) -> list[Held]:
        """The tenants whose unexpired lease this worker holds."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT tenant, generation FROM {SCHEMA}.tenant_leases "
                                     "WHERE holder = :me AND expires_at > now() ORDER BY tenant"),
                                {"me": self.holder})
            return [Held(r.tenant, int(r.generation)) for r in rows]

    def free(self, tenant_ids: list[str]) -> list[str]:
        """Of *tenant_ids*, those nobody holds (free, or the lease expired)."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT tenant FROM {SCHEMA}.tenant_leases "
                                     "WHERE (holder IS NULL OR expires_at < now()) AND tenant = ANY(:ids)"),
                                {"ids": list(tenant_ids)})
            found = {r.tenant for r in rows}
        return [t for t in tenant_ids if t in found]

    def acquire(self, tenant: str) -> Held | None:
        """Take or renew the tenant's lease: atomic, on the server's clock. A new holder
        raises the generation (the fencing token); None when another worker holds it or
        an open numbering transaction has its row locked."""
        try:
            with self.engine.begin() as conn:
                conn.execute(text(f"SET LOCAL lock_timeout = '{ACQUIRE_LOCK_TIMEOUT}'"))
                gen = conn.execute(text(
                    f"UPDATE {SCHEMA}.tenant_leases SET "
                    "generation = CASE WHEN holder = :me THEN generation ELSE generation + 1 END, "
                    "acquired_at = CASE WHEN holder = :me THEN acquired_at ELSE now() END, "
                    "holder = :me, expires_at = now() + make_interval(secs => :s) "
                    "WHERE tenant = :t AND (expires_at < now() OR holder = :me) RETURNING generation"),
                    {"me": self.holder, "s": self.seconds, "t": tenant}).scalar()
        except OperationalError as exc:
            if _is_lock_timeout(exc):
                return None
            raise
        return None if gen is None else Held(tenant, int(gen))

    def renew_all(self, tenants: list[str]) -> dict[str, Held]:
        """Renew every lease of *tenants* this worker still holds, in one statement (a
        round with many due cycles renews between them); the ones returned are still ours."""
        if not tenants:
            return {}
        try:
            with self.engine.begin() as conn:
                conn.execute(text(f"SET LOCAL lock_timeout = '{ACQUIRE_LOCK_TIMEOUT}'"))
                rows = conn.execute(text(
                    f"UPDATE {SCHEMA}.tenant_leases SET expires_at = now() + make_interval(secs => :s) "
                    "WHERE holder = :me AND tenant = ANY(:ids) RETURNING tenant, generation"),
                    {"me": self.holder, "s": self.seconds, "ids": list(tenants)})
                return {r.tenant: Held(r.tenant, int(r.generation)) for r in rows}
        except OperationalError as exc:
            if _is_lock_timeout(exc):  # one of them is in a numbering transaction: ours, try later
                return {t: Held(t, -1) for t in tenants}
            raise

    def release(self, tenant: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(f"UPDATE {SCHEMA}.tenant_leases SET holder = NULL, expires_at = 'epoch' "
                              "WHERE tenant = :t AND holder = :me"), {"t": tenant, "me": self.holder})

    def record_cycle(self, held: Held, ok: bool, result: str, backlog: int | None, pending: int | None) -> None:
        """What the tenant's cycle did (only while this worker still holds it)."""
        with self.engine.begin() as conn:
            conn.execute(text(
                f"UPDATE {SCHEMA}.tenant_leases SET last_cycle_at = now(), last_ok = :ok, last_result = :r, "
                "backlog = :b, pending = :p WHERE tenant = :t AND holder = :me AND generation = :g"),
                {"ok": ok, "r": result[:500], "b": backlog, "p": pending, "t": held.tenant,
                 "me": self.holder, "g": held.generation})

    def seconds_until_due(self, tenant: str, interval: float) -> float | None:
        """Seconds (server clock) until the tenant's next cycle is due after its last one,
        by whichever worker ran it; None when it never ran."""
        with self.engine.connect() as conn:
            v = conn.execute(text(
                f"SELECT extract(epoch FROM (last_cycle_at + make_interval(secs => :i) - now())) "
                f"FROM {SCHEMA}.tenant_leases WHERE tenant = :t"), {"i": interval, "t": tenant}).scalar()
        return None if v is None else float(v)

    def rows(self) -> tuple[list[Any], int, Any]:
        """(every lease row with ``expired``, live workers, the server's now) for `tenants`."""
        with self.engine.connect() as conn:
            now = conn.execute(text("SELECT now()")).scalar_one()
            rows = list(conn.execute(text(
                f"SELECT *, (expires_at <= now()) AS expired FROM {SCHEMA}.tenant_leases ORDER BY tenant")))
            live = int(conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.tenant_workers WHERE expires_at > now()"))
                       .scalar_one())
        return rows, live, now


def _is_lock_timeout(exc: DBAPIError) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "55P03"  # lock_not_available


class Fence:
    """The lease a tenant's ledger writes under; ``held`` is None while none is held."""

    def __init__(self, leases: Leases, tenant: str) -> None:
        self.leases = leases
        self.tenant = tenant
        self.held: Held | None = None

    def check(self, conn: Connection) -> None:
        """In the caller's transaction: the lease is still ours (same generation, not
        expired); extend it and keep its row locked until this transaction ends."""
        held = self.held
        if held is None:
            raise LeaseLost(f"Tenant '{self.tenant}' tidak sedang dipegang worker ini.",
                            "Tidak ada yang ditulis; worker lain melayani tenant ini.")
        ok = conn.exec_driver_sql(
            f"UPDATE {SCHEMA}.tenant_leases SET expires_at = greatest(expires_at, now() + make_interval(secs => %(s)s)) "
            "WHERE tenant = %(t)s AND holder = %(me)s AND generation = %(g)s AND expires_at > now() RETURNING 1",
            {"s": self.leases.seconds, "t": self.tenant, "me": self.leases.holder, "g": held.generation},
        ).scalar()
        if ok is None:
            self.held = None
            raise LeaseLost(f"Sewa tenant '{self.tenant}' sudah habis atau diambil worker lain (generasi {held.generation}).",
                            "Tidak ada yang ditulis; worker yang kini memegang tenant ini melanjutkan.")


def install_fence(ledger: Any, fence: Fence) -> None:
    """Make every write transaction of *ledger* (``Ledger.tx``) check *fence* first, in
    the same transaction (SQLAlchemy ``begin`` event; reads are not fenced)."""

    def on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("siapmas_write"):
            fence.check(conn)

    event.listen(ledger.engine, "begin", on_begin)
