"""The shared send clock (PostgreSQL): moments handed out evenly, replies first, 429 shared."""

from __future__ import annotations

import pytest

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
