"""An update reads who sent it once: the regression guard of issue 12's "one read per /help".

A plain ``/help`` used to ask for its sender four times (the registration guard's dialogue,
the person, their roles, their settings), in three transactions; a text outside any dialogue
three. Counted here through the real handler path: every SELECT the bot's engine runs with
the sender's Telegram id as a parameter, while that one update is handled. Counting
statements is not timing: the figure is exact on both back ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.telegram_double import TelegramDouble
from storage import people
from storage.db import Database
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import IDS, everyone_joins


@contextmanager
def selects_with(bot: BotUnderTest, telegram_id: int) -> Iterator[list[str]]:
    """The SELECT statements run meanwhile whose parameters hold ``telegram_id``.

    The person lock's ``SELECT pg_try_advisory_lock(class, key)`` and its unlock (on
    PostgreSQL, with the key bound: the folded Telegram id, equal to it for these ids) are
    not counted: they read nothing about the sender, they only order their updates."""
    seen: list[str] = []

    def on_statement(*args: Any) -> None:
        statement, params = str(args[2]), args[3]
        values = params.values() if isinstance(params, dict) else params or ()
        if "advisory" in statement:
            return
        if statement.lstrip().upper().startswith("SELECT") and telegram_id in list(values):
            seen.append(" ".join(statement.split()))

    engine = bot.svc.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)


async def test_help_and_a_stray_text_read_their_sender_once(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    budi, budi_id = users["Budi Santoso"], IDS["Budi Santoso"]
    await bot.drained()
    budi.unread()

    with selects_with(bot, budi_id) as seen:
        await budi.send_text("/help")
        help_text = (await budi.next_message()).text
        await bot.drained()
    assert "/refleksi" in help_text  # the mentee's commands: the read found the roles
    assert len(seen) == 1, seen

    with selects_with(bot, budi_id) as seen:
        await budi.send_text("halo")
        await budi.next_message()
        await bot.drained()
    assert len(seen) == 1, seen


def _menus_set(double: TelegramDouble, chat_id: int) -> int:
    """How many times the bot set this chat's own menu."""
    return sum(
        1
        for call in double.calls
        if call.method.lower() == "setmycommands"
        and str(chat_id) in json.dumps(call.params.get("scope", ""))
    )


async def test_help_sets_the_menu_only_when_it_changed(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    """A second /help with nothing changed makes no setMyCommands (it used to make one
    every time); a role given meanwhile, even by another connection, is caught up."""
    users = await everyone_joins(bot, double)
    budi, budi_id = users["Budi Santoso"], IDS["Budi Santoso"]
    await bot.drained()
    before = _menus_set(double, budi_id)
    for _ in range(2):
        await budi.send_text("/help")
        await budi.next_message()
        await bot.drained()
    assert _menus_set(double, budi_id) <= before + 1
    assert "sesi" in budi.menu()
    assert "tinjau" not in budi.menu()  # /review, a mentor's

    elsewhere = Database(bot.db_url)
    try:
        async with elsewhere.write() as conn:
            person = await people.get_person_by_telegram(conn, budi_id)
            assert person is not None
            await people.set_roles(conn, person.id, ("mentee", "mentor"))
    finally:
        await elsewhere.dispose()
    settled = _menus_set(double, budi_id)
    await budi.send_text("/help")
    await budi.next_message()
    await bot.drained()
    assert _menus_set(double, budi_id) == settled + 1
    assert "tinjau" in budi.menu()
