"""What progress is computed from, read for many people at once.

Progress screens and digests need, per mentee: their programmes, which weeks they reflected
(status and submission time only, never the answers), approved minutes and confirmed session
minutes in a year, and their last session. Reading these per person cost six queries a
mentee; a province's Monday digest is 100 000 mentees. Here each fact is one query per
chunk of people, so the cost follows the rows read, not the number of round trips.

The digest and /progres now read ``storage.weekly_facts`` (a row per mentee instead of a
year of history); the reads of history here remain what tests hold those facts to
(``progress.progress_from_history``), beside memberships and the coordinator's lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Exists, Select, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import names_and_total
from storage.schema import (
    mentoring_sessions,
    pairings,
    people,
    programme_members,
    programmes,
    reflections,
)

CHUNK = 2000  # ids per IN (...): well under every database's bound-parameter limit


def chunk_ids() -> BindParameter[Any]:
    """``IN (:ids)`` bound at execution (``{"ids": chunk}``): a list of 2 000 ids given to
    ``in_`` is coerced id by id each time the statement is built (a tenth of a digest's
    Python), and the statement's cache key holds every id."""
    return bindparam("ids", expanding=True)


Who = Sequence[int] | Select[tuple[int]]  # people as ids, or as a sub-select of ids


def among(column: Any, who: Who) -> Iterator[tuple[ColumnElement[bool], dict[str, Any]]]:
    """``column IN`` these people, a statement's worth at a time: a sub-select as it is
    (a digest batch's people: rendering 1 000 bound ids per statement was a tenth of its
    Python), ids bound a chunk at a time."""
    if isinstance(who, Select):
        yield column.in_(who), {}
        return
    for chunk in _chunks(who):
        yield column.in_(chunk_ids()), {"ids": chunk}


@dataclass(frozen=True, slots=True)
class WeekFact:
    """One reflection row, without its answers (``submitted_at`` only while it waits)."""

    programme_id: int
    week_start: date
    status: str
    submitted_at: datetime | None
    late: bool = False  # sent after the week's reflection day


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


async def programmes_of_many(
    conn: AsyncConnection, person_ids: Sequence[int], role: str
) -> dict[int, list[int]]:
    """person id -> ids of the programmes they take part in with ``role``."""
    found: dict[int, list[int]] = {}
    for chunk in _chunks(person_ids):
        rows = await conn.execute(
            select(programme_members.c.person_id, programme_members.c.programme_id).where(
                programme_members.c.person_id.in_(chunk_ids()), programme_members.c.role == role
            ),
            {"ids": chunk},
        )
        for person_id, programme_id in rows:
            found.setdefault(person_id, []).append(programme_id)
    return found


async def reflection_weeks(
    conn: AsyncConnection, person_ids: Sequence[int]
) -> dict[int, list[WeekFact]]:
    """person id -> their reflection rows (all programmes), week order."""
    found: dict[int, list[WeekFact]] = {}
    r = reflections.c
    # Only a reflection waiting for review needs its submission time (how long it waits):
    # converting four million timestamps nobody reads was a sixth of a province's digest.
    waiting_since = case((r.status == "submitted", r.submitted_at), else_=None)
    for chunk in _chunks(person_ids):
        rows = await conn.execute(
            select(r.person_id, r.programme_id, r.week_start, r.status, waiting_since, r.late)
            .where(r.person_id.in_(chunk))
            .order_by(r.person_id, r.week_start)
        )
        for person_id, programme_id, week, status, submitted_at, late in rows.all():
            found.setdefault(person_id, []).append(
                WeekFact(programme_id, week, status, submitted_at, bool(late))
            )
    return found


async def _sum_by(
    conn: AsyncConnection, key: Any, value: Any, ids: Sequence[int], *where: Any
) -> dict[int, int]:
    """key -> sum of value over the rows ``where`` selects, for these keys."""
    found: dict[int, int] = {}
    for chunk in _chunks(ids):
        rows = await conn.execute(
            select(key, func.coalesce(func.sum(value), 0))
            .where(key.in_(chunk), *where)
            .group_by(key)
        )
        found.update({k: int(total) for k, total in rows})
    return found


async def approved_minutes(
    conn: AsyncConnection, person_ids: Sequence[int], first: date, last: date
) -> dict[int, int]:
    """person id -> minutes reported in approved reflections for weeks in [first, last]."""
    r = reflections.c
    return await _sum_by(
        conn,
        r.person_id,
        r.minutes,
        person_ids,
        r.status == "approved",
        r.week_start >= first,
        r.week_start <= last,
    )


