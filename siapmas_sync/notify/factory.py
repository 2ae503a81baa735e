"""Which channel sends a queued message: e-mail over SMTP, a file per message (``transport =
"file"``) or WhatsApp's Cloud API — built only when a message is due (notify.sender).

Apart from :mod:`.channels` so that the WhatsApp channel, which implements that module's
protocol, is imported here at module level without a cycle.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..core.models import MessageChannel
from ..placeholders import placeholders
from .channels import Channel, ChannelConfigError, FileChannel, SmtpChannel
from .wa_channel import WhatsAppCloudChannel


def make_channel(settings: Settings, out_dir: Path, name: str = MessageChannel.EMAIL) -> Channel:
    """The channel that sends messages queued for *name* ("email" or "whatsapp")."""
    if name == MessageChannel.WHATSAPP:
        return WhatsAppCloudChannel(settings)
    if settings.notify.transport == "file":
        return FileChannel(settings, out_dir / "pesan")
    unfilled = placeholders(settings.notify.email.model_dump(mode="json"), "notify.email")
    if unfilled:  # the copied example, not yet filled in: no message as "ISI_EMAIL_KANTOR"
        raise ChannelConfigError(
            f"Konfigurasi e-mail masih berisi contoh ({', '.join(unfilled)} diawali ISI_): pesan belum dikirim.",
            "Isi alamat e-mail kantor di [notify.email] (atau enabled = false bila kantor tidak mengirim e-mail), "
            "lalu jalankan `siapmas-sync doctor`. Pesan tetap antre dan dikirim setelah diisi.")
    return SmtpChannel(settings)
