"""GoogleStandin: Sheets v4, Drive v3 and the OAuth 2.0 token endpoint over HTTP on
loopback, for the real gspread / google-api-python-client / google-auth libraries.

    with GoogleStandin() as g:
        key = g.make_service_account_key("sync@siapmas-test.iam.gserviceaccount.com")
        sid = g.create_spreadsheet("SIAPMAS", tabs={"Form Responses 1": rows},
                                   share_with=[(key["client_email"], "writer")])
        gc = clients.gspread_client(key, g.url)

Paths served (identical to Google's):
  POST /token                                    JWT-bearer, authorization_code and refresh_token
                                                 grants (also /oauth2/v4/token; oauth.py)
  GET  /o/oauth2/auth                            the installed-app authorization page (oauth.py):
                                                 consents as the client's user, 302 to the loopback
  GET  /drive/v3/about                           the signed-in user (about.get)
  /v4/spreadsheets[/{id}[:batchUpdate | /values/{range}[:append|:clear] |
                   /values:batchGet | /values:batchUpdate | /values:batchClear]]
  /drive/v3/files[/{id}[/permissions[/{pid}]]]   (also without the /drive/v3 prefix,
                                                  which is what googleapiclient calls when
                                                  api_endpoint is the bare stand-in URL)
  /upload/drive/v3/files[/{id}]?uploadType=multipart|media|resumable
"""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import json
import math
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import auth, cells, drive, fieldmask, oauth, schema, sheets
from .errors import ApiError, fault_error, insufficient_scopes, quota_exceeded, sheets_error, unauthenticated
from .faults import Faults
from .state import FOLDER_MIME, Store, rfc3339

READ_SCOPES = {
    "sheets": {"spreadsheets", "spreadsheets.readonly", "drive", "drive.readonly", "drive.file", "feeds"},
    "drive": {"drive", "drive.readonly", "drive.file", "drive.metadata.readonly", "drive.metadata"},
}
WRITE_SCOPES = {"sheets": {"spreadsheets", "drive", "drive.file", "feeds"}, "drive": {"drive", "drive.file"}}


