"""Word documents from templates: shipped templates render, rahasia hides the identity,
the user's folder overrides, and every broken template is a ConfigError naming it."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.oxml.ns import qn

from siapmas_sync.worddocs.render import (
    TEMPLATE_NAMES, check_template, context_names, render_docx, shipped_template_dir,
    template_context,
)
from siapmas_sync.errors import ConfigError
from siapmas_sync.core.models import (
    AgendaItem, DisposisiRecord, Evidence, Finding, Kop, RoutingSuggestion, Submission,
)

REPO = Path(__file__).resolve().parent.parent
WIB = ZoneInfo("Asia/Jakarta")

NAME = "Budi Santoso"
PHONE = "+6281234567890"
EMAIL = "budi.santoso@example.com"


def make_item(*, rahasia: bool = False, kronologi: str | None = None, perihal: str | None = None) -> AgendaItem:
    sub = Submission(
        key="k1", content_hash="h1", received_at=datetime(2026, 11, 28, 14, 5, tzinfo=WIB),
        nama=NAME, telepon=PHONE, email=EMAIL,
        kronologi=kronologi if kronologi is not None else (
            f"Saya {NAME} (HP 081234567890, {EMAIL}) melaporkan galian C ilegal di Kemlagi.\n"
            "Truk merusak jalan desa."
        ),
        bukti_urls=("https://drive.google.com/open?id=abc",),
    )
    return AgendaItem(
        agenda_no="0007/SIAPMAS/2026", year=2026, seq=7, submission=sub,
        perihal=perihal if perihal is not None else f"Galian C ilegal di Kemlagi – laporan {NAME}",
        routing=RoutingSuggestion("Komisi III", "Komisi III – Pembangunan & Lingkungan", ("galian c",)),
        evidence=(Evidence(url="https://drive.google.com/open?id=abc", drive_id="abc",
                           name="foto_jalan.jpg", size=123456, mime="image/jpeg", found=True),),
        findings=(Finding("bukti", "Bukti dukung belum ada", "catatan"),),
        rahasia=rahasia, sifat="Segera", registered_at=datetime(2026, 11, 28, 14, 10, tzinfo=WIB),
    )


RECORD = DisposisiRecord(
    diteruskan_kepada=("Komisi III", "Dinas PUPR"),
    harap=("Untuk ditindaklanjuti", "rdp"),
    catatan=f"Jadwalkan RDP; hubungi {NAME}.",
    paraf=(("Kasubag TU", "28-11-2026", "Teruskan ke Kabag"), ("Sekretaris DPRD", "29-11-2026", "Mohon arahan")),
)


def full_context(item: AgendaItem) -> dict:
    return template_context(
        item, Kop(), disposisi=RECORD,
        tindak_lanjut=f"Komisi III telah melaksanakan RDP.\nPelapor {NAME} diundang.",
        tujuan="Komisi III DPRD Kabupaten Mojokerto",
        penandatangan={"nama": "Drs. Contoh Pejabat, M.Si.", "nip": "19700101 199003 1 001",
                       "pangkat": "Pembina Utama Muda (IV/c)"},
    )


def _paragraph_texts(container) -> list[str]:
    out = [p.text for p in container.paragraphs]
    for table in container.tables:
        seen: set = set()  # holds the <w:tc> elements (keeps their proxies alive)
        for row in table.rows:
            for cell in row.cells:
                if cell._tc in seen:  # a merged cell is listed once per grid column
                    continue
                seen.add(cell._tc)
                out += _paragraph_texts(cell)  # nested tables too
    return out


def docx_text(path: Path) -> str:
    """All text of a .docx: body paragraphs, table cells (nested), headers and footers."""
    doc = Document(str(path))
    texts = _paragraph_texts(doc)
    for section in doc.sections:
        texts += _paragraph_texts(section.header) + _paragraph_texts(section.footer)
    return "\n".join(texts)


def raw_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def make_template(path: Path, *paragraphs: str) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(path))
    return path


# --- shipped templates -------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_shipped_template_renders_with_full_context(tmp_path: Path, name: str) -> None:
    out = render_docx(name, full_context(make_item()), tmp_path / "out" / name,
                      template_dirs=[shipped_template_dir()])
    text = docx_text(out)
    assert "0007/SIAPMAS/2026" in text
    assert NAME in text
    assert "Galian C ilegal di Kemlagi" in text
    assert "SEKRETARIAT DPRD KABUPATEN MOJOKERTO" in text
    assert "{{" not in text and "{%" not in text and "}}" not in text


def test_disposisi_ticks_recorded_choices_and_notes_suggestion(tmp_path: Path) -> None:
    out = render_docx("lembar_disposisi.docx", full_context(make_item()), tmp_path / "d.docx",
                      template_dirs=[shipped_template_dir()])
    lines = docx_text(out).splitlines()
    # decided: the tick stands alone, no "(usulan sistem)" beside it (issue 12)
    assert "☒ Komisi III" in [ln.strip() for ln in lines]
    assert not any("(usulan sistem)" in ln and "☒" in ln for ln in lines)
    assert "☐ Komisi I " in lines or "☐ Komisi I" in lines
    assert "☒ Untuk ditindaklanjuti" in lines and "☒ Dijadwalkan RDP" in lines
    assert "☐ Diarsipkan" in lines
    assert "☒ Dinas PUPR" in lines
    text = "\n".join(lines)
    assert "Teruskan ke Kabag" in text and "29-11-2026" in text
    assert "☒ Segera" in text and "☐ Biasa" in text

    # without a record nothing is ticked; the suggestion is only noted
    ctx = template_context(make_item(), Kop())
    out = render_docx("lembar_disposisi.docx", ctx, tmp_path / "d2.docx", template_dirs=[shipped_template_dir()])
    text = docx_text(out)
    assert "☐ Komisi III (usulan sistem)" in text
    assert "☒ Komisi" not in text


def test_surat_balasan_content(tmp_path: Path) -> None:
    out = render_docx("surat_balasan.docx", full_context(make_item()), tmp_path / "s.docx",
                      template_dirs=[shipped_template_dir()])
    text = docx_text(out)
    assert "Tindak Lanjut Aspirasi/Pengaduan" in text
    assert f"Yth. Sdr. {NAME}" in text
    assert "28 November 2026" in text
    assert "Komisi III DPRD Kabupaten Mojokerto" in text
    assert "Komisi III telah melaksanakan RDP." in text
    assert "Sekretaris DPRD Kabupaten Mojokerto" in text
    assert "NIP. 19700101 199003 1 001" in text
    assert "Drs. Contoh Pejabat, M.Si." in text


def test_kartu_kendali_has_three_copies(tmp_path: Path) -> None:
    out = render_docx("kartu_kendali.docx", full_context(make_item()), tmp_path / "k.docx",
                      template_dirs=[shipped_template_dir()])
    text = docx_text(out)
    assert text.count("KARTU KENDALI SURAT MASUK") == 3  # the PDF's title (documents.kartu)
    for label in ("Putih", "Kuning", "Merah"):
        assert label in text
    assert text.count("0007/SIAPMAS/2026") == 3


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_rahasia_hides_identity_everywhere(tmp_path: Path, name: str) -> None:
    out = render_docx(name, full_context(make_item(rahasia=True)), tmp_path / name,
                      template_dirs=[shipped_template_dir()])
    text = docx_text(out)
    xml = raw_xml(out)
    # the letter is addressed to the reporter of the item, never "Yth. Sdr. Dirahasiakan"
    assert ("Yth. Pelapor Aduan Nomor Agenda" if name == "surat_balasan.docx" else "Dirahasiakan") in text
    assert "Sdr. Dirahasiakan" not in text
    for secret in (NAME, "Budi", PHONE, "081234567890", "6281234567890", EMAIL):
        assert secret not in text
        assert secret not in xml
    assert "Galian C ilegal di Kemlagi" in text


def test_rahasia_context_values() -> None:
    ctx = template_context(make_item(rahasia=True), Kop(), disposisi=RECORD)
    assert ctx["pelapor"] == ctx["telepon"] == ctx["email"] == "Dirahasiakan"
    flat = repr(ctx)
    assert NAME not in flat and EMAIL not in flat and "081234567890" not in flat


def test_citizen_text_is_inserted_literally(tmp_path: Path) -> None:
    weird = 'Jalan <b>rusak</b> & "banjir" “kutip” 🚧 中文\x00\x07 {{ agenda_no }} {% if %}\nbaris dua\ttab'
    item = make_item(perihal=weird, kronologi=weird)
    out = render_docx("surat_balasan.docx", template_context(item, Kop(), tindak_lanjut=weird),
                      tmp_path / "w.docx", template_dirs=[shipped_template_dir()])
    text = docx_text(out)
    assert '<b>rusak</b> & "banjir" “kutip” 🚧 中文' in text
    assert "{{ agenda_no }} {% if %}" in text  # citizen text is never a template
    assert "baris dua" in text
    assert "\x00" not in raw_xml(out)


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    ctx = full_context(make_item())
    a = render_docx("lembar_disposisi.docx", ctx, tmp_path / "a.docx", template_dirs=[shipped_template_dir()])
    b = render_docx("lembar_disposisi.docx", ctx, tmp_path / "b.docx", template_dirs=[shipped_template_dir()])
    assert docx_text(a) == docx_text(b)
    assert a.read_bytes() == b.read_bytes()


def test_shipped_templates_use_only_known_placeholders() -> None:
    known = context_names(full_context(make_item()))
    for name in TEMPLATE_NAMES:
        check_template(shipped_template_dir() / name, known)  # no exception


def test_shipped_templates_identical_in_repo_and_package() -> None:
    repo_dir = REPO / "templates"
    pkg_dir = shipped_template_dir()
    assert pkg_dir == REPO / "siapmas_sync" / "defaults" / "templates"
    assert sorted(p.name for p in repo_dir.glob("*.docx")) == sorted(TEMPLATE_NAMES)
    assert sorted(p.name for p in pkg_dir.glob("*.docx")) == sorted(TEMPLATE_NAMES)
    for name in TEMPLATE_NAMES:
        assert (repo_dir / name).read_bytes() == (pkg_dir / name).read_bytes(), name


# --- user templates ---------------------------------------------------------------------------


def test_user_folder_overrides_shipped_template(tmp_path: Path) -> None:
    user = tmp_path / "templat_saya"
    user.mkdir()
    make_template(user / "surat_balasan.docx", "SURAT KHUSUS BUATAN ADMIN", "Nomor agenda {{ agenda_no }}",
                  "Kepada {{ pelapor }} — {{ kop.instansi }}")
    ctx = full_context(make_item())
    out = render_docx("surat_balasan.docx", ctx, tmp_path / "s.docx", template_dirs=[user, shipped_template_dir()])
    text = docx_text(out)
    assert "SURAT KHUSUS BUATAN ADMIN" in text
    assert "Nomor agenda 0007/SIAPMAS/2026" in text
    assert f"Kepada {NAME} — SEKRETARIAT DPRD KABUPATEN MOJOKERTO" in text
    # a template the user did not override comes from the shipped folder
    out = render_docx("kartu_kendali.docx", ctx, tmp_path / "k.docx", template_dirs=[user, shipped_template_dir()])
    assert "KARTU KENDALI SURAT MASUK" in docx_text(out)


def test_unknown_placeholder_is_config_error(tmp_path: Path) -> None:
    user = tmp_path / "u"
    user.mkdir()
    make_template(user / "surat_balasan.docx", "Kepada Kepala Desa {{ nama_kades }}", "{{ agenda_no }}",
                  "{{ kop.nama_bupati }} {{ cek.komisi_iii }}")
    out = tmp_path / "s.docx"
    with pytest.raises(ConfigError) as info:
        render_docx("surat_balasan.docx", full_context(make_item()), out, template_dirs=[user, shipped_template_dir()])
    err = info.value
    assert "surat_balasan.docx" in err.message
    assert "{{ nama_kades }}" in err.message
    assert "{{ kop.nama_bupati }}" in err.message
    assert "{{ agenda_no }}" not in err.message and "cek.komisi_iii }}" not in err.message
    assert "Yang tersedia:" in err.message and "agenda_no" in err.message and "pelapor" in err.message
    assert "kop.instansi" in err.message
    assert "hapus berkas itu dari folder templat pengguna" in err.advice
    assert not out.exists()


def test_check_template_directly(tmp_path: Path) -> None:
    path = make_template(tmp_path / "t.docx", "{{ agenda_no }} {{ nomor_rt }}")
    with pytest.raises(ConfigError, match=r"t\.docx.*\{\{ nomor_rt \}\}"):
        check_template(path, {"agenda_no", "pelapor"})
    check_template(path, {"agenda_no", "nomor_rt"})
    # loops over lists and attribute access on text are the template's own business
    path = make_template(tmp_path / "l.docx", "{% for b in bukti %}{{ b.nama }}{% endfor %} {{ perihal.upper() }}")
    check_template(path, {"bukti", "perihal"})


def test_not_a_docx_is_config_error(tmp_path: Path) -> None:
    user = tmp_path / "u"
    user.mkdir()
    (user / "kartu_kendali.docx").write_text("ini bukan dokumen Word\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kartu_kendali.docx") as info:
        render_docx("kartu_kendali.docx", full_context(make_item()), tmp_path / "k.docx", template_dirs=[user])
    assert "bukan dokumen Word" in info.value.message
    with zipfile.ZipFile(user / "lembar_disposisi.docx", "w") as z:
        z.writestr("hello.txt", "a zip, but not a docx")
    with pytest.raises(ConfigError, match="lembar_disposisi.docx"):
        check_template(user / "lembar_disposisi.docx", {"agenda_no"})


@pytest.mark.parametrize("bad", [
    "Nomor {{ agenda_no }",
    "{% if catatan %}ada catatan",
    "{{ agenda_no | filter_tidak_ada }}",
    "{% for %}",
])
def test_jinja_syntax_error_is_config_error(tmp_path: Path, bad: str) -> None:
    user = tmp_path / "u"
    user.mkdir()
    make_template(user / "surat_balasan.docx", "Pembuka", bad)
    with pytest.raises(ConfigError, match="surat_balasan.docx") as info:
        render_docx("surat_balasan.docx", full_context(make_item()), tmp_path / "s.docx", template_dirs=[user])
    assert info.value.advice


def test_runtime_template_errors_are_config_errors(tmp_path: Path) -> None:
    user = tmp_path / "u"
    user.mkdir()
    make_template(user / "a.docx", "{% for b in bukti %}{{ b.harga }}{% endfor %}")
    make_template(user / "b.docx", "{{ agenda_no.__class__.__mro__ }}")
    ctx = full_context(make_item())
    for name in ("a.docx", "b.docx"):
        with pytest.raises(ConfigError, match=name):
            render_docx(name, ctx, tmp_path / name, template_dirs=[user])


def test_missing_template_and_bad_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tidak_ada.docx"):
        render_docx("tidak_ada.docx", {}, tmp_path / "x.docx", template_dirs=[tmp_path, shipped_template_dir()])
    with pytest.raises(ConfigError):
        render_docx("../surat_balasan.docx", {}, tmp_path / "x.docx", template_dirs=[shipped_template_dir()])


def test_placeholder_split_over_runs_still_works(tmp_path: Path) -> None:
    """Word often stores '{{ agenda_no }}' as several runs; docxtpl joins them."""
    doc = Document()
    p = doc.add_paragraph("No: ")
    for piece in ("{{", " agenda", "_no ", "}}"):
        r = p.add_run(piece)
        r.bold = piece == " agenda"
    path = tmp_path / "split.docx"
    doc.save(str(path))
    out = render_docx("split.docx", full_context(make_item()), tmp_path / "o.docx", template_dirs=[tmp_path])
    assert "No: 0007/SIAPMAS/2026" in docx_text(out)
    assert Document(str(out)).element.body.find(qn("w:p")) is not None
