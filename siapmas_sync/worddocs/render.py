"""Editable Word documents (.docx) filled from templates with docxtpl (python-docx + jinja2).

Three templates ship with the package (``siapmas_sync/defaults/templates/``, identical to
``templates/`` at the repository root, which also holds the script that builds them):

* ``lembar_disposisi.docx`` — the disposition form, editable;
* ``kartu_kendali.docx`` — the incoming control card (15 × 10 cm, three copies);
* ``surat_balasan.docx`` — the *surat balasan tindak lanjut* to the reporter.

An IT admin may put an edited copy with the same file name in the user's template folder;
:func:`render_docx` takes the first folder in *template_dirs* that has the file, so the
user's folder (listed first) overrides the shipped one. A template must only use the
placeholders listed below: an unknown one, a jinja syntax error or a file that is not a
Word document is a :class:`~siapmas_sync.errors.ConfigError` naming the file — never a
half-filled letter.

Context variables (built by :func:`template_context`; every value is text unless noted)
---------------------------------------------------------------------------------------
Item:
  ``agenda_no`` (e.g. "0001/SIAPMAS/2026"), ``no_urut`` ("1"), ``tahun`` ("2026"),
  ``perihal`` (never a cut sentence), ``isi_ringkas`` (the kartu kendali's, as its PDF), ``kronologi`` (multi-line),
  ``sifat``, ``kode_klasifikasi``, ``indeks``, ``tahap``, ``kelengkapan``,
  ``diterima`` ("28 November 2026"), ``diterima_waktu`` ("28 November 2026 14.05 WIB"),
  ``diagendakan`` (registration time, same form), ``tanggal_surat``, ``nomor_surat`` ("-"),
  ``lampiran`` (the kartu kendali's wording: "2 berkas" or "Tidak ada"), ``jumlah_bukti`` ("2"),
  ``bukti`` (list, for ``{% for b in bukti %}``: ``b.nama``, ``b.ukuran``, ``b.jenis``,
  ``b.tautan``).
Reporter (all "Dirahasiakan" when the item is *rahasia*; perihal, kronologi, catatan and
tindak lanjut then have the name/phone/e-mail removed):
  ``pelapor``, ``telepon``, ``email``.
Disposition and follow-up:
  ``tujuan`` (the AKD that followed up; dotted line when unknown), ``usulan_tujuan``
  (the system's routing suggestion, a suggestion only), ``usulan_catatan`` ("Usulan
  sistem: …" while nothing is decided and the suggestion is none of the printed options,
  else ""), ``diteruskan_kepada``, ``harap``
  (recorded choices, comma-separated), ``tujuan_lainnya``, ``harap_lainnya`` (choices
  outside the printed checklist, or a dotted line), ``catatan``, ``tindak_lanjut``
  (multi-line; dotted line when empty), ``kepada``, ``pengolah``, ``tgl_diteruskan``,
  ``judul_kartu``, ``usulan_kartu`` (the card's fields come from documents.kartu, as the
  PDF's: "Usulan sistem (bukan keputusan): …" until the AKD is decided, then "").
Check boxes, "☒" when chosen else "☐":
  ``cek.sifat_sangat_segera``, ``cek.sifat_segera``, ``cek.sifat_rahasia``,
  ``cek.sifat_biasa``; ``cek.kabag_umum``, ``cek.kabag_persidangan``, ``cek.komisi_i``,
  ``cek.komisi_ii``, ``cek.komisi_iii``, ``cek.komisi_iv``, ``cek.bapemperda``,
  ``cek.banggar``, ``cek.badan_kehormatan``, ``cek.bamus``, ``cek.tujuan_lainnya``;
  ``cek.tanggapan_saran``, ``cek.proses_lanjut``, ``cek.koordinasi``,
  ``cek.ditindaklanjuti``, ``cek.diketahui``, ``cek.rdp``, ``cek.diarsipkan``,
  ``cek.harap_lainnya``.
  ``usulan.<same key as the cek.* of the Diteruskan list>`` is "(usulan sistem)" next to
  the suggested AKD and "" elsewhere — the suggestion is noted, never ticked.
Paraf grid: ``paraf.kasubag_tu``, ``paraf.kabag``, ``paraf.sekretaris_dprd``,
  ``paraf.ketua_dprd``, each with ``.tanggal``, ``.instruksi`` and ``.oleh`` (who).
Letterhead: ``kop.pemerintah``, ``kop.instansi``, ``kop.alamat``, ``kop.email``,
  ``kop.website``, ``kop.telepon``, ``kop.kontak`` (e-mail · laman · telp on one line);
  ``lembaga`` ("DPRD Kabupaten Mojokerto", from ``kop.instansi``).
Letter: ``lampiran_surat`` (the Laporan Hasil Tindak Lanjut when recorded, else "": the
  shipped letter then leaves the Lampiran line out), ``nomor_balasan``, ``tanggal_balasan`` (dotted lines unless given through
  *penandatangan* keys ``nomor`` / ``tanggal``), ``penandatangan.nama``,
  ``penandatangan.nip``, ``penandatangan.pangkat``, ``penandatangan.jabatan`` (default
  "Sekretaris DPRD Kabupaten Mojokerto") and any further key passed in *penandatangan*.

Text is made safe for WordprocessingML (control characters dropped, line breaks kept as
Word line breaks) but, unlike the PDFs, not reduced to the shipped fonts' glyphs: Word
and LibreOffice substitute fonts for emoji and other scripts themselves. Jinja runs
sandboxed, with autoescaping and StrictUndefined.

The code lives in :mod:`siapmas_sync.worddocs` (text, one context module per document
kind, templates); this module is its public face.
"""

from __future__ import annotations

from siapmas_sync.worddocs.context import context_names, template_context
from siapmas_sync.worddocs.templates import (
    TEMPLATE_NAMES, check_template, find_template, normalise_docx_zip, render_docx, shipped_template_dir,
)
from siapmas_sync.worddocs.text import CHECKED, UNCHECKED, docx_text

__all__ = [
    "CHECKED", "TEMPLATE_NAMES", "UNCHECKED", "check_template", "context_names", "docx_text", "find_template",
    "normalise_docx_zip", "render_docx", "shipped_template_dir", "template_context",
]
