"""Fan-out benchmark: N due messages through the local Telegram double enforcing 30 msg/s.

Prints the achieved rate as a fraction of the limit, the 429s received, and messages lost
or duplicated. The double allows 30 messages a second overall (a one-second bucket) and
one per chat with no reply credit; the bot side is the real one: our send limiter
(``bot/send_limits.py``) as ``bot.app`` configures it, plus our outbox sender, over HTTP.

    python bench/fanout.py --count 10000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from telegram.ext import ExtBot

from bot import event_loop
from bot.app import rate_limiter
from bot.clock import FixedClock
from bot.flows.services import Services
from bot.outbox_sender import OutboxSender
from bot.telegram_double import RateLimits, TelegramDouble
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade

LIMIT = 30.0
FIRST = 1_000_000


async def run(count: int) -> None:
    strict = RateLimits(
        global_per_second=LIMIT, global_burst=LIMIT, per_chat_burst=1, reply_credit=0
    )
    workdir = Path(tempfile.mkdtemp(prefix="pembina-bench-"))
    db = Database(f"sqlite+aiosqlite:///{workdir / 'bench.db'}")
    await upgrade(db)
    clock = FixedClock(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    async with TelegramDouble(rate_limits=strict) as double:
        for n in range(count):
            double.open_chat(FIRST + n)
        async with db.write() as conn:
            for n in range(count):
                await outbox.enqueue(
                    conn,
                    dedup_key=f"bench:{n}",
                    chat_id=FIRST + n,
                    text=f"Pengingat {n}",
                    now=clock.now(),
                )
        bot = ExtBot(double.token, base_url=double.base_url, rate_limiter=rate_limiter())
        async with bot:
            sender = OutboxSender(Services(db=db, clock=clock), bot)
            started = time.perf_counter()
            sent = await sender.drain()
            elapsed = time.perf_counter() - started
        delivered = Counter(m.text for n in range(count) for m in double.messages_in(FIRST + n))
    await db.dispose()
    shutil.rmtree(workdir)  # a 100 000-mentee database is most of a gigabyte
    lost = count - len(delivered)
    duplicated = sum(c - 1 for c in delivered.values() if c > 1)
    rate = sent / elapsed
    print(f"messages: {count}, sent: {sent}, seconds: {elapsed:.1f}")
    print(f"rate: {rate:.1f} msg/s = {rate / LIMIT:.1%} of the {LIMIT:.0f} msg/s limit")
    print(f"429 received: {double.stats['429']}, lost: {lost}, duplicated: {duplicated}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    event_loop.run(run(parser.parse_args().count))


if __name__ == "__main__":
    main()
