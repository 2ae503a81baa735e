"""How the SMTP client waits and addresses (RFC 5321, RFC 5890/6531), below the e-mail channel.

* **Timeouts** (RFC 5321 §4.5.3.2): the configured ``[notify.email] timeout_seconds``
  bounds the connection and every command, but the reply to the final "." of DATA is
  waited for as long as the RFC lets a server take (§4.5.3.2.6, "DATA Termination:
  10 minutes"): a slow server that accepts the message late is not taken for a failure,
  which is how one receipt used to arrive five times. ``final_dot_sent`` says whether the
  message reached the server whole: an error after it leaves the message's fate unknown
  (the sender resends such a message at most once, notify.sender).
* **Addresses**: a domain in Unicode is sent as IDNA (``bücher.example`` →
  ``xn--bcher-kva.example``); a local part in Unicode needs the server's SMTPUTF8
  (RFC 6531), else :func:`ascii_recipient` says why it cannot go (one message's
  permanent failure; the others still go).
"""

from __future__ import annotations

import smtplib
from typing import Any

import idna

#: RFC 5321 §4.5.3.2.6: the client SHOULD wait at least 10 minutes for the reply to "."
FINAL_DOT_TIMEOUT = 600.0


class _Rfc5321Timeouts:
    """Mixin over smtplib.SMTP / SMTP_SSL: the long wait for the reply to the final dot."""

    final_timeout = FINAL_DOT_TIMEOUT
    final_dot_sent = False
    _data_replies: int | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.final_dot_sent = False
        self._data_replies = 0
        try:
            return super().data(msg)  # type: ignore[misc]
        finally:
            self._data_replies = None
            sock = getattr(self, "sock", None)
            if sock is not None:
                sock.settimeout(self.timeout)  # type: ignore[attr-defined]

    def getreply(self) -> tuple[int, bytes]:
        if self._data_replies == 1:  # the 354 came, the message and its "." have been written
            self.final_dot_sent = True
            sock = getattr(self, "sock", None)
            if sock is not None:
                sock.settimeout(max(self.final_timeout, self.timeout))  # type: ignore[attr-defined]
        try:
            return super().getreply()  # type: ignore[misc]
        finally:
            if self._data_replies is not None:
                self._data_replies += 1


class SMTP(_Rfc5321Timeouts, smtplib.SMTP):
    pass


class SMTP_SSL(_Rfc5321Timeouts, smtplib.SMTP_SSL):
    pass


class AddressProblem(ValueError):
    """The address cannot be used for this message (the reason, in Indonesian)."""


def ascii_recipient(address: str, smtputf8: bool) -> str:
    """The address as it goes on the wire: the domain IDNA-encoded (UTS #46 mapping); a
    non-ASCII local part is kept when *smtputf8* (the server offers it: smtplib then sends
    with SMTPUTF8), else :class:`AddressProblem`."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise AddressProblem("alamat e-mail tidak lengkap")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise AddressProblem("nama domain alamat e-mail tidak sah (IDNA)") from None
    if local.isascii():
        return f"{local}@{domain}"
    if not smtputf8:
        raise AddressProblem("bagian sebelum @ memakai huruf non-ASCII (mis. í) dan server SMTP tidak "
                             "mendukung SMTPUTF8; pesan tidak dapat dikirim ke alamat ini")
    return f"{local}@{domain}"
