"""The printable documents, checked the way an operator would: open the PDF and read it.

Text is extracted with pypdf; fixtures are plain AgendaItem values (no mocks).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from siapmas_sync.documents import (
    atomic_write_bytes,
    render_kartu_kendali,
    render_lembar_aduan,
    render_lembar_disposisi,
    render_print_batch,
)
from siapmas_sync.documents.common import clean_text, ukuran_id, waktu_id
from siapmas_sync.core.models import (
    CATATAN,
    KURANG,
    AgendaItem,
    DisposisiRecord,
    Evidence,
    Finding,
    Kop,
    RoutingSuggestion,
    Submission,
)

WIB = ZoneInfo("Asia/Jakarta")
MM = 72 / 25.4

NAMA = "Siti Rahmawati"
TELEPON = "+6281234567890"
TELEPON_CETAK = "0812-3456-7890"  # as Indonesians write it (phonenumbers national format)
EMAIL = "siti.rahma@example.org"
PERIHAL = "Tambang liar galian C di Dusun Sugianyar, Desa Mojorejo, Kecamatan Kemlagi"
KRONOLOGI = (
    "Aktivitas tambang liar galian C semakin marak di Dusun Sugianyar, Desa Mojorejo, "
    "Kecamatan Kemlagi. Para penambang nekat beroperasi meski izin belum lengkap.\n\n"
    "Kejadian setiap hari pukul 07.00–17.00 WIB."
)


def make_item(tmp_path: Path | None = None, **changes: object) -> AgendaItem:
    sub_changes = {k[4:]: changes.pop(k) for k in list(changes) if k.startswith("sub_")}
    sub = Submission(
        key="k" * 64,
        content_hash="h" * 64,
        received_at=datetime(2026, 11, 28, 14, 5, tzinfo=WIB),
        nama=NAMA,
        telepon=TELEPON,
        email=EMAIL,
        kronologi=KRONOLOGI,
        bukti_urls=("https://drive.google.com/open?id=1AbC",),
        extra=(("Kecamatan", "Kemlagi"),),
    )
    sub = replace(sub, **sub_changes)
    item = AgendaItem(
        agenda_no="0007/SIAPMAS/2026",
        year=2026,
        seq=7,
        submission=sub,
        perihal=PERIHAL,
        routing=RoutingSuggestion(
            tujuan="Komisi III",
            label="Komisi III – Pembangunan & Lingkungan",
            matched=("galian c", "tambang"),
        ),
        evidence=(
            Evidence(
                url="https://drive.google.com/open?id=1AbC", drive_id="1AbC",
                name="foto_lokasi.jpg", size=1_258_291, mime="image/jpeg", found=True,
            ),
            Evidence(url="https://drive.google.com/open?id=2XyZ", drive_id="2XyZ", found=False),
        ),
        findings=(Finding("bukti_hilang", "1 berkas bukti tidak ditemukan", KURANG),),
        registered_at=datetime(2026, 11, 28, 14, 12, tzinfo=WIB),
    )
    return replace(item, **changes)


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def pages(path: Path) -> int:
    return len(PdfReader(path).pages)


def render_all(item: AgendaItem, out: Path, kop: Kop | None = None, **aduan_kw: bool) -> dict[str, Path]:
    kop = kop or Kop()
    return {
        "aduan": render_lembar_aduan(item, kop, out / "aduan.pdf", **aduan_kw),
        "disposisi_a4": render_lembar_disposisi(item, kop, out / "disposisi-a4.pdf"),
        "disposisi_hf": render_lembar_disposisi(item, kop, out / "disposisi-hf.pdf", paper="HALF_FOLIO"),
        "kendali": render_kartu_kendali(item, kop, out / "kendali.pdf"),
    }


def write_png(path: Path) -> Path:
    im = Image.new("RGB", (640, 480), (90, 140, 80))
    ImageDraw.Draw(im).ellipse((160, 100, 480, 380), fill=(220, 190, 60))
    im.save(path)
    return path


# --- what every document shows ----------------------------------------------------------


def test_every_document_shows_agenda_reporter_and_perihal(tmp_path: Path) -> None:
    docs = render_all(make_item(), tmp_path)
    for name, path in docs.items():
        text = flat(text_of(path))
        assert "0007/SIAPMAS/2026" in text, name
        assert NAMA in text, name
        assert "Tambang liar galian C" in text, name
        assert "SEKRETARIAT DPRD KABUPATEN MOJOKERTO" in text, name


def test_lembar_aduan_contents(tmp_path: Path) -> None:
    path = render_lembar_aduan(make_item(), Kop(), tmp_path / "a.pdf")
    text = flat(text_of(path))
    for expected in (
        "LEMBAR ADUAN / ASPIRASI MASYARAKAT",
        "Sabtu, 28 November 2026 14.05 WIB",
        "000.8.3.4",
        "Identitas Pelapor", TELEPON_CETAK, EMAIL,
        "Kronologi, Waktu dan Tempat", "Kejadian setiap hari pukul 07.00–17.00 WIB.",
        "Bukti Dukung", "foto_lokasi.jpg", "1,2 MB",
        "Tidak ditemukan", "Ditemukan",
        "Data Tambahan", "Kecamatan",
        "Hasil Pemeriksaan Kelengkapan", "1 berkas bukti tidak ditemukan",
        "Usulan Tujuan (saran sistem, bukan keputusan)", "Komisi III – Pembangunan & Lingkungan",
        "galian c, tambang",
        "E-mail: sekwankabmojk@gmail.com",
        "Halaman 1 dari 1",
    ):
        assert expected in text, expected
    assert "https://drive.google.com/open?id=2XyZ" in "".join(text.split())  # wrapped in its cell


def test_no_findings_reads_lengkap(tmp_path: Path) -> None:
    item = make_item(findings=(), sub_findings=())
    text = flat(text_of(render_lembar_aduan(item, Kop(), tmp_path / "a.pdf")))
    assert "Lengkap" in text
    assert "Belum lengkap" not in text


def test_catatan_only_findings_still_lengkap(tmp_path: Path) -> None:
    item = make_item(findings=(Finding("waktu", "Waktu kejadian kurang jelas", CATATAN),))
    text = flat(text_of(render_lembar_aduan(item, Kop(), tmp_path / "a.pdf")))
    assert "Lengkap (dengan catatan)" in text
    assert "Waktu kejadian kurang jelas" in text


# --- confidentiality ---------------------------------------------------------------------


def _assert_identity_absent(text: str) -> None:
    lowered = text.lower()
    digits = re.sub(r"\D", "", text)
    assert "rahmawati" not in lowered
    assert "siti.rahma" not in lowered and "example.org" not in lowered
    assert "81234567890" not in digits
    assert "Dirahasiakan" in text


def test_rahasia_hides_identity_on_every_document(tmp_path: Path) -> None:
    item = make_item(
        rahasia=True,
        perihal=f"Laporan {NAMA} soal tambang liar",
        sub_kronologi=f"Saya {NAMA}, hubungi 081234567890 atau {EMAIL}. Tambang liar di Kemlagi.",
        sub_email_pengumpul=EMAIL,
        sub_extra=(("Alamat Pelapor", "Dusun Sugianyar RT 02"), ("Catatan", f"dari {NAMA}")),
        evidence=(Evidence(url="https://drive.google.com/open?id=9", name=f"KTP {NAMA}.jpg",
                           size=2000, mime="image/jpeg", found=True),),
    )
    for name, path in render_all(item, tmp_path).items():
        text = text_of(path)
        _assert_identity_absent(text)
        assert "Sugianyar RT 02" not in text, name
        meta = " ".join(str(v) for v in (PdfReader(path).metadata or {}).values())
        assert "Rahmawati" not in meta
    assert "Tambang liar di Kemlagi" in flat(text_of(tmp_path / "aduan.pdf"))


def test_show_identity_false_hides_identity_on_lembar_aduan(tmp_path: Path) -> None:
    path = render_lembar_aduan(make_item(), Kop(), tmp_path / "a.pdf", show_identity=False)
    _assert_identity_absent(text_of(path))


# --- any text a citizen types ----------------------------------------------------------


def test_100kb_chronology_paginates_and_keeps_its_end(tmp_path: Path) -> None:
    sentence = "Truk tambang melintas setiap hari dan merusak jalan desa kami. "
    body = "\n".join(sentence * 4 for _ in range(500))[:100_000]
    last = "Demikian laporan ini kami sampaikan dengan sebenarnya."
    item = make_item(sub_kronologi=body + "\n" + last)
    path = render_lembar_aduan(item, Kop(), tmp_path / "a.pdf", max_pages=100)  # above the default limit (test_long_text)
    n = pages(path)
    assert n >= 15
    text = flat(text_of(path))
    assert last in text
    assert f"Halaman 1 dari {n}" in text and f"Halaman {n} dari {n}" in text
    assert text.count("0007/SIAPMAS/2026") >= n  # agenda number on every page


def test_100kb_single_line_without_spaces_paginates(tmp_path: Path) -> None:
    item = make_item(sub_kronologi="x" * 100_000 + " AKHIR-KRONOLOGI")
    path = render_lembar_aduan(item, Kop(), tmp_path / "a.pdf", max_pages=100)
    assert pages(path) >= 10
    assert "AKHIR-KRONOLOGI" in text_of(path).replace("\n", "")


WEIRD = {
    "emoji": "Jalan rusak 😀👨‍👩‍👧🇮🇩 parah sekali 🙏🏽",
    "curly_quotes": "Dia bilang “tidak ada izin” dan ‘tunggu saja’ — katanya…",
    "arabic": "مرحبا بالعالم، الطريق مكسور",
    "chinese": "道路损坏，请尽快修复。",
    "control": "baris\x00satu\x07\x1b[31m merah\x7f\x85 selesai\x0b\x0c",
    "markup": "<b>tebal</b> & <script>alert(1)</script> ]]> &amp; <br/> <para>",
    "format": "zero\u200bwidth \u202ekebalik\u202c \ufeffBOM \u00adlunak\ue000pua",
    "math_and_combining": "𝕳𝖊𝖑𝖑𝖔 ｆｕｌｌ Z̷̢̛a̸l̵g̶o̷ e\u0301",
    "unassigned": "\U000e0001\U0010fffd\u0378 tag",
}


@pytest.mark.parametrize("kind", sorted(WEIRD))
def test_weird_unicode_renders_everywhere(tmp_path: Path, kind: str) -> None:
    s = WEIRD[kind]
    item = make_item(
        perihal=s, sub_nama=s, sub_kronologi=f"{s}\n{s * 40}\nPENANDA-AKHIR",
        sub_extra=((s, s),),
        routing=RoutingSuggestion(tujuan="Pimpinan/Bamus", label=s, matched=(s,)),
        evidence=(Evidence(url=s, name=s, size=10, mime="image/png", found=True),),
    )
    docs = render_all(item, tmp_path)
    assert "PENANDA-AKHIR" in text_of(docs["aduan"])
    for sheet in (docs["disposisi_a4"], docs["disposisi_hf"]):
        # one sheet; a perihal longer than its box continues whole on a lanjutan page, never cut
        n = pages(sheet)
        assert n == 1 or (n == 2 and "LEMBAR DISPOSISI (LANJUTAN)" in PdfReader(sheet).pages[1].extract_text()), n
    assert pages(docs["kendali"]) == 3


def test_clean_text_degrades_instead_of_failing() -> None:
    assert clean_text("a\x00b\r\nc\td") == "ab\nc    d"
    assert clean_text("你好世界") == "\ufffd"  # one mark per undrawable run
    assert clean_text("𝐀𝐁") == "AB"
    assert clean_text("x\ud800y") == "x\ufffdy"  # even a lone surrogate


# --- Kartu Kendali ------------------------------------------------------------------------


def test_kartu_kendali_three_coloured_copies_of_15x10cm(tmp_path: Path) -> None:
    path = render_kartu_kendali(make_item(), Kop(), tmp_path / "k.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) == 3
    labels = (
        "Lembar 1 – Putih: Arsip/Kontrol",
        "Lembar 2 – Kuning: Bukti Terima",
        "Lembar 3 – Merah: Pengarah",
    )
    for page, label in zip(reader.pages, labels):
        box = page.mediabox
        assert float(box.width) == pytest.approx(150 * MM, abs=0.01)
        assert float(box.height) == pytest.approx(100 * MM, abs=0.01)
        text = flat(page.extract_text())
        assert label in text
        # Indeks helps filing: the suggested AKD until one is decided (documents.kartu)
        for field in ("Indeks", "Komisi III", "Kode", "000.8.3.4", "No. Urut", "M/K", "Isi Ringkas",
                      "Lampiran", "2 berkas", "Dari", "Kepada", "Sekretariat DPRD Kab. Mojokerto",
                      "Tanggal Surat", "Nomor Surat", "Pengolah", "Subbag Tata Usaha", "Tgl Diteruskan",
                      "Paraf/Tanda Terima", "Catatan"):
            assert field in text, field


# --- Lembar Disposisi ---------------------------------------------------------------------


@pytest.mark.parametrize("paper,size_mm", [("A4", (210, 297)), ("HALF_FOLIO", (215, 165))])
def test_disposisi_is_one_page_even_when_everything_is_long(tmp_path: Path, paper: str, size_mm: tuple[int, int]) -> None:
    rec = DisposisiRecord(
        diteruskan_kepada=("Komisi III", "Banggar", "Dinas Lingkungan Hidup"),
        harap=("Untuk ditindaklanjuti", "Dijadwalkan RDP", "Segera laporkan"),
        catatan="Mohon dijadwalkan RDP bersama DLH.\n" * 200,
        paraf=(("Kasubag TU", "28-11-2026", "Teruskan " * 100), ("Sekwan", "29-11-2026", "Ajukan ke pimpinan")),
    )
    item = make_item(perihal="Perihal yang sangat panjang sekali " * 100, sifat="Segera")
    path = render_lembar_disposisi(item, Kop(), tmp_path / "d.pdf", disposisi=rec, paper=paper)
    reader = PdfReader(path)
    # the form is one page; what officials wrote that does not fit continues on lanjutan
    # pages of the same size (never cut, issue 12)
    first = flat(reader.pages[0].extract_text())
    assert "Mohon tidak memisahkan lembar disposisi ini dari suratnya" in first
    assert "bersambung di halaman lanjutan" in first
    assert all("LEMBAR DISPOSISI (LANJUTAN)" in p.extract_text() for p in reader.pages[1:])
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx((size_mm[0] * MM, size_mm[1] * MM), abs=0.01)
    text = flat(text_of(path))
    assert text.count("Mohon dijadwalkan RDP bersama DLH.") >= 200 and text.count("Teruskan") >= 100
    assert text.count("Perihal yang sangat panjang sekali") >= 100  # the perihal whole, continued
    for expected in (
        "LEMBAR DISPOSISI", "Surat dari", "Nomor Surat", "Tanggal Surat", "Diterima Tanggal",
        "Nomor Agenda", "Sifat", "Sangat Segera", "Rahasia", "Biasa", "Perihal",
        "Diteruskan kepada Sdr.:", "Kabag Umum & Keuangan", "Kabag Persidangan & PUU",
        "Komisi I", "Komisi IV", "Bapemperda", "Badan Kehormatan", "Bamus",
        "Dengan hormat harap:", "Tanggapan dan saran", "Koordinasi/konfirmasikan",
        "Diarsipkan", "Dinas Lingkungan Hidup", "Segera laporkan", "Catatan",
        "Mohon dijadwalkan RDP bersama DLH.", "Kasubag TU", "Kabag", "Sekretaris DPRD",
        "Ketua DPRD", "Tanggal", "Paraf", "Instruksi", "Ajukan ke pimpinan",
        "Mohon tidak memisahkan lembar disposisi ini dari suratnya",
    ):
        assert expected in text, expected


def test_disposisi_notes_the_suggestion_without_deciding(tmp_path: Path) -> None:
    path = render_lembar_disposisi(make_item(), Kop(), tmp_path / "d.pdf")
    text = flat(text_of(path))
    # read as laid out (the fixed labels come first in the content stream, the notes later)
    lines = PdfReader(path).pages[0].extract_text(extraction_mode="layout").splitlines()
    assert any(re.search(r"Komisi III ?\(usulan sistem\)", line) for line in lines)
    assert "0007/SIAPMAS/2026" in text and "28 November 2026" in text


def test_disposisi_rejects_unknown_paper(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_lembar_disposisi(make_item(), Kop(), tmp_path / "d.pdf", paper="LETTER")


# --- images and logo -----------------------------------------------------------------------


def test_thumbnails_and_broken_images(tmp_path: Path) -> None:
    good = write_png(tmp_path / "foto.png")
    corrupt = tmp_path / "rusak.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20)
    missing = tmp_path / "tidak-ada.png"
    item = make_item(evidence=(
        Evidence(url="u1", name="foto.png", size=good.stat().st_size, mime="image/png", local_path=good, found=True),
        Evidence(url="u2", name="rusak.jpg", size=340, mime="image/jpeg", local_path=corrupt, found=True),
        Evidence(url="u3", name="hilang.png", size=1, mime="image/png", local_path=missing, found=True),
    ))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = render_lembar_aduan(item, Kop(logo=corrupt), tmp_path / "a.pdf")
    text = flat(text_of(path))
    assert text.count("(gambar tidak dapat ditampilkan)") == 2
    images = [img for page in PdfReader(path).pages for img in page.images]
    assert len(images) == 1  # the good photo only


def test_logo_is_drawn_on_every_document(tmp_path: Path) -> None:
    kop = Kop(logo=write_png(tmp_path / "logo.png"))
    for name, path in render_all(make_item(), tmp_path, kop).items():
        assert PdfReader(path).pages[0].images, name


# --- determinism, atomicity, batch ---------------------------------------------------------


def test_rendering_twice_gives_identical_bytes(tmp_path: Path) -> None:
    kop = Kop(logo=write_png(tmp_path / "logo.png"))
    item = make_item(evidence=(Evidence(url="u", name="f.png", size=1, mime="image/png",
                                        local_path=tmp_path / "logo.png", found=True),))
    first = render_all(item, tmp_path / "one", kop)
    second = render_all(item, tmp_path / "two", kop)
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name
    b1 = render_print_batch(list(first.values()), tmp_path / "b1.pdf")
    b2 = render_print_batch(list(second.values()), tmp_path / "b2.pdf")
    assert b1.read_bytes() == b2.read_bytes()


def test_atomic_write_creates_dirs_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "doc.pdf"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["doc.pdf"]


def test_atomic_write_failure_keeps_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "doc.pdf"
    atomic_write_bytes(target, b"old")
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]  # fails while writing
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["doc.pdf"]
    blocker = tmp_path / "dir.pdf"
    (blocker / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        atomic_write_bytes(blocker, b"data")  # written and fsynced, then the replace fails
    assert sorted(os.listdir(tmp_path)) == ["dir.pdf", "doc.pdf"]


def test_renderer_failure_leaves_no_temp(tmp_path: Path) -> None:
    (tmp_path / "out.pdf" / "x").mkdir(parents=True)  # a directory where the PDF should go
    with pytest.raises(OSError):
        render_kartu_kendali(make_item(), Kop(), tmp_path / "out.pdf")
    assert os.listdir(tmp_path) == ["out.pdf"]


def test_print_batch_concatenates_in_order(tmp_path: Path) -> None:
    docs = render_all(make_item(sub_kronologi="Panjang. " * 3000), tmp_path)
    order = [docs["aduan"], docs["disposisi_a4"], docs["kendali"], docs["disposisi_hf"]]
    batch = render_print_batch(order, tmp_path / "cetak" / "batch.pdf")
    counts = [pages(p) for p in order]
    reader = PdfReader(batch)
    assert len(reader.pages) == sum(counts)
    assert "LEMBAR ADUAN" in reader.pages[0].extract_text()
    assert "LEMBAR DISPOSISI" in reader.pages[counts[0]].extract_text()
    assert "Lembar 1 – Putih" in reader.pages[counts[0] + 1].extract_text()
    with pytest.raises(ValueError):
        render_print_batch([], tmp_path / "kosong.pdf")


# --- formatting helpers ---------------------------------------------------------------------


def test_indonesian_dates_and_sizes() -> None:
    assert waktu_id(datetime(2026, 11, 28, 14, 5, tzinfo=WIB)) == "Sabtu, 28 November 2026 14.05 WIB"
    assert waktu_id(datetime(2026, 1, 4, 17, 0, tzinfo=timezone.utc)) == "Senin, 5 Januari 2026 00.00 WIB"
    assert waktu_id(datetime(2026, 8, 17, 9, 30, tzinfo=ZoneInfo("Asia/Makassar"))) == "Senin, 17 Agustus 2026 09.30 WITA"
    assert ukuran_id(1_258_291) == "1,2 MB"
    assert ukuran_id(512) == "512 B"
    assert ukuran_id(2048) == "2 KB"
    assert ukuran_id(None) == "-"


def test_reused_font_subsets_give_the_same_bytes_as_fresh_ones(tmp_path: Path) -> None:
    """Subsets are built once per process and reused; a document made from the cache is
    byte-identical to one made from freshly built subsets, and reads back the same."""
    from siapmas_sync.documents.subsets import _ReusingFace, _ReusingFont

    item = make_item(sub_nama="Ḍewi Ŝaraswati – ÅØ")
    caches = (_ReusingFace._subsets, _ReusingFace._descriptors, _ReusingFont._parts)
    for cache in caches:
        cache.clear()
    cold = render_all(item, tmp_path / "cold")
    sizes = [len(cache) for cache in caches]
    warm = render_all(item, tmp_path / "warm")
    assert all(sizes) and [len(cache) for cache in caches] == sizes  # every object came from the cache
    for name in cold:
        assert cold[name].read_bytes() == warm[name].read_bytes(), name
    assert "Ḍewi Ŝaraswati" in text_of(warm["aduan"])


def test_cached_font_objects_give_the_bytes_reportlab_makes_itself(tmp_path: Path) -> None:
    """With the per-process font objects switched off (reportlab's own TTFont/TTFontFace)
    every document, including a multi-page one, comes out byte for byte the same."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

    from siapmas_sync.documents.common import _FONT_FILES, register_fonts

    register_fonts()
    item = make_item(sub_nama="Ḍewi Ŝaraswati – ÅØ", sub_kronologi=(KRONOLOGI + "\n") * 120)
    cached = render_all(item, tmp_path / "cached")
    fonts = [pdfmetrics.getFont(name) for name in _FONT_FILES]
    classes = [(f.__class__, f.face.__class__) for f in fonts]
    try:
        for f in fonts:
            f.__class__, f.face.__class__ = TTFont, TTFontFace
        plain = render_all(item, tmp_path / "plain")
    finally:
        for f, (font_cls, face_cls) in zip(fonts, classes):
            f.__class__, f.face.__class__ = font_cls, face_cls
    assert pages(cached["aduan"]) > 2
    for name in plain:
        assert plain[name].read_bytes() == cached[name].read_bytes(), name


def test_font_object_caches_are_bounded() -> None:
    from siapmas_sync.documents.pdfobjects import BoundedCache

    cache: BoundedCache[int] = BoundedCache(3)
    for k in range(10):
        assert cache.get(k, lambda k=k: k * k) == k * k
    assert len(cache) == 3
    assert cache.get(9, lambda: -1) == 81  # a hit is not made again
    assert cache.get(0, lambda: -1) == -1  # the oldest went


def test_files_written_together_are_complete_and_leave_no_temp(tmp_path: Path) -> None:
    from siapmas_sync.documents.common import durable_together

    with durable_together() as written:
        atomic_write_bytes(tmp_path / "a" / "one.pdf", b"1")
        atomic_write_bytes(tmp_path / "a" / "two.pdf", b"2")
    assert written == [tmp_path / "a" / "one.pdf", tmp_path / "a" / "two.pdf"]
    assert sorted(os.listdir(tmp_path / "a")) == ["one.pdf", "two.pdf"]
    with pytest.raises(RuntimeError):
        with durable_together():
            atomic_write_bytes(tmp_path / "a" / "one.pdf", b"new")
            raise RuntimeError("renderer failed half-way")
    assert (tmp_path / "a" / "one.pdf").read_bytes() == b"new"  # each file is still whole
    assert sorted(os.listdir(tmp_path / "a")) == ["one.pdf", "two.pdf"]
    # the portable flush (Windows, macOS) takes the same files, and files removed since
    from siapmas_sync.documents.common import fsync_each

    fsync_each([tmp_path / "a" / "one.pdf", tmp_path / "a" / "gone.pdf"])


def test_a_large_photo_is_decoded_small_but_still_fills_the_thumbnail(tmp_path: Path) -> None:
    from siapmas_sync.documents.drawing import load_image

    photo = tmp_path / "foto.jpg"
    Image.new("RGB", (4000, 3000), (120, 160, 90)).save(photo, quality=80)
    img = load_image(photo, max_px=720)
    assert img is not None and img.getSize() == (720, 540)


def test_a_photo_the_decoder_scaled_close_to_the_thumbnail_is_not_resampled_again(tmp_path: Path) -> None:
    from siapmas_sync.documents.drawing import load_image

    photo = tmp_path / "foto.jpg"
    Image.new("RGB", (1600, 1200), (120, 160, 90)).save(photo, quality=80)
    assert load_image(photo, max_px=720).getSize() == (800, 600)  # decoded at half size, kept
    png = tmp_path / "layar.png"  # no decoder scaling for PNG: resampled to the cap
    Image.new("RGB", (1600, 1200), (120, 160, 90)).save(png)
    assert load_image(png, max_px=720).getSize() == (720, 540)


def test_plain_paragraphs_are_the_paragraphs_the_markup_parser_makes() -> None:
    """plain_paragraph skips reportlab's markup parser; its fragments must be exactly the
    parser's, so layout and drawing cannot differ (markup characters take the parser)."""
    from reportlab.platypus import Paragraph

    from siapmas_sync.documents.aduan import _styles
    from siapmas_sync.documents.common import para_markup, register_fonts
    from siapmas_sync.documents.flow import plain_paragraph

    register_fonts()
    texts = [KRONOLOGI, PERIHAL, "  spasi   ganda\tdan tab ", "Ḍewi – ÅØ …", "a & b < c", "x\u00adyz", "0007/SIAPMAS/2026",
             "baris satu\nbaris dua", "", "   "]
    for style in _styles().values():
        for text in texts:
            clean = clean_text(text, style.fontName)
            fast, parsed = plain_paragraph(clean, style), Paragraph(para_markup(clean, style.fontName), style)
            assert [f.__dict__ for f in fast.frags] == [f.__dict__ for f in parsed.frags], (style.name, text)
            assert fast.text == parsed.text and fast.style is parsed.style
            assert fast.wrap(300, 800) == parsed.wrap(300, 800)


def test_kartu_kendali_copies_show_the_same_card_under_their_own_band(tmp_path: Path) -> None:
    """The card below the band is drawn once (a form shown on each page): every copy
    still carries all of it, and a rahasia item hides the reporter on every copy."""
    item = make_item(rahasia=True)
    path = render_kartu_kendali(item, Kop(), tmp_path / "kendali.pdf")
    texts = [flat(page.extract_text() or "") for page in PdfReader(path).pages]
    assert len(texts) == 3
    for copy, text in enumerate(texts, 1):
        assert f"{copy}/3" in text and "KARTU KENDALI SURAT MASUK" in text
        assert "0007/SIAPMAS/2026" in text and "Dirahasiakan" in text
        assert NAMA not in text and TELEPON not in text and TELEPON_CETAK not in text


def test_a_photo_thumbnail_is_embedded_as_its_jpeg_without_decoding_it_again(tmp_path: Path, monkeypatch) -> None:
    """drawImage names an EncodedImage after its encoded bytes: the thumbnail JPEG is
    passed through unchanged and never decoded to pixels just to name it."""
    from reportlab.lib.utils import ImageReader

    from siapmas_sync.documents.drawing import EncodedImage, load_image

    photo = tmp_path / "foto.jpg"
    im = Image.new("RGB", (1600, 1200), (30, 90, 160))
    ImageDraw.Draw(im).ellipse((200, 200, 1400, 1000), fill=(240, 200, 40))
    im.save(photo, quality=85)
    thumb = load_image(photo, max_px=720)
    assert isinstance(thumb, EncodedImage) and not isinstance(thumb, ImageReader)
    decoded: list[object] = []
    real = ImageReader.getRGBData
    monkeypatch.setattr(ImageReader, "getRGBData", lambda self: decoded.append(self) or real(self))
    ev = Evidence(url="u", name="foto.jpg", size=photo.stat().st_size, mime="image/jpeg", local_path=photo, found=True)
    path = render_lembar_aduan(make_item(evidence=(ev, replace(ev, url="u2"))), Kop(), tmp_path / "a.pdf")
    assert decoded == []
    images = [img for page in PdfReader(path).pages for img in page.images]
    assert len(images) == 1  # the same photo twice is still one XObject
    xobjects = PdfReader(path).pages[0]["/Resources"]["/XObject"]
    streams = [xobjects[name].get_object() for name in xobjects]
    assert [x.get_data() for x in streams if x["/Subtype"] == "/Image"] == [thumb.data]  # passed through


def test_the_logo_is_encoded_once_while_its_file_is_unchanged(tmp_path: Path) -> None:
    from siapmas_sync.documents import drawing

    logo = write_png(tmp_path / "logo.png")
    first = drawing.load_logo(logo)
    assert first is not None and drawing.load_logo(logo).data is first.data
    Image.new("RGB", (40, 30), (200, 0, 0)).save(logo)
    os.utime(logo, ns=(1, 1))
    changed = drawing.load_logo(logo)
    assert changed is not None and changed.data != first.data and changed.getSize() == (40, 30)
    assert drawing.load_logo(tmp_path / "none.png") is None


def test_replayed_fixed_parts_give_the_bytes_drawing_them_gives(tmp_path: Path, monkeypatch) -> None:
    """The disposisi's and kendali's fixed parts (and the aduan's kop) are drawn once per
    process and replayed: byte for byte what drawing them in each document gives, for
    any item, paper and kop."""
    from siapmas_sync.documents import layers

    logo = write_png(tmp_path / "logo.png")
    rec = DisposisiRecord(diteruskan_kepada=("Komisi III", "Dinas PU"), harap=("Untuk diketahui",),
                          catatan="Segera.", paraf=(("Kabag", "1 Des 2026", "Teruskan"),))
    items = [make_item(), make_item(rahasia=True, sifat="Segera", kode_klasifikasi="100.3.4.5.6.7.8"),
             make_item(agenda_no="0999/SIAPMAS/2026", perihal="Émoji 😀 dan ｆｕｌｌ " + "panjang " * 40)]
    kops = [Kop(), Kop(logo=logo), Kop(instansi="Sekretariat DPRD Kota Contoh")]

    def render(out: Path) -> list[bytes]:
        files = []
        for k, kop in enumerate(kops):
            for i, item in enumerate(items):
                files.append(render_lembar_disposisi(item, kop, out / f"{k}{i}-a4.pdf", disposisi=rec if i else None))
                files.append(render_lembar_disposisi(item, kop, out / f"{k}{i}-hf.pdf", paper="HALF_FOLIO"))
                files.append(render_kartu_kendali(item, kop, out / f"{k}{i}-kk.pdf"))
                files.append(render_lembar_aduan(item, kop, out / f"{k}{i}-aduan.pdf"))
        return [p.read_bytes() for p in files]

    render(tmp_path / "warm")
    replayed = render(tmp_path / "replayed")
    assert layers._recorded and not any(r.direct for r in layers._recorded._data.values())
    monkeypatch.setattr(layers, "_fingerprint", lambda c: None)  # draw every fixed part directly
    assert render(tmp_path / "direct") == replayed
    text = flat(text_of(tmp_path / "replayed" / "20-kk.pdf"))
    assert "SEKRETARIAT DPRD KOTA CONTOH" in text and "Indeks" in text and "0007/SIAPMAS/2026" in text


def test_fixed_parts_carry_no_item_data(tmp_path: Path) -> None:
    """What is replayed was drawn with a blank item: one item's data never shows on another's."""
    first = make_item(agenda_no="0777/SIAPMAS/2026", sifat="Sangat Segera", kode_klasifikasi="999.9")
    render_all(first, tmp_path / "first")
    second = make_item(rahasia=True)
    for name, path in render_all(second, tmp_path / "second").items():
        text = text_of(path)
        _assert_identity_absent(text)
        assert "0777" not in text and "999.9" not in text, name


def test_one_line_texts_draw_the_operators_of_a_one_line_paragraph() -> None:
    """plain_line draws a text that fits on one line without reportlab's line breaking:
    same size and the same PDF operators as the Paragraph; longer text is a Paragraph."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from siapmas_sync.documents.aduan import _styles
    from siapmas_sync.documents.common import register_fonts
    from siapmas_sync.documents.flow import OneLine, plain_line, plain_paragraph

    register_fonts()
    texts = ["No. Agenda", ":", "0007/SIAPMAS/2026", "Ḍewi – ÅØ …", "  spasi   ganda ", "E-mail akun pengirim",
             "Sabtu, 28 November 2026 14.05 WIB", "kata " * 40, "x" * 200]
    for name, style in _styles().items():
        for text in texts:
            for width in (40.0, 115.0, 400.0):
                line, para = plain_line(text, style), plain_paragraph(text, style)
                assert line.wrap(width, 800) == para.wrap(width, 800), (name, text, width)
                codes = []
                for flowable in (line, para):
                    c = Canvas(io.BytesIO(), invariant=1)
                    n = len(c._code)
                    flowable.drawOn(c, 10, 20)
                    codes.append(c._code[n:])
                assert codes[0] == codes[1], (name, text, width)
                if isinstance(line, OneLine) and not line.use_para:
                    assert line.height == style.leading
    assert isinstance(plain_line("No. Agenda", _styles()["label"]), OneLine)
    assert not isinstance(plain_line("a & b", _styles()["label"]), OneLine)  # markup takes the parser


def test_a_replaced_logo_moves_the_replayed_kop_text_like_a_fresh_drawing(tmp_path: Path, monkeypatch) -> None:
    """The kop text is centred beside the logo: a logo file replaced (another shape) or
    broken while the process runs must not leave the old layout in the replayed parts."""
    from siapmas_sync.documents import layers

    logo = tmp_path / "logo.png"
    item = make_item()
    shapes = ((300, 300), (900, 300), None)

    def render_with_logo(k: int, shape: tuple[int, int] | None, prefix: str) -> dict[str, bytes]:
        if shape:
            Image.new("RGB", shape, (20, 90, 160)).save(logo)
        else:
            logo.write_bytes(b"not an image")
        os.utime(logo, ns=(k + 1, k + 1))
        return {name: p.read_bytes() for name, p in render_all(item, tmp_path / f"{prefix}{k}", Kop(logo=logo)).items()}

    outputs = [render_with_logo(k, shape, "r") for k, shape in enumerate(shapes)]
    monkeypatch.setattr(layers, "_fingerprint", lambda c: None)  # draw every part directly
    for k, shape in enumerate(shapes):
        assert render_with_logo(k, shape, "d") == outputs[k], shape
