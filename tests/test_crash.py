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

Deterministic regression tests for what this harness found (fixed in 6ec0669), each
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

import json
import os
import random
import shutil
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from siapmas_sync.config import load_settings
from siapmas_sync.worker_lock import ledger_lock

from .crash_support import (
    LOCK_WAITING,
    WIB,
    Form,
    TimedStandin,
    Worker,
    children_of,
    expect_ok,
    jpeg_bytes,
    leftovers,
    max_per_rolling_minute,
    output_dir,
    pg_lock_holders,
    quota_rejections,
    run_cli,
    settle_and_reap,
    sync_writes_nothing,
    verify_exactly_once,
    register_rows,
    wait_sessions_gone,
)
from .worlds import GoogleWorld

pytestmark = [
    pytest.mark.crash,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc, SIGKILL and process sessions"),
]

RUNS = int(os.environ.get("SIAPMAS_CRASH_RUNS", "25"))
SEED = int(os.environ.get("SIAPMAS_CRASH_SEED", "20261128"))
FAULT_ENV = {"SIAPMAS_SOURCE__TIMEOUT_SECONDS": "2", "SIAPMAS_SOURCE__RETRY_BASE_SECONDS": "0.05"}
SLOW_SECONDS = 3.0  # beyond the 2 s client timeout


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


# --- 2. a fifth of all requests fail ----------------------------------------------------------------

def add_faults(standin: TimedStandin) -> None:
    """≈20% of requests: 429 (Retry-After 0 or 1), 500, 503 on the APIs; dropped
    connections and answers slower than the client's timeout on every route (the token
    endpoint included)."""
    for api in ("sheets", "drive"):
        standin.faults.add(api, "429", probability=0.025, retry_after=0)
        standin.faults.add(api, "429", probability=0.025, retry_after=1)
        standin.faults.add(api, "500", probability=0.04)
        standin.faults.add(api, "503", probability=0.04)
    # not "*" for the HTTP errors: the stand-in cannot build OAuth error bodies (see report)
    standin.faults.add("*", "drop", probability=0.05)
    standin.faults.add("*", "slow", probability=0.02, seconds=SLOW_SECONDS)


@pytest.mark.parametrize("quota", [None, 60], ids=["faults", "faults+quota60"])
def test_converges_when_a_fifth_of_requests_fail(tmp_path: Path, quota: int | None):
    rng = random.Random(SEED + (quota or 0))
    with TimedStandin(seed=SEED, quota_per_minute=quota) as standin:
        world = make_world(tmp_path, standin)
        form = Form(world, rng, evidence_link(world))
        add_faults(standin)
        cycles = 10 if quota is None else 6
        outcomes: Counter[int] = Counter()
        for c in range(cycles):
            form.add(5 if c == 0 else rng.randint(0, 3))
            # some cycles give up at the first fault (exit 2 wherever it strikes: before
            # numbering, after numbering, after rendering, at write-back), others retry
            retries = rng.choice(["0", "1", "6"])
            r = run_cli(world.config, "sync", env={**FAULT_ENV, "SIAPMAS_SOURCE__MAX_RETRIES": retries})
            outcomes[r.returncode] += 1
            assert r.returncode in (0, 2), f"exit {r.returncode}:\n{r.stderr[-3000:]}"
            assert "Traceback" not in r.stderr, r.stderr[-3000:]
            if r.returncode == 2:
                assert "GALAT:" in r.stderr and "Saran:" in r.stderr, r.stderr[-2000:]
        with standin.lock:
            log = list(standin.requests)
        injected = Counter(q.fault for q in log if q.fault)
        share = sum(injected.values()) / len(log)
        print(f"\n{cycles} cycles, exits {dict(outcomes)}; {len(log)} requests, injected {dict(injected)} "
              f"({share:.0%}); busiest minute: {max_per_rolling_minute(standin)}")
        assert 0.08 < share < 0.4 and len(injected) >= (4 if len(log) > 80 else 2), injected

        standin.faults.clear()
        time.sleep(SLOW_SECONDS + 0.5)  # let late "slow" requests land before judging
        expect_ok(run_cli(world.config, "sync", env=FAULT_ENV))
        sync_writes_nothing(world, standin, env=FAULT_ENV)
        verify_exactly_once(world, form, env=FAULT_ENV)
        check_temp_files(world)
        if quota:
            assert quota_rejections(standin) == 0, "the worker ran into the Sheets quota"
            busiest = max_per_rolling_minute(standin)
            assert max(busiest.values()) <= quota, busiest


# --- 3. two workers ---------------------------------------------------------------------------------

