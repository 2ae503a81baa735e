"""The sync cycle: read new responses → decide → record → render → write back.

Decisions (which rows are new, which are resubmissions, what number comes next, what each
status cell should say) are made over plain data; the backend, the ledger and the
document renderer are the only things with side effects. Every side effect is either
recorded in the same transaction as the decision that caused it (the agenda number and
its pending render sit in one commit) or is a reconciliation that converges (status
write-back compares the sheet with the ledger every cycle), so a crash at any instant
loses nothing and duplicates nothing.

This module owns the order of the steps (:meth:`Engine.cycle`); the steps live beside it:
``incoming`` (read, number guard, registration), ``renders`` (the outbox's renders),
``sheetwrite`` (the write-back), ``printbatch``, ``report``; ``parts`` builds them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from .. import failures
from ..backends.base import Backend, Snapshot
from ..config import Settings
from ..core.kendali_sheet import KENDALI_TAB, StoredStates, find_edits
from ..core.rerender import RenderKind
from ..core.models import AgendaItem, RowError, SheetTable, Submission, Tambahan
from ..documents.common import sweep_temp_files
from ..filemodes import private_mkdir
from ..ledger import ItemRecord, Ledger, ResponseRecord, utc_iso
from ..notify.pemberitahuan import PEMBERITAHUAN_TAB, apply_ticks
from ..notify.sender import deliver
from ..notify.validity import cancel_stale, cancelled_line
from ..numbering.template import agenda_folder
from . import uploads
from .binding import bind_source
from .idle import Gate
from .missing_documents import check_documents
from .optional import Job
from .parts import CycleParts, build_parts, build_workflow, relabel_stages
from .print_history import record_baseline
from .printbatch import print_batch
from .read import CycleSnapshot
from .rendering import RenderJob
from .report import CycleReport, CycleState
from .sheetwrite import BAD_ROW_LABEL, DUPLICATE_LABEL, DUPLIKAT_TEXT
from .steps import StepResult
from .writeback import CLOCK_COLUMNS

#: also imported from here by cli, tests, benchmarks and recover
__all__ = ["BAD_ROW_LABEL", "DUPLICATE_LABEL", "DUPLIKAT_TEXT", "CycleReport", "Engine", "agenda_folder",
           "build_workflow", "relabel_stages"]

log = logging.getLogger("siapmas.engine")


class Engine:
    """One configured worker: settings + backend + ledger, and a clock; its collaborators
    come built (*parts*, else :func:`~siapmas_sync.cycle.parts.build_parts`)."""

    def __init__(
        self,
        settings: Settings,
        backend: Backend,
        ledger: Ledger,
        *,
        clock: Callable[[], datetime] | None = None,
        parts: CycleParts | None = None,
    ) -> None:
        self.s = settings
        self.backend = backend
        self.ledger = ledger
        self.tz = settings.tz
        self.clock = clock or (lambda: datetime.now(self.tz))
        self.out_dir = settings.output.dir
        private_mkdir(self.out_dir)  # documents hold personal data: the owner's only (POSIX)
        p = self.parts = parts or build_parts(settings, backend, ledger, self.clock)
        self.routing, self.wf, self.cal, self.views = p.routing, p.wf, p.cal, p.views
        self.steps, self.registrar, self.kelengkapan = p.steps, p.registrar, p.kelengkapan
        self.publik, self.idle, self.dasbor, self.optional = p.publik, p.idle, p.dasbor, p.optional
        self.incoming, self.renders, self.sheet = p.incoming, p.renders, p.sheet
        self.state = CycleState()  # what this cycle's read leaves for its later steps
        self.replaced: list[str] = []  # documents of the last print batch that replace a printed one

    # --- the cycle --------------------------------------------------------------------

    def cycle(self) -> CycleReport:
        report = CycleReport(output_dir=self.out_dir)
        failures.fault_point("cycle")
        self._sweep()
        bind_source(self.ledger, self.s)
        gate = self.idle.check()  # one small request: has the sheet (or the ledger) changed?
        if gate.idle:
            self._idle(report)
        else:
            self._sheet_cycle(report, gate)
        self._upload(report)  # optional: numbers and status are already in the sheet
        self._print_and_copies(report)
        self._publish_status(report, self.idle.fingerprint if gate.idle else None)
        self._notify(report)
        self.dasbor.record_sync(self.clock())  # what `status`/`doctor` check the worker by
        return report

    def _sheet_cycle(self, report: CycleReport, gate: Gate) -> None:
        """Read the sheet, decide, record, render, write back; then remember what was read."""
        st = self.state = CycleState(since=utc_iso(gate.started or self.clock()))
        st.tail = self.incoming.tail_state(gate)
        snap, shown = self.incoming.read(st, st.tail)
        st.partial = snap.partial
        pending = self.ledger.pending_render_keys() if snap.partial else set()
        guard = self.incoming.check_numbers(shown)
        report.steps = self._apply_kendali(snap)
        if any(r.accepted for r in report.steps):
            st.full_read_due()  # the item's status and Buku Agenda rows were not read
        ticked = self._apply_pemberitahuan(snap)
        report.notices.extend(ticked)
        if ticked:
            st.full_read_due()  # a ticked row's link is emptied by the next read, a full one
        parsed = self.incoming.admit(snap, guard, report, st)
        self.incoming.register_new(parsed.submissions, report, st)
        self._cancel_stale_messages(report)  # before the write-back, so Riwayat shows it this cycle
        record_baseline(self.ledger, self.out_dir, self.clock())  # items printed before the printed table
        report.restored = check_documents(self.ledger, self.out_dir, self.clock(), print_batch=self.s.output.print_batch)
        self._render_pending(report)
        if report.restored or pending - self.ledger.pending_render_keys():
            st.full_read_due()  # documents of items above the tail changed: their status cells too
        st.clock_cells = CLOCK_COLUMNS if not gate.refresh_clocks else ()  # left as shown (cycle/idle.py)
        report.cells_written = self._write_back(snap, report)
        # rows a tail read could not rewrite: the cursor is left unmatched, the next cycle reads in full
        self.idle.record(gate, wrote=report.cells_written > 0, deferred=st.write_deferred or st.head_due,
                         due_at=self.views.next_change)

    def _cancel_stale_messages(self, report: CycleReport) -> None:
        """Queued messages whose reason no longer holds are cancelled (notify.validity); a
        failure here is logged and never holds up the write-back (delivery checks again)."""
        try:
            n = cancel_stale(self.ledger, self.wf, self.clock())
        except Exception as exc:
            log.error("Pemeriksaan pesan yang tidak berlaku lagi gagal: %s", exc)
            return
        if n:
            report.notices.append(cancelled_line(n))
            self.state.full_read_due()  # their Pemberitahuan rows: the next read, a full one, rewrites them

    def _idle(self, report: CycleReport) -> None:
        """Nothing changed in the sheet or the ledger: no read, no write-back (cycle/idle.py)."""
        report.restored = check_documents(self.ledger, self.out_dir, self.clock(), print_batch=self.s.output.print_batch)
        due = self.idle.next_full()
        report.notices.append("Spreadsheet tidak berubah sejak pembacaan terakhir; tidak dibaca ulang"
                              + (f" (pembacaan penuh berikutnya paling lambat {due.astimezone(self.tz):%H.%M})." if due else "."))

    def _upload(self, report: CycleReport) -> None:
        """The documents' copies in Drive (cycle/uploads.py), isolated (cycle/optional.py): a refusal is
        reported once and retried next cycle from where it stopped."""
        if uploads.enabled(self.backend):
            self.optional.run(Job.UNGGAH, lambda: uploads.upload_pending(
                self.ledger, self.backend, self.out_dir, self.clock), report, context=self.backend.upload_folder_id)

    def _print_and_copies(self, report: CycleReport) -> None:
        """Conveniences after the status is in the sheet: the print batches, Word copies (a
        full or read-only output disk is reported; numbers and status stay recorded)."""
        try:
            if self.s.output.print_batch:
                report.batches, self.replaced = print_batch(self.ledger, self.out_dir, self.tz, self.clock,
                                                            self.s.output.kartu_cetak)
                if self.replaced:
                    report.notices.append(
                        "Cetakan baru menggantikan lembar yang sudah dicetak (buang lembar lama; versi tertulis di kaki "
                        "lembar): " + "; ".join(self.replaced[:10]) + (" …" if len(self.replaced) > 10 else "") + ".")
            self.renders.make_salinan(report)
        except OSError as exc:
            log.error("Berkas cetak/salinan Word gagal dibuat: %s", report.add_failure(exc, self.out_dir / "cetak"))

    def _publish_status(self, report: CycleReport, ledger_fp: str | None = None) -> None:
        """The public view without personal data (publik/), rewritten only when a figure changed."""
        try:
            report.notices.extend(self.publik.publish(self.clock(), ledger_fp).notices)
        except OSError as exc:
            log.error("Halaman status publik gagal ditulis: %s", report.add_failure(exc, self.publik.folder))

    def _notify(self, report: CycleReport) -> None:
        """Replies to reporters, last: a mail server never holds up numbers, documents or the sheet."""
        try:
            from ..notify.pejabat import queue_officials

            queue_officials(self.ledger, self.s, self.wf, self.views, self.clock())  # the next official told
        except Exception as exc:  # optional: never holds up the replies to reporters
            log.exception("Pemberitahuan ke pejabat gagal disiapkan: %s", exc)
        try:
            done = deliver(self.ledger, self.s, self.wf, self.out_dir, self.clock, report.new)
        except OSError as exc:  # the .eml folder full or read-only
            log.error("Pesan ke pelapor gagal ditulis: %s", report.add_failure(exc, self.out_dir / "pesan"))
            return
        report.notices.extend(done.lines())
        if done.failure is not None:
            report.failures.append(done.failure)
            report.notices.append(f"GALAT: {done.failure.message} Saran: {done.failure.advice}")

    def _apply_kendali(self, snap: CycleSnapshot) -> list[StepResult]:
        """Operator edits on the Kendali sheet since the worker last wrote it."""
        table = snap.tabs.get(KENDALI_TAB)  # after a change read: the states of the rows that changed only
        edits = find_edits(table, StoredStates(self.ledger.kendali_states(table.keys_to_judge() if table else None)))
        self.state.edits_read = edits  # acknowledged if the register write is deferred
        return self.steps.apply_kendali(edits)

    def _apply_pemberitahuan(self, snap: CycleSnapshot) -> list[str]:
        """WhatsApp messages the operator ticked as sent in *Pemberitahuan* (notify.pemberitahuan)."""
        done = apply_ticks(snap.tabs.get(PEMBERITAHUAN_TAB), self.ledger, self.s.officials(), self.clock())
        return [f"Pesan WhatsApp dicatat terkirim: {', '.join(done)}."] if done else []

    def _sweep(self) -> None:
        """Remove temp files a killed worker left in the folders this worker owns (the
        caller holds the worker lock, so no writer of ours is active)."""
        register = self.s.source.register_file
        stale = sweep_temp_files(self.out_dir)
        stale += sweep_temp_files(self.s.storage.database.parent / "bukti-cache")
        stale += sweep_temp_files(register.parent, f".{register.name}.*.tmp", recursive=False)
        for p in stale:
            log.info("Berkas sementara sisa proses terhenti dihapus: %s", p.name)

    # --- thin delegations (the public surface used by cli, recover, tests, benchmarks) ---

    def _render_pending(self, report: CycleReport) -> None:
        self.renders.render_pending(report)

    def _write_back(self, snap: CycleSnapshot, report: CycleReport | None = None) -> int:
        return self.sheet.write(snap, self.state, report)

    def agenda_item(self, row: ItemRecord, response: ResponseRecord | None = None,
                    tambahan: Sequence[Tambahan] | None = None) -> AgendaItem:
        return self.renders.agenda_item(row, response, tambahan)

    def render_job(self, kind: RenderKind, row: ItemRecord, response: ResponseRecord | None = None,
                   tambahan: Sequence[Tambahan] | None = None) -> RenderJob:
        return self.renders.render_job(kind, row, response, tambahan)

    def parse(self, snap: Snapshot[SheetTable, SheetTable]) -> tuple[list[Submission], list[RowError]]:
        return self.incoming.parse(snap)
