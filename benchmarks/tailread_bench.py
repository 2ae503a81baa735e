#!/usr/bin/env python
"""The read → merge → compare part of a change read on a large sheet, on synthetic data
(issue 22): what a change cycle costs in the worker before anything is rendered.

    python benchmarks/tailread_bench.py                  # 100,000 rows
    python benchmarks/tailread_bench.py --rows 10000,100000 --profile

A Kendali tab of N rows (the key and the ten editable columns, realistic texts: a
Perihal line per row, stage labels, AKD, Sifat, an unticked Rahasia) and a Pemberitahuan
tab of N WhatsApp rows (ID, Terkirim, Oleh), as Sheets sends them for the change read's
ranges. One operator edit on an old Kendali row, one tick on an old Pemberitahuan row and
one new row at the end of each, since the last read. Printed, per N, in CPU-seconds of
this process (``time.process_time``):

* *row by row*: the ranges in ROWS major dimension, parsed event by event and each row
  made whole and fingerprinted (``DigestReader``), every row's editable cells compared
  with its last written state — what the change read did before, and what a full read
  still does;
* *columns*: the ranges in COLUMNS major dimension parsed natively
  (``valuestream.read_value_columns``), compared column by column with the columns kept
  from the last read (``tailread.changed_rows``), only the rows that differ judged, plus
  keeping this read's columns for the next (``SeenColumns`` written and read back).

Also the bytes of each reply, plain and gzip-encoded (what Google sends a client whose
User-Agent says gzip), and in a second pass the peak memory each path allocates
(tracemalloc). The stand-in, the ledger and the network are left out: this is the CPU of
the merge and compare.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import pstats
import random
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from siapmas_sync.backends.valuestream import read_value_columns, read_value_ranges  # noqa: E402
from siapmas_sync.core.kendali_sheet import (  # noqa: E402
    EDITABLE, KENDALI_COLUMNS, KENDALI_TAB, StoredStates, find_edits, kendali_reader, written_state,
)
from siapmas_sync.core.sheetplan import UNREAD  # noqa: E402
from siapmas_sync.cycle.tailread import (  # noqa: E402
    OPERATOR_COLUMNS, ColumnRuns, SeenColumns, column_runs,
)
from siapmas_sync.notify.pemberitahuan import (  # noqa: E402
    PEMBERITAHUAN_COLUMNS, PEMBERITAHUAN_TAB, TERKIRIM, find_ticks, pemberitahuan_reader,
)

STAGES = ("TERAGENDA", "DIDISPOSISI", "DITERUSKAN KE AKD", "DITINDAKLANJUTI", "SELESAI")
AKD = ("Komisi I", "Komisi II", "Komisi III", "Komisi IV", "Bapemperda")
WORDS = "jalan rusak lampu padam pupuk langka banjir irigasi sekolah puskesmas bantuan sosial desa dusun".split()


class _Reply:
    """What ``requests.Response.iter_content`` gives: the body in 64 KiB pieces, decoded."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def iter_content(self, chunk_size: int = 1 << 16):
        raw = gzip.decompress(self.body)
        for a in range(0, len(raw), chunk_size):
            yield raw[a : a + chunk_size]


def make_tabs(n: int, seed: int = 7) -> dict[str, list[list[Any]]]:
    """Per tab, its rows (header first) as the sheet holds them."""
    rnd = random.Random(seed)
    kendali = [list(KENDALI_COLUMNS)]
    for i in range(n):
        row: list[Any] = [""] * len(KENDALI_COLUMNS)
        row[0] = f"{i + 1:05d}/SIAPMAS/2026"
        cells = {"Perihal": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 10))).capitalize(),
                 "Tahap": rnd.choice(STAGES), "Diteruskan ke": rnd.choice(AKD), "Sifat": "Biasa", "Rahasia": False,
                 "Harap": rnd.choice(("", "Untuk ditindaklanjuti"))}
        for c, v in cells.items():
            row[KENDALI_COLUMNS.index(c)] = v
        kendali.append(row)
    wa = [list(PEMBERITAHUAN_COLUMNS)]
    for i in range(n):
        row = [""] * len(PEMBERITAHUAN_COLUMNS)
        row[0] = f"WA-{i + 1}"
        row[PEMBERITAHUAN_COLUMNS.index("Terkirim")] = i % 3 == 0
        wa.append(row)
    return {KENDALI_TAB: kendali, PEMBERITAHUAN_TAB: wa}


