"""The naive baseline of bench.py: the usual gspread script (get_all_values() + one
update_cell() per status cell, sleeping on 429)."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench_common import QUOTA_PER_MINUTE, RESPONSE_TAB, log
from bench_world import BenchWorld, make_evidence_rows


# --- the naive baseline ---------------------------------------------------------------------

NAIVE_STATUS = ["No. Agenda", "Tahap", "Posisi", "Batas Waktu", "Diteruskan ke (usulan)", "Kelengkapan",
                "Dokumen", "Diperbarui"]


def scenario_naive(n: int, args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """The common gspread script: get_all_values() every cycle, then update_cell() for each
    status cell of each new row, sleeping with exponential backoff (1 s doubling to 64 s)
    whenever Google answers 429. Same rows as the backlog scenario (same seed)."""
    import corpus
    import gspread
    from tests.google_standin import clients
    from tests.google_standin.server import GoogleStandin

    t_scenario = time.perf_counter()
    out: dict[str, Any] = {"kind": "naive", "n": n}
    with GoogleStandin(quota_per_minute=QUOTA_PER_MINUTE) as standin:
        world = BenchWorld(standin, root, print_batch=False, render_workers=None, timeout=args.timeout)
        rows = corpus.response_rows(n, seed=args.seed)
        make_evidence_rows(world, rows, 320)  # same links shape; the naive script never reads Drive
        world.add_rows(rows)
        gc = clients.gspread_client(world.key, standin.url, timeout=30)
        sleeps = {"n": 0, "seconds": 0.0}

        def call(fn: Any) -> Any:
            delay = 1.0
            while True:
                try:
                    return fn()
                except gspread.exceptions.APIError as exc:
                    if exc.response.status_code != 429:
                        raise
                    sleeps["n"] += 1
                    sleeps["seconds"] += delay
                    time.sleep(delay)
                    delay = min(delay * 2, 64.0)

        standin.reset_log()
        t0 = time.perf_counter()
        sh = call(lambda: gc.open_by_key(world.sid))
        ws = call(lambda: sh.worksheet(RESPONSE_TAB))
        seq = 0
        cycles = []
        progress_t = time.perf_counter()
        while True:
            tc = time.perf_counter()
            values = call(ws.get_all_values)
            header = values[0]
            if "No. Agenda" not in header:
                first = len(header) + 1
                call(lambda: ws.update([NAIVE_STATUS], f"{gspread.utils.rowcol_to_a1(1, first)}"))
                header = header + NAIVE_STATUS
            col = {h: i + 1 for i, h in enumerate(header)}
            new = 0
            for r, row in enumerate(values[1:], start=2):
                if not any(row[:6]) or (len(row) >= col["No. Agenda"] and row[col["No. Agenda"] - 1]):
                    continue
                seq += 1
                new += 1
                status = {
                    "No. Agenda": f"{seq:04d}/SIAPMAS/2026", "Tahap": "TERAGENDA", "Posisi": "Kasubag TU",
                    "Batas Waktu": "30/11/2026 07.40", "Diteruskan ke (usulan)": "Komisi III (usulan)",
                    "Kelengkapan": "Lengkap", "Dokumen": f"2026/{seq:04d}-SIAPMAS-2026",
                    "Diperbarui": datetime.now().strftime("%d/%m/%Y %H.%M"),
                }
                for title, value in status.items():
                    call(lambda c=col[title], v=value, rr=r: ws.update_cell(rr, c, v))
                if time.perf_counter() - progress_t > 60:
                    progress_t = time.perf_counter()
                    log(f"naive {n}: {seq} rows written, {standin.count(api='sheets', status=429)} x 429 so far")
            cycles.append({"new": new, "seconds": time.perf_counter() - tc})
            if not new:
                break
        wall = time.perf_counter() - t0
        c = standin.count
        out.update(
            seconds=wall,
            cycles=cycles,
            sheets=c(api="sheets"),
            reads=c(api="sheets", method="GET"),
            writes=c(api="sheets") - c(api="sheets", method="GET"),
            sheets_429=c(api="sheets", status=429),
            write_429=c(api="sheets", status=429) - c(api="sheets", method="GET", status=429),
            backoff_sleeps=sleeps,
        )
    out["scenario_seconds"] = time.perf_counter() - t_scenario
    return out
