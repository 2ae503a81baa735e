"""The *Pemberitahuan* tab: one row per WhatsApp message to a reporter, for the operator.

Each row carries the agenda number, the kind of message, the reporter's name
("Dirahasiakan" for a rahasia item), a click-to-chat link
``https://wa.me/<E.164 digits>?text=<message>`` that opens WhatsApp with the text filled
in, the state and its reason, and two cells the operator fills: *Terkirim* (a checkbox on
Google, TRUE/FALSE or "x" in the local workbook) and *Oleh* (who sent it; a dropdown of
``[[pejabat]]`` as in Kendali). When a tick is read, the next cycle records the message as
sent — who and when — in the ledger (the source of truth) and in the item's Riwayat; the
tab then shows what the ledger says. Cells are rewritten only when their value changes
(sheetplan.TableDiff).

Personal data: the link necessarily holds the reporter's own number (it is how the
operator reaches them). It is shown here only, in the operator's spreadsheet / local
register, and only while the message still has to be sent: once sent, the link cell is
emptied. The number is never in another tab, in logs, in JSON or on the public view; a
message never holds anyone else's data (notify.compose).

Pure functions over plain rows (:func:`desired_row`, :func:`find_ticks`); the adapters
(:func:`record_ticks`, :func:`plan_rows`) read and write the ledger.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import SiapmasError
from ..core.kendali_sheet import truthy
from ..ledger import ItemRecord, Ledger, MessageRecord, utc_iso
from ..core.models import MessageChannel, MessageKind
from ..logs import mask_text
from ..core.recorded import Pejabat, resolve_person
from ..core.sheetplan import DigestReader, DigestTable, TableDiff, TablePlan, cell_text
from ..wa.link import click_to_chat
from ..core.workflow import Workflow
from .compose import NotReady, compose
from .queue import ANTRI, DIBATALKAN, GAGAL_SEMENTARA, GAGAL_TETAP, MENGIRIM, PERLU_PERIKSA, TERKIRIM

PEMBERITAHUAN_TAB = "Pemberitahuan"
PEMBERITAHUAN_COLUMNS: tuple[str, ...] = (
    "ID", "No. Agenda", "Jenis", "Pelapor", "Tautan WhatsApp", "Status", "Keterangan", "Terkirim", "Oleh", "Dikirim",
)
EDITABLE: tuple[str, ...] = ("Terkirim", "Oleh")
KIND_LABELS: dict[str, str] = {MessageKind.TANDA_TERIMA: "Tanda terima", MessageKind.KELENGKAPAN: "Permintaan kelengkapan",
               MessageKind.PENOLAKAN: "Penolakan", MessageKind.DITERUSKAN: "Diteruskan",
               MessageKind.BALASAN_AKHIR: "Balasan akhir", MessageKind.DUPLIKAT: "Kiriman ulang (duplikat)",
               MessageKind.KELENGKAPAN_DITERIMA: "Kelengkapan diterima"}
DIRAHASIAKAN = "Dirahasiakan"
SENT_EVENT = "PESAN WHATSAPP TERKIRIM"
#: a message the Cloud API accepted (HTTP 200 with a message id): forwarded, not known delivered
FORWARDED = "Diteruskan ke WhatsApp"
FORWARDED_NOTE = "Sampai atau tidaknya ke pelapor tidak diketahui (WhatsApp tidak melapor balik ke worker ini)."
PAGE = 500
#: ledger meta: when the last complete write-back was planned (UTC ISO; see plan_tab)
LINKS_META = "pemberitahuan_planned_at"


def row_id(msg_id: int) -> str:
    return f"WA-{msg_id}"


def status_text(state: str, manual: bool) -> str:
    """The state as the operator reads it."""
    labels: dict[str, str] = {
        ANTRI: "Menunggu dikirim operator" if manual else "Dalam antrean (Cloud API)",
        MENGIRIM: "Sedang dikirim",
        TERKIRIM: "Terkirim",
        GAGAL_SEMENTARA: "Gagal sementara; dicoba lagi otomatis",
        GAGAL_TETAP: "Gagal; kirim manual lewat tautan",
        PERLU_PERIKSA: "Mungkin sudah terkirim; periksa sebelum mengirim ulang",
        DIBATALKAN: "Dibatalkan; jangan dikirim (alasannya tidak berlaku lagi)",
    }
    return labels.get(state, state)


@dataclass(frozen=True)
class Tick:
    """The operator ticked *Terkirim* for message *msg_id*; *by* as typed in *Oleh*."""

    msg_id: int
    by: str


def pemberitahuan_reader(watch: Any = None) -> DigestReader:
    """How a cycle reads the tab: fingerprints, plus Terkirim/Oleh as typed."""
    return DigestReader(PEMBERITAHUAN_TAB, PEMBERITAHUAN_COLUMNS, "ID", EDITABLE, watch=watch)


def find_ticks(table: DigestTable | None, states: Mapping[int, str]) -> list[Tick]:
    """Messages the tab says were sent and the ledger does not (pure). *states*: message
    id → ledger state, of WhatsApp messages only (a typed ID that is not one is ignored)."""
    if table is None or not table.kept_columns:
        return []
    out = []
    for key, r in table.rows_to_judge():  # after a tail read: the rows changed since the last one
        if not key.startswith("WA-") or not key[3:].isdigit():
            continue
        msg_id = int(key[3:])
        kept = table.kept.get(r)
        if kept is None or msg_id not in states or states[msg_id] == TERKIRIM:
            continue
        terkirim, oleh = kept
        if truthy(terkirim):
            out.append(Tick(msg_id, " ".join(cell_text(oleh).split())))
    return sorted(out, key=lambda t: t.msg_id)


def who(by: str, people: Sequence[Pejabat]) -> str:
    """The person recorded as sender: the configured label, else what was typed (masked),
    else "Operator"."""
    if not by:
        return "Operator (Pemberitahuan)"
    try:
        return resolve_person(by, people)
    except SiapmasError:
        return mask_text(by)


def desired_row(msg: MessageRecord, item: ItemRecord, nama: str, link: str | None, manual: bool,
                tz: Any) -> dict[str, object]:
    """What the tab should show for one message (pure). Until the message is sent,
    *Terkirim* and *Oleh* are the operator's: they are not in the row (never overwritten)."""
    ctx = msg.context
    sent = msg.state == TERKIRIM
    row: dict[str, object] = {
        "ID": row_id(msg.id),
        "No. Agenda": item.agenda_no,
        "Jenis": KIND_LABELS.get(msg.kind, msg.kind),
        "Pelapor": DIRAHASIAKAN if item.rahasia else (nama or "Pelapor"),
        "Tautan WhatsApp": "" if sent else (link or ""),
        "Status": status_text(msg.state, manual),
        "Keterangan": msg.last_error or "",
        "Dikirim": msg.sent_at.astimezone(tz).strftime("%d/%m/%Y %H.%M") if sent and msg.sent_at else "",
    }
    if sent and "terkirim_oleh" not in ctx:
        # the Cloud API's 200 + message id means Meta accepted it, not that it arrived: an
        # undeliverable number is reported later by webhook, which an office worker never
        # receives. Said as such; *Terkirim* stays the operator's (never ticked for them).
        row["Status"] = FORWARDED
        row["Keterangan"] = msg.last_error or FORWARDED_NOTE
        row["Oleh"] = "WhatsApp Cloud API"
    elif sent:
        row["Terkirim"] = True
        row["Oleh"] = ctx["terkirim_oleh"]
    return row


