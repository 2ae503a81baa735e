"""The Alat Kelengkapan DPRD (AKD) that receive a disposition: the canonical list and
the reading of operators' spellings (:func:`normalise_akd`). Pure."""

from __future__ import annotations

import re

from ...errors import TransitionError

__all__ = ["AKD_LIST", "normalise_akd"]


AKD_LIST: tuple[str, ...] = (
    "Komisi I",
    "Komisi II",
    "Komisi III",
    "Komisi IV",
    "Bapemperda",
    "Banggar",
    "Badan Kehormatan",
    "Bamus",
    "Pimpinan",
)

_KOMISI_NUM = {
    "i": "I", "1": "I", "satu": "I",
    "ii": "II", "2": "II", "dua": "II",
    "iii": "III", "3": "III", "tiga": "III",
    "iv": "IV", "4": "IV", "empat": "IV",
}  # fmt: skip

_AKD_ALIASES = {
    "bapemperda": "Bapemperda",
    "bapem perda": "Bapemperda",
    "badan pembentukan peraturan daerah": "Bapemperda",
    "banggar": "Banggar",
    "badan anggaran": "Banggar",
    "bk": "Badan Kehormatan",
    "badan kehormatan": "Badan Kehormatan",
    "bamus": "Bamus",
    "badan musyawarah": "Bamus",
    "pimpinan": "Pimpinan",
    "pimpinan dewan": "Pimpinan",
}

# "Komisi III – Pembangunan & Lingkungan", "Bamus (Badan Musyawarah)": keep the head
_AKD_TAIL = re.compile(r"\s+[-–—:]\s+.*$|\s*\(.*$")
_AKD_DPRD = re.compile(r"\s+dprd(\s.*)?$")


def normalise_akd(text: str) -> str:
    """Canonical AKD name from an operator's spelling, or :class:`TransitionError`.

    Accepted: the canonical names in any case; "Komisi 3" / "Komisi III" / "Komisi tiga"
    / "Komisi-3"; "BK" → Badan Kehormatan; "Badan Anggaran" → Banggar; "Badan
    Musyawarah" → Bamus; "Pimpinan DPRD" → Pimpinan; a trailing description after a dash
    or in parentheses ("Komisi III – Pembangunan & Lingkungan") or "DPRD …" is ignored.
    A combined value such as "Pimpinan/Bamus" is refused: exactly one AKD receives it.
    """
    raw = "" if text is None else str(text)
    t = " ".join(raw.split()).casefold()
    t = _AKD_TAIL.sub("", t)
    t = _AKD_DPRD.sub("", t)
    t = re.sub(r"(?<=komisi)[-_.]", " ", t)
    t = " ".join(t.split())
    if t in _AKD_ALIASES:
        return _AKD_ALIASES[t]
    m = re.fullmatch(r"komisi\s*([a-z0-9]+)", t)
    if m and m.group(1) in _KOMISI_NUM:
        return "Komisi " + _KOMISI_NUM[m.group(1)]
    shown = raw.strip() or "(kosong)"
    raise TransitionError(
        f"Alat Kelengkapan DPRD '{shown}' tidak dikenal.",
        advice="Pilih tepat satu dari: " + ", ".join(AKD_LIST) + ".",
    )
