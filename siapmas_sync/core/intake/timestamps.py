"""Reading the form's timestamp cell in every shape the sources produce.

Owns :func:`parse_timestamp`. Accepted inputs:

* Indonesian locale text ``28/11/2026 14.05.33`` or ``28/11/2026 14:05:33``;
  US locale ``11/28/2026 14:05:33`` (``day_first=False``);
* the Forms CSV download ``2026/11/28 2:05:33 PM GMT+7`` (also ``GMT+07:00``, ``GMT-3``,
  ``GMT``, ``UTC``, ``WIB``/``WITA``/``WIT``);
* ISO 8601 with or without offset (``2026-11-28T14:05:33+07:00``, ``...Z``);
* spreadsheet serial numbers (days since 1899-12-30) as int/float or a numeric string;
* :class:`datetime.datetime` / :class:`datetime.date` objects as openpyxl returns them;
* dates without a time (midnight), ``28 November 2026`` / ``28 Nop 2026`` month names.

Day/month order is configuration (``day_first``), never guessed per value: ``13/01/2026``
under month-first is an error, not a silent swap. A year-first value (``2026/11/28``) is
always year/month/day. Values without an offset are wall time in ``sheet_tz`` (or ``tz``);
the result is always aware and converted to ``tz``.
"""

from __future__ import annotations

import math
import numbers
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

__all__ = ["parse_timestamp", "TimestampError", "SERIAL_EPOCH"]

#: Day 0 of spreadsheet serial numbers (Lotus/Excel 1900 system as used by Google Sheets).
SERIAL_EPOCH = datetime(1899, 12, 30)
_SERIAL_MAX = 2958465  # 9999-12-31
_MIN_YEAR, _MAX_YEAR = 1900, 9998  # keeps every conversion (UTC, WIB) in range

_MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}
_ZONE_ABBR = {"wib": 7 * 60, "wita": 8 * 60, "wit": 9 * 60, "gmt": 0, "utc": 0, "z": 0}

_TIME = (
    r"(?:[ T,]+(?:pukul\s+|jam\s+)?(?P<H>\d{1,2})[.:](?P<M>\d{2})"
    r"(?:[.:](?P<S>\d{2})(?:[.,](?P<frac>\d{1,6}))?)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?)?"
)
_ZONE = r"(?:\s*(?P<tz>(?:gmt|utc)?\s*[+\-−]\s*\d{1,2}(?::?\d{2})?|gmt|utc|z|wib|wita|wit))?"
_NUMERIC_RE = re.compile(
    r"^(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})" + _TIME + _ZONE + "$",
    re.IGNORECASE,
)
_NAMED_RE = re.compile(
    r"^(?:[a-z]+,?\s+)?(?P<d>\d{1,2})\s+(?P<mon>[a-z]+)\.?\s+(?P<y>\d{4})" + _TIME + _ZONE + "$",
    re.IGNORECASE,
)
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}.*)?$")
_SERIAL_TEXT_RE = re.compile(r"^\d{5}(?:[.,]\d+)?$")
_SPACES_RE = re.compile(r"\s+")


