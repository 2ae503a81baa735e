"""The Kartu Kendali's Word context: the very fields the PDF prints (documents.kartu),
so the two copies never word anything differently."""

from __future__ import annotations

from typing import Any

from siapmas_sync.documents.kartu import KartuFields

from .text import line

__all__ = ["kartu_context"]


def kartu_context(card: KartuFields) -> dict[str, Any]:
    """``indeks``, ``judul_kartu``, ``isi_ringkas``, ``lampiran``, ``kepada``, ``pengolah``,
    ``tgl_diteruskan``, ``usulan_kartu`` (the suggestion, marked as such; "" once decided)."""
    return {
        "isi_ringkas": line(card.isi_ringkas),
        "indeks": line(card.indeks),
        "judul_kartu": card.judul,
        "lampiran": line(card.lampiran),
        "kepada": line(card.kepada),
        "pengolah": line(card.pengolah),
        "tgl_diteruskan": line(card.tgl_diteruskan),
        "usulan_kartu": line(card.usulan),
    }
