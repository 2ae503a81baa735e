"""The Kartu Kendali's fields: one pure function that both the PDF (documents/kendali.py)
and the Word copy (worddocs/render.py) print, so the two never disagree.

Owns :class:`KartuConfig` (``[kendali]`` in the configuration) and :func:`kartu_fields`.
*Indeks* helps filing: with ``indeks = "akd"`` (default) it is the AKD handling the item
when decided, else the suggested one; with ``indeks = "kode"`` it is the classification
code. *Kepada* defaults to the kop's instansi, shortened ("Sekretariat DPRD Kab.
Mojokerto"); *Pengolah* to "Subbag Tata Usaha".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from siapmas_sync.documents.common import one_line, redact, tanggal_id
from siapmas_sync.core.perihal import full_perihal
from siapmas_sync.core.models import AgendaItem, Kop

__all__ = ["JUDUL", "KartuConfig", "KartuFields", "kartu_fields", "kepada_dari_kop"]

JUDUL = "KARTU KENDALI SURAT MASUK"
DEFAULT_PENGOLAH = "Subbag Tata Usaha"


@dataclass(frozen=True)
class KartuConfig:
    """``[kendali]``: how the card's Indeks, Kepada and Pengolah are filled."""

    indeks: str = "akd"  # "akd" | "kode"
    kepada: str = ""  # "" = from the kop's instansi
    pengolah: str = DEFAULT_PENGOLAH


@dataclass(frozen=True)
class KartuFields:
    judul: str
    indeks: str
    kode: str
    no_urut: str
    isi_ringkas: str
    lampiran: str
    dari: str
    kepada: str
    tanggal_surat: str
    nomor_surat: str
    pengolah: str
    usulan: str  # the routing suggestion, marked as such ("" when none)
    tgl_diteruskan: str = ""  # the day it was distributed to the AKD ("" = not yet)


def kepada_dari_kop(kop: Kop) -> str:
    """'Sekretariat DPRD Kab. Mojokerto' from the kop's instansi line."""
    words = []
    for w in one_line(kop.instansi).split():
        if w.upper() == "KABUPATEN":
            words.append("Kab.")
        elif w.isupper() and len(w) <= 5 and not re.search(r"[AIUEO]", w):
            words.append(w)  # acronyms such as DPRD
        else:
            words.append(w.capitalize())
    return " ".join(words) or "Sekretariat DPRD Kab. Mojokerto"


def _lampiran(item: AgendaItem) -> str:
    n = len(item.evidence) or len(item.submission.bukti_urls)
    if not n:
        return "Tidak ada"
    missing = sum(1 for e in item.evidence if not e.found)
    return f"{n} berkas" + (f" ({missing} tidak ditemukan)" if missing else "")


def kartu_fields(item: AgendaItem, kop: Kop, cfg: KartuConfig | None = None, *, diteruskan_ke: str = "",
                 tgl_diteruskan: str = "") -> KartuFields:
    """The card of *item*: *diteruskan_ke* is the AKD the officials decided ("" = not yet),
    *tgl_diteruskan* the day it was distributed. *Isi Ringkas* is the whole perihal (never
    a cut sentence; the PDF card continues it in *Catatan* when two lines do not hold it)."""
    cfg = cfg or KartuConfig()
    r = item.routing
    akd = one_line(diteruskan_ke) or one_line(r.tujuan) or "Aspirasi/Pengaduan"
    indeks = (one_line(item.kode_klasifikasi) or "-") if cfg.indeks == "kode" else akd
    return KartuFields(
        judul=JUDUL,
        indeks=indeks,
        kode=one_line(item.kode_klasifikasi) or "-",
        no_urut=item.agenda_no,
        isi_ringkas=one_line(redact(full_perihal(item.perihal, item.submission.kronologi), item, item.rahasia)) or "-",
        lampiran=_lampiran(item),
        dari=item.pelapor,
        kepada=one_line(cfg.kepada) or kepada_dari_kop(kop),
        tanggal_surat=tanggal_id(item.submission.received_at),
        nomor_surat="-",
        pengolah=one_line(cfg.pengolah) or DEFAULT_PENGOLAH,
        usulan="" if diteruskan_ke or not (r.label or r.tujuan) else
        f"Usulan sistem (bukan keputusan): {one_line(r.label or r.tujuan)}",
        tgl_diteruskan=one_line(tgl_diteruskan),
    )
