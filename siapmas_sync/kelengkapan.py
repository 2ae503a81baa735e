"""A new form response that quotes an existing agenda number is that item's *kelengkapan*
(what the reporter was asked to complete), not a new complaint.

The receipt and the *Permintaan kelengkapan* tell the reporter to send what is missing by
a new form response quoting the agenda number ("kelengkapan untuk nomor 0003/SIAPMAS/2026",
in the chronology or any other answer). Such a response is:

* linked to the item (``kelengkapan_links``), never numbered, and gets no receipt — only,
  when ``kelengkapan_diterima`` is among ``[notify] kinds``, a short acknowledgement;
* recorded in the item's history (Riwayat: ``KELENGKAPAN DITERIMA``), its evidence added to
  the item's, the completeness findings checked again, the documents rendered again;
* when the item waits in PERLU KELENGKAPAN, the item resumes the stage it left from (the
  SOP's side exit: workflow.stages, ``LANJUT``), recorded as the reporter's move.

When is a quoted number a link (:func:`link_target`, pure): exactly one agenda number the
ledger knows is quoted, and either that item waits in PERLU KELENGKAPAN or the response
comes from the same reporter (the same valid phone number or e-mail address). Anything
else — no known number, several, someone else quoting an item that waits for nothing — is
numbered as a new item as usual (a citizen may well refer to an earlier complaint).

The number guard (numberguard.py) only reads the status column *No. Agenda*; a number
quoted in the chronology is never "shown" by the sheet. After linking, the response's
status cells show the item's number with Tahap ``KELENGKAPAN``; if that row is later edited
(the ledger no longer knows it), the guard reports it like any numbered row that changed,
and it is neither numbered nor linked again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update

from . import codec
from .config import Settings
from .intake import check_completeness
from .intake.contact import check_email, normalise_phone
from .ledger import Ledger, items, kelengkapan_links, messages, responses, utc_iso
from .logs import mask_text
from .models import Evidence, Finding, Submission
from .notify.queue import rows_for
from .register import dedupe
from .numbering import agenda_pattern
from .steps import StepRecorder
from .workflow.stages import PERLU_KELENGKAPAN

log = logging.getLogger("siapmas.kelengkapan")

KELENGKAPAN_LABEL = "KELENGKAPAN"  # Tahap of a linked response row
EVENT = "KELENGKAPAN DITERIMA"
REPORTER = "Pelapor (formulir)"
NOTE_CHARS = 300


def quote_pattern(template: str, kode: str, unit: str) -> re.Pattern[str]:
    """Agenda numbers as a citizen types them inside a text: anywhere, any case, spaces
    around the slashes allowed ("0003 / SIAPMAS / 2026")."""
    core = agenda_pattern(template, kode, unit).pattern.removeprefix("^").removesuffix("$")
    core = core.replace("/", r"\s*/\s*")
    return re.compile(r"(?<![\w/])" + core + r"(?![\w/])", re.IGNORECASE)


def quoted_numbers(sub: Submission, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """(year, seq) of each agenda number quoted in the chronology or any other answer, in
    order, each once."""
    out: list[tuple[int, int]] = []
    for text in (sub.kronologi, *(v for _t, v in sub.extra)):
        for m in pattern.finditer(text or ""):
            number = (int(m["year"]), int(m["seq"]))
            if number not in out:
                out.append(number)
    return out


@dataclass(frozen=True)
class Known:
    """An item a response may quote: what the decision needs."""

    key: str
    agenda_no: str
    tahap: str
    phone: str  # the original reporter's normalised number ("+62…"), or ""
    email: str  # normalised address, or ""


def contact_of(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The reporter's valid phone number and e-mail address of a submission ("" if none)."""
    phone, finding = normalise_phone(payload.get("telepon") or "")
    email, efinding = check_email(payload.get("email") or "")
    return (phone if phone and finding is None else "", email if email and efinding is None else "")


def link_target(quoted: Sequence[tuple[int, int]], known: Mapping[tuple[int, int], Known], phone: str, email: str,
                waiting: str = PERLU_KELENGKAPAN) -> Known | None:
    """The item a response is the kelengkapan of, or None (see the module docstring)."""
    found = [known[q] for q in quoted if q in known]
    if len(found) != 1:
        return None
    item = found[0]
    if item.tahap == waiting:
        return item
    if (phone and phone == item.phone) or (email and email == item.email):
        return item
    return None


@dataclass(frozen=True)
class Linked:
    row: int  # the response's sheet row
    agenda_no: str
    resumed: str | None  # the stage the item went back to, if it waited in PERLU KELENGKAPAN


