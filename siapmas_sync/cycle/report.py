"""What one cycle did (:class:`CycleReport`, for the summary line and ``--json``) and what
its steps hand each other (:class:`CycleState`: the read's tail, the Kendali edits read,
whether the next read must be a full one)."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from .. import failures
from ..core.kendali_sheet import KendaliEdit
from ..core.models import RowError
from ..errors import SiapmasError
from .printbatch import paper_of
from .steps import StepResult
from .tailread import TailState


def failpoint(name: str) -> None:
    """Crash the process here when SIAPMAS_TEST_FAILPOINT names this point (crash tests only)."""
    if os.environ.get("SIAPMAS_TEST_FAILPOINT") == name:
        os._exit(86)

@dataclass
class CycleReport:
    """What one cycle did, for the summary line and for ``--json``."""

    new: list[str] = field(default_factory=list)  # agenda numbers assigned this cycle
    incomplete: list[str] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, original agenda)
    row_errors: list[RowError] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    render_errors: list[tuple[str, str]] = field(default_factory=list)
    batches: list[Path] = field(default_factory=list)
    cells_written: int = 0
    output_dir: Path | None = None
    steps: list[StepResult] = field(default_factory=list)  # the Kendali edits' answers
    salinan: int = 0  # items whose Word copies were made this cycle
    salinan_pending: int = 0  # items whose Word copies wait for the next cycle
    restored: list[str] = field(default_factory=list)  # items whose missing documents are made again
    notices: list[str] = field(default_factory=list)  # register write deferred, stale lock files …
    warnings: list[str] = field(default_factory=list)  # configuration that degrades the output (preflight)
    #: what the operator must fix (a full or read-only output disk…); the cycle's other work was kept
    failures: list[SiapmasError] = field(default_factory=list)

    def add_failure(self, exc: BaseException, path: Path | None = None) -> str:
        """Record an environment failure once (the same full disk is not repeated per item);
        return its sentence for the summary line."""
        err = failures.explain(failures.at_path(exc, path), command="sync")
        if all(f.message != err.message for f in self.failures):
            self.failures.append(err)
        return err.message

    def summary_id(self) -> str:
        """Short Indonesian summary for operators."""
        lines = [
            f"Siklus selesai: {len(self.new)} aduan baru diberi nomor agenda"
            + (f" ({self.new[0]} s.d. {self.new[-1]})" if len(self.new) > 1 else f" ({self.new[0]})" if self.new else "")
            + ".",
            f"Duplikat: {len(self.duplicates)}. Baris bermasalah: {len(self.row_errors)}.",
        ]
        if self.incomplete:  # a finding, not a stage: the item stays TERAGENDA until an officer decides
            lines.insert(1, f"Pemeriksaan kelengkapan menemukan kekurangan pada {len(self.incomplete)} aduan "
                            "(petugas memutuskan apakah diminta kelengkapan).")
        for err in self.row_errors:
            lines.append(f"  - {err.message}")
        for agenda, msg in self.render_errors:
            lines.append(f"  - Dokumen {agenda} gagal dibuat: {msg} (diulang pada siklus berikutnya)")
        if self.restored:
            lines.append(f"Dokumen hilang dibuat ulang: {len(self.restored)} aduan ("
                         + ", ".join(self.restored[:5]) + (", …" if len(self.restored) > 5 else "") + ").")
        if self.rendered:
            lines.append(f"Dokumen PDF dibuat untuk {len(self.rendered)} aduan di {self.output_dir}.")
        for batch in self.batches:
            lines.append(f"Berkas cetak sekaligus ({paper_of(batch.name)}): {batch}")
        if self.salinan or self.salinan_pending:
            lines.append(f"Salinan Word (DOCX) dibuat untuk {self.salinan} aduan"
                         + (f"; {self.salinan_pending} menunggu siklus berikutnya." if self.salinan_pending else "."))
        if self.steps:
            ok = sum(1 for r in self.steps if r.accepted)
            lines.append(f"Isian Kendali: {ok} dicatat, {len(self.steps) - ok} ditolak (lihat kolom Pesan).")
        lines.append(f"Sel spreadsheet diperbarui: {self.cells_written}.")
        lines.extend(self.notices)
        lines.extend(f"Peringatan: {w}" for w in self.warnings)
        return "\n".join(lines)


@dataclass
class CycleState:
    """What one sheet cycle's read leaves for its later steps (write-back, idle gate)."""

    since: str = ""  # UTC ISO: when this cycle began (items touched since are planned after a tail read)
    tail: TailState | None = None  # where this cycle's tail read started (tailread), if it may read one
    partial: bool = False  # this cycle's read was a tail read
    known_before: Collection[str] = field(default_factory=set)  # response keys the ledger had when this cycle read
    edits_read: list[KendaliEdit] = field(default_factory=list)  # this cycle's Kendali edits, as read
    clock_cells: tuple[str, ...] = ()  # Kendali columns this write-back leaves as shown
    head_due: bool = False  # a tail read left rows only a full read rewrites (tailread)
    write_deferred: bool = False  # the register write was deferred (workbook_guard)

    def full_read_due(self) -> None:
        """After a tail read, rows above it changed: the next read is a full one."""
        self.head_due = self.head_due or self.partial
