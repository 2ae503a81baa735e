#!/usr/bin/env python
"""Compare two folders of sample PDFs (see render_samples.py) page by page, as pixels.

    python benchmarks/compare_samples.py BEFORE_DIR AFTER_DIR [--dpi 60]

Every PDF is rasterised with poppler's ``pdftoppm`` and the pages compared with Pillow.
Prints, per file, whether the bytes are identical, the page counts and the largest
per-page pixel difference (count of differing pixels and the maximum channel delta).
Exits 1 when a page count differs or any pixel differs.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageChops


def raster(pdf: Path, dest: Path, dpi: int) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(dest / "p")], check=True)
    return sorted(dest.glob("p*.png"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--dpi", type=int, default=60)
    args = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for a in sorted(args.before.glob("*.pdf")):
            b = args.after / a.name
            if not b.exists():
                print(f"{a.name}: missing after")
                bad += 1
                continue
            same = a.read_bytes() == b.read_bytes()
            pa = raster(a, Path(tmp) / "a" / a.stem, args.dpi)
            pb = raster(b, Path(tmp) / "b" / a.stem, args.dpi)
            worst = (0, 0)
            for x, y in zip(pa, pb):
                ia, ib = Image.open(x).convert("RGB"), Image.open(y).convert("RGB")
                if ia.size != ib.size:
                    worst = max(worst, (10**9, 255))
                    continue
                diff = ImageChops.difference(ia, ib)
                gray = diff.convert("L").histogram()
                px = sum(gray[1:])
                delta = max(hi for _, hi in diff.getextrema())
                worst = max(worst, (px, delta))
            ok = len(pa) == len(pb) and worst[0] == 0
            bad += not ok
            print(f"{'ok  ' if ok else 'DIFF'} {a.name}: bytes {'identical' if same else 'differ'}, "
                  f"pages {len(pa)}/{len(pb)}, worst page {worst[0]} px differ (max delta {worst[1]})")
    print("all pages identical" if not bad else f"{bad} file(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