def _short_scope(scope: str) -> str:
    if scope == "https://spreadsheets.google.com/feeds":
        return "feeds"
    return scope.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the stand-in saw it; unpacks as (method, path, query, account, status)."""

    method: str
    path: str
    query: str
    account: str | None
    status: int | None
    route: str = ""
    fault: str | None = None
    bytes_in: int = 0  # request body as received (what the client uploaded)
    bytes_out: int = 0  # response body as sent (what the client downloaded)
    encoding: str = ""  # the reply's Content-Encoding ("gzip" when the client asked as Google requires)

    @property
    def api(self) -> str:
        return self.route.split(".", 1)[0] if self.route else "unknown"

    def __iter__(self):
        return iter((self.method, self.path, self.query, self.account, self.status))

    def __getitem__(self, i: int) -> Any:
        return (self.method, self.path, self.query, self.account, self.status)[i]

    def __len__(self) -> int:
        return 5


# --- routing ------------------------------------------------------------------------------

_SS = r"/v4/spreadsheets/(?P<sid>[^/:?]+)"
_DRIVE = r"(?:/drive/v3)?/files"
ROUTES: list[tuple[str, str, str]] = [
    ("POST", r"^/(?:token|oauth2/v4/token)$", "oauth.token"),
    ("GET", r"^/o/oauth2(?:/v2)?/auth$", "oauth.authorize"),
    ("GET", r"^(?:/drive/v3)?/about$", "drive.about.get"),
    ("POST", r"^/v4/spreadsheets$", "sheets.create"),
    ("GET", rf"^{_SS}$", "sheets.get"),
    ("POST", rf"^{_SS}:batchUpdate$", "sheets.batchUpdate"),
    ("GET", rf"^{_SS}/values:batchGet$", "sheets.values.batchGet"),
    ("POST", rf"^{_SS}/values:batchUpdate$", "sheets.values.batchUpdate"),
    ("POST", rf"^{_SS}/values:batchClear$", "sheets.values.batchClear"),
    ("POST", rf"^{_SS}/values/(?P<range>.+):append$", "sheets.values.append"),
    ("POST", rf"^{_SS}/values/(?P<range>.+):clear$", "sheets.values.clear"),
    ("GET", rf"^{_SS}/values/(?P<range>.+)$", "sheets.values.get"),
    ("PUT", rf"^{_SS}/values/(?P<range>.+)$", "sheets.values.update"),
    ("GET", rf"^{_DRIVE}$", "drive.files.list"),
    ("POST", rf"^{_DRIVE}$", "drive.files.create"),
    ("GET", rf"^{_DRIVE}/(?P<fid>[^/]+)$", "drive.files.get"),
    ("PATCH", rf"^{_DRIVE}/(?P<fid>[^/]+)$", "drive.files.update"),
    ("DELETE", rf"^{_DRIVE}/(?P<fid>[^/]+)$", "drive.files.delete"),
    ("GET", rf"^{_DRIVE}/(?P<fid>[^/]+)/permissions$", "drive.permissions.list"),
    ("POST", rf"^{_DRIVE}/(?P<fid>[^/]+)/permissions$", "drive.permissions.create"),
    ("DELETE", rf"^{_DRIVE}/(?P<fid>[^/]+)/permissions/(?P<pid>[^/]+)$", "drive.permissions.delete"),
    ("POST", r"^(?:/resumable)?/upload/drive/v3/files$", "drive.files.upload"),
    ("PUT", r"^(?:/resumable)?/upload/drive/v3/files$", "drive.files.upload"),
    ("PATCH", r"^(?:/resumable)?/upload/drive/v3/files/(?P<fid>[^/]+)$", "drive.files.upload"),
    ("PUT", r"^(?:/resumable)?/upload/drive/v3/files/(?P<fid>[^/]+)$", "drive.files.upload"),
]
_COMPILED = [(m, re.compile(p), n) for m, p, n in ROUTES]


def route_of(method: str, path: str, query: dict[str, list[str]] | None = None) -> tuple[str, dict[str, str]]:
    for m, rx, name in _COMPILED:
        if m != method:
            continue
        hit = rx.match(path)
        if hit:
            if name == "drive.files.get" and query and query.get("alt", [""])[-1] == "media":
                name = "drive.files.media"
            return name, {k: urllib.parse.unquote(v) for k, v in hit.groupdict().items()}
    if path.startswith("/v4/"):
        return "sheets.unknown", {}
    if path.startswith(("/drive/", "/files", "/upload/")):
        return "drive.unknown", {}
    return "unknown", {}


# --- HTTP plumbing ----------------------------------------------------------------------------

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], standin: "GoogleStandin"):
        self.standin = standin
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)


class _Drop(Exception):
    """Close the connection without answering."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _dispatch(self) -> None:
        self.server.standin._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def wants_gzip(request_headers: Any) -> bool:
    """Google gzip-encodes a reply only when the request both accepts gzip AND names
    "gzip" in its User-Agent ("Performance Tips" of the Google APIs: "you must do two
    things: Set an Accept-Encoding header, and modify your user agent to contain the
    string gzip"). python-requests' default User-Agent does not: gspread's replies come
    uncompressed unless the product asks."""
    accepted = [t.split(";")[0].strip().lower() for t in (request_headers.get("Accept-Encoding") or "").split(",")]
    return "gzip" in accepted and "gzip" in (request_headers.get("User-Agent") or "").lower()


def gzip_reply(request_headers: Any, payload: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """A JSON reply gzip-encoded when the request asked as Google requires
    (:func:`wants_gzip`); what the client downloads (``bytes_out``) is then the
    compressed body."""
    if not payload or not headers.get("Content-Type", "").startswith("application/json"):
        return payload, headers
    if not wants_gzip(request_headers):
        return payload, headers
    return gzip.compress(payload, compresslevel=6, mtime=0), dict(headers, **{"Content-Encoding": "gzip"})


def _json(obj: Any, pretty: bool = True) -> bytes:
    """A reply body as Google sends it: indented unless the request's ``prettyPrint=false``
    (a system parameter of every Google API)."""
    if not pretty:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()


JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8", "Vary": "Origin, X-Origin, Referer",
                "Cache-Control": "private", "X-Content-Type-Options": "nosniff"}


