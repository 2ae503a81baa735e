#!/usr/bin/env python
"""Rendering micro-benchmark: the three registration PDFs of N realistic items, one core.

    python benchmarks/render_bench.py                 # 200 items
    python benchmarks/render_bench.py -n 500 --profile
    python benchmarks/render_bench.py -n 500 --pool   # also through the worker pool

Items are built the way the engine builds them (corpus chronologies of 200–1500
characters, routing suggestion, completeness findings, 25 % with 1–3 evidence files,
mostly 1600 × 1200 JPEG photos that get thumbnails, some items rahasia) and rendered in
this process exactly as ``rendering.render_job`` does with ``docx=False``. Prints items
per CPU-second (``time.process_time``), CPU ms per document type and, with
``--profile``, a cProfile top list of a second pass. A warm-up pass over a few items runs
first so one-off costs (font loading) are not counted.

``--pool`` first renders the same N jobs the way the engine renders a backlog page,
through ``rendering.render_many(jobs, workers=2)`` (worker start-up, pickling of jobs
and results, cold per-worker caches, one disk flush per chunk all included), from a
parent that has rendered nothing yet, and reports the total CPU of parent and children
(``getrusage`` RUSAGE_SELF + RUSAGE_CHILDREN, read after the pool has shut down) per
item next to the one-core in-process figure. It then renders the same N items again as
the next page of a backlog (a new pool from the same parent, as the engine starts every
500 jobs; workers start with empty caches again, only the parent's one-off warm-up of
fonts and a blank item's documents is not repeated).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import pickle
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import corpus  # noqa: E402

from siapmas_sync.documents import (  # noqa: E402
    render_kartu_kendali, render_lembar_aduan, render_lembar_disposisi,
)
from siapmas_sync.documents.common import durable_together  # noqa: E402
from siapmas_sync.numbering.assign import perihal_from  # noqa: E402
from siapmas_sync.core.intake.completeness import check_completeness  # noqa: E402
from siapmas_sync.core.intake.contact import check_email, normalise_phone  # noqa: E402
from siapmas_sync.core.models import AgendaItem, Evidence, Kop, Submission  # noqa: E402
from siapmas_sync.cycle.rendering import RenderJob, render_many  # noqa: E402
from siapmas_sync.core.routing import default_routing_table, suggest_routing  # noqa: E402

DOCS = ("aduan", "disposisi", "kendali")


def build_items(n: int, folder: Path, *, seed: int = 2026, image_px: int = 1600,
                rahasia_share: float = 0.1) -> list[AgendaItem]:
    """*n* distinct registered items; evidence files are written under *folder*."""
    rows = corpus.response_rows(n, seed=seed, start=datetime(2026, 11, 28, 9, 0, tzinfo=corpus.WIB))
    images = corpus.jpeg_pool(6, image_px)
    files: dict[str, tuple[Path, str, int]] = {}

    def add_file(name: str, data: bytes, mime: str) -> str:
        fid = f"F{len(files):05d}"
        path = folder / "bukti" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[fid] = (path, mime, len(data))
        return fid

    corpus.attach_evidence(rows, add_file, images=images)
    table = default_routing_table()
    rnd = random.Random(seed)
    items = []
    for i, (ts, nama, tel, email, kronologi, bukti) in enumerate(rows):
        phone, f1 = normalise_phone(tel)
        mail, f2 = check_email(email)
        urls = tuple(u.strip() for u in str(bukti).split(",") if u.strip())
        sub = Submission(
            key=f"{i:064d}", content_hash=f"{i:064x}", received_at=ts, nama=str(nama), telepon=phone,
            email=mail, kronologi=str(kronologi), bukti_urls=urls,
            findings=tuple(f for f in (f1, f2) if f is not None), source_row=i + 2,
        )
        evidence = []
        for url in urls:
            fid = url.rsplit("=", 1)[-1]
            path, mime, size = files[fid]
            evidence.append(Evidence(url=url, drive_id=fid, name=path.name, size=size, mime=mime,
                                     local_path=path if mime.startswith("image/") else None, found=True))
        item = AgendaItem(
            agenda_no=f"{i + 1:04d}/SIAPMAS/2026", year=2026, seq=i + 1, submission=sub,
            perihal=perihal_from(sub.kronologi), routing=suggest_routing(sub.kronologi, table),
            evidence=tuple(evidence), findings=check_completeness(sub, evidence),
            rahasia=rnd.random() < rahasia_share, registered_at=ts + timedelta(minutes=7),
        )
        items.append(item)
    return items


@dataclass
class Timings:
    cpu: dict[str, float]
    total_cpu: float
    wall: float
    items: int


def render_all(items: list[AgendaItem], kop: Kop, out: Path, paper: str = "A4") -> Timings:
    """Render every item's three PDFs as render_job does (one durable flush per item)."""
    clock = time.process_time
    cpu = dict.fromkeys(DOCS, 0.0)
    calls: dict[str, Callable[[AgendaItem, Path], Path]] = {
        "aduan": lambda it, d: render_lembar_aduan(it, kop, d / "lembar-aduan.pdf"),
        "disposisi": lambda it, d: render_lembar_disposisi(it, kop, d / "lembar-disposisi.pdf", paper=paper),
        "kendali": lambda it, d: render_kartu_kendali(it, kop, d / "kartu-kendali.pdf"),
    }
    t0, c0 = time.perf_counter(), clock()
    for i, item in enumerate(items):
        folder = out / f"{i:05d}"
        with durable_together():
            for name, fn in calls.items():
                c = clock()
                fn(item, folder)
                cpu[name] += clock() - c
    return Timings(cpu, clock() - c0, time.perf_counter() - t0, len(items))


