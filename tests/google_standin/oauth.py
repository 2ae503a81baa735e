"""OAuth 2.0 for installed (desktop) apps as Google runs it: the authorization endpoint,
the token endpoint's ``authorization_code`` and ``refresh_token`` grants, refresh-token
revocation and the 7-day life of a refresh token issued while the app is "Testing".

Sources (developers.google.com/identity/protocols/oauth2/native-app, "OAuth 2.0 for iOS &
Desktop Apps"; developers.google.com/identity/protocols/oauth2, "Refresh token expiration"):

* authorization request: ``client_id``, ``redirect_uri``, ``response_type=code``, ``scope``
  (space-separated), optional ``state``, ``code_challenge`` + ``code_challenge_method``
  (``S256`` or ``plain``), ``login_hint``; the loopback redirect is ``http://127.0.0.1:PORT``
  (also ``[::1]`` and ``localhost``), any port. The user consents and the browser is sent to
  ``redirect_uri?state=…&code=…&scope=…``; a refusal is ``?error=access_denied``. An unknown
  client, a redirect that is not loopback, an unknown scope are error pages shown by Google
  ("Error 401: invalid_client", "Error 400: redirect_uri_mismatch", "Error 400:
  invalid_scope"); a user who is not a test user of an app in "Testing" is refused
  ("Error 403: access_denied").
* code exchange: ``POST /token`` with ``code``, ``client_id``, ``client_secret`` (in the body
  or HTTP Basic, RFC 6749 §2.3.1), ``redirect_uri`` (the same), ``code_verifier`` and
  ``grant_type=authorization_code`` → ``{access_token, expires_in, refresh_token, scope,
  token_type: "Bearer"}``. A code is good once.
* refresh: ``client_id``, ``client_secret``, ``refresh_token``, ``grant_type=refresh_token``
  → ``{access_token, expires_in, scope, token_type}`` (no new refresh token). A revoked
  refresh token, or one issued while the consent screen's publishing status is "Testing"
  (external user type) once 7 days have passed, is ``400 {"error": "invalid_grant",
  "error_description": "Token has been expired or revoked."}``; revoking it also ends the
  access tokens it issued.
* client errors: an unknown client id is ``401 {"error": "invalid_client",
  "error_description": "The OAuth client was not found."}``, a wrong secret ``401
  {"error": "invalid_client", "error_description": "Unauthorized"}``; a bad, used or
  mismatched code ``400 {"error": "invalid_grant", "error_description": "Bad Request"}``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .auth import KNOWN_SCOPES, TokenInfo, new_access_token

AUTH_PATHS = ("/o/oauth2/auth", "/o/oauth2/v2/auth")
AUTH_CODE = "authorization_code"
REFRESH = "refresh_token"
#: "a refresh token expiring in 7 days" for an app in Testing (Google, "Refresh token expiration")
TESTING_REFRESH_SECONDS = 7 * 24 * 3600
EXPIRED_OR_REVOKED = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
BAD_REQUEST = {"error": "invalid_grant", "error_description": "Bad Request"}
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]", "localhost")


@dataclass
class InstalledClient:
    client_id: str
    client_secret: str
    user: str  # the Google account that consents in the (stand-in) browser
    testing: bool = False  # consent screen "Testing": refresh tokens live 7 days; test users only
    test_users: tuple[str, ...] = ()
    #: scopes the user leaves unticked on the consent screen (Google's granular consent)
    unticked: frozenset[str] = frozenset()


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    user: str
    scopes: frozenset[str]
    challenge: str | None
    method: str
    used: bool = False


@dataclass
class RefreshRecord:
    client_id: str
    user: str
    scopes: frozenset[str]
    issued_at: float
    expires_at: float | None
    revoked: bool = False
    access_tokens: list[str] = field(default_factory=list)


class GrantFailure(Exception):
    def __init__(self, status: int, body: dict[str, str]):
        super().__init__(body.get("error_description", ""))
        self.status = status
        self.body = body


def _loopback(uri: str) -> bool:
    parts = urllib.parse.urlsplit(uri)
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.startswith("[") else parts.netloc.split("]")[0] + "]"
    return parts.scheme == "http" and host in LOOPBACK_HOSTS


def _pkce_ok(challenge: str | None, method: str, verifier: str | None) -> bool:
    if challenge is None:
        return True
    if not verifier:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
    return verifier == challenge


class OAuthProvider:
    """The stand-in's Google Accounts: installed-app clients, codes, refresh tokens."""

    def __init__(self, clock: Any, tokens: dict[str, TokenInfo], token_lifetime: int) -> None:
        self.clock = clock
        self.tokens = tokens  # the stand-in's access tokens (shared with the API side)
        self.token_lifetime = token_lifetime
        self.clients: dict[str, InstalledClient] = {}
        self.codes: dict[str, _Code] = {}
        self.refresh_tokens: dict[str, RefreshRecord] = {}

    def account_of(self, body: bytes) -> str | None:
        """Whose code / refresh token a token request carries (for the request log)."""
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        code = self.codes.get(form.get("code", [""])[-1])
        rec = self.refresh_tokens.get(form.get("refresh_token", [""])[-1])
        return code.user if code else rec.user if rec else None

    # --- test set-up ------------------------------------------------------------------
    def add_client(self, user: str, *, testing: bool = False, test_users: tuple[str, ...] | None = None,
                   unticked: frozenset[str] = frozenset()) -> InstalledClient:
        client = InstalledClient(
            client_id=f"{secrets.randbelow(10**12):012d}-{secrets.token_hex(16)}.apps.googleusercontent.com",
            client_secret="GOCSPX-" + secrets.token_urlsafe(21), user=user, testing=testing,
            test_users=tuple(test_users if test_users is not None else (user,)), unticked=frozenset(unticked))
        self.clients[client.client_id] = client
        return client

    def revoke(self, user: str | None = None) -> int:
        """Revoke the refresh tokens of *user* (all when None), and the access tokens they
        issued — what the user's "Remove access" in their Google Account does."""
        n = 0
        for rec in self.refresh_tokens.values():
            if (user is None or rec.user == user) and not rec.revoked:
                rec.revoked = True
                n += 1
                for tok in rec.access_tokens:
                    self.tokens.pop(tok, None)
        return n

    # --- the authorization endpoint (the browser's side) --------------------------------
    def authorize(self, params: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """(status, headers, html body): a 302 to the loopback redirect, or Google's error page."""
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            return 401, {}, _page("Error 401: invalid_client", "The OAuth client was not found.")
        redirect = params.get("redirect_uri", "")
        if not _loopback(redirect):
            return 400, {}, _page("Error 400: redirect_uri_mismatch",
                                  "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 "
                                  "policy. If you're the app developer, register the redirect URI in the Google Cloud "
                                  f"Console. Request details: redirect_uri={redirect}")
        if params.get("response_type") != "code":
            return 400, {}, _page("Error 400: unsupported_response_type", "Invalid response_type: "
                                  + params.get("response_type", ""))
        scopes = frozenset(params.get("scope", "").split())
        if not scopes or scopes - KNOWN_SCOPES:
            return 400, {}, _page("Error 400: invalid_scope", "Some requested scopes were invalid. {invalid="
                                  + ", ".join(sorted(scopes - KNOWN_SCOPES)) + "}")
        if client.testing and client.user not in client.test_users:
            return 403, {}, _page("Error 403: access_denied", "The app is currently being tested, and can only be "
                                  "accessed by developer-approved testers.")
        granted = scopes - client.unticked
        method = params.get("code_challenge_method", "plain")
        code = "4/0" + secrets.token_urlsafe(40)
        self.codes[code] = _Code(client.client_id, redirect, client.user, granted, params.get("code_challenge"), method)
        query = {"code": code, "scope": " ".join(sorted(granted))}
        if "state" in params:
            query = {"state": params["state"], **query}
        sep = "&" if "?" in redirect else "?"
        return 302, {"Location": redirect + sep + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}, ""

    # --- the token endpoint ----------------------------------------------------------------
    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any], str | None]:
        """(status, JSON body, account) for the authorization_code and refresh_token grants."""
        try:
            client = self._client(form, basic)
            if form.get("grant_type") == AUTH_CODE:
                return 200, *self._exchange(client, form)
            return 200, *self._refresh(client, form)
        except GrantFailure as failure:
            return failure.status, failure.body, None

    def _client(self, form: dict[str, str], basic: tuple[str, str] | None) -> InstalledClient:
        client_id, secret = basic if basic else (form.get("client_id", ""), form.get("client_secret", ""))
        client = self.clients.get(client_id)
        if client is None:
            raise GrantFailure(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        if secret != client.client_secret:
            raise GrantFailure(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        return client

    def _issue(self, user: str, scopes: frozenset[str]) -> str:
        tok = new_access_token()
        self.tokens[tok] = TokenInfo(user, scopes, self.clock() + self.token_lifetime)
        return tok

    def _exchange(self, client: InstalledClient, form: dict[str, str]) -> tuple[dict[str, Any], str]:
        code = self.codes.get(form.get("code", ""))
        if (code is None or code.used or code.client_id != client.client_id
                or form.get("redirect_uri") != code.redirect_uri):
            raise GrantFailure(400, BAD_REQUEST)
        if not _pkce_ok(code.challenge, code.method, form.get("code_verifier")):
            raise GrantFailure(400, {"error": "invalid_grant", "error_description": "Missing code verifier."}
                               if not form.get("code_verifier") else BAD_REQUEST)
        code.used = True
        now = self.clock()
        refresh = "1//0" + secrets.token_urlsafe(60)
        rec = RefreshRecord(client.client_id, code.user, code.scopes, now,
                            now + TESTING_REFRESH_SECONDS if client.testing else None)
        access = self._issue(code.user, code.scopes)
        rec.access_tokens.append(access)
        self.refresh_tokens[refresh] = rec
        return ({"access_token": access, "expires_in": self.token_lifetime, "refresh_token": refresh,
                 "scope": " ".join(sorted(code.scopes)), "token_type": "Bearer"}, code.user)

    def _refresh(self, client: InstalledClient, form: dict[str, str]) -> tuple[dict[str, Any], str]:
        rec = self.refresh_tokens.get(form.get("refresh_token", ""))
        if rec is None or rec.client_id != client.client_id or rec.revoked or (
                rec.expires_at is not None and self.clock() >= rec.expires_at):
            raise GrantFailure(400, EXPIRED_OR_REVOKED)
        wanted = frozenset(form.get("scope", "").split()) or rec.scopes
        if wanted - rec.scopes:
            raise GrantFailure(400, {"error": "invalid_scope",
                                     "error_description": "The requested scope is not a subset of the granted scopes."})
        access = self._issue(rec.user, wanted)
        rec.access_tokens.append(access)
        return ({"access_token": access, "expires_in": self.token_lifetime, "scope": " ".join(sorted(wanted)),
                 "token_type": "Bearer"}, rec.user)


def about(account: str) -> dict[str, Any]:
    """Drive ``about.get``: the user the access token belongs to (Drive v3 ``About.user``)."""
    return {"kind": "drive#about", "user": {"kind": "drive#user", "displayName": account.split("@")[0],
                                            "me": True, "permissionId": hashlib.sha1(account.encode()).hexdigest()[:20],
                                            "emailAddress": account}}


def client_secrets(client: InstalledClient, base_url: str) -> dict[str, Any]:
    """The JSON Google Cloud Console offers to download for a "Desktop app" OAuth client,
    with the endpoints pointed at the stand-in."""
    return {"installed": {
        "client_id": client.client_id,
        "project_id": "siapmas-test",
        "auth_uri": base_url + AUTH_PATHS[0],
        "token_uri": base_url + "/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_secret": client.client_secret,
        "redirect_uris": ["http://localhost"],
    }}


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, _, secret = raw.partition(":")
    return urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(secret)


def _page(title: str, text: str) -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
