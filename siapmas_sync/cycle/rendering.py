"""Rendering jobs: everything needed to produce one item's documents, as plain picklable
data, and a runner that uses every core when a backlog makes rendering dominate.

The engine turns pending outbox entries into :class:`RenderJob` values (reading the
ledger), the runner renders them (in worker processes when there are many), and the
engine records the results — so a render never touches the database and a crash in
the middle leaves the outbox entries pending for the next cycle.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ..documents import render_kartu_kendali, render_lembar_aduan, render_lembar_disposisi
from ..documents.common import durable_together
from ..failures import fault_point
from ..documents.kartu import KartuConfig
from ..core.models import AgendaItem, DisposisiRecord, Kop
from ..core.rerender import REGISTRATION_KINDS, RenderKind

log = logging.getLogger("siapmas.rendering")

T = TypeVar("T")
R = TypeVar("R")
_END: Any = object()  # end of in_workers' queue

#: the Word copies each registration render makes again (when they exist)
_COPIES = {RenderKind.RENDER: ("lembar_disposisi", "kartu_kendali"), RenderKind.LEMBAR: ("lembar_disposisi",),
           RenderKind.KARTU: ("kartu_kendali",)}

#: below this many jobs, starting worker processes costs more than it saves
PARALLEL_THRESHOLD = 12
#: jobs per task sent to a worker process: their files share one flush to disk
CHUNK = 6


@dataclass(frozen=True)
class RenderJob:
    kind: RenderKind  # RENDER (registration PDFs; LEMBAR/KARTU a part of them, see rerender), SALINAN (their Word copies), DISPOSISI (recorded), BALASAN (settled)
    item: AgendaItem
    kop: Kop
    folder: Path
    paper: str = "A4"
    docx: bool = True
    salinan: bool = False  # RENDER/LEMBAR/KARTU only: make the Word copies in the same job (a re-render)
    template_dirs: tuple[Path, ...] = ()
    disposisi: DisposisiRecord | None = None
    identitas_untuk_petugas: bool = False
    kartu: KartuConfig = KartuConfig()  # [kendali]: the card's Indeks, Kepada, Pengolah
    context_extra: dict[str, Any] = field(default_factory=dict)
    laporan: Any = None  # BALASAN: the AKD's recorded report (documents.laporan.Laporan), if any
    max_pages: int = 20  # [output] max_pages_aduan


def render_job(job: RenderJob) -> dict[str, Path]:
    """Render one job's files (each atomically, all flushed to disk together before this
    returns); return {kind of document: path}."""
    fault_point("render", job.folder)
    with durable_together():
        return _render_files(job)


def _render_files(job: RenderJob) -> dict[str, Path]:
    item, kop, base = job.item, job.kop, job.folder
    paths: dict[str, Path] = {}
    if job.kind in (RenderKind.RENDER, RenderKind.LEMBAR):  # LEMBAR: a change the kartu kendali does not show (Sifat)
        paths["aduan"] = render_lembar_aduan(item, kop, base / "lembar-aduan.pdf", max_pages=job.max_pages)
        paths["disposisi"] = render_lembar_disposisi(item, kop, base / "lembar-disposisi.pdf", paper=job.paper)
        petugas = base / "lembar-aduan-petugas.pdf"
        if item.rahasia and job.identitas_untuk_petugas:
            paths["aduan_petugas"] = render_lembar_aduan(replace(item, rahasia=False), kop, petugas, max_pages=job.max_pages)
        elif petugas.exists():
            petugas.unlink()  # identity no longer allowed on any copy
    if job.kind in (RenderKind.RENDER, RenderKind.KARTU):  # KARTU: the AKD decided (its Indeks)
        paths["kendali"] = render_kartu_kendali(item, kop, base / "kartu-kendali.pdf", cfg=job.kartu,
                                                diteruskan_ke=str(job.context_extra.get("tujuan") or ""),
                                                tgl_diteruskan=str(job.context_extra.get("tgl_diteruskan") or ""))
    if job.kind in REGISTRATION_KINDS:
        if job.salinan:  # existing copies must never lag behind (e.g. an item made rahasia)
            paths.update(_docx(job, _COPIES[job.kind]))
    if job.kind == RenderKind.SALINAN:  # editable copies, made after the write-back (see Engine.cycle)
        paths.update(_docx(job, ("lembar_disposisi", "kartu_kendali")))
    elif job.kind == RenderKind.DISPOSISI:
        paths["disposisi_terisi"] = render_lembar_disposisi(
            item, kop, base / "lembar-disposisi-terisi.pdf", disposisi=job.disposisi, paper=job.paper
        )
        paths.update(_docx(job, ("lembar_disposisi",), suffix="-terisi"))
    elif job.kind == RenderKind.BALASAN:
        paths["surat_balasan"] = _surat_balasan_pdf(job, base / "surat-balasan.pdf")
        if job.laporan is not None:  # SOP step 8's output, summarised by the letter
            from ..documents.laporan import render_laporan

            paths["laporan"] = render_laporan(item, kop, job.laporan, base / "laporan-hasil-tindak-lanjut.pdf")
        paths.update(_docx(job, ("surat_balasan",)))
    return paths


def _surat_balasan_pdf(job: RenderJob, path: Path) -> Path:
    """The Surat Balasan as PDF (attached to the final reply, notify), drawn from the same
    values as its Word copy (one context, worddocs.balasan)."""
    from ..notify.pdf import LETTER_KEYS, render_surat_balasan

    ctx = _letter_context(job)
    return render_surat_balasan(path, job.kop, {k: ctx[k] for k in LETTER_KEYS})


def _letter_context(job: RenderJob) -> dict[str, Any]:
    from ..worddocs.render import template_context
    from ..documents.laporan import lampiran_surat

    return template_context(job.item, job.kop, disposisi=job.disposisi, kartu=job.kartu,
                            lampiran_surat=lampiran_surat(job.laporan) if job.kind == RenderKind.BALASAN else "",
                            **job.context_extra)


def _docx(job: RenderJob, names: Sequence[str], suffix: str = "") -> dict[str, Path]:
    if not job.docx:
        return {}
    from ..worddocs.render import render_docx

    ctx = _letter_context(job)
    return {
        f"{name}_docx{suffix}": render_docx(
            f"{name}.docx", ctx, job.folder / f"{name.replace('_', '-')}{suffix}.docx", template_dirs=job.template_dirs
        )
        for name in names
    }


def _render_chunk(jobs: Sequence[RenderJob]) -> list[dict[str, Path] | Exception]:
    """Render several jobs and flush all their files to disk at once (one flush per chunk,
    not per item: on a busy disk a flush costs more than rendering an item). An error is
    returned in the job's place; the other jobs proceed."""
    results: list[dict[str, Path] | Exception] = []
    with durable_together():
        for job in jobs:
            try:
                results.append(_render_files(job))
            except Exception as exc:  # reported per item; the others proceed
                results.append(exc)
    return results


