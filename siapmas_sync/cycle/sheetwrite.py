"""The write-back: every status and register cell planned from the ledger, item by item,
against what this cycle read (sheetplan's TableDiff), and written in one backend call
with the Dasbor; what the next tail read starts from is saved with it (tailread). A
deferred register write leaves the ledger expecting what the sheet still shows
(workbook_guard)."""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import failures
from ..durable import atomic_write_bytes
from ..backends.base import Backend
from ..backends.workbook_guard import RegisterDeferred, acknowledged_states
from ..config import Settings
from ..core.kendali_sheet import KENDALI_COLUMNS, KENDALI_TAB, validations
from ..core.sheetplan import (
    BUKU_AGENDA_COLUMNS,
    BUKU_AGENDA_TAB,
    BUKU_SURAT_KELUAR_COLUMNS,
    BUKU_SURAT_KELUAR_TAB,
    RIWAYAT_COLUMNS,
    RIWAYAT_TAB,
    STATUS_COLUMNS,
    TableDiff,
    TablePlan,
)
from ..core.workflow import Workflow
from ..dasbor.service import Dasbor
from ..ledger import Ledger, utc_iso
from ..notify.pemberitahuan import LINKS_META, PEMBERITAHUAN_TAB, LinksMark, plan_tab
from ..notify.pemberitahuan import controls as wa_controls
from .kelengkapan import KELENGKAPAN_LABEL, Decision, KelengkapanLinker, held_cells
from .read import CycleSnapshot, ParsedResponses
from .report import CycleReport, CycleState
from .surat_keluar import buku_rows as buku_surat_keluar_rows
from .tailread import OPERATOR_COLUMNS, TAIL_META, SeenColumns, TailState, row_fingerprint, seen_file
from .writeback import Views, kendali_state

if TYPE_CHECKING:
    from ..dasbor.layout import DasborView

log = logging.getLogger("siapmas.engine")

DUPLICATE_LABEL = "DUPLIKAT"
DUPLIKAT_TEXT = DUPLICATE_LABEL
BAD_ROW_LABEL = "PERIKSA BARIS"
WRITE_BACK_PAGE = 2000  # ledger items compared with the sheet at a time
#: what the status columns and register tabs are made of (not the evidence lists)
WRITE_BACK_COLUMNS = ("key", "seq", "agenda_no", "updated_at", "tahap", "stage_entered_at", "diteruskan_ke",
                      "rahasia", "sifat", "perihal", "routing", "findings", "documents", "pesan", "kendali_state", "disposisi")


