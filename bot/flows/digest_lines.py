"""Supervisors' digest lines straight from the facts' rows: the Monday run's path.

``bot.flows.digest`` words a unit from ``MenteeProgress`` for /ringkasan (one unit, on
demand, beside /progres). The Monday run builds a province's 100 000 lines, and building
a Person, sets of dates and a MenteeProgress for each was 80 µs of Python a mentee. Here
a mentee's weeks stay the bits ``storage.weekly_facts`` keeps; what a programme owes on a
zone's clock is worked out once per batch as bits too (``progress.window``), so the
streak, last week's tally and the two weeks' states are a few integer operations. A
line is written straight as its JSON text (what the outbox stores): a dict of 14 keys
and five lists a line, then encoded, was half the Python of a province's Monday.
``tests/test_digest3_lines.py`` holds these params equal to the ones /ringkasan builds,
over a seeded varied history.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import weeks
from bot.flows.hours import jp
from bot.flows.progress import WeekState, Window, unreflected, window
from storage import milestone_marks, programmes, weekly_facts
from storage.models import Programme

STALE_REVIEW_DAYS = 7  # a review waiting longer is flagged
YIELD_EVERY = 250  # lines built between two turns of the event loop
_text = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]  # json.dumps's
_BOOL = ("false", "true")
_DONE, _LATE = WeekState.DONE.value, WeekState.LATE.value
# A line's flags as JSON, by which are raised: 1 missed, 2 review, 4 unreachable.
_FLAGS = tuple(
    json.dumps([f for bit, f in ((1, "missed"), (2, "review"), (4, "unreachable")) if mask & bit])
    for mask in range(8)
)


_FIELD = 4  # bytes a week's count takes in a packed tally (up to 4 294 967 295 masks)


def _spread(bits: int) -> int:
    """``bits`` with bit ``i`` moved to bit ``32 * i``: one field a week, so adding masks
    spread out counts every week at once (the binary digits written as bytes, in C)."""
    digits = f"{bits:b}".encode()
    return int.from_bytes(digits.replace(b"0", b"\0\0\0\0").replace(b"1", b"\0\0\0\1"), "big")


@dataclass(slots=True)
class _Columns:
    """How many of many week masks have each week, as one integer of 32-bit fields (a
    field a week): adding a mask is one multiply-add whatever its weeks, so a unit's
    chart costs a few operations a distinct pattern, even when everyone's pattern
    differs (a count a week in Python was most of a chart's figures)."""

    total: int = 0

    def add(self, bits: int, times: int) -> None:
        """Count ``bits`` ``times`` times."""
        self.total += times * _spread(bits)

    def counts(self) -> dict[int, int]:
        """bit position -> how many masks had it."""
        size = (self.total.bit_length() + 8 * _FIELD - 1) // (8 * _FIELD)
        fields = struct.unpack(f"<{size}I", self.total.to_bytes(size * _FIELD, "little"))
        return {position: n for position, n in enumerate(fields) if n}


class Encoded(str):
    """Notice params already written as JSON text (``json.loads`` gives the dict the
    presenter reads): stored by the outbox as they are, never encoded again."""

    __slots__ = ()


@dataclass(slots=True)
class Unit:
    """One supervisor's people as digest facts: their lines as JSON text, the units they
    are in, and for the chart each line's due weeks and due weeks reflected (bits from
    each window's base)."""

    lines: list[str] = field(default_factory=list)
    units: set[str] = field(default_factory=set)
    owed: bool = False  # whether anyone listed owed (or sent) last week's reflection
    # (base, due weeks, of them reflected) -> lines: a cohort mostly shares one pattern.
    patterns: Counter[tuple[int, int, int]] = field(default_factory=Counter)

    def owed_last_week(self) -> bool:
        """Whether anyone listed owed (or sent) last week's reflection."""
        return self.owed

    def title(self) -> str:
        """The units it lists (the people's own, not the supervisor's)."""
        return ", ".join(sorted(self.units))

    def params(self) -> Encoded:
        """``digest.supervisor``'s params: the title and the lines."""
        return Encoded(f'{{"title": {_text(self.title())}, "lines": [{", ".join(self.lines)}]}}')

    def rates(self) -> list[list[Any]]:
        """[ISO Monday, reflected, expected] for every week that counted for someone (as
        ``digest.weekly_rates``)."""
        # Each distinct mask is spread once: the due weeks are mostly the programme's own
        # (one mask for a whole cohort), where the full patterns differ person by person.
        due: Counter[tuple[int, int]] = Counter()
        done: Counter[tuple[int, int]] = Counter()
        for (base, owed, reflected), n in self.patterns.items():
            due[(base, owed)] += n
            done[(base, reflected)] += n
        expected, reflected_in = _weeks(due), _weeks(done)
        return [[_monday(i), reflected_in[i], expected[i]] for i in sorted(expected)]


def _weeks(masks: Counter[tuple[int, int]]) -> Counter[int]:
    """week index -> count, from how many lines had each (window base, week mask)."""
    columns: dict[int, _Columns] = {}
    for (base, bits), n in masks.items():
        columns.setdefault(base, _Columns()).add(bits, n)
    found: Counter[int] = Counter()
    for base, tally in columns.items():
        for position, n in tally.counts().items():
            found[base + position] += n
    return found


@lru_cache(maxsize=4096)
def _monday(index: int) -> str:
    """The ISO Monday of week ``index`` (cached: every chart of a run names the same weeks)."""
    return (weekly_facts.EPOCH + timedelta(weeks=index)).isoformat()


@dataclass(frozen=True, slots=True)
class _Shown:
    """What every line of one programme and zone shares at one instant."""

    window: Window
    programme: str  # as JSON text
    this_due: str  # ISO due dates of this week and last
    last_due: str
    this_open: str  # states of the two weeks when not reflected
    this_paused: str
    last_open: str
    year: int  # the calendar year JP counts in
    milestones: frozenset[int]
    # (column of a block's reflected bits in a row, its shift from the window's base),
    # for the blocks at or after the base (an earlier block shows no week)
    blocks: tuple[tuple[int, int], ...]


def _shown(
    programme: Programme, zone: str, now: datetime, milestones: frozenset[int], blocks: range
) -> _Shown:
    w = window(programme, zone, now)
    last = w.this_week - timedelta(days=7)
    day = timedelta(days=programme.reflection_weekday)
    return _Shown(
        w,
        _text(programme.name),
        (w.this_week + day).isoformat(),
        (last + day).isoformat(),
        unreflected(programme, zone, now, w.this_week, False).value,
        unreflected(programme, zone, now, w.this_week, True).value,
        unreflected(programme, zone, now, last, False).value,
        weeks.local_date(now, zone).year,
        milestones,
        tuple(
            (weekly_facts.SUPERVISED_FIXED + 2 * number, shift)
            for number, block in enumerate(blocks)
            if (shift := block * weekly_facts.BLOCK - w.base) >= 0
        ),
    )


def years_now(now: datetime) -> tuple[int, int]:
    """The first and the last calendar year it is anywhere on Earth at ``now`` (one year
    but around New Year): everyone's local year is one of them."""
    return _earliest(now).year, _latest(now).year


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _earliest(now: datetime) -> date:
    return (now - timedelta(hours=12)).date()  # UTC-12: the earliest local date


def _latest(now: datetime) -> date:
    return (now + timedelta(hours=14)).date()  # UTC+14: the latest


def blocks_shown(active: list[Programme], now: datetime) -> range:
    """The blocks of 60 weeks any active programme's window shows at ``now`` in any zone:
    from the earliest base (``progress.window``: the block of the programme's first week,
    or of last week if earlier) to the block of the latest current week (no window counts
    a week after today's). A year-long programme shows two or three; programmes begin in
    2000 or later (``limits.plausible_year``), so even one that old is under 30 blocks,
    each joined once: well inside SQLite's 64 tables a statement."""
    last_week = _week_of(_earliest(now)) - timedelta(days=7)
    firsts = [_week_of(p.starts_on) for p in active]
    first = weekly_facts.week_index(min([last_week, *firsts])) // weekly_facts.BLOCK
    latest = weekly_facts.week_index(_week_of(_latest(now))) // weekly_facts.BLOCK
    return range(first, latest + 1)


async def units(
    conn: AsyncConnection, supervisor_ids: list[int], now: datetime
) -> dict[int, Unit]:
    """Supervisor id -> their people's lines (each a ``digest.supervisor`` line as JSON
    text) in the order /ringkasan lists them, from a few statements for the whole batch."""
    every = {p.id: p for p in await programmes.list_programmes(conn)}
    blocks = blocks_shown([p for p in every.values() if p.status == "active"], now)
    first_year, _ = years = years_now(now)
    rows = await weekly_facts.supervised(conn, supervisor_ids, years, blocks)
    theirs_all = weekly_facts.supervised_people(supervisor_ids)
    waiting = await weekly_facts.waiting(conn, theirs_all)
    marks = await milestone_marks.of_people(conn, theirs_all)
    confirmed = {
        person: {m for m, mark in theirs.items() if mark.state == "confirmed"}
        for person, theirs in marks.items()
    }
    milestones: dict[int, frozenset[int]] = {}
    shown: dict[tuple[int, str], _Shown] = {}
    found: dict[int, Unit] = {}
    units_text: dict[str | None, str] = {}
    jp_texts: dict[int | None, str] = {}
    for at, row in enumerate(rows):
        if at % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # a batch must not hold up people's replies
        (
            person_id, name, unit, zone, status, until, boss, programme_id,
            minutes_first, minutes_last, held,
        ) = row[: weekly_facts.SUPERVISED_FIXED]  # fmt: skip
        s = shown.get((programme_id, zone))
        if s is None:
            if programme_id not in milestones:
                listed = await programmes.milestones_of(conn, programme_id)
                milestones[programme_id] = frozenset(m.id for m in listed)
            s = _shown(every[programme_id], zone, now, milestones[programme_id], blocks)
            shown[(programme_id, zone)] = s
        w = s.window
        done = late_bits = 0
        for column, shift in s.blocks:
            bits = row[column]
            if bits:  # None: nothing reflected in that block
                done |= bits << shift
                late_bits |= (row[column + 1] or 0) << shift
        due = w.owed | (w.open_inside & done)
        waited = waiting.get((person_id, programme_id))
        if waited:
            times = [sent for sent in waited if sent is not None]
            waiting_days = max((now - sent).days for sent in times) if times else 0
            pending = len(waited)
        else:
            waiting_days = pending = 0
        paused = until is not None and until > now
        minutes = minutes_first if s.year == first_year else minutes_last
        flags = (
            ((due >> (due & done).bit_length()).bit_count() >= 2)
            | (waiting_days > STALE_REVIEW_DAYS) << 1
            | (status == "unreachable") << 2
        )
        theirs = found.get(boss)
        if theirs is None:
            theirs = found[boss] = Unit()
        unit_text = units_text.get(unit)
        if unit_text is None:
            unit_text = units_text[unit] = _text(unit or "-")
        theirs.units.add(unit or "-")
        owed = due >> w.last_bit & 1
        if owed:
            theirs.owed = True
        bit = w.this_bit  # _state, inline: two calls a line were a tenth of the loop
        if done >> bit & 1:
            this_week = _LATE if late_bits >> bit & 1 else _DONE
        else:
            this_week = s.this_paused if paused else s.this_open
        bit = w.last_bit
        last_week = (_LATE if late_bits >> bit & 1 else _DONE) if done >> bit & 1 else s.last_open
        jp_text = jp_texts.get(minutes)
        if jp_text is None:
            jp_text = jp_texts[minutes] = repr(jp(minutes or 0))
        reached = (
            len(s.milestones & confirmed[person_id])
            if s.milestones and person_id in confirmed
            else 0
        )
        # json.dumps of a line's dict (as tests/test_digest3_lines.py builds it), written directly
        theirs.lines.append(
            f'{{"name": {_text(name)}, "unit": {unit_text}, "programme": {s.programme}, '
            f'"week": ["{this_week}", "{s.this_due}"], '
            f'"last_week": ["{last_week}", "{s.last_due}"], '
            f'"tally": [{_BOOL[owed]}, {_BOOL[done >> w.last_bit & 1]}], '
            f'"paused_until": {_until(until, zone) if paused else "null"}, '
            f'"streak": {(due >> (due & ~done).bit_length()).bit_count()}, '
            f'"pending": {pending}, "waiting_days": {waiting_days}, '
            f'"last_session": {"null" if held is None else _day(held)}, '
            f'"jp": {jp_text}, "flags": {_FLAGS[flags]}, '
            f'"milestones": [{reached}, {len(s.milestones)}]}}'
        )
        theirs.patterns[(w.base, due, due & done)] += 1
    return found


def _day(day: date) -> str:
    return f'"{day.isoformat()}"'


def _until(until: datetime | None, zone: str) -> str:
    """A pause's last day off as JSON text: it ends at midnight after that day."""
    assert until is not None
    return f'"{weeks.local_date(until - timedelta(seconds=1), zone).isoformat()}"'
