"""The sync cycle: read new responses → decide → record → render → write back.

Decisions (which rows are new, which are resubmissions, what number comes next, what each
status cell should say) are made over plain data; the backend, the ledger and the
document renderer are the only things with side effects. Every side effect is either
recorded in the same transaction as the decision that caused it (the agenda number and
its pending render sit in one commit) or is a reconciliation that converges (status
write-back compares the sheet with the ledger every cycle), so a crash at any instant
loses nothing and duplicates nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from .. import failures
from ..backends.base import Backend, Snapshot
from ..config import Settings
from ..core.intake import ParseOptions, parse_responses
from ..core.intake.resaved import match_resaved
from ..core.kendali_sheet import KENDALI_TAB, StoredStates, find_edits
from ..core.models import AgendaItem, DisposisiRecord, RowError, Submission, Tambahan
from ..core.sheetplan import BUKU_AGENDA_TAB, BUKU_SURAT_KELUAR_TAB, RIWAYAT_TAB, STATUS_COLUMNS
from ..doctor.preflight import cycle_warnings
from ..documents.common import sweep_temp_files
from ..filemodes import private_mkdir
from ..ledger import ItemRecord, Ledger, ResponseRecord, utc_iso
from ..notify.pemberitahuan import PEMBERITAHUAN_TAB, apply_ticks
from ..notify.sender import deliver
from ..notify.validity import cancel_stale, cancelled_line
from ..numbering.guard import NumberCheck, ShownNumbers, agenda_pattern, check_shown
from ..numbering.template import agenda_folder
from . import uploads
from .binding import bind_source
from .idle import Gate
from .missing_documents import check_documents
from .optional import Job
from .parts import CycleParts, build_parts, build_workflow, relabel_stages
from .print_history import record_baseline
from .printbatch import print_batch
from .read import CycleReaders, ParsedResponses
from .rendering import RenderJob
from .report import CycleReport, CycleState, failpoint
from .sheetwrite import BAD_ROW_LABEL, DUPLICATE_LABEL, DUPLIKAT_TEXT
from .steps import StepResult
from .tailread import TAIL_META, TailState
from .writeback import CLOCK_COLUMNS

#: also imported from here by cli, tests, benchmarks and recover
__all__ = ["BAD_ROW_LABEL", "DUPLICATE_LABEL", "DUPLIKAT_TEXT", "CycleReport", "Engine", "agenda_folder",
           "build_workflow", "failpoint", "relabel_stages"]

log = logging.getLogger("siapmas.engine")

REGISTER_GROUP = 50  # responses numbered per transaction
OWN_TABS = (BUKU_AGENDA_TAB, RIWAYAT_TAB)  # only appended to after a tail read (tailread)


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
        self.renders, self.sheet = p.renders, p.sheet
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
        st.tail = self._tail_state(gate)
        snap, shown = self._read(st.tail)
        st.partial = snap.partial
        pending = self.ledger.pending_render_keys() if snap.partial else set()
        guard = self._check_numbers(shown)
        report.steps = self._apply_kendali(snap)
        if any(r.accepted for r in report.steps):
            st.full_read_due()  # the item's status and Buku Agenda rows were not read
        ticked = self._apply_pemberitahuan(snap)
        report.notices.extend(ticked)
        if ticked:
            st.full_read_due()  # a ticked row's link is emptied by the next read, a full one
        parsed = self._intake(snap, guard, report)
        self._register_new(parsed.submissions, report)
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

    def _intake(self, snap: Snapshot, guard: NumberCheck, report: CycleReport) -> ParsedResponses:
        """The responses of this read that may be numbered: re-saved rows recognised, rows
        that changed after numbering set aside; bad rows and degraded settings reported."""
        parsed: ParsedResponses = snap.responses
        if parsed.header_error is not None:
            raise parsed.header_error
        report.warnings = cycle_warnings(self.s, parsed.header_map)
        for w in report.warnings:
            log.warning("%s", w)
        self._recognise_resaved(parsed)
        self._skip_changed_rows(parsed, guard)
        report.row_errors = parsed.errors
        for e in parsed.errors:
            log.warning("Baris dilewati: %s", e.message)
        return parsed

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

    def _apply_kendali(self, snap: Snapshot) -> list[StepResult]:
        """Operator edits on the Kendali sheet since the worker last wrote it."""
        edits = find_edits(snap.tabs.get(KENDALI_TAB), StoredStates(self.ledger.kendali_states()))
        self.state.edits_read = edits  # acknowledged if the register write is deferred
        return self.steps.apply_kendali(edits)

    def _apply_pemberitahuan(self, snap: Snapshot) -> list[str]:
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

    def parse_options(self, sheet_tz: ZoneInfo | None = None, known: Collection[str] = frozenset()) -> ParseOptions:
        return ParseOptions(
            titles=self.s.question_titles(),
            tz=self.tz,
            day_first=self.s.source.day_first,
            sheet_tz=sheet_tz,
            now=self.clock(),
            form_start=self.s.source.form_start,
            ignore_titles=STATUS_COLUMNS,
            known=known,
        )

    def _tail_state(self, gate: Gate) -> TailState | None:
        """What a tail read starts from, when this cycle may read only what is new (tailread):
        the sheet changed but the ledger is as the last write-back left it, the read is not
        a periodic one, and the backend can read ranges (the local files are read whole)."""
        if gate.refresh_clocks or not self.backend.reads_tail or not self.idle.unchanged_since_write():
            return None
        state = TailState.loads(self.ledger.get_meta(TAIL_META))
        return state if state is not None and state.usable(OWN_TABS) else None

    def _read(self, tail: TailState | None = None) -> tuple[Snapshot, ShownNumbers]:
        """One read of the sheet, parsed and fingerprinted as it streams in (cycleread),
        and the agenda numbers it shows: only what is new after *tail* when the backend
        finds the last known row where it was (tailread), else the whole sheet."""
        known = self.state.known_before = self.ledger.known_keys()
        readers = CycleReaders(lambda sheet_tz: self.parse_options(sheet_tz, known))
        if tail is not None:
            snap = self.backend.read_tail(tail, readers)
            if snap is not None:
                return snap, readers.shown
            log.info("Baris jawaban terakhir yang dikenal tidak lagi sama (baris dihapus/disisipkan/diubah) "
                     "atau kolom Kendali dipindah; spreadsheet dibaca penuh.")
            readers = CycleReaders(lambda sheet_tz: self.parse_options(sheet_tz, known))
        snap = self.backend.read([BUKU_AGENDA_TAB, RIWAYAT_TAB, KENDALI_TAB, PEMBERITAHUAN_TAB, BUKU_SURAT_KELUAR_TAB],
                                 readers)
        return snap, readers.shown

    def _check_numbers(self, shown: ShownNumbers) -> NumberCheck:
        """The number guard (numberguard): stop before anything is decided when the sheet
        shows numbers the ledger does not know; the sheet's highest numbers floor the
        counters."""
        n = self.s.numbering
        counters = self.ledger.counters()
        check = check_shown(shown, agenda_pattern(n.template, n.kode_klasifikasi, n.unit), counters)
        refusal = check.refusal(counters)
        if refusal is not None:
            raise refusal
        self.registrar.floors = check.floors
        return check

    @staticmethod
    def _skip_changed_rows(parsed: ParsedResponses, check: NumberCheck) -> None:
        """Rows that show a number the ledger knows but are not its response any more
        (answers edited, a copy pasted) are reported, never numbered again. Re-saved rows
        were recognised as their responses before (intake.resaved)."""
        new_rows = {s.source_row for s in parsed.submissions}
        changed = [(row, number) for row, number in check.changed_rows if row in new_rows]
        if changed:
            skip = {row for row, _ in changed}
            parsed.submissions = [s for s in parsed.submissions if s.source_row not in skip]
            parsed.errors = parsed.errors + NumberCheck(changed_rows=changed).row_errors()

    def parse(self, snap: Snapshot) -> tuple[list[Submission], list[RowError]]:
        """Every row of a response tab read in full (:class:`KeepAll`), parsed (recover)."""
        if not snap.responses.header:  # a brand-new form with no response yet
            return [], []
        return parse_responses(snap.responses.header, snap.responses.rows, self.parse_options(snap.sheet_tz))

    # --- registration ----------------------------------------------------------------

    def _recognise_resaved(self, parsed: ParsedResponses) -> None:
        """Rows re-exported without the seconds of their timestamp, or with their text
        re-encoded, are the responses the ledger already has, not new ones (intake.resaved)."""
        maybe = parsed.submissions
        if maybe:
            ledger = self.ledger.form_times({s.content_hash for s in maybe})
            same = match_resaved(maybe, ledger, parsed.known)
            parsed.adopt(same)
            if same:
                self.state.full_read_due()  # their items' rows are rewritten by the next read, a full one

    def _register_new(self, subs: Sequence[Submission], report: CycleReport) -> None:
        known = self.ledger.known_keys()
        now = self.clock()  # numbered in order of receipt (an implausible timestamp counts as now)
        new = sorted((s for s in subs if s.key not in known),
                     key=lambda s: (self.registrar.received(s, now), s.source_row))
        if not new:
            return
        held = self.kelengkapan.held_keys([s.key for s in new])  # waiting for an operator: not looked at again
        new = [s for s in new if s.key not in held]
        if not new:
            return
        found = self.backend.find_evidence(new)
        # a response quoting an item's number and its reporter's code completes that item:
        # linked, never numbered; one quoting a number without the code waits for an operator
        new, linked, waiting = self.kelengkapan.split(new, found)
        if linked:
            self.state.head_due = True  # the completed items' rows above a tail read: the next read is full
        for done in linked:
            report.notices.append(f"Baris {done.row}: kelengkapan untuk {done.agenda_no} dicatat (tanpa nomor baru)"
                                  + (f"; tahap kembali ke {done.resumed}." if done.resumed else "."))
        for h in waiting:
            report.notices.append(f"Baris {h.row} menyebut {h.agenda_nos} tanpa kode pelapor: menunggu keputusan "
                                  "petugas (`siapmas-sync kelengkapan`); tidak dinomori, tidak ditautkan, tanpa pesan.")
        # a group of responses per transaction: each number still sits in the same commit
        # as its item and pending render, and one disk flush serves the whole group
        for start in range(0, len(new), REGISTER_GROUP):
            group = new[start : start + REGISTER_GROUP]
            batch = [(sub, *found.get(sub.key, ([], []))) for sub in group]
            with self.ledger.tx() as conn:
                registered = self.registrar.register(conn, batch)
            failpoint("after_number")
            for (sub, _evidence, _ev_findings), d in zip(batch, registered):
                agenda = d.agenda_no
                if d.duplicate_of:
                    log.info("Kiriman ulang dicatat sebagai duplikat dari %s", agenda)
                    report.duplicates.append((sub.source_row, agenda))
                    continue
                log.info("Nomor agenda %s diberikan (kunci %s…)", agenda, sub.key[:10])
                report.new.append(agenda)
                if d.incomplete:  # found by the registrar, with the findings it recorded
                    report.incomplete.append(agenda)

    # --- thin delegations (the public surface used by cli, recover, tests, benchmarks) ---

    def _render_pending(self, report: CycleReport) -> None:
        self.renders.render_pending(report)

    def _write_back(self, snap: Snapshot, report: CycleReport | None = None) -> int:
        return self.sheet.write(snap, self.state, report)

    def agenda_item(self, row: ItemRecord, response: ResponseRecord | None = None,
                    tambahan: Sequence[Tambahan] | None = None) -> AgendaItem:
        return self.renders.agenda_item(row, response, tambahan)

    def render_job(self, kind: str, row: ItemRecord, response: ResponseRecord | None = None,
                   tambahan: Sequence[Tambahan] | None = None) -> RenderJob:
        return self.renders.render_job(kind, row, response, tambahan)

    def disposisi_record(self, row: ItemRecord) -> DisposisiRecord:
        return self.renders.disposisi_record(row)

    def tambahan_of(self, key: str) -> tuple[Tambahan, ...]:
        return self.renders.tambahan_of(key)

    def additions(self, keys: Sequence[str]) -> dict[str, list[Tambahan]]:
        return self.renders.additions(keys)
