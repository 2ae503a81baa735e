"""Timestamp parsing: every shape the sources deliver, and the impossible ones."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from siapmas_sync.core.intake.timestamps import TimestampError, parse_timestamp

WIB = ZoneInfo("Asia/Jakarta")
UTC = ZoneInfo("UTC")
EXPECTED = datetime(2026, 11, 28, 14, 5, 33, tzinfo=WIB)


@pytest.mark.parametrize(
    "value",
    [
        "28/11/2026 14.05.33",  # Indonesian locale (Sheets id_ID)
        "28/11/2026 14:05:33",
        "28-11-2026 14:05:33",
        "28.11.2026 14.05.33",
        " 28/11/2026\u00a014.05.33\u00a0",  # NBSP from copy/paste
        "2026/11/28 2:05:33 PM GMT+7",  # Forms CSV download
        "2026/11/28 2:05:33 pm GMT+07:00",
        "2026/11/28 2:05:33\u202fPM GMT+7",  # narrow NBSP before PM (newer ICU)
        "2026/11/28 7:05:33 AM GMT",
        "2026/11/28 4:05:33 AM GMT-3",
        "2026/11/28 14:05:33 UTC+7",
        "2026-11-28T14:05:33+07:00",  # ISO 8601
        "2026-11-28T07:05:33Z",
        "2026-11-28T07:05:33.000Z",
        "2026-11-28 14:05:33",  # ISO without offset: sheet wall time
        "2026-11-28 14:05:33 GMT+7",
        "28/11/2026 14.05.33 WIB",
        "28 November 2026 14.05.33",
        "Sabtu, 28 Nop 2026 14:05:33",
        datetime(2026, 11, 28, 14, 5, 33),  # naive, as openpyxl returns
        datetime(2026, 11, 28, 7, 5, 33, tzinfo=timezone.utc),
    ],
)
def test_same_instant_in_every_shape(value: object) -> None:
    got = parse_timestamp(value, tz=WIB)
    assert got == EXPECTED
    assert got.tzinfo is not None and got.utcoffset() == timedelta(hours=7)


def test_us_locale_month_first() -> None:
    assert parse_timestamp("11/28/2026 14:05:33", tz=WIB, day_first=False) == EXPECTED
    assert parse_timestamp("11/28/2026 2:05:33 PM", tz=WIB, day_first=False) == EXPECTED


def test_order_is_configuration_not_guessed() -> None:
    # 03/04 is 3 April under day-first, 4 March under month-first.
    assert parse_timestamp("03/04/2026 10.00.00", tz=WIB).date() == date(2026, 4, 3)
    assert parse_timestamp("03/04/2026 10:00:00", tz=WIB, day_first=False).date() == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("value", "day_first", "needle"),
    [
        ("31/02/2026 10.00.00", True, "format tanggal DD/MM/YYYY"),
        ("28/11/2026 14:05:33", False, "format tanggal MM/DD/YYYY"),  # month 28: no swap
        ("13/13/2026", True, "bulan 13 tidak ada"),
        ("2026-02-30T10:00:00", True, "tidak ada"),
        ("28/11/2026 25.00.00", True, "jam"),
        ("2026/11/28 13:05:33 PM GMT+7", True, "AM/PM"),
        ("kemarin sore", True, "format tanggal DD/MM/YYYY"),
        ("28/11/2026 14:05:33 GMT+99", True, "zona waktu"),
        ("", True, "kosong"),
        ("   \u00a0", True, "kosong"),
        (None, True, "kosong"),
        (True, True, "bukan tanggal"),
        (float("nan"), True, "nomor seri"),
        (-5, True, "nomor seri"),
        ("x" * 500, True, "bukan tanggal"),
    ],
)
def test_rejected(value: object, day_first: bool, needle: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_timestamp(value, tz=WIB, day_first=day_first)
    assert isinstance(exc.value, TimestampError)
    assert needle in exc.value.reason
    assert "tidak dapat dibaca" in str(exc.value)


def test_impossible_date_message_matches_row_error_style() -> None:
    with pytest.raises(TimestampError) as exc:
        parse_timestamp("31/02/2026 10.00.00", tz=WIB)
    assert str(exc.value).startswith("Stempel waktu '31/02/2026 10.00.00' tidak dapat dibaca (format tanggal DD/MM/YYYY")


def test_serial_numbers() -> None:
    serial_day = (date(2026, 11, 28) - date(1899, 12, 30)).days
    frac = (14 * 3600 + 5 * 60 + 33) / 86400
    assert parse_timestamp(serial_day + frac, tz=WIB) == EXPECTED
    assert parse_timestamp(serial_day, tz=WIB) == datetime(2026, 11, 28, tzinfo=WIB)
    assert parse_timestamp(f"{serial_day + frac:.10f}", tz=WIB) == EXPECTED
    # float noise rounds to the nearest second
    assert parse_timestamp(serial_day + frac - 1e-9, tz=WIB) == EXPECTED


def test_serial_and_naive_use_sheet_zone() -> None:
    serial = (date(2026, 11, 28) - date(1899, 12, 30)).days + 7 / 24  # 07:00 sheet time
    got = parse_timestamp(serial, tz=WIB, sheet_tz=UTC)
    assert got == datetime(2026, 11, 28, 14, 0, tzinfo=WIB)
    naive = parse_timestamp(datetime(2026, 11, 28, 7, 5, 33), tz=WIB, sheet_tz=UTC)
    assert naive == EXPECTED and naive.tzinfo == WIB
    text = parse_timestamp("28/11/2026 07.05.33", tz=WIB, sheet_tz=UTC)
    assert text == EXPECTED


def test_explicit_offset_wins_over_sheet_zone() -> None:
    got = parse_timestamp("2026/11/28 2:05:33 PM GMT+7", tz=WIB, sheet_tz=UTC)
    assert got == EXPECTED


def test_dates_without_time() -> None:
    midnight = datetime(2026, 11, 28, tzinfo=WIB)
    assert parse_timestamp("28/11/2026", tz=WIB) == midnight
    assert parse_timestamp("2026-11-28", tz=WIB) == midnight
    assert parse_timestamp(date(2026, 11, 28), tz=WIB) == midnight
    assert parse_timestamp("28/11/26", tz=WIB) == midnight


def test_converted_to_configured_zone() -> None:
    got = parse_timestamp("2026-11-28T14:05:33+07:00", tz=UTC)
    assert got.tzinfo == UTC and got.hour == 7


def test_midnight_and_noon_am_pm() -> None:
    assert parse_timestamp("2026/11/28 12:00:00 AM GMT+7", tz=WIB).hour == 0
    assert parse_timestamp("2026/11/28 12:00:00 PM GMT+7", tz=WIB).hour == 12


@pytest.mark.parametrize("value", [datetime(1, 1, 1), datetime(9999, 12, 31, 23), "01/01/0001", 1])
def test_years_out_of_range(value: object) -> None:
    with pytest.raises(TimestampError, match="jangkauan"):
        parse_timestamp(value, tz=WIB)
