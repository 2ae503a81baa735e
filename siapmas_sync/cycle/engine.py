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

import dataclasses
import hashlib

import logging
import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import codec, failures
from ..core import recorded
from . import uploads
from ..backends.base import Backend, Snapshot
from ..config import Settings
from ..documents.batch import render_print_batches
from ..documents.common import sweep_temp_files, tanggal_id
from ..documents.kartu import KartuConfig
from .missing_documents import check_documents, made_by, printable
from ..filemodes import private_mkdir
from ..doctor.preflight import cycle_warnings
from .print_history import record_baseline
from ..publik import PublicStatus
from ..core.intake import ParseOptions, parse_responses
from ..core.intake.resaved import match_resaved
from ..ledger import EventRecord, ItemDocuments, ItemRecord, Ledger, OutboxEntry, PrintedDoc, ResponseRecord, utc_iso
from ..logs import mask_text
from ..errors import LedgerError, SiapmasError
from ..core.models import AgendaItem, DisposisiRecord, RowError, Submission, Tambahan
from ..core.routing import RoutingTable, default_routing_table, load_routing_table
from ..core.kendali_sheet import KENDALI_COLUMNS, KENDALI_TAB, KendaliEdit, StoredStates, find_edits, validations
from ..backends.workbook_guard import RegisterDeferred, acknowledged_states
from .disposisi import build_record, distributions
from ..notify import stage_hook
from ..notify.validity import cancel_stale, cancelled_line
from .tambahan import additions
from .kelengkapan import KELENGKAPAN_LABEL, Decision, KelengkapanLinker, held_cells
from ..notify.pemberitahuan import LINKS_META, PEMBERITAHUAN_TAB, LinksMark, apply_ticks, plan_tab
from ..notify.pemberitahuan import controls as wa_controls
from ..notify.sender import deliver
from .surat_keluar import buku_rows as buku_surat_keluar_rows
from .steps import STAGE_DONE_CODE, StepRecorder, StepResult
from ..core.workflow import DEFAULT_HOURS, OfficeCalendar, Workflow, default_workflow, load_calendar, parse_office_hours
from .writeback import CLOCK_COLUMNS, Views, kendali_state
from ..dasbor.service import Dasbor
from ..numbering.assign import Registrar
from ..core.rerender import REGISTRATION_KINDS
from .rendering import RenderJob, in_workers, render_many
from ..worddocs.render import shipped_template_dir
from ..core.sheetplan import (
    BUKU_AGENDA_COLUMNS,
    BUKU_AGENDA_TAB,
    BUKU_SURAT_KELUAR_COLUMNS,
    BUKU_SURAT_KELUAR_TAB,
    RIWAYAT_COLUMNS,
    RIWAYAT_TAB,
    STATUS_COLUMNS,
    TableDiff,
)
from .read import CycleReaders, ParsedResponses
from .idle import Gate, IdleGate
from .tailread import TAIL_META, TailState, row_fingerprint
from .optional import Job, OptionalWork
from .binding import bind_source
from ..numbering.guard import NumberCheck, ShownNumbers, agenda_pattern, check_shown
from ..numbering.template import agenda_folder  # also imported from here by cli and recover

if TYPE_CHECKING:
    from ..dasbor.layout import DasborView
    from ..documents.laporan import Laporan

log = logging.getLogger("siapmas.engine")

DUPLICATE_LABEL = "DUPLIKAT"
BAD_ROW_LABEL = "PERIKSA BARIS"
#: render kinds that make PDFs (these reach the next print batch)
PRINTED_KINDS = (*REGISTRATION_KINDS, "disposisi", "balasan")
PRINT_BATCH_ITEMS = 100  # items per print-batch file (5 pages each)
REGISTER_GROUP = 50  # responses numbered per transaction
RESULT_GROUP = 25  # rendered items recorded per transaction
RENDER_PAGE = 500  # pending renders prepared and rendered at a time
WRITE_BACK_PAGE = 2000  # ledger items compared with the sheet at a time
OWN_TABS = (BUKU_AGENDA_TAB, RIWAYAT_TAB)  # only appended to after a tail read (tailread)
SALINAN_BUDGET_S = 120.0  # seconds per cycle for Word copies once the write-back is done
#: what the status columns and register tabs are made of (not the evidence lists)
WRITE_BACK_COLUMNS = ("key", "seq", "agenda_no", "updated_at", "tahap", "stage_entered_at", "diteruskan_ke",
                      "rahasia", "sifat", "perihal", "routing", "findings", "documents", "pesan", "kendali_state", "disposisi")


def failpoint(name: str) -> None:
    """Crash the process here when SIAPMAS_TEST_FAILPOINT names this point (crash tests only)."""
    if os.environ.get("SIAPMAS_TEST_FAILPOINT") == name:
        os._exit(86)