_warmed: set[tuple[Kop, str]] = set()
_warmed_docx: set[tuple[Kop, tuple[Path, ...]]] = set()


def warm_renderer(docx: bool = False, kop: Kop | None = None, paper: str = "A4",
                  template_dirs: tuple[Path, ...] = ()) -> None:
    """Do a renderer's one-off work now: register the fonts (parse five TTFs), make the
    paragraph styles, with *kop* render a blank item's three PDFs in memory (filling the
    per-process caches of font objects and fixed page parts for that kop and paper) and,
    with *docx*, import the Word renderer and, with *template_dirs* too, fill each Word
    template once in memory (opening a template and preparing its later copies costs
    about as much as a hundred copies). Idempotent and cheap once done.

    :func:`render_many` calls it in the parent before starting worker processes (forked
    workers then inherit it instead of each doing it again) and in each worker before
    its first job (where workers are spawned, it is their own warm-up)."""
    from ..documents.aduan import _styles
    from ..documents.common import register_fonts, writes_to_memory
    from ..documents.layers import BLANK_ITEM

    register_fonts()
    _styles()
    if kop is not None and (kop, paper) not in _warmed:
        _warmed.add((kop, paper))
        try:
            with writes_to_memory():
                render_lembar_aduan(BLANK_ITEM, kop, Path("warm-up.pdf"))
                render_lembar_disposisi(BLANK_ITEM, kop, Path("warm-up.pdf"), paper=paper)
                render_kartu_kendali(BLANK_ITEM, kop, Path("warm-up.pdf"))
        except Exception:  # a warm-up only: the real job reports any problem
            log.debug("warm-up render failed", exc_info=True)
    if docx:
        from ..worddocs import render as docx_render

        if kop is not None and template_dirs and (kop, template_dirs) not in _warmed_docx:
            _warmed_docx.add((kop, template_dirs))
            from ..documents.layers import BLANK_ITEM

            for name in docx_render.TEMPLATE_NAMES:
                try:
                    ctx = docx_render.template_context(BLANK_ITEM, kop)
                    with writes_to_memory():
                        docx_render.render_docx(name, ctx, Path("warm-up.docx"), template_dirs=template_dirs)
                except Exception:  # a warm-up only: the real job reports any problem (a broken template)
                    log.debug("Word warm-up of %s failed", name, exc_info=True)


