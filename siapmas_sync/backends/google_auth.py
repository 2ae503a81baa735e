"""Who the worker is on Google, and its access token between processes.

Two identities (``[google] auth``):

* ``service_account`` (default): the key file of ``[source] credentials`` — Workspace
  offices, with uploads into a Shared Drive (a service account owns no Drive storage);
* ``oauth``: the office's own Google account (the one that owns the form), signed in once
  with ``siapmas-sync login`` (OAuth 2.0 for installed apps, siapmas_sync/backends/google_login.py). Its
  refresh token lives in ``[google] token_file`` (owner-only JSON, never printed or
  logged); google-auth refreshes the access token from it by itself. Google refusing the
  refresh token (``invalid_grant``: revoked, or the 7 days of an app left in "Testing")
  raises :class:`~.google_http.LoginRequired`, which the cycle reports as GALAT + Saran
  "jalankan `siapmas-sync login`".

Access-token cache: a scheduler starts ``sync`` as a new process every few minutes; without
a cache each process asks the token endpoint first, so an idle cycle would cost two
requests. Tokens are kept in ``[google] token_cache`` (owner-only), one per account and
scope set, and used while google-auth still deems them valid (more than ~4 minutes left);
an expired one is dropped and refreshed, and a token Google no longer accepts (401) is
refreshed by the client libraries and replaced here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import google.oauth2.credentials
from google.auth.exceptions import RefreshError
from google.oauth2 import service_account

from ..errors import ConfigError
from ..durable import atomic_write_bytes
from ..filemodes import others_can_open
from .google_http import SCOPE_DRIVE_FILE, SCOPE_DRIVE_READ, SCOPE_SHEETS, LoginRequired, load_key

log = logging.getLogger("siapmas.google")

#: what each scope is for (doctor, login and README say the same)
SCOPE_USES = {
    SCOPE_SHEETS: "spreadsheets: membaca jawaban, menulis status dan tab register",
    SCOPE_DRIVE_READ: "drive.readonly: membaca daftar dan isi berkas bukti, versi spreadsheet",
    SCOPE_DRIVE_FILE: "drive.file: mengunggah PDF/cadangan/rekap (hanya berkas buatan SIAPMAS Sync sendiri)",
}


def scopes_for(upload_folder_id: str = "", backup_folder_id: str = "", rekap_folder_id: str = "") -> list[str]:
    """The least scopes that work: ``drive.file`` only when the worker creates files."""
    return [SCOPE_SHEETS, SCOPE_DRIVE_READ] + (
        [SCOPE_DRIVE_FILE] if upload_folder_id or backup_folder_id or rekap_folder_id else [])


def settings_scopes(s: Any) -> list[str]:
    return scopes_for(s.source.upload_folder_id, s.backup.drive_folder_id, s.rekap.drive_folder_id)


def short_scope(scope: str) -> str:
    return scope.rsplit("/", 1)[-1]


# --- the access-token cache -------------------------------------------------------------


def _utc_naive(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt


def write_private_json(path: Path, data: Any) -> None:
    """Replace *path* atomically with *data* as JSON, owner-only (0600) from the start
    (mkstemp creates the temp file 0600; :func:`~siapmas_sync.durable.atomic_write_bytes`)."""
    atomic_write_bytes(path, json.dumps(data, indent=1).encode("utf-8"))


class TokenCache:
    """Access tokens by (account, scopes) in one owner-only JSON file. Best effort: a
    cache that cannot be read or written only costs a token request."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @staticmethod
    def key(account: str, scopes: Any) -> str:
        return account + " " + " ".join(sorted(scopes or ()))

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, creds: Any, key: str) -> bool:
        """Give *creds* the cached token when it is still good; True when it was."""
        entry = self._read().get(key)
        if not isinstance(entry, dict) or not entry.get("token"):
            return False
        try:
            expiry = datetime.fromisoformat(str(entry["expiry"]))
        except (KeyError, ValueError):
            return False
        creds.token = str(entry["token"])
        creds.expiry = _utc_naive(expiry)
        if not creds.valid:  # expired or about to (google-auth's own threshold): not used
            creds.token = None
            creds.expiry = None
            return False
        return True

    def store(self, creds: Any, key: str) -> None:
        if self.path is None or not creds.token or creds.expiry is None:
            return
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        data = {k: v for k, v in self._read().items()
                if isinstance(v, dict) and str(v.get("expiry", "")) > now.isoformat()}  # expired ones dropped
        data[key] = {"token": creds.token, "expiry": _utc_naive(creds.expiry).isoformat()}
        try:
            write_private_json(self.path, data)
        except OSError as exc:
            log.warning("Token akses tidak dapat disimpan di %s (%s); siklus berikutnya meminta token baru",
                        self.path, exc.strerror)


