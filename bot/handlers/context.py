"""A typed callback context: handlers reach the flows' services without casts."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.flows.services import Services


class ExportJobs:
    """Who has an export being built now (Telegram ids; one each, bot/handlers/export_job.py)."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> bool:
        return bool(self.running)

    async def stop(self) -> None:
        """Stop every build (the bot is stopping): each tells its person to ask again.
        Without this, stopping would wait for a province's ledger to finish."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class BotData:
    """Application-wide state: the services object and the exports under way."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.exports = ExportJobs()
        # getUpdates' client, which keeps each batch's JSON for the inbox (bot.inbox.Poller)
        self.updates_request: Any = None


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def svc(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are attached in app.build_application")
        return services


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData)
