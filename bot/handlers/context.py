"""A typed callback context: handlers reach the flows' services without casts."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.flows.services import Services


class ExportJobs:
    """Who has an export being built now (Telegram ids; one each, bot/handlers/export_job.py)."""

    def __init__(self) -> None:
        self.running: set[int] = set()

    @property
    def busy(self) -> bool:
        return bool(self.running)


class BotData:
    """Application-wide state: the services object and the exports under way."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.exports = ExportJobs()


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def svc(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are attached in app.build_application")
        return services


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData)
