"""Command line: ``siapmas-sync [--config FILE] COMMAND``.

Owns argument parsing (click), turning every SiapmasError into a short Indonesian message
plus advice with no traceback, and the human / ``--json`` presentation of results.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from datetime import datetime
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import clitext

clitext.install()  # before the decorators below: click's own words in Indonesian

from . import __version__  # noqa: E402
from .errors import SiapmasError  # noqa: E402

# Start-up: `--help`, `status` and `show` are what an operator types most, and the suite
# starts the CLI a few hundred times. Importing the engine (reportlab, pypdf, the Google
# clients…) eagerly cost ≈ 1 CPU-second per start, so everything past click, the config
# and the ledger is imported inside the command that needs it (README, "Performance").
if TYPE_CHECKING:
    from .config import Settings
    from .cycle.engine import Engine
    from .ledger import ItemRecord, Ledger

log = logging.getLogger("siapmas.cli")

EXIT_USER_ERROR = 2


class Ctx:
    """What a command works with (settings, worker lock, engine, ledger). Usable without
    click: a script or the benchmark builds ``Ctx(config, command="sync")``; the CLI
    passes the name of the subcommand it is about to run."""

    def __init__(self, config: Path | None, tenant: str | None = None, command: str = "",
                 say: Callable[[str], None] | None = None) -> None:
        self.config_path = config
        self.tenant = tenant  # with a deployment file (tenants/): which DPRD
        self.command = command  # decides what a deployment file allows (tenants/deployment.py)
        self.say = say or (lambda m: print(m, file=sys.stderr))
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from . import failures
            from .config import load_settings
            from .logs import setup_logging
            from .tenants.deployment import cli_settings

            self._settings = cli_settings(self.config_path, self.tenant, self.command) or load_settings(self.config_path)
            setup_logging(self._settings.log_level, tz=self._settings.tz)
            s = self._settings
            failures.remember(s.storage.database if s.database_url().startswith("sqlite") else None,
                              s.output.dir, s.source.register_file if s.source.backend == "local" else None)
        return self._settings

    def lock(self, wait: float | None = None) -> Any:
        from .worker.lock import ledger_lock

        s = self.settings
        return ledger_lock(s.database_url(), s.output.dir, wait=wait, say=self.say)

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        from .backends import open_backend
        from .cycle.engine import Engine
        from .ledger import Ledger

        s = self.settings
        ledger = Ledger(s.database_url())
        backend = open_backend(s)
        try:
            yield Engine(s, backend, ledger)
        finally:
            backend.close()
            ledger.close()

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        from .ledger import Ledger

        ledger = Ledger(self.settings.database_url())
        try:
            yield ledger
        finally:
            ledger.close()


pass_ctx = click.make_pass_decorator(Ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "-c",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="SIAPMAS_CONFIG",
    help="Berkas konfigurasi TOML (bawaan: ./siapmas.toml atau ./config/siapmas.toml).",
)
@click.option("--tenant", default=None,
              help="Dengan berkas deployment (banyak DPRD): id tenant yang dimaksud (lihat `siapmas-sync tenants`).")
@click.version_option(__version__, prog_name="siapmas-sync")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, tenant: str | None) -> None:
    """SIAPMAS Sync — aspirasi & pengaduan masyarakat DPRD Kabupaten Mojokerto."""
    from .filemodes import restrict_umask

    restrict_umask()  # whatever the caller's umask: what we create is private (filemodes)
    ctx.obj = Ctx(config, tenant, command=ctx.invoked_subcommand or "", say=lambda m: click.echo(m, err=True))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON untuk skrip.")
@click.option("--wait", type=float, default=None, help="Detik menunggu worker lain selesai (bawaan: tunggu terus).")
@pass_ctx
def sync(c: Ctx, as_json: bool, wait: float | None) -> None:
    """Jalankan satu siklus sinkronisasi."""
    from .logs import mask_text

    with c.lock(wait), c.engine() as engine:
        report = engine.cycle()
    if as_json:
        click.echo(mask_text(
            json.dumps(
                {
                    "new": report.new,
                    "incomplete": report.incomplete,
                    "duplicates": [{"row": r, "agenda": a} for r, a in report.duplicates],
                    "row_errors": [{"row": e.row, "message": e.message} for e in report.row_errors],
                    "rendered": report.rendered,
                    "render_errors": [{"agenda": a, "message": m} for a, m in report.render_errors],
                    "batches": [str(b) for b in report.batches],
                    "salinan": report.salinan,
                    "salinan_pending": report.salinan_pending,
                    "documents_restored": report.restored,
                    "notices": report.notices,
                    "cells_written": report.cells_written,
                    "output_dir": str(report.output_dir),
                    "warnings": report.warnings,
                    "failures": [{"message": f.message, "advice": f.advice} for f in report.failures],
                },
                ensure_ascii=False,
                indent=2,
            )
        ))
    else:
        click.echo(mask_text(report.summary_id()))
    if report.failures:  # the cycle's other work is kept; what stopped part of it ends in GALAT/Saran
        first = report.failures[0]
        more = f" (dan {len(report.failures) - 1} masalah lain, lihat ringkasan)" if len(report.failures) > 1 else ""
        raise SiapmasError(first.message + more, first.advice)


@cli.command()
@click.option("--once", is_flag=True, hidden=True, help="Satu siklus lalu berhenti (uji).")
@pass_ctx
def run(c: Ctx, once: bool) -> None:
    """Jalankan terus-menerus sesuai [schedule] interval_minutes (Ctrl-C untuk berhenti).
    Dengan berkas deployment ([[tenant]]): layani setiap tenant yang dapat disewa."""
    from .worker.scheduling import Stopper, run_every
    from .tenants.deployment import given_or_default, is_deployment, load_deployment

    path = given_or_default(c.config_path)
    if is_deployment(path):  # many DPRDs (tenants/); a single-DPRD config goes on below unchanged
        from .tenants.runner import run_deployment

        run_deployment(load_deployment(path), once=once, say=lambda m: click.echo(m, err=True))
        return

    stopper = Stopper()  # first: a SIGTERM from here on is a clean stop, never a traceback
    stopper.install(signal.SIGTERM, signal.SIGINT)
    from . import failures
    from .backends import open_backend
    from .worker.backup import daily_backup
    from .cycle.engine import Engine
    from .ledger import Ledger

    s = c.settings
    ledger = Ledger(s.database_url())
    backend = open_backend(s)  # kept for the whole run: cached metadata, Drive cursor
    engine = Engine(s, backend, ledger)

    def job() -> None:
        try:
            with c.lock():
                report = engine.cycle()
                if s.rekap.bulanan:  # last month's recap on the first working day (see rekap/service.py)
                    from .cycle.optional import Job
                    from .rekap.service import monthly_recap, upload_queued

                    try:
                        monthly_recap(s, ledger, backend, wf=engine.wf, cal=engine.cal, now=engine.clock())
                    except SiapmasError as exc:  # not written: retried at the next interval; a refused
                        log.error("Rekap bulanan gagal: %s — %s", exc, exc.advice)  # upload stays queued
                    engine.optional.run(Job.REKAP, lambda: upload_queued(s, ledger, backend), report,
                                        context=s.rekap.drive_folder_id)
            log.info(report.summary_id().replace("\n", " | "))
            for f in report.failures:
                log.error("Sebagian siklus gagal: %s — Saran: %s", f.message, f.advice)
        except Exception as exc:  # reported as a sentence (traceback in the private log), retried next interval
            err = failures.explain(exc, command="run")
            log.error("Siklus gagal: %s — Saran: %s (dicoba lagi pada interval berikutnya)", err.message, err.advice)
        daily_backup(s, backend)  # when due; logs its own failures, never raises
        if once:
            stopper.stop()

    seconds = s.schedule.interval_seconds()
    click.echo(
        f"SIAPMAS Sync berjalan tiap {seconds / 60:g} menit. Tekan Ctrl-C untuk berhenti.",
        err=True,
    )
    try:
        run_every(job, seconds, s.tz, stopper)
    finally:
        backend.close()
        ledger.close()


def _item_json(s: Settings, row: ItemRecord, received_at: datetime) -> dict[str, Any]:
    from . import codec

    docs = row.documents
    out_dir = s.output.dir
    return {
        "agenda": row.agenda_no,
        "year": row.year,
        "seq": row.seq,
        "key": row.key,
        "stage": row.tahap,
        "received_at": received_at.astimezone(s.tz).isoformat(),
        "registered_at": row.registered_at.astimezone(s.tz).isoformat(),
        "rahasia": row.rahasia,
        "sifat": row.sifat,
        "perihal": row.perihal,
        "diteruskan_ke": row.diteruskan_ke,
        "suggested_routing": codec.routing_to_dict(row.routing),
        "findings": [codec.finding_to_dict(f) for f in row.findings],
        "documents": {k: str(out_dir / v) for k, v in docs.items() if k != "links" and isinstance(v, str)},
        "links": docs.get("links", "").split("\n") if docs.get("links") else [],
    }


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Daftar butir dalam JSON.")
@pass_ctx
def status(c: Ctx, as_json: bool) -> None:
    """Ringkasan butir per tahap."""
    s = c.settings
    if as_json:
        with c.ledger() as ledger:
            from .ledger import from_iso
            from .notify.sender import item_messages

            rows = ledger.item_records()
            sent = item_messages(ledger, s.tz)
            received = {k: from_iso(p["received_at"]) for k, p in ledger.payloads().items()}
            click.echo(json.dumps([{**_item_json(s, r, received[r.key]), "messages": sent.get(r.key, [])} for r in rows],
                                  ensure_ascii=False, indent=2))
        return
    from .dasbor.service import WORKER_ADVICE, sync_lines
    from .ledger import glance_at

    # a SQLite ledger that needs nothing done to it is read without SQLAlchemy (ledger/glance.py);
    # any other (PostgreSQL, to migrate, locked, damaged) is opened in full, as before
    seen = glance_at(s.database_url())
    if seen is not None:
        stages = list(seen.stages)
        synced, late = sync_lines(s, seen, datetime.now(s.tz))
    else:
        with c.ledger() as ledger:
            stages = [r.tahap for r in ledger.item_records()]
            synced, late = sync_lines(s, ledger, datetime.now(s.tz))
    counts = Counter(stages)
    if not stages:
        click.echo("Belum ada aduan tercatat. Jalankan `siapmas-sync sync`.")
        _echo_sync(synced, late, WORKER_ADVICE)
        return
    click.echo(f"{'Tahap':<30} {'Jumlah':>6}")
    click.echo("-" * 37)
    for tahap, n in sorted(counts.items()):
        click.echo(f"{tahap:<30} {n:>6}")
    click.echo("-" * 37)
    click.echo(f"{'Total':<30} {len(stages):>6}")
    _echo_sync(synced, late, WORKER_ADVICE)


def _echo_sync(synced: str, late: str | None, advice: str) -> None:
    """The worker's last sync under `status`; the warning (with what to do) on stderr too."""
    click.echo(synced)
    if late:
        click.echo(late)
        click.echo(f"Saran: {advice}", err=True)


