"""Conversation steps and drafts, written as each answer arrives so a restart loses nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Conversation
from storage.portable import upsert
from storage.schema import conversations

# Built once (bound by value at each call): every dialogue step reads its step.
_GET = select(conversations).where(conversations.c.telegram_id == bindparam("tid"))


async def get_conversation(conn: AsyncConnection, telegram_id: int) -> Conversation | None:
    row = (await conn.execute(_GET, {"tid": telegram_id})).mappings().first()
    return None if row is None else to_conversation(row)


def to_conversation(row: Mapping[Any, Any]) -> Conversation:
    """A ``conversations`` row (by column name) as the model."""
    return Conversation(
        telegram_id=row["telegram_id"],
        flow=row["flow"],
        step=row["step"],
        data=dict(row["data"]),
        updated_at=row["updated_at"],
    )


async def save_conversation(
    conn: AsyncConnection,
    telegram_id: int,
    *,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> Conversation:
    await upsert(
        conn,
        conversations,
        {"telegram_id": telegram_id, "flow": flow, "step": step, "data": data, "updated_at": now},
        keys=["telegram_id"],
    )
    return Conversation(telegram_id=telegram_id, flow=flow, step=step, data=data, updated_at=now)


async def clear_conversation(conn: AsyncConnection, telegram_id: int) -> None:
    await conn.execute(delete(conversations).where(conversations.c.telegram_id == telegram_id))
