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
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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

from idle_scenario import idle_table, scenario_idle  # noqa: E402  (after sys.path is set)

QUOTA_PER_MINUTE = 60
SA_EMAIL = "siapmas-sync@setwan-siapmas.iam.gserviceaccount.com"
RESPONSE_TAB = "Form Responses 1"
MB = 1024.0  # ru_maxrss is in KiB on Linux


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# =========================================================================================
# 1. The worker: one real cycle, measured from inside its own process
# =========================================================================================

def _vm() -> tuple[float, float]:
    """(current RSS, peak RSS so far) of this process in MB, from /proc (Linux)."""
    rss = hwm = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    return round(rss, 1), round(hwm, 1)


def _setup_mark_rendered(engine: Any, report: Any) -> None:
    """SETUP ONLY (idle scenario): instead of rendering, record each pending render as done
    with the document paths the renderer would have used. No file is written."""
    from sqlalchemy import update

    from siapmas_sync.engine import agenda_folder
    from siapmas_sync.ledger import items

    ledger = engine.ledger
    pending = ledger.pending("render")
    now = engine.clock()
    names = (("aduan", "lembar-aduan.pdf"), ("disposisi", "lembar-disposisi.pdf"), ("kendali", "kartu-kendali.pdf"),
             ("lembar_disposisi_docx", "lembar-disposisi.docx"), ("kartu_kendali_docx", "kartu-kendali.docx"))
    with ledger.tx() as conn:
        for entry in pending:
            row = ledger.item_by_key(conn, entry.key)
            base = Path(str(row.year)) / agenda_folder(row.agenda_no)
            docs = {k: str(base / f) for k, f in names}
            conn.execute(update(items).where(items.c.key == entry.key).values(
                documents=json.dumps(docs), print_batch="(setup: tidak dirender)"))
            report.rendered.append(row.agenda_no)
        ledger.finish_outbox_many(conn, [entry.id for entry in pending], now)


