"""Plumbing for the Google backend: service-account credentials, authorised HTTP for
gspread (requests) and for the Drive client (httplib2), the retry policy, and the
translation of Google's errors into advice an operator can act on.

Scopes (least that work): ``spreadsheets`` to read responses and write status;
``drive.readonly`` to list and read the evidence folder; ``drive.file`` only when PDFs
or ledger backups are uploaded (it reaches files this app created, nothing else).

Endpoint override: ``[source] google_endpoint`` (tests and the local stand-in) replaces
``https://sheets.googleapis.com`` and ``https://www.googleapis.com``; the token endpoint
always comes from the key file's ``token_uri``.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from gspread.exceptions import APIError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from ..errors import BackendAccessError, ConfigError

log = logging.getLogger("siapmas.google")

SCOPE_SHEETS = "https://www.googleapis.com/auth/spreadsheets"
SCOPE_DRIVE_READ = "https://www.googleapis.com/auth/drive.readonly"
SCOPE_DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}

T = TypeVar("T")


class LoginRequired(RefreshError):
    """The office account's refresh token was refused (``invalid_grant``: revoked, expired —
    e.g. the 7 days of an OAuth app left in "Testing" — or the password changed)."""

    def __init__(self, account: str) -> None:
        super().__init__("invalid_grant", {"error": "invalid_grant"}, retryable=False)
        self.account = account


LOGIN_ADVICE = ("Jalankan `siapmas-sync login` dan masuk lagi dengan akun Google kantor {account}; siklus berikutnya "
                "melanjutkan. Tidak ada data yang hilang: nomor agenda tetap di basis data. Jika ini terjadi tiap "
                "7 hari, aplikasi OAuth masih berstatus Testing: di Google Cloud Console (Google Auth Platform → "
                "Audience) pilih Publish app, lalu login sekali lagi (README, Running on Google).")


def load_key(path: Path | None) -> dict[str, Any]:
    """Read and check a service-account key file; never echo its contents."""
    if path is None:
        raise ConfigError(
            "Kunci akun layanan Google belum ditentukan.",
            "Isi [source] credentials dengan path berkas JSON kunci akun layanan, atau set "
            "GOOGLE_APPLICATION_CREDENTIALS. Lihat credentials.example.json.",
        )
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"Berkas kunci {path} tidak dapat dibaca ({exc.strerror}).",
            "Periksa path [source] credentials dan izin bacanya.",
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(
            f"Berkas kunci {path} bukan JSON yang sah.",
            "Unduh ulang kunci dari Google Cloud Console (IAM → Service accounts → Keys → Add key → JSON).",
        ) from None
    missing = [k for k in ("type", "client_email", "private_key", "token_uri") if not data.get(k)]
    if data.get("type") != "service_account" or missing:
        raise ConfigError(
            f"Berkas {path} bukan kunci akun layanan (kurang: {', '.join(missing) or 'type=service_account'}).",
            "Gunakan kunci JSON akun layanan, bukan OAuth client ID. Lihat credentials.example.json.",
        )
    return data


def make_credentials(key: dict[str, Any], scopes: list[str],
                     cls: type[service_account.Credentials] = service_account.Credentials) -> service_account.Credentials:
    try:
        return cls.from_service_account_info(key, scopes=scopes)
    except (ValueError, GoogleAuthError) as exc:
        raise ConfigError(
            f"Kunci akun layanan {key.get('client_email', '?')} tidak dapat dipakai: {type(exc).__name__}.",
            "Buat kunci JSON baru untuk akun layanan itu dan ganti berkasnya.",
        ) from None


#: Google gzip-encodes a reply only when the request accepts gzip AND its User-Agent
#: contains "gzip" (the Google APIs' "Performance Tips"); requests' default User-Agent does
#: not, so without these a values:batchGet comes uncompressed (googleapiclient, for Drive,
#: asks the same way on its own). requests decompresses the body as it streams in.
GZIP_HEADERS = {"User-Agent": "siapmas-sync (gzip)", "Accept-Encoding": "gzip"}


class EndpointSession(AuthorizedSession):
    """An authorised requests session that can send Google API calls to another host,
    asking for gzip-encoded replies."""

    def __init__(self, credentials: Any, endpoint: str = "", timeout: float = 30.0) -> None:
        super().__init__(credentials)
        self.endpoint = endpoint.rstrip("/")
        self.default_timeout = timeout
        self.headers.update(GZIP_HEADERS)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.endpoint:
            for host in GOOGLE_HOSTS:
                if url.startswith(host):
                    url = self.endpoint + url[len(host):]
                    break
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class EndpointHttp:
    """httplib2 transport for the Drive client that, when an endpoint override is set,
    also sends media uploads there (googleapiclient keeps ``https`` for upload URLs)."""

    @staticmethod
    def make(timeout: float, endpoint: str = "") -> Any:
        import httplib2

        if not endpoint:
            return _no_308(httplib2.Http(timeout=timeout))
        base = endpoint.rstrip("/")
        host = base.split("://", 1)[-1]

        class _Http(httplib2.Http):
            def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
                for origin in (*GOOGLE_HOSTS, "https://" + host):
                    if uri.startswith(origin + "/"):
                        uri = base + uri[len(origin):]
                        break
                return super().request(uri, method, *args, **kwargs)

        return _no_308(_Http(timeout=timeout))


def _no_308(http: Any) -> Any:
    """As googleapiclient's own build_http(): 308 means "resume upload", not a redirect."""
    if hasattr(http, "redirect_codes"):
        http.redirect_codes = set(http.redirect_codes) - {308}
    return http


