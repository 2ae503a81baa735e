"""Google-specific behaviour: request counts per cycle, faults, evidence on Drive, the
token flow, and `doctor` in each failure mode — all through the real client libraries
against the loopback stand-in."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from pathlib import Path
from urllib.parse import parse_qs

import pytest
from PIL import Image
from pypdf import PdfReader

from siapmas_sync.errors import BackendAccessError
from siapmas_sync.core.kendali_sheet import KENDALI_TAB

from . import clirun
from .clirun import CliResult
from .conftest import Clock
from .google_standin.server import GoogleStandin
from .test_contract import KRON, response
from .worlds import SA_EMAIL, GoogleWorld, rows_as_dicts


def jpeg(size: tuple[int, int] = (64, 48), noise: bool = False) -> bytes:
    img = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, (200, 120, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    return buf.getvalue()


@pytest.fixture
def standin() -> Iterator[GoogleStandin]:
    with GoogleStandin() as g:
        yield g


@pytest.fixture
def world(tmp_path: Path, clock: Clock, standin: GoogleStandin) -> Iterator[GoogleWorld]:
    evidence = {
        "foto-jalan.jpg": jpeg(),
        "foto-besar.jpg": jpeg((1600, 1200), noise=True),
        "video.mp4": b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000,
        "palsu.jpg": b"MZ\x90\x00 this is not an image",
    }
    w = GoogleWorld(tmp_path, clock, standin, evidence)
    yield w
    w.close()


def link(world: GoogleWorld, name: str) -> str:
    return f"https://drive.google.com/open?id={world.files[name]}"


def q_of(request: object) -> str:
    return parse_qs(request.query).get("q", [""])[0]  # type: ignore[attr-defined]


def sheets_calls(standin: GoogleStandin) -> int:
    return standin.count(api="sheets")


def test_request_counts_per_cycle(world: GoogleWorld, standin: GoogleStandin):
    engine = world.engine()  # one process = one engine, reused like `run` does
    standin.reset_log()
    engine.cycle()  # first run on an empty form: metadata, batchGet, tabs created, headers written
    first = sheets_calls(standin)
    assert first == 4
    standin.reset_log()
    engine.cycle()
    # our own write-back just happened: inside Drive's lag window the sheet is read again
    # (tests/test_idle.py: after the window the cycle is one files.get and no Sheets request)
    assert sheets_calls(standin) == 1 and standin.count(api="drive") == 1

    world.add_responses([response(0, "Ani")])
    standin.reset_log()
    engine.cycle()
    one_row = sheets_calls(standin)
    # one batchGet + one values:batchUpdate (the grid is large enough already) + the Dasbor's
    # figures changed: one spreadsheets.batchUpdate (its cells, formula and charts)
    assert one_row == 3
    assert standin.count(api="sheets", route="sheets.batchUpdate") == 1
    standin.reset_log()
    engine.cycle()
    assert sheets_calls(standin) == 1  # inside the lag window: one read, nothing to write

    world.add_responses([response(10 + i, f"Warga {i}", f"{KRON} nomor {i}") for i in range(500)])
    standin.reset_log()
    report = engine.cycle()
    assert len(report.new) == 500
    five_hundred = sheets_calls(standin)
    assert five_hundred <= one_row + 1  # constant: at most one grid growth on top
    assert standin.count(api="sheets", route="sheets.values.batchUpdate") == 1
    counts = {"first run": first, "idle": 1, "1 new row": one_row, "500 new rows": five_hundred}
    print("Sheets requests per cycle:", counts)


def test_status_is_written_raw_in_one_batch(world: GoogleWorld, standin: GoogleStandin):
    world.add_responses([response(0, "=HYPERLINK(\"http://x\")", "=1+1 " + KRON)])
    world.engine().cycle()
    writes = [r for r in standin.requests if r.route == "sheets.values.batchUpdate"]
    assert len(writes) == 1
    assert world.cell_is_text("Buku Agenda", '=HYPERLINK("http://x")')


def test_kendali_tab_has_dropdowns_checkbox_and_protection(world: GoogleWorld, standin: GoogleStandin):
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    state = standin.sheet_state(world.sid, KENDALI_TAB)
    dumped = json.dumps(state)
    assert "ONE_OF_LIST" in dumped and "PARAF KASUBAG TU" in dumped and "Sangat Segera" in dumped
    assert "BOOLEAN" in dumped
    protected = state.get("protectedRanges", [])
    assert protected and all(SA_EMAIL in p["editors"]["users"] for p in protected)
    header = world.tab(KENDALI_TAB)[0]
    protected_cols = {header[p["range"]["startColumnIndex"]] for p in protected}
    assert "Batas Waktu" in protected_cols and "Tahap" not in protected_cols and "Catatan" not in protected_cols
    # typed by operators (several AKD / harap as comma lists, the person, the report): open
    for title in ("Perihal", "Oleh", "Diteruskan ke", "Harap", "Laporan", "Lampiran"):
        assert title not in protected_cols, title


def test_evidence_matched_by_drive_id_with_size_cap_and_no_video_download(world: GoogleWorld, standin: GoogleStandin):
    bukti = ", ".join(link(world, n) for n in ("foto-jalan.jpg", "foto-besar.jpg", "video.mp4", "palsu.jpg"))
    world.add_responses([response(0, "Ani", bukti=bukti + ", https://drive.google.com/open?id=1hilangXYZ")])
    engine = world.engine(SIAPMAS_SOURCE__THUMBNAIL_MAX_BYTES="200000")
    report = engine.cycle()
    assert report.new == ["0001/SIAPMAS/2026"]
    media = [r for r in standin.requests if r.route == "drive.files.media"]
    downloaded = {r.path.rsplit("/", 1)[-1] for r in media}
    assert world.files["foto-jalan.jpg"] in downloaded
    assert world.files["video.mp4"] not in downloaded and world.files["foto-besar.jpg"] not in downloaded
    item = engine.agenda_item(engine.ledger.item_records()[0])
    by_name = {e.name: e for e in item.evidence if e.name}
    assert by_name["foto-jalan.jpg"].local_path is not None and by_name["foto-jalan.jpg"].size > 0
    assert by_name["foto-besar.jpg"].local_path is None  # over the cap: no thumbnail
    assert by_name["video.mp4"].mime == "video/mp4"
    codes = {f.code for f in item.findings}
    assert "bukti_hilang" in codes  # the missing id is a finding, not a crash


def test_drive_is_listed_incrementally(world: GoogleWorld, standin: GoogleStandin):
    engine = world.engine()
    world.add_responses([response(0, "Ani", bukti=link(world, "foto-jalan.jpg"))])
    engine.cycle()
    first = [r for r in standin.requests if r.route == "drive.files.list"]
    assert len(first) == 1 and "modifiedTime" not in q_of(first[0])
    fid = standin.add_drive_file("baru.jpg", jpeg(), world.folder, "image/jpeg")
    world.add_responses([response(30, "Budi", bukti=f"https://drive.google.com/open?id={fid}")])
    standin.reset_log()
    engine.cycle()
    lists = [r for r in standin.requests if r.route == "drive.files.list"]
    assert len(lists) == 1 and "modifiedTime >" in q_of(lists[0])
    evidence_gets = [r for r in standin.requests if r.route == "drive.files.get" and world.sid not in r.path]
    assert evidence_gets == []  # found through the listing (the one files.get is the sheet's version)


def test_converges_under_injected_faults(world: GoogleWorld, standin: GoogleStandin):
    world.add_responses([response(i, f"Warga {i}", f"{KRON} {i}") for i in range(40)])
    for kind in ("429", "500", "503", "drop"):
        standin.faults.add("*", kind, probability=0.05, retry_after=0)
    engine = world.engine(SIAPMAS_SOURCE__MAX_RETRIES="8")
    for _ in range(10):
        try:
            engine.cycle()
        except BackendAccessError:
            continue  # a cycle that gave up is finished by the next one
    standin.faults.clear()
    engine.cycle()
    seqs = sorted(r.seq for r in engine.ledger.item_rows())
    assert seqs == list(range(1, 41))  # gapless, no doubles
    rows = world.responses()
    assert sorted(r["No. Agenda"] for r in rows) == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 41)]
    assert len(rows_as_dicts(world.tab("Buku Agenda"))) == 40
    assert engine.cycle().cells_written == 0


def test_429_retry_after_is_honoured(world: GoogleWorld, standin: GoogleStandin):
    standin.faults.add("sheets.values.batchGet", "429", count=2, retry_after=0)
    world.engine().cycle()
    assert standin.count(route="sheets.values.batchGet", status=429) == 2
    assert standin.count(route="sheets.values.batchGet", status=200) == 1


def run_cli(config: Path, *args: str, env: dict[str, str] | None = None) -> CliResult:
    return clirun.run_cli(config, *args, env=env)


def test_rejected_key_is_a_clear_error(world: GoogleWorld, standin: GoogleStandin):
    standin.revoke_key(SA_EMAIL)
    r = run_cli(world.config, "sync")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "kunci" in r.stderr.lower() and "Saran:" in r.stderr
    assert "PRIVATE KEY" not in r.stderr + r.stdout


def test_doctor_all_ok(world: GoogleWorld, standin: GoogleStandin):
    world.add_responses([response(0, "Ani")])
    standin.reset_log()
    r = run_cli(world.config, "doctor")
    assert r.returncode == 0, r.stdout
    assert r.stdout.count("[OK   ]") >= 7
    assert "dapat ditulis / writable (Editor)" in r.stdout
    # the write check changes nothing: no Sheets write of any kind, one Drive capabilities read
    assert standin.count(api="sheets", method="POST") == 0 and standin.count(api="sheets", method="PUT") == 0
    assert any("capabilities" in parse_qs(q.query).get("fields", [""])[0] for q in standin.requests
               if q.route == "drive.files.get")


@pytest.mark.parametrize("mode", ["no-share", "read-only", "wrong-id", "renamed-header", "revoked-key", "folder-not-shared"])
def test_doctor_failure_modes(world: GoogleWorld, standin: GoogleStandin, mode: str):
    config = world.config
    if mode == "no-share":
        standin.unshare(world.sid, SA_EMAIL)
        expect = f"Bagikan spreadsheet {world.sid} kepada {SA_EMAIL}"
    elif mode == "read-only":  # shared as Viewer: readable, so only the write check can tell
        standin.share(world.sid, SA_EMAIL, "reader")
        expect = f"Bagikan spreadsheet itu kepada {SA_EMAIL} sebagai Editor"
    elif mode == "wrong-id":
        config.write_text(config.read_text().replace(world.sid, "1TidakAdaSpreadsheetIni"))
        expect = "tidak ditemukan (404)"
    elif mode == "renamed-header":
        values = world.tab(world.response_tab)
        values[0][4] = "Kronologis Kejadian"
        world.put_tab(world.response_tab, values)
        expect = "Kronologis Kejadian"  # the did-you-mean names the renamed column
    elif mode == "revoked-key":
        standin.revoke_key(SA_EMAIL)
        expect = "Buat kunci JSON baru"
    else:
        standin.unshare(world.folder, SA_EMAIL)
        expect = "Viewer"
    r = run_cli(config, "doctor")
    assert r.returncode == 1
    assert "[GAGAL]" in r.stdout and expect in r.stdout, r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_hostile_evidence_names_are_just_names(world: GoogleWorld, standin: GoogleStandin):
    names = ["../../etc/passwd.jpg", "/abs/olut.png", "CON.jpg", "nul\x00byte.jpg", "x" * 300 + ".jpg"]
    ids = [standin.add_drive_file(n, jpeg(), world.folder, "image/jpeg") for n in names]
    zero = standin.add_drive_file("kosong.jpg", b"", world.folder, "image/jpeg")
    bukti = ", ".join(f"https://drive.google.com/open?id={i}" for i in ids + [zero])
    world.add_responses([response(0, "Ani", bukti=bukti)])
    engine = world.engine()
    report = engine.cycle()
    assert report.new == ["0001/SIAPMAS/2026"] and not report.render_errors
    cache = world.tmp / "var" / "bukti-cache"
    assert all(p.parent == cache for p in cache.rglob("*") if p.is_file())  # nothing written outside the cache
    assert not (world.tmp / "etc").exists() and not Path("/abs").exists()
    item = engine.agenda_item(engine.ledger.item_records()[0])
    assert len(item.evidence) == 6 and all(e.found for e in item.evidence)
    assert next(e for e in item.evidence if e.name == "kosong.jpg").local_path is None  # zero bytes: no thumbnail


def test_generated_pdfs_are_uploaded_and_linked_once(world: GoogleWorld, standin: GoogleStandin):
    # a service account may create files only in a shared drive (Workspace): Content manager
    drive = standin.create_shared_drive("SIAPMAS", members=[(SA_EMAIL, "fileOrganizer")])
    upload = standin.create_folder("SIAPMAS Dokumen", parents=[drive])
    world.add_responses([response(0, "Ani")])
    env = {"SIAPMAS_SOURCE__UPLOAD_FOLDER_ID": upload}
    world.engine(**env).cycle()
    world.engine(**env).cycle()  # the links reach the sheet with the write-back after the upload
    names = sorted(standin.file_metadata(f)["name"] for f in standin.find_files(parent=upload))
    assert names == ["0001-SIAPMAS-2026-kartu-kendali.pdf", "0001-SIAPMAS-2026-lembar-aduan.pdf",
                     "0001-SIAPMAS-2026-lembar-disposisi.pdf"]
    uploaded = standin.file_content(standin.find_files(name="0001-SIAPMAS-2026-lembar-aduan.pdf")[0])
    assert uploaded.startswith(b"%PDF")
    dokumen = world.responses()[0]["Dokumen"]
    assert dokumen.count("\n") == 2 and all(line.startswith("http") for line in dokumen.split("\n"))
    # re-rendering (e.g. rahasia switched on) reuses the files instead of uploading copies
    world.edit("Kendali", "0001/SIAPMAS/2026", Rahasia=True)
    world.engine(**env).cycle()
    assert len(standin.find_files(parent=upload)) == 3
    masked = standin.file_content(standin.find_files(name="0001-SIAPMAS-2026-lembar-aduan.pdf")[0])
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(masked)).pages)
    assert "Ani" not in text and "Dirahasiakan" in text  # the shared copy is masked too


def test_question_added_to_the_form_later_is_kept(world: GoogleWorld, standin: GoogleStandin):
    world.add_responses([response(0, "Ani")])
    engine = world.engine()
    engine.cycle()
    values = world.tab(world.response_tab)
    values[0].append("Kecamatan")  # Google appends a new question after our status columns
    world.put_tab(world.response_tab, values)
    row = response(10, "Budi")
    world.add_responses([row + [""] * (len(values[0]) - len(row) - 1) + ["Kemlagi"]])
    report = engine.cycle()
    assert report.new == ["0002/SIAPMAS/2026"]
    item = engine.agenda_item(engine.ledger.find_item("0002/SIAPMAS/2026"))
    assert ("Kecamatan", "Kemlagi") in item.submission.extra
    assert world.tab(world.response_tab)[0].count("No. Agenda") == 1


def test_sixty_thousand_characters_go_through_a_full_cycle(world: GoogleWorld, standin: GoogleStandin):
    """Google refuses a whole values:batchUpdate when one cell holds more than 50,000
    characters; a citizen's long text or an operator's long note must never block the
    write-back: it is cut, visibly, and the next cycle leaves it alone."""
    kron = ("Jalan rusak di Desa Kemlagi sejak Januari, warga sudah melapor ke desa. " * 900)[:60_000]
    name = ("Budi Santoso (kronologi ditempel di kolom nama) " * 1300)[:60_000]
    world.add_responses([response(0, name, kron), response(5, "Ani")])
    r = run_cli(world.config, "sync")
    assert r.returncode == 0, r.stderr
    agenda = world.responses()[0]["No. Agenda"]
    assert agenda and world.responses()[1]["No. Agenda"]
    note = ("Catatan operator: hasil rapat koordinasi dengan Dinas PU. " * 1100)[:60_000]
    r = run_cli(world.config, "advance", agenda, "PARAF KASUBAG TU", "--note", note, "--by", "Sri (TU)")
    assert r.returncode == 0, r.stderr
    r = run_cli(world.config, "sync")
    assert r.returncode == 0, r.stderr
    assert standin.count(status=400) == 0, [q for q in standin.requests if q.status == 400]

    marker = "… [dipotong, lihat dokumen]"
    pengirim = next(row["Pengirim"] for row in rows_as_dicts(world.tab("Buku Agenda")) if row["No. Agenda"] == agenda)
    assert pengirim.startswith("Budi Santoso") and pengirim.endswith(marker) and len(pengirim) < 50_000
    catatan = [row["Catatan"] for row in rows_as_dicts(world.tab("Riwayat")) if str(row["Catatan"]).startswith("Catatan operator")]
    assert catatan and all(c.endswith(marker) and len(c) < 50_000 for c in catatan)
    kendali = {row["No. Agenda"]: row for row in rows_as_dicts(world.tab(KENDALI_TAB))}
    assert kendali[agenda]["Tahap"] == "PARAF KASUBAG TU"
    standin.reset_log()
    assert run_cli(world.config, "sync").returncode == 0
    assert standin.count(route="sheets.values.batchUpdate") == 0  # cut once, then left alone
    # the documents keep the whole text
    shown = json.loads(run_cli(world.config, "show", agenda, "--json").stdout)
    assert shown["agenda"] == agenda


def test_drive_requests_quote_names_and_go_resumable_above_5_mb(world: GoogleWorld, standin: GoogleStandin, tmp_path: Path):
    upload = standin.create_folder("Unggahan", parents=[standin.create_shared_drive("S", [(SA_EMAIL, "writer")])])
    small = tmp_path / "O'Brien \\ 0001" / "lembar-aduan.pdf"
    big = tmp_path / "0002" / "cetak.pdf"
    for path, size in ((small, 2000), (big, 6 * 1024 * 1024)):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"%PDF-1.4\n" + b"0" * size)
    backend = world.engine(SIAPMAS_SOURCE__UPLOAD_FOLDER_ID=upload).backend
    links = backend.publish([small, big])
    assert len(links) == 2 and all(links)
    assert standin.find_files("O'Brien \\ 0001-lembar-aduan.pdf", upload)
    assert backend.publish([small]) == links[:1]  # found again by its (escaped) name: replaced, not duplicated
    assert len(standin.find_files(parent=upload)) == 2
    uploads = [parse_qs(q.query).get("uploadType", [""])[0] for q in standin.requests if q.route == "drive.files.upload"]
    assert "resumable" in uploads and "multipart" in uploads
    assert standin.count(status=400) == 0


def test_a_nearly_full_spreadsheet_is_a_sentence_not_a_bare_400(world: GoogleWorld, standin: GoogleStandin):
    """Growing the register tabs past Google's 10 million cells would be refused whole; the
    worker says so before asking, with what to do, and keeps the numbers it assigned."""
    grid = standin.store.spreadsheets[world.sid]["sheets"][0]["properties"]["gridProperties"]
    grid["rowCount"], grid["columnCount"] = 999_000, 10  # 9.99 million cells of responses
    world.add_responses([response(0, "Ani")])
    standin.reset_log()
    r = run_cli(world.config, "sync")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "GALAT:" in r.stderr and "10.000.000 sel" in r.stderr and "Saran:" in r.stderr, r.stderr
    assert standin.count(route="sheets.batchUpdate") == 0 and standin.count(status=400) == 0
    items = json.loads(run_cli(world.config, "status", "--json").stdout)
    assert [i["agenda"] for i in items] == ["0001/SIAPMAS/2026"]  # numbered; the sheet follows once there is room
    grid["rowCount"] = 1000
    assert run_cli(world.config, "sync").returncode == 0
    assert world.responses()[0]["No. Agenda"] == "0001/SIAPMAS/2026"


def test_a_write_back_larger_than_one_request_may_be_is_split_between_rows(world: GoogleWorld, standin: GoogleStandin):
    """Google refuses request bodies over 10 MB and recommends 2 MB: a first write-back of
    a large sheet (here 12 MB of text, which the stand-in would refuse as one request) goes
    out in several values:batchUpdates, and all of it arrives."""
    from siapmas_sync.backends.google_requests import WRITE_PAYLOAD_BUDGET
    from siapmas_sync.core.models import CellUpdate
    from siapmas_sync.core.sheetplan import TablePlan

    text = "Kronologi panjang dari warga yang ditempel di kolom ini. " * 520  # ~30,000 characters
    updates = [CellUpdate("Buku Agenda", 0, 0, "No."), CellUpdate("Buku Agenda", 0, 1, "Pengirim"),
               CellUpdate("Buku Agenda", 0, 2, "Ket.")]
    for r in range(1, 401):
        updates += [CellUpdate("Buku Agenda", r, 0, r), CellUpdate("Buku Agenda", r, 1, f"{r}: {text}"),
                    CellUpdate("Buku Agenda", r, 2, "TERAGENDA")]
    backend = world.engine().backend
    standin.reset_log()
    backend.write([TablePlan("Buku Agenda", ["No.", "Pengirim", "Ket."], True, updates)])
    assert standin.count(status=400) == 0
    writes = standin.count(route="sheets.values.batchUpdate")
    assert 6 <= writes <= 8, writes
    rows = world.tab("Buku Agenda")
    assert len(rows) == 401 and all(rows[r] == [r, f"{r}: {text}", "TERAGENDA"] for r in range(1, 401))
    assert WRITE_PAYLOAD_BUDGET < 10_485_760


def test_a_large_write_back_goes_out_in_parts_as_it_is_planned(world: GoogleWorld, standin: GoogleStandin):
    """A first write-back of a large backlog (10,000 items: 540,000 cells) is sent in parts
    while it is planned, so the worker never holds all its cells at once (here a part is
    40 cells: 14 items make several). The sheet ends up as one write leaves it: every
    response numbered, Buku Agenda, Kendali and Riwayat complete and in order, the Kendali
    states recorded (the next cycle sees no operator edit) and nothing left to write."""
    engine = world.engine()
    assert engine.backend.part_cells > 10_000  # the product's part: small write-backs stay one request
    engine.backend.part_cells = 40
    world.add_responses([response(i, f"Warga {i}", f"{KRON} nomor {i}") for i in range(14)])
    standin.reset_log()
    report = engine.cycle()
    assert len(report.new) == 14 and not report.failures
    assert standin.count(route="sheets.values.batchUpdate") >= 5 and standin.count(status=400) == 0
    assert sorted(r["No. Agenda"] for r in world.responses()) == report.new
    assert all(r["Tahap"] for r in world.responses())
    assert [r["No. Agenda"] for r in rows_as_dicts(world.tab("Buku Agenda"))] == report.new
    assert [r["No. Agenda"] for r in rows_as_dicts(world.tab(KENDALI_TAB))] == report.new
    assert len(rows_as_dicts(world.tab("Riwayat"))) == len(engine.ledger.event_rows())
    assert len(engine.ledger.kendali_states()) == 14
    again = world.engine().cycle()
    assert again.cells_written == 0 and again.steps == []  # no edit seen where the parts were written
