"""Pure planning of spreadsheet writes: compare what a tab holds with what the ledger says
it should hold, and return only the cells that differ.

Both backends (local workbook and Google Sheets) apply the same plan, so a cycle with no
change writes nothing, and a cycle with changes writes them in one batch whatever the
number of rows. Columns are located by header title on every call — staff insert, move
and rename columns — and rows by a key column, never by position remembered from an
earlier cycle. A tab is compared through its fingerprints (:class:`DigestTable`, made
while it is read), one desired row at a time (:class:`TableDiff`), so neither the sheet
nor the ledger is ever held whole; a tab read as a few of its columns (a change read) is a
:class:`ColumnTable`, whose rows are fingerprinted only when a planner asks for them.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import CellUpdate, SheetTable
from .unitext import shown

#: Status columns written on the response tab (created at the end when missing).
STATUS_COLUMNS: tuple[str, ...] = (
    "No. Agenda",
    "Tahap",
    "Posisi",
    "Batas Waktu",
    "Diteruskan ke (usulan)",
    "Kelengkapan",
    "Dokumen",
    "Diperbarui",
)

BUKU_AGENDA_TAB = "Buku Agenda"
BUKU_AGENDA_COLUMNS: tuple[str, ...] = (
    "No.",
    "Tgl Terima",
    "No. Agenda",
    "Pengirim",
    "Tgl & No. Surat",
    "Isi Ringkas",
    "Diteruskan ke",
    "Ket.",
)

#: outgoing letters (cycle/surat_keluar.py): one row per approved surat balasan
BUKU_SURAT_KELUAR_TAB = "Buku Surat Keluar"
BUKU_SURAT_KELUAR_COLUMNS: tuple[str, ...] = (
    "No.", "Tanggal", "Nomor Surat", "Kepada", "Perihal", "No. Agenda", "Penandatangan", "Lampiran",
)

RIWAYAT_TAB = "Riwayat"
RIWAYAT_COLUMNS: tuple[str, ...] = (
    "ID",
    "Waktu",
    "No. Agenda",
    "Peristiwa",
    "Dari Tahap",
    "Ke Tahap",
    "Oleh",
    "Saluran",
    "Catatan",
)


def header_key(title: object) -> str:
    """Normalised header title for matching: case, spaces and punctuation ignored."""
    text = str(title or "").casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


#: the most text one cell holds in both backends (Excel: 32,767 characters; Sheets: 50,000 —
#: Google refuses the whole write-back with a 400 when one cell is longer)
CELL_MAX = 32767
#: what a cut cell ends with, so staff know the rest is in the documents
CUT_MARKER = "… [dipotong, lihat dokumen]"


def fit_cell(value: object) -> object:
    """A value as a cell can hold it: longer text is cut (ending in :data:`CUT_MARKER`) so
    the sheet and the plan agree and the cell is not rewritten every cycle."""
    if not isinstance(value, str):
        return value
    value = shown(value)  # no bidi/control characters: the sheet shows what the paper prints
    if len(value) > CELL_MAX:
        return value[: CELL_MAX - len(CUT_MARKER)] + CUT_MARKER
    return value


def cell_text(value: object) -> str:
    """How a cell compares: None and '' are equal; numbers compare by their text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class TablePlan:
    """What to write on one tab: a new header (when columns were added) and cells."""

    tab: str
    header: list[str]
    header_changed: bool = False
    updates: list[CellUpdate] = field(default_factory=list)
    appended_rows: int = 0

    @property
    def empty(self) -> bool:
        return not self.header_changed and not self.updates


def locate_columns(header: Sequence[object], wanted: Iterable[str]) -> tuple[list[str], dict[str, int], bool]:
    """Find each wanted column by normalised title; append the missing ones at the end."""
    new_header = [cell_text(h) for h in header]
    index = {header_key(h): i for i, h in reversed(list(enumerate(new_header))) if header_key(h)}
    positions: dict[str, int] = {}
    changed = False
    for title in wanted:
        k = header_key(title)
        if k in index:
            positions[title] = index[k]
        else:
            new_header.append(title)
            positions[title] = len(new_header) - 1
            index[k] = positions[title]
            changed = True
    return new_header, positions, changed