def test_two_workers_started_together_number_each_complaint_once(tmp_path: Path, ledger_url: str | None):
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin, ledger_url)
        form = Form(world, random.Random(SEED), evidence_link(world))
        form.add(30)
        a = Worker.start(world.config, "sync", "--json")
        b = Worker.start(world.config, "sync", "--json")
        for w in (a, b):
            expect_ok_worker(w)
        waited = [w for w in (a, b) if LOCK_WAITING in w.stderr]
        assert len(waited) == 1, [w.stderr[-500:] for w in (a, b)]
        second = waited[0]
        first = b if second is a else a
        assert len(json.loads(first.stdout)["new"]) == 30
        later = json.loads(second.stdout)
        assert later["new"] == [] and later["rendered"] == [] and later["cells_written"] == 0, later
        sync_writes_nothing(world, standin)
        verify_exactly_once(world, form)
        check_temp_files(world)


def holds_lock(world: GoogleWorld, pid: int) -> bool:
    """Whether the worker *pid* holds the ledger's worker lock: its .info file (SQLite), the
    advisory lock of a session it named (PostgreSQL)."""
    if world.db_url is None:
        try:
            return json.loads((world.tmp / "var" / "siapmas.db.lock.info").read_text())["pid"] == pid
        except (OSError, ValueError, KeyError):
            return False
    return pid in pg_lock_holders(world.db_url)


def test_worker_killed_while_holding_the_lock_does_not_block_the_next(tmp_path: Path, ledger_url: str | None):
    rng = random.Random(SEED)
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin, ledger_url)
        form = Form(world, rng)
        form.add(6)
        w = Worker.start(world.config, "sync")
        try:
            end = time.monotonic() + 60
            while time.monotonic() < end and w.alive():
                if holds_lock(world, w.pid):
                    break
                time.sleep(0.005)
            else:
                pytest.fail(f"the worker never took the lock:\n{w.stderr[-2000:]}")
            time.sleep(rng.uniform(0, 0.4))
            w.sigkill()
            assert w.killed, "the worker finished before it could be killed"
            r = expect_ok(run_cli(world.config, "sync", "--wait", "30"))
            assert LOCK_WAITING not in r.stderr, "the dead worker's lock was still held"
        finally:
            settle_and_reap([w.pid], settle_timeout=5)
        sync_writes_nothing(world, standin)
        verify_exactly_once(world, form, show_sample=2)


def test_sync_with_short_wait_gives_up_with_advice_while_another_holds_the_lock(tmp_path: Path,
                                                                               ledger_url: str | None):
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin, ledger_url)
        form = Form(world, random.Random(SEED))
        form.add(1)
        s = load_settings(world.config, environ={})
        with ledger_lock(s.database_url(), s.output.dir):
            r = run_cli(world.config, "sync", "--wait", "0.5")
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert LOCK_WAITING in r.stderr and "GALAT:" in r.stderr and "Saran:" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert r.seconds < 30
        assert standin.count(api="sheets") == 0, "the waiting worker touched the spreadsheet"
        expect_ok(run_cli(world.config, "sync"))  # lock released: the next one proceeds
        verify_exactly_once(world, form, show_sample=1)


def test_kill_during_parallel_rendering_leaves_no_processes_behind(tmp_path: Path):
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin)
        form = Form(world, random.Random(SEED))
        form.add(30)  # ≥ PARALLEL_THRESHOLD pending renders → the process pool
        w = Worker.start(world.config, "sync", env={"SIAPMAS_OUTPUT__RENDER_WORKERS": "2"})
        try:
            end = time.monotonic() + 60
            while w.alive() and not children_of(w.pid) and time.monotonic() < end:
                time.sleep(0.005)
            if not w.alive() or not children_of(w.pid):
                pytest.skip("the worker never started its render pool")
            time.sleep(0.3)
            w.sigkill()
            survivors = wait_sessions_gone([w.pid], 5)
        finally:
            settle_and_reap([w.pid], settle_timeout=10)
        # the next worker still converges
        expect_ok(run_cli(world.config, "sync"))
        sync_writes_nothing(world, standin)
        verify_exactly_once(world, form, show_sample=1)
        check_temp_files(world)
        if survivors:
            raise OrphanedRenderers(
                f"5 s after SIGKILL of worker {w.pid}, its render processes still live: {survivors} "
                "(state R = still rendering into the output folder without the lock)")


# --- 4. a write Google applies after the client gave up ------------------------------------------

class StaleWriteDuplicates(AssertionError):
    """A register row clobbered by a late-applied write stayed duplicated."""


