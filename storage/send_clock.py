"""One send budget for every process on a PostgreSQL database: the ``send_clock`` row.

Each message the bot sends reserves the next free moment with one atomic ``UPDATE``: the
row's ``next_at`` moves ``spacing`` seconds past the later of itself, the database's clock
now, and ``paused_until``, and the sender waits until the moment it reserved. Moments are
handed out ``spacing`` apart whatever the number of processes, on one clock (the database
server's), so the bot as a whole keeps to ``1 / spacing`` messages a second. PostgreSQL
only (``GREATEST``, ``clock_timestamp``); on SQLite one process keeps its budget in memory.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Written out in full (no string building): the database's clock now, in naive UTC as the
# column holds it, and the first free moment is GREATEST(next_at, paused_until, now).
_RESERVE_REPLY = text(
    "UPDATE send_clock SET next_at = GREATEST(next_at, paused_until,"
    " clock_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => CAST(:spacing AS float8))"
    " WHERE id = 1"
    " RETURNING CAST(EXTRACT(EPOCH FROM next_at - make_interval(secs => CAST(:spacing AS float8))"
    " - (clock_timestamp() AT TIME ZONE 'UTC')) AS float8)"
)
_RESERVE_UNPROMPTED = text(
    "UPDATE send_clock SET next_at = GREATEST(next_at, paused_until,"
    " clock_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => CAST(:spacing AS float8))"
    " WHERE id = 1 AND GREATEST(next_at, paused_until) <="
    " (clock_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => CAST(:ahead AS float8))"
    " RETURNING CAST(EXTRACT(EPOCH FROM next_at - make_interval(secs => CAST(:spacing AS float8))"
    " - (clock_timestamp() AT TIME ZONE 'UTC')) AS float8)"
)
_PAUSE = text(
    "UPDATE send_clock SET paused_until = GREATEST(paused_until,"
    " (clock_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => CAST(:seconds AS float8)))"
    " WHERE id = 1"
)


async def reserve(
    conn: AsyncConnection, spacing: float, *, ahead_at_most: float | None
) -> float | None:
    """Reserve the next moment to send; the seconds to wait for it (0 or less: go now).

    With ``ahead_at_most`` (an unprompted message, which nobody is waiting for) nothing is
    reserved, and None returned, while the next free moment is further ahead than that:
    replies have booked the coming moments, and the outbox leaves them to it.
    """
    if ahead_at_most is None:
        wait = await conn.scalar(_RESERVE_REPLY, {"spacing": spacing})
    else:
        wait = await conn.scalar(_RESERVE_UNPROMPTED, {"spacing": spacing, "ahead": ahead_at_most})
    return None if wait is None else float(wait)


async def pause(conn: AsyncConnection, seconds: float) -> None:
    """Telegram said to wait: no process reserves a moment before ``seconds`` from now."""
    await conn.execute(_PAUSE, {"seconds": seconds})
