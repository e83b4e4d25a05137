"""Language and time zone of Telegram accounts that are not (yet) on the roster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import UserPrefs
from storage.portable import upsert
from storage.schema import telegram_users


async def get_prefs(conn: AsyncConnection, telegram_id: int) -> UserPrefs | None:
    row = (
        (
            await conn.execute(
                select(telegram_users).where(telegram_users.c.telegram_id == telegram_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return UserPrefs(telegram_id=telegram_id, language=row["language"], timezone=row["timezone"])


async def save_prefs(
    conn: AsyncConnection,
    telegram_id: int,
    *,
    now: datetime,
    language: str | None = None,
    timezone: str | None = None,
) -> None:
    """Set whichever of language / time zone is given, keeping the other."""
    current = await get_prefs(conn, telegram_id)
    values = {
        "telegram_id": telegram_id,
        "language": language or (current.language if current else None),
        "timezone": timezone or (current.timezone if current else None),
        "updated_at": now,
    }
    await upsert(conn, telegram_users, values, keys=["telegram_id"])


async def save_menu(conn: AsyncConnection, telegram_id: int, menu: str, now: datetime) -> None:
    """Remember the fingerprint of the menu just set in this chat (settings kept)."""
    await upsert(
        conn,
        telegram_users,
        {"telegram_id": telegram_id, "menu": menu, "updated_at": now},
        keys=["telegram_id"],
    )
