"""Small helpers shared by handlers: who is asking, and how to answer them."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    BotCommand,
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
from bot.text_split import pack
from storage.models import Conversation

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]  # parameters of a Bot API call, as JSON


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
    """The keyboard as PTB objects, for the calls still made through PTB's methods (the
    outbox sender's photos and documents)."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard]
    )


def keyboard_json(keyboard: Keyboard) -> JSONDict:
    """The keyboard as the Bot API reads it, built as plain dicts: what PTB's
    ``InlineKeyboardMarkup(...).to_dict()`` gives, without its objects."""
    return {
        "inline_keyboard": [
            [{"text": b.text, "callback_data": b.data} for b in row] for row in keyboard
        ]
    }


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_HTML = ParseMode.HTML.value
_NO_PREVIEW_JSON = {"is_disabled": True}  # NO_PREVIEW.to_dict()


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the bot sent: what callers use of Telegram's answer."""

    chat_id: int
    message_id: int


async def call(
    bot: Bot, method: str, params: JSONDict, *, rate_limit_args: JSONDict | None = None
) -> Any:
    """One Bot API call with plain JSON parameters, through PTB's request path.

    PTB's own methods (``send_message``, ``edit_message_text``) take its objects, serialise
    them again and parse Telegram's answer into a ``Message`` (every button again): for a
    reply with a keyboard that was most of the CPU an update spent in PTB
    (``bench/update_cost.py --profile``, ``bench/reply_layer.py``). ``Bot._post`` is the
    step those methods end in: it drops None values and hands the request to the rate
    limiter (``bot/send_limits.py``: the same ``data``, and ``rate_limit_args`` as PTB's
    methods pass them; none for a reply) and then the HTTP client, which raises the same
    ``telegram.error`` exceptions. The answer comes back as Telegram's JSON.
    """
    api_kwargs = None
    if rate_limit_args is not None and isinstance(bot, ExtBot):
        api_kwargs = bot._merge_api_rl_kwargs(None, rate_limit_args)
    return await bot._post(method, params, api_kwargs=api_kwargs)


def text_message(chat_id: int, text: str, keyboard: Keyboard | None = None) -> JSONDict:
    """``sendMessage``'s parameters: HTML, no link previews, the buttons if any."""
    return _html_text({"chat_id": chat_id}, text, keyboard)


def _html_text(params: JSONDict, text: str, keyboard: Keyboard | None) -> JSONDict:
    """``params`` (who gets the text) with the text as HTML, no link previews, and the
    buttons if any: a sent message and an edited one alike.

    Parse mode is passed per call rather than through PTB's ``Defaults``, which would also
    add it to methods that have no such field (``editMessageReplyMarkup``)."""
    params["text"] = text
    params["parse_mode"] = _HTML
    params["link_preview_options"] = _NO_PREVIEW_JSON
    if keyboard:
        params["reply_markup"] = keyboard_json(keyboard)
    return params


async def say(update: Update, text: str, keyboard: Keyboard | None = None) -> Sent:
    """Answer in the chat the update came from, as HTML without link previews."""
    chat = update.effective_chat
    assert chat is not None
    sent = await call(chat.get_bot(), "sendMessage", text_message(chat.id, text, keyboard))
    return Sent(sent["chat"]["id"], sent["message_id"])


async def say_long(
    update: Update, blocks: Sequence[str], keyboard: Keyboard | None = None, separator: str = "\n"
) -> None:
    """Answer with a text that can outgrow one message (a list): whole HTML ``blocks``
    packed below Telegram's limit by the one splitter, buttons on the last message."""
    messages = pack(blocks, separator=separator)
    for text in messages[:-1]:
        await say(update, Html(text))
    await say(update, Html(messages[-1]), keyboard)


async def say_picture(update: Update, png: bytes, caption: str) -> Message:
    """Answer with an image the bot drew (uploaded), its caption in HTML."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_photo(
        InputFile(png, filename="chart.png"), caption=caption, parse_mode=ParseMode.HTML
    )


async def answer(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool | None = None
) -> None:
    """Answer a button press (its spinner stops; ``text`` shows briefly, or as an alert),
    with the parameters PTB's ``CallbackQuery.answer`` sends, through :func:`call`."""
    params = {"callback_query_id": query.id, "text": text, "show_alert": show_alert}
    await call(query.get_bot(), "answerCallbackQuery", params)


