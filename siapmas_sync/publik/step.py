"""The engine's last step of a cycle: rebuild the public view when a figure changed.

The fingerprint of what was last published is kept in the ledger's ``meta`` table, one
per target (local files, public spreadsheet), so a target that failed is tried again next
cycle while the other is left alone; deleted local files are written again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import SiapmasError
from ..cycle.idle import ledger_fingerprint
from ..ledger import Ledger
from ..core.workflow import Workflow
from .page import CSV_NAME, HTML_NAME, write_files
from .view import LEDGER_COLUMNS, PublicRow, fingerprint, public_rows

log = logging.getLogger("siapmas.publik")

META_LOCAL = "publik_local"
META_SHEET = "publik_sheet"
META_QUICK = "publik_ledger"  # the ledger (idle.ledger_fingerprint) at the last complete publication


@dataclass
class PublishResult:
    files: list[Path] = field(default_factory=list)  # written this cycle (empty: nothing changed)
    sheet_cells: int = 0
    notices: list[str] = field(default_factory=list)  # Google refused: retried next cycle


def public_changes(ledger: Ledger) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Item key → when a publicly shown figure last changed (a stage move, an exit and a
    return included, or the handling AKD decided), and item key → its stage moves
    (at, stage entered), oldest first, for the timeline. One query."""
    last: dict[str, str] = {}
    moves: dict[str, list[tuple[str, str]]] = {}
    for key, at, to_stage, moved in ledger.public_events():
        last[key] = max(last.get(key, ""), at)
        if moved and to_stage:
            moves.setdefault(key, []).append((at, to_stage))
    return last, moves


class PublicStatus:
    """Publishes the public view of one ledger (local files; Google when configured)."""

    def __init__(self, settings: Settings, ledger: Ledger, wf: Workflow,
                 sheet_factory: Callable[[], Any] | None = None) -> None:
        self.s = settings
        self.ledger = ledger
        self.wf = wf  # the configured stage labels (the engine's)
        self.folder = settings.publik_dir()
        self._sheet_factory = sheet_factory
        if sheet_factory is None and settings.publik.spreadsheet_id and settings.source.backend == "google":
            from .sheet import PublicSheet

            self._sheet_factory = lambda: PublicSheet.for_settings(settings)
        self._sheet: Any = None

    def rows(self) -> list[PublicRow]:
        last, moves = public_changes(self.ledger)
        return public_rows(self.ledger.iter_items(LEDGER_COLUMNS), self.s.tz, last,
                           wf=self.wf, moves=moves)

    def publish(self, now: datetime, ledger_fp: str | None = None) -> PublishResult:
        """Write what changed. An OSError of the local files propagates (the caller reports
        it as a failure of the disk); a Google refusal becomes a notice."""
        out = PublishResult()
        if not self.s.publik.enabled:
            return out
        kop = self.s.kop
        kontak = " · ".join(x for x in (kop.telepon, kop.email) if x)
        files_there = all((self.folder / n).is_file() for n in (HTML_NAME, CSV_NAME))
        # the public view is made of the ledger only: when the ledger is as at the last
        # complete publication, nothing is recomputed (an idle cycle of a 100,000-item
        # ledger would otherwise rebuild 100,000 rows to find them unchanged)
        quick = "|".join((ledger_fp or ledger_fingerprint(self.ledger), kop.instansi, kontak,
                          self.s.publik.spreadsheet_id if self._sheet_factory else "", self.s.publik.tab))
        if files_there and quick == self.ledger.get_meta(META_QUICK):
            return out
        rows = self.rows()
        local_fp = fingerprint(rows, kop.instansi, kontak)
        if local_fp != self.ledger.get_meta(META_LOCAL) or not files_there:
            out.files = write_files(self.folder, rows, instansi=kop.instansi, kontak=kontak, generated=now.astimezone(self.s.tz))
            self._remember(META_LOCAL, local_fp)
            log.info("Halaman status publik diperbarui: %s (%d aduan)", self.folder, len(rows))
        if self._sheet_factory is not None:
            sheet_fp = fingerprint(rows, self.s.publik.spreadsheet_id, self.s.publik.tab)
            if sheet_fp != self.ledger.get_meta(META_SHEET):
                try:
                    if self._sheet is None:
                        self._sheet = self._sheet_factory()
                    out.sheet_cells = self._sheet.write_table(self.s.publik.tab, rows)
                except SiapmasError as exc:
                    quick = ""  # tried again next cycle
                    out.notices.append(f"Status publik di Google belum diperbarui: {exc.message} {exc.advice} "
                                       "(dicoba lagi pada siklus berikutnya)".replace("  ", " "))
                    log.warning("%s", out.notices[-1])
                else:
                    self._remember(META_SHEET, sheet_fp)
        if quick:
            self._remember(META_QUICK, quick)
        return out

    def _remember(self, name: str, value: str) -> None:
        with self.ledger.tx() as conn:
            self.ledger.set_meta(conn, name, value)

    def close(self) -> None:
        if self._sheet is not None:
            self._sheet.close()