def report(t: Timings) -> None:
    n = t.items
    print(f"items: {n}   CPU {t.total_cpu:.2f} s   wall {t.wall:.2f} s")
    print(f"items per CPU-second: {n / t.total_cpu:.1f}   (wall: {n / t.wall:.1f} per s)")
    docs = sum(t.cpu.values())
    for name in DOCS:
        print(f"  {name:<10} {1000 * t.cpu[name] / n:6.2f} ms")
    print(f"  {'3 PDFs':<10} {1000 * docs / n:6.2f} ms   (+{1000 * (t.total_cpu - docs) / n:.2f} ms flush/loop)")


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (user + system)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class PoolTimings:
    parent: float
    children: float
    wall: float
    items: int
    failed: int
    job_bytes: float


def render_pool(items: list[AgendaItem], kop: Kop, out: Path, workers: int, paper: str = "A4") -> PoolTimings:
    """Render every item's three PDFs through render_many (as the engine renders a page)."""
    jobs = [RenderJob("render", item, kop, out / f"{i:05d}", paper=paper, docx=False) for i, item in enumerate(items)]
    job_bytes = sum(len(pickle.dumps(j)) for j in jobs[:50]) / min(len(jobs), 50)
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    failed = sum(isinstance(r, Exception) for _, r in render_many(jobs, workers=workers))
    wall = time.perf_counter() - t0  # render_many has shut its pool down: children counted
    me1 = resource.getrusage(resource.RUSAGE_SELF)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    parent = (me1.ru_utime + me1.ru_stime) - (me0.ru_utime + me0.ru_stime)
    children = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    return PoolTimings(parent, children, wall, len(jobs), failed, job_bytes)


def report_pool(p: PoolTimings, workers: int) -> None:
    n = p.items
    total = p.parent + p.children
    print(f"pool ({workers} workers): {n} items   CPU {total:.2f} s (parent {p.parent:.2f} + workers "
          f"{p.children:.2f})   wall {p.wall:.2f} s{f'   {p.failed} FAILED' if p.failed else ''}")
    print(f"  per item {1000 * total / n:6.2f} ms CPU (parent {1000 * p.parent / n:.2f} + workers "
          f"{1000 * p.children / n:.2f})   {n / total:.1f} per CPU-second   pickled job {p.job_bytes / 1024:.1f} KB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="items (default 200)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--paper", default="A4", choices=("A4", "HALF_FOLIO"))
    ap.add_argument("--logo", type=Path, help="kop logo image (default: none, like the shipped config)")
    ap.add_argument("--profile", action="store_true", help="cProfile a second pass and print the top list")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--keep", type=Path, help="render into this folder and keep the PDFs")
    ap.add_argument("--pool", action="store_true",
                    help="first render the N items through rendering.render_many (parent + workers CPU)")
    ap.add_argument("--workers", type=int, default=2, help="pool workers with --pool (default 2)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="render-bench-"))
    try:
        items = build_items(args.n, tmp / "in", seed=args.seed)
        kop = Kop(logo=args.logo)
        out = args.keep or tmp / "out"
        pool = render_pool(items, kop, tmp / "pool", args.workers, args.paper) if args.pool else None
        pool2 = render_pool(items, kop, tmp / "pool2", args.workers, args.paper) if args.pool else None
        render_all(items[: min(5, len(items))], kop, tmp / "warm", args.paper)
        shown = sum(1 for it in items if any(e.local_path for e in it.evidence))
        print(f"{len(items)} items, {shown} with photo thumbnails, {sum(it.rahasia for it in items)} rahasia, "
              f"chronology {min(len(it.submission.kronologi) for it in items)}–"
              f"{max(len(it.submission.kronologi) for it in items)} chars")
        one = render_all(items, kop, out, args.paper)
        report(one)
        if pool is not None and pool2 is not None:
            print("first page (fresh parent):")
            report_pool(pool, args.workers)
            print(f"  pool minus one-core: {1000 * ((pool.parent + pool.children) - one.total_cpu) / pool.items:+.2f} ms per item")
            print("next page (the same items again, a new pool from the same parent):")
            report_pool(pool2, args.workers)
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            render_all(items, kop, tmp / "prof", args.paper)
            prof.disable()
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(args.top)
            print(s.getvalue())
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(args.top)
            print(s.getvalue())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
