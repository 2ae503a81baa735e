"""The backend protocol: the small surface the engine needs from a spreadsheet + evidence
store. Keep it small: the Google and local implementations must stay interchangeable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from ..core.models import Evidence, Finding, SheetTable, Submission
from ..core.sheetplan import TablePlan, cell_text

if TYPE_CHECKING:  # tailread imports the tabs' readers, which import this module
    from ..cycle.tailread import TailState

#: Titles Google Forms gives the response tab (English / Indonesian account language).
RESPONSE_TAB_NAMES: tuple[str, ...] = ("Form Responses 1", "Jawaban Formulir 1", "Form responses 1")


class TabReader(Protocol):
    """Takes one tab as it is read — the header row, then each data row — and keeps what
    its user needs (all of it, a parse, fingerprints): a 100,000-row tab need never be
    held whole. A read that is retried starts again with fresh readers."""

    def header(self, header: Sequence[object]) -> None: ...

    def row(self, row: Sequence[object]) -> None: ...

    def result(self) -> Any: ...


class Readers(Protocol):
    """Makes the reader of each tab of one read attempt."""

    def responses(self, title: str, sheet_tz: ZoneInfo | None, first_row: int = 2) -> TabReader: ...

    def register(self, title: str) -> TabReader: ...


class FullTable:
    """The plain reader: every cell, as a :class:`SheetTable` (recover, doctor, tests)."""

    def __init__(self, title: str) -> None:
        self.table = SheetTable(title, [], [])

    def header(self, header: Sequence[object]) -> None:
        self.table.header = [str(h) if h is not None else "" for h in header]

    def row(self, row: Sequence[object]) -> None:
        self.table.rows.append(row)  # type: ignore[arg-type]

    def result(self) -> SheetTable:
        return self.table


class KeepAll:
    """:class:`Readers` that keep every cell of every tab."""

    def responses(self, title: str, sheet_tz: ZoneInfo | None, first_row: int = 2) -> FullTable:
        return FullTable(title)

    def register(self, title: str) -> FullTable:
        return FullTable(title)


def feed(reader: TabReader, header: Sequence[object] | None, rows: Iterable[Sequence[object]]) -> Any:
    """Run a whole table already in memory through *reader* (the local backend)."""
    if header is not None:
        reader.header(header)
        for row in rows:
            reader.row(row)
    return reader.result()


#: what the readers of a read keep of the response tab, and of each register tab
RespT = TypeVar("RespT")
TabT = TypeVar("TabT")


@dataclass
class Snapshot(Generic[RespT, TabT]):
    """One read of the spreadsheet: the response tab and our register tabs (None when a
    tab does not exist yet), each as its reader kept it — ``Snapshot[SheetTable,
    SheetTable]`` with :class:`KeepAll`, a cycle's ``CycleSnapshot`` (cycle/read.py) —
    plus the spreadsheet's own time zone when it has one."""

    responses: RespT
    tabs: dict[str, TabT | None] = field(default_factory=dict)
    sheet_tz: ZoneInfo | None = None
    partial: bool = False  # a tail read (tailread): new rows, Kendali's editable cells, no own tabs


def trimmed(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """A copy of a tab as the Sheets API returns it: no trailing empty cells or rows."""
    out = []
    for row in rows:
        r = list(row)
        while r and cell_text(r[-1]) == "":
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


class Backend(Protocol):
    name: str
    #: the Drive folder the documents' copies go to ("" = no uploads, always for local)
    upload_folder_id: str
    #: what the last read or write has to say in the cycle summary (a stale lock file
    #: ignored, the Dasbor left as it is…)
    notices: list[str]
    #: the last write left the Dasbor out (Google refused it): it is drawn again next cycle
    dasbor_skipped: bool
    #: the backend can read a range of rows (a change read as a change, tailread); the
    #: local files are read whole
    reads_tail: bool
    #: cells the write-back may send ahead of the rest, as they are planned (a large first
    #: write-back then never holds all its cells at once, cycle/sheetwrite.py); 0: one
    #: write, as a file is saved once
    part_cells: int

    def change_stamp(self) -> dict[str, str] | None:
        """A cheap stamp of the spreadsheet that changes whenever its content may have
        (cycle/idle.py); None when the backend cannot tell (every cycle reads fully)."""
        ...

    def read(self, register_tabs: Sequence[str], readers: Readers | None = None) -> Snapshot:
        """Read the response tab and the named register tabs (one round trip on Google),
        each through its reader from *readers* (default :class:`KeepAll`)."""
        ...

    def read_tail(self, tail: TailState, readers: Readers) -> Snapshot | None:
        """Only what is new since *tail* (tailread): the response rows past the last known
        one and the operators' columns. None when a full read must look instead (always,
        where ``reads_tail`` is false)."""
        ...

    def write(self, plans: Sequence[TablePlan], controls: Mapping[str, Mapping[str, list[str]]] | None = None,
              *, dasbor: Any = None) -> None:
        """Apply the planned cell writes (one batch on Google, one atomic save locally).

        ``dasbor``: a :class:`siapmas_sync.dasbor.DasborView` to draw in the same batch /
        save (only passed when a figure changed or its heartbeat is due).

        ``controls``: per tab, dropdown lists by column title (data validation); applied
        when the tab is created or its header changes. A "Rahasia" column is a checkbox;
        every column not in the dropdowns and not "Catatan" is protected on Google."""
        ...

    def find_evidence(self, submissions: Sequence[Submission]) -> dict[str, tuple[list[Evidence], list[Finding]]]:
        """Locate each submission's evidence: {submission key: (evidence, findings)}."""
        ...

    def publish(self, files: Sequence[Path], *, folder_id: str | None = None) -> list[str]:
        """Make generated documents reachable for officials; return one link/path each
        (*folder_id*: a Drive folder other than the documents' one, e.g. the recap's)."""
        ...

    def close(self) -> None: ...
