"""CPU of the Telegram layer alone: a reply through PTB's methods beside the plain-JSON path,
and the choice of a handler by PTB's scan beside bot/routes.py's Routes.

No network, no database: the bot's HTTP client is a stand-in that answers every call at once
with what Telegram would answer (the sent message with its buttons), so what is timed is
the Python work of one reply and of one dispatch, as ``bench/update_cost.py`` cannot show
it apart from the rest of an update on a shared machine. Printed: microseconds of CPU
(``time.process_time``) per call, best of ``--repeat`` runs of ``--count`` calls each.

    python bench/reply_layer.py [--count 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from telegram import Update, User  # noqa: E402
from telegram._utils.types import ODVInput  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.ext import ExtBot  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402

from bot import event_loop  # noqa: E402
from bot.app import work_handlers  # noqa: E402
from bot.flows.buttons import Button, Keyboard  # noqa: E402
from bot.handlers.common import NO_PREVIEW, answer, edit, markup, say  # noqa: E402
from bot.routes import Routes  # noqa: E402
from bot.send_limits import SendLimiter  # noqa: E402

CHAT = {"id": 7, "type": "private", "first_name": "Ani"}
FROM = {"id": 7, "is_bot": False, "first_name": "Ani", "language_code": "id"}
TEXT = "<b>Ringkasan refleksi</b>\n" + "\n".join(f"{n}. Jawaban nomor {n}" for n in range(1, 8))
KEYBOARD: Keyboard = [[Button(f"Ubah {n}", f"rf:edit:12:{n}")] for n in range(6)] + [
    [Button("Kirim", "rf:send:12")]
]


def _sent_json() -> dict[str, Any]:
    rows = [[{"text": b.text, "callback_data": b.data} for b in row] for row in KEYBOARD]
    return {
        "message_id": 99,
        "date": 1_700_000_000,
        "chat": CHAT,
        "from": {"id": 1, "is_bot": True, "first_name": "Pembina", "username": "PembinaBot"},
        "text": TEXT,
        "reply_markup": {"inline_keyboard": rows},
    }


class Instant(BaseRequest):
    """Answers every Bot API call at once, as Telegram would."""

    def __init__(self) -> None:
        self._message = json.dumps({"ok": True, "result": _sent_json()}).encode()
        self._true = json.dumps({"ok": True, "result": True}).encode()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None:
            json.dumps(request_data.parameters)  # the body JsonRequest would encode
        return 200, self._true if url.endswith("answerCallbackQuery") else self._message


def _update(bot: ExtBot[Any], data: dict[str, Any]) -> Update:
    update = Update.de_json(data, bot)
    assert update is not None
    return update


def _message(text: str) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": 3, "date": 1, "chat": CHAT, "from": FROM}
    message["text"] = text
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return message


async def _timed(count: int, repeat: int, step: Callable[[], Awaitable[object]]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(count):
            await step()
        best = min(best, time.process_time() - start)
    return best / count * 1e6


async def main(count: int, repeat: int) -> None:
    bot: ExtBot[Any] = ExtBot(
        "1:token", request=Instant(), rate_limiter=SendLimiter(per_second=10**7)
    )
    bot._bot_user = User(1, "Pembina", is_bot=True, username="PembinaBot")
    text = _update(bot, {"update_id": 1, "message": _message("jawaban saya")})
    press = {"id": "q", "from": FROM, "chat_instance": "c", "data": "rf:edit:12:0"}
    pressed = _update(bot, {"update_id": 2, "callback_query": press | {"message": _sent_json()}})
    chat = text.effective_chat
    query = pressed.callback_query
    assert chat is not None
    assert query is not None

    async def ptb_say() -> object:
        return await chat.send_message(
            TEXT,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            reply_markup=markup(KEYBOARD),
        )

    async def ptb_edit() -> object:
        return await query.edit_message_text(
            TEXT,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            reply_markup=markup(KEYBOARD),
        )

    print(f"{'reply (7 buttons)':28} {'PTB methods µs':>15} {'plain JSON µs':>14}")
    rows: list[tuple[str, Callable[[], Awaitable[object]], Callable[[], Awaitable[object]]]] = [
        ("sendMessage", ptb_say, lambda: say(text, TEXT, KEYBOARD)),
        ("editMessageText", ptb_edit, lambda: edit(query, TEXT, KEYBOARD)),
        ("answerCallbackQuery", query.answer, lambda: answer(query)),
    ]
    for name, old, new in rows:
        print(
            f"{name:28} {await _timed(count, repeat, old):15.1f} "
            f"{await _timed(count, repeat, new):14.1f}"
        )

    handlers = work_handlers()
    routes = Routes(handlers)
    samples = {
        "text answer": text,
        "/help": _update(bot, {"update_id": 3, "message": _message("/bantuan")}),
        "button press": pressed,
    }

    async def scan(update: Update) -> object:
        for handler in handlers:
            check = handler.check_update(update)
            if not (check is None or check is False):
                return check
        return None

    async def routed(update: Update) -> object:
        return routes.check_update(update)

    print(f"\n{'choosing the handler':28} {'PTB scan µs':>15} {'Routes µs':>14}")
    for name, update in samples.items():
        by_scan = await _timed(count, repeat, functools.partial(scan, update))
        by_routes = await _timed(count, repeat, functools.partial(routed, update))
        print(f"{name:28} {by_scan:15.1f} {by_routes:14.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    event_loop.run(main(args.count, args.repeat))
