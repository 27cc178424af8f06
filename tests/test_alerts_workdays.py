"""Working-day deadlines on the official calendar: holidays skipped, make-up days worked."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.runtime.workdays import (
    CalendarRangeError,
    add_working_days,
    calendar_years,
    is_working_day,
    working_days_between,
)


def test_friday_plus_one_working_day_is_monday() -> None:
    assert add_working_days(date(2024, 3, 1), 1) == date(2024, 3, 4)


def test_saturday_run_counts_from_monday() -> None:
    assert add_working_days(date(2024, 3, 2), 1) == date(2024, 3, 4)


def test_ten_working_days_span_two_weekends() -> None:
    assert add_working_days(date(2024, 3, 4), 10) == date(2024, 3, 18)


def test_qingming_holiday_and_makeup_sunday() -> None:
    # Qingming 2024: Thu 4 - Sat 6 April off, Sunday 7 April worked instead.
    assert not is_working_day(date(2024, 4, 4))
    assert is_working_day(date(2024, 4, 7))
    assert add_working_days(date(2024, 4, 3), 1) == date(2024, 4, 7)


def test_national_day_2025_week_is_skipped() -> None:
    # 1-8 October 2025 off; Sunday 28 September and Saturday 11 October worked.
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3


def test_spring_festival_2026_deadline_lands_after_the_holiday() -> None:
    # 15-23 February 2026 off; Saturday 14 February and Saturday 28 February worked.
    assert is_working_day(date(2026, 2, 14))
    assert add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)


def test_outside_the_calendar_years_counts_weekdays_or_fails_when_strict() -> None:
    first, last = calendar_years()
    after = date(last + 1, 1, 5)  # a Monday-to-Friday count, never a stopped night
    assert is_working_day(after) == (after.weekday() < 5)
    assert add_working_days(date(last, 12, 31), 1) > date(last, 12, 31)
    with pytest.raises(CalendarRangeError, match=f"{first}-{last}"):
        is_working_day(after, strict=True)
    with pytest.raises(CalendarRangeError):
        is_working_day(date(first - 1, 6, 1), strict=True)


def test_negative_days_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2024, 3, 1), -1)
