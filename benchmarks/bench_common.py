"""Constants and small helpers shared by the bench modules (see bench.py)."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path


QUOTA_PER_MINUTE = 60
SA_EMAIL = "siapmas-sync@setwan-siapmas.iam.gserviceaccount.com"
RESPONSE_TAB = "Form Responses 1"
MB = 1024.0  # ru_maxrss is in KiB on Linux


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def _du(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total
