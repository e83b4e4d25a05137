"""Which multi-step dialogue (if any) a person is in, how old it is, and leaving it.

A dialogue left open is a trap: a mentor who tapped "Comment" and walked away would have
their next message, days later, sent to the mentee. So every dialogue has an age limit
(:data:`STALE_AFTER`, measured from the last step taken); past it, a text is not taken as
the dialogue's answer without asking.
"""

from __future__ import annotations

from datetime import timedelta

from bot.flows import identity
from bot.flows.services import Services
from storage import conversations
from storage.models import Conversation

# How long an open step may wait before a message is no longer assumed to answer it. Short
# where the text goes to another person (a comment) or is a quick note; a day for a
# reflection in progress (its draft is kept whatever happens).
STALE_AFTER: dict[str, timedelta] = {
    "review": timedelta(minutes=30),
    "rating": timedelta(minutes=30),
    "session": timedelta(hours=2),
    "newprog": timedelta(hours=2),
    "progedit": timedelta(hours=2),
    "reflect": timedelta(days=1),
    "register": timedelta(days=1),
}
DEFAULT_STALE_AFTER = timedelta(minutes=30)


async def current(svc: Services, telegram_id: int) -> Conversation | None:
    """The open dialogue as it is stored now (flow, step, answers so far, age): read with
    the account, once per update until the update writes (``identity.account``)."""
    return (await identity.account(svc, telegram_id)).conversation


def is_stale(svc: Services, conv: Conversation) -> bool:
    """Whether the step has waited longer than its flow allows."""
    if conv.updated_at is None:
        return False
    limit = STALE_AFTER.get(conv.flow, DEFAULT_STALE_AFTER)
    return svc.clock.now() - conv.updated_at > limit


def replaced(before: Conversation | None, after: Conversation | None) -> bool:
    """Whether a new dialogue (or another reflection) took the place of ``before``."""
    if before is None or after is None:
        return False
    if before.flow != after.flow:
        return True
    return before.flow == "reflect" and before.data.get("reflection_id") != after.data.get(
        "reflection_id"
    )


async def touch(svc: Services, conv: Conversation) -> None:
    """Start the step's age again (the question was just asked anew)."""
    async with svc.db.write() as conn:
        await conversations.save_conversation(
            conn,
            conv.telegram_id,
            flow=conv.flow,
            step=conv.step,
            data=conv.data,
            now=svc.clock.now(),
        )


async def leave(svc: Services, telegram_id: int) -> str | None:
    """Stop whatever dialogue is open (drafts stay where they are); which one it was."""
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, telegram_id)
        if conv is None:
            return None
        await conversations.clear_conversation(conn, telegram_id)
    return conv.flow
