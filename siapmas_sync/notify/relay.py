"""The office's e-mail is not a relay (issue 21.6): what a message may echo, to whom, how many.

Anyone can type any address into the form. So a message the worker sends by itself
quotes the form's free text (the reporter's name, the perihal) only to an address
**confirmed** as the reporter's own: the address the Google Form itself collected when
the form collects *verified* e-mail addresses (respondents signed in with Google;
``[notify] form_collects_verified_email = true``) and the reporter did not type another.
Every other automatic message is a minimal one: the agenda number, dates, the office's
fixed text and what officials wrote (notes, the AKD), greeting "Saudara Pelapor".
A manual WhatsApp message is sent by the operator by hand, who reads it first: it keeps
the name.

Wherever form text is echoed, links are neutralised (:func:`defang`): ``http://evil.example``
becomes ``hxxp://evil[.]example`` — text no mail client, WhatsApp or PDF viewer makes
clickable. Officials' own notes are the office's text and are left as written.

Caps (``[notify] per_address_daily``, ``per_item_daily``): one address receives at most
so many messages a WIB day, and one complaint causes at most so many form-triggered
messages (receipts, duplicate notices, kelengkapan received) a day; the rest wait for the
next day. Replies to an official's act go before form-triggered ones (:data:`FORM_KINDS`),
so a burst of rows cannot use up the daily limit ahead of a genuine reporter's answer.

Pure functions; notify.compose and notify.sender apply them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.models import MessageChannel, MessageKind

#: messages caused by a form row (not by an official's act): capped per item, sent last
FORM_KINDS = (MessageKind.TANDA_TERIMA, MessageKind.DUPLIKAT, MessageKind.KELENGKAPAN_DITERIMA)

_SCHEME = re.compile(r"\b(h)(?:tt|xx)(ps?)(?=:|\[:\])", re.IGNORECASE)
_SCHEMES_OTHER = re.compile(r"\b(ftp|file|javascript|data|mailto|wa\.me|tel)(:)", re.IGNORECASE)
# a host-like run: labels joined by dots, the last one letters (a TLD); "Rp 1.000.000" is not one
_HOST = re.compile(r"(?<![\w@.-])((?:[\w-]+\.)+[A-Za-z][\w-]*[A-Za-z])(?![\w-])")
_WWW = re.compile(r"\bwww\.", re.IGNORECASE)


def defang(text: str) -> str:
    """*text* with every link made inert: schemes ``hxxp``, dots of host names ``[.]``
    (e-mail addresses typed in the text too: ``a@b[.]com``)."""
    if not text:
        return text
    out = _SCHEME.sub(lambda m: f"hxx{m.group(2).lower()}", text)
    out = _SCHEMES_OTHER.sub(lambda m: f"{m.group(1)}[:]", out)
    out = _HOST.sub(lambda m: m.group(1).replace(".", "[.]"), out)
    out = re.sub(r"(@[\w-]+)\.", r"\1[.]", out)  # a bare domain after "@" (user@example.com)
    return _WWW.sub("www[.]", out)


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and a.strip().casefold() == b.strip().casefold()


def address_confirmed(channel: str, recipient: str, payload: Mapping[str, Any], verified_form: bool,
                      manual_whatsapp: bool) -> bool:
    """Whether a message to *recipient* may quote the form's free text (module docstring)."""
    if channel == MessageChannel.WHATSAPP:
        return manual_whatsapp  # the operator reads and sends it by hand
    if not verified_form:
        return False
    collected = str(payload.get("email_pengumpul") or "")
    typed = str(payload.get("email") or "")
    return _same(recipient, collected) and (not typed.strip() or _same(typed, collected))
