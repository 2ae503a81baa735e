"""Lembar Disposisi: the one-page disposition form officials initial and annotate.

Drawn directly on the canvas like the paper form (bordered grid, drawn checkboxes) so it
always fits one page, on A4 or ½ folio (215 × 165 mm). What officials recorded is never
cut: each paraf row shows who, the date and time in full and the instruction wrapped; an
instruction or Catatan longer than its box continues on a *lanjutan* page (the box says
so). The system's routing suggestion is only *noted* in grey ("usulan sistem") while
nothing is decided, never ticked; ticks are exactly those of the :class:`DisposisiRecord`.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from siapmas_sync.documents.common import (
    SANS, SANS_BOLD, SANS_ITALIC, SERIF_BOLD, atomic_write_bytes, clean_text, fit_text, one_line,
    redact,
    register_fonts, tanggal_id, waktu_id, wrap_lines,
)
from siapmas_sync.documents.drawing import (
    COMPACT, FULL, GREY, KopStyle, draw_box, draw_checkbox, draw_kop, draw_label_value, draw_tick,
    kop_bottom, kop_key, new_canvas,
)
from siapmas_sync.documents.layers import BLANK_ITEM, draw_fixed
from siapmas_sync.core.perihal import full_perihal
from siapmas_sync.core.models import AgendaItem, DisposisiRecord, Kop
from siapmas_sync.core.recorded import HARAP_CHOICES

MORE = "(bersambung di halaman lanjutan)"

HALF_FOLIO = (215 * mm, 165 * mm)

SIFAT = ("Sangat Segera", "Segera", "Rahasia", "Biasa")
TUJUAN = (
    "Kabag Umum & Keuangan", "Kabag Persidangan & PUU", "Komisi I", "Komisi II", "Komisi III",
    "Komisi IV", "Bapemperda", "Banggar", "Badan Kehormatan", "Bamus",
)
HARAP = HARAP_CHOICES
PARAF = ("Kasubag TU", "Kabag", "Sekretaris DPRD", "Ketua DPRD")
FOOTER = "Mohon tidak memisahkan lembar disposisi ini dari suratnya"
DOTS = "……………………"


def _norm(text: str) -> str:
    s = one_line(text).lower().replace("&", " dan ")
    return " ".join(re.sub(r"[^\w]+", " ", s).split())


_ALIASES: dict[str, str] = {
    "bk": "Badan Kehormatan", "badan musyawarah": "Bamus", "pimpinan": "Bamus",
    "pimpinan bamus": "Bamus", "pimpinan dprd": "Bamus", "badan anggaran": "Banggar",
    "badan pembentukan peraturan daerah": "Bapemperda", "kabag umum": "Kabag Umum & Keuangan",
    "kabag persidangan": "Kabag Persidangan & PUU",
    "kabag persidangan dan perundang undangan": "Kabag Persidangan & PUU",
    "komisi 1": "Komisi I", "komisi 2": "Komisi II", "komisi 3": "Komisi III", "komisi 4": "Komisi IV",
    "tanggapan saran": "Tanggapan dan saran", "koordinasi": "Koordinasi/konfirmasikan",
    "konfirmasikan": "Koordinasi/konfirmasikan", "ditindaklanjuti": "Untuk ditindaklanjuti",
    "diketahui": "Untuk diketahui", "rdp": "Dijadwalkan RDP", "diarsip": "Diarsipkan",
    "arsip": "Diarsipkan", "kasubag": "Kasubag TU", "kasubag tata usaha": "Kasubag TU",
    "kabag umum dan keuangan": "Kabag Umum & Keuangan", "sekwan": "Sekretaris DPRD",
    "sekretaris": "Sekretaris DPRD", "ketua": "Ketua DPRD", "pimpinan dprd ketua": "Ketua DPRD",
}


@functools.cache
def _normalised(options: tuple[str, ...]) -> dict[str, str]:
    """{normalised option: option} of a checklist (made once per process)."""
    return {_norm(o): o for o in options}


def _match(text: str, options: tuple[str, ...]) -> str | None:
    """The checklist option *text* refers to (exact, alias, or the part before a dash)."""
    by_norm = _normalised(options)
    candidates = [text, re.split(r"\s[–—-]\s|:|\(", text)[0], re.sub(r"^Pl[ht]\.\s*", "", text)]  # "Plh. Ketua DPRD"
    for cand in candidates:
        n = _norm(cand)
        if n in by_norm:
            return by_norm[n]
        alias = _ALIASES.get(n)
        if alias in options:
            return alias
    return None


@dataclass(frozen=True)
class _Geom:
    """Layout of one paper size (points)."""

    pagesize: tuple[float, float]
    margin_x: float
    margin_y: float
    kop: KopStyle
    title: float
    fs: float  # body font size
    row: float  # info row height
    perihal_lines: int
    check_row: float
    left_share: float  # width share of the "Diteruskan" block
    harap_cols: int
    paraf_row: float
    side_by_side: bool  # catatan beside the paraf grid (½ folio) or above it (A4)


_GEOM = {
    "A4": _Geom(A4, 20 * mm, 14 * mm, FULL, 15, 8.5, 7.5 * mm, 3, 6.2 * mm, 0.56, 1, 19 * mm, False),
    "HALF_FOLIO": _Geom(HALF_FOLIO, 10 * mm, 7 * mm, COMPACT, 12, 7.5, 5.6 * mm, 2, 4.4 * mm, 0.55, 2, 0, True),
}


#: the smallest type an official must read (footers, captions)
MIN_PT = 7.5


class _Form:
    """Drawing helpers bound to one canvas and geometry."""

    def __init__(self, c: Canvas, g: _Geom) -> None:
        self.c = c
        self.g = g
        self.pad = 1.6 * mm
        self.box = g.fs * 1.05
        self.overflow: list[tuple[str, str]] = []  # (heading, full text) continued on a lanjutan page

    def rect(self, x: float, top: float, w: float, h: float, lw: float = 0.6) -> None:
        self.c.setLineWidth(lw)
        self.c.setStrokeColor(black)
        self.c.rect(x, top - h, w, h, stroke=1, fill=0)

    def baseline(self, top: float, h: float) -> float:
        return top - h / 2 - self.g.fs * 0.35

    def text(self, x: float, y: float, text: str, font: str = SANS, size: float | None = None,
             width: float | None = None, color: Color = black) -> float:
        size = size or self.g.fs
        shown = one_line(text, font)
        if width is not None:
            shown = fit_text(shown, font, size, width)
        self.c.setFont(font, size)
        self.c.setFillColor(color)
        self.c.drawString(x, y, shown)
        self.c.setFillColor(black)
        return stringWidth(shown, font, size)

    def check_item(self, x: float, top: float, w: float, h: float, label: str, checked: bool,
                   note: str = "", *, fixed: bool, label_fixed: bool = True) -> None:
        """One checklist line: box, label, optional grey note. With *fixed* the parts that
        are the same on every form (the box, a *label_fixed* label), else the rest."""
        b = self.box
        y = self.baseline(top, h)
        tx = x + b + 1.5 * mm
        if fixed:
            draw_box(self.c, x, y - b * 0.12, b)
            if label_fixed:
                self.text(tx, y, label, width=x + w - tx)
            return
        if checked:
            draw_tick(self.c, x, y - b * 0.12, b)
        if not label_fixed:
            self.text(tx, y, label, width=x + w - tx)
        if note:
            used = stringWidth(fit_text(one_line(label), SANS, self.g.fs, x + w - tx), SANS, self.g.fs)
            nx = tx + used + 1.2 * mm
            if x + w - nx > 8 * mm:
                self.text(nx, y, note, SANS_ITALIC, max(MIN_PT, self.g.fs * 0.85), x + w - nx, GREY)


def _checklist(f: _Form, x: float, top: float, w: float, title: str,
               items: list[tuple[str, bool, str]], cols: int, fixed: bool) -> None:
    """The checklist; the last item ("others") has a label of its own on each form."""
    g = f.g
    if fixed:
        f.text(x + f.pad, f.baseline(top, g.check_row), title, SANS_BOLD, width=w - 2 * f.pad)
    per_col = -(-len(items) // cols)
    col_w = (w - 2 * f.pad) / cols
    for i, (label, checked, note) in enumerate(items):
        col, row = divmod(i, per_col)
        f.check_item(x + f.pad + col * col_w, top - (row + 1) * g.check_row, col_w - 1 * mm,
                     g.check_row, label, checked, note, fixed=fixed, label_fixed=i < len(items) - 1)


def _paraf_grid(f: _Form, x: float, top: float, w: float, h: float, rec: DisposisiRecord | None,
                fixed: bool) -> None:
    g = f.g
    fractions = (0.24, 0.17, 0.15, 0.44)
    widths = [w * fr for fr in fractions]
    head_h = g.check_row
    row_h = (h - head_h) / len(PARAF)
    c = f.c
    xs = [x]
    for cw in widths:
        xs.append(xs[-1] + cw)
    if fixed:
        c.setLineWidth(0.6)
        f.rect(x, top, w, h)
        for xv in xs[1:-1]:
            c.line(xv, top, xv, top - h)
        c.line(x, top - head_h, x + w, top - head_h)
        for i in range(1, len(PARAF)):
            yv = top - head_h - i * row_h
            c.line(x, yv, x + w, yv)
        for i, head in enumerate(("Jabatan", "Tanggal", "Paraf", "Instruksi")):
            label = fit_text(head, SANS_BOLD, g.fs, widths[i] - 2 * f.pad)
            c.setFont(SANS_BOLD, g.fs)
            c.drawCentredString(xs[i] + widths[i] / 2, f.baseline(top, head_h), label)
    filled: dict[str, tuple[str, str, str]] = {}
    entry_jab: dict[str, str] = {}
    for entry in (rec.paraf if rec and not fixed else ()):
        jab = _match(str(entry[0]) if entry else "", PARAF)
        if jab and len(entry) >= 3:
            entry_jab[jab] = str(entry[0])
            filled[jab] = (str(entry[1]), str(entry[2]), str(entry[3]) if len(entry) > 3 else "")
    lead = g.fs * 1.15
    small = max(g.fs * 0.9, 7.5)
    for r, jab in enumerate(PARAF):
        rtop = top - head_h - r * row_h
        first = rtop - f.pad - g.fs * 0.8
        room = max(int((row_h - 2 * f.pad) // lead), 1)
        if fixed:
            f.text(xs[0] + f.pad, first, jab, SANS_BOLD, width=widths[0] - 2 * f.pad)
        elif jab in filled:
            tgl, instr, oleh = filled[jab]
            # who: under the jabatan, wrapped (the name is never cut)
            who = _all_lines(oleh, SANS_ITALIC, small, widths[0] - 2 * f.pad)
            if len(who) > room - 1:  # the row already names the jabatan: the name alone (a Plh. says so)
                plh = re.match(r"Pl[ht]\.", str(entry_jab.get(jab, "")))
                who = _all_lines((plh.group(0) + " " if plh else "") + oleh.split(" (")[0], SANS_ITALIC, small,
                                 widths[0] - 2 * f.pad)
            for k, line in enumerate(who[: room - 1]):
                f.text(xs[0] + f.pad, first - (k + 1) * lead, line, SANS_ITALIC, small)
            # when: date, then time, in full
            for k, line in enumerate(_all_lines(tgl, SANS, small, widths[1] - 2 * f.pad, split_time=True)[:room]):
                f.text(xs[1] + f.pad, first - k * lead, line, SANS, small)
            lines = _all_lines(instr, SANS, g.fs, widths[3] - 2 * f.pad)
            if len(lines) > room:
                f.overflow.append((f"Instruksi {jab}" + (f" — {oleh}" if oleh else "") + f", {tgl}", instr))
                lines = lines[: room - 1] + [MORE]
            for k, line in enumerate(lines):
                f.text(xs[3] + f.pad, first - k * lead, line, SANS_ITALIC if line == MORE else SANS,
                       small if line == MORE else g.fs)


def _all_lines(text: str, font: str, size: float, width: float, *, split_time: bool = False) -> list[str]:
    """Every wrapped line of *text* (nothing dropped, no ellipsis). With *split_time* a
    'dd/mm/yyyy HH.MM WIB' stamp breaks after the date."""
    text = one_line(text)
    if not text:
        return []
    if split_time and " " in text:
        day, _, rest = text.partition(" ")
        return [day] + _all_lines(rest, font, size, width)
    return wrap_lines(text, font, size, width, 10_000)


def _catatan(f: _Form, x: float, top: float, w: float, h: float, text: str, fixed: bool) -> None:
    g = f.g
    first = top - f.pad - g.fs * 0.8
    if fixed:
        f.rect(x, top, w, h)
        f.text(x + f.pad, first, "Catatan:", SANS_BOLD)
        return
    lead = g.fs * 1.25
    max_lines = max(int((h - 2 * f.pad - lead) // lead), 1)
    lines = [ln for part in clean_text(text).split("\n") if part.strip()
             for ln in _all_lines(part, SANS, g.fs, w - 2 * f.pad)]
    if len(lines) > max_lines:
        f.overflow.append(("Catatan", text))
        lines = lines[: max_lines - 1] + [MORE]
    for k, line in enumerate(lines):
        f.text(x + f.pad, first - (k + 1) * lead, line, SANS_ITALIC if line == MORE else SANS)


def _sifat_rows(f: _Form, w: float, sifat: str) -> list[list[tuple[str, bool]]]:
    """Sifat options on one line when they fit in width *w*, else as an aligned 2 × 2 grid."""
    chosen = _match(sifat or "", SIFAT)
    opts = [(opt, opt == chosen) for opt in SIFAT]
    need = sum(f.box + 1.2 * mm + stringWidth(o, SANS_BOLD, f.g.fs) + 3 * mm for o in SIFAT)
    return [opts] if need <= w else [opts[:2], opts[2:]]


def _draw(c: Canvas, item: AgendaItem, kop: Kop, g: _Geom, rec: DisposisiRecord | None,
          fixed: bool) -> list[tuple[str, str]]:
    """Draw the form: with *fixed* what is the same on every item's form (called with a
    blank item), else the rest; the same geometry in both."""
    f = _Form(c, g)
    page_w, page_h = g.pagesize
    x0, width = g.margin_x, page_w - 2 * g.margin_x
    if fixed:
        draw_kop(c, kop, x0, page_h - g.margin_y, width, g.kop, part="text")
    elif kop.logo:
        draw_kop(c, kop, x0, page_h - g.margin_y, width, g.kop, part="logo")
    top = kop_bottom(kop, page_h - g.margin_y, g.kop)
    top -= g.title * 0.9
    if fixed:
        c.setFont(SERIF_BOLD, g.title)
        c.drawCentredString(page_w / 2, top - g.title, "LEMBAR DISPOSISI")
    top -= g.title * 1.75
    sub = item.submission
    hide = item.rahasia

    # --- info block: two columns, three rows --------------------------------------------------
    half = width / 2
    label_w = max(stringWidth(s, SANS, g.fs) for s in ("Tanggal Surat", "Diterima Tanggal")) + 3
    value_w = half - 2 * f.pad - label_w - stringWidth(": ", SANS, g.fs)
    sifat_rows = _sifat_rows(f, value_w, item.sifat)
    row_hs = [g.row, g.row, max(g.row, len(sifat_rows) * g.fs * 1.7 + 2 * f.pad)]
    info_h = sum(row_hs)
    if fixed:
        f.rect(x0, top, width, info_h)
        c.line(x0 + half, top, x0 + half, top - info_h)
    received = sub.received_at  # Diterima: when the citizen sent it (effective, see intake.received)
    left = [("Surat dari", item.pelapor, False), ("Nomor Surat", "-", False),
            ("Tanggal Surat", tanggal_id(sub.received_at), False)]
    right = [("Diterima Tanggal", waktu_id(received, with_day=False), False),
             ("Nomor Agenda", item.agenda_no, True)]
    part = "label" if fixed else "value"
    y = top
    for i, h in enumerate(row_hs):
        if i and fixed:
            c.line(x0, y, x0 + width, y)
        base = f.baseline(y, g.row)
        lab, val, bold = left[i]
        draw_label_value(c, x0 + f.pad, base, half - 2 * f.pad, lab, val, size=g.fs, label_w=label_w, bold=bold,
                         part=part)
        if i < 2:
            lab, val, bold = right[i]
            draw_label_value(c, x0 + half + f.pad, base, half - 2 * f.pad, lab, val,
                             size=g.fs, label_w=label_w, bold=bold, part=part)
        elif fixed:
            draw_label_value(c, x0 + half + f.pad, base, label_w + 10, "Sifat", "", size=g.fs, label_w=label_w)
        else:  # the options move with the width of the chosen (bold) one
            vx = x0 + half + f.pad + label_w + stringWidth(": ", SANS, g.fs)
            col2 = vx + f.box + 4.2 * mm + max(stringWidth(o, SANS_BOLD, g.fs) for o in SIFAT[::2])
            for k, opts in enumerate(sifat_rows):
                yy = base - k * g.fs * 1.7
                ox = vx
                for j, (opt, on) in enumerate(opts):
                    if len(sifat_rows) > 1 and j == 1:
                        ox = col2
                    draw_checkbox(c, ox, yy - f.box * 0.12, f.box, on)
                    ox += f.box + 1.2 * mm
                    ox += f.text(ox, yy, opt, SANS_BOLD if on else SANS) + 3 * mm
        y -= h
    top = y

    # --- perihal + kode klasifikasi ----------------------------------------------------------
    lead = g.fs * 1.25
    per_h = g.perihal_lines * lead + 2 * f.pad
    first = top - f.pad - g.fs * 0.85
    pw = stringWidth("Perihal : ", SANS, g.fs)
    if fixed:
        f.rect(x0, top, width, per_h)
        f.text(x0 + f.pad, first, "Perihal :")
    else:
        kode_w = max(38 * mm, stringWidth(f"Kode Klasifikasi: {item.kode_klasifikasi}", SANS, g.fs) + 2 * f.pad)
        kode_w = min(kode_w, width * 0.4)
        c.setLineWidth(0.6)
        c.setStrokeColor(black)
        c.line(x0 + width - kode_w, top, x0 + width - kode_w, top - per_h)
        perihal = one_line(redact(full_perihal(item.perihal, item.submission.kronologi), item, hide)) or "-"
        body_w = width - kode_w - 2 * f.pad - pw
        # the whole perihal, never cut mid-word: smaller type if that makes it fit, else the
        # lines that fit and the rest on the lanjutan page
        size = g.fs
        lines = _all_lines(perihal, SANS_BOLD, size, body_w)
        if len(lines) > g.perihal_lines and g.fs > MIN_PT:
            size = MIN_PT
            lines = _all_lines(perihal, SANS_BOLD, size, body_w)
        if len(lines) > g.perihal_lines:
            f.overflow.insert(0, ("Perihal", perihal))
            lines = lines[: g.perihal_lines - 1] + [MORE]
        for k, line in enumerate(lines):
            f.text(x0 + f.pad + pw, first - k * lead, line, SANS_ITALIC if line == MORE else SANS_BOLD,
                   MIN_PT if line == MORE else size)
        f.text(x0 + width - kode_w + f.pad, first, "Kode Klasifikasi:", width=kode_w - 2 * f.pad)
        f.text(x0 + width - kode_w + f.pad, first - lead, item.kode_klasifikasi or "-", SANS_BOLD,
               width=kode_w - 2 * f.pad)
    top -= per_h

    # --- checklists --------------------------------------------------------------------------
    ticked_t = {m for e in (rec.diteruskan_kepada if rec else ()) if (m := _match(e, TUJUAN))}
    other_t = [one_line(e) for e in (rec.diteruskan_kepada if rec else ()) if not _match(e, TUJUAN) and one_line(e)]
    usulan = _match(item.routing.tujuan or "", TUJUAN) or _match(item.routing.label or "", TUJUAN)
    decided = bool(ticked_t or other_t)
    t_items = [(t, t in ticked_t, "(usulan sistem)" if t == usulan and not decided else "") for t in TUJUAN]
    t_items.append((", ".join(other_t) if other_t else DOTS, bool(other_t), ""))
    ticked_h = {m for e in (rec.harap if rec else ()) if (m := _match(e, HARAP))}
    other_h = [one_line(e) for e in (rec.harap if rec else ()) if not _match(e, HARAP) and one_line(e)]
    h_items = [(h, h in ticked_h, "") for h in HARAP]
    h_items.append((", ".join(other_h) if other_h else DOTS, bool(other_h), ""))
    rows = max(-(-len(t_items) // 2), -(-len(h_items) // g.harap_cols))
    chk_h = (rows + 1) * g.check_row + f.pad
    lw = width * g.left_share
    if fixed:
        f.rect(x0, top, width, chk_h)
        c.line(x0 + lw, top, x0 + lw, top - chk_h)
    _checklist(f, x0, top, lw, "Diteruskan kepada Sdr.:", t_items, 2, fixed)
    _checklist(f, x0 + lw, top, width - lw, "Dengan hormat harap:", h_items, g.harap_cols, fixed)
    if not fixed and not decided and usulan is None and (item.routing.label or item.routing.tujuan):
        note = f"Usulan sistem: {item.routing.label or item.routing.tujuan}"
        f.text(x0 + f.pad, top - chk_h + f.pad, note, SANS_ITALIC, max(MIN_PT, g.fs * 0.8), lw - 2 * f.pad, GREY)
    top -= chk_h

    # --- catatan + paraf grid ---------------------------------------------------------------
    footer_h = g.fs * 2.2
    avail = top - g.margin_y - footer_h
    catatan = rec.catatan if rec else ""
    if g.side_by_side:
        cw = width * 0.36
        _catatan(f, x0, top, cw, avail, catatan, fixed)
        _paraf_grid(f, x0 + cw, top, width - cw, avail, rec, fixed)
    else:
        grid_h = g.check_row + len(PARAF) * g.paraf_row
        _catatan(f, x0, top, width, avail - grid_h, catatan, fixed)
        _paraf_grid(f, x0, top - (avail - grid_h), width, grid_h, rec, fixed)
    if fixed:
        c.setFont(SANS_ITALIC, max(MIN_PT, g.fs * 0.95))
        c.drawCentredString(page_w / 2, g.margin_y + g.fs * 0.5, FOOTER)
        return []
    c.setFont(SANS, MIN_PT)
    c.setFillColor(GREY)
    c.drawRightString(x0 + width, g.margin_y + g.fs * 0.5 - g.fs * 1.1, fit_text(
        f"SIAPMAS · {one_line(item.agenda_no)}", SANS, MIN_PT, width / 3))
    if rec is not None:  # the filled form: which signed version this sheet is
        versi = f"Versi {rec.versi}" + (f", menggantikan versi {rec.versi - 1} ({rec.menggantikan})"
                                         if rec.menggantikan else "")
        c.setFillColor(black)
        c.drawString(x0, g.margin_y + g.fs * 0.5 - g.fs * 1.1, fit_text(versi, SANS, MIN_PT, width * 0.6))
    c.setFillColor(black)
    return f.overflow


def _continuation(c: Canvas, item: AgendaItem, g: _Geom, overflow: list[tuple[str, str]]) -> None:
    """The lanjutan page(s): the Perihal, every instruction or Catatan that did not fit, in full."""
    page_w, page_h = g.pagesize
    x0, width = g.margin_x, page_w - 2 * g.margin_x
    size = max(g.fs, 8.5)
    lead = size * 1.35

    def new_page() -> float:
        c.showPage()
        c.setFont(SERIF_BOLD, g.title * 0.85)
        c.drawCentredString(page_w / 2, page_h - g.margin_y - g.title, "LEMBAR DISPOSISI (LANJUTAN)")
        c.setFont(SANS, size)
        c.drawCentredString(page_w / 2, page_h - g.margin_y - g.title - lead * 1.3,
                            f"Nomor Agenda {one_line(item.agenda_no)}")
        return page_h - g.margin_y - g.title - lead * 3

    y = new_page()
    for heading, text in overflow:
        head = [(ln, SANS_BOLD) for ln in _all_lines(heading, SANS_BOLD, size, width)]
        body = [(ln, SANS) for part in clean_text(text).split("\n") if part.strip()
                for ln in _all_lines(part, SANS, size, width)]
        for line, font in head + body:
            if y < g.margin_y + lead:
                y = new_page()
            c.setFont(font, size)
            c.drawString(x0, y, line)
            y -= lead
        y -= lead * 0.6


def render_lembar_disposisi(
    item: AgendaItem, kop: Kop, path: Path, *, disposisi: DisposisiRecord | None = None,
    paper: str = "A4",
) -> Path:
    """Render the one-page Lembar Disposisi of *item* to *path*; return *path*.

    *paper* is "A4" or "HALF_FOLIO" (215 × 165 mm). With *disposisi*, its recorded
    choices are ticked and its notes and paraf entries filled in.
    """
    key = str(paper).upper().replace(" ", "_").replace("-", "_")
    if key not in _GEOM:
        raise ValueError(f"Ukuran kertas tidak dikenal: {paper!r} (pilih A4 atau HALF_FOLIO)")
    register_fonts()
    g = _GEOM[key]
    buf = io.BytesIO()
    c = new_canvas(buf, g.pagesize, f"Lembar Disposisi {item.agenda_no}", kop)
    # the form's fixed parts (kop, grid, labels, boxes) are drawn once per process and
    # replayed (see layers.py); then this item's values, ticks and notes
    draw_fixed(c, ("disposisi", key, kop_key(kop)), lambda cc: _draw(cc, BLANK_ITEM, kop, g, None, fixed=True))
    overflow = _draw(c, item, kop, g, disposisi, fixed=False)
    if overflow:
        _continuation(c, item, g, overflow)
    c.showPage()
    c.save()
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path

