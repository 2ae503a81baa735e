"""The kelengkapan an item received, merged into it: dated additions, the original kept.

A response linked as an item's kelengkapan (cycle/kelengkapan.py) stays a response of its own in
the ledger (``responses`` + ``kelengkapan_links``); this module reads those responses as
:class:`Tambahan` — when it was received, its chronology, its other answers (location,
kecamatan…) and its evidence links — and merges them (pure):

* :func:`merged_submission`: the original submission with each addition's chronology
  appended as ``Tambahan <tanggal>: …``, its answers and evidence links added — what the
  completeness check, the recap's kecamatan and the documents read;
* the Lembar Aduan prints each addition as its own dated section (documents/aduan.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import tzinfo

from sqlalchemy.engine import Connection

from .. import codec
from ..documents.common import tanggal_id
from ..ledger import Ledger
from ..core.models import Submission, Tambahan


def heading(a: Tambahan, tz: tzinfo) -> str:
    """How an addition is titled wherever it is shown: ``Tambahan 3 Desember 2026``."""
    return f"Tambahan {tanggal_id(a.received_at.astimezone(tz))}"


def additions(conn: Connection, keys: Sequence[str]) -> dict[str, list[Tambahan]]:
    """Item key → its additions in order of receipt, for *keys*."""
    out: dict[str, list[Tambahan]] = {}
    for item_key, r in Ledger.linked_responses(conn, keys):
        sub = codec.submission_from_dict(dict(r.payload))
        out.setdefault(item_key, []).append(Tambahan(r.received_at, sub.kronologi, sub.extra, sub.bukti_urls))
    for adds in out.values():
        adds.sort(key=lambda a: a.received_at)
    return out


def merged_submission(original: Submission, adds: Sequence[Tambahan], tz: tzinfo) -> Submission:
    """*original* with its additions merged (see the module docstring); the original's own
    answers first and unchanged."""
    if not adds:
        return original
    kronologi = "\n\n".join([original.kronologi.strip()] + [f"{heading(a, tz)}: {a.kronologi.strip()}"
                                                             for a in adds if a.kronologi.strip()])
    urls = list(original.bukti_urls)
    urls += [u for a in adds for u in a.bukti_urls if u not in urls]
    extra = tuple(original.extra) + tuple((t, v) for a in adds for t, v in a.extra if v)
    return replace(original, kronologi=kronologi, bukti_urls=tuple(urls), extra=extra)
