"""A new form response that quotes an existing agenda number may be that item's
*kelengkapan* (what the reporter was asked to complete) — but only its reporter may say so.

Agenda numbers and stages are public, so a number proves nothing: every receipt carries the
reporter's private code (cycle/kode_pelapor.py), and the receipt and the *Permintaan kelengkapan*
e-mails ask for a new form response quoting the number *and* the code. What a response
quoting a known number becomes (:func:`decide`, pure):

* **linked** (``TAUTKAN``) — exactly one known number quoted together with that item's
  code (digits of any script, any case, spaces and dashes inside). It is never numbered and
  gets no receipt: ``kelengkapan_links``, Riwayat ``KELENGKAPAN DITERIMA``, its answers and
  evidence merged into the item as a dated addition (cycle/tambahan.py: the original kept,
  completeness checked again on the merged item, documents rendered again), an item waiting
  in PERLU KELENGKAPAN resumes the stage it left from (the SOP's side exit, ``LANJUT``), and
  — when ``kelengkapan_diterima`` is among ``[notify] kinds`` — a short acknowledgement to
  the *item's own* reporter contact (never to a contact typed in the response). The code is
  masked out of the stored answers, so it is printed and shown nowhere;
* **held** (``TUNGGU``) — anything else that quotes a known number: the number alone, a
  wrong code, several numbers, a matching phone or e-mail (which anyone may type). It waits
  in ``kelengkapan_pending`` and changes nothing, sends nothing, prints nothing; its status
  row says ``MENUNGGU KEPUTUSAN``. An operator decides with ``siapmas-sync kelengkapan``:
  link it to the item (as above, recorded as the operator's decision), register it as a
  new item (numbered by the next cycle), or set it aside; each decision is in Riwayat with
  who made it;
* **numbered** (``BARU``) — no number the ledger knows is quoted.

The number guard (numbering/guard.py) only reads the status column *No. Agenda*; a number
quoted in the chronology is never "shown" by the sheet. After linking, the response's
status cells show the item's number with Tahap ``KELENGKAPAN``; if that row is later edited
(the ledger no longer knows it), the guard reports it like any numbered row that changed,
and it is neither numbered nor linked again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

from .. import codec
from ..config import Settings
from ..errors import SiapmasError
from ..core.intake import check_completeness
from ..core.rerender import RenderKind
from .kode_pelapor import code_of, fold, mask_code, quotes_code
from ..ledger import Ledger
from ..ledger.records import KelengkapanPending
from ..logs import mask_text
from ..core.models import Evidence, MessageKind, Submission
from ..notify.queue import rows_for
from ..numbering.assign import dedupe
from ..numbering.template import agenda_pattern
from .steps import StepRecorder
from .tambahan import additions, merged_submission

log = logging.getLogger("siapmas.kelengkapan")

KELENGKAPAN_LABEL = "KELENGKAPAN"  # Tahap of a linked response row
HELD_LABEL = "MENUNGGU KEPUTUSAN"  # Tahap of a held response row
IGNORED_LABEL = "DIABAIKAN"  # Tahap of a held response an operator set aside
EVENT = "KELENGKAPAN DITERIMA"
DECIDED_NEW_EVENT = "DIPUTUSKAN ADUAN BARU"
IGNORED_EVENT = "KIRIMAN DIABAIKAN"
REPORTER = "Pelapor"  # the channel ("formulir") is shown beside it: "Pelapor (formulir)"
NOTE_CHARS = 300


class Decision(Enum):
    BARU = "baru"  # quotes no known number: numbered as usual
    TAUTKAN = "tautkan"  # the reporter's own kelengkapan: linked and merged
    TUNGGU = "tunggu"  # quotes a known number without its code: held for an operator
    ABAIKAN = "abaikan"  # held, then set aside by an operator


def quote_pattern(template: str, kode: str, unit: str) -> re.Pattern[str]:
    """Agenda numbers as a citizen types them inside a text: anywhere, any case, spaces
    around the slashes allowed ("0003 / SIAPMAS / 2026")."""
    core = agenda_pattern(template, kode, unit).pattern.removeprefix("^").removesuffix("$")
    core = core.replace("/", r"\s*/\s*").replace(r"\d", "[0-9]")
    return re.compile(r"(?<![\w/])" + core + r"(?![\w/])", re.IGNORECASE)


def answer_texts(sub: Submission) -> list[str]:
    """The answers a number or a code may be quoted in: the chronology and every other one."""
    return [sub.kronologi or "", *(v or "" for _t, v in sub.extra)]


def quoted_numbers(sub: Submission, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """(year, seq) of each agenda number quoted in the chronology or any other answer, in
    order, each once; digits of any script count (kode_pelapor.fold)."""
    out: list[tuple[int, int]] = []
    for text in answer_texts(sub):
        for m in pattern.finditer(fold(text)):
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
    code: str  # the reporter's private code ("" for an item of an older ledger without one)


def decide(quoted: Sequence[tuple[int, int]], known: Mapping[tuple[int, int], Known],
           texts: Sequence[str]) -> tuple[Decision, list[Known]]:
    """What a response quoting *quoted* becomes, and the known items it quotes (see the
    module docstring). A matching phone or e-mail proves nothing: anyone can type them."""
    found = [known[q] for q in quoted if q in known]
    if not found:
        return Decision.BARU, []
    if len(found) == 1 and found[0].code and quotes_code(texts, found[0].code):
        return Decision.TAUTKAN, found
    return Decision.TUNGGU, found


def stored_payload(sub: Submission, code: str) -> dict[str, Any]:
    """The response as the ledger keeps it, with the reporter's code masked out of every answer."""
    masked = replace(sub, kronologi=mask_code(sub.kronologi, code),
                     extra=tuple((t, mask_code(v, code)) for t, v in sub.extra))
    return codec.submission_to_dict(masked)


