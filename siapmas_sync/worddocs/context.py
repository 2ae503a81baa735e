"""The placeholder values of every Word document (see docx_render's docstring for the
list): the item's own fields here, each document kind's part from its module
(worddocs.disposisi, worddocs.kartu, worddocs.balasan)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from siapmas_sync.documents.common import (
    HIDDEN, jenis_id, redact, tanggal_id, telepon_id, ukuran_id, waktu_id,
)
from siapmas_sync.documents.drawing import kontak_line
from siapmas_sync.documents.kartu import KartuConfig, kartu_fields
from siapmas_sync.core.models import KURANG, AgendaItem, DisposisiRecord, Kop
from siapmas_sync.core.perihal import full_perihal

from .balasan import balasan_context
from .disposisi import disposisi_context, matched_sifat
from .kartu import kartu_context
from .text import docx_text, lembaga as lembaga_of, line

__all__ = ["context_names", "template_context"]


def template_context(
    item: AgendaItem,
    kop: Kop,
    *,
    disposisi: DisposisiRecord | None = None,
    tindak_lanjut: str = "",
    tujuan: str = "",
    penandatangan: dict[str, str] | None = None,
    kartu: KartuConfig | None = None,
    lampiran_surat: str = "",
    tgl_diteruskan: str = "",
) -> dict:
    """The placeholder values for *item* (see the docx_render docstring for the full list).

    When ``item.rahasia`` the reporter's name, phone and e-mail never appear: ``pelapor``,
    ``telepon`` and ``email`` are "Dirahasiakan" and free texts are redacted.
    *tujuan* is the AKD that followed up (default: the recorded disposition);
    *penandatangan* gives ``nama``, ``nip``, ``pangkat``, ``jabatan`` of the letter's
    signatory and optionally ``nomor`` / ``tanggal`` of the letter; *kartu* is ``[kendali]``
    (the card's Indeks, Kepada, Pengolah — the same fields as the PDF, documents.kartu);
    *lampiran_surat* is the letter's Lampiran line ("" = none, the line is left out).
    """
    sub = item.submission
    hide = item.rahasia
    rec = disposisi or DisposisiRecord()

    def free(text: object) -> str:
        return redact(docx_text(text).strip(), item, hide)

    lembaga = lembaga_of(kop)
    card = kartu_fields(item, kop, kartu, diteruskan_ke=line(tujuan) or ", ".join(rec.diteruskan_kepada),
                        tgl_diteruskan=tgl_diteruskan)
    followed = line(tujuan) or ", ".join(line(e) for e in rec.diteruskan_kepada if line(e))
    bukti = [
        {
            "nama": redact(line(ev.name or "(nama berkas tidak diketahui)"), item, hide),
            "ukuran": ukuran_id(ev.size),
            "jenis": jenis_id(ev.mime),
            "tautan": line(ev.url),
        }
        for ev in item.evidence
    ]
    kurang = [f.message for f in item.findings if f.severity == KURANG]
    received = sub.received_at
    # never a cut sentence: the officials' perihal, or the whole first sentence
    perihal = line(redact(full_perihal(item.perihal, sub.kronologi), item, hide)) or "-"

    return {
        "agenda_no": line(item.agenda_no),
        "no_urut": str(item.seq),
        "tahun": str(item.year),
        "pelapor": HIDDEN if hide else line(item.pelapor),
        "telepon": HIDDEN if hide else (line(telepon_id(sub.telepon)) or "-"),
        "email": HIDDEN if hide else (line(sub.email or sub.email_pengumpul) or "-"),
        "perihal": perihal,
        "kronologi": free(sub.kronologi) or "-",
        "sifat": line(matched_sifat(item) or item.sifat) or "Biasa",
        "kode_klasifikasi": line(item.kode_klasifikasi) or "-",
        "tahap": line(item.tahap),
        "kelengkapan": "Lengkap" if not kurang else "Perlu kelengkapan: " + "; ".join(kurang),
        "diterima": tanggal_id(received),
        "diterima_waktu": waktu_id(received, with_day=False),
        "diagendakan": waktu_id(item.registered_at or received, with_day=False),
        "tanggal_surat": tanggal_id(received),
        "nomor_surat": "-",
        "jumlah_bukti": str(len(bukti)),
        "bukti": bukti,
        "lembaga": lembaga,
        **kartu_context(card),
        **disposisi_context(item, rec, free),
        **balasan_context(item, lembaga, followed, tindak_lanjut, penandatangan, lampiran_surat, free),
        "kop": {
            "pemerintah": line(kop.pemerintah),
            "instansi": line(kop.instansi),
            "alamat": line(kop.alamat),
            "email": line(kop.email),
            "website": line(kop.website),
            "telepon": line(kop.telepon),
            "kontak": line(kontak_line(kop)),
        },
    }


def context_names(context: Mapping[str, Any]) -> set[str]:
    """Every placeholder name a context offers: top-level keys and dotted paths into dicts."""
    out: set[str] = set()

    def walk(prefix: str, value: Any) -> None:
        out.add(prefix)
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)

    for key, value in context.items():
        walk(str(key), value)
    return out

