"""``doctor``'s check of ``[[pejabat]]``: the officials and staff an operator names as
*Oleh* (Kendali) or ``--by`` (CLI) for each paraf and disposition.

Pure: the configured people and the workflow in, findings out. A finding is
``(level, detail, advice)`` with level ``"ok"``, ``"awas"`` (the cycle runs, but a step
cannot be attributed well) or ``"gagal"`` (an operator's choice would be ambiguous).

* no ``[[pejabat]]`` at all — *awas*: the Oleh dropdown is empty and any typed name is
  accepted as it is;
* a blank name — *gagal*; a blank jabatan — *awas* (the dropdown shows only the name);
* the same name twice (case and spaces ignored) — *gagal*: "Dwi Lestari" would name
  either of them;
* each paraf/disposition stage (recorded.PARAF_CODES) whose actor (the SOP's
  *Pelaksana*, e.g. "Kabag Umum / Kabag Persidangan & PUU") no configured jabatan fits
  — *awas*: nobody can be chosen for that step as what they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .recorded import PARAF_CODES

__all__ = ["check_pejabat"]

Finding = tuple[str, str, str]

_EXAMPLE = '[[pejabat]]\nnama = "Dwi Lestari"\njabatan = "Kasubag TU"'


def _key(text: str) -> str:
    return " ".join(str(text or "").split()).casefold()


def _fits(jabatan: str, actor: str) -> bool:
    """A jabatan fits a stage's actor when it names one of the actor's alternatives
    ("Kabag Umum / Kabag Persidangan & PUU": either), or the other way round."""
    j = _key(jabatan)
    if not j:
        return False
    return any(a and (a in j or j in a) for a in (_key(part) for part in actor.split("/")))


def check_pejabat(people: Sequence[Any], wf: Any) -> list[Finding]:
    """Findings about *people* (``nama``/``jabatan`` objects) for workflow *wf*."""
    if not people:
        return [("awas", "[[pejabat]] tidak diisi: kolom Oleh di Kendali tidak punya pilihan dan nama apa pun "
                 "yang diketik diterima apa adanya.",
                 "Tambahkan setiap pejabat/staf yang memberi paraf atau disposisi ke konfigurasi, mis.\n" + _EXAMPLE)]
    out: list[Finding] = []
    blank = [str(n) for n, p in enumerate(people, start=1) if not _key(p.nama)]
    if blank:
        out.append(("gagal", f"[[pejabat]] ke-{', '.join(blank)} tidak punya nama.",
                    "Isi nama = \"...\" pada setiap [[pejabat]], atau hapus entri yang kosong."))
    seen: dict[str, int] = {}
    for p in people:
        if _key(p.nama):
            seen[_key(p.nama)] = seen.get(_key(p.nama), 0) + 1
    twice = [p.nama.strip() for p in people if seen.get(_key(p.nama), 0) > 1]
    if twice:
        names = ", ".join(dict.fromkeys(twice))
        out.append(("gagal", f"Nama ganda di [[pejabat]]: {names} — isian Oleh/--by tidak jelas menunjuk yang mana.",
                    "Pakai nama lengkap yang berbeda untuk setiap orang (mis. dengan gelar), lalu hapus entri ganda."))
    no_role = [p.nama.strip() for p in people if _key(p.nama) and not _key(p.jabatan)]
    if no_role:
        out.append(("awas", f"Jabatan kosong untuk: {', '.join(no_role)}.",
                    "Isi jabatan = \"...\" (mis. \"Kasubag TU\") agar daftar Oleh menunjukkan siapa memberi paraf apa."))
    missing = []
    for code in PARAF_CODES:
        try:
            stage = wf.by_code(code)
        except KeyError:
            continue
        if not any(_fits(p.jabatan, stage.actor) for p in people):
            missing.append(f"{stage.label} ({stage.actor})")
    if missing:
        out.append(("awas", "Tidak ada pejabat di [[pejabat]] untuk: " + "; ".join(missing) + ".",
                    "Tambahkan [[pejabat]] dengan jabatan yang sesuai pelaksana tahap itu, mis. "
                    'jabatan = "Kabag Umum" untuk PARAF KABAG.'))
    if not out:
        out.append(("ok", f"{len(people)} orang; setiap paraf dan disposisi punya pejabatnya.", ""))
    return out
