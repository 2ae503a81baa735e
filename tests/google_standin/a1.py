"""A1 notation as the Sheets v4 API reads and writes it.

Parsing accepts what clients send ("'Form Responses 1'!A2:F", "Sheet1!A:A", "A1",
"'D3'!1:1", "$A$1:$B$2", a bare sheet name).  Formatting reproduces what Google
returns: the sheet name is quoted only when it is not a plain identifier or when it
could be mistaken for a cell reference (gspread cassettes show ``Sheet1!A1:D4`` but
``'D3'!A1:D4`` and ``'Test ClientTest test_import_csv'!A1:Z1000``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")
_R1C1_LIKE = re.compile(r"^[Rr][0-9]*[Cc][0-9]*$")
_PART = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]+)?$")


class RangeParseError(ValueError):
    """The text is not an A1 range (Google: 'Unable to parse range: ...')."""


def col_letters(col: int) -> str:
    """1-based column number -> letters (1 -> A, 27 -> AA)."""
    if col < 1:
        raise ValueError(col)
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def quote_sheet(title: str) -> str:
    """Sheet name as Google prints it in returned ranges."""
    if _PLAIN_NAME.match(title) and not _CELL_LIKE.match(title) and not _R1C1_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split "'My sheet'!A1:B2" into (sheet, cells).  Either may be None.

    A text without "!" is returned as (None, text): the caller decides whether it
    names a sheet or is a range on the first sheet.
    """
    text = text.strip()
    if text.startswith("'"):
        i, name = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(ch)
            i += 1
        else:
            raise RangeParseError(text)
        rest = text[i + 1:]
        if rest == "":
            return "".join(name), None
        if not rest.startswith("!"):
            raise RangeParseError(text)
        return "".join(name), rest[1:] or None
    if "!" in text:
        sheet, _, cells = text.rpartition("!")
        return sheet, cells or None
    return None, text


@dataclass
class CellSpan:
    """A rectangle in 1-based inclusive coordinates; None means open-ended."""

    r1: int
    c1: int
    r2: int | None
    c2: int | None
    single: bool = False  # written as one cell ("A1")


def parse_cells(text: str) -> CellSpan:
    """Parse the cell part of an A1 range ("A1", "A2:F", "A:A", "1:3", "A2:2")."""
    text = text.strip()
    if not text:
        raise RangeParseError(text)
    if ":" in text:
        a, _, b = text.partition(":")
        ma, mb = _PART.match(a), _PART.match(b)
        if not ma or not mb or not a or not b:
            raise RangeParseError(text)
        ca, ra = ma.group(1), ma.group(2)
        cb, rb = mb.group(1), mb.group(2)
        if not (ca or ra) or not (cb or rb):
            raise RangeParseError(text)
        # "A:1" style mixes are not valid A1.
        if (ca and not ra and rb and not cb) or (ra and not ca and cb and not rb):
            raise RangeParseError(text)
        c1 = col_number(ca) if ca else 1
        r1 = int(ra) if ra else 1
        c2 = col_number(cb) if cb else None
        r2 = int(rb) if rb else None
        if (ra and int(ra) < 1) or (rb and int(rb) < 1):
            raise RangeParseError(text)
        if c2 is not None and c2 < c1:
            c1, c2 = c2, c1
        if r2 is not None and r2 < r1:
            r1, r2 = r2, r1
        return CellSpan(r1, c1, r2, c2)
    m = _PART.match(text)
    if not m or not m.group(1) or not m.group(2) or int(m.group(2)) < 1:
        raise RangeParseError(text)
    c, r = col_number(m.group(1)), int(m.group(2))
    return CellSpan(r, c, r, c, single=True)


def format_cells(r1: int, c1: int, r2: int, c2: int) -> str:
    first = f"{col_letters(c1)}{r1}"
    if r1 == r2 and c1 == c2:
        return first
    return f"{first}:{col_letters(c2)}{r2}"


def format_range(title: str, r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{quote_sheet(title)}!{format_cells(r1, c1, r2, c2)}"
