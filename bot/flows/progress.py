"""Progress figures: weeks reflected against weeks due, streak, reviews pending,
milestones, and JP earned this year against the 20 JP every ASN is owed.

JP counts verified learning time only: hours reported in *approved* reflections
(project-based learning, checked by the mentor) plus *confirmed* mentoring sessions,
in the person's calendar year. 1 JP = 45 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import weeks
from bot.flows.hours import jp
from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import pairings, people, programmes, reflections, sessions
from storage.models import Milestone, Person, Programme

JP_TARGET = 20
REFLECTED = (reflections.SUBMITTED, reflections.REVISION, reflections.APPROVED)


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


async def _year_jp(conn: AsyncConnection, person: Person, now: datetime) -> float:
    year = weeks.local_date(now, person.timezone).year
    first, last = date(year, 1, 1), date(year, 12, 31)
    minutes = await reflections.minutes_approved_between(conn, person.id, first, last)
    minutes += await sessions.confirmed_minutes_between(conn, person.id, first, last)
    return jp(minutes)


async def mentee_progress(
    conn: AsyncConnection, person: Person, programme: Programme, now: datetime
) -> MenteeProgress:
    today = weeks.local_date(now, person.timezone)
    mine = {r.week_start: r for r in await reflections.of_person(conn, person.id, programme.id)}
    done = {week for week, r in mine.items() if r.status in REFLECTED}
    programme_weeks = weeks.weeks_between(programme.starts_on, min(today, programme.ends_on))
    due_weeks = [
        w
        for w in programme_weeks
        if w in done
        or (
            weeks.counts(w, programme.reflection_weekday, programme.starts_on)
            and weeks.due_at(w, programme.reflection_weekday, person.timezone) <= now
        )
    ]
    streak = 0
    for week in reversed(due_weeks):
        if week not in done:
            break
        streak += 1
    missed = 0
    for week in reversed(due_weeks):
        if week in done:
            break
        missed += 1
    waiting = [
        r.submitted_at
        for r in mine.values()
        if r.status == reflections.SUBMITTED and r.submitted_at is not None
    ]
    return MenteeProgress(
        person=person,
        programme=programme,
        reflected=len(done & set(programme_weeks)),
        due=len(due_weeks),
        streak=streak,
        pending_reviews=sum(1 for r in mine.values() if r.status == reflections.SUBMITTED),
        milestones=tuple(await programmes.milestones_of(conn, programme.id)),
        jp_year=await _year_jp(conn, person, now),
        missed_in_a_row=missed,
        this_week_done=weeks.week_start(now, person.timezone) in done,
        last_week_done=weeks.week_start(now, person.timezone) - timedelta(days=7) in done,
        oldest_waiting_days=max(((now - w).days for w in waiting), default=0),
    )


async def for_mentee(svc: Services, viewer: Viewer) -> list[MenteeProgress]:
    me = viewer.person
    if me is None:
        return []
    now = svc.clock.now()
    async with svc.db.read() as conn:
        return [
            await mentee_progress(conn, me, programme, now)
            for programme in await programmes.programmes_of(conn, me.id, "mentee")
        ]


async def for_mentor(svc: Services, viewer: Viewer) -> list[MenteeProgress]:
    """A line for each mentee the viewer actively mentors."""
    me = viewer.person
    if me is None:
        return []
    now = svc.clock.now()
    async with svc.db.read() as conn:
        found = []
        for pairing in await pairings.of_mentor(conn, me.id, (pairings.ACTIVE,)):
            mentee = await people.get_person(conn, pairing.mentee_id)
            programme = await programmes.get_programme(conn, pairing.programme_id)
            assert mentee is not None
            assert programme is not None
            found.append(await mentee_progress(conn, mentee, programme, now))
    return found
