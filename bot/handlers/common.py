"""Small helpers shared by handlers: who is asking, and how to answer them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot import callbacks, menus
from bot.flows import dialogue, join_requests, preferences, reachability
from bot.flows.buttons import Keyboard
from bot.flows.identity import Viewer, who
from bot.handlers.context import Context
from bot.i18n import Html, t
from storage.models import Conversation

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Press:
    """A button press: the query to answer, who pressed, and the parsed (untrusted) data.

    ``action`` is the first field after the kind (``pair:ok:12`` -> ``ok``); ``fields`` the
    rest. Malformed data gives an empty action, which every handler refuses politely.
    """

    query: CallbackQuery
    viewer: Viewer
    action: str
    fields: tuple[str, ...]

    def number(self, index: int) -> int | None:
        value = self.fields[index] if index < len(self.fields) else ""
        return int(value) if value.isdigit() and len(value) < 19 else None

    def text(self, index: int) -> str | None:
        return self.fields[index] if index < len(self.fields) else None


async def pressed(update: Update, context: Context) -> Press:
    """Parse a callback query defensively; the flows decide what the press may do."""
    query = update.callback_query
    assert query is not None
    viewer = await viewer_of(update, context)
    data = callbacks.decode(query.data)
    fields = data.fields if data else ()
    return Press(query, viewer, fields[0] if fields else "", tuple(fields[1:]))


async def viewer_of(update: Update, context: Context) -> Viewer:
    """Who sent this update; a guessed language is remembered the first time, and someone
    the outbox had marked unreachable is reachable again."""
    user = update.effective_user
    assert user is not None
    viewer = await who(context.svc, user.id, user.language_code)
    if viewer.language_from_telegram:
        await preferences.remember_guessed_language(context.svc, viewer)
    if viewer.person is not None and viewer.person.status == reachability.UNREACHABLE:
        await reachability.seen_again(context.svc, viewer.person)  # they unblocked the bot
    return viewer


async def stranger_hint(context: Context, viewer: Viewer) -> Html:
    """What someone the bot does not know is told: their join request is pending, or how
    to join (an invite link or /start)."""
    request = await join_requests.waiting_for(context.svc, viewer.telegram_id)
    if request is not None:
        return t(viewer.language, "register.already_pending", nip=request.nip)
    return t(viewer.language, "common.stranger_hint")


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard]
    )


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def say(update: Update, text: str, keyboard: Keyboard | None = None) -> Message:
    """Answer in the chat the update came from, as HTML without link previews.

    Parse mode is passed per call rather than through PTB's ``Defaults``, which would also
    add it to methods that have no such field (``editMessageReplyMarkup``).
    """
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(
        text,
        parse_mode=ParseMode.HTML,
        link_preview_options=NO_PREVIEW,
        reply_markup=markup(keyboard),
    )


async def say_picture(update: Update, png: bytes, caption: str) -> Message:
    """Answer with an image the bot drew (uploaded), its caption in HTML."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_photo(
        InputFile(png, filename="chart.png"), caption=caption, parse_mode=ParseMode.HTML
    )


async def edit(query: CallbackQuery, text: str, keyboard: Keyboard | None = None) -> None:
    """Replace the text (and buttons) of the message a button was pressed on."""
    await query.edit_message_text(
        text,
        parse_mode=ParseMode.HTML,
        link_preview_options=NO_PREVIEW,
        reply_markup=markup(keyboard),
    )


async def apply_menu(bot: ExtBot[None], viewer: Viewer) -> None:
    """Show this person the commands of their roles, in their language."""
    names = menus.commands_for(viewer.roles, known=viewer.known)
    commands = [BotCommand(n, t(viewer.language, f"command.{n}")) for n in names]
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(viewer.telegram_id))
    except TelegramError as exc:  # a menu is a nicety; never fail the conversation for it
        log.warning("could not set the menu of %s: %s", viewer.telegram_id, exc)


def roles_text(viewer: Viewer) -> str:
    order = ("coordinator", "supervisor", "mentor", "mentee")
    return ", ".join(t(viewer.language, f"role.{r}") for r in order if r in viewer.roles)


async def tell_left(
    update: Update, context: Context, viewer: Viewer, before: Conversation | None
) -> None:
    """If a new dialogue just took the place of ``before``, say what was left behind
    (a reflection stays a draft) and how to go back; a switch is never silent."""
    after = await dialogue.current(context.svc, viewer.telegram_id)
    if before is not None and dialogue.replaced(before, after):
        await say(update, t(viewer.language, f"common.left_{before.flow}"))
