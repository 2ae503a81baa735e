"""The long-running worker and the local `doctor`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .test_engine import run_cli


def test_run_cycles_on_schedule_and_stops_cleanly_on_sigterm(project: Path):
    # every 1.2 s; no monthly recap (on a first working day the first cycle would also
    # render last month's, seconds that this timing-based test does not allow for)
    env = {**os.environ, "SIAPMAS_SCHEDULE__INTERVAL_MINUTES": "0.02", "SIAPMAS_REKAP__BULANAN": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "siapmas_sync", "--config", str(project), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.time() + 90
        db = project.parent.parent / "var" / "demo" / "siapmas.db"
        while time.time() < deadline:
            r = run_cli(project, "status", "--json") if db.exists() else None
            if r is not None and r.returncode == 0 and len(json.loads(r.stdout or "[]")) == 6:
                break
            time.sleep(0.5)
        time.sleep(3)  # let a few more (idle) cycles run
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Berhenti" in err and "Siklus selesai" in err
    assert err.count("Siklus selesai") >= 2  # it kept cycling
    assert "Traceback" not in err
    items = json.loads(run_cli(project, "status", "--json").stdout)
    assert [i["seq"] for i in items] == [1, 2, 3, 4, 5, 6]


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
    from siapmas_sync.worker_lock import worker_lock

    lock = project.parent.parent / "var" / "demo" / "siapmas.db.lock"
    with worker_lock(lock):
        r = run_cli(project, "sync", "--wait", "0.5")
    assert r.returncode == 2
    assert "Worker lain sedang memproses" in r.stderr and "Saran:" in r.stderr
    assert run_cli(project, "sync").returncode == 0
