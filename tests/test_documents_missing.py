"""Lost work (#15): recorded documents deleted by someone (or a lost output disk) are made
again, and the print batch never fails on a missing file."""

from __future__ import annotations

import shutil
from datetime import timedelta
import json
from pathlib import Path

from pypdf import PdfReader

from siapmas_sync.cycle.engine import Engine

from .test_engine import run_cli

PDFS = ("lembar-aduan.pdf", "lembar-disposisi.pdf", "kartu-kendali.pdf")
ALL = set(PDFS) | {"lembar-disposisi.docx", "kartu-kendali.docx"}


def out_of(project: Path) -> Path:
    return project.parent.parent / "var" / "demo" / "output"


def folder(project: Path, n: int) -> Path:
    return out_of(project) / "2026" / f"{n:04d}-SIAPMAS-2026"


def pages(project: Path, numbers: range | list[int]) -> int:
    return sum(len(PdfReader(str(folder(project, n) / name)).pages) for n in numbers for name in PDFS)


def batch_pages(paths) -> int:
    """Pages of one batch's print files (one file per paper: A4 sheets, kartu kendali)."""
    return sum(len(PdfReader(str(p)).pages) for p in paths)


def test_cli_deleted_pdfs_are_made_again_and_printed_once(project):
    r = run_cli(project, "sync", env={"SIAPMAS_OUTPUT__PRINT_BATCH": "false"})
    assert r.returncode == 0, r.stderr
    (folder(project, 1) / "lembar-aduan.pdf").unlink()
    shutil.rmtree(folder(project, 2))

    r = run_cli(project, "sync")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "Dokumen hilang dibuat ulang: 2 aduan (0001/SIAPMAS/2026, 0002/SIAPMAS/2026)." in r.stdout
    assert (folder(project, 1) / "lembar-aduan.pdf").is_file()
    assert {p.name for p in folder(project, 2).iterdir()} == ALL
    batches = list((out_of(project) / "cetak").glob("*.pdf"))
    assert sorted(b.name.rsplit("-", 1)[1] for b in batches) == ["a4.pdf", "kartu.pdf"]
    assert batch_pages(batches) == pages(project, range(1, 7))

    r = run_cli(project, "sync")
    assert r.returncode == 0 and "Dokumen hilang" not in r.stdout and "Berkas cetak" not in r.stdout
    assert len(list((out_of(project) / "cetak").glob("*.pdf"))) == 2  # nothing new: no new print file


def test_a_pdf_deleted_during_the_cycle_waits_for_the_next_batch(project, make_engine, monkeypatch):
    render = Engine._render_pending

    def render_then_someone_deletes(self, report):
        render(self, report)
        (folder(project, 3) / "kartu-kendali.pdf").unlink()

    monkeypatch.setattr(Engine, "_render_pending", render_then_someone_deletes)
    report = make_engine(project).cycle()
    assert len(report.batches) == 2  # the A4 sheets, the kartu kendali
    assert batch_pages(report.batches) == pages(project, [1, 2, 4, 5, 6])
    assert report.salinan == 6  # the Word copies after the batch go on

    monkeypatch.setattr(Engine, "_render_pending", render)
    report = make_engine(project).cycle()
    assert report.restored == ["0003/SIAPMAS/2026"] and report.rendered == ["0003/SIAPMAS/2026"]
    # 0003 waited as a whole: now all its documents, once
    assert len(report.batches) == 2 and batch_pages(report.batches) == pages(project, [3])


def test_printed_items_are_checked_daily_and_a_lost_output_disk_at_once(project, make_engine, clock):
    make_engine(project).cycle()
    (folder(project, 4) / "lembar-disposisi.docx").unlink()
    (folder(project, 5) / "lembar-aduan.pdf").unlink()

    clock.now += timedelta(hours=1)
    assert make_engine(project).cycle().restored == []  # printed items: the daily full check
    clock.now += timedelta(hours=24)
    report = make_engine(project).cycle()
    assert report.restored == ["0004/SIAPMAS/2026", "0005/SIAPMAS/2026"]
    assert {p.name for p in folder(project, 4).iterdir()} == ALL == {p.name for p in folder(project, 5).iterdir()}
    assert report.batches == []  # printed already: made again, not printed again

    shutil.rmtree(out_of(project))  # the output disk is lost and replaced
    clock.now += timedelta(hours=1)
    report = make_engine(project).cycle()
    assert report.restored == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 7)]
    assert all({p.name for p in folder(project, n).iterdir()} == ALL for n in range(1, 7))
    assert make_engine(project).cycle().restored == []


def test_a_rerender_keeps_the_records_of_later_documents(project: Path):
    """Ticking Rahasia after SELESAI re-renders the first three PDFs; the filled disposisi,
    the letter and the report stay recorded, so a lost one is still found and made again."""
    from .test_kendali import edit

    assert run_cli(project, "sync").returncode == 0
    walk = [("PARAF KASUBAG TU", "Dwi Lestari"), ("PARAF KABAG", "Agus Santoso"), ("DISPOSISI SEKWAN", "Bambang Wahyudi"),
            ("DISPOSISI KETUA", "Hadi Prasetyo"), ("DISPOSISI DIBACAKAN", "Bambang Wahyudi")]
    for stage, by in walk:
        assert run_cli(project, "advance", "1", stage, "--by", by).returncode == 0
    assert run_cli(project, "advance", "1", "DICATAT & DIDISTRIBUSIKAN", "--to", "Komisi III",
                   "--by", "Siti Rahmawati").returncode == 0
    assert run_cli(project, "advance", "1", "TINDAK LANJUT", "--by", "Rina Kusuma").returncode == 0
    assert run_cli(project, "advance", "1", "SELESAI", "--by", "Rina Kusuma", "--laporan", "Lokasi ditinjau.").returncode == 0
    assert run_cli(project, "sync").returncode == 0
    edit(project, "0001/SIAPMAS/2026", Rahasia=True)
    assert run_cli(project, "sync").returncode == 0  # the rahasia re-render
    show = json.loads(run_cli(project, "show", "1", "--json").stdout)
    kinds = set(show["documents"])
    assert {"aduan", "disposisi_terisi", "surat_balasan", "laporan"} <= kinds, kinds
