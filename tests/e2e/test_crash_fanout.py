"""``pembina run`` killed with SIGKILL in the middle of a fan-out: after a restart every
message arrives, and a message arrives twice only if Telegram had it when the process died
but the bot had not yet recorded it as sent (in flight: the sender has up to
``IN_FLIGHT`` chats' sends on the wire, spaced 1/29 s apart, so under load a kill can
catch two or three). The bot that takes over runs in the test process
(tests.e2e.processes.restart)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.app import Running, stop_bot
from bot.clock import SystemClock
from bot.outbox_sender import IN_FLIGHT
from bot.telegram_double import RateLimits, TelegramDouble
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade
from storage.schema import outbox as outbox_table
from tests.e2e.processes import restart
from tests.e2e.test_crash import _start_bot

COUNT = 200
FIRST = 50_000


async def test_kill_9_during_fanout(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    await upgrade(database)
    now = SystemClock().now()
    async with database.write() as conn:
        for n in range(COUNT):
            await outbox.enqueue(
                conn, dedup_key=f"crash:{n}", chat_id=FIRST + n, text=f"Pengumuman {n}", now=now
            )
    await database.dispose()

    slow = RateLimits(global_per_second=30, global_burst=30, per_chat_burst=1, reply_credit=0)
    async with TelegramDouble(rate_limits=slow) as double:
        for n in range(COUNT):
            double.open_chat(FIRST + n)
        process = await _start_bot(double, db_url, tmp_path)
        restarted: Running | None = None
        try:
            for _ in range(300):  # kill once a part has gone out
                delivered = sum(len(double.messages_in(FIRST + n)) for n in range(COUNT))
                if delivered >= 40:
                    break
                await asyncio.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            before = sum(len(double.messages_in(FIRST + n)) for n in range(COUNT))
            assert 0 < before < COUNT
            delivered = {m.text for n in range(COUNT) for m in double.messages_in(FIRST + n)}
            in_flight = delivered & await _not_recorded_as_sent(db_url)

            restarted = await restart(double, db_url)
            for _ in range(600):
                texts = Counter(
                    m.text for n in range(COUNT) for m in double.messages_in(FIRST + n)
                )
                if len(texts) == COUNT:
                    break
                await asyncio.sleep(0.05)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 20)
            if restarted is not None:
                await stop_bot(restarted)
    assert len(texts) == COUNT  # nothing lost
    twice = {text for text, n in texts.items() if n > 1}
    assert twice <= in_flight  # only what Telegram had and the bot had not recorded
    assert len(in_flight) <= IN_FLIGHT
    assert all(n <= 2 for n in texts.values())


async def _not_recorded_as_sent(db_url: str) -> set[str]:
    """The fan-out's texts the killed bot had not recorded as sent."""
    database = Database(db_url)
    try:
        async with database.read() as conn:
            rows = await conn.execute(
                select(outbox_table.c.text).where(outbox_table.c.status != outbox.SENT)
            )
            return {text for (text,) in rows}
    finally:
        await database.dispose()