def wa_text(subject: str, body: str) -> str:
    """The text a click-to-chat link fills in: the subject in bold, then the body."""
    return f"*{subject}*\n\n{body.strip()}"


def plan_rows(ledger: Ledger, settings: Settings, wf: Workflow, out_dir: Path,
              shown: Callable[[MessageRecord, ItemRecord], bool] = lambda m, item: False,
              after: int = 0) -> Iterator[dict[str, object]]:
    """The tab's rows, from the ledger, in message order (a page of messages at a time),
    of the messages after id *after* (a tail read plans only the new ones: tailread).
    A message for which *shown(message, item)* is true keeps the link the tab shows: it
    is not composed again (the row then has no "Tautan WhatsApp")."""
    manual = settings.notify.whatsapp.mode == "manual"
    last = after
    while True:
        page = ledger.messages_after(MessageChannel.WHATSAPP, last, PAGE)
        if not page:
            return
        keys = list({m.key for m in page})
        item_of = {r.key: r for r in ledger.item_records(keys)}
        resp_of = ledger.responses_of(keys)
        last = page[-1].id
        for m in page:
            item, resp = item_of.get(m.key), resp_of.get(m.key)
            if item is None or resp is None:
                continue
            payload = resp.payload
            link = None
            if m.state not in (TERKIRIM, DIBATALKAN) and shown(m, item):
                nama = m.context.get("nama") or payload.get("nama") or ""
                row = desired_row(m, item, nama.strip(), None, manual, settings.tz)
                del row["Tautan WhatsApp"]
                yield row
                continue
            if m.state not in (TERKIRIM, DIBATALKAN):
                try:
                    out = compose(settings, wf, out_dir, m, item, payload, resp.received_at)
                    link = click_to_chat("+" + m.recipient, wa_text(out.subject, out.text))
                except NotReady:
                    link = None
            nama = m.context.get("nama") or payload.get("nama") or ""  # the recipient's own
            yield desired_row(m, item, nama.strip(), link, manual, settings.tz)


