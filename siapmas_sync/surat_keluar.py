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

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from .config import Settings
from .errors import TransitionError
from .ledger import Ledger, events, from_iso, items, responses, surat_keluar, surat_keluar_counters, utc_iso
from .recorded import find_person, load as load_recorded
from .sheetplan import BUKU_SURAT_KELUAR_COLUMNS, BUKU_SURAT_KELUAR_TAB
from .sqldialect import lock_numbering, upsert_counter
from .workflow import Workflow
from .workflow.roles import SURAT, authorise, fits, who_may

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


def _approval(r: Any) -> Approval:
    return Approval(r.nomor, r.year, r.seq, from_iso(r.approved_at), r.approved_by, json.loads(r.signer or "{}"))


def approval_of(conn: Connection, key: str) -> Approval | None:
    r = conn.execute(select(surat_keluar).where(surat_keluar.c.key == key)).first()
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
    from .notify.queue import active_channels, rows_for
    from .ledger import messages

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
        last = conn.execute(select(surat_keluar_counters.c.last_seq).where(
            surat_keluar_counters.c.year == year).with_for_update()).scalar() or 0
        seq = last + 1
        nomor = format_nomor(s, seq, year)
        at = utc_iso(now)
        conn.execute(insert(surat_keluar).values(key=row.key, year=year, seq=seq, nomor=nomor, approved_at=at,
                                                 approved_by=actor, signer=json.dumps(signer, ensure_ascii=False)))
        upsert_counter(conn, surat_keluar_counters, year, seq)
        ledger.add_event(conn, row.key, now, EVENT, from_stage=row.tahap, to_stage=row.tahap, actor=actor,
                         channel=channel, note=f"Surat balasan disetujui dan diberi nomor {nomor}")
        ledger.add_outbox(conn, row.key, "balasan", now)  # the letter with its number and date
        if "balasan_akhir" in s.notify.kinds and active_channels(s):
            payload = json.loads(conn.execute(select(responses.c.payload).where(
                responses.c.key == row.key)).scalar() or "{}")
            data = load_recorded(row.disposisi)
            note = data.get("laporan") or _done_note(conn, row.key, done)
            values = rows_for(s, row.key, "balasan_akhir", payload, {"agenda_no": row.agenda_no, "note": note,
                                                                    "nomor": nomor}, now)
            if values:
                conn.execute(insert(messages), values)
    return Approval(nomor, year, seq, now, actor, signer), True


def _done_note(conn: Connection, key: str, done: str) -> str:
    return conn.execute(select(events.c.note).where(events.c.key == key, events.c.to_stage == done,
                                                    events.c.from_stage != done)
                        .order_by(events.c.id.desc()).limit(1)).scalar() or ""


def buku_rows(ledger: Ledger, tz: Any) -> list[dict[str, str]]:
    """The Buku Surat Keluar, oldest first: one row per approved letter (a rahasia item's
    reporter is not named)."""
    q = (select(surat_keluar, items.c.agenda_no, items.c.perihal, items.c.rahasia, items.c.disposisi,
                responses.c.payload)
         .join(items, items.c.key == surat_keluar.c.key)
         .join(responses, responses.c.key == surat_keluar.c.key, isouter=True)
         .order_by(surat_keluar.c.year, surat_keluar.c.seq))
    out = []
    with ledger.engine.connect() as conn:
        for r in conn.execute(q):
            nama = (json.loads(r.payload or "{}").get("nama") or "").strip()
            kepada = f"Pelapor aduan {r.agenda_no} (dirahasiakan)" if r.rahasia else (nama or "Pelapor")
            signer = json.loads(r.signer or "{}")
            out.append({
                "No.": str(r.seq), "Tanggal": from_iso(r.approved_at).astimezone(tz).strftime("%d/%m/%Y"),
                "Nomor Surat": r.nomor, "Kepada": kepada, "Perihal": f"Tindak lanjut aduan: {r.perihal}",
                "No. Agenda": r.agenda_no,
                "Penandatangan": f"{signer.get('jabatan', '')}: {signer.get('nama', '')}".strip(": "),
                "Lampiran": "Laporan Hasil Tindak Lanjut" if load_recorded(r.disposisi).get("laporan") else "-",
            })
    return out
