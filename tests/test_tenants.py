"""Many DPRDs on one PostgreSQL: the deployment file, leases (fair share, takeover, the
fence that keeps a paused worker from numbering after its lease was taken) and the
`tenants` command, as an operator sees them. Needs the test PostgreSQL (pg_url)."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from siapmas_sync.cli import main
from siapmas_sync.ledger import Ledger
from siapmas_sync.tenants.deployment import fair_share, load_deployment, schema_name, tenant_url
from siapmas_sync.tenants.leases import Fence, LeaseLost, Leases, install_fence
from siapmas_sync.tenants.runner import TenantRunner

from .tenant_support import ledger_items, lease_rows, write_deployment
from .worlds import LocalWorld

WIB = ZoneInfo("Asia/Jakarta")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def local_tenant(tmp: Path, name: str, rows: int) -> Path:
    folder = tmp / name
    folder.mkdir()
    w = LocalWorld(folder, lambda: datetime.now(WIB))
    w.add_responses([[datetime(2026, 11, 2, 9, i, tzinfo=WIB), f"Warga {name} {i}", "", "",
                      f"Aduan {i} dari tenant {name}: jalan rusak di desa.", ""] for i in range(rows)])
    return w.config


def test_fair_share_is_ceil_of_tenants_over_live_workers():
    assert [fair_share(200, n) for n in (1, 2, 3, 0)] == [200, 100, 67, 200]
    assert fair_share(5, 2) == 3


def test_tenant_url_keeps_the_database_and_adds_the_schema():
    url = tenant_url("postgresql+psycopg://u:p%40ss@db:5432/siapmas", "mojokerto")
    assert url.startswith("postgresql+psycopg://u:p%40ss@db:5432/siapmas?")
    assert "search_path%3Dtenant_mojokerto" in url or "search_path=tenant_mojokerto" in url


def test_a_wrong_deployment_file_ends_in_galat_and_saran(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    dep = tmp_path / "deployment.toml"
    dep.write_text('[storage]\nurl = "sqlite:///x.db"\n[[tenant]]\nid = "Mojo Kerto"\nconfig = "a.toml"\n'
                   '[[tenant]]\nid = "Mojo Kerto"\nconfig = "b.toml"\n', encoding="utf-8")
    rc, _out, err = cli(capsys, "--config", str(dep), "tenants")
    assert rc == 2 and "Traceback" not in err
    assert err.startswith("GALAT: Berkas deployment") and "Saran:" in err
    assert "PostgreSQL" in err and "Mojo Kerto" in err


def test_tenants_on_a_single_dprd_config_says_what_it_is_for(project: Path, capsys: pytest.CaptureFixture[str]):
    rc, _out, err = cli(capsys, "--config", str(project), "tenants")
    assert rc == 2 and "bukan berkas deployment" in err and "siapmas-sync status" in err


def test_run_once_numbers_each_tenant_in_its_own_schema_and_tenants_lists_them(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]):
    a = local_tenant(tmp_path, "a", 3)
    b = local_tenant(tmp_path, "b", 2)
    # tenant b numbers with its own template
    b.write_text(b.read_text(encoding="utf-8") + '[numbering]\ntemplate = "{seq}/ADUAN/{year}"\n', encoding="utf-8")
    dep = write_deployment(tmp_path / "deployment.toml", pg_url, {"kab_a": a, "kota_b": b},
                           names={"kab_a": "DPRD Kabupaten A", "kota_b": "DPRD Kota B"})

    rc, _out, err = cli(capsys, "--config", str(dep), "run", "--once")
    assert rc == 0, err
    assert [i["agenda"] for i in ledger_items(pg_url, "kab_a")] == [f"{n:04d}/SIAPMAS/2026" for n in (1, 2, 3)]
    assert [i["agenda"] for i in ledger_items(pg_url, "kota_b")] == ["1/ADUAN/2026", "2/ADUAN/2026"]
    assert (tmp_path / "b" / "var" / "output" / "2026").is_dir()  # each tenant's own output folder
    assert not (tmp_path / "a" / "var" / "siapmas.db").exists()  # the tenant's own [storage] is not used
    # a clean exit frees the tenants at once
    assert all(r["holder"] is None for r in lease_rows(pg_url).values())

    rc, out, err = cli(capsys, "--config", str(dep), "tenants", "--json")
    assert rc == 0, err
    data = json.loads(out)
    rows = {t["tenant"]: t for t in data["tenants"]}
    assert list(rows) == ["kab_a", "kota_b"] and rows["kota_b"]["nama"] == "DPRD Kota B"
    assert rows["kab_a"]["backlog_open_items"] == 3 and rows["kota_b"]["backlog_open_items"] == 2
    assert rows["kab_a"]["last_ok"] is True and rows["kab_a"]["last_result"].startswith("Siklus selesai: 3 aduan baru")
    assert rows["kab_a"]["holder"] is None and rows["kab_a"]["last_cycle_at"].endswith("+07:00")

    # the single-DPRD commands work on one tenant of the deployment
    rc, out, err = cli(capsys, "--config", str(dep), "--tenant", "kota_b", "status", "--json")
    assert rc == 0, err
    assert [i["agenda"] for i in json.loads(out)] == ["1/ADUAN/2026", "2/ADUAN/2026"]
    rc, _out, err = cli(capsys, "--config", str(dep), "status")
    assert rc == 2 and "berkas deployment (2 tenant)" in err and "--tenant" in err
    rc, _out, err = cli(capsys, "--config", str(dep), "--tenant", "kota_b", "sync")
    assert rc == 2 and "`sync` tidak dijalankan pada berkas deployment" in err and "run" in err and "Saran:" in err
    rc, _out, err = cli(capsys, "--config", str(dep), "--tenant", "kota_x", "status")
    assert rc == 2 and "kab_a, kota_b" in err

    rc, out, _err = cli(capsys, "--config", str(dep), "tenants")
    assert rc == 0
    assert "Pemegang sewa" in out and "Siklus terakhir" in out and "Terbuka" in out and "(bebas)" in out
    assert "2 tenant, 0 worker hidup" in out


class FakeEngine:
    def __init__(self) -> None:
        self.cycles = 0
        self.ledger = None

    def cycle(self):
        self.cycles += 1
        return SimpleNamespace(failures=[], summary_id=lambda: "Siklus selesai: 0 aduan baru diberi nomor agenda.")


def fake_opener(dep, tenant, fence):
    return FakeEngine(), []


def deployment(tmp_path: Path, url: str, n: int, lease: float) -> object:
    tenants = {f"t{i}": tmp_path / f"t{i}.toml" for i in range(n)}
    return load_deployment(write_deployment(tmp_path / "deployment.toml", url, tenants, lease_seconds=lease))


def test_a_second_worker_gets_its_fair_share_and_takes_everything_when_the_first_is_gone(tmp_path: Path, pg_url: str):
    dep = deployment(tmp_path, pg_url, 5, lease=2)
    a = TenantRunner(dep, Leases(pg_url, 2, holder="host-a:1:aa"), interval=60, opener=fake_opener)
    b = TenantRunner(dep, Leases(pg_url, 2, holder="host-b:2:bb"), interval=60, opener=fake_opener)
    try:
        a.prepare()
        a.round()
        assert len(a.slots) == 5  # alone: every tenant
        b.round()  # b is alive now, but everything is leased
        assert len(b.slots) == 0
        a.round()  # a sees two workers: keeps its fair share ceil(5/2) = 3
        assert len(a.slots) == 3
        b.round()
        assert len(b.slots) == 2 and not set(a.slots) & set(b.slots)
        holders = {t: r["holder"] for t, r in lease_rows(pg_url).items()}
        assert sorted(holders.values()) == ["host-a:1:aa"] * 3 + ["host-b:2:bb"] * 2

        # a dies without a word (no release): once its lease and heartbeat expire, b takes all
        from_a = set(a.slots)
        a.slots.clear()
        for _ in range(600):
            b.round()
            if len(b.slots) == 5:
                break
            threading.Event().wait(0.05)
        assert sorted(b.slots) == [f"t{i}" for i in range(5)]
        gens = {t: r["generation"] for t, r in lease_rows(pg_url).items()}
        assert {gens[t] for t in from_a} == {2}  # a new holder, a new fencing token
    finally:
        a.leases.close()
        b.leases.close()


def test_a_paused_worker_cannot_number_after_its_lease_was_taken(tmp_path: Path, pg_url: str):
    """Worker A is paused past its lease (GC pause, SIGSTOP, a laptop lid): B takes the
    tenant. When A wakes up mid-cycle, its next ledger write — the numbering transaction —
    checks the lease in the same transaction and is refused; nothing of A is written."""
    a = Leases(pg_url, 1, holder="host-a:1:aa")
    b = Leases(pg_url, 1, holder="host-b:2:bb")
    a.prepare(["t"], [schema_name("t")])
    ledger = Ledger(tenant_url(pg_url, "t"))
    try:
        fence = Fence(a, "t")
        install_fence(ledger, fence)
        fence.held = a.acquire("t")
        assert fence.held is not None and fence.held.generation == 1
        with ledger.tx() as conn:  # A writes while it holds the lease
            ledger.set_meta(conn, "a1", "x")

        # A's numbering transaction is open (the lease row is locked by its fence) when the
        # lease runs out: B cannot take the tenant until A's transaction ends
        with ledger.tx() as conn:
            wait_until_expired(b)
            assert b.acquire("t") is None
            ledger.set_meta(conn, "a2", "x")
        # A committed at a moment it still held the tenant; now it is paused and B takes over
        wait_until_expired(b)
        taken = b.acquire("t")
        assert taken is not None and taken.generation == 2

        with pytest.raises(LeaseLost):  # A wakes up and tries to give a number
            with ledger.tx() as conn:
                ledger.set_meta(conn, "a3", "x")
        assert a.acquire("t") is None  # and cannot renew what B holds
        assert ledger.get_meta("a1") == ledger.get_meta("a2") == "x" and ledger.get_meta("a3") is None
    finally:
        ledger.close()
        a.close()
        b.close()


def wait_until_expired(leases: Leases) -> None:
    """Poll the server clock (no sleep-based assert) until every lease has run out."""
    for _ in range(2000):
        with leases.engine.connect() as conn:
            if not conn.execute(text("SELECT count(*) FROM siapmas.tenant_leases WHERE expires_at > clock_timestamp()"))\
                    .scalar_one():
                return
        threading.Event().wait(0.01)
    raise AssertionError("the lease never expired")


def test_doctor_on_a_deployment_checks_the_database_then_each_tenant(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]):
    a = local_tenant(tmp_path, "a", 1)
    b = local_tenant(tmp_path, "b", 1)
    (tmp_path / "b" / "evidence").rmdir()  # tenant b's evidence folder is missing
    dep = write_deployment(tmp_path / "deployment.toml", pg_url, {"kab_a": a, "kota_b": b})
    rc, out, _err = cli(capsys, "--config", str(dep), "doctor")
    assert rc == 1
    assert "[OK   ] Basis data deployment" in out and "== Tenant kab_a" in out and "== Tenant kota_b" in out
    tenant_b = out.split("== Tenant kota_b")[1]
    assert "[GAGAL] Folder bukti" in tenant_b and "[GAGAL]" not in out.split("== Tenant kota_b")[0]
    rc, out, _err = cli(capsys, "--config", str(dep), "--tenant", "kab_a", "doctor")
    assert rc == 0 and "kota_b" not in out
