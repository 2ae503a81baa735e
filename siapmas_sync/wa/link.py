"""Click-to-chat links: ``https://wa.me/<E.164 digits without +>?text=<message>``, which
opens WhatsApp (app or web) on the operator's device with the message filled in.

The text is bounded (:func:`bounded_text`): a link holds at most :data:`MAX_LINK`
characters, cut at a word boundary with "…". A 40 KB first sentence once made a
32,767-character link (the most an Excel cell holds) cut mid-word; 2,000 characters stay
well inside what an Excel/Sheets hyperlink cell, browsers and wa.me open reliably.

Numbers are read as Indonesians type them ("0812-3456-7890", "+62 812 3456 7890",
"62812…", "812…") with the ``phonenumbers`` library, region ID; anything that is not a
valid number gives ``None`` — no link is ever built to a number that failed validation.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import phonenumbers

WA_ME = "https://wa.me/"
REGION = "ID"
MAX_LINK = 2000  # characters of a whole click-to-chat link (see the module docstring)
ELLIPSIS = "…"


def cut_at_word(text: str, fits: Callable[[str], bool]) -> str:
    """*text* when ``fits(text)``, else its longest prefix that, cut back to the last space
    and ended with "…", fits (a hard cut only when a single word is longer than that)."""
    if fits(text):
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest raw prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if fits(text[:mid].rstrip() + ELLIPSIS):
            lo = mid
        else:
            hi = mid - 1
    prefix = text[:lo]
    space = max(prefix.rfind(" "), prefix.rfind("\n"))
    if space > lo // 2:  # a word boundary not too far back
        prefix = prefix[:space]
    return prefix.rstrip(" \n,;:") + ELLIPSIS


def bounded_text(message: str, budget: int) -> str:
    """*message* cut at a word boundary so that its percent-encoding holds in *budget*."""
    return cut_at_word(message, lambda t: len(quote(t, safe="")) <= budget)


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
    if not message:
        return link
    text = bounded_text(message, MAX_LINK - len(link) - len("?text="))
    return f"{link}?text={quote(text, safe='')}"
