"""Someone the outbox had marked unreachable writes again: they unblocked the bot."""

from __future__ import annotations

from telegram import Update

from bot.flows import reachability
from bot.handlers.context import Context

GROUP = -2  # after the duplicate-update check, before everything else


async def welcome_back(update: Update, context: Context) -> None:
    """Mark them reachable so nudges, reviews and digests reach them again."""
    user = update.effective_user
    if user is not None and not user.is_bot:
        await reachability.seen_again(context.svc, user.id)
