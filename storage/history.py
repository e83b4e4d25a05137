"""Past reflections of one person, newest first, for reading back (/riwayat)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import pairings, reflections


async def reflection_ids(
    conn: AsyncConnection,
    person_id: int,
    programme_ids: Collection[int] | None,
    statuses: Collection[str],
) -> list[int]:
    """Ids of a person's reflections with these statuses (in these programmes, or all),
    newest week first: the pages of their history. Only ids: a page loads one reflection."""
    r = reflections.c
    query = select(r.id).where(r.person_id == person_id, r.status.in_(list(statuses)))
    if programme_ids is not None:
        query = query.where(r.programme_id.in_(sorted(programme_ids)))
    rows = await conn.execute(query.order_by(r.week_start.desc(), r.programme_id, r.id))
    return [int(reflection_id) for (reflection_id,) in rows]


async def shared_programmes(
    conn: AsyncConnection, mentor_id: int, mentee_id: int, statuses: Collection[str]
) -> set[int]:
    """Programmes in which this mentor mentors (or mentored) this mentee."""
    p = pairings.c
    rows = await conn.execute(
        select(p.programme_id).where(
            p.mentor_id == mentor_id, p.mentee_id == mentee_id, p.status.in_(list(statuses))
        )
    )
    return {int(programme_id) for (programme_id,) in rows}


async def mentee_ids(
    conn: AsyncConnection, mentor_id: int, statuses: Collection[str]
) -> list[int]:
    """Everyone this mentor mentors or mentored (each once)."""
    p = pairings.c
    rows = await conn.execute(
        select(p.mentee_id)
        .where(p.mentor_id == mentor_id, p.status.in_(list(statuses)))
        .distinct()
    )
    return sorted(int(mentee_id) for (mentee_id,) in rows)
