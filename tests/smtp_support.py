"""A real SMTP server on loopback for the notify tests: aiosmtpd with STARTTLS (a
self-signed certificate made here with ``cryptography``, which the client must verify
through ``[notify.email] ca_file``) and AUTH, plus rules that answer 421, 450, 535, 550."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import ipaddress
import logging
import re
import socket
import ssl
import threading
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "sekwan@example.go.id", "sandi-aplikasi-uji"

# The server's own log ("mail.log": connection lost, EOF received) is not what a test looks
# at, and it arrives from the server's thread just after an in-process CLI call returned —
# while that call's log handler, writing to the call's already closed stderr, was still on
# the root logger — as a "--- Logging error ---" in the CI output. Kept to itself.
logging.getLogger("mail.log").propagate = False
logging.getLogger("mail.log").addHandler(logging.NullHandler())
PASSWORD_ENV = "SMTP_UJI_PASSWORD"  # not SIAPMAS_*: those are configuration overrides


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Handler:
    """Accepts mail into ``received``; ``rcpt_rules`` (address part → reply) refuse some
    recipients; ``mail_reply`` refuses every MAIL FROM (e.g. "421 …")."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.rcpt_rules: dict[str, str] = {}
        self.mail_reply: str | None = None
        self.sessions_tls: list[bool] = []
        #: a slow server: when ``hold`` is given, DATA waits until the test sets it;
        #: ``holding`` is set as soon as a message is waiting (the client is mid-send)
        self.hold: threading.Event | None = None
        self.holding = threading.Event()
        #: a server slower than the client's timeout: seconds to wait before answering the
        #: final dot, one entry per message (the first messages), after accepting it
        self.answer_delays: list[float] = []
        #: recipients (address part) whose message is accepted, then the connection dropped
        #: without an answer to the final dot: the client cannot know it arrived
        self.drop_after_data: set[str] = set()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: ANN001
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001
        for part, reply in self.rcpt_rules.items():
            if part in address:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        if self.hold is not None and not self.hold.is_set():
            self.holding.set()
            while not self.hold.is_set():
                await asyncio.sleep(0.02)
        self.sessions_tls.append(session.ssl is not None and session.authenticated)
        self.received.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        if any(part in rcpt for part in self.drop_after_data for rcpt in envelope.rcpt_tos):
            server.transport.abort()  # accepted, never answered
            return "421 4.4.2 dropped"  # never reaches the client
        if self.answer_delays:
            await asyncio.sleep(self.answer_delays.pop(0))
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and \
        auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """``with SmtpServer(tmp) as srv:`` — srv.port, srv.ca_file, srv.handler.received."""

    def __init__(self, folder: Path, smtputf8: bool = False) -> None:
        self.ca_file, key = make_cert(folder)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.ca_file, key)
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, tls_context=ctx,
                                     require_starttls=True, authenticator=_authenticator, auth_require_tls=True,
                                     server_hostname="localhost", enable_SMTPUTF8=smtputf8)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def toml(self, **extra: object) -> str:
        """The [notify.email] section for this server."""
        values = {"enabled": True, "host": "127.0.0.1", "port": self.port, "security": "starttls",
                  "username": USER, "password_env": PASSWORD_ENV, "sender": f"Sekretariat DPRD <{USER}>",
                  "reply_to": "sekwankabmojk@gmail.com", "ca_file": str(self.ca_file), **extra}
        lines = [f"{k} = {v!r}".replace("True", "true").replace("False", "false").replace("'", '"')
                 for k, v in values.items()]
        return "\n[notify.email]\n" + "\n".join(lines) + "\n"


def smtp_config(config: Path, server: SmtpServer, **extra: object) -> Path:
    """Switch the demo config copy from the file transport to this SMTP server."""
    text = config.read_text(encoding="utf-8").replace('transport = "file"', 'transport = "smtp"')
    config.write_text(text + server.toml(**extra), encoding="utf-8")
    return config


def kinds_and_agendas(received: list[EmailMessage]) -> list[tuple[str, str]]:
    """(kind, agenda number in the subject) of each received message, in order."""
    out = []
    for m in received:
        found = re.search(r"\d{4}/SIAPMAS/\d{4}", m["Subject"])
        out.append((m["X-SIAPMAS-Jenis"], found.group(0) if found else ""))
    return out