@dataclass
class CycleReport:
    """What one cycle did, for the summary line and for ``--json``."""

    new: list[str] = field(default_factory=list)  # agenda numbers assigned this cycle
    incomplete: list[str] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, original agenda)
    row_errors: list[RowError] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    render_errors: list[tuple[str, str]] = field(default_factory=list)
    batches: list[Path] = field(default_factory=list)
    cells_written: int = 0
    output_dir: Path | None = None
    steps: list[StepResult] = field(default_factory=list)  # the Kendali edits' answers
    salinan: int = 0  # items whose Word copies were made this cycle
    salinan_pending: int = 0  # items whose Word copies wait for the next cycle
    restored: list[str] = field(default_factory=list)  # items whose missing documents are made again
    notices: list[str] = field(default_factory=list)  # register write deferred, stale lock files …
    warnings: list[str] = field(default_factory=list)  # configuration that degrades the output (preflight)
    #: what the operator must fix (a full or read-only output disk…); the cycle's other work was kept
    failures: list[SiapmasError] = field(default_factory=list)

    def add_failure(self, exc: BaseException, path: Path | None = None) -> str:
        """Record an environment failure once (the same full disk is not repeated per item);
        return its sentence for the summary line."""
        err = failures.explain(failures.at_path(exc, path), command="sync")
        if all(f.message != err.message for f in self.failures):
            self.failures.append(err)
        return err.message

    def summary_id(self) -> str:
        """Short Indonesian summary for operators."""
        lines = [
            f"Siklus selesai: {len(self.new)} aduan baru diberi nomor agenda"
            + (f" ({self.new[0]} s.d. {self.new[-1]})" if len(self.new) > 1 else f" ({self.new[0]})" if self.new else "")
            + ".",
            f"Duplikat: {len(self.duplicates)}. Baris bermasalah: {len(self.row_errors)}.",
        ]
        if self.incomplete:  # a finding, not a stage: the item stays TERAGENDA until an officer decides
            lines.insert(1, f"Pemeriksaan kelengkapan menemukan kekurangan pada {len(self.incomplete)} aduan "
                            "(petugas memutuskan apakah diminta kelengkapan).")
        for err in self.row_errors:
            lines.append(f"  - {err.message}")
        for agenda, msg in self.render_errors:
            lines.append(f"  - Dokumen {agenda} gagal dibuat: {msg} (diulang pada siklus berikutnya)")
        if self.restored:
            lines.append(f"Dokumen hilang dibuat ulang: {len(self.restored)} aduan ("
                         + ", ".join(self.restored[:5]) + (", …" if len(self.restored) > 5 else "") + ").")
        if self.rendered:
            lines.append(f"Dokumen PDF dibuat untuk {len(self.rendered)} aduan di {self.output_dir}.")
        for batch in self.batches:
            lines.append(f"Berkas cetak sekaligus ({_paper_of(batch.name)}): {batch}")
        if self.salinan or self.salinan_pending:
            lines.append(f"Salinan Word (DOCX) dibuat untuk {self.salinan} aduan"
                         + (f"; {self.salinan_pending} menunggu siklus berikutnya." if self.salinan_pending else "."))
        if self.steps:
            ok = sum(1 for r in self.steps if r.accepted)
            lines.append(f"Isian Kendali: {ok} dicatat, {len(self.steps) - ok} ditolak (lihat kolom Pesan).")
        lines.append(f"Sel spreadsheet diperbarui: {self.cells_written}.")
        lines.extend(self.notices)
        lines.extend(f"Peringatan: {w}" for w in self.warnings)
        return "\n".join(lines)


def relabel_stages(ledger: Ledger, wf: Workflow) -> None:
    """Items recorded under a stage label renamed since (README allows renaming) take the
    current label of the same stage code: only what people read changes."""
    ledger.relabel_stages([(label, wf.by_code(code).label) for label, code in wf.former])


def build_workflow(settings: Settings) -> tuple[Workflow, OfficeCalendar]:
    """The configured SOP stages and office calendar."""
    w = settings.workflow
    wf = default_workflow().with_overrides(w.tahap) if w.tahap else default_workflow()
    hours = parse_office_hours(w.jam_kerja) if w.jam_kerja else DEFAULT_HOURS
    return wf, load_calendar(settings.holidays_path(), hours=hours, tz=settings.timezone)


