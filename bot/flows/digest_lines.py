"""Supervisors' digest lines straight from the facts' rows: the Monday run's path.

``bot.flows.digest`` words a unit from ``MenteeProgress`` for /ringkasan (one unit, on
demand, beside /progres). The Monday run builds a province's 100 000 lines, and building
a Person, sets of dates and a MenteeProgress for each was 80 µs of Python a mentee. Here
a mentee's weeks stay the bits ``storage.weekly_facts`` keeps; what a programme owes on a
zone's clock is worked out once per batch as bits too (``progress.window``), so the
streak, last week's tally and the two weeks' states are a few integer operations and a
line is one small dict. ``tests/test_digest3_lines.py`` holds these params equal to the
ones /ringkasan builds, over a seeded varied history.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import weeks
from bot.flows.hours import jp
from bot.flows.progress import WeekState, Window, unreflected, window
from storage import milestone_marks, programmes, weekly_facts
from storage.models import Programme

STALE_REVIEW_DAYS = 7  # a review waiting longer is flagged
YIELD_EVERY = 250  # lines built between two turns of the event loop


@dataclass(slots=True)
class _Columns:
    """How many of many week masks have each week, kept as binary digits (bit-sliced):
    adding a mask carries through a few integers whatever its weeks, so a unit's chart
    costs a few operations a distinct pattern, even when everyone's pattern differs."""

    digits: list[int] = field(default_factory=list)

    def add(self, bits: int, times: int) -> None:
        """Count ``bits`` ``times`` times: a carry from each binary digit of ``times``."""
        digit = 0
        while times:
            if times & 1:
                self._carry(bits, digit)
            times >>= 1
            digit += 1

    def _carry(self, bits: int, digit: int) -> None:
        digits = self.digits
        while bits:
            if digit >= len(digits):
                digits += [0] * (digit - len(digits)) + [bits]
                return
            held = digits[digit]
            digits[digit] = held ^ bits
            bits &= held
            digit += 1

    def counts(self) -> dict[int, int]:
        """bit position -> how many masks had it."""
        every = 0
        for digit in self.digits:
            every |= digit
        found = {}
        while every:
            low = every & -every
            position = low.bit_length() - 1
            found[position] = sum(
                1 << k for k, digit in enumerate(self.digits) if digit >> position & 1
            )
            every ^= low
        return found


@dataclass(slots=True)
class Unit:
    """One supervisor's people as digest facts: their lines, and for the chart each
    line's due weeks and due weeks reflected (bits from each window's base)."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    # (base, due weeks, of them reflected) -> lines: a cohort mostly shares one pattern.
    patterns: Counter[tuple[int, int, int]] = field(default_factory=Counter)

    def owed_last_week(self) -> bool:
        """Whether anyone listed owed (or sent) last week's reflection."""
        return any(line["tally"][0] for line in self.lines)

    def rates(self) -> list[list[Any]]:
        """[ISO Monday, reflected, expected] for every week that counted for someone (as
        ``digest.weekly_rates``)."""
        due: dict[int, _Columns] = {}
        done: dict[int, _Columns] = {}
        for (base, owed, reflected), n in self.patterns.items():
            due.setdefault(base, _Columns()).add(owed, n)
            done.setdefault(base, _Columns()).add(reflected, n)
        expected, reflected_in = _weeks(due), _weeks(done)
        return [[_monday(i).isoformat(), reflected_in[i], expected[i]] for i in sorted(expected)]


def _weeks(columns: dict[int, _Columns]) -> Counter[int]:
    """week index -> count, over every window's base."""
    found: Counter[int] = Counter()
    for base, tally in columns.items():
        for position, n in tally.counts().items():
            found[base + position] += n
    return found


def _monday(index: int) -> date:
    return weekly_facts.EPOCH + timedelta(weeks=index)


@dataclass(frozen=True, slots=True)
class _Shown:
    """What every line of one programme and zone shares at one instant."""

    window: Window
    programme: str
    this_due: str  # ISO due dates of this week and last
    last_due: str
    this_open: str  # states of the two weeks when not reflected
    this_paused: str
    last_open: str
    year: int  # the calendar year JP counts in
    milestones: frozenset[int]


