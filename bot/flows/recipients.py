"""Who gets told about coordinator matters, and in which language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.buttons import Keyboard, to_json
from bot.flows.services import Services
from bot.i18n import t
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


async def tell(
    conn: AsyncConnection,
    person: Person,
    *,
    dedup: str,
    now: datetime,
    text: Callable[[str], str],
    buttons: Callable[[str], Keyboard] | None = None,
) -> bool:
    """Queue a message to one person, worded now in their language (``text`` and
    ``buttons`` are given it); nothing for someone not on Telegram yet. False if queued
    before. Kept for messages not yet converted to notices: prefer :func:`notify`."""
    if person.telegram_id is None:
        return False
    lang = person.language
    return await outbox.enqueue(
        conn,
        dedup_key=dedup,
        chat_id=person.telegram_id,
        person_id=person.id,
        text=text(lang),
        now=now,
        reply_markup=to_json(buttons(lang)) if buttons else None,
    )


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


async def tell_coordinators(
    svc: Services,
    conn: AsyncConnection,
    key: str,
    dedup: str,
    now: datetime,
    buttons: Callable[[str], Keyboard] | None = None,
    *,
    about: int | None = None,
    **values: object,
) -> int:
    """Queue the message ``key`` to every coordinator, each in their language; the person
    it is ``about`` is left out (a coordinator is not told about themself). Kept for
    messages not yet converted to notices: prefer :func:`notify_coordinators`."""
    told = 0
    for who in await coordinators(svc, conn):
        if about is not None and who.person_id == about:
            continue
        told += await outbox.enqueue(
            conn,
            dedup_key=f"{dedup}:{who.telegram_id}",
            chat_id=who.telegram_id,
            person_id=who.person_id,
            text=t(who.language, key, **values),
            now=now,
            reply_markup=to_json(buttons(who.language)) if buttons else None,
        )
    return told
