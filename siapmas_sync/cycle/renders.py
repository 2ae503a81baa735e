"""Pending renders: the outbox's entries turned into render jobs (read from the ledger a
page at a time), rendered (cycle/rendering.py), and their documents recorded in groups —
the registration PDFs, the filled disposisi, the surat balasan, and the Word copies last
within a time budget. Also the ledger's item as the documents see it (:meth:`agenda_item`)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .. import codec, failures
from ..backends.base import Backend
from ..config import Settings
from ..core import recorded
from ..core.models import AgendaItem, DisposisiRecord, Tambahan
from ..core.rerender import REGISTRATION_KINDS, RenderKind
from ..core.workflow import Workflow
from ..documents.common import tanggal_id
from ..documents.kartu import KartuConfig
from ..errors import LedgerError
from ..ledger import EventRecord, ItemRecord, Ledger, OutboxEntry, ResponseRecord
from ..logs import mask_text
from ..numbering.template import agenda_folder
from ..worddocs.render import shipped_template_dir
from . import uploads
from .disposisi import build_record, distributions
from .missing_documents import made_by
from .rendering import RenderJob, render_many
from .report import CycleReport, failpoint
from .steps import STAGE_DONE_CODE
from .tambahan import additions

if TYPE_CHECKING:
    from ..documents.laporan import Laporan

log = logging.getLogger("siapmas.engine")

#: render kinds that make PDFs (these reach the next print batch)
PRINTED_KINDS = (*REGISTRATION_KINDS, RenderKind.DISPOSISI, RenderKind.BALASAN)
RESULT_GROUP = 25  # rendered items recorded per transaction
RENDER_PAGE = 500  # pending renders prepared and rendered at a time
SALINAN_BUDGET_S = 120.0  # seconds per cycle for Word copies once the write-back is done


class RenderQueue:
    """The outbox's pending renders of one worker, and the documents' view of its items."""

    def __init__(self, settings: Settings, ledger: Ledger, backend: Backend, wf: Workflow,
                 clock: Callable[[], datetime]) -> None:
        self.s = settings
        self.ledger = ledger
        self.backend = backend
        self.wf = wf
        self.tz: ZoneInfo = settings.tz
        self.clock = clock
        self.out_dir = settings.output.dir
        self.render_workers: int | None = settings.output.render_workers or None

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

    def render_job(self, kind: RenderKind, row: ItemRecord, response: ResponseRecord | None = None,
                   tambahan: Sequence[Tambahan] | None = None) -> RenderJob:
        """Everything one render needs, read from the ledger now (*response*, *tambahan*:
        already read for a page of items)."""
        t = self.s.templates
        disposisi = self.disposisi_record(row) if kind in (RenderKind.DISPOSISI, RenderKind.BALASAN) else None
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
            laporan=self._laporan(row) if kind == RenderKind.BALASAN else None,
            max_pages=self.s.output.max_pages_aduan,
            context_extra={
                "tindak_lanjut": self._follow_up(row) if kind == RenderKind.BALASAN else "",
                "tujuan": ", ".join(recorded.kepada_of(row)),
                "tgl_diteruskan": self._tgl_diteruskan(row) if kind in (RenderKind.RENDER, RenderKind.KARTU, RenderKind.SALINAN) else "",
                "penandatangan": self._signature(row) if kind == RenderKind.BALASAN else {},
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

    def render_pending(self, report: CycleReport) -> None:
        for kind in PRINTED_KINDS:
            self.render_jobs(kind, report)

    def render_jobs(self, kind: RenderKind, report: CycleReport, deadline: float | None = None) -> None:
        pending = self.ledger.pending(kind)
        # a page at a time: a 10,000 backlog never holds 10,000 jobs (with their texts)
        for start in range(0, len(pending), RENDER_PAGE):
            if deadline is not None and time.monotonic() >= deadline:
                return
            self._render_page(kind, pending[start : start + RENDER_PAGE], report, deadline)

    def _render_page(self, kind: RenderKind, pending: Sequence[OutboxEntry], report: CycleReport,
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

    def _record_rendered(self, kind: RenderKind, finished: Sequence[tuple[int, ItemRecord, RenderJob, dict[str, str]]],
                         report: CycleReport) -> None:
        """Record a group of rendered items in one transaction (their files are already
        on disk: render_job flushes them before returning)."""
        if not finished:
            return
        now = self.clock()
        keys = [row.key for _eid, row, _job, _docs in finished]
        with self.ledger.tx() as conn:
            current = self.ledger.documents_of(conn, keys)
            copies_due = {k for k, _kind in self.ledger.waiting(conn, keys, RenderKind.SALINAN)}
            documents: dict[str, dict[str, Any]] = {}
            salinan = []
            for _eid, row, job, docs in finished:
                have = current.get(row.key, {})
                if kind == RenderKind.RENDER:  # this render's own documents are replaced (an identity copy may go);
                    # the Word copies and what later stages made (filled disposisi, letter, report) stay
                    docs = {**{k: v for k, v in have.items() if k.endswith("_docx") or made_by(k) != RenderKind.RENDER}, **docs}
                elif kind == RenderKind.LEMBAR:  # the officers' copy goes with the lembar aduan it copies
                    docs = {**{k: v for k, v in have.items() if k != "aduan_petugas"}, **docs}
                else:
                    docs = {**have, **docs}
                current[row.key] = documents[row.key] = docs
                if kind == RenderKind.RENDER and job.docx and not job.salinan and row.key not in copies_due:
                    copies_due.add(row.key)
                    salinan.append(row.key)
            # one statement per kind of write for the whole group (executemany); new PDFs:
            # the item has something for the next print batch
            self.ledger.set_documents(conn, documents, unbatch=kind in PRINTED_KINDS)
            self.ledger.finish_outbox_many(conn, [eid for eid, *_ in finished], now)
            self.ledger.add_outbox_many(conn, salinan, RenderKind.SALINAN, now)
            if kind in PRINTED_KINDS and uploads.enabled(self.backend):  # new PDFs: their Drive copies wait
                uploads.queue(self.ledger, conn, keys, now)
        for _eid, row, _job, _docs in finished:
            if kind == RenderKind.RENDER:
                report.rendered.append(row.agenda_no)
            elif kind == RenderKind.SALINAN:
                report.salinan += 1

    def make_salinan(self, report: CycleReport) -> None:
        """Word copies last: officials see numbers and status first, and a backlog of copies
        yields to the next cycle's intake after SALINAN_BUDGET_S (the rest stay pending)."""
        self.render_jobs(RenderKind.SALINAN, report, deadline=time.monotonic() + SALINAN_BUDGET_S)
        report.salinan_pending = len(self.ledger.pending(RenderKind.SALINAN))


def _render_error_text(exc: BaseException, report: CycleReport, folder: Path | None) -> str:
    """The summary's sentence for a failed render; an OS-level failure (full, read-only or
    missing output folder) is also a failure of the cycle that the operator must fix."""
    if isinstance(exc, (OSError, MemoryError)):
        return report.add_failure(exc, folder)
    known = failures.describe(exc)
    return known.message if known is not None else mask_text(str(exc) or type(exc).__name__)
