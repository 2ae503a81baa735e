"""Logging set-up with a personal-data guard (UU 27/2022 PDP).

The code never logs a reporter's contact details on purpose; this filter is the safety
net: any phone number or e-mail address in a log message (or its arguments) is masked
before it reaches a handler, and so are access tokens and private keys.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<![\w/])(\+?62|0)[\s.-]?(\d{2,3})[\s.-]?\d{2,4}[\s.-]?\d{2,4}(\d{2})(?!\w)")
# a mobile number whose leading 0 a spreadsheet dropped ("81234567891")
_BARE_MOBILE = re.compile(r"(?<![\w/+])()(8\d{2})[\s.-]?\d{2,4}[\s.-]?\d{2,4}(\d{2})(?!\w)")
_DIGITS = re.compile(r"\d(?:[\s.()-]*\d){5,}")
_SECRET = re.compile(
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----"
    r"|ya29\.[\w.-]+|(?i:bearer)\s+[\w.-]+|\"private_key\"\s*:\s*\"[^\"]*\")",
    re.S,
)


#: a Google service account's address is the deployment's own, not a person's: the advice
#: that says whom to add to a Shared Drive must show it whole
SERVICE_ACCOUNT_DOMAIN = ".iam.gserviceaccount.com"


def _mask_email(m: re.Match[str]) -> str:
    if m.group(2).endswith(SERVICE_ACCOUNT_DOMAIN):
        return m.group(0)
    return f"{m.group(1)}***@{m.group(2)}"


def mask_text(text: str) -> str:
    """Mask e-mails, Indonesian phone numbers and credentials in free text."""
    text = _SECRET.sub("[rahasia]", text)
    text = _EMAIL.sub(_mask_email, text)
    for pattern in (_PHONE, _BARE_MOBILE):
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(3)}", text)
    return text


def shown_free_text(text: str) -> str:
    """Free text typed by an operator or official (a step's note) as every screen, the JSON
    and the sheet show it: contacts masked, bidi and control characters removed (unitext)."""
    from .core.unitext import shown

    return mask_text(shown(text)) if text else text


def mask_contact_value(text: str) -> str:
    """A value typed into a contact field, safe to quote in a message that leaves the
    reporter's own cells (a Kelengkapan note, a summary): an e-mail-like value keeps its
    first letter and domain, a run of six or more digits only its first and last two."""
    text = mask_text(text)
    if "@" in text:
        local, _, domain = text.rpartition("@")
        text = (local[:1] + "***@" + domain) if "***@" not in text else text
    return _DIGITS.sub(lambda m: m.group(0)[:2] + "****" + m.group(0)[-2:], text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class LocalTimeFormatter(logging.Formatter):
    """Times in the office's zone with its name ("2026-12-06 09:15:02 WIB"), as everywhere
    else in the product, whatever zone the server runs in."""

    def __init__(self, fmt: str, tz: tzinfo = WIB) -> None:
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, self.tz).strftime(datefmt or "%Y-%m-%d %H:%M:%S %Z")


def setup_logging(level: str = "INFO", *, stream: object = None, tz: tzinfo = WIB) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(LocalTimeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", tz))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_siapmas", False):
            root.removeHandler(h)
    handler._siapmas = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("googleapiclient.discovery_cache", "urllib3", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
