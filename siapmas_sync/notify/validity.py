"""Whether a queued message still holds right before it is sent.

A message is queued in the transaction of the event that causes it (queue.py) and sent at
the end of a cycle, or later (backoff, daily limit, a WhatsApp link the operator has not
opened yet). Meanwhile an official may undo what caused it: a *permintaan kelengkapan*
withdrawn within the cycle (PERLU KELENGKAPAN → TERAGENDA → PARAF KASUBAG TU) must never
reach the citizen. Each kind that reports a stage states the condition under which it
still holds (:func:`still_holds`, pure: the kind and the item's current stage); a message
whose condition no longer holds is set ``dibatalkan`` and the item's Riwayat says so
(``PESAN DIBATALKAN``), checked by the sender right before composing each message and, for
the messages an operator sends by hand (WhatsApp links in *Pemberitahuan*), by a sweep at
the start of delivery (:func:`cancel_stale`).
"""

from __future__ import annotations

from datetime import datetime

from ..ledger import ItemRecord, Ledger, MessageRecord
from ..core.models import MessageChannel, MessageKind
from ..cycle.steps import STAGE_DISTRIBUTED_CODE, STAGE_DONE_CODE
from ..core.workflow import Workflow
from ..core.workflow.stages import EXIT_DITOLAK, EXIT_KELENGKAPAN
from .queue import DIBATALKAN

EVENT = "PESAN DIBATALKAN"
ACTOR = "Sistem SIAPMAS"

#: the message kinds whose reason is a stage the item must still be in (or past)
STAGE_KINDS = (MessageKind.KELENGKAPAN, MessageKind.PENOLAKAN, MessageKind.DITERUSKAN, MessageKind.BALASAN_AKHIR)


def still_holds(wf: Workflow, kind: str, tahap: str) -> bool:
    """Whether a *kind* message about an item now at stage *tahap* is still true (pure).

    * ``kelengkapan``: the item still waits in PERLU KELENGKAPAN;
    * ``penolakan``: the item is still DITOLAK;
    * ``diteruskan``: the item is at DICATAT & DIDISTRIBUSIKAN or a later main stage;
    * ``balasan_akhir``: the item is SELESAI;
    * every other kind (tanda terima, duplikat, kelengkapan diterima) holds once caused.
    """
    if kind not in STAGE_KINDS:
        return True
    stage = wf.find(tahap)
    if stage is None:
        return False
    if kind == MessageKind.KELENGKAPAN:
        return stage.code == EXIT_KELENGKAPAN
    if kind == MessageKind.PENOLAKAN:
        return stage.code == EXIT_DITOLAK
    if kind == MessageKind.DITERUSKAN:
        return isinstance(stage.code, int) and stage.code >= STAGE_DISTRIBUTED_CODE
    return stage.code == STAGE_DONE_CODE  # balasan_akhir


def _cancel(ledger: Ledger, msg: MessageRecord, item: ItemRecord, now: datetime) -> None:
    from .pemberitahuan import KIND_LABELS

    label = KIND_LABELS.get(msg.kind, msg.kind)
    channel = "e-mail" if msg.channel == MessageChannel.EMAIL else "WhatsApp"
    with ledger.tx() as conn:
        done = ledger.update_message(msg.id, DIBATALKAN, conn=conn, if_state=msg.state,
                                     last_error=f"Dibatalkan: aduan kini pada tahap {item.tahap}")
        if done:
            ledger.add_event(conn, item.key, now, EVENT, from_stage=item.tahap, to_stage=item.tahap, actor=ACTOR,
                             channel="sistem", note=f"Pesan '{label}' ({channel}) tidak dikirim ke pelapor: "
                                                    f"alasannya tidak berlaku lagi (tahap kini {item.tahap}).")


def cancelled_line(n: int) -> str:
    """What the cycle's summary says about *n* cancelled messages."""
    return f"Pesan ke pelapor: {n} dibatalkan karena alasannya tidak berlaku lagi (lihat Riwayat: {EVENT})."


def cancel_if_stale(ledger: Ledger, wf: Workflow, msg: MessageRecord, item: ItemRecord, now: datetime) -> bool:
    """Cancel *msg* when it no longer holds for *item* (as read right now); True when cancelled."""
    if still_holds(wf, msg.kind, item.tahap):
        return False
    _cancel(ledger, msg, item, now)
    return True


def cancel_stale(ledger: Ledger, wf: Workflow, now: datetime) -> int:
    """Cancel every waiting message (any channel) that no longer holds; how many."""
    n = 0
    for r, tahap in ledger.waiting_messages_at(STAGE_KINDS):
        if not still_holds(wf, r.kind, tahap):
            item = ledger.item(r.key)
            if item is not None:
                _cancel(ledger, r, item, now)
                n += 1
    return n