class KelengkapanLinker:
    """Sets the kelengkapan responses of a cycle apart from the ones to number."""

    def __init__(self, settings: Settings, ledger: Ledger, steps: StepRecorder, clock: Callable[[], datetime],
                 received: Callable[[Submission, datetime], datetime]) -> None:
        self.s = settings
        self.ledger = ledger
        self.steps = steps
        self.clock = clock
        self.received = received
        n = settings.numbering
        self.pattern = quote_pattern(n.template, n.kode_klasifikasi, n.unit)

    def split(self, subs: Sequence[Submission],
              found: Mapping[str, tuple[list[Evidence], list[Finding]]]) -> tuple[list[Submission], list[Linked]]:
        """(responses to number, responses linked as kelengkapan — recorded now)."""
        quoted = {s.key: quoted_numbers(s, self.pattern) for s in subs}
        wanted = {q for qs in quoted.values() for q in qs}
        if not wanted:
            return list(subs), []
        known = self._known(wanted)
        rest: list[Submission] = []
        linked: list[Linked] = []
        for s in subs:
            waiting = self.steps.wf.by_code("kelengkapan").label
            target = link_target(quoted[s.key], known, *contact_of(codec.submission_to_dict(s)), waiting)
            if target is None:
                rest.append(s)
                continue
            done = self._link(s, target, found.get(s.key, ([], []))[0])
            if done is not None:
                linked.append(done)
        return rest, linked

    def _known(self, numbers: set[tuple[int, int]]) -> dict[tuple[int, int], Known]:
        cond = or_(*[and_(items.c.year == y, items.c.seq == q) for y, q in numbers])
        out: dict[tuple[int, int], Known] = {}
        with self.ledger.engine.connect() as conn:
            q = select(items.c.key, items.c.agenda_no, items.c.tahap, items.c.year, items.c.seq,
                       responses.c.payload).join(responses, responses.c.key == items.c.key).where(cond)
            for r in conn.execute(q):
                phone, email = contact_of(json.loads(r.payload or "{}"))
                out[(r.year, r.seq)] = Known(r.key, r.agenda_no, r.tahap, phone, email)
        return out

    def _link(self, sub: Submission, target: Known, evidence: Sequence[Evidence]) -> Linked | None:
        now = self.clock()
        received = self.received(sub, now)
        resumed: str | None = None
        with self.ledger.tx() as conn:
            if conn.execute(select(responses.c.key).where(responses.c.key == sub.key)).first() is not None:
                return None  # another worker got there first
            row = conn.execute(select(items).where(items.c.key == target.key)).first()
            payload = codec.submission_to_dict(sub)
            conn.execute(insert(responses).values(
                key=sub.key, content_hash=sub.content_hash, received_at=utc_iso(received),
                payload=codec.dumps(payload), duplicate_of=target.key, first_seen_at=utc_iso(now)))
            conn.execute(insert(kelengkapan_links).values(key=sub.key, item_key=target.key, at=utc_iso(now)))
            # the evidence joins the item's; completeness is checked again with all of it
            have = [codec.evidence_from_dict(e) for e in json.loads(row.evidence or "[]")]
            names = {(e.name, e.url) for e in have}
            merged = have + [e for e in evidence if (e.name, e.url) not in names]
            original = codec.submission_from_dict(json.loads(conn.execute(
                select(responses.c.payload).where(responses.c.key == target.key)).scalar() or "{}"))
            findings = check_completeness(original, merged)
            conn.execute(update(items).where(items.c.key == target.key).values(
                evidence=codec.dumps([codec.evidence_to_dict(e) for e in merged]),
                findings=codec.dumps([codec.finding_to_dict(f) for f in dedupe(findings)]),
                updated_at=utc_iso(now)))
            text = mask_text(" ".join(sub.kronologi.split()))
            text = text if len(text) <= NOTE_CHARS else text[: NOTE_CHARS - 1] + "…"
            added = len(merged) - len(have)
            note = (f"Kelengkapan dari formulir (baris {sub.source_row}): {text}"
                    + (f" Bukti tambahan: {added} berkas." if added else ""))
            self.ledger.add_event(conn, target.key, received, EVENT, from_stage=row.tahap, to_stage=row.tahap,
                                  actor=REPORTER, channel="formulir", note=note)
            self.ledger.add_outbox(conn, target.key, "render", now)  # the Lembar Aduan lists the new evidence
            if row.tahap == target.tahap == self.steps.wf.by_code("kelengkapan").label and row.previous_tahap:
                self.steps.advance(target.agenda_no, row.previous_tahap, channel="formulir", conn=conn,
                                   actor=REPORTER, note=f"Kelengkapan diterima (baris {sub.source_row})")
                resumed = row.previous_tahap
            ack = rows_for(self.s, target.key, "kelengkapan_diterima", payload,
                           {"agenda_no": target.agenda_no, "response_key": sub.key, "nama": sub.nama}, now, n=sub.key[:12])
            if ack:
                conn.execute(insert(messages), ack)
        log.info("Kiriman baris %s dicatat sebagai kelengkapan %s", sub.source_row, target.agenda_no)
        return Linked(sub.source_row, target.agenda_no, resumed)
