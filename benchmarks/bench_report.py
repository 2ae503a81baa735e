"""bench.py, part 3: the Markdown report (README "Performance") and the cProfile tops."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench_common import QUOTA_PER_MINUTE
from change_scenario import change_table
from idle_scenario import idle_table
from naive_scenario import NAIVE_STATUS


# --- formatting ---------------------------------------------------------------------------------

def ok(flag: bool | None) -> str:
    return "–" if flag is None else ("✓" if flag else "✗")


def fmt_s(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def naive_model(naive: dict[str, Any] | None, n: int) -> dict[str, Any] | None:
    """Naive requests and time for n rows: measured when n was the naive run's size, else
    extrapolated from it.

    writes(n)   = 1 header write + n × (measured successful writes per row, i.e. 8)
    requests(n) = 3 reads (open_by_key, worksheet, get_all_values; + 1 get_all_values per
                  extra cycle) + writes(n) + the 429s
    time(n)     = (writes(n) − 60) / 60 minutes — the quota floor: the first minute's 60
                  writes are free, then at most 60 per minute — stretched by the naive
                  backoff's measured overshoot (measured time / floor of the measured run)
    429s(n)     = measured 429s per quota window × windows(n)"""
    if not naive or "writes" not in naive:
        return None
    m = naive["n"]
    if n == m:
        return {"requests": naive["sheets"], "seconds": naive["seconds"], "r429": naive["sheets_429"],
                "extrapolated": False}
    if n == 0:
        return {"requests": 3, "seconds": 0.0, "r429": 0, "extrapolated": True}
    ok_writes_m = naive["writes"] - naive.get("write_429", naive["sheets_429"])
    per_row = (ok_writes_m - 1) / m if m else len(NAIVE_STATUS)
    writes = 1 + per_row * n
    floor_m = max(0.0, (ok_writes_m - QUOTA_PER_MINUTE) / QUOTA_PER_MINUTE * 60)
    stretch = naive["seconds"] / floor_m if floor_m >= 60 else 1.0
    windows = max(0.0, (writes - QUOTA_PER_MINUTE) / QUOTA_PER_MINUTE)
    seconds = windows * 60 * stretch
    r429 = naive["sheets_429"] / max(1.0, floor_m / 60) * windows
    reads = 4
    return {"requests": int(round(writes + reads + r429)), "seconds": seconds, "r429": int(round(r429)),
            "extrapolated": True, "stretch": stretch}


def work_cycles(s: dict[str, Any]) -> list[dict[str, Any]]:
    """Cycles that did work (numbered, rendered, failed or were cut); for N=0 the first."""
    cycles = s.get("cycles", [])
    work = [c for c in cycles if c["worker"].get("new") or c["worker"].get("rendered") or c.get("killed")
            or not c["worker"].get("ok")]
    return work or cycles[:1]


def failure(w: dict[str, Any]) -> str:
    """'MemoryError in Engine._print_batch' from a worker result."""
    import re

    err = (w.get("error") or "error").split(":", 1)[0]
    frames = re.findall(r'siapmas_sync/([\w/]+)\.py", line \d+, in (\w+)', w.get("traceback") or "")
    engine_frames = [f for m, f in frames if m == "engine" and f != "cycle"]
    where = engine_frames[-1] if engine_frames else (frames[-1][1] if frames else "")
    return f"{err} in Engine.{where}" if engine_frames else (f"{err} in {where}" if where else err)


def cpu_of(c: dict[str, Any]) -> float:
    w = c["worker"]
    return (w.get("cpu_self_s") or 0.0) + (w.get("cpu_children_s") or 0.0)


def backlog_figures(s: dict[str, Any], cpus: int) -> dict[str, Any]:
    n = s["n"]
    cyc = s.get("cycles", [])
    work = work_cycles(s)
    killed = any(c.get("killed") for c in cyc)
    failed = [failure(c["worker"]) for c in cyc if not c["worker"].get("ok")]
    numbered = sum(c["worker"].get("new") or 0 for c in cyc)
    rendered = sum(c["worker"].get("rendered") or 0 for c in cyc)
    # a failed or cut cycle has no report: the ledger says what it did
    for c in cyc:
        led = c.get("ledger_after") or {}
        if not led and c.get("progress"):
            last = c["progress"][-1]
            led = {"items": last[1], "rendered": last[2]}
        numbered = max(numbered, led.get("items", 0))
        rendered = max(rendered, led.get("rendered", 0))
    written = any(c["worker"].get("ok") and c["worker"].get("cells_written") for c in cyc)
    wall = sum(c["wall"] for c in work)
    cpu = sum(cpu_of(c) for c in work)
    workers = max((c["worker"].get("pool_workers") or 1) for c in work) if (n and work) else 0
    complete = (not killed) and numbered == n and rendered == n and not failed
    first = work[0] if work else None
    return {
        "n": n, "cycles": len(cyc), "work": work, "killed": killed, "failed": failed, "numbered": numbered,
        "written": written or n == 0, "print_batch": s.get("print_batch", True),
        "first_wall": first["wall"] if first else 0.0, "first_cpu": cpu_of(first) if first else 0.0,
        "rendered": rendered, "complete": complete, "wall": wall, "cpu": cpu, "workers": workers,
        "subs_s": rendered / wall if wall else 0.0,
        # the same up to the write-back: the Word copies come after it (Engine._make_salinan)
        "salinan_s": (sal := sum((c["worker"].get("phases") or {}).get("salinan", 0.0) for c in work)),
        "subs_s_status": rendered / (wall - sal) if wall > sal else 0.0,
        # CPU up to the write-back: without the print batch and the Word copies after it
        "cpu_after": (after := sum((c["worker"].get("phases_cpu") or {}).get(k, 0.0)
                                   for c in work for k in ("print_batch", "salinan"))),
        "subs_cpu_status": rendered / (cpu - after) if cpu > after and after else 0.0,
        "subs_cpu_s": rendered / cpu if cpu else 0.0,
        "sheets": [c["sheets"] for c in work], "drive": [c["drive"] for c in work],
        "r429": sum(c["sheets_429"] for c in cyc),
        "rss": max((c["worker"].get("rss_self_mb") or 0) for c in cyc) if cyc else 0,
        "rss_children": max((c["worker"].get("rss_children_mb") or 0) for c in cyc) if cyc else 0,
        "load": max((max(c["worker"].get("load_before") or [0])) for c in work) if work else 0,
    }


def print_report(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines: list[str] = []
    p = lines.append
    m = results["machine"]
    cpus = m.get("cpus") or 1
    p("## Performance")
    p("")
    code = results.get("code") or {}
    code_txt = ""
    if code.get("commit"):
        code_txt = (f" Product code: commit {code['commit'].split(' ')[0]}"
                    + (f" plus uncommitted changes to {', '.join(code['dirty'])}" if code.get("dirty") else "")
                    + (" (live working tree)" if code.get("live") else f", snapshotted at the start (tree {code.get('tree_sha256')})")
                    + ".")
    p(f"Measured {results['started']} with `python benchmarks/bench.py {results['argv']}` on "
      f"{cpus} CPU ({m.get('cpu_model', '?')}), {m.get('mem_gb', '?')} GB RAM, "
      f"{m.get('implementation')} {m.get('python')}, {m.get('platform')}; gspread {m.get('gspread')}, "
      f"reportlab {m.get('reportlab')}. Google = the loopback stand-in (real gspread / googleapiclient / "
      f"google-auth) enforcing the Sheets quota of {QUOTA_PER_MINUTE} requests per minute per account "
      f"(reads and writes counted apart). One cycle = one `siapmas-sync sync` process; product defaults "
      f"(print batch {'on' if args.print_batch else '**off**'}, DOCX on, render workers "
      f"{args.render_workers if args.render_workers is not None else 'one per core'}, retry base 1 s, timeout "
      f"{args.timeout:g} s). Chronologies 200–1500 characters, 25 % of responses with 1–3 Drive files "
      f"(85 % {args.image_px}×{args.image_px * 3 // 4} JPEG photos).{code_txt}")
    p("")
    figs = [backlog_figures(s, cpus) for s in results["backlog"] if s.get("cycles")]
    errors = [s for s in results["backlog"] if not s.get("cycles")]
    p("| Backlog N | Cycles | Sheets req / cycle | Drive req / cycle | Sheets 429s | Wall | Submissions/s | PDFs/s "
      "| Render workers | Submissions per CPU-second | Peak RSS worker (largest render process) |")
    p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    mixed = len({f["print_batch"] for f in figs}) > 1
    for f in figs:
        n = f["n"]
        label = f"{n:,}" + ((" (print batch on)" if f["print_batch"] else " (print batch off)") if mixed else "")
        wall = fmt_s(f["wall"])
        subs, subs_cpu = f"{f['subs_s']:.1f}", f"{f['subs_cpu_s']:.1f}"
        pdfs = f"{3 * f['subs_s']:.1f}"
        if f["killed"]:
            cut = next((c for c in f["work"] if c.get("killed")), None)
            when = ""
            for t, _items, done in (cut or {}).get("progress") or []:
                if done >= n:
                    when = f", all rendered after {fmt_s(t)}"
                    break
            batched = ((cut or {}).get("ledger_after") or {}).get("batched")
            wall = (f"> {wall}: **cut** at the time budget; {f['numbered']:,} numbered and {f['rendered']:,} rendered"
                    f"{when}{f', {batched:,} in print batches' if batched is not None else ''}; "
                    f"{'some' if f['written'] else 'nothing'} written to the sheet")
            subs = subs_cpu = pdfs = "–"
        elif f["failed"]:
            wall = (f"**failed** in {len(f['failed'])} of {len(f['failed'])} cycles: {f['failed'][0]} "
                    f"(cycle 1 {fmt_s(f['first_wall'])}); {f['numbered']:,} numbered and {f['rendered']:,} rendered "
                    f"in the ledger, {'some' if f['written'] else 'nothing'} written to the sheet")
            # rates up to the failure are not end-to-end: leave them out of this row
            subs = subs_cpu = pdfs = "–"
        known = [c for c in f["work"] if c["worker"].get("rss_self_mb")]
        rss = f"{f['rss']:.0f} MB ({f['rss_children']:.0f} MB)" if known else "– (killed: no report)"
        workers = "–" if (not n or not known) else f["workers"]
        p(f"| {label} | {f['cycles']} | {' + '.join(map(str, f['sheets']))} | {' + '.join(map(str, f['drive']))} | "
          f"{f['r429']} | {wall} | {subs} | {pdfs} | {workers} | {subs_cpu} | {rss} |")
    for s in errors:
        p(f"| {s.get('n', '?'):,} | scenario error: {s.get('error', '?')} |" + " |" * 9)
    p("")
    p("Cycles counts the confirming idle cycle at the end; the request and time figures are for the "
      "cycle(s) that did the work. Submissions/s = submissions numbered, rendered (3 PDFs + 2 DOCX) and written "
      "back, divided by the wall time of the worker process(es), so it includes Python start-up, registration, "
      "the print batch and write-back. Submissions per CPU-second = the same count over the CPU time of the "
      "worker plus its render processes: the per-core rate, unaffected by other load on the machine.")
    loads = [f["load"] for f in figs if f["n"]]
    if loads and max(loads) > cpus * 0.75:
        p("")
        p(f"**Shared machine:** the 1-minute load average was up to {max(loads):.1f} on {cpus} CPUs when the "
          "work cycles started (other processes), so wall-clock rates are lower than on an idle machine; "
          "the per-CPU-second figures are not affected.")
    p("")
    naive = results.get("naive")
    if naive and "writes" in naive:
        p("| Backlog N | Our Sheets requests | Naive Sheets requests | Requests naive ÷ ours | Our wall time "
          "| Naive time under quota | Time naive ÷ ours | Naive 429s |")
        p("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for f in figs:
            n = f["n"]
            nm = naive_model(naive, n)
            if not nm or not n:
                continue
            done = not f["killed"] and not f["failed"]
            ours = sum(f["sheets"])
            ex = " (extrapolated)" if nm["extrapolated"] else ""
            rr = f"{nm['requests'] / ours:,.0f}×" if ours and done else "–"
            tr = f"{nm['seconds'] / f['wall']:,.1f}×" if f["wall"] and done else "–"
            our_wall = fmt_s(f["wall"]) if done else ("cut" if f["killed"] else "failed")
            if not done:
                ours = "–"
            label = f"{n:,}" + ((" (print batch on)" if f["print_batch"] else " (print batch off)") if mixed else "")
            p(f"| {label} | {ours} | {nm['requests']:,}{ex} | {rr} | {our_wall} | {fmt_s(nm['seconds'])}{ex} "
              f"| {tr} | {nm['r429']:,}{ex} |")
        p("")
        p(f"Naive = the common gspread script: `get_all_values()` per cycle and `update_cell()` for each of the "
          f"{len(NAIVE_STATUS)} status cells of each new row, sleeping 1 s, 2 s, 4 s … 64 s on each 429. Measured on "
          f"N={naive['n']:,} ({naive['sheets']:,} requests: {naive['reads']:,} reads, {naive['writes']:,} writes, "
          f"{naive['sheets_429']:,} answered 429; {fmt_s(naive['seconds'])}); other sizes extrapolated from that run "
          "at 60 writes per minute after the first minute, stretched by the measured backoff overshoot. Its time is "
          "Sheets I/O only — no rendering, no Buku Agenda / Riwayat / Kendali tabs — so the ratios flatter it.")
        p("")
    elif naive:
        p(f"Naive baseline failed: {naive.get('error')}")
        p("")
    lines.extend(idle_table(results.get("idle_sizes") or ([results["idle"]] if results.get("idle") else [])))
    lines.extend(change_table(results.get("change") or {}))
    idle = results.get("idle")
    if idle and "idle" in idle:
        c = idle["idle"]
        w = c["worker"]
        p("| Idle cycle (every row already registered) | Sheets requests | Drive requests | Cells written | Wall | "
          "CPU | Peak RSS worker | Downloaded per cycle |")
        p("|---|---:|---:|---:|---:|---:|---:|---:|")
        p(f"| {idle['rows']:,} response rows (+ {idle['rows']:,} Buku Agenda, {2 * idle['rows']:,} Riwayat, "
          f"{idle['rows']:,} Kendali rows) | {c['sheets']} | {c['drive']} | {w.get('cells_written')} | {fmt_s(c['wall'])} | "
          f"{cpu_of(c):.1f} s | {w.get('rss_self_mb', 0):.0f} MB | {w.get('http', {}).get('bytes_down', 0) / 1e6:.0f} MB |")
        p("")
    elif idle:
        p(f"Idle scenario failed: {idle.get('error')}")
        p("")
    # --- targets
    p("| Target | Measured | |")
    p("|---|---|:-:|")
    idle_counts = []
    for s in results["backlog"]:
        for c in s.get("cycles", []):
            w = c["worker"]
            if w.get("ok") and not w.get("new") and not w.get("rendered"):
                idle_counts.append((f"N={s['n']:,} sheet", c["sheets"]))
                break
    if idle and "idle" in idle:
        idle_counts.append((f"{idle['rows']:,}-row sheet", idle["idle"]["sheets"]))
    if idle_counts:
        worst = max(v for _, v in idle_counts)
        p(f"| Idle cycle ≤ 2 Sheets requests at any sheet size | {', '.join(f'{k}: {v}' for k, v in idle_counts)} "
          f"| {ok(worst <= 2)} |")
    per = [(f"{f['n']:,}" + ((" (print batch on)" if f["print_batch"] else " (print batch off)") if mixed else "")
            + (" (failed before writing)" if f["failed"] else ""), max(f["sheets"])) for f in figs if f["n"]]
    if per:
        vals = [v for _, v in per]
        p(f"| Sheets requests per cycle independent of backlog | {', '.join(f'N={n}: {v}' for n, v in per)} "
          f"(at most metadata + batchGet + grid growth + values:batchUpdate) | {ok(max(vals) <= 4)} |")
    big = [f for f in figs if f["n"] and f["complete"]]
    if big:
        f = max(big, key=lambda x: (x["n"], not x["print_batch"]))
        mb = next((x["microbench"] for x in sorted(results["backlog"], key=lambda x: -x["n"]) if x.get("microbench")), None)
        extra = (f"; rendering alone, one core: {mb['pdf_only']['subs_per_s']:.1f} (3 PDFs), "
                 f"{mb['pdf_docx']['subs_per_s']:.1f} (3 PDFs + 2 DOCX)") if mb else ""
        pb = "" if not mixed else (", print batch on" if f["print_batch"] else ", print batch off")
        status = (f"{f['subs_cpu_status']:.1f} per CPU-second for number + three PDFs + write-back, "
                  if f["subs_cpu_status"] else "")
        p(f"| ≥ 60 submissions/s per core with all three PDFs | {status}{f['subs_cpu_s']:.1f} per CPU-second for the "
          f"whole cycle incl. print batch and Word copies, at N={f['n']:,}{pb} ({f['subs_s_status']:.1f}/s wall up to "
          f"the write-back, {f['subs_s']:.1f}/s wall for the whole cycle on {f['workers']} render workers)"
          f"{extra} | {ok((f['subs_cpu_status'] or f['subs_cpu_s']) >= 60)} |")
    tenk = [f for f in figs if f["n"] >= 10_000]
    for f in tenk:
        pb = "" if not mixed else (" (print batch on)" if f["print_batch"] else " (print batch off)")
        if f["complete"]:
            state = f"complete in {fmt_s(f['wall'])}, written back in one cycle"
        elif f["killed"]:
            state = "cut at the time budget"
        elif f["failed"]:
            state = (f"**not completed**: every cycle failed with {f['failed'][0]} before write-back "
                     f"({f['numbered']:,} numbered and {f['rendered']:,} rendered in the ledger, "
                     f"{'some' if f['written'] else 'none'} on the sheet)")
        else:
            state = "incomplete"
        p(f"| 10,000 backlog fully processed with 0 quota 429s{pb} | {f['r429']} × 429; {state} "
          f"| {ok(f['r429'] == 0 and f['complete'])} |")
    if not tenk:
        p("| 10,000 backlog fully processed with 0 quota 429s | not run (add 10000 to --sizes) | – |")
    if idle and "idle" in idle:
        rss = idle["idle"]["worker"].get("rss_self_mb", 0)
        full = idle["rows"] >= 100_000
        p(f"| Peak RSS < 300 MB with a 100,000-row sheet | {rss:.0f} MB with {idle['rows']:,} rows"
          f"{'' if full else ' (a smaller sheet than the target)'} | {ok(rss < 300) if full else ok(None)} |")
    p("")
    # --- details
    p("<details><summary>Where the time goes (seconds in the worker process) and scenario durations</summary>")
    p("")
    p("| Cycle | Sheets read + parse | register (ledger) | evidence (Drive) | render (PDF) | print batch | write-back plan | "
      "Sheets write | Word copies | cycle | process wall | CPU | Peak RSS | Sheets bytes down / up |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def phase_row(label: str, c: dict[str, Any]) -> None:
        w = c["worker"]
        ph = w.get("phases", {})
        g = lambda k: ph.get(k, 0.0)  # noqa: E731
        http = w.get("http", {})
        p(f"| {label} | {g('sheets_read'):.2f} | {g('register') - g('evidence'):.2f} | "
          f"{g('evidence'):.2f} | {g('render'):.2f} | {g('print_batch'):.2f} | {g('write_back') - g('sheets_write'):.2f} | "
          f"{g('sheets_write'):.2f} | {g('salinan'):.2f} | {w.get('t_cycle', 0):.2f} | {c['wall']:.2f} | {cpu_of(c):.1f} | "
          f"{w.get('rss_self_mb', 0):.0f} MB | {http.get('bytes_down', 0) / 1e6:.1f} MB / {http.get('bytes_up', 0) / 1e6:.1f} MB |")

    for s in results["backlog"]:
        for i, c in enumerate(s.get("cycles", [])):
            pb = "" if s.get("print_batch", True) else ", no print batch"
            phase_row(f"N={s['n']:,}{pb} cycle {i + 1}" + (f" (failed: {failure(c['worker'])})" if not c["worker"].get("ok") else ""), c)
    if idle and "idle" in idle:
        phase_row(f"idle {idle['rows']:,}: settle", idle["settle"])
        phase_row(f"idle {idle['rows']:,}: measured", idle["idle"])
    p("")
    durations = [f"backlog {s['n']:,}: {fmt_s(s.get('scenario_seconds', 0))}" for s in results["backlog"]]
    if idle:
        durations.append(f"idle {idle.get('rows', 0):,}: {fmt_s(idle.get('scenario_seconds', 0))}")
    if naive and "scenario_seconds" in naive:
        durations.append(f"naive {naive['n']:,}: {fmt_s(naive['scenario_seconds'])} (ran beside the others)")
    p("Scenario durations (setup + all cycles): " + "; ".join(durations) + ".")
    p("")
    if idle and "setup" in idle:
        st = idle["setup"]
        p(f"Idle setup (not a measured cycle): {st['new']:,} rows registered and written back in "
          f"{fmt_s(st['seconds'])} ({st['sheets']} Sheets requests, {st['cells_written']:,} cells); {st['note']}.")
        p("")
    for s in results["backlog"]:
        mb = s.get("microbench")
        if mb:
            p(f"One-core render micro-benchmark (N={s['n']:,}, {mb['items']} registered items, in one process, "
              f"per CPU-second): {mb['pdf_only']['subs_per_s']:.1f} submissions/s = {mb['pdf_only']['pdfs_per_s']:.0f} "
              f"PDFs/s for the three PDFs; {mb['pdf_docx']['subs_per_s']:.1f} submissions/s with the two DOCX "
              f"(wall clock: {mb['pdf_only']['subs_per_wall_s']:.1f} and {mb['pdf_docx']['subs_per_wall_s']:.1f}).")
            p("")
    p("</details>")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def print_profiles(results: dict[str, Any], top: int) -> None:
    import pstats

    paths: list[tuple[str, str]] = []
    for s in results["backlog"]:
        for i, c in enumerate(s.get("cycles", [])):
            if c["worker"].get("profile_path"):
                paths.append((f"worker cycle {i + 1}, N={s['n']:,}", c["worker"]["profile_path"]))
        if s.get("microbench", {}).get("profile_path"):
            paths.append((f"one-core render (PDFs only), N={s['n']:,}", s["microbench"]["profile_path"]))
    idle = results.get("idle") or {}
    if idle.get("idle", {}).get("worker", {}).get("profile_path"):
        paths.append((f"idle cycle, {idle['rows']:,} rows", idle["idle"]["worker"]["profile_path"]))
    for label, path in paths:
        if not Path(path).exists():
            continue
        for key in ("cumulative", "tottime"):
            print(f"\n### cProfile: {label} — top {top} by {key}\n```", flush=True)
            st = pstats.Stats(path, stream=sys.stdout)
            st.strip_dirs().sort_stats(key).print_stats(top)
            print("```", flush=True)
