"""A change read as a change: what a cycle reads, and writes back, when the spreadsheet
changed but the ledger did not (issue 22).

Google Forms only ever appends a response after the last one, so a cycle that follows a
change need not read the whole sheet: it reads the response tab's header and the rows
from the last one it knew (that row again, to see it is still there), and the key and
operator columns of *Kendali* (the editable ones, the *Rahasia* checkbox among them) and
*Pemberitahuan* (the *Terkirim* checkbox and *Oleh*). The product's own tabs — Buku
Agenda, Riwayat, Buku Surat Keluar — are not read back to compare: only this worker
writes them, so it appends there after the row it last wrote (:class:`TailState`), and
the periodic full read (``[schedule] full_read_minutes``, cycle/idle.py) compares them again
cell by cell. The write-back plans the items registered this cycle and the Kendali rows
edited, the new events and the new messages; nothing else can have changed, since a
tail read is only made when the ledger is as the last write-back left it.

What a tail read cannot see is left to a full read:

* an edited old answer, a row deleted or inserted above the last known row: the known
  last row reads differently (deleted or inserted rows shift it — then this very cycle
  reads in full), or, for an edited answer higher up, the next periodic full read finds it
  with the number guard and the re-saved/edited-answer checks of a full read;
* a change to an item the sheet already shows (a Kendali step, a kelengkapan linked, a
  document made again, a message ticked or cancelled): its response-row status, Buku
  Agenda and Pemberitahuan rows are rewritten by the next cycle, which reads in full (the
  cycle leaves the idle cursor unmatched).

Pure: the state kept in the ledger's ``meta`` table, the ranges, and the row fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.kendali_sheet import EDITABLE, KENDALI_COLUMNS, KENDALI_TAB
from ..notify.pemberitahuan import EDITABLE as WA_EDITABLE
from ..notify.pemberitahuan import PEMBERITAHUAN_TAB
from ..core.sheetplan import STATUS_COLUMNS, DigestReader, DigestTable, cell_text, header_key

TAIL_META = "sheet_tail"
_STATUS_KEYS = frozenset(header_key(c) for c in STATUS_COLUMNS)


def row_fingerprint(header: Sequence[object], row: Sequence[object]) -> str:
    """A stable fingerprint of a response row's answers (our status columns left out:
    the write-back changes those), to see that the last known row is still where it was."""
    texts = [cell_text(v) for i, v in enumerate(row)
             if i >= len(header) or header_key(header[i]) not in _STATUS_KEYS]
    while texts and texts[-1] == "":
        texts.pop()
    return hashlib.sha256("\x1f".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass
class TailState:
    """What the last write-back left, for the next tail read: the response tab's last row
    read (1-based sheet row, header = 1) and its fingerprint; per own tab its header and
    the data row the next appended row goes to; the newest event in Riwayat; the Kendali
    header (which columns hold the editable cells)."""

    last_row: int
    last_row_hash: str
    kendali_header: list[str]
    headers: dict[str, list[str]] = field(default_factory=dict)
    next_rows: dict[str, int] = field(default_factory=dict)
    event_id: int = 0
    message_id: int = 0  # the newest message in Pemberitahuan

    def dumps(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> TailState | None:
        try:
            d = json.loads(text or "")
            return cls(int(d["last_row"]), str(d["last_row_hash"]), [str(h) for h in d["kendali_header"]],
                       {str(k): [str(h) for h in v] for k, v in d["headers"].items()},
                       {str(k): int(v) for k, v in d["next_rows"].items()}, int(d["event_id"]), int(d["message_id"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def usable(self, own_tabs: Sequence[str]) -> bool:
        """Whether a tail read may rely on this state (every own tab and column known)."""
        keys = {header_key(h) for h in self.kendali_header}
        return (self.last_row >= 2 and all(header_key(c) in keys for c in KENDALI_COLUMNS)
                and all(t in self.headers and t in self.next_rows for t in own_tabs))

    def blind(self, tab: str, columns: Sequence[str], key_column: str) -> DigestTable:
        """An own tab as the last write-back left it, for a plan that only appends: its
        header, no rows to compare, the next row after the last one written."""
        t = DigestTable(tab, tuple(columns), key_column)
        t.header = list(self.headers[tab])
        t.last_nonempty = self.next_rows[tab] - 1
        return t


#: per tab a tail read fetches in part: the key column and the columns operators fill
OPERATOR_COLUMNS: dict[str, tuple[str, ...]] = {
    KENDALI_TAB: ("No. Agenda", *EDITABLE),
    PEMBERITAHUAN_TAB: ("ID", *WA_EDITABLE),  # the Terkirim checkbox and who sent
}


#: a cell a tail read did not fetch: text no cell holds (Sheets keeps no NUL), so its
#: fingerprint matches nothing planned and a planned row there is written whole
UNREAD = "\x00belum dibaca"


def column_runs(header: Sequence[object], titles: Sequence[str]) -> list[tuple[int, int]]:
    """The columns of *titles* in *header*, as runs of adjacent columns (0-based,
    inclusive), one A1 range each."""
    want = {header_key(c) for c in titles}
    cols = sorted(i for i, h in enumerate(header) if header_key(h) in want)
    runs: list[tuple[int, int]] = []
    for c in cols:
        if runs and runs[-1][1] == c - 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


class ColumnRuns:
    """A tab read as several column ranges (each with its header row): collects each
    range's rows, then gives *reader* whole rows with the unread cells :data:`UNREAD`. ``matches``
    says whether each range's header still shows the expected titles (staff may have
    moved columns since the last write-back)."""

    def __init__(self, header: Sequence[object], runs: Sequence[tuple[int, int]], reader: DigestReader) -> None:
        self.header = [cell_text(h) for h in header]
        self.runs = list(runs)
        self.reader = reader
        self.parts = [_Part() for _ in self.runs]

    def matches(self) -> bool:
        for (a, b), part in zip(self.runs, self.parts):
            got = [header_key(h) for h in part.head] + [""] * (b - a + 1 - len(part.head))
            if got != [header_key(h) for h in self.header[a : b + 1]]:
                return False
        return True

    def result(self) -> DigestTable:
        width = len(self.header)
        self.reader.header(self.header)
        n = max((len(p.rows) for p in self.parts), default=0)
        for i in range(n):
            row: list[Any] = [UNREAD] * width
            for (a, b), part in zip(self.runs, self.parts):
                # Google leaves out a row's trailing empty cells, and trailing empty rows
                cells = list(part.rows[i][: b - a + 1]) if i < len(part.rows) else []
                row[a : b + 1] = cells + [None] * (b - a + 1 - len(cells))
            self.reader.row(row)
        return self.reader.result()


class _Part:
    """One range of a :class:`ColumnRuns` (a backends.base.TabReader)."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.rows: list[Sequence[object]] = []

    def header(self, header: Sequence[object]) -> None:
        self.head = [cell_text(h) for h in header]

    def row(self, row: Sequence[object]) -> None:
        self.rows.append(row)

    def result(self) -> None:
        return None


