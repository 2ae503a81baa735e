"""End-to-end cycles on the embedded local backend with the bundled sample."""

from __future__ import annotations

import csv
import hashlib
import json

from datetime import datetime
from pathlib import Path

import openpyxl

from pypdf import PdfReader

from siapmas_sync.core.sheetplan import BUKU_AGENDA_TAB, RIWAYAT_TAB

from .clirun import run_cli  # noqa: F401 (imported from here by many modules)
from .conftest import WIB



REPO = Path(__file__).resolve().parent.parent


def sheet(path: Path, title: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[title].iter_rows(values_only=True)]


def by_header(rows: list[list[object]]) -> list[dict[str, object]]:
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:]]


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def test_sample_sync_numbers_renders_and_writes_back(project, make_engine):
    engine = make_engine(project)
    report = engine.cycle()
    assert report.new == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 7)]
    assert len(report.duplicates) == 1 and report.duplicates[0][1] == "0004/SIAPMAS/2026"
    assert [e.row for e in report.row_errors] == [7]
    assert "kemarin sore" in report.row_errors[0].message
    assert report.incomplete == ["0003/SIAPMAS/2026"]
    assert not report.render_errors

    register = project.parent.parent / "var" / "demo" / "register.xlsx"
    rows = by_header(sheet(register, "Jawaban Formulir 1"))
    status = {r["Nama"]: r for r in rows}
    assert status["Budi Santoso"]["No. Agenda"] == "0001/SIAPMAS/2026"
    assert status["Budi Santoso"]["Tahap"] == "TERAGENDA"
    assert status["Budi Santoso"]["Diteruskan ke (usulan)"] == "Komisi III (usulan)"
    assert status["-"]["Kelengkapan"].startswith("Kurang:")
    dup = [r for r in rows if r["Tahap"] == "DUPLIKAT"]
    assert len(dup) == 1 and dup[0]["No. Agenda"] == "0004/SIAPMAS/2026"
    bad = [r for r in rows if r["Tahap"] == "PERIKSA BARIS"]
    assert len(bad) == 1 and "kemarin sore" in bad[0]["Kelengkapan"]

    # text that looks like a formula stays text in the workbook
    wb = openpyxl.load_workbook(register)
    ws = wb["Jawaban Formulir 1"]
    kron_col = [c.value for c in ws[1]].index("Kronologi, Waktu dan Tempat") + 1
    cells = [ws.cell(row=r, column=kron_col) for r in range(2, ws.max_row + 1)]
    eq = [c for c in cells if isinstance(c.value, str) and c.value.startswith("===")]
    assert eq and eq[0].data_type == "s"

    buku = by_header(sheet(register, BUKU_AGENDA_TAB))
    assert [b["No. Agenda"] for b in buku] == report.new
    assert buku[0]["Pengirim"] == "Budi Santoso"
    riwayat = by_header(sheet(register, RIWAYAT_TAB))
    assert {r["Peristiwa"] for r in riwayat} >= {"DITERIMA", "TERAGENDA", "DIKIRIM ULANG"}

    out = project.parent.parent / "var" / "demo" / "output"
    for n in report.new:
        folder = out / "2026" / n.replace("/", "-")
        assert {p.name for p in folder.iterdir()} == {
            "lembar-aduan.pdf", "lembar-disposisi.pdf", "kartu-kendali.pdf", "lembar-disposisi.docx", "kartu-kendali.docx"}
    aduan = pdf_text(out / "2026" / "0001-SIAPMAS-2026" / "lembar-aduan.pdf")
    assert "0001/SIAPMAS/2026" in aduan and "Budi Santoso" in aduan and "galian C" in aduan
    # one file per paper: the A4 sheets, the kartu kendali
    assert [b.name.rsplit("-", 1)[1] for b in report.batches] == ["a4.pdf", "kartu.pdf"]
    assert all(b.is_file() for b in report.batches)
    assert sum(len(PdfReader(str(b)).pages) for b in report.batches) >= 6 * 5  # aduan + disposisi + 3 kendali each


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".db" and not p.name.endswith(("-wal", "-shm"))
    }


