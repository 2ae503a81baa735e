"""Layout as the Kasubag TU who signs it sees it: the Buku Agenda's signature block never
alone on a page (it stays with the table's last rows), headings kept with what follows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pypdf import PdfReader

from siapmas_sync.export import AgendaRow, export_buku_agenda_pdf
from siapmas_sync.models import Kop

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
