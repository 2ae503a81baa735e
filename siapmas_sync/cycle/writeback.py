"""What the spreadsheet should show, computed from the ledger: the status cells of each
response row, the ``Buku Agenda`` and ``Riwayat`` registers, and the ``Kendali`` sheet
(with its SLA clocks). Officials read these; the ledger stays the source of truth.

Reporter identity is masked ("Dirahasiakan") wherever an item is *rahasia*.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import codec
from ..core import recorded
from ..errors import TransitionError
from ..core.kendali_sheet import written_state
from ..ledger import from_iso
from ..logs import mask_text, shown_free_text
from ..core.models import KURANG
from ..core.workflow import OfficeCalendar, SlaStatus, Workflow, format_duration_id, sla_status

DIRAHASIAKAN = "Dirahasiakan"
#: Kendali cells that change with the clock alone (a late item's "Terlambat" every minute):
#: brought up to date by the periodic full read, not by every read (cycle/idle.py)
CLOCK_COLUMNS = ("Terlambat", "Umur (hari kerja)")


def format_wib(dt: datetime, tz: Any) -> str:
    return dt.astimezone(tz).strftime("%d/%m/%Y %H.%M")


@dataclass
class Views:
    wf: Workflow
    cal: OfficeCalendar
    tz: Any
    verify_days: int = 3
    settle_days: int = 60

    def __post_init__(self) -> None:
        self._last_sla: tuple[tuple[Any, ...], SlaStatus | None] = ((), None)
        #: the earliest deadline after ``now`` of the clocks computed at ``now`` (an item
        #: turns late then: cycle/idle.py reads and writes back again at that moment)
        self.next_change: datetime | None = None
        self._change_now: datetime | None = None

    def sla(self, row: Any, received_at: datetime, now: datetime) -> SlaStatus | None:
        """The item's clocks at ``now``. The write-back asks twice in a row for each item
        (status cells, then Kendali), so the last answer is kept — only the last: a cache
        of every item would hold 100,000 entries that the next cycle's ``now`` never hits."""
        key = (row.key, row.tahap, row.stage_entered_at, received_at, now)
        if self._last_sla[0] != key:
            self._last_sla = (key, self._sla(row, received_at, now))
            stage = self.wf.find(row.tahap)
            self._note_deadlines(self._last_sla[1], now, closed=stage is not None and self.wf.is_terminal(stage))
        return self._last_sla[1]

    def _note_deadlines(self, sla: SlaStatus | None, now: datetime, *, closed: bool) -> None:
        if self._change_now != now:  # a new write-back
            self._change_now, self.next_change = now, None
        if sla is None or sla.is_late:  # a late item's cell already says so
            return
        # the 60-day mark shows ("lewat 60 hari") only on an open item that is not late
        settle = sla.settle_deadline if not closed and sla.deadline is None else None
        for d in (sla.deadline, settle):
            if d is not None and d > now and (self.next_change is None or d < self.next_change):
                self.next_change = d

    def _sla(self, row: Any, received_at: datetime, now: datetime) -> SlaStatus | None:
        try:
            return sla_status(
                self.cal, self.wf, row.tahap, from_iso(row.stage_entered_at), received_at, now,
                verify_days=self.verify_days, settle_days=self.settle_days,
            )
        except (ValueError, TransitionError):  # a stage no configured or former label names
            return None

    def actor(self, tahap: str) -> str:
        stage = self.wf.find(tahap)
        return stage.actor if stage else ""

    def deadline_text(self, sla: SlaStatus | None) -> str:
        if sla is None or sla.deadline is None:
            return "—"
        return format_wib(sla.deadline, self.tz)

    # --- response rows ----------------------------------------------------------------

    def status_cells(self, row: Any, received_at: datetime, now: datetime) -> dict[str, object]:
        findings = json.loads(row.findings)
        kurang = [f["message"] for f in findings if f.get("severity") == KURANG]
        docs = json.loads(row.documents)
        routing = json.loads(row.routing)
        return {
            "No. Agenda": row.agenda_no,
            "Tahap": row.tahap,
            "Posisi": self.actor(row.tahap),
            "Batas Waktu": self.deadline_text(self.sla(row, received_at, now)),
            # the header stays; the value says what it is: a suggestion, or the decided AKD
            "Diteruskan ke (usulan)": f"{row.diteruskan_ke} (diputuskan)" if row.diteruskan_ke else f"{routing['tujuan']} (usulan)",
            "Kelengkapan": "Lengkap" if not kurang else "Kurang: " + "; ".join(kurang),
            # os.path, not Path: pathlib interns every folder name it parses, for good
            "Dokumen": docs.get("links") or (os.path.dirname(docs["aduan"]) or "." if docs.get("aduan") else "menunggu"),
            "Diperbarui": format_wib(from_iso(row.updated_at), self.tz),
        }

    # --- registers --------------------------------------------------------------------

    def buku_agenda_row(self, row: Any, payload: dict[str, Any]) -> dict[str, object]:
        received = datetime.fromisoformat(payload["received_at"])
        routing = json.loads(row.routing)
        kurang = [f["code"] for f in json.loads(row.findings) if f.get("severity") == KURANG]
        return {
            "No.": row.seq,
            "Tgl Terima": format_wib(received, self.tz),
            "No. Agenda": row.agenda_no,
            "Pengirim": DIRAHASIAKAN if row.rahasia else _shown_name(payload),
            "Tgl & No. Surat": f"{received.astimezone(self.tz):%d/%m/%Y}, formulir daring",
            "Isi Ringkas": row.perihal,
            "Diteruskan ke": ", ".join(recorded.kepada_of(row)) or f"(usulan: {routing['tujuan']})",
            "Ket.": row.tahap + (f" (oleh {oleh})" if (oleh := recorded.load(row.disposisi).get("oleh")) else "")
            + ("" if not kurang else f"; kurang: {', '.join(kurang)}"),
        }

    def riwayat_row(self, ev: Any, agenda_no: str) -> dict[str, object]:
        return {
            "ID": ev.id,
            "Waktu": format_wib(from_iso(ev.at), self.tz),
            "No. Agenda": agenda_no,
            "Peristiwa": ev.event,
            "Dari Tahap": ev.from_stage or "",
            "Ke Tahap": ev.to_stage or "",
            "Oleh": ev.actor,
            "Saluran": ev.channel,
            "Catatan": shown_free_text(ev.note or ""),
        }

    # --- Kendali ----------------------------------------------------------------------

    def kendali_row(self, row: Any, payload: dict[str, Any], now: datetime) -> dict[str, object]:
        received = datetime.fromisoformat(payload["received_at"])
        sla = self.sla(row, received, now)
        routing = json.loads(row.routing)
        late = ""
        if sla is not None:
            if sla.is_late:
                late = format_duration_id(sla.late_by)
            elif sla.settle_overdue:
                late = f"lewat {self.settle_days} hari"
        recorded_data = recorded.load(row.disposisi)
        return {
            "No. Agenda": row.agenda_no,
            "Tgl Terima": format_wib(received, self.tz),
            "Pelapor": DIRAHASIAKAN if row.rahasia else _shown_name(payload),
            "Perihal": row.perihal,
            "Usulan Tujuan": routing["tujuan"] + (f" ({', '.join(routing['matched'][:4])})" if routing.get("matched") else ""),
            "Tahap": row.tahap,
            "Oleh": "",  # chosen again for each step
            "Diteruskan ke": ", ".join(recorded.kepada_of(row)),
            "Harap": ", ".join(recorded_data.get("harap") or ()),
            "Sifat": "Rahasia" if row.rahasia else row.sifat,  # as every document shows it
            "Rahasia": bool(row.rahasia),
            "Catatan": "",
            # an input for the step that records it (SELESAI); once recorded, what was recorded
            "Laporan": mask_text(recorded_data.get("laporan") or ""),
            "Lampiran": recorded_data.get("lampiran") or "",
            "Pesan": mask_text(row.pesan) if row.pesan else "",  # it may quote what was typed
            "Posisi": self.actor(row.tahap),
            "Batas Waktu": self.deadline_text(sla),
            "Terlambat": late,
            "Umur (hari kerja)": sla.age_working_days if sla else "",
            "Diperbarui": format_wib(from_iso(row.updated_at), self.tz),
        }


def kendali_state(desired: dict[str, object]) -> str:
    return json.dumps(written_state(desired), ensure_ascii=False, sort_keys=True)


def payload_received(payload: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(payload["received_at"])


__all__ = ["Views", "format_wib", "kendali_state", "codec"]


def _shown_name(payload: dict[str, Any]) -> str:
    """The reporter's name as Buku Agenda and Kendali show it: a phone number or e-mail
    typed into the name field is masked there (those columns are not the reporter's own)."""
    name = payload.get("nama") or "(tanpa nama)"
    return mask_text(name) if ("@" in name or any(c.isdigit() for c in name)) else name