def test_second_sync_with_no_new_input_changes_nothing(project, make_engine, clock):
    make_engine(project).cycle()
    var = project.parent.parent / "var" / "demo"
    before = digest(var)
    mtimes = {p: p.stat().st_mtime_ns for p in var.rglob("*.pdf")}
    cells_before = register_cells(var / "register.xlsx")
    clock.now = clock.now.replace(hour=16)
    report = make_engine(project).cycle()
    assert report.new == [] and report.rendered == [] and report.batches == []
    assert report.cells_written == 0
    after = digest(var)
    # two hours on, only the Dasbor's heartbeat changed in the register (its last-sync value,
    # refreshed every two intervals so that its worker-alive formula stays quiet)
    assert {k: v for k, v in after.items() if k != "register.xlsx"} == {k: v for k, v in before.items() if k != "register.xlsx"}
    cells_after = register_cells(var / "register.xlsx")
    changed = {(tab, ref) for tab in cells_after for ref in cells_after[tab]
               if cells_after[tab][ref] != cells_before.get(tab, {}).get(ref)}
    assert changed == {("Dasbor", "B3"), ("Dasbor", "C3")}
    assert {p: p.stat().st_mtime_ns for p in var.rglob("*.pdf")} == mtimes
    report = make_engine(project).cycle()  # and at the same instant: nothing at all
    assert digest(var) == after


def register_cells(path: Path) -> dict[str, dict[str, object]]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def test_new_rows_after_staff_sorted_the_register_keep_their_numbers(project, make_engine):
    make_engine(project).cycle()
    register = project.parent.parent / "var" / "demo" / "register.xlsx"
    wb = openpyxl.load_workbook(register)
    ws = wb["Jawaban Formulir 1"]
    data = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    data.reverse()  # staff sort the tab newest-first
    for r, values in enumerate(data, start=2):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(register)

    responses = project.parent.parent / "examples" / "responses.csv"
    with responses.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([
            "28/11/2026 13.00.00", "Agus", "0813-1111-2222", "agus@example.com",
            "Pupuk bersubsidi langka di Kecamatan Dawarblandong sejak awal November 2026, petani tidak bisa tanam.",
            "", "",
        ])
    report = make_engine(project).cycle()
    # the appended row uses another timestamp style than the others: still day-first WIB
    assert report.new == ["0007/SIAPMAS/2026"]
    rows = by_header(sheet(register, "Jawaban Formulir 1"))
    by_name = {r["Nama"]: r["No. Agenda"] for r in rows}
    assert by_name["Budi Santoso"] == "0001/SIAPMAS/2026"
    assert by_name["Agus"] == "0007/SIAPMAS/2026"
    assert sum(1 for r in rows if r["Nama"] == "Budi Santoso") == 1


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


HEADER = ["Stempel waktu", "Nama", "No. Tlp/WA", "E-mail", "Kronologi, Waktu dan Tempat", "Bukti Dukung"]
KRON = "Jalan rusak di Desa Kemlagi sejak Oktober 2026, berlubang di depan balai desa pada malam hari."


def test_numbering_follows_the_wib_calendar_year(project, make_engine, clock):
    clock.now = datetime(2027, 1, 1, 8, 30, tzinfo=WIB)  # the worker runs on New Year's morning
    responses = project.parent.parent / "examples" / "responses.csv"
    write_csv(responses, [
        HEADER,
        ["31/12/2026 23.59.00", "A", "081234567890", "", KRON + " A", ""],
        # 00:00:30 WIB on 1 January is still 31 December in UTC
        ["01/01/2027 00.00.30", "B", "081234567890", "", KRON + " B", ""],
        ["01/01/2027 08.00.00", "C", "081234567890", "", KRON + " C", ""],
    ])
    report = make_engine(project).cycle()
    assert report.new == ["0001/SIAPMAS/2026", "0001/SIAPMAS/2027", "0002/SIAPMAS/2027"]
    out = project.parent.parent / "var" / "demo" / "output"
    assert (out / "2027" / "0001-SIAPMAS-2027" / "lembar-aduan.pdf").is_file()


