"""The console entry point (``python -m siapmas_sync``) and the in-process CLI the suite
uses (tests/clirun.py) give an operator the same thing: exit code, stdout and stderr,
GALAT/Saran and no traceback — command by command group (reading, recording a step,
exports, checks, an unexpected failure). Most tests run the CLI in-process; these start a
real process, so the entry point stays covered."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest

from siapmas_sync import failures

from .clirun import run_cli

ITEM = "0001/SIAPMAS/2026"


def both(config: Path, *args: str, env: dict[str, str] | None = None):
    """The same command in a real process and in this one."""
    return run_cli(config, *args, env=env, process=True), run_cli(config, *args, env=env)


def same(real, here) -> None:
    assert not real.in_process and here.in_process
    assert (here.returncode, here.stdout, here.stderr) == (real.returncode, real.stdout, real.stderr)


@pytest.fixture
def synced(project: Path) -> Path:
    r = run_cli(project, "sync", process=True)
    assert r.returncode == 0, r.stderr
    return project


def test_reading_commands_say_the_same_in_a_process_and_in_process(synced: Path):
    for args in (["status"], ["status", "--json"], ["show", ITEM], ["show", ITEM, "--json"], ["overdue"]):
        real, here = both(synced, *args)
        assert real.returncode == 0, (args, real.stderr)
        same(real, here)


def test_refusals_end_in_galat_and_saran_the_same_way(synced: Path):
    for args in (["show", "9999/SIAPMAS/2026"], ["advance", ITEM, "TAHAP KARANGAN"], ["sinkron"],
                 ["advance", ITEM, "DITOLAK", "--note", "Bukan kewenangan DPRD"]):
        real, here = both(synced, *args)
        assert real.returncode == 2, (args, real.stdout, real.stderr)
        assert "GALAT: " in real.stderr and "Saran: " in real.stderr and "Traceback" not in real.stderr
        same(real, here)


def test_a_recorded_step_is_seen_by_the_other_kind_of_run(synced: Path):
    here = run_cli(synced, "advance", ITEM, "PARAF KASUBAG TU", "--by", "Dwi Lestari")
    assert here.returncode == 0, here.stderr
    real = run_cli(synced, "show", ITEM, process=True)
    assert "PARAF KASUBAG TU" in real.stdout and "Dwi Lestari" in real.stdout


def test_an_unexpected_error_is_a_sentence_in_both(project: Path):
    env = {"SIAPMAS_TEST_FAULT": "unexpected@cycle"}
    real = run_cli(project, "sync", env=env, process=True)
    assert real.returncode == 2 and "GALAT: " in real.stderr and "Traceback" not in real.stderr + real.stdout
    assert "budi.santoso@example.com" not in real.stderr + real.stdout
    here = run_cli(project, "sync", env=env)
    assert here.returncode == 2 and "Traceback" not in here.stderr + here.stdout
    assert [x for x in here.stderr.splitlines() if x.startswith(("GALAT", "Saran"))] == \
        [x for x in real.stderr.splitlines() if x.startswith(("GALAT", "Saran"))]


def test_doctor_and_export_exit_alike(synced: Path):
    real, here = both(synced, "doctor")
    assert (here.returncode, here.stdout) == (real.returncode, real.stdout)
    for r in (real, here):
        assert "Traceback" not in r.stderr
    out = synced.parent.parent / "ekspor"
    real = run_cli(synced, "buku-agenda", "--from", "2026-11-01", "--to", "2026-11-30", process=True)
    assert real.returncode == 0, real.stderr
    here = run_cli(synced, "buku-agenda", "--from", "2026-11-01", "--to", "2026-11-30")
    assert here.returncode == 0 and here.stdout.count("\n") == real.stdout.count("\n"), (here.stdout, real.stdout)
    assert not out.exists() or out.is_dir()


def test_an_in_process_call_leaves_the_process_as_it_found_it(synced: Path):
    root = logging.getLogger()
    before = (dict(os.environ), os.getcwd(), list(root.handlers), root.level, signal.getsignal(signal.SIGTERM),
              failures._where)
    mask = os.umask(0o002)
    try:
        r = run_cli(synced, "sync", env={"SIAPMAS_LOG_LEVEL": "DEBUG", "TZ": "UTC"}, cwd=synced.parent)
        assert r.returncode == 0 and " DEBUG " in r.stderr  # the call's log went to the call's stderr
        assert os.umask(0o002) == 0o002  # the CLI's private umask was put back
    finally:
        os.umask(mask)
    after = (dict(os.environ), os.getcwd(), list(root.handlers), root.level, signal.getsignal(signal.SIGTERM),
             failures._where)
    assert after == before