# --- retry policy -----------------------------------------------------------------------


def _status_of(exc: BaseException) -> int | None:
    if isinstance(exc, APIError):
        return exc.response.status_code
    resp = getattr(exc, "resp", None)  # googleapiclient.errors.HttpError
    if resp is not None and hasattr(resp, "status"):
        return int(resp.status)
    return None


def _drive_reason(exc: BaseException) -> str:
    content = getattr(exc, "content", b"") or b""
    try:
        body = json.loads(content.decode("utf-8", "replace"))
        return str(body["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


def is_transient(exc: BaseException) -> bool:
    """Worth another try: throttling, server errors, timeouts, dropped connections."""
    status = _status_of(exc)
    if status is not None:
        return status in TRANSIENT_STATUS or (status == 403 and _drive_reason(exc) in RATE_REASONS)
    if isinstance(exc, RefreshError):
        return bool(getattr(exc, "retryable", False))  # the token endpoint was busy, not the key
    return isinstance(
        exc,
        (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError, TransportError,
         socket.timeout, ConnectionError, TimeoutError),
    ) or (isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError))


def retry_after_seconds(exc: BaseException) -> float | None:
    headers: Any = None
    if isinstance(exc, APIError):
        headers = exc.response.headers
    elif (resp := getattr(exc, "resp", None)) is not None:
        headers = resp  # httplib2 Response is a dict of lower-case headers
    if not headers:
        return None
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


class RetryPolicy:
    """Full-jitter exponential backoff, bounded tries, ``Retry-After`` honoured."""

    def __init__(self, max_retries: int = 6, base: float = 1.0, cap: float = 64.0,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.max_retries = max_retries
        self.jitter = wait_random_exponential(multiplier=base, max=cap)
        self.cap = cap
        self.sleep = sleep
        self.retries = 0  # total retries made (for the benchmark and tests)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        ra = retry_after_seconds(exc) if exc else None
        return min(self.cap, ra) if ra is not None else self.jitter(state)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.warning("Google sementara gagal (%s); mencoba lagi (%d/%d)", _describe(exc), state.attempt_number, self.max_retries)

    def call(self, fn: Callable[[], T]) -> T:
        kwargs: dict[str, Any] = {}
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        r = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            before_sleep=self._before_sleep,
            reraise=True,
            **kwargs,
        )
        return r(fn)


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "?"
    status = _status_of(exc)
    return f"HTTP {status}" if status else type(exc).__name__


class NoStorageQuota(BackendAccessError):
    """Drive refused to let a service account own a file (403 storageQuotaExceeded): it
    may create files only inside a Shared Drive."""


#: the two ways out, named wherever this refusal is reported (sync, doctor)
NO_STORAGE_ADVICE = (
    "Pilih salah satu: (1) kantor tanpa Google Workspace: masuk dengan akun Google kantor pemilik formulir "
    "lewat `siapmas-sync login` (berkas lalu dimiliki akun itu); atau (2) kantor dengan Google Workspace: buat "
    "Shared Drive, tambahkan {account} sebagai Content manager (atau Manager bila cadangan lama harus dihapus), "
    "lalu isi ID folder di Shared Drive itu ke konfigurasi. Nomor agenda dan status tetap ditulis ke "
    "spreadsheet; unggahan yang tertunda dicoba lagi otomatis."
)


def access_error(exc: BaseException, *, what: str, account: str) -> BackendAccessError:
    """Turn a Google failure into a message and the fix an operator can apply."""
    status = _status_of(exc)
    if isinstance(exc, LoginRequired):
        return BackendAccessError(
            f"Izin akun Google {exc.account} untuk SIAPMAS Sync sudah dicabut atau kedaluwarsa (invalid_grant: "
            f"\"Token has been expired or revoked\"); {what} tidak dapat dibuka.",
            LOGIN_ADVICE.format(account=exc.account),
        )
    if isinstance(exc, RefreshError) and getattr(exc, "retryable", False):
        return BackendAccessError(
            "Layanan token Google sedang sibuk/gagal setelah beberapa percobaan.",
            "Tidak ada data yang hilang; siklus berikutnya melanjutkan. Jika berulang, periksa koneksi internet server.",
        )
    if isinstance(exc, RefreshError):
        return BackendAccessError(
            f"Token Google ditolak untuk {account}: kunci akun layanan tidak sah, dicabut, atau kedaluwarsa.",
            "Buat kunci JSON baru di Google Cloud Console (IAM → Service accounts → Keys) dan ganti berkas [source] credentials.",
        )
    if status == 403 and _drive_reason(exc) == "storageQuotaExceeded":
        return NoStorageQuota(
            f"Google Drive menolak menyimpan berkas di {what}: akun layanan {account} tidak punya kuota "
            "penyimpanan (storageQuotaExceeded). Membagikan folder My Drive kepadanya sebagai Editor tidak cukup.",
            NO_STORAGE_ADVICE.format(account=account),
        )
    if status == 403:
        return BackendAccessError(
            f"Akses ke {what} ditolak (403).",
            f"Bagikan {what} kepada {account} (spreadsheet: Editor; folder bukti: Viewer), "
            "dan pastikan Google Sheets API serta Google Drive API diaktifkan di proyeknya.",
        )
    if status == 404:
        return BackendAccessError(
            f"{what} tidak ditemukan (404).",
            "Periksa ID di konfigurasi (bagian URL antara /d/ dan /edit) dan bahwa berkas belum dihapus.",
        )
    if status == 401:
        return BackendAccessError(
            "Google menolak kredensial (401).",
            "Periksa jam komputer (harus tepat) dan berkas kunci akun layanan.",
        )
    if status is not None and status in TRANSIENT_STATUS:
        return BackendAccessError(
            f"Google sedang sibuk/gagal saat mengakses {what} (HTTP {status}) setelah beberapa percobaan.",
            "Tidak ada data yang hilang; siklus berikutnya melanjutkan. Jika berulang, periksa kuota di Google Cloud Console.",
        )
    if status is None and is_transient(exc):
        return BackendAccessError(
            f"Tidak dapat terhubung ke Google saat mengakses {what} ({type(exc).__name__}).",
            "Periksa koneksi internet server. Tidak ada data yang hilang; siklus berikutnya melanjutkan.",
        )
    return BackendAccessError(f"Google menolak permintaan ke {what}: {_describe(exc)}.", "Lihat log untuk rinciannya.")