def worker_main(config: Path, result_path: Path, profile_path: Path | None, mem_gb: float = 0.0,
                setup_no_render: bool = False, trace_mem: bool = False) -> int:
    """One `siapmas-sync sync` cycle exactly as the CLI runs it (worker lock, Ledger,
    open_backend, Engine.cycle), with observation-only wrappers for phase times, HTTP
    bytes and the render pool size. Writes a JSON result; exit 0 even if the cycle
    raised (the error is in the result)."""
    import resource

    t_start = time.perf_counter()
    if mem_gb:
        # address-space cap (inherited by the render pool): on a shared machine a runaway
        # allocation becomes a MemoryError in this process instead of an OOM kill elsewhere
        limit = int(mem_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    load_before = os.getloadavg()
    from siapmas_sync import cli, rendering
    from siapmas_sync.backends import google as gb
    from siapmas_sync.backends import google_http
    from siapmas_sync.engine import Engine

    t_imported = time.perf_counter()
    import siapmas_sync

    code_file = siapmas_sync.__file__
    phases: dict[str, float] = {}
    phases_cpu: dict[str, float] = {}  # CPU seconds per phase, render processes included
    calls: dict[str, int] = {}

    if setup_no_render:
        Engine._render_pending = _setup_mark_rendered  # type: ignore[method-assign]
    mem_marks: list[tuple[str, float, float]] = []
    rss_marks: list[tuple[str, float, float]] = [("start", *_vm())]  # (after phase, VmRSS MB, VmHWM MB)
    best_snap: list[Any] = [None, 0]
    if trace_mem:
        import tracemalloc

        tracemalloc.start(12)

    def timed(owner: Any, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def cpu_now() -> float:  # this process + render pools already shut down (each phase shuts its own)
            return sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])

        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            c = cpu_now()
            try:
                return fn(*a, **k)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - t
                phases_cpu[label] = phases_cpu.get(label, 0.0) + cpu_now() - c
                calls[label] = calls.get(label, 0) + 1
                rss_marks.append((label, *_vm()))
                if trace_mem:
                    cur, peak = tracemalloc.get_traced_memory()
                    mem_marks.append((label, cur / 1e6, peak / 1e6))
                    tracemalloc.reset_peak()
                    if cur > best_snap[1]:
                        best_snap[:] = [tracemalloc.take_snapshot(), cur]

        setattr(owner, name, wrapper)

    for name, label in [("_apply_kendali", "kendali"), ("_register_new", "register"),
                        ("_render_pending", "render"), ("_print_batch", "print_batch"), ("_write_back", "write_back"),
                        ("_make_salinan", "salinan")]:
        timed(Engine, name, label)
    for name, label in [("read", "sheets_read"), ("write", "sheets_write"), ("find_evidence", "evidence")]:
        timed(gb.GoogleBackend, name, label)

    pool = {"workers": 0, "jobs": 0}
    base_pool = rendering.ProcessPoolExecutor

    class ObservedPool(base_pool):  # type: ignore[misc,valid-type]
        def __init__(self, max_workers: int | None = None, *a: Any, **k: Any) -> None:
            pool["workers"] = max(pool["workers"], max_workers or (os.cpu_count() or 1))
            super().__init__(max_workers, *a, **k)

    rendering.ProcessPoolExecutor = ObservedPool
    base_render_many = rendering.render_many

    def render_many(jobs: Any, workers: Any = None, **kw: Any) -> Any:
        pool["jobs"] += len(jobs)
        return base_render_many(jobs, workers, **kw)

    # engine.py imported the name: patch where it is looked up
    import siapmas_sync.engine as engine_mod
    engine_mod.render_many = render_many

    http = {"requests": 0, "bytes_up": 0, "bytes_down": 0}
    base_request = google_http.EndpointSession.request

    def request(self: Any, method: str, url: str, *a: Any, **k: Any) -> Any:
        resp = base_request(self, method, url, *a, **k)
        http["requests"] += 1
        body = k.get("data") if k.get("data") is not None else k.get("json")
        if isinstance(body, (bytes, str)):
            http["bytes_up"] += len(body)
        elif body is not None:
            http["bytes_up"] += len(json.dumps(body))
        if k.get("stream"):  # read as it streams in: never buffer it here (that would skew RSS)
            http["bytes_down"] += int(resp.headers.get("Content-Length") or 0)
        else:
            http["bytes_down"] += len(resp.content or b"")
        return resp

    google_http.EndpointSession.request = request

    result: dict[str, Any] = {"ok": False}
    prof = None
    try:
        ctx = cli.Ctx(config)
        with ctx.lock(None), ctx.engine() as engine:
            t_ready = time.perf_counter()
            if profile_path:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
            report = engine.cycle()
            if prof:
                prof.disable()
            t_done = time.perf_counter()
            cpu_cycle = (sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
                         + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - cpu0)
            retries = getattr(getattr(engine.backend, "retry", None), "retries", None)
        result.update(
            ok=True,
            new=len(report.new),
            rendered=len(report.rendered),
            render_errors=len(report.render_errors),
            row_errors=len(report.row_errors),
            incomplete=len(report.incomplete),
            duplicates=len(report.duplicates),
            cells_written=report.cells_written,
            batch=", ".join(str(b) for b in report.batches) or None,
            batch_bytes=sum(b.stat().st_size for b in report.batches if b.exists()),
            retries=retries,
            t_import=t_imported - t_start,
            t_engine=t_ready - t_imported,
            t_cycle=t_done - t_ready,
            cpu_cycle_s=cpu_cycle,  # Engine.cycle() alone: no imports, no engine set-up
            idle=any("tidak dibaca ulang" in n for n in report.notices),
        )
    except BaseException as exc:  # report, do not hide: the orchestrator prints it
        import traceback

        result.update(error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()[-4000:])
    finally:
        if prof is not None and profile_path:
            prof.disable()
            prof.dump_stats(str(profile_path))
    if trace_mem and best_snap[0] is not None:
        top = best_snap[0].statistics("traceback")[:12]
        result["trace_mem"] = {
            "marks": mem_marks,
            "largest_live_mb": best_snap[1] / 1e6,
            "top": [{"mb": st.size / 1e6, "count": st.count,
                     "where": [f"{f.filename.split('site-packages/')[-1].split('/work/main/')[-1]}:{f.lineno}"
                               for f in st.traceback[-6:]]} for st in top],
        }
    rss_marks.append(("end", *_vm()))
    result.update(
        phases=phases,
        phases_cpu=phases_cpu,
        phase_calls=calls,
        rss_marks=rss_marks,
        pool_workers=pool["workers"],
        render_jobs=pool["jobs"],
        http=http,
        # VmHWM, not ru_maxrss: on Linux an exec'd child's ru_maxrss starts at its parent's
        # high-water mark (the pre-exec mm is folded in), so it would report the bench's size
        rss_self_mb=_vm()[1],
        ru_maxrss_self_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB,
        rss_children_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / MB,
        cpu_self_s=sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        cpu_children_s=sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]),
        t_process=time.perf_counter() - t_start,
        code_file=code_file,
        load_before=load_before,
        load_after=os.getloadavg(),
        mem_cap_gb=mem_gb,
    )
    result_path.write_text(json.dumps(result), encoding="utf-8")
    return 0


# =========================================================================================
# 2. A scenario: a fresh stand-in with quota, a spreadsheet, an evidence folder
# =========================================================================================

@dataclass
class CycleResult:
    worker: dict[str, Any]
    wall: float
    sheets: int
    drive: int
    oauth: int
    sheets_429: int
    drive_429: int
    routes: dict[str, int]
    killed: bool = False
    progress: list[tuple[float, int, int]] = field(default_factory=list)  # (s, items, rendered) from the ledger
    ledger_after: dict[str, int] = field(default_factory=dict)  # items / renders done in the ledger afterwards
    bytes_down: int = 0  # response bodies the stand-in sent (Sheets + Drive + OAuth)
    bytes_up: int = 0  # request bodies it received

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__


