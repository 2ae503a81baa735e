"""render_many: many items on every core, in order, one failure never stops the others."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader

from siapmas_sync.models import Kop
from siapmas_sync.rendering import PARALLEL_THRESHOLD, RenderJob, render_many

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
