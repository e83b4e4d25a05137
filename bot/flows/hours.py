"""Reading "hours spent" the way people type it: ``2``, ``1,5``, ``1.5``, ``90 menit``,
``1 jam 30 menit``, ``1j30m``, ``2 hours``, ``1 hour 30 minutes``.

A bare number is hours (the question asks for hours). The result is whole minutes.
"""

from __future__ import annotations

import re

MAX_MINUTES = 100 * 60  # more than 100 hours in a week is a typo, not a week
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_HOUR_WORDS = r"(?:jam|j|hours?|hrs?|h)"
_MINUTE_WORDS = r"(?:menit|mnt|m|minutes?|mins?)"
_FULL = re.compile(
    rf"^(?:{_NUMBER}\s*{_HOUR_WORDS})?\s*(?:{_NUMBER}\s*{_MINUTE_WORDS})?$", re.IGNORECASE
)
_BARE = re.compile(rf"^{_NUMBER}$")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_minutes(text: str) -> int | None:
    """Minutes in ``text``, or None when it is not a duration we understand (or is absurd)."""
    cleaned = " ".join(text.strip().lower().replace("dan", " ").replace("and", " ").split())
    if not cleaned:
        return None
    bare = _BARE.match(cleaned)
    if bare:
        minutes = _number(bare.group(1)) * 60
    else:
        full = _FULL.match(cleaned)
        if full is None or not (full.group(1) or full.group(2)):
            return None
        hours = _number(full.group(1)) if full.group(1) else 0.0
        mins = _number(full.group(2)) if full.group(2) else 0.0
        minutes = hours * 60 + mins
    rounded = round(minutes)
    if not 0 < rounded <= MAX_MINUTES:
        return None
    return rounded


def format_minutes(minutes: int) -> tuple[int, int]:
    """(hours, minutes) for display: 90 -> (1, 30)."""
    return divmod(minutes, 60)


JP_MINUTES = 45  # 1 JP (jam pelajaran) is 45 minutes


def jp(minutes: int) -> float:
    """JP earned for ``minutes`` of learning, to one decimal."""
    return round(minutes / JP_MINUTES, 1)
