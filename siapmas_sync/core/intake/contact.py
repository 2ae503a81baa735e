"""Reporter contact details: phone/WA numbers and e-mail addresses.

Owns normalisation (phone -> E.164 via ``phonenumbers``, e-mail -> normalised form via
``email-validator`` without DNS) and masking for logs (UU 27/2022 PDP: logs never hold
contact details in clear).

Both normalisers return ``(value, finding)``: the normalised value when valid, otherwise
the stripped raw text and a :class:`~siapmas_sync.core.models.Finding` (severity KURANG; the
completeness check may soften it when the other channel is valid). An empty cell, or one
holding only a placeholder such as "-", is ``("", None)`` — the completeness check
reports a missing contact.
"""

from __future__ import annotations

import math
import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from siapmas_sync.logs import mask_contact_value
from siapmas_sync.core.models import KURANG, Finding

__all__ = ["normalise_phone", "check_email", "mask_phone", "mask_email", "contact_text"]

_REGION = "ID"
_PLACEHOLDER_RE = re.compile(r"^[\W_]*$")  # only punctuation/space: "-", "—", "...", "( )"
_PLACEHOLDER_WORDS = {"tidak ada", "tdk ada", "n/a", "na", "none", "nihil", "kosong"}
_PAREN_RE = re.compile(r"\([^()]*\)")
_SPACES_RE = re.compile(r"\s+")


def contact_text(raw: object) -> str:
    """A contact cell as text: floats from spreadsheets lose their ".0", NaN is empty."""
    if raw is None or isinstance(raw, bool):
        return "" if raw is None else str(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return ""
        if raw.is_integer() and abs(raw) < 1e17:
            return str(int(raw))
        return repr(raw)
    return _SPACES_RE.sub(" ", str(raw).replace("\x00", "")).strip()


def _is_placeholder(text: str) -> bool:
    return bool(_PLACEHOLDER_RE.match(text)) or text.casefold() in _PLACEHOLDER_WORDS


def normalise_phone(raw: object) -> tuple[str, Finding | None]:
    """Normalise an Indonesian phone/WA number to E.164 ("+62…").

    Handles spacing/dashes, "+62"/"62"/"0" prefixes, notes such as "(WA)", several
    numbers in one cell (the first valid one is taken) and a number whose leading 0 was
    eaten by a spreadsheet ("85746741281", also as int/float). Foreign numbers with an
    explicit "+<country>" stay valid.
    """
    text = contact_text(raw)
    if not text or _is_placeholder(text):
        return "", None
    if len(text) <= 200:
        try:
            for match in phonenumbers.PhoneNumberMatcher(text, _REGION):
                if phonenumbers.is_valid_number(match.number):
                    return _e164(match.number), None
        except Exception:  # phonenumbers is robust, but a bad cell must never crash intake
            pass
        candidate = _PAREN_RE.sub(" ", text)
        plus = candidate.lstrip().startswith("+")
        digits = re.sub(r"\D", "", candidate)
        if 6 <= len(digits) <= 17:
            try:
                number = phonenumbers.parse(("+" if plus else "") + digits, _REGION)
            except phonenumbers.NumberParseException:
                number = None
            if number is not None and phonenumbers.is_valid_number(number):
                return _e164(number), None
    return text, Finding("telepon", f"Nomor telepon/WA tidak valid: {mask_contact_value(text)}", KURANG)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_email(raw: object) -> tuple[str, Finding | None]:
    """Validate an e-mail address (syntax only, no DNS); return the normalised form."""
    text = contact_text(raw)
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    if not text or _is_placeholder(text):
        return "", None
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return text, Finding("email", f"Alamat e-mail tidak valid: {mask_contact_value(text)}", KURANG)
    except Exception:  # never let an odd cell crash intake
        return text, Finding("email", f"Alamat e-mail tidak valid: {mask_contact_value(text)}", KURANG)
    return result.normalized, None


def mask_phone(p: str) -> str:
    """Mask a phone number for logs: "+6285746741281" -> "+62857****1281"."""
    p = (p or "").strip()
    if not p:
        return ""
    if len(p) < 10:
        return "****" + p[-2:] if len(p) > 4 else "****"
    return p[:6] + "****" + p[-4:]


def mask_email(e: str) -> str:
    """Mask an e-mail address for logs: "budi@gmail.com" -> "b***@gmail.com"."""
    e = (e or "").strip()
    if not e:
        return ""
    local, sep, domain = e.rpartition("@")
    if not sep or not local:
        return "***"
    return local[0] + "***@" + domain
