#!/usr/bin/env python
"""CPU cost of one Lembar Aduan with a very long chronology (issue #21.7).

    python benchmarks/long_text_bench.py                    # 100 KB, 300 KB, 1 MB
    python benchmarks/long_text_bench.py --sizes 5000000 --profile

A chronology of realistic Indonesian prose (corpus.py) with line breaks every few
sentences and runs of blank lines, of each size in characters, rendered in this process
as the engine renders it. Prints, per size, CPU-seconds (``time.process_time``), pages
printed and whether the full text went to the digital attachment, with the default page
limit (``[output] max_pages_aduan`` = 20) and without any (the layout cost itself). The
target (README): layout cost linear in the text, a 1 MB chronology laid out in full in at
most 10 CPU-s on one core. (The engine reads at most 50,000 characters of an answer.)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import corpus  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from siapmas_sync.documents.aduan import FULL_TEXT_NAME, MAX_PAGES, render_lembar_aduan  # noqa: E402
from siapmas_sync.core.models import AgendaItem, Kop, RoutingSuggestion, Submission  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")


def chronology(size: int, seed: int = 21) -> str:
    """*size* characters of prose, a paragraph break every few sentences, some blank runs."""
    rng = random.Random(seed)
    parts: list[str] = []
    n = 0
    while n < size:
        para = corpus.chronology(rng, "Budi Santoso", len(parts))
        gap = "\n" * rng.choice((1, 1, 2, 2, 3, 12))
        parts.append(para + gap)
        n += len(para) + len(gap)
    return "".join(parts)[:size]


def item_with(text: str) -> AgendaItem:
    sub = Submission(key="k", content_hash="h", received_at=datetime(2026, 11, 27, 9, 12, tzinfo=WIB),
                     nama="Budi Santoso", telepon="+6281234567890", email="budi@example.com", kronologi=text)
    return AgendaItem(agenda_no="0001/SIAPMAS/2026", year=2026, seq=1, submission=sub, perihal="Jalan rusak",
                      routing=RoutingSuggestion("Komisi III", "Komisi III", ("jalan",)))


def measure(size: int, out: Path, max_pages: int = MAX_PAGES) -> tuple[float, int, bool]:
    """(CPU-seconds, pages, full text attached) of one Lembar Aduan with a *size* chronology."""
    folder = out / f"{size}-{max_pages}"
    item = item_with(chronology(size))
    start = time.process_time()
    pdf = render_lembar_aduan(item, Kop(), folder / "lembar-aduan.pdf", max_pages=max_pages)
    cpu = time.process_time() - start
    return cpu, len(PdfReader(pdf).pages), (folder / FULL_TEXT_NAME).exists()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--profile", action="store_true", help="cProfile top 25 of the largest size")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="siapmas-longtext-") as tmp:
        out = Path(tmp)
        measure(1000, out)  # warm-up: fonts
        print(f"{'ukuran':>10}  {'CPU-s':>7}  {'halaman':>7}  lampiran .txt   "
              f"| tanpa batas halaman: {'CPU-s':>7}  {'halaman':>7}")
        for size in args.sizes:
            cpu, pages, attached = measure(size, out)
            free_cpu, free_pages, _ = measure(size, out, max_pages=10**6)
            print(f"{size:>10}  {cpu:7.2f}  {pages:>7}  {'ya' if attached else 'tidak':<13}  "
                  f"|                      {free_cpu:7.2f}  {free_pages:>7}", flush=True)
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            measure(max(args.sizes), out, max_pages=10**6)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
