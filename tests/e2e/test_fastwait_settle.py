"""``TelegramDouble.settle`` under the ``bot`` fixture ends when the bot's work is done,
exactly, not after a spell of silence.

A chat takes five messages at once and then one a second (the outbox sender's pace, as
Telegram's); a stalled send is silence on the wire while the sender waits for Telegram's
answer. Silence used to pass for "done" after 0.3 s: a test then saw five of seven
messages, or a row still being sent. Now the fixture's checks see the sender's work and
the rows due now, and settling asks only a moment of silence.
"""

from __future__ import annotations

from bot.telegram_double import TelegramDouble
from storage import outbox
from storage.db import Database
from tests.e2e.conftest import BotUnderTest

CHAT = 61_000


async def _queue(bot: BotUnderTest, count: int) -> None:
    """``count`` messages to one person, queued as a flow queues them (and woken)."""
    async with bot.svc.db.write() as conn:
        for n in range(count):
            await outbox.enqueue(
                conn, dedup_key=f"settle:{n}", chat_id=CHAT, text=f"Kabar {n}", now=bot.clock.now()
            )
    bot.svc.outbox_wake()


async def test_settle_waits_for_a_chats_paced_messages(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    double.open_chat(CHAT)
    await _queue(bot, 7)  # five go at once, the last two a second apart
    await double.settle()
    assert [m.text for m in double.messages_in(CHAT)] == [f"Kabar {n}" for n in range(7)]
    async with bot.svc.db.read() as conn:
        assert await outbox.counts(conn) == {"sent": 7}


async def test_settle_waits_for_a_send_telegram_answers_late(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    double.open_chat(CHAT)
    double.stall_next("sendMessage", 1.0)  # delivered at once, answered a second later
    await _queue(bot, 1)
    await double.settle()
    async with bot.svc.db.read() as conn:
        assert await outbox.counts(conn) == {"sent": 1}  # the answer was recorded


async def test_settle_after_a_restart_waits_for_what_waited_meanwhile(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    """A row queued while the bot was down (by ``pembina jobs tick``, say) goes out when the
    sender starts, before settle returns: a sender started is at work before its first
    look, and a row due now is work however it was queued."""
    await bot.stop()
    double.open_chat(CHAT)
    database = Database(bot.db_url)
    try:
        async with database.write() as conn:
            await outbox.enqueue(
                conn, dedup_key="down", chat_id=CHAT, text="Selagi mati", now=bot.clock.now()
            )
    finally:
        await database.dispose()
    await bot.start()
    await double.settle()
    assert [m.text for m in double.messages_in(CHAT)] == ["Selagi mati"]
