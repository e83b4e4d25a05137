"""Who is talking to the bot: their roster entry (if bound), roles, language and time zone.

Rights are decided here and in the flows, never by which buttons a person was shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.services import Services
from storage import identity
from storage.db import update_memo
from storage.identity import Account
from storage.models import Person


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person behind a Telegram account, as far as Pembina knows them."""

    telegram_id: int
    person: Person | None
    is_admin: bool
    language: str
    timezone: str
    language_from_telegram: bool = False  # not chosen yet: guessed from Telegram's setting
    menu: str | None = None  # fingerprint of the command menu last set in their chat

    @property
    def roles(self) -> frozenset[str]:
        roles = set(self.person.roles) if self.person else set()
        if self.is_admin:
            roles.add("coordinator")
        return frozenset(roles)

    @property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.roles

    @property
    def known(self) -> bool:
        """On the roster (bound) or a configured coordinator."""
        return self.person is not None or self.is_admin

    @property
    def name(self) -> str | None:
        return self.person.name if self.person else None


def _key(telegram_id: int) -> tuple[str, int]:
    return ("account", telegram_id)


async def account(svc: Services, telegram_id: int) -> Account:
    """The account as stored: person, roles, settings, open dialogue (one statement).

    Read once per update: the handlers of one update ask several times (the registration
    guard, who is asking, which dialogue is open), and the update's memo
    (``storage.db.update_memo``) answers the repeats until the update's first write.
    """
    memo = update_memo()
    key = _key(telegram_id)
    if memo is not None and key in memo:
        found: Account = memo[key]
        return found
    async with svc.db.read_alone() as conn:  # one statement
        found = await identity.account(conn, telegram_id)
    if memo is not None:
        memo[key] = found
    return found


def remember(found: Account) -> None:
    """Keep an account read elsewhere in this update's transaction (the inbox's check on
    PostgreSQL) for :func:`account`, as if it had read it."""
    memo = update_memo()
    if memo is not None:
        memo[_key(found.telegram_id)] = found


async def who(svc: Services, telegram_id: int, telegram_language: str | None = None) -> Viewer:
    """Look the account up; a stranger's language follows Telegram's until they choose one."""
    found = await account(svc, telegram_id)
    person, saved = found.person, found.prefs
    hinted = "en" if (telegram_language or "").startswith("en") else None
    from_telegram = False
    if person is not None:
        language, zone = person.language, person.timezone
    else:
        chosen = saved.language if saved else None
        from_telegram = chosen is None and hinted is not None
        language = chosen or hinted or svc.default_language
        zone = (saved.timezone if saved else None) or svc.default_timezone
    return Viewer(
        telegram_id=telegram_id,
        person=person,
        is_admin=telegram_id in svc.admin_ids,
        language=language,
        timezone=zone,
        language_from_telegram=from_telegram,
        menu=saved.menu if saved else None,
    )
