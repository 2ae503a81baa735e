"""The SLA clock in working time (jam kerja) for the SOP's time standards.

Pure functions over an :class:`OfficeCalendar`; the only I/O is :func:`load_holidays`
reading the holiday list (TOML). Every datetime must be timezone-aware; inputs in any zone
(e.g. UTC from an API) are converted to the calendar's zone (Asia/Jakarta, WIB, no DST)
and results are returned in that zone. Arithmetic is done on the zone's wall clock, which
is exact for WIB (no daylight saving time); a zone with DST would be off by the shift on
its change-over days.

Definitions
-----------
* **Office hours**: one interval per weekday (default Mon–Thu 07:30–16:00, Fri
  07:30–11:00, Sat/Sun closed), none on holidays (national holidays and cuti bersama).
* **Working time** between two instants is the length of their overlap with office hours.
  A deadline is ``start + duration`` counted only in office hours; a start outside office
  hours is counted from the next opening (Friday evening → Monday 07:30, or Tuesday when
  Monday is a holiday). A deadline always lies inside office hours (opening and closing
  times included); a deadline at closing time is the same working instant as the next
  opening.
* **Late** means working time has passed since the deadline: ``late_by`` is that working
  time and ``is_late`` is ``late_by > 0`` (so at 16:30 an item due at 16:00 is not yet
  late; it is at 07:31 the next working day).
* **Working days** (LAPOR!-style): the *receipt day* is the day of the first office
  instant at or after receipt. The verification deadline (3 working days) is the closing
  time of the 3rd working day after the receipt day; the age is the number of working
  days after the receipt day whose opening has been reached.
* **Settlement** (Perpres 76/2013): 60 *calendar* days after receipt, configurable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...errors import ConfigError
from .holidays import Holiday, HolidayFile, default_holidays_path, load_holiday_file, load_holidays
from .stages import EXIT_DIKEMBALIKAN, Workflow

__all__ = [
    "DEFAULT_HOURS",
    "HARI",
    "Holiday",
    "HolidayFile",
    "OfficeCalendar",
    "SlaStatus",
    "add_working_days",
    "add_working_time",
    "default_holidays_path",
    "format_duration_id",
    "format_working_days_id",
    "is_working_time",
    "load_calendar",
    "load_holiday_file",
    "load_holidays",
    "next_opening",
    "parse_office_hours",
    "sla_status",
    "working_days_between",
    "working_time_between",
]

#: Indonesian weekday names, Monday first (``date.weekday()`` order).
HARI: tuple[str, ...] = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")

Interval = tuple[time, time]

_FULL = (time(7, 30), time(16, 0))
_FRIDAY = (time(7, 30), time(11, 0))
#: Mon–Thu 07:30–16:00, Fri 07:30–11:00, Sat/Sun closed.
DEFAULT_HOURS: tuple[Interval | None, ...] = (_FULL, _FULL, _FULL, _FULL, _FRIDAY, None, None)

# a year of consecutive holidays is impossible; a guard against runaway loops
_MAX_CLOSED_DAYS = 400


@dataclass(frozen=True)
class OfficeCalendar:
    """Office hours per weekday and the holiday dates.

    hours: 7 entries, Monday first; each ``(open, close)`` with open < close, or None
        when the office is closed that weekday.
    holidays: national holidays and cuti bersama (dates in the calendar's zone).
    tz: IANA zone name (default Asia/Jakarta).
    covered_years: the years whose holiday list is complete; None means "every year that
        has at least one holiday listed". See :meth:`covers`.
    """

    hours: tuple[Interval | None, ...] = DEFAULT_HOURS
    holidays: frozenset[date] = frozenset()
    tz: str = "Asia/Jakarta"
    covered_years: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ConfigError("Jam kerja harus diisi untuk 7 hari (Senin sampai Minggu).")
        for name, iv in zip(HARI, self.hours):
            if iv is not None and not iv[0] < iv[1]:
                raise ConfigError(
                    f"Jam kerja hari {name.capitalize()} tidak valid: jam buka "
                    f"{iv[0]:%H:%M} harus sebelum jam tutup {iv[1]:%H:%M}."
                )
        if all(iv is None for iv in self.hours):
            raise ConfigError("Jam kerja kosong: paling sedikit satu hari harus buka.")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"Zona waktu '{self.tz}' tidak dikenal.",
                advice="Gunakan nama zona IANA, misalnya Asia/Jakarta.",
            ) from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def covers(self, when: date | int) -> bool:
        """Whether the holiday list is filled in for this date's (or this) year."""
        year = when if isinstance(when, int) else when.year
        years = self.covered_years
        if years is None:
            years = frozenset(d.year for d in self.holidays)
        return year in years

    def coverage_note(self, *whens: date | int) -> str:
        """Indonesian warning for years not covered, e.g. "kalender libur belum diisi
        untuk 2027", or "" when every given year is covered."""
        missing = sorted({w if isinstance(w, int) else w.year for w in whens if not self.covers(w)})
        if not missing:
            return ""
        return "kalender libur belum diisi untuk " + ", ".join(str(y) for y in missing)

    def is_working_day(self, d: date) -> bool:
        return self.hours[d.weekday()] is not None and d not in self.holidays

    def interval(self, d: date) -> tuple[datetime, datetime] | None:
        """Office hours of day ``d`` as aware datetimes, or None when closed."""
        if not self.is_working_day(d):
            return None
        iv = self.hours[d.weekday()]
        assert iv is not None
        zone = self.zone
        return (datetime.combine(d, iv[0], tzinfo=zone), datetime.combine(d, iv[1], tzinfo=zone))

    def local(self, dt: datetime) -> datetime:
        """``dt`` in the calendar's zone; naive datetimes are refused."""
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(
                f"Waktu {dt.isoformat()} tidak memiliki zona waktu; gunakan waktu ber-zona "
                f"(misalnya {self.tz})."
            )
        return dt.astimezone(self.zone)

    def with_holidays(self, extra: Iterable[date]) -> OfficeCalendar:
        return OfficeCalendar(self.hours, self.holidays | frozenset(extra), self.tz, self.covered_years)


def _days(cal: OfficeCalendar, first: date) -> Iterator[tuple[datetime, datetime]]:
    """Office intervals from ``first`` onwards (endless)."""
    d = first
    closed = 0
    while True:
        iv = cal.interval(d)
        if iv is None:
            closed += 1
            if closed > _MAX_CLOSED_DAYS:
                raise ConfigError(
                    f"Tidak ada hari kerja dalam {_MAX_CLOSED_DAYS} hari setelah "
                    f"{first.isoformat()}; periksa daftar hari libur."
                )
        else:
            closed = 0
            yield iv
        d += timedelta(days=1)


# --- working time -----------------------------------------------------------------------


def is_working_time(cal: OfficeCalendar, dt: datetime) -> bool:
    """True when ``dt`` lies within office hours (opening and closing included)."""
    t = cal.local(dt)
    iv = cal.interval(t.date())
    return iv is not None and iv[0] <= t <= iv[1]


def next_opening(cal: OfficeCalendar, dt: datetime) -> datetime:
    """``dt`` itself if within office hours (before closing), else the next opening."""
    t = cal.local(dt)
    for o, c in _days(cal, t.date()):
        if t < c:
            return max(t, o)
    raise AssertionError("unreachable")  # pragma: no cover


def add_working_time(cal: OfficeCalendar, start: datetime, duration: timedelta) -> datetime:
    """The deadline ``duration`` of working time after ``start`` (in the calendar zone).

    Counting starts at ``start`` or, outside office hours, at the next opening. The result
    always lies within office hours; it equals a closing time when the duration ends
    exactly there.
    """
    if duration < timedelta(0):
        raise ValueError("Durasi tidak boleh negatif.")
    t = cal.local(start)
    remaining = duration
    for o, c in _days(cal, t.date()):
        if t > c:
            continue
        t = max(t, o)
        available = c - t
        if remaining <= available:
            return t + remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover


def working_time_between(cal: OfficeCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time from ``start`` to ``end``; negative when ``end`` is before ``start``.

    Spans of more than a few days are counted from per-year tables of working seconds
    (a recap measures thousands of moves, the SLA clock items months old); short ones
    day by day."""
    a, b = cal.local(start), cal.local(end)
    if b < a:
        return -working_time_between(cal, b, a)
    if (b.date() - a.date()).days > 7 and a.year > 2000:
        return _worked_until(cal, b) - _worked_until(cal, a)
    total = timedelta(0)
    for o, c in _days(cal, a.date()):
        if o >= b:
            break
        lo, hi = max(a, o), min(b, c)
        if hi > lo:
            total += hi - lo
    return total


def _receipt_day(cal: OfficeCalendar, received: datetime) -> date:
    return next_opening(cal, received).date()


def add_working_days(cal: OfficeCalendar, start: datetime, days: int) -> datetime:
    """Closing time of the ``days``-th working day after the receipt day of ``start``.

    The receipt day is the day of the first office instant at or after ``start``
    (received Saturday → Monday). ``days = 0`` gives the receipt day's closing time.
    """
    if days < 0:
        raise ValueError("Jumlah hari kerja tidak boleh negatif.")
    first = _receipt_day(cal, start)
    for n, (_o, c) in enumerate(_days(cal, first)):
        if n == days:
            return c
    raise AssertionError("unreachable")  # pragma: no cover


def working_days_between(cal: OfficeCalendar, start: datetime, end: datetime) -> int:
    """Age in working days (LAPOR!-style): working days after the receipt day of
    ``start`` whose opening has been reached by ``end``; 0 when ``end`` is earlier.

    Counted from per-year tables (not day by day), so a cycle over 100,000 items stays
    cheap: working days d with receipt day < d ≤ end's day, less end's day itself when
    its office has not opened yet."""
    b = cal.local(end)
    first = _receipt_day(cal, start)
    last = b.date()
    count = _upto(cal, last) - _upto(cal, first)
    if count > 0:
        iv = cal.interval(last)
        if iv is not None and iv[0] > b:
            count -= 1
    return max(count, 0)


@lru_cache(maxsize=256)
def _year_table(cal: OfficeCalendar, year: int) -> tuple[int, ...]:
    """Working days from 1 January up to and including each day of ``year``."""
    out, n, d = [], 0, date(year, 1, 1)
    while d.year == year:
        n += cal.is_working_day(d)
        out.append(n)
        d += timedelta(days=1)
    return tuple(out)


@lru_cache(maxsize=256)
def _before_year(cal: OfficeCalendar, year: int) -> int:
    """Working days from 1 January 2000 to the end of ``year - 1``."""
    if year <= 2000:
        return 0
    return _before_year(cal, year - 1) + _year_table(cal, year - 1)[-1]


def _upto(cal: OfficeCalendar, d: date) -> int:
    return _before_year(cal, d.year) + _year_table(cal, d.year)[d.timetuple().tm_yday - 1]


def _open_seconds(cal: OfficeCalendar, d: date) -> int:
    iv = cal.interval(d)
    return 0 if iv is None else int((iv[1] - iv[0]).total_seconds())


@lru_cache(maxsize=256)
def _seconds_table(cal: OfficeCalendar, year: int) -> tuple[int, ...]:
    """Working seconds from 1 January up to and including each day of ``year``."""
    out, n, d = [], 0, date(year, 1, 1)
    while d.year == year:
        n += _open_seconds(cal, d)
        out.append(n)
        d += timedelta(days=1)
    return tuple(out)


@lru_cache(maxsize=256)
def _seconds_before_year(cal: OfficeCalendar, year: int) -> int:
    """Working seconds from 1 January 2000 to the end of ``year - 1``."""
    if year <= 2000:
        return 0
    return _seconds_before_year(cal, year - 1) + _seconds_table(cal, year - 1)[-1]


def _worked_until(cal: OfficeCalendar, t: datetime) -> timedelta:
    """Working time from 1 January 2000 to ``t`` (local): whole days before ``t``'s day
    from the tables, plus the part of ``t``'s own office hours already passed."""
    d = t.date()
    yday = d.timetuple().tm_yday
    before = _seconds_before_year(cal, d.year) + (_seconds_table(cal, d.year)[yday - 2] if yday > 1 else 0)
    iv = cal.interval(d)
    part = timedelta(0) if iv is None else min(max(t - iv[0], timedelta(0)), iv[1] - iv[0])
    return timedelta(seconds=before) + part


# --- office hours (the holiday list is in holidays.py) ----------------------------------


def parse_office_hours(mapping: Mapping[str, str | None]) -> tuple[Interval | None, ...]:
    """Office hours from configuration, e.g. ``{"senin": "07:30-16:00", "sabtu": None}``.

    Keys are Indonesian weekday names (senin … minggu; "jum'at" accepted); days not given
    keep the default; ``None``, ``""`` or ``"libur"`` means closed.
    """
    hours = list(DEFAULT_HOURS)
    for key, value in mapping.items():
        name = str(key).strip().casefold().replace("'", "")
        if name not in HARI:
            raise ConfigError(
                f"Nama hari '{key}' tidak dikenal di jam kerja.",
                advice="Gunakan: " + ", ".join(HARI) + ".",
            )
        idx = HARI.index(name)
        if value is None or str(value).strip().casefold() in ("", "libur", "tutup"):
            hours[idx] = None
            continue
        try:
            a, b = str(value).replace("–", "-").split("-")
            iv = (time.fromisoformat(a.strip()), time.fromisoformat(b.strip()))
        except ValueError as exc:
            raise ConfigError(
                f"Jam kerja hari {name} tidak valid: '{value}'.",
                advice="Tulis sebagai JJ:MM-JJ:MM, misalnya \"07:30-16:00\", atau \"libur\".",
            ) from exc
        hours[idx] = iv
    return tuple(hours)


def load_calendar(
    path: str | Path | None = None,
    *,
    hours: tuple[Interval | None, ...] = DEFAULT_HOURS,
    tz: str = "Asia/Jakarta",
) -> OfficeCalendar:
    """An :class:`OfficeCalendar` from a holiday file (default: the packaged list)."""
    hf = load_holiday_file(path if path is not None else default_holidays_path())
    return OfficeCalendar(hours, hf.dates, tz, hf.covered_years)


# --- status ----------------------------------------------------------------------------


@dataclass
class SlaStatus:
    """Where an item stands against its clocks at ``now``.

    deadline: end of the current stage's time standard (working time), None when the
        stage has no standard.
    late_by: working time past ``deadline`` (zero when not late); is_late: late_by > 0.
    age_working_days: working days since receipt (see module docstring).
    verify_deadline: closing time of the 3rd working day after the receipt day.
    settle_deadline: received_at + 60 calendar days (Perpres 76/2013).
    settle_overdue: ``now`` is past settle_deadline and the item is not closed.
    calendar_note: e.g. "kalender libur belum diisi untuk 2027" when a computed date
        falls in a year whose holiday list is missing ("" otherwise).
    """

    deadline: datetime | None
    late_by: timedelta
    is_late: bool
    age_working_days: int
    verify_deadline: datetime
    settle_deadline: datetime
    settle_overdue: bool = False
    calendar_note: str = ""

    def label(self) -> str:
        """Short Indonesian status for the sheet: "Terlambat 2 jam 15 menit", "Tepat
        waktu (batas 10:40)", or "—" when the stage has no time standard."""
        if self.is_late:
            return "Terlambat " + format_duration_id(self.late_by)
        if self.deadline is None:
            return "—"
        return f"Tepat waktu (batas {self.deadline:%d-%m-%Y %H:%M})"


def sla_status(
    cal: OfficeCalendar,
    wf: Workflow,
    stage: str,
    stage_entered_at: datetime,
    received_at: datetime,
    now: datetime,
    *,
    verify_days: int = 3,
    settle_days: int = 60,
) -> SlaStatus:
    """Compute the clocks of one item at ``now`` (all results in the calendar's zone)."""
    s = wf.resolve(stage, what="Tahap")
    if s.code == EXIT_DIKEMBALIKAN:
        raise ValueError("DIKEMBALIKAN bukan tahap; gunakan tahap hasil pengembalian.")
    now_l = cal.local(now)
    received_l = cal.local(received_at)
    deadline = None
    late_by = timedelta(0)
    if s.standard is not None:
        deadline = add_working_time(cal, stage_entered_at, s.standard)
        if now_l > deadline:
            late_by = working_time_between(cal, deadline, now_l)
    verify = add_working_days(cal, received_l, verify_days)
    settle = received_l + timedelta(days=settle_days)
    closed = wf.is_terminal(s)
    years: list[int] = [received_l.year, now_l.year, verify.year]
    if deadline is not None:
        years.append(deadline.year)
    return SlaStatus(
        deadline=deadline,
        late_by=late_by,
        is_late=late_by > timedelta(0),
        age_working_days=working_days_between(cal, received_l, now_l),
        verify_deadline=verify,
        settle_deadline=settle,
        settle_overdue=(not closed) and now_l > settle,
        calendar_note=cal.coverage_note(*years),
    )


# --- formatting ---------------------------------------------------------------------------


def format_duration_id(td: timedelta) -> str:
    """Indonesian hours and minutes: "2 jam 15 menit", "45 menit", "3 jam", "0 menit",
    "kurang dari 1 menit"; rounded to the nearest minute; negative values get "-"."""
    if td < timedelta(0):
        return "-" + format_duration_id(-td)
    seconds = td.total_seconds()
    if 0 < seconds < 30:
        return "kurang dari 1 menit"
    minutes = math.floor(seconds / 60 + 0.5)
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} jam {m} menit"
    if h:
        return f"{h} jam"
    return f"{m} menit"


def format_working_days_id(days: int | float) -> str:
    """ "3 hari kerja" (fractions shown with a decimal comma: "1,5 hari kerja")."""
    if isinstance(days, float) and not days.is_integer():
        return f"{days:.1f}".replace(".", ",") + " hari kerja"
    return f"{int(days)} hari kerja"
