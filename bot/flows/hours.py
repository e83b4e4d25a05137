"""Reading "hours spent" the way people type it: ``2``, ``1,5``, ``1.5``, ``90 menit``,
``1 jam 30 menit``, ``1j30m``, ``2 hours``, ``1 hour 30 minutes``.

A bare number is hours (the question asks for hours), except where it cannot be
(:func:`parse_sitting`). The result is whole minutes.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

# Readings are capped here so that a 400-digit number is merely "too many hours" (each
# caller states its own limit, see bot/flows/limits.py), never an overflow.
CEILING_MINUTES = 1_000_000
_NUMBER = r"([0-9]+(?:[.,][0-9]+)?)"
_HOUR_WORDS = r"(?:jam|j|hours?|hrs?|h)"
_MINUTE_WORDS = r"(?:menit|mnt|m|minutes?|mins?)"
_FULL = re.compile(
    rf"^(?:{_NUMBER}\s*{_HOUR_WORDS})?\s*(?:{_NUMBER}\s*{_MINUTE_WORDS})?$", re.IGNORECASE
)
_BARE = re.compile(rf"^{_NUMBER}$")


def _number(text: str) -> Decimal:
    """Exact decimal arithmetic: no float overflow to infinity, whatever the length."""
    return Decimal(text.replace(",", "."))


def parse_minutes(text: str) -> int | None:
    """Minutes in ``text`` (0 up to :data:`CEILING_MINUTES`), or None when it is not a
    duration we understand. Whether the amount is plausible is the caller's question."""
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
        hours = _number(full.group(1)) if full.group(1) else Decimal(0)
        mins = _number(full.group(2)) if full.group(2) else Decimal(0)
        minutes = hours * 60 + mins
    capped = min(minutes, Decimal(CEILING_MINUTES))
    return int(capped.to_integral_value(rounding=ROUND_HALF_EVEN))


FEWEST_BARE_MINUTES = 15  # "9" is nine hours too many, not a nine-minute session


def parse_sitting(text: str, *, most_hours: int) -> int | None:
    """Minutes of one sitting (a mentoring session). As :func:`parse_minutes`, except that
    a bare whole number too big to be its hours is the minutes people meant: ``60`` for a
    session of at most 8 hours is an hour, not sixty hours to refuse."""
    minutes = parse_minutes(text)
    bare = text.strip()
    smallest = max(most_hours + 1, FEWEST_BARE_MINUTES)
    if minutes is not None and bare.isdigit() and smallest <= int(bare) <= most_hours * 60:
        return int(bare)
    return minutes


def format_minutes(minutes: int) -> tuple[int, int]:
    """(hours, minutes) for display: 90 -> (1, 30)."""
    return divmod(minutes, 60)


JP_MINUTES = 45  # 1 JP (jam pelajaran) is 45 minutes
JP_TARGET = 20  # each civil servant's yearly right to competency development, in JP


def jp(minutes: int, decimals: int = 1) -> float:
    """JP earned for ``minutes`` of learning: one decimal for people to read, two in the
    ledger, whose rows must add up to its totals."""
    return round(minutes / JP_MINUTES, decimals)