class BenchWorld:
    """Like tests/worlds.py::GoogleWorld, with production settings (retry base 1 s,
    timeout 30 s, print batch and DOCX on) and the worker run as a child process."""

    def __init__(self, standin: Any, root: Path, *, print_batch: bool, render_workers: int | None,
                 timeout: float, docx: bool = True, mem_gb: float = 0.0) -> None:
        self.standin = standin
        self.mem_gb = mem_gb
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        key = standin.make_service_account_key(SA_EMAIL)
        self.key = key
        (root / "service-account.json").write_text(json.dumps(key), encoding="utf-8")
        os.chmod(root / "service-account.json", 0o600)
        self.folder = standin.create_folder("Bukti Dukung (File responses)", share_with=[(SA_EMAIL, "reader")])
        from corpus import HEADER

        self.sid = standin.create_spreadsheet("SIAPMAS (Jawaban)", {RESPONSE_TAB: [HEADER]},
                                              share_with=[(SA_EMAIL, "writer")])
        self.config = root / "siapmas.toml"
        out = [
            "[source]", 'backend = "google"', f'spreadsheet_id = "{self.sid}"',
            f'evidence_folder_id = "{self.folder}"', 'credentials = "service-account.json"',
            f'google_endpoint = "{standin.url}"', f"timeout_seconds = {timeout}",
            "[storage]", 'database = "var/siapmas.db"',
            "[output]", 'dir = "var/output"', f"print_batch = {'true' if print_batch else 'false'}",
            f"docx = {'true' if docx else 'false'}",
        ]
        if render_workers is not None:
            out.append(f"render_workers = {render_workers}")
        self.config.write_text("\n".join(out) + "\n", encoding="utf-8")
        self.runs = 0

    def add_file(self, name: str, data: bytes, mime: str) -> str:
        return self.standin.add_drive_file(name, data, self.folder, mime)

    def add_rows(self, rows: list[list[Any]]) -> None:
        """What Google Forms does: append after the last row (no API call, no quota)."""
        values = self.standin.get_values(self.sid, RESPONSE_TAB)
        self.standin.set_values(self.sid, RESPONSE_TAB, rows, start_row=len(values) + 1)

    def run_worker(self, *, profile: bool = False, budget: float | None = None, label: str = "",
                   extra: list[str] | None = None, env_extra: dict[str, str] | None = None,
                   mem_gb: float | None = None) -> CycleResult:
        self.runs += 1
        tag = f"{self.runs:02d}" + (f"-{label}" if label else "")
        result_path = self.root / f"worker-{tag}.json"
        prof_path = self.root / f"worker-{tag}.prof"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(self.config), "--result", str(result_path)]
        if profile:
            cmd += ["--profile-out", str(prof_path)]
        cap = self.mem_gb if mem_gb is None else mem_gb
        cmd += ["--worker-mem-gb", str(cap)] + list(extra or [])
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIAPMAS_")}
        env.update(env_extra or {})
        env["PYTHONUNBUFFERED"] = "1"
        self.standin.reset_log()
        killed = False
        with open(self.root / f"worker-{tag}.log", "wb") as logf:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=str(self.root),
                                    start_new_session=True)
            progress: list[tuple[float, int, int]] = []
            try:
                while True:
                    try:
                        proc.wait(timeout=min(15.0, max(0.1, (budget or 1e9) - (time.perf_counter() - t0))))
                        break
                    except subprocess.TimeoutExpired:
                        if budget is not None and time.perf_counter() - t0 >= budget:
                            raise
                        p = self.ledger_progress()
                        if p:
                            progress.append((round(time.perf_counter() - t0, 1), p["items"], p["rendered"]))
            except subprocess.TimeoutExpired:
                killed = True
                os.killpg(proc.pid, signal.SIGTERM)  # the worker and its render pool: ours
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            wall = time.perf_counter() - t0
        worker = json.loads(result_path.read_text()) if result_path.exists() else {"ok": False, "error": "no result (killed?)"}
        if profile and prof_path.exists():
            worker["profile_path"] = str(prof_path)
        routes: dict[str, int] = {}
        for r in list(self.standin.requests):
            key = f"{r.route}:{r.status}"
            routes[key] = routes.get(key, 0) + 1
        c = self.standin.count
        logged = list(self.standin.requests)
        return CycleResult(worker, wall, c(api="sheets"), c(api="drive"), c(api="oauth"),
                           c(api="sheets", status=429), c(api="drive", status=429), routes, killed, progress,
                           self.ledger_progress(), sum(getattr(r, "bytes_out", 0) for r in logged),
                           sum(getattr(r, "bytes_in", 0) for r in logged))

    def ledger_progress(self) -> dict[str, int]:
        """Counts straight from the SQLite ledger (for a cycle cut short by the budget)."""
        import sqlite3

        path = self.root / "var" / "siapmas.db"
        if not path.exists():
            return {}
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        except sqlite3.Error:
            return {}
        try:
            items = db.execute("select count(*) from items").fetchone()[0]
            done = db.execute("select count(*) from outbox where kind='render' and done_at is not null").fetchone()[0]
            batched = db.execute("select count(*) from items where print_batch is not null").fetchone()[0]
            return {"items": items, "rendered": done, "batched": batched}
        except sqlite3.Error:
            return {}
        finally:
            db.close()


def make_evidence_rows(world: BenchWorld, rows: list[list[Any]], image_px: int, max_files: int | None = None,
                       fraction: float = 0.25) -> dict[str, int]:
    import corpus

    images = corpus.jpeg_pool(12, image_px)
    return corpus.attach_evidence(rows, world.add_file, plan=corpus.EvidencePlan(fraction=fraction),
                                  images=images, max_files=max_files)


