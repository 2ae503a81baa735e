"""Replies to citizens (issue #11): receipts, requests for what is missing, rejections,
forwarding notices and the final reply.

* :mod:`.queue` decides, inside the transaction of the event that causes it, which
  message is due to whom (the ``messages`` table of the ledger);
* :mod:`.compose` renders a queued message from its jinja2 templates (``templates/pesan``);
* :mod:`.pdf` draws the attachments (Tanda Terima, Surat Balasan);
* :mod:`.relay` decides what a message may quote, to whom and how many (not a relay);
* :mod:`.channels` are the ways out (SMTP e-mail, ``.eml`` files) behind one small protocol,
  which :mod:`.wa_channel` (WhatsApp Cloud API) implements too; :mod:`.smtpwire` holds
  the SMTP client's RFC 5321 timeouts and the IDNA/SMTPUTF8 addressing;
* :mod:`.pemberitahuan` is the operator's tab of WhatsApp messages (click-to-chat links,
  *Terkirim* ticks recorded in the ledger);
* :mod:`.sender` delivers what is due at the end of a cycle, after the write-back.
"""

from .queue import KINDS, StageHook, queue_registration, queue_duplicate, stage_hook

__all__ = ["KINDS", "StageHook", "queue_registration", "queue_duplicate", "stage_hook"]
