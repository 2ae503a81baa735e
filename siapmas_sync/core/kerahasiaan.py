"""Confidentiality is a one-way door (pure rules; the ledger writes are in ``steps``).

* An item becomes *rahasia* when an operator ticks *Rahasia* (any truthy value an office
  suite writes, see :func:`kendali.truthy`) or at intake when its chronology names a
  configured keyword (:func:`keyword_hit`: a member's conduct, sexual violence…), so the
  first print batch never shows such a reporter.
* Nothing un-ticks it by accident: an unticked cell is answered in *Pesan* and re-ticked
  (:data:`KEEP_PESAN`). Only ``siapmas-sync buka-rahasia AGENDA --by NAMA --alasan "..."``
  lifts it, by a person whose jabatan is one of ``[kerahasiaan] dibuka_oleh`` (Kasubag TU
  by default), with a reason, recorded in Riwayat (:func:`check_lifter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..errors import TransitionError

if TYPE_CHECKING:  # the configuration reads DEFAULT_KATA_KUNCI: no workflow loaded for it
    from .recorded import Pejabat

__all__ = ["DEFAULT_KATA_KUNCI", "KEEP_NOTE", "KEEP_PESAN", "check_lifter", "keyword_hit"]

#: the default keyword rule (configurable: ``[kerahasiaan] kata_kunci``)
DEFAULT_KATA_KUNCI: tuple[str, ...] = (
    "oknum", "anggota dewan", "anggota dprd", "pelecehan", "kekerasan seksual", "pemerkosaan",
    "perkosaan", "pencabulan", "asusila",
)

KEEP_NOTE = ("Centang Rahasia dihapus di lembar kerja; identitas pelapor TETAP dirahasiakan "
             "(hanya dapat dibuka dengan perintah buka-rahasia beserta alasannya).")
KEEP_PESAN = ("identitas pelapor tetap dirahasiakan: centang Rahasia dipasang kembali; kerahasiaan hanya dapat "
              "dibuka oleh Kasubag TU dengan perintah siapmas-sync buka-rahasia NOMOR --by NAMA --alasan \"...\"")


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def keyword_hit(text: str, keywords: Iterable[str]) -> str | None:
    """The first configured keyword *text* contains as whole words (None: none)."""
    hay = _norm(text)
    for kw in keywords:
        k = _norm(kw)
        if k and re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, k.split())) + r"(?!\w)", hay):
            return k
    return None


def _jabatan_key(jabatan: str) -> str:
    """A jabatan compared without an acting prefix (Plh./Plt.)."""
    return re.sub(r"^(plh|plt)\.?\s+", "", _norm(jabatan))


def check_lifter(by: str, alasan: str, people: Sequence[Pejabat], lifters: Sequence[str]) -> str:
    """The label of the person allowed to lift confidentiality, or TransitionError."""
    from .recorded import resolve_person

    allowed = ", ".join(lifters) or "Kasubag TU"
    if not " ".join((alasan or "").split()):
        raise TransitionError("Kerahasiaan hanya dapat dibuka dengan alasan.",
                              'Tulis alasannya, mis. --alasan "Pelapor menyatakan tertulis bersedia disebut namanya".')
    if not people:
        raise TransitionError(
            "Tidak ada daftar pejabat ([[pejabat]]) untuk memastikan siapa yang membuka kerahasiaan.",
            f"Tambahkan [[pejabat]] dengan jabatan {allowed} di konfigurasi, lalu ulangi.")
    label = resolve_person(by, people)
    person = next(p for p in people if p.label == label)
    if _jabatan_key(person.jabatan) not in {_jabatan_key(j) for j in lifters}:
        who = "; ".join(p.label for p in people if _jabatan_key(p.jabatan) in {_jabatan_key(j) for j in lifters})
        raise TransitionError(
            f"{label} tidak berwenang membuka kerahasiaan identitas pelapor.",
            f"Hanya {allowed} yang dapat membukanya" + (f": {who}." if who else "."))
    return label
