"""Working-day arithmetic for response deadlines (1, 5 or 10 working days).

China's public holidays and the weekend days worked in exchange for them (调休) are set every year
by State Council notice, so they come from the maintained `chinesecalendar` package rather than
from a rule of ours. That package knows only the years whose notice it carries: a date outside
them counts Monday to Friday with a logged warning (strict callers get `CalendarRangeError`).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from pipelines.errors import CredsweepError

log = logging.getLogger(__name__)


class CalendarRangeError(CredsweepError):
    """A date outside the years the official holiday calendar covers (strict mode only)."""


@lru_cache(maxsize=1)
def calendar_years() -> tuple[int, int]:
    """First and last year the installed holiday calendar covers."""
    # cached: every day a deadline counts asks, and the installed tables never change in a
    # process (a min and max over them every day made a ten-day deadline cost milliseconds)
    from chinese_calendar import constants

    known = [*constants.holidays, *constants.workdays]
    return min(known).year, max(known).year


def calendar_covers(day: date) -> bool:
    """Whether the installed holiday calendar knows `day`'s year."""
    first, last = calendar_years()
    return first <= day.year <= last


@lru_cache(maxsize=64)
def _warn_once(year: int) -> None:
    first, last = calendar_years()
    log.warning(
        "working-day calendar covers %s-%s only: %s counted Monday to Friday until "
        "chinesecalendar is upgraded (deadlines in it are provisional)",
        first,
        last,
        year,
    )


def is_working_day(day: date, *, strict: bool = False) -> bool:
    """Whether `day` is an official working day (make-up weekend days included).

    A year the installed calendar does not know yet (its State Council notice comes each
    November) counts Monday to Friday, with one warning per year, so a night in late December is
    never stopped by the next year's missing notice; `strict` raises `CalendarRangeError`
    instead.
    """
    if not calendar_covers(day):
        if strict:
            first, last = calendar_years()
            raise CalendarRangeError(
                f"工作日历仅覆盖 {first}-{last} 年，无法计算 {day.isoformat()} 的工作日"
                f" (working-day calendar covers {first}-{last}; upgrade chinesecalendar)"
            )
        _warn_once(day.year)
        return day.weekday() < 5
    return _official_workday(day)


@lru_cache(maxsize=4096)
def _official_workday(day: date) -> bool:
    # the package checks its whole range on every call (tens of microseconds a day); a deadline
    # counts up to thirty days, on every intercept the desk answers
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
