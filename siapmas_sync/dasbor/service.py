"""When the *Dasbor* tab is (re)computed and written, and the worker's last sync.

A cycle asks :meth:`Dasbor.plan` for a view to write. The recap's figures are computed
over every item of the year (10,000 items: a second or more), so they are computed again
only when the ledger changed (:func:`ledger_fingerprint`: four aggregate queries, a few
milliseconds) or when the last-sync value in the sheet is due for its heartbeat; and a
view is handed to the backend only when a figure changed or the heartbeat is due. An idle
cycle therefore computes nothing and writes nothing.

State lives in the ledger's ``meta`` table (``dasbor_state``, ``last_sync_at``), so a
``sync`` started by cron behaves like the ``run`` loop. ``status`` and ``doctor`` read
``last_sync_at`` to print the same warning the sheet's formula shows (``status`` from the
ledger's read-only glance when it can: nothing heavier than the layout is imported here
until a cycle builds a :class:`Dasbor`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ..ledger import from_iso, utc_iso
from .layout import MIN_ROWS, DasborView, build, timing, warning_text

if TYPE_CHECKING:
    from ..config import Settings
    from ..core.workflow import OfficeCalendar, Workflow
    from ..ledger import Ledger

log = logging.getLogger("siapmas.dasbor")

META_STATE = "dasbor_state"
META_LAST_SYNC = "last_sync_at"


def ledger_fingerprint(ledger: Ledger) -> str:
    """Changes whenever an item, an event or a response is added or an item is updated."""
    return ledger.figures_fingerprint()


@dataclass
class _State:
    fingerprint: str = ""
    content: str = ""
    sync_written: str = ""  # UTC ISO of the last-sync value now in the sheet
    rows: int = MIN_ROWS

    @classmethod
    def load(cls, text: str | None) -> _State:
        try:
            d = json.loads(text or "{}")
            return cls(str(d.get("fingerprint", "")), str(d.get("content", "")), str(d.get("sync_written", "")),
                       int(d.get("rows", MIN_ROWS)))
        except (ValueError, TypeError):
            return cls()

    def dump(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


class Dasbor:
    """The engine's Dasbor step (one per Engine)."""

    def __init__(self, settings: Settings, ledger: Ledger, wf: Workflow, cal: OfficeCalendar) -> None:
        self.s = settings
        self.ledger = ledger
        self.wf = wf
        self.cal = cal
        self.enabled = settings.rekap.dasbor
        self.interval = float(settings.schedule.interval_minutes)
        sch = settings.schedule
        self.timing = timing(self.interval, float(sch.full_read_minutes), float(sch.drive_lag_minutes))
        self._pending: tuple[_State, DasborView] | None = None
        self.computed = 0  # how many times the figures were computed (tests, benchmarks)

    def _heartbeat_due(self, st: _State, now: datetime) -> bool:
        if not st.sync_written:
            return True
        return now - from_iso(st.sync_written) >= timedelta(minutes=self.timing.heartbeat)

    def plan(self, now: datetime, sheet_tz: Any = None) -> DasborView | None:
        """The view to write this cycle, or None when nothing changed (nothing computed
        either, unless the ledger changed or the heartbeat is due)."""
        self._pending = None
        if not self.enabled:
            return None
        st = _State.load(self.ledger.get_meta(META_STATE))
        year = now.astimezone(self.s.tz).year
        fp = f"{year}|{self.timing.limit:g}|{ledger_fingerprint(self.ledger)}"
        due = self._heartbeat_due(st, now)
        if fp == st.fingerprint and not due:
            return None
        view = self.compute(now, sheet_tz, min_rows=max(MIN_ROWS, st.rows))
        new = _State(fp, view.content_hash(), st.sync_written, max(st.rows, view.rows))
        if new.content == st.content and not due:
            self._save(new)  # same figures: remember the fingerprint, write nothing
            return None
        self._pending = (new, view)
        return view

    def compute(self, now: datetime, sheet_tz: Any = None, *, min_rows: int = MIN_ROWS) -> DasborView:
        """The view for the current year (WIB), from the recap's figures."""
        from ..rekap.figures import Period
        from ..rekap.service import build_figures

        self.computed += 1
        year = now.astimezone(self.s.tz).year
        fig = build_figures(self.s, self.ledger, Period.year(year), wf=self.wf, cal=self.cal, now=now)
        return build(fig, last_sync=now, tz=self.s.tz, sheet_tz=sheet_tz, limit_minutes=self.timing.limit,
                     min_rows=min_rows)

    def written(self, view: DasborView) -> None:
        """The backend wrote *view*: remember what the sheet now shows."""
        if self._pending is None or self._pending[1] is not view:
            return
        st = self._pending[0]
        st.sync_written = utc_iso(view.last_sync)
        self._save(st)
        self._pending = None

    def _save(self, st: _State) -> None:
        with self.ledger.tx() as conn:
            self.ledger.set_meta(conn, META_STATE, st.dump())

    def record_sync(self, now: datetime) -> None:
        """A cycle finished: the ledger's last sync (what ``status`` and ``doctor`` check)."""
        with self.ledger.tx() as conn:
            self.ledger.set_meta(conn, META_LAST_SYNC, utc_iso(now))


class MetaSource(Protocol):
    """Where the last sync is read: the :class:`Ledger`, or ``status``'s glance at it."""

    def get_meta(self, name: str) -> str | None: ...


def last_sync(ledger: MetaSource) -> datetime | None:
    text = ledger.get_meta(META_LAST_SYNC)
    return from_iso(text) if text else None


def sync_lines(settings: Settings, ledger: MetaSource, now: datetime) -> tuple[str, str | None]:
    """``status``'s line about the worker ("Sinkron terakhir: …") and the warning, if any."""
    from .layout import format_sync

    last = last_sync(ledger)
    if last is None:
        return "Sinkron terakhir: belum pernah.", None
    interval = float(settings.schedule.interval_minutes)
    return (f"Sinkron terakhir: {format_sync(last, settings.tz)}.",
            warning_text(last, now, interval, settings.tz))


#: what to do when the worker is late (status, doctor)
WORKER_ADVICE = ("Periksa komputer worker: layanan/jadwal `siapmas-sync run` (systemd, Task Scheduler) berjalan? "
                 "Lihat log-nya, lalu jalankan `siapmas-sync sync` sekali untuk mencoba.")


def worker_warning(settings: Settings, now: datetime) -> str | None:
    """``doctor``'s check: the ledger's last sync older than three intervals (None when on
    time, never synced, or the ledger not there yet — the SQLite file is never created here)."""
    if (not settings.storage.url or settings.storage.url.startswith("sqlite")) and not settings.storage.database.is_file():
        return None
    from ..ledger import Ledger

    ledger = Ledger(settings.database_url())
    try:
        return sync_lines(settings, ledger, now)[1]
    finally:
        ledger.close()
