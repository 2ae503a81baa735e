"""render_many: many items on every core, in order, one failure never stops the others."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader

from siapmas_sync.core.models import Kop
from siapmas_sync.cycle.rendering import PARALLEL_THRESHOLD, RenderJob, render_many

from .test_documents import make_item


def jobs_for(tmp_path: Path, n: int) -> list[RenderJob]:
    return [
        RenderJob("render", make_item(agenda_no=f"{i:04d}/SIAPMAS/2026", seq=i), Kop(), tmp_path / f"{i:04d}", docx=False)
        for i in range(1, n + 1)
    ]


def test_a_backlog_renders_in_worker_processes_in_order_and_a_bad_item_is_reported(tmp_path: Path) -> None:
    jobs = jobs_for(tmp_path, PARALLEL_THRESHOLD + 3)
    # a folder that cannot be created (a file is in the way): that item fails, alone
    (tmp_path / "blocker").write_text("x")
    jobs[4] = replace(jobs[4], folder=tmp_path / "blocker" / "0005")
    results = list(render_many(jobs, workers=2))
    assert [job for job, _ in results] == jobs
    assert isinstance(results[4][1], Exception)
    for i, (job, paths) in enumerate(results):
        if i == 4:
            continue
        assert set(paths) == {"aduan", "disposisi", "kendali"}
        assert job.item.agenda_no in PdfReader(str(paths["aduan"])).pages[0].extract_text()
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_nothing_starts_after_the_deadline(tmp_path: Path) -> None:
    jobs = jobs_for(tmp_path, PARALLEL_THRESHOLD + 1)
    assert list(render_many(jobs, workers=2, deadline=time.monotonic() - 1)) == []
    assert not list(tmp_path.rglob("*.pdf"))


def _fonts_ready(_: int) -> tuple[int, bool]:
    from siapmas_sync.documents import common

    return os.getpid(), len(common._coverage) == len(common._FONT_FILES)


def _mark_warm() -> None:
    os.environ["SIAPMAS_TEST_WARMED"] = str(os.getpid())


def _warmed(_: int) -> str:
    return os.environ.get("SIAPMAS_TEST_WARMED", "")


def test_workers_start_with_the_fonts_registered_and_run_the_warm_up(monkeypatch) -> None:
    from siapmas_sync.cycle.rendering import in_workers, warm_renderer

    monkeypatch.delenv("SIAPMAS_TEST_WARMED", raising=False)
    results = [r for _, r in in_workers(_fonts_ready, range(8), 2, warm=warm_renderer)]
    assert all(ready for _, ready in results)
    assert {pid for pid, _ in results} - {os.getpid()}  # really in other processes
    # the warm-up runs in the parent (forked workers inherit it) and in every worker
    seen = {r for _, r in in_workers(_warmed, range(8), 2, warm=_mark_warm)}
    assert os.environ["SIAPMAS_TEST_WARMED"] == str(os.getpid())
    assert seen and all(s and s != str(os.getpid()) for s in seen)


def test_the_pool_renders_the_same_bytes_as_one_process(tmp_path: Path) -> None:
    from siapmas_sync.cycle.rendering import render_job

    jobs = jobs_for(tmp_path / "pool", PARALLEL_THRESHOLD)
    jobs[3] = replace(jobs[3], item=replace(jobs[3].item, rahasia=True))
    pooled = list(render_many(jobs, workers=2))
    assert [job for job, _ in pooled] == jobs
    for job, paths in pooled:
        assert isinstance(paths, dict)
        alone = render_job(replace(job, folder=tmp_path / "one" / job.folder.name))
        assert set(alone) == set(paths) == {"aduan", "disposisi", "kendali"}
        for kind, path in alone.items():
            assert path.read_bytes() == paths[kind].read_bytes(), (job.item.agenda_no, kind)


def test_the_warm_up_renders_a_blank_item_in_memory_and_fills_the_caches(tmp_path: Path, monkeypatch) -> None:
    from siapmas_sync.cycle import rendering
    from siapmas_sync.documents import layers

    monkeypatch.chdir(tmp_path)
    kop = Kop(instansi="Sekretariat DPRD Kota Pemanasan")
    rendering.warm_renderer(False, kop, "HALF_FOLIO")
    keys = [key for key, _ in layers._recorded._data]
    assert ("kendali", (kop, None)) in keys and ("disposisi", "HALF_FOLIO", (kop, None)) in keys
    assert list(tmp_path.iterdir()) == []  # nothing reached the disk
    rendering.warm_renderer(False, kop, "HALF_FOLIO")  # once per kop and paper
    assert (kop, "HALF_FOLIO") in rendering._warmed


def test_writes_to_memory_keeps_the_bytes_instead_of_writing(tmp_path: Path) -> None:
    from siapmas_sync.documents.common import atomic_write_bytes, writes_to_memory

    with writes_to_memory() as kept:
        atomic_write_bytes(tmp_path / "a" / "x.pdf", b"%PDF")
    assert kept == {tmp_path / "a" / "x.pdf": b"%PDF"} and not (tmp_path / "a").exists()
    atomic_write_bytes(tmp_path / "b.pdf", b"ok")  # and only inside the block
    assert (tmp_path / "b.pdf").read_bytes() == b"ok"


def test_the_warm_up_opens_the_word_templates_and_a_broken_one_is_left_to_the_job(tmp_path: Path, monkeypatch) -> None:
    """Render processes inherit the Word templates opened in the warm-up; a template the
    user broke does not stop the warm-up, and the job itself reports it (GALAT naming it)."""
    from siapmas_sync.cycle import rendering
    from siapmas_sync.worddocs.render import shipped_template_dir
    from siapmas_sync.worddocs import templates

    monkeypatch.chdir(tmp_path)
    user = tmp_path / "templat"
    user.mkdir()
    (user / "kartu_kendali.docx").write_text("ini bukan dokumen Word\n", encoding="utf-8")
    dirs = (user, shipped_template_dir())
    kop = Kop(instansi="Sekretariat DPRD Kota Salinan")
    templates._OPENED.clear()
    rendering.warm_renderer(True, kop, "A4", dirs)
    opened = {Path(path).name for path, _mtime, _size in templates._OPENED}
    assert opened == {"lembar_disposisi.docx", "surat_balasan.docx"}  # ready for the copies
    assert list(tmp_path.iterdir()) == [user]  # nothing reached the disk
    job = RenderJob("salinan", make_item(), kop, tmp_path / "0001", template_dirs=dirs)
    [(_, result)] = list(render_many([job], workers=1))
    assert isinstance(result, Exception) and "kartu_kendali.docx" in str(result)
