"""The WhatsApp Business Cloud API client: one approved *template* message per call.

Interface for the notification queue (the only caller; nothing here is scheduled)::

    client = CloudApiClient.from_config(settings.notify.whatsapp)    # ConfigError if the token is missing
    result = client.send_template("0812-3456-7890", "tanda_terima", ["0001/SIAPMAS/2026", "28/11/2026"])
    result.state       # "ok" | "temporary" | "permanent"
    result.message_id  # "wamid…" when ok (store it: Meta's delivery webhooks name it)
    result.reason      # Indonesian, for Kendali / Pemberitahuan; never the number or the token
    result.code        # Meta's error code (131026, 130429, 190…) or None
    result.halt        # True: the account/token is the problem (expired token, no permission):
                       # stop sending this cycle, keep every message queued, tell the operator
    result.retry_after # seconds, when Meta or the HTTP layer said when to come back

A ``temporary`` result is retried with backoff across cycles; ``permanent`` is recorded and
shown (an invalid or unreachable number, a request Meta refuses as malformed). A number
that fails validation here is never sent to (``permanent`` without a request).

Request (Meta, "Send messages" / "Template messages")::

    POST {base_url}/{api_version}/{phone_number_id}/messages
    Authorization: Bearer <token>
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
     "type": "template",
     "template": {"name": "...", "language": {"code": "id"},
                  "components": [{"type": "body", "parameters": [{"type": "text", "text": "..."}]}]}}

Success: ``{"messaging_product": "whatsapp", "contacts": [{"input": …, "wa_id": …}],
"messages": [{"id": "wamid…"}]}``. Errors (Graph API shape): ``{"error": {"message":
"(#130429) Rate limit hit", "type": "OAuthException", "code": 130429, "error_data":
{"messaging_product": "whatsapp", "details": "…"}, "fbtrace_id": "…"}}``; Meta advises
building on ``code`` (and ``details``), not on the HTTP status or the title.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import requests

from ..errors import ConfigError
from ..logs import mask_text
from .link import e164_digits

log = logging.getLogger("siapmas.wa")

State = Literal["ok", "temporary", "permanent"]

#: Meta codes worth retrying later: throughput, spam and pair rate limits, service trouble
TEMPORARY_CODES = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004})
#: the account or token is at fault: nothing can be sent until the operator fixes it
HALT_CODES = frozenset({0, 3, 10, 190, 368, 131005, 131031, 131042}) | frozenset(range(200, 300))
#: what the operator reads for the common ones (Indonesian)
REASONS: dict[int, str] = {
    100: "permintaan ditolak Meta karena parameter tidak sah (periksa nama templat dan isiannya)",
    131026: "pesan tidak dapat dikirim: nomor tidak terdaftar di WhatsApp atau tidak dapat menerima pesan",
    130429: "batas kecepatan pengiriman WhatsApp tercapai; dikirim ulang nanti",
    131048: "batas pengiriman karena penilaian spam; dikirim ulang nanti",
    131056: "terlalu banyak pesan ke nomor yang sama dalam waktu singkat; dikirim ulang nanti",
    190: "token akses WhatsApp kedaluwarsa atau tidak sah; buat token baru di Meta Business lalu perbarui variabel lingkungannya",
    132001: "templat pesan tidak ada atau belum disetujui untuk bahasa Indonesia (id)",
    132000: "jumlah isian templat tidak sesuai dengan templat yang disetujui",
}
#: Meta refuses body parameters with new lines, tabs or more than 4 consecutive spaces
_PARAM_SPACES = re.compile(r"[\t\r\n]+| {5,}")


@dataclass(frozen=True)
class SendResult:
    state: State
    reason: str = ""
    message_id: str = ""
    code: int | None = None
    halt: bool = False
    retry_after: float | None = None
    #: no answer after the request was sent: Meta may have accepted it (notify.sender resends once)
    maybe_delivered: bool = False

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def template_payload(to_digits: str, template: str, params: Sequence[str], language: str = "id") -> dict[str, Any]:
    """The JSON body of a template message (pure; params become body text parameters)."""
    body: dict[str, Any] = {"name": template, "language": {"code": language}}
    if params:
        body["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": _PARAM_SPACES.sub(" ", str(p)).strip() or "-"} for p in params]}]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to_digits,
            "type": "template", "template": body}


def classify(status: int, body: Mapping[str, Any] | None, retry_after: float | None = None) -> SendResult:
    """A Cloud API answer (HTTP status and parsed JSON) as a :class:`SendResult` (pure)."""
    body = body or {}
    if 200 <= status < 300:
        msgs = body.get("messages") or []
        mid = str(msgs[0].get("id", "")) if msgs and isinstance(msgs[0], Mapping) else ""
        if mid:
            return SendResult("ok", message_id=mid)
        return SendResult("temporary", "jawaban Meta tanpa id pesan; dicoba lagi", retry_after=retry_after)
    raw_err = body.get("error")
    err: Mapping[str, Any] = raw_err if isinstance(raw_err, Mapping) else {}
    raw_code = err.get("code")
    try:
        code: int | None = int(raw_code) if raw_code is not None else None
    except (TypeError, ValueError):
        code = None
    details = str((err.get("error_data") or {}).get("details") or err.get("message") or "").strip()
    reason = REASONS.get(code or -1) or (
        f"WhatsApp menolak pesan (kode {code}): {details}" if code is not None
        else f"WhatsApp menjawab HTTP {status}")
    reason = mask_text(reason)
    if code in HALT_CODES or (code is None and status in (401, 403)):
        return SendResult("temporary", reason, code=code, halt=True)
    if code in TEMPORARY_CODES or status == 429 or status >= 500 and code not in REASONS:
        return SendResult("temporary", reason, code=code, retry_after=retry_after)
    return SendResult("permanent", reason, code=code)


def _retry_after(resp: requests.Response) -> float | None:
    try:
        return float(resp.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


class CloudApiClient:
    """Sends template messages from one business phone number."""

    def __init__(self, phone_number_id: str, token: str, *, api_version: str = "v21.0",
                 base_url: str = "https://graph.facebook.com", timeout: float = 20.0,
                 session: requests.Session | None = None) -> None:
        self.url = f"{base_url.rstrip('/')}/{api_version.strip('/')}/{phone_number_id}/messages"
        self._token = token
        self.timeout = timeout
        self.session = session or requests.Session()

    def __repr__(self) -> str:  # never the token
        return f"CloudApiClient({self.url!r})"

    @classmethod
    def from_config(cls, cfg: Any, environ: Mapping[str, str] | None = None) -> CloudApiClient:
        """From ``[notify.whatsapp]``; the token from the variable named by ``token_env``."""
        env = os.environ if environ is None else environ
        if not cfg.phone_number_id:
            raise ConfigError("[notify.whatsapp] phone_number_id belum diisi.",
                              "Salin Phone number ID dari Meta Business (WhatsApp > API Setup).")
        token = (env.get(cfg.token_env) or "").strip()
        if not token:
            raise ConfigError(
                f"Token WhatsApp tidak ditemukan: variabel lingkungan {cfg.token_env} kosong.",
                f"Isi variabel {cfg.token_env} dengan token akses permanen (System User) dari Meta Business, "
                "di unit systemd atau Task Scheduler; jangan tulis token di berkas konfigurasi.")
        return cls(cfg.phone_number_id, token, api_version=cfg.api_version, base_url=cfg.base_url,
                   timeout=cfg.timeout_seconds)

    def send_template(self, to: str, template: str, params: Sequence[str] = (), language: str = "id") -> SendResult:
        """Send template *template* with body *params* to the number *to* (as typed)."""
        digits = e164_digits(to)
        if digits is None:
            return SendResult("permanent", "nomor WhatsApp pelapor tidak valid; pesan tidak dikirim")
        payload = template_payload(digits, template, params, language)
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        try:
            resp = self.session.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except requests.ReadTimeout:  # sent, unanswered: its fate is unknown
            log.warning("WhatsApp tidak menjawab setelah permintaan terkirim; mungkin sudah diterima")
            return SendResult("temporary", "layanan WhatsApp tidak menjawab setelah pesan dikirim",
                              maybe_delivered=True)
        except requests.RequestException as exc:
            log.warning("WhatsApp tidak terhubung (%s); dicoba lagi nanti", type(exc).__name__)
            return SendResult("temporary", "layanan WhatsApp tidak dapat dihubungi; dicoba lagi nanti")
        try:
            body = resp.json()
        except ValueError:
            body = None
        result = classify(resp.status_code, body if isinstance(body, Mapping) else None, _retry_after(resp))
        log.info("WhatsApp templat %s ke %s: %s%s", template, mask_text("+" + digits), result.state,
                 f" (kode {result.code})" if result.code is not None else "")
        return result

    def close(self) -> None:
        self.session.close()
