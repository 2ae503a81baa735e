"""What a cycle reads and admits: a tail read or a full one (tailread, cycleread), the
number guard over the numbers the sheet shows (numbering.guard), re-saved and changed rows
recognised, and the new responses registered — numbered in groups, each number in the
same transaction as its item and pending render — or linked as kelengkapan."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ..backends.base import Backend, Snapshot
from ..config import Settings
from ..core.intake import ParseOptions, parse_responses
from ..core.intake.resaved import match_resaved
from ..core.kendali_sheet import KENDALI_TAB
from ..core.models import RowError, SheetTable, Submission
from ..core.sheetplan import BUKU_AGENDA_TAB, BUKU_SURAT_KELUAR_TAB, RIWAYAT_TAB, STATUS_COLUMNS
from ..doctor.preflight import cycle_warnings
from ..ledger import Ledger
from ..notify.pemberitahuan import PEMBERITAHUAN_TAB
from ..numbering.assign import Registrar
from ..numbering.guard import NumberCheck, ShownNumbers, agenda_pattern, check_shown
from .idle import Gate, IdleGate
from .kelengkapan import KelengkapanLinker
from .read import CycleReaders, CycleSnapshot, ParsedResponses
from .report import CycleReport, CycleState, failpoint
from .tailread import TAIL_META, SeenColumns, TailState, seen_file

log = logging.getLogger("siapmas.engine")

REGISTER_GROUP = 50  # responses numbered per transaction
OWN_TABS = (BUKU_AGENDA_TAB, RIWAYAT_TAB)  # only appended to after a tail read (tailread)


class AskedKeys(Collection[str]):
    """The response keys the ledger has, asked for a key at a time when first looked up (a
    change read parses a few rows: 100,000 keys need not be loaded for them)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._answers: dict[str, bool] = {}
        self._all: set[str] | None = None

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if self._all is not None:
            return key in self._all
        if key not in self._answers:
            self._answers[key] = bool(self._ledger.known_among([key]))
        return self._answers[key]

    def _every(self) -> set[str]:
        if self._all is None:
            self._all = self._ledger.known_keys()
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._every())

    def __len__(self) -> int:
        return len(self._every())


class Incoming:
    """The read of one worker's sheet and the responses it admits."""

    def __init__(self, settings: Settings, backend: Backend, ledger: Ledger, registrar: Registrar,
                 kelengkapan: KelengkapanLinker, idle: IdleGate, clock: Callable[[], datetime]) -> None:
        self.s = settings
        self.backend = backend
        self.ledger = ledger
        self.registrar = registrar
        self.kelengkapan = kelengkapan
        self.idle = idle
        self.tz: ZoneInfo = settings.tz
        self.clock = clock

    def admit(self, snap: CycleSnapshot, guard: NumberCheck, report: CycleReport, state: CycleState) -> ParsedResponses:
        """The responses of this read that may be numbered: re-saved rows recognised, rows
        that changed after numbering set aside; bad rows and degraded settings reported."""
        parsed: ParsedResponses = snap.responses
        if parsed.header_error is not None:
            raise parsed.header_error
        report.warnings = cycle_warnings(self.s, parsed.header_map)
        for w in report.warnings:
            log.warning("%s", w)
        self._recognise_resaved(parsed, state)
        self._skip_changed_rows(parsed, guard)
        report.row_errors = parsed.errors
        for e in parsed.errors:
            log.warning("Baris dilewati: %s", e.message)
        return parsed

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

    def tail_state(self, gate: Gate) -> TailState | None:
        """What a tail read starts from, when this cycle may read only what is new (tailread):
        the sheet changed but the ledger is as the last write-back left it, the read is not
        a periodic one, and the backend can read ranges (the local files are read whole)."""
        if gate.refresh_clocks or not self.backend.reads_tail or not self.idle.unchanged_since_write():
            return None
        state = TailState.loads(self.ledger.get_meta(TAIL_META))
        if state is None or not state.usable(OWN_TABS):
            return None
        if state.seen_token:  # the operator columns read last: only the rows that differ are judged
            try:
                state.seen = SeenColumns.loads(seen_file(self.s.storage.database.parent).read_bytes(), state.seen_token)
            except OSError:
                state.seen = None
        return state

    def read(self, state: CycleState, tail: TailState | None = None) -> tuple[CycleSnapshot, ShownNumbers]:
        """One read of the sheet, parsed and fingerprinted as it streams in (cycleread),
        and the agenda numbers it shows: only what is new after *tail* when the backend
        finds the last known row where it was (tailread), else the whole sheet."""
        if tail is not None:  # a few rows to parse: their keys asked of the ledger one by one
            asked = state.known_before = AskedKeys(self.ledger)
            readers = CycleReaders(lambda sheet_tz: self.parse_options(sheet_tz, asked))
            snap = self.backend.read_tail(tail, readers)
            if snap is not None:
                return snap, readers.shown
            log.info("Baris jawaban terakhir yang dikenal tidak lagi sama (baris dihapus/disisipkan/diubah) "
                     "atau kolom Kendali dipindah; spreadsheet dibaca penuh.")
        known = state.known_before = self.ledger.known_keys()
        readers = CycleReaders(lambda sheet_tz: self.parse_options(sheet_tz, known))
        snap = self.backend.read([BUKU_AGENDA_TAB, RIWAYAT_TAB, KENDALI_TAB, PEMBERITAHUAN_TAB, BUKU_SURAT_KELUAR_TAB],
                                 readers)
        return snap, readers.shown

    def check_numbers(self, shown: ShownNumbers) -> NumberCheck:
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

    def parse(self, snap: Snapshot[SheetTable, SheetTable]) -> tuple[list[Submission], list[RowError]]:
        """Every row of a response tab read in full (:class:`KeepAll`), parsed (recover)."""
        if not snap.responses.header:  # a brand-new form with no response yet
            return [], []
        return parse_responses(snap.responses.header, snap.responses.rows, self.parse_options(snap.sheet_tz))

    def _recognise_resaved(self, parsed: ParsedResponses, state: CycleState) -> None:
        """Rows re-exported without the seconds of their timestamp, or with their text
        re-encoded, are the responses the ledger already has, not new ones (intake.resaved)."""
        maybe = parsed.submissions
        if maybe:
            ledger = self.ledger.form_times({s.content_hash for s in maybe})
            same = match_resaved(maybe, ledger, parsed.known)
            parsed.adopt(same)
            if same:
                state.full_read_due()  # their items' rows are rewritten by the next read, a full one

    def register_new(self, subs: Sequence[Submission], report: CycleReport, state: CycleState) -> None:
        known = self.ledger.known_among([s.key for s in subs])
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
            state.head_due = True  # the completed items' rows above a tail read: the next read is full
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
