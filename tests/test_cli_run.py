"""The long-running worker and the local `doctor`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_engine import run_cli


def test_run_cycles_on_schedule_and_stops_cleanly_on_sigterm(project: Path):
    # every 1.2 s (hidden test override of [schedule]); no monthly recap (on a first working day
    # the first cycle would also render last month's, seconds this timing-based test does not allow for)
    env = {**os.environ, "SIAPMAS_TEST_INTERVAL_SECONDS": "1.2", "SIAPMAS_REKAP__BULANAN": "false"}
    log = project.parent.parent / "run.log"
    with log.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "siapmas_sync", "--config", str(project), "run"],
                                stdout=subprocess.PIPE, stderr=sink, text=True, env=env)
    try:
        deadline = time.time() + 90
        db = project.parent.parent / "var" / "demo" / "siapmas.db"
        while time.time() < deadline:
            r = run_cli(project, "status", "--json") if db.exists() else None
            if r is not None and r.returncode == 0 and len(json.loads(r.stdout or "[]")) == 6:
                break
            time.sleep(0.5)
        while time.time() < deadline and log.read_text(encoding="utf-8").count("Siklus selesai") < 2:
            time.sleep(0.2)  # let a further (idle) cycle run, however busy the machine
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        err = log.read_text(encoding="utf-8")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Berhenti" in err and "Siklus selesai" in err
    assert err.count("Siklus selesai") >= 2  # it kept cycling
    assert "Traceback" not in err
    items = json.loads(run_cli(project, "status", "--json").stdout)
    assert [i["seq"] for i in items] == [1, 2, 3, 4, 5, 6]


class RunningWorker:
    """`siapmas-sync run` in a subprocess, its stderr in a file (read while it runs)."""

    def __init__(self, project: Path, interval_seconds: str, tag: str) -> None:
        self.err_path = project.parent / f"run-{tag}.err"
        env = {**os.environ, "SIAPMAS_TEST_INTERVAL_SECONDS": interval_seconds}
        with self.err_path.open("wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "siapmas_sync", "--config", str(project), "run"],
                                         stdout=subprocess.DEVNULL, stderr=err, env=env)

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, count: int = 1, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.stderr.count(text) < count:
            assert self.proc.poll() is None, f"worker exited early:\n{self.stderr}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout} s:\n{self.stderr}"
            time.sleep(0.02)

    def stop(self, signals: int = 1) -> tuple[int, str]:
        for _ in range(signals):
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=120)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        return rc, self.stderr


ANNOUNCED = "SIAPMAS Sync berjalan tiap"
FINISHED = "Siklus selesai"


@pytest.mark.parametrize("instant", [
    "as soon as it announces itself",   # the scheduler is being created and started
    "during the first cycle",           # numbering and rendering six PDFs sets: a cycle runs
    "twice in a row during a cycle",
    "twice in a row between cycles",
    "after many back-to-back cycles",   # a 0.02 s interval: the scheduler skips runs all the time
])
def test_sigterm_at_any_instant_stops_cleanly(project: Path, instant: str):
    interval = "0.02" if instant == "after many back-to-back cycles" else "3600"
    w = RunningWorker(project, interval, instant.replace(" ", "-"))
    if instant == "as soon as it announces itself":
        w.wait_for(ANNOUNCED)
        rc, err = w.stop()
    elif instant == "during the first cycle":
        w.wait_for(ANNOUNCED)
        w.wait_for("diberikan")  # numbers are being given: the first cycle is under way
        rc, err = w.stop()
        assert FINISHED in err  # the running cycle was finished, not cut
    elif instant == "twice in a row during a cycle":
        w.wait_for("diberikan")
        rc, err = w.stop(signals=2)
    elif instant == "twice in a row between cycles":
        w.wait_for(FINISHED)  # the next cycle is an hour away
        rc, err = w.stop(signals=2)
    else:
        w.wait_for(FINISHED, count=5)
        rc, err = w.stop()
    assert rc == 0, err
    assert "Traceback" not in err and "Error" not in err, err
    assert "Berhenti" in err
    if instant != "as soon as it announces itself":
        items = json.loads(run_cli(project, "status", "--json").stdout)
        assert [i["seq"] for i in items] == [1, 2, 3, 4, 5, 6]
        output = project.parent.parent / "var" / "demo" / "output"
        assert len(list(output.rglob("lembar-aduan.pdf"))) == 6  # every document of the cycle was written


@pytest.mark.parametrize("how", ["file", "environment"])
def test_an_interval_below_one_minute_is_refused_with_advice(project: Path, how: str):
    env = {}
    if how == "file":
        project.write_text(project.read_text(encoding="utf-8").replace("interval_minutes = 5", "interval_minutes = 0.0001"),
                           encoding="utf-8")
    else:
        env = {"SIAPMAS_SCHEDULE__INTERVAL_MINUTES": "0.0001"}
    r = run_cli(project, "run", env=env)
    assert r.returncode == 2, r.stderr
    assert "GALAT:" in r.stderr and "Saran:" in r.stderr and "Traceback" not in r.stderr
    assert "[schedule.interval_minutes]" in r.stderr and "paling sedikit 1 menit" in r.stderr
    assert "60 permintaan per menit" in r.stderr  # why: Google's quota
    assert not (project.parent.parent / "var" / "demo" / "siapmas.db").exists()  # refused before anything ran


def test_shipped_configurations_poll_at_least_once_a_minute():
    from siapmas_sync.config import MIN_INTERVAL_MINUTES, load_settings

    repo = Path(__file__).resolve().parent.parent
    for name in ("demo.toml", "siapmas.google.example.toml"):
        assert load_settings(repo / "config" / name, environ={}).schedule.interval_minutes >= MIN_INTERVAL_MINUTES


def test_doctor_on_the_local_sample(project: Path):
    r = run_cli(project, "doctor")
    assert r.returncode == 0, r.stdout
    assert "Semua pemeriksaan lulus" in r.stdout


def test_doctor_names_a_renamed_question_and_a_missing_folder(project: Path):
    responses = project.parent.parent / "examples" / "responses.csv"
    text = responses.read_text(encoding="utf-8").replace("Bukti Dukung (Foto/Dokumen/Video)", "Lampiran Bukti", 1)
    responses.write_text(text, encoding="utf-8")
    env = {"SIAPMAS_SOURCE__EVIDENCE_DIR": "tidak-ada"}
    r = run_cli(project, "doctor", env=env)
    assert r.returncode == 1
    assert "Bukti Dukung" in r.stdout and "Lampiran Bukti" in r.stdout  # did you mean
    assert "tidak-ada" in r.stdout and "[GAGAL]" in r.stdout


def test_sync_waits_for_another_worker_or_gives_up_with_advice(project: Path):
    from siapmas_sync.worker.lock import worker_lock

    lock = project.parent.parent / "var" / "demo" / "siapmas.db.lock"
    with worker_lock(lock):
        r = run_cli(project, "sync", "--wait", "0.5")
    assert r.returncode == 2
    assert "Worker lain sedang memproses" in r.stderr and "Saran:" in r.stderr
    assert run_cli(project, "sync").returncode == 0
