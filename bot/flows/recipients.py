"""Who gets told about coordinator matters, and in which language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.services import Services
from storage import outbox, people, prefs
from storage.models import Person


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


async def notify(
    conn: AsyncConnection,
    person: Person,
    *,
    dedup: str,
    now: datetime,
    kind: str,
    params: dict[str, Any],
) -> bool:
    """Queue the notice ``kind`` to one person; ``bot.presenter`` words it in their language
    when it is sent. Nothing for someone not on Telegram yet; False if queued before."""
    if person.telegram_id is None:
        return False
    return await outbox.enqueue(
        conn,
        dedup_key=dedup,
        chat_id=person.telegram_id,
        person_id=person.id,
        now=now,
        kind=kind,
        params=params,
    )


async def notify_coordinators(
    svc: Services,
    conn: AsyncConnection,
    *,
    dedup: str,
    now: datetime,
    kind: str,
    params: dict[str, Any],
    about: int | None = None,
) -> int:
    """Queue the notice ``kind`` to every coordinator (each worded in their language when
    sent); the person it is ``about`` is left out."""
    told = 0
    for who in await coordinators(svc, conn):
        if about is not None and who.person_id == about:
            continue
        told += await outbox.enqueue(
            conn,
            dedup_key=f"{dedup}:{who.telegram_id}",
            chat_id=who.telegram_id,
            person_id=who.person_id,
            now=now,
            kind=kind,
            params=params,
        )
    return told
