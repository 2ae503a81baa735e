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
* each step with a role (workflow/roles.py: paraf, disposition, distribution, follow-up,
  DITOLAK, PERLU KELENGKAPAN) that no configured jabatan fits (a Plh. does not count:
  they act only between their dates) — *awas*: that step would be refused for everyone;
* each AKD with no member or secretariat staff — *awas*: its TINDAK LANJUT and SELESAI
  cannot be recorded;
* a role in ``[peran]`` no configured jabatan fits — shown with the step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..core.workflow import AKD_LIST
from ..core.workflow.roles import AKD_MEMBERS, akd_of, describe, roles_for, who_may

__all__ = ["check_pejabat"]

Finding = tuple[str, str, str]

_EXAMPLE = '[[pejabat]]\nnama = "Dwi Lestari"\njabatan = "Kasubag TU"'


def _key(text: str) -> str:
    return " ".join(str(text or "").split()).casefold()


def check_pejabat(people: Sequence[Any], wf: Any, peran: Mapping[str, Sequence[str]] | None = None) -> list[Finding]:
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
    akd_steps = []
    for stage in wf.stages:
        roles = roles_for(stage.code, peran)
        if not roles:
            continue
        if AKD_MEMBERS in roles:
            akd_steps.append(stage.label)
        if [r for r in roles if r != AKD_MEMBERS] and not who_may(stage.code, people, date.min, (), peran):
            missing.append(f"{stage.label} ({describe(stage.code, (), peran)})")
    if missing:
        out.append(("awas", "Tidak ada pejabat di [[pejabat]] untuk: " + "; ".join(missing) + ".",
                    "Tambahkan [[pejabat]] dengan jabatan yang sesuai tahap itu, mis. "
                    'jabatan = "Kabag Umum" untuk PARAF KABAG (atau ubah daftar jabatan di [peran]).'))
    served = {a for p in people for a in akd_of(p)}
    lonely = [a for a in AKD_LIST if a not in served]
    if akd_steps and lonely:
        out.append(("awas", f"Tidak ada anggota atau staf sekretariat untuk: {', '.join(lonely)} — "
                    f"{' dan '.join(akd_steps)} butir yang didisposisikan ke sana akan ditolak untuk semua orang.",
                    'Tambahkan [[pejabat]] dengan akd = "Komisi I" (beberapa dipisah koma untuk staf sekretariat '
                    "yang melayani beberapa AKD)."))
    if not out:
        out.append(("ok", f"{len(people)} orang; setiap paraf, disposisi, distribusi dan tindak lanjut punya "
                    "pejabatnya (yang lain ditolak pada tahap itu).", ""))
    return out
