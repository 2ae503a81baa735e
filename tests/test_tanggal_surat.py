"""Letters are dated the day they are issued: the tanda terima of a complaint received on one
day and sent on a later one reads the sending day after "Mojokerto,", and the received day
as *Tanggal diterima*."""

from __future__ import annotations

import email
import io
from datetime import datetime, timedelta
from email import policy

from pypdf import PdfReader

from .conftest import WIB


def test_tanda_terima_is_dated_the_day_it_is_sent(project, make_engine, clock):
    clock.now = datetime(2026, 12, 6, 9, 0, tzinfo=WIB)  # Budi wrote on 27 November; numbered and sent today
    make_engine(project).cycle()
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    pesan = project.parent.parent / "var" / "demo" / "output" / "pesan"
    texts = []
    for eml in sorted(pesan.rglob("*.eml")):
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        for part in msg.iter_attachments():
            if part.get_filename() == "tanda-terima-0001-SIAPMAS-2026.pdf":
                pdf = PdfReader(io.BytesIO(part.get_content()))
                texts.append(" ".join("\n".join(p.extract_text() for p in pdf.pages).split()))
    assert texts, "no tanda terima for 0001/SIAPMAS/2026"
    assert "Mojokerto, 6 Desember 2026" in texts[0]
    assert "27 November 2026" in texts[0]  # Tanggal diterima stays the day it was received
    assert "Mojokerto, 27 November 2026" not in texts[0]
