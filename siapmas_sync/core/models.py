"""Plain data shared by the engine and every adapter.

Nothing here does I/O. The engine decides over these values; adapters (Google, local
files, reportlab, the ledger) produce or consume them. Field names follow the domain
vocabulary of the SOP (agenda, disposisi, kendali, tahap) in Indonesian where the term is
the secretariat's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

# --- findings -----------------------------------------------------------------------

#: severity of a finding: "kurang" makes the item incomplete (PERLU KELENGKAPAN is
#: suggested to the operator); "catatan" is informational only.
KURANG = "kurang"
CATATAN = "catatan"


@dataclass(frozen=True)
class Finding:
    """One result of the completeness check, shown on documents and in status.

    code: stable machine code, e.g. "identitas", "kontak", "telepon", "email",
          "kronologi", "bukti", "bukti_hilang", "bukti_berbahaya", "waktu".
    message: Indonesian text for operators, e.g. "Nomor telepon tidak valid".
    """

    code: str
    message: str
    severity: str = KURANG


# --- evidence -----------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One piece of bukti dukung referenced by a response.

    drive_id: the id from the ``open?id=<ID>`` link (None when the cell held a non-Drive
        value). url: the link as written in the response cell.
    name/size/mime: known once the file is found (local folder or Drive metadata).
    local_path: a readable local copy, set only for images small enough to thumbnail.
    found: False when the file could not be located (a finding, never a crash).
    """

    url: str
    drive_id: str | None = None
    name: str | None = None
    size: int | None = None
    mime: str | None = None
    local_path: Path | None = None
    found: bool = False

    @property
    def is_image(self) -> bool:
        return bool(self.mime and self.mime.startswith("image/"))


# --- one parsed response row ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submission:
    """One form response, parsed and normalised, independent of its row position.

    key: stable identity of this response (sha256 over the timestamp and the raw
        content fields) — survives re-sorting, inserted rows and re-exports.
    content_hash: sha256 over the normalised content only (not the timestamp); two
        responses with the same content_hash a few minutes apart are a resubmission.
    received_at: timezone-aware, in the configured zone (WIB by default).
    telepon: normalised "+62..." when valid, else the raw text (a finding says so).
    extra: columns the mapping does not know, in sheet order (title -> text); shown on
        the Lembar Aduan.
    """

    key: str
    content_hash: str
    received_at: datetime
    nama: str
    telepon: str
    email: str
    kronologi: str
    bukti_urls: tuple[str, ...] = ()
    email_pengumpul: str = ""  # the form's own "Email Address" collection column
    extra: tuple[tuple[str, str], ...] = ()
    findings: tuple[Finding, ...] = ()  # findings from parsing (phone, e-mail, time)
    source_row: int = 0  # 1-based sheet row, for messages only — never an identity


@dataclass(frozen=True)
class RowError:
    """A response row that could not be parsed at all; reported and skipped."""

    row: int
    message: str  # Indonesian, actionable
    key: str | None = None


# --- routing suggestion ----------------------------------------------------------------


@dataclass(frozen=True)
class RoutingSuggestion:
    """The suggested receiving AKD, with the words that matched (never a decision).

    tujuan: short code of the AKD, e.g. "Komisi III" or "Pimpinan/Bamus".
    label: long label, e.g. "Komisi III – Pembangunan & Lingkungan".
    matched: the keywords found in the text, for officials to see why.
    """

    tujuan: str
    label: str
    matched: tuple[str, ...] = ()
    alasan: str = ""  # Indonesian reason when falling back (no match / tie)


# --- the registered item, as documents see it ----------------------------------------------


@dataclass(frozen=True)
class Kop:
    """Letterhead (kop surat) — all texts from configuration."""

    pemerintah: str = "PEMERINTAH KABUPATEN MOJOKERTO"
    instansi: str = "SEKRETARIAT DPRD KABUPATEN MOJOKERTO"
    alamat: str = "Jl. R.A. Basuki No. 35 Sukoharjo, Mojokerto, Jawa Timur 61361"
    email: str = "sekwankabmojk@gmail.com"
    website: str = "setwan.mojokertokab.go.id"
    telepon: str = "0857 4674 1281 (WhatsApp)"
    logo: Path | None = None


