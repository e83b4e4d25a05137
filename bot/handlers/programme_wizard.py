"""/newprogram: a coordinator creates a programme in chat."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.flows import dialogue, limits
from bot.flows import programme_wizard as wizard
from bot.flows.buttons import Button, Keyboard
from bot.flows.identity import Viewer
from bot.flows.programme_wizard import Screen, Step
from bot.flows.templates import KINDS
from bot.handlers.common import answer, pressed, say, tell_left, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t


def _buttons(viewer: Viewer, screen: Screen) -> Keyboard | None:
    lang = viewer.language
    step = screen.step
    if step is Step.KIND:
        return [
            [Button(t(lang, f"programme.kind.{k}"), callbacks.encode("pw", "v", k))] for k in KINDS
        ]
    if step is Step.START:
        return [[Button(t(lang, "wizard.today"), callbacks.encode("pw", "v", "today"))]]
    if step is Step.END:
        return [[Button(t(lang, "wizard.twelve_weeks"), callbacks.encode("pw", "v", "default"))]]
    if step is Step.DAY:
        return [
            [Button(t(lang, f"weekday.{d}"), callbacks.encode("pw", "v", d)) for d in range(5)]
        ]
    if step is Step.MEMBERS:
        rows = [[Button(t(lang, "wizard.everyone"), callbacks.encode("pw", "v", "all"))]]
        rows += [
            [Button(unit[:60], callbacks.encode("pw", "v", i))]
            for i, unit in enumerate(screen.units[:12])
        ]
        return rows
    if step is Step.CONFIRM:
        return [
            [
                Button(t(lang, "wizard.create"), callbacks.encode("pw", "go")),
                Button(t(lang, "wizard.cancel"), callbacks.encode("pw", "stop")),
            ]
        ]
    return None


async def show(update: Update, viewer: Viewer, screen: Screen) -> None:
    lang = viewer.language
    if screen.not_allowed:
        await say(update, t(lang, "common.not_allowed"))
        return
    if screen.created is not None:
        mentees, mentors = screen.counts
        await say(
            update,
            t(lang, "wizard.created", name=screen.created.name, mentees=mentees, mentors=mentors),
        )
        return
    if screen.step is None:
        return
    if screen.step is Step.CONFIRM:
        data = screen.data
        members = t(lang, "wizard.everyone") if data["unit"] == wizard.ALL_UNITS else data["unit"]
        text = t(
            lang,
            "wizard.ask_confirm",
            name=data["name"],
            kind=t(lang, f"programme.kind.{data['kind']}"),
            start=data["start"],
            end=data["end"],
            day=t(lang, f"weekday.{data['day']}"),
            members=members,
        )
    else:
        text = t(lang, f"wizard.ask_{screen.step.value}")
    if screen.problem:
        text = Html(f"{t(lang, screen.problem, **limits.SHOWN)}\n\n{text}")
    await say(update, text, _buttons(viewer, screen))


async def start(update: Update, context: Context) -> None:
    """/newprogram"""
    viewer = await viewer_of(update, context)
    before = await dialogue.current(context.svc, viewer.telegram_id)
    screen = await wizard.begin(context.svc, viewer)
    await tell_left(update, context, viewer, before)
    await show(update, viewer, screen)


async def on_text(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    await show(update, viewer, await wizard.answer(context.svc, viewer, text))


async def on_button(update: Update, context: Context) -> None:
    """``pw:v:<value>``, ``pw:go``, ``pw:stop``."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    action = press.action
    if action == "v" and (raw := press.text(0)) is not None:
        value = wizard.ALL_UNITS if raw == "all" else raw
        screen = await wizard.answer(context.svc, viewer, value, from_button=True)
    elif action == "go":
        screen = await wizard.confirm(context.svc, viewer)
    elif action == "stop":
        await dialogue.leave(context.svc, viewer.telegram_id)
        await answer(query)
        await say(update, t(viewer.language, "common.cancelled"))
        return
    else:
        screen = Screen(None, invalid=True)
    if screen.invalid:
        await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    await show(update, viewer, screen)
