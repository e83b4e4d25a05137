"""The JP ledger's raw rows: approved reflections and confirmed sessions, read in bulk.

Only what counts towards a person's JP is read here: an approved reflection with hours
and a confirmed session nobody disputed. Who may see which rows is the flow's decision
(``bot.flows.ledger``); these queries take the person ids already allowed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from storage.rows import streamed
from storage.schema import (
    mentoring_sessions,
    pairings,
    people,
    programme_members,
    programmes,
    reflections,
    reviews,
)

REFLECTION, SESSION = "reflection", "session"
# Rows are read a partition at a time (``storage.rows.streamed``): a province's year is
# half a million rows, read in one go it would stall every other reply for seconds.


@dataclass(frozen=True, slots=True)
class LedgerPerson:
    """Someone whose JP is counted (NIP included; the flow decides whether it is shown)."""

    id: int
    name: str
    nip: str | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One row of evidence: a reflection's hours or a session's minutes."""

    person_id: int
    programme_id: int
    programme: str
    on: date
    kind: str  # REFLECTION or SESSION
    minutes: int
    confirmed_by: str | None


async def mentees_of_programmes(conn: AsyncConnection) -> list[LedgerPerson]:
    """Everyone who is a mentee in some programme: a coordinator's whole ledger."""
    member = programme_members.c
    ids = select(member.person_id).where(member.role == "mentee")
    return await people_by_ids(conn, None, extra=people.c.id.in_(ids))


async def supervised_by(conn: AsyncConnection, supervisor_id: int) -> list[LedgerPerson]:
    """The people whose supervisor this is, as the roster says."""
    return await people_by_ids(conn, None, extra=people.c.supervisor_id == supervisor_id)


async def mentee_programmes(conn: AsyncConnection, mentor_id: int) -> dict[int, set[int]]:
    """Each mentee this mentor is or was paired with, and the programmes of those pairings
    (a mentor sees a mentee's rows of their shared programmes only)."""
    p = pairings.c
    rows = await conn.execute(
        select(p.mentee_id, p.programme_id).where(
            p.mentor_id == mentor_id, p.status.in_(("active", "ended"))
        )
    )
    found: dict[int, set[int]] = {}
    for mentee_id, programme_id in rows:
        found.setdefault(mentee_id, set()).add(programme_id)
    return found


async def people_by_ids(
    conn: AsyncConnection,
    ids: Collection[int] | None,
    *,
    extra: ColumnElement[bool] | None = None,
) -> list[LedgerPerson]:
    """These people (or those matching ``extra``), by name."""
    query = select(people.c.id, people.c.name, people.c.nip, people.c.unit)
    if ids is not None:
        query = query.where(people.c.id.in_(list(ids)))
    if extra is not None:
        query = query.where(extra)
    rows = await conn.execute(query.order_by(people.c.name, people.c.id))
    return [LedgerPerson(r.id, r.name, r.nip, r.unit) for r in rows]


async def entries(
    conn: AsyncConnection, person_ids: Collection[int], year: int
) -> list[LedgerEntry]:
    """Every counted row of these people in this year (by the reflection's week start and
    the session's date), oldest first."""
    ids = list(person_ids)
    if not ids:
        return []
    found = await _reflections(conn, ids, year) + await _sessions(conn, ids, year)
    return await asyncio.to_thread(sorted, found, key=_order)  # a second of CPU at scale


def _order(entry: LedgerEntry) -> tuple[int, date, str]:
    return (entry.person_id, entry.on, entry.kind)


async def _reflections(conn: AsyncConnection, ids: list[int], year: int) -> list[LedgerEntry]:
    r = reflections.c
    reviewer = aliased(people)
    approving = (
        select(reviews.c.reflection_id, reviews.c.reviewer_id)
        .where(reviews.c.decision == "approve")
        .subquery()
    )
    rows = streamed(
        conn,
        select(r.id, r.person_id, r.programme_id, programmes.c.name, r.week_start, r.minutes)
        .add_columns(reviewer.c.name.label("reviewer"))
        .join(programmes, programmes.c.id == r.programme_id)
        .outerjoin(approving, approving.c.reflection_id == r.id)
        .outerjoin(reviewer, reviewer.c.id == approving.c.reviewer_id)
        .where(
            r.person_id.in_(ids),
            r.status == "approved",
            r.minutes.is_not(None),
            r.minutes > 0,
            r.week_start >= date(year, 1, 1),
            r.week_start <= date(year, 12, 31),
        )
        .order_by(r.id),
    )
    by_id: dict[int, LedgerEntry] = {}
    # a re-approved reflection has two approving reviews: the last one names
    async for row in rows:
        by_id[row.id] = LedgerEntry(
            row.person_id,
            row.programme_id,
            row.name,
            row.week_start,
            REFLECTION,
            row.minutes,
            row.reviewer,
        )
    return list(by_id.values())


async def _sessions(conn: AsyncConnection, ids: list[int], year: int) -> list[LedgerEntry]:
    s = mentoring_sessions.c
    mentor, mentee = aliased(people), aliased(people)
    rows = streamed(
        conn,
        select(
            s.mentee_id,
            s.mentor_id,
            s.logged_by_id,
            s.programme_id,
            programmes.c.name,
            s.held_on,
            s.minutes,
            mentor.c.name.label("mentor"),
            mentee.c.name.label("mentee"),
        )
        .join(programmes, programmes.c.id == s.programme_id)
        .join(mentor, mentor.c.id == s.mentor_id)
        .join(mentee, mentee.c.id == s.mentee_id)
        .where(
            and_(
                s.mentee_id.in_(ids),
                s.confirmed_at.is_not(None),
                s.disputed_at.is_(None),
                s.held_on >= date(year, 1, 1),
                s.held_on <= date(year, 12, 31),
            )
        ),
    )
    return [
        LedgerEntry(
            row.mentee_id,
            row.programme_id,
            row.name,
            row.held_on,
            SESSION,
            row.minutes,
            # whoever did not log it confirmed it
            row.mentee if row.logged_by_id == row.mentor_id else row.mentor,
        )
        async for row in rows
    ]
