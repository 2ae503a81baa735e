"""The recap as a printable PDF (A4 portrait): kop, figures with charts, signature block.

Renders the dict of :func:`.figures.compute` — nothing is counted here. Text is real text
in the shipped DejaVu fonts (embedded by reportlab), so the totals can be searched and
copied; charts come from :mod:`.charts`. Reporter names are never part of the input, and
rahasia items arrive with their subject already hidden.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    BaseDocTemplate, Frame, Image, KeepTogether, PageTemplate, Paragraph, Spacer, Table, TableStyle,
)

from ..documents.common import (
    SANS, SANS_BOLD, SERIF_BOLD, doc_info, para_markup, register_fonts,
    tanggal_id, truncate,
)
from ..documents.drawing import FULL, GREY, KopFlowable, footer_canvas, signature_block
from ..core.models import Kop
from . import charts
from .figures import BULAN, COMPLETENESS_CODES

#: one command of a reportlab TableStyle: name, first cell, last cell, then its values
_TableCommand = tuple[str, tuple[int, int], tuple[int, int], *tuple[object, ...]]

__all__ = ["Signer", "TITLE", "render_pdf"]

TITLE = "REKAPITULASI ASPIRASI DAN PENGADUAN MASYARAKAT"
PLACE = "Mojokerto"
_PAGE = A4
_MX = 15 * mm
_MTOP = 12 * mm
_MBOTTOM = 16 * mm
_HEAD_BG = Color(0.88, 0.88, 0.88)
OVERDUE_PER_HOLDER = 5


class Signer:
    """Who signs the recap: ``[templates] penandatangan_*``."""

    def __init__(self, nama: str = "", nip: str = "", jabatan: str = "") -> None:
        self.nama, self.nip, self.jabatan = nama, nip, jabatan


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=SANS, fontSize=9, leading=11.5)
    cell = ParagraphStyle("cell", fontName=SANS, fontSize=7.8, leading=9.5)
    return {
        "body": body,
        "cell": cell,
        "cellc": ParagraphStyle("cellc", parent=cell, alignment=TA_CENTER),
        "head": ParagraphStyle("head", parent=cell, fontName=SANS_BOLD, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=SERIF_BOLD, fontSize=13, leading=16, alignment=TA_CENTER, spaceBefore=4),
        "sub": ParagraphStyle("sub", fontName=SANS, fontSize=9.5, leading=12, alignment=TA_CENTER),
        "h": ParagraphStyle("h", fontName=SANS_BOLD, fontSize=10.5, leading=13, spaceBefore=9, spaceAfter=4),
        "note": ParagraphStyle("note", fontName=SANS, fontSize=7.5, leading=9.5, textColor=GREY, spaceBefore=3),
        "sign": ParagraphStyle("sign", fontName=SANS, fontSize=9.5, leading=12.5, alignment=TA_CENTER),
        "signb": ParagraphStyle("signb", fontName=SANS_BOLD, fontSize=9.5, leading=12.5, alignment=TA_CENTER),
    }


def _p(text: object, style: ParagraphStyle, limit: int = 400) -> Paragraph:
    return Paragraph(para_markup(truncate(str(text if text is not None else "-"), limit), style.fontName), style)


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float], st: dict[str, ParagraphStyle],
           *, text_cols: Collection[int] = (0,), bold_last: bool = False) -> Table:
    """A bordered table: header row shaded; *text_cols* left-aligned, the rest (numbers) centred."""
    data = [[_p(h, st["head"]) for h in rows[0]]]
    for r in rows[1:]:
        data.append([_p(v, st["cell"] if i in text_cols else st["cellc"]) for i, v in enumerate(r)])
    t = Table(data, colWidths=list(widths), repeatRows=1)
    style: list[_TableCommand] = [
        ("GRID", (0, 0), (-1, -1), 0.5, black), ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5), ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if bold_last:
        style.append(("BACKGROUND", (0, -1), (-1, -1), Color(0.95, 0.95, 0.95)))
    t.setStyle(TableStyle(style))
    return t


def _chart(png: bytes, width: float) -> Image:
    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _minutes_id(m: float | None) -> str:
    if m is None:
        return "-"
    total = int(round(m))
    h, mm_ = divmod(total, 60)
    if h:
        return f"{h} jam {mm_} menit" if mm_ else f"{h} jam"
    return f"{mm_} menit"


def _late_id(minutes: int) -> str:
    """Lateness in working time: "25 menit", "3 jam 5 menit", "1.362 jam kerja"."""
    if minutes >= 24 * 60:
        return f"{minutes // 60:,} jam kerja".replace(",", ".")
    return _minutes_id(minutes)


def _today_id(d: date) -> str:
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def _signature(st: dict[str, ParagraphStyle], width: float, today: date, signer: Signer) -> KeepTogether:
    sign_w = 85 * mm
    cells: list[list[Any]] = [
        [_p(f"{PLACE}, {_today_id(today)}", st["sign"])],
        [_p(signer.jabatan or "Sekretaris DPRD Kabupaten Mojokerto", st["sign"])],
        [Spacer(1, 20 * mm)],
        [Paragraph(f"<u>{para_markup(signer.nama or '(.......................................................)')}</u>", st["signb"])],
        [_p("NIP. " + (signer.nip or "......................................."), st["sign"])],
    ]
    return signature_block(cells, width, sign_w)


def _section(story: list[Any], st: dict[str, ParagraphStyle], title: str, *parts: Any, keep: bool = True) -> None:
    head = _p(title, st["h"])
    if keep:
        story.append(KeepTogether([head, *parts]))
    else:  # long: the heading stays with its first part, the rest may flow on
        story += [KeepTogether([head, parts[0]]), *parts[1:]]


def render_pdf(fig: Mapping[str, Any], *, kop: Kop, signer: Signer, stage_holders: Mapping[str, str],
               tanggal: date) -> bytes:
    """The recap PDF of the figures *fig* (see :func:`.figures.compute`), as bytes."""
    register_fonts()
    st = _styles()
    buf = io.BytesIO()
    label = fig["period"]["label"]
    doc = BaseDocTemplate(
        buf, pagesize=_PAGE, leftMargin=_MX, rightMargin=_MX, topMargin=_MTOP, bottomMargin=_MBOTTOM,
        invariant=1, pageCompression=1, initialFontName=SANS, initialFontSize=9,
        **doc_info(f"Rekapitulasi Aspirasi dan Pengaduan — {label}", kop.instansi),
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="isi",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="rekap", frames=[frame])])
    W = doc.width
    gen = datetime.fromisoformat(fig["generated_at"])
    story: list[Any] = [
        KopFlowable(kop, FULL),
        _p(TITLE, st["title"]),
        _p(f"Sekretariat DPRD Kabupaten Mojokerto — {label}", st["sub"]),
        _p(f"Periode {fig['period']['dates']} (WIB) · keadaan per "
           f"{tanggal_id(gen)} pukul {gen:%H.%M} WIB", st["sub"]),
        Spacer(1, 4 * mm),
    ]

    # 1. summary
    total = fig["total"]
    summary = [
        ("Uraian", "Jumlah"),
        ("Aduan diterima dan diberi nomor agenda", total),
        ("Selesai ditindaklanjuti (SELESAI)", fig["finished"]),
        ("Masih dalam proses", fig["open"]),
        ("Ditolak", fig["rejected"]),
        ("Terlambat dari mutu baku waktu / batas penyelesaian", fig["overdue"]["count"]),
        ("Bersifat rahasia (dihitung, tidak disebutkan)", fig["rahasia"]),
        ("Kiriman ganda (duplikat, tidak diberi nomor baru)", fig["duplicates"]),
    ]
    _section(story, st, "1. Ringkasan", _table(summary, [W * 0.78, W * 0.22], st))

    # 2. trend
    months = fig["by_month"]
    trend_rows = [("Bulan", "Diterima", "Selesai", "Masih terbuka", "Ditolak")]
    trend_rows += [(m["label"], m["received"], m["finished"], m["open"], m["rejected"]) for m in months]
    trend_rows.append(("Jumlah 12 bulan", *(sum(m[k] for m in months) for k in ("received", "finished", "open", "rejected"))))
    _section(story, st, "2. Tren 12 bulan",
             _chart(charts.trend_chart(months, "Aduan per bulan (menurut waktu diterima, WIB)"), W),
             _table(trend_rows, [W * 0.28] + [W * 0.18] * 4, st, bold_last=True),
             _p("Selesai, masih terbuka dan ditolak: keadaan sekarang dari aduan yang diterima pada bulan itu.", st["note"]))

    # 3. AKD
    sug, dec = fig["by_suggested_akd"], fig["by_akd"]
    names = list(dict.fromkeys([*sug, *dec]))
    akd_rows = [("Alat Kelengkapan DPRD", "Usulan sistem", "Keputusan (diteruskan ke)")]
    akd_rows += [(n, sug.get(n, 0), dec.get(n, 0)) for n in names]
    if names:
        _section(story, st, "3. Menurut Alat Kelengkapan DPRD",
                 _chart(charts.akd_chart(sug, dec, "Usulan sistem dan keputusan pimpinan"), W),
                 _table(akd_rows, [W * 0.5, W * 0.25, W * 0.25], st))
    else:
        _section(story, st, "3. Menurut Alat Kelengkapan DPRD", _p("Tidak ada aduan pada periode ini.", st["body"]))

    # 4. stage
    stage_rows = [("Tahap sekarang", "Pemegang", "Jumlah")]
    stage_rows += [(s, stage_holders.get(s, "-"), n) for s, n in fig["by_stage"].items()]
    _section(story, st, "4. Menurut tahap SOP",
             _chart(charts.stage_chart(fig["by_stage"], "Posisi aduan menurut tahap"), W),
             _table(stage_rows, [W * 0.42, W * 0.43, W * 0.15], st, text_cols=(0, 1)))

    # 5. kecamatan
    kec = list(fig["by_kecamatan"].items())
    half = (len(kec) + 1) // 2
    left, right = kec[:half], kec[half:] + [("", "")] * (2 * half - len(kec))
    kec_rows = [("Kecamatan", "Jumlah", "Kecamatan", "Jumlah")]
    kec_rows += [(a[0], a[1], b[0], b[1]) for a, b in zip(left, right)]
    kt = _table(kec_rows, [W * 0.32, W * 0.18, W * 0.32, W * 0.18], st, text_cols=(0, 2))
    _section(story, st, "5. Menurut kecamatan",
             _chart(charts.kecamatan_chart(fig["by_kecamatan"], "Aduan menurut kecamatan"), W), kt,
             _p("Kecamatan dicari pada isian tempat formulir, lalu pada kronologi (tanpa membedakan huruf besar/kecil). "
                "\"Tidak diketahui\": tidak ada kecamatan yang disebut; \"Lebih dari satu\": beberapa kecamatan disebut.",
                st["note"]), keep=False)

    # 6. SOP time standards
    sla = fig["sla"]
    sla_rows = [("Tahap", "Mutu baku", "Perpindahan", "Memenuhi", "%", "Median (jam kerja)")]
    sla_rows += [(s, _minutes_id(v["standard_minutes"]), v["count"], v["within"], _pct(v["within"], v["count"]),
                  _minutes_id(v["median_minutes"])) for s, v in sla.items()]
    _section(story, st, "6. Mutu baku waktu SOP (jam kerja)",
             _chart(charts.sla_chart(sla, "Perpindahan tahap yang memenuhi mutu baku waktu"), W),
             _table(sla_rows, [W * 0.3, W * 0.13, W * 0.14, W * 0.13, W * 0.1, W * 0.2], st),
             _p("Dihitung dari perpindahan keluar dari tiap tahap yang tercatat pada periode ini; hanya jam kerja "
                "(Senin–Kamis 07.30–16.00, Jumat 07.30–11.00 WIB, tanpa hari libur).", st["note"]))

    # 7. oldest open
    old_rows = [("No. Agenda", "Diterima", "Tahap", "Pemegang", "Umur", "Perihal")]
    for o in fig["open_oldest"]:
        rec = datetime.fromisoformat(o["received_at"])
        age = "-" if o["age_working_days"] is None else f"{o['age_working_days']} hari kerja"
        old_rows.append((o["agenda"], f"{rec:%d/%m/%Y}", o["stage"], o["holder"], age, truncate(o["perihal"], 90)))
    parts: list[Any] = [_table(old_rows, [W * 0.17, W * 0.1, W * 0.17, W * 0.17, W * 0.1, W * 0.29], st, text_cols=range(6))]
    if len(old_rows) == 1:
        parts = [_p("Tidak ada aduan yang masih terbuka.", st["body"])]
    _section(story, st, "7. Aduan terbuka paling lama", *parts, keep=False)

    # 8. overdue by holder
    od = fig["overdue"]
    if od["count"]:
        holder_rows = [("Pemegang", "Terlambat")] + [(h, len(v)) for h, v in od["by_holder"].items()]
        lines = [("No. Agenda", "Tahap", "Pemegang", "Terlambat", "Perihal")]
        for h, v in od["by_holder"].items():  # the most late of each holder
            for o in v[:OVERDUE_PER_HOLDER]:
                late = _late_id(o["late_minutes"]) if o["late_minutes"] else "lewat 60 hari"
                lines.append((o["agenda"], o["stage"], h, late, truncate(o["perihal"], 80)))
        shown = len(lines) - 1
        parts = [_table(holder_rows, [W * 0.8, W * 0.2], st), Spacer(1, 3 * mm),
                 _p(f"Paling lama terlambat, paling banyak {OVERDUE_PER_HOLDER} per pemegang:", st["body"]),
                 Spacer(1, 1.5 * mm),
                 _table(lines, [W * 0.18, W * 0.2, W * 0.2, W * 0.14, W * 0.28], st, text_cols=range(5))]
        if od["count"] > shown:
            parts.append(_p(f"… dan {od['count'] - shown} aduan terlambat lainnya (daftar lengkap di berkas XLSX, "
                            "lembar \"Terlambat\").", st["note"]))
    else:
        parts = [_p("Tidak ada aduan yang terlambat.", st["body"])]
    _section(story, st, "8. Aduan terlambat menurut pemegang", *parts, keep=False)

    # 9. completeness
    comp = fig["completeness"]
    comp_rows = [("Kelengkapan laporan", "Jumlah", "% dari aduan")]
    comp_rows += [(label_, comp[code], _pct(comp[code], total)) for code, label_ in COMPLETENESS_CODES.items()]
    comp_rows.append(("Lengkap (tanpa kekurangan)", comp["lengkap"], _pct(comp["lengkap"], total)))
    # the signature never stands alone on a page: it keeps the last section with it
    story.append(KeepTogether([_p("9. Kelengkapan laporan", st["h"]), _table(comp_rows, [W * 0.6, W * 0.2, W * 0.2], st),
                               _signature(st, W, tanggal, signer)]))
    doc.build(story, canvasmaker=footer_canvas(f"Rekapitulasi SIAPMAS — {label}", _PAGE[0], _MX, _MBOTTOM - 8 * mm))
    return buf.getvalue()
