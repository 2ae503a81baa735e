"""The recap's one read of the ledger: plain rows for a time window, nothing personal.

:func:`fetch_rows` returns the items received in a window (with the texts a kecamatan is
looked for in), the receipt times of the duplicate resubmissions in it, and the stage
moves recorded up to its end. Reporter names, phone numbers and e-mail addresses are never
selected. The window is given in UTC; the exact period (in WIB) is applied by
:mod:`.figures`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from ..ledger import Ledger
from ..cycle.tambahan import additions

__all__ = ["ItemRow", "MoveRow", "RekapRows", "fetch_rows"]


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One registered item as the recap needs it."""

    key: str
    agenda_no: str
    received_at: datetime  # aware (UTC as stored)
    tahap: str
    stage_entered_at: datetime
    diteruskan_ke: str  # "" while undecided
    suggested: str  # the routing suggestion's short code, e.g. "Komisi III"
    rahasia: bool
    perihal: str
    findings: tuple[tuple[str, str], ...]  # (code, severity)
    kronologi: str
    place_fields: tuple[str, ...]  # answers of questions whose title names a place


@dataclass(frozen=True, slots=True)
class MoveRow:
    """One recorded stage change (the audit trail's transitions only)."""

    key: str
    at: datetime
    from_stage: str | None
    to_stage: str


@dataclass(frozen=True)
class RekapRows:
    items: list[ItemRow]
    duplicates: list[datetime]  # receipt times of resubmissions linked to an item
    moves: list[MoveRow]  # in recording order


def _dt(d: datetime) -> datetime:
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def fetch_rows(ledger: Ledger, lo: datetime, hi: datetime, *, place_title: Callable[[str], bool]) -> RekapRows:
    """Rows for receipts in ``[lo, hi)`` and every stage move before *hi*.

    *place_title* decides which extra form answers are place fields (by question title).
    Stored times are UTC ISO-8601 strings of one format, so the window is a string range.
    """
    rows = ledger.rekap_items(lo, hi)
    out_items: list[ItemRow] = []
    with ledger.engine.connect() as conn:
        merged = additions(conn, [r.key for r in rows])  # kelengkapan: its place answers count (cycle/tambahan.py)
    for r in rows:
        extra = list(r.extra) + [e for a in merged.get(r.key, []) for e in a.extra]
        findings = tuple((f.code, f.severity) for f in r.findings)
        out_items.append(ItemRow(
            key=r.key, agenda_no=r.agenda_no, received_at=_dt(r.received_at), tahap=r.tahap,
            stage_entered_at=_dt(r.stage_entered_at), diteruskan_ke=r.diteruskan_ke or "",
            suggested=r.suggested, rahasia=r.rahasia, perihal=r.perihal,
            findings=findings,
            kronologi="\n\n".join([r.kronologi] + [a.kronologi for a in merged.get(r.key, [])]),
            place_fields=tuple(str(v) for t, v in extra if place_title(str(t)) and v),
        ))
    dups = [_dt(d) for d in ledger.resubmissions_received(lo, hi)]
    moves = [MoveRow(e.key, _dt(e.at), e.from_stage, e.to_stage or "") for e in ledger.stage_moves_before(hi)]
    return RekapRows(out_items, dups, moves)
