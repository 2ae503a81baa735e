"""Text for WordprocessingML: what a Word copy may hold (docx_text), one-line values,
the institution's name and the check boxes; shared by every Word document's context."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from siapmas_sync.core.models import Kop

__all__ = ["CHECKED", "UNCHECKED", "box", "docx_text", "lembaga", "line", "sanitise"]

CHECKED = "☒"
UNCHECKED = "☐"

_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")


def docx_text(value: object) -> str:
    """*value* as text WordprocessingML can hold: NFC, ``\\n`` line breaks, no control chars.

    Tabs stay (docxtpl turns them into Word tabs); lone surrogates become U+FFFD; the
    XML-forbidden U+FFFE/U+FFFF and other control characters are dropped.
    """
    if value is None:
        return ""
    s = _NEWLINES.sub("\n", unicodedata.normalize("NFC", str(value)))
    if s.replace("\n", " ").replace("\t", " ").isprintable():  # no Cc, Cs, U+FFFE/U+FFFF: kept as is
        return s
    out: list[str] = []
    for ch in s:
        if ch in "\n\t":
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or ch in "\ufffe\uffff":
            continue
        out.append("\ufffd" if cat == "Cs" else ch)
    return "".join(out)


def line(value: object) -> str:
    """:func:`docx_text` on one line, whitespace collapsed."""
    return " ".join(docx_text(value).split())


def sanitise(value: Any) -> Any:
    """Deep copy of a context with every string passed through :func:`docx_text`."""
    if isinstance(value, str):
        return docx_text(value)
    if isinstance(value, Mapping):
        return {str(k): sanitise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitise(v) for v in value]
    return value


def lembaga(kop: Kop) -> str:
    """'DPRD Kabupaten Mojokerto' from 'SEKRETARIAT DPRD KABUPATEN MOJOKERTO'."""
    words = line(kop.instansi).split()
    if words and words[0].lower() == "sekretariat":
        words = words[1:]
    keep = {"DPRD", "DPR", "RI", "UPT", "OPD"}
    return " ".join(w if w.upper() in keep else w[:1].upper() + w[1:].lower() for w in words)


def box(on: bool) -> str:
    return CHECKED if on else UNCHECKED
