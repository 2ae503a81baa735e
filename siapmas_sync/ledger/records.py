"""What the ledger hands out: typed, frozen records, one per kind of row.

A record is built from a database row by the ledger alone (``from_row``); its JSON
columns are decoded once, on first use (``functools.cached_property``: a cycle that only
needs an item's stage never pays for its evidence list), and its timestamps are aware
datetimes. Nothing outside :mod:`siapmas_sync.ledger` sees a row or a column name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from .. import codec
from ..core.models import Evidence, Finding, RoutingSuggestion
from .values import from_iso


def _json(text: str | None, empty: Any) -> Any:
    return json.loads(text) if text else empty


@dataclass(frozen=True)
class ItemRecord:
    """A numbered submission as the ledger keeps it (table ``items``)."""

    key: str
    year: int
    seq: int
    agenda_no: str
    registered_at: datetime
    updated_at: datetime
    tahap: str  # the stage's canonical label when it was entered (compare by code: Workflow.find)
    stage_entered_at: datetime
    previous_tahap: str | None
    diteruskan_ke: str | None
    rahasia: bool
    sifat: str
    perihal: str
    kode_klasifikasi: str
    print_batch: str | None
    pesan: str
    #: the editable Kendali cells as last written (an opaque fingerprint, compared as text)
    kendali_state: str
    routing_json: str = field(repr=False, default="{}")
    findings_json: str = field(repr=False, default="[]")
    evidence_json: str = field(repr=False, default="[]")
    documents_json: str = field(repr=False, default="{}")
    disposisi_json: str = field(repr=False, default="{}")

    @cached_property
    def routing(self) -> RoutingSuggestion:
        return codec.routing_from_dict(_json(self.routing_json, {}))

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(codec.finding_from_dict(f) for f in _json(self.findings_json, []))

    @cached_property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(codec.evidence_from_dict(e) for e in _json(self.evidence_json, []))

    @cached_property
    def documents(self) -> Mapping[str, Any]:
        """Document kind → its path relative to the output folder."""
        return dict(_json(self.documents_json, {}))

    @cached_property
    def disposisi(self) -> Mapping[str, Any]:
        """What officials recorded beyond the stage: ``kepada``, ``harap``, ``laporan``, ``lampiran``."""
        return dict(_json(self.disposisi_json, {}))

    @classmethod
    def from_row(cls, row: Any) -> ItemRecord:
        m = row._mapping
        return cls(
            key=m["key"], year=m["year"], seq=m["seq"], agenda_no=m["agenda_no"],
            registered_at=from_iso(m["registered_at"]), updated_at=from_iso(m["updated_at"]),
            tahap=m["tahap"], stage_entered_at=from_iso(m["stage_entered_at"]),
            previous_tahap=m["previous_tahap"], diteruskan_ke=m["diteruskan_ke"],
            rahasia=bool(m["rahasia"]), sifat=m["sifat"], perihal=m["perihal"],
            kode_klasifikasi=m["kode_klasifikasi"], print_batch=m["print_batch"],
            pesan=m["pesan"] or "", kendali_state=m["kendali_state"] or "{}",
            routing_json=m["routing"], findings_json=m["findings"], evidence_json=m["evidence"],
            documents_json=m["documents"] or "{}", disposisi_json=m["disposisi"] or "{}",
        )


@dataclass(frozen=True)
class EventRecord:
    """One line of the audit trail (table ``events``); never rewritten."""

    id: int
    key: str
    at: datetime
    event: str
    from_stage: str | None
    to_stage: str | None
    actor: str
    channel: str
    note: str

    @classmethod
    def from_row(cls, row: Any) -> EventRecord:
        m = row._mapping
        return cls(id=m["id"], key=m["key"], at=from_iso(m["at"]), event=m["event"],
                   from_stage=m["from_stage"], to_stage=m["to_stage"], actor=m["actor"],
                   channel=m["channel"], note=m["note"] or "")


@dataclass(frozen=True)
class OutboxEntry:
    """One pending (or done) side effect of an item (table ``outbox``)."""

    id: int
    key: str
    kind: str
    created_at: datetime
    done_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> OutboxEntry:
        m = row._mapping
        return cls(id=m["id"], key=m["key"], kind=m["kind"], created_at=from_iso(m["created_at"]),
                   done_at=from_iso(m["done_at"]) if m["done_at"] else None)


@dataclass(frozen=True)
class MessageRecord:
    """One reply to a citizen (table ``messages``). ``recipient`` is the reporter's
    address or number: never log or show it in clear."""

    id: int
    key: str
    channel: str
    kind: str
    recipient: str = field(repr=False)
    message_id: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str
    sent_at: datetime | None
    context_json: str = field(repr=False, default="{}")

    @cached_property
    def context(self) -> Mapping[str, Any]:
        """What the event said (reason, AKD, …)."""
        return dict(_json(self.context_json, {}))

    @classmethod
    def from_row(cls, row: Any) -> MessageRecord:
        m = row._mapping
        return cls(id=m["id"], key=m["key"], channel=m["channel"], kind=m["kind"], recipient=m["recipient"],
                   message_id=m["message_id"], state=m["state"], attempts=m["attempts"],
                   created_at=from_iso(m["created_at"]), next_attempt_at=from_iso(m["next_attempt_at"]),
                   last_error=m["last_error"] or "", sent_at=from_iso(m["sent_at"]) if m["sent_at"] else None,
                   context_json=m["context"] or "{}")


@dataclass(frozen=True)
class ResponseRecord:
    """One form response as recorded (table ``responses``): numbered or not."""

    key: str
    content_hash: str
    received_at: datetime  # the effective received time (intake.received)
    duplicate_of: str | None
    first_seen_at: datetime
    payload_json: str = field(repr=False, default="{}")

    @cached_property
    def payload(self) -> Mapping[str, Any]:
        """The submission as stored (codec.submission_to_dict)."""
        return dict(_json(self.payload_json, {}))

    @classmethod
    def from_row(cls, row: Any) -> ResponseRecord:
        m = row._mapping
        return cls(key=m["key"], content_hash=m["content_hash"], received_at=from_iso(m["received_at"]),
                   duplicate_of=m["duplicate_of"], first_seen_at=from_iso(m["first_seen_at"]),
                   payload_json=m["payload"])


@dataclass(frozen=True)
class ItemDocuments:
    """What the print batch, the uploads and the documents check read of an item: its
    files, without its evidence and findings (a 100,000-item scan never decodes those)."""

    key: str
    agenda_no: str
    year: int
    seq: int
    print_batch: str | None
    documents_json: str = field(repr=False, default="{}")

    @cached_property
    def documents(self) -> Mapping[str, Any]:
        """Document kind → its path relative to the output folder (plus ``links`` and the
        uploads' ``unggahan``)."""
        return dict(_json(self.documents_json, {}))

    @classmethod
    def from_row(cls, row: Any) -> ItemDocuments:
        m = row._mapping
        return cls(key=m["key"], agenda_no=m["agenda_no"], year=m["year"], seq=m["seq"],
                   print_batch=m["print_batch"], documents_json=m["documents"] or "{}")


@dataclass(frozen=True)
class PrintedDoc:
    """One PDF as it reached a print batch (table ``printed``): printed again only when
    its content (``sha256``) changes."""

    key: str
    rel: str
    sha256: str
    batch: str
    at: datetime


@dataclass(frozen=True)
class SuratKeluarRecord:
    """An approved final letter (table ``surat_keluar``): its number, once and for all."""

    key: str
    year: int
    seq: int
    nomor: str
    approved_at: datetime
    approved_by: str
    signer_json: str = field(repr=False, default="{}")

    @cached_property
    def signer(self) -> Mapping[str, str]:
        """The signature block as printed: ``nama``, ``nip``, ``jabatan``."""
        return dict(_json(self.signer_json, {}))

    @classmethod
    def from_row(cls, row: Any) -> SuratKeluarRecord:
        m = row._mapping
        return cls(key=m["key"], year=m["year"], seq=m["seq"], nomor=m["nomor"],
                   approved_at=from_iso(m["approved_at"]), approved_by=m["approved_by"],
                   signer_json=m["signer"] or "{}")


@dataclass(frozen=True)
class RekapItemRecord:
    """What the rekap reads of one numbered item received in a period: the item's public
    columns, when it counts as received, and of its submission only the chronology and the
    extra answers (never the contacts)."""

    key: str
    agenda_no: str
    received_at: datetime
    tahap: str
    stage_entered_at: datetime
    diteruskan_ke: str | None
    rahasia: bool
    perihal: str
    suggested: str  # the routing's suggested AKD ("" when none)
    kronologi: str
    findings_json: str = field(repr=False, default="[]")
    extra_json: str = field(repr=False, default="[]")

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(codec.finding_from_dict(f) for f in _json(self.findings_json, []))

    @cached_property
    def extra(self) -> tuple[tuple[str, str], ...]:
        """The form's extra answers (question title, answer)."""
        return tuple((str(t), str(v) if v is not None else "") for t, v in _json(self.extra_json, []))

    @classmethod
    def from_row(cls, row: Any) -> RekapItemRecord:
        m = row._mapping
        return cls(key=m["key"], agenda_no=m["agenda_no"], received_at=from_iso(m["received_at"]),
                   tahap=m["tahap"], stage_entered_at=from_iso(m["stage_entered_at"]),
                   diteruskan_ke=m["diteruskan_ke"], rahasia=bool(m["rahasia"]), perihal=m["perihal"] or "",
                   suggested=m["suggested"] or "", kronologi=m["kronologi"] or "",
                   findings_json=m["findings"] or "[]", extra_json=m["extra"] or "[]")


@dataclass(frozen=True)
class KelengkapanPending:
    """A response that quotes a known agenda number without that item's code (table
    ``kelengkapan_pending``): it waits for an operator's decision, or has one."""

    key: str
    item_key: str | None  # the one known item it quotes (None when it quotes several)
    agenda_nos: str  # the known numbers it quotes, ", "-separated
    source_row: int
    content_hash: str
    at: datetime
    decision: str | None  # None while waiting; kelengkapan.Decision's value
    decided_by: str | None
    decided_at: datetime | None
    payload_json: str = field(repr=False, default="{}")
    evidence_json: str = field(repr=False, default="[]")

    @cached_property
    def payload(self) -> Mapping[str, Any]:
        """The submission as stored (codec.submission_to_dict)."""
        return dict(_json(self.payload_json, {}))

    @cached_property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(codec.evidence_from_dict(e) for e in _json(self.evidence_json, []))

    @classmethod
    def from_row(cls, row: Any) -> KelengkapanPending:
        m = row._mapping
        return cls(key=m["key"], item_key=m["item_key"], agenda_nos=m["agenda_nos"], source_row=m["source_row"],
                   content_hash=m["content_hash"], at=from_iso(m["at"]), decision=m["decision"],
                   decided_by=m["decided_by"], decided_at=from_iso(m["decided_at"]) if m["decided_at"] else None,
                   payload_json=m["payload"] or "{}", evidence_json=m["evidence"] or "[]")


@dataclass(frozen=True)
class ResponseAgenda:
    """A response that is not an item of its own — a resubmission or a kelengkapan — and
    the agenda number of the item it belongs to (its status row shows that number)."""

    key: str
    agenda_no: str


@dataclass(frozen=True)
class PublicStamp:
    """How far the ledger had gone when the public view was last made (publik/step.py):
    its items, the latest time an item was registered or changed (UTC ISO, as stored) and
    the newest event's id."""

    items: int
    changed: str
    last_event: int