class _Caching:
    """Mixed into google-auth credentials: a refreshed token goes into the cache."""

    _siapmas_cache: TokenCache | None = None
    _siapmas_key = ""

    def refresh(self, request: Any) -> None:
        super().refresh(request)  # type: ignore[misc]
        if self._siapmas_cache is not None:
            self._siapmas_cache.store(self, self._siapmas_key)


class CachingServiceAccount(_Caching, service_account.Credentials):
    pass


class OfficeAccount(_Caching, google.oauth2.credentials.Credentials):
    """The office's own account: ``invalid_grant`` becomes :class:`LoginRequired`; a
    refresh token Google rotates is written back to the login file."""

    _siapmas_account = ""
    _siapmas_login: Path | None = None

    def refresh(self, request: Any) -> None:
        before = self.refresh_token
        try:
            super().refresh(request)
        except RefreshError as exc:
            if "invalid_grant" in str(exc):
                raise LoginRequired(self._siapmas_account) from None
            raise
        if self.refresh_token and self.refresh_token != before and self._siapmas_login is not None:
            login = read_login(self._siapmas_login)
            login["refresh_token"] = self.refresh_token
            write_private_json(self._siapmas_login, login)


# --- the login file -----------------------------------------------------------------------


def read_login(path: Path) -> dict[str, Any]:
    """The stored sign-in (never printed): refresh token, client, account, granted scopes."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"Belum ada login akun Google kantor ({path} tidak ada).",
            "Jalankan `siapmas-sync login` sekali dan masuk dengan akun Google yang memiliki formulir "
            "(README, Running on Google → Signing in with the office's Google account).",
        ) from None
    except OSError as exc:
        raise ConfigError(f"Berkas login {path} tidak dapat dibaca ({exc.strerror}).",
                          "Periksa izin berkas itu untuk pengguna layanan, atau jalankan `siapmas-sync login` lagi.") from None
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"Berkas login {path} rusak (bukan JSON).", "Jalankan `siapmas-sync login` lagi.") from None
    missing = [k for k in ("refresh_token", "client_id", "client_secret", "token_uri", "account") if not data.get(k)]
    if missing:
        raise ConfigError(f"Berkas login {path} tidak lengkap (kurang: {', '.join(missing)}).",
                          "Jalankan `siapmas-sync login` lagi.")
    return data


#: a refresh token issued while the consent screen is "Testing" lives 7 days (Google,
#: "Refresh token expiration"); the publishing status itself cannot be read through any API
TESTING_DAYS = 7


def _when(text: Any) -> datetime | None:
    try:
        dt = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def login_summary(login: dict[str, Any]) -> str:
    """doctor's line: the signed-in e-mail, the granted scopes, when (never a token)."""
    scopes = ", ".join(short_scope(sc) for sc in login.get("scopes") or []) or "?"
    at = _when(login.get("login_at"))
    return f"{login['account']}; izin: {scopes}" + (f"; login {at:%Y-%m-%d %H:%M} UTC" if at else "")


