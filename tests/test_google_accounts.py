"""Real Google account set-ups, followed through the CLI against the stand-in.

* A free-Gmail office: the sheet and folders belong to a person; the service account is an
  Editor. Google refuses every file the account would own (403 storageQuotaExceeded), so
  uploads wait — and every number still reaches the sheet.
* A Workspace office: a Shared Drive with the service account as a member (README,
  "Running on Google").
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.crash_support import expect_ok
from tests.google_standin.server import GoogleStandin
from tests.worlds import SA_EMAIL, GoogleWorld, rows_as_dicts

KRON = "Jalan rusak dan berlubang di Desa Jatirejo sejak Oktober 2026; dua pengendara jatuh malam hari."
PERSON = "setwan.dprd.mojokerto@gmail.com"  # the office's own (free) account: owns the form's sheet


def _response(minutes: int, nama: str) -> list[object]:
    from tests.test_contract import T0

    return [T0 + timedelta(minutes=minutes), nama, "0812-3456-7890", f"{nama.lower()}@example.com", KRON, ""]


@pytest.fixture
def standin():
    with GoogleStandin() as g:
        yield g


def _eml(world: GoogleWorld) -> list[Path]:
    return sorted((world.tmp / "var" / "output" / "pesan").rglob("*.eml"))


def test_free_gmail_office_numbers_reach_the_sheet_when_drive_refuses(tmp_path: Path, clock, standin: GoogleStandin):
    world = GoogleWorld(tmp_path, clock, standin)
    upload = standin.create_folder("SIAPMAS Dokumen", owner=PERSON, share_with=[(SA_EMAIL, "writer")])
    text = world.config.read_text(encoding="utf-8").replace(
        "[source]\n", f'[source]\nupload_folder_id = "{upload}"\n', 1)
    world.config.write_text(text + '[notify]\ntransport = "file"\n', encoding="utf-8")
    world.add_responses([_response(0, "Ani"), _response(10, "Budi")])
    # doctor says so before the first cycle: the folder is in My Drive, and both ways out
    doctor = run_cli(world.config, "doctor")
    said = doctor.stdout + doctor.stderr
    assert doctor.returncode != 0 and "My Drive" in said and "upload_folder_id" in said
    assert "siapmas-sync login" in said and "Shared Drive" in said and "Traceback" not in said

    first = run_cli(world.config, "sync")
    assert first.returncode != 0  # a failure the operator must act on …
    out = first.stdout + first.stderr
    # … but every number and status is in the sheet already
    rows = world.responses()
    assert [r["No. Agenda"] for r in rows] == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]
    assert all(r["Tahap"] == "TERAGENDA" for r in rows)
    buku = rows_as_dicts(world.tab("Buku Agenda"))
    assert [r["No. Agenda"] for r in buku] == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]
    assert {r["No. Agenda"] for r in rows_as_dicts(world.tab("Kendali"))} == {"0001/SIAPMAS/2026", "0002/SIAPMAS/2026"}
    assert len(rows_as_dicts(world.tab("Riwayat"))) >= 2
    # Google refused the upload; nothing was stored in the person's folder
    assert standin.count(route="drive.files.upload", status=403) >= 1
    assert standin.find_files(parent=upload) == []
    # GALAT + Saran name both ways out, never the old "share the folder" advice
    assert "GALAT:" in out and "Saran:" in out and "Traceback" not in out
    assert "storageQuotaExceeded" in out and "siapmas-sync login" in out and "Shared Drive" in out
    assert "Bagikan folder unggah" not in out
    assert f"tambahkan {SA_EMAIL} sebagai Content manager" in out  # whom to add, shown whole (not personal data)
    assert "0812" not in out and "example.com" not in out
    messages = _eml(world)
    assert len(messages) == 2  # the receipts went out (file transport) despite the refusal

    world.add_responses([_response(20, "Citra")])
    second = run_cli(world.config, "sync")
    out2 = second.stdout + second.stderr
    assert second.returncode == 0, out2  # the same cause is not reported as new
    assert "GALAT:" not in out2 and "masih tertunda" in out2
    rows = world.responses()
    assert [r["No. Agenda"] for r in rows] == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026", "0003/SIAPMAS/2026"]
    assert len(_eml(world)) == 3  # only the new receipt: nothing resent
    shown = json.loads(expect_ok(run_cli(world.config, "status", "--json")).stdout)
    assert shown  # the ledger answers; nothing was renumbered

    # the office moves the folder into a Shared Drive (Workspace): the queued uploads go
    drive = standin.create_shared_drive("SIAPMAS", members=[(SA_EMAIL, "fileOrganizer")])
    shared_folder = standin.create_folder("SIAPMAS Dokumen", parents=[drive])
    world.config.write_text(world.config.read_text(encoding="utf-8").replace(upload, shared_folder), encoding="utf-8")
    third = expect_ok(run_cli(world.config, "sync"))
    assert "kembali berjalan" in third.stdout
    names = sorted(standin.file_metadata(f)["name"] for f in standin.find_files(parent=shared_folder))
    assert len(names) == 9 and names[0].startswith("0001-SIAPMAS-2026-")
    expect_ok(run_cli(world.config, "sync"))
    dokumen = [r["Dokumen"] for r in world.responses()]
    assert all(d.startswith("https://drive.google.com/file/d/") for d in dokumen), dokumen
    standin.reset_log()
    expect_ok(run_cli(world.config, "sync"))
    assert standin.count(route="drive.files.upload") == 0  # what succeeded is never sent again


def test_workspace_shared_drive_uploads_and_names_the_role_pruning_needs(tmp_path: Path, clock, standin: GoogleStandin):
    """README "Running on Google", Workspace path: a Shared Drive, the service account added
    as a member, its folder ids in the configuration. As Contributor (writer) uploads and
    backups work, but old backups cannot be removed: GALAT + Saran names the Manager role."""
    world = GoogleWorld(tmp_path, clock, standin)
    drive = standin.create_shared_drive("SIAPMAS DPRD", members=[(PERSON, "organizer"), (SA_EMAIL, "writer")])
    dokumen = standin.create_folder("Dokumen", parents=[drive])
    cadangan = standin.create_folder("Cadangan", parents=[drive])
    text = world.config.read_text(encoding="utf-8").replace("[source]\n", f'[source]\nupload_folder_id = "{dokumen}"\n', 1)
    world.config.write_text(text + f'[backup]\ndrive_folder_id = "{cadangan}"\nkeep = 1\n', encoding="utf-8")
    world.add_responses([_response(0, "Ani")])
    doctor = run_cli(world.config, "doctor")  # before the first cycle: the role pruning lacks
    said = doctor.stdout + doctor.stderr
    assert doctor.returncode != 0 and "[backup] drive_folder_id" in said and "Manager" in said
    assert "My Drive" not in said
    expect_ok(run_cli(world.config, "sync"))
    names = sorted(standin.file_metadata(f)["name"] for f in standin.find_files(parent=dokumen))
    assert names == ["0001-SIAPMAS-2026-kartu-kendali.pdf", "0001-SIAPMAS-2026-lembar-aduan.pdf",
                     "0001-SIAPMAS-2026-lembar-disposisi.pdf"]
    meta = standin.file_metadata(standin.find_files(parent=dokumen)[0])
    assert meta["driveId"] == drive and "owners" not in meta  # owned by the Shared Drive

    expect_ok(run_cli(world.config, "backup"))
    second = run_cli(world.config, "backup")
    out = second.stdout + second.stderr
    assert second.returncode != 0 and "GALAT:" in out and "Saran:" in out and "Traceback" not in out
    assert "Manager" in out and "organizer" in out and "Contributor" in out
    assert len(standin.find_files(parent=cadangan)) == 2  # nothing lost; the backup itself is in Drive

    standin.share(drive, SA_EMAIL, "organizer")  # the office follows the advice
    expect_ok(run_cli(world.config, "doctor"))
    expect_ok(run_cli(world.config, "backup"))
    assert len(standin.find_files(parent=cadangan)) == 1  # pruned to [backup] keep


def test_a_refused_recap_upload_waits_and_goes_once_drive_takes_it(tmp_path: Path, clock, standin: GoogleStandin):
    """`run`'s monthly recap: written locally even when Drive refuses the upload; the upload
    stays queued and goes on a later cycle once the folder is one the account may fill."""
    world = GoogleWorld(tmp_path, clock, standin)
    mine = standin.create_folder("Rekap", owner=PERSON, share_with=[(SA_EMAIL, "writer")])
    text = world.config.read_text(encoding="utf-8")
    world.config.write_text(text + f'[rekap]\nbulanan = true\ndrive_folder_id = "{mine}"\n', encoding="utf-8")
    world.add_responses([_response(0, "Ani")])
    first = run_cli(world.config, "run", "--once", process=True)  # `run` as the service starts it
    said = first.stdout + first.stderr
    assert "storageQuotaExceeded" in said and "siapmas-sync login" in said and "Traceback" not in said
    written = sorted(p.name for p in (world.tmp / "var" / "output" / "rekap").glob("rekap-*"))
    assert len(written) == 2 and standin.find_files(parent=mine) == []
    drive = standin.create_shared_drive("SIAPMAS", members=[(SA_EMAIL, "fileOrganizer")])
    shared_folder = standin.create_folder("Rekap", parents=[drive])
    world.config.write_text(world.config.read_text(encoding="utf-8").replace(mine, shared_folder), encoding="utf-8")
    run_cli(world.config, "run", "--once", process=True)
    assert sorted(standin.file_metadata(f)["name"] for f in standin.find_files(parent=shared_folder)) == written
