"""Progress figures: weeks reflected against weeks due, streak, reviews pending,
milestones, and JP earned this year against the 20 JP every ASN is owed.

JP counts verified learning time only: hours reported in *approved* reflections
(project-based learning, checked by the mentor) plus *confirmed* mentoring sessions,
in the person's calendar year. 1 JP = 45 minutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import weeks
from bot.flows.hours import jp
from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import (
    milestone_marks,
    pairings,
    people,
    programmes,
    progress_facts,
    reflections,
    weekly_facts,
)
from storage.models import Milestone, MilestoneMark, Person, Programme
from storage.progress_facts import WeekFact

YIELD_EVERY = 100  # mentees computed between two turns of the event loop
REFLECTED = (reflections.SUBMITTED, reflections.REVISION, reflections.APPROVED)


class WeekState(StrEnum):
    """What one week of one mentee's programme looks like to a supervisor."""

    DONE = "done"  # reflected by the reflection day
    LATE = "late"  # reflected, after the reflection day
    OPEN = "open"  # not yet reflected, not yet due either
    PAUSED = "paused"  # not reflected while reminders are paused (/jeda: leave, duty travel)
    MISSED = "missed"  # due and not reflected
    NOT_OWED = "not_owed"  # outside the programme, or it started after the reflection day


class Dated(Protocol):
    """The dates of a programme the week rules read."""

    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...
    @property
    def reflection_weekday(self) -> int: ...


def in_programme(programme: Dated, week: date) -> bool:
    """Whether ``week`` (a Monday) is one of the programme's weeks."""
    first = programme.starts_on - timedelta(days=programme.starts_on.weekday())
    return first <= week <= programme.ends_on


def owed(programme: Dated, week: date, zone: str, now: datetime) -> bool:
    """Whether ``week`` owes a reflection by ``now``: inside the programme, not started after
    its reflection day, and past that day."""
    return (
        in_programme(programme, week)
        and weeks.counts(week, programme.reflection_weekday, programme.starts_on)
        and weeks.due_at(week, programme.reflection_weekday, zone) <= now
    )


def counted(programme: Programme, week: date, zone: str, now: datetime, done: bool) -> bool:
    """Whether ``week`` counts in a rate of weeks reflected against weeks due: owed by now,
    or reflected anyway. The one rule behind every such figure (progress, a supervisor's
    digest and chart, the coordinator's per-unit rates), so they agree."""
    return (done and in_programme(programme, week)) or owed(programme, week, zone, now)


@dataclass(frozen=True, slots=True)
class MenteeProgress:
    person: Person
    programme: Programme
    reflected: int
    due: int
    streak: int
    pending_reviews: int
    milestones: tuple[Milestone, ...]
    jp_year: float
    missed_in_a_row: int = 0  # the most recent due weeks without a reflection
    this_week_done: bool = False
    last_week_done: bool = False
    oldest_waiting_days: int = 0
    due_weeks: tuple[date, ...] = ()  # weeks that counted, oldest first (for charts)
    done_weeks: frozenset[date] = frozenset()  # weeks reflected
    late_weeks: frozenset[date] = frozenset()  # weeks reflected after their reflection day
    this_week: date | None = None  # Monday of the current week on the mentee's clock
    # Each milestone's state for this mentee, in the order of ``milestones``:
    # "open", "done" (marked by them, waiting for the mentor) or "confirmed".
    milestone_states: tuple[str, ...] = ()

    @property
    def milestones_confirmed(self) -> int:
        return sum(1 for state in self.milestone_states if state == "confirmed")

    def state(self, week: date, now: datetime) -> WeekState:
        """How ``week`` stands at ``now`` (a reflection sent counts even if late)."""
        if week in self.done_weeks:
            return WeekState.LATE if week in self.late_weeks else WeekState.DONE
        paused = week == self.this_week and self.paused(now)
        return unreflected(self.programme, self.person.timezone, now, week, paused)

    def paused(self, now: datetime) -> bool:
        until = self.person.nudges_paused_until
        return until is not None and until > now


