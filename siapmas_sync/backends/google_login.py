"""``siapmas-sync login``: sign the worker in with the office's own Google account (OAuth
2.0 for installed apps, google-auth-oauthlib — what gspread's own ``oauth()`` uses).

Works on a server without a browser: it prints the authorization URL; the operator opens
it in any browser and signs in. Google then sends that browser to the loopback address
``http://127.0.0.1:PORT/`` that this command listens on — which completes the login when
the browser runs on this computer. On another PC that page does not load; the operator
copies the address from that browser's address bar and pastes it here. Whichever arrives
first is used. The state parameter ties the answer to this login; PKCE (S256) ties the code
to this process.

The refresh token is written owner-only to ``[google] token_file`` and never printed or
logged; the first access token goes into the token cache, so the next ``sync`` needs no
token request.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
import urllib.parse
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, TextIO

from ..config import Settings
from ..errors import BackendAccessError, ConfigError
from .google_auth import SCOPE_USES, TokenCache, settings_scopes, short_scope, write_private_json

ABOUT_URL = "https://www.googleapis.com/drive/v3/about"
LOOPBACK = "127.0.0.1"
DONE_PAGE = ("<!doctype html><html lang='id'><meta charset='utf-8'><title>SIAPMAS Sync</title>"
             "<body style='font-family:sans-serif'><h1>Login selesai</h1><p>{text}</p></body></html>")


def read_client_secrets(path: Path | None) -> dict[str, Any]:
    """The "Desktop app" OAuth client downloaded from Cloud Console (``{"installed": …}``)."""
    if path is None:
        raise ConfigError("[google] client_secrets belum diisi.",
                          "Buat OAuth client ID jenis Desktop app di Google Cloud Console (Google Auth Platform → "
                          "Clients), unduh JSON-nya, dan isi [google] client_secrets dengan path berkas itu.")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Berkas OAuth client {path} tidak dapat dibaca ({exc.strerror}).",
                          "Periksa path [google] client_secrets dan izin bacanya.") from None
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"Berkas OAuth client {path} bukan JSON yang sah.",
                          "Unduh ulang JSON OAuth client (Desktop app) dari Google Cloud Console.") from None
    if not isinstance(data, dict) or "installed" not in data:
        kind = next(iter(data), "?") if isinstance(data, dict) else "?"
        raise ConfigError(f"Berkas {path} bukan OAuth client jenis Desktop app (isinya '{kind}').",
                          "Di Google Cloud Console buat OAuth client ID dengan Application type = Desktop app "
                          "(bukan Web application, bukan kunci akun layanan) dan unduh JSON-nya.")
    inner = data["installed"]
    missing = [k for k in ("client_id", "client_secret", "auth_uri", "token_uri") if not inner.get(k)]
    if missing:
        raise ConfigError(f"Berkas OAuth client {path} tidak lengkap (kurang: {', '.join(missing)}).",
                          "Unduh ulang JSON OAuth client (Desktop app) dari Google Cloud Console.")
    return data


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


class _Catcher(BaseHTTPRequestHandler):
    """The loopback redirect target: hands the full redirected URL to the waiting login."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "code" not in query and "error" not in query:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ok = "code" in query
        text = ("SIAPMAS Sync sudah menerima izin akun Google. Jendela ini boleh ditutup." if ok
                else "Izin tidak diberikan. Kembali ke jendela perintah untuk keterangannya.")
        body = DONE_PAGE.format(text=text).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        server = self.server
        assert isinstance(server, _CatchServer)  # the only server this handler serves
        server.answers.put(f"http://{LOOPBACK}:{server.server_port}{self.path}")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet (the URL holds the code)
        pass


class _CatchServer(HTTPServer):
    """The loopback server of one login: its handler puts each redirected URL into *answers*."""

    def __init__(self, port: int, answers: queue.Queue[str]) -> None:
        super().__init__((LOOPBACK, port), _Catcher)
        self.answers = answers


def _read_pasted(stdin: TextIO, answers: queue.Queue[str]) -> None:
    for line in stdin:
        line = line.strip()
        if line:
            answers.put(line)
            return


