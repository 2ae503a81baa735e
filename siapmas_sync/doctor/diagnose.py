"""Checks ``doctor`` runs beyond reaching the source: where files will be written and
whether the holiday calendar covers the dates the SLA clocks will compute.

Owns :func:`path_problem` (a folder that cannot exist: a parent that is a file, a
virtual file system such as ``/proc``), :func:`database_location`, :func:`holiday_gaps`
(years the holiday list does not cover, judged at an injectable *now*) and
:func:`columns_listing` (the columns a response tab has, for a title that did not
match). Each returns Indonesian text or raises :class:`~siapmas_sync.errors.SourceError`
with advice.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import SourceError
from ..core.intake.headers import column_letter

#: file systems that look like folders but never hold our files
VIRTUAL_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
#: the next year's holiday list is wanted once SLA dates can fall in it: the 60-day
#: settle clock plus a month to get the SKB's dates in
NEXT_YEAR_LEAD = timedelta(days=30)


def path_problem(folder: Path) -> str | None:
    """Why *folder* can never be created or written, or None when it might be."""
    folder = Path(os.path.abspath(folder))
    if os.name == "posix":
        for root in VIRTUAL_ROOTS:
            if folder == root or root in folder.parents:
                return f"{folder} berada di {root}, sistem berkas virtual yang tidak dapat menyimpan berkas"
    p = folder
    while True:
        if p.exists():
            if not p.is_dir():
                return f"{p} adalah berkas, bukan folder" if p == folder else f"{p} (bagian dari {folder}) adalah berkas, bukan folder"
            return None
        if p == p.parent:
            return None
        p = p.parent


def check_folder_path(folder: Path, what: str, key: str) -> None:
    """Raise with advice when *folder* (for *what*, configured as *key*) cannot exist."""
    problem = path_problem(folder)
    if problem:
        raise SourceError(f"{what} tidak dapat dibuat: {problem}.", f"Perbaiki {key} di konfigurasi ke folder yang dapat ditulis.")


def _folder_writable(folder: Path) -> str | None:
    """Why files cannot be created in *folder* (or, when it does not exist yet, in the
    folder it would be made in), or None. Nothing is left behind."""
    p = folder
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        fd, name = tempfile.mkstemp(dir=p, prefix=".doctor-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return f"{p} tidak dapat ditulis ({exc.strerror})"
    return None


def database_location(database: Path) -> str:
    """The SQLite file's folder can exist and be written (SQLite writes its journal
    beside the file), and the file itself (if any) is a readable, writable file."""
    check_folder_path(database.parent, f"Folder basis data {database.parent}", "[storage] database")
    problem = _folder_writable(database.parent)
    if problem:
        raise SourceError(f"Basis data tidak dapat ditulis: {problem}.",
                          "Jalankan siapmas-sync sebagai pemilik folder itu, perbaiki izinnya, atau pindahkan [storage] database.")
    if database.exists():
        if not database.is_file():
            raise SourceError(f"Basis data {database} adalah folder, bukan berkas.", "Perbaiki [storage] database (nama berkas .db).")
        if not os.access(database, os.R_OK | os.W_OK):
            raise SourceError(f"Basis data {database} tidak dapat dibaca/ditulis oleh pengguna ini.",
                              "Jalankan siapmas-sync sebagai pemilik berkas itu, atau perbaiki izinnya (chmod 600, chown).")
        return f"{database} (ada)"
    return f"{database} (dibuat pada sync pertama)"


def holiday_gaps(cal: object, now: datetime, settle_days: int = 60) -> list[int]:
    """Years the calendar does not cover and that SLA dates computed at *now* may reach:
    this year always, the next one once *now* + the settle clock (+ a month) is in it."""
    years = [now.year]
    if (now + timedelta(days=settle_days) + NEXT_YEAR_LEAD).year > now.year:
        years.append(now.year + 1)
    return [y for y in years if not cal.covers(y)]  # type: ignore[attr-defined]


def holiday_warning(cal: object, now: datetime, path: Path, settle_days: int = 60, *, shipped: bool = False,
                    own: Path | None = None) -> tuple[str, str] | None:
    """(message, advice) when :func:`holiday_gaps` finds a year missing, else None. With
    the *shipped* list in force the advice is to copy it to *own* (beside the
    configuration, read from there automatically): a file inside the installed package is
    replaced by every upgrade."""
    gaps = holiday_gaps(cal, now, settle_days)
    if not gaps:
        return None
    years = ", ".join(str(y) for y in gaps)
    fill = f"isi hari libur {years} dari SKB 3 Menteri tentang hari libur nasional dan cuti bersama"
    if shipped and own is not None:
        advice = (f"Salin {path} ke {own} (dibaca otomatis dari folder konfigurasi), {fill}, "
                  f"lalu tambahkan tahunnya ke tahun_lengkap di {own}.")
    else:
        advice = f"{fill[0].upper()}{fill[1:]}, lalu tambahkan tahunnya ke tahun_lengkap di {path}."
    return (
        f"Kalender hari libur {path} belum lengkap untuk {years}: batas waktu (SLA) yang jatuh pada tahun itu "
        "dihitung tanpa hari libur nasional dan cuti bersama.",
        advice,
    )


def columns_listing(header: list[str], limit: int = 40) -> str:
    """"Kolom yang ada: A 'Timestamp', B 'Nama', …" for a header row."""
    cols = [f"{column_letter(i)} '{h.strip()}'" for i, h in enumerate(header) if str(h).strip()]
    if not cols:
        return "Baris judul lembar jawaban kosong."
    more = f" … (+{len(cols) - limit})" if len(cols) > limit else ""
    return "Kolom yang ada: " + ", ".join(cols[:limit]) + more


__all__ = ["check_folder_path", "columns_listing", "database_location", "holiday_gaps",
           "holiday_warning", "path_problem"]
