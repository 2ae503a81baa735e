"""The in-memory backend: the shared spreadsheet and the evidence folder as plain Python
values: for tests, or to drive the engine from Python without files or Google.

Owns :class:`MemorySpreadsheet` (what a Google spreadsheet plus its Drive folder hold:
tabs as lists of rows, files by Drive id) and :class:`MemoryBackend` (the worker's
connection to it, implementing :class:`siapmas_sync.backends.base.Backend`). They are
kept apart as Google keeps them apart: a worker that is stopped and started again opens a
new backend on the same spreadsheet and finds what the previous one wrote.

It behaves as the Google backend does where the engine can tell: values are stored as
written (RAW, never evaluated), a read gives every tab with its trailing empty cells and
rows dropped (as the Sheets API returns them), a write that names a missing tab creates
it, a write is applied whole or not at all, and a link to a file missing from the folder
is a ``bukti_hilang`` finding. It draws nothing (the Dasbor view is kept as given) and
thumbnails nothing (no ``local_path``). Modelled on vdirsyncer's memory storage: small
enough to be obviously right, a working fake rather than a mock.
"""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..errors import SourceError
from ..core.intake import extract_drive_id, sniff_mime
from ..core.models import CATATAN, Evidence, Finding, Submission
from ..core.sheetplan import TablePlan
from .base import RESPONSE_TAB_NAMES, KeepAll, Readers, Snapshot, feed, trimmed

if TYPE_CHECKING:
    from ..cycle.tailread import TailState

Rows = list[list[Any]]


@dataclass
class MemorySpreadsheet:
    """The spreadsheet (tabs by title, rows of cells, the header first) and the evidence
    folder (Drive id → (file name, content)) that every :class:`MemoryBackend` opened on it
    shares. Tests change it as people would (:meth:`append`, :meth:`put`)."""

    response_tab: str = RESPONSE_TAB_NAMES[0]
    header: Sequence[str] = ()
    tabs: dict[str, Rows] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    sheet_tz: ZoneInfo | None = None
    #: per tab, the dropdown lists last set (the local and Google backends' data validation)
    controls: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    dasbor: Any = None  # the last DasborView written
    published: dict[str, bytes] = field(default_factory=dict)  # link → content

    def __post_init__(self) -> None:
        self.tabs.setdefault(self.response_tab, [list(self.header)] if self.header else [])

    def append(self, rows: Sequence[Sequence[Any]]) -> None:
        """New form responses, after the last row with content (what Google Forms does)."""
        tab = self.tabs[self.response_tab]
        del tab[len(trimmed(tab)):]
        tab.extend(list(r) for r in rows)

    def put(self, title: str, rows: Sequence[Sequence[Any]]) -> None:
        """A tab replaced by what a person made of it (sorted, edited, a column inserted)."""
        self.tabs[title] = [list(r) for r in rows]

    def get(self, title: str) -> Rows:
        """A copy of a tab as read (``[]`` when there is no such tab)."""
        return trimmed(self.tabs.get(title, []))


class MemoryBackend:
    """A :class:`~siapmas_sync.backends.base.Backend` over a :class:`MemorySpreadsheet`."""

    name = "memory"
    upload_folder_id = ""  # nothing is uploaded
    dasbor_skipped = False
    reads_tail = False  # read whole, as a file is
    part_cells = 0  # the write-back in one write: the file is saved once


    def __init__(self, sheet: MemorySpreadsheet | None = None) -> None:
        self.sheet = sheet if sheet is not None else MemorySpreadsheet()
        self.closed = False
        self.notices: list[str] = []

    def _open(self) -> MemorySpreadsheet:
        if self.closed:
            raise RuntimeError("backend used after close()")
        return self.sheet

    def read(self, register_tabs: Sequence[str], readers: Readers | None = None) -> Snapshot:
        sheet = self._open()
        readers = readers or KeepAll()
        title = sheet.response_tab
        if title not in sheet.tabs:
            raise SourceError(f"Tab jawaban {title} tidak ada. Tab yang ada: {', '.join(sheet.tabs)}",
                              "Isi [source] response_tab dengan nama tab jawaban.")

        def through(reader: Any, rows: Rows) -> Any:
            return feed(reader, rows[0] if rows else None, rows[1:])

        responses = through(readers.responses(title, sheet.sheet_tz), sheet.get(title))
        tabs = {t: through(readers.register(t), sheet.get(t)) if t in sheet.tabs else None for t in register_tabs}
        return Snapshot(responses=responses, tabs=tabs, sheet_tz=sheet.sheet_tz)

    def write(self, plans: Sequence[TablePlan], controls: Mapping[str, Mapping[str, list[str]]] | None = None,
              *, dasbor: Any = None) -> None:
        sheet = self._open()
        tabs = copy.deepcopy(sheet.tabs)  # applied whole or not at all, as one batch on Google
        for plan in plans:
            if plan.empty:
                continue
            created = plan.tab not in tabs
            rows = tabs.setdefault(plan.tab, [])
            for u in plan.updates:
                while len(rows) <= u.row:
                    rows.append([])
                row = rows[u.row]
                row.extend([""] * (u.col + 1 - len(row)))
                row[u.col] = u.value
            if controls and plan.tab in controls and (created or plan.header_changed):
                sheet.controls[plan.tab] = {k: list(v) for k, v in controls[plan.tab].items()}
        sheet.tabs = tabs
        if dasbor is not None:
            sheet.dasbor = dasbor

    def find_evidence(self, submissions: Sequence[Submission]) -> dict[str, tuple[list[Evidence], list[Finding]]]:
        sheet = self._open()
        out: dict[str, tuple[list[Evidence], list[Finding]]] = {}
        for s in submissions:
            evidence: list[Evidence] = []
            findings: list[Finding] = []
            for url in s.bukti_urls:
                fid = extract_drive_id(url)
                if fid is None or fid not in sheet.files:
                    evidence.append(Evidence(url=url, drive_id=fid))
                    findings.append(Finding("bukti_hilang", f"Bukti dukung tidak ditemukan: {url[:80]}", CATATAN))
                    continue
                name, data = sheet.files[fid]
                mime = sniff_mime(data[:64]) or mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
                evidence.append(Evidence(url=url, drive_id=fid, name=name, size=len(data), mime=mime, found=True))
            out[s.key] = (evidence, findings)
        return out

    def publish(self, files: Sequence[Path], *, folder_id: str | None = None) -> list[str]:
        """Keep each file's content under a link (``memory:<folder>/<name>``); publishing the
        same name again replaces the content and gives the same link, as on Drive."""
        sheet = self._open()
        links = []
        for f in files:
            link = f"memory:{folder_id or 'dokumen'}/{f.parent.name}-{f.name}"
            sheet.published[link] = f.read_bytes()
            links.append(link)
        return links

    def change_stamp(self) -> dict[str, str] | None:
        return None  # no cheap stamp: every cycle reads the values (cycle/idle.py)

    def read_tail(self, tail: TailState, readers: Readers) -> Snapshot | None:
        return None  # never asked (reads_tail is false)

    def close(self) -> None:
        self.closed = True
