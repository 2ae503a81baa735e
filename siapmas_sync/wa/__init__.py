"""WhatsApp for replies to reporters: click-to-chat links an operator opens (always
available, :mod:`.link`) and the WhatsApp Business Cloud API client for approved template
messages (optional, :mod:`.cloud`). Neither sends anything by itself: the notification
queue decides what is due and calls these."""

from .cloud import CloudApiClient, SendResult
from .link import click_to_chat, e164_digits

__all__ = ["CloudApiClient", "SendResult", "click_to_chat", "e164_digits"]
