"""Peak memory of one `siapmas-sync sync` whose only evidence is a decompression bomb.

Prints the worker's peak RSS (``getrusage(RUSAGE_CHILDREN)``; render processes
included) for a cycle on the bundled sample with:

* ``baseline`` — the sample as shipped (ordinary photos);
* ``bomb``     — one photo replaced by a ~0.5 MB PNG declaring 13,000 × 13,000 pixels
  (refused by the pixel budget: a finding, no thumbnail);
* ``budget``   — one photo replaced by a PNG just inside the budget (the worst case the
  worker still decodes: siapmas_sync.core.imagebudget.MAX_DECODE_PIXELS).

A measurement, not a test: it asserts nothing about the figures.

    .venv/bin/python benchmarks/image_budget.py
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from siapmas_sync.core.imagebudget import MAX_DECODE_PIXELS  # noqa: E402
from tests.imagebombs import write_declared_png  # noqa: E402

PHOTO = "Jalan berlubang Jatirejo - Siti Aminah"


def one_cycle(work: Path, image: tuple[int, int] | None) -> tuple[float, list[str]]:
    shutil.copytree(REPO / "config", work / "config")
    shutil.copytree(REPO / "examples", work / "examples")
    if image is not None:
        (work / "examples" / "evidence" / f"{PHOTO}.jpg").unlink()
        write_declared_png(work / "examples" / "evidence" / f"{PHOTO}.png", *image)
    cfg = str(work / "config" / "siapmas.toml")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-m", "siapmas_sync", "--config", cfg, "sync"],
                       capture_output=True, text=True, env=env, timeout=900)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if r.returncode != 0:
        raise SystemExit(f"sync failed ({r.returncode}):\n{r.stderr[-2000:]}")
    items = json.loads(subprocess.run([sys.executable, "-m", "siapmas_sync", "--config", cfg, "status", "--json"],
                                      capture_output=True, text=True, env=env, check=True).stdout)
    findings = [f["message"] for i in items for f in i["findings"] if f["code"] == "bukti_besar"]
    return peak / 1024, findings  # the sync worker (and its render processes) is the only child so far


SIDE = math.isqrt(MAX_DECODE_PIXELS) - 8
SCENARIOS: dict[str, tuple[int, int] | None] = {"baseline": None, "budget": (SIDE, SIDE), "bomb": (13_000, 13_000)}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":  # one scenario, in a fresh process
        image = SCENARIOS[sys.argv[2]]
        with tempfile.TemporaryDirectory(prefix="siapmas-imgbench-") as tmp:
            peak, findings = one_cycle(Path(tmp), image)
        print(json.dumps({"peak_mb": peak, "findings": findings}))
        return
    print(f"pixel budget: {MAX_DECODE_PIXELS:,} pixels")
    print(f"{'scenario':<10} {'evidence image':>15} {'peak RSS (MB)':>14}  finding")
    for name, image in SCENARIOS.items():
        # ru_maxrss of RUSAGE_CHILDREN is the largest child ever waited for: a fresh
        # process per scenario, so each figure is that scenario's own worker
        out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        size = f"{image[0]}×{image[1]}" if image else "-"
        print(f"{name:<10} {size:>15} {res['peak_mb']:>14.0f}  {'; '.join(res['findings']) or '-'}")


if __name__ == "__main__":
    main()
