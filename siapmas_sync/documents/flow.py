"""Cheaper building blocks for the platypus-laid-out Lembar Aduan.

reportlab's Paragraph parses its text as mini-markup (an HTML parser per paragraph)
before laying it out. Most paragraphs of the Lembar Aduan are plain text in one style,
for which the parser always yields one fragment carrying the style's font, size and
colour and the whitespace-collapsed text. :func:`plain_paragraph` builds that fragment
directly (from a template parsed once per style) and hands it to Paragraph, so line
breaking, splitting across pages and drawing are still reportlab's own, unchanged.
Text that the parser would treat differently (``&``, ``<``, ``>``, line breaks, blank
text) goes through the ordinary markup path.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol, cast
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText

_MARKUP = frozenset("&<>\n\r")
_templates: dict[int, tuple[ParagraphStyle, Any]] = {}
_lock = threading.Lock()


def _template(style: ParagraphStyle) -> Any:
    """The fragment the parser makes of a plain word in *style* (parsed once per style)."""
    hit = _templates.get(id(style))
    if hit is not None and hit[0] is style:
        return hit[1]
    frag = Paragraph("x", style).frags[0]
    with _lock:
        if len(_templates) > 256:  # styles are module constants; this only guards misuse
            _templates.clear()
        _templates[id(style)] = (style, frag)
    return frag


def plain_paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of already-clean plain *text* (not markup) in *style*.

    Equivalent to ``Paragraph(para_markup(text), style)`` (line breaks become ``<br/>``),
    without parsing markup when the text has nothing the parser would treat specially."""
    if _MARKUP.isdisjoint(text):
        cleaned = cleanBlockQuotedText(text)
        if cleaned.strip():
            return Paragraph(cleaned, style, frags=[_template(style).clone(text=cleaned)])
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


#: a text this much narrower than the line certainly fits on it whichever way reportlab
#: adds up its word widths (rounding differences are ~1e-12 pt)
_SLACK = 1e-6


def _one_line_style(style: ParagraphStyle) -> bool:
    """A style whose one-line paragraphs :class:`OneLine` draws exactly like Paragraph."""
    return (style.alignment == TA_LEFT and not style.leftIndent and not style.rightIndent
            and not style.firstLineIndent and style.backColor is None and not style.borderWidth
            and not getattr(style, "bulletText", None) and not getattr(style, "autoLeading", None) and style.wordWrap is None
            and not getattr(style, "underlineWidth", None) and not getattr(style, "strikeWidth", None))


class _ParagraphText(Protocol):
    """What Paragraph sets and calls on its PDFTextObject to draw a line, beyond the public
    API (types-reportlab declares neither ``preformatted`` nor ``_textOut`` and allows
    no ``direction`` of None, which is how Paragraph leaves a line without bidi handling)."""

    preformatted: bool
    direction: str | None

    def _textOut(self, text: str, TStar: int = 0) -> None: ...  # noqa: N803 - reportlab API


class OneLine:
    """A plain, left-aligned text for :class:`KeyValueRows` and :class:`HeadingBar`: when
    it fits on one line it is laid out and drawn exactly as reportlab draws a one-line
    Paragraph (the same operators: its height is the leading, its baseline
    ``leading - fontSize`` above the bottom), without line breaking and fragment
    handling; a text that needs more lines is handed to a Paragraph."""

    __slots__ = ("height", "para", "style", "text", "use_para", "width", "_text_width")

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        self.text = text
        self.style = style
        self.para: Paragraph | None = None
        self.use_para = False
        self.width = self.height = 0.0
        self._text_width = stringWidth(text, style.fontName, style.fontSize)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._text_width <= availWidth - _SLACK:
            self.use_para = False
            self.width, self.height = availWidth, self.style.leading
            return self.width, self.height
        if self.para is None:
            self.para = Paragraph(self.text, self.style, frags=[_template(self.style).clone(text=self.text)])
        self.use_para = True
        self.width, self.height = self.para.wrap(availWidth, availHeight)
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802 - platypus API
        if self.use_para:
            assert self.para is not None
            self.para.drawOn(canvas, x, y)
            return
        st = self.style
        canvas.saveState()  # Flowable.drawOn
        canvas.translate(x, y)
        canvas.saveState()  # Paragraph.drawPara
        canvas.setFillColor(st.textColor)
        tx = canvas.beginText(0, self.height - st.fontSize)
        tp = cast(_ParagraphText, tx)
        tp.preformatted = False
        tp.direction = None
        tx.setFont(st.fontName, st.fontSize, st.leading)
        tp._textOut(self.text, 1)
        canvas.drawText(tx)
        canvas.restoreState()
        canvas.restoreState()


