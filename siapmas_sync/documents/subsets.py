"""Font subsets made once per process instead of once per PDF.

Every PDF embeds, for each TrueType face it uses, a subset of the font holding just the
glyphs it draws. reportlab builds (and deflates) that subset for every document, which was
a fifth of rendering time: the labels, the kop and the grid of each document type use
the same glyphs in the same order in every document, so the subset bytes are identical.
:func:`reuse_subsets` makes a registered font keep the deflated subsets it has built, keyed
by the exact glyph list, in a small LRU cache. Output is byte-identical to reportlab's own.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from typing import Any

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, TTFontFace

#: distinct (face, glyph list) subsets kept, all shipped faces together (a deflated
#: DejaVu subset is ~10–40 KB)
CACHE_SIZE = 2048


class _ReusingFace(TTFontFace):
    """A TTFontFace whose embedded subsets are cached (see the module docstring)."""

    _subsets: OrderedDict[tuple[str, tuple[int, ...], bool], tuple[bytes, int]] = OrderedDict()
    _lock = threading.Lock()

    def _subset_bytes(self, subset: list[int], compress: bool) -> tuple[bytes, int]:
        key = (self.filename, tuple(subset), compress)
        with self._lock:
            hit = self._subsets.get(key)
            if hit is not None:
                self._subsets.move_to_end(key)
                return hit
        raw = self.makeSubset(subset)
        entry = (zlib.compress(raw) if compress else raw, len(raw))
        with self._lock:
            self._subsets[key] = entry
            while len(self._subsets) > CACHE_SIZE:
                self._subsets.popitem(last=False)
        return entry

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:  # noqa: N802 - reportlab API
        content, raw_length = self._subset_bytes(subset, bool(doc.compression))
        stream = pdfdoc.PDFStream(content=content)
        stream.dictionary["Length1"] = raw_length
        if doc.compression:  # already deflated: naming the filter stops reportlab deflating again
            stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        file_ref = doc.Reference(stream, f"fontFile:{self.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor",
            "Ascent": self.ascent,
            "CapHeight": self.capHeight,
            "Descent": self.descent,
            "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(self.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": self.italicAngle,
            "StemV": self.stemV,
            "FontFile2": file_ref,
            "MissingWidth": self.defaultWidth,
        })
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


def reuse_subsets(font: TTFont) -> TTFont:
    """Make *font* (a freshly loaded TTFont) reuse its embedded subsets; returns it."""
    if type(font.face) is TTFontFace:
        font.face.__class__ = _ReusingFace
    return font
