"""Plausible limits on the numbers people type, in one place.

A number outside these is a typo or mischief, not a fact: refusing it (and saying the limit)
keeps one "100" from turning a mentee's JP total into nonsense. The limits are the ones a
civil servant would expect from their own working week.
"""

from __future__ import annotations

from datetime import date

MAX_WEEK_HOURS = 40  # development hours in one week: at most a full working week
MAX_WEEK_MINUTES = MAX_WEEK_HOURS * 60
MAX_SESSION_HOURS = 8  # one mentoring session: at most a working day
MAX_SESSION_MINUTES = MAX_SESSION_HOURS * 60
MAX_SESSION_DAYS_BACK = 60  # a session is logged within two months of holding it
MAX_PROGRAMME_DAYS = 2 * 366  # a programme lasts at most two years
MAX_START_DAYS_AWAY = 366  # a programme made in chat starts within a year of today
MAX_PAUSE_DAYS = 366  # reminders are paused for at most a year
FIRST_YEAR, LAST_YEAR = 2000, 2100  # any programme date outside these is a typo


def small_number(text: str, digits: int = 6) -> int | None:
    """A whole number of at most ``digits`` ASCII digits, else None: ``str.isdigit`` also
    accepts "²" and "٣", which ``int`` refuses, and a 5000-digit number is nothing sensible
    (``int`` refuses over 4300 digits)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None


def plausible_year(day: date) -> bool:
    """Whether ``day`` could be a programme date at all (and leaves room for date sums)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


# The limits as catalogue values: a refusal message states the limit it enforces.
SHOWN: dict[str, int] = {
    "max_week_hours": MAX_WEEK_HOURS,
    "max_session_hours": MAX_SESSION_HOURS,
    "max_session_days_back": MAX_SESSION_DAYS_BACK,
    "max_start_days_away": MAX_START_DAYS_AWAY,
    "first_year": FIRST_YEAR,
    "last_year": LAST_YEAR,
}