def compute(
    person: Person,
    programme: Programme,
    facts: Sequence[WeekFact],
    milestones: Sequence[Milestone],
    jp_minutes: int,
    now: datetime,
    marks: Mapping[int, MilestoneMark] | None = None,
) -> MenteeProgress:
    """One mentee's figures in one programme, from their reflection rows and milestone
    marks (pure)."""
    mine = {f.week_start: f for f in facts if f.programme_id == programme.id}
    done = frozenset(week for week, f in mine.items() if f.status in REFLECTED)
    waiting = [f.submitted_at for f in mine.values() if f.status == reflections.SUBMITTED]
    return from_weeks(
        person,
        programme,
        done,
        frozenset(week for week in done if mine[week].late),
        len(waiting),
        min((w for w in waiting if w is not None), default=None),
        milestones,
        jp_minutes,
        now,
        {m: mark.state for m, mark in (marks or {}).items()},
    )


@dataclass(frozen=True, slots=True)
class _Span:
    """What ``in_programme`` and ``owed`` read of a programme (hashable, for the cache)."""

    starts_on: date
    ends_on: date
    reflection_weekday: int


@lru_cache(maxsize=4096)
def _week_rule(
    starts_on: date, ends_on: date, weekday: int, zone: str, now: datetime, week: date
) -> tuple[bool, bool]:
    """(owes a reflection at all, owed by ``now``) for a week not reflected: the same for
    everyone of a programme and zone, so a digest asks the zone's clock once (cached)."""
    programme = _Span(starts_on, ends_on, weekday)
    owes = in_programme(programme, week) and weeks.counts(week, weekday, starts_on)
    return owes, owes and owed(programme, week, zone, now)


def unreflected(
    programme: Programme, zone: str, now: datetime, week: date, paused: bool
) -> WeekState:
    """How a week nobody reflected stands at ``now`` (``paused``: it is the current week
    and reminders are paused): the same for everyone of a programme and zone."""
    p = programme
    owes, is_owed = _week_rule(p.starts_on, p.ends_on, p.reflection_weekday, zone, now, week)
    if not owes:
        return WeekState.NOT_OWED
    if paused:
        return WeekState.PAUSED
    if not is_owed:
        return WeekState.OPEN
    return WeekState.MISSED


@dataclass(frozen=True, slots=True)
class _Calendar:
    """A programme's weeks so far on one zone's clock at one instant."""

    span: frozenset[date]  # every week from the programme's first to today's (or its end)
    owed: tuple[date, ...]  # those owed by now, oldest first
    open_inside: tuple[date, ...]  # inside the programme, not owed (yet): due if reflected


@lru_cache(maxsize=1024)
def _calendar(starts_on: date, ends_on: date, weekday: int, zone: str, now: datetime) -> _Calendar:
    """Which weeks are owed, worked out once per programme, zone and instant, not once per
    mentee (pure, cached)."""
    programme = _Span(starts_on, ends_on, weekday)
    today = weeks.local_date(now, zone)
    span = weeks.weeks_between(starts_on, min(today, ends_on))
    owed_now = tuple(w for w in span if owed(programme, w, zone, now))
    inside = tuple(w for w in span if in_programme(programme, w) and w not in owed_now)
    return _Calendar(frozenset(span), owed_now, inside)


@dataclass(frozen=True, slots=True)
class Window:
    """A programme's weeks so far on one zone's clock as bits: bit ``i`` is the week
    ``weekly_facts`` numbers ``base + i``. A digest counts a mentee's weeks with a few
    integer operations on their facts' bits instead of sets of dates (``from_weeks``'s
    rules, in bits)."""

    base: int  # the week index of bit 0: a block's first, at or before both weeks shown
    owed: int  # weeks owed by now
    open_inside: int  # inside the programme, not owed (yet): due if reflected
    this_week: date  # Monday of the current week on the zone's clock
    this_bit: int
    last_bit: int  # last week's


def window(programme: Programme, zone: str, now: datetime) -> Window:
    """``programme``'s weeks on ``zone``'s clock at ``now`` as bits (pure)."""
    p = programme
    return _window(p.starts_on, p.ends_on, p.reflection_weekday, zone, now)


