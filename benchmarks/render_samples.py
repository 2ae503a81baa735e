#!/usr/bin/env python
"""Render a fixed set of sample documents for before/after comparison.

    python benchmarks/render_samples.py OUT_DIR

Writes, for a handful of corpus items plus hand-made edge cases (a multi-page
chronology, a rahasia item, a kop with a logo, extra form columns, odd Unicode, a
missing evidence image, ½ folio disposisi), every PDF into OUT_DIR. Rendering is
deterministic, so two runs of different code can be compared page by page with
``pdftoppm`` (see benchmarks/README.md).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from PIL import Image, ImageDraw  # noqa: E402

from render_bench import build_items  # noqa: E402
from siapmas_sync.documents import (  # noqa: E402
    render_kartu_kendali, render_lembar_aduan, render_lembar_disposisi,
)
from siapmas_sync.core.models import DisposisiRecord, Evidence, Kop  # noqa: E402


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    items = build_items(80, out / "_in")
    logo = out / "_in" / "logo.png"
    im = Image.new("RGBA", (300, 360), (0, 0, 0, 0))
    ImageDraw.Draw(im).polygon([(150, 0), (300, 120), (240, 360), (60, 360), (0, 120)], fill=(20, 90, 160, 255))
    im.save(logo)
    picked = [items[i] for i in (0, 1, 2)]
    picked += [next(it for it in items if it.rahasia)]
    picked += [next(it for it in items if sum(1 for e in it.evidence if e.local_path) >= 2)]
    base = picked[0]
    long = replace(base, agenda_no="9001/SIAPMAS/2026", submission=replace(
        base.submission, kronologi="\n\n".join([items[k].submission.kronologi for k in range(40)] * 3),
        extra=(("Alamat", "Jl. Mawar 3"), ("Kecamatan", "Kemlagi"), ("Catatan", "baris satu\nbaris dua")),
    ))
    odd = replace(base, agenda_no="9002/SIAPMAS/2026", perihal="Émoji 😀 dan 中文 dan ｆｕｌｌ\u200b",
                  submission=replace(base.submission, nama="Ñoño\u202e Ümlaut", kronologi="Tab\there\r\nline 😀😀 𝐀𝐁"
                                     " <b>not bold</b> & amp; " + "x" * 300),
                  evidence=(*base.evidence, Evidence(url="https://drive.google.com/open?id=X", drive_id="X",
                                                      name="rusak.jpg", mime="image/jpeg", size=10,
                                                      local_path=out / "_in" / "missing.jpg", found=True),
                            Evidence(url="https://x.invalid/none")))
    rahasia_long = replace(long, agenda_no="9003/SIAPMAS/2026", rahasia=True)
    picked += [long, odd, rahasia_long]
    kops = {"": Kop(), "logo-": Kop(logo=logo)}
    rec = DisposisiRecord(diteruskan_kepada=("Komisi III", "Inspektorat"), harap=("Untuk ditindaklanjuti",),
                          catatan="Segera ditindaklanjuti.\nLaporkan hasilnya.",
                          paraf=(("Kabag", "1 Des 2026", "Teruskan ke Komisi III untuk RDP minggu depan"),))
    for n, item in enumerate(picked):
        for prefix, kop in kops.items():
            if prefix and n not in (0, 5):
                continue
            stem = f"{prefix}{n:02d}"
            render_lembar_aduan(item, kop, out / f"{stem}-aduan.pdf")
            render_lembar_disposisi(item, kop, out / f"{stem}-disposisi.pdf")
            render_lembar_disposisi(item, kop, out / f"{stem}-disposisi-hf.pdf", paper="HALF_FOLIO",
                                    disposisi=rec)
            render_kartu_kendali(item, kop, out / f"{stem}-kendali.pdf")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
