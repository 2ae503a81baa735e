"""Recording SOP steps: moves between stages, and the other facts operators record (sifat,
rahasia, receiving AKD, notes), from the CLI or from the ``Kendali`` sheet.

Every accepted change is one transaction: the item's new state, its event (time, from,
to, actor, note, channel) and any document it makes due (outbox). History is appended,
never rewritten. Refused changes are recorded too (event ``PERUBAHAN DITOLAK``) so that
nothing an operator typed is silently lost.

Conflict rule (CLI vs Kendali between two cycles): the first one recorded wins. A CLI
step is recorded the moment it is given; a Kendali edit is read at the next cycle and
judged against the stage as it is *then*. If it asks for the stage the item already
has, it is acknowledged; if it is no longer an allowed move, it is refused in ``Pesan``
with the step that got there first, and the cell shows the true stage again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection

from .errors import TransitionError
from .kendali import SIFAT_CHOICES, KendaliEdit, truthy
from .ledger import Ledger, from_iso, items, utc_iso
from .workflow import Transition, Workflow, check_transition, normalise_akd

log = logging.getLogger("siapmas.steps")

STAGE_DISTRIBUTED_CODE = 6
STAGE_DONE_CODE = 8


@dataclass
class StepResult:
    agenda_no: str
    accepted: bool
    message: str  # Indonesian, for Pesan / CLI
    transition: Transition | None = None


class StepRecorder:
    def __init__(self, ledger: Ledger, wf: Workflow, clock: Callable[[], datetime], tz: Any,
                 on_move: Callable[[Connection, Any, Transition, datetime], None] | None = None) -> None:
        self.ledger = ledger
        self.on_move = on_move  # queues the reply to the reporter in the move's transaction (notify)
        self.wf = wf
        self.clock = clock
        self.tz = tz

    @property
    def distributed_label(self) -> str:
        return self.wf.by_code(STAGE_DISTRIBUTED_CODE).label

    @property
    def done_label(self) -> str:
        return self.wf.by_code(STAGE_DONE_CODE).label

    def _stamp(self, now: datetime) -> str:
        return now.astimezone(self.tz).strftime("%d/%m %H.%M")

    # --- stage moves --------------------------------------------------------------------

    def advance(
        self,
        ref: str,
        target: str,
        *,
        akd: str | None = None,
        note: str = "",
        by: str = "Operator",
        channel: str = "cli",
        conn: Connection | None = None,
    ) -> StepResult:
        """Move one item. Raises TransitionError (with the allowed moves) when refused."""
        if conn is None:
            with self.ledger.tx() as c:
                return self.advance(ref, target, akd=akd, note=note, by=by, channel=channel, conn=c)
        row = self.ledger.find_item(ref, conn=conn)
        now = self.clock()
        t = check_transition(
            self.wf, row.tahap, target, akd=akd or row.diteruskan_ke, note=note, previous=row.previous_tahap
        )
        if t is None:
            return StepResult(row.agenda_no, True, f"Tahap sudah {row.tahap}; tidak ada perubahan.")
        values: dict[str, Any] = {
            "tahap": t.to_stage,
            "previous_tahap": t.from_stage,
            "stage_entered_at": utc_iso(now),
            "updated_at": utc_iso(now),
        }
        if t.akd:
            values["diteruskan_ke"] = t.akd
        conn.execute(update(items).where(items.c.key == row.key).values(**values))
        self.ledger.add_event(
            conn, row.key, now, t.event, from_stage=t.from_stage, to_stage=t.to_stage,
            actor=by, channel=channel, note=_event_note(t),
        )
        if t.to_stage == self.distributed_label:
            self.ledger.add_outbox(conn, row.key, "disposisi", now)
        if t.to_stage == self.done_label:
            self.ledger.add_outbox(conn, row.key, "balasan", now)
        if self.on_move is not None:
            self.on_move(conn, row, t, now)
        log.info("%s: %s → %s (%s, %s)", row.agenda_no, t.from_stage, t.to_stage, by, channel)
        return StepResult(row.agenda_no, True, f"✓ {self._stamp(now)} {t.from_stage} → {t.to_stage} dicatat.", t)

    # --- other recorded facts -----------------------------------------------------------------

    def set_fields(
        self, conn: Connection, row: Any, *, sifat: str | None = None, rahasia: bool | None = None,
        akd: str | None = None, note: str | None = None, by: str, channel: str,
    ) -> list[str]:
        """Record sifat / rahasia / receiving AKD / a note. Returns messages for Pesan."""
        now = self.clock()
        done: list[str] = []
        values: dict[str, Any] = {}
        if sifat is not None and sifat != row.sifat:
            canon = next((s for s in SIFAT_CHOICES if s.casefold() == sifat.strip().casefold()), None)
            if canon is None:
                raise TransitionError(
                    f"Sifat '{sifat}' tidak dikenal.", "Pilih salah satu: " + ", ".join(SIFAT_CHOICES) + "."
                )
            values["sifat"] = canon
            self.ledger.add_event(conn, row.key, now, "SIFAT", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note=f"Sifat: {row.sifat} → {canon}")
            done.append(f"sifat {canon}")
        if rahasia is not None and bool(rahasia) != bool(row.rahasia):
            values["rahasia"] = bool(rahasia)
            self.ledger.add_event(conn, row.key, now, "KERAHASIAAN", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel,
                                  note="Identitas pelapor dirahasiakan" if rahasia else "Identitas pelapor tidak lagi dirahasiakan")
            done.append("identitas dirahasiakan" if rahasia else "kerahasiaan dicabut")
        if akd is not None and akd.strip() and akd != (row.diteruskan_ke or ""):
            canon_akd = normalise_akd(akd)
            if canon_akd != row.diteruskan_ke:
                values["diteruskan_ke"] = canon_akd
                self.ledger.add_event(conn, row.key, now, "TUJUAN", from_stage=row.tahap, to_stage=row.tahap,
                                      actor=by, channel=channel, note=f"Diteruskan ke {canon_akd}")
                done.append(f"diteruskan ke {canon_akd}")
        if note:
            self.ledger.add_event(conn, row.key, now, "CATATAN", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note=note)
            done.append("catatan disimpan")
        if values:
            values["updated_at"] = utc_iso(now)
            conn.execute(update(items).where(items.c.key == row.key).values(**values))
            if "sifat" in values or "rahasia" in values:
                self.ledger.add_outbox(conn, row.key, "render", now)  # documents show both
        return done

    # --- the Kendali sheet ------------------------------------------------------------------

    def apply_kendali_edit(self, edit: KendaliEdit, *, by: str = "Operator (Kendali)") -> StepResult:
        """Apply one row's edits in one transaction; refusals are recorded and answered."""
        now = self.clock()
        with self.ledger.tx() as conn:
            row = self.ledger.find_item(edit.agenda_no, conn=conn)
            ch = edit.changes
            note = edit.values.get("Catatan", "") if "Catatan" in ch else ""
            try:
                msgs = self.set_fields(
                    conn, row,
                    sifat=ch.get("Sifat"),
                    rahasia=truthy(ch["Rahasia"]) if "Rahasia" in ch else None,
                    akd=ch.get("Diteruskan ke") if "Tahap" not in ch else None,
                    note=note if "Tahap" not in ch else None,
                    by=by, channel="kendali",
                )
                if "Tahap" in ch:
                    akd = edit.values.get("Diteruskan ke") or None
                    res = self.advance(edit.agenda_no, ch["Tahap"], akd=akd, note=note, by=by, channel="kendali", conn=conn)
                    msgs.insert(0, res.message.removeprefix("✓ ").split(" ", 2)[-1].rstrip("."))
            except TransitionError as exc:
                raise _Refused(edit, exc, row) from None
        text = "; ".join(m for m in msgs if m) or "tidak ada perubahan"
        message = f"✓ {self._stamp(now)} {text}."
        self._set_pesan(edit.agenda_no, message)
        return StepResult(edit.agenda_no, True, message)

    def refuse(self, refused: _Refused, *, by: str = "Operator (Kendali)") -> StepResult:
        now = self.clock()
        exc, edit = refused.error, refused.edit
        attempted = ", ".join(f"{k} = {v}" for k, v in edit.changes.items())
        message = f"✗ {self._stamp(now)} Ditolak ({attempted}): {exc}"
        if exc.advice:
            message += f" {exc.advice}"
        with self.ledger.tx() as conn:
            row = self.ledger.find_item(edit.agenda_no, conn=conn)
            last = self.ledger.last_event(conn, row.key)
            if last is not None and last.channel != "kendali" and last.event not in ("DITERIMA", "TERAGENDA"):
                message += f" (Tahap sudah diubah lebih dulu oleh {last.actor} via {last.channel}.)"
            message += f" Tahap tetap {row.tahap}."
            self.ledger.add_event(conn, row.key, now, "PERUBAHAN DITOLAK", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel="kendali", note=f"{attempted}: {exc}")
            conn.execute(update(items).where(items.c.key == row.key).values(pesan=message))
        return StepResult(edit.agenda_no, False, message)

    def apply_kendali(self, edits: list[KendaliEdit]) -> list[StepResult]:
        results = []
        for edit in edits:
            try:
                results.append(self.apply_kendali_edit(edit))
            except _Refused as refused:
                results.append(self.refuse(refused))
        return results

    def _set_pesan(self, agenda_no: str, message: str) -> None:
        with self.ledger.tx() as conn:
            conn.execute(update(items).where(items.c.agenda_no == agenda_no).values(pesan=message))