@cli.command()
@click.argument("agenda")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_ctx
def show(c: Ctx, agenda: str, as_json: bool) -> None:
    """Satu butir beserta riwayatnya (AGENDA: nomor agenda, urutan, atau awal kunci)."""
    from . import codec
    from .logs import mask_text, shown_free_text
    from .notify.sender import item_messages
    from .core.unitext import shown

    s = c.settings
    with c.ledger() as ledger:
        row = ledger.find_item(agenda)
        response = ledger.responses_of([row.key])[row.key]
        data = _item_json(s, row, response.received_at)
        data["messages"] = item_messages(ledger, s.tz, row.key).get(row.key, [])
        from .cycle.tambahan import additions

        with ledger.engine.connect() as conn:
            data["tambahan"] = [{"received_at": a.received_at.astimezone(s.tz).isoformat(),
                                 "kronologi": mask_text(a.kronologi)} for a in additions(conn, [row.key]).get(row.key, [])]
        history = [
            {
                "at": e.at.astimezone(s.tz).isoformat(),
                "event": e.event,
                "from": e.from_stage,
                "to": e.to_stage,
                "actor": e.actor,
                "channel": e.channel,
                "note": shown_free_text(e.note or ""),
            }
            for e in ledger.events_of(row.key)
        ]
        payload = codec.submission_from_dict(response.payload)
    data["history"] = history
    if as_json:  # no bidi controls in the strings (unitext.shown), as in the sheet and on paper
        click.echo(shown(json.dumps(data, ensure_ascii=False, indent=2)))
        return
    pelapor = "Dirahasiakan" if row.rahasia else shown(mask_text(payload.nama or "(tanpa nama)"))
    click.echo(f"No. Agenda   : {row.agenda_no}")
    click.echo(f"Tahap        : {row.tahap}")
    click.echo(f"Pelapor      : {pelapor}")
    click.echo(f"Perihal      : {shown(row.perihal)}")
    click.echo(f"Usulan tujuan: {data['suggested_routing']['label']}"
               + (f" (kata: {', '.join(data['suggested_routing']['matched'])})" if data['suggested_routing']['matched'] else ""))
    click.echo("Kelengkapan  : " + ("; ".join(f["message"] for f in data["findings"]) or "Lengkap"))
    for a in data["tambahan"]:
        text = " ".join(a["kronologi"].split())
        click.echo(f"Tambahan {a['received_at'][:10]}: {text[:200] + ('…' if len(text) > 200 else '')}")
    for k, v in data["documents"].items():
        click.echo(f"Dokumen      : {v}")
    for m in data["messages"]:  # never the recipient; the reason is masked (notify.sender)
        click.echo(f"Pesan        : {m['kind']} ({m['channel']}): {m['state']}" + (f" — {m['error']}" if m["error"] else ""))
    click.echo("Riwayat:")
    for h in history:
        arrow = f"{h['from'] or '-'} → {h['to'] or '-'}"
        click.echo(f"  {str(h['at'])[:16].replace('T', ' ')}  {h['event']:<22} {arrow:<35} {h['actor']} ({h['channel']}) {h['note']}")


