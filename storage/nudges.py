"""Nudges already sent: each kind once per period, and at most one a day per person."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.portable import insert_or_ignore
from storage.schema import nudges

NOT_A_NUDGE = ("digest",)  # recorded for once-only, but a digest is no reminder


async def sent_on(conn: AsyncConnection, person_id: int, local_date: date) -> bool:
    """Whether this person had a nudge on that day (the one-a-day rule)."""
    row = await conn.execute(
        select(nudges.c.id).where(
            nudges.c.person_id == person_id,
            nudges.c.local_date == local_date,
            nudges.c.kind.not_in(NOT_A_NUDGE),
        )
    )
    return row.first() is not None


async def recorded(conn: AsyncConnection, kind: str, periods: set[str]) -> set[tuple[int, str]]:
    """(person, period) pairs already recorded for ``kind`` in these periods."""
    if not periods:
        return set()
    rows = await conn.execute(
        select(nudges.c.person_id, nudges.c.period).where(
            nudges.c.kind == kind, nudges.c.period.in_(sorted(periods))
        )
    )
    return {(person_id, period) for person_id, period in rows}


async def record(
    conn: AsyncConnection,
    *,
    person_id: int,
    kind: str,
    period: str,
    local_date: date,
    now: datetime,
) -> bool:
    """Record a nudge; False if that kind was already sent for that period."""
    return await insert_or_ignore(
        conn,
        nudges,
        {
            "person_id": person_id,
            "kind": kind,
            "period": period,
            "local_date": local_date,
            "created_at": now,
        },
        keys=["person_id", "kind", "period"],
    )