@dataclass(frozen=True)
class Linked:
    row: int  # the response's sheet row
    agenda_no: str
    resumed: str | None  # the stage the item went back to, if it waited in PERLU KELENGKAPAN


@dataclass(frozen=True)
class Held:
    row: int
    agenda_nos: str  # the known numbers it quotes


class KelengkapanLinker:
    """Sets the kelengkapan responses of a cycle apart from the ones to number, and carries
    out an operator's decision on a held one."""

    def __init__(self, settings: Settings, ledger: Ledger, steps: StepRecorder, clock: Callable[[], datetime],
                 received: Callable[[Submission, datetime], datetime]) -> None:
        self.s = settings
        self.ledger = ledger
        self.steps = steps
        self.clock = clock
        self.received = received
        n = settings.numbering
        self.pattern = quote_pattern(n.template, n.kode_klasifikasi, n.unit)

    def held_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of *keys* wait for an operator or were set aside (not to be looked at again)."""
        return self.ledger.pending_keys(keys, (None, Decision.ABAIKAN.value))

    def _decided_new(self, keys: Sequence[str]) -> set[str]:
        return self.ledger.pending_keys(keys, (Decision.BARU.value,))

    def split(self, subs: Sequence[Submission], found: Mapping[str, tuple[list[Evidence], list[Any]]]
              ) -> tuple[list[Submission], list[Linked], list[Held]]:
        """(responses to number, responses linked as kelengkapan, responses held for an
        operator — both recorded now). *subs* holds no response already held."""
        quoted = {s.key: quoted_numbers(s, self.pattern) for s in subs}
        wanted = {q for qs in quoted.values() for q in qs}
        if not wanted:
            return list(subs), [], []
        known = self._known(wanted)
        decided_new = self._decided_new([s.key for s in subs if quoted[s.key]])
        rest: list[Submission] = []
        linked: list[Linked] = []
        held: list[Held] = []
        for s in subs:
            decision, targets = decide(quoted[s.key], known, answer_texts(s))
            if decision is Decision.BARU or s.key in decided_new:
                rest.append(s)
            elif decision is Decision.TAUTKAN:
                done = self._link(s, targets[0].key, found.get(s.key, ([], []))[0], targets[0].code)
                if done is not None:
                    linked.append(done)
            else:
                hold = self._hold(s, targets, found.get(s.key, ([], []))[0])
                if hold is not None:
                    held.append(hold)
        return rest, linked, held

    def _known(self, numbers: set[tuple[int, int]]) -> dict[tuple[int, int], Known]:
        return {(r.year, r.seq): Known(r.key, r.agenda_no, r.tahap, code)
                for r, code in self.ledger.items_quoted(numbers)}

    def _hold(self, sub: Submission, targets: Sequence[Known], evidence: Sequence[Evidence]) -> Held | None:
        numbers = ", ".join(t.agenda_no for t in targets)
        with self.ledger.tx() as conn:
            if not self.ledger.hold_response(
                    conn, sub.key, targets[0].key if len(targets) == 1 else None, numbers, sub.source_row,
                    sub.content_hash, codec.dumps(codec.submission_to_dict(sub)),
                    codec.dumps([codec.evidence_to_dict(e) for e in evidence]), self.clock()):
                return None  # another worker got there first
        log.info("Kiriman baris %s menyebut %s tanpa kode pelapor: menunggu keputusan petugas", sub.source_row, numbers)
        return Held(sub.source_row, numbers)

    def _link(self, sub: Submission, item_key: str, evidence: Sequence[Evidence], code: str, *,
              actor: str = REPORTER, channel: str = "formulir", decided: str = "") -> Linked | None:
        now = self.clock()
        received = self.received(sub, now)
        resumed: str | None = None
        waiting = self.steps.wf.by_code("kelengkapan").label
        with self.ledger.tx() as conn:
            if self.ledger.response_of(conn, sub.key) is not None:
                return None  # another worker got there first
            row = self.ledger.item(item_key, conn)
            if row is None:
                return None
            code = code or code_of(conn, item_key)
            payload = stored_payload(sub, code)
            self.ledger.add_linked_response(conn, sub.key, item_key, sub.content_hash, received,
                                            codec.dumps(payload), now)
            # the evidence joins the item's; completeness is checked again on the merged item
            have = list(row.evidence)
            names = {(e.name, e.url) for e in have}
            merged = have + [e for e in evidence if (e.name, e.url) not in names]
            original_resp = self.ledger.response_of(conn, item_key)
            original_payload = dict(original_resp.payload) if original_resp is not None else {}
            original = codec.submission_from_dict(original_payload)
            whole = merged_submission(original, additions(conn, [item_key]).get(item_key, []), self.s.tz)
            findings = check_completeness(whole, merged)
            self.ledger.set_item_completeness(conn, item_key, codec.dumps([codec.evidence_to_dict(e) for e in merged]),
                                              codec.dumps([codec.finding_to_dict(f) for f in dedupe(findings)]), now)
            text = mask_text(" ".join(payload.get("kronologi", "").split()))
            text = text if len(text) <= NOTE_CHARS else text[: NOTE_CHARS - 1] + "…"
            added = len(merged) - len(have)
            note = (decided + f"Kelengkapan dari formulir (baris {sub.source_row}): {text}"
                    + (f" Bukti tambahan: {added} berkas." if added else ""))
            self.ledger.add_event(conn, item_key, received if not decided else now, EVENT, from_stage=row.tahap,
                                  to_stage=row.tahap, actor=actor, channel=channel, note=note)
            self.ledger.add_outbox(conn, item_key, RenderKind.RENDER, now)  # every document shows the merged item
            if row.tahap == waiting and row.previous_tahap:
                self.steps.advance(row.agenda_no, row.previous_tahap, channel=channel, conn=conn,
                                   actor=actor, note=f"Kelengkapan diterima (baris {sub.source_row})")
                resumed = row.previous_tahap
            # acknowledged to the item's own reporter contact only, never to one typed in the response
            ack = rows_for(self.s, item_key, MessageKind.KELENGKAPAN_DITERIMA, original_payload,
                           {"agenda_no": row.agenda_no, "response_key": sub.key}, now, n=sub.key[:12])
            self.ledger.add_messages(conn, ack)
        log.info("Kiriman baris %s dicatat sebagai kelengkapan %s", sub.source_row, row.agenda_no)
        return Linked(sub.source_row, row.agenda_no, resumed)

    # --- an operator's decision on a held response ---------------------------------------

    def pending(self, include_decided: bool = False) -> list[KelengkapanPending]:
        """Held responses (oldest first)."""
        return self.ledger.pending_responses(include_decided)

    def _find_pending(self, ref: str) -> KelengkapanPending:
        ref = ref.strip().lower()
        rows = self.ledger.pending_responses()
        found = [r for r in rows if (ref.isdigit() and r.source_row == int(ref))
                 or (len(ref) >= 8 and r.key.startswith(ref))]
        if len(found) != 1:
            raise SiapmasError(
                f"Kiriman '{ref}' tidak ada di antara kiriman yang menunggu keputusan." if not found else
                f"'{ref}' cocok dengan lebih dari satu kiriman yang menunggu keputusan.",
                "Lihat daftarnya dengan `siapmas-sync kelengkapan`, lalu sebut nomor baris kiriman itu.")
        return found[0]

    def decide_pending(self, ref: str, decision: Decision, by: str, agenda: str | None = None) -> str:
        """Carry out an operator's decision on the held response *ref* (its sheet row, or a
        key prefix); what was done, in a sentence."""
        p = self._find_pending(ref)
        now = self.clock()
        sub = codec.submission_from_dict(dict(p.payload))
        if decision is Decision.TAUTKAN:
            quoted = [a.strip() for a in p.agenda_nos.split(",")]
            target = agenda or (quoted[0] if len(quoted) == 1 else None)
            if target is None:
                raise SiapmasError(f"Kiriman baris {p.source_row} menyebut beberapa nomor ({p.agenda_nos}).",
                                   "Sebut nomor yang dimaksud dengan --ke, mis. --ke " + quoted[0] + ".")
            row = self.ledger.find_item(target)
            evidence = list(p.evidence)
            linked = self._link(sub, row.key, evidence, "", actor=by, channel="cli",
                                decided=f"Diputuskan {by}: kiriman dari formulir ditautkan sebagai kelengkapan. ")
            with self.ledger.tx() as conn:
                self.ledger.decide_held(conn, p.key, decision.value, by, now)
            if linked is None:
                return f"Kiriman baris {p.source_row} sudah dicatat sebelumnya."
            return (f"Kiriman baris {p.source_row} dicatat sebagai kelengkapan {linked.agenda_no}"
                    + (f"; tahap kembali ke {linked.resumed}." if linked.resumed else "."))
        with self.ledger.tx() as conn:
            self.ledger.decide_held(conn, p.key, decision.value, by, now)
            if decision is Decision.BARU:
                # keyed by the response: once numbered, it is the new item's first Riwayat line
                self.ledger.add_event(conn, p.key, now, DECIDED_NEW_EVENT, from_stage=None, to_stage=None, actor=by,
                                      channel="cli", note=f"Kiriman baris {p.source_row} yang menyebut {p.agenda_nos} "
                                                          "diputuskan sebagai aduan baru.")
            else:
                self.ledger.add_event(conn, p.key, now, IGNORED_EVENT, from_stage=None, to_stage=None, actor=by,
                                      channel="cli", note=f"Kiriman baris {p.source_row} yang menyebut {p.agenda_nos} "
                                                          "tanpa kode pelapor diabaikan (tidak dinomori, tidak ditautkan).")
        if decision is Decision.BARU:
            return f"Kiriman baris {p.source_row} akan diberi nomor agenda baru pada siklus sync berikutnya."
        return f"Kiriman baris {p.source_row} diabaikan: tidak dinomori dan tidak ditautkan."


def held_cells(p: KelengkapanPending) -> dict[str, str]:
    """The status cells of a held response: no number."""
    if p.decision == Decision.ABAIKAN.value:
        return {"No. Agenda": "", "Tahap": IGNORED_LABEL,
                "Kelengkapan": f"Menyebut {p.agenda_nos} tanpa kode pelapor; diabaikan oleh {p.decided_by}"}
    return {"No. Agenda": "", "Tahap": HELD_LABEL,
            "Kelengkapan": f"Menyebut {p.agenda_nos} tanpa kode pelapor: menunggu keputusan petugas "
                           "(siapmas-sync kelengkapan)"}
