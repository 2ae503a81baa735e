"""Workflow stages and transitions (siapmas_sync.core.workflow.stages) — no mocks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siapmas_sync.errors import ConfigError, TransitionError
from siapmas_sync.core.workflow import (
    AKD_LIST,
    KELUAR,
    KEMBALI,
    LANJUT,
    MAJU,
    Transition,
    Workflow,
    allowed_targets,
    check_transition,
    default_workflow,
    normalise_akd,
)

WF = default_workflow()

MAIN = [
    "DITERIMA",
    "TERAGENDA",
    "PARAF KASUBAG TU",
    "PARAF KABAG",
    "DISPOSISI SEKWAN",
    "DISPOSISI KETUA",
    "DISPOSISI DIBACAKAN",
    "DICATAT & DIDISTRIBUSIKAN",
    "TINDAK LANJUT",
    "SELESAI",
]
PK, TOLAK, KEMBALI_L = "PERLU KELENGKAPAN", "DITOLAK", "DIKEMBALIKAN"
ALL_LABELS = MAIN + [PK, TOLAK, KEMBALI_L]


def expected_allowed(current: str, previous: str | None = None) -> list[str]:
    """The SOP rules written out independently of the implementation."""
    if current in ("SELESAI", TOLAK):
        return []
    if current == PK:
        return ([previous] if previous in MAIN[:-1] else []) + [TOLAK]
    i = MAIN.index(current)
    out = [MAIN[i + 1], PK, TOLAK]
    if i >= 2:  # DITERIMA has nothing before it; TERAGENDA never returns to DITERIMA
        out.append(KEMBALI_L)
    return out


def expected_to_stage(current: str, target: str, previous: str | None) -> str:
    if target == KEMBALI_L:
        return MAIN[MAIN.index(current) - 1]
    return target


# --- the default workflow -------------------------------------------------------------------


def test_default_stages_labels_actors_and_standards() -> None:
    assert [s.label for s in WF.main] == MAIN
    assert [s.code for s in WF.main] == list(range(10))
    assert WF.labels == tuple(ALL_LABELS)
    ten = timedelta(minutes=10)
    assert [s.standard for s in WF.main] == [None, ten, ten, ten, ten, ten, ten, ten, timedelta(hours=2), None]
    for code in ("kelengkapan", "ditolak", "dikembalikan"):
        assert WF.exit(code).standard is None
    actors = {s.label: s.actor for s in WF.stages}
    assert actors["PARAF KASUBAG TU"] == "Kasubag TU"
    assert actors["PARAF KABAG"] == "Kabag Umum / Kabag Persidangan & PUU"
    assert actors["DISPOSISI SEKWAN"] == "Sekretaris DPRD"
    assert actors["DISPOSISI KETUA"] == "Ketua DPRD"
    assert actors["DISPOSISI DIBACAKAN"] == "Sekretaris DPRD / Kabag"  # SOP step 6
    assert actors["DICATAT & DIDISTRIBUSIKAN"] == "Staf Subbag TU"
    assert actors["TINDAK LANJUT"] == "Komisi / AKD"
    assert actors["DITERIMA"] == "Sistem"


# --- the whole matrix ---------------------------------------------------------------------

MATRIX = [(cur, tgt, None) for cur in MAIN + [TOLAK] for tgt in ALL_LABELS] + [
    (PK, tgt, prev) for prev in MAIN[:-1] + [None] for tgt in ALL_LABELS
]


@pytest.mark.parametrize(("current", "target", "previous"), MATRIX)
def test_transition_matrix(current: str, target: str, previous: str | None) -> None:
    allowed = expected_allowed(current, previous)
    assert allowed_targets(WF, current, previous) == allowed
    kwargs = dict(akd="Komisi III", note="alasan / ringkasan", previous=previous)
    if target == current:
        assert check_transition(WF, current, target, **kwargs) is None
        return
    if target in allowed:
        tr = check_transition(WF, current, target, **kwargs)
        assert isinstance(tr, Transition)
        assert tr.event == target
        assert tr.from_stage == current
        assert tr.to_stage == expected_to_stage(current, target, previous)
        assert tr.akd == "Komisi III"
        assert tr.note == "alasan / ringkasan"
        return
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, current, target, **kwargs)
    msg = str(ei.value)
    if current in ("SELESAI", TOLAK):
        assert f"sudah berstatus {current} (tahap akhir)" in msg
        assert "tidak ada perpindahan" in msg
    else:
        assert msg == (
            f"Tidak dapat pindah dari {current} ke {target}. "
            f"Yang diperbolehkan: {', '.join(allowed)}."
        )


def test_example_message_from_the_brief() -> None:
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, "PARAF KABAG", "SELESAI", akd=None, note="", previous=None)
    assert str(ei.value) == (
        "Tidak dapat pindah dari PARAF KABAG ke SELESAI. "
        "Yang diperbolehkan: DISPOSISI SEKWAN, PERLU KELENGKAPAN, DITOLAK, DIKEMBALIKAN."
    )
    assert "dilompati" in ei.value.advice


def test_backward_move_advises_dikembalikan() -> None:
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, "DISPOSISI KETUA", "PARAF KABAG")
    assert "DIKEMBALIKAN" in ei.value.advice


def test_kinds() -> None:
    assert check_transition(WF, "TERAGENDA", "PARAF KASUBAG TU").kind == MAJU
    assert check_transition(WF, "TERAGENDA", PK).kind == KELUAR
    assert check_transition(WF, "TERAGENDA", TOLAK, note="bukan kewenangan").kind == KELUAR
    assert check_transition(WF, "PARAF KABAG", KEMBALI_L).kind == KEMBALI
    assert check_transition(WF, PK, "DITERIMA", previous="DITERIMA").kind == LANJUT


# --- specific rules -----------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
@pytest.mark.parametrize("current", MAIN[:-1] + [PK])
def test_ditolak_requires_reason(current: str, note: str) -> None:
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, current, TOLAK, akd=None, note=note, previous="TERAGENDA")
    assert "alasan" in str(ei.value)


def test_ditolak_keeps_reason_trimmed() -> None:
    tr = check_transition(WF, "DITERIMA", "DITOLAK", note="  Bukan kewenangan DPRD \n")
    assert tr == Transition("DITOLAK", "DITERIMA", "DITOLAK", None, "Bukan kewenangan DPRD", KELUAR)


@pytest.mark.parametrize("akd", [None, "", "  "])
def test_distribution_requires_akd(akd: str | None) -> None:
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, "DISPOSISI DIBACAKAN", "DICATAT & DIDISTRIBUSIKAN", akd=akd, note="")
    assert "AKD" in str(ei.value)
    assert "Komisi III" in ei.value.advice


def test_distribution_refuses_unknown_akd() -> None:
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, "DISPOSISI DIBACAKAN", "DICATAT & DIDISTRIBUSIKAN", akd="Komisi V")
    assert "Komisi V" in str(ei.value)
    assert ", ".join(AKD_LIST) in ei.value.advice


def test_distribution_normalises_akd() -> None:
    tr = check_transition(WF, "DISPOSISI DIBACAKAN", "DICATAT & DIDISTRIBUSIKAN", akd="komisi 3")
    assert tr.akd == "Komisi III"
    assert tr.to_stage == "DICATAT & DIDISTRIBUSIKAN"


def test_selesai_takes_follow_up_summary() -> None:
    tr = check_transition(WF, "TINDAK LANJUT", "SELESAI", note="RDP dengan DLH 3 Juni; tambang ditutup")
    assert tr.to_stage == "SELESAI"
    assert tr.note == "RDP dengan DLH 3 Juni; tambang ditutup"


def test_perlu_kelengkapan_round_trip() -> None:
    out = check_transition(WF, "PARAF KASUBAG TU", PK, note="KTP pelapor belum dilampirkan")
    assert (out.from_stage, out.to_stage) == ("PARAF KASUBAG TU", PK)
    # the caller keeps out.from_stage as `previous`
    assert allowed_targets(WF, PK, previous=out.from_stage) == ["PARAF KASUBAG TU", TOLAK]
    back = check_transition(WF, PK, "PARAF KASUBAG TU", previous=out.from_stage)
    assert (back.event, back.from_stage, back.to_stage, back.kind) == (
        "PARAF KASUBAG TU", PK, "PARAF KASUBAG TU", LANJUT,
    )  # fmt: skip
    # resuming somewhere else (e.g. the next stage) is refused
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, PK, "PARAF KABAG", previous=out.from_stage)
    assert str(ei.value).endswith("Yang diperbolehkan: PARAF KASUBAG TU, DITOLAK.")
    # every refusal says what to do (found by tests/test_cycle_stateful.py: `advance … SELESAI`
    # from PERLU KELENGKAPAN ended in GALAT without a Saran)
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, PK, "SELESAI", previous=out.from_stage)
    assert ei.value.advice == "Pilih salah satu tahap yang diperbolehkan: PARAF KASUBAG TU, DITOLAK."
    # and it can be rejected from there
    tolak = check_transition(WF, PK, TOLAK, note="tidak dilengkapi 14 hari", previous="DITERIMA")
    assert tolak.to_stage == TOLAK


def test_perlu_kelengkapan_without_previous_only_allows_ditolak() -> None:
    assert allowed_targets(WF, PK, None) == [TOLAK]
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, PK, "DITERIMA", previous=None)
    assert "tidak diketahui" in ei.value.advice
    # a nonsense previous (a terminal or an exit) is ignored the same way
    assert allowed_targets(WF, PK, "SELESAI") == [TOLAK]
    assert allowed_targets(WF, PK, "DITOLAK") == [TOLAK]


@pytest.mark.parametrize("i", range(2, 9))
def test_dikembalikan_goes_back_exactly_one_step(i: int) -> None:
    tr = check_transition(WF, MAIN[i], KEMBALI_L, note="paraf belum lengkap")
    assert tr == Transition(KEMBALI_L, MAIN[i], MAIN[i - 1], None, "paraf belum lengkap", KEMBALI)
    # and from there the item moves forward again normally
    again = check_transition(WF, tr.to_stage, MAIN[i], akd="Komisi I")
    assert again.to_stage == MAIN[i]


@pytest.mark.parametrize("current", ["DITERIMA", "TERAGENDA"])
def test_dikembalikan_not_from_the_first_two_stages(current: str) -> None:
    with pytest.raises(TransitionError):
        check_transition(WF, current, KEMBALI_L)


def test_dikembalikan_is_not_a_resting_stage() -> None:
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, KEMBALI_L, "PARAF KABAG")
    assert "bukan tahap" in str(ei.value)
    assert allowed_targets(WF, KEMBALI_L) == []


@pytest.mark.parametrize("terminal", ["SELESAI", "DITOLAK"])
def test_terminal_stages(terminal: str) -> None:
    assert allowed_targets(WF, terminal) == []
    assert WF.is_terminal(terminal)
    assert check_transition(WF, terminal, terminal) is None  # re-reading the sheet
    for tgt in ALL_LABELS:
        if tgt == terminal:
            continue
        with pytest.raises(TransitionError) as ei:
            check_transition(WF, terminal, tgt, note="x", akd="Komisi I", previous="DITERIMA")
        assert "tahap akhir" in str(ei.value)


def test_no_change_is_none_for_every_stage() -> None:
    for label in MAIN + [PK, TOLAK]:
        assert check_transition(WF, label, label, previous="DITERIMA") is None


def test_labels_are_matched_tolerantly_and_returned_canonical() -> None:
    tr = check_transition(WF, "  paraf   kabag ", "Disposisi Sekwan")
    assert (tr.from_stage, tr.to_stage) == ("PARAF KABAG", "DISPOSISI SEKWAN")
    assert check_transition(WF, "paraf kabag", "PARAF KABAG") is None


def test_unknown_labels_are_refused_with_the_list() -> None:
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, "PARAF KABAG", "DIPARAF")
    assert "DIPARAF" in str(ei.value)
    assert "DISPOSISI SEKWAN" in ei.value.advice
    with pytest.raises(TransitionError):
        check_transition(WF, "ARSIP", "SELESAI")
    with pytest.raises(TransitionError):
        allowed_targets(WF, "ARSIP")


def test_invalid_akd_is_refused_even_when_not_required() -> None:
    with pytest.raises(TransitionError):
        check_transition(WF, "TERAGENDA", "PARAF KASUBAG TU", akd="Komisi Sembilan")


# --- AKD -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Komisi I", "Komisi I"),
        ("komisi 1", "Komisi I"),
        ("KOMISI II", "Komisi II"),
        ("Komisi 3", "Komisi III"),
        ("komisi iii", "Komisi III"),
        ("Komisi-3", "Komisi III"),
        ("Komisi tiga", "Komisi III"),
        ("Komisi III – Pembangunan & Lingkungan", "Komisi III"),
        ("Komisi III DPRD Kabupaten Mojokerto", "Komisi III"),
        ("komisi  4", "Komisi IV"),
        ("Komisi IV", "Komisi IV"),
        ("Bapemperda", "Bapemperda"),
        ("Badan Pembentukan Peraturan Daerah", "Bapemperda"),
        ("banggar", "Banggar"),
        ("Badan Anggaran", "Banggar"),
        ("BK", "Badan Kehormatan"),
        ("badan kehormatan", "Badan Kehormatan"),
        ("Bamus", "Bamus"),
        ("Badan Musyawarah", "Bamus"),
        ("Bamus (Badan Musyawarah)", "Bamus"),
        ("Pimpinan", "Pimpinan"),
        ("Pimpinan DPRD", "Pimpinan"),
    ],
)
def test_normalise_akd(text: str, expected: str) -> None:
    assert normalise_akd(text) == expected


@pytest.mark.parametrize("text", ["", "Komisi V", "Komisi 0", "Pimpinan/Bamus", "Dinas PUPR", "K3", "komisi"])
def test_normalise_akd_refuses(text: str) -> None:
    with pytest.raises(TransitionError) as ei:
        normalise_akd(text)
    assert "tidak dikenal" in str(ei.value)
    assert ei.value.advice == "Pilih tepat satu dari: " + ", ".join(AKD_LIST) + "."


def test_akd_list() -> None:
    assert AKD_LIST == (
        "Komisi I", "Komisi II", "Komisi III", "Komisi IV", "Bapemperda", "Banggar",
        "Badan Kehormatan", "Bamus", "Pimpinan",
    )  # fmt: skip
    assert all(normalise_akd(a) == a for a in AKD_LIST)


# --- configuration ------------------------------------------------------------------------


def test_with_overrides_changes_label_actor_and_standard() -> None:
    wf = WF.with_overrides(
        {
            3: {"actor": "Kabag Persidangan & PUU", "standard_minutes": 30},
            "8": {"standard_minutes": 24 * 60},
            "PARAF KASUBAG TU": {"label": "PARAF KASUBAG"},
            "ditolak": {"label": "TIDAK DITINDAKLANJUTI"},
            "DITERIMA": {"standard_minutes": 5},
            "DICATAT & DIDISTRIBUSIKAN": {"standard_minutes": None},
        }
    )
    assert wf.by_code(3).actor == "Kabag Persidangan & PUU"
    assert wf.by_code(3).standard == timedelta(minutes=30)
    assert wf.by_code(8).standard == timedelta(hours=24)
    assert wf.by_code(0).standard == timedelta(minutes=5)
    assert wf.by_code(7).standard is None
    assert wf.by_code(2).label == "PARAF KASUBAG"
    # rules follow codes, not labels
    assert allowed_targets(wf, "TERAGENDA") == ["PARAF KASUBAG", PK, "TIDAK DITINDAKLANJUTI"]
    assert check_transition(wf, "PARAF KASUBAG", "DIKEMBALIKAN").to_stage == "TERAGENDA"
    with pytest.raises(TransitionError):
        check_transition(wf, "PARAF KASUBAG", "TIDAK DITINDAKLANJUTI", note="")
    assert wf.is_terminal("TIDAK DITINDAKLANJUTI")
    # the original is unchanged (frozen)
    assert WF.by_code(2).label == "PARAF KASUBAG TU"


@pytest.mark.parametrize(
    "mapping",
    [
        {10: {"label": "ARSIP"}},
        {"ARSIP": {"label": "X"}},
        {3: {"lable": "X"}},
        {3: {"standard_minutes": -1}},
        {3: {"standard_minutes": "sepuluh"}},
        {3: {"label": ""}},
        {3: {"label": "PARAF KASUBAG TU"}},  # duplicate label
        {3: "PARAF"},
    ],
)
def test_with_overrides_refuses_bad_config(mapping: dict) -> None:
    with pytest.raises(ConfigError):
        WF.with_overrides(mapping)


def test_workflow_validates_structure() -> None:
    with pytest.raises(ConfigError):
        Workflow(tuple(s for s in WF.stages if s.code != 4))  # gap in the numbering
    with pytest.raises(ConfigError):
        Workflow(tuple(s for s in WF.stages if s.code != "ditolak"))


def test_reading_back_the_ketua_disposition_is_its_own_step() -> None:
    """SOP step 6 (output "Disposisi surat masuk") sits between the Ketua's disposition and
    the recording/distribution, with its 10-minute standard; it cannot be skipped."""
    i = MAIN.index("DISPOSISI DIBACAKAN")
    assert MAIN[i - 1] == "DISPOSISI KETUA" and MAIN[i + 1] == "DICATAT & DIDISTRIBUSIKAN"
    assert WF.find("DISPOSISI DIBACAKAN").standard == timedelta(minutes=10)
    assert check_transition(WF, "DISPOSISI KETUA", "DISPOSISI DIBACAKAN").to_stage == "DISPOSISI DIBACAKAN"
    with pytest.raises(TransitionError) as ei:
        check_transition(WF, "DISPOSISI KETUA", "DICATAT & DIDISTRIBUSIKAN", akd="Komisi III")
    assert "DISPOSISI DIBACAKAN" in str(ei.value)
    assert "dilompati" in ei.value.advice
