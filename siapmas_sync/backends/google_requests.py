"""The shape of what the Google backend sends — A1 ranges, grid growth, chunks, Drive
query literals — kept within Google's published constraints, as plain functions.

Sources (tests/google_standin/README.md lists each with how the stand-in enforces it):
* cells per spreadsheet: 10 million ("Files you can store in Google Drive",
  support.google.com/drive/answer/37603); growing past it is a 400 "This action would
  increase the number of cells in the workbook above the limit of 10000000 cells.";
* characters per cell: 50,000 (same page) — the write plan already cuts text at
  :data:`siapmas_sync.core.sheetplan.CELL_MAX`, below both this and Excel's 32,767;
* request payload: Sheets refuses bodies over 10 MB ("Request payload size exceeds the
  limit: 10485760 bytes.") and its usage-limits page recommends 2 MB at most;
* Drive query strings: values are quoted with ``'`` and ``\\`` escapes ``'`` and ``\\``
  (Drive "Search query terms");
* uploads: ``uploadType=multipart`` is for files of 5 MB or less, larger ones resumable
  (Drive "Upload file data").
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import SourceError
from ..core.models import CellUpdate
from ..core.sheetplan import a1_column

SHEETS_MAX_CELLS = 10_000_000
#: bytes of JSON per values:batchUpdate (Google recommends at most 2 MB per request)
WRITE_PAYLOAD_BUDGET = 2_000_000
#: cells a large write-back sends while the rest is still planned (cycle/sheetwrite.py):
#: about 20 MB of planned cells in the worker and a few requests of the budget above each,
#: instead of 540,000 cells (≈ 180 MB) held at once for a first write-back of 10,000 items
WRITE_PART_CELLS = 100_000
#: larger uploads go resumable
MULTIPART_MAX_BYTES = 5 * 1024 * 1024


def drive_literal(value: str) -> str:
    """A string literal for a Drive ``q``: quoted, with ``\\`` and ``'`` escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _json_bytes(value: Any) -> int:
    """An upper bound of the bytes *value* takes in the JSON body (ASCII escapes for
    everything else, as requests' json= writes it; 12 bytes covers a surrogate pair)."""
    if isinstance(value, str):
        return len(value) + 4 if value.isascii() else 12 * len(value) + 4
    return 24


def chunk_updates(updates: Sequence[CellUpdate], budget: int = WRITE_PAYLOAD_BUDGET) -> Iterator[list[CellUpdate]]:
    """Cell updates in groups whose JSON stays under *budget* bytes, cut only between rows
    (so one row is never split over two requests). Usually a single group: one request."""
    ordered = sorted(updates, key=lambda u: (u.tab, u.row, u.col))
    chunk: list[CellUpdate] = []
    size = 0
    last_row: tuple[str, int] | None = None
    for u in ordered:
        cost = _json_bytes(u.value) + 8
        row = (u.tab, u.row)
        if chunk and row != last_row and size + cost > budget:
            yield chunk
            chunk, size = [], 0
        chunk.append(u)
        size += cost
        last_row = row
    if chunk:
        yield chunk


def check_cell_budget(grid: Mapping[str, tuple[int, int]], spreadsheet_id: str) -> None:
    """Refuse, with advice, a grid growth that would take the spreadsheet past Google's
    cell limit (Google would refuse the whole write-back with a bare 400)."""
    total = sum(rows * cols for rows, cols in grid.values())
    if total <= SHEETS_MAX_CELLS:
        return
    biggest = sorted(grid.items(), key=lambda kv: kv[1][0] * kv[1][1], reverse=True)[:3]
    listing = ", ".join(f"{t} ({r:,} × {c} = {r * c:,})".replace(",", ".") for t, (r, c) in biggest)
    raise SourceError(
        f"Spreadsheet {spreadsheet_id} akan melewati batas Google {SHEETS_MAX_CELLS:,} sel".replace(",", ".")
        + f" jika tab register ditambah barisnya (terbesar: {listing}). Status tidak ditulis; nomor agenda tetap aman di basis data.",
        "Hapus baris/kolom kosong yang tidak terpakai di tab-tab itu, atau pindahkan (arsipkan) tab jawaban/Riwayat "
        "tahun lalu ke spreadsheet lain, lalu jalankan sync lagi.",
    )


def quote_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def grid_after(meta: Mapping[str, Any], requests_: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """Rows and columns of every tab once *requests_* (addSheet / appendDimension) apply."""
    grid = {t.title: (t.rows, t.cols) for t in meta.values()}
    by_id = {t.sheet_id: t.title for t in meta.values()}
    for req in requests_:
        if "addSheet" in req:
            p = req["addSheet"]["properties"]
            g = p["gridProperties"]
            grid[p["title"]] = (g["rowCount"], g["columnCount"])
        elif "appendDimension" in req:
            a = req["appendDimension"]
            title = by_id[a["sheetId"]]
            r, c = grid[title]
            grid[title] = (r + a["length"], c) if a["dimension"] == "ROWS" else (r, c + a["length"])
    return grid


def new_sheet_id(title: str, taken: set[int]) -> int:
    """A stable sheet id for a tab we create (so one request can create and decorate it)."""
    sid = zlib.crc32(title.encode("utf-8")) % 2_000_000_000 + 1
    while sid in taken:
        sid += 1
    return sid


def ranges_for(updates: Sequence[CellUpdate]) -> list[dict[str, Any]]:
    """Group cell updates into as few A1 ranges as possible: contiguous cells of a row
    form a run; consecutive rows with the same run span form one block."""
    by_row: dict[tuple[str, int], dict[int, Any]] = {}
    for u in updates:
        by_row.setdefault((u.tab, u.row), {})[u.col] = u.value
    runs: list[tuple[str, int, int, list[Any]]] = []  # tab, row, col0, values
    for (tab, row), cells in sorted(by_row.items()):
        cols = sorted(cells)
        start = prev = cols[0]
        vals = [cells[start]]
        for c in cols[1:]:
            if c == prev + 1:
                vals.append(cells[c])
            else:
                runs.append((tab, row, start, vals))
                start, vals = c, [cells[c]]
            prev = c
        runs.append((tab, row, start, vals))
    blocks: list[tuple[str, int, int, list[list[Any]]]] = []
    for tab, row, col0, vals in runs:
        if blocks:
            btab, brow, bcol, bvals = blocks[-1]
            if btab == tab and bcol == col0 and brow + len(bvals) == row and len(bvals[-1]) == len(vals):
                bvals.append(vals)
                continue
        blocks.append((tab, row, col0, [vals]))
    out = []
    for tab, row, col0, rows in blocks:
        a = f"{a1_column(col0)}{row + 1}"
        b = f"{a1_column(col0 + len(rows[0]) - 1)}{row + len(rows)}"
        out.append({"range": f"{quote_tab(tab)}!{a}:{b}", "majorDimension": "ROWS", "values": [[_raw(v) for v in r] for r in rows]})
    return out


def _raw(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (int, float, bool, str)):
        return v
    return str(v)
