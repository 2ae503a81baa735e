"""What is shown of free text (issue #21, points 8 and 9), through the CLI in local mode:
a reporter's phone or e-mail typed into a step's note is masked by `show`, `show --json`
and the Riwayat tab, and a name with bidi controls (U+202E) reads the same in the sheet,
on the Lembar Aduan and in the e-mail."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import openpyxl
from pypdf import PdfReader

from .test_inputs import export, run_cli, sync

ITEM = "0001/SIAPMAS/2026"
NOTE = "Pelapor minta dihubungi di 0812-3456-7890 atau budi.santoso@example.com sebelum rapat."
HEADER = ["Cap waktu", "Nama", "No. Tlp/WA", "E-mail", "Kronologi, Waktu dan Tempat", "Bukti Dukung"]
KRON = "Jalan poros Desa Kemlagi berlubang dan banjir setiap hujan sejak Oktober 2026, warga jatuh dari motor."


def register(project: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(project.parent.parent / "var" / "demo" / "register.xlsx")


def column(wb: openpyxl.Workbook, tab: str, title: str) -> list[str]:
    rows = list(wb[tab].iter_rows(values_only=True))
    i = list(rows[0]).index(title)
    return [str(r[i] or "") for r in rows[1:]]


def assert_masked(text: str) -> None:
    assert "3456-7890" not in text and "budi.santoso@" not in text, text
    assert "b***@example.com" in text and "0812****90" in text, text


def test_a_phone_and_e_mail_typed_into_a_note_are_masked_everywhere_it_is_shown(project):
    sync(project)
    r = run_cli(project, "advance", ITEM, "PARAF KASUBAG TU", "--by", "Dwi Lestari", "--note", NOTE)
    assert r.returncode == 0, r.stderr
    shown = run_cli(project, "show", ITEM)
    assert shown.returncode == 0, shown.stderr
    assert_masked(shown.stdout)
    as_json = run_cli(project, "show", ITEM, "--json")
    [note] = [h["note"] for h in json.loads(as_json.stdout)["history"] if "sebelum rapat" in h["note"]]
    assert_masked(note)
    assert "3456-7890" not in as_json.stdout and "budi.santoso@" not in as_json.stdout
    sync(project)
    [riwayat] = [c for c in column(register(project), "Riwayat", "Catatan") if "sebelum rapat" in c]
    assert_masked(riwayat)


def test_a_name_with_a_right_to_left_override_reads_the_same_on_screen_paper_and_mail(project):
    name = "Budi \u202egnp.exe"
    responses = project.parent.parent / "examples" / "responses.csv"
    # the name is quoted only to an address confirmed as the reporter's own (notify.relay): the
    # form collects verified e-mail addresses ("Email Address") and Budi typed the same one
    responses.write_bytes(export([HEADER + ["Email Address"],
                                  ["27/11/2026 09.12.05", name, "081234567890", "budi@example.com", KRON, "",
                                   "budi@example.com"]], "utf-8"))
    project.write_text(project.read_text(encoding="utf-8").replace(
        'status_url = ""', 'status_url = ""\nform_collects_verified_email = true', 1), encoding="utf-8")
    sync(project)
    wb = register(project)
    assert column(wb, "Buku Agenda", "Pengirim") == ["Budi gnp.exe"]
    assert column(wb, "Kendali", "Pelapor") == ["Budi gnp.exe"]
    for ws in wb:  # no bidi control in any cell we wrote (the response tab mirrors the form's answers as given)
        if ws.title == "Jawaban Formulir 1":
            continue
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "\u202e" in v for v in row), (ws.title, row)
    r = run_cli(project, "show", ITEM)
    assert "Pelapor      : Budi gnp.exe" in r.stdout and "\u202e" not in r.stdout
    assert "\u202e" not in run_cli(project, "show", ITEM, "--json").stdout
    out = project.parent.parent / "var" / "demo" / "output"
    [pdf] = out.glob("2026/0001*/lembar-aduan.pdf")
    assert "Budi gnp.exe" in PdfReader(pdf).pages[0].extract_text()
    [eml] = (out / "pesan").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",)).get_content()
    # the echoed name has its host-like text made inert (notify.relay.defang): "gnp[.]exe"
    assert "Yth. Saudara Budi gnp[.]exe" in body and "\u202e" not in body
    assert "\u202e" not in msg.get_body(preferencelist=("html",)).get_content()