def reply(tabs: dict[str, list[list[Any]]], major: str) -> bytes:
    """The compact batchGet reply for the change read's operator-column ranges."""
    ranges = []
    for tab, rows in tabs.items():
        for a, b in column_runs(rows[0], OPERATOR_COLUMNS[tab]):
            block = [[r[c] if c < len(r) else "" for c in range(a, b + 1)] for r in rows]
            if major == "COLUMNS":
                block = [list(col) for col in zip(*block)]
            trimmed = []
            for line in block:
                while line and line[-1] in ("", None):
                    line = line[:-1]
                trimmed.append(line)
            while trimmed and not trimmed[-1]:
                trimmed.pop()
            ranges.append({"range": f"'{tab}'!{a}:{b}", "majorDimension": major, "values": trimmed})
    return json.dumps({"spreadsheetId": "x", "valueRanges": ranges}, ensure_ascii=False,
                      separators=(",", ":")).encode()


def states_of(rows: list[list[Any]]) -> dict[str, str]:
    """Kendali: agenda → the state last written (as the ledger keeps it, JSON text)."""
    idx = [KENDALI_COLUMNS.index(c) for c in EDITABLE]
    return {r[0]: json.dumps(written_state(dict(zip(EDITABLE, (r[i] for i in idx)))), ensure_ascii=False)
            for r in rows[1:]}


def row_by_row(body: bytes, tabs: dict[str, list[list[Any]]], states: dict[str, str]) -> tuple[int, int]:
    """The ROWS reply, each range's rows made whole and fingerprinted, every row judged."""
    readers, parts = [], {}
    for tab, rows in tabs.items():
        runs = column_runs(rows[0], OPERATOR_COLUMNS[tab])
        parts[tab] = (runs, [_Rows() for _ in runs])
        readers += parts[tab][1]
    read_value_ranges(_Reply(body), readers)  # type: ignore[arg-type]
    out = {}
    for tab, (runs, got) in parts.items():
        reader = kendali_reader() if tab == KENDALI_TAB else pemberitahuan_reader()
        header = tabs[tab][0]
        reader.header(header)
        for i in range(max(len(g.rows) for g in got)):
            row: list[Any] = [UNREAD] * len(header)
            for (a, b), g in zip(runs, got):
                cells = list(g.rows[i][: b - a + 1]) if i < len(g.rows) else []
                row[a : b + 1] = cells + [None] * (b - a + 1 - len(cells))
            reader.row(row)
        out[tab] = reader.result()
    edits = find_edits(out[KENDALI_TAB], StoredStates(states))
    ticks = find_ticks(out[PEMBERITAHUAN_TAB], wa_ledger(out[PEMBERITAHUAN_TAB].row_of))
    return len(edits), len(ticks)


def wa_ledger(keys: Any) -> dict[int, str]:
    """Message id → ledger state: the rows ticked at the last read were recorded as sent."""
    return {int(k[3:]): TERKIRIM if (int(k[3:]) - 1) % 3 == 0 else "menunggu" for k in keys}


class _Rows:
    def __init__(self) -> None:
        self.rows: list[Any] = []

    def header(self, header: Any) -> None:
        pass

    def row(self, row: Any) -> None:
        self.rows.append(row)

    def result(self) -> None:
        return None


