"""Working-day arithmetic for response deadlines (1, 5 or 10 working days).

China's public holidays and the weekend days worked in exchange for them (调休) are set every year
by State Council notice, so they come from the maintained `chinesecalendar` package rather than
from a rule of ours. That package knows only the years whose notice it carries: a date outside
them raises `CalendarRangeError` (one line) instead of silently falling back to weekends.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from pipelines.errors import CredsweepError


class CalendarRangeError(CredsweepError):
    """A date outside the years the official holiday calendar covers."""


def calendar_years() -> tuple[int, int]:
    """First and last year the installed holiday calendar covers."""
    from chinese_calendar import constants

    known = [*constants.holidays, *constants.workdays]
    return min(known).year, max(known).year


def _check(day: date) -> None:
    first, last = calendar_years()
    if not first <= day.year <= last:
        raise CalendarRangeError(
            f"工作日历仅覆盖 {first}-{last} 年，无法计算 {day.isoformat()} 的工作日"
            f" (working-day calendar covers {first}-{last}; upgrade chinesecalendar)"
        )


def is_working_day(day: date) -> bool:
    """Whether `day` is an official working day (make-up weekend days included)."""
    _check(day)
    return bool(chinese_calendar.is_workday(day))


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (`start` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, left = start, days
    while left:
        current += timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` <= `start`)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count
