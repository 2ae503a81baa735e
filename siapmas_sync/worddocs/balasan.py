"""The Surat Balasan's Word context: its number and date (dotted lines to fill in unless
given), the signatory, the AKD that followed up, the follow-up itself and the *Lampiran*
line (the Laporan Hasil Tindak Lanjut, or nothing — as the PDF)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from siapmas_sync.documents.disposisi import DOTS
from siapmas_sync.core.models import AgendaItem

from .text import docx_text, line

__all__ = ["balasan_context"]


def balasan_context(item: AgendaItem, lembaga: str, followed: str, tindak_lanjut: str,
                    penandatangan: dict[str, str] | None, lampiran: str,
                    free: Callable[[object], str]) -> dict[str, Any]:
    """``tujuan``, ``tindak_lanjut``, ``lampiran_surat``, ``nomor_balasan``,
    ``tanggal_balasan``, ``kepada_surat`` (the addressee: "Sdr. NAMA", or for a rahasia
    item "Pelapor Aduan Nomor Agenda …" — the reporter's own e-mailed copy names them,
    notify.compose), ``tembusan``, ``draf`` (not yet approved, surat_keluar) and
    ``penandatangan.*``. The PDF letter (notify.pdf) is drawn from these same values."""
    ttd_in = {str(k): docx_text(v) for k, v in (penandatangan or {}).items()}
    ttd = {
        "nama": ttd_in.pop("nama", "") or DOTS,
        "nip": ttd_in.pop("nip", "") or DOTS,
        "pangkat": ttd_in.pop("pangkat", ""),
        "jabatan": ttd_in.pop("jabatan", "") or f"Sekretaris {lembaga}",
    }
    nomor_balasan = ttd_in.pop("nomor", "") or f"{item.kode_klasifikasi}/………/{item.year}"
    tanggal_balasan = ttd_in.pop("tanggal", "") or DOTS
    draf = ttd_in.pop("draf", "") not in ("", "0", "False")
    ttd.update({k: v for k, v in ttd_in.items() if k.isidentifier()})
    nama = line(item.pelapor)
    kepada = (f"Pelapor Aduan Nomor Agenda {line(item.agenda_no)}" if item.rahasia or not nama else f"Sdr. {nama}")
    return {
        "kepada_surat": kepada,
        "tembusan": [f"Pimpinan {lembaga}", followed or DOTS, "Arsip"],
        "draf": draf,
        "tujuan": followed or DOTS,
        "tindak_lanjut": free(tindak_lanjut) or DOTS,
        "lampiran_surat": line(lampiran),
        "nomor_balasan": nomor_balasan,
        "tanggal_balasan": tanggal_balasan,
        "penandatangan": ttd,
    }
