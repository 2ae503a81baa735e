"""The filled Lembar Disposisi is the record of what was signed: each paraf row prints the
official's instruction; corrections and internal notes stay in Riwayat; one printed version
per signing event (the distribution), never re-printed for a later note; a new distribution
prints the next version, whose foot and the sync summary say which version it replaces."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from siapmas_sync.documents.common import tanggal_id

from .conftest import WIB

from .test_engine import pdf_text, run_cli
from .test_kendali import OLEH, edit

GALIAN = "0001/SIAPMAS/2026"
NOTE = {"PARAF KASUBAG TU": "Berkas lengkap, teliti.", "PARAF KABAG": "Teruskan ke Sekwan.",
        "DISPOSISI SEKWAN": "Mohon disposisi Ketua.", "DISPOSISI KETUA": "Komisi III agar RDP.",
        "DISPOSISI DIBACAKAN": "Dibacakan kepada Kabag Persidangan.", "DICATAT & DIDISTRIBUSIKAN": "Dikirim ke Komisi III."}


def ok(project: Path, *args: str) -> str:
    out = run_cli(project, *args)
    assert out.returncode == 0, (args, out.stdout + out.stderr)
    return out.stdout


def step(project: Path, stage: str) -> None:
    args = ["advance", GALIAN, stage, "--by", OLEH[stage], "--note", NOTE[stage]]
    if stage == "DISPOSISI KETUA":
        args += ["--to", "Komisi III"]
    ok(project, *args)


def filled(project: Path) -> str:
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
    return " ".join(pdf_text(folder / "lembar-disposisi-terisi.pdf").split())


def test_one_printed_version_per_signing_event(project: Path) -> None:
    ok(project, "sync")
    step(project, "PARAF KASUBAG TU")
    step(project, "PARAF KABAG")
    ok(project, "advance", GALIAN, "DIKEMBALIKAN", "--note", "Salah catat: paraf Kabag keliru nama")
    step(project, "PARAF KABAG")
    ok(project, "sync")
    edit(project, GALIAN, Catatan="catatan internal operator: map biru")  # a note typed without a move
    ok(project, "sync")
    for stage in ("DISPOSISI SEKWAN", "DISPOSISI KETUA", "DISPOSISI DIBACAKAN", "DICATAT & DIDISTRIBUSIKAN"):
        step(project, stage)
    first = ok(project, "sync")
    assert "lembar-disposisi-terisi" not in first or "menggantikan" not in first
    text = filled(project)
    for stage in ("PARAF KASUBAG TU", "PARAF KABAG", "DISPOSISI SEKWAN", "DISPOSISI KETUA"):
        assert NOTE[stage] in text, stage  # every paraf row's instruction
    assert NOTE["DISPOSISI DIBACAKAN"] in text  # a signed step without a row: Catatan
    assert "Salah catat" not in text and "catatan internal" not in text and "DIKEMBALIKAN" not in text
    assert "Versi 1" in text and "menggantikan" not in text
    # the kartu kendali's Tgl Diteruskan is filled once the item is distributed
    kartu = " ".join(pdf_text(project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
                              / "kartu-kendali.pdf").split())
    assert tanggal_id(datetime.now(WIB)) in kartu, kartu  # Tgl Diteruskan (the card was received earlier)
    history = ok(project, "show", GALIAN)
    assert "Salah catat" in history and "catatan internal" in history  # kept in Riwayat

    # the AKD's later notes change nothing that was signed: nothing printed again
    ok(project, "advance", GALIAN, "TINDAK LANJUT", "--by", OLEH["TINDAK LANJUT"], "--note", "RDP dijadwalkan 10/12")
    later = ok(project, "sync")
    assert "Berkas cetak" not in later, later
    assert "RDP dijadwalkan" not in filled(project)

    # returned to the Ketua's reading and distributed again: the next signed version
    ok(project, "advance", GALIAN, "DIKEMBALIKAN", "--note", "AKD salah")
    ok(project, "advance", GALIAN, "DIKEMBALIKAN", "--note", "dibacakan ulang")
    ok(project, "sync")
    step(project, "DICATAT & DIDISTRIBUSIKAN")
    again = ok(project, "sync")
    assert "Berkas cetak" in again and "menggantikan" in again and "lembar-disposisi-terisi.pdf" in again, again
    text = filled(project)
    assert "Versi 2, menggantikan versi 1" in text
    assert "AKD salah" not in text and "dibacakan ulang" not in text
    assert text.count(NOTE["DICATAT & DIDISTRIBUSIKAN"]) == 1  # the newer distribution's note only
