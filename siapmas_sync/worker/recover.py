"""``siapmas-sync recover``: reconcile the ledger with what the spreadsheet shows — rebuild a
lost or damaged ledger, or bring a ledger put back from an old backup up to the sheet.

The sheet gives back agenda numbers (status column), the history with its original event
ids and times (``Riwayat``), and the recorded facts of ``Kendali`` (receiving AKD, sifat,
rahasia). Registration and stage times come from the history, so documents rendered again
after a recovery say what they said before. Whatever the ledger has already is kept; what
the sheet shows and the ledger lacks is added; what is in neither is listed item by item on
screen and in each item's ``DIPULIHKAN`` event, never invented:

* a history the sheet never received (steps recorded after the last write-back) is taken
  from the old database when it can still be read (``salvage``), else reported with the
  time after which steps may be missing;
* a number in ``Buku Agenda``, ``Riwayat``, ``Kendali`` or an output folder whose response
  row is gone is reserved: each year's counter is set to the highest number seen anywhere,
  so the next cycle continues the sequence and never reuses a number.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .. import codec
from ..core import recorded
from ..core.rerender import RenderKind
from ..backends.base import Backend
from ..cycle.binding import bind_source
from ..config import Settings
from ..cycle.engine import BAD_ROW_LABEL, DUPLIKAT_TEXT, Engine, agenda_folder
from ..cycle.kelengkapan import KELENGKAPAN_LABEL
from ..errors import LedgerError
from ..core.intake import check_completeness
from ..core.intake.received import effective_received
from ..core.kendali_sheet import KENDALI_TAB, truthy
from ..ledger import Ledger, Registrations, from_iso, utc_iso
from ..core.recorded import split_list
from ..ledger.aside import move_tables_aside, salvage as salvage_server
from ..core.models import Submission
from ..numbering.template import agenda_pattern
from ..numbering.guard import read_number
from ..numbering.assign import STAGE_REGISTERED, perihal_from
from ..core.routing import suggest_routing
from ..core.sheetplan import BUKU_AGENDA_TAB, RIWAYAT_TAB, cell_text, header_key
from ..cycle.writeback import format_wib, kendali_state

AGENDA = header_key("No. Agenda")
DOCS = (("aduan", "lembar-aduan.pdf"), ("disposisi", "lembar-disposisi.pdf"), ("kendali", "kartu-kendali.pdf"))


@dataclass
class RecoveryReport:
    restored: list[str] = field(default_factory=list)
    duplicates: int = 0
    events: int = 0
    salvaged: int = 0  # events taken from the old database (never written to the sheet)
    to_render: list[str] = field(default_factory=list)
    last_seq: dict[int, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)  # what could not be restored, item by item
    problems: list[str] = field(default_factory=list)
    moved_aside: Path | str | None = None  # the old SQLite file, or the schema a server ledger's tables moved to

    def summary_id(self) -> str:
        lines = [
            f"Dipulihkan: {len(self.restored)} butir, {self.duplicates} duplikat, {self.events} peristiwa riwayat"
            + (f" (+{self.salvaged} dari basis data lama)" if self.salvaged else "") + ".",
            "Nomor terakhir per tahun: " + (", ".join(f"{y}: {s}" for y, s in sorted(self.last_seq.items())) or "-"),
        ]
        if self.moved_aside:
            where = self.moved_aside if isinstance(self.moved_aside, Path) else f"skema {self.moved_aside}"
            lines.append(f"Basis data lama disimpan sebagai {where}")
        if self.to_render:
            lines.append(f"Dokumen dibuat ulang pada siklus berikutnya untuk {len(self.to_render)} butir.")
        if self.lost:
            lines.append("Yang hilang (yang menyangkut satu butir juga dicatat di Riwayat butir itu):")
            lines.extend(f"  - {p}" for p in self.lost)
        if self.problems:
            lines.append("Tidak dapat dipulihkan / perlu diperiksa:")
            lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


def _table(snap_tab: Any) -> list[dict[str, Any]]:
    if snap_tab is None or not snap_tab.header:
        return []
    keys = [header_key(h) for h in snap_tab.header]
    return [{k: (r[i] if i < len(r) else "") for i, k in enumerate(keys)} for r in snap_tab.rows]


def _wib(text: Any, tz: Any) -> datetime | None:
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


def prepare_database(settings: Settings, force: bool) -> Path | str | None:
    """Move a damaged ledger aside (and a healthy one when *force*: rebuilt from scratch);
    a healthy ledger otherwise stays and is brought up to the sheet. Returns the moved file
    (a server ledger: the schema its tables moved to, see ledger.aside), which
    :func:`recover` reads for what the sheet never received."""
    url = settings.database_url()
    if not url.startswith("sqlite"):
        if force:
            return move_tables_aside(url)
        Ledger(url).close()  # reachable and of our schema version, else its GALAT
        return None
    db = settings.storage.database
    if not db.exists():
        return None
    try:
        ledger = Ledger(settings.database_url())
        try:
            ledger.item_rows()
            # damage in pages the items table does not use is still damage
            with ledger.engine.connect() as conn:
                healthy = conn.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
        finally:
            ledger.close()
    except (LedgerError, DBAPIError):
        return move_aside(db, "rusak")
    if not healthy:
        return move_aside(db, "rusak")
    return move_aside(db, "cadangan") if force else None


@dataclass
class _Sheet:
    """What the spreadsheet holds, read once for recovery."""

    subs: list[Submission]
    status: list[dict[str, Any]]
    kendali: dict[str, dict[str, Any]]
    riwayat: dict[str, list[dict[str, Any]]]  # agenda → history rows in id order
    riwayat_ids: set[int]
    shown: set[str]  # every agenda number the sheet shows, any tab
    last_event_at: datetime | None


def _read_sheet(backend: Backend, engine: Engine, tz: Any) -> _Sheet:
    snap = backend.read([BUKU_AGENDA_TAB, RIWAYAT_TAB, KENDALI_TAB])
    subs, _errors = engine.parse(snap)
    status = _table(snap.responses)
    kendali = {cell_text(r.get(AGENDA)): r for r in _table(snap.tabs.get(KENDALI_TAB))}
    riwayat: dict[str, list[dict[str, Any]]] = {}
    ids: set[int] = set()
    last: datetime | None = None
    for r in sorted(_table(snap.tabs.get(RIWAYAT_TAB)), key=lambda r: _int(r.get("id"))):
        riwayat.setdefault(cell_text(r.get(AGENDA)), []).append(r)
        ids.add(_int(r.get("id")))
        at = _wib(r.get("waktu"), tz)
        if at is not None and (last is None or at > last):
            last = at
    shown = {cell_text(r.get(AGENDA)) for r in status} | set(kendali) | set(riwayat)
    shown |= {cell_text(r.get(AGENDA)) for r in _table(snap.tabs.get(BUKU_AGENDA_TAB))}
    shown.discard("")
    return _Sheet(subs, status, kendali, riwayat, ids - {0}, shown, last)


def _salvage(old_db: Path | None, after_id: int) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]] | None:
    """Events with id > *after_id* and every item row of an old (maybe damaged) database,
    read with plain sqlite3 so a damaged file gives what it still can; None when nothing
    can be read."""
    if old_db is None or not old_db.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{old_db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            evs = [dict(r) for r in con.execute("SELECT * FROM events WHERE id > ? ORDER BY id", (after_id,))]
            its = {r["key"]: dict(r) for r in con.execute("SELECT * FROM items")}
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return evs, its


def recover(settings: Settings, backend: Backend, ledger: Ledger, engine: Engine,
            salvage_from: Path | str | None = None) -> RecoveryReport:
    report = RecoveryReport(moved_aside=salvage_from)
    tz = settings.tz
    n = settings.numbering
    pattern = agenda_pattern(n.template, n.kode_klasifikasi, n.unit)
    bind_source(ledger, settings)  # a ledger of another sheet is refused before anything
    sheet = _read_sheet(backend, engine, tz)
    now = engine.clock()

    have_items = {r.key: r for r in ledger.item_rows()}
    have_agenda = {r.agenda_no: r.key for r in have_items.values()}
    have_responses = ledger.known_keys()
    have_events = {r.id for r in ledger.event_rows()}
    after = max(sheet.riwayat_ids | {0})
    salvaged = (salvage_server(settings.database_url(), salvage_from, after) if isinstance(salvage_from, str)
                else _salvage(salvage_from, after))
    old_events, old_items = salvaged if salvaged is not None else ([], {})

    originals: dict[str, str] = dict(have_agenda)  # agenda → key
    duplicates: list[tuple[Submission, str]] = []
    registered: list[tuple[Submission, str, int, int]] = []
    for s in sheet.subs:
        row = sheet.status[s.source_row - 2] if s.source_row - 2 < len(sheet.status) else {}
        agenda = cell_text(row.get(AGENDA))
        tahap = cell_text(row.get(header_key("Tahap")))
        if not agenda and s.key in old_items and s.key not in have_items:
            agenda = old_items[s.key]["agenda_no"]  # numbered, never written back: kept from the old database
        if not agenda or tahap == BAD_ROW_LABEL:
            continue  # not numbered yet: the next cycle numbers it
        if tahap in (DUPLIKAT_TEXT, KELENGKAPAN_LABEL):  # a resubmission, or a kelengkapan: no item of its own
            if s.key not in have_responses:
                duplicates.append((s, agenda))
            continue
        if s.key in have_items:
            if have_items[s.key].agenda_no != agenda:
                report.problems.append(f"Baris {s.source_row}: spreadsheet menulis {agenda}, buku besar "
                                       f"{have_items[s.key].agenda_no}; yang dipakai {have_items[s.key].agenda_no}.")
            continue
        number = read_number(pattern, agenda)
        if number is None:
            report.problems.append(f"Baris {s.source_row}: nomor agenda '{agenda}' tidak sesuai templat {n.template}.")
            continue
        if agenda in originals:
            report.problems.append(f"Baris {s.source_row}: nomor {agenda} muncul dua kali; hanya yang pertama dipulihkan.")
            continue
        originals[agenda] = s.key
        registered.append((s, agenda, *number))

    evidence = backend.find_evidence([s for s, *_ in registered])
    with ledger.tx() as conn:
        notes: dict[str, str] = {}
        for s, agenda, year, seq in registered:
            notes[s.key] = _restore_item(conn, engine, sheet, s, agenda, year, seq, evidence.get(s.key, ([], [])),
                                         old_items.get(s.key), now, report)
            report.restored.append(agenda)
        key_of = dict(originals)
        # the history keeps its original ids (the Riwayat tab is keyed by them), so it
        # goes in before any new event takes the next id
        report.events += _merge_history(conn, sheet, key_of, have_items, have_events, tz, now)
        report.salvaged += _apply_salvage(conn, old_events, set(key_of.values()), have_events)
        Ledger.resync_event_ids(conn)  # the history went in with its own ids (PostgreSQL)
        for key, note in notes.items():
            tahap = Ledger.stage_of(conn, key)
            Ledger.add_event(conn, key, now, "DIPULIHKAN", from_stage=tahap, to_stage=tahap,
                             actor="Sistem SIAPMAS", channel="sistem", note=note)
        for s, agenda in duplicates:
            if agenda not in key_of:
                report.problems.append(f"Baris {s.source_row}: duplikat dari {agenda}, tetapi {agenda} tidak ditemukan.")
                continue
            received = effective_received(s.received_at, now, settings.source.form_start, tz)
            Ledger.add_registrations(conn, Registrations(responses=[dict(
                key=s.key, content_hash=s.content_hash, received_at=utc_iso(received),
                payload=codec.dumps(codec.submission_to_dict(s)), duplicate_of=key_of[agenda], first_seen_at=utc_iso(now))]))
            report.duplicates += 1
        _set_counters(conn, sheet, engine, pattern, key_of, report)
    if salvaged is None and sheet.last_event_at is not None:
        report.lost.append(
            f"Langkah yang dicatat setelah {format_wib(sheet.last_event_at, tz)} (lewat `advance` atau Kendali) "
            "mungkin belum sampai ke spreadsheet dan tidak dapat diketahui; periksa kolom Tahap di Kendali "
            "dan catat ulang bila perlu.")
    # the Kendali sheet as the worker would now write it, so only later edits count
    payloads = ledger.payloads()
    states = {row.key: kendali_state(engine.views.kendali_row(row, payloads[row.key], now)) for row in ledger.item_rows()}
    with ledger.tx() as conn:
        ledger.set_kendali_states(conn, states)
    return report


def _moves(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [h for h in history if cell_text(h.get(header_key("Ke Tahap"))) and
            cell_text(h.get(header_key("Ke Tahap"))) != cell_text(h.get(header_key("Dari Tahap")))]


def _restore_item(conn: Connection, engine: Engine, sheet: _Sheet, s: Submission, agenda: str, year: int, seq: int,
                  found: tuple[list[Any], list[Any]], old: dict[str, Any] | None, now: datetime,
                  report: RecoveryReport) -> str:
    """One item the sheet shows and the ledger lacks, with its times from the history;
    returns the note of its DIPULIHKAN event (what could not be restored)."""
    tz = engine.tz
    n = engine.s.numbering
    history = sheet.riwayat.get(agenda, [])
    k = sheet.kendali.get(agenda, {})
    ev, ev_findings = found
    moves = _moves(history)
    last = moves[-1] if moves else None
    lost: list[str] = []
    reg = next((h for h in history if cell_text(h.get(header_key("Ke Tahap"))) == STAGE_REGISTERED
                and cell_text(h.get("peristiwa")) == STAGE_REGISTERED), None)
    registered_at = _wib(reg.get("waktu"), tz) if reg else None
    if registered_at is None and old is not None:
        registered_at = datetime.fromisoformat(old["registered_at"])
    if registered_at is None:
        registered_at = s.received_at
        lost.append("waktu registrasi (dipakai waktu kiriman formulir)")
    tahap = cell_text(last.get(header_key("Ke Tahap"))) if last else (cell_text(k.get("tahap")) or STAGE_REGISTERED)
    entered = _wib(last.get("waktu"), tz) if last else None
    if entered is None:
        entered = registered_at if tahap == STAGE_REGISTERED else now
        if tahap != STAGE_REGISTERED:
            lost.append(f"waktu masuk tahap {tahap} (dihitung dari saat pemulihan)")
    if not history:
        lost.append(f"riwayat (tidak ada di tab Riwayat; tahap diambil dari Kendali: {tahap})")
    folder = engine.out_dir / str(year) / agenda_folder(agenda)
    docs = {name: str((folder / f).relative_to(engine.out_dir)) for name, f in DOCS if (folder / f).is_file()}
    routing = suggest_routing(s.kronologi, engine.routing)
    # when it counts as received (an implausible form timestamp: when the secretariat got it)
    received = effective_received(s.received_at, registered_at, engine.s.source.form_start, tz)
    Ledger.add_registrations(conn, Registrations(responses=[dict(
        key=s.key, content_hash=s.content_hash, received_at=utc_iso(received),
        payload=codec.dumps(codec.submission_to_dict(s)), duplicate_of=None, first_seen_at=utc_iso(registered_at))],
                                                 items=[dict(
        key=s.key, year=year, seq=seq, agenda_no=agenda, registered_at=utc_iso(registered_at),
        updated_at=utc_iso(entered), tahap=tahap, stage_entered_at=utc_iso(entered),
        previous_tahap=cell_text(last.get(header_key("Dari Tahap"))) if last else "DITERIMA",
        diteruskan_ke=next(iter(split_list(cell_text(k.get(header_key("Diteruskan ke"))))), None),
        rahasia=truthy(k.get("rahasia")),
        sifat=cell_text(k.get("sifat")) or "Biasa",
        perihal=cell_text(k.get(header_key("Perihal"))).strip() or perihal_from(s.kronologi),
        disposisi=recorded.dump({key: split_list(cell_text(k.get(header_key(title))))
                                 for key, title in (("kepada", "Diteruskan ke"), ("harap", "Harap"))}),
        kode_klasifikasi=n.kode_klasifikasi, routing=codec.dumps(codec.routing_to_dict(routing)),
        findings=codec.dumps([codec.finding_to_dict(f) for f in check_completeness(s, ev) + tuple(ev_findings)]),
        evidence=codec.dumps([codec.evidence_to_dict(e) for e in ev]),
        documents=codec.dumps(docs) if len(docs) == len(DOCS) else "{}",
        print_batch="dipulihkan" if len(docs) == len(DOCS) else None, pesan="")]))
    if len(docs) != len(DOCS):
        Ledger.add_outbox(conn, s.key, RenderKind.RENDER, now)
        report.to_render.append(agenda)
    note = "Buku besar dibangun ulang dari spreadsheet"
    if lost:
        note += "; tidak dapat dipulihkan: " + "; ".join(lost)
        report.lost.extend(f"{agenda}: {x}" for x in lost)
    return note


def _merge_history(conn: Connection, sheet: _Sheet, key_of: dict[str, str], have_items: dict[str, Any],
                   have_events: set[int], tz: Any, now: datetime) -> int:
    """Riwayat rows the ledger lacks, with their original ids; an item the ledger already
    had moves to the stage its newest added history says."""
    added = 0
    for agenda, history in sheet.riwayat.items():
        key = key_of.get(agenda)
        if key is None:
            continue
        new_moves = []
        for h in history:
            hid = _int(h.get("id"))
            if hid and hid in have_events:
                continue
            at = _wib(h.get("waktu"), tz) or now
            values = dict(key=key, at=utc_iso(at), event=cell_text(h.get("peristiwa")) or "?",
                          from_stage=cell_text(h.get(header_key("Dari Tahap"))) or None,
                          to_stage=cell_text(h.get(header_key("Ke Tahap"))) or None,
                          actor=cell_text(h.get("oleh")) or "?", channel=cell_text(h.get("saluran")) or "?",
                          note=cell_text(h.get("catatan")))
            Ledger.add_registrations(conn, Registrations(events=[{"id": hid, **values} if hid else values]))
            if hid:
                have_events.add(hid)
            added += 1
            if key in have_items and values["to_stage"] and values["to_stage"] != values["from_stage"]:
                new_moves.append(values)
        if new_moves and key in have_items:
            m = new_moves[-1]
            Ledger.update_item(conn, key, {"tahap": str(m["to_stage"]), "previous_tahap": m["from_stage"],
                                           "stage_entered_at": from_iso(str(m["at"])), "updated_at": from_iso(str(m["at"]))})
    return added


def _apply_salvage(conn: Connection, old_events: list[dict[str, Any]], keys: set[str], have_events: set[int]) -> int:
    """Events of the old database the sheet never received (newer than its Riwayat), for
    the items now in the ledger; each item ends at the stage they lead to."""
    done = 0
    last_move: dict[str, dict[str, Any]] = {}
    for e in old_events:
        if e["key"] not in keys or e["id"] in have_events:
            continue
        Ledger.add_registrations(conn, Registrations(events=[{c: e[c] for c in (
            "id", "key", "at", "event", "from_stage", "to_stage", "actor", "channel", "note")}]))
        have_events.add(e["id"])
        done += 1
        if e["to_stage"] and e["to_stage"] != e["from_stage"]:
            last_move[e["key"]] = e
    for key, e in last_move.items():
        Ledger.update_item(conn, key, {"tahap": e["to_stage"], "previous_tahap": e["from_stage"],
                                       "stage_entered_at": from_iso(e["at"]), "updated_at": from_iso(e["at"])})
    return done


def _set_counters(conn: Connection, sheet: _Sheet, engine: Engine, pattern: re.Pattern[str],
                  key_of: dict[str, str], report: RecoveryReport) -> None:
    """Each year's counter: the highest number the ledger, the sheet (any tab) or an output
    folder shows — a number seen anywhere is never given again."""
    seen: dict[int, set[int]] = {}
    for agenda in sorted(sheet.shown):
        number = read_number(pattern, agenda)
        if number is not None:
            seen.setdefault(number[0], set()).add(number[1])
            if agenda not in key_of:
                report.problems.append(f"{agenda} ada di spreadsheet (Buku Agenda/Riwayat/Kendali) tetapi baris "
                                       "jawabannya tidak ditemukan; isi aduannya tidak dapat dipulihkan, nomornya "
                                       "tidak akan dipakai ulang.")
    n = engine.s.numbering
    folder_pattern = agenda_pattern(_folder_template(n.template), agenda_folder(n.kode_klasifikasi),
                                    agenda_folder(n.unit))
    folders = {agenda_folder(a) for a in key_of}
    for year_dir in sorted(p for p in engine.out_dir.glob("[0-9][0-9][0-9][0-9]") if p.is_dir()):
        for d in sorted(year_dir.iterdir()):
            number = read_number(folder_pattern, d.name)
            if number is not None:
                seen.setdefault(number[0], set()).add(number[1])
                if d.name not in folders:
                    report.problems.append(f"Folder dokumen {d.name} ada di folder keluaran tetapi nomornya tidak ada di "
                                           "spreadsheet; nomor itu tidak akan dipakai ulang.")
    have, held = Ledger.agenda_seqs(conn)
    for year in sorted(set(seen) | set(have) | set(held)):
        top = max(seen.get(year, set()) | held.get(year, set()) | {have.get(year, 0)})
        Ledger.set_counter(conn, year, top)
        report.last_seq[year] = top
        missing = sorted(set(range(1, top + 1)) - held.get(year, set()) - seen.get(year, set()))
        if missing:
            report.problems.append(
                f"Tahun {year}: nomor {_ranges(missing)} tidak ada di spreadsheet (baris dihapus?); "
                "nomor itu tidak akan dipakai ulang.")


def _folder_template(template: str) -> str:
    """The numbering template as :func:`~siapmas_sync.cycle.engine.agenda_folder` writes folder names."""
    return re.sub(r"[^0-9A-Za-z._{}:-]+", "-", template).strip("-.")


def _int(v: Any) -> int:
    try:
        return int(float(cell_text(v)))
    except ValueError:
        return 0


def _ranges(nums: list[int]) -> str:
    return ", ".join(str(x) for x in nums[:20]) + (" …" if len(nums) > 20 else "")


__all__ = ["RecoveryReport", "agenda_pattern", "prepare_database", "recover"]
