"""Shared pieces of the printable documents: fonts, safe text, Indonesian dates, atomic write.

Everything a citizen typed passes through :func:`clean_text` before it reaches reportlab:
control characters are dropped, line breaks normalised, and characters the shipped DejaVu
fonts cannot draw (CJK, private-use, lone surrogates) degrade to U+FFFD — a document is
always produced, never a crash. An emoji the fonts cannot draw prints as its Indonesian
name in parentheses ("(wajah tersenyum)", from the ``emoji`` library's CLDR names), never
as a replacement box. :func:`para_markup` additionally escapes the
text for reportlab's Paragraph mini-markup.

Personal data: :func:`redact` removes the reporter's name, phone number and e-mail from
free text when the identity is hidden (``rahasia`` / ``show_identity=False``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any, TypedDict
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import emoji
import phonenumbers
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from siapmas_sync.core.models import AgendaItem
from siapmas_sync.core.unitext import BIDI_CONTROLS

from .subsets import reuse_subsets
from ..durable import (  # noqa: F401  (documents.common has always offered them)
    atomic_write_bytes,
    durable_together,
    flush_to_disk,
    fsync_each,
    sweep_temp_files,
    writes_to_memory,
)

# --- fonts ----------------------------------------------------------------------------

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SANS_ITALIC = "DejaVuSans-Oblique"
SERIF = "DejaVuSerif"
SERIF_BOLD = "DejaVuSerif-Bold"

_FONT_FILES: dict[str, str] = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SANS_ITALIC: "DejaVuSans-Oblique.ttf",
    SERIF: "DejaVuSerif.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
}

_font_lock = threading.Lock()
_coverage: dict[str, frozenset[int]] = {}
_ASCII_FONTS: set[str] = set()  # fonts that draw every printable ASCII character

#: what an undrawable character becomes (DejaVu has a glyph for U+FFFD)
REPLACEMENT = "\ufffd"


def register_fonts() -> None:
    """Register the shipped DejaVu TTFs with reportlab once (thread-safe, idempotent)."""
    if len(_coverage) == len(_FONT_FILES):
        return
    with _font_lock:
        for name, filename in _FONT_FILES.items():
            if name in _coverage:
                continue
            font = TTFont(name, str(FONT_DIR / filename))
            reuse_subsets(font)
            pdfmetrics.registerFont(font)
            # BMP only: reportlab writes a malformed ToUnicode CMap for code points above
            # U+FFFF (e.g. DejaVu's few emoji), so those degrade like any missing glyph
            _coverage[name] = frozenset(
                c for c, g in font.face.charToGlyph.items() if g and c <= 0xFFFF
            )
            if all(c in _coverage[name] for c in range(0x20, 0x7F)):
                _ASCII_FONTS.add(name)
        # <b>/<i> inside Paragraph markup resolve through these mappings
        addMapping(SANS, 0, 0, SANS)
        addMapping(SANS, 1, 0, SANS_BOLD)
        addMapping(SANS, 0, 1, SANS_ITALIC)
        addMapping(SANS, 1, 1, SANS_BOLD)
        addMapping(SERIF, 0, 0, SERIF)
        addMapping(SERIF, 1, 0, SERIF_BOLD)
        addMapping(SERIF, 0, 1, SERIF)
        addMapping(SERIF, 1, 1, SERIF_BOLD)


def coverage(font: str) -> frozenset[int]:
    """Code points the named shipped font has a real glyph for."""
    register_fonts()
    return _coverage[font]


# --- text sanitising ------------------------------------------------------------------

#: bidi controls and BOM: reportlab lays text out left to right without a bidi pass, so
#: these would only show up as stray glyphs
_IGNORED = BIDI_CONTROLS | {"\ufeff"}  # the same set unitext.shown removes everywhere else
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_PLAIN = re.compile(r"[\x20-\x7e\n]*\Z")


def clean_text(text: object, font: str = SANS, *, multiline: bool = True) -> str:
    """Return *text* drawable by *font*: no control characters, no missing glyphs.

    Line breaks are normalised to ``\\n`` (or to spaces when not *multiline*), tabs become
    spaces, invisible format characters the font lacks are dropped, and every run of
    undrawable characters (CJK, emoji, private use, surrogates, unassigned) becomes a
    single U+FFFD.
    """
    if text is None:
        return ""
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFC", s)
    s = _NEWLINES.sub("\n", s).replace("\t", "    ")
    if not s.isascii() and any(ord(ch) >= 0x2000 for ch in s):
        s = emoji_names(s, font)
    if _PLAIN.match(s) and font in _ASCII_FONTS:  # the common case: plain printable ASCII
        return s if multiline else s.replace("\n", " ")
    cov = coverage(font)
    flat = s.replace("\n", "")
    if REPLACEMENT not in flat and flat.isprintable() and cov.issuperset(map(ord, flat)):
        return s if multiline else s.replace("\n", " ")  # every character drawn as it is (the loop's result)
    out: list[str] = []

    def missing() -> None:
        if not out or out[-1] != REPLACEMENT:
            out.append(REPLACEMENT)

    for ch in s:
        if ch == "\n":
            out.append("\n" if multiline else " ")
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or ch in _IGNORED:
            continue
        if cat in ("Cs", "Co", "Cn"):
            missing()
            continue
        invisible = cat in ("Cf", "Mn", "Me") or 0xFE00 <= ord(ch) <= 0xFE0F
        if invisible and out and out[-1] == REPLACEMENT:
            continue  # joiners / selectors / marks inside an undrawable cluster (emoji)
        if ord(ch) in cov:
            out.append(ch)
        elif cat == "Zs":
            out.append(" ")
        elif invisible:
            continue
        else:
            compat = unicodedata.normalize("NFKC", ch)  # 𝐀 → A, ｆｕｌｌ → full
            if compat != ch and compat.isprintable() and all(ord(k) in cov for k in compat):
                out.append(compat)
            else:
                missing()
    return "".join(out)


def emoji_names(text: str, font: str = SANS) -> str:
    """*text* with every emoji *font* cannot draw replaced by its Indonesian name in
    parentheses ("😡🙏" → "(wajah sangat marah, melipat tangan)"); emoji the font draws stay (without their
    variation selector)."""
    cov = coverage(font)

    def name(chars: str, data: dict[str, Any]) -> str:
        visible = [c for c in chars if not (0xFE00 <= ord(c) <= 0xFE0F or c == "\u200d")]
        if visible and all(ord(c) in cov for c in visible):
            return "".join(visible)
        words = emoji.demojize(chars, language="id", delimiters=("", "")).replace("_", " ").strip()
        if not words or words == chars:
            words = str(data.get("en", "")).strip(":").replace("_", " ")
        return f"\x00{words}\x01" if words else ""

    named = emoji.replace_emoji(text.replace("\x00", "").replace("\x01", ""), replace=name)
    # adjacent emoji share one pair of parentheses: "(wajah sangat marah, melipat tangan)"
    named = re.sub(r"\x01[ ]?\x00", ", ", named)
    return named.replace("\x00", "(").replace("\x01", ")")


def one_line(text: object, font: str = SANS, limit: int | None = None) -> str:
    """clean_text on a single line with whitespace collapsed, optionally capped."""
    s = " ".join(clean_text(text, font, multiline=False).split())
    return truncate(s, limit) if limit else s


def truncate(text: str, limit: int) -> str:
    """Cut *text* to at most *limit* characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def para_markup(text: object, font: str = SANS) -> str:
    """Clean and escape text for a reportlab Paragraph; line breaks become ``<br/>``."""
    return escape(clean_text(text, font)).replace("\n", "<br/>")


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """Truncate an already-clean single line so it is at most *width* points wide."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits together with the ellipsis
        mid = (lo + hi + 1) // 2
        if pdfmetrics.stringWidth(text[:mid].rstrip() + "…", font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def wrap_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap of clean text into at most *max_lines* lines of *width* points.

    Words longer than a line are broken by character; when the text does not fit, the
    last line ends with an ellipsis.
    """
    words = text.split()
    lines: list[str] = []
    cur = ""
    i = 0
    while i < len(words):
        w = words[i]
        cand = f"{cur} {w}" if cur else w
        if pdfmetrics.stringWidth(cand, font, size) <= width:
            cur = cand
            i += 1
            continue
        if cur:
            lines.append(cur)
            cur = ""
        else:  # a single word wider than the line: split it by character
            cut = max(len(fit_text(w, font, size, width).rstrip("…")), 1)
            lines.append(w[:cut])
            words[i] = w[cut:]
        if len(lines) >= max_lines:
            break
    else:
        if cur:
            lines.append(cur)
        return lines
    rest = " ".join([lines[max_lines - 1]] + ([cur] if cur else []) + words[i:])
    lines = lines[: max_lines - 1]
    lines.append(fit_text(rest, font, size, width) if rest else "…")
    return lines


