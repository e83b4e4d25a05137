"""Snooze buttons on nudges, /jeda (pause until a date) and /lanjut (resume)."""

from __future__ import annotations

from telegram import Update

from bot.flows import limits, nudges, weeks
from bot.handlers.common import answer, edit, pressed, say, stranger_hint, viewer_of
from bot.handlers.context import Context
from bot.i18n import t


async def on_button(update: Update, context: Context) -> None:
    """``nd:snooze:1`` (a day) or ``nd:snooze:7`` (until next week)."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    days = press.number(0)
    if press.action != "snooze" or days not in nudges.SNOOZE_DAYS or viewer.person is None:
        await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    until = nudges.snooze_until(context.svc.clock.now(), viewer.timezone, days)
    await nudges.pause(context.svc, viewer.person, until)
    await answer(query)
    local = weeks.local_datetime(until, viewer.timezone)
    lang = viewer.language
    await edit(
        query,
        t(
            lang,
            "nudge.snoozed",
            weekday=t(lang, f"weekday.{local.weekday()}"),
            until=local.strftime("%d-%m-%Y %H:%M"),
        ),
    )


async def pause(update: Update, context: Context) -> None:
    """/jeda DD-MM-YYYY: no nudges until the end of that day (leave, duty travel)."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    if viewer.person is None:
        await say(update, await stranger_hint(context, viewer))
        return
    day = weeks.parse_date(" ".join(context.args or []))
    today = weeks.local_date(context.svc.clock.now(), viewer.timezone)
    if day is None or day < today or (day - today).days > limits.MAX_PAUSE_DAYS:
        await say(update, t(lang, "nudge.pause_usage"))
        return
    await nudges.pause(context.svc, viewer.person, nudges.end_of_day(day, viewer.timezone))
    await say(update, t(lang, "nudge.paused", until=day.strftime("%d-%m-%Y")))


async def resume(update: Update, context: Context) -> None:
    """/lanjut: nudges again from now on."""
    viewer = await viewer_of(update, context)
    if viewer.person is None:
        await say(update, await stranger_hint(context, viewer))
        return
    await nudges.pause(context.svc, viewer.person, None)
    await say(update, t(viewer.language, "nudge.resumed"))
