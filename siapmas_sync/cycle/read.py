"""What one sync cycle keeps of the spreadsheet, decided row by row while it is read.

A cycle needs far less than the sheet holds: the *new* responses parsed in full, the row
of each response the ledger already has, the bad rows, and — to plan the write-back —
only whether each status or register cell already says what the ledger says. So the
response tab is parsed as it streams in (the chronologies of known rows are never kept),
and every tab is kept as fingerprints (:class:`~siapmas_sync.core.sheetplan.DigestTable`); the
Kendali tab also keeps its editable cells, to see what operators typed. On a
100,000-row sheet this is the difference between holding every cell and holding ~100
bytes a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias
from zoneinfo import ZoneInfo

from ..backends.base import Snapshot
from ..errors import HeaderError
from ..core.intake import ParseOptions, ResponseParser
from ..core.intake.headers import HeaderMap
from ..core.kendali_sheet import KENDALI_TAB, kendali_reader
from ..notify.pemberitahuan import PEMBERITAHUAN_TAB, pemberitahuan_reader
from ..core.models import RowError, Submission
from ..numbering.guard import ShownNumbers
from .tailread import OPERATOR_COLUMNS
from ..core.sheetplan import (
    BUKU_AGENDA_COLUMNS,
    BUKU_AGENDA_TAB,
    BUKU_SURAT_KELUAR_COLUMNS,
    BUKU_SURAT_KELUAR_TAB,
    RIWAYAT_COLUMNS,
    RIWAYAT_TAB,
    STATUS_COLUMNS,
    DigestReader,
    DigestTable,
)


@dataclass
class ParsedResponses:
    """The response tab as a cycle keeps it."""

    title: str
    status: DigestTable  # fingerprints of the status columns, by data row
    submissions: list[Submission] = field(default_factory=list)  # new rows, parsed in full
    known: dict[str, int] = field(default_factory=dict)  # key → sheet row number, rows the ledger has
    errors: list[RowError] = field(default_factory=list)
    header_error: HeaderError | None = None
    header_map: HeaderMap | None = None  # which column holds each question (preflight warnings)
    header: list[str] = field(default_factory=list)
    last_row: tuple[int, Sequence[object]] | None = None  # (sheet row, cells) of the last row read (tailread)

    def adopt(self, same: Mapping[str, str]) -> None:
        """Rows that are responses the ledger already has under another key (new key → the
        ledger's, see intake.resaved) become known rows of those responses."""
        if not same:
            return
        for s in self.submissions:
            if s.key in same:
                self.known.setdefault(same[s.key], s.source_row)
        self.submissions = [s for s in self.submissions if s.key not in same]

    def row_of(self) -> dict[str, int]:
        """Key → 0-based data row of every response read (known and new)."""
        out = {k: n - 2 for k, n in self.known.items()}
        for s in self.submissions:
            out.setdefault(s.key, s.source_row - 2)
        return out


#: one read as a cycle keeps it (:class:`CycleReaders`)
CycleSnapshot: TypeAlias = Snapshot[ParsedResponses, DigestTable]


class ResponseReader:
    """Parses the response tab while it is read and fingerprints its status columns; the
    agenda numbers its status column shows go to *shown* (the number guard)."""

    def __init__(self, title: str, options: ParseOptions, shown: ShownNumbers | None = None,
                 first_row: int = 2) -> None:
        self._opts = options
        self._first_row = first_row  # the sheet row of the first data row given (a tail read: tailread)
        self._next_row = first_row
        self._shown = shown if shown is not None else ShownNumbers()
        self._number = ""
        self._status = DigestReader(title, STATUS_COLUMNS, watch=("No. Agenda", self._saw_number))
        self._parser: ResponseParser | None = None
        self._out = ParsedResponses(title, self._status.table)

    def _saw_number(self, text: str) -> None:
        self._number = text
        self._shown.add(text)

    def header(self, header: Sequence[object]) -> None:
        self._status.header(header)
        self._status.skip(self._first_row - 2)  # rows above a tail read: never compared
        self._out.header = [str(h) for h in header]
        try:
            self._parser = ResponseParser(list(header), self._opts, self._first_row)
        except HeaderError as exc:  # raised by the cycle once the read is over
            self._out.header_error = exc

    def row(self, row: Sequence[object]) -> None:
        self._number = ""
        self._out.last_row = (self._next_row, row)
        self._next_row += 1
        self._status.row(row)
        if self._parser is not None:
            new_before = len(self._parser.submissions)
            self._parser.feed(row)
            if self._number and len(self._parser.submissions) > new_before:
                # a row the ledger does not know that already shows a number
                self._shown.numbered_rows.append((self._parser.submissions[-1].source_row, self._number))

    def result(self) -> ParsedResponses:
        if self._parser is not None:
            self._out.header_map = self._parser.header_map
            self._out.submissions = self._parser.submissions
            self._out.known = self._parser.known
            self._out.errors = self._parser.errors
        return self._out


#: the register tabs a cycle reads, with the columns it plans and their key column
REGISTER_SHAPES: Mapping[str, tuple[tuple[str, ...], str]] = {
    BUKU_AGENDA_TAB: (BUKU_AGENDA_COLUMNS, "No. Agenda"),
    RIWAYAT_TAB: (RIWAYAT_COLUMNS, "ID"),
    BUKU_SURAT_KELUAR_TAB: (BUKU_SURAT_KELUAR_COLUMNS, "Nomor Surat"),
}


class CycleReaders:
    """:class:`~siapmas_sync.backends.base.Readers` for a sync cycle. ``options`` makes the
    parse options once the spreadsheet's own time zone is known."""

    def __init__(self, options: Callable[[ZoneInfo | None], ParseOptions]) -> None:
        self._options = options
        self.shown = ShownNumbers()

    def responses(self, title: str, sheet_tz: ZoneInfo | None, first_row: int = 2) -> ResponseReader:
        self.shown = ShownNumbers()  # a retried read starts again
        return ResponseReader(title, self._options(sheet_tz), self.shown, first_row)

    def register(self, title: str) -> DigestReader:
        watch = ("No. Agenda", self.shown.add)
        if title in (KENDALI_TAB, PEMBERITAHUAN_TAB):
            reader = kendali_reader(title, watch) if title == KENDALI_TAB else pemberitahuan_reader(watch)
            reader.tap(OPERATOR_COLUMNS[title])  # kept for the next tail read (tailread.SeenColumns)
            return reader
        columns, key = REGISTER_SHAPES[title]
        return DigestReader(title, columns, key, watch=watch if title != BUKU_SURAT_KELUAR_TAB else None)