@lru_cache(maxsize=1024)
def _window(starts_on: date, ends_on: date, weekday: int, zone: str, now: datetime) -> Window:
    calendar = _calendar(starts_on, ends_on, weekday, zone, now)
    this_week = _today(now, zone)[1]
    first = starts_on - timedelta(days=starts_on.weekday())
    earliest = min(first, this_week - timedelta(days=7))
    base = weekly_facts.week_index(earliest) // weekly_facts.BLOCK * weekly_facts.BLOCK

    def bits(found: Sequence[date]) -> int:
        return sum(1 << (weekly_facts.week_index(w) - base) for w in found)

    this_bit = weekly_facts.week_index(this_week) - base
    return Window(
        base, bits(calendar.owed), bits(calendar.open_inside), this_week, this_bit, this_bit - 1
    )


@lru_cache(maxsize=64)
def _today(now: datetime, zone: str) -> tuple[date, date]:
    """(the local date, Monday of its week) at ``now`` in ``zone``: the same for everyone
    of a zone, asked of the zone's clock once per instant, not once per mentee."""
    return weeks.local_date(now, zone), weeks.week_start(now, zone)


def from_weeks(
    person: Person,
    programme: Programme,
    done: frozenset[date],
    late: frozenset[date],
    pending: int,
    oldest_waiting: datetime | None,
    milestones: Sequence[Milestone],
    jp_minutes: int,
    now: datetime,
    states: Mapping[int, str] | None = None,
) -> MenteeProgress:
    """One mentee's figures in one programme from the weeks they reflected (and sent
    late), how many reflections wait for review and the earliest submission among them,
    and their milestones' states (milestone id -> "done" or "confirmed"; "open" if not
    given) (pure): what ``compute`` derives from history, or ``storage.weekly_facts``
    keeps."""
    calendar = _calendar(
        programme.starts_on,
        programme.ends_on,
        programme.reflection_weekday,
        person.timezone,
        now,
    )
    # counted(): owed by now, or reflected inside the programme. Mostly just the owed
    # weeks, one tuple shared by a whole cohort.
    extra = [w for w in calendar.open_inside if w in done]
    due_weeks = tuple(sorted(calendar.owed + tuple(extra))) if extra else calendar.owed
    this_week = _today(now, person.timezone)[1]
    return MenteeProgress(
        person=person,
        programme=programme,
        reflected=len(done & calendar.span),
        due=len(due_weeks),
        streak=_run_length(due_weeks, done, True),
        pending_reviews=pending,
        milestones=tuple(milestones),
        jp_year=jp(jp_minutes),
        missed_in_a_row=_run_length(due_weeks, done, False),
        this_week_done=this_week in done,
        last_week_done=this_week - timedelta(days=7) in done,
        # the longest wait in whole days is the earliest submission's
        oldest_waiting_days=(now - oldest_waiting).days if oldest_waiting is not None else 0,
        due_weeks=due_weeks,
        done_weeks=done,
        late_weeks=late & done,
        this_week=this_week,
        milestone_states=tuple((states or {}).get(m.id, "open") for m in milestones)
        if milestones
        else (),
    )


def _run_length(due_weeks: Sequence[date], done: frozenset[date], reflected: bool) -> int:
    """How many of the latest due weeks in a row were (or were not) reflected."""
    count = 0
    for week in reversed(due_weeks):
        if (week in done) != reflected:
            break
        count += 1
    return count


def _year_bounds(now: datetime, zone: str) -> tuple[date, date]:
    year = weeks.local_date(now, zone).year
    return date(year, 1, 1), date(year, 12, 31)