def test_write_applied_after_the_client_gave_up_does_not_duplicate_register_rows(tmp_path: Path):
    """Google may apply a request whose answer never reached the client. Cycle A times out
    on its write (which lands 8 s later); cycle B, meanwhile, registers a late December
    complaint, whose register rows sort before A's January item; then A's stale write lands."""
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin)
        form = Form(world, random.Random(SEED))
        jan = lambda i: [datetime(2026, 1, 6, 9, i, tzinfo=WIB)] + form.row(i)[1:]  # noqa: E731
        dec = lambda i: [datetime(2025, 12, 31, 15, i, tzinfo=WIB)] + form.row(i)[1:]  # noqa: E731
        for i, row in ((1, jan(1)),):
            form.n, form.perihal[form.perihal_of(i)] = i, i
            world.add_responses([row])
        expect_ok(run_cli(world.config, "sync"))  # tabs exist, item 1 mirrored
        form.n, form.perihal[form.perihal_of(2)] = 2, 2
        world.add_responses([jan(2)])
        standin.faults.add("sheets.values.batchUpdate", "slow", count=1, seconds=8)
        a = run_cli(world.config, "sync", env={**FAULT_ENV, "SIAPMAS_SOURCE__MAX_RETRIES": "0"})
        assert a.returncode == 2 and "Saran:" in a.stderr, a.stderr[-2000:]
        form.n, form.perihal[form.perihal_of(3)] = 3, 3
        world.add_responses([dec(3)])
        expect_ok(run_cli(world.config, "sync"))  # cycle B, while A's write is in flight
        end = time.monotonic() + 20
        while not any(r.fault == "slow" for r in list(standin.requests)) and time.monotonic() < end:
            time.sleep(0.1)  # A's write has now been applied
        assert any(r.fault == "slow" and r.status == 200 for r in list(standin.requests))
        expect_ok(run_cli(world.config, "sync"))  # cycle C
        try:
            sync_writes_nothing(world, standin)
            verify_exactly_once(world, form, show_sample=1)
        except AssertionError as exc:
            buku = [(r.get("No."), r.get("No. Agenda")) for r in register_rows(world, "Buku Agenda")]
            kendali = [r.get("No. Agenda") for r in register_rows(world, "Kendali")]
            raise StaleWriteDuplicates(f"{exc}; Buku Agenda (No., No. Agenda): {buku}; Kendali: {kendali}") from None


# --- 5. the temp-file sweep and writers that do not take the worker lock -----------------------------

class SweptLiveTempFile(AssertionError):
    """A cycle's temp-file sweep deleted the temp file of a writer that was still alive."""


def test_sweep_leaves_a_running_buku_agenda_export_alone(tmp_path: Path):
    """`buku-agenda` writes under <output>/buku-agenda/ without the worker lock. strace
    holds the export at its first rename(2) (temp PDF complete, not yet renamed) while a
    sync cycle — which sweeps stale temp files at its start — runs to completion."""
    if not shutil.which("strace"):
        pytest.skip("strace not installed")
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin)
        form = Form(world, random.Random(SEED))
        form.add(2)
        expect_ok(run_cli(world.config, "sync"))
        folder = output_dir(world) / "buku-agenda"
        hold = ["strace", "-f", "-qq", "-o", os.devnull, "-e", "inject=/^rename:delay_enter=6000000:when=1"]
        export = Worker.start(world.config, "buku-agenda", "--from", "2025-01-01", "--to", "2026-12-31",
                              prefix=hold, env={"PYTHONDONTWRITEBYTECODE": "1"})
        try:
            end = time.monotonic() + 30
            while export.alive() and time.monotonic() < end and not (folder.is_dir() and list(folder.glob(".*.tmp"))):
                time.sleep(0.01)
            if not (folder.is_dir() and list(folder.glob(".*.tmp"))):
                pytest.skip(f"could not hold the export at its rename (ptrace not permitted?): {export.stderr[-500:]}")
            expect_ok(run_cli(world.config, "sync"))  # a cycle starts while the export is mid-write
            rc = export.wait(60)
        finally:
            settle_and_reap([export.pid], settle_timeout=5)
        if rc != 0 or not list(folder.glob("buku-agenda-*.pdf")):
            raise SweptLiveTempFile(f"buku-agenda exited {rc}; files: {sorted(p.name for p in folder.iterdir())}; "
                                    f"stderr: {export.stderr[-1500:]}")


# --- 6. a short outage of the token endpoint ------------------------------------------------------------

class TokenOutageBlamedOnKey(AssertionError):
    """A transient token-endpoint failure was reported as a rejected key."""


def test_token_endpoint_outage_is_retried_not_blamed_on_the_key(tmp_path: Path):
    """Three 503s from the token endpoint (google-auth's own 3 attempts, ~3 s): the worker
    should retry like any transient failure — at worst exit 2 saying Google is busy, not
    tell the admin to replace a perfectly good key."""
    with TimedStandin() as standin:
        world = make_world(tmp_path, standin)
        form = Form(world, random.Random(SEED))
        form.add(2)
        standin.faults.add("oauth.token", "503", count=3, retry_after=0)
        r = run_cli(world.config, "sync", env=FAULT_ENV)
        assert standin.count(route="oauth.token", status=503) == 3
        assert "Traceback" not in r.stderr
        if r.returncode != 0:
            assert r.returncode == 2 and "Saran:" in r.stderr, r.stderr[-2000:]
            if "kunci" in r.stderr.lower():
                raise TokenOutageBlamedOnKey(r.stderr[r.stderr.find("GALAT:"):])
            pytest.fail(f"a 3-second token outage failed the cycle: {r.stderr[-1500:]}")
        verify_exactly_once(world, form, show_sample=1)
