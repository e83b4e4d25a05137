"""``pembina run`` killed with SIGKILL in the middle of a fan-out: after a restart every
message arrives, and at most one twice (the one in flight when the process died). The bot
that takes over runs in the test process (tests.e2e.processes.restart)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

from bot.app import Running, stop_bot
from bot.clock import SystemClock
from bot.telegram_double import RateLimits, TelegramDouble
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade
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
    assert sum(texts.values()) - COUNT <= 1  # at most one duplicate
