"""The ledger's tables and their version: the one place that names a column (the names
``status`` also reads without SQLAlchemy, and the version, come from :mod:`.names`).

Only modules inside :mod:`siapmas_sync.ledger` import these tables; everything else asks
the :class:`~siapmas_sync.ledger.Ledger` for typed records (:mod:`.records`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from . import names as n


metadata = MetaData()


def Str(length: int) -> Any:
    """A VARCHAR(*length*) on SQLite (which never enforces the length) and TEXT on
    PostgreSQL (which would): the code was written to SQLite's rules and never truncates,
    so an operator's long "Oleh" cell must not fail on one database and pass on the other."""
    return String(length).with_variant(Text(), "postgresql")


meta = Table(
    n.META,
    metadata,
    Column(n.META_NAME, Str(64), primary_key=True),
    Column(n.META_VALUE, Text, nullable=False),
)

responses = Table(
    n.RESPONSES,
    metadata,
    Column("key", Str(64), primary_key=True),
    Column("content_hash", Str(64), nullable=False, index=True),
    # UTC ISO-8601: when it counts as received — the form's timestamp unless implausible
    # (then when the worker first saw it, intake.received); the payload keeps the form's
    Column("received_at", Str(32), nullable=False),
    Column("payload", Text, nullable=False),  # the Submission as JSON
    Column("duplicate_of", Str(64)),  # key of the first submission, when a resubmission
    Column("first_seen_at", Str(32), nullable=False),
)

#: responses that are the *kelengkapan* of an existing item (they quote its agenda number):
#: linked to it, never numbered (siapmas_sync/cycle/kelengkapan.py). The response row itself has
#: ``duplicate_of`` = the item's key, so it is never taken for an original.
kelengkapan_links = Table(
    n.KELENGKAPAN_LINKS,
    metadata,
    Column("key", String(64), primary_key=True),  # the response's key
    Column("item_key", String(64), nullable=False, index=True),
    Column("at", String(32), nullable=False),
)

#: the reporter's private code of each item (cycle/kode_pelapor.py): a kelengkapan response is
#: linked only when it quotes the number *and* this code. Its own table, so that no export
#: of ``items`` (status/show JSON, registers, backups' listings) can carry it.
receipt_codes = Table(
    n.RECEIPT_CODES,
    metadata,
    Column("key", Str(64), primary_key=True),  # the item's key
    Column("code", Str(16), nullable=False),
    Column("created_at", Str(32), nullable=False),
)

#: responses that quote a known agenda number without that item's code: they wait for an
#: operator's decision (cycle/kelengkapan.py) — nothing numbered, linked, sent or printed until then
kelengkapan_pending = Table(
    n.KELENGKAPAN_PENDING,
    metadata,
    Column("key", Str(64), primary_key=True),  # the response's key
    Column("item_key", Str(64)),  # the one known item it quotes (None when it quotes several)
    Column("agenda_nos", Text, nullable=False),  # the known numbers it quotes, ", "-separated
    Column("source_row", Integer, nullable=False),
    Column("content_hash", Str(64), nullable=False),
    Column("payload", Text, nullable=False),  # the Submission as JSON
    Column("evidence", Text, nullable=False, default="[]"),  # [Evidence] JSON found for it
    Column("at", Str(32), nullable=False),
    Column("decision", Str(16)),  # None while waiting; "tautkan" / "baru"
    Column("decided_by", Str(128)),
    Column("decided_at", Str(32)),
)

