"""The benchmark stays alive: every scenario of benchmarks/bench.py runs on a few rows, as
an outsider runs it, and the test fails when a scenario or a worker cycle errors. It never
looks at a figure (speed is what the benchmark prints, not what a test asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks" / "bench.py"


def errors_in(node: Any, where: str = "") -> list[str]:
    """Every ``error`` a scenario, a cycle or a worker recorded, and every worker result
    that did not finish (``ok`` false), with where it sits in the results."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("error"):
            found.append(f"{where}: {node['error']}\n{node.get('traceback', '')}")
        if node.get("ok") is False and not node.get("error"):
            found.append(f"{where}: worker did not finish")
        for key, value in node.items():
            if key != "traceback":
                found.extend(errors_in(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(errors_in(value, f"{where}[{i}]"))
    return found


def test_every_bench_scenario_runs(tmp_path: Path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "3", "--idle-rows", "4", "--change-rows", "4",
         "--naive-rows", "2", "--microbench", "2", "--live-code", "--workdir", str(tmp_path / "work"),
         "--json-out", str(out)],
        capture_output=True, text=True, timeout=900, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert errors_in(results) == [], "\n".join(errors_in(results))
    # each scenario really ran (an empty result list would hide a scenario that was skipped)
    [backlog] = results["backlog"]
    assert backlog["n"] == 3 and backlog["cycles"] and backlog["microbench"]["items"] == 2
    assert backlog["cycles"][0]["worker"]["new"] == 3
    assert results["idle"]["idle"]["worker"]["idle"] is True
    assert results["naive"]["n"] == 2
    change = results["change"]["4"]
    assert set(change) >= {"sheets_requests", "drive_requests", "bytes_down", "cpu_seconds", "peak_rss_mb"}
    assert change["new"] == 1
    assert "| Backlog N |" in proc.stdout


def test_the_startup_bench_runs(tmp_path: Path):
    """benchmarks/startup_bench.py (CPU-s of `--help` and `status`) runs and prints its table."""
    out = tmp_path / "startup.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "startup_bench.py"), "--runs", "1",
                           "--json-out", str(out)], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert {"siapmas-sync --help", "siapmas-sync status"} <= set(results)
    assert all(r["runs"] == 1 for r in results.values())
    assert "| siapmas-sync status" in proc.stdout


def test_the_change_read_micro_benchmark_runs():
    """benchmarks/tailread_bench.py (read, merge and compare of a change read on synthetic
    columns) runs, finds the one edit and the one tick each way, and prints its figures."""
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "tailread_bench.py"), "--rows", "600"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "600 rows" in proc.stdout and "compared with those kept" in proc.stdout


def _run_bench(script: str, *args: str, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


def test_the_public_page_benchmark_runs():
    """benchmarks/publik_bench.py (publish() on a large ledger: first, unchanged, after a change)."""
    out = _run_bench("publik_bench.py", "--items", "200")
    assert "publish() CPU-seconds at 200 items" in out and "one stage move" in out


def test_the_render_benchmark_runs():
    """benchmarks/render_bench.py (the three PDFs on one core, and through the worker pool)."""
    out = _run_bench("render_bench.py", "-n", "3", "--pool", "--workers", "2")
    assert "per CPU-second" in out and "pool (2 workers): 3 items" in out


def test_the_tenants_benchmark_runs(pg_server: str):
    """benchmarks/tenants_bench.py (many DPRDs, workers sharing PostgreSQL) on three tenants."""
    import os

    env = {**os.environ, "SIAPMAS_TEST_PG_SERVER": pg_server}
    out = _run_bench("tenants_bench.py", "--tenants", "3", "--workers", "1", "--speed", "30", "--intervals", "1",
                     "--with-responses", "1", env=env)
    assert "Workers: 1; tenants per worker at the end: [3]" in out  # every tenant served (whether on time is a figure)
