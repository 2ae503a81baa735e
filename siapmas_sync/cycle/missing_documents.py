"""Recorded documents that are gone from disk: found, and made again.

The ledger records, per item, the files it rendered (``items.documents``: kind →
path relative to the output folder). Someone may delete a PDF, a whole agenda folder,
or the output disk may be lost and replaced. Before this module, the print batch then
failed with ``FileNotFoundError`` in every cycle (and the Word copies, made after it,
stopped too). Now a missing file is answered by queueing the render that makes it (an
outbox entry, exactly as a new item's first render), so the same cycle's render step
recreates it, and the summary says so ("Dokumen hilang dibuat ulang: …").

What is checked, and when — a full check of 100,000 items × 3–6 files costs ~0.5 M
file-system calls, too much every five minutes (and far too much on a network share):

* **every cycle, targeted:** the items the print batch is about to merge (items with
  documents not yet in a batch; normally only the new ones). :func:`printable` checks
  them again right before the merge, so a file deleted during the cycle only holds its
  item back to the next batch, never fails the batch.
* **a full scan** (one directory listing per agenda folder, not one call per file) when
  the last one is older than :data:`FULL_SCAN_EVERY` — remembered in the ledger's
  ``meta`` table, so a ``sync`` started by cron every 5 minutes scans once a day, like
  a long-running ``run`` — or at once when a year folder holding documents is missing
  (a lost or replaced output disk, a deleted year): one ``stat`` per year makes that
  cheap to see every cycle.

Word copies need no PDF (they are rendered from the ledger), so the targeted check
does not look at them; the full scan does. Items already in a print batch are rendered
again but not batched again (they were printed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..ledger import ItemDocuments, Ledger, from_iso, utc_iso
from ..core.rerender import RenderKind

log = logging.getLogger("siapmas.documents_check")

FULL_SCAN_EVERY = timedelta(hours=24)
META_LAST_SCAN = "documents_checked_at"
SCAN_PAGE = 2000
#: the PDFs a print batch merges, per item
BATCH_KINDS = ("aduan", "disposisi", "kendali")

#: document kind → the outbox kind whose render makes it again
_MADE_BY = {
    "aduan": RenderKind.RENDER, "disposisi": RenderKind.RENDER, "kendali": RenderKind.RENDER,
    "aduan_petugas": RenderKind.RENDER,
    "lembar_disposisi_docx": RenderKind.SALINAN, "kartu_kendali_docx": RenderKind.SALINAN,
    "disposisi_terisi": RenderKind.DISPOSISI, "lembar_disposisi_docx-terisi": RenderKind.DISPOSISI,
    "surat_balasan_docx": RenderKind.BALASAN, "surat_balasan": RenderKind.BALASAN, "laporan": RenderKind.BALASAN,
}


def made_by(kind: str) -> RenderKind:
    """The outbox kind that renders a document kind again (unknown kinds: the first render)."""
    return _MADE_BY.get(kind, RenderKind.RENDER)


def recorded_files(documents: Mapping[str, Any]) -> dict[str, str]:
    """Document kind → relative path, from an item's recorded documents (not the links)."""
    return {k: v for k, v in documents.items() if k != "links" and isinstance(v, str) and v}


def renders_needed(documents: Mapping[str, Any], present: Any) -> set[RenderKind]:
    """The outbox kinds to queue for one item: ``present(relative path) -> bool``. A
    first render ("render") also remakes existing Word copies, so it covers "salinan"."""
    kinds = {made_by(k) for k, rel in recorded_files(documents).items() if not present(rel)}
    if RenderKind.RENDER in kinds:
        kinds.discard(RenderKind.SALINAN)
    return kinds


