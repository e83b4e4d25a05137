"""Mentoring sessions: logged by one side, confirmed by the other, rated by the mentee."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import weekly_facts
from storage.models import MentoringSession
from storage.rows import Row, inserted_id
from storage.schema import mentoring_sessions as sessions


def to_session(row: Row) -> MentoringSession:
    return MentoringSession(
        id=row["id"],
        programme_id=row["programme_id"],
        mentor_id=row["mentor_id"],
        mentee_id=row["mentee_id"],
        held_on=row["held_on"],
        minutes=row["minutes"],
        topic=row["topic"],
        mode=row["mode"],
        logged_by_id=row["logged_by_id"],
        confirmed_at=row["confirmed_at"],
        rating=row["rating"],
        rating_note=row["rating_note"],
        disputed_at=row["disputed_at"],
    )


async def log_session(
    conn: AsyncConnection,
    *,
    programme_id: int,
    mentor_id: int,
    mentee_id: int,
    held_on: date,
    minutes: int,
    topic: str,
    mode: str,
    logged_by_id: int,
    now: datetime,
) -> MentoringSession:
    result = await conn.execute(
        insert(sessions).values(
            programme_id=programme_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            held_on=held_on,
            minutes=minutes,
            topic=topic,
            mode=mode,
            logged_by_id=logged_by_id,
            created_at=now,
        )
    )
    found = await get_session(conn, inserted_id(result))
    assert found is not None
    return found


async def get_session(conn: AsyncConnection, session_id: int) -> MentoringSession | None:
    row = (
        (await conn.execute(select(sessions).where(sessions.c.id == session_id)))
        .mappings()
        .first()
    )
    return to_session(row) if row else None


def _open(session_id: int) -> Any:
    """Neither confirmed nor disputed yet: the first answer wins, a second press is stale."""
    return (
        (sessions.c.id == session_id)
        & sessions.c.confirmed_at.is_(None)
        & sessions.c.disputed_at.is_(None)
    )


async def confirm(conn: AsyncConnection, session_id: int, now: datetime) -> bool:
    """Confirm an open session; it counts from now on (``weekly_facts``, same transaction)."""
    s = sessions.c
    changed = (
        await conn.execute(
            update(sessions)
            .where(_open(session_id))
            .values(confirmed_at=now)
            .returning(s.mentee_id, s.held_on, s.minutes)
        )
    ).all()
    if len(changed) != 1:
        return False
    mentee_id, held_on, minutes = changed[0]
    await weekly_facts.session_confirmed(
        conn, mentee_id=mentee_id, held_on=held_on, minutes=minutes
    )
    return True


async def dispute(conn: AsyncConnection, session_id: int, now: datetime) -> bool:
    """The other side says the session did not happen as logged; it never counts."""
    result = await conn.execute(update(sessions).where(_open(session_id)).values(disputed_at=now))
    return result.rowcount == 1


async def rate(conn: AsyncConnection, session_id: int, rating: int, note: str | None) -> None:
    values: dict[str, Any] = {"rating": rating}
    if note is not None:
        values["rating_note"] = note
    await conn.execute(update(sessions).where(sessions.c.id == session_id).values(**values))
