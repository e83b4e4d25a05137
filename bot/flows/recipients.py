"""Who gets told about coordinator matters, and in which language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.services import Services
from storage import people, prefs


@dataclass(frozen=True, slots=True)
class Recipient:
    telegram_id: int
    language: str
    person_id: int | None = None


async def language_of(svc: Services, conn: AsyncConnection, telegram_id: int) -> Recipient:
    """A Telegram account's language: the roster's, else their own choice, else the default."""
    person = await people.get_person_by_telegram(conn, telegram_id)
    if person is not None:
        return Recipient(telegram_id, person.language, person.id)
    saved = await prefs.get_prefs(conn, telegram_id)
    return Recipient(telegram_id, (saved.language if saved else None) or svc.default_language)


async def coordinators(svc: Services, conn: AsyncConnection) -> list[Recipient]:
    """Configured admins plus bound people with the coordinator role, each once."""
    ids = sorted(set(svc.admin_ids) | set(await people.coordinator_telegram_ids(conn)))
    return [await language_of(svc, conn, i) for i in ids]
