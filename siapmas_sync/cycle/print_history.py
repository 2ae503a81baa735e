"""Items printed before the ``printed`` table existed: their registration PDFs count as
printed, so that only genuinely new documents reach a print batch.

Before the ``printed`` table (every PDF printed once per content), an item was printed
once, whole, and marked with ``items.print_batch``. A ledger from that time has such
items but no ``printed`` rows for them; without this module, the first new document of
such an item (its filled disposisi, a re-render) printed its lembar aduan, lembar
disposisi and kartu kendali once more. The first time a worker sees the ledger (a
``meta`` mark, :data:`META_BASELINE`) every item already in a batch and without
``printed`` rows gets its current registration PDFs recorded as printed in that batch.
Items not yet in a batch are left alone: they still print.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path

from .missing_documents import BATCH_KINDS, recorded_files
from ..ledger import Ledger, PrintedDoc, utc_iso

log = logging.getLogger("siapmas.print_history")

META_BASELINE = "printed_baseline"
PAGE = 500


def record_baseline(ledger: Ledger, out_dir: Path, now: datetime) -> int:
    """Record the already-printed registration PDFs of older items (once per ledger);
    return how many files were recorded."""
    if ledger.get_meta(META_BASELINE) is not None:
        return 0
    rows = ledger.batched_unrecorded_items()
    count = 0
    for start in range(0, len(rows), PAGE):
        values: list[PrintedDoc] = []
        for r in rows[start : start + PAGE]:
            docs = recorded_files(r.documents)
            for kind in BATCH_KINDS:
                rel = docs.get(kind)
                try:
                    digest = hashlib.sha256((out_dir / rel).read_bytes()).hexdigest() if rel else None
                except OSError:  # gone: re-rendered by documents_check, and printed then
                    digest = None
                if digest and rel and r.print_batch:
                    values.append(PrintedDoc(r.key, rel, digest, r.print_batch, now))
        if values:
            with ledger.tx() as conn:
                ledger.record_printed(conn, values)
            count += len(values)
    with ledger.tx() as conn:
        ledger.set_meta(conn, META_BASELINE, utc_iso(now))
    if count:
        log.info("%d dokumen dari butir yang sudah dicetak sebelumnya dicatat sebagai tercetak.", count)
    return count
