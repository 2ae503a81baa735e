"""The access token kept between scheduled processes (backends/google_auth.py): a `sync`
started by a scheduler is a new process every cycle; an idle one costs ONE request to
Google (the Drive version check), not a token request first — for a service account and
for the office's own account alike. The cache is owner-only and an expired token in it is
replaced, never used."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from .conftest import WIB
from .google_standin.server import GoogleStandin
from .test_google_login import OFFICE, cli, login_loopback, make_office
from .worlds import HEADER, SA_EMAIL

STEADY = '[schedule]\ndrive_lag_minutes = 0\n'  # the stand-in shows our own write-back at once (lag 0)


def service_account_office(root: Path, g: GoogleStandin) -> tuple[Path, str]:
    (root / "config").mkdir()
    key = root / "config" / "service-account.json"
    key.write_text(json.dumps(g.make_service_account_key(SA_EMAIL)), encoding="utf-8")
    folder = g.create_folder("Bukti Dukung (File responses)", share_with=[(SA_EMAIL, "reader")])
    sid = g.create_spreadsheet("SIAPMAS (Jawaban)", {"Form Responses 1": [HEADER]}, share_with=[(SA_EMAIL, "writer")])
    config = root / "config" / "siapmas.toml"
    config.write_text(
        f'[source]\nbackend = "google"\nspreadsheet_id = "{sid}"\nevidence_folder_id = "{folder}"\n'
        f'credentials = "service-account.json"\ngoogle_endpoint = "{g.url}"\nretry_base_seconds = 0.01\n'
        'timeout_seconds = 5\n[storage]\ndatabase = "../var/siapmas.db"\n'
        '[output]\ndir = "../var/output"\nprint_batch = false\ndocx = false\n[publik]\nenabled = false\n'
        '[notify]\ntransport = "file"\n[notify.whatsapp]\nenabled = false\n' + STEADY, encoding="utf-8")
    return config, sid


def steady(config: Path) -> None:
    config.write_text(config.read_text(encoding="utf-8") + STEADY, encoding="utf-8")


def one_response(g: GoogleStandin, sid: str) -> None:
    stamp = datetime(2026, 12, 1, 9, 0, tzinfo=WIB).strftime("%d/%m/%Y %H.%M.%S")
    g.set_values(sid, "Form Responses 1", [[stamp, "Ani", "0812-3456-7890", "ani@example.com",
                                            "Jalan rusak di Desa Kemlagi sejak Oktober.", ""]], start_row=2)


def sync_requests(g: GoogleStandin, config: Path) -> list[str]:
    g.reset_log()
    r = cli(config, "sync")
    assert r.returncode == 0, r.stderr
    return [q.route for q in g.requests]


@pytest.mark.parametrize("who", ["service_account", "oauth"])
def test_an_idle_sync_process_is_one_request(tmp_path: Path, who: str):
    with GoogleStandin() as g:
        if who == "oauth":
            office = make_office(tmp_path, g)
            config, sid = office.config, office.sid
            steady(config)
            assert login_loopback(config)[0] == 0
        else:
            config, sid = service_account_office(tmp_path, g)
        one_response(g, sid)
        first = sync_requests(g, config)
        assert first.count("oauth.token") == (1 if who == "service_account" else 0)  # login left its token
        for _ in range(3):  # our own write-back shows in Drive: read once more, then idle
            if sync_requests(g, config) == ["drive.files.get"]:
                break
        for _ in range(2):  # two more scheduled processes, each idle: the version check and nothing else
            assert sync_requests(g, config) == ["drive.files.get"]
        cache = tmp_path / "var" / "google-token-cache.json"
        assert stat.S_IMODE(cache.stat().st_mode) == 0o600
        account = SA_EMAIL if who == "service_account" else OFFICE
        assert list(json.loads(cache.read_text())) == [k for k in json.loads(cache.read_text()) if k.startswith(account)]

        # an hour later the cached token has expired: dropped, one token request, then cached again
        entries = json.loads(cache.read_text())
        for entry in entries.values():
            entry["expiry"] = (datetime.fromisoformat(entry["expiry"]) - timedelta(hours=1)).isoformat()
        cache.write_text(json.dumps(entries), encoding="utf-8")
        assert sync_requests(g, config) == ["oauth.token", "drive.files.get"]
        assert sync_requests(g, config) == ["drive.files.get"]


def test_a_token_google_no_longer_accepts_is_replaced(tmp_path: Path):
    with GoogleStandin() as g:
        config, sid = service_account_office(tmp_path, g)
        one_response(g, sid)
        sync_requests(g, config)
        g.revoke_tokens(SA_EMAIL)  # the cached token is refused (401) before its expiry
        routes = sync_requests(g, config)
        assert routes.count("oauth.token") == 1 and routes[-1] != "oauth.token"
        assert g.count(status=401) == 1
        assert sync_requests(g, config).count("oauth.token") == 0
