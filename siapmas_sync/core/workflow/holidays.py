"""The holiday list (national holidays and *cuti bersama*): the TOML file shipped in
``siapmas_sync/defaults/hari_libur.toml`` or the operator's own, read and validated.

The only I/O of the workflow package; :mod:`.sla` turns the dates into an office calendar.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from ...errors import ConfigError

__all__ = ["Holiday", "HolidayFile", "default_holidays_path", "load_holiday_file", "load_holidays"]


@dataclass(frozen=True)
class Holiday:
    """One entry of the holiday list (a single date or an inclusive range)."""

    tanggal: date
    nama: str
    sampai: date | None = None
    jenis: str = ""  # "libur nasional" / "cuti bersama" (informational)

    def dates(self) -> list[date]:
        end = self.sampai or self.tanggal
        return [self.tanggal + timedelta(days=i) for i in range((end - self.tanggal).days + 1)]


@dataclass(frozen=True)
class HolidayFile:
    """A loaded holiday file: entries, all dates, and the years declared complete."""

    path: Path
    entries: tuple[Holiday, ...]
    dates: frozenset[date]
    covered_years: frozenset[int] = field(default_factory=frozenset)


def default_holidays_path() -> Path:
    """The holiday list shipped with the package (``siapmas_sync/defaults/hari_libur.toml``)."""
    return Path(str(resources.files("siapmas_sync").joinpath("defaults", "hari_libur.toml")))


def _as_date(value: Any, where: str, key: str) -> date:
    if isinstance(value, datetime):
        raise ConfigError(f"{where}: '{key}' harus berupa tanggal tanpa jam, bukan '{value}'.")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(
        f"{where}: '{key}' bukan tanggal yang valid: '{value}'.",
        advice="Tulis tanggal sebagai TTTT-BB-HH, misalnya tanggal = 2026-12-25.",
    )


def load_holiday_file(path: str | Path) -> HolidayFile:
    """Read a holiday TOML file.

    Format::

        tahun_lengkap = [2026]          # years whose list is complete (optional)

        [[libur]]
        tanggal = 2026-12-25
        nama = "Hari Raya Natal"

        [[libur]]
        tanggal = 2026-03-23
        sampai = 2026-03-24             # inclusive range, e.g. cuti bersama
        nama = "Cuti bersama Idulfitri"

    Without ``tahun_lengkap`` every year with an entry counts as covered.
    Raises :class:`ConfigError` naming the file and entry on any problem.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"Berkas hari libur tidak ditemukan: {p}",
            advice="Salin config/hari_libur.toml atau perbaiki path di konfigurasi.",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Berkas hari libur {p} tidak dapat dibaca: {exc}") from exc
    raw = data.get("libur", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{p}: 'libur' harus berupa daftar [[libur]].")
    entries: list[Holiday] = []
    for i, item in enumerate(raw, start=1):
        where = f"{p}, entri libur ke-{i}"
        if not isinstance(item, Mapping) or "tanggal" not in item:
            raise ConfigError(f"{where}: 'tanggal' wajib diisi.")
        start = _as_date(item["tanggal"], where, "tanggal")
        end = _as_date(item["sampai"], where, "sampai") if "sampai" in item else None
        if end is not None and end < start:
            raise ConfigError(f"{where}: 'sampai' ({end}) sebelum 'tanggal' ({start}).")
        entries.append(Holiday(start, str(item.get("nama", "")), end, str(item.get("jenis", ""))))
    dates = frozenset(d for h in entries for d in h.dates())
    if "tahun_lengkap" in data:
        years = data["tahun_lengkap"]
        if not isinstance(years, list) or not all(
            isinstance(y, int) and not isinstance(y, bool) for y in years
        ):
            raise ConfigError(f"{p}: 'tahun_lengkap' harus berupa daftar tahun, misalnya [2026].")
        covered = frozenset(years)
    else:
        covered = frozenset(d.year for d in dates)
    return HolidayFile(p, tuple(entries), dates, covered)


def load_holidays(path: str | Path) -> frozenset[date]:
    """All holiday dates (ranges expanded) from a holiday TOML file."""
    return load_holiday_file(path).dates