async def progress_of(
    conn: AsyncConnection,
    mentees: Sequence[Person],
    now: datetime,
    *,
    active_only: bool = False,
) -> list[MenteeProgress]:
    """Each mentee's figures in each of their programmes, from the facts kept as they are
    written (``storage.weekly_facts``: a row per mentee and programme). One statement per
    2 000 people whatever their history (``weekly_facts.taken``: their programmes with the
    facts, milestones and their states); none without mentees."""
    if not mentees:
        return []
    ids = [p.id for p in mentees]
    local_years = {_today(now, p.timezone)[0].year for p in mentees}  # one, or two at New Year
    years = (min(local_years), max(local_years))
    taken = await weekly_facts.taken(conn, ids, years)
    if active_only:
        taken = {
            person: [t for t in theirs if t.programme.status == "active"]
            for person, theirs in taken.items()
        }
    found = []
    for number, person in enumerate(mentees, 1):
        if number % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # a digest's batch must not hold up people's replies
        year = _today(now, person.timezone)[0].year
        for t in taken.get(person.id, ()):
            found.append(
                from_weeks(
                    person,
                    t.programme,
                    t.weeks.done,
                    t.weeks.late,
                    t.pending,
                    t.oldest_waiting,
                    t.milestones,
                    t.minutes[0] if year == years[0] else t.minutes[1],
                    now,
                    t.states,
                )
            )
    return found


async def progress_and_last_sessions(
    conn: AsyncConnection,
    mentees: Sequence[Person],
    now: datetime,
    *,
    active_only: bool = False,
) -> tuple[list[MenteeProgress], dict[int, date]]:
    """``progress_of`` and each mentee's latest confirmed session (read in the same
    transaction, from the yearly facts)."""
    found = await progress_of(conn, mentees, now, active_only=active_only)
    return found, await weekly_facts.last_sessions(conn, [p.id for p in mentees])


async def progress_from_history(
    conn: AsyncConnection, mentees: Sequence[Person], now: datetime
) -> list[MenteeProgress]:
    """The same figures computed from every reflection and session row, as before the facts
    were kept: what tests hold ``progress_of`` to."""
    ids = [p.id for p in mentees]
    every = {p.id: p for p in await programmes.list_programmes(conn)}
    memberships = await progress_facts.programmes_of_many(conn, ids, "mentee")
    facts = await progress_facts.reflection_weeks(conn, ids)
    jp_minutes: dict[int, int] = {}
    for first, last in {_year_bounds(now, p.timezone) for p in mentees}:
        in_year = [p.id for p in mentees if _year_bounds(now, p.timezone) == (first, last)]
        approved = await progress_facts.approved_minutes(conn, in_year, first, last)
        held = await progress_facts.session_minutes(conn, in_year, first, last)
        for person_id in in_year:
            jp_minutes[person_id] = approved.get(person_id, 0) + held.get(person_id, 0)
    marks = await milestone_marks.of_people(conn, ids)
    found = []
    for person in mentees:
        taking = sorted(
            (every[i] for i in memberships.get(person.id, []) if i in every),
            key=lambda p: (p.starts_on, p.id),
        )
        for programme in taking:
            found.append(
                compute(
                    person,
                    programme,
                    facts.get(person.id, []),
                    await programmes.milestones_of(conn, programme.id),
                    jp_minutes.get(person.id, 0),
                    now,
                    marks.get(person.id),
                )
            )
    return found


async def for_viewer(
    svc: Services, viewer: Viewer
) -> tuple[list[MenteeProgress], list[MenteeProgress]]:
    """/progres: the viewer's own figures as a mentee and a line for each mentee they
    actively mentor, in one read transaction (two were two BEGIN/COMMITs per update)."""
    me = viewer.person
    if me is None:
        return [], []
    async with svc.db.read() as conn:
        now = svc.clock.now()
        return await progress_of(conn, [me], now), await _mentored(conn, me, now)


async def _mentored(conn: AsyncConnection, me: Person, now: datetime) -> list[MenteeProgress]:
    """A line for each mentee ``me`` actively mentors, in the order of their pairings."""
    pairs = await pairings.of_mentor(conn, me.id, (pairings.ACTIVE,))
    if not pairs:
        return []
    mentees = await people.get_people(conn, sorted({p.mentee_id for p in pairs}))
    everything = await progress_of(conn, mentees, now)
    by_pair = {(p.person.id, p.programme.id): p for p in everything}
    return [
        by_pair[(p.mentee_id, p.programme_id)]
        for p in pairs
        if (p.mentee_id, p.programme_id) in by_pair
    ]
