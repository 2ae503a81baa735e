"""The public view's row index: where each aduan's row lies in the page and in the CSV
as last written, and a digest of what it shows — so a cycle renders only the rows of
the items that changed and writes the new files by copying the other rows, as byte
ranges, from the files already there (C-speed work: one read and one write of each file).

The public files themselves hold the rendered rows; this index, a private file beside the
ledger (``<database>.publik``), holds no text of theirs. Rows are found by agenda order
((year, seq), unique per item), so the index needs no item keys. It describes the files
only as they were written: their size and modification time are kept and compared, and a
file changed, deleted or of another size since means the rows are made again in full —
as when the index is missing, damaged, of another layout or made under other settings
(:meth:`RowIndex.load` returns None, never an error).

Layout: a magic line; a JSON line (settings digest, token, the files' sizes and times,
their head and tail lengths, the row count, the SHA-256 of the rest); then, one entry per row end to end: the
sort keys and the HTML and CSV rows' lengths (``array('q')``), the 16-byte digests, and
the digests as last written to the public spreadsheet (when known).
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

from ..durable import atomic_write_bytes

MAGIC = b"SIAPMAS publik row index 1 " + sys.byteorder.encode() + b"\n"
DIGEST_SIZE = 16
Piece = bytes | memoryview


def row_digest(html: bytes, csv_line: bytes) -> bytes:
    """What a row shows, in 16 bytes (the page's and the public sheet's fingerprints are
    made of these)."""
    return hashlib.sha256(b"%d\x00%b%b" % (len(html), html, csv_line)).digest()[:DIGEST_SIZE]


def sort_key(year: int, seq: int) -> int:
    """An item's place in agenda order, as one integer."""
    return (year << 32) | seq


@dataclass(frozen=True)
class NewRow:
    """A row rendered this cycle."""

    sort: int  # sort_key(year, seq)
    html: bytes
    csv: bytes
    digest: bytes


@dataclass(frozen=True)
class FileMark:
    """A public file as written: its size and modification time, and the lengths of the
    text before its first row and after its last."""

    size: int
    mtime_ns: int
    head: int
    tail: int

    @classmethod
    def of(cls, path: Path, head: int, tail: int) -> FileMark:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, head, tail)

    def matches(self, path: Path) -> bool:
        try:
            st = path.stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns)