def test_custom_template_with_classification_and_unit(project, make_engine):
    engine = make_engine(project, SIAPMAS_NUMBERING__TEMPLATE="{kode}/{seq}/{unit}/{year}")
    report = engine.cycle()
    assert report.new[0] == "000.8.3.4/1/416-050/2026"


def test_resubmission_outside_the_window_gets_its_own_number(project, make_engine):
    responses = project.parent.parent / "examples" / "responses.csv"
    write_csv(responses, [
        HEADER,
        ["28/11/2026 08.00.00", "A", "081234567890", "", KRON, ""],
        ["28/11/2026 08.05.00", "A", "081234567890", "", KRON, ""],  # within 30 min: duplicate
        ["28/11/2026 10.00.00", "A", "081234567890", "", KRON, ""],  # 2 h later: a new report
    ])
    report = make_engine(project).cycle()
    assert report.new == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]
    assert [r for r, _ in report.duplicates] == [3]


def test_bad_rows_are_reported_and_good_rows_proceed(project, make_engine):
    responses = project.parent.parent / "examples" / "responses.csv"
    write_csv(responses, [
        HEADER,
        ["31/02/2026 10.00.00", "A", "081234567890", "", KRON, ""],
        ["", "", "", "", "", ""],
        ["28/11/2026 08.00.00", "B", "081234567890", "", KRON, ""],
        ["13/13/2026 10.00.00", "C", "081234567890", "", KRON, ""],
    ])
    report = make_engine(project).cycle()
    assert report.new == ["0001/SIAPMAS/2026"]
    # row numbers are those of the register's response tab (the blank export row is not mirrored)
    assert [e.row for e in report.row_errors] == [2, 4]
    rows = by_header(sheet(project.parent.parent / "var" / "demo" / "register.xlsx", "Jawaban Formulir 1"))
    assert [r["Tahap"] for r in rows] == ["PERIKSA BARIS", "TERAGENDA", "PERIKSA BARIS"]


def test_missing_mapped_header_is_a_clear_error_and_nothing_is_numbered(project):
    responses = project.parent.parent / "examples" / "responses.csv"
    write_csv(responses, [["Stempel waktu", "Nama", "Isi Aduan"], ["28/11/2026 08.00.00", "A", KRON]])
    r = run_cli(project, "sync")
    assert r.returncode == 2
    assert "Kronologi" in r.stderr and "Saran:" in r.stderr and "Traceback" not in r.stderr
    status = run_cli(project, "status", "--json")
    assert json.loads(status.stdout) == []


def test_crash_between_numbering_and_rendering_resumes_without_a_new_number(project):
    r = run_cli(project, "sync", env={"SIAPMAS_TEST_FAILPOINT": "after_number"})
    assert r.returncode == 86  # died right after the first group of numbers was committed
    items = json.loads(run_cli(project, "status", "--json").stdout)
    assert [i["agenda"] for i in items] == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 7)]
    assert all(i["documents"] == {} for i in items)

    r = run_cli(project, "sync")
    assert r.returncode == 0, r.stderr
    items = json.loads(run_cli(project, "status", "--json").stdout)
    assert [i["seq"] for i in items] == [1, 2, 3, 4, 5, 6]
    first = items[0]
    assert first["agenda"] == "0001/SIAPMAS/2026"
    assert set(first["documents"]) >= {"aduan", "disposisi", "kendali"}
    assert all(Path(p).is_file() for i in items for p in i["documents"].values())


def test_crash_after_rendering_before_recording_rerenders_identically(project):
    r = run_cli(project, "sync", env={"SIAPMAS_TEST_FAILPOINT": "after_render"})
    assert r.returncode == 86
    out = project.parent.parent / "var" / "demo" / "output"
    first = out / "2026" / "0001-SIAPMAS-2026" / "lembar-aduan.pdf"
    assert first.is_file()
    before = first.read_bytes()
    assert run_cli(project, "sync").returncode == 0
    assert first.read_bytes() == before
    public = {out / "publik" / "index.html", out / "publik" / "status-aduan.csv"}  # the public status view
    leftovers = [p for p in out.rglob("*") if p.is_file() and not p.name.endswith((".pdf", ".docx", ".eml"))
                 and p not in public]
    assert leftovers == []


