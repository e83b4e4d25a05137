"""bot.routes.Routes picks, for every kind of update, the handler PTB's own scan would pick.

PTB's ``Application.process_update`` asks a group's handlers in order and the first whose
``check_update`` takes the update handles it. Routes asks fewer of them; this holds it to
the same choice (and the same check result: a command's arguments, a button's match) over
the real group-0 handlers of ``bot/app.py``, for commands in both languages, with and
without the bot's name, unknown commands, edits, texts, other messages, button data of
every shape and updates no handler takes.
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update, User
from telegram.ext import ExtBot

from bot.app import work_handlers
from bot.routes import Routes

USERNAME = "PembinaBot"
PRIVATE = {"id": 7, "type": "private", "first_name": "Ani"}
GROUP = {"id": -100, "type": "group", "title": "Tim"}
FROM = {"id": 7, "is_bot": False, "first_name": "Ani", "language_code": "id"}


def _bot() -> ExtBot[None]:
    bot: ExtBot[None] = ExtBot("1:token")
    bot._bot_user = User(1, "Pembina", is_bot=True, username=USERNAME)
    return bot


def _message(text: str | None = None, *, chat: dict[str, Any] = PRIVATE, **extra: Any) -> Any:
    message: dict[str, Any] = {"message_id": 3, "date": 1_700_000_000, "chat": chat, "from": FROM}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return message | extra


def _press(data: str | None, game: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": "q1",
        "from": FROM,
        "chat_instance": "c",
        "message": _message("Ringkasan"),
    }
    if data is not None:
        query["data"] = data
    if game is not None:
        query["game_short_name"] = game
    return {"update_id": 1, "callback_query": query}


UPDATES: list[dict[str, Any]] = [
    {"update_id": 1, "message": _message(text)}
    for text in (
        "/help",
        "/bantuan",
        "/HELP",
        "/refleksi sekarang juga",
        "/help@PembinaBot",
        "/help@pembinabot",
        "/help@OtherBot",
        "/nosuch",
        "/nosuch@PembinaBot",
        "/",
        "/undang 123456789012345678",
        "/pasangkan Budi Santoso",
        "jawaban saya",
        "",
    )
]
UPDATES += [
    {"update_id": 1, "message": _message("/help", chat=GROUP)},
    {"update_id": 1, "message": _message("halo", chat=GROUP)},
    {"update_id": 1, "message": _message("/help", entities=[])},
    {
        "update_id": 1,
        "message": _message(
            "lihat /help", entities=[{"type": "bot_command", "offset": 6, "length": 5}]
        ),
    },
    {
        "update_id": 1,
        "message": _message("/help", entities=[{"type": "bold", "offset": 0, "length": 5}]),
    },
    {"update_id": 1, "edited_message": _message("/help", edit_date=1_700_000_100)},
    {"update_id": 1, "edited_message": _message("jawaban", edit_date=1_700_000_100)},
    {"update_id": 1, "message": _message(caption="/help")},
    {
        "update_id": 1,
        "message": _message(
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        ),
    },
    {"update_id": 1, "message": _message(new_chat_members=[FROM])},
    {"update_id": 1, "message": _message(contact={"phone_number": "1", "first_name": "A"})},
]
UPDATES += [
    _press(data)
    for data in (
        "rf:edit:1:0",
        "reg:ok",
        "reg:",
        "reg",
        "regx:1",
        "who:p:2",
        "lang:en",
        "kt:1",
        "zz:1",
        "",
        ":rf",
        "RF:edit",
        None,
    )
]
UPDATES += [_press(None, game="tebak"), _press("rf:edit:1:0", game="tebak")]
UPDATES += [
    {"update_id": 1, "callback_query": _press("rf:edit:1:0")["callback_query"] | {"message": m}}
    for m in (_message("/help"), _message("/nosuch"))
]
UPDATES += [
    {
        "update_id": 1,
        "my_chat_member": {
            "chat": PRIVATE,
            "from": FROM,
            "date": 1_700_000_000,
            "old_chat_member": {"status": "member", "user": FROM},
            "new_chat_member": {"status": "kicked", "user": FROM, "until_date": 0},
        },
    },
    {
        "update_id": 1,
        "inline_query": {"id": "i", "from": FROM, "query": "/help", "offset": ""},
    },
]


def _scan(handlers: list[Any], update: Update) -> tuple[Any, object] | None:
    """PTB's choice: the first handler, in order, whose check takes the update."""
    for handler in handlers:
        check = handler.check_update(update)
        if not (check is None or check is False):
            return handler, check
    return None


def _comparable(check: object) -> object:
    """A button's match object compared by what it matched."""
    return check.group(0) if hasattr(check, "group") else check


@pytest.mark.parametrize("data", UPDATES, ids=lambda d: str(d)[:80])
def test_routes_choose_the_handler_ptb_would(data: dict[str, Any]) -> None:
    handlers = work_handlers()
    update = Update.de_json(data, _bot())
    expected = _scan(handlers, update)
    routed = Routes(handlers).check_update(update)
    if expected is None:
        assert routed is None
        return
    assert routed is not None
    assert routed[0] is expected[0]
    assert _comparable(routed[1]) == _comparable(expected[1])


def test_every_command_and_button_kind_is_routed() -> None:
    """Each command and each ``^kind:`` handler is indexed, not left to the slow path."""
    handlers = work_handlers()
    routes = Routes(handlers)
    commands = sum(1 for h in handlers if type(h).__name__ == "CommandHandler")
    kinds = sum(
        1 for h in handlers if type(h).__name__ == "CallbackQueryHandler" and h.pattern is not None
    )
    indexed = {id(h) for _, h in [*routes._by_command.values(), *routes._by_kind.values()]}
    assert len(indexed) == commands + kinds
    assert len(routes._others) == len(handlers) - commands - kinds
