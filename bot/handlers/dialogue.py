"""Routes text and non-text messages to the dialogue the person is in, and /cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.flows import dialogue
from bot.flows.identity import Viewer
from bot.handlers import programme_wizard, reflect, register, review, roster, sessions
from bot.handlers.common import say, viewer_of
from bot.handlers.context import Context
from bot.i18n import t

TextAnswer = Callable[[Update, Context, Viewer, str], Awaitable[None]]
# The open dialogue (conversations.flow) -> who takes a text answer in it.
TEXT_ANSWERS: dict[str, TextAnswer] = {
    "register": register.on_text,
    "reflect": reflect.on_text,
    "review": review.on_text,
    "session": sessions.on_text,
    "rating": sessions.on_note,
    "newprog": programme_wizard.on_text,
}


async def on_text(update: Update, context: Context) -> None:
    """Text: an answer in the open dialogue, else a pointer to /help."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    viewer = await viewer_of(update, context)
    flow = await dialogue.current_flow(context.svc, viewer.telegram_id)
    answer = TEXT_ANSWERS.get(flow or "")
    if answer is not None:
        await answer(update, context, viewer, message.text)
    else:
        key = "common.unknown_text" if viewer.known else "common.stranger_hint"
        await say(update, t(viewer.language, key))


async def on_other(update: Update, context: Context) -> None:
    """Stickers, photos, voice...: evidence while reflecting, a coordinator's roster file,
    otherwise a gentle hint."""
    message = update.effective_message
    assert message is not None
    viewer = await viewer_of(update, context)
    flow = await dialogue.current_flow(context.svc, viewer.telegram_id)
    if flow not in ("register", "reflect") and roster.wants(viewer, message.document):
        assert message.document is not None
        await roster.on_document(update, context, viewer, message.document)
    elif flow == "register":
        await register.on_other(update, context, viewer)
    elif flow == "reflect":
        await reflect.on_media(update, context, viewer, message)
    elif flow == "review":
        await review.on_other(update, context, viewer)
    elif flow in ("session", "rating", "newprog"):
        await say(update, t(viewer.language, "common.text_only"))
    else:
        key = "common.text_only" if viewer.known else "common.stranger_hint"
        await say(update, t(viewer.language, key))


async def cancel(update: Update, context: Context) -> None:
    """/cancel: leave whatever is open; drafts (registration answers aside) are kept."""
    viewer = await viewer_of(update, context)
    left = await dialogue.leave(context.svc, viewer.telegram_id)
    keys = {"register": "register.cancelled", "reflect": "reflect.stopped"}
    await say(
        update,
        t(
            viewer.language,
            keys.get(left or "", "common.cancelled" if left else "common.nothing_to_cancel"),
        ),
    )
