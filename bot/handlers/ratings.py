"""/catatan (/ratings): session ratings and their notes, for coordinators only."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.flows import ratings
from bot.flows.buttons import Button
from bot.handlers.common import answer, pressed, say, say_long, viewer_of
from bot.handlers.context import Context
from bot.i18n import person_name, t
from bot.presenter.digest import rating_average

BUTTON = "rn"


async def show(update: Update, context: Context) -> None:
    """/catatan [name]: each mentor's average; a button per mentor with notes."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    found = await ratings.averages(context.svc, viewer, " ".join(context.args or []))
    if found is None:
        await say(update, t(lang, "digest.ratings.not_allowed"))
        return
    if not found:
        await say(update, t(lang, "digest.ratings.none"))
        return
    lines = [t(lang, "digest.ratings.list_header")]
    lines += [
        t(
            lang,
            "digest.ratings.digest_line",
            name=m.name,
            average=rating_average(lang, m.average, m.rated, m.notes),
        )
        for m in found
    ]
    keyboard = [
        [
            Button(
                f"📝 {person_name(lang, m.name)[:40]} ({m.notes})",
                callbacks.encode(BUTTON, "m", m.mentor_id),
            )
        ]
        for m in found
        if m.notes
    ]
    await say_long(update, lines, keyboard or None)


async def on_button(update: Update, context: Context) -> None:
    """``rn:m:<mentor id>``: that mentor's notes, if the presser is a coordinator."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    found = None
    if press.action == "m":
        found = await ratings.notes_of(context.svc, viewer, press.number(0))
    if found is None:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    header = t(lang, "digest.ratings.notes_header", name=found.mentor.name, count=len(found.notes))
    blocks = [header]
    blocks += [
        t(
            lang,
            "digest.ratings.note",
            day=n.held_on.strftime("%d-%m-%Y"),
            stars="⭐" * n.rating,
            mentee=n.mentee,
            topic=n.topic,
            note=n.note,
        )
        for n in found.notes
    ]
    if not found.notes:
        blocks.append(t(lang, "digest.ratings.no_notes"))
    await say_long(update, blocks, separator="\n\n")