counters = Table(
    n.COUNTERS,
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

items = Table(
    n.ITEMS,
    metadata,
    Column("key", Str(64), primary_key=True),
    Column(n.ITEM_YEAR, Integer, nullable=False),
    Column(n.ITEM_SEQ, Integer, nullable=False),
    Column("agenda_no", Str(128), nullable=False, unique=True),
    Column("registered_at", Str(32), nullable=False),
    Column("updated_at", Str(32), nullable=False),
    Column(n.ITEM_STAGE, Str(64), nullable=False),
    Column("stage_entered_at", Str(32), nullable=False),
    Column("previous_tahap", Str(64)),
    Column("diteruskan_ke", Str(64)),
    Column("rahasia", Boolean, nullable=False, default=False),
    Column("sifat", Str(32), nullable=False, default="Biasa"),
    Column("perihal", Text, nullable=False),
    Column("kode_klasifikasi", Str(64), nullable=False),
    Column("routing", Text, nullable=False),  # RoutingSuggestion JSON
    Column("findings", Text, nullable=False),  # [Finding] JSON
    Column("evidence", Text, nullable=False),  # [Evidence] JSON
    Column("documents", Text, nullable=False, default="{}"),  # {kind: relative path}
    Column("print_batch", Text),  # relative path of the batch PDF that included it
    Column("pesan", Text, nullable=False, default=""),  # last answer to an operator (Kendali)
    Column("kendali_state", Text, nullable=False, default="{}"),  # editable cells as last written
    # what officials recorded beyond the stage: {"kepada": [AKD…], "harap": [...],
    # "laporan": text, "lampiran": link} (see disposisi_fields.py); schema version 2
    Column("disposisi", Text, nullable=False, default="{}"),
    UniqueConstraint("year", "seq", name="uq_items_year_seq"),
)

events = Table(
    n.EVENTS,
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Str(64), nullable=False, index=True),
    Column("at", Str(32), nullable=False),
    Column("event", Str(64), nullable=False),
    Column("from_stage", Str(64)),
    Column("to_stage", Str(64)),
    Column("actor", Str(128), nullable=False),
    Column("channel", Str(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
)

outbox = Table(
    n.OUTBOX,
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Str(64), nullable=False, index=True),
    Column("kind", Str(32), nullable=False),
    Column("created_at", Str(32), nullable=False),
    Column("done_at", Str(32)),
)

#: replies to citizens (notify/): queued in the transaction of the event that causes them
messages = Table(
    n.MESSAGES,
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Str(64), nullable=False, index=True),  # the item's key (a duplicate: its response's)
    Column("channel", Str(16), nullable=False),  # "email" (later "whatsapp")
    Column("kind", Str(32), nullable=False),  # tanda_terima, kelengkapan, penolakan, …
    Column("recipient", Text, nullable=False),  # as given by the reporter; never logged in clear
    Column("context", Text, nullable=False, default="{}"),  # what the event said (reason, AKD, …) JSON
    Column("message_id", Str(255), nullable=False, unique=True),  # stable Message-ID
    Column("state", Str(24), nullable=False, index=True),  # antri/mengirim/terkirim/gagal_sementara/gagal_tetap/perlu_periksa
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Str(32), nullable=False),
    Column("next_attempt_at", Str(32), nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("sent_at", Str(32)),
)


#: outgoing letters (surat keluar, cycle/surat_keluar.py): one gapless sequence per year, its own
#: counter; a number is taken in the approval's transaction and never given again
surat_keluar_counters = Table(
    n.SURAT_KELUAR_COUNTERS,
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

surat_keluar = Table(
    n.SURAT_KELUAR,
    metadata,
    Column("key", Str(64), primary_key=True),  # the item the letter answers (one final letter each)
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("nomor", Str(128), nullable=False, unique=True),
    Column("approved_at", Str(32), nullable=False),
    Column("approved_by", Str(128), nullable=False),  # "Nama (Plh. Sekretaris DPRD)"
    Column("signer", Text, nullable=False, default="{}"),  # {nama, nip, jabatan} as printed
    UniqueConstraint("year", "seq", name="uq_surat_keluar_year_seq"),
)


#: what officials were told (notify/pejabat.py): one row per item arrival (digest) or per
#: item, stage and day (escalation) and recipient — each told at most once
official_notices = Table(
    n.OFFICIAL_NOTICES,
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Str(32), nullable=False),
    Column("recipient", Str(255), nullable=False),
    Column("ref", Str(255), nullable=False),
    Column("at", Str(32), nullable=False),
    UniqueConstraint("kind", "recipient", "ref", name="uq_official_notices"),
)


#: every PDF that reached a print batch, by content: a re-render that changes a file
#: makes it print again (once), an identical one does not
printed = Table(
    n.PRINTED,
    metadata,
    Column("key", Str(64), nullable=False, index=True),
    Column("rel", Text, nullable=False),  # the document's path relative to the output folder
    Column("sha256", Str(64), nullable=False),  # of its bytes when printed
    Column("batch", Text, nullable=False),  # the print file (relative path) that held it
    Column("at", Str(32), nullable=False),
    UniqueConstraint("key", "rel", "sha256", name="uq_printed"),
)


#: the indexes a cycle's own questions need on a 100,000-item ledger ("what changed since
#: the last write-back?", "which renders still wait?", "which items are not in a print
#: batch yet?"): without them each is a pass over a whole table, several times a cycle.
#: Added to a ledger of any version when it is opened (Ledger._migrate): an index changes
#: no answer, so the schema version stays and an older program reads the file as before.
CYCLE_INDEXES = (
    Index("ix_items_updated_at", items.c.updated_at),
    Index("ix_items_registered_at", items.c.registered_at),
    Index("ix_items_print_batch", items.c.print_batch),
    Index("ix_outbox_open", outbox.c.done_at, outbox.c.kind),
)
