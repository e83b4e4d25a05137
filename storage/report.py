"""What a programme report is computed from, read set-wise for one programme and one scope.

A report covers a whole programme for a coordinator, a supervisor's people or a mentor's
mentees. Whose rows are read is a :class:`Scope`, turned into a sub-select here, so the
database narrows the rows: never a list of ten thousand ids, never a query per person.
Every function is one or two queries whatever the number of people; the flow
(``bot.flows.report``) turns the rows into figures. Rating notes are never read here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Person
from storage.people import to_person
from storage.portable import hours_between
from storage.progress_facts import WeekFact
from storage.rows import streamed
from storage.schema import (
    mentoring_sessions,
    pairings,
    people,
    person_roles,
    programme_members,
    programmes,
    reflections,
    reviews,
)

SHOWN_PAIRINGS = ("active", "ended")  # a mentor's mentees, now or before (as the JP ledger)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose rows a report holds: everyone, or the union of the people a supervisor
    supervises (by the roster) and the mentees a mentor is or was paired with in the
    programme itself."""

    everyone: bool = False
    supervisor_id: int | None = None
    mentor_id: int | None = None


def _within(scope: Scope, programme_id: int, person: Any) -> ColumnElement[bool]:
    """``person`` (a person id column) is someone the scope may see in this programme."""
    if scope.everyone:
        return true()
    allowed = []
    if scope.supervisor_id is not None:
        allowed.append(
            person.in_(select(people.c.id).where(people.c.supervisor_id == scope.supervisor_id))
        )
    if scope.mentor_id is not None:
        p = pairings.c
        allowed.append(
            person.in_(
                select(p.mentee_id).where(
                    p.mentor_id == scope.mentor_id,
                    p.programme_id == programme_id,
                    p.status.in_(SHOWN_PAIRINGS),
                )
            )
        )
    return or_(*allowed) if allowed else false()


async def programme_ids(conn: AsyncConnection, scope: Scope) -> set[int]:
    """The programmes with someone in the scope: a report of anything else is refused."""
    if scope.everyone:
        return {int(i) for (i,) in await conn.execute(select(programmes.c.id))}
    found: set[int] = set()
    m, p = programme_members.c, pairings.c
    if scope.supervisor_id is not None:
        theirs = select(people.c.id).where(people.c.supervisor_id == scope.supervisor_id)
        rows = await conn.execute(select(m.programme_id).where(m.person_id.in_(theirs)).distinct())
        found |= {int(i) for (i,) in rows}
    if scope.mentor_id is not None:
        rows = await conn.execute(
            select(p.programme_id)
            .where(p.mentor_id == scope.mentor_id, p.status.in_(SHOWN_PAIRINGS))
            .distinct()
        )
        found |= {int(i) for (i,) in rows}
    return found


@dataclass(frozen=True, slots=True)
class Member:
    """Someone taking part in the programme, with their role(s) there."""

    person: Person
    roles: frozenset[str]  # in this programme: mentee and/or mentor


async def members(conn: AsyncConnection, programme_id: int, scope: Scope) -> list[Member]:
    """The programme's members the scope may see, by name (two queries)."""
    m = programme_members.c
    where = (m.programme_id == programme_id, _within(scope, programme_id, m.person_id))
    rows = await conn.execute(
        select(people, m.role)
        .join(programme_members, m.person_id == people.c.id)
        .where(*where)
        .order_by(people.c.name, people.c.id)
    )
    chosen = select(m.person_id).where(*where)
    role_rows = await conn.execute(
        select(person_roles.c.person_id, person_roles.c.role).where(
            person_roles.c.person_id.in_(chosen)
        )
    )
    held: dict[int, set[str]] = defaultdict(set)
    for person_id, role in role_rows:
        held[person_id].add(role)
    found: dict[int, tuple[Person, set[str]]] = {}
    for row in rows.mappings():
        if row["id"] not in found:
            found[row["id"]] = (to_person(row, held[row["id"]]), set())
        found[row["id"]][1].add(row["role"])
    return [Member(person, frozenset(roles)) for person, roles in found.values()]


async def week_facts(
    conn: AsyncConnection, programme_id: int, scope: Scope
) -> dict[int, list[WeekFact]]:
    """person id -> their reflection rows in this programme (status and timing, never the
    answers), week order: what ``bot.flows.progress.compute`` counts weeks from."""
    r = reflections.c
    waiting_since = case((r.status == "submitted", r.submitted_at), else_=None)
    rows = streamed(
        conn,
        select(r.person_id, r.week_start, r.status, waiting_since, r.late)
        .where(r.programme_id == programme_id, _within(scope, programme_id, r.person_id))
        .order_by(r.person_id, r.week_start),
    )
    found: dict[int, list[WeekFact]] = {}
    async for row in rows:
        person_id, week, status, submitted_at, late = tuple(row)
        found.setdefault(person_id, []).append(
            WeekFact(programme_id, week, status, submitted_at, bool(late))
        )
    return found


