"""Registration: new responses become numbered agenda items (or duplicates of one).

A group of responses is registered inside one ledger transaction supplied by the caller,
so each agenda number sits in the same commit as its item, its two events and its
pending render — a crash loses or duplicates nothing. Within the group the decisions are
made in memory over what the ledger held when the group began plus what the group has
registered so far (another worker got there first? an identical submission within the
duplicate window? the next number of the year?), and the rows are written with one
statement per table: 50 responses cost a dozen statements instead of 450.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from .. import codec
from ..config import Settings
from ..core.intake import check_completeness
from ..core.intake.received import effective_received
from ..core.rerender import RenderKind
from ..core.kerahasiaan import keyword_hit
from ..cycle.kode_pelapor import code_row
from ..ledger import Ledger, Registrations, utc_iso
from ..logs import mask_text
from ..core.perihal import full_perihal as _full_perihal
from ..core.models import KURANG, Evidence, Finding, Submission
from ..notify import queue_duplicate, queue_registration
from ..core.routing import RoutingTable, suggest_routing
from ..sqldialect import lock_numbering
from ..cycle.writeback import format_wib

SYSTEM_ACTOR = "Sistem SIAPMAS"
STAGE_RECEIVED = "DITERIMA"
STAGE_REGISTERED = "TERAGENDA"


def perihal_from(kronologi: str, limit: int = 110) -> str:
    """A short subject: the first sentence of the chronology, cut at a word boundary."""
    text = mask_text(" ".join(kronologi.split()))  # a subject is shown beyond the reporter's own cells
    if not text:
        return "Aspirasi/pengaduan masyarakat (kronologi kosong)"
    m = re.search(r"(?<=[.!?])\s", text)
    first = text[: m.start()] if m else text
    if len(first) <= limit:
        return first.rstrip(".")
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


#: moved to core/perihal.py (pure); kept here for callers that import it from register
full_perihal = _full_perihal


def dedupe(findings: Sequence[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if (f.code, f.message) not in seen:
            seen.add((f.code, f.message))
            out.append(f)
    return out


@dataclass(frozen=True)
class Registered:
    """What became of one response: its agenda number, the key of the original when it
    was recorded as a duplicate (None for a new item), and whether the new item lacks
    something the booklet asks for (its completeness findings, computed once)."""

    agenda_no: str
    duplicate_of: str | None = None
    incomplete: bool = False


class Registrar:
    """Numbers responses; see the module docstring."""

    def __init__(self, settings: Settings, routing: RoutingTable, clock: Callable[[], datetime],
                 labels: tuple[str, str] = (STAGE_RECEIVED, STAGE_REGISTERED)) -> None:
        self.s = settings
        #: the configured labels of stages 0 and 1 (README lets an office rename them)
        self.labels = labels
        self.tz = settings.tz
        self.routing = routing
        self.clock = clock
        #: year → the highest number the sheet shows (set each cycle): the next number of a
        #: year is never below it, whatever the ledger's counter says
        self.floors: dict[int, int] = {}
        #: which ledger's numbering lock to take when several share one PostgreSQL database
        self.lock_scope = ""

    def register(
        self, conn: Connection, group: Sequence[tuple[Submission, list[Evidence], list[Finding]]]
    ) -> list[Registered]:
        """Register *group* (in receipt order) inside the caller's transaction."""
        now = self.clock()
        lock_numbering(conn, self.lock_scope)  # before anything is read (PostgreSQL; SQLite holds its write lock)
        window = timedelta(minutes=self.s.numbering.duplicate_window_minutes)
        keys = [sub.key for sub, _, _ in group]
        # what the ledger already holds for this group (a worker that got there first)
        # and the candidate originals of each content hash (earlier non-duplicate responses)
        hashes = list({sub.content_hash for sub, _, _ in group}) if window else []
        known = Ledger.recorded_for(conn, keys, hashes)
        already, agenda_of, originals = known.keys, known.agenda_of, known.originals
        rows = Registrations()
        seqs = rows.last_seq
        out: list[Registered] = []
        for sub, evidence, ev_findings in group:
            if sub.key in already:
                out.append(Registered(agenda_of.get(sub.key, "")))
                continue
            already.add(sub.key)
            received = self.received(sub, now)
            original = next((k for k, at in originals.get(sub.content_hash, ())
                             if abs(at - received) <= window), None) if window else None
            rows.responses.append({
                # the time it counts as received (intake.received); the payload keeps the form's
                "key": sub.key, "content_hash": sub.content_hash, "received_at": utc_iso(received),
                "payload": codec.dumps(codec.submission_to_dict(sub)), "duplicate_of": original,
                "first_seen_at": utc_iso(now),
            })
            if original is not None:
                agenda = agenda_of.get(original)
                if agenda is None:
                    agenda = Ledger.agenda_no_of(conn, original)
                    agenda_of[original] = agenda
                rows.events.append(_event(
                    original, now, "DIKIRIM ULANG", None, None, SYSTEM_ACTOR, "formulir",
                    f"Kiriman identik (baris {sub.source_row}, {format_wib(sub.received_at, self.tz)}) "
                    "dicatat sebagai duplikat, tanpa nomor baru.",
                ))
                rows.messages += queue_duplicate(self.s, sub.key, codec.submission_to_dict(sub), original, agenda, now)
                out.append(Registered(agenda, original))
                continue
            originals.setdefault(sub.content_hash, []).append((sub.key, received))
            agenda_of[sub.key], incomplete = self._new_item(conn, rows, seqs, sub, received, evidence, ev_findings, now)
            out.append(Registered(agenda_of[sub.key], incomplete=incomplete))
        Ledger.add_registrations(conn, rows)
        return out

    def received(self, sub: Submission, first_seen: datetime) -> datetime:
        """When *sub* counts as received (its timestamp unless implausible, see intake.received)."""
        return effective_received(sub.received_at, first_seen, self.s.source.form_start, self.tz)

    def _new_item(self, conn: Connection, rows: Registrations, seqs: dict[int, int], sub: Submission,
                  received: datetime, evidence: list[Evidence], ev_findings: list[Finding],
                  now: datetime) -> tuple[str, bool]:
        # the year of receipt; an implausible timestamp (1970, a wrong clock, a bad export)
        # opens no past or future year's sequence: *received* is then when we first saw it
        year = received.astimezone(self.tz).year
        if year not in seqs:
            last = Ledger.last_agenda_seq(conn, year)
            seqs[year] = max(last, self.floors.get(year, 0))
        seqs[year] += 1
        seq = seqs[year]
        n = self.s.numbering
        agenda_no = n.template.format(seq=seq, year=year, kode=n.kode_klasifikasi, unit=n.unit)
        findings = check_completeness(sub, evidence) + tuple(f for f in ev_findings if f not in sub.findings)
        routing = suggest_routing(sub.kronologi, self.routing)
        secret = keyword_hit(sub.kronologi, self.s.kerahasiaan.kata_kunci)  # rahasia from the first print
        received_label, registered_label = self.labels
        at = utc_iso(now)
        rows.items.append({
            "key": sub.key, "year": year, "seq": seq, "agenda_no": agenda_no, "registered_at": at,
            "updated_at": at, "tahap": registered_label, "stage_entered_at": at, "previous_tahap": received_label,
            "diteruskan_ke": None, "rahasia": secret is not None, "sifat": "Biasa", "perihal": perihal_from(sub.kronologi),
            "kode_klasifikasi": n.kode_klasifikasi,
            "routing": codec.dumps(codec.routing_to_dict(routing)),
            "findings": codec.dumps([codec.finding_to_dict(f) for f in dedupe(findings)]),
            "evidence": codec.dumps([codec.evidence_to_dict(e) for e in evidence]),
            "documents": "{}", "print_batch": None, "pesan": "", "kendali_state": "{}",
        })
        rows.events.append(_event(sub.key, received, STAGE_RECEIVED, None, received_label, "Pelapor",
                                  "formulir", "Diterima dari Google Formulir"))
        rows.events.append(_event(sub.key, now, STAGE_REGISTERED, received_label, registered_label, SYSTEM_ACTOR,
                                  "sistem", f"Nomor agenda {agenda_no}; usulan tujuan {routing.tujuan}"))
        if secret is not None:
            rows.events.append(_event(sub.key, now, "KERAHASIAAN", registered_label, registered_label, SYSTEM_ACTOR,
                                      "sistem", f"Identitas pelapor dirahasiakan sejak registrasi (kata kunci "
                                      f"\"{secret}\"); pejabat dapat membukanya dengan perintah buka-rahasia."))
        rows.outbox.append({"key": sub.key, "kind": RenderKind.RENDER.value, "created_at": at, "done_at": None})
        rows.messages += queue_registration(self.s, sub.key, codec.submission_to_dict(sub), agenda_no, now)
        rows.codes.append(code_row(sub.key, now))
        return agenda_no, any(f.severity == KURANG for f in findings)


def _event(key: str, at: datetime, name: str, from_stage: str | None, to_stage: str | None,
           actor: str, channel: str, note: str) -> dict[str, Any]:
    return {"key": key, "at": utc_iso(at), "event": name, "from_stage": from_stage, "to_stage": to_stage,
            "actor": actor, "channel": channel, "note": note}