def wa_states(ledger: Ledger, table: DigestTable | None = None) -> dict[int, str]:
    """Message id → state of the WhatsApp messages (those *table* would judge only, after a
    change read: tailread)."""
    keys = table.keys_to_judge() if table is not None else None
    ids = None if keys is None else [int(k[3:]) for k in keys if k.startswith("WA-") and k[3:].isdigit()]
    return ledger.message_states(MessageChannel.WHATSAPP, ids)


def record_ticks(ledger: Ledger, ticks: Sequence[Tick], people: Sequence[Pejabat], now: datetime) -> list[str]:
    """Record each ticked message as sent (who, when) with an event in the item's history;
    returns one line per message for the cycle's summary."""
    lines = []
    for t in ticks:
        with ledger.tx() as conn:
            msg = ledger.message(conn, t.msg_id)
            if msg is None or msg.state == TERKIRIM:
                continue
            item = ledger.item(msg.key, conn)
            if item is None:
                continue
            by = who(t.by, people)
            ctx = {**msg.context, "terkirim_oleh": by}
            ledger.update_message(msg.id, TERKIRIM, conn=conn, sent_at=now, last_error="", context=ctx)
            ledger.add_event(conn, msg.key, now, SENT_EVENT, from_stage=item.tahap, to_stage=item.tahap, actor=by,
                             channel="pemberitahuan",
                             note=f"Pesan {KIND_LABELS.get(msg.kind, msg.kind).lower()} dikirim lewat WhatsApp")
        lines.append(f"{item.agenda_no} ({KIND_LABELS.get(msg.kind, msg.kind)}) oleh {by}")
    return lines


def apply_ticks(table: DigestTable | None, ledger: Ledger, people: Sequence[Pejabat], now: datetime) -> list[str]:
    """This cycle's ticks read from the tab, recorded (summary lines)."""
    if table is None:
        return []
    return record_ticks(ledger, find_ticks(table, wa_states(ledger, table)), people, now)


#: item columns kept up to date without a change of the item (no updated_at): printed and
#: uploaded documents, the Kendali cells last written, the operator's notes
BOOKKEEPING = frozenset({"documents_json", "print_batch", "kendali_state", "pesan"})


