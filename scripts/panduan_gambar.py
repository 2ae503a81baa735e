"""Make the pictures of docs/PANDUAN.md from the bundled demo, so they show what the
product really makes today.

    .venv/bin/python scripts/panduan_gambar.py            # writes docs/gambar/*.png

Needs Debian's poppler-utils (pdftoppm), LibreOffice (libreoffice-calc) and chromium. It
copies config/ and examples/ to a temporary folder, runs the demo's cycle, records a few
steps of the SOP through the CLI as staff would, and turns what came out into PNG images:
the Kendali and Buku Agenda tabs and the Dasbor (through LibreOffice, as printed), the
lembar aduan, lembar disposisi and kartu kendali (pdftoppm), and the public status page
(headless Chromium at phone width).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "gambar"


def run(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:4])}…: {done.stderr[-800:]}")
    return done.stdout


def cli(config: Path, *args: str) -> str:
    return run(sys.executable, "-m", "siapmas_sync", "--config", str(config), *args)


def pdf_page(pdf: Path, page: int, name: str, dpi: int = 70, *, crop: bool = False) -> None:
    """One PDF page as docs/gambar/<name>.png; *crop*: only the printed part (a tab with a
    few rows fills the top of a landscape page)."""
    stem = OUT / name
    run("pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem))
    if crop:
        from PIL import Image, ImageOps

        png = stem.with_suffix(".png")
        with Image.open(png) as im:
            body = im.crop((0, 0, im.width, int(im.height * 0.9)))  # without the page-number footer
            box = ImageOps.invert(body.convert("L")).point(lambda v: 255 if v > 24 else 0).getbbox()
            if box:
                m = 12
                im.crop((max(0, box[0] - m), max(0, box[1] - m), min(im.width, box[2] + m),
                         min(im.height, box[3] + m))).save(png)


def main() -> int:
    for tool in ("pdftoppm", "chromium"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} tidak ada: apt-get install poppler-utils chromium libreoffice-calc")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice tidak ada: apt-get install libreoffice-calc")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in ("config", "examples"):
            shutil.copytree(REPO / folder, root / folder)
        config = root / "config" / "demo.toml"
        cli(config, "sync")
        galian = "0001/SIAPMAS/2026"
        cli(config, "advance", galian, "PARAF KASUBAG TU", "--by", "Dwi Lestari", "--note", "Diteliti, lengkap")
        cli(config, "advance", galian, "PARAF KABAG", "--by", "Agus Santoso")
        cli(config, "sync")
        docs = root / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
        pdf_page(docs / "lembar-aduan.pdf", 1, "lembar-aduan")
        pdf_page(docs / "lembar-disposisi.pdf", 1, "lembar-disposisi")
        pdf_page(docs / "kartu-kendali.pdf", 1, "kartu-kendali", dpi=90)
        register = root / "var" / "demo" / "register.xlsx"
        run(soffice, "--headless", "--convert-to", "pdf", "--outdir", str(root), str(register))
        printed = root / "register.pdf"
        from pypdf import PdfReader

        tabs = [(p.extract_text() or "").lstrip().split("\n", 1)[0] for p in PdfReader(printed).pages]
        for tab, name in (("Buku Agenda", "buku-agenda"), ("Kendali", "tab-kendali"), ("Dasbor", "dasbor")):
            page = next((i + 1 for i, t in enumerate(tabs) if t.upper().startswith(tab.upper())), None)
            if page is not None:
                pdf_page(printed, page, name, dpi=110 if name == "tab-kendali" else 80, crop=True)
        page = root / "var" / "demo" / "output" / "publik" / "index.html"
        run("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--virtual-time-budget=3000", "--window-size=390,1000", f"--screenshot={OUT / 'status-publik.png'}",
            page.as_uri() + "#" + galian)
    for f in sorted(OUT.glob("*.png")):
        print(f"{f.relative_to(REPO)}  {f.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
