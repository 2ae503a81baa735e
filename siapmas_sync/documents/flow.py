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
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph
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
