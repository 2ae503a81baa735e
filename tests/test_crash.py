"""Proof that every complaint is registered exactly once — with the real worker as a
separate process (``python -m siapmas_sync --config … sync``), killed with SIGKILL at
random moments, cycling through injected Google faults, and racing a second worker.

The Google stand-in runs in this process (a thread); the worker reaches it through the
real gspread / googleapiclient / google-auth libraries (``[source] google_endpoint``).
After every scenario the same invariants are checked (tests/crash_support.py):
every response row has exactly one agenda number, per-year sequences are gapless from 1,
the response tab (No. Agenda / Tahap), Buku Agenda, Kendali and Riwayat agree with the
ledger (``status --json``, ``show --json``), every item has its three PDFs (they open
with pypdf; Kartu Kendali has 3 pages), no zero-byte or half-written file is left under
the output folder, and a further cycle writes nothing.

The tests whose subject is the ledger (random and per-phase kills, two workers, the lock)
run on SQLite and on PostgreSQL (``ledger_url``; the worker lock is then an advisory lock).

How many SIGKILL runs: env ``SIAPMAS_CRASH_RUNS`` (default 25, about a minute; on
PostgreSQL a third of it, at least 8); the RNG seed: ``SIAPMAS_CRASH_SEED``. The long run:

    SIAPMAS_CRASH_RUNS=200 .venv/bin/python -m pytest -m crash tests/test_crash.py

Add ``-s`` to see where the kills landed (startup / read / numbering / rendering /
write-back); nothing is asserted about that spread, which depends on how busy the machine
is. Each phase is also killed on purpose, at a progress marker (a request held at the
stand-in, or a failpoint), by ``test_sigkill_in_every_phase_of_a_cycle_…``. Linux only
(/proc, SIGKILL, process sessions).

Faults, two workers and the lock, late writes, the temp-file sweep and the token outage
are in test_crash_faults.py (a second file, so pytest-xdist can run the two halves on two
cores at once). Deterministic regression tests for what this harness found (fixed in 6ec0669), each
failing with its own exception type:
* StaleTempFiles — a worker killed inside ``atomic_write_bytes`` (strace delivers the
  SIGKILL at its rename) left ``.<name>.<random>.tmp`` in the agenda folder for good.
* OrphanedRenderers — a worker killed while its ProcessPoolExecutor renders a backlog
  left the pool's processes running (writing documents outside the worker lock), then
  sleeping forever, holding the worker's stdout/stderr open.
* StaleWriteDuplicates — a values:batchUpdate that Google applies after the client gave
  up clobbered a register row appended by the next cycle; the duplicate key row stayed.

Open product bugs are strict expected failures, each tied to its own exception type (an
unrelated failure in the same test still fails the suite):
* SweptLiveTempFile — the cycle's temp-file sweep deletes the temp file of a running
  ``buku-agenda`` export (which does not take the worker lock); the export crashes.
* TokenOutageBlamedOnKey — three 503s from the OAuth token endpoint end the cycle with
  "kunci akun layanan tidak sah … Buat kunci JSON baru" instead of being retried.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from .crash_support import (
    Form,
    TimedStandin,
    Worker,
    expect_ok,
    jpeg_bytes,
    leftovers,
    output_dir,
    run_cli,
    settle_and_reap,
    sync_writes_nothing,
    verify_exactly_once,
)
from .worlds import GoogleWorld

pytestmark = [
    pytest.mark.crash,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc, SIGKILL and process sessions"),
]

RUNS = int(os.environ.get("SIAPMAS_CRASH_RUNS", "25"))
SEED = int(os.environ.get("SIAPMAS_CRASH_SEED", "20261128"))


class StaleTempFiles(AssertionError):
    """Temp files of atomic writes survived a SIGKILL (and the next cycle)."""


class OrphanedRenderers(AssertionError):
    """Render pool processes outlived a SIGKILLed worker."""


def make_world(tmp: Path, standin: TimedStandin, db_url: str | None = None) -> GoogleWorld:
    return GoogleWorld(tmp, lambda: None, standin, {"foto-bukti.jpg": jpeg_bytes()},  # type: ignore[arg-type]
                       db_url=db_url)


def runs_for(db_url: str | None) -> int:
    """SIGKILL runs of the random-kill test: all of them on SQLite; a third (at least 8) on
    PostgreSQL, whose kills land in the same worker code (CI time; SIAPMAS_CRASH_RUNS scales both)."""
    return RUNS if db_url is None else max(8, RUNS // 3)


def evidence_link(world: GoogleWorld) -> str:
    return f"https://drive.google.com/open?id={world.files['foto-bukti.jpg']}"


def check_temp_files(world: GoogleWorld) -> None:
    temps, _ = leftovers(output_dir(world))
    if not temps:
        return
    names = sorted(str(p.relative_to(output_dir(world))) for p in temps)
    raise StaleTempFiles(f"{len(temps)} temp file(s) left under the output folder: {names}")


# --- 1. SIGKILL at random moments -------------------------------------------------------------------

def _phase(standin: TimedStandin, mark: int, w: Worker, out: Path, t0: float) -> str:
    with standin.lock:
        routes = {r.route for r in standin.requests[mark:]}
    if "sheets.values.batchUpdate" in routes or "sheets.batchUpdate" in routes:
        return "write-back"
    if any(p.stat().st_mtime >= t0 for p in out.rglob("*") if p.is_file()):
        return "rendering"
    if "diberikan" in w.stderr:
        return "numbering"
    if "sheets.values.batchGet" in routes:
        return "read"
    return "startup"


def test_sigkill_at_random_moments_registers_every_complaint_exactly_once(tmp_path: Path, ledger_url: str | None):
    rng = random.Random(SEED)
    killed: list[int] = []
    runs = runs_for(ledger_url)
    with TimedStandin(seed=SEED) as standin:
        world = make_world(tmp_path, standin, ledger_url)
        form = Form(world, rng, evidence_link(world))
        out = output_dir(world)
        try:
            # a normal run first: the kill window scales with it (slower machine, later kills)
            form.add(3)
            normal = expect_ok(run_cli(world.config, "sync")).seconds
            horizon = max(1.0, 1.4 * normal)
            phases: Counter[str] = Counter()
            started = time.monotonic()
            for _ in range(runs):
                form.add(rng.randint(0, 3))
                let_finish = rng.random() < 0.15
                delay = rng.uniform(0, horizon)
                mark, t0 = len(standin.requests), time.time()
                w = Worker.start(world.config, "sync")
                if let_finish:
                    expect_ok_worker(w)
                    phases["finished"] += 1
                    continue
                while w.alive() and time.monotonic() < w.started + delay:
                    time.sleep(0.003)
                if not w.alive():
                    expect_ok_worker(w)
                    phases["finished before the kill"] += 1
                    continue
                w.sigkill()
                killed.append(w.pid)
                phases["killed in " + _phase(standin, mark, w, out, t0)] += 1
            print(f"\n{runs} runs in {time.monotonic() - started:.0f} s (normal run {normal:.2f} s, "
                  f"kills uniform over 0–{horizon:.2f} s): {dict(sorted(phases.items()))}")
            orphans = settle_and_reap(killed)
            if orphans:
                raise OrphanedRenderers(f"processes left by killed workers: {orphans}")
            # Where the random kills land depends on how busy the machine is, so nothing is
            # asserted about it here (it once failed under load with `assert 2 >= 3`); every
            # phase is killed on purpose, at a known point, by the test below.

            # converge: one complete cycle, then one that must write nothing
            expect_ok(run_cli(world.config, "sync"))
            sync_writes_nothing(world, standin)
            v = verify_exactly_once(world, form)
            print(f"{form.n} responses → {len(v.items)} items, per year: "
                  f"{ {y: len(s) for y, s in sorted(v.by_year.items())} }")
            check_temp_files(world)
        finally:
            settle_and_reap(killed, settle_timeout=5)


#: (phase, how the worker is stopped there): a stand-in route held until the worker is
#: SIGKILLed (then applied or not), or a failpoint where the worker dies at once.
PHASE_KILLS = [
    ("reading the sheet", ("hold", "sheets.values.batchGet", False)),
    ("creating the register tabs (Google applied it)", ("hold", "sheets.batchUpdate", True)),
    ("just after numbering", ("failpoint", "after_number")),
    ("just after rendering", ("failpoint", "after_render")),
    ("writing back (Google never got it)", ("hold", "sheets.values.batchUpdate", False)),
    ("writing back (Google applied it, the answer was lost)", ("hold", "sheets.values.batchUpdate", True)),
]


def test_sigkill_in_every_phase_of_a_cycle_registers_every_complaint_exactly_once(tmp_path: Path,
                                                                                   ledger_url: str | None):
    """The load-independent counterpart of the random kills: each phase of a cycle is
    killed on purpose, at a progress marker (the worker's request held at the stand-in,
    or a failpoint), whatever the speed of the machine; then one cycle converges."""
    killed: list[int] = []
    stopped: list[str] = []
    with TimedStandin(seed=SEED) as standin:
        world = make_world(tmp_path, standin, ledger_url)
        form = Form(world, random.Random(SEED), evidence_link(world))
        try:
            for phase, (how, what, *apply) in PHASE_KILLS:
                form.add(2)  # new work in every run: each cycle reaches every phase
                if how == "failpoint":
                    w = Worker.start(world.config, "sync", env={"SIAPMAS_TEST_FAILPOINT": what})
                    rc = w.wait()
                    assert rc == 86, f"{phase}: worker exited {rc} instead of dying at {what}:\n{w.stderr[-3000:]}"
                    killed.append(w.pid)
                    stopped.append(phase)
                    continue
                held = standin.hold(what, apply=apply[0])
                w = Worker.start(world.config, "sync")
                try:
                    deadline = time.monotonic() + 180
                    while not held.arrived.wait(0.05):
                        assert w.alive(), f"{phase}: worker finished without sending {what}:\n{w.stderr[-3000:]}"
                        assert time.monotonic() < deadline, f"{phase}: no {what} within 180 s"
                    w.sigkill()
                    killed.append(w.pid)
                    assert w.proc.returncode == -9
                    stopped.append(phase)
                finally:
                    held.release()
            assert stopped == [p for p, _ in PHASE_KILLS]
            orphans = settle_and_reap(killed)
            if orphans:
                raise OrphanedRenderers(f"processes left by killed workers: {orphans}")

            expect_ok(run_cli(world.config, "sync"))
            sync_writes_nothing(world, standin)
            v = verify_exactly_once(world, form)
            assert len(v.items) == form.n == 2 * len(PHASE_KILLS)
            check_temp_files(world)
        finally:
            settle_and_reap(killed, settle_timeout=5)


def expect_ok_worker(w: Worker) -> None:
    rc = w.wait()
    assert rc == 0, f"worker exited {rc}:\n{w.stderr[-3000:]}"
    assert "Traceback" not in w.stderr, w.stderr[-3000:]


def test_kill_inside_atomic_write_leaves_no_temp_file(tmp_path: Path):
    """Deterministic version of BUG-1: strace delivers SIGKILL at the worker's first
    rename(2) — the os.replace() of the first PDF, after its temp file is complete."""
    if not shutil.which("strace"):
        pytest.skip("strace not installed")
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin)
        form = Form(world, random.Random(SEED))
        form.add(2)
        strace = ["strace", "-f", "-qq", "-o", os.devnull,
                  "-e", "inject=/^rename:signal=KILL:when=1"]
        w = Worker.start(world.config, "sync", prefix=strace, env={"PYTHONDONTWRITEBYTECODE": "1"})
        w.wait(120)
        settle_and_reap([w.pid], settle_timeout=5)
        temps, _ = leftovers(output_dir(world))
        if not temps:
            pytest.skip(f"the kill did not land inside atomic_write_bytes (ptrace not permitted?): {w.stderr[-500:]}")
        expect_ok(run_cli(world.config, "sync"))
        sync_writes_nothing(world, standin)
        verify_exactly_once(world, form, show_sample=1)
        check_temp_files(world)
