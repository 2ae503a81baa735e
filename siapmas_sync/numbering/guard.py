"""The number guard: before a cycle assigns any agenda number, what the sheet shows is
compared with what the ledger knows.

An agenda number is never given twice. The ledger's year counters decide the next number,
so a ledger that lags the sheet — a fresh database on a new PC, a replaced disk, an old
backup put back — would hand out numbers the sheet already shows. While the sheet is read,
every agenda number it shows (status column *No. Agenda* of the response tab, ``Buku
Agenda``, ``Riwayat``, ``Kendali``) is collected; then:

* a number above the ledger's counter for its year is a number the ledger does not know:
  the cycle assigns nothing and stops with advice to run ``siapmas-sync recover``;
* a response row the ledger does not know that already shows a number the ledger does know
  was numbered and then changed (its timestamp or answers edited, or a copy pasted): it is
  not numbered again; the row is reported for the operator to check;
* independently, the next number of a year is never below the highest number of that year
  the sheet shows (:attr:`NumberCheck.floors`).

Everything here is plain data in, plain data out; the engine feeds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import LedgerError
from ..core.models import RowError
from .template import agenda_pattern


def read_number(pattern: re.Pattern[str], text: str) -> tuple[int, int] | None:
    """(year, seq) of a displayed agenda number, or None when it is not one of ours."""
    m = pattern.match(text.strip())
    if not m or "year" not in m.groupdict() or m["year"] is None:
        return None
    return int(m["year"]), int(m["seq"])


def _numbers_by_year(texts: Iterable[str], pattern: re.Pattern[str]) -> dict[int, list[int]]:
    """Year → the sequence numbers of the texts that are agenda numbers (as
    :func:`read_number` reads each): one regex pass over all of them, since a 100,000-row
    sheet shows 100,000 numbers every cycle. The pattern is anchored (``^…$``); joined by
    newlines and matched per line it reads the same texts, a text with a line break of its
    own being no number either way."""
    lines = re.compile(pattern.pattern, pattern.flags | re.MULTILINE)
    seq_at, year_at = lines.groupindex["seq"] - 1, lines.groupindex.get("year", 0) - 1
    if year_at < 0:
        return {}
    joined = "\n".join(t for t in (x.strip() for x in texts) if "\n" not in t)
    by_year: dict[str, list[str]] = {}
    for groups in lines.findall(joined):
        by_year.setdefault(groups[year_at], []).append(groups[seq_at])
    return {int(year): [int(seq) for seq in seqs] for year, seqs in by_year.items()}


class ShownNumbers:
    """The agenda numbers a sheet shows, collected while it is read (each text once).

    ``numbered_rows``: (sheet row, number shown) of response rows that the ledger does not
    know but whose status column already shows a number."""

    def __init__(self) -> None:
        self.texts: set[str] = set()
        self.numbered_rows: list[tuple[int, str]] = []

    def add(self, text: str) -> None:
        if text:
            self.texts.add(text)


@dataclass
class NumberCheck:
    """What the sheet shows compared with the ledger (see the module docstring)."""

    unknown: dict[int, list[int]] = field(default_factory=dict)  # year → numbers above its counter
    floors: dict[int, int] = field(default_factory=dict)  # year → highest number the sheet shows
    changed_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, number) to skip

    def row_errors(self) -> list[RowError]:
        return [RowError(row, f"Baris {row}: sudah bernomor {number}, tetapi isinya tidak lagi sama dengan "
                              f"aduan {number} di buku besar (cap waktu atau jawaban diubah?); tidak diberi nomor baru.")
                for row, number in self.changed_rows]

    def refusal(self, counters: Mapping[int, int]) -> LedgerError | None:
        """The error that stops numbering, when the sheet shows numbers the ledger lacks."""
        if not self.unknown:
            return None
        parts = []
        for year in sorted(self.unknown):
            nums = sorted(self.unknown[year])
            shown = ", ".join(str(n) for n in nums[:5]) + (" …" if len(nums) > 5 else "")
            last = counters.get(year, 0)
            known = f"buku besar baru sampai nomor {last}" if last else "buku besar ini belum memberi nomor tahun itu"
            parts.append(f"tahun {year}: nomor {shown} ({known})")
        return LedgerError(
            "Spreadsheet menampilkan nomor agenda yang tidak dikenal buku besar ("
            + "; ".join(parts) + "). Tidak ada nomor baru yang diberikan, agar tidak ada nomor ganda.",
            "Buku besar ini tertinggal dari spreadsheet (basis data baru, disk diganti, atau cadangan lama "
            "dipulihkan). Jalankan `siapmas-sync recover` untuk mengambil nomor dari spreadsheet, "
            "lalu `siapmas-sync sync`.",
        )


def check_shown(shown: ShownNumbers, pattern: re.Pattern[str], counters: Mapping[int, int]) -> NumberCheck:
    """Compare the numbers *shown* on the sheet with the ledger's *counters* (year → last
    number given)."""
    out = NumberCheck()
    for year, seqs in _numbers_by_year(shown.texts, pattern).items():
        out.floors[year] = max(seqs)
        last = counters.get(year, 0)
        above = [seq for seq in seqs if seq > last]
        if above:
            out.unknown[year] = above
    for row, text in shown.numbered_rows:
        number = read_number(pattern, text)
        if number is not None and number[1] <= counters.get(number[0], 0):
            out.changed_rows.append((row, text))
    return out


__all__ = ["NumberCheck", "ShownNumbers", "agenda_pattern", "check_shown", "read_number"]