def item_fingerprint(item: ItemRecord) -> str:
    """What an item says, in short: an item stamped in the very second of a plan is
    known unchanged since only if it still says the same (stamps have second precision)."""
    said = sorted((f.name, getattr(item, f.name)) for f in fields(item) if f.name not in BOOKKEEPING)
    return hashlib.sha256(repr(said).encode()).hexdigest()[:16]


@dataclass
class LinksMark:
    """What a complete write-back planned (LINKS_META), for the next cycle's plan_tab.

    *at*: the plan's UTC ISO second. Ledger stamps have second precision, so a stamp equal
    to *at* alone cannot tell a change made before the plan (in the sheet) from one made
    after it in the same second: *last_message* (the highest message id planned) and
    *same_second* (item key → item_fingerprint of the items stamped *at* when planned)
    tell them apart — else every message and item of the plan's second was composed
    again on the next cycle."""

    at: str
    last_message: int = 0
    same_second: dict[str, str] = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps({"at": self.at, "last_message": self.last_message, "same_second": self.same_second},
                          sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> LinksMark | None:
        """The stored mark; a bare timestamp (as stored before) is a mark without the extras."""
        if not text:
            return None
        if not text.lstrip().startswith("{"):
            return cls(text.strip())
        try:
            d = json.loads(text)
            return cls(str(d["at"]), int(d.get("last_message") or 0),
                       {str(k): str(v) for k, v in (d.get("same_second") or {}).items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable: every link composed again (as in a full read)

    def vouches(self, m: MessageRecord, item: ItemRecord) -> bool:
        """The message and its item are as they were when this plan was made."""
        created, updated = utc_iso(m.created_at), utc_iso(item.updated_at)
        known = created < self.at or (created == self.at and m.id <= self.last_message)
        same = updated < self.at or (
            updated == self.at and self.same_second.get(item.key) == item_fingerprint(item))
        return known and same


def plan_tab(table: DigestTable | None, ledger: Ledger, settings: Settings, wf: Workflow, out_dir: Path,
             since: LinksMark | str | None = None, mark: LinksMark | None = None, after: int = 0) -> TablePlan:
    """The cells of the tab that differ from what the ledger says (nothing when none).

    *since*: what the last complete write-back planned (LINKS_META, LinksMark). A
    message the tab already shows, created before then, about an item unchanged since, keeps the
    link the tab shows — composing every waiting message's text again on every cycle
    cost seconds per thousand messages. The final reply (its attachment decides whether
    there is a link) is always composed; a cycle without *since* (the periodic full
    read, cycle/idle.py) composes every link again, so an edited template reaches the tab.
    *mark* (its *at* set by the caller) is filled with what this plan saw, for the next.
    *after*: only the messages after that id (appended after a tail read, tailread)."""
    diff = TableDiff(table, PEMBERITAHUAN_TAB, PEMBERITAHUAN_COLUMNS, "ID")
    listed = table.row_of if table is not None else {}
    if isinstance(since, str):
        since = LinksMark.loads(since)

    def shown(m: MessageRecord, item: ItemRecord) -> bool:
        if mark is not None:
            mark.last_message = max(mark.last_message, m.id)
            if utc_iso(item.updated_at) == mark.at:
                mark.same_second[item.key] = item_fingerprint(item)
        return (since is not None and row_id(m.id) in listed and m.kind != MessageKind.BALASAN_AKHIR
                and since.vouches(m, item))

    for row in plan_rows(ledger, settings, wf, out_dir, shown, after):
        diff.compare(row)
    return diff.result()


def controls(people: Sequence[str]) -> dict[str, list[str]]:
    """Dropdown of who sent (*Oleh*), as in Kendali; *Terkirim* is a checkbox (backends)."""
    return {"Oleh": list(people)} if people else {}
