"""Reading a responses file as spreadsheet programs save it: the text encoding and the
delimiter, decided from the bytes, never guessed.

Owns :func:`read_csv` (rows of cell texts), :func:`decode_export` and :func:`pick_delimiter`.

Encodings, in the order they decide:

1. a byte-order mark: UTF-8 (Google's download, Excel "CSV UTF-8"), UTF-16 LE/BE (Excel
   "Unicode Text", LibreOffice "Unicode");
2. valid UTF-8 without a mark, unless NUL bytes show UTF-16 (Google Forms / Sheets download,
   LibreOffice default); an encoded lone surrogate (a cut emoji) becomes U+FFFD;
3. otherwise detection by charset-normalizer among what spreadsheet programs on an
   Indonesian or Western Windows/Linux PC write without a mark — Windows-1252 (Excel
   "CSV") and UTF-16 without a mark — accepted only below :data:`MAX_CHAOS`. Anything
   else (a damaged UTF-8 file, another code page, a binary file renamed .csv) is refused
   with advice: a wrong guess would garble names and give the same response another
   identity, so another agenda number.

Delimiters: ``,`` (Google, Excel in English locales), ``;`` (Excel in Indonesian and most
European locales, where the comma is the decimal separator) and TAB (Excel "Unicode
Text"). The header row decides: the candidate that splits it into the most configured
question titles wins; without such evidence :class:`csv.Sniffer`, restricted to these
three, decides; otherwise ``,``.

The decoded text is the same whatever the file's encoding, so a response keeps its key
(see :mod:`siapmas_sync.core.intake.rows`) when it is re-exported in another encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import SourceError
from ..core.intake.headers import normalise_title

__all__ = ["read_csv", "decode_export", "pick_delimiter", "DELIMITERS", "FIELD_LIMIT", "MAX_CHAOS"]

DELIMITERS = (",", ";", "\t")
#: encodings tried by detection when there is no byte-order mark and the bytes are not UTF-8
DETECTED = ("cp1252", "utf_16_le", "utf_16_be")
#: the largest share of "mess" (charset-normalizer's chaos ratio) a detected decoding may have
MAX_CHAOS = 0.10
#: characters one CSV field may hold. The csv module's default (131,072) would make a long
#: chronology fail the whole file every cycle; the file is already in memory, so the only
#: bound that matters is the platform's C long (32-bit on Windows).
FIELD_LIMIT = 2**31 - 1

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SNIFF_CHARS = 64 * 1024

_ADVICE = (
    "Unduh ulang jawaban langsung dari Google Formulir (Jawaban → ⋮ → Unduh jawaban (.csv)) "
    "atau dari Google Spreadsheet (File → Download → Nilai yang dipisahkan koma (.csv)); "
    "jika berkas harus disimpan lewat Excel, pilih jenis \"CSV UTF-8 (dibatasi koma)\"."
)


def _refuse(path: Path, what: str) -> SourceError:
    return SourceError(f"Berkas jawaban {path.name} tidak dapat dibaca dengan pasti: {what}.", _ADVICE)


def decode_export(data: bytes, path: Path) -> str:
    """The text of a responses file (see the module docstring for the rules)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise _refuse(path, f"berkas bertanda {encoding.upper()} tetapi isinya rusak") from None
    if not _looks_utf16(data):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:  # UTF-8 whose only flaw is an encoded lone surrogate (a cut emoji in a bad export)
            data.decode("utf-8", errors="surrogatepass")
        except UnicodeDecodeError:
            pass
        else:  # replaced as this reader always did, so such rows keep their keys
            return data.decode("utf-8", errors="replace")
    best = from_bytes(data, cp_isolation=list(DETECTED), threshold=MAX_CHAOS).best()
    if best is None or best.encoding not in DETECTED:
        raise _refuse(path, "bukan UTF-8, UTF-16 maupun Windows-1252 (Excel \"CSV\"), "
                            "atau sebagian isinya rusak")
    return str(best)


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a mark: mostly-Latin text leaves a NUL in every other byte (a stray
    NUL in a UTF-8 file, which the reader drops, does not count)."""
    head = data[:4096]
    half = max(1, len(head) // 2)
    return max(head[0::2].count(0), head[1::2].count(0)) / half > 0.3


def _title_hits(cells: Iterable[str], wanted: set[str]) -> int:
    """How many header cells are configured question titles (exactly or as a word prefix,
    as the header mapping matches them)."""
    hits = 0
    for cell in cells:
        t = normalise_title(cell)
        if t and any(t == w or t.startswith(w + " ") for w in wanted):
            hits += 1
    return hits


def pick_delimiter(text: str, titles: Iterable[str] = ()) -> str:
    """The delimiter of *text*: by the configured question titles in its header row, else
    by :class:`csv.Sniffer` restricted to :data:`DELIMITERS`, else ``,``."""
    sample = text[:_SNIFF_CHARS]
    wanted = {w for w in (normalise_title(t) for t in titles) if w}
    if wanted:
        scores = {}
        for d in DELIMITERS:
            header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=d), [])
            scores[d] = _title_hits(header, wanted)
        best = max(DELIMITERS, key=lambda d: scores[d])  # ties: the earlier (",") wins
        if scores[best] >= 2:  # the timestamp and one question at least
            return best
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def read_csv(path: Path, titles: Iterable[str] = ()) -> list[list[str]]:
    """Rows of a responses file as Google Forms, Sheets, Excel or LibreOffice save it.
    *titles*: the configured question titles, which decide the delimiter."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(
            f"Berkas jawaban {path} tidak dapat dibaca: {exc.strerror}",
            "Periksa [source] responses di konfigurasi; unduh ulang dari Google Formulir "
            "(Jawaban → Unduh jawaban (.csv)).",
        ) from None
    text = decode_export(data, path).replace("\x00", "")
    delimiter = pick_delimiter(text, titles)
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise SourceError(f"Berkas jawaban {path.name} bukan CSV yang sah: {exc}.", _ADVICE) from None
