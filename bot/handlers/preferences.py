"""/language and /timezone, with buttons."""

from __future__ import annotations

from telegram import Update

from bot import callbacks, timezones
from bot.flows import preferences
from bot.flows.buttons import Button
from bot.handlers.common import answer, apply_menu, edit, pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import LANGUAGES, t


async def choose_language(update: Update, context: Context) -> None:
    viewer = await viewer_of(update, context)
    buttons = [
        [
            Button(t(viewer.language, f"language.name_{code}"), callbacks.encode("lang", code))
            for code in LANGUAGES
        ]
    ]
    await say(update, t(viewer.language, "language.choose"), buttons)


async def on_language(update: Update, context: Context) -> None:
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    code = press.action
    if not await preferences.set_language(context.svc, viewer, code):
        await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    await edit(query, t(code, "language.changed"))
    updated = await viewer_of(update, context)
    await apply_menu(context, updated)


def _clock(zone: str, context: Context) -> str:
    return timezones.local(context.svc.clock.now(), zone).strftime("%H:%M")


async def choose_timezone(update: Update, context: Context) -> None:
    viewer = await viewer_of(update, context)
    lang = viewer.language
    buttons = [
        [
            Button(
                t(lang, "timezone.option", label=label, time=_clock(zone, context)),
                callbacks.encode("tz", label),
            )
        ]
        for label, zone in timezones.ZONES.items()
    ]
    text = t(
        lang,
        "timezone.choose",
        current=timezones.label(viewer.timezone),
        time=_clock(viewer.timezone, context),
    )
    await say(update, text, buttons)


async def on_timezone(update: Update, context: Context) -> None:
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    label = press.action
    zone = await preferences.set_timezone(context.svc, viewer, label)
    if zone is None:
        await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    await edit(
        query, t(viewer.language, "timezone.changed", label=label, time=_clock(zone, context))
    )
