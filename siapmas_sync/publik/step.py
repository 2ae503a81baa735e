"""The engine's last step of a cycle: bring the public view up to date, at a cost in
proportion to what changed.

A cycle renders only the rows of the items registered or changed, or with an event, since
the view was last brought up to date (the ledger's stamp), and writes the page and the CSV
by copying every other row, as a byte range, from the files already there; a private
index beside the ledger (:mod:`.cache`) says where each row lies. All rows are made again
when the index is missing, damaged or made under other settings (layout, time zone, stage
labels), when the ledger is not the one it was made from (a token kept in both) or has
gone back, and when a public file was changed or deleted. Each publication also makes
again the next 1/:data:`CHECK_ROUND` of the rows in agenda order (500 of 100,000), in turn
through the whole table: a change recorded under a clock set back (its time before the
stamp's) is shown within a round of publications, never left out for good.

The fingerprint of what was last published is kept in the ledger's ``meta`` table, one
per target (local files, public spreadsheet), so a target that failed is tried again next
cycle while the other is left alone; deleted local files are written again.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from itertools import accumulate
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import SiapmasError
from ..cycle.idle import ledger_fingerprint
from ..ledger import Ledger, PublicStamp
from ..core.workflow import Workflow
from .cache import FileMark, NewRow, Piece, RowIndex, read_if_unchanged, row_digest, sort_key
from .page import CSV_HEAD, CSV_NAME, HTML_NAME, csv_line, page_head, page_tail, row_html, write_files
from .view import LEDGER_COLUMNS, public_rows, settings_digest

log = logging.getLogger("siapmas.publik")

META_LOCAL = "publik_local"
META_SHEET = "publik_sheet"
META_QUICK = "publik_ledger"  # the ledger (idle.ledger_fingerprint) at the last complete publication
META_ROWS = "publik_rows"  # the kept rows' token, the ledger stamp they are up to date with, when made in full
#: the rolling check goes through the whole table in this many publications, making again
#: 1/CHECK_ROUND of the rows each time besides the changed ones (see the module's docstring)
CHECK_ROUND = 200


@dataclass
class PublishResult:
    files: list[Path] = field(default_factory=list)  # written this cycle (empty: nothing changed)
    sheet_cells: int = 0
    notices: list[str] = field(default_factory=list)  # Google refused: retried next cycle
    rows_made: int = 0  # rows rendered this cycle (the others were kept)


def public_changes(ledger: Ledger, keys: Collection[str] | None = None
                   ) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Item key → when a publicly shown figure last changed (a stage move, an exit and a
    return included, or the handling AKD decided), and item key → its stage moves
    (at, stage entered), oldest first, for the timeline; of *keys* only when given."""
    last: dict[str, str] = {}
    moves: dict[str, list[tuple[str, str]]] = {}
    for key, at, to_stage, moved in ledger.public_events(keys):
        last[key] = max(last.get(key, ""), at)
        if moved and to_stage:
            moves.setdefault(key, []).append((at, to_stage))
    return last, moves


def cache_path(s: Settings) -> Path:
    """The kept rows' file: beside the SQLite ledger, named after it (a server ledger: by
    a digest of its address, so tenants sharing a folder do not share a file)."""
    db = s.storage.database
    url = s.database_url()
    if url.startswith("sqlite"):
        return db.with_name(db.name + ".publik")
    return db.parent / f"publik-{sha256(url.encode()).hexdigest()[:16]}.rows"


