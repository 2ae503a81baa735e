"""WhatsApp as a queue channel: ``[notify.whatsapp] mode = "cloud_api"`` sends each due
message as an approved template through the WhatsApp Business Cloud API (wa.cloud).

The outcomes map onto the e-mail channel's guarantees (notify.channels): ``temporary``
(rate limit, 5xx, unreachable) → :class:`TemporaryFailure`, retried with backoff across
cycles; ``permanent`` (a number WhatsApp cannot reach, a refused request) →
:class:`PermanentFailure`, recorded with its reason and shown in Kendali and
Pemberitahuan; ``halt`` (expired or wrong token, no permission) → :class:`ChannelConfigError`:
the message stays queued with the reason, sending stops for the cycle, GALAT + Saran.

A kind without an approved template (``[notify.whatsapp.templates]``) is not sent by the
API: it stays in the Pemberitahuan tab for the operator (manual click-to-chat).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..config import Settings
from ..errors import ConfigError
from ..core.models import MessageChannel
from ..wa.cloud import CloudApiClient
from .channels import ChannelConfigError, PermanentFailure, TemporaryFailure
from .compose import Outgoing


class WhatsAppCloudChannel:
    """:class:`~siapmas_sync.notify.channels.Channel` over the Cloud API."""

    name = MessageChannel.WHATSAPP
    outcome = "diteruskan ke WhatsApp (diterima layanan, belum tentu sampai)"

    def __init__(self, settings: Settings, environ: Mapping[str, str] | None = None) -> None:
        self.cfg = settings.notify.whatsapp
        self._client: CloudApiClient | None = None
        self._environ = environ

    def handles(self, kind: str) -> bool:
        """Whether *kind* has an approved template (else the operator sends it by hand)."""
        return kind in self.cfg.templates

    def daily_limit(self) -> int | None:
        return None  # Meta's messaging tiers answer 130429/131048 when reached: retried later

    def _connect(self) -> CloudApiClient:
        try:
            return CloudApiClient.from_config(self.cfg, self._environ)
        except ConfigError as exc:
            raise ChannelConfigError(exc.message, exc.advice) from None

    def send(self, out: Outgoing, now: datetime) -> None:
        if self._client is None:
            self._client = self._connect()
        template = self.cfg.templates.get(out.kind)
        if not template:
            raise TemporaryFailure(f"tidak ada templat WhatsApp yang disetujui untuk pesan {out.kind}")
        result = self._client.send_template(out.recipient, template, out.params, self.cfg.language)
        if result.ok:
            return
        if result.halt:
            raise ChannelConfigError(
                f"WhatsApp Cloud API menolak akun/token: {result.reason}.",
                f"Perbarui token di variabel lingkungan {self.cfg.token_env} (token System User permanen dari "
                "Meta Business) dan pastikan nomor pengirim aktif; pesan tetap dalam antrean.")
        if result.state == "temporary":
            raise TemporaryFailure(result.reason, retry_after=result.retry_after, maybe_delivered=result.maybe_delivered)
        raise PermanentFailure(result.reason)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
