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
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from ..config import MESSAGE_KINDS, Settings
from ..intake.contact import check_email
from ..kode_pelapor import ensure_code
from ..ledger import messages, responses, utc_iso
from ..steps import STAGE_DISTRIBUTED_CODE
from ..wa.link import e164_digits
from ..workflow import Transition, Workflow

KINDS = MESSAGE_KINDS

#: message states (Indonesian, shown to operators as they are); PERLU_PERIKSA: the message
#: may have arrived twice already (its fate unknown after DATA, twice): never sent again,
#: the operator checks (notify.sender); DIBATALKAN: its reason no longer held when it was
#: due (validity.py), never sent
ANTRI, MENGIRIM, TERKIRIM, GAGAL_SEMENTARA, GAGAL_TETAP, PERLU_PERIKSA, DIBATALKAN = (
    "antri", "mengirim", "terkirim", "gagal_sementara", "gagal_tetap", "perlu_periksa", "dibatalkan")

#: (conn, item row, transition, now) -> None; called by steps.StepRecorder.advance
StageHook = Callable[[Connection, Any, Transition, datetime], None]


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


def active_channels(settings: Settings) -> list[str]:
    """The channels messages are queued for: "email" when the file transport or SMTP is on,
    "whatsapp" when ``[notify.whatsapp] enabled`` (manual links or the Cloud API)."""
    n = settings.notify
    out = ["email"] if n.transport == "file" or n.email.enabled else []
    if n.whatsapp.enabled:
        out.append("whatsapp")
    return out


def sending_channels(settings: Settings) -> list[str]:
    """The channels the worker sends itself (a manual WhatsApp message waits for the operator)."""
    return [c for c in active_channels(settings) if c != "whatsapp" or settings.notify.whatsapp.mode == "cloud_api"]


def recipient_for(channel: str, payload: Mapping[str, Any]) -> str | None:
    return email_recipient(payload) if channel == "email" else wa_recipient(payload)


def message_domain(settings: Settings) -> str:
    """The domain of Message-IDs: the sender's, else the kop's e-mail's."""
    for addr in (settings.notify.email.sender, settings.kop.email):
        domain = addr.rpartition("@")[2].strip(" >").lower()
        if domain:
            return domain
    return "localhost"


def message_id(kind: str, key: str, domain: str, n: int | str = 1, channel: str = "email") -> str:
    """The stable Message-ID of the n-th message of *kind* about item *key* on *channel*."""
    suffix = "" if n == 1 else f".{n}"
    prefix = "" if channel == "email" else "wa."
    return f"<{prefix}{kind}.{key[:24]}{suffix}@siapmas.{domain}>"


def rows_for(settings: Settings, key: str, kind: str, payload: Mapping[str, Any], context: Mapping[str, Any],
             now: datetime, n: int | str | Mapping[str, int] = 1) -> list[dict[str, Any]]:
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
    return rows_for(settings, key, "tanda_terima", payload, {"agenda_no": agenda_no}, now)


def queue_duplicate(settings: Settings, key: str, payload: Mapping[str, Any], original_key: str, agenda_no: str,
                    now: datetime) -> list[dict[str, Any]]:
    """A resubmission is told the original number (no second receipt): a message about the
    original item, to the address of the resubmission (*key*, whose own id it carries)."""
    return rows_for(settings, original_key, "duplikat", payload, {"agenda_no": agenda_no, "response_key": key}, now,
                    n=key[:12])


def stage_kind(wf: Workflow, to_stage: str) -> str | None:
    """The message kind a move into *to_stage* causes, if any."""
    # SELESAI queues nothing: the final reply waits for the letter's approval (surat_keluar)
    labels = {wf.by_code("kelengkapan").label: "kelengkapan", wf.by_code("ditolak").label: "penolakan",
              wf.by_code(STAGE_DISTRIBUTED_CODE).label: "diteruskan"}
    return labels.get(to_stage)


def stage_hook(settings: Settings, wf: Workflow) -> StageHook:
    """The hook steps.StepRecorder calls after recording a move (same transaction)."""

    def hook(conn: Connection, row: Any, t: Transition, now: datetime) -> None:
        kind = stage_kind(wf, t.to_stage)
        if kind is None or kind not in settings.notify.kinds or not active_channels(settings):
            return
        payload_text = conn.execute(select(responses.c.payload).where(responses.c.key == row.key)).scalar()
        payload = json.loads(payload_text or "{}")
        context: dict[str, Any] = {"agenda_no": row.agenda_no, "note": t.note or ""}
        if kind == "diteruskan":
            context["akd"] = t.akd or row.diteruskan_ke or ""
        if kind == "kelengkapan":
            ensure_code(conn, row.key, now)  # an item of an older ledger gets its code with this request
            context["kurang"] = [f.message for f in row.findings if f.severity == "kurang"]  # row: an ItemRecord
        counts: dict[str, int] = dict(conn.execute(select(messages.c.channel, func.count()).where(
            messages.c.key == row.key, messages.c.kind == kind).group_by(messages.c.channel)).all())
        n = {c: counts.get(c, 0) + 1 for c in active_channels(settings)}
        values = rows_for(settings, row.key, kind, payload, context, now, n)
        if values:
            conn.execute(insert(messages), values)

    return hook
