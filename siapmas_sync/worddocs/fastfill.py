"""Filling a Word template for one copy without python-docx: what a template version
needs is worked out once (from the first copy docxtpl makes of it), then every further
copy renders only the document body and zips it with the template's other parts, which
are the same in every copy and were compressed once.

A copy made here is byte for byte the copy docxtpl would make (tests/test_docx_reuse.py):
the body goes through the same steps as ``DocxTemplate.render`` (jinja, the paragraph
markers, line breaks and tabs as Word runs, the table fix, the drawing ids) inside the
same document element, serialised as python-docx does. A template whose headers,
footers, footnotes or document properties hold a placeholder is not taken here (those
parts would change per copy); :mod:`.templates` then keeps using docxtpl for it."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any

__all__ = ["Filler", "ZipEntry", "filler_for", "zip_entry"]

#: (member name, crc32, deflated bytes, uncompressed size)
ZipEntry = tuple[str, int, bytes, int]

_MARK = re.compile(r"<w:p([ >])")
_UNMARK = re.compile(r"\n<w:p([ >])")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_LISTING = ("\t", "\a", "\n", "\f")  # what docxtpl's resolve_listing turns into Word runs
_BODY = "word/document.xml"
_NS_DECL = re.compile(r' xmlns:\w+="[^"]*"')


def zip_entry(name: str, blob: bytes) -> ZipEntry:
    """*blob* deflated (level 6, raw) as a zip member."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return name, zlib.crc32(blob), c.compress(blob) + c.flush(), len(blob)


class Filler:
    """One template version, ready to fill: its jinja body (compiled once), the document
    element around the body, and the other zip members as entries."""

    def __init__(self, tpl: Any, template: Any, entries: list[ZipEntry | None]):
        self.tpl = tpl  # the DocxTemplate (its fix_tables and resolve_listing, its document element)
        self.template = template
        self.entries = entries  # None where the body goes
        # the document part around its body, as text: (before <w:body>, after </w:body>)
        from lxml import etree

        doc = etree.tostring(tpl.docx._element, encoding="unicode")
        self.shell = (doc[: doc.index("<w:body")], doc[doc.rindex("</w:body>") + len("</w:body>"):])

    def body(self, ctx: dict) -> bytes:
        """The document part for *ctx*, as ``DocxTemplate.render`` and python-docx make it."""
        from docx.oxml.ns import nsmap
        from docx.opc.oxml import serialize_part_xml

        tpl = self.tpl
        xml = _UNMARK.sub(r"<w:p\1", self.template.render(ctx))
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if any(ch in xml for ch in _LISTING):  # only the paragraphs holding one (docxtpl does each)
            xml = _PARAGRAPH.sub(lambda m: tpl.resolve_listing(m.group(0)) if any(
                ch in m.group(0) for ch in _LISTING) else m.group(0), xml)
        # the whole document parsed once, the body in place (moving a parsed body into
        # python-docx's element cost more than parsing); the table fix then runs on it
        end = xml.index(">", xml.index("<w:body")) + 1  # the body's own tag repeats the document's namespaces
        head = _NS_DECL.sub(lambda m: "" if m.group(0) in self.shell[0] else m.group(0), xml[:end])
        tree = tpl.fix_tables(self.shell[0] + head + xml[end:] + self.shell[1])
        if "docPr" in xml:
            for n, elt in enumerate(tree.xpath("//wp:docPr", namespaces=nsmap), 1001):
                elt.attrib["id"] = str(n)
        return serialize_part_xml(tree)

    def entries_for(self, ctx: dict) -> list[ZipEntry]:
        body = self.body(ctx)
        return [e if e is not None else zip_entry(_BODY, body) for e in self.entries]


def filler_for(tpl: Any, source: str, env: Any, members: Sequence[tuple[str, bytes]], props: dict[str, Any],
               notes: Sequence[bytes], has_rels: bool) -> Filler | None:
    """A Filler for a template whose copies differ only in the body, else None.

    *tpl* has just made a copy whose zip *members* (name, bytes) were written; *source* is
    the template's patched body as docxtpl renders it; *props* its core properties, *notes*
    its footnote parts, *has_rels* whether it has headers or footers."""
    if has_rels or any("{" in str(v or "") for v in props.values()) or any(b"{" in n for n in notes):
        return None
    if [name for name, _ in members].count(_BODY) != 1:
        return None
    template = env.from_string(_MARK.sub(r"\n<w:p\1", source))
    entries: list[ZipEntry | None] = [None if name == _BODY else zip_entry(name, blob) for name, blob in members]
    return Filler(tpl, template, entries)
