"""The public table as plain data: one :class:`PublicRow` per numbered aduan, built from
ledger columns that carry no personal data, and the digest of the settings every row
depends on (kept rows made under other settings are made again)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..ledger import from_iso
from ..cycle.writeback import format_wib

#: the columns of the CSV, the page and the public spreadsheet (Indonesian, as shown)
PUBLIC_COLUMNS = ("No. Agenda", "Tanggal Diterima", "Tahap", "Keterangan", "Ditangani oleh", "Pembaruan Terakhir")

#: what each stage means for the citizen, in plain words, by stage code (labels can be
#: renamed in configuration; the meaning stays with the step of the SOP)
KETERANGAN: dict[int | str, str] = {
    0: "Diterima sistem, menunggu nomor agenda.",
    1: "Sudah diberi nomor agenda; menunggu paraf Kasubag TU.",
    2: "Sudah diparaf Kasubag TU; menunggu paraf Kepala Bagian.",
    3: "Sudah diparaf Kepala Bagian; menunggu disposisi Sekretaris DPRD.",
    4: "Sudah didisposisi Sekretaris DPRD; menunggu disposisi Ketua DPRD.",
    5: "Sudah didisposisi Ketua DPRD; disposisi sedang dibacakan.",
    6: "Disposisi pimpinan sudah dibacakan; menunggu dicatat dan diteruskan ke alat kelengkapan DPRD.",
    7: "Sudah diteruskan ke alat kelengkapan DPRD; menunggu tindak lanjut.",
    8: "Sedang ditindaklanjuti oleh alat kelengkapan DPRD.",
    9: "Selesai; hasil tindak lanjut disampaikan kepada pelapor.",
    "kelengkapan": "Menunggu kelengkapan dari pelapor (lihat pesan yang kami kirim).",
    "ditolak": "Tidak dapat ditindaklanjuti; alasannya disampaikan kepada pelapor.",
    "dikembalikan": "Dikembalikan satu langkah untuk diperiksa ulang.",
}
#: the only ledger columns read (``received_at`` comes with them, see Ledger.iter_items)
LEDGER_COLUMNS = ("key", "agenda_no", "tahap", "diteruskan_ke", "stage_entered_at", "rahasia")
NOT_YET = "-"  # no AKD decided yet (a routing suggestion is never shown)
#: bump when the page or CSV layout changes, so every deployment regenerates once
LAYOUT_VERSION = "3"  # 2: Keterangan column and the timeline; 3: a rahasia item's AKD hidden


@dataclass(frozen=True)
class PublicRow:
    agenda_no: str
    year: int
    seq: int
    diterima: str  # dd/mm/yyyy HH.MM (office time zone)
    tahap: str  # the stage label, side exits (PERLU KELENGKAPAN, DITOLAK…) included
    ditangani: str  # the decided AKD (items.diteruskan_ke) or "-"
    diperbarui: str  # dd/mm/yyyy HH.MM
    keterangan: str = ""  # the stage in plain words (KETERANGAN)
    linimasa: tuple[tuple[str, str], ...] = ()  # (dd/mm/yyyy, stage label) of each public step, oldest first

    def cells(self) -> tuple[str, str, str, str, str, str]:
        return (self.agenda_no, self.diterima, self.tahap, self.keterangan, self.ditangani, self.diperbarui)


def _when(text: str, tz: Any) -> str:
    return format_wib(from_iso(text), tz)


def explain(wf: Any, label: str) -> str:
    """The plain-words meaning of a stage label ("" for a label no longer configured)."""
    stage = wf.find(label) if wf is not None else None
    return KETERANGAN.get(stage.code, "") if stage is not None else ""


def timeline(moves: Sequence[tuple[str, str]], tz: Any) -> tuple[tuple[str, str], ...]:
    """(dd/mm/yyyy, stage) of each stage an item entered, from its (at, to_stage) moves."""
    days = [from_iso(at).astimezone(tz) for at, _ in moves]  # as strftime("%d/%m/%Y"), a third of its cost
    return tuple((f"{d.day:02d}/{d.month:02d}/{d.year}", stage) for d, (_, stage) in zip(days, moves))


def public_row(row: Any, tz: Any, changed_at: str | None = None, *, wf: Any = None,
               moves: Sequence[tuple[str, str]] = ()) -> PublicRow:
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
        keterangan=explain(wf, row.tahap),
        linimasa=timeline(moves, tz),
    )


def public_rows(ledger_rows: Iterable[Any], tz: Any, changes: Mapping[str, str] | None = None, *, wf: Any = None,
                moves: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> list[PublicRow]:
    changes, moves = changes or {}, moves or {}
    return [public_row(r, tz, changes.get(r.key), wf=wf, moves=moves.get(r.key, ())) for r in ledger_rows]


def settings_digest(tz: Any, wf: Any) -> str:
    """What every row depends on besides the ledger — the layout, the office's time zone,
    the stages' labels and what each means — so kept rows made under other settings are
    made again (publik/cache.py)."""
    stages = [(s.label, str(s.code)) for s in wf.stages] if wf is not None else []
    text = json.dumps([LAYOUT_VERSION, getattr(tz, "key", None) or str(tz), stages,
                       sorted((str(k), v) for k, v in KETERANGAN.items())], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
