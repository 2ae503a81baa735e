"""``run`` on a deployment: serve every tenant this worker can lease.

A round (every few seconds, at most ``lease/3`` apart so leases never lapse while alive):
heartbeat and count live workers → renew held leases, drop the lost ones → release the
surplus above the fair share (``ceil(tenants / live workers)``) → lease free or expired
tenants up to it → run each held tenant's cycle that is due. A tenant's cycles are due
one ``[schedule] interval`` after its last cycle by whichever worker ran it (server clock),
and a tenant that never ran starts at a stable offset within the interval, so hundreds of
tenants spread over the interval instead of hitting Google all at once.

Each tenant's ledger (its schema of the deployment database) and backend are opened when
the tenant is leased and closed when it is lost or released; its write transactions are
fenced (leases.install_fence).
"""

from __future__ import annotations

import logging
import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import failures
from ..errors import SiapmasError
from .deployment import Deployment, schema_name, tenant_settings
from .leases import Fence, Held, LeaseLost, Leases, install_fence

if TYPE_CHECKING:
    from ..ledger import Ledger

log = logging.getLogger("siapmas.tenants")

#: stages whose items are no longer open (backlog counts the others)
CLOSED_STAGES = ("SELESAI", "DITOLAK")


@dataclass
class Slot:
    """A leased tenant: its engine and when its next cycle is due (monotonic clock)."""

    tenant: str
    held: Held
    fence: Fence
    due: float
    engine: Any = None
    cycled: bool = False
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for c in reversed(self.closers):
            try:
                c()
            except Exception:  # closing must never stop the worker
                log.debug("menutup tenant %s", self.tenant, exc_info=True)
        self.closers.clear()
        self.engine = None


def open_engine(dep: Deployment, tenant: str, fence: Fence) -> tuple[Any, list[Callable[[], None]]]:
    """The tenant's Engine over its fenced ledger and its own backend."""
    from ..backends import open_backend
    from ..cycle.engine import Engine
    from ..ledger import Ledger

    settings = tenant_settings(dep, tenant)
    ledger = Ledger(settings.database_url())
    closers: list[Callable[[], None]] = [ledger.close]
    try:
        install_fence(ledger, fence)
        backend = open_backend(settings)
        closers.append(backend.close)
        engine = Engine(settings, backend, ledger)
        engine.registrar.lock_scope = tenant  # numbering serialised per tenant, not across the database
        return engine, closers
    except BaseException:
        for c in reversed(closers):
            c()
        raise


def backlog(ledger: Ledger) -> tuple[int, int]:
    """(open items, unfinished outbox entries) of a tenant's ledger."""
    return ledger.open_and_pending(CLOSED_STAGES)


def start_offset(tenant: str, interval: float) -> float:
    """A stable spot in the interval for a tenant that never ran."""
    return (zlib.crc32(tenant.encode()) % 1000) / 1000 * interval


