"""Idle cycles: whether this cycle must read the spreadsheet, decided from one small
metadata request and the ledger.

A full read of a 100,000-row sheet is tens of megabytes and tens of CPU-seconds; most
cycles find nothing new. So before reading, the backend gives a *stamp* of its source —
on Google the spreadsheet's Drive ``files.get(fields="modifiedTime,version")`` (the
spreadsheet id is its Drive file id; ~100 bytes), locally the size and modification time
of the responses file and the register workbook — and the cycle skips the Sheets read
(and everything derived from it: the Kendali edits, intake, numbering, write-back) when

* the stamp equals the one taken *before* the last full read (a stamp taken before the
  read can only show edits the read saw; edits after it change the stamp later);
* the last change seen — a different stamp, or our own write-back — is at least
  ``[schedule] drive_lag_minutes`` old. Drive's modifiedTime of a spreadsheet lags its
  edits and edits are coalesced: a Google engineer explains that changes are batched and
  published "around every 3 minutes" (googleapis/google-api-go-client#444), so an edit
  made shortly after a change we saw may share that change's version; we keep reading in
  full until the window has passed;
* the last periodic full read is younger than ``[schedule] full_read_minutes`` (a safety
  net, and when the "Terlambat"/"Umur" clocks in the Kendali tab are brought up to date:
  other reads leave those cells as shown, see CLOCK_REASONS);
* the ledger is as the last write-back left it (:func:`ledger_fingerprint`: a step
  recorded from the command line, a pending render, a failed message must reach the
  sheet), and no SLA deadline has passed since (``due_at``: the item turns late).

The cursor lives in the ledger's ``meta`` table (``sheet_cursor``), so a ``sync`` started
by cron is as cheap as a cycle of ``run``. Everything that needs no sheet — documents
check, print batches, Word copies, the public status page, messages to reporters — still
runs on an idle cycle. Evidence is only listed for new responses (it arrives with a form
response), so an idle cycle makes no evidence request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from ..config import Settings
from ..errors import SiapmasError
from ..backends.base import Backend
from ..ledger import Ledger, from_iso, utc_iso
from ..notify.queue import GAGAL_TETAP, PERLU_PERIKSA

log = logging.getLogger("siapmas.idle")

CURSOR_META = "sheet_cursor"

#: a stamp of the source as the backend reports it (JSON-able, compared for equality)
Stamp = dict[str, str]


@dataclass(frozen=True)
class Cursor:
    """What the last full read left: the stamp taken before it, when it ran, the last
    change seen, the ledger as written back, and the next SLA deadline."""

    stamp: Stamp
    read_at: str  # UTC ISO
    changed_at: str  # UTC ISO
    ledger: str  # ledger_fingerprint() after the write-back ("" = write-back deferred)
    due_at: str | None = None  # UTC ISO: the earliest deadline after read_at
    refreshed_at: str | None = None  # UTC ISO: the last full read that rewrote the clock cells

    @property
    def periodic_from(self) -> datetime:
        """When the last periodic (clock-refreshing) full read ran."""
        return from_iso(self.refreshed_at or self.read_at)

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> Cursor | None:
        try:
            data = json.loads(text or "")
            return cls(dict(data["stamp"]), data["read_at"], data["changed_at"], data["ledger"], data.get("due_at"),
                       data.get("refreshed_at"))
        except (ValueError, KeyError, TypeError):
            return None


#: full reads that also bring the clock-driven Kendali cells up to date (writeback.CLOCK_COLUMNS);
#: the others — the sheet or the ledger changed, Drive's lag window — leave them as shown, or
#: each read would rewrite every late item's "Terlambat", see that write as a change in
#: Drive, and read again, forever
NO_STAMP, FIRST, PERIODIC, DISABLED, DEADLINE = (
    "sumber tidak memberi penanda perubahan", "belum pernah dibaca penuh", "pembacaan penuh berkala",
    "pemeriksaan perubahan dimatikan", "batas waktu SLA terlewati")
CLOCK_REASONS = frozenset({NO_STAMP, FIRST, PERIODIC, DISABLED, DEADLINE})


def decide(now: datetime, stamp: Stamp | None, cursor: Cursor | None, ledger: str, *,
           lag: timedelta, full_every: timedelta) -> str | None:
    """Why this cycle must read the sheet in full, or None when it may stay idle."""
    if stamp is None:
        return NO_STAMP
    if cursor is None:
        return FIRST
    if full_every <= timedelta(0) or now - cursor.periodic_from >= full_every:
        return PERIODIC
    if cursor.due_at is not None and now >= from_iso(cursor.due_at):
        return DEADLINE
    if stamp != cursor.stamp:
        return "spreadsheet berubah"
    if now - from_iso(cursor.changed_at) < lag:
        return "perubahan terakhir masih dalam jeda Drive"
    if ledger != cursor.ledger:
        return "buku besar berubah"
    return None


def after_full(prev: Cursor | None, stamp: Stamp | None, started: datetime, *, wrote: bool, ledger: str,
               due_at: datetime | None, refreshed: bool = True) -> Cursor | None:
    """The cursor after a full read that started at *started* with *stamp* taken before it."""
    if stamp is None:
        return None
    changed = prev is None or prev.stamp != stamp or wrote
    refreshed_at = utc_iso(started) if refreshed or prev is None else prev.refreshed_at or prev.read_at
    return Cursor(stamp, utc_iso(started), utc_iso(started) if changed else prev.changed_at,  # type: ignore[union-attr]
                  ledger, utc_iso(due_at) if due_at is not None else None, refreshed_at)


def ledger_fingerprint(ledger: Ledger) -> str:
    """Cheap aggregates that change whenever the ledger has something new for the sheet:
    items (added, stage or fields changed: ``updated_at``), events (Riwayat), responses
    (a duplicate), pending renders, and message failures (shown in the Pesan column). One
    statement, ~0.04 CPU-s on a 100,000-item SQLite ledger."""
    return ledger.change_fingerprint((GAGAL_TETAP, PERLU_PERIKSA))


@dataclass
class Gate:
    """This cycle's decision: ``full`` is the reason for a full read ("" = idle)."""

    full: str
    stamp: Stamp | None = None
    started: datetime | None = None

    @property
    def idle(self) -> bool:
        return not self.full

    @property
    def refresh_clocks(self) -> bool:
        """Whether this read also rewrites the clock-driven cells (CLOCK_REASONS)."""
        return self.full in CLOCK_REASONS


