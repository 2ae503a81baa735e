"""The recap's figures as a workbook: one sheet per table, the same numbers as the PDF.

Each sheet has a title row, the period, then a bold header row that stays frozen when
scrolling, with column widths set for reading. Text cells go through the Buku Agenda
export's guard (never a formula).
"""

from __future__ import annotations

import io
from datetime import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..documents.buku_agenda import _set_text  # the shared "text is never a formula" cell writer
from .figures import COMPLETENESS_CODES, tanggal

__all__ = ["render_xlsx"]

_HEADER_ROW = 3


def _sheet(wb: Workbook, title: str, heading: str, period: str, header: Sequence[str],
           rows: Sequence[Sequence[Any]], widths: Sequence[int]) -> None:
    ws = wb.create_sheet(title)
    _set_text(ws["A1"], heading)
    ws["A1"].font = Font(bold=True, size=12)
    _set_text(ws["A2"], period)
    for col, h in enumerate(header, 1):
        c = ws.cell(row=_HEADER_ROW, column=col)
        _set_text(c, h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E6E6E6")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, _HEADER_ROW + 1):
        for col, v in enumerate(row, 1):
            c = ws.cell(row=r, column=col)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                c.value = v
            else:
                _set_text(c, "" if v is None else v)
                c.alignment = Alignment(wrap_text=True, vertical="top")
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = f"A{_HEADER_ROW + 1}"
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def render_xlsx(fig: Mapping[str, Any], *, stage_holders: Mapping[str, str]) -> bytes:
    """The workbook of the figures *fig* (see :func:`.figures.compute`), as bytes."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the empty sheet a new workbook starts with
    label = fig["period"]["label"]
    gen = datetime.fromisoformat(fig["generated_at"])
    period = f"Periode {fig['period']['dates']} (WIB); keadaan per {tanggal(gen.date())} pukul {gen:%H.%M} WIB"
    head = f"Rekapitulasi Aspirasi dan Pengaduan Masyarakat — {label}"
    _sheet(wb, "Ringkasan", head, period, ("Uraian", "Jumlah"), [
        ("Aduan diterima dan diberi nomor agenda", fig["total"]),
        ("Selesai (SELESAI)", fig["finished"]),
        ("Masih dalam proses", fig["open"]),
        ("Ditolak", fig["rejected"]),
        ("Terlambat", fig["overdue"]["count"]),
        ("Bersifat rahasia", fig["rahasia"]),
        ("Kiriman ganda (duplikat)", fig["duplicates"]),
    ], (52, 12))
    _sheet(wb, "Tren Bulanan", head, period, ("Bulan", "Diterima", "Selesai", "Masih terbuka", "Ditolak"),
           [(m["month"], m["received"], m["finished"], m["open"], m["rejected"]) for m in fig["by_month"]],
           (12, 12, 12, 15, 12))
    sug, dec = fig["by_suggested_akd"], fig["by_akd"]
    names = list(dict.fromkeys([*sug, *dec]))
    _sheet(wb, "AKD", head, period, ("Alat Kelengkapan DPRD", "Usulan sistem", "Keputusan (diteruskan ke)"),
           [(n, sug.get(n, 0), dec.get(n, 0)) for n in names], (34, 15, 26))
    _sheet(wb, "Tahap", head, period, ("Tahap", "Pemegang", "Jumlah"),
           [(s, stage_holders.get(s, "-"), n) for s, n in fig["by_stage"].items()], (30, 38, 10))
    _sheet(wb, "Kecamatan", head, period, ("Kecamatan", "Jumlah"), list(fig["by_kecamatan"].items()), (24, 10))
    _sheet(wb, "Mutu Baku Waktu", head, period,
           ("Tahap", "Mutu baku (menit)", "Perpindahan", "Memenuhi", "Median (menit kerja)"),
           [(s, v["standard_minutes"], v["count"], v["within"], v["median_minutes"]) for s, v in fig["sla"].items()],
           (30, 17, 13, 12, 20))
    _sheet(wb, "Terbuka Terlama", head, period,
           ("No. Agenda", "Diterima", "Tahap", "Pemegang", "Umur (hari kerja)", "Perihal"),
           [(o["agenda"], o["received_at"][:16].replace("T", " "), o["stage"], o["holder"], o["age_working_days"],
             o["perihal"]) for o in fig["open_oldest"]], (20, 17, 26, 30, 16, 60))
    _sheet(wb, "Terlambat", head, period, ("Pemegang", "No. Agenda", "Tahap", "Terlambat (menit kerja)",
                                            "Lewat 60 hari", "Perihal"),
           [(h, o["agenda"], o["stage"], o["late_minutes"], "ya" if o["settle_overdue"] else "tidak", o["perihal"])
            for h, v in fig["overdue"]["by_holder"].items() for o in v], (30, 20, 26, 20, 13, 60))
    comp = fig["completeness"]
    _sheet(wb, "Kelengkapan", head, period, ("Kelengkapan laporan", "Jumlah"),
           [(lbl, comp[c]) for c, lbl in COMPLETENESS_CODES.items()] + [("Lengkap", comp["lengkap"])], (40, 10))
    wb.properties.creator = "SIAPMAS Sync"
    wb.properties.title = head
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