def _worker_start(warm: Callable[[], None] | None = None) -> None:
    """Worker-process initialiser: tied to the parent's life, then *warm* (if any)."""
    _die_with_parent()
    if warm is not None:
        warm()


def _die_with_parent() -> None:
    """Worker-process initialiser: never outlive the worker that started us (a SIGKILLed
    worker must not leave renderers writing behind the next one's back)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    import threading

    def watch() -> None:  # portable fallback
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # parent died before prctl took effect
        os._exit(1)


def render_many(
    jobs: Sequence[RenderJob], workers: int | None = None, *, deadline: float | None = None
) -> Iterator[tuple[RenderJob, dict[str, Path] | Exception]]:
    """Render jobs, yielding (job, paths or the error) in order, as each finishes.

    With a *deadline* (``time.monotonic()`` value) no job is started after it; the jobs
    left are simply not yielded (their outbox entries stay pending)."""
    size = CHUNK if len(jobs) >= PARALLEL_THRESHOLD else max(len(jobs), 1)
    chunks = [tuple(jobs[i : i + size]) for i in range(0, len(jobs), size)]
    docx = any(job.docx and job.kind not in REGISTRATION_KINDS or job.salinan for job in jobs)
    warm = functools.partial(warm_renderer, docx, jobs[0].kop, jobs[0].paper, jobs[0].template_dirs) if jobs else None
    for chunk, results in in_workers(_render_chunk, chunks, workers, deadline=deadline, warm=warm):
        yield from zip(chunk, results)


def in_workers(
    fn: Callable[[T], R], args: Sequence[T], workers: int | None = None, *,
    deadline: float | None = None, warm: Callable[[], None] | None = None,
) -> Iterator[tuple[T, R]]:
    """``(arg, fn(arg))`` in order, computed in worker processes (one per core) when there
    are two args or more. *fn* must be picklable and report its own errors.

    *warm* (picklable, idempotent) does *fn*'s one-off set-up: it runs here before the
    workers start, so forked workers inherit its result, and in every worker before its
    first task."""
    workers = workers if workers is not None else (os.cpu_count() or 1)

    def late() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    if workers <= 1 or len(args) < 2:
        for arg in args:
            if late():
                return
            yield arg, fn(arg)
        return
    if warm is not None:
        warm()
    pool = ProcessPoolExecutor(max_workers=min(workers, len(args)), initializer=_worker_start, initargs=(warm,))
    try:
        window = 4 * workers  # jobs in flight: enough to keep every core busy
        futures: deque[tuple[T, Future[R]]] = deque()
        queue = iter(args)
        while True:
            while len(futures) < window and not late():
                arg = next(queue, _END)
                if arg is _END:
                    break
                futures.append((arg, pool.submit(fn, arg)))
            if not futures:
                return
            arg, fut = futures.popleft()
            yield arg, fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

