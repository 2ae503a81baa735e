"""The reporter's private code (*kode kelengkapan*): proof that a kelengkapan response comes
from the person who filed the complaint.

Agenda numbers and stages are public (the status page), so a number alone proves nothing.
Every receipt gets a code drawn with :mod:`secrets` (not derivable from the number), kept in
the ledger's ``receipt_codes`` table and written only into the reporter's own e-mails (the
tanda terima and the permintaan kelengkapan) — never on the public page, a sheet tab, a
log line, a JSON output or a printed document. An item numbered before codes existed gets
one the next time a message that shows it is queued (:func:`ensure_code`).

Pure helpers read what citizens type: digits in any script (Arabic-Indic, fullwidth, …)
and compatibility forms are folded to ASCII (:func:`fold`), case, spaces and dashes do not
matter (:func:`quotes_code`); :func:`mask_code` removes a quoted code from a text before it
is stored or shown anywhere.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.engine import Connection

from ..ledger import Ledger, utc_iso
from ..core.models import MessageKind

#: no 0/O, 1/I/L: nothing a reporter can misread
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8  # 31**8 ≈ 8.5e11 codes
MASK = "[kode pelapor]"
#: the messages that show the code: the reporter's own e-mails (a WhatsApp link passes
#: through the Pemberitahuan tab, so it never carries the code)
CODE_KINDS = (MessageKind.TANDA_TERIMA, MessageKind.KELENGKAPAN)


def new_code() -> str:
    """A fresh random code (stored without its dash)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """The code as the reporter reads it: ``ABCD-2345``."""
    return f"{code[:4]}-{code[4:]}" if len(code) == LENGTH else code


def _fold_char(c: str) -> str:
    digit = unicodedata.digit(c, None)
    if digit is not None:
        return str(digit)
    n = unicodedata.normalize("NFKC", c)
    return n if len(n) == 1 else c


def fold(text: str) -> str:
    """*text* with every digit of any script as an ASCII digit and compatibility forms
    (fullwidth letters, "／") folded (NFKC) — one character for one, so positions keep."""
    return "".join(_fold_char(c) for c in text)


def _code_regex(code: str) -> re.Pattern[str]:
    # the code's characters in order, anything but a letter or digit allowed between them
    return re.compile(r"(?<![A-Za-z0-9])" + r"[\W_]*".join(re.escape(c) for c in code) + r"(?![A-Za-z0-9])",
                      re.IGNORECASE)


def quotes_code(texts: Iterable[str], code: str) -> bool:
    """Whether any of *texts* quotes *code* (any case, spaces or dashes inside, any digits)."""
    if not code:
        return False
    rx = _code_regex(code)
    return any(rx.search(fold(t or "")) for t in texts)


def mask_code(text: str, code: str) -> str:
    """*text* with every quotation of *code* replaced by :data:`MASK`."""
    if not code or not text:
        return text
    folded = fold(text)
    out, last = [], 0
    for m in _code_regex(code).finditer(folded):
        out += [text[last : m.start()], MASK]
        last = m.end()
    return "".join(out) + text[last:] if out else text


def code_of(conn: Connection, key: str) -> str:
    """The item's code ("" when it has none yet)."""
    return Ledger.receipt_code(conn, key)


def code_row(key: str, now: datetime) -> dict[str, str]:
    """A ``receipt_codes`` row for a new item (for the registrar's group insert)."""
    return {"key": key, "code": new_code(), "created_at": utc_iso(now)}


def ensure_code(conn: Connection, key: str, now: datetime) -> str:
    """The item's code, given now when it has none (an item of an older ledger)."""
    have = code_of(conn, key)
    if have:
        return have
    code = new_code()
    Ledger.add_receipt_code(conn, key, code, now)
    return code