def render_microbench(world: BenchWorld, count: int, profile: bool) -> dict[str, Any]:
    """Single-process (one core) rendering of ``count`` registered items, from the ledger
    the cycle just wrote: the three PDFs alone, then PDFs + the two DOCX."""
    from dataclasses import replace

    from siapmas_sync.config import load_settings
    from siapmas_sync.engine import Engine
    from siapmas_sync.ledger import Ledger
    from siapmas_sync.rendering import render_job

    settings = load_settings(world.config, environ={})
    ledger = Ledger(settings.database_url())
    try:
        engine = Engine(settings, None, ledger)  # type: ignore[arg-type]  # rendering never touches the backend
        rows = ledger.item_rows()[:count]
        scratch = world.root / "microbench"
        jobs = [replace(engine.render_job("render", r), folder=scratch / f"{i:05d}") for i, r in enumerate(rows)]
        out: dict[str, Any] = {"items": len(jobs)}
        prof = None
        if profile:
            import cProfile

            prof = cProfile.Profile()
        for label, docx in (("pdf_only", False), ("pdf_docx", True)):
            if prof and label == "pdf_only":
                prof.enable()
            t, c = time.perf_counter(), time.process_time()
            for job in jobs:
                render_job(replace(job, docx=docx))
            dt, dc = time.perf_counter() - t, time.process_time() - c
            if prof and label == "pdf_only":
                prof.disable()
            # per CPU-second (robust on a shared machine); the wall-clock rate beside it
            out[label] = {"seconds": dt, "cpu_seconds": dc, "subs_per_s": len(jobs) / dc if dc else 0.0,
                          "pdfs_per_s": 3 * len(jobs) / dc if dc else 0.0,
                          "subs_per_wall_s": len(jobs) / dt if dt else 0.0}
        if prof:
            path = world.root / "microbench-pdf.prof"
            prof.dump_stats(str(path))
            out["profile_path"] = str(path)
        shutil.rmtree(scratch, ignore_errors=True)
        return out
    finally:
        ledger.close()


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
            if not w.get("new") and not w.get("rendered") and not w.get("render_errors"):
                break
        out["cycles"] = [c.as_dict() for c in cycles]
        if cycles and cycles[-1].killed:
            out["partial"] = world.ledger_progress()
            out["partial"]["seconds"] = cycles[-1].wall
        if n >= 100 and args.microbench and not (cycles and cycles[-1].killed):
            out["microbench"] = render_microbench(world, min(n, args.microbench), args.profile)
            mb = out["microbench"]
            log(f"backlog {n}: one-core render: {mb['pdf_only']['subs_per_s']:.1f} subs/s (PDFs only), "
                f"{mb['pdf_docx']['subs_per_s']:.1f} subs/s (PDFs+DOCX)")
        out["disk_mb"] = _du(root) / 1e6
    out["scenario_seconds"] = time.perf_counter() - t_scenario
    return out


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


