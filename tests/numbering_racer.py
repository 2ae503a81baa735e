"""One of several processes numbering at once against one ledger (tests/test_postgres.py).

``python -m tests.numbering_racer CONFIG WORKER COUNT``: registers COUNT submissions of its
own plus the shared ones (every racer registers those too: only one may number each), one
to three per transaction, as fast as it can, with no worker lock — only the ledger's own
serialisation stands between the racers.
"""

from __future__ import annotations

import hashlib
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from siapmas_sync.config import load_settings
from siapmas_sync.ledger import Ledger
from siapmas_sync.core.models import Submission
from siapmas_sync.numbering.assign import Registrar
from siapmas_sync.core.routing import default_routing_table

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)
SHARED = 6


def submission(name: str, minute: int) -> Submission:
    key = hashlib.sha256(name.encode()).hexdigest()
    return Submission(key=key, content_hash=hashlib.sha256(("isi " + name).encode()).hexdigest(),
                      received_at=T0 + timedelta(minutes=minute), nama=name, telepon="", email="",
                      kronologi=f"Jalan rusak di desa {name}, mohon segera diperbaiki oleh dinas terkait.")


def main() -> None:
    config, worker, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    settings = load_settings(config, environ={})
    ledger = Ledger(settings.database_url())
    registrar = Registrar(settings, default_routing_table(), lambda: datetime.now(WIB))
    rng = random.Random(worker)
    subs = [submission(f"w{worker}-{i}", i) for i in range(count)]
    subs += [submission(f"bersama-{i}", 1000 + i) for i in range(SHARED)]
    rng.shuffle(subs)
    while subs:
        group = subs[: rng.randint(1, 3)]
        subs = subs[len(group):]
        with ledger.tx() as conn:
            registrar.register(conn, [(s, [], []) for s in sorted(group, key=lambda s: s.received_at)])
    ledger.close()


if __name__ == "__main__":
    main()