async def session_minutes(
    conn: AsyncConnection, mentee_ids: Sequence[int], first: date, last: date
) -> dict[int, int]:
    """mentee id -> minutes of confirmed mentoring sessions held in [first, last]."""
    s = mentoring_sessions.c
    return await _sum_by(
        conn,
        s.mentee_id,
        s.minutes,
        mentee_ids,
        s.confirmed_at.is_not(None),
        s.held_on >= first,
        s.held_on <= last,
    )


async def last_sessions(conn: AsyncConnection, mentee_ids: Sequence[int]) -> dict[int, date]:
    """mentee id -> the day of their latest confirmed session."""
    found: dict[int, date] = {}
    s = mentoring_sessions.c
    for chunk in _chunks(mentee_ids):
        rows = await conn.execute(
            select(s.mentee_id, func.max(s.held_on))
            .where(s.mentee_id.in_(chunk), s.confirmed_at.is_not(None))
            .group_by(s.mentee_id)
        )
        found.update({mentee_id: held for mentee_id, held in rows if held is not None})
    return found


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A mentee in an active programme, with what a programme-wide tally needs."""

    person_id: int
    unit: str | None
    timezone: str
    programme_id: int


async def active_enrolments(conn: AsyncConnection) -> list[Enrolment]:
    """Every mentee of every active programme, in one query."""
    rows = await conn.execute(
        select(people.c.id, people.c.unit, people.c.timezone, programme_members.c.programme_id)
        .join(programme_members, programme_members.c.person_id == people.c.id)
        .join(programmes, programmes.c.id == programme_members.c.programme_id)
        .where(programme_members.c.role == "mentee", programmes.c.status == "active")
        .order_by(people.c.id, programme_members.c.programme_id)
    )
    return [Enrolment(*row) for row in rows]


async def reflected_in(
    conn: AsyncConnection, weeks: Sequence[date], statuses: Sequence[str]
) -> set[tuple[int, int, date]]:
    """(person, programme, week) of every reflection with these statuses in these weeks."""
    r = reflections.c
    rows = await conn.execute(
        select(r.person_id, r.programme_id, r.week_start).where(
            r.week_start.in_(sorted(set(weeks))), r.status.in_(list(statuses))
        )
    )
    return {(person_id, programme_id, week) for person_id, programme_id, week in rows}


async def waiting_by_mentor(conn: AsyncConnection) -> dict[int, int]:
    """mentor id -> reflections of their active mentees waiting for review."""
    r, p = reflections.c, pairings.c
    rows = await conn.execute(
        select(p.mentor_id, func.count())
        .select_from(reflections)
        .join(pairings, (p.programme_id == r.programme_id) & (p.mentee_id == r.person_id))
        .where(p.status == "active", r.status == "submitted")
        .group_by(p.mentor_id)
    )
    return {mentor_id: int(n) for mentor_id, n in rows}


def member_paired() -> Exists:
    """A ``programme_members`` row's mentee has an offered or active pairing in that
    programme: the one definition of "has (or is being offered) a mentor"."""
    m, p = programme_members.c, pairings.c
    return (
        select(p.id)
        .where(
            p.programme_id == m.programme_id,
            p.mentee_id == m.person_id,
            p.status.in_(("offered", "active")),
        )
        .exists()
    )


async def unmatched_mentees(conn: AsyncConnection) -> list[int]:
    """Mentees of active programmes with no offered or active pairing there."""
    m = programme_members.c
    paired = member_paired()
    rows = await conn.execute(
        select(m.person_id)
        .join(programmes, programmes.c.id == m.programme_id)
        .where(m.role == "mentee", programmes.c.status == "active", ~paired)
        .order_by(m.programme_id, m.person_id)
    )
    return [int(person_id) for (person_id,) in rows]


async def unmatched_names(conn: AsyncConnection, limit: int) -> tuple[list[str], int]:
    """The first ``limit`` names of ``unmatched_mentees`` (each person once, in id order)
    and how many there are, in one query: a programme just begun has every mentee
    unmatched, and a province's 100 000 names were a tenth of a second of the Monday run
    and hundreds of messages to the coordinator."""
    m = programme_members.c
    waiting = (
        select(m.person_id)
        .join(programmes, programmes.c.id == m.programme_id)
        .where(m.role == "mentee", programmes.c.status == "active", ~member_paired())
    )
    rows = await conn.execute(
        select(people.c.name, func.count().over())
        .where(people.c.id.in_(waiting))
        .order_by(people.c.id)
        .limit(limit)
    )
    return names_and_total(rows)
