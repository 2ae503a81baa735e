#!/usr/bin/env python
"""SIAPMAS Sync benchmark: the real worker against the Google stand-in with the Sheets
quota enforced (60 requests per minute per account, reads and writes counted apart).

    python benchmarks/bench.py                       # sizes 0,100,1000,10000; idle 100,000 rows
    python benchmarks/bench.py --quick               # sizes 0,100; idle 10,000 rows (smoke run)
    python benchmarks/bench.py --sizes 1000 --idle-rows 0 --no-naive --profile

Prints a Markdown table (for README "Performance") and machine details. See
benchmarks/README.md for what is measured and how. This is a measurement, not a test:
it never fails on a missed target, it prints ✓/✗ beside the figure.

Process layout (each scenario is isolated):

    bench.py (orchestrator)                     prints the tables
     └─ bench.py --scenario backlog:N --json    hosts a fresh GoogleStandin(quota_per_minute=60),
         │                                      builds the spreadsheet + evidence folder, counts requests
         └─ bench.py --worker CONFIG            ONE real sync cycle (siapmas_sync.cli.Ctx → Engine.cycle),
              └─ render pool processes          reports its own peak RSS (RUSAGE_SELF) and the
                                                largest render process's (RUSAGE_CHILDREN)

Modules: bench.py (CLI, orchestrator), bench_worker.py (the measured worker),
bench_world.py (stand-in world, worker runs), backlog_scenario.py, idle_scenario.py,
naive_scenario.py (one per scenario), bench_report.py (the Markdown tables),
bench_common.py (constants).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)
# Every bench process imports the product from a snapshot taken when the run started
# (siapmas_sync/ and the stand-in), so edits made to the working tree during a long run
# do not change the code under test halfway. Set by the orchestrator; --live-code skips it.
CODE_ENV = "BENCH_CODE_DIR"
if os.environ.get(CODE_ENV):
    sys.path.insert(0, os.environ[CODE_ENV])

# the bench's parts (after sys.path is set: they import the product lazily, from the snapshot)
from backlog_scenario import scenario_backlog  # noqa: E402
from bench_common import log  # noqa: E402
from bench_report import fmt_s, print_profiles, print_report  # noqa: E402
from bench_worker import worker_main  # noqa: E402
from change_scenario import scenario_change  # noqa: E402
from idle_scenario import scenario_idle  # noqa: E402
from naive_scenario import scenario_naive  # noqa: E402


# =========================================================================================
# 3. The orchestrator: run each scenario in its own process, print the tables
# =========================================================================================

def run_child(kind: str, arg: int, args: argparse.Namespace, workdir: Path, *, wait: bool = True) -> Any:
    root = workdir / f"{kind}-{arg}"
    out_json = workdir / f"{kind}-{arg}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--scenario", f"{kind}:{arg}", "--json",
           "--scenario-root", str(root), "--scenario-out", str(out_json)]
    for flag, value in (("--seed", args.seed), ("--image-px", args.image_px), ("--timeout", args.timeout),
                        ("--idle-timeout", args.idle_timeout),
                        ("--budget-minutes", args.budget_minutes), ("--max-cycles", args.max_cycles),
                        ("--microbench", args.microbench), ("--worker-mem-gb", args.worker_mem_gb)):
        cmd += [flag, str(value)]
    if args.render_workers is not None:
        cmd += ["--render-workers", str(args.render_workers)]
    if not args.print_batch:
        cmd += ["--no-print-batch"]
    if args.profile:
        cmd += ["--profile"]
    if args.trace_mem:
        cmd += ["--trace-mem"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, start_new_session=False)
    if not wait:
        return proc, out_json, root
    return collect_child(proc, out_json, root, args)


def collect_child(proc: subprocess.Popen, out_json: Path, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    rc = proc.wait()
    data = json.loads(out_json.read_text()) if out_json.exists() else {"error": f"scenario exited {rc} without a result"}
    if not args.keep:
        # keep the worker logs and profiles, drop documents / ledger / evidence cache
        for sub in ("var",):
            shutil.rmtree(root / sub, ignore_errors=True)
    return data


def snapshot_code(dest: Path) -> dict[str, Any]:
    """Copy siapmas_sync/ and the stand-in to ``dest``; return the commit, the files that
    differ from it and a hash of what was copied."""
    import hashlib

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "siapmas_sync", dest / "siapmas_sync", ignore=ignore)
    shutil.copytree(REPO / "tests" / "google_standin", dest / "tests" / "google_standin", ignore=ignore)
    shutil.copy2(REPO / "tests" / "__init__.py", dest / "tests" / "__init__.py")
    digest = hashlib.sha256()
    for path in sorted(dest.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(dest)).encode() + b"\0" + path.read_bytes())
    info = {"dir": str(dest), **git_info(), "tree_sha256": digest.hexdigest()[:16]}
    (dest / "code.json").write_text(json.dumps(info), encoding="utf-8")
    return info


def git_info() -> dict[str, Any]:
    """Read-only: HEAD and the uncommitted changes of the code under test."""
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    head = git("log", "-1", "--format=%h %ci %s")
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "siapmas_sync", "tests/google_standin").splitlines()]
    return {"commit": head, "dirty": dirty}


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["mem_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import gspread
        import reportlab

        info["gspread"] = gspread.__version__
        info["reportlab"] = reportlab.Version
    except Exception:
        pass
    return info


def orchestrate(args: argparse.Namespace, argv: list[str]) -> int:
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="siapmas-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "started": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                               "argv": " ".join(argv), "backlog": [], "workdir": str(workdir),
                               "settings": {"print_batch": args.print_batch, "render_workers": args.render_workers,
                                            "timeout": args.timeout, "idle_timeout": args.idle_timeout,
                                            "image_px": args.image_px, "worker_mem_gb": args.worker_mem_gb}}
    if args.live_code:
        results["code"] = {"dir": str(REPO), **git_info(), "live": True}
    elif args.code_from:
        prev = Path(args.code_from)
        info = json.loads((prev / "code.json").read_text()) if (prev / "code.json").exists() else {"dir": str(prev)}
        results["code"] = {**info, "dir": str(prev), "reused": True}
        os.environ[CODE_ENV] = str(prev)
    else:
        results["code"] = snapshot_code(workdir / "code")
        os.environ[CODE_ENV] = results["code"]["dir"]  # inherited by every child process
    log(f"work dir {workdir}; machine {results['machine']}; code {results['code']}")
    t_all = time.perf_counter()
    naive_proc = None
    if args.naive and args.naive_rows:
        # mostly asleep (quota backoff): runs beside the other scenarios unless --serial
        naive_proc = run_child("naive", args.naive_rows, args, workdir, wait=False)
        if args.serial:
            results["naive"] = collect_child(*naive_proc, args)
            naive_proc = None
    timings = {}
    for n in args.sizes:
        t = time.perf_counter()
        log(f"scenario backlog {n} …")
        results["backlog"].append(run_child("backlog", n, args, workdir))
        timings[f"backlog {n}"] = time.perf_counter() - t
        log(f"scenario backlog {n} done in {fmt_s(timings[f'backlog {n}'])}")
    for rows_n in args.idle_rows:
        t = time.perf_counter()
        log(f"scenario idle {rows_n} …")
        results.setdefault("idle_sizes", []).append(run_child("idle", rows_n, args, workdir))
        results["idle"] = results["idle_sizes"][-1]  # the largest: the older tables show it
        timings[f"idle {rows_n}"] = time.perf_counter() - t
        log(f"scenario idle done in {fmt_s(timings[f'idle {rows_n}'])}")
    for rows_n in args.change_rows:
        t = time.perf_counter()
        log(f"scenario change {rows_n} …")
        data = run_child("change", rows_n, args, workdir)
        results.setdefault("change_runs", []).append(data)
        # F["change"]["N"]: the figures of the cycle that handled one new response
        results.setdefault("change", {})[str(rows_n)] = data.get("figures") or {"error": data.get("error", "no result")}
        timings[f"change {rows_n}"] = time.perf_counter() - t
        log(f"scenario change done in {fmt_s(timings[f'change {rows_n}'])}")
    if naive_proc is not None:
        log("waiting for the naive baseline …")
        results["naive"] = collect_child(*naive_proc, args)
    if args.naive and args.naive_full:
        for n in args.sizes:
            if n and n != args.naive_rows:
                log(f"naive full run N={n} (slow: ~{n * 8 / 60:.0f} min) …")
                results.setdefault("naive_full", []).append(run_child("naive", n, args, workdir))
    if results.get("naive") and "seconds" in results["naive"]:
        timings[f"naive {args.naive_rows}"] = results["naive"]["scenario_seconds"]
    results["timings"] = timings
    results["total_seconds"] = time.perf_counter() - t_all
    print(f"\nMachine: {results['machine']}\n", flush=True)
    results["markdown"] = print_report(results, args)
    print(f"\nTotal run time {fmt_s(results['total_seconds'])}.", flush=True)
    for s in results["backlog"] + [results.get("idle") or {}] + results.get("change_runs", []):
        for c in s.get("cycles", []) + [s.get("idle") or {}, s.get("settle") or {}, s.get("cycle") or {}]:
            w = (c or {}).get("worker") or {}
            if w.get("error"):
                print(f"\nWorker error ({s.get('kind')} {s.get('n', s.get('rows'))}): {w['error']}\n{w.get('traceback', '')}")
    if args.profile:
        print_profiles(results, args.profile_top)
    out = Path(args.json_out) if args.json_out else workdir / "results.json"
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    log(f"results: {out}")
    if not args.keep and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True) if not args.profile else None
    return 0


def report_from(paths: list[str], args: argparse.Namespace) -> int:
    """Re-print the tables from saved results (``--json-out`` files); several files are
    merged: backlog scenarios are concatenated (each keeps its own settings), the idle and
    naive results of the first file that has them are used."""
    merged: dict[str, Any] | None = None
    argvs = []
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        settings = data.get("settings") or {"print_batch": "--no-print-batch" not in data.get("argv", "")}
        for s in data.get("backlog", []):
            s.setdefault("print_batch", settings.get("print_batch", True))
        argvs.append(data.get("argv", ""))
        if merged is None:
            merged = data
            continue
        merged["backlog"].extend(data.get("backlog", []))
        for key in ("idle", "naive"):
            if not merged.get(key) and data.get(key):
                merged[key] = data[key]
    assert merged is not None
    merged["backlog"].sort(key=lambda s: (s["n"], not s.get("print_batch", True)))
    merged["argv"] = " ; ".join(a or "(defaults)" for a in argvs) if len(argvs) > 1 else argvs[0]
    s0 = merged.get("settings") or {}
    args.print_batch = s0.get("print_batch", args.print_batch)
    args.timeout = s0.get("timeout", args.timeout)
    args.idle_timeout = s0.get("idle_timeout", args.idle_timeout)
    args.image_px = s0.get("image_px", args.image_px)
    args.render_workers = s0.get("render_workers", args.render_workers)
    print_report(merged, args)
    if args.profile:
        print_profiles(merged, args.profile_top)
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=None, help="backlog sizes, e.g. 0,100,1000,10000 (the default)")
    ap.add_argument("--idle-rows", default=None,
                    help="rows of the idle sheet, or several: 10000,100000 (default 100000; 0 = skip)")
    ap.add_argument("--change-rows", default="",
                    help="sheet sizes of the change scenario, e.g. 10000,100000: the cycle that handles ONE new "
                         "response on a sheet whose rows are all registered (default: not run)")
    ap.add_argument("--quick", action="store_true", help="smoke run: sizes 0,100; idle 10,000 rows; naive on 10 rows")
    ap.add_argument("--naive-rows", type=int, default=None, help="rows the naive baseline really runs (default 100)")
    ap.add_argument("--naive-full", action="store_true", help="also run the naive baseline fully at every size (hours)")
    ap.add_argument("--no-naive", dest="naive", action="store_false")
    ap.add_argument("--serial", action="store_true", help="run the naive baseline before, not beside, the others")
    ap.add_argument("--render-workers", type=int, default=None, help="[output] render_workers (default: product default)")
    ap.add_argument("--no-print-batch", dest="print_batch", action="store_false",
                    help="[output] print_batch = false (the product default is true)")
    ap.add_argument("--image-px", type=int, default=1600, help="width of the evidence photos (4:3)")
    ap.add_argument("--timeout", type=float, default=30.0, help="[source] timeout_seconds (product default 30)")
    ap.add_argument("--idle-timeout", type=float, default=120.0,
                    help="[source] timeout_seconds in the idle scenario (the stand-in answers a 100,000-row "
                         "batchGet only after serialising all of it)")
    ap.add_argument("--budget-minutes", type=float, default=25.0, help="cut a backlog scenario's cycles after this")
    ap.add_argument("--max-cycles", type=int, default=8)  # a 10,000 backlog's Word copies take several cycles
    ap.add_argument("--microbench", type=int, default=150, help="items for the one-core render micro-benchmark (0 = off)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--worker-mem-gb", type=float, default=8.0,
                    help="address-space cap of each worker process (0 = none); protects a shared machine")
    ap.add_argument("--profile", action="store_true", help="cProfile the first work cycle, the idle cycle and the micro-benchmark")
    ap.add_argument("--profile-top", type=int, default=25)
    ap.add_argument("--trace-mem", action="store_true",
                    help="tracemalloc in the measured idle cycle (diagnosis: slower, RSS not comparable)")
    ap.add_argument("--workdir", default=None, help="keep everything here (default: a temp dir, removed)")
    ap.add_argument("--keep", action="store_true", help="keep documents, ledgers and caches")
    ap.add_argument("--code-from", default=None,
                    help="reuse the code snapshot of an earlier run (its <workdir>/code) to measure the same version")
    ap.add_argument("--live-code", action="store_true",
                    help="import the working tree directly instead of a snapshot taken at the start")
    ap.add_argument("--json-out", default=None, help="write all raw results here")
    ap.add_argument("--report-from", default=None,
                    help="only print the tables from saved --json-out file(s), comma-separated (merged)")
    # internal
    ap.add_argument("--scenario", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--scenario-root", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--scenario-out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--result", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--setup-no-render", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or "0,100"
        args.idle_rows = "10000" if args.idle_rows is None else args.idle_rows
        args.naive_rows = 10 if args.naive_rows is None else args.naive_rows
    # "--sizes ''" runs no backlog (e.g. only the change scenario)
    args.sizes = [int(x) for x in ("0,100,1000,10000" if args.sizes is None else args.sizes).split(",") if x.strip()]
    args.idle_rows = sorted(int(x) for x in str(100_000 if args.idle_rows is None else args.idle_rows).split(",")
                            if x.strip() and int(x))
    args.change_rows = [int(x) for x in str(args.change_rows).split(",") if x.strip() and int(x)]
    args.naive_rows = 100 if args.naive_rows is None else args.naive_rows
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.worker:
        return worker_main(Path(args.worker), Path(args.result), Path(args.profile_out) if args.profile_out else None,
                           args.worker_mem_gb, args.setup_no_render, args.trace_mem)
    if args.report_from:
        return report_from([p for p in args.report_from.split(",") if p], args)
    if args.scenario:
        kind, _, arg = args.scenario.partition(":")
        root = Path(args.scenario_root or tempfile.mkdtemp(prefix=f"siapmas-bench-{kind}-"))
        fn = {"backlog": scenario_backlog, "idle": scenario_idle, "naive": scenario_naive,
              "change": scenario_change}[kind]
        try:
            data = fn(int(arg), args, root)
        except BaseException as exc:
            import traceback

            data = {"kind": kind, "n" if kind not in ("idle", "change") else "rows": int(arg),
                    "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-4000:]}
            log(f"scenario {args.scenario} failed: {data['error']}\n{data['traceback']}")
        text = json.dumps(data, default=str)
        if args.scenario_out:
            Path(args.scenario_out).write_text(text, encoding="utf-8")
        if args.json:
            print(text, flush=True)
        return 0
    return orchestrate(args, argv)


if __name__ == "__main__":
    raise SystemExit(main())
