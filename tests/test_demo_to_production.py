"""From `make demo` to production, as the README tells it: the demo's fictitious
reporters never reach the production sheet, and its ledger is never reused."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from siapmas_sync.core.sheetplan import cell_text

from .conftest import WIB
from .google_standin.server import GoogleStandin
from .test_engine import run_cli
from .worlds import HEADER, SA_EMAIL

DEMO_REPORTERS = ("Budi Santoso", "Siti Aminah", "budi.santoso@example.com")


def production_config(project: Path, standin: GoogleStandin, sid: str, folder: str) -> Path:
    """config/siapmas.toml made from the shipped example, as step 3 of "Running on Google" says."""
    config_dir = project.parent
    key = config_dir / "service-account.json"
    key.write_text(json.dumps(standin.make_service_account_key(SA_EMAIL)), encoding="utf-8")
    text = (config_dir / "siapmas.google.example.toml").read_text(encoding="utf-8")
    text = text.replace("1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdef", sid)
    text = text.replace("1FolderIdOfTheFormsFileUploads", folder)
    text = text.replace("/etc/siapmas/service-account.json", str(key))
    text = text.replace("max_retries = 6", f'max_retries = 2\nretry_base_seconds = 0.01\ngoogle_endpoint = "{standin.url}"')
    # every ISI_ value filled in with the office's data; this office sends no e-mail yet
    filled = {"ISI_EMAIL_KANTOR": "sekwan@example.go.id", "ISI_TELEPON_KANTOR": "0321 123456",
              "ISI_NIP_SEKRETARIS_DPRD": "197001011990031001"}
    text = re.sub(r"ISI_[A-Z_]+", lambda m: filled.get(m.group(0), m.group(0)[4:].replace("_", " ").title()), text)
    text = text.replace("[notify.email]\nenabled = true", "[notify.email]\nenabled = false")
    prod = config_dir / "siapmas.toml"
    prod.write_text(text, encoding="utf-8")
    return prod


def test_the_copied_example_is_refused_until_its_isi_values_are_filled(project: Path):
    """The production example ships [notify] on, [kop], [templates] and [[pejabat]] with
    ISI_ placeholders: doctor names each one (and e-mail is not sent) until they are filled."""
    example = project.parent / "siapmas.google.example.toml"
    copy = project.parent / "siapmas.toml"
    copy.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    r = run_cli(copy, "doctor")
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr
    line = next(x for x in r.stdout.splitlines() if "Isian contoh" in x)
    assert line.startswith("[GAGAL]")
    for key in ("kop.email", "notify.email.username", "templates.penandatangan_nama", "pejabat[2].nama"):
        assert key in r.stdout, key
    assert "Ganti setiap nilai yang diawali ISI_" in r.stdout


def test_demo_then_production_shares_nothing(project: Path):
    demo = run_cli(project, "sync", "--json")
    assert demo.returncode == 0, demo.stderr
    assert len(json.loads(demo.stdout)["new"]) == 6
    root = project.parent.parent
    assert (root / "var" / "demo" / "siapmas.db").is_file()
    assert sorted(p.name for p in (root / "var").iterdir()) == ["demo"]  # nothing outside the demo folder

    with GoogleStandin() as standin:
        folder = standin.create_folder("Bukti Dukung (File responses)", share_with=[(SA_EMAIL, "reader")])
        stamp = datetime(2026, 11, 30, 9, 15, tzinfo=WIB).strftime("%d/%m/%Y %H.%M.%S")
        sid = standin.create_spreadsheet("SIAPMAS (Jawaban)", {"Form Responses 1": [
            HEADER, [stamp, "Warga Produksi", "0813-1111-2222", "warga@example.com",
                     "Jembatan di Desa Gedeg retak sejak banjir minggu lalu, mohon diperiksa.", ""]]},
            share_with=[(SA_EMAIL, "writer")])
        prod = production_config(project, standin, sid, folder)

        r = run_cli(prod, "sync", "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["new"] == ["0001/SIAPMAS/2026"]  # not 0007: a ledger of its own
        for tab in ("Form Responses 1", "Buku Agenda", "Riwayat", "Kendali"):
            text = " ".join(cell_text(v) for row in standin.get_values(sid, tab) for v in row)
            assert not any(name in text for name in DEMO_REPORTERS), tab

        # the demo's ledger pointed at the production sheet by mistake: refused, sheet untouched
        before = standin.get_values(sid, "Buku Agenda")
        wrong = run_cli(prod, "sync", env={"SIAPMAS_STORAGE__DATABASE": str(root / "var" / "demo" / "siapmas.db")})
        assert wrong.returncode == 2 and "GALAT:" in wrong.stderr and "buku register lokal" in wrong.stderr
        assert standin.get_values(sid, "Buku Agenda") == before
    # and the demo still runs on its own files, untouched by production
    again = run_cli(project, "sync", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["new"] == []
