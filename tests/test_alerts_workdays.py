"""Working-day deadlines: weekends skipped, holidays and make-up workdays honoured when given."""

from __future__ import annotations

from datetime import date

from pipelines.workdays import add_working_days


def test_friday_plus_one_working_day_is_monday() -> None:
    assert add_working_days(date(2024, 3, 1), 1) == date(2024, 3, 4)


def test_saturday_run_counts_from_monday() -> None:
    assert add_working_days(date(2024, 3, 2), 1) == date(2024, 3, 4)


def test_ten_working_days_span_two_weekends() -> None:
    assert add_working_days(date(2024, 3, 4), 10) == date(2024, 3, 18)


def test_holidays_and_makeup_workdays() -> None:
    # Qingming 2024: Thu 4 - Sat 6 April off, Sunday 7 April worked instead.
    off = {date(2024, 4, 4), date(2024, 4, 5)}
    assert add_working_days(date(2024, 4, 3), 1, off, {date(2024, 4, 7)}) == date(2024, 4, 7)
    assert add_working_days(date(2024, 4, 3), 1, off) == date(2024, 4, 8)
