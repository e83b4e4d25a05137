"""/catatan: session ratings and their notes, for coordinators only."""

from __future__ import annotations

from telegram import Update

from bot.flows import ratings
from bot.handlers.common import pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t


async def show(update: Update, context: Context) -> None:
    """/catatan [name]: each mentor's average; a button per mentor with notes."""
    viewer = await viewer_of(update, context)
    reply = await ratings.overview(context.svc, viewer, " ".join(context.args or []))
    last = len(reply.messages) - 1
    for number, text in enumerate(reply.messages):
        await say(update, Html(text), reply.keyboard if number == last else None)


async def on_button(update: Update, context: Context) -> None:
    """``rn:m:<mentor id>``: that mentor's notes, if the presser is a coordinator."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    reply = None
    if press.action == "m":
        reply = await ratings.notes_of(context.svc, viewer, press.number(0))
    if reply is None:
        await query.answer(t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    await query.answer()
    for text in reply.messages:
        await say(update, Html(text))
