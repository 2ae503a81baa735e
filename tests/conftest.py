"""Shared fixtures: a throw-away copy of the bundled sample project and a way to run the
real CLI in-process (``run_cli``, tests/clirun.py: click's CliRunner around ``cli.main``,
the process state a call changes put back after it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings

from siapmas_sync.backends.local import LocalBackend
from siapmas_sync.config import Settings, load_settings
from siapmas_sync.cycle.engine import Engine
from siapmas_sync.ledger import Ledger

from . import clirun
from .clirun import CliResult

REPO = Path(__file__).resolve().parent.parent

# the Google stand-in's fixtures (standin, sa_key, gc, drive) for every test module that asks for them
pytest_plugins = ["tests.google_standin.fixtures"]

# Property tests run the same examples on every machine (CI must not fail on a lucky
# draw); explore further by hand with HYPOTHESIS_PROFILE=explore.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    """``run_cli(config, *args, env=None, input=None, process=False)`` → CliResult with
    returncode/stdout/stderr; in this process unless ``process=True`` (tests/clirun.py)."""
    return clirun.run_cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of config/ and examples/ in a temp folder; returns the config file path."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path / "config" / "demo.toml"


class Clock:
    """A settable clock for the engine (time machine for deadlines and year ends)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB))


@pytest.fixture
def make_engine(clock: Clock) -> Callable[..., Engine]:
    """Build an Engine on the local backend from a config path (closed at teardown)."""
    opened: list[tuple[LocalBackend, Ledger]] = []

    def make(config: Path, **env: str) -> Engine:
        settings: Settings = load_settings(config, environ=env)
        ledger = Ledger(settings.database_url())
        backend = LocalBackend.from_settings(settings)
        opened.append((backend, ledger))
        return Engine(settings, backend, ledger, clock=clock)

    yield make
    for backend, ledger in opened:
        backend.close()
        ledger.close()


@pytest.fixture
def db_url() -> str | None:
    """The ledger a `world` uses: None = SQLite under its var/ folder. A module whose suite
    runs on both ledgers overrides it: ``def db_url(ledger_url): return ledger_url``."""
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest) -> str | None:
    """Each test twice: on SQLite (None) and on a fresh PostgreSQL database."""
    return None if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture(params=["local", "google"])
def world(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, db_url: str | None):
    """The same scenario on the local backend and on Google (through the stand-in)."""
    from .google_standin.server import GoogleStandin
    from .worlds import GoogleWorld, LocalWorld

    if request.param == "local":
        w = LocalWorld(tmp_path, clock, db_url=db_url)
        yield w
        w.close()
    else:
        with GoogleStandin() as standin:
            w = GoogleWorld(tmp_path, clock, standin, db_url=db_url)
            yield w
            w.close()


# --- PostgreSQL: a private cluster (tests/pgcluster.py), one fresh database per test ---

@pytest.fixture(scope="session")
def pg_server():
    """The server URL (no database): .ci/run's cluster (SIAPMAS_TEST_PG_SERVER), or one
    started here for the session and stopped after (in its own /tmp folder: pytest's
    temporary folders are closed to the unprivileged server account)."""
    from tests import pgcluster

    given = os.environ.get("SIAPMAS_TEST_PG_SERVER")
    if given:
        yield given
        return
    pgcluster.stop_stale()  # clusters an earlier, killed session left running
    base, url = pgcluster.start_guarded()  # stopped at exit and on SIGTERM/SIGHUP too
    try:
        yield url
    finally:
        pgcluster.remove(base)


@pytest.fixture
def pg_url(pg_server: str):
    """A SQLAlchemy URL of a fresh, empty database on the test server (dropped after)."""
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    plain = pg_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{pg_server}/{name}"
    with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
