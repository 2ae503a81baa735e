"""The recap's one read of the ledger: plain rows for a time window, nothing personal.

:func:`fetch_rows` returns the items received in a window (with the texts a kecamatan is
looked for in), the receipt times of the duplicate resubmissions in it, and the stage
moves recorded up to its end. Reporter names, phone numbers and e-mail addresses are never
selected. The window is given in UTC; the exact period (in WIB) is applied by
:mod:`.figures`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_, select

from ..ledger import Ledger, events, items, kelengkapan_links, responses, utc_iso
from ..tambahan import additions
from ..sqldialect import json_text

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


def _dt(text: str) -> datetime:
    d = datetime.fromisoformat(text)
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def fetch_rows(ledger: Ledger, lo: datetime, hi: datetime, *, place_title: Callable[[str], bool]) -> RekapRows:
    """Rows for receipts in ``[lo, hi)`` and every stage move before *hi*.

    *place_title* decides which extra form answers are place fields (by question title).
    Stored times are UTC ISO-8601 strings of one format, so the window is a string range.
    """
    lo_s, hi_s = utc_iso(lo), utc_iso(hi)
    item_q = select(
        items.c.key, items.c.agenda_no, items.c.tahap, items.c.stage_entered_at, items.c.diteruskan_ke,
        items.c.rahasia, items.c.perihal, items.c.findings, responses.c.received_at,
        json_text(items.c.routing, "tujuan").label("suggested"),
        json_text(responses.c.payload, "kronologi").label("kronologi"),
        json_text(responses.c.payload, "extra").label("extra"),
    ).join(responses, responses.c.key == items.c.key).where(
        responses.c.received_at >= lo_s, responses.c.received_at < hi_s
    )
    dup_q = select(responses.c.received_at).where(
        responses.c.duplicate_of.is_not(None), responses.c.received_at >= lo_s, responses.c.received_at < hi_s,
        responses.c.key.not_in(select(kelengkapan_links.c.key)),  # a kelengkapan is merged, not a resubmission
    )
    move_q = select(events.c.key, events.c.at, events.c.from_stage, events.c.to_stage).where(
        events.c.to_stage.is_not(None),
        or_(events.c.from_stage.is_(None), events.c.from_stage != events.c.to_stage),
        events.c.at < hi_s,
    ).order_by(events.c.id)
    out_items: list[ItemRow] = []
    with ledger.engine.connect() as conn:
        rows = list(conn.execute(item_q))
        merged = additions(conn, [r.key for r in rows])  # kelengkapan: its place answers count (tambahan.py)
        for r in rows:
            extra = (json.loads(r.extra) if r.extra else []) + [list(e) for a in merged.get(r.key, []) for e in a.extra]
            findings = tuple((f.get("code", ""), f.get("severity", "")) for f in json.loads(r.findings or "[]"))
            out_items.append(ItemRow(
                key=r.key, agenda_no=r.agenda_no, received_at=_dt(r.received_at), tahap=r.tahap,
                stage_entered_at=_dt(r.stage_entered_at), diteruskan_ke=r.diteruskan_ke or "",
                suggested=r.suggested or "", rahasia=bool(r.rahasia), perihal=r.perihal or "",
                findings=findings,
                kronologi="\n\n".join([r.kronologi or ""] + [a.kronologi for a in merged.get(r.key, [])]),
                place_fields=tuple(str(v) for t, v in extra if place_title(str(t)) and v),
            ))
        dups = [_dt(r.received_at) for r in conn.execute(dup_q)]
        moves = [MoveRow(r.key, _dt(r.at), r.from_stage, r.to_stage) for r in conn.execute(move_q)]
    return RekapRows(out_items, dups, moves)
