"""The Laporan Hasil Tindak Lanjut's attachment is a file the citizen can open: given as a
file at SELESAI, it is kept with the item, named "terlampir" on the Laporan (which carries
the AKD's signature block) and attached to the final reply e-mail — not only a Drive link."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from .test_engine import pdf_text, run_cli
from .test_kendali import OLEH

GALIAN = "0001/SIAPMAS/2026"
STEPS = ["PARAF KASUBAG TU", "PARAF KABAG", "DISPOSISI SEKWAN", "DISPOSISI KETUA", "DISPOSISI DIBACAKAN",
         "DICATAT & DIDISTRIBUSIKAN", "TINDAK LANJUT"]


def test_a_lampiran_file_reaches_the_citizen(project: Path, tmp_path: Path) -> None:
    notulen = tmp_path / "Notulen RDP 10-12-2026.pdf"
    notulen.write_bytes(b"%PDF-1.4\n% notulen rapat dengar pendapat\n%%EOF\n")
    assert run_cli(project, "sync").returncode == 0
    for stage in STEPS:
        args = ["advance", GALIAN, stage, "--by", OLEH[stage]]
        if stage == "DISPOSISI KETUA":
            args += ["--to", "Komisi III"]
        out = run_cli(project, *args)
        assert out.returncode == 0, out.stdout + out.stderr
    done = run_cli(project, "advance", GALIAN, "SELESAI", "--by", OLEH["SELESAI"],
                   "--laporan", "RDP dengan DLH dan ESDM; penambangan dihentikan.", "--lampiran", str(notulen))
    assert done.returncode == 0, done.stdout + done.stderr
    notulen.unlink()  # the operator's copy may go: the item keeps its own
    # the final reply leaves only once the letter is approved and numbered (setujui-surat)
    approved = run_cli(project, "setujui-surat", GALIAN, "--by", "Bambang Wahyudi")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    for _ in range(2):
        assert run_cli(project, "sync").returncode == 0
    folder = project.parent.parent / "var" / "demo" / "output" / "2026" / "0001-SIAPMAS-2026"
    text = " ".join(pdf_text(folder / "laporan-hasil-tindak-lanjut.pdf").split())
    assert "Notulen-RDP-10-12-2026.pdf (berkas terlampir" in text
    assert "Pimpinan Komisi III" in text  # the AKD's signature block
    sent = []
    for eml in (project.parent.parent / "var" / "demo" / "output" / "pesan").rglob("*.eml"):
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        names = [p.get_filename() for p in msg.iter_attachments()]
        if any(n and n.startswith("surat-balasan-0001") for n in names):
            sent.append((names, msg))
    assert sent, "no final reply"
    names, msg = sent[0]
    assert "Notulen-RDP-10-12-2026.pdf" in names
    part = next(p for p in msg.iter_attachments() if p.get_filename() == "Notulen-RDP-10-12-2026.pdf")
    assert b"notulen rapat dengar pendapat" in part.get_content()
