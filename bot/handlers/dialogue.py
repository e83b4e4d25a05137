"""Routes text and non-text messages to the dialogue the person is in, and /cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.flows import dialogue, registration
from bot.flows.identity import Viewer
from bot.handlers import (
    coordinator,
    programme_wizard,
    reflect,
    register,
    review,
    roster,
    sessions,
)
from bot.handlers.common import say, stranger_hint, viewer_of
from bot.handlers.context import Context
from bot.i18n import t
from storage.models import Conversation

TextAnswer = Callable[[Update, Context, Viewer, str], Awaitable[None]]
# The open dialogue (conversations.flow) -> who takes a text answer in it.
TEXT_ANSWERS: dict[str, TextAnswer] = {
    "register": register.on_text,
    "reflect": reflect.on_text,
    "review": review.on_text,
    "session": sessions.on_text,
    "rating": sessions.on_note,
    "newprog": programme_wizard.on_text,
    "progedit": coordinator.on_text,
}


async def on_text(update: Update, context: Context) -> None:
    """Text: an answer in the open dialogue, else a pointer to /help.

    A dialogue past its age limit does not take the text silently: a comment is held until
    the mentor confirms it, registration asks its question again, the rest are closed with
    a note saying how to go back (a reflection's draft is kept).
    """
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    viewer = await viewer_of(update, context)
    conv = await dialogue.current(context.svc, viewer.telegram_id)
    if conv is not None and dialogue.is_stale(context.svc, conv):
        if conv.flow == "review":
            await review.on_stale_text(update, context, viewer, message.text)
        else:
            await _stale(update, context, viewer, conv)
        return
    answer = TEXT_ANSWERS.get(conv.flow if conv else "")
    if answer is not None:
        await answer(update, context, viewer, message.text)
    elif viewer.known:
        await say(update, t(viewer.language, "common.unknown_text"))
    else:
        await say(update, await stranger_hint(context, viewer))


async def on_other(update: Update, context: Context) -> None:
    """Stickers, photos, voice...: evidence while reflecting, a coordinator's roster file,
    otherwise a gentle hint."""
    message = update.effective_message
    assert message is not None
    viewer = await viewer_of(update, context)
    conv = await dialogue.current(context.svc, viewer.telegram_id)
    if conv is not None and dialogue.is_stale(context.svc, conv):
        await _stale(update, context, viewer, conv)
        return
    flow = conv.flow if conv else None
    if flow not in ("register", "reflect") and roster.wants(viewer, message.document):
        assert message.document is not None
        await roster.on_document(update, context, viewer, message.document)
    elif flow == "register":
        await register.on_other(update, context, viewer)
    elif flow == "reflect":
        await reflect.on_media(update, context, viewer, message)
    elif flow == "review":
        await review.on_other(update, context, viewer)
    elif flow in ("session", "rating", "newprog", "progedit") or viewer.known:
        await say(update, t(viewer.language, "common.text_only"))
    else:
        await say(update, await stranger_hint(context, viewer))


async def on_edit(update: Update, context: Context) -> None:
    """An edited message is never the answer to the step open now. If it gave an answer
    that is still open (registration not yet sent, a reflection still a draft), that
    answer is updated and the person told so; otherwise a note, and nothing changes."""
    message = update.edited_message
    assert message is not None
    viewer = await viewer_of(update, context)
    text = message.text
    if text and not text.startswith("/"):
        for revise in (register.on_edit, reflect.on_edit):
            if await revise(update, context, viewer, message.message_id, text):
                return
    await say(update, t(viewer.language, "common.edit_not_read"))


async def _stale(update: Update, context: Context, viewer: Viewer, conv: Conversation) -> None:
    """A message long after the last step: not taken as its answer. Registration (modal)
    asks its question again; any other dialogue is closed with a note on how to go back."""
    lang = viewer.language
    if conv.flow == "register":
        await dialogue.touch(context.svc, conv)
        current = await registration.active_step(context.svc, viewer.telegram_id)
        if current is not None:
            await register.ask(update, viewer, current, lead=t(lang, "common.stale_register"))
        return
    await dialogue.leave(context.svc, viewer.telegram_id)
    await say(update, t(lang, f"common.stale_{conv.flow}"))


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
