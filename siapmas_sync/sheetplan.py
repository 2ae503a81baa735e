"""Pure planning of spreadsheet writes: compare what a tab holds with what the ledger says
it should hold, and return only the cells that differ.

Both backends (local workbook and Google Sheets) apply the same plan, so a cycle with no
change writes nothing, and a cycle with changes writes them in one batch whatever the
number of rows. Columns are located by header title on every call — staff insert, move
and rename columns — and rows by a key column, never by position remembered from an
earlier cycle.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import CellUpdate, SheetTable

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


#: the most text one cell holds in both backends (Excel: 32,767 characters; Sheets: 50,000)
CELL_MAX = 32767


def fit_cell(value: object) -> object:
    """A value as a cell can hold it: longer text is cut (with "…") so the sheet and the
    plan agree and the cell is not rewritten every cycle."""
    if isinstance(value, str) and len(value) > CELL_MAX:
        return value[: CELL_MAX - 1] + "…"
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


def only_columns(table: SheetTable, columns: Sequence[str] = STATUS_COLUMNS) -> SheetTable:
    """*table* with every cell outside *columns* dropped (None), header and row positions
    unchanged: what :func:`plan_status` needs once the rows are parsed. On a 100,000-row
    form it lets the chronologies go before the write-back instead of after it."""
    _, pos, _ = locate_columns(table.header, columns)
    keep = {c for c in pos.values() if c < len(table.header)}
    width = max(keep) + 1 if keep else 0
    rows = [tuple(row[c] if c in keep else None for c in range(min(width, len(row)))) for row in table.rows]
    return SheetTable(table.title, table.header, rows)


def plan_status(
    table: SheetTable,
    desired: Mapping[int, Mapping[str, object]] | Iterable[tuple[int, Mapping[str, object]]],
    columns: Sequence[str] = STATUS_COLUMNS,
) -> TablePlan:
    """Status cells for response rows. ``desired`` maps a 0-based data-row index (as read
    this cycle) to {column title: value}, or yields such pairs (compared one at a time)."""
    header, pos, changed = locate_columns(table.header, columns)
    plan = TablePlan(table.title, header, changed)
    if changed:
        plan.updates.extend(CellUpdate(table.title, 0, c, header[c]) for c in range(len(table.header), len(header)))
    pairs = sorted(desired.items()) if isinstance(desired, Mapping) else desired
    for r, values in pairs:
        row = table.rows[r] if r < len(table.rows) else []
        for title, value in values.items():
            c = pos[title]
            value = fit_cell(value)
            current = row[c] if c < len(row) else None
            if cell_text(current) != cell_text(value):
                plan.updates.append(CellUpdate(table.title, r + 1, c, value))
    return plan


def plan_keyed_table(
    table: SheetTable | None,
    tab: str,
    columns: Sequence[str],
    key_column: str,
    desired_rows: Iterable[Mapping[str, object]],
    keys: Collection[str] | None = None,
) -> TablePlan:
    """A register tab (Buku Agenda, Riwayat): one row per key. Rows are found by their key
    column wherever staff moved them; changed cells are rewritten; missing rows are
    appended after the last non-empty row. Rows the ledger does not know are left alone.

    *desired_rows* may be a generator when *keys* (the key of every desired row, as
    text) is given: the rows are then compared one at a time and never all held."""
    if keys is None:
        desired_rows = list(desired_rows)
        keys = {cell_text(v[key_column]) for v in desired_rows}
    if table is None:
        table = SheetTable(tab, [], [])
    header, pos, changed = locate_columns(table.header, columns)
    plan = TablePlan(tab, header, changed or not table.header)
    if plan.header_changed:
        plan.updates.extend(
            CellUpdate(tab, 0, c, header[c])
            for c in range(len(header))
            if c >= len(table.header) or cell_text(table.header[c]) != header[c]
        )
    kc = pos[key_column]
    row_of: dict[str, int] = {}
    wanted = keys if isinstance(keys, (set, frozenset)) else set(keys)
    for r, row in enumerate(table.rows):
        k = cell_text(row[kc]) if kc < len(row) else ""
        if k and k not in row_of:
            row_of[k] = r
        elif k and k in wanted:
            # a second row with a key the worker owns (e.g. a timed-out write that Google
            # applied late, over a row appended since): clear it, the first one is kept
            for title in columns:
                c = pos[title]
                if c < len(row) and cell_text(row[c]) != "":
                    plan.updates.append(CellUpdate(tab, r + 1, c, ""))
    next_row = _last_nonempty(table.rows) + 1
    for values in desired_rows:
        k = cell_text(values[key_column])
        if k in row_of:
            r = row_of[k]
            row = table.rows[r]
            for title, value in values.items():
                c = pos[title]
                value = fit_cell(value)
                current = row[c] if c < len(row) else None
                if cell_text(current) != cell_text(value):
                    plan.updates.append(CellUpdate(tab, r + 1, c, value))
        else:
            r = next_row
            next_row += 1
            plan.appended_rows += 1
            for title, value in values.items():
                if cell_text(value) != "":
                    plan.updates.append(CellUpdate(tab, r + 1, pos[title], fit_cell(value)))
    return plan


def _last_nonempty(rows: Sequence[Sequence[Any]]) -> int:
    for r in range(len(rows) - 1, -1, -1):
        if any(cell_text(v) != "" for v in rows[r]):
            return r
    return -1


def a1_column(col: int) -> str:
    """0-based column index to A1 letters (0 → A, 26 → AA)."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
