"""The idle scenario of bench.py: a sheet whose rows are all registered, then idle cycles
as the real worker process runs them — "before" (the change check switched off with
``[schedule] full_read_minutes = 0``: the whole sheet is read to find nothing changed)
and "after" (one Drive ``files.get`` of the spreadsheet's version, siapmas_sync/cycle/idle.py).

Bytes are counted by the stand-in (request and response bodies of every Sheets, Drive
and OAuth request); CPU is ``Engine.cycle()`` alone in the worker (RUSAGE_SELF +
RUSAGE_CHILDREN around the call: no imports, no engine set-up).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

#: environment of the measured workers: Drive's lag window is set to 0 because the stand-in
#: shows our own write-back at once (lag 0) and the scenario measures the steady state;
#: the lag rules themselves are proved by tests/test_idle.py
STEADY = {"SIAPMAS_SCHEDULE__DRIVE_LAG_MINUTES": "0"}
BEFORE = {"SIAPMAS_SCHEDULE__FULL_READ_MINUTES": "0"}


def scenario_idle(rows_n: int, args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """A sheet whose rows are ALL registered already, then the idle cycles.

    Setup (labelled as such in the output): the real Engine.cycle() in a worker process —
    real parsing, numbering, ledger transactions and the real write-back of the status
    columns and the three register tabs through the stand-in — except that rendering is
    replaced by marking each pending render done in the ledger (documents recorded at
    the paths the renderer would use; no files written), because rendering 3×N PDFs is
    not what this scenario measures. Then a settle cycle (it sees our own write-back in
    Drive and reads once more), the measured idle cycle, and last the "before" cycle (check
    off: it also rewrites every late item's clock cells, which would wake the next cycle)."""
    from bench_common import QUOTA_PER_MINUTE, _du, log
    from tests.google_standin.server import GoogleStandin

    t_scenario = time.perf_counter()
    out: dict[str, Any] = {"kind": "idle", "rows": rows_n}
    with GoogleStandin(quota_per_minute=QUOTA_PER_MINUTE) as standin:
        world = registered_sheet(standin, rows_n, args, root, out)
        for label, env in (("settle", STEADY), ("idle", STEADY), ("before", {**STEADY, **BEFORE})):
            c = world.run_worker(profile=args.profile and label == "idle", label=label, env_extra=env,
                                 extra=["--trace-mem"] if args.trace_mem and label == "idle" else None)
            out[label] = c.as_dict()
            w = c.worker
            log(f"idle {rows_n}: {label} cycle: cells={w.get('cells_written')} sheets={c.sheets} drive={c.drive} "
                f"down={c.bytes_down:,} B cpu={w.get('cpu_cycle_s', 0):.2f}s wall={c.wall:.1f}s {w.get('error', '')}")
        out["disk_mb"] = _du(root) / 1e6
    out["scenario_seconds"] = time.perf_counter() - t_scenario
    return out


def registered_sheet(standin: Any, rows_n: int, args: argparse.Namespace, root: Path, out: dict[str, Any]) -> Any:
    """SETUP (labelled as such in *out*): a world whose sheet holds *rows_n* responses, all
    registered and written back by the real worker with rendering replaced by marking the
    renders done (see scenario_idle). Shared by the idle and the change scenarios."""
    import corpus
    from bench_common import log
    from bench_world import BenchWorld, make_evidence_rows

    # the stand-in serialises a whole batchGet before its first byte (~260 MB at 100,000
    # rows), so the read timeout is raised here: a stand-in artefact, not a product setting
    world = BenchWorld(standin, root, print_batch=args.print_batch, render_workers=args.render_workers,
                       timeout=args.idle_timeout, mem_gb=args.worker_mem_gb)
    out["timeout_seconds"] = args.idle_timeout
    t = time.perf_counter()
    rows = corpus.response_rows(rows_n, seed=args.seed + 1, span=timedelta(days=320))
    out["evidence"] = make_evidence_rows(world, rows, args.image_px, max_files=200)
    world.add_rows(rows)
    del rows
    out["t_build_sheet"] = time.perf_counter() - t
    log(f"{rows_n} rows: sheet built in {out['t_build_sheet']:.1f}s")

    setup = world.run_worker(label="setup", extra=["--setup-no-render"], mem_gb=0,
                             env_extra={"SIAPMAS_SOURCE__TIMEOUT_SECONDS": "900",
                                        "SIAPMAS_OUTPUT__PRINT_BATCH": "false", **STEADY})
    sw = setup.worker
    out["setup"] = {"seconds": setup.wall, "new": sw.get("new"), "cells_written": sw.get("cells_written"),
                    "sheets": setup.sheets, "drive": setup.drive, "error": sw.get("error"),
                    "rss_mb": sw.get("rss_self_mb"), "phases": sw.get("phases"),
                    "note": "registration + write-back by the real Engine.cycle() in a worker process; "
                            "rendering replaced by marking outbox entries done (no PDFs)"}
    log(f"{rows_n} rows: setup registered {sw.get('new')} in {setup.wall:.1f}s, "
        f"{sw.get('cells_written')} cells written {sw.get('error') or ''}")
    if not sw.get("ok"):
        raise RuntimeError(f"idle setup failed: {sw.get('error')}\n{sw.get('traceback', '')}")
    return world


def _size(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    if n >= 1e3:
        return f"{n / 1e3:.1f} kB"
    return f"{n:.0f} B"


def idle_table(scenarios: list[dict[str, Any]]) -> list[str]:
    """Markdown: the idle cycle before (full read) and after (one Drive files.get), per size."""
    rows = [s for s in scenarios if s and "idle" in s]
    if not rows:
        return [f"Idle scenario failed: {s.get('error')}" for s in scenarios if s and s.get("error")]
    out = ["| Idle cycle, every row registered | | Sheets req. | Drive req. | Token req. | Downloaded (Sheets + Drive) "
           "| Uploaded (Sheets + Drive) | CPU of `Engine.cycle()` | Wall (process) |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in rows:
        for label, key in (("before: full read (check off)", "before"), ("after: one Drive files.get", "idle")):
            c = s.get(key)
            if not c:
                continue
            w = c["worker"]
            cpu = w.get("cpu_cycle_s")
            by_api = c.get("bytes_by_api") or {}
            down = sum(by_api.get(a, [0, 0])[0] for a in ("sheets", "drive"))
            up = sum(by_api.get(a, [0, 0])[1] for a in ("sheets", "drive"))
            out.append(f"| {s['rows']:,} rows | {label} | {c['sheets']} | {c['drive']} | {c.get('oauth', '?')} | "
                       f"{_size(down)} | {_size(up)} | "
                       f"{'%.2f s' % cpu if cpu is not None else '?'} | {c['wall']:.1f} s |")
    out.append("")
    out.append("Target: after = 1 Drive request (≤ 2 KB), 0 Sheets requests, 0 token requests, ≤ 0.3 CPU-seconds. "
               "Each measured cycle is a fresh `sync` process; the access token of the previous process comes "
               "from the owner-only token cache (`[google] token_cache`), so the token endpoint is asked only "
               "when the cached token has expired (once an hour). Measured with `[schedule] drive_lag_minutes = 0` "
               "(the stand-in shows our own write-back at once); the lag rules are proved by tests/test_idle.py.")
    out.append("")
    return out
