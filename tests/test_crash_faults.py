"""The second half of the crash harness (tests/test_crash.py says what it proves and
checks): a fifth of all requests failing, two workers and the worker lock, a write Google
applies after the client gave up, the temp-file sweep beside a running export, and an
outage of the token endpoint. A file of its own so pytest-xdist (``--dist loadfile``)
runs it beside the SIGKILL half."""

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
from siapmas_sync.worker.lock import ledger_lock

from .crash_support import (
    LOCK_WAITING,
    WIB,
    Form,
    TimedStandin,
    Worker,
    children_of,
    expect_ok,
    max_per_rolling_minute,
    output_dir,
    pg_lock_holders,
    quota_rejections,
    register_rows,
    run_cli,
    settle_and_reap,
    sync_writes_nothing,
    verify_exactly_once,
    wait_sessions_gone,
)
from .test_crash import SEED, OrphanedRenderers, check_temp_files, evidence_link, expect_ok_worker, make_world
from .worlds import GoogleWorld

pytestmark = [
    pytest.mark.crash,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc, SIGKILL and process sessions"),
]

FAULT_ENV = {"SIAPMAS_SOURCE__TIMEOUT_SECONDS": "2", "SIAPMAS_SOURCE__RETRY_BASE_SECONDS": "0.05"}
SLOW_SECONDS = 3.0  # beyond the 2 s client timeout


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
