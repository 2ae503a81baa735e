"""The next official told: one e-mail digest per cycle to each official for whom items
newly arrived, and the superior told once a day of a step that is overdue.

Who waits: an open item at stage X waits for the officials of stage X+1
(workflow/roles.who_may on today's date, for the item's receiving AKD); a settled item
whose letter is not approved waits for the signer (``[peran] surat``). Only
``[[pejabat]]`` with an ``email`` are told. A digest is sent to an official when at least
one item reached them since their last digest, and lists *every* item waiting for them
with its deadline (*Batas Waktu*); a rahasia item shows no perihal, and no digest ever
carries a reporter's name, phone or e-mail. An overdue step is escalated to the holders
of ``[pengingat] atasan`` for its code, once per item and stage per WIB day.

What was told is recorded (``official_notices``: kind, recipient, item and stage entry)
in the same transaction that queues the message in ``messages`` (kinds
``pejabat_menunggu`` / ``pejabat_terlambat``), so each is sent at most once by the
ordinary sender (notify.sender) through the configured e-mail transport.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import Settings
from ..ledger import Ledger, MessageRecord, from_iso, utc_iso
from ..core.models import MessageChannel, MessageKind
from ..core.recorded import kepada_of
from ..core.workflow import Workflow
from ..core.workflow.roles import SURAT, fits, who_may
from .queue import ANTRI, message_domain, sending_channels

__all__ = ["MENUNGGU", "OFFICIAL_KINDS", "TERLAMBAT", "official_outgoing", "queue_officials"]

MENUNGGU, TERLAMBAT = MessageKind.PEJABAT_MENUNGGU, MessageKind.PEJABAT_TERLAMBAT
OFFICIAL_KINDS = (MENUNGGU, TERLAMBAT)


@dataclass(frozen=True)
class Waiting:
    key: str
    agenda_no: str
    perihal: str
    stage: str  # where it is
    step: str  # what it waits for
    deadline: str
    late: bool
    ref: str  # item and stage entry: told once per arrival


def _next_step(wf: Workflow, row: Any, approved: set[str]) -> tuple[int | str, str] | None:
    stage = wf.find(row.tahap)
    if stage is None or not isinstance(stage.code, int):  # not a main stage (stage.is_main)
        return None  # PERLU KELENGKAPAN waits for the reporter; DITOLAK is closed
    if stage.code == wf.last.code:
        return (SURAT, "persetujuan surat balasan") if row.key not in approved else None
    if stage.code == 0:
        return None
    nxt = wf.by_code(stage.code + 1)
    return nxt.code, nxt.label


def queue_officials(ledger: Ledger, s: Settings, wf: Workflow, views: Any, now: datetime) -> int:
    """Queue this cycle's digests and escalations; returns how many messages were queued."""
    cfg = s.pengingat
    people = [p for p in s.officials() if p.email]
    if not cfg.enabled or not people or MessageChannel.EMAIL not in sending_channels(s):
        return 0
    on = now.astimezone(s.tz).date()
    approved = ledger.approved_letter_keys()
    told = ledger.official_notices_given()
    waiting: dict[str, list[Waiting]] = {}
    fresh: dict[tuple[str, str], list[Waiting]] = {}
    for row in ledger.item_rows():
        step = _next_step(wf, row, approved)
        if step is None:
            continue
        code, label = step
        sla = views.sla(row, from_iso(ledger.response_received(row.key) or row.registered_at), now)
        deadline = sla.deadline.astimezone(s.tz).strftime("%d/%m/%Y %H.%M WIB") if sla and sla.deadline else "-"
        late = bool(sla and sla.is_late)
        w = Waiting(row.key, row.agenda_no, "(rahasia — lihat Kendali)" if row.rahasia else row.perihal, row.tahap,
                    label, deadline, late, f"{row.key}|{row.stage_entered_at}")
        kepada = kepada_of(row)
        for acting in who_may(code, people, on, kepada, s.peran):
            email = acting.person.email
            waiting.setdefault(email, []).append(w)
            if (MENUNGGU, email, w.ref) not in told:
                fresh.setdefault((MENUNGGU, email), []).append(w)
        if late and cfg.eskalasi:
            roles = cfg.atasan.get(str(code), [])
            ref = f"{w.ref}|{on.isoformat()}"
            for p in people:
                if any(fits(p.jabatan, r) for r in roles) and (TERLAMBAT, p.email, ref) not in told:
                    fresh.setdefault((TERLAMBAT, p.email), []).append(
                        Waiting(w.key, w.agenda_no, w.perihal, w.stage, w.step, w.deadline, True, ref))
    if not fresh:
        return 0
    names = {p.email: p.nama for p in people}
    queued = 0
    with ledger.tx() as conn:
        for (kind, email), new in fresh.items():
            listed = waiting.get(email, []) if kind == MENUNGGU else new
            at = utc_iso(now)
            tag = hashlib.sha256(email.casefold().encode()).hexdigest()[:16]
            n = sum(ledger.message_counts(conn, f"pejabat:{tag}", kind).values()) + 1
            context = {"nama": names.get(email, ""), "items": [w.__dict__ for w in listed]}
            ledger.add_messages(conn, [dict(
                key=f"pejabat:{tag}", channel=MessageChannel.EMAIL, kind=kind, recipient=email,
                context=json.dumps(context, ensure_ascii=False), state=ANTRI, attempts=0, created_at=at,
                next_attempt_at=at, last_error="", sent_at=None,
                message_id=f"<{kind}.{tag}.{n}@siapmas.{message_domain(s)}>")])
            ledger.add_official_notices(conn, kind, email, [w.ref for w in new], now)
            queued += 1
    return queued


