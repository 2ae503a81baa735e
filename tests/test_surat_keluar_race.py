"""Outgoing letter numbers under racing approvals, on SQLite and on PostgreSQL: four
processes approve forty settled items in interleaved order; every letter gets exactly one
number, the numbers are 1…40 without a gap, and the counter says 40."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from siapmas_sync.ledger import Ledger, Registrations

from .test_postgres import REPO, write_config

RACERS, ITEMS = 4, 40

RACER = """
import sys
from datetime import datetime
from siapmas_sync.config import load_settings
from siapmas_sync.cycle.engine import build_workflow
from siapmas_sync.ledger import Ledger
from siapmas_sync.cycle.surat_keluar import approve

s = load_settings(sys.argv[1])
wf = build_workflow(s)[0]
me, racers, total = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
order = list(range(1, total + 1))
order = order[me::1] + order[:me]  # everyone asks for every item, starting at a different one
ledger = Ledger(s.database_url())
for n in order:
    approve(ledger, s, wf, f"{n:04d}/SIAPMAS/2026", "Sekretaris", datetime.now(s.tz))
ledger.close()
"""


def test_racing_approvals_number_gaplessly(tmp_path: Path, ledger_url: str | None):
    config = write_config(tmp_path, ledger_url)
    url = ledger_url or f"sqlite:///{tmp_path / 'var' / 'siapmas.db'}"
    ledger = Ledger(url)
    at = "2026-12-01T01:00:00+00:00"
    with ledger.tx() as conn:
        ledger.add_registrations(conn, Registrations(items=[{
            "key": f"k{n:04d}", "year": 2026, "seq": n, "agenda_no": f"{n:04d}/SIAPMAS/2026", "registered_at": at,
            "updated_at": at, "tahap": "SELESAI", "stage_entered_at": at, "previous_tahap": "TINDAK LANJUT",
            "rahasia": False, "sifat": "Biasa", "perihal": f"Aduan {n}", "kode_klasifikasi": "000.8.3.4",
            "routing": "{}", "findings": "[]", "evidence": "[]", "documents": "{}", "pesan": "",
            "kendali_state": "{}", "disposisi": "{}"} for n in range(1, ITEMS + 1)]))
    ledger.close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(config), str(i * ITEMS // RACERS), str(RACERS),
                                str(ITEMS)], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
              for i in range(RACERS)]
    for p in racers:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = list(conn.execute(text("SELECT key, seq, nomor FROM surat_keluar ORDER BY seq")))
        counter = conn.execute(text("SELECT last_seq FROM surat_keluar_counters WHERE year = 2026")).scalar()
        events = conn.execute(text("SELECT COUNT(*) FROM events WHERE event = 'SURAT KELUAR'")).scalar()
    engine.dispose()
    assert [r.seq for r in rows] == list(range(1, ITEMS + 1))
    assert len({r.key for r in rows}) == ITEMS and counter == ITEMS and events == ITEMS
    assert {r.nomor for r in rows} == {f"000.8.3.4/{n}/416-050/2026" for n in range(1, ITEMS + 1)}
