"""The kecamatan (districts) of Kabupaten Mojokerto, and finding them in what citizens write.

Owns the default list (canonical name → common spellings) and :func:`find_kecamatan`:
word-boundary, case-insensitive matching of every name and alias. Which kecamatan an item
is counted under is decided by :func:`place_of`, in tiers — the first tier that names any
kecamatan decides:

1. the form's place field(s) (e.g. a "Desa/Kecamatan" question);
2. an explicit "Kecamatan X" / "Kec. X" in the chronology;
3. any mention in the chronology.

One kecamatan found → that one; several → :data:`LEBIH_DARI_SATU`; none →
:data:`TIDAK_DIKETAHUI` (counted honestly, never guessed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

__all__ = [
    "DEFAULT_KECAMATAN", "LEBIH_DARI_SATU", "TIDAK_DIKETAHUI", "find_kecamatan", "is_place_title", "place_of",
]

TIDAK_DIKETAHUI = "Tidak diketahui"
LEBIH_DARI_SATU = "Lebih dari satu"

#: the 18 kecamatan (BPS Kabupaten Mojokerto) with spellings seen in practice
DEFAULT_KECAMATAN: dict[str, list[str]] = {
    "Bangsal": [],
    "Dawarblandong": ["Dawar Blandong", "Dawar-Blandong"],
    "Dlanggu": [],
    "Gedeg": [],
    "Gondang": [],
    "Jatirejo": ["Jati Rejo"],
    "Jetis": [],
    "Kemlagi": [],
    "Kutorejo": ["Kuto Rejo"],
    "Mojoanyar": ["Mojo Anyar"],
    "Mojosari": ["Mojo Sari"],
    "Ngoro": [],
    "Pacet": [],
    "Pungging": [],
    "Puri": [],
    "Sooko": ["Soko"],
    "Trawas": [],
    "Trowulan": [],
}

#: words in a question title that mark it as a place field
DEFAULT_PLACE_TITLES = ("kecamatan", "desa", "kelurahan", "lokasi", "tempat", "alamat", "wilayah")


def _alias_pattern(alias: str) -> str:
    # "Dawar Blandong" also matches "Dawar  Blandong" and "Dawar-Blandong"
    return r"[\s\-]*".join(re.escape(p) for p in alias.split())


@lru_cache(maxsize=8)
def _compiled(table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    lookup: dict[str, str] = {}
    alts: list[str] = []
    for name, aliases in table:
        for spelling in (name, *aliases):
            k = " ".join(spelling.casefold().replace("-", " ").split())
            if k and k not in lookup:
                lookup[k] = name
                alts.append(_alias_pattern(spelling))
    alts.sort(key=len, reverse=True)  # longest first: "Dawar Blandong" before a shorter alias
    body = "|".join(alts) or r"(?!)"
    any_rx = re.compile(rf"(?<!\w)({body})(?!\w)", re.IGNORECASE)
    explicit_rx = re.compile(rf"(?<!\w)kec(?:amatan|\.)?\s*({body})(?!\w)", re.IGNORECASE)
    return any_rx, explicit_rx, lookup


def _freeze(table: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((str(k), tuple(str(a) for a in v)) for k, v in table.items())


def _names(rx: re.Pattern[str], lookup: dict[str, str], text: str) -> list[str]:
    out: list[str] = []
    for m in rx.finditer(text or ""):
        k = " ".join(m.group(1).casefold().replace("-", " ").split())
        name = lookup.get(k)
        if name and name not in out:
            out.append(name)
    return out


def find_kecamatan(text: str, table: Mapping[str, Sequence[str]] = DEFAULT_KECAMATAN, *,
                   explicit: bool = False) -> list[str]:
    """Canonical names of the kecamatan mentioned in *text*, in order of first mention.

    With *explicit*, only mentions preceded by "Kecamatan" / "Kec." / "Kec" count.
    """
    any_rx, explicit_rx, lookup = _compiled(_freeze(table))
    return _names(explicit_rx if explicit else any_rx, lookup, text)


def is_place_title(title: str, words: Iterable[str] = DEFAULT_PLACE_TITLES) -> bool:
    """True when a question title names a place (word match, case-insensitive)."""
    t = title.casefold()
    return any(re.search(rf"(?<!\w){re.escape(w.casefold())}(?!\w)", t) for w in words)


def place_of(kronologi: str, place_fields: Sequence[str],
             table: Mapping[str, Sequence[str]] = DEFAULT_KECAMATAN) -> str:
    """The kecamatan an item is counted under (see the module docstring for the tiers)."""
    any_rx, explicit_rx, lookup = _compiled(_freeze(table))
    for found in (
        _names(any_rx, lookup, "\n".join(place_fields)),
        _names(explicit_rx, lookup, kronologi),
        _names(any_rx, lookup, kronologi),
    ):
        if len(found) == 1:
            return found[0]
        if found:
            return LEBIH_DARI_SATU
    return TIDAK_DIKETAHUI