class _Refused(Exception):
    def __init__(self, edit: KendaliEdit, error: TransitionError, row: Any) -> None:
        super().__init__(str(error))
        self.edit = edit
        self.error = error
        self.row = row


def _event_note(t: Transition) -> str:
    parts = []
    if t.akd:
        parts.append(f"Diteruskan ke {t.akd}")
    if t.note:
        parts.append(t.note)
    return "; ".join(parts)


def paraf_from_events(events: list[Any], wf: Workflow, tz: Any) -> tuple[tuple[str, str, str], ...]:
    """(jabatan, tanggal, instruksi) for the paraf grid, from the recorded events: the
    latest entry into each of stages 2–5 (after a return, the newer paraf counts)."""
    jabatan = {2: "Kasubag TU", 3: "Kabag", 4: "Sekretaris DPRD", 5: "Ketua DPRD"}
    labels = {wf.by_code(code).label: name for code, name in jabatan.items()}
    found: dict[str, tuple[str, str, str]] = {}
    for ev in events:
        # the official of stage N initials when the item leaves N forward
        if ev.from_stage in labels and ev.event not in ("DIKEMBALIKAN", "PERUBAHAN DITOLAK") and ev.to_stage != ev.from_stage:
            at = from_iso(ev.at).astimezone(tz)
            found[labels[ev.from_stage]] = (labels[ev.from_stage], at.strftime("%d/%m/%Y %H.%M"), ev.note or "")
    return tuple(found[name] for name in jabatan.values() if name in found)
