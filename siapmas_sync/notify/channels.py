"""The ways a message leaves: SMTP e-mail, or ``.eml`` files for the demo.

Every channel implements :class:`Channel`; the sender only knows this protocol (``name``,
``daily_limit``, ``send``, ``close``) and picks the channel by the ``channel`` name of each
queued row (notify.queue): "email" here, "whatsapp" in notify.wa_channel.

Outcomes of ``send``: return = accepted; :class:`TemporaryFailure` = try again later
(connection, 4xx; ``maybe_delivered`` when the connection failed after the whole message
reached the server, notify.smtpwire); :class:`PermanentFailure` = this message cannot go
(5xx, an invalid address, a Unicode mailbox the server cannot take); :class:`ChannelConfigError`
= the configuration is wrong (authentication, certificate, missing password): nothing more
is sent this cycle. Only what concerns the whole channel stops it (``stop``): a refused
connection, a 421, a lost connection; one bad address never does.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ..config import Settings
from ..documents.common import atomic_write_bytes
from ..errors import SiapmasError
from ..filemodes import private_mkdir
from ..logs import mask_text
from ..numbering.template import agenda_folder
from ..core.models import MessageChannel
from .compose import Outgoing, email_message
from .smtpwire import SMTP, SMTP_SSL, AddressProblem, ascii_recipient


class TemporaryFailure(Exception):
    """Try again later. *stop*: the channel is unusable for the rest of this cycle."""

    def __init__(self, reason: str, stop: bool = False, retry_after: float | None = None,
                 maybe_delivered: bool = False) -> None:
        super().__init__(reason)
        self.stop = stop
        self.retry_after = retry_after  # seconds the service asked us to wait, if it said
        #: the message may have arrived all the same (no answer after the whole message was sent)
        self.maybe_delivered = maybe_delivered


class PermanentFailure(Exception):
    """This message cannot be delivered (recorded, shown to the operator)."""


class ChannelConfigError(SiapmasError):
    """The channel's configuration is wrong; sending stops for this cycle."""


class Channel(Protocol):
    name: MessageChannel
    outcome: str  # what a successful send() means, for the log ("terkirim", "ditulis sebagai berkas")

    def daily_limit(self) -> int | None: ...

    def send(self, out: Outgoing, now: datetime) -> None: ...

    def close(self) -> None: ...


class FileChannel:
    """``[notify] transport = "file"``: each message becomes ``<output>/pesan/<id>.eml``
    (owner-only), what the reporter would receive."""

    name = MessageChannel.EMAIL
    outcome = "ditulis sebagai berkas .eml (transport = \"file\": tidak dikirim)"

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.folder = folder

    def daily_limit(self) -> int | None:
        return None

    def send(self, out: Outgoing, now: datetime) -> None:
        private_mkdir(self.folder)
        stem = f"{agenda_folder(out.agenda_no)}-{out.message_id.strip('<>').split('@')[0]}"
        atomic_write_bytes(self.folder / f"{stem}.eml", bytes(email_message(self.settings, out, now)), mode=0o600)

    def close(self) -> None:
        pass


def _reason(code: int, text: bytes | str) -> str:
    t = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return mask_text(f"{code} {t}".strip())


