"""The public table as plain data: one :class:`PublicRow` per numbered aduan, built from
ledger columns that carry no personal data, and its fingerprint (regenerate only when a
figure changed)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from typing import Any

from ..ledger import from_iso
from ..writeback import format_wib

#: the columns of the CSV, the page and the public spreadsheet (Indonesian, as shown)
PUBLIC_COLUMNS = ("No. Agenda", "Tanggal Diterima", "Tahap", "Ditangani oleh", "Pembaruan Terakhir")
#: the only ledger columns read (``received_at`` comes with them, see Ledger.iter_items)
LEDGER_COLUMNS = ("key", "agenda_no", "tahap", "diteruskan_ke", "stage_entered_at", "rahasia")
NOT_YET = "-"  # no AKD decided yet (a routing suggestion is never shown)
#: bump when the page or CSV layout changes, so every deployment regenerates once
LAYOUT_VERSION = "2"  # 2: a rahasia item's AKD hidden


@dataclass(frozen=True)
class PublicRow:
    agenda_no: str
    year: int
    seq: int
    diterima: str  # dd/mm/yyyy HH.MM (office time zone)
    tahap: str  # the stage label, side exits (PERLU KELENGKAPAN, DITOLAK…) included
    ditangani: str  # the decided AKD (items.diteruskan_ke) or "-"
    diperbarui: str  # dd/mm/yyyy HH.MM

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.agenda_no, self.diterima, self.tahap, self.ditangani, self.diperbarui)


def _when(text: str, tz: Any) -> str:
    return format_wib(from_iso(text), tz)


def public_row(row: Any, tz: Any, changed_at: str | None = None) -> PublicRow:
    """One ledger row (agenda_no, year, seq, tahap, diteruskan_ke, stage_entered_at,
    received_at). *changed_at*: when a shown figure last changed (a stage move or the AKD
    decided, see :func:`public_changes`); the stage's start otherwise. Other edits (sifat,
    rahasia, notes) are not public and do not move it."""
    return PublicRow(
        agenda_no=row.agenda_no,
        year=int(row.year),
        seq=int(row.seq),
        diterima=_when(row.received_at, tz),
        tahap=row.tahap,
        # a rahasia item's AKD (Badan Kehormatan…) would tell the public what it is about
        ditangani=NOT_YET if getattr(row, "rahasia", False) else ((row.diteruskan_ke or "").strip() or NOT_YET),
        diperbarui=_when(max(changed_at or "", row.stage_entered_at), tz),
    )


def public_rows(ledger_rows: Iterable[Any], tz: Any, changes: Mapping[str, str] | None = None) -> list[PublicRow]:
    changes = changes or {}
    return [public_row(r, tz, changes.get(r.key)) for r in ledger_rows]


def fingerprint(rows: Iterable[PublicRow], *extra: str) -> str:
    """A digest of every figure shown (and of *extra*: the page's title…)."""
    h = hashlib.sha256(LAYOUT_VERSION.encode())
    for e in extra:
        h.update(b"\x00" + e.encode("utf-8"))
    for r in rows:
        h.update(b"\x01" + json.dumps(astuple(r), ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()
