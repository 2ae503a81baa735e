"""The print batch: every PDF rendered since it was last printed, once, in print files by
paper (documents.batch), and the record of what each file holds (ledger ``printed``)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..documents.batch import render_print_batches
from ..ledger import ItemDocuments, Ledger, PrintedDoc
from .missing_documents import printable
from .rendering import in_workers

log = logging.getLogger("siapmas.engine")

PRINT_BATCH_ITEMS = 100  # items per print-batch file (5 pages each)


def print_batch(ledger: Ledger, out_dir: Path, tz: ZoneInfo, clock: Callable[[], datetime],
                kartu_cetak: str) -> tuple[list[Path], list[str]]:
    """Every PDF rendered since it was last printed (new, or re-rendered with other
    content: the filled disposisi, a re-render after a Sifat/Rahasia change…), once,
    in print files by paper (documents.batch): the A4 sheets in agenda order, the kartu
    kendali grouped by copy colour. Split every PRINT_BATCH_ITEMS items so a large
    backlog gives several printable sets instead of one that no printer can take. Also
    returns the documents that replace a printed one (the operator throws the old away)."""
    # an item whose PDFs went missing waits for its re-render (never fails the batch)
    rows = printable(ledger, out_dir, ledger.unbatched_items(), clock())
    if not rows:
        return [], []
    done = ledger.printed_hashes([r.key for r in rows])
    before = {(k, rel) for k, rel, _ in done}  # printed once already: a new version replaces it
    replaced: list[str] = []
    stamp = clock().astimezone(tz).strftime("%Y%m%d-%H%M%S")
    chunks = [rows[i : i + PRINT_BATCH_ITEMS] for i in range(0, len(rows), PRINT_BATCH_ITEMS)]
    tasks: list[tuple[tuple[Path, ...], tuple[Path, ...], Path, str]] = []
    new_of: dict[Path, list[tuple[ItemDocuments, list[tuple[str, str]]]]] = {}
    for n, chunk in enumerate(chunks, start=1):
        sheets: list[Path] = []
        kartu: list[Path] = []
        recorded: list[tuple[ItemDocuments, list[tuple[str, str]]]] = []
        for r in chunk:
            fresh = []
            for kind, rel in print_order(r.documents):
                path = out_dir / rel
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except FileNotFoundError:  # a later document deleted meanwhile: re-rendered, printed then
                    continue
                if (r.key, rel, digest) in done:
                    continue
                (kartu if kind == "kendali" else sheets).append(path)
                fresh.append((rel, digest))
                if (r.key, rel) in before:
                    replaced.append(rel)  # e.g. 2026/0001-SIAPMAS-2026/lembar-disposisi-terisi.pdf
            recorded.append((r, fresh))
        stem = out_dir / "cetak" / (f"cetak-{stamp}" + (f"-{n:02d}" if len(chunks) > 1 else ""))
        tasks.append((tuple(sheets), tuple(kartu), stem, kartu_cetak))
        new_of[stem] = recorded
    out: list[Path] = []
    # merged here, one set after the other: copying the pages (documents.pdfcopy) costs
    # less than starting worker processes would; each set is recorded once written
    for (_s, _k, stem, _m), result in in_workers(merge_batch, tasks, 1):
        if isinstance(result, FileNotFoundError):  # deleted meanwhile: the next cycle re-renders it
            log.warning("Berkas cetak %s ditunda: %s", stem.name, result)
            continue
        if isinstance(result, Exception):
            raise result
        first = str(result[0].relative_to(out_dir)) if result else "-"
        at = clock()
        with ledger.tx() as conn:  # one statement per kind of write for the set (executemany)
            ledger.record_printed(conn, [PrintedDoc(r.key, rel, digest, first, at)
                                         for r, fresh in new_of[stem] for rel, digest in fresh],
                                  batch_of={r.key: first for r, _fresh in new_of[stem]})
        out.extend(result)
    return out, replaced


def paper_of(name: str) -> str:
    """What paper an operator loads for a print file (its name ends in the paper)."""
    if name.endswith("-kartu.pdf"):
        return "kartu kendali 15 × 10 cm: putih, lalu kuning, lalu merah"
    if name.endswith("-kartu-a4.pdf"):
        return "kartu kendali di kertas A4, potong di tanda: putih, lalu kuning, lalu merah"
    if name.endswith("-a4.pdf"):
        return "kertas A4"
    return "kertas " + name.rsplit("-", 1)[-1].removesuffix(".pdf")


def merge_batch(task: tuple[tuple[Path, ...], tuple[Path, ...], Path, str]) -> list[Path] | Exception:
    """One batch's print files (runs in a worker process); the error, if any, is returned."""
    sheets, kartu, stem, mode = task
    try:
        return render_print_batches(sheets, kartu, stem, kartu_cetak=mode)
    except Exception as exc:
        return exc


#: the order of an item's documents in a print file (others follow, by name)
_PRINT_ORDER = ("aduan", "disposisi", "disposisi_terisi", "kendali")
#: documents never printed: the officers' copy that shows a hidden identity
_NOT_PRINTED = ("aduan_petugas",)


def print_order(docs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, relative path) of an item's PDFs in print order."""
    pdfs = {k: v for k, v in docs.items()
            if isinstance(v, str) and v.endswith(".pdf") and k != "links" and k not in _NOT_PRINTED}
    rank = {k: i for i, k in enumerate(_PRINT_ORDER)}
    return sorted(pdfs.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))
