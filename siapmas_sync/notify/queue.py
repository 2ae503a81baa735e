"""Which message is due to whom, decided inside the event's own transaction.

A message row is inserted in the same commit as the registration or the stage move that
causes it, so a crash loses none and queues none twice. Only addresses that pass
validation (intake.contact.check_email) are queued; a reporter without one gets nothing
(the cycle's summary says so). Recipients are stored as the reporter gave them (after
normalisation) and never logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy.engine import Connection

from ..config import MESSAGE_KINDS, Settings
from ..core.intake.contact import check_email
from ..cycle.kode_pelapor import ensure_code
from ..ledger import Ledger, utc_iso
from ..ledger.records import ItemRecord
from ..core.models import MessageChannel, MessageKind, MessageState
from ..cycle.steps import STAGE_DISTRIBUTED_CODE
from ..wa.link import e164_digits
from ..core.workflow import Transition, Workflow

KINDS = MESSAGE_KINDS

#: message states (models.MessageState, which says what each means)
ANTRI, MENGIRIM, TERKIRIM, GAGAL_SEMENTARA, GAGAL_TETAP, PERLU_PERIKSA, DIBATALKAN = (
    MessageState.ANTRI, MessageState.MENGIRIM, MessageState.TERKIRIM, MessageState.GAGAL_SEMENTARA,
    MessageState.GAGAL_TETAP, MessageState.PERLU_PERIKSA, MessageState.DIBATALKAN)

#: (conn, item, transition, now) -> None; called by steps.StepRecorder.advance
StageHook = Callable[[Connection, ItemRecord, Transition, datetime], None]


def email_recipient(payload: Mapping[str, Any]) -> str | None:
    """The reporter's e-mail address when it passes validation (the form's collected
    address when the typed one does not), else None: nothing is ever sent to an address
    that failed validation."""
    for field in ("email", "email_pengumpul"):
        value, finding = check_email(payload.get(field) or "")
        if value and finding is None:
            return value
    return None


def wa_recipient(payload: Mapping[str, Any]) -> str | None:
    """The reporter's WhatsApp number as E.164 digits ("6281…") when it is a valid number,
    else None (no message is queued to a number that failed validation)."""
    digits = e164_digits(payload.get("telepon") or "")
    if digits is None:
        return None
    kind = phonenumbers.number_type(phonenumbers.parse("+" + digits))
    # WhatsApp needs a mobile number: a landline ("0321 123456") gets nothing
    return digits if kind in (phonenumbers.PhoneNumberType.MOBILE,
                              phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE) else None


def active_channels(settings: Settings) -> list[MessageChannel]:
    """The channels messages are queued for: "email" when the file transport or SMTP is on,
    "whatsapp" when ``[notify.whatsapp] enabled`` (manual links or the Cloud API)."""
    n = settings.notify
    out = [MessageChannel.EMAIL] if n.transport == "file" or n.email.enabled else []
    if n.whatsapp.enabled:
        out.append(MessageChannel.WHATSAPP)
    return out


def sending_channels(settings: Settings) -> list[MessageChannel]:
    """The channels the worker sends itself (a manual WhatsApp message waits for the operator)."""
    return [c for c in active_channels(settings) if c != MessageChannel.WHATSAPP or settings.notify.whatsapp.mode == "cloud_api"]


def recipient_for(channel: MessageChannel, payload: Mapping[str, Any]) -> str | None:
    return email_recipient(payload) if channel == MessageChannel.EMAIL else wa_recipient(payload)


def message_domain(settings: Settings) -> str:
    """The domain of Message-IDs: the sender's, else the kop's e-mail's."""
    for addr in (settings.notify.email.sender, settings.kop.email):
        domain = addr.rpartition("@")[2].strip(" >").lower()
        if domain:
            return domain
    return "localhost"


