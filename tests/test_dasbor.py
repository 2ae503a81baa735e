"""The *Dasbor* tab (issue 13): its values match `rekap --tahun <this year> --json` and
counts taken independently from `status --json`; its charts point at its own ranges (the
openpyxl workbook and the Google stand-in's state); the worker-alive warning (the sheet's
formula, evaluated by LibreOffice when installed, and `status`/`doctor` from the ledger);
an idle cycle computes and writes nothing; a 10,000-item ledger is not recomputed when
nothing changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from siapmas_sync.backends.local import LocalBackend
from siapmas_sync.cycle.binding import rebind
from siapmas_sync.config import load_settings
from siapmas_sync.dasbor.layout import TABLE_ROW, TAB, build, serial
from siapmas_sync.dasbor.service import META_LAST_SYNC, Dasbor
from siapmas_sync.cycle.engine import Engine, build_workflow
from siapmas_sync.ledger import Ledger, utc_iso
from siapmas_sync.rekap.figures import Period
from siapmas_sync.rekap.service import build_figures

from .conftest import REPO, WIB, Clock
from .google_standin.server import GoogleStandin
from .test_contract import response
from .test_engine import run_cli
from .test_rekap import built, rekap_json  # noqa: F401  (the recap's fixture ledger)
from .worlds import GoogleWorld

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=WIB)  # the day after the fixture's steps


@pytest.fixture
def copy(built: dict[str, Any], tmp_path: Path) -> Path:  # noqa: F811
    """A private copy of the recap fixture (config, examples, ledger, register)."""
    root = built["project"].parent.parent
    for name in ("config", "examples", "var"):
        shutil.copytree(root / name, tmp_path / name)
    project = tmp_path / "config" / "demo.toml"
    s = load_settings(project)
    ledger = Ledger(s.database_url())
    try:
        rebind(ledger, s)  # the same register, moved
    finally:
        ledger.close()
    return project


def cycle(project: Path, now: datetime) -> tuple[Engine, Any]:
    s = load_settings(project, environ={"SIAPMAS_OUTPUT__DOCX": "false", "SIAPMAS_OUTPUT__PRINT_BATCH": "false"})
    ledger = Ledger(s.database_url())
    backend = LocalBackend.from_settings(s)
    engine = Engine(s, backend, ledger, clock=Clock(now))
    try:
        report = engine.cycle()
    finally:
        backend.close()
        ledger.close()
    return engine, report


def register(project: Path) -> Path:
    return project.parent.parent / "var" / "demo" / "register.xlsx"


def table(ws: Any, col: int, width: int) -> dict[str, list[Any]]:
    """A Dasbor table (header row TABLE_ROW+1) as {label: [values…]} until its first empty row."""
    out = {}
    r = TABLE_ROW + 2
    while ws.cell(row=r, column=col).value not in (None, ""):
        out[ws.cell(row=r, column=col).value] = [ws.cell(row=r, column=col + k).value for k in range(1, width)]
        r += 1
    return out


def label_value(ws: Any, label: str) -> Any:
    for row in ws.iter_rows(max_row=TABLE_ROW):
        if row[0].value == label:
            return row[1].value
    raise KeyError(label)


def test_dasbor_values_match_rekap_for_the_year_and_the_charts_its_ranges(copy: Path):
    cycle(copy, NOW)
    wb = openpyxl.load_workbook(register(copy))
    assert wb.sheetnames[-1] == TAB  # last: the response tab stays first
    ws = wb[TAB]
    fig = rekap_json(copy, "--tahun", "2026")
    stages = {k: v[0] for k, v in table(ws, 1, 2).items()}
    akd = {k: v[0] for k, v in table(ws, 4, 2).items()}
    months = table(ws, 7, 4)
    assert stages == fig["by_stage"]
    assert akd == fig["by_akd"]
    assert [[m["received"], m["finished"], m["open"]] for m in fig["by_month"]] == list(months.values())
    assert list(months) == [f"{b} 2026" for b in ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep",
                                                  "Okt", "Nov", "Des")]
    assert label_value(ws, "Total aduan 2026") == fig["total"]
    # independently of the recap's code: the ledger's items of 2026 as `status --json` lists them
    items = [i for i in json.loads(run_cli(copy, "status", "--json").stdout) if i["received_at"].startswith("2026")]
    assert fig["total"] == len(items) == 8
    assert {k: v for k, v in stages.items() if v} == dict(Counter(i["stage"] for i in items))
    assert akd == dict(Counter(i["diteruskan_ke"] or ("Ditolak (tidak diteruskan)" if i["stage"] == "DITOLAK"
                                                      else "Belum diputuskan") for i in items))
    assert sum(m[0] for m in months.values()) == len(items)
    assert months["Jan 2026"][0] == sum(1 for i in items if i["received_at"][5:7] == "01")
    # overdue is a figure of *now*: the recap's at the same instant
    s = load_settings(copy)
    wf, cal = build_workflow(s)
    ledger = Ledger(s.database_url())
    try:
        at_now = build_figures(s, ledger, Period.year(2026), wf=wf, cal=cal, now=NOW)
    finally:
        ledger.close()
    assert label_value(ws, "Terlambat (lewat batas waktu)") == at_now["overdue"]["count"] > 0

    # the charts: a bar per stage, a column per AKD, lines per month, over exactly these rows
    n_stage, n_akd = len(stages), len(akd)
    h = TABLE_ROW + 1  # the header row, 1-based
    # (series title cell, series values, categories) per chart kind
    expected = {
        "bar": ([(f"'{TAB}'!B{h}", f"'{TAB}'!$B${h + 1}:$B${h + n_stage}")], f"'{TAB}'!$A${h + 1}:$A${h + n_stage}"),
        "col": ([(f"'{TAB}'!E{h}", f"'{TAB}'!$E${h + 1}:$E${h + n_akd}")], f"'{TAB}'!$D${h + 1}:$D${h + n_akd}"),
        "line": ([(f"'{TAB}'!{c}{h}", f"'{TAB}'!${c}${h + 1}:${c}${h + 12}") for c in "HIJ"],
                 f"'{TAB}'!$G${h + 1}:$G${h + 12}"),
    }
    assert ws[f"B{h}"].value == "Jumlah" and ws[f"H{h}"].value == "Diterima" and ws[f"J{h}"].value == "Masih proses"
    seen = {}
    for chart in ws._charts:
        kind = getattr(chart, "barDir", None) or "line"
        cat = chart.series[0].cat
        seen[kind] = ([(s.tx.strRef.f, s.val.numRef.f) for s in chart.series], (cat.strRef or cat.numRef).f)
    assert seen == expected


def test_the_warning_formula_and_the_last_sync_value(copy: Path, tmp_path: Path):
    cycle(copy, NOW)
    ws = openpyxl.load_workbook(register(copy))[TAB]
    assert label_value(ws, "Sinkron terakhir") == NOW.replace(tzinfo=None)  # a date-time value, WIB
    assert ws["C3"].value == "03/03/2026 10.00 WIB"
    # the demo: interval 5, full read every 60, Drive lag 5 → refreshed hourly, warning after 60 + 5 + 3 × 5
    assert ws["B4"].value == 80
    formula = ws["B5"].value
    assert formula.startswith("=IF(") and "NOW()-B3>B4/1440" in formula
    assert '"PERINGATAN: worker belum sinkron sejak "&C3&" (lebih dari "&B4&" menit)' in formula

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed: the formula's text is checked above, its evaluation is not")
    # evaluated by LibreOffice (in WIB, as on the office PC): the worker of NOW is long dead by today
    fresh = openpyxl.load_workbook(register(copy))
    fresh[TAB]["B3"].value = datetime.now(WIB).replace(tzinfo=None, microsecond=0) - timedelta(minutes=70)
    fresh.save(tmp_path / "segar.xlsx")
    shutil.copy(register(copy), tmp_path / "lama.xlsx")
    out = tmp_path / "lo"
    env = {**os.environ, "TZ": "Asia/Jakarta", "HOME": str(tmp_path / "home")}
    for name in ("lama.xlsx", "segar.xlsx"):
        subprocess.run([soffice, "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(tmp_path / name)],
                       env=env, check=True, capture_output=True, timeout=300)
    old = openpyxl.load_workbook(out / "lama.xlsx", data_only=True)[TAB]["B5"].value
    ok = openpyxl.load_workbook(out / "segar.xlsx", data_only=True)[TAB]["B5"].value
    print("LibreOffice:", old, "|", ok)
    assert old.startswith("PERINGATAN: worker belum sinkron sejak 03/03/2026 10.00 WIB (lebih dari 80 menit)")
    assert ok.startswith("Worker aktif: sinkron terakhir")


def test_status_and_doctor_warn_from_the_ledger_when_the_last_sync_is_old(project: Path):
    assert run_cli(project, "sync").returncode == 0
    r = run_cli(project, "status")
    assert r.returncode == 0 and "Sinkron terakhir: " in r.stdout and "PERINGATAN" not in r.stdout
    s = load_settings(project)
    ledger = Ledger(s.database_url())
    with ledger.tx() as conn:  # the worker stopped 20 minutes ago (interval 5 minutes)
        ledger.set_meta(conn, META_LAST_SYNC, utc_iso(datetime.now(WIB) - timedelta(minutes=20)))
    ledger.close()
    r = run_cli(project, "status")
    assert r.returncode == 0
    assert "PERINGATAN: worker belum sinkron sejak " in r.stdout and "(lebih dari 3 × interval 5 menit)" in r.stdout
    assert "Saran: Periksa komputer worker" in r.stderr
    d = run_cli(project, "doctor")
    assert "PERINGATAN: worker belum sinkron sejak " in d.stdout + d.stderr


def test_idle_cycle_computes_and_writes_nothing_and_the_heartbeat_is_rare(copy: Path):
    cycle(copy, NOW)
    reg = register(copy)
    first = reg.read_bytes()
    engine, report = cycle(copy, NOW)  # idle: nothing new, the same instant
    assert reg.read_bytes() == first and report.cells_written == 0
    assert engine.dasbor.computed == 0  # the ledger did not change: the figures were not computed
    engine, report = cycle(copy, NOW + timedelta(minutes=4))  # (the Kendali's clocks tick; the Dasbor waits)
    assert engine.dasbor.computed == 0 and openpyxl.load_workbook(reg)[TAB]["B3"].value == NOW.replace(tzinfo=None)
    engine, report = cycle(copy, NOW + timedelta(minutes=10))  # idle cycles never touch the sheet
    assert engine.dasbor.computed == 0 and report.cells_written == 0
    engine, _ = cycle(copy, NOW + timedelta(minutes=61))  # the hourly full read refreshes the value
    assert engine.dasbor.computed == 1
    ws = openpyxl.load_workbook(reg)[TAB]
    assert ws["B3"].value == (NOW + timedelta(minutes=61)).replace(tzinfo=None)
    engine, _ = cycle(copy, NOW + timedelta(minutes=66))
    assert engine.dasbor.computed == 0 and openpyxl.load_workbook(reg)[TAB]["B3"].value == ws["B3"].value


def test_a_ten_thousand_item_ledger_is_not_recomputed_when_nothing_changed(project: Path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import rekap_bench
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    s = load_settings(project)
    s.storage.database.parent.mkdir(parents=True, exist_ok=True)
    rekap_bench.build(s.storage.database, 10_000)
    wf, cal = build_workflow(s)
    ledger = Ledger(s.database_url())
    try:
        d = Dasbor(s, ledger, wf, cal)
        now = datetime(2026, 12, 31, 21, 0, tzinfo=WIB)
        t0 = time.perf_counter()
        view = d.plan(now)
        t1 = time.perf_counter()
        assert view is not None and d.computed == 1 and view.figures["total"] == 10_000
        d.written(view)
        assert d.plan(now + timedelta(minutes=5)) is None  # idle: the cheap check only
        t2 = time.perf_counter()
        assert d.computed == 1
        print(f"Dasbor on 10,000 items: computed in {t1 - t0:.2f} s; idle check {1000 * (t2 - t1):.1f} ms")
    finally:
        ledger.close()


# --- Google -------------------------------------------------------------------------------------------


@pytest.fixture
def standin() -> Any:
    with GoogleStandin() as g:
        yield g


def google_world(tmp_path: Path, standin: GoogleStandin, clock: Clock) -> GoogleWorld:
    return GoogleWorld(tmp_path, clock, standin)


def ranges_of(chart: dict[str, Any]) -> list[tuple[int, int, int]]:
    b = chart["spec"]["basicChart"]
    parts = [d["domain"] for d in b["domains"]] + [s["series"] for s in b["series"]]
    return [(g["startRowIndex"], g["endRowIndex"], g["startColumnIndex"]) for p in parts for g in p["sourceRange"]["sources"]]


def test_google_dasbor_values_charts_and_idle_cycle(tmp_path: Path, standin: GoogleStandin):
    clock = Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB))
    world = google_world(tmp_path, standin, clock)
    world.add_responses([response(0, "Ani"), response(5, "Budi")])
    engine = world.engine()
    engine.cycle()
    values = world.tab(TAB)
    assert values[0][0] == "DASBOR SIAPMAS — Tahun 2026"
    rows = {r[0]: r[1:] for r in values if r}
    assert rows["TERAGENDA"][0] == 2 and rows["Total aduan 2026"][0] == 2
    nov = next(r for r in values if len(r) > 6 and r[6] == "Nov 2026")
    assert nov[7:10] == [2, 0, 2]  # received, finished, open (columns H..J)
    assert str(rows["Status worker"][0]).startswith("=IF(B3=") and "NOW()-B3" in str(rows["Status worker"][0])
    fig = rekap_json(world.config, "--tahun", "2026")
    assert {r[0]: r[1] for r in values[TABLE_ROW + 1:] if r and r[0] in fig["by_stage"]} == fig["by_stage"]

    sheet = standin.sheet_state(world.sid, TAB)
    sheet_id = sheet["properties"]["sheetId"]
    charts = {c["spec"]["basicChart"]["chartType"]: c for c in sheet["charts"]}
    assert set(charts) == {"BAR", "COLUMN", "LINE"}
    n_stage = len(fig["by_stage"])
    assert ranges_of(charts["BAR"]) == [(TABLE_ROW, TABLE_ROW + 1 + n_stage, 0), (TABLE_ROW, TABLE_ROW + 1 + n_stage, 1)]
    assert ranges_of(charts["COLUMN"]) == [(TABLE_ROW, TABLE_ROW + 2, 3), (TABLE_ROW, TABLE_ROW + 2, 4)]
    assert ranges_of(charts["LINE"]) == [(TABLE_ROW, TABLE_ROW + 13, c) for c in (6, 7, 8, 9)]
    assert all(g["sheetId"] == sheet_id for c in charts.values() for g in
               c["spec"]["basicChart"]["domains"][0]["domain"]["sourceRange"]["sources"])
    # what the product asks for (the metadata mask lists sheets.charts): the same charts
    meta = engine.backend.metadata(refresh=True)
    assert set(meta[TAB].charts) == {c["chartId"] for c in charts.values()}

    standin.reset_log()
    computed = engine.dasbor.computed
    engine.cycle()  # idle: one read, nothing written, nothing computed
    assert standin.count(api="sheets") == 1 and engine.dasbor.computed == computed

    # a figure changes (a third item): the cycle that reads the new row as a change leaves
    # the Dasbor for the next full read (its figures are computed over every item: tailread)
    world.add_responses([response(20, "Citra")])
    engine.cycle()
    assert {r[0]: r[1:] for r in world.tab(TAB) if r}["TERAGENDA"][0] == 2
    # the periodic full read: cells rewritten, charts NOT re-added (ranges unchanged)
    clock.now += timedelta(minutes=61)
    standin.reset_log()
    engine.cycle()
    assert standin.count(route="sheets.batchUpdate") == 1
    assert len(standin.sheet_state(world.sid, TAB)["charts"]) == 3
    assert {r[0]: r[1:] for r in world.tab(TAB) if r}["TERAGENDA"][0] == 3


def test_google_chart_ranges_change_by_update_chart_spec_only(tmp_path: Path, standin: GoogleStandin):
    clock = Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB))
    world = google_world(tmp_path, standin, clock)
    world.add_responses([response(0, "Ani")])
    engine = world.engine()
    engine.cycle()
    before = {c["chartId"]: c for c in standin.sheet_state(world.sid, TAB)["charts"]}
    fig = build_figures(engine.s, engine.ledger, Period.year(2026), wf=engine.wf, cal=engine.cal, now=clock.now)
    fig["by_akd"] = {"Komisi I": 1, "Komisi III": 1, "Belum diputuskan": 1}  # three AKD rows instead of one
    view = build(fig, last_sync=clock.now, tz=WIB, limit_minutes=80)
    standin.reset_log()
    engine.backend.write([], None, dasbor=view)
    assert standin.count(route="sheets.batchUpdate") == 1
    after = {c["chartId"]: c for c in standin.sheet_state(world.sid, TAB)["charts"]}
    assert set(after) == set(before)  # same charts (no addChart), the AKD one now over four rows
    akd = next(c for c in after.values() if c["spec"]["basicChart"]["chartType"] == "COLUMN")
    assert ranges_of(akd) == [(TABLE_ROW, TABLE_ROW + 4, 3), (TABLE_ROW, TABLE_ROW + 4, 4)]
    others = [c for cid, c in after.items() if c["spec"]["basicChart"]["chartType"] != "COLUMN"]
    assert all(c == before[c["chartId"]] for c in others)


def test_google_a_chart_deleted_by_staff_is_added_again(tmp_path: Path, standin: GoogleStandin):
    """The cached metadata still lists the chart: Google refuses the updateChartSpec (400), the
    worker reads the metadata again and adds it; the cells are written in the same retry."""
    clock = Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB))
    world = google_world(tmp_path, standin, clock)
    world.add_responses([response(0, "Ani")])
    engine = world.engine()
    engine.cycle()
    with standin.lock:
        sh = next(s for s in standin.store.spreadsheets[world.sid]["sheets"] if s["properties"]["title"] == TAB)
        sh["charts"] = [c for c in sh["charts"] if c["spec"]["basicChart"]["chartType"] != "COLUMN"]
    fig = build_figures(engine.s, engine.ledger, Period.year(2026), wf=engine.wf, cal=engine.cal, now=clock.now)
    fig["by_akd"] = {"Komisi I": 1, "Belum diputuskan": 1}
    standin.reset_log()
    engine.backend.write([], None, dasbor=build(fig, last_sync=clock.now, tz=WIB, limit_minutes=80))
    assert standin.count(route="sheets.batchUpdate", status=400) == 1
    assert standin.count(route="sheets.batchUpdate", status=200) == 1
    charts = {c["spec"]["basicChart"]["chartType"]: c for c in standin.sheet_state(world.sid, TAB)["charts"]}
    assert set(charts) == {"BAR", "COLUMN", "LINE"}
    assert ranges_of(charts["COLUMN"]) == [(TABLE_ROW, TABLE_ROW + 3, 3), (TABLE_ROW, TABLE_ROW + 3, 4)]
    assert [r[3:5] for r in world.tab(TAB)[TABLE_ROW + 1:TABLE_ROW + 3]] == [["Komisi I", 1], ["Belum diputuskan", 1]]


def test_google_idle_sheet_for_hours_reads_rarely_and_the_sheet_never_warns_falsely(tmp_path: Path,
                                                                                    standin: GoogleStandin):
    """Idle cycles make no Sheets request (issue 14), so the Dasbor's last-sync value is
    refreshed with the hourly full read, and the sheet's own limit (B4) lies beyond it: a
    worker alive for three idle hours never shows the warning, and its own refreshes do
    not keep it reading the sheet every cycle."""
    clock = Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB))
    world = google_world(tmp_path, standin, clock)
    world.add_responses([response(0, "Ani")])
    engine = world.engine()
    engine.cycle()
    limit = {r[0]: r[1] for r in world.tab(TAB) if len(r) > 1}["Batas peringatan (menit)"]
    start = clock.now
    standin.reset_log()
    reading_cycles = 0
    for k in range(1, 37):  # three hours, a cycle every 5 minutes (the demo's interval)
        clock.now = start + timedelta(minutes=5 * k)
        before = standin.count(api="sheets")
        engine.cycle()
        reading_cycles += standin.count(api="sheets") > before
        last = {r[0]: r[1] for r in world.tab(TAB) if len(r) > 1}["Sinkron terakhir"]
        age_minutes = (serial(clock.now, WIB) - float(last)) * 1440
        assert age_minutes <= limit, f"the sheet would warn at {clock.now:%H:%M} ({age_minutes:.0f} > {limit} menit)"
    # three hourly full reads, each followed by reads inside Drive's lag window: far from 36
    assert reading_cycles <= 3 * 3, reading_cycles
