"""Who cannot be reached on Telegram: stop writing to them, tell the coordinators at once,
and take them back when they write to the bot again.

Telegram answers 403 when someone blocked the bot or deleted their account, and "chat not
found" when an account never opened the chat. Retrying is pointless, and silence would
leave a mentee without nudges and a mentor without reviews while nobody knows: the
coordinators hear of it the moment it happens (and the weekly digest repeats it).
"""

from __future__ import annotations

from bot.flows import recipients
from bot.flows.pairing import deliver_waiting_offers
from bot.flows.services import Services
from storage import outbox, people
from storage.models import Person

UNREACHABLE, ACTIVE = "unreachable", "active"


def _notice(error: str) -> str:
    """The coordinators' notice for what Telegram said."""
    lowered = error.lower()
    if "blocked" in lowered:
        return "reach.blocked"
    if "deactivated" in lowered:
        return "reach.deactivated"
    return "reach.not_found"


async def unreachable(svc: Services, chat_id: int, error: str) -> Person | None:
    """Telegram refused ``chat_id`` for good: fail what is queued for it, flag the person
    and, the first time, queue a notice to every coordinator."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        await outbox.fail_pending_for_chat(conn, chat_id, error)
        person = await people.get_person_by_telegram(conn, chat_id)
        if person is None or person.status == UNREACHABLE:
            return person
        await people.update_person(conn, person.id, now, status=UNREACHABLE, unreachable_since=now)
        told = await recipients.tell_coordinators(
            svc,
            conn,
            _notice(error),
            f"unreachable:{person.id}:{now:%Y%m%d%H%M}",
            now,
            about=person.id,
            name=person.name,
            unit=person.unit or "-",
        )
    if told:
        svc.outbox_wake()
    return person


async def seen_again(svc: Services, person: Person) -> None:
    """Someone marked unreachable wrote to the bot: they unblocked it, so they are reachable
    again (called when their update is read, so it costs nothing for everyone else)."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        await people.update_person(conn, person.id, now, status=ACTIVE, unreachable_since=None)
        back = await people.get_person(conn, person.id)
        offers = await deliver_waiting_offers(conn, back, now) if back else 0
    if offers:
        svc.outbox_wake()