def by_columns(body: bytes, tabs: dict[str, list[list[Any]]], states: dict[str, str],
               seen: SeenColumns | None) -> tuple[int, int, SeenColumns]:
    """The COLUMNS reply, compared with the columns kept from the last read."""
    got = read_value_columns(_Reply(body))  # type: ignore[arg-type]
    out, at = {}, 0
    for tab, rows in tabs.items():
        runs = column_runs(rows[0], OPERATOR_COLUMNS[tab])
        c = ColumnRuns(rows[0], runs, kendali_reader() if tab == KENDALI_TAB else pemberitahuan_reader())
        for i in range(len(runs)):
            c.take(i, got[at])
            at += 1
        assert c.matches()
        out[tab] = c.result(seen.tabs.get(tab) if seen is not None else None)
    k = out[KENDALI_TAB]
    judged = k.keys_to_judge()
    edits = find_edits(k, StoredStates({a: states[a] for a in (judged if judged is not None else states)
                                        if a in states}))
    w = out[PEMBERITAHUAN_TAB]
    keys = w.keys_to_judge()
    ticks = find_ticks(w, wa_ledger(keys if keys is not None else w.row_of))
    kept = SeenColumns.of(out, {})
    kept = SeenColumns.loads(kept.dumps(), kept.token)
    assert kept is not None
    return len(edits), len(ticks), kept


def one_size(n: int, profile: bool) -> None:
    before = make_tabs(n)
    states = states_of(before[KENDALI_TAB])
    after = {t: [list(r) for r in rows] for t, rows in before.items()}
    # since the last read: an operator edit on an old row, a tick on an old message, a new row each
    after[KENDALI_TAB][n // 3][KENDALI_COLUMNS.index("Sifat")] = "Segera"
    new = list(after[KENDALI_TAB][1])
    new[0] = f"{n + 1:05d}/SIAPMAS/2026"
    after[KENDALI_TAB].append(new)
    states[new[0]] = states[after[KENDALI_TAB][1][0]]
    after[PEMBERITAHUAN_TAB][n // 2 + 3][PEMBERITAHUAN_COLUMNS.index("Terkirim")] = True
    after[PEMBERITAHUAN_TAB].append([f"WA-{n + 1}"] + [""] * (len(PEMBERITAHUAN_COLUMNS) - 1))
    bodies = {m: gzip.compress(reply(after, m), 6) for m in ("ROWS", "COLUMNS")}
    plain = {m: len(reply(after, m)) for m in ("ROWS", "COLUMNS")}
    _, _, seen = by_columns(gzip.compress(reply(before, "COLUMNS"), 6), before, states, None)  # the last read

    prof = cProfile.Profile() if profile else None
    t0 = time.process_time()
    slow = row_by_row(bodies["ROWS"], after, states)
    t1 = time.process_time()
    if prof:
        prof.enable()
    first = by_columns(bodies["COLUMNS"], after, states, None)[:2]
    t2 = time.process_time()
    fast = by_columns(bodies["COLUMNS"], after, states, seen)[:2]
    t3 = time.process_time()
    if prof:
        prof.disable()
    assert slow == first == fast == (1, 1), (slow, first, fast)  # the same edit and tick found each way
    peaks = {}  # a second pass, for memory only (tracemalloc slows what it traces)
    for name, run in (("row by row", lambda: row_by_row(bodies["ROWS"], after, states)),
                      ("columns, kept", lambda: by_columns(bodies["COLUMNS"], after, states, seen))):
        tracemalloc.start()
        run()
        peaks[name] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    print(f"{n:,} rows (Kendali + Pemberitahuan): "
          f"reply ROWS {plain['ROWS'] / 1e6:.2f} MB ({len(bodies['ROWS']) / 1e6:.2f} MB gzip), "
          f"COLUMNS {plain['COLUMNS'] / 1e6:.2f} MB ({len(bodies['COLUMNS']) / 1e6:.2f} MB gzip)")
    print(f"  row by row (before): {t1 - t0:.3f} CPU-s | columns, no columns kept: {t2 - t1:.3f} CPU-s | "
          f"columns, compared with those kept: {t3 - t2:.3f} CPU-s")
    print(f"  peak memory allocated while reading and comparing (tracemalloc): row by row {peaks['row by row']:.0f} MB"
          f" | columns, compared with those kept {peaks['columns, kept']:.0f} MB (the kept columns held too)")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="100000", help="comma-separated sheet sizes")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    for n in (int(x) for x in args.rows.split(",") if x):
        one_size(n, args.profile)


if __name__ == "__main__":
    main()
