"""/dataku (/mydata): the person's data as a JSON document; /hapusdata (/erasemydata): ask
for erasure, and the coordinators' Confirm / Refuse buttons (``er:``)."""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import callbacks
from bot.exports.personal_data_file import data_json
from bot.flows import personal_data, weeks
from bot.flows.buttons import Button
from bot.flows.identity import who
from bot.flows.personal_data import Decided
from bot.handlers.common import answer, apply_menu, edit, pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t

log = logging.getLogger(__name__)


async def send_my_data(update: Update, context: Context) -> None:
    """Everything Pembina holds about the sender, as ``pembina-data-<date>.json``."""
    viewer = await viewer_of(update, context)
    document = await personal_data.my_data(context.svc, viewer)
    content = await asyncio.to_thread(data_json, document)  # a long history is large
    today = weeks.local_date(context.svc.clock.now(), viewer.timezone)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(content, filename=f"pembina-data-{today.isoformat()}.json"),
        caption=t(viewer.language, "privacy.data_caption"),
        parse_mode=ParseMode.HTML,
    )


async def ask_erasure(update: Update, context: Context) -> None:
    """Explain what erasure removes and what stays; nothing happens before the button."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    if viewer.person is None:
        await say(update, t(lang, "privacy.erase_not_member"))
        return
    buttons = [
        [Button(t(lang, "privacy.erase_ask_button"), callbacks.encode("er", "ask"))],
        [Button(t(lang, "privacy.erase_keep_button"), callbacks.encode("er", "keep"))],
    ]
    await say(update, t(lang, "privacy.erase_explain"), buttons)


async def on_button(update: Update, context: Context) -> None:
    """``er:ask|keep`` from the person, ``er:ok|no:<id>`` from a coordinator; the flow
    checks who may press what."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    if press.action == "keep":
        await answer(query)
        await edit(query, t(lang, "privacy.erase_kept"))
        return
    if press.action == "ask":
        asked = await personal_data.request_erasure(context.svc, viewer)
        await answer(query)
        await edit(query, t(lang, f"privacy.erase_{asked.value}"))
        return
    request_id = press.number(0)
    if press.action not in ("ok", "no") or request_id is None:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    decision = await personal_data.decide(
        context.svc, viewer, request_id, erase=press.action == "ok"
    )
    if decision.outcome is Decided.NOT_ALLOWED:
        log.warning("erasure decision refused: %s may not decide it", viewer.telegram_id)
        await answer(query, t(lang, "common.not_allowed"), show_alert=True)
        return
    if decision.outcome is Decided.NOT_FOUND:
        await answer(query, t(lang, "privacy.erase_not_found"), show_alert=True)
        return
    if decision.outcome is Decided.ALREADY_DECIDED:
        note = t(lang, "privacy.erase_already_decided")
    else:
        note = t(lang, f"privacy.erase_decided_{decision.outcome.value}")
    await answer(query, note)
    # The card named the person: after an erasure it is replaced, not appended to.
    original = query.message.text_html if isinstance(query.message, Message) else ""
    shown = note if decision.outcome is Decided.ERASED else Html(f"{original}\n\n{note}")
    await edit(query, shown)
    if decision.outcome is Decided.ERASED:
        await _clear_cards(context, decision.cards, query)
    if decision.told is not None:
        await _tell_erased(update, context, *decision.told)


async def _clear_cards(
    context: Context, cards: tuple[tuple[int, int], ...], pressed_on: CallbackQuery
) -> None:
    """The other coordinators' cards named the person: each now says it was erased.
    Their language is not known any more from the card; ``who`` tells it."""
    here = pressed_on.message
    for chat_id, message_id in cards:
        if here is not None and (here.chat.id, here.message_id) == (chat_id, message_id):
            continue  # already edited above
        reader = await who(context.svc, chat_id)
        try:
            await context.bot.edit_message_text(
                t(reader.language, "privacy.erase_decided_erased"),
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
            )
        except TelegramError as exc:  # deleted by its reader, too old: nothing to show
            log.info("could not clear erasure card %s/%s: %s", chat_id, message_id, exc)


async def _tell_erased(update: Update, context: Context, chat_id: int, language: str) -> None:
    """Tell the erased person once, directly: an outbox row would keep their Telegram id.
    Their menu becomes a stranger's."""
    try:
        await context.bot.send_message(
            chat_id, t(language, "privacy.erased_person"), parse_mode=ParseMode.HTML
        )
    except TelegramError as exc:  # blocked the bot, account gone: erased all the same
        log.info("could not tell %s their data was erased: %s", chat_id, exc)
    # Not remembered: a row with their Telegram id is exactly what the erasure removed.
    await apply_menu(context, await who(context.svc, chat_id), remember=False)