@dataclass
class RowIndex:
    """Every row of the page and the CSV, in agenda order: sort key, lengths, digest."""

    settings: str  # digest of what every row depends on besides the ledger (view.settings_digest)
    token: str = ""  # also kept in the ledger: a ledger restored or replaced since does not match
    sorts: array = field(default_factory=lambda: array("q"))
    html_sizes: array = field(default_factory=lambda: array("q"))
    csv_sizes: array = field(default_factory=lambda: array("q"))
    digests: bytearray = field(default_factory=bytearray)
    html_file: FileMark | None = None
    csv_file: FileMark | None = None
    #: the digest of each row the public spreadsheet holds, as last written there, by its
    #: position (None: not known, write all)
    sheet: bytearray | None = None
    sheet_target: str = ""  # the spreadsheet and tab those were written to

    @property
    def count(self) -> int:
        return len(self.sorts)

    @classmethod
    def of_rows(cls, settings: str, rows: Sequence[NewRow]) -> RowIndex:
        """The index of rows made in full (in agenda order)."""
        return cls(settings, "", array("q", [r.sort for r in rows]), array("q", [len(r.html) for r in rows]),
                   array("q", [len(r.csv) for r in rows]), bytearray(b"".join([r.digest for r in rows])))

    def fingerprint(self, *extra: str) -> str:
        """A digest of every row shown, in order (and of *extra*: the page's title…)."""
        h = hashlib.sha256(self.settings.encode())
        for e in extra:
            h.update(b"\x00" + e.encode("utf-8"))
        h.update(b"\x01" + self.digests)
        return h.hexdigest()

    def splice(self, changed: Sequence[NewRow], html: memoryview, csv_data: memoryview
               ) -> tuple[list[Piece], list[Piece]] | None:
        """Put the rows of changed or new items in place. *html* and *csv_data* are the
        files as written (see :class:`FileMark`); returns the new files' rows as pieces
        (byte ranges of the old files and the new rows), or None when the files do not
        hold the rows this index describes."""
        assert self.html_file is not None and self.csv_file is not None
        html_rows = html[self.html_file.head: len(html) - self.html_file.tail]
        csv_rows = csv_data[self.csv_file.head: len(csv_data) - self.csv_file.tail]
        html_at = list(accumulate(self.html_sizes, initial=0))
        csv_at = list(accumulate(self.csv_sizes, initial=0))
        if html_at[-1] != len(html_rows) or csv_at[-1] != len(csv_rows):
            return None
        html_out: list[Piece] = []
        csv_out: list[Piece] = []
        places: list[tuple[int, bool, NewRow]] = []
        cursor = 0
        for row in sorted(changed, key=lambda r: r.sort):
            pos = bisect_left(self.sorts, row.sort)
            there = pos < self.count and self.sorts[pos] == row.sort
            if there and self.digests[pos * DIGEST_SIZE: (pos + 1) * DIGEST_SIZE] == row.digest:
                continue  # shown as it was: the old bytes stay
            if pos < cursor:  # the same item twice: the ledger gave it once, never happens
                return None
            html_out += [html_rows[html_at[cursor]: html_at[pos]], row.html]
            csv_out += [csv_rows[csv_at[cursor]: csv_at[pos]], row.csv]
            cursor = pos + 1 if there else pos
            places.append((pos, there, row))
        html_out.append(html_rows[html_at[cursor]:])
        csv_out.append(csv_rows[csv_at[cursor]:])
        for pos, there, row in reversed(places):  # from the end: earlier positions stay valid
            d = DIGEST_SIZE
            if there:
                self.html_sizes[pos], self.csv_sizes[pos] = len(row.html), len(row.csv)
                self.digests[pos * d: (pos + 1) * d] = row.digest
            else:
                self.sorts.insert(pos, row.sort)
                self.html_sizes.insert(pos, len(row.html))
                self.csv_sizes.insert(pos, len(row.csv))
                self.digests[pos * d: pos * d] = row.digest  # (self.sheet stays: the sheet has not moved)
        return [p for p in html_out if len(p)], [p for p in csv_out if len(p)]

    def sheet_rows(self) -> list[int]:
        """The rows (0-based) the public spreadsheet does not show as they are now: every
        row when it is not known what it shows."""
        if self.sheet is None:
            return list(range(self.count))
        d, have, now = DIGEST_SIZE, self.sheet, self.digests
        if have == now:
            return []
        written = len(have) // d  # a row put in before the last moves every row after it down a row
        return [i for i in range(self.count) if i >= written or have[i * d: (i + 1) * d] != now[i * d: (i + 1) * d]]

    # --- the file -----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        assert self.html_file is not None and self.csv_file is not None
        body = [self.sorts.tobytes(), self.html_sizes.tobytes(), self.csv_sizes.tobytes(), bytes(self.digests)]
        if self.sheet is not None:
            body.append(bytes(self.sheet))
        header = {"settings": self.settings, "token": self.token, "count": self.count,
                  "sheet": len(self.sheet) // DIGEST_SIZE if self.sheet is not None else -1,
                  "sheet_target": self.sheet_target,
                  "html_file": list(vars(self.html_file).values()), "csv_file": list(vars(self.csv_file).values()),
                  "body": hashlib.sha256(b"".join(body)).hexdigest()}
        atomic_write_bytes(path, [MAGIC, json.dumps(header).encode() + b"\n", *body])

    @classmethod
    def load(cls, path: Path) -> RowIndex | None:
        """The index, or None when it is missing, damaged or of another layout."""
        try:
            return cls._parse(path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
            return None

    @classmethod
    def _parse(cls, data: bytes) -> RowIndex | None:
        if not data.startswith(MAGIC):
            return None
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            return None
        header: dict[str, Any] = json.loads(data[len(MAGIC):end])
        n = int(header["count"])
        body = memoryview(data)[end + 1:]
        sheet = int(header["sheet"])  # rows written to the public spreadsheet (-1: not known)
        if len(body) != n * (3 * 8 + DIGEST_SIZE) + max(sheet, 0) * DIGEST_SIZE \
                or hashlib.sha256(body).hexdigest() != header["body"]:
            return None
        arrays = [array("q"), array("q"), array("q")]
        for i, arr in enumerate(arrays):
            arr.frombytes(body[i * 8 * n: (i + 1) * 8 * n])
        sorts, html_sizes, csv_sizes = arrays
        d = 24 * n + DIGEST_SIZE * n
        return cls(str(header["settings"]), str(header["token"]), sorts, html_sizes, csv_sizes,
                   bytearray(body[24 * n: d]), FileMark(*map(int, header["html_file"])),
                   FileMark(*map(int, header["csv_file"])), bytearray(body[d:]) if sheet >= 0 else None,
                   str(header.get("sheet_target", "")))


def read_if_unchanged(path: Path, mark: FileMark | None) -> memoryview | None:
    """The bytes of a public file as written, or None when it changed since (or is gone)."""
    if mark is None or not mark.matches(path):
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return memoryview(data) if len(data) == mark.size else None

