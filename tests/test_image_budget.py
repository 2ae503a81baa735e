"""An evidence image is measured before it is decoded: a small file declaring a huge
picture gets a finding instead of a thumbnail, and never exhausts the worker's memory."""

from __future__ import annotations

import json
import resource
import struct
import sys
import zlib
from pathlib import Path

from PIL import Image

from siapmas_sync.documents.drawing import load_image
from siapmas_sync.core.imagebudget import ImageHeader, decode_pixels, oversize_finding, read_header

from .imagebombs import write_declared_png
from .test_engine import run_cli

PHOTO = "Jalan berlubang Jatirejo - Siti Aminah"


def test_jpeg_costs_its_reduced_size_other_formats_their_full_size():
    photo = ImageHeader("JPEG", 8160, 6120)  # a 50-megapixel phone photo: decoded at 1/8
    assert decode_pixels(photo, 720) == 1020 * 765
    assert decode_pixels(ImageHeader("JPEG", 8160, 6120, progressive=True), 720) == 8160 * 6120
    assert decode_pixels(ImageHeader("PNG", 8160, 6120), 720) == 8160 * 6120
    assert decode_pixels(ImageHeader("JPEG", 1600, 1200), 720) == 800 * 600


def test_a_declared_giant_is_refused_from_its_header(tmp_path: Path):
    bomb = write_declared_png(tmp_path / "bomb.png", 13_000, 13_000, rgb=False)
    assert bomb.stat().st_size < 600_000
    assert read_header(bomb) == ImageHeader("PNG", 13_000, 13_000)
    f = oversize_finding(bomb, "bomb.png")
    assert f is not None and f.message.startswith("Gambar terlalu besar untuk pratinjau: 13000×13000 piksel")
    assert load_image(bomb, max_px=720) is None
    ok = tmp_path / "ok.png"
    Image.new("RGB", (300, 200), "red").save(ok)
    assert oversize_finding(ok) is None and load_image(ok, max_px=720) is not None


def test_pillow_decompression_bomb_error_becomes_the_finding(tmp_path: Path):
    # beyond twice Image.MAX_IMAGE_PIXELS Pillow refuses to even open it
    ihdr = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 0, 0, 0, 0)
    chunk = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xFFFFFFFF)  # noqa: E731
    p = tmp_path / "huge.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))
    f = oversize_finding(p)
    assert f is not None and f.message.startswith("Gambar terlalu besar untuk pratinjau")
    assert "900.000.000 piksel" in f.message
    assert load_image(p) is None


def test_a_decompression_bomb_in_the_evidence_folder_becomes_a_finding_through_the_cli(project: Path):
    evidence = project.parent.parent / "examples" / "evidence"
    (evidence / f"{PHOTO}.jpg").unlink()
    write_declared_png(evidence / f"{PHOTO}.png", 13_000, 13_000, rgb=False)
    r = run_cli(project, "sync", "--json")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    items = json.loads(run_cli(project, "status", "--json").stdout)
    hit = [i for i in items if any(f["code"] == "bukti_besar" for f in i["findings"])]
    assert len(hit) == 1
    messages = [f["message"] for f in hit[0]["findings"]]
    assert any(m.startswith("Gambar terlalu besar untuk pratinjau: 13000×13000 piksel") for m in messages), messages
    for path in hit[0]["documents"].values():  # the documents are there, without the thumbnail
        assert Path(path).is_file() and Path(path).stat().st_size > 0
    shown = run_cli(project, "show", hit[0]["agenda"])
    assert "Gambar terlalu besar untuk pratinjau" in shown.stdout
    # informative only (never asserted: depends on the machine): the largest child so far
    print(f"peak RSS of the largest child process: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB",
          file=sys.stderr)


def test_a_decompression_bomb_on_drive_becomes_a_finding(tmp_path: Path):
    from datetime import datetime

    from .conftest import WIB, Clock
    from .google_standin.server import GoogleStandin
    from .test_contract import response
    from .worlds import GoogleWorld

    bomb = write_declared_png(tmp_path / "bomb.png", 13_000, 13_000, rgb=False).read_bytes()
    (tmp_path / "bomb.png").unlink()
    with GoogleStandin() as standin:
        world = GoogleWorld(tmp_path, Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB)), standin, {"foto-jalan.jpg": bomb})
        try:
            world.add_responses([response(0, "Ani", bukti=f"https://drive.google.com/open?id={world.files['foto-jalan.jpg']}")])
            engine = world.engine()
            report = engine.cycle()
            assert report.new == ["0001/SIAPMAS/2026"] and not report.render_errors
            item = engine.agenda_item(engine.ledger.item_records()[0])
            assert [f.message for f in item.findings if f.code == "bukti_besar"] == [
                "Gambar terlalu besar untuk pratinjau: 13000×13000 piksel (foto-jalan.jpg)"]
            assert item.evidence[0].found and item.evidence[0].local_path is None
        finally:
            world.close()
