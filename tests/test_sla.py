"""Working-time SLA clock (siapmas_sync.core.workflow.sla) — no mocks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siapmas_sync.errors import ConfigError
from siapmas_sync.core.workflow import (
    OfficeCalendar,
    SlaStatus,
    add_working_days,
    add_working_time,
    default_holidays_path,
    default_workflow,
    format_duration_id,
    format_working_days_id,
    is_working_time,
    load_calendar,
    load_holiday_file,
    load_holidays,
    next_opening,
    parse_office_hours,
    sla_status,
    working_days_between,
    working_time_between,
)

WIB = ZoneInfo("Asia/Jakarta")
UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[1]
WF = default_workflow()
MIN = timedelta(minutes=1)

# a calendar with a few explicit holidays, independent of the shipped file
HOLIDAYS = frozenset(
    {
        date(2026, 8, 17),  # Monday after a weekend
        date(2026, 8, 19),  # a Wednesday
        date(2027, 1, 1),  # Friday, New Year
    }
)
CAL = OfficeCalendar(holidays=HOLIDAYS)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def status(stage: str, entered: datetime, received: datetime, now: datetime, **kw: int) -> SlaStatus:
    return sla_status(CAL, WF, stage, entered, received, now, **kw)


# --- add_working_time ---------------------------------------------------------------------


def test_within_a_day() -> None:
    # Tuesday 2026-08-11
    assert add_working_time(CAL, wib(2026, 8, 11, 9, 0), 10 * MIN) == wib(2026, 8, 11, 9, 10)
    day = timedelta(hours=8, minutes=30)
    assert add_working_time(CAL, wib(2026, 8, 11, 7, 30), day) == wib(2026, 8, 11, 16, 0)


def test_across_the_end_of_the_day() -> None:
    assert add_working_time(CAL, wib(2026, 8, 11, 15, 55), 10 * MIN) == wib(2026, 8, 12, 7, 35)
    assert add_working_time(CAL, wib(2026, 8, 11, 15, 0), timedelta(hours=2)) == wib(2026, 8, 12, 8, 30)


def test_across_a_weekend_from_fridays_short_day() -> None:
    # Friday 2026-08-07 closes at 11:00
    assert add_working_time(CAL, wib(2026, 8, 7, 10, 55), 10 * MIN) == wib(2026, 8, 10, 7, 35)
    assert add_working_time(CAL, wib(2026, 8, 7, 10, 0), timedelta(hours=1)) == wib(2026, 8, 7, 11, 0)
    assert add_working_time(CAL, wib(2026, 8, 7, 10, 0), timedelta(hours=2)) == wib(2026, 8, 10, 8, 30)


def test_fridays_afternoon_counts_from_monday() -> None:
    # received Friday 13:00 (after the short day): counted from Monday 07:30
    assert add_working_time(CAL, wib(2026, 8, 7, 13, 0), 10 * MIN) == wib(2026, 8, 10, 7, 40)
    # Friday evening before a Monday holiday → Tuesday
    assert add_working_time(CAL, wib(2026, 8, 14, 19, 0), 10 * MIN) == wib(2026, 8, 18, 7, 40)


def test_holiday_midweek() -> None:
    # Tuesday 2026-08-18 15:55 + 10 min, Wednesday 19 is a holiday → Thursday 07:35
    assert add_working_time(CAL, wib(2026, 8, 18, 15, 55), 10 * MIN) == wib(2026, 8, 20, 7, 35)


def test_monday_holiday_after_a_weekend() -> None:
    # Friday 2026-08-14 10:55 + 10 min → Monday 17 is a holiday → Tuesday 07:35
    assert add_working_time(CAL, wib(2026, 8, 14, 10, 55), 10 * MIN) == wib(2026, 8, 18, 7, 35)


def test_year_boundary() -> None:
    # Thursday 31 Dec 2026 evening; 1 Jan 2027 (Fri) holiday, weekend → Monday 4 Jan
    assert add_working_time(CAL, wib(2026, 12, 31, 19, 0), 10 * MIN) == wib(2027, 1, 4, 7, 40)
    assert add_working_time(CAL, wib(2026, 12, 31, 15, 55), 10 * MIN) == wib(2027, 1, 4, 7, 35)


def test_received_on_saturday_counts_from_monday() -> None:
    assert next_opening(CAL, wib(2026, 8, 8, 9, 0)) == wib(2026, 8, 10, 7, 30)
    assert add_working_time(CAL, wib(2026, 8, 8, 9, 0), 10 * MIN) == wib(2026, 8, 10, 7, 40)
    assert add_working_time(CAL, wib(2026, 8, 9, 23, 59), 10 * MIN) == wib(2026, 8, 10, 7, 40)


def test_before_opening_and_zero_duration() -> None:
    assert add_working_time(CAL, wib(2026, 8, 11, 6, 0), 10 * MIN) == wib(2026, 8, 11, 7, 40)
    assert add_working_time(CAL, wib(2026, 8, 11, 6, 0), timedelta(0)) == wib(2026, 8, 11, 7, 30)
    assert add_working_time(CAL, wib(2026, 8, 11, 12, 0), timedelta(0)) == wib(2026, 8, 11, 12, 0)


def test_utc_input_is_converted_and_result_is_wib() -> None:
    # 2026-08-07 03:55 UTC == Friday 10:55 WIB
    out = add_working_time(CAL, datetime(2026, 8, 7, 3, 55, tzinfo=UTC), 10 * MIN)
    assert out == wib(2026, 8, 10, 7, 35)
    assert out.utcoffset() == timedelta(hours=7)
    # a UTC instant on Friday evening in UTC that is already Saturday in WIB
    assert next_opening(CAL, datetime(2026, 8, 7, 20, 0, tzinfo=UTC)) == wib(2026, 8, 10, 7, 30)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="zona waktu"):
        add_working_time(CAL, datetime(2026, 8, 11, 9, 0), MIN)
    with pytest.raises(ValueError):
        add_working_time(CAL, wib(2026, 8, 11, 9, 0), -MIN)


# --- working time between / working days ---------------------------------------------------------


def test_working_time_between() -> None:
    assert working_time_between(CAL, wib(2026, 8, 7, 10, 55), wib(2026, 8, 10, 7, 35)) == 10 * MIN
    # Friday 07:30 → next Friday 07:30 (Wednesday 19 Aug not involved): 4 × 8h30 + 3h30
    full, friday = timedelta(hours=8, minutes=30), timedelta(hours=3, minutes=30)
    assert working_time_between(CAL, wib(2026, 8, 7, 7, 30), wib(2026, 8, 14, 7, 30)) == friday + 4 * full
    # whole holiday week: 17 (Mon) and 19 (Wed) are closed
    assert working_time_between(CAL, wib(2026, 8, 15, 0, 0), wib(2026, 8, 22, 0, 0)) == 2 * full + friday
    assert working_time_between(CAL, wib(2026, 8, 8, 9), wib(2026, 8, 9, 17)) == timedelta(0)
    assert working_time_between(CAL, wib(2026, 8, 10, 8), wib(2026, 8, 10, 7)) == -timedelta(minutes=30)


def test_working_days_between() -> None:
    mon = wib(2026, 8, 10, 10, 0)
    assert working_days_between(CAL, mon, wib(2026, 8, 10, 15, 0)) == 0
    assert working_days_between(CAL, mon, wib(2026, 8, 11, 7, 0)) == 0
    assert working_days_between(CAL, mon, wib(2026, 8, 11, 7, 30)) == 1
    assert working_days_between(CAL, mon, wib(2026, 8, 13, 9, 0)) == 3
    # Monday 17 and Wednesday 19 are holidays: Fri 14 = 4, Tue 18 = 5, Thu 20 = 6
    assert working_days_between(CAL, mon, wib(2026, 8, 20, 8, 0)) == 6
    assert working_days_between(CAL, mon, wib(2026, 8, 1, 8, 0)) == 0
    # received Saturday: Monday is the receipt day
    assert working_days_between(CAL, wib(2026, 8, 8, 9, 0), wib(2026, 8, 10, 15, 0)) == 0
    assert working_days_between(CAL, wib(2026, 8, 8, 9, 0), wib(2026, 8, 11, 8, 0)) == 1


def test_add_working_days() -> None:
    assert add_working_days(CAL, wib(2026, 8, 10, 10, 0), 3) == wib(2026, 8, 13, 16, 0)
    assert add_working_days(CAL, wib(2026, 8, 10, 10, 0), 0) == wib(2026, 8, 10, 16, 0)
    # received Monday evening → receipt day Tuesday → Friday's closing
    assert add_working_days(CAL, wib(2026, 8, 10, 18, 0), 3) == wib(2026, 8, 14, 11, 0)
    # received Thursday 13 → Fri 14, (Mon 17 holiday) Tue 18, (Wed 19 holiday) Thu 20
    assert add_working_days(CAL, wib(2026, 8, 13, 9, 0), 3) == wib(2026, 8, 20, 16, 0)


def test_is_working_time() -> None:
    assert is_working_time(CAL, wib(2026, 8, 10, 7, 30))
    assert is_working_time(CAL, wib(2026, 8, 10, 16, 0))
    assert not is_working_time(CAL, wib(2026, 8, 10, 16, 1))
    assert not is_working_time(CAL, wib(2026, 8, 7, 11, 30))  # Friday afternoon
    assert not is_working_time(CAL, wib(2026, 8, 17, 9, 0))  # holiday


# --- sla_status -------------------------------------------------------------------------------


def test_sla_status_on_time() -> None:
    st_ = status("PARAF KABAG", wib(2026, 8, 11, 9, 0), wib(2026, 8, 10, 8, 0), wib(2026, 8, 11, 9, 5))
    assert st_.deadline == wib(2026, 8, 11, 9, 10)
    assert st_.late_by == timedelta(0)
    assert not st_.is_late
    assert st_.age_working_days == 1
    assert st_.verify_deadline == wib(2026, 8, 13, 16, 0)
    assert st_.settle_deadline == wib(2026, 10, 9, 8, 0)
    assert not st_.settle_overdue
    assert st_.label() == "Tepat waktu (batas 11-08-2026 09:10)"


def test_sla_status_late_by_is_working_time() -> None:
    # entered PARAF KASUBAG TU Friday 10:50 → deadline 11:00; now Monday 09:15
    st_ = status("PARAF KASUBAG TU", wib(2026, 8, 7, 10, 50), wib(2026, 8, 7, 10, 0), wib(2026, 8, 10, 9, 15))
    assert st_.deadline == wib(2026, 8, 7, 11, 0)
    assert st_.late_by == timedelta(hours=1, minutes=45)
    assert st_.is_late
    assert st_.label() == "Terlambat 1 jam 45 menit"


def test_sla_status_past_deadline_after_hours_is_not_yet_late() -> None:
    # due at Tuesday 16:00 closing; at 18:00 no working time has passed
    st_ = status("DISPOSISI KETUA", wib(2026, 8, 11, 15, 50), wib(2026, 8, 11, 8, 0), wib(2026, 8, 11, 18, 0))
    assert st_.deadline == wib(2026, 8, 11, 16, 0)
    assert not st_.is_late and st_.late_by == timedelta(0)
    st2 = status("DISPOSISI KETUA", wib(2026, 8, 11, 15, 50), wib(2026, 8, 11, 8, 0), wib(2026, 8, 12, 7, 31))
    assert st2.is_late and st2.late_by == MIN


def test_sla_status_tindak_lanjut_two_hours() -> None:
    st_ = status("TINDAK LANJUT", wib(2026, 8, 11, 15, 0), wib(2026, 8, 10, 8, 0), wib(2026, 8, 12, 9, 0))
    assert st_.deadline == wib(2026, 8, 12, 8, 30)
    assert st_.late_by == timedelta(minutes=30)


@pytest.mark.parametrize("stage", ["DITERIMA", "SELESAI", "PERLU KELENGKAPAN", "DITOLAK"])
def test_sla_status_without_standard(stage: str) -> None:
    st_ = status(stage, wib(2026, 8, 11, 9, 0), wib(2026, 8, 11, 9, 0), wib(2026, 12, 1, 9, 0))
    assert st_.deadline is None and not st_.is_late and st_.late_by == timedelta(0)
    assert st_.label() == "—"
    assert st_.settle_overdue == (stage not in ("SELESAI", "DITOLAK"))


def test_sla_status_configurable_clocks_and_overrides() -> None:
    wf = WF.with_overrides({"PARAF KABAG": {"standard_minutes": 60}})
    entered, received, now = wib(2026, 8, 11, 9, 0), wib(2026, 8, 10, 8, 0), wib(2026, 8, 11, 9, 30)
    st_ = sla_status(CAL, wf, "PARAF KABAG", entered, received, now, verify_days=5, settle_days=30)
    assert st_.deadline == wib(2026, 8, 11, 10, 0)
    assert st_.verify_deadline == wib(2026, 8, 18, 16, 0)  # Mon 17 is a holiday
    assert st_.settle_deadline == wib(2026, 9, 9, 8, 0)


def test_sla_status_utc_inputs() -> None:
    st_ = sla_status(
        CAL, WF, "PARAF KABAG",
        datetime(2026, 8, 11, 2, 0, tzinfo=UTC),  # 09:00 WIB
        datetime(2026, 8, 10, 1, 0, tzinfo=UTC),
        datetime(2026, 8, 11, 3, 0, tzinfo=UTC),  # 10:00 WIB
    )  # fmt: skip
    assert st_.deadline == wib(2026, 8, 11, 9, 10)
    assert st_.late_by == timedelta(minutes=50)


def test_sla_status_calendar_note() -> None:
    cal = load_calendar()
    ok = sla_status(
        cal, WF, "PARAF KABAG", wib(2026, 8, 11, 9, 0), wib(2026, 8, 10, 8, 0), wib(2026, 8, 11, 9, 5)
    )
    assert ok.calendar_note == ""
    late = sla_status(
        cal, WF, "PARAF KABAG", wib(2027, 2, 2, 9, 0), wib(2027, 2, 1, 8, 0), wib(2027, 2, 2, 9, 5)
    )
    assert late.calendar_note == "kalender libur belum diisi untuk 2027"


def test_sla_status_refuses_dikembalikan() -> None:
    with pytest.raises(ValueError):
        status("DIKEMBALIKAN", wib(2026, 8, 11, 9), wib(2026, 8, 11, 9), wib(2026, 8, 11, 9))


# --- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(0), "0 menit"),
        (timedelta(seconds=20), "kurang dari 1 menit"),
        (timedelta(seconds=40), "1 menit"),
        (timedelta(minutes=45), "45 menit"),
        (timedelta(hours=3), "3 jam"),
        (timedelta(hours=2, minutes=15), "2 jam 15 menit"),
        (timedelta(hours=2, minutes=14, seconds=31), "2 jam 15 menit"),
        (timedelta(hours=30, minutes=5), "30 jam 5 menit"),
        (-timedelta(minutes=5), "-5 menit"),
    ],
)
def test_format_duration_id(td: timedelta, text: str) -> None:
    assert format_duration_id(td) == text


def test_format_working_days_id() -> None:
    assert format_working_days_id(3) == "3 hari kerja"
    assert format_working_days_id(1.5) == "1,5 hari kerja"


# --- holidays file and calendar config -----------------------------------------------------------


def test_shipped_holiday_files_are_identical() -> None:
    config_copy = ROOT / "config" / "hari_libur.toml"
    assert default_holidays_path().read_bytes() == config_copy.read_bytes()


def test_shipped_2026_list() -> None:
    hf = load_holiday_file(default_holidays_path())
    assert hf.covered_years == frozenset({2026})
    d26 = sorted(d for d in hf.dates if d.year == 2026)
    assert len(d26) == 25  # 17 libur nasional + 8 cuti bersama (SKB 3 Menteri 2026)
    cuti = sorted(d for h in hf.entries if h.jenis == "cuti bersama" for d in h.dates())
    assert cuti == [
        date(2026, 2, 16), date(2026, 3, 18), date(2026, 3, 20), date(2026, 3, 23),
        date(2026, 3, 24), date(2026, 5, 15), date(2026, 5, 28), date(2026, 12, 24),
    ]  # fmt: skip
    # weekdays as printed in the SKB (catches typos in the file)
    hari = {"Sen": 0, "Sel": 1, "Rab": 2, "Kam": 3, "Jum": 4, "Sab": 5, "Min": 6}
    printed = {
        date(2026, 1, 1): "Kam", date(2026, 1, 16): "Jum", date(2026, 2, 17): "Sel",
        date(2026, 3, 19): "Kam", date(2026, 3, 21): "Sab", date(2026, 3, 22): "Min",
        date(2026, 4, 3): "Jum", date(2026, 4, 5): "Min", date(2026, 5, 1): "Jum",
        date(2026, 5, 14): "Kam", date(2026, 5, 27): "Rab", date(2026, 5, 31): "Min",
        date(2026, 6, 1): "Sen", date(2026, 6, 16): "Sel", date(2026, 8, 17): "Sen",
        date(2026, 8, 25): "Sel", date(2026, 12, 25): "Jum",
    }  # fmt: skip
    for d, name in printed.items():
        assert d in hf.dates and d.weekday() == hari[name], d
    assert date(2027, 1, 1) in hf.dates


def test_shipped_calendar_covers() -> None:
    cal = load_calendar()
    assert cal.covers(2026) and cal.covers(date(2026, 5, 1))
    assert not cal.covers(2027)
    assert cal.coverage_note(2026, date(2027, 3, 1)) == "kalender libur belum diisi untuk 2027"
    # Eid 2026: Thursday 19 Mar (Nyepi) … Tuesday 24 Mar closed; Wed 18 cuti → from Tue 17
    assert add_working_time(cal, wib(2026, 3, 17, 15, 55), 10 * MIN) == wib(2026, 3, 25, 7, 35)
    # 31 Dec 2026 evening → Monday 4 Jan 2027 (1 Jan holiday)
    assert add_working_time(cal, wib(2026, 12, 31, 20, 0), 10 * MIN) == wib(2027, 1, 4, 7, 40)


def test_load_holidays_ranges_and_strings(tmp_path: Path) -> None:
    p = tmp_path / "libur.toml"
    p.write_text(
        """
