"""The CLI as an operator runs it, in the test's own process (click's CliRunner isolation
around ``siapmas_sync.cli.main``): the same argv, exit code, stdout and stderr as
``python -m siapmas_sync`` would give, without paying ~1 s of interpreter start and
imports per call.

What a real process would not carry from one call to the next is saved before a call and
put back after it: the environment, the working folder, the umask (``cli`` makes it
private), the root logger's handlers and level (``setup_logging`` adds one writing to the
call's stderr), the signal handlers, and the paths ``failures`` remembers. An error that
escapes ``main`` is printed as Python prints it ("Traceback …", exit 1), so a test that
asserts "no traceback" fails here exactly as it would on a real console.

A real process is used where it is the point (``process=True``, or by itself when the
environment asks for a crash, ``SIAPMAS_TEST_FAILPOINT``): signals, locks held by a
killed process, crashes, the console's encoding and language, umask inheritance. Those
tests, plus a few per command group (test_cli_entry.py), keep the console entry point
covered.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

#: environment variables whose effect is a real process's (os._exit at a failpoint)
PROCESS_ONLY_ENV = ("SIAPMAS_TEST_FAILPOINT",)
_SIGNALS = tuple(s for s in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)) if s is not None)


@dataclass
class CliResult:
    """What a finished command left: the fields of subprocess.CompletedProcess."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    in_process: bool = field(default=True, repr=False)

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli_argv(config: Path | str | None, *args: str) -> list[str]:
    return (["--config", str(config)] if config is not None else []) + [str(a) for a in args]


def run_cli(config: Path | str | None, *args: str, env: Mapping[str, str] | None = None,
            input: str | None = None, process: bool = False, timeout: float = 300,
            cwd: Path | str | None = None) -> CliResult:
    """``siapmas-sync --config CONFIG ARGS…`` (no ``--config`` when *config* is None), with
    *env* added to the environment, in folder *cwd*; in this process unless *process* (or
    a crash env)."""
    argv = cli_argv(config, *args)
    env = dict(env or {})
    if process or any(k in env for k in PROCESS_ONLY_ENV):
        return run_process(argv, env=env, input=input, timeout=timeout, cwd=cwd)
    return run_in_process(argv, env=env, input=input, cwd=cwd)


def run_process(argv: list[str], *, env: Mapping[str, str] | None = None, input: str | None = None,
                timeout: float = 300, cwd: Path | str | None = None) -> CliResult:
    """``python -m siapmas_sync ARGV…`` in a child process (the console entry point)."""
    r = subprocess.run([sys.executable, "-m", "siapmas_sync", *argv], capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, input=input, timeout=timeout, cwd=cwd)
    return CliResult(argv, r.returncode, r.stdout, r.stderr, in_process=False)


class _ThreadRoutedStream:
    """``sys.stderr`` during a call: what the threads that ran before the call write (the
    test's own servers: the Google stand-in, the SMTP server, their loggers) goes where it
    went before, as it would beside a real process; the call's threads write to the call's
    stream."""

    def __init__(self, mine: Any, outside: Any) -> None:
        self._mine = mine
        self._outside = outside
        self._foreign = {t.ident for t in threading.enumerate()} - {threading.get_ident()}

    def write(self, text: str) -> int:
        target = self._outside if threading.get_ident() in self._foreign else self._mine
        return target.write(text)

    def flush(self) -> None:
        self._mine.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._mine, name)


class _ProcessState:
    """What one CLI call may change in the process, to be put back after it."""

    def __init__(self) -> None:
        from siapmas_sync import failures

        self.environ = dict(os.environ)
        self.cwd = os.getcwd()
        self.umask = os.umask(0o022)
        os.umask(self.umask)
        root = logging.getLogger()
        self.handlers = list(root.handlers)
        self.level = root.level
        self.signals = {s: signal.getsignal(s) for s in _SIGNALS}
        self.where = failures._where

    def restore_logging(self) -> None:
        """The root logger as it was (before the call's streams close)."""
        root = logging.getLogger()
        for h in list(root.handlers):
            if h not in self.handlers:
                root.removeHandler(h)
                h.close()
        root.handlers[:] = self.handlers  # the same handlers in the same order
        root.setLevel(self.level)

    def restore(self) -> None:
        from siapmas_sync import failures

        if os.environ != self.environ:
            tz = os.environ.get("TZ")
            os.environ.clear()
            os.environ.update(self.environ)
            if tz != os.environ.get("TZ"):
                time.tzset()
        os.chdir(self.cwd)
        os.umask(self.umask)
        self.restore_logging()
        for s, handler in self.signals.items():
            if signal.getsignal(s) is not handler and handler is not None:
                signal.signal(s, handler)
        failures._where = self.where


def run_in_process(argv: list[str], *, env: Mapping[str, str] | None = None, input: str | None = None,
                   cwd: Path | str | None = None) -> CliResult:
    """``siapmas_sync.cli.main(ARGV)`` with its own stdin/stdout/stderr and environment."""
    from siapmas_sync.cli import main

    state = _ProcessState()
    outside = sys.stderr
    try:
        if cwd is not None:
            os.chdir(cwd)
        with CliRunner().isolation(input=input, env=dict(env or {})) as (out, err, _mixed):
            sys.stderr = _ThreadRoutedStream(sys.stderr, outside)
            if "TZ" in (env or {}):  # a server in another zone: naive local times follow TZ
                time.tzset()
            try:
                rc = main(list(argv))
            except SystemExit as exc:  # as the interpreter turns sys.exit(x) into a status
                code = exc.code
                if code is None:
                    rc = 0
                elif isinstance(code, int):
                    rc = code
                else:
                    print(code, file=sys.stderr)
                    rc = 1
            except BaseException:  # noqa: BLE001 — what escapes main: Python's own report, exit 1
                traceback.print_exc(file=sys.stderr)
                rc = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                state.restore_logging()
            stdout = out.getvalue().decode("utf-8", errors="replace").replace("\r\n", "\n")
            stderr = err.getvalue().decode("utf-8", errors="replace").replace("\r\n", "\n")
    finally:
        state.restore()
    return CliResult(list(argv), rc, stdout, stderr)