def _shown(programme: Programme, zone: str, now: datetime, milestones: frozenset[int]) -> _Shown:
    w = window(programme, zone, now)
    last = w.this_week - timedelta(days=7)
    day = timedelta(days=programme.reflection_weekday)
    return _Shown(
        w,
        programme.name,
        (w.this_week + day).isoformat(),
        (last + day).isoformat(),
        unreflected(programme, zone, now, w.this_week, False).value,
        unreflected(programme, zone, now, w.this_week, True).value,
        unreflected(programme, zone, now, last, False).value,
        weeks.local_date(now, zone).year,
        milestones,
    )


def _state(done: int, late: int, bit: int, otherwise: str) -> str:
    if done >> bit & 1:
        return WeekState.LATE.value if late >> bit & 1 else WeekState.DONE.value
    return otherwise


async def units(
    conn: AsyncConnection, supervisor_ids: list[int], now: datetime
) -> dict[int, Unit]:
    """Supervisor id -> their people's lines (``digest._line_facts``'s params) in the
    order /ringkasan lists them, from a few statements for the whole batch."""
    rows = await weekly_facts.supervised(conn, supervisor_ids)
    theirs_all = weekly_facts.supervised_people(supervisor_ids)
    years, last_sessions = await weekly_facts.years(conn, theirs_all)
    waiting = await weekly_facts.waiting(conn, theirs_all)
    marks = await milestone_marks.of_people(conn, theirs_all)
    confirmed = {
        person: {m for m, mark in theirs.items() if mark.state == "confirmed"}
        for person, theirs in marks.items()
    }
    every = {p.id: p for p in await programmes.list_programmes(conn)}
    milestones: dict[int, frozenset[int]] = {}
    shown: dict[tuple[int, str], _Shown] = {}
    found: dict[int, Unit] = {}
    none: set[int] = set()
    at, count = 0, len(rows)
    while at < count:
        if at % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # a batch must not hold up people's replies
        row = rows[at]
        person_id, name, unit, zone, status, until, boss, programme_id, block, bits, late = row
        at += 1
        s = shown.get((programme_id, zone))
        if s is None:
            if programme_id not in milestones:
                listed = await programmes.milestones_of(conn, programme_id)
                milestones[programme_id] = frozenset(m.id for m in listed)
            s = _shown(every[programme_id], zone, now, milestones[programme_id])
            shown[(programme_id, zone)] = s
        w = s.window
        done = late_bits = 0
        while True:  # a membership's rows are consecutive, one per 60 weeks reflected
            # (None: nothing reflected; an earlier block than the base: no week shown)
            if block is not None and (shift := block * weekly_facts.BLOCK - w.base) >= 0:
                done |= (bits or 0) << shift
                late_bits |= (late or 0) << shift
            if at == count or rows[at][0] != person_id or rows[at][7] != programme_id:
                break
            block, bits, late = rows[at][8:]
            at += 1
        due = w.owed | (w.open_inside & done)
        missed_in_a_row = (due >> (due & done).bit_length()).bit_count()
        waited = waiting.get((person_id, programme_id), [])
        times = [at for at in waited if at is not None]
        waiting_days = max((now - at).days for at in times) if times else 0
        paused = until is not None and until > now
        year = years.get((person_id, s.year))
        held = last_sessions.get(person_id)
        flags = []
        if missed_in_a_row >= 2:
            flags.append("missed")
        if waiting_days > STALE_REVIEW_DAYS:
            flags.append("review")
        if status == "unreachable":
            flags.append("unreachable")
        theirs = found.get(boss)
        if theirs is None:
            theirs = found[boss] = Unit()
        theirs.lines.append(
            {
                "name": name,
                "unit": unit or "-",
                "programme": s.programme,
                "week": [
                    _state(done, late_bits, w.this_bit, s.this_paused if paused else s.this_open),
                    s.this_due,
                ],
                "last_week": [_state(done, late_bits, w.last_bit, s.last_open), s.last_due],
                "tally": [bool(due >> w.last_bit & 1), bool(done >> w.last_bit & 1)],
                "paused_until": (
                    weeks.local_date(until - timedelta(seconds=1), zone).isoformat()
                    if paused and until is not None
                    else None
                ),
                "streak": (due >> (due & ~done).bit_length()).bit_count(),
                "pending": len(waited),
                "waiting_days": waiting_days,
                "last_session": held.isoformat() if held is not None else None,
                "jp": jp(year.approved_minutes + year.session_minutes if year else 0),
                "flags": flags,
                "milestones": [
                    len(s.milestones & confirmed.get(person_id, none)),
                    len(s.milestones),
                ],
            }
        )
        theirs.patterns[(w.base, due, due & done)] += 1
    return found
