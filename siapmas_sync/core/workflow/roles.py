"""Who may act at which step on which date (DESIGN.md, "Who may act at each step").

Pure: the configured people, a stage code, a date and the item's receiving AKD in; the
person acting (as themselves or as Plh./Plt.) or a :class:`TransitionError` naming who
may, out. No database, no clock: callers pass the date of the act (WIB).

* **Steps and jabatan** — :data:`DEFAULT_ROLES` maps a stage code to the jabatan that fit
  it (the SOP's defaults); ``[peran]`` in configuration replaces the list of a code. The
  word :data:`AKD_MEMBERS` in a list means "members or secretariat staff of the item's
  receiving AKD" (TINDAK LANJUT, SELESAI).
* **Fitting** — a jabatan fits a role when it is the role or starts with it as whole
  words, case and spaces ignored: role "Kabag" fits "Kabag Umum"; role "Sekretaris DPRD"
  fits "Sekretaris DPRD Kabupaten Mojokerto"; role "Ketua DPRD" does *not* fit "Wakil
  Ketua DPRD" — a Wakil Ketua disposes only as Plh. of the Ketua.
* **Plh./Plt.** — a person with ``plh = "Ketua DPRD"`` acts as that jabatan from
  ``plh_dari`` to ``plh_sampai`` (both days included); the act is recorded as
  "Nama (Plh. Ketua DPRD)" and the documents print "Plh." before the jabatan.
* **AKD** — a person belongs to the AKD named in ``akd``, else to the AKD their jabatan
  names ("Anggota Komisi III", "Staf Sekretariat Badan Kehormatan", "BK").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ...errors import TransitionError
from .akd import AKD_LIST

__all__ = [
    "ABOVE_KASUBAG",
    "SURAT",
    "AKD_MEMBERS",
    "DEFAULT_ROLES",
    "Acting",
    "akd_of",
    "authorise",
    "describe",
    "fits",
    "governed",
    "plh_label",
    "roles_for",
    "who_may",
]

#: the token for "members or secretariat staff of the receiving AKD"
AKD_MEMBERS = "AKD"

#: the pseudo-step "approve the final letter" (not a stage: ``setujui-surat``)
SURAT = "surat"

#: "Kasubag TU or above" (DITOLAK, PERLU KELENGKAPAN)
ABOVE_KASUBAG: tuple[str, ...] = ("Kasubag TU", "Kabag", "Sekretaris DPRD", "Ketua DPRD")

#: stage code → jabatan that may act there (SOP defaults; ``[peran]`` overrides per code)
DEFAULT_ROLES: dict[int | str, tuple[str, ...]] = {
    2: ("Kasubag TU",),
    3: ("Kabag Umum", "Kabag Persidangan & PUU"),
    4: ("Sekretaris DPRD",),
    5: ("Ketua DPRD",),
    6: ("Sekretaris DPRD", "Kabag"),
    7: ("Staf Subbag TU",),
    8: (AKD_MEMBERS,),
    9: (AKD_MEMBERS,),
    "kelengkapan": ABOVE_KASUBAG,
    "ditolak": ABOVE_KASUBAG,
    SURAT: ("Sekretaris DPRD",),  # approving the final letter (cycle/surat_keluar.py)
}


@dataclass(frozen=True)
class Acting:
    """A person acting at a step: *label* is what the event records (and documents print)."""

    person: Any
    jabatan: str  # the jabatan they act in
    plh: str = ""  # "Plh." / "Plt." when acting for someone, else ""

    @property
    def label(self) -> str:
        if self.plh:
            return f"{self.person.nama} ({self.plh} {self.jabatan})"
        return self.person.label


def _key(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def fits(jabatan: str, role: str) -> bool:
    """*jabatan* is *role*, or starts with it as whole words."""
    j, r = _key(jabatan), _key(role)
    return bool(j and r) and (j == r or j.startswith(r + " "))


_AKD_WORDS = {name: re.compile(r"(?<![\w])" + re.escape(name.casefold()) + r"(?![\w])") for name in AKD_LIST}
_BK = re.compile(r"(?<![\w])bk(?![\w])")


def akd_of(person: Any) -> tuple[str, ...]:
    """The AKD a person belongs to: their ``akd`` (several, comma-separated: a secretariat
    clerk may serve several), else the one their jabatan names; () for none."""
    given = [p for p in re.split(r"[,;]", str(getattr(person, "akd", "") or "")) if p.strip()]
    if given:
        return tuple(next((a for a in AKD_LIST if a.casefold() == _key(g)), " ".join(g.split())) for g in given)
    j = _key(person.jabatan)
    if j.startswith(("ketua dprd", "wakil ketua dprd")):
        return ("Pimpinan",)
    for name, rx in _AKD_WORDS.items():
        if rx.search(j):
            return (name,)
    return ("Badan Kehormatan",) if _BK.search(j) else ()


def plh_label(person: Any) -> str:
    return getattr(person, "plh_sebutan", "") or "Plh."


def _acting_for(person: Any, on: date) -> str:
    """The jabatan *person* holds as Plh./Plt. on *on* ("" when none that day)."""
    role = getattr(person, "plh", "") or ""
    start, end = getattr(person, "plh_dari", None), getattr(person, "plh_sampai", None)
    if not role.strip() or start is None or end is None:
        return ""
    return role.strip() if start <= on <= end else ""


def roles_for(code: int | str, overrides: Mapping[str, Sequence[str]] | None = None) -> tuple[str, ...]:
    """The jabatan that fit stage *code* (empty: anyone configured may act)."""
    if overrides and str(code) in overrides:
        return tuple(overrides[str(code)])
    return DEFAULT_ROLES.get(code, ())


def governed(code: int | str, overrides: Mapping[str, Sequence[str]] | None = None) -> bool:
    return bool(roles_for(code, overrides))


def _match(person: Any, roles: Sequence[str], on: date, kepada: Sequence[str]) -> Acting | None:
    for role in roles:
        if role == AKD_MEMBERS:
            mine = [a for a in akd_of(person) if a in kepada]
            if mine:
                return Acting(person, person.jabatan or mine[0])
            continue
        if fits(person.jabatan, role):
            return Acting(person, person.jabatan)
    acting = _acting_for(person, on)
    if acting:
        for role in roles:
            if role != AKD_MEMBERS and fits(acting, role):
                return Acting(person, acting, plh_label(person))
    return None


def who_may(code: int | str, people: Sequence[Any], on: date, kepada: Sequence[str] = (),
            overrides: Mapping[str, Sequence[str]] | None = None) -> list[Acting]:
    """Everyone who may act at stage *code* on *on* for an item sent to *kepada*."""
    roles = roles_for(code, overrides)
    if not roles:
        return [Acting(p, p.jabatan) for p in people]
    return [a for a in (_match(p, roles, on, kepada) for p in people) if a is not None]


def describe(code: int | str, kepada: Sequence[str] = (),
             overrides: Mapping[str, Sequence[str]] | None = None) -> str:
    """The roles of a step in words ("Kasubag TU", "anggota/staf sekretariat Komisi III")."""
    out = []
    for role in roles_for(code, overrides):
        if role == AKD_MEMBERS:
            out.append("anggota atau staf sekretariat " + (", ".join(kepada) if kepada else "AKD penerima"))
        else:
            out.append(role)
    return " / ".join(out)


def authorise(person: Any, code: int | str, stage_label: str, people: Sequence[Any], on: date,
              kepada: Sequence[str] = (), overrides: Mapping[str, Sequence[str]] | None = None) -> Acting:
    """*person* acting at stage *code* on *on*, or :class:`TransitionError` naming who may."""
    roles = roles_for(code, overrides)
    if not roles:
        return Acting(person, person.jabatan)
    found = _match(person, roles, on, kepada)
    if found is not None:
        return found
    wanted = describe(code, kepada, overrides)
    may = who_may(code, people, on, kepada, overrides)
    listed = "; ".join(a.label for a in may)
    plh_note = ""
    role = getattr(person, "plh", "") or ""
    if role and any(role != AKD_MEMBERS and fits(role, r) for r in roles):
        plh_note = (f" {person.nama} tercatat sebagai {plh_label(person)} {role} hanya "
                    f"{_tanggal(person.plh_dari)} s.d. {_tanggal(person.plh_sampai)}.")
    raise TransitionError(
        f"{person.label} tidak berwenang mencatat {stage_label}: tahap ini untuk {wanted}.{plh_note}",
        (f"Yang boleh pada {on.strftime('%d/%m/%Y')}: {listed}." if listed else
         f"Belum ada pejabat yang sesuai di [[pejabat]] untuk {wanted}.")
        + " Jika pejabatnya berhalangan, tetapkan Plh. di [[pejabat]] (plh, plh_dari, plh_sampai).",
    )


def _tanggal(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "-"
