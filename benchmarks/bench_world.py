"""bench.py, part 2: a scenario's world — a fresh stand-in with quota, a spreadsheet, an
evidence folder — and the worker run as a child process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_common import RESPONSE_TAB, SA_EMAIL

BENCH = Path(__file__).resolve().parent / "bench.py"  # the worker entry point


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
    bytes_by_api: dict[str, list[int]] = field(default_factory=dict)  # api → [down, up]

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
        cmd = [sys.executable, str(BENCH), "--worker", str(self.config), "--result", str(result_path)]
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
        by_api: dict[str, list[int]] = {}
        for r in logged:
            acc = by_api.setdefault(r.api, [0, 0])
            acc[0] += getattr(r, "bytes_out", 0)
            acc[1] += getattr(r, "bytes_in", 0)
        return CycleResult(worker, wall, c(api="sheets"), c(api="drive"), c(api="oauth"),
                           c(api="sheets", status=429), c(api="drive", status=429), routes, killed, progress,
                           self.ledger_progress(), sum(getattr(r, "bytes_out", 0) for r in logged),
                           sum(getattr(r, "bytes_in", 0) for r in logged), by_api)

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

    from siapmas_sync.backends.memory import MemoryBackend
    from siapmas_sync.config import load_settings
    from siapmas_sync.cycle.engine import Engine
    from siapmas_sync.ledger import Ledger
    from siapmas_sync.core.rerender import RenderKind
    from siapmas_sync.cycle.rendering import render_job

    settings = load_settings(world.config, environ={})
    ledger = Ledger(settings.database_url())
    try:
        engine = Engine(settings, MemoryBackend(), ledger)  # rendering never touches the backend
        rows = ledger.item_records()[:count]
        scratch = world.root / "microbench"
        jobs = [replace(engine.render_job(RenderKind.RENDER, r), folder=scratch / f"{i:05d}") for i, r in enumerate(rows)]
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
