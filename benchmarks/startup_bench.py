"""CPU-seconds of starting the CLI (issue 22: `--help` and `status` ≤ 0.3 CPU-s).

Copies config/ and examples/ into a temporary folder, runs one `sync` there (so `status`
has a ledger with the sample's items), then starts each command RUNS times as an operator
would (``python -m siapmas_sync``, a fresh interpreter each time) and prints the median
and the range of user + system CPU-seconds of the child process (os.wait4's rusage). For
comparison it also prints a bare interpreter start, SQLAlchemy (which `status` on a SQLite
ledger that needs nothing done no longer imports: ledger/glance.py) and the configuration.

    python benchmarks/startup_bench.py [--runs 5] [--json-out FILE]

Bytecode is written as in an installed copy (PYTHONDONTWRITEBYTECODE is cleared for the
children, and the first, unmeasured run of each command compiles it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: (name, argv after the interpreter); {config} is the demo configuration's path
COMMANDS = [
    ("python (bare start)", ["-c", "pass"]),
    ("import sqlalchemy", ["-c", "import sqlalchemy"]),
    ("import siapmas_sync.config", ["-c", "import siapmas_sync.config"]),
    ("siapmas-sync --help", ["-m", "siapmas_sync", "--help"]),
    ("siapmas-sync status", ["-m", "siapmas_sync", "--config", "{config}", "status"]),
]


def child_cpu(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """User + system CPU-seconds of one child process (its own, from wait4)."""
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, cwd=cwd)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{err[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="measured starts per command (default 5)")
    ap.add_argument("--json-out", type=Path, help="write {name: {median, min, max, runs}} here")
    args = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    results: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory(prefix="siapmas-startup-") as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "config", root / "config")
        shutil.copytree(REPO / "examples", root / "examples")
        config = root / "config" / "demo.toml"
        sync = subprocess.run([sys.executable, "-m", "siapmas_sync", "--config", str(config), "sync"],
                              capture_output=True, text=True, env=env, cwd=root)
        if sync.returncode != 0:
            raise SystemExit(f"sync exited {sync.returncode}:\n{sync.stderr[-2000:]}")
        for name, argv in COMMANDS:
            argv = [a.format(config=config) for a in argv]
            child_cpu(argv, env, root)  # compiles bytecode, warms the page cache
            samples = [child_cpu(argv, env, root) for _ in range(args.runs)]
            results[name] = {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
                             "runs": len(samples)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CLI start-up, CPU-seconds (user + system) of the child, {args.runs} runs each, "
          f"{os.cpu_count()} CPU, load {load:.1f}")
    print(f"| {'command':<28} | {'median':>6} | {'min':>6} | {'max':>6} |")
    print(f"|{'-' * 30}|{'-' * 8}|{'-' * 8}|{'-' * 8}|")
    for name, r in results.items():
        print(f"| {name:<28} | {r['median']:6.3f} | {r['min']:6.3f} | {r['max']:6.3f} |")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
