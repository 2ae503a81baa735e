"""The change scenario of bench.py: a sheet of N responses, all registered already (the
idle scenario's setup), then ONE new response appended as Google Forms does, and the
cycle that handles it — measured: Sheets and Drive requests, bytes downloaded, CPU of
``Engine.cycle()`` (render processes included) and peak RSS.

    bench.py --change-rows 10000,100000 --json-out F   →   F["change"]["10000"] = {...}
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from idle_scenario import STEADY, registered_sheet


def scenario_change(rows_n: int, args: argparse.Namespace, root: Path) -> dict[str, Any]:
    import corpus
    from bench_common import QUOTA_PER_MINUTE, _du, log
    from tests.google_standin.server import GoogleStandin

    t_scenario = time.perf_counter()
    out: dict[str, Any] = {"kind": "change", "rows": rows_n}
    with GoogleStandin(quota_per_minute=QUOTA_PER_MINUTE) as standin:
        world = registered_sheet(standin, rows_n, args, root, out)
        # setup, continued: the cycle that sees our own write-back, then an idle one (the
        # worker's steady state before the form receives something)
        for label in ("settle", "idle"):
            c = world.run_worker(label=label, env_extra=STEADY)
            out[label] = c.as_dict()
        # one new response (another seed: not a copy of a registered one), dated now
        [row] = corpus.response_rows(1, seed=args.seed + 7, span=timedelta(minutes=1))
        world.add_rows([row])
        c = world.run_worker(profile=args.profile, label="change", env_extra=STEADY)
        out["cycle"] = c.as_dict()
        w = c.worker
        by_api = c.bytes_by_api or {}
        out["figures"] = {
            "sheets_requests": c.sheets,
            "drive_requests": c.drive,
            "bytes_down": sum(by_api.get(a, [0, 0])[0] for a in ("sheets", "drive")),
            "bytes_up": sum(by_api.get(a, [0, 0])[1] for a in ("sheets", "drive")),
            "cpu_seconds": w.get("cpu_cycle_s"),
            "peak_rss_mb": max(w.get("rss_self_mb") or 0, w.get("rss_children_mb") or 0),
            "new": w.get("new"),
            "cells_written": w.get("cells_written"),
            "error": w.get("error"),
        }
        f = out["figures"]
        log(f"change {rows_n}: new={f['new']} sheets={f['sheets_requests']} drive={f['drive_requests']} "
            f"down={f['bytes_down']:,} B cpu={f['cpu_seconds'] or 0:.2f}s rss={f['peak_rss_mb']:.0f} MB "
            f"{f['error'] or ''}")
        out["disk_mb"] = _du(root) / 1e6
    out["scenario_seconds"] = time.perf_counter() - t_scenario
    return out


def change_table(change: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown: the cycle that handles one new response, per sheet size."""
    if not change:
        return []
    out = ["| One new response on a sheet of | Sheets req. | Drive req. | Downloaded (Sheets + Drive) "
           "| CPU of `Engine.cycle()` | Peak RSS |", "|---:|---:|---:|---:|---:|---:|"]
    for rows_n, f in sorted(change.items(), key=lambda kv: int(kv[0])):
        if f.get("error"):
            out.append(f"| {int(rows_n):,} rows | failed: {f['error']} | | | | |")
            continue
        out.append(f"| {int(rows_n):,} rows | {f['sheets_requests']} | {f['drive_requests']} | "
                   f"{f['bytes_down'] / 1e6:.2f} MB | {f['cpu_seconds']:.2f} s | {f['peak_rss_mb']:.0f} MB |")
    out.append("")
    out.append("Targets: 10,000 rows ≤ 1 CPU-second and ≤ 2 MB downloaded; 100,000 rows ≤ 3 CPU-s and ≤ 10 MB. "
               "CPU of the worker and its render processes during `Engine.cycle()` (the new item's three PDFs, "
               "its print batch and Word copies included); bytes are response bodies as the stand-in sent them "
               "(the OAuth token of the fresh process left out).")
    out.append("")
    return out
