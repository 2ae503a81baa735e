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

Who: a paraf or disposition step (entering PARAF KASUBAG TU … DISPOSISI DIBACAKAN) must
name the person (*Oleh* / ``--by``), one of the configured ``[[pejabat]]``; the event's
actor is that person and its note is their instruction.

The Ketua decides, Subbag TU records (SOP): DICATAT & DIDISTRIBUSIKAN keeps the AKD recorded
at DISPOSISI KETUA; a different list is refused unless the CLI's ``--ubah-disposisi`` gives
the reason (event UBAH DISPOSISI); after distribution the AKD is not changed in Kendali
(:func:`keep_disposition`). Every accepted change queues exactly the renders of the
documents that show it (:mod:`rerender`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy.engine import Connection

from ..errors import TransitionError
from ..core.kendali_sheet import SIFAT_CHOICES, KendaliEdit, truthy
from ..core.kerahasiaan import KEEP_NOTE, KEEP_PESAN, check_lifter
from ..core import recorded
from ..ledger import ItemChanges, ItemRecord, Ledger
from ..core.recorded import PARAF_CODES, Pejabat, find_person, parse_harap, parse_kepada, resolve_person
from .missing_documents import recorded_files
from ..core.rerender import AKD, HARAP, PERIHAL, RAHASIA, SIFAT, RenderKind, renders_for
from ..core.workflow import KEMBALI, Transition, Workflow, check_transition
from ..core.workflow.roles import authorise, describe, governed, who_may
from ..core.workflow.stages import EXIT_DITOLAK, EXIT_KELENGKAPAN

log = logging.getLogger("siapmas.steps")

STAGE_DISTRIBUTED_CODE = 7  # DICATAT & DIDISTRIBUSIKAN
STAGE_DONE_CODE = 9  # SELESAI


@dataclass
class StepResult:
    agenda_no: str
    accepted: bool
    message: str  # Indonesian, for Pesan / CLI
    transition: Transition | None = None


class StepRecorder:
    def __init__(self, ledger: Ledger, wf: Workflow, clock: Callable[[], datetime], tz: tzinfo,
                 people: Sequence[Pejabat] = (),
                 roles: Mapping[str, Sequence[str]] | None = None,
                 on_move: Callable[[Connection, ItemRecord, Transition, datetime], None] | None = None,
                 lifters: Sequence[str] = ()) -> None:
        self.ledger = ledger
        self.lifters = tuple(lifters)  # jabatan that may lift a rahasia item ([kerahasiaan] dibuka_oleh)
        self.on_move = on_move  # queues the reply to the reporter in the move's transaction (notify)
        self.wf = wf
        self.clock = clock
        self.tz = tz
        self.people = tuple(people)  # [[pejabat]]: who may be named as Oleh / --by
        self.roles = dict(roles or {})  # [peran]: stage code -> jabatan (workflow/roles.py defaults)

    @property
    def distributed_label(self) -> str:
        return self.wf.by_code(STAGE_DISTRIBUTED_CODE).label

    @property
    def done_label(self) -> str:
        return self.wf.by_code(STAGE_DONE_CODE).label

    def _stamp(self, now: datetime) -> str:
        return now.astimezone(self.tz).strftime("%d/%m %H.%M")

    def person(self, by: str | None, target: str | None, *, default: str, ask: str,
               kepada: Sequence[str] = ()) -> str:
        """Who records a step: a configured person whose jabatan fits the step on today's
        date (workflow/roles.py; a Plh. inside their dates is recorded "Nama (Plh. …)"),
        or *default* when nobody is named — refused for a paraf or disposition step, and
        for every step with a role when ``[[pejabat]]`` is configured (*ask*: how to name
        someone). *kepada*: the item's receiving AKD (TINDAK LANJUT / SELESAI)."""
        stage = self.wf.find(target) if target else None
        on = self.clock().astimezone(self.tz).date()
        if by is not None and str(by).strip():
            found = find_person(by, self.people)
            if isinstance(found, str):
                return found
            if stage is None:
                return found.label
            return authorise(found, stage.code, stage.label, self.people, on, kepada, self.roles).label
        # a paraf, a disposition, a rejection or a request for kelengkapan is an official's act:
        # it always names the person (with [[pejabat]]: every step with a role does)
        official_act = stage is not None and (stage.code in PARAF_CODES or stage.code in (EXIT_DITOLAK, EXIT_KELENGKAPAN))
        if stage is not None and (official_act or (self.people and governed(stage.code, self.roles))):
            may = who_may(stage.code, self.people, on, kepada, self.roles)
            raise TransitionError(
                f"{stage.label} harus dicatat atas nama pejabat/staf yang berwenang "
                f"({describe(stage.code, kepada, self.roles) or 'pejabat'}), tetapi tidak disebutkan siapa.",
                ask + (" Pilihan: " + "; ".join(a.label for a in may) + "." if may else ""),
            )
        return default

    # --- stage moves --------------------------------------------------------------------

    def advance(
        self,
        ref: str,
        target: str,
        *,
        akd: str | Sequence[str] | None = None,
        harap: str | Sequence[str] | None = None,
        note: str = "",
        laporan: str = "",
        lampiran: str = "",
        by: str | None = None,
        channel: str = "cli",
        ubah_disposisi: str | None = None,
        conn: Connection | None = None,
        actor: str | None = None,
    ) -> StepResult:
        """Move one item. Raises TransitionError (with the allowed moves) when refused.

        *by*: the person (checked against the configured list; required for a paraf or
        disposition step); *akd*: one or several receiving AKD; *harap*: the "Dengan hormat
        harap" choices; *note*: the instruction / reason; *laporan* / *lampiran*: the AKD's
        follow-up report (SELESAI); *ubah_disposisi*: the reason when DICATAT records AKD
        that differ from the Ketua's disposition (else such a move is refused)."""
        if conn is None:
            with self.ledger.tx() as c:
                return self.advance(ref, target, akd=akd, harap=harap, note=note, laporan=laporan,
                                    lampiran=lampiran, by=by, channel=channel, ubah_disposisi=ubah_disposisi,
                                    conn=c, actor=actor)
        row = self.ledger.find_item(ref, conn=conn)
        now = self.clock()
        kepada = parse_kepada(akd)
        chosen = parse_harap(harap)
        t = check_transition(
            self.wf, row.tahap, target, akd=kepada[0] if kepada else row.diteruskan_ke,
            note=note or laporan, previous=row.previous_tahap,
        )
        if t is None:
            return StepResult(row.agenda_no, True, f"Tahap sudah {row.tahap}; tidak ada perubahan.")
        # *actor*: a move the system records on someone's behalf (the reporter's kelengkapan
        # resumes the stage it left from: cycle/kelengkapan.py), never a paraf given by nobody
        actor = actor or self.person(by, t.to_stage if t.kind != KEMBALI else None,
                            default="Operator (Kendali)" if channel == "kendali" else "Operator",
                            ask="Pilih nama di kolom Oleh." if channel == "kendali" else "Tambahkan --by NAMA.",
                            kepada=recorded.kepada_of(row))
        laporan = " ".join((laporan or "").split())
        lampiran = (lampiran or "").strip()
        if lampiran and not laporan:
            raise TransitionError("Lampiran laporan diisi tanpa teks laporan.", "Isi juga laporan hasil tindak lanjut.")
        if laporan and t.to_stage != self.done_label:
            raise TransitionError(f"Laporan hasil tindak lanjut dicatat saat pindah ke {self.done_label}, bukan ke {t.to_stage}.",
                                  f"Pilih Tahap {self.done_label} bersama laporan.")
        data = recorded.load(row.disposisi)
        values: ItemChanges = {
            "tahap": t.to_stage,
            "previous_tahap": t.from_stage,
            "stage_entered_at": now,
            "updated_at": now,
        }
        before = recorded.kepada_of(row)
        ubah = " ".join((ubah_disposisi or "").split())
        kepada = keep_disposition(kepada, before, into_distribution=t.to_stage == self.distributed_label,
                                  ubah=ubah_disposisi, channel=channel)
        changed_kepada = bool(kepada) and kepada != before
        if not kepada:
            kepada = before or ((t.akd,) if t.akd else ())
        if kepada:
            values["diteruskan_ke"] = kepada[0]
            data["kepada"] = list(kepada)
        if chosen:
            data["harap"] = list(chosen)
        if laporan:
            data["laporan"], data["lampiran"] = laporan, lampiran
        data["oleh"] = actor
        values["disposisi"] = data
        self.ledger.update_item(conn, row.key, values)
        self.ledger.add_event(
            conn, row.key, now, t.event, from_stage=t.from_stage, to_stage=t.to_stage,
            actor=actor, channel=channel, note=" ".join((note or "").split()),
        )
        recorded_parts = []
        if changed_kepada:
            recorded_parts.append("Diteruskan kepada: " + ", ".join(kepada))
        if chosen:
            recorded_parts.append("Dengan hormat harap: " + ", ".join(chosen))
        if changed_kepada and ubah:
            self.ledger.add_event(conn, row.key, now, "UBAH DISPOSISI", from_stage=t.to_stage, to_stage=t.to_stage,
                                  actor=actor, channel=channel,
                                  note=f"Disposisi Ketua DPRD ({', '.join(before)}) diubah menjadi "
                                       f"{', '.join(kepada)}. Alasan: {ubah}")
        if recorded_parts:
            self.ledger.add_event(conn, row.key, now, "DISPOSISI", from_stage=t.to_stage, to_stage=t.to_stage,
                                  actor=actor, channel=channel, note="; ".join(recorded_parts))
        if laporan:
            self.ledger.add_event(conn, row.key, now, "LAPORAN", from_stage=t.to_stage, to_stage=t.to_stage,
                                  actor=actor, channel=channel,
                                  note=laporan + (f" (lampiran: {lampiran})" if lampiran else ""))
        if tuple(kepada) != before:  # the kartu kendali's Indeks is the handling AKD
            for kind in renders_for({AKD}, distributed=False, settled=False):
                self.ledger.add_outbox(conn, row.key, kind, now)
        if t.to_stage == self.distributed_label and t.kind != KEMBALI:
            # one printed version per signing event: the distribution; later notes and
            # follow-up stay in Riwayat (disposisi_record), a return re-prints nothing
            self.ledger.add_outbox(conn, row.key, RenderKind.DISPOSISI, now)
            self.ledger.add_outbox(conn, row.key, RenderKind.KARTU, now)  # its Tgl Diteruskan is known now
        if t.to_stage == self.done_label:
            self.ledger.add_outbox(conn, row.key, RenderKind.BALASAN, now)
        if self.on_move is not None:
            self.on_move(conn, row, t, now)
        log.info("%s: %s → %s (%s, %s)", row.agenda_no, t.from_stage, t.to_stage, actor, channel)
        return StepResult(row.agenda_no, True, f"✓ {self._stamp(now)} {t.from_stage} → {t.to_stage} dicatat.", t)

    # --- other recorded facts -----------------------------------------------------------------

    def set_fields(
        self, conn: Connection, row: ItemRecord, *, sifat: str | None = None, rahasia: bool | None = None,
        akd: str | Sequence[str] | None = None, harap: str | None = None, perihal: str | None = None,
        note: str | None = None, by: str, channel: str,
    ) -> list[str]:
        """Record sifat / rahasia / receiving AKD / harap / perihal / a note. Returns
        messages for Pesan."""
        now = self.clock()
        done: list[str] = []
        values: ItemChanges = {}
        data = recorded.load(row.disposisi)
        if perihal is not None and " ".join(perihal.split()) != " ".join((row.perihal or "").split()):
            text = " ".join(perihal.split())
            if not text:
                raise TransitionError("Perihal tidak boleh kosong.", "Tulis perihal singkat, mis. 'Jalan rusak di Desa Mojorejo'.")
            values["perihal"] = text
            self.ledger.add_event(conn, row.key, now, "PERIHAL", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note=f"Perihal: {text}")
            done.append("perihal diubah (dokumen dibuat ulang)")
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
            if canon == "Rahasia":
                rahasia = True  # a Rahasia letter hides its reporter too
        if rahasia and not row.rahasia:
            values["rahasia"] = True
            self.ledger.add_event(conn, row.key, now, "KERAHASIAAN", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note="Identitas pelapor dirahasiakan")
            done.append("identitas dirahasiakan")
        elif rahasia is not None and not rahasia and row.rahasia:
            # a one-way door: an unticked cell never lifts it (only `buka-rahasia`, see lift_rahasia)
            self.ledger.add_event(conn, row.key, now, "KERAHASIAAN", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note=KEEP_NOTE)
            done.append(KEEP_PESAN)
        kepada = parse_kepada(akd)
        if kepada and set(kepada) != set(recorded.kepada_of(row)) and self._stage_code(row) >= STAGE_DISTRIBUTED_CODE:
            raise TransitionError(
                f"AKD penerima ({', '.join(kepada)}) berbeda dari disposisi Ketua DPRD yang sudah dicatat dan "
                f"didistribusikan ({', '.join(recorded.kepada_of(row))}).",
                "Jika Ketua DPRD mengubah disposisinya: pilih Tahap DIKEMBALIKAN hingga DISPOSISI DIBACAKAN, lalu "
                'catat DICATAT & DIDISTRIBUSIKAN lagi lewat perintah advance dengan --to dan --ubah-disposisi "ALASAN".',
            )
        if kepada and kepada != recorded.kepada_of(row):
            values["diteruskan_ke"] = kepada[0]
            data["kepada"] = list(kepada)
            self.ledger.add_event(conn, row.key, now, "TUJUAN", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note="Diteruskan kepada: " + ", ".join(kepada))
            done.append("diteruskan kepada " + ", ".join(kepada))
        chosen = parse_harap(harap)
        harap_changed = harap is not None and list(chosen) != list(data.get("harap") or [])
        if harap_changed:
            data["harap"] = list(chosen)
            self.ledger.add_event(conn, row.key, now, "DISPOSISI", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note="Dengan hormat harap: " + (", ".join(chosen) or "-"))
            done.append("pilihan 'harap' dicatat")
        if note:
            self.ledger.add_event(conn, row.key, now, "CATATAN", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel=channel, note=note)
            done.append("catatan dipindahkan ke Riwayat")
        if "diteruskan_ke" in values or harap is not None:
            values["disposisi"] = data
        if values:
            values["updated_at"] = now
            self.ledger.update_item(conn, row.key, values)
            # exactly the documents that show what changed are made again (rerender)
            changed = {f for f in (SIFAT, RAHASIA, PERIHAL) if f in values}
            if "diteruskan_ke" in values:
                changed.add(AKD)
            if harap_changed:
                changed.add(HARAP)
            for kind in renders_for(changed, distributed=self._distributed(row), settled=self._settled(row)):
                self.ledger.add_outbox(conn, row.key, kind, now)
        return done

    def _stage_code(self, row: ItemRecord) -> int:
        """The main-stage number of the item's stage (-1 for a side exit)."""
        stage = self.wf.find(row.tahap)
        return stage.code if stage is not None and isinstance(stage.code, int) else -1

    def _distributed(self, row: ItemRecord) -> bool:
        """The item's filled disposisi exists (it reached DICATAT & DIDISTRIBUSIKAN)."""
        return ("disposisi_terisi" in recorded_files(row.documents)
                or self._stage_code(row) >= STAGE_DISTRIBUTED_CODE)

    def _settled(self, row: ItemRecord) -> bool:
        """The item's surat balasan exists (it is SELESAI)."""
        return "surat_balasan" in recorded_files(row.documents) or self._stage_code(row) == STAGE_DONE_CODE

    def lift_rahasia(self, ref: str, *, by: str, alasan: str) -> StepResult:
        """Lift a rahasia item's confidentiality: only by the Kasubag TU (or whoever the
        ``[kerahasiaan] dibuka_oleh`` jabatan names), with a reason, recorded in Riwayat.
        The documents are made again with the reporter's identity."""
        now = self.clock()
        with self.ledger.tx() as conn:
            row = self.ledger.find_item(ref, conn=conn)
            person = check_lifter(by, alasan, self.people, self.lifters)
            if not row.rahasia:
                raise TransitionError(f"{row.agenda_no} tidak dirahasiakan; tidak ada yang dibuka.",
                                      "Periksa nomor agenda (siapmas-sync show NOMOR).")
            reason = " ".join(alasan.split())
            self.ledger.update_item(conn, row.key, {"rahasia": False, "updated_at": now})
            self.ledger.add_event(conn, row.key, now, "KERAHASIAAN", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=person, channel="cli",
                                  note=f"Kerahasiaan identitas pelapor dibuka. Alasan: {reason}")
            for kind in renders_for({RAHASIA}, distributed=self._distributed(row), settled=self._settled(row)):
                self.ledger.add_outbox(conn, row.key, kind, now)
            message = f"✓ {self._stamp(now)} kerahasiaan dibuka oleh {person} (alasan dicatat di Riwayat)."
            self.ledger.update_item(conn, row.key, {"pesan": message})
        return StepResult(row.agenda_no, True, message)

    # --- the Kendali sheet ------------------------------------------------------------------

    def apply_kendali_edit(self, edit: KendaliEdit) -> StepResult:
        """Apply one row's edits in one transaction; refusals are recorded and answered."""
        now = self.clock()
        with self.ledger.tx() as conn:
            row = self.ledger.find_item(edit.agenda_no, conn=conn)
            ch = edit.changes
            v = edit.values
            note = v.get("Catatan", "") if "Catatan" in ch else ""
            moving = "Tahap" in ch
            try:
                oleh = (v.get("Oleh") or "").strip()
                by = resolve_person(oleh, self.people) if oleh else "Operator (Kendali)"
                msgs = self.set_fields(
                    conn, row,
                    sifat=ch.get("Sifat"),
                    rahasia=truthy(ch["Rahasia"]) if "Rahasia" in ch else None,
                    perihal=ch.get("Perihal"),
                    akd=ch.get("Diteruskan ke") if not moving else None,
                    harap=ch.get("Harap") if not moving else None,
                    note=note if not moving else None,
                    by=by, channel="kendali",
                )
                if moving:
                    res = self.advance(
                        edit.agenda_no, ch["Tahap"], akd=ch.get("Diteruskan ke"), harap=ch.get("Harap"),
                        note=note, laporan=v.get("Laporan", "") if "Laporan" in ch else "",
                        lampiran=v.get("Lampiran", "") if "Lampiran" in ch else "",
                        by=by if oleh else None, channel="kendali", conn=conn,
                    )
                    msgs.insert(0, res.message.removeprefix("✓ ").split(" ", 2)[-1].rstrip(".") + f" oleh {by}")
                    if note:
                        msgs.append("catatan dipindahkan ke Riwayat")
                elif ("Laporan" in ch and v.get("Laporan")) or ("Lampiran" in ch and v.get("Lampiran")):
                    raise TransitionError(
                        "Laporan hasil tindak lanjut diisi tanpa memilih Tahap.",
                        f"Pilih Tahap {self.done_label} di baris yang sama dengan laporannya.",
                    )
            except TransitionError as exc:
                raise _Refused(edit, exc, row) from None
        text = "; ".join(m for m in msgs if m) or "tidak ada perubahan"
        message = f"✓ {self._stamp(now)} {text}."
        self._set_pesan(edit.agenda_no, message)
        return StepResult(edit.agenda_no, True, message)

    def refuse(self, refused: _Refused, *, by: str = "Operator (Kendali)") -> StepResult:
        """Answer a refused row in Pesan: what was asked, why not (plain words), what to do.
        Says another step came first only when the stage really changed since the sheet
        was written (the cell the operator edited showed an older stage)."""
        now = self.clock()
        exc, edit = refused.error, refused.edit
        attempted = ", ".join(f"{k} = {v}" for k, v in edit.changes.items() if v)
        message = f"✗ {self._stamp(now)} Tidak dicatat ({attempted or 'isian dikosongkan'}): {exc}"
        if exc.advice:
            message += f" {exc.advice}"
        with self.ledger.tx() as conn:
            row = self.ledger.find_item(edit.agenda_no, conn=conn)
            seen = " ".join(edit.seen.get("Tahap", "").split()).casefold()
            if seen and seen != " ".join(row.tahap.split()).casefold():
                last = self.ledger.last_stage_event(conn, row.key)
                who = f" oleh {last.actor} via {last.channel}" if last is not None else ""
                message += f" (Sementara itu tahap sudah diubah dari {edit.seen['Tahap']} ke {row.tahap}{who}.)"
            message += f" Tahap tetap {row.tahap}."
            self.ledger.add_event(conn, row.key, now, "PERUBAHAN DITOLAK", from_stage=row.tahap, to_stage=row.tahap,
                                  actor=by, channel="kendali", note=f"{attempted}: {exc}")
            self.ledger.update_item(conn, row.key, {"pesan": message})
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
            self.ledger.set_pesan(conn, agenda_no, message)


class _Refused(Exception):
    def __init__(self, edit: KendaliEdit, error: TransitionError, row: ItemRecord) -> None:
        super().__init__(str(error))
        self.edit = edit
        self.error = error
        self.row = row


def keep_disposition(given: tuple[str, ...], ketua: tuple[str, ...], *, into_distribution: bool,
                     ubah: str | None, channel: str) -> tuple[str, ...]:
    """The AKD a move records (SOP: the Ketua decides the disposition; Kasubag TU records
    and distributes it). Moving into DICATAT & DIDISTRIBUSIKAN keeps *ketua* (the list
    recorded at DISPOSISI KETUA): *given* AKD that differ from it are refused unless
    *ubah* gives the reason the Ketua's disposition is changed. Returns the AKD to
    record (empty: keep what is recorded)."""
    reason = " ".join((ubah or "").split())
    differs = into_distribution and bool(given) and bool(ketua) and set(given) != set(ketua)
    if ubah is not None and not differs:
        raise TransitionError(
            "--ubah-disposisi hanya dipakai saat DICATAT & DIDISTRIBUSIKAN dengan AKD (--to) yang berbeda "
            "dari disposisi Ketua DPRD yang tercatat.",
            "Hapus --ubah-disposisi; disposisi Ketua dicatat apa adanya.",
        )
    if not differs:
        return ketua if given and set(given) == set(ketua) else given  # the Ketua's order kept
    if ubah is not None and not reason:
        raise TransitionError("--ubah-disposisi diberikan tanpa alasan.",
                              'Tulis alasannya, mis. --ubah-disposisi "Ketua DPRD mengubah disposisi lewat telepon".')
    if reason:
        return given
    shown, asked = ", ".join(ketua), ", ".join(given)
    if channel == "kendali":
        advice = (f"Kembalikan kolom Diteruskan ke menjadi {shown} (atau kosongkan), lalu pilih Tahap lagi. "
                  "Jika Ketua DPRD memang mengubah disposisinya, catat lewat perintah advance dengan "
                  '--ubah-disposisi "ALASAN".')
    else:
        advice = (f"Hapus --to agar disposisi Ketua ({shown}) yang dicatat. Jika Ketua DPRD memang mengubah "
                  'disposisinya, tambahkan --ubah-disposisi "ALASAN" (dicatat di Riwayat).')
    raise TransitionError(
        f"AKD penerima ({asked}) berbeda dari disposisi Ketua DPRD ({shown}). Subbag TU mencatat dan "
        "mendistribusikan disposisi Ketua; tidak mengubahnya.",
        advice,
    )
