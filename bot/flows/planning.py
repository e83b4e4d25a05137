"""Send-time planning: a population's nudges spread over their window, not all at 09:00.

Telegram lets a bot send about 29 messages a second in all (``bot.send_limits``), so a
Friday reflection nudge to 900 000 mentees takes 8.6 hours however it is queued. Queued at
once, the last arrive in the evening and everything else the bot sends unprompted (a
pairing notice, a review's result, a digest) waits behind them. Instead each nudge gets its
own ``not_before``: minute by minute from the tick that found it due, at
:data:`PLANNED_RATE` a second minus what the outbox already holds for that minute (a
Monday digest, another programme's nudges, retries), so the sender is never handed more
than the plan and the rest of the ceiling stays free.

The window is the recipient's own working day: from the tick (09:00 for a reflection
nudge, in their zone, WIB, WITA or WIT) to :data:`bot.flows.workdays.WORK_END` local. The
nudges whose window ends first are planned first (WIT before WITA before WIB).

When the window cannot hold them all, the overflow is planned **straight after the
window, at the same rate**, not on the next working day: a reflection "due today" notice
is about today, and one arriving on Monday about Friday would be wrong and would collide
with Monday's own nudges. The operator is told: ``pembina jobs tick`` prints how many go
late and when the last one goes (:class:`Late`), and the bot logs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.flows import weeks, workdays

SEND_CEILING = 29.0
"""Messages a second Telegram allows the whole bot (``bot.send_limits.PER_SECOND``; not
imported, flows do not import the Telegram side; a test checks they agree)."""

NUDGE_SHARE = 0.8
"""The share of the ceiling planned ahead for nudges and whatever else already waits in
the outbox. The other fifth (about six messages a second) is headroom for what nobody can
plan: replies to people who just wrote (the limiter sends them first, so without headroom
every reply would push the plan later) and notices queued as things happen (a pairing, a
review's result). At 80 % a WIB window of 09:00-20:00 holds 918 720 nudges, a national
Friday for 900 000 mentees."""

PLANNED_RATE = SEND_CEILING * NUDGE_SHARE
SLOT = timedelta(minutes=1)  # the plan's grain: each minute gets its share of the rate
HORIZON = timedelta(hours=36)  # how far ahead the outbox is asked about (a window is 13 h)
_EPSILON = 1e-6  # float noise in rate × 60 must not add or drop a message a minute


@dataclass(frozen=True, slots=True)
class Late:
    """Nudges to one zone that did not fit in their window: they go after it."""

    zone: str
    count: int
    window_start: datetime
    window_end: datetime
    last: datetime  # when the last of them is planned to go


def window_end(now: datetime, zone: str) -> datetime:
    """The end of today's working hours on ``zone``'s wall clock."""
    return weeks.local_instant(weeks.local_date(now, zone), workdays.WORK_END, zone)


def plan(
    now: datetime,
    zones: Sequence[str],
    *,
    rate: float,
    backlog: int = 0,
    load: dict[datetime, int] | None = None,
) -> list[datetime]:
    """A ``not_before`` for each of ``len(zones)`` nudges (each to someone in that zone),
    in the given order.

    Minute by minute from ``now``, the sender can take ``rate × 60`` planned messages; the
    ``backlog`` (due already, not sent yet) and the ``load`` (waiting rows by the minute
    they fall due) take theirs first, and what they leave over goes to the nudges. The
    nudges whose window ends first are planned first; people in one zone keep their order.
    With free minutes the plan is ``rate`` a minute apart: the first at ``now``.
    """
    count = len(zones)
    if count == 0:
        return []
    ends = {zone: window_end(now, zone) for zone in set(zones)}
    order = sorted(range(count), key=lambda i: ends[zones[i]])
    waiting = _by_slot(now, load or {})
    capacity = rate * SLOT.total_seconds()
    slots: list[datetime] = [now] * count
    carry, credit, placed, minute = float(backlog), 0.0, 0, 0
    while placed < count:
        demand = carry + waiting.get(minute, 0)
        used = min(capacity, demand)
        carry = demand - used
        credit += capacity - used
        take = min(count - placed, math.ceil(credit - _EPSILON)) if credit > _EPSILON else 0
        at = now + minute * SLOT
        for index in order[placed : placed + take]:
            slots[index] = at
        placed += take
        credit -= take
        minute += 1
    return slots


def _by_slot(now: datetime, load: dict[datetime, int]) -> dict[int, int]:
    """Waiting rows by the plan's minute (0 = the minute starting ``now``)."""
    found: dict[int, int] = {}
    for at, rows in load.items():
        minute = max(0, int((at - now) // SLOT))
        found[minute] = found.get(minute, 0) + rows
    return found


def late(now: datetime, zones: Sequence[str], slots: Sequence[datetime]) -> list[Late]:
    """The nudges planned at or after the end of their window, by zone."""
    ends = {zone: window_end(now, zone) for zone in set(zones)}
    counts: dict[str, int] = {}
    lasts: dict[str, datetime] = {}
    for zone, at in zip(zones, slots, strict=True):
        if at >= ends[zone]:
            counts[zone] = counts.get(zone, 0) + 1
            lasts[zone] = max(at, lasts.get(zone, at))
    found = [Late(zone, counts[zone], now, ends[zone], lasts[zone]) for zone in counts]
    return sorted(found, key=lambda item: item.window_end)
