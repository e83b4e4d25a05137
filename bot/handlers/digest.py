"""/ringkasan: the weekly digest on demand, for supervisors and coordinators."""

from __future__ import annotations

from telegram import Update

from bot.flows import digest
from bot.handlers.common import say, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t


async def show(update: Update, context: Context) -> None:
    viewer = await viewer_of(update, context)
    messages = await digest.on_demand(context.svc, viewer)
    if messages is None:
        await say(update, t(viewer.language, "digest.not_allowed"))
        return
    for text in messages:
        await say(update, Html(text))
