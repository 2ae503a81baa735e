"""Never lose an operator's save: the local register workbook is replaced only when it
is still exactly what the cycle read, and never while Excel or LibreOffice has it open.

The local backend reads the whole register at the start of a cycle and, at the end,
replaces the whole file. Between the two an operator may save a Kendali edit from
Excel/LibreOffice; replacing the file then would silently throw the edit away. This
module owns the two checks that prevent it, and what the cycle does when one fires.

**Changed since read → the write is deferred, never merged.** The cycle remembers a
:class:`Fingerprint` of the bytes it parsed (size, mtime and a SHA-256 of those very
bytes). Just before the atomic rename the file on disk is hashed again; if it differs,
the new workbook is thrown away and :class:`RegisterDeferred` is raised. The file keeps
the operator's save untouched, the ledger keeps everything the cycle decided (numbers,
documents, judged edits), and the next cycle reads the saved file, judges the new edits
(answering them in *Pesan* and *Riwayat*) and writes the register. A cell-by-cell merge
was considered and rejected: the plan addresses rows by position, and an operator who
sorted or filtered-and-deleted rows in between would get statuses on the wrong rows;
deferring cannot misplace anything and costs one interval of delay.

What the ledger remembers of the Kendali sheet must then stay true: the cycle stored the
editable cells it *meant* to write (see ``Engine._write_back``), but the sheet still
shows what was read. :func:`acknowledged_states` gives, per item, the state to keep
instead — the previous one with the edits read (and judged) this cycle folded in — so
the next cycle neither judges the same edit twice nor mistakes the worker's own
unwritten change (e.g. a stage moved with ``advance``) for an operator's edit.

**Open in an office suite → the write waits.** Excel leaves ``~$register.xlsx`` and
LibreOffice ``.~lock.register.xlsx#`` beside a workbook while it is open. A worker that
replaced the file then would lose its own write at the operator's next save (and on
Windows cannot replace it at all). So the write is deferred the same way, with the
user named in the lock file. A lock file older than :data:`STALE_AFTER`, or a
LibreOffice lock naming this computer while no LibreOffice runs here, is a left-over of
a crash: it does not block; the summary says so and advises deleting it.

The check-then-rename leaves a window of microseconds (no portable compare-and-swap
exists on files); an office suite's save lands either before (deferred) or after
(it replaces our file, and the ledger-driven write-back converges next cycle).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..durable import fsync_dir
from ..errors import SiapmasError

log = logging.getLogger("siapmas.register")

#: a lock file older than this is taken for a left-over of a crashed office suite
STALE_AFTER = timedelta(hours=12)


class RegisterDeferred(SiapmasError):
    """The register write of this cycle is postponed to the next one (nothing is lost).
    The engine reports it in the summary and carries on; elsewhere it reads as advice."""


# --- what the cycle read ------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """The register as a cycle read it (``exists`` False: there was no file yet)."""

    exists: bool
    size: int = 0
    mtime_ns: int = 0
    sha256: str = ""


def read_register(path: Path) -> tuple[bytes | None, Fingerprint]:
    """The register's bytes (None when there is no file) and their fingerprint. The
    caller parses these very bytes, so the fingerprint is exactly what was read."""
    try:
        before = os.stat(path)
        data = path.read_bytes()
    except FileNotFoundError:
        return None, Fingerprint(False)
    return data, Fingerprint(True, len(data), before.st_mtime_ns, hashlib.sha256(data).hexdigest())


def fingerprint_of(data: bytes) -> Fingerprint:
    """The fingerprint of bytes just written (the mtime is not compared)."""
    return Fingerprint(True, len(data), 0, hashlib.sha256(data).hexdigest())


def current(path: Path) -> Fingerprint:
    """The register on disk now."""
    data, fp = read_register(path)
    return fp


def changed_since(path: Path, read: Fingerprint) -> bool:
    """Whether the file differs from what was read. Contents decide (a save that wrote
    the same bytes is no change); a different size answers without hashing."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return read.exists
    if not read.exists or st.st_size != read.size:
        return True
    return current(path).sha256 != read.sha256


# --- office suites' lock files ------------------------------------------------------------


@dataclass(frozen=True)
class OfficeLock:
    """A lock file an office suite keeps beside a workbook it has open."""

    path: Path
    app: str  # "Excel" / "LibreOffice"
    owner: str  # who opened it, as the lock file says ("" when unreadable)
    host: str  # LibreOffice: the computer it was opened on
    age: timedelta
    stale_reason: str = ""  # why it is taken for a left-over ("" = the workbook is open)

    @property
    def stale(self) -> bool:
        return bool(self.stale_reason)


def lock_paths(register: Path) -> list[tuple[str, Path]]:
    return [("Excel", register.with_name("~$" + register.name)),
            ("LibreOffice", register.with_name(f".~lock.{register.name}#"))]


def excel_owner(data: bytes) -> str:
    """The user name in an MS Office owner file (``~$name.xlsx``): a length byte and the
    name in the ANSI code page, padding up to byte 55 (Excel; 54 for Word), a 2-byte
    length and the name again in UTF-16LE. The Unicode copy is preferred."""
    for at in (55, 54):
        if len(data) > at + 2 and 0 < data[at] <= 52 and data[at + 1] == 0:
            raw = data[at + 2 : at + 2 + 2 * data[at]]
            name = raw.decode("utf-16-le", errors="replace").strip("\x00 ")
            if len(raw) == 2 * data[at] and name.isprintable() and "\ufffd" not in name:
                return name
    if data and 0 < data[0] <= 52:
        name = data[1 : 1 + data[0]].decode("cp1252", errors="replace").strip("\x00 ")
        if name.isprintable():
            return name
    return ""


