"""The office signs the worker in with its own Google account (README, "Running on
Google" → "Signing in with the office's Google account"), step by step against the
stand-in's OAuth installed-app flow: `login` (loopback redirect, or the redirected URL
pasted from another PC's browser) → `sync` (uploads owned by the person) → the refresh
token revoked → GALAT + Saran, nothing lost → `login` again → everything completes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests

from .clirun import CliResult, run_cli
from .conftest import WIB
from .google_standin.server import GoogleStandin
from .worlds import HEADER

OFFICE = "sekretariat.dprd.mojokerto@gmail.com"


@dataclass
class Office:
    standin: GoogleStandin
    root: Path
    config: Path
    sid: str
    uploads: str

    def tab(self, title: str) -> list[list]:
        try:
            return self.standin.get_values(self.sid, title)
        except KeyError:
            return []


def write_config(root: Path, g: GoogleStandin, sid: str, folder: str, uploads: str, secrets: dict) -> Path:
    """README step 3: the shipped example with [google] auth = "oauth" (ids filled in)."""
    (root / "config").mkdir()
    (root / "config" / "client_secret.json").write_text(json.dumps(secrets), encoding="utf-8")
    config = root / "config" / "siapmas.toml"
    config.write_text(
        f'[source]\nbackend = "google"\nspreadsheet_id = "{sid}"\nevidence_folder_id = "{folder}"\n'
        f'upload_folder_id = "{uploads}"\ngoogle_endpoint = "{g.url}"\nretry_base_seconds = 0.01\n'
        'timeout_seconds = 5\nmax_retries = 1\n'
        '[google]\nauth = "oauth"\nclient_secrets = "client_secret.json"\n'
        '[storage]\ndatabase = "../var/siapmas.db"\n[output]\ndir = "../var/output"\nprint_batch = false\ndocx = false\n'
        '[publik]\nenabled = false\n[notify]\ntransport = "file"\n[notify.whatsapp]\nenabled = false\n',
        encoding="utf-8")
    return config


def make_office(root: Path, g: GoogleStandin, **client: object) -> Office:
    # a free-Gmail office: the form's sheet and folders belong to the person, no service account
    folder = g.create_folder("Bukti Dukung (File responses)", owner=OFFICE)
    uploads = g.create_folder("SIAPMAS Dokumen", owner=OFFICE)
    sid = g.create_spreadsheet("SIAPMAS (Jawaban)", {"Form Responses 1": [HEADER]}, owner=OFFICE)
    config = write_config(root, g, sid, folder, uploads, g.make_oauth_client(OFFICE, **client))  # type: ignore[arg-type]
    return Office(g, root, config, sid, uploads)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with GoogleStandin() as g:
        yield make_office(tmp_path, g)


def cli(config: Path, *args: str) -> CliResult:
    """In-process (tests/clirun.py), nothing on stdin; `login` itself runs as a process (Login)."""
    return run_cli(config, *args, input="", env={"OAUTHLIB_INSECURE_TRANSPORT": ""})


class Login:
    """`siapmas-sync login` as a process; the test plays the operator and the browser."""

    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "siapmas_sync", "--config", str(config), "login", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
            env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self.url = ""
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line.rstrip("\n"))
            if line.startswith("http"):
                self.url = line.strip()
            if line.startswith("Menunggu"):
                break
        assert self.url, self.lines + [self.proc.stderr.read()]  # type: ignore[union-attr]

    def consent(self) -> str:
        """The browser: Google's page consents and redirects to the loopback address."""
        r = requests.get(self.url, allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text
        return r.headers["Location"]

    def finish(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, "\n".join(self.lines) + "\n" + out, err


def login_loopback(config: Path) -> tuple[int, str, str]:
    lg = Login(config)
    page = requests.get(lg.consent(), timeout=10)  # the browser runs on the server itself
    assert page.status_code == 200 and "Login selesai" in page.text
    return lg.finish()


def login_pasted(config: Path) -> tuple[int, str, str]:
    lg = Login(config, env={"SIAPMAS_LOG_LEVEL": "DEBUG"})  # even at DEBUG no token reaches the screen
    redirected = lg.consent()  # another PC's browser cannot reach 127.0.0.1 of the server: copied by hand
    lg.proc.stdin.write(redirected + "\n")  # type: ignore[union-attr]
    lg.proc.stdin.flush()  # type: ignore[union-attr]
    return lg.finish()


def token_requests(g: GoogleStandin) -> int:
    return g.count(route="oauth.token")


def test_login_sync_revoke_login_again(office: Office):
    g = office.standin
    code, out, err = login_pasted(office.config)
    assert code == 0, err
    assert f"Masuk sebagai {OFFICE}" in out
    login_file = office.config.parent / "google-login.json"
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
    refresh = json.loads(login_file.read_text())["refresh_token"]
    assert refresh not in out + err  # never printed

    def stamp(m: int) -> str:
        return datetime(2026, 12, 1, 9, m, tzinfo=WIB).strftime("%d/%m/%Y %H.%M.%S")

    g.set_values(office.sid, "Form Responses 1", [
        [stamp(0), "Ani", "0812-3456-7890", "ani@example.com", "Jalan rusak di Desa Kemlagi sejak Oktober.", ""]],
        start_row=2)
    first = cli(office.config, "sync", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["new"] == ["0001/SIAPMAS/2026"]
    uploaded = g.find_files(parent=office.uploads)
    assert uploaded, "the documents were uploaded"
    assert {g.file_metadata(f)["owners"][0]["emailAddress"] for f in uploaded} == {OFFICE}

    # the office removes the app's access in its Google account: the next cycle says what to do
    assert g.revoke_refresh_tokens(OFFICE) == 1
    g.set_values(office.sid, "Form Responses 1", [
        [stamp(5), "Budi", "0813-1111-2222", "budi@example.com", "Lampu jalan di Desa Gedeg padam.", ""]],
        start_row=3)
    denied = cli(office.config, "sync")
    assert denied.returncode == 2
    assert "GALAT:" in denied.stderr and "invalid_grant" in denied.stderr
    assert "Saran:" in denied.stderr and "siapmas-sync login" in denied.stderr
    assert "Traceback" not in denied.stderr and refresh not in denied.stderr
    agenda = [r[2] for r in office.tab("Buku Agenda")[1:]]
    assert agenda == ["0001/SIAPMAS/2026"]  # nothing numbered behind the sheet's back

    code, out, err = login_loopback(office.config)
    assert code == 0, err
    again = cli(office.config, "sync", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new"] == ["0002/SIAPMAS/2026"]
    agenda = [r[2] for r in office.tab("Buku Agenda")[1:]]
    assert agenda == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]  # none lost, none repeated
    names = [g.file_metadata(f)["name"] for f in g.find_files(parent=office.uploads)]
    assert any(n.startswith("0002-SIAPMAS-2026") for n in names), names


def add_response(office: Office, row: int, minute: int, nama: str) -> None:
    stamp = datetime(2026, 12, 1, 9, minute, tzinfo=WIB).strftime("%d/%m/%Y %H.%M.%S")
    office.standin.set_values(office.sid, "Form Responses 1", [
        [stamp, nama, "0812-3456-7890", f"{nama.lower()}@example.com", "Jalan rusak di Desa Kemlagi.", ""]],
        start_row=row)


def test_doctor_shows_the_signed_in_account_and_scopes(office: Office):
    before = cli(office.config, "doctor")
    assert before.returncode == 1
    assert "[GAGAL] Akun Google kantor (login)" in before.stdout and "siapmas-sync login" in before.stdout
    code, _out, err = login_loopback(office.config)
    assert code == 0, err
    r = cli(office.config, "doctor")
    assert r.returncode == 0, r.stdout
    assert f"[OK   ] Akun Google kantor (login) / signed-in account: {OFFICE}; izin: drive.file, drive.readonly, " \
           "spreadsheets" in r.stdout
    # a fresh sign-in may be one Google ends after 7 days (the publishing status is not readable)
    assert "[AWAS ] Status aplikasi OAuth" in r.stdout and "Publish app" in r.stdout
    assert json.loads((office.config.parent / "google-login.json").read_text())["refresh_token"] not in r.stdout


def test_unticked_scope_is_refused_at_login(tmp_path: Path):
    with GoogleStandin() as g:
        office = make_office(tmp_path, g, unticked=("https://www.googleapis.com/auth/drive.file",))
        code, _out, err = login_loopback(office.config)
    assert code == 2 and "GALAT: Izin tidak lengkap: drive.file" in err and "centang semua" in err
    assert not (office.config.parent / "google-login.json").exists()


def test_testing_app_sign_in_ends_after_seven_days(tmp_path: Path):
    now = [datetime.now().timestamp()]
    with GoogleStandin(clock=lambda: now[0]) as g:
        office = make_office(tmp_path, g, testing=True)
        code, _out, err = login_loopback(office.config)
        assert code == 0, err
        add_response(office, 2, 0, "Ani")
        assert cli(office.config, "sync").returncode == 0
        now[0] += 7 * 24 * 3600 + 60  # Google ends a Testing app's refresh token after 7 days
        add_response(office, 3, 5, "Budi")
        denied = cli(office.config, "sync")
        assert denied.returncode == 2 and "invalid_grant" in denied.stderr
        assert "siapmas-sync login" in denied.stderr and "Testing" in denied.stderr
        doctor = cli(office.config, "doctor")
        assert "[GAGAL] Token Google / token" in doctor.stdout and "siapmas-sync login" in doctor.stdout
        code, _out, err = login_loopback(office.config)
        assert code == 0, err
        again = cli(office.config, "sync", "--json")
        assert json.loads(again.stdout)["new"] == ["0002/SIAPMAS/2026"], again.stderr


def test_a_folder_set_after_login_asks_for_login_again(tmp_path: Path):
    from siapmas_sync.backends.google_auth import Identity, settings_scopes
    from siapmas_sync.config import load_settings
    from siapmas_sync.errors import ConfigError

    (tmp_path / "google-login.json").write_text(json.dumps({
        "account": OFFICE, "client_id": "1-x.apps.googleusercontent.com", "client_secret": "s", "token_uri": "t",
        "refresh_token": "r", "scopes": ["https://www.googleapis.com/auth/drive.readonly",
                                         "https://www.googleapis.com/auth/spreadsheets"]}), encoding="utf-8")
    config = tmp_path / "siapmas.toml"
    config.write_text('[source]\nbackend = "google"\nspreadsheet_id = "x"\nupload_folder_id = "1Folder"\n'
                      '[google]\nauth = "oauth"\n', encoding="utf-8")
    s = load_settings(config, environ={})
    with pytest.raises(ConfigError) as err:
        Identity.from_settings(s).credentials(settings_scopes(s))
    assert "drive.file" in str(err.value) and "siapmas-sync login" in err.value.advice
