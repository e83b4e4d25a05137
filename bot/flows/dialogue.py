"""Which multi-step dialogue (if any) a person is in, and leaving it."""

from __future__ import annotations

from bot.flows.services import Services
from storage import conversations


async def current_flow(svc: Services, telegram_id: int) -> str | None:
    """``register``, ``reflect``, ``review``... or None."""
    async with svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, telegram_id)
    return conv.flow if conv else None


async def leave(svc: Services, telegram_id: int) -> str | None:
    """Stop whatever dialogue is open (drafts stay where they are); which one it was."""
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, telegram_id)
        if conv is None:
            return None
        await conversations.clear_conversation(conn, telegram_id)
    return conv.flow