def official_outgoing(s: Settings, msg: MessageRecord) -> Any:
    """The digest or escalation as an e-mail (notify.compose.Outgoing)."""
    from .compose import Outgoing

    ctx = msg.context
    rows = ctx.get("items") or []
    nama = ctx.get("nama") or "Bapak/Ibu"
    if msg.kind == MENUNGGU:
        subject = f"SIAPMAS: {len(rows)} aduan menunggu tindakan Bapak/Ibu"
        lead = "Aduan berikut menunggu tindakan Bapak/Ibu (paraf, disposisi atau tindak lanjut) sesuai SOP:"
    else:
        subject = f"SIAPMAS: {len(rows)} aduan melewati batas waktu"
        lead = "Tahap aduan berikut telah melewati batas waktu SOP dan belum ditindaklanjuti:"
    lines = [f"- {r['agenda_no']} · {r['step']} (kini: {r['stage']}) · batas waktu {r['deadline']}"
             + (" · TERLAMBAT" if r.get("late") else "") + f"\n  Perihal: {r['perihal']}" for r in rows]
    footer = "Catat tindakan di tab Kendali (kolom Tahap dan Oleh) atau dengan perintah advance. Pesan otomatis SIAPMAS."
    text = f"Yth. {nama},\n\n{lead}\n\n" + "\n".join(lines) + f"\n\n{footer}\n{s.kop.instansi}\n"
    items_html = "".join(
        f"<li><b>{html.escape(r['agenda_no'])}</b> · {html.escape(r['step'])} (kini: {html.escape(r['stage'])}) · "
        f"batas waktu {html.escape(r['deadline'])}{' · <b>TERLAMBAT</b>' if r.get('late') else ''}<br>"
        f"Perihal: {html.escape(r['perihal'])}</li>" for r in rows)
    body = (f"<p>Yth. {html.escape(nama)},</p><p>{html.escape(lead)}</p><ul>{items_html}</ul>"
            f"<p>{html.escape(footer)}<br>{html.escape(s.kop.instansi)}</p>")
    return Outgoing(msg.kind, msg.recipient, msg.message_id, subject, text, body, (), "")
