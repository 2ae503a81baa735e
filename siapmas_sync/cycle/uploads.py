"""The generated documents' copies in Drive (``[source] upload_folder_id``), as optional work.

Rendering records an item's PDFs and queues one ``unggah`` outbox entry for the item
(:func:`queue`); the upload itself runs after the write-back (:func:`upload_pending`, run
through optional.OptionalWork), so a Drive that refuses — a service account without storage
quota (403 ``storageQuotaExceeded``), a folder not shared, a network down — never keeps
numbers and status out of the sheet. What was uploaded is remembered per file in the item's
``documents`` JSON (``unggahan``: relative path → content digest and link): a retry after a
failure sends only what is still missing or changed, never again what succeeded. The links
reach the sheet's *Dokumen* column with the next write-back.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from ..backends.base import Backend
from ..core.rerender import RenderKind
from ..ledger import Ledger

KIND = RenderKind.UNGGAH  # the outbox kind
SENT = "unggahan"  # documents JSON: relative path -> {"sha": digest, "link": link}


def enabled(backend: Backend) -> bool:
    """Whether this deployment uploads documents at all (a Drive upload folder is configured)."""
    return bool(backend.upload_folder_id)


def queue(ledger: Ledger, conn: Connection, keys: list[str], now: datetime) -> None:
    """Queue the items whose PDFs were just (re)made, once each while pending."""
    if not keys:
        return
    waiting = {k for k, _kind in ledger.waiting(conn, keys, KIND)}
    ledger.add_outbox_many(conn, [k for k in dict.fromkeys(keys) if k not in waiting], KIND, now)


def pdfs_of(docs: Mapping[str, Any]) -> list[str]:
    """The item's PDFs (relative paths), in a stable order."""
    return [v for k, v in sorted(docs.items()) if isinstance(v, str) and v.endswith(".pdf") and k != "links"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:24]


def upload_pending(ledger: Ledger, backend: Backend, out_dir: Path, clock: Callable[[], datetime]) -> list[str]:
    """Upload what the queued items still lack; each item is recorded as soon as it is done.
    Raises what the backend raises (the caller records it as an optional failure)."""
    entries = ledger.pending(KIND)
    if not entries:
        return []
    ids_of: dict[str, list[int]] = defaultdict(list)
    for e in entries:
        ids_of[e.key].append(e.id)
    done = 0
    for key, ids in ids_of.items():
        with ledger.engine.connect() as conn:
            docs = ledger.documents_of(conn, [key]).get(key, {})
        sent: dict[str, Any] = dict(docs.get(SENT) or {})
        links = []
        for rel in pdfs_of(docs):
            path = out_dir / rel
            if not path.is_file():  # deleted meanwhile: its re-render queues the item again
                continue
            digest = _digest(path)
            if (sent.get(rel) or {}).get("sha") != digest:
                sent[rel] = {"sha": digest, "link": backend.publish([path])[0]}
            links.append(sent[rel]["link"])
        with ledger.tx() as conn:
            now = clock()
            current = ledger.documents_of(conn, [key]).get(key, {})
            current[SENT] = sent
            if links:
                current["links"] = "\n".join(links)
            ledger.set_documents(conn, {key: current})
            ledger.finish_outbox_many(conn, ids, now)
        done += 1
    return [f"Dokumen diunggah ke Google Drive untuk {done} aduan."] if done else []