def testing_warning(login: dict[str, Any], now: datetime) -> tuple[str, str] | None:
    """(warning, advice) while the sign-in may still be one Google ends after 7 days.

    Google shows an app's publishing status only in Cloud Console, so it is inferred: a
    token response that gave the refresh token a lifetime (``refresh_token_expires_in``,
    kept as ``refresh_expires_at``) says so outright; otherwise a sign-in younger than 7
    days may be a Testing one, and one older than 7 days that still refreshes is not."""
    advice = ("Di Google Cloud Console → Google Auth Platform → Audience, pilih Publish app (In production), lalu "
              "jalankan `siapmas-sync login` sekali lagi: token yang terbit saat Testing tetap berakhir 7 hari.")
    ends = _when(login.get("refresh_expires_at"))
    if ends is not None:
        return (f"Google membatasi umur izin login ini: berakhir {ends:%Y-%m-%d %H:%M} UTC (aplikasi OAuth "
                "berstatus Testing atau izin berbatas waktu); setelah itu siklus berhenti dengan GALAT.", advice)
    at = _when(login.get("login_at"))
    if at is None or now - at >= timedelta(days=TESTING_DAYS):
        return None
    return (f"Status publikasi aplikasi OAuth tidak dapat dibaca lewat API. Jika masih Testing, Google mencabut "
            f"izin ini 7 hari setelah login, sekitar {at + timedelta(days=TESTING_DAYS):%Y-%m-%d %H:%M} UTC "
            "(peringatan ini hilang sendiri bila login masih berlaku setelah 7 hari).", advice)


def exposed_login_warning(path: Path) -> str | None:
    mode = others_can_open(path)
    if mode is None:
        return None
    return (f"Berkas login akun Google {path} dapat dibaca pengguna lain (izin {mode:04o}); isinya memberi akses ke "
            f"spreadsheet dan Drive kantor. Jalankan: chmod 600 '{path}'")


# --- one place that builds credentials ----------------------------------------------------


@dataclass
class Identity:
    """What GoogleBackend needs: who it is (for messages and protected ranges) and how to
    build credentials for a set of scopes."""

    account: str
    kind: str  # "service_account" | "oauth"
    key: dict[str, Any] | None = None
    login: dict[str, Any] | None = None
    login_path: Path | None = None
    cache: TokenCache | None = None

    @classmethod
    def service_account(cls, key: dict[str, Any], cache_path: Path | None = None) -> Identity:
        return cls(str(key.get("client_email", "akun layanan")), "service_account", key=key,
                   cache=TokenCache(cache_path))

    @classmethod
    def office(cls, login_path: Path, cache_path: Path | None = None) -> Identity:
        login = read_login(login_path)
        return cls(str(login["account"]), "oauth", login=login, login_path=login_path, cache=TokenCache(cache_path))

    @classmethod
    def from_settings(cls, s: Any) -> Identity:
        cache = s.token_cache_path()
        if s.google.auth == "oauth":
            return cls.office(s.login_path(), cache)
        return cls.service_account(load_key(s.credentials_path()), cache)

    @property
    def granted(self) -> list[str]:
        return list((self.login or {}).get("scopes") or [])

    def credentials(self, scopes: list[str]) -> Any:
        if self.kind == "oauth":
            assert self.login is not None
            missing = [s for s in scopes if s not in self.granted]
            if missing:
                raise ConfigError(
                    f"Login akun Google {self.account} tidak memberi izin {', '.join(short_scope(m) for m in missing)} "
                    "yang diperlukan konfigurasi ini (mis. folder unggah baru diisi, atau kotak izin tidak dicentang).",
                    "Jalankan `siapmas-sync login` lagi dan centang semua izin yang diminta.")
            creds: Any = OfficeAccount(
                None, refresh_token=self.login["refresh_token"], token_uri=self.login["token_uri"],
                client_id=self.login["client_id"], client_secret=self.login["client_secret"], scopes=self.granted)
            creds._siapmas_account = self.account
            creds._siapmas_login = self.login_path
            key = TokenCache.key(self.account, self.granted)
        else:
            assert self.key is not None
            from .google_http import make_credentials

            creds = make_credentials(self.key, scopes, cls=CachingServiceAccount)
            key = TokenCache.key(self.account, scopes)
        creds._siapmas_cache = self.cache
        creds._siapmas_key = key
        if self.cache is not None:
            self.cache.load(creds, key)
        return creds
