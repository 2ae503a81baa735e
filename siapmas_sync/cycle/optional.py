"""Optional work, isolated: what runs after the essential write-back and may fail alone.

The essential work of a cycle — numbering, the response tab's status, Buku Agenda, Kendali
and Riwayat — is written before any of these jobs starts. Each job here (the documents'
upload to Drive, the recap's upload, the Drive copy of a backup and its pruning) runs on
its own: a failure is caught, explained with the project's one mapping
(:func:`failures.explain`), and remembered in the ledger's ``meta`` table, so that

* the first time a cause appears it is a failure of the cycle (``GALAT`` + ``Saran``);
* while the same cause lasts, later cycles only say that the work is still waiting (the
  operator is not told the same thing as new every five minutes);
* when the job succeeds again the memory is cleared and the summary says so;
* a job that failed is tried again at most every ``RETRY_EVERY`` while its configuration
  (the folder it writes to) is unchanged — an idle cycle stays one small request — and at
  once when the configuration changed (the operator followed the advice).

The job's own bookkeeping (the ``unggah`` outbox of cycle/uploads.py) makes the retry resume
where it stopped, never redo what succeeded. Pure decisions (:func:`verdict`) are apart
from the ledger.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from .. import failures
from ..errors import SiapmasError
from ..ledger import Ledger, from_iso, utc_iso

#: how often a failed optional job is tried again while nothing in its configuration changed
RETRY_EVERY = timedelta(minutes=30)

log = logging.getLogger("siapmas.optional")


class Job(enum.Enum):
    """The optional jobs; the value is the ``meta`` name suffix, the label is what operators read."""

    UNGGAH = "unggah"
    REKAP = "rekap"
    CADANGAN = "cadangan"

    @property
    def label(self) -> str:
        return {Job.UNGGAH: "Unggahan dokumen ke Google Drive", Job.REKAP: "Unggahan rekap ke Google Drive",
                Job.CADANGAN: "Salinan cadangan di Google Drive"}[self]

    @property
    def meta_name(self) -> str:
        return f"gagal_opsional:{self.value}"


class Verdict(enum.Enum):
    NEW = "baru"          # first time this cause is seen: GALAT + Saran
    ONGOING = "berlanjut"  # the same cause as already reported: a short notice


def signature(err: SiapmasError) -> str:
    """What makes two failures 'the same cause' (the sentence and the advice)."""
    return hashlib.sha256(f"{type(err).__name__}\n{err.message}\n{err.advice}".encode()).hexdigest()[:16]


def verdict(stored: str | None, err: SiapmasError) -> Verdict:
    return Verdict.ONGOING if stored == signature(err) else Verdict.NEW


def retry_due(memory: dict[str, str], context: str, now: datetime) -> bool:
    """Whether a job whose last failure is *memory* should run now (pure)."""
    if not memory.get("sig") or memory.get("context") != context:
        return True
    return now - from_iso(memory["at"]) >= RETRY_EVERY


def _load(raw: str | None) -> dict[str, str]:
    parts = (raw or "").split("|")
    return dict(zip(("sig", "context", "at"), parts)) if len(parts) == 3 else {}


class OptionalWork:
    """Runs optional jobs for one cycle, recording and reporting their failures once."""

    def __init__(self, ledger: Ledger, clock: Callable[[], datetime]) -> None:
        self.ledger = ledger
        self.clock = clock

    def run(self, job: Job, fn: Callable[[], Sequence[str]], report: Any, context: str = "") -> bool:
        """Run *fn* (its notice lines go to the report) unless it failed lately with the same
        *context* (e.g. the folder id); True when it ran and succeeded."""
        memory = _load(self.ledger.get_meta(job.meta_name))
        now = self.clock()
        if not retry_due(memory, context, now):
            report.notices.append(f"{job.label} masih tertunda (penyebab sudah dilaporkan); dicoba lagi paling lambat "
                                  f"{(from_iso(memory['at']) + RETRY_EVERY).astimezone(now.tzinfo):%H.%M}.")
            return False
        try:
            lines = fn()
        except Exception as exc:  # an optional job never ends the cycle
            err = failures.explain(exc, command="sync")
            self.failed(job, err, report, memory, context, now)
            return False
        self.succeeded(job, report, memory)
        report.notices.extend(lines)
        return True

    def failed(self, job: Job, err: SiapmasError, report: Any, memory: dict[str, str], context: str,
               now: datetime) -> None:
        with self.ledger.tx() as conn:
            Ledger.set_meta(conn, job.meta_name, f"{signature(err)}|{context.replace('|', '')}|{utc_iso(now)}")
        if verdict(memory.get("sig"), err) is Verdict.ONGOING:
            report.notices.append(f"{job.label} masih tertunda (penyebab sama, sudah dilaporkan: {err.message}); "
                                  "dicoba lagi otomatis.")
            log.warning("%s masih tertunda: %s", job.label, err.message)
            return
        report.failures.append(err)
        log.error("%s gagal: %s — Saran: %s", job.label, err.message, err.advice)

    def succeeded(self, job: Job, report: Any, memory: dict[str, str]) -> None:
        if memory:
            with self.ledger.tx() as conn:
                Ledger.set_meta(conn, job.meta_name, "")
            report.notices.append(f"{job.label} kembali berjalan.")
