"""bench.py, part 1: the worker — one real `sync` cycle, measured from inside its own
process (`bench.py --worker CONFIG`)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from bench_common import MB


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
    from siapmas_sync.cycle.missing_documents import META_LAST_SCAN
    from siapmas_sync.cycle.engine import agenda_folder
    from siapmas_sync.ledger import utc_iso

    ledger = engine.ledger
    pending = ledger.pending("render")
    now = engine.clock()
    names = (("aduan", "lembar-aduan.pdf"), ("disposisi", "lembar-disposisi.pdf"), ("kendali", "kartu-kendali.pdf"),
             ("lembar_disposisi_docx", "lembar-disposisi.docx"), ("kartu_kendali_docx", "kartu-kendali.docx"))
    with ledger.tx() as conn:
        for entry in pending:
            row = ledger.item(entry.key, conn)
            assert row is not None
            base = Path(str(row.year)) / agenda_folder(row.agenda_no)
            docs = {k: str(base / f) for k, f in names}
            ledger.set_documents(conn, {entry.key: docs})
            ledger.record_printed(conn, [], batch_of={entry.key: "(setup: tidak dirender)"})
            report.rendered.append(row.agenda_no)
        ledger.finish_outbox_many(conn, [entry.id for entry in pending], now)
        # the documents check must not find 3×N "missing" files and render them all in the
        # next cycle: its year folders exist and today's full scan counts as done
        for year in {r.year for r in ledger.item_rows(["year"])}:
            (engine.out_dir / str(year)).mkdir(parents=True, exist_ok=True)
        ledger.set_meta(conn, META_LAST_SCAN, utc_iso(now))


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
    from siapmas_sync import cli
    from siapmas_sync.cycle import rendering
    from siapmas_sync.backends import google as gb
    from siapmas_sync.backends import google_http
    from siapmas_sync.cycle.engine import Engine

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

    from siapmas_sync.cycle import engine as engine_mod
    from siapmas_sync.cycle.incoming import Incoming
    from siapmas_sync.cycle.renders import RenderQueue

    # each phase where it lives since the engine became a short list of steps (cycle/)
    for owner, name, label in [(Engine, "_apply_kendali", "kendali"), (Incoming, "register_new", "register"),
                               (Engine, "_render_pending", "render"), (engine_mod, "print_batch", "print_batch"),
                               (Engine, "_write_back", "write_back"), (RenderQueue, "make_salinan", "salinan")]:
        timed(owner, name, label)
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

    # cycle/renders.py imported the name: patch where it is looked up
    import siapmas_sync.cycle.renders as renders_mod
    renders_mod.render_many = render_many

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
        ctx = cli.Ctx(config, command="sync")
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
            salinan=report.salinan,  # items whose Word copies this cycle made
            salinan_pending=report.salinan_pending,  # … and those left for the next cycle
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
