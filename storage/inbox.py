"""The durable inbox: every update Telegram delivered, as a row, before it is confirmed.

Long polling confirms an update by asking for the next offset; a webhook by answering 200.
Either happens only after :func:`store` has committed, so an update Telegram no longer holds
is always a row here. A row is *done* once its handling committed (``storage.db`` sets
``done_at`` in the same transaction as the update's own writes); a row that is not done is
handled again after a restart, and a done row is never handled twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.portable import insert_many_or_ignore, insert_or_ignore
from storage.schema import inbox

RETENTION = timedelta(days=7)
"""Done rows are kept a week: Telegram keeps an unconfirmed update for 24 hours at most."""


@dataclass(frozen=True, slots=True)
class Received:
    """One update as it arrived: its id, the chat whose order it keeps, its JSON."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]


async def store(conn: AsyncConnection, received: Sequence[Received], now: datetime) -> set[int]:
    """Store updates not stored yet; returns the ids that are new (a redelivery is not)."""
    if not received:
        return set()
    ids = [r.update_id for r in received]
    known = await conn.execute(select(inbox.c.update_id).where(inbox.c.update_id.in_(ids)))
    old = {row.update_id for row in known}
    fresh = [r for r in received if r.update_id not in old]
    await insert_many_or_ignore(
        conn,
        inbox,
        [
            {
                "update_id": r.update_id,
                "chat_id": r.chat_id,
                "payload": r.payload,
                "received_at": now,
                "done_at": None,
            }
            for r in fresh
        ],
        keys=["update_id"],
    )
    return {r.update_id for r in fresh}


async def undone(conn: AsyncConnection) -> list[Received]:
    """Stored updates whose handling never committed, oldest first."""
    rows = await conn.execute(
        select(inbox.c.update_id, inbox.c.chat_id, inbox.c.payload)
        .where(inbox.c.done_at.is_(None))
        .order_by(inbox.c.update_id)
    )
    return [Received(r.update_id, r.chat_id, r.payload or {}) for r in rows]


async def last_update_id(conn: AsyncConnection) -> int | None:
    """The newest stored update id: polling resumes at the one after it."""
    return (await conn.execute(select(func.max(inbox.c.update_id)))).scalar()


# Built once (bound by value at each call): every update that writes marks itself done,
# and most others are marked in batches.
_MARK_DONE = (
    update(inbox)
    .where(inbox.c.update_id == bindparam("id"), inbox.c.done_at.is_(None))
    .values(done_at=bindparam("now"))
)
_MARK_ALL_DONE = (
    update(inbox)
    .where(inbox.c.update_id.in_(bindparam("ids", expanding=True)), inbox.c.done_at.is_(None))
    .values(done_at=bindparam("now"))
)


async def mark_done(conn: AsyncConnection, update_id: int, now: datetime) -> bool:
    """Mark the update handled; False if it was handled before.

    An update that never went through the inbox (a flow driven directly) gets a done row, so
    the same id is refused later too.
    """
    result = await conn.execute(_MARK_DONE, {"id": update_id, "now": now})
    if result.rowcount == 1:
        return True
    return await insert_or_ignore(
        conn,
        inbox,
        {"update_id": update_id, "received_at": now, "done_at": now},
        keys=["update_id"],
    )


async def mark_all_done(conn: AsyncConnection, update_ids: Sequence[int], now: datetime) -> None:
    """Mark stored updates handled, several in one statement (those whose handlers wrote
    nothing: their mark needs no change of theirs beside it). One another process marked
    already keeps its time."""
    await conn.execute(_MARK_ALL_DONE, {"ids": list(update_ids), "now": now})


async def is_done(conn: AsyncConnection, update_id: int) -> bool:
    row = await conn.execute(select(inbox.c.done_at).where(inbox.c.update_id == update_id))
    found = row.first()
    return found is not None and found.done_at is not None


async def counts(conn: AsyncConnection) -> dict[str, int]:
    """How many rows are done and how many wait (for ``outbox status``-like reports, tests)."""
    rows = await conn.execute(
        select(inbox.c.done_at.is_(None).label("waiting"), func.count()).group_by("waiting")
    )
    result = {"done": 0, "waiting": 0}
    for waiting, count in rows:
        result["waiting" if waiting else "done"] = count
    return result


async def forget_done_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop done rows older than ``cutoff``; rows still waiting are never dropped."""
    result = await conn.execute(
        delete(inbox).where(inbox.c.done_at.is_not(None), inbox.c.done_at < cutoff)
    )
    return result.rowcount
