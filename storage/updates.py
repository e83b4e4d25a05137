"""Ids of Telegram updates already handled, so a redelivered update is not acted on twice.

After a crash Telegram hands back every update whose offset was not yet confirmed; the
handler that changed state records the update id in the same transaction, and a replay is
skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.portable import insert_or_ignore
from storage.schema import processed_updates


async def is_processed(conn: AsyncConnection, update_id: int) -> bool:
    row = await conn.execute(
        select(processed_updates.c.update_id).where(processed_updates.c.update_id == update_id)
    )
    return row.first() is not None


async def mark_processed(conn: AsyncConnection, update_id: int, now: datetime) -> bool:
    """Record the update; False if it was already recorded."""
    return await insert_or_ignore(
        conn,
        processed_updates,
        {"update_id": update_id, "processed_at": now},
        keys=["update_id"],
    )


async def forget_older_than(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop old ids: Telegram keeps undelivered updates for 24 hours, so a week is ample."""
    result = await conn.execute(
        delete(processed_updates).where(processed_updates.c.processed_at < cutoff)
    )
    return result.rowcount


RETENTION = timedelta(days=7)
