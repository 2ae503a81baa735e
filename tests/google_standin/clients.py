"""Real Google clients pointed at the stand-in (or at Google, with ``url=None``).

How the redirection works, and why this way
-------------------------------------------
*gspread 6.x* builds absolute URLs from module constants (gspread/urls.py:
``https://sheets.googleapis.com/v4/spreadsheets/...`` and
``https://www.googleapis.com/drive/v3/files``) and sends them through the
``requests.Session`` it is given (``gspread.Client(auth, session=...)``; with a session
gspread does not build its own ``AuthorizedSession``).  We hand it a
``google.auth.transport.requests.AuthorizedSession`` (token refresh, 401 retry) on which
a transport adapter is mounted for those two https origins.  The adapter rewrites the
scheme+host of each prepared request to the stand-in URL and sends it with the normal
urllib3 machinery, so paths, query strings, headers and bodies are byte-for-byte what
gspread would send to Google.  Nothing in gspread is patched.  The OAuth token request
goes to the key file's ``token_uri`` (the stand-in's ``/token``) by itself.

*google-api-python-client* accepts ``client_options={"api_endpoint": ...}``: the static
discovery document's ``rootUrl + servicePath`` (https://www.googleapis.com/drive/v3/) is
replaced by that endpoint, so ``files.list`` goes to ``<endpoint>/files``.  Media uploads
are the exception: their URL comes from ``rootUrl + "upload/drive/v3/files"`` and
``_fix_up_media_path_base_url`` swaps only the *host*, keeping ``https``.  Against an
http loopback server that would be a TLS handshake on a plain socket, so
:func:`drive_service` passes an ``httplib2.Http`` subclass that rewrites https URLs for
the stand-in's host (and www.googleapis.com) to the stand-in's http URL.  Production
code can use the same :func:`drive_service` with ``url=None`` (no rewriting).

Production code that wants to be testable this way should accept an optional
"API base URL" setting and call :func:`mount_standin` / :class:`RewritingHttp` only when
it is set.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

import httplib2
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from requests.adapters import HTTPAdapter

SHEETS_SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)
DRIVE_SCOPES = ("https://www.googleapis.com/auth/drive",)
GOOGLE_ORIGINS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


def _rewrite(url: str, base: str, origins: tuple[str, ...]) -> str:
    for origin in origins:
        if url == origin or url.startswith(origin + "/"):
            return base.rstrip("/") + url[len(origin):]
    return url


class StandinAdapter(HTTPAdapter):
    """requests transport adapter: sends requests for Google origins to ``base_url``."""

    def __init__(self, base_url: str, origins: tuple[str, ...] = GOOGLE_ORIGINS, **kwargs: Any):
        self.base_url = base_url.rstrip("/")
        self.origins = origins
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        request.url = _rewrite(request.url or "", self.base_url, self.origins)
        return super().send(request, *args, **kwargs)


def mount_standin(session: requests.Session, base_url: str) -> requests.Session:
    """Route this session's Google API traffic to the stand-in."""
    adapter = StandinAdapter(base_url)
    for origin in GOOGLE_ORIGINS:
        session.mount(origin + "/", adapter)
    return session


def credentials(key: Mapping[str, Any], scopes: tuple[str, ...] | list[str]) -> service_account.Credentials:
    """Service-account credentials; the token goes to key["token_uri"]."""
    return service_account.Credentials.from_service_account_info(dict(key), scopes=list(scopes))


def gspread_client(key: Mapping[str, Any], url: str | None, *, scopes: tuple[str, ...] | list[str] = SHEETS_SCOPES,
                   timeout: float | tuple[float, float] | None = None, http_client: Any = None) -> Any:
    """A real ``gspread.Client`` whose HTTP goes to ``url`` (or to Google when url is None)."""
    import gspread

    creds = credentials(key, scopes)
    session = AuthorizedSession(creds)
    if url:
        mount_standin(session, url)
    kwargs = {"http_client": http_client} if http_client is not None else {}
    client = gspread.Client(auth=creds, session=session, **kwargs)
    client.http_client.auth = creds  # gspread skips this when a session is given; .expiry needs it
    if timeout is not None:
        client.set_timeout(timeout)
    return client


class RewritingHttp(httplib2.Http):
    """httplib2.Http that sends https requests for Google / the stand-in host to ``base_url``."""

    def __init__(self, base_url: str, **kwargs: Any):
        super().__init__(**kwargs)
        # As googleapiclient.http.build_http() does: 308 is "Resume Incomplete" for
        # resumable uploads, not a redirect.
        self.redirect_codes = self.redirect_codes - {308}
        self.base_url = base_url.rstrip("/")
        netloc = urllib.parse.urlsplit(self.base_url).netloc
        self.origins = (*GOOGLE_ORIGINS, f"https://{netloc}")

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None,
                redirections: int = httplib2.DEFAULT_MAX_REDIRECTS, connection_type: Any = None) -> Any:
        uri = _rewrite(uri, self.base_url, self.origins)
        return super().request(uri, method, body, headers, redirections, connection_type)


def drive_service(key: Mapping[str, Any], url: str | None, *, scopes: tuple[str, ...] | list[str] = DRIVE_SCOPES,
                  timeout: float | None = None) -> Any:
    """A real googleapiclient Drive v3 service (static discovery: no network for the doc)."""
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    creds = credentials(key, scopes)
    if url:
        http = AuthorizedHttp(creds, http=RewritingHttp(url, timeout=timeout))
        return build("drive", "v3", http=http, client_options={"api_endpoint": url.rstrip("/") + "/drive/v3/"},
                     static_discovery=True, cache_discovery=False)
    from googleapiclient.http import build_http

    base = build_http()
    base.timeout = timeout
    http = AuthorizedHttp(creds, http=base)
    return build("drive", "v3", http=http, static_discovery=True, cache_discovery=False)
