"""The stand-in's OAuth installed-app flow refuses what Google refuses, with Google's error
bodies (tests/google_standin/README.md, "OAuth 2.0 for installed apps"); the real
google-auth user credentials refresh against it."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse

import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials

from .google_standin.server import GoogleStandin

USER = "kantor@gmail.com"
SCOPES = "https://www.googleapis.com/auth/spreadsheets https://www.googleapis.com/auth/drive.readonly"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def g():
    with GoogleStandin() as standin:
        yield standin


def authorize(g: GoogleStandin, client: dict, redirect: str = "http://127.0.0.1:8765/") -> requests.Response:
    c = client["installed"]
    return requests.get(c["auth_uri"], params={
        "client_id": c["client_id"], "redirect_uri": redirect, "response_type": "code", "scope": SCOPES,
        "state": "s1", "code_challenge": CHALLENGE, "code_challenge_method": "S256"}, allow_redirects=False, timeout=5)


def code_of(resp: requests.Response) -> str:
    assert resp.status_code == 302, resp.text
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(resp.headers["Location"]).query)
    assert q["state"] == ["s1"]
    return q["code"][0]


def exchange(g: GoogleStandin, client: dict, code: str, **over: str) -> requests.Response:
    c = client["installed"]
    form = {"grant_type": "authorization_code", "code": code, "client_id": c["client_id"],
            "client_secret": c["client_secret"], "redirect_uri": "http://127.0.0.1:8765/", "code_verifier": VERIFIER}
    return requests.post(g.token_url, data={**form, **over}, timeout=5)


def test_code_exchange_and_refresh_with_google_auth(g: GoogleStandin):
    client = g.make_oauth_client(USER)
    tok = exchange(g, client, code_of(authorize(g, client))).json()
    assert set(tok) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
    assert tok["scope"].split() == sorted(SCOPES.split())
    c = client["installed"]
    creds = Credentials(None, refresh_token=tok["refresh_token"], token_uri=c["token_uri"], client_id=c["client_id"],
                        client_secret=c["client_secret"])
    creds.refresh(Request())
    about = requests.get(g.url + "/drive/v3/about", params={"fields": "user(emailAddress)"},
                         headers={"Authorization": f"Bearer {creds.token}"}, timeout=5)
    assert about.json() == {"user": {"emailAddress": USER}}
    no_fields = requests.get(g.url + "/drive/v3/about", headers={"Authorization": f"Bearer {creds.token}"}, timeout=5)
    assert no_fields.status_code == 400 and no_fields.json()["error"]["errors"][0]["reason"] == "required"

    assert g.revoke_refresh_tokens(USER) == 1
    gone = requests.get(g.url + "/drive/v3/about", params={"fields": "user"},
                        headers={"Authorization": f"Bearer {creds.token}"}, timeout=5)
    assert gone.status_code == 401  # the access tokens it issued end with it
    with pytest.raises(RefreshError, match="invalid_grant"):
        creds.refresh(Request())
    c = client["installed"]
    raw = requests.post(g.token_url, data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                                           "client_id": c["client_id"], "client_secret": c["client_secret"]}, timeout=5)
    assert raw.status_code == 400
    assert raw.json() == {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}


def test_what_google_refuses(g: GoogleStandin):
    client = g.make_oauth_client(USER)
    assert authorize(g, client, redirect="https://example.com/cb").status_code == 400  # not loopback
    assert "redirect_uri_mismatch" in authorize(g, client, redirect="https://example.com/cb").text
    code = code_of(authorize(g, client))
    wrong = exchange(g, client, code, client_secret="GOCSPX-wrong")
    assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client", "error_description": "Unauthorized"}
    unknown = exchange(g, client, code, client_id="1-x.apps.googleusercontent.com")
    assert unknown.json()["error_description"] == "The OAuth client was not found."
    assert exchange(g, client, code, code_verifier="w" * 64).json() == {"error": "invalid_grant",
                                                                         "error_description": "Bad Request"}
    assert exchange(g, client, code).status_code == 200
    assert exchange(g, client, code).json()["error"] == "invalid_grant"  # a code is good once
    tester_only = g.make_oauth_client(USER, testing=True, test_users=("someone@else.test",))
    assert authorize(g, tester_only).status_code == 403


def test_a_testing_app_refresh_token_lives_seven_days(tmp_path):
    now = [1_800_000_000.0]
    with GoogleStandin(clock=lambda: now[0]) as g:
        client = g.make_oauth_client(USER, testing=True)
        tok = exchange(g, client, code_of(authorize(g, client))).json()
        c = client["installed"]
        form = {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"], "client_id": c["client_id"],
                "client_secret": c["client_secret"]}
        now[0] += 6 * 24 * 3600
        assert requests.post(g.token_url, data=form, timeout=5).status_code == 200
        now[0] += 24 * 3600
        late = requests.post(g.token_url, data=form, timeout=5)
        assert late.json() == {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
