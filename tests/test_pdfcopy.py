"""Print batches copy the rendered pages byte for byte (documents/pdfcopy.py): every
page looks exactly as in its document, and a file the copier does not read still goes
into the batch (copied by pypdf)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from siapmas_sync.documents import render_kartu_kendali, render_lembar_aduan, render_lembar_disposisi
from siapmas_sync.documents.batch import render_print_batches
from siapmas_sync.core.models import Kop

from .test_documents import make_item


def pixels(pdf: Path, out: Path) -> list[bytes]:
    """Each page of *pdf* rasterised (pdftoppm), as PNG bytes."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(out / "p")], check=True, capture_output=True)
    return [p.read_bytes() for p in sorted(out.glob("p-*.png"))]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_batch_pages_look_exactly_like_the_documents(tmp_path: Path):
    sheets, kartu = [], []
    for n in (1, 2):
        item = make_item(agenda_no=f"000{n}/SIAPMAS/2026", seq=n)
        d = tmp_path / str(n)
        sheets += [render_lembar_aduan(item, Kop(), d / "lembar-aduan.pdf"),
                   render_lembar_disposisi(item, Kop(), d / "lembar-disposisi.pdf", paper="HALF_FOLIO")]
        kartu.append(render_kartu_kendali(item, Kop(), d / "kartu-kendali.pdf"))
    out = render_print_batches(sheets, kartu, tmp_path / "cetak" / "cetak-1")
    by_name = {p.name: p for p in out}
    assert set(by_name) == {"cetak-1-a4.pdf", "cetak-1-165x215mm.pdf", "cetak-1-kartu.pdf"}
    a4 = [pixels(s, tmp_path / "src" / s.parent.name / s.stem) for s in sheets if "aduan" in s.name]
    assert pixels(by_name["cetak-1-a4.pdf"], tmp_path / "a4") == [page for doc in a4 for page in doc]
    f4 = [pixels(s, tmp_path / "src" / s.parent.name / s.stem) for s in sheets if "disposisi" in s.name]
    assert pixels(by_name["cetak-1-165x215mm.pdf"], tmp_path / "f4") == [page for doc in f4 for page in doc]
    cards = [pixels(k, tmp_path / "src" / k.parent.name / "kartu") for k in kartu]
    # white copies of both items, then yellow, then red
    assert pixels(by_name["cetak-1-kartu.pdf"], tmp_path / "k") == [c[i] for i in range(3) for c in cards]
    info = PdfReader(str(by_name["cetak-1-a4.pdf"])).metadata
    assert info.title == "Berkas cetak SIAPMAS"


def hand_made_pdf(path: Path) -> Path:
    """A valid one-page PDF whose content stream's length is an indirect object (legal,
    never written by reportlab): not for the byte copier."""
    content = b"BT /F1 12 Tf 20 50 Td (Dari luar) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Contents 4 0 R "
            b"/Resources << /Font << /F1 6 0 R >> >> >>",
            b"<< /Length 5 0 R >>\nstream\n" + content + b"\nendstream",
            str(len(content)).encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    data = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(data)
    return path


def test_a_file_the_copier_does_not_read_is_still_printed(tmp_path: Path):
    item = make_item()
    ours = render_lembar_aduan(item, Kop(), tmp_path / "lembar-aduan.pdf")
    other = hand_made_pdf(tmp_path / "lain.pdf")
    [out] = render_print_batches([ours, other], [], tmp_path / "cetak")
    pages = PdfReader(str(out)).pages
    assert len(pages) == len(PdfReader(str(ours)).pages) + 1
    assert "Dari luar" in pages[-1].extract_text()
