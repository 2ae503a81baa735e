"""A private PostgreSQL cluster for the tests: initdb in a temporary folder, as an
unprivileged user, listening on a loopback port only.

Used two ways:
- `.ci/run` starts one for the whole run (`python3 tests/pgcluster.py start DIR` prints the
  server URL, exported as SIAPMAS_TEST_PG_SERVER) and stops it after (`... stop DIR`);
- the `pg_server` fixture in conftest.py starts one for the session when that variable is
  not set (a developer running `make test` by hand).

Each test then gets a fresh database on that server (`pg_url` fixture). Debian's postgresql
package provides the binaries under /usr/lib/postgresql/<major>/bin.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "nobody"  # the unprivileged account the server runs as when we are root


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


def stop(base: Path) -> None:
    data = base / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_user([str(bindir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False, stdout=subprocess.DEVNULL, cwd=base,
        )


if __name__ == "__main__":
    action, folder = sys.argv[1], Path(sys.argv[2])
    if action == "start":
        print(start(folder))
    elif action == "stop":
        stop(folder)
    else:
        raise SystemExit(f"usage: {sys.argv[0]} start|stop DIR")
