"""What the outbox already holds for the coming hours, minute by minute.

The nudge planner (``bot.flows.planning``) spreads a population's reminders so that, with
what is already queued, no minute asks the sender for more than the planned rate. It needs
the waiting rows counted per minute, not the rows themselves: a province's Friday is
hundreds of thousands of rows, a day is at most 1 440 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import outbox

PENDING = "pending"  # storage.outbox.PENDING (not imported: that module is the sender's)


def _minute(conn: AsyncConnection) -> ColumnElement[object]:
    """``not_before`` cut to its minute, by the database (the one dialect difference)."""
    if conn.dialect.name == "postgresql":
        return func.date_trunc("minute", outbox.c.not_before)
    return func.strftime("%Y-%m-%d %H:%M", outbox.c.not_before)


def _as_instant(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.strptime(str(value), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


async def waiting_load(
    conn: AsyncConnection, start: datetime, until: datetime
) -> tuple[int, dict[datetime, int]]:
    """Rows waiting to be sent: how many are due by ``start`` (the backlog the sender is
    still working through), and how many fall due in each minute up to ``until``."""
    backlog = await conn.scalar(
        select(func.count()).where(outbox.c.status == PENDING, outbox.c.not_before <= start)
    )
    minute = _minute(conn).label("minute")
    rows = await conn.execute(
        select(minute, func.count())
        .where(
            outbox.c.status == PENDING,
            outbox.c.not_before > start,
            outbox.c.not_before < until,
        )
        .group_by(minute)
    )
    return int(backlog or 0), {_as_instant(at): int(n) for at, n in rows}
