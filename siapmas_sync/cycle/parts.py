"""The collaborators of one worker's cycle, built in one place (:func:`build_parts`) from
its settings, backend, ledger and clock: the engine takes them and builds nothing itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..backends.base import Backend
from ..config import Settings
from ..core.routing import RoutingTable, default_routing_table, load_routing_table
from ..core.workflow import DEFAULT_HOURS, OfficeCalendar, Workflow, default_workflow, load_calendar, parse_office_hours
from ..dasbor.service import Dasbor
from ..ledger import Ledger
from ..notify import stage_hook
from ..numbering.assign import Registrar
from ..publik import PublicStatus
from .idle import IdleGate
from .incoming import Incoming
from .kelengkapan import KelengkapanLinker
from .optional import OptionalWork
from .renders import RenderQueue
from .sheetwrite import SheetWriter
from .steps import StepRecorder
from .writeback import Views


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


@dataclass
class CycleParts:
    """What a cycle works with besides the backend and the ledger."""

    routing: RoutingTable
    wf: Workflow
    cal: OfficeCalendar
    views: Views  # what each status/register cell says
    steps: StepRecorder  # the Kendali edits recorded as steps
    registrar: Registrar  # agenda numbers
    kelengkapan: KelengkapanLinker  # responses completing an earlier item
    publik: PublicStatus  # the public status page
    idle: IdleGate  # whether the sheet or the ledger changed since the last write
    dasbor: Dasbor
    optional: OptionalWork  # uploads and other optional work, after the write-back
    incoming: Incoming  # the read and the responses it admits
    renders: RenderQueue  # the outbox's pending renders
    sheet: SheetWriter  # the write-back


def build_parts(settings: Settings, backend: Backend, ledger: Ledger, clock: Callable[[], datetime]) -> CycleParts:
    """Every collaborator of a cycle; stages recorded under a renamed label take the
    current one first (relabel_stages), so every part sees the configured workflow."""
    routing = load_routing_table(settings.routing.table) if settings.routing.table else default_routing_table()
    w = settings.workflow
    wf, cal = build_workflow(settings)
    relabel_stages(ledger, wf)
    views = Views(wf, cal, settings.tz, w.verify_days, w.settle_days)
    steps = StepRecorder(ledger, wf, clock, settings.tz, settings.officials(), settings.peran,
                         on_move=stage_hook(settings, wf), lifters=settings.kerahasiaan.dibuka_oleh)
    registrar = Registrar(settings, routing, clock, (wf.by_code(0).label, wf.by_code(1).label))
    kelengkapan = KelengkapanLinker(settings, ledger, steps, clock, registrar.received)
    dasbor = Dasbor(settings, ledger, wf, cal)
    idle = IdleGate(settings, backend, ledger, clock)
    return CycleParts(
        routing=routing, wf=wf, cal=cal, views=views, steps=steps, registrar=registrar, kelengkapan=kelengkapan,
        publik=PublicStatus(settings, ledger, wf),
        idle=idle,
        dasbor=dasbor,
        optional=OptionalWork(ledger, clock),
        incoming=Incoming(settings, backend, ledger, registrar, kelengkapan, idle, clock),
        renders=RenderQueue(settings, ledger, backend, wf, clock),
        sheet=SheetWriter(settings, backend, ledger, wf, views, kelengkapan, dasbor, clock),
    )