def test_cli_show_and_status(project):
    assert run_cli(project, "sync").returncode == 0
    show = run_cli(project, "show", "0001/SIAPMAS/2026", "--json")
    data = json.loads(show.stdout)
    assert data["stage"] == "TERAGENDA"
    assert data["suggested_routing"]["tujuan"] == "Komisi III"
    assert "galian c" in [w.casefold() for w in data["suggested_routing"]["matched"]]
    assert [h["event"] for h in data["history"]] == ["DITERIMA", "TERAGENDA"]
    human = run_cli(project, "status")
    assert "TERAGENDA" in human.stdout and "6" in human.stdout
    missing = run_cli(project, "show", "9999/SIAPMAS/2026")
    assert missing.returncode == 2 and "tidak ditemukan" in missing.stderr


def test_logs_never_show_contact_details(project):
    r = run_cli(project, "sync", env={"SIAPMAS_LOG_LEVEL": "DEBUG"})
    assert r.returncode == 0
    combined = r.stdout + r.stderr
    for secret in ("budi.santoso@example.com", "0812-3456-7890", "81234567891", "rahma.wati@example.com", "+6281234567890"):
        assert secret not in combined


def test_a_100_kb_chronology_is_read_as_google_would_hold_it_and_paginates(project, make_engine):
    """Read up to Google's 50,000 characters per cell (issue #21.7), not cut to a workbook
    cell's 32,767 characters, with a note on the Lembar Aduan."""
    responses = project.parent.parent / "examples" / "responses.csv"
    sentence = "Warga Desa Kemlagi melaporkan truk tambang melintas setiap malam dan merusak jalan desa. "
    long = (sentence * (100_000 // len(sentence) + 1))[:49_980] + " KALIMAT KE-50000." + sentence * 600
    write_csv(responses, [HEADER, ["28/11/2026 08.00.00", "A", "081234567890", "", long, ""]])
    engine = make_engine(project)
    assert engine.cycle().new == ["0001/SIAPMAS/2026"]
    item = engine.agenda_item(engine.ledger.item_records()[0])
    assert item.submission.kronologi == long[:50_000]
    pdf = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026" / "lembar-aduan.pdf"
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 10
    tail = " ".join("".join(p.extract_text() for p in reader.pages[-3:]).split())
    assert "KALIMAT KE-50000" in tail and "50.000 karakter pertama yang dibaca" in tail
    assert make_engine(project).cycle().cells_written == 0  # and nothing is re-mirrored


def test_a_future_timestamp_does_not_open_a_future_year(project, make_engine):
    responses = project.parent.parent / "examples" / "responses.csv"
    write_csv(responses, [HEADER, ["01/01/2099 10.00.00", "A", "081234567890", "", KRON, ""]])
    engine = make_engine(project)
    assert engine.cycle().new == ["0001/SIAPMAS/2026"]
    item = engine.agenda_item(engine.ledger.item_records()[0])
    assert "waktu" in {f.code for f in item.findings}  # and the operator is told


def test_a_large_backlog_prints_in_several_files(project, make_engine, monkeypatch):
    import siapmas_sync.cycle.printbatch as printbatch

    monkeypatch.setattr(printbatch, "PRINT_BATCH_ITEMS", 4)
    report = make_engine(project).cycle()
    def pages(items: list[str]) -> int:
        out = project.parent.parent / "var" / "demo" / "output" / "2026"
        return sum(len(PdfReader(str(p)).pages) for a in items for p in (out / a.replace("/", "-")).glob("*.pdf"))

    def set_pages(suffix: str) -> int:
        return sum(len(PdfReader(str(b)).pages) for b in report.batches if b.name.split("-")[3] == suffix)

    assert [set_pages("01"), set_pages("02")] == [pages(report.new[:4]), pages(report.new[4:])]
    assert sorted(b.name.split("-", 3)[3] for b in report.batches) == ["01-a4.pdf", "01-kartu.pdf", "02-a4.pdf", "02-kartu.pdf"]


def test_word_copies_follow_the_write_back_and_a_backlog_of_them_yields(project, make_engine, monkeypatch):
    """Numbers, PDFs and the status columns come first; the editable Word copies are made
    after the write-back, within a time budget, and the rest wait for the next cycle."""
    import siapmas_sync.cycle.renders as renders

    monkeypatch.setattr(renders, "SALINAN_BUDGET_S", 0.0)
    report = make_engine(project).cycle()
    out = project.parent.parent / "var" / "demo" / "output" / "2026"
    assert len(report.rendered) == 6 and report.salinan == 0 and report.salinan_pending == 6
    assert "6 menunggu siklus berikutnya" in report.summary_id()
    assert not list(out.rglob("*.docx")) and len(list(out.rglob("*.pdf"))) == 18
    register = project.parent.parent / "var" / "demo" / "register.xlsx"
    assert by_header(sheet(register, "Jawaban Formulir 1"))[0]["No. Agenda"] == "0001/SIAPMAS/2026"

    monkeypatch.setattr(renders, "SALINAN_BUDGET_S", 120.0)
    engine = make_engine(project)
    report = engine.cycle()
    assert report.new == [] and report.rendered == [] and report.salinan == 6 and report.salinan_pending == 0
    assert len(list(out.rglob("*.docx"))) == 12
    docs = engine.ledger.item_records()[0].documents
    assert {"aduan", "disposisi", "kendali", "lembar_disposisi_docx", "kartu_kendali_docx"} <= set(docs)
    again = make_engine(project).cycle()
    assert again.salinan == 0 and again.salinan_pending == 0 and "Salinan Word" not in again.summary_id()


def test_a_backlog_renders_page_by_page(project, make_engine, monkeypatch):
    import siapmas_sync.cycle.renders as renders

    monkeypatch.setattr(renders, "RENDER_PAGE", 4)
    report = make_engine(project).cycle()
    assert report.rendered == report.new and len(report.new) == 6
    out = project.parent.parent / "var" / "demo" / "output" / "2026"
    assert len(list(out.rglob("*.pdf"))) == 18 and len(list(out.rglob("*.docx"))) == 12


def test_a_re_render_while_word_copies_wait_does_not_queue_them_twice(project, make_engine, monkeypatch, clock):
    import siapmas_sync.cycle.renders as renders

    monkeypatch.setattr(renders, "SALINAN_BUDGET_S", 0.0)
    engine = make_engine(project)
    engine.cycle()
    first = engine.ledger.item_rows()[0]
    with engine.ledger.tx() as conn:  # what a Kendali edit (e.g. Rahasia) asks for
        engine.ledger.add_outbox(conn, first.key, "render", clock())
    engine = make_engine(project)
    report = engine.cycle()
    assert report.rendered == [first.agenda_no]
    assert report.salinan_pending == 6


def test_one_response_per_transaction_and_a_paged_write_back_give_the_same_register(project, make_engine, monkeypatch):
    """Registration decides a group in memory and the write-back reads the ledger in
    pages: with groups of one and pages of two the outcome is the sample's, exactly."""
    import siapmas_sync.cycle.incoming as incoming
    import siapmas_sync.cycle.sheetwrite as sheetwrite

    monkeypatch.setattr(incoming, "REGISTER_GROUP", 1)
    monkeypatch.setattr(sheetwrite, "WRITE_BACK_PAGE", 2)
    engine = make_engine(project)
    report = engine.cycle()
    assert report.new == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 7)]
    assert [agenda for _, agenda in report.duplicates] == ["0004/SIAPMAS/2026"]
    register = project.parent.parent / "var" / "demo" / "register.xlsx"
    assert [b["No. Agenda"] for b in by_header(sheet(register, BUKU_AGENDA_TAB))] == report.new
    assert [k["No. Agenda"] for k in by_header(sheet(register, "Kendali"))] == report.new
    status = [r["No. Agenda"] for r in by_header(sheet(register, "Jawaban Formulir 1")) if r["No. Agenda"]]
    assert sorted(set(status)) == report.new and len(status) == 7  # the duplicate row names its original
    events = [r for r in by_header(sheet(register, RIWAYAT_TAB))]
    assert len(events) == len(engine.ledger.event_rows()) and all(e["No. Agenda"] for e in events)
    assert make_engine(project).cycle().cells_written == 0
