"""Programme weeks in each person's own time zone.

A week runs Monday to Sunday on the person's wall clock (WIB, WITA or WIT). Its reflection
is due by the end of the programme's reflection day in that week; later is allowed and
marked late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

# Working days by name, English or Indonesian (programme reflection day, digest day).
WEEKDAYS = {
    "monday": 0,
    "senin": 0,
    "tuesday": 1,
    "selasa": 1,
    "wednesday": 2,
    "rabu": 2,
    "thursday": 3,
    "kamis": 3,
    "friday": 4,
    "jumat": 4,
    "jum'at": 4,
}


def local_datetime(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


def local_date(at: datetime, zone: str) -> date:
    return local_datetime(at, zone).date()


def week_start(at: datetime, zone: str) -> date:
    """Monday of the week ``at`` falls in, on the person's calendar."""
    day = local_date(at, zone)
    return day - timedelta(days=day.weekday())


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The instant a wall clock in ``zone`` shows ``at`` on ``day``."""
    return datetime.combine(day, at).replace(tzinfo=ZoneInfo(zone))


def due_at(week: date, reflection_weekday: int, zone: str) -> datetime:
    """The instant (UTC) a week's reflection becomes late: midnight after the reflection day."""
    return local_instant(
        week + timedelta(days=reflection_weekday + 1), time(0, 0), zone
    ).astimezone(UTC)


def counts(week: date, reflection_weekday: int, starts_on: date) -> bool:
    """Whether a week owes a reflection: not when the programme started after its day."""
    return week + timedelta(days=reflection_weekday) >= starts_on


@lru_cache(maxsize=1024)
def weeks_between(first: date, last: date) -> tuple[date, ...]:
    """Mondays of every week from the one holding ``first`` to the one holding ``last``
    (cached: a digest asks the same span for every member of a programme)."""
    start = first - timedelta(days=first.weekday())
    found = []
    while start <= last:
        found.append(start)
        start += timedelta(days=7)
    return tuple(found)


def parse_date(text: str) -> date | None:
    """A calendar day as people type it: 2026-12-07, 07-12-2026, 07/12/2026, 07.12.2026."""
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None
