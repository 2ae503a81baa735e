"""The SOP as workflow stages, and which moves between them are allowed.

This module is pure: plain data in, plain data (or a :class:`TransitionError`) out. It
never reads the clock, the ledger or the spreadsheet.

Model
-----
*Main stages* follow the SOP table, numbered 0–9 (``StageDef.code`` is the number)::

    0 DITERIMA → 1 TERAGENDA → 2 PARAF KASUBAG TU → 3 PARAF KABAG → 4 DISPOSISI SEKWAN
    → 5 DISPOSISI KETUA → 6 DISPOSISI DIBACAKAN → 7 DICATAT & DIDISTRIBUSIKAN
    → 8 TINDAK LANJUT → 9 SELESAI

(SOP rows 1–8; row 6, reading the Ketua's disposition back, is DISPOSISI DIBACAKAN.)

*Side exits* have a keyword code instead of a number: ``"kelengkapan"`` (PERLU
KELENGKAPAN), ``"ditolak"`` (DITOLAK) and ``"dikembalikan"`` (DIKEMBALIKAN).

Rules (decisions documented here so the adapters and the operators' manual agree):

* **Forward** — only to the next main stage, one step at a time. The SOP requires every
  paraf and every disposition, so *skipping is never allowed* (not even by an official:
  the paper sheet must carry each initial). A move into DICATAT & DIDISTRIBUSIKAN must
  name the receiving AKD (``akd``); SELESAI takes the follow-up summary in ``note``.
* **PERLU KELENGKAPAN** — from every open main stage (0–8). It is a resting stage: the
  item waits for the reporter. From there the only moves are *back to the stage it left
  from* (``previous``; the caller keeps it, e.g. the ledger's ``previous_tahap``, which
  is the ``from_stage`` of the transition that entered PERLU KELENGKAPAN) or DITOLAK.
* **DITOLAK** — from every open stage (0–8 and PERLU KELENGKAPAN); requires a reason in
  ``note``. Terminal.
* **DIKEMBALIKAN** — *an event, not a resting stage*: the item is returned one step and
  its resulting stage is the previous main stage, i.e.
  ``Transition(event="DIKEMBALIKAN", from_stage=X, to_stage=X-1, kind=KEMBALI)``.
  Allowed from PARAF KASUBAG TU (2) up to TINDAK LANJUT (8). It is *not* allowed from
  DITERIMA (nothing before it) nor from TERAGENDA: returning to DITERIMA would undo the
  registration, but an agenda number is never taken back — use PERLU KELENGKAPAN or
  DITOLAK instead. An item is never "at" DIKEMBALIKAN; adapters write the resulting
  stage back to the sheet (so re-reading it does not return the item twice).
* **Terminal** — SELESAI and DITOLAK: no moves out.
* **No change** — ``target == current`` returns ``None`` (not an error), so re-reading an
  unchanged sheet never creates events.

Labels are matched case-insensitively with whitespace collapsed; the canonical label of
the (possibly overridden) workflow is what :class:`Transition` carries. The logic works on
codes, so overriding labels (``Workflow.with_overrides``) never changes the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from ...errors import ConfigError, TransitionError
from .akd import AKD_LIST, normalise_akd

__all__ = [
    "AKD_LIST",
    "DIKEMBALIKAN",
    "DITERIMA",
    "DITOLAK",
    "EXIT_CODES",
    "KELUAR",
    "KEMBALI",
    "LANJUT",
    "MAJU",
    "PERLU_KELENGKAPAN",
    "SELESAI",
    "StageDef",
    "Transition",
    "Workflow",
    "allowed_targets",
    "check_transition",
    "default_workflow",
    "normalise_akd",
]

# --- default labels (the sheet's dropdown values) ------------------------------------

DITERIMA = "DITERIMA"
TERAGENDA = "TERAGENDA"
PARAF_KASUBAG_TU = "PARAF KASUBAG TU"
PARAF_KABAG = "PARAF KABAG"
DISPOSISI_SEKWAN = "DISPOSISI SEKWAN"
DISPOSISI_KETUA = "DISPOSISI KETUA"
DISPOSISI_DIBACAKAN = "DISPOSISI DIBACAKAN"
DICATAT = "DICATAT & DIDISTRIBUSIKAN"
TINDAK_LANJUT = "TINDAK LANJUT"
SELESAI = "SELESAI"
PERLU_KELENGKAPAN = "PERLU KELENGKAPAN"
DITOLAK = "DITOLAK"
DIKEMBALIKAN = "DIKEMBALIKAN"

# codes of the side exits
EXIT_KELENGKAPAN = "kelengkapan"
EXIT_DITOLAK = "ditolak"
EXIT_DIKEMBALIKAN = "dikembalikan"
EXIT_CODES: tuple[str, ...] = (EXIT_KELENGKAPAN, EXIT_DITOLAK, EXIT_DIKEMBALIKAN)

#: code of the stage whose entry requires the receiving AKD
DISTRIBUTION_CODE = 7

# Transition kinds
MAJU = "maju"  # forward one step
KELUAR = "keluar"  # into PERLU KELENGKAPAN or DITOLAK
KEMBALI = "kembali"  # DIKEMBALIKAN: back one step
LANJUT = "lanjut"  # from PERLU KELENGKAPAN back to the stage it left from

_TEN = timedelta(minutes=10)


@dataclass(frozen=True)
class StageDef:
    """One stage of the SOP.

    code: 0–9 for the main stages (their order in the SOP table), or one of
        :data:`EXIT_CODES` for the side exits.
    label: the exact value shown in the sheet's "Tahap" column.
    actor: who acts at this stage (the SOP's "Pelaksana").
    standard: the SOP's time standard (*mutu baku waktu*) in working time, or None when
        the stage has no clock (DITERIMA, SELESAI, the exits).
    """

    code: int | str
    label: str
    actor: str
    standard: timedelta | None = None

    @property
    def is_main(self) -> bool:
        return isinstance(self.code, int)

    @property
    def is_exit(self) -> bool:
        return not self.is_main


def _key(text: str) -> str:
    """Matching key for labels: case-insensitive, whitespace collapsed."""
    return " ".join(str(text).split()).casefold()


_DEFAULT_STAGES: tuple[StageDef, ...] = (
    StageDef(0, DITERIMA, "Sistem", None),
    StageDef(1, TERAGENDA, "Sistem + Staf Subbag TU", _TEN),
    StageDef(2, PARAF_KASUBAG_TU, "Kasubag TU", _TEN),
    StageDef(3, PARAF_KABAG, "Kabag Umum / Kabag Persidangan & PUU", _TEN),
    StageDef(4, DISPOSISI_SEKWAN, "Sekretaris DPRD", _TEN),
    StageDef(5, DISPOSISI_KETUA, "Ketua DPRD", _TEN),
    StageDef(6, DISPOSISI_DIBACAKAN, "Sekretaris DPRD / Kabag", _TEN),
    StageDef(7, DICATAT, "Staf Subbag TU", _TEN),
    StageDef(8, TINDAK_LANJUT, "Komisi / AKD", timedelta(hours=2)),
    StageDef(9, SELESAI, "Komisi / AKD + Staf Subbag TU", None),
    StageDef(EXIT_KELENGKAPAN, PERLU_KELENGKAPAN, "Staf Subbag TU", None),
    StageDef(EXIT_DITOLAK, DITOLAK, "Staf Subbag TU / Pejabat", None),
    StageDef(EXIT_DIKEMBALIKAN, DIKEMBALIKAN, "Pejabat yang mengembalikan", None),
)

_OVERRIDE_KEYS = ("label", "actor", "standard_minutes")


@dataclass(frozen=True)
class Workflow:
    """The configured SOP: main stages 0..n in order plus the three side exits.

    Construct with :func:`default_workflow` and adjust with :meth:`with_overrides`.
    The constructor validates: main codes are 0, 1, …, n in order (n ≥ 2), every exit
    code appears exactly once, labels are unique (case-insensitively) and non-empty.
    """

    stages: tuple[StageDef, ...]
    #: (former label, code): labels renamed in configuration still name their stage, so
    #: what the ledger, the history and the sheets recorded before a rename keeps its meaning
    former: tuple[tuple[str, int | str], ...] = ()

    def __post_init__(self) -> None:
        mains = [s for s in self.stages if s.is_main]
        if [s.code for s in mains] != list(range(len(mains))) or len(mains) < 3:
            raise ConfigError(
                "Tahap utama alur kerja harus bernomor 0, 1, 2, … berurutan.",
                advice="Periksa urutan tahap di konfigurasi alur kerja.",
            )
        exits = sorted(str(s.code) for s in self.stages if s.is_exit)
        if exits != sorted(EXIT_CODES):
            raise ConfigError(
                "Alur kerja harus memuat tepat satu tahap untuk setiap jalur keluar: "
                + ", ".join(EXIT_CODES)
                + ".",
            )
        seen: dict[str, StageDef] = {}
        for s in self.stages:
            if not s.label or not s.label.strip():
                raise ConfigError(f"Label tahap {s.code} tidak boleh kosong.")
            if s.standard is not None and s.standard < timedelta(0):
                raise ConfigError(f"Mutu baku waktu tahap {s.label} tidak boleh negatif.")
            k = _key(s.label)
            if k in seen:
                raise ConfigError(
                    f"Label tahap '{s.label}' dipakai lebih dari sekali "
                    f"(tahap {seen[k].code} dan {s.code}).",
                    advice="Setiap tahap harus memiliki label yang berbeda.",
                )
            seen[k] = s

    # --- lookup -----------------------------------------------------------------------

    @property
    def main(self) -> tuple[StageDef, ...]:
        """Main stages in SOP order (index == code)."""
        return tuple(s for s in self.stages if s.is_main)

    @property
    def last(self) -> StageDef:
        """The final main stage (SELESAI)."""
        return self.main[-1]

    @property
    def labels(self) -> tuple[str, ...]:
        """Labels of every stage, main stages first — the sheet's dropdown values."""
        return tuple(s.label for s in self.stages)

    def by_code(self, code: int | str) -> StageDef:
        for s in self.stages:
            if s.code == code:
                return s
        raise KeyError(code)

    def exit(self, code: str) -> StageDef:
        """The side exit with this code (see :data:`EXIT_CODES`)."""
        return self.by_code(code)

    def find(self, text: str | int) -> StageDef | None:
        """Stage by label (case/whitespace-insensitive) or code; None if unknown."""
        if isinstance(text, int):
            try:
                return self.by_code(text)
            except KeyError:
                return None
        k = _key(text)
        for s in self.stages:
            if _key(s.label) == k:
                return s
        for label, code in self.former:
            if _key(label) == k:
                return self.by_code(code)
        return None

    def label_of(self, text: str) -> str:
        """The current label of the stage *text* names (a former label included); *text*
        itself when it names none."""
        s = self.find(text) if text else None
        return s.label if s is not None else text

    def resolve(self, text: str | int, *, what: str = "Tahap") -> StageDef:
        """Like :meth:`find` but raise :class:`TransitionError` naming the valid labels."""
        s = self.find(text)
        if s is None:
            raise TransitionError(
                f"{what} '{text}' tidak dikenal.",
                advice="Pilih salah satu: " + ", ".join(self.labels) + ".",
            )
        return s

    def is_terminal(self, stage: StageDef | str) -> bool:
        """True for SELESAI and DITOLAK (no moves out)."""
        s = stage if isinstance(stage, StageDef) else self.resolve(stage)
        return s.code == self.last.code or s.code == EXIT_DITOLAK

    # --- configuration ------------------------------------------------------------------

    def with_overrides(self, mapping: Mapping[Any, Mapping[str, Any]]) -> Workflow:
        """A copy with labels, actors or time standards changed.

        ``mapping`` keys name a stage by code (``3`` or ``"3"``), exit code
        (``"ditolak"``) or current label (``"PARAF KABAG"``); values are mappings with any
        of ``label``, ``actor``, ``standard_minutes`` (a number ≥ 0, or None / "" for no
        time standard). Unknown stages or keys raise :class:`ConfigError`.
        """
        stages = list(self.stages)
        former = list(self.former)
        for raw_key, changes in mapping.items():
            stage = self._stage_for_override(raw_key)
            if not isinstance(changes, Mapping):
                raise ConfigError(
                    f"Pengaturan tahap '{raw_key}' harus berupa tabel "
                    f"(label / actor / standard_minutes)."
                )
            unknown = sorted(set(changes) - set(_OVERRIDE_KEYS))
            if unknown:
                raise ConfigError(
                    f"Kunci tidak dikenal untuk tahap '{raw_key}': {', '.join(unknown)}.",
                    advice="Kunci yang boleh dipakai: " + ", ".join(_OVERRIDE_KEYS) + ".",
                )
            new = stage
            if "label" in changes:
                label = changes["label"]
                if not isinstance(label, str) or not label.strip():
                    raise ConfigError(f"Label tahap '{raw_key}' harus berupa teks yang tidak kosong.")
                new = replace(new, label=" ".join(label.split()))
                former.append((stage.label, stage.code))
            if "actor" in changes:
                actor = changes["actor"]
                if not isinstance(actor, str) or not actor.strip():
                    raise ConfigError(f"Pelaksana tahap '{raw_key}' harus berupa teks yang tidak kosong.")
                new = replace(new, actor=actor.strip())
            if "standard_minutes" in changes:
                new = replace(new, standard=_minutes(raw_key, changes["standard_minutes"]))
            idx = next(i for i, s in enumerate(stages) if s.code == stage.code)
            stages[idx] = new
        labels = {_key(s.label) for s in stages}
        return Workflow(tuple(stages), tuple((f, c) for f, c in former if _key(f) not in labels))

    def _stage_for_override(self, raw_key: Any) -> StageDef:
        if isinstance(raw_key, bool):
            raw_key = str(raw_key)
        if isinstance(raw_key, int):
            found = self.find(raw_key)
        else:
            text = str(raw_key).strip()
            found = None
            if text.isdigit():
                found = self.find(int(text))
            if found is None and text.casefold() in EXIT_CODES:
                found = self.by_code(text.casefold())
            if found is None:
                found = self.find(text)
        if found is None:
            raise ConfigError(
                f"Tahap '{raw_key}' tidak dikenal di pengaturan alur kerja.",
                advice="Gunakan nomor tahap 0–"
                + str(self.last.code)
                + ", kode "
                + ", ".join(EXIT_CODES)
                + ", atau label: "
                + ", ".join(self.labels)
                + ".",
            )
        return found


def _minutes(where: Any, value: Any) -> timedelta | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(
            f"standard_minutes untuk tahap '{where}' harus berupa angka menit, bukan '{value}'.",
            advice="Contoh: standard_minutes = 10 (atau kosongkan untuk tanpa batas waktu).",
        )
    if value < 0:
        raise ConfigError(f"standard_minutes untuk tahap '{where}' tidak boleh negatif.")
    return timedelta(minutes=value)


def default_workflow() -> Workflow:
    """The SOP as published (Nomor SOP 9.3.3/10/416-050/2023): 10 min per step, 2 h for
    the AKD's reading/follow-up start."""
    return Workflow(_DEFAULT_STAGES)


# --- transitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One accepted move — the audit-trail event (time and actor are added by the caller).

    event: canonical label of what the operator chose (the target as selected: a stage
        label, or DIKEMBALIKAN).
    from_stage / to_stage: canonical labels of the stage before and the resulting stage.
        For DIKEMBALIKAN ``to_stage`` is the previous main stage, never "DIKEMBALIKAN".
    kind: :data:`MAJU`, :data:`KELUAR`, :data:`KEMBALI` or :data:`LANJUT`.
    akd: the receiving AKD (canonical, see :func:`normalise_akd`) when given.
    note: the operator's note (reason for DITOLAK, follow-up summary for SELESAI, …).
    """

    event: str
    from_stage: str
    to_stage: str
    akd: str | None = None
    note: str = ""
    kind: str = MAJU


def _resume_stage(wf: Workflow, previous: str | None) -> StageDef | None:
    """The main stage PERLU KELENGKAPAN resumes to, or None when unknown/invalid."""
    if previous is None or not str(previous).strip():
        return None
    s = wf.find(previous)
    if s is None or not s.is_main or s.code == wf.last.code:
        return None
    return s


def _allowed(wf: Workflow, cur: StageDef, previous: str | None) -> list[StageDef]:
    if wf.is_terminal(cur):
        return []
    kel = wf.exit(EXIT_KELENGKAPAN)
    tolak = wf.exit(EXIT_DITOLAK)
    kembali = wf.exit(EXIT_DIKEMBALIKAN)
    if cur.code == EXIT_KELENGKAPAN:
        resume = _resume_stage(wf, previous)
        return ([resume] if resume is not None else []) + [tolak]
    if cur.code == EXIT_DIKEMBALIKAN:  # never a resting stage
        return []
    assert isinstance(cur.code, int)
    out = [wf.by_code(cur.code + 1), kel, tolak]
    if cur.code >= 2:
        out.append(kembali)
    return out


def allowed_targets(wf: Workflow, current: str, previous: str | None = None) -> list[str]:
    """Labels the operator may choose next from ``current`` (for dropdowns and messages).

    ``previous`` matters only when ``current`` is PERLU KELENGKAPAN: it is the stage the
    item left from, offered as the way back. Terminal stages give an empty list.
    """
    cur = wf.resolve(current, what="Tahap saat ini")
    return [s.label for s in _allowed(wf, cur, previous)]


def _refuse(wf: Workflow, cur: StageDef, target: StageDef, previous: str | None) -> TransitionError:
    allowed = _allowed(wf, cur, previous)
    names = ", ".join(s.label for s in allowed)
    advice = ""
    if cur.code == EXIT_KELENGKAPAN and _resume_stage(wf, previous) is None:
        advice = (
            f"Tahap sebelum {cur.label} tidak diketahui, sehingga pengaduan belum dapat "
            "dilanjutkan; periksa riwayat tahap di buku agenda."
        )
    elif target.is_main and isinstance(cur.code, int) and isinstance(target.code, int):
        if target.code > cur.code + 1:
            advice = "Setiap paraf dan disposisi wajib dilalui; tahap tidak boleh dilompati."
        elif target.code < cur.code:
            advice = f"Untuk mengembalikan satu tahap, pilih {wf.exit(EXIT_DIKEMBALIKAN).label}."
    if not advice:  # every refusal says what to do (e.g. from PERLU KELENGKAPAN to SELESAI)
        advice = f"Pilih salah satu tahap yang diperbolehkan: {names}." if names else \
            f"{cur.label} adalah tahap akhir; aduan ini tidak dapat dipindahkan lagi."
    return TransitionError(
        f"Tidak dapat pindah dari {cur.label} ke {target.label}. Yang diperbolehkan: {names}.",
        advice=advice,
    )


def check_transition(
    wf: Workflow,
    current: str,
    target: str,
    *,
    akd: str | None = None,
    note: str = "",
    previous: str | None = None,
) -> Transition | None:
    """Validate a requested move and return the resulting :class:`Transition`.

    Returns None when ``target`` is the current stage (no change). Raises
    :class:`TransitionError` (Indonesian message naming the allowed moves) when the move
    is not allowed, when DITOLAK has no reason, when the distribution has no valid AKD,
    or when a label is unknown. See the module docstring for the rules.
    """
    cur = wf.resolve(current, what="Tahap saat ini")
    tgt = wf.resolve(target, what="Tahap tujuan")
    note = (note or "").strip()
    if cur.code == EXIT_DIKEMBALIKAN:
        raise TransitionError(
            f"{cur.label} bukan tahap tempat pengaduan berada, melainkan peristiwa "
            "pengembalian satu tahap.",
            advice="Gunakan tahap hasil pengembalian sebagai tahap saat ini.",
        )
    if tgt.code == cur.code:
        return None
    if wf.is_terminal(cur):
        raise TransitionError(
            f"Pengaduan sudah berstatus {cur.label} (tahap akhir); tidak ada perpindahan "
            f"yang diperbolehkan, termasuk ke {tgt.label}.",
            advice="Jika pengaduan perlu diproses lagi, catat sebagai pengaduan baru.",
        )
    allowed = _allowed(wf, cur, previous)
    if tgt not in allowed:
        raise _refuse(wf, cur, tgt, previous)

    canonical_akd = normalise_akd(akd) if akd is not None and str(akd).strip() else None

    if tgt.code == EXIT_DITOLAK and not note:
        raise TransitionError(
            f"{tgt.label} memerlukan alasan penolakan.",
            advice="Isi catatan dengan alasan, misalnya 'bukan kewenangan DPRD' atau "
            "'tidak relevan'.",
        )
    if tgt.code == EXIT_DIKEMBALIKAN:
        assert isinstance(cur.code, int)
        back = wf.by_code(cur.code - 1)
        return Transition(tgt.label, cur.label, back.label, canonical_akd, note, KEMBALI)
    if tgt.is_exit:
        return Transition(tgt.label, cur.label, tgt.label, canonical_akd, note, KELUAR)
    if cur.code == EXIT_KELENGKAPAN:
        return Transition(tgt.label, cur.label, tgt.label, canonical_akd, note, LANJUT)
    if tgt.code == DISTRIBUTION_CODE and canonical_akd is None:
        raise TransitionError(
            f"{tgt.label} memerlukan Alat Kelengkapan DPRD (AKD) penerima.",
            advice="Isi AKD tujuan sesuai disposisi pimpinan: " + ", ".join(AKD_LIST) + ".",
        )
    return Transition(tgt.label, cur.label, tgt.label, canonical_akd, note, MAJU)
