"""Click-to-chat links: ``https://wa.me/<E.164 digits without +>?text=<message>``, which
opens WhatsApp (app or web) on the operator's device with the message filled in.

Numbers are read as Indonesians type them ("0812-3456-7890", "+62 812 3456 7890",
"62812…", "812…") with the ``phonenumbers`` library, region ID; anything that is not a
valid number gives ``None`` — no link is ever built to a number that failed validation.
"""

from __future__ import annotations

from urllib.parse import quote

import phonenumbers

WA_ME = "https://wa.me/"
REGION = "ID"


def e164_digits(phone: str | None, region: str = REGION) -> str | None:
    """The number's E.164 digits without ``+`` ("6281234567890"), or None if invalid."""
    text = (phone or "").strip()
    if not text:
        return None
    if text.startswith("62") and not text.startswith("+"):
        text = "+" + text  # "6281…" typed without the plus is the international form
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def click_to_chat(phone: str | None, message: str = "", region: str = REGION) -> str | None:
    """The wa.me link for *phone* with *message* pre-filled (percent-encoded UTF-8), or None."""
    digits = e164_digits(phone, region)
    if digits is None:
        return None
    link = WA_ME + digits
    return f"{link}?text={quote(message, safe='')}" if message else link
