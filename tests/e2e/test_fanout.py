"""A fan-out of 500 outbox messages through Telegram trouble: every message arrives exactly
once, except the blocked user's, which are marked failed (and the person unreachable, which
the coordinator is told at once).

The bot sends at four times Telegram's ceiling into a double that allows four times its
limit (``ceiling(4)``): the same 500 messages through the same faults, paced the same way
against the limit, in a quarter of the 17 s that 29 a second takes."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.telegram_double import TelegramDouble
from storage import outbox, people
from tests.e2e.conftest import ADMIN_ID, BotUnderTest

COUNT = 500
FIRST = 10_000


@pytest.mark.long
@pytest.mark.ceiling(4)
async def test_fanout_with_429_502_stall_and_blocked(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        blocked_person = await people.insert_person(
            conn,
            nip=None,
            name="Blocked",
            unit=None,
            timezone="Asia/Jakarta",
            language="id",
            roles=["mentee"],
            now=now,
            telegram_id=FIRST + 7,
        )
    for n in range(COUNT):
        double.open_chat(FIRST + n)  # everyone talked to the bot before
    double.open_chat(ADMIN_ID)  # the coordinator hears of the blocked user
    double.block(FIRST + 7)
    double.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    double.fail_next("sendMessage", 502, "Bad Gateway", times=3)
    double.stall_next("sendMessage", 1.5, times=2)  # slow, but answered within PTB's timeout

    async with bot.svc.db.write() as conn:
        for n in range(COUNT):
            await outbox.enqueue(
                conn, dedup_key=f"fanout:{n}", chat_id=FIRST + n, text=f"Pengumuman {n}", now=now
            )
            if n % 7 == 0:  # the same key twice is a no-op
                assert not await outbox.enqueue(
                    conn, dedup_key=f"fanout:{n}", chat_id=FIRST + n, text="again", now=now
                )
    bot.svc.outbox_wake()

    for _ in range(600):  # bounded: at most about a minute
        async with bot.svc.db.read() as conn:
            counts = await outbox.counts(conn)
        if counts.get("sent", 0) + counts.get("failed", 0) >= COUNT + 0 and not counts.get(
            "pending"
        ):
            break
        bot.clock.advance(timedelta(seconds=10))  # lets backed-off retries come due
        bot.svc.outbox_wake()
        await asyncio.sleep(0.1)
    await bot.drained(timeout=60)

    delivered = Counter(
        m.text
        for n in range(COUNT)
        for m in double.user(FIRST + n).unread()
        if m.text.startswith("Pengumuman")
    )
    expected = {f"Pengumuman {n}" for n in range(COUNT) if n != 7}
    assert set(delivered) == expected
    assert max(delivered.values()) == 1  # exactly once
    async with bot.svc.db.read() as conn:
        counts = await outbox.counts(conn)
        person = await people.get_person(conn, blocked_person)
    assert counts.get("failed") == 1
    assert counts.get("sent", 0) >= COUNT - 1
    assert person is not None
    assert person.status == "unreachable"
    [notice] = double.user(ADMIN_ID).unread()
    assert "Blocked" in notice.text
    assert "memblokir bot" in notice.text
    assert double.stats["429"] >= 1