# --- fingerprints of a tab ------------------------------------------------------------
#
# A 100,000-row register read in full held every cell of every tab (~300 MB). The planners
# only ever ask "does this cell already say that?", so a tab is kept as one fingerprint
# per cell of the planned columns (Python's 64-bit string hash of the cell's text, packed
# into bytes: 8 bytes a cell), computed while the rows stream in. Both sides are hashed in
# the same process, so a per-process hash seed is fine; two different texts share a hash
# with probability 2⁻⁶⁴, i.e. never.


def cell_hash(value: object) -> int:
    """The fingerprint of a cell's text as :func:`cell_text` compares it."""
    return hash(cell_text(value))


_EMPTY_HASH = cell_hash("")
_packers: dict[int, struct.Struct] = {}


def _packer(n: int) -> struct.Struct:
    if n not in _packers:
        _packers[n] = struct.Struct(f"<{n}q")
    return _packers[n]


@dataclass
class DigestTable:
    """A tab as the planners need it, made by :class:`DigestReader` while it is read:
    the header, for each data row the fingerprints of the *columns* (in that order), the
    first data row of each key, later rows repeating a key, and the raw cells of the
    *kept* columns of each key's first row (the Kendali sheet's editable cells)."""

    title: str
    columns: tuple[str, ...]
    key_column: str | None = None
    kept_columns: tuple[str, ...] = ()
    header: list[str] = field(default_factory=list)
    digests: bytearray = field(default_factory=bytearray)  # 8 bytes per column per row, rows end to end
    row_of: dict[str, int] = field(default_factory=dict)
    duplicates: list[tuple[int, str, tuple[int, ...]]] = field(default_factory=list)  # row, key, non-empty columns
    kept: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    last_nonempty: int = -1
    #: the operator columns as read (sheet column → data cells, trailing empty ones left
    #: out, as Google sends a column), for the next tail read to judge only what changed
    seen_columns: dict[int, list[Any]] | None = None

    @property
    def stride(self) -> int:
        return 8 * len(self.columns)

    @property
    def row_count(self) -> int:
        return len(self.digests) // self.stride if self.columns else 0

    def digest(self, r: int) -> bytes | None:
        """The fingerprints of data row *r* (None beyond the last row read)."""
        n = self.stride
        return bytes(self.digests[r * n : (r + 1) * n]) if r < self.row_count else None

    def has_column(self, title: str) -> bool:
        k = header_key(title)
        return any(header_key(h) == k for h in self.header)

    def rows_to_judge(self) -> Iterable[tuple[str, int]]:
        """(key, row) of each key's first row, in row order — those whose operator cells may
        have changed since the last read (:class:`ColumnTable`); here every one."""
        return self.row_of.items()

    def keys_to_judge(self) -> list[str] | None:
        """The keys of :meth:`rows_to_judge`, or None when that is every key."""
        return None


#: a cell a read did not fetch (a tail read fetches some columns only, tailread): text no
#: cell holds (Sheets keeps no NUL), so its fingerprint matches nothing planned and a
#: planned row there is written whole
UNREAD = "\x00belum dibaca"


class _ColumnKept(Mapping[int, tuple[Any, ...]]):
    """The kept cells of each key's first row, taken from the columns when asked."""

    def __init__(self, table: ColumnTable) -> None:
        self._t = table

    def __getitem__(self, r: int) -> tuple[Any, ...]:
        t = self._t
        if r >= t.row_count or t.key_of(r) is None or t.row_of.get(t.key_of(r) or "") != r:
            raise KeyError(r)
        return tuple(t.cell(r, i) for i in t.kept_pos)

    def __iter__(self) -> Iterator[int]:
        return iter(self._t.row_of.values())

    def __len__(self) -> int:
        return len(self._t.row_of)


