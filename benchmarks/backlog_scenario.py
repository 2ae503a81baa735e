"""The backlog scenario of bench.py: N new responses (a quarter with Drive evidence), then
work cycles until the backlog is numbered, rendered and written back."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench_common import QUOTA_PER_MINUTE, _du, log
from bench_world import BenchWorld, CycleResult, make_evidence_rows, render_microbench


def scenario_backlog(n: int, args: argparse.Namespace, root: Path) -> dict[str, Any]:
    import corpus
    from tests.google_standin.server import GoogleStandin

    t_scenario = time.perf_counter()
    out: dict[str, Any] = {"kind": "backlog", "n": n, "print_batch": args.print_batch,
                           "render_workers": args.render_workers, "mem_cap_gb": args.worker_mem_gb}
    with GoogleStandin(quota_per_minute=QUOTA_PER_MINUTE) as standin:
        world = BenchWorld(standin, root, print_batch=args.print_batch, render_workers=args.render_workers,
                           timeout=args.timeout, mem_gb=args.worker_mem_gb)
        t = time.perf_counter()
        # setup: the worker's first-ever run on the empty form (creates the register tabs)
        prime = world.run_worker(label="prime")
        out["prime"] = prime.as_dict()
        rows = corpus.response_rows(n, seed=args.seed) if n else []
        out["evidence"] = make_evidence_rows(world, rows, args.image_px) if n else {}
        if rows:
            out["chronology_chars"] = {"min": min(len(r[4]) for r in rows), "max": max(len(r[4]) for r in rows),
                                       "mean": sum(len(r[4]) for r in rows) / len(rows)}
            world.add_rows(rows)
        out["setup_seconds"] = time.perf_counter() - t
        log(f"backlog {n}: setup {out['setup_seconds']:.1f}s, evidence {out['evidence']}")
        cycles: list[CycleResult] = []
        deadline = time.perf_counter() + args.budget_minutes * 60
        while len(cycles) < args.max_cycles:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            c = world.run_worker(profile=args.profile and not cycles, budget=left, label=f"cycle{len(cycles) + 1}")
            cycles.append(c)
            w = c.worker
            log(f"backlog {n}: cycle {len(cycles)}: new={w.get('new')} rendered={w.get('rendered')} "
                f"cells={w.get('cells_written')} sheets={c.sheets} drive={c.drive} 429={c.sheets_429} "
                f"wall={c.wall:.1f}s rss={w.get('rss_self_mb', 0):.0f}MB {w.get('error', '')}")
            if c.killed:
                break
            if not w.get("ok"):
                # one more cycle shows whether the failure blocks the worker for good
                if len(cycles) >= 2 and not cycles[-2].worker.get("ok"):
                    break
                continue
            # done when a cycle numbers, renders and copies nothing and no Word copy waits
            if not (w.get("new") or w.get("rendered") or w.get("render_errors") or w.get("salinan")
                    or w.get("salinan_pending")):
                break
        out["cycles"] = [c.as_dict() for c in cycles]
        if cycles and cycles[-1].killed:
            out["partial"] = world.ledger_progress()
            out["partial"]["seconds"] = cycles[-1].wall
        # from N = 100 (or any N when --microbench is smaller: the CI smoke runs it on a few items)
        if n and n >= min(100, args.microbench) and args.microbench and not (cycles and cycles[-1].killed):
            out["microbench"] = render_microbench(world, min(n, args.microbench), args.profile)
            mb = out["microbench"]
            log(f"backlog {n}: one-core render: {mb['pdf_only']['subs_per_s']:.1f} subs/s (PDFs only), "
                f"{mb['pdf_docx']['subs_per_s']:.1f} subs/s (PDFs+DOCX)")
        out["disk_mb"] = _du(root) / 1e6
    out["scenario_seconds"] = time.perf_counter() - t_scenario
    return out
