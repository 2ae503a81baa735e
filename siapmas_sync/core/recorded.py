"""What officials record beyond the stage: who acted (*Oleh*), the Ketua's choices on the
Lembar Disposisi (*Diteruskan kepada* — several AKD allowed — and *Dengan hormat harap*),
and the AKD's follow-up report (*Laporan* + optional *Lampiran* link).

Pure functions over plain data. The choices are stored as JSON in ``items.disposisi``
(:func:`load` / :func:`dump`); the person is the ``actor`` of each event. Unknown values
raise :class:`TransitionError` naming the allowed ones, so the CLI shows GALAT/Saran and
the Kendali sheet answers in *Pesan*.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import TransitionError
from .workflow import AKD_LIST, normalise_akd

#: the "Dengan hormat harap" checklist printed on the Lembar Disposisi (DESIGN.md)
HARAP_CHOICES: tuple[str, ...] = (
    "Tanggapan dan saran", "Proses lebih lanjut", "Koordinasi/konfirmasikan",
    "Untuk ditindaklanjuti", "Untuk diketahui", "Dijadwalkan RDP", "Diarsipkan",
)

#: main-stage codes whose entry is an official's paraf or disposition: the step must be
#: attributed to a named person (PARAF KASUBAG TU … DISPOSISI DIBACAKAN)
PARAF_CODES: tuple[int, ...] = (2, 3, 4, 5, 6)

_SPLIT = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class Pejabat:
    """An official or staff member named in configuration (``[[pejabat]]``)."""

    nama: str
    jabatan: str = ""
    akd: str = ""  # the AKD they belong to ("" = the one their jabatan names)
    nip: str = ""
    plh: str = ""  # the jabatan they hold as Plh./Plt. between plh_dari and plh_sampai
    plh_dari: date | None = None
    plh_sampai: date | None = None
    plh_sebutan: str = "Plh."
    email: str = ""

    @property
    def label(self) -> str:
        """How the person is shown (Kendali dropdown, Riwayat, documents)."""
        return f"{self.nama} ({self.jabatan})" if self.jabatan else self.nama


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def resolve_person(text: str, people: Sequence[Pejabat]) -> str:
    """The configured person *text* names (by name or by the dropdown label), as its label.

    With no people configured any non-empty text is accepted as typed."""
    found = find_person(text, people)
    return found.label if isinstance(found, Pejabat) else found


def find_person(text: str, people: Sequence[Pejabat]) -> Pejabat | str:
    """The configured person *text* names (name, dropdown label, or a recorded
    "Nama (Plh. Jabatan)"); with no people configured the text itself."""
    t = " ".join(str(text or "").split())
    if not t:
        raise TransitionError("Nama yang mencatat (Oleh) kosong.",
                              "Pilih nama pejabat/staf yang memberi paraf atau disposisi.")
    if not people:
        return t
    for p in people:
        if _key(t) in (_key(p.nama), _key(p.label)) or (
                p.plh and _key(t) == _key(f"{p.nama} ({p.plh_sebutan} {p.plh})")):
            return p
    raise TransitionError(
        f"'{t}' tidak ada dalam daftar pejabat/staf.",
        "Pilih salah satu: " + "; ".join(p.label for p in people) + " (atau tambahkan di [[pejabat]] konfigurasi).",
    )


def split_list(value: str | Iterable[str] | None) -> list[str]:
    """A comma/semicolon/newline list (a cell) or repeated options as clean items."""
    if value is None:
        return []
    parts = _SPLIT.split(value) if isinstance(value, str) else [p for v in value for p in _SPLIT.split(str(v))]
    return [" ".join(p.split()) for p in parts if p.strip()]


def parse_kepada(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Canonical AKD names, in the order given, duplicates dropped (each checked against
    the AKD list)."""
    out: list[str] = []
    for part in split_list(value):
        try:
            name = normalise_akd(part)
        except TransitionError:
            raise TransitionError(
                f"Alat Kelengkapan DPRD '{part}' tidak dikenal.",
                "Pilih dari: " + ", ".join(AKD_LIST) + " (beberapa dipisah koma).",
            ) from None
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_harap(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Canonical "Dengan hormat harap" choices (case-insensitive; "rdp", "diketahui"…)."""
    out: list[str] = []
    for part in split_list(value):
        k = _key(part)
        found = next((h for h in HARAP_CHOICES if _key(h) == k), None)
        if found is None:
            found = next((h for h in HARAP_CHOICES if k and k in _key(h)), None)
        if found is None:
            raise TransitionError(
                f"Pilihan 'Dengan hormat harap' '{part}' tidak dikenal.",
                "Pilih dari: " + ", ".join(HARAP_CHOICES) + " (beberapa dipisah koma).",
            )
        if found not in out:
            out.append(found)
    return tuple(out)


def load(text: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """``items.disposisi`` as a dict (empty for old rows); a record's already decoded
    mapping as it is."""
    if isinstance(text, Mapping):
        return dict(text)
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def kepada_of(row: Any) -> tuple[str, ...]:
    """The recorded receiving AKD of an item row (several), else its single AKD."""
    data = load(getattr(row, "disposisi", None))
    kepada = tuple(data.get("kepada") or ())
    if kepada:
        return kepada
    return (row.diteruskan_ke,) if getattr(row, "diteruskan_ke", None) else ()