def _addressed(query: CallbackQuery, action: str) -> JSONDict:
    """The message a button was pressed on, addressed as PTB's ``CallbackQuery`` shortcuts
    address it; an inaccessible message is refused as they refuse it."""
    if query.inline_message_id:
        return {"inline_message_id": query.inline_message_id}
    message = query.message
    if not isinstance(message, Message):
        raise TypeError(f"Cannot {action} an inaccessible message")
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "business_connection_id": message.business_connection_id,
    }


async def clear_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message a button was pressed on."""
    await call(query.get_bot(), "editMessageReplyMarkup", _addressed(query, "edit"))


async def edit(query: CallbackQuery, text: str, keyboard: Keyboard | None = None) -> None:
    """Replace the text (and buttons) of the message a button was pressed on (as PTB's
    ``CallbackQuery.edit_message_text`` would address it; an inaccessible message is
    refused the same way)."""
    params = _html_text(_addressed(query, "edit"), text, keyboard)
    await call(query.get_bot(), "editMessageText", params)


async def edit_sent(bot: Bot, sent: Sent, text: str) -> None:
    """Replace the text of a message :func:`say` sent (an export's status), as HTML, with
    no buttons; like PTB's ``Message.edit_text(text, parse_mode=HTML)`` that did it
    before, it sends no ``link_preview_options``."""
    await call(
        bot,
        "editMessageText",
        {
            "chat_id": sent.chat_id,
            "message_id": sent.message_id,
            "text": text,
            "parse_mode": _HTML,
        },
    )


def menu_fingerprint(commands: Sequence[BotCommand]) -> str:
    """A short digest of a menu (names and descriptions, in order)."""
    text = "\n".join(f"{c.command} {c.description}" for c in commands)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=64)
def menu_of(language: str, roles: frozenset[str], known: bool) -> tuple[tuple[JSONDict, ...], str]:
    """The menu of these roles in this language (as the Bot API reads it), and its
    fingerprint: worked out once per process (the commands table and the catalogues do not
    change while it runs), not at every ``/help``."""
    commands = tuple(
        BotCommand(c.name(language), t(language, f"command.{c.key}"))
        for c in menus.commands_for(roles, known=known)
    )
    return tuple(c.to_dict() for c in commands), menu_fingerprint(commands)


async def apply_menu(context: Context, viewer: Viewer, *, remember: bool = True) -> None:
    """Show this person the commands of their roles, in their language.

    Skipped when the menu last set in their chat (``viewer.menu``, stored as a fingerprint
    when set) is this one: ``/help`` calls this every time so that a menu set before a
    role or language change catches up, and a ``setMyCommands`` for nothing was the
    dearest part of a ``/help``. The fingerprint is stored after Telegram took the menu,
    so a failed call is tried again next time. ``remember=False`` stores nothing (an
    erased person's chat). The commands go as JSON worked out once (:func:`call`).
    """
    commands, fingerprint = menu_of(viewer.language, viewer.roles, viewer.known)
    if viewer.menu == fingerprint:
        return
    scope = {"type": "chat", "chat_id": viewer.telegram_id}  # BotCommandScopeChat
    try:
        await call(context.bot, "setMyCommands", {"commands": commands, "scope": scope})
    except TelegramError as exc:  # a menu is a nicety; never fail the conversation for it
        log.warning("could not set the menu of %s: %s", viewer.telegram_id, exc)
        return
    if remember:
        await preferences.remember_menu(context.svc, viewer.telegram_id, fingerprint)


def roles_text(viewer: Viewer) -> str:
    return roles_text_of(viewer.language, viewer.roles)


def roles_text_of(language: str, roles: frozenset[str]) -> str:
    order = ("coordinator", "supervisor", "mentor", "mentee")
    return ", ".join(t(language, f"role.{r}") for r in order if r in roles)


async def tell_left(
    update: Update, context: Context, viewer: Viewer, before: Conversation | None
) -> None:
    """If a new dialogue just took the place of ``before``, say what was left behind
    (a reflection stays a draft) and how to go back; a switch is never silent."""
    if before is None:
        return  # nothing was open: nothing left behind (and nothing to read again)
    after = await dialogue.current(context.svc, viewer.telegram_id)
    if dialogue.replaced(before, after):
        await say(update, t(viewer.language, f"common.left_{before.flow}"))
