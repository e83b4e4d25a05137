"""Language and time zone choices, for roster people and strangers alike."""

from __future__ import annotations

from bot import timezones
from bot.flows.identity import Viewer
from bot.flows.services import Services
from bot.i18n import LANGUAGES
from storage import people, prefs


async def set_language(svc: Services, viewer: Viewer, language: str) -> bool:
    """Switch the viewer's language; False for a language we do not speak."""
    if language not in LANGUAGES:
        return False
    now = svc.clock.now()
    async with svc.db.write() as conn:
        if viewer.person is not None:
            await people.update_person(conn, viewer.person.id, now, language=language)
        else:
            await prefs.save_prefs(conn, viewer.telegram_id, now=now, language=language)
    return True


async def set_timezone(svc: Services, viewer: Viewer, label: str) -> str | None:
    """Switch the viewer's time zone by label (WIB/WITA/WIT); the stored zone, or None."""
    zone = timezones.ZONES.get(label)
    if zone is None:
        return None
    now = svc.clock.now()
    async with svc.db.write() as conn:
        if viewer.person is not None:
            await people.update_person(conn, viewer.person.id, now, timezone=zone)
        else:
            await prefs.save_prefs(conn, viewer.telegram_id, now=now, timezone=zone)
    return zone


async def remember_guessed_language(svc: Services, viewer: Viewer) -> None:
    """Keep the language guessed from Telegram, so unprompted messages (sent when we have
    no update to guess from) use it too."""
    if viewer.person is None and viewer.language_from_telegram:
        async with svc.db.write() as conn:
            await prefs.save_prefs(
                conn, viewer.telegram_id, now=svc.clock.now(), language=viewer.language
            )
