"""Two hosts, one PostgreSQL: two `siapmas-sync run` processes, each with its own folder
(its own copy of every tenant's configuration and credentials, its own output), serving
four DPRDs whose sheets live on the Google stand-in. One host is SIGKILLed in the middle
of a cycle — after it numbered new responses, while its write-back is on the wire — and
the other takes its tenants over; every tenant's numbers stay gapless, none given twice,
and every response row shows its one number. Real worker subprocesses: marked `crash`."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from .crash_support import Form, TimedStandin, Worker, settle_and_reap
from .tenant_support import host_copy, ledger_items, lease_rows, write_deployment
from .worlds import GoogleWorld

pytestmark = pytest.mark.crash

TENANTS = ["kab_a", "kab_b", "kota_c", "kota_d"]
LEASE_SECONDS = 3
ENV = {"SIAPMAS_TEST_INTERVAL_SECONDS": "0.5"}
TIMEOUT = 240  # generous: a loaded machine is slow, never wrong


def poll(what: str, predicate, workers: list[Worker], timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        for w in workers:
            assert w.alive(), f"worker died while waiting for {what}:\n{w.stderr[-3000:]}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s: {lease_rows_text()}"
        time.sleep(0.1)


_url = ""


def lease_rows_text() -> str:
    return str(lease_rows(_url)) if _url else ""


def holders(url: str) -> dict[str, str | None]:
    return {t: r["holder"] for t, r in lease_rows(url).items()}


def numbered(url: str, tenant: str) -> int:
    try:
        return len(ledger_items(url, tenant))
    except Exception:  # the tenant's tables do not exist before its first cycle
        return 0


def check_tenant(url: str, world: GoogleWorld, form: Form) -> None:
    items = ledger_items(url, world.tenant)  # type: ignore[attr-defined]
    seqs: dict[int, list[int]] = {}
    for it in items:
        seqs.setdefault(it["year"], []).append(it["seq"])
    for year, s in seqs.items():
        assert sorted(s) == list(range(1, len(s) + 1)), f"{world.tenant} {year}: not gapless: {sorted(s)}"
    per = Counter(it["perihal"] for it in items)
    assert set(per) == set(form.perihal) and set(per.values()) == {1}, f"{world.tenant}: numbered twice or missed"
    shown = Counter(str(r.get("No. Agenda") or "") for r in world.responses())
    assert "" not in shown and set(shown.values()) == {1}, f"{world.tenant}: sheet shows {shown}"
    assert set(shown) == {it["agenda"] for it in items}


def test_a_host_killed_mid_cycle_loses_its_tenants_to_the_other_host_and_no_number_is_given_twice(
        tmp_path: Path, pg_url: str):
    global _url
    _url = pg_url
    workers: list[Worker] = []
    with TimedStandin() as standin:
        worlds: dict[str, GoogleWorld] = {}
        forms: dict[str, Form] = {}
        for i, t in enumerate(TENANTS):  # each DPRD: its own sheet, folder and service account
            (tmp_path / "google" / t).mkdir(parents=True)
            w = GoogleWorld(tmp_path / "google" / t, time.time, standin)
            w.tenant = t  # type: ignore[attr-defined]
            worlds[t] = w
            forms[t] = Form(w, random.Random(i))
            forms[t].add(2)
        deployments = {}
        for host in ("host_a", "host_b"):
            configs = {t: host_copy(tmp_path / host, t, tmp_path / "google" / t) for t in TENANTS}
            deployments[host] = write_deployment(tmp_path / host / "deployment.toml", pg_url, configs,
                                                 lease_seconds=LEASE_SECONDS)
        try:
            a = Worker.start(deployments["host_a"], "run", env=ENV)
            workers.append(a)
            poll("host A serving every tenant", lambda: all(holders(pg_url).get(t) for t in TENANTS)
                 and all(numbered(pg_url, t) == 2 for t in TENANTS), workers)
            b = Worker.start(deployments["host_b"], "run", env=ENV)
            workers.append(b)

            def shared() -> dict[str, list[str]] | None:
                by: dict[str, list[str]] = {}
                for t, h in holders(pg_url).items():
                    if h:
                        by.setdefault(h, []).append(t)
                return by if len(by) == 2 and sorted(len(v) for v in by.values()) == [2, 2] else None

            by_holder = poll("the tenants shared two and two", shared, workers)
            pid_of = {h: int(h.split(":")[1]) for h in by_holder}
            a_holder = next(h for h, pid in pid_of.items() if pid == a.pid)
            victim = sorted(by_holder[a_holder])[0]

            # new responses for a tenant of A; A numbers them, renders, then its write-back is
            # held at the stand-in (an idle tenant writes nothing, so it is A's): SIGKILL there
            held = standin.hold("sheets.values.batchUpdate", apply=False)
            forms[victim].add(3)
            poll("host A's write-back", lambda: held.arrived.is_set(), workers)
            a.sigkill()
            held.release()
            assert numbered(pg_url, victim) == 5  # A had numbered them before dying

            # B takes A's tenants within a lease period (polled, generous timeout)
            poll("host B holding every tenant", lambda: all(h and h.split(":")[1] == str(b.pid)
                                                            for h in (holders(pg_url).get(t) for t in TENANTS)),
                 [b])
            for t in TENANTS:
                forms[t].add(2)
            poll("every response numbered", lambda: all(numbered(pg_url, t) == forms[t].n for t in TENANTS), [b])
            poll("every sheet showing its numbers", lambda: all(
                all(r.get("No. Agenda") for r in worlds[t].responses()) for t in TENANTS), [b])

            b.proc.send_signal(signal.SIGTERM)
            assert b.wait() == 0, b.stderr[-3000:]
            assert "Traceback" not in b.stderr
            assert all(h is None for h in holders(pg_url).values())  # a clean exit frees its tenants
            for t in TENANTS:
                check_tenant(pg_url, worlds[t], forms[t])
            # A's tenants were served by B from its own folder: their documents are on B
            assert any((tmp_path / "host_b" / victim / "var" / "output").rglob("lembar-aduan.pdf"))
        finally:
            for w in workers:
                if w.alive():
                    w.sigkill()
            settle_and_reap([w.pid for w in workers], settle_timeout=5)
            for w in worlds.values():
                w.close()
