"""Language and time zone choices, for roster people and strangers alike."""

from __future__ import annotations

from bot import timezones
from bot.flows.identity import Viewer
from bot.flows.services import Services
from bot.i18n import LANGUAGES
from storage import people, prefs


async def _remember(svc: Services, viewer: Viewer, **choice: str) -> None:
    """A language or time zone choice: on the roster entry, else on the Telegram account."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        if viewer.person is not None:
            await people.update_person(conn, viewer.person.id, now, **choice)
        else:
            await prefs.save_prefs(conn, viewer.telegram_id, now=now, **choice)


async def set_language(svc: Services, viewer: Viewer, language: str) -> bool:
    """Switch the viewer's language; False for a language we do not speak."""
    if language not in LANGUAGES:
        return False
    await _remember(svc, viewer, language=language)
    return True


async def set_timezone(svc: Services, viewer: Viewer, label: str) -> str | None:
    """Switch the viewer's time zone by label (WIB/WITA/WIT); the stored zone, or None."""
    zone = timezones.ZONES.get(label)
    if zone is None:
        return None
    await _remember(svc, viewer, timezone=zone)
    return zone


async def remember_guessed_language(svc: Services, viewer: Viewer) -> None:
    """Keep the language guessed from Telegram, so unprompted messages (sent when we have
    no update to guess from) use it too."""
    if viewer.person is None and viewer.language_from_telegram:
        await _remember(svc, viewer, language=viewer.language)


async def remember_menu(svc: Services, telegram_id: int, menu: str) -> None:
    """The menu with this fingerprint was just set in the person's chat."""
    async with svc.db.write() as conn:
        await prefs.save_menu(conn, telegram_id, menu, svc.clock.now())
