"""/ringkasan: the weekly digest on demand, for supervisors and coordinators."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot import presenter
from bot.flows import digest
from bot.handlers.common import say, say_picture, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t


async def show(update: Update, context: Context) -> None:
    """The same notices the weekly run queues, worded by the presenter for this reader."""
    viewer = await viewer_of(update, context)
    found = await digest.on_demand(context.svc, viewer)
    if found is None:
        await say(update, t(viewer.language, "digest.not_allowed"))
        return
    for item in found:
        for part in presenter.render(item.kind, item.params, viewer.language):
            if part.chart is None:
                await say(update, Html(part.text), part.keyboard)
                continue
            # Drawing takes tens of milliseconds: off the event loop, like the outbox does.
            png = await asyncio.to_thread(presenter.chart_png, part.chart)
            await say_picture(update, png, part.text)
