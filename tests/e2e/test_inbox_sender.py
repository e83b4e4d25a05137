"""Replies from a cold start through a double that allows 30 messages in *any* second.

150 people write at once to a bot that has been idle: every one is answered, Telegram never
has to answer 429, and no one-second window ever holds more than 30 messages. PTB's
``AIORateLimiter`` let a full burst through after the idle pause and kept dripping at the
same time: the strict window answered 429s (its retries hid them from the people).
"""

from __future__ import annotations

import asyncio

from bot.clock import FixedClock
from bot.telegram_double import RateLimits, TelegramDouble
from tests.e2e.conftest import BotUnderTest

PEOPLE = 150
FIRST = 80_000


async def test_cold_start_burst_never_oversteps_a_strict_window(
    db_url: str, clock: FixedClock
) -> None:
    strict = RateLimits(sliding_window=True)
    async with TelegramDouble(rate_limits=strict) as double:
        bot = BotUnderTest(double, db_url, clock)
        await bot.start()
        try:
            await asyncio.sleep(1.5)  # idle: any limiter has refilled
            users = [double.user(FIRST + n) for n in range(PEOPLE)]
            for user in users:
                await user.send_text("/help")
            for user in users:
                await user.next_message(timeout=60)
            await bot.drained(timeout=30)
        finally:
            await bot.stop()
    assert double.stats["429"] == 0
    assert double.limiter.most_in_a_second <= 30
