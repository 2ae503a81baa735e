"""The private PostgreSQL server the ledger suites run against is really there."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def test_fresh_database_on_loopback(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        version = conn.execute(text("show server_version")).scalar_one()
        listen = conn.execute(text("show listen_addresses")).scalar_one()
        tables = conn.execute(text("select count(*) from pg_tables where schemaname='public'")).scalar_one()
    engine.dispose()
    assert int(str(version).split(".")[0]) >= 13
    assert listen == "127.0.0.1"
    assert tables == 0


# --- a killed test session never leaves its cluster running (issue #21.12) ---------------

import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests import pgcluster  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
#: a test session in miniature: starts its cluster the way the pg_server fixture does, then waits
SESSION = ("import sys, time\nfrom tests import pgcluster\nbase, url = pgcluster.start_guarded()\n"
           "print(base, url, flush=True)\nwhile True:\n    time.sleep(1)\n")


def _session() -> tuple[subprocess.Popen[str], Path, str]:
    proc = subprocess.Popen([sys.executable, "-c", SESSION], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    base, url = proc.stdout.readline().split()
    return proc, Path(base), url


def _serving(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://") + "/postgres", connect_timeout=5).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_session_killed_by_a_signal_stops_its_cluster(sig: signal.Signals) -> None:
    proc, base, url = _session()
    try:
        assert _serving(url) and (base / pgcluster.MARKER).is_file()
        proc.send_signal(sig)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not _serving(url)
    assert not base.exists()


def test_the_next_session_stops_a_cluster_a_sigkilled_session_left(tmp_path: Path) -> None:
    bystander = Path(tempfile.mkdtemp(prefix=pgcluster.PREFIX))  # someone else's folder, no marker: left alone
    proc, base, url = _session()
    proc.kill()  # SIGKILL: no handler runs
    proc.wait(timeout=60)
    try:
        assert _serving(url)  # left running, as before this fix
        live, live_base, live_url = _session()  # a session still running is not touched
        try:
            assert base in pgcluster.stop_stale()
            assert not _serving(url) and not base.exists()
            assert _serving(live_url) and live_base.exists() and bystander.exists()
        finally:
            live.terminate()
            live.wait(timeout=120)
    finally:
        pgcluster.remove(base)
        bystander.rmdir()
