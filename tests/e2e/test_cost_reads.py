"""An update reads who sent it once: the regression guard of issue 12's "one read per /help".

A plain ``/help`` used to ask for its sender four times (the registration guard's dialogue,
the person, their roles, their settings), in three transactions; a text outside any dialogue
three. Counted here through the real handler path: every SELECT the bot's engine runs with
the sender's Telegram id as a parameter, while that one update is handled. Counting
statements is not timing: the figure is exact on both back ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.telegram_double import TelegramDouble
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import IDS, everyone_joins


@contextmanager
def selects_with(bot: BotUnderTest, telegram_id: int) -> Iterator[list[str]]:
    """The SELECT statements run meanwhile whose parameters hold ``telegram_id``."""
    seen: list[str] = []

    def on_statement(*args: Any) -> None:
        statement, params = str(args[2]), args[3]
        values = params.values() if isinstance(params, dict) else params or ()
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