[[libur]]
tanggal = 2030-12-25
nama = "Hari Raya Natal"

[[libur]]
tanggal = "2030-04-01"
sampai = 2030-04-03
nama = "Cuti bersama"
""",
        encoding="utf-8",
    )
    assert load_holidays(p) == frozenset(
        {date(2030, 12, 25), date(2030, 4, 1), date(2030, 4, 2), date(2030, 4, 3)}
    )
    assert load_holiday_file(p).covered_years == frozenset({2030})


@pytest.mark.parametrize(
    "body",
    [
        "[[libur]]\nnama = 'tanpa tanggal'\n",
        "[[libur]]\ntanggal = 'besok'\n",
        "[[libur]]\ntanggal = 2030-04-03\nsampai = 2030-04-01\n",
        "[[libur]]\ntanggal = 2030-04-03T10:00:00\n",
        "libur = 3\n",
        "tahun_lengkap = 2030\n",
        "[[libur]\n",
    ],
)
def test_load_holidays_errors(tmp_path: Path, body: str) -> None:
    p = tmp_path / "libur.toml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_holidays(p)
    assert str(p) in str(ei.value)


def test_load_holidays_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tidak ditemukan"):
        load_holidays(tmp_path / "tidak-ada.toml")


def test_parse_office_hours_and_calendar_validation() -> None:
    hours = parse_office_hours({"jumat": "07:30-11:30", "Sabtu": "08:00–12:00", "senin": "libur"})
    assert hours[4] == (time(7, 30), time(11, 30))
    assert hours[5] == (time(8, 0), time(12, 0))
    assert hours[0] is None
    cal = OfficeCalendar(hours=hours)
    # Saturday now open
    assert add_working_time(cal, wib(2026, 8, 7, 11, 25), 10 * MIN) == wib(2026, 8, 8, 8, 5)
    with pytest.raises(ConfigError):
        parse_office_hours({"ahad": "07:00-08:00"})
    with pytest.raises(ConfigError):
        parse_office_hours({"senin": "pagi"})
    with pytest.raises(ConfigError):
        OfficeCalendar(hours=(None,) * 7)
    with pytest.raises(ConfigError):
        OfficeCalendar(hours=((time(16), time(7, 30)),) + (None,) * 6)
    with pytest.raises(ConfigError):
        OfficeCalendar(tz="Asia/Mojokerto")


# --- properties -------------------------------------------------------------------------------

SHIPPED = load_calendar()
SATURDAYS = OfficeCalendar(hours=parse_office_hours({"sabtu": "08:00-12:00"}))
calendars = st.sampled_from([CAL, SHIPPED, SATURDAYS])
starts = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([WIB, UTC]),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=starts, duration=durations)
def test_property_round_trip_and_deadline_in_office_hours(
    cal: OfficeCalendar, start: datetime, duration: timedelta
) -> None:
    deadline = add_working_time(cal, start, duration)
    assert deadline.tzinfo is not None and deadline.utcoffset() == timedelta(hours=7)
    assert deadline >= start
    assert working_time_between(cal, start, deadline) == duration
    assert is_working_time(cal, deadline)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=starts, d1=durations, d2=durations)
def test_property_monotonic_and_additive(
    cal: OfficeCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    a = add_working_time(cal, start, d1)
    b = add_working_time(cal, start, d1 + d2)
    assert a <= b
    assert add_working_time(cal, a, d2) == b
    total = working_time_between(cal, start, b)
    assert working_time_between(cal, start, a) + working_time_between(cal, a, b) == total


def _naive_working_days(cal: OfficeCalendar, start: datetime, end: datetime) -> int:
    """Reference: walk day by day (what the table-based count must equal)."""
    first = next_opening(cal, start).date()
    b = end.astimezone(WIB)
    count, d = 0, first + timedelta(days=1)
    while d <= b.date():
        iv = cal.interval(d)
        if iv is not None and iv[0] <= b:
            count += 1
        d += timedelta(days=1)
    return count


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 11, 1), max_value=datetime(2027, 2, 1)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=420)),
)
def test_working_days_between_equals_a_day_by_day_count(start: datetime, span: timedelta):
    a = start.replace(tzinfo=WIB)
    assert working_days_between(CAL, a, a + span) == _naive_working_days(CAL, a, a + span)
    assert working_days_between(CAL, a + span, a) == 0 or span == timedelta(0)