def _du(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


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


# --- formatting ---------------------------------------------------------------------------------

def ok(flag: bool | None) -> str:
    return "–" if flag is None else ("✓" if flag else "✗")


def fmt_s(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def naive_model(naive: dict[str, Any] | None, n: int) -> dict[str, Any] | None:
    """Naive requests and time for n rows: measured when n was the naive run's size, else
    extrapolated from it.

    writes(n)   = 1 header write + n × (measured successful writes per row, i.e. 8)
    requests(n) = 3 reads (open_by_key, worksheet, get_all_values; + 1 get_all_values per
                  extra cycle) + writes(n) + the 429s
    time(n)     = (writes(n) − 60) / 60 minutes — the quota floor: the first minute's 60
                  writes are free, then at most 60 per minute — stretched by the naive
                  backoff's measured overshoot (measured time / floor of the measured run)
    429s(n)     = measured 429s per quota window × windows(n)"""
    if not naive or "writes" not in naive:
        return None
    m = naive["n"]
    if n == m:
        return {"requests": naive["sheets"], "seconds": naive["seconds"], "r429": naive["sheets_429"],
                "extrapolated": False}
    if n == 0:
        return {"requests": 3, "seconds": 0.0, "r429": 0, "extrapolated": True}
    ok_writes_m = naive["writes"] - naive.get("write_429", naive["sheets_429"])
    per_row = (ok_writes_m - 1) / m if m else len(NAIVE_STATUS)
    writes = 1 + per_row * n
    floor_m = max(0.0, (ok_writes_m - QUOTA_PER_MINUTE) / QUOTA_PER_MINUTE * 60)
    stretch = naive["seconds"] / floor_m if floor_m >= 60 else 1.0
    windows = max(0.0, (writes - QUOTA_PER_MINUTE) / QUOTA_PER_MINUTE)
    seconds = windows * 60 * stretch
    r429 = naive["sheets_429"] / max(1.0, floor_m / 60) * windows
    reads = 4
    return {"requests": int(round(writes + reads + r429)), "seconds": seconds, "r429": int(round(r429)),
            "extrapolated": True, "stretch": stretch}


def work_cycles(s: dict[str, Any]) -> list[dict[str, Any]]:
    """Cycles that did work (numbered, rendered, failed or were cut); for N=0 the first."""
    cycles = s.get("cycles", [])
    work = [c for c in cycles if c["worker"].get("new") or c["worker"].get("rendered") or c.get("killed")
            or not c["worker"].get("ok")]
    return work or cycles[:1]


def failure(w: dict[str, Any]) -> str:
    """'MemoryError in Engine._print_batch' from a worker result."""
    import re

    err = (w.get("error") or "error").split(":", 1)[0]
    frames = re.findall(r'siapmas_sync/([\w/]+)\.py", line \d+, in (\w+)', w.get("traceback") or "")
    engine_frames = [f for m, f in frames if m == "engine" and f != "cycle"]
    where = engine_frames[-1] if engine_frames else (frames[-1][1] if frames else "")
    return f"{err} in Engine.{where}" if engine_frames else (f"{err} in {where}" if where else err)


def cpu_of(c: dict[str, Any]) -> float:
    w = c["worker"]
    return (w.get("cpu_self_s") or 0.0) + (w.get("cpu_children_s") or 0.0)


def backlog_figures(s: dict[str, Any], cpus: int) -> dict[str, Any]:
    n = s["n"]
    cyc = s.get("cycles", [])
    work = work_cycles(s)
    killed = any(c.get("killed") for c in cyc)
    failed = [failure(c["worker"]) for c in cyc if not c["worker"].get("ok")]
    numbered = sum(c["worker"].get("new") or 0 for c in cyc)
    rendered = sum(c["worker"].get("rendered") or 0 for c in cyc)
    # a failed or cut cycle has no report: the ledger says what it did
    for c in cyc:
        led = c.get("ledger_after") or {}
        if not led and c.get("progress"):
            last = c["progress"][-1]
            led = {"items": last[1], "rendered": last[2]}
        numbered = max(numbered, led.get("items", 0))
        rendered = max(rendered, led.get("rendered", 0))
    written = any(c["worker"].get("ok") and c["worker"].get("cells_written") for c in cyc)
    wall = sum(c["wall"] for c in work)
    cpu = sum(cpu_of(c) for c in work)
    workers = max((c["worker"].get("pool_workers") or 1) for c in work) if (n and work) else 0
    complete = (not killed) and numbered == n and rendered == n and not failed
    first = work[0] if work else None
    return {
        "n": n, "cycles": len(cyc), "work": work, "killed": killed, "failed": failed, "numbered": numbered,
        "written": written or n == 0, "print_batch": s.get("print_batch", True),
        "first_wall": first["wall"] if first else 0.0, "first_cpu": cpu_of(first) if first else 0.0,
        "rendered": rendered, "complete": complete, "wall": wall, "cpu": cpu, "workers": workers,
        "subs_s": rendered / wall if wall else 0.0,
        # the same up to the write-back: the Word copies come after it (Engine._make_salinan)
        "salinan_s": (sal := sum((c["worker"].get("phases") or {}).get("salinan", 0.0) for c in work)),
        "subs_s_status": rendered / (wall - sal) if wall > sal else 0.0,
        # CPU up to the write-back: without the print batch and the Word copies after it
        "cpu_after": (after := sum((c["worker"].get("phases_cpu") or {}).get(k, 0.0)
                                   for c in work for k in ("print_batch", "salinan"))),
        "subs_cpu_status": rendered / (cpu - after) if cpu > after and after else 0.0,
        "subs_cpu_s": rendered / cpu if cpu else 0.0,
        "sheets": [c["sheets"] for c in work], "drive": [c["drive"] for c in work],
        "r429": sum(c["sheets_429"] for c in cyc),
        "rss": max((c["worker"].get("rss_self_mb") or 0) for c in cyc) if cyc else 0,
        "rss_children": max((c["worker"].get("rss_children_mb") or 0) for c in cyc) if cyc else 0,
        "load": max((max(c["worker"].get("load_before") or [0])) for c in work) if work else 0,
    }


def print_report(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines: list[str] = []
    p = lines.append
    m = results["machine"]
    cpus = m.get("cpus") or 1
    p("## Performance")
    p("")
    code = results.get("code") or {}
    code_txt = ""
    if code.get("commit"):
        code_txt = (f" Product code: commit {code['commit'].split(' ')[0]}"
                    + (f" plus uncommitted changes to {', '.join(code['dirty'])}" if code.get("dirty") else "")
                    + (" (live working tree)" if code.get("live") else f", snapshotted at the start (tree {code.get('tree_sha256')})")
                    + ".")
    p(f"Measured {results['started']} with `python benchmarks/bench.py {results['argv']}` on "
      f"{cpus} CPU ({m.get('cpu_model', '?')}), {m.get('mem_gb', '?')} GB RAM, "
      f"{m.get('implementation')} {m.get('python')}, {m.get('platform')}; gspread {m.get('gspread')}, "
      f"reportlab {m.get('reportlab')}. Google = the loopback stand-in (real gspread / googleapiclient / "
      f"google-auth) enforcing the Sheets quota of {QUOTA_PER_MINUTE} requests per minute per account "
      f"(reads and writes counted apart). One cycle = one `siapmas-sync sync` process; product defaults "
      f"(print batch {'on' if args.print_batch else '**off**'}, DOCX on, render workers "
      f"{args.render_workers if args.render_workers is not None else 'one per core'}, retry base 1 s, timeout "
      f"{args.timeout:g} s). Chronologies 200–1500 characters, 25 % of responses with 1–3 Drive files "
      f"(85 % {args.image_px}×{args.image_px * 3 // 4} JPEG photos).{code_txt}")
    p("")
    figs = [backlog_figures(s, cpus) for s in results["backlog"] if s.get("cycles")]
    errors = [s for s in results["backlog"] if not s.get("cycles")]
    p("| Backlog N | Cycles | Sheets req / cycle | Drive req / cycle | Sheets 429s | Wall | Submissions/s | PDFs/s "
      "| Render workers | Submissions per CPU-second | Peak RSS worker (largest render process) |")
    p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    mixed = len({f["print_batch"] for f in figs}) > 1
    for f in figs:
        n = f["n"]
        label = f"{n:,}" + ((" (print batch on)" if f["print_batch"] else " (print batch off)") if mixed else "")
        wall = fmt_s(f["wall"])
        subs, subs_cpu = f"{f['subs_s']:.1f}", f"{f['subs_cpu_s']:.1f}"
        pdfs = f"{3 * f['subs_s']:.1f}"
        if f["killed"]:
            cut = next((c for c in f["work"] if c.get("killed")), None)
            when = ""
            for t, _items, done in (cut or {}).get("progress") or []:
                if done >= n:
                    when = f", all rendered after {fmt_s(t)}"
                    break
            batched = ((cut or {}).get("ledger_after") or {}).get("batched")
            wall = (f"> {wall}: **cut** at the time budget; {f['numbered']:,} numbered and {f['rendered']:,} rendered"
                    f"{when}{f', {batched:,} in print batches' if batched is not None else ''}; "
                    f"{'some' if f['written'] else 'nothing'} written to the sheet")
            subs = subs_cpu = pdfs = "–"
        elif f["failed"]:
            wall = (f"**failed** in {len(f['failed'])} of {len(f['failed'])} cycles: {f['failed'][0]} "
                    f"(cycle 1 {fmt_s(f['first_wall'])}); {f['numbered']:,} numbered and {f['rendered']:,} rendered "
                    f"in the ledger, {'some' if f['written'] else 'nothing'} written to the sheet")
            # rates up to the failure are not end-to-end: leave them out of this row
            subs = subs_cpu = pdfs = "–"
        known = [c for c in f["work"] if c["worker"].get("rss_self_mb")]
        rss = f"{f['rss']:.0f} MB ({f['rss_children']:.0f} MB)" if known else "– (killed: no report)"
        workers = "–" if (not n or not known) else f["workers"]
        p(f"| {label} | {f['cycles']} | {' + '.join(map(str, f['sheets']))} | {' + '.join(map(str, f['drive']))} | "
          f"{f['r429']} | {wall} | {subs} | {pdfs} | {workers} | {subs_cpu} | {rss} |")
    for s in errors:
        p(f"| {s.get('n', '?'):,} | scenario error: {s.get('error', '?')} |" + " |" * 9)
    p("")
    p("Cycles counts the confirming idle cycle at the end; the request and time figures are for the "
      "cycle(s) that did the work. Submissions/s = submissions numbered, rendered (3 PDFs + 2 DOCX) and written "
      "back, divided by the wall time of the worker process(es), so it includes Python start-up, registration, "
      "the print batch and write-back. Submissions per CPU-second = the same count over the CPU time of the "
      "worker plus its render processes: the per-core rate, unaffected by other load on the machine.")
    loads = [f["load"] for f in figs if f["n"]]
    if loads and max(loads) > cpus * 0.75:
        p("")
        p(f"**Shared machine:** the 1-minute load average was up to {max(loads):.1f} on {cpus} CPUs when the "
          "work cycles started (other processes), so wall-clock rates are lower than on an idle machine; "
          "the per-CPU-second figures are not affected.")
    p("")
    naive = results.get("naive")
    if naive and "writes" in naive:
        p("| Backlog N | Our Sheets requests | Naive Sheets requests | Requests naive ÷ ours | Our wall time "
          "| Naive time under quota | Time naive ÷ ours | Naive 429s |")
        p("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for f in figs:
            n = f["n"]
            nm = naive_model(naive, n)
            if not nm or not n:
                continue
            done = not f["killed"] and not f["failed"]
            ours = sum(f["sheets"])
            ex = " (extrapolated)" if nm["extrapolated"] else ""
            rr = f"{nm['requests'] / ours:,.0f}×" if ours and done else "–"
            tr = f"{nm['seconds'] / f['wall']:,.1f}×" if f["wall"] and done else "–"
            our_wall = fmt_s(f["wall"]) if done else ("cut" if f["killed"] else "failed")
            if not done:
                ours = "–"
            label = f"{n:,}" + ((" (print batch on)" if f["print_batch"] else " (print batch off)") if mixed else "")
            p(f"| {label} | {ours} | {nm['requests']:,}{ex} | {rr} | {our_wall} | {fmt_s(nm['seconds'])}{ex} "
              f"| {tr} | {nm['r429']:,}{ex} |")
        p("")
        p(f"Naive = the common gspread script: `get_all_values()` per cycle and `update_cell()` for each of the "
          f"{len(NAIVE_STATUS)} status cells of each new row, sleeping 1 s, 2 s, 4 s … 64 s on each 429. Measured on "
          f"N={naive['n']:,} ({naive['sheets']:,} requests: {naive['reads']:,} reads, {naive['writes']:,} writes, "
          f"{naive['sheets_429']:,} answered 429; {fmt_s(naive['seconds'])}); other sizes extrapolated from that run "
          "at 60 writes per minute after the first minute, stretched by the measured backoff overshoot. Its time is "
          "Sheets I/O only — no rendering, no Buku Agenda / Riwayat / Kendali tabs — so the ratios flatter it.")
        p("")
    elif naive:
        p(f"Naive baseline failed: {naive.get('error')}")
        p("")
    lines.extend(idle_table(results.get("idle_sizes") or ([results["idle"]] if results.get("idle") else [])))
    idle = results.get("idle")
    if idle and "idle" in idle:
        c = idle["idle"]
        w = c["worker"]
        p("| Idle cycle (every row already registered) | Sheets requests | Drive requests | Cells written | Wall | "
          "CPU | Peak RSS worker | Downloaded per cycle |")
        p("|---|---:|---:|---:|---:|---:|---:|---:|")
        p(f"| {idle['rows']:,} response rows (+ {idle['rows']:,} Buku Agenda, {2 * idle['rows']:,} Riwayat, "
          f"{idle['rows']:,} Kendali rows) | {c['sheets']} | {c['drive']} | {w.get('cells_written')} | {fmt_s(c['wall'])} | "
          f"{cpu_of(c):.1f} s | {w.get('rss_self_mb', 0):.0f} MB | {w.get('http', {}).get('bytes_down', 0) / 1e6:.0f} MB |")
        p("")
    elif idle:
        p(f"Idle scenario failed: {idle.get('error')}")
        p("")
    # --- targets
    p("| Target | Measured | |")
    p("|---|---|:-:|")
    idle_counts = []
    for s in results["backlog"]:
        for c in s.get("cycles", []):
            w = c["worker"]
            if w.get("ok") and not w.get("new") and not w.get("rendered"):
                idle_counts.append((f"N={s['n']:,} sheet", c["sheets"]))
                break
    if idle and "idle" in idle:
        idle_counts.append((f"{idle['rows']:,}-row sheet", idle["idle"]["sheets"]))
    if idle_counts:
        worst = max(v for _, v in idle_counts)
        p(f"| Idle cycle ≤ 2 Sheets requests at any sheet size | {', '.join(f'{k}: {v}' for k, v in idle_counts)} "
          f"| {ok(worst <= 2)} |")
    per = [(f"{f['n']:,}" + ((" (print batch on)" if f["print_batch"] else " (print batch off)") if mixed else "")
            + (" (failed before writing)" if f["failed"] else ""), max(f["sheets"])) for f in figs if f["n"]]
    if per:
        vals = [v for _, v in per]
        p(f"| Sheets requests per cycle independent of backlog | {', '.join(f'N={n}: {v}' for n, v in per)} "
          f"(at most metadata + batchGet + grid growth + values:batchUpdate) | {ok(max(vals) <= 4)} |")
    big = [f for f in figs if f["n"] and f["complete"]]
    if big:
        f = max(big, key=lambda x: (x["n"], not x["print_batch"]))
        mb = next((x["microbench"] for x in sorted(results["backlog"], key=lambda x: -x["n"]) if x.get("microbench")), None)
        extra = (f"; rendering alone, one core: {mb['pdf_only']['subs_per_s']:.1f} (3 PDFs), "
                 f"{mb['pdf_docx']['subs_per_s']:.1f} (3 PDFs + 2 DOCX)") if mb else ""
        pb = "" if not mixed else (", print batch on" if f["print_batch"] else ", print batch off")
        status = (f"{f['subs_cpu_status']:.1f} per CPU-second for number + three PDFs + write-back, "
                  if f["subs_cpu_status"] else "")
        p(f"| ≥ 60 submissions/s per core with all three PDFs | {status}{f['subs_cpu_s']:.1f} per CPU-second for the "
          f"whole cycle incl. print batch and Word copies, at N={f['n']:,}{pb} ({f['subs_s_status']:.1f}/s wall up to "
          f"the write-back, {f['subs_s']:.1f}/s wall for the whole cycle on {f['workers']} render workers)"
          f"{extra} | {ok((f['subs_cpu_status'] or f['subs_cpu_s']) >= 60)} |")
    tenk = [f for f in figs if f["n"] >= 10_000]
    for f in tenk:
        pb = "" if not mixed else (" (print batch on)" if f["print_batch"] else " (print batch off)")
        if f["complete"]:
            state = f"complete in {fmt_s(f['wall'])}, written back in one cycle"
        elif f["killed"]:
            state = "cut at the time budget"
        elif f["failed"]:
            state = (f"**not completed**: every cycle failed with {f['failed'][0]} before write-back "
                     f"({f['numbered']:,} numbered and {f['rendered']:,} rendered in the ledger, "
                     f"{'some' if f['written'] else 'none'} on the sheet)")
        else:
            state = "incomplete"
        p(f"| 10,000 backlog fully processed with 0 quota 429s{pb} | {f['r429']} × 429; {state} "
          f"| {ok(f['r429'] == 0 and f['complete'])} |")
    if not tenk:
        p("| 10,000 backlog fully processed with 0 quota 429s | not run (add 10000 to --sizes) | – |")
    if idle and "idle" in idle:
        rss = idle["idle"]["worker"].get("rss_self_mb", 0)
        full = idle["rows"] >= 100_000
        p(f"| Peak RSS < 300 MB with a 100,000-row sheet | {rss:.0f} MB with {idle['rows']:,} rows"
          f"{'' if full else ' (a smaller sheet than the target)'} | {ok(rss < 300) if full else ok(None)} |")
    p("")
    # --- details
    p("<details><summary>Where the time goes (seconds in the worker process) and scenario durations</summary>")
    p("")
    p("| Cycle | Sheets read + parse | register (ledger) | evidence (Drive) | render (PDF) | print batch | write-back plan | "
      "Sheets write | Word copies | cycle | process wall | CPU | Peak RSS | Sheets bytes down / up |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def phase_row(label: str, c: dict[str, Any]) -> None:
        w = c["worker"]
        ph = w.get("phases", {})
        g = lambda k: ph.get(k, 0.0)  # noqa: E731
        http = w.get("http", {})
        p(f"| {label} | {g('sheets_read'):.2f} | {g('register') - g('evidence'):.2f} | "
          f"{g('evidence'):.2f} | {g('render'):.2f} | {g('print_batch'):.2f} | {g('write_back') - g('sheets_write'):.2f} | "
          f"{g('sheets_write'):.2f} | {g('salinan'):.2f} | {w.get('t_cycle', 0):.2f} | {c['wall']:.2f} | {cpu_of(c):.1f} | "
          f"{w.get('rss_self_mb', 0):.0f} MB | {http.get('bytes_down', 0) / 1e6:.1f} MB / {http.get('bytes_up', 0) / 1e6:.1f} MB |")

    for s in results["backlog"]:
        for i, c in enumerate(s.get("cycles", [])):
            pb = "" if s.get("print_batch", True) else ", no print batch"
            phase_row(f"N={s['n']:,}{pb} cycle {i + 1}" + (f" (failed: {failure(c['worker'])})" if not c["worker"].get("ok") else ""), c)
    if idle and "idle" in idle:
        phase_row(f"idle {idle['rows']:,}: settle", idle["settle"])
        phase_row(f"idle {idle['rows']:,}: measured", idle["idle"])
    p("")
    durations = [f"backlog {s['n']:,}: {fmt_s(s.get('scenario_seconds', 0))}" for s in results["backlog"]]
    if idle:
        durations.append(f"idle {idle.get('rows', 0):,}: {fmt_s(idle.get('scenario_seconds', 0))}")
    if naive and "scenario_seconds" in naive:
        durations.append(f"naive {naive['n']:,}: {fmt_s(naive['scenario_seconds'])} (ran beside the others)")
    p("Scenario durations (setup + all cycles): " + "; ".join(durations) + ".")
    p("")
    if idle and "setup" in idle:
        st = idle["setup"]
        p(f"Idle setup (not a measured cycle): {st['new']:,} rows registered and written back in "
          f"{fmt_s(st['seconds'])} ({st['sheets']} Sheets requests, {st['cells_written']:,} cells); {st['note']}.")
        p("")
    for s in results["backlog"]:
        mb = s.get("microbench")
        if mb:
            p(f"One-core render micro-benchmark (N={s['n']:,}, {mb['items']} registered items, in one process, "
              f"per CPU-second): {mb['pdf_only']['subs_per_s']:.1f} submissions/s = {mb['pdf_only']['pdfs_per_s']:.0f} "
              f"PDFs/s for the three PDFs; {mb['pdf_docx']['subs_per_s']:.1f} submissions/s with the two DOCX "
              f"(wall clock: {mb['pdf_only']['subs_per_wall_s']:.1f} and {mb['pdf_docx']['subs_per_wall_s']:.1f}).")
            p("")
    p("</details>")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def print_profiles(results: dict[str, Any], top: int) -> None:
    import pstats

    paths: list[tuple[str, str]] = []
    for s in results["backlog"]:
        for i, c in enumerate(s.get("cycles", [])):
            if c["worker"].get("profile_path"):
                paths.append((f"worker cycle {i + 1}, N={s['n']:,}", c["worker"]["profile_path"]))
        if s.get("microbench", {}).get("profile_path"):
            paths.append((f"one-core render (PDFs only), N={s['n']:,}", s["microbench"]["profile_path"]))
    idle = results.get("idle") or {}
    if idle.get("idle", {}).get("worker", {}).get("profile_path"):
        paths.append((f"idle cycle, {idle['rows']:,} rows", idle["idle"]["worker"]["profile_path"]))
    for label, path in paths:
        if not Path(path).exists():
            continue
        for key in ("cumulative", "tottime"):
            print(f"\n### cProfile: {label} — top {top} by {key}\n```", flush=True)
            st = pstats.Stats(path, stream=sys.stdout)
            st.strip_dirs().sort_stats(key).print_stats(top)
            print("```", flush=True)


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
    for s in results["backlog"] + [results.get("idle") or {}]:
        for c in s.get("cycles", []) + [s.get("idle") or {}, s.get("settle") or {}]:
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
    ap.add_argument("--max-cycles", type=int, default=4)
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
    args.sizes = [int(x) for x in (args.sizes or "0,100,1000,10000").split(",") if x.strip()]
    args.idle_rows = sorted(int(x) for x in str(100_000 if args.idle_rows is None else args.idle_rows).split(",")
                            if x.strip() and int(x))
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
        fn = {"backlog": scenario_backlog, "idle": scenario_idle, "naive": scenario_naive}[kind]
        try:
            data = fn(int(arg), args, root)
        except BaseException as exc:
            import traceback

            data = {"kind": kind, "n" if kind != "idle" else "rows": int(arg),
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