async def review_hours(conn: AsyncConnection, programme_id: int, scope: Scope) -> list[float]:
    """For each reflection sent and reviewed: hours from its (latest) sending to the first
    review of that version. A reflection sent back and sent again counts once, by its last
    sending: only that sending's time is stored. The reviews are found from the
    reflections reported on (``ix_reviews_reflection``), not read whole."""
    r, v = reflections.c, reviews.c
    hours = hours_between(conn, func.min(v.created_at), r.submitted_at)
    rows = streamed(
        conn,
        select(hours)
        .select_from(reflections)
        .join(reviews, (v.reflection_id == r.id) & (v.version == r.version))
        .where(
            r.programme_id == programme_id,
            r.submitted_at.is_not(None),
            _within(scope, programme_id, r.person_id),
        )
        .group_by(r.id, r.submitted_at),
    )
    # julianday() is a float of days: round off its noise (a thousandth of an hour is 4 s)
    return [round(max(0.0, float(h)), 3) async for (h,) in rows if h is not None]


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """One mentor and mentee's sessions in the programme, counted (never a note)."""

    mentor_id: int
    mentee_id: int
    logged: int
    confirmed: int  # and never disputed: what counts toward JP
    disputed: int
    confirmed_minutes: int
    rating_total: int  # of confirmed sessions rated 1-4; averages are the flow's
    rated: int
    last_confirmed: date | None


async def session_facts(
    conn: AsyncConnection, programme_id: int, scope: Scope
) -> list[SessionFacts]:
    """Sessions of the scope's mentees in this programme, one row per mentor and mentee."""
    s = mentoring_sessions.c
    counts = (s.confirmed_at.is_not(None)) & (s.disputed_at.is_(None))
    rated = counts & s.rating.is_not(None) & (s.rating > 0)
    rows = await conn.execute(
        select(
            s.mentor_id,
            s.mentee_id,
            func.count(),
            func.sum(case((counts, 1), else_=0)),
            func.sum(case((s.disputed_at.is_not(None), 1), else_=0)),
            func.sum(case((counts, s.minutes), else_=0)),
            func.sum(case((rated, s.rating), else_=0)),
            func.sum(case((rated, 1), else_=0)),
            func.max(case((counts, s.held_on), else_=None)),
        )
        .where(s.programme_id == programme_id, _within(scope, programme_id, s.mentee_id))
        .group_by(s.mentor_id, s.mentee_id)
    )
    return [
        SessionFacts(
            int(mentor), int(mentee), int(logged), int(confirmed or 0), int(disputed or 0),
            int(minutes or 0), int(total or 0), int(n_rated or 0), _day(last),
        )
        for mentor, mentee, logged, confirmed, disputed, minutes, total, n_rated, last in rows
    ]  # fmt: skip


def _day(value: Any) -> date | None:
    """A MAX() over a date column: SQLite hands back its text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def approved_minutes(
    conn: AsyncConnection, programme_id: int, scope: Scope
) -> dict[int, int]:
    """person id -> minutes reported in their approved reflections of this programme."""
    r = reflections.c
    rows = await conn.execute(
        select(r.person_id, func.sum(r.minutes))
        .where(
            r.programme_id == programme_id,
            r.status == "approved",
            r.minutes > 0,
            _within(scope, programme_id, r.person_id),
        )
        .group_by(r.person_id)
    )
    return {int(person): int(minutes or 0) for person, minutes in rows}


async def names(conn: AsyncConnection, person_ids: set[int]) -> dict[int, str]:
    """Names of a few people (the mentors a report mentions)."""
    found: dict[int, str] = {}
    ids = sorted(person_ids)
    for start in range(0, len(ids), 500):
        rows = await conn.execute(
            select(people.c.id, people.c.name).where(people.c.id.in_(ids[start : start + 500]))
        )
        found.update({int(i): name for i, name in rows})
    return found


async def current_mentors(
    conn: AsyncConnection, programme_id: int, scope: Scope
) -> dict[int, int]:
    """mentee id -> their mentor in an active pairing of this programme."""
    p = pairings.c
    rows = await conn.execute(
        select(p.mentee_id, p.mentor_id)
        .where(
            p.programme_id == programme_id,
            p.status == "active",
            _within(scope, programme_id, p.mentee_id),
        )
        .order_by(p.id)
    )
    return {int(mentee): int(mentor) for mentee, mentor in rows}
