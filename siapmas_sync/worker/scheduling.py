"""The clock of ``siapmas-sync run``: one job every N seconds (never two at once, missed
runs coalesced) until a stop is asked for — by SIGTERM / Ctrl-C or by the job itself —
then a clean stop that lets the running cycle finish.

Why it cannot print a traceback on a stop: the signal handler only sets an event (a
second signal, or a signal before the scheduler started, is just another ``set()``);
the scheduler is started and shut down by the main thread alone, after the wait; and
the scheduler's own "not running" / "job not found" errors on the way down are ignored.
(The previous handler called ``scheduler.shutdown()`` from the signal itself, which
raised ``SchedulerNotRunningError`` when SIGTERM landed while the scheduler was starting
or already stopping.)
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

log = logging.getLogger("siapmas.cli")

#: how often the main thread looks at the stop event (the stop latency)
POLL_SECONDS = 0.2


class Stopper:
    """A stop request that signals, the job and tests can all make, any number of times."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None

    def install(self, *signums: int) -> None:
        for signum in signums:
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        # async-signal context: no logging, no locks, nothing that can raise
        if self.signum is None:
            self.signum = signum
        self.event.set()

    def stop(self) -> None:
        self.event.set()

    @property
    def stopping(self) -> bool:
        return self.event.is_set()

    def describe(self) -> str:
        if self.signum is None:
            return "atas permintaan"
        try:
            return f"sinyal {signal.Signals(self.signum).name}"
        except ValueError:
            return f"sinyal {self.signum}"


def run_every(job: Callable[[], None], seconds: float, tz: tzinfo, stopper: Stopper) -> None:
    """Run *job* now and then every *seconds* until *stopper* is set; return once the
    running job (if any) has finished."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    if stopper.stopping:  # stopped while the worker was still opening the ledger / Google
        log.info("Berhenti (%s) sebelum siklus pertama.", stopper.describe())
        return
    scheduler = BackgroundScheduler(timezone=tz)
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=seconds, timezone=tz),
        id="siklus",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(tz),
    )
    scheduler.start()
    try:
        while not stopper.event.wait(POLL_SECONDS):
            pass
        log.info("Berhenti (%s); siklus yang berjalan diselesaikan dahulu.", stopper.describe())
    finally:
        shutdown(scheduler)


def shutdown(scheduler: Any) -> None:
    """Stop *scheduler*, waiting for a running job; idempotent."""
    from apscheduler.jobstores.base import JobLookupError
    from apscheduler.schedulers import SchedulerNotRunningError

    try:
        if scheduler.running:
            scheduler.shutdown(wait=True)
    except (SchedulerNotRunningError, JobLookupError):
        pass