class ColumnTable(DigestTable):
    """A :class:`DigestTable` over a tab read as some of its columns (a tail read reads
    the key and operator columns only, tailread): *cols* maps a sheet column (0-based) to
    its data cells, top to bottom, as Google sent them (trailing empty cells left out).
    Nothing is computed per row up front: a row's fingerprints (the unread columns
    :data:`UNREAD`) and kept cells are made when a planner asks for that row, so a plan
    that touches ten rows of 100,000 costs ten rows. *changed*: the data rows that may
    differ from the last read (None: any row may)."""

    def __init__(self, title: str, columns: Sequence[str], key_column: str, kept_columns: Sequence[str],
                 header: Sequence[object], cols: Mapping[int, list[Any]],
                 changed: Collection[int] | None = None) -> None:
        super().__init__(title, tuple(columns), key_column, tuple(kept_columns))
        self.header = [cell_text(h) for h in header]
        _, pos, _ = locate_columns(self.header, self.columns)
        self.cols = dict(cols)
        self.pos = [pos[c] for c in self.columns]
        self.kept_pos = [pos[c] for c in self.kept_columns]
        self.n_rows = max((len(c) for c in self.cols.values()), default=0)
        self.last_nonempty = self.n_rows - 1  # as a row read with unread cells: never empty
        self.changed = None if changed is None else frozenset(changed)
        self.unchanged = False  # every cell as the columns kept from the last read (tailread.SeenColumns)
        keys = self.cols.get(pos[key_column], [])
        self._keys = keys if set(map(type, keys)) <= {str} else [cell_text(k) for k in keys]
        # the first row of each key (later rows overwritten by earlier ones), at C speed
        row_of = dict(zip(reversed(self._keys), range(len(self._keys) - 1, -1, -1)))
        row_of.pop("", None)
        self.row_of = dict(sorted(row_of.items(), key=lambda kv: kv[1])) if self.changed is None else row_of
        if len(row_of) != len(self._keys) - self._keys.count(""):  # rows repeating a key (rare)
            for r, k in enumerate(self._keys):
                if k and row_of[k] != r:
                    filled = tuple(j for j, i in enumerate(self.pos) if cell_text(self.cell(r, i)) != "")
                    self.duplicates.append((r, k, filled))
        self.kept = _ColumnKept(self)  # type: ignore[assignment]
        self.seen_columns = self.cols

    def cell(self, r: int, c: int) -> Any:
        col = self.cols.get(c)
        if col is None:
            return UNREAD
        return col[r] if r < len(col) else None

    def key_of(self, r: int) -> str | None:
        return (self._keys[r] or None) if r < len(self._keys) else None

    @property
    def row_count(self) -> int:
        return self.n_rows

    def digest(self, r: int) -> bytes | None:
        if r >= self.n_rows:
            return None
        return _packer(len(self.columns)).pack(*[cell_hash(self.cell(r, i)) for i in self.pos])

    def rows_to_judge(self) -> Iterable[tuple[str, int]]:
        """(key, row) of each key's first row that may have changed since the last read,
        in row order."""
        if self.changed is None:
            return self.row_of.items()
        return [(k, r) for r in sorted(self.changed) if (k := self.key_of(r)) and self.row_of[k] == r]

    def keys_to_judge(self) -> list[str] | None:
        return None if self.changed is None else [k for k, _ in self.rows_to_judge()]


