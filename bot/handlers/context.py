"""A typed callback context: handlers reach the flows' services without casts."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.flows.services import Services


class BotData:
    """Application-wide state: only the services object."""

    def __init__(self) -> None:
        self.services: Services | None = None


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def svc(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are attached in app.build_application")
        return services


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData)
