"""``siapmas-sync recover``: rebuild a lost or corrupted ledger from what the spreadsheet
holds — agenda numbers (status columns), stages and history (``Riwayat``), and the
recorded facts of ``Kendali`` (receiving AKD, sifat, rahasia).

What the sheet cannot give back is reported, never invented: a number in ``Buku Agenda``
whose response row is gone, a history row that names an unknown agenda. The sequence
counter of each year is set to the highest number seen, so the next cycle continues the
sequence and never reuses a number, even one whose row was deleted.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError

from . import codec
from .backends.base import Backend
from .config import Settings
from .engine import BAD_ROW_LABEL, DUPLIKAT_TEXT, Engine, agenda_folder
from .register import perihal_from
from .errors import LedgerError
from .intake import check_completeness
from .kendali import KENDALI_TAB, truthy
from .ledger import Ledger, counters, items, responses, utc_iso
from .models import Submission
from .numbering import agenda_pattern
from .routing import suggest_routing
from .sheetplan import BUKU_AGENDA_TAB, RIWAYAT_TAB, cell_text, header_key
from .writeback import kendali_state


@dataclass
class RecoveryReport:
    restored: list[str] = field(default_factory=list)
    duplicates: int = 0
    events: int = 0
    to_render: list[str] = field(default_factory=list)
    last_seq: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    moved_aside: Path | None = None

    def summary_id(self) -> str:
        lines = [
            f"Dipulihkan: {len(self.restored)} butir, {self.duplicates} duplikat, {self.events} peristiwa riwayat.",
            "Nomor terakhir per tahun: " + (", ".join(f"{y}: {s}" for y, s in sorted(self.last_seq.items())) or "-"),
        ]
        if self.moved_aside:
            lines.append(f"Basis data lama disimpan sebagai {self.moved_aside}")
        if self.to_render:
            lines.append(f"Dokumen dibuat ulang pada siklus berikutnya untuk {len(self.to_render)} butir.")
        if self.problems:
            lines.append("Tidak dapat dipulihkan / perlu diperiksa:")
            lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


def _table(snap_tab: Any) -> list[dict[str, Any]]:
    if snap_tab is None or not snap_tab.header:
        return []
    keys = [header_key(h) for h in snap_tab.header]
    return [{k: (r[i] if i < len(r) else "") for i, k in enumerate(keys)} for r in snap_tab.rows]


def _wib(text: str, tz: Any) -> datetime | None:
    try:
        return datetime.strptime(cell_text(text), "%d/%m/%Y %H.%M").replace(tzinfo=tz)
    except ValueError:
        return None


def move_aside(db: Path, reason: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = db.with_name(f"{db.name}.{reason}-{stamp}")
    shutil.move(str(db), target)
    for suffix in ("-wal", "-shm"):
        side = db.with_name(db.name + suffix)
        if side.exists():
            shutil.move(str(side), target.with_name(target.name + suffix))
    return target


def prepare_database(settings: Settings, force: bool) -> Path | None:
    """Refuse to overwrite a healthy ledger unless forced; move a broken one aside."""
    if settings.storage.url:
        raise LedgerError(
            "recover membangun ulang basis data SQLite; [storage] url menunjuk server basis data.",
            "Pulihkan server basis data dari cadangannya, atau kosongkan tabelnya lalu jalankan recover dengan SQLite.",
        )
    db = settings.storage.database
    if not db.exists():
        return None
    try:
        ledger = Ledger(settings.database_url())
        n = len(ledger.item_rows())
        ledger.close()
    except (LedgerError, DBAPIError):
        return move_aside(db, "rusak")
    if n and not force:
        raise LedgerError(
            f"Basis data {db} masih utuh ({n} butir); recover tidak dijalankan.",
            "Jika memang ingin membangun ulang dari spreadsheet, jalankan `siapmas-sync recover --force` "
            "(basis data lama disimpan dengan akhiran .cadangan-…).",
        )
    return move_aside(db, "cadangan")


def recover(settings: Settings, backend: Backend, ledger: Ledger, engine: Engine) -> RecoveryReport:
    report = RecoveryReport()
    tz = settings.tz
    n = settings.numbering
    pattern = agenda_pattern(n.template, n.kode_klasifikasi, n.unit)
    snap = backend.read([BUKU_AGENDA_TAB, RIWAYAT_TAB, KENDALI_TAB])
    subs, _errors = engine.parse(snap)
    status = _table(snap.responses)
    kendali = {cell_text(r.get(header_key("No. Agenda"))): r for r in _table(snap.tabs.get(KENDALI_TAB))}
    riwayat: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(_table(snap.tabs.get(RIWAYAT_TAB)), key=lambda r: _int(r.get("id"))):
        riwayat.setdefault(cell_text(r.get(header_key("No. Agenda"))), []).append(r)
    buku = {cell_text(r.get(header_key("No. Agenda"))) for r in _table(snap.tabs.get(BUKU_AGENDA_TAB))}

    originals: dict[str, str] = {}  # agenda → key
    duplicates: list[tuple[Submission, str]] = []
    now = engine.clock()
    found_numbers: dict[int, set[int]] = {}
    registered: list[tuple[Submission, str, int, int]] = []
    for s in subs:
        row = status[s.source_row - 2] if s.source_row - 2 < len(status) else {}
        agenda = cell_text(row.get(header_key("No. Agenda")))
        tahap = cell_text(row.get(header_key("Tahap")))
        if not agenda or tahap == BAD_ROW_LABEL:
            continue  # not numbered yet: the next cycle numbers it
        if tahap == DUPLIKAT_TEXT:
            duplicates.append((s, agenda))
            continue
        m = pattern.match(agenda)
        if not m:
            report.problems.append(f"Baris {s.source_row}: nomor agenda '{agenda}' tidak sesuai templat {n.template}.")
            continue
        seq, year = int(m["seq"]), int(m["year"]) if "year" in m.groupdict() else s.received_at.astimezone(tz).year
        if agenda in originals:
            report.problems.append(f"Baris {s.source_row}: nomor {agenda} muncul dua kali; hanya yang pertama dipulihkan.")
            continue
        originals[agenda] = s.key
        found_numbers.setdefault(year, set()).add(seq)
        registered.append((s, agenda, year, seq))

    evidence = backend.find_evidence([s for s, *_ in registered])
    with ledger.tx() as conn:
        for s, agenda, year, seq in registered:
            history = riwayat.get(agenda, [])
            k = kendali.get(agenda, {})
            ev, ev_findings = evidence.get(s.key, ([], []))
            moves = [h for h in history if cell_text(h.get(header_key("Ke Tahap"))) and
                     cell_text(h.get(header_key("Ke Tahap"))) != cell_text(h.get(header_key("Dari Tahap")))]
            last = moves[-1] if moves else None
            tahap = cell_text(last.get(header_key("Ke Tahap"))) if last else (cell_text(k.get("tahap")) or "TERAGENDA")
            entered = (_wib(last.get("waktu"), tz) if last else None) or now
            folder = engine.out_dir / str(year) / agenda_folder(agenda)
            docs = {name: str((folder / f).relative_to(engine.out_dir)) for name, f in
                    (("aduan", "lembar-aduan.pdf"), ("disposisi", "lembar-disposisi.pdf"), ("kendali", "kartu-kendali.pdf"))
                    if (folder / f).is_file()}
            routing = suggest_routing(s.kronologi, engine.routing)
            akd = cell_text(k.get(header_key("Diteruskan ke"))) or None
            sifat = cell_text(k.get("sifat")) or "Biasa"
            conn.execute(insert(responses).values(
                key=s.key, content_hash=s.content_hash, received_at=utc_iso(s.received_at),
                payload=codec.dumps(codec.submission_to_dict(s)), duplicate_of=None, first_seen_at=utc_iso(now)))
            conn.execute(insert(items).values(
                key=s.key, year=year, seq=seq, agenda_no=agenda, registered_at=utc_iso(now), updated_at=utc_iso(now),
                tahap=tahap, stage_entered_at=utc_iso(entered),
                previous_tahap=cell_text(last.get(header_key("Dari Tahap"))) if last else "DITERIMA",
                diteruskan_ke=akd, rahasia=truthy(k.get("rahasia")), sifat=sifat, perihal=perihal_from(s.kronologi),
                kode_klasifikasi=n.kode_klasifikasi, routing=codec.dumps(codec.routing_to_dict(routing)),
                findings=codec.dumps([codec.finding_to_dict(f) for f in check_completeness(s, ev) + tuple(ev_findings)]),
                evidence=codec.dumps([codec.evidence_to_dict(e) for e in ev]),
                documents=codec.dumps(docs) if len(docs) == 3 else "{}",
                print_batch="dipulihkan" if len(docs) == 3 else None, pesan=""))
            for h in history:
                at = _wib(h.get("waktu"), tz) or now
                ledger.add_event(conn, s.key, at, cell_text(h.get("peristiwa")) or "?",
                                 from_stage=cell_text(h.get(header_key("Dari Tahap"))) or None,
                                 to_stage=cell_text(h.get(header_key("Ke Tahap"))) or None,
                                 actor=cell_text(h.get("oleh")) or "?", channel=cell_text(h.get("saluran")) or "?",
                                 note=cell_text(h.get("catatan")))
                report.events += 1
            if not history:
                report.problems.append(f"{agenda}: riwayat tidak ada di tab Riwayat; tahap diambil dari kolom status ({tahap}).")
            ledger.add_event(conn, s.key, now, "DIPULIHKAN", from_stage=tahap, to_stage=tahap, actor="Sistem SIAPMAS",
                             channel="sistem", note="Buku besar dibangun ulang dari spreadsheet")
            if len(docs) != 3:
                ledger.add_outbox(conn, s.key, "render", now)
                report.to_render.append(agenda)
            report.restored.append(agenda)
        for s, agenda in duplicates:
            if agenda not in originals:
                report.problems.append(f"Baris {s.source_row}: duplikat dari {agenda}, tetapi {agenda} tidak ditemukan.")
                continue
            conn.execute(insert(responses).values(
                key=s.key, content_hash=s.content_hash, received_at=utc_iso(s.received_at),
                payload=codec.dumps(codec.submission_to_dict(s)), duplicate_of=originals[agenda], first_seen_at=utc_iso(now)))
            report.duplicates += 1
        for year, seqs in found_numbers.items():
            top = max(seqs)
            conn.execute(insert(counters).values(year=year, last_seq=top))
            report.last_seq[year] = top
            missing = sorted(set(range(1, top + 1)) - seqs)
            if missing:
                report.problems.append(
                    f"Tahun {year}: nomor {_ranges(missing)} tidak ada di spreadsheet (baris dihapus?); "
                    "nomor itu tidak akan dipakai ulang.")
    for agenda in sorted(buku - set(originals) - {""}):
        report.problems.append(f"{agenda} ada di Buku Agenda tetapi baris jawabannya tidak ditemukan; isi aduannya tidak dapat dipulihkan.")
    # the Kendali sheet as the worker would now write it, so only later edits count
    with ledger.tx() as conn:
        payloads = ledger.payloads()
        for row in conn.execute(select(items)):
            state = kendali_state(engine.views.kendali_row(row, payloads[row.key], now))
            conn.execute(update(items).where(items.c.key == row.key).values(kendali_state=state))
    return report


def _int(v: Any) -> int:
    try:
        return int(float(cell_text(v)))
    except ValueError:
        return 0


def _ranges(nums: list[int]) -> str:
    return ", ".join(str(x) for x in nums[:20]) + (" …" if len(nums) > 20 else "")


__all__ = ["RecoveryReport", "agenda_pattern", "prepare_database", "recover"]