def _answer_params(answer: str) -> dict[str, str]:
    if "://" in answer or answer.startswith("/?") or "code=" in answer or "error=" in answer:
        query = urllib.parse.urlsplit(answer).query if "://" in answer else answer.partition("?")[2] or answer
        return {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    return {"code": answer}  # only the code was pasted


def login(s: Settings, *, port: int = 0, timeout: float = 600.0, say: Callable[[str], None] = print,
          stdin: TextIO | None = None) -> dict[str, Any]:
    """Run the installed-app flow; store the sign-in; return what to tell the operator."""
    from google_auth_oauthlib.flow import Flow
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    if s.source.backend != "google" or s.google.auth != "oauth":
        raise ConfigError("Konfigurasi ini tidak memakai akun Google kantor ([google] auth bukan \"oauth\").",
                          "Isi [source] backend = \"google\" dan di bagian [google]: auth = \"oauth\" serta "
                          "client_secrets = \"<path JSON OAuth client>\", lalu jalankan login lagi.")
    for noisy in ("requests_oauthlib", "oauthlib"):  # at DEBUG they would log the token response
        logging.getLogger(noisy).setLevel(logging.WARNING)
    secrets_json = read_client_secrets(s.google.client_secrets)
    client = secrets_json["installed"]
    if _is_loopback(client["token_uri"]):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # only a loopback stand-in is plain http
    os.environ["OAUTHLIB_RELAX_TOKEN_SCOPE"] = "1"  # unticked scopes are checked below, with advice
    scopes = settings_scopes(s)
    answers: queue.Queue[str] = queue.Queue()
    try:
        server = _CatchServer(port, answers)
    except OSError as exc:
        raise BackendAccessError(f"Port {port} di {LOOPBACK} tidak dapat dipakai ({exc.strerror}).",
                                 "Pakai port lain: `siapmas-sync login --port 8765`, atau --port 0 (bebas).") from None
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    try:
        redirect = f"http://{LOOPBACK}:{server.server_address[1]}/"
        flow = Flow.from_client_config(secrets_json, scopes=scopes, redirect_uri=redirect)
        url, state = flow.authorization_url(prompt="consent")  # consent: always a refresh token
        say("Buka alamat ini di peramban (di komputer ini atau komputer lain) dan masuk dengan akun Google kantor "
            "(pemilik formulir):")
        say(url)
        say("Izin yang diminta:")
        for scope in scopes:
            say(f"  - {SCOPE_USES.get(scope, short_scope(scope))}")
        say(f"Menunggu jawaban Google di {redirect} … Jika peramban di komputer lain lalu menampilkan "
            "\"situs tidak dapat dijangkau\", salin seluruh alamat dari kotak alamat peramban itu, tempel di sini, "
            "lalu tekan Enter.")
        threading.Thread(target=_read_pasted, args=(stdin or sys.stdin, answers), daemon=True).start()
        try:
            answer = answers.get(timeout=timeout)
        except queue.Empty:
            raise BackendAccessError(f"Tidak ada jawaban login dalam {timeout:.0f} detik.",
                                     "Jalankan `siapmas-sync login` lagi dan selesaikan masuk di peramban.") from None
    finally:
        server.shutdown()
        server.server_close()
    params = _answer_params(answer)
    if "error" in params:
        raise BackendAccessError(f"Google tidak memberi izin ({params['error']}).",
                                 "Jalankan login lagi dan pilih Izinkan/Continue; akun itu harus terdaftar sebagai "
                                 "test user bila aplikasi OAuth masih berstatus Testing.")
    if "state" in params and params["state"] != state:
        raise BackendAccessError("Alamat yang ditempel bukan jawaban untuk login ini (state berbeda).",
                                 "Tempel alamat dari login yang sedang berjalan, atau jalankan login lagi.")
    if not params.get("code"):
        raise BackendAccessError("Alamat yang ditempel tidak memuat kode izin (code=…).",
                                 "Salin seluruh alamat dari kotak alamat peramban setelah masuk, lalu tempel lagi.")
    try:
        token = flow.fetch_token(code=params["code"])
    except OAuth2Error as exc:
        raise BackendAccessError(f"Google menolak penukaran kode login ({exc.error}).",
                                 "Jalankan login lagi (kode hanya berlaku sekali dan sebentar); jika invalid_client, "
                                 "unduh ulang JSON OAuth client dari Google Cloud Console.") from None
    except OSError as exc:
        raise BackendAccessError(f"Tidak dapat menghubungi Google ({type(exc).__name__}).",
                                 "Periksa koneksi internet server, lalu jalankan login lagi.") from None
    said = token.get("scope", scopes)  # oauthlib gives the token response's "scope" as a list
    granted = sorted(set(said.split() if isinstance(said, str) else said))
    unticked = [sc for sc in scopes if sc not in granted]
    if unticked:
        raise BackendAccessError(
            "Izin tidak lengkap: " + "; ".join(SCOPE_USES.get(sc, short_scope(sc)) for sc in unticked) + " tidak dicentang.",
            "Jalankan login lagi dan centang semua kotak izin di layar persetujuan Google.")
    if not token.get("refresh_token"):
        raise BackendAccessError("Google tidak memberi refresh token.", "Jalankan login lagi.")
    account = _account_of(flow, s)
    now = datetime.now(timezone.utc)
    record = {
        "type": "authorized_user", "account": account, "client_id": client["client_id"],
        "client_secret": client["client_secret"], "token_uri": client["token_uri"],
        "refresh_token": token["refresh_token"], "scopes": granted, "login_at": now.isoformat(timespec="seconds"),
    }
    if token.get("refresh_token_expires_in"):  # time-limited consent (Testing status and the like)
        record["refresh_expires_at"] = (now + timedelta(seconds=int(token["refresh_token_expires_in"]))).isoformat(
            timespec="seconds")
    path = s.login_path()
    write_private_json(path, record)
    creds = flow.credentials
    TokenCache(s.token_cache_path()).store(creds, TokenCache.key(account, granted))
    return {"account": account, "scopes": granted, "path": str(path)}


def _account_of(flow: Any, s: Settings) -> str:
    """The signed-in e-mail, asked of Drive ``about.get`` (works with drive.readonly, so no
    extra openid/email scope is requested)."""
    from .google_http import EndpointSession

    session = EndpointSession(flow.credentials, s.source.google_endpoint, s.source.timeout_seconds)
    try:
        resp = session.get(ABOUT_URL, params={"fields": "user(emailAddress)"})
        if resp.ok:
            email = (resp.json().get("user") or {}).get("emailAddress")
            if email:
                return str(email)
        raise BackendAccessError(f"Google tidak menyebut akun yang masuk (HTTP {resp.status_code}).",
                                 "Pastikan Google Drive API diaktifkan di proyek Cloud, lalu jalankan login lagi.")
    except OSError as exc:
        raise BackendAccessError(f"Tidak dapat menghubungi Google ({type(exc).__name__}).",
                                 "Periksa koneksi internet server, lalu jalankan login lagi.") from None
    finally:
        session.close()
