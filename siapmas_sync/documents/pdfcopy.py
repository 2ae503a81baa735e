"""Pages of finished PDFs copied into one file byte for byte, without parsing them.

A print batch is the cycle's documents, unchanged, one after another. Parsing every
object of every document into Python objects and serialising them again (pypdf) cost
as much CPU as drawing the documents in the first place (each carries its own font
subsets). The documents are ours — written by reportlab: a classic cross-reference
table, every object ``N 0 obj … endobj``, stream lengths given directly, a flat page
tree — so each object an item's pages need is copied as bytes: only the object
references outside streams and strings are renumbered, and each page's ``/Parent``
points to the new page tree. Stream data (fonts, images, page content) is never
touched.

Anything else (an object stream, a cross-reference stream, an indirect stream length,
a nested page tree…) raises :class:`Unsupported`; the caller then copies with pypdf.
Pure: bytes in, bytes out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Page", "Unsupported", "join_pages", "join_pieces", "pages_of"]


class Unsupported(ValueError):
    """A PDF this copier does not read (the caller falls back to pypdf)."""


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_SECTION = re.compile(rb"(\d+) (\d+)\s*\n")
_OBJ_HEAD = re.compile(rb"(\d+) 0 obj\b")
_REF = re.compile(rb"(\d+) 0 R\b")
_LENGTH = re.compile(rb"/Length (\d+)(?! \d+ R)\b")
_ROOT = re.compile(rb"/Root (\d+) 0 R")
_PAGES = re.compile(rb"/Pages (\d+) 0 R")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_PARENT = re.compile(rb"/Parent \d+ 0 R")
_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.\s]+)\]")
#: a string literal (balanced parentheses, escapes) or a hex string: references inside are text
_STRING = re.compile(rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)|<(?!<)[0-9A-Fa-f\s]*>", re.S)


_DOCS = itertools.count()  # tells documents apart in join_pages


@dataclass(frozen=True)
class _Obj:
    head: bytes  # the object's text before its stream data (or all of it)
    stream: bytes | memoryview  # ``stream\n … endstream`` as written (a view: never copied), or b""


@dataclass(frozen=True)
class Page:
    """One page of a document and every object it needs, ready to be renumbered."""

    doc: int  # which document it comes from (its objects are numbered once)
    number: int  # the page object's number in its document
    objects: dict[int, _Obj]  # number → object (the page included)
    media: tuple[float, float]  # width, height in points


def _objects(data: bytes) -> dict[int, _Obj]:
    m = _STARTXREF.search(data[-64:])
    if not m:
        raise Unsupported("no startxref")
    pos = int(m.group(1))
    if data[pos : pos + 4] != b"xref":
        raise Unsupported("cross-reference stream")
    pos += 4
    offsets: dict[int, int] = {}
    while True:
        while data[pos : pos + 1] in (b"\r", b"\n", b" "):
            pos += 1
        sec = _XREF_SECTION.match(data, pos)
        if not sec:
            break
        first, count = int(sec.group(1)), int(sec.group(2))
        pos = sec.end()
        for i in range(count):
            entry = data[pos : pos + 20]
            if entry[17:18] == b"n":
                offsets[first + i] = int(entry[:10])
            pos += 20
    if data[pos : pos + 7] != b"trailer":
        raise Unsupported("no trailer after the cross-reference table")
    out: dict[int, _Obj] = {}
    for num, off in offsets.items():
        head = _OBJ_HEAD.match(data, off)
        if not head or int(head.group(1)) != num:
            raise Unsupported(f"object {num} not where the table says")
        s = data.find(b"stream", head.end())
        e = data.find(b"endobj", head.end())
        if e < 0:
            raise Unsupported(f"object {num} has no end")
        if 0 <= s < e:
            text = data[off:s]
            length = _LENGTH.search(text)
            if not length:
                raise Unsupported(f"object {num}: stream length not given directly")
            start = s + 6 + (2 if data[s + 6 : s + 8] == b"\r\n" else 1)
            end = start + int(length.group(1))
            close = data.find(b"endstream", end)
            if close < 0 or data[end:close].strip():
                raise Unsupported(f"object {num}: stream length does not match")
            out[num] = _Obj(text, memoryview(data)[s : close + 9])
        else:
            out[num] = _Obj(data[off:e], b"")
    root = _ROOT.search(data, pos)
    if not root:
        raise Unsupported("no /Root")
    out[-1] = _Obj(b"", root.group(1))  # where the catalogue is (read by pages_of)
    return out


def _refs(text: bytes) -> Iterable[int]:
    """Object numbers referenced in *text* outside its strings (only a literal string can
    hold "N 0 R": a hex string has no R, so text without "(" is searched as it is)."""
    if b" 0 R" not in text:  # most heads: a font's widths, an image's dictionary
        return ()
    return (int(n) for n in _REF.findall(_STRING.sub(b"()", text) if b"(" in text else text))


def pages_of(data: bytes) -> list[Page]:
    """The pages of a whole PDF file, in order, each with the objects it needs."""
    objs = _objects(data)
    catalog = objs.get(int(objs.pop(-1).stream))
    pages_ref = _PAGES.search(catalog.head) if catalog else None
    tree = objs.get(int(pages_ref.group(1))) if pages_ref else None
    kids = _KIDS.search(tree.head) if tree else None
    if tree is None or kids is None:
        raise Unsupported("no page tree")
    tree_num = int(pages_ref.group(1))  # type: ignore[union-attr]
    doc = next(_DOCS)
    out: list[Page] = []
    refs: dict[int, list[int]] = {}  # object → the objects it references (shared by the pages)
    for num in _refs(kids.group(1)):
        page = objs.get(num)
        if page is None or b"/Type /Page" not in page.head or b"/Type /Pages" in page.head:
            raise Unsupported("nested page tree")
        box = _MEDIABOX.search(page.head)
        if not box:
            raise Unsupported("page without its own /MediaBox")
        x0, y0, x1, y1 = (float(v) for v in box.group(1).split())
        need: dict[int, _Obj] = {}
        todo = [num]
        while todo:
            n = todo.pop()
            if n in need or n == tree_num:
                continue
            obj = objs.get(n)
            if obj is None:
                raise Unsupported(f"object {n} missing")
            need[n] = obj
            known = refs.get(n)
            if known is None:
                known = refs[n] = list(_refs(obj.head))
            todo.extend(known)
        out.append(Page(doc, num, need, (abs(x1 - x0), abs(y1 - y0))))
    return out


def join_pages(pages: Sequence[Page], info: dict[str, str]) -> bytes:
    """One PDF holding *pages* in order (objects a document's pages share, its fonts,
    are written once per document); *info*: the document information (ASCII values)."""
    return b"".join(join_pieces(pages, info))


def join_pieces(pages: Sequence[Page], info: dict[str, str]) -> list[bytes | memoryview]:
    """:func:`join_pages` as the pieces of the file, in order: stream data stays a view
    of the document read, never copied (write them with ``atomic_write_bytes``)."""
    header = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    body: list[tuple[bytes | memoryview, ...]] = []  # each object in pieces
    kids: list[int] = []
    next_num = 4  # 1 = the page tree, 2 = the catalogue, 3 = the information
    numbering: dict[int, dict[int, int]] = {}  # document → its object numbers → ours
    for page in pages:
        new = numbering.setdefault(page.doc, {})
        fresh = [old for old in sorted(page.objects) if old not in new]
        for old in fresh:
            new[old] = next_num
            next_num += 1
        for old in fresh:
            obj = page.objects[old]
            head = _OBJ_HEAD.sub(b"%d 0 obj" % new[old], obj.head, count=1)
            if old == page.number:  # its parent is our page tree
                head = _renumber(_PARENT.sub(b"/Parent TREE", head), new).replace(b"/Parent TREE", b"/Parent 1 0 R")
            else:
                head = _renumber(head, new)
            body.append((head, obj.stream, b"\nendobj\n") if len(obj.stream) else (head, b"endobj\n"))
        kids.append(new[page.number])
    info_text = b" ".join(b"/%s (%s)" % (k.encode(), _pdf_string(v)) for k, v in info.items())
    objects: list[tuple[bytes | memoryview, ...]] = [
        (b"1 0 obj\n<< /Type /Pages /Count %d /Kids [ %s ] >>\nendobj\n" % (
            len(kids), b" ".join(b"%d 0 R" % k for k in kids)),),
        (b"2 0 obj\n<< /Type /Catalog /Pages 1 0 R >>\nendobj\n",),
        (b"3 0 obj\n<< %s >>\nendobj\n" % info_text,),
        *body,
    ]
    offsets = []
    size = len(header)
    for pieces in objects:
        offsets.append(size)
        size += sum(len(x) for x in pieces)
    xref = b"".join([b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1),
                     *(b"%010d 00000 n \n" % off for off in offsets)])
    trailer = b"trailer\n<< /Size %d /Root 2 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, size)
    return [header, *(x for pieces in objects for x in pieces), xref, trailer]


def _renumber(text: bytes, new: dict[int, int]) -> bytes:
    """*text* with every object reference outside its strings renumbered by *new*; a
    reference to an object not copied raises :class:`Unsupported`."""

    def ref(m: re.Match[bytes]) -> bytes:
        n = int(m.group(1))
        if n not in new:
            raise Unsupported(f"reference to object {n}, which is not copied")
        return b"%d 0 R" % new[n]

    if b" 0 R" not in text:
        return text
    if b"(" not in text:  # no literal string (see _refs)
        return _REF.sub(ref, text)
    out: list[bytes] = []
    last = 0
    for s in _STRING.finditer(text):
        out.append(_REF.sub(ref, text[last : s.start()]))
        out.append(s.group(0))
        last = s.end()
    out.append(_REF.sub(ref, text[last:]))
    return b"".join(out)


def _pdf_string(value: str) -> bytes:
    return value.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
