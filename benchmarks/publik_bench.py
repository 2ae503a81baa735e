"""What the public status page (publik/) costs on a large ledger: CPU-seconds of
``PublicStatus.publish`` for the first publication, an unchanged ledger, and the cycles
that follow one change (a new item and a stage move; a stage move alone).

Builds the ledger directly (rekap_bench.build: bulk inserts of corpus responses moved
along the SOP), or copies one given with ``--ledger``; each publication runs with a fresh
``PublicStatus`` (as each worker process does) and is timed with ``time.process_time``.
A measurement, not a test: nothing is asserted.

    .venv/bin/python benchmarks/publik_bench.py --items 10000,100000 [--profile DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import rekap_bench  # noqa: E402

from siapmas_sync.config import load_settings  # noqa: E402
from siapmas_sync.cycle.engine import build_workflow  # noqa: E402
from siapmas_sync.ledger import Ledger, utc_iso  # noqa: E402
from siapmas_sync.ledger.schema import events, items, responses  # noqa: E402  (seeding one new item)
from siapmas_sync.publik import PublicStatus  # noqa: E402


def new_item(ledger: Ledger, seq: int, at: datetime) -> None:
    """One more numbered aduan, as numbering records it (response, item, two events)."""
    key = f"{seq:064x}"
    with ledger.tx() as conn:
        conn.execute(responses.insert(), [{"key": key, "content_hash": key, "received_at": utc_iso(at),
                                           "payload": "{}", "duplicate_of": None, "first_seen_at": utc_iso(at)}])
        conn.execute(items.insert(), [{
            "key": key, "year": 2026, "seq": seq, "agenda_no": f"{seq:04d}/SIAPMAS/2026", "registered_at": utc_iso(at),
            "updated_at": utc_iso(at), "tahap": "TERAGENDA", "stage_entered_at": utc_iso(at), "previous_tahap": "DITERIMA",
            "diteruskan_ke": None, "rahasia": False, "sifat": "Biasa", "perihal": "-", "kode_klasifikasi": "000.8.3.4",
            "routing": "{}", "findings": "[]", "evidence": "[]", "documents": "{}", "print_batch": None, "pesan": "",
            "kendali_state": "{}"}])
        conn.execute(events.insert(), [
            {"key": key, "at": utc_iso(at), "event": "DITERIMA", "from_stage": None, "to_stage": "DITERIMA",
             "actor": "Pelapor", "channel": "formulir", "note": ""},
            {"key": key, "at": utc_iso(at), "event": "TERAGENDA", "from_stage": "DITERIMA", "to_stage": "TERAGENDA",
             "actor": "Sistem SIAPMAS", "channel": "sistem", "note": ""}])


def stage_move(ledger: Ledger, seq: int, at: datetime, to: str) -> None:
    """Item *seq* moved to stage *to* (as a Kendali step records it)."""
    item = ledger.find_item(f"{seq:04d}/SIAPMAS/2026")
    with ledger.tx() as conn:
        ledger.update_item(conn, item.key, {"tahap": to, "previous_tahap": item.tahap, "stage_entered_at": at,
                                            "updated_at": at})
        ledger.add_event(conn, item.key, at, to, from_stage=item.tahap, to_stage=to, actor="Operator",
                         channel="kendali")


def measure(label: str, fn: Callable[[], Any], profile: Path | None) -> float:
    prof = cProfile.Profile() if profile else None
    t0 = time.process_time()
    if prof:
        prof.enable()
    fn()
    if prof:
        prof.disable()
        prof.dump_stats(str(profile / f"publik-{label}.prof"))
    return time.process_time() - t0


def run(n: int, work: Path, ledger_copy: Path | None, profile: Path | None) -> None:
    db = work / "siapmas.db"
    t0 = time.perf_counter()
    if ledger_copy:
        shutil.copyfile(ledger_copy, db)
    else:
        rekap_bench.build(db, n)
    config = work / "bench.toml"
    config.write_text('[storage]\ndatabase = "siapmas.db"\n[output]\ndir = "output"\n', encoding="utf-8")
    s = load_settings(config, environ={})
    wf, _cal = build_workflow(s)
    ledger = Ledger(s.database_url())
    print(f"ledger of {n:,} items ready in {time.perf_counter() - t0:.1f} s ({work})")
    now = datetime(2027, 1, 2, 9, 0, tzinfo=s.tz)

    def publish() -> None:
        status = PublicStatus(s, ledger, wf)  # a new worker process each cycle: nothing kept in memory
        status.publish(now)

    figures = {"first publication (nothing kept)": measure(f"{n}-first", publish, profile),
               "ledger unchanged": measure(f"{n}-idle", publish, profile)}
    now += timedelta(minutes=5)
    new_item(ledger, n + 1, now)
    stage_move(ledger, 1, now, "PARAF KASUBAG TU")
    figures["one new item + one stage move"] = measure(f"{n}-change", publish, profile)
    now += timedelta(minutes=5)
    stage_move(ledger, n // 2, now, "DITOLAK")
    figures["one stage move"] = measure(f"{n}-move", publish, profile)
    folder = s.publik_dir()
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(folder.iterdir()) if p.is_file())
    state = [p for p in s.storage.database.parent.iterdir() if "publik" in p.name]
    sizes += "".join(f", {p.name} {p.stat().st_size / 1e6:.1f} MB" for p in state if p.is_file())
    ledger.close()
    load = os.getloadavg()
    print(f"publish() CPU-seconds at {n:,} items (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):")
    for label, cpu in figures.items():
        print(f"  {label:<36} {cpu:7.3f}")
    print(f"  files: {sizes}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", default="10000", help="ledger sizes, comma-separated (e.g. 10000,100000)")
    ap.add_argument("--ledger", type=Path, action="append", default=[],
                    help="copy this ledger instead of building one (once per size, in the order of --items)")
    ap.add_argument("--profile", type=Path, help="write a cProfile of each publication into this folder")
    ap.add_argument("--keep", type=Path, help="keep the work folders under this folder")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.items.split(",") if x.strip()]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    for i, n in enumerate(sizes):
        root = args.keep or Path(tempfile.mkdtemp(prefix="publik-bench-"))
        work = root / str(n)
        work.mkdir(parents=True, exist_ok=True)
        try:
            run(n, work, args.ledger[i] if i < len(args.ledger) else None, args.profile)
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
