"""Lost work (#15), local backend: an operator's save is never overwritten by the worker,
and the office suites' lock files hold the register write until the workbook is closed."""

from __future__ import annotations

import csv
import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest

from siapmas_sync.backends.local import LocalBackend
from siapmas_sync.backends.workbook_guard import _libreoffice_running, excel_owner

from .test_engine import REPO, by_header, run_cli, sheet
from .test_kendali import STAGES, edit, kendali, register_of

NEXT = STAGES[0]  # the step after TERAGENDA
OWNER = "Siti Aminah"


def add_response(project: Path, name: str = "Agus") -> None:
    responses = project.parent.parent / "examples" / "responses.csv"
    with responses.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([
            "28/11/2026 13.00.00", name, "0813-1111-2222", "agus@example.com",
            "Pupuk bersubsidi langka di Kecamatan Dawarblandong sejak awal November 2026, petani tidak bisa tanam.",
            "", "",
        ])


def excel_lock_bytes(name: str) -> bytes:
    """An Excel owner file (~$name.xlsx) as Excel writes it: 165 bytes."""
    data = bytes([len(name)]) + name.encode("cp1252")
    data += b" " * (55 - len(data)) + len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    return (data + b" \x00" * 60)[:165]


def lock_file(register: Path, app: str, host: str = "kantor-tu-02") -> Path:
    if app == "Excel":
        path = register.with_name("~$" + register.name)
        path.write_bytes(excel_lock_bytes(OWNER))
    else:
        path = register.with_name(f".~lock.{register.name}#")
        path.write_text(f"{OWNER},siti,{host},30.11.2026 09:12,file:///home/siti/.config/libreoffice/4;",
                        encoding="utf-8")
    return path


def riwayat_of(project: Path, agenda: str) -> list[dict[str, object]]:
    return [r for r in by_header(sheet(register_of(project), "Riwayat")) if r["No. Agenda"] == agenda]


def test_excel_owner_file_names_who_has_it_open():
    assert excel_owner(excel_lock_bytes(OWNER)) == OWNER
    assert excel_owner(b"") == ""


def test_an_edit_saved_while_a_cycle_runs_survives_and_is_judged_next_cycle(project, make_engine, monkeypatch):
    make_engine(project).cycle()
    # between cycles: an edit the next cycle judges, a step given on the CLI, a new response
    edit(project, "0003/SIAPMAS/2026", Catatan="Pelapor ditelepon; bukti menyusul.")
    make_engine(project).steps.advance("0004/SIAPMAS/2026", NEXT, by="Dwi Lestari", channel="cli")
    add_response(project)

    write = LocalBackend.write

    def operator_saves_meanwhile(self, plans, controls=None, **kw):  # Ctrl+S in Excel mid-cycle
        edit(project, "0002/SIAPMAS/2026", Tahap=NEXT, Oleh="Dwi Lestari (Kasubag TU)")
        return write(self, plans, controls, **kw)

    monkeypatch.setattr(LocalBackend, "write", operator_saves_meanwhile)
    report = make_engine(project).cycle()
    assert report.new == ["0007/SIAPMAS/2026"]  # numbering and documents go on
    assert [(s.agenda_no, s.accepted) for s in report.steps] == [("0003/SIAPMAS/2026", True)]
    assert report.cells_written == 0
    assert "disimpan orang lain selama siklus berjalan" in report.summary_id()
    k = kendali(project)
    assert k["0002/SIAPMAS/2026"]["Tahap"] == NEXT  # the operator's save is still there
    assert "0007/SIAPMAS/2026" not in k

    monkeypatch.setattr(LocalBackend, "write", write)
    report = make_engine(project).cycle()
    # judged now, once; the edit judged before is not judged again, the CLI step not taken for an edit
    assert [(s.agenda_no, s.accepted) for s in report.steps] == [("0002/SIAPMAS/2026", True)]
    k = kendali(project)
    assert k["0002/SIAPMAS/2026"]["Tahap"] == NEXT and k["0002/SIAPMAS/2026"]["Pesan"].startswith("✓")
    assert k["0004/SIAPMAS/2026"]["Tahap"] == NEXT
    assert k["0003/SIAPMAS/2026"]["Pesan"].startswith("✓") and k["0003/SIAPMAS/2026"]["Catatan"] in ("", None)
    assert "0007/SIAPMAS/2026" in k
    assert [(r["Ke Tahap"], r["Saluran"]) for r in riwayat_of(project, "0002/SIAPMAS/2026")][-1] == (NEXT, "kendali")
    assert sum(r["Peristiwa"] == "CATATAN" for r in riwayat_of(project, "0003/SIAPMAS/2026")) == 1
    assert make_engine(project).cycle().steps == []


