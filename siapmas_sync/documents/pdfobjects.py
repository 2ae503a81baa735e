"""PDF objects formatted once per process and reused in every document.

reportlab turns its object tree into bytes at the end of every build, number by number
and name by name. Some objects are the same in every document except for a few values
that depend on the document (an object reference, a font's internal name): the font
dictionaries with their ``Widths`` arrays, the ToUnicode CMaps, the font descriptors.
:func:`preformat` lets reportlab format such an object once, with placeholders
(:class:`Slot`) where the per-document values go; :class:`Preformatted` then stands in
for the object in each document and only formats its slot values. Because reportlab
itself produced the bytes, the output is byte-identical to formatting the object afresh.

:class:`BoundedCache` is the small thread-safe LRU the callers keep these in.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from reportlab.pdfbase import pdfdoc

V = TypeVar("V")

_MARK = re.compile(rb"/SiapmasSlot(\d+)Q")


class Slot(pdfdoc.PDFObject):
    """A placeholder for the per-document value number *index* of a preformatted object.

    It formats as the PDF name ``/SiapmasSlot<index>Q``; where reportlab wants a plain
    string to make a name of (a font's ``Name``), pass :meth:`name` instead."""

    def __init__(self, index: int) -> None:
        self.mark = b"/" + self.name(index).encode()

    @staticmethod
    def name(index: int) -> str:
        return f"SiapmasSlot{index}Q"

    def format(self, document: Any) -> bytes:
        return self.mark


class Template:
    """The bytes of a formatted object, split where its slots were."""

    __slots__ = ("order", "pieces")

    def __init__(self, raw: bytes, slots: int) -> None:
        parts = _MARK.split(raw) if slots else [raw]
        self.pieces: tuple[bytes, ...] = tuple(parts[0::2])
        self.order: tuple[int, ...] = tuple(int(i) for i in parts[1::2])
        if sorted(self.order) != list(range(slots)):
            raise ValueError(f"expected each of {slots} slots once, found {self.order}")

    def fill(self, values: Sequence[Any], document: Any) -> bytes:
        if not self.order:
            return self.pieces[0]
        out = [self.pieces[0]]
        for index, piece in zip(self.order, self.pieces[1:]):
            out.append(pdfdoc.format(values[index], document))
            out.append(piece)
        return b"".join(out)


def preformat(obj: Any, document: Any, slots: int = 0) -> Template:
    """Format *obj* (a reportlab object whose *slots* per-document values are
    :class:`Slot` instances) as a top-level object of *document*; return its Template."""
    return Template(pdfdoc.format(obj, document, toplevel=1), slots)


class Preformatted(pdfdoc.PDFObject):
    """Stands in for a top-level reportlab object: its template filled with *values*."""

    __RefOnly__ = 1  # like fonts and streams: always an indirect object

    def __init__(self, template: Template, values: Sequence[Any] = (), comment: str | None = None) -> None:
        self.template = template
        self.values = tuple(values)
        if comment is not None:
            self.__Comment__ = comment

    def format(self, document: Any) -> bytes:
        return self.template.fill(self.values, document)


def plain_document(document: Any) -> bool:
    """True when *document* formats objects the ordinary way (no encryption), so bytes
    formatted for one document are right for another."""
    return isinstance(getattr(document, "encrypt", None), pdfdoc.NoEncryption)


class BoundedCache(Generic[V]):
    """A thread-safe LRU of at most *size* entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The entry for *key*, made with *make* (outside the lock) when missing."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
        value = make()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value
