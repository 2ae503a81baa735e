#!/usr/bin/env python
"""Many DPRDs against one Google Cloud project: N tenants (200 by default) served by two
`siapmas-sync run` worker processes sharing one PostgreSQL, against the Google stand-in
enforcing Google's published quotas (Sheets: 300 read and 300 write requests per minute per
project, 60 per minute per user per project; Drive: see tests/google_standin/quotas.py).
Each tenant has its own service account (its own "user" for the per-user quota), sheet and
evidence folder; all of them share the project quota.

    python benchmarks/tenants_bench.py                  # 200 tenants, 2 workers, time ×5
    python benchmarks/tenants_bench.py --tenants 50 --speed 10 --intervals 2

Time is compressed by --speed: the cycle interval (5 minutes) and the quota minute are
both divided by it, so the request *rates* Google would see are unchanged. Prints figures,
asserts nothing: did every tenant get its cycle within the interval, how many quota
rejections (429 / Drive 403), the project-wide request rate, requests per cycle.
PostgreSQL: SIAPMAS_TEST_PG_SERVER, or a private cluster started (and stopped) here.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from tests.crash_support import TimedStandin  # noqa: E402
from tests.google_standin.quotas import Quotas  # noqa: E402
from tests.tenant_support import plain, write_deployment  # noqa: E402
from tests.worlds import HEADER  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")
INTERVAL_MINUTES = 5


def pg_database(tmp: Path) -> tuple[str, Path | None]:
    from tests import pgcluster

    server = os.environ.get("SIAPMAS_TEST_PG_SERVER")
    base = None
    if not server:
        base = Path(tempfile.mkdtemp(prefix="siapmas-pg-bench-"))
        server = pgcluster.start(base)
    name = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(plain(server) + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", base


def make_tenants(tmp: Path, standin: TimedStandin, n: int, with_responses: int, speed: float = 1.0) -> dict[str, Path]:
    configs = {}
    for i in range(n):
        t = f"t{i:03d}"
        folder = tmp / "tenants" / t
        folder.mkdir(parents=True)
        email = f"siapmas-{t}@dprd-bench.iam.gserviceaccount.com"
        key = standin.make_service_account_key(email)
        (folder / "service-account.json").write_text(__import__("json").dumps(key), encoding="utf-8")
        evidence = standin.create_folder(f"Bukti {t}", share_with=[(email, "reader")])
        rows = [HEADER]
        if i < with_responses:
            base = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
            for k in range(2):
                rows.append([(base + timedelta(minutes=k)).strftime("%d/%m/%Y %H:%M:%S"), f"Warga {t} {k}", "", "",
                             f"Aduan {k} untuk {t}: jalan rusak di desa.", ""])
        sid = standin.create_spreadsheet(f"SIAPMAS {t}", {"Form Responses 1": rows}, share_with=[(email, "writer")])
        cfg = folder / "siapmas.toml"
        cfg.write_text(
            f'[source]\nbackend = "google"\nspreadsheet_id = "{sid}"\nevidence_folder_id = "{evidence}"\n'
            f'credentials = "service-account.json"\ngoogle_endpoint = "{standin.url}"\n'
            'retry_base_seconds = 0.2\ntimeout_seconds = 30\n'
            '[output]\ndir = "var/output"\nprint_batch = false\n'
            f'[kop]\ninstansi = "SEKRETARIAT DPRD {t.upper()}"\n'
            # the idle check's windows compressed like the interval (defaults 5 and 60 minutes)
            f'[schedule]\ndrive_lag_minutes = {5 / speed:g}\nfull_read_minutes = {60 / speed:g}\n', encoding="utf-8")
        configs[t] = cfg
    return configs


def rolling_peak(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tenants", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--speed", type=float, default=5.0, help="time compression (interval and quota minute ÷ speed)")
    ap.add_argument("--intervals", type=int, default=2, help="measured intervals after the warm-up (every tenant's first cycle)")
    ap.add_argument("--with-responses", type=int, default=20, help="tenants that start with 2 new responses")
    args = ap.parse_args()

    interval = INTERVAL_MINUTES * 60 / args.speed
    minute = 60 / args.speed
    tmp = Path(tempfile.mkdtemp(prefix="siapmas-tenants-bench-"))
    url, pg_base = pg_database(tmp)
    quotas = Quotas(window=minute)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        with TimedStandin(quotas=quotas) as standin:
            t0 = time.monotonic()
            configs = make_tenants(tmp, standin, args.tenants, args.with_responses, args.speed)
            print(f"{args.tenants} tenants prepared in {time.monotonic() - t0:.1f} s "
                  f"(interval {interval:g} s = {INTERVAL_MINUTES} min ÷ {args.speed:g}; quota minute {minute:g} s)")
            dep = write_deployment(tmp / "deployment.toml", url, configs, lease_seconds=2 * interval)
            env = {k: v for k, v in os.environ.items() if not k.startswith("SIAPMAS_")}
            env.update({"SIAPMAS_TEST_INTERVAL_SECONDS": str(interval), "PYTHONPATH": str(REPO)})
            logs = []
            for w in range(args.workers):
                err = (tmp / f"worker{w}.err").open("wb")
                logs.append(err)
                workers.append(subprocess.Popen([sys.executable, "-m", "siapmas_sync", "--config", str(dep), "run"],
                                                stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=tmp))
            start = time.monotonic()
            seen: dict[str, list[datetime]] = defaultdict(list)
            holder_of: dict[str, str] = {}
            measured_from = None  # server time once every tenant had its first cycle (warm-up)
            measured_start = end = start + 3600.0
            with psycopg.connect(plain(url), autocommit=True) as conn:
                while time.monotonic() < end:
                    try:
                        rows = conn.execute("SELECT tenant, holder, last_cycle_at, now() FROM siapmas.tenant_leases").fetchall()
                    except psycopg.errors.UndefinedTable:
                        rows = []
                    for tenant, holder, last, _now in rows:
                        if holder:
                            holder_of[tenant] = holder
                        if last is not None and (not seen[tenant] or seen[tenant][-1] != last):
                            seen[tenant].append(last)
                    if measured_from is None and rows and all(seen.get(t) for t in configs):
                        measured_from = rows[0][3]
                        measured_start = time.monotonic()
                        end = measured_start + args.intervals * interval
                        print(f"warm-up (every tenant's first cycle) took {measured_start - start:.1f} s")
                    time.sleep(0.5)
                server_end = conn.execute("SELECT now()").fetchone()[0]
            for p in workers:
                p.send_signal(signal.SIGTERM)
            for p in workers:
                p.wait(120)
            for f in logs:
                f.close()
            cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            timed = standin.timed_requests()
    finally:
        for p in workers:
            if p.poll() is None:
                p.kill()
        if pg_base is not None:
            from tests import pgcluster

            pgcluster.stop(pg_base)
            shutil.rmtree(pg_base, ignore_errors=True)

    # --- figures -----------------------------------------------------------------------
    assert measured_from is not None
    slack = 0.10
    late, never, gaps_all = [], [], []
    cycles_measured = 0
    for t in configs:
        times = seen.get(t, [])
        inside = [x for x in times if x >= measured_from]
        cycles_measured += len(inside)
        if not inside:
            never.append(t)
        # gaps between consecutive cycles, counting from the start of the measured window and to its end
        points = [measured_from] + inside + [server_end]
        gaps = [(b - a).total_seconds() for a, b in zip(points, points[1:])]
        gaps_all.extend(gaps)
        if max(gaps) > interval * (1 + slack):
            late.append((t, max(gaps)))
    never = [t for t in never if any(x == t for x, _g in late)]  # a window shorter than the interval is no miss
    per_worker = Counter(holder_of.values())
    steady = [(ts, r) for ts, r in timed if ts >= measured_start]
    span = max(1e-9, min(end, timed[-1][0] if timed else end) - measured_start)
    steady = [(ts, r) for ts, r in steady if ts <= end]
    groups: dict[str, list[float]] = defaultdict(list)
    for ts, r in steady:
        kind = "sheets_read" if r.api == "sheets" and r.method == "GET" else "sheets_write" if r.api == "sheets" else r.api
        groups[kind].append(ts)
    all_429 = sum(1 for _ts, r in timed if r.status == 429)
    drive_403 = sum(n for (api, _s, _g), n in quotas.rejected.items() if api == "drive")

    print()
    print(f"Workers: {args.workers}; tenants per worker at the end: {sorted(per_worker.values())}")
    print(f"Worker CPU (both, user+sys): {cpu.ru_utime + cpu.ru_stime:.1f} s over {(time.monotonic() - start):.0f} s")
    print(f"Measured window: {args.intervals} intervals of {interval:g} s after the warm-up")
    print(f"Every tenant cycled within the interval (+{slack:.0%}): "
          f"{'YES' if not late and not never else 'NO'} — {args.tenants - len(late)}/{args.tenants} on time, "
          f"{len(late)} late (worst gap {max((g for _t, g in late), default=0):.1f} s; {len(never)} of them never cycled)")
    if gaps_all:
        print(f"Gap between a tenant's cycles: max {max(gaps_all):.1f} s, mean {sum(gaps_all) / len(gaps_all):.1f} s")
    print(f"Cycles in the measured window: {cycles_measured} ({cycles_measured / max(1, args.tenants):.2f} per tenant)")
    print(f"Quota rejections, whole run: Sheets 429 = {all_429} "
          f"(by kind: {dict(quotas.rejected) or 'none'}); Drive 403 rate-limit = {drive_403}")
    print()
    print("Project-wide request rate in the measured window, per Google minute (limit: Sheets 300 read / 300 write):")
    print(f"{'requests':<14} {'total':>7} {'mean/min':>9} {'peak/min':>9} {'per cycle':>10}")
    for kind in ("sheets_read", "sheets_write", "drive"):
        ts = groups.get(kind, [])
        mean = len(ts) / span * minute
        print(f"{kind:<14} {len(ts):>7} {mean:>9.1f} {rolling_peak(ts, minute):>9} "
              f"{len(ts) / max(1, cycles_measured):>10.2f}")
    print(f"\nworker logs: {tmp}/worker*.err")


if __name__ == "__main__":
    main()
