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

The operators' columns are asked for column by column (``majorDimension=COLUMNS``, parsed
natively: backends/valuestream) and compared a whole column at a time with the same columns
as the last write-back's read left them (:class:`SeenColumns`, a file beside the ledger
named by a token in the :class:`TailState`): only the rows that differ are judged for
edits and ticks and give their numbers to the number guard, and a row's fingerprints are
made only when a planner asks for it (sheetplan.ColumnTable) — so one new response on a
100,000-row sheet costs a few rows, not 100,000. Rows whose Kendali state the write-back
changed are judged again; without the file every row is judged; the periodic full read
judges every row anyway.

Pure, but for :class:`SeenColumns`' bytes: the state kept in the ledger's ``meta`` table,
the ranges, the row fingerprint, the column comparison.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.kendali_sheet import EDITABLE, KENDALI_COLUMNS, KENDALI_TAB
from ..notify.pemberitahuan import EDITABLE as WA_EDITABLE
from ..notify.pemberitahuan import PEMBERITAHUAN_TAB
from ..core.sheetplan import (
    STATUS_COLUMNS,
    UNREAD,
    ColumnTable,
    DigestReader,
    DigestTable,
    cell_text,
    header_key,
    locate_columns,
)

TAIL_META = "sheet_tail"
SEEN_FILE = "kolom-operator.bin"  # beside the ledger database (:class:`SeenColumns`)
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
    seen_token: str = ""  # the operator columns saved with this state (:class:`SeenColumns`)
    seen: SeenColumns | None = field(default=None, compare=False)  # loaded beside it, never in the meta

    def dumps(self) -> str:
        d = asdict(self)
        d.pop("seen")
        return json.dumps(d, ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> TailState | None:
        try:
            d = json.loads(text or "")
            return cls(int(d["last_row"]), str(d["last_row_hash"]), [str(h) for h in d["kendali_header"]],
                       {str(k): [str(h) for h in v] for k, v in d["headers"].items()},
                       {str(k): int(v) for k, v in d["next_rows"].items()}, int(d["event_id"]), int(d["message_id"]),
                       str(d.get("seen_token") or ""))
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
    """A tab read as several column ranges, each with its header row, in COLUMNS major
    dimension (each range a list of columns, header cell first): gives a
    :class:`~siapmas_sync.core.sheetplan.ColumnTable` built the way *reader* would read the
    tab, without a row-by-row pass. ``matches`` says whether each range's header still
    shows the expected titles (staff may have moved columns since the last write-back)."""

    def __init__(self, header: Sequence[object], runs: Sequence[tuple[int, int]], reader: DigestReader) -> None:
        self.header = [cell_text(h) for h in header]
        self.runs = list(runs)
        self.reader = reader
        self.parts: list[list[list[Any]]] = [[] for _ in self.runs]

    def take(self, i: int, columns: list[list[Any]]) -> None:
        self.parts[i] = columns

    def matches(self) -> bool:
        for (a, b), part in zip(self.runs, self.parts):
            got = [header_key(col[0] if col else "") for col in part]
            got += [""] * (b - a + 1 - len(got))
            if got != [header_key(h) for h in self.header[a : b + 1]]:
                return False
        return True

    def columns(self) -> dict[int, list[Any]]:
        """Sheet column (0-based) → its data cells (Google leaves out trailing empty
        cells, and a range's trailing empty columns)."""
        out: dict[int, list[Any]] = {}
        for (a, b), part in zip(self.runs, self.parts):
            for j in range(b - a + 1):
                out[a + j] = part[j][1:] if j < len(part) else []
        return out

    def result(self, seen: Mapping[int, list[Any]] | None) -> ColumnTable:
        """The tab as a planner needs it; *seen*: these columns as the last read gave them,
        so that only the rows changed since are judged (and their numbers guarded)."""
        t = self.reader.table
        cols = self.columns()
        changed = changed_rows(cols, seen)
        table = ColumnTable(t.title, t.columns, t.key_column or "", t.kept_columns, self.header, cols, changed)
        table.unchanged = changed == set()  # reads as the columns kept (SeenColumns.same)
        watch = self.reader.watch
        if watch is not None and table.key_column == watch[0]:
            for key, _ in table.rows_to_judge():
                watch[1](key)
        return table


#: rows compared as blocks first (C speed); only a block that differs is compared row by row
_BLOCK = 512


def changed_rows(cols: Mapping[int, list[Any]], seen: Mapping[int, list[Any]] | None) -> set[int] | None:
    """The data rows whose cells in *cols* differ from *seen* (value and type: a ticked
    checkbox ``True`` is not the number 1), or None when there is nothing to compare with
    (no earlier read kept, or other columns) — then every row is judged."""
    if seen is None or set(seen) != set(cols):
        return None
    out: set[int] = set()
    for c, new in cols.items():
        old = seen[c]
        m = min(len(new), len(old))
        if (new if m == len(new) else new[:m]) == (old if m == len(old) else old[:m]) and _same_types(new, old, m):
            out.update(range(m, max(len(new), len(old))))  # the rows one of them has past the other's end
            continue
        n = max(len(new), len(old))
        for a in range(0, n, _BLOCK):
            x, y = new[a : a + _BLOCK], old[a : a + _BLOCK]
            if x == y and list(map(type, x)) == list(map(type, y)):
                continue
            for i in range(a, min(a + _BLOCK, n)):
                u = new[i] if i < len(new) else None
                v = old[i] if i < len(old) else None
                if type(u) is not type(v) or u != v:
                    out.add(i)
    return out


def _same_types(new: list[Any], old: list[Any], m: int) -> bool:
    """Whether the first *m* cells of two equal columns also have the same types (a ticked
    checkbox ``True`` equals the number 1): only columns holding other than text are checked."""
    kinds = set(map(type, new))
    if kinds <= {str} and set(map(type, old)) <= {str}:
        return True
    return list(map(type, new[:m])) == list(map(type, old[:m]))


def header_of(columns: Sequence[Sequence[object]]) -> list[str]:
    """The header row of a one-row range read in COLUMNS major dimension."""
    return [cell_text(col[0]) if col else "" for col in columns]


def rows_of(columns: Sequence[Sequence[object]]) -> list[tuple[Any, ...]]:
    """A range read in COLUMNS major dimension, as the rows the ROWS dimension gives:
    each row's trailing empty cells left out."""
    n = max((len(c) for c in columns), default=0)
    rows = []
    for i in range(n):
        row = [c[i] if i < len(c) else "" for c in columns]
        while row and row[-1] in ("", None):
            row.pop()
        rows.append(tuple(row))
    return rows


@dataclass
class SeenColumns:
    """The operator columns of the tabs a tail read reads in part, as the last write-back
    left them read (sheet column → data cells), kept in a file beside the ledger under a
    token the :class:`TailState` names: the next tail read judges only the rows that
    differ. Rows whose Kendali state the write-back changed are kept as unread, so they
    are judged again."""

    token: str
    tabs: dict[str, dict[int, list[Any]]]

    def dumps(self) -> bytes:
        return marshal.dumps({"token": self.token, "tabs": self.tabs})

    @classmethod
    def loads(cls, data: bytes, token: str) -> SeenColumns | None:
        """The columns saved under *token*; None for another write-back's (or a damaged) file."""
        try:
            d = marshal.loads(data)
            if not token or d["token"] != token:
                return None
            tabs = {str(t): {int(c): list(v) for c, v in cols.items()} for t, cols in d["tabs"].items()}
        except (ValueError, EOFError, TypeError, KeyError, AttributeError):
            return None
        return cls(token, tabs)

    @staticmethod
    def same(tables: Mapping[str, DigestTable | None], forget: Mapping[str, Collection[str]]) -> bool:
        """Whether the columns kept already are this cycle's (every table read in part and
        unchanged since, none of its rows to forget): then they need not be written again."""
        present = [(tab, t) for tab, t in tables.items() if t is not None]
        return bool(present) and all(
            getattr(t, "unchanged", False) and not any(k in t.row_of for k in forget.get(tab, ()))
            for tab, t in present)

    @classmethod
    def of(cls, tables: Mapping[str, DigestTable | None], forget: Mapping[str, Collection[str]]) -> SeenColumns:
        """From this cycle's tables (those read in part, or in full with their columns
        tapped); *forget*: per tab, the keys whose rows must be judged again."""
        tabs: dict[str, dict[int, list[Any]]] = {}
        for tab, t in tables.items():
            cols = getattr(t, "seen_columns", None)
            if t is None or cols is None:
                continue
            cols = {c: list(v) for c, v in cols.items()}
            drop = forget.get(tab)
            kc = locate_columns(t.header, [t.key_column])[1][t.key_column] if drop and t.key_column else None
            if drop is not None and kc is not None and kc in cols:
                key_col = cols[kc]
                for i, k in enumerate(key_col):
                    if k and cell_text(k) in drop:
                        key_col[i] = UNREAD
            tabs[tab] = cols
        return cls(secrets.token_hex(8), tabs)


def seen_file(state_dir: Path) -> Path:
    """Where the operator columns last read are kept (:class:`SeenColumns`)."""
    return state_dir / SEEN_FILE


def unchanged_head(state: TailState, header: Sequence[object], first: Sequence[object] | None) -> bool:
    """Whether the last known row still reads as it did (no row deleted or inserted above
    it, its answers not edited)."""
    return first is not None and row_fingerprint(header, first) == state.last_row_hash


def next_rows(diffs: Mapping[str, Any]) -> dict[str, int]:
    """Per own tab, the data row the next appended row goes to (after this plan)."""
    return {tab: d.next_row for tab, d in diffs.items()}
