"""/riwayat (/history): past reflections, one a page, newest first.

``hs:p:<mentee>:<index>`` shows a page (edits the message), ``hs:full:<mentee>:<index>``
sends a shortened page whole, ``hs:list`` shows a mentor's mentees again. The mentee id
in the data is a claim: the flow checks for every press that the presser may read it.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.flows import history
from bot.flows.buttons import Button, Keyboard
from bot.flows.identity import Viewer
from bot.handlers.common import answer, edit, pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t
from bot.presenter.history import full_messages, page_text
from storage.models import Person

BUTTON = "hs"


def _choice(lang: str, viewer: Viewer, mentees: list[Person]) -> tuple[Html, Keyboard]:
    me = viewer.person.id if viewer.person else None
    keyboard = [
        [
            Button(
                t(lang, "history.mine") if p.id == me else p.name[:60],
                callbacks.encode(BUTTON, "p", p.id, 0),
            )
        ]
        for p in mentees
    ]
    return t(lang, "history.choose"), keyboard


def _buttons(lang: str, viewer: Viewer, found: history.HistoryPage, shortened: bool) -> Keyboard:
    mentee, index = found.mentee.id, found.index

    def button(key: str, action: str, at: int) -> Button:
        return Button(t(lang, f"history.{key}"), callbacks.encode(BUTTON, action, mentee, at))

    arrows = []
    if index > 0:
        arrows.append(button("newer", "p", index - 1))
    if index < found.total - 1:
        arrows.append(button("older", "p", index + 1))
    keyboard = [arrows] if arrows else []
    if shortened:
        keyboard.append([button("full", "full", index)])
    if viewer.person is not None and "mentor" in viewer.person.roles:
        keyboard.append([Button(t(lang, "history.back"), callbacks.encode(BUTTON, "list"))])
    return keyboard


async def show(update: Update, context: Context) -> None:
    """/riwayat: a mentee's own newest reflection, or a mentor's choice of mentees."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    found = await history.start(context.svc, viewer)
    if isinstance(found, history.Refused):
        await say(update, t(lang, f"history.{found.value}"))
        return
    if found.own is None:
        await say(update, *_choice(lang, viewer, found.mentees))
        return
    if isinstance(found.own, history.Refused):
        await say(update, t(lang, f"history.{found.own.value}"))
        return
    text, shortened = page_text(lang, viewer.timezone, found.own)
    await say(update, text, _buttons(lang, viewer, found.own, shortened))


async def on_button(update: Update, context: Context) -> None:
    """A page, the full text of one, or the mentees again; anything else is refused."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    if press.action == "list":
        start = await history.start(context.svc, viewer)
        if isinstance(start, history.Refused) or not start.mentees:
            await answer(query, t(lang, "history.not_allowed"), show_alert=True)
            return
        await answer(query)
        await _edit(query, *_choice(lang, viewer, start.mentees))
        return
    if press.action not in ("p", "full"):
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    found = await history.page(context.svc, viewer, press.number(0), press.number(1))
    if isinstance(found, history.Refused):
        await answer(query, t(lang, f"history.{found.value}"), show_alert=True)
        return
    await answer(query)
    if press.action == "full":
        for text in full_messages(lang, viewer.timezone, found):
            await say(update, Html(text))
        return
    text, shortened = page_text(lang, viewer.timezone, found)
    await _edit(query, text, _buttons(lang, viewer, found, shortened))


async def _edit(query: CallbackQuery, text: Html, keyboard: Keyboard) -> None:
    """Edit the pressed message (an unchanged page is not an error worth showing)."""
    try:
        await edit(query, text, keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc):
            raise