class _ChoicesHelp(click.Command):
    """``advance``: its help names the stages, AKD and --harap choices ({stages}, {akd},
    {harap} in the docstring), filled in when the help is shown: building the default
    workflow for them at import cost every start, ``status`` included, ≈ 0.05 CPU-s."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.help and "{stages}" in self.help:
            self.help = self.help.format(**{k: v.replace("\n", "\n    ") for k, v in _advance_choices().items()})
        super().format_help_text(ctx, formatter)


@cli.command(cls=_ChoicesHelp)
@click.argument("agenda")
@click.argument("stage")
@click.option("--to", "akd", multiple=True,
              help="AKD penerima (wajib untuk DICATAT & DIDISTRIBUSIKAN), mis. 'Komisi III'; boleh diulang atau dipisah koma.")
@click.option("--harap", multiple=True,
              help="Pilihan 'Dengan hormat harap' pada lembar disposisi, mis. 'Untuk diketahui'; boleh diulang.")
@click.option("--note", default="", help="Instruksi / catatan / alasan (wajib untuk DITOLAK).")
@click.option("--perihal", default=None, help="Perihal yang ditetapkan pejabat (mengganti ringkasan otomatis).")
@click.option("--laporan", default="", help="Laporan hasil tindak lanjut AKD (saat pindah ke SELESAI).")
@click.option("--lampiran", default="", help="Lampiran laporan hasil tindak lanjut (opsional): berkas (dilampirkan pada e-mail balasan) atau tautan.")
@click.option("--by", "by", default=None,
              help="Siapa yang memberi paraf/disposisi: nama dari daftar [[pejabat]] (wajib untuk paraf dan disposisi).")
@click.option("--ubah-disposisi", "ubah", default=None, metavar="ALASAN",
              help="Saat DICATAT & DIDISTRIBUSIKAN: catat AKD (--to) yang berbeda dari disposisi Ketua DPRD, dengan alasannya.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_ctx
def advance(c: Ctx, agenda: str, stage: str, akd: tuple[str, ...], harap: tuple[str, ...], note: str,
            perihal: str | None, laporan: str, lampiran: str, by: str | None, ubah: str | None, as_json: bool) -> None:
    """Catat satu langkah SOP: pindahkan AGENDA ke STAGE (mis. "PARAF KASUBAG TU").

    STAGE boleh label tahap atau nomornya (label sesuai konfigurasi [stages]):

    \b
    {stages}

    AKD untuk --to:

    \b
    {akd}

    Pilihan --harap:

    \b
    {harap}
    """
    from .cycle.engine import build_workflow
    from .notify import stage_hook
    from .cycle.steps import StepRecorder

    s = c.settings
    wf, _cal = build_workflow(s)
    with c.ledger() as ledger:
        rec = StepRecorder(ledger, wf, lambda: datetime.now(s.tz), s.tz, s.officials(), s.peran,
                           on_move=stage_hook(s, wf))
        with ledger.tx() as conn:
            if by is not None:
                by = rec.person(by, None, default="Operator", ask="")  # an unknown name is refused first
            if perihal is not None:
                row = ledger.find_item(agenda, conn=conn)
                rec.set_fields(conn, row, perihal=perihal, by=by or "Operator", channel="cli")
            if lampiran and laporan and Path(lampiran).expanduser().is_file():  # the file itself, for the citizen
                from .cycle.engine import agenda_folder
                from .documents.lampiran import keep_file

                row = ledger.find_item(agenda, conn=conn)
                lampiran = keep_file(Path(lampiran).expanduser(),
                                     s.output.dir / str(row.year) / agenda_folder(row.agenda_no))
            result = rec.advance(agenda, stage, akd=akd or None, harap=harap or None, note=note,
                                 laporan=laporan, lampiran=lampiran, by=by, channel="cli", ubah_disposisi=ubah, conn=conn)
    t = result.transition
    if as_json:
        click.echo(json.dumps({
            "agenda": result.agenda_no, "accepted": result.accepted, "message": result.message,
            "from": t.from_stage if t else None, "to": t.to_stage if t else None,
            "event": t.event if t else None, "akd": t.akd if t else None,
        }, ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.agenda_no}: {result.message}")
    if t is not None:
        click.echo("Spreadsheet dan dokumen diperbarui pada siklus sync berikutnya.")


def _advance_choices() -> dict[str, str]:
    """The stages, AKD and --harap choices for ``advance --help`` (the default labels)."""
    from .core.workflow import default_workflow
    from .core.workflow.akd import AKD_LIST
    from .core.recorded import HARAP_CHOICES

    wf = default_workflow()
    return {
        "stages": "\n".join(f"{s.code if s.is_main else '-'}  {s.label}" for s in wf.stages),
        "akd": "\n".join(AKD_LIST),
        "harap": "\n".join(HARAP_CHOICES),
    }


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON (daftar kiriman yang menunggu).")
@click.pass_context
def kelengkapan(ctx: click.Context, as_json: bool) -> None:
    """Kiriman formulir yang menyebut nomor agenda tanpa kode pelapor: daftar dan keputusannya."""
    if ctx.invoked_subcommand is not None:
        return
    c: Ctx = ctx.obj
    with c.ledger() as ledger:
        rows = _linker(c.settings, ledger).pending()
    tz = c.settings.tz
    data = [{"baris": r.source_row, "kunci": r.key[:12], "menyebut": r.agenda_nos,
             "dicatat": r.at.astimezone(tz).isoformat()} for r in rows]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data:
        click.echo("Tidak ada kiriman yang menunggu keputusan.")
        return
    click.echo("Kiriman yang menyebut nomor agenda tanpa kode pelapor (menunggu keputusan petugas):")
    for d in data:
        click.echo(f"  baris {d['baris']:<5} menyebut {d['menyebut']}  (dicatat {d['dicatat'][:16].replace('T', ' ')})")
    click.echo("Putuskan: `siapmas-sync kelengkapan tautkan BARIS --by NAMA` (kelengkapan aduan itu), "
               "`… baru BARIS --by NAMA` (aduan baru) atau `… abaikan BARIS --by NAMA`.")


def _linker(s: Settings, ledger: Ledger) -> Any:
    from .cycle.engine import build_workflow
    from .core.intake.received import effective_received
    from .cycle.kelengkapan import KelengkapanLinker
    from .notify import stage_hook
    from .cycle.steps import StepRecorder

    wf, _cal = build_workflow(s)
    clock = lambda: datetime.now(s.tz)  # noqa: E731
    rec = StepRecorder(ledger, wf, clock, s.tz, s.officials(), s.peran, on_move=stage_hook(s, wf))
    return KelengkapanLinker(s, ledger, rec, clock,
                             lambda sub, now: effective_received(sub.received_at, now, s.source.form_start, s.tz))


def _decide(c: Ctx, baris: str, by: str, decision: str, agenda: str | None = None) -> None:
    from .cycle.kelengkapan import Decision

    with c.ledger() as ledger:
        linker = _linker(c.settings, ledger)
        who = linker.steps.person(by, None, default="Operator", ask="")
        click.echo(linker.decide_pending(baris, Decision(decision), who, agenda))
    click.echo("Spreadsheet dan dokumen diperbarui pada siklus sync berikutnya.")


_BY = click.option("--by", "by", required=True, help="Siapa yang memutuskan (nama petugas; dicatat di Riwayat).")


@kelengkapan.command("tautkan")
@click.argument("baris")
@click.option("--ke", "agenda", default=None, help="Nomor agenda yang dimaksud, bila kiriman menyebut beberapa.")
@_BY
@pass_ctx
def kelengkapan_tautkan(c: Ctx, baris: str, agenda: str | None, by: str) -> None:
    """Catat kiriman BARIS sebagai kelengkapan aduan yang disebutnya (petugas sudah memastikan pengirimnya)."""
    _decide(c, baris, by, "tautkan", agenda)


@kelengkapan.command("baru")
@click.argument("baris")
@_BY
@pass_ctx
def kelengkapan_baru(c: Ctx, baris: str, by: str) -> None:
    """Daftarkan kiriman BARIS sebagai aduan baru (diberi nomor pada siklus sync berikutnya)."""
    _decide(c, baris, by, "baru")


@kelengkapan.command("abaikan")
@click.argument("baris")
@_BY
@pass_ctx
def kelengkapan_abaikan(c: Ctx, baris: str, by: str) -> None:
    """Abaikan kiriman BARIS: tidak dinomori, tidak ditautkan, tanpa pesan."""
    _decide(c, baris, by, "abaikan")


@cli.command("buka-rahasia")
@click.argument("agenda")
@click.option("--by", "by", required=True, help="Kasubag TU yang membuka kerahasiaan (nama dari daftar [[pejabat]]).")
@click.option("--alasan", required=True, help="Alasan membuka identitas pelapor (dicatat di Riwayat).")
@pass_ctx
def buka_rahasia(c: Ctx, agenda: str, by: str, alasan: str) -> None:
    """Buka kerahasiaan identitas pelapor AGENDA (hanya Kasubag TU, dengan alasan)."""
    from .cycle.engine import build_workflow
    from .cycle.steps import StepRecorder

    s = c.settings
    wf, _cal = build_workflow(s)
    with c.ledger() as ledger:
        rec = StepRecorder(ledger, wf, lambda: datetime.now(s.tz), s.tz, s.officials(), s.peran,
                           lifters=s.kerahasiaan.dibuka_oleh)
        result = rec.lift_rahasia(agenda, by=by, alasan=alasan)
    click.echo(f"{result.agenda_no}: {result.message}")
    click.echo("Dokumen dibuat ulang dengan identitas pelapor pada siklus sync berikutnya.")


@cli.command("setujui-surat")
@click.argument("agenda")
@click.option("--by", "by", default=None,
              help="Siapa yang menyetujui: nama dari [[pejabat]] (Sekretaris DPRD atau Plh.-nya, [peran] surat).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_ctx
def setujui_surat(c: Ctx, agenda: str, by: str | None, as_json: bool) -> None:
    """Setujui surat balasan AGENDA (tahap SELESAI): beri nomor surat keluar, lalu kirim ke pelapor."""
    from .documents.common import tanggal_id
    from .cycle.engine import build_workflow
    from .cycle.surat_keluar import approve

    s = c.settings
    wf, _cal = build_workflow(s)
    with c.ledger() as ledger:
        approval, new = approve(ledger, s, wf, agenda, by, datetime.now(s.tz))
    tanggal = tanggal_id(approval.at.astimezone(s.tz))
    if as_json:
        click.echo(json.dumps({"agenda": agenda, "new": new, "nomor": approval.nomor, "tanggal": tanggal,
                               "oleh": approval.by}, ensure_ascii=False, indent=2))
        return
    if not new:
        click.echo(f"Surat balasan {agenda} sudah disetujui {tanggal} oleh {approval.by}: nomor {approval.nomor}. "
                   "Tidak ada perubahan.")
        return
    click.echo(f"Surat balasan {agenda} disetujui oleh {approval.by}: nomor {approval.nomor}, tanggal {tanggal}.")
    click.echo("Surat dibuat ulang dengan nomor dan tanggalnya, dicatat di Buku Surat Keluar, lalu dikirim ke "
               "pelapor pada siklus sync berikutnya.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_ctx
def overdue(c: Ctx, as_json: bool) -> None:
    """Butir yang melewati batas waktu tahapnya, per pemegang, paling terlambat dahulu."""
    from .cycle.engine import build_workflow
    from .ledger import from_iso
    from .core.workflow import format_duration_id
    from .cycle.writeback import Views

    s = c.settings
    wf, cal = build_workflow(s)
    views = Views(wf, cal, s.tz, s.workflow.verify_days, s.workflow.settle_days)
    now = datetime.now(s.tz)
    late = []
    with c.ledger() as ledger:
        for row in ledger.item_rows():
            sla = views.sla(row, from_iso(ledger.response_received(row.key)), now)
            if sla is not None and (sla.is_late or sla.settle_overdue):
                late.append((row, sla))
    late.sort(key=lambda x: x[1].late_by, reverse=True)
    data = [{
        "agenda": r.agenda_no, "stage": r.tahap, "holder": views.actor(r.tahap),
        "deadline": sla.deadline.isoformat() if sla.deadline else None,
        "late_minutes": int(sla.late_by.total_seconds() // 60),
        "late": format_duration_id(sla.late_by) if sla.is_late else "",
        "age_working_days": sla.age_working_days,
        "settle_overdue": sla.settle_overdue,
    } for r, sla in late]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data:
        click.echo("Tidak ada butir yang terlambat.")
        return
    holders: dict[str, list[dict[str, Any]]] = {}
    for d in data:
        holders.setdefault(d["holder"] or "-", []).append(d)
    for holder, rows in holders.items():
        click.echo(f"{holder}:")
        for d in rows:
            click.echo(f"  {d['agenda']:<24} {d['stage']:<28} terlambat {d['late'] or '-':<22} umur {d['age_working_days']} hari kerja")


@cli.command("buku-agenda")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]), help="Tanggal awal (2026-11-01 atau 01/11/2026).")
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]), help="Tanggal akhir (termasuk).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="Folder hasil (bawaan: <output>/buku-agenda).")
@pass_ctx
def buku_agenda(c: Ctx, date_from: datetime, date_to: datetime, out_dir: Path | None) -> None:
    """Ekspor Buku Agenda Surat Masuk satu periode sebagai PDF dan XLSX, siap cetak."""
    from .documents.buku_agenda import AgendaRow, export_buku_agenda_pdf, export_buku_agenda_xlsx
    from .cycle.engine import build_workflow
    from .cycle.writeback import Views

    s = c.settings
    start, end = date_from.date(), date_to.date()
    if end < start:
        raise click.BadParameter("--to harus sama dengan atau setelah --from")
    views = Views(*build_workflow(s), s.tz)
    rows: list[AgendaRow] = []
    with c.ledger() as ledger:
        payloads = ledger.payloads()
        for r in ledger.item_rows():
            p = payloads[r.key]
            received = datetime.fromisoformat(p["received_at"]).astimezone(s.tz)
            if start <= received.date() <= end:
                d = views.buku_agenda_row(r, p)
                rows.append(AgendaRow(len(rows) + 1, received, r.agenda_no, str(d["Pengirim"]), str(d["Tgl & No. Surat"]),
                                      str(d["Isi Ringkas"]), str(d["Diteruskan ke"]), str(d["Ket."])))
    folder = out_dir or (s.output.dir / "buku-agenda")
    stem = f"buku-agenda-{start:%Y%m%d}-{end:%Y%m%d}"
    with c.lock():  # it writes into the output folder the worker keeps tidy
        pdf = export_buku_agenda_pdf(rows, folder / f"{stem}.pdf", period=(start, end), kop=s.kop_value())
        xlsx = export_buku_agenda_xlsx(rows, folder / f"{stem}.xlsx", period=(start, end), kop=s.kop_value())
    click.echo(f"{len(rows)} aduan pada periode {start:%d/%m/%Y}–{end:%d/%m/%Y}.")
    click.echo(f"PDF : {pdf}")
    click.echo(f"XLSX: {xlsx}")


@cli.command()
@click.option("--bulan", help="Rekap satu bulan, mis. 2026-11.")
@click.option("--tahun", help="Rekap satu tahun, mis. 2026.")
@click.option("--from", "date_from", help="Tanggal awal periode bebas (2026-01-01 atau 01/01/2026).")
@click.option("--to", "date_to", help="Tanggal akhir (termasuk).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="Folder hasil (bawaan: <output>/rekap).")
@click.option("--json", "as_json", is_flag=True, help="Cetak angka rekap dalam JSON.")
@pass_ctx
def rekap(c: Ctx, bulan: str | None, tahun: str | None, date_from: str | None, date_to: str | None,
          out_dir: Path | None, as_json: bool) -> None:
    """Rekapitulasi bulanan/tahunan untuk Pimpinan DPRD: PDF (dengan grafik) dan XLSX."""
    from .cycle.engine import build_workflow
    from .backends import open_backend
    from .rekap.service import build_figures, parse_period, upload, write_recap

    s = c.settings
    period = parse_period(bulan, tahun, date_from, date_to)
    wf, cal = build_workflow(s)
    now = datetime.now(s.tz)
    with c.ledger() as ledger:
        fig = build_figures(s, ledger, period, wf=wf, cal=cal, now=now)
    with c.lock():  # it writes into the output folder the worker keeps tidy
        pdf, xlsx = write_recap(s, fig, period, out_dir or (s.output.dir / "rekap"), wf=wf, today=now.date())
    links: list[str] = []
    if s.rekap.drive_folder_id and s.source.backend == "google":
        backend = open_backend(s)
        try:
            links = upload(s, backend, [pdf, xlsx])
        finally:
            backend.close()
    if as_json:
        click.echo(json.dumps({**fig, "files": {"pdf": str(pdf), "xlsx": str(xlsx)}, "links": links},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"Rekap {fig['period']['label']} ({fig['period']['dates']}): {fig['total']} aduan, "
               f"{fig['finished']} selesai, {fig['open']} masih terbuka, {fig['rejected']} ditolak, "
               f"{fig['overdue']['count']} terlambat.")
    click.echo(f"PDF : {pdf}")
    click.echo(f"XLSX: {xlsx}")
    for link in links:
        click.echo(f"Drive: {link}")


@cli.command()
@click.option("--force", is_flag=True, help="Bangun ulang dari nol walau basis data masih utuh (yang lama disimpan sebagai cadangan).")
@pass_ctx
def recover(c: Ctx, force: bool) -> None:
    """Selaraskan buku besar dengan spreadsheet: bangun ulang yang hilang/rusak, atau lengkapi
    buku besar dari cadangan lama dengan nomor yang sudah tampil di spreadsheet."""
    from .backends import open_backend
    from .cycle.engine import Engine
    from .ledger import Ledger
    from .worker.recover import prepare_database, recover as reconcile

    s = c.settings
    with c.lock(0):
        moved = prepare_database(s, force)
        ledger = Ledger(s.database_url())
        backend = open_backend(s)
        try:
            report = reconcile(s, backend, ledger, Engine(s, backend, ledger), salvage_from=moved)
        finally:
            backend.close()
            ledger.close()
    click.echo(report.summary_id())
    click.echo("Jalankan `siapmas-sync sync` untuk melanjutkan.")


@cli.command()
@pass_ctx
def rebind(c: Ctx) -> None:
    """Ikat buku besar ke sumber di konfigurasi (spreadsheet yang sama, dipindah/disalin)."""
    from .cycle.binding import describe, rebind as bind_again

    with c.lock(0), c.ledger() as ledger:
        old, new = bind_again(ledger, c.settings)
    click.echo(f"Buku besar kini melayani {describe(new)}" + (f" (sebelumnya {describe(old)})." if old else "."))
    click.echo("Siklus berikutnya tetap memeriksa nomor agenda yang tampil di spreadsheet sebelum memberi nomor baru.")


@cli.command()
@click.option("--to", "to", type=click.Path(path_type=Path, file_okay=False),
              help="Folder tujuan (bawaan: [backup] dir, atau folder 'cadangan' di samping basis data).")
@pass_ctx
def backup(c: Ctx, to: Path | None) -> None:
    """Buat cadangan basis data yang sudah diperiksa (aman walau worker sedang berjalan)."""
    from .backends import open_backend
    from .worker.backup import backup_command

    backup_command(c.settings, to, click.echo, open_backend)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True,
              help="Pulihkan juga cadangan tanpa manifest .sha256 (cadangan lama, unduhan Google Drive).")
@pass_ctx
def restore(c: Ctx, file: Path, force: bool) -> None:
    """Pulihkan basis data dari berkas cadangan FILE; lalu jalankan `siapmas-sync recover`."""
    from .worker.backup import restore as put_back

    click.echo(put_back(c.settings, file, lock=lambda: c.lock(0), force=force).summary_id())


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_ctx
def tenants(c: Ctx, as_json: bool) -> None:
    """Daftar tenant sebuah deployment: pemegang sewa, siklus terakhir, backlog."""
    from .tenants.deployment import given_or_default, is_deployment, load_deployment
    from .tenants.listing import listing

    path = given_or_default(c.config_path)
    if not is_deployment(path):
        raise SiapmasError(
            f"{path or 'Konfigurasi'} bukan berkas deployment (tidak memuat [[tenant]]).",
            "Perintah ini untuk deployment banyak DPRD: beri --config berkas deployment "
            "(lihat README, bagian \"Many DPRDs\"). Untuk satu DPRD pakai `siapmas-sync status`.")
    click.echo(listing(load_deployment(path), as_json))


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port di 127.0.0.1 yang menunggu jawaban Google (0 = bebas).")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Detik menunggu login selesai.")
@pass_ctx
def login(c: Ctx, port: int, timeout: float) -> None:
    """Masuk dengan akun Google kantor (pemilik formulir); token disimpan hanya untuk pemilik berkas."""
    from .backends.google_auth import SCOPE_USES
    from .backends.google_login import login as sign_in

    done = sign_in(c.settings, port=port, timeout=timeout, say=click.echo)
    click.echo(f"Masuk sebagai {done['account']}. Izin yang diberikan:")
    for scope in done["scopes"]:
        click.echo(f"  - {SCOPE_USES.get(scope, scope)}")
    click.echo(f"Login disimpan di {done['path']} (hanya dapat dibaca pemilik berkas). "
               "Periksa dengan `siapmas-sync doctor`, lalu jalankan `siapmas-sync sync`.")


@cli.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Periksa konfigurasi, kredensial, spreadsheet, folder bukti dan folder keluaran."""
    from .doctor.checkup import Doctor, render
    from .tenants.deployment import given_or_default, is_deployment

    path = given_or_default(ctx.obj.config_path)
    if is_deployment(path):  # many DPRDs: the database, then each tenant (doctor/tenants.py)
        from .doctor.tenants import deployment_doctor

        ok = deployment_doctor(path, ctx.obj.tenant, click.echo)
        if not ok:
            ctx.exit(1)
        return
    checks = Doctor(ctx.obj.config_path).run()
    click.echo(render(checks))
    if not all(c.ok for c in checks):
        ctx.exit(1)


@cli.command()
@click.argument("peran", required=False, type=click.Choice(
    ["operator", "kasubag", "kabag", "sekwan", "ketua", "akd", "admin"], case_sensitive=False))
def panduan(peran: str | None) -> None:
    """Panduan pemakaian dalam bahasa Indonesia untuk operator dan pejabat (docs/PANDUAN.md).

    PERAN: operator, kasubag, kabag, sekwan, ketua, akd atau admin (tanpa PERAN: semuanya).
    """
    from .panduan import guide_text

    click.echo(guide_text(peran.lower() if peran else None))


clitext.indonesian_usage(cli)  # after every command above is defined


def main(argv: list[str] | None = None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="siapmas-sync", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Dibatalkan.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every failure ends in a sentence (siapmas_sync.failures)
        from . import failures

        command = " ".join(a for a in (argv if argv is not None else sys.argv[1:]) if not a.startswith("-"))[:60]
        err = failures.explain(exc, command=command)
        click.echo(f"GALAT: {err.message}", err=True)
        if err.advice:
            click.echo(f"Saran: {err.advice}", err=True)
        return EXIT_USER_ERROR
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
