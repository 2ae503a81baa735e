"""Fixed parts of a canvas-drawn page, drawn once per process and replayed in every document.

The Lembar Disposisi and the Kartu Kendali consist mostly of things that are the same on
every item's document: the kop, the title, the grid, every label and checkbox. Drawing
them costs a text object, a glyph-subset lookup and a number formatting per string in
every document. What they add to a page is a run of PDF operators, and those depend on
nothing but the drawing calls and the state they start from: the canvas' graphics state
and, for each TrueType font already used in the document, which glyph has which code in
which subset (the text operators carry those codes).

:func:`draw_fixed` draws such a part once on a scratch canvas put in the target's exact
state, keeps the operators and the font states it left behind, and on later documents
starting from the same state appends the operators and installs copies of those font
states — exactly what drawing again would do, so the output is byte-identical to drawing
it directly. The part is wrapped in ``q … Q`` so the graphics state after it is the one
before it. A part that registers anything else with the document (an image, a form, a
transparency state) is simply drawn directly every time.
"""

from __future__ import annotations

import io
from datetime import datetime
from collections.abc import Callable, Hashable
from typing import Any, Protocol, cast

from reportlab.pdfbase.pdfdoc import PDFDocument
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from siapmas_sync.core.models import AgendaItem, RoutingSuggestion, Submission

from .pdfobjects import BoundedCache

#: the item a fixed part is drawn with, so that no item's data can end up in one
BLANK_ITEM = AgendaItem(
    agenda_no="", year=0, seq=0, perihal="", routing=RoutingSuggestion("", ""), sifat="", kode_klasifikasi="",
    submission=Submission(key="", content_hash="", received_at=datetime(2000, 1, 1), nama="", telepon="",
                          email="", kronologi=""),
)

_STATE = tuple(a for a in Canvas.STATE_ATTRIBUTES if a != "_extgstate")


class _ExtGState(Protocol):
    """reportlab.pdfgen.canvas.ExtGState (absent from types-reportlab): the page's
    transparency/overprint settings and the names of the states already registered."""

    _d: dict[str, object]
    _c: dict[object, str]

    def pushCopy(self) -> _ExtGState: ...  # noqa: N802 - reportlab API


class _CanvasInternals(Protocol):
    """The private parts of a reportlab Canvas this module reads and writes (reused on
    purpose, see the module docstring; types-reportlab declares none of them). The
    byte-identity test tests/test_documents.py::test_replayed_fixed_parts_give_the_bytes_drawing_them_gives
    guards them against a reportlab change."""

    _doc: PDFDocument
    _code: list[str]
    _pagesize: tuple[float, float]
    _fontname: str
    _fontsize: float
    _extgstate: _ExtGState
    _formsinuse: list[object]


def _internals(c: Canvas) -> _CanvasInternals:
    return cast(_CanvasInternals, c)


class _Recorded:
    __slots__ = ("code", "direct", "font_mapping", "fonts")

    def __init__(self, code: tuple[str, ...], font_mapping: dict[str, str],
                 fonts: tuple[tuple[TTFont, Any], ...], direct: bool = False) -> None:
        self.code = code
        self.font_mapping = font_mapping
        self.fonts = fonts
        self.direct = direct


_recorded: BoundedCache[_Recorded] = BoundedCache(64)


def _copy_state(state: Any) -> Any:
    new = TTFont.State.__new__(TTFont.State)
    new.__dict__.update(state.__dict__)
    new.assignments = dict(state.assignments)  # type: ignore[attr-defined]  # set in State.__init__, absent from types-reportlab
    new.subsets = [list(s) for s in state.subsets]
    return new


def _fonts(doc: Any) -> tuple[tuple[TTFont, Any], ...] | None:
    """The document's TrueType fonts in use with their states (None: something else)."""
    out = []
    for font in doc.delayedFonts:
        state = getattr(font, "state", {}).get(doc) if isinstance(font, TTFont) else None
        if state is None:
            return None
        out.append((font, state))
    return tuple(out)


def _fingerprint(c: Canvas) -> Hashable | None:
    """Everything the operators of a part drawn on *c* now depend on."""
    ci = _internals(c)
    doc = ci._doc
    fonts = _fonts(doc)
    if fonts is None:
        return None
    d = c.__dict__
    return (
        ci._pagesize, c.bottomup, tuple(doc.fontMapping.items()),
        tuple((f.fontName, s.internalName, s.nextCode, s.frozen, tuple(s.assignments.items()),
               tuple(map(tuple, s.subsets))) for f, s in fonts),
        tuple(repr(d[a]) for a in _STATE), tuple(sorted(ci._extgstate._d.items())),
    )


def _objects(c: Canvas) -> tuple[Any, ...]:
    ci = _internals(c)
    return (len(ci._doc.idToObject), len(ci._formsinuse), len(ci._extgstate._c), len(getattr(c, "_annotationrefs", ())),
            getattr(c, "_currentPageHasImages", 0))


def _record(c: Canvas, draw: Callable[[Canvas], object]) -> _Recorded:
    """Draw *draw* on a scratch canvas in *c*'s state; keep what it produced."""
    ci = _internals(c)
    scratch = Canvas(io.BytesIO(), pagesize=ci._pagesize, bottomup=c.bottomup, invariant=1, pageCompression=1,
                     initialFontName=ci._fontname,  # type: ignore[arg-type]  # a font name; types-reportlab says float
                     initialFontSize=ci._fontsize)
    si = _internals(scratch)
    sdoc = si._doc
    sdoc.fontMapping = dict(ci._doc.fontMapping)
    sdoc.delayedFonts = list(ci._doc.delayedFonts)
    for font, state in _fonts(ci._doc) or ():
        font.state[sdoc] = _copy_state(state)
    for a in _STATE:
        setattr(scratch, a, getattr(c, a))
    si._extgstate = ci._extgstate.pushCopy()
    si._extgstate._c = dict(ci._extgstate._c)
    before = _objects(scratch)
    start = len(si._code)
    scratch.saveState()
    draw(scratch)
    scratch.restoreState()
    fonts = _fonts(sdoc)
    if _objects(scratch) != before or fonts is None:
        return _Recorded((), {}, (), direct=True)
    return _Recorded(tuple(si._code[start:]), dict(sdoc.fontMapping),
                     tuple((f, _copy_state(s)) for f, s in fonts))


def draw_fixed(c: Canvas, key: Hashable, draw: Callable[[Canvas], object]) -> None:
    """Draw ``draw(c)`` between ``saveState``/``restoreState``, replaying the operators
    recorded for *key* when *c* is in the state they were recorded in.

    *draw* must draw the same thing whenever it is called with the same *key* (it may
    not depend on the item)."""
    fp = _fingerprint(c)
    if fp is None:
        rec = _Recorded((), {}, (), direct=True)
    else:
        rec = _recorded.get((key, fp), lambda: _record(c, draw))
    if rec.direct:
        c.saveState()
        draw(c)
        c.restoreState()
        return
    ci = _internals(c)
    doc = ci._doc
    ci._code.extend(rec.code)
    doc.fontMapping.clear()
    doc.fontMapping.update(rec.font_mapping)
    doc.delayedFonts[:] = [f for f, _ in rec.fonts]
    for font, state in rec.fonts:
        font.state[doc] = _copy_state(state)