class GoogleStandin:
    """A local Google (Sheets v4 + Drive v3 + OAuth token endpoint) for tests."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: int = 0,
                 quota_per_minute: int | None = None, token_lifetime: int = auth.TOKEN_LIFETIME,
                 project_number: str = "123456789012", clock: Any = None,
                 drive_lag: float = 0.0, drive_clock: Any = None, quotas: Any = None,
                 service_account_quota: bool = False):
        self.host, self.port = host, port
        self.store = Store(seed)
        # False (Google today): a service account creating a file outside a shared drive gets
        # 403 storageQuotaExceeded (shared.py); True only for a test that asks for the old behaviour
        self.store.service_account_quota = service_account_quota
        self.faults = Faults(seed)
        self.quota_per_minute = quota_per_minute
        self.quotas = quotas  # quotas.Quotas: Google's per-project and per-user limits (both APIs)
        self.token_lifetime = token_lifetime
        self.project_number = project_number
        self.clock = clock or time.time
        self.store.clock = lambda: self.clock()
        # a spreadsheet edit shows in Drive files.get (modifiedTime, version) drive_lag seconds
        # later, on drive_clock (default: clock) — see Store.drive_view
        self.store.drive_lag = drive_lag
        self.store.lag_clock = drive_clock
        self.requests: list[LoggedRequest] = []
        self.lock = threading.RLock()
        self.tokens: dict[str, auth.TokenInfo] = {}
        # installed-app OAuth (the office's own account signing in): oauth.py
        self.oauth = oauth.OAuthProvider(lambda: self.clock(), self.tokens, token_lifetime)
        self._quota: dict[tuple[str, str], collections.deque[float]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> "GoogleStandin":
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"google-standin:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with server.sockets_lock:
            for sock in list(server.open_sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "GoogleStandin":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    # --- accounts & tokens -----------------------------------------------------------------
    def make_service_account_key(self, email: str = "siapmas-sync@siapmas-test.iam.gserviceaccount.com",
                                 project_id: str | None = None) -> dict[str, Any]:
        """A fresh RSA key as a Google service-account JSON dict; its public key is registered."""
        if self._server is None and self.port == 0:
            raise RuntimeError("start() the stand-in first: the key's token_uri needs its port")
        info, public_pem = auth.generate_key(email, self.token_url, project_id)
        with self.lock:
            self.store.keys.register(email, info["private_key_id"], public_pem)
        return info

    def revoke_key(self, email: str, private_key_id: str | None = None) -> None:
        with self.lock:
            self.store.keys.revoke(email, private_key_id)

    def make_oauth_client(self, user: str = "sekretariat.dprd@gmail.com", *, testing: bool = False,
                          test_users: tuple[str, ...] | None = None,
                          unticked: tuple[str, ...] = ()) -> dict[str, Any]:
        """A "Desktop app" OAuth client whose consent screen signs in as *user* (auto-consent);
        returns the client-secrets JSON (dict) Cloud Console would offer for download.
        ``testing``: the consent screen's publishing status is "Testing" (refresh tokens
        expire after 7 days on the stand-in clock; only ``test_users`` may consent).
        ``unticked``: scopes the user leaves unticked on Google's granular consent screen."""
        with self.lock:
            client = self.oauth.add_client(user, testing=testing, test_users=test_users,
                                           unticked=frozenset(unticked))
        return oauth.client_secrets(client, self.url)

    def revoke_refresh_tokens(self, user: str | None = None) -> int:
        """The user removes the app's access (or Google ends it): the refresh tokens of
        *user* and the access tokens they issued stop working. Returns how many."""
        with self.lock:
            return self.oauth.revoke(user)

    def revoke_tokens(self, email: str | None = None) -> None:
        """Invalidate issued access tokens (clients then get 401 and refresh)."""
        with self.lock:
            for tok, info in list(self.tokens.items()):
                if email is None or info.account == email:
                    del self.tokens[tok]

    # --- request log ----------------------------------------------------------------------
    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()

    def count(self, api: str | None = None, *, route: str | None = None, method: str | None = None,
              status: int | None = None, account: str | None = None) -> int:
        with self.lock:
            log = list(self.requests)
        return sum(1 for r in log
                   if (api is None or r.api == api)
                   and (route is None or r.route == route or r.route.startswith(route + "."))
                   and (method is None or r.method == method.upper())
                   and (status is None or r.status == status)
                   and (account is None or r.account == account))

    # --- state helpers for tests --------------------------------------------------------------
    def create_spreadsheet(self, title: str, tabs: dict[str, list[list[Any]]] | None = None, *,
                           share_with: Any = (), time_zone: str = "Asia/Jakarta", locale: str = "in_ID",
                           parents: list[str] | tuple[str, ...] = (), rows: int | None = None,
                           cols: int | None = None, owner: str | None = None,
                           created_time: Any = None) -> str:
        with self.lock:
            kw = {"owner": owner} if owner else {}
            sid = self.store.create_spreadsheet(title, tabs, locale=locale, time_zone=time_zone,
                                                parents=list(parents), rows=rows, cols=cols,
                                                created=rfc3339(created_time) if created_time else None, **kw)
            self._share_many(sid, share_with)
            return sid

    def _share_many(self, file_id: str, share_with: Any) -> None:
        for item in share_with or ():
            email, role = (item, "writer") if isinstance(item, str) else item
            self.store.share(file_id, email, role)

    def share(self, file_id: str, email: str, role: str = "writer") -> None:
        with self.lock:
            if file_id not in self.store.files:
                raise KeyError(file_id)
            self.store.share(file_id, email, role)

    def unshare(self, file_id: str, email: str) -> None:
        with self.lock:
            self.store.unshare(file_id, email)

    def _sheet(self, sid: str, tab: str) -> dict[str, Any]:
        ss = self.store.spreadsheets[sid]
        sheet = sheets.sheet_by_title(ss, tab)
        if sheet is None:
            raise KeyError(f"no tab {tab!r} in {sid}")
        return sheet

    def get_values(self, sid: str, tab: str) -> list[list[Any]]:
        """Raw stored values, not rendered: every row up to its last non-empty cell, empty
        cells in between as '', blank rows as [] (nothing after the last non-empty row).
        Dates come back as datetime/date/time, numbers as int/float, formulas as
        cells.Formula (a str subclass holding '=...')."""
        with self.lock:
            sheet = self._sheet(sid, tab)
            return [["" if c is None else cells.to_python(c) for c in row] for row in sheet["data"]]

    def set_values(self, sid: str, tab: str, rows: list[list[Any]], start_row: int = 1) -> None:
        """Write raw values as a person typing into the sheet would (no API call, no log)."""
        from zoneinfo import ZoneInfo

        with self.lock:
            ss = self.store.spreadsheets[sid]
            sheet = self._sheet(sid, tab)
            tz = ZoneInfo(ss["properties"].get("timeZone", "UTC"))
            gp = sheet["properties"]["gridProperties"]
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    sheets.set_cell(sheet, start_row - 1 + i, j, cells.from_python(v, tz))
            gp["rowCount"] = max(gp["rowCount"], start_row - 1 + len(rows))
            gp["columnCount"] = max(gp["columnCount"], max((len(r) for r in rows), default=0))
            self.store.touch(sid)

    def sheet_properties(self, sid: str, tab: str) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(self._sheet(sid, tab)["properties"]))

    def sheet_state(self, sid: str, tab: str) -> dict[str, Any]:
        """protectedRanges, dataValidations, formats, merges of a tab (copies)."""
        with self.lock:
            sh = self._sheet(sid, tab)
            return json.loads(json.dumps({k: v for k, v in sh.items() if k not in ("data", "notes")}))

    def add_drive_file(self, name: str, content: bytes | str = b"", parents: Any = (),
                       mime: str = "application/octet-stream", *, created_time: Any = None,
                       modified_time: Any = None, share_with: Any = (), owner: str | None = None,
                       trashed: bool = False) -> str:
        if isinstance(content, str):
            content = content.encode()
        if isinstance(parents, str):
            parents = [parents]
        with self.lock:
            kw = {"owner": owner} if owner else {}
            created = rfc3339(created_time) if created_time is not None else None
            fid = self.store.add_file(name, mime, list(parents), content, created=created,
                                      modified=rfc3339(modified_time) if modified_time is not None else created, **kw)
            self.store.files[fid]["trashed"] = trashed
            self._share_many(fid, share_with)
            return fid

    def create_folder(self, name: str, parents: Any = (), *, share_with: Any = (), owner: str | None = None,
                      created_time: Any = None) -> str:
        if isinstance(parents, str):
            parents = [parents]
        with self.lock:
            kw = {"owner": owner} if owner else {}
            fid = self.store.add_file(name, FOLDER_MIME, list(parents), None,
                                      created=rfc3339(created_time) if created_time is not None else None, **kw)
            self._share_many(fid, share_with)
            return fid

    @property
    def service_account_quota(self) -> bool:
        """Whether service accounts may own files outside shared drives (default False, as
        at Google today; a test about upload mechanics may set it to True)."""
        return self.store.service_account_quota

    @service_account_quota.setter
    def service_account_quota(self, value: bool) -> None:
        with self.lock:
            self.store.service_account_quota = bool(value)

    def create_shared_drive(self, name: str, members: Any = ()) -> str:
        """A shared drive (Workspace): *members* as ``(email, role)`` with role organizer
        (Manager), fileOrganizer (Content manager), writer (Contributor), commenter or reader.
        Its id is also its root folder's id: folders are made in it with ``create_folder``."""
        with self.lock:
            return self.store.add_shared_drive(name, {e: r for e, r in members})

    def file_metadata(self, file_id: str) -> dict[str, Any]:
        with self.lock:
            return self.store.file_resource(file_id, self.url)

    def file_content(self, file_id: str) -> bytes:
        with self.lock:
            return self.store.content.get(file_id, b"")

    def find_files(self, name: str | None = None, parent: str | None = None) -> list[str]:
        with self.lock:
            return [fid for fid, rec in self.store.files.items()
                    if (name is None or rec["name"] == name) and (parent is None or parent in rec.get("parents", []))]

    def dump_state(self, path: str | Path) -> None:
        with self.lock:
            Path(path).write_text(self.store.dump_json(), encoding="utf-8")

    def load_state(self, path: str | Path) -> None:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        with self.lock:
            self.store.load(data)

    # --- request handling ----------------------------------------------------------------------
    def _handle(self, h: _Handler) -> None:
        method = h.command.upper()
        raw_path, _, raw_query = h.path.partition("?")
        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
        params = {k: v[-1] for k, v in query.items()}
        name, groups = route_of(method, raw_path, query)
        api = name.split(".", 1)[0]
        body = h.read_body()
        account, scopes, auth_problem = self._authenticate(h.headers.get("Authorization"))
        if name == "oauth.token":
            account = _assertion_issuer(body) or self.oauth.account_of(body)  # unverified; for the log only
        status: int | None = None
        fault_kind: str | None = None
        try:
            fault = self.faults.pick(name, method, h.path)
            if fault is not None:
                fault_kind = fault.kind
                if fault.kind == "slow":
                    if self._stopping.wait(fault.seconds):
                        raise _Drop()
                elif fault.kind == "drop":
                    raise _Drop()
                elif fault.kind != "drop_after":
                    raise fault_error(api if api in ("sheets", "drive", "oauth") else "sheets", fault.kind,
                                      None if fault.kind in ("401",) else fault.retry_after)
            status, payload, headers = self._respond(h, method, name, api, groups, params, query, body,
                                                     account, scopes, auth_problem)
            if fault_kind == "drop_after":
                raise _Drop()
        except ApiError as err:
            status = err.code
            payload = _json(err.body)
            headers = dict(JSON_HEADERS, **err.headers)
        except _Drop:
            self._log(method, raw_path, raw_query, account, None, name, fault_kind, len(body))
            h.drop()
            return
        payload, headers = gzip_reply(h.headers, payload, headers)
        self._log(method, raw_path, raw_query, account, status, name, fault_kind, len(body), len(payload),
                  headers.get("Content-Encoding", ""))
        try:
            h.reply(status, payload, headers)
        except OSError:
            h.close_connection = True

    def _log(self, method: str, path: str, query: str, account: str | None, status: int | None,
             route: str, fault: str | None, bytes_in: int = 0, bytes_out: int = 0, encoding: str = "") -> None:
        with self.lock:
            self.requests.append(LoggedRequest(method, urllib.parse.unquote(path), query, account, status,
                                               route, fault, bytes_in, bytes_out, encoding))

    def _authenticate(self, header: str | None) -> tuple[str | None, frozenset[str], str | None]:
        if not header or not header.lower().startswith("bearer "):
            return None, frozenset(), "missing"
        token = header[7:].strip()
        now = self.clock()
        with self.lock:
            info = self.tokens.get(token)
            if info is not None:
                if info.expires_at > now:
                    return info.account, info.scopes, None
                return info.account, frozenset(), "invalid"
            ssj = auth.self_signed_access(self.store.keys, token, now)
        if ssj is not None:
            return ssj[0], ssj[1], None
        return None, frozenset(), "invalid"

    def _require(self, api: str, account: str | None, scopes: frozenset[str], problem: str | None, write: bool) -> None:
        if problem is not None:
            raise unauthenticated(api, missing=(problem == "missing"))
        short = {_short_scope(s) for s in scopes}
        allowed = (WRITE_SCOPES if write else READ_SCOPES)[api]
        if not short & allowed:
            raise insufficient_scopes(api)

    def _check_quota(self, account: str, write: bool) -> None:
        limit = self.quota_per_minute
        if not limit:
            return
        group = "write" if write else "read"
        now = self.clock()
        with self.lock:
            window = self._quota.setdefault((account, group), collections.deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= limit:
                retry = max(1, math.ceil(window[0] + 60 - now))
                raise quota_exceeded(group, limit, retry, self.project_number)
            window.append(now)

    def _respond(self, h: _Handler, method: str, name: str, api: str, g: dict[str, str], params: dict[str, str],
                 query: dict[str, list[str]], body: bytes, account: str | None, scopes: frozenset[str],
                 problem: str | None) -> tuple[int, bytes, dict[str, str]]:
        if name == "oauth.token":
            return self._token(body, h.headers.get("Authorization"))
        if name == "oauth.authorize":
            with self.lock:
                status, headers, page = self.oauth.authorize(params)
            return status, page.encode(), {"Content-Type": "text/html; charset=utf-8", **headers}
        if name.endswith(".unknown") or name == "unknown":
            if api == "drive":
                raise drive.drive_error(404, "notFound", "Not Found")
            raise sheets_error(404, f"Method not found: {method} {h.path.partition('?')[0]}", "NOT_FOUND")
        write = method != "GET"
        if name == "drive.files.media" or name == "drive.files.get" or name.endswith(".list"):
            write = False
        if api == "sheets" and len(body) > schema.MAX_PAYLOAD:
            raise sheets_error(400, f"Request payload size exceeds the limit: {schema.MAX_PAYLOAD} bytes.",
                               "INVALID_ARGUMENT")
        self._require(api, account, scopes, problem, write)
        self._check_fields(name, api, params)
        if api == "drive" and name in ("drive.files.media",) and not {_short_scope(s) for s in scopes} & {
                "drive", "drive.readonly", "drive.file"}:
            raise insufficient_scopes("drive")
        assert account is not None
        if api == "sheets":
            self._check_quota(account, write)
        if self.quotas is not None:
            self.quotas.check(api, account, write, self.clock())
        jbody = self._json_body(body, h) if name not in ("drive.files.upload",) else None
        with self.lock:
            st = self.store
            if name == "sheets.get":
                out = sheets.spreadsheet_get(st, g["sid"], account, params, query.get("ranges", []))
            elif name == "sheets.create":
                out = sheets.spreadsheet_create(st, account, jbody or {})
            elif name == "sheets.batchUpdate":
                out = sheets.batch_update(st, g["sid"], account, jbody or {})
            elif name == "sheets.values.get":
                out = sheets.values_get(st, g["sid"], account, g["range"], params)
            elif name == "sheets.values.batchGet":
                out = sheets.values_batch_get(st, g["sid"], account, query.get("ranges", []), params)
            elif name == "sheets.values.update":
                out = sheets.values_update(st, g["sid"], account, g["range"], params, jbody or {})
            elif name == "sheets.values.append":
                out = sheets.values_append(st, g["sid"], account, g["range"], params, jbody or {})
            elif name == "sheets.values.clear":
                out = sheets.values_clear(st, g["sid"], account, g["range"])
            elif name == "sheets.values.batchUpdate":
                out = sheets.values_batch_update(st, g["sid"], account, jbody or {})
            elif name == "sheets.values.batchClear":
                out = sheets.values_batch_clear(st, g["sid"], account, jbody or {})
            elif name == "drive.files.list":
                out = drive.files_list(st, account, params, self.url)
            elif name == "drive.files.get":
                out = drive.file_get(st, account, g["fid"], params, self.url)
            elif name == "drive.about.get":
                if not params.get("fields"):  # Drive: "The 'fields' parameter is required for this method."
                    raise drive.drive_error(400, "required", "The 'fields' parameter is required for this method.",
                                            location="fields")
                out = fieldmask.select(oauth.about(account), params["fields"])
            elif name == "drive.files.media":
                status, data, headers = drive.file_media(st, account, g["fid"], h.headers.get("Range"), params)
                return status, data, headers
            elif name == "drive.files.create":
                out = drive.create_file(st, account, jbody or {}, None, None, params, self.url, self._now())
            elif name == "drive.files.update":
                out = drive.update_file(st, account, g["fid"], jbody or {}, None, params, self.url, self._now())
            elif name == "drive.files.delete":
                drive.delete_file(st, account, g["fid"], params)
                return 204, b"", {"Content-Type": "text/html"}
            elif name == "drive.permissions.list":
                out = drive.permissions_list(st, account, g["fid"], params)
            elif name == "drive.permissions.create":
                out = drive.permissions_create(st, account, g["fid"], jbody or {}, params)
            elif name == "drive.permissions.delete":
                drive.permissions_delete(st, account, g["fid"], g["pid"])
                return 204, b"", {"Content-Type": "text/html"}
            elif name == "drive.files.upload":
                return self._upload(h, method, g.get("fid"), params, body, account)
            else:  # pragma: no cover - every route is listed above
                raise sheets_error(404, "Not Found", "NOT_FOUND")
        return 200, _json(out, pretty=params.get("prettyPrint", "true").lower() != "false"), dict(JSON_HEADERS)

    @staticmethod
    def _check_fields(name: str, api: str, params: dict[str, str]) -> None:
        """A ``fields`` mask naming a field the response does not have is a 400, as at Google."""
        mask = params.get("fields")
        if mask is None or name == "drive.files.media":
            return
        try:
            bad = schema.unknown_field(name, mask)
        except fieldmask.FieldMaskError:
            bad = mask
        if bad is None:
            return
        if api == "drive":
            raise drive.invalid_fields(bad.rsplit(".", 1)[-1])
        raise sheets_error(400, f"Error expanding 'fields' parameter. Cannot find matching fields for path '{bad}'.",
                           "INVALID_ARGUMENT")

    def _now(self) -> str:
        return rfc3339(self.clock())

    @staticmethod
    def _json_body(body: bytes, h: _Handler) -> dict[str, Any] | None:
        if not body:
            return None
        try:
            value = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise sheets_error(400, "Invalid JSON payload received. Unexpected token.", "INVALID_ARGUMENT") from None
        if not isinstance(value, dict):
            raise sheets_error(400, "Invalid JSON payload received. Expected an object.", "INVALID_ARGUMENT")
        return value

    def _token(self, body: bytes, authorization: str | None = None) -> tuple[int, bytes, dict[str, str]]:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        headers = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"}
        grant = form.get("grant_type", [""])[-1]
        if grant in (oauth.AUTH_CODE, oauth.REFRESH):
            with self.lock:
                status, answer, _user = self.oauth.token({k: v[-1] for k, v in form.items()},
                                                         oauth.basic_credentials(authorization))
            return status, _json(answer), headers
        if grant != auth.JWT_BEARER:
            return 400, _json({"error": "unsupported_grant_type", "error_description": "Invalid grant_type: " + grant}), headers
        assertion = form.get("assertion", [""])[-1]
        try:
            with self.lock:
                account, scopes = auth.jwt_grant(self.store.keys, assertion, self.token_url, self.clock())
        except auth.GrantError as err:
            return 400, _json({"error": err.error, "error_description": err.description}), headers
        token = auth.new_access_token()
        with self.lock:
            self.tokens[token] = auth.TokenInfo(account, scopes, self.clock() + self.token_lifetime)
        return 200, _json({"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}), headers

    def _upload(self, h: _Handler, method: str, file_id: str | None, params: dict[str, str], body: bytes,
                account: str) -> tuple[int, bytes, dict[str, str]]:
        st = self.store
        upload_id = params.get("upload_id")
        if upload_id:
            return self._resumable_chunk(h, upload_id, body)
        kind = params.get("uploadType", "")
        ctype = h.headers.get("Content-Type", "")
        if kind == "multipart":
            meta, content, media_type = drive.parse_multipart(ctype, body)
        elif kind == "media":
            meta, content, media_type = {}, body, ctype or None
        elif kind == "resumable":
            meta = self._json_body(body, h) or {}
            session = {"meta": meta, "mime": h.headers.get("X-Upload-Content-Type"),
                       "total": h.headers.get("X-Upload-Content-Length"), "data": bytearray(),
                       "account": account, "file_id": file_id, "params": dict(params)}
            uid = "standin-" + auth.new_access_token()[-24:]
            self._uploads[uid] = session
            location = f"{self.url}/upload/drive/v3/files{'/' + file_id if file_id else ''}?uploadType=resumable&upload_id={uid}"
            return 200, b"", {"Location": location, "X-GUploader-UploadID": uid, "Content-Type": "text/plain"}
        else:
            raise drive.drive_error(400, "invalid", "Invalid Value", location="uploadType")
        if file_id and method in ("PATCH", "PUT"):
            out = drive.update_file(st, account, file_id, meta, content, params, self.url, self._now())
        else:
            out = drive.create_file(st, account, meta, content, media_type, params, self.url, self._now())
        return 200, _json(out), dict(JSON_HEADERS)

    def _resumable_chunk(self, h: _Handler, upload_id: str, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        session = self._uploads.get(upload_id)
        if session is None:
            raise drive.drive_error(404, "notFound", "Upload session not found.")
        crange = h.headers.get("Content-Range", "")
        m = re.match(r"bytes (\*|(\d+)-(\d+))/(\*|\d+)", crange)
        total = session["total"]
        if m:
            if m.group(4) != "*":
                total = m.group(4)
            if m.group(2) is not None:
                start = int(m.group(2))
                if start != len(session["data"]):
                    raise drive.drive_error(400, "badContent", "Invalid Content-Range: chunk does not continue the upload.")
                session["data"] += body
        else:
            session["data"] += body
            total = total or str(len(session["data"]))
        received = len(session["data"])
        if total is not None and total != "*" and received >= int(total):
            del self._uploads[upload_id]
            p = session["params"]
            if session["file_id"]:
                out = drive.update_file(self.store, session["account"], session["file_id"], session["meta"],
                                        bytes(session["data"]), p, self.url, self._now())
            else:
                out = drive.create_file(self.store, session["account"], session["meta"], bytes(session["data"]),
                                        session["mime"], p, self.url, self._now())
            return 200, _json(out), dict(JSON_HEADERS)
        headers = {"Content-Type": "text/plain", "X-GUploader-UploadID": upload_id}
        if received:
            headers["Range"] = f"bytes=0-{received - 1}"
        return 308, b"", headers


def _assertion_issuer(body: bytes) -> str | None:
    try:
        assertion = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("assertion", [""])[-1]
        iss = auth.decode_jwt(assertion)[1].get("iss")
        return iss if isinstance(iss, str) else None
    except (auth.GrantError, AttributeError, IndexError):
        return None


def serial_to_datetime(serial: float) -> dt.datetime:
    """Helper for tests: a Sheets serial number as a naive datetime."""
    return cells.from_serial(serial)
