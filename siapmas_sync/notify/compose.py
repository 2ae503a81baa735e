"""A queued message as the reporter receives it: subject, plain text, HTML, attachments.

Rendered at sending time from the jinja2 templates ``pesan/<kind>.txt.j2`` (first line
``Subjek: …``) and ``pesan/<kind>.html.j2``; a ``pesan`` folder in ``[templates] dir``
overrides any of them. The context holds only the reporter's own item: a rahasia item's
reply still goes to its reporter, and never quotes anyone else's data.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from ..config import Settings
from ..documents.common import tanggal_id
from ..errors import ConfigError
from ..core.unitext import shown
from ..ledger import ItemRecord, MessageRecord
from ..core.models import MessageChannel, MessageKind
from ..cycle.kode_pelapor import shown as shown_code
from ..core.perihal import full_perihal
from ..cycle.steps import STAGE_DISTRIBUTED_CODE
from ..core.workflow import Workflow
from .pdf import render_tanda_terima
from ..wa.link import cut_at_word
from .relay import address_confirmed, defang
from ..documents.lampiran import stored_file
from ..numbering.template import agenda_folder


WA_PERIHAL = 280  # characters of the perihal quoted in a WhatsApp message


class NotReady(Exception):
    """The message cannot be composed yet (its attachment is not rendered): it stays queued."""


@dataclass(frozen=True)
class Outgoing:
    """One message ready for a channel."""

    kind: str
    recipient: str
    message_id: str
    subject: str
    text: str
    html: str
    attachments: tuple[tuple[str, bytes], ...] = field(default=())  # (file name, PDF bytes)
    agenda_no: str = ""
    #: the body parameters of an approved WhatsApp template (wa_params), in order
    params: tuple[str, ...] = field(default=())


def wa_params(kind: MessageKind | str, context: dict[str, Any]) -> tuple[str, ...]:
    """The body parameters {{1}}, {{2}}, … of the approved WhatsApp template of *kind*:
    the reporter's name, the agenda number, then what the message is about (README,
    "WhatsApp")."""
    first = (str(context["nama"]), str(context["agenda_no"]))
    by_kind: dict[str, tuple[str, ...]] = {
        MessageKind.TANDA_TERIMA: (context["tanggal_diterima"],),
        MessageKind.KELENGKAPAN: ("; ".join(x for x in [*context["kurang"], context["catatan"]] if x) or "-",),
        MessageKind.PENOLAKAN: (context["catatan"] or "-",),
        MessageKind.DITERUSKAN: (context["akd"] or "-",),
        MessageKind.BALASAN_AKHIR: (context["catatan"] or "-",),
    }
    what = by_kind.get(kind, ())
    return first + tuple(str(w) for w in what)


def template_env(settings: Settings) -> jinja2.Environment:
    """The message templates' environment, one per template folder per process: each
    template is compiled once (jinja2's cache; a file edited on disk is re-read, since
    auto_reload checks its modification time), not once per composed message."""
    shipped = Path(__file__).resolve().parent.parent / "defaults" / "templates" / "pesan"
    dirs = [d / "pesan" for d in (settings.templates.dir,) if d] + [shipped]
    return _env_for(tuple(str(d) for d in dirs))


@functools.lru_cache(maxsize=8)
def _env_for(dirs: tuple[str, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def next_steps(settings: Settings, wf: Workflow) -> str:
    """What happens next and how long the SOP says it takes (the receipt's promise)."""
    minutes = sum(int(standard.total_seconds() // 60)
                  for code in range(1, STAGE_DISTRIBUTED_CODE + 1) if (standard := wf.by_code(code).standard) is not None)
    w = settings.workflow
    return (f"sesuai SOP, aduan diverifikasi dan diparaf berjenjang (Kasubag TU, Kabag), didisposisikan oleh "
            f"Sekretaris DPRD dan Ketua DPRD, lalu diteruskan kepada Alat Kelengkapan DPRD yang berwenang "
            f"(proses administrasi ± {minutes} menit jam kerja). Verifikasi paling lambat {w.verify_days} hari "
            f"kerja; penyelesaian paling lambat {w.settle_days} hari sejak aduan diterima. Kami akan memberi "
            "kabar pada setiap tahap penting.")


def status_hint(settings: Settings) -> str:
    url = settings.notify.status_url
    return (f"Status aduan dapat dicek di {url} dengan nomor agenda." if url
            else f"Status aduan dapat ditanyakan ke {settings.kop.telepon} dengan menyebutkan nomor agenda.")


def compose(settings: Settings, wf: Workflow, out_dir: Path, msg: MessageRecord, item: ItemRecord,
            payload: Mapping[str, Any], received_at: datetime, kode: str = "", issued: datetime | None = None) -> Outgoing:
    """Render the queued message *msg* about *item*; *payload*: the submission, received at *received_at*.
    *kode*: the reporter's private code (kode_pelapor), given only for an e-mail to them;
    *issued*: when it is sent (the tanda terima is dated that day; default: now)."""
    ctx_stored = msg.context
    received = received_at.astimezone(settings.tz)
    kop = settings.kop_value()
    n = settings.notify
    # the form's free text only to the reporter's confirmed address, links made inert (notify.relay)
    echo = address_confirmed(msg.channel, msg.recipient, payload, n.form_collects_verified_email,
                             n.whatsapp.mode == "manual")
    nama = (ctx_stored.get("nama") or payload.get("nama") or "").strip() if echo else ""
    context = {
        "agenda_no": ctx_stored.get("agenda_no") or item.agenda_no,
        "tanggal_diterima": tanggal_id(received),
        # never a cut sentence
        "perihal": defang(full_perihal(item.perihal, payload.get("kronologi") or "")) if echo else "",
        # a message to another response's sender (duplikat, kelengkapan_diterima) greets that sender
        # … except a rahasia item's WhatsApp text: it sits in the Pemberitahuan tab's link for staff to see
        "nama": "Pelapor" if item.rahasia and msg.channel == MessageChannel.WHATSAPP else (defang(nama) or "Pelapor"),
        "kop": kop,
        "status_url": settings.notify.status_url,
        "cek_status": status_hint(settings),
        "langkah": next_steps(settings, wf),
        "catatan": ctx_stored.get("note", ""),
        "akd": ctx_stored.get("akd") or item.diteruskan_ke or "",
        "kurang": [defang(str(k)) for k in ctx_stored.get("kurang", [])],
        "channel": msg.channel,  # "email" or "whatsapp": a template may word an attachment differently
        "kode": shown_code(kode) if kode else "",
        "nomor": ctx_stored.get("nomor", ""),  # the approved letter's outgoing number (surat_keluar)
        "laporan_terlampir": bool(item.documents.get("laporan")),
    }
    if msg.channel == MessageChannel.WHATSAPP:  # a chat message: a long first sentence cut at a word (wa.link)
        context["perihal"] = cut_at_word(context["perihal"], lambda t: len(t) <= WA_PERIHAL)
    env = template_env(settings)
    try:
        text = shown(env.get_template(f"{msg.kind}.txt.j2").render(context))  # no bidi controls: as on paper
        context["subjek"] = _subject(text)
        html = shown(env.get_template(f"{msg.kind}.html.j2").render(context))
    except jinja2.TemplateError as exc:
        raise ConfigError(f"Templat pesan '{msg.kind}' tidak dapat dipakai: {exc}",
                          "Perbaiki berkas di folder pesan pada [templates] dir, atau hapus agar templat bawaan dipakai.") from None
    subject, body = context["subjek"], text.split("\n", 1)[1].lstrip("\n") if text.startswith("Subjek:") else text
    attachments: list[tuple[str, bytes]] = []
    if msg.channel != MessageChannel.EMAIL:
        pass  # WhatsApp carries text only (a link or an approved template)
    elif msg.kind == MessageKind.TANDA_TERIMA:
        pdf = render_tanda_terima(
            kop, agenda_no=item.agenda_no, received=received,
            issued=(issued or datetime.now(settings.tz)).astimezone(settings.tz),
            perihal=context["perihal"] or "(tidak dikutip dalam pesan ini; tercatat pada aduan)",
            pelapor=context["nama"] if echo else "(sesuai formulir aduan)",
            next_steps="Langkah selanjutnya: " + context["langkah"],
            status_hint=status_hint(settings))
        attachments.append((f"tanda-terima-{_folder(item.agenda_no)}.pdf", pdf))
    elif msg.kind == MessageKind.BALASAN_AKHIR:
        # the letter as its signer approved it, addressed to the reporter by name (README: the
        # approved Surat Balasan is not the minimal message) — except a rahasia reporter's name
        # at an address not confirmed as theirs: that copy stays the office's ("Pelapor Aduan …")
        named = defang((ctx_stored.get("nama") or payload.get("nama") or "").strip()) or "Pelapor"
        if item.rahasia and not echo:
            named = "Pelapor"
        attachments.extend(_final_letter(kop, out_dir, item, named))
        kept = stored_file(str(item.disposisi.get("lampiran") or ""), out_dir)
        if kept is not None:  # the AKD's attachment itself, not only a link the citizen may not open
            attachments.append((kept.name, kept.read_bytes()))
    return Outgoing(msg.kind, msg.recipient, msg.message_id, subject, body, html, tuple(attachments), item.agenda_no,
                    wa_params(msg.kind, context))


#: a scan of the signed letter the operator drops in the item's folder replaces the generated PDF
SIGNED_SCAN = "surat-balasan-ttd.pdf"


def _final_letter(kop: Any, out_dir: Path, item: ItemRecord, nama: str) -> list[tuple[str, bytes]]:
    """The approved letter and what it says is attached (the Laporan Hasil Tindak Lanjut).
    A signed scan in the item's folder is sent instead of the generated PDF; a rahasia
    item's letter is drawn again from its values (surat-balasan.json) addressed to the
    reporter by name — that copy exists only in this message."""
    docs = item.documents
    rel = docs.get("surat_balasan")
    if not rel or not (out_dir / rel).is_file():
        raise NotReady("surat balasan PDF belum dibuat")
    letter = out_dir / rel
    name = _folder(item.agenda_no)
    scan = letter.parent / SIGNED_SCAN
    if scan.is_file():
        data = scan.read_bytes()
    elif item.rahasia and letter.with_suffix(".json").is_file() and nama and nama != "Pelapor":
        from .pdf import surat_balasan_pdf

        values = json.loads(letter.with_suffix(".json").read_text(encoding="utf-8"))
        values["kepada_surat"] = f"Sdr. {nama}"
        data = surat_balasan_pdf(kop, values)
    else:
        data = letter.read_bytes()
    out = [(f"surat-balasan-{name}.pdf", data)]
    laporan = docs.get("laporan")
    if laporan:
        if not (out_dir / laporan).is_file():
            raise NotReady("laporan hasil tindak lanjut belum dibuat")
        out.append((f"laporan-hasil-tindak-lanjut-{name}.pdf", (out_dir / laporan).read_bytes()))
    return out


def _subject(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first.removeprefix("Subjek:").strip() if first.startswith("Subjek:") else "Pemberitahuan SIAPMAS"


def _folder(agenda_no: str) -> str:
    return agenda_folder(agenda_no)


def email_message(settings: Settings, out: Outgoing, now: datetime, to: str | None = None) -> EmailMessage:
    """The e-mail: plain text and HTML alternatives, proper headers, PDF attachments.
    *to*: the recipient as it goes on the wire (IDNA domain, notify.smtpwire)."""
    e, kop = settings.notify.email, settings.kop
    name, addr = parseaddr(e.sender) if e.sender else ("", "")
    msg = EmailMessage()
    msg["From"] = formataddr((name or kop.instansi, addr or kop.email))
    msg["To"] = to or out.recipient
    msg["Reply-To"] = e.reply_to or addr or kop.email
    msg["Subject"] = out.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = out.message_id
    msg["X-SIAPMAS-Jenis"] = out.kind
    msg.set_content(out.text)
    msg.add_alternative(out.html, subtype="html")
    for filename, data in out.attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return msg


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after *attempts* temporary failures: 5 min doubling, ≤ 6 h."""
    return min(timedelta(minutes=5) * (2 ** max(0, attempts - 1)), timedelta(hours=6))