class DigestReader:
    """Turns a tab, row by row, into a :class:`DigestTable` (see backends.base.TabReader)."""

    def __init__(self, title: str, columns: Sequence[str], key_column: str | None = None,
                 keep: Sequence[str] = (), watch: tuple[str, Callable[[str], None]] | None = None) -> None:
        self.table = DigestTable(title, tuple(columns), key_column, tuple(keep))
        self._shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._rows = 0
        #: (column, callback): each non-empty text of that column is passed on as it is read
        self._watch = watch
        self._tap_titles: frozenset[str] = frozenset()
        self._tap: list[tuple[int, list[Any]]] = []
        self.header([])

    @property
    def watch(self) -> tuple[str, Callable[[str], None]] | None:
        return self._watch

    def tap(self, titles: Sequence[str]) -> None:
        """Also keep the cells of the columns titled *titles* (every column so titled), as
        the table's ``seen_columns``."""
        self._tap_titles = frozenset(header_key(t) for t in titles)

    def header(self, header: Sequence[object]) -> None:
        t = self.table
        t.header = [cell_text(h) for h in header]
        _, pos, _ = locate_columns(t.header, t.columns)
        self._idx = [pos[c] for c in t.columns]
        self._kc = pos[t.key_column] if t.key_column else None
        self._keep = [pos[c] for c in t.kept_columns]
        self._pack = _packer(len(t.columns)).pack
        self._wc = pos.get(self._watch[0]) if self._watch else None
        if self._tap_titles:
            self._tap = [(i, []) for i, h in enumerate(t.header) if header_key(h) in self._tap_titles]

    def skip(self, n: int) -> None:
        """*n* rows not read (those above a tail read, tailread): fingerprints of empty rows,
        which a plan after a tail read never compares."""
        if n > 0:
            self.table.digests += self._pack(*[_EMPTY_HASH] * len(self.table.columns)) * n
            self._rows += n

    def row(self, row: Sequence[object]) -> None:
        t = self.table
        r = self._rows
        self._rows += 1
        n = len(row)
        t.digests += self._pack(*[hash(cell_text(row[i])) if i < n else _EMPTY_HASH for i in self._idx])
        if any(v is not None and v != "" for v in row):
            t.last_nonempty = r
        for i, cells in self._tap:
            cells.append(row[i] if i < n else "")
        if self._wc is not None and self._wc < n and self._watch is not None:
            watched = cell_text(row[self._wc])
            if watched:
                self._watch[1](watched)
        if self._kc is None:
            return
        k = cell_text(row[self._kc]) if self._kc < n else ""
        if not k:
            return
        if k not in t.row_of:
            t.row_of[k] = r
            if self._keep:
                kept = tuple(row[i] if i < n else None for i in self._keep)
                t.kept[r] = self._shared.setdefault(kept, kept)  # most rows say the same
        else:
            filled = tuple(j for j, i in enumerate(self._idx) if i < n and cell_text(row[i]) != "")
            t.duplicates.append((r, k, filled))

    def result(self) -> DigestTable:
        if self._tap:
            self.table.seen_columns = {i: _trimmed(cells) for i, cells in self._tap}
        return self.table


def _trimmed(cells: list[Any]) -> list[Any]:
    """A column as Google sends it: its trailing empty cells left out."""
    n = len(cells)
    while n and (cells[n - 1] == "" or cells[n - 1] is None):
        n -= 1
    del cells[n:]
    return cells


def digest_table(table: SheetTable, columns: Sequence[str], key_column: str | None = None,
                 keep: Sequence[str] = ()) -> DigestTable:
    """A full :class:`SheetTable` as a :class:`DigestTable` (tests, small tabs)."""
    reader = DigestReader(table.title, columns, key_column, keep)
    reader.header(table.header)
    for row in table.rows:
        reader.row(row)
    return reader.result()


