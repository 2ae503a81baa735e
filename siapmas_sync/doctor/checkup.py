"""``siapmas-sync doctor``: check, in order, everything a cycle needs, and say how to fix
each problem. Stops trusting later checks once an earlier one they depend on failed.

Order (Google): config → key file (or, for the office's own account, the sign-in of
`login`: e-mail and scopes) → token (then the "Testing" publishing-status warning) → spreadsheet reachable and writable →
response tab → each mapped question title (with "did you mean") → evidence folder (also
when the spreadsheet could not be opened) → output folder. Local: config → responses
file → question titles → evidence folder → register writable → output folder. Both then:
database location, holiday calendar for this (and soon the next) year, and the warnings
a cycle would give (:mod:`~siapmas_sync.doctor.preflight`: logo, templates, folders others can
open; the key file readable by others). A warning (``[AWAS ]``) does not fail doctor.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from ..config import HOLIDAYS_NAME, Settings, load_settings
from ..errors import HeaderError, SiapmasError
from .diagnose import check_folder_path, columns_listing
from ..filemodes import exposed_key_warning, private_mkdir
from ..core.intake import map_headers, normalise_title
from ..core.sheetplan import STATUS_COLUMNS


@dataclass
class Check:
    name: str  # Indonesian / English
    ok: bool
    detail: str = ""
    advice: str = ""
    warn: bool = False  # passed, but something will be degraded (shown as [AWAS ])


class Doctor:
    def __init__(self, config: Path | None, clock: Callable[[], datetime] | None = None,
                 loader: Callable[[], Settings] | None = None) -> None:
        self.config = config
        self.loader = loader or (lambda: load_settings(self.config))  # a deployment's tenant: tenants/
        self.checks: list[Check] = []
        self.clock = clock  # None: now, in the configured zone (holiday calendar check)

    def _warn(self, name: str, detail: str, advice: str = "") -> None:
        self.checks.append(Check(name, True, detail, advice, warn=True))

    def _run(self, name: str, fn: Callable[[], str]) -> bool:
        try:
            detail = fn()
        except SiapmasError as exc:
            self.checks.append(Check(name, False, str(exc), exc.advice))
            return False
        except Exception as exc:  # unexpected: still a verdict, never a traceback
            self.checks.append(Check(name, False, f"{type(exc).__name__}: {exc}", "Laporkan ke admin TI beserta log."))
            return False
        self.checks.append(Check(name, True, detail))
        return True

    def run(self) -> list[Check]:
        settings: list[Settings] = []

        def config() -> str:
            settings.append(self.loader())
            s = settings[0]
            return f"{s.config_path} (backend {s.source.backend})"

        if not self._run("Konfigurasi valid / config valid", config):
            return self.checks
        s = settings[0]
        self._placeholders(s)
        if s.source.backend == "google":
            self._google(s)
        else:
            self._local(s)
        self._run("Folder keluaran dapat ditulis / output folder writable", lambda: _writable(s.output.dir, "[output] dir"))
        self._after(s)
        return self.checks

    def _after(self, s: Settings) -> None:
        """The database location, the holiday calendar, and what a cycle would warn about."""
        from .diagnose import database_location, holiday_warning
        from ..cycle.engine import build_workflow
        from .preflight import evidence_warning, setup_warnings
        from ..core.workflow.sla import default_holidays_path

        if not s.storage.url or s.storage.url.startswith("sqlite"):
            self._run("Lokasi basis data / database location", lambda: database_location(s.storage.database))
        else:
            from .pgserver import check_server

            self._run("Server basis data / ledger server", lambda: check_server(s.database_url()))
        calendars: list[Any] = []

        def calendar() -> str:
            calendars.append(build_workflow(s)[1])
            return "terbaca / loaded"

        if self._run("Kalender kerja / office calendar", calendar):
            now = self.clock() if self.clock else datetime.now(s.tz)
            own = s.config_path.parent / HOLIDAYS_NAME if s.config_path else Path(HOLIDAYS_NAME)
            found = holiday_warning(calendars[0], now, s.holidays_path(), s.workflow.settle_days,
                                    shipped=s.holidays_path() == default_holidays_path(), own=own)
            if found:
                self._warn("Kalender hari libur / holiday calendar", *found)
        self._pejabat(s)
        self._notify(s)
        from ..dasbor.service import WORKER_ADVICE, worker_warning

        try:
            late = worker_warning(s, self.clock() if self.clock else datetime.now(s.tz))
        except SiapmasError:  # an unreadable ledger is reported by its own check
            late = None
        if late:
            self._warn("Worker / sinkron terakhir", late, WORKER_ADVICE)
        skip = evidence_warning(s)  # a local evidence folder that is missing already failed above
        for w in setup_warnings(s):
            if w != skip:
                self._warn("Peringatan siklus / cycle warning", w)

    def _pejabat(self, s: Settings) -> None:
        """[[pejabat]]: who may be named as Oleh / --by (pejabat_check)."""
        from ..cycle.engine import build_workflow
        from .pejabat import check_pejabat

        name = "Daftar pejabat / officials ([[pejabat]])"
        for level, detail, advice in check_pejabat(s.officials(), build_workflow(s)[0], s.peran):
            if level == "awas":
                self._warn(name, detail, advice)
            else:
                self.checks.append(Check(name, level == "ok", detail, advice))

    def _placeholders(self, s: Settings) -> None:
        """Values of the shipped example still to be filled in (placeholders.MARK)."""
        from ..placeholders import MARK, settings_placeholders

        unfilled = settings_placeholders(s)
        if unfilled:
            self.checks.append(Check(
                "Isian contoh sudah diganti / placeholders filled", False,
                f"Masih berisi contoh ({MARK}…): " + ", ".join(unfilled),
                f"Ganti setiap nilai yang diawali {MARK} di {s.config_path} dengan data kantor "
                "(e-mail kantor, nama dan NIP pejabat), lalu jalankan doctor lagi."))

    def _notify(self, s: Settings) -> None:
        """[notify]: sender, SMTP password variable and login (nothing sent), WhatsApp token."""
        from .notify import notify_checks

        for name, state, detail, advice in notify_checks(s):
            self.checks.append(Check(name, state != "fail", detail, advice, warn=state == "warn"))

    # --- local ------------------------------------------------------------------------

    def _local(self, s: Settings) -> None:
        from ..backends.local import LocalBackend

        backend = LocalBackend.from_settings(s)
        header: list[str] = []

        def responses() -> str:
            title, rows = backend._read_source()
            header.extend(str(h) for h in (rows[0] if rows else []))
            return f"{s.source.responses} — tab '{title}', {max(len(rows) - 1, 0)} baris"

        if self._run("Berkas jawaban terbaca / responses file readable", responses):
            self._titles(s, header)
        self._run("Folder bukti ada / evidence folder exists", lambda: _folder(s.source.evidence_dir))
        self._run("Register dapat ditulis / register writable", lambda: _writable(s.source.register_file.parent, "[source] register"))

    # --- google -----------------------------------------------------------------------

    def _google(self, s: Settings) -> None:
        from google.auth.transport.requests import Request

        from ..backends.google import GoogleBackend
        from ..backends.google_http import access_error, load_key

        key: dict[str, Any] = {}

        def key_file() -> str:
            key.update(load_key(s.credentials_path()))
            return f"{s.credentials_path()} ({key['client_email']})"

        if s.google.auth == "oauth":  # the office's own account, signed in with `login`
            from ..backends.google_auth import exposed_login_warning, login_summary, read_login

            if not self._run("Akun Google kantor (login) / signed-in account",
                             lambda: login_summary(read_login(s.login_path()))):
                return
            exposed = exposed_login_warning(s.login_path())
        else:
            if not self._run("Berkas kunci akun layanan / credentials file", key_file):
                return
            exposed = exposed_key_warning(s.credentials_path())
        if exposed:
            self._warn("Izin berkas kunci / key file permissions", exposed)
        backends: list[GoogleBackend] = []

        def token() -> str:
            b = GoogleBackend.from_settings(s)
            backends.append(b)
            try:
                b.credentials.refresh(Request(b.session))
            except Exception as exc:
                raise access_error(exc, what="token", account=b.account) from None
            return "token diperoleh / token obtained"

        if not self._run("Token Google / token", token):
            return
        b = backends[0]
        if s.google.auth == "oauth":
            from ..backends.google_auth import testing_warning

            testing = testing_warning(b.identity.login or {}, self.clock() if self.clock else datetime.now(s.tz))
            if testing:
                self._warn("Status aplikasi OAuth / OAuth app status", *testing)

        def spreadsheet() -> str:
            meta = b.metadata()
            return f"{len(meta)} tab: {', '.join(meta)}"

        if not self._run("Spreadsheet dapat dibuka / spreadsheet reachable", spreadsheet):
            self._evidence_folder(s, b)  # the Drive folder is a separate share: say whether it works
            b.close()
            return
        self._run("Spreadsheet dapat ditulis / spreadsheet writable", lambda: _sheet_writable(b))
        header: list[str] = []

        def tab() -> str:
            snap = b.read([])
            header.extend(snap.responses.header)
            return f"'{snap.responses.title}', {len(snap.responses.rows)} baris"

        if self._run("Tab jawaban ditemukan / response tab found", tab):
            self._titles(s, header)
        self._evidence_folder(s, b)
        self._write_folders(s, b)
        b.close()

    def _write_folders(self, s: Settings, b: Any) -> None:
        """The Drive folders the worker writes to: My Drive refuses a service account's files;
        a Shared Drive role too low to add or prune is named (drive_roles)."""
        from . import drive_roles

        for key, folder_id, need in drive_roles.folders(s):
            self._run(f"{key} dapat diisi / folder takes the worker's files",
                      partial(drive_roles.check, b, key, folder_id, need))

    def _evidence_folder(self, s: Settings, b: Any) -> None:
        if not s.source.evidence_folder_id:
            return

        def folder() -> str:
            from ..errors import BackendAccessError

            meta = b._drive_call(
                f"folder bukti {s.source.evidence_folder_id}",
                lambda: b.drive.files().get(fileId=s.source.evidence_folder_id, fields="id,name,mimeType", supportsAllDrives=True),
            )
            if meta is None:
                raise BackendAccessError(
                    f"Folder bukti {s.source.evidence_folder_id} tidak ditemukan (404).",
                    f"Periksa [source] evidence_folder_id dan bagikan folder itu kepada {b.account} sebagai Viewer.",
                )
            return f"'{meta.get('name')}'"

        self._run("Folder bukti dapat dibaca / evidence folder reachable", folder)

    # --- shared -----------------------------------------------------------------------

    def _titles(self, s: Settings, header: list[str]) -> None:
        titles = s.question_titles()

        def mapped() -> str:
            try:
                hm = map_headers(header, titles, ignore=STATUS_COLUMNS)
            except HeaderError as exc:
                raise HeaderError(f"{exc} {columns_listing(header)}", exc.advice) from None
            missing = [name for name, idx in (("Nama", hm.nama), ("No. Tlp/WA", hm.telepon), ("E-mail", hm.email), ("Bukti Dukung", hm.bukti)) if idx is None]
            if missing:
                hints = []
                for m in missing:
                    close = difflib.get_close_matches(normalise_title(m), [normalise_title(h) for h in header], n=1, cutoff=0.5)
                    hints.append(m + (f" (maksud Anda '{_original(close[0], header)}'?)" if close else ""))
                unknown = [t for _i, t in hm.extra]
                raise HeaderError(
                    "Pertanyaan formulir tidak ditemukan: " + "; ".join(hints)
                    + (f". Kolom yang tidak dikenali: {', '.join(unknown)}" if unknown else "")
                    + f". {columns_listing(header)}",
                    "Sesuaikan judul di [form] konfigurasi dengan judul kolom di spreadsheet.",
                )
            return "semua judul pertanyaan ditemukan / all question titles found"

        self._run("Judul pertanyaan formulir / form question titles", mapped)


def _original(norm: str, header: list[str]) -> str:
    return next((h for h in header if normalise_title(h) == norm), norm)


def _folder(path: Path) -> str:
    from ..errors import SourceError

    if not path.is_dir():
        raise SourceError(f"Folder {path} tidak ada.", "Buat folder itu atau perbaiki [source] evidence_dir.")
    return str(path)


def _writable(path: Path, key: str = "path folder itu") -> str:
    from ..errors import SourceError

    check_folder_path(path, f"Folder {path}", key)
    try:
        private_mkdir(path)
        fd, name = tempfile.mkstemp(dir=path, prefix=".doctor-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise SourceError(f"Folder {path} tidak dapat ditulis ({exc.strerror}).", "Periksa izin folder untuk pengguna layanan.") from None
    return str(path)


def _sheet_writable(b: Any) -> str:
    """Ask Drive whether the service account may edit the spreadsheet, changing nothing.

    Why this request: a spreadsheet's id is its Drive file id, and Drive v3
    ``files.get(fields="capabilities(canEdit)")`` answers for the calling account from the
    file's sharing, with the ``drive.readonly`` scope the worker already holds. The
    alternatives either fail on a writable sheet (``spreadsheets.batchUpdate`` with an
    empty ``requests`` list is a 400 "Must specify at least one request.") or write into
    the customer's sheet (rewriting a cell, adding developer metadata)."""
    from ..errors import BackendAccessError

    what = f"spreadsheet {b.spreadsheet_id}"
    meta = b._drive_call(what, lambda: b.files.get(fileId=b.spreadsheet_id, fields="capabilities(canEdit)",
                                                   supportsAllDrives=True))
    if meta is None:
        raise BackendAccessError(
            f"Spreadsheet {b.spreadsheet_id} tidak ditemukan lewat Google Drive (404).",
            f"Pastikan Google Drive API diaktifkan di proyeknya dan spreadsheet dibagikan kepada {b.account} sebagai Editor.",
        )
    if not (meta.get("capabilities") or {}).get("canEdit"):
        raise BackendAccessError(
            f"Spreadsheet {b.spreadsheet_id} hanya dapat dibaca oleh {b.account} (bukan Editor).",
            f"Bagikan spreadsheet itu kepada {b.account} sebagai Editor (Bagikan → ubah Viewer/Commenter menjadi Editor).",
        )
    return "dapat ditulis / writable (Editor)"


def render(checks: list[Check]) -> str:
    lines = []
    for c in checks:
        mark = "GAGAL" if not c.ok else "AWAS " if c.warn else "OK   "
        lines.append(f"[{mark}] {c.name}: {c.detail}")
        if (not c.ok or c.warn) and c.advice:
            lines.append(f"        Saran / fix: {c.advice}")
    bad = sum(1 for c in checks if not c.ok)
    warned = sum(1 for c in checks if c.warn)
    note = f" {warned} peringatan ([AWAS ]). / {warned} warning(s)." if warned else ""
    lines.append(("Semua pemeriksaan lulus. / All checks passed." if not bad else f"{bad} pemeriksaan gagal. / {bad} check(s) failed.") + note)
    return "\n".join(lines)
