"""The Lembar Disposisi's Word context: the three checklists (Sifat, *Diteruskan kepada*,
*Dengan hormat harap*) ticked exactly as recorded, the system's suggestion noted (never
ticked) while nothing is decided, and the paraf grid with who, when and the instruction.
The same option lists and matching as the PDF (documents/disposisi.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from siapmas_sync.documents.disposisi import DOTS, HARAP, PARAF, SIFAT, TUJUAN, _match
from siapmas_sync.core.models import AgendaItem, DisposisiRecord

from .text import box, line

__all__ = ["USULAN", "disposisi_context", "matched_sifat"]

USULAN = "(usulan sistem)"

# context keys of the printed checklists (same order as the PDF lists); an option added to
# the PDF lists later gets a key derived from its label
_KEYS = {
    "Sangat Segera": "sifat_sangat_segera", "Segera": "sifat_segera", "Rahasia": "sifat_rahasia",
    "Biasa": "sifat_biasa",
    "Kabag Umum & Keuangan": "kabag_umum", "Kabag Persidangan & PUU": "kabag_persidangan",
    "Komisi I": "komisi_i", "Komisi II": "komisi_ii", "Komisi III": "komisi_iii", "Komisi IV": "komisi_iv",
    "Bapemperda": "bapemperda", "Banggar": "banggar", "Badan Kehormatan": "badan_kehormatan",
    "Bamus": "bamus",
    "Tanggapan dan saran": "tanggapan_saran", "Proses lebih lanjut": "proses_lanjut",
    "Koordinasi/konfirmasikan": "koordinasi", "Untuk ditindaklanjuti": "ditindaklanjuti",
    "Untuk diketahui": "diketahui", "Dijadwalkan RDP": "rdp", "Diarsipkan": "diarsipkan",
    "Kasubag TU": "kasubag_tu", "Kabag": "kabag", "Sekretaris DPRD": "sekretaris_dprd",
    "Ketua DPRD": "ketua_dprd",
}


def _keys(options: Sequence[str], prefix: str = "") -> dict[str, str]:
    return {o: _KEYS.get(o) or prefix + "_".join(re.findall(r"[a-z0-9]+", o.lower())) for o in options}


_SIFAT_KEYS = _keys(SIFAT, "sifat_")
_TUJUAN_KEYS = _keys(TUJUAN)
_HARAP_KEYS = _keys(HARAP)
_PARAF_KEYS = _keys(PARAF)


def matched_sifat(item: AgendaItem) -> str | None:
    """The printed Sifat option the item's sifat is (None when none matches)."""
    return _match(item.sifat or "", SIFAT)


def disposisi_context(item: AgendaItem, rec: DisposisiRecord, free: Callable[[object], str]) -> dict[str, Any]:
    """``cek``, ``usulan``, ``usulan_catatan``, ``paraf`` and the recorded lists (*free*
    makes an official's text safe, with a hidden identity removed)."""
    chosen_sifat = matched_sifat(item)
    ticked_t = {m for e in rec.diteruskan_kepada if (m := _match(e, TUJUAN))}
    other_t = [line(e) for e in rec.diteruskan_kepada if not _match(e, TUJUAN) and line(e)]
    ticked_h = {m for e in rec.harap if (m := _match(e, HARAP))}
    other_h = [line(e) for e in rec.harap if not _match(e, HARAP) and line(e)]
    usulan = _match(item.routing.tujuan or "", TUJUAN) or _match(item.routing.label or "", TUJUAN)
    decided = bool(ticked_t or other_t)
    suggested = line(item.routing.label or item.routing.tujuan)

    cek: dict[str, str] = {}
    for opt, key in _SIFAT_KEYS.items():
        cek[key] = box(opt == chosen_sifat)
    for opt, key in _TUJUAN_KEYS.items():
        cek[key] = box(opt in ticked_t)
    cek["tujuan_lainnya"] = box(bool(other_t))
    for opt, key in _HARAP_KEYS.items():
        cek[key] = box(opt in ticked_h)
    cek["harap_lainnya"] = box(bool(other_h))

    paraf = {key: {"tanggal": "", "instruksi": "", "oleh": ""} for key in _PARAF_KEYS.values()}
    for entry in rec.paraf:
        jab = _match(str(entry[0]) if entry else "", PARAF)
        if jab and len(entry) >= 3:
            paraf[_PARAF_KEYS[jab]] = {"tanggal": line(entry[1]), "instruksi": free(entry[2]),
                                       "oleh": line(entry[3]) if len(entry) > 3 else ""}
    return {
        "diteruskan_kepada": ", ".join(line(e) for e in rec.diteruskan_kepada if line(e)),
        "harap": ", ".join(line(e) for e in rec.harap if line(e)),
        "tujuan_lainnya": ", ".join(other_t) or DOTS,
        "harap_lainnya": ", ".join(other_h) or DOTS,
        "catatan": free(rec.catatan),
        "cek": cek,
        # the system's suggestion only while the officials decided nothing: beside its
        # option, or (like the PDF) as a note when it is none of the printed options
        "usulan": {key: USULAN if opt == usulan and not decided else "" for opt, key in _TUJUAN_KEYS.items()},
        "usulan_tujuan": suggested or "-",
        "usulan_catatan": f"Usulan sistem: {suggested}" if suggested and usulan is None and not decided else "",
        "paraf": paraf,
    }
