"""Outgoing letters (*surat keluar*): approving the final letter, its gapless number and
the *Buku Surat Keluar* register.

SELESAI renders the surat balasan as a **draft** (no number, no date, marked DRAF) and
queues nothing for the reporter. The letter leaves only when the signer approves it
(``setujui-surat AGENDA --by NAMA``; who may: ``[peran] surat``, by default the
Sekretaris DPRD or their Plh., workflow/roles.py). Approval is one transaction:

* the next number of the year from its own counter (``surat_keluar_counters``; on
  PostgreSQL behind the same advisory lock as agenda numbers, the counter row locked
  FOR UPDATE; the (year, seq) and nomor columns are unique), formatted by
  ``[surat_keluar] template`` (e.g. ``000.8.3.4/{seq}/416-050/{year}``) — a number is
  never given twice, and a failed approval takes none;
* the approval row (date, who, the signer as printed), an event ``SURAT KELUAR`` in
  Riwayat, the letter re-rendered with its number and date (outbox ``balasan``) and the
  final reply to the reporter queued (``balasan_akhir``; notify/ sends it only after that
  render, with the letter and its lampiran attached).

An item is approved once: asking again answers with the number it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from ..config import Settings
from ..core.rerender import RenderKind
from ..errors import TransitionError
from ..ledger import Ledger
from ..ledger.records import SuratKeluarRecord
from ..core.models import MessageKind
from ..core.recorded import find_person
from ..core.sheetplan import BUKU_SURAT_KELUAR_COLUMNS, BUKU_SURAT_KELUAR_TAB
from ..sqldialect import lock_numbering
from ..core.workflow import Workflow
from ..core.workflow.roles import SURAT, authorise, fits, who_may

__all__ = ["BUKU_SURAT_KELUAR_COLUMNS", "BUKU_SURAT_KELUAR_TAB", "Approval", "approval_of", "approve",
           "buku_rows", "format_nomor"]

EVENT = "SURAT KELUAR"


@dataclass(frozen=True)
class Approval:
    nomor: str
    year: int
    seq: int
    at: datetime
    by: str
    signer: dict[str, str]


def format_nomor(s: Settings, seq: int, year: int) -> str:
    k = s.surat_keluar
    return k.template.format(seq=seq, year=year, kode=k.kode_klasifikasi or s.numbering.kode_klasifikasi,
                             unit=k.unit or s.numbering.unit)


def _approval(r: SuratKeluarRecord) -> Approval:
    return Approval(r.nomor, r.year, r.seq, r.approved_at, r.approved_by, dict(r.signer))


def approval_of(conn: Connection, key: str) -> Approval | None:
    r = Ledger.surat_keluar_of(conn, key)
    return _approval(r) if r is not None else None


def _signer(s: Settings, by: str | None, people: Sequence[Any], on: Any) -> tuple[str, dict[str, str]]:
    """(who approves, as recorded; the signature block as printed)."""
    t = s.templates
    who = find_person(by or "", people)
    if isinstance(who, str):  # no [[pejabat]]: the configured signature, with the name given
        return who, {"nama": who, "nip": t.penandatangan_nip if who == t.penandatangan_nama else "",
                     "jabatan": t.penandatangan_jabatan}
    acting = authorise(who, SURAT, "persetujuan surat balasan", people, on, (), s.peran)
    jabatan = t.penandatangan_jabatan if fits(acting.jabatan, "Sekretaris DPRD") else acting.jabatan
    nip = who.nip or (t.penandatangan_nip if who.nama == t.penandatangan_nama else "")
    return acting.label, {"nama": who.nama, "nip": nip, "jabatan": (f"{acting.plh} " if acting.plh else "") + jabatan}


def approve(ledger: Ledger, s: Settings, wf: Workflow, ref: str, by: str | None, now: datetime,
            channel: str = "cli") -> tuple[Approval, bool]:
    """Approve the final letter of item *ref* (see the module docstring). Returns the
    approval and whether it is new (False: it was approved before, nothing changed)."""
    from ..notify.queue import active_channels, rows_for

    people = s.officials()
    on = now.astimezone(s.tz).date()
    if not (by or "").strip():
        may = who_may(SURAT, people, on, (), s.peran)
        raise TransitionError("Persetujuan surat balasan harus menyebut siapa yang menyetujui.",
                              "Tambahkan --by NAMA." + (" Pilihan: " + "; ".join(a.label for a in may) + "." if may else ""))
    done = wf.last.label
    with ledger.tx() as conn:
        lock_numbering(conn, "surat_keluar")
        row = ledger.find_item(ref, conn=conn)
        before = approval_of(conn, row.key)
        if before is not None:
            return before, False
        if row.tahap != done:
            raise TransitionError(
                f"{row.agenda_no} ada di tahap {row.tahap}: surat balasan baru ada setelah {done}.",
                f"Catat dulu {done} bersama laporan hasil tindak lanjut AKD, lalu setujui suratnya.")
        actor, signer = _signer(s, by, people, on)
        year = now.astimezone(s.tz).year
        seq = ledger.last_surat_keluar_seq(conn, year) + 1
        nomor = format_nomor(s, seq, year)
        ledger.add_surat_keluar(conn, row.key, year, seq, nomor, now, actor, signer)
        ledger.add_event(conn, row.key, now, EVENT, from_stage=row.tahap, to_stage=row.tahap, actor=actor,
                         channel=channel, note=f"Surat balasan disetujui dan diberi nomor {nomor}")
        ledger.add_outbox(conn, row.key, RenderKind.BALASAN, now)  # the letter with its number and date
        if MessageKind.BALASAN_AKHIR in s.notify.kinds and active_channels(s):
            resp = ledger.response_of(conn, row.key)
            item = ledger.item(row.key, conn)
            note = (item.disposisi.get("laporan") if item else "") or ledger.stage_entry_note(conn, row.key, done)
            values = rows_for(s, row.key, MessageKind.BALASAN_AKHIR, resp.payload if resp else {},
                              {"agenda_no": row.agenda_no, "note": note, "nomor": nomor}, now)
            ledger.add_messages(conn, values)
    return Approval(nomor, year, seq, now, actor, signer), True


def buku_rows(ledger: Ledger, tz: Any) -> list[dict[str, str]]:
    """The Buku Surat Keluar, oldest first: one row per approved letter (a rahasia item's
    reporter is not named)."""
    out = []
    for r, item, nama in ledger.surat_keluar_listing():
        nama = nama.strip()
        kepada = f"Pelapor aduan {item.agenda_no} (dirahasiakan)" if item.rahasia else (nama or "Pelapor")
        signer = r.signer
        out.append({
            "No.": str(r.seq), "Tanggal": r.approved_at.astimezone(tz).strftime("%d/%m/%Y"),
            "Nomor Surat": r.nomor, "Kepada": kepada, "Perihal": f"Tindak lanjut aduan: {item.perihal}",
            "No. Agenda": item.agenda_no,
            "Penandatangan": f"{signer.get('jabatan', '')}: {signer.get('nama', '')}".strip(": "),
            "Lampiran": "Laporan Hasil Tindak Lanjut" if item.disposisi.get("laporan") else "-",
        })
    return out