def plain_line(text: str, style: ParagraphStyle) -> OneLine | Paragraph:
    """:func:`plain_paragraph` for a box that only wraps and draws it (see :class:`OneLine`)."""
    if _MARKUP.isdisjoint(text) and _one_line_style(style):
        cleaned = cleanBlockQuotedText(text)
        if cleaned.strip() and cleaned.split(" ") == cleaned.split():
            return OneLine(cleaned, style)
    return plain_paragraph(text, style)


class HeadingBar(Flowable):
    """A section heading: one paragraph on a shaded band with a rule below, drawn exactly
    where a one-cell Table (BACKGROUND, LINEBELOW, paddings) would draw it."""

    def __init__(self, para: Paragraph | OneLine, background: Color, *, rule: float = 0.8,
                 padding: tuple[float, float, float, float] = (3, 6, 3, 4)) -> None:
        super().__init__()
        self.para = para
        self.background = background
        self.rule = rule
        self.top, self.right, self.bottom, self.left = padding
        self.width = self.height = 0.0
        self._wrapped: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._wrapped != availWidth:
            _, h = self.para.wrap(availWidth - self.left - self.right, availHeight)
            self.width, self.height, self._wrapped = availWidth, h + self.top + self.bottom, availWidth
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setFillColor(self.background)
        c.rect(0, self.height, self.width, -self.height, stroke=0, fill=1)
        self.para.drawOn(c, self.left, self.height - self.top - self.para.height)
        c.setLineCap(1)
        c.setLineJoin(1)
        c.setStrokeColor(black)
        c.setLineWidth(self.rule)
        c.line(0, 0, self.width, 0)
        c.restoreState()


class KeyValueRows(Flowable):
    """'Label : value' rows of paragraphs in fixed columns (the last takes the rest of the
    width), top-aligned with the given paddings: the layout of a borderless Table with
    those column widths, splitting between rows across pages like it."""

    def __init__(self, rows: list[tuple[Paragraph | OneLine, ...]], widths: tuple[float, ...], *,
                 padding: tuple[float, float, float, float] = (1.2, 2, 1.2, 2)) -> None:
        super().__init__()
        self.rows = rows
        self.fixed = widths
        self.top, self.right, self.bottom, self.left = padding
        self.width = self.height = 0.0
        self._heights: list[float] = []
        self._wrapped: float | None = None

    def _columns(self, avail: float) -> list[float]:
        return [*self.fixed, avail - sum(self.fixed)]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._wrapped != availWidth:
            cols = self._columns(availWidth)
            self._heights = [
                max(p.wrap(w - self.left - self.right, availHeight)[1] for p, w in zip(row, cols))
                + self.top + self.bottom
                for row in self.rows
            ]
            self.width, self.height, self._wrapped = availWidth, sum(self._heights), availWidth
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        self.wrap(availWidth, availHeight)
        used: float = 0
        fit = 0
        for h in self._heights:
            if used + h > availHeight:
                break
            used += h
            fit += 1
        if fit == 0 or fit >= len(self.rows):
            return []
        return [KeyValueRows(self.rows[:fit], self.fixed, padding=self._padding()),
                KeyValueRows(self.rows[fit:], self.fixed, padding=self._padding())]

    def _padding(self) -> tuple[float, float, float, float]:
        return self.top, self.right, self.bottom, self.left

    def draw(self) -> None:
        cols = self._columns(self.width)
        top = self.height
        for row, h in zip(self.rows, self._heights):
            x = 0.0
            for para, w in zip(row, cols):
                para.drawOn(self.canv, x + self.left, top - self.top - para.height)
                x += w
            top -= h
