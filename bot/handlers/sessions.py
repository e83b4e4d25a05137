"""/sesi: log a mentoring session; confirm it; rate it."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.flows import dialogue, limits, sessions
from bot.flows.buttons import Button, Keyboard
from bot.flows.identity import Viewer
from bot.flows.sessions import Screen, Show, Step
from bot.handlers.common import answer, edit, pressed, say, tell_left, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, person_name, t
from bot.presenter.sessions import describe


def _buttons(viewer: Viewer, step: Step | None) -> Keyboard | None:
    lang = viewer.language
    if step is Step.DAY:
        return [
            [
                Button(t(lang, "session.today"), callbacks.encode("ss", "day", 0)),
                Button(t(lang, "session.yesterday"), callbacks.encode("ss", "day", 1)),
            ]
        ]
    if step is Step.MODE:
        return [
            [
                Button(t(lang, f"session.mode_{m}"), callbacks.encode("ss", "mode", m))
                for m in sessions.MODES
            ]
        ]
    return None


async def show(update: Update, viewer: Viewer, screen: Screen) -> None:
    lang = viewer.language
    if screen.show in (Show.ASK, Show.PROBLEM) and screen.step is not None:
        text = t(lang, f"session.ask_{screen.step.value}")
        if screen.problem:
            text = Html(f"{t(lang, screen.problem, **limits.SHOWN)}\n\n{text}")
        await say(update, text, _buttons(viewer, screen.step))
    elif screen.show is Show.CHOOSE:
        buttons = [
            [Button(person_name(lang, other.name)[:60], callbacks.encode("ss", "who", pairing.id))]
            for pairing, other in screen.choices
        ]
        await say(update, t(lang, "session.ask_who"), buttons)
    elif screen.show is Show.LOGGED and screen.other is not None:
        await say(update, t(lang, "session.logged", other=screen.other.name))
    elif screen.show is Show.NO_PAIR:
        await say(update, t(lang, "session.no_pair"))
    elif screen.show is Show.NOTE_SAVED:
        await say(update, t(lang, "session.note_saved"))


async def start(update: Update, context: Context) -> None:
    """/sesi"""
    viewer = await viewer_of(update, context)
    before = await dialogue.current(context.svc, viewer.telegram_id)
    screen = await sessions.begin(context.svc, viewer)
    await tell_left(update, context, viewer, before)
    await show(update, viewer, screen)


async def on_text(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    await show(update, viewer, await sessions.answer(context.svc, viewer, text))


async def on_note(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    await show(update, viewer, await sessions.note(context.svc, viewer, text))


async def on_button(update: Update, context: Context) -> None:
    """``ss:who|day|mode|ok|no|rate|skip:...``"""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    action = press.action
    first = press.number(0)
    svc = context.svc
    before = await dialogue.current(svc, viewer.telegram_id)
    if action == "who" and first is not None:
        screen = await sessions.choose(svc, viewer, first)
    elif action == "day" and first in (0, 1):
        screen = await sessions.answer(svc, viewer, None, day_offset=first)
    elif action == "mode" and press.text(0) is not None:
        screen = await sessions.answer(svc, viewer, None, mode=press.text(0))
    elif action == "ok" and first is not None:
        screen = await sessions.confirm(svc, viewer, first)
    elif action == "no" and first is not None:
        screen = await sessions.dispute(svc, viewer, first)
    elif action == "rate" and first is not None:
        screen = await sessions.rate(svc, viewer, first, press.number(1) or 0)
    elif action == "skip":
        screen = await sessions.note(svc, viewer, None)
    else:
        screen = Screen(Show.INVALID)
    if screen.show is Show.INVALID:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    await tell_left(update, context, viewer, before)
    if screen.show in (Show.CONFIRMED, Show.DISPUTED) and screen.session is not None:
        which = describe(lang, screen.session)
        await edit(query, Html(f"{which}\n\n{t(lang, f'session.{screen.show.value}')}"))
    elif screen.show is Show.RATED:
        skip = [[Button(t(lang, "session.skip_note"), callbacks.encode("ss", "skip"))]]
        await edit(query, t(lang, "session.ask_note"), skip)
    else:
        await show(update, viewer, screen)