class HeaderOf:
    """The header row of a tab, read as a range of its own, given to *reader*."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.seen = False

    def header(self, header: Sequence[object]) -> None:
        self.seen = True
        self.reader.header(header)

    def row(self, row: Sequence[object]) -> None:  # a one-row range has none
        pass

    def result(self) -> None:
        return None


class RowsOf:
    """Data rows of a tab read as a range that starts below the header (``headerless``:
    its first row is a data row too), given to *reader*; the first is kept (the last
    known row, checked against its fingerprint)."""

    headerless = True

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.first: Sequence[object] | None = None

    def header(self, header: Sequence[object]) -> None:  # never called: headerless
        raise AssertionError("a headerless range has no header")

    def row(self, row: Sequence[object]) -> None:
        if self.first is None:
            self.first = row
        self.reader.row(row)

    def result(self) -> Any:
        return None


def unchanged_head(state: TailState, header: Sequence[object], first: Sequence[object] | None) -> bool:
    """Whether the last known row still reads as it did (no row deleted or inserted above
    it, its answers not edited)."""
    return first is not None and row_fingerprint(header, first) == state.last_row_hash


def next_rows(diffs: Mapping[str, Any]) -> dict[str, int]:
    """Per own tab, the data row the next appended row goes to (after this plan)."""
    return {tab: d.next_row for tab, d in diffs.items()}
