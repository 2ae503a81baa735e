"""Print batches as the operator loads paper: one page size per file, the kartu kendali's
copies grouped by colour, and every newly rendered document printed exactly once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from siapmas_sync.documents import render_kartu_kendali, render_lembar_aduan, render_lembar_disposisi
from siapmas_sync.documents.batch import render_print_batches
from siapmas_sync.core.models import Kop

from .test_documents import make_item

MM = 72 / 25.4
BAND = {"Lembar 1 – Putih": "putih", "Lembar 2 – Kuning": "kuning", "Lembar 3 – Merah": "merah"}


def sizes(path: Path) -> set[tuple[int, int]]:
    return {(round(float(p.mediabox.width) / MM), round(float(p.mediabox.height) / MM)) for p in PdfReader(str(path)).pages}


def colours(path: Path) -> list[str]:
    out = []
    for page in PdfReader(str(path)).pages:
        text = page.extract_text()
        out += [c for band, c in BAND.items() for _ in range(text.count(band))]
    return out


def three_items(tmp_path: Path, paper: str = "A4") -> tuple[list[Path], list[Path]]:
    sheets, kartu = [], []
    for n in (1, 2, 3):
        item = make_item(agenda_no=f"000{n}/SIAPMAS/2026", seq=n)
        d = tmp_path / str(n)
        sheets += [render_lembar_aduan(item, Kop(), d / "a.pdf"),
                   render_lembar_disposisi(item, Kop(), d / "d.pdf", paper=paper)]
        kartu.append(render_kartu_kendali(item, Kop(), d / "k.pdf"))
    return sheets, kartu


def test_one_page_size_per_file_and_colours_grouped_on_card_pages(tmp_path: Path) -> None:
    sheets, kartu = three_items(tmp_path)
    out = render_print_batches(sheets, kartu, tmp_path / "cetak" / "cetak-1")
    assert [p.name for p in out] == ["cetak-1-a4.pdf", "cetak-1-kartu.pdf"]
    assert sizes(out[0]) == {(210, 297)}
    assert sizes(out[1]) == {(150, 100)}
    # A4 documents in agenda order
    texts = [p.extract_text() for p in PdfReader(str(out[0])).pages]
    firsts = [next(n for n in (1, 2, 3) if f"000{n}/SIAPMAS/2026" in t) for t in texts]
    assert firsts == sorted(firsts)
    assert colours(out[1]) == ["putih"] * 3 + ["kuning"] * 3 + ["merah"] * 3


def test_half_folio_disposisi_gets_its_own_file(tmp_path: Path) -> None:
    sheets, kartu = three_items(tmp_path, paper="HALF_FOLIO")
    out = render_print_batches(sheets, kartu, tmp_path / "c")
    assert [p.name for p in out] == ["c-a4.pdf", "c-165x215mm.pdf", "c-kartu.pdf"]
    assert all(len(sizes(p)) == 1 for p in out)


def test_cards_two_to_an_a4_sheet_never_mixing_colours(tmp_path: Path) -> None:
    _sheets, kartu = three_items(tmp_path)
    (out,) = render_print_batches([], kartu, tmp_path / "c", kartu_cetak="a4")
    assert out.name == "c-kartu-a4.pdf"
    assert sizes(out) == {(210, 297)}
    pages = [p.extract_text() for p in PdfReader(str(out)).pages]
    assert len(pages) == 6  # 3 cards × 3 colours, two a sheet, a new sheet per colour
    per_sheet = [[c for band, c in BAND.items() for _ in range(t.count(band))] for t in pages]
    assert per_sheet == [["putih"] * 2, ["putih"], ["kuning"] * 2, ["kuning"], ["merah"] * 2, ["merah"]]


def pdf_names(paths: list[Path]) -> list[str]:
    return sorted(p.name.rsplit("-", 1)[1] for p in paths)


@pytest.mark.parametrize("mode", ["kartu", "a4"])
def test_every_later_render_reaches_the_next_batch_exactly_once(project, make_engine, clock, mode) -> None:
    env = {"SIAPMAS_OUTPUT__KARTU_CETAK": mode}
    first = make_engine(project, **env).cycle()
    assert len(first.batches) == 2 and all(len(sizes(b)) == 1 for b in first.batches)
    engine = make_engine(project, **env)
    clock.now += timedelta(minutes=5)
    assert engine.cycle().batches == []  # nothing new: nothing printed again

    # a filled disposisi is rendered later (the officials recorded a disposition)
    key = engine.ledger.find_item("0002/SIAPMAS/2026").key
    with engine.ledger.tx() as conn:
        engine.ledger.add_outbox_many(conn, [key], "disposisi", clock.now)
    clock.now += timedelta(minutes=5)
    report = make_engine(project, **env).cycle()
    assert [b.name.rsplit("-", 1)[1] for b in report.batches] == ["a4.pdf"]
    text = "".join(p.extract_text() for p in PdfReader(str(report.batches[0])).pages)
    assert "0002/SIAPMAS/2026" in text and "0001/SIAPMAS/2026" not in text
    filled = project.parent.parent / "var" / "demo" / "output" / "2026" / "0002-SIAPMAS-2026" / "lembar-disposisi-terisi.pdf"
    assert len(PdfReader(str(report.batches[0])).pages) == len(PdfReader(str(filled)).pages)

    # a re-render after a change of Sifat: the sheets that show it again, once (the kartu
    # kendali does not show Sifat: its bytes are unchanged and it is not printed again)
    key = engine.ledger.find_item("0003/SIAPMAS/2026").key
    with engine.ledger.tx() as conn:
        engine.ledger.update_item(conn, key, {"sifat": "Segera"})
        engine.ledger.add_outbox_many(conn, [key], "render", clock.now)
    clock.now += timedelta(minutes=5)
    report = make_engine(project, **env).cycle()
    assert pdf_names(report.batches) == ["a4.pdf"]
    text = "".join(p.extract_text() for p in PdfReader(str(report.batches[0])).pages)
    assert "0003/SIAPMAS/2026" in text and "0002/SIAPMAS/2026" not in text
    assert text.count("LEMBAR ADUAN") == 1 and text.count("LEMBAR DISPOSISI") == 1
    clock.now += timedelta(minutes=5)
    assert make_engine(project, **env).cycle().batches == []


WALK = (("PARAF KASUBAG TU", "Dwi Lestari"), ("PARAF KABAG", "Agus Santoso"),
        ("DISPOSISI SEKWAN", "Bambang Wahyudi"))


def card_text(folder: Path) -> str:
    return PdfReader(str(folder / "kartu-kendali.pdf")).pages[0].extract_text()


def stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pdf")}


def test_each_change_rerenders_exactly_the_documents_that_show_it_and_prints_them_once(
        project, make_engine, clock) -> None:
    """AKD decided → the kartu kendali only (its Indeks); Sifat → the lembar aduan and
    lembar disposisi only; Perihal → all three. Each reaches the next batch once."""
    make_engine(project).cycle()
    engine = make_engine(project)
    item = "0002/SIAPMAS/2026"
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0002-SIAPMAS-2026"
    assert "Usulan sistem" in card_text(folder) and "Badan Kehormatan" not in card_text(folder)
    for stage, who in WALK:
        engine.steps.advance(item, stage, by=who)
    clock.now += timedelta(minutes=5)
    assert engine.cycle().batches == []  # paraf steps change no document
    before = stamps(folder)

    engine.steps.advance(item, "DISPOSISI KETUA", by="Hadi Prasetyo", akd="Badan Kehormatan")
    clock.now += timedelta(minutes=5)
    report = make_engine(project).cycle()
    assert pdf_names(report.batches) == ["kartu.pdf"]  # the kartu only, its three copies
    assert len(PdfReader(str(report.batches[0])).pages) == 3
    text = card_text(folder)
    assert "Indeks" in text and "Badan Kehormatan" in text and "Usulan sistem" not in text
    after = stamps(folder)
    assert {n for n in after if after[n] != before[n]} == {"kartu-kendali.pdf"}
    clock.now += timedelta(minutes=5)
    assert make_engine(project).cycle().batches == []  # printed once

    engine = make_engine(project)
    with engine.ledger.tx() as conn:
        engine.steps.set_fields(conn, engine.ledger.find_item(item, conn=conn), sifat="Segera",
                                by="Siti Rahmawati (Staf Subbag TU)", channel="cli")
    before = stamps(folder)
    clock.now += timedelta(minutes=5)
    report = make_engine(project).cycle()
    assert pdf_names(report.batches) == ["a4.pdf"]
    text = "".join(p.extract_text() for p in PdfReader(str(report.batches[0])).pages)
    assert text.count("LEMBAR ADUAN") == 1 and text.count("LEMBAR DISPOSISI") == 1
    after = stamps(folder)
    assert {n for n in after if after[n] != before[n]} == {"lembar-aduan.pdf", "lembar-disposisi.pdf"}

    engine = make_engine(project)
    with engine.ledger.tx() as conn:
        engine.steps.set_fields(conn, engine.ledger.find_item(item, conn=conn), perihal="Jalan desa rusak berat",
                                by="Siti Rahmawati (Staf Subbag TU)", channel="cli")
    clock.now += timedelta(minutes=5)
    report = make_engine(project).cycle()
    assert pdf_names(report.batches) == ["a4.pdf", "kartu.pdf"]
    assert "Jalan desa rusak berat" in card_text(folder)
    clock.now += timedelta(minutes=5)
    assert make_engine(project).cycle().batches == []


def test_items_printed_before_the_printed_table_do_not_print_their_sheets_again(project, make_engine, clock) -> None:
    """A ledger from before the ``printed`` table: its items were printed whole (print_batch
    set). Their first new document prints alone; an item not yet printed prints whole."""
    make_engine(project).cycle()
    engine = make_engine(project)
    done = engine.ledger.find_item("0002/SIAPMAS/2026").key
    waiting = engine.ledger.find_item("0003/SIAPMAS/2026").key
    with engine.ledger.tx() as conn:  # as the older program left it
        conn.execute(text("DROP TABLE printed"))
        conn.execute(text("DELETE FROM meta WHERE name = 'printed_baseline'"))
        conn.execute(text("UPDATE items SET print_batch = NULL WHERE key = :k"), {"k": waiting})
    engine.ledger.engine.dispose()

    engine = make_engine(project)  # the new program: the table is created again, empty
    with engine.ledger.tx() as conn:
        engine.ledger.add_outbox_many(conn, [done], "disposisi", clock.now)  # a filled disposisi
    clock.now += timedelta(minutes=5)
    report = engine.cycle()
    assert pdf_names(report.batches) == ["a4.pdf", "kartu.pdf"]
    a4 = "".join(p.extract_text() for p in PdfReader(str(report.batches[0])).pages)
    assert "0002/SIAPMAS/2026" in a4 and "0003/SIAPMAS/2026" in a4
    assert a4.count("LEMBAR ADUAN") == 1  # 0003's, never again 0002's
    filled = project.parent.parent / "var" / "demo" / "output" / "2026" / "0002-SIAPMAS-2026" / "lembar-disposisi-terisi.pdf"
    other = filled.parent.parent / "0003-SIAPMAS-2026"
    assert len(PdfReader(str(report.batches[0])).pages) == sum(
        len(PdfReader(str(p)).pages) for p in (filled, other / "lembar-aduan.pdf", other / "lembar-disposisi.pdf"))
    kartu = "".join(p.extract_text() for p in PdfReader(str(report.batches[1])).pages)
    assert len(PdfReader(str(report.batches[1])).pages) == 3 and "0002/SIAPMAS/2026" not in kartu
    clock.now += timedelta(minutes=5)
    assert make_engine(project).cycle().batches == []