class Engine:
    """One configured worker: settings + backend + ledger, and a clock."""

    def __init__(
        self,
        settings: Settings,
        backend: Backend,
        ledger: Ledger,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.s = settings
        self.backend = backend
        self.ledger = ledger
        self.tz = settings.tz
        self.clock = clock or (lambda: datetime.now(self.tz))
        self.routing: RoutingTable = (
            load_routing_table(settings.routing.table) if settings.routing.table else default_routing_table()
        )
        self.out_dir = settings.output.dir
        _private_dir(self.out_dir)
        w = settings.workflow
        self.wf, self.cal = build_workflow(settings)
        relabel_stages(ledger, self.wf)
        self.views = Views(self.wf, self.cal, self.tz, w.verify_days, w.settle_days)
        self.steps = StepRecorder(ledger, self.wf, self.clock, self.tz, settings.officials(), settings.peran,
                                  on_move=stage_hook(settings, self.wf), lifters=settings.kerahasiaan.dibuka_oleh)
        self.registrar = Registrar(settings, self.routing, self.clock,
                                   (self.wf.by_code(0).label, self.wf.by_code(1).label))
        self.kelengkapan = KelengkapanLinker(settings, ledger, self.steps, self.clock, self.registrar.received)
        self.render_workers: int | None = settings.output.render_workers or None
        self._edits_read: list[KendaliEdit] = []  # this cycle's Kendali edits, as read
        self.publik = PublicStatus(settings, ledger, self.wf)
        self.idle = IdleGate(settings, backend, ledger, self.clock)
        self._write_deferred = False
        self._head_due = False  # a tail read left rows only a full read rewrites (tailread)
        self._since = ""  # UTC ISO: when this cycle began (items touched since are planned after a tail read)
        self._tail: TailState | None = None
        self._partial = False  # this cycle's read was a tail read
        self._known_before: set[str] = set()  # response keys the ledger had when this cycle read
        self.replaced: list[str] = []  # documents of the last print batch that replace a printed one
        self.dasbor = Dasbor(settings, ledger, self.wf, self.cal)
        self._clock_cells: tuple[str, ...] = ()  # Kendali columns this write-back leaves as shown
        self.optional = OptionalWork(ledger, self.clock)  # uploads and other optional work, after the write-back

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
        self._since = utc_iso(gate.started or self.clock())
        self._tail = self._tail_state(gate)
        snap, shown = self._read(self._tail)
        self._head_due, self._partial = False, snap.partial
        pending = self.ledger.pending_render_keys() if snap.partial else set()
        guard = self._check_numbers(shown)
        report.steps = self._apply_kendali(snap)
        if snap.partial and any(r.accepted for r in report.steps):
            self._head_due = True  # the item's status and Buku Agenda rows were not read: the next read is full
        ticked = self._apply_pemberitahuan(snap)
        report.notices.extend(ticked)
        if snap.partial and ticked:
            self._head_due = True  # a ticked row's link is emptied by the next read, a full one
        parsed = self._intake(snap, guard, report)
        self._register_new(parsed.submissions, report)
        self._cancel_stale_messages(report)  # before the write-back, so Riwayat shows it this cycle
        record_baseline(self.ledger, self.out_dir, self.clock())  # items printed before the printed table
        report.restored = check_documents(self.ledger, self.out_dir, self.clock(), print_batch=self.s.output.print_batch)
        self._render_pending(report)
        if snap.partial and (report.restored or pending - self.ledger.pending_render_keys()):
            self._head_due = True  # documents of items above the tail changed: their status cells too
        self._write_deferred = False
        self._clock_cells = CLOCK_COLUMNS if not gate.refresh_clocks else ()  # left as shown (cycle/idle.py)
        report.cells_written = self._write_back(snap, report)
        # rows a tail read could not rewrite: the cursor is left unmatched, the next cycle reads in full
        self.idle.record(gate, wrote=report.cells_written > 0, deferred=self._write_deferred or self._head_due,
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
            self._head_due = self._head_due or self._partial  # their Pemberitahuan rows: the next read, a full one, rewrites them

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
                report.batches = self._print_batch()
                if self.replaced:
                    report.notices.append(
                        "Cetakan baru menggantikan lembar yang sudah dicetak (buang lembar lama; versi tertulis di kaki "
                        "lembar): " + "; ".join(self.replaced[:10]) + (" …" if len(self.replaced) > 10 else "") + ".")
            self._make_salinan(report)
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

    def _make_salinan(self, report: CycleReport) -> None:
        """Word copies last: officials see numbers and status first, and a backlog of copies
        yields to the next cycle's intake after SALINAN_BUDGET_S (the rest stay pending)."""
        self._render_jobs("salinan", report, deadline=time.monotonic() + SALINAN_BUDGET_S)
        report.salinan_pending = len(self.ledger.pending("salinan"))

    def _apply_kendali(self, snap: Snapshot) -> list[StepResult]:
        """Operator edits on the Kendali sheet since the worker last wrote it."""
        edits = find_edits(snap.tabs.get(KENDALI_TAB), StoredStates(self.ledger.kendali_states()))
        self._edits_read = edits  # acknowledged if the register write is deferred
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
        known = self._known_before = self.ledger.known_keys()
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
            if same and self._partial:
                self._head_due = True  # their items' rows are rewritten by the next read, a full one

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
            self._head_due = True  # the completed items' rows above a tail read: the next read is full
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

    # --- documents -------------------------------------------------------------------

    def agenda_item(self, row: ItemRecord, response: ResponseRecord | None = None,
                    tambahan: Sequence[Tambahan] | None = None) -> AgendaItem:
        """The ledger's item as the documents see it (*response*, *tambahan*: its recorded
        response and additions when the caller already fetched them for many items).

        The submission's ``received_at`` is the *effective* received time the ledger
        recorded (``responses.received_at``, see intake.received): every document prints
        it as *Diterima*, as Buku Agenda and Kendali do; *Diregistrasi/Diagendakan* is
        ``registered_at`` (when the secretariat numbered it)."""
        response = response or self.ledger.responses_of([row.key]).get(row.key)
        if response is None:
            raise LedgerError(f"Kunci {row.key[:12]} tidak ada di buku besar.")
        sub = dataclasses.replace(codec.submission_from_dict(response.payload),
                                  received_at=response.received_at.astimezone(self.tz))
        return AgendaItem(
            agenda_no=row.agenda_no,
            year=row.year,
            seq=row.seq,
            submission=sub,
            perihal=row.perihal,
            routing=row.routing,
            evidence=row.evidence,
            findings=row.findings,
            rahasia=row.rahasia,
            sifat=row.sifat,
            kode_klasifikasi=row.kode_klasifikasi,
            registered_at=row.registered_at,
            tahap=row.tahap,
            tambahan=self.tambahan_of(row.key) if tambahan is None else self._zoned(tambahan),
        )

    def tambahan_of(self, key: str) -> tuple[Tambahan, ...]:
        """The kelengkapan merged into item *key* (cycle/tambahan.py), dated in the office's zone."""
        return self._zoned(self.additions([key]).get(key, []))

    def additions(self, keys: Sequence[str]) -> dict[str, list[Tambahan]]:
        """The kelengkapan merged into each of *keys*, in one read."""
        with self.ledger.engine.connect() as conn:
            return additions(conn, keys)

    def _zoned(self, adds: Sequence[Tambahan]) -> tuple[Tambahan, ...]:
        return tuple(dataclasses.replace(a, received_at=a.received_at.astimezone(self.tz)) for a in adds)

    def _folder(self, row: ItemRecord) -> Path:
        return self.out_dir / str(row.year) / agenda_folder(row.agenda_no)

    def render_job(self, kind: str, row: ItemRecord, response: ResponseRecord | None = None,
                   tambahan: Sequence[Tambahan] | None = None) -> RenderJob:
        """Everything one render needs, read from the ledger now (*response*, *tambahan*:
        already read for a page of items)."""
        t = self.s.templates
        disposisi = self.disposisi_record(row) if kind in ("disposisi", "balasan") else None
        return RenderJob(
            kind=kind,
            item=self.agenda_item(row, response, tambahan),
            kop=self.s.kop_value(),
            folder=self._folder(row),
            paper=self.s.output.disposisi_paper,
            docx=self.s.output.docx,
            salinan=kind in REGISTRATION_KINDS and any(k.endswith("_docx") for k in row.documents),
            template_dirs=tuple(d for d in (t.dir, shipped_template_dir()) if d),
            disposisi=disposisi,
            identitas_untuk_petugas=self.s.kerahasiaan.identitas_untuk_petugas,
            kartu=KartuConfig(self.s.kendali.indeks, self.s.kendali.kepada, self.s.kendali.pengolah),
            laporan=self._laporan(row) if kind == "balasan" else None,
            max_pages=self.s.output.max_pages_aduan,
            context_extra={
                "tindak_lanjut": self._follow_up(row) if kind == "balasan" else "",
                "tujuan": ", ".join(recorded.kepada_of(row)),
                "tgl_diteruskan": self._tgl_diteruskan(row) if kind in ("render", "kartu", "salinan") else "",
                "penandatangan": self._signature(row) if kind == "balasan" else {},
            },
        )

    def _tgl_diteruskan(self, row: ItemRecord) -> str:
        """The day the item was last distributed to its AKD (the kartu's Tgl Diteruskan)."""
        signed = distributions(self.ledger.events_of(row.key), self.wf)
        return tanggal_id(signed[-1].at.astimezone(self.tz)) if signed else ""

    def _signature(self, row: ItemRecord) -> dict[str, str]:
        """The surat balasan's number, date and signer once approved (surat_keluar); until
        then a draft under the configured signature, without number or date."""
        from ..documents.common import tanggal_id
        from .surat_keluar import approval_of

        t = self.s.templates
        with self.ledger.engine.connect() as conn:
            approval = approval_of(conn, row.key)
        if approval is None:
            return {"nama": t.penandatangan_nama, "nip": t.penandatangan_nip, "jabatan": t.penandatangan_jabatan,
                    "draf": "1"}
        return {**approval.signer, "nomor": approval.nomor, "tanggal": tanggal_id(approval.at.astimezone(self.tz))}

    def disposisi_record(self, row: ItemRecord) -> DisposisiRecord:
        return build_record(row, self.ledger.events_of(row.key), self.wf, self.tz)

    def _laporan(self, row: ItemRecord) -> Laporan | None:
        """The AKD's recorded follow-up report (None when none was recorded)."""
        from ..documents.laporan import Laporan

        data = row.disposisi
        if not data.get("laporan"):
            return None
        ev = [e for e in self.ledger.events_of(row.key) if e.event == "LAPORAN"]
        return Laporan(data["laporan"], data.get("lampiran", ""), ev[-1].actor if ev else "",
                       recorded.kepada_of(row), ev[-1].at if ev else None)

    def _follow_up(self, row: ItemRecord) -> str:
        """The follow-up for the reply: the recorded laporan (with a pointer to the attached
        Laporan Hasil Tindak Lanjut), else the note given with SELESAI."""
        laporan = row.disposisi.get("laporan")
        if laporan:
            return f"{laporan}\n(Laporan Hasil Tindak Lanjut selengkapnya terlampir.)"
        done = [e for e in self.ledger.events_of(row.key) if self._is_done(e)]
        return done[-1].note if done else ""

    def _is_done(self, ev: EventRecord) -> bool:
        """Whether *ev* entered SELESAI (by code: a label renamed since still counts)."""
        stage = self.wf.find(ev.to_stage) if ev.to_stage else None
        return stage is not None and stage.code == STAGE_DONE_CODE

    def _publish(self, paths: dict[str, Path]) -> dict[str, str]:
        """The rendered files as recorded (relative paths); their upload waits (cycle/uploads.py)."""
        return {k: str(p.relative_to(self.out_dir)) for k, p in paths.items()}

    def _render_pending(self, report: CycleReport) -> None:
        for kind in PRINTED_KINDS:
            self._render_jobs(kind, report)

    def _render_jobs(self, kind: str, report: CycleReport, deadline: float | None = None) -> None:
        pending = self.ledger.pending(kind)
        # a page at a time: a 10,000 backlog never holds 10,000 jobs (with their texts)
        for start in range(0, len(pending), RENDER_PAGE):
            if deadline is not None and time.monotonic() >= deadline:
                return
            self._render_page(kind, pending[start : start + RENDER_PAGE], report, deadline)

    def _render_page(self, kind: str, pending: Sequence[OutboxEntry], report: CycleReport,
                     deadline: float | None) -> None:
        keys = [e.key for e in pending]  # the page's items, responses and additions: three reads
        items_of = {r.key: r for r in self.ledger.item_records(keys)}
        responses, adds = self.ledger.responses_of(keys), self.additions(keys)
        rows = {e.id: items_of[e.key] for e in pending if e.key in items_of}
        jobs = {}
        for eid, row in rows.items():
            try:
                jobs[eid] = self.render_job(kind, row, responses.get(row.key), adds.get(row.key, []))
            except Exception as exc:
                log.exception("Dokumen %s tidak dapat disiapkan", row.agenda_no)
                report.render_errors.append((row.agenda_no, _render_error_text(exc, report, None)))
        entry_of = {id(job): eid for eid, job in jobs.items()}
        finished: list[tuple[int, ItemRecord, RenderJob, dict[str, str]]] = []
        for job, result in render_many(list(jobs.values()), self.render_workers, deadline=deadline):
            eid = entry_of[id(job)]
            row = rows[eid]
            if isinstance(result, Exception):
                text = _render_error_text(result, report, self.out_dir)
                log.error("Dokumen %s gagal dibuat: %s", row.agenda_no, text)
                report.render_errors.append((row.agenda_no, text))
                continue
            finished.append((eid, row, job, self._publish(result)))
            failpoint("after_render")
            if len(finished) >= RESULT_GROUP:
                self._record_rendered(kind, finished, report)
                finished = []
        self._record_rendered(kind, finished, report)

    def _record_rendered(self, kind: str, finished: Sequence[tuple[int, ItemRecord, RenderJob, dict[str, str]]],
                         report: CycleReport) -> None:
        """Record a group of rendered items in one transaction (their files are already
        on disk: render_job flushes them before returning)."""
        if not finished:
            return
        now = self.clock()
        keys = [row.key for _eid, row, _job, _docs in finished]
        with self.ledger.tx() as conn:
            current = self.ledger.documents_of(conn, keys)
            copies_due = {k for k, _kind in self.ledger.waiting(conn, keys, "salinan")}
            documents: dict[str, dict[str, Any]] = {}
            salinan = []
            for _eid, row, job, docs in finished:
                have = current.get(row.key, {})
                if kind == "render":  # this render's own documents are replaced (an identity copy may go);
                    # the Word copies and what later stages made (filled disposisi, letter, report) stay
                    docs = {**{k: v for k, v in have.items() if k.endswith("_docx") or made_by(k) != "render"}, **docs}
                elif kind == "lembar":  # the officers' copy goes with the lembar aduan it copies
                    docs = {**{k: v for k, v in have.items() if k != "aduan_petugas"}, **docs}
                else:
                    docs = {**have, **docs}
                current[row.key] = documents[row.key] = docs
                if kind == "render" and job.docx and not job.salinan and row.key not in copies_due:
                    copies_due.add(row.key)
                    salinan.append(row.key)
            # one statement per kind of write for the whole group (executemany); new PDFs:
            # the item has something for the next print batch
            self.ledger.set_documents(conn, documents, unbatch=kind in PRINTED_KINDS)
            self.ledger.finish_outbox_many(conn, [eid for eid, *_ in finished], now)
            self.ledger.add_outbox_many(conn, salinan, "salinan", now)
            if kind in PRINTED_KINDS and uploads.enabled(self.backend):  # new PDFs: their Drive copies wait
                uploads.queue(self.ledger, conn, keys, now)
        for _eid, row, _job, _docs in finished:
            if kind == "render":
                report.rendered.append(row.agenda_no)
            elif kind == "salinan":
                report.salinan += 1

    def _print_batch(self) -> list[Path]:
        """Every PDF rendered since it was last printed (new, or re-rendered with other
        content: the filled disposisi, a re-render after a Sifat/Rahasia change…), once,
        in print files by paper (documents.batch): the A4 sheets in agenda order, the kartu
        kendali grouped by copy colour. Split every PRINT_BATCH_ITEMS items so a large
        backlog gives several printable sets instead of one that no printer can take."""
        # an item whose PDFs went missing waits for its re-render (never fails the batch)
        rows = printable(self.ledger, self.out_dir, self.ledger.unbatched_items(), self.clock())
        if not rows:
            return []
        done = self.ledger.printed_hashes([r.key for r in rows])
        before = {(k, rel) for k, rel, _ in done}  # printed once already: a new version replaces it
        self.replaced = []
        stamp = self.clock().astimezone(self.tz).strftime("%Y%m%d-%H%M%S")
        chunks = [rows[i : i + PRINT_BATCH_ITEMS] for i in range(0, len(rows), PRINT_BATCH_ITEMS)]
        tasks: list[tuple[tuple[Path, ...], tuple[Path, ...], Path, str]] = []
        new_of: dict[Path, list[tuple[ItemDocuments, list[tuple[str, str]]]]] = {}
        for n, chunk in enumerate(chunks, start=1):
            sheets: list[Path] = []
            kartu: list[Path] = []
            recorded: list[tuple[ItemDocuments, list[tuple[str, str]]]] = []
            for r in chunk:
                fresh = []
                for kind, rel in _print_order(r.documents):
                    path = self.out_dir / rel
                    try:
                        digest = hashlib.sha256(path.read_bytes()).hexdigest()
                    except FileNotFoundError:  # a later document deleted meanwhile: re-rendered, printed then
                        continue
                    if (r.key, rel, digest) in done:
                        continue
                    (kartu if kind == "kendali" else sheets).append(path)
                    fresh.append((rel, digest))
                    if (r.key, rel) in before:
                        self.replaced.append(rel)  # e.g. 2026/0001-SIAPMAS-2026/lembar-disposisi-terisi.pdf
                recorded.append((r, fresh))
            stem = self.out_dir / "cetak" / (f"cetak-{stamp}" + (f"-{n:02d}" if len(chunks) > 1 else ""))
            tasks.append((tuple(sheets), tuple(kartu), stem, self.s.output.kartu_cetak))
            new_of[stem] = recorded
        out: list[Path] = []
        # merged here, one set after the other: copying the pages (documents.pdfcopy) costs
        # less than starting worker processes would; each set is recorded once written
        for (_s, _k, stem, _m), result in in_workers(_merge_batch, tasks, 1):
            if isinstance(result, FileNotFoundError):  # deleted meanwhile: the next cycle re-renders it
                log.warning("Berkas cetak %s ditunda: %s", stem.name, result)
                continue
            if isinstance(result, Exception):
                raise result
            first = str(result[0].relative_to(self.out_dir)) if result else "-"
            at = self.clock()
            with self.ledger.tx() as conn:  # one statement per kind of write for the set (executemany)
                self.ledger.record_printed(conn, [PrintedDoc(r.key, rel, digest, first, at)
                                                  for r, fresh in new_of[stem] for rel, digest in fresh],
                                           batch_of={r.key: first for r, _fresh in new_of[stem]})
            out.extend(result)
        return out

    # --- write-back -------------------------------------------------------------------

    def _dasbor_view(self, now: datetime, snap: Snapshot) -> DasborView | None:
        """The Dasbor to draw with this write (None when nothing changed); a failure to
        compute it is logged and never holds up the status write-back. After a tail read
        it waits for the next full read: its figures are computed over every item, which a
        change read as a change must not cost (tailread)."""
        if snap.partial:
            return None
        try:
            return self.dasbor.plan(now, snap.sheet_tz)
        except Exception as exc:
            log.exception("%s", _dasbor_failed(exc))
            return None

    def _write_back(self, snap: Snapshot, report: CycleReport | None = None) -> int:
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
        tail = self._tail if snap.partial else None
        edited = {e.agenda_no: e.values for e in self._edits_read}
        if tail is None:
            buku = TableDiff(snap.tabs.get(BUKU_AGENDA_TAB), BUKU_AGENDA_TAB, BUKU_AGENDA_COLUMNS, "No. Agenda")
            riwayat = TableDiff(snap.tabs.get(RIWAYAT_TAB), RIWAYAT_TAB, RIWAYAT_COLUMNS, "ID")
            item_rows: Any = self.ledger.iter_items(WRITE_BACK_COLUMNS, batch=WRITE_BACK_PAGE)
        else:
            buku = TableDiff(tail.blind(BUKU_AGENDA_TAB, BUKU_AGENDA_COLUMNS, "No. Agenda"), BUKU_AGENDA_TAB,
                             BUKU_AGENDA_COLUMNS, "No. Agenda")
            riwayat = TableDiff(tail.blind(RIWAYAT_TAB, RIWAYAT_COLUMNS, "ID"), RIWAYAT_TAB, RIWAYAT_COLUMNS, "ID")
            item_rows = self.ledger.items_touched_since((*WRITE_BACK_COLUMNS, "registered_at"), self._since, edited)
        kendali = TableDiff(snap.tabs.get(KENDALI_TAB), KENDALI_TAB, KENDALI_COLUMNS, "No. Agenda")
        # Remember what the editable Kendali cells will say BEFORE writing: if the write
        # is lost, the operator's values still differ and are judged again next cycle.
        states: dict[str, str] = {}
        previous: dict[str, str] = {}  # key → state before this cycle, of items it touches
        read_edits: list[tuple[str, dict[str, str]]] = []  # (key, editable cells as read)
        for r in item_rows:
            payload = {"received_at": r.received_at, "nama": r.nama}
            row = row_of.get(r.key)
            # after a tail read, an item the sheet showed before this cycle: only its Kendali
            # row (edited there) is planned; a step it took makes the next read a full one
            above = tail is not None and r.key in self._known_before
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
                previous[r.key] = r.kendali_state or "{}"
                if r.agenda_no in edited:
                    read_edits.append((r.key, edited[r.agenda_no]))
            kendali.compare(k, keep=self._clock_cells)
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
        if states:
            with self.ledger.tx() as conn:
                self.ledger.set_kendali_states(conn, states)
        people = [p.label for p in self.s.officials()]
        mark = LinksMark(utc_iso(now))  # what this plan saw (plan_tab), for the next cycle
        message_id = self.ledger.last_message_id()
        plans = [status.result(), buku.result(), riwayat.result(), kendali.result(),
                 plan_tab(snap.tabs.get(PEMBERITAHUAN_TAB), self.ledger, self.s, self.wf, self.out_dir,
                          since=None if self._clock_cells == () else LinksMark.loads(self.ledger.get_meta(LINKS_META)),
                          mark=mark, after=tail.message_id if tail is not None else 0)]
        # an approval is recorded from the command line: the ledger changed, so never after a tail read
        keluar_rows = buku_surat_keluar_rows(self.ledger, self.tz) if tail is None else []
        if keluar_rows or snap.tabs.get(BUKU_SURAT_KELUAR_TAB) is not None:  # made by the first approval
            keluar = TableDiff(snap.tabs.get(BUKU_SURAT_KELUAR_TAB), BUKU_SURAT_KELUAR_TAB, BUKU_SURAT_KELUAR_COLUMNS,
                               "Nomor Surat")
            for r in keluar_rows:
                keluar.compare(r)
            plans.append(keluar.result())
        controls = {KENDALI_TAB: validations(self.wf.labels, people), PEMBERITAHUAN_TAB: wa_controls(people)}
        dash = self._dasbor_view(now, snap)
        try:
            self.backend.write(plans, controls, **({"dasbor": dash} if dash is not None else {}))
            with self.ledger.tx() as conn:
                if tail is None:  # every change before `now` is in the sheet (plan_tab); not after a tail read
                    self.ledger.set_meta(conn, LINKS_META, mark.dumps())
                if self.backend.reads_tail:  # where the next tail read starts (tailread)
                    self._save_tail(conn, parsed, plans[0].header, kendali, {BUKU_AGENDA_TAB: buku, RIWAYAT_TAB: riwayat},
                                    plans[4].header, event_id, message_id)
            if dash is not None and not self.backend.dasbor_skipped:
                self.dasbor.written(dash)  # else drawn again next cycle
        except RegisterDeferred as exc:
            # the sheet still shows what was read: the ledger must expect exactly that
            log.warning("%s", exc)
            self._write_deferred = True
            acked = acknowledged_states(previous, read_edits)
            with self.ledger.tx() as conn:
                self.ledger.set_kendali_states(conn, acked)
            if report is not None:
                report.notices.append(f"{exc} {exc.advice}".strip())
            return 0
        finally:
            if report is not None:
                report.notices.extend(self.backend.notices)
        return sum(len(p.updates) for p in plans)

    def _save_tail(self, conn: Any, parsed: ParsedResponses, header: Sequence[str], kendali: TableDiff,
                   own: dict[str, TableDiff], wa_header: Sequence[str], event_id: int, message_id: int) -> None:
        """What the next tail read starts from: the last response row read (its answers'
        fingerprint), the own tabs' headers and next rows, the newest event written."""
        if parsed.last_row is None:  # no response yet: the next cycle reads in full
            self.ledger.set_meta(conn, TAIL_META, "")
            return
        last_row, cells = parsed.last_row
        headers = {t: list(d.plan.header) for t, d in own.items()}
        headers[PEMBERITAHUAN_TAB] = list(wa_header)
        state = TailState(last_row, row_fingerprint(header, cells), list(kendali.plan.header), headers,
                          {t: d.next_row for t, d in own.items()}, event_id, message_id)
        self.ledger.set_meta(conn, TAIL_META, state.dumps())


DUPLIKAT_TEXT = DUPLICATE_LABEL


def _dasbor_failed(exc: Exception) -> str:
    return f"Tab Dasbor tidak diperbarui: {failures.explain(exc, command='sync').message}"


def _paper_of(name: str) -> str:
    """What paper an operator loads for a print file (its name ends in the paper)."""
    if name.endswith("-kartu.pdf"):
        return "kartu kendali 15 × 10 cm: putih, lalu kuning, lalu merah"
    if name.endswith("-kartu-a4.pdf"):
        return "kartu kendali di kertas A4, potong di tanda: putih, lalu kuning, lalu merah"
    if name.endswith("-a4.pdf"):
        return "kertas A4"
    return "kertas " + name.rsplit("-", 1)[-1].removesuffix(".pdf")


def _render_error_text(exc: BaseException, report: CycleReport, folder: Path | None) -> str:
    """The summary's sentence for a failed render; an OS-level failure (full, read-only or
    missing output folder) is also a failure of the cycle that the operator must fix."""
    if isinstance(exc, (OSError, MemoryError)):
        return report.add_failure(exc, folder)
    known = failures.describe(exc)
    return known.message if known is not None else mask_text(str(exc) or type(exc).__name__)


def _merge_batch(task: tuple[tuple[Path, ...], tuple[Path, ...], Path, str]) -> list[Path] | Exception:
    """One batch's print files (runs in a worker process); the error, if any, is returned."""
    sheets, kartu, stem, mode = task
    try:
        return render_print_batches(sheets, kartu, stem, kartu_cetak=mode)
    except Exception as exc:
        return exc


#: the order of an item's documents in a print file (others follow, by name)
_PRINT_ORDER = ("aduan", "disposisi", "disposisi_terisi", "kendali")
#: documents never printed: the officers' copy that shows a hidden identity
_NOT_PRINTED = ("aduan_petugas",)


def _print_order(docs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, relative path) of an item's PDFs in print order."""
    pdfs = {k: v for k, v in docs.items()
            if isinstance(v, str) and v.endswith(".pdf") and k != "links" and k not in _NOT_PRINTED}
    rank = {k: i for i, k in enumerate(_PRINT_ORDER)}
    return sorted(pdfs.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def _private_dir(path: Path) -> None:
    """Create a folder readable by the owner only (POSIX): documents hold personal data."""
    private_mkdir(path)
