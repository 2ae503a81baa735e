"""``doctor`` checks of ``[notify]`` (replies to reporters), without sending anything:
the sender address, the SMTP password variable, the SMTP server reached and logged into
(then left with QUIT), and the WhatsApp mode with its token variable.

Each check is ``(name, state, detail, advice)`` with state "ok", "warn" or "fail"; the
doctor turns them into its ``[OK   ]`` / ``[AWAS ]`` / ``[GAGAL]`` lines with *Saran*.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.utils import parseaddr
from typing import Literal

from ..config import Settings
from ..core.intake.contact import check_email
from ..notify.channels import ChannelConfigError, SmtpChannel, TemporaryFailure

State = Literal["ok", "warn", "fail"]
NotifyCheck = tuple[str, State, str, str]

EMAIL = "Pesan e-mail ke pelapor / reply e-mail"
SENDER = "Alamat pengirim / sender address"
PASSWORD = "Kata sandi SMTP / SMTP password"
SERVER = "Server SMTP (login, tanpa kirim) / SMTP login"
WHATSAPP = "Pesan WhatsApp ke pelapor / WhatsApp replies"
WA_TOKEN = "Token WhatsApp Cloud API / WhatsApp token"


def notify_checks(s: Settings, environ: Mapping[str, str] | None = None,
                  connect: bool = True) -> list[NotifyCheck]:
    env = os.environ if environ is None else environ
    return _email(s, env, connect) + _whatsapp(s, env)


def _email(s: Settings, env: Mapping[str, str], connect: bool) -> list[NotifyCheck]:
    n, e = s.notify, s.notify.email
    if n.transport == "file":
        return [(EMAIL, "ok", "transport = \"file\": pesan ditulis sebagai berkas .eml, tidak dikirim", "")]
    if not e.enabled:
        return [(EMAIL, "warn", "[notify.email] enabled = false: pelapor tidak menerima e-mail",
                 "Isi [notify.email] (host, port, username, password_env, sender) dan enabled = true "
                 "agar pelapor menerima tanda terima dan balasan lewat e-mail.")]
    out: list[NotifyCheck] = []
    _name, addr = parseaddr(e.sender) if e.sender else ("", s.kop.email)
    value, finding = check_email(addr)
    if not value or finding is not None:
        out.append((SENDER, "fail", f"'{e.sender or s.kop.email}' bukan alamat e-mail yang sah",
                    "Isi [notify.email] sender dengan alamat akun SMTP, mis. "
                    "\"Sekretariat DPRD <sekwan@gmail.com>\"."))
    else:
        out.append((SENDER, "ok", value, ""))
    if e.username:
        if not e.password_env:
            out.append((PASSWORD, "fail", "username diisi tetapi password_env kosong",
                        "Isi password_env dengan NAMA variabel lingkungan yang memuat kata sandi aplikasi "
                        "(mis. SMTP_PASSWORD), bukan kata sandinya."))
            return out
        if not env.get(e.password_env):
            out.append((PASSWORD, "fail", f"variabel lingkungan {e.password_env} tidak ada atau kosong",
                        f"Setel {e.password_env} di unit systemd / Task Scheduler worker (dan di sesi ini "
                        "untuk doctor); untuk Gmail gunakan Sandi Aplikasi."))
            return out
        out.append((PASSWORD, "ok", f"variabel {e.password_env} terisi", ""))
    if connect:
        out.append(_login(s))
    return out


def _login(s: Settings) -> NotifyCheck:
    e = s.notify.email
    channel = SmtpChannel(s)
    try:
        smtp = channel._connect()
        smtp.noop()
        channel._smtp = smtp
    except ChannelConfigError as exc:
        return (SERVER, "fail", exc.message, exc.advice)
    except TemporaryFailure as exc:
        return (SERVER, "fail", f"{e.host}:{e.port} — {exc}",
                "Periksa [notify.email] host, port dan security (Gmail: smtp.gmail.com 587 starttls atau 465 ssl), "
                "koneksi internet dan firewall; pesan tetap dalam antrean sampai server terjangkau.")
    except OSError as exc:
        return (SERVER, "fail", f"{e.host}:{e.port} — {exc}", "Periksa host, port dan koneksi jaringan.")
    finally:
        channel.close()
    who = f" sebagai {e.username}" if e.username else ""
    return (SERVER, "ok", f"{e.host}:{e.port} ({e.security}) terhubung{who}; tidak ada pesan dikirim", "")


def _whatsapp(s: Settings, env: Mapping[str, str]) -> list[NotifyCheck]:
    w = s.notify.whatsapp
    if not w.enabled:
        return [(WHATSAPP, "ok", "[notify.whatsapp] enabled = false: tidak ada pesan WhatsApp", "")]
    if w.mode == "manual":
        return [(WHATSAPP, "ok", "manual: tautan klik-untuk-chat di tab Pemberitahuan, dikirim petugas", "")]
    out: list[NotifyCheck] = []
    if not w.phone_number_id:
        out.append((WHATSAPP, "fail", "mode = \"cloud_api\" tetapi phone_number_id kosong",
                    "Salin Phone number ID dari Meta Business (WhatsApp > API Setup) ke [notify.whatsapp]."))
    elif not w.templates:
        out.append((WHATSAPP, "warn", "mode = \"cloud_api\" tanpa templat: semua pesan WhatsApp tetap manual",
                    "Isi [notify.whatsapp.templates] dengan nama templat yang disetujui Meta per jenis pesan, "
                    "mis. tanda_terima = \"siapmas_tanda_terima\"."))
    else:
        out.append((WHATSAPP, "ok", "cloud_api; templat untuk " + ", ".join(sorted(w.templates)), ""))
    if not (env.get(w.token_env) or "").strip():
        out.append((WA_TOKEN, "fail", f"variabel lingkungan {w.token_env} tidak ada atau kosong",
                    f"Isi {w.token_env} dengan token akses permanen (System User) dari Meta Business di unit "
                    "systemd / Task Scheduler; jangan tulis token di berkas konfigurasi."))
    else:
        out.append((WA_TOKEN, "ok", f"variabel {w.token_env} terisi", ""))
    return out
