"""Several outbox senders on one PostgreSQL database, as several bot processes run them.

Each sender here has its own ``Database`` (its own connection pool, as a process has) and its
own ``Bot`` with its own ``SendLimiter``, all against one Telegram double: what two
``pembina run`` processes share is exactly the database and Telegram. Every row must reach
Telegram once, each chat's rows in order, a sender starting must not take over the rows
another live sender has in flight, and the two together must stay under Telegram's 30/s.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import pytest
from telegram.ext import ExtBot

from bot.app import rate_limiter
from bot.clock import FixedClock
from bot.flows.services import Services
from bot.outbox_sender import OutboxSender
from bot.telegram_double import TelegramDouble
from bot.telegram_double.limits import RateLimits
from storage import outbox
from storage.db import Database
from tests import postgres

pytestmark = pytest.mark.skipif(
    postgres.SERVER is None,
    reason="several senders share a database only on PostgreSQL (PEMBINA_TEST_POSTGRES unset)",
)

START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
FIRST = 50_000


@asynccontextmanager
async def senders(
    double: TelegramDouble, db_url: str, count: int = 2, *, per_second: int | None = None
) -> AsyncIterator[list[OutboxSender]]:
    """``count`` senders, each with its own pool and its own bot and limiter."""
    async with AsyncExitStack() as stack:
        made: list[OutboxSender] = []
        for _ in range(count):
            db = Database(db_url)
            stack.push_async_callback(db.dispose)
            limiter = rate_limiter(db) if per_second is None else rate_limiter(db, per_second)
            bot = ExtBot(double.token, base_url=double.base_url, rate_limiter=limiter)
            await stack.enter_async_context(bot)
            sender = OutboxSender(Services(db=db, clock=FixedClock(START)), bot)
            stack.push_async_callback(sender.stop)
            made.append(sender)
        yield made


async def queue(db_url: str, chats: int, per_chat: int) -> None:
    """``per_chat`` numbered messages to each of ``chats`` chats, oldest first per chat."""
    db = Database(db_url)
    try:
        async with db.write() as conn:
            rows = [
                outbox.row(
                    dedup_key=f"m:{chat}:{k}",
                    chat_id=FIRST + chat,
                    text=f"m {chat} {k}",
                    now=START,
                )
                for k in range(per_chat)
                for chat in range(chats)
            ]
            await outbox.enqueue_many(conn, rows)
    finally:
        await db.dispose()


def delivered(double: TelegramDouble, chats: int) -> dict[int, list[str]]:
    return {
        FIRST + chat: [m.text for m in double.messages_in(FIRST + chat)] for chat in range(chats)
    }


@pytest.mark.long
async def test_two_senders_send_every_row_once_in_order(db_url: str) -> None:
    """2 000 rows to 200 chats drained by two senders at once: each exactly once, in order.
    (Before: the claim was a SELECT then an UPDATE, so both senders took the same rows.)"""
    chats, per_chat = 200, 10
    await queue(db_url, chats, per_chat)
    async with TelegramDouble(rate_limits=RateLimits(enabled=False)) as double:
        for chat in range(chats):
            double.open_chat(FIRST + chat)
        async with senders(double, db_url, per_second=2_000) as (one, two):
            await one.recover()
            await two.recover()
            sent = await asyncio.gather(one.drain(), two.drain())
        got = delivered(double, chats)
    counts = Counter(text for texts in got.values() for text in texts)
    duplicates = sum(n - 1 for n in counts.values())
    print(f"duplicates: {duplicates}, sent: {sum(sent)} of {chats * per_chat}")
    assert duplicates == 0, counts.most_common(5)
    assert len(counts) == chats * per_chat
    assert sum(sent) == chats * per_chat
    assert all(sent), sent  # both took a share
    for chat in range(chats):
        assert got[FIRST + chat] == [f"m {chat} {k}" for k in range(per_chat)]


async def test_a_sender_starting_leaves_a_live_senders_rows_alone(db_url: str) -> None:
    """A second process starting while the first has 20 rows in flight sends none of them.
    (Before: every start released every lease, and the second process sent them again.)"""
    chats = 20
    await queue(db_url, chats, 1)
    async with TelegramDouble(rate_limits=RateLimits(enabled=False)) as double:
        for chat in range(chats):
            double.open_chat(FIRST + chat)
        double.stall_next("sendMessage", 3.0, times=chats)  # delivered, answered late
        async with senders(double, db_url) as (one, two):
            await one.recover()
            first = asyncio.create_task(one.drain())
            for _ in range(200):
                async with one.db.read() as conn:
                    if (await outbox.counts(conn)).get("sending") == chats:
                        break
                await asyncio.sleep(0.02)
            await two.recover()  # the second process starts
            second = await two.drain()
            assert await first == chats
        got = delivered(double, chats)
    assert second == 0
    assert all(texts == [f"m {chat} 0"] for chat, texts in enumerate(got.values())), got


async def test_a_dead_senders_rows_go_out_without_waiting_for_the_lease(db_url: str) -> None:
    """A sender whose process is gone (its liveness lock released) leaves rows claimed; the
    next sender to start sends them at once, not after the 60-second lease."""
    chats = 5
    await queue(db_url, chats, 1)
    async with TelegramDouble(rate_limits=RateLimits(enabled=False)) as double:
        for chat in range(chats):
            double.open_chat(FIRST + chat)
        async with senders(double, db_url) as (dead, alive):
            await dead.recover()
            async with dead.db.write() as conn:  # claimed, then the process died
                claimed = await outbox.claim_due(
                    conn, START, chats, wall=dead.wall.now(), owner=dead.owner
                )
            assert len(claimed) == chats
            await dead.stop()  # its liveness lock goes, as when a process dies
            assert await alive.recover() == chats
            assert await alive.drain() == chats
        got = delivered(double, chats)
    assert all(len(texts) == 1 for texts in got.values()), got


async def test_two_senders_share_one_send_budget(db_url: str) -> None:
    """300 rows to 300 chats, two senders: the double (strict: 30 in any one second) never
    answers 429. (Before: each process kept 29/s on its own, 58/s together.)"""
    chats = 300
    await queue(db_url, chats, 1)
    strict = RateLimits(sliding_window=True)
    async with TelegramDouble(rate_limits=strict) as double:
        for chat in range(chats):
            double.open_chat(FIRST + chat)
        async with senders(double, db_url) as (one, two):
            await one.recover()
            await two.recover()
            sent = await asyncio.gather(one.drain(), two.drain())
        got = delivered(double, chats)
        too_many = double.stats["429"]
        most = double.limiter.most_in_a_second
    print(f"429: {too_many}, most in any second: {most}, sent: {sum(sent)}")
    assert (too_many, sum(sent)) == (0, chats), f"most in a second {most}"
    assert all(len(texts) == 1 for texts in got.values())
    assert most <= 30
