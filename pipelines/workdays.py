"""Working-day arithmetic for response deadlines (DOMAIN.md section 4: 1, 5 or 10 working days).

By default only Saturdays and Sundays are rest days. China's public holidays and the weekend days
worked in exchange for them (调休) move every year by State Council notice; a deployment that needs
them passes both sets in, rather than this module guessing a calendar.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def is_working_day(
    day: date, holidays: Collection[date] = (), extra_workdays: Collection[date] = ()
) -> bool:
    """Whether `day` is a working day: a weekday that is no holiday, or a make-up workday."""
    if day in extra_workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: date, days: int, holidays: Collection[date] = (), extra_workdays: Collection[date] = ()
) -> date:
    """The date `days` working days after `start` (`start` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, left = start, days
    while left:
        current += timedelta(days=1)
        if is_working_day(current, holidays, extra_workdays):
            left -= 1
    return current
