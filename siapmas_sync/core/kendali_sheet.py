"""The ``Kendali`` control sheet: one row per agenda item, where operators record each
step of the SOP and officials see where everything is.

Pure functions only. An operator's edit is recognised by comparing an editable cell with
the value the worker last wrote there (kept in the ledger per item), never by comparing
with the ledger's current truth — so a stage changed through the CLI meanwhile is not
mistaken for an operator edit, and an operator edit is never silently overwritten: it is
either applied or answered in ``Pesan`` (and in the history) before the cell is restored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import SheetTable
from .sheetplan import DigestReader, DigestTable, cell_text, digest_table

KENDALI_TAB = "Kendali"

#: Columns in order. Editable ones are typed into by operators; the rest are computed.
KENDALI_COLUMNS: tuple[str, ...] = (
    "No. Agenda",
    "Tgl Terima",
    "Pelapor",
    "Perihal",
    "Usulan Tujuan",
    "Tahap",
    "Oleh",
    "Diteruskan ke",
    "Harap",
    "Sifat",
    "Rahasia",
    "Catatan",
    "Laporan",
    "Lampiran",
    "Pesan",
    "Posisi",
    "Batas Waktu",
    "Terlambat",
    "Umur (hari kerja)",
    "Diperbarui",
)
EDITABLE: tuple[str, ...] = (
    "Perihal", "Tahap", "Oleh", "Diteruskan ke", "Harap", "Sifat", "Rahasia", "Catatan", "Laporan", "Lampiran",
)
#: editable columns that are not a strict dropdown, so never protected on the sheet: typed
#: freely ("Diteruskan ke" and "Harap" take several values separated by commas, checked by
#: the worker), or "Oleh", a dropdown only when ``[[pejabat]]`` is configured.
FREE_TEXT: tuple[str, ...] = ("Perihal", "Oleh", "Diteruskan ke", "Harap", "Catatan", "Laporan", "Lampiran")
#: cells the worker empties after each accepted move (they describe one step)
PER_STEP: tuple[str, ...] = ("Oleh", "Catatan", "Laporan", "Lampiran")
COMPUTED: tuple[str, ...] = tuple(c for c in KENDALI_COLUMNS if c not in EDITABLE)
#: checkbox columns of the controlled tabs (Kendali's Rahasia, Pemberitahuan's Terkirim)
CHECKBOX_COLUMNS: tuple[str, ...] = ("Rahasia", "Terkirim")
SIFAT_CHOICES: tuple[str, ...] = ("Sangat Segera", "Segera", "Rahasia", "Biasa")

_TRUE = {"true", "ya", "y", "iya", "1", "x", "v", "✓", "✔", "☑", "☒", "benar", "yes"}
#: what an office suite may keep in a ticked checkbox cell: LibreOffice's formula text
#: ``=TRUE()``, Excel's ``=TRUE`` or ``=1``, a number 1 (or 1.0)
_FORMULA = re.compile(r"\A=\s*(.*?)\s*(?:\(\s*\))?\Z", re.S)


def truthy(value: object) -> bool:
    """A checkbox cell, read the same everywhere (Kendali's *Rahasia*, Pemberitahuan's
    *Terkirim*): Google gives True/False; LibreOffice keeps ``=TRUE()``, Excel ``1`` or
    ``TRUE``; people type YA, Ya, x, ✓ … Anything else (empty, FALSE, 0, Tidak) is unticked."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    text = cell_text(value).strip().casefold()
    m = _FORMULA.match(text)
    if m:
        text = m.group(1).strip()
    return text in _TRUE


def editable_text(column: str, value: object) -> str:
    """Canonical text of an editable cell for comparison."""
    if column == "Rahasia":
        return "TRUE" if truthy(value) else "FALSE"
    return " ".join(cell_text(value).split())


@dataclass
class KendaliEdit:
    """What an operator changed on one row since the worker last wrote it."""

    agenda_no: str
    row: int  # 0-based data row as read this cycle
    changes: dict[str, str] = field(default_factory=dict)  # column -> new canonical text
    values: dict[str, str] = field(default_factory=dict)  # all editable columns as read
    seen: dict[str, str] = field(default_factory=dict)  # the cells as the worker last wrote them


class StoredStates(Mapping[str, Mapping[str, str]]):
    """Agenda number → last written editable cells, decoded from the ledger's JSON only
    when that row is looked at (100,000 decoded dicts would be ~100 MB every cycle)."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self._raw = raw

    def __getitem__(self, agenda: str) -> Mapping[str, str]:
        return json.loads(self._raw[agenda])

    def __contains__(self, agenda: object) -> bool:
        return agenda in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def find_edits(table: DigestTable | SheetTable | None,
               last_written: Mapping[str, Mapping[str, str]]) -> list[KendaliEdit]:
    """Rows whose editable cells differ from what the worker last wrote.

    ``table``: the tab as read, a :class:`DigestTable` keeping the editable cells (see
    :func:`kendali_reader`) or a full :class:`SheetTable`. ``last_written`` maps agenda
    number → {column: canonical text}. Rows the worker never wrote (unknown agenda
    numbers) are ignored; duplicated rows count once (the first)."""
    if isinstance(table, SheetTable):
        table = digest_table(table, KENDALI_COLUMNS, "No. Agenda", EDITABLE)
    if table is None or not table.has_column("No. Agenda"):
        return []
    present = [(j, c) for j, c in enumerate(EDITABLE) if table.has_column(c)]
    edits = []
    for agenda, r in table.rows_to_judge():  # after a tail read: the rows changed since the last one
        if agenda not in last_written:
            continue
        cells = table.kept[r]
        values = {c: editable_text(c, cells[j]) for j, c in present}
        before = last_written[agenda]
        changes = {c: v for c, v in values.items() if v != before.get(c, v)}
        if changes:
            edits.append(KendaliEdit(agenda, r, changes, values, dict(before)))
    return edits  # in row order: row_of keeps the order rows were read in


def kendali_reader(title: str = KENDALI_TAB, watch: tuple[str, Callable[[str], None]] | None = None) -> DigestReader:
    """How a cycle reads the Kendali tab: fingerprints, plus the editable cells as typed."""
    return DigestReader(title, KENDALI_COLUMNS, "No. Agenda", EDITABLE, watch=watch)


def written_state(row: Mapping[str, Any]) -> dict[str, str]:
    """The canonical editable values of a Kendali row the worker is about to write."""
    return {c: editable_text(c, row.get(c)) for c in EDITABLE}


def validations(stage_labels: Sequence[str], people: Sequence[str] = ()) -> dict[str, list[str]]:
    """Dropdown lists for the editable columns (data validation on the sheet): stages,
    the configured officials and staff (*Oleh*), sifat. "Diteruskan ke" takes a comma
    list of AKD and is checked by the worker, not by a dropdown."""
    lists = {"Tahap": list(stage_labels), "Sifat": list(SIFAT_CHOICES)}
    if people:
        lists["Oleh"] = list(people)
    return lists
