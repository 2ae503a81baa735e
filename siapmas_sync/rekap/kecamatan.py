"""The kecamatan (districts) of Kabupaten Mojokerto, and finding them in what citizens write.

Owns the default list (canonical name → common spellings) and :func:`find_kecamatan`:
word-boundary, case-insensitive matching of every name and alias (runs of whole words). Which kecamatan an item
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
    "DEFAULT_KECAMATAN", "Matcher", "LEBIH_DARI_SATU", "TIDAK_DIKETAHUI", "find_kecamatan", "is_place_title", "place_of",
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
    "Sooko": [],
    "Trawas": [],
    "Trowulan": [],
}

#: words in a question title that mark it as a place field
DEFAULT_PLACE_TITLES = ("kecamatan", "desa", "kelurahan", "lokasi", "tempat", "alamat", "wilayah")


_WORD = re.compile(r"\w+")
_EXPLICIT = frozenset({"kecamatan", "kec"})


class Matcher:
    """A compiled kecamatan table: text is split into words once, and runs of words are
    looked up (so "Dawar Blandong", "Dawar-Blandong" and "dawarblandong" all match when
    listed, and "Purimas" never matches "Puri")."""

    def __init__(self, table: Mapping[str, Sequence[str]] = DEFAULT_KECAMATAN) -> None:
        self.lookup: dict[tuple[str, ...], str] = {}
        for name, aliases in table.items():
            for spelling in (name, *aliases):
                words = tuple(_WORD.findall(str(spelling).casefold()))
                if words:
                    self.lookup.setdefault(words, str(name))
        self.first = frozenset(k[0] for k in self.lookup)
        self.longest = max((len(k) for k in self.lookup), default=1)

    def mentions(self, text: str) -> list[tuple[str, bool]]:
        """Every mention in *text* as (canonical name, right after "Kecamatan"/"Kec.")."""
        words = _WORD.findall((text or "").casefold())
        first, lookup, longest = self.first, self.lookup, self.longest
        out: list[tuple[str, bool]] = []
        skip_to = 0
        for i in [i for i, w in enumerate(words) if w in first]:
            if i < skip_to:
                continue
            for n in range(min(longest, len(words) - i), 0, -1):
                name = lookup.get(tuple(words[i:i + n]))
                if name is not None:
                    out.append((name, i > 0 and words[i - 1] in _EXPLICIT))
                    skip_to = i + n
                    break
        return out

    def find(self, text: str, *, explicit: bool = False) -> list[str]:
        """Canonical names mentioned in *text*, in order of first mention; with
        *explicit*, only those right after "Kecamatan" / "Kec."."""
        return list(dict.fromkeys(name for name, exp in self.mentions(text) if exp or not explicit))

    def place(self, kronologi: str, place_fields: Sequence[str]) -> str:
        """The kecamatan an item is counted under (tiers: see the module docstring)."""
        in_fields = self.find("\n".join(place_fields)) if place_fields else []
        found = self.mentions(kronologi) if not in_fields else []
        for names in (in_fields, [n for n, exp in found if exp], [n for n, _ in found]):
            names = list(dict.fromkeys(names))
            if len(names) == 1:
                return names[0]
            if names:
                return LEBIH_DARI_SATU
        return TIDAK_DIKETAHUI


@lru_cache(maxsize=8)
def _matcher(table: tuple[tuple[str, tuple[str, ...]], ...]) -> Matcher:
    return Matcher({k: v for k, v in table})


def _freeze(table: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((str(k), tuple(str(a) for a in v)) for k, v in table.items())


def find_kecamatan(text: str, table: Mapping[str, Sequence[str]] = DEFAULT_KECAMATAN, *,
                   explicit: bool = False) -> list[str]:
    """Canonical names of the kecamatan mentioned in *text*, in order of first mention."""
    return _matcher(_freeze(table)).find(text, explicit=explicit)


def is_place_title(title: str, words: Iterable[str] = DEFAULT_PLACE_TITLES) -> bool:
    """True when a question title names a place (word match, case-insensitive)."""
    t = title.casefold()
    return any(re.search(rf"(?<!\w){re.escape(w.casefold())}(?!\w)", t) for w in words)


def place_of(kronologi: str, place_fields: Sequence[str],
             table: Mapping[str, Sequence[str]] = DEFAULT_KECAMATAN) -> str:
    """The kecamatan an item is counted under (see the module docstring for the tiers)."""
    return _matcher(_freeze(table)).place(kronologi, place_fields)
