"""A private PostgreSQL cluster for the tests: initdb in a temporary folder, as an
unprivileged user, listening on a loopback port only.

Used two ways:
- `.ci/run` starts one for the whole run (`python3 tests/pgcluster.py start DIR` prints the
  server URL, exported as SIAPMAS_TEST_PG_SERVER) and stops it after (`... stop DIR`);
- the `pg_server` fixture in conftest.py starts one for the session when that variable is
  not set (a developer running `make test` by hand).

Each test then gets a fresh database on that server (`pg_url` fixture). Debian's postgresql
package provides the binaries under /usr/lib/postgresql/<major>/bin.

A cluster started for a test session (:func:`start_guarded`) never outlives it: it is
stopped at exit (atexit: the normal end, an exception, Ctrl-C) and on SIGTERM/SIGHUP
(``make test`` killed), and its folder carries a marker file naming the process that owns
it (pid and start time). A session killed with SIGKILL cannot stop anything, so the next
session first stops every cluster whose marker names a process that is gone
(:func:`stop_stale`). A cluster without a marker (`.ci/run`'s, another tool's) is never
touched.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "nobody"  # the unprivileged account the server runs as when we are root
PREFIX = "siapmas-pg-"  # the folders test sessions start their clusters in (under the temp dir)
MARKER = "siapmas-test-cluster"  # "<pid> <start time>" of the process owning the cluster


def bindir() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian layout), or PATH's initdb."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")


def _as_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", USER, "--", *cmd]
    return cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(base: Path) -> str:
    """Create and start a cluster under `base`; return the server URL (no database)."""
    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, USER)
    bins = bindir()
    if not data.exists():
        subprocess.run(
            _as_user([str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8", "-N"]),
            check=True, stdout=subprocess.DEVNULL, cwd=base,
        )
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c max_connections=200"
    subprocess.run(
        _as_user([str(bins / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"),
                  "-o", options, "-w", "start"]),
        check=True, stdout=subprocess.DEVNULL, cwd=base,
    )
    (base / "port").write_text(str(port))
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}"


def _start_time(pid: int) -> str:
    """The kernel's start time of *pid* (tells a reused pid apart); "" when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def owner_alive(base: Path) -> bool:
    """Does the process named by *base*'s marker still run (the same process, not a reused pid)?"""
    try:
        pid_text, _, started = (base / MARKER).read_text().strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not started or _start_time(pid) in ("", started)


def remove(base: Path) -> None:
    stop(base)
    shutil.rmtree(base, ignore_errors=True)


def stop_stale(root: Path | None = None) -> list[Path]:
    """Stop and remove every marked cluster under *root* (the temp dir) whose owner is gone."""
    gone = []
    for base in sorted(Path(root or tempfile.gettempdir()).glob(PREFIX + "*")):
        if (base / MARKER).is_file() and not owner_alive(base):
            remove(base)
            gone.append(base)
    return gone


def start_guarded(base: Path | None = None) -> tuple[Path, str]:
    """Start a cluster owned by this process (see the module docstring): (folder, URL)."""
    base = base or Path(tempfile.mkdtemp(prefix=PREFIX))
    base.mkdir(parents=True, exist_ok=True)
    (base / MARKER).write_text(f"{os.getpid()} {_start_time(os.getpid())}\n")  # before the server exists
    done = False

    def cleanup() -> None:
        nonlocal done
        if not done:
            done = True
            remove(base)

    atexit.register(cleanup)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous = signal.getsignal(sig)

        def on_signal(signum: int, frame: object, previous: object = previous) -> None:
            cleanup()
            if callable(previous):
                previous(signum, frame)
            else:  # the default action (end the process) once the cluster is stopped
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

        signal.signal(sig, on_signal)
    try:
        url = start(base)
    except BaseException:
        cleanup()
        raise
    return base, url


def stop(base: Path) -> None:
    data = base / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_user([str(bindir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False, stdout=subprocess.DEVNULL, cwd=base,
        )


if __name__ == "__main__":
    action, folder = sys.argv[1], Path(sys.argv[2])
    if action == "start":  # for .ci/run: no marker, it stops the cluster itself
        print(start(folder))
    elif action == "stop":
        stop(folder)
    else:
        raise SystemExit(f"usage: {sys.argv[0]} start|stop DIR")
