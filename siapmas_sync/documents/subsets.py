"""Embedded font objects made once per process instead of once per PDF.

Every PDF embeds, for each TrueType face it uses, one or more subsets of the font holding
just the glyphs it draws, each with a font dictionary (``Widths`` array), a ToUnicode
CMap stream, a font descriptor and the deflated subset itself. reportlab builds and
formats all of these for every document — a fifth of rendering time for the subsets and
as much again for formatting hundreds of widths. The labels, the kop and the grid of each
document type use the same glyphs in the same order in every document, so these objects
are the same from one document to the next apart from a few references.

:func:`reuse_subsets` makes a registered font keep them, formatted, in small LRU caches
keyed by the exact glyph list (see :mod:`.pdfobjects`); each document only fills in its
own object references and font name. Output is byte-identical to reportlab's own.
Encrypted documents (never made here) take reportlab's ordinary path.
"""

from __future__ import annotations

import zlib
from typing import Any, Protocol, cast

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, TTFontFace, makeToUnicodeCMap,
)

from .pdfobjects import BoundedCache, Preformatted, Slot, Template, plain_document, preformat

#: distinct (face, glyph list) subsets kept, all shipped faces together (a deflated
#: DejaVu subset is ~10–40 KB; its font dictionary and CMap ~2 KB)
CACHE_SIZE = 2048


class _ReusingFace(TTFontFace):
    """A TTFontFace whose embedded subsets (font file stream and descriptor) are cached."""

    _subsets: BoundedCache[Template] = BoundedCache(CACHE_SIZE)
    _descriptors: BoundedCache[Template] = BoundedCache(256)

    def _file_stream(self, subset: list[int], document: Any) -> Template:
        """The formatted FontFile2 stream of *subset*."""

        def make() -> Template:
            raw = self.makeSubset(subset)
            stream = pdfdoc.PDFStream(content=zlib.compress(raw) if document.compression else raw)
            stream.dictionary["Length1"] = len(raw)
            if document.compression:  # already deflated: naming the filter stops reportlab deflating again
                stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
            return preformat(stream, document)

        return self._subsets.get((self.filename, tuple(subset), bool(document.compression)), make)

    def _descriptor(self, fontname: str, document: Any) -> Template:
        """The formatted font descriptor, its FontFile2 reference left as slot 0."""

        def make() -> Template:
            return preformat(pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor",
                "Ascent": self.ascent,
                "CapHeight": self.capHeight,
                "Descent": self.descent,
                "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(self.bbox),
                "FontName": pdfdoc.PDFName(fontname),
                "ItalicAngle": self.italicAngle,
                "StemV": self.stemV,
                "FontFile2": Slot(0),
                "MissingWidth": self.defaultWidth,
            }), document, 1)

        return self._descriptors.get((self.filename, fontname), make)

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:  # noqa: N802 - reportlab API
        if not plain_document(doc):
            return super().addSubsetObjects(doc, fontname, subset)
        stream = Preformatted(self._file_stream(subset, doc))
        file_ref = doc.Reference(stream, f"fontFile:{self.filename}({fontname})")
        descriptor = Preformatted(self._descriptor(fontname, doc), (file_ref,))
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


class _FontParts:
    """One subset's font dictionary (slots: Name, ToUnicode, FontDescriptor) and CMap."""

    __slots__ = ("base_name", "cmap", "font")

    def __init__(self, base_name: str, font: Template, cmap: Template) -> None:
        self.base_name = base_name
        self.font = font
        self.cmap = cmap


class _FontDictionary(Protocol):
    """The entries of a PDFTrueTypeFont, which reportlab writes from attributes set on it
    (its ``name_attributes`` and ``local_attributes``; types-reportlab declares none)."""

    Name: str
    BaseFont: str
    FirstChar: int
    LastChar: int
    Widths: pdfdoc.PDFArray
    ToUnicode: Slot
    FontDescriptor: Slot


class _ReusingFont(TTFont):
    """A TTFont whose per-subset PDF objects are formatted once (see the module docstring)."""

    _parts: BoundedCache[_FontParts] = BoundedCache(CACHE_SIZE)

    def _subset_parts(self, n: int, subset: list[int], document: Any) -> _FontParts:
        face = self.face

        def make() -> _FontParts:
            base_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            font_object = pdfdoc.PDFTrueTypeFont()
            font = cast(_FontDictionary, font_object)
            font.Name = Slot.name(0)
            font.BaseFont = base_name
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.Widths = pdfdoc.PDFArray([face.getCharWidth(code) for code in subset])
            font.ToUnicode = Slot(1)
            font.FontDescriptor = Slot(2)
            cmap = pdfdoc.PDFStream(content=makeToUnicodeCMap(base_name, subset))
            if document.compression:
                cmap.filters = [pdfdoc.PDFZCompress]
            return _FontParts(base_name, preformat(font_object, document, 3), preformat(cmap, document))

        key = (face.filename, face.subfontNameX, n, tuple(subset), bool(document.compression))
        return self._parts.get(key, make)

    def addObjects(self, doc: Any) -> None:  # noqa: N802 - reportlab API
        if not plain_document(doc):
            return super().addObjects(doc)
        state = self._assignState(doc)  # type: ignore[attr-defined]  # TTFont's own helper, absent from types-reportlab
        state.frozen = 1
        fonts = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            parts = self._subset_parts(n, subset, doc)
            cmap_ref = doc.Reference(Preformatted(parts.cmap), "toUnicodeCMap:" + parts.base_name)
            descriptor_ref = self.face.addSubsetObjects(doc, parts.base_name, subset)
            font = Preformatted(parts.font, (pdfdoc.PDFName(internal), cmap_ref, descriptor_ref),
                                comment=f"Font {self.fontName} subset {n}")
            doc.Reference(font, internal)
            fonts[internal] = font
        del self.state[doc]
        return None


def reuse_subsets(font: TTFont) -> TTFont:
    """Make *font* (a freshly loaded TTFont) reuse its embedded objects; returns it."""
    if type(font.face) is TTFontFace:
        font.face.__class__ = _ReusingFace
    if type(font) is TTFont:
        font.__class__ = _ReusingFont
    return font