# --- personal data --------------------------------------------------------------------

HIDDEN = "Dirahasiakan"
_REDACTED = "[dirahasiakan]"


def telepon_id(text: str | None) -> str:
    """A phone number as Indonesians write it ("+6281234567890" → "0812-3456-7890", the
    ``phonenumbers`` national format); text that is not a valid number stays as typed."""
    raw = " ".join(str(text or "").split())
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_valid_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _identity_variants(item: AgendaItem) -> list[str]:
    sub = item.submission
    out: list[str] = []
    for value in (sub.nama, sub.email, sub.email_pengumpul, sub.telepon):
        v = " ".join(str(value or "").split())
        if len(v) >= 3:
            out.append(v)
    national = telepon_id(sub.telepon)
    if len(national) >= 8:
        out.append(national)
    tel = re.sub(r"\D", "", sub.telepon or "")
    if tel.startswith("62") and len(tel) >= 8:
        out += [tel, "0" + tel[2:], "+" + tel]
    elif len(tel) >= 8:
        out.append(tel)
    return sorted(set(out), key=lambda v: (-len(v), v))


def redact(text: str, item: AgendaItem, hide: bool) -> str:
    """Replace the reporter's name, phone and e-mail in free *text* when *hide*."""
    if not hide or not text:
        return text
    for v in _identity_variants(item):
        text = re.sub(r"(?<!\w)" + re.escape(v) + r"(?!\w)", _REDACTED, text, flags=re.IGNORECASE)
    return text