class SmtpChannel:
    """``[notify.email]`` over SMTP (smtplib): STARTTLS / SSL with certificate checks, AUTH."""

    name = MessageChannel.EMAIL
    outcome = "terkirim (email)"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cfg = settings.notify.email
        self._smtp: smtplib.SMTP | None = None

    def daily_limit(self) -> int | None:
        return self.cfg.daily_limit

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=str(self.cfg.ca_file) if self.cfg.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise ChannelConfigError(f"Berkas CA [notify.email] ca_file tidak dapat dibaca: {exc}",
                                     "Periksa jalurnya, atau hapus kunci ca_file.") from None

    def _password(self) -> str:
        env = self.cfg.password_env
        if not env:
            raise ChannelConfigError("[notify.email] username diisi tetapi password_env kosong.",
                                     "Isi password_env dengan NAMA variabel lingkungan yang memuat kata sandi "
                                     "aplikasi (mis. SMTP_PASSWORD; bukan SIAPMAS_…), bukan kata sandinya.")
        value = os.environ.get(env, "")
        if not value:
            raise ChannelConfigError(f"Variabel lingkungan {env} (kata sandi SMTP) tidak ada atau kosong.",
                                     f"Setel {env} di unit systemd / Task Scheduler worker, lalu jalankan lagi.")
        return value

    def _connect(self) -> smtplib.SMTP:
        c = self.cfg
        if not c.host:
            raise ChannelConfigError("[notify.email] host kosong.", "Isi host server SMTP (mis. smtp.gmail.com).")
        try:
            if c.security == "ssl":
                smtp: smtplib.SMTP = SMTP_SSL(c.host, c.port, timeout=c.timeout_seconds, context=self._context())
            else:
                smtp = SMTP(c.host, c.port, timeout=c.timeout_seconds)
                if c.security == "starttls":
                    smtp.starttls(context=self._context())
            if c.username:
                self._login(smtp, c.username, self._password())
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelConfigError(
                f"Server SMTP {c.host} menolak login akun {c.username} ({_reason(exc.smtp_code, exc.smtp_error)}).",
                "Periksa [notify.email] username dan kata sandi di variabel "
                f"{c.password_env or '(password_env)'}; untuk Gmail gunakan Sandi Aplikasi (App Password).") from None
        except ssl.SSLCertVerificationError as exc:
            raise ChannelConfigError(f"Sertifikat server SMTP {c.host} tidak dapat dipercaya: {exc.verify_message}.",
                                     "Periksa [notify.email] host dan port (atau ca_file untuk server internal).") from None
        except smtplib.SMTPNotSupportedError:
            raise ChannelConfigError(f"Server SMTP {c.host}:{c.port} tidak mendukung STARTTLS/AUTH.",
                                     "Periksa [notify.email] port dan security (Gmail: 587 starttls atau 465 ssl).") from None
        except smtplib.SMTPResponseException as exc:
            raise TemporaryFailure(_reason(exc.smtp_code, exc.smtp_error), stop=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(mask_text(f"server SMTP tidak terjangkau: {exc}"), stop=True) from None
        return smtp

    @staticmethod
    def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
        """AUTH PLAIN when offered (one attempt: a wrong password is not retried with every
        other mechanism, which providers count towards a lock-out), else smtplib's choice."""
        smtp.ehlo_or_helo_if_needed()
        if "plain" in smtp.esmtp_features.get("auth", "").lower().split():
            smtp.user, smtp.password = user, password
            smtp.auth("PLAIN", smtp.auth_plain)
        else:
            smtp.login(user, password)

    def send(self, out: Outgoing, now: datetime) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            to = ascii_recipient(out.recipient, smtp.has_extn("smtputf8"))
        except AddressProblem as exc:
            raise PermanentFailure(str(exc)) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(mask_text(f"koneksi SMTP terputus: {exc}"), stop=True) from None
        msg = email_message(self.settings, out, now, to=to)
        try:
            # an address in Unicode goes with SMTPUTF8 (smtplib asserts it when the server offers it)
            refused = smtp.send_message(msg, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._reset()
            if 400 <= code < 500:
                raise TemporaryFailure(_reason(code, text)) from None
            raise PermanentFailure(_reason(code, text)) from None
        except ValueError as exc:  # this message cannot be written for this server (an encoding)
            self._reset()
            raise PermanentFailure(mask_text(f"pesan tidak dapat disusun untuk server ini: {exc}")) from None
        except smtplib.SMTPSenderRefused as exc:
            self.close()
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(_reason(exc.smtp_code, exc.smtp_error), stop=True) from None
            raise ChannelConfigError(f"Server SMTP menolak pengirim {self.cfg.sender or self.settings.kop.email} "
                                     f"({_reason(exc.smtp_code, exc.smtp_error)}).",
                                     "Periksa [notify.email] sender: harus alamat akun SMTP itu sendiri.") from None
        except smtplib.SMTPResponseException as exc:
            stop = exc.smtp_code == 421
            if stop:
                self.close()
            else:
                self._reset()
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(_reason(exc.smtp_code, exc.smtp_error), stop=stop) from None
            raise PermanentFailure(_reason(exc.smtp_code, exc.smtp_error)) from None
        except (OSError, smtplib.SMTPException) as exc:
            unsure = getattr(smtp, "final_dot_sent", False)
            self.close()
            if unsure:
                raise TemporaryFailure(mask_text(f"server SMTP tidak menjawab setelah menerima isi pesan: {exc}"),
                                       stop=True, maybe_delivered=True) from None
            raise TemporaryFailure(mask_text(f"koneksi SMTP terputus: {exc}"), stop=True) from None
        if refused:
            code, text = next(iter(refused.values()))
            raise PermanentFailure(_reason(code, text))

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                try:
                    self._smtp.close()
                except OSError:
                    pass
            self._smtp = None
