"""Layout as the Kasubag TU who signs it sees it: the Buku Agenda's signature block never
alone on a page (it stays with the table's last rows), headings kept with what follows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pypdf import PdfReader

from siapmas_sync.documents.buku_agenda import AgendaRow, export_buku_agenda_pdf
from siapmas_sync.core.models import Kop

from .conftest import WIB


def rows(n: int) -> list[AgendaRow]:
    return [AgendaRow(i, datetime(2026, 11, 2, 9, 0, tzinfo=WIB), f"{i:04d}/SIAPMAS/2026", f"Pelapor {i}", "-",
                      "Jalan rusak di Desa Mojorejo sejak Oktober, berlubang di depan balai desa", "Komisi III", "")
            for i in range(1, n + 1)]


def test_buku_agenda_signature_never_alone_on_a_page(tmp_path: Path) -> None:
    # 11–16 rows (and 31–36) used to push the signature alone onto the next page
    for n in (1, 10, 11, 12, 14, 16, 17, 31, 34, 36):
        path = export_buku_agenda_pdf(rows(n), tmp_path / f"b{n}.pdf", period=(date(2026, 11, 1), date(2026, 11, 30)),
                                      kop=Kop(), tanggal=date(2026, 12, 1))
        pages = [p.extract_text() for p in PdfReader(str(path)).pages]
        assert "Kepala Subbagian Tata Usaha" in pages[-1], n
        assert "SIAPMAS/2026" in pages[-1], (n, len(pages))  # a row of the table on the signature's page
        text = " ".join(" ".join(pages).split())
        assert all(f"{i:04d}/SIAPMAS/2026" in text for i in range(1, n + 1)), n  # no row lost
        assert text.count(f"{n:04d}/SIAPMAS/2026") == 1, n  # none printed twice


def test_lembar_aduan_never_leaves_a_heading_at_the_foot_of_a_page(tmp_path: Path) -> None:
    from dataclasses import replace

    from siapmas_sync.documents.aduan import render_lembar_aduan

    from .test_documents import KRONOLOGI, make_item

    base = make_item()
    # chronologies of growing length move "D. Data Tambahan" down page 1 (35–37 repeats left it alone there)
    for k in (30, 34, 35, 36, 37, 38, 45):
        kron = KRONOLOGI + "\n\n" + " ".join(["Warga resah karena debu dan truk tambang melintas."] * k)
        item = replace(base, evidence=(),
                       submission=replace(base.submission, kronologi=kron, extra=(("Kecamatan", "Kemlagi"),)))
        path = render_lembar_aduan(item, Kop(), tmp_path / f"a{k}.pdf")
        for page in PdfReader(str(path)).pages:
            text = page.extract_text()
            if "Data Tambahan" in text:
                assert "Kemlagi" in text.split("Data Tambahan", 1)[1], k  # the heading with its first entry


def test_kartu_isi_ringkas_whole_or_continued_in_catatan(tmp_path: Path) -> None:
    from siapmas_sync.documents.kendali import render_kartu_kendali

    from .test_documents import make_item

    sentence = ("Aktivitas tambang liar galian C semakin marak di wilayah hukum Mojokerto, hal itu terjadi nyata "
                "terlihat di Dusun Sugianyar, Desa Mojorejo, Kecamatan Kemlagi, Kabupaten Mojokerto, sejak awal "
                "November dan truk tambang merusak jalan desa setiap malam")
    item = make_item(perihal=sentence[:100] + "…", sub_kronologi=sentence + ". Kejadian lain.")
    path = render_kartu_kendali(item, Kop(), tmp_path / "k.pdf", diteruskan_ke="Komisi III", tgl_diteruskan="1 Desember 2026")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages]
    assert len(pages) == 3
    for text in pages:  # every copy: the whole sentence, in order, none of it cut
        words = set(text.split())
        assert all(w in words for w in sentence.split()), [w for w in sentence.split() if w not in words]
        assert "Isi Ringkas (lanjutan): " in text and "setiap malam" in text.split("(lanjutan):")[1]
        assert "…" not in text
        assert "1 Desember 2026" in text  # Tgl Diteruskan


def test_laporan_hasil_tindak_lanjut_carries_the_akd_signature_block_whole(tmp_path: Path) -> None:
    from siapmas_sync.documents.laporan import Laporan, render_laporan

    from .test_documents import make_item

    for n in (1, 40, 44, 46, 48, 52):  # report lengths that end near the foot of page 1
        lap = Laporan("RDP dengan DLH dan ESDM; penambangan dihentikan dan lokasi dipasangi garis.\n" * n,
                      oleh="Rina Kusuma (Komisi III)", akd=("Komisi III",),
                      at=datetime(2026, 12, 10, 10, 0, tzinfo=WIB))
        path = render_laporan(make_item(), Kop(), lap, tmp_path / f"l{n}.pdf")
        pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages]
        signed = [t for t in pages if "Pimpinan Komisi III" in t]
        assert len(signed) == 1, n
        assert "Mojokerto, 10 Desember 2026" in signed[0] and "DPRD Kabupaten Mojokerto (....." in signed[0], n
