"""How long `siapmas-sync rekap --tahun` takes on a year of 10,000 items.

Builds a ledger directly (bulk inserts, no rendering: the recap is what is measured) with
a year of corpus responses spread over 2026, each item moved along the SOP by a random
number of steps at realistic times (most steps within the 10-minute standard, some late),
a share decided for an AKD, rejected, asked for more or marked rahasia. Then it runs the
real CLI once in a subprocess, and the phases in-process, and prints the times. A
measurement, not a test: nothing is asserted.

    .venv/bin/python benchmarks/rekap_bench.py [--items 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import corpus  # noqa: E402

from siapmas_sync.ledger import Ledger, utc_iso  # noqa: E402
from siapmas_sync.ledger.schema import events, items, responses  # noqa: E402  (bulk seeding, 10,000 rows)
from siapmas_sync.core.workflow import default_workflow  # noqa: E402

AKD = ["Komisi I", "Komisi II", "Komisi III", "Komisi IV", "Badan Kehormatan", "Pimpinan/Bamus"]


def build(db: Path, n: int, seed: int = 13) -> None:
    rnd = random.Random(seed)
    wf = default_workflow()
    main = [s.label for s in wf.main]
    end = datetime(2026, 12, 31, 20, 0, tzinfo=corpus.WIB)
    rows = corpus.response_rows(n, seed=seed, start=end, span=timedelta(days=364))
    ledger = Ledger(f"sqlite:///{db}")
    resp, its, evs = [], [], []
    for seq, (ts, nama, tel, email, kron, _b) in enumerate(rows, 1):
        key = f"{seq:064x}"
        received = ts
        payload = {"key": key, "content_hash": key, "received_at": received.isoformat(), "nama": nama,
                   "telepon": str(tel), "email": email, "kronologi": kron, "bukti_urls": [], "email_pengumpul": "",
                   "extra": [["Desa/Kecamatan", ""]], "findings": [], "source_row": seq + 1}
        resp.append({"key": key, "content_hash": key, "received_at": utc_iso(received), "payload": json.dumps(payload),
                     "duplicate_of": None, "first_seen_at": utc_iso(received)})
        t = received + timedelta(minutes=rnd.randint(1, 30))
        evs.append({"key": key, "at": utc_iso(received), "event": "DITERIMA", "from_stage": None, "to_stage": "DITERIMA",
                    "actor": "Pelapor", "channel": "formulir", "note": ""})
        evs.append({"key": key, "at": utc_iso(t), "event": "TERAGENDA", "from_stage": "DITERIMA", "to_stage": "TERAGENDA",
                    "actor": "Sistem SIAPMAS", "channel": "sistem", "note": ""})
        stage, akd = 1, None
        for _ in range(rnd.choice([0, 1, 2, 3, 5, 6, 7, 7, 7])):
            t += timedelta(minutes=rnd.choice([3, 5, 8, 9, 12, 25, 90, 600]))
            nxt = main[stage + 1]
            if nxt == "DICATAT & DIDISTRIBUSIKAN":
                akd = rnd.choice(AKD)
            evs.append({"key": key, "at": utc_iso(t), "event": nxt, "from_stage": main[stage], "to_stage": nxt,
                        "actor": "Operator", "channel": "kendali", "note": ""})
            stage += 1
        tahap = main[stage]
        if stage < 8 and rnd.random() < 0.05:
            t += timedelta(minutes=7)
            evs.append({"key": key, "at": utc_iso(t), "event": "DITOLAK", "from_stage": tahap, "to_stage": "DITOLAK",
                        "actor": "Operator", "channel": "kendali", "note": "Bukan kewenangan"})
            tahap = "DITOLAK"
        findings = [{"code": "bukti", "message": "Bukti dukung belum dilampirkan", "severity": "kurang"}] \
            if rnd.random() < 0.2 else []
        its.append({"key": key, "year": 2026, "seq": seq, "agenda_no": f"{seq:04d}/SIAPMAS/2026",
                    "registered_at": utc_iso(received), "updated_at": utc_iso(t), "tahap": tahap,
                    "stage_entered_at": utc_iso(t), "previous_tahap": None, "diteruskan_ke": akd,
                    "rahasia": rnd.random() < 0.03, "sifat": "Biasa", "perihal": kron[:90],
                    "kode_klasifikasi": "000.8.3.4",
                    "routing": json.dumps({"tujuan": rnd.choice(AKD), "label": "", "matched": [], "alasan": ""}),
                    "findings": json.dumps(findings), "evidence": "[]", "documents": "{}", "print_batch": None,
                    "pesan": "", "kendali_state": "{}"})
    with ledger.tx() as conn:
        conn.execute(responses.insert(), resp)
        conn.execute(items.insert(), its)
        conn.execute(events.insert(), evs)
    ledger.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="rekap-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "siapmas.db"
    if db.exists():
        db.unlink()
    config = work / "bench.toml"
    config.write_text('[storage]\ndatabase = "siapmas.db"\n[output]\ndir = "output"\n', encoding="utf-8")
    t0 = time.perf_counter()
    build(db, args.items)
    print(f"ledger of {args.items:,} items built in {time.perf_counter() - t0:.1f} s ({work})")

    env = {**os.environ, "PYTHONPATH": str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "siapmas_sync", "--config", str(config), "rekap", "--tahun", "2026"],
                       capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    print(r.stdout.strip() or r.stderr.strip())
    print(f"`rekap --tahun 2026` on {args.items:,} items: {wall:.2f} s wall (one process, including start-up)")

    # the phases, in-process
    from siapmas_sync.config import load_settings
    from siapmas_sync.cycle.engine import build_workflow
    from siapmas_sync.rekap.figures import Period, compute, trend_months
    from siapmas_sync.rekap.kecamatan import is_place_title
    from siapmas_sync.rekap.pdf import Signer, render_pdf
    from siapmas_sync.rekap.source import fetch_rows
    from siapmas_sync.rekap.xlsx import render_xlsx

    s = load_settings(config)
    wf, cal = build_workflow(s)
    period = Period.year(2026)
    lo, hi = period.bounds(s.tz)
    ledger = Ledger(s.database_url())
    t = time.perf_counter()
    rows = fetch_rows(ledger, min(lo, datetime.combine(trend_months(period)[0], datetime.min.time(), s.tz)), hi,
                      place_title=is_place_title)
    t_fetch = time.perf_counter() - t
    t = time.perf_counter()
    fig = compute(rows, period, wf=wf, cal=cal, tz=s.tz, now=datetime.now(s.tz))
    t_compute = time.perf_counter() - t
    holders = {st.label: st.actor for st in wf.stages}
    t = time.perf_counter()
    render_pdf(fig, kop=s.kop_value(), signer=Signer(), stage_holders=holders, tanggal=datetime.now(s.tz).date())
    t_pdf = time.perf_counter() - t
    t = time.perf_counter()
    render_xlsx(fig, stage_holders=holders)
    t_xlsx = time.perf_counter() - t
    ledger.close()
    print(f"phases: ledger read {t_fetch:.2f} s ({len(rows.items):,} items, {len(rows.moves):,} moves), "
          f"figures {t_compute:.2f} s, PDF with charts {t_pdf:.2f} s, XLSX {t_xlsx:.2f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
