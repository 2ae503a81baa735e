"""Delivering what is due: the last step of a cycle, after the write-back.

For each due message (queued, a temporary failure whose wait is over, or one a killed
worker left "mengirim"): compose it, record ``mengirim`` (committed) *before* the SMTP
transaction, send, then record ``terkirim``. A crash between sending and recording
resends that message once, with the same Message-ID (receivers de-duplicate on it).

**A message is sent at most twice, ever.** Each time its fate is unknown — a worker
killed while it was ``mengirim``, or no answer after the whole message reached the server
(notify.smtpwire) — counts as a possible delivery (``mungkin_terkirim`` in the message's
context). The first allows the one documented resend; at the second the message is
marked ``perlu_periksa``: never sent again, shown in ``show``/``status --json``, Kendali
(Pesan) and Pemberitahuan, and reported once as GALAT + Saran. A failure that is certain
(refused before or at the final reply) does not count.

Temporary failures wait with a doubling backoff (notify.compose.backoff) and give up
after MAX_ATTEMPTS; permanent ones are recorded with their reason and written to the
item's *Pesan* (Kendali). A configuration problem (authentication…) stops sending for
the cycle and is reported GALAT-style; numbers, documents and the sheet are never held up.
The daily limit counts messages sent per local (WIB) day; the rest waits for the next day.
Replies to an official's act go first, then what form rows caused, which is also capped
per address and per complaint (notify.relay).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import SiapmasError
from ..ledger import ItemRecord, Ledger, MessageRecord
from ..core.models import MessageChannel, MessageKind, MessageState
from ..logs import mask_text
from ..core.workflow import Workflow
from .channels import Channel, ChannelConfigError, PermanentFailure, TemporaryFailure
from .factory import make_channel
from .compose import NotReady, backoff, compose
from ..cycle.kode_pelapor import CODE_KINDS, code_of
from .queue import (ANTRI, GAGAL_SEMENTARA, GAGAL_TETAP, MENGIRIM, PERLU_PERIKSA, TERKIRIM, active_channels,
                    sending_channels)
from .relay import FORM_KINDS
from .validity import cancel_if_stale, cancel_stale, cancelled_line
from .pejabat import OFFICIAL_KINDS, official_outgoing

log = logging.getLogger("siapmas.notify")

MAX_ATTEMPTS = 12  # temporary failures before a message is given up (≈ 2.5 days of backoff)
MAX_POSSIBLE_DELIVERIES = 2  # the message and its one resend
UNSURE = "mungkin_terkirim"  # context key: how many sends may have delivered the message
PAGE = 500  # due messages looked at per cycle


@dataclass
class DeliveryReport:
    sent: int = 0
    forwarded: int = 0  # of `sent`: WhatsApp messages the Cloud API accepted (not known delivered)
    temporary: int = 0
    permanent: list[tuple[str, str, str]] = field(default_factory=list)  # (agenda, kind, reason)
    deferred: int = 0  # over the daily limit: tomorrow
    capped: int = 0  # over the per-address / per-complaint cap (notify.relay): tomorrow
    cancelled: int = 0  # no longer true when due: not sent (validity.py)
    no_address: list[str] = field(default_factory=list)  # new items without a valid address
    failure: SiapmasError | None = None
    unsure: list[tuple[str, str, str]] = field(default_factory=list)  # (agenda, kind, reason): perlu_periksa
    file_dir: Path | None = None  # transport "file": written as .eml files there, not sent

    def lines(self) -> list[str]:
        out = []
        if self.file_dir is not None and self.sent:
            mail = self.sent - self.forwarded
            if mail:
                out.append(f"Pesan ke pelapor: {mail} ditulis sebagai berkas .eml di {self.file_dir} "
                           "(transport = \"file\": tidak dikirim).")
            if self.forwarded or self.temporary or self.permanent:
                out.append(f"Pesan WhatsApp: {self.forwarded} diteruskan ke WhatsApp (belum tentu sampai)"
                           + (f", {self.temporary} gagal sementara (diulang otomatis)" if self.temporary else "")
                           + (f", {len(self.permanent)} gagal tetap" if self.permanent else "") + ".")
        elif self.sent or self.temporary or self.permanent or self.deferred or self.capped:
            mail = self.sent - self.forwarded
            out.append("Pesan ke pelapor: " + ", ".join(
                ([f"{mail} terkirim" + (" (e-mail)" if self.forwarded else "")] if mail or not self.forwarded else [])
                + ([f"{self.forwarded} diteruskan ke WhatsApp (belum tentu sampai)"] if self.forwarded else []))
                       + (f", {self.temporary} gagal sementara (diulang otomatis)" if self.temporary else "")
                       + (f", {len(self.permanent)} gagal tetap" if self.permanent else "")
                       + (f", {self.deferred} menunggu hari berikutnya (batas harian)" if self.deferred else "")
                       + (f", {self.capped} menunggu hari berikutnya (batas per alamat/aduan)" if self.capped else "")
                       + ".")
        if self.cancelled:
            out.append(cancelled_line(self.cancelled))
        for agenda, kind, reason in self.permanent:
            out.append(f"  - Pesan {kind} untuk {agenda} tidak dapat dikirim: {reason}")
        for agenda, kind, reason in self.unsure:  # said once: the cycle that marks it
            out.append(f"GALAT: Pesan {kind} untuk {agenda} mungkin sudah sampai ke pelapor ({reason}); "
                       "tidak dikirim lagi otomatis.")
            out.append("Saran: Periksa folder Terkirim akun e-mail atau tanyakan ke pelapor; bila belum sampai, "
                       "hubungi pelapor lewat telepon/WhatsApp. Status pesan: perlu_periksa (Kendali, kolom Pesan).")
        if self.no_address:
            out.append(f"Tanpa alamat e-mail yang sah (tidak dikirimi pesan): {len(self.no_address)} aduan ("
                       + ", ".join(self.no_address[:5]) + (", …" if len(self.no_address) > 5 else "") + ").")
        return out


def failpoint(name: str) -> None:
    """Crash here when SIAPMAS_TEST_FAILPOINT names this point (crash tests only)."""
    if os.environ.get("SIAPMAS_TEST_FAILPOINT") == name:
        os._exit(86)


def local_day_start(now: datetime, tz: Any) -> datetime:
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def deliver(ledger: Ledger, settings: Settings, wf: Workflow, out_dir: Path, clock: Callable[[], datetime],
            new_agendas: Sequence[str] = (),
            channels: Mapping[str, Callable[[], Channel]] | None = None) -> DeliveryReport:
    """Send what is due (see the module docstring). *channels*: channel name → factory of
    the channel that sends it (default: make_channel); built only when a message is due."""
    report = DeliveryReport()
    names = sending_channels(settings)
    report.cancelled = cancel_stale(ledger, wf, clock())  # hand-sent WhatsApp links included
    if new_agendas and MessageKind.TANDA_TERIMA in settings.notify.kinds and MessageChannel.EMAIL in active_channels(settings):
        report.no_address = _without_receipt(ledger, new_agendas)
    if not names:
        return report
    now = clock()
    # a WhatsApp kind without an approved template waits for the operator (Pemberitahuan):
    # never fetched here, so such messages cannot fill the page ahead of the e-mails
    templated = list(settings.notify.whatsapp.templates)
    # replies to an official's act before what form rows caused (notify.relay)
    due = ledger.due_messages({n: templated if n == MessageChannel.WHATSAPP else None for n in names}, now,
                              FORM_KINDS, PAGE)
    if not due:
        return report
    factories = dict(channels or {})
    open_: dict[str, Channel] = {}
    remaining: dict[str, int] = {}
    today: dict[str, tuple[Counter[str], Counter[str]]] = {}  # channel → form messages per address, per item
    stopped: set[str] = set()
    n = settings.notify
    try:
        for msg in due:
            name = MessageChannel(msg.channel)
            if name in stopped:
                continue
            if name not in open_:
                factory = factories.get(name) or partial(make_channel, settings, out_dir, name)
                open_[name] = factory()
                if name == MessageChannel.EMAIL and name not in factories and settings.notify.transport == "file":
                    report.file_dir = out_dir / "pesan"
                limit = open_[name].daily_limit()
                remaining[name] = (limit - _sent_since(ledger, local_day_start(now, settings.tz), name)
                                   if limit is not None else len(due))
                today[name] = _form_sent_since(ledger, local_day_start(now, settings.tz), name)
            channel = open_[name]
            handles = getattr(channel, "handles", None)
            if handles is not None and not handles(msg.kind):
                continue  # no approved template: the operator sends it from Pemberitahuan
            if remaining[name] <= 0:
                report.deferred += 1
                continue
            per_address, per_item = today[name]
            form = msg.kind in FORM_KINDS
            if form and (per_address[msg.recipient.casefold()] >= n.per_address_daily
                         or per_item[msg.key] >= n.per_item_daily):
                report.capped += 1
                continue
            sent_before = report.sent
            if not _send_one(ledger, settings, wf, out_dir, clock, channel, msg, report):
                stopped.add(name)
                continue
            remaining[name] -= 1
            if form and report.sent > sent_before:
                per_address[msg.recipient.casefold()] += 1
                per_item[msg.key] += 1
    finally:
        for channel in open_.values():
            channel.close()
    return report


def _send_one(ledger: Ledger, settings: Settings, wf: Workflow, out_dir: Path, clock: Callable[[], datetime],
              channel: Channel, msg: MessageRecord, report: DeliveryReport) -> bool:
    """Deliver one message; False when sending must stop for this cycle."""
    if msg.kind in OFFICIAL_KINDS:  # an official's digest or escalation (notify.pejabat): no item
        return _send_official(ledger, settings, clock, channel, msg, report)
    with ledger.engine.connect() as conn:
        item = ledger.item(msg.key, conn)
        resp = ledger.response_of(conn, msg.key)
        kode = code_of(conn, msg.key) if msg.channel == MessageChannel.EMAIL and msg.kind in CODE_KINDS else ""
    # the final letter leaves only as approved: never while its re-render is pending
    waiting = msg.kind == MessageKind.BALASAN_AKHIR and ledger.letter_rerender_pending(msg.key)
    if item is None or resp is None or waiting:
        return True
    now = clock()
    if cancel_if_stale(ledger, wf, msg, item, now):
        report.cancelled += 1
        return True
    ctx = dict(msg.context)
    possible = int(ctx.get(UNSURE, 0)) + (1 if msg.state == MENGIRIM else 0)  # a killed worker's send
    if possible >= MAX_POSSIBLE_DELIVERIES:
        _hold(ledger, settings, item, msg, ctx, possible, "pengiriman terputus dua kali", now, report)
        return True
    try:
        out = compose(settings, wf, out_dir, msg, item, resp.payload, resp.received_at, kode, issued=now)
    except NotReady:
        return True  # stays due; the attachment is rendered by a later cycle
    except SiapmasError as exc:
        report.failure = exc
        return False
    ctx[UNSURE] = possible
    ledger.update_message(msg.id, MENGIRIM, attempts=msg.attempts + 1, context=ctx)
    try:
        channel.send(out, now)
        failpoint("notify_after_send")
        failpoint(f"notify_after_send_{msg.channel}")
    except ChannelConfigError as exc:
        # not the message's fault: it stays due, with the reason shown to the operator
        ledger.update_message(msg.id, MessageState(msg.state) if msg.state != MENGIRIM else ANTRI,
                              attempts=msg.attempts, last_error=mask_text(exc.message))
        report.failure = exc
        log.error("Pengiriman pesan dihentikan: %s", exc.message)
        return False
    except TemporaryFailure as exc:
        reason = mask_text(str(exc))
        if exc.maybe_delivered:
            possible += 1
            ctx[UNSURE] = possible
            if possible >= MAX_POSSIBLE_DELIVERIES:
                _hold(ledger, settings, item, msg, ctx, possible, reason, now, report)
                return not exc.stop
            reason += " (mungkin sudah sampai; dikirim ulang sekali saja)"
        if msg.attempts + 1 >= MAX_ATTEMPTS:
            _give_up(ledger, settings, item, msg, f"{reason} (menyerah setelah {msg.attempts + 1} percobaan)", now, report)
        else:
            wait = backoff(msg.attempts + 1)
            if exc.retry_after:  # the service said when to come back: never sooner
                wait = max(wait, timedelta(seconds=exc.retry_after))
            ledger.update_message(msg.id, GAGAL_SEMENTARA, last_error=reason, next_attempt_at=now + wait, context=ctx)
            report.temporary += 1
        log.warning("Pesan %s untuk %s gagal sementara: %s", msg.kind, item.agenda_no, reason)
        return not exc.stop
    except PermanentFailure as exc:
        _give_up(ledger, settings, item, msg, mask_text(str(exc)), now, report)
        return True
    ledger.update_message(msg.id, TERKIRIM, sent_at=clock(), last_error="")
    if msg.channel == MessageChannel.WHATSAPP:  # accepted by the Cloud API (200 + id), delivery unknown
        report.forwarded += 1
    log.info("Pesan %s untuk %s %s", msg.kind, item.agenda_no, channel.outcome)
    report.sent += 1
    return True


def _hold(ledger: Ledger, settings: Settings, item: ItemRecord, msg: MessageRecord, ctx: dict[str, Any], possible: int, reason: str,
          now: datetime, report: DeliveryReport) -> None:
    """The message may already have arrived *possible* times: never sent again (perlu_periksa)."""
    stamp = now.astimezone(settings.tz).strftime("%d/%m %H.%M")
    ctx[UNSURE] = possible
    why = mask_text(f"{reason}; mungkin sudah sampai {possible} kali, tidak dikirim lagi")
    with ledger.tx() as conn:
        ledger.update_message(msg.id, PERLU_PERIKSA, conn=conn, last_error=why, context=ctx)
        ledger.set_item_message_note(
            conn, item.key, f"⚠ {stamp} Pesan {msg.kind} ke pelapor ({msg.channel}) perlu diperiksa: {why}")
    report.unsure.append((item.agenda_no, msg.kind, why))
    log.warning("Pesan %s untuk %s perlu diperiksa: %s", msg.kind, item.agenda_no, why)


def _send_official(ledger: Ledger, settings: Settings, clock: Callable[[], datetime], channel: Channel, msg: MessageRecord,
                   report: DeliveryReport) -> bool:
    now = clock()
    out = official_outgoing(settings, msg)
    ledger.update_message(msg.id, MENGIRIM, attempts=msg.attempts + 1)
    try:
        channel.send(out, now)
    except ChannelConfigError as exc:
        ledger.update_message(msg.id, ANTRI, attempts=msg.attempts, last_error=mask_text(exc.message))
        report.failure = exc
        return False
    except TemporaryFailure as exc:
        state = GAGAL_TETAP if msg.attempts + 1 >= MAX_ATTEMPTS else GAGAL_SEMENTARA
        ledger.update_message(msg.id, state, last_error=mask_text(str(exc)), next_attempt_at=now + backoff(msg.attempts + 1))
        return not exc.stop
    except PermanentFailure as exc:
        ledger.update_message(msg.id, GAGAL_TETAP, last_error=mask_text(str(exc)))
        log.warning("Pesan %s ke pejabat gagal tetap: %s", msg.kind, mask_text(str(exc)))
        return True
    ledger.update_message(msg.id, TERKIRIM, sent_at=clock(), last_error="")
    return True


def _give_up(ledger: Ledger, settings: Settings, item: ItemRecord, msg: MessageRecord, reason: str, now: datetime,
             report: DeliveryReport) -> None:
    stamp = now.astimezone(settings.tz).strftime("%d/%m %H.%M")
    with ledger.tx() as conn:
        ledger.update_message(msg.id, GAGAL_TETAP, conn=conn, last_error=reason)
        ledger.set_item_message_note(conn, item.key, f"✗ {stamp} Pesan {msg.kind} ke pelapor ({msg.channel}) gagal: {reason}")
    report.permanent.append((item.agenda_no, msg.kind, reason))
    log.warning("Pesan %s untuk %s gagal tetap: %s", msg.kind, item.agenda_no, reason)


def _sent_since(ledger: Ledger, start: datetime, channel: MessageChannel = MessageChannel.EMAIL) -> int:
    return ledger.sent_count_since(start, channel)


def _form_sent_since(ledger: Ledger, start: datetime, channel: MessageChannel) -> tuple[Counter[str], Counter[str]]:
    """Form-caused messages sent on *channel* since *start*: per address, per item."""
    rows = ledger.sent_since(start, channel, FORM_KINDS)
    return Counter(recipient.casefold() for recipient, _ in rows), Counter(key for _, key in rows)


def _without_receipt(ledger: Ledger, agendas: Sequence[str]) -> list[str]:
    return ledger.agendas_without_message(agendas, MessageKind.TANDA_TERIMA, MessageChannel.EMAIL)


def _as_json(r: MessageRecord, tz: Any) -> dict[str, Any]:
    return {"channel": r.channel, "kind": r.kind, "state": r.state, "attempts": r.attempts,
            "queued_at": r.created_at.astimezone(tz).isoformat(),
            "sent_at": r.sent_at.astimezone(tz).isoformat() if r.sent_at else None,
            "message_id": r.message_id, "error": r.last_error}


def item_messages(ledger: Ledger, tz: Any, key: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Item key → its messages, for ``status --json`` / ``show --json`` (never the recipient)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in ledger.message_records(key):
        out.setdefault(r.key, []).append(_as_json(r, tz))
    return out