class TenantRunner:
    def __init__(self, dep: Deployment, leases: Leases, *, interval: float,
                 opener: Callable[[Deployment, str, Fence], tuple[Any, list[Callable[[], None]]]] = open_engine) -> None:
        self.dep = dep
        self.leases = leases
        self.interval = interval
        self.opener = opener
        self.slots: dict[str, Slot] = {}
        self._refreshed = 0.0
        self.live = 1
        self.share = len(dep.tenant)
        # a worker starting next to others looks at the tenants from a different place
        ids = dep.ids
        k = zlib.crc32(leases.holder.encode()) % len(ids)
        self.order = ids[k:] + ids[:k]

    @property
    def tick(self) -> float:
        """Longest sleep between rounds: leases are renewed three times per period."""
        return max(0.05, min(self.leases.seconds / 3, self.interval, 5.0))

    def prepare(self) -> None:
        self.leases.prepare(self.dep.ids, [schema_name(t) for t in self.dep.ids])

    # --- a round --------------------------------------------------------------------

    def round(self) -> None:
        self._refresh()
        self._balance()
        for tenant in sorted(self.slots, key=lambda t: self.slots[t].due):
            slot = self.slots.get(tenant)
            if slot is not None and time.monotonic() >= slot.due:
                if time.monotonic() - self._refreshed > self.tick:  # a long round: keep leases alive
                    self._refresh()
                    self._balance()  # and give the surplus back as soon as another worker is up
                    if tenant not in self.slots:
                        continue
                self._cycle(slot)

    def _refresh(self) -> None:
        """Heartbeat, live workers and fair share; renew every held lease, drop lost ones."""
        self.live = self.leases.heartbeat()
        self.share = self.dep.fair_share(self.live)
        renewed = self.leases.renew_all(list(self.slots))
        for tenant, slot in list(self.slots.items()):
            held = renewed.get(tenant)
            if held is None or (held.generation != -1 and held.generation != slot.held.generation):
                log.warning("[%s] sewa hilang (diambil worker lain); tenant dilepas", tenant)
                self._drop(tenant, release=False)
            elif held.generation != -1:
                slot.held = slot.fence.held = held
        self._refreshed = time.monotonic()

    def _balance(self) -> None:
        while len(self.slots) > self.share:  # others are alive: give the surplus back
            tenant = sorted(self.slots)[-1]
            log.info("[%s] dilepas untuk worker lain (bagian adil %d dari %d tenant, %d worker hidup)",
                     tenant, self.share, len(self.dep.tenant), self.live)
            self._drop(tenant, release=True)
        if len(self.slots) >= self.share:
            return
        for tenant in self.leases.free([t for t in self.order if t not in self.slots]):
            if len(self.slots) >= self.share:
                break
            held = self.leases.acquire(tenant)
            if held is None:
                continue
            wait = self.leases.seconds_until_due(tenant, self.interval)
            due = time.monotonic() + (start_offset(tenant, self.interval) if wait is None else max(0.0, wait))
            fence = Fence(self.leases, tenant)
            fence.held = held
            self.slots[tenant] = Slot(tenant, held, fence, due)
            log.info("[%s] disewa (generasi %d)", tenant, held.generation)

    def _drop(self, tenant: str, *, release: bool) -> None:
        slot = self.slots.pop(tenant)
        slot.fence.held = None
        slot.close()
        if release:
            self.leases.release(tenant)

    def _cycle(self, slot: Slot) -> None:
        tenant = slot.tenant
        # the next one an interval on, in phase (missed ones coalesced, never a catch-up burst)
        late = time.monotonic() - slot.due
        slot.due += self.interval * max(1, math.ceil(late / self.interval))
        slot.cycled = True
        held = self.leases.acquire(tenant)  # renewed right before: a whole lease for this cycle
        if held is None or held.generation != slot.held.generation:
            log.warning("[%s] sewa hilang sebelum siklus (diambil worker lain); tenant dilepas", tenant)
            self._drop(tenant, release=False)
            return
        slot.held = slot.fence.held = held
        try:
            if slot.engine is None:
                slot.engine, slot.closers = self.opener(self.dep, tenant, slot.fence)
            report = slot.engine.cycle()
            self._monthly_recap(slot.engine, tenant)
            ok = not report.failures
            result = report.summary_id().splitlines()[0] if ok else f"GALAT: {report.failures[0].message}"
            log.info("[%s] %s", tenant, report.summary_id().replace("\n", " | "))
        except LeaseLost as exc:
            log.warning("[%s] %s", tenant, exc.message)
            self._drop(tenant, release=False)
            return
        except Exception as exc:  # a tenant's failure never stops the others; retried next interval
            err = failures.explain(exc, command="run")
            ok, result = False, f"GALAT: {err.message}"
            log.error("[%s] Siklus gagal: %s — Saran: %s", tenant, err.message, err.advice)
        counts: tuple[int | None, int | None] = (None, None)
        if slot.engine is not None:
            try:
                counts = backlog(slot.engine.ledger)
            except Exception:
                log.debug("[%s] backlog tidak terbaca", tenant, exc_info=True)
            # hundreds of tenants must not hold hundreds of idle database connections: the
            # tenant's pool is emptied between its cycles (one new connection per cycle)
            slot.engine.ledger.engine.dispose()
        self.leases.record_cycle(slot.held, ok, result, *counts)

    @staticmethod
    def _monthly_recap(engine: Any, tenant: str) -> None:
        """Last month's recap on the first working day, as `run` does for one DPRD."""
        if not engine.s.rekap.bulanan:
            return
        from ..rekap.service import monthly_recap

        try:
            monthly_recap(engine.s, engine.ledger, engine.backend, wf=engine.wf, cal=engine.cal, now=engine.clock())
        except SiapmasError as exc:  # retried at the next interval (no file yet)
            log.error("[%s] Rekap bulanan gagal: %s — %s", tenant, exc, exc.advice)

    # --- the loop -------------------------------------------------------------------

    def serve(self, stopping: Callable[[], bool], wait: Callable[[float], Any], once: bool = False) -> None:
        """Rounds until *stopping*; on the way out free every tenant (clean exit)."""
        try:
            while not stopping():
                try:
                    self.round()
                except (SiapmasError, LeaseLost) as exc:
                    log.error("Putaran tenant gagal: %s — Saran: %s", exc.message, exc.advice)
                except Exception as exc:  # the database away for a moment: try again
                    err = failures.explain(exc, command="run")
                    log.error("Putaran tenant gagal: %s — Saran: %s", err.message, err.advice)
                if once:  # `run --once`: every leased tenant one cycle now, then stop
                    for slot in list(self.slots.values()):
                        if not slot.cycled:
                            self._cycle(slot)
                    break
                wait(self._sleep())
        finally:
            for tenant in list(self.slots):
                self._drop(tenant, release=False)
            try:
                self.leases.leave()
            except Exception:
                log.warning("Sewa tidak dapat dilepas saat berhenti; tenant pindah setelah sewa habis.", exc_info=True)

    def _sleep(self) -> float:
        now = time.monotonic()
        next_due = min((s.due for s in self.slots.values()), default=now + self.tick)
        return max(0.02, min(self.tick, next_due - now))


def run_deployment(dep: Deployment, *, once: bool = False, say: Callable[[str], None] = print) -> None:
    """``siapmas-sync run`` on a deployment file (SIGTERM / Ctrl-C: a clean stop that lets
    the running cycle finish and frees this worker's tenants)."""
    import signal

    from ..logs import setup_logging
    from ..worker.scheduling import Stopper

    stopper = Stopper()
    stopper.install(signal.SIGTERM, signal.SIGINT)
    setup_logging(dep.log_level)
    interval = dep.schedule.interval_seconds()
    leases = Leases(dep.storage.url, dep.leases.seconds)
    try:
        runner = TenantRunner(dep, leases, interval=interval)
        runner.prepare()
        say(f"SIAPMAS Sync (deployment, {len(dep.tenant)} tenant) berjalan sebagai {leases.holder}: "
            f"siklus tiap {interval / 60:g} menit, sewa {dep.leases.seconds:g} detik. Tekan Ctrl-C untuk berhenti.")
        runner.serve(lambda: stopper.stopping, stopper.event.wait, once=once)
        if stopper.stopping:
            log.info("Berhenti (%s); tenant dilepas untuk worker lain.", stopper.describe())
    finally:
        leases.close()
