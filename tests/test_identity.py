"""One submission, one number, however it is re-exported (issue #21, points 3 and 4):
Unicode normalisation (NFD/NFC), curly or straight quotes, zero-width characters and
look-alike letters (TR39 skeleton) neither give a second number nor a second receipt —
through the CLI in local mode — and a ledger written before the fold changed keeps its
numbers and still recognises its rows."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from siapmas_sync.core.intake.rows import content_hash
from siapmas_sync.core.unitext import fold, shown

from .test_inputs import agendas, export, sync, tabs

HEADER = ["Cap waktu", "Nama", "No. Tlp/WA", "E-mail", "Kronologi, Waktu dan Tempat", "Bukti Dukung"]
KRON = ("Jalan “poros” desa di Dusun Sumbersari, Desa Kemlagi, rusak berat sejak Oktober 2026; "
        "warga menyebutnya ‘jalan maut’. Café di ujung jalan sudah tutup karena sepi.")
ROW = ["27/11/2026 09.12.05", "Dewi Rahmawati", "0812-3456-7890", "dewi.rahmawati@example.com", KRON, ""]

VARIANTS = {
    "nfd": lambda r: [unicodedata.normalize("NFD", c) for c in r],
    "straight-quotes": lambda r: [c.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'") for c in r],
    "zero-width-space": lambda r: [r[0], "Dewi\u200b Rahma\u200bwati", *r[2:4], KRON.replace("rusak", "ru\u200bsak"), ""],
    "zero-width-joiner": lambda r: [r[0], "Dewi Rahm\u200dawati", *r[2:]],
    "cyrillic-a": lambda r: [r[0], "Dewi R\u0430hm\u0430w\u0430ti", *r[2:4], KRON.replace("jalan", "j\u0430lan"), ""],
    "nbsp-and-spaces": lambda r: [r[0], "Dewi\u00a0 Rahmawati ", *r[2:4], KRON.replace(" ", "  "), ""],
}


def messages(project: Path) -> list[Path]:
    return sorted((project.parent.parent / "var" / "demo" / "output" / "pesan").glob("*.eml"))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_same_submission_re_exported_another_way_gets_one_number_and_one_receipt(project, variant):
    responses = project.parent.parent / "examples" / "responses.csv"
    responses.write_bytes(export([HEADER, ROW], "utf-8"))
    first = json.loads(sync(project).stdout)
    assert first["new"] == ["0001/SIAPMAS/2026"]
    sent = messages(project)
    assert len(sent) == 1  # the receipt
    rows_before = len(tabs(project)["Jawaban Formulir 1"])

    again = VARIANTS[variant](ROW)
    assert again != ROW
    responses.write_bytes(export([HEADER, again], "utf-8"))
    out = json.loads(sync(project).stdout)
    assert out["new"] == [] and out["duplicates"] == []
    assert agendas(project) == ["0001/SIAPMAS/2026"]
    assert messages(project) == sent  # no second receipt, no "kiriman ulang" message
    assert len(tabs(project)["Jawaban Formulir 1"]) == rows_before  # no twin row in the register


def test_both_forms_in_one_export_are_one_submission(project):
    responses = project.parent.parent / "examples" / "responses.csv"
    responses.write_bytes(export([HEADER, ROW, VARIANTS["nfd"](ROW), VARIANTS["cyrillic-a"](ROW)], "utf-8"))
    out = json.loads(sync(project).stdout)
    assert out["new"] == ["0001/SIAPMAS/2026"] and out["duplicates"] == []
    assert len(messages(project)) == 1


def test_a_genuinely_different_answer_still_gets_its_own_number(project):
    responses = project.parent.parent / "examples" / "responses.csv"
    other = [ROW[0], "Dewi Rahmawati", *ROW[2:4], KRON.replace("Oktober", "September"), ""]
    responses.write_bytes(export([HEADER, ROW, other], "utf-8"))
    out = json.loads(sync(project).stdout)
    assert out["new"] == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]


def test_a_ledger_hashed_the_old_way_keeps_its_numbers_and_recognises_re_exports(project):
    """A ledger written before the fold (content hashes as the old code computed them:
    casefolded, whitespace collapsed): after the upgrade the unchanged export is still
    its responses (same keys), and an NFD re-export is recognised, not numbered."""
    responses = project.parent.parent / "examples" / "responses.csv"
    responses.write_bytes(export([HEADER, ROW], "utf-8"))
    sync(project)
    db = project.parent.parent / "var" / "demo" / "siapmas.db"
    con = sqlite3.connect(db)
    (key, payload), = con.execute("SELECT key, payload FROM responses").fetchall()
    d = json.loads(payload)
    import hashlib
    import re

    def old_norm(t: str) -> str:  # the content hash before issue 21
        return re.sub(r"\s+", " ", t).strip().casefold()
    old = hashlib.sha256("\x1f".join([old_norm(d["nama"]), old_norm(d["telepon"]), old_norm(d["email"]),
                                      old_norm(d["kronologi"]), ""]).encode()).hexdigest()
    with con:
        con.execute("UPDATE responses SET content_hash = ?", (old,))
        con.execute("DELETE FROM meta WHERE name = 'content_hash_version'")
    con.close()

    out = json.loads(sync(project).stdout)  # the same export: the same response, by its key
    assert out["new"] == [] and agendas(project) == ["0001/SIAPMAS/2026"]
    con = sqlite3.connect(db)
    assert con.execute("SELECT key, content_hash FROM responses").fetchall() == [
        (key, content_hash(d["nama"], d["telepon"], d["email"], d["kronologi"], ()))]
    con.close()
    responses.write_bytes(export([HEADER, VARIANTS["nfd"](ROW)], "utf-8"))
    out = json.loads(sync(project).stdout)
    assert out["new"] == [] and out["duplicates"] == [] and agendas(project) == ["0001/SIAPMAS/2026"]
    assert len(messages(project)) == 1


def test_fold_and_shown():
    assert fold("Dewi R\u0430hmawati") == fold("dewi rahmawati") == fold("DEWI\u200d  RAHMAWATI")
    assert fold("“jalan”") == fold('"jalan"')
    assert fold("Café") == fold(unicodedata.normalize("NFD", "Café")) != fold("Cafe")
    assert shown("foto\u202egnp.exe") == "fotognp.exe"
    assert shown("baris 1\nbaris 2\t(tab)") == "baris 1\nbaris 2\t(tab)"