class IdleGate:
    """Asks the backend for its stamp, decides, and keeps the cursor in the ledger."""

    def __init__(self, settings: Settings, backend: Backend, ledger: Ledger, clock: Callable[[], datetime]) -> None:
        self.ledger = ledger
        self.backend = backend
        self.clock = clock
        sch = settings.schedule
        self.full_every = timedelta(minutes=sch.full_read_minutes)
        # the local files' modification time has no lag; Drive's has (see module docstring)
        self.lag = timedelta(minutes=sch.drive_lag_minutes) if backend.name == "google" else timedelta(0)
        self.fingerprint: str | None = None  # the ledger as this cycle's check saw it

    def check(self) -> Gate:
        now = self.clock()
        if self.full_every <= timedelta(0):  # the check is switched off: every cycle reads
            return Gate(DISABLED, None, now)
        stamp = self._stamp()
        cursor = Cursor.loads(self.ledger.get_meta(CURSOR_META))
        fingerprint = ledger_fingerprint(self.ledger) if cursor is not None and stamp is not None else ""
        self.fingerprint = fingerprint or None  # reused by this cycle's later steps when it stays idle
        reason = decide(now, stamp, cursor, fingerprint, lag=self.lag, full_every=self.full_every)
        if reason:
            log.info("Spreadsheet dibaca penuh: %s.", reason)
        return Gate(reason or "", stamp, now)

    def unchanged_since_write(self) -> bool:
        """Whether the ledger is as the last write-back left it (this cycle's check saw the
        fingerprint the cursor keeps): then only the sheet changed (tailread)."""
        cursor = Cursor.loads(self.ledger.get_meta(CURSOR_META))
        return bool(self.fingerprint) and cursor is not None and cursor.ledger == self.fingerprint

    def _stamp(self) -> Stamp | None:
        try:
            return self.backend.change_stamp()
        except SiapmasError as exc:  # the full read that follows reports the real problem
            log.warning("Penanda perubahan spreadsheet tidak dapat dibaca (%s); dibaca penuh.", exc.message)
            return None

    def record(self, gate: Gate, *, wrote: bool, deferred: bool, due_at: datetime | None) -> None:
        """After a full read and its write-back: the new cursor (a deferred write-back
        leaves a fingerprint that never matches, so the next cycle reads again)."""
        if gate.stamp is None or gate.started is None:
            return
        prev = Cursor.loads(self.ledger.get_meta(CURSOR_META))
        cur = after_full(prev, gate.stamp, gate.started, wrote=wrote,
                         ledger="" if deferred else ledger_fingerprint(self.ledger), due_at=due_at,
                         refreshed=gate.refresh_clocks)
        if cur is not None:
            with self.ledger.tx() as conn:
                self.ledger.set_meta(conn, CURSOR_META, cur.dumps())

    def next_full(self) -> datetime | None:
        """When the next full read is due at the latest (for the summary line)."""
        cursor = Cursor.loads(self.ledger.get_meta(CURSOR_META))
        return cursor.periodic_from + self.full_every if cursor else None
