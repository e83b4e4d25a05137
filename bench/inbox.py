"""Inbox benchmark: N people write to the bot at once; the real ``pembina run`` answers.

The bot runs as its own process (``python -m bot run``) against the local Telegram double
(default limits: ~30 messages/s overall, a short burst per chat). Every person sends
``/help`` within a moment of each other. Prints replies per second, p50/p95 reply latency
(from the update being queued at the double to its reply arriving), 429s, and the most
updates that were ever *confirmed but not stored*: each time the bot asks for a new offset,
the double counts the confirmed update ids that have no row in the bot's database (the
``inbox`` table; ``processed_updates`` for a bot from before the inbox). It must be 0.

    python bench/inbox.py --people 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot import event_loop
from bot.telegram_double import TelegramDouble

REPO = Path(__file__).resolve().parents[1]
FIRST = 2_000_000


class Watch:
    """Double hooks: when each reply arrives, and confirmed-but-unstored updates."""

    def __init__(self, db_file: Path) -> None:
        self.db_file = db_file
        self.replied: dict[int, float] = {}
        self.worst_unstored = 0
        self.confirmations = 0

    def _stored_upto(self, upto: int) -> int:
        with sqlite3.connect(self.db_file, timeout=10) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            table = "inbox" if "inbox" in tables else "processed_updates"
            row = conn.execute(f"SELECT count(*) FROM {table} WHERE update_id <= ?", (upto,))
            return int(row.fetchone()[0])

    def __call__(self, stage: str, method: str, params: dict[str, Any], result: Any) -> None:
        if method == "getupdates" and stage == "request":
            offset = int(params.get("offset") or 0)
            if offset > 1:
                self.confirmations += 1
                # update ids are 1, 2, 3, ... in the double: all of 1..offset-1 must be rows
                unstored = (offset - 1) - self._stored_upto(offset - 1)
                self.worst_unstored = max(self.worst_unstored, unstored)
        if method == "sendmessage" and stage == "response":
            chat = int(params.get("chat_id") or 0)
            self.replied.setdefault(chat, time.monotonic())


@asynccontextmanager
async def bot_process(double: TelegramDouble, db_file: Path, workdir: Path) -> AsyncIterator[None]:
    """The real ``pembina run`` as its own process against the double, stopped on exit
    (its log is ``workdir/bot.log``). Shared by ``bench/export.py``."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db_file}",
        "PYTHONPATH": str(REPO),
        "PEMBINA_LOG_LEVEL": "WARNING",
    }
    with (workdir / "bot.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=workdir, env=env, stdout=log, stderr=log
        )
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


async def run(people: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-bench-inbox-"))
    db_file = workdir / "inbox.db"
    watch = Watch(db_file)
    async with TelegramDouble() as double, bot_process(double, db_file, workdir):
        warm = double.user(FIRST - 1)
        await warm.send_text("/help")
        await warm.next_message(timeout=60)
        double.on_call(watch)
        users = [double.user(FIRST + n, first_name=f"P{n}") for n in range(people)]
        queued: dict[int, float] = {}
        started = time.monotonic()
        for user in users:
            queued[user.user_id] = time.monotonic()
            await user.send_text("/help")
        await double.wait_until(
            lambda: all(u.user_id in watch.replied for u in users), timeout=600
        )
        finished = time.monotonic()
    latencies = sorted(watch.replied[u] - queued[u] for u in queued)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"people writing at once:        {people}")
    print(f"replies/s:                     {people / (finished - started):.1f}")
    print(f"reply latency p50 / p95:       {statistics.median(latencies):.1f} s / {p95:.1f} s")
    print(f"429s:                          {double.stats['429']}")
    print(f"offsets confirmed:             {watch.confirmations}")
    print(f"confirmed but unstored (max):  {watch.worst_unstored}")
    shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()
    event_loop.run(run(args.people))


if __name__ == "__main__":
    main()