@dataclass(frozen=True)
class DisposisiRecord:
    """What officials wrote on the Lembar Disposisi (filled in by the workflow issue)."""

    diteruskan_kepada: tuple[str, ...] = ()
    harap: tuple[str, ...] = ()
    catatan: str = ""
    # (jabatan, tanggal, instruksi[, oleh]): the person is optional for older callers
    paraf: tuple[tuple[str, ...], ...] = ()
    # which printed version of the filled form this is: one per distribution (signing
    # event); *menggantikan* says when the version it replaces was signed ("" for the first)
    versi: int = 1
    menggantikan: str = ""


@dataclass(frozen=True)
class Tambahan:
    """A kelengkapan response merged into an item as a dated addition (cycle/tambahan.py)."""

    received_at: datetime  # aware
    kronologi: str
    extra: tuple[tuple[str, str], ...] = ()
    bukti_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgendaItem:
    """A registered submission: everything the documents and the register need."""

    agenda_no: str  # display form, e.g. "0001/SIAPMAS/2026"
    year: int
    seq: int
    submission: Submission
    perihal: str  # short subject derived from the chronology
    routing: RoutingSuggestion
    evidence: tuple[Evidence, ...] = ()
    findings: tuple[Finding, ...] = ()
    rahasia: bool = False
    sifat: str = "Biasa"  # Sangat Segera / Segera / Rahasia / Biasa
    kode_klasifikasi: str = "000.8.3.4"
    registered_at: datetime | None = None
    tahap: str = "TERAGENDA"
    tambahan: tuple[Tambahan, ...] = ()  # kelengkapan from the reporter, oldest first

    def __post_init__(self) -> None:
        # a rahasia item is classified Rahasia on every document it has (DESIGN: one-way door)
        if self.rahasia and self.sifat != "Rahasia":
            object.__setattr__(self, "sifat", "Rahasia")

    @property
    def pelapor(self) -> str:
        """Reporter name as it may be shown: 'Dirahasiakan' when rahasia."""
        return "Dirahasiakan" if self.rahasia else (self.submission.nama or "(tanpa nama)")

    @property
    def lengkap(self) -> bool:
        return not any(f.severity == KURANG for f in self.findings)


# --- sheet I/O ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)  # slots: a first write-back plans 100,000s of them
class CellUpdate:
    """One cell to write: tab name, 0-based row and column, value (written RAW)."""

    tab: str
    row: int
    col: int
    value: Any


@dataclass
class SheetTable:
    """A tab as read: header row plus data rows (ragged; trailing blanks may be missing)."""

    title: str
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)


class MessageChannel(StrEnum):
    """How a reply reaches a citizen (stored as its value in ``messages.channel``)."""

    EMAIL = "email"
    WHATSAPP = "whatsapp"


class MessageKind(StrEnum):
    """What a message to a citizen (or an official) is about (``messages.kind``)."""

    TANDA_TERIMA = "tanda_terima"
    KELENGKAPAN = "kelengkapan"
    PENOLAKAN = "penolakan"
    DITERUSKAN = "diteruskan"
    BALASAN_AKHIR = "balasan_akhir"
    DUPLIKAT = "duplikat"
    KELENGKAPAN_DITERIMA = "kelengkapan_diterima"
    #: to officials (notify/pejabat.py): what waits for them, and what is late
    PEJABAT_MENUNGGU = "pejabat_menunggu"
    PEJABAT_TERLAMBAT = "pejabat_terlambat"


class MessageState(StrEnum):
    """Where a message is (``messages.state``; Indonesian, shown to operators as they are).
    PERLU_PERIKSA: it may have arrived twice already (its fate unknown after DATA, twice):
    never sent again, the operator checks (notify.sender); DIBATALKAN: its reason no longer
    held when it was due (notify/validity.py), never sent."""

    ANTRI = "antri"
    MENGIRIM = "mengirim"
    TERKIRIM = "terkirim"
    GAGAL_SEMENTARA = "gagal_sementara"
    GAGAL_TETAP = "gagal_tetap"
    PERLU_PERIKSA = "perlu_periksa"
    DIBATALKAN = "dibatalkan"
