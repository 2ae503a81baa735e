"""The filled Lembar Disposisi's content, from what the ledger recorded.

Pure: item row + its events in, a :class:`DisposisiRecord` out.

* **Paraf grid** — the row of an official (Kasubag TU, Kabag, Sekretaris DPRD, Ketua DPRD)
  comes from the latest forward *entry* into their stage (PARAF KASUBAG TU … DISPOSISI
  KETUA): choosing "PARAF KABAG" records the Kabag's paraf. The row shows who (the
  event's actor), when (date and time, in full) and their instruction (the event's
  note). After a return (DIKEMBALIKAN), the newer paraf counts. A Plh./Plt. (recorded
  as "Nama (Plh. Ketua DPRD)", workflow/roles.py) prints "Plh." before the jabatan.
* **Ticks** — exactly the recorded *Diteruskan kepada* (several AKD) and *Dengan hormat
  harap* choices (``items.disposisi``); nothing is ticked by default.
* **Catatan** — every other note (Catatan typed without a move, notes of the other
  stages), one line each: ``dd/mm/yyyy HH.MM · who · stage: note``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from . import recorded
from .ledger import from_iso
from .models import DisposisiRecord
from .workflow import Workflow

#: stage code → the paraf grid's row
PARAF_ROWS: dict[int, str] = {2: "Kasubag TU", 3: "Kabag", 4: "Sekretaris DPRD", 5: "Ketua DPRD"}
_PLH = re.compile(r"\((Pl[ht]\.) [^()]*\)\s*$")
_NOT_NOTES = ("TERAGENDA", "DITERIMA", "PERUBAHAN DITOLAK", "DISPOSISI", "TUJUAN", "SIFAT",
              "KERAHASIAAN", "PERIHAL", "LAPORAN")


def stamp(at: str, tz: Any) -> str:
    """'01/12/2026 05.30 WIB' — date and time in full."""
    return from_iso(at).astimezone(tz).strftime("%d/%m/%Y %H.%M") + " WIB"


def paraf_from_events(events: Sequence[Any], wf: Workflow, tz: Any) -> tuple[tuple[str, str, str, str], ...]:
    """(jabatan, tanggal, instruksi, oleh) per official who initialled, in grid order."""
    labels = {wf.by_code(code).label: name for code, name in PARAF_ROWS.items()}
    found: dict[str, tuple[str, str, str, str]] = {}
    for ev in events:
        # a stage resumed by the reporter's kelengkapan (channel "formulir") is nobody's paraf
        if ev.to_stage in labels and ev.from_stage != ev.to_stage and ev.event not in ("DIKEMBALIKAN", "PERUBAHAN DITOLAK") \
                and ev.channel != "formulir":
            name = labels[ev.to_stage]
            plh = _PLH.search(ev.actor or "")  # "Nama (Plh. Ketua DPRD)": the row says "Plh. Ketua DPRD"
            found[name] = ((f"{plh.group(1)} {name}" if plh else name), stamp(ev.at, tz), ev.note or "", ev.actor or "")
    return tuple(found[n] for n in PARAF_ROWS.values() if n in found)


def catatan_lines(events: Sequence[Any], wf: Workflow, tz: Any) -> list[str]:
    """Notes not shown in the paraf grid, one readable line each (oldest first)."""
    grid = {wf.by_code(code).label for code in PARAF_ROWS}
    out = []
    for ev in events:
        if not ev.note or ev.channel == "formulir" or ev.event in _NOT_NOTES:
            continue
        if ev.to_stage in grid and ev.from_stage != ev.to_stage and ev.event != "DIKEMBALIKAN":
            continue  # shown as that official's instruction
        where = ev.to_stage if ev.from_stage == ev.to_stage else f"{ev.event}"
        out.append(f"{stamp(ev.at, tz)} · {ev.actor} · {where}: {' '.join(ev.note.split())}")
    return out


def build_record(row: Any, events: Sequence[Any], wf: Workflow, tz: Any) -> DisposisiRecord:
    """The filled form of one item (*row*: its ledger row; *events*: its history)."""
    data = recorded.load(getattr(row, "disposisi", None))
    return DisposisiRecord(
        diteruskan_kepada=recorded.kepada_of(row),
        harap=tuple(data.get("harap") or ()),
        catatan="\n".join(catatan_lines(events, wf, tz)),
        paraf=paraf_from_events(events, wf, tz),
    )