class _Folders:
    """Existence of files by listing each folder once (a full scan)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: dict[str, frozenset[str]] = {}

    def __call__(self, rel: str) -> bool:
        folder, _, name = rel.replace("\\", "/").rpartition("/")
        if folder not in self._names:
            try:
                self._names[folder] = frozenset(os.listdir(self.root / folder))
            except OSError:
                self._names[folder] = frozenset()
        return name in self._names[folder]


def _exists(root: Path) -> Any:
    return lambda rel: os.path.isfile(root / rel)


def requeue(ledger: Ledger, wanted: dict[str, set[RenderKind]], now: datetime) -> None:
    """Queue the renders *wanted* (key → outbox kinds) that are not pending already."""
    keys = list(wanted)
    with ledger.tx() as conn:
        pending = ledger.waiting(conn, keys)  # a lost disk may want 100,000 keys
        by_kind: dict[RenderKind, list[str]] = {}
        for key, kinds in wanted.items():
            for kind in kinds:
                if (key, kind) not in pending and not (kind == RenderKind.SALINAN and (key, RenderKind.RENDER) in pending):
                    by_kind.setdefault(kind, []).append(key)
        for kind, queued in sorted(by_kind.items()):
            ledger.add_outbox_many(conn, queued, kind, now)


def _check(rows: Iterable[ItemDocuments], present: Any) -> Iterator[tuple[ItemDocuments, set[RenderKind]]]:
    for r in rows:
        kinds = renders_needed(r.documents, present)
        if kinds:
            yield r, kinds


def full_scan_due(ledger: Ledger, out_dir: Path, now: datetime) -> str:
    """Why a full scan is due now ("" when it is not)."""
    last = ledger.get_meta(META_LAST_SCAN)
    years = ledger.document_years()
    gone = [y for y in years if not (out_dir / str(y)).is_dir()]
    if gone:
        return f"folder tahun {', '.join(map(str, gone))} tidak ada di {out_dir}"
    if last is None or now - from_iso(last) >= FULL_SCAN_EVERY:
        return "pemeriksaan harian"
    return ""


def check_documents(ledger: Ledger, out_dir: Path, now: datetime, *, print_batch: bool = True) -> list[str]:
    """Queue a render for every item whose recorded documents are missing (see the
    module docstring for which items are looked at). Returns their agenda numbers."""
    found: dict[str, tuple[str, set[RenderKind]]] = {}
    if print_batch:
        unbatched = ledger.unbatched_items()
        if unbatched:
            present = _exists(out_dir)
            for r, kinds in _check(unbatched, lambda rel: rel.endswith(".docx") or present(rel)):
                found[r.key] = (r.agenda_no, kinds)
    why = full_scan_due(ledger, out_dir, now)
    if why:
        log.info("Memeriksa keberadaan semua dokumen tercatat (%s).", why)
        for r, kinds in _check(ledger.iter_item_documents(page=SCAN_PAGE), _Folders(out_dir)):
            found.setdefault(r.key, (r.agenda_no, set()))[1].update(kinds)
        with ledger.tx() as conn:
            ledger.set_meta(conn, META_LAST_SCAN, utc_iso(now))
    requeue(ledger, {k: kinds for k, (_a, kinds) in found.items()}, now)
    restored = [a for a, _k in found.values()]
    if restored:
        log.warning("Dokumen hilang, dibuat ulang: %s", ", ".join(restored))
    return restored


def printable(ledger: Ledger, out_dir: Path, rows: Sequence[ItemDocuments], now: datetime) -> list[ItemDocuments]:
    """The rows whose three PDFs are on disk (the print batch merges only these); the
    others get their render queued and wait for the next batch."""
    ok, wanted = [], {}
    for r in rows:
        docs = recorded_files(r.documents)
        if all(k in docs and os.path.isfile(out_dir / docs[k]) for k in BATCH_KINDS):
            ok.append(r)
        else:
            wanted[r.key] = {RenderKind.RENDER}
    if wanted:
        log.warning("%d butir ditunda dari berkas cetak: dokumennya hilang, dibuat ulang.", len(wanted))
        requeue(ledger, wanted, now)
    return ok