class TableDiff:
    """Compares what a tab should hold with its :class:`DigestTable`, one desired row at a
    time, and collects the cells that differ as a :class:`TablePlan`.

    Keyed (a register tab, *key_column* given): rows are found by their key wherever staff
    moved them; missing rows are appended after the last non-empty row; a later row
    repeating a key the ledger owns (e.g. a timed-out write Google applied late, over a
    row appended since) is cleared. Rows the ledger does not know are left alone.
    Unkeyed (the response tab's status columns): rows are addressed by data-row index."""

    def __init__(self, table: DigestTable | None, tab: str, columns: Sequence[str],
                 key_column: str | None = None) -> None:
        self.columns = tuple(columns)
        if table is None:
            table = DigestTable(tab, self.columns, key_column)
        if table.columns != self.columns or table.key_column != key_column:
            raise ValueError(f"{tab}: read with columns {table.columns}, planned with {self.columns}")
        self.table = table
        self.key_column = key_column
        header, pos, changed = locate_columns(table.header, self.columns)
        self._pos = [pos[c] for c in self.columns]
        self._index = {c: j for j, c in enumerate(self.columns)}
        self._pack = _packer(len(self.columns))
        self._empty = self._pack.pack(*[_EMPTY_HASH] * len(self.columns))
        old = table.header
        if key_column is None:
            self.plan = TablePlan(tab, header, changed)
            if changed:
                self.plan.updates.extend(CellUpdate(tab, 0, c, header[c]) for c in range(len(old), len(header)))
        else:
            self.plan = TablePlan(tab, header, changed or not old)
            if self.plan.header_changed:
                self.plan.updates.extend(
                    CellUpdate(tab, 0, c, header[c])
                    for c in range(len(header))
                    if c >= len(old) or cell_text(old[c]) != header[c]
                )
        self._next_row = table.last_nonempty + 1
        self._dup_keys = {k for _, k, _ in table.duplicates}
        self._owned: set[str] = set()

    @property
    def next_row(self) -> int:
        """The data row the next appended row goes to."""
        return self._next_row

    def compare(self, values: Mapping[str, object], keep: Collection[str] = ()) -> None:
        """A register row (keyed diff): {column title: value}, the key column included.
        *keep*: columns left as the sheet shows them when the row is there already."""
        k = cell_text(values[self.key_column])  # type: ignore[index]
        if k in self._dup_keys:
            self._owned.add(k)
        r = self.table.row_of.get(k)
        if r is not None:
            self.compare_row(r, {t: v for t, v in values.items() if t not in keep} if keep else values)
            return
        r = self._next_row
        self._next_row += 1
        self.plan.appended_rows += 1
        for title, value in values.items():
            if cell_text(value) != "":
                self.plan.updates.append(CellUpdate(self.plan.tab, r + 1, self._pos[self._index[title]], fit_cell(value)))

    def compare_row(self, r: int, values: Mapping[str, object]) -> None:
        """The cells *values* ({column title: value}, any subset) for data row *r*."""
        stored = self.table.digest(r) or self._empty
        cells = [fit_cell(v) for v in values.values()]
        hashes = [hash(cell_text(v)) for v in cells]
        if len(hashes) == len(self.columns) and tuple(values) == self.columns:
            if self._pack.pack(*hashes) == stored:  # the usual case: the row already says it all
                return
            js: Iterable[int] = range(len(self.columns))
        else:
            js = [self._index[t] for t in values]
        have = self._pack.unpack(stored)
        for j, h, value in zip(js, hashes, cells):
            if have[j] != h:
                self.plan.updates.append(CellUpdate(self.plan.tab, r + 1, self._pos[j], value))

    def result(self) -> TablePlan:
        for r, k, filled in self.table.duplicates:
            if k in self._owned:
                self.plan.updates.extend(CellUpdate(self.plan.tab, r + 1, self._pos[j], "") for j in filled)
        return self.plan


def plan_status(
    table: SheetTable | DigestTable,
    desired: Mapping[int, Mapping[str, object]] | Iterable[tuple[int, Mapping[str, object]]],
    columns: Sequence[str] = STATUS_COLUMNS,
) -> TablePlan:
    """Status cells for response rows. ``desired`` maps a 0-based data-row index (as read
    this cycle) to {column title: value}, or yields such pairs."""
    if isinstance(table, SheetTable):
        table = digest_table(table, columns)
    diff = TableDiff(table, table.title, columns)
    for r, values in (desired.items() if isinstance(desired, Mapping) else desired):
        diff.compare_row(r, values)
    return diff.result()


def plan_keyed_table(
    table: SheetTable | DigestTable | None,
    tab: str,
    columns: Sequence[str],
    key_column: str,
    desired_rows: Iterable[Mapping[str, object]],
) -> TablePlan:
    """A register tab (Buku Agenda, Riwayat): one row per key (see :class:`TableDiff`)."""
    if isinstance(table, SheetTable):
        table = digest_table(table, columns, key_column)
    diff = TableDiff(table, tab, columns, key_column)
    for values in desired_rows:
        diff.compare(values)
    return diff.result()


def a1_column(col: int) -> str:
    """0-based column index to A1 letters (0 → A, 26 → AA)."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