# --- Indonesian dates and sizes -------------------------------------------------------

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
_ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}
_JAKARTA = ZoneInfo("Asia/Jakarta")


def _local(dt: datetime) -> tuple[datetime, str]:
    """The datetime to print and its zone label (WIB/WITA/WIT; others shown in WIB)."""
    if dt.tzinfo is None:
        return dt, "WIB"
    off = dt.utcoffset() or timedelta(0)
    hours, rem = divmod(int(off.total_seconds()), 3600)
    if rem == 0 and hours in _ZONES:
        return dt, _ZONES[hours]
    return dt.astimezone(_JAKARTA), "WIB"


def tanggal_id(dt: datetime | None) -> str:
    """'28 November 2026' (or '-' when unknown)."""
    if dt is None:
        return "-"
    d, _ = _local(dt)
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def waktu_id(dt: datetime | None, *, with_day: bool = True) -> str:
    """'Sabtu, 28 November 2026 14.05 WIB' (or '-' when unknown)."""
    if dt is None:
        return "-"
    d, zone = _local(dt)
    day = f"{HARI[d.weekday()]}, " if with_day else ""
    return f"{day}{d.day} {BULAN[d.month - 1]} {d.year} {d.hour:02d}.{d.minute:02d} {zone}"


def ukuran_id(size: int | None) -> str:
    """Human file size with an Indonesian decimal comma: '1,2 MB', '850 KB', '512 B'."""
    if size is None or size < 0:
        return "-"
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    text = f"{value:.0f}" if value >= 100 else f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} {unit}"


_MIME_LABELS = {
    "application/pdf": "PDF",
    "application/msword": "Dokumen Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Dokumen Word",
    "application/vnd.ms-excel": "Lembar kerja",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Lembar kerja",
    "application/zip": "Arsip ZIP",
    "text/plain": "Teks",
}


def jenis_id(mime: str | None) -> str:
    """Indonesian label for a MIME type: 'Foto (JPEG)', 'Video (MP4)', 'PDF', …"""
    if not mime:
        return "-"
    mime = mime.split(";")[0].strip().lower()
    if mime in _MIME_LABELS:
        return _MIME_LABELS[mime]
    major, _, minor = mime.partition("/")
    sub = minor.split("+")[0].split(".")[-1].upper()
    if major == "image":
        return f"Foto ({sub})" if sub else "Foto"
    if major == "video":
        return f"Video ({sub})" if sub else "Video"
    if major == "audio":
        return f"Audio ({sub})" if sub else "Audio"
    return mime


# --- PDF metadata ---------------------------------------------------------------------

#: fixed so re-rendering the same item gives byte-identical files
PDF_CREATOR = "SIAPMAS Sync"


class DocInfo(TypedDict):
    """reportlab's document-information keywords, as :func:`doc_info` fills them."""

    title: str
    author: str
    creator: str
    subject: str


def doc_info(title: str, kop_instansi: str) -> DocInfo:
    """Document-information keywords for reportlab (never any personal data)."""
    return {
        "title": one_line(title, SANS),
        "author": one_line(kop_instansi, SANS),
        "creator": PDF_CREATOR,
        "subject": "SIAPMAS – Sistem Informasi Aspirasi dan Pengaduan Masyarakat",
    }


__all__ = [
    "BULAN", "DocInfo", "FONT_DIR", "HARI", "HIDDEN", "REPLACEMENT", "SANS", "SANS_BOLD", "SANS_ITALIC",
    "SERIF", "SERIF_BOLD", "atomic_write_bytes", "clean_text", "coverage", "doc_info", "durable_together",
    "fit_text", "jenis_id", "one_line", "para_markup", "redact", "register_fonts",
    "tanggal_id", "truncate", "ukuran_id", "waktu_id", "wrap_lines",
]


class PagedCanvas(Canvas):
    """A canvas that holds pages back until the end, so each page's furniture (footer)
    can say "Halaman X dari Y". Subclasses draw it in :meth:`furniture`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab API
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # what Canvas.showPage does after emitting; absent from types-reportlab

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self.furniture(number, total)
            Canvas.showPage(self)
        Canvas.save(self)

    def furniture(self, number: int, total: int) -> None:
        raise NotImplementedError

