"""What is left: unknown commands, unknown buttons, and the error handler."""

from __future__ import annotations

import logging

from telegram import Update

from bot.handlers.common import answer, say, stranger_hint, viewer_of
from bot.handlers.context import Context
from bot.i18n import DEFAULT_LANGUAGE, t
from storage.db import AlreadyHandled

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: Context) -> None:
    viewer = await viewer_of(update, context)
    if viewer.known:
        await say(update, t(viewer.language, "common.unknown_command"))
    else:
        await say(update, await stranger_hint(context, viewer))


async def unknown_button(update: Update, context: Context) -> None:
    """Forged, stale or foreign callback data: a polite alert, nothing changes."""
    query = update.callback_query
    assert query is not None
    viewer = await viewer_of(update, context)
    log.info("unknown callback data from %s: %r", viewer.telegram_id, query.data)
    await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)


async def on_error(update: object, context: Context) -> None:
    """Log the failure and tell the person their message was not processed."""
    if isinstance(context.error, AlreadyHandled):
        log.info("skipped a redelivered update: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = DEFAULT_LANGUAGE
    try:
        if update.effective_user is not None:
            language = (await viewer_of(update, context)).language
        await say(update, t(language, "common.error"))
    except Exception:  # the error reply is best effort; the failure is already logged
        log.exception("could not send the error reply")
