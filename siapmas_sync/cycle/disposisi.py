"""The filled Lembar Disposisi's content, from what the ledger recorded.

Pure: an item + its events (ledger records) in, a :class:`DisposisiRecord` out.

* **Paraf grid** — the row of an official (Kasubag TU, Kabag, Sekretaris DPRD, Ketua DPRD)
  comes from the latest forward *entry* into their stage (PARAF KASUBAG TU … DISPOSISI
  KETUA): choosing "PARAF KABAG" records the Kabag's paraf. The row shows who (the
  event's actor), when (date and time, in full) and their instruction (the event's
  note). After a return (DIKEMBALIKAN), the newer paraf counts. A Plh./Plt. (recorded
  as "Nama (Plh. Ketua DPRD)", workflow/roles.py) prints "Plh." before the jabatan.
* **Ticks** — exactly the recorded *Diteruskan kepada* (several AKD) and *Dengan hormat
  harap* choices (``items.disposisi``); nothing is ticked by default.
* **Catatan** — the officials' notes of the signing steps without a paraf row (reading
  the Ketua's disposition back, recording and distributing it), one line each:
  ``dd/mm/yyyy HH.MM · who · stage: note``. Corrections and internal notes — a return
  (DIKEMBALIKAN: "Salah catat…"), a Catatan typed without a move, a refused edit, a
  changed disposition's reason — and the AKD's later follow-up stay in Riwayat: the sheet
  is the record of what was signed, so a later note never makes a new version of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo

from ..core import recorded
from ..ledger import EventRecord, ItemRecord
from ..core.models import DisposisiRecord
from ..core.workflow import Workflow

#: stage code → the paraf grid's row
PARAF_ROWS: dict[int, str] = {2: "Kasubag TU", 3: "Kabag", 4: "Sekretaris DPRD", 5: "Ketua DPRD"}
#: stage codes whose entry is signed on the sheet but has no paraf row: its note is a Catatan
CATATAN_CODES: tuple[int, ...] = (6, 7)  # DISPOSISI DIBACAKAN, DICATAT & DIDISTRIBUSIKAN
DISTRIBUTION_CODE = 7
_PLH = re.compile(r"\((Pl[ht]\.) [^()]*\)\s*$")  # "Nama (Plh. Ketua DPRD)"


def stamp(at: datetime, tz: tzinfo) -> str:
    """'01/12/2026 05.30 WIB' — date and time in full."""
    return at.astimezone(tz).strftime("%d/%m/%Y %H.%M") + " WIB"


def paraf_from_events(events: Sequence[EventRecord], wf: Workflow, tz: tzinfo) -> tuple[tuple[str, str, str, str], ...]:
    """(jabatan, tanggal, instruksi, oleh) per official who initialled, in grid order."""
    found: dict[str, tuple[str, str, str, str]] = {}
    for ev in events:
        # a stage resumed by the reporter's kelengkapan (channel "formulir") is nobody's paraf
        stage = wf.find(ev.to_stage) if ev.to_stage else None  # by code: a label renamed since keeps its row
        if stage is not None and stage.code in PARAF_ROWS and ev.from_stage != ev.to_stage \
                and ev.event not in ("DIKEMBALIKAN", "PERUBAHAN DITOLAK") and ev.channel != "formulir":
            name = PARAF_ROWS[stage.code]
            plh = _PLH.search(ev.actor or "")  # "Nama (Plh. Ketua DPRD)": the row says "Plh. Ketua DPRD"
            found[name] = ((f"{plh.group(1)} {name}" if plh else name), stamp(ev.at, tz), ev.note or "", ev.actor or "")
    return tuple(found[n] for n in PARAF_ROWS.values() if n in found)


def catatan_lines(events: Sequence[EventRecord], wf: Workflow, tz: tzinfo) -> list[str]:
    """Notes not shown in the paraf grid, one readable line each (oldest first)."""
    latest: dict[int | str, str] = {}  # as in the paraf grid, the newer signature of a step counts
    for ev in events:
        if ev.channel == "formulir" or ev.from_stage == ev.to_stage or ev.event == "DIKEMBALIKAN":
            continue
        stage = wf.find(ev.to_stage) if ev.to_stage else None
        if stage is None or stage.code not in CATATAN_CODES:
            continue  # a paraf row's instruction, an exit, the follow-up: not a Catatan
        latest.pop(stage.code, None)
        if ev.note:
            latest[stage.code] = f"{stamp(ev.at, tz)} · {ev.actor} · {stage.label}: {' '.join(ev.note.split())}"
    return list(latest.values())


def build_record(row: ItemRecord, events: Sequence[EventRecord], wf: Workflow, tz: tzinfo) -> DisposisiRecord:
    """The filled form of one item (*row*: its ledger record; *events*: its history)."""
    data = row.disposisi
    signed = distributions(events, wf)
    return DisposisiRecord(
        diteruskan_kepada=recorded.kepada_of(row),
        harap=tuple(data.get("harap") or ()),
        catatan="\n".join(catatan_lines(events, wf, tz)),
        paraf=paraf_from_events(events, wf, tz),
        versi=max(len(signed), 1),
        menggantikan=stamp(signed[-2].at, tz) if len(signed) > 1 else "",
    )


def distributions(events: Sequence[EventRecord], wf: Workflow) -> list[EventRecord]:
    """The forward entries into DICATAT & DIDISTRIBUSIKAN: each is one signed version of
    the filled form (a return and a new distribution make the next version)."""
    out = []
    for ev in events:
        stage = wf.find(ev.to_stage) if ev.to_stage else None
        if stage is not None and stage.code == DISTRIBUTION_CODE and ev.from_stage != ev.to_stage \
                and ev.event != "DIKEMBALIKAN":
            out.append(ev)
    return out
