"""Which documents show which recorded fact, so that a change re-renders exactly those.

Pure: a set of changed facts in, the outbox kinds to queue out. The outbox kinds that
re-render the registration documents are:

* ``"render"`` — lembar aduan (and the officers' copy), lembar disposisi (blank), kartu
  kendali, and their existing Word copies (a new item, a lost file, or a change shown on
  all three);
* ``"lembar"`` — the lembar aduan (+ officers' copy) and the blank lembar disposisi (+ its
  Word copy): they show *Sifat*, the kartu kendali does not;
* ``"kartu"`` — the kartu kendali (+ its Word copy): its *Indeks* is the handling AKD and
  its "usulan sistem" line goes once the AKD is decided; no other document shows the
  decided AKD before distribution.

Later documents: the filled disposisi (``"disposisi"``, once the item is distributed)
shows every recorded fact; the surat balasan and the Laporan Hasil Tindak Lanjut
(``"balasan"``, once settled) show perihal, the reporter (or not) and the AKD.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["AKD", "HARAP", "PERIHAL", "RAHASIA", "REGISTRATION_KINDS", "SIFAT", "RenderKind", "renders_for"]


class RenderKind(StrEnum):
    """What an outbox entry asks for (ledger ``outbox.kind`` stores the value as text)."""

    RENDER = "render"  # the registration documents and their existing Word copies
    LEMBAR = "lembar"  # part of them: the lembar aduan and the blank lembar disposisi
    KARTU = "kartu"  # part of them: the kartu kendali
    SALINAN = "salinan"  # the registration documents' Word copies (after the write-back)
    DISPOSISI = "disposisi"  # the filled lembar disposisi (distributed)
    BALASAN = "balasan"  # the surat balasan and the Laporan Hasil Tindak Lanjut (settled)
    UNGGAH = "unggah"  # not a render: the documents' copies in Drive (cycle/uploads.py)


SIFAT, RAHASIA, PERIHAL, AKD, HARAP = "sifat", "rahasia", "perihal", "akd", "harap"

#: outbox kinds that (re)render registration documents (their PDFs reach the print batch)
REGISTRATION_KINDS = (RenderKind.RENDER, RenderKind.LEMBAR, RenderKind.KARTU)

#: fact → the registration renders that show it
_SHOWN_ON: dict[str, frozenset[RenderKind]] = {
    SIFAT: frozenset({RenderKind.LEMBAR}),
    RAHASIA: frozenset({RenderKind.LEMBAR, RenderKind.KARTU}),
    PERIHAL: frozenset({RenderKind.LEMBAR, RenderKind.KARTU}),
    AKD: frozenset({RenderKind.KARTU}),
    HARAP: frozenset(),
}
#: facts the surat balasan / laporan show
_ON_REPLY = frozenset({RAHASIA, PERIHAL, AKD})
_ORDER = (RenderKind.RENDER, RenderKind.LEMBAR, RenderKind.KARTU, RenderKind.DISPOSISI, RenderKind.BALASAN)


def renders_for(changed: Iterable[str], *, distributed: bool, settled: bool) -> list[RenderKind]:
    """The outbox kinds to queue after *changed* facts of one item (in render order).

    *distributed*: the item has reached DICATAT & DIDISTRIBUSIKAN (its filled disposisi
    exists); *settled*: it is SELESAI (its letter and report exist)."""
    facts = set(changed)
    kinds: set[RenderKind] = set()
    for fact in facts:
        kinds |= _SHOWN_ON.get(fact, frozenset())
    part = {RenderKind.LEMBAR, RenderKind.KARTU}
    if part <= kinds:
        kinds = (kinds - part) | {RenderKind.RENDER}
    if distributed and facts:
        kinds.add(RenderKind.DISPOSISI)
    if settled and facts & _ON_REPLY:
        kinds.add(RenderKind.BALASAN)
    return [k for k in _ORDER if k in kinds]