class SheetWriter:
    """Plans and writes the worker's cells of the sheet (status columns, Buku Agenda,
    Riwayat, Kendali, Pemberitahuan, Buku Surat Keluar, Dasbor)."""

    def __init__(self, settings: Settings, backend: Backend, ledger: Ledger, wf: Workflow, views: Views,
                 kelengkapan: KelengkapanLinker, dasbor: Dasbor, clock: Callable[[], datetime]) -> None:
        self.s = settings
        self.backend = backend
        self.ledger = ledger
        self.wf = wf
        self.views = views
        self.kelengkapan = kelengkapan
        self.dasbor = dasbor
        self.clock = clock
        self.tz = settings.tz
        self.out_dir: Path = settings.output.dir

    def dasbor_view(self, now: datetime, snap: CycleSnapshot) -> DasborView | None:
        """The Dasbor to draw with this write (None when nothing changed); a failure to
        compute it is logged and never holds up the status write-back. After a tail read
        it waits for the next full read: its figures are computed over every item, which a
        change read as a change must not cost (tailread)."""
        if snap.partial:
            return None
        try:
            return self.dasbor.plan(now, snap.sheet_tz)
        except Exception as exc:
            log.exception("%s", dasbor_failed(exc))
            return None

    def write(self, snap: CycleSnapshot, state: CycleState, report: CycleReport | None = None) -> int:
        """Plan every status and register cell from the ledger, item by item (never all
        items at once), against the fingerprints read this cycle; write what differs.
        After a tail read (tailread) only what this cycle touched: the items registered or
        changed since it began and the Kendali rows edited, the new events; the own tabs
        are appended to after the rows last written, never read."""
        now = self.clock()
        v = self.views
        parsed: ParsedResponses = snap.responses
        row_of = parsed.row_of()
        bad = {e.row - 2: {"Tahap": BAD_ROW_LABEL, "Kelengkapan": e.message} for e in parsed.errors}
        status = TableDiff(parsed.status, parsed.title, STATUS_COLUMNS)
        tail = state.tail if snap.partial else None
        edited = {e.agenda_no: e.values for e in state.edits_read}
        if tail is None:
            buku = TableDiff(snap.tabs.get(BUKU_AGENDA_TAB), BUKU_AGENDA_TAB, BUKU_AGENDA_COLUMNS, "No. Agenda")
            riwayat = TableDiff(snap.tabs.get(RIWAYAT_TAB), RIWAYAT_TAB, RIWAYAT_COLUMNS, "ID")
            item_rows: Any = self.ledger.iter_items(WRITE_BACK_COLUMNS, batch=WRITE_BACK_PAGE)
        else:
            buku = TableDiff(tail.blind(BUKU_AGENDA_TAB, BUKU_AGENDA_COLUMNS, "No. Agenda"), BUKU_AGENDA_TAB,
                             BUKU_AGENDA_COLUMNS, "No. Agenda")
            riwayat = TableDiff(tail.blind(RIWAYAT_TAB, RIWAYAT_COLUMNS, "ID"), RIWAYAT_TAB, RIWAYAT_COLUMNS, "ID")
            item_rows = self.ledger.items_touched_since((*WRITE_BACK_COLUMNS, "registered_at"), state.since, edited)
        kendali = TableDiff(snap.tabs.get(KENDALI_TAB), KENDALI_TAB, KENDALI_COLUMNS, "No. Agenda")
        people = [p.label for p in self.s.officials()]
        controls = {KENDALI_TAB: validations(self.wf.labels, people), PEMBERITAHUAN_TAB: wa_controls(people)}
        part = self.backend.part_cells  # a large write-back goes out as it is planned (send_ahead)
        sent = 0
        # Remember what the editable Kendali cells will say BEFORE writing: if the write
        # is lost, the operator's values still differ and are judged again next cycle.
        states: dict[str, str] = {}
        previous: dict[str, str] = {}  # key → state before this cycle, of items it touches
        read_edits: list[tuple[str, dict[str, str]]] = []  # (key, editable cells as read)
        restated: set[str] = set()  # agenda numbers whose Kendali state this cycle sets
        for r in item_rows:
            payload = {"received_at": r.received_at, "nama": r.nama}
            row = row_of.get(r.key)
            # after a tail read, an item the sheet showed before this cycle: only its Kendali
            # row (edited there) is planned; a step it took makes the next read a full one
            above = tail is not None and r.key in state.known_before
            if above and r.agenda_no not in edited:
                continue  # touched in the same second as this cycle began, by an earlier one
            if row is not None and row not in bad:
                status.compare_row(row, v.status_cells(r, datetime.fromisoformat(r.received_at), now))
            if not above:
                buku.compare(v.buku_agenda_row(r, payload))
            k = v.kendali_row(r, payload, now)
            st = kendali_state(k)
            if st != (r.kendali_state or "{}"):
                states[r.key] = st
            if r.key in states or r.agenda_no in edited:
                restated.add(r.agenda_no)  # judged again by the next tail read (tailread.SeenColumns)
                previous[r.key] = r.kendali_state or "{}"
                if r.agenda_no in edited:
                    read_edits.append((r.key, edited[r.agenda_no]))
            kendali.compare(k, keep=state.clock_cells)
            if part and len(status.plan.updates) + len(buku.plan.updates) + len(kendali.plan.updates) >= part:
                sent += self.send_ahead((status, buku, kendali), states, controls, report)
        for d in self.ledger.duplicate_agendas():
            row = row_of.get(d.key)
            if row is not None and row not in bad:
                status.compare_row(row, {"No. Agenda": d.agenda_no, "Tahap": DUPLIKAT_TEXT,
                                         "Kelengkapan": f"Duplikat dari {d.agenda_no}"})
        for d in self.ledger.kelengkapan_agendas():
            row = row_of.get(d.key)
            if row is not None and row not in bad:
                status.compare_row(row, {"No. Agenda": d.agenda_no, "Tahap": KELENGKAPAN_LABEL,
                                         "Kelengkapan": f"Kelengkapan untuk {d.agenda_no}"})
        for p in self.kelengkapan.pending(include_decided=True):
            row = row_of.get(p.key)
            if row is not None and row not in bad and p.decision in (None, Decision.ABAIKAN.value):
                status.compare_row(row, held_cells(p))
        for row, cells in bad.items():
            status.compare_row(row, cells)
        event_id = tail.event_id if tail is not None else 0
        for ev in self.ledger.iter_events(after=event_id):
            riwayat.compare(v.riwayat_row(ev, ev.agenda_no))
            event_id = ev.id
            if part and len(riwayat.plan.updates) >= part:
                sent += self.send_ahead((riwayat,), {}, controls, report)
        if states:
            with self.ledger.tx() as conn:
                self.ledger.set_kendali_states(conn, states)
        if part and sum(len(d.plan.updates) for d in (status, buku, riwayat, kendali)) >= part // 4:
            sent += self.send_ahead((status, buku, riwayat, kendali), {}, controls, report)  # before Pemberitahuan's
        mark = LinksMark(utc_iso(now))  # what this plan saw (plan_tab), for the next cycle
        message_id = self.ledger.last_message_id()
        plans = [status.result(), buku.result(), riwayat.result(), kendali.result(),
                 plan_tab(snap.tabs.get(PEMBERITAHUAN_TAB), self.ledger, self.s, self.wf, self.out_dir,
                          since=None if state.clock_cells == () else LinksMark.loads(self.ledger.get_meta(LINKS_META)),
                          mark=mark, after=tail.message_id if tail is not None else 0)]
        # an approval is recorded from the command line: the ledger changed, so never after a tail read
        keluar_rows = buku_surat_keluar_rows(self.ledger, self.tz) if tail is None else []
        if keluar_rows or snap.tabs.get(BUKU_SURAT_KELUAR_TAB) is not None:  # made by the first approval
            keluar = TableDiff(snap.tabs.get(BUKU_SURAT_KELUAR_TAB), BUKU_SURAT_KELUAR_TAB, BUKU_SURAT_KELUAR_COLUMNS,
                               "Nomor Surat")
            for r in keluar_rows:
                keluar.compare(r)
            plans.append(keluar.result())
        dash = self.dasbor_view(now, snap)
        try:
            self.backend.write(plans, controls, **({"dasbor": dash} if dash is not None else {}))
            with self.ledger.tx() as conn:
                if tail is None:  # every change before `now` is in the sheet (plan_tab); not after a tail read
                    self.ledger.set_meta(conn, LINKS_META, mark.dumps())
                if self.backend.reads_tail:  # where the next tail read starts (tailread)
                    self.save_tail(conn, parsed, plans[0].header, kendali, {BUKU_AGENDA_TAB: buku, RIWAYAT_TAB: riwayat},
                                    plans[4].header, event_id, message_id,
                                    self.save_seen(snap, restated, tail))
            if dash is not None and not self.backend.dasbor_skipped:
                self.dasbor.written(dash)  # else drawn again next cycle
        except RegisterDeferred as exc:
            # the sheet still shows what was read: the ledger must expect exactly that
            log.warning("%s", exc)
            state.write_deferred = True
            acked = acknowledged_states(previous, read_edits)
            with self.ledger.tx() as conn:
                self.ledger.set_kendali_states(conn, acked)
            if report is not None:
                report.notices.append(f"{exc} {exc.advice}".strip())
            return 0
        finally:
            if report is not None:
                report.notices.extend(self.backend.notices)
        if sent:
            give_back_memory()  # a large write-back: its cells are gone, their pages go back
        return sent + sum(len(p.updates) for p in plans)

    def send_ahead(self, diffs: Sequence[TableDiff], states: dict[str, str],
                   controls: dict[str, Any], report: CycleReport | None) -> int:
        """Send the cells planned so far in *diffs* and let them go, so that a large first
        write-back (10,000 items: 540,000 cells) never holds all its cells at once; only
        where the backend writes in parts (Google: ``part_cells``; a file is saved once).
        The Kendali states those cells show are recorded first, as :meth:`write` does for
        the whole write (a lost write leaves the operator's values differing, judged again
        next cycle); the Dasbor and the rest go with the last write. Returns the cells sent."""
        if states:
            with self.ledger.tx() as conn:
                self.ledger.set_kendali_states(conn, states)
            states.clear()
        plans = [TablePlan(d.plan.tab, d.plan.header, d.plan.header_changed, d.plan.updates) for d in diffs]
        for d in diffs:
            d.plan.updates = []
        try:
            self.backend.write(plans, controls)
        finally:
            if report is not None:
                report.notices.extend(self.backend.notices)
        return sum(len(p.updates) for p in plans)

    def save_seen(self, snap: CycleSnapshot, restated: set[str], tail: TailState | None) -> str:
        """The operator columns read this cycle, kept for the next tail read (tailread.SeenColumns):
        its token, or "" when they could not be kept (the next tail read judges every row)."""
        tables, forget = {t: snap.tabs.get(t) for t in OPERATOR_COLUMNS}, {KENDALI_TAB: restated}
        if tail is not None and tail.seen is not None and SeenColumns.same(tables, forget):
            return tail.seen.token  # read as kept: the file stays as it is
        seen = SeenColumns.of(tables, forget)
        try:
            atomic_write_bytes(seen_file(self.s.storage.database.parent), seen.dumps())
        except OSError as exc:
            log.warning("Salinan kolom operator tidak tersimpan (%s); baca perubahan berikutnya memeriksa semua baris.",
                        exc.strerror or exc)
            return ""
        return seen.token

    def save_tail(self, conn: Any, parsed: ParsedResponses, header: Sequence[str], kendali: TableDiff,
                  own: dict[str, TableDiff], wa_header: Sequence[str], event_id: int, message_id: int,
                  seen_token: str = "") -> None:
        """What the next tail read starts from: the last response row read (its answers'
        fingerprint), the own tabs' headers and next rows, the newest event written."""
        if parsed.last_row is None:  # no response yet: the next cycle reads in full
            self.ledger.set_meta(conn, TAIL_META, "")
            return
        last_row, cells = parsed.last_row
        headers = {t: list(d.plan.header) for t, d in own.items()}
        headers[PEMBERITAHUAN_TAB] = list(wa_header)
        state = TailState(last_row, row_fingerprint(header, cells), list(kendali.plan.header), headers,
                          {t: d.next_row for t, d in own.items()}, event_id, message_id, seen_token)
        self.ledger.set_meta(conn, TAIL_META, state.dumps())


def give_back_memory() -> None:
    """Hand the heap pages freed by a large write-back back to the system (glibc's
    ``malloc_trim``; ~30 MB after 10,000 items): render processes forked later for the
    Word copies count every page the worker still holds. Elsewhere nothing to do."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): the pages stay with the process
            pass


def dasbor_failed(exc: Exception) -> str:
    return f"Tab Dasbor tidak diperbarui: {failures.explain(exc, command='sync').message}"
