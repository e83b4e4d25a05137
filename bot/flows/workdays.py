"""Indonesian working days: Monday to Friday, minus national holidays and cuti bersama.

From the ``holidays`` package (public and government categories: the latter holds the
joint leave days, cuti bersama). Nudges go out only on working days, 07:00-20:00 local.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import holidays

WORK_START = time(7, 0)
WORK_END = time(20, 0)


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year, categories=("public", "government"))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def first_working_day_from(day: date, limit: int = 14) -> date | None:
    for offset in range(limit):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    return None


def add_working_days(day: date, count: int) -> date:
    current = day
    while count > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def within_working_hours(local: datetime) -> bool:
    return WORK_START <= local.time() < WORK_END