class PublicStatus:
    """Publishes the public view of one ledger (local files; Google when configured)."""

    def __init__(self, settings: Settings, ledger: Ledger, wf: Workflow,
                 sheet_factory: Callable[[], Any] | None = None) -> None:
        self.s = settings
        self.ledger = ledger
        self.wf = wf  # the configured stage labels (the engine's)
        self.folder = settings.publik_dir()
        self.cache_path = cache_path(settings)
        self._sheet_factory = sheet_factory
        if sheet_factory is None and settings.publik.spreadsheet_id and settings.source.backend == "google":
            from .sheet import PublicSheet

            self._sheet_factory = lambda: PublicSheet.for_settings(settings)
        self._sheet: Any = None

    def publish(self, now: datetime, ledger_fp: str | None = None) -> PublishResult:
        """Write what changed. An OSError of the local files propagates (the caller reports
        it as a failure of the disk); a Google refusal becomes a notice."""
        out = PublishResult()
        if not self.s.publik.enabled:
            return out
        kop = self.s.kop
        kontak = " · ".join(x for x in (kop.telepon, kop.email) if x)
        files = self._files_stamp()
        files_there = files is not None
        # the public view is made of the ledger only: when the ledger, the settings and the
        # files are as at the last complete publication, nothing is looked at (the settings:
        # a stage renamed relabels items without changing the ledger's fingerprint; the files'
        # sizes and times: a file edited, or a ledger restored from a backup, is not taken
        # for what was published)
        settings = settings_digest(self.s.tz, self.wf)
        quick = "|".join((ledger_fp or ledger_fingerprint(self.ledger), kop.instansi, kontak, settings,
                          self.s.publik.spreadsheet_id if self._sheet_factory else "", self.s.publik.tab))
        if files_there and f"{quick}|{files}" == self.ledger.get_meta(META_QUICK):
            return out
        stamp = self.ledger.public_stamp()  # first: what changes while the rows are made is made again next time
        mark = _Mark.loads(self.ledger.get_meta(META_ROWS))
        rows = self.rows(stamp, mark, settings)
        out.rows_made = rows.made
        local_fp = rows.index.fingerprint(kop.instansi, kontak)
        tail = page_tail(kontak=kontak).encode()
        write = not files_there or local_fp != self.ledger.get_meta(META_LOCAL)
        if not write and rows.full:  # all rows made again, none shown differs: keep the files if they hold them
            write = not self._adopt(rows, tail)
        if write:
            head = page_head(rows.index.count, instansi=kop.instansi, kontak=kontak,
                             generated=now.astimezone(self.s.tz)).encode()
            csv_head = CSV_HEAD.encode()
            out.files = write_files(self.folder, [head, *rows.html, tail], [csv_head, *rows.csv])
            rows.index.html_file = FileMark.of(out.files[0], len(head), len(tail))
            rows.index.csv_file = FileMark.of(out.files[1], len(csv_head), 0)
            self._remember(META_LOCAL, local_fp)
            log.info("Halaman status publik diperbarui: %s (%d aduan, %d baris dibuat)", self.folder,
                     rows.index.count, rows.made)
        if write or rows.full:
            self._save(rows.index, stamp, rows.checked)
        elif mark is not None:  # nothing shown changed: only how far the rows are up to date and checked
            self._remember(META_ROWS, _Mark(mark.token, stamp, rows.checked).dumps())
        if self._sheet_factory is not None:
            if not self._publish_sheet(rows, out, stamp):
                quick = ""  # tried again next cycle
        if quick:
            self._remember(META_QUICK, f"{quick}|{self._files_stamp()}")
        return out

    # --- the rows ----------------------------------------------------------------------

    def rows(self, stamp: PublicStamp, mark: _Mark | None, settings: str) -> _Rows:
        """Every aduan's row as shown (under *settings*, view.settings_digest), up to date
        with the ledger at *stamp*: only the rows of what changed since *mark* (and the
        rolling check's next rows) are made, the others are byte ranges of the files as
        written (all are made when that cannot be, see the module's docstring)."""
        index = RowIndex.load(self.cache_path)
        if mark is not None and index is not None and mark.usable(stamp) and index.settings == settings \
                and index.token == mark.token:
            html = read_if_unchanged(self.folder / HTML_NAME, index.html_file)
            csv_data = read_if_unchanged(self.folder / CSV_NAME, index.csv_file)
            if html is not None and csv_data is not None:
                changed = self.ledger.public_items_since(LEDGER_COLUMNS, mark.stamp)
                year, seq = divmod(mark.checked, 1 << 32)
                size = max(1, stamp.items // CHECK_ROUND)
                window = self.ledger.public_items_after(LEDGER_COLUMNS, year, seq, size)
                checked = sort_key(window[-1].year, window[-1].seq) if len(window) == size else 0
                made = self._make(list({r.key: r for r in [*changed, *window]}.values()), keys_only=True)
                spliced = index.splice(made, html, csv_data)
                if spliced is not None and index.count == stamp.items:
                    return _Rows(index, spliced[0], spliced[1], len(made), checked, full=False)
                index = RowIndex.load(self.cache_path)  # as it was (the digests sent to the sheet)
        made = self._make(self.ledger.iter_items(LEDGER_COLUMNS), keys_only=False)
        full = RowIndex.of_rows(settings, made)
        if index is not None:  # what the public spreadsheet holds is as it was
            full.sheet, full.sheet_target = index.sheet, index.sheet_target
        return _Rows(full, [r.html for r in made], [r.csv for r in made], len(made), 0, full=True)

    def _make(self, ledger_rows: Iterable[Any], *, keys_only: bool) -> list[NewRow]:
        """The rows of *ledger_rows* (in agenda order), rendered; with the public events of
        those keys only (*keys_only*) or of every item (one query either way)."""
        items = list(ledger_rows)
        if not items:
            return []
        last, moves = public_changes(self.ledger, [r.key for r in items] if keys_only else None)
        out: list[NewRow] = []
        for row in public_rows(items, self.s.tz, last, wf=self.wf, moves=moves):
            html, line = row_html(row).encode(), csv_line(row).encode()
            out.append(NewRow(sort_key(row.year, row.seq), html, line, row_digest(html, line)))
        return out

    def _publish_sheet(self, rows: _Rows, out: PublishResult, stamp: PublicStamp) -> bool:
        """The public spreadsheet brought up to date: only the rows it does not show as they
        are now (the digests of what it was last sent are kept in the index). False when
        Google refused (a notice; tried again next cycle)."""
        index, target = rows.index, f"{self.s.publik.spreadsheet_id}|{self.s.publik.tab}"
        sheet_fp = index.fingerprint(self.s.publik.spreadsheet_id, self.s.publik.tab)
        if sheet_fp == self.ledger.get_meta(META_SHEET):
            return True
        if index.sheet_target != target:
            index.sheet = None
        try:
            if self._sheet is None:
                self._sheet = self._sheet_factory()  # type: ignore[misc]
            out.sheet_cells = self._sheet.write_table(self.s.publik.tab, sheet_cells(rows.csv, index))
        except SiapmasError as exc:
            out.notices.append(f"Status publik di Google belum diperbarui: {exc.message} {exc.advice} "
                               "(dicoba lagi pada siklus berikutnya)".replace("  ", " "))
            log.warning("%s", out.notices[-1])
            return False
        index.sheet, index.sheet_target = bytearray(index.digests), target
        self._save(index, stamp, rows.checked)
        self._remember(META_SHEET, sheet_fp)
        return True

    def _files_stamp(self) -> str | None:
        """The public files' sizes and modification times (None when one is missing)."""
        try:
            marks = [(self.folder / n).stat() for n in (HTML_NAME, CSV_NAME)]
        except OSError:
            return None
        return ",".join(f"{m.st_size}:{m.st_mtime_ns}" for m in marks)

    def _adopt(self, rows: _Rows, tail: bytes) -> bool:
        """Whether the files there hold exactly *rows* (made in full, none shown differs
        from what was published): then the index describes them as they are and they are
        not written again (their "Data diperbarui" stays true)."""
        html_path, csv_path = self.folder / HTML_NAME, self.folder / CSV_NAME
        try:
            html, csv_data = html_path.read_bytes(), csv_path.read_bytes()
        except OSError:
            return False
        body, csv_head = b"".join(rows.html), CSV_HEAD.encode()
        head = len(html) - len(tail) - len(body)
        if head <= 0 or not html.endswith(tail) or memoryview(html)[head: head + len(body)] != body \
                or csv_data != csv_head + b"".join(rows.csv):
            return False
        rows.index.html_file = FileMark.of(html_path, head, len(tail))
        rows.index.csv_file = FileMark.of(csv_path, len(csv_head), 0)
        return True

    def _save(self, index: RowIndex, stamp: PublicStamp, checked: int) -> None:
        """The index under a new token, then the token in the ledger (a crash between the
        two leaves them unmatched: the rows are made again, never used stale)."""
        index.token = secrets.token_hex(8)
        index.save(self.cache_path)
        self._remember(META_ROWS, _Mark(index.token, stamp, checked).dumps())

    def _remember(self, name: str, value: str) -> None:
        with self.ledger.tx() as conn:
            self.ledger.set_meta(conn, name, value)

    def close(self) -> None:
        if self._sheet is not None:
            self._sheet.close()


@dataclass
class _Rows:
    """The rows of this cycle: the index and the pieces of the page's and the CSV's rows."""

    index: RowIndex
    html: list[Piece]
    csv: list[Piece]
    made: int  # rows rendered this cycle
    checked: int  # sort_key of the last row the rolling check made (0: it starts again from the first)
    full: bool  # all of them: the index could not be used


def sheet_cells(csv_rows: Sequence[Piece], index: RowIndex) -> dict[int, list[str]]:
    """The cells of the rows the public spreadsheet does not show as they are now (data
    row number, 0-based → cells), read back from the CSV's rows."""
    wanted = index.sheet_rows()
    data = b"".join(csv_rows)
    if len(wanted) == index.count:
        return dict(enumerate(csv.reader(io.StringIO(data.decode("utf-8"), newline=""))))
    at = list(accumulate(index.csv_sizes, initial=0))
    return {i: next(csv.reader(io.StringIO(data[at[i]: at[i + 1]].decode("utf-8"), newline=""))) for i in wanted}


@dataclass(frozen=True)
class _Mark:
    """What the ledger keeps about the kept rows (``meta`` ``publik_rows``)."""

    token: str
    stamp: PublicStamp
    checked: int  # sort_key of the last row the rolling check made (0: the first row next)

    def usable(self, stamp: PublicStamp) -> bool:
        """Whether rows up to date with this mark can be brought up to *stamp* by making
        only what changed: the ledger has not gone back (restored from a backup)."""
        return stamp.last_event >= self.stamp.last_event and stamp.changed >= self.stamp.changed

    def dumps(self) -> str:
        return json.dumps({"token": self.token, "items": self.stamp.items, "changed": self.stamp.changed,
                           "last_event": self.stamp.last_event, "checked": self.checked})

    @classmethod
    def loads(cls, text: str | None) -> _Mark | None:
        try:
            d = json.loads(text or "")
            return cls(str(d["token"]), PublicStamp(int(d["items"]), str(d["changed"]), int(d["last_event"])),
                       int(d["checked"]))
        except (ValueError, KeyError, TypeError):
            return None