def test_cli_a_save_during_sync_is_not_overwritten(project):
    assert run_cli(project, "sync").returncode == 0
    add_response(project)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from siapmas_sync.backends.local import LocalBackend\n"
        "from tests.test_kendali import edit\n"
        "write = LocalBackend.write\n"
        "def saving(self, plans, controls=None, **kw):\n"
        f"    edit(Path({str(project)!r}), '0002/SIAPMAS/2026', Tahap={NEXT!r}, Oleh='Dwi Lestari (Kasubag TU)')\n"
        "    return write(self, plans, controls, **kw)\n"
        "LocalBackend.write = saving\n"
        "from siapmas_sync.cli import main\n"
        f"sys.exit(main(['--config', {str(project)!r}, 'sync']))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    import subprocess

    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "status ditulis pada siklus berikutnya" in r.stdout and "Traceback" not in r.stderr
    assert kendali(project)["0002/SIAPMAS/2026"]["Tahap"] == NEXT

    r = run_cli(project, "sync")
    assert r.returncode == 0 and "Isian Kendali: 1 dicatat" in r.stdout
    row = kendali(project)["0002/SIAPMAS/2026"]
    assert row["Tahap"] == NEXT and row["Pesan"].startswith("✓")
    assert "0007/SIAPMAS/2026" in kendali(project)


@pytest.mark.parametrize("app", ["Excel", "LibreOffice"])
def test_a_workbook_open_in_an_office_suite_is_written_after_it_is_closed(project, app):
    assert run_cli(project, "sync").returncode == 0
    register = register_of(project)
    lock = lock_file(register, app)  # opened in Excel/LibreOffice …
    edit(project, "0002/SIAPMAS/2026", Tahap=NEXT, Oleh="Dwi Lestari (Kasubag TU)")  # … an edit saved, the workbook still open
    add_response(project)
    saved = register.read_bytes()

    for _ in range(2):  # as long as it is open, every cycle waits (and judges the edit once)
        r = run_cli(project, "sync")
        assert r.returncode == 0, r.stderr
        assert f"Buku register sedang dibuka di {app} oleh {OWNER}" in r.stdout
        assert "status ditulis pada siklus berikutnya setelah berkas ditutup" in r.stdout
        assert register.read_bytes() == saved
    items = json.loads(run_cli(project, "status", "--json").stdout)
    assert [i["agenda"] for i in items][-1] == "0007/SIAPMAS/2026"
    assert all(Path(p).is_file() for p in items[-1]["documents"].values()) and items[-1]["documents"]
    history = json.loads(run_cli(project, "show", "0002/SIAPMAS/2026", "--json").stdout)["history"]
    assert [h["to"] for h in history if h["channel"] == "kendali"] == [NEXT]

    lock.unlink()  # closed
    r = run_cli(project, "sync")
    assert r.returncode == 0 and "sedang dibuka" not in r.stdout
    row = kendali(project)["0002/SIAPMAS/2026"]
    assert row["Tahap"] == NEXT and row["Pesan"].startswith("✓")
    assert "0007/SIAPMAS/2026" in kendali(project)
    assert [r["Ke Tahap"] for r in riwayat_of(project, "0002/SIAPMAS/2026") if r["Saluran"] == "kendali"] == [NEXT]


def test_a_stale_lock_file_does_not_block_and_is_named(project, make_engine):
    make_engine(project).cycle()
    register = register_of(project)
    lock = lock_file(register, "Excel")
    old = time.time() - 13 * 3600
    os.utime(lock, (old, old))
    add_response(project)
    report = make_engine(project).cycle()
    assert report.cells_written > 0 and "0007/SIAPMAS/2026" in kendali(project)
    assert any(lock.name in n and "sudah berumur 13 jam" in n and "hapus berkas kunci" in n for n in report.notices)


@pytest.mark.skipif(_libreoffice_running() is not False, reason="needs /proc and no LibreOffice running here")
def test_a_libreoffice_lock_of_this_computer_without_libreoffice_is_stale(project, make_engine):
    make_engine(project).cycle()
    lock_file(register_of(project), "LibreOffice", host=socket.gethostname())
    add_response(project)
    report = make_engine(project).cycle()
    assert "0007/SIAPMAS/2026" in kendali(project)
    assert any("LibreOffice tidak sedang berjalan" in n for n in report.notices)
