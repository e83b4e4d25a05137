"""Self-registration in chat: text answers, anything else gently refused, /cancel, confirm."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import callbacks, menus
from bot.flows import registration
from bot.flows.buttons import Button
from bot.flows.identity import Viewer
from bot.flows.registration import Outcome, Result, Step
from bot.handlers.common import answer, clear_buttons, pressed, say, stranger_hint, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t

_QUESTIONS = {
    Step.NIP: "register.ask_nip",
    Step.NAME: "register.ask_name",
    Step.UNIT: "register.ask_unit",
}


def question(viewer: Viewer, result: Result) -> Html:
    if result.step is Step.CONFIRM:
        return t(viewer.language, "register.confirm", **result.data)
    assert result.step is not None
    return t(viewer.language, _QUESTIONS[result.step])


def confirm_buttons(viewer: Viewer) -> list[list[Button]]:
    return [
        [
            Button(t(viewer.language, "register.send"), callbacks.encode("reg", "send")),
            Button(t(viewer.language, "register.cancel"), callbacks.encode("reg", "cancel")),
        ]
    ]


async def ask(update: Update, viewer: Viewer, result: Result, lead: Html | None = None) -> None:
    """Ask the question of the step ``result`` is at, after an optional lead line."""
    text = question(viewer, result)
    if lead:
        text = Html(f"{lead}\n\n{text}")
    buttons = confirm_buttons(viewer) if result.step is Step.CONFIRM else None
    await say(update, text, buttons)


async def on_text(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    """A text answer to the current registration step."""
    message = update.effective_message
    message_id = message.message_id if message else None
    result = await registration.answer(context.svc, viewer, text, message_id)
    if result.outcome is Outcome.NOT_ACTIVE and viewer.known:
        await say(update, t(viewer.language, "common.unknown_text"))
    elif result.outcome is Outcome.NOT_ACTIVE:
        await say(update, await stranger_hint(context, viewer))
    elif result.outcome is Outcome.INVALID:
        assert result.problem is not None
        await ask(update, viewer, result, lead=t(viewer.language, result.problem))
    else:
        await ask(update, viewer, result)


async def on_edit(
    update: Update, context: Context, viewer: Viewer, message_id: int, text: str
) -> bool:
    """An edited earlier answer: say whether it was updated, then ask the open step again.
    False if the message answered no step of an open registration."""
    result = await registration.revise(context.svc, viewer, message_id, text)
    if result is None or result.edited is None:
        return False
    lang = viewer.language
    field = t(lang, f"register.field_{result.edited.value}")
    if result.problem is None:
        value = result.data.get(result.edited.value, "")
        lead = t(lang, "register.edit_saved", field=field, value=value)
    else:
        lead = t(lang, "register.edit_refused", field=field, problem=t(lang, result.problem))
    await ask(update, viewer, result, lead=lead)
    return True


async def on_other(update: Update, context: Context, viewer: Viewer) -> None:
    """A sticker, photo, voice note...: a friendly hint; the step stays where it was."""
    current = await registration.active_step(context.svc, viewer.telegram_id)
    if current is None:
        text = (
            t(viewer.language, "common.text_only")
            if viewer.known
            else await stranger_hint(context, viewer)
        )
        await say(update, text)
        return
    lead_key = (
        "register.problem.use_buttons" if current.step is Step.CONFIRM else "register.non_text"
    )
    await ask(update, viewer, current, lead=t(viewer.language, lead_key))


async def guard_commands(update: Update, context: Context) -> None:
    """While registering, commands other than start and cancel (either name) get a hint
    (group -1)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    command = menus.command_named(message.text)
    if command is not None and command.key in ("start", "cancel"):
        return
    current = await registration.active_step(context.svc, user.id)
    if current is None:
        return
    viewer = await viewer_of(update, context)
    await ask(update, viewer, current, lead=t(viewer.language, "register.command_blocked"))
    raise ApplicationHandlerStop


async def on_button(update: Update, context: Context) -> None:
    """The Send / Cancel buttons under the registration summary."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    action = press.action
    if action == "send":
        result = await registration.confirm(context.svc, viewer)
        if result.outcome is Outcome.FILED and result.request is not None:
            await answer(query)
            await clear_buttons(query)
            key = "register.filed" if result.notified else "register.filed_no_coordinator"
            await say(update, t(viewer.language, key, name=result.request.name))
            return
    elif action == "cancel" and await registration.cancel(context.svc, viewer.telegram_id):
        await answer(query)
        await clear_buttons(query)
        await say(update, t(viewer.language, "register.cancelled"))
        return
    await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