def libreoffice_owner(text: str) -> tuple[str, str]:
    """(user, host) from a LibreOffice lock file: ``Name,sysuser,host,time,profile;``."""
    fields = text.strip().rstrip(";").split(",")
    fields += [""] * (5 - len(fields))
    return (fields[0].strip() or fields[1].strip()), fields[2].strip()


def _libreoffice_running() -> bool | None:
    """Whether a LibreOffice process runs on this computer (None: cannot tell)."""
    proc = Path("/proc")
    if os.name != "posix" or not (proc / "self" / "comm").exists():
        return None
    try:
        for entry in proc.iterdir():
            if entry.name.isdigit():
                try:
                    if (entry / "comm").read_text().strip().startswith("soffice"):
                        return True
                except OSError:
                    continue
    except OSError:
        return None
    return False


def office_locks(register: Path, now: datetime | None = None) -> list[OfficeLock]:
    """The office suites' lock files beside *register*, each judged live or stale."""
    now = now or datetime.now(timezone.utc)
    found = []
    for app, path in lock_paths(register):
        try:
            st = os.stat(path)
            data = path.read_bytes()[:4096]
        except FileNotFoundError:
            continue
        except OSError:  # present but unreadable: it still says the workbook is open
            st, data = None, b""
        age = max(now - datetime.fromtimestamp(st.st_mtime, timezone.utc), timedelta(0)) if st else timedelta(0)
        host = ""
        if app == "Excel":
            owner = excel_owner(data)
        else:
            owner, host = libreoffice_owner(data.decode("utf-8", errors="replace"))
        reason = ""
        if age > STALE_AFTER:
            reason = f"sudah berumur {int(age.total_seconds() // 3600)} jam"
        elif app == "LibreOffice" and host and host.casefold() == socket.gethostname().casefold() \
                and _libreoffice_running() is False:
            reason = f"LibreOffice tidak sedang berjalan di komputer {host}"
        found.append(OfficeLock(path, app, owner, host, age, reason))
    return found


def open_message(lock: OfficeLock) -> RegisterDeferred:
    who = lock.owner or "pengguna lain"
    where = f" di komputer {lock.host}" if lock.host else ""
    return RegisterDeferred(
        f"Buku register sedang dibuka di {lock.app} oleh {who}{where}; status ditulis pada siklus "
        "berikutnya setelah berkas ditutup.",
        f"Simpan lalu tutup {lock.path.name.removeprefix('~$').removeprefix('.~lock.').rstrip('#')} "
        f"di {lock.app}. Nomor agenda dan dokumen PDF tetap dibuat.",
    )


def stale_message(lock: OfficeLock) -> str:
    return (f"Berkas kunci {lock.app} {lock.path} {lock.stale_reason}; dianggap sisa dan diabaikan, "
            "register tetap ditulis. Saran: hapus berkas kunci itu bila register memang tidak sedang dibuka.")


def changed_message(path: Path) -> RegisterDeferred:
    return RegisterDeferred(
        f"Buku register {path.name} disimpan orang lain selama siklus berjalan; agar isiannya tidak "
        "tertimpa, status ditulis pada siklus berikutnya (isian Kendali yang baru dinilai saat itu).",
        "Tidak perlu tindakan; tidak ada isian yang hilang.",
    )


# --- the guarded write ----------------------------------------------------------------


def replace_register(path: Path, data: bytes, read: Fingerprint, *, now: datetime | None = None) -> list[str]:
    """Replace the register with *data* (atomically, owner-only) if it is not open in an
    office suite and still what was read. Raises :class:`RegisterDeferred` otherwise.
    Returns notices for the summary (stale lock files that were ignored)."""
    notices = []
    for lock in office_locks(path, now):
        if not lock.stale:
            raise open_message(lock)
        notices.append(stale_message(lock))
        log.warning("%s", notices[-1])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if changed_since(path, read):
            raise changed_message(path)
        try:
            os.replace(tmp, path)
        except PermissionError:  # Windows: the file is open (no lock file seen, e.g. on a share)
            raise RegisterDeferred(
                f"Buku register {path.name} tidak dapat diganti (sedang dibuka di Excel/LibreOffice?); "
                "status ditulis pada siklus berikutnya setelah berkas ditutup.",
                "Tutup berkas register di Excel/LibreOffice; tidak ada data yang hilang.",
            ) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)
    return notices


# --- the Kendali states when the write is deferred -----------------------------------------


def acknowledged_states(previous: Mapping[str, str], read_edits: Iterable[tuple[str, Mapping[str, str]]]) -> dict[str, str]:
    """Per item key, the Kendali state to keep when the register was not written.

    ``previous``: the state each touched item had before this cycle (JSON text, "{}"
    when none). ``read_edits``: (key, editable cells as read) for every edit judged this
    cycle. The sheet still shows what was read, so that is what the ledger must expect
    there: the previous state with the edits folded in (judged once, not again)."""
    out = dict(previous)
    for key, values in read_edits:
        state = json.loads(out.get(key) or "{}")
        state.update(values)
        out[key] = json.dumps(state, ensure_ascii=False, sort_keys=True)
    return out
