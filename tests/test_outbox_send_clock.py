"""The shared send clock (PostgreSQL): moments handed out evenly, replies first, 429 shared."""

from __future__ import annotations

import asyncio

import pytest

from bot.send_limits import UNPROMPTED, SendLimiter, SharedBudget
from storage import send_clock
from storage.db import Database
from tests import postgres

pytestmark = pytest.mark.skipif(
    postgres.SERVER is None,
    reason="the shared send clock is PostgreSQL's (PEMBINA_TEST_POSTGRES unset)",
)


async def test_moments_are_spaced_and_replies_book_ahead_of_the_outbox(db: Database) -> None:
    async with db.engine.begin() as conn:
        waits = [await send_clock.reserve(conn, 0.1, ahead_at_most=None) for _ in range(20)]
        assert waits[0] is not None
        assert waits[0] <= 0.01
        assert waits[-1] is not None
        assert 1.8 < waits[-1] <= 1.91
        # Replies booked two seconds ahead: the outbox reserves nothing, a reply still does.
        assert await send_clock.reserve(conn, 0.1, ahead_at_most=0.5) is None
        reply = await send_clock.reserve(conn, 0.1, ahead_at_most=None)
        assert reply is not None
        assert 1.9 < reply <= 2.01


async def test_a_429_pauses_every_process(db: Database) -> None:
    other = Database(db.url)  # another process's pool
    try:
        async with db.engine.begin() as conn:
            await send_clock.pause(conn, 5.0)
        async with other.engine.begin() as conn:
            wait = await send_clock.reserve(conn, 0.1, ahead_at_most=None)
            assert wait is not None
            assert 4.8 < wait <= 5.0
            assert await send_clock.reserve(conn, 0.1, ahead_at_most=0.5) is None
    finally:
        await other.dispose()


async def test_replies_go_before_the_outbox_when_moments_are_booked(db: Database) -> None:
    """Other processes' replies booked a second ahead: here the outbox message waits, and a
    reply that came after it goes first (it does not wait behind the refused outbox)."""
    limiter = SendLimiter(shared=SharedBudget(db))
    order: list[str] = []

    async def send(tag: str) -> bool:
        order.append(tag)
        return True

    async with db.engine.begin() as conn:  # thirty replies of other processes
        for _ in range(30):
            await send_clock.reserve(conn, 1 / 29, ahead_at_most=None)
    later = asyncio.create_task(
        limiter.process_request(send, ("outbox",), {}, "sendMessage", {"chat_id": 1}, UNPROMPTED)
    )
    await asyncio.sleep(0.2)
    await limiter.process_request(send, ("reply",), {}, "sendMessage", {"chat_id": 2}, None)
    await later
    assert order == ["reply", "outbox"]