def message_id(kind: MessageKind, key: str, domain: str, n: int | str = 1,
               channel: MessageChannel = MessageChannel.EMAIL) -> str:
    """The stable Message-ID of the n-th message of *kind* about item *key* on *channel*."""
    suffix = "" if n == 1 else f".{n}"
    prefix = "" if channel == MessageChannel.EMAIL else "wa."
    return f"<{prefix}{kind}.{key[:24]}{suffix}@siapmas.{domain}>"


def rows_for(settings: Settings, key: str, kind: MessageKind, payload: Mapping[str, Any], context: Mapping[str, Any],
             now: datetime, n: int | str | Mapping[MessageChannel, int] = 1) -> list[dict[str, Any]]:
    """The message rows due for one event, one per active channel with a valid address or
    number (none when the kind is off). *n*: the message's ordinal (per channel)."""
    if kind not in settings.notify.kinds:
        return []
    out = []
    for channel in active_channels(settings):
        recipient = recipient_for(channel, payload)
        if recipient is None:
            continue
        at = utc_iso(now)
        nth = n.get(channel, 1) if isinstance(n, Mapping) else n
        out.append({
            "key": key, "channel": channel, "kind": kind, "recipient": recipient,
            "context": json.dumps(dict(context), ensure_ascii=False, sort_keys=True),
            "message_id": message_id(kind, key, message_domain(settings), nth, channel), "state": ANTRI,
            "attempts": 0, "created_at": at, "next_attempt_at": at, "last_error": "", "sent_at": None,
        })
    return out


def queue_registration(settings: Settings, key: str, payload: Mapping[str, Any], agenda_no: str,
                       now: datetime) -> list[dict[str, Any]]:
    """The receipt of a newly numbered item (rows for the registrar's group insert)."""
    return rows_for(settings, key, MessageKind.TANDA_TERIMA, payload, {"agenda_no": agenda_no}, now)


def queue_duplicate(settings: Settings, key: str, payload: Mapping[str, Any], original_key: str, agenda_no: str,
                    now: datetime) -> list[dict[str, Any]]:
    """A resubmission is told the original number (no second receipt): a message about the
    original item, to the address of the resubmission (*key*, whose own id it carries)."""
    return rows_for(settings, original_key, MessageKind.DUPLIKAT, payload, {"agenda_no": agenda_no, "response_key": key}, now,
                    n=key[:12])


def stage_kind(wf: Workflow, to_stage: str) -> MessageKind | None:
    """The message kind a move into *to_stage* causes, if any."""
    # SELESAI queues nothing: the final reply waits for the letter's approval (surat_keluar)
    labels = {wf.by_code("kelengkapan").label: MessageKind.KELENGKAPAN, wf.by_code("ditolak").label: MessageKind.PENOLAKAN,
              wf.by_code(STAGE_DISTRIBUTED_CODE).label: MessageKind.DITERUSKAN}
    return labels.get(to_stage)


def stage_hook(settings: Settings, wf: Workflow) -> StageHook:
    """The hook steps.StepRecorder calls after recording a move (same transaction)."""

    def hook(conn: Connection, row: ItemRecord, t: Transition, now: datetime) -> None:
        kind = stage_kind(wf, t.to_stage)
        if kind is None or kind not in settings.notify.kinds or not active_channels(settings):
            return
        if not isinstance(row, ItemRecord):  # transitional (#23): until steps hands over records
            row = ItemRecord.from_row(row)
        resp = Ledger.response_of(conn, row.key)
        payload = resp.payload if resp is not None else {}
        context: dict[str, Any] = {"agenda_no": row.agenda_no, "note": t.note or ""}
        if kind == MessageKind.DITERUSKAN:
            context["akd"] = t.akd or row.diteruskan_ke or ""
        if kind == MessageKind.KELENGKAPAN:
            ensure_code(conn, row.key, now)  # an item of an older ledger gets its code with this request
            context["kurang"] = [f.message for f in row.findings if f.severity == "kurang"]
        counts: dict[str, int] = Ledger.message_counts(conn, row.key, kind)
        n = {c: counts.get(c, 0) + 1 for c in active_channels(settings)}
        Ledger.add_messages(conn, rows_for(settings, row.key, kind, payload, context, now, n))

    return hook
