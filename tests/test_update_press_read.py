"""A button press is read without the pressed message's keyboard, and stored whole.

python-telegram-bot is given each update as ``bot.inbox.as_read`` makes it (polling and
the webhook alike): the keyboard of the pressed message is left out of what it parses
(about 40 % of reading a press), while the inbox row keeps the JSON exactly as Telegram
sent it, and the handlers still find everything of the pressed message they read.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, Message, Update

from bot.clock import FixedClock
from bot.inbox import Inbox, UpdatesRequest, as_read
from storage import inbox as rows
from storage.db import Database

KEYBOARD = {"inline_keyboard": [[{"text": "Ubah", "callback_data": "rf:edit:7:0"}]]}


def _press(update_id: int, chat_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"q{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
            "chat_instance": "c",
            "data": "rf:edit:7:0",
            "message": {
                "message_id": 40,
                "date": 1_765_000_000,
                "chat": {"id": chat_id, "type": "private", "first_name": "A"},
                "from": {"id": 1, "is_bot": True, "first_name": "Pembina"},
                "text": "Ringkasan <x>",
                "entities": [{"type": "bold", "offset": 0, "length": 9}],
                "reply_markup": KEYBOARD,
            },
        },
    }


def test_as_read_leaves_out_only_the_pressed_keyboard() -> None:
    press = _press(1, 9)
    read = as_read(press)
    assert "reply_markup" not in read["callback_query"]["message"]
    assert press["callback_query"]["message"]["reply_markup"] == KEYBOARD  # not changed
    without = {k: v for k, v in press["callback_query"]["message"].items() if k != "reply_markup"}
    assert read["callback_query"]["message"] == without
    text = {"update_id": 2, "message": press["callback_query"]["message"]}
    assert as_read(text) is text  # a message's own keyboard is not a press's


def test_polling_gives_ptb_the_press_without_keyboard_and_keeps_the_batch_whole() -> None:
    request = UpdatesRequest()
    batch = [_press(1, 9), _press(2, 10)]
    data = request.parse_json_payload(json.dumps({"ok": True, "result": batch}).encode())
    updates = Update.de_list(data["result"], Bot("1:x"))
    for update in updates:
        assert update.callback_query is not None
        message = update.callback_query.message
        assert isinstance(message, Message)
        assert message.reply_markup is None
        assert message.text_html == "<b>Ringkasan</b> &lt;x&gt;"
    assert request.take_batch(updates) == batch  # stored as Telegram sent it
    assert batch[0]["callback_query"]["message"]["reply_markup"] == KEYBOARD


async def test_a_delivered_press_is_stored_whole_and_handled_with_its_message(
    db: Database, clock: FixedClock
) -> None:
    seen: list[tuple[int, int, str, object]] = []

    async def process(update: Update) -> None:
        query = update.callback_query
        assert query is not None
        assert isinstance(query.message, Message)
        message = query.message
        seen.append((message.chat_id, message.message_id, message.text_html, query.data))

    inbox = Inbox(db, clock, Bot("1:x"), process)
    assert await inbox.deliver(_press(5, 77))
    assert seen == [(77, 40, "<b>Ringkasan</b> &lt;x&gt;", "rf:edit:7:0")]
    async with db.read() as conn:
        stored = await rows.undone(conn)
        assert stored == []  # handled
        payload = (
            await conn.execute(
                rows.select(rows.inbox.c.payload).where(rows.inbox.c.update_id == 5)
            )
        ).scalar_one()
    assert payload["callback_query"]["message"]["reply_markup"] == KEYBOARD
