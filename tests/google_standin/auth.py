"""Service-account keys and the OAuth 2.0 JWT-bearer grant (RFC 7523) as Google runs it.

google-auth (google/oauth2/service_account.py) signs an RS256 JWT with
``iss`` = client_email, ``aud`` = "https://oauth2.googleapis.com/token" (always that
constant, whatever ``token_uri`` says), ``scope`` = space-separated scopes, ``iat`` and
``exp`` = iat + 3600, header ``kid`` = private_key_id, and POSTs
``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>`` to token_uri.
Google answers ``{"access_token", "expires_in": 3599, "token_type": "Bearer"}`` or a
400 ``{"error": "invalid_grant", "error_description": ...}``.

Self-signed JWTs used directly as bearer tokens (``always_use_jwt_access``) are also
accepted: aud = "https://<service>.googleapis.com/" or a ``scope`` claim.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCES = (
    "https://oauth2.googleapis.com/token",
    "https://accounts.google.com/o/oauth2/token",
    "https://www.googleapis.com/oauth2/v4/token",
)
KNOWN_SCOPES = {
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/drive.file",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
    "https://www.googleapis.com/auth/drive.metadata",
    "https://www.googleapis.com/auth/cloud-platform",
    "https://spreadsheets.google.com/feeds",  # legacy scope old gspread code still asks for
}
TOKEN_LIFETIME = 3599


class GrantError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class TokenInfo:
    account: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class KeyRegistry:
    """Public keys per service account: email -> {private_key_id: public PEM}."""

    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    def register(self, email: str, kid: str, public_pem: str) -> None:
        self.keys.setdefault(email, {})[kid] = public_pem

    def revoke(self, email: str, kid: str | None = None) -> None:
        if kid is None:
            self.keys.pop(email, None)
        else:
            self.keys.get(email, {}).pop(kid, None)


def generate_key(email: str, token_uri: str, project_id: str | None = None) -> tuple[dict[str, Any], str]:
    """A Google-shaped service-account key file (dict) and its public key PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    if project_id is None:
        domain = email.partition("@")[2]
        project_id = domain.split(".")[0] if domain.endswith(".iam.gserviceaccount.com") else "siapmas-local"
    info = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": private_pem,
        "client_email": email,
        "client_id": str(int(hashlib.sha256(email.encode()).hexdigest(), 16))[:21],
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + quote(email, safe=""),
        "universe_domain": "googleapis.com",
    }
    return info, public_pem


def _b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise GrantError("invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe")
    try:
        header = json.loads(_b64d(parts[0]))
        claims = json.loads(_b64d(parts[1]))
        signature = _b64d(parts[2])
    except (ValueError, json.JSONDecodeError) as exc:
        raise GrantError("invalid_grant", "Invalid JWT Signature.") from exc
    return header, claims, (parts[0] + "." + parts[1]).encode(), signature


def verify_signature(registry: KeyRegistry, header: dict[str, Any], claims: dict[str, Any],
                     signed: bytes, signature: bytes) -> str:
    """Return the verified issuer e-mail or raise GrantError."""
    if header.get("alg") != "RS256":
        raise GrantError("invalid_grant", "Invalid JWT Signature.")
    iss = claims.get("iss")
    if not isinstance(iss, str) or iss not in registry.keys:
        raise GrantError("invalid_grant", "Invalid grant: account not found")
    candidates = registry.keys[iss]
    kid = header.get("kid")
    pems = [candidates[kid]] if kid in candidates else ([] if kid else list(candidates.values()))
    for pem in pems:
        public = serialization.load_pem_public_key(pem.encode())
        try:
            public.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
            return iss
        except InvalidSignature:
            continue
    raise GrantError("invalid_grant", "Invalid JWT Signature.")


def check_times(claims: dict[str, Any], now: float) -> None:
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)):
        raise GrantError("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) "
                         "and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
    if exp <= now or iat > now + 300 or exp - iat > 3600:
        raise GrantError("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) "
                         "and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")


def jwt_grant(registry: KeyRegistry, assertion: str, token_url: str, now: float | None = None) -> tuple[str, frozenset[str]]:
    """Validate a JWT-bearer assertion; return (account, scopes)."""
    now = time.time() if now is None else now
    header, claims, signed, signature = decode_jwt(assertion)
    account = verify_signature(registry, header, claims, signed, signature)
    aud = claims.get("aud")
    if aud not in GOOGLE_TOKEN_AUDIENCES and aud != token_url:
        raise GrantError("invalid_grant", "Invalid JWT: audience is not the token endpoint.")
    check_times(claims, now)
    scopes = frozenset(str(claims.get("scope", "")).split())
    if not scopes:
        raise GrantError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    unknown = scopes - KNOWN_SCOPES
    if unknown:
        raise GrantError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    return account, scopes


def self_signed_access(registry: KeyRegistry, token: str, now: float) -> tuple[str, frozenset[str]] | None:
    """A self-signed JWT presented as a bearer token, or None when it is not one."""
    if token.count(".") != 2:
        return None
    try:
        header, claims, signed, signature = decode_jwt(token)
        account = verify_signature(registry, header, claims, signed, signature)
        check_times(claims, now)
    except GrantError:
        return None
    scopes = frozenset(str(claims.get("scope", "")).split())
    aud = str(claims.get("aud", ""))
    if not scopes:
        if aud.startswith("https://sheets.googleapis.com"):
            scopes = frozenset({"https://www.googleapis.com/auth/spreadsheets"})
        elif aud.startswith("https://www.googleapis.com") or aud.startswith("https://drive.googleapis.com"):
            scopes = frozenset({"https://www.googleapis.com/auth/drive"})
    return account, scopes


def new_access_token() -> str:
    return "ya29.standin-" + secrets.token_urlsafe(48)
