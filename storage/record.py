"""What a consultation record (kartu konsultasi) is built from: one mentee in one
programme, every session logged, every reflection sent, each one's reviews.

Nothing is filtered by what counts: the record shows disputed and unconfirmed sessions
too, with their state; who may read it is the flow's decision (``bot.flows.record``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import MentoringSession, Reflection
from storage.reflections import to_reflection
from storage.schema import mentoring_sessions, reflections
from storage.sessions import to_session

SENT = ("submitted", "revision", "approved")


async def sessions_of(
    conn: AsyncConnection, mentee_id: int, programme_id: int
) -> list[MentoringSession]:
    """Every session logged for this mentee in this programme, oldest first."""
    s = mentoring_sessions.c
    rows = await conn.execute(
        select(mentoring_sessions)
        .where(s.mentee_id == mentee_id, s.programme_id == programme_id)
        .order_by(s.held_on, s.id)
    )
    return [to_session(r) for r in rows.mappings()]


async def reflections_sent(
    conn: AsyncConnection, person_id: int, programme_id: int
) -> list[Reflection]:
    """Reflections sent to the mentor (not drafts), by week."""
    r = reflections.c
    rows = await conn.execute(
        select(reflections)
        .where(r.person_id == person_id, r.programme_id == programme_id, r.status.in_(SENT))
        .order_by(r.week_start)
    )
    return [to_reflection(row) for row in rows.mappings()]