class TimestampError(ValueError):
    """A timestamp value that cannot be read; ``reason`` is Indonesian and short."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"Stempel waktu '{text}' tidak dapat dibaca ({reason})")


def parse_timestamp(
    value: object,
    *,
    tz: ZoneInfo,
    day_first: bool = True,
    sheet_tz: ZoneInfo | None = None,
) -> datetime:
    """Parse one timestamp cell into an aware datetime in ``tz`` (see module docstring).

    Raises :class:`TimestampError` (a ValueError) with an Indonesian message.
    """
    wall = sheet_tz or tz
    order = "DD/MM/YYYY" if day_first else "MM/DD/YYYY"

    if isinstance(value, datetime):
        return _finish(value, wall, tz)
    if isinstance(value, date):
        return _finish(datetime.combine(value, time()), wall, tz)
    if isinstance(value, bool):
        raise TimestampError(str(value), "bukan tanggal")
    if isinstance(value, (numbers.Real, Decimal)):
        return _from_serial(float(value), str(value), wall, tz)
    if value is None:
        raise TimestampError("", "kosong")

    text = _SPACES_RE.sub(" ", str(value)).strip()  # NBSP, U+202F etc. are \s
    text = text.replace("\u2212", "-")
    if not text:
        raise TimestampError("", "kosong")
    if len(text) > 64:
        raise TimestampError(text[:40] + "…", f"bukan tanggal; format tanggal {order}")

    if _SERIAL_TEXT_RE.match(text):
        return _from_serial(float(text.replace(",", ".")), text, wall, tz)
    iso_failed = False
    if _ISO_RE.match(text):
        iso = text[:-1] + "+00:00" if text[-1:] in "zZ" else text
        try:
            return _finish(datetime.fromisoformat(iso), wall, tz, text)
        except ValueError:
            iso_failed = True  # maybe "2026-11-28 14:05:33 GMT+7": try the patterns below

    m = _NUMERIC_RE.match(text)
    if m:
        a, b, c = m.group("a"), m.group("b"), m.group("c")
        if len(a) == 4:  # year first: always Y/M/D (the Forms CSV export)
            year, month, day = int(a), int(b), int(c)
            shown = "YYYY/MM/DD"
        elif len(c) in (2, 4) and len(a) <= 2:
            year = int(c) + (2000 if len(c) == 2 else 0)
            first, second = int(a), int(b)
            day, month = (first, second) if day_first else (second, first)
            shown = order
        else:
            raise TimestampError(text, f"format tanggal {order}")
        return _assemble(text, m, year, month, day, shown, wall, tz)

    m = _NAMED_RE.match(text)
    if m:
        named = _MONTHS.get(m.group("mon").casefold())
        if named is None:
            raise TimestampError(text, f"nama bulan '{m.group('mon')}' tidak dikenal")
        return _assemble(text, m, int(m.group("y")), named, int(m.group("d")), "DD Bulan YYYY", wall, tz)

    if iso_failed:
        raise TimestampError(text, "format ISO 8601 YYYY-MM-DD tidak valid atau tanggal tidak ada")
    raise TimestampError(text, f"format tanggal {order}")


def _finish(dt: datetime, wall: ZoneInfo, tz: ZoneInfo, text: str | None = None) -> datetime:
    if not _MIN_YEAR <= dt.year <= _MAX_YEAR:
        raise TimestampError(text or str(dt), f"tahun {dt.year} di luar jangkauan {_MIN_YEAR}–{_MAX_YEAR}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        dt = dt.replace(tzinfo=wall)
    return dt.astimezone(tz)


def _from_serial(serial: float, text: str, wall: ZoneInfo, tz: ZoneInfo) -> datetime:
    if not math.isfinite(serial) or not 1 <= serial <= _SERIAL_MAX:
        raise TimestampError(text, "nomor seri tanggal spreadsheet di luar jangkauan")
    # Serial floats are inexact (…32.999999); Form timestamps have whole seconds.
    seconds = round(serial * 86400)
    dt = SERIAL_EPOCH + timedelta(seconds=seconds)
    return _finish(dt, wall, tz, text)


def _assemble(
    text: str,
    m: re.Match[str],
    year: int,
    month: int,
    day: int,
    shown: str,
    wall: ZoneInfo,
    tz: ZoneInfo,
) -> datetime:
    try:
        d = date(year, month, day)
    except ValueError:
        problem = (
            f"bulan {month} tidak ada"
            if not 1 <= month <= 12
            else f"tanggal {day} pada bulan {month} tahun {year} tidak ada"
        )
        raise TimestampError(text, f"format tanggal {shown}; {problem}") from None
    hour = minute = second = micro = 0
    if m.group("H") is not None:
        hour, minute = int(m.group("H")), int(m.group("M"))
        second = int(m.group("S") or 0)
        frac = m.group("frac")
        micro = int(frac.ljust(6, "0")) if frac else 0
        ampm = m.group("ampm")
        if ampm:
            if not 1 <= hour <= 12:
                raise TimestampError(text, f"jam {hour} tidak valid untuk format AM/PM")
            pm = ampm.strip().lower().startswith("p")
            hour = (hour % 12) + (12 if pm else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise TimestampError(text, f"format tanggal {shown}; jam {hour:02d}.{minute:02d}.{second:02d} tidak ada")
    dt = datetime.combine(d, time(hour, minute, second, micro))
    zone = m.group("tz")
    if zone:
        dt = dt.replace(tzinfo=_parse_zone(text, zone))
    return _finish(dt, wall, tz, text)


def _parse_zone(text: str, zone: str) -> timezone:
    z = zone.strip().lower().replace(" ", "")
    if z in _ZONE_ABBR:
        return timezone(timedelta(minutes=_ZONE_ABBR[z]))
    z = z.removeprefix("gmt").removeprefix("utc")
    sign = -1 if z[0] in "-−" else 1
    digits = z[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        raise TimestampError(text, f"zona waktu '{zone}' tidak valid")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
